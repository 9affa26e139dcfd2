/* declarations.h — `scan screen --declarations FILE`: the declarations CSV, read and checked
 * whole before anything is screened, looked up by path. */
#ifndef SCAN_DECLARATIONS_H
#define SCAN_DECLARATIONS_H

#include "cli.h"

#include <stdint.h>

struct declared_scan {
    char *path;                /* as written in the file, matched against input paths as given */
    char *declared;            /* "" when the row declares nothing */
    char *consignment;         /* NULL when none */
    uint32_t consignment_size; /* rows of the file sharing the consignment id */
    unsigned line;
    bool used; /* screened in this run */
};

struct declarations {
    struct declared_scan *v;
    size_t n, cap;
    size_t *slot; /* open addressing on the path: index + 1, 0 empty */
    size_t nslots;
};

/* Reads FILE: a header naming `path` and `declared` and optionally `consignment` (in any
 * order; no other column), then one row per scan. A malformed file or row (a field count
 * unlike the header's, an empty or repeated path, a declaration lscan_declaration_check
 * refuses) is reported with its line and the whole file is refused (false). */
bool declarations_read(const char *path, struct declarations *d);

/* The same from memory (tests); `name` in messages. */
bool declarations_parse(const char *name, const char *data, size_t size, struct declarations *d);

/* The row for an input path, or NULL. */
struct declared_scan *declarations_find(const struct declarations *d, const char *path);

/* Fills *out for the row (NULL: no declaration). */
void declarations_to_api(const struct declared_scan *s, lscan_declaration *out);

void declarations_free(struct declarations *d);

#endif
