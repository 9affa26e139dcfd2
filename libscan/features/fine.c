/* fine.c — features finer than a tile: blobs on a grid of cells (a quarter tile) against the
 * ring around them, thin full-height and full-length lines from the box's pixel column and row
 * profiles, a tile's texture and peak against its neighbours', and tiles against the rest of
 * their own scan. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>

/* Blocks of 16 samples with a constant trip count, which compilers turn
 * into vector code at -O2; the sums are exact integers whatever the order. */
#define FINE_BLOCK 16

void lscan__fine_band(lscan__fine *f, const uint16_t *abuf, size_t stride, uint32_t width,
                      uint32_t height, uint32_t y_off)
{
    const uint32_t C = f->cell, wb = width / FINE_BLOCK * FINE_BLOCK;
    uint32_t *acc = f->acc; /* one cell row's column sums: C * 32767 < 2^32 */
    for (uint32_t i0 = 0; i0 < height;) {
        /* The rows of this band that fall in one cell row. */
        uint32_t i1 = i0 + (C - (y_off + i0) % C);
        if (i1 > height) i1 = height;
        for (uint32_t x = 0; x < width; x++)
            acc[x] = 0;
        for (uint32_t i = i0; i < i1; i++) {
            const uint16_t *row = abuf + (size_t)i * stride;
            uint64_t rs = 0;
            uint32_t x = 0;
            while (x < wb) {
                /* 32-bit lanes, emptied every 4096 blocks: 4096 * 32767 < 2^32. */
                uint32_t lanes[FINE_BLOCK] = {0},
                         end = wb - x > 4096 * FINE_BLOCK ? x + 4096 * FINE_BLOCK : wb;
                for (; x < end; x += FINE_BLOCK) {
                    const uint16_t *restrict r = row + x;
                    uint32_t *restrict a = acc + x;
                    for (uint32_t l = 0; l < FINE_BLOCK; l++) {
                        a[l] += r[l];
                        lanes[l] += r[l];
                    }
                }
                for (uint32_t l = 0; l < FINE_BLOCK; l++)
                    rs += lanes[l];
            }
            for (; x < width; x++) {
                acc[x] += row[x];
                rs += row[x];
            }
            f->row_sum[y_off + i] = rs;
        }
        uint32_t *cs = f->cell_sum + (size_t)((y_off + i0) / C) * f->ccols;
        for (uint32_t x = 0, cx = 0; x < width; cx++) {
            uint32_t end = width - x < C ? width : x + C, s = 0;
            for (; x < end; x++)
                s += acc[x];
            cs[cx] += s;
        }
        for (uint32_t x = 0; x < width; x++)
            f->col_sum[x] += acc[x];
        i0 = i1;
    }
}

/* Sum of v over the cells [c0, c1] x [r0, r1] (clipped to the grid) from the
 * integral image I ((ccols + 1) x (crows + 1)), and the number of cells. */
static double box_sum(const double *I, uint32_t ccols, uint32_t crows, long c0, long r0, long c1,
                      long r1, double *count)
{
    if (c0 < 0) c0 = 0;
    if (r0 < 0) r0 = 0;
    if (c1 >= (long)ccols) c1 = (long)ccols - 1;
    if (r1 >= (long)crows) r1 = (long)crows - 1;
    *count = (double)(c1 - c0 + 1) * (double)(r1 - r0 + 1);
    const size_t w = (size_t)ccols + 1;
    return I[(size_t)(r1 + 1) * w + (size_t)(c1 + 1)] - I[(size_t)r0 * w + (size_t)(c1 + 1)] -
           I[(size_t)(r1 + 1) * w + (size_t)c0] + I[(size_t)r0 * w + (size_t)c0];
}

/* Mean of the (2 rc + 1)^2 cells around (c, r) minus the mean of the ring between
 * the squares of half-sides r_in and r_out: > 0 for a compact dense object. */
static double dob(const double *I, uint32_t ccols, uint32_t crows, long c, long r, int rc, int r_in,
                  int r_out)
{
    double nc, ni, no;
    double sc = box_sum(I, ccols, crows, c - rc, r - rc, c + rc, r + rc, &nc);
    double si = box_sum(I, ccols, crows, c - r_in, r - r_in, c + r_in, r + r_in, &ni);
    double so = box_sum(I, ccols, crows, c - r_out, r - r_out, c + r_out, r + r_out, &no);
    if (no <= ni) return 0.0;
    return sc / nc - (so - si) / (no - ni);
}

/* The spreads' floor (A) keeps the normalised blob scores finite over
 * noiseless uniform loads. */
#define BLOB_SPREAD_FLOOR 0.01
#define TEXTURE_FLOOR 0.02
/* Line detector on a profile p[0..n): p[i] against the mean of its values
 * LINE_OFFSET samples away on either side. */
#define LINE_OFFSET 4
static double line_at(const double *p, uint32_t n, uint32_t i)
{
    return p[i] - 0.5 * (p[i >= LINE_OFFSET ? i - LINE_OFFSET : 0] +
                         p[i + LINE_OFFSET < n ? i + LINE_OFFSET : n - 1]);
}

/* sign(z) log(1 + |z|): keeps the order, tames the tails for a linear model. */
static double signed_log1p(double z)
{
    return z >= 0 ? log1p(z) : -log1p(-z);
}

/* A thin line standing above both its neighbours k samples away: the
 * smaller of the two rises, so a step edge gives 0 or less. */
static double thin_line(const double *p, uint32_t n, uint32_t i, uint32_t k)
{
    double l = p[i] - p[i >= k ? i - k : 0], r = p[i] - p[i + k < n ? i + k : n - 1];
    return l < r ? l : r;
}

/* The strongest line of profile p[0..n) among samples [lo, hi) (clipped),
 * 0 when the range is empty. k = 0: line_at, else thin_line with offset k. */
static double strongest_line(const double *p, uint32_t n, double lo, double hi, uint32_t k)
{
    uint32_t a = lo > 0 ? (lo < n ? (uint32_t)lo : n) : 0,
             b = hi < n ? (hi > 0 ? (uint32_t)hi : 0) : n;
    double best = a < b ? -INFINITY : 0.0;
    for (uint32_t i = a; i < b; i++) {
        double l = k ? thin_line(p, n, i, k) : line_at(p, n, i);
        if (l > best) best = l;
    }
    return best;
}

/* log(max(l, 0) + 0.01): clean scans give lines of ~0.001-1 A, planes up to
 * ~4; a linear model weighs their ratio better than their difference. */
static double log_line(double l)
{
    return log((l > 0 ? l : 0) + 0.01);
}

/* Planes parallel to the end walls, roof and floor, at the distances where
 * false walls, ceilings and floors are built and clear of the container's
 * own structure (corner posts, rails and end frames end within ~15 cm of
 * the box edge on every size the generator draws). */
static void structure_lines(lscan_analysis *a, const double *line_x, uint32_t bw,
                            const double *line_y, uint32_t bh)
{
    const double px_per_mm = 1.0 / a->calib.pitch_mm;
    double l = strongest_line(line_x, bw, 180 * px_per_mm, 1300 * px_per_mm, 2);
    double r = strongest_line(line_x, bw, bw - 1300 * px_per_mm, bw - 180 * px_per_mm, 2);
    double c = strongest_line(line_y, bh, 140 * px_per_mm, 380 * px_per_mm, 2);
    a->image_feat[LSCAN__IF_END_LINE] = (float)log_line(l > r ? l : r);
    a->image_feat[LSCAN__IF_CEILING_LINE] = (float)log_line(c);
    a->image_feat[LSCAN__IF_FLOOR_LINE] =
        (float)strongest_line(line_y, bh, bh - 400 * px_per_mm, bh - 120 * px_per_mm, 0);
}

static int cmp_double(const void *x, const void *y)
{
    double u = *(const double *)x, v = *(const double *)y;
    return (u > v) - (u < v);
}

/* Tile features against their own distribution in the same scan: the inner
 * tiles against the inner tiles, the two outer rings (walls, roof, floor) by
 * band: top and bottom (with the corners), left and right. What is unusual
 * for this load and this part of the container, whatever the load. */
#define IMG_Z_EDGE 2
#define IMG_Z_FLOOR 0.02
#define TOP_GAP_RANK 10
enum { BAND_INNER, BAND_TOP, BAND_BOTTOM, BAND_LEFT, BAND_RIGHT, BANDS };

static int band_of(uint32_t c, uint32_t r, uint32_t cols, uint32_t rows)
{
    if (cols <= 2 * IMG_Z_EDGE || rows <= 2 * IMG_Z_EDGE) return BAND_INNER; /* no inner part */
    if (r < IMG_Z_EDGE) return BAND_TOP;
    if (r + IMG_Z_EDGE >= rows) return BAND_BOTTOM;
    if (c < IMG_Z_EDGE) return BAND_LEFT;
    if (c + IMG_Z_EDGE >= cols) return BAND_RIGHT;
    return BAND_INNER;
}

static int image_z(lscan_analysis *a)
{
    static const int src[] = {LSCAN__TF_MEAN,        LSCAN__TF_STD,        LSCAN__TF_MAX,
                              LSCAN__TF_PEAK,        LSCAN__TF_BLOB_S,     LSCAN__TF_BLOB_L,
                              LSCAN__TF_COL_LINE_PX, LSCAN__TF_ROW_LINE_PX};
    _Static_assert(sizeof src / sizeof *src == LSCAN__IMG_Z_COUNT,
                   "one source per *_img_z feature");
    const uint32_t cols = a->cols, rows = a->rows;
    const size_t nt = (size_t)cols * rows, nf = LSCAN__TILE_FEATURES;
    double *v = malloc(nt * sizeof *v);
    if (!v) return LSCAN_ERR_NO_MEMORY;
    for (size_t k = 0; k < sizeof src / sizeof *src; k++) {
        double edge_max = -INFINITY;
        for (int band = 0; band < BANDS; band++) {
            size_t n = 0;
            for (uint32_t r = 0; r < rows; r++)
                for (uint32_t c = 0; c < cols; c++)
                    if (band_of(c, r, cols, rows) == band)
                        v[n++] = a->tile_feat[((size_t)r * cols + c) * nf + src[k]];
            if (n == 0) continue;
            qsort(v, n, sizeof *v, cmp_double);
            double med = v[(n - 1) / 2],
                   spread = v[(size_t)(0.9 * (double)(n - 1))] - v[(size_t)(0.1 * (double)(n - 1))];
            for (uint32_t r = 0; r < rows; r++)
                for (uint32_t c = 0; c < cols; c++) {
                    if (band_of(c, r, cols, rows) != band) continue;
                    float *ft = a->tile_feat + ((size_t)r * cols + c) * nf;
                    ft[LSCAN__TF_MEAN_IMG_Z + k] =
                        (float)signed_log1p((ft[src[k]] - med) / (spread + IMG_Z_FLOOR));
                }
            /* The largest z is the largest value's; for the mean also the smallest. */
            double zmax = signed_log1p((v[n - 1] - med) / (spread + IMG_Z_FLOOR));
            if (band != BAND_INNER) {
                if (zmax > edge_max) edge_max = zmax;
                continue;
            }
            a->image_feat[LSCAN__IF_TOP_GAP + k] =
                (float)(v[n - 1] - v[n > TOP_GAP_RANK ? n - TOP_GAP_RANK : 0]);
            a->image_feat[LSCAN__IF_IMG_Z_MAX + k] = (float)zmax;
            if (src[k] == LSCAN__TF_MEAN)
                a->image_feat[LSCAN__IF_MEAN_IMG_Z_MIN] =
                    (float)signed_log1p((v[0] - med) / (spread + IMG_Z_FLOOR));
        }
        a->image_feat[LSCAN__IF_EDGE_Z_MAX + k] = isinf(edge_max) ? 0.0f : (float)edge_max;
    }
    free(v);
    return LSCAN_OK;
}

int lscan__fine_features(lscan_analysis *a, const lscan__fine *f)
{
    const uint32_t cols = a->cols, rows = a->rows, T = a->tile, C = f->cell;
    const uint32_t cc = f->ccols, cr = f->crows;
    const uint32_t bw = a->box.x1 - a->box.x0, bh = a->box.y1 - a->box.y0;
    const size_t nt = (size_t)cols * rows, nf = LSCAN__TILE_FEATURES;
    const double one = LSCAN__A_ONE;
    double *I = calloc(((size_t)cc + 1) * ((size_t)cr + 1) + 3 * nt + (size_t)bw + bh, sizeof *I);
    if (!I) return LSCAN_ERR_NO_MEMORY;
    double *abs_s = I + ((size_t)cc + 1) * ((size_t)cr + 1), *abs_l = abs_s + nt, *cnt = abs_l + nt;
    double *line_x = cnt + nt, *line_y = line_x + bw;

    /* Integral image of the cell means (edge cells are cut by the box). */
    for (uint32_t r = 0; r < cr; r++) {
        uint32_t ch = bh - r * C < C ? bh - r * C : C;
        double run = 0;
        for (uint32_t c = 0; c < cc; c++) {
            uint32_t cw = bw - c * C < C ? bw - c * C : C;
            run += (double)f->cell_sum[(size_t)r * cc + c] / ((double)cw * ch) / one;
            I[(size_t)(r + 1) * (cc + 1) + c + 1] = I[(size_t)r * (cc + 1) + c + 1] + run;
        }
    }

    /* Blob responses per cell, reduced per tile: the largest and smallest,
     * and the mean magnitude (the tile's blob "texture"). */
    const uint32_t per = T / C; /* cells per tile side */
    for (uint32_t tr = 0; tr < rows; tr++)
        for (uint32_t tc = 0; tc < cols; tc++) {
            size_t t = (size_t)tr * cols + tc;
            float *ft = a->tile_feat + t * nf;
            double smax = -INFINITY, smin = INFINITY, lmax = -INFINITY, lmin = INFINITY;
            double as = 0, al = 0, n = 0; /* a tile has at least one cell */
            for (uint32_t r = tr * per; r < (tr + 1) * per && r < cr; r++)
                for (uint32_t c = tc * per; c < (tc + 1) * per && c < cc; c++) {
                    double s = dob(I, cc, cr, c, r, 1, 2, 4), l = dob(I, cc, cr, c, r, 3, 5, 7);
                    if (s > smax) smax = s;
                    if (s < smin) smin = s;
                    if (l > lmax) lmax = l;
                    if (l < lmin) lmin = l;
                    as += fabs(s);
                    al += fabs(l);
                    n++;
                }
            abs_s[t] = as;
            abs_l[t] = al;
            cnt[t] = n;
            ft[LSCAN__TF_BLOB_S] = (float)smax;
            ft[LSCAN__TF_BLOB_S_LIGHT] = (float)-smin;
            ft[LSCAN__TF_BLOB_L] = (float)lmax;
            ft[LSCAN__TF_BLOB_L_LIGHT] = (float)-lmin;
        }

    /* Pixel-resolution profiles: mean A of each column over the box height
     * and of each row over its width; a thin plane seen edge-on (a false wall
     * or floor) is a line in them. */
    for (uint32_t x = 0; x < bw; x++)
        line_x[x] = (double)f->col_sum[x] / bh / one;
    for (uint32_t y = 0; y < bh; y++)
        line_y[y] = (double)f->row_sum[y] / bw / one;
    structure_lines(a, line_x, bw, line_y, bh);

    for (uint32_t tr = 0; tr < rows; tr++)
        for (uint32_t tc = 0; tc < cols; tc++) {
            size_t t = (size_t)tr * cols + tc;
            float *ft = a->tile_feat + t * nf;
            /* The neighbours' texture and largest value; and the blob texture
             * (mean |response| per cell) of the ring of tiles two away, whose
             * cells' rings do not reach this tile: an object here does not
             * raise it. Medians, robust to a few busy tiles. */
            double ns[16], nl[16], nstd[8], nmax = -INFINITY;
            int k = 0, kr = 0;
            for (int dr = -2; dr <= 2; dr++)
                for (int dc = -2; dc <= 2; dc++) {
                    long rr = (long)tr + dr, cq = (long)tc + dc;
                    if ((dr == 0 && dc == 0) || rr < 0 || cq < 0 || rr >= rows || cq >= cols)
                        continue;
                    size_t u = (size_t)rr * cols + (size_t)cq;
                    if (dr == -2 || dr == 2 || dc == -2 || dc == 2) {
                        ns[kr] = abs_s[u] / cnt[u];
                        nl[kr++] = abs_l[u] / cnt[u];
                        continue;
                    }
                    const float *fu = a->tile_feat + u * nf;
                    nstd[k++] = fu[LSCAN__TF_STD];
                    if (fu[LSCAN__TF_MAX] > nmax) nmax = fu[LSCAN__TF_MAX];
                }
            double bs = ft[LSCAN__TF_BLOB_S], bl = ft[LSCAN__TF_BLOB_L];
            double ms = kr ? lscan__median_d(ns, kr) : abs_s[t] / cnt[t],
                   ml = kr ? lscan__median_d(nl, kr) : abs_l[t] / cnt[t];
            ft[LSCAN__TF_BLOB_S_Z] = (float)log1p((bs > 0 ? bs : 0) / (ms + BLOB_SPREAD_FLOOR));
            ft[LSCAN__TF_BLOB_L_Z] = (float)log1p((bl > 0 ? bl : 0) / (ml + BLOB_SPREAD_FLOOR));
            ft[LSCAN__TF_STD_VS_NBR] = k ? (float)log((ft[LSCAN__TF_STD] + TEXTURE_FLOOR) /
                                                      (lscan__median_d(nstd, k) + TEXTURE_FLOOR))
                                         : 0.0f;
            ft[LSCAN__TF_MAX_VS_NBR_MAX] = k ? (float)(ft[LSCAN__TF_MAX] - nmax) : 0.0f;

            double lx = -INFINITY, ly = -INFINITY;
            uint32_t x0 = tc * T, x1 = x0 + T < bw ? x0 + T : bw;
            uint32_t y0 = tr * T, y1 = y0 + T < bh ? y0 + T : bh;
            for (uint32_t x = x0; x < x1; x++) {
                double l = line_at(line_x, bw, x);
                if (l > lx) lx = l;
            }
            for (uint32_t y = y0; y < y1; y++) {
                double l = line_at(line_y, bh, y);
                if (l > ly) ly = l;
            }
            ft[LSCAN__TF_COL_LINE_PX] = (float)lx;
            ft[LSCAN__TF_ROW_LINE_PX] = (float)ly;
        }
    free(I);
    return image_z(a);
}
