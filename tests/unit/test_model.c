/* test_model.c — logistic regression, thresholds, metrics, model files (round trip, every corruption refused), decisions. */
#include <criterion/criterion.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "testutil.h"

static double uniform(uint64_t *s) { return (double)(tu_rand(s) >> 11) / 9007199254740992.0; }

static double gauss(uint64_t *s)
{
    double u = uniform(s) + 1e-300, v = uniform(s);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

Test(model, logreg_recovers_known_weights)
{
    const size_t n = 40000;
    const uint32_t d = 3;
    const double w_true[3] = {1.5, -2.0, 0.0}, b_true = 0.5;
    float *x = malloc(n * d * sizeof *x);
    uint8_t *y = malloc(n);
    uint64_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        double z = b_true;
        for (uint32_t j = 0; j < d; j++) {
            /* features with different means and scales: standardisation must undo them */
            x[i * d + j] = (float)(gauss(&s) * (1.0 + j) + 3.0 * j);
            z += w_true[j] * x[i * d + j];
        }
        y[i] = uniform(&s) < lscan__sigmoid(z);
    }
    lscan_ctx *ctx = lscan_ctx_new();
    lscan__linear m;
    cr_assert_eq(lscan__logreg_fit(ctx, x, y, NULL, n, d, 1e-6, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    double bias = m.bias;
    for (uint32_t j = 0; j < d; j++) {
        double w = m.weight[j] / m.scale[j];
        bias -= m.weight[j] * m.mean[j] / m.scale[j];
        cr_expect(fabs(w - w_true[j]) < 0.08, "weight %u: %f vs %f", j, w, w_true[j]);
    }
    cr_expect(fabs(bias - b_true) < 0.25, "bias %f vs %f", bias, b_true);
    lscan__linear_free(&m);
    lscan_ctx_free(ctx);
    free(x);
    free(y);
}

Test(model, logreg_separable_data_finds_the_direction)
{
    const size_t n = 2000;
    const uint32_t d = 2;
    float *x = malloc(n * d * sizeof *x);
    uint8_t *y = malloc(n);
    uint64_t s = 99;
    for (size_t i = 0; i < n; i++) {
        double a = gauss(&s), b = gauss(&s);
        if (fabs(2 * a - b) < 0.2) a += 0.5; /* keep a margin */
        x[i * 2] = (float)a;
        x[i * 2 + 1] = (float)b;
        y[i] = 2 * a - b > 0;
    }
    lscan_ctx *ctx = lscan_ctx_new();
    lscan__linear m;
    cr_assert_eq(lscan__logreg_fit(ctx, x, y, NULL, n, d, 0.01, &m), LSCAN_OK);
    double w0 = m.weight[0] / m.scale[0], w1 = m.weight[1] / m.scale[1];
    double cosine = (2 * w0 - w1) / (sqrt(5.0) * sqrt(w0 * w0 + w1 * w1));
    cr_expect(cosine > 0.99, "direction cosine %f", cosine);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) wrong += (lscan__linear_score(&m, x + i * d) > 0) != y[i];
    cr_expect_eq(wrong, 0u, "%zu misclassified", wrong);
    lscan__linear_free(&m);
    lscan_ctx_free(ctx);
    free(x);
    free(y);
}

Test(model, logreg_rejects_degenerate_input)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan__linear m;
    float x[2] = {1, 2};
    uint8_t y[2] = {0, 1};
    cr_expect_eq(lscan__logreg_fit(ctx, x, y, NULL, 1, 1, 1.0, &m), LSCAN_ERR_TRAINING);
    cr_expect_eq(lscan__logreg_fit(ctx, x, y, NULL, 2, 1, NAN, &m), LSCAN_ERR_TRAINING);
    lscan_ctx_free(ctx);
}

Test(model, threshold_hits_the_requested_detection)
{
    uint64_t s = 7;
    const size_t n = 1000;
    double scores[1000];
    int pos[1000];
    for (size_t i = 0; i < n; i++) {
        pos[i] = i % 3 == 0;
        scores[i] = pos[i] ? 0.6 + 0.4 * uniform(&s) - 0.5 * (i % 11 == 0) : 0.5 * uniform(&s);
    }
    for (double target = 0.9; target <= 1.0; target += 0.01) {
        double t = lscan__threshold_for_detection(scores, pos, n, target);
        size_t np = 0, flagged = 0;
        double next = INFINITY; /* the next positive score above t */
        for (size_t i = 0; i < n; i++) {
            if (!pos[i]) continue;
            np++;
            flagged += scores[i] >= t;
            if (scores[i] > t && scores[i] < next) next = scores[i];
        }
        cr_expect((double)flagged / np >= target - 1e-12, "target %f: detection %f", target, (double)flagged / np);
        /* The largest such threshold: one step up misses the target. */
        size_t flagged_next = 0;
        for (size_t i = 0; i < n; i++) flagged_next += pos[i] && scores[i] >= next;
        cr_expect(isinf(next) || (double)flagged_next / np < target, "threshold %f is not the largest", t);
    }
}

Test(model, metrics_auc_confusion_and_classes)
{
    /* 4 INSPECT (dense_object) and 4 RELEASE (empty) with one tie across classes. */
    double scores[8] = {0.9, 0.8, 0.4, 0.3, 0.1, 0.2, 0.3, 0.05};
    int classes[8] = {16, 16, 16, 16, 0, 0, 0, 0};
    lscan_metrics m = {.size = sizeof m};
    cr_assert_eq(lscan_metrics_compute(scores, classes, 8, 0.35, 0.99, &m), LSCAN_OK);
    /* pairs (pos > neg): 0.9,0.8,0.4 beat all 4 = 12; 0.3 beats 0.1,0.2,0.05 = 3, ties 0.3 = 0.5 -> 15.5/16 */
    cr_expect_float_eq(m.auc, 15.5 / 16, 1e-12);
    cr_expect_eq(m.tp, 3u);
    cr_expect_eq(m.fn, 1u);
    cr_expect_eq(m.fp, 0u);
    cr_expect_eq(m.tn, 4u);
    cr_expect_eq(m.class_n[16], 4u);
    cr_expect_eq(m.class_flagged[16], 3u);
    /* 99 % of 4 -> no miss allowed: threshold 0.3, which releases 0.1, 0.2, 0.05 (the 0.3 negative is flagged). */
    cr_expect_float_eq(m.threshold_at_target, 0.3, 1e-12);
    cr_expect_float_eq(m.release_at_target, 0.75, 1e-12);
    /* A failed scan (NaN) counts as flagged. */
    scores[3] = NAN;
    cr_assert_eq(lscan_metrics_compute(scores, classes, 8, 0.35, 0.99, &m), LSCAN_OK);
    cr_expect_eq(m.tp, 4u);
    int bad[1] = {7};
    cr_expect_eq(lscan_metrics_compute(scores, bad, 1, 0.5, 0.99, &m), LSCAN_ERR_INVALID_ARGUMENT);
}

Test(model, roc_runs_from_strict_to_loose)
{
    double scores[6] = {0.9, 0.7, 0.5, 0.6, 0.2, 0.1};
    int classes[6] = {16, 16, 16, 0, 0, 0};
    double fpr[10], tpr[10], thr[10];
    size_t k;
    cr_assert_eq(lscan_roc(scores, classes, 6, fpr, tpr, thr, 10, &k), LSCAN_OK);
    cr_assert_eq(k, 6u);
    cr_expect_float_eq(tpr[0], 1.0 / 3, 1e-12);
    cr_expect_float_eq(fpr[0], 0.0, 1e-12);
    cr_expect_float_eq(thr[0], 0.9, 1e-12);
    cr_expect_float_eq(tpr[5], 1.0, 1e-12);
    cr_expect_float_eq(fpr[5], 1.0, 1e-12);
    for (size_t i = 1; i < k; i++) cr_expect(fpr[i] >= fpr[i - 1] && tpr[i] >= tpr[i - 1]);
}

Test(model, aggregates_of_tile_scores)
{
    /* 3x3 grid; hot threshold 0: an L-shaped group of 3 and a lone hot tile. */
    double z[9] = {1, 2, -1,
                   3, -5, -1,
                   -1, -1, 4};
    double agg[LSCAN__AGG_COUNT];
    cr_assert_eq(lscan__aggregate_tiles(z, 3, 3, 0.0, agg), LSCAN_OK);
    cr_expect_float_eq(agg[LSCAN__AGG_MAX], 4.0, 1e-12);
    cr_expect_float_eq(agg[LSCAN__AGG_TOPK], (4 + 3 + 2 + 1 - 1) / 5.0, 1e-12);
    cr_expect_float_eq(agg[LSCAN__AGG_HOT_COUNT], log1p(4.0), 1e-12);
    cr_expect_float_eq(agg[LSCAN__AGG_HOT_BLOB], log1p(3.0), 1e-12);
}

/* ---- model files --------------------------------------------------------- */

static lscan_model *make_model(void)
{
    lscan_model *m = calloc(1, sizeof *m);
    cr_assert_not_null(m);
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        lscan__linear *t = &m->tile[e];
        cr_assert_eq(lscan__linear_alloc(t, lscan_feature_count(LSCAN_FEATURES_TILE)), LSCAN_OK);
        for (uint32_t i = 0; i < t->n; i++) {
            t->mean[i] = 0.1 * i + 1.0 / 3 + e;
            t->scale[i] = 1.0 + i / 7.0;
            t->weight[i] = (i % 2 ? -1.0 : 1.0) / (i + 3.0 + e);
        }
        t->bias = -2.25 + e;
        m->tile_hot[e] = 1.75 + e;
        for (int g = 0; g < LSCAN__REGIONS; g++) {
            m->region_mean[e][g] = 0.5 * g - e;
            m->region_scale[e][g] = 1.0 + g / 3.0;
        }
    }
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        lscan__linear *im = &m->image[e];
        cr_assert_eq(lscan__linear_alloc(im, lscan__model_feature_count()), LSCAN_OK);
        for (uint32_t i = 0; i < im->n; i++) {
            im->mean[i] = 2.0 / (i + 1) + e;
            im->scale[i] = 0.5 + i / 9.0;
            im->weight[i] = 1e-3 * i - 0.01 * (e + 1);
        }
        im->bias = 0.125 * (e + 1);
    }
    m->threshold = 0.0123456789;
    const char *vals[LSCAN__INFO_COUNT] = {"test model", "unit test data", "0.99", "100", "0.990000", "0.900000", "0.995000",
                                         "0.67", "0.9", "0.97"};
    for (int i = 0; i < LSCAN__INFO_COUNT; i++) m->info[i] = strdup(vals[i]);
    return m;
}

static char *model_text(lscan_ctx *ctx, const lscan_model *m, size_t *len)
{
    char *t;
    cr_assert_eq(lscan__model_text(ctx, m, &t, len), LSCAN_OK);
    return t;
}

Test(model, file_round_trip_is_exact)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = make_model();
    const char *path = tu_path("m1.model");
    cr_assert_eq(lscan_model_save(ctx, m, path), LSCAN_OK);
    lscan_model *r;
    cr_assert_eq(lscan_model_load(ctx, path, &r), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    size_t l1, l2;
    char *t1 = model_text(ctx, m, &l1), *t2 = model_text(ctx, r, &l2);
    cr_expect_eq(l1, l2);
    cr_expect(memcmp(t1, t2, l1) == 0, "write -> read -> write differs");
    cr_expect_eq(r->tile[4].weight[3], m->tile[4].weight[3]);
    cr_expect_eq(r->threshold, m->threshold);
    cr_expect_str_eq(lscan_model_info(r, "name"), "test model");
    cr_expect_null(lscan_model_info(r, "no-such-key"));
    free(t1);
    free(t2);
    lscan_model_free(m);
    lscan_model_free(r);
    lscan_ctx_free(ctx);
}

/* Rewrites the checksum so a test reaches the check it aims at. */
static void fix_checksum(char *text, size_t *len)
{
    char *c = strstr(text, "checksum ");
    cr_assert_not_null(c);
    uint64_t h = lscan__fnv1a(LSCAN__FNV_OFFSET, text, (size_t)(c - text));
    snprintf(c, 27, "checksum %016llx\n", (unsigned long long)h);
    *len = (size_t)(c - text) + 26;
}

/* Replaces the first occurrence of `from` by `to` and returns the parse status. */
static int parse_edited(lscan_ctx *ctx, const char *text, const char *from, const char *to, bool keep_checksum_valid)
{
    const char *p = strstr(text, from);
    cr_assert_not_null(p, "'%s' not in the model text", from);
    size_t n = strlen(text) + strlen(to) + 64;
    char *e = malloc(n);
    size_t pre = (size_t)(p - text);
    memcpy(e, text, pre);
    strcpy(e + pre, to);
    strcat(e, p + strlen(from));
    size_t len = strlen(e);
    if (keep_checksum_valid) fix_checksum(e, &len);
    lscan_model *m = NULL;
    int rc = lscan_model_parse(ctx, e, len, &m);
    cr_expect((rc == LSCAN_OK) == (m != NULL));
    lscan_model_free(m);
    free(e);
    return rc;
}

Test(model, every_corruption_is_refused_with_its_line)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = make_model();
    size_t len;
    char *t = model_text(ctx, m, &len);
    lscan_model *ok;
    cr_assert_eq(lscan_model_parse(ctx, t, len, &ok), LSCAN_OK);
    lscan_model_free(ok);

    cr_expect_eq(parse_edited(ctx, t, "libscan-model 2", "libscan-model 3", true), LSCAN_ERR_MODEL_VERSION);
    cr_expect_eq(parse_edited(ctx, t, "libscan-model 2", "libscan-mode 2", true), LSCAN_ERR_MODEL_VERSION);
    cr_expect_eq(parse_edited(ctx, t, "threshold 0.0123456789", "threshold nan", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "threshold 0.0123456789", "threshold 1.5", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "threshold 0.0123456789", "threshold 0.01x", true), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(parse_edited(ctx, t, "threshold 0.0123456789\n", "", true), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(parse_edited(ctx, t, "tile-bias -2.25", "tile-bias inf", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "tile-bias -2.25", "tile-bias 1e999", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "tile-hot 1.75\n", "tile-hot 1.75\ntile-hot 1.75\n", true), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(parse_edited(ctx, t, "tile-models 5", "tile-models 4", true), LSCAN_ERR_MODEL_SCHEMA);
    cr_expect_eq(parse_edited(ctx, t, "tile-model impenetrable", "tile-model bulk", true), LSCAN_ERR_MODEL_SCHEMA);
    cr_expect_eq(parse_edited(ctx, t, "image-models 5", "image-models 6", true), LSCAN_ERR_MODEL_SCHEMA);
    cr_expect_eq(parse_edited(ctx, t, "tile-region 1 ", "tile-region 2 ", true), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(parse_edited(ctx, t, "tile-region 0 0 1\n", "tile-region 0 0 0\n", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "image-model load_in_empty", "image-model empty", true), LSCAN_ERR_MODEL_SCHEMA);
    cr_expect_eq(parse_edited(ctx, t, "validation-auc 0.995000", "validation-auc 2", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "target-detection 0.99", "target-detection 0", true), LSCAN_ERR_MODEL_VALUE);
    cr_expect_eq(parse_edited(ctx, t, "name test model", "nam test model", true), LSCAN_ERR_MODEL_SYNTAX);
    /* Schema: a wrong count, hash or feature name. */
    char want[64];
    snprintf(want, sizeof want, "tile-schema %u ", lscan_feature_count(LSCAN_FEATURES_TILE));
    char wrong[64];
    snprintf(wrong, sizeof wrong, "tile-schema %u ", lscan_feature_count(LSCAN_FEATURES_TILE) + 1);
    cr_expect_eq(parse_edited(ctx, t, want, wrong, true), LSCAN_ERR_MODEL_SCHEMA);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "this library has") != NULL, "%s", lscan_ctx_error_message(ctx));
    char feat[128];
    snprintf(feat, sizeof feat, "tile-feature %s ", lscan_feature_name(LSCAN_FEATURES_TILE, 0));
    cr_expect_eq(parse_edited(ctx, t, feat, "tile-feature renamed ", true), LSCAN_ERR_MODEL_SCHEMA);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "model line ") != NULL);
    /* Scale must be positive. */
    const char *line = strstr(t, "image-feature ");
    char first[512];
    size_t fl = (size_t)(strchr(line, '\n') - line);
    memcpy(first, line, fl);
    first[fl] = '\0';
    char *sp = strchr(first + 14, ' '); /* after the name: mean scale weight */
    sp = strchr(sp + 1, ' ');          /* at the scale */
    char neg[600];
    snprintf(neg, sizeof neg, "%.*s -1 %s", (int)(sp - first), first, strchr(sp + 1, ' ') + 1);
    cr_expect_eq(parse_edited(ctx, t, first, neg, true), LSCAN_ERR_MODEL_VALUE);
    /* Checksum, truncation, trailing text, CR line ends, empty. */
    cr_expect_eq(parse_edited(ctx, t, "tile-bias -2.25", "tile-bias -2.5", false), LSCAN_ERR_MODEL_CHECKSUM);
    lscan_model *out;
    cr_expect_eq(lscan_model_parse(ctx, t, len / 2, &out), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(lscan_model_parse(ctx, t, len - 1, &out), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(parse_edited(ctx, t, "tile-hot 1.75\n", "tile-hot 1.75\r\n", true), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(lscan_model_parse(ctx, t, 0, &out), LSCAN_ERR_EMPTY_INPUT);
    char *tail = malloc(len + 8);
    memcpy(tail, t, len);
    memcpy(tail + len, "extra\n", 6);
    cr_expect_eq(lscan_model_parse(ctx, tail, len + 6, &out), LSCAN_ERR_MODEL_SYNTAX);
    free(tail);
    cr_expect_eq(lscan_model_load(ctx, tu_tmpdir(), &out), LSCAN_ERR_IO);
    cr_expect_eq(lscan_model_load(ctx, tu_path("none.model"), &out), LSCAN_ERR_IO);
    cr_expect_str_eq(lscan_ctx_error_path(ctx), tu_path("none.model"));
    free(t);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(model, parsing_ignores_the_host_locale)
{
    /* A host that set a comma decimal locale must not change what we read or write. */
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = make_model();
    size_t l1, l2;
    char *t1 = model_text(ctx, m, &l1);
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        char *t2 = model_text(ctx, m, &l2);
        lscan_model *r;
        cr_expect_eq(lscan_model_parse(ctx, t1, l1, &r), LSCAN_OK);
        lscan_model_free(r);
        cr_expect(l1 == l2 && memcmp(t1, t2, l1) == 0);
        free(t2);
        setlocale(LC_NUMERIC, "C");
    }
    free(t1);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(model, screening_failures_are_inspect)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = make_model();
    lscan_result *r;
    /* A blank image cannot be analysed: INSPECT with the reason, no score. */
    uint16_t blank[64 * 64];
    memset(blank, 0, sizeof blank);
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, blank, 64, 64, 128, 16, NULL, &img), LSCAN_OK);
    int rc = lscan_screen(ctx, m, img, NULL, &r);
    cr_expect_neq(rc, LSCAN_OK);
    cr_assert_not_null(r);
    cr_expect_eq(lscan_result_decision(r), (uint32_t)LSCAN_INSPECT);
    cr_expect_eq(lscan_result_status(r), rc);
    cr_expect(isnan(lscan_result_score(r)));
    cr_expect_neq(strlen(lscan_result_message(r)), 0u);
    lscan_result_free(r);
    lscan_image_free(img);
    /* An unreadable file: INSPECT with the decoder's status and the path. */
    tu_write_file(tu_path("junk.png"), "\x89PNG\r\n\x1a\nxx", 10);
    rc = lscan_screen_file(ctx, m, tu_path("junk.png"), NULL, NULL, &r);
    cr_expect_neq(rc, LSCAN_OK);
    cr_expect_eq(lscan_result_decision(r), (uint32_t)LSCAN_INSPECT);
    cr_expect(strstr(lscan_result_message(r), "junk.png") != NULL, "%s", lscan_result_message(r));
    lscan_result_free(r);
    rc = lscan_screen_file(ctx, m, tu_tmpdir(), NULL, NULL, &r);
    cr_expect_eq(rc, LSCAN_ERR_NOT_A_FILE);
    cr_expect_eq(lscan_result_decision(r), (uint32_t)LSCAN_INSPECT);
    lscan_result_free(r);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* ---- training and decisions on generated scans ----------------------------- */

static const int all_classes[10] = {
    LSCAN_CLASS_EMPTY, LSCAN_CLASS_HOMOGENEOUS, LSCAN_CLASS_BULK, LSCAN_CLASS_MIXED, LSCAN_CLASS_MACHINERY,
    LSCAN_CLASS_DENSE_OBJECT, LSCAN_CLASS_IMPENETRABLE, LSCAN_CLASS_HIDDEN_COMPARTMENT,
    LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY,
};

/* Adds generated scans of every class (n per class and split) to a trainer, in
 * the given key order. Scans are small (20 ft forced to 640x300) to stay fast. */
static void add_generated(lscan_trainer *tr, lscan_ctx *ctx, int per_class, bool reverse)
{
    int total = 10 * per_class * 2;
    for (int k = 0; k < total; k++) {
        int i = reverse ? total - 1 - k : k;
        lscan_synth_params p;
        lscan_synth_params_init(&p);
        p.cls = all_classes[i % 10];
        p.width = 640;
        p.height = 300;
        p.difficulty_min = 0.0f;
        p.difficulty_max = 0.3f;
        lscan_image *img;
        lscan_synth_truth *truth;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 5000 + (uint64_t)i, &img, &truth), LSCAN_OK, "%s",
                     lscan_ctx_error_message(ctx));
        uint32_t split = (i / 10) % 2 ? LSCAN_SPLIT_VALIDATION : LSCAN_SPLIT_TRAIN;
        int rc = lscan_trainer_add(tr, ctx, img, lscan_synth_truth_mask(truth), lscan_image_width(img), p.cls, split,
                                   (uint64_t)i);
        cr_assert_eq(rc, LSCAN_OK, "scan %d: %s", i, lscan_ctx_error_message(ctx));
        lscan_synth_truth_free(truth);
        lscan_image_free(img);
    }
}

Test(model, training_is_deterministic_and_order_independent, .timeout = 300)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.name = "unit";
    o.training = "generated 640x300 scans";
    char *text[2];
    size_t len[2];
    for (int run = 0; run < 2; run++) {
        lscan_trainer *tr = lscan_trainer_new();
        add_generated(tr, ctx, 3, run == 1);
        lscan_model *m;
        cr_assert_eq(lscan_trainer_fit(tr, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        cr_expect(m->threshold >= 0 && m->threshold <= 1);
        cr_expect_str_eq(lscan_model_info(m, "validation-scans"), "30");
        /* The threshold flags at least the target share of validation INSPECT scans. */
        cr_expect(strtod(lscan_model_info(m, "validation-detection"), NULL) >= 0.99);
        text[run] = model_text(ctx, m, &len[run]);
        lscan_model_free(m);
        lscan_trainer_free(tr);
    }
    cr_expect_eq(len[0], len[1]);
    cr_expect(memcmp(text[0], text[1], len[0]) == 0, "the order of adds changed the model");
    /* The hard-negative pass (on by default) refits the tile models: without
     * it they differ, and the training still succeeds. */
    cr_expect_gt(o.hard_negative_tiles, 0u);
    o.hard_negative_tiles = 0;
    lscan_trainer *tr = lscan_trainer_new();
    add_generated(tr, ctx, 3, false);
    lscan_model *m;
    cr_assert_eq(lscan_trainer_fit(tr, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    size_t one_len;
    char *one = model_text(ctx, m, &one_len);
    const char *w0 = strstr(text[0], "tile-feature "), *w1 = strstr(one, "tile-feature ");
    cr_assert(w0 && w1);
    cr_expect_neq(strncmp(w0, w1, 2000), 0, "the hard-negative pass left the tile model unchanged");
    free(one);
    lscan_model_free(m);
    lscan_trainer_free(tr);
    free(text[0]);
    free(text[1]);
    lscan_ctx_free(ctx);
}

Test(model, trainer_refuses_incomplete_data)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_trainer *tr = lscan_trainer_new();
    lscan_model *m = (lscan_model *)1;
    cr_expect_eq(lscan_trainer_fit(tr, ctx, NULL, &m), LSCAN_ERR_TRAINING);
    cr_expect_null(m);
    uint16_t px[64 * 64];
    memset(px, 0, sizeof px);
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, px, 64, 64, 128, 16, NULL, &img), LSCAN_OK);
    /* A blank image cannot be analysed: refused with its status. */
    cr_expect_neq(lscan_trainer_add(tr, ctx, img, NULL, 0, LSCAN_CLASS_EMPTY, LSCAN_SPLIT_TRAIN, 1), LSCAN_OK);
    cr_expect_eq(lscan_trainer_add(tr, ctx, img, NULL, 0, 7, LSCAN_SPLIT_TRAIN, 1), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_trainer_add(tr, ctx, img, NULL, 0, LSCAN_CLASS_EMPTY, 9, 1), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_image_free(img);
    lscan_trainer_free(tr);
    lscan_ctx_free(ctx);
}

/* The shipped model on the samples: every scan of every class is analysed and
 * decided consistently (decision from score and threshold, hot tiles inside
 * the container, a heat value per tile, reasons); how well it decides is the
 * model card's business, measured by `scan eval` on test seeds. */
Test(model, default_model_decides_every_sample_consistently)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m;
    cr_assert_eq(lscan_model_load(ctx, LSCAN_SOURCE_ROOT "/models/default.model", &m), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    FILE *f = fopen(LSCAN_SOURCE_ROOT "/samples/labels.csv", "r");
    cr_assert_not_null(f);
    char line[512];
    int seen[32] = {0}, n = 0;
    cr_assert_not_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        char *file = strtok(line, ","), *label = strtok(NULL, ","), *cls = strtok(NULL, ",");
        int c;
        cr_assert_eq(lscan_class_parse(cls, &c), LSCAN_OK);
        cr_expect_eq(strcmp(label, "INSPECT") == 0, LSCAN_CLASS_IS_INSPECT(c));
        seen[c]++;
        char path[1024];
        snprintf(path, sizeof path, "%s/samples/%s", LSCAN_SOURCE_ROOT, file);
        lscan_result *r;
        cr_assert_eq(lscan_screen_file(ctx, m, path, NULL, NULL, &r), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        double s = lscan_result_score(r), t = lscan_result_threshold(r);
        cr_expect(s >= 0 && s <= 1, "%s: score %f", file, s);
        cr_expect_eq(lscan_result_decision(r), s >= t ? (uint32_t)LSCAN_INSPECT : (uint32_t)LSCAN_RELEASE);
        cr_expect(LSCAN_CLASS_IS_INSPECT(lscan_result_suspected_class(r)));
        cr_expect_gt(lscan_result_reason_count(r), 0u);
        lscan_box cb, hb;
        cr_assert_eq(lscan_result_container(r, &cb), LSCAN_OK);
        cr_assert_gt(lscan_result_hot_tile_count(r), 0u);
        for (uint32_t k = 0; k < lscan_result_hot_tile_count(r); k++) {
            double hs;
            cr_assert_eq(lscan_result_hot_tile(r, k, &hb, &hs), LSCAN_OK);
            cr_expect(hb.x0 >= cb.x0 && hb.x1 <= cb.x1 && hb.y0 >= cb.y0 && hb.y1 <= cb.y1, "%s: hot tile outside the box", file);
            if (k > 0) {
                double prev;
                lscan_result_hot_tile(r, k - 1, NULL, &prev);
                cr_expect(prev >= hs, "hot tiles not hottest first");
            }
        }
        uint32_t cols, rows;
        const float *heat = lscan_result_heatmap(r, &cols, &rows);
        cr_assert_not_null(heat);
        for (uint32_t i = 0; i < cols * rows; i++) cr_assert(heat[i] >= 0 && heat[i] <= 1);
        /* A forced threshold decides by the score alone. */
        lscan_screen_options so;
        lscan_screen_options_init(&so);
        so.threshold = 0.0;
        lscan_result *r0;
        cr_assert_eq(lscan_screen_file(ctx, m, path, NULL, &so, &r0), LSCAN_OK);
        cr_expect_eq(lscan_result_decision(r0), (uint32_t)LSCAN_INSPECT);
        cr_expect_eq(lscan_result_score(r0), s, "screening is deterministic");
        lscan_result_free(r0);
        lscan_result_free(r);
        n++;
    }
    fclose(f);
    cr_expect_eq(n, 10);
    for (int i = 0; i < 10; i++) cr_expect_eq(seen[all_classes[i]], 1, "class %s missing from samples", lscan_class_name(all_classes[i]));
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}
