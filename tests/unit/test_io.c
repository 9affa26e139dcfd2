/* test_io.c — decoders: PNG, JPEG and PNM pixels against images the tests write themselves, and
 * damaged inputs. */
#include <criterion/criterion.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifdef LSCAN_HAVE_JPEG
#include <jpeglib.h>
#endif

#include "core/internal.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

struct buf {
    uint8_t *p;
    size_t n;
};

static lscan_ctx *ctx;

static void setup_ctx(void)
{
    ctx = lscan_ctx_new();
    cr_assert_not_null(ctx);
}

static void teardown_ctx(void)
{
    lscan_ctx_free(ctx);
}

TestSuite(io, .init = setup_ctx, .fini = teardown_ctx);

static int channels_of(int ctype)
{
    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;
    }
}

struct png_spec {
    uint32_t w, h;
    int depth, ctype, interlace;
    const uint16_t *s; /* w*h*channels samples, interleaved, each < 2^depth */
    const png_color *pal;
    int npal;
    bool trns, gama, text;
};

/* Packs one row of samples at the PNG bit depth (MSB first, big-endian). */
static void pack_row(const struct png_spec *sp, uint32_t y, uint8_t *row)
{
    size_t n = (size_t)sp->w * (size_t)channels_of(sp->ctype);
    const uint16_t *s = sp->s + (size_t)y * n;
    memset(row, 0, (n * (size_t)sp->depth + 7) / 8);
    for (size_t i = 0; i < n; i++) {
        if (sp->depth == 16) {
            row[2 * i] = (uint8_t)(s[i] >> 8);
            row[2 * i + 1] = (uint8_t)s[i];
        } else if (sp->depth == 8) {
            row[i] = (uint8_t)s[i];
        } else {
            size_t bit = i * (size_t)sp->depth;
            row[bit / 8] |= (uint8_t)(s[i] << (8 - sp->depth - (int)(bit % 8)));
        }
    }
}

/* Encodes a PNG with libpng into memory. */
static struct buf png_encode(const struct png_spec *sp)
{
    struct buf b = {NULL, 0};
    FILE *f = open_memstream((char **)&b.p, &b.n);
    cr_assert_not_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    cr_assert(png && info);
    size_t rowbytes = ((size_t)sp->w * (size_t)channels_of(sp->ctype) * (size_t)sp->depth + 7) / 8;
    uint8_t *img = malloc(rowbytes * sp->h);
    png_bytep *rows = malloc(sizeof *rows * sp->h);
    cr_assert(img && rows);
    for (uint32_t y = 0; y < sp->h; y++) {
        rows[y] = img + (size_t)y * rowbytes;
        pack_row(sp, y, rows[y]);
    }
    if (setjmp(png_jmpbuf(png))) cr_assert_fail("libpng failed writing a test image");
    png_init_io(png, f);
    png_set_IHDR(png, info, sp->w, sp->h, sp->depth, sp->ctype, sp->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (sp->pal) png_set_PLTE(png, info, sp->pal, sp->npal);
    if (sp->trns) {
        if (sp->ctype == PNG_COLOR_TYPE_PALETTE) {
            png_byte alpha[2] = {0, 128};
            png_set_tRNS(png, info, alpha, 2, NULL);
        } else {
            png_color_16 c = {0, 0, 0, 0, 0};
            png_set_tRNS(png, info, NULL, 0, &c);
        }
    }
    if (sp->gama) png_set_gAMA(png, info, 1.0 / 2.2);
    if (sp->text) {
        png_text t[2] = {{0}};
        t[0].compression = PNG_TEXT_COMPRESSION_NONE;
        t[0].key = (char *)"Comment";
        t[0].text = (char *)"made by test_io";
        t[1].compression = PNG_TEXT_COMPRESSION_zTXt;
        t[1].key = (char *)"Description";
        t[1].text = (char *)"a compressed text chunk that the decoder must skip unread";
        png_set_text(png, info, t, 2);
    }
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(img);
    cr_assert_eq(fclose(f), 0);
    return b;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Offset of the first chunk of the given type, or 0. */
static size_t find_chunk(const struct buf *b, const char *type)
{
    size_t p = 8;
    while (p + 12 <= b->n) {
        if (memcmp(b->p + p + 4, type, 4) == 0) return p;
        p += 12 + rd32(b->p + p);
    }
    return 0;
}

/* Recomputes every chunk CRC, so a deliberate change is not a checksum error. */
static void fix_crcs(struct buf *b)
{
    size_t p = 8;
    while (p + 12 <= b->n) {
        uint32_t len = rd32(b->p + p);
        wr32(b->p + p + 8 + len, (uint32_t)crc32(0, b->p + p + 4, len + 4));
        p += 12 + len;
    }
}

static void append_chunk(struct buf *b, const char *type, const uint8_t *data, uint32_t len)
{
    b->p = realloc(b->p, b->n + 12 + len);
    cr_assert_not_null(b->p);
    uint8_t *c = b->p + b->n;
    wr32(c, len);
    memcpy(c + 4, type, 4);
    if (len) memcpy(c + 8, data, len);
    wr32(c + 8 + len, (uint32_t)crc32(0, c + 4, len + 4));
    b->n += 12 + len;
}

/* A PNG built by hand from raw (already filtered) scanlines, for streams
 * libpng's writer would refuse to make. */
static struct buf png_by_hand(uint32_t w, uint32_t h, int depth, int ctype, const uint8_t *pal,
                              int npal, const uint8_t *raw, size_t rawlen)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    struct buf b = {malloc(8), 8};
    memcpy(b.p, sig, 8);
    uint8_t ihdr[13] = {0};
    wr32(ihdr, w);
    wr32(ihdr + 4, h);
    ihdr[8] = (uint8_t)depth;
    ihdr[9] = (uint8_t)ctype;
    append_chunk(&b, "IHDR", ihdr, 13);
    if (pal) append_chunk(&b, "PLTE", pal, (uint32_t)npal * 3);
    uLongf zn = compressBound((uLong)rawlen);
    uint8_t *z = malloc(zn);
    cr_assert_eq(compress2(z, &zn, raw, (uLong)rawlen, 6), Z_OK);
    append_chunk(&b, "IDAT", z, (uint32_t)zn);
    append_chunk(&b, "IEND", NULL, 0);
    free(z);
    return b;
}

static uint16_t *random_samples(size_t n, int depth, uint64_t seed)
{
    uint16_t *s = malloc(n * sizeof *s);
    cr_assert_not_null(s);
    uint64_t st = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++)
        s[i] = (uint16_t)(tu_rand(&st) & ((1u << depth) - 1));
    return s;
}

static lscan_image *decode_ok(const struct buf *b, const lscan_load_options *o)
{
    lscan_image *img = NULL;
    int rc = lscan_image_decode(ctx, b->p, b->n, o, &img);
    cr_assert_eq(rc, LSCAN_OK, "decode failed: %s (%s)", lscan_status_name(rc),
                 lscan_ctx_error_message(ctx));
    cr_assert_not_null(img);
    return img;
}

static int decode_rc(const void *p, size_t n, const lscan_load_options *o)
{
    lscan_image *img = (lscan_image *)(uintptr_t)1;
    int rc = lscan_image_decode(ctx, p, n, o, &img);
    if (rc) cr_assert_null(img, "a failed decode must not return an image");
    lscan_image_free(img);
    return rc;
}

static uint16_t px(const lscan_image *img, uint32_t plane, uint32_t x, uint32_t y)
{
    size_t stride;
    const uint16_t *p = lscan_image_pixels(img, plane, &stride);
    cr_assert_not_null(p);
    return p[(size_t)y * stride + x];
}

static double luma601(double r, double g, double b)
{
    return 0.299 * r + 0.587 * g + 0.114 * b;
}

static lscan_load_options opts_with(uint32_t polarity, uint32_t channels)
{
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.polarity = polarity;
    o.channels = channels;
    return o;
}

/* ------------------------------------------------------------------------ */
/* PNG: lossless formats, exact pixels                                       */
/* ------------------------------------------------------------------------ */

/* Grey 1/2/4/8/16 bit at an odd width, plain and Adam7: every sample scaled
 * by the exact factor 65535 / (2^depth - 1). */
Test(io, png_grey_all_depths_exact)
{
    static const int depths[] = {1, 2, 4, 8, 16};
    const uint32_t w = 37, h = 11;
    for (size_t d = 0; d < 5; d++) {
        int depth = depths[d];
        uint16_t *s = random_samples((size_t)w * h, depth, (uint64_t)depth);
        uint32_t factor = 65535u / ((1u << depth) - 1);
        for (int interlace = 0; interlace <= 1; interlace++) {
            struct png_spec sp = {w,     h,     depth, PNG_COLOR_TYPE_GRAY, interlace, s, NULL, 0,
                                  false, false, false};
            struct buf b = png_encode(&sp);
            lscan_image *img = decode_ok(&b, NULL);
            cr_expect_eq(lscan_image_width(img), w);
            cr_expect_eq(lscan_image_height(img), h);
            cr_expect_eq(lscan_image_channels(img), 1u);
            cr_expect_eq(lscan_image_source_bits(img), (uint32_t)depth);
            cr_expect_eq(lscan_image_source_channels(img), 1u);
            cr_expect_eq(lscan_image_source_format(img), (uint32_t)LSCAN_FORMAT_PNG);
            cr_expect_eq(lscan_image_flags(img), depth == 16 ? 0u : (uint32_t)LSCAN_IMAGE_SCALED);
            cr_expect_eq(lscan_image_polarity(img), (uint32_t)LSCAN_POLARITY_AUTO);
            int bad = 0;
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++)
                    bad += px(img, 0, x, y) != (uint16_t)(s[(size_t)y * w + x] * factor);
            cr_expect_eq(bad, 0, "depth %d interlace %d: %d wrong pixels", depth, interlace, bad);
            lscan_image_free(img);
            free(b.p);
        }
        free(s);
    }
}

/* The extremes of every depth reach exactly 0 and 65535. */
Test(io, png_grey_full_range_scaling)
{
    static const int depths[] = {1, 2, 4, 8};
    for (size_t d = 0; d < 4; d++) {
        uint16_t s[2] = {0, (uint16_t)((1u << depths[d]) - 1)};
        struct png_spec sp = {2,     1,     depths[d], PNG_COLOR_TYPE_GRAY, 0, s, NULL, 0,
                              false, false, false};
        struct buf b = png_encode(&sp);
        lscan_image *img = decode_ok(&b, NULL);
        cr_expect_eq(px(img, 0, 0, 0), 0);
        cr_expect_eq(px(img, 0, 1, 0), 65535);
        lscan_image_free(img);
        free(b.p);
    }
}

/* Grey+alpha is a dual-energy pair: grey -> plane 0 (high), alpha -> plane 1 (low). */
Test(io, png_grey_alpha_is_dual_energy)
{
    const uint32_t w = 19, h = 9;
    for (int depth = 8; depth <= 16; depth += 8) {
        uint16_t *s = random_samples((size_t)w * h * 2, depth, 100u + (uint64_t)depth);
        uint32_t factor = depth == 8 ? 257u : 1u;
        for (int interlace = 0; interlace <= 1; interlace++) {
            struct png_spec sp = {
                w, h, depth, PNG_COLOR_TYPE_GRAY_ALPHA, interlace, s, NULL, 0, false, false, false};
            struct buf b = png_encode(&sp);
            lscan_image *img = decode_ok(&b, NULL);
            cr_expect_eq(lscan_image_channels(img), 2u);
            cr_expect_eq(lscan_image_source_channels(img), 2u);
            cr_expect_eq(lscan_image_source_bits(img), (uint32_t)depth);
            cr_expect_eq(lscan_image_flags(img), depth == 8 ? (uint32_t)LSCAN_IMAGE_SCALED : 0u);
            int bad = 0;
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++) {
                    size_t i = ((size_t)y * w + x) * 2;
                    bad += px(img, 0, x, y) != (uint16_t)(s[i] * factor);
                    bad += px(img, 1, x, y) != (uint16_t)(s[i + 1] * factor);
                }
            cr_expect_eq(bad, 0, "depth %d interlace %d: %d wrong samples", depth, interlace, bad);
            lscan_image_free(img);

            /* Asked for one plane: channel 0 only, the alpha is dropped and flagged. */
            lscan_load_options o = opts_with(LSCAN_POLARITY_AUTO, LSCAN_CHANNELS_SINGLE);
            img = decode_ok(&b, &o);
            cr_expect_eq(lscan_image_channels(img), 1u);
            cr_expect_null(lscan_image_pixels(img, 1, NULL));
            cr_expect(lscan_image_flags(img) & LSCAN_IMAGE_ALPHA_DROPPED);
            bad = 0;
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++)
                    bad += px(img, 0, x, y) != (uint16_t)(s[((size_t)y * w + x) * 2] * factor);
            cr_expect_eq(bad, 0);
            lscan_image_free(img);
            free(b.p);
        }
        free(s);
    }
}

/* RGB and RGBA, 8 and 16 bit: Rec.601 luminance within 1 LSB of
 * 0.299 R + 0.587 G + 0.114 B computed on the 16-bit samples. */
Test(io, png_colour_to_rec601_luminance)
{
    const uint32_t w = 23, h = 7;
    static const int ctypes[] = {PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    for (int ci = 0; ci < 2; ci++)
        for (int depth = 8; depth <= 16; depth += 8) {
            int ch = channels_of(ctypes[ci]);
            uint16_t *s = random_samples((size_t)w * h * (size_t)ch, depth,
                                         200u + (uint64_t)(ci * 16 + depth));
            double f = depth == 8 ? 257.0 : 1.0;
            for (int interlace = 0; interlace <= 1; interlace++) {
                struct png_spec sp = {w,    h, depth, ctypes[ci], interlace, s,
                                      NULL, 0, false, false,      false};
                struct buf b = png_encode(&sp);
                lscan_image *img = decode_ok(&b, NULL);
                cr_expect_eq(lscan_image_channels(img), 1u);
                cr_expect_eq(lscan_image_source_channels(img), (uint32_t)ch);
                uint32_t want = LSCAN_IMAGE_FROM_COLOR | (depth == 8 ? LSCAN_IMAGE_SCALED : 0) |
                                (ch == 4 ? LSCAN_IMAGE_ALPHA_DROPPED : 0);
                cr_expect_eq(lscan_image_flags(img), want);
                double worst = 0;
                for (uint32_t y = 0; y < h; y++)
                    for (uint32_t x = 0; x < w; x++) {
                        const uint16_t *p = s + ((size_t)y * w + x) * (size_t)ch;
                        double e = fabs(px(img, 0, x, y) - luma601(p[0] * f, p[1] * f, p[2] * f));
                        if (e > worst) worst = e;
                    }
                cr_expect_leq(worst, 1.0, "ctype %d depth %d: error %.3f", ctypes[ci], depth,
                              worst);
                lscan_image_free(img);
                free(b.p);
            }
            free(s);
        }
}

/* Grey stored as RGB comes back exactly (the weights sum to 1). */
Test(io, png_grey_stored_as_rgb_is_exact)
{
    const uint32_t w = 300;
    uint16_t *s = malloc(sizeof *s * w * 3);
    for (uint32_t x = 0; x < w; x++)
        s[3 * x] = s[3 * x + 1] = s[3 * x + 2] = (uint16_t)(x * 218 + 7);
    struct png_spec sp = {w, 1, 16, PNG_COLOR_TYPE_RGB, 0, s, NULL, 0, false, false, false};
    struct buf b = png_encode(&sp);
    lscan_image *img = decode_ok(&b, NULL);
    for (uint32_t x = 0; x < w; x++)
        cr_expect_eq(px(img, 0, x, 0), s[3 * x]);
    lscan_image_free(img);
    free(b.p);
    free(s);
}

/* Palette images at 1/2/4/8 bit: the entry's luminance; a grey palette is
 * not flagged as colour. */
Test(io, png_palette_all_depths)
{
    png_color pal[256];
    for (int i = 0; i < 256; i++) {
        pal[i].red = (png_byte)(i * 7);
        pal[i].green = (png_byte)(255 - i);
        pal[i].blue = (png_byte)(i * 13 + 5);
    }
    static const int depths[] = {1, 2, 4, 8};
    const uint32_t w = 29, h = 5;
    for (size_t d = 0; d < 4; d++) {
        int depth = depths[d], npal = 1 << depth;
        uint16_t *s = random_samples((size_t)w * h, depth, 300u + d);
        for (int interlace = 0; interlace <= 1; interlace++) {
            struct png_spec sp = {
                w, h, depth, PNG_COLOR_TYPE_PALETTE, interlace, s, pal, npal, false, false, false};
            struct buf b = png_encode(&sp);
            lscan_image *img = decode_ok(&b, NULL);
            cr_expect_eq(lscan_image_source_channels(img), 3u);
            cr_expect_eq(lscan_image_source_bits(img), (uint32_t)depth);
            cr_expect_eq(lscan_image_flags(img),
                         (uint32_t)(LSCAN_IMAGE_FROM_COLOR | LSCAN_IMAGE_SCALED));
            double worst = 0;
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++) {
                    const png_color *c = &pal[s[(size_t)y * w + x]];
                    double e = fabs(px(img, 0, x, y) -
                                    luma601(c->red * 257.0, c->green * 257.0, c->blue * 257.0));
                    if (e > worst) worst = e;
                }
            cr_expect_leq(worst, 1.0, "depth %d interlace %d: error %.3f", depth, interlace, worst);
            lscan_image_free(img);
            free(b.p);
        }
        free(s);
    }
    /* A grey palette: exact values, no FROM_COLOR. */
    png_color grey[4] = {{0, 0, 0}, {10, 10, 10}, {200, 200, 200}, {255, 255, 255}};
    uint16_t s[4] = {3, 2, 1, 0};
    struct png_spec sp = {4, 1, 2, PNG_COLOR_TYPE_PALETTE, 0, s, grey, 4, false, false, false};
    struct buf b = png_encode(&sp);
    lscan_image *img = decode_ok(&b, NULL);
    cr_expect_eq(lscan_image_flags(img), (uint32_t)LSCAN_IMAGE_SCALED);
    cr_expect_eq(px(img, 0, 0, 0), 65535);
    cr_expect_eq(px(img, 0, 1, 0), 200 * 257);
    cr_expect_eq(px(img, 0, 2, 0), 10 * 257);
    cr_expect_eq(px(img, 0, 3, 0), 0);
    lscan_image_free(img);
    free(b.p);
}

/* An index past the end of PLTE is corrupt data, not black. */
Test(io, png_palette_index_out_of_range_is_corrupt)
{
    uint8_t pal[6] = {0, 0, 0, 255, 255, 255};
    uint8_t raw[1 + 4] = {0, 0, 1, 5, 1}; /* filter byte, then indices; 5 >= 2 entries */
    struct buf b = png_by_hand(4, 1, 8, PNG_COLOR_TYPE_PALETTE, pal, 2, raw, sizeof raw);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_CORRUPT);
    free(b.p);
    /* The same file with valid indices decodes. */
    raw[3] = 1;
    b = png_by_hand(4, 1, 8, PNG_COLOR_TYPE_PALETTE, pal, 2, raw, sizeof raw);
    lscan_image *img = decode_ok(&b, NULL);
    cr_expect_eq(px(img, 0, 3, 0), 65535);
    lscan_image_free(img);
    free(b.p);
}

/* Adam7 images decode to the same pixels as their non-interlaced twins, for
 * sizes smaller than, equal to and larger than one 8x8 Adam7 block. */
Test(io, png_adam7_matches_plain)
{
    static const uint32_t sizes[][2] = {{1, 1}, {3, 2}, {8, 8}, {9, 13}, {65, 33}};
    for (size_t k = 0; k < 5; k++) {
        uint32_t w = sizes[k][0], h = sizes[k][1];
        uint16_t *s = random_samples((size_t)w * h * 3, 16, 400u + k);
        for (int ctype = 0; ctype <= 2; ctype += 2) { /* grey and RGB */
            struct png_spec a = {w, h, 16, ctype, 0, s, NULL, 0, false, false, false};
            struct png_spec i = a;
            i.interlace = 1;
            struct buf ba = png_encode(&a), bi = png_encode(&i);
            cr_assert(ba.n != bi.n || memcmp(ba.p, bi.p, ba.n) != 0);
            lscan_image *ia = decode_ok(&ba, NULL), *ii = decode_ok(&bi, NULL);
            size_t sa, si;
            const uint16_t *pa = lscan_image_pixels(ia, 0, &sa),
                           *pi = lscan_image_pixels(ii, 0, &si);
            for (uint32_t y = 0; y < h; y++)
                cr_expect_eq(memcmp(pa + y * sa, pi + y * si, w * 2), 0, "%ux%u ctype %d row %u", w,
                             h, ctype, y);
            lscan_image_free(ia);
            lscan_image_free(ii);
            free(ba.p);
            free(bi.p);
        }
        free(s);
    }
}

/* tRNS, gAMA, tEXt and zTXt never change a pixel: no alpha expansion, no gamma. */
Test(io, png_ignores_transparency_gamma_and_text)
{
    const uint32_t w = 10, h = 3;
    uint16_t *s = random_samples((size_t)w * h, 8, 500);
    s[0] = 0; /* the tRNS grey value: still an ordinary black pixel */
    struct png_spec sp = {w, h, 8, PNG_COLOR_TYPE_GRAY, 0, s, NULL, 0, true, true, true};
    struct buf b = png_encode(&sp);
    cr_assert_neq(find_chunk(&b, "tRNS"), 0u);
    cr_assert_neq(find_chunk(&b, "gAMA"), 0u);
    cr_assert_neq(find_chunk(&b, "zTXt"), 0u);
    lscan_image *img = decode_ok(&b, NULL);
    cr_expect_eq(lscan_image_channels(img), 1u);
    cr_expect_eq(lscan_image_flags(img), (uint32_t)LSCAN_IMAGE_SCALED);
    for (uint32_t i = 0; i < w * h; i++)
        cr_expect_eq(px(img, 0, i % w, i / w), s[i] * 257);
    lscan_image_free(img);
    free(b.p);

    png_color pal[2] = {{0, 0, 0}, {255, 255, 255}};
    uint16_t ps[4] = {0, 1, 1, 0};
    struct png_spec pp = {4, 1, 1, PNG_COLOR_TYPE_PALETTE, 0, ps, pal, 2, true, false, false};
    b = png_encode(&pp);
    img = decode_ok(&b, NULL);
    cr_expect_eq(lscan_image_channels(img), 1u);
    cr_expect_eq(px(img, 0, 0, 0), 0);
    cr_expect_eq(px(img, 0, 1, 0), 65535);
    lscan_image_free(img);
    free(b.p);
    free(s);
}

/* A damaged ancillary chunk is skipped (libpng's default: warn and discard);
 * its data cannot reach a pixel. */
Test(io, png_bad_ancillary_crc_is_tolerated)
{
    uint16_t s[6] = {1, 2, 3, 4, 5, 6};
    struct png_spec sp = {3, 2, 16, PNG_COLOR_TYPE_GRAY, 0, s, NULL, 0, false, false, true};
    struct buf b = png_encode(&sp);
    size_t t = find_chunk(&b, "tEXt");
    cr_assert_neq(t, 0u);
    b.p[t + 9] ^= 0x20;
    lscan_image *img = decode_ok(&b, NULL);
    for (int i = 0; i < 6; i++)
        cr_expect_eq(px(img, 0, (uint32_t)i % 3, (uint32_t)i / 3), s[i]);
    lscan_image_free(img);
    free(b.p);
}

/* Polarity ATTENUATION inverts on load for every PNG layout, in the decoder's
 * own conversion pass. */
Test(io, png_attenuation_inverts_every_layout)
{
    const uint32_t w = 13, h = 4;
    static const struct {
        int depth, ctype;
    } kinds[] = {{16, 0}, {8, 0}, {4, 0}, {16, 4}, {8, 4}, {16, 2}, {8, 6}};
    lscan_load_options inv = opts_with(LSCAN_POLARITY_ATTENUATION, LSCAN_CHANNELS_AUTO);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int interlace = 0; interlace <= 1; interlace++) {
            int ch = channels_of(kinds[k].ctype);
            uint16_t *s = random_samples((size_t)w * h * (size_t)ch, kinds[k].depth, 600u + k);
            struct png_spec sp = {w,    h, kinds[k].depth, kinds[k].ctype, interlace, s,
                                  NULL, 0, false,          false,          false};
            struct buf b = png_encode(&sp);
            lscan_image *a = decode_ok(&b, NULL), *i = decode_ok(&b, &inv);
            cr_expect_eq(lscan_image_flags(i), lscan_image_flags(a) | LSCAN_IMAGE_INVERTED);
            cr_expect_eq(lscan_image_polarity(i), (uint32_t)LSCAN_POLARITY_TRANSMISSION);
            cr_expect_eq(lscan_image_channels(i), lscan_image_channels(a));
            int bad = 0;
            for (uint32_t p = 0; p < lscan_image_channels(a); p++)
                for (uint32_t y = 0; y < h; y++)
                    for (uint32_t x = 0; x < w; x++)
                        bad += px(i, p, x, y) != 65535 - px(a, p, x, y);
            cr_expect_eq(bad, 0, "depth %d ctype %d interlace %d", kinds[k].depth, kinds[k].ctype,
                         interlace);
            lscan_image_free(a);
            lscan_image_free(i);
            free(b.p);
            free(s);
        }
    /* TRANSMISSION is recorded, pixels untouched. */
    uint16_t s[2] = {100, 60000};
    struct png_spec sp = {2, 1, 16, 0, 0, s, NULL, 0, false, false, false};
    struct buf b = png_encode(&sp);
    lscan_load_options tr = opts_with(LSCAN_POLARITY_TRANSMISSION, LSCAN_CHANNELS_AUTO);
    lscan_image *img = decode_ok(&b, &tr);
    cr_expect_eq(lscan_image_polarity(img), (uint32_t)LSCAN_POLARITY_TRANSMISSION);
    cr_expect_eq(lscan_image_flags(img), 0u);
    cr_expect_eq(px(img, 0, 0, 0), 100);
    cr_expect_eq(px(img, 0, 1, 0), 60000);
    lscan_image_free(img);
    free(b.p);
}

/* Loading from a path and decoding the same bytes from memory agree exactly. */
Test(io, png_path_and_memory_agree)
{
    const uint32_t w = 101, h = 17;
    uint16_t *s = random_samples((size_t)w * h * 2, 16, 700);
    struct png_spec sp = {w, h, 16, PNG_COLOR_TYPE_GRAY_ALPHA, 0, s, NULL, 0, false, false, false};
    struct buf b = png_encode(&sp);
    const char *path = tu_path("pm.png");
    cr_assert_eq(tu_write_file(path, b.p, b.n), 0);
    lscan_image *m = decode_ok(&b, NULL), *f = NULL;
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &f), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    for (uint32_t p = 0; p < 2; p++) {
        size_t sm, sf;
        const uint16_t *a = lscan_image_pixels(m, p, &sm), *c = lscan_image_pixels(f, p, &sf);
        for (uint32_t y = 0; y < h; y++)
            cr_expect_eq(memcmp(a + y * sm, c + y * sf, w * 2), 0);
    }
    lscan_image_free(m);
    lscan_image_free(f);
    free(b.p);
    free(s);
}

/* lscan_image_save_png output reads back bit-exactly, single and dual energy. */
Test(io, png_save_load_roundtrip)
{
    const uint32_t w = 57, h = 21;
    uint16_t *s = random_samples((size_t)w * h, 16, 800);
    lscan_image *img;
    cr_assert_eq(lscan_image_wrap(ctx, s, w, h, w * 2, 16, NULL, &img), LSCAN_OK);
    const char *path = tu_path("rt.png");
    cr_assert_eq(lscan_image_save_png(ctx, img, path, 1), LSCAN_OK);
    lscan_image *back;
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &back), LSCAN_OK);
    for (uint32_t i = 0; i < w * h; i++)
        cr_expect_eq(px(back, 0, i % w, i / w), s[i]);
    lscan_image_free(back);
    lscan_image_free(img);

    /* A two-plane image made by the decoder saves as grey+alpha and returns. */
    uint16_t *ga = random_samples((size_t)w * h * 2, 16, 801);
    struct png_spec sp = {w, h, 16, PNG_COLOR_TYPE_GRAY_ALPHA, 0, ga, NULL, 0, false, false, false};
    struct buf b = png_encode(&sp);
    img = decode_ok(&b, NULL);
    cr_assert_eq(lscan_image_save_png(ctx, img, path, 9), LSCAN_OK);
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &back), LSCAN_OK);
    cr_assert_eq(lscan_image_channels(back), 2u);
    for (uint32_t i = 0; i < w * h; i++) {
        cr_expect_eq(px(back, 0, i % w, i / w), ga[2 * i]);
        cr_expect_eq(px(back, 1, i % w, i / w), ga[2 * i + 1]);
    }
    lscan_image_free(back);
    lscan_image_free(img);
    free(b.p);
    free(ga);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* PNG: damaged and hostile input                                            */
/* ------------------------------------------------------------------------ */

static struct buf small_png(void)
{
    const uint32_t w = 16, h = 8;
    uint16_t *s = random_samples((size_t)w * h, 16, 900);
    struct png_spec sp = {w, h, 16, PNG_COLOR_TYPE_GRAY, 0, s, NULL, 0, false, false, false};
    struct buf b = png_encode(&sp);
    free(s);
    return b;
}

/* Every cut of a small file past the signature is TRUNCATED: the reader
 * knows when the data ran out. Shorter cuts are not recognised as PNG. */
Test(io, png_truncated_at_every_offset)
{
    struct buf b = small_png();
    cr_assert_gt(b.n, 200u);
    for (size_t n = 1; n < b.n; n++) {
        int rc = decode_rc(b.p, n, NULL);
        if (n < 8)
            cr_expect_eq(rc, LSCAN_ERR_UNKNOWN_FORMAT, "cut at %zu", n);
        else
            cr_expect_eq(rc, LSCAN_ERR_TRUNCATED, "cut at %zu: %s", n,
                         lscan_ctx_error_message(ctx));
    }
    int rc = decode_rc(b.p, b.n - 1, NULL);
    cr_expect_eq(rc, LSCAN_ERR_TRUNCATED);
    /* Grey 16-bit files take the libdeflate path (png_fast.c) when it is built. */
    cr_expect(strstr(lscan_ctx_error_message(ctx), "truncated: libpng: ") ||
                  strstr(lscan_ctx_error_message(ctx), "truncated: PNG: "),
              "%s", lscan_ctx_error_message(ctx));
    free(b.p);
}

/* A multi-IDAT file cut at 120 offsets spread over its length. */
Test(io, png_large_truncated_at_spread_offsets)
{
    const uint32_t w = 211, h = 150;
    uint16_t *s = random_samples((size_t)w * h, 16, 901);
    struct png_spec sp = {w, h, 16, PNG_COLOR_TYPE_GRAY, 1, s, NULL, 0, false, false, false};
    struct buf b = png_encode(&sp);
    size_t idat = find_chunk(&b, "IDAT");
    cr_assert(idat != 0 && rd32(b.p + idat) < b.n / 2, "expected several IDAT chunks");
    for (int k = 0; k < 120; k++) {
        size_t n = 8 + (b.n - 9) * (size_t)k / 119;
        cr_expect_eq(decode_rc(b.p, n, NULL), LSCAN_ERR_TRUNCATED, "cut at %zu of %zu", n, b.n);
    }
    free(b.p);
    free(s);
}

/* Any byte flipped in IDAT (data or CRC) or in IHDR is a CHECKSUM error,
 * even where zlib or the filter stage would trip first. */
Test(io, png_flipped_bytes_are_checksum_errors)
{
    struct buf b = small_png();
    size_t ihdr = find_chunk(&b, "IHDR"), idat = find_chunk(&b, "IDAT");
    cr_assert(ihdr == 8 && idat > 0);
    size_t ranges[2][2] = {{ihdr + 8, ihdr + 8 + 13 + 4},
                           {idat + 8, idat + 8 + rd32(b.p + idat) + 4}};
    for (int r = 0; r < 2; r++)
        for (size_t i = ranges[r][0]; i < ranges[r][1]; i++)
            for (int m = 0; m < 2; m++) {
                uint8_t mask = m ? 0xff : 0x10;
                b.p[i] ^= mask;
                int rc = decode_rc(b.p, b.n, NULL);
                b.p[i] ^= mask;
                cr_expect_eq(rc, LSCAN_ERR_CHECKSUM, "byte %zu ^ 0x%02x: %s", i, mask,
                             lscan_ctx_error_message(ctx));
            }
    free(b.p);
}

/* With the CRCs made valid again, the same kinds of damage are diagnosed by
 * what they break. */
Test(io, png_damage_behind_valid_crcs)
{
    /* Adler-32 of the zlib stream wrong: still a checksum. */
    struct buf b = small_png();
    size_t idat = find_chunk(&b, "IDAT");
    uint32_t len = rd32(b.p + idat);
    b.p[idat + 8 + len - 1] ^= 0x01;
    fix_crcs(&b);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_CHECKSUM, "%s", lscan_ctx_error_message(ctx));
    free(b.p);

    /* An unknown filter type: corrupt. */
    uint8_t raw[3 * (1 + 4)] = {0, 1, 2, 3, 4, 7, 1, 2, 3, 4, 0, 1, 2, 3, 4};
    b = png_by_hand(4, 3, 8, PNG_COLOR_TYPE_GRAY, NULL, 0, raw, sizeof raw);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_CORRUPT, "%s", lscan_ctx_error_message(ctx));
    free(b.p);
    raw[5] = 1; /* a valid "sub" filter: decodes */
    b = png_by_hand(4, 3, 8, PNG_COLOR_TYPE_GRAY, NULL, 0, raw, sizeof raw);
    lscan_image *img = decode_ok(&b, NULL);
    cr_expect_eq(px(img, 0, 3, 1), (1 + 2 + 3 + 4) * 257);
    lscan_image_free(img);
    free(b.p);

    /* Fewer rows in the zlib stream than IHDR promises: corrupt. */
    b = png_by_hand(4, 4, 8, PNG_COLOR_TYPE_GRAY, NULL, 0, raw, sizeof raw);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_CORRUPT, "%s", lscan_ctx_error_message(ctx));
    free(b.p);

    /* A palette image without PLTE: corrupt. */
    b = png_by_hand(4, 3, 8, PNG_COLOR_TYPE_PALETTE, NULL, 0, raw, sizeof raw);
    int rc = decode_rc(b.p, b.n, NULL);
    cr_expect(rc == LSCAN_ERR_CORRUPT || rc == LSCAN_ERR_BAD_HEADER, "%d %s", rc,
              lscan_ctx_error_message(ctx));
    free(b.p);
}

/* IHDR fields that break the PNG rules (valid CRC): BAD_HEADER. */
Test(io, png_malformed_ihdr_is_bad_header)
{
    static const struct {
        size_t off;
        uint8_t val;
    } edits[] = {
        {24, 3},  /* bit depth 3 */
        {25, 5},  /* colour type 5 */
        {24, 16}, /* palette images cannot be 16 bit: set below with colour type 3 */
        {26, 1},  /* compression method 1 */
        {27, 1},  /* filter method 1 */
        {28, 2},  /* interlace method 2 */
    };
    for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
        struct buf b = small_png();
        b.p[edits[k].off] = edits[k].val;
        if (k == 2) b.p[25] = 3;
        fix_crcs(&b);
        cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_BAD_HEADER, "edit %zu: %s", k,
                     lscan_ctx_error_message(ctx));
        free(b.p);
    }
    /* Width zero. */
    struct buf b = small_png();
    wr32(b.p + 16, 0);
    fix_crcs(&b);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_BAD_HEADER, "%s",
                 lscan_ctx_error_message(ctx));
    free(b.p);
}

/* Dimensions beyond the limits are refused from IHDR, before any pixel
 * memory: a 100000x100000 claim (valid CRC) would need 20 GB. */
Test(io, png_absurd_dimensions_are_too_large)
{
    struct buf b = small_png();
    wr32(b.p + 16, 100000);
    wr32(b.p + 20, 100000);
    fix_crcs(&b);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_TOO_LARGE, "%s",
                 lscan_ctx_error_message(ctx));
    /* Past the per-side limit (2^31-1 is the PNG maximum). */
    wr32(b.p + 16, 0x7fffffff);
    wr32(b.p + 20, 1);
    fix_crcs(&b);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_TOO_LARGE, "%s",
                 lscan_ctx_error_message(ctx));
    free(b.p);

    /* The caller's own limits apply: per side and in pixels (16x8 image). */
    b = small_png();
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.max_dimension = 15;
    cr_expect_eq(decode_rc(b.p, b.n, &o), LSCAN_ERR_TOO_LARGE, "%s", lscan_ctx_error_message(ctx));
    o.max_dimension = 16;
    o.max_pixels = 127;
    cr_expect_eq(decode_rc(b.p, b.n, &o), LSCAN_ERR_TOO_LARGE);
    o.max_pixels = 128;
    cr_expect_eq(decode_rc(b.p, b.n, &o), LSCAN_OK);
    free(b.p);
}

/* A pixel limit near 2^60 must not wrap the file-size bound computed from
 * it (16 bytes a pixel + 64 MiB) into a tiny one that refuses every file. */
Test(io, load_with_huge_pixel_limit)
{
    struct buf b = small_png();
    const char *path = tu_path("huge-limit.png");
    cr_assert_eq(tu_write_file(path, b.p, b.n), 0);
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.max_pixels = (1ull << 60) - (1ull << 22) + 1; /* 16 * this + 64 MiB == 16 (mod 2^64) */
    lscan_image *img = NULL;
    cr_expect_eq(lscan_image_load(ctx, path, &o, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    o.max_pixels = UINT64_MAX;
    cr_expect_eq(lscan_image_load(ctx, path, &o, &img), LSCAN_OK, "%s",
                 lscan_ctx_error_message(ctx));
    lscan_image_free(img);
    free(b.p);
}

/* Inputs that are not images at all. */
Test(io, not_images)
{
    lscan_image *img = NULL;
    cr_expect_eq(lscan_image_decode(ctx, "", 0, NULL, &img), LSCAN_ERR_EMPTY_INPUT);
    cr_expect_null(img);
    cr_expect_eq(decode_rc("GIF89a......", 12, NULL), LSCAN_ERR_UNKNOWN_FORMAT);
    cr_expect_eq(decode_rc("\x89PNX\r\n\x1a\n", 8, NULL), LSCAN_ERR_UNKNOWN_FORMAT);
    cr_expect_eq(decode_rc("\x89PNG\r\n\x1a\n", 8, NULL), LSCAN_ERR_TRUNCATED);
    cr_expect_eq(decode_rc("P6\n1 1\n255\n\0\0\0", 14, NULL), LSCAN_ERR_UNSUPPORTED);

    const char *empty = tu_path("empty.png");
    cr_assert_eq(tu_write_file(empty, "", 0), 0);
    cr_expect_eq(lscan_image_load(ctx, empty, NULL, &img), LSCAN_ERR_EMPTY_INPUT);
    cr_expect_str_eq(lscan_ctx_error_path(ctx), empty);
    cr_expect_eq(lscan_image_load(ctx, tu_tmpdir(), NULL, &img), LSCAN_ERR_NOT_A_FILE);
    cr_expect_null(img);
    cr_expect_eq(lscan_image_load(ctx, tu_path("does-not-exist.png"), NULL, &img), LSCAN_ERR_IO);
    cr_expect_eq(lscan_image_decode(ctx, NULL, 4, NULL, &img), LSCAN_ERR_INVALID_ARGUMENT);
}

/* Seeded random damage (1-4 bytes changed, or a cut plus a change): every
 * outcome is a clean success or a decode error, never a crash (the
 * sanitizer build checks the memory side). */
static void mutate_many(const struct buf *orig, uint64_t seed, int rounds)
{
    uint8_t *m = malloc(orig->n);
    uint64_t st = seed;
    int ok = 0;
    for (int r = 0; r < rounds; r++) {
        memcpy(m, orig->p, orig->n);
        size_t n = orig->n;
        int k = 1 + (int)(tu_rand(&st) % 4);
        for (int i = 0; i < k; i++)
            m[3 + tu_rand(&st) % (n - 3)] = (uint8_t)tu_rand(&st);
        if (tu_rand(&st) % 4 == 0) n = 3 + tu_rand(&st) % (n - 3);
        lscan_image *img = NULL;
        int rc = lscan_image_decode(ctx, m, n, NULL, &img);
        if (rc == LSCAN_OK) {
            ok++;
            cr_assert_not_null(img);
            cr_assert_not_null(lscan_image_pixels(img, 0, NULL));
        } else {
            cr_assert_null(img);
            cr_expect(rc == LSCAN_ERR_TRUNCATED || rc == LSCAN_ERR_CORRUPT ||
                          rc == LSCAN_ERR_CHECKSUM || rc == LSCAN_ERR_BAD_HEADER ||
                          rc == LSCAN_ERR_TOO_LARGE || rc == LSCAN_ERR_BAD_DIMENSIONS ||
                          rc == LSCAN_ERR_UNSUPPORTED || rc == LSCAN_ERR_UNKNOWN_FORMAT,
                      "round %d: unexpected %s: %s", r, lscan_status_name(rc),
                      lscan_ctx_error_message(ctx));
        }
        lscan_image_free(img);
    }
    free(m);
    (void)ok;
}

Test(io, png_random_damage_never_crashes)
{
    struct buf b = small_png();
    mutate_many(&b, 12345, 3000);
    free(b.p);
}

/* ------------------------------------------------------------------------ */
/* JPEG                                                                      */
/* ------------------------------------------------------------------------ */

#ifdef LSCAN_HAVE_JPEG

struct jpeg_spec {
    uint32_t w, h;
    int comps;            /* 1, 3 or 4 */
    J_COLOR_SPACE in_cs;  /* JCS_GRAYSCALE, JCS_RGB or JCS_CMYK */
    J_COLOR_SPACE out_cs; /* colour space stored in the file; JCS_UNKNOWN for libjpeg's default */
    int quality;
    bool progressive;
    const uint8_t *s; /* w*h*comps samples */
};

static struct buf jpeg_encode(const struct jpeg_spec *sp)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long outn = 0;
    jpeg_mem_dest(&c, &out, &outn);
    c.image_width = sp->w;
    c.image_height = sp->h;
    c.input_components = sp->comps;
    c.in_color_space = sp->in_cs;
    jpeg_set_defaults(&c);
    if (sp->out_cs != JCS_UNKNOWN) jpeg_set_colorspace(&c, sp->out_cs);
    jpeg_set_quality(&c, sp->quality, TRUE);
    if (sp->progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(sp->s + (size_t)c.next_scanline * sp->w * (size_t)sp->comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    struct buf b = {malloc(outn), outn};
    memcpy(b.p, out, outn);
    free(out);
    return b;
}

/* A smooth scan-like grey field: air at the top, a ramp, a dense band. */
static uint8_t *smooth_grey(uint32_t w, uint32_t h)
{
    uint8_t *s = malloc((size_t)w * h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            s[(size_t)y * w + x] = (uint8_t)(y < h / 4 ? 235 : 40 + (x * 150) / w + (y * 30) / h);
    return s;
}

static double max_err_8to16(const lscan_image *img, const uint8_t *ref)
{
    double worst = 0;
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            double e = fabs((double)px(img, 0, x, y) - ref[(size_t)y * w + x] * 257.0);
            if (e > worst) worst = e;
        }
    return worst;
}

/* JPEG tolerance: quality 95 on smooth content stays within 3 grey levels
 * of the source, i.e. 3 * 257 after scaling to 16 bits. */
#define JPEG_TOL (3 * 257.0)

/* Baseline and progressive grey: within tolerance, identical to each other
 * (progression reorders the same coefficients), flags and sizes right. */
Test(io, jpeg_grey_baseline_and_progressive)
{
    const uint32_t w = 67, h = 45;
    uint8_t *s = smooth_grey(w, h);
    struct jpeg_spec sp = {w, h, 1, JCS_GRAYSCALE, JCS_UNKNOWN, 95, false, s};
    struct buf bb = jpeg_encode(&sp);
    sp.progressive = true;
    struct buf bp = jpeg_encode(&sp);
    lscan_image *a = decode_ok(&bb, NULL), *p = decode_ok(&bp, NULL);
    cr_expect_eq(lscan_image_width(a), w);
    cr_expect_eq(lscan_image_height(a), h);
    cr_expect_eq(lscan_image_channels(a), 1u);
    cr_expect_eq(lscan_image_source_bits(a), 8u);
    cr_expect_eq(lscan_image_source_channels(a), 1u);
    cr_expect_eq(lscan_image_source_format(a), (uint32_t)LSCAN_FORMAT_JPEG);
    cr_expect_eq(lscan_image_flags(a), (uint32_t)LSCAN_IMAGE_SCALED);
    cr_expect_leq(max_err_8to16(a, s), JPEG_TOL);
    cr_expect_leq(max_err_8to16(p, s), JPEG_TOL);
    int diff = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            diff += px(a, 0, x, y) != px(p, 0, x, y);
    cr_expect_eq(diff, 0);
    /* Every sample is an 8-bit value times 257. */
    int off = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            off += px(a, 0, x, y) % 257 != 0;
    cr_expect_eq(off, 0);
    lscan_image_free(a);
    lscan_image_free(p);
    free(bb.p);
    free(bp.p);
    free(s);
}

/* Colour JPEGs (YCbCr, and RGB stored as RGB) become luminance: within
 * tolerance of Rec.601 luma of the source, flagged FROM_COLOR. */
Test(io, jpeg_colour_to_luminance)
{
    const uint32_t w = 64, h = 40;
    uint8_t *g = smooth_grey(w, h);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    uint8_t *y601 = malloc((size_t)w * h);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        /* Smooth colour: a tint that varies slowly around the grey field. */
        int r = g[i] + 12, gg = g[i] - 8, b = g[i] + (int)(i % w) / 8;
        rgb[3 * i] = (uint8_t)(r > 255 ? 255 : r);
        rgb[3 * i + 1] = (uint8_t)(gg < 0 ? 0 : gg);
        rgb[3 * i + 2] = (uint8_t)(b > 255 ? 255 : b);
        y601[i] = (uint8_t)lround(luma601(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
    }
    static const J_COLOR_SPACE stored[] = {JCS_UNKNOWN /* YCbCr */, JCS_RGB};
    for (int k = 0; k < 2; k++)
        for (int prog = 0; prog <= 1; prog++) {
            struct jpeg_spec sp = {w, h, 3, JCS_RGB, stored[k], 95, prog != 0, rgb};
            struct buf b = jpeg_encode(&sp);
            lscan_image *img = decode_ok(&b, NULL);
            cr_expect_eq(lscan_image_channels(img), 1u);
            cr_expect_eq(lscan_image_source_channels(img), 3u);
            cr_expect_eq(lscan_image_flags(img),
                         (uint32_t)(LSCAN_IMAGE_SCALED | LSCAN_IMAGE_FROM_COLOR));
            cr_expect_leq(max_err_8to16(img, y601), JPEG_TOL, "stored %d progressive %d: %.0f", k,
                          prog, max_err_8to16(img, y601));
            lscan_image_free(img);
            free(b.p);
        }
    free(g);
    free(rgb);
    free(y601);
}

Test(io, jpeg_attenuation_and_path)
{
    const uint32_t w = 33, h = 17;
    uint8_t *s = smooth_grey(w, h);
    struct jpeg_spec sp = {w, h, 1, JCS_GRAYSCALE, JCS_UNKNOWN, 90, false, s};
    struct buf b = jpeg_encode(&sp);
    lscan_load_options inv = opts_with(LSCAN_POLARITY_ATTENUATION, LSCAN_CHANNELS_AUTO);
    lscan_image *a = decode_ok(&b, NULL), *i = decode_ok(&b, &inv), *f = NULL;
    cr_expect_eq(lscan_image_flags(i), (uint32_t)(LSCAN_IMAGE_SCALED | LSCAN_IMAGE_INVERTED));
    cr_expect_eq(lscan_image_polarity(i), (uint32_t)LSCAN_POLARITY_TRANSMISSION);
    const char *path = tu_path("a.jpg");
    cr_assert_eq(tu_write_file(path, b.p, b.n), 0);
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &f), LSCAN_OK);
    int bad = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            bad += px(i, 0, x, y) != 65535 - px(a, 0, x, y);
            bad += px(f, 0, x, y) != px(a, 0, x, y);
        }
    cr_expect_eq(bad, 0);
    lscan_image_free(a);
    lscan_image_free(i);
    lscan_image_free(f);
    free(b.p);
    free(s);
}

static struct buf small_jpeg(bool progressive)
{
    const uint32_t w = 40, h = 24;
    uint8_t *s = smooth_grey(w, h);
    /* Texture, so the scan data is a few hundred bytes worth cutting. */
    uint64_t st = 4242;
    for (size_t i = 0; i < (size_t)w * h; i++)
        s[i] = (uint8_t)(s[i] + tu_rand(&st) % 16);
    struct jpeg_spec sp = {w, h, 1, JCS_GRAYSCALE, JCS_UNKNOWN, 85, progressive, s};
    struct buf b = jpeg_encode(&sp);
    free(s);
    return b;
}

/* Every cut of a baseline and a progressive file fails as TRUNCATED (libjpeg
 * would have padded the image with grey). */
Test(io, jpeg_truncated_at_every_offset)
{
    for (int prog = 0; prog <= 1; prog++) {
        struct buf b = small_jpeg(prog != 0);
        for (size_t n = 3; n < b.n; n++) {
            int rc = decode_rc(b.p, n, NULL);
            cr_expect_eq(rc, LSCAN_ERR_TRUNCATED, "progressive %d cut at %zu of %zu: %s", prog, n,
                         b.n, lscan_ctx_error_message(ctx));
        }
        cr_expect_eq(decode_rc(b.p, b.n - 2, NULL), LSCAN_ERR_TRUNCATED);
        cr_expect_not_null(strstr(lscan_ctx_error_message(ctx), "libjpeg: "), "%s",
                           lscan_ctx_error_message(ctx));
        free(b.p);
    }
}

/* A comment segment after the last scan, cut short: the pixels are all
 * there, but the file is still truncated (the decode reads to EOI). */
Test(io, jpeg_cut_after_last_scan_fails)
{
    struct buf b = small_jpeg(false);
    cr_assert(b.p[b.n - 2] == 0xff && b.p[b.n - 1] == 0xd9);
    static const uint8_t com[] = {0xff, 0xfe, 0x00, 0x13, 's', 'c', 'a', 'n', 'n', 'e',  'r', ' ',
                                  'e',  'x',  'p',  'o',  'r', 't', ' ', 'v', '2', 0xff, 0xd9};
    b.p = realloc(b.p, b.n - 2 + sizeof com);
    memcpy(b.p + b.n - 2, com, sizeof com);
    b.n += sizeof com - 2;
    lscan_image *img = decode_ok(&b, NULL);
    lscan_image_free(img);
    for (size_t cut = 1; cut < sizeof com; cut++)
        cr_expect_eq(decode_rc(b.p, b.n - cut, NULL), LSCAN_ERR_TRUNCATED, "cut %zu", cut);
    free(b.p);
}

/* Offset of the SOFn marker segment's length field. */
static size_t find_sof(const struct buf *b)
{
    for (size_t i = 2; i + 9 < b->n; i++)
        if (b->p[i] == 0xff && (b->p[i + 1] == 0xc0 || b->p[i + 1] == 0xc2)) return i + 2;
    return 0;
}

/* SOF claiming 65000x65000: refused after the header, before allocation. */
Test(io, jpeg_absurd_dimensions_are_too_large)
{
    struct buf b = small_jpeg(false);
    size_t sof = find_sof(&b);
    cr_assert_neq(sof, 0u);
    b.p[sof + 3] = (uint8_t)(65000 >> 8);
    b.p[sof + 4] = (uint8_t)(65000 & 0xff);
    b.p[sof + 5] = (uint8_t)(65000 >> 8);
    b.p[sof + 6] = (uint8_t)(65000 & 0xff);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_TOO_LARGE, "%s",
                 lscan_ctx_error_message(ctx));
    free(b.p);

    b = small_jpeg(true);
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.max_pixels = 40 * 24 - 1;
    cr_expect_eq(decode_rc(b.p, b.n, &o), LSCAN_ERR_TOO_LARGE);
    o.max_pixels = 40 * 24;
    cr_expect_eq(decode_rc(b.p, b.n, &o), LSCAN_OK);
    /* Zero height in SOF (DNL is not supported): a malformed header. */
    sof = find_sof(&b);
    b.p[sof + 3] = b.p[sof + 4] = 0;
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_BAD_HEADER, "%s",
                 lscan_ctx_error_message(ctx));
    free(b.p);
}

Test(io, jpeg_cmyk_is_unsupported)
{
    const uint32_t w = 16, h = 16;
    uint8_t *s = malloc((size_t)w * h * 4);
    for (size_t i = 0; i < (size_t)w * h * 4; i++)
        s[i] = (uint8_t)(i * 37);
    struct jpeg_spec sp = {w, h, 4, JCS_CMYK, JCS_UNKNOWN, 90, false, s};
    struct buf b = jpeg_encode(&sp);
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_UNSUPPORTED);
    cr_expect_not_null(strstr(lscan_ctx_error_message(ctx), "CMYK"), "%s",
                       lscan_ctx_error_message(ctx));
    free(b.p);
    free(s);
}

/* Valid JPEG processes this build does not decode: 12-bit and lossless. */
Test(io, jpeg_12bit_and_lossless_are_unsupported)
{
    struct buf b = small_jpeg(false);
    size_t sof = find_sof(&b);
    cr_assert(sof != 0 && b.p[sof - 1] == 0xc0 && b.p[sof + 2] == 8);
    b.p[sof + 2] = 12;
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_UNSUPPORTED, "%s",
                 lscan_ctx_error_message(ctx));
    b.p[sof + 2] = 8;
    b.p[sof - 1] = 0xc3;
    cr_expect_eq(decode_rc(b.p, b.n, NULL), LSCAN_ERR_UNSUPPORTED, "%s",
                 lscan_ctx_error_message(ctx));
    free(b.p);
}

/* Damaged entropy-coded data: libjpeg would warn and fill; we fail. An EOI
 * marker planted anywhere in the scan data ends it early. */
Test(io, jpeg_corrupt_data_fails)
{
    struct buf b = small_jpeg(false);
    size_t sos = 0;
    for (size_t i = 2; i + 4 < b.n; i++)
        if (b.p[i] == 0xff && b.p[i + 1] == 0xda) {
            sos = i + 2 + ((size_t)b.p[i + 2] << 8 | b.p[i + 3]);
            break;
        }
    cr_assert_neq(sos, 0u);
    uint8_t *m = malloc(b.n);
    int tries = 0;
    for (size_t i = sos; i + 4 < b.n; i += 3, tries++) {
        memcpy(m, b.p, b.n);
        m[i] = 0xff;
        m[i + 1] = 0xd9;
        int rc = decode_rc(m, b.n, NULL);
        cr_expect(rc == LSCAN_ERR_CORRUPT || rc == LSCAN_ERR_TRUNCATED, "EOI at %zu of %zu: %s", i,
                  b.n, rc ? lscan_ctx_error_message(ctx) : "decoded");
    }
    cr_expect_gt(tries, 50);
    free(m);
    free(b.p);
}

Test(io, jpeg_random_damage_never_crashes)
{
    struct buf b = small_jpeg(true);
    mutate_many(&b, 777, 1500);
    free(b.p);
    b = small_jpeg(false);
    mutate_many(&b, 778, 1500);
    free(b.p);
}

#else

Test(io, jpeg_disabled_reports_codec_disabled)
{
    static const uint8_t soi[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10};
    cr_expect_eq(decode_rc(soi, sizeof soi, NULL), LSCAN_ERR_CODEC_DISABLED);
}

#endif

/* ------------------------------------------------------------------------ */
/* PNM                                                                       */
/* ------------------------------------------------------------------------ */

Test(io, pnm_p5_8_and_16_bit)
{
    uint8_t p8[] = "P5\n# a comment\n3 2\n255\n\x00\x01\x80\xfe\xff\x10";
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_decode(ctx, p8, sizeof p8 - 1, NULL, &img), LSCAN_OK);
    static const uint8_t v8[6] = {0, 1, 0x80, 0xfe, 0xff, 0x10};
    for (int i = 0; i < 6; i++)
        cr_expect_eq(px(img, 0, (uint32_t)i % 3, (uint32_t)i / 3), v8[i] * 257);
    cr_expect_eq(lscan_image_flags(img), (uint32_t)LSCAN_IMAGE_SCALED);
    cr_expect_eq(lscan_image_source_format(img), (uint32_t)LSCAN_FORMAT_PNM);
    lscan_image_free(img);

    uint8_t p16[] = "P5 2 1 65535 \x12\x34\xfe\xdc";
    cr_assert_eq(lscan_image_decode(ctx, p16, sizeof p16 - 1, NULL, &img), LSCAN_OK);
    cr_expect_eq(px(img, 0, 0, 0), 0x1234);
    cr_expect_eq(px(img, 0, 1, 0), 0xfedc);
    cr_expect_eq(lscan_image_flags(img), 0u);
    cr_expect_eq(lscan_image_source_bits(img), 16u);
    lscan_image_free(img);

    /* maxval 1000: rounded to the nearest 16-bit value. */
    uint8_t p10[] = "P5 3 1 1000\n\x00\x00\x01\xf4\x03\xe8";
    cr_assert_eq(lscan_image_decode(ctx, p10, sizeof p10 - 1, NULL, &img), LSCAN_OK);
    cr_expect_eq(px(img, 0, 0, 0), 0);
    cr_expect_eq(px(img, 0, 1, 0), (500 * 65535 + 500) / 1000);
    cr_expect_eq(px(img, 0, 2, 0), 65535);
    lscan_image_free(img);
}

Test(io, pnm_p2_ascii_and_errors)
{
    const char *p2 = "P2\n2 2\n# comment\n15\n0 15\n7\t8\n";
    lscan_image *img = NULL;
    cr_assert_eq(lscan_image_decode(ctx, p2, strlen(p2), NULL, &img), LSCAN_OK);
    cr_expect_eq(px(img, 0, 0, 0), 0);
    cr_expect_eq(px(img, 0, 1, 0), 65535);
    cr_expect_eq(px(img, 0, 0, 1), 7 * 4369);
    cr_expect_eq(px(img, 0, 1, 1), 8 * 4369);
    lscan_image_free(img);

    const char *path = tu_path("a.pgm");
    cr_assert_eq(tu_write_file(path, p2, strlen(p2)), 0);
    cr_assert_eq(lscan_image_load(ctx, path, NULL, &img), LSCAN_OK);
    cr_expect_eq(px(img, 0, 0, 1), 7 * 4369);
    lscan_image_free(img);

    cr_expect_eq(decode_rc("P2 2 2 15 0 15 7", 16, NULL), LSCAN_ERR_TRUNCATED);
    cr_expect_eq(decode_rc("P2 1 1 15 16", 12, NULL), LSCAN_ERR_CORRUPT);
    cr_expect_eq(decode_rc("P2 1 1 15 x", 11, NULL), LSCAN_ERR_CORRUPT);
    cr_expect_eq(decode_rc("P5 2 2 255\n\1\2\3", 14, NULL), LSCAN_ERR_TRUNCATED);
    cr_expect_eq(decode_rc("P5 2 2", 6, NULL), LSCAN_ERR_TRUNCATED);
    cr_expect_eq(decode_rc("P5 2 2 0\n\1\2\3\4", 13, NULL), LSCAN_ERR_BAD_HEADER);
    cr_expect_eq(decode_rc("P5 a 2 255\n", 11, NULL), LSCAN_ERR_BAD_HEADER);
    cr_expect_eq(decode_rc("P5 100000 100000 255\n\1", 22, NULL), LSCAN_ERR_TOO_LARGE);
    cr_expect_eq(decode_rc("P5 0 1 255\n\1", 12, NULL), LSCAN_ERR_BAD_DIMENSIONS);
}
