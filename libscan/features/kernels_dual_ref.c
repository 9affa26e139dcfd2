/* kernels_dual_ref.c — scalar reference kernels of the dual-energy material map: cell sums,
 * classes. */
#include "features/feat.h"

void lscan__cells_ref(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                      uint32_t cell, uint32_t *colacc, uint32_t *sums)
{
    (void)colacc;
    for (uint32_t x0 = 0, c = 0; x0 < width; x0 += cell, c++) {
        uint32_t x1 = x0 + cell < width ? x0 + cell : width;
        uint32_t s = 0;
        for (uint32_t y = 0; y < height; y++) {
            const uint16_t *row = a + (size_t)y * stride;
            for (uint32_t x = x0; x < x1; x++)
                s += row[x];
        }
        sums[c] += s;
    }
}

void lscan__classify_ref(const uint16_t *mh, const uint16_t *ml, size_t n,
                         const lscan__mat_table *t, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bin = mh[i] >> LSCAN__MAT_BIN_SHIFT;
        int32_t l = (int32_t)ml[i] << LSCAN__MAT_R_SHIFT, h = mh[i];
        int best = 0;
        int32_t dist = 0;
        for (int c = 0; c < LSCAN__MAT_CLASSES; c++) {
            int32_t d = l - h * t->r[c][bin];
            d = d < 0 ? -d : d;
            if (c == 0 || d < dist) dist = d, best = c;
        }
        bool ok = t->ok[best][bin] && mh[i] < t->floor_h && ml[i] < t->floor_l;
        out[i] = (uint8_t)(ok ? best + 1 : LSCAN_MATERIAL_NONE);
    }
}
