/* core/text.c — what the library's text formats (models, material calibrations) share: a
 * growable buffer with formatted appends, the FNV-1a checksum, a strict line reader, and
 * reading and writing a file whole. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lscan__text_put(lscan__text *t, const char *fmt, ...)
{
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if (t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        char *q = realloc(t->p, cap);
        if (!q) {
            t->failed = true;
            return;
        }
        t->p = q;
        t->cap = cap;
    }
}

uint64_t lscan__fnv1a(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int lscan__lines_error(lscan__lines *ls, int code, const char *fmt, ...)
{
    char msg[LSCAN_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lscan__error(ls->ctx, code, "%s line %u: %s", ls->what, ls->lineno, msg);
}

int lscan__lines_next(lscan__lines *ls)
{
    ls->lineno++;
    if (ls->p >= ls->end)
        return lscan__lines_error(ls, LSCAN_ERR_MODEL_SYNTAX, "unexpected end of file");
    const char *nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
    if (!nl)
        return lscan__lines_error(ls, LSCAN_ERR_MODEL_SYNTAX,
                                  "last line has no newline (truncated file?)");
    size_t n = (size_t)(nl - ls->p);
    if (n >= sizeof ls->buf)
        return lscan__lines_error(ls, LSCAN_ERR_MODEL_SYNTAX, "line longer than %zu bytes",
                                  sizeof ls->buf - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)ls->p[i] < 0x20 || ls->p[i] == 0x7f)
            return lscan__lines_error(ls, LSCAN_ERR_MODEL_SYNTAX, "control character 0x%02x in line",
                                      (unsigned char)ls->p[i]);
    memcpy(ls->buf, ls->p, n);
    ls->buf[n] = '\0';
    ls->p = nl + 1;
    ls->line = ls->buf;
    return LSCAN_OK;
}

int lscan__write_file(lscan_ctx *ctx, const char *path, const char *data, size_t len)
{
    int rc = LSCAN_OK;
    FILE *f = fopen(path, "wb");
    if (!f) {
        rc = lscan__error(ctx, LSCAN_ERR_IO, "cannot create: %s", strerror(errno));
    } else {
        size_t n = fwrite(data, 1, len, f);
        if (fclose(f) != 0 || n != len) rc = lscan__error(ctx, LSCAN_ERR_IO, "write failed");
    }
    if (rc) lscan__error_path(ctx, path);
    return rc;
}

int lscan__read_file(lscan_ctx *ctx, const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return lscan__error(ctx, LSCAN_ERR_IO, "cannot open: %s", strerror(errno));
    int rc = LSCAN_OK;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    if (!buf) rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    else if (ferror(f)) rc = lscan__error(ctx, LSCAN_ERR_IO, "read failed (is it a directory?)");
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return LSCAN_OK;
}
