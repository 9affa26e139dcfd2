/* kernels_dual_sse2.c — SSE2 dual-energy kernels; each must give the bits of its _ref twin in
 * kernels_dual_ref.c. */
#include "features/feat.h"

#include <emmintrin.h>

/* Matches lscan__cells_ref: column sums over the rows (32-bit lanes), then
 * each cell's columns added. Exact: integer sums in the same totals. */
void lscan__cells_sse2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t cell, uint32_t *colacc, uint32_t *sums)
{
    const __m128i zero = _mm_setzero_si128();
    uint32_t x = 0;
    for (; x + 8 <= width; x += 8) {
        __m128i lo = zero, hi = zero;
        for (uint32_t y = 0; y < height; y++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(a + (size_t)y * stride + x));
            lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(v, zero));
            hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(v, zero));
        }
        _mm_storeu_si128((__m128i *)(colacc + x), lo);
        _mm_storeu_si128((__m128i *)(colacc + x + 4), hi);
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

/* 32-bit products of non-negative values below 2^31 (SSE2 has no
 * _mm_mullo_epi32): two 32x32->64 multiplies, low halves interleaved back. */
static inline __m128i mullo32(__m128i a, __m128i b)
{
    __m128i even = _mm_mul_epu32(a, b);
    __m128i odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), _mm_srli_epi64(b, 32));
    return _mm_unpacklo_epi32(_mm_shuffle_epi32(even, _MM_SHUFFLE(0, 0, 2, 0)),
                              _mm_shuffle_epi32(odd, _MM_SHUFFLE(0, 0, 2, 0)));
}

static inline __m128i abs32(__m128i v)
{
    __m128i s = _mm_srai_epi32(v, 31);
    return _mm_sub_epi32(_mm_xor_si128(v, s), s);
}

static inline __m128i select32(__m128i mask, __m128i a, __m128i b) /* mask ? a : b */
{
    return _mm_or_si128(_mm_and_si128(mask, a), _mm_andnot_si128(mask, b));
}

/* Matches lscan__classify_ref, four cells at a time; the table lookups are
 * scalar loads (SSE2 has no gather). */
void lscan__classify_sse2(const uint16_t *mh, const uint16_t *ml, size_t n,
                          const lscan__mat_table *t, uint8_t *out)
{
    const __m128i one = _mm_set1_epi32(1);
    const __m128i fh = _mm_set1_epi32(t->floor_h), fl = _mm_set1_epi32(t->floor_l);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t b[4];
        for (int k = 0; k < 4; k++)
            b[k] = mh[i + k] >> LSCAN__MAT_BIN_SHIFT;
        __m128i h = _mm_setr_epi32(mh[i], mh[i + 1], mh[i + 2], mh[i + 3]);
        __m128i l = _mm_slli_epi32(_mm_setr_epi32(ml[i], ml[i + 1], ml[i + 2], ml[i + 3]),
                                   LSCAN__MAT_R_SHIFT);
        __m128i best = _mm_setzero_si128(), dist = _mm_setzero_si128();
        for (int c = 0; c < LSCAN__MAT_CLASSES; c++) {
            __m128i r = _mm_setr_epi32(t->r[c][b[0]], t->r[c][b[1]], t->r[c][b[2]], t->r[c][b[3]]);
            __m128i d = abs32(_mm_sub_epi32(l, mullo32(h, r)));
            if (c == 0) {
                dist = d;
                continue;
            }
            __m128i lt = _mm_cmplt_epi32(d, dist);
            dist = select32(lt, d, dist);
            best = select32(lt, _mm_set1_epi32(c), best);
        }
        int32_t bb[4];
        _mm_storeu_si128((__m128i *)bb, best);
        __m128i ok = _mm_setr_epi32(t->ok[bb[0]][b[0]], t->ok[bb[1]][b[1]], t->ok[bb[2]][b[2]],
                                    t->ok[bb[3]][b[3]]);
        ok = _mm_and_si128(
            ok, _mm_and_si128(_mm_cmplt_epi32(h, fh),
                              _mm_cmplt_epi32(_mm_srli_epi32(l, LSCAN__MAT_R_SHIFT), fl)));
        /* ok is 0/1 from the table, then masked by the floor compares (all-ones/0). */
        __m128i cls = _mm_and_si128(_mm_add_epi32(best, one),
                                    _mm_sub_epi32(_mm_setzero_si128(), _mm_and_si128(ok, one)));
        int32_t o[4];
        _mm_storeu_si128((__m128i *)o, cls);
        for (int k = 0; k < 4; k++)
            out[i + k] = (uint8_t)o[k];
    }
    if (i < n) lscan__classify_ref(mh + i, ml + i, n - i, t, out + i);
}
