/* locate.c — container location: end walls, roof and floor from "darker than air" coverage
 * profiles. */
#include "features/feat.h"

#include <math.h>
#include <string.h>

/* Standard container height (8 ft 6 in), for the pitch estimate. */
#define CONTAINER_HEIGHT_MM 2591.0f
#define HIGH_CUBE_HEIGHT_MM 2896.0f
#define LENGTH_45FT_MM 13716.0

uint32_t lscan__tile_px(float pitch_mm)
{
    if (!(pitch_mm > 0)) return 32;
    double t = 8.0 * floor(150.0 / pitch_mm / 8.0 + 0.5);
    return t < 8.0 ? 8u : t > 256.0 ? 256u : (uint32_t)t;
}

/* Runs the coverage kernel over `height` rows `step` apart (thr[i] for the
 * i-th row run), in chunks that keep the 16-bit column counts from
 * overflowing, adding into col (32-bit) unless col is NULL. */
static void coverage(const lscan__kernels *k, const uint16_t *src, size_t stride, uint32_t width,
                     uint32_t height, const lscan__calib *c, const uint16_t *thr,
                     uint32_t *row_count, uint16_t *col16, uint32_t *col)
{
    if (col) memset(col, 0, width * sizeof *col);
    for (uint32_t y = 0; y < height; y += 65535) {
        uint32_t n = height - y < 65535 ? height - y : 65535;
        if (col) memset(col16, 0, width * sizeof *col16);
        k->coverage(src + (size_t)y * stride, stride, width, n, c->xor_mask, thr + y, row_count + y,
                    col ? col16 : NULL);
        if (col)
            for (uint32_t x = 0; x < width; x++)
                col[x] += col16[x];
    }
}

/* The longest run of indices i in [0, n) with v[i] >= thr, bridging gaps of
 * at most `gap` indices. Returns its length; *start set. */
static uint32_t longest_run(const uint32_t *v, uint32_t n, uint64_t thr, uint32_t gap,
                            uint32_t *start)
{
    uint32_t best = 0, best_s = 0, run_s = 0, end = 0;
    bool in_run = false;
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] < thr) continue;
        if (!in_run || i - end > gap) { /* i - end: indices below thr since the run's end */
            run_s = i;
            in_run = true;
        }
        end = i + 1;
        if (end - run_s > best) {
            best = end - run_s;
            best_s = run_s;
        }
    }
    *start = best_s;
    return best;
}

/* 45 ft containers are all high cubes (2.896 m) 13.716 m long, with a second
 * set of corner castings at the 40 ft positions, 762 mm in from each end and
 * 178 mm long, so that they stack on 40 ft boxes. From its box alone a 45 ft
 * high cube (aspect 4.74) is a 40 ft standard (4.71) seen at a pitch 12%
 * finer: those castings decide. In the band of the top side rail (the top
 * 2.5% of the box, above the ceiling, where cargo does not reach), the
 * darkest stretch of a casting's length in the window where they sit (5-7.5%
 * of the length from the end, a few percent of speed drift included) must be
 * clearly denser (A at least 0.5 more) than the rail between it and the end
 * casting (3.5-4.7%) and than the rail further in (8.5-12%), at both ends. */
static bool has_45ft_castings(const lscan_image *img, const lscan__calib *c, const lscan_box *box)
{
    const uint32_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    uint32_t rows = bh / 40 > 2 ? bh / 40 : 2;
    if (bw < 200 || rows > bh) return false;
    const uint32_t span = bw * 12 / 100 + 1;
    double col[2048];
    if (span > sizeof col / sizeof col[0]) return false; /* beyond any scanner's resolution */
    const uint32_t run = bw * 13 / 1000 > 1 ? bw * 13 / 1000 : 1; /* 178 mm of 13.7 m */
    for (int end = 0; end < 2; end++) {
        /* Mean transmission of each column of the band, counted inwards. */
        for (uint32_t i = 0; i < span; i++) {
            uint32_t x = end == 0 ? box->x0 + i : box->x1 - 1 - i;
            double sum = 0;
            for (uint32_t y = box->y0; y < box->y0 + rows; y++)
                sum += (uint16_t)(img->plane[0][(size_t)y * img->stride + x] ^ c->xor_mask);
            col[i] = sum / rows + 1.0;
        }
        double between = 0, inner = 0, darkest = INFINITY;
        uint32_t nb = 0, ni = 0;
        for (uint32_t i = bw * 35 / 1000; i < bw * 47 / 1000; i++, nb++)
            between += col[i];
        for (uint32_t i = bw * 85 / 1000; i < span; i++, ni++)
            inner += col[i];
        for (uint32_t i = bw * 50 / 1000; i + run <= bw * 75 / 1000; i++) {
            double m = 0;
            for (uint32_t k = 0; k < run; k++)
                m += col[i + k];
            if (m / run < darkest) darkest = m / run;
        }
        if (nb == 0 || ni == 0 || !isfinite(darkest)) return false;
        double ref = between / nb < inner / ni ? between / nb : inner / ni;
        if (log(ref / darkest) < 0.5) return false;
    }
    return true;
}

int lscan__locate(lscan_ctx *ctx, const lscan_image *img, const lscan__calib *c,
                  struct lscan__feat_scratch *s, float pitch_mm, lscan_box *box, float *pitch_out,
                  uint32_t *flags)
{
    const uint32_t w = img->width, h = img->height;
    const size_t stride = img->stride;
    const uint16_t *px = img->plane[0];
    const lscan__kernels *k = ctx->kernels ? ctx->kernels : lscan__kernels_ref();

    if (c->flags & LSCAN_CALIB_NO_AIR_MARGIN) {
        /* An export cropped to the container: the image is the box. It must
         * pass the size test a located box passes below: a strip of noise
         * one pixel high (no air margin either) is not a container. */
        if (w < 16 || h < 16)
            return lscan__error(ctx, LSCAN_ERR_NO_CONTAINER,
                                "no container: a %ux%u image without air margins is too small", w, h);
        *box = (lscan_box){0, 0, w, h};
    } else {
        /* Columns: a container column is darker than air over most of the
         * container's height; chassis and wheels cover only a low band.
         * Every other row is plenty for the columns. */
        const uint32_t h2 = (h + 1) / 2;
        for (uint32_t i = 0; i < h2; i++)
            s->row_level[i] = c->row_thr[2 * i];
        coverage(k, px, 2 * stride, w, h2, c, s->row_level, s->row_count, s->col_count16,
                 s->col_count);
        uint32_t cmax = 0;
        for (uint32_t x = 0; x < w; x++)
            if (s->col_count[x] > cmax) cmax = s->col_count[x];
        if (cmax < 4 || cmax < h2 / 16)
            return lscan__error(ctx, LSCAN_ERR_NO_CONTAINER,
                                "no container: nothing darker than air over %u rows", 2 * cmax);
        uint32_t x0, gap = w / 200 > 2 ? w / 200 : 2;
        uint32_t bw = longest_run(s->col_count, w, (cmax + 1) / 2, gap, &x0);
        if (bw < 16 || bw < w / 10)
            return lscan__error(ctx, LSCAN_ERR_NO_CONTAINER,
                                "no container: the widest dense span is %u of %u columns", bw, w);
        /* Rows: inside the container every column is darker than air (side
         * walls at least); the air above and the chassis gaps below are not. */
        coverage(k, px + x0, stride, bw, h, c, c->row_thr, s->row_count, s->col_count16, NULL);
        uint32_t y0, bh = longest_run(s->row_count, h, (uint64_t)ceil(0.9 * bw), 2, &y0);
        if (bh < 16)
            return lscan__error(ctx, LSCAN_ERR_NO_CONTAINER,
                                "no container: no roof-to-floor extent (%u rows covered)", bh);
        uint32_t y1 = y0 + bh;
        /* A trailer's beams run past the container at the front or the
         * rear, the container itself never does: in the lowest 30% of the
         * run (a chassis beam is < 0.45 m under a 2.6 m container), the
         * first row that is also dark just outside an end wall is the top of
         * the chassis, and the container's underside. */
        uint32_t m = bw / 20 > 8 ? bw / 20 : 8, g = 2;
        /* A detector array mounted bottom-up shows the chassis above the
         * container: rows dark just outside an end wall from the top of the
         * run down are the chassis; the container starts below them. */
        uint32_t top = y0;
        for (int side = 0; side < 2; side++) {
            uint32_t sx0 = side == 0 ? (x0 > m + g ? x0 - m - g : 0) : x0 + bw + g;
            uint32_t sx1 =
                side == 0 ? (x0 > g ? x0 - g : 0) : (x0 + bw + g + m < w ? x0 + bw + g + m : w);
            if (sx1 <= sx0 + 3) continue;
            uint32_t ym = y0 + bh * 3 / 10;
            coverage(k, px + (size_t)y0 * stride + sx0, stride, sx1 - sx0, ym - y0, c,
                     c->row_thr + y0, s->row_count + y0, s->col_count16, NULL);
            uint32_t y = y0;
            while (y < ym && (2 * s->row_count[y] >= sx1 - sx0 || c->row_bad[y]))
                y++;
            if (y < ym && y > top) top = y;
        }
        for (int side = 0; side < 2; side++) {
            uint32_t sx0 = side == 0 ? (x0 > m + g ? x0 - m - g : 0) : x0 + bw + g;
            uint32_t sx1 =
                side == 0 ? (x0 > g ? x0 - g : 0) : (x0 + bw + g + m < w ? x0 + bw + g + m : w);
            if (sx1 <= sx0 + 3) continue;
            uint32_t ym = y0 + bh - bh * 3 / 10;
            coverage(k, px + (size_t)ym * stride + sx0, stride, sx1 - sx0, y1 - ym, c,
                     c->row_thr + ym, s->row_count + ym, s->col_count16, NULL);
            for (uint32_t y = ym; y < y1; y++)
                if (2 * s->row_count[y] >= sx1 - sx0 && !c->row_bad[y]) {
                    y1 = y;
                    break;
                }
        }
        bool cut_below = y1 < y0 + bh;
        if (top > y0 && y1 > top + 16) {
            y0 = top;
            *flags |= LSCAN_CALIB_CHASSIS;
            if (!cut_below) *flags |= LSCAN_CALIB_UPSIDE_DOWN;
        } else if (cut_below) {
            *flags |= LSCAN_CALIB_CHASSIS;
        }
        *box = (lscan_box){x0, y0, x0 + bw, y1};
    }
    if (pitch_mm > 0) {
        *pitch_out = pitch_mm;
    } else {
        /* The box's aspect tells a high-cube (2.896 m) from a standard
         * (2.591 m) 20 or 40 ft container: 11% apart, while a drive-through
         * scan's speed drift moves the aspect by a few percent. A 45 ft high
         * cube has a 40 ft standard's aspect and is told by its castings
         * (has_45ft_castings). Anything else (10 ft, crops) is taken as
         * standard height. */
        static const struct {
            float len, height;
        } iso[4] = {
            {6058, 2591}, {6058, HIGH_CUBE_HEIGHT_MM}, {12192, 2591}, {12192, HIGH_CUBE_HEIGHT_MM}};
        const double aspect = (double)(box->x1 - box->x0) / (double)(box->y1 - box->y0);
        double best = log(1.05), height = CONTAINER_HEIGHT_MM;
        for (int i = 0; i < 4; i++) {
            double d = fabs(log(aspect / ((double)iso[i].len / iso[i].height)));
            if (d < best) {
                best = d;
                height = iso[i].height;
            }
        }
        if (fabs(log(aspect / (LENGTH_45FT_MM / HIGH_CUBE_HEIGHT_MM))) < log(1.05) &&
            has_45ft_castings(img, c, box)) {
            height = HIGH_CUBE_HEIGHT_MM;
            *flags |= LSCAN_CALIB_45FT;
        }
        if (height != CONTAINER_HEIGHT_MM) *flags |= LSCAN_CALIB_HIGH_CUBE;
        *pitch_out = (float)(height / (double)(box->y1 - box->y0));
        *flags |= LSCAN_CALIB_PITCH_ESTIMATED;
    }
    return LSCAN_OK;
}
