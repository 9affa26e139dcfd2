/* kernels_dual_avx2.c — AVX2 dual-energy kernels; each must give the bits of its _ref twin in
 * kernels_dual_ref.c. */
#include "features/feat.h"

#include <immintrin.h>

/* Matches lscan__cells_ref: column sums over the rows (32-bit lanes), then
 * each cell's columns added. Exact: integer sums in the same totals. */
void lscan__cells_avx2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t cell, uint32_t *colacc, uint32_t *sums)
{
    uint32_t x = 0;
    for (; x + 16 <= width; x += 16) {
        __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
        for (uint32_t y = 0; y < height; y++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(a + (size_t)y * stride + x));
            lo = _mm256_add_epi32(lo, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(v)));
            hi = _mm256_add_epi32(hi, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1)));
        }
        _mm256_storeu_si256((__m256i *)(colacc + x), lo);
        _mm256_storeu_si256((__m256i *)(colacc + x + 8), hi);
    }
    for (; x < width; x++) {
        uint32_t s = 0;
        for (uint32_t y = 0; y < height; y++)
            s += a[(size_t)y * stride + x];
        colacc[x] = s;
    }
    for (uint32_t x0 = 0, c = 0; x0 < width; x0 += cell, c++) {
        uint32_t x1 = x0 + cell < width ? x0 + cell : width, s = 0;
        for (uint32_t i = x0; i < x1; i++)
            s += colacc[i];
        sums[c] += s;
    }
}

/* Matches lscan__classify_ref, eight cells at a time: the curves and the
 * resolvability flags gathered per lane, distances in int32 (exact: every
 * product is below 2^31), the first smallest distance wins as in the
 * reference. */
void lscan__classify_avx2(const uint16_t *mh, const uint16_t *ml, size_t n,
                          const lscan__mat_table *t, uint8_t *out)
{
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i fh = _mm256_set1_epi32(t->floor_h), fl = _mm256_set1_epi32(t->floor_l);
    const __m256i bins = _mm256_set1_epi32(LSCAN__MAT_BINS);
    const int *r0 = (const int *)&t->r[0][0], *ok0 = (const int *)&t->ok[0][0];
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(mh + i)));
        __m256i lraw = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(ml + i)));
        __m256i l = _mm256_slli_epi32(lraw, LSCAN__MAT_R_SHIFT);
        __m256i b = _mm256_srli_epi32(h, LSCAN__MAT_BIN_SHIFT);
        __m256i best = _mm256_setzero_si256();
        __m256i dist = _mm256_abs_epi32(
            _mm256_sub_epi32(l, _mm256_mullo_epi32(h, _mm256_i32gather_epi32(r0, b, 4))));
        __m256i idx = b;
        for (int c = 1; c < LSCAN__MAT_CLASSES; c++) {
            idx = _mm256_add_epi32(idx, bins);
            __m256i r = _mm256_i32gather_epi32(r0, idx, 4);
            __m256i d = _mm256_abs_epi32(_mm256_sub_epi32(l, _mm256_mullo_epi32(h, r)));
            __m256i lt = _mm256_cmpgt_epi32(dist, d);
            dist = _mm256_blendv_epi8(dist, d, lt);
            best = _mm256_blendv_epi8(best, _mm256_set1_epi32(c), lt);
        }
        __m256i ok =
            _mm256_i32gather_epi32(ok0, _mm256_add_epi32(_mm256_mullo_epi32(best, bins), b), 4);
        __m256i in = _mm256_and_si256(_mm256_cmpgt_epi32(fh, h), _mm256_cmpgt_epi32(fl, lraw));
        ok = _mm256_and_si256(_mm256_and_si256(ok, one), in);
        __m256i cls = _mm256_and_si256(_mm256_add_epi32(best, one),
                                       _mm256_sub_epi32(_mm256_setzero_si256(), ok));
        /* 32-bit lanes to bytes: values 0..4 pack without saturation. */
        __m256i p16 = _mm256_packs_epi32(cls, cls);
        __m256i p8 = _mm256_packus_epi16(p16, p16);
        uint32_t lo = (uint32_t)_mm_cvtsi128_si32(_mm256_castsi256_si128(p8));
        uint32_t hi = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(p8, 1));
        for (int k = 0; k < 4; k++) {
            out[i + k] = (uint8_t)(lo >> (8 * k));
            out[i + 4 + k] = (uint8_t)(hi >> (8 * k));
        }
    }
    if (i < n) lscan__classify_ref(mh + i, ml + i, n - i, t, out + i);
}
