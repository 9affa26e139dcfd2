/* materials.c — dual-energy material calibration: step-wedge measurement, curve fit, plain-text
 * file. */
#include "materials.h"

#include "features/material.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "libscan-materials"
#define VERSION 1
#define MAX_BYTES (1u << 20)
#define MAX_SCANNERS 256
#define BANDWIDTH 0.15 /* of the curve fit, in ln A_high */

static const char *const class_names[LSCAN_MATERIAL_COUNT] = {"none", "organic", "light", "steel",
                                                              "heavy"};

LSCAN_API const char *lscan_material_name(int material)
{
    return material >= 0 && material < LSCAN_MATERIAL_COUNT ? class_names[material] : NULL;
}

LSCAN_API lscan_materials *lscan_materials_new(void)
{
    return calloc(1, sizeof(lscan_materials));
}

LSCAN_API void lscan_materials_free(lscan_materials *m)
{
    if (!m) return;
    free(m->v);
    free(m);
}

LSCAN_API uint32_t lscan_materials_count(const lscan_materials *m)
{
    return m ? m->n : 0;
}

LSCAN_API const char *lscan_materials_scanner(const lscan_materials *m, uint32_t index)
{
    return m && index < m->n ? m->v[index].scanner : NULL;
}

const lscan__matcal *lscan__materials_find(const lscan_materials *m, const char *scanner)
{
    if (!m) return NULL;
    if (!scanner || !scanner[0]) return m->n == 1 ? &m->v[0] : NULL;
    for (uint32_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].scanner, scanner) == 0) return &m->v[i];
    return NULL;
}

/* Bin of an attenuation (any value; clamped to the table). */
static int bin_of(double a)
{
    double b = a * (double)LSCAN__A_ONE / (double)(1 << LSCAN__MAT_BIN_SHIFT);
    if (!(b >= 0)) return 0;
    return b >= LSCAN__MAT_BINS ? LSCAN__MAT_BINS - 1 : (int)b;
}

LSCAN_API double lscan_materials_ratio(const lscan_materials *m, const char *scanner,
                                       uint32_t material, double a_high)
{
    const lscan__matcal *c = lscan__materials_find(m, scanner);
    if (!c || material < 1 || material > LSCAN__MAT_CLASSES) return 0;
    return c->r[material - 1][bin_of(a_high)] / (double)(1 << LSCAN__MAT_R_SHIFT);
}

LSCAN_API int lscan_materials_classify(const lscan_materials *m, const char *scanner, double a_high,
                                       double a_low)
{
    const lscan__matcal *c = lscan__materials_find(m, scanner);
    if (!c || !(a_high > 0) || !(a_low >= 0)) return LSCAN_MATERIAL_NONE;
    int b = bin_of(a_high), best = LSCAN_MATERIAL_NONE;
    double r = a_low / a_high, dist = INFINITY;
    for (int k = 0; k < LSCAN__MAT_CLASSES; k++) {
        if (!c->r[k][b]) continue;
        double d = fabs(r - c->r[k][b] / (double)(1 << LSCAN__MAT_R_SHIFT));
        if (d < dist) dist = d, best = k + 1;
    }
    return best;
}

/* ---- fitting ------------------------------------------------------------- */

LSCAN_API int lscan_materials_fit(lscan_ctx *ctx, lscan_materials *m, const char *scanner,
                                  const lscan_wedge_step *steps, size_t n_steps)
{
    if (!ctx || !m || !scanner || (!steps && n_steps))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    size_t len = strlen(scanner);
    if (len == 0 || len >= LSCAN__SCANNER_MAX)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "materials: a scanner name of 1..%d bytes, not %zu",
                            LSCAN__SCANNER_MAX - 1, len);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)scanner[i] <= 0x20 || scanner[i] == 0x7f)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "materials: scanner names have no spaces or control characters");
    lscan__matcal c;
    memset(&c, 0, sizeof c);
    memcpy(c.scanner, scanner, len + 1);
    for (int k = 0; k < LSCAN__MAT_CLASSES; k++) {
        double lo = INFINITY, hi = 0;
        uint32_t used = 0;
        for (size_t i = 0; i < n_steps; i++) {
            const lscan_wedge_step *s = &steps[i];
            if (s->material != (uint32_t)k + 1 || !(s->a_high > 0.02) || !(s->a_low > 0) ||
                !s->pixels)
                continue;
            lo = s->a_high < lo ? s->a_high : lo;
            hi = s->a_high > hi ? s->a_high : hi;
            used++;
        }
        if (used < 4)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "materials: %u usable steps of %s for %s, at least 4 needed", used,
                                class_names[k + 1], scanner);
        c.a_lo[k] = lo;
        c.a_hi[k] = hi;
        c.steps[k] = used;
        /* Per bin, a local linear fit of R on u = ln A_high: steps weighted
         * by their pixels and a Gaussian of width BANDWIDTH in u around the
         * bin's centre. Follows the curve's shape wherever the steps are
         * dense, averages the scans' noise, and never extrapolates. */
        for (int bin = 0; bin < LSCAN__MAT_BINS; bin++) {
            double ac = (bin + 0.5) * (double)(1 << LSCAN__MAT_BIN_SHIFT) / LSCAN__A_ONE;
            if (ac < lo || ac > hi) continue;
            double uc = log(ac), s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
            for (size_t i = 0; i < n_steps; i++) {
                const lscan_wedge_step *s = &steps[i];
                if (s->material != (uint32_t)k + 1 || !(s->a_high > 0.02) || !(s->a_low > 0) ||
                    !s->pixels)
                    continue;
                double u = log(s->a_high) - uc, z = u / BANDWIDTH;
                double w = (double)s->pixels * exp(-0.5 * z * z), r = s->a_low / s->a_high;
                s0 += w, s1 += w * u, s2 += w * u * u, t0 += w * r, t1 += w * u * r;
            }
            double det = s0 * s2 - s1 * s1;
            double r = det > 1e-12 * s0 * s0 ? (t0 * s2 - t1 * s1) / det : t0 / s0;
            long q = lround(r * (1 << LSCAN__MAT_R_SHIFT));
            if (!(s0 > 0) || q < 1 || q > 65535)
                return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                    "materials: %s's %s ratio at A %.2f cannot be fitted", scanner,
                                    class_names[k + 1], ac);
            c.r[k][bin] = (uint16_t)q;
        }
    }
    for (uint32_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].scanner, scanner) == 0) {
            m->v[i] = c;
            return LSCAN_OK;
        }
    if (m->n >= MAX_SCANNERS)
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "materials: more than %d scanners",
                            MAX_SCANNERS);
    if (m->n == m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 4;
        lscan__matcal *v = realloc(m->v, cap * sizeof *v);
        if (!v) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = c;
    return LSCAN_OK;
}

/* ---- measuring step wedges ---------------------------------------------------- */

LSCAN_API int lscan_wedge_measure(lscan_ctx *ctx, const lscan_image *img, const uint8_t *materials,
                                  size_t stride, lscan_wedge_step *steps, size_t max_steps,
                                  size_t *n_steps)
{
    if (n_steps) *n_steps = 0;
    if (!ctx || !img || !materials || !n_steps || (!steps && max_steps) || stride < img->width)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument or short stride");
    lscan__error_clear(ctx);
    if (img->channels != 2)
        return lscan__error(ctx, LSCAN_ERR_DUAL_MISMATCH,
                            "step wedge: a single-energy image (a dual-energy pair is needed)");
    const uint32_t W = img->width, H = img->height;
    uint16_t *ah = NULL, *al = NULL;
    int rc = lscan__dual_attenuation(ctx, img, &ah, &al, NULL);
    if (rc) return rc;
    uint16_t floor_h = ah[(size_t)W * H], floor_l = al[(size_t)W * H];
    uint32_t *label = calloc((size_t)W * H, sizeof *label);
    uint32_t *stack = malloc((size_t)W * H * sizeof *stack);
    if (!label || !stack) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "step wedge: out of memory");
        goto out;
    }
    size_t n = 0;
    uint32_t next = 0;
    for (uint32_t y0 = 0; y0 < H; y0++)
        for (uint32_t x0 = 0; x0 < W; x0++) {
            size_t i0 = (size_t)y0 * W + x0;
            uint8_t cls = materials[(size_t)y0 * stride + x0];
            if (label[i0] || cls < 1 || cls > LSCAN__MAT_CLASSES) continue;
            /* One step: flood fill, bounding box. */
            next++;
            uint32_t bx0 = x0, bx1 = x0, by0 = y0, by1 = y0;
            size_t sp = 0;
            stack[sp++] = (uint32_t)i0;
            label[i0] = next;
            while (sp) {
                uint32_t t = stack[--sp], x = t % W, y = t / W;
                bx0 = x < bx0 ? x : bx0, bx1 = x > bx1 ? x : bx1;
                by0 = y < by0 ? y : by0, by1 = y > by1 ? y : by1;
                uint32_t nb[4];
                int k = 0;
                if (x > 0) nb[k++] = t - 1;
                if (x + 1 < W) nb[k++] = t + 1;
                if (y > 0) nb[k++] = t - W;
                if (y + 1 < H) nb[k++] = t + W;
                for (int j = 0; j < k; j++) {
                    uint32_t q = nb[j];
                    if (!label[q] && materials[(size_t)(q / W) * stride + q % W] == cls) {
                        label[q] = next;
                        stack[sp++] = q;
                    }
                }
            }
            /* The middle half of the box, pixels of this step only; pixels at
             * the noise floor (dead detector rows, or a step too thick) are
             * left out, and a step with more than 5 % of them is dropped. */
            uint32_t qw = (bx1 - bx0 + 1) / 4, qh = (by1 - by0 + 1) / 4;
            uint64_t sh = 0, sl = 0, cnt = 0, floor = 0;
            for (uint32_t y = by0 + qh; y <= by1 - qh; y++)
                for (uint32_t x = bx0 + qw; x <= bx1 - qw; x++) {
                    size_t i = (size_t)y * W + x;
                    if (label[i] != next) continue;
                    if (ah[i] >= floor_h || al[i] >= floor_l) {
                        floor++;
                        continue;
                    }
                    sh += ah[i];
                    sl += al[i];
                    cnt++;
                }
            if (cnt < 16 || floor * 20 > cnt + floor) continue;
            if (n < max_steps) {
                lscan_wedge_step *s = &steps[n];
                memset(s, 0, sizeof *s);
                s->size = sizeof *s;
                s->material = cls;
                s->pixels = cnt;
                s->a_high = (double)sh / (double)cnt / LSCAN__A_ONE;
                s->a_low = (double)sl / (double)cnt / LSCAN__A_ONE;
            }
            n++;
        }
    *n_steps = n < max_steps ? n : max_steps;
out:
    free(label);
    free(stack);
    free(ah);
    free(al);
    return rc;
}

/* ---- the file ---------------------------------------------------------------- */

static int to_text(lscan_ctx *ctx, const lscan_materials *m, char **out, size_t *len)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot create the C locale");
    locale_t old = uselocale(c);
    lscan__text t = {0};
    lscan__text_put(&t, "%s %d\n", MAGIC, VERSION);
    lscan__text_put(&t, "bins %d %d\n", LSCAN__MAT_BINS, 1 << LSCAN__MAT_BIN_SHIFT);
    lscan__text_put(&t, "scanners %u\n", m->n);
    for (uint32_t i = 0; i < m->n; i++) {
        const lscan__matcal *s = &m->v[i];
        lscan__text_put(&t, "scanner %s\n", s->scanner);
        for (int k = 0; k < LSCAN__MAT_CLASSES; k++) {
            lscan__text_put(&t, "curve %s %.17g %.17g %u", class_names[k + 1], s->a_lo[k], s->a_hi[k],
                s->steps[k]);
            for (int b = 0; b < LSCAN__MAT_BINS; b++)
                lscan__text_put(&t, " %u", s->r[k][b]);
            lscan__text_put(&t, "\n");
        }
    }
    if (!t.failed) lscan__text_put(&t, "checksum %016llx\n", (unsigned long long)lscan__fnv1a(LSCAN__FNV_OFFSET, t.p, t.len));
    uselocale(old);
    freelocale(c);
    if (t.failed) {
        free(t.p);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot format the material calibration");
    }
    *out = t.p;
    *len = t.len;
    return LSCAN_OK;
}

LSCAN_API int lscan_materials_save(lscan_ctx *ctx, const lscan_materials *m, const char *path)
{
    if (!ctx || !m || !path) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    char *text = NULL;
    size_t len = 0;
    int rc = to_text(ctx, m, &text, &len);
    if (rc) return rc;
    rc = lscan__write_file(ctx, path, text, len);
    free(text);
    return rc;
}

/* Parses an unsigned decimal field ending at a space or the end. */
static bool parse_uint(const char **s, unsigned long max, unsigned long *v)
{
    const char *p = *s;
    unsigned long x = 0;
    if (*p < '0' || *p > '9') return false;
    while (*p >= '0' && *p <= '9') {
        x = x * 10 + (unsigned long)(*p++ - '0');
        if (x > max) return false;
    }
    if (*p != ' ' && *p != '\0') return false;
    *v = x;
    *s = *p == ' ' ? p + 1 : p;
    return true;
}

static bool parse_dbl(const char **s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(*s, &end);
    if (end == *s || (*end != ' ' && *end != '\0') || !isfinite(x) || errno == ERANGE) return false;
    *v = x;
    *s = *end == ' ' ? end + 1 : end;
    return true;
}

static int parse(lscan__lines *ps, lscan_materials *m)
{
    int rc;
    unsigned long v, w;
    if ((rc = lscan__lines_next(ps))) return rc;
    char want[64];
    snprintf(want, sizeof want, "%s %d", MAGIC, VERSION);
    if (strncmp(ps->line, MAGIC " ", strlen(MAGIC) + 1) != 0)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VERSION, "not a material calibration (expected '%s')",
                    want);
    if (strcmp(ps->line, want) != 0)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VERSION, "'%.40s': this library reads '%s'", ps->line,
                    want);
    if ((rc = lscan__lines_next(ps))) return rc;
    const char *s = ps->line + 5;
    if (strncmp(ps->line, "bins ", 5) != 0 || !parse_uint(&s, 100000, &v) ||
        !parse_uint(&s, 100000, &w) || *s)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'bins <count> <width>'");
    if (v != LSCAN__MAT_BINS || w != (1u << LSCAN__MAT_BIN_SHIFT))
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_VERSION, "bins %lu of %lu, this library has %d of %d", v, w,
                    LSCAN__MAT_BINS, 1 << LSCAN__MAT_BIN_SHIFT);
    if ((rc = lscan__lines_next(ps))) return rc;
    s = ps->line + 9;
    if (strncmp(ps->line, "scanners ", 9) != 0 || !parse_uint(&s, MAX_SCANNERS, &v) || *s)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'scanners <count>' (at most %d)",
                    MAX_SCANNERS);
    const uint32_t count = (uint32_t)v;
    m->v = calloc(count ? count : 1, sizeof *m->v);
    if (!m->v) return lscan__lines_error(ps, LSCAN_ERR_NO_MEMORY, "out of memory");
    m->cap = count ? count : 1;
    for (uint32_t i = 0; i < count; i++) {
        lscan__matcal *c = &m->v[i];
        if ((rc = lscan__lines_next(ps))) return rc;
        size_t len = strlen(ps->line + 8);
        if (strncmp(ps->line, "scanner ", 8) != 0 || len == 0 || len >= LSCAN__SCANNER_MAX ||
            strchr(ps->line + 8, ' '))
            return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'scanner <name>' (1..%d bytes)",
                        LSCAN__SCANNER_MAX - 1);
        memcpy(c->scanner, ps->line + 8, len + 1);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->v[j].scanner, c->scanner) == 0)
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "scanner '%s' twice", c->scanner);
        for (int k = 0; k < LSCAN__MAT_CLASSES; k++) {
            if ((rc = lscan__lines_next(ps))) return rc;
            char key[32];
            snprintf(key, sizeof key, "curve %s ", class_names[k + 1]);
            s = ps->line + strlen(key);
            unsigned long steps;
            if (strncmp(ps->line, key, strlen(key)) != 0 || !parse_dbl(&s, &c->a_lo[k]) ||
                !parse_dbl(&s, &c->a_hi[k]) || !parse_uint(&s, 0xffffffffu, &steps))
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX,
                            "expected 'curve %s <a_lo> <a_hi> <steps> <%d ratios>'",
                            class_names[k + 1], LSCAN__MAT_BINS);
            if (!(c->a_lo[k] > 0 && c->a_lo[k] <= c->a_hi[k] && c->a_hi[k] <= 16))
                return lscan__lines_error(ps, LSCAN_ERR_MODEL_VALUE, "range %g..%g out of (0, 16]", c->a_lo[k],
                            c->a_hi[k]);
            c->steps[k] = (uint32_t)steps;
            for (int b = 0; b < LSCAN__MAT_BINS; b++) {
                if (!parse_uint(&s, 65535, &v))
                    return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "ratio %d of %s missing or bad", b,
                                class_names[k + 1]);
                c->r[k][b] = (uint16_t)v;
            }
            if (*s) return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "text after the ratios");
        }
        m->n = i + 1;
    }
    const char *sum_start = ps->p;
    if ((rc = lscan__lines_next(ps))) return rc;
    unsigned long long sum;
    int used = 0;
    if (strncmp(ps->line, "checksum ", 9) != 0 || strlen(ps->line) != 25 ||
        sscanf(ps->line + 9, "%16llx%n", &sum, &used) != 1 || used != 16)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "expected 'checksum <16 hex digits>'");
    if (ps->p != ps->end) {
        ps->lineno++;
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_SYNTAX, "text after the checksum line");
    }
    uint64_t got = lscan__fnv1a(LSCAN__FNV_OFFSET, ps->start, (size_t)(sum_start - ps->start));
    if (sum != got)
        return lscan__lines_error(ps, LSCAN_ERR_MODEL_CHECKSUM,
                    "checksum %016llx, the content gives %016llx (edited or damaged)", sum,
                    (unsigned long long)got);
    return LSCAN_OK;
}

LSCAN_API int lscan_materials_parse(lscan_ctx *ctx, const char *text, size_t size,
                                    lscan_materials **out)
{
    if (out) *out = NULL;
    if (!ctx || !out || (!text && size))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (size == 0) return lscan__error(ctx, LSCAN_ERR_EMPTY_INPUT, "empty material calibration");
    if (size > MAX_BYTES)
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "material calibration over %u bytes",
                            MAX_BYTES);
    lscan_materials *m = lscan_materials_new();
    if (!m) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0) {
        free(m);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot create the C locale");
    }
    locale_t old = uselocale(c);
    lscan__lines ps = {.ctx = ctx, .what = "materials", .start = text, .p = text, .end = text + size};
    int rc = parse(&ps, m);
    uselocale(old);
    freelocale(c);
    if (rc) {
        lscan_materials_free(m);
        return rc;
    }
    *out = m;
    return LSCAN_OK;
}

LSCAN_API int lscan_materials_load(lscan_ctx *ctx, const char *path, lscan_materials **out)
{
    if (out) *out = NULL;
    if (!ctx || !path || !out)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    char *buf;
    size_t n;
    int rc = lscan__read_file(ctx, path, MAX_BYTES, &buf, &n);
    if (!rc) rc = lscan_materials_parse(ctx, buf, n, out);
    free(buf);
    if (rc) lscan__error_path(ctx, path);
    return rc;
}
