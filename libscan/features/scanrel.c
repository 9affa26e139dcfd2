/* scanrel.c — tile features against the rest of their own scan: what is unusual for this load
 * and this part of the container, whatever the load, the container build or the scanner. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>

/* The inner tiles are compared with the inner tiles; the two outer rings
 * (walls, roof, floor: two because the last tile may be a sliver) with
 * their own band. */
#define EDGE_TILES 2
#define SCAN_Z_FLOOR 0.02
#define TOP_GAP_RANK 10
enum { BAND_INNER, BAND_TOP, BAND_BOTTOM, BAND_LEFT, BAND_RIGHT, BANDS };

static int band_of(uint32_t c, uint32_t r, uint32_t cols, uint32_t rows)
{
    if (cols <= 2 * EDGE_TILES || rows <= 2 * EDGE_TILES) return BAND_INNER; /* no inner part */
    if (r < EDGE_TILES) return BAND_TOP;
    if (r + EDGE_TILES >= rows) return BAND_BOTTOM;
    if (c < EDGE_TILES) return BAND_LEFT;
    if (c + EDGE_TILES >= cols) return BAND_RIGHT;
    return BAND_INNER;
}

static double slog(double z)
{
    return z >= 0 ? log1p(z) : -log1p(-z);
}

static const int sources[LSCAN__SCAN_Z_COUNT] = {
    LSCAN__TF_MEAN,        LSCAN__TF_MAX,         LSCAN__TF_RES_MEAN,    LSCAN__TF_RES_MAX,
    LSCAN__TF_BLOB_EX + 0, LSCAN__TF_BLOB_EX + 1, LSCAN__TF_BLOB_EX + 2, LSCAN__TF_LOAD_RES_ABS};

int lscan__scan_relative_features(lscan_analysis *a)
{
    const uint32_t cols = a->cols, rows = a->rows;
    const size_t nt = (size_t)cols * rows, nf = LSCAN__TILE_FEATURES;
    float *v = malloc(nt * sizeof *v);
    if (!v) return LSCAN_ERR_NO_MEMORY;
    float *g = a->image_feat;
    for (int k = 0; k < LSCAN__SCAN_Z_COUNT; k++) {
        double edge_max = -INFINITY;
        for (int band = 0; band < BANDS; band++) {
            size_t n = 0;
            for (uint32_t r = 0; r < rows; r++)
                for (uint32_t c = 0; c < cols; c++)
                    if (band_of(c, r, cols, rows) == band)
                        v[n++] = a->tile_feat[((size_t)r * cols + c) * nf + sources[k]];
            if (n == 0) continue;
            const float med = lscan__select_f(v, n, (n - 1) / 2);
            const float p10 = lscan__select_f(v, n, (size_t)(0.1 * (double)(n - 1)));
            const float p90 = lscan__select_f(v, n, (size_t)(0.9 * (double)(n - 1)));
            const float top = lscan__select_f(v, n, n - 1);
            const double spread = (double)p90 - p10 + SCAN_Z_FLOOR;
            double zmin = INFINITY;
            for (uint32_t r = 0; r < rows; r++)
                for (uint32_t c = 0; c < cols; c++) {
                    if (band_of(c, r, cols, rows) != band) continue;
                    float *ft = a->tile_feat + ((size_t)r * cols + c) * nf;
                    double z = slog((ft[sources[k]] - med) / spread);
                    ft[LSCAN__TF_SCAN_Z + k] = (float)z;
                    if (z < zmin) zmin = z;
                }
            double zmax = slog((top - med) / spread);
            if (band != BAND_INNER) {
                if (zmax > edge_max) edge_max = zmax;
                continue;
            }
            g[LSCAN__IF_SCAN_Z_MAX + k] = (float)zmax;
            g[LSCAN__IF_SCAN_GAP + k] =
                top - lscan__select_f(v, n, n > TOP_GAP_RANK ? n - TOP_GAP_RANK : 0);
            if (k == 0) g[LSCAN__IF_MEAN_SCAN_Z_MIN] = (float)zmin;
        }
        g[LSCAN__IF_SCAN_EDGE_Z_MAX + k] = isinf(edge_max) ? 0.0f : (float)edge_max;
    }
    free(v);
    return LSCAN_OK;
}
