/* csv.c — an RFC 4180 reader for the CLI's small CSV inputs (declarations, commodity groups). */
#include "csv.h"

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool csv_read_buffer(const char *name, const char *data, size_t size, csv_record_fn fn, void *user)
{
    size_t at = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) at = 3; /* byte-order mark */
    char *buf = malloc(size + 1); /* a record's fields, unescaped, NUL-separated */
    char *fields[CSV_MAX_FIELDS];
    if (!buf) {
        cli_error("%s: out of memory", name);
        return false;
    }
    unsigned line = 1;
    bool ok = true;
    while (ok && at < size) {
        unsigned start_line = line;
        size_t k = 0;
        int n = 0;
        bool blank = true, end = false;
        fields[n++] = buf;
        while (!end) {
            if (at == size) break;
            char c = data[at];
            if (c == '\0') {
                cli_error("%s:%u: NUL byte", name, line);
                ok = false;
                break;
            }
            if (c == '"' && (k == 0 || buf[k - 1] == '\0')) {
                /* A quoted field: up to the closing quote, "" for a quote. */
                blank = false;
                at++;
                for (;;) {
                    if (at == size) {
                        cli_error("%s:%u: quote opened on line %u is never closed", name, line,
                                  start_line);
                        ok = false;
                        break;
                    }
                    c = data[at++];
                    if (c == '"') {
                        if (at < size && data[at] == '"') {
                            buf[k++] = '"';
                            at++;
                            continue;
                        }
                        break;
                    }
                    if (c == '\n') line++;
                    if (c == '\0') {
                        cli_error("%s:%u: NUL byte", name, line);
                        ok = false;
                        break;
                    }
                    buf[k++] = c;
                }
                if (!ok) break;
                if (at < size && data[at] != ',' && data[at] != '\n' &&
                    !(data[at] == '\r' && at + 1 < size && data[at + 1] == '\n') &&
                    !(data[at] == '\r' && at + 1 == size)) {
                    cli_error("%s:%u: text after a closing quote", name, line);
                    ok = false;
                    break;
                }
                continue;
            }
            at++;
            if (c == ',') {
                blank = false;
                buf[k++] = '\0';
                if (n == CSV_MAX_FIELDS) {
                    cli_error("%s:%u: more than %d fields", name, line, CSV_MAX_FIELDS);
                    ok = false;
                    break;
                }
                fields[n++] = buf + k;
            } else if (c == '\n' || (c == '\r' && (at == size || data[at] == '\n'))) {
                if (c == '\r' && at < size) at++;
                line++;
                end = true;
            } else if (c == '"') {
                cli_error("%s:%u: a quote inside an unquoted field (quote the whole field and "
                          "double the quote)",
                          name, line);
                ok = false;
            } else {
                blank = false;
                buf[k++] = c;
            }
        }
        buf[k] = '\0';
        if (ok && !blank && !fn(user, fields, n, start_line)) ok = false;
    }
    free(buf);
    return ok;
}

bool csv_read_file(const char *path, csv_record_fn fn, void *user)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("cannot open %s: %s", path, strerror(errno));
        return false;
    }
    char *data = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            char *d = realloc(data, cap);
            if (!d) {
                cli_error("%s: out of memory", path);
                ok = false;
                break;
            }
            data = d;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                cli_error("cannot read %s", path);
                ok = false;
            }
            break;
        }
    }
    fclose(f);
    if (ok) ok = csv_read_buffer(path, data ? data : "", n, fn, user);
    free(data);
    return ok;
}
