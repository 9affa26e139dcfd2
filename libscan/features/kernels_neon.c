/* kernels_neon.c — NEON kernels (aarch64); each must give the bits of its _ref twin in
 * kernels_ref.c. */
#include "features/feat.h"

#include <arm_neon.h>

static const uint16_t lane_mask[16] = {
    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0, 0, 0, 0, 0, 0, 0, 0};

/* Matches lscan__coverage_ref. */
void lscan__coverage_neon(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                          uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                          uint16_t *col_count)
{
    const uint16x8_t xm = vdupq_n_u16(xor_mask), one = vdupq_n_u16(1);
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *row = src + (size_t)y * stride;
        const uint16x8_t t = vdupq_n_u16(thr[y]);
        uint32x4_t rc32 = vdupq_n_u32(0);
        uint32_t x = 0;
        for (; x + 8 <= width; x += 8) {
            uint16x8_t v = veorq_u16(vld1q_u16(row + x), xm);
            uint16x8_t c = vandq_u16(vcltq_u16(v, t), one);
            if (col_count) vst1q_u16(col_count + x, vaddq_u16(vld1q_u16(col_count + x), c));
            rc32 = vpadalq_u16(rc32, c);
        }
        uint32_t n = vaddvq_u32(rc32);
        for (; x < width; x++) {
            uint32_t c = (uint16_t)(row[x] ^ xor_mask) < thr[y];
            n += c;
            if (col_count) col_count[x] = (uint16_t)(col_count[x] + c);
        }
        row_count[y] = n;
    }
}

/* Matches lscan__attenuation_ref. NEON has no gather: scalar lookups. */
void lscan__attenuation_neon(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                             const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                             uint16_t *dst, size_t dst_stride)
{
    lscan__attenuation_ref(src, stride, width, height, lut, xor_mask, row_off, dst, dst_stride);
}

/* Matches lscan__tiles_ref. Widening multiply-accumulate keeps squares
 * exact (32767^2 < 2^32 per lane, accumulated in 64 bits). */
void lscan__tiles_neon(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc)
{
    const uint16x8_t fthr = vdupq_n_u16(floor_thr), one = vdupq_n_u16(1);
    const uint16x8_t full = vld1q_u16(lane_mask);
    for (uint32_t x0 = 0, t = 0; x0 < width; x0 += tile_w, t++) {
        uint32_t x1 = x0 + tile_w < width ? x0 + tile_w : width;
        uint64x2_t sum = vdupq_n_u64(0), sum2 = vdupq_n_u64(0), gx = vdupq_n_u64(0),
                   gy = vdupq_n_u64(0), fl = vdupq_n_u64(0);
        uint16x8_t mx = vdupq_n_u16(0);
        for (uint32_t y = 0; y < height; y++) {
            const uint16_t *row = a + (size_t)y * stride, *next = row + stride;
            for (uint32_t x = x0; x < x1; x += 8) {
                uint16x8_t m = x + 8 <= x1 ? full : vld1q_u16(lane_mask + 8 - (x1 - x));
                uint16x8_t p = vandq_u16(vld1q_u16(row + x), m);
                uint16x8_t p1 = vandq_u16(vld1q_u16(row + x + 1), m);
                uint16x8_t pn = vandq_u16(vld1q_u16(next + x), m);
                sum = vpadalq_u32(sum, vpaddlq_u16(p));
                sum2 = vpadalq_u32(sum2, vmull_u16(vget_low_u16(p), vget_low_u16(p)));
                sum2 = vpadalq_u32(sum2, vmull_high_u16(p, p));
                gx = vpadalq_u32(gx, vpaddlq_u16(vabdq_u16(p1, p)));
                gy = vpadalq_u32(gy, vpaddlq_u16(vabdq_u16(pn, p)));
                fl = vpadalq_u32(fl, vpaddlq_u16(vandq_u16(vcgeq_u16(p, fthr), vandq_u16(m, one))));
                mx = vmaxq_u16(mx, p);
            }
        }
        acc[t].sum += vaddvq_u64(sum);
        acc[t].sum2 += vaddvq_u64(sum2);
        acc[t].gx += vaddvq_u64(gx);
        acc[t].gy += vaddvq_u64(gy);
        acc[t].floor += (uint32_t)vaddvq_u64(fl);
        uint16_t m = vmaxvq_u16(mx);
        if (m > acc[t].max) acc[t].max = m;
    }
}
