/* gate_worlds.c — the scan check over the generator's worlds: how many real scans it refuses, per
 * world, export and class, and what it measured on them. */
#include "features/gate.h"

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

/*
 * usage: gate_worlds --world W [--n N] [--seed S] [--export SPEC] [--size S] [--csv]
 * Generates N scans of world W (seeds S..S+N-1, the world's size mix), exports each as its
 * world draws it or as SPEC, analyses the exported image as a reader would decode it and runs
 * the scan check. Prints one line per refused scan and a summary per export and class;
 * --csv prints every scan's measures instead.
 */

static const char *size_names[] = {"20ft", "40ft", "hires", "mixed", "45ft"};

int main(int argc, char **argv)
{
    const char *world = "classic", *spec = NULL, *size = "mixed";
    int n = 100, csv = 0;
    unsigned long long seed = 9000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv")) {
            csv = 1;
            continue;
        }
        if (i + 1 >= argc) goto usage;
        if (!strcmp(argv[i], "--world"))
            world = argv[++i];
        else if (!strcmp(argv[i], "--n"))
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--export"))
            spec = argv[++i];
        else if (!strcmp(argv[i], "--size"))
            size = argv[++i];
        else
            goto usage;
    }
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    int w = lscan_synth_world_find(world);
    int sz = -1;
    for (int k = 0; k < 5; k++)
        if (!strcmp(size, size_names[k])) sz = k;
    if (w < 0 || sz < 0 || n < 1) goto usage;
    p.world = (uint32_t)w;
    p.container = (uint32_t)sz;
    if (spec && lscan_synth_export_parse(spec, &p) != LSCAN_OK) goto usage;
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) return 1;
    if (csv)
        printf("seed,world,export,class,width,height,status,flags,pitch_mm,box_w,box_h,chroma,"
               "pitch_y,pitch_x,aspect,c_tl,c_tr,c_bl,c_br,spread,top2,"
               "message\n");
    int refused = 0, failed = 0;
    double t_analysis = 0, t_check = 0, mpix = 0;
    for (int i = 0; i < n; i++) {
        unsigned long long s = seed + (unsigned long long)i;
        lscan_image *img = NULL;
        lscan_synth_truth *t = NULL;
        lscan_synth_export *e = NULL;
        if (lscan_synth_generate(ctx, &p, s, &img, &t) != LSCAN_OK ||
            lscan_synth_export_make(ctx, img, t, NULL, &e) != LSCAN_OK) {
            fprintf(stderr, "seed %llu: %s\n", s, lscan_ctx_error_message(ctx));
            return 1;
        }
        const lscan_image *x = lscan_synth_export_image(e);
        const lscan_synth_truth *xt = lscan_synth_export_truth(e);
        lscan_analysis *a = NULL;
        double t0 = now();
        int rc = lscan_analyze(ctx, x, NULL, &a);
        t_analysis += now() - t0;
        char msg[600] = "";
        lscan__scan_measures m;
        memset(&m, 0, sizeof m);
        if (rc == LSCAN_OK) {
            lscan__scan_measure(ctx, x, a, &m);
            t0 = now();
            rc = lscan__scan_check(ctx, x, a);
            t_check += now() - t0;
            mpix += (double)lscan_image_width(x) * lscan_image_height(x) * 1e-6;
            refused += rc != LSCAN_OK;
        } else {
            failed++;
        }
        if (rc) snprintf(msg, sizeof msg, "%s", lscan_ctx_error_message(ctx));
        const char *cls = lscan_class_name(lscan_synth_truth_class(xt));
        if (csv) {
            lscan_calibration c = {.size = sizeof c};
            if (a) lscan_analysis_calibration(a, &c);
            lscan_box b = {0};
            if (a) lscan_analysis_container(a, &b);
            printf("%llu,%s,%s,%s,%u,%u,%s,%u,%.3f,%u,%u,%.4f,%.3f,%.3f,%.3f,%d,%d,%d,%d,"
                   "%.4f,%.4f,\"%s\"\n",
                   s, world, lscan_synth_truth_export(xt), cls, lscan_image_width(x),
                   lscan_image_height(x), lscan_status_name(rc), c.flags, c.pitch_mm, b.x1 - b.x0,
                   b.y1 - b.y0, m.chroma_share, m.pitch_y_mm, m.pitch_x_mm, m.aspect, m.corner[0],
                   m.corner[1], m.corner[2], m.corner[3], m.spread, m.top2, msg);
        } else if (rc == LSCAN_ERR_NOT_A_SCAN) {
            printf("refused: seed %llu %s %s: %s\n", s, lscan_synth_truth_export(xt), cls, msg);
        }
        fflush(stdout);
        lscan_analysis_free(a);
        lscan_synth_export_free(e);
        lscan_synth_truth_free(t);
        lscan_image_free(img);
    }
    fprintf(stderr,
            "%s %s: %d scans, %d refused by the scan check, %d not analysed; analysis %.1f ms, "
            "scan check %.3f ms per analysed scan (%.2f Mpixel)\n",
            world, spec ? spec : "world", n, refused, failed,
            n > failed ? 1e3 * t_analysis / (n - failed) : 0.0,
            n > failed ? 1e3 * t_check / (n - failed) : 0.0,
            n > failed ? mpix / (n - failed) : 0.0);
    lscan_ctx_free(ctx);
    return 0;
usage:
    fprintf(stderr, "usage: gate_worlds --world W [--n N] [--seed S] [--export SPEC] "
                    "[--size 20ft|40ft|45ft|hires|mixed] [--csv]\n");
    return 2;
}
