/* cmd_info.c — `scan info`: library version, CPU features, kernels and default limits. */
#include "cli.h"

#include <string.h>

static void print_features(uint32_t f)
{
    const char *sep = "";
    if (f & LSCAN_CPU_SSE2) printf("%ssse2", sep), sep = ",";
    if (f & LSCAN_CPU_AVX2) printf("%savx2", sep), sep = ",";
    if (f & LSCAN_CPU_NEON) printf("%sneon", sep), sep = ",";
    if (!*sep) printf("none");
    printf("\n");
}

int cmd_info(int argc, char **argv)
{
    const char *cpu = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: scan info [--cpu LIST]\n\n"
                   "Prints the library version, the CPU features detected and used, and the\n"
                   "default limits. --cpu keeps only the listed features (e.g. sse2, none);\n"
                   "LSCAN_DISABLE_CPU_FEATURES=avx2,sse2 disables features (unknown names are\n"
                   "ignored with a warning).\n");
            return EXIT_OK;
        } else if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc) {
            cpu = argv[++i];
        } else {
            cli_error("info: unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        }
    }
    lscan_ctx *ctx = cli_ctx_new(cpu);
    if (!ctx) return EXIT_USAGE;
    printf("libscan %s (header %s)\n", lscan_version(), LSCAN_VERSION_STRING);
    printf("cpu features detected: ");
    print_features(lscan_cpu_features());
    printf("cpu features used:     ");
    print_features(lscan_ctx_cpu_features(ctx));
    printf("kernels:               %s\n", lscan_ctx_kernel_name(ctx));
    printf("max pixels:            %u\n", LSCAN_DEFAULT_MAX_PIXELS);
    printf("max width/height:      %u\n", LSCAN_DEFAULT_MAX_DIMENSION);
    int64_t budget = 0;
    lscan_ctx_get_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, &budget);
    printf("memory budget:         %lld MiB per context\n", (long long)(budget >> 20));
    lscan_ctx_free(ctx);
    return EXIT_OK;
}
