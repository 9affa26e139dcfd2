/* model.h — internal types of the model module: linear models, the model object, results. */
#ifndef LSCAN_MODEL_H
#define LSCAN_MODEL_H

#include "../core/internal.h"

/* Tile-score aggregates appended to the image features for the image model. */
enum {
    LSCAN__AGG_MAX = 0,     /* largest tile logit */
    LSCAN__AGG_TOPK,        /* mean of the 5 largest tile logits */
    LSCAN__AGG_MEAN,        /* mean tile logit */
    LSCAN__AGG_HOT_COUNT,   /* log(1 + tiles over the hot threshold) */
    LSCAN__AGG_HOT_BLOB,    /* log(1 + largest 4-connected group of hot tiles) */
    LSCAN__AGG_COUNT
};
#define LSCAN__TOPK 5
/* Logits are clamped so one extreme tile cannot dominate a standardised feature. */
#define LSCAN__LOGIT_CLAMP 30.0

/* A standardised linear model: score = bias + sum w_i (x_i - mean_i) / scale_i. */
typedef struct lscan__linear {
    uint32_t n;
    double *mean, *scale, *weight; /* n each, one allocation starting at mean */
    double bias;
} lscan__linear;

int lscan__linear_alloc(lscan__linear *m, uint32_t n);
void lscan__linear_free(lscan__linear *m);
double lscan__linear_score(const lscan__linear *m, const float *x);
double lscan__sigmoid(double z);

/* Provenance keys written in this order; values are one-line strings. */
enum {
    LSCAN__INFO_NAME = 0,
    LSCAN__INFO_TRAINING,
    LSCAN__INFO_TARGET,     /* target-detection */
    LSCAN__INFO_VAL_SCANS,  /* validation-scans */
    LSCAN__INFO_VAL_DET,    /* validation-detection */
    LSCAN__INFO_VAL_REL,    /* validation-release */
    LSCAN__INFO_VAL_AUC,    /* validation-auc */
    LSCAN__INFO_COUNT
};
extern const char *const lscan__info_keys[LSCAN__INFO_COUNT];

struct lscan_model {
    char *info[LSCAN__INFO_COUNT];
    lscan__linear tile, image;
    double tile_hot; /* tile logit over which a tile counts as hot */
    double threshold;
};

/* Names of the image model's features (image features + aggregates) and the
 * schema hashes the model file carries. */
uint32_t lscan__model_feature_count(void);
const char *lscan__model_feature_name(uint32_t i);
uint64_t lscan__model_schema_hash(void);
uint64_t lscan__fnv1a(uint64_t h, const void *data, size_t n);
#define LSCAN__FNV_OFFSET 0xcbf29ce484222325ull

int lscan__model_text(lscan_ctx *ctx, const lscan_model *m, char **out, size_t *len);

/* Computes the aggregates of tile logits (cols*rows) into agg[LSCAN__AGG_COUNT]. */
int lscan__aggregate_tiles(const double *logits, uint32_t cols, uint32_t rows, double hot, double *agg);

/* Fits an L2-regularised, class-weighted logistic regression on n rows of d
 * features (x row-major, float), labels y (0/1), per-row weights w (NULL: 1).
 * Standardisation (mean/scale over the rows) is computed here and stored in
 * *m. Deterministic for a given BLAS thread count. */
int lscan__logreg_fit(lscan_ctx *ctx, const float *x, const uint8_t *y, const double *w, size_t n,
                      uint32_t d, double l2, lscan__linear *m);

/* Threshold t such that at least `target` of the positive scores are >= t:
 * the largest such value (so as many negatives as possible fall below). */
double lscan__threshold_for_detection(const double *scores, const int *positive, size_t n, double target);

#endif
