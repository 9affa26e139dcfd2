/* bench_features.c — lscan_analyze (calibration + location + features) per kernel set against a
 * plain memory read of the same pixels, alternating runs, medians. */
#include "libscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * usage: bench_features [--width W --height H] [--seed S] [--runs N] [FILE]
 *
 * Without FILE the scan is made by the generator (default 4096x1800, a
 * high-resolution 40 ft container). Each round runs, in turn: a plain read
 * of the pixel buffer (64-bit word sum, the memory floor), then
 * lscan_analyze with the scalar, SSE2 and AVX2 kernels (those the CPU has).
 * Every variant runs once per round so all see the same machine state; the
 * medians over N rounds (default 31) are printed with megapixels/s, GB/s of
 * 16-bit pixels and the ratio to the memory read. One thread.
 */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The floor: every byte of the image read once. volatile keeps the sum. */
static volatile uint64_t sink;
static void memory_read(const uint16_t *px, size_t stride, uint32_t w, uint32_t h)
{
    uint64_t s = 0;
    for (uint32_t y = 0; y < h; y++) {
        const uint16_t *row = px + (size_t)y * stride;
        const size_t words = (size_t)w / 4;
        uint64_t part = 0;
        for (size_t i = 0; i < words; i++) {
            uint64_t v;
            memcpy(&v, row + 4 * i, sizeof v);
            part += v;
        }
        for (size_t x = words * 4; x < w; x++)
            part += row[x];
        s += part;
    }
    sink = s;
}

int main(int argc, char **argv)
{
    uint32_t width = 4096, height = 1800, runs = 31;
    uint64_t seed = 7;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--width") == 0 && i + 1 < argc)
            width = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--height") == 0 && i + 1 < argc)
            height = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] != '-')
            file = argv[i];
        else {
            fprintf(stderr,
                    "usage: bench_features [--width W --height H] [--seed S] [--runs N] [FILE]\n");
            return 2;
        }
    }
    if (runs < 1) runs = 1;
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) return 1;
    lscan_image *img = NULL;
    int rc;
    if (file) {
        rc = lscan_image_load(ctx, file, NULL, &img);
    } else {
        lscan_synth_params p;
        lscan_synth_params_init(&p);
        p.container = LSCAN_SYNTH_40FT;
        p.cls = LSCAN_CLASS_MIXED;
        p.width = width;
        p.height = height;
        rc = lscan_synth_generate(ctx, &p, seed, &img, NULL);
    }
    if (rc) {
        fprintf(stderr, "bench_features: %s\n", lscan_ctx_error_message(ctx));
        return 1;
    }
    const uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    const double mpix = (double)w * h / 1e6;

    /* Variants: 0 = memory read, then each distinct kernel set this CPU
     * and build have (named by the library, so a build without SIMD
     * kernels shows only "scalar"). */
    struct variant {
        const char *name;
        uint32_t disable;
        double *t;
    } use[4];
    const uint32_t masks[3] = {LSCAN_CPU_SSE2 | LSCAN_CPU_AVX2 | LSCAN_CPU_NEON, LSCAN_CPU_AVX2, 0};
    uint32_t nv = 0;
    use[nv++] = (struct variant){"memory read", 0, NULL};
    for (int i = 0; i < 3; i++) {
        lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, masks[i]);
        const char *name = lscan_ctx_kernel_name(ctx);
        if (strcmp(name, use[nv - 1].name) != 0) use[nv++] = (struct variant){name, masks[i], NULL};
    }
    for (uint32_t i = 0; i < nv; i++) {
        use[i].t = calloc(runs, sizeof(double));
        if (!use[i].t) return 1;
    }
    printf("image %ux%u (%.2f MP, %.1f MB of 16-bit pixels), %u rounds, one thread\n", w, h, mpix,
           mpix * 2.0, runs);
    /* Warm-up: touches the pixels, builds the table, sizes the scratch. */
    lscan_analysis *a = NULL;
    memory_read(px, stride, w, h);
    if (lscan_analyze(ctx, img, NULL, &a) != LSCAN_OK) {
        fprintf(stderr, "bench_features: %s\n", lscan_ctx_error_message(ctx));
        return 1;
    }
    lscan_analysis_free(a);
    for (uint32_t r = 0; r < runs; r++) {
        for (uint32_t i = 0; i < nv; i++) {
            double t0;
            if (i == 0) {
                t0 = now_s();
                memory_read(px, stride, w, h);
            } else {
                lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, use[i].disable);
                t0 = now_s();
                rc = lscan_analyze(ctx, img, NULL, &a);
                if (rc) {
                    fprintf(stderr, "bench_features: %s\n", lscan_ctx_error_message(ctx));
                    return 1;
                }
                lscan_analysis_free(a);
            }
            use[i].t[r] = now_s() - t0;
        }
    }
    double mem = 0;
    printf("%-12s %10s %10s %9s %10s\n", "variant", "median ms", "MP/s", "GB/s", "x memory");
    for (uint32_t i = 0; i < nv; i++) {
        qsort(use[i].t, runs, sizeof(double), cmp_double);
        double med = use[i].t[runs / 2];
        if (i == 0) mem = med;
        printf("%-12s %10.3f %10.1f %9.2f %10.2f\n", use[i].name, med * 1e3, mpix / med,
               mpix * 2e6 / med / 1e9, med / mem);
        free(use[i].t);
    }
    lscan_image_free(img);
    lscan_ctx_free(ctx);
    return 0;
}
