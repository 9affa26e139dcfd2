/* test_crashers.c — every reproducer in tests/crashers/ (fuzzer findings, bombs, pathological files) screened with its recorded outcome; decode time budget. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LSCAN_HAVE_JPEG
#include <jpeglib.h>
#endif

#include "core/internal.h"
#include "testutil.h"

/*
 * A reproducer is named <what>.<status>.<ext>: <status> is the
 * lscan_status_name() that screening it with the default model must give
 * ("ok" when it must be analysed and decided). Decoder failures must also
 * come out of lscan_image_load with the same status. Whatever the status,
 * the result exists, and anything but "ok" is INSPECT with a message.
 */

#define CRASHERS LSCAN_SOURCE_ROOT "/tests/crashers"
#define MODEL LSCAN_SOURCE_ROOT "/models/default.model"

static lscan_ctx *ctx;
static lscan_model *model;

static void setup(void)
{
    ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(lscan_model_load(ctx, MODEL, &model), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
}

static void teardown(void)
{
    lscan_model_free(model);
    lscan_ctx_free(ctx);
}

/* The status name recorded in a reproducer's file name, or NULL. */
static int expected_status(const char *name, char *status, size_t cap)
{
    const char *ext = strrchr(name, '.');
    if (!ext || ext == name) return 0;
    const char *p = ext;
    while (p > name && p[-1] != '.') p--;
    if (p == name || (size_t)(ext - p) >= cap) return 0;
    memcpy(status, p, (size_t)(ext - p));
    status[ext - p] = '\0';
    return 1;
}

static void check_one(const char *name)
{
    char status[64], path[1024];
    cr_assert(expected_status(name, status, sizeof status), "%s: not named <what>.<status>.<ext>", name);
    snprintf(path, sizeof path, "%s/%s", CRASHERS, name);
    lscan_result *r = NULL;
    int rc = lscan_screen_file(ctx, model, path, NULL, NULL, &r);
    cr_assert_not_null(r, "%s: no result", name);
    cr_expect_str_eq(lscan_status_name(rc), status, "%s: screened as %s (%s), recorded %s", name,
                     lscan_status_name(rc), lscan_result_message(r), status);
    cr_expect_eq(lscan_result_status(r), rc, "%s", name);
    if (rc != LSCAN_OK) {
        cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT, "%s: a failure must be INSPECT", name);
        cr_expect_neq(lscan_result_message(r)[0], '\0', "%s: failure without a message", name);
    }
    lscan_result_free(r);

    lscan_image *img = NULL;
    int lrc = lscan_image_load(ctx, path, NULL, &img);
    if (lrc != LSCAN_OK) {
        cr_expect_eq(lrc, rc, "%s: load says %s, screen %s", name, lscan_status_name(lrc),
                     lscan_status_name(rc));
        cr_expect_null(img);
    }
    lscan_image_free(img);
}

Test(crashers, every_reproducer_gives_its_recorded_outcome, .init = setup, .fini = teardown)
{
    DIR *d = opendir(CRASHERS);
    cr_assert_not_null(d, "cannot open %s", CRASHERS);
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        check_one(e->d_name);
        n++;
    }
    closedir(d);
    /* The directory holds the bombs and pathological files at least. */
    cr_expect_geq(n, 15u, "only %u reproducers found in %s", n, CRASHERS);
}

/* The decompression bombs are refused from the header alone, whatever the
 * limits: a caller's tighter limit gives the same status. */
Test(crashers, bombs_refused_from_the_header, .init = setup, .fini = teardown)
{
    static const char *bombs[] = {"bomb-100000x100000.too_large.png", "bomb-65500x65500.too_large.jpg",
                                  "bomb-1000000x1000000.too_large.pgm"};
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.max_pixels = 1000;
    o.max_dimension = 100;
    for (size_t i = 0; i < sizeof bombs / sizeof *bombs; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", CRASHERS, bombs[i]);
        lscan_image *img = NULL;
        cr_expect_eq(lscan_image_load(ctx, path, &o, &img), LSCAN_ERR_TOO_LARGE, "%s: %s", bombs[i],
                     lscan_ctx_error_message(ctx));
        cr_expect_null(img);
    }
}

/* The huge cut files need more than the default memory budget, so they are
 * refused from their headers (too_large); without a budget the decoders
 * find the damage (corrupt), as they did before there was a budget. */
Test(crashers, huge_cut_files_without_a_memory_budget, .init = setup, .fini = teardown)
{
    static const char *files[] = {"huge-14000x14000-cut.too_large.png",
                                  "huge-14000x14000-cut.too_large.jpg"};
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 0), LSCAN_OK);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", CRASHERS, files[i]);
        lscan_image *img = NULL;
        cr_expect_eq(lscan_image_load(ctx, path, NULL, &img), LSCAN_ERR_CORRUPT, "%s: %s", files[i],
                     lscan_ctx_error_message(ctx));
        cr_expect_null(img);
    }
}

#ifdef LSCAN_HAVE_JPEG
/* A progressive JPEG of w x h grey pixels (a ramp), in memory. */
static uint8_t *progressive_jpeg(uint32_t w, uint32_t h, unsigned long *n)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    *n = 0;
    jpeg_mem_dest(&c, &out, n);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc(w);
    cr_assert_not_null(row);
    while (c.next_scanline < h) {
        for (uint32_t x = 0; x < w; x++) row[x] = (unsigned char)((x * 7 + c.next_scanline * 3) & 0xff);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    return out;
}

/* The context's time budget stops a JPEG decode that runs past it (the
 * check sits in libjpeg's progress callback), through lscan_image_decode
 * and through lscan_screen_file, which then decides INSPECT; without a
 * budget the same file decodes. A 2000x2000 progressive decode takes tens
 * of milliseconds, far beyond a 1 ms budget. */
Test(crashers, time_budget_stops_a_long_jpeg_decode, .init = setup, .fini = teardown)
{
    unsigned long n;
    uint8_t *jpg = progressive_jpeg(2000, 2000, &n);
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_decode(ctx, jpg, n, NULL, &img), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_image_free(img);

    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 1), LSCAN_OK);
    img = NULL;
    cr_expect_eq(lscan_image_decode(ctx, jpg, n, NULL, &img), LSCAN_ERR_TIME_BUDGET, "%s",
                 lscan_ctx_error_message(ctx));
    cr_expect_null(img);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "time budget") != NULL, "%s", lscan_ctx_error_message(ctx));

    const char *path = tu_path("progressive.jpg");
    cr_assert_eq(tu_write_file(path, jpg, n), 0);
    lscan_result *r = NULL;
    cr_expect_eq(lscan_screen_file(ctx, model, path, NULL, NULL, &r), LSCAN_ERR_TIME_BUDGET);
    cr_assert_not_null(r);
    cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT);
    cr_expect_eq(lscan_result_status(r), LSCAN_ERR_TIME_BUDGET);
    lscan_result_free(r);

    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 0), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, jpg, n, NULL, &img), LSCAN_OK);
    lscan_image_free(img);
    free(jpg);
}
#endif
