/* fine.c — sums finer than a tile, gathered by the sweep: per cell (an eighth of a tile) the sum
 * of A, per pixel row the sum of A over each of the box's length segments, per pixel column the
 * sum over each of its height bands. */
#include "features/feat.h"

#include <string.h>

/* Blocks of 16 samples with a constant trip count, which compilers turn
 * into vector code at -O2; the sums are exact integers whatever the order. */
#define FINE_BLOCK 16

void lscan__fine_band(lscan__fine *f, const uint16_t *abuf, size_t stride, uint32_t width,
                      uint32_t height, uint32_t y_off)
{
    const uint32_t C = f->cell;
    uint32_t *acc = f->acc; /* one cell row's column sums: C * 32767 < 2^32 */
    for (uint32_t i0 = 0; i0 < height;) {
        /* The rows of this band that fall in one cell row. */
        const uint32_t yc = (y_off + i0) / C;
        uint32_t i1 = i0 + (C - (y_off + i0) % C);
        if (i1 > height) i1 = height;
        memset(acc, 0, width * sizeof *acc);
        for (uint32_t i = i0; i < i1; i++) {
            const uint16_t *row = abuf + (size_t)i * stride;
            uint64_t *seg = f->row_seg + (size_t)(y_off + i) * LSCAN__ROW_SEGS;
            for (uint32_t s = 0; s < LSCAN__ROW_SEGS; s++) {
                const uint32_t x0 = f->seg_x[s], x1 = f->seg_x[s + 1];
                /* 32-bit lanes: a segment is at most 2^16 samples of < 2^15. */
                uint32_t lanes[FINE_BLOCK] = {0};
                uint32_t x = x0;
                for (; x + FINE_BLOCK <= x1; x += FINE_BLOCK) {
                    const uint16_t *restrict r = row + x;
                    uint32_t *restrict a = acc + x;
                    for (uint32_t l = 0; l < FINE_BLOCK; l++) {
                        a[l] += r[l];
                        lanes[l] += r[l];
                    }
                }
                uint64_t rs = 0;
                for (uint32_t l = 0; l < FINE_BLOCK; l++)
                    rs += lanes[l];
                for (; x < x1; x++) {
                    acc[x] += row[x];
                    rs += row[x];
                }
                seg[s] += rs;
            }
        }
        uint32_t *cs = f->cell_sum + (size_t)yc * f->ccols;
        for (uint32_t x = 0, cx = 0; x < width; cx++) {
            uint32_t end = width - x < C ? width : x + C, s = 0;
            for (; x < end; x++)
                s += acc[x];
            cs[cx] += s;
        }
        /* Column profiles per height band: a cell row belongs to the band of
         * its first pixel row. */
        uint64_t *band = f->col_band + (size_t)f->band_of_cell_row[yc];
        for (uint32_t x = 0; x < width; x++)
            band[(size_t)x * LSCAN__COL_BANDS] += acc[x];
        i0 = i1;
    }
}
