/* build.h — shared by the scene builders: draw shorthand, ISO sizes, constructors, cargo area. */
#ifndef LSCAN_SYNTH_BUILD_H
#define LSCAN_SYNTH_BUILD_H

#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Standard ISO 668 / ISO 1496-1 dimensions (mm). */
#define LEN_20FT 6058.0
#define LEN_40FT 12192.0
#define HEIGHT_STD 2591.0
#define HEIGHT_HC 2896.0
#define INNER_WIDTH 2352.0
#define END_DEPTH 80.0  /* end wall + corner post, along x */
#define RAIL_H 160.0    /* bottom side rail height */
#define FLOOR_T 28.0    /* plywood floor */
#define XMEMBER_H 122.0 /* floor cross-member depth */
#define PAYLOAD_20FT 28000.0
#define PAYLOAD_40FT 26500.0

typedef lscan__rng rng_t;
#define U(r) lscan__synth_uniform(r)
#define R(r, a, b) lscan__synth_range(r, a, b)
#define I(r, a, b) lscan__synth_int(r, a, b)
#define P(r, p) lscan__synth_chance(r, p)
#define N(r) lscan__synth_normal(r)

static inline double lerp(double a, double b, double t)
{
    return a + (b - a) * t;
}
static inline double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}
static inline double fmin_(double a, double b)
{
    return a < b ? a : b;
}
static inline double fmax_(double a, double b)
{
    return a > b ? a : b;
}

/* ------------------------------------------------------------------------ */
/* Primitive constructors (append to a list) and load bookkeeping            */
/* ------------------------------------------------------------------------ */

/* Gives the last primitive of l a content texture. */
static inline void textured(lscan__prim_list *l, rng_t *r, double amp, double scale)
{
    uint32_t key = (uint32_t)lscan__synth_rng_next(r);
    if (l->failed || !l->n) return;
    l->v[l->n - 1].tex_amp = (float)amp;
    l->v[l->n - 1].tex_scale = (float)scale;
    l->v[l->n - 1].tex_key = key;
}

static inline void add_box_mod(lscan__prim_list *l, double mu, double x0, double y0, double x1,
                               double y1, double depth, double amp, double period, double phase)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_BOX;
    p.mu = (float)mu;
    p.x0 = (float)x0, p.y0 = (float)y0, p.x1 = (float)x1, p.y1 = (float)y1;
    p.depth = (float)depth;
    p.mod_amp = (float)amp, p.mod_period = (float)period, p.mod_phase = (float)phase;
    lscan__synth_prims_add(l, &p);
}

static inline void add_box_wave(lscan__prim_list *l, double mu, double x0, double y0, double x1,
                                double y1, double depth, int wave, double amp, double period,
                                double phase)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_BOX;
    p.wave = (uint8_t)wave;
    p.mu = (float)mu;
    p.x0 = (float)x0, p.y0 = (float)y0, p.x1 = (float)x1, p.y1 = (float)y1;
    p.depth = (float)depth;
    p.wave_amp = (float)amp, p.wave_period = (float)period, p.wave_phase = (float)phase;
    lscan__synth_prims_add(l, &p);
}

static inline void add_cyl_x(lscan__prim_list *l, double mu, double x0, double x1, double cy,
                             double r, double r_in, int count)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_CYL_X;
    p.mu = (float)mu;
    p.x0 = (float)x0, p.x1 = (float)x1, p.y0 = (float)(cy - r), p.y1 = (float)(cy + r);
    p.cy = (float)cy, p.r = (float)r, p.r_in = (float)r_in;
    p.count = (uint16_t)(count < 1 ? 1 : count);
    lscan__synth_prims_add(l, &p);
}

static inline void add_cyl_y(lscan__prim_list *l, double mu, double cx, double y0, double y1,
                             double r, double r_in, int count)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_CYL_Y;
    p.mu = (float)mu;
    p.x0 = (float)(cx - r), p.x1 = (float)(cx + r), p.y0 = (float)y0, p.y1 = (float)y1;
    p.cx = (float)cx, p.r = (float)r, p.r_in = (float)r_in;
    p.count = (uint16_t)(count < 1 ? 1 : count);
    lscan__synth_prims_add(l, &p);
}

static inline void add_disc(lscan__prim_list *l, double mu, double cx, double cy, double r,
                            double r_in, double depth)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_DISC_Z;
    p.mu = (float)mu;
    p.cx = (float)cx, p.cy = (float)cy, p.r = (float)r, p.r_in = (float)r_in;
    p.x0 = (float)(cx - r), p.x1 = (float)(cx + r), p.y0 = (float)(cy - r), p.y1 = (float)(cy + r);
    p.depth = (float)depth;
    p.count = 1;
    lscan__synth_prims_add(l, &p);
}

static inline void add_ellipsoid(lscan__prim_list *l, double mu, double cx, double cy, double rx,
                                 double ry, double depth, bool flat)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_ELLIPSOID;
    p.mu = (float)mu;
    p.cx = (float)cx, p.cy = (float)cy, p.r = (float)rx, p.ry = (float)ry;
    p.x0 = (float)(cx - rx), p.x1 = (float)(cx + rx), p.y0 = (float)(cy - ry),
    p.y1 = (float)(cy + ry);
    p.depth = (float)depth;
    p.count = 1;
    p.flat = flat;
    lscan__synth_prims_add(l, &p);
}

static inline void add_slot(lscan__scene *s, double x0, double y0, double x1, double y1,
                            double depth, double mu)
{
    if (s->nslots == s->slots_cap) {
        size_t cap = s->slots_cap ? s->slots_cap * 2 : 64;
        lscan__slot *v = realloc(s->slots, cap * sizeof *v);
        if (!v) {
            s->failed = true;
            return;
        }
        s->slots = v;
        s->slots_cap = cap;
    }
    s->slots[s->nslots++] =
        (lscan__slot){(float)x0, (float)y0, (float)x1, (float)y1, (float)depth, (float)mu};
}

static inline void note_load(lscan__scene *s, double x0, double x1, double top)
{
    if (s->load_x1 <= s->load_x0) {
        s->load_x0 = x0, s->load_x1 = x1, s->load_top = top;
        return;
    }
    if (x0 < s->load_x0) s->load_x0 = x0;
    if (x1 > s->load_x1) s->load_x1 = x1;
    if (top < s->load_top) s->load_top = top;
}

/* Constructors that also say the material (so the energy dependence
 * follows it); rho < 0 means the material's solid density. The material is
 * set only when a primitive was actually added. */
static inline double mat_mu(int mat, double rho)
{
    return rho < 0 ? lscan__synth_mu_solid(mat) : lscan__synth_mu(mat, rho);
}

static inline void set_mat(lscan__prim_list *l, size_t before, int mat)
{
    if (!l->failed && l->n > before) l->v[l->n - 1].mat = (uint8_t)(mat + 1);
}

static inline void mbox(lscan__prim_list *l, int mat, double rho, double x0, double y0, double x1,
                        double y1, double depth)
{
    size_t n = l->n;
    lscan__synth_add_box(l, mat_mu(mat, rho), x0, y0, x1, y1, depth);
    set_mat(l, n, mat);
}

static inline void mcyl_x(lscan__prim_list *l, int mat, double rho, double x0, double x1, double cy,
                          double r, double r_in, int count)
{
    size_t n = l->n;
    if (x1 > x0 && r > 0) add_cyl_x(l, mat_mu(mat, rho), x0, x1, cy, r, r_in, count);
    set_mat(l, n, mat);
}

static inline void mcyl_y(lscan__prim_list *l, int mat, double rho, double cx, double y0, double y1,
                          double r, double r_in, int count)
{
    size_t n = l->n;
    if (y1 > y0 && r > 0) add_cyl_y(l, mat_mu(mat, rho), cx, y0, y1, r, r_in, count);
    set_mat(l, n, mat);
}

static inline void mdisc(lscan__prim_list *l, int mat, double rho, double cx, double cy, double r,
                         double r_in, double depth)
{
    size_t n = l->n;
    if (r > 0 && depth > 0) add_disc(l, mat_mu(mat, rho), cx, cy, r, r_in, depth);
    set_mat(l, n, mat);
}

static inline void mell(lscan__prim_list *l, int mat, double rho, double cx, double cy, double rx,
                        double ry, double depth, bool flat)
{
    size_t n = l->n;
    if (rx > 0 && ry > 0 && depth > 0)
        add_ellipsoid(l, mat_mu(mat, rho), cx, cy, rx, ry, depth, flat);
    set_mat(l, n, mat);
}

/* The free space cargo may fill. */
struct area {
    double x0, x1; /* free interior along x */
    double floor;  /* y of the surface cargo rests on */
    double ceil;   /* lowest y cargo may reach (highest point) */
    double depth;  /* interior width along the beam */
};

/* Container and chassis (container.c). */
void lscan__synth_container_classic(lscan__scene *s, rng_t *r);
void lscan__synth_chassis(lscan__scene *s, rng_t *r);
/* Worlds: the interior of build b (sets floor_y, iy0, iy1, ix0, ix1,
 * inner_width from the outer box and door side), and the container. */
void lscan__synth_container_interior(lscan__scene *s, const lscan__build *b);
void lscan__synth_container_build(lscan__scene *s, rng_t *r, const lscan__build *b);

/* Cargo (cargo.c): the clean load of class `cls` (an lscan_class below 16),
 * and the loads that anomalous masses are hidden in. */
void lscan__synth_release_cargo(lscan__scene *s, rng_t *r, int cls, const struct area *a, double t,
                                double payload);
void lscan__synth_load_pallets(lscan__scene *s, rng_t *r, const struct area *a, double t,
                               bool mixed_sku);
void lscan__synth_load_bags(lscan__scene *s, rng_t *r, const struct area *a, double t);
void lscan__synth_load_bulk(lscan__scene *s, rng_t *r, const struct area *a, double t,
                            double payload);
/* Worlds: the clean load of commodity `c` (sets s->cspec, s->commodity and
 * the subclass). */
void lscan__synth_load_commodity(lscan__scene *s, rng_t *r, const struct area *a, double t,
                                 double payload, int commodity);
/* Worlds: draws a commodity of class `cls` (an lscan_class below 16) for a
 * container of build kind `kind` (lscan__build_kind): its index. With
 * `regular`, only loads of regular units (for an anomalous mass). */
int lscan__synth_draw_commodity(rng_t *r, int cls, int kind, bool regular);

#endif
