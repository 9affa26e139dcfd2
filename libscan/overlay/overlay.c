/* overlay.c — renders the officer's view of a screened scan: log-contrast grey image, heat map,
 * hot-region boxes, banner. */
#include "overlay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_WIDTH 240u /* room for the banner text even for tiny images */
#define HEAT_FLOOR 0.5 /* tiles no likelier anomalous than not leave the image untouched */
#define HEAT_ALPHA 0.6 /* opacity of the hottest tiles */
#define BOX_SCORE                                                                                  \
    0.5 /* hot tiles boxed from this probability (the hottest always, when INSPECT)                \
         */

static const uint8_t BACKGROUND[3] = {24, 24, 24};
static const uint8_t WHITE[3] = {235, 235, 235};
static const uint8_t RED[3] = {255, 56, 56};
static const uint8_t GREEN[3] = {80, 220, 90};
static const uint8_t ORANGE[3] = {255, 160, 0};
static const uint8_t CYAN[3] = {0, 190, 220};

LSCAN_API void lscan_overlay_options_init(lscan_overlay_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->size = sizeof *opts;
    opts->format = LSCAN_OVERLAY_PNG;
    opts->max_width = 1600;
    opts->quality = 85;
}

int lscan__overlay_options(lscan_ctx *ctx, const lscan_overlay_options *opts,
                           lscan_overlay_options *out)
{
    lscan_overlay_options_init(out);
    if (!opts) return LSCAN_OK;
    if (opts->size < sizeof(uint32_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "overlay options not initialised");
    memcpy(out, opts, opts->size < sizeof *out ? opts->size : sizeof *out);
    out->size = sizeof *out;
    if (out->format > LSCAN_OVERLAY_JPEG)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown overlay format %u",
                            out->format);
    if (out->max_width < 64 || out->max_width > 65536)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "overlay max_width must be 64..65536, got %u", out->max_width);
    if (out->quality < 1 || out->quality > 100)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "JPEG quality must be 1..100, got %u",
                            out->quality);
    return LSCAN_OK;
}

int lscan__overlay_layout_for(uint32_t img_w, uint32_t img_h, uint32_t max_width,
                              lscan__overlay_layout *l)
{
    if (img_w == 0 || img_h == 0) return LSCAN_ERR_BAD_DIMENSIONS;
    /* The longer side is fitted to max_width, so a tall image stays small too; never upscaled. */
    uint32_t longest = img_w > img_h ? img_w : img_h;
    uint32_t out_w = img_w, out_h = img_h;
    if (longest > max_width) {
        out_w = (uint32_t)(((uint64_t)img_w * max_width + longest / 2) / longest);
        out_h = (uint32_t)(((uint64_t)img_h * max_width + longest / 2) / longest);
        if (out_w == 0) out_w = 1;
        if (out_h == 0) out_h = 1;
    }
    l->image_w = out_w;
    l->width = out_w > MIN_WIDTH ? out_w : MIN_WIDTH;
    l->image_h = out_h;
    /* Glyphs grow with the overlay so the banner stays readable at a glance. */
    uint32_t k = l->width / 480;
    l->font_scale = k < 1 ? 1 : k > 4 ? 4 : k;
    uint32_t line = (LSCAN__FONT_H + 3) * l->font_scale;
    l->banner_h = 3 * line + 3 * l->font_scale; /* decision, why, declaration */
    l->height = l->banner_h + l->image_h;
    return LSCAN_OK;
}

LSCAN_API int lscan_overlay_size(const lscan_image *img, const lscan_overlay_options *opts,
                                 uint32_t *width, uint32_t *height)
{
    if (width) *width = 0;
    if (height) *height = 0;
    if (!img) return LSCAN_ERR_INVALID_ARGUMENT;
    lscan_overlay_options o;
    int rc = lscan__overlay_options(NULL, opts, &o);
    if (rc) return rc;
    lscan__overlay_layout l;
    rc = lscan__overlay_layout_for(img->width, img->height, o.max_width, &l);
    if (rc) return rc;
    if (width) *width = l.width;
    if (height) *height = l.height;
    return LSCAN_OK;
}

uint32_t lscan__overlay_tile_px(const lscan_box *c, uint32_t cols, uint32_t rows,
                                const lscan_box *hot, uint32_t n_hot)
{
    if (c->x1 <= c->x0 || c->y1 <= c->y0 || cols == 0 || rows == 0) return 0;
    uint32_t w = c->x1 - c->x0, h = c->y1 - c->y0;
    /* A hot tile not cut by the box's right or bottom edge shows the side exactly. */
    for (uint32_t i = 0; i < n_hot; i++) {
        if (hot[i].x1 < c->x1 && hot[i].x1 > hot[i].x0) return hot[i].x1 - hot[i].x0;
        if (hot[i].y1 < c->y1 && hot[i].y1 > hot[i].y0) return hot[i].y1 - hot[i].y0;
    }
    /* Otherwise the smallest side giving this grid. */
    uint32_t longest = w > h ? w : h;
    for (uint32_t t = 1; t <= longest; t++)
        if ((w + t - 1) / t == cols && (h + t - 1) / t == rows) return t;
    return 0;
}

static void fill_rect(uint8_t *rgb, size_t stride, uint32_t x0, uint32_t y0, uint32_t x1,
                      uint32_t y1, const uint8_t color[3])
{
    for (uint32_t y = y0; y < y1; y++) {
        uint8_t *p = rgb + y * stride + (size_t)x0 * 3;
        for (uint32_t x = x0; x < x1; x++, p += 3)
            memcpy(p, color, 3);
    }
}

/* A rectangle outline of thickness t, clipped to [0,w) x [y_min,h). */
static void draw_box(uint8_t *rgb, size_t stride, uint32_t w, uint32_t y_min, uint32_t h,
                     int64_t x0, int64_t y0, int64_t x1, int64_t y1, uint32_t t,
                     const uint8_t color[3])
{
    for (uint32_t i = 0; i < t; i++) {
        int64_t a0 = x0 - i, b0 = y0 - i, a1 = x1 + i, b1 = y1 + i; /* grow outwards */
        for (int64_t x = a0; x <= a1; x++) {
            if (x < 0 || x >= w) continue;
            if (b0 >= y_min && b0 < h) memcpy(rgb + (size_t)b0 * stride + (size_t)x * 3, color, 3);
            if (b1 >= y_min && b1 < h) memcpy(rgb + (size_t)b1 * stride + (size_t)x * 3, color, 3);
        }
        for (int64_t y = b0; y <= b1; y++) {
            if (y < y_min || y >= h) continue;
            if (a0 >= 0 && a0 < w) memcpy(rgb + (size_t)y * stride + (size_t)a0 * 3, color, 3);
            if (a1 >= 0 && a1 < w) memcpy(rgb + (size_t)y * stride + (size_t)a1 * 3, color, 3);
        }
    }
}

/* The grey image: area-averaged downscale of plane 0, shown on a log scale
 * stretched between the 0.5th and 99.5th percentiles so that both the air
 * and the dense cargo keep visible detail. */
static int render_grey(lscan_ctx *ctx, const lscan_image *img, const lscan__overlay_layout *l,
                       uint32_t out_w, uint8_t *rgb, size_t stride)
{
    size_t n = (size_t)out_w * l->image_h;
    uint16_t *mean = malloc(n * sizeof *mean);
    uint32_t *hist = calloc(65536, sizeof *hist);
    uint8_t *lut = malloc(65536);
    uint32_t *xs = malloc(((size_t)out_w + 1) * sizeof *xs);
    if (!mean || !hist || !lut || !xs) {
        free(mean);
        free(hist);
        free(lut);
        free(xs);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory for the overlay");
    }
    for (uint32_t ox = 0; ox <= out_w; ox++)
        xs[ox] = (uint32_t)((uint64_t)ox * img->width / out_w);
    const uint16_t *px = img->plane[0];
    for (uint32_t oy = 0; oy < l->image_h; oy++) {
        uint32_t y0 = (uint32_t)((uint64_t)oy * img->height / l->image_h);
        uint32_t y1 = (uint32_t)((uint64_t)(oy + 1) * img->height / l->image_h);
        if (y1 <= y0) y1 = y0 + 1;
        for (uint32_t ox = 0; ox < out_w; ox++) {
            uint32_t x0 = xs[ox], x1 = xs[ox + 1] > xs[ox] ? xs[ox + 1] : xs[ox] + 1;
            uint64_t sum = 0;
            for (uint32_t y = y0; y < y1; y++) {
                const uint16_t *row = px + (size_t)y * img->stride;
                for (uint32_t x = x0; x < x1; x++)
                    sum += row[x];
            }
            uint64_t cnt = (uint64_t)(y1 - y0) * (x1 - x0);
            uint16_t v = (uint16_t)((sum + cnt / 2) / cnt);
            mean[(size_t)oy * out_w + ox] = v;
            hist[v]++;
        }
    }
    uint32_t lo = 0, hi = 65535;
    size_t acc = 0, cut = n / 200;
    for (uint32_t v = 0; v < 65536; v++) {
        acc += hist[v];
        if (acc > cut) {
            lo = v;
            break;
        }
    }
    acc = 0;
    for (uint32_t v = 65536; v-- > 0;) {
        acc += hist[v];
        if (acc > cut) {
            hi = v;
            break;
        }
    }
    double llo = log(lo + 1.0), lhi = log(hi + 1.0);
    for (uint32_t v = 0; v < 65536; v++) {
        /* Attenuation relative to the range, square-rooted: light cargo, which is most of what an
         * officer looks at, gets more grey levels than the darkest steel. */
        double a = lhi > llo ? (lhi - log(v + 1.0)) / (lhi - llo) : 0.5;
        a = a < 0 ? 0 : a > 1 ? 1 : a;
        double g = 255.0 * (1.0 - sqrt(a));
        lut[v] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : lrint(g));
    }
    for (uint32_t oy = 0; oy < l->image_h; oy++) {
        uint8_t *p = rgb + (size_t)(l->banner_h + oy) * stride;
        for (uint32_t ox = 0; ox < out_w; ox++, p += 3)
            p[0] = p[1] = p[2] = lut[mean[(size_t)oy * out_w + ox]];
    }
    free(mean);
    free(hist);
    free(lut);
    free(xs);
    return LSCAN_OK;
}

/* Blends tile probabilities over the container: transparent below
 * HEAT_FLOOR, then yellow turning red and more opaque as they rise. */
static void render_heat(const lscan_image *img, const lscan_result *r,
                        const lscan__overlay_layout *l, uint32_t out_w, uint8_t *rgb, size_t stride)
{
    uint32_t cols, rows;
    const float *heat = lscan_result_heatmap(r, &cols, &rows);
    lscan_box c;
    lscan_result_container(r, &c);
    lscan_box hot[32];
    uint32_t n_hot = lscan_result_hot_tile_count(r);
    if (n_hot > 32) n_hot = 32;
    for (uint32_t i = 0; i < n_hot; i++)
        lscan_result_hot_tile(r, i, &hot[i], NULL);
    uint32_t t = heat ? lscan__overlay_tile_px(&c, cols, rows, hot, n_hot) : 0;
    if (!t) return;
    for (uint32_t oy = 0; oy < l->image_h; oy++) {
        uint64_t sy = ((uint64_t)oy * 2 + 1) * img->height / (2 * (uint64_t)l->image_h);
        if (sy < c.y0 || sy >= c.y1) continue;
        uint32_t row = (uint32_t)((sy - c.y0) / t);
        if (row >= rows) continue;
        uint8_t *p = rgb + (size_t)(l->banner_h + oy) * stride;
        for (uint32_t ox = 0; ox < out_w; ox++) {
            uint64_t sx = ((uint64_t)ox * 2 + 1) * img->width / (2 * (uint64_t)out_w);
            if (sx < c.x0 || sx >= c.x1) continue;
            uint32_t col = (uint32_t)((sx - c.x0) / t);
            if (col >= cols) continue;
            double h = heat[(size_t)row * cols + col];
            if (!(h > HEAT_FLOOR)) continue;
            double f = (h - HEAT_FLOOR) / (1.0 - HEAT_FLOOR);
            if (f > 1) f = 1;
            double a = HEAT_ALPHA * (0.35 + 0.65 * f);
            double col_rgb[3] = {255.0, 230.0 * (1.0 - f), 0.0};
            uint8_t *q = p + (size_t)ox * 3;
            for (int k = 0; k < 3; k++)
                q[k] = (uint8_t)lrint(q[k] * (1.0 - a) + col_rgb[k] * a);
        }
    }
}

/* Boxes around the hot regions: hot tiles that touch are merged into one
 * box, labelled with its highest probability. */
static void render_boxes(const lscan_image *img, const lscan_result *r,
                         const lscan__overlay_layout *l, uint32_t out_w, uint8_t *rgb,
                         size_t stride)
{
    uint32_t n = lscan_result_hot_tile_count(r);
    if (n > 32) n = 32;
    lscan_box box[32];
    double score[32];
    int group[32];
    uint32_t m = 0;
    bool inspect = lscan_result_decision(r) == LSCAN_INSPECT;
    for (uint32_t i = 0; i < n; i++) {
        lscan_box b;
        double s;
        lscan_result_hot_tile(r, i, &b, &s);
        if (s < BOX_SCORE && !(i == 0 && inspect)) continue;
        box[m] = b;
        score[m] = s;
        group[m] = (int)m;
        m++;
    }
    /* Union of touching boxes (m <= 32: quadratic is fine), repeated until stable. */
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = 0; i < m; i++)
            for (uint32_t j = 0; j < m; j++) {
                if (group[i] == group[j]) continue;
                if (box[i].x0 <= box[j].x1 && box[j].x0 <= box[i].x1 && box[i].y0 <= box[j].y1 &&
                    box[j].y0 <= box[i].y1) {
                    int g = group[i] < group[j] ? group[i] : group[j];
                    int o = group[i] < group[j] ? group[j] : group[i];
                    for (uint32_t k = 0; k < m; k++)
                        if (group[k] == o) group[k] = g;
                    changed = true;
                }
            }
    }
    double threshold = lscan_result_threshold(r);
    uint32_t k = l->font_scale;
    lscan_box labels[32]; /* drawn so far: a label that would cover another is left out */
    uint32_t n_labels = 0;
    for (uint32_t g = 0; g < m; g++) {
        bool any = false;
        lscan_box u = {0, 0, 0, 0};
        double best = 0;
        for (uint32_t i = 0; i < m; i++) {
            if (group[i] != (int)g) continue;
            if (!any) u = box[i], best = score[i];
            u.x0 = box[i].x0 < u.x0 ? box[i].x0 : u.x0;
            u.y0 = box[i].y0 < u.y0 ? box[i].y0 : u.y0;
            u.x1 = box[i].x1 > u.x1 ? box[i].x1 : u.x1;
            u.y1 = box[i].y1 > u.y1 ? box[i].y1 : u.y1;
            best = score[i] > best ? score[i] : best;
            any = true;
        }
        if (!any) continue;
        int64_t x0 = (int64_t)((uint64_t)u.x0 * out_w / img->width) - (int64_t)k;
        int64_t x1 = (int64_t)((uint64_t)u.x1 * out_w / img->width) + (int64_t)k;
        int64_t y0 =
            (int64_t)((uint64_t)u.y0 * l->image_h / img->height) + l->banner_h - (int64_t)k;
        int64_t y1 =
            (int64_t)((uint64_t)u.y1 * l->image_h / img->height) + l->banner_h + (int64_t)k;
        const uint8_t *color = best >= threshold ? RED : ORANGE;
        draw_box(rgb, stride, out_w, l->banner_h, l->height, x0, y0, x1, y1, g == 0 ? k + 1 : k,
                 color);
        char label[16];
        snprintf(label, sizeof label, "%.2f", best);
        uint32_t ks = k;
        int64_t ly = y0 - (int64_t)(LSCAN__FONT_H + 2) * ks - (int64_t)k;
        if (ly < (int64_t)l->banner_h) ly = y1 + 2 * (int64_t)k; /* no room above: below the box */
        uint32_t lx = (uint32_t)(x0 > 0 ? x0 : 0);
        lscan_box lb = {lx, (uint32_t)ly,
                        lx + (uint32_t)strlen(label) * LSCAN__FONT_ADVANCE * ks + ks,
                        (uint32_t)ly + (LSCAN__FONT_H + 1) * ks};
        bool clear = lb.y1 <= l->height && lb.x1 <= out_w;
        for (uint32_t i = 0; clear && i < n_labels; i++)
            clear = lb.x1 <= labels[i].x0 || labels[i].x1 <= lb.x0 || lb.y1 <= labels[i].y0 ||
                    labels[i].y1 <= lb.y0;
        if (clear) {
            /* On a dark backing so that the digits read on bright air and dark steel alike. */
            fill_rect(rgb, stride, lb.x0, lb.y0 > ks ? lb.y0 - ks : lb.y0, lb.x1, lb.y1,
                      BACKGROUND);
            lscan__font_draw(rgb, stride, out_w, l->height, lx + ks / 2, (uint32_t)ly, ks, color,
                             label);
            labels[n_labels++] = lb;
        }
    }
}

/* The banner's third line: what was declared (and the groups it stands for), what the load is
 * recognised as, and the verdict of the declaration checks in orange when it asks for INSPECT. */
static void render_declaration(const lscan_result *r, const lscan__overlay_layout *l, uint8_t *rgb,
                               size_t stride, uint32_t y)
{
    const uint32_t k = l->font_scale;
    char text[256];
    uint32_t x = 2 * k;
    const char *declared = lscan_result_declared(r), *group = lscan_result_declared_group(r);
    double p;
    const char *rec = lscan_result_recognised(r, &p);
    if (declared[0]) {
        if (group && strcmp(group, declared) != 0)
            snprintf(text, sizeof text, "DECLARED %s (%s)  ", declared, group);
        else
            snprintf(text, sizeof text, "DECLARED %s  ", declared);
        x = lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, WHITE, text);
    }
    if (rec) {
        snprintf(text, sizeof text, "RECOGNISED %s %.2f  ", rec, p);
        x = lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, WHITE, text);
    }
    uint32_t checks = lscan_result_checks(r);
    const uint32_t declaration_checks = LSCAN_CHECK_EMPTY_BUT_LOADED |
                                        LSCAN_CHECK_LOADED_BUT_EMPTY | LSCAN_CHECK_MISMATCH |
                                        LSCAN_CHECK_CONSIGNMENT_OUTLIER;
    for (uint32_t bit = LSCAN_CHECK_EMPTY_BUT_LOADED; bit <= LSCAN_CHECK_CONSIGNMENT_OUTLIER;
         bit <<= 1)
        if (checks & bit & declaration_checks)
            x = lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, ORANGE,
                                 lscan_check_name(bit)) +
                2 * LSCAN__FONT_ADVANCE * k;
    if (lscan_result_consistency(r) == LSCAN_CONSISTENCY_UNKNOWN)
        lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, ORANGE, "declared_unknown");
}

static void render_banner(const lscan_result *r, const lscan__overlay_layout *l, uint8_t *rgb,
                          size_t stride)
{
    uint32_t k = l->font_scale;
    uint32_t line = (LSCAN__FONT_H + 3) * k;
    uint32_t x = 2 * k, y = 2 * k;
    bool inspect = lscan_result_decision(r) == LSCAN_INSPECT;
    x = lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, inspect ? RED : GREEN,
                         inspect ? "INSPECT" : "RELEASE");
    char text[256];
    double s = lscan_result_score(r);
    if (isnan(s))
        snprintf(text, sizeof text, "  SCORE -  THRESHOLD %.3f", lscan_result_threshold(r));
    else
        snprintf(text, sizeof text, "  SCORE %.3f  THRESHOLD %.3f", s, lscan_result_threshold(r));
    x = lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, WHITE, text);
    /* What an INSPECT scan most resembles, for the officer's first look. */
    int cls = lscan_result_suspected_class(r);
    const char *like = cls >= 0 ? lscan_class_name(cls) : NULL;
    if (inspect && like) {
        snprintf(text, sizeof text, "  LIKE %s", like);
        lscan__font_draw(rgb, stride, l->width, l->height, x, y, k, ORANGE, text);
    }

    y += line;
    render_declaration(r, l, rgb, stride, y + line);
    int status = lscan_result_status(r);
    if (status != LSCAN_OK) {
        snprintf(text, sizeof text, "NOT ANALYSED: %s", lscan_status_name(status));
        lscan__font_draw(rgb, stride, l->width, l->height, 2 * k, y, k, RED, text);
        return;
    }
    /* The features pushing hardest towards INSPECT, by name, as many whole names as fit. */
    size_t fit = (l->width - 4 * k) / (LSCAN__FONT_ADVANCE * k);
    if (fit >= sizeof text) fit = sizeof text - 1;
    size_t len = (size_t)snprintf(text, sizeof text, "WHY:");
    uint32_t nr = lscan_result_reason_count(r);
    for (uint32_t i = 0, shown = 0; i < nr && shown < 3; i++) {
        const char *name;
        double contribution;
        if (lscan_result_reason(r, i, &name, NULL, &contribution) || !(contribution > 0)) continue;
        if (len + strlen(name) + 2 > fit && shown) break;
        int n = snprintf(text + len, sizeof text - len, "%s %s", shown ? "," : "", name);
        if (n < 0 || (size_t)n >= sizeof text - len) break;
        len += (size_t)n;
        shown++;
    }
    if (len == 4) snprintf(text, sizeof text, "WHY: NOTHING ABOVE THE AVERAGE SCAN");
    lscan__font_draw(rgb, stride, l->width, l->height, 2 * k, y, k, WHITE, text);
}

LSCAN_API int lscan_overlay_render(lscan_ctx *ctx, const lscan_image *img,
                                   const lscan_result *result, const lscan_overlay_options *opts,
                                   uint8_t *rgb, size_t stride)
{
    if (!img || !result || !rgb)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    if (ctx) lscan__error_clear(ctx);
    lscan_overlay_options o;
    int rc = lscan__overlay_options(ctx, opts, &o);
    if (rc) return rc;
    uint32_t rw, rh;
    lscan_result_image_size(result, &rw, &rh);
    if ((rw || rh) && (rw != img->width || rh != img->height))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "the result is for a %ux%u image, not this %ux%u one", rw, rh,
                            img->width, img->height);
    lscan__overlay_layout l;
    rc = lscan__overlay_layout_for(img->width, img->height, o.max_width, &l);
    if (rc) return lscan__error(ctx, rc, "empty image");
    if (stride < (size_t)l.width * 3)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "stride %zu < %u bytes", stride,
                            l.width * 3);
    uint32_t out_w = l.image_w;
    fill_rect(rgb, stride, 0, 0, l.width, l.height, BACKGROUND);
    rc = render_grey(ctx, img, &l, out_w, rgb, stride);
    if (rc) return rc;
    lscan__overlay_colour(img, result, &l, out_w, rgb, stride); /* dual energy (colour.c) */
    lscan_box c;
    lscan_result_container(result, &c);
    if (lscan_result_status(result) == LSCAN_OK) {
        render_heat(img, result, &l, out_w, rgb, stride);
        if (c.x1 > c.x0 && c.y1 > c.y0)
            draw_box(rgb, stride, out_w, l.banner_h, l.height,
                     (int64_t)((uint64_t)c.x0 * out_w / img->width),
                     (int64_t)((uint64_t)c.y0 * l.image_h / img->height) + l.banner_h,
                     (int64_t)((uint64_t)c.x1 * out_w / img->width) - 1,
                     (int64_t)((uint64_t)c.y1 * l.image_h / img->height) + l.banner_h - 1, 1, CYAN);
        render_boxes(img, result, &l, out_w, rgb, stride);
    }
    render_banner(result, &l, rgb, stride);
    return LSCAN_OK;
}
