/* load.c — load descriptors for commodity recognition and empty-container checks: fill and
 * height profile, attenuation per metre, density quantiles, texture at five scales, the load's
 * repeating unit along and across the container, and what stands out of an empty container. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Names and one-line definitions, in the order of enum lscan__load_desc (feat.h). "Interior"
 * is the box inside the structure bands (roof, floor, end frames); "the load" is the residual
 * stage's load mask; r2 is a cell's attenuation beyond the empty container's structure. Ratios
 * and shares keep the descriptors close across scanners; attenuations are in A. */
const struct lscan__feature_def lscan__load_defs[LSCAN__LOAD_DESC] = {
    [LSCAN__LD_FILL] = {"fill", "share of the interior's cells in the load"},
    [LSCAN__LD_LENGTH_FILL] = {"length_fill", "share of the interior's columns that hold load "
                                              "(at least 10 % of their cells)"},
    [LSCAN__LD_HEIGHT_MEAN] = {"height_mean", "mean height of the load's top above the floor "
                                              "over the loaded columns, as a share of the "
                                              "interior's height"},
    [LSCAN__LD_HEIGHT_STD] = {"height_std", "standard deviation of that height over the loaded "
                                            "columns"},
    [LSCAN__LD_HEIGHT_ROUGH] = {"height_rough", "mean absolute change of that height between "
                                                "adjacent loaded columns"},
    [LSCAN__LD_FULL_HEIGHT] = {"full_height", "share of the loaded columns whose load reaches "
                                              "the top tenth of the interior"},
    [LSCAN__LD_SOLIDITY] = {"solidity", "mean over the loaded columns of their load cells / the "
                                        "cells from their load's top to the floor"},
    [LSCAN__LD_GAPS] = {"gaps", "share of the columns between the first and last loaded ones "
                                "that hold no load"},
    [LSCAN__LD_UNITS_PER_M] = {"units_per_m", "runs of loaded columns per metre of loaded length"},
    [LSCAN__LD_MASS_PER_M] = {"mass_per_m", "mean over the loaded columns of the sum of r2 x "
                                            "cell height (A x m): attenuation per metre of load, "
                                            "proportional to its mass per metre"},
    [LSCAN__LD_LEVEL_Q10] = {"level_q10", "10th percentile of r2 over the load's cells (A)"},
    [LSCAN__LD_LEVEL_Q50] = {"level_q50", "median r2 over the load's cells (A)"},
    [LSCAN__LD_LEVEL_Q90] = {"level_q90", "90th percentile of r2 over the load's cells (A)"},
    [LSCAN__LD_LEVEL_SPREAD] = {"level_spread", "(level_q90 - level_q10) / (level_q50 + 0.05)"},
    [LSCAN__LD_DENSE_FRAC] = {"dense_frac", "share of the load's cells with r2 over 2 level_q50 "
                                            "+ 0.2: dense parts"},
#define TEX(k, d, n, what) [LSCAN__LD_TEX_H + 5 * (d) + (k)] = {n, what}
    TEX(0, 0, "tex_h1",
        "log((D + 0.002) / (level_q50 + 0.05)), D the mean absolute difference of "
        "horizontally adjacent cells of the load, noise removed: texture at ~2 cm"),
    TEX(1, 0, "tex_h2", "the same for blocks of 2x2 cells (~4 cm)"),
    TEX(2, 0, "tex_h4", "the same for blocks of 4x4 cells (~8 cm)"),
    TEX(3, 0, "tex_h8", "the same for blocks of 8x8 cells (~16 cm)"),
    TEX(4, 0, "tex_h16", "the same for blocks of 16x16 cells (~32 cm)"),
    TEX(0, 1, "tex_v1", "as tex_h1 for vertically adjacent cells"),
    TEX(1, 1, "tex_v2", "as tex_h2, vertically"),
    TEX(2, 1, "tex_v4", "as tex_h4, vertically"),
    TEX(3, 1, "tex_v8", "as tex_h8, vertically"),
    TEX(4, 1, "tex_v16", "as tex_h16, vertically"),
#undef TEX
    [LSCAN__LD_PERIOD_X_M] = {"period_x_m", "lag in metres (0.2 to 3) of the strongest "
                                            "autocorrelation peak of the load's column profile "
                                            "(sum of r2 per column): the repeating unit along "
                                            "the container; 0 when none"},
    [LSCAN__LD_PERIOD_X_R] = {"period_x_r", "the autocorrelation at that lag (0 when none)"},
    [LSCAN__LD_PERIOD_Y_M] = {"period_y_m", "the same (0.1 to 1.2 m) for the load's row profile "
                                            "(mean r2 per row over the loaded columns): layers"},
    [LSCAN__LD_PERIOD_Y_R] = {"period_y_r", "the autocorrelation at that lag"},
    [LSCAN__LD_MASS_BOTTOM] = {"mass_bottom", "share of the load's sum of r2 in the lowest third "
                                              "of the interior"},
    [LSCAN__LD_MASS_TOP] = {"mass_top", "share of it in the top third"},
    [LSCAN__LD_LAYERS] = {"layers", "mean number of vertical runs of load cells per loaded "
                                    "column: stacked units with gaps"},
    [LSCAN__LD_LEVEL_Q25] = {"level_q25", "25th percentile of r2 over the load's cells (A)"},
    [LSCAN__LD_LEVEL_Q75] = {"level_q75", "75th percentile of r2 over the load's cells (A)"},
    [LSCAN__LD_VOID_FRAC] = {"void_frac", "share of the load's cells with r2 under level_q50 / 2: "
                                          "gaps between units"},
    [LSCAN__LD_BLOCK_CV16] = {"block_cv16", "standard deviation / mean of the mean r2 of the "
                                            "load's blocks of 16x16 cells (~32 cm, 90 % load): "
                                            "how alike the units are"},
    [LSCAN__LD_BLOCK_CV32] = {"block_cv32", "the same for blocks of 32x32 cells (~64 cm)"},
    [LSCAN__LD_COL_CV] = {"col_cv", "standard deviation / mean of the loaded columns' sums of r2: "
                                    "lanes of different goods"},
    [LSCAN__LD_HEIGHT_ROUGH16] = {"height_rough16", "mean absolute change of the height between "
                                                    "loaded columns 16 cells (~32 cm) apart"},
    [LSCAN__LD_UNIT_M] = {"unit_m", "mean length in metres of the runs of loaded columns"},
    [LSCAN__LD_ROW_CV] = {"row_cv", "standard deviation / mean of the row profile (mean r2 per row "
                                    "over the loaded columns) below the load's top: layers"},
    [LSCAN__LD_END_UNIT_M] = {"end_unit_m", "depth in metres of the deeper end structure: "
                                            "columns from an end of the interior, at most 60 cm "
                                            "deep, whose cells over max(3 noise sigma, 0.02 A) "
                                            "reach its top and bottom quarters and cover a "
                                            "quarter of its height (a reefer's machinery unit); "
                                            "the excess_* descriptors leave them out"},
    [LSCAN__LD_ROOF_BAND_Z] = {"roof_band_z", "log(1 + z) of what stands out inside the roof "
                                              "band: blocks of 4, 8 or 16 cells against the "
                                              "row's median over ~1 m segments, in units of the "
                                              "row's 1.48 MAD, summed down 4, 8 or 16 rows / "
                                              "sqrt(rows): a package at the roof"},
    [LSCAN__LD_FLOOR_BAND_Z] = {"floor_band_z", "the same inside the floor band: a package on "
                                                "the floor"},
    [LSCAN__LD_EXCESS_Z4] = {"excess_z4", "log(1 + max(0, z)) of the interior's strongest block "
                                          "of 4x4 cells, z = mean r2 / (noise of the block mean "
                                          "+ 0.005): anything beyond the empty container"},
    [LSCAN__LD_EXCESS_Z16] = {"excess_z16", "the same for blocks of 16x16 cells (~32 cm)"},
    [LSCAN__LD_EXCESS_AREA] = {"excess_area", "log(1 + area in cm^2 of the interior's cells with "
                                              "r2 over max(3 noise sigma, 0.02 A))"},
    [LSCAN__LD_EXCESS_MASS] = {"excess_mass", "log(1 + sum of r2 over those cells, in A x dm^2)"},
};

/* End structures: a reefer's machinery unit is 42-45 cm deep behind the end frame; a gap of
 * up to 3 cells inside it is allowed (its compartments), and 5 cm beyond it are left out (its
 * floor-level parts reach past the bulkhead line). A structure that runs on past END_UNIT_CM is not
 * an end unit (a load stacked to the roof). */
#define END_UNIT_CM 60.0
#define END_UNIT_GAP 3
#define END_UNIT_MARGIN_CM 5.0

/* Inside the roof and floor bands: segments for the along-the-container baseline, and the
 * floor of a row's spread (a perfectly flat row must not make any excess infinite). */
#define BAND_SEGMENT_CM 100.0
#define BAND_SPREAD_FLOOR 0.003
/* A band repeats when its column profile's autocorrelation peaks at 0.3 or more at a lag of
 * 15 to 80 cm (corrugation, cross-members). */
#define BAND_PERIOD_MIN_CM 15.0
#define BAND_PERIOD_MAX_CM 80.0
#define BAND_PERIODIC_R 0.3

#define EDGE_ROWS_CM 8.0
#define EDGE_ROW_SHARE 0.8

/* Quantiles of r2 over the load from a histogram: bins of 1/256 A up to 16 A (the fixed-point
 * range), so no copy of the load's cells is needed. */
#define HIST_PER_A 256
#define HIST_BINS (16 * HIST_PER_A)

static double hist_quantile(const uint32_t *h, uint64_t n, double q)
{
    uint64_t want = (uint64_t)(q * (double)(n - 1)), seen = 0;
    for (uint32_t b = 0; b < HIST_BINS; b++) {
        seen += h[b];
        if (seen > want) return (b + 0.5) / HIST_PER_A;
    }
    return (double)HIST_BINS / HIST_PER_A;
}

/* Sum over cells [x0, x1) x [y0, y1) of an integral image of a W-wide grid. */
static double rect(const double *I, uint32_t W, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1)
{
    const size_t w = (size_t)W + 1;
    return I[(size_t)y1 * w + x1] - I[(size_t)y0 * w + x1] - I[(size_t)y1 * w + x0] +
           I[(size_t)y0 * w + x0];
}

/* The strongest peak of the normalised autocorrelation of p[0..n) between lags lo and hi
 * (inclusive): *lag and *r, both 0 when there is none. */
static void period(const double *p, uint32_t n, uint32_t lo, uint32_t hi, double *lag, double *r)
{
    *lag = 0, *r = 0;
    if (lo < 1) lo = 1;
    if (hi > n / 2) hi = n / 2;
    if (n < 8 || hi < lo + 2) return;
    double mu = 0, var = 0;
    for (uint32_t i = 0; i < n; i++)
        mu += p[i];
    mu /= n;
    for (uint32_t i = 0; i < n; i++)
        var += (p[i] - mu) * (p[i] - mu);
    if (!(var > 1e-12)) return;
    double prev = 2, cur = 0;
    for (uint32_t k = lo - 1; k <= hi + 1 && k < n; k++) {
        double s = 0;
        for (uint32_t i = 0; i + k < n; i++)
            s += (p[i] - mu) * (p[i + k] - mu);
        /* Scaled for the shorter overlap, so long lags are not penalised. */
        double c = s / var * (double)n / (double)(n - k);
        if (k >= lo + 1 && k - 1 <= hi && cur >= prev && cur >= c && cur > *r) {
            *r = cur;
            *lag = k - 1;
        }
        prev = cur;
        cur = c;
    }
}

/* k-th smallest of v[0..n) (k < n), reordering v. */
static float select_f(float *v, size_t n, size_t k)
{
    return lscan__select_f(v, n, k);
}

/* What stands out inside a structure band (roof or floor rows y0..y1 of the box, columns
 * x0..x1): the band's own structure repeats along the container (corrugation, cross-members,
 * rails), so each row's blocks of w cells are compared with the row's median over segments of
 * about a metre (interpolated between segments) in units of the row's spread (1.48 MAD), and
 * the excess is summed down windows of 4, 8 and 16 rows. Returns log(1 + the largest z over
 * block widths of 4, 8 and 16 cells), 0 for a band too thin or short. `tmp` holds
 * (y1 - y0 + 3) * (x1 - x0) floats. */
static double band_excess(const lscan__residual_maps *m, uint32_t x0, uint32_t x1, uint32_t y0,
                          uint32_t y1, float *tmp)
{
    const uint32_t W = m->W, rows = y1 > y0 ? y1 - y0 : 0, len = x1 > x0 ? x1 - x0 : 0;
    const uint32_t seg = lscan__cells(BAND_SEGMENT_CM, m->cell_cm);
    if (rows < 2 || len < 2 * seg + 16) return 0;
    /* A band that repeats (corrugation, cross-members) is compared with itself one and two
     * periods away first, so that only what does not repeat is left. */
    float *D = tmp + (size_t)(rows + 3) * len;
    double *prof = (double *)(void *)tmp; /* len doubles, before e is written */
    for (uint32_t x = 0; x < len; x++) {
        double s = 0;
        for (uint32_t y = 0; y < rows; y++)
            s += m->r2[(size_t)(y + y0) * W + x0 + x];
        prof[x] = s;
    }
    double lag, rr;
    period(prof, len, lscan__cells(BAND_PERIOD_MIN_CM, m->cell_cm),
           lscan__cells(BAND_PERIOD_MAX_CM, m->cell_cm), &lag, &rr);
    const uint32_t L = rr >= BAND_PERIODIC_R ? (uint32_t)lag : 0;
    for (uint32_t y = 0; y < rows; y++) {
        const float *r2 = m->r2 + (size_t)(y + y0) * W + x0;
        float *dy = D + (size_t)y * len;
        for (uint32_t x = 0; x < len; x++) {
            if (!L) {
                dy[x] = r2[x];
                continue;
            }
            float v[4];
            int k = 0;
            for (int j = -2; j <= 2; j++) {
                long xx = (long)x + j * (long)L;
                if (j && xx >= 0 && xx < (long)len) v[k++] = r2[xx];
            }
            /* The median of the (2 to 4) same-phase neighbours. */
            for (int a = 1; a < k; a++)
                for (int b = a; b > 0 && v[b - 1] > v[b]; b--) {
                    float t = v[b];
                    v[b] = v[b - 1];
                    v[b - 1] = t;
                }
            dy[x] = r2[x] - (k % 2 ? v[k / 2] : 0.5f * (v[k / 2 - 1] + v[k / 2]));
        }
    }
    double best = 0;
    for (int wi = 0; wi < 3; wi++) {
        const uint32_t w = 4u << wi, step = w / 2, nb = (len - w) / step + 1;
        float *e = tmp, *row = tmp + (size_t)rows * len, *sorted = row + len;
        for (uint32_t y = 0; y < rows; y++) {
            const float *r2 = D + (size_t)y * len;
            for (uint32_t k = 0; k < nb; k++) {
                double s = 0;
                for (uint32_t x = k * step; x < k * step + w; x++)
                    s += r2[x];
                row[k] = (float)(s / w);
            }
            /* Segment medians at their centres, interpolated. */
            const uint32_t per = seg / step ? seg / step : 1, nseg = (nb + per - 1) / per;
            for (uint32_t g = 0; g < nseg; g++) {
                const uint32_t a = g * per, b = a + per < nb ? a + per : nb;
                memcpy(sorted, row + a, (b - a) * sizeof *sorted);
                sorted[nb + g] = select_f(sorted, b - a, (b - a) / 2);
            }
            float *ey = e + (size_t)y * nb;
            for (uint32_t k = 0; k < nb; k++) {
                double pos = ((double)k - (per - 1) / 2.0) / per;
                uint32_t g0 = pos <= 0 ? 0 : (uint32_t)pos;
                if (g0 + 1 >= nseg) g0 = nseg > 1 ? nseg - 2 : 0;
                double t = nseg > 1 ? pos - g0 : 0;
                if (t < 0) t = 0;
                if (t > 1) t = 1;
                double base =
                    nseg > 1 ? (1 - t) * sorted[nb + g0] + t * sorted[nb + g0 + 1] : sorted[nb];
                ey[k] = (float)(row[k] - base);
            }
            for (uint32_t k = 0; k < nb; k++)
                sorted[k] = fabsf(ey[k]);
            const double spread = 1.4826 * select_f(sorted, nb, nb / 2) + BAND_SPREAD_FLOOR;
            for (uint32_t k = 0; k < nb; k++)
                ey[k] = (float)(ey[k] / spread);
        }
        for (uint32_t k = 0; k < nb; k++)
            for (int hw = 0; hw < 3; hw++) {
                const uint32_t h = 4u << hw;
                if (h > rows && hw > 0) break;
                const uint32_t hh = h < rows ? h : rows;
                double s = 0;
                for (uint32_t y = 0; y < hh; y++)
                    s += e[(size_t)y * nb + k];
                for (uint32_t y = hh;; y++) {
                    double z = s / sqrt((double)hh);
                    if (z > best) best = z;
                    if (y >= rows) break;
                    s += e[(size_t)y * nb + k] - e[(size_t)(y - hh) * nb + k];
                }
            }
    }
    return log1p(best);
}

int lscan__load_descriptors(const lscan__residual_maps *m, lscan_analysis *a)
{
    float *d = a->load_desc;
    memset(d, 0, LSCAN__LOAD_DESC * sizeof *d);
    const uint32_t W = m->W, H = m->H;
    const uint32_t x0 = m->band_left, x1 = W > m->band_right ? W - m->band_right : 0,
                   y0 = m->band_top, y1 = H > m->band_bottom ? H - m->band_bottom : 0;
    if (x1 <= x0 + 2 || y1 <= y0 + 2) return LSCAN_OK; /* no interior: nothing to describe */
    const uint32_t iw = x1 - x0, ih = y1 - y0;
    const double cell_m = m->cell_cm / 100.0;
    const size_t ni = ((size_t)iw + 1) * ((size_t)ih + 1);
    double *II = malloc(2 * ni * sizeof *II); /* integral images of r2 over the load, and of it */
    float *blk = malloc((size_t)iw * ih * sizeof *blk); /* block means of one scale */
    double *prof = malloc(((size_t)iw + ih) * sizeof *prof);
    uint32_t *hist = calloc(HIST_BINS, sizeof *hist);
    if (!II || !prof || !hist || !blk) {
        free(II);
        free(prof);
        free(hist);
        free(blk);
        return LSCAN_ERR_NO_MEMORY;
    }
    double *IN = II + ni, *col = prof, *row = prof + iw;

    /* One pass: integral images, the histogram, the column heights and profiles, the mass by
     * thirds, runs, and the cells beyond the empty container. */
    uint64_t on = 0;
    double sig_sum = 0, mass_third[3] = {0, 0, 0};
    uint32_t loaded_cols = 0, full = 0, first = UINT32_MAX, last = 0, runs_x = 0;
    double h_sum = 0, h_sum2 = 0, rough = 0, solid = 0, mass_cols = 0, layers = 0;
    double prev_h = -1;
    memset(II, 0, ((size_t)iw + 1) * sizeof *II);
    memset(IN, 0, ((size_t)iw + 1) * sizeof *IN);
    memset(row, 0, ih * sizeof *row);
    for (uint32_t x = 0; x < iw; x++)
        col[x] = 0;
    uint32_t *col_on = calloc(5 * (size_t)iw, sizeof *col_on), *col_top = col_on + iw,
             *col_runs = col_top + iw, *col_ex = col_runs + iw, *col_tb = col_ex + iw;
    if (!col_on) {
        free(II);
        free(prof);
        free(hist);
        free(blk);
        return LSCAN_ERR_NO_MEMORY;
    }
    for (uint32_t x = 0; x < iw; x++)
        col_top[x] = ih;

    for (uint32_t y = 0; y < ih; y++) {
        double run = 0, run_n = 0;
        const size_t w1 = (size_t)iw + 1;
        II[(size_t)(y + 1) * w1] = IN[(size_t)(y + 1) * w1] = 0;
        const int third = (int)(3 * y / ih); /* 0 top .. 2 bottom */
        for (uint32_t x = 0; x < iw; x++) {
            const size_t i = (size_t)(y + y0) * W + x + x0;
            const float r = m->r2[i];
            const bool l = m->load[i] != 0;
            double thr = 3.0 * m->sig[i];
            if (thr < 0.02) thr = 0.02;
            if (r > thr) {
                col_ex[x]++;
                col_tb[x] |= 4 * y < ih ? 1u : 4 * y >= 3 * ih ? 2u : 0u;
            }
            if (l) {
                on++;
                sig_sum += m->sig[i];
                int b = r <= 0 ? 0 : (int)(r * HIST_PER_A);
                hist[b < HIST_BINS ? b : HIST_BINS - 1]++;
                run += r;
                run_n += 1;
                col[x] += r;
                col_on[x]++;
                if (col_top[x] == ih) col_top[x] = y;
                if (y == 0 || !m->load[i - W]) col_runs[x]++;
                mass_third[third] += r;
            }
            II[(size_t)(y + 1) * w1 + x + 1] = II[(size_t)y * w1 + x + 1] + run;
            IN[(size_t)(y + 1) * w1 + x + 1] = IN[(size_t)y * w1 + x + 1] + run_n;
        }
    }
    /* Columns: heights, runs of loaded columns, solidity, mass per metre, layers. */
    bool in_run = false;
    for (uint32_t x = 0; x < iw; x++) {
        const bool loaded = col_on[x] * 10 >= ih;
        if (!loaded) {
            in_run = false;
            prev_h = -1;
            continue;
        }
        if (!in_run) runs_x++;
        in_run = true;
        if (first == UINT32_MAX) first = x;
        last = x;
        loaded_cols++;
        const double h = (double)(ih - col_top[x]) / ih;
        h_sum += h;
        h_sum2 += h * h;
        if (prev_h >= 0) rough += fabs(h - prev_h);
        prev_h = h;
        full += col_top[x] * 10 < ih;
        solid += (double)col_on[x] / (ih - col_top[x]);
        mass_cols += col[x] * cell_m;
        layers += col_runs[x];
    }
    uint32_t pairs = 0;
    for (uint32_t x = 1; x < iw; x++)
        pairs += col_on[x] * 10 >= ih && col_on[x - 1] * 10 >= ih;

    d[LSCAN__LD_FILL] = (float)((double)on / ((double)iw * ih));
    d[LSCAN__LD_LENGTH_FILL] = (float)((double)loaded_cols / iw);
    if (loaded_cols) {
        const double hm = h_sum / loaded_cols, hv = h_sum2 / loaded_cols - hm * hm;
        d[LSCAN__LD_HEIGHT_MEAN] = (float)hm;
        d[LSCAN__LD_HEIGHT_STD] = (float)sqrt(hv > 0 ? hv : 0);
        d[LSCAN__LD_HEIGHT_ROUGH] = pairs ? (float)(rough / pairs) : 0.0f;
        d[LSCAN__LD_FULL_HEIGHT] = (float)((double)full / loaded_cols);
        d[LSCAN__LD_SOLIDITY] = (float)(solid / loaded_cols);
        const uint32_t span = last - first + 1;
        d[LSCAN__LD_GAPS] = (float)((double)(span - loaded_cols) / span);
        d[LSCAN__LD_UNITS_PER_M] = (float)(runs_x / (span * cell_m));
        d[LSCAN__LD_MASS_PER_M] = (float)(mass_cols / loaded_cols);
        d[LSCAN__LD_LAYERS] = (float)(layers / loaded_cols);
        d[LSCAN__LD_UNIT_M] = (float)((double)loaded_cols * cell_m / runs_x);
        double cs = 0, cs2 = 0, r16 = 0;
        uint32_t p16 = 0;
        for (uint32_t x = first; x <= last; x++) {
            if (col_on[x] * 10 < ih) continue;
            cs += col[x];
            cs2 += col[x] * col[x];
            if (x + 16 <= last && col_on[x + 16] * 10 >= ih) {
                r16 += fabs((double)col_top[x] - (double)col_top[x + 16]) / ih;
                p16++;
            }
        }
        const double cm = cs / loaded_cols, cv = cs2 / loaded_cols - cm * cm;
        d[LSCAN__LD_COL_CV] = cm > 1e-9 ? (float)(sqrt(cv > 0 ? cv : 0) / cm) : 0.0f;
        d[LSCAN__LD_HEIGHT_ROUGH16] = p16 ? (float)(r16 / p16) : 0.0f;
    }
    double q50 = 0;
    if (on) {
        const double q10 = hist_quantile(hist, on, 0.1), q90 = hist_quantile(hist, on, 0.9);
        q50 = hist_quantile(hist, on, 0.5);
        d[LSCAN__LD_LEVEL_Q10] = (float)q10;
        d[LSCAN__LD_LEVEL_Q50] = (float)q50;
        d[LSCAN__LD_LEVEL_Q90] = (float)q90;
        d[LSCAN__LD_LEVEL_SPREAD] = (float)((q90 - q10) / (q50 + 0.05));
        const double dense = 2 * q50 + 0.2;
        uint64_t nd = 0;
        for (uint32_t b = (uint32_t)(dense * HIST_PER_A) + 1; b < HIST_BINS; b++)
            nd += hist[b];
        d[LSCAN__LD_DENSE_FRAC] = (float)((double)nd / on);
        d[LSCAN__LD_LEVEL_Q25] = (float)hist_quantile(hist, on, 0.25);
        d[LSCAN__LD_LEVEL_Q75] = (float)hist_quantile(hist, on, 0.75);
        uint64_t nv = 0;
        for (uint32_t b = 0; b < (uint32_t)(0.5 * q50 * HIST_PER_A) && b < HIST_BINS; b++)
            nv += hist[b];
        d[LSCAN__LD_VOID_FRAC] = (float)((double)nv / on);
        const double mt = mass_third[0] + mass_third[1] + mass_third[2];
        if (mt > 0) {
            d[LSCAN__LD_MASS_BOTTOM] = (float)(mass_third[2] / mt);
            d[LSCAN__LD_MASS_TOP] = (float)(mass_third[0] / mt);
        }
    }

    /* Texture: mean |difference| of adjacent blocks of s x s cells lying (90 %) in the load,
     * less the noise of the difference of two block means (1.128 sqrt 2 sigma / s). Each
     * scale's block means are worked out once (NAN: not enough load) into `blk`. */
    const double sig = on ? sig_sum / on : 0;
    for (int k = 0; k < 5; k++) {
        const uint32_t s = 1u << k, nbx = iw / s, nby = ih / s;
        const double need = 0.9 * s * s;
        for (uint32_t by = 0; by < nby; by++)
            for (uint32_t bx = 0; bx < nbx; bx++) {
                float v = NAN;
                if (s == 1) {
                    const size_t i = (size_t)(by + y0) * W + bx + x0;
                    if (m->load[i]) v = m->r2[i];
                } else {
                    const uint32_t x = bx * s, y = by * s;
                    const double cnt = rect(IN, iw, x, y, x + s, y + s);
                    if (cnt >= need) v = (float)(rect(II, iw, x, y, x + s, y + s) / cnt);
                }
                blk[(size_t)by * nbx + bx] = v;
            }
        for (int dir = 0; dir < 2; dir++) {
            double sum = 0;
            uint64_t n = 0;
            const uint32_t dx = dir == 0, dy = dir == 1;
            for (uint32_t by = 0; by + dy < nby; by++)
                for (uint32_t bx = 0; bx + dx < nbx; bx++) {
                    const float a = blk[(size_t)by * nbx + bx],
                                b = blk[(size_t)(by + dy) * nbx + bx + dx];
                    if (isnan(a) || isnan(b)) continue;
                    sum += fabsf(a - b);
                    n++;
                }
            double D = n ? sum / n : 0, noise = 1.596 * sig / s;
            D = D > noise ? sqrt(D * D - noise * noise) : 0;
            d[LSCAN__LD_TEX_H + 5 * dir + k] = n ? (float)log((D + 0.002) / (q50 + 0.05)) : 0.0f;
        }
    }

    /* How alike the load's units are: the spread of block means over the load. */
    for (int k = 0; k < 2; k++) {
        const uint32_t bs = k == 0 ? 16 : 32;
        double sum = 0, sum2 = 0;
        uint64_t nb = 0;
        for (uint32_t y = 0; y + bs <= ih; y += bs)
            for (uint32_t x = 0; x + bs <= iw; x += bs) {
                const double cnt = rect(IN, iw, x, y, x + bs, y + bs);
                if (cnt < 0.9 * bs * bs) continue;
                const double mean = rect(II, iw, x, y, x + bs, y + bs) / cnt;
                sum += mean;
                sum2 += mean * mean;
                nb++;
            }
        const double mean = nb ? sum / nb : 0, var = nb ? sum2 / nb - mean * mean : 0;
        d[k == 0 ? LSCAN__LD_BLOCK_CV16 : LSCAN__LD_BLOCK_CV32] =
            nb >= 2 && mean > 1e-6 ? (float)(sqrt(var > 0 ? var : 0) / mean) : 0.0f;
    }

    /* The repeating unit: along the container from the column profile over the loaded span,
     * across (layers) from the row profile over the loaded columns. */
    if (loaded_cols >= 8) {
        double lag, r;
        const uint32_t span = last - first + 1;
        period(col + first, span, (uint32_t)(0.2 / cell_m + 0.5), (uint32_t)(3.0 / cell_m + 0.5),
               &lag, &r);
        d[LSCAN__LD_PERIOD_X_M] = (float)(lag * cell_m);
        d[LSCAN__LD_PERIOD_X_R] = (float)r;
        for (uint32_t y = 0; y < ih; y++) {
            double s = 0;
            for (uint32_t x = first; x <= last; x++) {
                const size_t i = (size_t)(y + y0) * W + x + x0;
                if (m->load[i]) s += m->r2[i];
            }
            row[y] = s / loaded_cols;
        }
        uint32_t r0 = ih;
        for (uint32_t x = first; x <= last; x++)
            if (col_top[x] < r0) r0 = col_top[x];
        period(row + r0, ih - r0, (uint32_t)(0.1 / cell_m + 0.5), (uint32_t)(1.2 / cell_m + 0.5),
               &lag, &r);
        d[LSCAN__LD_PERIOD_Y_M] = (float)(lag * cell_m);
        d[LSCAN__LD_PERIOD_Y_R] = (float)r;
        double rs = 0, rs2 = 0;
        for (uint32_t y = r0; y < ih; y++) {
            rs += row[y];
            rs2 += row[y] * row[y];
        }
        const uint32_t nr = ih - r0;
        const double rm = nr ? rs / nr : 0, rv = nr ? rs2 / nr - rm * rm : 0;
        d[LSCAN__LD_ROW_CV] = rm > 1e-9 ? (float)(sqrt(rv > 0 ? rv : 0) / rm) : 0.0f;
    }

    /* Beyond the empty container. An end structure first: columns from an end of the interior,
     * at most END_UNIT_CM deep, whose cells beyond the structure reach both the top and the
     * bottom quarter of the interior and cover a quarter of its height (a reefer's machinery
     * unit and bulkhead: the container's own). A package against an end wall (at most ~90 cm
     * high, on the floor or at the roof) reaches one of those quarters only. */
    uint32_t ex0 = 0, ex1 = iw;
    double unit_cells = 0;
    for (int end = 0; end < 2; end++) {
        const uint32_t max = lscan__cells(END_UNIT_CM, m->cell_cm);
        uint32_t depth = 0, gap = 0;
        for (uint32_t k = 0; k < iw / 3 && k <= max && gap <= END_UNIT_GAP; k++) {
            const uint32_t x = end == 0 ? k : iw - 1 - k;
            if (col_tb[x] == 3 && 4 * col_ex[x] >= ih) {
                depth = k + 1;
                gap = 0;
            } else {
                gap++;
            }
        }
        if (depth == 0 || depth > max) continue;
        const uint32_t cut = depth + lscan__cells(END_UNIT_MARGIN_CM, m->cell_cm);
        if (end == 0)
            ex0 = cut < iw ? cut : iw;
        else
            ex1 = iw > cut ? iw - cut : 0;
        if (depth > unit_cells) unit_cells = depth;
    }
    if (ex1 < ex0 + 4) ex0 = 0, ex1 = iw; /* nothing left between: judge the whole interior */
    d[LSCAN__LD_END_UNIT_M] = (float)(unit_cells * cell_m);
    /* Then rows next to the roof and floor bands whose cells stand out over EDGE_ROW_SHARE of
     * that length, at most EDGE_ROWS_CM from the band: a rail or liner the bands missed runs
     * the whole length; a package never does. */
    uint32_t ey0 = 0, ey1 = ih;
    {
        const uint32_t max = lscan__cells(EDGE_ROWS_CM, m->cell_cm);
        for (uint32_t y = 0; y < ih; y++) {
            uint32_t c = 0;
            for (uint32_t x = ex0; x < ex1; x++) {
                const size_t i = (size_t)(y + y0) * W + x + x0;
                c += m->r2[i] > 0.02 && m->r2[i] > 3.0 * m->sig[i];
            }
            row[y] = c;
        }
        const double need = EDGE_ROW_SHARE * (ex1 - ex0);
        for (uint32_t k = 0; k < max && k < ih / 4 && row[k] >= need; k++)
            ey0 = k + 1;
        for (uint32_t k = 0; k < max && k < ih / 4 && row[ih - 1 - k] >= need; k++)
            ey1 = ih - 1 - k;
    }
    /* The strongest blocks of r2 against their noise between those, and the cells that stand
     * out at all (a lower bar than the load mask's). */
    uint64_t excess_cells = 0;
    double excess_mass = 0;
    for (uint32_t y = ey0; y < ey1; y++)
        for (uint32_t x = ex0; x < ex1; x++) {
            const size_t i = (size_t)(y + y0) * W + x + x0;
            const float r = m->r2[i];
            if (r > 0.02 && r > 3.0 * m->sig[i]) {
                excess_cells++;
                excess_mass += r;
            }
        }
    const double cell_dm2 = m->cell_cm * m->cell_cm / 100.0;
    d[LSCAN__LD_EXCESS_AREA] = (float)log1p((double)excess_cells * m->cell_cm * m->cell_cm);
    d[LSCAN__LD_EXCESS_MASS] = (float)log1p(excess_mass * cell_dm2);
    /* Integral image of r2 over the whole interior (reusing II) and of sigma (IN). */
    for (uint32_t y = 0; y < ih; y++) {
        const size_t w1 = (size_t)iw + 1;
        double run = 0, run_s = 0;
        II[(size_t)(y + 1) * w1] = IN[(size_t)(y + 1) * w1] = 0;
        for (uint32_t x = 0; x < iw; x++) {
            const size_t i = (size_t)(y + y0) * W + x + x0;
            run += m->r2[i];
            run_s += m->sig[i];
            II[(size_t)(y + 1) * w1 + x + 1] = II[(size_t)y * w1 + x + 1] + run;
            IN[(size_t)(y + 1) * w1 + x + 1] = IN[(size_t)y * w1 + x + 1] + run_s;
        }
    }
    for (int k = 0; k < 2; k++) {
        const uint32_t s = k == 0 ? 4 : 16, step = s / 2;
        double zmax = 0;
        for (uint32_t y = ey0; y + s <= ey1; y += step)
            for (uint32_t x = ex0; x + s <= ex1; x += step) {
                const double n = (double)s * s;
                const double mean = rect(II, iw, x, y, x + s, y + s) / n,
                             sg = rect(IN, iw, x, y, x + s, y + s) / n / s;
                const double z = mean / (sg + 0.005);
                if (z > zmax) zmax = z;
            }
        d[k == 0 ? LSCAN__LD_EXCESS_Z4 : LSCAN__LD_EXCESS_Z16] = (float)log1p(zmax);
    }
    /* The roof and floor bands themselves, between the end structures: a package at the roof or
     * on the floor may sit inside them. */
    {
        const uint32_t bx0 = x0 + ex0, bx1 = x0 + ex1,
                       band_max = y0 > m->band_bottom ? y0 : m->band_bottom;
        float *tmp = malloc((2 * (size_t)band_max + 3) * (bx1 - bx0) * sizeof *tmp + 32);
        if (!tmp) {
            free(II);
            free(prof);
            free(hist);
            free(col_on);
            free(blk);
            return LSCAN_ERR_NO_MEMORY;
        }
        d[LSCAN__LD_ROOF_BAND_Z] = (float)band_excess(m, bx0, bx1, 0, y0, tmp);
        d[LSCAN__LD_FLOOR_BAND_Z] = (float)band_excess(m, bx0, bx1, y1, H, tmp);
        free(tmp);
    }
    free(II);
    free(prof);
    free(hist);
    free(col_on);
    free(blk);
    return LSCAN_OK;
}
