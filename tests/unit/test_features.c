/* test_features.c — feature schema, SIMD kernels against the scalar reference, hand-computed tile
 * features. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "features/feat.h"
#include "testutil.h"

/* ---- schema ------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

Test(features, schema_names_definitions_and_hash)
{
    const uint32_t sets[3] = {LSCAN_FEATURES_TILE, LSCAN_FEATURES_IMAGE, LSCAN_FEATURES_LOAD};
    cr_expect_eq(lscan_feature_count(LSCAN_FEATURES_TILE), LSCAN__TILE_FEATURES);
    cr_expect_eq(lscan_feature_count(LSCAN_FEATURES_IMAGE), LSCAN__IMAGE_FEATURES);
    cr_expect_eq(lscan_feature_count(LSCAN_FEATURES_LOAD), LSCAN__LOAD_DESC);
    cr_expect_eq(lscan_feature_count(LSCAN_FEATURES_MATERIAL), LSCAN__MATERIAL_FEATURES);
    cr_expect_eq(lscan_feature_count(4), 0u);
    for (int k = 0; k < 3; k++) {
        uint32_t n = lscan_feature_count(sets[k]);
        uint64_t h = fnv(0xcbf29ce484222325ull, k == 0 ? "tile\n" : k == 1 ? "image\n" : "load\n");
        for (uint32_t i = 0; i < n; i++) {
            const char *name = lscan_feature_name(sets[k], i);
            cr_assert_not_null(name);
            cr_assert_not_null(lscan_feature_definition(sets[k], i));
            cr_expect_gt(strlen(lscan_feature_definition(sets[k], i)), 10u);
            /* Names are CSV- and model-file-safe identifiers. */
            for (const char *p = name; *p; p++)
                cr_expect((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_', "%s",
                          name);
            for (uint32_t j = 0; j < i; j++)
                cr_expect_str_neq(name, lscan_feature_name(sets[k], j));
            h = fnv(fnv(h, name), "\n");
        }
        cr_expect_null(lscan_feature_name(sets[k], n));
        cr_expect_null(lscan_feature_definition(sets[k], n));
        cr_expect_eq(lscan_feature_schema_hash(sets[k]), h);
    }
    cr_expect_neq(lscan_feature_schema_hash(0), lscan_feature_schema_hash(1));
    cr_expect_neq(lscan_feature_schema_hash(1), lscan_feature_schema_hash(2));
    cr_expect_eq(lscan_feature_schema_hash(9), 0u);
    cr_expect_str_eq(lscan_feature_name(LSCAN_FEATURES_TILE, 0), "mean");
    cr_expect_str_eq(lscan_feature_name(LSCAN_FEATURES_TILE, LSCAN__TF_FLOOR_FRAC), "floor_frac");
}

/* ---- kernels: every ISA against the reference ---------------------------- */

static const lscan__kernels *isa_tables(int i)
{
    /* 0: reference; 1: SSE2 (or NEON); 2: AVX2 — NULL when this CPU lacks
     * it or the build has no SIMD kernels (-Dsimd=disabled). */
    uint32_t f = lscan_cpu_features();
    const lscan__kernels *k = NULL;
    if (i == 0) return lscan__kernels_ref();
    if (i == 1) {
        if (f & LSCAN_CPU_SSE2)
            k = lscan__kernels_for(LSCAN_CPU_SSE2);
        else if (f & LSCAN_CPU_NEON)
            k = lscan__kernels_for(LSCAN_CPU_NEON);
    } else if ((f & (LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2)) == (LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2)) {
        k = lscan__kernels_for(LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2);
    }
    return k && k != lscan__kernels_ref() ? k : NULL;
}

Test(features, kernel_tables_follow_cpu_features)
{
    cr_expect_str_eq(lscan__kernels_for(0)->name, "scalar");
    lscan_ctx *ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
    uint32_t f = lscan_cpu_features();
    bool have_x86 = false, have_neon = false;
#ifdef LSCAN_HAVE_AVX2_KERNELS
    have_x86 = true;
#endif
#ifdef LSCAN_HAVE_NEON_KERNELS
    have_neon = true;
#endif
    const char *want = "scalar";
    if (have_x86 && (f & LSCAN_CPU_AVX2) && (f & LSCAN_CPU_SSE2))
        want = "avx2";
    else if (have_x86 && (f & LSCAN_CPU_SSE2))
        want = "sse2";
    else if (have_neon && (f & LSCAN_CPU_NEON))
        want = "neon";
    cr_expect_str_eq(lscan_ctx_kernel_name(ctx), want);
    lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, LSCAN_CPU_AVX2);
    if (have_x86 && (f & LSCAN_CPU_SSE2)) cr_expect_str_eq(lscan_ctx_kernel_name(ctx), "sse2");
    lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES,
                        LSCAN_CPU_SSE2 | LSCAN_CPU_AVX2 | LSCAN_CPU_NEON);
    cr_expect_str_eq(lscan_ctx_kernel_name(ctx), "scalar");
    lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, 0);
    cr_expect_str_eq(lscan_ctx_kernel_name(ctx), want);
    lscan_ctx_free(ctx);
}

/* Fills n samples: random below `max`, or one of the adversarial patterns. */
static void fill(uint16_t *p, size_t n, int mode, uint32_t max, uint64_t *st)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = tu_rand(st);
        switch (mode) {
        case 0: p[i] = (uint16_t)(r % (max + 1)); break;
        case 1: p[i] = (uint16_t)max; break;                 /* all max */
        case 2: p[i] = 0; break;                             /* all zero */
        case 3: p[i] = (uint16_t)((r & 1) ? max : 0); break; /* extreme edges everywhere */
        default: p[i] = (uint16_t)(max - (r % 3)); break;    /* near max */
        }
    }
}

Test(features, tile_kernel_every_isa_equals_reference)
{
    uint64_t st = 12345;
    int compared = 0;
    for (int iter = 0; iter < 1500; iter++) {
        uint32_t w = 1 + (uint32_t)(tu_rand(&st) % 200), h = 1 + (uint32_t)(tu_rand(&st) % 40);
        if (iter < 8) w = 1 + (uint32_t)iter / 4, h = 1 + (uint32_t)iter % 4; /* 1-pixel and tiny */
        uint32_t tw = (iter % 5 == 0) ? 1 + (uint32_t)(tu_rand(&st) % 70)
                                      : 8 * (1 + (uint32_t)(tu_rand(&st) % 12));
        size_t stride = lscan__a_stride(w) + (size_t)(tu_rand(&st) % 7); /* stride != width */
        uint16_t *a = malloc(stride * (h + 1) * sizeof *a);
        cr_assert_not_null(a);
        fill(a, stride * (h + 1), iter % 5, LSCAN__A_MAX, &st);
        for (uint32_t r = 0; r <= h; r++) /* the padding contract: last value repeated */
            for (size_t x = w; x < stride; x++)
                a[r * stride + x] = a[r * stride + w - 1];
        uint16_t thr = (uint16_t)(iter % 7 == 0   ? 1
                                  : iter % 7 == 1 ? LSCAN__A_MAX
                                                  : 1 + tu_rand(&st) % LSCAN__A_MAX);
        size_t nt = (w + tw - 1) / tw;
        lscan__tile_acc ref[256], got[256];
        cr_assert_leq(nt, 256u);
        memset(ref, 0, sizeof ref);
        lscan__kernels_ref()->tiles(a, stride, w, h, tw, thr, ref);
        for (int k = 1; k <= 2; k++) {
            const lscan__kernels *kt = isa_tables(k);
            if (!kt) continue;
            memset(got, 0, sizeof got);
            kt->tiles(a, stride, w, h, tw, thr, got);
            cr_assert_eq(memcmp(ref, got, nt * sizeof *ref), 0,
                         "%s tiles differ: w=%u h=%u tw=%u mode=%d", kt->name, w, h, tw, iter % 5);
            compared++;
        }
        free(a);
    }
    cr_log_info("tile kernel comparisons: %d", compared);
}

Test(features, tile_kernel_long_rows_do_not_overflow_lane_counters)
{
    /* 8192-wide tiles of all-max values: far more vector steps than the
     * SIMD accumulators' flush interval, and floor counts above 32767. */
    const uint32_t w = 20000, h = 3;
    size_t stride = lscan__a_stride(w);
    uint16_t *a = malloc(stride * (h + 1) * sizeof *a);
    cr_assert_not_null(a);
    for (size_t i = 0; i < stride * (h + 1); i++)
        a[i] = LSCAN__A_MAX;
    lscan__tile_acc ref[3] = {{0}}, got[3];
    lscan__kernels_ref()->tiles(a, stride, w, h, 8192, 1, ref);
    cr_expect_eq(ref[0].sum, 8192ull * 3 * LSCAN__A_MAX);
    cr_expect_eq(ref[0].sum2, 8192ull * 3 * LSCAN__A_MAX * LSCAN__A_MAX);
    cr_expect_eq(ref[0].floor, 8192u * 3);
    cr_expect_eq(ref[2].floor, (20000u - 16384u) * 3);
    for (int k = 1; k <= 2; k++) {
        const lscan__kernels *kt = isa_tables(k);
        if (!kt) continue;
        memset(got, 0, sizeof got);
        kt->tiles(a, stride, w, h, 8192, 1, got);
        cr_expect_eq(memcmp(ref, got, sizeof ref), 0, "%s", kt->name);
    }
    free(a);
}

Test(features, coverage_and_attenuation_kernels_every_isa_equal_reference)
{
    uint16_t *lut = malloc(LSCAN__LUT_SIZE * sizeof *lut);
    cr_assert_not_null(lut);
    lscan__calib_build_lut(lut);
    uint64_t st = 777;
    for (int iter = 0; iter < 600; iter++) {
        uint32_t w = 1 + (uint32_t)(tu_rand(&st) % 150), h = 1 + (uint32_t)(tu_rand(&st) % 20);
        size_t stride = w + (size_t)(tu_rand(&st) % 9);
        uint16_t *src = malloc(stride * h * sizeof *src);
        uint16_t thr[20];
        int32_t off[20];
        cr_assert_not_null(src);
        fill(src, stride * h, iter % 5, 65535, &st);
        for (uint32_t y = 0; y < h; y++) {
            thr[y] = (uint16_t)(y % 3 == 0 ? tu_rand(&st) : y % 3 == 1 ? 0 : 65535);
            /* Offsets that push values past both clamps. */
            off[y] = (int32_t)(tu_rand(&st) % 70000) - 40000;
        }
        uint16_t xm = (iter & 1) ? 0xffff : 0;
        uint32_t rc_ref[20], rc[20];
        uint16_t *cc_ref = calloc(w, 2), *cc = calloc(w, 2);
        size_t ds = w + 3;
        uint16_t *d_ref = calloc(ds * h, 2), *d = calloc(ds * h, 2);
        cr_assert(cc_ref && cc && d_ref && d);
        lscan__kernels_ref()->coverage(src, stride, w, h, xm, thr, rc_ref, cc_ref);
        lscan__kernels_ref()->attenuation(src, stride, w, h, lut, xm, off, d_ref, ds);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                int32_t e = (int32_t)lut[(uint16_t)(src[y * stride + x] ^ xm)] + off[y];
                e = e < 0 ? 0 : e > LSCAN__A_MAX ? LSCAN__A_MAX : e;
                cr_assert_eq(d_ref[y * ds + x], e);
            }
        for (int k = 1; k <= 2; k++) {
            const lscan__kernels *kt = isa_tables(k);
            if (!kt) continue;
            memset(cc, 0, w * 2);
            memset(d, 0, ds * h * 2);
            kt->coverage(src, stride, w, h, xm, thr, rc, cc);
            cr_assert_eq(memcmp(rc, rc_ref, h * sizeof *rc), 0, "%s coverage rows w=%u", kt->name,
                         w);
            cr_assert_eq(memcmp(cc, cc_ref, w * 2), 0, "%s coverage columns w=%u", kt->name, w);
            kt->coverage(src, stride, w, h, xm, thr, rc, NULL);
            cr_assert_eq(memcmp(rc, rc_ref, h * sizeof *rc), 0, "%s rows without columns",
                         kt->name);
            kt->attenuation(src, stride, w, h, lut, xm, off, d, ds);
            cr_assert_eq(memcmp(d, d_ref, ds * h * 2), 0, "%s attenuation w=%u h=%u", kt->name, w,
                         h);
        }
        free(src);
        free(cc_ref);
        free(cc);
        free(d_ref);
        free(d);
    }
    free(lut);
}

/* ---- analysis on generated scans is identical for every kernel set ---------- */

static lscan_image *generate(lscan_ctx *ctx, uint32_t size, int cls, uint64_t seed,
                             lscan_synth_truth **t)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.container = size;
    p.cls = cls;
    lscan_image *img = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, t), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    return img;
}

static void expect_same_analysis(const lscan_analysis *a, const lscan_analysis *b, const char *what)
{
    lscan_box ba, bb;
    lscan_analysis_container(a, &ba);
    lscan_analysis_container(b, &bb);
    cr_assert_eq(memcmp(&ba, &bb, sizeof ba), 0, "%s: box", what);
    uint32_t ca, ra, cb, rb;
    lscan_analysis_grid(a, &ca, &ra);
    lscan_analysis_grid(b, &cb, &rb);
    cr_assert(ca == cb && ra == rb, "%s: grid", what);
    cr_assert_eq(memcmp(lscan_analysis_image_features(a), lscan_analysis_image_features(b),
                        LSCAN__IMAGE_FEATURES * sizeof(float)),
                 0, "%s: image features", what);
    cr_assert_eq(memcmp(lscan_analysis_tile_features(a), lscan_analysis_tile_features(b),
                        (size_t)ca * ra * LSCAN__TILE_FEATURES * sizeof(float)),
                 0, "%s: tile features", what);
    lscan_calibration x = {.size = sizeof x}, y = {.size = sizeof y};
    lscan_analysis_calibration(a, &x);
    lscan_analysis_calibration(b, &y);
    cr_assert_eq(memcmp(&x, &y, sizeof x), 0, "%s: calibration", what);
}

Test(features, analysis_is_bit_identical_for_every_kernel_set)
{
    lscan_ctx *ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
    const uint32_t sizes[4] = {LSCAN_SYNTH_20FT, LSCAN_SYNTH_40FT, LSCAN_SYNTH_HIRES,
                               LSCAN_SYNTH_20FT};
    const int classes[4] = {LSCAN_CLASS_MIXED, LSCAN_CLASS_IMPENETRABLE, LSCAN_CLASS_DENSE_OBJECT,
                            LSCAN_CLASS_EMPTY};
    const uint32_t masks[3] = {LSCAN_CPU_SSE2 | LSCAN_CPU_AVX2 | LSCAN_CPU_NEON, LSCAN_CPU_AVX2, 0};
    for (int s = 0; s < 4; s++) {
        lscan_image *img = generate(ctx, sizes[s], classes[s], 4000 + (uint64_t)s, NULL);
        lscan_analysis *ref = NULL;
        for (int m = 0; m < 3; m++) {
            cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, masks[m]),
                         LSCAN_OK);
            lscan_analysis *a = NULL;
            cr_assert_eq(lscan_analyze(ctx, img, NULL, &a), LSCAN_OK, "%s",
                         lscan_ctx_error_message(ctx));
            if (!ref)
                ref = a;
            else {
                expect_same_analysis(ref, a, lscan_ctx_kernel_name(ctx));
                lscan_analysis_free(a);
            }
        }
        /* Every feature is finite. */
        uint32_t cols, rows;
        lscan_analysis_grid(ref, &cols, &rows);
        const float *tf = lscan_analysis_tile_features(ref);
        for (size_t i = 0; i < (size_t)cols * rows * LSCAN__TILE_FEATURES; i++)
            cr_assert(isfinite(tf[i]));
        for (int i = 0; i < LSCAN__IMAGE_FEATURES; i++)
            cr_assert(isfinite(lscan_analysis_image_features(ref)[i]));
        lscan_analysis_free(ref);
        lscan_image_free(img);
    }
    lscan_ctx_free(ctx);
}

Test(features, scratch_is_reused_for_same_size_images)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img = generate(ctx, LSCAN_SYNTH_20FT, LSCAN_CLASS_HOMOGENEOUS, 31, NULL);
    lscan_analysis *a = NULL;
    cr_assert_eq(lscan_analyze(ctx, img, NULL, &a), LSCAN_OK);
    lscan_analysis_free(a);
    struct lscan__feat_scratch *s = ctx->feat;
    cr_assert_not_null(s);
    void *abuf = s->abuf, *rows = s->row_off, *cols = s->col_count, *acc = s->acc, *lut = s->lut;
    cr_assert_eq(lscan_analyze(ctx, img, NULL, &a), LSCAN_OK);
    cr_expect_eq(s->abuf, abuf);
    cr_expect_eq(s->row_off, rows);
    cr_expect_eq(s->col_count, cols);
    cr_expect_eq(s->acc, acc);
    cr_expect_eq(s->lut, lut);
    lscan_analysis_free(a);
    lscan_image_free(img);
    lscan_ctx_free(ctx);
}

/* ---- hand-computed features on a constructed scan ---------------------------- */

/* 400x300 scan, air 60000 everywhere outside the box [50,350)x[50,250),
 * A = 0.5 inside, a block of A = 3 filling tile (3,2) exactly, and a
 * quarter of tile (6,4) at 0 (the noise floor). No noise, gain 1. With
 * pitch 4.6875 mm the tiles are 32 px. */
#define CW 400
#define CH 300
static uint16_t v05, v3;

static lscan_image *constructed(lscan_ctx *ctx, uint16_t *px)
{
    v05 = (uint16_t)lround(60000.0 * exp(-0.5));
    v3 = (uint16_t)lround(60000.0 * exp(-3.0));
    for (uint32_t y = 0; y < CH; y++)
        for (uint32_t x = 0; x < CW; x++) {
            uint16_t v = 60000;
            if (x >= 50 && x < 350 && y >= 50 && y < 250) v = v05;
            if (x >= 50 + 3 * 32 && x < 50 + 4 * 32 && y >= 50 + 2 * 32 && y < 50 + 3 * 32) v = v3;
            if (x >= 50 + 6 * 32 && x < 50 + 6 * 32 + 16 && y >= 50 + 4 * 32 &&
                y < 50 + 4 * 32 + 16)
                v = 0;
            px[y * CW + x] = v;
        }
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, px, CW, CH, CW * 2, 16, NULL, &img), LSCAN_OK);
    return img;
}

/* The fixed-point attenuation the library must produce: written out from
 * its definition, not through the library's table. */
static double a_fp(uint16_t v)
{
    long l = lround(2048.0 * log(65535.0 / (v ? (double)v : 0.5)));
    long off = lround(2048.0 * log(60000.0 / 65535.0));
    long a = l + off;
    return (double)(a < 0 ? 0 : a > 32767 ? 32767 : a);
}

/* The residual stage on the constructed scan: the plain box is an empty
 * container (its structure levels are the interior's 0.5), so r2 is the
 * block (2.5) and the floor quarter (A0 - 0.5) and nothing else. Cells are a
 * tile / 8 = 4 px (1.875 cm): the block is 8 x 8 cells, the floor 4 x 4. */
Test(features, residual_emptiness_and_floor_regions_hand_computed)
{
    lscan_ctx *ctx = lscan_ctx_new();
    uint16_t *px = malloc(CW * CH * 2);
    lscan_image *img = constructed(ctx, px);
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    o.pitch_mm = 4.6875f;
    lscan_analysis *a = NULL;
    cr_assert_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    const double A05 = a_fp(v05) / 2048.0, A3 = a_fp(v3) / 2048.0, A0 = a_fp(0) / 2048.0;
    const double cell_cm2 = 1.875 * 1.875;
    const float *im = lscan_analysis_image_features(a);
    /* No structure band: every row and column is at the walls' level. */
    cr_expect(a->band[0] == 0 && a->band[1] == 0 && a->band[2] == 0 && a->band[3] == 0);
    cr_expect_float_eq(a->wall_level, (float)A05, 1e-5f);
    /* Inner cells: 2 cells (4 cm) in from every edge: 71 x 46. */
    cr_expect_float_eq(im[LSCAN__IF_LOADED_FRAC], (float)(80.0 / (71 * 46)), 1e-6f);
    cr_expect_float_eq(im[LSCAN__IF_LARGEST_OBJECT], (float)log1p(64 * cell_cm2), 1e-5f);
    cr_expect_float_eq(im[LSCAN__IF_OBJECTS], (float)log1p(2), 1e-6f);
    cr_expect_float_eq(im[LSCAN__IF_SMALL_LOAD], (float)log1p(80 * cell_cm2), 1e-5f);
    cr_expect_float_eq(im[LSCAN__IF_NO_LOAD], 0.0f, 0.0f);
    double mass = (64 * (A3 - A05) + 16 * (A0 - A05)) * cell_cm2 * 1e-4 * 100;
    cr_expect_float_eq(im[LSCAN__IF_LOAD_MASS], (float)log1p(mass), 1e-4f);
    cr_expect_float_eq(im[LSCAN__IF_FLOOR_REGION], (float)log1p(16 * cell_cm2), 1e-5f);
    cr_expect_float_eq(im[LSCAN__IF_FLOOR_FRAC], (float)(16.0 / (75 * 50)), 1e-7f);
    /* Tiles: the block's tile holds r2 = A3 - A05 in every cell, a plain tile 0. */
    uint32_t cols;
    lscan_analysis_grid(a, &cols, NULL);
    const float *tf = lscan_analysis_tile_features(a);
    const float *t = tf + (2 * cols + 3) * LSCAN__TILE_FEATURES;
    cr_expect_float_eq(t[LSCAN__TF_RES_MEAN], (float)(A3 - A05), 1e-5f);
    cr_expect_float_eq(t[LSCAN__TF_RES_MAX], (float)(A3 - A05), 1e-5f);
    cr_expect_float_eq(t[LSCAN__TF_IN_LOAD], 1.0f, 0.0f);
    t = tf + (1 * cols + 1) * LSCAN__TILE_FEATURES;
    cr_expect_float_eq(t[LSCAN__TF_RES_MEAN], 0.0f, 1e-6f);
    cr_expect_float_eq(t[LSCAN__TF_IN_LOAD], 0.0f, 0.0f);
    cr_expect_float_eq(t[LSCAN__TF_FLOOR_REGION], 0.0f, 0.0f);
    t = tf + (4 * cols + 6) * LSCAN__TILE_FEATURES;
    cr_expect_float_eq(t[LSCAN__TF_FLOOR_REGION], (float)log1p(16 * cell_cm2), 1e-5f);
    lscan_analysis_free(a);
    lscan_image_free(img);

    /* Without the block and the floor quarter: an empty container. */
    for (uint32_t y = 50; y < 250; y++)
        for (uint32_t x = 50; x < 350; x++)
            px[y * CW + x] = v05;
    cr_assert_eq(lscan_image_wrap(ctx, px, CW, CH, CW * 2, 16, NULL, &img), LSCAN_OK);
    cr_assert_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_OK);
    im = lscan_analysis_image_features(a);
    cr_expect_float_eq(im[LSCAN__IF_NO_LOAD], 1.0f, 0.0f);
    cr_expect_float_eq(im[LSCAN__IF_LOADED_FRAC], 0.0f, 0.0f);
    cr_expect_float_eq(im[LSCAN__IF_SMALL_LOAD], 0.0f, 0.0f);
    lscan_analysis_free(a);
    lscan_image_free(img);
    free(px);
    lscan_ctx_free(ctx);
}

/* Planes seen edge-on: the plain 300 x 200 box at A = 0.5 with a roof line
 * (3 rows at A = 3 from box row 10), a 1-px row of A = 1.5 at box row 63
 * over the whole length (a false ceiling), a 1-px column of A = 1.5 over
 * the whole height 107 px from the left end (a false wall, 50 cm in) and a
 * floor band (box rows 180-199 at A = 1.5) that sets which way is up.
 * Ridges: 1.5 - 0.5 in every segment and band; the roof line's rows 10-12
 * all reach A3 - A05 at one of the two ridge widths. */
Test(features, false_wall_and_ceiling_planes)
{
    lscan_ctx *ctx = lscan_ctx_new();
    uint16_t *px = malloc(CW * CH * 2);
    const uint16_t v15 = (uint16_t)lround(60000.0 * exp(-1.5)),
                   v05l = (uint16_t)lround(60000.0 * exp(-0.5)),
                   v3l = (uint16_t)lround(60000.0 * exp(-3.0));
    for (uint32_t y = 0; y < CH; y++)
        for (uint32_t x = 0; x < CW; x++) {
            bool in = x >= 50 && x < 350 && y >= 50 && y < 250;
            uint16_t v = !in ? 60000 : v05l;
            if (in && (x == 50 + 107 || y == 50 + 63)) v = v15;
            if (in && y >= 60 && y < 63) v = v3l;
            if (in && y >= 50 + 180) v = v15; /* the floor: heavier than the roof line */
            px[y * CW + x] = v;
        }
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, px, CW, CH, CW * 2, 16, NULL, &img), LSCAN_OK);
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    o.pitch_mm = 4.6875f;
    lscan_analysis *a = NULL;
    cr_assert_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    const float *im = lscan_analysis_image_features(a);
    double rise = (a_fp(v15) - a_fp(v05l)) / 2048.0, roof = (a_fp(v3l) - a_fp(v05l)) / 2048.0;
    const float none = (float)log(0.01), line = (float)log(rise + 0.01),
                heavy = (float)log(roof + 0.01);
    /* Bins at 4.6875 mm: 0-21, 21-42, 42-85, 85-149, 149-234 px from the edge.
     * From the top: the roof line (rows 10-12) in the first, the ceiling
     * (row 63) in the third. */
    const float want_roof[5] = {heavy, none, line, none, none};
    /* From either end: the wall, 107 px from the left (fourth bin) and 192
     * from the right (last); both ends see it beyond 20 cm: no asymmetry. */
    const float want_end[5] = {none, none, none, line, line};
    /* From the bottom (the floor band's top edge is a step, no line): the
     * ceiling 136 px up, then the roof line 187-189 px up. */
    const float want_floor[5] = {none, none, none, line, heavy};
    for (int k = 0; k < 5; k++) {
        cr_expect_float_eq(im[LSCAN__IF_ROOF_PLANE + k], want_roof[k], 1e-5f, "roof bin %d", k);
        cr_expect_float_eq(im[LSCAN__IF_END_PLANE + k], want_end[k], 1e-5f, "end bin %d", k);
        cr_expect_float_eq(im[LSCAN__IF_FLOOR_PLANE + k], want_floor[k], 1e-5f, "floor bin %d", k);
    }
    cr_expect_float_eq(im[LSCAN__IF_END_PLANE_ASYM], 0.0f, 1e-6f);
    lscan_calibration cal = {.size = sizeof cal};
    lscan_analysis_calibration(a, &cal);
    cr_expect_not(cal.flags & LSCAN_CALIB_UPSIDE_DOWN);
    /* Upside down (a bottom-up detector array) the same container gives the
     * same planes: the roof is found at the bottom. */
    lscan_analysis_free(a);
    uint16_t *fl = malloc(CW * CH * 2);
    for (uint32_t y = 0; y < CH; y++)
        memcpy(fl + (size_t)y * CW, px + (size_t)(CH - 1 - y) * CW, CW * 2);
    lscan_image *flipped = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, fl, CW, CH, CW * 2, 16, NULL, &flipped), LSCAN_OK);
    cr_assert_eq(lscan_analyze(ctx, flipped, &o, &a), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_analysis_calibration(a, &cal);
    cr_expect(cal.flags & LSCAN_CALIB_UPSIDE_DOWN);
    for (int k = 0; k < 5; k++)
        cr_expect_float_eq(lscan_analysis_image_features(a)[LSCAN__IF_ROOF_PLANE + k],
                           want_roof[k], 1e-5f, "upside down: roof bin %d", k);
    lscan_analysis_free(a);
    lscan_image_free(flipped);
    free(fl);
    /* Any pitch the options accept: bands in pixels far outside the box. */
    const float pitches[] = {1e-9f, 1000.0f};
    for (int k = 0; k < 2; k++) {
        o.pitch_mm = pitches[k];
        cr_assert_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        lscan_analysis_free(a);
    }
    lscan_image_free(img);
    free(px);
    lscan_ctx_free(ctx);
}

Test(features, options_and_arguments_are_checked)
{
    lscan_ctx *ctx = lscan_ctx_new();
    uint16_t *px = malloc(CW * CH * 2);
    lscan_image *img = constructed(ctx, px);
    lscan_analysis *a = (lscan_analysis *)1;
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    cr_expect_eq(o.size, sizeof o);
    o.size = 0;
    cr_expect_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_null(a);
    lscan_analyze_options_init(&o);
    o.polarity = 3;
    cr_expect_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_analyze_options_init(&o);
    o.pitch_mm = -1;
    cr_expect_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_ERR_INVALID_ARGUMENT);
    o.pitch_mm = NAN;
    cr_expect_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_analyze_options_init(&o);
    o.air_level = 70000;
    cr_expect_eq(lscan_analyze(ctx, img, &o, &a), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_neq(strlen(lscan_ctx_error_message(ctx)), 0u);
    cr_expect_eq(lscan_analyze(ctx, NULL, NULL, &a), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_analyze(ctx, img, NULL, NULL), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_analyze(NULL, img, NULL, &a), LSCAN_ERR_INVALID_ARGUMENT);
    /* A smaller (older) options struct: only the fields it has are read. */
    struct {
        uint32_t size, polarity;
    } old = {sizeof old, LSCAN_POLARITY_TRANSMISSION};
    cr_expect_eq(lscan_analyze(ctx, img, (const lscan_analyze_options *)(const void *)&old, &a),
                 LSCAN_OK);
    lscan_calibration c = {.size = 8}; /* an older, shorter calibration struct */
    cr_expect_eq(lscan_analysis_calibration(a, &c), LSCAN_OK);
    cr_expect_eq(c.size, 8u);
    cr_expect_float_eq(c.air_level, 60000.0f, 0.5f);
    lscan_analysis_free(a);
    lscan_analysis_free(NULL);
    cr_expect_null(lscan_analysis_tile_features(NULL));
    cr_expect_eq(lscan_ctx_error(ctx), LSCAN_OK);
    lscan_image_free(img);
    free(px);
    lscan_ctx_free(ctx);
}

Test(features, arbitrary_small_images_analyse_or_fail_cleanly)
{
    /* Random sizes and contents, including 1-pixel and 1-row images: every
     * call either succeeds with finite features inside the image or fails
     * with an analysis error, never anything else. */
    lscan_ctx *ctx = lscan_ctx_new();
    uint64_t st = 4242;
    int ok = 0;
    for (int it = 0; it < 300; it++) {
        uint32_t w = 1 + (uint32_t)(tu_rand(&st) % 90), h = 1 + (uint32_t)(tu_rand(&st) % 70);
        uint16_t *px = malloc((size_t)w * h * 2);
        cr_assert_not_null(px);
        int mode = it % 4;
        for (size_t i = 0; i < (size_t)w * h; i++) {
            uint64_t r = tu_rand(&st);
            px[i] = mode == 0   ? (uint16_t)r
                    : mode == 1 ? (uint16_t)(50000 + r % 3000)
                    : mode == 2 ? (uint16_t)((i % w) * 65535 / w)
                                : (uint16_t)(r % 2 ? 65535 : r % 4000);
        }
        lscan_image *img = NULL;
        cr_assert_eq(lscan_image_wrap(ctx, px, w, h, (size_t)w * 2, 16, NULL, &img), LSCAN_OK);
        lscan_analysis *a = NULL;
        int rc = lscan_analyze(ctx, img, NULL, &a);
        if (rc == LSCAN_OK) {
            ok++;
            lscan_box b;
            lscan_analysis_container(a, &b);
            cr_assert(b.x0 < b.x1 && b.x1 <= w && b.y0 < b.y1 && b.y1 <= h);
            uint32_t cols, rows;
            lscan_analysis_grid(a, &cols, &rows);
            const float *tf = lscan_analysis_tile_features(a);
            for (size_t i = 0; i < (size_t)cols * rows * LSCAN__TILE_FEATURES; i++)
                cr_assert(isfinite(tf[i]));
            for (int i = 0; i < LSCAN__IMAGE_FEATURES; i++)
                cr_assert(isfinite(lscan_analysis_image_features(a)[i]));
            lscan_analysis_free(a);
        } else {
            cr_assert(rc == LSCAN_ERR_BLANK || rc == LSCAN_ERR_OVEREXPOSED ||
                          rc == LSCAN_ERR_NO_CONTAINER || rc == LSCAN_ERR_CALIBRATION,
                      "%dx%d: %s", w, h, lscan_status_name(rc));
            cr_assert_null(a);
        }
        lscan_image_free(img);
        free(px);
    }
    cr_log_info("%d of 300 analysed", ok);
    lscan_ctx_free(ctx);
}
