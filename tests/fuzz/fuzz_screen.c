/* fuzz_screen.c — libFuzzer target: the whole screen path from memory (decode, calibrate, features, model, decision) with the default model. */
#include "fuzz.h"

#include <math.h>

/* The model: $LSCAN_FUZZ_MODEL, else the tree's models/default.model
 * (LSCAN_FUZZ_DEFAULT_MODEL, set by meson). */
#ifndef LSCAN_FUZZ_DEFAULT_MODEL
#define LSCAN_FUZZ_DEFAULT_MODEL "models/default.model"
#endif

static lscan_ctx *g_ctx;
static lscan_model *g_model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("LSCAN_FUZZ_MODEL");
    if (!path || !*path) path = LSCAN_FUZZ_DEFAULT_MODEL;
    g_ctx = lscan_ctx_new();
    if (!g_ctx || lscan_model_load(g_ctx, path, &g_model) != LSCAN_OK) {
        fprintf(stderr, "fuzz_screen: cannot load the model %s: %s (set LSCAN_FUZZ_MODEL)\n", path,
                g_ctx ? lscan_ctx_error_message(g_ctx) : "no memory");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    struct fuzz_opts f;
    fuzz_opts_from(data[size - 1], &f);
    size--;
    /* Analysis costs ~0.1 us per pixel (more under ASan): keep iterations short. */
    if (f.load.max_pixels > (1u << 20)) f.load.max_pixels = 1u << 20;
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.polarity = f.load.polarity; /* polarity stated at load is also a screening option */
    if (f.extra & 1u) so.threshold = 0.5;
    if (f.extra & 2u) {
        so.max_reasons = 32;
        so.max_hot_tiles = 32;
    }

    lscan_image *img = NULL;
    lscan_result *r = NULL;
    int rc = lscan_image_decode(g_ctx, data, size, &f.load, &img);
    if (rc == LSCAN_OK) {
        fuzz_check_image(img, &f.load);
        rc = lscan_screen(g_ctx, g_model, img, &so, &r);
        FUZZ_CHECK(r != NULL);
        FUZZ_CHECK(lscan_result_status(r) == rc);
        uint32_t w, h;
        lscan_result_image_size(r, &w, &h);
        FUZZ_CHECK(w == lscan_image_width(img) && h == lscan_image_height(img));
        double score = lscan_result_score(r), thr = lscan_result_threshold(r);
        if (rc == LSCAN_OK) {
            /* Scored: the decision follows the threshold, everything is finite and in range. */
            FUZZ_CHECK(score >= 0.0 && score <= 1.0);
            FUZZ_CHECK(lscan_result_decision(r) == (score >= thr ? LSCAN_INSPECT : LSCAN_RELEASE));
            int cls = lscan_result_suspected_class(r);
            FUZZ_CHECK(LSCAN_CLASS_IS_INSPECT(cls) && lscan_class_name(cls) != NULL);
            lscan_box box = {0, 0, 0, 0};
            (void)lscan_result_container(r, &box);
            FUZZ_CHECK(box.x0 <= box.x1 && box.x1 <= w && box.y0 <= box.y1 && box.y1 <= h);
            uint32_t cols = 0, rows = 0;
            const float *heat = lscan_result_heatmap(r, &cols, &rows);
            FUZZ_CHECK(heat != NULL && cols >= 1 && rows >= 1);
            for (size_t i = 0; i < (size_t)cols * rows; i++)
                FUZZ_CHECK(heat[i] >= 0.0f && heat[i] <= 1.0f);
            FUZZ_CHECK(lscan_result_reason_count(r) <= so.max_reasons);
            for (uint32_t i = 0; i < lscan_result_reason_count(r); i++) {
                const char *name = NULL;
                double v, c;
                FUZZ_CHECK(lscan_result_reason(r, i, &name, &v, &c) == LSCAN_OK);
                FUZZ_CHECK(name != NULL && isfinite(c));
            }
            FUZZ_CHECK(lscan_result_hot_tile_count(r) <= so.max_hot_tiles);
            for (uint32_t i = 0; i < lscan_result_hot_tile_count(r); i++) {
                lscan_box tb;
                double s;
                FUZZ_CHECK(lscan_result_hot_tile(r, i, &tb, &s) == LSCAN_OK);
                FUZZ_CHECK(tb.x0 < tb.x1 && tb.x1 <= w && tb.y0 < tb.y1 && tb.y1 <= h);
                FUZZ_CHECK(s >= 0.0 && s <= 1.0);
            }
        }
    }
    if (rc != LSCAN_OK) {
        /* Fail-safe: whatever failed, the scan is not released. */
        if (r) {
            FUZZ_CHECK(lscan_result_decision(r) == LSCAN_INSPECT);
            FUZZ_CHECK(isnan(lscan_result_score(r)));
            FUZZ_CHECK(lscan_result_message(r)[0] != '\0');
        }
        FUZZ_CHECK(rc != LSCAN_ERR_INTERNAL);
    }
    lscan_result_free(r);
    lscan_image_free(img);
    return 0;
}
