/* png2jpeg.c — the JPEG half of the benchmark set: 16-bit pixels >> 8 as a grey JPEG. */
#include "libscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

/* usage: png2jpeg QUALITY IN.png OUT.jpg */
int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: png2jpeg QUALITY IN.png OUT.jpg\n");
        return 2;
    }
    int q = atoi(argv[1]);
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img = NULL;
    if (!ctx || lscan_image_load(ctx, argv[2], NULL, &img) != LSCAN_OK) {
        fprintf(stderr, "png2jpeg: %s: %s\n", argv[2], ctx ? lscan_ctx_error_message(ctx) : "");
        return 1;
    }
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    unsigned char *g = malloc((size_t)w * h);
    if (!g) return 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            g[(size_t)y * w + x] = (unsigned char)(px[(size_t)y * stride + x] >> 8);
    tjhandle tj = tjInitCompress();
    unsigned char *jpg = NULL;
    unsigned long n = 0;
    if (!tj || tjCompress2(tj, g, (int)w, 0, (int)h, TJPF_GRAY, &jpg, &n, TJSAMP_GRAY, q, 0) != 0) {
        fprintf(stderr, "png2jpeg: %s\n", tjGetErrorStr2(tj));
        return 1;
    }
    FILE *f = fopen(argv[3], "wb");
    int rc = !f || fwrite(jpg, 1, n, f) != n;
    if (f && fclose(f) != 0) rc = 1;
    if (rc) fprintf(stderr, "png2jpeg: cannot write %s\n", argv[3]);
    tjFree(jpg);
    tjDestroy(tj);
    free(g);
    lscan_image_free(img);
    lscan_ctx_free(ctx);
    return rc;
}
