/* test_declared.c — declarations: parsing, every new reason on constructed scans, per-group
 * operating points, consignment comparison (direct and in batches, any thread count), the model
 * file's declaration sections, and training them. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch.h"
#include "model/declared.h"
#include "testutil.h"

#define W 480
#define H 240

/* ---- declarations' text ------------------------------------------------------------------- */

Test(declared, kinds_of_declarations)
{
    cr_expect_eq(lscan_declared_kind_of(NULL), LSCAN_DECLARED_NONE);
    cr_expect_eq(lscan_declared_kind_of(""), LSCAN_DECLARED_NONE);
    cr_expect_eq(lscan_declared_kind_of("   "), LSCAN_DECLARED_NONE);
    cr_expect_eq(lscan_declared_kind_of("empty"), LSCAN_DECLARED_EMPTY);
    cr_expect_eq(lscan_declared_kind_of(" EMPTY "), LSCAN_DECLARED_EMPTY);
    cr_expect_eq(lscan_declared_kind_of("emptyish"), LSCAN_DECLARED_CARGO);
    cr_expect_eq(lscan_declared_kind_of("84"), LSCAN_DECLARED_HS);
    cr_expect_eq(lscan_declared_kind_of("8471.30"), LSCAN_DECLARED_HS);
    cr_expect_eq(lscan_declared_kind_of("8471 30 00 00"), LSCAN_DECLARED_HS);
    cr_expect_eq(lscan_declared_kind_of("8"), -1, "one digit is no chapter");
    cr_expect_eq(lscan_declared_kind_of("12345678901"), -1, "more than 10 digits");
    cr_expect_eq(lscan_declared_kind_of(".84"), -1);
    cr_expect_eq(lscan_declared_kind_of("84."), -1);
    cr_expect_eq(lscan_declared_kind_of("sugar bags"), LSCAN_DECLARED_CARGO);
    cr_expect_eq(lscan_declared_kind_of("Sugar-Bags & Rice/2"), LSCAN_DECLARED_CARGO);
    cr_expect_eq(lscan_declared_kind_of("caf\xc3\xa9"), -1, "non-ASCII");
    cr_expect_eq(lscan_declared_kind_of("tab\there"), -1);
    cr_expect_eq(lscan_declared_kind_of("--"), -1, "no letter");
    char longer[80];
    memset(longer, 'a', sizeof longer - 1);
    longer[79] = '\0';
    cr_expect_eq(lscan_declared_kind_of(longer), -1);
    longer[63] = '\0';
    cr_expect_eq(lscan_declared_kind_of(longer), LSCAN_DECLARED_CARGO);
    longer[63] = 'a';
    longer[64] = '\0';
    cr_expect_eq(lscan_declared_kind_of(longer), -1, "64 bytes is one too many");
}

Test(declared, malformed_declarations_are_refused_with_a_message)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_declaration d;
    lscan_declaration_init(&d);
    cr_expect_eq(lscan_declaration_check(ctx, &d), LSCAN_OK);
    cr_expect_eq(lscan_declaration_check(ctx, NULL), LSCAN_OK);
    d.declared = "1";
    cr_expect_eq(lscan_declaration_check(ctx, &d), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "'1'") != NULL, "%s",
              lscan_ctx_error_message(ctx));
    d.declared = "10";
    char id[300];
    memset(id, 'c', sizeof id - 1);
    id[299] = '\0';
    d.consignment = id;
    cr_expect_eq(lscan_declaration_check(ctx, &d), LSCAN_ERR_INVALID_ARGUMENT);
    d.consignment = "BL\x01";
    cr_expect_eq(lscan_declaration_check(ctx, &d), LSCAN_ERR_INVALID_ARGUMENT);
    d.consignment = "BL-123";
    cr_expect_eq(lscan_declaration_check(ctx, &d), LSCAN_OK);
    d.size = 0;
    cr_expect_eq(lscan_declaration_check(ctx, &d), LSCAN_ERR_INVALID_ARGUMENT, "size not set");
    cr_expect_str_eq(lscan_consistency_name(LSCAN_CONSISTENCY_MISMATCH), "declared_mismatch");
    cr_expect_null(lscan_consistency_name(99));
    cr_expect_str_eq(lscan_check_name(LSCAN_CHECK_CONSIGNMENT_OUTLIER), "consignment_outlier");
    cr_expect_null(lscan_check_name(3));
    lscan_ctx_free(ctx);
}

/* ---- constructed models and scans ---------------------------------------------------------- */

/* A small anomaly model trained on small generated scans. */
static lscan_model *train_anomaly_model(lscan_ctx *ctx)
{
    lscan_trainer *t = lscan_trainer_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = W;
    p.height = H;
    p.difficulty_max = 0.3f;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        p.cls = seed % 10 < 5 ? (int)(seed % 10) : 16 + (int)(seed % 10) - 5;
        lscan_image *img;
        lscan_synth_truth *truth;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 1000 + seed, &img, &truth), LSCAN_OK);
        cr_assert_eq(lscan_trainer_add(t, ctx, img, lscan_synth_truth_mask(truth), W, p.cls,
                                       seed <= 20 ? LSCAN_SPLIT_TRAIN : LSCAN_SPLIT_VALIDATION,
                                       seed),
                     LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        lscan_image_free(img);
        lscan_synth_truth_free(truth);
    }
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.max_negative_tiles = 60;
    lscan_model *m = NULL;
    cr_assert_eq(lscan_trainer_fit(t, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_trainer_free(t);
    return m;
}

/* The fill at which the constructed commodity model changes its mind. */
#define SPLIT_FILL 0.25
/* Declaration sections with known behaviour: a container reads loaded when what stands out of
 * it covers more than e^5 cm^2; the commodity model calls a load "bulk_goods" when it fills
 * more than SPLIT_FILL of the interior, else "cartons_goods", and is sure of it away from the
 * split; consignments are compared on fill alone. */
static lscan__decl_model *constructed_decl(void)
{
    lscan__decl_model *d = calloc(1, sizeof *d);
    cr_assert_eq(lscan__linear_alloc(&d->empty, LSCAN__EMPTY_INPUTS), LSCAN_OK);
    d->empty.weight[LSCAN__IMAGE_FEATURES + LSCAN__LD_EXCESS_AREA] = 1.0;
    d->empty.bias = -5.0;
    d->empty_loaded_thr = 0.5;
    d->empty_empty_thr = 0.5;
    d->empty_anomaly_thr = 0.987654;
    d->groups = 2;
    d->group = calloc(2, sizeof *d->group);
    d->group_thr = calloc(2, sizeof *d->group_thr);
    d->mean = calloc(2 * LSCAN__LOAD_DESC + 3 * LSCAN__LOAD_DESC + 2, sizeof *d->mean);
    d->scale = d->mean + LSCAN__LOAD_DESC;
    d->weight = d->scale + LSCAN__LOAD_DESC;
    d->bias = d->weight + 2 * LSCAN__LOAD_DESC;
    for (int k = 0; k < LSCAN__LOAD_DESC; k++)
        d->scale[k] = 1;
    strcpy(d->group[0], "bulk_goods");
    strcpy(d->group[1], "cartons_goods");
    d->group_thr[0] = 0.91;
    d->group_thr[1] = 0.92;
    d->weight[LSCAN__LD_FILL] = 100;
    d->bias[0] = -100 * SPLIT_FILL;
    d->commodities = 2;
    d->commodity = calloc(2, sizeof *d->commodity);
    d->commodity_group = calloc(2, sizeof *d->commodity_group);
    strcpy(d->commodity[0], "grain");
    strcpy(d->commodity[1], "sugar_cartons");
    d->commodity_group[0] = 0;
    d->commodity_group[1] = 1;
    d->hs[10] = 1;
    d->hs[17] = 2;
    d->hs[39] = 3;
    d->mismatch_thr = 0.5;
    for (int k = 0; k < LSCAN__CONS_FEATURES; k++)
        d->cons_scale[k] = 1e6;
    d->cons_scale[0] = 0.05; /* fill */
    d->cons_commodity_weight = 0;
    d->cons_thr = 1.0;
    cr_assert_eq(lscan__decl_hs_text(d), LSCAN_OK);
    return d;
}

static lscan_model *model_with_constructed_decl(lscan_ctx *ctx)
{
    lscan_model *m = train_anomaly_model(ctx);
    lscan__decl_model_free(m->decl);
    m->decl = constructed_decl();
    return m;
}

/* A generated scan of class cls, with its load descriptors. */
static lscan_image *scan_of(lscan_ctx *ctx, int cls, uint64_t seed, float *desc)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = W;
    p.height = H;
    p.cls = cls;
    p.difficulty_max = 0.2f;
    lscan_image *img;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, NULL), LSCAN_OK);
    if (desc) {
        lscan_analysis *a;
        cr_assert_eq(lscan_analyze(ctx, img, NULL, &a), LSCAN_OK);
        memcpy(desc, lscan_analysis_load_features(a), LSCAN__LOAD_DESC * sizeof *desc);
        lscan_analysis_free(a);
    }
    return img;
}

static lscan_result *screen_declared(lscan_ctx *ctx, const lscan_model *m, const lscan_image *img,
                                     const char *declared)
{
    lscan_declaration d;
    lscan_declaration_init(&d);
    d.declared = declared;
    lscan_screen_options o;
    lscan_screen_options_init(&o);
    o.declaration = &d;
    lscan_result *r = NULL;
    cr_assert_eq(lscan_screen(ctx, m, img, &o, &r), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    return r;
}

/* A loaded scan whose fill lies clearly on one side of SPLIT_FILL. */
static lscan_image *clear_load(lscan_ctx *ctx, int cls, uint64_t seed0, float *desc)
{
    for (uint64_t seed = seed0; seed < seed0 + 50; seed++) {
        lscan_image *img = scan_of(ctx, cls, seed, desc);
        if (fabs(desc[LSCAN__LD_FILL] - SPLIT_FILL) > 0.1 && exp(desc[LSCAN__LD_EXCESS_AREA]) > 1e4)
            return img;
        lscan_image_free(img);
    }
    cr_assert_fail("no generated load of class %d clear of the split", cls);
    return NULL;
}

Test(declared, every_reason_on_constructed_scans, .timeout = 300)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = model_with_constructed_decl(ctx);
    float desc[LSCAN__LOAD_DESC];

    /* An empty container: declared empty it is consistent, with the empty operating point. */
    lscan_image *empty = scan_of(ctx, LSCAN_CLASS_EMPTY, 7001, desc);
    cr_assert_lt(exp(desc[LSCAN__LD_EXCESS_AREA]), 100.0, "the generated empty container is clean");
    lscan_result *r = screen_declared(ctx, m, empty, "empty");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_CONSISTENT);
    cr_expect_eq(lscan_result_threshold(r), 0.987654);
    cr_expect_str_eq(lscan_result_declared(r), "empty");
    cr_expect_str_eq(lscan_result_declared_group(r), "empty");
    cr_expect_str_eq(lscan_result_recognised(r, NULL), "empty");
    cr_expect_eq(lscan_result_checks(r) & ~(uint32_t)LSCAN_CHECK_ANOMALY, 0u);
    cr_expect_eq(lscan_result_decision(r) == LSCAN_INSPECT, lscan_result_checks(r) != 0);
    lscan_result_free(r);
    /* Declared as goods, it is declared_loaded_but_empty. */
    r = screen_declared(ctx, m, empty, "1001.90");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_LOADED_BUT_EMPTY);
    cr_expect(lscan_result_checks(r) & LSCAN_CHECK_LOADED_BUT_EMPTY);
    cr_expect_eq(lscan_result_decision(r), (uint32_t)LSCAN_INSPECT);
    lscan_result_free(r);

    /* A package in an empty container declared empty: declared_empty_but_loaded. */
    lscan_image *lie = NULL;
    for (uint64_t seed = 7100; !lie && seed < 7150; seed++) {
        lie = scan_of(ctx, LSCAN_CLASS_LOAD_IN_EMPTY, seed, desc);
        if (exp(desc[LSCAN__LD_EXCESS_AREA]) < 1e3) {
            lscan_image_free(lie);
            lie = NULL;
        }
    }
    cr_assert_not_null(lie);
    r = screen_declared(ctx, m, lie, "EMPTY");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_EMPTY_BUT_LOADED);
    cr_expect(lscan_result_checks(r) & LSCAN_CHECK_EMPTY_BUT_LOADED);
    cr_expect_eq(lscan_result_decision(r), (uint32_t)LSCAN_INSPECT);
    cr_expect_gt(lscan_result_loaded_p(r), 0.5);
    lscan_result_free(r);

    /* A load: declared as its recognised group (by HS chapter, cargo kind, commodity) it is
     * consistent with that group's operating point; as the other group, declared_mismatch. */
    lscan_image *load = clear_load(ctx, LSCAN_CLASS_BULK, 7200, desc);
    const bool bulk = desc[LSCAN__LD_FILL] > SPLIT_FILL;
    const char *same_hs = bulk ? "10" : "1701.99", *other_hs = bulk ? "17" : "10";
    r = screen_declared(ctx, m, load, same_hs);
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_CONSISTENT);
    cr_expect_str_eq(lscan_result_recognised(r, NULL), bulk ? "bulk_goods" : "cartons_goods");
    cr_expect_eq(lscan_result_threshold(r), bulk ? 0.91 : 0.92);
    cr_expect_gt(lscan_result_declared_p(r), 0.99);
    cr_expect_eq(lscan_result_alternative_count(r), 2u);
    lscan_result_free(r);
    r = screen_declared(ctx, m, load, bulk ? "Grain" : "sugar cartons");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_CONSISTENT,
                 "a commodity name declares its group");
    lscan_result_free(r);
    r = screen_declared(ctx, m, load, "39");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_CONSISTENT,
                 "a chapter of both groups");
    cr_expect_str_eq(lscan_result_declared_group(r), "bulk_goods|cartons_goods");
    cr_expect_eq(lscan_result_threshold(r), 0.91, "the strictest of the groups declared");
    lscan_result_free(r);
    r = screen_declared(ctx, m, load, other_hs);
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_MISMATCH);
    cr_expect(lscan_result_checks(r) & LSCAN_CHECK_MISMATCH);
    cr_expect_eq(lscan_result_decision(r), (uint32_t)LSCAN_INSPECT);
    cr_expect_lt(lscan_result_declared_p(r), 0.01);
    cr_expect_str_eq(lscan_result_recognised(r, NULL), bulk ? "bulk_goods" : "cartons_goods");
    /* The same verdict from a declaration checked after screening. */
    lscan_declaration d;
    lscan_declaration_init(&d);
    d.declared = other_hs;
    uint32_t c, insp;
    double p;
    cr_expect_eq(lscan_result_check_declaration(ctx, m, r, &d, &c, &p, &insp), LSCAN_OK);
    cr_expect_eq(c, lscan_result_consistency(r));
    cr_expect_eq(p, lscan_result_declared_p(r));
    cr_expect_eq(insp, 1u);
    lscan_result_free(r);

    /* A chapter or kind the model does not know: declared_unknown, the model's threshold. */
    r = screen_declared(ctx, m, load, "9999");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_UNKNOWN);
    cr_expect_eq(lscan_result_threshold(r), lscan_model_threshold(m));
    cr_expect_null(lscan_result_declared_group(r));
    cr_expect_eq(lscan_result_checks(r) & ~(uint32_t)LSCAN_CHECK_ANOMALY, 0u);
    lscan_result_free(r);
    r = screen_declared(ctx, m, load, "moon rocks");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_UNKNOWN);
    lscan_result_free(r);
    /* No declaration: judged on its anomalies alone, recognised all the same. */
    r = screen_declared(ctx, m, load, NULL);
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_NONE);
    cr_expect_eq(lscan_result_threshold(r), lscan_model_threshold(m));
    cr_expect_not_null(lscan_result_recognised(r, NULL));
    lscan_result_free(r);
    /* A caller's threshold overrides the groups' operating points. */
    lscan_screen_options o;
    lscan_screen_options_init(&o);
    lscan_declaration_init(&d);
    d.declared = same_hs;
    o.declaration = &d;
    o.threshold = 0.5;
    cr_assert_eq(lscan_screen(ctx, m, load, &o, &r), LSCAN_OK);
    cr_expect_eq(lscan_result_threshold(r), 0.5);
    lscan_result_free(r);
    /* A malformed declaration gives no result. */
    d.declared = "1";
    r = (lscan_result *)1;
    cr_expect_eq(lscan_screen(ctx, m, load, &o, &r), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_null(r);

    /* A model without declaration checks: every declaration is unknown. */
    lscan__decl_model_free(m->decl);
    m->decl = NULL;
    r = screen_declared(ctx, m, empty, "empty");
    cr_expect_eq(lscan_result_consistency(r), (uint32_t)LSCAN_CONSISTENCY_UNKNOWN);
    cr_expect_null(lscan_result_recognised(r, NULL));
    cr_expect(isnan(lscan_result_loaded_p(r)));
    lscan_result_free(r);
    lscan_image_free(empty);
    lscan_image_free(lie);
    lscan_image_free(load);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* ---- consignments -------------------------------------------------------------------------- */

/* Four loads: three of like fill, the last far from them. */
struct consignment {
    lscan_image *img[4];
    float fill[4];
};

static void make_consignment(lscan_ctx *ctx, struct consignment *c)
{
    float desc[LSCAN__LOAD_DESC];
    int have = 0;
    float base = 0;
    for (uint64_t seed = 8000; have < 3 && seed < 8200; seed++) {
        lscan_image *img = scan_of(ctx, LSCAN_CLASS_BULK, seed, desc);
        float f = desc[LSCAN__LD_FILL];
        if (f > 0.2f && (have == 0 || fabsf(f - base) < 0.02f)) {
            if (!have) base = f;
            c->fill[have] = f;
            c->img[have++] = img;
        } else {
            lscan_image_free(img);
        }
    }
    cr_assert_eq(have, 3, "three bulk loads of like fill");
    for (uint64_t seed = 8300; have < 4 && seed < 8500; seed++) {
        lscan_image *img = scan_of(ctx, LSCAN_CLASS_HOMOGENEOUS, seed, desc);
        float f = desc[LSCAN__LD_FILL];
        if (f > 0.02f && fabsf(f - base) > 0.25f) {
            c->fill[have] = f;
            c->img[have++] = img;
        } else {
            lscan_image_free(img);
        }
    }
    cr_assert_eq(have, 4, "a load of another fill");
}

Test(declared, a_consignment_outlier_is_named_with_its_sibling, .timeout = 300)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = model_with_constructed_decl(ctx);
    struct consignment c;
    make_consignment(ctx, &c);
    lscan_result *r[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(lscan_screen(ctx, m, c.img[i], NULL, &r[i]), LSCAN_OK);
    const char *names[4] = {"a.png", "b.png", "c.png", "d.png"};
    cr_assert_eq(lscan_consignment_compare(ctx, m, r, names, 4), LSCAN_OK);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(lscan_result_checks(r[i]) & LSCAN_CHECK_CONSIGNMENT_OUTLIER, 0u, "scan %d", i);
        cr_expect_lt(lscan_result_consignment_score(r[i]), 1.0);
        uint64_t k;
        cr_expect_str_eq(lscan_result_consignment_sibling(r[i], &k), "d.png",
                         "the load that differs is the one each differs from most");
        cr_expect_eq(k, 3u);
    }
    cr_expect(lscan_result_checks(r[3]) & LSCAN_CHECK_CONSIGNMENT_OUTLIER);
    cr_expect_eq(lscan_result_decision(r[3]), (uint32_t)LSCAN_INSPECT);
    cr_expect_gt(lscan_result_consignment_score(r[3]), 1.0);
    /* The score: the distance to the nearest sibling, on fill alone. */
    double nearest = INFINITY;
    for (int i = 0; i < 3; i++)
        nearest = fmin(nearest, fabs((double)c.fill[3] - c.fill[i]) / 0.05 / 3.0);
    cr_expect_float_eq(lscan_result_consignment_score(r[3]), nearest, 1e-6);
    /* Compared without the outlier, nothing is flagged and its old outcome is gone. */
    cr_assert_eq(lscan_consignment_compare(ctx, m, r, names, 3), LSCAN_OK);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(lscan_result_checks(r[i]) & LSCAN_CHECK_CONSIGNMENT_OUTLIER, 0u);
    cr_assert_eq(lscan_consignment_compare(ctx, m, r + 3, names + 3, 1), LSCAN_OK);
    cr_expect(isnan(lscan_result_consignment_score(r[3])), "a scan alone is not compared");
    cr_expect_eq(lscan_result_checks(r[3]) & LSCAN_CHECK_CONSIGNMENT_OUTLIER, 0u);
    for (int i = 0; i < 4; i++) {
        lscan_result_free(r[i]);
        lscan_image_free(c.img[i]);
    }
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* Batches: a record per input, in order; consignments compared whatever the thread count. */
struct rec {
    uint64_t index;
    uint32_t decision, checks, consistency;
    double cons_score;
    uint64_t sibling;
};
struct recs {
    struct rec r[32];
    int n;
};

static int on_rec(void *user, uint64_t index, const char *name, const lscan_result *r)
{
    (void)name;
    struct recs *rs = user;
    cr_assert_lt(rs->n, 32);
    struct rec *x = &rs->r[rs->n++];
    x->index = index;
    x->decision = lscan_result_decision(r);
    x->checks = lscan_result_checks(r);
    x->consistency = lscan_result_consistency(r);
    x->cons_score = lscan_result_consignment_score(r);
    lscan_result_consignment_sibling(r, &x->sibling);
    return 0;
}

Test(declared, batches_compare_consignments_identically_for_any_thread_count, .timeout = 300)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = model_with_constructed_decl(ctx);
    struct consignment c;
    make_consignment(ctx, &c);
    lscan_image *empty = scan_of(ctx, LSCAN_CLASS_EMPTY, 7001, NULL);
    /* Inputs: consignment A (4 scans, size declared) interleaved with B (3 scans, size unknown)
     * and undeclared ones; A's outlier is input 8. */
    const char *cons[10] = {"A", NULL, "B", "A", "B", NULL, "A", "B", "A", NULL};
    const int img_of[10] = {0, 4, 0, 1, 1, 4, 2, 2, 3, 4};
    struct recs out[3];
    const uint32_t threads[3] = {0, 1, 3};
    for (int t = 0; t < 3; t++) {
        memset(&out[t], 0, sizeof out[t]);
        lscan_batch_options bo;
        lscan_batch_options_init(&bo);
        bo.threads = threads[t];
        bo.on_result = on_rec;
        bo.user = &out[t];
        lscan_batch *b;
        cr_assert_eq(lscan_batch_new(ctx, m, &bo, &b), LSCAN_OK);
        lscan_declaration d;
        lscan_declaration_init(&d);
        d.declared = "1";
        cr_expect_eq(lscan_batch_submit_image_ex(b, empty, "bad", &d, NULL),
                     LSCAN_ERR_INVALID_ARGUMENT, "a malformed declaration is refused");
        for (int i = 0; i < 10; i++) {
            lscan_declaration_init(&d);
            d.declared = img_of[i] == 4 ? "empty" : "10";
            d.consignment = cons[i];
            d.consignment_size = cons[i] && cons[i][0] == 'A' ? 4 : 0;
            uint64_t index;
            const lscan_image *img = img_of[i] == 4 ? empty : c.img[img_of[i]];
            cr_assert_eq(lscan_batch_submit_image_ex(b, img, cons[i] ? cons[i] : "x", &d, &index),
                         LSCAN_OK);
            cr_expect_eq(index, (uint64_t)i, "the refused input took no index");
        }
        cr_assert_eq(lscan_batch_finish(b), LSCAN_OK);
        lscan_batch_free(b);
        cr_assert_eq(out[t].n, 10);
        for (int i = 0; i < 10; i++)
            cr_expect_eq(out[t].r[i].index, (uint64_t)i, "input order");
    }
    for (int t = 1; t < 3; t++)
        for (int i = 0; i < 10; i++) {
            const struct rec *x = &out[0].r[i], *y = &out[t].r[i];
            cr_expect(x->decision == y->decision && x->checks == y->checks &&
                          x->consistency == y->consistency && x->sibling == y->sibling &&
                          (x->cons_score == y->cons_score ||
                           (isnan(x->cons_score) && isnan(y->cons_score))),
                      "input %d differs with %u threads", i, threads[t]);
        }
    const struct rec *r = out[0].r;
    cr_expect(r[8].checks & LSCAN_CHECK_CONSIGNMENT_OUTLIER, "A's outlier is flagged");
    for (int i = 0; i < 10; i++) {
        if (!cons[i]) {
            cr_expect(isnan(r[i].cons_score), "input %d has no consignment", i);
            continue;
        }
        cr_expect(!isnan(r[i].cons_score), "input %d was compared", i);
        cr_expect(cons[r[i].sibling] && !strcmp(cons[r[i].sibling], cons[i]),
                  "input %d's sibling %llu is of its consignment", i,
                  (unsigned long long)r[i].sibling);
        if (cons[i][0] == 'A' && i != 8)
            cr_expect_eq(r[i].sibling, 8u, "A's scans differ most from the outlier");
    }
    for (int i = 0; i < 4; i++)
        lscan_image_free(c.img[i]);
    lscan_image_free(empty);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* ---- model files ---------------------------------------------------------------------------- */

static void fix_checksum(char *text, size_t *len)
{
    char *c = strstr(text, "checksum ");
    cr_assert_not_null(c);
    uint64_t h = lscan__fnv1a(LSCAN__FNV_OFFSET, text, (size_t)(c - text));
    snprintf(c, 27, "checksum %016llx\n", (unsigned long long)h);
    *len = (size_t)(c - text) + 26;
}

static int parse_edited(lscan_ctx *ctx, const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    cr_assert_not_null(p, "'%s' not in the model text", from);
    char *e = malloc(strlen(text) + strlen(to) + 64);
    size_t pre = (size_t)(p - text);
    memcpy(e, text, pre);
    strcpy(e + pre, to);
    strcat(e, p + strlen(from));
    size_t len = strlen(e);
    fix_checksum(e, &len);
    lscan_model *m = NULL;
    int rc = lscan_model_parse(ctx, e, len, &m);
    lscan_model_free(m);
    free(e);
    return rc;
}

Test(declared, model_file_sections_round_trip_and_refuse_corruption, .timeout = 300)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = model_with_constructed_decl(ctx);
    char *t1, *t2;
    size_t l1, l2;
    cr_assert_eq(lscan__model_text(ctx, m, &t1, &l1), LSCAN_OK);
    lscan_model *r;
    cr_assert_eq(lscan_model_parse(ctx, t1, l1, &r), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    cr_assert_eq(lscan__model_text(ctx, r, &t2, &l2), LSCAN_OK);
    cr_expect_eq(l1, l2);
    cr_expect(memcmp(t1, t2, l1) == 0, "write -> read -> write differs");
    cr_expect_eq(lscan_model_checks_declarations(r), 1);
    cr_expect_eq(lscan_model_group_count(r), 2u);
    cr_expect_str_eq(lscan_model_group_name(r, 1), "cartons_goods");
    cr_expect_str_eq(lscan_model_hs_chapter(r, 39), "bulk_goods|cartons_goods");
    cr_expect_null(lscan_model_hs_chapter(r, 40));
    cr_expect(strstr(t1, "hs-chapter 10 bulk_goods\n") != NULL);
    lscan_model_free(r);
    /* Each section's lines are checked. */
    struct {
        const char *from, *to;
        int rc;
    } bad[] = {
        {"declarations 1", "declarations 2", LSCAN_ERR_MODEL_SYNTAX},
        {"hs-chapter 10 bulk_goods", "hs-chapter 10 no_such_group", LSCAN_ERR_MODEL_VALUE},
        {"hs-chapter 10 bulk_goods", "hs-chapter 40 bulk_goods", LSCAN_ERR_MODEL_VALUE},
        {"hs-chapter 39 bulk_goods|cartons_goods", "hs-chapter 39 bulk_goods|bulk_goods",
         LSCAN_ERR_MODEL_VALUE},
        {"commodity grain bulk_goods\ncommodity sugar_cartons",
         "commodity sugar_cartons bulk_goods\ncommodity grain", LSCAN_ERR_MODEL_VALUE},
        {"commodity-group cartons_goods", "commodity-group Cartons", LSCAN_ERR_MODEL_SYNTAX},
        {"commodity-group cartons_goods", "commodity-group empty", LSCAN_ERR_MODEL_VALUE},
        {"commodity-groups 2", "commodity-groups 65", LSCAN_ERR_MODEL_VALUE},
        {"commodity-schema ", "commodity-schema 1", LSCAN_ERR_MODEL_SCHEMA},
        {"empty-feature loaded_frac", "empty-feature fill", LSCAN_ERR_MODEL_SCHEMA},
        {"consignment-feature fill", "consignment-feature fil", LSCAN_ERR_MODEL_SCHEMA},
        {"mismatch-threshold 0.5", "mismatch-threshold 1.5", LSCAN_ERR_MODEL_VALUE},
        {"consignment-commodity-weight 0", "consignment-commodity-weight -1",
         LSCAN_ERR_MODEL_VALUE},
        {"mismatch-threshold 0.5\n", "", LSCAN_ERR_MODEL_SYNTAX},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = parse_edited(ctx, t1, bad[i].from, bad[i].to);
        cr_expect_eq(rc, bad[i].rc, "'%s' -> '%s': %d (%s)", bad[i].from, bad[i].to, rc,
                     lscan_ctx_error_message(ctx));
        cr_expect(strstr(lscan_ctx_error_message(ctx), "model line") != NULL);
    }
    /* A model that checks no declarations says so in one line, and reads back. */
    free(t2);
    lscan__decl_model_free(m->decl);
    m->decl = NULL;
    cr_assert_eq(lscan__model_text(ctx, m, &t2, &l2), LSCAN_OK);
    cr_expect(strstr(t2, "\ndeclarations 0\nchecksum ") != NULL);
    cr_assert_eq(lscan_model_parse(ctx, t2, l2, &r), LSCAN_OK);
    cr_expect_eq(lscan_model_checks_declarations(r), 0);
    cr_expect_eq(lscan_model_group_count(r), 0u);
    lscan_model_free(r);
    free(t1);
    free(t2);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* ---- training ------------------------------------------------------------------------------- */

static double gauss(uint64_t *s)
{
    double u = ((double)(tu_rand(s) >> 11) + 0.5) / 9007199254740992.0,
           v = (double)(tu_rand(s) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* A training set built without images: three commodities in three groups told apart by their
 * fill and texture, empty containers, packages in empty ones, and anomalies hosted in loads. */
enum { NT = 600 };
struct fake {
    lscan__decl_sample s[NT];
    const lscan__decl_sample *sp[NT];
    uint32_t split[NT];
    int cls[NT];
    double diff[NT], score[NT];
    uint64_t key[NT];
};

static void fake_set(struct fake *f)
{
    static const char *comm[3] = {"wheat", "sugar_bags", "engines"};
    static const char *grp[3] = {"bulk", "sacks", "machinery"};
    static const int hs[3] = {10, 17, 84};
    uint64_t st = 12345;
    memset(f, 0, sizeof *f);
    for (int i = 0; i < NT; i++) {
        lscan__decl_sample *s = &f->s[i];
        f->sp[i] = s;
        f->split[i] = (i / 10) % 3 == 2 ? LSCAN_SPLIT_VALIDATION : LSCAN_SPLIT_TRAIN;
        f->key[i] = (uint64_t)i;
        f->diff[i] = 0.3;
        int kind = i % 10; /* 0 empty, 1 load in empty, 2..9 loads */
        int g = i % 3;
        s->hs_chapter = -1;
        f->cls[i] = kind == 0   ? LSCAN_CLASS_EMPTY
                    : kind == 1 ? LSCAN_CLASS_LOAD_IN_EMPTY
                    : kind == 9 ? LSCAN_CLASS_ANOMALOUS_MASS
                                : LSCAN_CLASS_HOMOGENEOUS;
        f->score[i] = LSCAN_CLASS_IS_INSPECT(f->cls[i]) ? 0.6 + 0.4 * (tu_rand(&st) % 1000) / 1000.0
                                                        : 0.5 * (tu_rand(&st) % 1000) / 1000.0;
        for (int k = 0; k < LSCAN__LOAD_DESC; k++)
            s->desc[k] = (float)gauss(&st);
        s->empty_in[LSCAN__IMAGE_FEATURES + LSCAN__LD_EXCESS_AREA] =
            (float)(kind == 0 ? 0.5 * fabs(gauss(&st)) : 6 + gauss(&st));
        if (kind <= 1) {
            strcpy(s->commodity, "empty");
            continue;
        }
        strcpy(s->commodity, comm[g]);
        strcpy(s->group, grp[g]);
        s->hs_chapter = hs[g];
        s->desc[LSCAN__LD_FILL] = (float)(0.2 + 0.3 * g + 0.05 * gauss(&st));
        s->desc[LSCAN__LD_TEX_H + 2] = (float)(g == 2 ? 2 + 0.3 * gauss(&st) : gauss(&st) * 0.3);
    }
}

Test(declared, training_learns_groups_tables_and_operating_points, .timeout = 300)
{
    lscan_ctx *ctx = lscan_ctx_new();
    struct fake *f = malloc(sizeof *f);
    fake_set(f);
    const lscan__decl_train_set ts = {.n = NT,
                                      .s = f->sp,
                                      .split = f->split,
                                      .cls = f->cls,
                                      .difficulty = f->diff,
                                      .score = f->score,
                                      .key = f->key};
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.min_group_inspect = 5;
    char *text[2];
    size_t len[2];
    for (int run = 0; run < 2; run++) {
        lscan_model *m = calloc(1, sizeof *m);
        m->threshold = 0.55;
        cr_assert_eq(lscan__decl_fit(ctx, &o, m, &ts), LSCAN_OK, "%s",
                     lscan_ctx_error_message(ctx));
        const lscan__decl_model *d = m->decl;
        cr_assert_not_null(d);
        cr_assert_eq(d->groups, 3u, "%u groups: %s %s", d->groups, d->group ? d->group[0] : "",
                     d->group ? d->group[1] : "");
        cr_expect_str_eq(d->group[0], "bulk");
        cr_expect_str_eq(d->group[2], "sacks");
        cr_expect_eq(d->commodities, 3u);
        cr_expect_str_eq(d->commodity[0], "engines");
        cr_expect_eq(d->commodity_group[0], 1u, "engines are machinery");
        cr_expect_eq(d->hs[10], 1ull);
        cr_expect_eq(d->hs[84], 2ull);
        cr_expect_eq(d->hs[11], 0ull);
        /* The loads are recognised; at most the stated share of true declarations is a
         * mismatch on the validation scans. */
        size_t right = 0, loads = 0, mism = 0, vloads = 0;
        for (int i = 0; i < NT; i++) {
            if (!strcmp(f->s[i].commodity, "empty")) continue;
            double p[LSCAN__MAX_GROUPS];
            lscan__commodity_probs(d, f->s[i].desc, p);
            int g = !strcmp(f->s[i].group, "bulk")        ? 0
                    : !strcmp(f->s[i].group, "machinery") ? 1
                                                          : 2;
            int best = 0;
            for (int k = 1; k < 3; k++)
                if (p[k] > p[best]) best = k;
            right += best == g;
            loads++;
            if (f->split[i] == LSCAN_SPLIT_VALIDATION) {
                vloads++;
                mism += p[g] < d->mismatch_thr;
            }
        }
        cr_expect_gt((double)right / loads, 0.95, "%zu of %zu recognised", right, loads);
        cr_expect_leq((double)mism, o.mismatch_false_rate * vloads + 1e-9);
        /* The empty check separates empty containers from packages in them. */
        cr_expect_gt(d->empty_loaded_thr, 0.0);
        cr_expect_leq(d->empty_loaded_thr, 1.0);
        cr_expect(d->cons_thr > 0);
        /* Operating points: a group's threshold flags its INSPECT validation scans. */
        for (uint32_t g = 0; g < 3; g++)
            cr_expect(d->group_thr[g] >= 0.0 && d->group_thr[g] <= 1.0);
        for (int k = 0; k < LSCAN__INFO_COUNT; k++)
            m->info[k] = strdup("x");
        for (int e = 0; e < LSCAN__EXPERTS; e++) {
            lscan__linear_alloc(&m->tile[e], lscan_feature_count(LSCAN_FEATURES_TILE));
            lscan__linear_alloc(&m->image[e], lscan__model_feature_count());
            for (int g = 0; g < LSCAN__REGIONS; g++)
                m->region_scale[e][g] = 1;
        }
        m->info[LSCAN__INFO_TARGET] = (free(m->info[LSCAN__INFO_TARGET]), strdup("0.99"));
        cr_assert_eq(lscan__model_text(ctx, m, &text[run], &len[run]), LSCAN_OK);
        lscan_model_free(m);
    }
    cr_expect_eq(len[0], len[1]);
    cr_expect(memcmp(text[0], text[1], len[0]) == 0, "training is deterministic");
    /* Labels that contradict each other are refused. */
    strcpy(f->s[2].group, "bulk");
    strcpy(f->s[2].commodity, "engines");
    f->split[2] = LSCAN_SPLIT_TRAIN;
    lscan_model *m = calloc(1, sizeof *m);
    cr_expect_eq(lscan__decl_fit(ctx, &o, m, &ts), LSCAN_ERR_TRAINING);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "engines") != NULL, "%s",
              lscan_ctx_error_message(ctx));
    lscan_model_free(m);
    free(text[0]);
    free(text[1]);
    free(f);
    lscan_ctx_free(ctx);
}
