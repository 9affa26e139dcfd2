/* synth.c — the generator's public API: parameters, generation, ground truth getters, mask PNG. */
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE 65536u

LSCAN_API void lscan_synth_params_init(lscan_synth_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->container = LSCAN_SYNTH_20FT;
    p->cls = -1;
    p->inspect_fraction = 0.5f;
    for (int i = 0; i < LSCAN_SYNTH_RELEASE_CLASSES; i++)
        p->release_weight[i] = 1.0f;
    for (int i = 0; i < LSCAN_SYNTH_INSPECT_CLASSES; i++)
        p->inspect_weight[i] = 1.0f;
    p->difficulty_min = 0.0f;
    p->difficulty_max = 1.0f;
}

static bool finite_in(float v, float lo, float hi)
{
    return v >= lo && v <= hi;
} /* false for NaN */

static int check_params(lscan_ctx *ctx, const lscan_synth_params *in, lscan_synth_params *p)
{
    lscan_synth_params_init(p);
    if (!in) return LSCAN_OK;
    if (in->size < sizeof(uint32_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth parameters not initialised (size %u)", in->size);
    size_t n = in->size < sizeof *p ? in->size : sizeof *p;
    memcpy(p, in, n);
    p->size = sizeof *p;
    if (p->container > LSCAN_SYNTH_45FT)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth: unknown container size %u",
                            p->container);
    if (p->world >= lscan__synth_world_count())
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth: unknown world %u", p->world);
    if (p->world == 0 && p->container == LSCAN_SYNTH_45FT)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: the classic world has no 45 ft containers");
    if (p->export_format > LSCAN_SYNTH_EXPORT_JPEG || p->export_mapping > LSCAN_SYNTH_MAP_GAMMA ||
        (p->export_flags & ~3u) ||
        !(p->export_scale == 0 || finite_in(p->export_scale, 0.05f, 1)) ||
        p->export_quality > 100 ||
        (p->export_format == LSCAN_SYNTH_EXPORT_PNG16 && p->export_mapping != 0) ||
        (p->export_mapping == LSCAN_SYNTH_MAP_GAMMA &&
         !(p->export_param == 0 || finite_in(p->export_param, 0.2f, 5))) ||
        (p->export_mapping == LSCAN_SYNTH_MAP_LOG &&
         !(p->export_param == 0 || finite_in(p->export_param, 1, 20))))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth: invalid export settings");
    if (p->dual > 1 || p->scene > LSCAN_SYNTH_SCENE_STEP_WEDGE)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth: dual %u, scene %u unknown",
                            p->dual, p->scene);
    if ((p->dual || p->scene == LSCAN_SYNTH_SCENE_STEP_WEDGE) && p->world == 0)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: the classic world renders one monochromatic energy; %s needs "
                            "a world with a linac profile",
                            p->dual ? "dual energy" : "a step wedge");
    if (p->dual && p->export_format != LSCAN_SYNTH_EXPORT_WORLD &&
        !(p->export_format == LSCAN_SYNTH_EXPORT_PNG16 && p->export_flags == 0 &&
          (p->export_scale == 0 || p->export_scale == 1)))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: a dual-energy scan is exported as its raw 16-bit pair (png16) "
                            "only");
    if (p->cls != -1 && !lscan_class_name(p->cls))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth: unknown class %d", p->cls);
    if (!finite_in(p->inspect_fraction, 0.0f, 1.0f))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: inspect_fraction must be in [0, 1]");
    double rs = 0, is = 0;
    for (int i = 0; i < LSCAN_SYNTH_RELEASE_CLASSES; i++) {
        if (!finite_in(p->release_weight[i], 0.0f, 1e6f))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "synth: release_weight[%d] must be in [0, 1e6]", i);
        rs += p->release_weight[i];
    }
    for (int i = 0; i < LSCAN_SYNTH_INSPECT_CLASSES; i++) {
        if (!finite_in(p->inspect_weight[i], 0.0f, 1e6f))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "synth: inspect_weight[%d] must be in [0, 1e6]", i);
        is += p->inspect_weight[i];
    }
    if (p->cls == -1) {
        if ((p->inspect_fraction > 0 && is <= 0) || (p->inspect_fraction < 1 && rs <= 0))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "synth: the class mix gives no weight to the %s classes it draws",
                                is <= 0 ? "INSPECT" : "RELEASE");
    }
    if (!finite_in(p->difficulty_min, 0.0f, 1.0f) || !finite_in(p->difficulty_max, 0.0f, 1.0f) ||
        p->difficulty_min > p->difficulty_max)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: difficulty range [%g, %g] is not within [0, 1]",
                            (double)p->difficulty_min, (double)p->difficulty_max);
    if (p->width > MAX_SIDE || p->height > MAX_SIDE)
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "synth: %ux%u exceeds %u per side", p->width,
                            p->height, MAX_SIDE);
    if ((p->width && p->width < 64) || (p->height && p->height < 32))
        return lscan__error(ctx, LSCAN_ERR_BAD_DIMENSIONS,
                            "synth: %ux%u is too small for a container scan (min 64x32)", p->width,
                            p->height);
    return LSCAN_OK;
}

static uint32_t to_px(double mm, double pitch, uint32_t max)
{
    double v = mm / pitch;
    if (v < 0) return 0;
    if (v > max) return max;
    return (uint32_t)(v + 0.5);
}

int lscan__synth_generate_ex(lscan_ctx *ctx, const lscan_synth_params *params, uint64_t seed,
                             const lscan__render_opts *o, lscan_image **image,
                             lscan_synth_truth **truth)
{
    if (image) *image = NULL;
    if (truth) *truth = NULL;
    if (!ctx || !image) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan_synth_params p;
    int rc = check_params(ctx, params, &p);
    if (rc) return rc;
    lscan__scene s;
    rc = lscan__synth_scene_build(ctx, &p, seed, &s);
    if (rc) return rc;
    lscan_synth_truth *t = calloc(1, sizeof *t);
    if (!t) {
        lscan__synth_scene_free(&s);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory");
    }
    lscan__render_opts ro = {p.flags, o ? o->omit_anomaly : false};
    lscan_image *img = NULL;
    rc = lscan__synth_render(ctx, &s, &ro, &img, t);
    if (rc) {
        lscan__synth_scene_free(&s);
        lscan_synth_truth_free(t);
        return rc;
    }
    t->cls = s.cls;
    t->label = LSCAN_CLASS_IS_INSPECT(s.cls) ? LSCAN_INSPECT : LSCAN_RELEASE;
    snprintf(t->subclass, sizeof t->subclass, "%s", s.subclass[0] ? s.subclass : "none");
    t->width = s.width;
    t->height = s.height;
    t->pitch_x = (float)s.pitch_x;
    t->pitch_y = (float)s.pitch_y;
    t->i0 = (float)s.scanner.i0;
    t->noise_floor = (float)(s.scanner.floor_level + s.scanner.pedestal);
    t->floor_attenuation = (float)s.scanner.floor_a;
    t->container_size =
        p.container == LSCAN_SYNTH_MIXED || p.container == LSCAN_SYNTH_HIRES
            ? (s.pitch_x < 4.0 && !p.width ? LSCAN_SYNTH_HIRES : (uint32_t)s.container)
            : p.container;
    t->cargo_mass_kg = s.cargo_mass_kg;
    if (s.world != 0) {
        t->container_size = p.container == LSCAN_SYNTH_HIRES ? LSCAN_SYNTH_HIRES
                            : s.length_ft == 45              ? LSCAN_SYNTH_45FT
                            : s.length_ft == 40              ? LSCAN_SYNTH_40FT
                                                             : LSCAN_SYNTH_20FT;
    }
    const lscan__world *w = lscan__synth_world(s.world);
    t->world = w->name;
    t->build = s.build                                   ? s.build->name
               : p.scene == LSCAN_SYNTH_SCENE_STEP_WEDGE ? "step_wedge"
                                                         : "classic";
    t->scanner = s.profile ? s.profile->name : "classic";
    t->linac_mev = s.profile ? (float)s.profile->endpoint : 6.0f;
    t->linac_low_mev = s.scanner.dual ? (float)s.profile->endpoint_low : 0.0f;
    const lscan__commodity *c = lscan__synth_commodity(s.commodity);
    t->commodity = c ? c->name : "empty";
    t->hs_chapter = c ? (uint32_t)c->hs : 0;
    if (p.export_format != LSCAN_SYNTH_EXPORT_WORLD) {
        lscan__export_spec e = {(int)p.export_format,
                                (int)p.export_mapping,
                                p.export_flags,
                                p.export_param,
                                p.export_scale ? p.export_scale : 1.0,
                                p.export_quality ? (int)p.export_quality : 90};
        if (e.mapping == LSCAN_SYNTH_MAP_GAMMA && e.param == 0) e.param = 2.2;
        lscan__synth_export_spec_format(&e, t->export_spec, sizeof t->export_spec);
    } else {
        snprintf(t->export_spec, sizeof t->export_spec, "%s", s.export_spec);
    }
    /* A dual-energy scan is stored as its raw pair, whatever the world's
     * archive draws for single-energy scans (the draw itself is unchanged). */
    if (s.scanner.dual) snprintf(t->export_spec, sizeof t->export_spec, "png16");
    if (s.scanner.dual) lscan__image_set_scanner(img, s.profile->name);
    /* Container box in pixels: the column edges follow the speed warp. */
    lscan__grid g;
    rc = lscan__synth_grid_make(ctx, &s, &g);
    if (rc) {
        lscan__synth_scene_free(&s);
        lscan_synth_truth_free(t);
        lscan_image_free(img);
        return rc;
    }
    uint32_t x0 = 0, x1 = s.width;
    while (x0 < s.width && g.xe[x0 + 1] <= s.cx0)
        x0++;
    while (x1 > 0 && g.xe[x1 - 1] >= s.cx1)
        x1--;
    t->container =
        (lscan_box){x0, to_px(s.cy0, s.pitch_y, s.height), x1, to_px(s.cy1, s.pitch_y, s.height)};
    if (s.scanner.flip) { /* bottom-up detector array: the image is upside down */
        uint32_t y0 = s.height - t->container.y1, y1 = s.height - t->container.y0;
        t->container.y0 = y0, t->container.y1 = y1;
    }
    lscan__synth_grid_free(&g);
    lscan__synth_scene_free(&s);
    *image = img;
    if (truth)
        *truth = t;
    else
        lscan_synth_truth_free(t);
    return LSCAN_OK;
}

LSCAN_API int lscan_synth_generate(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                                   lscan_image **image, lscan_synth_truth **truth)
{
    return lscan__synth_generate_ex(ctx, p, seed, NULL, image, truth);
}

LSCAN_API void lscan_synth_truth_free(lscan_synth_truth *t)
{
    if (!t) return;
    free(t->mask);
    free(t->row_gain);
    free(t->alt);
    free(t->materials);
    free(t);
}

LSCAN_API int lscan_synth_truth_label(const lscan_synth_truth *t)
{
    return t->label;
}
LSCAN_API int lscan_synth_truth_class(const lscan_synth_truth *t)
{
    return t->cls;
}
LSCAN_API const char *lscan_synth_truth_subclass(const lscan_synth_truth *t)
{
    return t->subclass;
}
LSCAN_API float lscan_synth_truth_difficulty(const lscan_synth_truth *t)
{
    return t->difficulty;
}

LSCAN_API int lscan_synth_truth_bbox(const lscan_synth_truth *t, lscan_box *box)
{
    *box = t->bbox;
    return t->bbox.x1 > t->bbox.x0;
}

LSCAN_API const uint8_t *lscan_synth_truth_mask(const lscan_synth_truth *t)
{
    return t->mask;
}

LSCAN_API void lscan_synth_truth_container(const lscan_synth_truth *t, lscan_box *box)
{
    *box = t->container;
}

LSCAN_API void lscan_synth_truth_pitch(const lscan_synth_truth *t, float *x_mm, float *y_mm)
{
    if (x_mm) *x_mm = t->pitch_x;
    if (y_mm) *y_mm = t->pitch_y;
}

LSCAN_API float lscan_synth_truth_air_level(const lscan_synth_truth *t)
{
    return t->i0;
}
LSCAN_API const float *lscan_synth_truth_row_gain(const lscan_synth_truth *t)
{
    return t->row_gain;
}
LSCAN_API float lscan_synth_truth_noise_floor(const lscan_synth_truth *t)
{
    return t->noise_floor;
}
LSCAN_API float lscan_synth_truth_floor_attenuation(const lscan_synth_truth *t)
{
    return t->floor_attenuation;
}
LSCAN_API uint32_t lscan_synth_truth_container_size(const lscan_synth_truth *t)
{
    return t->container_size;
}

LSCAN_API void lscan_synth_truth_size(const lscan_synth_truth *t, uint32_t *width, uint32_t *height)
{
    if (width) *width = t->width;
    if (height) *height = t->height;
}

/* Row y of the mask as an 8-bit PNG row: 255 where the anomaly changed pixels. */
static void mask_row(void *user, uint32_t y, uint8_t *row)
{
    const lscan_synth_truth *t = user;
    const uint8_t *m = t->mask + (size_t)y * t->width;
    for (uint32_t x = 0; x < t->width; x++)
        row[x] = m[x] ? 255 : 0;
}

LSCAN_API int lscan_synth_truth_save_mask(lscan_ctx *ctx, const lscan_synth_truth *t,
                                          const char *path)
{
    if (!ctx || !t || !path) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    return lscan__png_write(ctx, path, t->width, t->height, 8, 1, 9, mask_row, (void *)t);
}

LSCAN_API const char *lscan_synth_truth_world(const lscan_synth_truth *t)
{
    return t->world;
}
LSCAN_API const char *lscan_synth_truth_build(const lscan_synth_truth *t)
{
    return t->build;
}
LSCAN_API const char *lscan_synth_truth_scanner(const lscan_synth_truth *t)
{
    return t->scanner;
}
LSCAN_API const char *lscan_synth_truth_export(const lscan_synth_truth *t)
{
    return t->export_spec;
}
LSCAN_API const char *lscan_synth_truth_commodity(const lscan_synth_truth *t)
{
    return t->commodity;
}
LSCAN_API uint32_t lscan_synth_truth_hs_chapter(const lscan_synth_truth *t)
{
    return t->hs_chapter;
}
LSCAN_API float lscan_synth_truth_linac_mev(const lscan_synth_truth *t)
{
    return t->linac_mev;
}

LSCAN_API float lscan_synth_truth_linac_low_mev(const lscan_synth_truth *t)
{
    return t->linac_low_mev;
}

LSCAN_API const uint8_t *lscan_synth_truth_materials(const lscan_synth_truth *t)
{
    return t->materials;
}

static void materials_row(void *user, uint32_t y, uint8_t *row)
{
    const lscan_synth_truth *t = user;
    memcpy(row, t->materials + (size_t)y * t->width, t->width);
}

LSCAN_API int lscan_synth_truth_save_materials(lscan_ctx *ctx, const lscan_synth_truth *t,
                                               const char *path)
{
    if (!ctx || !t || !path) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (!t->materials)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: a single-energy scan has no material map");
    return lscan__png_write(ctx, path, t->width, t->height, 8, 1, 9, materials_row, (void *)t);
}

LSCAN_API uint32_t lscan_synth_commodity_count(void)
{
    return (uint32_t)lscan__synth_commodity_count();
}

LSCAN_API const char *lscan_synth_commodity_name(uint32_t i)
{
    const lscan__commodity *c = lscan__synth_commodity((int)(i < 0x7fffffffu ? i : 0x7fffffffu));
    return c ? c->name : NULL;
}

LSCAN_API uint32_t lscan_synth_commodity_hs_chapter(uint32_t i)
{
    const lscan__commodity *c = lscan__synth_commodity((int)(i < 0x7fffffffu ? i : 0x7fffffffu));
    return c ? (uint32_t)c->hs : 0;
}

LSCAN_API int lscan_synth_commodity_class(uint32_t i)
{
    const lscan__commodity *c = lscan__synth_commodity((int)(i < 0x7fffffffu ? i : 0x7fffffffu));
    return c ? c->cls : -1;
}
