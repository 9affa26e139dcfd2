/* image.c — the image type: options, limits, loading by format sniffing, wrapping caller buffers, getters. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

LSCAN_API void lscan_load_options_init(lscan_load_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->size = sizeof *opts;
    opts->polarity = LSCAN_POLARITY_AUTO;
    opts->channels = LSCAN_CHANNELS_AUTO;
    opts->max_dimension = LSCAN_DEFAULT_MAX_DIMENSION;
    opts->max_pixels = LSCAN_DEFAULT_MAX_PIXELS;
}

int lscan__load_options(lscan_ctx *ctx, const lscan_load_options *opts, lscan_load_options *out)
{
    lscan_load_options_init(out);
    if (!opts) return LSCAN_OK;
    if (opts->size < sizeof(uint32_t) || opts->size > sizeof *out) {
        /* A larger size comes from a newer header than this library knows:
         * the fields we know are at the same offsets, so copy those. */
        if (opts->size < sizeof(uint32_t))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "load options not initialised (size %u)", opts->size);
    }
    size_t n = opts->size < sizeof *out ? opts->size : sizeof *out;
    memcpy(out, opts, n);
    out->size = sizeof *out;
    if (out->polarity > LSCAN_POLARITY_ATTENUATION)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown polarity %u", out->polarity);
    if (out->channels > LSCAN_CHANNELS_SINGLE)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown channel handling %u",
                            out->channels);
    if (out->max_dimension == 0) out->max_dimension = LSCAN_DEFAULT_MAX_DIMENSION;
    if (out->max_pixels == 0) out->max_pixels = LSCAN_DEFAULT_MAX_PIXELS;
    return LSCAN_OK;
}

int lscan__check_dimensions(lscan_ctx *ctx, const lscan_load_options *o, uint64_t width,
                            uint64_t height)
{
    if (width == 0 || height == 0)
        return lscan__error(ctx, LSCAN_ERR_BAD_DIMENSIONS, "image is %llux%llu",
                            (unsigned long long)width, (unsigned long long)height);
    if (width > o->max_dimension || height > o->max_dimension)
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "image is %llux%llu, limit %u per side",
                            (unsigned long long)width, (unsigned long long)height,
                            o->max_dimension);
    if (width > UINT32_MAX || height > UINT32_MAX || width * height > o->max_pixels)
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE,
                            "image is %llux%llu, limit %llu pixels", (unsigned long long)width,
                            (unsigned long long)height, (unsigned long long)o->max_pixels);
    return LSCAN_OK;
}

int lscan__image_new(lscan_ctx *ctx, uint32_t width, uint32_t height, uint32_t channels,
                     lscan_image **out)
{
    *out = NULL;
    if (width == 0 || height == 0 || channels < 1 || channels > 2)
        return lscan__error(ctx, LSCAN_ERR_BAD_DIMENSIONS, "image is %ux%ux%u", width, height,
                            channels);
    size_t plane, total;
    if (!lscan__mul_size(width, height, &plane) || !lscan__mul_size(plane, channels, &total) ||
        !lscan__mul_size(total, sizeof(uint16_t), &total))
        return lscan__error(ctx, LSCAN_ERR_BAD_DIMENSIONS, "image size overflows");
    lscan_image *img = calloc(1, sizeof *img);
    uint16_t *px = malloc(total);
    if (!img || !px) {
        free(img);
        free(px);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate a %ux%u image", width,
                            height);
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = width;
    img->owned = px;
    img->plane[0] = px;
    img->plane[1] = channels == 2 ? px + plane : NULL;
    img->polarity = LSCAN_POLARITY_AUTO;
    *out = img;
    return LSCAN_OK;
}

uint16_t *lscan__image_plane_mut(lscan_image *img, uint32_t plane)
{
    if (!img || !img->owned || plane >= img->channels) return NULL;
    return (uint16_t *)img->plane[plane];
}

void lscan__image_finish(lscan_image *img, const lscan_load_options *o)
{
    /* Decoders that fuse the inversion into their conversion pass set
     * LSCAN_IMAGE_INVERTED themselves, saving a second pass over the image. */
    if (o->polarity == LSCAN_POLARITY_ATTENUATION && (img->flags & LSCAN_IMAGE_INVERTED)) {
        img->polarity = LSCAN_POLARITY_TRANSMISSION;
    } else if (o->polarity == LSCAN_POLARITY_ATTENUATION && img->owned) {
        for (uint32_t p = 0; p < img->channels; p++) {
            uint16_t *px = lscan__image_plane_mut(img, p);
            for (uint32_t y = 0; y < img->height; y++)
                for (uint32_t x = 0; x < img->width; x++)
                    px[(size_t)y * img->stride + x] = (uint16_t)(65535u - px[(size_t)y * img->stride + x]);
        }
        img->flags |= LSCAN_IMAGE_INVERTED;
        img->polarity = LSCAN_POLARITY_TRANSMISSION;
    } else if (o->polarity == LSCAN_POLARITY_TRANSMISSION) {
        img->polarity = LSCAN_POLARITY_TRANSMISSION;
    }
}

LSCAN_API void lscan_image_free(lscan_image *img)
{
    if (!img) return;
    free(img->owned);
    free(img);
}

static lscan_format sniff(const uint8_t *d, size_t n)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && memcmp(d, png_sig, 8) == 0) return LSCAN_FORMAT_PNG;
    if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) return LSCAN_FORMAT_JPEG;
    if (n >= 2 && d[0] == 'P' && (d[1] == '2' || d[1] == '5')) return LSCAN_FORMAT_PNM;
    return LSCAN_FORMAT_UNKNOWN;
}

static int image_decode(lscan_ctx *ctx, const void *data, size_t size,
                        const lscan_load_options *opts, lscan_image **out)
{
    lscan_load_options o;
    int rc = lscan__load_options(ctx, opts, &o);
    if (rc) return rc;
    if (size == 0) return lscan__error(ctx, LSCAN_ERR_EMPTY_INPUT, "empty input");
    const uint8_t *d = data;
    switch (sniff(d, size)) {
    case LSCAN_FORMAT_PNG: rc = lscan__png_decode(ctx, d, size, &o, out); break;
    case LSCAN_FORMAT_JPEG: rc = lscan__jpeg_decode(ctx, d, size, &o, out); break;
    case LSCAN_FORMAT_PNM: rc = lscan__pnm_decode(ctx, d, size, &o, out); break;
    default:
        if (d[0] == 'P' && size >= 2 && d[1] >= '1' && d[1] <= '7')
            return lscan__error(ctx, LSCAN_ERR_UNSUPPORTED,
                                "PNM type P%c is not supported (only P2 and P5 grey maps)", d[1]);
        return lscan__error(ctx, LSCAN_ERR_UNKNOWN_FORMAT, "not a PNG, JPEG or PNM image");
    }
    if (rc) {
        lscan_image_free(*out);
        *out = NULL;
        return rc;
    }
    lscan__image_finish(*out, &o);
    return LSCAN_OK;
}

LSCAN_API int lscan_image_decode(lscan_ctx *ctx, const void *data, size_t size,
                                 const lscan_load_options *opts, lscan_image **out)
{
    if (out) *out = NULL;
    if (!ctx || !out || (!data && size))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan__deadline_begin(ctx);
    int rc = image_decode(ctx, data, size, opts, out);
    lscan__deadline_end(ctx);
    return rc;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The width and height a file's first bytes declare: PNG's IHDR, a JPEG's
 * SOF marker, a PNM header. False when they are not within those bytes; the
 * decoder then judges the file as usual. */
static bool peek_dimensions(const uint8_t *d, size_t n, uint64_t *w, uint64_t *h)
{
    switch (sniff(d, n)) {
    case LSCAN_FORMAT_PNG:
        if (n < 24 || memcmp(d + 12, "IHDR", 4) != 0) return false;
        *w = be32(d + 16);
        *h = be32(d + 20);
        return true;
    case LSCAN_FORMAT_JPEG:
        for (size_t p = 2; p + 4 <= n;) {
            if (d[p] != 0xff) return false;
            uint8_t m = d[p + 1];
            if (m == 0xff) { /* fill byte */
                p++;
                continue;
            }
            if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) { /* no length */
                p += 2;
                continue;
            }
            size_t len = (size_t)d[p + 2] << 8 | d[p + 3];
            if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
                if (p + 9 > n) return false;
                *h = (uint64_t)d[p + 5] << 8 | d[p + 6];
                *w = (uint64_t)d[p + 7] << 8 | d[p + 8];
                return true;
            }
            if (len < 2) return false;
            p += 2 + len;
        }
        return false;
    case LSCAN_FORMAT_PNM: {
        uint64_t v[2];
        size_t p = 2;
        for (int i = 0; i < 2; i++) {
            for (;;) {
                while (p < n && (d[p] == ' ' || (d[p] >= '\t' && d[p] <= '\r')))
                    p++;
                if (p < n && d[p] == '#') {
                    while (p < n && d[p] != '\n' && d[p] != '\r')
                        p++;
                    continue;
                }
                break;
            }
            if (p >= n || d[p] < '0' || d[p] > '9') return false;
            v[i] = 0;
            while (p < n && d[p] >= '0' && d[p] <= '9' && v[i] < ((uint64_t)1 << 40))
                v[i] = v[i] * 10 + (uint64_t)(d[p++] - '0');
        }
        *w = v[0];
        *h = v[1];
        return true;
    }
    default: return false;
    }
}

/* Large files are judged from their header before they are read: the file
 * and a 16-bit image of the size it declares must both fit the memory
 * budget, a lower bound on what decoding it needs. Saves reading a 200 MB
 * file whose header already says it cannot be decoded within the budget. */
#define PEEK_FROM ((size_t)4 << 20)
#define PEEK_BYTES ((size_t)64 << 10)

static int peek_need(lscan_ctx *ctx, int fd, size_t file_size)
{
    if (ctx->mem_budget == 0 || file_size < PEEK_FROM) return LSCAN_OK;
    uint8_t *d = malloc(PEEK_BYTES);
    if (!d) return LSCAN_OK; /* the read below reports memory */
    ssize_t got;
    do {
        got = pread(fd, d, PEEK_BYTES, 0);
    } while (got < 0 && errno == EINTR);
    uint64_t w = 0, h = 0;
    int rc = LSCAN_OK;
    if (got > 0 && peek_dimensions(d, (size_t)got, &w, &h) && w > 0 && h > 0) {
        lscan__mem_need need = {.ws = {[LSCAN__WS_FILE] = file_size},
                                .other = lscan__size_mul(lscan__size_mul(w, h), 2)};
        static const char *const names[] = {
            [LSCAN_FORMAT_PNG] = "PNG", [LSCAN_FORMAT_JPEG] = "JPEG", [LSCAN_FORMAT_PNM] = "PNM"};
        rc = lscan__mem_admit(ctx, &need, "%s %llux%llu (the file and the image at least)",
                              names[sniff(d, (size_t)got)], (unsigned long long)w,
                              (unsigned long long)h);
    }
    free(d);
    return rc;
}

/* Reads a whole regular file. Scans are a few to a few hundred MB; the file
 * size is checked against a bound derived from the pixel limit first. */
static int read_file(lscan_ctx *ctx, const char *path, const lscan_load_options *o, uint8_t **data,
                     size_t *size)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return lscan__error(ctx, LSCAN_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return lscan__error(ctx, LSCAN_ERR_IO, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return lscan__error(ctx, LSCAN_ERR_NOT_A_FILE, "%s", S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return lscan__error(ctx, LSCAN_ERR_EMPTY_INPUT, "empty file");
    }
    /* No supported encoding of an image within the limits needs more than
     * ~6 bytes per sample (ASCII P2 at 16 bits, with spaces) plus slack for
     * metadata; larger files are refused before they are read. */
    uint64_t slack = 64u << 20;
    uint64_t bound = o->max_pixels > (UINT64_MAX - slack) / 16 ? UINT64_MAX : o->max_pixels * 16 + slack;
    if ((uint64_t)st.st_size > bound || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "file is %lld bytes, larger than any image within the limits",
                            (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size, got = 0;
    lscan__mem_need need = {.ws = {[LSCAN__WS_FILE] = n}};
    int rc = lscan__mem_admit(ctx, &need, "a file of %zu bytes", n);
    if (rc == LSCAN_OK) rc = peek_need(ctx, fd, n);
    if (rc) {
        close(fd);
        return rc;
    }
    /* The context's file workspace: no fresh memory per file. */
    uint8_t *buf = lscan__ws_get(ctx, LSCAN__WS_FILE, n);
    if (!buf) {
        close(fd);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate %zu bytes for the file", n);
    }
    while (got < n) {
        /* 16 MiB at a time, so that a slow disk cannot hold the input past
         * its time budget. */
        if (lscan__deadline_passed(ctx)) {
            lscan__ws_done(ctx, LSCAN__WS_FILE);
            close(fd);
            return lscan__deadline_error(ctx, "reading the file");
        }
        size_t chunk = n - got < ((size_t)16 << 20) ? n - got : (size_t)16 << 20;
        ssize_t r = read(fd, buf + got, chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int e = errno;
            lscan__ws_done(ctx, LSCAN__WS_FILE);
            close(fd);
            return lscan__error(ctx, LSCAN_ERR_IO, "read failed: %s", r < 0 ? strerror(e) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = n;
    return LSCAN_OK;
}

LSCAN_API int lscan_image_load(lscan_ctx *ctx, const char *path, const lscan_load_options *opts,
                               lscan_image **out)
{
    if (out) *out = NULL;
    if (!ctx || !path || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan_load_options o;
    int rc = lscan__load_options(ctx, opts, &o);
    if (rc) {
        lscan__error_path(ctx, path);
        return rc;
    }
    uint8_t *data;
    size_t size;
    lscan__deadline_begin(ctx);
    rc = read_file(ctx, path, &o, &data, &size);
    if (rc == LSCAN_OK) {
        rc = image_decode(ctx, data, size, &o, out);
        lscan__ws_done(ctx, LSCAN__WS_FILE);
    }
    lscan__deadline_end(ctx);
    if (rc) lscan__error_path(ctx, path);
    return rc;
}

LSCAN_API int lscan_image_wrap(lscan_ctx *ctx, const void *pixels, uint32_t width,
                               uint32_t height, size_t stride, uint32_t bits,
                               const lscan_load_options *opts, lscan_image **out)
{
    if (out) *out = NULL;
    if (!ctx || !pixels || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan_load_options o;
    int rc = lscan__load_options(ctx, opts, &o);
    if (rc) return rc;
    if (bits != 8 && bits != 16)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "bits must be 8 or 16, not %u", bits);
    rc = lscan__check_dimensions(ctx, &o, width, height);
    if (rc) return rc;
    size_t row_bytes = (size_t)width * (bits / 8);
    if (stride < row_bytes)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "stride %zu < row size %zu", stride, row_bytes);
    if (bits == 16 && (stride % 2 != 0 || ((uintptr_t)pixels % _Alignof(uint16_t)) != 0))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "16-bit buffer and stride must be 2-byte aligned");
    lscan_image *img;
    if (bits == 16 && o.polarity != LSCAN_POLARITY_ATTENUATION) {
        img = calloc(1, sizeof *img);
        if (!img) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        img->width = width;
        img->height = height;
        img->channels = 1;
        img->stride = stride / 2;
        img->plane[0] = pixels;
        img->flags = LSCAN_IMAGE_BORROWED;
        img->polarity = LSCAN_POLARITY_AUTO;
    } else {
        lscan__mem_need need = {.other = lscan__size_mul((size_t)width * height, sizeof(uint16_t))};
        rc = lscan__mem_admit(ctx, &need, "a %ux%u image", width, height);
        if (rc) return rc;
        rc = lscan__image_new(ctx, width, height, 1, &img);
        if (rc) return rc;
        uint16_t *dst = lscan__image_plane_mut(img, 0);
        for (uint32_t y = 0; y < height; y++) {
            const uint8_t *row = (const uint8_t *)pixels + (size_t)y * stride;
            uint16_t *d = dst + (size_t)y * img->stride;
            if (bits == 8) {
                for (uint32_t x = 0; x < width; x++) d[x] = (uint16_t)(row[x] * 257u);
            } else {
                memcpy(d, row, row_bytes);
            }
        }
        if (bits == 8) img->flags |= LSCAN_IMAGE_SCALED;
    }
    img->src_bits = bits;
    img->src_channels = 1;
    img->src_format = LSCAN_FORMAT_RAW;
    lscan__image_finish(img, &o);
    *out = img;
    return LSCAN_OK;
}

LSCAN_API uint32_t lscan_image_width(const lscan_image *img) { return img ? img->width : 0; }
LSCAN_API uint32_t lscan_image_height(const lscan_image *img) { return img ? img->height : 0; }
LSCAN_API uint32_t lscan_image_channels(const lscan_image *img) { return img ? img->channels : 0; }
LSCAN_API uint32_t lscan_image_source_bits(const lscan_image *img) { return img ? img->src_bits : 0; }
LSCAN_API uint32_t lscan_image_source_channels(const lscan_image *img) { return img ? img->src_channels : 0; }
LSCAN_API uint32_t lscan_image_source_format(const lscan_image *img) { return img ? img->src_format : 0; }
LSCAN_API uint32_t lscan_image_flags(const lscan_image *img) { return img ? img->flags : 0; }
LSCAN_API uint32_t lscan_image_polarity(const lscan_image *img) { return img ? img->polarity : 0; }

void lscan__image_set_scanner(lscan_image *img, const char *name)
{
    size_t n = 0;
    if (name)
        while (n + 1 < sizeof img->scanner && (unsigned char)name[n] >= 0x20 && name[n] != 0x7f)
            n++;
    memcpy(img->scanner, name ? name : "", n);
    img->scanner[n] = '\0';
}

LSCAN_API const char *lscan_image_scanner(const lscan_image *img)
{
    return img && img->scanner[0] ? img->scanner : NULL;
}

LSCAN_API const uint16_t *lscan_image_pixels(const lscan_image *img, uint32_t plane, size_t *stride)
{
    if (!img || plane >= img->channels) return NULL;
    if (stride) *stride = img->stride;
    return img->plane[plane];
}
