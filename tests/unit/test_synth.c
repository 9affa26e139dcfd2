/* test_synth.c — the synthetic generator: determinism, physics, masks, labels, parameters,
 * CLI-facing files. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "synth/build.h"
#include "synth/synth.h"
#include "testutil.h"

static lscan_ctx *ctx_new(void)
{
    lscan_ctx *ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
    return ctx;
}

static uint64_t fnv1a(const uint16_t *px, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (px[i] & 0xff)) * 0x100000001b3ull;
        h = (h ^ (px[i] >> 8)) * 0x100000001b3ull;
    }
    return h;
}

/* ---- deterministic math ------------------------------------------------ */

Test(synth, exp_and_log_match_libm_closely)
{
    for (int i = -7000; i <= 7000; i++) {
        double x = i * 0.01;
        double e = lscan__synth_exp(x), ref = exp(x);
        cr_assert(fabs(e - ref) <= 4e-16 * ref, "exp(%g) = %.17g, libm %.17g", x, e, ref);
    }
    cr_expect_eq(lscan__synth_exp(-800.0), 0.0);
    cr_expect_eq(lscan__synth_exp(0.0), 1.0);
    for (int i = 1; i <= 20000; i++) {
        double x = i * 0.00731;
        double l = lscan__synth_log(x), ref = log(x);
        cr_assert(fabs(l - ref) <= 4e-16 * (fabs(ref) > 1 ? fabs(ref) : 1), "log(%g)", x);
    }
    cr_expect_eq(lscan__synth_log(1.0), 0.0);
}

Test(synth, rng_streams_are_independent_and_reproducible)
{
    lscan__rng a, b, c;
    lscan__synth_rng_seed(&a, 7, LSCAN__STREAM_SCENE);
    lscan__synth_rng_seed(&b, 7, LSCAN__STREAM_SCENE);
    lscan__synth_rng_seed(&c, 7, LSCAN__STREAM_ANOMALY);
    int same_ac = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = lscan__synth_rng_next(&a), y = lscan__synth_rng_next(&b);
        cr_assert_eq(x, y);
        same_ac += x == lscan__synth_rng_next(&c);
    }
    cr_expect_eq(same_ac, 0);
    /* The Irwin-Hall normal: mean 0, variance 1, bounded. */
    double s1 = 0, s2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = lscan__synth_normal(&a);
        cr_assert(z > -3.47 && z < 3.47);
        s1 += z;
        s2 += z * z;
    }
    cr_expect(fabs(s1 / n) < 0.01, "mean %g", s1 / n);
    cr_expect(fabs(s2 / n - 1.0) < 0.01, "variance %g", s2 / n);
}

/* ---- parameters ---------------------------------------------------------- */

Test(synth, parameters_are_validated)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    cr_expect_eq(p.size, sizeof p);
    cr_expect_eq(p.cls, -1);
    cr_expect_float_eq(p.inspect_fraction, 0.5f, 1e-6);
    lscan_image *img = (lscan_image *)1;
    lscan_synth_truth *t = (lscan_synth_truth *)1;

    p.cls = 5; /* not a class */
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_null(img);
    cr_expect_null(t);
    lscan_synth_params_init(&p);
    p.inspect_fraction = 1.5f;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_synth_params_init(&p);
    p.inspect_fraction = NAN;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_synth_params_init(&p);
    p.difficulty_min = 0.8f, p.difficulty_max = 0.2f;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_synth_params_init(&p);
    for (int i = 0; i < LSCAN_SYNTH_INSPECT_CLASSES; i++)
        p.inspect_weight[i] = 0;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    p.inspect_fraction = 0; /* no INSPECT scans drawn: then zero weights are fine */
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_OK);
    cr_expect_eq(lscan_synth_truth_label(t), LSCAN_RELEASE);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    lscan_synth_params_init(&p);
    p.release_weight[2] = -1;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_synth_params_init(&p);
    p.container = 9;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_synth_params_init(&p);
    p.width = 70000, p.height = 100;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_TOO_LARGE);
    p.width = 10, p.height = 10;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_BAD_DIMENSIONS);
    lscan_synth_params_init(&p);
    p.size = 0;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_synth_generate(ctx, NULL, 1, NULL, NULL), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_neq(strlen(lscan_ctx_error_message(ctx)), 0u);
    lscan_synth_truth_free(NULL);
    lscan_ctx_free(ctx);
}

/* ---- determinism --------------------------------------------------------- */

struct gen_arg {
    uint64_t seed;
    uint64_t hash;
    int cls;
};

static void *gen_thread(void *arg)
{
    struct gen_arg *g = arg;
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    lscan_image *img = NULL;
    lscan_synth_truth *t = NULL;
    if (lscan_synth_generate(ctx, &p, g->seed, &img, &t) == LSCAN_OK) {
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        g->hash = fnv1a(px, (size_t)lscan_image_width(img) * lscan_image_height(img));
        g->cls = lscan_synth_truth_class(t);
    }
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    lscan_ctx_free(ctx);
    return NULL;
}

Test(synth, same_seed_same_pixels_in_any_thread)
{
    struct gen_arg serial[4], par[4];
    for (int i = 0; i < 4; i++) {
        serial[i] = (struct gen_arg){1000 + i, 0, -1};
        par[i] = serial[i];
        gen_thread(&serial[i]);
    }
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, gen_thread, &par[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        cr_expect_neq(serial[i].hash, 0u);
        cr_expect_eq(serial[i].hash, par[i].hash, "seed %d", 1000 + i);
        cr_expect_eq(serial[i].cls, par[i].cls);
    }
    cr_expect_neq(serial[0].hash, serial[1].hash);
}

/* ---- physics --------------------------------------------------------------- */

/* A scene with nothing but what the test adds: 1000 x 600 mm at 5 mm. */
static void bare_scene(lscan__scene *s)
{
    memset(s, 0, sizeof *s);
    s->width_mm = 1000;
    s->height_mm = 600;
    lscan__synth_scene_frame(s, 200, 120);
    s->scanner.i0 = 55000;
    s->scanner.quanta = 20000;
    s->scanner.floor_a = 9.5;
    s->scanner.floor_level = 55000 * exp(-9.5);
    s->scanner.floor_sigma = 2.0;
    s->scanner.gain_sigma = 0.004;
    s->scanner.module_sigma = 0.006;
    s->scanner.module_rows = 16;
    s->scanner.dose_sigma = 0.005;
    s->scanner.blur = 0.2;
    s->scanner.noise_key = 12345;
    s->scanner.gain_key = 678;
    s->cls = LSCAN_CLASS_EMPTY;
}

static lscan_image *render_scene(lscan__scene *s, uint32_t flags, lscan_synth_truth *t)
{
    lscan_ctx *ctx = ctx_new();
    lscan__render_opts o = {flags, false};
    lscan_image *img = NULL;
    cr_assert_eq(lscan__synth_render(ctx, s, &o, &img, t), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_ctx_free(ctx);
    return img;
}

Test(synth, steel_slab_attenuates_as_beer_lambert_says)
{
    lscan__scene s;
    bare_scene(&s);
    /* 100 mm of steel: mu/rho 0.0331 cm^2/g * 7.87 g/cm^3 * 10 cm. */
    lscan__synth_add_box(&s.base, lscan__synth_mu_solid(LSCAN__MAT_STEEL), 300, 200, 700, 400, 100);
    /* A 50 mm lead brick beside it. */
    lscan__synth_add_box(&s.base, lscan__synth_mu_solid(LSCAN__MAT_LEAD), 800, 200, 900, 400, 50);
    lscan_synth_truth t = {0};
    lscan_image *img = render_scene(
        &s, LSCAN_SYNTH_NO_NOISE | LSCAN_SYNTH_NO_ROW_GAIN | LSCAN_SYNTH_NO_DOSE_JITTER, &t);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    double f = s.scanner.floor_level;
    double steel = -log((px[60 * stride + 100] - f) / 55000.0);
    double lead = -log((px[60 * stride + 170] - f) / 55000.0);
    double air = px[10 * stride + 20];
    cr_expect(fabs(steel - 0.0331 * 7.87 * 10) < 0.002, "steel A = %g", steel);
    cr_expect(fabs(lead - 0.0420 * 11.35 * 5) < 0.002, "lead A = %g", lead);
    cr_expect(fabs(air - (55000 + f)) <= 0.5, "air %g", air);
    /* The blur spreads an edge over one pixel on each side, no more. */
    cr_expect_eq(px[60 * stride + 58], (uint16_t)(55000 + f + 0.5));
    cr_expect_lt(px[60 * stride + 59], px[60 * stride + 58]);
    cr_expect_gt(px[60 * stride + 60], px[60 * stride + 61]);
    lscan_image_free(img);
    free(t.mask);
    free(t.row_gain);
    lscan__synth_scene_free(&s);
}

Test(synth, air_is_within_noise_of_i0_and_gains_are_reported)
{
    lscan__scene s;
    bare_scene(&s);
    lscan_synth_truth t = {0};
    lscan_image *img = render_scene(&s, 0, &t);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    /* Row means over 200 columns: I0 * gain[y] (dose jitter averages out)
     * within 4 standard errors of the Poisson noise plus the dose spread. */
    double sigma = sqrt(55000.0 * 55000.0 / 20000.0 + 55000.0 * 55000.0 * 0.005 * 0.005);
    double tol = 4.0 * sigma / sqrt(200.0);
    int bad = 0;
    double gsum = 0;
    for (uint32_t y = 0; y < 120; y++) {
        double m = 0;
        for (uint32_t x = 0; x < 200; x++)
            m += px[y * stride + x];
        m /= 200;
        double expect = 55000.0 * t.row_gain[y] + s.scanner.floor_level;
        bad += fabs(m - expect) > tol;
        gsum += t.row_gain[y];
    }
    cr_expect_leq(bad, 1, "%d rows off by more than %g", bad, tol);
    cr_expect(fabs(gsum / 120 - 1.0) < 0.01);
    lscan_image_free(img);
    free(t.mask);
    free(t.row_gain);
    lscan__synth_scene_free(&s);
}

Test(synth, thick_steel_sits_at_the_noise_floor)
{
    lscan__scene s;
    bare_scene(&s);
    lscan__synth_add_box(&s.base, lscan__synth_mu_solid(LSCAN__MAT_STEEL), 300, 200, 700, 400, 600);
    lscan_synth_truth t = {0};
    lscan_image *img = render_scene(&s, 0, &t);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    double m = 0;
    int n = 0;
    for (uint32_t y = 45; y < 75; y++)
        for (uint32_t x = 65; x < 135; x++, n++)
            m += px[y * stride + x];
    m /= n;
    cr_expect(fabs(m - s.scanner.floor_level) < 1.0, "mean %g, floor %g", m, s.scanner.floor_level);
    lscan_image_free(img);
    free(t.mask);
    free(t.row_gain);
    lscan__synth_scene_free(&s);
}

/* ---- labels, masks ------------------------------------------------------- */

/* Pixels where two images differ, against a mask: mismatches, count, box. */
static size_t mask_mismatch(const lscan_image *a_img, const lscan_image *b_img, const uint8_t *m,
                            size_t *count, lscan_box *box)
{
    uint32_t w = lscan_image_width(a_img), h = lscan_image_height(a_img);
    cr_assert_eq(w, lscan_image_width(b_img));
    cr_assert_eq(h, lscan_image_height(b_img));
    size_t s1, s2;
    const uint16_t *a = lscan_image_pixels(a_img, 0, &s1), *b = lscan_image_pixels(b_img, 0, &s2);
    size_t n = 0, mismatch = 0;
    uint32_t x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            bool d = a[y * s1 + x] != b[y * s2 + x];
            mismatch += d != (m[(size_t)y * w + x] != 0);
            if (d) {
                n++;
                x0 = x < x0 ? x : x0, x1 = x + 1 > x1 ? x + 1 : x1;
                y0 = y < y0 ? y : y0, y1 = y + 1 > y1 ? y + 1 : y1;
            }
        }
    *count = n;
    *box = n ? (lscan_box){x0, y0, x1, y1} : (lscan_box){0, 0, 0, 0};
    return mismatch;
}

/* Renders the scan with and without its anomaly and checks that the mask is
 * exactly the pixels that differ, for the raw scan and for each export in
 * `specs` (NULL-terminated; NULL: none): the export of the scan and of the
 * anomaly-free scan must differ exactly on the exported mask. */
static void check_mask_world(uint32_t world, int cls, uint64_t seed, uint32_t flags,
                             const char *const *specs)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = world;
    p.cls = cls;
    p.flags = flags;
    lscan_image *with = NULL, *without = NULL;
    lscan_synth_truth *t = NULL, *t0 = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &with, &t), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan__render_opts o = {flags, true};
    cr_assert_eq(lscan__synth_generate_ex(ctx, &p, seed, &o, &without, &t0), LSCAN_OK);
    size_t n;
    lscan_box db, bb;
    size_t mismatch = mask_mismatch(with, without, lscan_synth_truth_mask(t), &n, &db);
    cr_expect_eq(mismatch, 0u, "world %u class %d seed %llu: %zu pixels differ from the mask",
                 world, cls, (unsigned long long)seed, mismatch);
    cr_expect_gt(n, 0u, "world %u class %d seed %llu: the anomaly changed nothing", world, cls,
                 (unsigned long long)seed);
    cr_expect_eq(lscan_synth_truth_bbox(t, &bb), 1);
    cr_expect(bb.x0 == db.x0 && bb.y0 == db.y0 && bb.x1 == db.x1 && bb.y1 == db.y1);
    /* The anomaly-free render is a clean scan of the same load. */
    lscan_box b0;
    cr_expect_eq(lscan_synth_truth_bbox(t0, &b0), 0);
    /* k = -1: the export the world drew for the scan (the truth's). */
    for (int k = -1; k < 0 || (specs && specs[k]); k++) {
        const char *spec = k < 0 ? NULL : specs[k];
        lscan_synth_export *e = NULL, *e0 = NULL;
        cr_assert_eq(lscan_synth_export_make(ctx, with, t, spec, &e), LSCAN_OK, "%s: %s",
                     spec ? spec : lscan_synth_truth_export(t), lscan_ctx_error_message(ctx));
        cr_assert_eq(lscan_synth_export_make(ctx, without, t0, spec, &e0), LSCAN_OK);
        const lscan_synth_truth *et = lscan_synth_export_truth(e);
        mismatch = mask_mismatch(lscan_synth_export_image(e), lscan_synth_export_image(e0),
                                 lscan_synth_truth_mask(et), &n, &db);
        cr_expect_eq(mismatch, 0u, "world %u class %d seed %llu export %s: %zu pixels off", world,
                     cls, (unsigned long long)seed, lscan_synth_truth_export(et), mismatch);
        int has = lscan_synth_truth_bbox(et, &bb);
        cr_expect_eq(has, n > 0);
        if (n) cr_expect(bb.x0 == db.x0 && bb.y0 == db.y0 && bb.x1 == db.x1 && bb.y1 == db.y1);
        lscan_synth_export_free(e);
        lscan_synth_export_free(e0);
    }
    lscan_image_free(with);
    lscan_image_free(without);
    lscan_synth_truth_free(t);
    lscan_synth_truth_free(t0);
    lscan_ctx_free(ctx);
}

static void check_mask_is_the_difference(int cls, uint64_t seed, uint32_t flags)
{
    check_mask_world(0, cls, seed, flags, NULL);
}

Test(synth, mask_is_exactly_the_pixels_the_anomaly_changed)
{
    for (int c = LSCAN_CLASS_DENSE_OBJECT; c <= LSCAN_CLASS_LOAD_IN_EMPTY; c++)
        for (uint64_t seed = 1; seed <= 3; seed++)
            check_mask_is_the_difference(c, seed * 7919 + c, 0);
    /* Also without noise: the difference is then purely the anomaly's. */
    check_mask_is_the_difference(LSCAN_CLASS_DENSE_OBJECT, 5, LSCAN_SYNTH_NO_NOISE);
}

/* Every world, every INSPECT class, and every export style a world uses
 * (plus the forms --export can ask for) keep the mask exact. */
Test(synth, masks_are_exact_in_every_world_and_export)
{
    static const char *const specs[] = {"png16-crop-inv-s0.5",
                                        "png8-lin",
                                        "png8-crop-lin",
                                        "png8-crop-log-inv",
                                        "jpeg-log-q90",
                                        "jpeg-lin-s0.6-q88",
                                        "jpeg-crop-gamma2.1-s0.5-q70",
                                        "jpeg-crop-log8.3-inv-s0.8-q80",
                                        NULL};
    for (uint32_t w = 1; w < lscan_synth_world_count(); w++)
        for (int c = LSCAN_CLASS_DENSE_OBJECT; c <= LSCAN_CLASS_LOAD_IN_EMPTY; c++)
            check_mask_world(w, c, 40000 + w * 101 + (uint64_t)c, 0,
                             c == LSCAN_CLASS_DENSE_OBJECT + (int)(w % 5) ? specs : NULL);
}

Test(synth, labels_agree_with_classes)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = 600; /* small frames: this test is about labels */
    p.height = 200;
    int seen[32] = {0};
    for (uint64_t seed = 0; seed < 60; seed++) {
        lscan_image *img = NULL;
        lscan_synth_truth *t = NULL;
        cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, &t), LSCAN_OK);
        int c = lscan_synth_truth_class(t);
        cr_assert_not_null(lscan_class_name(c));
        seen[c]++;
        cr_expect_eq(lscan_synth_truth_label(t),
                     LSCAN_CLASS_IS_INSPECT(c) ? LSCAN_INSPECT : LSCAN_RELEASE);
        float d = lscan_synth_truth_difficulty(t);
        cr_expect(d >= 0 && d <= 1);
        lscan_box b;
        int has = lscan_synth_truth_bbox(t, &b);
        if (!LSCAN_CLASS_IS_INSPECT(c)) {
            cr_expect_eq(has, 0);
            const uint8_t *m = lscan_synth_truth_mask(t);
            size_t ones = 0;
            for (size_t i = 0; i < 600u * 200u; i++)
                ones += m[i];
            cr_expect_eq(ones, 0u);
        }
        cr_expect_eq(lscan_image_width(img), 600u);
        cr_expect_eq(lscan_image_height(img), 200u);
        cr_expect_str_neq(lscan_synth_truth_subclass(t), "");
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
    /* The default mix draws both sides and several classes of each. */
    int rel = 0, ins = 0;
    for (int c = 0; c < 32; c++) {
        if (seen[c] && c < 16) rel++;
        if (seen[c] && c >= 16) ins++;
    }
    cr_expect_geq(rel, 4);
    cr_expect_geq(ins, 4);
    lscan_ctx_free(ctx);
}

Test(synth, impenetrable_regions_reach_the_floor_over_20_cm)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.cls = LSCAN_CLASS_IMPENETRABLE;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        p.difficulty_min = p.difficulty_max = seed == 1 ? 1.0f : 0.2f * (float)(seed - 1);
        lscan_image *img = NULL;
        lscan_synth_truth *t = NULL;
        cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, &t), LSCAN_OK);
        uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        lscan_box bb;
        cr_assert_eq(lscan_synth_truth_bbox(t, &bb), 1);
        float px_mm;
        lscan_synth_truth_pitch(t, &px_mm, NULL);
        /* "At the floor": within 4 sigma of the dark level's noise. */
        double thr = lscan_synth_truth_noise_floor(t) * 1.0 +
                     4.0 * (lscan_synth_truth_noise_floor(t) * 0.5 + 0.8) + 2;
        uint32_t side = (uint32_t)(200.0f / px_mm);
        /* Summed-area table of floor pixels inside the mask. */
        uint32_t *sat = calloc((size_t)(w + 1) * (h + 1), sizeof *sat);
        cr_assert_not_null(sat);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                /* Inside the anomaly's box (pixels already at the floor
                 * behind dense cargo are at the floor but not in the mask). */
                bool in = x >= bb.x0 && x < bb.x1 && y >= bb.y0 && y < bb.y1;
                uint32_t v = in && px[y * stride + x] <= thr;
                sat[(size_t)(y + 1) * (w + 1) + x + 1] = v + sat[(size_t)y * (w + 1) + x + 1] +
                                                         sat[(size_t)(y + 1) * (w + 1) + x] -
                                                         sat[(size_t)y * (w + 1) + x];
            }
        bool found = false;
        for (uint32_t y = 0; y + side <= h && !found; y++)
            for (uint32_t x = 0; x + side <= w && !found; x++) {
                uint32_t s = sat[(size_t)(y + side) * (w + 1) + x + side] -
                             sat[(size_t)y * (w + 1) + x + side] -
                             sat[(size_t)(y + side) * (w + 1) + x] + sat[(size_t)y * (w + 1) + x];
                found = s >= side * side * 97 / 100; /* noise may lift a few pixels */
            }
        cr_expect(found, "seed %llu: no 20x20 cm region at the floor", (unsigned long long)seed);
        free(sat);
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
    lscan_ctx_free(ctx);
}

Test(synth, container_box_and_sizes)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.cls = LSCAN_CLASS_EMPTY;
    const struct {
        uint32_t size;
        float len_mm, pitch;
    } cases[] = {{LSCAN_SYNTH_20FT, 6058, 5}, {LSCAN_SYNTH_40FT, 12192, 5}};
    for (int k = 0; k < 2; k++) {
        p.container = cases[k].size;
        lscan_image *img = NULL;
        lscan_synth_truth *t = NULL;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 77, &img, &t), LSCAN_OK);
        lscan_box c;
        lscan_synth_truth_container(t, &c);
        float pxm, pym;
        lscan_synth_truth_pitch(t, &pxm, &pym);
        cr_expect_float_eq(pym, cases[k].pitch, 0.05);
        /* The scan-speed warp stretches columns by at most a few percent. */
        double len = (c.x1 - c.x0) * pxm;
        cr_expect(fabs(len - cases[k].len_mm) < 0.05 * cases[k].len_mm, "length %g mm", len);
        double hgt = (c.y1 - c.y0) * pym;
        cr_expect(fabs(hgt - 2591) < 15 || fabs(hgt - 2896) < 15, "height %g mm", hgt);
        cr_expect_gt(c.x0, 0u);
        cr_expect_lt(c.x1, lscan_image_width(img));
        cr_expect_gt(c.y0, 0u);
        cr_expect_eq(lscan_synth_truth_container_size(t), cases[k].size);
        /* Air margins at the top are bright, the container's corner posts dark. */
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        cr_expect_gt(px[2 * stride + 5], 40000);
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
    lscan_ctx_free(ctx);
}

Test(synth, mask_png_round_trips)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.cls = LSCAN_CLASS_LOAD_IN_EMPTY;
    p.difficulty_max = 0.2f;
    lscan_image *img = NULL, *mimg = NULL;
    lscan_synth_truth *t = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 3, &img, &t), LSCAN_OK);
    const char *path = tu_path("mask.png");
    cr_assert_eq(lscan_synth_truth_save_mask(ctx, t, path), LSCAN_OK);
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &mimg), LSCAN_OK);
    size_t stride;
    const uint16_t *mp = lscan_image_pixels(mimg, 0, &stride);
    const uint8_t *m = lscan_synth_truth_mask(t);
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    size_t ones = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            cr_assert_eq(mp[y * stride + x], m[(size_t)y * w + x] ? 65535 : 0);
            ones += m[(size_t)y * w + x];
        }
    cr_expect_gt(ones, 100u);
    cr_expect_eq(lscan_synth_truth_save_mask(ctx, t, "/nonexistent-dir/m.png"), LSCAN_ERR_IO);
    lscan_image_free(img);
    lscan_image_free(mimg);
    lscan_synth_truth_free(t);
    lscan_ctx_free(ctx);
}

/* ---- clean loads ------------------------------------------------------------ */

/* A RELEASE scan must not hold a 20x20 cm region at the noise floor inside
 * the container: by DESIGN.md that would make it INSPECT. */
Test(synth, clean_loads_are_never_impenetrable)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    for (int c = LSCAN_CLASS_EMPTY; c <= LSCAN_CLASS_MACHINERY; c++)
        for (uint64_t seed = 0; seed < 6; seed++) {
            p.cls = c;
            lscan_image *img = NULL;
            lscan_synth_truth *t = NULL;
            cr_assert_eq(lscan_synth_generate(ctx, &p, 300 + seed * 11 + c, &img, &t), LSCAN_OK);
            uint32_t w = lscan_image_width(img);
            size_t stride;
            const uint16_t *px = lscan_image_pixels(img, 0, &stride);
            lscan_box cb;
            lscan_synth_truth_container(t, &cb);
            float pxm, pym;
            lscan_synth_truth_pitch(t, &pxm, &pym);
            /* Interior: inside the end walls (~80 mm + blur) and above the floor. */
            uint32_t ix0 = cb.x0 + (uint32_t)(120 / pxm), ix1 = cb.x1 - (uint32_t)(120 / pxm);
            uint32_t iy0 = cb.y0 + (uint32_t)(80 / pym), iy1 = cb.y1 - (uint32_t)(200 / pym);
            double thr = lscan_synth_truth_noise_floor(t) * 3.0 + 6.0;
            uint32_t side = (uint32_t)(200 / pxm);
            /* Columns of consecutive floor pixels, then runs of tall-enough columns. */
            uint32_t *run = calloc(w, sizeof *run);
            cr_assert_not_null(run);
            bool found = false;
            for (uint32_t y = iy0; y < iy1 && !found; y++) {
                uint32_t wide = 0;
                for (uint32_t x = ix0; x < ix1; x++) {
                    run[x] = px[y * stride + x] <= thr ? run[x] + 1 : 0;
                    wide = run[x] >= side ? wide + 1 : 0;
                    if (wide >= side) found = true;
                }
            }
            cr_expect(!found, "class %s seed %llu: a clean load reaches the floor over 20x20 cm",
                      lscan_class_name(c), (unsigned long long)(300 + seed * 11 + c));
            free(run);
            lscan_image_free(img);
            lscan_synth_truth_free(t);
        }
    lscan_ctx_free(ctx);
}

/* ---- golden hashes -------------------------------------------------------------- */

/* The pixels of fixed seeds, hashed. The generator uses no libm and no
 * platform-dependent arithmetic, so these must hold on every machine; they
 * change only when the generator itself changes (then update them, and say
 * so: datasets made with the old version are no longer reproducible). */
Test(synth, golden_hashes_of_fixed_seeds)
{
    static const struct {
        uint64_t seed;
        uint32_t container;
        uint64_t hash;
    } golden[] = {
        {1, LSCAN_SYNTH_20FT, 0xc165ac01c00f421full},
        {2, LSCAN_SYNTH_40FT, 0xc506ea33495f2cebull},
        {3, LSCAN_SYNTH_MIXED, 0x299b470d148add6bull},
    };
    lscan_ctx *ctx = ctx_new();
    for (size_t k = 0; k < sizeof golden / sizeof golden[0]; k++) {
        lscan_synth_params p;
        lscan_synth_params_init(&p);
        p.container = golden[k].container;
        lscan_image *img = NULL;
        cr_assert_eq(lscan_synth_generate(ctx, &p, golden[k].seed, &img, NULL), LSCAN_OK);
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        uint64_t h = fnv1a(px, (size_t)lscan_image_width(img) * lscan_image_height(img));
        cr_expect_eq(h, golden[k].hash, "seed %llu: hash 0x%016llx",
                     (unsigned long long)golden[k].seed, (unsigned long long)h);
        lscan_image_free(img);
    }
    lscan_ctx_free(ctx);
}

/* ---- worlds ---------------------------------------------------------------------- */

static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, name, n)) return true;
        p += k;
        if (*p == ',') p++;
    }
    return false;
}

Test(synth, worlds_are_listed_and_held_out_components_are_never_trained_on)
{
    uint32_t n = lscan_synth_world_count();
    cr_assert_geq(n, 5u);
    cr_expect_str_eq(lscan_synth_world_name(0), "classic");
    cr_expect_null(lscan_synth_world_name(n));
    cr_expect_eq(lscan_synth_world_find("classic"), 0);
    cr_expect_eq(lscan_synth_world_find("no-such-world"), -1);
    cr_expect_eq(lscan_synth_world_find(NULL), -1);
    char b[512], sc[512], ex[512];
    cr_expect_eq(lscan_synth_world_components(n, b, sc, ex, sizeof b), LSCAN_ERR_INVALID_ARGUMENT);
    /* Components used by the training and validation worlds. */
    char tb[2048] = "", ts[2048] = "", te[2048] = "";
    int held = 0;
    for (uint32_t w = 0; w < n; w++) {
        cr_assert_eq(lscan_synth_world_components(w, b, sc, ex, sizeof b), LSCAN_OK);
        cr_expect_eq(lscan_synth_world_find(lscan_synth_world_name(w)), (int)w);
        const char *pur = lscan_synth_world_purpose(w);
        cr_assert(!strcmp(pur, "train") || !strcmp(pur, "validation") || !strcmp(pur, "held-out"));
        cr_expect_gt(strlen(lscan_synth_world_description(w)), 20u);
        if (!strcmp(pur, "held-out")) {
            held++;
            continue;
        }
        snprintf(tb + strlen(tb), sizeof tb - strlen(tb), "%s,", b);
        snprintf(ts + strlen(ts), sizeof ts - strlen(ts), "%s,", sc);
        snprintf(te + strlen(te), sizeof te - strlen(te), "%s,", ex);
    }
    cr_expect_geq(held, 2);
    for (uint32_t w = 0; w < n; w++) {
        if (strcmp(lscan_synth_world_purpose(w), "held-out")) continue;
        lscan_synth_world_components(w, b, sc, ex, sizeof b);
        for (int k = 0; k < 3; k++) {
            const char *list = k == 0   ? b
                               : k == 1 ? sc
                                        : ex,
                       *train = k == 0   ? tb
                                : k == 1 ? ts
                                         : te;
            for (const char *p = list; *p;) {
                char name[64];
                size_t len = strcspn(p, ",");
                snprintf(name, sizeof name, "%.*s", (int)len, p);
                cr_expect(!in_list(train, name), "held-out world %s uses %s, also in training",
                          lscan_synth_world_name(w), name);
                p += len;
                if (*p == ',') p++;
            }
        }
    }
}

Test(synth, commodities_have_hs_chapters_and_span_the_clean_classes)
{
    uint32_t n = lscan_synth_commodity_count();
    cr_assert_geq(n, 21u); /* "empty" and at least 20 commodities */
    cr_expect_str_eq(lscan_synth_commodity_name(0), "empty");
    cr_expect_eq(lscan_synth_commodity_hs_chapter(0), 0u);
    cr_expect_null(lscan_synth_commodity_name(n));
    cr_expect_eq(lscan_synth_commodity_class(n), -1);
    int per_class[5] = {0}, with_hs = 0;
    for (uint32_t i = 0; i < n; i++) {
        int c = lscan_synth_commodity_class(i);
        cr_assert(c >= 0 && c < 5);
        per_class[c]++;
        uint32_t hs = lscan_synth_commodity_hs_chapter(i);
        cr_expect_leq(hs, 97u);
        with_hs += hs > 0;
        for (uint32_t j = 0; j < i; j++)
            cr_expect_str_neq(lscan_synth_commodity_name(i), lscan_synth_commodity_name(j));
    }
    cr_expect_geq(with_hs, 20);
    for (int c = 1; c < 5; c++)
        cr_expect_geq(per_class[c], 2, "class %d", c);
    /* Each commodity's pattern builds a load in a bare 20 ft interior. */
    for (int i = 1; i < lscan__synth_commodity_count(); i++) {
        lscan__scene sc;
        memset(&sc, 0, sizeof sc);
        sc.width_mm = 7000, sc.height_mm = 3200;
        lscan__synth_scene_frame(&sc, 1400, 640);
        sc.floor_y = 2800, sc.iy0 = 300, sc.ix0 = 500, sc.ix1 = 6400, sc.inner_width = 2352;
        sc.floor_under = sc.floor_over = 9;
        lscan__rng r;
        lscan__synth_rng_seed(&r, 77 + (uint64_t)i, LSCAN__STREAM_SCENE);
        struct area area = {520, 6380, 2800, 420, 2352};
        lscan__synth_load_commodity(&sc, &r, &area, 0.5, 28000, i);
        cr_expect_eq(sc.commodity, i);
        cr_expect_gt(sc.base.n, 0u, "%s drew nothing", lscan__synth_commodity(i)->name);
        cr_expect_gt(sc.cargo_mass_kg, 0.0, "%s", lscan__synth_commodity(i)->name);
        lscan__synth_scene_free(&sc);
    }
}

Test(synth, every_world_labels_world_components_and_commodity)
{
    lscan_ctx *ctx = ctx_new();
    for (uint32_t w = 0; w < lscan_synth_world_count(); w++) {
        char b[512], sc[512], ex[512];
        lscan_synth_world_components(w, b, sc, ex, sizeof b);
        for (uint64_t seed = 0; seed < 10; seed++) {
            lscan_synth_params p;
            lscan_synth_params_init(&p);
            p.world = w;
            p.container = LSCAN_SYNTH_20FT;
            p.cls = (int)(seed < 5 ? seed : LSCAN_CLASS_DENSE_OBJECT + seed - 5);
            lscan_image *img = NULL;
            lscan_synth_truth *t = NULL;
            cr_assert_eq(lscan_synth_generate(ctx, &p, 900 + seed, &img, &t), LSCAN_OK, "%s",
                         lscan_ctx_error_message(ctx));
            cr_expect_str_eq(lscan_synth_truth_world(t), lscan_synth_world_name(w));
            cr_expect(in_list(b, lscan_synth_truth_build(t)), "%s", lscan_synth_truth_build(t));
            cr_expect(in_list(sc, lscan_synth_truth_scanner(t)), "%s",
                      lscan_synth_truth_scanner(t));
            /* The export spec is one of the world's styles with its drawn
             * numbers (mapping parameter, -sF, -qQ). */
            char style[64] = "";
            for (const char *q = lscan_synth_truth_export(t); *q;) {
                size_t k = strcspn(q, "-");
                bool num = (q[0] == 's' || q[0] == 'q') && k > 1 && q[1] >= '0' && q[1] <= '9';
                if (!num) {
                    size_t m = k;
                    if (!strncmp(q, "log", 3) || !strncmp(q, "gamma", 5)) /* drop the parameter */
                        for (m = 0; m < k && !(q[m] >= '0' && q[m] <= '9');)
                            m++;
                    snprintf(style + strlen(style), sizeof style - strlen(style), "%s%.*s",
                             style[0] ? "-" : "", (int)m, q);
                }
                q += k;
                if (*q == '-') q++;
            }
            cr_expect(in_list(ex, style), "export %s (%s) not of %s", lscan_synth_truth_export(t),
                      style, ex);
            const char *com = lscan_synth_truth_commodity(t);
            int ci = -1;
            for (uint32_t i = 0; i < lscan_synth_commodity_count(); i++)
                if (!strcmp(lscan_synth_commodity_name(i), com)) ci = (int)i;
            cr_assert_geq(ci, 0, "unknown commodity %s", com);
            cr_expect_eq(lscan_synth_truth_hs_chapter(t),
                         lscan_synth_commodity_hs_chapter((uint32_t)ci));
            int cls = lscan_synth_truth_class(t);
            if (cls == LSCAN_CLASS_EMPTY || cls == LSCAN_CLASS_LOAD_IN_EMPTY)
                cr_expect_str_eq(com, "empty");
            else if (!LSCAN_CLASS_IS_INSPECT(cls))
                cr_expect_eq(lscan_synth_commodity_class((uint32_t)ci), cls, "%s for %s", com,
                             lscan_class_name(cls));
            else if (cls != LSCAN_CLASS_ANOMALOUS_MASS)
                cr_expect_str_neq(com, "empty");
            cr_expect_gt(lscan_synth_truth_linac_mev(t), 3.0f);
            lscan_image_free(img);
            lscan_synth_truth_free(t);
        }
    }
    /* Forcing an export records it; a 45 ft container exists outside classic only. */
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    cr_expect_eq(lscan_synth_export_parse("jpeg-crop-gamma2.2-s0.5-q75", &p), LSCAN_OK);
    cr_expect_eq(p.export_format, (uint32_t)LSCAN_SYNTH_EXPORT_JPEG);
    cr_expect_eq(lscan_synth_export_parse("jpeg-nonsense", &p), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_synth_export_parse("png16-log", &p), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_synth_export_parse("png8-q80", &p), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(p.export_quality, 75u); /* unchanged by refused specs */
    lscan_image *img = NULL;
    lscan_synth_truth *t = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 5, &img, &t), LSCAN_OK);
    cr_expect_str_eq(lscan_synth_truth_export(t), "jpeg-crop-gamma2.2-s0.5-q75");
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    p.container = LSCAN_SYNTH_45FT;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 5, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    p.world = (uint32_t)lscan_synth_world_find("vendorx");
    cr_assert_eq(lscan_synth_generate(ctx, &p, 5, &img, &t), LSCAN_OK);
    cr_expect_eq(lscan_synth_truth_container_size(t), (uint32_t)LSCAN_SYNTH_45FT);
    lscan_box c;
    lscan_synth_truth_container(t, &c);
    float pxm;
    lscan_synth_truth_pitch(t, &pxm, NULL);
    cr_expect(fabs((c.x1 - c.x0) * pxm - 13716) < 0.06 * 13716, "45 ft: %g mm",
              (c.x1 - c.x0) * pxm);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    p.world = 999;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 5, &img, &t), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_ctx_free(ctx);
}

struct world_gen {
    uint32_t world;
    uint64_t seed;
    uint64_t hash;
};

static void *world_thread(void *arg)
{
    struct world_gen *g = arg;
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = g->world;
    p.container = LSCAN_SYNTH_20FT;
    lscan_image *img = NULL;
    lscan_synth_truth *t = NULL;
    if (lscan_synth_generate(ctx, &p, g->seed, &img, &t) == LSCAN_OK) {
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        g->hash = fnv1a(px, (size_t)lscan_image_width(img) * lscan_image_height(img));
        lscan_synth_export *e = NULL;
        if (lscan_synth_export_make(ctx, img, t, NULL, &e) == LSCAN_OK) {
            const lscan_image *v = lscan_synth_export_image(e);
            const uint16_t *vp = lscan_image_pixels(v, 0, &stride);
            g->hash ^= fnv1a(vp, (size_t)lscan_image_width(v) * lscan_image_height(v)) * 31;
        }
        lscan_synth_export_free(e);
    }
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    lscan_ctx_free(ctx);
    return NULL;
}

/* Worlds are as deterministic as classic: same bytes in any thread, and
 * pinned hashes of one seed per world (scan and its export). */
Test(synth, world_scans_are_deterministic_and_pinned)
{
    static const uint64_t golden[] = {0xd371aa85328085bcull, 0x9a94191428e97af0ull,
                                      0xaa57149b7789d63cull, 0x9e39bbc687a78b94ull,
                                      0xc815615ac4c5caa2ull, 0xa142a3419a1443c3ull};
    uint32_t n = lscan_synth_world_count();
    struct world_gen ser[8], par[8];
    for (uint32_t w = 0; w < n && w < 8; w++) {
        ser[w] = (struct world_gen){w, 70000 + w, 0};
        par[w] = ser[w];
        world_thread(&ser[w]);
    }
    pthread_t th[8];
    for (uint32_t w = 0; w < n && w < 8; w++)
        cr_assert_eq(pthread_create(&th[w], NULL, world_thread, &par[w]), 0);
    for (uint32_t w = 0; w < n && w < 8; w++)
        pthread_join(th[w], NULL);
    for (uint32_t w = 0; w < n && w < 8; w++) {
        cr_expect_neq(ser[w].hash, 0u);
        cr_expect_eq(ser[w].hash, par[w].hash, "world %u", w);
        if (w < sizeof golden / sizeof golden[0] && golden[w])
            cr_expect_eq(ser[w].hash, golden[w], "world %s: hash 0x%016llx",
                         lscan_synth_world_name(w), (unsigned long long)ser[w].hash);
        else
            cr_log_info("world %s: hash 0x%016llx", lscan_synth_world_name(w),
                        (unsigned long long)ser[w].hash);
    }
}

/* A scene for the polychromatic physics tests: the gantry6-like 6 MeV
 * spectrum, no haze, afterglow or bad rows unless the test sets them. */
static void poly_scene(lscan__scene *s, double endpoint, double filter)
{
    bare_scene(s);
    s->scanner.poly = true;
    lscan__synth_spectrum_make(&s->scanner.spectrum, endpoint, filter);
    s->scanner.blur_y = s->scanner.blur;
    s->scanner.blur_passes = 1;
}

/* Beam hardening: on a steel step wedge (25..400 mm) the measured
 * attenuation is the spectrum's -ln sum_k w_k exp(-mu_k t), and it is
 * sub-linear by the amount docs/synth.md states: with the 6 MeV, 10 mm
 * filter spectrum, A(300 mm) = 0.862 x 12 A(25 mm) (and A(25 mm) = 0.842,
 * against 0.651 for the classic monochromatic 4 MeV). */
Test(synth, beam_hardening_makes_a_steel_wedge_sub_linear_by_the_stated_amount)
{
    lscan__scene s;
    poly_scene(&s, 6.0, 10.0);
    static const double t_mm[] = {25, 50, 100, 200, 300, 400};
    for (int k = 0; k < 6; k++) {
        double x0 = 100 + k * 150;
        size_t n0 = s.base.n;
        lscan__synth_add_box(&s.base, lscan__synth_mu_solid(LSCAN__MAT_STEEL), x0, 200, x0 + 100,
                             400, t_mm[k]);
        lscan__synth_prims_material(&s.base, LSCAN__MAT_STEEL);
        cr_assert_eq(s.base.n, n0 + 1);
    }
    lscan_synth_truth t = {0};
    lscan_image *img = render_scene(&s,
                                    LSCAN_SYNTH_NO_NOISE | LSCAN_SYNTH_NO_ROW_GAIN |
                                        LSCAN_SYNTH_NO_DOSE_JITTER | LSCAN_SYNTH_NO_BLUR,
                                    &t);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    double f = s.scanner.floor_level, A[6];
    for (int k = 0; k < 6; k++) {
        uint32_t x = (uint32_t)((100 + k * 150 + 50) / 5);
        A[k] = -log((px[60 * stride + x] - f) / 55000.0);
        double a[LSCAN__BASIS_COUNT] = {0};
        a[LSCAN__BASIS_IRON] = lscan__synth_mu_solid(LSCAN__MAT_STEEL) * t_mm[k];
        double expect = lscan__synth_spectrum_attenuation(&s.scanner.spectrum, a);
        /* 16-bit rounding: 0.5 count in the signal. */
        double tol = 0.6 / (55000.0 * exp(-expect)) + 3e-4;
        cr_expect(fabs(A[k] - expect) < tol, "%g mm: A %g, spectrum %g", t_mm[k], A[k], expect);
    }
    cr_expect(fabs(A[0] - 0.842) < 0.002, "A(25 mm) = %g", A[0]);
    double ratio = A[4] / (12.0 * A[0]);
    cr_expect(fabs(ratio - 0.862) < 0.003, "A(300)/(12 A(25)) = %g", ratio);
    for (int k = 1; k < 6; k++)
        cr_expect_lt(A[k] / t_mm[k], A[k - 1] / t_mm[k - 1]);
    lscan_image_free(img);
    free(t.mask);
    free(t.row_gain);
    lscan__synth_scene_free(&s);
}

/* Afterglow: behind a bright-to-dark edge along the scan the signal decays
 * as g e^(-k/tau): the first column holds g of the step, each next one
 * e^(-1/tau) of the previous. */
Test(synth, afterglow_decays_along_the_scan_with_the_stated_constant)
{
    lscan__scene s;
    poly_scene(&s, 6.0, 10.0);
    s.scanner.glow = 0.05;
    s.scanner.tau = 2.0;
    /* Impenetrable steel from x = 500 mm on: column 100 is the first dark one. */
    lscan__synth_add_box(&s.base, lscan__synth_mu_solid(LSCAN__MAT_STEEL), 500, 0, 1000, 600, 2000);
    lscan__synth_prims_material(&s.base, LSCAN__MAT_STEEL);
    lscan_synth_truth t = {0};
    lscan_image *img = render_scene(&s,
                                    LSCAN_SYNTH_NO_NOISE | LSCAN_SYNTH_NO_ROW_GAIN |
                                        LSCAN_SYNTH_NO_DOSE_JITTER | LSCAN_SYNTH_NO_BLUR,
                                    &t);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    double f = s.scanner.floor_level;
    const uint16_t *row = px + 60 * stride;
    cr_expect(fabs((row[99] - f) - 55000.0) <= 1.0, "air before the edge: %u", row[99]);
    double g0 = (row[100] - f) / 55000.0;
    cr_expect(fabs(g0 - 0.05) < 2e-5, "first dark column %g of the step", g0);
    double lam = exp(-1.0 / 2.0);
    for (int k = 1; k <= 6; k++) {
        double expect = 55000.0 * 0.05 * pow(lam, k);
        cr_expect(fabs((row[100 + k] - f) - expect) <= 0.6, "k %d: %g, expected %g", k,
                  row[100 + k] - f, expect);
    }
    /* The fitted decay constant over the first four columns. */
    double tau = 3.0 / log((row[100] - f) / (row[103] - f));
    cr_expect(fabs(tau - 2.0) < 0.02, "tau %g", tau);
    lscan_image_free(img);
    free(t.mask);
    free(t.row_gain);
    lscan__synth_scene_free(&s);
}

/* 8-bit exports map each raw value v by the stated function of the net
 * transmission s = (v - D) / I0, clamped to [e^-Amax, 1]. */
Test(synth, export_pixels_are_the_stated_function_of_the_raw_value)
{
    lscan_ctx *ctx = ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = (uint32_t)lscan_synth_world_find("harbour");
    p.container = LSCAN_SYNTH_20FT;
    p.cls = LSCAN_CLASS_MIXED;
    lscan_image *img = NULL;
    lscan_synth_truth *t = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 31, &img, &t), LSCAN_OK);
    double D = lscan_synth_truth_noise_floor(t), I0 = lscan_synth_truth_air_level(t);
    double Af = lscan_synth_truth_floor_attenuation(t);
    static const struct {
        const char *spec;
        int map;
        double param;
        bool inv;
    } cases[] = {{"png8-lin", 0, 0, false},
                 {"png8-log", 1, 0, false},
                 {"png8-log7.5-inv", 1, 7.5, true},
                 {"png8-gamma2.2", 2, 2.2, false},
                 {"png8-gamma1.6-inv", 2, 1.6, true}};
    size_t stride;
    const uint16_t *raw = lscan_image_pixels(img, 0, &stride);
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        lscan_synth_export *e = NULL;
        cr_assert_eq(lscan_synth_export_make(ctx, img, t, cases[k].spec, &e), LSCAN_OK);
        const lscan_image *v = lscan_synth_export_image(e);
        cr_assert_eq(lscan_image_width(v), w);
        cr_assert_eq(lscan_image_source_bits(v), 8u);
        size_t vs;
        const uint16_t *vp = lscan_image_pixels(v, 0, &vs);
        double amax = cases[k].map == 1 && cases[k].param > 0 ? cases[k].param : Af;
        size_t bad = 0;
        for (uint32_t y = 0; y < h; y += 3)
            for (uint32_t x = 0; x < w; x += 3) {
                double sv = (raw[y * stride + x] - D) / I0;
                double lo = exp(-amax);
                sv = sv < lo ? lo : sv > 1 ? 1 : sv;
                double m = cases[k].map == 0   ? sv
                           : cases[k].map == 1 ? 1 + log(sv) / amax
                                               : pow(sv, 1.0 / cases[k].param);
                double q = floor(255.0 * m + 0.5);
                if (cases[k].inv) q = 255 - q;
                double got = vp[y * vs + x] / 257.0;
                /* libm may round a value at a .5 boundary differently */
                bad += fabs(got - q) > (fabs(255.0 * m - floor(255.0 * m) - 0.5) < 1e-9 ? 1 : 0);
            }
        cr_expect_eq(bad, 0u, "%s: %zu pixels off the stated mapping", cases[k].spec, bad);
        lscan_synth_export_free(e);
    }
    /* Crop: the export is the container box, with no air margin. */
    lscan_synth_export *e = NULL;
    cr_assert_eq(lscan_synth_export_make(ctx, img, t, "png16-crop", &e), LSCAN_OK);
    lscan_box c;
    lscan_synth_truth_container(t, &c);
    const lscan_image *v = lscan_synth_export_image(e);
    cr_expect_eq(lscan_image_width(v), c.x1 - c.x0);
    cr_expect_eq(lscan_image_height(v), c.y1 - c.y0);
    size_t vs;
    const uint16_t *vp = lscan_image_pixels(v, 0, &vs);
    cr_expect_eq(vp[0], raw[c.y0 * stride + c.x0]);
    lscan_box ec;
    lscan_synth_truth_container(lscan_synth_export_truth(e), &ec);
    cr_expect(ec.x0 == 0 && ec.y0 == 0 && ec.x1 == c.x1 - c.x0 && ec.y1 == c.y1 - c.y0);
    cr_expect_str_eq(lscan_synth_truth_export(lscan_synth_export_truth(e)), "png16-crop");
    lscan_synth_export_free(e);
    /* A JPEG export decodes to what the file holds, and saves. */
    cr_assert_eq(lscan_synth_export_make(ctx, img, t, "jpeg-crop-log-s0.5-q85", &e), LSCAN_OK);
    cr_expect_str_eq(lscan_synth_export_extension(e), "jpg");
    const char *path = tu_path("export.jpg");
    cr_assert_eq(lscan_synth_export_save(ctx, e, path, 6), LSCAN_OK);
    lscan_image *back = NULL;
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &back), LSCAN_OK);
    v = lscan_synth_export_image(e);
    cr_expect_eq(lscan_image_width(back), lscan_image_width(v));
    size_t bs;
    const uint16_t *bp = lscan_image_pixels(back, 0, &bs);
    vp = lscan_image_pixels(v, 0, &vs);
    size_t diff = 0;
    for (uint32_t y = 0; y < lscan_image_height(v); y++)
        for (uint32_t x = 0; x < lscan_image_width(v); x++)
            diff += bp[y * bs + x] != vp[y * vs + x];
    cr_expect_eq(diff, 0u);
    lscan_image_free(back);
    lscan_synth_export_free(e);
    cr_expect_eq(lscan_synth_export_make(ctx, img, t, "tiff", &e), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    lscan_ctx_free(ctx);
}

/* Clean loads of every world stay penetrable, and impenetrable anomalies
 * reach the floor, whatever the scanner's spectrum and floor. */
Test(synth, worlds_keep_clean_loads_penetrable_and_impenetrable_ones_at_the_floor)
{
    lscan_ctx *ctx = ctx_new();
    for (uint32_t w = 1; w < lscan_synth_world_count(); w++) {
        for (int c = LSCAN_CLASS_EMPTY; c <= LSCAN_CLASS_IMPENETRABLE; c++) {
            if (c > LSCAN_CLASS_MACHINERY && c < LSCAN_CLASS_IMPENETRABLE) continue;
            for (uint64_t seed = 0; seed < 3; seed++) {
                lscan_synth_params p;
                lscan_synth_params_init(&p);
                p.world = w;
                p.cls = c;
                p.container = LSCAN_SYNTH_20FT;
                p.flags = LSCAN_SYNTH_NO_CHASSIS;
                lscan_image *img = NULL;
                lscan_synth_truth *t = NULL;
                uint64_t sd = 61000 + w * 1000 + (uint64_t)c * 10 + seed;
                cr_assert_eq(lscan_synth_generate(ctx, &p, sd, &img, &t), LSCAN_OK);
                uint32_t W = lscan_image_width(img), H = lscan_image_height(img);
                size_t stride;
                const uint16_t *px = lscan_image_pixels(img, 0, &stride);
                lscan_box cb;
                lscan_synth_truth_container(t, &cb);
                float pxm, pym;
                lscan_synth_truth_pitch(t, &pxm, &pym);
                /* Count floor pixels in 20 x 20 cm windows of the interior
                 * (dead rows excluded: they are dark everywhere). */
                /* "At the floor": within the dark level's noise plus the
                 * scatter haze, which lifts dark regions by up to ~1.5 times
                 * the dark current (about 0.5 in attenuation). */
                double fl = lscan_synth_truth_noise_floor(t);
                double dark =
                    lscan_synth_truth_air_level(t) * exp(-lscan_synth_truth_floor_attenuation(t));
                double thr = fl + 4.0 * (dark * 0.5 + 0.8) + 3 + 1.7 * dark;
                uint32_t side_x = (uint32_t)(200 / pxm), side_y = (uint32_t)(200 / pym);
                const float *gain = lscan_synth_truth_row_gain(t);
                lscan_box area = cb;
                if (c == LSCAN_CLASS_IMPENETRABLE) lscan_synth_truth_bbox(t, &area);
                uint32_t ix0 =
                    area.x0 + (c == LSCAN_CLASS_IMPENETRABLE ? 0 : (uint32_t)(150 / pxm));
                uint32_t ix1 =
                    area.x1 - (c == LSCAN_CLASS_IMPENETRABLE ? 0 : (uint32_t)(150 / pxm));
                uint32_t iy0 =
                    area.y0 + (c == LSCAN_CLASS_IMPENETRABLE ? 0 : (uint32_t)(150 / pym));
                /* 250 mm off the floor side, top or bottom (bottom-up arrays
                 * flip the image): the floor and its cross-members are dense. */
                uint32_t iy1 =
                    area.y1 - (c == LSCAN_CLASS_IMPENETRABLE ? 0 : (uint32_t)(250 / pym));
                if (c != LSCAN_CLASS_IMPENETRABLE) iy0 = area.y0 + (uint32_t)(250 / pym);
                bool found = false;
                for (uint32_t y = iy0; y + side_y <= iy1 && !found; y += side_y / 2 + 1)
                    for (uint32_t x = ix0; x + side_x <= ix1 && !found; x += side_x / 4 + 1) {
                        uint32_t at = 0, all = 0;
                        for (uint32_t yy = y; yy < y + side_y; yy++) {
                            if (gain[yy] == 0) continue;
                            for (uint32_t xx = x; xx < x + side_x; xx++, all++)
                                at += px[yy * stride + xx] <= thr;
                        }
                        found = all && at >= all * 95 / 100;
                    }
                if (c == LSCAN_CLASS_IMPENETRABLE)
                    cr_expect(found, "world %s seed %llu: no 20x20 cm at the floor",
                              lscan_synth_world_name(w), (unsigned long long)sd);
                else
                    cr_expect(!found, "world %s class %s seed %llu: a clean load at the floor",
                              lscan_synth_world_name(w), lscan_class_name(c),
                              (unsigned long long)sd);
                (void)W;
                (void)H;
                lscan_image_free(img);
                lscan_synth_truth_free(t);
            }
        }
    }
    lscan_ctx_free(ctx);
}
