/* test_overlay.c — overlays: layout, font, tile-size inference, known pixel values, heat and boxes
 * on a real result, PNG/JPEG files, errors. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/overlay.h"
#include "testutil.h"

Test(overlay, layout_fits_the_longer_side_and_never_upscales)
{
    lscan__overlay_layout l;
    cr_assert_eq(lscan__overlay_layout_for(3200, 800, 1600, &l), LSCAN_OK);
    cr_expect_eq(l.image_w, 1600);
    cr_expect_eq(l.image_h, 400);
    cr_expect_eq(l.width, 1600);
    cr_expect_eq(l.font_scale, 3);
    cr_expect_eq(l.banner_h, 3 * (LSCAN__FONT_H + 3) * 3 + 3 * 3);
    cr_expect_eq(l.height, l.banner_h + 400);
    /* Small: kept as is, the canvas widened for the banner. */
    cr_assert_eq(lscan__overlay_layout_for(10, 6, 1600, &l), LSCAN_OK);
    cr_expect_eq(l.image_w, 10);
    cr_expect_eq(l.image_h, 6);
    cr_expect_eq(l.width, 240);
    cr_expect_eq(l.font_scale, 1);
    /* Tall: the height is what is fitted. */
    cr_assert_eq(lscan__overlay_layout_for(500, 4000, 800, &l), LSCAN_OK);
    cr_expect_eq(l.image_h, 800);
    cr_expect_eq(l.image_w, 100);
    cr_expect_eq(lscan__overlay_layout_for(0, 5, 800, &l), LSCAN_ERR_BAD_DIMENSIONS);
}

Test(overlay, font_draws_known_glyph_bits)
{
    /* '1' is 0x04,0x0C,0x04,0x04,0x04,0x04,0x0E: column 2 set in every row. */
    const uint8_t *g = lscan__font_glyph('1');
    cr_expect_eq(g[0], 0x04);
    cr_expect_eq(g[6], 0x0E);
    cr_expect_eq(lscan__font_glyph('a'), lscan__font_glyph('A'), "lower case drawn as capitals");
    cr_expect_eq(lscan__font_glyph('~'), lscan__font_glyph('?'));
    uint8_t buf[20 * 16 * 3];
    memset(buf, 0, sizeof buf);
    const uint8_t red[3] = {255, 0, 0};
    uint32_t end = lscan__font_draw(buf, 20 * 3, 20, 16, 1, 1, 2, red, "1");
    cr_expect_eq(end, 1 + LSCAN__FONT_ADVANCE * 2);
    /* Scale 2: glyph pixel (gx, gy) covers x = 1+2gx..+1, y = 1+2gy..+1. */
    for (uint32_t gy = 0; gy < 7; gy++)
        for (uint32_t gx = 0; gx < 5; gx++) {
            bool on = g[gy] & (0x10u >> gx);
            for (uint32_t s = 0; s < 4; s++) {
                uint32_t x = 1 + 2 * gx + (s & 1), y = 1 + 2 * gy + (s >> 1);
                cr_expect_eq(buf[(y * 20 + x) * 3], on ? 255 : 0, "glyph pixel %u,%u", gx, gy);
            }
        }
    /* A glyph that does not fit whole is not drawn at all. */
    memset(buf, 0, sizeof buf);
    cr_expect_eq(lscan__font_draw(buf, 20 * 3, 20, 16, 16, 0, 1, red, "1"), 16);
    for (size_t i = 0; i < sizeof buf; i++)
        cr_assert_eq(buf[i], 0);
}

Test(overlay, tile_side_inferred_from_grid_and_hot_tiles)
{
    lscan_box c = {10, 20, 110, 70}; /* 100 x 50 */
    /* t = 16: 7 x 4 tiles; an uncut hot tile gives the side exactly. */
    lscan_box hot[2] = {{10 + 96, 20 + 48, 110, 70}, {10 + 16, 20 + 32, 10 + 32, 20 + 48}};
    cr_expect_eq(lscan__overlay_tile_px(&c, 7, 4, hot, 2), 16);
    /* Only the corner tile, cut both ways: the smallest side giving the grid. */
    uint32_t t = lscan__overlay_tile_px(&c, 7, 4, hot, 1);
    cr_expect((100 + t - 1) / t == 7 && (50 + t - 1) / t == 4, "t = %u", t);
    cr_expect_eq(t, 15);
    lscan_box empty = {0, 0, 0, 0};
    cr_expect_eq(lscan__overlay_tile_px(&empty, 7, 4, NULL, 0), 0);
    cr_expect_eq(lscan__overlay_tile_px(&c, 0, 4, NULL, 0), 0);
}

/* A result for an input that could not be read: INSPECT, no score, no size. */
static lscan_result *failed_result(lscan_ctx *ctx, lscan_model *m)
{
    lscan_result *r = NULL;
    cr_assert_eq(lscan_screen_file(ctx, m, "/nonexistent/scan.png", NULL, NULL, &r), LSCAN_ERR_IO);
    cr_assert_not_null(r);
    return r;
}

static lscan_model *train_model(lscan_ctx *ctx)
{
    static const int classes[] = {LSCAN_CLASS_EMPTY,          LSCAN_CLASS_HOMOGENEOUS,
                                  LSCAN_CLASS_BULK,           LSCAN_CLASS_MIXED,
                                  LSCAN_CLASS_MACHINERY,      LSCAN_CLASS_DENSE_OBJECT,
                                  LSCAN_CLASS_IMPENETRABLE,   LSCAN_CLASS_HIDDEN_COMPARTMENT,
                                  LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY};
    lscan_trainer *t = lscan_trainer_new();
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = 480;
    p.height = 240;
    p.difficulty_max = 0.3f;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        p.cls = classes[seed % 10];
        lscan_image *img;
        lscan_synth_truth *truth;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 1000 + seed, &img, &truth), LSCAN_OK);
        cr_assert_eq(lscan_trainer_add(t, ctx, img, lscan_synth_truth_mask(truth), 480, p.cls,
                                       seed <= 20 ? LSCAN_SPLIT_TRAIN : LSCAN_SPLIT_VALIDATION,
                                       seed),
                     LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        lscan_image_free(img);
        lscan_synth_truth_free(truth);
    }
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.max_negative_tiles = 60;
    lscan_model *m = NULL;
    cr_assert_eq(lscan_trainer_fit(t, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_trainer_free(t);
    return m;
}

static int count_color(const uint8_t *rgb, size_t stride, uint32_t x0, uint32_t y0, uint32_t x1,
                       uint32_t y1, uint8_t r, uint8_t g, uint8_t b)
{
    int n = 0;
    for (uint32_t y = y0; y < y1; y++)
        for (uint32_t x = x0; x < x1; x++) {
            const uint8_t *p = rgb + y * stride + (size_t)x * 3;
            n += p[0] == r && p[1] == g && p[2] == b;
        }
    return n;
}

Test(overlay, grey_scale_and_banner_of_a_failed_result)
{
    /* Left half air (60000), right half dense (600): the log stretch maps them to 255 and 0. */
    enum { IW = 64, IH = 32 };
    static uint16_t px[IW * IH];
    for (int y = 0; y < IH; y++)
        for (int x = 0; x < IW; x++)
            px[y * IW + x] = x < IW / 2 ? 60000 : 600;
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, px, IW, IH, IW * 2, 16, NULL, &img), LSCAN_OK);
    lscan_model *m = train_model(ctx);
    lscan_result *r = failed_result(ctx, m);
    uint32_t w, h;
    cr_assert_eq(lscan_overlay_size(img, NULL, &w, &h), LSCAN_OK);
    lscan__overlay_layout l;
    lscan__overlay_layout_for(IW, IH, 1600, &l);
    cr_assert_eq(w, l.width);
    cr_assert_eq(h, l.height);
    size_t stride = (size_t)w * 3 + 5; /* a padded stride is honoured */
    uint8_t *rgb = malloc(stride * h);
    cr_assert_eq(lscan_overlay_render(ctx, img, r, NULL, rgb, stride), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    for (uint32_t y = 0; y < IH; y++)
        for (uint32_t x = 0; x < IW; x++) {
            const uint8_t *p = rgb + (l.banner_h + y) * stride + x * 3;
            uint8_t want = x < IW / 2 ? 255 : 0;
            cr_assert(p[0] == want && p[1] == want && p[2] == want, "pixel %u,%u = %u,%u,%u", x, y,
                      p[0], p[1], p[2]);
        }
    /* Failed: no heat, no boxes; the banner says INSPECT (red) and why it was not analysed (red).
     */
    int red_line1 = count_color(rgb, stride, 0, 0, w, l.banner_h / 3, 255, 56, 56);
    int red_line2 = count_color(rgb, stride, 0, l.banner_h / 3, w, 2 * l.banner_h / 3, 255, 56, 56);
    cr_expect_gt(red_line1, 40, "INSPECT written in red");
    cr_expect_gt(red_line2, 40, "NOT ANALYSED written in red");
    cr_expect_eq(count_color(rgb, stride, 0, 0, w, l.banner_h, 80, 220, 90), 0, "nothing green");
    /* Beyond the image, the canvas keeps the background. */
    cr_expect_eq(count_color(rgb, stride, IW, l.banner_h, w, h, 24, 24, 24), (int)((w - IW) * IH));
    free(rgb);
    lscan_result_free(r);
    lscan_image_free(img);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(overlay, heat_and_boxes_follow_the_hot_tiles)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = 480;
    p.height = 240;
    p.cls = LSCAN_CLASS_DENSE_OBJECT;
    p.difficulty_max = 0.1f;
    lscan_image *img;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 4242, &img, NULL), LSCAN_OK);
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.threshold =
        0.0; /* INSPECT whatever the tiny model thinks: the hottest tile is then always boxed */
    lscan_result *r;
    cr_assert_eq(lscan_screen(ctx, m, img, &so, &r), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_box hot;
    double score;
    cr_assert_eq(lscan_result_hot_tile(r, 0, &hot, &score), LSCAN_OK);
    lscan__overlay_layout l;
    lscan__overlay_layout_for(480, 240, 1600, &l); /* not downscaled: boxes land on exact pixels */
    size_t stride = (size_t)l.width * 3;
    uint8_t *rgb = malloc(stride * l.height);
    cr_assert_eq(lscan_overlay_render(ctx, img, r, NULL, rgb, stride), LSCAN_OK);
    /* The hottest region's box (red, thickness font_scale+1, k px outside the tile) crosses the
     * tile's top-left corner diagonal at (x0 - k, y0 - k). */
    uint32_t k = l.font_scale;
    const uint8_t *corner =
        rgb + (size_t)(l.banner_h + hot.y0 - k) * stride + (size_t)(hot.x0 - k) * 3;
    cr_expect(corner[0] == 255 && corner[1] == 56 && corner[2] == 56, "corner %u,%u,%u", corner[0],
              corner[1], corner[2]);
    /* Inside a tile hotter than 0.5 the heat map tints the image: red above green and blue. */
    if (score > 0.6) {
        const uint8_t *mid = rgb + (size_t)(l.banner_h + (hot.y0 + hot.y1) / 2) * stride +
                             (size_t)((hot.x0 + hot.x1) / 2) * 3;
        cr_expect(mid[0] > mid[2] + 40, "tinted %u,%u,%u", mid[0], mid[1], mid[2]);
    }
    /* The container outline is drawn in cyan. */
    lscan_box c;
    lscan_result_container(r, &c);
    cr_expect_gt(count_color(rgb, stride, 0, l.banner_h, l.width, l.height, 0, 190, 220),
                 (int)(c.x1 - c.x0));
    free(rgb);
    lscan_result_free(r);
    lscan_image_free(img);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

Test(overlay, writes_png_and_jpeg_whole)
{
    enum { IW = 300, IH = 100 };
    static uint16_t px[IW * IH];
    for (int i = 0; i < IW * IH; i++)
        px[i] = (uint16_t)(1000 + (i % IW) * 200);
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, px, IW, IH, IW * 2, 16, NULL, &img), LSCAN_OK);
    lscan_model *m = train_model(ctx);
    lscan_result *r = failed_result(ctx, m);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/ov", tu_tmpdir());
    mkdir(dir, 0755);
    char png[600], jpg[600];
    snprintf(png, sizeof png, "%s/a.png", dir);
    snprintf(jpg, sizeof jpg, "%s/a.jpg", dir);
    lscan_overlay_options o;
    lscan_overlay_options_init(&o);
    cr_assert_eq(lscan_overlay_write(ctx, img, r, png, &o), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    o.format = LSCAN_OVERLAY_JPEG;
    o.quality = 90;
    cr_assert_eq(lscan_overlay_write(ctx, img, r, jpg, &o), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    cr_expect_eq(files_in(dir), 2, "no temporary file left behind");
    uint32_t w, h;
    lscan_overlay_size(img, &o, &w, &h);
    /* Read back with the library's own decoders (libpng, libjpeg). */
    lscan_image *back;
    cr_assert_eq(lscan_image_load(ctx, png, NULL, &back), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    cr_expect_eq(lscan_image_width(back), w);
    cr_expect_eq(lscan_image_height(back), h);
    cr_expect_eq(lscan_image_source_channels(back), 3);
    lscan_image_free(back);
    cr_assert_eq(lscan_image_load(ctx, jpg, NULL, &back), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    cr_expect_eq(lscan_image_width(back), w);
    cr_expect_eq(lscan_image_source_format(back), LSCAN_FORMAT_JPEG);
    lscan_image_free(back);
    /* A folder that does not exist: an I/O error naming the file. */
    cr_expect_eq(lscan_overlay_write(ctx, img, r, "/nonexistent/dir/x.png", NULL), LSCAN_ERR_IO);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "/nonexistent/dir/x.png") != NULL, "%s",
              lscan_ctx_error_message(ctx));
    lscan_result_free(r);
    lscan_image_free(img);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(overlay, options_and_arguments_are_checked)
{
    static uint16_t px[16 * 8];
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, px, 16, 8, 32, 16, NULL, &img), LSCAN_OK);
    lscan_model *m = train_model(ctx);
    lscan_result *r = failed_result(ctx, m);
    uint8_t rgb[240 * 60 * 3];
    lscan_overlay_options o;
    lscan_overlay_options_init(&o);
    o.max_width = 10;
    cr_expect_eq(lscan_overlay_render(ctx, img, r, &o, rgb, 240 * 3), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_overlay_options_init(&o);
    o.quality = 0;
    cr_expect_eq(lscan_overlay_write(ctx, img, r, "x.jpg", &o), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_overlay_options_init(&o);
    o.format = 7;
    cr_expect_eq(lscan_overlay_write(ctx, img, r, "x.png", &o), LSCAN_ERR_INVALID_ARGUMENT);
    o.size = 0;
    cr_expect_eq(lscan_overlay_size(img, &o, NULL, NULL), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_overlay_render(ctx, img, r, NULL, rgb, 10), LSCAN_ERR_INVALID_ARGUMENT,
                 "stride too small");
    cr_expect_eq(lscan_overlay_render(ctx, NULL, r, NULL, rgb, 240 * 3),
                 LSCAN_ERR_INVALID_ARGUMENT);
    /* A result of another image is refused. */
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = 480;
    p.height = 240;
    lscan_image *other;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 9, &other, NULL), LSCAN_OK);
    lscan_result *r2;
    lscan_screen(ctx, m, other, NULL, &r2);
    cr_expect_eq(lscan_overlay_render(ctx, img, r2, NULL, rgb, 240 * 3),
                 LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "480x240") != NULL, "%s",
              lscan_ctx_error_message(ctx));
    lscan_result_free(r2);
    lscan_image_free(other);
    lscan_result_free(r);
    lscan_image_free(img);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}
