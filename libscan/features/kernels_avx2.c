/* kernels_avx2.c — AVX2 kernels; each must give the bits of its _ref twin in kernels_ref.c. */
#include "features/feat.h"

#include <immintrin.h>

/* 16 all-ones lanes then 16 zero lanes; loading at (16 - n) gives n valid lanes. */
static const uint16_t lane_mask[32] = {
    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0,      0,      0,      0,      0,      0,
    0,      0,      0,      0,      0,      0,      0,      0,      0,      0};

static inline uint64_t hsum_epi32(__m256i v)
{
    uint32_t t[8];
    _mm256_storeu_si256((__m256i *)t, v);
    return (uint64_t)t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}

static inline uint64_t hsum_epi64(__m256i v)
{
    uint64_t t[4];
    _mm256_storeu_si256((__m256i *)t, v);
    return t[0] + t[1] + t[2] + t[3];
}

/* Matches lscan__coverage_ref. */
void lscan__coverage_avx2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                          uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                          uint16_t *col_count)
{
    const __m256i xm = _mm256_set1_epi16((short)xor_mask), one = _mm256_set1_epi16(1);
    const __m256i zero = _mm256_setzero_si256();
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = src + (size_t)y * stride;
        const __m256i t = _mm256_set1_epi16((short)thr[y]);
        __m256i rc = zero, rc32 = zero;
        uint32_t x = 0, k = 0;
        for (; x + 16 <= width; x += 16) {
            __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(row + x)), xm);
            /* t - v saturates to 0 exactly when v >= t: 1 for "v < t". */
            __m256i c = _mm256_add_epi16(_mm256_cmpeq_epi16(_mm256_subs_epu16(t, v), zero), one);
            if (col_count) {
                __m256i cc = _mm256_loadu_si256((const __m256i *)(col_count + x));
                _mm256_storeu_si256((__m256i *)(col_count + x), _mm256_add_epi16(cc, c));
            }
            rc = _mm256_add_epi16(rc, c);
            if (++k == 32767) {
                rc32 = _mm256_add_epi32(rc32, _mm256_madd_epi16(rc, one));
                rc = zero;
                k = 0;
            }
        }
        rc32 = _mm256_add_epi32(rc32, _mm256_madd_epi16(rc, one));
        uint32_t n = (uint32_t)hsum_epi32(rc32);
        for (; x < width; x++) {
            uint32_t c = (uint16_t)(row[x] ^ xor_mask) < thr[y];
            n += c;
            if (col_count) col_count[x] = (uint16_t)(col_count[x] + c);
        }
        row_count[y] = n;
    }
}

/* Matches lscan__attenuation_ref: 32-bit gathers from the 16-bit table
 * (the table has one padding entry so the last lookup stays inside), the
 * row offset added in 32 bits, then packus clamps below at 0 and min at
 * LSCAN__A_MAX, as the reference does. */
void lscan__attenuation_avx2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                             const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                             uint16_t *dst, size_t dst_stride)
{
    const __m256i xm = _mm256_set1_epi16((short)xor_mask);
    const __m256i low16 = _mm256_set1_epi32(0xffff), amax = _mm256_set1_epi16(LSCAN__A_MAX);
    const int *base = (const int *)(const void *)lut;
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = src + (size_t)y * stride;
        uint16_t *out = dst + (size_t)y * dst_stride;
        const int32_t off = row_off[y];
        const __m256i voff = _mm256_set1_epi32(off);
        uint32_t x = 0;
        for (; x + 16 <= width; x += 16) {
            __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(row + x)), xm);
            __m256i lo = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(v));
            __m256i hi = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1));
            __m256i glo = _mm256_and_si256(_mm256_i32gather_epi32(base, lo, 2), low16);
            __m256i ghi = _mm256_and_si256(_mm256_i32gather_epi32(base, hi, 2), low16);
            glo = _mm256_add_epi32(glo, voff);
            ghi = _mm256_add_epi32(ghi, voff);
            /* packus interleaves 128-bit halves; the permute restores order. */
            __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(glo, ghi), 0xd8);
            _mm256_storeu_si256((__m256i *)(out + x), _mm256_min_epu16(p, amax));
        }
        for (; x < width; x++) {
            int32_t a = (int32_t)lut[(uint16_t)(row[x] ^ xor_mask)] + off;
            if (a < 0) a = 0;
            if (a > LSCAN__A_MAX) a = LSCAN__A_MAX;
            out[x] = (uint16_t)a;
        }
    }
}

struct vacc {
    __m256i sum, sum2, gx, gy, fl, mx;
};

static inline void flush(struct vacc *v, lscan__tile_acc *acc)
{
    const __m256i one = _mm256_set1_epi16(1);
    acc->sum += hsum_epi32(v->sum);
    acc->sum2 += hsum_epi64(v->sum2);
    acc->gx += hsum_epi32(v->gx);
    acc->gy += hsum_epi32(v->gy);
    acc->floor += (uint32_t)hsum_epi32(_mm256_madd_epi16(v->fl, one));
    uint16_t m[16];
    _mm256_storeu_si256((__m256i *)m, v->mx);
    for (int i = 0; i < 16; i++)
        if (m[i] > acc->max) acc->max = m[i];
    v->sum = v->sum2 = v->gx = v->gy = v->fl = v->mx = _mm256_setzero_si256();
}

/* Matches lscan__tiles_ref. Values are <= 32767, so signed 16-bit
 * multiply-add is exact: v*v pairs sum to at most 2 * 32767^2 < 2^31. */
void lscan__tiles_avx2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc)
{
    const __m256i one = _mm256_set1_epi16(1), zero = _mm256_setzero_si256();
    const __m256i fthr = _mm256_set1_epi16((short)(floor_thr - 1));
    const __m256i full = _mm256_loadu_si256((const __m256i *)lane_mask);
    for (uint32_t x0 = 0, t = 0; x0 < width; x0 += tile_w, t++) {
        uint32_t x1 = x0 + tile_w < width ? x0 + tile_w : width;
        struct vacc v = {zero, zero, zero, zero, zero, zero};
        uint32_t it = 0;
        for (uint32_t y = 0; y < height; y++) {
            const uint16_t *row = a + (size_t)y * stride, *next = row + stride;
            for (uint32_t x = x0; x < x1; x += 16) {
                __m256i m = x + 16 <= x1
                                ? full
                                : _mm256_loadu_si256((const __m256i *)(lane_mask + 16 - (x1 - x)));
                __m256i p = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(row + x)), m);
                __m256i p1 =
                    _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(row + x + 1)), m);
                __m256i pn = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(next + x)), m);
                __m256i dx = _mm256_or_si256(_mm256_subs_epu16(p1, p), _mm256_subs_epu16(p, p1));
                __m256i dy = _mm256_or_si256(_mm256_subs_epu16(pn, p), _mm256_subs_epu16(p, pn));
                v.sum = _mm256_add_epi32(v.sum, _mm256_madd_epi16(p, one));
                __m256i s2 = _mm256_madd_epi16(p, p);
                v.sum2 = _mm256_add_epi64(v.sum2, _mm256_unpacklo_epi32(s2, zero));
                v.sum2 = _mm256_add_epi64(v.sum2, _mm256_unpackhi_epi32(s2, zero));
                v.gx = _mm256_add_epi32(v.gx, _mm256_madd_epi16(dx, one));
                v.gy = _mm256_add_epi32(v.gy, _mm256_madd_epi16(dy, one));
                v.fl = _mm256_sub_epi16(v.fl, _mm256_cmpgt_epi16(p, fthr));
                v.mx = _mm256_max_epi16(v.mx, p);
                /* Lanes gain at most 65534 (sums) or 1 (floor) per step. */
                if (++it == 4096) {
                    flush(&v, &acc[t]);
                    it = 0;
                }
            }
        }
        flush(&v, &acc[t]);
    }
}
