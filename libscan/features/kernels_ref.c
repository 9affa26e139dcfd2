/* kernels_ref.c — the scalar reference kernels: location coverage, attenuation via the LUT, tile
 * sums. */
#include "features/feat.h"

void lscan__coverage_ref(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                         uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                         uint16_t *col_count)
{
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = src + (size_t)y * stride;
        const uint16_t t = thr[y];
        uint32_t n = 0;
        for (uint32_t x = 0; x < width; x++) {
            uint32_t c = (uint16_t)(row[x] ^ xor_mask) < t;
            n += c;
            if (col_count) col_count[x] = (uint16_t)(col_count[x] + c);
        }
        row_count[y] = n;
    }
}

void lscan__attenuation_ref(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                            const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                            uint16_t *dst, size_t dst_stride)
{
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = src + (size_t)y * stride;
        uint16_t *out = dst + (size_t)y * dst_stride;
        const int32_t off = row_off[y];
        for (uint32_t x = 0; x < width; x++) {
            int32_t a = (int32_t)lut[(uint16_t)(row[x] ^ xor_mask)] + off;
            if (a < 0) a = 0;
            if (a > LSCAN__A_MAX) a = LSCAN__A_MAX;
            out[x] = (uint16_t)a;
        }
    }
}

static inline uint32_t absdiff(uint32_t a, uint32_t b)
{
    return a > b ? a - b : b - a;
}

void lscan__tiles_ref(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                      uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc)
{
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = a + (size_t)y * stride;
        const uint16_t *next = row + stride;
        for (uint32_t x0 = 0, t = 0; x0 < width; x0 += tile_w, t++) {
            uint32_t x1 = x0 + tile_w < width ? x0 + tile_w : width;
            uint64_t sum = 0, sum2 = 0, gx = 0, gy = 0;
            uint32_t fl = 0, mx = acc[t].max;
            for (uint32_t x = x0; x < x1; x++) {
                uint32_t v = row[x];
                sum += v;
                sum2 += (uint64_t)v * v;
                /* The row is padded with its last value: 0 at the right edge. */
                gx += absdiff(row[x + 1], v);
                gy += absdiff(next[x], v);
                fl += v >= floor_thr;
                if (v > mx) mx = v;
            }
            acc[t].sum += sum;
            acc[t].sum2 += sum2;
            acc[t].gx += gx;
            acc[t].gy += gy;
            acc[t].floor += fl;
            acc[t].max = mx;
        }
    }
}
