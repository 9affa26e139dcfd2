/* fuzz_decode.c — libFuzzer target: lscan_image_decode from memory for one format (FUZZ_FORMAT), with invariant and polarity oracles. */
#include "fuzz.h"

/* FUZZ_FORMAT: 1 PNG, 2 JPEG, 3 PNM, 4 dual-energy PNG (grey+alpha kept as two planes). */
#ifndef FUZZ_FORMAT
#error "define FUZZ_FORMAT"
#endif

static lscan_ctx *g_ctx; /* one context for the process: scratch reuse is part of what is tested */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    g_ctx = lscan_ctx_new();
    if (!g_ctx) {
        fprintf(stderr, "fuzz_decode: no memory for a context\n");
        exit(1);
    }
    return 0;
}

/* Inputs of another format are skipped: each target keeps its own corpus
 * and spends its time in its own decoder. */
static int wanted(const uint8_t *d, size_t n)
{
#if FUZZ_FORMAT == 1 || FUZZ_FORMAT == 4
    return n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0;
#elif FUZZ_FORMAT == 2
    return n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff;
#else
    return n >= 2 && d[0] == 'P';
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    struct fuzz_opts f;
    fuzz_opts_from(data[size - 1], &f);
    size--;
    if (!wanted(data, size)) return 0;
#if FUZZ_FORMAT == 4
    f.load.channels = LSCAN_CHANNELS_AUTO;
#endif
    lscan_image *img = NULL;
    int rc = lscan_image_decode(g_ctx, data, size, &f.load, &img);
    if (rc == LSCAN_OK) {
        FUZZ_CHECK(img != NULL);
        FUZZ_CHECK(lscan_ctx_error(g_ctx) == LSCAN_OK);
        fuzz_check_image(img, &f.load);
    } else {
        /* A failure is reported, with a known code and a message, and no image. */
        FUZZ_CHECK(img == NULL);
        FUZZ_CHECK(lscan_ctx_error(g_ctx) == rc);
        FUZZ_CHECK(lscan_ctx_error_message(g_ctx)[0] != '\0');
        FUZZ_CHECK(strcmp(lscan_status_name(rc), lscan_status_name(-12345)) != 0);
        FUZZ_CHECK(rc != LSCAN_ERR_INTERNAL);
    }
    lscan_image_free(img);
#if FUZZ_FORMAT == 4
    fuzz_oracle(g_ctx, data, size, &f.load, 0);
#else
    if (f.oracle) fuzz_oracle(g_ctx, data, size, &f.load, 1);
#endif
    return 0;
}
