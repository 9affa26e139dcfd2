/* dataset.h — labelled scan lists (labels.csv as written by `scan synth`) for train and eval. */
#ifndef SCAN_DATASET_H
#define SCAN_DATASET_H

#include "cli.h"

#include <stddef.h>

struct sample {
    char *path;      /* image path, resolved against the labels file's folder */
    char *mask_path; /* masks/<name>.png when it exists, else NULL */
    int cls;         /* lscan_class */
    char *subclass;
    double difficulty; /* 0 obvious .. 1 subtle; NaN when absent */
};

struct dataset {
    struct sample *s;
    size_t n;
};

/* Reads a labels CSV with a header naming at least `file` and `class` (also
 * `subclass`, `difficulty`). Prints the error (with the line) and returns
 * false on failure. */
bool dataset_read(const char *labels_path, struct dataset *ds);
/* Reads each of n labels files into one dataset, in order (several sets,
 * e.g. several generator worlds). Prints the error and returns false on
 * failure (ds is then empty). */
bool dataset_read_all(const char *const *paths, size_t n, struct dataset *ds);
void dataset_free(struct dataset *ds);

/* Runs fn(arg, i, ctx) for i in [0, n) on `jobs` threads (0 or 1: this
 * thread), each with its own context made by cli_ctx_new(cpu). Returns false
 * if a context or thread could not be made. */
bool cli_parallel(size_t n, unsigned jobs, const char *cpu, void (*fn)(void *arg, size_t i, lscan_ctx *ctx),
                  void *arg);

/* The number of online CPUs (at least 1). */
unsigned cli_cpu_count(void);

#endif
