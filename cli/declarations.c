/* declarations.c — the declarations CSV of `scan screen --declarations`: parsed (csv.c), every
 * row checked with the library's rules, paths hashed for the lookup while screening. */
#include "declarations.h"

#include "csv.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static bool rehash(struct declarations *d, size_t nslots)
{
    size_t *slot = calloc(nslots, sizeof *slot);
    if (!slot) return false;
    for (size_t i = 0; i < d->n; i++) {
        size_t k = hash(d->v[i].path) & (nslots - 1);
        while (slot[k])
            k = (k + 1) & (nslots - 1);
        slot[k] = i + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->nslots = nslots;
    return true;
}

struct declared_scan *declarations_find(const struct declarations *d, const char *path)
{
    if (!d || !d->nslots) return NULL;
    for (size_t k = hash(path) & (d->nslots - 1);; k = (k + 1) & (d->nslots - 1)) {
        if (!d->slot[k]) return NULL;
        if (strcmp(d->v[d->slot[k] - 1].path, path) == 0) return &d->v[d->slot[k] - 1];
    }
}

struct reader {
    const char *name;
    struct declarations *d;
    int col_path, col_declared, col_consignment, ncols;
    bool header_done;
};

static bool on_record(void *user, char **f, int n, unsigned line)
{
    struct reader *r = user;
    struct declarations *d = r->d;
    if (!r->header_done) {
        r->header_done = true;
        r->ncols = n;
        r->col_path = r->col_declared = r->col_consignment = -1;
        for (int i = 0; i < n; i++) {
            int *col = !strcmp(f[i], "path")          ? &r->col_path
                       : !strcmp(f[i], "declared")    ? &r->col_declared
                       : !strcmp(f[i], "consignment") ? &r->col_consignment
                                                      : NULL;
            if (!col) {
                cli_error("%s:%u: unknown column '%s' (the columns are path, declared and "
                          "optionally consignment)",
                          r->name, line, f[i]);
                return false;
            }
            if (*col >= 0) {
                cli_error("%s:%u: column '%s' twice", r->name, line, f[i]);
                return false;
            }
            *col = i;
        }
        if (r->col_path < 0 || r->col_declared < 0) {
            cli_error("%s:%u: the header must name the columns 'path' and 'declared'", r->name,
                      line);
            return false;
        }
        return true;
    }
    if (n != r->ncols) {
        cli_error("%s:%u: %d field%s, the header has %d", r->name, line, n, n == 1 ? "" : "s",
                  r->ncols);
        return false;
    }
    const char *path = f[r->col_path], *declared = f[r->col_declared];
    const char *cons = r->col_consignment >= 0 ? f[r->col_consignment] : "";
    if (!path[0]) {
        cli_error("%s:%u: empty path", r->name, line);
        return false;
    }
    struct declared_scan *twice = declarations_find(d, path);
    if (twice) {
        cli_error("%s:%u: %s is already declared on line %u", r->name, line, path, twice->line);
        return false;
    }
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) {
        cli_error("out of memory");
        return false;
    }
    lscan_declaration decl;
    lscan_declaration_init(&decl);
    decl.declared = declared;
    decl.consignment = cons[0] ? cons : NULL;
    int rc = lscan_declaration_check(ctx, &decl);
    if (rc) cli_error("%s:%u: %s", r->name, line, lscan_ctx_error_message(ctx));
    lscan_ctx_free(ctx);
    if (rc) return false;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 256;
        struct declared_scan *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            cli_error("out of memory");
            return false;
        }
        d->v = v;
        d->cap = cap;
    }
    struct declared_scan *s = &d->v[d->n];
    memset(s, 0, sizeof *s);
    s->line = line;
    s->path = strdup(path);
    s->declared = strdup(declared);
    s->consignment = cons[0] ? strdup(cons) : NULL;
    if (!s->path || !s->declared || (cons[0] && !s->consignment)) {
        free(s->path);
        free(s->declared);
        free(s->consignment);
        cli_error("out of memory");
        return false;
    }
    d->n++;
    if (2 * d->n > d->nslots && !rehash(d, d->nslots ? 2 * d->nslots : 1024)) {
        cli_error("out of memory");
        return false;
    }
    size_t k = hash(path) & (d->nslots - 1);
    while (d->slot[k])
        k = (k + 1) & (d->nslots - 1);
    d->slot[k] = d->n;
    return true;
}

static int by_consignment(const void *a, const void *b)
{
    const struct declared_scan *x = *(const struct declared_scan *const *)a,
                               *y = *(const struct declared_scan *const *)b;
    return strcmp(x->consignment, y->consignment);
}

/* Each row's consignment size: the rows sharing its id. */
static bool count_consignments(struct declarations *d)
{
    size_t m = 0;
    struct declared_scan **v = malloc((d->n ? d->n : 1) * sizeof *v);
    if (!v) return false;
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].consignment) v[m++] = &d->v[i];
    qsort(v, m, sizeof *v, by_consignment);
    for (size_t a = 0; a < m;) {
        size_t b = a + 1;
        while (b < m && strcmp(v[a]->consignment, v[b]->consignment) == 0)
            b++;
        for (size_t i = a; i < b; i++)
            v[i]->consignment_size = (uint32_t)(b - a);
        a = b;
    }
    free(v);
    return true;
}

/* After the reader: a file needs its header; then the consignment sizes. */
static bool finish(struct reader *r, bool ok)
{
    if (ok && !r->header_done) {
        cli_error("%s: empty file (it needs a header: path,declared[,consignment])", r->name);
        ok = false;
    }
    if (ok && !count_consignments(r->d)) {
        cli_error("out of memory");
        ok = false;
    }
    if (!ok) declarations_free(r->d);
    return ok;
}

bool declarations_parse(const char *name, const char *data, size_t size, struct declarations *d)
{
    memset(d, 0, sizeof *d);
    struct reader r = {.name = name, .d = d};
    return finish(&r, csv_read_buffer(name, data, size, on_record, &r));
}

bool declarations_read(const char *path, struct declarations *d)
{
    memset(d, 0, sizeof *d);
    struct reader r = {.name = path, .d = d};
    return finish(&r, csv_read_file(path, on_record, &r));
}

void declarations_to_api(const struct declared_scan *s, lscan_declaration *out)
{
    lscan_declaration_init(out);
    if (!s) return;
    out->declared = s->declared;
    out->consignment = s->consignment;
    out->consignment_size = s->consignment_size;
}

void declarations_free(struct declarations *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].path);
        free(d->v[i].declared);
        free(d->v[i].consignment);
    }
    free(d->v);
    free(d->slot);
    memset(d, 0, sizeof *d);
}
