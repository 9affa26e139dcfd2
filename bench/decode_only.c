/* decode_only.c — the decode floor for scripts/bench: libpng simplified API and TurboJPEG. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

/*
 * usage: decode_only [--repeat R] [--warmup W] FILE...
 *
 * Each pass reads every file into memory and decodes it to its native grey
 * samples (16-bit PNG stays 16-bit: no gamma or format conversion; JPEG to
 * 8-bit grey), as `scan bench` reads and decodes in its decode stage. Prints
 * one JSON object: per format, the median and min-max ms per image over all
 * timed passes, and the total pixels decoded per pass.
 */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        if (len > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len)) != NULL &&
            fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
        *n = len > 0 ? (size_t)len : 0;
    }
    fclose(f);
    return buf;
}

/* Decodes one file; returns its pixel count, 0 on failure. */
static uint64_t decode(tjhandle tj, const char *path)
{
    size_t n = 0;
    unsigned char *d = slurp(path, &n);
    if (!d) return 0;
    uint64_t px = 0;
    if (n >= 8 && memcmp(d, "\x89PNG", 4) == 0) {
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        if (png_image_begin_read_from_memory(&im, d, n)) {
            /* The file's own format: no conversion. */
            size_t sz = PNG_IMAGE_SIZE(im);
            void *out = malloc(sz);
            if (out && png_image_finish_read(&im, NULL, out, 0, NULL))
                px = (uint64_t)im.width * im.height;
            free(out);
        }
        png_image_free(&im);
    } else if (n >= 3 && d[0] == 0xff && d[1] == 0xd8) {
        int w, h, sub, cs;
        if (tjDecompressHeader3(tj, d, (unsigned long)n, &w, &h, &sub, &cs) == 0) {
            unsigned char *out = malloc((size_t)w * (size_t)h);
            if (out && tjDecompress2(tj, d, (unsigned long)n, out, w, 0, h, TJPF_GRAY, 0) == 0)
                px = (uint64_t)w * (uint64_t)h;
            free(out);
        }
    }
    free(d);
    return px;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int repeat = 5, warmup = 1, first = 1;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--repeat") == 0)
            repeat = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--warmup") == 0)
            warmup = atoi(argv[first + 1]);
        else
            break;
        first += 2;
    }
    int nfiles = argc - first;
    if (nfiles < 1 || repeat < 1 || warmup < 0) {
        fprintf(stderr, "usage: decode_only [--repeat R] [--warmup W] FILE...\n");
        return 2;
    }
    tjhandle tj = tjInitDecompress();
    double *t = malloc(sizeof *t * (size_t)nfiles * (size_t)repeat);
    if (!tj || !t) return 1;
    uint64_t pixels = 0;
    for (int p = 0; p < warmup + repeat; p++)
        for (int i = 0; i < nfiles; i++) {
            double t0 = now_s();
            uint64_t px = decode(tj, argv[first + i]);
            double dt = now_s() - t0;
            if (!px) {
                fprintf(stderr, "decode_only: cannot decode %s\n", argv[first + i]);
                return 1;
            }
            if (p >= warmup) t[(size_t)(p - warmup) * (size_t)nfiles + (size_t)i] = dt;
            if (p == 0) pixels += px;
        }
    size_t n = (size_t)nfiles * (size_t)repeat;
    qsort(t, n, sizeof *t, cmp_d);
    double med = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    printf("{\"files\":%d,\"repeat\":%d,\"pixels_per_pass\":%llu,\"decode_ms\":{\"median\":%.4f,"
           "\"min\":%.4f,\"max\":%.4f}}\n",
           nfiles, repeat, (unsigned long long)pixels, med * 1e3, t[0] * 1e3, t[n - 1] * 1e3);
    free(t);
    tjDestroy(tj);
    return 0;
}
