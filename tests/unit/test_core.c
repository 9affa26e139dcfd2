/* test_core.c — context, errors, CPU feature parsing, load options, wrapping caller buffers. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/internal.h"
#include "testutil.h"

Test(core, version_matches_header)
{
    cr_expect_str_eq(lscan_version(), LSCAN_VERSION_STRING);
    cr_expect_eq(lscan_version_number(), LSCAN_VERSION_NUMBER);
}

Test(core, strerror_never_null_and_names_unique)
{
    cr_expect_str_eq(lscan_status_name(LSCAN_ERR_TRUNCATED), "truncated");
    cr_expect_str_eq(lscan_status_name(LSCAN_ERR_NO_CONTAINER), "no_container");
    cr_expect_not_null(lscan_strerror(-12345));
    cr_expect_str_eq(lscan_status_name(99999), "unknown");
    /* Codes are pinned: renumbering breaks callers. */
    cr_expect_eq(LSCAN_ERR_TRUNCATED, 40);
    cr_expect_eq(LSCAN_ERR_MODEL_SCHEMA, 102);
}

Test(core, cpu_feature_parsing)
{
    uint32_t m = 99;
    cr_assert_eq(lscan_cpu_features_parse("avx2,SSE2", &m), LSCAN_OK);
    cr_expect_eq(m, LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2);
    cr_assert_eq(lscan_cpu_features_parse("", &m), LSCAN_OK);
    cr_expect_eq(m, 0u);
    cr_assert_eq(lscan_cpu_features_parse("none", &m), LSCAN_OK);
    cr_expect_eq(m, 0u);
    cr_expect_eq(lscan_cpu_features_parse("avx512", &m), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_cpu_features_parse("avx", &m), LSCAN_ERR_INVALID_ARGUMENT);
}

Test(core, disabling_features_narrows_the_context)
{
    lscan_ctx *ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
    cr_expect_eq(lscan_ctx_cpu_features(ctx), lscan_cpu_features());
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, LSCAN_CPU_AVX2), LSCAN_OK);
    cr_expect_eq(lscan_ctx_cpu_features(ctx) & LSCAN_CPU_AVX2, 0u);
    /* No SSE2 means no AVX2 either. */
    cr_assert_eq(lscan_ctx_set_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, LSCAN_CPU_SSE2), LSCAN_OK);
    cr_expect_eq(lscan_ctx_cpu_features(ctx) & (LSCAN_CPU_AVX2 | LSCAN_CPU_SSE2), 0u);
    int64_t v;
    cr_assert_eq(lscan_ctx_get_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, &v), LSCAN_OK);
    cr_expect_eq(v, LSCAN_CPU_SSE2);
    cr_expect_eq(lscan_ctx_set_param(ctx, (lscan_param)77, 1), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_ctx_error(ctx), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_neq(strlen(lscan_ctx_error_message(ctx)), 0u);
    lscan_ctx_free(ctx);
    lscan_ctx_free(NULL);
}

Test(core, wrap_16bit_borrows_and_respects_stride)
{
    lscan_ctx *ctx = lscan_ctx_new();
    uint16_t buf[3 * 8];
    for (int i = 0; i < 24; i++) buf[i] = (uint16_t)(1000 + i);
    lscan_image *img;
    /* 5 pixels per row out of 8 allocated: stride 16 bytes. */
    cr_assert_eq(lscan_image_wrap(ctx, buf, 5, 3, 16, 16, NULL, &img), LSCAN_OK);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    cr_expect_eq(px, buf, "16-bit transmission pixels are referenced, not copied");
    cr_expect_eq(stride, 8u);
    cr_expect_eq(px[2 * stride + 4], 1000 + 2 * 8 + 4);
    cr_expect_eq(lscan_image_width(img), 5u);
    cr_expect_eq(lscan_image_height(img), 3u);
    cr_expect_eq(lscan_image_source_format(img), (uint32_t)LSCAN_FORMAT_RAW);
    cr_expect(lscan_image_flags(img) & LSCAN_IMAGE_BORROWED);
    cr_expect_null(lscan_image_pixels(img, 1, NULL));
    lscan_image_free(img);
    lscan_ctx_free(ctx);
}

Test(core, wrap_8bit_scales_and_inverts_on_request)
{
    lscan_ctx *ctx = lscan_ctx_new();
    uint8_t buf[2 * 4] = {0, 1, 128, 255, 9, 9, 9, 9};
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, buf, 3, 2, 4, 8, NULL, &img), LSCAN_OK);
    const uint16_t *px = lscan_image_pixels(img, 0, NULL);
    cr_expect_eq(px[0], 0);
    cr_expect_eq(px[1], 257);
    cr_expect_eq(px[2], 128 * 257);
    cr_expect_eq(px[3], 9 * 257, "second row starts after the stride");
    cr_expect(lscan_image_flags(img) & LSCAN_IMAGE_SCALED);
    lscan_image_free(img);

    lscan_load_options o;
    lscan_load_options_init(&o);
    o.polarity = LSCAN_POLARITY_ATTENUATION;
    cr_assert_eq(lscan_image_wrap(ctx, buf, 3, 2, 4, 8, &o, &img), LSCAN_OK);
    px = lscan_image_pixels(img, 0, NULL);
    cr_expect_eq(px[0], 65535);
    cr_expect_eq(px[2], 65535 - 128 * 257);
    cr_expect(lscan_image_flags(img) & LSCAN_IMAGE_INVERTED);
    cr_expect_eq(lscan_image_polarity(img), (uint32_t)LSCAN_POLARITY_TRANSMISSION);
    lscan_image_free(img);
    lscan_ctx_free(ctx);
}

Test(core, wrap_rejects_bad_arguments)
{
    lscan_ctx *ctx = lscan_ctx_new();
    uint16_t buf[16] = {0};
    lscan_image *img = (lscan_image *)1;
    cr_expect_eq(lscan_image_wrap(ctx, buf, 4, 4, 6, 16, NULL, &img), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_null(img);
    cr_expect_eq(lscan_image_wrap(ctx, buf, 0, 4, 8, 16, NULL, &img), LSCAN_ERR_BAD_DIMENSIONS);
    cr_expect_eq(lscan_image_wrap(ctx, buf, 4, 4, 8, 12, NULL, &img), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.max_pixels = 15;
    cr_expect_eq(lscan_image_wrap(ctx, buf, 4, 4, 8, 16, &o, &img), LSCAN_ERR_TOO_LARGE);
    o.max_pixels = 0; /* 0 means the default */
    o.max_dimension = 3;
    cr_expect_eq(lscan_image_wrap(ctx, buf, 4, 2, 8, 16, &o, &img), LSCAN_ERR_TOO_LARGE);
    o.size = 0;
    cr_expect_eq(lscan_image_wrap(ctx, buf, 4, 4, 8, 16, &o, &img), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_ctx_free(ctx);
}

Test(core, class_names_round_trip)
{
    int classes[] = {LSCAN_CLASS_EMPTY, LSCAN_CLASS_HOMOGENEOUS, LSCAN_CLASS_BULK, LSCAN_CLASS_MIXED,
                     LSCAN_CLASS_MACHINERY, LSCAN_CLASS_DENSE_OBJECT, LSCAN_CLASS_IMPENETRABLE,
                     LSCAN_CLASS_HIDDEN_COMPARTMENT, LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        int c = -1;
        cr_assert_not_null(lscan_class_name(classes[i]));
        cr_expect_eq(lscan_class_parse(lscan_class_name(classes[i]), &c), LSCAN_OK);
        cr_expect_eq(c, classes[i]);
    }
    cr_expect_null(lscan_class_name(7));
    int c;
    cr_expect_eq(lscan_class_parse("gold", &c), LSCAN_ERR_INVALID_ARGUMENT);
}

Test(core, pnm_p5_16bit_big_endian_and_p2)
{
    lscan_ctx *ctx = lscan_ctx_new();
    const uint8_t p5[] = "P5\n# comment\n3 1\n65535\n\x01\x02\xff\xfe\x00\x07";
    lscan_image *img;
    cr_assert_eq(lscan_image_decode(ctx, p5, sizeof p5 - 1, NULL, &img), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    const uint16_t *px = lscan_image_pixels(img, 0, NULL);
    cr_expect_eq(px[0], 0x0102);
    cr_expect_eq(px[1], 0xfffe);
    cr_expect_eq(px[2], 7);
    cr_expect_eq(lscan_image_source_bits(img), 16u);
    lscan_image_free(img);

    const char p2[] = "P2 2 2 1000\n0 1000\n500 1";
    cr_assert_eq(lscan_image_decode(ctx, p2, strlen(p2), NULL, &img), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    px = lscan_image_pixels(img, 0, NULL);
    cr_expect_eq(px[0], 0);
    cr_expect_eq(px[1], 65535);
    cr_expect_eq(px[2], (500u * 65535u + 500u) / 1000u);
    cr_expect_eq(px[3], (65535u + 500u) / 1000u);
    lscan_image_free(img);

    const char trunc[] = "P5 4 4 255\n\x01\x02";
    cr_expect_eq(lscan_image_decode(ctx, trunc, sizeof trunc - 1, NULL, &img), LSCAN_ERR_TRUNCATED);
    const char huge[] = "P5 4000000000 4000000000 255\n";
    cr_expect_eq(lscan_image_decode(ctx, huge, strlen(huge), NULL, &img), LSCAN_ERR_TOO_LARGE);
    const char zero[] = "P5 0 4 255\n";
    cr_expect_eq(lscan_image_decode(ctx, zero, strlen(zero), NULL, &img), LSCAN_ERR_BAD_DIMENSIONS);
    const char over[] = "P2 2 1 10\n5 11";
    cr_expect_eq(lscan_image_decode(ctx, over, strlen(over), NULL, &img), LSCAN_ERR_CORRUPT);
    const char p6[] = "P6 1 1 255\n\x01\x02\x03";
    cr_expect_eq(lscan_image_decode(ctx, p6, sizeof p6 - 1, NULL, &img), LSCAN_ERR_UNSUPPORTED);
    lscan_ctx_free(ctx);
}

Test(core, load_path_errors_name_the_file)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_image *img;
    cr_expect_eq(lscan_image_load(ctx, tu_tmpdir(), NULL, &img), LSCAN_ERR_NOT_A_FILE);
    cr_expect_str_eq(lscan_ctx_error_path(ctx), tu_tmpdir());
    cr_expect(strstr(lscan_ctx_error_message(ctx), tu_tmpdir()) != NULL);
    cr_expect_eq(lscan_image_load(ctx, tu_path("missing.png"), NULL, &img), LSCAN_ERR_IO);
    tu_write_file(tu_path("empty.png"), "", 0);
    cr_expect_eq(lscan_image_load(ctx, tu_path("empty.png"), NULL, &img), LSCAN_ERR_EMPTY_INPUT);
    tu_write_file(tu_path("text.png"), "hello world", 11);
    cr_expect_eq(lscan_image_load(ctx, tu_path("text.png"), NULL, &img), LSCAN_ERR_UNKNOWN_FORMAT);
    cr_expect_null(img);
    lscan_ctx_free(ctx);
}
