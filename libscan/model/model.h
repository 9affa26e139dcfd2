/* model.h — internal types of the model module: linear models, the model object, results. */
#ifndef LSCAN_MODEL_H
#define LSCAN_MODEL_H

#include "../core/internal.h"

/* One linear tile model ("expert") per INSPECT class: each learns that
 * class's local signature against clean tiles, so five different kinds of
 * anomaly are not forced into one linear score. */
#define LSCAN__EXPERTS 5
extern const int lscan__expert_class[LSCAN__EXPERTS];

/* Aggregates of one expert's tile logits, appended to the image features. */
enum {
    LSCAN__AGG_MAX = 0,   /* largest tile logit */
    LSCAN__AGG_TOPK,      /* mean of the 5 largest tile logits */
    LSCAN__AGG_HOT_COUNT, /* log(1 + tiles over the expert's hot threshold) */
    LSCAN__AGG_HOT_BLOB,  /* log(1 + largest 4-connected group of hot tiles) */
    LSCAN__AGG_GAP,       /* largest tile logit - the 10th largest: one spot, not a busy load */
    LSCAN__AGG_COUNT
};
#define LSCAN__TOPK 5
#define LSCAN__GAP_RANK 10
/* Logits are clamped so one extreme tile cannot dominate a standardised feature. */
#define LSCAN__LOGIT_CLAMP 30.0

/* A standardised linear model: score = bias + sum w_i (x_i - mean_i) / scale_i. */
typedef struct lscan__linear {
    uint32_t n;
    double *mean, *scale, *weight; /* n each, one allocation starting at mean */
    double bias;
} lscan__linear;

/* Solves the symmetric positive definite d x d system A x = b (row-major) in place by
 * Cholesky; false when A is not positive definite. */
bool lscan__cholesky_solve(double *a, double *b, uint32_t d);

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
    LSCAN__INFO_SUBTLE,     /* subtle-difficulty: the operating point's strata */
    LSCAN__INFO_TARGET_SUBTLE, /* target-subtle */
    LSCAN__INFO_MIN_CLASS,  /* min-class-detection */
    LSCAN__INFO_COUNT
};
extern const char *const lscan__info_keys[LSCAN__INFO_COUNT];

/* A model: per INSPECT class ("expert"), a tile model and an image model
 * (that class against clean scans). The scan's score is the largest image
 * probability: INSPECT when any detector reaches the threshold. */
/* Tiles are calibrated by where they sit in the container: the outer two
 * rings (~30 cm; two because the last tile of a row or column may be a
 * sliver) hold walls, corner posts, roof and floor, whose structure scores
 * unlike the cargo space. Region = 3 * (top/inner/bottom rows) + (first/inner/last columns). */
#define LSCAN__REGIONS 9
#define LSCAN__EDGE_TILES 2
static inline int lscan__tile_region(uint32_t col, uint32_t row, uint32_t cols, uint32_t rows)
{
    int rc = col < LSCAN__EDGE_TILES ? 0 : col + LSCAN__EDGE_TILES >= cols ? 2 : 1;
    int rr = row < LSCAN__EDGE_TILES ? 0 : row + LSCAN__EDGE_TILES >= rows ? 2 : 1;
    return rr * 3 + rc;
}

struct lscan_model {
    char *info[LSCAN__INFO_COUNT];
    lscan__linear tile[LSCAN__EXPERTS];
    /* Per expert and region: mean and spread of the tile logit over clean
     * training tiles; a tile's calibrated score is (logit - mean) / spread. */
    double region_mean[LSCAN__EXPERTS][LSCAN__REGIONS], region_scale[LSCAN__EXPERTS][LSCAN__REGIONS];
    double tile_hot[LSCAN__EXPERTS]; /* calibrated score over which a tile counts as hot */
    lscan__linear image[LSCAN__EXPERTS];
    /* Per expert, the logit subtracted before the largest is taken: chosen on
     * validation scans so that each expert alone flags the target share of
     * its own class, so that an easy class's detector does not flag clean
     * scans just because a hard class needs a low threshold. */
    double image_offset[LSCAN__EXPERTS];
    double threshold;
    /* The declaration checks (declared.h); NULL when the model checks none. */
    struct lscan__decl_model *decl;
    /* Dual energy: the material features (features/material.c) appended to
     * the image model's input after the aggregates; 0 for a single-energy
     * model (dual.c). */
    uint32_t n_mat;
};

/* The image model's input size, names and schema hash of model m (dual.c):
 * lscan__model_feature_count() plus its material features. */
uint32_t lscan__model_nf(const lscan_model *m);
const char *lscan__model_feature_name_m(const lscan_model *m, uint32_t i);
uint64_t lscan__model_schema_hash_m(const lscan_model *m);
/* A name for every index of either variant: the single-energy model's,
 * then the material features'. */
const char *lscan__model_feature_name_any(uint32_t i);
/* Reads an optional "variant dual N" line at *p (advancing *p and *lineno
 * when there is one) into m->n_mat. LSCAN_OK or LSCAN_ERR_MODEL_SCHEMA. */
int lscan__model_parse_variant(lscan_ctx *ctx, const char **p, const char *end, unsigned *lineno,
                               lscan_model *m);

/* Scores an image-model input: sigmoid of the largest expert logit less its offset, and which
 * expert gave it. */
double lscan__image_score(const lscan_model *m, const float *x, int *expert);

/* Names of the image model's features (image features + aggregates) and the
 * schema hashes the model file carries. */
uint32_t lscan__model_feature_count(void);
const char *lscan__model_feature_name(uint32_t i);
uint64_t lscan__model_schema_hash(void);

int lscan__model_text(lscan_ctx *ctx, const lscan_model *m, char **out, size_t *len);

/* Computes the aggregates of one expert's tile logits (cols*rows) into agg[LSCAN__AGG_COUNT]. */
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

/* Raw logits of every expert for every tile of a cols x rows grid: logits[e * tiles + t]. */
void lscan__tile_logits_raw(const lscan_model *m, const float *tile_features, uint32_t cols, uint32_t rows,
                            double *logits);
/* The same, calibrated per region: (logit - region mean) / region spread. */
void lscan__tile_logits(const lscan_model *m, const float *tile_features, uint32_t cols, uint32_t rows, double *logits);

/* The image model's input: image features then every expert's aggregates. */
int lscan__image_vector(const lscan_model *m, const float *image_features, const double *logits, uint32_t cols,
                        uint32_t rows, float *x);

#endif
