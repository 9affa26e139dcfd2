/* kernels_sse2.c — SSE2 kernels; each must give the bits of its _ref twin in kernels_ref.c. */
#include "features/feat.h"

#include <emmintrin.h>

/* Lane masks: 8 all-ones lanes then 8 zero lanes; loading at (8 - n)
 * gives n valid lanes. */
static const uint16_t lane_mask[16] = {
    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0, 0, 0, 0, 0, 0, 0, 0};

static inline uint64_t hsum_epi32(__m128i v)
{
    uint32_t t[4];
    _mm_storeu_si128((__m128i *)t, v);
    return (uint64_t)t[0] + t[1] + t[2] + t[3];
}

static inline uint64_t hsum_epi64(__m128i v)
{
    uint64_t t[2];
    _mm_storeu_si128((__m128i *)t, v);
    return t[0] + t[1];
}

/* Matches lscan__coverage_ref. */
void lscan__coverage_sse2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                          uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                          uint16_t *col_count)
{
    const __m128i xm = _mm_set1_epi16((short)xor_mask), one = _mm_set1_epi16(1);
    const __m128i zero = _mm_setzero_si128();
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = src + (size_t)y * stride;
        const __m128i t = _mm_set1_epi16((short)thr[y]);
        __m128i rc = zero, rc32 = zero;
        uint32_t x = 0, k = 0;
        for (; x + 8 <= width; x += 8) {
            __m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(row + x)), xm);
            /* t - v saturates to 0 exactly when v >= t: 1 for "v < t". */
            __m128i c = _mm_add_epi16(_mm_cmpeq_epi16(_mm_subs_epu16(t, v), zero), one);
            if (col_count) {
                __m128i cc = _mm_loadu_si128((const __m128i *)(col_count + x));
                _mm_storeu_si128((__m128i *)(col_count + x), _mm_add_epi16(cc, c));
            }
            rc = _mm_add_epi16(rc, c);
            if (++k == 32767) { /* keep the 16-bit lane counts from overflowing */
                rc32 = _mm_add_epi32(rc32, _mm_madd_epi16(rc, one));
                rc = zero;
                k = 0;
            }
        }
        rc32 = _mm_add_epi32(rc32, _mm_madd_epi16(rc, one));
        uint32_t n = (uint32_t)hsum_epi32(rc32);
        for (; x < width; x++) {
            uint32_t c = (uint16_t)(row[x] ^ xor_mask) < thr[y];
            n += c;
            if (col_count) col_count[x] = (uint16_t)(col_count[x] + c);
        }
        row_count[y] = n;
    }
}

/* Matches lscan__attenuation_ref. SSE2 has no gather: the table lookups
 * stay scalar, which is what this function is (kept per ISA so the table
 * is complete and the loop is compiled with this file's flags). */
void lscan__attenuation_sse2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                             const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                             uint16_t *dst, size_t dst_stride)
{
    lscan__attenuation_ref(src, stride, width, height, lut, xor_mask, row_off, dst, dst_stride);
}

struct vacc {
    __m128i sum, sum2, gx, gy, fl, mx;
};

static inline void flush(struct vacc *v, lscan__tile_acc *acc)
{
    const __m128i one = _mm_set1_epi16(1);
    acc->sum += hsum_epi32(v->sum);
    acc->sum2 += hsum_epi64(v->sum2);
    acc->gx += hsum_epi32(v->gx);
    acc->gy += hsum_epi32(v->gy);
    acc->floor += (uint32_t)hsum_epi32(_mm_madd_epi16(v->fl, one));
    uint16_t m[8];
    _mm_storeu_si128((__m128i *)m, v->mx);
    for (int i = 0; i < 8; i++)
        if (m[i] > acc->max) acc->max = m[i];
    v->sum = v->sum2 = v->gx = v->gy = v->fl = v->mx = _mm_setzero_si128();
}

/* Matches lscan__tiles_ref. Values are <= 32767, so signed 16-bit
 * multiply-add is exact: v*v pairs sum to at most 2 * 32767^2 < 2^31. */
void lscan__tiles_sse2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc)
{
    const __m128i one = _mm_set1_epi16(1), zero = _mm_setzero_si128();
    const __m128i fthr = _mm_set1_epi16((short)(floor_thr - 1));
    const __m128i full = _mm_loadu_si128((const __m128i *)lane_mask);
    for (uint32_t x0 = 0, t = 0; x0 < width; x0 += tile_w, t++) {
        uint32_t x1 = x0 + tile_w < width ? x0 + tile_w : width;
        struct vacc v = {zero, zero, zero, zero, zero, zero};
        uint32_t it = 0;
        for (uint32_t y = 0; y < height; y++) {
            const uint16_t *row = a + (size_t)y * stride, *next = row + stride;
            for (uint32_t x = x0; x < x1; x += 8) {
                __m128i m = x + 8 <= x1
                                ? full
                                : _mm_loadu_si128((const __m128i *)(lane_mask + 8 - (x1 - x)));
                __m128i p = _mm_and_si128(_mm_loadu_si128((const __m128i *)(row + x)), m);
                __m128i p1 = _mm_and_si128(_mm_loadu_si128((const __m128i *)(row + x + 1)), m);
                __m128i pn = _mm_and_si128(_mm_loadu_si128((const __m128i *)(next + x)), m);
                __m128i dx = _mm_or_si128(_mm_subs_epu16(p1, p), _mm_subs_epu16(p, p1));
                __m128i dy = _mm_or_si128(_mm_subs_epu16(pn, p), _mm_subs_epu16(p, pn));
                v.sum = _mm_add_epi32(v.sum, _mm_madd_epi16(p, one));
                __m128i s2 = _mm_madd_epi16(p, p);
                v.sum2 = _mm_add_epi64(v.sum2, _mm_unpacklo_epi32(s2, zero));
                v.sum2 = _mm_add_epi64(v.sum2, _mm_unpackhi_epi32(s2, zero));
                v.gx = _mm_add_epi32(v.gx, _mm_madd_epi16(dx, one));
                v.gy = _mm_add_epi32(v.gy, _mm_madd_epi16(dy, one));
                v.fl = _mm_sub_epi16(v.fl, _mm_cmpgt_epi16(p, fthr));
                v.mx = _mm_max_epi16(v.mx, p);
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
