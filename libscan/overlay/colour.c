/* colour.c — the standard dual-energy pseudo-colour of overlays: hue from the material class,
 * brightness from the attenuation. */
#include "overlay.h"

/* Hues of the display officers read: organic orange, light inorganic (and
 * mixed) green, steel blue, heavy metal a dark violet that stays dark
 * whatever the thickness. */
static const uint8_t HUES[LSCAN_MATERIAL_COUNT][3] = {
    {0, 0, 0},      /* not resolvable: the grey is kept */
    {255, 150, 20}, /* organic */
    {70, 210, 70},  /* light inorganic */
    {50, 120, 255}, /* steel */
    {90, 30, 120},  /* heavy metal */
};

void lscan__material_colour(int m, uint8_t g, uint8_t out[3])
{
    if (m <= LSCAN_MATERIAL_NONE || m >= LSCAN_MATERIAL_COUNT) {
        out[0] = out[1] = out[2] = g;
        return;
    }
    /* Thin matter light, thick matter dark; heavy metal dark throughout. */
    uint32_t k = m == LSCAN_MATERIAL_HEAVY ? 128u + g / 4u : 64u + (uint32_t)g * 3u / 4u;
    for (int c = 0; c < 3; c++)
        out[c] = (uint8_t)(HUES[m][c] * k / 255u);
}

void lscan__overlay_colour(const lscan_image *img, const lscan_result *r,
                           const lscan__overlay_layout *l, uint32_t out_w, uint8_t *rgb,
                           size_t stride)
{
    const uint8_t *map;
    uint32_t cols, rows, cell;
    lscan_box c;
    if (lscan_result_materials(r, &map, &cols, &rows, &cell) != LSCAN_OK || !cell) return;
    lscan_result_container(r, &c);
    for (uint32_t oy = 0; oy < l->image_h; oy++) {
        uint64_t sy = ((uint64_t)oy * 2 + 1) * img->height / (2 * (uint64_t)l->image_h);
        if (sy < c.y0 || sy >= c.y1) continue;
        uint32_t row = (uint32_t)((sy - c.y0) / cell);
        if (row >= rows) continue;
        uint8_t *p = rgb + (size_t)(l->banner_h + oy) * stride;
        for (uint32_t ox = 0; ox < out_w; ox++) {
            uint64_t sx = ((uint64_t)ox * 2 + 1) * img->width / (2 * (uint64_t)out_w);
            if (sx < c.x0 || sx >= c.x1) continue;
            uint32_t col = (uint32_t)((sx - c.x0) / cell);
            if (col >= cols) continue;
            uint8_t *q = p + (size_t)ox * 3;
            lscan__material_colour(map[(size_t)row * cols + col], q[0], q);
        }
    }
}
