/* features.c — lscan_analyze: calibrate, locate, one fused sweep of tile sums, then tile and image
 * features. */
#include "features/feat.h"
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

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (linear interpolation) of sorted v[0..n). */
static float quantile_sorted(const float *v, size_t n, double q)
{
    if (n == 0) return 0.0f;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n) return v[n - 1];
    double f = pos - (double)i;
    return (float)((double)v[i] + f * ((double)v[i + 1] - (double)v[i]));
}

/* The k-th smallest of v[0..n) (k < n), partially reordering v. */
static float select_f(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float p = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p)
                i++;
            while (v[j] > p)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* The median of v[0..n) (the mean of the middle two for even n), as
 * quantile_sorted(sorted v, n, 0.5) gives it; reorders v. */
static float median_f(float *v, size_t n)
{
    if (n == 0) return 0.0f;
    float upper = select_f(v, n, n / 2);
    if (n & 1) return upper;
    /* After the selection v[0..n/2) holds the smaller half. */
    float lower = v[0];
    for (size_t i = 1; i < n / 2; i++)
        if (v[i] > lower) lower = v[i];
    return (float)((double)lower + 0.5 * ((double)upper - (double)lower));
}

/* The q-quantile of A from the 1/16-A histogram, interpolated in its bin. */
static double hist_quantile(const uint64_t *hist, uint64_t total, double q)
{
    double want = q * (double)total, cum = 0;
    for (int b = 0; b < 256; b++) {
        double c = (double)hist[b];
        if (c > 0 && cum + c >= want) return ((double)b + (want - cum) / c) / 16.0;
        cum += c;
    }
    return 16.0;
}

/* Tile and image features from the exact tile sums. */
static void compute_features(lscan_analysis *a, const lscan__tile_acc *acc, const uint64_t *hist,
                             float *tmp, double *colp)
{
    const uint32_t cols = a->cols, rows = a->rows, T = a->tile, nt = cols * rows;
    const lscan_box *bx = &a->box;
    const double pitch_m = a->calib.pitch_mm / 1000.0;
    const double bw = bx->x1 - bx->x0, bh = bx->y1 - bx->y0;
    const double one = LSCAN__A_ONE;
    float *means = tmp;       /* nt: tile means */
    float *sorted = tmp + nt; /* nt: scratch for quantiles */
    double tot_sum = 0, tot_sum2 = 0, tot_gx = 0, tot_gy = 0, tot_floor = 0, tot_n = 0;

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
            double mean = (double)t->sum / (double)n / one;
            means[r * cols + c] = (float)mean;
            f[LSCAN__TF_MEAN] = (float)mean;
            f[LSCAN__TF_STD] = (float)(sqrt((double)var_num) / (double)n / one);
            f[LSCAN__TF_MAX] = (float)(t->max / one);
            f[LSCAN__TF_PEAK] = (float)(t->max / one - mean);
            f[LSCAN__TF_GRAD_X] = (float)((double)t->gx / (double)n / one);
            f[LSCAN__TF_GRAD_Y] = (float)((double)t->gy / (double)n / one);
            f[LSCAN__TF_GRAD_DIR] =
                t->gx + t->gy
                    ? (float)(((double)t->gx - (double)t->gy) / ((double)t->gx + (double)t->gy))
                    : 0.0f;
            f[LSCAN__TF_FLOOR_FRAC] = (float)((double)t->floor / (double)n);
            double xc = (tb.x0 + tb.x1) / 2.0 - bx->x0, yc = (tb.y0 + tb.y1) / 2.0 - bx->y0;
            f[LSCAN__TF_POS_X] = (float)(xc / bw);
            f[LSCAN__TF_POS_Y] = (float)(yc / bh);
            f[LSCAN__TF_DIST_END_M] = (float)((xc < bw - xc ? xc : bw - xc) * pitch_m);
            f[LSCAN__TF_DIST_ROOF_M] = (float)(yc * pitch_m);
            f[LSCAN__TF_DIST_FLOOR_M] = (float)((bh - yc) * pitch_m);
            f[LSCAN__TF_COVERAGE] = (float)((double)n / ((double)T * T));
            tot_sum += (double)t->sum;
            tot_sum2 += (double)t->sum2;
            tot_gx += (double)t->gx;
            tot_gy += (double)t->gy;
            tot_floor += t->floor;
            tot_n += (double)n;
        }

    /* The load's level and the empty-container level. */
    memcpy(sorted, means, nt * sizeof *sorted);
    qsort(sorted, nt, sizeof *sorted, cmp_float);
    float med = quantile_sorted(sorted, nt, 0.5);
    float p05 = quantile_sorted(sorted, nt, 0.05);
    float q25 = quantile_sorted(sorted, nt, 0.25), q75 = quantile_sorted(sorted, nt, 0.75);
    float empty = p05 < 0.5f ? p05 : 0.5f;
    float *row_med = sorted + nt; /* rows */
    float *col_med = row_med + rows;
    float *line = col_med + cols; /* max(rows, cols) */
    for (uint32_t r = 0; r < rows; r++) {
        for (uint32_t c = 0; c < cols; c++)
            line[c] = means[r * cols + c];
        row_med[r] = median_f(line, cols);
    }
    for (uint32_t c = 0; c < cols; c++) {
        for (uint32_t r = 0; r < rows; r++)
            line[r] = means[r * cols + c];
        col_med[c] = median_f(line, rows);
    }

    double empty_area = 0;
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            float *f = a->tile_feat + (size_t)(r * cols + c) * LSCAN__TILE_FEATURES;
            double m = means[r * cols + c], s = 0, s2 = 0;
            int k = 0;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    long rr = (long)r + dr, cc = (long)c + dc;
                    if ((dr == 0 && dc == 0) || rr < 0 || cc < 0 || rr >= rows || cc >= cols)
                        continue;
                    double v = means[rr * cols + cc];
                    s += v;
                    s2 += v * v;
                    k++;
                }
            double nm = k ? s / k : m, nv = k ? s2 / k - nm * nm : 0;
            f[LSCAN__TF_NBR_MEAN] = (float)nm;
            f[LSCAN__TF_NBR_STD] = (float)sqrt(nv > 0 ? nv : 0);
            f[LSCAN__TF_CONTRAST] = (float)(m - nm);
            f[LSCAN__TF_MAX_CONTRAST] = (float)(f[LSCAN__TF_MAX] - nm);
            f[LSCAN__TF_MEAN_VS_MEDIAN] = (float)(m - med);
            f[LSCAN__TF_MEAN_VS_EMPTY] = (float)(m - empty);
            f[LSCAN__TF_MEAN_VS_ROW] = (float)(m - row_med[r]);
            f[LSCAN__TF_MEAN_VS_COL] = (float)(m - col_med[c]);
            if (m <= empty + 0.15) empty_area += f[LSCAN__TF_COVERAGE];
        }

    /* Profiles: area-weighted mean A per tile column and per tile row. */
    float *g = a->image_feat;
    double mean = tot_sum / tot_n / one;
    double var = tot_sum2 / tot_n / (one * one) - mean * mean;
    g[LSCAN__IF_MEAN] = (float)mean;
    g[LSCAN__IF_STD] = (float)sqrt(var > 0 ? var : 0);
    static const double pq[6] = {0.05, 0.25, 0.50, 0.75, 0.95, 0.99};
    uint64_t hist_n = 0;
    for (int b = 0; b < 256; b++)
        hist_n += hist[b];
    for (int i = 0; i < 6; i++)
        g[LSCAN__IF_P05 + i] = (float)hist_quantile(hist, hist_n, pq[i]);
    for (int band = 0; band < 8; band++) {
        uint64_t cnt = 0;
        for (int b = band * 16; b < (band == 7 ? 256 : band * 16 + 16); b++)
            cnt += hist[b];
        g[LSCAN__IF_FRAC_A0 + band] = (float)((double)cnt / (double)hist_n);
    }
    g[LSCAN__IF_FLOOR_FRAC] = (float)(tot_floor / tot_n);
    double area = 0;
    for (uint32_t i = 0; i < nt; i++)
        area += a->tile_feat[(size_t)i * LSCAN__TILE_FEATURES + LSCAN__TF_COVERAGE];
    g[LSCAN__IF_EMPTY_FRAC] = (float)(empty_area / area);
    double ms = 0, ms2 = 0;
    for (uint32_t i = 0; i < nt; i++) {
        ms += means[i];
        ms2 += (double)means[i] * means[i];
    }
    double mv = ms2 / nt - (ms / nt) * (ms / nt);
    g[LSCAN__IF_TILE_MEAN_STD] = (float)sqrt(mv > 0 ? mv : 0);
    g[LSCAN__IF_TILE_MEAN_IQR] = q75 - q25;
    for (int axis = 0; axis < 2; axis++) {
        uint32_t n = axis == 0 ? cols : rows;
        double tv = 0, s = 0, s2 = 0;
        for (uint32_t i = 0; i < n; i++) {
            double num = 0, den = 0;
            for (uint32_t j = 0; j < (axis == 0 ? rows : cols); j++) {
                uint32_t idx = axis == 0 ? j * cols + i : i * cols + j;
                double wgt = a->tile_feat[(size_t)idx * LSCAN__TILE_FEATURES + LSCAN__TF_COVERAGE];
                num += means[idx] * wgt;
                den += wgt;
            }
            double v = num / den;
            colp[(axis == 0 ? 0 : cols) + i] = v;
            if (i > 0) tv += fabs(v - colp[(axis == 0 ? 0 : cols) + i - 1]);
            s += v;
            s2 += v * v;
        }
        double pv = s2 / n - (s / n) * (s / n);
        g[LSCAN__IF_COL_PROFILE_TV + axis] = n > 1 ? (float)(tv / (n - 1)) : 0.0f;
        g[LSCAN__IF_COL_PROFILE_STD + axis] = (float)sqrt(pv > 0 ? pv : 0);
    }
    g[LSCAN__IF_GRAD_X] = (float)(tot_gx / tot_n / one);
    g[LSCAN__IF_GRAD_Y] = (float)(tot_gy / tot_n / one);
    g[LSCAN__IF_LENGTH_M] = (float)(bw * pitch_m);
    g[LSCAN__IF_NO_AIR_MARGIN] = (a->calib.flags & LSCAN_CALIB_NO_AIR_MARGIN) ? 1.0f : 0.0f;
}

/* Accumulates the tile sums and the A histogram over the box: one sweep of
 * bands of tile rows, each converted to attenuation once into a buffer
 * that stays in cache while the tile kernel reads it. */
static int sweep(lscan_ctx *ctx, const lscan__kernels *k, const lscan_image *img,
                 const lscan__calib *c, const uint16_t *lut, const lscan_box *bx, uint32_t T,
                 uint32_t cols, uint16_t *abuf, lscan__tile_acc *acc, uint64_t *hist,
                 lscan__fine *fine)
{
    const uint32_t bw = bx->x1 - bx->x0;
    const size_t as = lscan__a_stride(bw);
    const uint16_t *src0 = img->plane[0] + (size_t)bx->y0 * img->stride + bx->x0;
    uint32_t h4[4][256];
    memset(h4, 0, sizeof h4);
    uint64_t pending = 0;
    for (uint32_t y = bx->y0, r = 0; y < bx->y1; y += T, r++) {
        /* One clock read per band of tile rows. */
        if (lscan__deadline_passed(ctx)) return lscan__deadline_error(ctx, "the tile sweep");
        uint32_t h = bx->y1 - y < T ? bx->y1 - y : T;
        bool has_next = y + h < bx->y1;
        k->attenuation(src0 + (size_t)(y - bx->y0) * img->stride, img->stride, bw, h + has_next,
                       lut, c->xor_mask, c->row_off + y, abuf, as);
        /* The box's last row is its own "next" row: vertical differences
         * across the floor are 0. */
        if (!has_next)
            memcpy(abuf + (size_t)h * as, abuf + (size_t)(h - 1) * as, bw * sizeof *abuf);
        for (uint32_t i = 0; i <= h; i++) {
            uint16_t *row = abuf + (size_t)i * as;
            for (size_t x = bw; x < as; x++)
                row[x] = row[bw - 1];
        }
        /* The histogram takes the box's even rows (half the cost, the same
         * bits for every ISA); four interleaved copies keep runs of equal
         * values from serialising on one counter. */
        for (uint32_t i = (y - bx->y0) & 1; i < h; i += 2) {
            const uint16_t *row = abuf + (size_t)i * as;
            uint32_t x = 0;
            for (; x + 4 <= bw; x += 4) {
                h4[0][row[x] >> 7]++;
                h4[1][row[x + 1] >> 7]++;
                h4[2][row[x + 2] >> 7]++;
                h4[3][row[x + 3] >> 7]++;
            }
            for (; x < bw; x++)
                h4[0][row[x] >> 7]++;
        }
        /* Flush before the 32-bit bins could overflow. */
        pending += (uint64_t)h * bw;
        if (pending + (uint64_t)T * bw >= 0xF0000000u || y + T >= bx->y1) {
            pending = 0;
            for (int b = 0; b < 256; b++)
                hist[b] += (uint64_t)h4[0][b] + h4[1][b] + h4[2][b] + h4[3][b];
            memset(h4, 0, sizeof h4);
        }
        k->tiles(abuf, as, bw, h, T, c->floor_thr, acc + (size_t)r * cols);
        lscan__fine_band(fine, abuf, as, bw, h, y - bx->y0);
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
    const size_t C = T / 4, ccols = (bw + C - 1) / C, crows = (bh + C - 1) / C;
    const size_t longest = cols > rows ? cols : rows;
    need->keep_feat = true;
    /* The sweep's band buffer and tile sums (lscan__scratch_reserve). */
    need->feat = lscan__size_add(lscan__size_mul(lscan__a_stride((uint32_t)bw), (T + 1) * 2),
                                 lscan__size_mul(nt, sizeof(lscan__tile_acc)));
    /* lscan_analyze: the analysis, its features and temporaries, the fine sums. */
    size_t n = sizeof(lscan_analysis) + h * sizeof(float);
    n = lscan__size_add(n, lscan__size_mul(nt, LSCAN__TILE_FEATURES * sizeof(float)));
    n = lscan__size_add(n, lscan__size_mul(2 * nt + 3 * (rows + cols), sizeof(float)));
    n = lscan__size_add(n, (rows + cols) * sizeof(double));
    n = lscan__size_add(n, lscan__size_mul(lscan__size_mul(ccols, crows), sizeof(uint32_t)));
    n = lscan__size_add(n, bw * (sizeof(uint64_t) + sizeof(uint32_t)) + bh * sizeof(uint64_t));
    /* lscan__context_features and lscan__fine_features (counted together). */
    n = lscan__size_add(
        n, lscan__size_mul(2 * (cols + rows) + (longest > nt ? longest : nt) + nt, sizeof(double)));
    n = lscan__size_add(
        n, lscan__size_mul((ccols + 1) * (crows + 1) + 4 * nt + bw + bh, sizeof(double)));
    /* The decision (model/screen.c): a logit per tile and expert, the heat
     * map, the image model's input. */
    n = lscan__size_add(n, lscan__size_mul(nt, LSCAN__EXPERTS * sizeof(double) + sizeof(float)));
    n = lscan__size_add(n, (size_t)4096 * sizeof(float));
    need->other = lscan__size_add(other, n);
}

static void fine_free(lscan__fine *f)
{
    free(f->cell_sum);
    free(f->col_sum);
    free(f->row_sum);
    free(f->acc);
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

    /* The analysis owns its arrays in one block; the feature scratch
     * (floats, then doubles) is freed before returning. */
    size_t feat_n, tmp_n = 2 * nt + 3 * ((size_t)rows + cols);
    lscan_analysis *a = calloc(1, sizeof *a);
    if (!a || !lscan__mul_size(nt, LSCAN__TILE_FEATURES, &feat_n)) {
        free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the analysis");
    }
    a->tile_feat = malloc(feat_n * sizeof *a->tile_feat);
    a->row_gain = malloc((size_t)h * sizeof *a->row_gain);
    float *tmp = malloc(tmp_n * sizeof *tmp);
    double *prof = malloc(((size_t)rows + cols) * sizeof *prof);
    lscan__fine fine = {
        .cell = T / 4, .ccols = (bw + T / 4 - 1) / (T / 4), .crows = (bh + T / 4 - 1) / (T / 4)};
    fine.cell_sum = calloc((size_t)fine.ccols * fine.crows, sizeof *fine.cell_sum);
    fine.col_sum = calloc(bw, sizeof *fine.col_sum);
    fine.row_sum = malloc(bh * sizeof *fine.row_sum);
    fine.acc = malloc(bw * sizeof *fine.acc);
    if (!a->tile_feat || !a->row_gain || !tmp || !prof || !fine.cell_sum || !fine.col_sum ||
        !fine.row_sum || !fine.acc) {
        free(tmp);
        free(prof);
        fine_free(&fine);
        lscan_analysis_free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate features for %zu tiles", nt);
    }

    uint64_t hist[256] = {0};
    rc = sweep(ctx, ctx->kernels ? ctx->kernels : lscan__kernels_ref(), img, &c, s->lut, &bx, T,
               cols, s->abuf, s->acc, hist, &fine);
    if (rc) {
        free(tmp);
        free(prof);
        fine_free(&fine);
        lscan_analysis_free(a);
        return rc;
    }

    a->calib.size = sizeof a->calib;
    a->calib.air_level = c.air_level;
    a->calib.noise_floor = c.noise_floor;
    a->calib.pitch_mm = pitch;
    a->calib.polarity = c.polarity;
    a->calib.flags = flags;
    a->box = bx;
    a->cols = cols;
    a->rows = rows;
    a->tile = T;
    a->height = h;
    a->calib_seconds = calib_seconds;
    memcpy(a->row_gain, c.row_gain, (size_t)h * sizeof *a->row_gain);
    compute_features(a, s->acc, hist, tmp, prof);
    free(tmp);
    free(prof);
    rc = lscan__context_features(a);
    if (!rc) rc = lscan__fine_features(a, &fine);
    fine_free(&fine);
    if (rc != LSCAN_OK) {
        lscan_analysis_free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate tile context features");
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
