/* declared.h — internals of the declaration checks: the model's declaration sections, a scan's
 * declaration and its outcome, the commodity model, consignments, training. */
#ifndef LSCAN_DECLARED_H
#define LSCAN_DECLARED_H

#include "model.h"

#include "../features/feat.h"

/* Names (commodities, groups) are lower-case [a-z0-9_], 1..63 bytes. */
#define LSCAN__NAME_MAX 64
/* A bit per group in the HS table and the declared set. */
#define LSCAN__MAX_GROUPS 64
#define LSCAN__DECLARED_MAX 64
#define LSCAN__CONSIGNMENT_MAX 256

/* The empty-container check's inputs: the image features, then the load descriptors. */
#define LSCAN__EMPTY_INPUTS (LSCAN__IMAGE_FEATURES + LSCAN__LOAD_DESC)
/* The consignment comparison's load descriptors (declared.c). */
#define LSCAN__CONS_FEATURES 9

/* The declaration sections of a model (docs/model-format.md). */
typedef struct lscan__decl_model {
    /* The empty-container check: P(loaded) = sigmoid(empty score). */
    lscan__linear empty;
    double empty_loaded_thr;  /* declared empty: declared_empty_but_loaded when P >= this */
    double empty_empty_thr;   /* declared goods: declared_loaded_but_empty when P < this */
    double empty_anomaly_thr; /* the anomaly threshold of declared-empty scans */
    /* The commodity model: softmax over the load descriptors (0 groups: none). */
    uint32_t groups;
    char (*group)[LSCAN__NAME_MAX];
    double *group_thr;     /* the anomaly threshold of scans declared in each group */
    double *mean, *scale;  /* LSCAN__LOAD_DESC each */
    double *weight, *bias; /* groups x LSCAN__LOAD_DESC, groups */
    uint32_t commodities;  /* commodity names and their groups */
    char (*commodity)[LSCAN__NAME_MAX];
    uint32_t *commodity_group;
    uint64_t hs[100];    /* per HS chapter, a bit per group it stands for */
    char *hs_text[100];  /* the same as "group|group", NULL for none (lscan__decl_hs_text) */
    double mismatch_thr; /* declared_mismatch when P(declared groups) < this */
    /* Consignments: per feature, the spread of siblings; the weight of the commodity
     * distributions' distance; the outlier threshold. */
    double cons_scale[LSCAN__CONS_FEATURES];
    double cons_commodity_weight;
    double cons_thr;
} lscan__decl_model;

void lscan__decl_model_free(lscan__decl_model *d);
/* Fills d->hs_text from d->hs and the group names. LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
int lscan__decl_hs_text(lscan__decl_model *d);

/* Names and schema hashes of the sections' inputs. */
const char *lscan__empty_input_name(uint32_t i);
uint64_t lscan__empty_schema_hash(void);
const char *lscan__cons_feature_name(uint32_t i);
uint64_t lscan__cons_schema_hash(void);
const char *lscan__load_name(uint32_t i); /* lscan_feature_name(LSCAN_FEATURES_LOAD, i) */

/* The empty-check input of an analysis (LSCAN__EMPTY_INPUTS floats). */
void lscan__empty_input(const lscan_analysis *a, float *x);

/* A parsed declaration. */
typedef struct lscan__declaration {
    uint32_t kind; /* lscan_declared_kind */
    char text[LSCAN__DECLARED_MAX];
    char consignment[LSCAN__CONSIGNMENT_MAX]; /* "" none */
    uint32_t consignment_size;
} lscan__declaration;

/* Checks and copies a caller's declaration (NULL: none). LSCAN_ERR_INVALID_ARGUMENT with a
 * message on ctx (may be NULL) when malformed. */
int lscan__declaration_take(lscan_ctx *ctx, const lscan_declaration *in, lscan__declaration *out);

/* The declaration part of a result. */
typedef struct lscan__decl_result {
    lscan__declaration decl;
    uint64_t declared_mask; /* groups the declaration stands for (goods) */
    bool known;             /* the model knows the declaration (goods or empty) */
    char declared_group[LSCAN__MAX_GROUPS * 4 + 8]; /* "a|b", "empty", "" */
    bool analysed;                                  /* the scan was analysed and the checks ran */
    bool threshold_given; /* the caller set the threshold: no per-group operating point */
    uint32_t consistency; /* lscan_consistency */
    uint32_t checks;      /* lscan_check bits, failures aside */
    double declared_p, loaded_p;
    bool looks_empty; /* P(loaded) < the empty threshold */
    uint32_t groups;  /* the model's, probabilities below (0: none computed) */
    double prob[LSCAN__MAX_GROUPS];
    uint32_t n_alt; /* the most probable groups, names copied */
    char alt_name[LSCAN_MAX_ALTERNATIVES][LSCAN__NAME_MAX];
    double alt_p[LSCAN_MAX_ALTERNATIVES];
    float desc[LSCAN__LOAD_DESC];
    /* Consignment comparison. */
    double cons_score;
    char *cons_sibling; /* owned copy, or NULL */
    uint64_t cons_sibling_index;
} lscan__decl_result;

/* The declaration part of a result and, when decision is not NULL, its decision (screen.c). */
lscan__decl_result *lscan__result_decl(const lscan_result *r, uint32_t **decision);

/* Screening hooks (screen.c): at the start, the declaration is recorded (never fails: it was
 * checked by lscan__declaration_take); after the model decided, the checks run and may set
 * the threshold (the declared group's operating point) and the decision. */
void lscan__decl_begin(lscan__decl_result *d, const lscan_model *m, const lscan__declaration *decl,
                       bool threshold_given);
void lscan__decl_decide(lscan__decl_result *d, const lscan_model *m, const lscan_analysis *a,
                        double score, double *threshold, uint32_t *decision);
void lscan__decl_result_free(lscan__decl_result *d);

/* Softmax probabilities of the commodity groups for load descriptors x (groups entries). */
void lscan__commodity_probs(const lscan__decl_model *d, const float *x, double *p);

/* The consignment distance between two scans' descriptors and group probabilities. */
double lscan__cons_distance(const lscan__decl_model *d, const float *xa, const double *pa,
                            const float *xb, const double *pb);

/* Outlier scores of n scans of one consignment (descriptors n x LSCAN__LOAD_DESC, probs n x
 * groups): score[i] = the distance to its nearest sibling, far[i] = its farthest sibling
 * (n >= 2; with n < 2 scores are NaN). */
void lscan__cons_scores(const lscan__decl_model *d, const float *desc, const double *probs,
                        size_t n, double *score, size_t *far);

/* Per-entry training data, kept by the trainer (train.c). */
typedef struct lscan__decl_sample {
    char commodity[LSCAN__NAME_MAX]; /* "" unknown */
    char group[LSCAN__NAME_MAX];     /* "" = the commodity */
    int hs_chapter;                  /* 0..99, -1 none */
    float desc[LSCAN__LOAD_DESC];
    float empty_in[LSCAN__EMPTY_INPUTS];
} lscan__decl_sample;

/* Records a training sample's declaration data from its analysis and labels. LSCAN_OK or
 * LSCAN_ERR_INVALID_ARGUMENT (a malformed commodity, group or chapter, message on ctx). */
int lscan__decl_sample_set(lscan_ctx *ctx, lscan__decl_sample *s, const lscan_analysis *a,
                           const lscan_train_sample *label);

/* What the declaration training sees of the stored images, in key order. */
typedef struct lscan__decl_train_set {
    size_t n;
    const lscan__decl_sample *const *s;
    const uint32_t *split;
    const int *cls;
    const double *difficulty;
    const double *score; /* the anomaly model's score of every image */
    const uint64_t *key;
} lscan__decl_train_set;

/* Fits the declaration sections into m->decl (train.c calls it once the anomaly model and its
 * threshold are set). */
int lscan__decl_fit(lscan_ctx *ctx, const lscan_train_options *o, lscan_model *m,
                    const lscan__decl_train_set *ts);

#endif
