/* test_gate.c — the scan check: real container scans pass; public test images, fuzz seeds, crashers
 * and drawn non-scans (icons, photos, charts, medical and baggage X-rays, pseudo-colour) never do.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef LSCAN_HAVE_JPEG
#include <jpeglib.h>
#endif

#include "features/gate.h"
#include "testutil.h"

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

TestSuite(gate, .init = setup, .fini = teardown);

/* ---- helpers ---------------------------------------------------------------------------- */

/* How an image ends: the first failure of analysis or scan check, LSCAN_OK if it passes
 * both (the message of a failure is copied into msg). */
static int judge(const lscan_image *img, char *msg, size_t cap)
{
    lscan_analysis *a = NULL;
    int rc = lscan_analyze(ctx, img, NULL, &a);
    if (rc == LSCAN_OK) rc = lscan__scan_check(ctx, img, a);
    snprintf(msg, cap, "%s", rc ? lscan_ctx_error_message(ctx) : "");
    lscan_analysis_free(a);
    return rc;
}

/* The same for an encoded file: a decoding failure ends it too. */
static int judge_bytes(const uint8_t *d, size_t n, char *msg, size_t cap)
{
    lscan_image *img = NULL;
    int rc = lscan_image_decode(ctx, d, n, NULL, &img);
    if (rc) {
        snprintf(msg, cap, "%s", lscan_ctx_error_message(ctx));
        return rc;
    }
    rc = judge(img, msg, cap);
    lscan_image_free(img);
    return rc;
}

static lscan_image *generate(int world, int cls, uint32_t w, uint32_t h, uint64_t seed)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = (uint32_t)world;
    p.container = world == 0 ? LSCAN_SYNTH_20FT : LSCAN_SYNTH_MIXED;
    p.cls = cls;
    p.width = w;
    p.height = h;
    lscan_image *img = NULL;
    cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, NULL), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    return img;
}

/* 8-bit RGB pixels as a PNG in memory (libpng's simplified API). */
static uint8_t *png_rgb(const uint8_t *rgb, uint32_t w, uint32_t h, size_t *size)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = w;
    im.height = h;
    im.format = PNG_FORMAT_RGB;
    png_alloc_size_t n = 0;
    cr_assert(png_image_write_to_memory(&im, NULL, &n, 0, rgb, 0, NULL));
    uint8_t *out = malloc(n);
    cr_assert_not_null(out);
    cr_assert(png_image_write_to_memory(&im, out, &n, 0, rgb, 0, NULL), "%s", im.message);
    *size = n;
    return out;
}

#ifdef LSCAN_HAVE_JPEG
/* 8-bit RGB pixels as a baseline YCbCr JPEG (4:2:0) of quality q. */
static uint8_t *jpeg_rgb(const uint8_t *rgb, uint32_t w, uint32_t h, int q, size_t *size)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *mem = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&c, &mem, &n);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, q, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < h) {
        JSAMPROW r = (JSAMPROW)(rgb + (size_t)c.next_scanline * w * 3);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *size = n;
    return mem;
}
#endif

/* A generated scan as 8-bit RGB through `lut` (256 RGB triples) of its top byte. */
static uint8_t *scan_rgb(const lscan_image *img, uint8_t lut[256][3])
{
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_not_null(rgb);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            memcpy(rgb + ((size_t)y * w + x) * 3, lut[px[(size_t)y * stride + x] >> 8], 3);
    return rgb;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Gaussian-ish noise from the test generator: the sum of four uniforms, sd ~ s. */
static double noise(uint64_t *st, double s)
{
    double u = 0;
    for (int i = 0; i < 4; i++)
        u += (double)(tu_rand(st) >> 11) / 9007199254740992.0;
    return (u - 2.0) * s * 1.732;
}

static lscan_image *wrap8(const uint8_t *px, uint32_t w, uint32_t h)
{
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, px, w, h, w, 8, NULL, &img), LSCAN_OK);
    return img;
}

/* ---- status ----------------------------------------------------------------------------- */

Test(gate, status_is_pinned_and_named)
{
    cr_expect_eq(LSCAN_ERR_NOT_A_SCAN, 84);
    cr_expect_str_eq(lscan_status_name(LSCAN_ERR_NOT_A_SCAN), "not_a_scan");
    cr_expect_str_eq(lscan_strerror(LSCAN_ERR_NOT_A_SCAN), "not a cargo container scan");
}

/* ---- chroma measured by the decoders ------------------------------------------------------ */

Test(gate, png_decoder_counts_chroma_and_keeps_grey_as_rgb_grey)
{
    const uint32_t w = 40, h = 30;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_not_null(rgb);
    /* Grey stored as RGB, then the same with a colour block over 1/4 of the pixels. */
    for (int colour = 0; colour < 2; colour++) {
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                uint8_t *p = rgb + ((size_t)y * w + x) * 3;
                p[0] = p[1] = p[2] = (uint8_t)(x * 6);
                if (colour && x < w / 2 && y < h / 2) p[0] = 200, p[1] = 60, p[2] = 30;
            }
        size_t n;
        uint8_t *png = png_rgb(rgb, w, h, &n);
        lscan_image *img = NULL;
        cr_assert_eq(lscan_image_decode(ctx, png, n, NULL, &img), LSCAN_OK);
        cr_expect(lscan_image_flags(img) & LSCAN_IMAGE_FROM_COLOR);
        cr_expect(img->chroma_counted);
        cr_expect_eq(img->chroma_px, colour ? (uint64_t)(w / 2) * (h / 2) : 0u);
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        cr_expect_eq(px[(size_t)(h - 1) * stride + w - 1], (uint16_t)((w - 1) * 6 * 257));
        lscan_image_free(img);
        free(png);
    }
    free(rgb);
}

#ifdef LSCAN_HAVE_JPEG
/* Colour JPEGs are decoded as YCbCr now: the luminance must stay what a decode to grey
 * gives, bit for bit, and grey stored as colour must show no chroma. */
Test(gate, jpeg_decoder_counts_chroma_and_keeps_the_luminance)
{
    const uint32_t w = 96, h = 64;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_not_null(rgb);
    uint64_t st = 7;
    for (int colour = 0; colour < 2; colour++) {
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                uint8_t *p = rgb + ((size_t)y * w + x) * 3;
                uint8_t v = (uint8_t)clampd(40 + x * 2 + noise(&st, 6), 0, 255);
                p[0] = p[1] = p[2] = v;
                if (colour && y >= h / 2) p[0] = 30, p[1] = (uint8_t)(60 + x), p[2] = 220;
            }
        size_t n;
        uint8_t *jpg = jpeg_rgb(rgb, w, h, 85, &n);
        lscan_image *img = NULL;
        cr_assert_eq(lscan_image_decode(ctx, jpg, n, NULL, &img), LSCAN_OK);
        cr_expect(img->chroma_counted);
        if (colour)
            cr_expect_gt(img->chroma_px, (uint64_t)w * h * 2 / 5, "%llu",
                         (unsigned long long)img->chroma_px);
        else
            cr_expect_eq(img->chroma_px, 0u);
        /* libjpeg's own decode to grey. */
        struct jpeg_decompress_struct d;
        struct jpeg_error_mgr err;
        d.err = jpeg_std_error(&err);
        jpeg_create_decompress(&d);
        jpeg_mem_src(&d, jpg, n);
        jpeg_read_header(&d, TRUE);
        d.out_color_space = JCS_GRAYSCALE;
        d.dct_method = JDCT_ISLOW;
        jpeg_start_decompress(&d);
        uint8_t row[96];
        size_t stride;
        const uint16_t *px = lscan_image_pixels(img, 0, &stride);
        uint32_t diff = 0;
        while (d.output_scanline < h) {
            uint32_t y = d.output_scanline;
            JSAMPROW r = row;
            jpeg_read_scanlines(&d, &r, 1);
            for (uint32_t x = 0; x < w; x++)
                diff += px[(size_t)y * stride + x] != row[x] * 257u;
        }
        jpeg_finish_decompress(&d);
        jpeg_destroy_decompress(&d);
        cr_expect_eq(diff, 0u, "%u pixels differ from libjpeg's grey decode", diff);
        lscan_image_free(img);
        free(jpg);
    }
    free(rgb);
}
#endif

/* ---- real scans pass ---------------------------------------------------------------------- */

/* Every class, natural size, and at the small sizes the other tests screen. */
Test(gate, generated_scans_of_every_class_pass)
{
    static const uint32_t sizes[][2] = {{0, 0}, {480, 240}, {640, 300}};
    int c = 0;
    for (int cls = 0; cls <= LSCAN_CLASS_LOAD_IN_EMPTY; cls++) {
        if (!lscan_class_name(cls)) continue;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++, c++) {
            lscan_image *img = generate(0, cls, sizes[s][0], sizes[s][1], 4200 + (uint64_t)c);
            char msg[1200];
            int rc = judge(img, msg, sizeof msg);
            cr_expect_eq(rc, LSCAN_OK, "%s at %ux%u: %s", lscan_class_name(cls),
                         lscan_image_width(img), lscan_image_height(img), msg);
            lscan_image_free(img);
        }
    }
}

/* The training worlds' scans as their archives store them (every export style). */
Test(gate, exported_scans_of_the_training_worlds_pass)
{
    static const char *const specs[] = {"png16", "png8-lin", "png8-crop-lin", "jpeg-lin",
                                        "jpeg-crop-lin-s0.5-q75"};
    static const char *const worlds[] = {"harbour", "inland"};
    for (size_t wi = 0; wi < 2; wi++)
        for (size_t e = 0; e < sizeof specs / sizeof specs[0]; e++) {
            lscan_synth_params p;
            lscan_synth_params_init(&p);
            p.world = (uint32_t)lscan_synth_world_find(worlds[wi]);
            p.container = LSCAN_SYNTH_20FT;
            p.cls = (int)(e + wi) % 2 ? LSCAN_CLASS_EMPTY : LSCAN_CLASS_MIXED;
            lscan_image *img;
            lscan_synth_truth *t;
            uint64_t seed = 4300 + wi * 10 + e;
            cr_assert_eq(lscan_synth_generate(ctx, &p, seed, &img, &t), LSCAN_OK);
            lscan_synth_export *x;
            cr_assert_eq(lscan_synth_export_make(ctx, img, t, specs[e], &x), LSCAN_OK);
            char msg[1200];
            int rc = judge(lscan_synth_export_image(x), msg, sizeof msg);
            cr_expect_eq(rc, LSCAN_OK, "%s %s seed %llu: %s", worlds[wi], specs[e],
                         (unsigned long long)seed, msg);
            lscan_synth_export_free(x);
            lscan_synth_truth_free(t);
            lscan_image_free(img);
        }
}

/* A validation scan once refused: a heavy-c van (80 x 60 x 6 mm box rails) on a bottom-up
 * array, whose box keeps the trailer above the container, so only the bottom corners are
 * the container's, and there the rail is as dense as the fitting; the post beside it is not. */
Test(gate, fitting_as_dense_as_a_heavy_rail_passes)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.world = (uint32_t)lscan_synth_world_find("mosaic");
    p.container = LSCAN_SYNTH_MIXED;
    cr_assert_eq(lscan_synth_export_parse("png16", &p), LSCAN_OK);
    lscan_image *img;
    lscan_synth_truth *t;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 6100040, &img, &t), LSCAN_OK);
    cr_assert_str_eq(lscan_synth_truth_build(t), "heavy-c");
    char msg[1200];
    cr_expect_eq(judge(img, msg, sizeof msg), LSCAN_OK, "%s", msg);
    lscan_synth_truth_free(t);
    lscan_image_free(img);
}

/* Grey stored as RGB (PNG) or as a colour JPEG is still grey. */
Test(gate, grey_scan_stored_as_rgb_passes)
{
    lscan_image *scan = generate(0, LSCAN_CLASS_HOMOGENEOUS, 0, 0, 4400);
    uint8_t lut[256][3];
    for (int i = 0; i < 256; i++)
        lut[i][0] = lut[i][1] = lut[i][2] = (uint8_t)i;
    uint8_t *rgb = scan_rgb(scan, lut);
    uint32_t w = lscan_image_width(scan), h = lscan_image_height(scan);
    size_t n;
    uint8_t *png = png_rgb(rgb, w, h, &n);
    char msg[1200];
    cr_expect_eq(judge_bytes(png, n, msg, sizeof msg), LSCAN_OK, "RGB PNG: %s", msg);
    free(png);
#ifdef LSCAN_HAVE_JPEG
    uint8_t *jpg = jpeg_rgb(rgb, w, h, 85, &n);
    cr_expect_eq(judge_bytes(jpg, n, msg, sizeof msg), LSCAN_OK, "YCbCr JPEG: %s", msg);
    free(jpg);
#endif
    free(rgb);
    lscan_image_free(scan);
}

/* ---- drawn non-scans fail ------------------------------------------------------------------- */

/* A container scan through a pseudo-colour palette (blue - green - yellow - red, white air):
 * a real scan, but shown in colour, as dual-energy screenshots are. */
Test(gate, pseudo_colour_scan_is_refused_as_colour)
{
    lscan_image *scan = generate(0, LSCAN_CLASS_MIXED, 0, 0, 4500);
    uint8_t lut[256][3];
    for (int i = 0; i < 256; i++) {
        double t = i / 255.0;
        lut[i][0] = (uint8_t)(255 * clampd(1.5 - fabs(4 * t - 3), 0, 1));
        lut[i][1] = (uint8_t)(255 * clampd(1.5 - fabs(4 * t - 2), 0, 1));
        lut[i][2] = (uint8_t)(255 * clampd(1.5 - fabs(4 * t - 1), 0, 1));
        if (i > 240) lut[i][0] = lut[i][1] = lut[i][2] = 255;
    }
    uint8_t *rgb = scan_rgb(scan, lut);
    size_t n;
    uint8_t *png = png_rgb(rgb, lscan_image_width(scan), lscan_image_height(scan), &n);
    char msg[1200];
    cr_expect_eq(judge_bytes(png, n, msg, sizeof msg), LSCAN_ERR_NOT_A_SCAN, "%s", msg);
    cr_expect(strstr(msg, "colour image") != NULL, "%s", msg);
    free(png);
    free(rgb);
    lscan_image_free(scan);
}

/* A 48x48 icon: a ring and a dot, grey and in colour. */
Test(gate, icon_is_refused)
{
    uint8_t px[48 * 48], rgb[48 * 48 * 3];
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 48; x++) {
            double r = hypot(x - 23.5, y - 23.5);
            uint8_t v = r > 20 ? 255 : r > 16 ? 40 : r < 6 ? 90 : 220;
            px[y * 48 + x] = v;
            rgb[(y * 48 + x) * 3] = v;
            rgb[(y * 48 + x) * 3 + 1] = (uint8_t)(v / 2);
            rgb[(y * 48 + x) * 3 + 2] = (uint8_t)(255 - v / 3);
        }
    lscan_image *img = wrap8(px, 48, 48);
    char msg[1200];
    int rc = judge(img, msg, sizeof msg);
    cr_expect_neq(rc, LSCAN_OK, "grey icon passed");
    cr_log_info("grey icon: %s (%s)", lscan_status_name(rc), msg);
    lscan_image_free(img);
    size_t n;
    uint8_t *png = png_rgb(rgb, 48, 48, &n);
    rc = judge_bytes(png, n, msg, sizeof msg);
    cr_expect_neq(rc, LSCAN_OK, "colour icon passed");
    free(png);
}

/* A colour gradient, and a photo-like picture: smooth colour shading (sky, ground) with
 * objects (a house, a tree, a sun), noise, as PNG and as JPEG. */
Test(gate, colour_gradient_and_photo_are_refused_as_colour)
{
    const uint32_t w = 1024, h = 640;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_not_null(rgb);
    for (int kind = 0; kind < 2; kind++) {
        uint64_t st = 11;
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                double r, g, b;
                if (kind == 0) {
                    r = 255.0 * x / w, g = 255.0 * y / h, b = 128;
                } else if (y < h / 2) { /* sky */
                    double t = (double)y / (h / 2);
                    r = 90 + 120 * t, g = 140 + 90 * t, b = 230;
                } else { /* ground */
                    double t = (double)(y - h / 2) / (h / 2);
                    r = 70 + 60 * t, g = 120 - 30 * t, b = 40;
                }
                if (kind == 1) {
                    if (hypot(x - 820.0, y - 110.0) < 50) r = 250, g = 220, b = 90; /* sun */
                    if (x > 200 && x < 460 && y > 250 && y < 420) r = 180, g = 60, b = 50;
                    if (x > 280 && x < 340 && y > 330 && y < 420) r = 90, g = 60, b = 40;
                    if (hypot(x - 640.0, y - 260.0) < 80) r = 40, g = 130, b = 50; /* tree */
                    if (x > 630 && x < 650 && y > 330 && y < 430) r = 100, g = 70, b = 40;
                    r += noise(&st, 4), g += noise(&st, 4), b += noise(&st, 4);
                }
                uint8_t *p = rgb + ((size_t)y * w + x) * 3;
                p[0] = (uint8_t)clampd(r, 0, 255);
                p[1] = (uint8_t)clampd(g, 0, 255);
                p[2] = (uint8_t)clampd(b, 0, 255);
            }
        size_t n;
        uint8_t *png = png_rgb(rgb, w, h, &n);
        char msg[1200];
        int rc = judge_bytes(png, n, msg, sizeof msg);
        cr_expect_neq(rc, LSCAN_OK, "%s PNG passed", kind ? "photo" : "gradient");
        if (rc == LSCAN_ERR_NOT_A_SCAN) cr_expect(strstr(msg, "colour image") != NULL, "%s", msg);
        cr_log_info("%s PNG: %s (%s)", kind ? "photo" : "gradient", lscan_status_name(rc), msg);
        free(png);
#ifdef LSCAN_HAVE_JPEG
        uint8_t *jpg = jpeg_rgb(rgb, w, h, 85, &n);
        rc = judge_bytes(jpg, n, msg, sizeof msg);
        cr_expect_neq(rc, LSCAN_OK, "%s JPEG passed", kind ? "photo" : "gradient");
        if (rc == LSCAN_ERR_NOT_A_SCAN) cr_expect(strstr(msg, "colour image") != NULL, "%s", msg);
        free(jpg);
#endif
    }
    free(rgb);
}

/* A test chart: a dark frame around a flat bright interior, with and without a white margin
 * around it, frames thick enough to pass for a container's rails and posts. It must not pass
 * as an empty container. */
Test(gate, test_chart_is_not_an_empty_container)
{
    const uint32_t w = 1400, h = 600;
    uint8_t *px = malloc((size_t)w * h);
    cr_assert_not_null(px);
    /* Flat as drawn, and with noise as if photographed or scanned. */
    static const struct {
        uint32_t margin, frame;
        uint8_t dark;
        double noise;
    } charts[] = {{40, 30, 0, 0},  {40, 30, 60, 0}, {0, 30, 0, 0},  {0, 40, 90, 0},
                  {60, 10, 20, 0}, {40, 30, 60, 3}, {0, 40, 90, 3}, {40, 50, 10, 2}};
    uint64_t st = 17;
    for (size_t k = 0; k < sizeof charts / sizeof charts[0]; k++) {
        uint32_t m = charts[k].margin, f = charts[k].frame;
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++) {
                bool out = x < m || y < m || x >= w - m || y >= h - m;
                bool frame = x < m + f || y < m + f || x >= w - m - f || y >= h - m - f;
                double v = out ? 250 : frame ? charts[k].dark : 240;
                px[(size_t)y * w + x] = (uint8_t)clampd(v + noise(&st, charts[k].noise), 0, 255);
            }
        lscan_image *img = wrap8(px, w, h);
        char msg[1200];
        int rc = judge(img, msg, sizeof msg);
        cr_expect_neq(rc, LSCAN_OK, "chart %zu passed", k);
        cr_log_info("chart %zu: %s (%s)", k, lscan_status_name(rc), msg);
        lscan_image_free(img);
    }
    free(px);
}

/* A medical-like radiograph: a soft bright body on black (attenuation display), 16 bit. */
Test(gate, medical_xray_is_refused)
{
    const uint32_t w = 1024, h = 1024;
    uint16_t *px = malloc((size_t)w * h * 2);
    cr_assert_not_null(px);
    uint64_t st = 5;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double dx = (x - 512.0) / 380.0, dy = (y - 540.0) / 430.0;
            double body = clampd(1.0 - (dx * dx + dy * dy), 0, 1);
            double lung = 0;
            for (int s = -1; s <= 1; s += 2) {
                double lx = (x - 512.0 - s * 170.0) / 130.0, ly = (y - 480.0) / 260.0;
                lung += clampd(1.0 - (lx * lx + ly * ly), 0, 1);
            }
            double spine = fabs(x - 512.0) < 35 ? 0.35 * body : 0;
            double v = 3000 + 40000 * sqrt(body) - 18000 * lung + 12000 * spine;
            px[(size_t)y * w + x] = (uint16_t)clampd(v + noise(&st, 400), 0, 65535);
        }
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_wrap(ctx, px, w, h, w * 2, 16, NULL, &img), LSCAN_OK);
    char msg[1200];
    int rc = judge(img, msg, sizeof msg);
    cr_expect_neq(rc, LSCAN_OK, "radiograph passed");
    cr_log_info("radiograph: %s (%s)", lscan_status_name(rc), msg);
    lscan_image_free(img);
    free(px);
}

/* A baggage-scanner-like image: a grey 640x480 frame, a bag with rounded corners (faint
 * fabric, a darker rim, a handle) and contents (a laptop, a bottle, shoes, a tangle of
 * cables), noise. */
Test(gate, baggage_scan_is_refused)
{
    const uint32_t w = 640, h = 480;
    uint8_t *px = malloc((size_t)w * h);
    cr_assert_not_null(px);
    uint64_t st = 3;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double v = 240;
            /* The bag: a rounded rectangle 80..560 x 110..420, radius 40. */
            double cx = clampd(x, 120, 520), cy = clampd(y, 150, 380);
            double d = hypot(x - cx, y - cy);
            if (d < 40) v = d > 34 ? 150 : 215;
            /* The handle: an arc above the bag. */
            double hd = hypot(x - 320.0, (y - 120.0) * 1.6);
            if (y < 118 && hd > 70 && hd < 80) v = 160;
            if (d < 34) {
                if (x > 150 && x < 390 && y > 170 && y < 330) v = 120;           /* laptop */
                if (x > 190 && x < 230 && y > 200 && y < 220) v = 60;            /* its battery */
                if (hypot(x - 460.0, (y - 250.0) / 3.0) < 28) v = 95;            /* bottle */
                if (hypot(x - 230.0, (y - 370.0) * 2.0) < 60) v = 135;           /* shoe */
                if (hypot(x - 480.0, y - 370.0) < 30 && (x + y) % 9 < 2) v = 70; /* cables */
            }
            px[(size_t)y * w + x] = (uint8_t)clampd(v + noise(&st, 3), 0, 255);
        }
    lscan_image *img = wrap8(px, w, h);
    char msg[1200];
    int rc = judge(img, msg, sizeof msg);
    cr_expect_neq(rc, LSCAN_OK, "baggage image passed");
    cr_log_info("baggage: %s (%s)", lscan_status_name(rc), msg);
    lscan_image_free(img);
    free(px);
}

/* ---- every file the project carries -------------------------------------------------------- */

struct tally {
    unsigned files, passed, by_status[140];
};

/* Judges every regular file under dir (recursively); `strip` bytes are removed from the
 * end of each (the fuzz seeds' option byte). */
static void judge_tree(const char *dir, size_t strip, struct tally *t)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            judge_tree(path, strip, t);
            continue;
        }
        if (!S_ISREG(sb.st_mode) || strstr(e->d_name, "README")) continue;
        size_t n = 0;
        uint8_t *data = tu_read_file(path, &n);
        cr_assert(data || n == 0, "cannot read %s", path);
        n = n > strip ? n - strip : 0;
        char msg[1200];
        int rc = n ? judge_bytes(data, n, msg, sizeof msg) : LSCAN_ERR_EMPTY_INPUT;
        t->files++;
        t->by_status[rc >= 0 && rc < 140 ? rc : 139]++;
        if (rc == LSCAN_OK) t->passed++;
        cr_expect_neq(rc, LSCAN_OK, "%s passed the scan check", path);
        free(data);
    }
    closedir(d);
}

static void report(const char *what, const struct tally *t)
{
    char line[1024];
    int k = snprintf(line, sizeof line, "%s: %u files, %u passed;", what, t->files, t->passed);
    for (int s = 0; s < 140 && k < (int)sizeof line - 40; s++)
        if (t->by_status[s])
            k += snprintf(line + k, sizeof line - (size_t)k, " %s %u", lscan_status_name(s),
                          t->by_status[s]);
    cr_log_info("%s", line);
}

/* PngSuite, libpng's and libjpeg-turbo's test images (tests/data/notscans/README.md). */
Test(gate, public_test_images_never_pass)
{
    struct tally t = {0};
    judge_tree(LSCAN_SOURCE_ROOT "/tests/data/notscans", 0, &t);
    report("public test images", &t);
    cr_expect_gt(t.files, 300u);
    cr_expect_eq(t.passed, 0u);
}

/* The reproducers in tests/crashers. */
Test(gate, crashers_never_pass)
{
    struct tally t = {0};
    judge_tree(LSCAN_SOURCE_ROOT "/tests/crashers", 0, &t);
    report("crashers", &t);
    cr_expect_gt(t.files, 10u);
    cr_expect_eq(t.passed, 0u);
}

#ifdef LSCAN_GEN_CORPUS
/* The fuzzers' seeds, made by tests/fuzz/gen_corpus: valid files of every format and depth
 * (small scans), their cut and bit-flipped variants, bombs, models. */
Test(gate, fuzz_seeds_never_pass, .timeout = 600)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s' 2>/dev/null", LSCAN_GEN_CORPUS, tu_path("seeds"));
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    struct tally t = {0};
    judge_tree(tu_path("seeds"), 1, &t);
    report("fuzz seeds", &t);
    cr_expect_gt(t.files, 100u);
    cr_expect_eq(t.passed, 0u);
}
#endif

/* ---- through lscan_screen ------------------------------------------------------------------ */

/* A tiny model trained on small generated scans; the chart is INSPECT not_a_scan with its
 * message in the result, a generated scan is decided by the model. */
Test(gate, screening_records_not_a_scan)
{
    lscan_trainer *tr = lscan_trainer_new();
    cr_assert_not_null(tr);
    for (uint64_t s = 0; s < 30; s++) {
        lscan_synth_params p;
        lscan_synth_params_init(&p);
        /* Every class, so that every per-class part of the model has examples. */
        p.cls = s % 10 < 5 ? (int)(s % 10) : LSCAN_CLASS_DENSE_OBJECT + (int)(s % 10) - 5;
        p.width = 480, p.height = 240;
        p.difficulty_max = 0.3f;
        lscan_image *img;
        lscan_synth_truth *truth;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 4600 + s, &img, &truth), LSCAN_OK);
        cr_assert_eq(lscan_trainer_add(tr, ctx, img, lscan_synth_truth_mask(truth), 480, p.cls,
                                       s < 20 ? LSCAN_SPLIT_TRAIN : LSCAN_SPLIT_VALIDATION, s),
                     LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        lscan_synth_truth_free(truth);
        lscan_image_free(img);
    }
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.max_negative_tiles = 60;
    lscan_model *m = NULL;
    cr_assert_eq(lscan_trainer_fit(tr, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_trainer_free(tr);

    const uint32_t w = 1200, h = 500;
    uint8_t *px = malloc((size_t)w * h);
    cr_assert_not_null(px);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            px[(size_t)y * w + x] = x < 30 || y < 30 || x >= w - 30 || y >= h - 30 ? 0 : 245;
    lscan_image *chart = wrap8(px, w, h);
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.threshold = 1.0; /* a model that would release anything */
    lscan_result *r = NULL;
    cr_expect_eq(lscan_screen(ctx, m, chart, &so, &r), LSCAN_ERR_NOT_A_SCAN);
    cr_assert_not_null(r);
    cr_expect_eq(lscan_result_decision(r), LSCAN_INSPECT);
    cr_expect_eq(lscan_result_status(r), LSCAN_ERR_NOT_A_SCAN);
    cr_expect(strstr(lscan_result_message(r), "not a scan: ") != NULL, "%s",
              lscan_result_message(r));
    cr_expect(isnan(lscan_result_score(r)));
    lscan_result_free(r);
    lscan_image_free(chart);
    free(px);

    lscan_image *scan = generate(0, LSCAN_CLASS_EMPTY, 480, 240, 4700);
    cr_expect_eq(lscan_screen(ctx, m, scan, NULL, &r), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    cr_expect_eq(lscan_result_status(r), LSCAN_OK);
    cr_expect(!isnan(lscan_result_score(r)));
    lscan_result_free(r);
    lscan_image_free(scan);
    lscan_model_free(m);
}
