/* render.c — rasterises the scene, applies the scanner's effects, derives the mask. */
#include "synth.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Pixel grid                                                                */
/* ------------------------------------------------------------------------ */

int lscan__synth_grid_make(lscan_ctx *ctx, const lscan__scene *s, lscan__grid *g)
{
    memset(g, 0, sizeof *g);
    g->width = s->width;
    g->height = s->height;
    g->xe = malloc(((size_t)s->width + 1) * sizeof *g->xe);
    g->ye = malloc(((size_t)s->height + 1) * sizeof *g->ye);
    if (!g->xe || !g->ye) {
        lscan__synth_grid_free(g);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate the pixel grid");
    }
    /* Drive-through scanners sample at a fixed pulse rate while the truck's
     * speed drifts: columns then cover slightly different lengths. The warp
     * is a cubic u + a*u(1-u)(u-c) that keeps both image ends fixed and the
     * column width positive (|a| <= 0.06 keeps the slope within 1 +- 0.06). */
    double a = s->scanner.speed_amp, c = s->scanner.speed_phase;
    for (uint32_t i = 0; i <= s->width; i++) {
        double u = (double)i / s->width;
        double w = u + a * u * (1.0 - u) * (u - c);
        g->xe[i] = w * s->width_mm;
    }
    for (uint32_t j = 0; j <= s->height; j++)
        g->ye[j] = (double)j / s->height * s->height_mm;
    return LSCAN_OK;
}

void lscan__synth_grid_free(lscan__grid *g)
{
    free(g->xe);
    free(g->ye);
    g->xe = g->ye = NULL;
}

/* First index i in [0, n) with e[i+1] > v (the cell containing v, clamped). */
static uint32_t cell_of(const double *e, uint32_t n, double v)
{
    if (v <= e[0]) return 0;
    if (v >= e[n]) return n;
    uint32_t lo = 0, hi = n; /* e[lo] <= v < e[hi] */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Cell index range [*i0, *i1) overlapping (v0, v1). */
static void cell_range(const double *e, uint32_t n, double v0, double v1, uint32_t *i0,
                       uint32_t *i1)
{
    *i0 = cell_of(e, n, v0);
    uint32_t last = cell_of(e, n, v1);
    *i1 = last < n ? last + 1 : n;
    if (*i0 >= *i1) *i1 = *i0;
}

static inline double overlap(double a0, double a1, double b0, double b1)
{
    double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0.0;
}

/* Attenuation of a pixel a fraction f of which is covered by matter of
 * attenuation a: detectors integrate intensity, so the partial pixel
 * transmits (1 - f) + f e^-a. Exact, and the reason thin saturated sheets
 * (roof, end walls, cross-member webs) look like faint lines, not black ones. */
static inline double cover(double a, double f)
{
    if (f >= 0.9999) return a;
    if (f <= 0.0) return 0.0;
    if (a < 0.02 && a > -0.02) return a * f;
    return -lscan__synth_log(1.0 - f + f * lscan__synth_exp(-a));
}

/* Symmetric triangle wave in [-1, 1] with period 1. */
static inline double tri(double t)
{
    t -= (double)(int64_t)(t < 0 ? t - 1.0 : t);
    t = t < 0 ? t + 1.0 : t;
    return t < 0.5 ? 4.0 * t - 1.0 : 3.0 - 4.0 * t;
}

/* Trapezoidal corrugation profile in [0, 1]: 1 on the slanted webs, where a
 * beam crossing the corrugated sheet passes it obliquely, 0 on the flats. */
static inline double trapezoid(double t)
{
    t -= (double)(int64_t)(t < 0 ? t - 1.0 : t);
    t = t < 0 ? t + 1.0 : t;
    /* flat 0..0.3, web 0.3..0.45 (ramps), flat 0.45..0.8, web 0.8..0.95 */
    if (t < 0.3) return 0.0;
    if (t < 0.33) return (t - 0.3) / 0.03;
    if (t < 0.42) return 1.0;
    if (t < 0.45) return (0.45 - t) / 0.03;
    if (t < 0.8) return 0.0;
    if (t < 0.83) return (t - 0.8) / 0.03;
    if (t < 0.92) return 1.0;
    if (t < 0.95) return (0.95 - t) / 0.03;
    return 0.0;
}

/* A box's depth modulation: the trapezoidal corrugation (classic), or a
 * triangle in [0, 1] for rounded corrugation. */
static inline double profile(const lscan__prim *p, double t)
{
    return p->mod_shape ? 0.5 + 0.5 * tri(t) : trapezoid(t);
}

/* Value noise: hashed lattice values in [-1, 1], smoothly interpolated.
 * Integer hashing and basic float arithmetic only (deterministic). */
static double lattice(uint32_t key, int64_t i, int64_t j)
{
    uint64_t h = lscan__synth_hash(key, ((uint64_t)i << 32) ^ (uint64_t)(uint32_t)j);
    return (double)(h >> 11) * 0x1.0p-52 - 1.0;
}

static double vnoise(uint32_t key, double x, double y)
{
    double fx = x < 0 ? (double)(int64_t)x - 1.0 : (double)(int64_t)x;
    double fy = y < 0 ? (double)(int64_t)y - 1.0 : (double)(int64_t)y;
    if (fx == x + 0.0 && x < 0) fx = x; /* exact negative integers */
    if (fy == y + 0.0 && y < 0) fy = y;
    int64_t i = (int64_t)fx, j = (int64_t)fy;
    double u = x - fx, v = y - fy;
    u = u * u * (3.0 - 2.0 * u);
    v = v * v * (3.0 - 2.0 * v);
    double a = lattice(key, i, j), b = lattice(key, i + 1, j);
    double c = lattice(key, i, j + 1), d = lattice(key, i + 1, j + 1);
    double top = a + (b - a) * u, bot = c + (d - c) * u;
    return top + (bot - top) * v;
}

/* Two octaves, roughly in [-1, 1]. */
static double texture(const lscan__prim *p, double x, double y)
{
    if (p->tex_amp == 0) return 1.0;
    double s = 1.0 / p->tex_scale;
    double n = 0.7 * vnoise(p->tex_key, x * s, y * s) +
               0.3 * vnoise(p->tex_key ^ 0x9e37u, x * s * 2.7, y * s * 2.7);
    return 1.0 + p->tex_amp * n;
}

struct win {
    float *a;
    uint32_t x0, y0, x1, y1;
    size_t stride;
};

static inline void add_px(const struct win *w, uint32_t x, uint32_t y, double v)
{
    w->a[(size_t)(y - w->y0) * w->stride + (x - w->x0)] += (float)v;
}

static void clip(const struct win *w, uint32_t *i0, uint32_t *i1, uint32_t *j0, uint32_t *j1)
{
    if (*i0 < w->x0) *i0 = w->x0;
    if (*i1 > w->x1) *i1 = w->x1;
    if (*j0 < w->y0) *j0 = w->y0;
    if (*j1 > w->y1) *j1 = w->y1;
}

static void raster_box(const lscan__grid *g, const lscan__prim *p, const struct win *w)
{
    double amp = p->wave != LSCAN__WAVE_NONE ? p->wave_amp : 0.0;
    double bx0 = p->x0 - (p->wave == LSCAN__WAVE_X_BY_Y ? amp : 0);
    double bx1 = p->x1 + (p->wave == LSCAN__WAVE_X_BY_Y ? amp : 0);
    double by0 = p->y0 - (p->wave == LSCAN__WAVE_Y_BY_X ? amp : 0);
    double by1 = p->y1 + (p->wave == LSCAN__WAVE_Y_BY_X ? amp : 0);
    uint32_t i0, i1, j0, j1;
    cell_range(g->xe, g->width, bx0, bx1, &i0, &i1);
    cell_range(g->ye, g->height, by0, by1, &j0, &j1);
    clip(w, &i0, &i1, &j0, &j1);
    for (uint32_t j = j0; j < j1; j++) {
        double ya = g->ye[j], yb = g->ye[j + 1];
        double sx = 0;
        if (p->wave == LSCAN__WAVE_X_BY_Y)
            sx = amp * tri(((ya + yb) * 0.5 + p->wave_phase) / p->wave_period);
        for (uint32_t i = i0; i < i1; i++) {
            double xa = g->xe[i], xb = g->xe[i + 1];
            double sy = 0;
            if (p->wave == LSCAN__WAVE_Y_BY_X)
                sy = amp * tri(((xa + xb) * 0.5 + p->wave_phase) / p->wave_period);
            double fx = overlap(xa, xb, p->x0 + sx, p->x1 + sx) / (xb - xa);
            double fy = overlap(ya, yb, p->y0 + sy, p->y1 + sy) / (yb - ya);
            double f = fx * fy;
            if (f <= 0) continue;
            double d = p->depth;
            if (p->mod_amp != 0)
                d *=
                    1.0 + p->mod_amp * profile(p, ((xa + xb) * 0.5 - p->mod_phase) / p->mod_period);
            d *= texture(p, (xa + xb) * 0.5, (ya + yb) * 0.5);
            add_px(w, i, j, cover(p->mu * d, f));
        }
    }
}

static inline double sqrt_pos(double v)
{
    return v > 0 ? __builtin_sqrt(v) : 0.0;
}

/* Chord through an annulus r_in..r at distance t from the axis. */
static inline double annulus_chord(double r, double r_in, double t)
{
    double c = 2.0 * sqrt_pos(r * r - t * t);
    if (r_in > 0) c -= 2.0 * sqrt_pos(r_in * r_in - t * t);
    return c;
}

/* Mean chord over a cell [a, b] of the offset from the axis: four samples,
 * enough at the pixel pitch to keep thin shells (drum walls, pipe walls)
 * from aliasing into dotted lines. */
static double mean_chord(double r, double r_in, double a, double b, double centre)
{
    double s = 0;
    for (int k = 0; k < 4; k++)
        s += annulus_chord(r, r_in, a + (b - a) * (k + 0.5) * 0.25 - centre);
    return s * 0.25;
}

static void raster_cyl(const lscan__grid *g, const lscan__prim *p, const struct win *w)
{
    uint32_t i0, i1, j0, j1;
    cell_range(g->xe, g->width, p->x0, p->x1, &i0, &i1);
    cell_range(g->ye, g->height, p->y0, p->y1, &j0, &j1);
    clip(w, &i0, &i1, &j0, &j1);
    double n = p->count ? p->count : 1;
    for (uint32_t j = j0; j < j1; j++) {
        double ya = g->ye[j], yb = g->ye[j + 1];
        double fy = overlap(ya, yb, p->y0, p->y1) / (yb - ya);
        double chord_y =
            p->kind == LSCAN__PRIM_CYL_X ? mean_chord(p->r, p->r_in, ya, yb, p->cy) : 0;
        for (uint32_t i = i0; i < i1; i++) {
            double xa = g->xe[i], xb = g->xe[i + 1];
            double fx = overlap(xa, xb, p->x0, p->x1) / (xb - xa);
            double chord =
                p->kind == LSCAN__PRIM_CYL_X ? chord_y : mean_chord(p->r, p->r_in, xa, xb, p->cx);
            if (chord <= 0 || fx * fy <= 0) continue;
            add_px(w, i, j, cover(p->mu * chord * n, fx * fy));
        }
    }
}

static void raster_disc(const lscan__grid *g, const lscan__prim *p, const struct win *w)
{
    uint32_t i0, i1, j0, j1;
    cell_range(g->xe, g->width, p->cx - p->r, p->cx + p->r, &i0, &i1);
    cell_range(g->ye, g->height, p->cy - p->r, p->cy + p->r, &j0, &j1);
    clip(w, &i0, &i1, &j0, &j1);
    double r2 = (double)p->r * p->r, ri2 = (double)p->r_in * p->r_in;
    double a = p->mu * p->depth * (p->count ? p->count : 1);
    for (uint32_t j = j0; j < j1; j++) {
        double ya = g->ye[j], yb = g->ye[j + 1];
        for (uint32_t i = i0; i < i1; i++) {
            double xa = g->xe[i], xb = g->xe[i + 1];
            int in = 0;
            for (int sy = 0; sy < 3; sy++)
                for (int sx = 0; sx < 3; sx++) {
                    double dx = xa + (xb - xa) * (sx + 0.5) / 3.0 - p->cx;
                    double dy = ya + (yb - ya) * (sy + 0.5) / 3.0 - p->cy;
                    double d2 = dx * dx + dy * dy;
                    in += d2 <= r2 && d2 >= ri2;
                }
            if (in) add_px(w, i, j, cover(a, in / 9.0));
        }
    }
}

static void raster_ellipsoid(const lscan__grid *g, const lscan__prim *p, const struct win *w)
{
    uint32_t i0, i1, j0, j1;
    cell_range(g->xe, g->width, p->cx - p->r, p->cx + p->r, &i0, &i1);
    cell_range(g->ye, g->height, p->cy - p->ry, p->cy + p->ry, &j0, &j1);
    clip(w, &i0, &i1, &j0, &j1);
    double irx = 1.0 / p->r, iry = 1.0 / p->ry;
    double a = p->mu * p->depth * (p->count ? p->count : 1);
    for (uint32_t j = j0; j < j1; j++) {
        double ya = g->ye[j], yb = g->ye[j + 1];
        for (uint32_t i = i0; i < i1; i++) {
            double xa = g->xe[i], xb = g->xe[i + 1];
            double s = 0;
            for (int sy = 0; sy < 2; sy++)
                for (int sx = 0; sx < 2; sx++) {
                    double u = (xa + (xb - xa) * (sx * 0.5 + 0.25) - p->cx) * irx;
                    double v = (ya + (yb - ya) * (sy * 0.5 + 0.25) - p->cy) * iry;
                    double c = sqrt_pos(1.0 - u * u - v * v);
                    s += p->flat ? __builtin_sqrt(__builtin_sqrt(c)) : c;
                }
            if (s > 0) add_px(w, i, j, a * s * 0.25);
        }
    }
}

static double pile_top(const lscan__prim *p, double x)
{
    if (x < p->xa) return p->ya0 + (p->y0 - p->ya0) * (x - p->x0) / (p->xa - p->x0 + 1e-9);
    if (x > p->xb) return p->y0 + (p->yb1 - p->y0) * (x - p->xb) / (p->x1 - p->xb + 1e-9);
    return p->y0;
}

static void raster_pile(const lscan__grid *g, const lscan__prim *p, const struct win *w)
{
    uint32_t i0, i1, j0, j1;
    cell_range(g->xe, g->width, p->x0, p->x1, &i0, &i1);
    cell_range(g->ye, g->height, p->y0, p->y1, &j0, &j1);
    clip(w, &i0, &i1, &j0, &j1);
    double h = p->y1 - p->y0;
    for (uint32_t i = i0; i < i1; i++) {
        double xa = g->xe[i], xb = g->xe[i + 1];
        double fx = overlap(xa, xb, p->x0, p->x1) / (xb - xa);
        if (fx <= 0) continue;
        double top = pile_top(p, (xa + xb) * 0.5);
        for (uint32_t j = j0; j < j1; j++) {
            double ya = g->ye[j], yb = g->ye[j + 1];
            double fy = overlap(ya, yb, top, p->y1) / (yb - ya);
            if (fy <= 0) continue;
            double depth_rel = ((ya + yb) * 0.5 - p->y0) / h;
            double mu = p->mu * (1.0 + p->grad * depth_rel);
            mu *= texture(p, (xa + xb) * 0.5, (ya + yb) * 0.5);
            add_px(w, i, j, cover(mu * p->depth, fx * fy));
        }
    }
}

void lscan__synth_rasterise(const lscan__grid *g, const lscan__prim_list *l, float *a, uint32_t wx0,
                            uint32_t wy0, uint32_t wx1, uint32_t wy1)
{
    struct win w = {a, wx0, wy0, wx1, wy1, wx1 - wx0};
    for (size_t k = 0; k < l->n; k++) {
        const lscan__prim *p = &l->v[k];
        switch (p->kind) {
        case LSCAN__PRIM_BOX: raster_box(g, p, &w); break;
        case LSCAN__PRIM_CYL_X:
        case LSCAN__PRIM_CYL_Y: raster_cyl(g, p, &w); break;
        case LSCAN__PRIM_DISC_Z: raster_disc(g, p, &w); break;
        case LSCAN__PRIM_ELLIPSOID: raster_ellipsoid(g, p, &w); break;
        case LSCAN__PRIM_PILE: raster_pile(g, p, &w); break;
        default: break;
        }
    }
}

/* The same into one map per basis (maps[c] may be NULL for a basis with
 * no primitive; the caller allocates those it needs, see basis_used). */
static void rasterise_basis(const lscan__grid *g, const lscan__prim_list *l, float *const *maps,
                            uint32_t wx0, uint32_t wy0, uint32_t wx1, uint32_t wy1)
{
    for (size_t k = 0; k < l->n; k++) {
        const lscan__prim *p = &l->v[k];
        float *a = maps[lscan__synth_prim_basis(p)];
        if (!a) continue;
        struct win w = {a, wx0, wy0, wx1, wy1, wx1 - wx0};
        switch (p->kind) {
        case LSCAN__PRIM_BOX: raster_box(g, p, &w); break;
        case LSCAN__PRIM_CYL_X:
        case LSCAN__PRIM_CYL_Y: raster_cyl(g, p, &w); break;
        case LSCAN__PRIM_DISC_Z: raster_disc(g, p, &w); break;
        case LSCAN__PRIM_ELLIPSOID: raster_ellipsoid(g, p, &w); break;
        case LSCAN__PRIM_PILE: raster_pile(g, p, &w); break;
        default: break;
        }
    }
}

static unsigned basis_used(const lscan__prim_list *l)
{
    unsigned m = 0;
    for (size_t k = 0; k < l->n; k++)
        m |= 1u << lscan__synth_prim_basis(&l->v[k]);
    return m;
}

double lscan__synth_point_attenuation(const lscan__prim_list *l, double x, double y)
{
    double a = 0;
    for (size_t k = 0; k < l->n; k++) {
        const lscan__prim *p = &l->v[k];
        double n = p->count ? p->count : 1;
        switch (p->kind) {
        case LSCAN__PRIM_BOX: {
            double sx = 0, sy = 0;
            if (p->wave == LSCAN__WAVE_X_BY_Y)
                sx = p->wave_amp * tri((y + p->wave_phase) / p->wave_period);
            if (p->wave == LSCAN__WAVE_Y_BY_X)
                sy = p->wave_amp * tri((x + p->wave_phase) / p->wave_period);
            if (x >= p->x0 + sx && x < p->x1 + sx && y >= p->y0 + sy && y < p->y1 + sy) {
                double d = p->depth;
                if (p->mod_amp != 0)
                    d *= 1.0 + p->mod_amp * profile(p, (x - p->mod_phase) / p->mod_period);
                a += p->mu * d * texture(p, x, y);
            }
            break;
        }
        case LSCAN__PRIM_CYL_X:
            if (x >= p->x0 && x < p->x1) a += p->mu * n * annulus_chord(p->r, p->r_in, y - p->cy);
            break;
        case LSCAN__PRIM_CYL_Y:
            if (y >= p->y0 && y < p->y1) a += p->mu * n * annulus_chord(p->r, p->r_in, x - p->cx);
            break;
        case LSCAN__PRIM_DISC_Z: {
            double d2 = (x - p->cx) * (x - p->cx) + (y - p->cy) * (y - p->cy);
            if (d2 <= (double)p->r * p->r && d2 >= (double)p->r_in * p->r_in)
                a += p->mu * p->depth * n;
            break;
        }
        case LSCAN__PRIM_ELLIPSOID: {
            double u = (x - p->cx) / p->r, v = (y - p->cy) / p->ry;
            double c = sqrt_pos(1.0 - u * u - v * v);
            if (p->flat) c = sqrt_pos(sqrt_pos(c));
            a += p->mu * p->depth * n * c;
            break;
        }
        case LSCAN__PRIM_PILE:
            if (x >= p->x0 && x < p->x1 && y < p->y1 && y >= pile_top(p, x))
                a += p->mu * (1.0 + p->grad * (y - p->y0) / (p->y1 - p->y0)) * p->depth *
                     texture(p, x, y);
            break;
        default: break;
        }
    }
    return a;
}

bool lscan__synth_prims_bbox(const lscan__grid *g, const lscan__prim_list *l, lscan_box *box)
{
    double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
    for (size_t k = 0; k < l->n; k++) {
        const lscan__prim *p = &l->v[k];
        double a0 = p->x0, a1 = p->x1, b0 = p->y0, b1 = p->y1;
        if (p->kind == LSCAN__PRIM_DISC_Z) {
            a0 = p->cx - p->r, a1 = p->cx + p->r, b0 = p->cy - p->r, b1 = p->cy + p->r;
        } else if (p->kind == LSCAN__PRIM_ELLIPSOID) {
            a0 = p->cx - p->r, a1 = p->cx + p->r, b0 = p->cy - p->ry, b1 = p->cy + p->ry;
        } else if (p->kind == LSCAN__PRIM_BOX && p->wave == LSCAN__WAVE_X_BY_Y) {
            a0 -= p->wave_amp, a1 += p->wave_amp;
        } else if (p->kind == LSCAN__PRIM_BOX && p->wave == LSCAN__WAVE_Y_BY_X) {
            b0 -= p->wave_amp, b1 += p->wave_amp;
        }
        x0 = a0 < x0 ? a0 : x0, x1 = a1 > x1 ? a1 : x1;
        y0 = b0 < y0 ? b0 : y0, y1 = b1 > y1 ? b1 : y1;
    }
    memset(box, 0, sizeof *box);
    if (x1 <= x0 || y1 <= y0) return false;
    uint32_t i0, i1, j0, j1;
    cell_range(g->xe, g->width, x0, x1, &i0, &i1);
    cell_range(g->ye, g->height, y0, y1, &j0, &j1);
    if (i1 <= i0 || j1 <= j0) return false;
    *box = (lscan_box){i0, j0, i1, j1};
    return true;
}

/* ------------------------------------------------------------------------ */
/* Scanner effects                                                           */
/* ------------------------------------------------------------------------ */

void lscan__synth_gains(const lscan__scene *s, uint32_t flags, float *gain, float *dose)
{
    const lscan__scanner *sc = &s->scanner;
    /* Detector rows come in modules (boards of 16 or 32 photodiodes) with a
     * shared amplifier: residual calibration error shows as a per-module
     * step plus per-row scatter — the horizontal stripes of real scans. */
    for (uint32_t y = 0; y < s->height; y++) {
        if (flags & LSCAN_SYNTH_NO_ROW_GAIN) {
            gain[y] = 1.0f;
            continue;
        }
        uint32_t m = y / sc->module_rows;
        double zm = lscan__synth_bits_normal(lscan__synth_hash(sc->gain_key, 0x100000000ull + m));
        double zr = lscan__synth_bits_normal(lscan__synth_hash(sc->gain_key, y));
        gain[y] = (float)(1.0 + sc->module_sigma * zm + sc->gain_sigma * zr);
    }
    /* Each column is one linac pulse; pulse-to-pulse dose varies by ~1%
     * after the reference-detector correction real scanners apply. */
    for (uint32_t x = 0; x < s->width; x++) {
        if (flags & LSCAN_SYNTH_NO_DOSE_JITTER) {
            dose[x] = 1.0f;
            continue;
        }
        double z = lscan__synth_bits_normal(lscan__synth_hash(sc->gain_key ^ 0x5eedd05eull, x));
        dose[x] = (float)(1.0 + sc->dose_sigma * z);
    }
}

struct finish_in {
    const lscan__scene *s;
    uint32_t flags;
    const float *a_base; /* width*height */
    const float *a_anom; /* window or NULL */
    lscan_box awin;
    const float *gain, *dose;
};

/* Computes final pixel values over `out` (a rectangle of the image) into dst
 * (full-image indexing, stride width). The same arithmetic, in the same
 * order, for every caller: this is what makes the with/without-anomaly
 * comparison exact. */
static int finish_rect(lscan_ctx *ctx, const struct finish_in *in, lscan_box out, uint16_t *dst)
{
    const lscan__scene *s = in->s;
    const lscan__scanner *sc = &s->scanner;
    uint32_t W = s->width, H = s->height;
    /* T region: out dilated by one pixel, clamped to the image. */
    uint32_t tx0 = out.x0 ? out.x0 - 1 : 0, ty0 = out.y0 ? out.y0 - 1 : 0;
    uint32_t tx1 = out.x1 < W ? out.x1 + 1 : W, ty1 = out.y1 < H ? out.y1 + 1 : H;
    size_t tw = tx1 - tx0, th = ty1 - ty0, ow = out.x1 - out.x0;
    float *t = malloc(tw * th * sizeof *t);
    float *h = malloc(ow * th * sizeof *h);
    if (!t || !h) {
        free(t);
        free(h);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate render buffers");
    }
    for (uint32_t y = ty0; y < ty1; y++) {
        for (uint32_t x = tx0; x < tx1; x++) {
            double a = in->a_base[(size_t)y * W + x];
            if (in->a_anom && x >= in->awin.x0 && x < in->awin.x1 && y >= in->awin.y0 &&
                y < in->awin.y1)
                a += in->a_anom[(size_t)(y - in->awin.y0) * (in->awin.x1 - in->awin.x0) +
                                (x - in->awin.x0)];
            t[(y - ty0) * tw + (x - tx0)] = (float)lscan__synth_exp(-a);
        }
    }
    float b = (in->flags & LSCAN_SYNTH_NO_BLUR) ? 0.0f : (float)sc->blur;
    float c = 1.0f - 2.0f * b;
    for (uint32_t y = ty0; y < ty1; y++) {
        const float *tr = t + (y - ty0) * tw;
        for (uint32_t x = out.x0; x < out.x1; x++) {
            uint32_t xl = x ? x - 1 : 0, xr = x + 1 < W ? x + 1 : W - 1;
            h[(y - ty0) * ow + (x - out.x0)] =
                b * tr[xl - tx0] + c * tr[x - tx0] + b * tr[xr - tx0];
        }
    }
    bool noise = !(in->flags & LSCAN_SYNTH_NO_NOISE);
    double i0 = sc->i0, q_scale = sc->i0 / sc->quanta, e2 = sc->floor_sigma * sc->floor_sigma;
    for (uint32_t y = out.y0; y < out.y1; y++) {
        uint32_t yu = y ? y - 1 : 0, yd = y + 1 < H ? y + 1 : H - 1;
        const float *hu = h + (yu - ty0) * ow, *hc = h + (y - ty0) * ow, *hd = h + (yd - ty0) * ow;
        for (uint32_t x = out.x0; x < out.x1; x++) {
            size_t k = x - out.x0;
            float v = b * hu[k] + c * hc[k] + b * hd[k];
            double sig = i0 * in->gain[y] * in->dose[x] * v;
            double val = sig + sc->floor_level;
            if (noise) {
                /* Poisson statistics of ~quanta detected photons in air,
                 * plus electronic noise; one counter-based deviate per pixel. */
                double var = sig * q_scale + e2;
                float z =
                    lscan__synth_bits_normal(lscan__synth_hash(sc->noise_key, (uint64_t)y * W + x));
                val += z * __builtin_sqrt(var);
            }
            int32_t q = val <= 0 ? 0 : val >= 65535.0 ? 65535 : (int32_t)(val + 0.5);
            dst[(size_t)y * W + x] = (uint16_t)q;
        }
    }
    free(t);
    free(h);
    return LSCAN_OK;
}

/* Measured difficulty of an anomaly: its attenuation contrast (capped at the
 * noise floor, where nothing more can be seen) against the noise and the
 * structure of the cargo around it, and its size. See docs/synth.md. */
static float measure_difficulty(const lscan__scene *s, const float *a_base, const float *a_anom,
                                lscan_box awin, const uint8_t *mask, lscan_box bb)
{
    uint32_t W = s->width, H = s->height;
    double fa = s->scanner.floor_a;
    double sum_c = 0, sum_b = 0;
    size_t n = 0;
    size_t aw = awin.x1 - awin.x0;
    for (uint32_t y = bb.y0; y < bb.y1; y++)
        for (uint32_t x = bb.x0; x < bb.x1; x++) {
            if (!mask[(size_t)y * W + x]) continue;
            double b = a_base[(size_t)y * W + x];
            double d = 0;
            if (x >= awin.x0 && x < awin.x1 && y >= awin.y0 && y < awin.y1)
                d = a_anom[(size_t)(y - awin.y0) * aw + (x - awin.x0)];
            double bw = b + d;
            b = b < fa ? b : fa;
            bw = bw < fa ? bw : fa;
            sum_c += bw > b ? bw - b : b - bw;
            sum_b += b;
            n++;
        }
    if (!n) return 1.0f;
    double c = sum_c / n, bg = sum_b / n;
    /* Clutter: standard deviation of the anomaly-free attenuation in a ring
     * around the box as wide as the box itself (at least 8 px). */
    uint32_t bw = bb.x1 - bb.x0, bh = bb.y1 - bb.y0;
    uint32_t mx = bw > 8 ? bw : 8, my = bh > 8 ? bh : 8;
    uint32_t rx0 = bb.x0 > mx ? bb.x0 - mx : 0, ry0 = bb.y0 > my ? bb.y0 - my : 0;
    uint32_t rx1 = bb.x1 + mx < W ? bb.x1 + mx : W, ry1 = bb.y1 + my < H ? bb.y1 + my : H;
    double s1 = 0, s2 = 0;
    size_t m = 0;
    for (uint32_t y = ry0; y < ry1; y += 1)
        for (uint32_t x = rx0; x < rx1; x += 1) {
            if (x >= bb.x0 && x < bb.x1 && y >= bb.y0 && y < bb.y1) continue;
            double v = a_base[(size_t)y * W + x];
            v = v < fa ? v : fa;
            s1 += v;
            s2 += v * v;
            m++;
        }
    double clutter = 0;
    if (m > 1) {
        double mean = s1 / m, var = s2 / m - mean * mean;
        clutter = var > 0 ? __builtin_sqrt(var) : 0;
    }
    /* Noise of the attenuation at the background level (Poisson). */
    double tr = lscan__synth_exp(-bg);
    double sig = s->scanner.i0 * tr;
    double var_i =
        sig * s->scanner.i0 / s->scanner.quanta + s->scanner.floor_sigma * s->scanner.floor_sigma;
    double sigma_a = __builtin_sqrt(var_i) / (sig + s->scanner.floor_level);
    double n_eff = n < 64 ? (double)n : 64.0;
    double v = c / (clutter + sigma_a / __builtin_sqrt(n_eff) + 0.02);
    /* Visibility on a log scale: V = 0.5 -> 0, V = 50 -> 1. */
    double lv = (lscan__synth_log(v > 1e-6 ? v : 1e-6) - lscan__synth_log(0.5)) /
                (lscan__synth_log(50.0) - lscan__synth_log(0.5));
    lv = lv < 0 ? 0 : lv > 1 ? 1 : lv;
    /* Size: 25 cm^2 (5x5 cm) -> 0 .. 1 m^2 -> 1. */
    double area_cm2 = n * s->pitch_x * s->pitch_y / 100.0;
    double ls = (lscan__synth_log(area_cm2 > 1 ? area_cm2 : 1) - lscan__synth_log(25.0)) /
                (lscan__synth_log(10000.0) - lscan__synth_log(25.0));
    ls = ls < 0 ? 0 : ls > 1 ? 1 : ls;
    double d = 1.0 - (0.75 * lv + 0.25 * ls);
    return (float)(d < 0 ? 0 : d > 1 ? 1 : d);
}

static int render_poly(lscan_ctx *ctx, const lscan__scene *s, const lscan__render_opts *o,
                       lscan_image **image, lscan_synth_truth *t);

int lscan__synth_render(lscan_ctx *ctx, const lscan__scene *s, const lscan__render_opts *o,
                        lscan_image **image, lscan_synth_truth *t)
{
    *image = NULL;
    if (s->scanner.poly) return render_poly(ctx, s, o, image, t);
    uint32_t W = s->width, H = s->height;
    size_t npx = (size_t)W * H;
    lscan__grid g;
    int rc = lscan__synth_grid_make(ctx, s, &g);
    if (rc) return rc;
    float *a_base = calloc(npx, sizeof *a_base);
    float *gain = malloc((size_t)H * sizeof *gain);
    float *dose = malloc((size_t)W * sizeof *dose);
    uint8_t *mask = calloc(npx, 1);
    float *a_anom = NULL;
    uint16_t *alt = NULL;
    lscan_image *img = NULL;
    if (!a_base || !gain || !dose || !mask) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate a %ux%u scan", W, H);
        goto out;
    }
    rc = lscan__image_new(ctx, W, H, 1, &img);
    if (rc) goto out;
    img->src_bits = 16;
    img->src_channels = 1;
    img->src_format = LSCAN_FORMAT_SYNTH;
    img->polarity = LSCAN_POLARITY_TRANSMISSION;
    uint16_t *px = lscan__image_plane_mut(img, 0);

    lscan__synth_rasterise(&g, &s->base, a_base, 0, 0, W, H);
    lscan__synth_gains(s, o->flags, gain, dose);

    /* The anomaly's own attenuation lives in a window around it (dilated by
     * two pixels: one for the blur, one for safety). */
    lscan_box awin = {0, 0, 0, 0};
    bool has_anom =
        !o->omit_anomaly && s->anomaly.n > 0 && lscan__synth_prims_bbox(&g, &s->anomaly, &awin);
    if (has_anom) {
        awin.x0 = awin.x0 > 2 ? awin.x0 - 2 : 0;
        awin.y0 = awin.y0 > 2 ? awin.y0 - 2 : 0;
        awin.x1 = awin.x1 + 2 < W ? awin.x1 + 2 : W;
        awin.y1 = awin.y1 + 2 < H ? awin.y1 + 2 : H;
        size_t an = (size_t)(awin.x1 - awin.x0) * (awin.y1 - awin.y0);
        a_anom = calloc(an, sizeof *a_anom);
        alt = malloc(npx * sizeof *alt);
        if (!a_anom || !alt) {
            rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate the anomaly layer");
            goto out;
        }
        lscan__synth_rasterise(&g, &s->anomaly, a_anom, awin.x0, awin.y0, awin.x1, awin.y1);
    }
    struct finish_in fin = {s, o->flags, a_base, a_anom, awin, gain, dose};
    rc = finish_rect(ctx, &fin, (lscan_box){0, 0, W, H}, px);
    if (rc) goto out;

    memset(&t->bbox, 0, sizeof t->bbox);
    t->difficulty = (float)s->difficulty_target;
    if (has_anom) {
        /* The same pixels without the anomaly: only the window can differ
         * (the blur spreads the change by one pixel, inside the window). */
        struct finish_in f0 = {s, o->flags, a_base, NULL, awin, gain, dose};
        rc = finish_rect(ctx, &f0, awin, alt);
        if (rc) goto out;
        uint32_t bx0 = W, by0 = H, bx1 = 0, by1 = 0;
        for (uint32_t y = awin.y0; y < awin.y1; y++)
            for (uint32_t x = awin.x0; x < awin.x1; x++) {
                size_t k = (size_t)y * W + x;
                if (px[k] != alt[k]) {
                    mask[k] = 1;
                    bx0 = x < bx0 ? x : bx0, bx1 = x + 1 > bx1 ? x + 1 : bx1;
                    by0 = y < by0 ? y : by0, by1 = y + 1 > by1 ? y + 1 : by1;
                }
            }
        if (bx1 > bx0) {
            t->bbox = (lscan_box){bx0, by0, bx1, by1};
            t->difficulty = measure_difficulty(s, a_base, a_anom, awin, mask, t->bbox);
            size_t bw = bx1 - bx0;
            t->alt = malloc(bw * (by1 - by0) * sizeof *t->alt);
            if (!t->alt) {
                rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory");
                goto out;
            }
            for (uint32_t y = by0; y < by1; y++)
                memcpy(t->alt + (size_t)(y - by0) * bw, alt + (size_t)y * W + bx0,
                       bw * sizeof *t->alt);
        } else {
            t->difficulty = 1.0f; /* invisible: the hardest possible case */
        }
    }
    t->mask = mask;
    mask = NULL;
    t->row_gain = gain;
    gain = NULL;
    *image = img;
    img = NULL;
out:
    lscan__synth_grid_free(&g);
    free(a_base);
    free(a_anom);
    free(alt);
    free(gain);
    free(dose);
    free(mask);
    lscan_image_free(img);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Polychromatic rendering and the scanner effects of the worlds             */
/* ------------------------------------------------------------------------ */

/*
 * Worlds other than classic render each basis material into its own map of
 * attenuation at the 4 MeV reference, then pass the spectrum over them:
 * T = sum_k w_k exp(-sum_c a_c r_ck). A dual-energy scan is the same maps
 * through a second spectrum. Scanner effects in order: scatter haze (a
 * wide, smooth fraction of the anomaly-free transmission: scatter reaches
 * far, and taking it from the anomaly-free scene keeps the mask to the
 * pixels the object itself changes), detector blur (3 taps per axis, one or
 * two passes), row gains and dose, afterglow along the scan (first-order:
 * out[x] = (1-g) s[x] + g L[x-1], L[x] = l L[x-1] + (1-l) s[x], l = e^-1/tau,
 * so a bright-to-dark edge leaves g e^-k/tau of the step k columns later),
 * dead and hot rows, dark level and pedestal, noise, quantisation, and the
 * detector array's orientation (bottom-up arrays give upside-down images).
 */

/* Effective attenuation -ln T of rays through organic and iron matter only
 * (most pixels), tabulated on a grid of reference attenuations 0..TAB_MAX
 * in steps of 1/TAB_STEP and interpolated bilinearly: -ln T is smooth and
 * nearly linear in both, so the error stays below 2e-4 in attenuation
 * (0.02% in transmission: a twentieth of the quantum noise in air; checked
 * on 20 000 random points per spectrum). Everything else (light
 * inorganics, lead, beyond the grid) is computed exactly. */
#define TAB_STEP 16
#define TAB_MAX 16
#define TAB_N (TAB_MAX * TAB_STEP + 1)

struct poly_tab {
    lscan__fexp fe;
    float a[TAB_N * TAB_N]; /* [organic index * TAB_N + iron index] */
};

static double poly_exact(const lscan__spectrum *sp, const lscan__fexp *fe, const double *a)
{
    double tr = 0;
    for (int k = 0; k < sp->n; k++) {
        double x = 0;
        for (int c = 0; c < LSCAN__BASIS_COUNT; c++)
            if (a[c] != 0) x += a[c] * sp->r[c][k];
        tr += sp->w[k] * lscan__synth_fexp_neg(fe, x);
    }
    return tr;
}

static struct poly_tab *poly_tab_make(const lscan__spectrum *sp)
{
    struct poly_tab *pt = malloc(sizeof *pt);
    if (!pt) return NULL;
    lscan__synth_fexp_init(&pt->fe);
    for (int i = 0; i < TAB_N; i++)
        for (int j = 0; j < TAB_N; j++) {
            double a[LSCAN__BASIS_COUNT] = {0};
            a[LSCAN__BASIS_ORGANIC] = (double)i / TAB_STEP;
            a[LSCAN__BASIS_IRON] = (double)j / TAB_STEP;
            double tr = poly_exact(sp, &pt->fe, a);
            pt->a[i * TAB_N + j] = (float)-lscan__synth_log(tr > 1e-300 ? tr : 1e-300);
        }
    return pt;
}

static inline double poly_one(const lscan__spectrum *sp, const struct poly_tab *pt, const double *a)
{
    double o = a[LSCAN__BASIS_ORGANIC], f = a[LSCAN__BASIS_IRON];
    if (a[LSCAN__BASIS_LIGHT] == 0 && a[LSCAN__BASIS_LEAD] == 0 && o >= 0 && f >= 0 &&
        o < TAB_MAX && f < TAB_MAX) {
        if (o == 0 && f == 0) return 1.0;
        double u = o * TAB_STEP, v = f * TAB_STEP;
        int i = (int)u, j = (int)v;
        double fu = u - i, fv = v - j;
        const float *t = pt->a + i * TAB_N + j;
        double top = t[0] + (t[1] - t[0]) * fv, bot = t[TAB_N] + (t[TAB_N + 1] - t[TAB_N]) * fv;
        return lscan__synth_fexp_neg(&pt->fe, top + (bot - top) * fu);
    }
    return poly_exact(sp, &pt->fe, a);
}

/* Poly transmission over a window of per-basis maps (NULL: zero). */
static void poly_transmission(const lscan__spectrum *sp, const struct poly_tab *pt,
                              float *const *maps, float *const *extra, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) {
        double a[LSCAN__BASIS_COUNT];
        for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
            a[c] = maps[c] ? maps[c][i] : 0.0;
            if (extra && extra[c]) a[c] += extra[c][i];
        }
        out[i] = (float)poly_one(sp, pt, a);
    }
}

/* Scatter haze on a coarse grid: block means of the anomaly-free
 * transmission, box-blurred over the kernel's half-width. */
struct haze {
    float *c;
    uint32_t cw, ch, block;
    double h;
};

static int haze_make(lscan_ctx *ctx, const lscan__scene *s, const float *tb, struct haze *hz)
{
    memset(hz, 0, sizeof *hz);
    hz->h = s->scanner.haze;
    if (hz->h <= 0) return LSCAN_OK;
    uint32_t W = s->width, H = s->height, B = 8;
    hz->block = B;
    hz->cw = (W + B - 1) / B, hz->ch = (H + B - 1) / B;
    size_t n = (size_t)hz->cw * hz->ch;
    float *c = calloc(n, sizeof *c), *tmp = malloc(n * sizeof *tmp);
    if (!c || !tmp) {
        free(c);
        free(tmp);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate the haze map");
    }
    for (uint32_t cy = 0; cy < hz->ch; cy++)
        for (uint32_t cx = 0; cx < hz->cw; cx++) {
            double sum = 0;
            uint32_t m = 0;
            for (uint32_t y = cy * B; y < (cy + 1) * B && y < H; y++)
                for (uint32_t x = cx * B; x < (cx + 1) * B && x < W; x++, m++)
                    sum += tb[(size_t)y * W + x];
            c[(size_t)cy * hz->cw + cx] = (float)(sum / m);
        }
    double pitch = s->pitch_x < s->pitch_y ? s->pitch_y : s->pitch_x;
    int rad = (int)(s->scanner.haze_mm / (B * pitch) + 0.5);
    if (rad < 1) rad = 1;
    for (int pass = 0; pass < 2; pass++) { /* rows then columns, edges clamped */
        uint32_t outer = pass ? hz->cw : hz->ch, len = pass ? hz->ch : hz->cw;
        for (uint32_t o = 0; o < outer; o++)
            for (uint32_t i = 0; i < len; i++) {
                double sum = 0;
                for (int k = -rad; k <= rad; k++) {
                    int64_t j = (int64_t)i + k;
                    j = j < 0 ? 0 : j >= len ? len - 1 : j;
                    size_t idx = pass ? (size_t)j * hz->cw + o : (size_t)o * hz->cw + (size_t)j;
                    sum += c[idx];
                }
                size_t at = pass ? (size_t)i * hz->cw + o : (size_t)o * hz->cw + i;
                tmp[at] = (float)(sum / (2 * rad + 1));
            }
        float *sw = c;
        c = tmp;
        tmp = sw;
    }
    free(tmp);
    hz->c = c;
    return LSCAN_OK;
}

/* Row y of the haze map at full resolution (bilinear from the coarse map);
 * xi/xf: each column's coarse index and fraction (haze_cols). */
static void haze_cols(const struct haze *hz, uint32_t W, uint32_t *xi, float *xf)
{
    for (uint32_t x = 0; x < W; x++) {
        double u = (x + 0.5) / hz->block - 0.5;
        u = u < 0 ? 0 : u > hz->cw - 1 ? hz->cw - 1 : u;
        xi[x] = (uint32_t)u;
        xf[x] = (float)(u - xi[x]);
    }
}

static void haze_row(const struct haze *hz, uint32_t y, uint32_t W, const uint32_t *xi,
                     const float *xf, double *row, double *crow)
{
    double v = (y + 0.5) / hz->block - 0.5;
    v = v < 0 ? 0 : v > hz->ch - 1 ? hz->ch - 1 : v;
    uint32_t j = (uint32_t)v, j1 = j + 1 < hz->ch ? j + 1 : j;
    double fv = v - j;
    const float *c0 = hz->c + (size_t)j * hz->cw, *c1 = hz->c + (size_t)j1 * hz->cw;
    for (uint32_t i = 0; i < hz->cw; i++)
        crow[i] = c0[i] * (1 - fv) + c1[i] * fv;
    crow[hz->cw] = crow[hz->cw - 1];
    for (uint32_t x = 0; x < W; x++) {
        uint32_t i = xi[x];
        double fu = xf[x];
        row[x] = crow[i] + (crow[i + 1] - crow[i]) * fu;
    }
}

struct poly_in {
    const lscan__scene *s;
    const lscan__scanner *sc; /* the channel: the scene's scanner, or its low-energy pulse */
    uint32_t flags;
    const float *tb; /* anomaly-free transmission, full image */
    const float *tw; /* with the anomaly over awin, or NULL */
    lscan_box awin;
    const struct haze *hz;
    const float *gain, *dose, *hot;
};

/* Final pixel values of rows [y0, y1), all columns, into dst (full-image
 * indexing). The same arithmetic for every caller, so that the scan with
 * and without its anomaly differ exactly where the anomaly changes them. */
static int finish_poly(lscan_ctx *ctx, const struct poly_in *in, uint32_t y0, uint32_t y1,
                       uint16_t *dst)
{
    const lscan__scene *s = in->s;
    const lscan__scanner *sc = in->sc;
    uint32_t W = s->width, H = s->height;
    bool blur = !(in->flags & LSCAN_SYNTH_NO_BLUR);
    int passes = blur ? (sc->blur_passes > 1 ? 2 : 1) : 0;
    uint32_t by0 = y0 > (uint32_t)passes ? y0 - passes : 0;
    uint32_t by1 = y1 + passes < H ? y1 + passes : H;
    size_t rows = by1 - by0;
    size_t cw = in->hz->c ? in->hz->cw : 1;
    float *b = malloc(rows * W * sizeof *b);
    float *save = malloc(2 * (size_t)W * sizeof *save);
    double *glow = malloc(((size_t)W + cw + 1) * sizeof *glow);
    uint32_t *xi = malloc((size_t)W * sizeof *xi);
    float *xf = malloc((size_t)W * sizeof *xf);
    if (!b || !save || !glow || !xi || !xf) {
        free(b);
        free(save);
        free(glow);
        free(xi);
        free(xf);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate render buffers");
    }
    double h = in->hz->c ? in->hz->h : 0.0, hn = 1.0 / (1.0 + h);
    if (h > 0) haze_cols(in->hz, W, xi, xf);
    for (uint32_t y = by0; y < by1; y++) {
        float *row = b + (size_t)(y - by0) * W;
        const float *src = in->tb + (size_t)y * W;
        bool win = in->tw && y >= in->awin.y0 && y < in->awin.y1;
        if (h > 0) haze_row(in->hz, y, W, xi, xf, glow, glow + W);
        for (uint32_t x = 0; x < W; x++) {
            double v = src[x];
            if (win && x >= in->awin.x0 && x < in->awin.x1)
                v = in->tw[(size_t)(y - in->awin.y0) * (in->awin.x1 - in->awin.x0) +
                           (x - in->awin.x0)];
            if (h > 0) v = (v + h * glow[x]) * hn;
            row[x] = (float)v;
        }
    }
    /* Blur in place: along x with the row's own copy, along y with a copy
     * of the previous row (edges clamped; rows at the buffer's edge are
     * only used as neighbours). */
    float bx = (float)sc->blur, cx = 1.0f - 2.0f * bx;
    float bv = (float)sc->blur_y, cv = 1.0f - 2.0f * bv;
    for (int pass = 0; pass < passes; pass++) {
        for (size_t j = 0; j < rows; j++) {
            float *r = b + j * W;
            memcpy(save, r, W * sizeof *save);
            for (uint32_t x = 0; x < W; x++) {
                uint32_t xl = x ? x - 1 : 0, xr = x + 1 < W ? x + 1 : W - 1;
                r[x] = bx * save[xl] + cx * save[x] + bx * save[xr];
            }
        }
        float *prev = save, *cur = save + W;
        for (size_t j = 0; j < rows; j++) {
            float *r = b + j * W;
            memcpy(cur, r, W * sizeof *cur);
            uint32_t y = by0 + (uint32_t)j;
            const float *u = y == 0 ? cur : j == 0 ? cur : prev;
            const float *d = y + 1 >= H ? cur : j + 1 >= rows ? cur : r + W;
            for (uint32_t x = 0; x < W; x++)
                r[x] = bv * u[x] + cv * cur[x] + bv * d[x];
            float *t = prev;
            prev = cur;
            cur = t;
        }
    }
    bool noise = !(in->flags & LSCAN_SYNTH_NO_NOISE);
    double i0 = sc->i0, q_scale = sc->i0 / sc->quanta, e2 = sc->floor_sigma * sc->floor_sigma;
    double g = sc->glow, lam = sc->tau > 0 ? lscan__synth_exp(-1.0 / sc->tau) : 0.0;
    double dark = sc->floor_level + sc->pedestal;
    for (uint32_t y = y0; y < y1; y++) {
        const float *r = b + (size_t)(y - by0) * W;
        for (uint32_t x = 0; x < W; x++)
            glow[x] = i0 * in->gain[y] * in->dose[x] * r[x];
        if (g > 0) {
            double L = glow[0];
            for (uint32_t x = 0; x < W; x++) {
                double sig = glow[x];
                glow[x] = (1.0 - g) * sig + g * L;
                L = lam * L + (1.0 - lam) * sig;
            }
        }
        double off = dark + in->hot[y];
        for (uint32_t x = 0; x < W; x++) {
            double sig = glow[x];
            double val = sig + off;
            if (noise) {
                double var = sig * q_scale + e2;
                float z =
                    lscan__synth_bits_normal(lscan__synth_hash(sc->noise_key, (uint64_t)y * W + x));
                val += z * __builtin_sqrt(var);
            }
            int32_t q = val <= 0 ? 0 : val >= 65535.0 ? 65535 : (int32_t)(val + 0.5);
            dst[(size_t)y * W + x] = (uint16_t)q;
        }
    }
    free(b);
    free(save);
    free(glow);
    free(xi);
    free(xf);
    return LSCAN_OK;
}

/* Dead and hot detector rows, chosen by the gain key: dead rows get gain 0,
 * hot rows a dark-current offset of 3-15% of the air level. */
static void bad_rows(const lscan__scene *s, uint32_t flags, float *gain, float *hot)
{
    const lscan__scanner *sc = &s->scanner;
    for (uint32_t y = 0; y < s->height; y++)
        hot[y] = 0;
    if (flags & LSCAN_SYNTH_NO_ROW_GAIN) return;
    for (uint32_t k = 0; k < sc->dead_rows + sc->hot_rows; k++) {
        uint64_t hsh = lscan__synth_hash(sc->gain_key ^ 0xdeadull, k);
        uint32_t y = (uint32_t)((hsh >> 16) % s->height);
        if (k < sc->dead_rows)
            gain[y] = 0.0f;
        else
            hot[y] = (float)(sc->i0 * (0.03 + 0.12 * (double)(hsh & 0xffff) / 65536.0));
    }
}

static void flip_rows(void *data, size_t row_bytes, uint32_t height)
{
    unsigned char *p = data, tmpb[256];
    for (uint32_t y = 0; y < height / 2; y++) {
        unsigned char *a = p + (size_t)y * row_bytes, *b = p + (size_t)(height - 1 - y) * row_bytes;
        for (size_t off = 0; off < row_bytes; off += sizeof tmpb) {
            size_t n = row_bytes - off < sizeof tmpb ? row_bytes - off : sizeof tmpb;
            memcpy(tmpb, a + off, n);
            memcpy(a + off, b + off, n);
            memcpy(b + off, tmpb, n);
        }
    }
}

/* The truth material of a pixel from its reference attenuation per basis:
 * the basis giving at least 80 % of it, NONE below 0.05, MIXED otherwise.
 * Negative contributions (bores, voids) are matter removed: they count
 * against their basis, never below zero. */
static uint8_t truth_material(const double *a)
{
    double total = 0, best = 0;
    int arg = 0;
    for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
        double v = a[c] > 0 ? a[c] : 0;
        total += v;
        if (v > best) best = v, arg = c;
    }
    if (total < 0.05) return LSCAN_MATERIAL_NONE;
    if (best < 0.8 * total) return LSCAN_SYNTH_MATERIAL_MIXED;
    /* Bases and material classes are in the same order (organic, light,
     * iron, lead): class = basis + 1. */
    return (uint8_t)(arg + 1);
}

/* Per-column dose of the low-energy pulses: their own pulse-to-pulse jitter. */
static void dose_low(const lscan__scene *s, uint32_t flags, float *dose)
{
    const lscan__scanner *sc = &s->scanner;
    for (uint32_t x = 0; x < s->width; x++) {
        if (flags & LSCAN_SYNTH_NO_DOSE_JITTER) {
            dose[x] = 1.0f;
            continue;
        }
        double z = lscan__synth_bits_normal(lscan__synth_hash(sc->dose_key_low, x));
        dose[x] = (float)(1.0 + sc->dose_sigma * z);
    }
}

/* One energy's transmissions: the anomaly-free image tb (full) and, over
 * the anomaly's window, tw with the anomaly. */
static int channel_transmission(const lscan__spectrum *sp, const struct poly_tab *pt,
                                float *const *maps, float *const *wmaps, float *const *amaps,
                                uint32_t W, uint32_t H, size_t an, float **tb, float **tw)
{
    *tb = malloc((size_t)W * H * sizeof **tb);
    if (!*tb) return LSCAN_ERR_NO_MEMORY;
    for (uint32_t y = 0; y < H; y++) {
        float *rows[LSCAN__BASIS_COUNT];
        for (int c = 0; c < LSCAN__BASIS_COUNT; c++)
            rows[c] = maps[c] ? maps[c] + (size_t)y * W : NULL;
        poly_transmission(sp, pt, rows, NULL, W, *tb + (size_t)y * W);
    }
    if (an) {
        *tw = malloc(an * sizeof **tw);
        if (!*tw) return LSCAN_ERR_NO_MEMORY;
        poly_transmission(sp, pt, wmaps, amaps, an, *tw);
    }
    return LSCAN_OK;
}

static int render_poly(lscan_ctx *ctx, const lscan__scene *s, const lscan__render_opts *o,
                       lscan_image **image, lscan_synth_truth *t)
{
    uint32_t W = s->width, H = s->height;
    size_t npx = (size_t)W * H;
    const bool dual = s->scanner.dual;
    lscan__grid g;
    int rc = lscan__synth_grid_make(ctx, s, &g);
    if (rc) return rc;
    struct poly_tab *pt = poly_tab_make(&s->scanner.spectrum);
    struct poly_tab *pt_low = dual ? poly_tab_make(&s->scanner.spectrum_low) : NULL;
    float *maps[LSCAN__BASIS_COUNT] = {0}, *wmaps[LSCAN__BASIS_COUNT] = {0},
          *amaps[LSCAN__BASIS_COUNT] = {0};
    float *tb = NULL, *tw = NULL, *a_anom = NULL, *hot = NULL;
    float *tb_low = NULL, *tw_low = NULL, *dose2 = NULL;
    float *gain = malloc((size_t)H * sizeof *gain);
    float *dose = malloc((size_t)W * sizeof *dose);
    hot = malloc((size_t)H * sizeof *hot);
    uint8_t *mask = calloc(npx, 1);
    uint8_t *mat = NULL;
    uint16_t *alt = NULL, *alt_box = NULL;
    struct haze hz = {0}, hz_low = {0};
    lscan_image *img = NULL;
    if (!pt || !gain || !dose || !hot || !mask || (dual && !pt_low)) goto oom;
    if (dual && (!(dose2 = malloc((size_t)W * sizeof *dose2)) || !(mat = malloc(npx)))) goto oom;
    rc = lscan__image_new(ctx, W, H, dual ? 2 : 1, &img);
    if (rc) goto out;
    img->src_bits = 16;
    img->src_channels = dual ? 2 : 1;
    img->src_format = LSCAN_FORMAT_SYNTH;
    img->polarity = LSCAN_POLARITY_TRANSMISSION;
    uint16_t *px = lscan__image_plane_mut(img, 0);
    uint16_t *px_low = dual ? lscan__image_plane_mut(img, 1) : NULL;

    unsigned used = basis_used(&s->base);
    for (int c = 0; c < LSCAN__BASIS_COUNT; c++)
        if (used & (1u << c)) {
            maps[c] = calloc(npx, sizeof *maps[c]);
            if (!maps[c]) goto oom;
        }
    rasterise_basis(&g, &s->base, maps, 0, 0, W, H);
    lscan__synth_gains(s, o->flags, gain, dose);
    bad_rows(s, o->flags, gain, hot);
    if (dual) dose_low(s, o->flags, dose2);

    lscan_box awin = {0, 0, 0, 0};
    bool has_anom =
        !o->omit_anomaly && s->anomaly.n > 0 && lscan__synth_prims_bbox(&g, &s->anomaly, &awin);
    size_t an = 0;
    if (has_anom) {
        awin.x0 = awin.x0 > 2 ? awin.x0 - 2 : 0;
        awin.y0 = awin.y0 > 2 ? awin.y0 - 2 : 0;
        awin.x1 = awin.x1 + 2 < W ? awin.x1 + 2 : W;
        awin.y1 = awin.y1 + 2 < H ? awin.y1 + 2 : H;
        size_t aw = awin.x1 - awin.x0;
        an = aw * (awin.y1 - awin.y0);
        unsigned au = basis_used(&s->anomaly) | used;
        for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
            if (!(au & (1u << c))) continue;
            amaps[c] = calloc(an, sizeof *amaps[c]);
            wmaps[c] = calloc(an, sizeof *wmaps[c]);
            if (!amaps[c] || !wmaps[c]) goto oom;
            if (maps[c])
                for (uint32_t y = awin.y0; y < awin.y1; y++)
                    memcpy(wmaps[c] + (size_t)(y - awin.y0) * aw, maps[c] + (size_t)y * W + awin.x0,
                           aw * sizeof(float));
        }
        rasterise_basis(&g, &s->anomaly, amaps, awin.x0, awin.y0, awin.x1, awin.y1);
    }
    if (dual) {
        /* The truth's material map, from the scene and the anomaly. */
        size_t aw = awin.x1 - awin.x0;
        for (uint32_t y = 0; y < H; y++)
            for (uint32_t x = 0; x < W; x++) {
                double a[LSCAN__BASIS_COUNT];
                bool in = has_anom && x >= awin.x0 && x < awin.x1 && y >= awin.y0 && y < awin.y1;
                size_t k = in ? (size_t)(y - awin.y0) * aw + (x - awin.x0) : 0;
                for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
                    a[c] = maps[c] ? maps[c][(size_t)y * W + x] : 0.0;
                    if (in && amaps[c]) a[c] += amaps[c][k];
                }
                mat[(size_t)y * W + x] = truth_material(a);
            }
    }
    /* Transmissions at each energy, then the maps are no longer needed. */
    if (channel_transmission(&s->scanner.spectrum, pt, maps, wmaps, amaps, W, H, an, &tb, &tw))
        goto oom;
    if (dual && channel_transmission(&s->scanner.spectrum_low, pt_low, maps, wmaps, amaps, W, H, an,
                                     &tb_low, &tw_low))
        goto oom;
    for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
        free(maps[c]);
        maps[c] = NULL;
    }
    if (has_anom && !(a_anom = malloc(an * sizeof *a_anom))) goto oom;
    rc = haze_make(ctx, s, tb, &hz);
    if (!rc && dual) rc = haze_make(ctx, s, tb_low, &hz_low);
    if (rc) goto out;
    struct poly_in fin = {s, &s->scanner, o->flags, tb, tw, awin, &hz, gain, dose, hot};
    rc = finish_poly(ctx, &fin, 0, H, px);
    if (rc) goto out;
    /* The low-energy pulse: its own air level, quanta and noise. */
    lscan__scanner sc_low = s->scanner;
    sc_low.i0 = s->scanner.i0_low;
    sc_low.quanta = s->scanner.quanta_low;
    sc_low.noise_key = s->scanner.noise_key_low;
    struct poly_in fin_low = {s,    &sc_low, o->flags, tb_low, tw_low,
                              awin, &hz_low, gain,     dose2,  hot};
    if (dual) {
        rc = finish_poly(ctx, &fin_low, 0, H, px_low);
        if (rc) goto out;
    }

    memset(&t->bbox, 0, sizeof t->bbox);
    t->difficulty = (float)s->difficulty_target;
    if (has_anom) {
        /* Without the anomaly: rows of the window, whole rows (afterglow
         * carries a change along the scan beyond the window); for a dual
         * scan the mask is where either energy changed. */
        alt = malloc(npx * sizeof *alt);
        if (!alt) goto oom;
        uint32_t bx0 = W, by0 = H, bx1 = 0, by1 = 0;
        if (dual) {
            struct poly_in f1 = fin_low;
            f1.tw = NULL;
            rc = finish_poly(ctx, &f1, awin.y0, awin.y1, alt);
            if (rc) goto out;
            for (uint32_t y = awin.y0; y < awin.y1; y++)
                for (uint32_t x = 0; x < W; x++) {
                    size_t k = (size_t)y * W + x;
                    if (px_low[k] != alt[k]) {
                        mask[k] = 1;
                        bx0 = x < bx0 ? x : bx0, bx1 = x + 1 > bx1 ? x + 1 : bx1;
                        by0 = y < by0 ? y : by0, by1 = y + 1 > by1 ? y + 1 : by1;
                    }
                }
        }
        struct poly_in f0 = fin;
        f0.tw = NULL;
        rc = finish_poly(ctx, &f0, awin.y0, awin.y1, alt);
        if (rc) goto out;
        for (uint32_t y = awin.y0; y < awin.y1; y++)
            for (uint32_t x = 0; x < W; x++) {
                size_t k = (size_t)y * W + x;
                if (px[k] != alt[k]) {
                    mask[k] = 1;
                    bx0 = x < bx0 ? x : bx0, bx1 = x + 1 > bx1 ? x + 1 : bx1;
                    by0 = y < by0 ? y : by0, by1 = y + 1 > by1 ? y + 1 : by1;
                }
            }
        /* Effective attenuations for the difficulty measure: the base from
         * the anomaly-free transmission, the anomaly as the difference. */
        size_t aw = awin.x1 - awin.x0;
        for (uint32_t y = awin.y0; y < awin.y1; y++)
            for (uint32_t x = awin.x0; x < awin.x1; x++) {
                size_t k = (size_t)(y - awin.y0) * aw + (x - awin.x0);
                double t0 = tb[(size_t)y * W + x], t1 = tw[k];
                a_anom[k] = (float)(lscan__synth_log(t0 > 1e-300 ? t0 : 1e-300) -
                                    lscan__synth_log(t1 > 1e-300 ? t1 : 1e-300));
            }
        for (size_t k = 0; k < npx; k++)
            tb[k] = (float)-lscan__synth_log(tb[k] > 1e-30f ? tb[k] : 1e-30f);
        if (bx1 > bx0) {
            t->bbox = (lscan_box){bx0, by0, bx1, by1};
            t->difficulty = measure_difficulty(s, tb, a_anom, awin, mask, t->bbox);
            size_t bw = bx1 - bx0;
            alt_box = malloc(bw * (by1 - by0) * sizeof *alt_box);
            if (!alt_box) goto oom;
            for (uint32_t y = by0; y < by1; y++)
                memcpy(alt_box + (size_t)(y - by0) * bw, alt + (size_t)y * W + bx0,
                       bw * sizeof *alt_box);
        } else {
            t->difficulty = 1.0f;
        }
    }
    if (s->scanner.flip) {
        flip_rows(px, (size_t)W * sizeof *px, H);
        if (px_low) flip_rows(px_low, (size_t)W * sizeof *px_low, H);
        if (mat) flip_rows(mat, W, H);
        flip_rows(mask, W, H);
        flip_rows(gain, sizeof *gain, H);
        if (t->bbox.x1 > t->bbox.x0) {
            uint32_t y0 = H - t->bbox.y1, y1 = H - t->bbox.y0;
            t->bbox.y0 = y0, t->bbox.y1 = y1;
            flip_rows(alt_box, (size_t)(t->bbox.x1 - t->bbox.x0) * sizeof *alt_box,
                      t->bbox.y1 - t->bbox.y0);
        }
    }
    t->alt = alt_box;
    alt_box = NULL;
    t->mask = mask;
    mask = NULL;
    t->materials = mat;
    mat = NULL;
    t->row_gain = gain;
    gain = NULL;
    *image = img;
    img = NULL;
    goto out;
oom:
    rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: cannot allocate a %ux%u scan", W, H);
out:
    lscan__synth_grid_free(&g);
    free(pt);
    free(pt_low);
    for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
        free(maps[c]);
        free(wmaps[c]);
        free(amaps[c]);
    }
    free(tb);
    free(tw);
    free(tb_low);
    free(tw_low);
    free(dose2);
    free(mat);
    free(a_anom);
    free(hz.c);
    free(hz_low.c);
    free(hot);
    free(alt);
    free(alt_box);
    free(gain);
    free(dose);
    free(mask);
    lscan_image_free(img);
    return rc;
}
