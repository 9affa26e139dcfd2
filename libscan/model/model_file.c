/* model_file.c — the plain-text model file: strict, locale-independent parsing and round-trip-exact writing. */
#include "model.h"

#include "declared.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAGIC "libscan-model"
#define MODEL_VERSION 2
#define MODEL_MAX_BYTES (16u << 20)

const char *const lscan__info_keys[LSCAN__INFO_COUNT] = {
    "name", "training", "target-detection", "validation-scans",
    "validation-detection", "validation-release", "validation-auc", "subtle-difficulty",
    "target-subtle", "min-class-detection",
};

const int lscan__expert_class[LSCAN__EXPERTS] = {
    LSCAN_CLASS_DENSE_OBJECT, LSCAN_CLASS_IMPENETRABLE, LSCAN_CLASS_HIDDEN_COMPARTMENT,
    LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY,
};

/* "<class>_tile_<aggregate>", in expert order then aggregate order. */
static const char *const agg_names[LSCAN__EXPERTS * LSCAN__AGG_COUNT] = {
#define AGG(e) e "_tile_max", e "_tile_top5", e "_tile_hot_count", e "_tile_hot_blob", e "_tile_gap"
    AGG("dense_object"), AGG("impenetrable"), AGG("hidden_compartment"), AGG("anomalous_mass"),
    AGG("load_in_empty"),
#undef AGG
};

uint32_t lscan__model_feature_count(void)
{
    return lscan_feature_count(LSCAN_FEATURES_IMAGE) + LSCAN__EXPERTS * LSCAN__AGG_COUNT;
}

const char *lscan__model_feature_name(uint32_t i)
{
    uint32_t base = lscan_feature_count(LSCAN_FEATURES_IMAGE);
    if (i < base) return lscan_feature_name(LSCAN_FEATURES_IMAGE, i);
    if (i - base < LSCAN__EXPERTS * LSCAN__AGG_COUNT) return agg_names[i - base];
    return NULL;
}

uint64_t lscan__model_schema_hash(void)
{
    uint64_t h = lscan__fnv1a(LSCAN__FNV_OFFSET, "image-model\n", 12);
    for (uint32_t i = 0; i < lscan__model_feature_count(); i++) {
        const char *name = lscan__model_feature_name(i);
        h = lscan__fnv1a(h, name, strlen(name));
        h = lscan__fnv1a(h, "\n", 1);
    }
    return h;
}

LSCAN_API uint32_t lscan_model_feature_count(void) { return lscan__model_feature_count(); }
LSCAN_API const char *lscan_model_feature_name(uint32_t index) { return lscan__model_feature_name(index); }

LSCAN_API void lscan_model_free(lscan_model *model)
{
    if (!model) return;
    for (int i = 0; i < LSCAN__INFO_COUNT; i++) free(model->info[i]);
    for (int e = 0; e < LSCAN__EXPERTS; e++) lscan__linear_free(&model->tile[e]);
    for (int e = 0; e < LSCAN__EXPERTS; e++) lscan__linear_free(&model->image[e]);
    lscan__decl_model_free(model->decl);
    free(model);
}

LSCAN_API double lscan_model_threshold(const lscan_model *model) { return model ? model->threshold : NAN; }

LSCAN_API const char *lscan_model_info(const lscan_model *model, const char *key)
{
    if (!model || !key) return NULL;
    for (int i = 0; i < LSCAN__INFO_COUNT; i++)
        if (strcmp(key, lscan__info_keys[i]) == 0) return model->info[i];
    return NULL;
}

/* ---- writing ------------------------------------------------------------ */

static void put_linear(lscan__text *t, const char *prefix, const lscan__linear *m, uint64_t hash,
                       const char *(*name)(uint32_t))
{
    lscan__text_put(t, "%s-schema %u %016llx\n", prefix, m->n, (unsigned long long)hash);
    for (uint32_t i = 0; i < m->n; i++)
        lscan__text_put(t, "%s-feature %s %.17g %.17g %.17g\n", prefix, name(i), m->mean[i], m->scale[i], m->weight[i]);
    lscan__text_put(t, "%s-bias %.17g\n", prefix, m->bias);
}

static const char *tile_name(uint32_t i) { return lscan_feature_name(LSCAN_FEATURES_TILE, i); }

/* ---- the declaration sections (declared.h, docs/model-format.md) -------------------------- */

static const char *empty_name(uint32_t i)
{
    return lscan__empty_input_name(i);
}

static void put_declarations(lscan__text *t, const lscan__decl_model *d)
{
    lscan__text_put(t, "declarations %d\n", d ? 1 : 0);
    if (!d) return;
    put_linear(t, "empty", &d->empty, lscan__empty_schema_hash(), empty_name);
    lscan__text_put(t, "empty-thresholds %.17g %.17g %.17g\n", d->empty_loaded_thr, d->empty_empty_thr,
        d->empty_anomaly_thr);
    lscan__text_put(t, "commodity-groups %u\n", d->groups);
    for (uint32_t g = 0; g < d->groups; g++)
        lscan__text_put(t, "commodity-group %s %.17g\n", d->group[g], d->group_thr[g]);
    if (d->groups) {
        lscan__text_put(t, "commodity-schema %u %016llx\n", (unsigned)LSCAN__LOAD_DESC,
            (unsigned long long)lscan_feature_schema_hash(LSCAN_FEATURES_LOAD));
        for (uint32_t k = 0; k < LSCAN__LOAD_DESC; k++)
            lscan__text_put(t, "commodity-feature %s %.17g %.17g\n", lscan__load_name(k), d->mean[k],
                d->scale[k]);
        for (uint32_t g = 0; g < d->groups; g++) {
            lscan__text_put(t, "commodity-weights %s %.17g", d->group[g], d->bias[g]);
            for (uint32_t k = 0; k < LSCAN__LOAD_DESC; k++)
                lscan__text_put(t, " %.17g", d->weight[(size_t)g * LSCAN__LOAD_DESC + k]);
            lscan__text_put(t, "\n");
        }
    }
    lscan__text_put(t, "commodities %u\n", d->commodities);
    for (uint32_t c = 0; c < d->commodities; c++)
        lscan__text_put(t, "commodity %s %s\n", d->commodity[c], d->group[d->commodity_group[c]]);
    uint32_t chapters = 0;
    for (int ch = 0; ch < 100; ch++)
        chapters += d->hs[ch] != 0;
    lscan__text_put(t, "hs-chapters %u\n", chapters);
    for (int ch = 0; ch < 100; ch++)
        if (d->hs[ch]) lscan__text_put(t, "hs-chapter %02d %s\n", ch, d->hs_text[ch] ? d->hs_text[ch] : "");
    lscan__text_put(t, "mismatch-threshold %.17g\n", d->mismatch_thr);
    lscan__text_put(t, "consignment-schema %u %016llx\n", (unsigned)LSCAN__CONS_FEATURES,
        (unsigned long long)lscan__cons_schema_hash());
    for (uint32_t k = 0; k < LSCAN__CONS_FEATURES; k++)
        lscan__text_put(t, "consignment-feature %s %.17g\n", lscan__cons_feature_name(k), d->cons_scale[k]);
    lscan__text_put(t, "consignment-commodity-weight %.17g\n", d->cons_commodity_weight);
    lscan__text_put(t, "consignment-threshold %.17g\n", d->cons_thr);
}

/* Serialises a model; the caller frees the text. */
static int model_to_text(lscan_ctx *ctx, const lscan_model *m, char **out, size_t *len)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot create the C locale");
    locale_t old = uselocale(c);
    lscan__text t = {0};
    lscan__text_put(&t, "%s %d\n", MODEL_MAGIC, MODEL_VERSION);
    if (m->n_mat) lscan__text_put(&t, "variant dual %u\n", m->n_mat); /* dual energy (dual.c) */
    for (int i = 0; i < LSCAN__INFO_COUNT; i++) lscan__text_put(&t, "%s %s\n", lscan__info_keys[i], m->info[i] ? m->info[i] : "-");
    lscan__text_put(&t, "threshold %.17g\n", m->threshold);
    lscan__text_put(&t, "tile-models %d\n", LSCAN__EXPERTS);
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        lscan__text_put(&t, "tile-model %s\n", lscan_class_name(lscan__expert_class[e]));
        put_linear(&t, "tile", &m->tile[e], lscan_feature_schema_hash(LSCAN_FEATURES_TILE), tile_name);
        for (int g = 0; g < LSCAN__REGIONS; g++)
            lscan__text_put(&t, "tile-region %d %.17g %.17g\n", g, m->region_mean[e][g], m->region_scale[e][g]);
        lscan__text_put(&t, "tile-hot %.17g\n", m->tile_hot[e]);
    }
    lscan__text_put(&t, "image-models %d\n", LSCAN__EXPERTS);
    for (int e = 0; e < LSCAN__EXPERTS; e++) {
        lscan__text_put(&t, "image-model %s\n", lscan_class_name(lscan__expert_class[e]));
        put_linear(&t, "image", &m->image[e], lscan__model_schema_hash_m(m),
                   lscan__model_feature_name_any);
        lscan__text_put(&t, "image-offset %.17g\n", m->image_offset[e]);
    }
    put_declarations(&t, m->decl);
    if (!t.failed) {
        uint64_t sum = lscan__fnv1a(LSCAN__FNV_OFFSET, t.p, t.len);
        lscan__text_put(&t, "checksum %016llx\n", (unsigned long long)sum);
    }
    uselocale(old);
    freelocale(c);
    if (t.failed) {
        free(t.p);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot format the model");
    }
    *out = t.p;
    *len = t.len;
    return LSCAN_OK;
}

LSCAN_API int lscan_model_save(lscan_ctx *ctx, const lscan_model *model, const char *path)
{
    if (!ctx || !model || !path) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    char *text;
    size_t len;
    int rc = model_to_text(ctx, model, &text, &len);
    if (rc) return rc;
    rc = lscan__write_file(ctx, path, text, len);
    free(text);
    return rc;
}

/* ---- parsing ------------------------------------------------------------ */

/* Expects "key value"; returns the value. */
static int expect_key(lscan__lines *ps, const char *key, const char **value)
{
    int rc = lscan__lines_next(ps);
    if (rc) return rc;
    size_t k = strlen(key);
    if (strncmp(ps->line, key, k) != 0 || ps->line[k] != ' ' || ps->line[k + 1] == '\0') {
        const char *sp = strchr(ps->line, ' ');
        int shown = sp ? (int)(sp - ps->line) : (int)strlen(ps->line);
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected '%s <value>', found '%.*s'", key, shown > 64 ? 64 : shown, ps->line);
    }
    *value = ps->line + k + 1;
    return LSCAN_OK;
}

/* Parses one finite double ending at a space or the end; *s advances. */
static int parse_double(lscan__lines *ps, const char **s, const char *what, double *v)
{
    const char *p = *s;
    if (*p == ' ' || *p == '\0') return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "%s missing", what);
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    if (end == p || (*end != ' ' && *end != '\0'))
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "%s is not a number", what);
    if (!isfinite(x) || errno == ERANGE) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "%s is not a finite number", what);
    *v = x;
    *s = *end == ' ' ? end + 1 : end;
    return LSCAN_OK;
}

static int parse_only_double(lscan__lines *ps, const char *s, const char *what, double *v)
{
    int rc = parse_double(ps, &s, what, v);
    if (!rc && *s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "unexpected text after %s", what);
    return rc;
}

static int parse_linear(lscan__lines *ps, const char *prefix, uint32_t want_n, uint64_t want_hash,
                        const char *(*name)(uint32_t), lscan__linear *m)
{
    char key[32];
    const char *v;
    snprintf(key, sizeof key, "%s-schema", prefix);
    int rc = expect_key(ps, key, &v);
    if (rc) return rc;
    unsigned n;
    unsigned long long hash;
    int used = 0;
    if (sscanf(v, "%u %16llx%n", &n, &hash, &used) != 2 || v[used] != '\0' || strlen(v) != (size_t)used)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected '%s <count> <16 hex digits>'", key);
    if (n != want_n || hash != want_hash)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA,
                    "%s feature schema %016llx with %u features, this library has %016llx with %u",
                    prefix, hash, n, (unsigned long long)want_hash, want_n);
    /* Counts checked against the library before allocating. */
    rc = lscan__linear_alloc(m, want_n);
    if (rc) return lscan__lines_error(ps, rc, "cannot allocate %u features", want_n);
    snprintf(key, sizeof key, "%s-feature", prefix);
    for (uint32_t i = 0; i < want_n; i++) {
        if ((rc = expect_key(ps, key, &v))) return rc;
        const char *expected = name(i);
        size_t el = strlen(expected);
        if (strncmp(v, expected, el) != 0 || v[el] != ' ')
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA, "feature %u should be '%s'", i, expected);
        const char *s = v + el + 1;
        if ((rc = parse_double(ps, &s, "mean", &m->mean[i]))) return rc;
        if ((rc = parse_double(ps, &s, "scale", &m->scale[i]))) return rc;
        if ((rc = parse_double(ps, &s, "weight", &m->weight[i]))) return rc;
        if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "unexpected text after the weight");
        if (!(m->scale[i] > 0)) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "scale of '%s' must be > 0", expected);
    }
    snprintf(key, sizeof key, "%s-bias", prefix);
    if ((rc = expect_key(ps, key, &v))) return rc;
    return parse_only_double(ps, v, "bias", &m->bias);
}

/* A commodity or group name: [a-z0-9_], 1..63 bytes, ending at a space or the end; *s
 * advances past it. */
static int parse_name(lscan__lines *ps, const char **s, const char *what, char *out)
{
    size_t n = 0;
    const char *p = *s;
    while (p[n] && p[n] != ' ') {
        char c = p[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "%s: only a-z, 0-9 and _ allowed", what);
        if (++n >= LSCAN__NAME_MAX)
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "%s longer than %d bytes", what,
                        LSCAN__NAME_MAX - 1);
    }
    if (n == 0) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "%s missing", what);
    memcpy(out, p, n);
    out[n] = '\0';
    *s = p[n] == ' ' ? p + n + 1 : p + n;
    return LSCAN_OK;
}

/* "key <count>" with count <= max; the count before anything is allocated for it. */
static int parse_count(lscan__lines *ps, const char *key, uint32_t max, uint32_t *n)
{
    const char *v;
    int rc = expect_key(ps, key, &v);
    if (rc) return rc;
    unsigned x;
    int used = 0;
    if (sscanf(v, "%u%n", &x, &used) != 1 || v[used] != '\0' || v[0] == '-' || v[0] == '+')
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected '%s <count>'", key);
    if (x > max) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "%s %u: at most %u", key, x, max);
    *n = x;
    return LSCAN_OK;
}

static int group_index(const lscan__decl_model *d, const char *name)
{
    for (uint32_t g = 0; g < d->groups; g++)
        if (strcmp(d->group[g], name) == 0) return (int)g;
    return -1;
}

static int parse_prob(lscan__lines *ps, const char **s, const char *what, double *v)
{
    int rc = parse_double(ps, s, what, v);
    if (!rc && !(*v >= 0 && *v <= 1))
        rc = lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "%s must be in [0, 1]", what);
    return rc;
}

static int parse_decl_body(lscan__lines *ps, lscan__decl_model *d)
{
    const char *v, *s;
    int rc = parse_linear(ps, "empty", LSCAN__EMPTY_INPUTS, lscan__empty_schema_hash(), empty_name,
                          &d->empty);
    if (rc) return rc;
    if ((rc = expect_key(ps, "empty-thresholds", &v))) return rc;
    s = v;
    if ((rc = parse_prob(ps, &s, "empty loaded threshold", &d->empty_loaded_thr)) ||
        (rc = parse_prob(ps, &s, "empty threshold", &d->empty_empty_thr)) ||
        (rc = parse_double(ps, &s, "empty anomaly threshold", &d->empty_anomaly_thr)))
        return rc;
    if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "unexpected text after the thresholds");
    if ((rc = parse_count(ps, "commodity-groups", LSCAN__MAX_GROUPS, &d->groups))) return rc;
    if (d->groups == 1)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "one commodity group: 0 or 2 and more");
    const size_t K = d->groups ? d->groups : 1, D = LSCAN__LOAD_DESC;
    d->group = calloc(K, sizeof *d->group);
    d->group_thr = calloc(K, sizeof *d->group_thr);
    d->mean = calloc(2 * D + K * D + K, sizeof *d->mean);
    if (!d->group || !d->group_thr || !d->mean)
        return lscan__lines_error(ps, LSCAN_ERR_NO_MEMORY, "out of memory");
    d->scale = d->mean + D;
    d->weight = d->scale + D;
    d->bias = d->weight + K * D;
    for (uint32_t g = 0; g < d->groups; g++) {
        if ((rc = expect_key(ps, "commodity-group", &v))) return rc;
        s = v;
        if ((rc = parse_name(ps, &s, "group name", d->group[g]))) return rc;
        if (strcmp(d->group[g], "empty") == 0 || group_index(d, d->group[g]) != (int)g)
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "group '%s' reserved or repeated", d->group[g]);
        if ((rc = parse_double(ps, &s, "group threshold", &d->group_thr[g]))) return rc;
        if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "unexpected text after the threshold");
    }
    if (d->groups) {
        if ((rc = expect_key(ps, "commodity-schema", &v))) return rc;
        unsigned n;
        unsigned long long hash;
        int used = 0;
        if (sscanf(v, "%u %16llx%n", &n, &hash, &used) != 2 || v[used] != '\0')
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX,
                        "expected 'commodity-schema <count> <16 hex digits>'");
        uint64_t want = lscan_feature_schema_hash(LSCAN_FEATURES_LOAD);
        if (n != D || hash != want)
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA,
                        "load descriptor schema %016llx with %u descriptors, this library has "
                        "%016llx with %u",
                        hash, n, (unsigned long long)want, (unsigned)D);
        for (uint32_t k = 0; k < D; k++) {
            if ((rc = expect_key(ps, "commodity-feature", &v))) return rc;
            const char *name = lscan__load_name(k);
            size_t nl = strlen(name);
            if (strncmp(v, name, nl) != 0 || v[nl] != ' ')
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA, "commodity feature %u should be '%s'", k,
                            name);
            s = v + nl + 1;
            if ((rc = parse_double(ps, &s, "mean", &d->mean[k]))) return rc;
            if ((rc = parse_only_double(ps, s, "scale", &d->scale[k]))) return rc;
            if (!(d->scale[k] > 0)) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "scale must be > 0");
        }
        for (uint32_t g = 0; g < d->groups; g++) {
            if ((rc = expect_key(ps, "commodity-weights", &v))) return rc;
            size_t gl = strlen(d->group[g]);
            if (strncmp(v, d->group[g], gl) != 0 || v[gl] != ' ')
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "weights %u should be group '%s'", g,
                            d->group[g]);
            s = v + gl + 1;
            if ((rc = parse_double(ps, &s, "bias", &d->bias[g]))) return rc;
            for (uint32_t k = 0; k < D; k++)
                if ((rc = parse_double(ps, &s, "weight", &d->weight[(size_t)g * D + k]))) return rc;
            if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "more than %u weights", (unsigned)D);
        }
    } else {
        for (uint32_t k = 0; k < D; k++)
            d->scale[k] = 1.0;
    }
    if ((rc = parse_count(ps, "commodities", 4096, &d->commodities))) return rc;
    if (d->commodities && !d->groups)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "commodities without commodity groups");
    d->commodity = calloc(d->commodities ? d->commodities : 1, sizeof *d->commodity);
    d->commodity_group = calloc(d->commodities ? d->commodities : 1, sizeof *d->commodity_group);
    if (!d->commodity || !d->commodity_group) return lscan__lines_error(ps, LSCAN_ERR_NO_MEMORY, "out of memory");
    for (uint32_t c = 0; c < d->commodities; c++) {
        if ((rc = expect_key(ps, "commodity", &v))) return rc;
        s = v;
        char group[LSCAN__NAME_MAX];
        if ((rc = parse_name(ps, &s, "commodity name", d->commodity[c])) ||
            (rc = parse_name(ps, &s, "its group", group)))
            return rc;
        if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "unexpected text after the group");
        int g = group_index(d, group);
        if (g < 0) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "commodity of unknown group '%s'", group);
        if (c && strcmp(d->commodity[c - 1], d->commodity[c]) >= 0)
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "commodities must be sorted and unique");
        d->commodity_group[c] = (uint32_t)g;
    }
    uint32_t chapters;
    if ((rc = parse_count(ps, "hs-chapters", 100, &chapters))) return rc;
    if (chapters && !d->groups)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "HS chapters without groups");
    int last = -1;
    for (uint32_t i = 0; i < chapters; i++) {
        if ((rc = expect_key(ps, "hs-chapter", &v))) return rc;
        if (!(v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' && v[2] == ' '))
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX,
                        "expected 'hs-chapter <2 digits> <group>[|<group>...]'");
        int ch = (v[0] - '0') * 10 + (v[1] - '0');
        if (ch <= last) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "chapters must increase");
        last = ch;
        s = v + 3;
        for (;;) {
            char group[LSCAN__NAME_MAX];
            size_t n = strcspn(s, "|");
            if (n == 0 || n >= sizeof group)
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "chapter %02d: empty or over-long group",
                            ch);
            memcpy(group, s, n);
            group[n] = '\0';
            int g = group_index(d, group);
            if (g < 0)
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "chapter %02d: unknown group '%s'", ch,
                            group);
            if (d->hs[ch] >> g & 1)
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "chapter %02d: group repeated", ch);
            d->hs[ch] |= 1ull << g;
            if (!s[n]) break;
            s += n + 1;
        }
    }
    if ((rc = expect_key(ps, "mismatch-threshold", &v))) return rc;
    s = v;
    if ((rc = parse_prob(ps, &s, "mismatch threshold", &d->mismatch_thr))) return rc;
    if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "unexpected text after the threshold");
    if ((rc = expect_key(ps, "consignment-schema", &v))) return rc;
    {
        unsigned n;
        unsigned long long hash;
        int used = 0;
        if (sscanf(v, "%u %16llx%n", &n, &hash, &used) != 2 || v[used] != '\0')
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX,
                        "expected 'consignment-schema <count> <16 hex digits>'");
        if (n != LSCAN__CONS_FEATURES || hash != lscan__cons_schema_hash())
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA,
                        "consignment schema %016llx with %u features, this library has %016llx "
                        "with %u",
                        hash, n, (unsigned long long)lscan__cons_schema_hash(),
                        (unsigned)LSCAN__CONS_FEATURES);
    }
    for (uint32_t k = 0; k < LSCAN__CONS_FEATURES; k++) {
        if ((rc = expect_key(ps, "consignment-feature", &v))) return rc;
        const char *name = lscan__cons_feature_name(k);
        size_t nl = strlen(name);
        if (strncmp(v, name, nl) != 0 || v[nl] != ' ')
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA, "consignment feature %u should be '%s'", k,
                        name);
        if ((rc = parse_only_double(ps, v + nl + 1, "scale", &d->cons_scale[k]))) return rc;
        if (!(d->cons_scale[k] > 0)) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "scale must be > 0");
    }
    if ((rc = expect_key(ps, "consignment-commodity-weight", &v))) return rc;
    if ((rc = parse_only_double(ps, v, "weight", &d->cons_commodity_weight))) return rc;
    if (!(d->cons_commodity_weight >= 0))
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "weight must be >= 0");
    if ((rc = expect_key(ps, "consignment-threshold", &v))) return rc;
    if ((rc = parse_only_double(ps, v, "threshold", &d->cons_thr))) return rc;
    if (lscan__decl_hs_text(d)) return lscan__lines_error(ps, LSCAN_ERR_NO_MEMORY, "out of memory");
    return LSCAN_OK;
}

/* "declarations 0" (the model checks no declarations) or "declarations 1" and the sections. */
static int parse_declarations(lscan__lines *ps, lscan__decl_model **out)
{
    const char *v;
    int rc = expect_key(ps, "declarations", &v);
    if (rc) return rc;
    if (strcmp(v, "0") == 0) return LSCAN_OK;
    if (strcmp(v, "1") != 0)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'declarations 0' or 'declarations 1'");
    lscan__decl_model *d = calloc(1, sizeof *d);
    if (!d) return lscan__lines_error(ps, LSCAN_ERR_NO_MEMORY, "out of memory");
    *out = d; /* freed with the model on failure */
    return parse_decl_body(ps, d);
}

static int parse_model(lscan__lines *ps, lscan_model *m)
{
    const char *v;
    int rc = lscan__lines_next(ps);
    if (rc) return rc;
    char magic[32];
    int version, used = 0;
    if (sscanf(ps->line, "%31s %d%n", magic, &version, &used) != 2 || strcmp(magic, MODEL_MAGIC) != 0 ||
        ps->line[used] != '\0')
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VERSION, "not a libscan model file (expected '%s %d')", MODEL_MAGIC, MODEL_VERSION);
    if (version != MODEL_VERSION)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VERSION, "model format version %d, this library reads version %d", version, MODEL_VERSION);
    /* Dual energy: an optional "variant dual N" line (dual.c). */
    if ((rc = lscan__model_parse_variant(ps->ctx, &ps->p, ps->end, &ps->lineno, m))) return rc;
    for (int i = 0; i < LSCAN__INFO_COUNT; i++) {
        if ((rc = expect_key(ps, lscan__info_keys[i], &v))) return rc;
        if (i >= LSCAN__INFO_TARGET) {
            double x;
            if ((rc = parse_only_double(ps, v, lscan__info_keys[i], &x))) return rc;
            bool ok = i == LSCAN__INFO_VAL_SCANS ? (x >= 0 && x == floor(x)) : (x >= 0 && x <= 1);
            if (i == LSCAN__INFO_TARGET) ok = x > 0 && x <= 1;
            if (!ok) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "%s out of range", lscan__info_keys[i]);
        }
        if (!(m->info[i] = strdup(v))) return lscan__lines_error(ps, LSCAN_ERR_NO_MEMORY, "out of memory");
    }
    if ((rc = expect_key(ps, "threshold", &v))) return rc;
    if ((rc = parse_only_double(ps, v, "threshold", &m->threshold))) return rc;
    if (!(m->threshold >= 0 && m->threshold <= 1)) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "threshold must be in [0, 1]");
    for (int kind = 0; kind < 2; kind++) {
        const char *prefix = kind == 0 ? "tile" : "image";
        char key[32];
        snprintf(key, sizeof key, "%s-models", prefix);
        if ((rc = expect_key(ps, key, &v))) return rc;
        char experts[16];
        snprintf(experts, sizeof experts, "%d", LSCAN__EXPERTS);
        if (strcmp(v, experts) != 0)
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA, "%s %s models, this library has %d", v, prefix, LSCAN__EXPERTS);
        snprintf(key, sizeof key, "%s-model", prefix);
        for (int e = 0; e < LSCAN__EXPERTS; e++) {
            const char *cls = lscan_class_name(lscan__expert_class[e]);
            if ((rc = expect_key(ps, key, &v))) return rc;
            if (strcmp(v, cls) != 0) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SCHEMA, "%s model %d should be '%s'", prefix, e, cls);
            if (kind == 0) {
                if ((rc = parse_linear(ps, "tile", lscan_feature_count(LSCAN_FEATURES_TILE),
                                       lscan_feature_schema_hash(LSCAN_FEATURES_TILE), tile_name, &m->tile[e])))
                    return rc;
                for (int g = 0; g < LSCAN__REGIONS; g++) {
                    if ((rc = expect_key(ps, "tile-region", &v))) return rc;
                    char idx[8];
                    snprintf(idx, sizeof idx, "%d ", g);
                    if (strncmp(v, idx, strlen(idx)) != 0)
                        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'tile-region %d <mean> <scale>'", g);
                    const char *s = v + strlen(idx);
                    if ((rc = parse_double(ps, &s, "region mean", &m->region_mean[e][g]))) return rc;
                    if ((rc = parse_only_double(ps, s, "region scale", &m->region_scale[e][g]))) return rc;
                    if (!(m->region_scale[e][g] > 0)) return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "region scale must be > 0");
                }
                if ((rc = expect_key(ps, "tile-hot", &v))) return rc;
                if ((rc = parse_only_double(ps, v, "tile-hot", &m->tile_hot[e]))) return rc;
            } else {
                if ((rc = parse_linear(ps, "image", lscan__model_nf(m),
                                       lscan__model_schema_hash_m(m), lscan__model_feature_name_any,
                                       &m->image[e])))
                    return rc;
                if ((rc = expect_key(ps, "image-offset", &v))) return rc;
                if ((rc = parse_only_double(ps, v, "image-offset", &m->image_offset[e]))) return rc;
            }
        }
    }
    if ((rc = parse_declarations(ps, &m->decl))) return rc;
    const char *sum_start = ps->p;
    if ((rc = expect_key(ps, "checksum", &v))) return rc;
    unsigned long long sum;
    used = 0;
    if (strlen(v) != 16 || sscanf(v, "%16llx%n", &sum, &used) != 1 || used != 16)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'checksum <16 hex digits>'");
    if (ps->p != ps->end) {
        ps->lineno++;
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "text after the checksum line");
    }
    uint64_t want = lscan__fnv1a(LSCAN__FNV_OFFSET, ps->start, (size_t)(sum_start - ps->start));
    if (sum != want)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_CHECKSUM, "checksum %016llx, the content gives %016llx (edited or damaged)",
                    sum, (unsigned long long)want);
    return LSCAN_OK;
}

LSCAN_API int lscan_model_parse(lscan_ctx *ctx, const char *text, size_t size, lscan_model **out)
{
    if (out) *out = NULL;
    if (!ctx || !out || (!text && size)) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (size == 0) return lscan__error(ctx, LSCAN_ERR_EMPTY_INPUT, "empty model file");
    if (size > MODEL_MAX_BYTES) return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "model file larger than %u bytes", MODEL_MAX_BYTES);
    lscan_model *m = calloc(1, sizeof *m);
    if (!m) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0) {
        free(m);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot create the C locale");
    }
    locale_t old = uselocale(c);
    lscan__lines ps = {.ctx = ctx, .what = "model", .start = text, .p = text, .end = text + size};
    int rc = parse_model(&ps, m);
    uselocale(old);
    freelocale(c);
    if (rc) {
        lscan_model_free(m);
        return rc;
    }
    *out = m;
    return LSCAN_OK;
}

LSCAN_API int lscan_model_load(lscan_ctx *ctx, const char *path, lscan_model **out)
{
    if (out) *out = NULL;
    if (!ctx || !path || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    char *buf;
    size_t n;
    int rc = lscan__read_file(ctx, path, MODEL_MAX_BYTES, &buf, &n);
    if (!rc) rc = lscan_model_parse(ctx, buf, n, out);
    free(buf);
    if (rc) lscan__error_path(ctx, path);
    return rc;
}

/* Serialises to memory: used by the tests for the write -> read -> write check. */
int lscan__model_text(lscan_ctx *ctx, const lscan_model *m, char **out, size_t *len)
{
    return model_to_text(ctx, m, out, len);
}
