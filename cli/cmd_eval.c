/* cmd_eval.c — `scan eval`: screens labelled scans with a model and reports AUC, ROC, confusion, per-class and per-difficulty detection. */
#include "dataset.h"
#include "eval_declared.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: scan eval --model MODEL --labels FILE [options]\n\n"
               "Screens every scan of a labels file and reports the ROC area, the confusion\n"
               "matrix at the model's threshold, detection per class and per difficulty, and\n"
               "the release rate at the target detection rate.\n\n"
               "  --model MODEL           model file\n"
               "  --labels FILE           labels.csv (as written by `scan synth`)\n"
               "  --threshold T           decision threshold instead of the model's\n"
               "  --target-detection D    target for the release-rate figure (model's target)\n"
               "  --roc-points N          ROC points to print (20)\n"
               "  --materials FILE        dual energy: the material calibration (needed by a dual\n"
               "                          model, which then screens the two-plane scans)\n"
               "  --json                  one JSON object instead of text\n"
               "  --scores FILE           also write file,class,score,decision CSV\n"
               "  --jobs N                threads (default: all cores)\n"
               "  --cpu LIST              CPU features to use\n\n"
               "When the model checks declarations, the figures of the checks follow, with\n"
               "declarations drawn from the labels (docs/declarations.md):\n"
               "  --commodity-column C    the column naming the load (commodity; 'subclass' with\n"
               "                          the classic generator's labels)\n"
               "  --commodity-groups FILE CSV 'commodity,group' as given to scan train\n"
               "  --consignment-size N    containers per consignment formed from the labels (4)\n");
}

struct job {
    const struct dataset *ds;
    const lscan_model *model;
    lscan_screen_options so;
    lscan_result **results; /* kept for the declaration figures */
    double *scores;
    int *status;
    _Atomic size_t done;
    bool progress;
};

static void eval_one(void *arg, size_t i, lscan_ctx *ctx)
{
    struct job *j = arg;
    lscan_result *r = NULL;
    int rc = lscan_screen_file(ctx, j->model, j->ds->s[i].path, NULL, &j->so, &r);
    j->status[i] = rc;
    j->scores[i] = r ? lscan_result_score(r) : NAN;
    if (rc) fprintf(stderr, "scan: %s (%s) -> INSPECT\n", r ? lscan_result_message(r) : lscan_ctx_error_message(ctx),
                    lscan_status_name(rc));
    j->results[i] = r;
    size_t d = atomic_fetch_add(&j->done, 1) + 1;
    if (j->progress && (d % 50 == 0 || d == j->ds->n)) fprintf(stderr, "\rscan eval: %zu/%zu", d, j->ds->n);
}

static const double bands[] = {0.0, 0.34, 0.67, 1.0000001};

/* A number for JSON: %.9g, or null when not finite. */
static void json_number(char *buf, size_t n, double v)
{
    if (isfinite(v)) snprintf(buf, n, "%.9g", v);
    else snprintf(buf, n, "null");
}

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *labels = NULL, *cpu = NULL, *scores_path = NULL,
               *materials_path = NULL;
    const char *commodity_column = NULL, *groups_path = NULL;
    unsigned long long cons_size = 4;
    struct groups groups = {0};
    double threshold = -1, target = NAN;
    unsigned long long jobs = cli_cpu_count(), roc_points = 20;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = true;
            continue;
        } else if (!v) {
            cli_error("eval: %s needs a value (see --help)", a);
            return EXIT_USAGE;
        }
        i++;
        if (!strcmp(a, "--model")) model_path = v;
        else if (!strcmp(a, "--materials"))
            materials_path = v;
        else if (!strcmp(a, "--labels")) labels = v;
        else if (!strcmp(a, "--cpu")) cpu = v;
        else if (!strcmp(a, "--scores")) scores_path = v;
        else if (!strcmp(a, "--commodity-column"))
            commodity_column = v;
        else if (!strcmp(a, "--commodity-groups"))
            groups_path = v;
        else if (!strcmp(a, "--consignment-size")) {
            if (!cli_parse_u64(a, v, 16, &cons_size) || cons_size < 2) {
                if (cons_size < 2) cli_error("eval: --consignment-size must be 2 to 16");
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--jobs")) {
            if (!cli_parse_u64(a, v, 256, &jobs)) return EXIT_USAGE;
        } else if (!strcmp(a, "--roc-points")) {
            if (!cli_parse_u64(a, v, 100000, &roc_points)) return EXIT_USAGE;
        } else if (!strcmp(a, "--threshold")) {
            if (!cli_parse_double(a, v, 0, 1, &threshold)) return EXIT_USAGE;
        } else if (!strcmp(a, "--target-detection")) {
            if (!cli_parse_double(a, v, 0, 1, &target)) return EXIT_USAGE;
        } else {
            cli_error("eval: unknown option '%s' (see --help)", a);
            return EXIT_USAGE;
        }
    }
    if (!model_path || !labels) {
        cli_error("eval: --model and --labels are required (see --help)");
        return EXIT_USAGE;
    }
    lscan_ctx *ctx = cli_ctx_new(cpu);
    if (!ctx) return EXIT_USAGE;
    lscan_model *model = NULL;
    int rc = lscan_model_load(ctx, model_path, &model);
    if (rc) {
        cli_ctx_error(ctx, rc);
        lscan_ctx_free(ctx);
        return EXIT_USAGE;
    }
    /* Dual energy: a dual model screens the two-plane scans with the calibration. */
    lscan_materials *mats = NULL;
    if (materials_path && (rc = lscan_materials_load(ctx, materials_path, &mats))) {
        cli_ctx_error(ctx, rc);
        lscan_model_free(model);
        lscan_ctx_free(ctx);
        return EXIT_USAGE;
    }
    struct dataset ds;
    if ((groups_path && !groups_read(groups_path, &groups)) ||
        !dataset_read_with(labels, commodity_column, &ds)) {
        groups_free(&groups);
        lscan_materials_free(mats);
        lscan_model_free(model);
        lscan_ctx_free(ctx);
        return EXIT_USAGE;
    }
    if (isnan(target)) target = strtod(lscan_model_info(model, "target-detection"), NULL);
    struct job j = {.ds = &ds, .model = model, .progress = isatty(2)};
    lscan_screen_options_init(&j.so);
    j.so.threshold = threshold;
    j.so.materials = mats;
    if (lscan_model_dual(model)) j.so.dual_model = model;
    j.scores = malloc(ds.n * sizeof *j.scores);
    j.results = calloc(ds.n, sizeof *j.results);
    j.status = malloc(ds.n * sizeof *j.status);
    int *classes = malloc(ds.n * sizeof *classes);
    size_t cap = roc_points ? roc_points : 1;
    double *fpr = malloc(cap * sizeof *fpr), *tpr = malloc(cap * sizeof *tpr), *thr = malloc(cap * sizeof *thr);
    int status = EXIT_USAGE;
    atomic_init(&j.done, 0);
    if (!j.scores || !j.results || !j.status || !classes || !fpr || !tpr || !thr) {
        cli_error("out of memory");
        goto done;
    }
    if (!cli_parallel(ds.n, (unsigned)jobs, cpu, eval_one, &j)) {
        cli_error("eval: cannot start worker threads");
        goto done;
    }
    if (j.progress) fputc('\n', stderr);
    size_t failed = 0;
    for (size_t i = 0; i < ds.n; i++) {
        classes[i] = ds.s[i].cls;
        failed += j.status[i] != 0;
    }
    double thr_used = threshold >= 0 ? threshold : lscan_model_threshold(model);
    lscan_metrics m = {.size = sizeof m};
    size_t npts = 0;
    if (lscan_metrics_compute(j.scores, classes, ds.n, thr_used, target, &m) != LSCAN_OK ||
        lscan_roc(j.scores, classes, ds.n, fpr, tpr, thr, roc_points, &npts) != LSCAN_OK) {
        cli_error("eval: cannot compute metrics");
        goto done;
    }
    /* Detection per difficulty band (INSPECT scans with a difficulty). */
    size_t band_n[3] = {0}, band_flag[3] = {0};
    for (size_t i = 0; i < ds.n; i++) {
        if (!LSCAN_CLASS_IS_INSPECT(classes[i]) || isnan(ds.s[i].difficulty)) continue;
        for (int b = 0; b < 3; b++) {
            if (ds.s[i].difficulty >= bands[b] && ds.s[i].difficulty < bands[b + 1]) {
                band_n[b]++;
                band_flag[b] += isnan(j.scores[i]) || j.scores[i] >= thr_used;
            }
        }
    }
    if (scores_path) {
        FILE *f = fopen(scores_path, "w");
        if (!f) {
            cli_error("%s: cannot create", scores_path);
            goto done;
        }
        fprintf(f, "file,class,score,decision\n");
        for (size_t i = 0; i < ds.n; i++)
            fprintf(f, "%s,%s,%.9g,%s\n", ds.s[i].path, lscan_class_name(classes[i]), j.scores[i],
                    isnan(j.scores[i]) || j.scores[i] >= thr_used ? "INSPECT" : "RELEASE");
        fclose(f);
    }
    static const char *band_names[3] = {"obvious", "moderate", "subtle"};
    /* A model that checks declarations gets their figures (an empty container's check needs
     * no commodity groups). */
    bool declarations = lscan_model_checks_declarations(model) != 0;
    if (json) {
        /* JSON has no infinity: the strictest ROC point (failed scans score
         * +inf) and an unreachable threshold print as null. */
        char thr_s[32], tat_s[32];
        json_number(thr_s, sizeof thr_s, m.threshold);
        json_number(tat_s, sizeof tat_s, m.threshold_at_target);
        printf("{\"scans\":%u,\"inspect\":%u,\"release\":%u,\"failed\":%zu,\"auc\":%.6f,\"threshold\":%s,"
               "\"tp\":%u,\"fn\":%u,\"fp\":%u,\"tn\":%u,\"detection\":%.6f,\"release_rate\":%.6f,"
               "\"target_detection\":%.6f,\"threshold_at_target\":%s,\"release_at_target\":%.6f,\"per_class\":{",
               m.n, m.n_inspect, m.n_release, failed, m.auc, thr_s, m.tp, m.fn, m.fp, m.tn, m.detection,
               m.release_rate, m.target_detection, tat_s, m.release_at_target);
        const char *sep = "";
        for (int c = 0; c < LSCAN_MAX_CLASS; c++) {
            if (!m.class_n[c]) continue;
            printf("%s\"%s\":{\"n\":%u,\"flagged\":%u,\"rate\":%.6f}", sep, lscan_class_name(c), m.class_n[c],
                   m.class_flagged[c], (double)m.class_flagged[c] / m.class_n[c]);
            sep = ",";
        }
        printf("},\"per_difficulty\":{");
        sep = "";
        for (int b = 0; b < 3; b++) {
            if (!band_n[b]) continue;
            printf("%s\"%s\":{\"n\":%zu,\"flagged\":%zu,\"rate\":%.6f}", sep, band_names[b], band_n[b], band_flag[b],
                   (double)band_flag[b] / band_n[b]);
            sep = ",";
        }
        printf("},\"roc\":[");
        for (size_t k = 0; k < npts; k++) {
            char t_s[32];
            json_number(t_s, sizeof t_s, thr[k]);
            printf("%s{\"fpr\":%.6f,\"tpr\":%.6f,\"threshold\":%s}", k ? "," : "", fpr[k], tpr[k], t_s);
        }
        printf("]");
        if (declarations)
            eval_declarations(model, &ds, j.results, groups_path ? &groups : NULL,
                              (uint32_t)cons_size, true);
        printf("}\n");
    } else {
        printf("scans %u (INSPECT %u, RELEASE %u), failed to screen %zu\n", m.n, m.n_inspect, m.n_release, failed);
        printf("AUC %.4f\n", m.auc);
        printf("threshold %.6g (%s)\n", m.threshold, threshold >= 0 ? "given" : "model");
        printf("  detection    %.4f (%u of %u INSPECT scans flagged)\n", m.detection, m.tp, m.n_inspect);
        printf("  release rate %.4f (%u of %u clean scans released)\n", m.release_rate, m.tn, m.n_release);
        printf("  confusion    TP %u  FN %u  FP %u  TN %u\n", m.tp, m.fn, m.fp, m.tn);
        printf("at %.4f detection on this set: threshold %.6g, release rate %.4f\n", m.target_detection,
               m.threshold_at_target, m.release_at_target);
        printf("per class (flagged at the threshold):\n");
        for (int c = 0; c < LSCAN_MAX_CLASS; c++)
            if (m.class_n[c])
                printf("  %-20s %-8s %5u scans  %5u flagged  %.4f\n", lscan_class_name(c),
                       LSCAN_CLASS_IS_INSPECT(c) ? "INSPECT" : "RELEASE", m.class_n[c], m.class_flagged[c],
                       (double)m.class_flagged[c] / m.class_n[c]);
        printf("detection per difficulty (INSPECT scans):\n");
        for (int b = 0; b < 3; b++)
            if (band_n[b])
                printf("  %-9s [%.2f, %.2f)  %5zu scans  %5zu flagged  %.4f\n", band_names[b], bands[b],
                       b == 2 ? 1.0 : bands[b + 1], band_n[b], band_flag[b], (double)band_flag[b] / band_n[b]);
        printf("ROC (false-positive rate, detection, threshold):\n");
        for (size_t k = 0; k < npts; k++) printf("  %.4f %.4f %.6g\n", fpr[k], tpr[k], thr[k]);
        if (declarations)
            eval_declarations(model, &ds, j.results, groups_path ? &groups : NULL,
                              (uint32_t)cons_size, false);
    }
    status = failed ? EXIT_PARTIAL : EXIT_OK;
done:
    for (size_t i = 0; j.results && i < ds.n; i++)
        lscan_result_free(j.results[i]);
    free(j.results);
    groups_free(&groups);
    free(j.scores);
    free(j.status);
    free(classes);
    free(fpr);
    free(tpr);
    free(thr);
    dataset_free(&ds);
    lscan_materials_free(mats);
    lscan_model_free(model);
    lscan_ctx_free(ctx);
    return status;
}
