/* aggregate.c — tile logits of every expert and their aggregates that join the image features: max, top-k mean, hot count, largest hot blob. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double clamp_logit(double z)
{
    if (z > LSCAN__LOGIT_CLAMP) return LSCAN__LOGIT_CLAMP;
    if (z < -LSCAN__LOGIT_CLAMP) return -LSCAN__LOGIT_CLAMP;
    return z;
}

int lscan__aggregate_tiles(const double *logits, uint32_t cols, uint32_t rows, double hot, double *agg)
{
    size_t n = (size_t)cols * rows;
    if (n == 0) return LSCAN_ERR_INVALID_ARGUMENT;
    double top[LSCAN__GAP_RANK];
    size_t ntop = 0;
    double mx = -INFINITY;
    size_t hot_count = 0;
    for (size_t i = 0; i < n; i++) {
        double z = clamp_logit(logits[i]);
        if (z > mx) mx = z;
        if (z > hot) hot_count++;
        /* Keep the GAP_RANK largest in descending order (a handful). */
        size_t j = ntop < LSCAN__GAP_RANK ? ntop++ : LSCAN__GAP_RANK;
        if (j == LSCAN__GAP_RANK && z <= top[LSCAN__GAP_RANK - 1]) continue;
        if (j == LSCAN__GAP_RANK) j = LSCAN__GAP_RANK - 1;
        while (j > 0 && top[j - 1] < z) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = z;
    }
    double topsum = 0;
    size_t nk = ntop < LSCAN__TOPK ? ntop : LSCAN__TOPK;
    for (size_t i = 0; i < nk; i++) topsum += top[i];

    /* Largest 4-connected group of hot tiles, by flood fill with an explicit stack. */
    size_t blob = 0;
    if (hot_count) {
        uint8_t *seen = calloc(n, 1);
        uint32_t *stack = malloc(n * sizeof *stack);
        if (!seen || !stack) {
            free(seen);
            free(stack);
            return LSCAN_ERR_NO_MEMORY;
        }
        for (size_t s = 0; s < n; s++) {
            if (seen[s] || !(clamp_logit(logits[s]) > hot)) continue;
            size_t sp = 0, size = 0;
            stack[sp++] = (uint32_t)s;
            seen[s] = 1;
            while (sp) {
                uint32_t t = stack[--sp];
                size++;
                uint32_t x = t % cols, y = t / cols;
                uint32_t nb[4];
                int k = 0;
                if (x > 0) nb[k++] = t - 1;
                if (x + 1 < cols) nb[k++] = t + 1;
                if (y > 0) nb[k++] = t - cols;
                if (y + 1 < rows) nb[k++] = t + cols;
                for (int i = 0; i < k; i++) {
                    if (!seen[nb[i]] && clamp_logit(logits[nb[i]]) > hot) {
                        seen[nb[i]] = 1;
                        stack[sp++] = nb[i];
                    }
                }
            }
            if (size > blob) blob = size;
        }
        free(seen);
        free(stack);
    }
    agg[LSCAN__AGG_MAX] = mx;
    agg[LSCAN__AGG_TOPK] = topsum / (double)nk;
    agg[LSCAN__AGG_GAP] = mx - top[ntop - 1];
    agg[LSCAN__AGG_HOT_COUNT] = log1p((double)hot_count);
    agg[LSCAN__AGG_HOT_BLOB] = log1p((double)blob);
    return LSCAN_OK;
}

void lscan__tile_logits_raw(const lscan_model *m, const float *tile_features, uint32_t cols, uint32_t rows,
                            double *logits)
{
    uint32_t nt = lscan_feature_count(LSCAN_FEATURES_TILE);
    size_t tiles = (size_t)cols * rows;
    for (int e = 0; e < LSCAN__EXPERTS; e++)
        for (size_t i = 0; i < tiles; i++)
            logits[(size_t)e * tiles + i] = lscan__linear_score(&m->tile[e], tile_features + i * nt);
}

void lscan__tile_logits(const lscan_model *m, const float *tile_features, uint32_t cols, uint32_t rows, double *logits)
{
    lscan__tile_logits_raw(m, tile_features, cols, rows, logits);
    size_t tiles = (size_t)cols * rows;
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        for (size_t i = 0; i < tiles; i++) {
            int g = lscan__tile_region((uint32_t)(i % cols), (uint32_t)(i / cols), cols, rows);
            double *z = &logits[(size_t)e * tiles + i];
            *z = (*z - m->region_mean[e][g]) / m->region_scale[e][g];
        }
    }
}

int lscan__image_vector(const lscan_model *m, const float *image_features, const double *logits, uint32_t cols,
                        uint32_t rows, float *x)
{
    uint32_t ni = lscan_feature_count(LSCAN_FEATURES_IMAGE);
    size_t tiles = (size_t)cols * rows;
    memcpy(x, image_features, ni * sizeof *x);
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        double agg[LSCAN__AGG_COUNT];
        int rc = lscan__aggregate_tiles(logits + (size_t)e * tiles, cols, rows, m->tile_hot[e], agg);
        if (rc) return rc;
        for (int i = 0; i < LSCAN__AGG_COUNT; i++) x[ni + e * LSCAN__AGG_COUNT + i] = (float)agg[i];
    }
    /* Dual energy: the material block follows the image features in the
     * analysis and the aggregates here. */
    memcpy(x + lscan__model_feature_count(), image_features + ni, m->n_mat * sizeof *x);
    return LSCAN_OK;
}

double lscan__image_score(const lscan_model *m, const float *x, int *expert)
{
    double best = -INFINITY;
    int arg = 0;
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        double z = lscan__linear_score(&m->image[e], x) - m->image_offset[e];
        if (z > best) {
            best = z;
            arg = e;
        }
    }
    if (expert) *expert = arg;
    return lscan__sigmoid(best);
}
