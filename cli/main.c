/* main.c — the `scan` command: the subcommand table, --help and --version. */
#include "cli.h"

#include <string.h>

static const struct command commands[] = {
    {"info", "library version, CPU features, kernels and default limits", cmd_info},
    {"screen", "screen files and folders: RELEASE/INSPECT records (CSV, JSONL), overlays",
     cmd_screen},
    {"train", "train the tile and image models on labelled scans", cmd_train},
    {"eval", "evaluate a model on labelled scans (AUC, detection, release rate)", cmd_eval},
    {"synth", "generate labelled synthetic scans (images, labels.csv, masks)", cmd_synth},
    {"calibrate", "dual energy: fit a material calibration to step wedges, or check one",
     cmd_calibrate},
    {"features", "calibrate, locate the container and print image or tile features (CSV)",
     cmd_features},
    {"bench", "time the pipeline per stage and kernel set: images/s, Mpix/s", cmd_bench},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: scan <command> [options]\n"
               "       scan --help | --version\n\n"
               "Pre-screens X-ray scans of cargo containers: RELEASE or INSPECT.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'scan <command> --help' describes a command. Exit codes: 0 done, 1 some inputs\n"
               "failed (recorded as INSPECT), 2 usage or setup error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("scan %s (libscan %s)\n", LSCAN_VERSION_STRING, lscan_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see 'scan --help')", argv[1]);
    return EXIT_USAGE;
}
