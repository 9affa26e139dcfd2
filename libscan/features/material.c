/* material.c — the dual-energy material map: the low-energy plane calibrated against its own air,
 * cell sums of its attenuation during the analysis sweep, each cell classified against the
 * scanner's material calibration at the scan's own noise. */
#include "features/material.h"

#include "calib/materials.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of the scratch whose per-row arrays are the plane's own, so that
 * calibrating one plane leaves the other's calibration intact. */
static int calibrate_plane(lscan_ctx *ctx, const lscan_image *img, uint32_t plane,
                           uint32_t polarity, struct lscan__feat_scratch *s, float *row_gain,
                           int32_t *row_off, uint16_t *row_thr, lscan__calib *c)
{
    lscan_image view = *img;
    view.channels = 1;
    view.plane[0] = img->plane[plane];
    view.plane[1] = NULL;
    view.polarity = polarity;
    lscan_analyze_options o;
    lscan_analyze_options_init(&o);
    o.polarity = polarity;
    struct lscan__feat_scratch s2 = *s;
    s2.row_gain = row_gain;
    s2.row_off = row_off;
    s2.row_thr = row_thr;
    return lscan__calibrate(ctx, &view, &o, &s2, c);
}

int lscan__dual_attenuation(lscan_ctx *ctx, const lscan_image *img, uint16_t **ah, uint16_t **al,
                            lscan__calib *calib)
{
    *ah = *al = NULL;
    const uint32_t W = img->width, H = img->height;
    struct lscan__feat_scratch *s = lscan__feat_scratch(ctx);
    if (!s) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the attenuation table");
    int rc = lscan__scratch_reserve(ctx, s, W, H, 0, 0);
    if (rc) return rc;
    float *gain = malloc((size_t)H * sizeof *gain);
    int32_t *off = malloc((size_t)H * sizeof *off);
    uint16_t *thr = malloc((size_t)H * sizeof *thr);
    uint16_t *out[2] = {malloc(((size_t)W * H + 1) * sizeof(uint16_t)),
                        malloc(((size_t)W * H + 1) * sizeof(uint16_t))};
    if (!gain || !off || !thr || !out[0] || !out[1]) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate a %ux%u dual attenuation", W,
                          H);
        goto fail;
    }
    uint32_t polarity = img->polarity;
    for (uint32_t p = 0; p < 2; p++) {
        lscan__calib c;
        rc = calibrate_plane(ctx, img, p, polarity, s, gain, off, thr, &c);
        if (rc) {
            if (p == 1 && (rc == LSCAN_ERR_BLANK || rc == LSCAN_ERR_OVEREXPOSED))
                rc = lscan__error(ctx, LSCAN_ERR_DUAL_MISMATCH,
                                  "dual-energy pair: the low-energy plane carries no signal (%s)",
                                  lscan_status_name(rc));
            goto fail;
        }
        polarity = c.polarity;
        if (calib) calib[p] = c;
        for (uint32_t y = 0; y < H; y++)
            lscan__attenuation_ref(img->plane[p] + (size_t)y * img->stride, img->stride, W, 1,
                                   s->lut, c.xor_mask, c.row_off + y, out[p] + (size_t)y * W, W);
        out[p][(size_t)W * H] = c.floor_thr;
    }
    free(gain);
    free(off);
    free(thr);
    *ah = out[0];
    *al = out[1];
    return LSCAN_OK;
fail:
    free(gain);
    free(off);
    free(thr);
    free(out[0]);
    free(out[1]);
    return rc;
}

void lscan__material_need(const lscan_image *img, const lscan_box *box, uint32_t tile,
                          size_t *bytes)
{
    *bytes = 0;
    if (img->channels != 2 || !box) return;
    const size_t h = img->height, bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    const size_t C = tile / 8 ? tile / 8 : 1;
    const size_t cells = lscan__size_mul((bw + C - 1) / C, (bh + C - 1) / C);
    size_t n = lscan__size_mul(h, sizeof(float) + sizeof(int32_t) + sizeof(uint16_t));
    n = lscan__size_add(n, lscan__size_mul(lscan__a_stride((uint32_t)bw), (size_t)(tile + 1) * 2));
    n = lscan__size_add(n, lscan__size_mul(bw, sizeof(uint32_t)));
    n = lscan__size_add(n, lscan__size_mul(cells, sizeof(uint32_t) + 1 + 2 * sizeof(uint16_t) +
                                                      2 * sizeof(float) + 8 * sizeof(double)));
    n = lscan__size_add(n, sizeof(struct lscan__material));
    *bytes = n;
}

int lscan__material_begin(lscan_ctx *ctx, const lscan_image *img, const lscan_analyze_options *o,
                          const lscan__calib *c, struct lscan__feat_scratch *s,
                          const lscan_box *box, uint32_t tile, struct lscan__material **out)
{
    *out = NULL;
    struct lscan__material *m = calloc(1, sizeof *m);
    if (!m) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the material map");
    *out = m;
    const uint32_t bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    m->cell = tile / 8 ? tile / 8 : 1;
    m->ccols = (bw + m->cell - 1) / m->cell;
    m->crows = (bh + m->cell - 1) / m->cell;
    if (img->channels != 2 || !o->materials) {
        m->status = LSCAN_ERR_UNSUPPORTED;
        snprintf(m->message, sizeof m->message, "%s",
                 img->channels != 2 ? "a single-energy image" : "no material calibration given");
        return LSCAN_OK;
    }
    m->cal = lscan__materials_find(o->materials, img->scanner);
    if (!m->cal) {
        m->status = LSCAN_ERR_CALIBRATION;
        snprintf(m->message, sizeof m->message,
                 "the material calibration knows no scanner '%s' (%u scanners)",
                 img->scanner[0] ? img->scanner : "(unnamed)", o->materials->n);
        return LSCAN_OK;
    }
    const uint32_t h = img->height;
    m->row_gain = malloc((size_t)h * sizeof *m->row_gain);
    m->row_off = malloc((size_t)h * sizeof *m->row_off);
    m->row_thr = malloc((size_t)h * sizeof *m->row_thr);
    m->as = lscan__a_stride(bw);
    m->abuf = malloc(m->as * ((size_t)tile + 1) * sizeof *m->abuf);
    m->colacc = malloc(((size_t)bw + 1) * sizeof *m->colacc);
    m->cell_low = calloc((size_t)m->ccols * m->crows, sizeof *m->cell_low);
    if (!m->row_gain || !m->row_off || !m->row_thr || !m->abuf || !m->colacc || !m->cell_low)
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the material map");
    int rc =
        calibrate_plane(ctx, img, 1, c->polarity, s, m->row_gain, m->row_off, m->row_thr, &m->clow);
    if (rc == LSCAN_ERR_NO_MEMORY || rc == LSCAN_ERR_TIME_BUDGET) return rc;
    if (rc) {
        /* The high-energy analysis goes on; the map is missing, and says why. */
        m->status = rc == LSCAN_ERR_CALIBRATION ? LSCAN_ERR_CALIBRATION : LSCAN_ERR_DUAL_MISMATCH;
        snprintf(m->message, sizeof m->message, "low-energy plane: %s",
                 lscan_ctx_error_message(ctx));
        lscan__error_clear(ctx);
        return LSCAN_OK;
    }
    m->high = *c;
    m->active = true;
    return LSCAN_OK;
}

void lscan__material_band(struct lscan__material *m, const lscan__kernels *k,
                          const lscan_image *img, const lscan_box *box, uint32_t y, uint32_t h,
                          const uint16_t *lut)
{
    if (!m || !m->active) return;
    const uint32_t bw = box->x1 - box->x0;
    const uint16_t *src = img->plane[1] + (size_t)y * img->stride + box->x0;
    k->attenuation(src, img->stride, bw, h, lut, m->clow.xor_mask, m->clow.row_off + y, m->abuf,
                   m->as);
    /* The band's rows fall into cell rows of m->cell rows (bands start at a
     * cell row: the tile is a multiple of the cell). */
    uint32_t y_off = y - box->y0;
    for (uint32_t r = 0; r < h;) {
        uint32_t cr = (y_off + r) / m->cell;
        uint32_t end = (cr + 1) * m->cell - y_off;
        uint32_t rows = (end < h ? end : h) - r;
        k->cells(m->abuf + (size_t)r * m->as, m->as, bw, rows, m->cell, m->colacc,
                 m->cell_low + (size_t)cr * m->ccols);
        r += rows;
    }
}

/* Standard deviation of the attenuation of one pixel at attenuation a for a
 * channel with relative air noise n0 and relative dark noise f (Poisson
 * counts plus electronic noise). */
static double sigma_a(double a, double n0, double f)
{
    double t = exp(-a);
    return sqrt(n0 * n0 / t + f * f / (t * t));
}

/* The classification table: the calibration's curves, and per class and
 * bin whether the class lies at least 4 standard deviations of a cell's
 * ratio from every other class there (2 on each side of the boundary). */
static void make_table(const lscan__matcal *cal, const lscan__calib *high, const lscan__calib *low,
                       double n_eff, lscan__mat_table *t)
{
    double n0h = high->air_noise > 0.002f ? high->air_noise : 0.002;
    double n0l = low->air_noise > 0.002f ? low->air_noise : 0.002;
    double fh = 0.5 * high->noise_floor / high->air_level;
    double fl = 0.5 * low->noise_floor / low->air_level;
    const double one = 1 << LSCAN__MAT_R_SHIFT;
    for (int b = 0; b < LSCAN__MAT_BINS; b++) {
        double ah = (b + 0.5) * (double)(1 << LSCAN__MAT_BIN_SHIFT) / LSCAN__A_ONE;
        /* Only where every class is calibrated can a cell be told from all
         * of them (past the thinnest class's range nothing is resolvable). */
        bool all = true;
        for (int c = 0; c < LSCAN__MAT_CLASSES; c++)
            all = all && cal->r[c][b];
        for (int c = 0; c < LSCAN__MAT_CLASSES; c++) {
            uint16_t r = cal->r[c][b];
            t->r[c][b] = r ? r : LSCAN__MAT_R_ABSENT;
            t->ok[c][b] = 0;
            if (!all) continue;
            double R = r / one, gap = INFINITY;
            for (int o = 0; o < LSCAN__MAT_CLASSES; o++)
                if (o != c && cal->r[o][b]) {
                    double g = fabs(R - cal->r[o][b] / one);
                    gap = g < gap ? g : gap;
                }
            double sh = sigma_a(ah, n0h, fh), sl = sigma_a(R * ah, n0l, fl);
            double sr = sqrt(sl * sl + R * R * sh * sh) / (ah * sqrt(n_eff));
            t->ok[c][b] = gap >= 4.0 * sr;
        }
    }
    long fh_thr = (long)high->floor_thr - LSCAN__A_ONE / 2;
    long fl_thr = (long)low->floor_thr - LSCAN__A_ONE / 2;
    t->floor_h = (uint16_t)(fh_thr < 1 ? 1 : fh_thr);
    t->floor_l = (uint16_t)(fl_thr < 1 ? 1 : fl_thr);
}

/* Means over each cell's 3 x 3 neighbourhood (cut at the edges) of cell
 * sums of a bw x bh area in cells of C pixels, and whether the neighbourhood
 * spans an edge: its cells' own high-energy means differ by more than 0.3 +
 * 0.15 of their mean. Detector blur mixes transmissions across an edge, and
 * the logarithm of a mixture compresses the larger (low-energy) attenuation
 * more, so edge pixels read heavier than they are whatever their material:
 * such cells are not resolvable. */
static void window_means(const uint32_t *sum_h, const uint32_t *sum_l, uint32_t W, uint32_t H,
                         uint32_t C, uint32_t bw, uint32_t bh, uint16_t *mh, uint16_t *ml,
                         uint8_t *edge)
{
    /* Separable: 3-wide sums (and extremes of the cells' own means) along
     * each row into scratch, then 3-high along each column. 32 bits are
     * enough: 9 cells of at most 32 x 32 pixels of at most 32767. */
    const size_t n = (size_t)W * H;
    uint32_t *rs = malloc(n * 3 * sizeof *rs);
    float *rf = malloc(n * 3 * sizeof *rf);
    if (!rs || !rf) { /* no scratch: no map (every cell an edge) */
        free(rs);
        free(rf);
        memset(edge, 1, n);
        memset(mh, 0, n * sizeof *mh);
        memset(ml, 0, n * sizeof *ml);
        return;
    }
    uint32_t *rsh = rs, *rsl = rs + n, *rpx = rs + 2 * n;
    float *cm = rf, *rmin = rf + n, *rmax = rf + 2 * n;
    for (uint32_t y = 0; y < H; y++) {
        const uint32_t ch = bh - y * C < C ? bh - y * C : C;
        for (uint32_t x = 0; x < W; x++) {
            uint32_t cw = bw - x * C < C ? bw - x * C : C;
            cm[(size_t)y * W + x] = (float)sum_h[(size_t)y * W + x] / (float)(cw * ch);
        }
        for (uint32_t x = 0; x < W; x++) {
            uint32_t sh = 0, sl = 0, px = 0;
            float lo = INFINITY, hi = -INFINITY;
            for (uint32_t xx = x ? x - 1 : 0; xx <= x + 1 && xx < W; xx++) {
                size_t i = (size_t)y * W + xx;
                uint32_t cw = bw - xx * C < C ? bw - xx * C : C;
                lo = cm[i] < lo ? cm[i] : lo;
                hi = cm[i] > hi ? cm[i] : hi;
                sh += sum_h[i];
                sl += sum_l[i];
                px += cw * ch;
            }
            size_t i = (size_t)y * W + x;
            rsh[i] = sh, rsl[i] = sl, rpx[i] = px, rmin[i] = lo, rmax[i] = hi;
        }
    }
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++) {
            uint32_t sh = 0, sl = 0, px = 0;
            float lo = INFINITY, hi = -INFINITY;
            for (uint32_t yy = y ? y - 1 : 0; yy <= y + 1 && yy < H; yy++) {
                size_t i = (size_t)yy * W + x;
                sh += rsh[i], sl += rsl[i], px += rpx[i];
                lo = rmin[i] < lo ? rmin[i] : lo;
                hi = rmax[i] > hi ? rmax[i] : hi;
            }
            size_t i = (size_t)y * W + x;
            mh[i] = (uint16_t)((sh + px / 2) / px);
            ml[i] = (uint16_t)((sl + px / 2) / px);
            edge[i] = hi - lo > (0.3f + 0.15f * (float)mh[i] / LSCAN__A_ONE) * LSCAN__A_ONE;
        }
    free(rs);
    free(rf);
}

/* Cells on an edge are not resolvable. */
static void drop_edges(uint8_t *map, const uint8_t *edge, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (edge[i]) map[i] = LSCAN_MATERIAL_NONE;
}

/* Detector blur correlates neighbours: a window counts for half its pixels. */
static double window_pixels(uint32_t C)
{
    return 9.0 * C * C * 0.5;
}

int lscan__material_finish(struct lscan__material *m, const lscan__kernels *k, const lscan__fine *f,
                           const lscan_box *box)
{
    if (!m || !m->active) return LSCAN_OK;
    const uint32_t W = m->ccols, H = m->crows, C = m->cell;
    const size_t n = (size_t)W * H;
    m->map = malloc(n ? n : 1);
    m->mh = malloc((n ? n : 1) * sizeof *m->mh);
    m->ml = malloc((n ? n : 1) * sizeof *m->ml);
    lscan__mat_table *t = malloc(sizeof *t);
    uint8_t *edge = malloc(n ? n : 1);
    if (!m->map || !m->mh || !m->ml || !t || !edge) {
        free(t);
        free(edge);
        return LSCAN_ERR_NO_MEMORY;
    }
    window_means(f->cell_sum, m->cell_low, W, H, C, box->x1 - box->x0, box->y1 - box->y0, m->mh,
                 m->ml, edge);
    make_table(m->cal, &m->high, &m->clow, window_pixels(C), t);
    k->classify(m->mh, m->ml, n, t, m->map);
    drop_edges(m->map, edge, n);
    free(edge);
    free(t);
    m->status = LSCAN_OK;
    return LSCAN_OK;
}

void lscan__material_free(struct lscan__material *m)
{
    if (!m) return;
    free(m->row_gain);
    free(m->row_off);
    free(m->row_thr);
    free(m->abuf);
    free(m->colacc);
    free(m->cell_low);
    free(m->map);
    free(m->mh);
    free(m->ml);
    free(m);
}

LSCAN_API int lscan_analysis_materials(const lscan_analysis *a, const uint8_t **map, uint32_t *cols,
                                       uint32_t *rows, uint32_t *cell_px)
{
    if (map) *map = NULL;
    if (cols) *cols = 0;
    if (rows) *rows = 0;
    if (cell_px) *cell_px = 0;
    if (!a) return LSCAN_ERR_INVALID_ARGUMENT;
    const struct lscan__material *m = a->mat;
    if (!m) return LSCAN_ERR_UNSUPPORTED;
    if (m->status != LSCAN_OK || !m->map) return m->status ? m->status : LSCAN_ERR_UNSUPPORTED;
    if (map) *map = m->map;
    if (cols) *cols = m->ccols;
    if (rows) *rows = m->crows;
    if (cell_px) *cell_px = m->cell;
    return LSCAN_OK;
}

LSCAN_API const uint16_t *lscan_analysis_material_attenuation(const lscan_analysis *a,
                                                              uint32_t plane)
{
    const struct lscan__material *m = a ? a->mat : NULL;
    if (!m || !m->map || plane > 1) return NULL;
    return plane ? m->ml : m->mh;
}

/* ---- the material map of a whole image ----------------------------------------- */

struct lscan_material_map {
    uint32_t cols, rows, cell;
    uint8_t *map;
    uint16_t *mh, *ml;
};

LSCAN_API int lscan_material_map_make(lscan_ctx *ctx, const lscan_image *img,
                                      const lscan_materials *materials, uint32_t cell_px,
                                      lscan_material_map **out)
{
    if (out) *out = NULL;
    if (!ctx || !img || !materials || !out)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (cell_px < 1 || cell_px > 32)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "cell of %u pixels (1..32)", cell_px);
    if (img->channels != 2)
        return lscan__error(ctx, LSCAN_ERR_UNSUPPORTED, "material map: a single-energy image");
    const lscan__matcal *cal = lscan__materials_find(materials, img->scanner);
    if (!cal)
        return lscan__error(ctx, LSCAN_ERR_CALIBRATION,
                            "the material calibration knows no scanner '%s'",
                            img->scanner[0] ? img->scanner : "(unnamed)");
    const uint32_t W = img->width, H = img->height, C = cell_px;
    const uint32_t cols = (W + C - 1) / C, rows = (H + C - 1) / C;
    const size_t n = (size_t)cols * rows;
    lscan__mem_need need = {.other = lscan__size_mul((size_t)W * H, 2 * sizeof(uint16_t))};
    need.other = lscan__size_add(need.other, lscan__size_mul(n, 2 * 4 + 2 * 2 + 1));
    int rc = lscan__mem_admit(ctx, &need, "material map of a %ux%u image", W, H);
    if (rc) return rc;
    uint16_t *ah = NULL, *al = NULL;
    lscan__calib cb[2];
    rc = lscan__dual_attenuation(ctx, img, &ah, &al, cb);
    if (rc) return rc;
    lscan_material_map *mm = calloc(1, sizeof *mm);
    uint32_t *sh = calloc(n, sizeof *sh), *sl = calloc(n, sizeof *sl);
    uint32_t *acc = malloc(((size_t)W + 1) * sizeof *acc);
    lscan__mat_table *t = malloc(sizeof *t);
    uint8_t *edge = malloc(n);
    if (mm) {
        mm->map = malloc(n);
        mm->mh = malloc(n * sizeof *mm->mh);
        mm->ml = malloc(n * sizeof *mm->ml);
    }
    if (!mm || !sh || !sl || !acc || !t || !edge || !mm->map || !mm->mh || !mm->ml) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the material map");
        goto out;
    }
    const lscan__kernels *k = ctx->kernels ? ctx->kernels : lscan__kernels_ref();
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t y0 = r * C, h = H - y0 < C ? H - y0 : C;
        k->cells(ah + (size_t)y0 * W, W, W, h, C, acc, sh + (size_t)r * cols);
        k->cells(al + (size_t)y0 * W, W, W, h, C, acc, sl + (size_t)r * cols);
    }
    window_means(sh, sl, cols, rows, C, W, H, mm->mh, mm->ml, edge);
    make_table(cal, &cb[0], &cb[1], window_pixels(C), t);
    k->classify(mm->mh, mm->ml, n, t, mm->map);
    drop_edges(mm->map, edge, n);
    mm->cols = cols, mm->rows = rows, mm->cell = C;
    *out = mm;
    mm = NULL;
out:
    free(ah);
    free(al);
    free(sh);
    free(sl);
    free(acc);
    free(t);
    free(edge);
    lscan_material_map_free(mm);
    return rc;
}

LSCAN_API void lscan_material_map_free(lscan_material_map *mm)
{
    if (!mm) return;
    free(mm->map);
    free(mm->mh);
    free(mm->ml);
    free(mm);
}

LSCAN_API const uint8_t *lscan_material_map_classes(const lscan_material_map *mm, uint32_t *cols,
                                                    uint32_t *rows, uint32_t *cell_px)
{
    if (cols) *cols = mm ? mm->cols : 0;
    if (rows) *rows = mm ? mm->rows : 0;
    if (cell_px) *cell_px = mm ? mm->cell : 0;
    return mm ? mm->map : NULL;
}

LSCAN_API const uint16_t *lscan_material_map_attenuation(const lscan_material_map *mm,
                                                         uint32_t plane)
{
    if (!mm || plane > 1) return NULL;
    return plane ? mm->ml : mm->mh;
}

/* ---- material features for dual-energy models ------------------------------------ */

enum {
    MF_HEAVY_BLOB_Z,     /* largest significance of a compact increment that is heavy metal */
    MF_HEAVINESS,        /* largest heaviness of a significant increment */
    MF_STEEL_IN_ORGANIC, /* largest significance of a steel increment in an organic ring */
    MF_ORGANIC_IN_STEEL, /* largest significance of an organic increment in a steel ring */
    MF_HEAVY_FRAC,       /* shares of the load's resolvable cells per class */
    MF_STEEL_FRAC,
    MF_LIGHT_FRAC,
    MF_ORGANIC_FRAC,
    MF_RESOLVABLE_FRAC, /* share of the load's cells that are resolvable */
    MF_HEAVY_CLUSTER,   /* log(1 + largest 4-connected group of heavy cells in the load) */
    MF_COUNT
};
_Static_assert(MF_COUNT == LSCAN__MATERIAL_FEATURES, "material feature count");

static const struct {
    const char *name, *definition;
} mf_defs[MF_COUNT] = {
    {"mat_heavy_blob_z",
     "largest significance (z) of a compact increment over its ring (squares "
     "of 3, 6, 12 cells) whose low/high ratio is nearest the heavy-metal curve"},
    {"mat_heaviness", "largest (R_steel - R) / (R_steel - R_heavy) (clipped to -1..2) of an "
                      "increment whose ratio is known within a quarter of the steel-lead gap: 0 "
                      "steel-like, 1 lead-like"},
    {"mat_steel_in_organic_z", "largest z of a steel increment whose ring is organic"},
    {"mat_organic_in_steel_z", "largest z of an organic increment whose ring is steel"},
    {"mat_heavy_frac", "share of the load's resolvable cells classified heavy metal"},
    {"mat_steel_frac", "share of the load's resolvable cells classified steel"},
    {"mat_light_frac", "share of the load's resolvable cells classified light inorganic"},
    {"mat_organic_frac", "share of the load's resolvable cells classified organic"},
    {"mat_resolvable_frac", "share of the load's cells whose material is resolvable"},
    {"mat_heavy_cluster", "log(1 + cells) of the largest 4-connected group of heavy cells in the "
                          "load"},
};

const char *lscan__material_feature_name(uint32_t i)
{
    return i < MF_COUNT ? mf_defs[i].name : NULL;
}

const char *lscan__material_feature_definition(uint32_t i)
{
    return i < MF_COUNT ? mf_defs[i].definition : NULL;
}

/* The class (0..3) whose calibrated ratio is nearest r at attenuation a, or
 * -1 where the calibration has no curve; *heaviness as for MF_HEAVINESS. */
static int nearest_class(const lscan__matcal *cal, double a, double r, double *heaviness)
{
    int b = (int)(a * LSCAN__A_ONE) >> LSCAN__MAT_BIN_SHIFT;
    b = b < 0 ? 0 : b >= LSCAN__MAT_BINS ? LSCAN__MAT_BINS - 1 : b;
    const double one = 1 << LSCAN__MAT_R_SHIFT;
    int best = -1;
    double dist = INFINITY;
    for (int c = 0; c < LSCAN__MAT_CLASSES; c++) {
        if (!cal->r[c][b]) continue;
        double d = fabs(r - cal->r[c][b] / one);
        if (d < dist) dist = d, best = c;
    }
    *heaviness = 0;
    if (cal->r[2][b] && cal->r[3][b] && cal->r[2][b] > cal->r[3][b]) {
        double h = (cal->r[2][b] / one - r) / ((cal->r[2][b] - cal->r[3][b]) / one);
        *heaviness = h < -1 ? -1 : h > 2 ? 2 : h;
    }
    return best;
}

/* Curve of class c (0..3) at attenuation a; 0 where not calibrated. */
static double curve_at(const lscan__matcal *cal, int c, double a)
{
    int b = (int)(a * LSCAN__A_ONE) >> LSCAN__MAT_BIN_SHIFT;
    b = b < 0 ? 0 : b >= LSCAN__MAT_BINS ? LSCAN__MAT_BINS - 1 : b;
    return cal->r[c][b] / (double)(1 << LSCAN__MAT_R_SHIFT);
}

static double rect_sum(const double *I, uint32_t W, uint32_t x0, uint32_t y0, uint32_t x1,
                       uint32_t y1)
{
    const size_t s = (size_t)W + 1;
    return I[(size_t)y1 * s + x1] - I[(size_t)y0 * s + x1] - I[(size_t)y1 * s + x0] +
           I[(size_t)y0 * s + x0];
}

int lscan__material_features(const struct lscan__residual_maps *rm, lscan_analysis *a)
{
    float *f = a->image_feat + LSCAN__IMAGE_FEATURES;
    memset(f, 0, MF_COUNT * sizeof *f);
    const struct lscan__material *m = a->mat;
    if (!m || m->status != LSCAN_OK || !m->map) return LSCAN_OK;
    const uint32_t W = rm->W, H = rm->H;
    if (W != m->ccols || H != m->crows || W < 3 || H < 3) return LSCAN_OK;
    const size_t n = (size_t)W * H, ni = ((size_t)W + 1) * ((size_t)H + 1);
    double *Ih = calloc(ni, sizeof *Ih), *Il = calloc(ni, sizeof *Il);
    uint32_t *stack = malloc(n * sizeof *stack);
    uint8_t *seen = calloc(n, 1);
    if (!Ih || !Il || !stack || !seen) {
        free(Ih);
        free(Il);
        free(stack);
        free(seen);
        return LSCAN_ERR_NO_MEMORY;
    }
    /* Integral images of the cells' own means (not the 3 x 3 windows). */
    const uint32_t C = m->cell, bw = a->box.x1 - a->box.x0, bh = a->box.y1 - a->box.y0;
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++) {
            uint32_t cw = bw - x * C < C ? bw - x * C : C, ch = bh - y * C < C ? bh - y * C : C;
            size_t i = (size_t)y * W + x, o = (size_t)(y + 1) * (W + 1) + x + 1;
            double lo = (double)m->cell_low[i] / ((double)cw * ch) / LSCAN__A_ONE;
            Ih[o] = rm->M[i] + Ih[o - 1] + Ih[o - W - 1] - Ih[o - W - 2];
            Il[o] = lo + Il[o - 1] + Il[o - W - 1] - Il[o - W - 2];
        }
    /* Inside the load, away from the container's structure bands. */
    const uint32_t x0 = rm->band_left, x1 = W > rm->band_right ? W - rm->band_right : 0;
    const uint32_t y0 = rm->band_top, y1 = H > rm->band_bottom ? H - rm->band_bottom : 0;
    static const uint32_t scales[3] = {3, 6, 12};
    double heavy_z = 0, heaviness = 0, steel_org = 0, org_steel = 0;
    for (int k = 0; k < 3; k++) {
        const uint32_t s = scales[k];
        if (x1 < x0 + 3 * s || y1 < y0 + 3 * s) continue;
        /* Blobs a third of their side apart: every object meets one nearly whole. */
        const uint32_t step = s / 3;
        for (uint32_t by = y0 + s; by + 2 * s <= y1; by += step)
            for (uint32_t bx = x0 + s; bx + 2 * s <= x1; bx += step) {
                size_t ci = (size_t)(by + s / 2) * W + bx + s / 2;
                if (!rm->load[ci]) continue;
                double nb = (double)s * s, nr = 8.0 * s * s;
                double bh_ = rect_sum(Ih, W, bx, by, bx + s, by + s) / nb;
                double bl_ = rect_sum(Il, W, bx, by, bx + s, by + s) / nb;
                double rh =
                    (rect_sum(Ih, W, bx - s, by - s, bx + 2 * s, by + 2 * s) - bh_ * nb) / nr;
                double rl =
                    (rect_sum(Il, W, bx - s, by - s, bx + 2 * s, by + 2 * s) - bl_ * nb) / nr;
                double dh = bh_ - rh;
                if (!(dh > 0.05) || !(rh > 0.05)) continue;
                /* Noise of the difference of two means, plus load texture. */
                double sig = rm->sig[ci] * sqrt(1.0 / nb + 1.0 / nr) + 0.01;
                double z = dh / sig;
                if (z < 4) continue;
                /* What the increment is made of: beam hardening sets every
                 * material's ratio by the total thickness the ray crosses, so
                 * the blob's low attenuation is the ring's matter at the ring's
                 * ratio carried to the blob's total, plus the increment at
                 * its own ratio there: R_inc = (bl - R_ring(bh) rh) / dh, read
                 * against the curves at bh. (At the increment's own thickness
                 * a steel part behind thick cargo would read as lead.) */
                double hv, hr;
                int ring = nearest_class(m->cal, rh, rl / rh, &hr);
                double drift = 1.0;
                if (ring >= 0) {
                    double c0 = curve_at(m->cal, ring, rh), c1 = curve_at(m->cal, ring, bh_);
                    if (c0 > 0 && c1 > 0) drift = c1 / c0;
                }
                double r_inc = (bl_ - rl * drift) / dh;
                int inc = nearest_class(m->cal, bh_, r_inc, &hv);
                /* Only an increment whose ratio is known well enough to tell
                 * steel from lead counts: the error of r_inc (blob and ring
                 * means at both energies, the low pulse ~1.5x noisier, plus
                 * 0.01 of texture) within a quarter of the steel-lead gap. */
                double sd = (rm->sig[ci] + 0.005) * sqrt(1.0 / nb + 1.0 / nr) + 0.01;
                double sr = sd * sqrt(2.25 + r_inc * r_inc) / dh;
                double gap = curve_at(m->cal, 2, bh_) - curve_at(m->cal, 3, bh_);
                if (!(gap > 0) || sr > 0.25 * gap) continue;
                z = z > 1000 ? 1000 : z;
                if (hv > heaviness) heaviness = hv;
                if (inc == 3 && z > heavy_z) heavy_z = z;
                if (inc == 2 && ring == 0 && z > steel_org) steel_org = z;
                if (inc == 0 && ring == 2 && z > org_steel) org_steel = z;
            }
    }
    /* Composition of the load, and the largest group of heavy cells. */
    double cnt[LSCAN_MATERIAL_COUNT] = {0}, load = 0;
    size_t cluster = 0;
    for (uint32_t y = y0; y < y1; y++)
        for (uint32_t x = x0; x < x1; x++) {
            size_t i = (size_t)y * W + x;
            if (!rm->load[i]) continue;
            load++;
            cnt[m->map[i]]++;
            if (m->map[i] != LSCAN_MATERIAL_HEAVY || seen[i]) continue;
            size_t sp = 0, size = 0;
            stack[sp++] = (uint32_t)i;
            seen[i] = 1;
            while (sp) {
                uint32_t t = stack[--sp], tx = t % W, ty = t / W;
                size++;
                uint32_t nb[4];
                int q = 0;
                if (tx > x0) nb[q++] = t - 1;
                if (tx + 1 < x1) nb[q++] = t + 1;
                if (ty > y0) nb[q++] = t - W;
                if (ty + 1 < y1) nb[q++] = t + W;
                for (int j = 0; j < q; j++)
                    if (!seen[nb[j]] && rm->load[nb[j]] && m->map[nb[j]] == LSCAN_MATERIAL_HEAVY) {
                        seen[nb[j]] = 1;
                        stack[sp++] = nb[j];
                    }
            }
            cluster = size > cluster ? size : cluster;
        }
    double res = load - cnt[LSCAN_MATERIAL_NONE];
    f[MF_HEAVY_BLOB_Z] = (float)heavy_z;
    f[MF_HEAVINESS] = (float)heaviness;
    f[MF_STEEL_IN_ORGANIC] = (float)steel_org;
    f[MF_ORGANIC_IN_STEEL] = (float)org_steel;
    f[MF_HEAVY_FRAC] = res > 0 ? (float)(cnt[LSCAN_MATERIAL_HEAVY] / res) : 0.0f;
    f[MF_STEEL_FRAC] = res > 0 ? (float)(cnt[LSCAN_MATERIAL_STEEL] / res) : 0.0f;
    f[MF_LIGHT_FRAC] = res > 0 ? (float)(cnt[LSCAN_MATERIAL_LIGHT] / res) : 0.0f;
    f[MF_ORGANIC_FRAC] = res > 0 ? (float)(cnt[LSCAN_MATERIAL_ORGANIC] / res) : 0.0f;
    f[MF_RESOLVABLE_FRAC] = load > 0 ? (float)(res / load) : 0.0f;
    f[MF_HEAVY_CLUSTER] = (float)log1p((double)cluster);
    free(Ih);
    free(Il);
    free(stack);
    free(seen);
    return LSCAN_OK;
}

LSCAN_API const float *lscan_analysis_material_features(const lscan_analysis *a)
{
    return a ? a->image_feat + LSCAN__IMAGE_FEATURES : NULL;
}
