/* train.c — the trainer: stores analysed images, fits the tile model then the image model, chooses
 * the threshold on validation images. */
#include "model.h"

#include "declared.h"
#include "../features/material.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t key;
    int cls;
    double difficulty;
    uint32_t split;
    uint32_t cols, rows;
    float *tiles;     /* cols*rows*tile feature count */
    float *mask_frac; /* cols*rows: share of each tile's pixels in the anomaly mask */
    float *image;     /* image feature count, then the material features (dual.c) */
    lscan__decl_sample decl; /* load descriptors and commodity labels (declared.h) */
};

struct lscan_trainer {
    pthread_mutex_t mu;
    struct entry *e;
    size_t n, cap;
    const lscan_materials *materials; /* dual energy: a dual model is trained (dual.c) */
};

LSCAN_API lscan_trainer *lscan_trainer_new(void)
{
    lscan_trainer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

static void entry_free(struct entry *e)
{
    free(e->tiles);
    free(e->mask_frac);
    free(e->image);
}

LSCAN_API void lscan_trainer_free(lscan_trainer *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++)
        entry_free(&t->e[i]);
    free(t->e);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

LSCAN_API void lscan_train_options_init(lscan_train_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->l2 = 1.0;
    o->target_detection = 0.99;
    o->tile_positive = 0.3;
    o->max_negative_tiles = 400;
    o->hard_negative_tiles = 60;
    o->subtle_difficulty = 0.67;
    o->target_subtle = 0.90;
    o->min_class_detection = 0.97;
    o->mismatch_false_rate = 0.03;
    o->consignment_false_rate = 0.02;
    o->consignment_size = 4;
    o->min_group_inspect = 20;
    o->empty_l2 = 10.0;
    o->empty_false_rate = 0.01;
}

LSCAN_API void lscan_train_sample_init(lscan_train_sample *s)
{
    if (!s) return;
    memset(s, 0, sizeof *s);
    s->size = sizeof *s;
    s->split = LSCAN_SPLIT_TRAIN;
    s->cls = -1;
    s->difficulty = NAN;
}

LSCAN_API int lscan_trainer_add(lscan_trainer *t, lscan_ctx *ctx, const lscan_image *img,
                                const uint8_t *mask, size_t mask_stride, int cls, uint32_t split,
                                uint64_t key)
{
    lscan_train_sample s;
    lscan_train_sample_init(&s);
    s.mask = mask;
    s.mask_stride = mask_stride;
    s.cls = cls;
    s.split = split;
    s.key = key;
    return lscan_trainer_add_sample(t, ctx, img, &s);
}

LSCAN_API int lscan_trainer_add_sample(lscan_trainer *t, lscan_ctx *ctx, const lscan_image *img,
                                       const lscan_train_sample *sample)
{
    if (!t || !ctx || !img || !sample)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan_train_sample smp;
    lscan_train_sample_init(&smp);
    if (sample->size < sizeof(uint32_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "train sample not initialised");
    memcpy(&smp, sample, sample->size < sizeof smp ? sample->size : sizeof smp);
    const uint8_t *mask = smp.mask;
    const size_t mask_stride = smp.mask_stride;
    const int cls = smp.cls;
    const uint32_t split = smp.split;
    const uint64_t key = smp.key;
    if (!lscan_class_name(cls))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown class %d", cls);
    if (split > LSCAN_SPLIT_VALIDATION)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown split %u", split);
    if (mask && mask_stride < img->width)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "mask stride < width");
    lscan_analysis *a;
    lscan_analyze_options ao;
    lscan_analyze_options_init(&ao);
    ao.materials = t->materials; /* dual energy: the material map and features */
    int rc = lscan_analyze(ctx, img, &ao, &a);
    if (rc) return rc;
    if (t->materials && (rc = lscan_analysis_materials(a, NULL, NULL, NULL, NULL))) {
        lscan__error(ctx, rc, "dual-energy training: %s", a->mat ? a->mat->message : "no map");
        lscan_analysis_free(a);
        return rc;
    }
    struct entry e = {.key = key, .cls = cls, .split = split, .difficulty = smp.difficulty};
    lscan_analysis_grid(a, &e.cols, &e.rows);
    size_t nt = (size_t)e.cols * e.rows;
    uint32_t ntf = lscan_feature_count(LSCAN_FEATURES_TILE),
             nif = lscan_feature_count(LSCAN_FEATURES_IMAGE);
    e.tiles = malloc(nt * ntf * sizeof *e.tiles);
    e.mask_frac = calloc(nt, sizeof *e.mask_frac);
    e.image = malloc((nif + LSCAN__MATERIAL_FEATURES) * sizeof *e.image);
    if (!e.tiles || !e.mask_frac || !e.image) {
        entry_free(&e);
        lscan_analysis_free(a);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory storing training features");
    }
    memcpy(e.tiles, lscan_analysis_tile_features(a), nt * ntf * sizeof *e.tiles);
    memcpy(e.image, lscan_analysis_image_features(a),
           (nif + LSCAN__MATERIAL_FEATURES) * sizeof *e.image);
    if ((rc = lscan__decl_sample_set(ctx, &e.decl, a, &smp))) {
        entry_free(&e);
        lscan_analysis_free(a);
        return rc;
    }
    if (mask) {
        for (uint32_t row = 0; row < e.rows; row++) {
            for (uint32_t col = 0; col < e.cols; col++) {
                lscan_box b;
                lscan_analysis_tile_box(a, col, row, &b);
                size_t on = 0, area = (size_t)(b.x1 - b.x0) * (b.y1 - b.y0);
                for (uint32_t y = b.y0; y < b.y1; y++)
                    for (uint32_t x = b.x0; x < b.x1; x++)
                        on += mask[(size_t)y * mask_stride + x] != 0;
                e.mask_frac[(size_t)row * e.cols + col] = area ? (float)on / (float)area : 0.0f;
            }
        }
    }
    lscan_analysis_free(a);
    pthread_mutex_lock(&t->mu);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct entry *ne = realloc(t->e, cap * sizeof *ne);
        if (!ne) {
            pthread_mutex_unlock(&t->mu);
            entry_free(&e);
            return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        }
        t->e = ne;
        t->cap = cap;
    }
    t->e[t->n++] = e;
    pthread_mutex_unlock(&t->mu);
    return LSCAN_OK;
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const struct entry *)a)->key, y = ((const struct entry *)b)->key;
    return (x > y) - (x < y);
}

/* A deterministic pseudo-random sample of negative tiles: splitmix64 of (key, tile). */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Class weights that give both labels the same total weight. */
static void balanced_weights(const uint8_t *y, size_t n, size_t npos, double *w)
{
    for (size_t i = 0; i < n; i++)
        w[i] = y[i] ? (double)n / (2.0 * npos) : (double)n / (2.0 * (n - npos));
}

/* The (up to) k highest-scoring tiles of a clean image under a tile model,
 * into idx[0..k) (ties: the lower tile index first), their scores into
 * v[0..k). Returns how many. */
static size_t hardest_tiles(const lscan__linear *tm, const struct entry *e, uint32_t d, size_t k,
                            uint64_t *idx, double *v)
{
    size_t nt = (size_t)e->cols * e->rows, n = 0;
    for (size_t q = 0; q < nt; q++) {
        double s = lscan__linear_score(tm, e->tiles + q * d);
        if (n == k && !(s > v[k - 1])) continue;
        size_t j = n < k ? n++ : k - 1;
        for (; j > 0 && v[j - 1] < s; j--) {
            v[j] = v[j - 1];
            idx[j] = idx[j - 1];
        }
        v[j] = s;
        idx[j] = q;
    }
    return n;
}

/* Fits the tile model of expert ex: tiles of that class's anomalies against clean tiles. */
static int fit_tile_model(lscan_trainer *t, lscan_ctx *ctx, const lscan_train_options *o,
                          lscan_model *m, int ex)
{
    const int cls = lscan__expert_class[ex];
    uint32_t d = lscan_feature_count(LSCAN_FEATURES_TILE);
    /* Rows: every positive tile, and up to max_negative_tiles clean tiles per
     * image (tiles partly in the mask are ambiguous and left out). */
    size_t rows = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct entry *e = &t->e[i];
        if (e->split != LSCAN_SPLIT_TRAIN) continue;
        size_t nt = (size_t)e->cols * e->rows, neg = 0;
        for (size_t k = 0; k < nt; k++) {
            if (e->mask_frac[k] >= o->tile_positive)
                rows += e->cls == cls;
            else if (e->mask_frac[k] == 0)
                neg++;
        }
        rows += neg < o->max_negative_tiles ? neg : o->max_negative_tiles;
    }
    size_t alloc = rows ? rows : 1;
    float *x = malloc(alloc * d * sizeof *x);
    uint8_t *y = malloc(alloc);
    double *w = malloc(alloc * sizeof *w);
    uint64_t *neg = NULL; /* clean tiles of one image: hash high bits | tile index */
    size_t neg_cap = 0;
    int rc = LSCAN_OK;
    if (!x || !y || !w) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory for %zu training tiles", rows);
        goto done;
    }
    size_t r = 0, npos = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct entry *e = &t->e[i];
        if (e->split != LSCAN_SPLIT_TRAIN) continue;
        size_t nt = (size_t)e->cols * e->rows, nneg = 0;
        if (nt > neg_cap) {
            uint64_t *nn = realloc(neg, nt * sizeof *nn);
            if (!nn) {
                rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
                goto done;
            }
            neg = nn;
            neg_cap = nt;
        }
        for (size_t k = 0; k < nt; k++) {
            if (e->mask_frac[k] >= o->tile_positive) {
                if (e->cls != cls)
                    continue; /* another expert's anomaly: neither positive nor clean */
                memcpy(x + r * d, e->tiles + k * d, d * sizeof *x);
                y[r++] = 1;
                npos++;
            } else if (e->mask_frac[k] == 0) {
                neg[nneg++] = (mix(e->key * 1000003u + k) & ~0xffffffffull) | k;
            }
        }
        /* Keep the clean tiles with the smallest hash of (key, tile): a fixed random subset. */
        size_t keep = nneg < o->max_negative_tiles ? nneg : o->max_negative_tiles;
        qsort(neg, nneg, sizeof *neg, by_u64);
        for (size_t q = 0; q < keep; q++) {
            memcpy(x + r * d, e->tiles + (size_t)(uint32_t)neg[q] * d, d * sizeof *x);
            y[r++] = 0;
        }
    }
    if (npos == 0 || npos == r) {
        rc = lscan__error(ctx, LSCAN_ERR_TRAINING,
                          "%s tile model needs positive and negative tiles (%zu of %zu positive)",
                          lscan_class_name(cls), npos, r);
        goto done;
    }
    balanced_weights(y, r, npos, w);
    rc = lscan__logreg_fit(ctx, x, y, w, r, d, o->l2, &m->tile[ex]);
    if (!rc && o->hard_negative_tiles) {
        /* Second fit: each clean image's highest-scoring tiles join the
         * negatives, so the model learns the clean tiles that look most like
         * the anomaly, not only typical ones. */
        size_t nclean = 0;
        for (size_t i = 0; i < t->n; i++)
            nclean += t->e[i].split == LSCAN_SPLIT_TRAIN && !LSCAN_CLASS_IS_INSPECT(t->e[i].cls);
        size_t cap = r + nclean * o->hard_negative_tiles;
        float *x2 = realloc(x, cap * d * sizeof *x2);
        if (x2) x = x2;
        uint8_t *y2 = realloc(y, cap);
        if (y2) y = y2;
        double *w2 = realloc(w, cap * sizeof *w2);
        if (w2) w = w2;
        uint64_t *top =
            realloc(neg, (neg_cap > o->hard_negative_tiles ? neg_cap : o->hard_negative_tiles) *
                             sizeof *top);
        if (top) neg = top;
        double *score = malloc(o->hard_negative_tiles * sizeof *score);
        if (!x2 || !y2 || !w2 || !top || !score) {
            free(score);
            rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory for hard negative tiles");
            goto done;
        }
        for (size_t i = 0; i < t->n; i++) {
            const struct entry *e = &t->e[i];
            if (e->split != LSCAN_SPLIT_TRAIN || LSCAN_CLASS_IS_INSPECT(e->cls)) continue;
            size_t k = hardest_tiles(&m->tile[ex], e, d, o->hard_negative_tiles, top, score);
            for (size_t j = 0; j < k; j++) {
                memcpy(x + r * d, e->tiles + top[j] * d, d * sizeof *x);
                y[r++] = 0;
            }
        }
        free(score);
        lscan__linear_free(&m->tile[ex]);
        balanced_weights(y, r, npos, w);
        rc = lscan__logreg_fit(ctx, x, y, w, r, d, o->l2, &m->tile[ex]);
    }
done:
    free(x);
    free(y);
    free(w);
    free(neg);
    return rc;
}

/* Expert ex's calibration over the tiles of clean training images: per
 * region, the mean and standard deviation of the raw logit; then the hot
 * threshold, the 99.5th percentile of calibrated scores (about one clean
 * tile in 200 is hot). */
static int calibrate_tiles(lscan_trainer *t, lscan_ctx *ctx, lscan_model *m, int ex)
{
    size_t n = 0, maxt = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->e[i].split != LSCAN_SPLIT_TRAIN || LSCAN_CLASS_IS_INSPECT(t->e[i].cls)) continue;
        size_t nt = (size_t)t->e[i].cols * t->e[i].rows;
        n += nt;
        if (nt > maxt) maxt = nt;
    }
    if (n == 0) return lscan__error(ctx, LSCAN_ERR_TRAINING, "no clean training images");
    double *z = malloc(n * sizeof *z), *raw = malloc(maxt * LSCAN__EXPERTS * sizeof *raw);
    if (!z || !raw) {
        free(z);
        free(raw);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    }
    double sum[LSCAN__REGIONS] = {0}, sum2[LSCAN__REGIONS] = {0}, cnt[LSCAN__REGIONS] = {0};
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (size_t i = 0; i < t->n; i++) {
            const struct entry *e = &t->e[i];
            if (e->split != LSCAN_SPLIT_TRAIN || LSCAN_CLASS_IS_INSPECT(e->cls)) continue;
            size_t nt = (size_t)e->cols * e->rows;
            lscan__tile_logits_raw(m, e->tiles, e->cols, e->rows, raw);
            for (size_t q = 0; q < nt; q++) {
                double v = raw[(size_t)ex * nt + q];
                int g = lscan__tile_region((uint32_t)(q % e->cols), (uint32_t)(q / e->cols),
                                           e->cols, e->rows);
                if (pass == 0) {
                    sum[g] += v;
                    sum2[g] += v * v;
                    cnt[g]++;
                } else {
                    z[k++] = (v - m->region_mean[ex][g]) / m->region_scale[ex][g];
                }
            }
        }
        if (pass == 0) {
            for (int g = 0; g < LSCAN__REGIONS; g++) {
                double mu = cnt[g] ? sum[g] / cnt[g] : 0,
                       var = cnt[g] ? sum2[g] / cnt[g] - mu * mu : 1;
                m->region_mean[ex][g] = mu;
                m->region_scale[ex][g] = var > 1e-12 ? sqrt(var) : 1.0;
            }
        }
    }
    qsort(z, n, sizeof *z, by_double);
    m->tile_hot[ex] = z[(size_t)floor(0.995 * (double)(n - 1))];
    free(z);
    free(raw);
    return LSCAN_OK;
}

/* Image-model inputs for every stored image (t->n rows). */
static int image_vectors(lscan_trainer *t, lscan_ctx *ctx, const lscan_model *m, float *x)
{
    uint32_t nf = lscan__model_nf(m);
    for (size_t i = 0; i < t->n; i++) {
        const struct entry *e = &t->e[i];
        size_t nt = (size_t)e->cols * e->rows;
        double *logits = malloc(nt * LSCAN__EXPERTS * sizeof *logits);
        if (!logits) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        lscan__tile_logits(m, e->tiles, e->cols, e->rows, logits);
        int rc = lscan__image_vector(m, e->image, logits, e->cols, e->rows, x + i * nf);
        free(logits);
        if (rc) return lscan__error(ctx, rc, "cannot aggregate tile scores");
    }
    return LSCAN_OK;
}

/* The validation scans as the operating point sees them. */
struct valset {
    size_t n;
    const int *cls;      /* lscan_class */
    const double *diff;  /* difficulty, NaN unknown */
    int *flags;          /* scratch: n */
};

/* The operating point (lscan_train_options): the largest threshold on the
 * scores that flags target_detection of the INSPECT scans that are not
 * subtle, target_subtle of the subtle ones and min_class_detection of each
 * INSPECT class. */
static double operating_threshold(const double *sc, const struct valset *v,
                                  const lscan_train_options *o)
{
    double thr = INFINITY;
    for (int k = -2; k < LSCAN_MAX_CLASS; k++) {
        /* k = -2: not subtle, -1: subtle, else the class k. */
        if (k >= 0 && (!LSCAN_CLASS_IS_INSPECT(k) || !lscan_class_name(k))) continue;
        size_t np = 0;
        for (size_t i = 0; i < v->n; i++) {
            bool subtle = v->diff[i] >= o->subtle_difficulty;
            bool in = LSCAN_CLASS_IS_INSPECT(v->cls[i]) &&
                      (k == -2 ? !subtle : k == -1 ? subtle : v->cls[i] == k);
            v->flags[i] = in;
            np += in;
        }
        if (!np) continue;
        double target = k == -2 ? o->target_detection : k == -1 ? o->target_subtle
                                                                : o->min_class_detection;
        double t = lscan__threshold_for_detection(sc, v->flags, v->n, target);
        if (t < thr) thr = t;
    }
    return isinf(thr) ? 0.5 : thr;
}

/* Release rate of the validation scans at the operating point, with the
 * experts' logits z (n x LSCAN__EXPERTS) less the offsets; scratch sc[n]. */
static double release_with(const double *z, const struct valset *v, const double *off,
                           const lscan_train_options *o, double *sc)
{
    for (size_t i = 0; i < v->n; i++) {
        double b = -INFINITY;
        for (int e = 0; e < LSCAN__EXPERTS; e++)
            if (z[i * LSCAN__EXPERTS + e] - off[e] > b) b = z[i * LSCAN__EXPERTS + e] - off[e];
        sc[i] = b;
    }
    double thr = operating_threshold(sc, v, o);
    size_t rel = 0, nc = 0;
    for (size_t i = 0; i < v->n; i++)
        if (!LSCAN_CLASS_IS_INSPECT(v->cls[i])) {
            nc++;
            rel += sc[i] < thr;
        }
    return nc ? (double)rel / nc : 0;
}

/* The experts' offsets: coordinate ascent of the validation release rate at
 * the operating point over a coarse grid of offsets, a few rounds. The
 * largest logit alone lets an easy class's detector (an empty container's)
 * flag clean scans at the low threshold a hard class needs; a coarse grid
 * keeps the choice from fitting the validation set's few weakest scans. */
#define OFFSET_GRID_MIN -8.0
#define OFFSET_GRID_STEP 2.0
#define OFFSET_GRID_N 9
#define OFFSET_ROUNDS 3
static int choose_offsets(const lscan_trainer *t, lscan_model *m, const float *x,
                          const struct valset *v, const lscan_train_options *o, double *sc)
{
    const uint32_t nf = lscan__model_nf(m);
    double *z = malloc((v->n ? v->n : 1) * LSCAN__EXPERTS * sizeof *z);
    if (!z) return LSCAN_ERR_NO_MEMORY;
    for (size_t i = 0, k = 0; i < t->n; i++) {
        if (t->e[i].split != LSCAN_SPLIT_VALIDATION) continue;
        for (int e = 0; e < LSCAN__EXPERTS; e++)
            z[k * LSCAN__EXPERTS + e] = lscan__linear_score(&m->image[e], x + i * nf);
        k++;
    }
    double off[LSCAN__EXPERTS] = {0};
    double best = release_with(z, v, off, o, sc);
    for (int round = 0; round < OFFSET_ROUNDS; round++)
        for (int e = 0; e < LSCAN__EXPERTS; e++) {
            double keep = off[e];
            for (int g = 0; g < OFFSET_GRID_N; g++) {
                off[e] = OFFSET_GRID_MIN + g * OFFSET_GRID_STEP;
                double r = release_with(z, v, off, o, sc);
                /* Ties keep the offset nearest 0. */
                if (r > best || (r == best && fabs(off[e]) < fabs(keep))) {
                    best = r;
                    keep = off[e];
                }
            }
            off[e] = keep;
        }
    for (int e = 0; e < LSCAN__EXPERTS; e++)
        m->image_offset[e] = off[e];
    free(z);
    return LSCAN_OK;
}

static char *dup_printf(const char *fmt, ...) LSCAN_PRINTF(1, 2);
static char *dup_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return strdup(buf);
}

/* One-line text for the model file: control characters become spaces. */
static char *one_line(const char *s, const char *fallback)
{
    char *d = strdup(s && *s ? s : fallback);
    if (!d) return NULL;
    for (char *p = d; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    return d;
}

/* The declaration checks (declared_train.c) over every stored image, in key order, with the
 * anomaly model's score of each (image-model inputs x). */
static int fit_declarations(const lscan_trainer *t, lscan_ctx *ctx, const lscan_train_options *o,
                            lscan_model *m, const float *x)
{
    const size_t n = t->n;
    const uint32_t nf = lscan__model_feature_count();
    const lscan__decl_sample **s = malloc((n ? n : 1) * sizeof *s);
    uint32_t *split = malloc((n ? n : 1) * sizeof *split);
    int *cls = malloc((n ? n : 1) * sizeof *cls);
    double *diff = malloc((n ? n : 1) * sizeof *diff), *score = malloc((n ? n : 1) * sizeof *score);
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    int rc;
    if (!s || !split || !cls || !diff || !score || !key) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            s[i] = &t->e[i].decl;
            split[i] = t->e[i].split;
            cls[i] = t->e[i].cls;
            diff[i] = t->e[i].difficulty;
            score[i] = lscan__image_score(m, x + i * nf, NULL);
            key[i] = t->e[i].key;
        }
        const lscan__decl_train_set ts = {.n = n,
                                          .s = s,
                                          .split = split,
                                          .cls = cls,
                                          .difficulty = diff,
                                          .score = score,
                                          .key = key};
        rc = lscan__decl_fit(ctx, o, m, &ts);
    }
    free(s);
    free(split);
    free(cls);
    free(diff);
    free(score);
    free(key);
    return rc;
}

LSCAN_API int lscan_trainer_fit(lscan_trainer *t, lscan_ctx *ctx, const lscan_train_options *opts,
                                lscan_model **out)
{
    if (out) *out = NULL;
    if (!t || !ctx || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan_train_options o;
    lscan_train_options_init(&o);
    if (opts) {
        if (opts->size < sizeof(uint32_t))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "train options not initialised");
        memcpy(&o, opts, opts->size < sizeof o ? opts->size : sizeof o);
    }
    if (!(o.l2 >= 0) || !(o.target_detection > 0 && o.target_detection <= 1) ||
        !(o.tile_positive > 0 && o.tile_positive <= 1) || o.max_negative_tiles == 0 ||
        !(o.subtle_difficulty >= 0 && o.subtle_difficulty <= 1) ||
        !(o.target_subtle > 0 && o.target_subtle <= 1) ||
        !(o.min_class_detection > 0 && o.min_class_detection <= 1))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "training options out of range");
    if (t->n > 1) qsort(t->e, t->n, sizeof *t->e, by_key); /* qsort(NULL, 0) is undefined */
    for (size_t i = 1; i < t->n; i++)
        if (t->e[i].key == t->e[i - 1].key)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "two images share the key %llu",
                                (unsigned long long)t->e[i].key);
    size_t counts[2][2] = {{0, 0}, {0, 0}}; /* [split][inspect] */
    for (size_t i = 0; i < t->n; i++)
        counts[t->e[i].split][LSCAN_CLASS_IS_INSPECT(t->e[i].cls)]++;
    if (!counts[0][0] || !counts[0][1] || !counts[1][0] || !counts[1][1])
        return lscan__error(
            ctx, LSCAN_ERR_TRAINING,
            "need RELEASE and INSPECT images in both splits (train %zu/%zu, validation %zu/%zu)",
            counts[0][0], counts[0][1], counts[1][0], counts[1][1]);

    lscan_model *m = calloc(1, sizeof *m);
    if (!m) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    m->n_mat = t->materials ? LSCAN__MATERIAL_FEATURES : 0; /* dual energy (dual.c) */
    uint32_t nf = lscan__model_nf(m);
    float *x = NULL, *xt = NULL;
    uint8_t *y = NULL;
    double *w = NULL, *scores = NULL, *diffs = NULL;
    int *pos = NULL, *classes = NULL;
    int rc = LSCAN_OK;
    for (int e = 0; e < LSCAN__EXPERTS && !rc; e++) {
        rc = fit_tile_model(t, ctx, &o, m, e);
        if (!rc) rc = calibrate_tiles(t, ctx, m, e);
    }
    if (rc) goto fail;

    x = malloc(t->n * nf * sizeof *x);
    xt = malloc(t->n * nf * sizeof *xt);
    y = malloc(t->n);
    w = malloc(t->n * sizeof *w);
    scores = malloc(t->n * sizeof *scores);
    pos = malloc(t->n * sizeof *pos);
    classes = malloc(t->n * sizeof *classes);
    diffs = malloc(t->n * sizeof *diffs);
    if (!x || !xt || !y || !w || !scores || !pos || !classes || !diffs) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    if ((rc = image_vectors(t, ctx, m, x))) goto fail;
    /* One image model per expert: its class against clean scans. */
    for (int ex = 0; ex < LSCAN__EXPERTS && !rc; ex++) {
        size_t ntr = 0, ntr_pos = 0;
        for (size_t i = 0; i < t->n; i++) {
            int cls = t->e[i].cls;
            if (t->e[i].split != LSCAN_SPLIT_TRAIN ||
                (LSCAN_CLASS_IS_INSPECT(cls) && cls != lscan__expert_class[ex]))
                continue;
            memcpy(xt + ntr * nf, x + i * nf, nf * sizeof *x);
            y[ntr] = LSCAN_CLASS_IS_INSPECT(cls);
            ntr_pos += y[ntr];
            ntr++;
        }
        if (ntr_pos == 0) {
            rc = lscan__error(ctx, LSCAN_ERR_TRAINING, "no %s scans to train on",
                              lscan_class_name(lscan__expert_class[ex]));
            break;
        }
        balanced_weights(y, ntr, ntr_pos, w);
        rc = lscan__logreg_fit(ctx, xt, y, w, ntr, nf, o.l2, &m->image[ex]);
    }
    if (rc) goto fail;

    /* The validation scans, for the offsets and the operating point. */
    size_t nv = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->e[i].split != LSCAN_SPLIT_VALIDATION) continue;
        classes[nv] = t->e[i].cls;
        diffs[nv++] = t->e[i].difficulty;
    }
    const struct valset vs = {.n = nv, .cls = classes, .diff = diffs, .flags = pos};
    if ((rc = choose_offsets(t, m, x, &vs, &o, scores))) {
        lscan__error(ctx, rc, "out of memory choosing the expert offsets");
        goto fail;
    }
    for (size_t i = 0, k = 0; i < t->n; i++)
        if (t->e[i].split == LSCAN_SPLIT_VALIDATION)
            scores[k++] = lscan__image_score(m, x + i * nf, NULL);
    m->threshold = operating_threshold(scores, &vs, &o);
    lscan_metrics mt = {.size = sizeof mt};
    if ((rc = lscan_metrics_compute(scores, classes, nv, m->threshold, o.target_detection, &mt))) {
        lscan__error(ctx, rc, "cannot compute validation figures");
        goto fail;
    }
    if ((rc = fit_declarations(t, ctx, &o, m, x))) goto fail;
    m->info[LSCAN__INFO_NAME] = one_line(o.name, "unnamed");
    m->info[LSCAN__INFO_TRAINING] = one_line(o.training, "unspecified");
    m->info[LSCAN__INFO_TARGET] = dup_printf("%.17g", o.target_detection);
    m->info[LSCAN__INFO_VAL_SCANS] = dup_printf("%zu", nv);
    m->info[LSCAN__INFO_VAL_DET] = dup_printf("%.6f", mt.detection);
    m->info[LSCAN__INFO_VAL_REL] = dup_printf("%.6f", mt.release_rate);
    m->info[LSCAN__INFO_VAL_AUC] = dup_printf("%.6f", mt.auc);
    m->info[LSCAN__INFO_SUBTLE] = dup_printf("%.17g", o.subtle_difficulty);
    m->info[LSCAN__INFO_TARGET_SUBTLE] = dup_printf("%.17g", o.target_subtle);
    m->info[LSCAN__INFO_MIN_CLASS] = dup_printf("%.17g", o.min_class_detection);
    for (int i = 0; i < LSCAN__INFO_COUNT; i++)
        if (!m->info[i]) {
            rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
            goto fail;
        }
    rc = LSCAN_OK;
fail:
    free(x);
    free(xt);
    free(y);
    free(w);
    free(scores);
    free(pos);
    free(classes);
    free(diffs);
    if (rc) {
        lscan_model_free(m);
        return rc;
    }
    *out = m;
    return LSCAN_OK;
}

/* Dual energy: a trainer with a material calibration analyses dual-energy
 * images with it and fits a dual model (dual.c). */
LSCAN_API int lscan_trainer_set_materials(lscan_trainer *t, const lscan_materials *materials)
{
    if (!t) return LSCAN_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&t->mu);
    bool ok = t->n == 0;
    if (ok) t->materials = materials;
    pthread_mutex_unlock(&t->mu);
    return ok ? LSCAN_OK : LSCAN_ERR_INVALID_ARGUMENT;
}
