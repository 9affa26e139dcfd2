/* test_calib.c — calibration and location on generated scans: I0, row gains, polarity, box, errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "features/feat.h"
#include "testutil.h"

static lscan_ctx *ctx;
static void setup(void)
{
    ctx = lscan_ctx_new();
}
static void teardown(void)
{
    lscan_ctx_free(ctx);
}
TestSuite(calib, .init = setup, .fini = teardown);

static lscan_image *generate(uint32_t size, int cls, uint32_t flags, uint64_t seed,
                             lscan_synth_truth **t)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.container = size;
    p.cls = cls;
    p.flags = flags;
    lscan_image *img = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, t), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    return img;
}

static lscan_analysis *analyze(const lscan_image *img, const lscan_analyze_options *o)
{
    lscan_analysis *a = NULL;
    int rc = lscan_analyze(ctx, img, o, &a);
    cr_assert_eq(rc, LSCAN_OK, "analyze: %s (%s)", lscan_ctx_error_message(ctx),
                 lscan_status_name(rc));
    return a;
}

/* A caller-owned copy of an image's pixels, optionally inverted, with a
 * stride wider than the width; wrapped with load polarity `pol`. */
static lscan_image *copy_wrapped(const lscan_image *src, bool invert, uint32_t pol, uint16_t **buf)
{
    size_t st;
    const uint16_t *px = lscan_image_pixels(src, 0, &st);
    uint32_t w = lscan_image_width(src), h = lscan_image_height(src);
    size_t ds = (size_t)w + 5;
    *buf = malloc(ds * h * sizeof **buf);
    cr_assert_not_null(*buf);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            (*buf)[y * ds + x] = invert ? (uint16_t)(65535 - px[y * st + x]) : px[y * st + x];
    lscan_load_options lo;
    lscan_load_options_init(&lo);
    lo.polarity = pol;
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, *buf, w, h, ds * 2, 16, &lo, &img), LSCAN_OK);
    return img;
}

Test(calib, attenuation_table_is_the_fixed_point_log)
{
    uint16_t *lut = malloc(LSCAN__LUT_SIZE * sizeof *lut);
    cr_assert_not_null(lut);
    lscan__calib_build_lut(lut);
    cr_expect_eq(lut[65535], 0);
    cr_expect_eq(lut[1], (uint16_t)lround(2048.0 * log(65535.0)));
    cr_expect_eq(lut[0], (uint16_t)lround(2048.0 * log(131070.0))); /* 0 read as 0.5 */
    cr_expect_eq(lut[32768], (uint16_t)lround(2048.0 * log(65535.0 / 32768.0)));
    for (uint32_t v = 1; v < 65536; v++)
        cr_assert_leq(lut[v], lut[v - 1]);
    cr_expect_eq(lut[65536], 0); /* gather padding */
    free(lut);
}

Test(calib, recovers_air_level_and_row_gains_of_generated_scans)
{
    const uint32_t sizes[3] = {LSCAN_SYNTH_20FT, LSCAN_SYNTH_40FT, LSCAN_SYNTH_HIRES};
    for (int i = 0; i < 6; i++) {
        lscan_synth_truth *t = NULL;
        lscan_image *img = generate(sizes[i % 3], -1, 0, 100 + (uint64_t)i, &t);
        lscan_analysis *a = analyze(img, NULL);
        lscan_calibration c = {.size = sizeof c};
        lscan_analysis_calibration(a, &c);
        cr_expect(c.flags & LSCAN_CALIB_ROW_GAIN, "seed %d: no row gain", i);
        cr_expect_eq(c.polarity, LSCAN_POLARITY_TRANSMISSION);
        uint32_t n;
        const float *g = lscan_analysis_row_gains(a, &n);
        const float *tg = lscan_synth_truth_row_gain(t);
        const float i0 = lscan_synth_truth_air_level(t);
        /* I0 is the median row's level: within 1% of the truth (gains
         * scatter about 1 by ~1%). */
        cr_expect_lt(fabsf(c.air_level / i0 - 1.0f), 0.01f, "seed %d: I0 %g vs %g", i, c.air_level,
                     i0);
        /* Row by row over the container: I0*gain within 0.5% for 97% of
         * rows and 2% for all (rows whose margins hold a trailer end keep
         * gain 1). */
        lscan_box tb;
        lscan_synth_truth_container(t, &tb);
        uint32_t rows = 0, close = 0;
        for (uint32_t y = tb.y0; y < tb.y1; y++) {
            double e = fabs((double)c.air_level * g[y] / ((double)i0 * tg[y]) - 1.0);
            cr_expect_lt(e, 0.02, "seed %d row %u: %g", i, y, e);
            close += e < 0.005;
            rows++;
        }
        cr_expect_geq(close, rows * 97 / 100, "seed %d: %u of %u rows within 0.5%%", i, close,
                      rows);
        lscan_analysis_free(a);
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
}

Test(calib, locates_generated_containers_of_every_size_within_a_few_pixels)
{
    const uint32_t sizes[3] = {LSCAN_SYNTH_20FT, LSCAN_SYNTH_40FT, LSCAN_SYNTH_HIRES};
    const uint32_t flags[2] = {LSCAN_SYNTH_ALWAYS_CHASSIS, LSCAN_SYNTH_NO_CHASSIS};
    for (int i = 0; i < 12; i++) {
        lscan_synth_truth *t = NULL;
        lscan_image *img = generate(sizes[i % 3], -1, flags[(i / 3) % 2], 200 + (uint64_t)i, &t);
        lscan_analysis *a = analyze(img, NULL);
        lscan_box b, tb;
        lscan_analysis_container(a, &b);
        lscan_synth_truth_container(t, &tb);
        int d[4] = {(int)b.x0 - (int)tb.x0, (int)b.y0 - (int)tb.y0, (int)b.x1 - (int)tb.x1,
                    (int)b.y1 - (int)tb.y1};
        for (int k = 0; k < 4; k++)
            cr_expect_leq(abs(d[k]), 3, "seed %d size %u: box %u %u %u %u, truth %u %u %u %u", i,
                          sizes[i % 3], b.x0, b.y0, b.x1, b.y1, tb.x0, tb.y0, tb.x1, tb.y1);
        /* The pitch estimate from the height (2.591 m, or 2.896 m for a
         * high-cube box recognised by its aspect). */
        lscan_calibration c = {.size = sizeof c};
        lscan_analysis_calibration(a, &c);
        float px, py;
        lscan_synth_truth_pitch(t, &px, &py);
        cr_expect(c.flags & LSCAN_CALIB_PITCH_ESTIMATED);
        cr_expect(fabsf(c.pitch_mm / py - 1.0f) < 0.02f, "seed %d: pitch %g vs %g (flags %x)", i,
                  c.pitch_mm, py, c.flags);
        lscan_analysis_free(a);
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
}

/* A 45 ft high cube at 5 mm pitch (2743 x 579 px) in a scan of air: walls,
 * top and bottom side rails, corner posts and castings at the ends, a load,
 * and (castings_40ft) the second set of castings 762-940 mm in from each
 * end that 45 ft containers carry. */
static uint16_t *box_scene(bool castings_40ft, uint32_t *w, uint32_t *h)
{
    *w = 3000;
    *h = 800;
    const uint32_t x0 = 120, y0 = 110, bw = 2743, bh = 579;
    uint16_t *px = malloc((size_t)*w * *h * sizeof *px);
    cr_assert_not_null(px);
    uint64_t rs = 45;
    for (uint32_t y = 0; y < *h; y++)
        for (uint32_t x = 0; x < *w; x++) {
            double a = 0;
            if (x >= x0 && x < x0 + bw && y >= y0 && y < y0 + bh) {
                uint32_t i = x - x0, j = y - y0, e = i < bw - 1 - i ? i : bw - 1 - i;
                a = 0.35;                                        /* side walls */
                if (j < 24 || j >= bh - 32) a = 0.8;             /* side rails */
                if (e < 30) a = 1.5;                             /* corner posts */
                if (e < 36 && (j < 24 || j >= bh - 24)) a = 3.0; /* end castings */
                if (castings_40ft && e >= 152 && e < 188 && (j < 24 || j >= bh - 24)) a = 3.0;
                if (i > 600 && i < 2100 && j > 200 && j < bh - 40) a += 1.2; /* a load */
            }
            double noise = 1.0 + 0.01 * ((double)(tu_rand(&rs) % 2001) / 1000.0 - 1.0);
            px[(size_t)y * *w + x] = (uint16_t)(60000.0 * exp(-a) * noise);
        }
    return px;
}

Test(calib, a_45ft_high_cube_is_located_as_a_45ft_box)
{
    for (int castings = 0; castings < 2; castings++) {
        uint32_t w, h;
        uint16_t *px = box_scene(castings, &w, &h);
        lscan_image *img = NULL;
        cr_assert_eq(lscan_image_wrap(ctx, px, w, h, (size_t)w * 2, 16, NULL, &img), LSCAN_OK);
        lscan_analysis *a = analyze(img, NULL);
        lscan_calibration c = {.size = sizeof c};
        lscan_analysis_calibration(a, &c);
        lscan_box b;
        lscan_analysis_container(a, &b);
        double length_m = (b.x1 - b.x0) * c.pitch_mm / 1000.0;
        if (castings) {
            /* 2896 mm / 579 px: 5.0 mm, the box 13.7 m long. */
            cr_expect(c.flags & LSCAN_CALIB_45FT, "45 ft not recognised (flags %x)", c.flags);
            cr_expect(c.flags & LSCAN_CALIB_HIGH_CUBE);
            cr_expect(fabs(c.pitch_mm / 5.0 - 1.0) < 0.02, "pitch %g mm", c.pitch_mm);
            cr_expect(fabs(length_m - 13.716) < 0.25, "length %g m", length_m);
        } else {
            /* The same box without them is what it looks like: a 40 ft standard. */
            cr_expect(!(c.flags & (LSCAN_CALIB_45FT | LSCAN_CALIB_HIGH_CUBE)), "flags %x", c.flags);
            cr_expect(fabs(c.pitch_mm / (2591.0 / 579.0) - 1.0) < 0.02, "pitch %g mm", c.pitch_mm);
        }
        lscan_analysis_free(a);
        lscan_image_free(img);
        free(px);
    }
}

/* Generated 40 ft scans (standard and high cube, with loads and chassis)
 * are never taken for 45 ft boxes. */
Test(calib, forty_foot_scans_are_not_taken_for_45ft)
{
    for (int i = 0; i < 16; i++) {
        lscan_synth_truth *t = NULL;
        lscan_image *img = generate(LSCAN_SYNTH_40FT, -1, 0, 4500 + (uint64_t)i, &t);
        lscan_analysis *a = analyze(img, NULL);
        lscan_calibration c = {.size = sizeof c};
        lscan_analysis_calibration(a, &c);
        cr_expect(!(c.flags & LSCAN_CALIB_45FT), "seed %d: a 40 ft scan read as 45 ft", 4500 + i);
        lscan_analysis_free(a);
        lscan_image_free(img);
        lscan_synth_truth_free(t);
    }
}

Test(calib, detects_an_inverted_scan_and_gives_the_same_features)
{
    lscan_synth_truth *t = NULL;
    lscan_image *img = generate(LSCAN_SYNTH_20FT, LSCAN_CLASS_DENSE_OBJECT, 0, 77, &t);
    uint16_t *b1, *b2;
    lscan_image *plain = copy_wrapped(img, false, LSCAN_POLARITY_AUTO, &b1);
    lscan_image *inv = copy_wrapped(img, true, LSCAN_POLARITY_AUTO, &b2);
    lscan_analysis *a = analyze(plain, NULL), *ai = analyze(inv, NULL);
    lscan_calibration c = {.size = sizeof c}, ci = {.size = sizeof ci};
    lscan_analysis_calibration(a, &c);
    lscan_analysis_calibration(ai, &ci);
    cr_expect_eq(c.polarity, LSCAN_POLARITY_TRANSMISSION);
    cr_expect_eq(ci.polarity, LSCAN_POLARITY_ATTENUATION);
    cr_expect(ci.flags & LSCAN_CALIB_POLARITY_DETECTED);
    /* The inversion is undone inside the table lookup: the same bits. */
    cr_expect_eq(c.air_level, ci.air_level);
    lscan_box bx, bi;
    lscan_analysis_container(a, &bx);
    lscan_analysis_container(ai, &bi);
    cr_expect_eq(memcmp(&bx, &bi, sizeof bx), 0);
    cr_expect_eq(memcmp(lscan_analysis_image_features(a), lscan_analysis_image_features(ai),
                        LSCAN__IMAGE_FEATURES * sizeof(float)),
                 0);
    /* Saying so gives the same; saying the opposite is obeyed: no bright
     * air anywhere, so it is read as a cropped export. */
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    o.polarity = LSCAN_POLARITY_ATTENUATION;
    lscan_analysis *ag = analyze(inv, &o);
    lscan_calibration cg = {.size = sizeof cg};
    lscan_analysis_calibration(ag, &cg);
    cr_expect_eq(cg.polarity, LSCAN_POLARITY_ATTENUATION);
    cr_expect_not(cg.flags & LSCAN_CALIB_POLARITY_DETECTED);
    cr_expect_eq(memcmp(lscan_analysis_image_features(a), lscan_analysis_image_features(ag),
                        LSCAN__IMAGE_FEATURES * sizeof(float)),
                 0);
    o.polarity = LSCAN_POLARITY_TRANSMISSION;
    lscan_analysis *wrong = analyze(inv, &o);
    lscan_calibration cw = {.size = sizeof cw};
    lscan_analysis_calibration(wrong, &cw);
    cr_expect_eq(cw.polarity, LSCAN_POLARITY_TRANSMISSION);
    cr_expect(cw.flags & LSCAN_CALIB_NO_AIR_MARGIN);
    lscan_analysis_free(wrong);
    lscan_analysis_free(a);
    lscan_analysis_free(ai);
    lscan_analysis_free(ag);
    lscan_image_free(plain);
    lscan_image_free(inv);
    free(b1);
    free(b2);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
}

Test(calib, caller_air_level_and_pitch_are_used)
{
    lscan_image *img = generate(LSCAN_SYNTH_20FT, LSCAN_CLASS_HOMOGENEOUS, 0, 5, NULL);
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    o.air_level = 50000;
    o.pitch_mm = 5.0f;
    lscan_analysis *a = analyze(img, &o);
    lscan_calibration c = {.size = sizeof c};
    lscan_analysis_calibration(a, &c);
    cr_expect_eq(c.air_level, 50000.0f);
    cr_expect_eq(c.pitch_mm, 5.0f);
    cr_expect(c.flags & LSCAN_CALIB_GIVEN_I0);
    cr_expect_not(c.flags & LSCAN_CALIB_PITCH_ESTIMATED);
    cr_expect_eq(lscan_analysis_tile_px(a), 32u); /* 150 mm / 5 mm = 30 -> 32 */
    lscan_analysis_free(a);
    lscan_image_free(img);
    cr_expect_eq(lscan__tile_px(3.0f), 48u);
    cr_expect_eq(lscan__tile_px(0.1f), 256u);
    cr_expect_eq(lscan__tile_px(100.0f), 8u);
}

Test(calib, cropped_export_uses_the_whole_image_and_the_brightest_open_space)
{
    lscan_synth_truth *t = NULL;
    lscan_image *img = generate(LSCAN_SYNTH_20FT, LSCAN_CLASS_HOMOGENEOUS, 0, 9, &t);
    lscan_box tb;
    lscan_synth_truth_container(t, &tb);
    size_t st;
    const uint16_t *px = lscan_image_pixels(img, 0, &st);
    /* Borrow the container's rectangle: stride of the full image. */
    lscan_image *crop = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, px + tb.y0 * st + tb.x0, tb.x1 - tb.x0, tb.y1 - tb.y0,
                                  st * 2, 16, NULL, &crop),
                 LSCAN_OK);
    lscan_analysis *a = analyze(crop, NULL);
    lscan_calibration c = {.size = sizeof c};
    lscan_analysis_calibration(a, &c);
    cr_expect(c.flags & LSCAN_CALIB_NO_AIR_MARGIN);
    cr_expect_eq(c.polarity, LSCAN_POLARITY_TRANSMISSION);
    lscan_box b;
    lscan_analysis_container(a, &b);
    cr_expect(b.x0 == 0 && b.y0 == 0 && b.x1 == tb.x1 - tb.x0 && b.y1 == tb.y1 - tb.y0);
    float pxm, pym;
    lscan_synth_truth_pitch(t, &pxm, &pym);
    cr_expect(fabsf(c.pitch_mm / pym - 1.0f) < 0.02f, "pitch %g vs %g", c.pitch_mm, pym);
    /* The brightest open space is below the true air (side walls). */
    cr_expect(c.air_level < lscan_synth_truth_air_level(t) &&
              c.air_level > 0.7f * lscan_synth_truth_air_level(t));
    lscan_analysis_free(a);
    lscan_image_free(crop);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
}

Test(calib, eight_bit_export_is_judged_against_its_own_floor)
{
    lscan_synth_truth *t = NULL;
    lscan_image *img = generate(LSCAN_SYNTH_20FT, LSCAN_CLASS_IMPENETRABLE, 0, 21, &t);
    size_t st;
    const uint16_t *px = lscan_image_pixels(img, 0, &st);
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    uint8_t *p8 = malloc((size_t)w * h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            p8[y * w + x] = (uint8_t)(px[y * st + x] >> 8);
    lscan_image *img8 = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, p8, w, h, w, 8, NULL, &img8), LSCAN_OK);
    lscan_analysis *a16 = analyze(img, NULL), *a8 = analyze(img8, NULL);
    lscan_box b16, b8;
    lscan_analysis_container(a16, &b16);
    lscan_analysis_container(a8, &b8);
    cr_expect_leq(abs((int)b16.x0 - (int)b8.x0) + abs((int)b16.x1 - (int)b8.x1), 6);
    cr_expect_leq(abs((int)b16.y0 - (int)b8.y0) + abs((int)b16.y1 - (int)b8.y1), 6);
    /* The impenetrable region sits at the 8-bit floor (codes 0..1): it
     * must still count as floor there although A only reaches ~5.5. */
    float f16 = lscan_analysis_image_features(a16)[16], f8 = lscan_analysis_image_features(a8)[16];
    cr_expect_gt(f16, 0.0005f);
    cr_expect_gt(f8, 0.5f * f16, "8-bit floor fraction %g vs 16-bit %g", f8, f16);
    lscan_analysis_free(a16);
    lscan_analysis_free(a8);
    lscan_image_free(img8);
    free(p8);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
}

Test(calib, impenetrable_region_is_at_the_noise_floor)
{
    lscan_synth_truth *t = NULL;
    lscan_image *img = generate(LSCAN_SYNTH_20FT, LSCAN_CLASS_IMPENETRABLE, 0, 33, &t);
    struct lscan__feat_scratch *s = lscan__feat_scratch(ctx);
    cr_assert_not_null(s);
    cr_assert_eq(
        lscan__scratch_reserve(ctx, s, lscan_image_width(img), lscan_image_height(img), 0, 0),
        LSCAN_OK);
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    lscan__calib c;
    cr_assert_eq(lscan__calibrate(ctx, img, &o, s, &c), LSCAN_OK);
    /* The floor's level: a few counts, below where real signal ends. */
    float nf_true = lscan_synth_truth_noise_floor(t), i0 = lscan_synth_truth_air_level(t);
    cr_expect_lt(c.noise_floor, i0 * expf(-7.0f));
    cr_expect_lt(c.floor_thr, (uint16_t)(2048.0f * lscan_synth_truth_floor_attenuation(t)));
    /* Most of the region the generator made impenetrable counts as floor
     * (its blurred rim does not). */
    const uint8_t *m = lscan_synth_truth_mask(t);
    size_t st;
    const uint16_t *px = lscan_image_pixels(img, 0, &st);
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    uint64_t in = 0, at = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            if (m[(size_t)y * w + x]) {
                int32_t a = (int32_t)s->lut[px[y * st + x]] + c.row_off[y];
                in++;
                at += a >= c.floor_thr;
            }
    cr_assert_gt(in, 0u);
    cr_expect_gt((double)at / (double)in, 0.7,
                 "%llu of %llu mask pixels at the floor (floor %g, true %g)",
                 (unsigned long long)at, (unsigned long long)in, c.noise_floor, nf_true);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
}

static int analyze_pixels(const uint16_t *px, uint32_t w, uint32_t h)
{
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, px, w, h, (size_t)w * 2, 16, NULL, &img), LSCAN_OK);
    lscan_analysis *a = (lscan_analysis *)1;
    int rc = lscan_analyze(ctx, img, NULL, &a);
    if (rc) cr_expect_null(a);
    lscan_analysis_free(rc ? NULL : a);
    lscan_image_free(img);
    return rc;
}

Test(calib, overexposed_blank_and_empty_scans_are_refused_with_their_reason)
{
    const uint32_t w = 600, h = 300;
    uint16_t *px = malloc((size_t)w * h * 2);
    uint64_t st = 5;
    for (size_t i = 0; i < (size_t)w * h; i++)
        px[i] = 65535;
    cr_expect_eq(analyze_pixels(px, w, h), LSCAN_ERR_OVEREXPOSED);
    cr_expect_neq(strstr(lscan_ctx_error_message(ctx), "saturated"), NULL);
    /* 70% clipped, a container-ish dark band in the rest: still saturated. */
    for (size_t i = 0; i < (size_t)w * h; i++)
        px[i] = i < (size_t)w * h * 3 / 10 ? 20000 : 65535;
    cr_expect_eq(analyze_pixels(px, w, h), LSCAN_ERR_OVEREXPOSED);
    memset(px, 0, (size_t)w * h * 2);
    cr_expect_eq(analyze_pixels(px, w, h), LSCAN_ERR_BLANK);
    for (size_t i = 0; i < (size_t)w * h; i++)
        px[i] = (uint16_t)(30000 + tu_rand(&st) % 100);
    cr_expect_eq(analyze_pixels(px, w, h), LSCAN_ERR_BLANK);
    cr_expect_neq(strstr(lscan_ctx_error_message(ctx), "uniform"), NULL);
    /* Air only, with noise: nothing to locate. */
    for (size_t i = 0; i < (size_t)w * h; i++)
        px[i] = (uint16_t)(58000 + tu_rand(&st) % 1500);
    cr_expect_eq(analyze_pixels(px, w, h), LSCAN_ERR_NO_CONTAINER);
    cr_expect_neq(strstr(lscan_ctx_error_message(ctx), "no container"), NULL);
    /* A small dense object in air is not a container either. */
    for (uint32_t y = 100; y < 140; y++)
        for (uint32_t x = 200; x < 240; x++)
            px[y * w + x] = 3000;
    cr_expect_eq(analyze_pixels(px, w, h), LSCAN_ERR_NO_CONTAINER);
    /* A wide but flat band (a beam, 10 px tall) has no roof-to-floor extent. */
    for (uint32_t y = 0; y < 64; y++)
        for (uint32_t x = 0; x < w; x++)
            px[y * w + x] =
                (uint16_t)(y >= 30 && y < 40 && x >= 50 && x < 550 ? 20000
                                                                   : 58000 + tu_rand(&st) % 1500);
    cr_expect_eq(analyze_pixels(px, w, 64), LSCAN_ERR_NO_CONTAINER);
    cr_expect_neq(strstr(lscan_ctx_error_message(ctx), "roof-to-floor"), NULL);
    /* One pixel: blank, never a crash. */
    cr_expect_eq(analyze_pixels(px, 1, 1), LSCAN_ERR_BLANK);
    free(px);
}

/* 400x300: `kind` 0 = bright air above, a dark uniform ground band below;
 * 1 = the same inverted; 2 = bright air left, dark uniform band right.
 * Cargo-like texture elsewhere. */
static void polarity_scene(uint16_t *px, int kind)
{
    uint64_t st = 99;
    for (uint32_t y = 0; y < 300; y++)
        for (uint32_t x = 0; x < 400; x++) {
            uint64_t r = tu_rand(&st);
            /* Cargo: 8x8 blocks of random density. */
            uint64_t blk = (uint64_t)(x / 8) * 1000003u + y / 8;
            blk = (blk ^ (blk >> 7)) * 0x9e3779b97f4a7c15ull;
            uint16_t v = (uint16_t)(8000 + (blk >> 40) % 30000 + r % 200);
            bool bright = kind == 2 ? x < 40 : y < 40, dark = kind == 2 ? x >= 360 : y >= 260;
            if (bright) v = (uint16_t)(60000 + r % 400);
            if (dark) v = (uint16_t)(3000 + r % 100);
            px[y * 400 + x] = kind == 1 ? (uint16_t)(65535 - v) : v;
        }
}

Test(calib, polarity_ties_are_settled_by_the_air_above_or_refused)
{
    uint16_t *px = malloc(400 * 300 * 2);
    cr_assert_not_null(px);
    const uint32_t want[3] = {LSCAN_POLARITY_TRANSMISSION, LSCAN_POLARITY_ATTENUATION, 0};
    for (int kind = 0; kind < 3; kind++) {
        polarity_scene(px, kind);
        lscan_image *img = NULL;
        cr_assert_eq(lscan_image_wrap(ctx, px, 400, 300, 800, 16, NULL, &img), LSCAN_OK);
        struct lscan__feat_scratch *s = lscan__feat_scratch(ctx);
        cr_assert_eq(lscan__scratch_reserve(ctx, s, 400, 300, 0, 0), LSCAN_OK);
        lscan_analyze_options o;
        lscan_analyze_options_init(&o);
        lscan__calib c;
        int rc = lscan__calibrate(ctx, img, &o, s, &c);
        if (want[kind]) {
            cr_expect_eq(rc, LSCAN_OK, "kind %d: %s", kind, lscan_ctx_error_message(ctx));
            cr_expect_eq(c.polarity, want[kind], "kind %d", kind);
            cr_expect(c.flags & LSCAN_CALIB_POLARITY_DETECTED);
        } else {
            cr_expect_eq(rc, LSCAN_ERR_CALIBRATION, "kind %d", kind);
            cr_expect_neq(strstr(lscan_ctx_error_message(ctx), "ambiguous"), NULL);
        }
        lscan_image_free(img);
    }
    free(px);
}

/* A dead detector row (its signal at the dark level across the whole scan)
 * is found from its air level and takes its neighbours' attenuation: the
 * container's box is the one without it (the chassis cut once stopped at a
 * dead row low in the container, losing the floor) and the empty container
 * stays empty. Likewise a hot row (an offset of 10 % of the air level). */
Test(calib, dead_and_hot_detector_rows_are_repaired)
{
    lscan_synth_truth *t = NULL;
    lscan_image *img = generate(LSCAN_SYNTH_20FT, LSCAN_CLASS_EMPTY, LSCAN_SYNTH_NO_CHASSIS, 4242, &t);
    lscan_analysis *a = analyze(img, NULL);
    lscan_box ref;
    lscan_analysis_container(a, &ref);
    cr_expect_float_eq(lscan_analysis_image_features(a)[LSCAN__IF_NO_LOAD], 1.0f, 0.0f);
    lscan_analysis_free(a);
    for (int kind = 0; kind < 2; kind++) {
        uint16_t *buf;
        lscan_image *bad = copy_wrapped(img, false, LSCAN_POLARITY_AUTO, &buf);
        size_t ds = (size_t)lscan_image_width(img) + 5;
        uint32_t y = ref.y0 + (ref.y1 - ref.y0) * 4 / 5; /* low in the container */
        float i0 = lscan_synth_truth_air_level(t);
        for (uint32_t x = 0; x < lscan_image_width(img); x++) {
            double v = kind == 0 ? 40.0 : buf[y * ds + x] + 0.10 * i0;
            buf[y * ds + x] = (uint16_t)(v > 65535 ? 65535 : v);
        }
        a = analyze(bad, NULL);
        lscan_box b;
        lscan_analysis_container(a, &b);
        cr_expect(abs((int)b.y1 - (int)ref.y1) <= 1 && abs((int)b.y0 - (int)ref.y0) <= 1,
                  "%s row: box %u..%u, without it %u..%u", kind ? "hot" : "dead", b.y0, b.y1,
                  ref.y0, ref.y1);
        cr_expect_float_eq(lscan_analysis_image_features(a)[LSCAN__IF_NO_LOAD], 1.0f, 0.0f,
                           "%s row seen as load", kind ? "hot" : "dead");
        lscan_analysis_free(a);
        lscan_image_free(bad);
        free(buf);
    }
    lscan_image_free(img);
    lscan_synth_truth_free(t);
}
