/* pnm.c — PNM grey maps: P2 (ASCII) and P5 (binary, 16-bit big-endian when maxval > 255). */
#include "../core/internal.h"

#include <string.h>

struct cursor {
    const uint8_t *p, *end;
};

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Skips whitespace and '#' comments (which run to the end of the line). */
static void skip_space(struct cursor *c)
{
    while (c->p < c->end) {
        if (is_space(*c->p)) {
            c->p++;
        } else if (*c->p == '#') {
            while (c->p < c->end && *c->p != '\n' && *c->p != '\r') c->p++;
        } else {
            break;
        }
    }
}

/* Reads an unsigned decimal number; values above `max` are an error so
 * nothing overflows. Returns 0 ok, 1 at end of data, 2 malformed, 3 too big. */
static int read_uint(struct cursor *c, uint64_t max, uint64_t *v)
{
    skip_space(c);
    if (c->p >= c->end) return 1;
    if (*c->p < '0' || *c->p > '9') return 2;
    uint64_t x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        x = x * 10 + (uint64_t)(*c->p - '0');
        if (x > max) return 3;
        c->p++;
    }
    *v = x;
    return 0;
}

int lscan__pnm_decode(lscan_ctx *ctx, const uint8_t *data, size_t size, const lscan_load_options *o,
                      lscan_image **out)
{
    *out = NULL;
    struct cursor c = {data + 2, data + size};
    bool ascii = data[1] == '2';
    uint64_t hdr[3];
    static const char *what[3] = {"width", "height", "maxval"};
    for (int i = 0; i < 3; i++) {
        int r = read_uint(&c, i < 2 ? UINT32_MAX : 65535, &hdr[i]);
        if (r == 1) return lscan__error(ctx, LSCAN_ERR_TRUNCATED, "PNM header ends before its %s", what[i]);
        if (r == 2) return lscan__error(ctx, LSCAN_ERR_BAD_HEADER, "PNM %s is not a number", what[i]);
        if (r == 3)
            return lscan__error(ctx, i < 2 ? LSCAN_ERR_TOO_LARGE : LSCAN_ERR_BAD_HEADER,
                                "PNM %s is out of range", what[i]);
    }
    if (hdr[2] == 0) return lscan__error(ctx, LSCAN_ERR_BAD_HEADER, "PNM maxval is 0");
    int rc = lscan__check_dimensions(ctx, o, hdr[0], hdr[1]);
    if (rc) return rc;
    uint32_t w = (uint32_t)hdr[0], h = (uint32_t)hdr[1], maxval = (uint32_t)hdr[2];
    size_t npix = (size_t)w * h;
    size_t bps = maxval > 255 ? 2 : 1;
    if (!ascii) {
        /* Exactly one whitespace byte separates the header from the raster. */
        if (c.p >= c.end) return lscan__error(ctx, LSCAN_ERR_TRUNCATED, "PNM raster missing");
        if (!is_space(*c.p)) return lscan__error(ctx, LSCAN_ERR_BAD_HEADER, "no whitespace after PNM maxval");
        c.p++;
        if ((size_t)(c.end - c.p) / bps < npix)
            return lscan__error(ctx, LSCAN_ERR_TRUNCATED, "PNM raster has %zu of %zu bytes",
                                (size_t)(c.end - c.p), npix * bps);
    } else if ((size_t)(c.end - c.p) / 2 + 1 < npix) {
        /* Every ASCII sample takes at least two bytes (digit + separator) bar the last. */
        return lscan__error(ctx, LSCAN_ERR_TRUNCATED, "P2 data too short for %ux%u samples", w, h);
    }
    lscan__mem_need need = {.other = lscan__size_mul(npix, sizeof(uint16_t))};
    rc = lscan__mem_admit(ctx, &need, "PNM %ux%u", w, h);
    if (rc) return rc;
    lscan_image *img;
    rc = lscan__image_new(ctx, w, h, 1, &img);
    if (rc) return rc;
    uint16_t *px = lscan__image_plane_mut(img, 0);
    /* Samples are scaled to the full 16-bit range, rounding to nearest. */
    uint32_t half = maxval / 2;
    for (size_t i = 0; i < npix; i++) {
        if ((i & 0xffff) == 0xffff && lscan__deadline_passed(ctx)) {
            lscan_image_free(img);
            return lscan__deadline_error(ctx, "PNM decoding");
        }
        uint32_t v;
        if (ascii) {
            uint64_t x;
            int r = read_uint(&c, UINT32_MAX, &x);
            if (r) {
                lscan_image_free(img);
                return lscan__error(ctx, r == 1 ? LSCAN_ERR_TRUNCATED : LSCAN_ERR_CORRUPT,
                                    "P2 sample %zu of %zu %s", i, npix,
                                    r == 1 ? "missing" : "is not a number");
            }
            if (x > maxval) {
                lscan_image_free(img);
                return lscan__error(ctx, LSCAN_ERR_CORRUPT, "P2 sample %zu is %llu > maxval %u", i,
                                    (unsigned long long)x, maxval);
            }
            v = (uint32_t)x;
        } else if (bps == 1) {
            v = c.p[i];
        } else {
            v = (uint32_t)c.p[2 * i] << 8 | c.p[2 * i + 1];
        }
        if (v > maxval) v = maxval; /* binary samples above maxval are clamped */
        px[i] = maxval == 65535 ? (uint16_t)v : (uint16_t)((v * 65535u + half) / maxval);
    }
    img->src_bits = maxval > 255 ? 16 : 8;
    img->src_channels = 1;
    img->src_format = LSCAN_FORMAT_PNM;
    if (maxval != 65535) img->flags |= LSCAN_IMAGE_SCALED;
    *out = img;
    return LSCAN_OK;
}
