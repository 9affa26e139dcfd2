/* gate.c — the scan check: colour, size and pitch, container structure; anything else is
 * not_a_scan. */
#include "features/gate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Transmission of pixel (x, y) relative to its detector row's air level
 * (row gains are 1 without an air margin). */
static inline float tn(const lscan_image *img, const lscan_analysis *a, uint16_t xor_mask,
                       uint32_t x, uint32_t y)
{
    return (float)(uint16_t)(img->plane[0][(size_t)y * img->stride + x] ^ xor_mask) /
           a->row_gain[y];
}

/* Corner fittings: every ISO container has a cast steel fitting at each of
 * its eight corners (ISO 1161, 178 x 162 x 118 mm), seen side-on as four
 * dense blocks at the box's corners, where a rail and a post meet. A corner
 * has one when the densest tenth of a CORNER_CM square at it is denser than
 * all but 2 % of the same square 1.5 to 2.5 sides further along the rail, or
 * along the post (transmission percentiles 10 and 2): either, because a heavy
 * rail or a reefer's machinery beside the post can be as dense as the
 * fitting. A rim or frame that merely turns the corner (a bag, a chart, a
 * photo's border) is no denser there than along either of its sides. Only comparisons of pixels, so
 * any monotone display mapping (log, gamma, inverted, 8-bit) gives the same answer; a tie counts
 * only at the noise floor, where clipping makes a fitting and a dense rail equal. */
#define CORNER_CM 25.0
#define CORNER_SAMPLES 24

/* The q-quantile of the transmission over a w x h window at (x, y) (clipped
 * to the box), on a grid of at most CORNER_SAMPLES^2 points; NaN if empty. */
static float window_q(const lscan_image *img, const lscan_analysis *a, uint16_t xm, int64_t x,
                      int64_t y, uint32_t w, uint32_t h, double q)
{
    const lscan_box *b = &a->box;
    int64_t x0 = x < b->x0 ? b->x0 : x, y0 = y < b->y0 ? b->y0 : y;
    int64_t x1 = x + w > b->x1 ? b->x1 : x + w, y1 = y + h > b->y1 ? b->y1 : y + h;
    if (x1 <= x0 || y1 <= y0) return NAN;
    float v[CORNER_SAMPLES * CORNER_SAMPLES];
    const uint32_t nx = x1 - x0 < CORNER_SAMPLES ? (uint32_t)(x1 - x0) : CORNER_SAMPLES;
    const uint32_t ny = y1 - y0 < CORNER_SAMPLES ? (uint32_t)(y1 - y0) : CORNER_SAMPLES;
    size_t n = 0;
    for (uint32_t j = 0; j < ny; j++)
        for (uint32_t i = 0; i < nx; i++)
            v[n++] = tn(img, a, xm, (uint32_t)(x0 + (x1 - x0) * (2 * i + 1) / (2 * nx)),
                        (uint32_t)(y0 + (y1 - y0) * (2 * j + 1) / (2 * ny)));
    return lscan__select_f(v, n, (size_t)(q * (double)(n - 1)));
}

/* Whether corner `corner` (0 top left, 1 top right, 2 bottom left, 3 bottom
 * right) has a fitting; false when the box is too small to tell. */
static bool corner_fitting(const lscan_image *img, const lscan_analysis *a, int corner, float dark)
{
    const lscan_box *b = &a->box;
    const uint32_t bw = b->x1 - b->x0, bh = b->y1 - b->y0;
    uint32_t c = (uint32_t)(CORNER_CM * 10.0 / a->calib.pitch_mm + 0.5);
    if (c < 2) c = 2;
    if (5 * c > 2 * bw || 5 * c > 2 * bh) return false;
    const uint16_t xm = a->calib.polarity == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0;
    const bool right = corner & 1, bottom = corner & 2;
    const int64_t cx = right ? (int64_t)b->x1 - c : b->x0, cy = bottom ? (int64_t)b->y1 - c : b->y0;
    const int64_t step = c + c / 2;
    float fit = window_q(img, a, xm, cx, cy, c, c, 0.10);
    float rail = window_q(img, a, xm, right ? cx - step : cx + step, cy, c, c, 0.02);
    float post = window_q(img, a, xm, cx, bottom ? cy - step : cy + step, c, c, 0.02);
    return fit < rail || (fit <= rail && rail <= dark) || fit < post ||
           (fit <= post && post <= dark);
}

/* Spread of the box's values: samples on a grid of at most 256 x 128; the
 * share of them off the two extreme values (clipped air and floor), and the
 * share of those held by the two most frequent values. A transmission
 * image has noise: its values are many; a drawing's are a few. The
 * histogram is the calibration's (done with by now): cleared, filled with
 * one read of each sample, then scanned. */
static void value_spread(lscan_ctx *ctx, const lscan_image *img, const lscan_analysis *a,
                         double *spread, double *top2)
{
    *spread = *top2 = NAN;
    struct lscan__feat_scratch *s = ctx ? ctx->feat : NULL;
    if (!s || !s->hist) return;
    uint32_t *h = s->hist;
    memset(h, 0, 65536 * sizeof *h);
    const lscan_box *b = &a->box;
    const uint32_t bw = b->x1 - b->x0, bh = b->y1 - b->y0;
    const uint32_t nx = bw < 256 ? bw : 256, ny = bh < 128 ? bh : 128;
    uint32_t xs[256];
    for (uint32_t i = 0; i < nx; i++)
        xs[i] = b->x0 + (uint32_t)((uint64_t)bw * (2 * i + 1) / (2 * nx));
    for (uint32_t j = 0; j < ny; j++) {
        const uint16_t *row =
            img->plane[0] +
            (size_t)(b->y0 + (uint32_t)((uint64_t)bh * (2 * j + 1) / (2 * ny))) * img->stride;
        for (uint32_t i = 0; i < nx; i++)
            h[row[xs[i]]]++;
    }
    uint32_t lo = 0, hi = 65535;
    while (h[lo] == 0)
        lo++;
    while (h[hi] == 0)
        hi--;
    uint32_t n = 0, c1 = 0, c2 = 0;
    for (uint32_t v = lo + 1; v < hi; v++) {
        uint32_t c = h[v];
        n += c;
        if (c > c1) {
            c2 = c1;
            c1 = c;
        } else if (c > c2) {
            c2 = c;
        }
    }
    *spread = (double)n / ((double)nx * ny);
    *top2 = n ? (double)(c1 + c2) / n : NAN;
}

void lscan__scan_measure(lscan_ctx *ctx, const lscan_image *img, const lscan_analysis *a,
                         lscan__scan_measures *m)
{
    const double npx = (double)img->width * img->height;
    m->chroma_share = !(img->flags & LSCAN_IMAGE_FROM_COLOR) ? 0.0
                      : img->chroma_counted && npx > 0       ? (double)img->chroma_px / npx
                                                             : NAN;
    const double bw = a->box.x1 - a->box.x0, bh = a->box.y1 - a->box.y0;
    m->pitch_y_mm = bh > 0 ? 2591.0 / bh : NAN;
    m->pitch_x_mm = bw > 0 ? 6058.0 / bw : NAN;
    m->aspect = bh > 0 ? bw / bh : NAN;
    /* At the noise floor: the calibration's "at the floor" level (calib.c). */
    float dark = 2.0f * a->calib.noise_floor + 3.0f + (float)lscan__code_step(img);
    for (int k = 0; k < 4; k++)
        m->corner[k] = corner_fitting(img, a, k, dark);
    value_spread(ctx, img, a, &m->spread, &m->top2);
}

/* The thresholds, from physics and the training and validation worlds
 * (docs/features.md, "The scan check"). */
#define MAX_CHROMA_SHARE 0.05 /* colour: more of the image than a burnt-in label */
#define MAX_PITCH_MM 25.0     /* a 5 cm object still spans 2 pixels */
#define MIN_ASPECT 0.5        /* a 20 ft high cube (2.09) at 2.5 x 8 mm pixels, less drift */
#define MAX_ASPECT 20.0       /* a 45 ft standard-height box (5.29) at 8 x 2.5 mm, plus drift */
#define MIN_SPREAD 0.02       /* samples off the extreme values: noise, edges, gradients */
#define MAX_TOP2 0.9          /* ... and not a handful of flat levels */

static int not_a_scan(lscan_ctx *ctx, const char *fmt, ...) LSCAN_PRINTF(2, 3);
static int not_a_scan(lscan_ctx *ctx, const char *fmt, ...)
{
    char msg[LSCAN_MSG_MAX - 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lscan__error(ctx, LSCAN_ERR_NOT_A_SCAN, "not a scan: %s", msg);
}

int lscan__scan_check(lscan_ctx *ctx, const lscan_image *img, const lscan_analysis *a)
{
    lscan__scan_measures m;
    lscan__scan_measure(ctx, img, a, &m);
    const uint32_t bw = a->box.x1 - a->box.x0, bh = a->box.y1 - a->box.y0;
    /* Written so that a NaN (not measured) fails every comparison. */
    if (!(m.chroma_share < MAX_CHROMA_SHARE)) {
        if (isnan(m.chroma_share))
            return not_a_scan(ctx, "colour image whose chroma was not measured");
        return not_a_scan(ctx, "colour image (%.0f %% of pixels have chroma)",
                          100.0 * m.chroma_share);
    }
    if (!(m.pitch_y_mm <= MAX_PITCH_MM))
        return not_a_scan(ctx,
                          "container box %u px high: %.0f mm per pixel for a 2.59 m container, "
                          "coarser than %.0f mm cannot show a 5 cm object",
                          bh, m.pitch_y_mm, MAX_PITCH_MM);
    if (!(m.pitch_x_mm <= MAX_PITCH_MM))
        return not_a_scan(ctx,
                          "container box %u px long: %.0f mm per pixel for a 20 ft container, "
                          "coarser than %.0f mm cannot show a 5 cm object",
                          bw, m.pitch_x_mm, MAX_PITCH_MM);
    if (!(m.aspect >= MIN_ASPECT && m.aspect <= MAX_ASPECT))
        return not_a_scan(ctx, "container box %ux%u px: aspect %.2f outside %.1f..%.0f", bw, bh,
                          m.aspect, MIN_ASPECT, MAX_ASPECT);
    if (!(m.spread >= MIN_SPREAD))
        return not_a_scan(ctx,
                          "flat image: %.1f %% of the box off its darkest and brightest values "
                          "(a transmission image has noise)",
                          100.0 * m.spread);
    if (!(m.top2 <= MAX_TOP2))
        return not_a_scan(ctx,
                          "flat image: two grey levels hold %.0f %% of the box off its extremes "
                          "(a transmission image has noise)",
                          100.0 * m.top2);
    const bool *c = m.corner;
    if (!(c[0] && c[1]) && !(c[2] && c[3]))
        return not_a_scan(ctx,
                          "no corner fittings: neither the top nor the bottom of the box has a "
                          "block denser than its rail or post at both ends (%d of 4 corners "
                          "have one)",
                          c[0] + c[1] + c[2] + c[3]);
    return LSCAN_OK;
}
