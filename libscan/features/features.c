/* features.c — lscan_analyze: calibrate, locate, one fused sweep of tile sums, then tile and image
 * features. */
#include "features/feat.h"
#include "features/material.h"
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

LSCAN_API void lscan_analyze_options_init(lscan_analyze_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->polarity = LSCAN_POLARITY_AUTO;
}

static int analyze_options(lscan_ctx *ctx, const lscan_analyze_options *o,
                           lscan_analyze_options *out)
{
    lscan_analyze_options_init(out);
    if (!o) return LSCAN_OK;
    if (o->size < sizeof(uint32_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "analyze options not initialised (size %u)", o->size);
    /* An older caller's smaller struct: take the fields it has. */
    memcpy(out, o, o->size < sizeof *out ? o->size : sizeof *out);
    out->size = sizeof *out;
    if (out->polarity > LSCAN_POLARITY_ATTENUATION)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown polarity %u", out->polarity);
    if (!(out->pitch_mm >= 0 && out->pitch_mm <= 1000))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "pitch %g mm out of range (0..1000)",
                            (double)out->pitch_mm);
    if (!(out->air_level >= 0 && out->air_level <= 65535))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "air level %g out of range (0..65535)",
                            (double)out->air_level);
    return LSCAN_OK;
}

/* The basic tile features from the exact tile sums. */
static void tile_basics(lscan_analysis *a, const lscan__tile_acc *acc)
{
    const uint32_t cols = a->cols, rows = a->rows, T = a->tile;
    const lscan_box *bx = &a->box;
    const double pitch_m = a->calib.pitch_mm / 1000.0;
    const double bw = bx->x1 - bx->x0, bh = bx->y1 - bx->y0;
    const double one = LSCAN__A_ONE;
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            const lscan__tile_acc *t = &acc[r * cols + c];
            lscan_box tb;
            lscan_analysis_tile_box(a, c, r, &tb);
            uint64_t n = (uint64_t)(tb.x1 - tb.x0) * (tb.y1 - tb.y0);
            float *f = a->tile_feat + (size_t)(r * cols + c) * LSCAN__TILE_FEATURES;
            /* Exact integer variance numerator: n*sum2 - sum^2 < 2^63 for
             * tiles up to 256x256 of 15-bit values. */
            uint64_t var_num = n * t->sum2 - t->sum * t->sum;
            f[LSCAN__TF_MEAN] = (float)((double)t->sum / (double)n / one);
            f[LSCAN__TF_STD] = (float)(sqrt((double)var_num) / (double)n / one);
            f[LSCAN__TF_MAX] = (float)(t->max / one);
            f[LSCAN__TF_PEAK] = (float)(t->max / one - f[LSCAN__TF_MEAN]);
            f[LSCAN__TF_GRAD_DIR] =
                t->gx + t->gy
                    ? (float)(((double)t->gx - (double)t->gy) / ((double)t->gx + (double)t->gy))
                    : 0.0f;
            f[LSCAN__TF_FLOOR_FRAC] = (float)((double)t->floor / (double)n);
            double xc = (tb.x0 + tb.x1) / 2.0 - bx->x0, yc = (tb.y0 + tb.y1) / 2.0 - bx->y0;
            f[LSCAN__TF_DIST_END_M] = (float)((xc < bw - xc ? xc : bw - xc) * pitch_m);
            f[LSCAN__TF_DIST_ROOF_M] = (float)(yc * pitch_m);
            f[LSCAN__TF_DIST_FLOOR_M] = (float)((bh - yc) * pitch_m);
            f[LSCAN__TF_COVERAGE] = (float)((double)n / ((double)T * T));
        }
}

/* Accumulates the tile sums and the fine sums over the box: one sweep of
 * bands of tile rows, each converted to attenuation once into a buffer
 * that stays in cache while the kernels read it. */
static int sweep(lscan_ctx *ctx, const lscan__kernels *k, const lscan_image *img,
                 const lscan__calib *c, const uint16_t *lut, const lscan_box *bx, uint32_t T,
                 uint32_t cols, uint16_t *abuf, lscan__tile_acc *acc, lscan__fine *fine,
                 struct lscan__material *mat)
{
    const uint32_t bw = bx->x1 - bx->x0;
    const size_t as = lscan__a_stride(bw);
    const uint16_t *src0 = img->plane[0] + (size_t)bx->y0 * img->stride + bx->x0;
    for (uint32_t y = bx->y0, r = 0; y < bx->y1; y += T, r++) {
        /* One clock read per band of tile rows. */
        if (lscan__deadline_passed(ctx)) return lscan__deadline_error(ctx, "the tile sweep");
        uint32_t h = bx->y1 - y < T ? bx->y1 - y : T;
        bool has_next = y + h < bx->y1;
        k->attenuation(src0 + (size_t)(y - bx->y0) * img->stride, img->stride, bw, h + has_next,
                       lut, c->xor_mask, c->row_off + y, abuf, as);
        /* A defective detector row takes its neighbours' attenuation (their
         * mean, or the one it has at the band's edges). */
        for (uint32_t i = 0; c->bad_rows && i < h + has_next; i++) {
            if (!c->row_bad[y + i]) continue;
            uint16_t *row = abuf + (size_t)i * as;
            const uint16_t *up = i > 0 ? row - as : NULL,
                           *dn = i + 1 < h + has_next ? row + as : NULL;
            for (uint32_t x = 0; x < bw; x++)
                row[x] = up && dn ? (uint16_t)((up[x] + dn[x] + 1) / 2) : up ? up[x] : dn ? dn[x] : row[x];
        }
        /* The box's last row is its own "next" row: vertical differences
         * across the floor are 0. */
        if (!has_next)
            memcpy(abuf + (size_t)h * as, abuf + (size_t)(h - 1) * as, bw * sizeof *abuf);
        for (uint32_t i = 0; i <= h; i++) {
            uint16_t *row = abuf + (size_t)i * as;
            for (size_t x = bw; x < as; x++)
                row[x] = row[bw - 1];
        }
        k->tiles(abuf, as, bw, h, T, c->floor_thr, acc + (size_t)r * cols);
        lscan__fine_band(fine, abuf, as, bw, h, y - bx->y0);
        lscan__material_band(mat, k, img, bx, y, h, lut); /* dual energy: the low plane */
    }
    return LSCAN_OK;
}

void lscan__analysis_need(const lscan_image *img, const lscan_box *box, uint32_t tile,
                          lscan__mem_need *need)
{
    memset(need, 0, sizeof *need);
    const size_t w = img->width, h = img->height;
    size_t other = img->owned ? lscan__size_mul(lscan__size_mul(w * h, img->channels), 2) : 0;
    if (!box) {
        /* lscan__feat_scratch and lscan__scratch_reserve(w, h, 0, 0). */
        size_t f = LSCAN__LUT_SIZE * sizeof(uint16_t) + (65536 + 256) * sizeof(uint32_t) +
                   (size_t)4 * 64 * 256 * sizeof(uint16_t);
        /* An archive export may get its own attenuation table. */
        if (img->src_bits >= 1 && img->src_bits <= 8) f += LSCAN__LUT_SIZE * sizeof(uint16_t);
        f = lscan__size_add(f,
                            lscan__size_mul(h, sizeof(int32_t) + sizeof(uint16_t) + sizeof(float) +
                                                   sizeof(uint32_t) + 2 * sizeof(uint16_t)));
        f = lscan__size_add(f, lscan__size_mul(w, sizeof(uint16_t) + sizeof(uint32_t)));
        need->feat = f;
        need->other = other;
        return;
    }
    const size_t T = tile, bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    const size_t cols = (bw + T - 1) / T, rows = (bh + T - 1) / T, nt = cols * rows;
    const size_t C = T / 8, ccols = (bw + C - 1) / C, crows = (bh + C - 1) / C;
    const size_t cells = lscan__size_mul(ccols, crows);
    need->keep_feat = true;
    /* The sweep's band buffer and tile sums (lscan__scratch_reserve). */
    need->feat = lscan__size_add(lscan__size_mul(lscan__a_stride((uint32_t)bw), (T + 1) * 2),
                                 lscan__size_mul(nt, sizeof(lscan__tile_acc)));
    /* lscan_analyze: the analysis and its features, the tiles' gradient
     * sums, the fine sums (fine_alloc). */
    size_t n = sizeof(lscan_analysis) + h * sizeof(float);
    n = lscan__size_add(n, lscan__size_mul(nt, LSCAN__TILE_FEATURES * sizeof(float) +
                                                   sizeof(uint64_t)));
    n = lscan__size_add(n, lscan__size_mul(cells, sizeof(uint32_t) + 1));
    n = lscan__size_add(n, lscan__size_mul(bh, LSCAN__ROW_SEGS * sizeof(uint64_t)));
    n = lscan__size_add(n, lscan__size_mul(bw, LSCAN__COL_BANDS * sizeof(uint64_t) +
                                                   sizeof(uint32_t)));
    /* lscan__residual_features: five maps and scratch of floats, three of
     * bytes and three of labels, three integral images; lscan__plane_features:
     * the profiles and their scores. */
    n = lscan__size_add(n, lscan__size_mul(cells, 7 * sizeof(float) + 4 + 3 * sizeof(uint32_t)));
    n = lscan__size_add(n, lscan__size_mul((ccols + 1) * (crows + 1), 3 * sizeof(double)));
    /* lscan__load_descriptors, while the maps live: two integral images, per-column counts
     * and profiles, a histogram. */
    n = lscan__size_add(n, lscan__size_mul((ccols + 1) * (crows + 1), 2 * sizeof(double)));
    n = lscan__size_add(n, lscan__size_mul(ccols, 5 * sizeof(uint32_t) + sizeof(double)));
    n = lscan__size_add(n, lscan__size_mul(crows, sizeof(double)) + 16 * 256 * sizeof(uint32_t));
    n = lscan__size_add(n,
                        lscan__size_mul(3 * cells + 3 * ccols, sizeof(float))); /* blocks, bands */
    n = lscan__size_add(n, lscan__size_mul(bh, (LSCAN__ROW_SEGS + 1) * sizeof(double)));
    n = lscan__size_add(n, lscan__size_mul(bw, (LSCAN__COL_BANDS + 1) * sizeof(double)));
    /* The decision (model/screen.c): a logit per tile and expert, the heat
     * map, the image model's input. */
    n = lscan__size_add(n, lscan__size_mul(nt, LSCAN__EXPERTS * sizeof(double) + sizeof(float)));
    n = lscan__size_add(n, (size_t)4096 * sizeof(float));
    size_t dual;
    lscan__material_need(img, box, tile, &dual); /* dual energy: the material map */
    n = lscan__size_add(n, dual);
    need->other = lscan__size_add(other, n);
}

static void fine_free(lscan__fine *f)
{
    free(f->cell_sum);
    free(f->row_seg);
    free(f->col_band);
    free(f->band_of_cell_row);
    free(f->acc);
}

/* Allocates the fine sums of a bw x bh box with tiles of T pixels. */
static bool fine_alloc(lscan__fine *f, uint32_t bw, uint32_t bh, uint32_t T)
{
    memset(f, 0, sizeof *f);
    f->cell = T / 8;
    f->ccols = (bw + f->cell - 1) / f->cell;
    f->crows = (bh + f->cell - 1) / f->cell;
    const size_t cells = (size_t)f->ccols * f->crows;
    f->cell_sum = calloc(cells, sizeof *f->cell_sum);
    f->row_seg = calloc((size_t)bh * LSCAN__ROW_SEGS, sizeof *f->row_seg);
    f->col_band = calloc((size_t)bw * LSCAN__COL_BANDS, sizeof *f->col_band);
    f->band_of_cell_row = malloc(f->crows);
    f->acc = malloc((size_t)bw * sizeof *f->acc);
    if (!f->cell_sum || !f->row_seg || !f->col_band || !f->band_of_cell_row || !f->acc)
        return false;
    for (uint32_t s = 0; s <= LSCAN__ROW_SEGS; s++)
        f->seg_x[s] = (uint32_t)((uint64_t)bw * s / LSCAN__ROW_SEGS);
    /* Bands end at cell rows, so that a cell row lies in one band. */
    for (uint32_t b = 0; b <= LSCAN__COL_BANDS; b++)
        f->band_y[b] = b == LSCAN__COL_BANDS
                           ? bh
                           : (uint32_t)((uint64_t)f->crows * b / LSCAN__COL_BANDS) * f->cell;
    for (uint32_t r = 0, b = 0; r < f->crows; r++) {
        while (b + 1 < LSCAN__COL_BANDS && r * f->cell >= f->band_y[b + 1])
            b++;
        f->band_of_cell_row[r] = (uint8_t)b;
    }
    return true;
}

static int analyze(lscan_ctx *ctx, const lscan_image *img, const lscan_analyze_options *opts,
                   lscan_analysis **out)
{
    lscan_analyze_options o;
    int rc = analyze_options(ctx, opts, &o);
    if (rc) return rc;
    const uint32_t w = img->width, h = img->height;
    if (w == 0 || h == 0 || !img->plane[0])
        return lscan__error(ctx, LSCAN_ERR_BAD_DIMENSIONS, "image is %ux%u", w, h);
    lscan__mem_need need;
    lscan__analysis_need(img, NULL, 0, &need);
    rc = lscan__mem_admit(ctx, &need, "analysis of a %ux%u image", w, h);
    if (rc) return rc;
    struct lscan__feat_scratch *s = lscan__feat_scratch(ctx);
    if (!s) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the attenuation table");
    rc = lscan__scratch_reserve(ctx, s, w, h, 0, 0);
    if (rc) return rc;

    const double t_calib = lscan__now();
    lscan__calib c;
    rc = lscan__calibrate(ctx, img, &o, s, &c);
    if (rc) return rc;
    lscan_box bx;
    float pitch;
    uint32_t flags = c.flags;
    rc = lscan__locate(ctx, img, &c, s, o.pitch_mm, &bx, &pitch, &flags);
    if (rc) return rc;
    const double calib_seconds = lscan__now() - t_calib;
    if (lscan__deadline_passed(ctx)) return lscan__deadline_error(ctx, "container location");

    const uint32_t T = lscan__tile_px(pitch);
    /* An archive export's display mapping: its own attenuation table. */
    rc = lscan__calib_display(ctx, img, &bx, pitch, T, s, &c);
    if (rc) return rc;
    const uint32_t bw = bx.x1 - bx.x0, bh = bx.y1 - bx.y0;
    const uint32_t cols = (bw + T - 1) / T, rows = (bh + T - 1) / T;
    const size_t nt = (size_t)cols * rows;
    size_t abuf_n;
    if (!lscan__mul_size(lscan__a_stride(bw), (size_t)T + 1, &abuf_n))
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "container box too wide");
    lscan__analysis_need(img, &bx, T, &need);
    rc = lscan__mem_admit(ctx, &need, "analysis of a %ux%u container box in %zu tiles", bw, bh, nt);
    if (rc) return rc;
    rc = lscan__scratch_reserve(ctx, s, w, h, abuf_n, nt);
    if (rc) return rc;
    memset(s->acc, 0, nt * sizeof *s->acc);

    size_t feat_n;
    lscan_analysis *a = calloc(1, sizeof *a);
    if (!a || !lscan__mul_size(nt, LSCAN__TILE_FEATURES, &feat_n)) {
        free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the analysis");
    }
    a->tile_feat = malloc(feat_n * sizeof *a->tile_feat);
    a->row_gain = malloc((size_t)h * sizeof *a->row_gain);
    uint64_t *tile_gx = malloc(nt * sizeof *tile_gx);
    lscan__fine fine;
    bool fine_ok = fine_alloc(&fine, bw, bh, T);
    fine.floor_thr = c.floor_thr;
    if (!a->tile_feat || !a->row_gain || !tile_gx || !fine_ok) {
        free(tile_gx);
        fine_free(&fine);
        lscan_analysis_free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate features for %zu tiles", nt);
    }

    /* Dual energy: the low plane's calibration, then its sums in the sweep. */
    rc = lscan__material_begin(ctx, img, &o, &c, s, &bx, T, &a->mat);
    const lscan__kernels *kern = ctx->kernels ? ctx->kernels : lscan__kernels_ref();
    if (!rc) rc = sweep(ctx, kern, img, &c, c.lut, &bx, T, cols, s->abuf, s->acc, &fine, a->mat);
    if (!rc && lscan__material_finish(a->mat, kern, &fine, &bx))
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the material map");
    if (rc) {
        free(tile_gx);
        fine_free(&fine);
        lscan_analysis_free(a);
        return rc;
    }

    a->calib.size = sizeof a->calib;
    a->calib.air_level = c.air_level;
    a->calib.noise_floor = c.noise_floor;
    a->calib.pitch_mm = pitch;
    a->calib.polarity = c.polarity;
    a->calib.flags = flags | c.flags | (c.bad_rows ? LSCAN_CALIB_DEFECTIVE_ROWS : 0); /* location's and the display's */
    a->calib.display_param = c.display_param;
    a->calib.display_wall = c.display_wall;
    a->calib.display_noise = c.display_noise;
    a->quantum = c.quantum;
    a->box = bx;
    a->cols = cols;
    a->rows = rows;
    a->tile = T;
    a->height = h;
    a->calib_seconds = calib_seconds;
    memcpy(a->row_gain, c.row_gain, (size_t)h * sizeof *a->row_gain);
    tile_basics(a, s->acc);
    for (size_t i = 0; i < nt; i++)
        tile_gx[i] = s->acc[i].gx;
    rc = lscan__residual_features(a, &fine, tile_gx);
    if (!rc && (a->calib.flags & LSCAN_CALIB_UPSIDE_DOWN))
        for (size_t i = 0; i < nt; i++) { /* the roof is at the bottom */
            float *f = a->tile_feat + i * LSCAN__TILE_FEATURES, d = f[LSCAN__TF_DIST_ROOF_M];
            f[LSCAN__TF_DIST_ROOF_M] = f[LSCAN__TF_DIST_FLOOR_M];
            f[LSCAN__TF_DIST_FLOOR_M] = d;
        }
    if (!rc) rc = lscan__plane_features(a, &fine);
    if (!rc) rc = lscan__scan_relative_features(a);
    free(tile_gx);
    fine_free(&fine);
    if (rc != LSCAN_OK) {
        lscan_analysis_free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the residual features");
    }
    if (lscan__deadline_passed(ctx)) {
        lscan_analysis_free(a);
        return lscan__deadline_error(ctx, "tile and image features");
    }
    *out = a;
    return LSCAN_OK;
}

LSCAN_API int lscan_analyze(lscan_ctx *ctx, const lscan_image *img,
                            const lscan_analyze_options *opts, lscan_analysis **out)
{
    if (out) *out = NULL;
    if (!ctx || !img || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan__deadline_begin(ctx);
    int rc = analyze(ctx, img, opts, out);
    lscan__deadline_end(ctx);
    return rc;
}

LSCAN_API void lscan_analysis_free(lscan_analysis *a)
{
    if (!a) return;
    free(a->tile_feat);
    free(a->row_gain);
    lscan__material_free(a->mat);
    free(a);
}

LSCAN_API int lscan_analysis_calibration(const lscan_analysis *a, lscan_calibration *out)
{
    if (!a || !out || out->size < sizeof(uint32_t)) return LSCAN_ERR_INVALID_ARGUMENT;
    uint32_t size = out->size;
    memcpy(out, &a->calib, size < sizeof a->calib ? size : sizeof a->calib);
    out->size = size;
    return LSCAN_OK;
}

LSCAN_API const float *lscan_analysis_row_gains(const lscan_analysis *a, uint32_t *n)
{
    if (n) *n = a ? a->height : 0;
    return a ? a->row_gain : NULL;
}

LSCAN_API int lscan_analysis_container(const lscan_analysis *a, lscan_box *out)
{
    if (!a || !out) return LSCAN_ERR_INVALID_ARGUMENT;
    *out = a->box;
    return LSCAN_OK;
}

LSCAN_API void lscan_analysis_grid(const lscan_analysis *a, uint32_t *cols, uint32_t *rows)
{
    if (cols) *cols = a ? a->cols : 0;
    if (rows) *rows = a ? a->rows : 0;
}

LSCAN_API uint32_t lscan_analysis_tile_px(const lscan_analysis *a)
{
    return a ? a->tile : 0;
}

LSCAN_API int lscan_analysis_tile_box(const lscan_analysis *a, uint32_t col, uint32_t row,
                                      lscan_box *out)
{
    if (!a || !out || col >= a->cols || row >= a->rows) return LSCAN_ERR_INVALID_ARGUMENT;
    out->x0 = a->box.x0 + col * a->tile;
    out->y0 = a->box.y0 + row * a->tile;
    out->x1 = out->x0 + a->tile < a->box.x1 ? out->x0 + a->tile : a->box.x1;
    out->y1 = out->y0 + a->tile < a->box.y1 ? out->y0 + a->tile : a->box.y1;
    return LSCAN_OK;
}

LSCAN_API const float *lscan_analysis_tile_features(const lscan_analysis *a)
{
    return a ? a->tile_feat : NULL;
}

LSCAN_API const float *lscan_analysis_image_features(const lscan_analysis *a)
{
    return a ? a->image_feat : NULL;
}

LSCAN_API const float *lscan_analysis_load_features(const lscan_analysis *a)
{
    return a ? a->load_desc : NULL;
}
