/* aggregate.c — aggregates of tile scores that join the image features: max, top-k mean, mean, hot count, largest hot blob. */
#include "model.h"

#include <math.h>
#include <stdlib.h>

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
    double top[LSCAN__TOPK];
    size_t ntop = 0;
    double sum = 0, mx = -INFINITY;
    size_t hot_count = 0;
    for (size_t i = 0; i < n; i++) {
        double z = clamp_logit(logits[i]);
        sum += z;
        if (z > mx) mx = z;
        if (z > hot) hot_count++;
        /* Keep the k largest in descending order (k is tiny). */
        size_t j = ntop < LSCAN__TOPK ? ntop++ : LSCAN__TOPK;
        if (j == LSCAN__TOPK && z <= top[LSCAN__TOPK - 1]) continue;
        if (j == LSCAN__TOPK) j = LSCAN__TOPK - 1;
        while (j > 0 && top[j - 1] < z) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = z;
    }
    double topsum = 0;
    for (size_t i = 0; i < ntop; i++) topsum += top[i];

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
    agg[LSCAN__AGG_TOPK] = topsum / (double)ntop;
    agg[LSCAN__AGG_MEAN] = sum / (double)n;
    agg[LSCAN__AGG_HOT_COUNT] = log1p((double)hot_count);
    agg[LSCAN__AGG_HOT_BLOB] = log1p((double)blob);
    return LSCAN_OK;
}
