/* planes.c — thin planes seen edge-on: a false wall, ceiling or floor is a line that runs the
 * box's whole height or length, found in the per-segment pixel profiles and measured against
 * the container's own roof, floor and end walls. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>

/* Ridge offsets (mm): a line must stand above the profile this far away on
 * both sides; two widths catch a sheet (a few mm, blurred) and a board. */
static const double ridge_mm[2] = {12.0, 30.0};
/* A segment shows the line when its ridge exceeds this (A). */
#define RIDGE_ON 0.08
#define PLANE_LOG_FLOOR 0.01

/* v pixels as a count in [0, n]. */
static uint32_t px_clamp(double v, uint32_t n)
{
    return v > 0 ? (v < n ? (uint32_t)v : n) : 0;
}

/* The plane score of every position along a profile: the median over
 * segments of the ridge (the smaller of the rises over both sides, each
 * side the mean of 3 samples) times the share of segments showing it.
 * p[i * stride + s] for s in [s0, s1). */
static void plane_scores(const double *p, size_t stride, uint32_t n, uint32_t s0, uint32_t s1,
                         double pitch_mm, double *score, double *tmp)
{
    const uint32_t ns = s1 - s0;
    for (uint32_t i = 0; i < n; i++)
        score[i] = 0;
    for (int wi = 0; wi < 2; wi++) {
        long w = (long)px_clamp(ridge_mm[wi] / pitch_mm + 0.5, n);
        if (w < 2) w = 2;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t on = 0;
            for (uint32_t s = s0; s < s1; s++) {
                double side[2];
                for (int k = 0; k < 2; k++) {
                    long c = (long)i + (k ? w : -w);
                    double sum = 0;
                    for (long j = c - 1; j <= c + 1; j++) {
                        long jj = j < 0 ? 0 : j >= (long)n ? (long)n - 1 : j;
                        sum += p[(size_t)jj * stride + s];
                    }
                    side[k] = sum / 3.0;
                }
                double v = p[(size_t)i * stride + s];
                double r = v - side[0] < v - side[1] ? v - side[0] : v - side[1];
                tmp[s - s0] = r;
                on += r > RIDGE_ON;
            }
            double med = lscan__median_d(tmp, ns);
            double sc = (med > 0 ? med : 0) * on / ns;
            if (sc > score[i]) score[i] = sc;
        }
    }
}

/* The bins' edges (mm from the box edge): the container's own end frames,
 * roof rails and floor lie in the first ones whatever the build, false walls,
 * ceilings and floors further in; the model weighs them. */
static const double bin_mm[LSCAN__PLANE_BINS + 1] = {0, 100, 200, 400, 700, 1100};

/* The strongest plane score in each distance bin from one edge of the
 * profile (reversed when !from_start), into best[LSCAN__PLANE_BINS]. */
static void binned_planes(const double *score, uint32_t n, bool from_start, double pitch_mm,
                          double *best)
{
    for (int k = 0; k < LSCAN__PLANE_BINS; k++) {
        best[k] = 0;
        /* Clamped in double before conversion: any pitch the options accept. */
        const uint32_t i0 = px_clamp(bin_mm[k] / pitch_mm, n), i1 = px_clamp(bin_mm[k + 1] / pitch_mm, n);
        for (uint32_t i = i0; i < i1; i++) {
            double v = score[from_start ? i : n - 1 - i];
            if (v > best[k]) best[k] = v;
        }
    }
}

static double log_plane(double v)
{
    return log(v + PLANE_LOG_FLOOR);
}

int lscan__plane_features(lscan_analysis *a, const lscan__fine *f)
{
    const uint32_t bw = a->box.x1 - a->box.x0, bh = a->box.y1 - a->box.y0;
    const uint32_t cols = a->cols, rows = a->rows, T = a->tile;
    const double pitch = a->calib.pitch_mm;
    const size_t nf = LSCAN__TILE_FEATURES;
    double *rp = malloc(((size_t)bh * LSCAN__ROW_SEGS + (size_t)bw * LSCAN__COL_BANDS + bh + bw +
                         LSCAN__ROW_SEGS) *
                        sizeof *rp);
    if (!rp) return LSCAN_ERR_NO_MEMORY;
    double *cp = rp + (size_t)bh * LSCAN__ROW_SEGS, *rs = cp + (size_t)bw * LSCAN__COL_BANDS,
           *cs = rs + bh, *tmp = cs + bw;
    for (uint32_t y = 0; y < bh; y++)
        for (uint32_t s = 0; s < LSCAN__ROW_SEGS; s++) {
            uint32_t w = f->seg_x[s + 1] - f->seg_x[s];
            rp[(size_t)y * LSCAN__ROW_SEGS + s] =
                w ? (double)f->row_seg[(size_t)y * LSCAN__ROW_SEGS + s] / w / LSCAN__A_ONE : 0;
        }
    for (uint32_t x = 0; x < bw; x++)
        for (uint32_t b = 0; b < LSCAN__COL_BANDS; b++) {
            uint32_t h = f->band_y[b + 1] - f->band_y[b];
            cp[(size_t)x * LSCAN__COL_BANDS + b] =
                h ? (double)f->col_band[(size_t)x * LSCAN__COL_BANDS + b] / h / LSCAN__A_ONE : 0;
        }
    /* The end segments hold the end frames, the top and bottom bands the
     * roof and floor: a plane must run through the rest. */
    plane_scores(rp, LSCAN__ROW_SEGS, bh, 1, LSCAN__ROW_SEGS - 1, pitch, rs, tmp);
    plane_scores(cp, LSCAN__COL_BANDS, bw, 1, LSCAN__COL_BANDS - 1, pitch, cs, tmp);

    for (uint32_t tr = 0; tr < rows; tr++)
        for (uint32_t tc = 0; tc < cols; tc++) {
            float *ft = a->tile_feat + ((size_t)tr * cols + tc) * nf;
            double mr = 0, mc = 0;
            for (uint32_t y = tr * T; y < (tr + 1) * T && y < bh; y++)
                if (rs[y] > mr) mr = rs[y];
            for (uint32_t x = tc * T; x < (tc + 1) * T && x < bw; x++)
                if (cs[x] > mc) mc = cs[x];
            ft[LSCAN__TF_ROW_PLANE] = (float)log_plane(mr);
            ft[LSCAN__TF_COL_PLANE] = (float)log_plane(mc);
        }

    float *g = a->image_feat;
    /* Upside down (a bottom-up detector array), the roof is at the bottom. */
    const bool up = !(a->calib.flags & LSCAN_CALIB_UPSIDE_DOWN);
    double roof[LSCAN__PLANE_BINS], flo[LSCAN__PLANE_BINS], left[LSCAN__PLANE_BINS],
        right[LSCAN__PLANE_BINS];
    binned_planes(rs, bh, up, pitch, roof);
    binned_planes(rs, bh, !up, pitch, flo);
    binned_planes(cs, bw, true, pitch, left);
    binned_planes(cs, bw, false, pitch, right);
    double lmax = 0, rmax = 0;
    for (int k = 0; k < LSCAN__PLANE_BINS; k++) {
        g[LSCAN__IF_END_PLANE + k] = (float)log_plane(left[k] > right[k] ? left[k] : right[k]);
        g[LSCAN__IF_ROOF_PLANE + k] = (float)log_plane(roof[k]);
        g[LSCAN__IF_FLOOR_PLANE + k] = (float)log_plane(flo[k]);
        if (bin_mm[k] >= 200) { /* beyond the end frames */
            if (left[k] > lmax) lmax = left[k];
            if (right[k] > rmax) rmax = right[k];
        }
    }
    g[LSCAN__IF_END_PLANE_ASYM] = (float)fabs(log_plane(lmax) - log_plane(rmax));
    free(rp);
    return LSCAN_OK;
}
