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
    /* Optional columns (NULL when absent): what the container holds, its HS chapter, the
     * generator's world. */
    char *commodity;
    char *hs_chapter;
    char *world;
};

struct dataset {
    struct sample *s;
    size_t n;
};

/* Reads a labels CSV with a header naming at least `file` and `class` (also
 * `subclass`, `difficulty`, `commodity`, `hs_chapter`, `world`, found by name
 * wherever they are). `commodity_column` names the column read as the
 * commodity (NULL: "commodity"); "subclass" stands in for it with the
 * generator's classic labels, where it names the load of clean scans only
 * (an INSPECT scan's subclass is its anomaly, so it gets none). Prints the
 * error (with the line) and returns false on failure. */
bool dataset_read(const char *labels_path, struct dataset *ds);
bool dataset_read_with(const char *labels_path, const char *commodity_column, struct dataset *ds);
/* Reads each of n labels files into one dataset, in order (several sets,
 * e.g. several generator worlds), as dataset_read_with. Prints the error and
 * returns false on failure (ds is then empty). */
bool dataset_read_all(const char *const *paths, size_t n, const char *commodity_column,
                      struct dataset *ds);
void dataset_free(struct dataset *ds);

/* A commodity groups file (`--commodity-groups`): CSV with the header 'commodity,group' and a
 * row per commodity, the group the commodity model recognises it as. */
struct groups {
    char **commodity, **group;
    size_t n, cap;
    bool header;
    const char *path; /* for messages, while reading */
};

/* Reads the file (errors printed with their line); false on failure. */
bool groups_read(const char *path, struct groups *g);
/* The group of a commodity, or NULL when the file does not list it. */
const char *group_of(const struct groups *g, const char *commodity);
void groups_free(struct groups *g);

/* Runs fn(arg, i, ctx) for i in [0, n) on `jobs` threads (0 or 1: this
 * thread), each with its own context made by cli_ctx_new(cpu). Returns false
 * if a context or thread could not be made. */
bool cli_parallel(size_t n, unsigned jobs, const char *cpu, void (*fn)(void *arg, size_t i, lscan_ctx *ctx),
                  void *arg);

/* The number of online CPUs (at least 1). */
unsigned cli_cpu_count(void);

#endif
