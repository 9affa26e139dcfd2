/* dispatch.c — kernel tables per ISA, chosen once per context, and the context's reusable scratch.
 */
#include "features/feat.h"

#include <stdlib.h>
#include <string.h>

static const lscan__kernels kernels_ref = {
    "scalar",         lscan__coverage_ref, lscan__attenuation_ref,
    lscan__tiles_ref, lscan__cells_ref,    lscan__classify_ref};

#ifdef LSCAN_HAVE_SSE2_KERNELS
static const lscan__kernels kernels_sse2 = {"sse2",
                                            lscan__coverage_sse2,
                                            lscan__attenuation_sse2,
                                            lscan__tiles_sse2,
                                            lscan__cells_sse2,
                                            lscan__classify_sse2};
#endif
#ifdef LSCAN_HAVE_AVX2_KERNELS
static const lscan__kernels kernels_avx2 = {"avx2",
                                            lscan__coverage_avx2,
                                            lscan__attenuation_avx2,
                                            lscan__tiles_avx2,
                                            lscan__cells_avx2,
                                            lscan__classify_avx2};
#endif
#ifdef LSCAN_HAVE_NEON_KERNELS
/* The dual-energy kernels have no NEON version yet: the references. */
static const lscan__kernels kernels_neon = {
    "neon",           lscan__coverage_neon, lscan__attenuation_neon, lscan__tiles_neon,
    lscan__cells_ref, lscan__classify_ref};
#endif

const lscan__kernels *lscan__kernels_ref(void)
{
    return &kernels_ref;
}

const lscan__kernels *lscan__kernels_for(uint32_t cpu_features)
{
#ifdef LSCAN_HAVE_AVX2_KERNELS
    if ((cpu_features & (LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2)) == (LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2))
        return &kernels_avx2;
#endif
#ifdef LSCAN_HAVE_SSE2_KERNELS
    if (cpu_features & LSCAN_CPU_SSE2) return &kernels_sse2;
#endif
#ifdef LSCAN_HAVE_NEON_KERNELS
    if (cpu_features & LSCAN_CPU_NEON) return &kernels_neon;
#endif
    (void)cpu_features;
    return &kernels_ref;
}

LSCAN_API const char *lscan_ctx_kernel_name(const lscan_ctx *ctx)
{
    const lscan__kernels *k = ctx && ctx->kernels ? ctx->kernels : &kernels_ref;
    return k->name;
}

struct lscan__feat_scratch *lscan__feat_scratch(lscan_ctx *ctx)
{
    if (ctx->feat) return ctx->feat;
    struct lscan__feat_scratch *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->lut = malloc(LSCAN__LUT_SIZE * sizeof *s->lut);
    if (!s->lut) {
        free(s);
        return NULL;
    }
    lscan__calib_build_lut(s->lut);
    ctx->feat = s;
    return s;
}

void lscan__features_ctx_release(lscan_ctx *ctx)
{
    struct lscan__feat_scratch *s = ctx ? ctx->feat : NULL;
    if (!s) return;
    free(s->lut);
    free(s->lut_img);
    free(s->hist);
    free(s->abuf);
    free(s->row_off);
    free(s->row_thr);
    free(s->row_gain);
    free(s->row_count);
    free(s->row_level);
    free(s->row_valid);
    free(s->row_bad);
    free(s->col_count16);
    free(s->col_count);
    free(s->samples);
    free(s->acc);
    free(s);
    ctx->feat = NULL;
}

size_t lscan__features_ctx_bytes(const lscan_ctx *ctx)
{
    const struct lscan__feat_scratch *s = ctx ? ctx->feat : NULL;
    if (!s) return 0;
    return LSCAN__LUT_SIZE * sizeof *s->lut + (s->lut_img ? LSCAN__LUT_SIZE * sizeof *s->lut : 0) +
           s->hist_cap * sizeof *s->hist + s->abuf_cap * sizeof *s->abuf +
           s->acc_cap * sizeof *s->acc +
           s->rows_cap * (sizeof *s->row_off + sizeof *s->row_thr + sizeof *s->row_gain +
                          sizeof *s->row_count + sizeof *s->row_level + sizeof *s->row_valid) +
           s->cols_cap * (sizeof *s->col_count16 + sizeof *s->col_count) +
           s->samples_cap * sizeof *s->samples;
}

/* Grows *p to hold n elements of size sz (contents are not kept). */
static bool grow(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap && *p) return true;
    size_t bytes;
    if (!lscan__mul_size(n, sz, &bytes)) return false;
    void *q = malloc(bytes ? bytes : 1);
    if (!q) return false;
    free(*p);
    *p = q;
    *cap = n;
    return true;
}

int lscan__scratch_reserve(lscan_ctx *ctx, struct lscan__feat_scratch *s, uint32_t width,
                           uint32_t height, size_t abuf_samples, size_t tiles)
{
    size_t rows = s->rows_cap, cols = s->cols_cap;
    bool ok = grow((void **)&s->hist, &s->hist_cap, 65536 + 256, sizeof *s->hist) &&
              grow((void **)&s->abuf, &s->abuf_cap, abuf_samples, sizeof *s->abuf) &&
              grow((void **)&s->acc, &s->acc_cap, tiles, sizeof *s->acc);
    /* Height-sized arrays share one capacity: grow them together. */
    if (ok && (height > rows || !s->row_off)) {
        size_t cap = 0;
        ok = grow((void **)&s->row_off, &cap, height, sizeof *s->row_off);
        cap = 0;
        ok = ok && grow((void **)&s->row_thr, &cap, height, sizeof *s->row_thr);
        cap = 0;
        ok = ok && grow((void **)&s->row_gain, &cap, height, sizeof *s->row_gain);
        cap = 0;
        ok = ok && grow((void **)&s->row_count, &cap, height, sizeof *s->row_count);
        cap = 0;
        ok = ok && grow((void **)&s->row_level, &cap, height, sizeof *s->row_level);
        cap = 0;
        ok = ok && grow((void **)&s->row_valid, &cap, height, sizeof *s->row_valid);
        cap = 0;
        ok = ok && grow((void **)&s->row_bad, &cap, height, sizeof *s->row_bad);
        if (ok) s->rows_cap = height;
    }
    if (ok && (width > cols || !s->col_count)) {
        size_t cap = 0;
        ok = grow((void **)&s->col_count16, &cap, width, sizeof *s->col_count16);
        cap = 0;
        ok = ok && grow((void **)&s->col_count, &cap, width, sizeof *s->col_count);
        if (ok) s->cols_cap = width;
    }
    /* Calibration samples: a few bands of up to 64 lines x 256 values, and
     * up to 128 values per row for the row gains. */
    size_t need = (size_t)4 * 64 * 256;
    if (ok) ok = grow((void **)&s->samples, &s->samples_cap, need, sizeof *s->samples);
    if (!ok) {
        s->rows_cap = 0;
        s->cols_cap = 0;
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY,
                            "cannot allocate analysis scratch for a %ux%u image", width, height);
    }
    return LSCAN_OK;
}
