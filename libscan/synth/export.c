/* export.c — archive exports: crop, downscale, display mapping, 8-bit PNG or JPEG, moved truth. */
#include "synth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Specs                                                                     */
/* ------------------------------------------------------------------------ */

static bool parse_number(const char *s, size_t n, double *v)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* Digits and one dot only: no locale, no exponent, no sign. */
    double x = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '.' && scale == 0) {
            scale = 1;
        } else if (buf[i] >= '0' && buf[i] <= '9') {
            x = x * 10 + (buf[i] - '0');
            if (scale > 0) scale *= 10;
        } else {
            return false;
        }
    }
    *v = scale > 0 ? x / scale : x;
    return true;
}

int lscan__synth_export_spec_parse(const char *spec, lscan__export_spec *e)
{
    memset(e, 0, sizeof *e);
    if (!spec) return -1;
    const char *p = spec;
    size_t n = strcspn(p, "-");
    if (n == 5 && !strncmp(p, "png16", 5))
        e->format = LSCAN_SYNTH_EXPORT_PNG16;
    else if (n == 4 && !strncmp(p, "png8", 4))
        e->format = LSCAN_SYNTH_EXPORT_PNG8;
    else if ((n == 4 && !strncmp(p, "jpeg", 4)) || (n == 3 && !strncmp(p, "jpg", 3)))
        e->format = LSCAN_SYNTH_EXPORT_JPEG;
    else
        return -1;
    e->mapping = LSCAN_SYNTH_MAP_LINEAR;
    e->scale = 1.0;
    e->quality = 90;
    bool have_map = false, have_scale = false, have_q = false;
    p += n;
    while (*p == '-') {
        p++;
        n = strcspn(p, "-");
        double v = 0;
        if (n == 4 && !strncmp(p, "crop", 4) && !(e->flags & LSCAN_SYNTH_EXPORT_CROP)) {
            e->flags |= LSCAN_SYNTH_EXPORT_CROP;
        } else if (n == 3 && !strncmp(p, "inv", 3) && !(e->flags & LSCAN_SYNTH_EXPORT_INVERT)) {
            e->flags |= LSCAN_SYNTH_EXPORT_INVERT;
        } else if (n == 3 && !strncmp(p, "lin", 3) && !have_map) {
            have_map = true;
        } else if (n >= 3 && !strncmp(p, "log", 3) && !have_map &&
                   (n == 3 || (parse_number(p + 3, n - 3, &v) && v >= 1 && v <= 20))) {
            e->mapping = LSCAN_SYNTH_MAP_LOG, e->param = v, have_map = true;
        } else if (n >= 5 && !strncmp(p, "gamma", 5) && !have_map &&
                   (n == 5 || (parse_number(p + 5, n - 5, &v) && v >= 0.2 && v <= 5))) {
            e->mapping = LSCAN_SYNTH_MAP_GAMMA, e->param = n == 5 ? 2.2 : v, have_map = true;
        } else if (n >= 2 && p[0] == 's' && !have_scale && parse_number(p + 1, n - 1, &v) &&
                   v >= 0.05 && v <= 1) {
            e->scale = v, have_scale = true;
        } else if (n >= 2 && p[0] == 'q' && !have_q && parse_number(p + 1, n - 1, &v) && v >= 1 &&
                   v <= 100 && v == (int)v) {
            e->quality = (int)v, have_q = true;
        } else {
            return -1;
        }
        p += n;
    }
    if (*p) return -1;
    if (e->format == LSCAN_SYNTH_EXPORT_PNG16 && have_map) return -1;
    if (e->format != LSCAN_SYNTH_EXPORT_JPEG && have_q) return -1;
    return 0;
}

void lscan__synth_export_spec_format(const lscan__export_spec *e, char *buf, size_t size)
{
    static const char *fmt[] = {"png16", "png16", "png8", "jpeg"};
    size_t n = (size_t)snprintf(buf, size, "%s", fmt[e->format <= 3 ? e->format : 1]);
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < size) n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__);                       \
    } while (0)
    if (e->flags & LSCAN_SYNTH_EXPORT_CROP) ADD("-crop");
    if (e->format != LSCAN_SYNTH_EXPORT_PNG16) {
        if (e->mapping == LSCAN_SYNTH_MAP_LOG) {
            if (e->param > 0)
                ADD("-log%g", e->param);
            else
                ADD("-log");
        } else if (e->mapping == LSCAN_SYNTH_MAP_GAMMA) {
            ADD("-gamma%g", e->param);
        } else {
            ADD("-lin");
        }
    }
    if (e->flags & LSCAN_SYNTH_EXPORT_INVERT) ADD("-inv");
    if (e->scale < 1) ADD("-s%g", e->scale);
    if (e->format == LSCAN_SYNTH_EXPORT_JPEG) ADD("-q%d", e->quality);
#undef ADD
}

LSCAN_API int lscan_synth_export_parse(const char *spec, lscan_synth_params *p)
{
    if (!spec || !p || p->size < sizeof(uint32_t)) return LSCAN_ERR_INVALID_ARGUMENT;
    if (p->size < offsetof(lscan_synth_params, export_quality) + sizeof p->export_quality)
        return LSCAN_ERR_INVALID_ARGUMENT; /* an older struct has no export fields */
    if (!strcmp(spec, "world")) {
        p->export_format = LSCAN_SYNTH_EXPORT_WORLD;
        return LSCAN_OK;
    }
    lscan__export_spec e;
    if (lscan__synth_export_spec_parse(spec, &e) != 0) return LSCAN_ERR_INVALID_ARGUMENT;
    p->export_format = (uint32_t)e.format;
    p->export_mapping = (uint32_t)e.mapping;
    p->export_flags = e.flags;
    p->export_param = (float)e.param;
    p->export_scale = (float)e.scale;
    p->export_quality = (uint32_t)e.quality;
    return LSCAN_OK;
}

/* ------------------------------------------------------------------------ */
/* Export                                                                    */
/* ------------------------------------------------------------------------ */

struct lscan_synth_export {
    lscan_image *view;
    lscan_synth_truth *truth;
    int format;
    uint8_t *px8;  /* PNG8: the 8-bit pixels */
    uint8_t *jpeg; /* JPEG: the file */
    size_t jpeg_size;
};

/* Area-average resampling of n_in samples (stride `step`) onto n_out. */
static void resample_1d(const double *in, size_t step, size_t n_in, double *out, size_t n_out)
{
    double r = (double)n_in / n_out;
    for (size_t i = 0; i < n_out; i++) {
        double a = i * r, b = (i + 1) * r, sum = 0;
        size_t k0 = (size_t)a, k1 = (size_t)b;
        if (k1 >= n_in) k1 = n_in - 1;
        for (size_t k = k0; k <= k1; k++) {
            double lo = a > k ? a : (double)k, hi = b < k + 1 ? b : (double)(k + 1);
            if (hi > lo) sum += in[k * step] * (hi - lo);
        }
        out[i] = sum / (b - a);
    }
}

/* The exported values (before JPEG coding) of one version of the scan:
 * `px` the 16-bit scan, `patch` (or NULL) replacing the pixels of box `pb`. */
static int export_values(lscan_ctx *ctx, const lscan__export_spec *e, const double *lut,
                         const uint16_t *px, size_t stride, const uint16_t *patch, lscan_box pb,
                         lscan_box crop, uint32_t ow, uint32_t oh, uint16_t *out)
{
    uint32_t cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
    double *v = malloc((size_t)cw * ch * sizeof *v);
    double *h = malloc((size_t)ow * ch * sizeof *h);
    double *col = malloc((size_t)(ch > oh ? ch : oh) * sizeof *col);
    if (!v || !h || !col) {
        free(v);
        free(h);
        free(col);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate an export");
    }
    size_t pw = pb.x1 - pb.x0;
    for (uint32_t y = 0; y < ch; y++)
        for (uint32_t x = 0; x < cw; x++) {
            uint32_t sx = crop.x0 + x, sy = crop.y0 + y;
            uint16_t raw = px[(size_t)sy * stride + sx];
            if (patch && sx >= pb.x0 && sx < pb.x1 && sy >= pb.y0 && sy < pb.y1)
                raw = patch[(size_t)(sy - pb.y0) * pw + (sx - pb.x0)];
            v[(size_t)y * cw + x] = lut ? lut[raw] : (double)raw;
        }
    for (uint32_t y = 0; y < ch; y++) {
        if (ow == cw)
            memcpy(h + (size_t)y * ow, v + (size_t)y * cw, cw * sizeof *v);
        else
            resample_1d(v + (size_t)y * cw, 1, cw, h + (size_t)y * ow, ow);
    }
    bool inv = e->flags & LSCAN_SYNTH_EXPORT_INVERT;
    double full = e->format == LSCAN_SYNTH_EXPORT_PNG16 ? 65535.0 : 255.0;
    for (uint32_t x = 0; x < ow; x++) {
        double *c = col;
        if (oh == ch) {
            for (uint32_t y = 0; y < ch; y++)
                c[y] = h[(size_t)y * ow + x];
        } else {
            resample_1d(h + x, ow, ch, c, oh);
        }
        for (uint32_t y = 0; y < oh; y++) {
            double q = lut ? c[y] * 255.0 : c[y];
            int32_t iq = q <= 0 ? 0 : q >= full ? (int32_t)full : (int32_t)(q + 0.5);
            out[(size_t)y * ow + x] = (uint16_t)(inv ? (int32_t)full - iq : iq);
        }
    }
    free(v);
    free(h);
    free(col);
    return LSCAN_OK;
}

static lscan_synth_truth *truth_copy(const lscan_synth_truth *t)
{
    lscan_synth_truth *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    *c = *t;
    c->mask = NULL;
    c->row_gain = NULL;
    c->alt = NULL;
    return c;
}

/* A box in source pixels moved onto the export (crop, then scale). */
static lscan_box map_box(lscan_box b, lscan_box crop, uint32_t ow, uint32_t oh)
{
    uint32_t cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
    double sx = (double)ow / cw, sy = (double)oh / ch;
    double x0 = ((double)(b.x0 > crop.x0 ? b.x0 : crop.x0) - crop.x0) * sx;
    double x1 = ((double)(b.x1 < crop.x1 ? b.x1 : crop.x1) - crop.x0) * sx;
    double y0 = ((double)(b.y0 > crop.y0 ? b.y0 : crop.y0) - crop.y0) * sy;
    double y1 = ((double)(b.y1 < crop.y1 ? b.y1 : crop.y1) - crop.y0) * sy;
    lscan_box o = {(uint32_t)x0, (uint32_t)y0, (uint32_t)(x1 + 0.999999),
                   (uint32_t)(y1 + 0.999999)};
    if (o.x1 > ow) o.x1 = ow;
    if (o.y1 > oh) o.y1 = oh;
    if (o.x1 <= o.x0 || o.y1 <= o.y0) o = (lscan_box){0, 0, 0, 0};
    return o;
}

LSCAN_API void lscan_synth_export_free(lscan_synth_export *e)
{
    if (!e) return;
    lscan_image_free(e->view);
    lscan_synth_truth_free(e->truth);
    free(e->px8);
    free(e->jpeg);
    free(e);
}

LSCAN_API int lscan_synth_export_make(lscan_ctx *ctx, const lscan_image *image,
                                      const lscan_synth_truth *truth, const char *spec,
                                      lscan_synth_export **out)
{
    if (out) *out = NULL;
    if (!ctx || !image || !truth || !out)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    uint32_t W = truth->width, H = truth->height;
    if (image->width != W || image->height != H || !truth->mask)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth export: the image is not the truth's scan");
    if (image->channels != 1)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth export: a dual-energy pair is stored as its raw 16-bit pair "
                            "(lscan_image_save_png), not exported");
    lscan__export_spec e;
    const char *sp = spec ? spec : truth->export_spec;
    if (lscan__synth_export_spec_parse(sp, &e) != 0)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth export: bad spec '%s'", sp);
    lscan_box crop = {0, 0, W, H};
    if (e.flags & LSCAN_SYNTH_EXPORT_CROP) {
        crop = truth->container;
        if (crop.x1 > W) crop.x1 = W;
        if (crop.y1 > H) crop.y1 = H;
        if (crop.x1 <= crop.x0 || crop.y1 <= crop.y0) crop = (lscan_box){0, 0, W, H};
    }
    uint32_t cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
    uint32_t ow = (uint32_t)(cw * e.scale + 0.5), oh = (uint32_t)(ch * e.scale + 0.5);
    if (ow < 1) ow = 1;
    if (oh < 1) oh = 1;
    if (ow > cw) ow = cw;
    if (oh > ch) oh = ch;
    bool eight = e.format != LSCAN_SYNTH_EXPORT_PNG16;

    int rc = LSCAN_OK;
    double *lut = NULL;
    uint16_t *with = NULL, *without = NULL;
    uint8_t *px8 = NULL, *jpeg = NULL, *jpeg0 = NULL;
    size_t jsize = 0, jsize0 = 0;
    lscan_image *view = NULL, *view0 = NULL;
    lscan_synth_truth *t = NULL;
    lscan_synth_export *x = calloc(1, sizeof *x);
    size_t on = (size_t)ow * oh;
    with = malloc(on * sizeof *with);
    if (!x || !with) goto oom;
    if (eight) {
        /* The display mapping of every raw value (docs/synth.md states it). */
        lut = malloc(65536 * sizeof *lut);
        if (!lut) goto oom;
        double D = truth->noise_floor, I0 = truth->i0 > 1 ? truth->i0 : 1;
        double amax =
            e.mapping == LSCAN_SYNTH_MAP_LOG && e.param > 0 ? e.param : truth->floor_attenuation;
        if (amax < 1) amax = 1;
        double smin = lscan__synth_exp(-amax);
        for (uint32_t v = 0; v < 65536; v++) {
            double s = (v - D) / I0;
            s = s < smin ? smin : s > 1 ? 1 : s;
            double m = s;
            if (e.mapping == LSCAN_SYNTH_MAP_LOG)
                m = 1.0 + lscan__synth_log(s) / amax;
            else if (e.mapping == LSCAN_SYNTH_MAP_GAMMA)
                m = lscan__synth_exp(lscan__synth_log(s) / e.param);
            lut[v] = m < 0 ? 0 : m > 1 ? 1 : m;
        }
    }
    size_t stride;
    const uint16_t *src = lscan_image_pixels(image, 0, &stride);
    rc =
        export_values(ctx, &e, lut, src, stride, NULL, (lscan_box){0, 0, 0, 0}, crop, ow, oh, with);
    if (rc) goto out;
    bool has_alt = truth->alt && truth->bbox.x1 > truth->bbox.x0;
    if (has_alt) {
        without = malloc(on * sizeof *without);
        if (!without) goto oom;
        rc = export_values(ctx, &e, lut, src, stride, truth->alt, truth->bbox, crop, ow, oh,
                           without);
        if (rc) goto out;
    }
    lscan_load_options lo;
    lscan_load_options_init(&lo);
    if (e.format == LSCAN_SYNTH_EXPORT_JPEG) {
        px8 = malloc(on);
        if (!px8) goto oom;
        for (size_t k = 0; k < on; k++)
            px8[k] = (uint8_t)with[k];
        rc = lscan__jpeg_encode_gray(ctx, px8, ow, oh, ow, e.quality, &jpeg, &jsize);
        if (rc) goto out;
        rc = lscan__jpeg_decode(ctx, jpeg, jsize, &lo, &view);
        if (rc) goto out;
        if (has_alt) {
            for (size_t k = 0; k < on; k++)
                px8[k] = (uint8_t)without[k];
            rc = lscan__jpeg_encode_gray(ctx, px8, ow, oh, ow, e.quality, &jpeg0, &jsize0);
            if (rc) goto out;
            rc = lscan__jpeg_decode(ctx, jpeg0, jsize0, &lo, &view0);
            if (rc) goto out;
        }
        free(px8);
        px8 = NULL;
    } else {
        rc = lscan__image_new(ctx, ow, oh, 1, &view);
        if (rc) goto out;
        uint16_t *vp = lscan__image_plane_mut(view, 0);
        for (uint32_t y = 0; y < oh; y++)
            for (uint32_t xx = 0; xx < ow; xx++) {
                uint16_t q = with[(size_t)y * ow + xx];
                vp[(size_t)y * view->stride + xx] = eight ? (uint16_t)(q * 257u) : q;
            }
        view->src_bits = eight ? 8 : 16;
        view->src_channels = 1;
        view->src_format = LSCAN_FORMAT_PNG;
        view->flags = eight ? LSCAN_IMAGE_SCALED : 0;
        view->polarity = LSCAN_POLARITY_AUTO;
        if (eight) {
            px8 = malloc(on);
            if (!px8) goto oom;
            for (size_t k = 0; k < on; k++)
                px8[k] = (uint8_t)with[k];
        }
    }
    /* The truth on the exported pixels. */
    t = truth_copy(truth);
    if (!t) goto oom;
    t->width = ow, t->height = oh;
    t->mask = calloc(on, 1);
    t->row_gain = malloc((size_t)oh * sizeof *t->row_gain);
    if (!t->mask || !t->row_gain) goto oom;
    uint32_t bx0 = ow, by0 = oh, bx1 = 0, by1 = 0;
    if (has_alt) {
        size_t vs, vs0 = ow;
        const uint16_t *a = lscan_image_pixels(view, 0, &vs);
        const uint16_t *b0 = view0 ? lscan_image_pixels(view0, 0, &vs0) : NULL;
        for (uint32_t y = 0; y < oh; y++)
            for (uint32_t xx = 0; xx < ow; xx++) {
                bool d = b0 ? a[(size_t)y * vs + xx] != b0[(size_t)y * vs0 + xx]
                            : with[(size_t)y * ow + xx] != without[(size_t)y * ow + xx];
                if (!d) continue;
                t->mask[(size_t)y * ow + xx] = 1;
                bx0 = xx < bx0 ? xx : bx0, bx1 = xx + 1 > bx1 ? xx + 1 : bx1;
                by0 = y < by0 ? y : by0, by1 = y + 1 > by1 ? y + 1 : by1;
            }
    }
    t->bbox = bx1 > bx0 ? (lscan_box){bx0, by0, bx1, by1} : (lscan_box){0, 0, 0, 0};
    t->container = map_box(truth->container, crop, ow, oh);
    t->pitch_x = truth->pitch_x * (float)cw / ow;
    t->pitch_y = truth->pitch_y * (float)ch / oh;
    for (uint32_t y = 0; y < oh; y++) {
        uint32_t sy = crop.y0 + (uint32_t)((y + 0.5) * ch / oh);
        t->row_gain[y] = truth->row_gain ? truth->row_gain[sy < H ? sy : H - 1] : 1.0f;
    }
    bool inv = e.flags & LSCAN_SYNTH_EXPORT_INVERT;
    if (eight) {
        t->i0 = inv ? 0.0f : 65535.0f;
        t->noise_floor = inv ? 65535.0f : 0.0f;
    } else if (inv) {
        t->i0 = 65535.0f - truth->i0 - truth->noise_floor;
        t->noise_floor = 65535.0f - truth->noise_floor;
    }
    lscan__synth_export_spec_format(&e, t->export_spec, sizeof t->export_spec);
    x->view = view;
    view = NULL;
    x->truth = t;
    t = NULL;
    x->format = e.format;
    x->px8 = px8;
    px8 = NULL;
    x->jpeg = jpeg;
    x->jpeg_size = jsize;
    jpeg = NULL;
    *out = x;
    x = NULL;
    goto out;
oom:
    rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory exporting a scan");
out:
    free(lut);
    free(with);
    free(without);
    free(px8);
    free(jpeg);
    free(jpeg0);
    lscan_image_free(view);
    lscan_image_free(view0);
    lscan_synth_truth_free(t);
    lscan_synth_export_free(x);
    return rc;
}

LSCAN_API const lscan_image *lscan_synth_export_image(const lscan_synth_export *e)
{
    return e ? e->view : NULL;
}

LSCAN_API const lscan_synth_truth *lscan_synth_export_truth(const lscan_synth_export *e)
{
    return e ? e->truth : NULL;
}

LSCAN_API const char *lscan_synth_export_extension(const lscan_synth_export *e)
{
    return e && e->format == LSCAN_SYNTH_EXPORT_JPEG ? "jpg" : "png";
}

static void row8(void *user, uint32_t y, uint8_t *row)
{
    const lscan_synth_export *e = user;
    memcpy(row, e->px8 + (size_t)y * e->view->width, e->view->width);
}

LSCAN_API int lscan_synth_export_save(lscan_ctx *ctx, const lscan_synth_export *e, const char *path,
                                      int level)
{
    if (!ctx || !e || !path) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (e->format == LSCAN_SYNTH_EXPORT_JPEG) {
        FILE *f = fopen(path, "wb");
        if (!f) {
            int err = errno;
            lscan__error_path(ctx, path);
            return lscan__error(ctx, LSCAN_ERR_IO, "cannot create: %s", strerror(err));
        }
        bool ok = fwrite(e->jpeg, 1, e->jpeg_size, f) == e->jpeg_size;
        if (fclose(f) != 0) ok = false;
        if (!ok) {
            remove(path);
            lscan__error_path(ctx, path);
            return lscan__error(ctx, LSCAN_ERR_IO, "write failed");
        }
        return LSCAN_OK;
    }
    if (e->format == LSCAN_SYNTH_EXPORT_PNG8)
        return lscan__png_write(ctx, path, e->view->width, e->view->height, 8, 1, level, row8,
                                (void *)e);
    return lscan_image_save_png(ctx, e->view, path, level);
}
