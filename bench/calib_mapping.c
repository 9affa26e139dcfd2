/* calib_mapping.c — per generated scan, calibration of its archive export against the raw scan:
 * display mapping found vs the truth, the side walls' level and no_load on both (CSV). */
#include "features/feat.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(
        stderr,
        "usage: calib_mapping --world W [--n N] [--seed S] [--class C|all] [--export "
        "SPEC[,SPEC..]]\n"
        "                     [--size 20ft|40ft|45ft|hires|mixed]\n"
        "Generates N scans of world W (seeds S..S+N-1), exports each as its world drew (or\n"
        "as each SPEC), analyses the raw 16-bit scan and the export, and prints one CSV line per\n"
        "scan: the truth's export, mapping and parameter, the mapping calibration found and\n"
        "its parameter, and the walls' level and no_load of the raw scan and of the export.\n");
    return 2;
}

/* The truth's display mapping and parameter from a canonical export spec
 * (docs/synth.md): "lin", "gamma" G, "log" Amax (0: the scan's floor
 * attenuation), "raw" for 16-bit. */
static const char *truth_mapping(const char *spec, float floor_att, double *param)
{
    *param = 0;
    if (!strncmp(spec, "png16", 5)) return "raw";
    const char *p = strstr(spec, "-log");
    if (p) {
        *param = isdigit((unsigned char)p[4]) ? atof(p + 4) : (double)floor_att;
        return "log";
    }
    p = strstr(spec, "-gamma");
    if (p) {
        *param = isdigit((unsigned char)p[6]) ? atof(p + 6) : 2.2;
        return "gamma";
    }
    *param = 1;
    return "lin";
}

static const char *calib_mapping(const lscan_calibration *c, double *param)
{
    *param = c->display_param;
    if (c->flags & LSCAN_CALIB_DISPLAY_LOG) return "log";
    if (c->flags & LSCAN_CALIB_DISPLAY_GAMMA) return "gamma";
    if (c->flags & LSCAN_CALIB_DISPLAY_LINEAR)
        return c->flags & LSCAN_CALIB_DISPLAY_UNCLEAR ? "lin?" : "lin";
    return "raw";
}

/* Analyses img; on success prints "wall,no_load" and, when c is not NULL,
 * fills it; otherwise prints the status name twice. */
static void measure(lscan_ctx *ctx, const lscan_image *img, lscan_calibration *c, char *out,
                    size_t n)
{
    lscan_analysis *a = NULL;
    int rc = lscan_analyze(ctx, img, NULL, &a);
    if (rc) {
        snprintf(out, n, "%s,%s,", lscan_status_name(rc), lscan_status_name(rc));
        if (c) c->flags = 0xffffffffu;
        return;
    }
    /* The walls read by calibration's own estimator, ln(I0 / walls): on a
     * raw scan, the anchor's spread. */
    double wl =
        lscan__calib_walls(img, a->calib.polarity == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0,
                           &a->box, a->calib.pitch_mm, a->tile);
    snprintf(out, n, "%.4f,%.0f,%.4f", (double)a->wall_level,
             (double)lscan_analysis_image_features(a)[LSCAN__IF_NO_LOAD],
             wl > 0 ? log(a->calib.air_level / wl) : NAN);
    if (c) {
        c->size = sizeof *c;
        lscan_analysis_calibration(a, c);
    }
    lscan_analysis_free(a);
}

int main(int argc, char **argv)
{
    const char *world = NULL, *cls = NULL, *spec = NULL, *size = "mixed";
    long n = 20;
    unsigned long long seed = 7700000;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) return usage();
        if (!strcmp(argv[i], "--world"))
            world = argv[i + 1];
        else if (!strcmp(argv[i], "--n"))
            n = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--class"))
            cls = argv[i + 1];
        else if (!strcmp(argv[i], "--export"))
            spec = argv[i + 1];
        else if (!strcmp(argv[i], "--size"))
            size = argv[i + 1];
        else
            return usage();
    }
    int w = world ? lscan_synth_world_find(world) : -1;
    if (w < 0 || n < 1 || n > 100000) return usage();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = (uint32_t)w;
    p.container = !strcmp(size, "20ft")    ? LSCAN_SYNTH_20FT
                  : !strcmp(size, "40ft")  ? LSCAN_SYNTH_40FT
                  : !strcmp(size, "45ft")  ? LSCAN_SYNTH_45FT
                  : !strcmp(size, "hires") ? LSCAN_SYNTH_HIRES
                                           : LSCAN_SYNTH_MIXED;
    int fixed_cls = -2;
    if (cls && strcmp(cls, "all")) {
        if (lscan_class_parse(cls, &fixed_cls) != LSCAN_OK) return usage();
    }
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) return 1;
    printf("seed,world,build,scanner,class,export,truth_map,truth_param,found_map,found_param,"
           "param_err,raw_wall,raw_no_load,raw_x,exp_wall,exp_no_load,exp_x,exp_flags,evid_wall,"
           "evid_noise\n");
    for (long i = 0; i < n; i++) {
        /* "all": the ten classes in turn. */
        p.cls = fixed_cls >= 0 ? fixed_cls
                : !cls         ? -1
                : i % 10 < 5   ? (int)(i % 10)
                               : (int)(i % 10) + 11;
        lscan_image *img = NULL;
        lscan_synth_truth *t = NULL;
        uint64_t s = seed + (uint64_t)i;
        if (lscan_synth_generate(ctx, &p, s, &img, &t) != LSCAN_OK) {
            fprintf(stderr, "seed %llu: %s\n", (unsigned long long)s, lscan_ctx_error_message(ctx));
            return 1;
        }
        char raw[64];
        measure(ctx, img, NULL, raw, sizeof raw);
        /* Each spec of the comma-separated list ("world": the world's draw). */
        for (const char *sp = spec ? spec : "world"; *sp;) {
            size_t len = strcspn(sp, ",");
            char one[64];
            snprintf(one, sizeof one, "%.*s", (int)len, sp);
            sp += len + (sp[len] == ',');
            lscan_synth_export *e = NULL;
            if (lscan_synth_export_make(ctx, img, t, strcmp(one, "world") ? one : NULL, &e) !=
                LSCAN_OK) {
                fprintf(stderr, "seed %llu: %s\n", (unsigned long long)s,
                        lscan_ctx_error_message(ctx));
                return 1;
            }
            const lscan_synth_truth *et = lscan_synth_export_truth(e);
            char ex[64];
            lscan_calibration c;
            memset(&c, 0, sizeof c);
            measure(ctx, lscan_synth_export_image(e), &c, ex, sizeof ex);
            double tp, fp = 0;
            const char *tm = truth_mapping(lscan_synth_truth_export(et),
                                           lscan_synth_truth_floor_attenuation(t), &tp);
            const char *fm = c.flags == 0xffffffffu ? "-" : calib_mapping(&c, &fp);
            double err = tp > 0 && fp > 0 ? fp / tp - 1.0 : NAN;
            printf("%llu,%s,%s,%s,%s,%s,%s,%.3f,%s,%.3f,%.3f,%s,%s,0x%x,%.4f,%.2f\n",
                   (unsigned long long)s, lscan_synth_truth_world(t), lscan_synth_truth_build(t),
                   lscan_synth_truth_scanner(t), lscan_class_name(lscan_synth_truth_class(t)),
                   lscan_synth_truth_export(et), tm, tp, fm, fp, err, raw, ex, c.flags,
                   (double)c.display_wall, (double)c.display_noise);
            fflush(stdout);
            lscan_synth_export_free(e);
        }
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
    lscan_ctx_free(ctx);
    return 0;
}
