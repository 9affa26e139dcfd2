/* decode_png.c — measures lscan_image_load against a plain libpng read of the same 16-bit PNG,
 * alternating runs. */
#include "libscan.h"

#include <math.h>
#include <stdbool.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * usage: decode_png --make FILE      write a 4000x1100 16-bit cargo-like scan
 *        decode_png FILE [RUNS]      time RUNS alternating loads (default 21)
 *
 * (a) is the floor: libpng reading every row of the file into one buffer
 * (png_read_image, 16-bit, png_set_swap), from a FILE*. (b) is
 * lscan_image_load, which reads the file into memory and decodes it. Runs
 * alternate a, b, a, b... so both see the same machine state; the medians
 * and their ratio are printed.
 */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint64_t rng(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static double gauss(uint64_t *s)
{
    double u = ((double)(rng(s) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(rng(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* A transmission image: air margins at I0 above and below, a container
 * with walls and floor, pallets of varying density, a dense object, and
 * photon-like noise whose spread grows with the signal. */
static int make(const char *path)
{
    const uint32_t w = 4000, h = 1100;
    const double i0 = 60000.0;
    uint16_t *px = malloc((size_t)w * h * sizeof *px);
    if (!px) return 1;
    uint64_t s = 0x5eed;
    double pallet_a[16];
    for (int k = 0; k < 16; k++)
        pallet_a[k] = 0.6 + 0.15 * (double)(rng(&s) % 16);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double a = 0.0;
            bool in_box = y >= 150 && y < 960 && x >= 120 && x < 3880;
            if (in_box) {
                a += 0.35; /* side walls along the beam */
                if (x < 150 || x >= 3850 || y < 170 || y >= 935)
                    a += 1.4;              /* end walls, roof, floor */
                if (x % 60 < 6) a += 0.12; /* corrugation */
                uint32_t cx = (x - 150) / 230, cy = (y - 170) / 190;
                if (x >= 160 && x < 3840 && y >= 300 && (x - 150) % 230 > 8 && (y - 170) % 190 > 6)
                    a += pallet_a[(cx * 3 + cy) % 16] * (1.0 + 0.1 * sin(x * 0.013 + y * 0.021));
                if (x >= 2100 && x < 2180 && y >= 600 && y < 700) a += 3.5; /* a dense block */
            } else if (y >= 960 && y < 1040 && x >= 60 && x < 3940) {
                a += (x / 400) % 2 ? 2.2 : 0.3; /* chassis and wheels */
            }
            double v = i0 * exp(-a);
            v += gauss(&s) * (20.0 + 1.4 * sqrt(v));
            px[(size_t)y * w + x] = (uint16_t)(v < 200     ? 200 + (rng(&s) % 64)
                                               : v > 65535 ? 65535
                                                           : v);
        }
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img = NULL;
    int rc = lscan_image_wrap(ctx, px, w, h, (size_t)w * 2, 16, NULL, &img);
    if (rc == LSCAN_OK) rc = lscan_image_save_png(ctx, img, path, 6);
    if (rc) fprintf(stderr, "decode_png: %s\n", lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    lscan_ctx_free(ctx);
    free(px);
    return rc ? 1 : 0;
}

/* (a): libpng alone, every row into one buffer. Returns ms or -1. */
static double plain_libpng(const char *path, uint64_t *checksum)
{
    double t0 = now_ms();
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile data = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(data);
        free(rows);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_set_swap(png);
    png_read_update_info(png, info);
    uint32_t h = png_get_image_height(png, info);
    size_t rb = png_get_rowbytes(png, info);
    data = malloc(rb * h);
    rows = malloc(sizeof *rows * h);
    for (uint32_t y = 0; y < h; y++)
        rows[y] = data + y * rb;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    double t = now_ms() - t0;
    *checksum += data[rb * h / 2] + data[rb * h - 1];
    free(data);
    free(rows);
    return t;
}

/* (b): libscan's loader. */
static double lscan_load(lscan_ctx *ctx, const char *path, uint64_t *checksum)
{
    double t0 = now_ms();
    lscan_image *img = NULL;
    if (lscan_image_load(ctx, path, NULL, &img) != LSCAN_OK) {
        fprintf(stderr, "decode_png: %s\n", lscan_ctx_error_message(ctx));
        return -1;
    }
    double t = now_ms() - t0;
    size_t stride;
    const uint16_t *p = lscan_image_pixels(img, 0, &stride);
    *checksum += p[stride * (lscan_image_height(img) / 2)];
    lscan_image_free(img);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--make") == 0) return make(argv[2]);
    if (argc < 2 || argc > 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: decode_png --make FILE | decode_png FILE [RUNS]\n");
        return 2;
    }
    int runs = argc == 3 ? atoi(argv[2]) : 21;
    if (runs < 1 || runs > 10000) runs = 21;
    double *ta = malloc(sizeof *ta * (size_t)runs), *tb = malloc(sizeof *tb * (size_t)runs);
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ta || !tb || !ctx) return 1;
    uint64_t sum = 0;
    /* One untimed run of each warms the page cache and the allocator. */
    if (plain_libpng(argv[1], &sum) < 0 || lscan_load(ctx, argv[1], &sum) < 0) {
        fprintf(stderr, "decode_png: cannot read %s\n", argv[1]);
        return 1;
    }
    for (int i = 0; i < runs; i++) {
        ta[i] = plain_libpng(argv[1], &sum);
        tb[i] = lscan_load(ctx, argv[1], &sum);
        if (ta[i] < 0 || tb[i] < 0) return 1;
    }
    double ma = median(ta, runs), mb = median(tb, runs);
    printf("file: %s, %d alternating runs (checksum %llu)\n", argv[1], runs,
           (unsigned long long)sum);
    printf("plain libpng read (png_read_image): median %.2f ms\n", ma);
    printf("lscan_image_load:                   median %.2f ms\n", mb);
    printf("ratio lscan/libpng:                 %.3f\n", mb / ma);
    lscan_ctx_free(ctx);
    free(ta);
    free(tb);
    return 0;
}
