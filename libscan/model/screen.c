/* screen.c — decisions: analysis, tile scores (heat map), image score, threshold, reasons and hottest tiles; failures become INSPECT. */
#include "model.h"

#include "../features/feat.h"
#include "../features/gate.h"
#include "declared.h"
#include "../features/material.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEPT 32

struct lscan_result {
    uint32_t decision;
    double score, threshold;
    int expert_class; /* the INSPECT class whose detector gave the score; -1 when not scored */
    int status;
    char message[LSCAN_MSG_MAX + LSCAN_PATH_MAX + 4];
    uint32_t n_reasons;
    struct {
        const char *feature; /* static names from the schema */
        double value, contribution;
    } reasons[MAX_KEPT];
    uint32_t n_hot;
    struct {
        lscan_box box;
        double score;
    } hot[MAX_KEPT];
    float *heat;
    uint32_t cols, rows;
    lscan_box container;
    uint32_t width, height;
    /* Dual energy: the material map of the container box (dual.c). */
    uint8_t *mat;
    uint32_t mat_cols, mat_rows, mat_cell;
    double stage[LSCAN_STAGE_COUNT];
    lscan__decl_result decl; /* the declaration and its checks (declared.c) */
};

LSCAN_API void lscan_screen_options_init(lscan_screen_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->size = sizeof *opts;
    opts->polarity = LSCAN_POLARITY_AUTO;
    opts->threshold = -1.0;
    opts->max_reasons = 5;
    opts->max_hot_tiles = 5;
}

static int screen_options(lscan_ctx *ctx, const lscan_screen_options *in, lscan_screen_options *o)
{
    lscan_screen_options_init(o);
    if (!in) return LSCAN_OK;
    if (in->size < sizeof(uint32_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "screen options not initialised");
    memcpy(o, in, in->size < sizeof *o ? in->size : sizeof *o);
    o->size = sizeof *o;
    if (o->max_reasons > MAX_KEPT) o->max_reasons = MAX_KEPT;
    if (o->max_hot_tiles > MAX_KEPT) o->max_hot_tiles = MAX_KEPT;
    if (isnan(o->threshold) || o->threshold > 1)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "threshold must be in [0, 1] (or negative for the model's)");
    return LSCAN_OK;
}

static lscan_result *result_new(const lscan_model *model, const lscan_screen_options *o)
{
    lscan_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->decision = LSCAN_INSPECT; /* until the model says otherwise */
    r->score = NAN;
    r->expert_class = -1;
    r->threshold = o->threshold >= 0 ? o->threshold : model->threshold;
    return r;
}

/* Records a failure on the result: decision stays INSPECT. */
static int result_fail(lscan_result *r, lscan_ctx *ctx, int status)
{
    r->status = status;
    r->decision = LSCAN_INSPECT;
    r->score = NAN;
    snprintf(r->message, sizeof r->message, "%s", lscan_ctx_error_message(ctx));
    if (!r->message[0]) snprintf(r->message, sizeof r->message, "%s", lscan_strerror(status));
    return status;
}

static int decide(lscan_ctx *ctx, const lscan_model *m, const lscan_analysis *a, const lscan_screen_options *o,
                  lscan_result *r)
{
    uint32_t cols, rows;
    lscan_analysis_grid(a, &cols, &rows);
    size_t nt = (size_t)cols * rows;
    uint32_t nf = lscan__model_nf(m);
    double *logits = malloc((nt ? nt : 1) * LSCAN__EXPERTS * sizeof *logits);
    float *x = malloc(nf * sizeof *x);
    r->heat = malloc((nt ? nt : 1) * sizeof *r->heat);
    if (!logits || !x || !r->heat) {
        free(logits);
        free(x);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    }
    lscan__tile_logits(m, lscan_analysis_tile_features(a), cols, rows, logits);
    if (lscan__deadline_passed(ctx)) {
        free(logits);
        free(x);
        return lscan__deadline_error(ctx, "classification");
    }
    int rc = lscan__image_vector(m, lscan_analysis_image_features(a), logits, cols, rows, x);
    if (rc) {
        free(logits);
        free(x);
        return lscan__error(ctx, rc, "cannot aggregate tile scores");
    }
    /* A tile's heat is its most anomalous expert, measured from that expert's
     * hot threshold (0.5 = at the threshold); logits[0..nt) keep the maximum. */
    for (size_t i = 0; i < nt; i++) {
        logits[i] -= m->tile_hot[0];
        for (int e = 1; e < LSCAN__EXPERTS; e++) {
            double z = logits[(size_t)e * nt + i] - m->tile_hot[e];
            if (z > logits[i]) logits[i] = z;
        }
        r->heat[i] = (float)lscan__sigmoid(logits[i]);
    }
    r->cols = cols;
    r->rows = rows;

    /* Hottest tiles: repeated selection (k is small), hottest first, ties to the first in row-major order. */
    for (uint32_t k = 0; k < o->max_hot_tiles && k < nt; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < nt; i++) {
            if (logits[i] == -INFINITY) continue; /* already taken */
            if (best == SIZE_MAX || logits[i] > logits[best]) best = i;
        }
        if (best == SIZE_MAX) break;
        lscan_analysis_tile_box(a, (uint32_t)(best % cols), (uint32_t)(best / cols), &r->hot[k].box);
        r->hot[k].score = r->heat[best];
        logits[best] = -INFINITY;
        r->n_hot = k + 1;
    }

    int ex;
    r->score = lscan__image_score(m, x, &ex);
    r->expert_class = lscan__expert_class[ex];
    const lscan__linear *im = &m->image[ex];
    /* Reasons: the largest contributions towards INSPECT. */
    double contrib[MAX_KEPT];
    uint32_t idx[MAX_KEPT];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nf; i++) {
        double c = im->weight[i] * (((double)x[i] - im->mean[i]) / im->scale[i]);
        uint32_t pos = kept < o->max_reasons ? kept++ : o->max_reasons;
        if (pos == o->max_reasons && (kept == 0 || c <= contrib[kept - 1])) continue;
        if (pos == o->max_reasons) pos = kept - 1;
        while (pos > 0 && contrib[pos - 1] < c) {
            contrib[pos] = contrib[pos - 1];
            idx[pos] = idx[pos - 1];
            pos--;
        }
        contrib[pos] = c;
        idx[pos] = i;
    }
    for (uint32_t k = 0; k < kept; k++) {
        r->reasons[k].feature = lscan__model_feature_name_any(idx[k]);
        r->reasons[k].value = x[idx[k]];
        r->reasons[k].contribution = contrib[k];
    }
    r->n_reasons = kept;
    r->decision = r->score >= r->threshold ? LSCAN_INSPECT : LSCAN_RELEASE;
    free(logits);
    free(x);
    return LSCAN_OK;
}

/* Dual energy (dual.c): the model for the image (the dual model for a
 * two-plane image when the options give one: then the analysis gets the
 * material calibration and the result the dual model's threshold), and the
 * material map kept on the result, or the reason a dual model cannot decide. */
const lscan_model *lscan__screen_model(const lscan_model *model, const lscan_image *img,
                                       const lscan_screen_options *o, lscan_result *r,
                                       lscan_analyze_options *ao);
int lscan__screen_materials(lscan_ctx *ctx, const lscan_model *model, const lscan_analysis *a,
                            lscan_result *r);

static int screen_image(lscan_ctx *ctx, const lscan_model *model, const lscan_image *img,
                        const lscan_screen_options *o, lscan_result *r)
{
    r->width = img->width;
    r->height = img->height;
    lscan_analyze_options ao;
    lscan_analyze_options_init(&ao);
    ao.polarity = o->polarity;
    ao.pitch_mm = o->pitch_mm;
    ao.air_level = o->air_level;
    /* Dual energy: a two-plane image goes to the dual model when there is
     * one, with the material calibration (dual.c). */
    model = lscan__screen_model(model, img, o, r, &ao);
    double t0 = lscan__now();
    lscan_analysis *a = NULL;
    int rc = lscan_analyze(ctx, img, &ao, &a);
    double t1 = lscan__now();
    r->stage[LSCAN_STAGE_FEATURES] = t1 - t0;
    if (rc) return result_fail(r, ctx, rc);
    if ((rc = lscan__screen_materials(ctx, model, a, r))) {
        lscan_analysis_free(a);
        return result_fail(r, ctx, rc);
    }
    /* Calibration and location were timed inside the analysis. */
    r->stage[LSCAN_STAGE_CALIBRATE] = a->calib_seconds;
    r->stage[LSCAN_STAGE_FEATURES] -= a->calib_seconds;
    lscan_analysis_container(a, &r->container);
    /* Only what looks like a container scan reaches the model. */
    rc = lscan__scan_check(ctx, img, a);
    if (rc) {
        r->stage[LSCAN_STAGE_CLASSIFY] = lscan__now() - t1;
        lscan_analysis_free(a);
        return result_fail(r, ctx, rc);
    }
    rc = decide(ctx, model, a, o, r);
    if (!rc) lscan__decl_decide(&r->decl, model, a, r->score, &r->threshold, &r->decision);
    r->stage[LSCAN_STAGE_CLASSIFY] = lscan__now() - t1;
    lscan_analysis_free(a);
    if (rc) return result_fail(r, ctx, rc);
    return LSCAN_OK;
}

/* What every entry point does first: check arguments, take the options and
 * hand the caller a result that says INSPECT until a decision is made. The
 * context's last error is left alone (a decoder's message may be on it). */
static int screen_begin(lscan_ctx *ctx, const lscan_model *model, bool input_ok,
                        const lscan_screen_options *opts, lscan_result **out, lscan_screen_options *o,
                        lscan_result **r)
{
    if (out) *out = NULL;
    if (!ctx || !model || !input_ok || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    int rc = screen_options(ctx, opts, o);
    if (rc) return rc;
    lscan__declaration decl;
    if ((rc = lscan__declaration_take(ctx, o->declaration, &decl))) return rc;
    *r = result_new(model, o);
    if (!*r) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    lscan__decl_begin(&(*r)->decl, model, &decl, o->threshold >= 0);
    *out = *r;
    return LSCAN_OK;
}

LSCAN_API int lscan_screen(lscan_ctx *ctx, const lscan_model *model, const lscan_image *img,
                           const lscan_screen_options *opts, lscan_result **out)
{
    lscan__error_clear(ctx);
    lscan_screen_options o;
    lscan_result *r;
    int rc = screen_begin(ctx, model, img != NULL, opts, out, &o, &r);
    if (rc) return rc;
    lscan__deadline_begin(ctx);
    rc = screen_image(ctx, model, img, &o, r);
    lscan__deadline_end(ctx);
    return rc;
}

LSCAN_API int lscan_screen_file(lscan_ctx *ctx, const lscan_model *model, const char *path,
                                const lscan_load_options *load, const lscan_screen_options *opts,
                                lscan_result **out)
{
    lscan__error_clear(ctx);
    lscan_screen_options o;
    lscan_result *r;
    int rc = screen_begin(ctx, model, path != NULL, opts, out, &o, &r);
    if (rc) return rc;
    double t0 = lscan__now();
    lscan_image *img = NULL;
    /* One time budget for the decode, the analysis and the decision. */
    lscan__deadline_begin(ctx);
    rc = lscan_image_load(ctx, path, load, &img);
    r->stage[LSCAN_STAGE_DECODE] = lscan__now() - t0;
    if (rc) {
        lscan__deadline_end(ctx);
        return result_fail(r, ctx, rc);
    }
    rc = screen_image(ctx, model, img, &o, r);
    lscan__deadline_end(ctx);
    if (rc && !lscan_ctx_error_path(ctx)) {
        /* Name the file in analysis failures too. */
        lscan__error_path(ctx, path);
        snprintf(r->message, sizeof r->message, "%s", lscan_ctx_error_message(ctx));
    }
    lscan_image_free(img);
    return rc;
}

LSCAN_API void lscan_result_free(lscan_result *r)
{
    if (!r) return;
    free(r->heat);
    lscan__decl_result_free(&r->decl);
    free(r->mat);
    free(r);
}

LSCAN_API uint32_t lscan_result_decision(const lscan_result *r) { return r ? r->decision : LSCAN_INSPECT; }
LSCAN_API double lscan_result_score(const lscan_result *r) { return r ? r->score : NAN; }
LSCAN_API double lscan_result_threshold(const lscan_result *r) { return r ? r->threshold : NAN; }
LSCAN_API int lscan_result_suspected_class(const lscan_result *r) { return r ? r->expert_class : -1; }
LSCAN_API int lscan_result_status(const lscan_result *r) { return r ? r->status : LSCAN_ERR_INVALID_ARGUMENT; }
LSCAN_API const char *lscan_result_message(const lscan_result *r) { return r ? r->message : ""; }
LSCAN_API uint32_t lscan_result_reason_count(const lscan_result *r) { return r ? r->n_reasons : 0; }
LSCAN_API uint32_t lscan_result_hot_tile_count(const lscan_result *r) { return r ? r->n_hot : 0; }

LSCAN_API int lscan_result_reason(const lscan_result *r, uint32_t index, const char **feature, double *value,
                                  double *contribution)
{
    if (!r || index >= r->n_reasons) return LSCAN_ERR_INVALID_ARGUMENT;
    if (feature) *feature = r->reasons[index].feature;
    if (value) *value = r->reasons[index].value;
    if (contribution) *contribution = r->reasons[index].contribution;
    return LSCAN_OK;
}

LSCAN_API int lscan_result_hot_tile(const lscan_result *r, uint32_t index, lscan_box *box, double *score)
{
    if (!r || index >= r->n_hot) return LSCAN_ERR_INVALID_ARGUMENT;
    if (box) *box = r->hot[index].box;
    if (score) *score = r->hot[index].score;
    return LSCAN_OK;
}

LSCAN_API const float *lscan_result_heatmap(const lscan_result *r, uint32_t *cols, uint32_t *rows)
{
    if (cols) *cols = r ? r->cols : 0;
    if (rows) *rows = r ? r->rows : 0;
    return r ? r->heat : NULL;
}

LSCAN_API int lscan_result_container(const lscan_result *r, lscan_box *box)
{
    if (!r || !box) return LSCAN_ERR_INVALID_ARGUMENT;
    *box = r->container;
    return LSCAN_OK;
}

LSCAN_API void lscan_result_image_size(const lscan_result *r, uint32_t *width, uint32_t *height)
{
    if (width) *width = r ? r->width : 0;
    if (height) *height = r ? r->height : 0;
}

LSCAN_API double lscan_result_stage_seconds(const lscan_result *r, uint32_t stage)
{
    return r && stage < LSCAN_STAGE_COUNT ? r->stage[stage] : 0.0;
}

/* For the batch engine (libscan/batch), which decodes inputs itself so that it can hand the pixels to
 * its per-image callback: screens `img` like lscan_screen and records the decode time; with img NULL,
 * makes the INSPECT result of the decode failure `status` whose details are on ctx. */
int lscan__screen_decoded(lscan_ctx *ctx, const lscan_model *model, const lscan_image *img,
                          int status, double decode_seconds, const lscan_screen_options *opts,
                          const struct lscan__declaration *decl, lscan_result **out)
{
    lscan_screen_options o;
    lscan_result *r;
    int rc = screen_begin(ctx, model, true, opts, out, &o, &r);
    if (rc) return rc;
    if (decl) lscan__decl_begin(&r->decl, model, decl, o.threshold >= 0);
    r->stage[LSCAN_STAGE_DECODE] = decode_seconds;
    if (!img) return result_fail(r, ctx, status ? status : LSCAN_ERR_INTERNAL);
    lscan__error_clear(ctx);
    return screen_image(ctx, model, img, &o, r);
}

/* The declaration part of a result (declared.c): the result's own, so a const result is read
 * through it and lscan_consignment_compare, which the API lets modify results, writes it. */
lscan__decl_result *lscan__result_decl(const lscan_result *r, uint32_t **decision)
{
    lscan_result *w = (lscan_result *)r;
    if (decision) *decision = &w->decision;
    return &w->decl;
}

/* ---- dual energy -------------------------------------------------------------- */

const lscan_model *lscan__screen_model(const lscan_model *model, const lscan_image *img,
                                       const lscan_screen_options *o, lscan_result *r,
                                       lscan_analyze_options *ao)
{
    if (img->channels == 2 && o->dual_model) {
        model = o->dual_model;
        if (!(o->threshold >= 0)) r->threshold = model->threshold;
    }
    ao->materials = o->materials;
    return model;
}

int lscan__screen_materials(lscan_ctx *ctx, const lscan_model *model, const lscan_analysis *a,
                            lscan_result *r)
{
    const uint8_t *map;
    uint32_t cols, rows, cell;
    int st = lscan_analysis_materials(a, &map, &cols, &rows, &cell);
    if (st == LSCAN_OK) {
        r->mat = malloc((size_t)cols * rows);
        if (!r->mat) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        memcpy(r->mat, map, (size_t)cols * rows);
        r->mat_cols = cols, r->mat_rows = rows, r->mat_cell = cell;
    }
    if (!model->n_mat || st == LSCAN_OK) return LSCAN_OK;
    /* A dual model cannot decide without its material features. */
    const char *why = a->mat ? a->mat->message : "no material map";
    return lscan__error(ctx, st, "dual-energy model: %s", why);
}

LSCAN_API int lscan_result_materials(const lscan_result *r, const uint8_t **map, uint32_t *cols,
                                     uint32_t *rows, uint32_t *cell_px)
{
    if (map) *map = r ? r->mat : NULL;
    if (cols) *cols = r && r->mat ? r->mat_cols : 0;
    if (rows) *rows = r && r->mat ? r->mat_rows : 0;
    if (cell_px) *cell_px = r && r->mat ? r->mat_cell : 0;
    return r && r->mat ? LSCAN_OK : LSCAN_ERR_UNSUPPORTED;
}
