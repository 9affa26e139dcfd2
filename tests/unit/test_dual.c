/* test_dual.c — dual energy: generator, physics against NIST, pairs and their errors, material
 * calibration, map and kernels, colours. */
#include "calib/materials.h"
#include "features/material.h"
#include "libscan.h"
#include "overlay/overlay.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lscan_image *gen(lscan_ctx *ctx, const char *world, uint32_t dual, uint32_t scene,
                        uint32_t flags, int cls, uint64_t seed, lscan_synth_truth **t)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = (uint32_t)lscan_synth_world_find(world);
    p.container = LSCAN_SYNTH_20FT;
    p.dual = dual;
    p.scene = scene;
    p.flags = flags;
    p.cls = cls;
    lscan_image *img = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, t), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    return img;
}

/* ---- generator ----------------------------------------------------------------- */

Test(dual, high_plane_is_the_single_energy_scan_and_the_mask_covers_both_planes)
{
    lscan_ctx *ctx = lscan_ctx_new();
    for (uint64_t seed = 40; seed < 43; seed++) {
        lscan_synth_truth *t1, *t2;
        lscan_image *one = gen(ctx, "harbour", 0, 0, 0, LSCAN_CLASS_DENSE_OBJECT, seed, &t1);
        lscan_image *two = gen(ctx, "harbour", 1, 0, 0, LSCAN_CLASS_DENSE_OBJECT, seed, &t2);
        cr_assert_eq(lscan_image_channels(one), 1);
        cr_assert_eq(lscan_image_channels(two), 2);
        uint32_t w = lscan_image_width(one), h = lscan_image_height(one);
        cr_assert(w == lscan_image_width(two) && h == lscan_image_height(two));
        size_t s1, s2, s3;
        const uint16_t *a = lscan_image_pixels(one, 0, &s1), *b = lscan_image_pixels(two, 0, &s2);
        const uint16_t *lo = lscan_image_pixels(two, 1, &s3);
        size_t differ = 0, darker = 0, n = 0;
        for (uint32_t y = 0; y < h; y++) {
            cr_assert_eq(memcmp(a + y * s1, b + y * s2, w * 2), 0, "row %u of the high plane", y);
            for (uint32_t x = 0; x < w; x++, n++) {
                differ += lo[y * s3 + x] != b[y * s2 + x];
                darker += lo[y * s3 + x] < b[y * s2 + x];
            }
        }
        /* The low energy is another image, darker nearly everywhere (lower air level). */
        cr_expect_gt(differ, n * 9 / 10);
        cr_expect_gt(darker, n * 8 / 10);
        /* The anomaly's mask: the single scan's pixels plus those only the low plane shows. */
        const uint8_t *m1 = lscan_synth_truth_mask(t1), *m2 = lscan_synth_truth_mask(t2);
        size_t in1 = 0, in2 = 0;
        for (size_t i = 0; i < n; i++) {
            cr_assert(!m1[i] || m2[i], "pixel %zu in the single mask only", i);
            in1 += m1[i] != 0, in2 += m2[i] != 0;
        }
        cr_expect_geq(in2, in1);
        cr_expect_null(lscan_synth_truth_materials(t1));
        cr_assert_not_null(lscan_synth_truth_materials(t2));
        cr_expect_float_eq(lscan_synth_truth_linac_low_mev(t1), 0.0f, 0.0f);
        cr_expect_gt(lscan_synth_truth_linac_low_mev(t2), 2.0f);
        cr_expect_lt(lscan_synth_truth_linac_low_mev(t2), lscan_synth_truth_linac_mev(t2));
        cr_expect_str_eq(lscan_image_scanner(two), lscan_synth_truth_scanner(t2));
        cr_expect_null(lscan_image_scanner(one));
        cr_expect_str_eq(lscan_synth_truth_export(t2), "png16");
        lscan_synth_truth_free(t1);
        lscan_synth_truth_free(t2);
        lscan_image_free(one);
        lscan_image_free(two);
    }
    lscan_ctx_free(ctx);
}

Test(dual, classic_refuses_dual_energy_and_dual_scans_export_as_raw_pairs_only)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.dual = 1;
    lscan_image *img = NULL;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, NULL), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "classic") != NULL);
    p.dual = 0;
    p.scene = LSCAN_SYNTH_SCENE_STEP_WEDGE;
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, NULL), LSCAN_ERR_INVALID_ARGUMENT);
    p.world = (uint32_t)lscan_synth_world_find("inland");
    p.scene = 0;
    p.dual = 1;
    cr_assert_eq(lscan_synth_export_parse("jpeg-crop", &p), LSCAN_OK);
    cr_expect_eq(lscan_synth_generate(ctx, &p, 1, &img, NULL), LSCAN_ERR_INVALID_ARGUMENT);
    cr_assert_eq(lscan_synth_export_parse("world", &p), LSCAN_OK);
    lscan_synth_truth *t = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 1, &img, &t), LSCAN_OK);
    lscan_synth_export *e = NULL;
    cr_expect_eq(lscan_synth_export_make(ctx, img, t, "png8", &e), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_synth_truth_free(t);
    lscan_image_free(img);
    lscan_ctx_free(ctx);
}

/* ---- physics: the rendered ratio against NIST XCOM -------------------------------- */

/* NIST XCOM total attenuation with coherent scattering, cm^2/g (Berger et al.,
 * XCOM: Photon Cross Sections Database, NIST SRD 8), typed from the tables, at
 * the energies of the generator's spectrum bins. */
static const double E_MEV[10] = {0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10};
static const double MU_WATER[10] = {0.09687, 0.07072, 0.05754, 0.04942, 0.03969,
                                    0.03403, 0.03031, 0.02770, 0.02429, 0.02219};
static const double MU_IRON[10] = {0.08414, 0.05995, 0.04883, 0.04265, 0.03621,
                                   0.03312, 0.03146, 0.03057, 0.02991, 0.02994};
static const double MU_LEAD[10] = {0.1614,  0.07102, 0.05222, 0.04606, 0.04234,
                                   0.04197, 0.04272, 0.04391, 0.04675, 0.04972};
static const double EDGE[11] = {0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 4.5, 5.5, 7.0, 9.0, 11.0};

/* The detected spectrum of docs/synth.md, written out here with libm:
 * Kramers' (E0 - E) integrated over each bin, through `filter` mm of lead. */
static void spectrum(double e0, double filter, double *w)
{
    double sum = 0;
    for (int k = 0; k < 10; k++) {
        double lo = EDGE[k], hi = EDGE[k + 1] < e0 ? EDGE[k + 1] : e0;
        w[k] = hi > lo ? ((e0 - lo) * (e0 - lo) - (e0 - hi) * (e0 - hi)) * 0.5 *
                             exp(-MU_LEAD[k] * 11.35 * filter * 0.1)
                       : 0;
        sum += w[k];
    }
    for (int k = 0; k < 10; k++)
        w[k] /= sum;
}

/* -ln of the transmission through `mm` of matter of density rho. */
static double attenuation(const double *w, const double *mu, double rho, double mm)
{
    double t = 0;
    for (int k = 0; k < 10; k++)
        t += w[k] * exp(-mu[k] * rho * mm * 0.1);
    return -log(t);
}

/* The thickness giving high-energy attenuation `a` (bisection). */
static double thickness_for(const double *w, const double *mu, double rho, double a)
{
    double lo = 0, hi = 5000;
    for (int i = 0; i < 100; i++) {
        double mid = 0.5 * (lo + hi);
        if (attenuation(w, mu, rho, mid) < a)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

Test(dual, low_to_high_ratio_matches_nist_at_two_thicknesses)
{
    lscan_ctx *ctx = lscan_ctx_new();
    const uint32_t quiet = LSCAN_SYNTH_NO_NOISE | LSCAN_SYNTH_NO_ROW_GAIN |
                           LSCAN_SYNTH_NO_DOSE_JITTER | LSCAN_SYNTH_NO_BLUR |
                           LSCAN_SYNTH_NO_SPEED_VARIATION;
    static const struct {
        const char *name;
        double e_high, e_low, filter;
    } prof[] = {{"gantry6", 6, 4, 10}, {"mobile9", 9, 6, 12}, {"portal6", 6, 3, 8}};
    int checked = 0;
    for (uint64_t seed = 1; seed < 40 && checked < 6; seed++) {
        lscan_synth_truth *t;
        lscan_image *img = gen(ctx, "mosaic", 1, LSCAN_SYNTH_SCENE_STEP_WEDGE, quiet, -1, seed, &t);
        int pi = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(lscan_synth_truth_scanner(t), prof[i].name)) pi = i;
        cr_assert_geq(pi, 0, "profile %s", lscan_synth_truth_scanner(t));
        double wh[10], wl[10];
        spectrum(prof[pi].e_high, prof[pi].filter, wh);
        spectrum(prof[pi].e_low, prof[pi].filter, wl);
        lscan_wedge_step steps[128];
        size_t n = 0;
        cr_assert_eq(lscan_wedge_measure(ctx, img, lscan_synth_truth_materials(t),
                                         lscan_image_width(img), steps, 128, &n),
                     LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        cr_assert_geq(n, 60u);
        /* Iron and water, at a thin and a thick step: the rendered ratio is
         * NIST's through the stated spectra (the wedge's steel is iron,
         * its organic step water). */
        for (size_t i = 0; i < n; i++) {
            const lscan_wedge_step *s = &steps[i];
            bool thin = s->a_high > 0.4 && s->a_high<0.7, thick = s->a_high> 2.5 && s->a_high < 4;
            if (!(thin || thick) || (s->material != 1 && s->material != 3)) continue;
            const double *mu = s->material == 1 ? MU_WATER : MU_IRON;
            double rho = s->material == 1 ? 1.0 : 7.87;
            double mm = thickness_for(wh, mu, rho, s->a_high);
            double want = attenuation(wl, mu, rho, mm) / s->a_high;
            cr_expect(fabs(s->a_low / s->a_high - want) < 0.004,
                      "%s %s at A %.3f: ratio %.4f, NIST %.4f", prof[pi].name,
                      s->material == 1 ? "water" : "iron", s->a_high, s->a_low / s->a_high, want);
            checked++;
        }
        /* Beam hardening: lead's ratio falls with thickness. */
        double r_thin = 0, r_thick = 0;
        for (size_t i = 0; i < n; i++)
            if (steps[i].material == 4) {
                if (steps[i].a_high < 0.6) r_thin = steps[i].a_low / steps[i].a_high;
                if (steps[i].a_high > 3 && !r_thick) r_thick = steps[i].a_low / steps[i].a_high;
            }
        cr_expect(r_thin > r_thick + 0.02, "lead %.4f thin, %.4f thick", r_thin, r_thick);
        lscan_synth_truth_free(t);
        lscan_image_free(img);
    }
    cr_expect_geq(checked, 6);
    (void)E_MEV;
    lscan_ctx_free(ctx);
}

/* ---- pairs and their errors ------------------------------------------------------------ */

Test(dual, pairs_load_from_one_or_two_files_and_mismatches_are_errors)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_synth_truth *t;
    lscan_image *img = gen(ctx, "inland", 1, 0, 0, LSCAN_CLASS_MIXED, 7, &t);
    const char *name = lscan_synth_truth_scanner(t);
    char ga[1024], hi[1024], lo[1024];
    snprintf(ga, sizeof ga, "%s", tu_path("pair.png"));
    snprintf(hi, sizeof hi, "%s", tu_path("pair.high.png"));
    snprintf(lo, sizeof lo, "%s", tu_path("pair.low.png"));
    cr_assert_eq(lscan_image_save_png(ctx, img, ga, 1), LSCAN_OK);
    cr_assert_eq(lscan_image_save_png_plane(ctx, img, 0, hi, 1), LSCAN_OK);
    cr_assert_eq(lscan_image_save_png_plane(ctx, img, 1, lo, 1), LSCAN_OK);
    cr_expect_eq(lscan_image_save_png_plane(ctx, img, 2, lo, 1), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_image *a = NULL, *b = NULL;
    cr_assert_eq(lscan_image_load(ctx, ga, NULL, &a), LSCAN_OK);
    cr_assert_eq(lscan_image_load_dual(ctx, hi, lo, NULL, &b), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    const uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    for (uint32_t p = 0; p < 2; p++) {
        size_t s0, s1, s2;
        const uint16_t *x = lscan_image_pixels(img, p, &s0), *y = lscan_image_pixels(a, p, &s1),
                       *z = lscan_image_pixels(b, p, &s2);
        for (uint32_t r = 0; r < h; r++) {
            cr_assert_eq(memcmp(x + r * s0, y + r * s1, w * 2), 0);
            cr_assert_eq(memcmp(x + r * s0, z + r * s2, w * 2), 0);
        }
    }
    /* The scanner's name travels in the PNG's Source text, both ways. */
    cr_expect_str_eq(lscan_image_scanner(a), name);
    cr_expect_str_eq(lscan_image_scanner(b), name);
    cr_expect_eq(lscan_image_channels(b), 2);
    lscan_image_free(a);
    lscan_image_free(b);

    /* A channel missing, a half that is itself a pair, sizes that differ. */
    cr_expect_eq(lscan_image_load_dual(ctx, hi, tu_path("none.low.png"), NULL, &b),
                 LSCAN_ERR_DUAL_MISMATCH);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "low-energy image is missing") != NULL, "%s",
              lscan_ctx_error_message(ctx));
    cr_expect_null(b);
    cr_expect_eq(lscan_image_load_dual(ctx, ga, lo, NULL, &b), LSCAN_ERR_DUAL_MISMATCH);
    lscan_synth_truth *t2;
    lscan_image *other = gen(ctx, "inland", 1, 0, 0, LSCAN_CLASS_EMPTY, 9, &t2);
    char lo2[1024];
    snprintf(lo2, sizeof lo2, "%s", tu_path("other.low.png"));
    cr_assert_eq(lscan_image_save_png_plane(ctx, other, 1, lo2, 1), LSCAN_OK);
    if (lscan_image_width(other) != w || lscan_image_height(other) != h) {
        cr_expect_eq(lscan_image_load_dual(ctx, hi, lo2, NULL, &b), LSCAN_ERR_DUAL_MISMATCH);
        cr_expect(strstr(lscan_ctx_error_message(ctx), "differ") ||
                  strstr(lscan_ctx_error_message(ctx), "is "));
    }
    cr_expect_str_eq(lscan_status_name(LSCAN_ERR_DUAL_MISMATCH), "dual_mismatch");

    /* Two caller buffers: borrowed with equal strides, copied otherwise. */
    size_t st;
    const uint16_t *p0 = lscan_image_pixels(img, 0, &st), *p1 = lscan_image_pixels(img, 1, NULL);
    lscan_image *wr = NULL;
    cr_expect_eq(lscan_image_wrap_dual(ctx, p0, NULL, w, h, st * 2, st * 2, NULL, NULL, &wr),
                 LSCAN_ERR_DUAL_MISMATCH);
    cr_expect_eq(lscan_image_wrap_dual(ctx, NULL, p1, w, h, st * 2, st * 2, NULL, NULL, &wr),
                 LSCAN_ERR_DUAL_MISMATCH);
    cr_assert_eq(lscan_image_wrap_dual(ctx, p0, p1, w, h, st * 2, st * 2, name, NULL, &wr),
                 LSCAN_OK);
    cr_expect(lscan_image_flags(wr) & LSCAN_IMAGE_BORROWED);
    cr_expect_eq(lscan_image_pixels(wr, 1, NULL), p1);
    cr_expect_str_eq(lscan_image_scanner(wr), name);
    lscan_image_free(wr);
    uint16_t *copy = malloc((size_t)(w + 3) * h * 2);
    for (uint32_t r = 0; r < h; r++)
        memcpy(copy + (size_t)r * (w + 3), p1 + r * st, w * 2);
    cr_assert_eq(
        lscan_image_wrap_dual(ctx, p0, copy, w, h, st * 2, (size_t)(w + 3) * 2, NULL, NULL, &wr),
        LSCAN_OK);
    cr_expect_eq(lscan_image_flags(wr) & LSCAN_IMAGE_BORROWED, 0u);
    cr_expect_null(lscan_image_scanner(wr));
    const uint16_t *q = lscan_image_pixels(wr, 1, &st);
    for (uint32_t r = 0; r < h; r++)
        cr_assert_eq(memcmp(q + r * st, copy + (size_t)r * (w + 3), w * 2), 0);
    lscan_image_free(wr);
    free(copy);
    lscan_image_free(other);
    lscan_synth_truth_free(t2);
    lscan_synth_truth_free(t);
    lscan_image_free(img);
    lscan_ctx_free(ctx);
}

/* ---- calibration, map, kernels ----------------------------------------------------------- */

static lscan_materials *fit_from_wedges_in(lscan_ctx *ctx, const char *world, uint64_t seed0, int n)
{
    lscan_materials *m = lscan_materials_new();
    lscan_wedge_step *all = malloc(4096 * sizeof *all);
    char names[16][64];
    size_t per[16] = {0}, nn = 0;
    lscan_wedge_step *by[16];
    for (int k = 0; k < 16; k++)
        by[k] = malloc(512 * sizeof **by);
    for (int i = 0; i < n; i++) {
        lscan_synth_truth *t;
        lscan_image *img = gen(ctx, world, 1, LSCAN_SYNTH_SCENE_STEP_WEDGE, 0, -1, seed0 + i, &t);
        size_t k = 0, got = 0;
        while (k < nn && strcmp(names[k], lscan_image_scanner(img)))
            k++;
        if (k == nn) snprintf(names[nn++], 64, "%s", lscan_image_scanner(img));
        cr_assert_eq(lscan_wedge_measure(ctx, img, lscan_synth_truth_materials(t),
                                         lscan_image_width(img), by[k] + per[k], 512 - per[k],
                                         &got),
                     LSCAN_OK);
        per[k] += got;
        lscan_synth_truth_free(t);
        lscan_image_free(img);
    }
    for (size_t k = 0; k < nn; k++)
        cr_assert_eq(lscan_materials_fit(ctx, m, names[k], by[k], per[k]), LSCAN_OK, "%s",
                     lscan_ctx_error_message(ctx));
    for (int k = 0; k < 16; k++)
        free(by[k]);
    free(all);
    return m;
}

static lscan_materials *fit_from_wedges(lscan_ctx *ctx, uint64_t seed0, int n)
{
    return fit_from_wedges_in(ctx, "mosaic", seed0, n);
}

Test(dual, calibration_classifies_noise_free_wedge_steps_and_its_file_round_trips)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_materials *m = fit_from_wedges(ctx, 900, 6);
    cr_assert_geq(lscan_materials_count(m), 1u);
    const char *sc = lscan_materials_scanner(m, 0);
    /* The curves are ordered as physics orders them at mid thickness. */
    double r[5];
    for (uint32_t c = 1; c <= 4; c++)
        r[c] = lscan_materials_ratio(m, sc, c, 2.0);
    cr_expect(r[1] > r[2] && r[2] > r[3] && r[3] > r[4], "%g %g %g %g", r[1], r[2], r[3], r[4]);
    for (uint32_t c = 1; c <= 4; c++)
        cr_expect_eq(lscan_materials_classify(m, sc, 2.0, 2.0 * r[c]), (int)c);
    cr_expect_eq(lscan_materials_classify(m, "nowhere", 2.0, 2.3), LSCAN_MATERIAL_NONE);
    cr_expect_float_eq(lscan_materials_ratio(m, sc, 1, 15.9), 0.0, 0.0);
    /* write -> load -> write: identical bytes; damage is refused. */
    const char *p1 = tu_path("m1.calib"), *p2 = tu_path("m2.calib");
    cr_assert_eq(lscan_materials_save(ctx, m, p1), LSCAN_OK);
    lscan_materials *back = NULL;
    cr_assert_eq(lscan_materials_load(ctx, p1, &back), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    cr_assert_eq(lscan_materials_save(ctx, back, p2), LSCAN_OK);
    size_t n1, n2;
    uint8_t *a = tu_read_file(p1, &n1), *b = tu_read_file(p2, &n2);
    cr_assert(n1 == n2 && !memcmp(a, b, n1));
    lscan_materials *bad = NULL;
    char *t = malloc(n1 + 1);
    memcpy(t, a, n1);
    t[n1] = '\0';
    char *digit = strstr(t, "curve steel ") + 12;
    *digit = *digit == '1' ? '2' : '1';
    cr_expect_eq(lscan_materials_parse(ctx, t, n1, &bad), LSCAN_ERR_MODEL_CHECKSUM);
    cr_expect_eq(lscan_materials_parse(ctx, (const char *)a, n1 - 5, &bad), LSCAN_ERR_MODEL_SYNTAX);
    cr_expect_eq(lscan_materials_parse(ctx, "libscan-materials 7\n", 20, &bad),
                 LSCAN_ERR_MODEL_VERSION);
    cr_expect_null(bad);
    free(t);
    free(a);
    free(b);
    lscan_materials_free(back);
    lscan_materials_free(m);
    lscan_ctx_free(ctx);
}

/* Fills n samples (the adversarial patterns of test_features). */
static void fill(uint16_t *p, size_t n, int mode, uint32_t max, uint64_t *st)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = tu_rand(st);
        switch (mode) {
        case 0: p[i] = (uint16_t)(r % (max + 1)); break;
        case 1: p[i] = (uint16_t)max; break;
        case 2: p[i] = 0; break;
        case 3: p[i] = (uint16_t)((r & 1) ? max : 0); break;
        default: p[i] = (uint16_t)(max - (r % 3)); break;
        }
    }
}

static const lscan__kernels *isa(int i)
{
    uint32_t f = lscan_cpu_features();
    const lscan__kernels *k = NULL;
    if (i == 1 && (f & LSCAN_CPU_SSE2)) k = lscan__kernels_for(LSCAN_CPU_SSE2);
    if (i == 2 && (f & LSCAN_CPU_AVX2) && (f & LSCAN_CPU_SSE2))
        k = lscan__kernels_for(LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2);
    return k && k != lscan__kernels_ref() ? k : NULL;
}

Test(dual, cell_and_class_kernels_every_isa_equal_reference)
{
    uint64_t st = 4242;
    int compared = 0;
    lscan__mat_table *t = malloc(sizeof *t);
    for (int iter = 0; iter < 800; iter++) {
        uint32_t w = 1 + (uint32_t)(tu_rand(&st) % 300), h = 1 + (uint32_t)(tu_rand(&st) % 40);
        uint32_t cell = 1 + (uint32_t)(tu_rand(&st) % 40);
        size_t stride = w + (size_t)(tu_rand(&st) % 9);
        uint16_t *a = malloc(stride * h * 2);
        fill(a, stride * h, iter % 5, LSCAN__A_MAX, &st);
        uint32_t nc = (w + cell - 1) / cell;
        uint32_t *ref = calloc(nc, 4), *got = calloc(nc, 4), *acc = malloc((w + 1) * 4);
        for (uint32_t c = 0; c < nc; c++)
            ref[c] = got[c] = (uint32_t)tu_rand(&st) % 1000; /* sums are added to */
        lscan__kernels_ref()->cells(a, stride, w, h, cell, acc, ref);
        /* Random table: curves in range, some absent, random flags and floors. */
        for (int c = 0; c < LSCAN__MAT_CLASSES; c++)
            for (int b = 0; b < LSCAN__MAT_BINS; b++) {
                uint64_t r = tu_rand(&st);
                t->r[c][b] = r % 11 == 0 ? LSCAN__MAT_R_ABSENT : 12000 + (int32_t)(r % 12000);
                t->ok[c][b] = (int32_t)((r >> 20) & 1);
            }
        t->floor_h = (uint16_t)(tu_rand(&st) % 33000);
        t->floor_l = (uint16_t)(tu_rand(&st) % 33000);
        size_t n = 1 + tu_rand(&st) % 500;
        uint16_t *mh = malloc(n * 2), *ml = malloc(n * 2);
        fill(mh, n, iter % 5, LSCAN__A_MAX, &st);
        fill(ml, n, (iter / 5) % 5, LSCAN__A_MAX, &st);
        if (iter % 7 == 0) /* ties: low = high times a curve */
            for (size_t i = 0; i < n; i++)
                ml[i] = (uint16_t)(((uint32_t)mh[i] * 16384u) >> 14);
        uint8_t *cr = malloc(n), *cg = malloc(n);
        lscan__kernels_ref()->classify(mh, ml, n, t, cr);
        for (size_t i = 0; i < n; i++)
            cr_assert_leq(cr[i], 4);
        for (int k = 1; k <= 2; k++) {
            const lscan__kernels *kt = isa(k);
            if (!kt) continue;
            for (uint32_t c = 0; c < nc; c++)
                got[c] = ref[c];
            uint32_t *base = calloc(nc, 4);
            lscan__kernels_ref()->cells(a, stride, w, h, cell, acc, base);
            memset(got, 0, nc * 4);
            kt->cells(a, stride, w, h, cell, acc, got);
            cr_assert_eq(memcmp(got, base, nc * 4), 0, "%s cells w=%u h=%u cell=%u", kt->name, w, h,
                         cell);
            free(base);
            memset(cg, 0xee, n);
            kt->classify(mh, ml, n, t, cg);
            cr_assert_eq(memcmp(cg, cr, n), 0, "%s classify n=%zu", kt->name, n);
            compared++;
        }
        free(a), free(ref), free(got), free(acc), free(mh), free(ml), free(cr), free(cg);
    }
    free(t);
    cr_log_info("dual kernel comparisons: %d", compared);
}

Test(dual, material_map_is_bit_identical_for_every_kernel_set_and_right_on_wedges)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_materials *m = fit_from_wedges(ctx, 900, 6);
    const uint32_t masks[3] = {LSCAN_CPU_SSE2 | LSCAN_CPU_AVX2 | LSCAN_CPU_NEON, LSCAN_CPU_AVX2, 0};
    size_t right = 0, counted = 0;
    for (uint64_t seed = 950; seed < 953; seed++) {
        lscan_synth_truth *t;
        lscan_image *img = gen(ctx, "mosaic", 1, LSCAN_SYNTH_SCENE_STEP_WEDGE, 0, -1, seed, &t);
        if (!lscan__materials_find(m, lscan_image_scanner(img))) {
            lscan_synth_truth_free(t);
            lscan_image_free(img);
            continue;
        }
        uint8_t *ref = NULL;
        uint32_t cols = 0, rows = 0, cell = 0;
        for (int k = 0; k < 3; k++) {
            lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, masks[k]);
            lscan_material_map *mm = NULL;
            cr_assert_eq(lscan_material_map_make(ctx, img, m, 4, &mm), LSCAN_OK, "%s",
                         lscan_ctx_error_message(ctx));
            const uint8_t *map = lscan_material_map_classes(mm, &cols, &rows, &cell);
            if (!ref) {
                ref = malloc((size_t)cols * rows);
                memcpy(ref, map, (size_t)cols * rows);
            } else {
                cr_assert_eq(memcmp(ref, map, (size_t)cols * rows), 0, "kernel set %d", k);
            }
            lscan_material_map_free(mm);
        }
        lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, 0);
        /* Cells well inside a step (its middle) and resolvable: in the right class. */
        const uint8_t *truth = lscan_synth_truth_materials(t);
        uint32_t W = lscan_image_width(img);
        for (uint32_t cy = 2; cy + 2 < rows; cy++)
            for (uint32_t cx = 2; cx + 2 < cols; cx++) {
                uint8_t c = truth[(size_t)(cy * cell + cell / 2) * W + cx * cell + cell / 2];
                bool inside = c >= 1 && c <= 4;
                for (int dy = -6; dy <= 6 && inside; dy += 3)
                    for (int dx = -6; dx <= 6 && inside; dx += 3)
                        inside =
                            truth[(size_t)((int)(cy * cell) + dy) * W + (int)(cx * cell) + dx] == c;
                uint8_t got = ref[(size_t)cy * cols + cx];
                if (!inside || !got) continue;
                counted++;
                right += got == c;
            }
        free(ref);
        lscan_synth_truth_free(t);
        lscan_image_free(img);
    }
    cr_expect_gt(counted, 1000u);
    cr_expect_geq(right * 100, counted * 93, "%zu of %zu cells right", right, counted);
    lscan_materials_free(m);
    lscan_ctx_free(ctx);
}

Test(dual, a_blank_low_plane_is_a_missing_channel_and_single_scans_have_no_map)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_materials *m = fit_from_wedges(ctx, 900, 4);
    lscan_synth_truth *t;
    lscan_image *img = gen(ctx, "inland", 1, 0, 0, LSCAN_CLASS_HOMOGENEOUS, 12, &t);
    const char *sc = lscan_image_scanner(img);
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    size_t st;
    const uint16_t *p0 = lscan_image_pixels(img, 0, &st);
    uint16_t *blank = malloc((size_t)w * h * 2);
    for (size_t i = 0; i < (size_t)w * h; i++)
        blank[i] = 65535;
    lscan_image *bad = NULL;
    cr_assert_eq(lscan_image_wrap_dual(ctx, p0, blank, w, h, st * 2, (size_t)w * 2, sc, NULL, &bad),
                 LSCAN_OK);
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    o.materials = m;
    lscan_analysis *a = NULL;
    if (lscan__materials_find(m, sc)) {
        cr_assert_eq(lscan_analyze(ctx, bad, &o, &a), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        const uint8_t *map;
        cr_expect_eq(lscan_analysis_materials(a, &map, NULL, NULL, NULL), LSCAN_ERR_DUAL_MISMATCH);
        cr_expect_null(map);
        lscan_analysis_free(a);
        /* The real pair has a map. */
        cr_assert_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_OK);
        uint32_t cols, rows, cell;
        cr_expect_eq(lscan_analysis_materials(a, &map, &cols, &rows, &cell), LSCAN_OK);
        cr_expect(map && cols > 10 && rows > 10 && cell >= 1);
        lscan_analysis_free(a);
    }
    /* An unknown scanner, and a single plane. */
    lscan_image *anon = NULL;
    cr_assert_eq(lscan_image_wrap_dual(ctx, p0, lscan_image_pixels(img, 1, NULL), w, h, st * 2,
                                       st * 2, "elsewhere", NULL, &anon),
                 LSCAN_OK);
    cr_assert_eq(lscan_analyze(ctx, anon, &o, &a), LSCAN_OK);
    cr_expect_eq(lscan_analysis_materials(a, NULL, NULL, NULL, NULL), LSCAN_ERR_CALIBRATION);
    lscan_analysis_free(a);
    lscan_image *one = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, p0, w, h, st * 2, 16, NULL, &one), LSCAN_OK);
    cr_assert_eq(lscan_analyze(ctx, one, &o, &a), LSCAN_OK);
    cr_expect_eq(lscan_analysis_materials(a, NULL, NULL, NULL, NULL), LSCAN_ERR_UNSUPPORTED);
    lscan_analysis_free(a);
    lscan_image_free(one);
    lscan_image_free(anon);
    lscan_image_free(bad);
    free(blank);
    lscan_synth_truth_free(t);
    lscan_image_free(img);
    lscan_materials_free(m);
    lscan_ctx_free(ctx);
}

/* ---- display ------------------------------------------------------------------------------ */

Test(dual, pseudo_colour_of_known_materials)
{
    uint8_t c[3];
    for (int g = 40; g <= 255; g += 50) {
        lscan__material_colour(LSCAN_MATERIAL_ORGANIC, (uint8_t)g, c); /* orange */
        cr_expect(c[0] > c[1] && c[1] > c[2] && c[0] > 2 * c[2] + 10, "organic %u %u %u", c[0],
                  c[1], c[2]);
        lscan__material_colour(LSCAN_MATERIAL_LIGHT, (uint8_t)g, c); /* green */
        cr_expect(c[1] > c[0] + 20 && c[1] > c[2] + 20, "light %u %u %u", c[0], c[1], c[2]);
        lscan__material_colour(LSCAN_MATERIAL_STEEL, (uint8_t)g, c); /* blue */
        cr_expect(c[2] > c[0] + 20 && c[2] > c[1] + 20, "steel %u %u %u", c[0], c[1], c[2]);
        lscan__material_colour(LSCAN_MATERIAL_HEAVY, (uint8_t)g, c); /* dark */
        cr_expect(c[0] < 100 && c[1] < 100 && c[2] < 130, "heavy %u %u %u", c[0], c[1], c[2]);
        lscan__material_colour(LSCAN_MATERIAL_NONE, (uint8_t)g, c); /* grey kept */
        cr_expect(c[0] == g && c[1] == g && c[2] == g);
    }
    /* Brightness follows the grey level (thin matter light). */
    uint8_t d[3];
    lscan__material_colour(LSCAN_MATERIAL_STEEL, 250, c);
    lscan__material_colour(LSCAN_MATERIAL_STEEL, 60, d);
    cr_expect_gt(c[2], d[2] + 60);
    cr_expect_str_eq(lscan_material_name(LSCAN_MATERIAL_HEAVY), "heavy");
    cr_expect_null(lscan_material_name(5));
}

/* ---- the dual model ---------------------------------------------------------------------- */

Test(dual, a_dual_model_trains_round_trips_and_screens_two_plane_images_only_with_materials)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_materials *mats = fit_from_wedges_in(ctx, "inland", 910, 6);
    static const int classes[] = {LSCAN_CLASS_EMPTY,          LSCAN_CLASS_HOMOGENEOUS,
                                  LSCAN_CLASS_BULK,           LSCAN_CLASS_MIXED,
                                  LSCAN_CLASS_MACHINERY,      LSCAN_CLASS_DENSE_OBJECT,
                                  LSCAN_CLASS_IMPENETRABLE,   LSCAN_CLASS_HIDDEN_COMPARTMENT,
                                  LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY};
    lscan_trainer *t = lscan_trainer_new();
    cr_assert_eq(lscan_trainer_set_materials(t, mats), LSCAN_OK);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = (uint32_t)lscan_synth_world_find("inland");
    p.dual = 1;
    p.width = 480;
    p.height = 240;
    p.difficulty_max = 0.3f;
    lscan_image *keep = NULL, *single = NULL;
    int added = 0;
    for (uint64_t seed = 1; seed <= 60 && added < 30; seed++) {
        p.cls = classes[added % 10];
        lscan_image *img;
        lscan_synth_truth *truth;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 2000 + seed, &img, &truth), LSCAN_OK);
        if (lscan__materials_find(mats, lscan_image_scanner(img))) {
            lscan_train_sample smp;
            lscan_train_sample_init(&smp);
            smp.cls = p.cls;
            smp.split = added < 20 ? LSCAN_SPLIT_TRAIN : LSCAN_SPLIT_VALIDATION;
            smp.key = seed;
            smp.mask = lscan_synth_truth_mask(truth);
            smp.mask_stride = 480;
            int rc = lscan_trainer_add_sample(t, ctx, img, &smp);
            if (rc == LSCAN_OK)
                added++;
            else /* a scan the location cannot handle at this size: refused, not mis-learnt */
                cr_expect_neq(rc, LSCAN_ERR_CALIBRATION, "%s", lscan_ctx_error_message(ctx));
        }
        if (!keep && lscan__materials_find(mats, lscan_image_scanner(img)))
            keep = img;
        else
            lscan_image_free(img);
        lscan_synth_truth_free(truth);
    }
    cr_assert_eq(added, 30);
    /* Materials are set before adding, never after. */
    cr_expect_eq(lscan_trainer_set_materials(t, mats), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.max_negative_tiles = 60;
    lscan_model *m = NULL;
    cr_assert_eq(lscan_trainer_fit(t, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_trainer_free(t);
    cr_expect_eq(lscan_model_dual(m), 1);
    /* write -> parse -> write: the same bytes, the variant line kept. */
    const char *p1 = tu_path("dual1.model"), *p2 = tu_path("dual2.model");
    cr_assert_eq(lscan_model_save(ctx, m, p1), LSCAN_OK);
    lscan_model *back = NULL;
    cr_assert_eq(lscan_model_load(ctx, p1, &back), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    cr_expect_eq(lscan_model_dual(back), 1);
    cr_assert_eq(lscan_model_save(ctx, back, p2), LSCAN_OK);
    size_t n1, n2;
    uint8_t *a = tu_read_file(p1, &n1), *b = tu_read_file(p2, &n2);
    cr_assert(n1 == n2 && !memcmp(a, b, n1));
    cr_expect(strstr((const char *)a, "\nvariant dual 10\n") != NULL);
    free(a);
    free(b);
    /* A two-plane image goes to the dual model, with its threshold and the material map. */
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.dual_model = back;
    so.materials = mats;
    lscan_result *r = NULL;
    cr_assert_eq(lscan_screen(ctx, m, keep, &so, &r), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    cr_expect_float_eq(lscan_result_threshold(r), lscan_model_threshold(back), 0.0);
    const uint8_t *map;
    cr_expect_eq(lscan_result_materials(r, &map, NULL, NULL, NULL), LSCAN_OK);
    cr_expect_not_null(map);
    lscan_result_free(r);
    /* Without the calibration a dual model cannot decide: INSPECT with the reason. */
    so.materials = NULL;
    cr_expect_eq(lscan_screen(ctx, m, keep, &so, &r), LSCAN_ERR_UNSUPPORTED);
    cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT);
    cr_expect(strstr(lscan_result_message(r), "dual-energy model") != NULL, "%s",
              lscan_result_message(r));
    lscan_result_free(r);
    /* A scanner the calibration does not know: INSPECT, calibration. */
    size_t st;
    const uint16_t *p0 = lscan_image_pixels(keep, 0, &st), *p1b = lscan_image_pixels(keep, 1, NULL);
    lscan_image *anon = NULL;
    cr_assert_eq(lscan_image_wrap_dual(ctx, p0, p1b, lscan_image_width(keep),
                                       lscan_image_height(keep), st * 2, st * 2, "elsewhere", NULL,
                                       &anon),
                 LSCAN_OK);
    so.materials = mats;
    cr_expect_eq(lscan_screen(ctx, m, anon, &so, &r), LSCAN_ERR_CALIBRATION);
    cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT);
    lscan_result_free(r);
    /* A one-plane image is screened by the model given, never the dual one. */
    cr_assert_eq(lscan_image_wrap(ctx, p0, lscan_image_width(keep), lscan_image_height(keep),
                                  st * 2, 16, NULL, &single),
                 LSCAN_OK);
    lscan_screen_options_init(&so);
    so.dual_model = back;
    so.materials = mats;
    cr_expect_eq(lscan_screen(ctx, m, single, &so, &r), LSCAN_ERR_UNSUPPORTED,
                 "the dual model given as the main model still needs a map");
    lscan_result_free(r);
    lscan_image_free(single);
    lscan_image_free(anon);
    lscan_image_free(keep);
    lscan_model_free(back);
    lscan_model_free(m);
    lscan_materials_free(mats);
    lscan_ctx_free(ctx);
}
