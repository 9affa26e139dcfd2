/* cmd_bench.c — `scan bench`: pipeline time per stage, kernel set and thread count. */
#include "cli.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ST_DECODE, ST_CALIB, ST_FEAT, ST_CLASS, ST_OVERLAY, ST_TOTAL, ST_N };
static const char *const stage_names[ST_N] = {"decode",   "calibrate", "features",
                                              "classify", "overlay",   "total"};

struct opts {
    const char *model_path;
    const char *cpu;
    unsigned long long jobs, repeat, warmup, synth, width, height, seed;
    bool json, all_isas, overlay;
};

/* One kernel set's measurements. */
struct variant {
    uint32_t disable;    /* LSCAN_PARAM_DISABLE_CPU_FEATURES */
    const char *kernels; /* lscan_ctx_kernel_name */
    double *stage[ST_N]; /* per image and pass, seconds */
    double *pass;        /* wall seconds per timed pass */
    double analysis_med; /* median of calibrate + features + classify per image */
    size_t failures;
};

struct run {
    const struct opts *o;
    const lscan_model *model;
    lscan_screen_options so; /* dual energy: the dual model and material calibration */
    char **paths;
    size_t n;
    uint64_t pixels; /* over one pass */
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of v[0..n) (sorts v). */
static void stats(double *v, size_t n, double *med, double *lo, double *hi)
{
    if (n == 0) {
        *med = *lo = *hi = 0;
        return;
    }
    qsort(v, n, sizeof *v, cmp_d);
    *med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    *lo = v[0];
    *hi = v[n - 1];
}

/* Renders the overlay into a scratch buffer; returns seconds, or -1. */
static double time_overlay(lscan_ctx *ctx, const lscan_image *img, const lscan_result *r)
{
    lscan_overlay_options oo;
    lscan_overlay_options_init(&oo);
    uint32_t w, h;
    if (lscan_overlay_size(img, &oo, &w, &h) != LSCAN_OK) return -1;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb) return -1;
    double t0 = now_s();
    int rc = lscan_overlay_render(ctx, img, r, &oo, rgb, (size_t)w * 3);
    double t = now_s() - t0;
    free(rgb);
    return rc == LSCAN_OK ? t : -1;
}

/* Records one result's stage times at sample index k. */
static void record(struct variant *v, size_t k, const lscan_result *r, double decode,
                   double overlay)
{
    v->stage[ST_DECODE][k] = decode;
    v->stage[ST_CALIB][k] = lscan_result_stage_seconds(r, LSCAN_STAGE_CALIBRATE);
    v->stage[ST_FEAT][k] = lscan_result_stage_seconds(r, LSCAN_STAGE_FEATURES);
    v->stage[ST_CLASS][k] = lscan_result_stage_seconds(r, LSCAN_STAGE_CLASSIFY);
    v->stage[ST_OVERLAY][k] = overlay;
    double t = 0;
    for (int s = 0; s < ST_TOTAL; s++)
        t += v->stage[s][k];
    v->stage[ST_TOTAL][k] = t;
    if (lscan_result_status(r) != LSCAN_OK) v->failures++;
}

/* One pass in the caller's thread: load, screen (and render) each file as
 * lscan_screen_file does, timing the decode here. */
static int pass_serial(struct run *run, lscan_ctx *ctx, struct variant *v, size_t base, bool keep)
{
    for (size_t i = 0; i < run->n; i++) {
        double t0 = now_s();
        lscan_image *img = NULL;
        int rc = lscan_image_load(ctx, run->paths[i], NULL, &img);
        double decode = now_s() - t0;
        if (rc) {
            cli_ctx_error(ctx, rc);
            return rc;
        }
        lscan_result *r = NULL;
        rc = lscan_screen(ctx, run->model, img, &run->so, &r);
        if (!r) {
            lscan_image_free(img);
            cli_ctx_error(ctx, rc);
            return rc ? rc : LSCAN_ERR_INTERNAL;
        }
        double ov = run->o->overlay ? time_overlay(ctx, img, r) : 0;
        if (keep) record(v, base + i, r, decode, ov < 0 ? 0 : ov);
        lscan_result_free(r);
        lscan_image_free(img);
    }
    return LSCAN_OK;
}

/* The batch engine's callbacks: results come back in input order. */
struct batch_user {
    struct run *run;
    struct variant *v;
    size_t base;
    bool keep;
    double *overlay; /* per input of the pass, written by workers (distinct slots) */
};

static void on_image(void *user, lscan_ctx *ctx, uint64_t index, const char *name,
                     const lscan_image *img, const lscan_result *r)
{
    (void)name;
    struct batch_user *u = user;
    double t = time_overlay(ctx, img, r);
    u->overlay[index % u->run->n] = t < 0 ? 0 : t;
}

static int on_result(void *user, uint64_t index, const char *name, const lscan_result *r)
{
    (void)name;
    struct batch_user *u = user;
    size_t i = (size_t)(index % u->run->n);
    if (u->keep)
        record(u->v, u->base + i, r, lscan_result_stage_seconds(r, LSCAN_STAGE_DECODE),
               u->run->o->overlay ? u->overlay[i] : 0);
    return 0;
}

static int pass_batch(struct run *run, lscan_ctx *ctx, struct variant *v, size_t base, bool keep,
                      double *overlay)
{
    struct batch_user u = {run, v, base, keep, overlay};
    lscan_batch_options bo;
    lscan_batch_options_init(&bo);
    bo.threads = (uint32_t)run->o->jobs;
    bo.screen = &run->so;
    bo.on_result = on_result;
    bo.on_image = run->o->overlay ? on_image : NULL;
    bo.user = &u;
    lscan_batch *b = NULL;
    int rc = lscan_batch_new(ctx, run->model, &bo, &b);
    if (rc) {
        cli_ctx_error(ctx, rc);
        return rc;
    }
    for (size_t i = 0; i < run->n && !rc; i++)
        rc = lscan_batch_submit_path(b, run->paths[i], NULL);
    if (!rc) rc = lscan_batch_finish(b);
    if (rc) cli_ctx_error(ctx, rc);
    lscan_batch_free(b);
    return rc;
}

static int measure(struct run *run, struct variant *v)
{
    const struct opts *o = run->o;
    size_t samples = run->n * o->repeat;
    for (int s = 0; s < ST_N; s++) {
        v->stage[s] = calloc(samples ? samples : 1, sizeof(double));
        if (!v->stage[s]) return LSCAN_ERR_NO_MEMORY;
    }
    v->pass = calloc(o->repeat, sizeof(double));
    double *overlay = calloc(run->n, sizeof(double));
    lscan_ctx *ctx = lscan_ctx_new();
    if (!v->pass || !overlay || !ctx) {
        free(overlay);
        lscan_ctx_free(ctx);
        return LSCAN_ERR_NO_MEMORY;
    }
    lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, v->disable);
    v->kernels = lscan_ctx_kernel_name(ctx);
    int rc = LSCAN_OK;
    for (unsigned long long p = 0; p < o->warmup + o->repeat && !rc; p++) {
        bool keep = p >= o->warmup;
        size_t base = keep ? (size_t)(p - o->warmup) * run->n : 0;
        double t0 = now_s();
        rc = o->jobs > 1 ? pass_batch(run, ctx, v, base, keep, overlay)
                         : pass_serial(run, ctx, v, base, keep);
        if (keep) v->pass[p - o->warmup] = now_s() - t0;
    }
    free(overlay);
    lscan_ctx_free(ctx);
    if (rc) return rc;
    double *a = malloc(samples * sizeof *a);
    if (!a) return LSCAN_ERR_NO_MEMORY;
    for (size_t k = 0; k < samples; k++)
        a[k] = v->stage[ST_CALIB][k] + v->stage[ST_FEAT][k] + v->stage[ST_CLASS][k];
    double lo, hi;
    stats(a, samples, &v->analysis_med, &lo, &hi);
    free(a);
    return LSCAN_OK;
}

/* The kernel sets to compare: all this CPU has, then each weaker one. */
static size_t variants_for(const struct opts *o, uint32_t base_disable, uint32_t *out)
{
    if (!o->all_isas) {
        out[0] = base_disable;
        return 1;
    }
    uint32_t have = lscan_cpu_features();
    size_t n = 0;
    out[n++] = 0;
    if (have & LSCAN_CPU_AVX2) out[n++] = LSCAN_CPU_AVX2;
    if (have & (LSCAN_CPU_SSE2 | LSCAN_CPU_NEON))
        out[n++] = LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2 | LSCAN_CPU_NEON;
    return n;
}

static void print_table(const struct run *run, struct variant *vs, size_t nv)
{
    const struct opts *o = run->o;
    printf("scan bench: %zu input%s, %.2f Mpix per pass, %llu timed pass%s after %llu warm-up, "
           "%llu job%s\n",
           run->n, run->n == 1 ? "" : "s", (double)run->pixels / 1e6, o->repeat,
           o->repeat == 1 ? "" : "es", o->warmup, o->jobs, o->jobs == 1 ? "" : "s");
    printf("per image, ms: median (min-max)\n%-12s", "stage");
    for (size_t k = 0; k < nv; k++)
        printf("  %-26s", vs[k].kernels);
    printf("\n");
    size_t samples = run->n * o->repeat;
    for (int s = 0; s < ST_N; s++) {
        if (s == ST_OVERLAY && !o->overlay) continue;
        printf("%-12s", stage_names[s]);
        for (size_t k = 0; k < nv; k++) {
            double med, lo, hi;
            stats(vs[k].stage[s], samples, &med, &lo, &hi);
            char cell[64];
            snprintf(cell, sizeof cell, "%.2f (%.2f-%.2f)", med * 1e3, lo * 1e3, hi * 1e3);
            printf("  %-26s", cell);
        }
        printf("\n");
    }
    const char *rows[] = {"images/s", "Mpix/s", "analysis Mpix/s"};
    for (int row = 0; row < 3; row++) {
        printf("%-12s", rows[row]);
        for (size_t k = 0; k < nv; k++) {
            double med, lo, hi;
            stats(vs[k].pass, o->repeat, &med, &lo, &hi);
            double v = row == 0   ? (double)run->n / med
                       : row == 1 ? (double)run->pixels / med / 1e6
                                  : (double)run->pixels / (double)run->n / vs[k].analysis_med / 1e6;
            char cell[64];
            snprintf(cell, sizeof cell, "%.2f", v);
            printf("  %-26s", cell);
        }
        printf("\n");
    }
    printf("(images/s and Mpix/s from the median pass's wall time; analysis = calibrate + "
           "features + classify, per image, median)\n");
    for (size_t k = 0; k < nv; k++)
        if (vs[k].failures)
            printf("warning: %s: %zu results were failures (INSPECT without a score)\n",
                   vs[k].kernels, vs[k].failures);
}

static void print_json(const struct run *run, struct variant *vs, size_t nv)
{
    const struct opts *o = run->o;
    size_t samples = run->n * o->repeat;
    printf("{\"inputs\":%zu,\"pixels_per_pass\":%llu,\"jobs\":%llu,\"repeat\":%llu,\"warmup\":%llu,"
           "\"variants\":[",
           run->n, (unsigned long long)run->pixels, o->jobs, o->repeat, o->warmup);
    for (size_t k = 0; k < nv; k++) {
        printf("%s{\"kernels\":\"%s\",\"stages_ms\":{", k ? "," : "", vs[k].kernels);
        bool first = true;
        for (int s = 0; s < ST_N; s++) {
            if (s == ST_OVERLAY && !o->overlay) continue;
            double med, lo, hi;
            stats(vs[k].stage[s], samples, &med, &lo, &hi);
            printf("%s\"%s\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f}", first ? "" : ",",
                   stage_names[s], med * 1e3, lo * 1e3, hi * 1e3);
            first = false;
        }
        double med, lo, hi;
        stats(vs[k].pass, o->repeat, &med, &lo, &hi);
        printf("},\"pass_ms\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f},\"images_per_s\":%.4f,"
               "\"mpix_per_s\":%.4f,\"analysis_mpix_per_s\":%.4f,\"failures\":%zu}",
               med * 1e3, lo * 1e3, hi * 1e3, (double)run->n / med, (double)run->pixels / med / 1e6,
               (double)run->pixels / (double)run->n / vs[k].analysis_med / 1e6, vs[k].failures);
    }
    printf("]}\n");
}

/* Writes N generated scans as 16-bit PNG (zlib level 6) into a fresh
 * temporary folder; paths appended to *paths. */
static int make_synth(const struct opts *o, char *dir, char ***paths, size_t *n)
{
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) return LSCAN_ERR_NO_MEMORY;
    lscan_synth_params sp;
    lscan_synth_params_init(&sp);
    sp.width = (uint32_t)o->width;
    sp.height = (uint32_t)o->height;
    *paths = calloc(o->synth, sizeof **paths);
    if (!*paths) {
        lscan_ctx_free(ctx);
        return LSCAN_ERR_NO_MEMORY;
    }
    int rc = LSCAN_OK;
    for (unsigned long long i = 0; i < o->synth && !rc; i++) {
        lscan_image *img = NULL;
        rc = lscan_synth_generate(ctx, &sp, o->seed + i, &img, NULL);
        if (rc) break;
        size_t len = strlen(dir) + 32;
        char *p = malloc(len);
        if (!p)
            rc = LSCAN_ERR_NO_MEMORY;
        else {
            snprintf(p, len, "%s/bench-%llu.png", dir, i);
            (*paths)[(*n)++] = p;
            rc = lscan_image_save_png(ctx, img, p, 6);
        }
        lscan_image_free(img);
    }
    if (rc) cli_ctx_error(ctx, rc);
    lscan_ctx_free(ctx);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: scan bench [options] FILE...\n"
               "       scan bench [options] --synth N [--width W --height H] [--seed S]\n\n"
               "Times the screening pipeline: each pass reads, decodes, calibrates, locates,\n"
               "computes features and decides every input (as scan screen does); warm-up passes\n"
               "are not timed. Prints, per stage, the median and min-max per image in ms, and\n"
               "images/s and Mpix/s from the median pass's wall time. --synth writes N generated\n"
               "scans as 16-bit PNG (zlib level 6) to a temporary folder, removed afterwards.\n\n"
               "options:\n"
               "  --model FILE   model (default: the installed or in-tree default.model)\n"
               "  --dual-model FILE --materials FILE   dual energy: the model and material\n"
               "                 calibration for two-plane scans (default: dual.model and\n"
               "                 materials.calib beside the model, when there)\n"
               "  --jobs N       worker threads (default 1: the caller's thread; N > 1 runs\n"
               "                 the batch engine as scan screen --jobs N does)\n"
               "  --repeat R     timed passes (default 5)\n"
               "  --warmup W     untimed passes first (default 1)\n"
               "  --overlay      also render each overlay (the stage 'overlay')\n"
               "  --all-isas     one column per kernel set this CPU has (avx2, sse2, scalar),\n"
               "                 measured one after the other in this run\n"
               "  --cpu LIST     keep only these CPU features (none, sse2, avx2, neon)\n"
               "  --synth N      bench N generated scans instead of files\n"
               "  --width W --height H   their size (default: the generator's 20 ft scan)\n"
               "  --seed S       their first seed (default 1)\n"
               "  --json         one JSON object instead of the table\n"
               "Environment: LSCAN_DISABLE_CPU_FEATURES=avx2,... as for every command;\n"
               "OPENBLAS_NUM_THREADS=1 is advisable with --jobs.\n");
}

int cmd_bench(int argc, char **argv)
{
    struct opts o = {.jobs = 1, .repeat = 5, .warmup = 1, .seed = 1};
    char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    const char *dual_path = NULL, *materials_path = NULL;
    if (!files) return EXIT_USAGE;
    int status = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
#define NUM(name, field, max)                                                                      \
    else if (strcmp(a, name) == 0)                                                                 \
    {                                                                                              \
        if (!val)                                                                                  \
            ok = false;                                                                            \
        else                                                                                       \
            ok = cli_parse_u64(name, val, max, &o.field);                                          \
        i++;                                                                                       \
    }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(files);
            return EXIT_OK;
        }
        NUM("--jobs", jobs, 256)
        NUM("--repeat", repeat, 100000)
        NUM("--warmup", warmup, 100000)
        NUM("--synth", synth, 100000)
        NUM("--width", width, 65536)
        NUM("--height", height, 65536)
        NUM("--seed", seed, UINT64_MAX / 2)
        else if (strcmp(a, "--model") == 0 && val) o.model_path = argv[++i];
        else if (strcmp(a, "--dual-model") == 0 && val) dual_path = argv[++i];
        else if (strcmp(a, "--materials") == 0 && val) materials_path = argv[++i];
        else if (strcmp(a, "--cpu") == 0 && val) o.cpu = argv[++i];
        else if (strcmp(a, "--json") == 0) o.json = true;
        else if (strcmp(a, "--all-isas") == 0) o.all_isas = true;
        else if (strcmp(a, "--overlay") == 0) o.overlay = true;
        else if (a[0] == '-' && a[1])
        {
            cli_error("bench: unknown option '%s' (see scan bench --help)", a);
            ok = false;
        }
        else files[nfiles++] = argv[i];
#undef NUM
        if (!ok) {
            if (!val && a[0] == '-') cli_error("bench: %s needs a value", a);
            free(files);
            return EXIT_USAGE;
        }
    }
    if (o.jobs == 0) o.jobs = 1;
    if (o.repeat == 0) {
        cli_error("bench: --repeat must be at least 1");
        free(files);
        return EXIT_USAGE;
    }
    if ((nfiles == 0) == (o.synth == 0)) {
        cli_error("bench: give FILEs or --synth N (not both)");
        usage(stderr);
        free(files);
        return EXIT_USAGE;
    }

    lscan_ctx *ctx = cli_ctx_new(o.cpu);
    char *found = o.model_path ? NULL : cli_default_model();
    const char *mpath = o.model_path ? o.model_path : found;
    lscan_model *model = NULL, *dual = NULL;
    lscan_materials *mats = NULL;
    char tmpdir[4096] = "";
    char **synth_paths = NULL;
    size_t nsynth = 0;
    struct variant vs[4];
    size_t nv = 0;
    memset(vs, 0, sizeof vs);
    if (!ctx) goto out;
    if (!mpath) {
        cli_error("bench: no model found next to the executable: pass --model FILE");
        goto out;
    }
    int rc = lscan_model_load(ctx, mpath, &model);
    if (rc) {
        cli_ctx_error(ctx, rc);
        goto out;
    }
    if (!cli_dual_models(ctx, mpath, dual_path, materials_path, &dual, &mats)) goto out;
    struct run run = {.o = &o, .model = model, .paths = files, .n = nfiles};
    lscan_screen_options_init(&run.so);
    run.so.dual_model = dual;
    run.so.materials = mats;
    if (o.synth) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/scan-bench-XXXXXX", t && t[0] ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            cli_error("bench: cannot create a temporary folder under %s", t && t[0] ? t : "/tmp");
            tmpdir[0] = 0;
            goto out;
        }
        if (make_synth(&o, tmpdir, &synth_paths, &nsynth)) goto out;
        run.paths = synth_paths;
        run.n = nsynth;
    }
    /* Sizes from the headers of the inputs (one untimed load each). */
    for (size_t i = 0; i < run.n; i++) {
        lscan_image *img = NULL;
        rc = lscan_image_load(ctx, run.paths[i], NULL, &img);
        if (rc) {
            cli_ctx_error(ctx, rc);
            goto out;
        }
        run.pixels += (uint64_t)lscan_image_width(img) * lscan_image_height(img);
        lscan_image_free(img);
    }
    int64_t base_disable = 0;
    lscan_ctx_get_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, &base_disable);
    uint32_t masks[4];
    size_t want = variants_for(&o, (uint32_t)base_disable, masks);
    for (nv = 0; nv < want; nv++) {
        vs[nv].disable = masks[nv];
        if (measure(&run, &vs[nv])) {
            nv++;
            goto out;
        }
    }
    if (o.json)
        print_json(&run, vs, nv);
    else
        print_table(&run, vs, nv);
    status = EXIT_OK;

out:
    for (size_t k = 0; k < nv; k++) {
        for (int s = 0; s < ST_N; s++)
            free(vs[k].stage[s]);
        free(vs[k].pass);
    }
    for (size_t i = 0; i < nsynth; i++) {
        unlink(synth_paths[i]);
        free(synth_paths[i]);
    }
    free(synth_paths);
    if (tmpdir[0]) rmdir(tmpdir);
    lscan_model_free(model);
    lscan_model_free(dual);
    lscan_materials_free(mats);
    lscan_ctx_free(ctx);
    free(found);
    free(files);
    return status;
}
