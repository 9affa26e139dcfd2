/* cmd_train.c — `scan train`: fits the tile and image models on labelled scans and writes a model file. */
#include "dataset.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: scan train --labels FILE --out MODEL [options]\n\n"
        "Trains the tile model (on tiles labelled by the masks/ beside the labels file)\n"
        "and the image model, then chooses the decision threshold on validation scans\n"
        "for the operating point below.\n\n"
        "  --labels FILE           training scans: labels.csv as written by `scan synth`;\n"
        "                          repeat it to train on several sets (worlds)\n"
        "  --materials FILE        dual energy: train a dual model on dual-energy scans with\n"
        "                          this material calibration ('scan calibrate')\n"
        "  --validation FILE       validation scans (threshold and figures; repeatable);\n"
        "                          without it a deterministic --val-fraction of --labels\n"
        "                          is held out\n"
        "  --val-fraction F        share held out when --validation is absent (0.2)\n"
        "  --out MODEL             model file to write\n"
        "  --target-detection D    share of the INSPECT validation scans that are not subtle\n"
        "                          to flag (0.99)\n"
        "  --target-subtle D       share of the subtle ones to flag (0.90)\n"
        "  --subtle-difficulty F   difficulty from which a scan counts as subtle (0.67)\n"
        "  --min-class-detection D share of every INSPECT class to flag (0.97)\n"
        "  --l2 L                  L2 penalty on standardised weights (1.0)\n"
        "  --tile-positive F       share of a tile in the mask to count it positive (0.3)\n"
        "  --negatives N           clean tiles sampled per image (400)\n"
        "  --hard-negatives N      then each clean image's N highest-scoring tiles join the\n"
        "                          negatives for a second fit of each tile model (60; 0 = none)\n"
        "declaration checks (docs/declarations.md): the commodity model learns from the\n"
        "labels' commodity and hs_chapter columns when present:\n"
        "  --commodity-column C    the column naming the load (commodity); 'subclass' stands\n"
        "                          in with the classic generator's labels (clean scans only)\n"
        "  --commodity-groups FILE CSV 'commodity,group': the groups the model recognises\n"
        "                          (every labelled commodity must be listed); default: each\n"
        "                          commodity is its own group\n"
        "  --mismatch-false-rate R share of truly declared validation loads the mismatch\n"
        "                          threshold may flag (0.03)\n"
        "  --consignment-false-rate R  share of consistent validation consignments the\n"
        "                          outlier threshold may flag (0.02)\n"
        "  --consignment-size N    containers per validation consignment (4)\n"
        "  --min-group-inspect N   INSPECT validation scans a declared group needs for an\n"
        "                          operating point of its own (20)\n"
        "  --empty-l2 L            L2 penalty of the empty-container check (10)\n"
        "  --empty-false-rate R    share of validation loads it may read as empty (0.01)\n"
        "  --name NAME             model name recorded in the file\n"
        "  --training TEXT         one-line description of the training data\n"
        "  --allow-failures        skip scans that cannot be read or analysed\n"
        "  --jobs N                threads (default: all cores)\n"
        "  --cpu LIST              CPU features to use (e.g. sse2, none)\n\n"
        "For a reproducible model set OPENBLAS_NUM_THREADS=1.\n");
}

struct job {
    struct sample **s;
    const char **group; /* per sample: the commodity's group, NULL = the commodity */
    uint32_t *split;
    lscan_trainer *tr;
    _Atomic size_t done, failed;
    size_t total;
    bool progress;
};

static void add_one(void *arg, size_t i, lscan_ctx *ctx)
{
    struct job *j = arg;
    const struct sample *s = j->s[i];
    lscan_image *img = NULL, *mimg = NULL;
    uint8_t *mask = NULL;
    int rc = cli_image_load(ctx, s->path, NULL, &img);
    if (!rc && s->mask_path) {
        lscan_load_options lo;
        lscan_load_options_init(&lo);
        lo.channels = LSCAN_CHANNELS_SINGLE;
        lo.polarity = LSCAN_POLARITY_TRANSMISSION;
        rc = lscan_image_load(ctx, s->mask_path, &lo, &mimg);
        if (!rc && (lscan_image_width(mimg) != lscan_image_width(img) || lscan_image_height(mimg) != lscan_image_height(img))) {
            cli_error("%s: mask size differs from the image", s->mask_path);
            rc = LSCAN_ERR_INVALID_ARGUMENT;
        } else if (!rc) {
            uint32_t w = lscan_image_width(mimg), h = lscan_image_height(mimg);
            size_t stride;
            const uint16_t *px = lscan_image_pixels(mimg, 0, &stride);
            mask = malloc((size_t)w * h);
            if (!mask) rc = LSCAN_ERR_NO_MEMORY;
            for (uint32_t y = 0; mask && y < h; y++)
                for (uint32_t x = 0; x < w; x++) mask[(size_t)y * w + x] = px[(size_t)y * stride + x] != 0;
        }
    }
    if (!rc) {
        lscan_train_sample ts;
        lscan_train_sample_init(&ts);
        ts.mask = mask;
        ts.mask_stride = lscan_image_width(img);
        ts.cls = s->cls;
        ts.split = j->split[i];
        ts.key = i;
        ts.difficulty = s->difficulty;
        ts.commodity = s->commodity;
        ts.group = j->group[i];
        ts.hs_chapter = s->hs_chapter;
        rc = lscan_trainer_add_sample(j->tr, ctx, img, &ts);
    }
    if (rc) {
        cli_ctx_error(ctx, rc);
        atomic_fetch_add(&j->failed, 1);
    }
    free(mask);
    lscan_image_free(mimg);
    lscan_image_free(img);
    size_t d = atomic_fetch_add(&j->done, 1) + 1;
    if (j->progress && (d % 50 == 0 || d == j->total)) fprintf(stderr, "\rscan train: analysed %zu/%zu", d, j->total);
}

/* Deterministic hold-out: FNV-1a of the file name. */
static bool held_out(const char *path, double fraction)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = base; *p; p++) h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    return (double)(h >> 11) / 9007199254740992.0 < fraction;
}

/* --labels and --validation may be given this many times each. */
#define MAX_LABELS 16

int cmd_train(int argc, char **argv)
{
    const char *labels[MAX_LABELS], *validation[MAX_LABELS], *out = NULL, *cpu = NULL,
               *materials_path = NULL;
    size_t nlabels = 0, nval = 0;
    const char *commodity_column = NULL, *groups_path = NULL;
    struct groups groups = {0};
    unsigned long long cons_size = 4, min_group = 20;
    lscan_train_options o;
    lscan_train_options_init(&o);
    double val_fraction = 0.2;
    unsigned long long jobs = cli_cpu_count(), negatives = o.max_negative_tiles, hard = o.hard_negative_tiles;
    bool allow_failures = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--allow-failures")) {
            allow_failures = true;
            continue;
        } else if (!v) {
            cli_error("train: %s needs a value (see --help)", a);
            return EXIT_USAGE;
        }
        i++;
        if (!strcmp(a, "--labels") || !strcmp(a, "--validation")) {
            size_t *k = a[2] == 'l' ? &nlabels : &nval;
            if (*k == MAX_LABELS) {
                cli_error("train: at most %d %s files", MAX_LABELS, a);
                return EXIT_USAGE;
            }
            (a[2] == 'l' ? labels : validation)[(*k)++] = v;
        }
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--materials"))
            materials_path = v;
        else if (!strcmp(a, "--cpu")) cpu = v;
        else if (!strcmp(a, "--name")) o.name = v;
        else if (!strcmp(a, "--training")) o.training = v;
        else if (!strcmp(a, "--commodity-column")) commodity_column = v;
        else if (!strcmp(a, "--commodity-groups")) groups_path = v;
        else if (!strcmp(a, "--consignment-size")) {
            if (!cli_parse_u64(a, v, 16, &cons_size) || cons_size < 2) {
                if (cons_size < 2) cli_error("train: --consignment-size must be 2 to 16");
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--min-group-inspect")) {
            if (!cli_parse_u64(a, v, 1000000, &min_group)) return EXIT_USAGE;
        } else if (!strcmp(a, "--empty-l2")) {
            if (!cli_parse_double(a, v, 0, DBL_MAX, &o.empty_l2)) return EXIT_USAGE;
        } else if (!strcmp(a, "--mismatch-false-rate") || !strcmp(a, "--consignment-false-rate") ||
                   !strcmp(a, "--empty-false-rate")) {
            double *x = !strcmp(a, "--mismatch-false-rate")      ? &o.mismatch_false_rate
                        : !strcmp(a, "--consignment-false-rate") ? &o.consignment_false_rate
                                                                 : &o.empty_false_rate;
            if (!cli_parse_double(a, v, 0, 0.999, x)) return EXIT_USAGE;
        } else if (!strcmp(a, "--jobs")) {
            if (!cli_parse_u64(a, v, 256, &jobs)) return EXIT_USAGE;
        } else if (!strcmp(a, "--negatives")) {
            if (!cli_parse_u64(a, v, 1000000, &negatives) || negatives == 0) return EXIT_USAGE;
        } else if (!strcmp(a, "--hard-negatives")) {
            if (!cli_parse_u64(a, v, 100000, &hard)) return EXIT_USAGE;
        } else if (!strcmp(a, "--val-fraction") || !strcmp(a, "--target-detection") ||
                   !strcmp(a, "--l2") || !strcmp(a, "--tile-positive") ||
                   !strcmp(a, "--target-subtle") || !strcmp(a, "--subtle-difficulty") ||
                   !strcmp(a, "--min-class-detection")) {
            double *x = !strcmp(a, "--val-fraction")          ? &val_fraction
                        : !strcmp(a, "--target-detection")    ? &o.target_detection
                        : !strcmp(a, "--target-subtle")       ? &o.target_subtle
                        : !strcmp(a, "--subtle-difficulty")   ? &o.subtle_difficulty
                        : !strcmp(a, "--min-class-detection") ? &o.min_class_detection
                        : !strcmp(a, "--l2")                  ? &o.l2
                                                              : &o.tile_positive;
            if (!cli_parse_double(a, v, 0, DBL_MAX, x)) return EXIT_USAGE;
        } else {
            cli_error("train: unknown option '%s' (see --help)", a);
            return EXIT_USAGE;
        }
    }
    if (!nlabels || !out) {
        cli_error("train: --labels and --out are required (see --help)");
        return EXIT_USAGE;
    }
    o.max_negative_tiles = (uint32_t)negatives;
    o.hard_negative_tiles = (uint32_t)hard;
    o.consignment_size = (uint32_t)cons_size;
    o.min_group_inspect = (uint32_t)min_group;
    struct dataset train = {0}, val = {0};
    if (groups_path && !groups_read(groups_path, &groups)) return EXIT_USAGE;
    if (!dataset_read_all(labels, nlabels, commodity_column, &train) ||
        !dataset_read_all(validation, nval, commodity_column, &val)) {
        dataset_free(&train);
        groups_free(&groups);
        return EXIT_USAGE;
    }
    size_t n = train.n + val.n;
    struct job j = {.total = n, .progress = isatty(2)};
    j.s = malloc(n * sizeof *j.s);
    j.split = malloc(n * sizeof *j.split);
    j.group = calloc(n, sizeof *j.group);
    j.tr = lscan_trainer_new();
    int status = EXIT_USAGE;
    lscan_ctx *ctx = cli_ctx_new(cpu);
    lscan_materials *mats = NULL;
    if (!j.s || !j.split || !j.group || !j.tr || !ctx) {
        cli_error("out of memory");
        goto done;
    }
    /* Dual energy: with a material calibration the model is a dual model. */
    if (materials_path) {
        int mrc = lscan_materials_load(ctx, materials_path, &mats);
        if (mrc) {
            cli_ctx_error(ctx, mrc);
            goto done;
        }
        lscan_trainer_set_materials(j.tr, mats);
    }
    for (size_t i = 0; i < train.n; i++) {
        j.s[i] = &train.s[i];
        j.split[i] = !nval && held_out(train.s[i].path, val_fraction) ? LSCAN_SPLIT_VALIDATION : LSCAN_SPLIT_TRAIN;
    }
    for (size_t i = 0; i < val.n; i++) {
        j.s[train.n + i] = &val.s[i];
        j.split[train.n + i] = LSCAN_SPLIT_VALIDATION;
    }
    /* Every labelled commodity needs its group when a groups file is given ("empty" aside). */
    for (size_t i = 0; i < n && groups_path; i++) {
        const char *c = j.s[i]->commodity;
        if (!c || !strcmp(c, "empty")) continue;
        if (!(j.group[i] = group_of(&groups, c))) {
            cli_error("train: commodity '%s' (%s) is not in %s", c, j.s[i]->path, groups_path);
            goto done;
        }
    }
    atomic_init(&j.done, 0);
    atomic_init(&j.failed, 0);
    if (!cli_parallel(n, (unsigned)jobs, cpu, add_one, &j)) {
        cli_error("train: cannot start worker threads");
        goto done;
    }
    if (j.progress) fputc('\n', stderr);
    size_t failed = atomic_load(&j.failed);
    if (failed && !allow_failures) {
        cli_error("train: %zu of %zu scans failed (see above); fix the data or pass --allow-failures", failed, n);
        goto done;
    }
    lscan_model *m;
    int rc = lscan_trainer_fit(j.tr, ctx, &o, &m);
    if (rc) {
        cli_ctx_error(ctx, rc);
        goto done;
    }
    rc = lscan_model_save(ctx, m, out);
    if (rc) {
        cli_ctx_error(ctx, rc);
    } else {
        printf("model %s: %zu scans (%zu failed), threshold %.6f\n", out, n - failed, failed, lscan_model_threshold(m));
        printf("validation: %s scans, detection %s, release rate %s, AUC %s (target detection %s)\n",
               lscan_model_info(m, "validation-scans"), lscan_model_info(m, "validation-detection"),
               lscan_model_info(m, "validation-release"), lscan_model_info(m, "validation-auc"),
               lscan_model_info(m, "target-detection"));
        uint32_t ng = lscan_model_group_count(m);
        printf("declarations: %u commodity groups", ng);
        for (uint32_t g = 0; g < ng; g++)
            printf("%s%s", g ? ", " : " (", lscan_model_group_name(m, g));
        printf("%s\n", ng ? ")" : "");
        status = EXIT_OK;
    }
    lscan_model_free(m);
done:
    lscan_ctx_free(ctx);
    lscan_trainer_free(j.tr);
    lscan_materials_free(mats);
    free(j.s);
    free(j.split);
    free(j.group);
    groups_free(&groups);
    dataset_free(&train);
    dataset_free(&val);
    return status;
}
