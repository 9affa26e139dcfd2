/* png.c — PNG decoding through libpng's full API from a memory buffer, normalised to 16-bit planes.
 */
#include "png_fast.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/*
 * What this decoder promises (see also docs/io.md):
 *  - Grey 1/2/4/8/16 bit, grey+alpha 8/16, RGB/RGBA 8/16, palette 1/2/4/8,
 *    Adam7 or not. Samples are scaled to the full 16-bit range by exact
 *    integer factors (1 bit x65535, 2 bit x21845, 4 bit x4369, 8 bit x257;
 *    flag SCALED).
 *  - Colour becomes Rec.601 luma in integer arithmetic,
 *    Y = (19595 R + 38470 G + 7471 B + 32768) >> 16 on 16-bit samples (8-bit
 *    samples are first scaled x257). Rec.601 because it is what JPEG's Y
 *    channel carries, so a PNG and a JPEG export of one scan agree; the
 *    weights sum to 65536 so grey stored as RGB comes back unchanged. The
 *    pixels with a clear chroma are counted on the way (chroma_px): the
 *    scan check refuses colour images.
 *  - Grey+alpha is a dual-energy pair (grey = high energy -> plane 0, alpha =
 *    low energy -> plane 1) unless LSCAN_CHANNELS_SINGLE; RGBA loses alpha.
 *  - No gamma, no colour management, no transparency: pixels are detector
 *    values. Every ancillary chunk is skipped unread (its CRC is still
 *    checked; a bad ancillary CRC is a libpng warning and the chunk is
 *    dropped, which cannot change a pixel). Critical-chunk CRC errors fail.
 *  - Errors: the read callback knows when the data ran out (TRUNCATED);
 *    CRC and Adler-32 failures are CHECKSUM; a malformed IHDR is BAD_HEADER;
 *    sizes beyond the limits are TOO_LARGE, found before any pixel memory is
 *    allocated; everything else libpng rejects is CORRUPT. When libpng
 *    stops on damaged compressed data, the chunk CRCs are checked afterwards
 *    so that a byte flipped in transit is reported as CHECKSUM, which is the
 *    more precise diagnosis, rather than as whatever zlib tripped over first.
 *
 * libpng reports errors by longjmp. setjmp lives in run_decode() alone and
 * every value that changes after it lives in struct png_state, which is
 * owned by the caller's frame, so no local of the setjmp frame is modified
 * after setjmp (nothing needs `volatile`), and cleanup always sees the true
 * pointers.
 */

/* Largest ancillary chunk libpng may buffer (we skip them all, but the
 * limit also bounds what libpng would allocate before deciding to skip). */
#define CHUNK_MALLOC_MAX (8u << 20)
/* Most ancillary chunks kept in memory; we keep none, bound it anyway. */
#define CHUNK_CACHE_MAX 1000u
/* libpng's structs, its zlib inflate state and window, rounded up. */
#define LIBPNG_STATE_BYTES ((size_t)256 << 10)

struct png_state {
    lscan_ctx *ctx;
    const lscan_load_options *o;
    const uint8_t *data;
    size_t size, pos;
    bool ran_out;         /* the read callback was asked for bytes past the end */
    bool over_user_limit; /* libpng warned that IHDR exceeds png_set_user_limits */
    int code;             /* a status decided inside the protected region */
    char msg[200];        /* libpng's error message */
    png_structp png;
    png_infop info;
    lscan_image *img;
    uint8_t *buf;    /* a row, or for interlaced colour images all rows */
    uint64_t chroma; /* colour sources: pixels with a clear chroma so far */
};

static void on_error(png_structp png, png_const_charp msg)
{
    struct png_state *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg ? msg : "(no message)");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    struct png_state *st = png_get_error_ptr(png);
    /* png_check_IHDR warns about each limit it finds exceeded, then fails
     * with a generic "Invalid IHDR data": remember which one it was. */
    if (msg && strstr(msg, "exceeds user limit")) st->over_user_limit = true;
}

static void read_data(png_structp png, png_bytep out, size_t n)
{
    struct png_state *st = png_get_io_ptr(png);
    if (n > st->size - st->pos) {
        st->ran_out = true;
        png_error(png, "Read Error: the data ends early");
    }
    memcpy(out, st->data + st->pos, n);
    st->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walks the chunks of the buffer and reports whether a complete chunk has a
 * CRC that does not match. Only called after libpng has failed. */
static bool any_crc_mismatch(const uint8_t *d, size_t n)
{
    size_t p = 8;
    while (n - p >= 12) {
        uint32_t len = be32(d + p);
        if (len > 0x7fffffffu || (size_t)len > n - p - 12) return false; /* cut or bogus length */
        uLong crc = crc32(0L, d + p + 4, (uInt)len + 4);
        if ((uint32_t)crc != be32(d + p + 8 + len)) return true;
        if (memcmp(d + p + 4, "IEND", 4) == 0) return false;
        p += (size_t)len + 12;
    }
    return false;
}

/* Chooses the status for a libpng failure. */
static int classify(const struct png_state *st)
{
    const char *m = st->msg;
    if (st->ran_out) return LSCAN_ERR_TRUNCATED;
    if (st->over_user_limit) return LSCAN_ERR_TOO_LARGE;
    if (strstr(m, "CRC error") || strstr(m, "incorrect data check")) return LSCAN_ERR_CHECKSUM;
    if (strstr(m, "memory") || strstr(m, "Out of Memory")) return LSCAN_ERR_NO_MEMORY;
    if (strstr(m, "IHDR")) return LSCAN_ERR_BAD_HEADER;
    if (any_crc_mismatch(st->data, st->size)) return LSCAN_ERR_CHECKSUM;
    return LSCAN_ERR_CORRUPT;
}

/* How libpng's rows become our planes. */
enum layout {
    L_GREY16, /* 16-bit grey read straight into plane 0 (host order) */
    L_LUT8,   /* one byte per pixel (grey 1..8 bit unpacked, or palette index) through a LUT */
    L_GA8,    /* grey+alpha 8 bit */
    L_GA16,   /* grey+alpha 16 bit, big-endian */
    L_RGB8,   /* RGB or RGBA 8 bit (stride 3 or 4) */
    L_RGB16   /* RGB or RGBA 16 bit, big-endian (stride 6 or 8) */
};

struct conv {
    enum layout layout;
    unsigned px_bytes;   /* bytes per pixel in libpng's output row */
    bool dual;           /* grey+alpha kept as two planes */
    uint16_t inv;        /* 0xffff to invert (polarity ATTENUATION), else 0 */
    int palette_size;    /* for a palette LUT: indices >= this are invalid */
    bool colour_palette; /* L_LUT8 of a palette with coloured entries: count them */
    uint16_t lut[256];   /* L_LUT8: 16-bit value (inversion included) */
    uint8_t chroma[256]; /* colour palette: 1 for an entry with a clear chroma */
};

static inline uint16_t luma16(uint32_t r, uint32_t g, uint32_t b)
{
    return (uint16_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/* Converts one of libpng's output rows into row y of the image, adding the
 * colour pixels with a clear chroma to *chroma. Returns false if a palette
 * index is out of range. */
static bool convert_row(const struct conv *c, const uint8_t *s, lscan_image *img, uint32_t y,
                        uint64_t *chroma)
{
    uint32_t w = img->width;
    uint16_t *d0 = lscan__image_plane_mut(img, 0) + (size_t)y * img->stride;
    uint16_t inv = c->inv;
    switch (c->layout) {
    case L_GREY16: /* read in place by read_pixels, never through a row buffer */ break;
    case L_LUT8:
        if (c->palette_size < 256) {
            unsigned bad = 0;
            for (uint32_t x = 0; x < w; x++) {
                bad |= s[x] >= c->palette_size;
                d0[x] = c->lut[s[x]];
            }
            if (bad) return false;
        } else {
            for (uint32_t x = 0; x < w; x++)
                d0[x] = c->lut[s[x]];
        }
        if (c->colour_palette) {
            uint64_t n = 0;
            for (uint32_t x = 0; x < w; x++)
                n += c->chroma[s[x]];
            *chroma += n;
        }
        break;
    case L_GA8: {
        uint16_t *d1 = c->dual ? lscan__image_plane_mut(img, 1) + (size_t)y * img->stride : NULL;
        for (uint32_t x = 0; x < w; x++)
            d0[x] = (uint16_t)((s[2 * x] * 257u) ^ inv);
        if (d1)
            for (uint32_t x = 0; x < w; x++)
                d1[x] = (uint16_t)((s[2 * x + 1] * 257u) ^ inv);
        break;
    }
    case L_GA16: {
        uint16_t *d1 = c->dual ? lscan__image_plane_mut(img, 1) + (size_t)y * img->stride : NULL;
        for (uint32_t x = 0; x < w; x++)
            d0[x] = (uint16_t)((s[4 * x] << 8 | s[4 * x + 1]) ^ inv);
        if (d1)
            for (uint32_t x = 0; x < w; x++)
                d1[x] = (uint16_t)((s[4 * x + 2] << 8 | s[4 * x + 3]) ^ inv);
        break;
    }
    case L_RGB8: {
        unsigned k = c->px_bytes;
        uint64_t n = 0;
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *p = s + (size_t)x * k;
            d0[x] = (uint16_t)(luma16(p[0] * 257u, p[1] * 257u, p[2] * 257u) ^ inv);
            n += lscan__has_chroma8(p[0], p[1], p[2]);
        }
        *chroma += n;
        break;
    }
    case L_RGB16: {
        unsigned k = c->px_bytes;
        uint64_t n = 0;
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *p = s + (size_t)x * k;
            uint32_t r = (uint32_t)p[0] << 8 | p[1], g = (uint32_t)p[2] << 8 | p[3],
                     b = (uint32_t)p[4] << 8 | p[5];
            d0[x] = (uint16_t)(luma16(r, g, b) ^ inv);
            n += lscan__has_chroma16(r, g, b);
        }
        *chroma += n;
        break;
    }
    }
    return true;
}

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Sets up libpng and the conversion from the header. Runs inside the
 * protected region; returns a status (libpng errors longjmp instead). */
static int setup(struct png_state *st, struct conv *c)
{
    png_structp png = st->png;
    png_infop info = st->info;
    png_read_info(png, info);

    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    int rc = lscan__check_dimensions(st->ctx, st->o, w, h);
    if (rc) return rc;

    memset(c, 0, sizeof *c);
    c->inv = st->o->polarity == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0;
    c->palette_size = 256;
    uint32_t channels = 1, src_channels = 1, flags = 0;

    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY:
        if (depth == 16) {
            c->layout = L_GREY16;
            if (host_is_little_endian()) png_set_swap(png);
        } else {
            /* Unpacked to one byte per pixel; scaled by the exact factor
             * that maps the largest code to 65535. */
            if (depth < 8) png_set_packing(png);
            c->layout = L_LUT8;
            unsigned maxv = (1u << depth) - 1, f = 65535u / maxv;
            for (unsigned v = 0; v < 256; v++)
                c->lut[v] = (uint16_t)((v <= maxv ? v * f : 65535u) ^ c->inv);
            flags |= LSCAN_IMAGE_SCALED;
        }
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        src_channels = 2;
        c->layout = depth == 16 ? L_GA16 : L_GA8;
        if (st->o->channels == LSCAN_CHANNELS_SINGLE) {
            flags |= LSCAN_IMAGE_ALPHA_DROPPED;
        } else {
            c->dual = true;
            channels = 2;
        }
        if (depth != 16) flags |= LSCAN_IMAGE_SCALED;
        break;
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_RGB_ALPHA:
        src_channels = ctype == PNG_COLOR_TYPE_RGB ? 3 : 4;
        c->layout = depth == 16 ? L_RGB16 : L_RGB8;
        flags |= LSCAN_IMAGE_FROM_COLOR;
        if (ctype == PNG_COLOR_TYPE_RGB_ALPHA) flags |= LSCAN_IMAGE_ALPHA_DROPPED;
        if (depth != 16) flags |= LSCAN_IMAGE_SCALED;
        break;
    case PNG_COLOR_TYPE_PALETTE: {
        src_channels = 3;
        png_colorp pal = NULL;
        int n = 0;
        if (!png_get_PLTE(png, info, &pal, &n) || n <= 0 || n > 256) {
            snprintf(st->msg, sizeof st->msg, "palette image without a usable PLTE chunk");
            return LSCAN_ERR_CORRUPT;
        }
        if (depth < 8) png_set_packing(png);
        c->layout = L_LUT8;
        c->palette_size = n;
        for (int i = 0; i < 256; i++)
            c->lut[i] = i < n ? (uint16_t)(luma16(pal[i].red * 257u, pal[i].green * 257u,
                                                  pal[i].blue * 257u) ^
                                           c->inv)
                              : 0;
        /* A palette whose entries are all grey is a grey image in disguise. */
        bool grey = true;
        for (int i = 0; i < n; i++) {
            grey = grey && pal[i].red == pal[i].green && pal[i].green == pal[i].blue;
            c->chroma[i] = lscan__has_chroma8(pal[i].red, pal[i].green, pal[i].blue);
        }
        if (!grey) flags |= LSCAN_IMAGE_FROM_COLOR;
        c->colour_palette = !grey;
        flags |= LSCAN_IMAGE_SCALED;
        break;
    }
    default:
        snprintf(st->msg, sizeof st->msg, "colour type %d", ctype);
        return LSCAN_ERR_BAD_HEADER;
    }

    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    c->px_bytes = (unsigned)(rowbytes / w);
    static const unsigned want[] = {
        [L_GREY16] = 2, [L_LUT8] = 1, [L_GA8] = 2, [L_GA16] = 4, [L_RGB8] = 0, [L_RGB16] = 0};
    bool ok = rowbytes % w == 0 &&
              (want[c->layout] ? c->px_bytes == want[c->layout]
                               : (c->layout == L_RGB8 ? (c->px_bytes == 3 || c->px_bytes == 4)
                                                      : (c->px_bytes == 6 || c->px_bytes == 8)));
    if (!ok) {
        snprintf(st->msg, sizeof st->msg, "unexpected row size %zu for width %u", rowbytes,
                 (unsigned)w);
        return LSCAN_ERR_INTERNAL;
    }

    /* Everything this decode allocates, before it allocates: the image,
     * our row buffer (all rows for Adam7 unless 16-bit grey, which is read
     * in place), libpng's two rows and its zlib state. */
    bool all_rows = interlace == PNG_INTERLACE_ADAM7 && c->layout != L_GREY16;
    lscan__mem_need need = {.other = LIBPNG_STATE_BYTES};
    need.other = lscan__size_add(need.other, lscan__size_mul((size_t)w * h, 2u * channels));
    need.other = lscan__size_add(need.other, lscan__size_mul(rowbytes, all_rows ? h : 1));
    need.other = lscan__size_add(need.other, lscan__size_mul(rowbytes + 64, 2));
    rc = lscan__mem_admit(st->ctx, &need, "PNG %ux%u", (unsigned)w, (unsigned)h);
    if (rc) return rc;

    rc = lscan__image_new(st->ctx, w, h, channels, &st->img);
    if (rc) return rc;
    st->img->src_bits = (uint32_t)depth;
    st->img->src_channels = src_channels;
    st->img->src_format = LSCAN_FORMAT_PNG;
    st->img->flags = flags;
    return LSCAN_OK;
}

/* Reads every row and converts it. Runs inside the protected region. */
static int read_pixels(struct png_state *st, const struct conv *c)
{
    png_structp png = st->png;
    lscan_image *img = st->img;
    uint32_t h = img->height;
    int passes = png_get_interlace_type(png, st->info) == PNG_INTERLACE_ADAM7
                     ? PNG_INTERLACE_ADAM7_PASSES
                     : 1;
    size_t rowbytes = png_get_rowbytes(png, st->info);

    if (c->layout == L_GREY16) {
        /* The native case: libpng writes (and byte-swaps) each row straight
         * into the plane, every pass of an interlaced image included. */
        uint16_t *px = lscan__image_plane_mut(img, 0);
        for (int p = 0; p < passes; p++)
            for (uint32_t y = 0; y < h; y++) {
                if ((y & 31) == 31 && lscan__deadline_passed(st->ctx)) goto over_time;
                uint16_t *r = px + (size_t)y * img->stride;
                png_read_row(png, (png_bytep)r, NULL);
                /* Inverted while the row is still in cache; an Adam7 row is
                 * complete only after the last pass. */
                if (c->inv && p == passes - 1)
                    for (uint32_t x = 0; x < img->width; x++)
                        r[x] = (uint16_t)~r[x];
            }
    } else if (passes == 1) {
        /* One cached row buffer, converted as soon as it is read. */
        st->buf = malloc(rowbytes);
        if (!st->buf) {
            snprintf(st->msg, sizeof st->msg, "cannot allocate a %zu-byte row", rowbytes);
            return LSCAN_ERR_NO_MEMORY;
        }
        for (uint32_t y = 0; y < h; y++) {
            if ((y & 31) == 31 && lscan__deadline_passed(st->ctx)) goto over_time;
            png_read_row(png, st->buf, NULL);
            if (!convert_row(c, st->buf, img, y, &st->chroma)) goto bad_index;
        }
    } else {
        /* Adam7 passes fill each row in several visits, so libpng's rows must
         * all exist until the last pass: one temporary image in libpng's
         * layout (interlaced non-16-bit-grey scans are rare). */
        size_t total;
        if (!lscan__mul_size(rowbytes, h, &total)) {
            snprintf(st->msg, sizeof st->msg, "interlaced image buffer size overflows");
            return LSCAN_ERR_TOO_LARGE;
        }
        st->buf = malloc(total);
        if (!st->buf) {
            snprintf(st->msg, sizeof st->msg, "cannot allocate %zu bytes for an interlaced image",
                     total);
            return LSCAN_ERR_NO_MEMORY;
        }
        for (int p = 0; p < passes; p++)
            for (uint32_t y = 0; y < h; y++) {
                if ((y & 31) == 31 && lscan__deadline_passed(st->ctx)) goto over_time;
                png_read_row(png, st->buf + (size_t)y * rowbytes, NULL);
            }
        for (uint32_t y = 0; y < h; y++) {
            if ((y & 255) == 255 && lscan__deadline_passed(st->ctx)) goto over_time;
            if (!convert_row(c, st->buf + (size_t)y * rowbytes, img, y, &st->chroma))
                goto bad_index;
        }
    }
    if (c->inv) img->flags |= LSCAN_IMAGE_INVERTED;
    if (img->flags & LSCAN_IMAGE_FROM_COLOR) {
        img->chroma_px = st->chroma;
        img->chroma_counted = true;
    }
    /* Reading to IEND makes a file cut after its last IDAT fail, and checks
     * the last IDAT's CRC. */
    png_read_end(png, NULL);
    return LSCAN_OK;

bad_index:
    snprintf(st->msg, sizeof st->msg, "palette index beyond the %d PLTE entries", c->palette_size);
    return LSCAN_ERR_CORRUPT;
over_time:
    return lscan__deadline_error(st->ctx, "PNG decoding");
}

/* The only function that calls setjmp. Returns a status; -1 means libpng
 * reported an error (message in st->msg). */
static int run_decode(struct png_state *st, struct conv *c)
{
    if (setjmp(png_jmpbuf(st->png))) return -1;
    png_set_read_fn(st->png, st, read_data);
    /* Sizes beyond the caller's limit are refused by libpng while parsing
     * IHDR (TOO_LARGE via the warning above); lscan__check_dimensions then
     * applies the pixel-count limit before anything is allocated. */
    png_uint_32 lim =
        st->o->max_dimension < PNG_UINT_31_MAX ? st->o->max_dimension : PNG_UINT_31_MAX;
    png_set_user_limits(st->png, lim, lim);
    png_set_chunk_cache_max(st->png, CHUNK_CACHE_MAX);
    png_set_chunk_malloc_max(st->png, CHUNK_MALLOC_MAX);
    png_set_crc_action(st->png, PNG_CRC_ERROR_QUIT, PNG_CRC_WARN_DISCARD);
    /* Skip every ancillary chunk (gamma, colour profiles, text, tRNS...):
     * none may change a detector value, and skipping avoids decompressing
     * zTXt/iCCP. PLTE stays: palette images need it. */
    png_set_keep_unknown_chunks(st->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    static const png_byte ancillary[] =
        "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0"
        "sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0tIME\0tRNS\0zTXt";
    png_set_keep_unknown_chunks(st->png, PNG_HANDLE_CHUNK_NEVER, ancillary,
                                (int)(sizeof ancillary / 5));
    /* The first 8 bytes were checked by the format sniffer. */
    int rc = setup(st, c);
    if (rc) return rc;
    return read_pixels(st, c);
}

int lscan__png_libpng_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                             const lscan_load_options *o, lscan_image **out)
{
    *out = NULL;
    struct png_state st = {.ctx = ctx, .o = o, .data = data, .size = size};
    struct conv *c = malloc(sizeof *c);
    if (!c) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, on_error, on_warning);
    st.info = st.png ? png_create_info_struct(st.png) : NULL;
    if (!st.png || !st.info) {
        png_destroy_read_struct(&st.png, &st.info, NULL);
        free(c);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "libpng: cannot create read struct");
    }
    int rc = run_decode(&st, c);
    png_destroy_read_struct(&st.png, &st.info, NULL);
    free(st.buf);
    free(c);
    if (rc == LSCAN_OK) {
        *out = st.img;
        return LSCAN_OK;
    }
    lscan_image_free(st.img);
    if (rc < 0) {
        rc = classify(&st);
        return lscan__error(ctx, rc, "%s: libpng: %s", lscan_status_name(rc), st.msg);
    }
    /* A status decided by our own checks: lscan__check_dimensions and
     * lscan__image_new record their message themselves. */
    if (st.msg[0]) return lscan__error(ctx, rc, "%s: PNG: %s", lscan_status_name(rc), st.msg);
    return rc;
}

/* The scanner's name: the text of the first tEXt chunk with the keyword
 * "Source" (PNG's keyword for the device that created the image) before the
 * image data, if its CRC is right. Both decoding paths skip ancillary
 * chunks; this walk over the (already decoded, so well-formed) file reads
 * the one text that matters, the same whichever path decoded the pixels. */
static void read_source(const uint8_t *d, size_t n, lscan_image *img)
{
    size_t p = 8;
    while (n - p >= 12) {
        uint32_t len = be32(d + p);
        const uint8_t *type = d + p + 4;
        if (len > 0x7fffffffu || (size_t)len > n - p - 12) return;
        if (memcmp(type, "IDAT", 4) == 0 || memcmp(type, "IEND", 4) == 0) return;
        if (memcmp(type, "tEXt", 4) == 0 && len > 7 && memcmp(type + 4, "Source", 7) == 0 &&
            (uint32_t)crc32(0L, type, (uInt)len + 4) == be32(d + p + 8 + len)) {
            char name[LSCAN__SCANNER_MAX];
            size_t k = len - 7 < sizeof name - 1 ? len - 7 : sizeof name - 1;
            memcpy(name, type + 4 + 7, k);
            name[k] = '\0';
            lscan__image_set_scanner(img, name);
            return;
        }
        p += (size_t)len + 12;
    }
}

int lscan__png_decode(lscan_ctx *ctx, const uint8_t *data, size_t size, const lscan_load_options *o,
                      lscan_image **out)
{
    int rc = LSCAN__PNG_DEFER;
#ifdef LSCAN_HAVE_DEFLATE
    /* Scanner output (8/16-bit grey, grey+alpha) takes the libdeflate path
     * (png_fast.c); everything it defers comes here to libpng. */
    rc = lscan__png_fast_decode(ctx, data, size, o, out);
#endif
    if (rc == LSCAN__PNG_DEFER) rc = lscan__png_libpng_decode(ctx, data, size, o, out);
    if (rc == LSCAN_OK) read_source(data, size, *out);
    return rc;
}
