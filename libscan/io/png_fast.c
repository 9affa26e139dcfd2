/* png_fast.c — fast PNG path for scanner output: libdeflate inflate, fused unfilter + convert. */
#include "png_fast.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * Why: libpng inflates through zlib and unfilters row by row behind several
 * layers of transforms; for the one layout scanners write (non-interlaced
 * grey, 8 or 16 bit, optionally grey+alpha for dual energy) a whole-buffer
 * inflate with libdeflate plus one pass that unfilters a row and converts it
 * into the image while it is in cache is markedly cheaper.
 *
 * Contract with the libpng path (png.c), checked by tests/unit/test_png_fast.c:
 * for every file this path accepts it gives the same pixels and flags; for
 * every failure it reports the same status class. Whatever it does not
 * handle, or whose diagnosis depends on libpng's own rules (unusual chunk
 * order, PLTE in a grey image, bogus lengths, damaged deflate streams with
 * valid CRCs), is deferred to libpng with nothing recorded on the context
 * and no image made (the chunk walk runs before any allocation); errors are
 * only reported here when the diagnosis is unambiguous:
 *  - a chunk that runs past the end of the data, or no IEND: TRUNCATED
 *    (libpng's read callback runs out in the same places);
 *  - a critical chunk (IHDR, IDAT, IEND) whose CRC does not match: CHECKSUM
 *    (ancillary chunks are skipped whatever their CRC, as libpng does);
 *  - sizes beyond the limits: TOO_LARGE, checked where libpng checks them
 *    (max_dimension at IHDR, the pixel count at the first IDAT header);
 *  - a filter type byte above 4: CORRUPT;
 *  - a deflate stream that is whole and of the right length but whose
 *    Adler-32 does not match: CHECKSUM.
 */

enum { PNG_SIG = 8 };

/* libdeflate's decompressor state (~11 KB in 1.14), rounded up. */
#define LIBDEFLATE_STATE_BYTES ((size_t)64 << 10)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_type(const uint8_t *t, const char *name)
{
    return memcmp(t, name, 4) == 0;
}

/* What the chunk walk found. */
struct layout {
    uint32_t width, height, depth, ctype;
    size_t idat_first; /* offset of the first IDAT's data */
    size_t idat_total; /* sum of IDAT lengths */
    uint32_t idat_count;
};

/* Walks the chunks, checks CRCs and limits. Returns LSCAN_OK, an error
 * status (recorded) or LSCAN__PNG_DEFER. */
static int walk(lscan_ctx *ctx, const uint8_t *d, size_t n, const lscan_load_options *o,
                struct layout *L)
{
    memset(L, 0, sizeof *L);
    size_t p = PNG_SIG;
    bool idat_ended = false;
    for (;;) {
        if (n - p < 8)
            return lscan__error(ctx, LSCAN_ERR_TRUNCATED,
                                "truncated: PNG: the data ends before IEND (byte %zu)", p);
        uint32_t len = be32(d + p);
        const uint8_t *type = d + p + 4;
        if (len > 0x7fffffffu) return LSCAN__PNG_DEFER;
        for (int i = 0; i < 4; i++) {
            uint8_t c = (uint8_t)(type[i] | 0x20);
            if (c < 'a' || c > 'z') return LSCAN__PNG_DEFER;
        }
        bool critical = !(type[0] & 0x20);
        if (p == PNG_SIG && !is_type(type, "IHDR")) return LSCAN__PNG_DEFER;

        if (is_type(type, "IDAT") && L->idat_count == 0) {
            /* libpng applies the pixel limit once png_read_info has seen the
             * first IDAT header, before reading its data. */
            int rc = lscan__check_dimensions(ctx, o, L->width, L->height);
            if (rc) return rc;
        }
        /* libpng checks these lengths before reading the data. */
        if ((is_type(type, "IHDR") && len != 13) || (is_type(type, "IEND") && len != 0))
            return LSCAN__PNG_DEFER;
        if ((size_t)len + 4 > n - p - 8)
            return lscan__error(ctx, LSCAN_ERR_TRUNCATED,
                                "truncated: PNG: the data ends inside chunk %.4s at byte %zu",
                                (const char *)type, p);
        if (critical) {
            uint32_t crc = libdeflate_crc32(0, type, (size_t)len + 4);
            if (crc != be32(d + p + 8 + len))
                return lscan__error(ctx, LSCAN_ERR_CHECKSUM,
                                    "checksum: PNG: CRC error in chunk %.4s at byte %zu",
                                    (const char *)type, p);
        }

        if (is_type(type, "IHDR")) {
            if (p != PNG_SIG) return LSCAN__PNG_DEFER;
            const uint8_t *h = d + p + 8;
            L->width = be32(h);
            L->height = be32(h + 4);
            L->depth = h[8];
            L->ctype = h[9];
            if (L->width == 0 || L->height == 0 || L->width > 0x7fffffffu ||
                L->height > 0x7fffffffu)
                return LSCAN__PNG_DEFER; /* libpng's BAD_HEADER with its message */
            if ((L->depth != 8 && L->depth != 16) || (L->ctype != 0 && L->ctype != 4) ||
                h[10] != 0 || h[11] != 0 || h[12] != 0)
                return LSCAN__PNG_DEFER;
            /* libpng's user limits refuse oversized sides while parsing IHDR. */
            if (L->width > o->max_dimension || L->height > o->max_dimension)
                return lscan__check_dimensions(ctx, o, L->width, L->height);
        } else if (is_type(type, "IDAT")) {
            if (idat_ended) return LSCAN__PNG_DEFER;
            if (L->idat_count == 0) L->idat_first = p + 8;
            if (L->idat_count == UINT32_MAX || L->idat_total > SIZE_MAX - len)
                return LSCAN__PNG_DEFER;
            L->idat_count++;
            L->idat_total += len;
        } else if (is_type(type, "IEND")) {
            if (L->idat_count == 0) return LSCAN__PNG_DEFER;
            return LSCAN_OK;
        } else if (critical) {
            return LSCAN__PNG_DEFER; /* PLTE or an unknown critical chunk */
        } else if (L->idat_count) {
            idat_ended = true;
        }
        p += (size_t)len + 12;
    }
}

/* The compressed stream: the first IDAT's data in place when there is one
 * IDAT, else all IDATs concatenated into *copy. */
static int gather(lscan_ctx *ctx, const uint8_t *d, const struct layout *L, const uint8_t **z,
                  uint8_t **copy)
{
    *copy = NULL;
    if (L->idat_count == 1) {
        *z = d + L->idat_first;
        return LSCAN_OK;
    }
    uint8_t *buf = lscan__ws_get(ctx, LSCAN__WS_IDAT, L->idat_total);
    if (!buf)
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate %zu bytes of PNG data",
                            L->idat_total);
    size_t p = L->idat_first - 8, q = 0;
    for (uint32_t i = 0; i < L->idat_count; i++) {
        /* The walk proved these are consecutive IDATs with ancillary chunks
         * only after the last. */
        uint32_t len = be32(d + p);
        memcpy(buf + q, d + p + 8, len);
        q += len;
        p += (size_t)len + 12;
    }
    *copy = buf; /* the context's workspace */
    *z = buf;
    return LSCAN_OK;
}

/* -- Unfiltering (PNG spec 9.2-9.4), in place; prev is the unfiltered row
 * above or NULL for the first row. bpp is bytes per complete pixel. */

static void unfilter_sub(uint8_t *restrict r, size_t n, size_t bpp)
{
    for (size_t i = bpp; i < n; i++)
        r[i] = (uint8_t)(r[i] + r[i - bpp]);
}

static void unfilter_up(uint8_t *restrict r, const uint8_t *restrict prev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        r[i] = (uint8_t)(r[i] + prev[i]);
}

#define AVG_ROW(BPP)                                                                               \
    static void avg_row_##BPP(uint8_t *restrict r, const uint8_t *restrict prev, size_t n)         \
    {                                                                                              \
        for (size_t i = 0; i < BPP && i < n; i++)                                                  \
            r[i] = (uint8_t)(r[i] + (prev[i] >> 1));                                               \
        for (size_t i = BPP; i < n; i++)                                                           \
            r[i] = (uint8_t)(r[i] + ((r[i - BPP] + prev[i]) >> 1));                                \
    }
AVG_ROW(1)
AVG_ROW(2)
AVG_ROW(4)
#undef AVG_ROW

static void unfilter_avg(uint8_t *restrict r, const uint8_t *restrict prev, size_t n, size_t bpp)
{
    if (!prev) {
        for (size_t i = bpp; i < n; i++)
            r[i] = (uint8_t)(r[i] + (r[i - bpp] >> 1));
        return;
    }
    if (bpp == 2)
        avg_row_2(r, prev, n);
    else if (bpp == 4)
        avg_row_4(r, prev, n);
    else
        avg_row_1(r, prev, n);
}

/* The Paeth predictor in stb_image's branch-free form, equivalent to the
 * spec's (ties favour a, then b): its dependency on `a`, the byte just
 * decoded, is a few compare/selects, which matters because that chain is
 * what bounds the speed of a Paeth row. */
static inline int paeth(int a, int b, int c)
{
    int thresh = c * 3 - (a + b);
    int lo = a < b ? a : b;
    int hi = a < b ? b : a;
    int t0 = hi <= thresh ? lo : c;
    return thresh <= lo ? hi : t0;
}

/* One Paeth row for a constant bpp, so that the bpp independent byte
 * chains are interleaved by the compiler. */
#define PAETH_ROW(BPP)                                                                             \
    static void paeth_row_##BPP(uint8_t *restrict r, const uint8_t *restrict prev, size_t n)       \
    {                                                                                              \
        for (size_t i = 0; i < BPP && i < n; i++)                                                  \
            r[i] = (uint8_t)(r[i] + prev[i]);                                                      \
        for (size_t i = BPP; i < n; i++)                                                           \
            r[i] = (uint8_t)(r[i] + paeth(r[i - BPP], prev[i], prev[i - BPP]));                    \
    }
PAETH_ROW(1)
PAETH_ROW(2)
PAETH_ROW(4)
#undef PAETH_ROW

static void unfilter_paeth(uint8_t *restrict r, const uint8_t *restrict prev, size_t n, size_t bpp)
{
    /* With no row above, Paeth predicts from the left alone: Sub. */
    if (!prev) {
        unfilter_sub(r, n, bpp);
        return;
    }
    if (bpp == 2)
        paeth_row_2(r, prev, n);
    else if (bpp == 4)
        paeth_row_4(r, prev, n);
    else
        paeth_row_1(r, prev, n);
}

/* -- Conversion of an unfiltered row into the image's planes, byte swap and
 * inversion fused (same values as png.c's conversions). */
static void convert(const uint8_t *restrict s, uint32_t w, uint32_t depth, uint32_t ctype,
                    uint16_t *restrict d0, uint16_t *restrict d1, uint16_t inv, bool sse2)
{
    if (ctype == 0 && depth == 16) {
        uint32_t x = 0;
#if defined(__SSE2__)
        /* The common case: swap the bytes of 8 samples at a time. */
        if (sse2) {
            const __m128i vinv = _mm_set1_epi16((short)inv);
            for (; x + 8 <= w; x += 8) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 2 * (size_t)x));
                v = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
                _mm_storeu_si128((__m128i *)(void *)(d0 + x), _mm_xor_si128(v, vinv));
            }
        }
#else
        (void)sse2;
#endif
        for (; x < w; x++)
            d0[x] = (uint16_t)((s[2 * x] << 8 | s[2 * x + 1]) ^ inv);
    } else if (ctype == 0) {
        for (uint32_t x = 0; x < w; x++)
            d0[x] = (uint16_t)((s[x] * 257u) ^ inv);
    } else if (depth == 16) {
        for (uint32_t x = 0; x < w; x++)
            d0[x] = (uint16_t)((s[4 * x] << 8 | s[4 * x + 1]) ^ inv);
        if (d1)
            for (uint32_t x = 0; x < w; x++)
                d1[x] = (uint16_t)((s[4 * x + 2] << 8 | s[4 * x + 3]) ^ inv);
    } else {
        for (uint32_t x = 0; x < w; x++)
            d0[x] = (uint16_t)((s[2 * x] * 257u) ^ inv);
        if (d1)
            for (uint32_t x = 0; x < w; x++)
                d1[x] = (uint16_t)((s[2 * x + 1] * 257u) ^ inv);
    }
}

/* Inflates the zlib stream into exactly `want` bytes. Returns LSCAN_OK, a
 * recorded status, or LSCAN__PNG_DEFER when libpng should diagnose it. */
static int inflate_all(lscan_ctx *ctx, const uint8_t *z, size_t zn, uint8_t *out, size_t want)
{
    struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
    if (!dec) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "libdeflate: out of memory");
    size_t got = 0;
    enum libdeflate_result r = libdeflate_zlib_decompress(dec, z, zn, out, want, &got);
    int rc = LSCAN_OK;
    if (r == LIBDEFLATE_SUCCESS && got == want) {
        rc = LSCAN_OK;
    } else if (r == LIBDEFLATE_BAD_DATA && zn >= 6 && (z[0] & 0x0f) == 8 && z[0] >> 4 <= 7 &&
               ((unsigned)z[0] << 8 | z[1]) % 31 == 0 && !(z[1] & 0x20)) {
        /* libdeflate reports a bad Adler-32 as BAD_DATA too. If the header
         * is valid and the raw deflate stream inside decodes to exactly the
         * image with four bytes after it, the only fault is the checksum.
         * Anything else is libpng's to diagnose. */
        size_t in_used = 0;
        r = libdeflate_deflate_decompress_ex(dec, z + 2, zn - 2, out, want, &in_used, &got);
        if (r == LIBDEFLATE_SUCCESS && got == want && zn - 2 - in_used >= 4)
            rc = lscan__error(ctx, LSCAN_ERR_CHECKSUM,
                              "checksum: PNG: Adler-32 of the image data does not match");
        else
            rc = LSCAN__PNG_DEFER;
    } else {
        rc = LSCAN__PNG_DEFER;
    }
    libdeflate_free_decompressor(dec);
    return rc;
}

int lscan__png_fast_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                           const lscan_load_options *o, lscan_image **out)
{
    *out = NULL;
    if (size < PNG_SIG) return LSCAN__PNG_DEFER;
    struct layout L;
    int rc = walk(ctx, data, size, o, &L);
    if (rc) return rc;

    uint32_t w = L.width, h = L.height;
    uint32_t src_channels = L.ctype == 4 ? 2 : 1;
    size_t bpp = (size_t)src_channels * (L.depth / 8);
    size_t rowbytes, stride_in, want;
    /* Sizes are within the pixel limit here, so these only fail on hosts
     * with a small size_t. */
    if (!lscan__mul_size(w, bpp, &rowbytes) || rowbytes == SIZE_MAX ||
        !lscan__mul_size(rowbytes + 1, h, &want))
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "too large: PNG: image data size overflows");
    stride_in = rowbytes + 1;

    bool dual = src_channels == 2 && o->channels != LSCAN_CHANNELS_SINGLE;
    uint16_t inv = o->polarity == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0;

    /* Everything this path allocates, before it allocates: the IDAT copy,
     * the inflated rows, the image and libdeflate's decompressor. */
    lscan__mem_need need = {.other = LIBDEFLATE_STATE_BYTES};
    if (L.idat_count > 1) need.ws[LSCAN__WS_IDAT] = L.idat_total;
    need.ws[LSCAN__WS_INFLATE] = want;
    need.other = lscan__size_add(
        need.other, lscan__size_mul((size_t)w * h, sizeof(uint16_t) * (dual ? 2u : 1u)));
    rc = lscan__mem_admit(ctx, &need, "PNG %ux%u", w, h);
    if (rc) return rc;

    const uint8_t *z = NULL;
    uint8_t *zcopy = NULL, *raw = NULL;
    lscan_image *img = NULL;
    rc = gather(ctx, data, &L, &z, &zcopy);
    if (rc) return rc;
    raw = lscan__ws_get(ctx, LSCAN__WS_INFLATE, want);
    if (!raw) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate %zu bytes for PNG rows", want);
        goto done;
    }
    rc = inflate_all(ctx, z, L.idat_total, raw, want);
    if (rc) goto done;
    if (lscan__deadline_passed(ctx)) {
        rc = lscan__deadline_error(ctx, "PNG decoding");
        goto done;
    }

    rc = lscan__image_new(ctx, w, h, dual ? 2 : 1, &img);
    if (rc) goto done;
    uint16_t *p0 = lscan__image_plane_mut(img, 0);
    uint16_t *p1 = dual ? lscan__image_plane_mut(img, 1) : NULL;
    /* SSE2 unless the context disables it (tests compare both paths). */
    bool sse2 = (ctx->cpu_active & LSCAN_CPU_SSE2) != 0;
    const uint8_t *prev = NULL;
    for (uint32_t y = 0; y < h; y++) {
        if ((y & 63) == 63 && lscan__deadline_passed(ctx)) {
            rc = lscan__deadline_error(ctx, "PNG decoding");
            goto done;
        }
        uint8_t *r = raw + (size_t)y * stride_in;
        uint8_t f = r[0];
        uint8_t *px = r + 1;
        switch (f) {
        case 0: break;
        case 1: unfilter_sub(px, rowbytes, bpp); break;
        case 2:
            if (prev) unfilter_up(px, prev, rowbytes);
            break;
        case 3: unfilter_avg(px, prev, rowbytes, bpp); break;
        case 4: unfilter_paeth(px, prev, rowbytes, bpp); break;
        default:
            rc = lscan__error(ctx, LSCAN_ERR_CORRUPT,
                              "corrupt: PNG: bad adaptive filter value %u in row %u", f, y);
            goto done;
        }
        convert(px, w, L.depth, L.ctype, p0 + (size_t)y * img->stride,
                p1 ? p1 + (size_t)y * img->stride : NULL, inv, sse2);
        prev = px;
    }
    img->src_bits = L.depth;
    img->src_channels = src_channels;
    img->src_format = LSCAN_FORMAT_PNG;
    img->flags = (L.depth != 16 ? LSCAN_IMAGE_SCALED : 0) |
                 (src_channels == 2 && !dual ? LSCAN_IMAGE_ALPHA_DROPPED : 0) |
                 (inv ? LSCAN_IMAGE_INVERTED : 0);
    *out = img;
    img = NULL;
    rc = LSCAN_OK;
done:
    lscan_image_free(img);
    /* Both buffers stay with the context for the next image. */
    if (raw) lscan__ws_done(ctx, LSCAN__WS_INFLATE);
    if (zcopy) lscan__ws_done(ctx, LSCAN__WS_IDAT);
    return rc;
}
