/* jpeg.c — JPEG via libjpeg-turbo: decoding to 16-bit luminance, 8-bit grey encoding. */
#include "../core/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LSCAN_HAVE_JPEG

int lscan__jpeg_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                       const lscan_load_options *o, lscan_image **out)
{
    (void)data;
    (void)size;
    (void)o;
    *out = NULL;
    return lscan__error(ctx, LSCAN_ERR_CODEC_DISABLED, "JPEG support was not compiled in");
}

int lscan__jpeg_encode_gray(lscan_ctx *ctx, const uint8_t *px, uint32_t width, uint32_t height,
                            size_t stride, int quality, uint8_t **out, size_t *out_size)
{
    (void)px, (void)width, (void)height, (void)stride, (void)quality;
    *out = NULL;
    *out_size = 0;
    return lscan__error(ctx, LSCAN_ERR_CODEC_DISABLED, "JPEG support was not compiled in");
}

#else

#include <jerror.h>
#include <jpeglib.h>
#include <limits.h>
#include <setjmp.h>

/*
 * What this decoder promises (see also docs/io.md):
 *  - 8-bit JPEG, baseline or progressive (arithmetic coding too), grey or
 *    colour. Grey is decoded as grey. Colour is decoded as it is stored
 *    (YCbCr, or RGB for Adobe RGB JPEGs) so that the pixels with a clear
 *    chroma can be counted (lscan_image.chroma_px, for the scan check); the
 *    luminance is the Y channel, or for RGB the same Rec.601 weights libjpeg
 *    uses (and png.c), so it is what a decode to grey gives, bit for bit.
 *    Samples are scaled x257 (flag SCALED); colour sources are flagged
 *    FROM_COLOR.
 *  - CMYK and YCCK are refused (LSCAN_ERR_UNSUPPORTED): their ink values are
 *    not intensities, and Adobe's inverted-CMYK convention would make any
 *    conversion a guess. 12-bit JPEG is UNSUPPORTED too.
 *  - Nothing is printed. libjpeg "recovers" from damaged data with a warning
 *    and grey filler; here any warning fails the decode: "premature end of
 *    file" (JWRN_JPEG_EOF) as LSCAN_ERR_TRUNCATED, the rest as CORRUPT,
 *    except the harmless "unknown JFIF revision". A file cut after its last
 *    scan still fails, because the decode reads to EOI.
 *  - The size is checked against the limits right after the header, before
 *    libjpeg or we allocate pixel memory. Progressive files are limited to
 *    MAX_SCANS scans, since each scan costs a pass over the image.
 *
 * libjpeg reports errors through error_exit, which must not return; ours
 * longjmps back into run_decode(), the only function that calls setjmp.
 * Every value changed after setjmp lives in struct jpeg_state (the caller's
 * frame), so no local of that frame needs `volatile`.
 */

/* libjpeg-turbo's TurboJPEG API uses 500 for the same purpose. */
#define MAX_SCANS 500

struct jpeg_state {
    lscan_ctx *ctx;
    const lscan_load_options *o;
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    bool created;
    bool in_header; /* errors before the header is parsed are BAD_HEADER */
    bool limited;   /* libjpeg's max_memory_to_use is set from the memory budget */
    int code;       /* status chosen by the error or warning handler */
    char msg[JMSG_LENGTH_MAX + 64];
    lscan_image *img;
    uint8_t *row3; /* colour sources: one 3-sample row from libjpeg */
};

static int code_for_error(int msg_code, bool in_header)
{
    switch (msg_code) {
    case JERR_INPUT_EOF:
    case JERR_INPUT_EMPTY: return LSCAN_ERR_TRUNCATED;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW: return LSCAN_ERR_TOO_LARGE;
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE: return LSCAN_ERR_NO_MEMORY;
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_COMPONENT_COUNT:
    case JERR_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_CCIR601_NOTIMPL:
    case JERR_FRACT_SAMPLE_NOTIMPL: return LSCAN_ERR_UNSUPPORTED;
    /* Misuse of the library by this file, not a property of the input. */
    case JERR_BAD_STATE:
    case JERR_BAD_BUFFER_MODE:
    case JERR_BAD_STRUCT_SIZE:
    case JERR_BAD_LIB_VERSION:
    case JERR_BAD_POOL_ID:
    case JERR_BAD_ALLOC_CHUNK:
    case JERR_BAD_VIRTUAL_ACCESS:
    case JERR_VIRTUAL_BUG: return LSCAN_ERR_INTERNAL;
    default: return in_header ? LSCAN_ERR_BAD_HEADER : LSCAN_ERR_CORRUPT;
    }
}

static void fail(j_common_ptr cinfo, struct jpeg_state *st, int code)
{
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    snprintf(st->msg, sizeof st->msg, "%s", text);
    st->code = code;
    longjmp(st->jb, 1);
}

static void on_error_exit(j_common_ptr cinfo)
{
    struct jpeg_state *st = cinfo->client_data;
    int code = code_for_error(cinfo->err->msg_code, st->in_header);
    /* Over max_memory_to_use, which the memory budget set. */
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE && st->limited) code = LSCAN_ERR_TOO_LARGE;
    fail(cinfo, st, code);
}

/* Warnings (level -1) end the decode; trace messages (level >= 0) are
 * dropped. Never prints. */
static void on_emit_message(j_common_ptr cinfo, int msg_level)
{
    if (msg_level >= 0) return;
    struct jpeg_state *st = cinfo->client_data;
    int w = cinfo->err->msg_code;
    if (w == JWRN_JFIF_MAJOR || w == JWRN_BOGUS_ICC) return;
    fail(cinfo, st, w == JWRN_JPEG_EOF ? LSCAN_ERR_TRUNCATED : LSCAN_ERR_CORRUPT);
}

static void on_output_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

/* Called by libjpeg once per iMCU row of every pass, so a time check here
 * costs one clock read per 8-16 rows. The context's time budget applies to
 * the decode too: a hostile progressive file within the size limits (500
 * scans, each a pass over a 200-Mpixel coefficient buffer) could otherwise
 * stall a batch worker for minutes before analysis even starts. */
static void on_progress(j_common_ptr cinfo)
{
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    struct jpeg_state *st = cinfo->client_data;
    if (d->progressive_mode && d->input_scan_number > MAX_SCANS) {
        snprintf(st->msg, sizeof st->msg, "more than %d progressive scans", MAX_SCANS);
        st->code = LSCAN_ERR_CORRUPT;
        longjmp(st->jb, 1);
    }
    if (lscan__deadline_passed(st->ctx)) {
        /* Recorded on the context; no libjpeg message to add. */
        st->code = lscan__deadline_error(st->ctx, "JPEG decoding");
        st->msg[0] = '\0';
        longjmp(st->jb, 1);
    }
}

/* What libjpeg allocates for a decode to grey, from the header alone: a
 * progressive or multi-scan file keeps every component's DCT coefficients
 * (2 bytes each, blocks padded to whole MCUs) for the whole image, chroma
 * included even though only luma is output; every file needs a few MCU rows
 * of samples and libjpeg's tables. */
static size_t libjpeg_need(j_decompress_ptr cinfo)
{
    size_t n = (size_t)1 << 20; /* tables, Huffman state, pools */
    int hmax = 1, vmax = 1;
    for (int ci = 0; ci < cinfo->num_components; ci++) {
        const jpeg_component_info *c = &cinfo->comp_info[ci];
        if (c->h_samp_factor > hmax) hmax = c->h_samp_factor;
        if (c->v_samp_factor > vmax) vmax = c->v_samp_factor;
    }
    /* Sample rows: an iMCU row of every component, context rows, upsampling. */
    n = lscan__size_add(n, lscan__size_mul((size_t)cinfo->image_width,
                                           4u * 8u * (size_t)vmax * (size_t)cinfo->num_components));
    if (!cinfo->progressive_mode && !jpeg_has_multiple_scans(cinfo)) return n;
    for (int ci = 0; ci < cinfo->num_components; ci++) {
        const jpeg_component_info *c = &cinfo->comp_info[ci];
        size_t wb = ((size_t)cinfo->image_width * c->h_samp_factor + 8u * hmax - 1) / (8u * hmax);
        size_t hb = ((size_t)cinfo->image_height * c->v_samp_factor + 8u * vmax - 1) / (8u * vmax);
        wb = (wb + c->h_samp_factor - 1) / c->h_samp_factor * c->h_samp_factor;
        hb = (hb + c->v_samp_factor - 1) / c->v_samp_factor * c->v_samp_factor;
        n = lscan__size_add(n, lscan__size_mul(lscan__size_mul(wb, hb), 64u * sizeof(JCOEF)));
    }
    return n;
}

/* Converts one row of 3-sample colour pixels (YCbCr, or RGB when `rgb`) to
 * 16-bit luminance through `lut` and returns how many have a clear chroma.
 * From YCbCr the RGB components differ from Y by 1.402 Cr', -0.344 Cb' -
 * 0.714 Cr' and 1.772 Cb' (Cb' = Cb - 128, ...; JFIF), so the spread of R,
 * G and B is that of these offsets (16.16 fixed point; clipping ignored). */
static uint32_t colour_row(const uint8_t *s, uint32_t w, bool rgb, const uint16_t *lut,
                           uint16_t *row)
{
    uint32_t n = 0;
    if (rgb) {
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *p = s + 3 * (size_t)x;
            row[x] = lut[(19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16];
            n += lscan__has_chroma8(p[0], p[1], p[2]);
        }
        return n;
    }
    for (uint32_t x = 0; x < w; x++) {
        const uint8_t *p = s + 3 * (size_t)x;
        row[x] = lut[p[0]];
        int32_t cb = (int32_t)p[1] - 128, cr = (int32_t)p[2] - 128;
        int32_t dr = 91881 * cr, dg = -22554 * cb - 46802 * cr, db = 116130 * cb;
        int32_t hi = dr > dg ? dr : dg, lo = dr < dg ? dr : dg;
        hi = db > hi ? db : hi;
        lo = db < lo ? db : lo;
        n += hi - lo >= (LSCAN__CHROMA_MIN << 16);
    }
    return n;
}

/* The body of the decode; libjpeg errors longjmp out of it. */
static int decode(struct jpeg_state *st, const uint8_t *data, size_t size)
{
    j_decompress_ptr cinfo = &st->cinfo;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    st->in_header = true;
    (void)jpeg_read_header(cinfo, TRUE);
    st->in_header = false;

    int rc = lscan__check_dimensions(st->ctx, st->o, cinfo->image_width, cinfo->image_height);
    if (rc) return rc;
    uint32_t src_channels;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: src_channels = 1; break;
    case JCS_YCbCr:
    case JCS_RGB: src_channels = 3; break;
    case JCS_CMYK:
    case JCS_YCCK:
        snprintf(st->msg, sizeof st->msg, "CMYK JPEG (%d components) is not supported",
                 cinfo->num_components);
        return LSCAN_ERR_UNSUPPORTED;
    default:
        snprintf(st->msg, sizeof st->msg,
                 "JPEG colour space %d with %d components is not supported",
                 (int)cinfo->jpeg_color_space, cinfo->num_components);
        return LSCAN_ERR_UNSUPPORTED;
    }
    /* Grey sources keep libjpeg's grey output; colour is read as stored. */
    const bool colour = src_channels > 1;
    cinfo->out_color_space = colour ? cinfo->jpeg_color_space : JCS_GRAYSCALE;
    cinfo->dct_method = JDCT_ISLOW; /* the accurate integer IDCT: exact, and the same everywhere */
    cinfo->buffered_image = FALSE;
    size_t image_bytes = lscan__size_mul((size_t)cinfo->image_width * cinfo->image_height, 2);
    lscan__mem_need need = {.other = lscan__size_add(image_bytes, libjpeg_need(cinfo))};
    if (colour) need.other = lscan__size_add(need.other, (size_t)cinfo->image_width * 3);
    rc = lscan__mem_admit(st->ctx, &need, "%s JPEG %ux%u",
                          cinfo->progressive_mode ? "progressive" : "baseline", cinfo->image_width,
                          cinfo->image_height);
    if (rc) return rc;
    if (st->ctx && st->ctx->mem_budget > 0) {
        /* libjpeg's own limit on its large buffers, should the estimate above
         * ever fall short: over it, it stops with JERR_NO_BACKING_STORE. */
        uint64_t left = st->ctx->mem_budget - (image_bytes < st->ctx->mem_budget ? image_bytes : 0);
        cinfo->mem->max_memory_to_use = left > LONG_MAX ? LONG_MAX : (long)left;
        st->limited = true;
    }
    (void)jpeg_start_decompress(cinfo);
    if (cinfo->output_components != (colour ? 3 : 1) || cinfo->output_width != cinfo->image_width ||
        cinfo->output_height != cinfo->image_height) {
        snprintf(st->msg, sizeof st->msg, "libjpeg output is %ux%ux%d", cinfo->output_width,
                 cinfo->output_height, cinfo->output_components);
        return LSCAN_ERR_INTERNAL;
    }

    rc = lscan__image_new(st->ctx, cinfo->output_width, cinfo->output_height, 1, &st->img);
    if (rc) return rc;
    lscan_image *img = st->img;
    uint16_t inv = st->o->polarity == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0;
    uint16_t lut[256];
    for (unsigned v = 0; v < 256; v++)
        lut[v] = (uint16_t)((v * 257u) ^ inv);
    uint16_t *px = lscan__image_plane_mut(img, 0);
    uint32_t w = img->width;
    if (colour) {
        st->row3 = malloc((size_t)w * 3);
        if (!st->row3) {
            snprintf(st->msg, sizeof st->msg, "cannot allocate a %u-pixel colour row", w);
            return LSCAN_ERR_NO_MEMORY;
        }
    }
    uint64_t chroma = 0;
    while (colour && cinfo->output_scanline < cinfo->output_height) {
        uint16_t *row = px + (size_t)cinfo->output_scanline * img->stride;
        JSAMPROW r3 = st->row3;
        if (jpeg_read_scanlines(cinfo, &r3, 1) != 1) {
            snprintf(st->msg, sizeof st->msg, "libjpeg returned no scanline");
            return LSCAN_ERR_CORRUPT;
        }
        chroma += colour_row(st->row3, w, cinfo->out_color_space == JCS_RGB, lut, row);
    }
    while (!colour && cinfo->output_scanline < cinfo->output_height) {
        /* libjpeg writes the 8-bit row into the front half of the 16-bit
         * destination row; widening from the right end never overwrites a
         * byte before it is read, so no row buffer or copy is needed. */
        uint16_t *row = px + (size_t)cinfo->output_scanline * img->stride;
        JSAMPROW r8 = (JSAMPROW)(void *)row;
        if (jpeg_read_scanlines(cinfo, &r8, 1) != 1) {
            snprintf(st->msg, sizeof st->msg, "libjpeg returned no scanline");
            return LSCAN_ERR_CORRUPT;
        }
        const uint8_t *s = (const uint8_t *)r8;
        for (uint32_t x = w; x-- > 0;)
            row[x] = lut[s[x]];
    }
    /* Reads to EOI: a file cut after the last scan is reported, not accepted. */
    (void)jpeg_finish_decompress(cinfo);

    img->src_bits = 8;
    img->src_channels = src_channels;
    img->src_format = LSCAN_FORMAT_JPEG;
    img->chroma_px = chroma;
    img->chroma_counted = colour;
    img->flags = LSCAN_IMAGE_SCALED | (src_channels > 1 ? LSCAN_IMAGE_FROM_COLOR : 0) |
                 (inv ? LSCAN_IMAGE_INVERTED : 0);
    return LSCAN_OK;
}

/* The only function that calls setjmp. Returns a status; -1 means libjpeg
 * stopped the decode (st->code and st->msg say why). */
static int run_decode(struct jpeg_state *st, const uint8_t *data, size_t size)
{
    if (setjmp(st->jb)) return -1;
    st->cinfo.err = jpeg_std_error(&st->jerr);
    st->jerr.error_exit = on_error_exit;
    st->jerr.emit_message = on_emit_message;
    st->jerr.output_message = on_output_message;
    st->cinfo.client_data = st;
    /* Destroying a zeroed struct is safe, so mark it before creating: a
     * failed create is then cleaned up too. */
    st->created = true;
    jpeg_create_decompress(&st->cinfo);
    st->cinfo.client_data = st; /* jpeg_create_decompress preserves only err and client_data */
    st->progress.progress_monitor = on_progress;
    st->cinfo.progress = &st->progress;
    return decode(st, data, size);
}

int lscan__jpeg_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                       const lscan_load_options *o, lscan_image **out)
{
    *out = NULL;
    if (size > ULONG_MAX)
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "JPEG data of %zu bytes is too large", size);
    /* The state is large (libjpeg's structs); keep it off small thread stacks. */
    struct jpeg_state *st = calloc(1, sizeof *st);
    if (!st) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    st->ctx = ctx;
    st->o = o;
    int rc = run_decode(st, data, size);
    if (st->created) jpeg_destroy_decompress(&st->cinfo);
    free(st->row3);
    if (rc == LSCAN_OK) {
        *out = st->img;
        free(st);
        return LSCAN_OK;
    }
    lscan_image_free(st->img);
    if (rc < 0) rc = st->code;
    if (st->msg[0] && rc == LSCAN_ERR_TOO_LARGE && st->limited)
        rc =
            lscan__error(ctx, rc, "%s: libjpeg: %s (memory budget %.1f MiB)", lscan_status_name(rc),
                         st->msg, (double)ctx->mem_budget / (1024.0 * 1024.0));
    else if (st->msg[0])
        rc = lscan__error(ctx, rc, "%s: libjpeg: %s", lscan_status_name(rc), st->msg);
    /* Otherwise lscan__check_dimensions or lscan__image_new recorded it. */
    free(st);
    return rc;
}

/*
 * Encoding: 8-bit grey baseline JPEG into memory, for the synthetic
 * generator's archive exports. The accurate integer DCT and the standard
 * Huffman tables make the bytes the same on every machine and SIMD path.
 * Errors longjmp back into run_encode(), this half's only setjmp; the
 * buffer jpeg_mem_dest allocates is released with free().
 */
struct jpeg_enc_state {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jmp_buf jb;
    bool created;
    char msg[JMSG_LENGTH_MAX];
    unsigned char *buf;
    unsigned long size;
};

static void on_enc_error_exit(j_common_ptr cinfo)
{
    struct jpeg_enc_state *st = cinfo->client_data;
    cinfo->err->format_message(cinfo, st->msg);
    longjmp(st->jb, 1);
}

static int run_encode(struct jpeg_enc_state *st, const uint8_t *px, uint32_t width, uint32_t height,
                      size_t stride, int quality)
{
    if (setjmp(st->jb)) return -1;
    st->cinfo.err = jpeg_std_error(&st->jerr);
    st->jerr.error_exit = on_enc_error_exit;
    st->jerr.output_message = on_output_message;
    st->cinfo.client_data = st;
    st->created = true;
    jpeg_create_compress(&st->cinfo);
    st->cinfo.client_data = st;
    jpeg_mem_dest(&st->cinfo, &st->buf, &st->size);
    st->cinfo.image_width = width;
    st->cinfo.image_height = height;
    st->cinfo.input_components = 1;
    st->cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&st->cinfo);
    jpeg_set_quality(&st->cinfo, quality, TRUE);
    st->cinfo.dct_method = JDCT_ISLOW;
    st->cinfo.optimize_coding = FALSE;
    jpeg_start_compress(&st->cinfo, TRUE);
    while (st->cinfo.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)st->cinfo.next_scanline * stride);
        (void)jpeg_write_scanlines(&st->cinfo, &row, 1);
    }
    jpeg_finish_compress(&st->cinfo);
    return LSCAN_OK;
}

int lscan__jpeg_encode_gray(lscan_ctx *ctx, const uint8_t *px, uint32_t width, uint32_t height,
                            size_t stride, int quality, uint8_t **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    if (!width || !height || width > 65500 || height > 65500)
        return lscan__error(ctx, LSCAN_ERR_BAD_DIMENSIONS, "JPEG: cannot encode %ux%u", width,
                            height);
    struct jpeg_enc_state *st = calloc(1, sizeof *st);
    if (!st) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    int q = quality < 1 ? 1 : quality > 100 ? 100 : quality;
    int rc = run_encode(st, px, width, height, stride, q);
    if (st->created) jpeg_destroy_compress(&st->cinfo);
    if (rc == LSCAN_OK) {
        *out = st->buf;
        *out_size = st->size;
    } else {
        free(st->buf);
        rc = lscan__error(ctx, LSCAN_ERR_INTERNAL, "libjpeg: %s", st->msg);
    }
    free(st);
    return rc;
}

#endif /* LSCAN_HAVE_JPEG */
