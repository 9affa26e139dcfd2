/* bench_synth.c — generation time of the synthetic generator per world and size (median of N seeds,
 * one core). */
#include <libscan.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *world = "classic", *size = "40ft";
    int n = 15;
    unsigned long long seed = 5000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--world"))
            world = argv[i + 1];
        else if (!strcmp(argv[i], "--size"))
            size = argv[i + 1];
        else if (!strcmp(argv[i], "--n"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
    }
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    int w = lscan_synth_world_find(world);
    if (w < 0 || n < 1 || n > 1000) {
        fprintf(stderr,
                "usage: bench_synth [--world W] [--size 20ft|40ft|45ft|hires|mixed] [--n N] "
                "[--seed S]\n");
        return 2;
    }
    p.world = (uint32_t)w;
    p.container = !strcmp(size, "20ft")    ? LSCAN_SYNTH_20FT
                  : !strcmp(size, "45ft")  ? LSCAN_SYNTH_45FT
                  : !strcmp(size, "hires") ? LSCAN_SYNTH_HIRES
                  : !strcmp(size, "mixed") ? LSCAN_SYNTH_MIXED
                                           : LSCAN_SYNTH_40FT;
    lscan_ctx *ctx = lscan_ctx_new();
    double *t = malloc((size_t)n * sizeof *t), mpx = 0;
    if (!ctx || !t) return 1;
    for (int i = 0; i < n; i++) {
        lscan_image *img = NULL;
        lscan_synth_truth *tr = NULL;
        double a = now();
        if (lscan_synth_generate(ctx, &p, seed + (unsigned long long)i, &img, &tr) != LSCAN_OK) {
            fprintf(stderr, "%s\n", lscan_ctx_error_message(ctx));
            return 1;
        }
        t[i] = now() - a;
        mpx += lscan_image_width(img) * (double)lscan_image_height(img) * 1e-6;
        lscan_image_free(img);
        lscan_synth_truth_free(tr);
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("%-8s %-5s n %d: median %.3f s, max %.3f s, %.2f Mpixel average\n", world, size, n,
           t[n / 2], t[n - 1], mpx / n);
    free(t);
    lscan_ctx_free(ctx);
    return 0;
}
