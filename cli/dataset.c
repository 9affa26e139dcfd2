/* dataset.c — reads labels.csv files and runs per-sample work on a few threads. */
#include "dataset.h"

#include "csv.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Splits one CSV line in place (no quoted fields: synth never writes them;
 * a quote is refused rather than misread). */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) return -1;
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    for (int i = 0; i < n; i++)
        if (strchr(fields[i], '"')) return -1;
    return n;
}

static char *join_dir(const char *dir, const char *name)
{
    if (name[0] == '/' || !dir[0]) return strdup(name);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void sample_free(struct sample *s)
{
    free(s->path);
    free(s->mask_path);
    free(s->subclass);
    free(s->commodity);
    free(s->hs_chapter);
    free(s->world);
}

void dataset_free(struct dataset *ds)
{
    for (size_t i = 0; i < ds->n; i++)
        sample_free(&ds->s[i]);
    free(ds->s);
    ds->s = NULL;
    ds->n = 0;
}

bool dataset_read_all(const char *const *paths, size_t n, const char *commodity_column,
                      struct dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    for (size_t i = 0; i < n; i++) {
        struct dataset one;
        if (!dataset_read_with(paths[i], commodity_column, &one)) {
            dataset_free(ds);
            return false;
        }
        struct sample *s = realloc(ds->s, (ds->n + one.n) * sizeof *s);
        if (!s && ds->n + one.n) {
            cli_error("out of memory");
            dataset_free(&one);
            dataset_free(ds);
            return false;
        }
        ds->s = s;
        memcpy(ds->s + ds->n, one.s, one.n * sizeof *one.s);
        ds->n += one.n;
        free(one.s); /* the samples' strings now belong to ds */
    }
    return true;
}

bool dataset_read(const char *labels_path, struct dataset *ds)
{
    return dataset_read_with(labels_path, NULL, ds);
}

bool dataset_read_with(const char *labels_path, const char *commodity_column, struct dataset *ds)
{
    if (!commodity_column) commodity_column = "commodity";
    const bool from_subclass = strcmp(commodity_column, "subclass") == 0;
    memset(ds, 0, sizeof *ds);
    FILE *f = fopen(labels_path, "r");
    if (!f) {
        cli_error("%s: cannot open", labels_path);
        return false;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", labels_path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else dir[0] = '\0';

    char line[8192];
    char *fields[64];
    int col_file = -1, col_class = -1, col_sub = -1, col_diff = -1, ncols = 0;
    int col_comm = -1, col_hs = -1, col_world = -1;
    size_t lineno = 0, cap = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n') line[--len] = '\0';
        if (len && line[len - 1] == '\r') line[--len] = '\0';
        if (len == 0) continue;
        int n = split_csv(line, fields, 64);
        if (n < 0) {
            cli_error("%s:%zu: quoted or over-long CSV line", labels_path, lineno);
            ok = false;
            break;
        }
        if (ncols == 0) {
            ncols = n;
            for (int i = 0; i < n; i++) {
                if (!strcmp(fields[i], "file")) col_file = i;
                else if (!strcmp(fields[i], "class")) col_class = i;
                else if (!strcmp(fields[i], "subclass")) col_sub = i;
                else if (!strcmp(fields[i], "difficulty")) col_diff = i;
                if (!strcmp(fields[i], commodity_column))
                    col_comm = i;
                else if (!strcmp(fields[i], "hs_chapter"))
                    col_hs = i;
                else if (!strcmp(fields[i], "world"))
                    col_world = i;
            }
            if (strcmp(commodity_column, "commodity") != 0 && col_comm < 0) {
                cli_error("%s:1: no column '%s' for the commodities", labels_path,
                          commodity_column);
                ok = false;
            }
            if (col_file < 0 || col_class < 0) {
                cli_error("%s:1: header must name the columns 'file' and 'class'", labels_path);
                ok = false;
            }
            continue;
        }
        if (n != ncols) {
            cli_error("%s:%zu: %d fields, the header has %d", labels_path, lineno, n, ncols);
            ok = false;
            break;
        }
        struct sample s = {0};
        if (lscan_class_parse(fields[col_class], &s.cls) != LSCAN_OK) {
            cli_error("%s:%zu: unknown class '%s'", labels_path, lineno, fields[col_class]);
            ok = false;
            break;
        }
        s.difficulty = NAN;
        if (col_diff >= 0 && fields[col_diff][0]) {
            char *end;
            s.difficulty = strtod(fields[col_diff], &end);
            if (*end) {
                cli_error("%s:%zu: difficulty '%s' is not a number", labels_path, lineno, fields[col_diff]);
                ok = false;
                break;
            }
        }
        s.path = join_dir(dir, fields[col_file]);
        s.subclass = strdup(col_sub >= 0 ? fields[col_sub] : "");
        bool oom = false;
        if (col_comm >= 0 && fields[col_comm][0] &&
            !(from_subclass && LSCAN_CLASS_IS_INSPECT(s.cls)))
            oom |= !(s.commodity = strdup(fields[col_comm]));
        if (col_hs >= 0 && fields[col_hs][0] && !from_subclass)
            oom |= !(s.hs_chapter = strdup(fields[col_hs]));
        if (col_world >= 0) oom |= !(s.world = strdup(fields[col_world]));
        /* masks/<file name without extension>.png beside the image (beside the
         * labels when the file names no folder), so that a labels file may
         * list scans of several sets: ../other/x.png takes ../other/masks/x.png. */
        char mname[4200];
        const char *base = strrchr(fields[col_file], '/');
        int dlen = base ? (int)(base - fields[col_file]) + 1 : 0;
        base = base ? base + 1 : fields[col_file];
        snprintf(mname, sizeof mname, "%.*smasks/%s", dlen, fields[col_file], base);
        char *dot = strrchr(mname, '.');
        if (dot && dot > mname + dlen + 6) *dot = '\0';
        /* A dual-energy pair in two files is listed by its NAME.high.png. */
        size_t ml = strlen(mname);
        if (ml > (size_t)dlen + 11 && strcmp(mname + ml - 5, ".high") == 0) mname[ml - 5] = '\0';
        strncat(mname, ".png", sizeof mname - strlen(mname) - 1);
        char *mp = join_dir(dir, mname);
        struct stat st;
        if (mp && stat(mp, &st) == 0) s.mask_path = mp;
        else free(mp);
        struct sample *ns = ds->s;
        if (ds->n == cap) ns = realloc(ds->s, (cap ? cap * 2 : 256) * sizeof *ns);
        if (!s.path || !s.subclass || oom || !ns) {
            cli_error("out of memory");
            sample_free(&s);
            ok = false;
            break;
        }
        if (ds->n == cap) cap = cap ? cap * 2 : 256;
        ds->s = ns;
        ds->s[ds->n++] = s;
    }
    fclose(f);
    if (ok && ds->n == 0) {
        cli_error("%s: no samples", labels_path);
        ok = false;
    }
    if (!ok) dataset_free(ds);
    return ok;
}

/* ---- commodity groups ---------------------------------------------------------------------- */

static bool on_group(void *user, char **f, int n, unsigned line)
{
    struct groups *g = user;
    if (!g->header) {
        g->header = true;
        if (n != 2 || strcmp(f[0], "commodity") != 0 || strcmp(f[1], "group") != 0) {
            cli_error("%s:%u: the header must be 'commodity,group'", g->path, line);
            return false;
        }
        return true;
    }
    if (n != 2 || !f[0][0] || !f[1][0]) {
        cli_error("%s:%u: expected 'commodity,group'", g->path, line);
        return false;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        char **c = realloc(g->commodity, cap * sizeof *c), **gr;
        if (c) g->commodity = c;
        gr = c ? realloc(g->group, cap * sizeof *gr) : NULL;
        if (!c || !gr) {
            cli_error("out of memory");
            return false;
        }
        g->group = gr;
        g->cap = cap;
    }
    g->commodity[g->n] = strdup(f[0]);
    g->group[g->n] = strdup(f[1]);
    if (!g->commodity[g->n] || !g->group[g->n]) {
        free(g->commodity[g->n]);
        free(g->group[g->n]);
        cli_error("out of memory");
        return false;
    }
    g->n++;
    return true;
}

void groups_free(struct groups *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->commodity[i]);
        free(g->group[i]);
    }
    free(g->commodity);
    free(g->group);
}

const char *group_of(const struct groups *g, const char *commodity)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->commodity[i], commodity) == 0) return g->group[i];
    return NULL;
}

bool groups_read(const char *path, struct groups *g)
{
    memset(g, 0, sizeof *g);
    g->path = path;
    bool ok = csv_read_file(path, on_group, g);
    if (ok && !g->header) {
        cli_error("%s: empty (expected the header 'commodity,group')", path);
        ok = false;
    }
    if (!ok) groups_free(g);
    return ok;
}

unsigned cli_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

struct par {
    size_t n;
    _Atomic size_t next;
    const char *cpu;
    void (*fn)(void *, size_t, lscan_ctx *);
    void *arg;
    _Atomic int failed;
};

static void *par_worker(void *p)
{
    struct par *w = p;
    lscan_ctx *ctx = cli_ctx_new(w->cpu);
    if (!ctx) {
        atomic_store(&w->failed, 1);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->n) break;
        w->fn(w->arg, i, ctx);
    }
    lscan_ctx_free(ctx);
    return NULL;
}

bool cli_parallel(size_t n, unsigned jobs, const char *cpu, void (*fn)(void *arg, size_t i, lscan_ctx *ctx), void *arg)
{
    struct par w = {.n = n, .cpu = cpu, .fn = fn, .arg = arg};
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, 0);
    if (jobs <= 1) {
        par_worker(&w);
        return !atomic_load(&w.failed);
    }
    pthread_t *th = calloc(jobs, sizeof *th);
    if (!th) return false;
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&th[started], NULL, par_worker, &w) != 0) break;
    if (started == 0) par_worker(&w); /* no thread could start: do the work here */
    for (unsigned i = 0; i < started; i++) pthread_join(th[i], NULL);
    free(th);
    return !atomic_load(&w.failed);
}
