/* cli.h — what the `scan` subcommands share: the command table and small helpers. */
#ifndef SCAN_CLI_H
#define SCAN_CLI_H

#include "libscan.h"

#include <float.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes of `scan`, documented in the README. */
enum {
    EXIT_OK = 0,      /* everything done */
    EXIT_PARTIAL = 1, /* some inputs failed (they are recorded as INSPECT) */
    EXIT_USAGE = 2    /* bad usage, or a model/setup error: nothing done */
};

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

int cmd_info(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_screen(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Prints "scan: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the context's last error ("scan: <message> (<status name>)"). */
void cli_ctx_error(const lscan_ctx *ctx, int status);

/* The mask of a LSCAN_DISABLE_CPU_FEATURES value (comma list of feature
 * names): unknown names are ignored with a warning on stderr (printed once
 * per process), never an error. */
uint32_t cli_disable_list(const char *list);

/* Creates a context honouring LSCAN_DISABLE_CPU_FEATURES and a --cpu value
 * (a comma list of features to keep, or NULL). NULL on error (printed). */
lscan_ctx *cli_ctx_new(const char *cpu_keep);

/* The default model next to the executable: installed (<prefix>/bin/scan ->
 * <prefix>/share/libscan/default.model) or in a build tree inside the source
 * tree (<src>/<build>/cli/scan -> <src>/models/default.model). A malloc'd
 * path, or NULL when neither is readable. */
char *cli_default_model(void);

/* Parses a non-negative integer option value; false (and prints) if bad. */
bool cli_parse_u64(const char *opt, const char *s, unsigned long long max, unsigned long long *out);

/* Parses a number option value in [lo, hi] (hi = DBL_MAX: any finite number
 * >= lo); false (and prints) if bad. */
bool cli_parse_double(const char *opt, const char *s, double lo, double hi, double *out);

/* Parses --polarity: auto, transmission or attenuation (lscan_polarity);
 * false (and prints) if bad. */
bool cli_parse_polarity(const char *s, uint32_t *out);

/* Dual-energy pairs stored as two files: for a path whose file name holds
 * ".high." (NAME.high.png), writes the low-energy partner's path (the last
 * ".high." turned into ".low.") into `low`; false for any other path. */
bool cli_dual_partner(const char *path, char *low, size_t size);

/* Loads an image, or a dual-energy pair when `path` is a *.high.* file
 * (lscan_image_load_dual with its *.low.* partner). */
int cli_image_load(lscan_ctx *ctx, const char *path, const lscan_load_options *opts,
                   lscan_image **img);

/* For a *.low.* path, its *.high.* partner (false for any other path). */
bool cli_dual_high(const char *path, char *high, size_t size);

/* The dual-energy model and material calibration for screening: those named
 * (NULL: dual.model and materials.calib beside model_path, when both are
 * there). Prints and returns false when one cannot be loaded; both stay
 * NULL when there are none. */
bool cli_dual_models(lscan_ctx *ctx, const char *model_path, const char *dual_path,
                     const char *materials_path, lscan_model **dual, lscan_materials **materials);

int cmd_calibrate(int argc, char **argv);

#endif
