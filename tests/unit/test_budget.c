/* test_budget.c — the memory budget (every decoder, the analysis, kept buffers, batch workers) and
 * the one time budget per input through every stage. */
#include <criterion/criterion.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LSCAN_HAVE_JPEG
#include <jpeglib.h>
#endif

#include "core/internal.h"
#include "testutil.h"

#define MODEL LSCAN_SOURCE_ROOT "/models/default.model"
#define MIB ((int64_t)1 << 20)

static lscan_ctx *ctx;
static void setup(void)
{
    ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
}
static void teardown(void)
{
    lscan_ctx_free(ctx);
}
TestSuite(budget, .init = setup, .fini = teardown);

struct mem {
    uint8_t *p;
    size_t n, cap;
};

static void mem_write(png_structp png, png_bytep d, size_t n)
{
    struct mem *m = png_get_io_ptr(png);
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->p = realloc(m->p, m->cap);
        cr_assert_not_null(m->p);
    }
    memcpy(m->p + m->n, d, n);
    m->n += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

/* A w x h grey PNG (8 or 16 bit, Adam7 or not) of a smooth ramp, in memory. */
static struct mem png_ramp(uint32_t w, uint32_t h, int bits, bool adam7)
{
    struct mem m = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    cr_assert(png && info);
    cr_assert_eq(setjmp(png_jmpbuf(png)), 0);
    png_set_write_fn(png, &m, mem_write, mem_flush);
    png_set_compression_level(png, 1);
    png_set_IHDR(png, info, w, h, bits, PNG_COLOR_TYPE_GRAY,
                 adam7 ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    int passes = adam7 ? png_set_interlace_handling(png) : 1;
    uint8_t *row = malloc((size_t)w * 2);
    cr_assert_not_null(row);
    for (int p = 0; p < passes; p++)
        for (uint32_t y = 0; y < h; y++) {
            for (uint32_t x = 0; x < w * (uint32_t)(bits / 8); x++)
                row[x] = (uint8_t)(x + y);
            png_write_row(png, row);
        }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return m;
}

static void expect_too_large(int rc, const char *what)
{
    const char *msg = lscan_ctx_error_message(ctx);
    cr_expect_eq(rc, LSCAN_ERR_TOO_LARGE, "%s: %s (%s)", what, lscan_status_name(rc), msg);
    cr_expect(strstr(msg, "needs") && strstr(msg, "MiB, memory budget"), "%s: message '%s'", what,
              msg);
}

Test(budget, parameter_default_set_and_refused)
{
    int64_t v = 0;
    cr_expect_eq(lscan_ctx_get_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, &v), LSCAN_OK);
    cr_expect_eq(v, (int64_t)LSCAN_DEFAULT_MEMORY_BUDGET);
    cr_expect_eq(v, 256 * MIB);
    cr_expect_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, -1),
                 LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 3 * MIB), LSCAN_OK);
    lscan_ctx_get_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, &v);
    cr_expect_eq(v, 3 * MIB);
}

/* 1500 x 1000 16-bit: the fast path needs the inflated rows and the image
 * (~5.7 MiB), libpng (Adam7, 8 bit: all rows kept) the image and its rows. */
Test(budget, png_over_the_budget_is_too_large_with_need_and_budget)
{
    struct mem fast = png_ramp(1500, 1000, 16, false), lib = png_ramp(1500, 1000, 8, true);
    lscan_image *img = NULL;
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 5 * MIB), LSCAN_OK);
    expect_too_large(lscan_image_decode(ctx, fast.p, fast.n, NULL, &img), "fast path");
    cr_expect_null(img);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "PNG 1500x1000"));
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 3 * MIB), LSCAN_OK);
    expect_too_large(lscan_image_decode(ctx, lib.p, lib.n, NULL, &img), "libpng Adam7");
    cr_expect_null(img);
    /* Within the budget, or without one, they decode. */
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 8 * MIB), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, fast.p, fast.n, NULL, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    cr_expect_eq(lscan_image_decode(ctx, lib.p, lib.n, NULL, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    /* The whole file counts when lscan_image_load reads it. */
    const char *path = tu_path("budget.png");
    cr_assert_eq(tu_write_file(path, fast.p, fast.n), 0);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, (int64_t)fast.n / 2),
                 LSCAN_OK);
    expect_too_large(lscan_image_load(ctx, path, NULL, &img), "file");
    cr_expect(strstr(lscan_ctx_error_message(ctx), "a file of"), "%s",
              lscan_ctx_error_message(ctx));
    free(fast.p);
    free(lib.p);
}

/* A file over 4 MiB is judged from its header before it is read whole: the
 * file and the image it declares must fit (PNG IHDR, JPEG SOF after other
 * segments, PNM with a comment). */
Test(budget, large_files_refused_from_their_header_before_reading)
{
    static const uint8_t png[] = {0x89, 'P', 'N',  'G',  '\r', '\n', 0x1a, '\n', 0,    0,
                                  0,    13,  'I',  'H',  'D',  'R',  0,    0,    0x1f, 0x40,
                                  0,    0,   0x1f, 0x40, 16,   0,    0,    0,    0};
    static const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0,    4,    'J',  'F', 0xff, 0xff, 0xc2,
                                  0,    11,   8,    0x1f, 0x40, 0x1f, 0x40, 1,   1,    0x11, 0};
    static const char pgm[] = "P5\n# a comment\n8000 8000\n255\n";
    const struct {
        const void *head;
        size_t n;
        const char *name;
    } files[] = {{png, sizeof png, "PNG 8000x8000"},
                 {jpg, sizeof jpg, "JPEG 8000x8000"},
                 {pgm, sizeof pgm - 1, "PNM 8000x8000"}};
    size_t size = (size_t)5 << 20;
    uint8_t *d = calloc(size, 1);
    cr_assert_not_null(d);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 64 * MIB), LSCAN_OK);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        memcpy(d, files[i].head, files[i].n);
        const char *path = tu_path("header-only.img");
        cr_assert_eq(tu_write_file(path, d, size), 0);
        lscan_image *img = NULL;
        expect_too_large(lscan_image_load(ctx, path, NULL, &img), files[i].name);
        cr_expect(strstr(lscan_ctx_error_message(ctx), files[i].name) &&
                      strstr(lscan_ctx_error_message(ctx), "at least"),
                  "%s", lscan_ctx_error_message(ctx));
        memset(d, 0, files[i].n);
    }
    free(d);
}

Test(budget, pnm_and_wrapped_8bit_pixels_count)
{
    uint32_t w = 1200, h = 1000;
    size_t n = (size_t)w * h;
    uint8_t *pgm = malloc(n + 32);
    cr_assert_not_null(pgm);
    int hl = snprintf((char *)pgm, 32, "P5 %u %u 255\n", w, h);
    memset(pgm + hl, 128, n);
    lscan_image *img = NULL;
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 2 * MIB), LSCAN_OK);
    expect_too_large(lscan_image_decode(ctx, pgm, (size_t)hl + n, NULL, &img), "PNM");
    expect_too_large(lscan_image_wrap(ctx, pgm + hl, w, h, w, 8, NULL, &img), "8-bit wrap");
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 0), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, pgm, (size_t)hl + n, NULL, &img), LSCAN_OK);
    lscan_image_free(img);
    free(pgm);
}

#ifdef LSCAN_HAVE_JPEG
static struct mem jpeg_ramp(uint32_t w, uint32_t h, bool progressive)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&c, &out, &n);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc(w);
    cr_assert_not_null(row);
    while (c.next_scanline < h) {
        for (uint32_t x = 0; x < w; x++)
            row[x] = (unsigned char)((x * 3 + c.next_scanline) & 0xff);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    return (struct mem){out, n, n};
}

/* A progressive JPEG keeps every DCT coefficient until its last scan: 2
 * bytes per sample on top of the image, counted before libjpeg allocates;
 * the baseline file of the same size fits the same budget. */
Test(budget, progressive_jpeg_counts_the_coefficient_buffer)
{
    struct mem base = jpeg_ramp(1600, 1600, false), prog = jpeg_ramp(1600, 1600, true);
    lscan_image *img = NULL;
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 7 * MIB), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, base.p, base.n, NULL, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    img = NULL;
    expect_too_large(lscan_image_decode(ctx, prog.p, prog.n, NULL, &img), "progressive");
    cr_expect_null(img);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "progressive JPEG 1600x1600"), "%s",
              lscan_ctx_error_message(ctx));
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 12 * MIB), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, prog.p, prog.n, NULL, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    free(base.p);
    free(prog.p);
}
#endif

static lscan_image *scan_image(uint32_t w, uint32_t h, uint64_t seed)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.container = LSCAN_SYNTH_40FT;
    p.width = w;
    p.height = h;
    lscan_image *img = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, NULL), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    return img;
}

/* The analysis states its need before it allocates: over the budget it is
 * too_large (the image's own pixels count), and lscan_screen decides INSPECT. */
Test(budget, analysis_and_screening_over_the_budget)
{
    lscan_image *img = scan_image(2400, 800, 7);
    lscan_model *model = NULL;
    cr_assert_eq(lscan_model_load(ctx, MODEL, &model), LSCAN_OK);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 3 * MIB), LSCAN_OK);
    lscan_analysis *a = NULL;
    expect_too_large(lscan_analyze(ctx, img, NULL, &a), "analysis");
    cr_expect_null(a);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "analysis of a 2400x800 image"), "%s",
              lscan_ctx_error_message(ctx));
    lscan_result *r = NULL;
    cr_expect_eq(lscan_screen(ctx, model, img, NULL, &r), LSCAN_ERR_TOO_LARGE);
    cr_assert_not_null(r);
    cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT);
    cr_expect_eq(lscan_result_status(r), LSCAN_ERR_TOO_LARGE);
    cr_expect(strstr(lscan_result_message(r), "memory budget"), "%s", lscan_result_message(r));
    lscan_result_free(r);
    /* Within the default budget it is analysed, and the context keeps less
     * than the budget. */
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 256 * MIB), LSCAN_OK);
    cr_expect_eq(lscan_screen(ctx, model, img, NULL, &r), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_result_free(r);
    cr_expect_leq(lscan__mem_kept(ctx), (size_t)(256 * MIB));
    lscan_model_free(model);
    lscan_image_free(img);
}

/* What a context keeps from a large image (decoder workspaces, analysis
 * scratch) is freed when it would push a later input over the budget,
 * instead of failing that input. */
Test(budget, kept_buffers_are_freed_rather_than_refusing_an_input)
{
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 0), LSCAN_OK);
    struct mem big = png_ramp(3000, 2000, 16, false), small = png_ramp(1500, 1000, 16, false);
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_decode(ctx, big.p, big.n, NULL, &img), LSCAN_OK);
    lscan_image_free(img);
    size_t kept = lscan__mem_kept(ctx);
    cr_expect_geq(kept, (size_t)3000 * 2000 * 2, "the inflate workspace is kept (%zu)", kept);
    /* 8 MiB holds the small image and its rows, not those plus what is kept. */
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 8 * MIB), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, small.p, small.n, NULL, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    cr_expect_leq(lscan__mem_kept(ctx), (size_t)8 * MIB, "kept %zu", lscan__mem_kept(ctx));
    free(big.p);
    free(small.p);
}

static int count_status(void *user, uint64_t index, const char *name, const lscan_result *r)
{
    (void)index;
    (void)name;
    if (lscan_result_status(r) == LSCAN_ERR_TOO_LARGE && lscan_result_decision(r) == LSCAN_INSPECT)
        (*(int *)user)++;
    return 0;
}

/* Batch workers inherit the memory budget of the context they are made from. */
Test(budget, batch_workers_inherit_the_memory_budget)
{
    struct mem m = png_ramp(1500, 1000, 16, false);
    lscan_model *model = NULL;
    cr_assert_eq(lscan_model_load(ctx, MODEL, &model), LSCAN_OK);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, 2 * MIB), LSCAN_OK);
    int too_large = 0;
    lscan_batch_options o;
    lscan_batch_options_init(&o);
    o.threads = 2;
    o.on_result = count_status;
    o.user = &too_large;
    lscan_batch *b = NULL;
    cr_assert_eq(lscan_batch_new(ctx, model, &o, &b), LSCAN_OK);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(lscan_batch_submit_buffer(b, m.p, m.n, "x.png", NULL), LSCAN_OK);
    cr_assert_eq(lscan_batch_finish(b), LSCAN_OK);
    lscan_batch_free(b);
    cr_expect_eq(too_large, 4);
    lscan_model_free(model);
    free(m.p);
}

/* One deadline per input, checked in every stage: a 1 ms budget stops the
 * PNG decode (libpng, per 32 rows) and, for an image decoded beforehand, the
 * analysis; messages name the stage; with no budget both go through. */
Test(budget, time_budget_stops_decoding_and_analysis)
{
    struct mem m = png_ramp(3000, 3000, 8, true);
    lscan_image *img = NULL;
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 1), LSCAN_OK);
    cr_expect_eq(lscan_image_decode(ctx, m.p, m.n, NULL, &img), LSCAN_ERR_TIME_BUDGET, "%s",
                 lscan_ctx_error_message(ctx));
    cr_expect_null(img);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "during PNG decoding"), "%s",
              lscan_ctx_error_message(ctx));

    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 0), LSCAN_OK);
    img = scan_image(9000, 3000, 11);
    lscan_model *model = NULL;
    cr_assert_eq(lscan_model_load(ctx, MODEL, &model), LSCAN_OK);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 1), LSCAN_OK);
    lscan_result *r = NULL;
    cr_expect_eq(lscan_screen(ctx, model, img, NULL, &r), LSCAN_ERR_TIME_BUDGET);
    cr_assert_not_null(r);
    cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT);
    const char *msg = lscan_result_message(r);
    cr_expect(strstr(msg, "time budget of 1 ms ran out during") &&
                  (strstr(msg, "calibration") || strstr(msg, "location") || strstr(msg, "sweep") ||
                   strstr(msg, "features") || strstr(msg, "classification")),
              "%s", msg);
    lscan_result_free(r);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 0), LSCAN_OK);
    cr_expect_eq(lscan_screen(ctx, model, img, NULL, &r), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_result_free(r);
    lscan_model_free(model);
    lscan_image_free(img);
    free(m.p);
}

/* Calibration alone checks the deadline too: a budget that has already run
 * out when it starts (the input's decode used it up) stops it. */
Test(budget, calibration_and_sweep_check_the_deadline)
{
    lscan_image *img = scan_image(2400, 800, 3);
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 1), LSCAN_OK);
    lscan__deadline_begin(ctx);
    double until = lscan__now() + 0.005;
    while (lscan__now() < until) {
    }
    lscan_analysis *a = NULL;
    cr_expect_eq(lscan_analyze(ctx, img, NULL, &a), LSCAN_ERR_TIME_BUDGET);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "during calibration"), "%s",
              lscan_ctx_error_message(ctx));
    lscan__deadline_end(ctx);
    cr_expect_null(a);
    /* The next input gets a budget of its own. */
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, 10000), LSCAN_OK);
    cr_expect_eq(lscan_analyze(ctx, img, NULL, &a), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_analysis_free(a);
    lscan_image_free(img);
}
