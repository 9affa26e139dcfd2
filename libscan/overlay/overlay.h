/* overlay.h — internal declarations of the overlay module: the bitmap font and the layout. */
#ifndef LSCAN_OVERLAY_H
#define LSCAN_OVERLAY_H

#include "../core/internal.h"

#define LSCAN__FONT_W 5
#define LSCAN__FONT_H 7
#define LSCAN__FONT_ADVANCE 6 /* glyph width plus one column of spacing */

/* The 7 rows of 5 bits of a character (lower case drawn as capitals;
 * characters the font lacks drawn as '?'). Never NULL. */
const uint8_t *lscan__font_glyph(char c);

/* Draws `text` at (x, y) with glyphs scaled `scale` times, clipped to the
 * buffer (glyphs that do not fit whole are not drawn). Returns the x after
 * the last glyph drawn. */
uint32_t lscan__font_draw(uint8_t *rgb, size_t stride, uint32_t width, uint32_t height, uint32_t x,
                          uint32_t y, uint32_t scale, const uint8_t color[3], const char *text);

/* The layout of an overlay: the downscaled image below a banner. */
typedef struct lscan__overlay_layout {
    uint32_t width, height; /* whole overlay */
    uint32_t image_w;       /* downscaled image columns (from the left edge) */
    uint32_t image_h;       /* downscaled image rows (below the banner) */
    uint32_t banner_h;      /* banner rows */
    uint32_t font_scale;
} lscan__overlay_layout;

int lscan__overlay_layout_for(uint32_t img_w, uint32_t img_h, uint32_t max_width,
                              lscan__overlay_layout *l);

/* The tile side in pixels that produced a result's heat map over its
 * container box (inferred from the grid and the hot tiles' boxes; tiles are
 * square and cut at the box's right and bottom edges). 0 if none fits. */
uint32_t lscan__overlay_tile_px(const lscan_box *container, uint32_t cols, uint32_t rows,
                                const lscan_box *hot, uint32_t n_hot);

/* Dual energy (colour.c): tints the grey image of a result that carries a
 * material map in the standard pseudo-colour (orange organic, green light
 * inorganic, blue steel, heavy metal dark violet; not resolvable stays
 * grey), brightness from the grey level. Nothing for other results. */
void lscan__overlay_colour(const lscan_image *img, const lscan_result *r,
                           const lscan__overlay_layout *l, uint32_t out_w, uint8_t *rgb,
                           size_t stride);
/* The colour of material class `m` (lscan_material) at grey level g. */
void lscan__material_colour(int m, uint8_t g, uint8_t out[3]);

/* Effective overlay options: opts or the defaults, validated. */
int lscan__overlay_options(lscan_ctx *ctx, const lscan_overlay_options *opts,
                           lscan_overlay_options *out);

#endif
