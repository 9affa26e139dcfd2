/* fuzz_model.c — libFuzzer target: the model-file parser (lscan_model_parse), optionally with the checksum line repaired so that mutations reach past it. */
#include "fuzz.h"

#include <math.h>

static lscan_ctx *g_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    g_ctx = lscan_ctx_new();
    if (!g_ctx) {
        fprintf(stderr, "fuzz_model: no memory for a context\n");
        exit(1);
    }
    return 0;
}

/* 64-bit FNV-1a, as docs/model-format.md defines the checksum. */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Rewrites the 16 hex digits after the last "\nchecksum " (if the line is
 * long enough) with the checksum of everything before that line. A random
 * mutation almost never keeps the checksum right, so without this the
 * parser's value checks after it would stay out of reach. */
static void repair_checksum(uint8_t *t, size_t n)
{
    static const char key[] = "\nchecksum ";
    size_t k = sizeof key - 1;
    for (size_t i = n >= k + 16 ? n - k - 16 + 1 : 0; i-- > 0;) {
        if (memcmp(t + i, key, k) == 0) {
            char hex[17];
            snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fnv1a(t, i + 1));
            memcpy(t + i + k, hex, 16);
            return;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    struct fuzz_opts f;
    fuzz_opts_from(data[size - 1], &f);
    size--;
    /* A private copy: the checksum may be repaired, and the parser must not
     * read past `size` (no terminating NUL is given: ASan checks that). */
    uint8_t *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    if (f.extra & 1u) repair_checksum(text, size);

    lscan_model *m = NULL;
    int rc = lscan_model_parse(g_ctx, (const char *)text, size, &m);
    if (rc == LSCAN_OK) {
        FUZZ_CHECK(m != NULL);
        double t = lscan_model_threshold(m);
        FUZZ_CHECK(t >= 0.0 && t <= 1.0);
        static const char *keys[] = {"name", "training", "target-detection", "validation-scans",
                                     "validation-detection", "validation-release", "validation-auc",
                                     "no-such-key"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            const char *v = lscan_model_info(m, keys[i]);
            if (v) FUZZ_CHECK(strlen(v) < size + 1);
        }
    } else {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(lscan_ctx_error(g_ctx) == rc);
        FUZZ_CHECK(lscan_ctx_error_message(g_ctx)[0] != '\0');
        FUZZ_CHECK(rc != LSCAN_ERR_INTERNAL);
    }
    lscan_model_free(m);
    free(text);
    return 0;
}
