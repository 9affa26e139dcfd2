/* declared.c — declarations: parsing what was declared, the empty-container check, commodity
 * recognition against the declared group, per-group operating points, consignment comparison,
 * and the result getters of all of it. */
#include "declared.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- inputs ------------------------------------------------------------------------------ */

/* The empty-container check reads every image feature (the residual stage's emptiness
 * statistics among them) and every load descriptor (what stands out of the empty container
 * between its end structures and inside its roof and floor bands): a package in an empty
 * container and an empty container's own structure differ in many small ways at once. */

/* What a consignment's containers should share: fill, height, attenuation per metre and its
 * distribution, texture at ~8 and ~32 cm. */
static const uint32_t cons_features[LSCAN__CONS_FEATURES] = {
    LSCAN__LD_FILL,      LSCAN__LD_HEIGHT_MEAN,   LSCAN__LD_MASS_PER_M,
    LSCAN__LD_LEVEL_Q50, LSCAN__LD_LEVEL_Q90,     LSCAN__LD_DENSE_FRAC,
    LSCAN__LD_TEX_H + 2, LSCAN__LD_TEX_H + 5 + 2, LSCAN__LD_TEX_H + 4,
};

const char *lscan__empty_input_name(uint32_t i)
{
    return i < LSCAN__IMAGE_FEATURES ? lscan_feature_name(LSCAN_FEATURES_IMAGE, i)
           : i < LSCAN__EMPTY_INPUTS ? lscan_feature_name(LSCAN_FEATURES_LOAD, i - LSCAN__IMAGE_FEATURES)
                                     : NULL;
}

const char *lscan__load_name(uint32_t i)
{
    return lscan_feature_name(LSCAN_FEATURES_LOAD, i);
}

const char *lscan__cons_feature_name(uint32_t i)
{
    return i < LSCAN__CONS_FEATURES ? lscan__load_name(cons_features[i]) : NULL;
}

static uint64_t names_hash(const char *what, const char *(*name)(uint32_t), uint32_t n)
{
    uint64_t h = lscan__fnv1a(LSCAN__FNV_OFFSET, what, strlen(what));
    for (uint32_t i = 0; i < n; i++) {
        const char *s = name(i);
        h = lscan__fnv1a(h, s, strlen(s));
        h = lscan__fnv1a(h, "\n", 1);
    }
    return h;
}

uint64_t lscan__empty_schema_hash(void)
{
    return names_hash("empty-check\nimage, load\n", lscan__empty_input_name, LSCAN__EMPTY_INPUTS);
}

uint64_t lscan__cons_schema_hash(void)
{
    return names_hash("consignment\n", lscan__cons_feature_name, LSCAN__CONS_FEATURES);
}

void lscan__empty_input(const lscan_analysis *a, float *x)
{
    memcpy(x, a->image_feat, LSCAN__IMAGE_FEATURES * sizeof *x);
    memcpy(x + LSCAN__IMAGE_FEATURES, a->load_desc, LSCAN__LOAD_DESC * sizeof *x);
}

void lscan__decl_model_free(lscan__decl_model *d)
{
    if (!d) return;
    lscan__linear_free(&d->empty);
    free(d->group);
    free(d->group_thr);
    free(d->mean);
    free(d->commodity);
    free(d->commodity_group);
    for (int ch = 0; ch < 100; ch++)
        free(d->hs_text[ch]);
    free(d);
}

/* ---- declarations ------------------------------------------------------------------------- */

LSCAN_API void lscan_declaration_init(lscan_declaration *d)
{
    if (!d) return;
    memset(d, 0, sizeof *d);
    d->size = sizeof *d;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The text between leading and trailing spaces: *len bytes from the returned pointer. */
static const char *trim(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

static int kind_of(const char *s, size_t n)
{
    if (n == 0) return LSCAN_DECLARED_NONE;
    if (n >= LSCAN__DECLARED_MAX) return -1;
    bool numeric = true, letter = false;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        digits += is_digit(c);
        letter |= is_alpha(c);
        if (!is_digit(c) && c != '.' && c != ' ') numeric = false;
        if (!is_digit(c) && !is_alpha(c) && !strchr(" _-/&.", c)) return -1;
    }
    if (numeric) {
        if (!is_digit(s[0]) || !is_digit(s[n - 1]) || digits < 2 || digits > 10) return -1;
        return LSCAN_DECLARED_HS;
    }
    if (n == 5) {
        size_t k = 0;
        while (k < 5 && lower(s[k]) == "empty"[k])
            k++;
        if (k == 5) return LSCAN_DECLARED_EMPTY;
    }
    return letter ? LSCAN_DECLARED_CARGO : -1;
}

LSCAN_API int lscan_declared_kind_of(const char *declared)
{
    if (!declared) return LSCAN_DECLARED_NONE;
    size_t n;
    const char *s = trim(declared, &n);
    return kind_of(s, n);
}

int lscan__declaration_take(lscan_ctx *ctx, const lscan_declaration *in, lscan__declaration *out)
{
    memset(out, 0, sizeof *out);
    if (!in) return LSCAN_OK;
    if (in->size < sizeof(uint32_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "declaration not initialised");
    lscan_declaration d;
    lscan_declaration_init(&d);
    memcpy(&d, in, in->size < sizeof d ? in->size : sizeof d);
    size_t n = 0;
    const char *s = d.declared ? trim(d.declared, &n) : "";
    int kind = kind_of(s, n);
    if (kind < 0)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "declared '%.*s': not 'empty', an HS code of 2 to 10 digits or a cargo "
                            "kind (letters, digits, spaces, _ - / & ., at most %d bytes)",
                            n > 80 ? 80 : (int)n, s, LSCAN__DECLARED_MAX - 1);
    out->kind = (uint32_t)kind;
    memcpy(out->text, s, n);
    out->text[n] = '\0';
    if (d.consignment) {
        size_t cn = strlen(d.consignment);
        if (cn >= LSCAN__CONSIGNMENT_MAX)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "consignment id of %zu bytes (at most %d)", cn,
                                LSCAN__CONSIGNMENT_MAX - 1);
        for (size_t i = 0; i < cn; i++)
            if ((unsigned char)d.consignment[i] < 0x20 || d.consignment[i] == 0x7f)
                return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                    "consignment id with a control character");
        memcpy(out->consignment, d.consignment, cn + 1);
    }
    out->consignment_size = out->consignment[0] ? d.consignment_size : 0;
    return LSCAN_OK;
}

LSCAN_API int lscan_declaration_check(lscan_ctx *ctx, const lscan_declaration *d)
{
    if (ctx) lscan__error_clear(ctx);
    lscan__declaration tmp;
    return lscan__declaration_take(ctx, d, &tmp);
}

/* ---- names -------------------------------------------------------------------------------- */

/* A cargo kind as the model spells its names: lower case, runs of anything else than a
 * letter or digit as one '_'. */
static void normalise(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    bool sep = false;
    for (; *s && k + 1 < cap; s++) {
        char c = lower(*s);
        if (is_alpha(c) || is_digit(c)) {
            if (sep && k) out[k++] = '_';
            if (k + 1 < cap) out[k++] = c;
            sep = false;
        } else {
            sep = true;
        }
    }
    out[k] = '\0';
}

/* The groups a declaration of goods stands for under model d (0: unknown). */
static uint64_t declared_groups(const lscan__decl_model *d, const lscan__declaration *decl)
{
    if (!d || !d->groups) return 0;
    if (decl->kind == LSCAN_DECLARED_HS) {
        int ch = (decl->text[0] - '0') * 10;
        const char *p = decl->text + 1;
        while (!is_digit(*p))
            p++;
        ch += *p - '0';
        return d->hs[ch];
    }
    if (decl->kind != LSCAN_DECLARED_CARGO) return 0;
    char name[LSCAN__NAME_MAX];
    normalise(decl->text, name, sizeof name);
    for (uint32_t g = 0; g < d->groups; g++)
        if (strcmp(name, d->group[g]) == 0) return 1ull << g;
    for (uint32_t c = 0; c < d->commodities; c++)
        if (strcmp(name, d->commodity[c]) == 0) return 1ull << d->commodity_group[c];
    return 0;
}

static void group_text(const lscan__decl_model *d, uint64_t mask, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (uint32_t g = 0; g < d->groups; g++) {
        if (!(mask >> g & 1)) continue;
        int n = snprintf(out + k, cap - k, "%s%s", k ? "|" : "", d->group[g]);
        if (n < 0 || (size_t)n >= cap - k) break;
        k += (size_t)n;
    }
}

/* ---- screening ---------------------------------------------------------------------------- */

void lscan__decl_begin(lscan__decl_result *d, const lscan_model *m, const lscan__declaration *decl,
                       bool threshold_given)
{
    memset(d, 0, sizeof *d);
    d->decl = *decl;
    d->threshold_given = threshold_given;
    d->declared_p = d->loaded_p = NAN;
    d->cons_score = NAN;
    d->cons_sibling_index = UINT64_MAX;
    const lscan__decl_model *md = m->decl;
    if (decl->kind == LSCAN_DECLARED_EMPTY && md) {
        d->known = true;
        snprintf(d->declared_group, sizeof d->declared_group, "empty");
    } else if (decl->kind == LSCAN_DECLARED_HS || decl->kind == LSCAN_DECLARED_CARGO) {
        d->declared_mask = declared_groups(md, decl);
        d->known = d->declared_mask != 0;
        if (d->known) group_text(md, d->declared_mask, d->declared_group, sizeof d->declared_group);
    }
}

void lscan__decl_result_free(lscan__decl_result *d)
{
    if (!d) return;
    free(d->cons_sibling);
    d->cons_sibling = NULL;
}

void lscan__commodity_probs(const lscan__decl_model *d, const float *x, double *p)
{
    const uint32_t n = LSCAN__LOAD_DESC;
    double z[LSCAN__MAX_GROUPS], mx = -INFINITY;
    double xs[LSCAN__LOAD_DESC];
    for (uint32_t k = 0; k < n; k++)
        xs[k] = ((double)x[k] - d->mean[k]) / d->scale[k];
    for (uint32_t g = 0; g < d->groups; g++) {
        double s = d->bias[g];
        const double *w = d->weight + (size_t)g * n;
        for (uint32_t k = 0; k < n; k++)
            s += w[k] * xs[k];
        z[g] = s;
        if (s > mx) mx = s;
    }
    double sum = 0;
    for (uint32_t g = 0; g < d->groups; g++)
        sum += p[g] = exp(z[g] - mx);
    for (uint32_t g = 0; g < d->groups; g++)
        p[g] /= sum;
}

/* The checks of declaration `decl` (known/mask as lscan__decl_begin found them) on a scan
 * whose checks ran (d): consistency, the declared groups' probability, the check bits and the
 * release threshold it calls for (model_thr when no group's applies). */
static void evaluate(const lscan__decl_model *md, const lscan__decl_result *d, uint32_t kind,
                     bool known, uint64_t mask, double model_thr, uint32_t *consistency,
                     double *declared_p, uint32_t *checks, double *thr)
{
    *consistency = LSCAN_CONSISTENCY_NONE;
    *declared_p = NAN;
    *checks = 0;
    *thr = model_thr;
    if (kind == LSCAN_DECLARED_NONE) return;
    if (!known || !md) {
        *consistency = LSCAN_CONSISTENCY_UNKNOWN;
        return;
    }
    if (kind == LSCAN_DECLARED_EMPTY) {
        *thr = md->empty_anomaly_thr;
        if (d->loaded_p >= md->empty_loaded_thr) {
            *consistency = LSCAN_CONSISTENCY_EMPTY_BUT_LOADED;
            *checks = LSCAN_CHECK_EMPTY_BUT_LOADED;
        } else {
            *consistency = LSCAN_CONSISTENCY_CONSISTENT;
        }
        return;
    }
    /* Goods: the strictest operating point of the groups declared. */
    *thr = INFINITY;
    for (uint32_t g = 0; g < md->groups; g++)
        if ((mask >> g & 1) && md->group_thr[g] < *thr) *thr = md->group_thr[g];
    if (d->looks_empty) {
        *consistency = LSCAN_CONSISTENCY_LOADED_BUT_EMPTY;
        *checks = LSCAN_CHECK_LOADED_BUT_EMPTY;
        return;
    }
    double p = 0;
    for (uint32_t g = 0; g < md->groups && g < d->groups; g++)
        if (mask >> g & 1) p += d->prob[g];
    *declared_p = p;
    if (p < md->mismatch_thr) {
        *consistency = LSCAN_CONSISTENCY_MISMATCH;
        *checks = LSCAN_CHECK_MISMATCH;
    } else {
        *consistency = LSCAN_CONSISTENCY_CONSISTENT;
    }
}

void lscan__decl_decide(lscan__decl_result *d, const lscan_model *m, const lscan_analysis *a,
                        double score, double *threshold, uint32_t *decision)
{
    const lscan__decl_model *md = m->decl;
    d->analysed = true;
    memcpy(d->desc, a->load_desc, sizeof d->desc);
    if (md) {
        float x[LSCAN__EMPTY_INPUTS];
        lscan__empty_input(a, x);
        d->loaded_p = lscan__sigmoid(lscan__linear_score(&md->empty, x));
        d->looks_empty = d->loaded_p < md->empty_empty_thr;
    }
    if (md && d->looks_empty) {
        d->n_alt = 1;
        snprintf(d->alt_name[0], sizeof d->alt_name[0], "empty");
        d->alt_p[0] = 1.0 - d->loaded_p;
    } else if (md && md->groups) {
        d->groups = md->groups;
        lscan__commodity_probs(md, a->load_desc, d->prob);
        bool taken[LSCAN__MAX_GROUPS] = {false};
        for (uint32_t k = 0; k < LSCAN_MAX_ALTERNATIVES && k < md->groups; k++) {
            uint32_t best = UINT32_MAX;
            for (uint32_t g = 0; g < md->groups; g++)
                if (!taken[g] && (best == UINT32_MAX || d->prob[g] > d->prob[best])) best = g;
            taken[best] = true;
            snprintf(d->alt_name[k], sizeof d->alt_name[k], "%s", md->group[best]);
            d->alt_p[k] = d->prob[best];
            d->n_alt = k + 1;
        }
    }
    double thr;
    evaluate(md, d, d->decl.kind, d->known, d->declared_mask, m->threshold, &d->consistency,
             &d->declared_p, &d->checks, &thr);
    if (!d->threshold_given) *threshold = thr;
    if (score >= *threshold) d->checks |= LSCAN_CHECK_ANOMALY;
    *decision = d->checks ? LSCAN_INSPECT : LSCAN_RELEASE;
}

/* ---- getters ------------------------------------------------------------------------------ */

static const char *const consistency_names[] = {
    "none",
    "consistent",
    "declared_empty_but_loaded",
    "declared_loaded_but_empty",
    "declared_mismatch",
    "declared_unknown",
};

LSCAN_API const char *lscan_consistency_name(uint32_t c)
{
    return c < sizeof consistency_names / sizeof *consistency_names ? consistency_names[c] : NULL;
}

static const char *const check_names[] = {
    "anomaly",
    "failed",
    "declared_empty_but_loaded",
    "declared_loaded_but_empty",
    "declared_mismatch",
    "consignment_outlier",
};

LSCAN_API const char *lscan_check_name(uint32_t check)
{
    for (uint32_t b = 0; b < sizeof check_names / sizeof *check_names; b++)
        if (check == 1u << b) return check_names[b];
    return NULL;
}

LSCAN_API uint32_t lscan_result_checks(const lscan_result *r)
{
    if (!r) return LSCAN_CHECK_FAILED;
    uint32_t *decision;
    const lscan__decl_result *d = lscan__result_decl(r, &decision);
    if (lscan_result_status(r) != LSCAN_OK) return LSCAN_CHECK_FAILED | d->checks;
    if (*decision == LSCAN_RELEASE) return 0;
    return d->checks ? d->checks : LSCAN_CHECK_ANOMALY;
}

LSCAN_API const char *lscan_result_declared(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->decl.text : "";
}

LSCAN_API uint32_t lscan_result_declared_kind(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->decl.kind : LSCAN_DECLARED_NONE;
}

LSCAN_API const char *lscan_result_declared_group(const lscan_result *r)
{
    if (!r) return NULL;
    const lscan__decl_result *d = lscan__result_decl(r, NULL);
    return d->declared_group[0] ? d->declared_group : NULL;
}

LSCAN_API uint32_t lscan_result_consistency(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->consistency : LSCAN_CONSISTENCY_NONE;
}

LSCAN_API double lscan_result_declared_p(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->declared_p : NAN;
}

LSCAN_API double lscan_result_loaded_p(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->loaded_p : NAN;
}

LSCAN_API const char *lscan_result_recognised(const lscan_result *r, double *p)
{
    const lscan__decl_result *d = r ? lscan__result_decl(r, NULL) : NULL;
    if (!d || !d->n_alt) {
        if (p) *p = NAN;
        return NULL;
    }
    if (p) *p = d->alt_p[0];
    return d->alt_name[0];
}

LSCAN_API uint32_t lscan_result_alternative_count(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->n_alt : 0;
}

LSCAN_API int lscan_result_alternative(const lscan_result *r, uint32_t index, const char **group,
                                       double *p)
{
    const lscan__decl_result *d = r ? lscan__result_decl(r, NULL) : NULL;
    if (!d || index >= d->n_alt) return LSCAN_ERR_INVALID_ARGUMENT;
    if (group) *group = d->alt_name[index];
    if (p) *p = d->alt_p[index];
    return LSCAN_OK;
}

LSCAN_API const char *lscan_result_consignment(const lscan_result *r)
{
    const lscan__decl_result *d = r ? lscan__result_decl(r, NULL) : NULL;
    return d && d->decl.consignment[0] ? d->decl.consignment : NULL;
}

LSCAN_API double lscan_result_consignment_score(const lscan_result *r)
{
    return r ? lscan__result_decl(r, NULL)->cons_score : NAN;
}

LSCAN_API const char *lscan_result_consignment_sibling(const lscan_result *r, uint64_t *index)
{
    const lscan__decl_result *d = r ? lscan__result_decl(r, NULL) : NULL;
    if (index) *index = d ? d->cons_sibling_index : UINT64_MAX;
    return d ? d->cons_sibling : NULL;
}

LSCAN_API int lscan_result_check_declaration(lscan_ctx *ctx, const lscan_model *model,
                                             const lscan_result *r, const lscan_declaration *decl,
                                             uint32_t *consistency, double *declared_p,
                                             uint32_t *inspect)
{
    if (ctx) lscan__error_clear(ctx);
    if (!model || !r) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__declaration dc;
    int rc = lscan__declaration_take(ctx, decl, &dc);
    if (rc) return rc;
    const lscan__decl_result *d = lscan__result_decl(r, NULL);
    lscan__decl_result probe;
    lscan__decl_begin(&probe, model, &dc, d->threshold_given);
    uint32_t c = LSCAN_CONSISTENCY_NONE, checks = 0;
    double p = NAN, thr = lscan_result_threshold(r);
    bool ok = lscan_result_status(r) == LSCAN_OK && d->analysed;
    if (ok) {
        double t;
        evaluate(model->decl, d, dc.kind, probe.known, probe.declared_mask, model->threshold, &c,
                 &p, &checks, &t);
        if (!d->threshold_given) thr = t;
    }
    if (consistency) *consistency = c;
    if (declared_p) *declared_p = p;
    if (inspect) *inspect = !ok || checks || lscan_result_score(r) >= thr;
    return LSCAN_OK;
}

/* ---- the model's groups ------------------------------------------------------------------- */

LSCAN_API int lscan_model_checks_declarations(const lscan_model *model)
{
    return model && model->decl ? 1 : 0;
}

LSCAN_API uint32_t lscan_model_group_count(const lscan_model *model)
{
    return model && model->decl ? model->decl->groups : 0;
}

LSCAN_API const char *lscan_model_group_name(const lscan_model *model, uint32_t index)
{
    return model && model->decl && index < model->decl->groups ? model->decl->group[index] : NULL;
}

LSCAN_API const char *lscan_model_hs_chapter(const lscan_model *model, uint32_t chapter)
{
    return model && model->decl && chapter < 100 ? model->decl->hs_text[chapter] : NULL;
}

int lscan__decl_hs_text(lscan__decl_model *d)
{
    for (int ch = 0; ch < 100; ch++) {
        free(d->hs_text[ch]);
        d->hs_text[ch] = NULL;
        if (!d->hs[ch]) continue;
        char buf[LSCAN__MAX_GROUPS * LSCAN__NAME_MAX];
        group_text(d, d->hs[ch], buf, sizeof buf);
        if (!(d->hs_text[ch] = strdup(buf))) return LSCAN_ERR_NO_MEMORY;
    }
    return LSCAN_OK;
}

/* ---- consignments ------------------------------------------------------------------------- */

double lscan__cons_distance(const lscan__decl_model *d, const float *xa, const double *pa,
                            const float *xb, const double *pb)
{
    double s = 0;
    for (uint32_t k = 0; k < LSCAN__CONS_FEATURES; k++) {
        const uint32_t f = cons_features[k];
        const double z = ((double)xa[f] - xb[f]) / d->cons_scale[k];
        s += z * z;
    }
    double tv = 0;
    if (pa && pb)
        for (uint32_t g = 0; g < d->groups; g++)
            tv += fabs(pa[g] - pb[g]);
    return sqrt(s / LSCAN__CONS_FEATURES) + d->cons_commodity_weight * 0.5 * tv;
}

void lscan__cons_scores(const lscan__decl_model *d, const float *desc, const double *probs,
                        size_t n, double *score, size_t *far)
{
    for (size_t i = 0; i < n; i++) {
        double near = INFINITY, farthest = -INFINITY;
        far[i] = i;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            double dist = lscan__cons_distance(
                d, desc + i * LSCAN__LOAD_DESC, probs ? probs + i * d->groups : NULL,
                desc + j * LSCAN__LOAD_DESC, probs ? probs + j * d->groups : NULL);
            if (dist < near) near = dist;
            if (dist > farthest) {
                farthest = dist;
                far[i] = j;
            }
        }
        score[i] = n >= 2 ? near : NAN;
    }
}

LSCAN_API int lscan_consignment_compare(lscan_ctx *ctx, const lscan_model *model,
                                        lscan_result *const *results, const char *const *names,
                                        size_t n)
{
    if (ctx) lscan__error_clear(ctx);
    if (!model || (!results && n))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    for (size_t i = 0; i < n; i++)
        if (!results[i]) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL result %zu", i);
    const lscan__decl_model *md = model->decl;
    size_t *member = malloc((n ? n : 1) * sizeof *member), *far = malloc((n ? n : 1) * sizeof *far);
    float *desc = malloc((n ? n : 1) * LSCAN__LOAD_DESC * sizeof *desc);
    double *probs = malloc((n ? n : 1) * (md && md->groups ? md->groups : 1) * sizeof *probs);
    double *score = malloc((n ? n : 1) * sizeof *score);
    if (!member || !far || !desc || !probs || !score) {
        free(member);
        free(far);
        free(desc);
        free(probs);
        free(score);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    }
    /* Every result loses its previous outcome; the members are the analysed, loaded scans. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t *decision;
        lscan__decl_result *d = lscan__result_decl(results[i], &decision);
        d->cons_score = NAN;
        d->cons_sibling_index = UINT64_MAX;
        free(d->cons_sibling);
        d->cons_sibling = NULL;
        if (d->checks & LSCAN_CHECK_CONSIGNMENT_OUTLIER) {
            d->checks &= ~(uint32_t)LSCAN_CHECK_CONSIGNMENT_OUTLIER;
            if (lscan_result_status(results[i]) == LSCAN_OK && !d->checks)
                *decision = LSCAN_RELEASE;
        }
        if (!md || !d->analysed || d->looks_empty || lscan_result_status(results[i]) != LSCAN_OK)
            continue;
        memcpy(desc + m * LSCAN__LOAD_DESC, d->desc, sizeof d->desc);
        if (md->groups) memcpy(probs + m * md->groups, d->prob, md->groups * sizeof *probs);
        member[m++] = i;
    }
    int rc = LSCAN_OK;
    if (m >= 2) {
        lscan__cons_scores(md, desc, md->groups ? probs : NULL, m, score, far);
        for (size_t k = 0; k < m && !rc; k++) {
            uint32_t *decision;
            lscan__decl_result *d = lscan__result_decl(results[member[k]], &decision);
            d->cons_score = score[k];
            d->cons_sibling_index = member[far[k]];
            const char *nm = names ? names[member[far[k]]] : NULL;
            if (nm && !(d->cons_sibling = strdup(nm)))
                rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
            if (score[k] >= md->cons_thr) {
                d->checks |= LSCAN_CHECK_CONSIGNMENT_OUTLIER;
                *decision = LSCAN_INSPECT;
            }
        }
    }
    free(member);
    free(far);
    free(desc);
    free(probs);
    free(score);
    return rc;
}
