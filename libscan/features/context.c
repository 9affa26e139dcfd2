/* context.c — tile features from the tile grid around each tile: isolation (denser than every
 * neighbour), z-scored contrasts, 2x2-block isolation, column/row lines and gradient excess. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double lscan__median_d(double *v, size_t n)
{
    if (n <= 32) { /* insertion sort: the neighbourhoods of fine.c */
        for (size_t i = 1; i < n; i++) {
            double x = v[i];
            size_t j = i;
            for (; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    } else {
        qsort(v, n, sizeof *v, cmp_double);
    }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The spread floors (0.1 A) keep z-scores finite over perfectly uniform loads. */
#define SPREAD_FLOOR 0.1

int lscan__context_features(lscan_analysis *a)
{
    const uint32_t cols = a->cols, rows = a->rows;
    const size_t nf = LSCAN__TILE_FEATURES, nt = (size_t)cols * rows;
    size_t longest = cols > rows ? cols : rows;
    double *col_gx =
        calloc(2 * ((size_t)cols + rows) + (longest > nt ? longest : nt) + nt, sizeof *col_gx);
    if (!col_gx) return LSCAN_ERR_NO_MEMORY;
    double *row_gy = col_gx + cols, *col_mean = row_gy + rows, *row_mean = col_mean + cols,
           *means = row_mean + rows, *tmp = means + nt;
    for (size_t i = 0; i < nt; i++)
        means[i] = a->tile_feat[i * nf + LSCAN__TF_MEAN];
    memcpy(tmp, means, nt * sizeof *tmp);
    qsort(tmp, nt, sizeof *tmp, cmp_double);
    /* Same quantile rule as the image features: linear interpolation. */
    double pos50 = 0.5 * (double)(nt - 1), pos25 = 0.25 * (double)(nt - 1),
           pos75 = 0.75 * (double)(nt - 1);
#define QUANT(p)                                                                                   \
    (tmp[(size_t)(p)] +                                                                            \
     ((p) - (double)(size_t)(p)) * (tmp[(size_t)(p) + ((size_t)(p) + 1 < nt)] - tmp[(size_t)(p)]))
    double load_median = QUANT(pos50), load_iqr = QUANT(pos75) - QUANT(pos25);
#undef QUANT
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            const float *f = a->tile_feat + ((size_t)r * cols + c) * nf;
            col_gx[c] += f[LSCAN__TF_GRAD_X] / rows;
            row_gy[r] += f[LSCAN__TF_GRAD_Y] / cols;
            col_mean[c] += f[LSCAN__TF_MEAN] / rows;
            row_mean[r] += f[LSCAN__TF_MEAN] / cols;
        }
    memcpy(tmp, col_gx, cols * sizeof *tmp);
    double gx_med = lscan__median_d(tmp, cols);
    memcpy(tmp, row_gy, rows * sizeof *tmp);
    double gy_med = lscan__median_d(tmp, rows);

    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            float *f = a->tile_feat + ((size_t)r * cols + c) * nf;
            double m = means[(size_t)r * cols + c];
            /* Denser than every neighbour: a compact object, not the edge of a load. */
            double nmax = -INFINITY;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    long rr = (long)r + dr, cc = (long)c + dc;
                    if ((dr == 0 && dc == 0) || rr < 0 || cc < 0 || rr >= rows || cc >= cols)
                        continue;
                    double v = means[(size_t)rr * cols + (size_t)cc];
                    if (v > nmax) nmax = v;
                }
            f[LSCAN__TF_ISOLATION] = isinf(nmax) ? 0.0f : (float)(m - nmax);
            f[LSCAN__TF_CONTRAST_Z] =
                (float)(f[LSCAN__TF_CONTRAST] / (f[LSCAN__TF_NBR_STD] + SPREAD_FLOOR));
            /* The 2x2 block starting here against the ring of tiles around it. */
            double bsum = 0, rmax = -INFINITY;
            int bn = 0;
            for (long rr = (long)r - 1; rr <= (long)r + 2; rr++)
                for (long cc = (long)c - 1; cc <= (long)c + 2; cc++) {
                    if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
                    double v = means[(size_t)rr * cols + (size_t)cc];
                    if (rr >= (long)r && rr <= (long)r + 1 && cc >= (long)c && cc <= (long)c + 1) {
                        bsum += v;
                        bn++;
                    } else if (v > rmax) {
                        rmax = v;
                    }
                }
            f[LSCAN__TF_BLOCK_ISOLATION] = isinf(rmax) ? 0.0f : (float)(bsum / bn - rmax);
            f[LSCAN__TF_COL_GX_EXCESS] = (float)(col_gx[c] - gx_med);
            f[LSCAN__TF_ROW_GY_EXCESS] = (float)(row_gy[r] - gy_med);
            double cl = c > 0 ? col_mean[c - 1] : col_mean[c],
                   cr = c + 1 < cols ? col_mean[c + 1] : col_mean[c];
            double ru = r > 0 ? row_mean[r - 1] : row_mean[r],
                   rd = r + 1 < rows ? row_mean[r + 1] : row_mean[r];
            f[LSCAN__TF_COL_LINE] = (float)(col_mean[c] - 0.5 * (cl + cr));
            f[LSCAN__TF_ROW_LINE] = (float)(row_mean[r] - 0.5 * (ru + rd));
            f[LSCAN__TF_MEAN_VS_MEDIAN_Z] = (float)((m - load_median) / (load_iqr + SPREAD_FLOOR));
        }
    free(col_gx);
    return LSCAN_OK;
}
