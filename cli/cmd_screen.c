/* cmd_screen.c — `scan screen`: finds inputs, shards and resumes, drives the library's batch
 * engine, writes CSV/JSONL records. */
/* d_type and DT_* in struct dirent (glibc, the BSDs, macOS): a stat per folder entry saved. */
#define _DEFAULT_SOURCE
#include "cli.h"
#include "declarations.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { FMT_CSV = 0, FMT_JSONL = 1 };

static const char CSV_HEADER[] =
    "path,decision,score,threshold,suspected,status,code,message,reasons,hot_x0,hot_y0,hot_x1,"
    "hot_y1,hot_score,width,height,decode_ms,calibrate_ms,features_ms,classify_ms,declared,"
    "declared_group,consistency,declared_p,recognised,recognised_p,alternatives,loaded_p,"
    "flagged_by,consignment,consignment_score,consignment_sibling\n";

/* ---- growable lists and a set of strings ---------------------------------------------------- */

struct strlist {
    char **v;
    size_t n, cap;
};

static bool list_push(struct strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return false;
        l->v = v;
        l->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c) return false;
    memcpy(c, s, len);
    c[len] = 0;
    l->v[l->n++] = c;
    return true;
}

static void list_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* FNV-1a 64 of a path: the shard rule, documented in docs/cli.md, and the set's hash. */
static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Open addressing; keys are owned copies. */
struct strset {
    char **slot;
    size_t cap, n;
};

static bool set_has(const struct strset *s, const char *k, size_t len)
{
    if (!s->cap) return false;
    for (size_t i = fnv1a(k, len) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slot[i]) return false;
        if (strlen(s->slot[i]) == len && memcmp(s->slot[i], k, len) == 0) return true;
    }
}

static bool set_add(struct strset *s, const char *k, size_t len)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) return false;
        for (size_t j = 0; j < s->cap; j++) {
            if (!s->slot[j]) continue;
            size_t i = fnv1a(s->slot[j], strlen(s->slot[j])) & (cap - 1);
            while (slot[i])
                i = (i + 1) & (cap - 1);
            slot[i] = s->slot[j];
        }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t i = fnv1a(k, len) & (s->cap - 1);
    while (s->slot[i])
        i = (i + 1) & (s->cap - 1);
    char *c = malloc(len + 1);
    if (!c) return false;
    memcpy(c, k, len);
    c[len] = 0;
    s->slot[i] = c;
    s->n++;
    return true;
}

static void set_free(struct strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* ---- finding inputs, one at a time ---------------------------------------------------------- */

/*
 * Inputs are found while screening runs: folders are walked depth first, one
 * sorted listing per folder on the way down, and lists are read line by
 * line, so the first record comes out at once and memory does not grow with
 * the archive. The order is the one a full listing would give: operands in
 * order (folders searched, names sorted, sub-folders where their names
 * fall), then the lists.
 */

#ifdef DT_UNKNOWN
#define ENTRY_TYPE(e) ((e)->d_type)
#else /* no d_type: every entry is looked at with lstat */
#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define ENTRY_TYPE(e) DT_UNKNOWN
#endif

struct entry {
    char *name;
    unsigned char type; /* d_type: DT_DIR, DT_REG, DT_LNK or DT_UNKNOWN */
};

/* A folder being walked: its entries, sorted, and the next one to look at. */
struct frame {
    char *path;
    struct entry *v;
    size_t n, next;
};

struct source {
    const struct strlist *operands, *lists, *exts;
    FILE **list_in; /* lists.n handles, opened before screening starts */
    size_t op, li;  /* next operand, current list */
    struct frame *stack;
    size_t depth, cap;
    char *line;
    size_t line_cap;
    bool quiet;              /* the counting walk reports nothing */
    const atomic_bool *stop; /* the counting walk stops early when set */
    unsigned walk_errors;
    bool list_error;
};

static bool has_ext(const struct strlist *exts, const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || !dot[1]) return false;
    for (size_t i = 0; i < exts->n; i++) {
        const char *e = exts->v[i];
        size_t k = 0;
        for (; e[k] && dot[1 + k]; k++) {
            char c = dot[1 + k];
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            if (c != e[k]) break;
        }
        if (!e[k] && !dot[1 + k]) return true;
    }
    return false;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void walk_error(struct source *s, const char *fmt, const char *path)
{
    s->walk_errors++;
    if (!s->quiet) cli_error(fmt, path, strerror(errno));
}

/* Reads and sorts a folder's entries onto the stack. False when out of
 * memory; an unreadable folder is reported and skipped. */
static bool push_folder(struct source *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        walk_error(s, "screen: cannot read folder %s: %s", dir);
        return true;
    }
    struct frame fr = {0};
    size_t cap = 0;
    bool ok = (fr.path = strdup(dir)) != NULL;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (fr.n == cap) {
            size_t c = cap ? cap * 2 : 64;
            struct entry *v = realloc(fr.v, c * sizeof *v);
            if (!v) {
                ok = false;
                break;
            }
            fr.v = v;
            cap = c;
        }
        fr.v[fr.n].type = (unsigned char)ENTRY_TYPE(e);
        ok = (fr.v[fr.n].name = strdup(e->d_name)) != NULL;
        if (ok) fr.n++;
    }
    closedir(d);
    if (ok && s->depth == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 16;
        struct frame *st = realloc(s->stack, c * sizeof *st);
        if (st) {
            s->stack = st;
            s->cap = c;
        } else {
            ok = false;
        }
    }
    if (!ok) {
        for (size_t i = 0; i < fr.n; i++)
            free(fr.v[i].name);
        free(fr.v);
        free(fr.path);
        return false;
    }
    qsort(fr.v, fr.n, sizeof *fr.v, cmp_entry);
    s->stack[s->depth++] = fr;
    return true;
}

static void pop_folder(struct source *s)
{
    struct frame *fr = &s->stack[--s->depth];
    for (size_t i = 0; i < fr->n; i++)
        free(fr->v[i].name);
    free(fr->v);
    free(fr->path);
}

/* The next input: 1 and *path (malloc'd) set, 0 at the end, -1 when out of
 * memory or a list could not be read (s->list_error). Symbolic links to
 * folders are not followed (no loops); links to files are. */
static int source_next(struct source *s, char **path)
{
    *path = NULL;
    for (;;) {
        if (s->stop && atomic_load(s->stop)) return 0;
        if (s->depth > 0) {
            struct frame *fr = &s->stack[s->depth - 1];
            if (fr->next == fr->n) {
                pop_folder(s);
                continue;
            }
            struct entry *en = &fr->v[fr->next++];
            size_t dl = strlen(fr->path), nl = strlen(en->name);
            bool slash = dl > 0 && fr->path[dl - 1] == '/';
            char *p = malloc(dl + nl + 2);
            if (!p) return -1;
            memcpy(p, fr->path, dl);
            size_t at = dl;
            if (!slash) p[at++] = '/';
            memcpy(p + at, en->name, nl + 1);
            /* The listing's type saves a stat per entry; unknown types and
             * links are looked at. */
            struct stat st;
            bool dir = en->type == DT_DIR, file = en->type == DT_REG;
            if (en->type == DT_UNKNOWN) {
                if (lstat(p, &st) != 0) {
                    walk_error(s, "screen: cannot stat %s: %s", p);
                    free(p);
                    continue;
                }
                dir = S_ISDIR(st.st_mode);
                file = S_ISREG(st.st_mode);
                if (S_ISLNK(st.st_mode)) en->type = DT_LNK;
            }
            if (dir) {
                bool ok = push_folder(s, p);
                free(p);
                if (!ok) return -1;
                continue;
            }
            if (has_ext(s->exts, en->name) &&
                (file || (en->type == DT_LNK && stat(p, &st) == 0 && S_ISREG(st.st_mode)))) {
                *path = p;
                return 1;
            }
            free(p);
            continue;
        }
        if (s->op < s->operands->n) {
            /* A folder is searched, anything else is an input (a missing
             * file then gets its own failure record). */
            const char *a = s->operands->v[s->op++];
            struct stat st;
            if (stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
                if (!push_folder(s, a)) return -1;
                continue;
            }
            return (*path = strdup(a)) ? 1 : -1;
        }
        if (s->li < s->lists->n) {
            /* One path per line ('\n' or "\r\n"), empty lines skipped; listed
             * folders are inputs (recorded as failures, not searched). */
            FILE *in = s->list_in[s->li];
            ssize_t n = in ? getline(&s->line, &s->line_cap, in) : -1;
            if (n < 0) {
                if (in && ferror(in)) {
                    if (!s->quiet) cli_error("screen: cannot read %s", s->lists->v[s->li]);
                    s->list_error = true;
                    return -1;
                }
                s->li++;
                continue;
            }
            while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
                n--;
            if (n == 0) continue;
            *path = malloc((size_t)n + 1);
            if (!*path) return -1;
            memcpy(*path, s->line, (size_t)n);
            (*path)[n] = 0;
            return 1;
        }
        return 0;
    }
}

static void source_free(struct source *s)
{
    while (s->depth > 0)
        pop_folder(s);
    free(s->stack);
    free(s->line);
    s->stack = NULL;
    s->line = NULL;
    s->cap = 0;
}

/* Opens every list before screening starts ('-' is standard input), so a
 * missing list stops the run before anything is screened. */
static FILE **open_lists(const struct strlist *lists, bool quiet)
{
    FILE **in = calloc(lists->n ? lists->n : 1, sizeof *in);
    if (!in) return NULL;
    for (size_t i = 0; i < lists->n; i++) {
        in[i] = strcmp(lists->v[i], "-") == 0 ? stdin : fopen(lists->v[i], "rb");
        if (!in[i]) {
            if (!quiet) cli_error("screen: cannot open %s: %s", lists->v[i], strerror(errno));
            for (size_t j = 0; j < i; j++)
                if (in[j] != stdin) fclose(in[j]);
            free(in);
            return NULL;
        }
    }
    return in;
}

static void close_lists(FILE **in, size_t n)
{
    if (!in) return;
    for (size_t i = 0; i < n; i++)
        if (in[i] && in[i] != stdin) fclose(in[i]);
    free(in);
}

/* ---- records -------------------------------------------------------------------------------- */

struct buf {
    char *p;
    size_t n, cap;
    bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void csv_field(struct buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        buf_str(b, s);
        return;
    }
    buf_str(b, "\"");
    for (const char *c = s; *c; c++) {
        buf_add(b, c, 1);
        if (*c == '"') buf_add(b, c, 1); /* quotes doubled */
    }
    buf_str(b, "\"");
}

/* JSON strings: control characters and quotes escaped; bytes that are not
 * valid UTF-8 are written as \u00XX so the line stays valid JSON (resume
 * reads them back as the original bytes). */
static void json_str(struct buf *b, const char *s)
{
    buf_str(b, "\"");
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned c = *u;
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        bool valid = len > 0;
        for (size_t k = 1; valid && k < len; k++)
            valid = (u[k] & 0xC0) == 0x80;
        if (valid && len == 2 && c < 0xC2) valid = false; /* overlong */
        if (!valid || c < 0x20 || c == '"' || c == '\\') {
            if (c == '"')
                buf_str(b, "\\\"");
            else if (c == '\\')
                buf_str(b, "\\\\");
            else if (c == '\n')
                buf_str(b, "\\n");
            else if (c == '\t')
                buf_str(b, "\\t");
            else
                buf_printf(b, "\\u%04x", c);
            u++;
            continue;
        }
        buf_add(b, (const char *)u, len);
        u += len;
    }
    buf_str(b, "\"");
}

/* Numbers: %.6g is enough to read a score and is the same for any thread
 * count; non-finite values are empty (CSV) or null (JSON). */
static void num(struct buf *b, double v, bool json)
{
    if (isfinite(v))
        buf_printf(b, "%.6g", v);
    else if (json)
        buf_str(b, "null");
}

static void ms(struct buf *b, double seconds)
{
    buf_printf(b, "%.3f", seconds * 1000.0);
}

/* The declaration's fields of a record (docs/cli.md): CSV fields from `declared` to
 * `consignment_sibling`, or JSON members (no braces) in the same order. */
static void declaration_fields(struct buf *b, const lscan_result *r, bool json)
{
    const char *declared = r ? lscan_result_declared(r) : "";
    const char *group = r ? lscan_result_declared_group(r) : NULL;
    uint32_t c = r ? lscan_result_consistency(r) : LSCAN_CONSISTENCY_NONE;
    const char *consistency = c != LSCAN_CONSISTENCY_NONE ? lscan_consistency_name(c) : NULL;
    double rp;
    const char *recognised = r ? lscan_result_recognised(r, &rp) : NULL;
    if (!recognised) rp = NAN;
    struct buf alt = {0}, flags = {0};
    uint32_t na = lscan_result_alternative_count(r);
    for (uint32_t i = 1; i < na; i++) {
        const char *g;
        double p;
        lscan_result_alternative(r, i, &g, &p);
        if (json) {
            buf_str(&alt, i > 1 ? ",{\"group\":" : "{\"group\":");
            json_str(&alt, g);
            buf_str(&alt, ",\"p\":");
            num(&alt, p, true);
            buf_str(&alt, "}");
        } else {
            buf_printf(&alt, "%s%s:%.4g", i > 1 ? ";" : "", g, p);
        }
    }
    uint32_t checks = r ? lscan_result_checks(r) : LSCAN_CHECK_FAILED;
    for (uint32_t bit = 1, k = 0; bit && bit <= LSCAN_CHECK_CONSIGNMENT_OUTLIER; bit <<= 1) {
        if (!(checks & bit)) continue;
        if (json) {
            buf_str(&flags, k++ ? "," : "");
            json_str(&flags, lscan_check_name(bit));
        } else {
            buf_printf(&flags, "%s%s", k++ ? ";" : "", lscan_check_name(bit));
        }
    }
    const char *cons = r ? lscan_result_consignment(r) : NULL;
    const char *sibling = r ? lscan_result_consignment_sibling(r, NULL) : NULL;
    double cscore = r ? lscan_result_consignment_score(r) : NAN;
    if (json) {
        buf_str(b, "\"declared\":");
        json_str(b, declared);
        buf_str(b, ",\"declared_group\":");
        if (group)
            json_str(b, group);
        else
            buf_str(b, "null");
        buf_str(b, ",\"consistency\":");
        if (consistency)
            json_str(b, consistency);
        else
            buf_str(b, "null");
        buf_str(b, ",\"declared_p\":");
        num(b, lscan_result_declared_p(r), true);
        buf_str(b, ",\"recognised\":");
        if (recognised)
            json_str(b, recognised);
        else
            buf_str(b, "null");
        buf_str(b, ",\"recognised_p\":");
        num(b, rp, true);
        buf_str(b, ",\"alternatives\":[");
        buf_str(b, alt.p ? alt.p : "");
        buf_str(b, "],\"loaded_p\":");
        num(b, lscan_result_loaded_p(r), true);
        buf_str(b, ",\"flagged_by\":[");
        buf_str(b, flags.p ? flags.p : "");
        buf_str(b, "],\"consignment\":");
        if (cons)
            json_str(b, cons);
        else
            buf_str(b, "null");
        buf_str(b, ",\"consignment_score\":");
        num(b, cscore, true);
        buf_str(b, ",\"consignment_sibling\":");
        if (sibling)
            json_str(b, sibling);
        else
            buf_str(b, "null");
    } else {
        csv_field(b, declared);
        buf_str(b, ",");
        csv_field(b, group ? group : "");
        buf_printf(b, ",%s,", consistency ? consistency : "");
        num(b, lscan_result_declared_p(r), false);
        buf_printf(b, ",%s,", recognised ? recognised : "");
        num(b, rp, false);
        buf_str(b, ",");
        csv_field(b, alt.p ? alt.p : "");
        buf_str(b, ",");
        num(b, lscan_result_loaded_p(r), false);
        buf_printf(b, ",%s,", flags.p ? flags.p : "");
        csv_field(b, cons ? cons : "");
        buf_str(b, ",");
        num(b, cscore, false);
        buf_str(b, ",");
        csv_field(b, sibling ? sibling : "");
    }
    if (alt.failed || flags.failed) b->failed = true;
    free(alt.p);
    free(flags.p);
}

static void format_record(struct buf *b, int fmt, const char *path, const lscan_result *r)
{
    int status = r ? lscan_result_status(r) : LSCAN_ERR_NO_MEMORY;
    uint32_t decision = r ? lscan_result_decision(r) : LSCAN_INSPECT;
    const char *msg = r ? lscan_result_message(r) : "out of memory";
    uint32_t w = 0, h = 0;
    lscan_result_image_size(r, &w, &h);
    uint32_t nr = lscan_result_reason_count(r), nh = lscan_result_hot_tile_count(r);
    const char *dec = decision == LSCAN_RELEASE ? "RELEASE" : "INSPECT";
    bool json = fmt == FMT_JSONL;
    /* The INSPECT class the scan most resembles (empty when it was not scored). */
    int cls = r ? lscan_result_suspected_class(r) : -1;
    const char *suspected = cls >= 0 ? lscan_class_name(cls) : NULL;
    if (json) {
        buf_str(b, "{\"path\":");
        json_str(b, path);
        buf_printf(b, ",\"decision\":\"%s\",\"score\":", dec);
        num(b, lscan_result_score(r), true);
        buf_str(b, ",\"threshold\":");
        num(b, lscan_result_threshold(r), true);
        buf_str(b, ",\"suspected\":");
        if (suspected)
            json_str(b, suspected);
        else
            buf_str(b, "null");
        buf_printf(b, ",\"status\":\"%s\",\"code\":%d,\"message\":", lscan_status_name(status),
                   status);
        json_str(b, msg);
        buf_str(b, ",\"reasons\":[");
        for (uint32_t i = 0; i < nr; i++) {
            const char *name;
            double v, c;
            lscan_result_reason(r, i, &name, &v, &c);
            buf_str(b, i ? ",{\"feature\":" : "{\"feature\":");
            json_str(b, name);
            buf_str(b, ",\"value\":");
            num(b, v, true);
            buf_str(b, ",\"contribution\":");
            num(b, c, true);
            buf_str(b, "}");
        }
        buf_str(b, "],\"hot_tiles\":[");
        for (uint32_t i = 0; i < nh; i++) {
            lscan_box box;
            double s;
            lscan_result_hot_tile(r, i, &box, &s);
            buf_printf(b, "%s{\"x0\":%u,\"y0\":%u,\"x1\":%u,\"y1\":%u,\"score\":", i ? "," : "",
                       box.x0, box.y0, box.x1, box.y1);
            num(b, s, true);
            buf_str(b, "}");
        }
        buf_str(b, "],");
        declaration_fields(b, r, true);
        buf_printf(b, ",\"width\":%u,\"height\":%u,\"timings_ms\":{\"decode\":", w, h);
        ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_DECODE));
        buf_str(b, ",\"calibrate\":");
        ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_CALIBRATE));
        buf_str(b, ",\"features\":");
        ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_FEATURES));
        buf_str(b, ",\"classify\":");
        ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_CLASSIFY));
        buf_str(b, "}}\n");
        return;
    }
    csv_field(b, path);
    buf_printf(b, ",%s,", dec);
    num(b, lscan_result_score(r), false);
    buf_str(b, ",");
    num(b, lscan_result_threshold(r), false);
    buf_printf(b, ",%s", suspected ? suspected : "");
    buf_printf(b, ",%s,%d,", lscan_status_name(status), status);
    csv_field(b, msg);
    /* Reasons as "feature:contribution;..." in one field, strongest first. */
    struct buf rs = {0};
    for (uint32_t i = 0; i < nr; i++) {
        const char *name;
        double c;
        lscan_result_reason(r, i, &name, NULL, &c);
        buf_printf(&rs, "%s%s:%.4g", i ? ";" : "", name, c);
    }
    buf_str(b, ",");
    csv_field(b, rs.p ? rs.p : "");
    free(rs.p);
    lscan_box box;
    double s;
    if (nh && lscan_result_hot_tile(r, 0, &box, &s) == LSCAN_OK) {
        buf_printf(b, ",%u,%u,%u,%u,", box.x0, box.y0, box.x1, box.y1);
        num(b, s, false);
    } else {
        buf_str(b, ",,,,,");
    }
    buf_printf(b, ",%u,%u,", w, h);
    ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_DECODE));
    buf_str(b, ",");
    ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_CALIBRATE));
    buf_str(b, ",");
    ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_FEATURES));
    buf_str(b, ",");
    ms(b, lscan_result_stage_seconds(r, LSCAN_STAGE_CLASSIFY));
    buf_str(b, ",");
    declaration_fields(b, r, false);
    buf_str(b, "\n");
}

/* ---- resume: the paths already recorded ----------------------------------------------------- */

/* Calls fn(path, record, record_len) for every complete record of a CSV or
 * JSONL file held in memory; an unterminated last record (a run killed
 * mid-write) is ignored. Returns the format seen (-1 for an empty file). */
typedef bool (*record_fn)(void *user, const char *path, size_t path_len, const char *rec,
                          size_t rec_len);

static int scan_records(const char *data, size_t size, record_fn fn, void *user, bool *ok)
{
    *ok = true;
    if (size == 0) return -1;
    if (data[0] == '{') {
        struct buf path = {0};
        for (size_t at = 0; at < size && *ok;) {
            const char *nl = memchr(data + at, '\n', size - at);
            if (!nl) break; /* unterminated: dropped */
            size_t len = (size_t)(nl - (data + at)) + 1;
            static const char key[] = "{\"path\":\"";
            const char *q = data + at + sizeof key - 1;
            path.n = 0;
            bool good = len > sizeof key && memcmp(data + at, key, sizeof key - 1) == 0;
            while (good && q < nl && *q != '"') {
                if (*q != '\\') {
                    buf_add(&path, q++, 1);
                    continue;
                }
                char e = q + 1 < nl ? q[1] : 0;
                if (e == 'u' && q + 5 < nl) {
                    char hex[5] = {q[2], q[3], q[4], q[5], 0};
                    unsigned long v = strtoul(hex, NULL, 16);
                    char byte = (char)v;
                    good = v < 0x100;
                    buf_add(&path, &byte, 1);
                    q += 6;
                } else {
                    char c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
                    good = e != 0;
                    buf_add(&path, &c, 1);
                    q += 2;
                }
            }
            if (good && q < nl && !path.failed)
                *ok = fn(user, path.p ? path.p : "", path.n, data + at, len);
            at += len;
        }
        if (path.failed) *ok = false;
        free(path.p);
        return FMT_JSONL;
    }
    /* CSV (RFC 4180): the first field of each record after the header. */
    struct buf field = {0};
    size_t start = 0;
    bool header = true, first = true, quoted = false;
    for (size_t i = 0; i < size && *ok; i++) {
        char c = data[i];
        if (quoted) {
            if (c == '"' && i + 1 < size && data[i + 1] == '"') {
                if (first) buf_add(&field, "\"", 1);
                i++;
            } else if (c == '"') {
                quoted = false;
            } else if (first) {
                buf_add(&field, &c, 1);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            first = false;
        } else if (c == '\n') {
            if (!header && !field.failed)
                *ok = fn(user, field.p ? field.p : "", field.n, data + start, i + 1 - start);
            header = false;
            first = true;
            field.n = 0;
            start = i + 1;
        } else if (first && c != '\r') {
            buf_add(&field, &c, 1);
        }
    }
    if (field.failed) *ok = false;
    free(field.p);
    return FMT_CSV;
}

struct resume {
    struct strset done;
    FILE *out; /* where the kept records are copied */
};

static bool keep_record(void *user, const char *path, size_t n, const char *rec, size_t len)
{
    struct resume *r = user;
    if (set_has(&r->done, path, n))
        return true; /* recorded twice (old output and partial): keep one */
    if (!set_add(&r->done, path, n)) return false;
    return fwrite(rec, 1, len, r->out) == len;
}

static char *read_file(const char *path, size_t *size, bool *missing)
{
    *missing = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        return NULL;
    }
    struct buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(&b, tmp, n);
    bool bad = ferror(f) || b.failed;
    fclose(f);
    if (bad) {
        free(b.p);
        return NULL;
    }
    *size = b.n;
    return b.p ? b.p : calloc(1, 1);
}

/* ---- the run -------------------------------------------------------------------------------- */

/* The counting walk: the same inputs through the same filters, counted in a
 * thread of its own ahead of screening, so that the progress bar shows the
 * total and the time left long before the last input is reached. Nothing is
 * kept but the count. A list on standard input cannot be read twice: the
 * total then stays unknown. */
struct counter {
    struct source src;
    unsigned long shard_k, shard_n;
    const struct strset *done; /* --resume: read only while the thread runs */
    atomic_ullong count;
    atomic_bool finished; /* count is the total */
    atomic_bool stop;
    pthread_t tid;
    bool started;
};

/* Whether an input is screened: in this shard (a hash of the path string,
 * so each machine decides alone and the same way) and not already recorded. */
static bool in_shard(const char *path, unsigned long k, unsigned long n)
{
    return n <= 1 || fnv1a(path, strlen(path)) % n == k - 1;
}

static void *count_main(void *arg)
{
    struct counter *c = arg;
    char *p;
    int r;
    while ((r = source_next(&c->src, &p)) == 1) {
        if (in_shard(p, c->shard_k, c->shard_n) && !(c->done && set_has(c->done, p, strlen(p))))
            atomic_fetch_add(&c->count, 1);
        free(p);
    }
    if (r == 0 && !atomic_load(&c->stop)) atomic_store(&c->finished, true);
    return NULL;
}

struct run {
    int fmt;
    FILE *out;
    const char *out_path;
    bool out_error;
    uint64_t done, released, inspected, failed;
    double t0, last_progress;
    bool progress;
    struct counter *counter; /* the total, once known (NULL: never) */
    /* overlays, written in the worker threads */
    const char *overlay_dir;
    bool overlay_all; /* also for RELEASE decisions */
    lscan_overlay_options overlay;
    atomic_uint overlay_errors;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* While the total is unknown: the count screened and the rate; once the
 * counting walk has ended: a bar, done/total, the rate and the time left. */
static void show_progress(struct run *run, bool last)
{
    double t = now();
    if (!last && t - run->last_progress < 0.2) return;
    run->last_progress = t;
    double el = t - run->t0, rate = el > 0 ? run->done / el : 0;
    bool known = run->counter && atomic_load(&run->counter->finished);
    if (!known) {
        fprintf(stderr, "\r%llu screened  %.1f images/s  (counting inputs%s%llu) \033[K",
                (unsigned long long)run->done, rate, run->counter ? ": " : "",
                run->counter ? (unsigned long long)atomic_load(&run->counter->count) : 0ull);
        if (last) fputs("\r\033[K", stderr);
        return;
    }
    uint64_t total = atomic_load(&run->counter->count);
    if (total < run->done) total = run->done; /* inputs added while running */
    double eta = rate > 0 ? (double)(total - run->done) / rate : 0;
    int width = 30, fill = total ? (int)(width * run->done / total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r[%s] %llu/%llu  %.1f images/s  ETA %d:%02d \033[K", bar,
            (unsigned long long)run->done, (unsigned long long)total, rate, (int)(eta / 60),
            (int)eta % 60);
    if (last) fputs("\r\033[K", stderr);
}

static int on_result(void *user, uint64_t index, const char *path, const lscan_result *r)
{
    (void)index;
    struct run *run = user;
    struct buf b = {0};
    format_record(&b, run->fmt, path ? path : "", r);
    /* One write and a flush per record: a crash leaves whole lines only (resume drops a cut one).
     */
    if (b.failed || fwrite(b.p, 1, b.n, run->out) != b.n || fflush(run->out) != 0) {
        free(b.p);
        cli_error("screen: cannot write %s: %s", run->out_path, strerror(errno));
        run->out_error = true;
        return 1; /* stop: records that cannot be written must not be screened and lost */
    }
    free(b.p);
    run->done++;
    int status = r ? lscan_result_status(r) : LSCAN_ERR_NO_MEMORY;
    if (status != LSCAN_OK) run->failed++;
    if (r && lscan_result_decision(r) == LSCAN_RELEASE)
        run->released++;
    else
        run->inspected++;
    if (run->progress) show_progress(run, false);
    return 0;
}

/* The overlay's file name: the input path with '/' turned into '_' (leading
 * "./" and "/" dropped) plus the format's extension, so that inputs with the
 * same name in different folders do not overwrite each other. */
static char *overlay_path(const struct run *run, const char *path)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    while (path[0] == '/')
        path++;
    size_t dl = strlen(run->overlay_dir), pl = strlen(path);
    char *p = malloc(dl + pl + 6);
    if (!p) return NULL;
    memcpy(p, run->overlay_dir, dl);
    p[dl] = '/';
    for (size_t i = 0; i < pl; i++)
        p[dl + 1 + i] = path[i] == '/' ? '_' : path[i];
    strcpy(p + dl + 1 + pl, run->overlay.format == LSCAN_OVERLAY_JPEG ? ".jpg" : ".png");
    return p;
}

static void on_image(void *user, lscan_ctx *ctx, uint64_t index, const char *path,
                     const lscan_image *img, const lscan_result *r)
{
    (void)index;
    struct run *run = user;
    if (!run->overlay_all && lscan_result_decision(r) == LSCAN_RELEASE) return;
    char *out = overlay_path(run, path ? path : "image");
    int rc = out ? lscan_overlay_write(ctx, img, r, out, &run->overlay) : LSCAN_ERR_NO_MEMORY;
    if (rc) {
        fprintf(stderr, "\nscan: overlay for %s: %s (%s)\n", path ? path : "image",
                lscan_ctx_error_message(ctx)[0] ? lscan_ctx_error_message(ctx) : lscan_strerror(rc),
                lscan_status_name(rc));
        atomic_fetch_add(&run->overlay_errors, 1);
    }
    free(out);
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: scan screen [options] PATH...\n"
        "       scan screen [options] --files-from FILE   (or '-' for a list on stdin)\n\n"
        "Screens image files and folders (searched recursively) and writes one record per\n"
        "input: path, decision, score, threshold, status, code, message, reasons, hottest\n"
        "tile, image size and per-stage timings. Inputs that cannot be read or analysed are\n"
        "recorded as INSPECT with their error. See docs/cli.md.\n\n"
        "options:\n"
        "  --files-from FILE    read input paths, one per line ('-' = stdin)\n"
        "  --ext LIST           extensions searched in folders (default png,jpg,jpeg,pgm,pnm)\n"
        "  --model FILE         model file (default: the installed or in-tree default.model)\n"
        "  --jobs N             worker threads (default: all cores)\n"
        "  --format csv|jsonl   record format (default csv)\n"
        "  -o FILE              write records to FILE (atomically: FILE.partial renamed at\n"
        "                       the end, flushed record by record); default stdout\n"
        "  --resume             skip inputs already recorded in FILE or FILE.partial (needs -o)\n"
        "  --threshold X        decision threshold in [0,1] instead of the model's (and of\n"
        "                       the declared groups' operating points)\n"
        "  --polarity P         how the pixels are stored: auto (default: voted by the air\n"
        "                       bands), transmission or attenuation; an archive of cropped\n"
        "                       attenuation displays (no air to vote on) needs attenuation\n"
        "  --declarations FILE  what each scan's paperwork declares: a CSV with a header and\n"
        "                       the columns path, declared (empty, an HS code or a cargo kind)\n"
        "                       and optionally consignment; paths are matched as given; inputs\n"
        "                       not in it are screened without a declaration. A malformed row\n"
        "                       stops the run before anything is screened (docs/declarations.md)\n"
        "  --dual-model FILE    dual energy: the model for two-plane scans (grey+alpha PNGs,\n"
        "                       NAME.high.* + NAME.low.* pairs); default dual.model beside the\n"
        "                       model when it and materials.calib are there; without one,\n"
        "                       two-plane scans are screened on their high-energy plane\n"
        "  --materials FILE     dual energy: the material calibration ('scan calibrate');\n"
        "                       default materials.calib beside the model; overlays of\n"
        "                       two-plane scans are then in material pseudo-colour\n"
        "  --shard K/N          screen only shard K of N (1 <= K <= N): inputs whose path's\n"
        "                       FNV-1a 64 hash modulo N is K-1\n"
        "  --overlay-dir DIR    write an overlay image into DIR for each input decided INSPECT\n"
        "                       (that could be decoded): DIR/<path with '/' as '_'>.png\n"
        "  --overlay-all        overlays for RELEASE decisions too\n"
        "  --overlay-format png|jpg   (default png)\n"
        "  --overlay-width N    overlay width at most N pixels (default 1600)\n"
        "  --cpu LIST           keep only these CPU features (e.g. sse2, none)\n"
        "  --time-budget MS     per-input time budget, checked while decoding, calibrating,\n"
        "                       computing features and classifying: an input that runs past\n"
        "                       it is INSPECT with status time_budget (default 0 = none)\n"
        "  --memory-budget MB   per-worker memory budget in MiB (default 256; 0 = none): an\n"
        "                       input whose decoding or analysis would need more is INSPECT\n"
        "                       with status too_large, found from its header before it is\n"
        "                       decoded; --jobs N x MB bounds what the workers hold\n"
        "  --no-progress        no progress bar (it is shown only when stderr is a terminal;\n"
        "                       count and rate until the inputs are counted, then total and "
        "ETA)\n\n"
        "exit codes: 0 every input screened; 1 some inputs failed (recorded as INSPECT) or\n"
        "some folders or overlays could not be read/written; 2 usage, model or output error.\n"
        "For batch use set OPENBLAS_NUM_THREADS=1: the batch already uses every core.\n");
}

static bool parse_shard(const char *s, unsigned long *k, unsigned long *n)
{
    char *end;
    errno = 0;
    *k = strtoul(s, &end, 10);
    if (errno || end == s || *end != '/' || *s == '-') return false;
    const char *m = end + 1;
    *n = strtoul(m, &end, 10);
    if (errno || end == m || *end || *m == '-') return false;
    return *n >= 1 && *k >= 1 && *k <= *n && *n <= 1000000;
}

int cmd_screen(int argc, char **argv)
{
    struct strlist operands = {0}, lists = {0}, exts = {0};
    struct source src = {0};
    struct counter counter = {0};
    FILE **list_in = NULL;
    const char *model_path = NULL, *out_path = NULL, *cpu = NULL, *dual_path = NULL,
               *materials_path = NULL, *ext_list = "png,jpg,jpeg,pgm,pnm";
    unsigned long long jobs = 0, overlay_width = 1600, time_budget = 0,
                       memory_budget = LSCAN_DEFAULT_MEMORY_BUDGET >> 20;
    unsigned long shard_k = 1, shard_n = 1;
    double threshold = -1;
    uint32_t polarity = LSCAN_POLARITY_AUTO;
    bool resume = false, no_progress = false;
    struct run run = {0};
    const char *declarations_path = NULL;
    struct declarations decls = {0};
    lscan_overlay_options_init(&run.overlay);
    atomic_init(&run.overlay_errors, 0);
    int ret = EXIT_USAGE;
    bool ok = true;

    for (int i = 1; i < argc && ok; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            ret = EXIT_OK;
            goto done;
        } else if (strcmp(a, "--resume") == 0) {
            resume = true, takes = false;
        } else if (strcmp(a, "--overlay-all") == 0) {
            run.overlay_all = true, takes = false;
        } else if (strcmp(a, "--no-progress") == 0) {
            no_progress = true, takes = false;
        } else if (strcmp(a, "-") == 0) {
            ok = list_push(&lists, "-", 1), takes = false;
        } else if (a[0] != '-' || strcmp(a, "--") == 0) {
            if (strcmp(a, "--") == 0) {
                for (i++; i < argc && ok; i++)
                    ok = list_push(&operands, argv[i], strlen(argv[i]));
                break;
            }
            ok = list_push(&operands, a, strlen(a)), takes = false;
        } else if (!v) {
            cli_error("screen: %s needs a value (see 'scan screen --help')", a);
            goto done;
        } else if (strcmp(a, "--files-from") == 0) {
            ok = list_push(&lists, v, strlen(v));
        } else if (strcmp(a, "--ext") == 0) {
            ext_list = v;
        } else if (strcmp(a, "--model") == 0) {
            model_path = v;
        } else if (strcmp(a, "--dual-model") == 0) {
            dual_path = v;
        } else if (strcmp(a, "--materials") == 0) {
            materials_path = v;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            if (!cli_parse_u64(a, v, 1024, &jobs) || jobs == 0) {
                if (jobs == 0) cli_error("screen: --jobs must be at least 1");
                goto done;
            }
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "csv") == 0)
                run.fmt = FMT_CSV;
            else if (strcmp(v, "jsonl") == 0)
                run.fmt = FMT_JSONL;
            else {
                cli_error("screen: --format must be csv or jsonl, got '%s'", v);
                goto done;
            }
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            out_path = v;
        } else if (strcmp(a, "--threshold") == 0) {
            if (!cli_parse_double(a, v, 0, 1, &threshold)) goto done;
        } else if (strcmp(a, "--polarity") == 0) {
            if (!cli_parse_polarity(v, &polarity)) goto done;
        } else if (strcmp(a, "--shard") == 0) {
            if (!parse_shard(v, &shard_k, &shard_n)) {
                cli_error("screen: --shard must be K/N with 1 <= K <= N, got '%s'", v);
                goto done;
            }
        } else if (strcmp(a, "--declarations") == 0) {
            declarations_path = v;
        } else if (strcmp(a, "--overlay-dir") == 0) {
            run.overlay_dir = v;
        } else if (strcmp(a, "--overlay-format") == 0) {
            if (strcmp(v, "png") == 0)
                run.overlay.format = LSCAN_OVERLAY_PNG;
            else if (strcmp(v, "jpg") == 0 || strcmp(v, "jpeg") == 0)
                run.overlay.format = LSCAN_OVERLAY_JPEG;
            else {
                cli_error("screen: --overlay-format must be png or jpg, got '%s'", v);
                goto done;
            }
        } else if (strcmp(a, "--overlay-width") == 0) {
            if (!cli_parse_u64(a, v, 65536, &overlay_width)) goto done;
            if (overlay_width < 64) {
                cli_error("screen: --overlay-width must be at least 64");
                goto done;
            }
            run.overlay.max_width = (uint32_t)overlay_width;
        } else if (strcmp(a, "--cpu") == 0) {
            cpu = v;
        } else if (strcmp(a, "--time-budget") == 0) {
            if (!cli_parse_u64(a, v, 86400000, &time_budget)) goto done;
        } else if (strcmp(a, "--memory-budget") == 0) {
            if (!cli_parse_u64(a, v, 1ull << 30, &memory_budget)) goto done;
        } else {
            cli_error("screen: unknown option '%s' (see 'scan screen --help')", a);
            goto done;
        }
        if (takes) i++;
    }
    if (!ok) goto nomem;
    if (!operands.n && !lists.n) {
        cli_error("screen: no inputs (give files, folders, --files-from FILE or '-')");
        goto done;
    }
    if (resume && !out_path) {
        cli_error("screen: --resume needs -o FILE (the records to resume from)");
        goto done;
    }
    /* Extensions: a comma list, dots optional, compared in lower case. */
    for (const char *p = ext_list; *p;) {
        while (*p == ',' || *p == '.')
            p++;
        size_t n = strcspn(p, ",");
        if (n) {
            if (!list_push(&exts, p, n)) goto nomem;
            for (char *c = exts.v[exts.n - 1]; *c; c++)
                if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        }
        p += n;
    }
    if (!exts.n) {
        cli_error("screen: --ext: no extension in '%s'", ext_list);
        goto done;
    }

    /* The declarations are read and checked whole: a malformed row stops the run before
     * anything is screened. */
    if (declarations_path && !declarations_read(declarations_path, &decls)) goto done;

    /* Inputs are found while screening runs (source_next); the lists are
     * opened now so that a missing one stops the run before anything. */
    list_in = open_lists(&lists, false);
    if (!list_in) goto done;
    src.operands = &operands;
    src.lists = &lists;
    src.exts = &exts;
    src.list_in = list_in;

    lscan_ctx *ctx = cli_ctx_new(cpu);
    if (!ctx) goto done;
    /* Worker contexts inherit them from this one (lscan_batch_new). */
    lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, (int64_t)time_budget);
    lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, (int64_t)(memory_budget << 20));
    char *found = model_path ? NULL : cli_default_model();
    if (!model_path && !found) {
        cli_error(
            "screen: no model found next to the executable (../share/libscan/default.model or "
            "../../models/default.model): pass --model FILE");
        lscan_ctx_free(ctx);
        goto done;
    }
    lscan_model *model = NULL, *dual = NULL;
    lscan_materials *mats = NULL;
    int rc = lscan_model_load(ctx, model_path ? model_path : found, &model);
    /* Dual energy: a dual model and the material calibration for two-plane
     * images, named or beside the model. */
    if (!rc && !cli_dual_models(ctx, model_path ? model_path : found, dual_path, materials_path,
                                &dual, &mats)) {
        lscan_model_free(model);
        rc = EXIT_USAGE;
    } else if (rc) {
        cli_ctx_error(ctx, rc);
    }
    free(found);
    if (rc) {
        lscan_ctx_free(ctx);
        goto done;
    }

    /* Output: stdout, or FILE.partial renamed to FILE at the end. */
    char *partial = NULL;
    struct resume rs = {0};
    uint64_t skipped = 0;
    run.out = stdout;
    run.out_path = "standard output";
    if (out_path) {
        size_t n = strlen(out_path);
        partial = malloc(n + 16);
        char *staging = malloc(n + 16);
        if (!partial || !staging) {
            free(partial);
            free(staging);
            lscan_model_free(model);
            lscan_model_free(dual);
            lscan_materials_free(mats);
            lscan_ctx_free(ctx);
            goto nomem;
        }
        snprintf(partial, n + 16, "%s.partial", out_path);
        snprintf(staging, n + 16, "%s.resuming", out_path);
        run.out_path = partial;
        bool fail = false;
        if (resume) {
            /* Keep every whole record of the interrupted run (FILE.partial) and of a finished one
             * (FILE), once each, in a staging file renamed over FILE.partial: a crash while
             * copying leaves the old records where they were. */
            rs.out = fopen(staging, "wb");
            fail = !rs.out;
            bool wrote_header = false;
            const char *sources[2] = {partial, out_path};
            for (int s = 0; s < 2 && !fail; s++) {
                bool missing;
                size_t size = 0;
                char *data = read_file(sources[s], &size, &missing);
                if (!data) {
                    if (missing) continue;
                    cli_error("screen: cannot read %s: %s", sources[s], strerror(errno));
                    fail = true;
                    break;
                }
                bool rok;
                int seen = -1;
                if (size > 0) seen = data[0] == '{' ? FMT_JSONL : FMT_CSV;
                if (seen >= 0 && seen != run.fmt) {
                    cli_error("screen: --resume: %s holds %s records, not %s", sources[s],
                              seen == FMT_CSV ? "CSV" : "JSONL",
                              run.fmt == FMT_CSV ? "CSV" : "JSONL");
                    free(data);
                    fail = true;
                    break;
                }
                if (run.fmt == FMT_CSV && !wrote_header) fail = fputs(CSV_HEADER, rs.out) == EOF;
                wrote_header = true;
                scan_records(data, size, keep_record, &rs, &rok);
                free(data);
                if (!rok) fail = true;
            }
            if (!fail && run.fmt == FMT_CSV && !wrote_header)
                fail = fputs(CSV_HEADER, rs.out) == EOF;
            if (rs.out && fclose(rs.out) != 0) fail = true;
            rs.out = NULL;
            if (!fail && rename(staging, partial) != 0) fail = true;
            if (fail) {
                cli_error("screen: --resume: cannot prepare %s: %s", partial, strerror(errno));
                unlink(staging);
            } else {
                run.out = fopen(partial, "ab");
                fail = !run.out;
            }
        } else {
            if (access(partial, F_OK) == 0)
                cli_error(
                    "screen: replacing %s left by an interrupted run (--resume keeps its records)",
                    partial);
            run.out = fopen(partial, "wb");
            fail = !run.out || (run.fmt == FMT_CSV && fputs(CSV_HEADER, run.out) == EOF);
        }
        free(staging);
        if (fail) {
            if (!resume) cli_error("screen: cannot write %s: %s", partial, strerror(errno));
            if (run.out && run.out != stdout) fclose(run.out);
            free(partial);
            set_free(&rs.done);
            lscan_model_free(model);
            lscan_model_free(dual);
            lscan_materials_free(mats);
            lscan_ctx_free(ctx);
            goto done;
        }
    } else if (run.fmt == FMT_CSV) {
        fputs(CSV_HEADER, stdout);
    }

    if (run.overlay_dir) {
        struct stat st;
        if (stat(run.overlay_dir, &st) != 0 && mkdir(run.overlay_dir, 0777) != 0) {
            cli_error("screen: cannot create %s: %s", run.overlay_dir, strerror(errno));
            run.out_error = true;
        }
    }

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.threshold = threshold;
    so.polarity = polarity;
    so.dual_model = dual;
    so.materials = mats;
    lscan_batch_options bo;
    lscan_batch_options_init(&bo);
    bo.threads = (uint32_t)(jobs ? jobs : cores > 0 ? (unsigned long long)cores : 1);
    bo.screen = &so;
    bo.on_result = on_result;
    bo.on_image = run.overlay_dir ? on_image : NULL;
    bo.user = &run;
    lscan_batch *batch = NULL;
    run.progress = !no_progress && isatty(STDERR_FILENO);
    run.t0 = now();
    if (!run.out_error) {
        rc = lscan_batch_new(ctx, model, &bo, &batch);
        if (rc) {
            cli_ctx_error(ctx, rc);
            run.out_error = true;
        }
    }
    /* The total for the progress bar, counted ahead (not for stdin lists). */
    bool stdin_list = false;
    for (size_t i = 0; i < lists.n; i++)
        stdin_list |= strcmp(lists.v[i], "-") == 0;
    if (batch && run.progress && !stdin_list) {
        counter.src = (struct source){.operands = &operands,
                                      .lists = &lists,
                                      .exts = &exts,
                                      .quiet = true,
                                      .stop = &counter.stop};
        counter.src.list_in = open_lists(&lists, true);
        counter.shard_k = shard_k;
        counter.shard_n = shard_n;
        counter.done = resume ? &rs.done : NULL;
        if (counter.src.list_in && pthread_create(&counter.tid, NULL, count_main, &counter) == 0) {
            counter.started = true;
            run.counter = &counter;
        }
    }
    /* Screening: each input found is submitted at once; the batch holds a
     * few per worker and delivers records in input order meanwhile. */
    char *path;
    int more;
    while (batch && (more = source_next(&src, &path)) != 0) {
        if (more < 0) {
            if (!src.list_error) cli_error("screen: out of memory");
            run.out_error = true;
            break;
        }
        if (!in_shard(path, shard_k, shard_n)) {
            free(path);
            continue;
        }
        if (resume && set_has(&rs.done, path, strlen(path))) {
            skipped++;
            free(path);
            continue;
        }
        struct declared_scan *ds = declarations_find(&decls, path);
        lscan_declaration decl;
        declarations_to_api(ds, &decl);
        if (ds) ds->used = true;
        /* Dual energy in two files: NAME.high.* carries the pair; NAME.low.*
         * is skipped when its partner exists (else recorded: a channel missing). */
        char partner[4096];
        if (cli_dual_partner(path, partner, sizeof partner)) {
            rc = lscan_batch_submit_pair(batch, path, partner, NULL);
        } else if (cli_dual_high(path, partner, sizeof partner)) {
            struct stat pst;
            rc = stat(partner, &pst) == 0 ? LSCAN_OK
                                          : lscan_batch_submit_pair(batch, partner, path, NULL);
        } else {
            rc = lscan_batch_submit_path_ex(batch, path, &decl, NULL);
        }
        if (rc && rc != LSCAN_ERR_CANCELLED) {
            cli_error("screen: %s: %s", path, lscan_strerror(rc));
            run.out_error = true;
        }
        free(path);
        if (rc) break;
    }
    if (batch && lscan_batch_finish(batch) != LSCAN_OK) run.out_error = true;
    lscan_batch_free(batch);
    if (counter.started) {
        atomic_store(&counter.stop, true);
        pthread_join(counter.tid, NULL);
    }
    source_free(&counter.src);
    close_lists(counter.src.list_in, lists.n);
    set_free(&rs.done);
    double el = now() - run.t0;
    if (run.progress) show_progress(&run, true);

    if (out_path) {
        /* Durable before it gets its final name. */
        bool fail = fflush(run.out) != 0 || fsync(fileno(run.out)) != 0;
        fail = fclose(run.out) != 0 || fail;
        if (fail || run.out_error) {
            if (fail) cli_error("screen: cannot write %s: %s", partial, strerror(errno));
            cli_error("screen: records so far kept in %s; rerun with --resume", partial);
            run.out_error = true;
        } else if (rename(partial, out_path) != 0) {
            cli_error("screen: cannot rename %s to %s: %s", partial, out_path, strerror(errno));
            run.out_error = true;
        }
    } else if (fflush(stdout) != 0) {
        run.out_error = true;
    }
    free(partial);

    fprintf(stderr, "screened %llu: %llu released, %llu inspected (%llu failed)",
            (unsigned long long)run.done, (unsigned long long)run.released,
            (unsigned long long)run.inspected, (unsigned long long)run.failed);
    if (skipped) fprintf(stderr, ", %llu skipped (already recorded)", (unsigned long long)skipped);
    fprintf(stderr, "; %.1f s, %.1f images/s\n", el, el > 0 ? run.done / el : 0.0);
    unsigned overlay_errors = atomic_load(&run.overlay_errors);
    if (overlay_errors) cli_error("screen: %u overlays could not be written", overlay_errors);
    if (src.walk_errors)
        cli_error("screen: %u folders or entries could not be read", src.walk_errors);
    size_t unused = 0;
    for (size_t i = 0; i < decls.n; i++)
        unused += !decls.v[i].used;
    if (unused)
        fprintf(stderr, "scan: %zu declared paths of %s were not among the inputs screened\n",
                unused, declarations_path);

    lscan_model_free(dual);
    lscan_materials_free(mats);
    lscan_model_free(model);
    lscan_ctx_free(ctx);
    if (run.out_error)
        ret = EXIT_USAGE;
    else if (run.failed || overlay_errors || src.walk_errors)
        ret = EXIT_PARTIAL;
    else
        ret = EXIT_OK;
    goto done;
nomem:
    cli_error("screen: out of memory");
    ret = EXIT_USAGE;
done:
    declarations_free(&decls);
    source_free(&src);
    close_lists(list_in, lists.n);
    list_free(&operands);
    list_free(&lists);
    list_free(&exts);
    return ret;
}
