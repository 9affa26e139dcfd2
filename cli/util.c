/* util.c — helpers shared by the subcommands: errors, contexts with CPU selection, number parsing. */
#include "cli.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("scan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_ctx_error(const lscan_ctx *ctx, int status)
{
    const char *msg = ctx ? lscan_ctx_error_message(ctx) : "";
    cli_error("%s (%s)", msg[0] ? msg : lscan_strerror(status), lscan_status_name(status));
}

uint32_t cli_disable_list(const char *list)
{
    /* Names are parsed one by one: one that this library does not know
     * (a feature of another CPU family, a newer name) is skipped with a
     * warning, since disabling what is absent changes nothing, and a fleet's
     * deployment script must not stop scanners on another CPU family. */
    static bool warned; /* once per process: several contexts read the same list */
    uint32_t mask = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ", ");
        if (n > 0 && n < 64) {
            char name[64];
            memcpy(name, p, n);
            name[n] = 0;
            uint32_t bit;
            if (lscan_cpu_features_parse(name, &bit) == LSCAN_OK) {
                mask |= bit;
            } else if (!warned) {
                fprintf(stderr,
                        "scan: warning: LSCAN_DISABLE_CPU_FEATURES: ignoring unknown feature '%s' "
                        "(known: sse2, avx2, neon)\n",
                        name);
            }
        } else if (n >= 64 && !warned) {
            fprintf(stderr,
                    "scan: warning: LSCAN_DISABLE_CPU_FEATURES: ignoring an unknown feature "
                    "name of %zu characters\n",
                    n);
        }
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    warned = true;
    return mask;
}

lscan_ctx *cli_ctx_new(const char *cpu_keep)
{
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) {
        cli_error("out of memory");
        return NULL;
    }
    const char *env = getenv("LSCAN_DISABLE_CPU_FEATURES");
    uint32_t disable = env ? cli_disable_list(env) : 0;
    if (cpu_keep) {
        uint32_t keep;
        if (lscan_cpu_features_parse(cpu_keep, &keep) != LSCAN_OK) {
            cli_error("--cpu: unknown feature in '%s' (known: none, sse2, avx2, neon)", cpu_keep);
            lscan_ctx_free(ctx);
            return NULL;
        }
        disable |= ~keep;
    }
    lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, disable & (LSCAN_CPU_SSE2 | LSCAN_CPU_AVX2 | LSCAN_CPU_NEON));
    return ctx;
}

bool cli_parse_u64(const char *opt, const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) goto bad;
    *out = v;
    return true;
bad:
    cli_error("%s: expected an integer from 0 to %llu, got '%s'", opt, max, s ? s : "");
    return false;
}

bool cli_parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = s && *s ? strtod(s, &end) : NAN;
    if (!(v >= lo && v <= hi) || *end) {
        if (hi == DBL_MAX) cli_error("%s: expected a number >= %g, got '%s'", opt, lo, s ? s : "");
        else cli_error("%s: expected a number from %g to %g, got '%s'", opt, lo, hi, s ? s : "");
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_polarity(const char *s, uint32_t *out)
{
    if (s && strcmp(s, "auto") == 0) *out = LSCAN_POLARITY_AUTO;
    else if (s && strcmp(s, "transmission") == 0) *out = LSCAN_POLARITY_TRANSMISSION;
    else if (s && strcmp(s, "attenuation") == 0) *out = LSCAN_POLARITY_ATTENUATION;
    else {
        cli_error("--polarity: expected auto, transmission or attenuation, got '%s'", s ? s : "");
        return false;
    }
    return true;
}

char *cli_default_model(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = 0;
    static const char *const rel[] = {"/../share/libscan/default.model", "/../../models/default.model"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        size_t len = strlen(exe) + strlen(rel[i]) + 1;
        char *p = malloc(len);
        if (!p) return NULL;
        snprintf(p, len, "%s%s", exe, rel[i]);
        if (access(p, R_OK) == 0) return p;
        free(p);
    }
    return NULL;
}

/* path with the last `from` of its file's own name replaced by `to`, into out; false when
 * the name holds no `from` or out is too small. */
static bool swap_tag(const char *path, const char *from, const char *to, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *hit = NULL;
    for (const char *p = base; (p = strstr(p, from)) != NULL; p++)
        hit = p;
    if (!hit) return false;
    int n = snprintf(out, size, "%.*s%s%s", (int)(hit - path), path, to, hit + strlen(from));
    return n > 0 && (size_t)n < size;
}

bool cli_dual_partner(const char *path, char *low, size_t size)
{
    return swap_tag(path, ".high.", ".low.", low, size);
}

int cli_image_load(lscan_ctx *ctx, const char *path, const lscan_load_options *opts,
                   lscan_image **img)
{
    char low[4096];
    if (cli_dual_partner(path, low, sizeof low))
        return lscan_image_load_dual(ctx, path, low, opts, img);
    return lscan_image_load(ctx, path, opts, img);
}

bool cli_dual_high(const char *path, char *high, size_t size)
{
    return swap_tag(path, ".low.", ".high.", high, size);
}

/* path's folder joined with name. */
static char *beside(const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    int dl = slash ? (int)(slash - path) + 1 : 0;
    size_t n = (size_t)dl + strlen(name) + 1;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%.*s%s", dl, path, name);
    return p;
}

bool cli_dual_models(lscan_ctx *ctx, const char *model_path, const char *dual_path,
                     const char *materials_path, lscan_model **dual, lscan_materials **materials)
{
    *dual = NULL;
    *materials = NULL;
    char *d = dual_path ? NULL : beside(model_path, "dual.model");
    char *m = materials_path ? NULL : beside(model_path, "materials.calib");
    const char *dp = dual_path ? dual_path : d, *mp = materials_path ? materials_path : m;
    bool ok = true;
    /* Beside the model both are optional (then two-plane images are screened
     * on their high-energy plane): one that cannot be loaded there (a dual
     * model of an older feature schema, say) is reported and left out; named
     * ones must load. */
    if (mp && (materials_path || access(mp, R_OK) == 0)) {
        int rc = lscan_materials_load(ctx, mp, materials);
        if (rc) {
            cli_ctx_error(ctx, rc);
            ok = materials_path == NULL;
        }
    }
    if (ok && dp && (dual_path || (access(dp, R_OK) == 0 && *materials))) {
        int rc = lscan_model_load(ctx, dp, dual);
        if (rc && !dual_path) {
            cli_ctx_error(ctx, rc);
            cli_error("%s: not used: two-plane scans are screened on their high-energy plane", dp);
        } else if (rc) {
            cli_ctx_error(ctx, rc);
            ok = false;
        } else if (!lscan_model_dual(*dual)) {
            cli_error("%s: not a dual-energy model", dp);
            ok = false;
        } else if (!*materials) {
            cli_error("%s: a dual-energy model needs a material calibration (--materials)", dp);
            ok = false;
        }
    }
    if (!ok) {
        lscan_model_free(*dual);
        lscan_materials_free(*materials);
        *dual = NULL;
        *materials = NULL;
    }
    free(d);
    free(m);
    return ok;
}
