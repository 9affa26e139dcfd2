/* test_png_fast.c — the libdeflate PNG path against libpng: same pixels, flags and errors. */
#include <criterion/criterion.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/internal.h"
#include "io/png_fast.h"
#include "testutil.h"

#ifdef LSCAN_HAVE_DEFLATE

struct buf {
    uint8_t *p;
    size_t n;
};

static lscan_ctx *ctx;
static void setup_ctx(void)
{
    ctx = lscan_ctx_new();
}
static void teardown_ctx(void)
{
    lscan_ctx_free(ctx);
}
TestSuite(png_fast, .init = setup_ctx, .fini = teardown_ctx);

/* filter: 0..4 forces that filter on every row, 5 cycles None..Paeth row by
 * row, 6 lets libpng choose adaptively. */
struct spec {
    uint32_t w, h;
    int depth, ctype, filter, interlace;
    size_t zbuf; /* libpng's compression buffer: IDAT chunk size (0 = default) */
    bool text;   /* add tEXt/zTXt chunks (before and after IDAT) */
    uint64_t seed;
};

static int nchan(int ctype)
{
    return ctype == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : ctype == 0 ? 1 : 3;
}

/* Samples with structure (gradients, steps) and noise, so that every filter
 * leaves non-trivial residuals and Paeth picks all three predictors. */
static void fill_row(const struct spec *s, uint32_t y, uint8_t *row, uint64_t *rs)
{
    int c = nchan(s->ctype);
    size_t n = (size_t)s->w * (size_t)c;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)(i / (size_t)c);
        uint32_t v = (x * 977u + y * 313u + (uint32_t)(i % (size_t)c) * 20000u) +
                     ((x / 5 + y / 3) % 2 ? 30000u : 0u) + (uint32_t)(tu_rand(rs) % 700u);
        if (tu_rand(rs) % 17 == 0) v = (uint32_t)tu_rand(rs);
        if (s->depth == 16) {
            row[2 * i] = (uint8_t)(v >> 8);
            row[2 * i + 1] = (uint8_t)v;
        } else {
            row[i] = (uint8_t)(v >> 8);
        }
    }
}

static void quiet(png_structp png, png_const_charp msg)
{
    /* libpng drops filters it cannot use for one-pixel-wide images; that is
     * expected here, and the filter census below checks what was written. */
    (void)png;
    (void)msg;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* How many rows of each filter type a non-interlaced PNG holds (zlib
 * inflates the concatenated IDATs independently of both decoders). */
static void census(const struct buf *b, const struct spec *s, unsigned long counts[5])
{
    size_t rowbytes = (size_t)s->w * (size_t)nchan(s->ctype) * (size_t)(s->depth / 8);
    uLongf rawn = (uLongf)((rowbytes + 1) * s->h);
    uint8_t *z = malloc(b->n), *raw = malloc(rawn);
    cr_assert(z && raw);
    size_t zn = 0;
    for (size_t p = 8; p + 12 <= b->n; p += rd32(b->p + p) + 12u)
        if (memcmp(b->p + p + 4, "IDAT", 4) == 0) {
            memcpy(z + zn, b->p + p + 8, rd32(b->p + p));
            zn += rd32(b->p + p);
        }
    cr_assert_eq(uncompress(raw, &rawn, z, (uLong)zn), Z_OK);
    for (uint32_t y = 0; y < s->h; y++) {
        uint8_t f = raw[(size_t)y * (rowbytes + 1)];
        cr_assert_lt(f, 5);
        counts[f]++;
    }
    free(z);
    free(raw);
}

static struct buf encode(const struct spec *s)
{
    static const int masks[5] = {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG,
                                 PNG_FILTER_PAETH};
    struct buf b = {NULL, 0};
    FILE *f = open_memstream((char **)&b.p, &b.n);
    cr_assert_not_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, quiet);
    png_infop info = png_create_info_struct(png);
    cr_assert(png && info);
    size_t rowbytes = (size_t)s->w * (size_t)nchan(s->ctype) * (size_t)(s->depth / 8);
    uint8_t *img = malloc(rowbytes * s->h);
    cr_assert_not_null(img);
    uint64_t rs = s->seed | 1;
    for (uint32_t y = 0; y < s->h; y++)
        fill_row(s, y, img + (size_t)y * rowbytes, &rs);
    if (setjmp(png_jmpbuf(png))) cr_assert_fail("libpng failed writing a test image");
    png_init_io(png, f);
    png_set_IHDR(png, info, s->w, s->h, s->depth, s->ctype, s->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (s->zbuf) png_set_compression_buffer_size(png, s->zbuf);
    png_set_filter(png, 0, s->filter >= 5 ? PNG_ALL_FILTERS : masks[s->filter]);
    if (s->text) {
        png_text t = {0};
        t.compression = PNG_TEXT_COMPRESSION_NONE;
        t.key = (char *)"Comment";
        t.text = (char *)"before the image data";
        png_set_text(png, info, &t, 1);
    }
    png_write_info(png, info);
    if (s->interlace) {
        png_bytep *rows = malloc(sizeof *rows * s->h);
        cr_assert_not_null(rows);
        for (uint32_t y = 0; y < s->h; y++)
            rows[y] = img + (size_t)y * rowbytes;
        png_write_image(png, rows);
        free(rows);
    } else {
        for (uint32_t y = 0; y < s->h; y++) {
            /* Row 0 Paeth, so that libpng allocates the row above (it
             * cannot add Up/Avg/Paeth later), then None, Sub, Up, Avg... */
            if (s->filter == 5) png_set_filter(png, 0, masks[(y + 4) % 5]);
            png_write_row(png, img + (size_t)y * rowbytes);
        }
    }
    if (s->text) {
        png_text t = {0};
        t.compression = PNG_TEXT_COMPRESSION_zTXt;
        t.key = (char *)"Description";
        t.text = (char *)"after the image data, compressed";
        png_set_text(png, info, &t, 1);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(img);
    cr_assert_eq(fclose(f), 0);
    return b;
}

static void same_image(const lscan_image *a, const lscan_image *b, const char *what)
{
    cr_assert_eq(a->width, b->width, "%s: width", what);
    cr_assert_eq(a->height, b->height, "%s: height", what);
    cr_assert_eq(a->channels, b->channels, "%s: channels", what);
    cr_assert_eq(a->flags, b->flags, "%s: flags %#x vs %#x", what, a->flags, b->flags);
    cr_assert_eq(a->src_bits, b->src_bits, "%s: bits", what);
    cr_assert_eq(a->src_channels, b->src_channels, "%s: source channels", what);
    cr_assert_eq(a->src_format, b->src_format, "%s: format", what);
    for (uint32_t p = 0; p < a->channels; p++)
        for (uint32_t y = 0; y < a->height; y++)
            cr_assert(memcmp(a->plane[p] + (size_t)y * a->stride,
                             b->plane[p] + (size_t)y * b->stride, a->width * sizeof(uint16_t)) == 0,
                      "%s: plane %u row %u differs", what, p, y);
}

/* Decodes with both paths. The fast path must handle the file (no defer)
 * when `must_handle`; returns the common status. */
static int both(const struct buf *b, const lscan_load_options *o, bool must_handle,
                const char *what)
{
    lscan_load_options lo;
    cr_assert_eq(lscan__load_options(ctx, o, &lo), LSCAN_OK);
    lscan_image *fi = NULL, *li = NULL;
    int rf = lscan__png_fast_decode(ctx, b->p, b->n, &lo, &fi);
    if (must_handle) cr_assert_neq(rf, LSCAN__PNG_DEFER, "%s: deferred to libpng", what);
    int rl = lscan__png_libpng_decode(ctx, b->p, b->n, &lo, &li);
    if (rf != LSCAN__PNG_DEFER) {
        cr_assert_eq(rf, rl, "%s: fast path %s, libpng %s", what, lscan_status_name(rf),
                     lscan_status_name(rl));
        if (rf == LSCAN_OK)
            same_image(fi, li, what);
        else
            cr_assert_null(fi);
    } else {
        cr_assert_null(fi);
    }
    lscan_image_free(fi);
    lscan_image_free(li);
    return rl;
}

Test(png_fast, every_filter_depth_layout_and_width_matches_libpng)
{
    int n = 0;
    unsigned long counts[5] = {0};
    for (int depth = 8; depth <= 16; depth += 8)
        for (int ct = 0; ct < 2; ct++)
            for (int filter = 0; filter <= 6; filter++)
                for (uint32_t w = 1; w <= 67; w++) {
                    struct spec s = {.w = w,
                                     .h = 6 + w % 5,
                                     .depth = depth,
                                     .ctype = ct ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY,
                                     .filter = filter,
                                     /* Small compression buffers split the data into many IDATs. */
                                     .zbuf = w % 3 == 0 ? 0 : 16 + w % 40,
                                     .text = w % 4 == 0,
                                     .seed = w * 131u + (uint64_t)filter * 7u + (uint64_t)depth};
                    struct buf b = encode(&s);
                    char what[96];
                    snprintf(what, sizeof what, "depth %d ctype %d filter %d width %u", depth,
                             s.ctype, filter, w);
                    cr_assert_eq(both(&b, NULL, true, what), LSCAN_OK, "%s", what);
                    census(&b, &s, counts);
                    free(b.p);
                    n++;
                }
    cr_assert_eq(n, 2 * 2 * 7 * 67);
    /* Every filter type was exercised in earnest (rows per type). */
    for (int f = 0; f < 5; f++)
        cr_assert_gt(counts[f], 1000, "filter %d used in %lu rows", f, counts[f]);
}

Test(png_fast, scalar_and_sse2_conversions_agree)
{
    /* Widths around the 8-sample vector step, both polarities. */
    lscan_ctx *scalar = lscan_ctx_new();
    cr_assert_not_null(scalar);
    cr_assert_eq(lscan_ctx_set_param(scalar, LSCAN_PARAM_DISABLE_CPU_FEATURES,
                                     LSCAN_CPU_SSE2 | LSCAN_CPU_AVX2),
                 LSCAN_OK);
    for (uint32_t w = 1; w <= 40; w++)
        for (int pol = 0; pol < 2; pol++) {
            struct spec s = {.w = w, .h = 5, .depth = 16, .ctype = 0, .filter = 6, .seed = w};
            struct buf b = encode(&s);
            lscan_load_options o;
            lscan_load_options_init(&o);
            o.polarity = pol ? LSCAN_POLARITY_ATTENUATION : LSCAN_POLARITY_AUTO;
            lscan_image *a = NULL, *c = NULL;
            cr_assert_eq(lscan__png_fast_decode(ctx, b.p, b.n, &o, &a), LSCAN_OK);
            cr_assert_eq(lscan__png_fast_decode(scalar, b.p, b.n, &o, &c), LSCAN_OK);
            same_image(a, c, "scalar vs sse2");
            lscan_image_free(a);
            lscan_image_free(c);
            free(b.p);
        }
    lscan_ctx_free(scalar);
}

Test(png_fast, options_inversion_and_single_channel_match_libpng)
{
    for (int depth = 8; depth <= 16; depth += 8)
        for (int ct = 0; ct < 2; ct++) {
            struct spec s = {
                .w = 29, .h = 11, .depth = depth, .ctype = ct ? 4 : 0, .filter = 5, .seed = 99};
            struct buf b = encode(&s);
            lscan_load_options o;
            lscan_load_options_init(&o);
            o.polarity = LSCAN_POLARITY_ATTENUATION;
            cr_assert_eq(both(&b, &o, true, "attenuation"), LSCAN_OK);
            o.channels = LSCAN_CHANNELS_SINGLE;
            cr_assert_eq(both(&b, &o, true, "attenuation, single"), LSCAN_OK);
            o.polarity = LSCAN_POLARITY_AUTO;
            cr_assert_eq(both(&b, &o, true, "single"), LSCAN_OK);
            /* Through the public entry point too: polarity bookkeeping. */
            lscan_image *img = NULL;
            o.polarity = LSCAN_POLARITY_ATTENUATION;
            cr_assert_eq(lscan_image_decode(ctx, b.p, b.n, &o, &img), LSCAN_OK);
            cr_assert_eq(lscan_image_polarity(img), LSCAN_POLARITY_TRANSMISSION);
            cr_assert(lscan_image_flags(img) & LSCAN_IMAGE_INVERTED);
            lscan_image_free(img);
            free(b.p);
        }
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends a chunk with a correct CRC. */
static void put_chunk(struct buf *b, const char *type, const uint8_t *data, uint32_t len)
{
    b->p = realloc(b->p, b->n + len + 12);
    cr_assert_not_null(b->p);
    wr32(b->p + b->n, len);
    memcpy(b->p + b->n + 4, type, 4);
    if (len) memcpy(b->p + b->n + 8, data, len);
    uLong crc = crc32(0L, b->p + b->n + 4, len + 4);
    wr32(b->p + b->n + 8 + len, (uint32_t)crc);
    b->n += (size_t)len + 12;
}

/* A PNG made by hand from raw (already filtered) scanlines. */
static struct buf handmade(uint32_t w, uint32_t h, int depth, int ctype, const uint8_t *raw,
                           size_t rawn)
{
    struct buf b = {malloc(8), 8};
    memcpy(b.p, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13];
    wr32(ihdr, w);
    wr32(ihdr + 4, h);
    ihdr[8] = (uint8_t)depth;
    ihdr[9] = (uint8_t)ctype;
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    put_chunk(&b, "IHDR", ihdr, 13);
    uLongf zn = compressBound(rawn);
    uint8_t *z = malloc(zn);
    cr_assert_eq(compress2(z, &zn, raw, rawn, 6), Z_OK);
    put_chunk(&b, "IDAT", z, (uint32_t)zn);
    put_chunk(&b, "IEND", NULL, 0);
    free(z);
    return b;
}

Test(png_fast, known_pixel_values)
{
    /* 3x2, 16-bit grey: row 0 unfiltered, row 1 Paeth. */
    uint8_t raw[] = {0, 0x12, 0x34, 0xff, 0xff, 0x00, 0x01, 4, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00};
    /* Row 1: x0 = up(0x1234) + 0x0101 = 0x1335; x1: a=0x1335 b=0xffff
     * c=0x1234 per byte -> Paeth picks b for both bytes (0xff + 0x00 and
     * 0xff + 0x01 = 0x00): 0xff00; x2: a=0xff00 b=0x0001 c=0xffff ->
     * high byte: a=0xff b=0x00 c=0xff, pa=|b-c|=255 pb=|a-c|=0 -> b: 0x00;
     * low byte: a=0x00 b=0x01 c=0xff, pa=254 pb=255 pc=|1-510|=509 -> a: 0x00. */
    struct buf b = handmade(3, 2, 16, 0, raw, sizeof raw);
    lscan_load_options o;
    lscan_load_options_init(&o);
    lscan_image *img = NULL;
    cr_assert_eq(lscan__png_fast_decode(ctx, b.p, b.n, &o, &img), LSCAN_OK);
    const uint16_t want[6] = {0x1234, 0xffff, 0x0001, 0x1335, 0xff00, 0x0000};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(img->plane[0][(size_t)(i / 3) * img->stride + (size_t)(i % 3)], want[i],
                     "pixel %d: %#x", i,
                     img->plane[0][(size_t)(i / 3) * img->stride + (size_t)(i % 3)]);
    lscan_image_free(img);
    cr_assert_eq(both(&b, NULL, true, "known"), LSCAN_OK);
    free(b.p);

    /* 2x1 grey+alpha 8 bit, Sub: (10,200) then (10+5, 200+60). */
    uint8_t raw2[] = {1, 10, 200, 5, 60};
    b = handmade(2, 1, 8, 4, raw2, sizeof raw2);
    cr_assert_eq(lscan__png_fast_decode(ctx, b.p, b.n, &o, &img), LSCAN_OK);
    cr_assert_eq(img->channels, 2);
    cr_assert_eq(img->plane[0][0], 10 * 257);
    cr_assert_eq(img->plane[0][1], 15 * 257);
    cr_assert_eq(img->plane[1][0], 200 * 257);
    cr_assert_eq(img->plane[1][1], 4 * 257); /* 200 + 60 wraps to 4 */
    cr_assert_eq(img->flags, LSCAN_IMAGE_SCALED);
    lscan_image_free(img);
    free(b.p);
}

Test(png_fast, bad_filter_type_is_corrupt_in_both)
{
    uint8_t raw[] = {0, 1, 2, 5, 3, 4};
    struct buf b = handmade(2, 2, 8, 0, raw, sizeof raw);
    cr_assert_eq(both(&b, NULL, true, "filter 5"), LSCAN_ERR_CORRUPT);
    free(b.p);
}

Test(png_fast, short_and_long_image_data_are_left_to_libpng)
{
    uint8_t raw[] = {0, 1, 2, 0, 3, 4, 0, 5, 6};
    lscan_load_options o;
    lscan_load_options_init(&o);
    for (size_t n = 3; n <= sizeof raw; n += 6) { /* one row short, one row extra */
        struct buf b = handmade(2, 2, 8, 0, raw, n);
        lscan_image *img = NULL;
        cr_assert_eq(lscan__png_fast_decode(ctx, b.p, b.n, &o, &img), LSCAN__PNG_DEFER);
        cr_assert_null(img);
        both(&b, NULL, false, "wrong data length");
        free(b.p);
    }
}

Test(png_fast, bad_adler32_is_checksum)
{
    struct spec s = {.w = 20, .h = 5, .depth = 16, .ctype = 0, .filter = 4, .seed = 5};
    struct buf b = encode(&s);
    /* Flip the Adler-32 (the last 4 bytes of the single IDAT) and recompute
     * the chunk CRC, as a writer with a broken checksum would. */
    size_t p = 8;
    while (memcmp(b.p + p + 4, "IDAT", 4) != 0)
        p += rd32(b.p + p) + 12u;
    uint32_t len = rd32(b.p + p);
    b.p[p + 8 + len - 1] ^= 0x40;
    wr32(b.p + p + 8 + len, (uint32_t)crc32(0L, b.p + p + 4, len + 4));
    lscan_load_options o;
    lscan_load_options_init(&o);
    lscan_image *img = NULL;
    cr_assert_eq(lscan__png_fast_decode(ctx, b.p, b.n, &o, &img), LSCAN_ERR_CHECKSUM);
    cr_assert_null(img);
    cr_assert_eq(lscan_ctx_error(ctx), LSCAN_ERR_CHECKSUM);
    cr_assert_eq(lscan__png_libpng_decode(ctx, b.p, b.n, &o, &img), LSCAN_ERR_CHECKSUM);
    cr_assert_null(img);
    free(b.p);
}

static struct buf copy_of(const struct buf *b, size_t n)
{
    struct buf c = {malloc(n ? n : 1), n};
    cr_assert_not_null(c.p);
    memcpy(c.p, b->p, n);
    return c;
}

Test(png_fast, truncation_at_every_offset_gives_libpngs_status)
{
    struct spec specs[] = {
        {.w = 37,
         .h = 9,
         .depth = 16,
         .ctype = 0,
         .filter = 5,
         .zbuf = 64,
         .text = true,
         .seed = 3},
        {.w = 13, .h = 7, .depth = 8, .ctype = 4, .filter = 6, .zbuf = 0, .text = false, .seed = 4},
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        struct buf b = encode(&specs[k]);
        int handled = 0;
        for (size_t n = 8; n < b.n; n++) {
            struct buf c = copy_of(&b, n);
            char what[64];
            snprintf(what, sizeof what, "spec %zu cut at %zu of %zu", k, n, b.n);
            cr_assert_eq(both(&c, NULL, true, what), LSCAN_ERR_TRUNCATED, "%s", what);
            handled++;
            free(c.p);
        }
        cr_assert_eq((size_t)handled, b.n - 8);
        free(b.p);
    }
}

Test(png_fast, a_flipped_byte_anywhere_gives_libpngs_status)
{
    struct spec specs[] = {
        {.w = 21,
         .h = 6,
         .depth = 16,
         .ctype = 4,
         .filter = 5,
         .zbuf = 48,
         .text = true,
         .seed = 6},
        {.w = 30, .h = 5, .depth = 8, .ctype = 0, .filter = 4, .zbuf = 0, .text = true, .seed = 7},
    };
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        struct buf b = encode(&specs[k]);
        int checksum = 0, ok = 0;
        /* Every byte after the signature: lengths, types, data and CRCs. */
        for (size_t i = 8; i < b.n; i++) {
            struct buf c = copy_of(&b, b.n);
            c.p[i] ^= (uint8_t)(1u << (i % 8));
            char what[64];
            snprintf(what, sizeof what, "spec %zu byte %zu of %zu", k, i, b.n);
            /* Flips in a length or type may make an oddity only libpng
             * diagnoses (deferred); flips in data and CRCs are handled. */
            int rc = both(&c, NULL, false, what);
            checksum += rc == LSCAN_ERR_CHECKSUM;
            ok += rc == LSCAN_OK;
            free(c.p);
        }
        /* Sanity: most flips land in CRC-protected bytes; flips in the text
         * chunks are harmless. */
        cr_assert_gt(checksum, (int)(b.n / 2), "spec %zu: %d CHECKSUM of %zu", k, checksum, b.n);
        cr_assert_gt(ok, 10, "spec %zu: %d OK", k, ok);
        free(b.p);
    }
}

Test(png_fast, crc_flips_in_critical_chunks_are_checksum_errors_on_the_fast_path)
{
    struct spec s = {.w = 17, .h = 4, .depth = 16, .ctype = 0, .filter = 2, .zbuf = 40, .seed = 8};
    struct buf b = encode(&s);
    lscan_load_options o;
    lscan_load_options_init(&o);
    size_t p = 8;
    int n = 0;
    while (p < b.n) {
        uint32_t len = rd32(b.p + p);
        for (size_t i = p + 8; i < p + 12 + len; i++) { /* data and CRC */
            struct buf c = copy_of(&b, b.n);
            c.p[i] ^= 0x80;
            lscan_image *img = NULL;
            cr_assert_eq(lscan__png_fast_decode(ctx, c.p, c.n, &o, &img), LSCAN_ERR_CHECKSUM,
                         "byte %zu in %.4s", i, (const char *)b.p + p + 4);
            cr_assert_null(img);
            free(c.p);
            n++;
        }
        p += (size_t)len + 12;
    }
    cr_assert_gt(n, 50);
    free(b.p);
}

Test(png_fast, limits_are_too_large_before_allocation_in_both)
{
    /* IHDR claims 100000 x 100000; the data is a single tiny IDAT. */
    uint8_t raw[] = {0, 0};
    struct buf b = handmade(1, 1, 8, 0, raw, sizeof raw);
    wr32(b.p + 16, 100000);
    wr32(b.p + 20, 100000);
    wr32(b.p + 29, (uint32_t)crc32(0L, b.p + 12, 17));
    cr_assert_eq(both(&b, NULL, true, "10^10 pixels"), LSCAN_ERR_TOO_LARGE);
    lscan_load_options o;
    lscan_load_options_init(&o);
    o.max_dimension = 50000;
    cr_assert_eq(both(&b, &o, true, "side limit"), LSCAN_ERR_TOO_LARGE);
    free(b.p);
    /* A real image just over a configured pixel limit. */
    struct spec s = {.w = 40, .h = 30, .depth = 16, .ctype = 0, .filter = 1, .seed = 9};
    b = encode(&s);
    lscan_load_options_init(&o);
    o.max_pixels = 40 * 30 - 1;
    cr_assert_eq(both(&b, &o, true, "pixel limit"), LSCAN_ERR_TOO_LARGE);
    o.max_pixels = 40 * 30;
    cr_assert_eq(both(&b, &o, true, "at the pixel limit"), LSCAN_OK);
    free(b.p);
}

Test(png_fast, other_layouts_are_deferred_to_libpng)
{
    struct spec specs[] = {
        {.w = 19, .h = 9, .depth = 16, .ctype = 0, .filter = 6, .interlace = 1, .seed = 10},
        {.w = 19, .h = 9, .depth = 8, .ctype = 4, .filter = 6, .interlace = 1, .seed = 11},
        {.w = 19, .h = 9, .depth = 8, .ctype = PNG_COLOR_TYPE_RGB, .filter = 6, .seed = 12},
        {.w = 19, .h = 9, .depth = 16, .ctype = PNG_COLOR_TYPE_RGB, .filter = 6, .seed = 13},
    };
    lscan_load_options o;
    lscan_load_options_init(&o);
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        struct buf b = encode(&specs[k]);
        lscan_image *img = NULL;
        lscan__error_clear(ctx);
        cr_assert_eq(lscan__png_fast_decode(ctx, b.p, b.n, &o, &img), LSCAN__PNG_DEFER, "spec %zu",
                     k);
        cr_assert_null(img);
        cr_assert_eq(lscan_ctx_error(ctx), LSCAN_OK, "a deferral records no error");
        /* ... and the public decoder still reads it, through libpng. */
        cr_assert_eq(lscan_image_decode(ctx, b.p, b.n, NULL, &img), LSCAN_OK, "spec %zu", k);
        lscan_image_free(img);
        free(b.p);
    }
}

#else

Test(png_fast, not_built)
{
    cr_skip_test("built without libdeflate: no fast PNG path");
}

#endif
