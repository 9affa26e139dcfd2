/* cmd_calibrate.c — `scan calibrate`: fits a dual-energy material calibration to step-wedge scans,
 * or checks one against scans whose true materials are known. */
#include "cli.h"
#include "dataset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 512
#define BANDS 8
static const double band_edge[BANDS + 1] = {0, 0.5, 1, 2, 3, 4, 6, 8, 16.1};

static void usage(FILE *f)
{
    fprintf(f, "usage: scan calibrate --out FILE [--in FILE] [--jobs N] DIR...\n"
               "       scan calibrate --materials FILE --check [--cell PX] [--jobs N] DIR...\n\n"
               "Dual-energy material calibration. Each DIR holds labels.csv and dual-energy scans\n"
               "(16-bit grey+alpha PNGs, or NAME.high.png + NAME.low.png pairs) with their true\n"
               "material maps in DIR/materials/<name>.png (as 'scan synth --dual' writes them:\n"
               "codes 0 air, 1 organic, 2 light inorganic, 3 steel, 4 heavy metal, 255 mixed).\n\n"
               "Fitting (--out): every scan is a step wedge ('scan synth --dual --step-wedges');\n"
               "its steps are measured (each plane against its own air) and, per scanner (the\n"
               "files' Source text), the ratio A_low/A_high of each material is fitted as a\n"
               "function of A_high. --in FILE starts from an existing calibration (scanners\n"
               "fitted here replace its own). Writes FILE (plain text).\n\n"
               "Checking (--check): every scan's material map (cells of --cell pixels, default\n"
               "4, classified from their 3x3 neighbourhood) is compared with the truth: a cell\n"
               "counts when its neighbourhood and 2 pixels around it are all of one material\n"
               "(inside an object: partly covered edge pixels have other ratios);\n"
               "prints, per thickness band of A_high and per material, how many cells are\n"
               "resolvable and the share of those in the right class.\n\n"
               "options:\n"
               "  --jobs N   threads (default: the CPU count)\n");
}

struct item {
    char *image, *materials;
};

struct run {
    struct item *items;
    size_t n;
    bool check;
    uint32_t cell;
    const lscan_materials *cal;
    pthread_mutex_t lock;
    /* fitting */
    struct scanner_steps {
        char name[64];
        lscan_wedge_step *steps;
        size_t n, cap;
    } scanners[64];
    size_t nscanners;
    /* checking: [band][class 1..4] */
    uint64_t total[BANDS][5], resolvable[BANDS][5], correct[BANDS][5];
    uint64_t confusion[5][5]; /* [truth][predicted] over counted cells */
    unsigned failed;
};

/* The true material code of each pixel from an 8-bit PNG (loaded scaled x257). */
static uint8_t *load_truth(lscan_ctx *ctx, const char *path, uint32_t w, uint32_t h)
{
    lscan_load_options lo;
    lscan_load_options_init(&lo);
    lo.polarity = LSCAN_POLARITY_TRANSMISSION;
    lscan_image *m = NULL;
    int rc = lscan_image_load(ctx, path, &lo, &m);
    if (rc) {
        cli_ctx_error(ctx, rc);
        return NULL;
    }
    uint8_t *t = NULL;
    if (lscan_image_width(m) == w && lscan_image_height(m) == h) t = malloc((size_t)w * h);
    if (t) {
        size_t stride;
        const uint16_t *px = lscan_image_pixels(m, 0, &stride);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                t[(size_t)y * w + x] = (uint8_t)(px[(size_t)y * stride + x] / 257);
    } else {
        cli_error("%s: not the scan's size", path);
    }
    lscan_image_free(m);
    return t;
}

/* Threads measure the wedges in any order: scanners by name and steps by value make the
 * calibration file the same for any --jobs. */
static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct scanner_steps *)a)->name, ((const struct scanner_steps *)b)->name);
}

static int by_step(const void *pa, const void *pb)
{
    const lscan_wedge_step *a = pa, *b = pb;
    if (a->material != b->material) return a->material < b->material ? -1 : 1;
    if (a->a_high != b->a_high) return a->a_high < b->a_high ? -1 : 1;
    if (a->a_low != b->a_low) return a->a_low < b->a_low ? -1 : 1;
    return a->pixels < b->pixels ? -1 : a->pixels > b->pixels;
}

static void fit_one(struct run *r, lscan_ctx *ctx, const lscan_image *img, const uint8_t *truth)
{
    lscan_wedge_step steps[MAX_STEPS];
    size_t n = 0;
    int rc = lscan_wedge_measure(ctx, img, truth, lscan_image_width(img), steps, MAX_STEPS, &n);
    if (rc) {
        cli_ctx_error(ctx, rc);
        pthread_mutex_lock(&r->lock);
        r->failed++;
        pthread_mutex_unlock(&r->lock);
        return;
    }
    const char *name = lscan_image_scanner(img) ? lscan_image_scanner(img) : "unnamed";
    pthread_mutex_lock(&r->lock);
    size_t k = 0;
    while (k < r->nscanners && strcmp(r->scanners[k].name, name) != 0)
        k++;
    if (k == r->nscanners && k < 64) {
        snprintf(r->scanners[k].name, sizeof r->scanners[k].name, "%s", name);
        r->nscanners++;
    }
    if (k < 64) {
        if (r->scanners[k].n + n > r->scanners[k].cap) {
            size_t cap = (r->scanners[k].cap + n) * 2;
            lscan_wedge_step *v = realloc(r->scanners[k].steps, cap * sizeof *v);
            if (v) r->scanners[k].steps = v, r->scanners[k].cap = cap;
        }
        if (r->scanners[k].n + n <= r->scanners[k].cap) {
            memcpy(r->scanners[k].steps + r->scanners[k].n, steps, n * sizeof *steps);
            r->scanners[k].n += n;
        } else {
            r->failed++;
        }
    }
    pthread_mutex_unlock(&r->lock);
}

static void check_one(struct run *r, lscan_ctx *ctx, const lscan_image *img, const uint8_t *truth)
{
    lscan_material_map *mm = NULL;
    int rc = lscan_material_map_make(ctx, img, r->cal, r->cell, &mm);
    if (rc) {
        cli_ctx_error(ctx, rc);
        pthread_mutex_lock(&r->lock);
        r->failed++;
        pthread_mutex_unlock(&r->lock);
        return;
    }
    uint32_t cols, rows, C, W = lscan_image_width(img), H = lscan_image_height(img);
    const uint8_t *map = lscan_material_map_classes(mm, &cols, &rows, &C);
    const uint16_t *ah = lscan_material_map_attenuation(mm, 0);
    uint64_t total[BANDS][5] = {{0}}, res[BANDS][5] = {{0}}, ok[BANDS][5] = {{0}},
             conf[5][5] = {{0}};
    for (uint32_t cy = 0; cy < rows; cy++)
        for (uint32_t cx = 0; cx < cols; cx++) {
            /* The cell's 3 x 3 neighbourhood, as the map classifies it, and
             * the 2 pixels around it that the detector blur mixes in: all
             * of one material (inside an object: at its edges a pixel's
             * partly covered attenuation has another ratio whatever it is
             * made of). */
            int64_t x0 = ((int64_t)cx - 1) * C - 2, y0 = ((int64_t)cy - 1) * C - 2;
            int64_t x1 = ((int64_t)cx + 2) * C + 2, y1 = ((int64_t)cy + 2) * C + 2;
            x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
            x1 = x1 > W ? W : x1, y1 = y1 > H ? H : y1;
            int cls = truth[(size_t)y0 * W + x0];
            for (int64_t y = y0; y < y1 && cls; y++)
                for (int64_t x = x0; x < x1; x++)
                    if (truth[(size_t)y * W + x] != cls) {
                        cls = 0;
                        break;
                    }
            if (cls < 1 || cls > 4) continue;
            size_t i = (size_t)cy * cols + cx;
            double a = ah[i] / 2048.0;
            int b = 0;
            while (b + 1 < BANDS && a >= band_edge[b + 1])
                b++;
            total[b][cls]++;
            conf[cls][map[i]]++;
            if (map[i] != 0) {
                res[b][cls]++;
                ok[b][cls] += map[i] == cls;
            }
        }
    lscan_material_map_free(mm);
    pthread_mutex_lock(&r->lock);
    for (int b = 0; b < BANDS; b++)
        for (int c = 0; c < 5; c++) {
            r->total[b][c] += total[b][c];
            r->resolvable[b][c] += res[b][c];
            r->correct[b][c] += ok[b][c];
        }
    for (int t = 0; t < 5; t++)
        for (int p = 0; p < 5; p++)
            r->confusion[t][p] += conf[t][p];
    pthread_mutex_unlock(&r->lock);
}

static void work(void *arg, size_t i, lscan_ctx *ctx)
{
    struct run *r = arg;
    lscan_image *img = NULL;
    int rc = cli_image_load(ctx, r->items[i].image, NULL, &img);
    uint8_t *truth = NULL;
    if (rc) {
        cli_ctx_error(ctx, rc);
    } else if ((truth = load_truth(ctx, r->items[i].materials, lscan_image_width(img),
                                   lscan_image_height(img))) != NULL) {
        if (r->check)
            check_one(r, ctx, img, truth);
        else
            fit_one(r, ctx, img, truth);
    }
    if (rc || !truth) {
        pthread_mutex_lock(&r->lock);
        r->failed++;
        pthread_mutex_unlock(&r->lock);
    }
    free(truth);
    lscan_image_free(img);
}

/* The scans of a folder: its labels.csv rows with a materials/<stem>.png. */
static bool add_dir(struct run *r, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    struct dataset ds;
    if (!dataset_read(path, &ds)) return false;
    struct item *v = realloc(r->items, (r->n + ds.n) * sizeof *v);
    if (!v) {
        dataset_free(&ds);
        return false;
    }
    r->items = v;
    for (size_t i = 0; i < ds.n; i++) {
        const char *base = strrchr(ds.s[i].path, '/');
        base = base ? base + 1 : ds.s[i].path;
        char stem[1024];
        snprintf(stem, sizeof stem, "%s", base);
        char *dot = strstr(stem, ".high.");
        if (!dot) dot = strrchr(stem, '.');
        if (dot) *dot = '\0';
        snprintf(path, sizeof path, "%s/materials/%s.png", dir, stem);
        r->items[r->n].image = strdup(ds.s[i].path);
        r->items[r->n].materials = strdup(path);
        r->n++;
    }
    dataset_free(&ds);
    return true;
}

int cmd_calibrate(int argc, char **argv)
{
    const char *out = NULL, *in = NULL, *cpu = NULL;
    unsigned long long jobs = 0, cell = 4;
    struct run r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.lock, NULL);
    int ret = EXIT_USAGE, ndirs = 0;
    char **dirs = calloc((size_t)argc, sizeof *dirs);
    lscan_materials *cal = NULL;
    lscan_ctx *ctx = NULL;
    if (!dirs) goto done;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            ret = EXIT_OK;
            goto done;
        } else if (!strcmp(a, "--check")) {
            r.check = true;
        } else if (a[0] == '-' && a[1] == '-') {
            if (!v) {
                cli_error("calibrate: option '%s' needs a value", a);
                goto done;
            }
            i++;
            if (!strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "--in") || !strcmp(a, "--materials"))
                in = v;
            else if (!strcmp(a, "--cpu"))
                cpu = v;
            else if (!strcmp(a, "--jobs")) {
                if (!cli_parse_u64(a, v, 256, &jobs)) goto done;
            } else if (!strcmp(a, "--cell")) {
                if (!cli_parse_u64(a, v, 32, &cell)) goto done;
                if (cell < 1) {
                    cli_error("calibrate: --cell must be 1..32");
                    goto done;
                }
            } else {
                cli_error("calibrate: unknown option '%s' (see 'scan calibrate --help')", a);
                goto done;
            }
        } else {
            dirs[ndirs++] = argv[i];
        }
    }
    if (ndirs == 0 || (r.check ? !in || out : !out)) {
        cli_error("calibrate: --out FILE DIR... (fit) or --materials FILE --check DIR... (see "
                  "'scan calibrate --help')");
        goto done;
    }
    ctx = cli_ctx_new(cpu);
    if (!ctx) goto done;
    if (in) {
        int rc = lscan_materials_load(ctx, in, &cal);
        if (rc) {
            cli_ctx_error(ctx, rc);
            goto done;
        }
    } else if (!(cal = lscan_materials_new())) {
        cli_error("out of memory");
        goto done;
    }
    r.cal = cal;
    r.cell = (uint32_t)cell;
    for (int d = 0; d < ndirs; d++)
        if (!add_dir(&r, dirs[d])) goto done;
    if (!cli_parallel(r.n, jobs ? (unsigned)jobs : cli_cpu_count(), cpu, work, &r)) goto done;
    ret = r.failed ? EXIT_PARTIAL : EXIT_OK;
    if (!r.check) {
        qsort(r.scanners, r.nscanners, sizeof r.scanners[0], by_name);
        for (size_t k = 0; k < r.nscanners; k++) {
            qsort(r.scanners[k].steps, r.scanners[k].n, sizeof *r.scanners[k].steps, by_step);
            int rc = lscan_materials_fit(ctx, cal, r.scanners[k].name, r.scanners[k].steps,
                                         r.scanners[k].n);
            if (rc) {
                cli_ctx_error(ctx, rc);
                ret = EXIT_USAGE;
                goto done;
            }
            printf("%s: %zu steps\n", r.scanners[k].name, r.scanners[k].n);
        }
        int rc = lscan_materials_save(ctx, cal, out);
        if (rc) {
            cli_ctx_error(ctx, rc);
            ret = EXIT_USAGE;
        }
        goto done;
    }
    printf("%-10s %-8s %9s %11s %9s\n", "A_high", "material", "cells", "resolvable", "correct");
    uint64_t T = 0, R = 0, K = 0;
    for (int b = 0; b < BANDS; b++)
        for (int c = 1; c <= 4; c++) {
            if (!r.total[b][c]) continue;
            char band[32];
            snprintf(band, sizeof band, "%.1f-%.1f", band_edge[b],
                     b + 1 < BANDS ? band_edge[b + 1] : 16.0);
            printf("%-10s %-8s %9llu %10.1f%% %8.1f%%\n", band, lscan_material_name(c),
                   (unsigned long long)r.total[b][c], 100.0 * r.resolvable[b][c] / r.total[b][c],
                   r.resolvable[b][c] ? 100.0 * r.correct[b][c] / r.resolvable[b][c] : 0.0);
            T += r.total[b][c], R += r.resolvable[b][c], K += r.correct[b][c];
        }
    printf("%-10s %-8s %9llu %10.1f%% %8.1f%%\n", "all", "all", (unsigned long long)T,
           T ? 100.0 * R / T : 0.0, R ? 100.0 * K / R : 0.0);
    printf("\nconfusion (rows: truth, columns: map): none organic light steel heavy\n");
    for (int t = 1; t <= 4; t++) {
        printf("%-8s", lscan_material_name(t));
        for (int p = 0; p < 5; p++)
            printf(" %9llu", (unsigned long long)r.confusion[t][p]);
        printf("\n");
    }
done:
    for (size_t i = 0; i < r.n; i++) {
        free(r.items[i].image);
        free(r.items[i].materials);
    }
    free(r.items);
    for (size_t k = 0; k < r.nscanners; k++)
        free(r.scanners[k].steps);
    free(dirs);
    lscan_materials_free(cal);
    lscan_ctx_free(ctx);
    pthread_mutex_destroy(&r.lock);
    return ret;
}
