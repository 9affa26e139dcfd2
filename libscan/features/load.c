/* load.c — load descriptors for commodity recognition: how much of the container the load
 * fills, how dense it is per metre, how high it stands, how regular it is. */
#include "features/feat.h"

#include <math.h>

int lscan__load_descriptors(const lscan__residual_maps *m, lscan_analysis *a)
{
    const uint32_t W = m->W, H = m->H;
    const uint32_t x0 = m->band_left, x1 = W - m->band_right, y0 = m->band_top,
                   y1 = H - m->band_bottom;
    double cells = 0, on = 0, mass = 0, height = 0, dev = 0;
    uint32_t cols = 0;
    for (uint32_t x = x0; x < x1 && y1 > y0; x++) {
        uint32_t top = y1;
        for (uint32_t y = y0; y < y1; y++) {
            size_t i = (size_t)y * W + x;
            cells++;
            if (!m->load[i]) continue;
            on++;
            mass += m->r2[i];
            dev += fabsf(m->r5[i]);
            if (y < top) top = y;
        }
        if (top < y1) {
            height += (double)(y1 - top) / (y1 - y0);
            cols++;
        }
    }
    float *d = a->load_desc;
    /* The share of the interior the load fills; its mean attenuation per metre
     * of container length (A x m of side-view height); the mean height of the
     * loaded columns as a share of the interior; its mean |r5| (irregularity). */
    d[0] = cells ? (float)(on / cells) : 0.0f;
    d[1] = x1 > x0 ? (float)(mass * m->cell_cm / 100.0 / (x1 - x0)) : 0.0f;
    d[2] = cols ? (float)(height / cols) : 0.0f;
    d[3] = on ? (float)(dev / on) : 0.0f;
    return LSCAN_OK;
}
