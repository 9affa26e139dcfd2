/* dual.c — the dual-energy model variant: its input (the image model's plus the material features),
 * its file line, and choosing the model and the material calibration for a scan. */
#include "model.h"

#include "../features/feat.h"

#include <stdio.h>
#include <string.h>

uint32_t lscan__model_nf(const lscan_model *m)
{
    return lscan__model_feature_count() + (m ? m->n_mat : 0);
}

const char *lscan__model_feature_name_any(uint32_t i)
{
    uint32_t base = lscan__model_feature_count();
    if (i < base) return lscan__model_feature_name(i);
    return lscan__material_feature_name(i - base);
}

const char *lscan__model_feature_name_m(const lscan_model *m, uint32_t i)
{
    return i < lscan__model_nf(m) ? lscan__model_feature_name_any(i) : NULL;
}

uint64_t lscan__model_schema_hash_m(const lscan_model *m)
{
    if (!m || !m->n_mat) return lscan__model_schema_hash();
    uint64_t h = lscan__fnv1a(LSCAN__FNV_OFFSET, "image-model\n", 12);
    for (uint32_t i = 0; i < lscan__model_nf(m); i++) {
        const char *name = lscan__model_feature_name_any(i);
        h = lscan__fnv1a(h, name, strlen(name));
        h = lscan__fnv1a(h, "\n", 1);
    }
    return h;
}

int lscan__model_parse_variant(lscan_ctx *ctx, const char **p, const char *end, unsigned *lineno,
                               lscan_model *m)
{
    static const char key[] = "variant ";
    size_t k = sizeof key - 1;
    if ((size_t)(end - *p) < k || memcmp(*p, key, k) != 0) return LSCAN_OK;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    unsigned n = 0;
    int used = 0;
    char line[64];
    size_t len = nl ? (size_t)(nl - *p) : 0;
    if (!nl || len >= sizeof line)
        return lscan__error(ctx, LSCAN_ERR_MODEL_SYNTAX, "model line %u: bad variant line",
                            *lineno + 1);
    memcpy(line, *p, len);
    line[len] = '\0';
    if (sscanf(line, "variant dual %u%n", &n, &used) != 1 || line[used] != '\0')
        return lscan__error(ctx, LSCAN_ERR_MODEL_SYNTAX,
                            "model line %u: expected 'variant dual <material features>'",
                            *lineno + 1);
    if (n != LSCAN__MATERIAL_FEATURES)
        return lscan__error(ctx, LSCAN_ERR_MODEL_SCHEMA,
                            "model line %u: %u material features, this library has %d", *lineno + 1,
                            n, LSCAN__MATERIAL_FEATURES);
    m->n_mat = n;
    *p = nl + 1;
    (*lineno)++;
    return LSCAN_OK;
}

LSCAN_API int lscan_model_dual(const lscan_model *model)
{
    return model && model->n_mat ? 1 : 0;
}
