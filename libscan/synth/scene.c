/* scene.c — lays out one scan in millimetres: scanner, container, chassis, cargo of each class, the anomaly. */
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
#define END_DEPTH 80.0   /* end wall + corner post, along x */
#define RAIL_H 160.0     /* bottom side rail height */
#define FLOOR_T 28.0     /* plywood floor */
#define XMEMBER_H 122.0  /* floor cross-member depth */
#define PAYLOAD_20FT 28000.0
#define PAYLOAD_40FT 26500.0

typedef lscan__rng rng_t;
#define U(r) lscan__synth_uniform(r)
#define R(r, a, b) lscan__synth_range(r, a, b)
#define I(r, a, b) lscan__synth_int(r, a, b)
#define P(r, p) lscan__synth_chance(r, p)
#define N(r) lscan__synth_normal(r)

static double lerp(double a, double b, double t) { return a + (b - a) * t; }
static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ------------------------------------------------------------------------ */
/* Primitive lists                                                           */
/* ------------------------------------------------------------------------ */

void lscan__synth_prims_free(lscan__prim_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

void lscan__synth_prims_add(lscan__prim_list *l, const lscan__prim *p)
{
    if (l->failed) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        lscan__prim *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->failed = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *p;
}

void lscan__synth_add_box(lscan__prim_list *l, double mu, double x0, double y0, double x1,
                          double y1, double depth)
{
    if (x1 <= x0 || y1 <= y0 || depth == 0 || mu == 0) return;
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_BOX;
    p.mu = (float)mu;
    p.x0 = (float)x0, p.y0 = (float)y0, p.x1 = (float)x1, p.y1 = (float)y1;
    p.depth = (float)depth;
    lscan__synth_prims_add(l, &p);
}

/* Gives the last primitive of l a content texture. */
static void textured(lscan__prim_list *l, rng_t *r, double amp, double scale)
{
    uint32_t key = (uint32_t)lscan__synth_rng_next(r);
    if (l->failed || !l->n) return;
    l->v[l->n - 1].tex_amp = (float)amp;
    l->v[l->n - 1].tex_scale = (float)scale;
    l->v[l->n - 1].tex_key = key;
}

static void add_box_mod(lscan__prim_list *l, double mu, double x0, double y0, double x1, double y1,
                        double depth, double amp, double period, double phase)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_BOX;
    p.mu = (float)mu;
    p.x0 = (float)x0, p.y0 = (float)y0, p.x1 = (float)x1, p.y1 = (float)y1;
    p.depth = (float)depth;
    p.mod_amp = (float)amp, p.mod_period = (float)period, p.mod_phase = (float)phase;
    lscan__synth_prims_add(l, &p);
}

static void add_box_wave(lscan__prim_list *l, double mu, double x0, double y0, double x1, double y1,
                         double depth, int wave, double amp, double period, double phase)
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

static void add_cyl_x(lscan__prim_list *l, double mu, double x0, double x1, double cy, double r,
                      double r_in, int count)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_CYL_X;
    p.mu = (float)mu;
    p.x0 = (float)x0, p.x1 = (float)x1, p.y0 = (float)(cy - r), p.y1 = (float)(cy + r);
    p.cy = (float)cy, p.r = (float)r, p.r_in = (float)r_in;
    p.count = (uint16_t)(count < 1 ? 1 : count);
    lscan__synth_prims_add(l, &p);
}

static void add_cyl_y(lscan__prim_list *l, double mu, double cx, double y0, double y1, double r,
                      double r_in, int count)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_CYL_Y;
    p.mu = (float)mu;
    p.x0 = (float)(cx - r), p.x1 = (float)(cx + r), p.y0 = (float)y0, p.y1 = (float)y1;
    p.cx = (float)cx, p.r = (float)r, p.r_in = (float)r_in;
    p.count = (uint16_t)(count < 1 ? 1 : count);
    lscan__synth_prims_add(l, &p);
}

static void add_disc(lscan__prim_list *l, double mu, double cx, double cy, double r, double r_in,
                     double depth)
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

static void add_ellipsoid(lscan__prim_list *l, double mu, double cx, double cy, double rx,
                          double ry, double depth, bool flat)
{
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_ELLIPSOID;
    p.mu = (float)mu;
    p.cx = (float)cx, p.cy = (float)cy, p.r = (float)rx, p.ry = (float)ry;
    p.x0 = (float)(cx - rx), p.x1 = (float)(cx + rx), p.y0 = (float)(cy - ry), p.y1 = (float)(cy + ry);
    p.depth = (float)depth;
    p.count = 1;
    p.flat = flat;
    lscan__synth_prims_add(l, &p);
}

static void add_slot(lscan__scene *s, double x0, double y0, double x1, double y1, double depth,
                     double mu)
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
    s->slots[s->nslots++] = (lscan__slot){(float)x0, (float)y0, (float)x1, (float)y1,
                                          (float)depth, (float)mu};
}

static void note_load(lscan__scene *s, double x0, double x1, double top)
{
    if (s->load_x1 <= s->load_x0) {
        s->load_x0 = x0, s->load_x1 = x1, s->load_top = top;
        return;
    }
    if (x0 < s->load_x0) s->load_x0 = x0;
    if (x1 > s->load_x1) s->load_x1 = x1;
    if (top < s->load_top) s->load_top = top;
}

/* ------------------------------------------------------------------------ */
/* The plan: everything the label stream decides                             */
/* ------------------------------------------------------------------------ */

enum hidden_kind { HC_FRONT_WALL, HC_DOOR_WALL, HC_DOUBLE_FLOOR, HC_CEILING };

struct plan {
    int size;          /* 20FT / 40FT */
    bool hires;
    int cls;
    double t;          /* difficulty target */
    int hidden;        /* enum hidden_kind for HIDDEN_COMPARTMENT */
    double cavity;     /* its depth, mm */
    int base_kind;     /* for ANOMALOUS_MASS: 0 pallets, 1 bags, 2 bulk */
};

static int draw_class(rng_t *r, const lscan_synth_params *p)
{
    bool inspect = lscan__synth_uniform(r) < p->inspect_fraction;
    const float *w = inspect ? p->inspect_weight : p->release_weight;
    int n = inspect ? LSCAN_SYNTH_INSPECT_CLASSES : LSCAN_SYNTH_RELEASE_CLASSES;
    double total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    if (total <= 0) { /* this side has no weight: the other side must (validated) */
        inspect = !inspect;
        w = inspect ? p->inspect_weight : p->release_weight;
        n = inspect ? LSCAN_SYNTH_INSPECT_CLASSES : LSCAN_SYNTH_RELEASE_CLASSES;
        total = 0;
        for (int i = 0; i < n; i++) total += w[i];
    }
    double u = lscan__synth_uniform(r) * total;
    int k = n - 1;
    for (int i = 0; i < n; i++) {
        if (u < w[i]) {
            k = i;
            break;
        }
        u -= w[i];
    }
    while (w[k] <= 0 && k > 0) k--; /* rounding at the top end */
    return inspect ? LSCAN_CLASS_DENSE_OBJECT + k : k;
}

static void make_plan(rng_t *r, const lscan_synth_params *p, struct plan *pl)
{
    memset(pl, 0, sizeof *pl);
    uint32_t size = p->container;
    if (size == LSCAN_SYNTH_MIXED) {
        double u = U(r);
        size = u < 0.40 ? LSCAN_SYNTH_20FT : u < 0.85 ? LSCAN_SYNTH_40FT : LSCAN_SYNTH_HIRES;
    }
    pl->hires = size == LSCAN_SYNTH_HIRES;
    if (pl->hires) size = P(r, 0.5) ? LSCAN_SYNTH_20FT : LSCAN_SYNTH_40FT;
    pl->size = (int)size;
    pl->cls = p->cls >= 0 ? p->cls : draw_class(r, p);
    pl->t = R(r, p->difficulty_min, p->difficulty_max);
    if (p->difficulty_max <= p->difficulty_min) pl->t = p->difficulty_min;
    pl->hidden = I(r, 0, 3);
    if (pl->hidden == HC_CEILING && P(r, 0.5)) pl->hidden = HC_FRONT_WALL; /* rarer */
    pl->cavity = lerp(1000.0, 120.0, pl->t) * R(r, 0.8, 1.2);
    if (pl->hidden == HC_DOUBLE_FLOOR || pl->hidden == HC_CEILING)
        pl->cavity = lerp(300.0, 80.0, pl->t) * R(r, 0.85, 1.15);
    pl->base_kind = I(r, 0, 2);
}

/* ------------------------------------------------------------------------ */
/* Scanner                                                                    */
/* ------------------------------------------------------------------------ */

static void make_scanner(rng_t *r, lscan__scanner *sc)
{
    sc->i0 = R(r, 50000, 62000);
    sc->quanta = R(r, 6000, 40000);
    sc->floor_a = R(r, 8.5, 10.0);
    sc->floor_level = sc->i0 * lscan__synth_exp(-sc->floor_a);
    sc->floor_sigma = sc->floor_level * R(r, 0.25, 0.5) + 0.8;
    sc->gain_sigma = R(r, 0.0015, 0.006);
    sc->module_sigma = R(r, 0.002, 0.008);
    sc->module_rows = P(r, 0.5) ? 16 : 32;
    sc->dose_sigma = R(r, 0.002, 0.010);
    sc->blur = R(r, 0.12, 0.24);
    sc->speed_amp = R(r, -0.12, 0.12);
    sc->speed_phase = R(r, 0.2, 0.8);
    sc->speed_period = 0;
    sc->noise_key = lscan__synth_rng_next(r);
    sc->gain_key = lscan__synth_rng_next(r);
}

/* ------------------------------------------------------------------------ */
/* Container and chassis                                                     */
/* ------------------------------------------------------------------------ */

/* Boxes at one end of the container, given as distances a..b inwards
 * from the outer face `xo` (mirrored for the right end). */
static void ebox(lscan__prim_list *l, bool left, double xo, double mu, double a, double b, double y0,
                 double y1, double depth)
{
    double x0 = left ? xo + a : xo - b, x1 = left ? xo + b : xo - a;
    lscan__synth_add_box(l, mu, x0, y0, x1, y1, depth);
}

static void ebox_wave(lscan__prim_list *l, bool left, double xo, double mu, double a, double b,
                      double y0, double y1, double depth, int wave, double amp, double period,
                      double phase)
{
    double x0 = left ? xo + a : xo - b, x1 = left ? xo + b : xo - a;
    add_box_wave(l, mu, x0, y0, x1, y1, depth, wave, amp, period, phase);
}

static void build_end(lscan__scene *s, rng_t *r, bool left, bool door, double smear_top)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double W = s->inner_width;
    double xo = left ? s->cx0 : s->cx1;          /* outer face */
    double dir = left ? 1.0 : -1.0;              /* inwards */
    double top = s->cy0, bot = s->cy1;
    /* Corner posts, near and far side: perpendicular walls give a moderate
     * band, the walls parallel to the beam two dark lines. */
    ebox(l, left, xo, mu_s, 0, 150, top, bot, 2 * 2 * 6.0);
    ebox(l, left, xo, mu_s, 0, 6, top, bot, 2 * 110.0);
    ebox(l, left, xo, mu_s, 144, 150, top, bot, 2 * 60.0);
    /* Corner castings (hollow cast steel blocks). */
    ebox(l, left, xo, mu_s, 0, 178, top, top + 118, 2 * 55.0);
    ebox(l, left, xo, mu_s, 0, 178, bot - 118, bot, 2 * 55.0);
    /* Header and sill: tubes across the width, seen lengthwise. */
    ebox(l, left, xo, mu_s, 0, 120, top, top + (door ? 110 : 90), 6.0 * 2 + 0.05 * W);
    ebox(l, left, xo, mu_s, 0, 140, bot - (door ? 140 : 110), bot, 8.0 * 2 + 0.06 * W);
    ebox(l, left, xo, mu_s, 0, 5, top, top + 100, W);
    double wall_y0 = top + (door ? 110 : 90), wall_y1 = bot - (door ? 140 : 110);
    if (!door) {
        /* Front wall: 2 mm corrugated sheet; the flats parallel to the beam
         * give thin dark lines, the webs a lighter band between them. */
        double t = R(r, 1.8, 2.0), cd = 36.0, x_in = 60.0;
        double ph = R(r, 0, 230);
        ebox_wave(l, left, xo, mu_s, x_in - cd, x_in - cd + t, wall_y0, wall_y1, W * 0.45,
                     LSCAN__WAVE_X_BY_Y, 2.0, 230.0, ph);
        ebox_wave(l, left, xo, mu_s, x_in - t, x_in, wall_y0, wall_y1, W * 0.45,
                     LSCAN__WAVE_X_BY_Y, 2.0, 230.0, ph + 115);
        ebox(l, left, xo, mu_s, x_in - cd, x_in, wall_y0, wall_y1, t * 10.0);
    } else {
        /* Doors: two leaves of corrugated sheet in a tube frame, four
         * locking bars, hinges, cam keepers and the gasket. */
        double t = R(r, 1.8, 2.0);
        ebox(l, left, xo, mu_s, 40, 40 + t, wall_y0, wall_y1, W * 0.5);
        ebox(l, left, xo, mu_s, 40, 76, wall_y0, wall_y1, t * 9.0);
        ebox(l, left, xo, mu_s, 20, 26, wall_y0, wall_y1, W * 0.12); /* door frames */
        double bar_x = left ? xo + 12 : xo - 12;
        add_cyl_y(l, mu_s, bar_x, wall_y0 - 40, wall_y1 + 40, 15.0, 0.0, 4);
        for (int k = 0; k < 4; k++) {
            double hy = lerp(wall_y0 + 200, wall_y1 - 200, k / 3.0);
            ebox(l, left, xo, mu_s, 0, 60, hy - 40, hy + 40, 2 * 2 * 25.0); /* hinges */
        }
        for (int k = 0; k < 2; k++) {
            double hy = k == 0 ? wall_y0 + 30 : wall_y1 - 30;
            ebox(l, left, xo, mu_s, 0, 45, hy - 35, hy + 35, 4 * 40.0); /* cam keepers */
        }
        double hy = lerp(wall_y0, wall_y1, R(r, 0.45, 0.55));
        ebox(l, left, xo, mu_s, 0, 35, hy - 60, hy + 60, 4 * 12.0); /* handles */
        ebox(l, left, xo, lscan__synth_mu_solid(LSCAN__MAT_RUBBER), 76, 90, wall_y0, wall_y1,
             W * 0.15); /* gasket */
    }
    (void)dir;
    (void)smear_top;
}

static void build_container(lscan__scene *s, rng_t *r)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double mu_w = lscan__synth_mu(LSCAN__MAT_WOOD, R(r, 0.62, 0.75));
    double W = s->inner_width;
    double x0 = s->cx0, x1 = s->cx1, top = s->cy0, bot = s->cy1;
    /* A vertical fan beam sees the near and far halves of horizontal
     * members at different heights: the roof and floor look doubled or
     * smeared. The offsets grow with the distance from the source height. */
    double smear_top = R(r, 8, 110), smear_bot = R(r, 4, 45);
    /* Side walls: two 1.6-2.0 mm corrugated sheets; the beam crosses the
     * slanted webs obliquely (1/cos ~55 deg = 1.74x path). */
    double tside = R(r, 1.6, 2.0);
    double period = R(r, 270, 285), phase = R(r, 0, period);
    add_box_mod(l, mu_s, x0 + 60, top + 40, x1 - 60, bot - RAIL_H, 2 * tside, 0.74, period, phase);
    /* Top side rails (60x60x4 tubes), near and far at different heights. */
    for (int k = 0; k < 2; k++) {
        double y = top + k * smear_top * 0.5;
        lscan__synth_add_box(l, mu_s, x0, y, x1, y + 60, 2 * 4.0);
        lscan__synth_add_box(l, mu_s, x0, y, x1, y + 4, 60.0);
        lscan__synth_add_box(l, mu_s, x0, y + 56, x1, y + 60, 60.0);
    }
    /* Roof: 2 mm sheet, shallow transverse corrugation, smeared by the fan
     * beam (area-integrated attenuation conserved). */
    double troof = R(r, 1.8, 2.1);
    double rh = troof + smear_top;
    double roof_period = R(r, 180, 240), roof_phase = R(r, 0, 200);
    add_box_wave(l, mu_s, x0 + 40, top + 22, x1 - 40, top + 22 + rh, W * troof / rh,
                 LSCAN__WAVE_Y_BY_X, 8.0, roof_period, roof_phase);
    /* Floor: 28 mm plywood seen edge-on across the full width. */
    double fy = s->floor_y, fh = FLOOR_T + smear_bot;
    lscan__synth_add_box(l, mu_w, x0 + 60, fy, x1 - 60, fy + fh, W * FLOOR_T / fh);
    /* Floor cross-members: C-channels across the width every ~300 mm; their
     * webs and flanges run along the beam and show as a dark comb. */
    double pitch = R(r, 280, 320), cx = x0 + 150 + R(r, 0, 60);
    double xm_y0 = fy + FLOOR_T, xm_y1 = xm_y0 + XMEMBER_H;
    double tweb = R(r, 4.0, 4.5);
    while (cx < x1 - 200) {
        lscan__synth_add_box(l, mu_s, cx, xm_y0 + 4.5, cx + tweb, xm_y1 - 4.5, W);
        lscan__synth_add_box(l, mu_s, cx, xm_y0, cx + 45, xm_y0 + 4.5, W);
        lscan__synth_add_box(l, mu_s, cx, xm_y1 - 4.5, cx + 45, xm_y1, W);
        cx += pitch * R(r, 0.97, 1.03);
    }
    /* Bottom side rails (C-section 160 mm, 4.5 mm), near and far offset. */
    for (int k = 0; k < 2; k++) {
        double y1 = bot - k * smear_bot * 0.5;
        lscan__synth_add_box(l, mu_s, x0, y1 - RAIL_H, x1, y1, 4.5);
        lscan__synth_add_box(l, mu_s, x0, y1 - RAIL_H, x1, y1 - RAIL_H + 4.5, 50.0);
        lscan__synth_add_box(l, mu_s, x0, y1 - 4.5, x1, y1, 50.0);
    }
    /* Forklift pockets on some 20 ft containers. */
    if (s->container == LSCAN_SYNTH_20FT && P(r, 0.4)) {
        double mid = (x0 + x1) * 0.5;
        for (int k = -1; k <= 1; k += 2) {
            double px = mid + k * 1025;
            lscan__synth_add_box(l, mu_s, px - 180, bot - 115, px - 174, bot, W);
            lscan__synth_add_box(l, mu_s, px + 174, bot - 115, px + 180, bot, W);
            lscan__synth_add_box(l, mu_s, px - 180, bot - 115, px + 180, bot - 109, W);
        }
    }
    build_end(s, r, true, s->door_left, smear_top);
    build_end(s, r, false, !s->door_left, smear_top);
}

static void build_chassis(lscan__scene *s, rng_t *r)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double mu_rub = lscan__synth_mu_solid(LSCAN__MAT_RUBBER);
    double y0 = s->cy1;                      /* container underside */
    double ground = s->height_mm - R(r, 30, 150);
    double beam_h = R(r, 280, 420);
    /* The trailer runs a little past the container at the rear (door end
     * usually) and to the kingpin at the front. */
    bool rear_right = !s->door_left;
    double cx0 = s->cx0 - (rear_right ? 300 : 600), cx1 = s->cx1 + (rear_right ? 600 : 300);
    cx0 = cx0 < 50 ? 50 : cx0;
    cx1 = cx1 > s->width_mm - 50 ? s->width_mm - 50 : cx1;
    /* Two main I-beams: webs crossed perpendicularly, flanges lengthwise. */
    double tw = R(r, 6, 9), tf = R(r, 10, 16), fw = R(r, 120, 160);
    lscan__synth_add_box(l, mu_s, cx0, y0, cx1, y0 + beam_h, 2 * tw);
    lscan__synth_add_box(l, mu_s, cx0, y0, cx1, y0 + tf, 2 * fw);
    lscan__synth_add_box(l, mu_s, cx0, y0 + beam_h - tf, cx1, y0 + beam_h, 2 * fw);
    /* Cross tubes. */
    for (double x = cx0 + 300; x < cx1 - 200; x += R(r, 550, 750)) {
        lscan__synth_add_box(l, mu_s, x, y0 + 40, x + 5, y0 + 140, 2000);
        lscan__synth_add_box(l, mu_s, x + 95, y0 + 40, x + 100, y0 + 140, 2000);
        lscan__synth_add_box(l, mu_s, x, y0 + 40, x + 100, y0 + 140, 10);
    }
    /* Axle group near the rear: 2 or 3 axles, dual tyres both sides. */
    /* 20 ft skeletal chassis: tandem axles close to the rear; 40 ft: two or three. */
    bool short_chassis = s->container == LSCAN_SYNTH_20FT;
    int axles = short_chassis ? 2 : I(r, 2, 3);
    double spacing = R(r, 1300, 1360), rt = R(r, 500, 540), rrim = R(r, 280, 300);
    double cy = ground - rt;
    double off = short_chassis ? R(r, 650, 1000) : R(r, 900, 1800);
    double first = rear_right ? cx1 - off : cx0 + off;
    for (int a = 0; a < axles; a++) {
        double ax = rear_right ? first - a * spacing : first + a * spacing;
        add_disc(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.35), ax, cy, rt, rrim, 4 * 2 * 20.0); /* sidewalls, steel cords */
        add_disc(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.6), ax, cy, rt, rt - 22, 4 * 270.0); /* treads */
        add_disc(l, mu_s, ax, cy, rrim, rrim - 8, 4 * 220.0);                /* rim barrels */
        add_disc(l, mu_s, ax, cy, rrim - 8, 0, 4 * 10.0);                    /* wheel discs */
        add_disc(l, mu_s, ax, cy, 170, 0, 2 * 120.0);                        /* hubs, drums */
        add_disc(l, mu_s, ax, cy, 64, 52, 1900.0);                           /* axle tube */
        /* Suspension: spring/air bag hangers to the beam. */
        lscan__synth_add_box(l, mu_s, ax - 60, y0 + beam_h, ax + 60, cy - 60, 2 * 30.0);
        lscan__synth_add_box(l, mu_rub, ax - 160, y0 + beam_h, ax - 80, cy - 120, 2 * 200.0);
    }
    /* Landing legs at the front. */
    double lo = short_chassis ? R(r, 800, 1200) : R(r, 1800, 2400);
    double lx = rear_right ? cx0 + lo : cx1 - lo;
    double ly1 = ground - R(r, 150, 350);
    lscan__synth_add_box(l, mu_s, lx - 50, y0 + beam_h, lx + 50, ly1, 2 * 2 * 6.0);
    lscan__synth_add_box(l, mu_s, lx - 50, y0 + beam_h, lx - 44, ly1, 2 * 100.0);
    lscan__synth_add_box(l, mu_s, lx + 44, y0 + beam_h, lx + 50, ly1, 2 * 100.0);
    lscan__synth_add_box(l, mu_s, lx - 110, ly1, lx + 110, ly1 + 20, 2 * 200.0);
    /* Rear underride guard and light bar. */
    double gx = rear_right ? cx1 - 80 : cx0;
    lscan__synth_add_box(l, mu_s, gx, y0 + beam_h, gx + 80, ground - 450, 2 * 2 * 5.0);
    lscan__synth_add_box(l, mu_s, gx, ground - 550, gx + 80, ground - 450, 2400 * 0.05);
}

/* ------------------------------------------------------------------------ */
/* Cargo                                                                      */
/* ------------------------------------------------------------------------ */

struct area {
    double x0, x1;  /* free interior along x */
    double floor;   /* y of the surface cargo rests on */
    double ceil;    /* lowest y cargo may reach (highest point) */
    double depth;   /* interior width along the beam */
};

/* A wooden pallet base (deck boards, blocks) across [x0,x1], `n` pallets
 * side by side across the beam. Returns its top. */
static double pallet_base(lscan__scene *s, rng_t *r, double x0, double x1, double floor, double d)
{
    lscan__prim_list *l = &s->base;
    double mu = lscan__synth_mu(LSCAN__MAT_WOOD, R(r, 0.5, 0.65));
    double h = R(r, 138, 150);
    lscan__synth_add_box(l, mu, x0, floor - h, x1, floor - h + 22, d * R(r, 0.6, 0.8));
    lscan__synth_add_box(l, mu, x0, floor - 22, x1, floor, d * R(r, 0.35, 0.5));
    double bw = 100;
    double xs[3] = {x0, (x0 + x1) * 0.5 - bw * 0.5, x1 - bw};
    for (int k = 0; k < 3; k++)
        lscan__synth_add_box(l, mu, xs[k], floor - h + 22, xs[k] + bw, floor - 22, d * 0.27);
    return floor - h;
}

/* Cartons of goods as a grid of cells with small density scatter and
 * faint cardboard walls. Registers the unit as a slot. */
static void carton_block(lscan__scene *s, rng_t *r, int mat, double rho, double scatter, double x0,
                         double y0, double x1, double y1, double d, bool slot)
{
    lscan__prim_list *l = &s->base;
    int nx = I(r, 1, 4), ny = I(r, 2, 7);
    double cw = (x1 - x0) / nx, ch = (y1 - y0) / ny;
    double mu0 = lscan__synth_mu(mat, rho);
    /* Contents differ in grain: powders are smooth, packs and parts lumpy. */
    double tex_amp = R(r, 0.05, 0.3), tex_scale = R(r, 15, 120);
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            double f = 1.0 + scatter * N(r);
            lscan__synth_add_box(l, mu0 * f, x0 + i * cw, y0 + j * ch, x0 + (i + 1) * cw,
                                 y0 + (j + 1) * ch, d);
            textured(l, r, tex_amp, tex_scale);
        }
    double mu_b = lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.7);
    double align = R(r, 0.08, 0.35); /* cartons across the beam line up only partly */
    for (int i = 0; i <= nx; i++) {
        double x = x0 + i * cw;
        lscan__synth_add_box(l, mu_b, x - 2.5, y0, x + 2.5, y1, d * align);
    }
    for (int j = 0; j <= ny; j++) {
        double y = y0 + j * ch;
        lscan__synth_add_box(l, mu_b, x0, y - 2.5, x1, y + 2.5, d * align);
    }
    if (slot) add_slot(s, x0, y0, x1, y1, d, mu0);
    s->cargo_mass_kg += rho * (x1 - x0) * (y1 - y0) * d * 1e-6;
}

/* Goods on a pallet: cartons, or bottles/cans (rows of vertical cylinders). */
static void pallet_goods(lscan__scene *s, rng_t *r, int kind, int mat, double rho, double scatter,
                         double x0, double y0, double x1, double y1, double d)
{
    lscan__prim_list *l = &s->base;
    if (kind == 1) { /* bottles in cartons: glass + liquid, visible as vertical bands */
        double rb = R(r, 30, 45);
        int layers = (int)((y1 - y0) / R(r, 250, 330));
        if (layers < 1) layers = 1;
        double lh = (y1 - y0) / layers;
        double mu_g = lscan__synth_mu_solid(LSCAN__MAT_GLASS);
        double mu_l = lscan__synth_mu(LSCAN__MAT_WATER, R(r, 0.95, 1.05));
        int across = (int)(d / (2 * rb + 8));
        for (int j = 0; j < layers; j++) {
            double ly0 = y0 + j * lh + 10, ly1 = y0 + (j + 1) * lh - 10;
            for (double cx = x0 + rb + 4; cx + rb < x1; cx += 2 * rb + 6) {
                add_cyl_y(l, mu_g, cx, ly0, ly1, rb, rb - 3.5, across);
                add_cyl_y(l, mu_l, cx, ly0 + (ly1 - ly0) * 0.2, ly1, rb - 3.5, 0, across);
            }
        }
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.7), x0, y0, x1, y1, 10.0);
        add_slot(s, x0, y0, x1, y1, d, lscan__synth_mu(LSCAN__MAT_WATER, 0.55));
        s->cargo_mass_kg += 0.55 * (x1 - x0) * (y1 - y0) * d * 1e-6;
        return;
    }
    carton_block(s, r, mat, rho, scatter, x0, y0, x1, y1, d, true);
}

static void load_pallets(lscan__scene *s, rng_t *r, const struct area *a, double t, bool mixed_sku)
{
    /* One product: goods density and packaging are the same on every pallet. */
    static const int mats[] = {LSCAN__MAT_ORGANIC, LSCAN__MAT_PLASTIC, LSCAN__MAT_ORGANIC,
                               LSCAN__MAT_WATER, LSCAN__MAT_ORGANIC};
    int mat = mats[I(r, 0, 4)];
    double rho = R(r, 0.12, 0.65);
    int kind = P(r, 0.2) ? 1 : 0;
    double plen = P(r, 0.5) ? 1200 : (P(r, 0.5) ? 1000 : 1140);
    int across = (int)(a->depth / (plen == 1200 ? 1000 : 1200));
    if (across < 1) across = 1;
    double d = across * (plen == 1200 ? 1000 : 1200) * R(r, 0.92, 0.99);
    double fill = P(r, 0.65) ? 1.0 : R(r, 0.35, 0.95);
    double x = a->x0 + R(r, 0, 60);
    double xend = a->x0 + (a->x1 - a->x0) * fill;
    bool stack2 = P(r, 0.45);
    double hmax = a->floor - a->ceil;
    double gh = stack2 ? R(r, 700, hmax / 2 - 160) : R(r, 900, hmax - 200);
    if (gh < 300) gh = 300;
    double scatter = lerp(0.02, 0.06, t);
    double sku_f = mixed_sku ? R(r, 0.85, 1.15) : 1.0;
    int n = 0;
    while (x + plen <= xend + 1) {
        double rho_p = rho * (1.0 + lerp(0.01, 0.06, t) * N(r));
        if (mixed_sku && (n / 4) % 2 == 1) rho_p *= sku_f;
        double top = pallet_base(s, r, x, x + plen, a->floor, d);
        double h = gh * R(r, 0.9, 1.0);
        pallet_goods(s, r, kind, mat, rho_p, scatter, x + 10, top - h, x + plen - 10, top, d);
        double ytop = top - h;
        if (stack2 && P(r, 0.9)) {
            double top2 = pallet_base(s, r, x, x + plen, ytop, d);
            double h2 = gh * R(r, 0.75, 1.0);
            pallet_goods(s, r, kind, mat, rho_p * R(r, 0.98, 1.02), scatter, x + 10, top2 - h2,
                         x + plen - 10, top2, d);
            ytop = top2 - h2;
        }
        note_load(s, x, x + plen, ytop);
        x += plen + R(r, 5, 40);
        n++;
    }
    s->cargo_mu_typical = lscan__synth_mu(mat, rho) * d;
}

static void load_bags(lscan__scene *s, rng_t *r, const struct area *a, double t)
{
    lscan__prim_list *l = &s->base;
    int mat = P(r, 0.7) ? LSCAN__MAT_ORGANIC : LSCAN__MAT_PLASTIC;
    double rho = R(r, 0.45, 0.75); /* inside the sack */
    double len = R(r, 700, 950), wid = R(r, 420, 560), th = R(r, 130, 190);
    double fill = P(r, 0.6) ? 1.0 : R(r, 0.4, 0.95);
    double xend = a->x0 + (a->x1 - a->x0) * fill;
    double hmax = (a->floor - a->ceil) * R(r, 0.55, 0.95);
    int layers = (int)(hmax / (th * 0.9));
    double mu = lscan__synth_mu(mat, rho);
    for (int j = 0; j < layers; j++) {
        bool along = (j % 2) == 0;
        double lx = along ? len : wid, lz = along ? wid : len;
        int across = (int)(a->depth / lz);
        double cy = a->floor - th * 0.5 - j * th * 0.88;
        double off = R(r, 0, lx * 0.5);
        for (double x = a->x0 + off * (j % 2); x + lx <= xend; x += lx * R(r, 0.97, 1.03)) {
            /* Each sack across the beam sits a little differently, so the
             * projected outlines overlap and blur like real stacks. */
            for (int k = 0; k < across; k++) {
                double f = 1.0 + lerp(0.02, 0.05, t) * N(r);
                double ex = x + lx * 0.5 + R(r, -0.12, 0.12) * lx;
                double ey = cy + R(r, -0.15, 0.15) * th;
                double erx = lx * R(r, 0.5, 0.58);
                double ery = th * R(r, 0.55, 0.7);
                add_ellipsoid(l, mu * f, ex, ey, erx, ery, lz * 1.1, true);
            }
            add_slot(s, x, cy - th * 0.5, x + lx, cy + th * 0.5, lz * across, mu * 0.8);
            s->cargo_mass_kg += rho * lx * th * lz * across * 0.8e-6;
        }
    }
    note_load(s, a->x0, xend, a->floor - layers * th * 0.88);
    s->cargo_mu_typical = mu * a->depth * 0.8;
}

static void load_drums(lscan__scene *s, rng_t *r, const struct area *a, double t)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    bool ibc = P(r, 0.35);
    /* Four full drums (or two IBCs) across the beam hold ~2 m of liquid:
     * lighter liquids keep that penetrable (A <= ~7). */
    double rho = R(r, 0.7, 0.95);
    double mu_l = lscan__synth_mu(LSCAN__MAT_WATER, rho);
    double fill = P(r, 0.5) ? 1.0 : R(r, 0.4, 0.95);
    double xend = a->x0 + (a->x1 - a->x0) * fill;
    double x = a->x0 + R(r, 0, 40);
    bool two_high = !ibc && (a->floor - a->ceil) > 2100 && P(r, 0.5);
    while (x + (ibc ? 1200 : 1200) <= xend) {
        double top = pallet_base(s, r, x, x + 1200, a->floor, a->depth * 0.95);
        if (ibc) {
            /* 1000 L IBC: HDPE tank in a welded tube cage. */
            double h = 1000, y0 = top - h;
            double lvl = R(r, 0.85, 0.97);
            lvl *= 1.0 + 0.02 * t * N(r);
            lscan__synth_add_box(l, mu_l, x + 30, y0 + h * (1 - lvl), x + 1170, top - 10, 2 * 980.0);
            lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_PLASTIC), x + 25, y0, x + 1175,
                                 top, 2 * 2 * 2.0);
            for (double cx = x + 20; cx < x + 1190; cx += 165)
                add_cyl_y(l, mu_s, cx, y0 - 40, top, 11, 9, 2 * 2);
            for (double cy = y0; cy < top; cy += 200)
                add_cyl_x(l, mu_s, x, x + 1200, cy, 11, 9, 2 * 2);
            add_slot(s, x + 30, y0, x + 1170, top, 2 * 980.0, mu_l);
            s->cargo_mass_kg += 2 * 1000 * rho;
            note_load(s, x, x + 1200, y0 - 40);
        } else {
            for (int lev = 0; lev < (two_high ? 2 : 1); lev++) {
                double base = lev == 0 ? top : top - 900 - 150;
                if (lev == 1) base = pallet_base(s, r, x, x + 1200, top - 900, a->depth * 0.95);
                for (int k = 0; k < 2; k++) {
                    double cx = x + 300 + k * 600;
                    double y0 = base - 880, lvl = R(r, 0.85, 0.95);
                    int n = 4;
                    add_cyl_y(l, mu_s, cx, y0, base, 286, 284.8, n);
                    add_cyl_y(l, mu_l, cx, y0 + 880 * (1 - lvl), base - 2, 284.8, 0, n);
                    /* Heads and rolling hoops. */
                    add_cyl_y(l, mu_s, cx, y0, y0 + 1.2, 286, 0, n);
                    add_cyl_y(l, mu_s, cx, base - 1.2, base, 286, 0, n);
                    add_cyl_y(l, mu_s, cx, y0 + 290, y0 + 300, 290, 284, n);
                    add_cyl_y(l, mu_s, cx, y0 + 580, y0 + 590, 290, 284, n);
                    add_slot(s, cx - 280, y0, cx + 280, base, 4 * 450.0, mu_l);
                    s->cargo_mass_kg += 4 * 200 * rho;
                }
                note_load(s, x, x + 1200, base - 880);
            }
        }
        x += 1200 + R(r, 10, 60);
    }
    s->cargo_mu_typical = mu_l * a->depth * 0.7;
}

static void load_bulk(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload)
{
    lscan__prim_list *l = &s->base;
    static const struct {
        const char *name;
        int mat;
        double lo, hi;
    } kinds[] = {
        {"grain", LSCAN__MAT_ORGANIC, 0.70, 0.82}, {"rice", LSCAN__MAT_ORGANIC, 0.75, 0.85},
        {"plastic_pellets", LSCAN__MAT_PLASTIC, 0.50, 0.62}, {"wood_chips", LSCAN__MAT_WOOD, 0.25, 0.40},
        {"coffee_beans", LSCAN__MAT_ORGANIC, 0.55, 0.68}, {"soybeans", LSCAN__MAT_ORGANIC, 0.70, 0.78},
    };
    int k = I(r, 0, 5);
    double rho = R(r, kinds[k].lo, kinds[k].hi);
    snprintf(s->subclass, sizeof s->subclass, "%s", kinds[k].name);
    double L = a->x1 - a->x0, Hmax = a->floor - a->ceil;
    /* Fill to the payload or the volume, whichever comes first. */
    double h_mass = payload / (rho * 1000.0) / (L * 1e-3 * a->depth * 1e-3) * 1000.0;
    double h_frac = R(r, 0.55, 0.95);
    double h_cap = Hmax * R(r, 0.8, 0.97);
    double h = clampd(h_mass * h_frac, 400, h_cap);
    double top = a->floor - h;
    double slope = R(r, 0.45, 0.65); /* tan of the angle of repose */
    double run = (h * R(r, 0.3, 1.0)) / slope;
    if (run > L * 0.45) run = L * 0.45;
    bool door_slope = P(r, 0.7);
    lscan__prim p = {0};
    p.kind = LSCAN__PRIM_PILE;
    p.mu = (float)lscan__synth_mu(kinds[k].mat, rho);
    p.x0 = (float)a->x0, p.x1 = (float)a->x1, p.y0 = (float)top, p.y1 = (float)a->floor;
    double drop = run * slope;
    bool left_is_door = s->door_left;
    p.xa = (float)(a->x0 + ((door_slope && left_is_door) || !door_slope ? run : 0));
    p.xb = (float)(a->x1 - ((door_slope && !left_is_door) || !door_slope ? run : 0));
    p.ya0 = (float)(top + (p.xa > a->x0 ? drop : 0));
    p.yb1 = (float)(top + (p.xb < a->x1 ? drop : 0));
    p.depth = (float)(a->depth * 0.98);
    p.grad = (float)R(r, 0.0, 0.06);
    p.tex_amp = (float)R(r, 0.01, 0.04);
    p.tex_scale = (float)R(r, 10, 40);
    p.tex_key = (uint32_t)lscan__synth_rng_next(r);
    lscan__synth_prims_add(l, &p);
    /* Low-frequency compaction patches, kept inside the body of the pile. */
    int patches = I(r, 2, 6);
    double body_h = a->floor - top;
    for (int i = 0; i < patches && p.xb - p.xa > 800 && body_h > 500; i++) {
        double rx = R(r, 300, clampd((p.xb - p.xa) * 0.4, 301, 900));
        double ry = R(r, 150, clampd(body_h * 0.45, 151, 500));
        double cx = R(r, p.xa + rx, p.xb - rx > p.xa + rx ? p.xb - rx : p.xa + rx + 1);
        double cy = R(r, top + ry + 20, a->floor - ry > top + ry + 20 ? a->floor - ry : top + ry + 21);
        add_ellipsoid(l, p.mu * lerp(0.01, 0.04, t) * (P(r, 0.5) ? 1 : -1), cx, cy, rx, ry,
                      a->depth * 0.6, false);
    }
    /* A bulkhead at the door end holds the load: horizontal steel bars and
     * plywood, legitimately close to the door like a false wall would be. */
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double bx = left_is_door ? a->x0 + 30 : a->x1 - 30;
    lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_WOOD, 0.6), bx - 9, top - 100, bx + 9,
                         a->floor, a->depth * 0.3);
    int bars = I(r, 3, 6);
    for (int i = 0; i < bars; i++) {
        double by = R(r, top, a->floor - 50);
        add_cyl_x(l, mu_s, bx - 40, bx + 40, by, 25, 20, 1);
        lscan__synth_add_box(l, mu_s, bx - 30, by - 25, bx + 30, by + 25, a->depth * 0.9 * 0.02);
    }
    /* Register coarse slots over the body of the pile. */
    double sx = p.xa + 100, ex = p.xb - 100;
    for (double x = sx; x + 600 <= ex; x += 600)
        add_slot(s, x, top + 50, x + 600, a->floor, p.depth, p.mu);
    note_load(s, a->x0, a->x1, top);
    s->cargo_mass_kg += rho * ((a->x1 - a->x0) * h - run * drop * 0.5) * a->depth * 1e-6;
    s->cargo_mu_typical = p.mu * p.depth;
}

/* One item of general cargo in a lane of depth d along the beam, at
 * [x, x+w] resting on `floor`, at most `hmax` tall. Returns its top y. */
static double mixed_item(lscan__scene *s, rng_t *r, double x, double w, double floor, double hmax,
                         double d, double t)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    int kind = I(r, 0, 9);
    double h = R(r, 0.35, 1.0) * hmax;
    double y0 = floor - h;
    switch (kind) {
    case 0: case 1: /* cartons */
    {
        int mat = P(r, 0.5) ? LSCAN__MAT_ORGANIC : LSCAN__MAT_PLASTIC;
        double rho = R(r, 0.08, 0.5);
        double dd = d * R(r, 0.6, 1.0);
        carton_block(s, r, mat, rho, 0.05, x, y0, x + w, floor, dd, false);
    }
        break;
    case 2: { /* appliance: sheet-steel cabinet, motor, concrete counterweight or compressor */
        double aw = w < 700 ? w : R(r, 550, 700), ah = h < 900 ? h : R(r, 800, 1800);
        double ay0 = floor - ah;
        lscan__synth_add_box(l, mu_s, x, ay0, x + 0.8, floor, 600 * 0.9);
        lscan__synth_add_box(l, mu_s, x + aw - 0.8, ay0, x + aw, floor, 600 * 0.9);
        lscan__synth_add_box(l, mu_s, x, ay0, x + aw, ay0 + 0.8, 600 * 0.9);
        lscan__synth_add_box(l, mu_s, x, ay0, x + aw, floor, 2 * 0.7);
        if (P(r, 0.5)) {
            lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_CONCRETE), x + 60, ay0 + 40,
                                 x + aw - 60, ay0 + 160, R(r, 80, 150));
            add_disc(l, mu_s, x + aw * 0.5, ay0 + ah * 0.55, aw * 0.4, aw * 0.4 - 0.6, 350);
            lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_COPPER, 4.0), x + aw * 0.3,
                                 floor - 180, x + aw * 0.55, floor - 80, R(r, 90, 140));
        } else {
            lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_PLASTIC, 0.04), x, ay0, x + aw,
                                 floor, 550);
            lscan__synth_add_box(l, mu_s, x + aw - 250, floor - 230, x + aw - 60, floor - 40,
                                 R(r, 60, 110) * 0.6);
        }
        if (ay0 < y0) y0 = ay0;
        s->cargo_mass_kg += 70;
        break;
    }
    case 3: { /* tyres lying flat, stacked */
        double ro = R(r, 280, 380), ri = ro * R(r, 0.55, 0.7), th = R(r, 160, 250);
        int n = (int)(h / th);
        if (n < 1) n = 1;
        double cx = x + ro;
        for (double xx = cx; xx + ro <= x + w + 1; xx += 2 * ro + 10) {
            add_cyl_y(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.15), xx, floor - n * th, floor, ro, ri,
                      (int)(d / (2 * ro)) > 0 ? (int)(d / (2 * ro)) : 1);
            add_cyl_y(l, lscan__synth_mu(LSCAN__MAT_RUBBER, -0.6), xx, floor - n * th, floor,
                      ro - 25, ri + 25, (int)(d / (2 * ro)) > 0 ? (int)(d / (2 * ro)) : 1);
        }
        y0 = floor - n * th;
        s->cargo_mass_kg += 9.0 * n * w / (2 * ro);
        break;
    }
    case 4: { /* paper or textile rolls standing */
        double rr = R(r, 250, 550);
        if (2 * rr > w) rr = w * 0.5;
        double rho = R(r, 0.4, 0.8);
        add_cyl_y(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, rho), x + rr, y0, floor, rr, 40, 
                  (int)(d / (2 * rr)) > 0 ? (int)(d / (2 * rr)) : 1);
        s->cargo_mass_kg += rho * 3.14 * rr * rr * h * 1e-6 * (d / (2 * rr));
        break;
    }
    case 5: { /* furniture: wooden frame, foam, springs */
        double mu_wd = lscan__synth_mu(LSCAN__MAT_WOOD, 0.6);
        lscan__synth_add_box(l, mu_wd, x, y0, x + 40, floor, d * 0.5);
        lscan__synth_add_box(l, mu_wd, x + w - 40, y0, x + w, floor, d * 0.5);
        lscan__synth_add_box(l, mu_wd, x, y0, x + w, y0 + 40, d * 0.4);
        lscan__synth_add_box(l, mu_wd, x, floor - 60, x + w, floor - 20, d * 0.5);
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_PLASTIC, 0.035), x, y0, x + w, floor, d);
        if (P(r, 0.5))
            for (double xx = x + 60; xx < x + w - 60; xx += 70)
                add_cyl_y(l, mu_s, xx, floor - h * 0.5, floor - 80, 30, 28.5, (int)(d / 80));
        s->cargo_mass_kg += 40;
        break;
    }
    case 6: { /* crate of metal parts: dense little pieces in a timber crate */
        double mu_wd = lscan__synth_mu(LSCAN__MAT_WOOD, 0.55);
        lscan__synth_add_box(l, mu_wd, x, y0, x + 22, floor, d * 0.8);
        lscan__synth_add_box(l, mu_wd, x + w - 22, y0, x + w, floor, d * 0.8);
        lscan__synth_add_box(l, mu_wd, x, y0, x + w, y0 + 22, d * 0.8);
        lscan__synth_add_box(l, mu_wd, x, floor - 22, x + w, floor, d * 0.8);
        lscan__synth_add_box(l, mu_wd, x, y0, x + w, floor, 2 * 20);
        int parts = I(r, 2, 4 + (int)(8 * t));
        for (int i = 0; i < parts; i++) {
            double pw = R(r, 40, 200), ph = R(r, 30, 160);
            double px = R(r, x + 30, x + w - 30 - pw), py = R(r, y0 + 30, floor - 30 - ph);
            if (px < x + 30 || py < y0 + 30) continue;
            if (P(r, 0.5))
                lscan__synth_add_box(l, mu_s, px, py, px + pw, py + ph, R(r, 20, 180));
            else
                add_cyl_x(l, mu_s, px, px + pw, py + ph * 0.5, ph * 0.5, P(r, 0.5) ? ph * 0.4 : 0, 1);
        }
        s->cargo_mass_kg += 150;
        break;
    }
    case 7: { /* textile bales with steel straps */
        double rho = R(r, 0.3, 0.6);
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, rho), x, y0, x + w, floor, d * 0.9);
        double tamp = R(r, 0.1, 0.3);
        double tscale = R(r, 30, 100);
        textured(l, r, tamp, tscale);
        for (int i = 1; i < 4; i++) {
            double sx = x + w * i / 4.0;
            lscan__synth_add_box(l, mu_s, sx - 10, y0, sx + 10, floor, 2 * 1.0);
        }
        lscan__synth_add_box(l, mu_s, x, y0, x + w, y0 + 1, d * 0.9);
        s->cargo_mass_kg += rho * w * h * d * 0.9e-6;
        break;
    }
    case 8: { /* bicycles / steel tube frames in light boxes */
        double mu_a = P(r, 0.5) ? mu_s : lscan__synth_mu_solid(LSCAN__MAT_ALUMINIUM);
        int n = I(r, 2, 5);
        for (int i = 0; i < n; i++) {
            double ww = R(r, 0.3, 1.0) * w, xx = R(r, x, x + w - ww), yy = R(r, y0, floor - 40);
            add_cyl_x(l, mu_a, xx, xx + ww, yy, R(r, 12, 22), 10, (int)(d / 250));
            double vx = R(r, x + 30, x + w - 30);
            double vy = R(r, y0, floor - 100);
            double vr = R(r, 12, 20);
            add_cyl_y(l, mu_a, vx, vy, floor - 20, vr, 10, (int)(d / 250));
            if (P(r, 0.5)) {
                double wx = R(r, x + 300, x + w - 300 > x + 300 ? x + w - 300 : x + 301);
                double wy = R(r, y0 + 300, floor - 300 > y0 + 300 ? floor - 300 : y0 + 301);
                add_disc(l, mu_a, wx, wy, 330, 325, 40 * (int)(d / 250));
            }
        }
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.6), x, y0, x + w, floor, 2 * 5);
        s->cargo_mass_kg += 15 * n;
        break;
    }
    default: { /* sacks in a heap */
        double rho = R(r, 0.5, 0.8);
        int rows = (int)(h / 150);
        for (int j = 0; j < rows; j++)
            for (double xx = x; xx + 300 <= x + w; xx += R(r, 500, 800)) {
                double ey = floor - 75 - j * 135 + R(r, -15, 15);
                double erx = R(r, 300, 420);
                double ery = R(r, 80, 100);
                double ed = d * R(r, 0.5, 0.9);
                add_ellipsoid(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, rho), xx + 300, ey, erx, ery,
                              ed, false);
            }
        y0 = floor - rows * 135 - 20;
        s->cargo_mass_kg += rho * w * h * d * 0.5e-6;
        break;
    }
    }
    return y0;
}

static void load_mixed(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload)
{
    int lanes = I(r, 1, 3);
    double fill = P(r, 0.5) ? 1.0 : R(r, 0.4, 0.95);
    double xend = a->x0 + (a->x1 - a->x0) * fill;
    double hmax = a->floor - a->ceil;
    for (int ln = 0; ln < lanes; ln++) {
        double d = a->depth / lanes * R(r, 0.85, 1.0);
        double x = a->x0 + R(r, 0, 200);
        while (x < xend - 300 && s->cargo_mass_kg < payload * 0.8) {
            double w = R(r, 400, 1600);
            if (x + w > xend) w = xend - x;
            if (w < 300) break;
            double floor = a->floor;
            if (P(r, 0.3)) floor = pallet_base(s, r, x, x + w, a->floor, d);
            double top = mixed_item(s, r, x, w, floor, (floor - a->ceil) * 0.8, d, t);
            /* Something smaller stacked on top, sometimes. */
            if (P(r, 0.45) && top - a->ceil > 500) {
                double w2 = w * R(r, 0.5, 1.0);
                double top2 = mixed_item(s, r, x, w2, top, (top - a->ceil) * 0.7, d, t);
                if (top2 < top) top = top2;
            }
            note_load(s, x, x + w, top);
            add_slot(s, x, top, x + w, floor, d, lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.35));
            x += w + R(r, 0, 250);
        }
        (void)hmax;
    }
    s->cargo_mu_typical = lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.35) * a->depth;
}

/* A machine on skids: frame, housings, a dense block with bores, shafts,
 * gears, motors. The dense parts are legitimate and can look like
 * concealed dense objects — that is what makes the dense_object class hard. */
/* Clean machinery may be dense but never impenetrable: each part's own
 * attenuation is capped well under the lowest noise floor (8.5). */
#define CLEAN_PART_MAX_A 5.5
static void cbox(lscan__prim_list *l, double mu, double x0, double y0, double x1, double y1,
                 double depth)
{
    if (mu > 0 && mu * depth > CLEAN_PART_MAX_A) depth = CLEAN_PART_MAX_A / mu;
    lscan__synth_add_box(l, mu, x0, y0, x1, y1, depth);
}

static void cdisc(lscan__prim_list *l, double mu, double cx, double cy, double r, double r_in,
                  double depth)
{
    if (mu > 0 && mu * depth > CLEAN_PART_MAX_A) depth = CLEAN_PART_MAX_A / mu;
    add_disc(l, mu, cx, cy, r, r_in, depth);
}

static double machine(lscan__scene *s, rng_t *r, double x, double w, double floor, double hmax,
                      double d, double t)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double h = R(r, 0.45, 0.95) * hmax;
    double y0 = floor - h;
    /* Skid and frame. */
    cbox(l, mu_s, x, floor - 120, x + w, floor - 110, d * 0.6);
    cbox(l, mu_s, x, floor - 120, x + w, floor, 2 * 8.0);
    cbox(l, mu_s, x, floor - 10, x + w, floor, d * 0.6);
    int kind = I(r, 0, 4);
    double body_x0 = x + w * 0.08, body_x1 = x + w * 0.92, body_y1 = floor - 120;
    switch (kind) {
    case 0: { /* engine: cast block with bores, crankshaft, flywheel, manifolds */
        double bh = h * 0.6;
        double by0 = body_y1 - bh;
        double dd = d * R(r, 0.25, 0.45);
        cbox(l, mu_s, body_x0, by0, body_x1, body_y1, dd * 0.30);
        int cyl = I(r, 4, 8);
        double cw = (body_x1 - body_x0) / cyl;
        for (int i = 0; i < cyl; i++)
            cbox(l, -mu_s, body_x0 + i * cw + cw * 0.15, by0 + bh * 0.08,
                                 body_x0 + (i + 0.85) * cw, by0 + bh * 0.55, dd * 0.18);
        add_cyl_x(l, mu_s, body_x0 - 80, body_x1 + 60, body_y1 - bh * 0.2, R(r, 35, 60), 0,
                  1);
        cdisc(l, mu_s, body_x1 + 40, body_y1 - bh * 0.3, bh * 0.35, 40, R(r, 40, 90));
        cbox(l, mu_s, body_x0, by0 - bh * 0.3, body_x1, by0, dd * 0.05);
        break;
    }
    case 1: { /* electric motor / generator: stator ring, rotor, shaft */
        double rr = (h < w ? h : w) * 0.45;
        double cx = (body_x0 + body_x1) * 0.5, cy = body_y1 - rr;
        double len = d * R(r, 0.3, 0.6);
        cdisc(l, mu_s, cx, cy, rr, rr * 0.62, len * 0.55);
        cdisc(l, lscan__synth_mu_solid(LSCAN__MAT_COPPER), cx, cy, rr * 0.62, rr * 0.55, len * 0.3);
        cdisc(l, mu_s, cx, cy, rr * 0.5, rr * 0.12, len * 0.45);
        cdisc(l, mu_s, cx, cy, rr * 0.12, 0, len * 1.2);
        cbox(l, mu_s, cx - rr, cy - rr, cx + rr, cy + rr, 2 * 4.0);
        y0 = cy - rr;
        break;
    }
    case 2: { /* pump/compressor skid: housings, pipes, valves */
        double hy0 = body_y1 - h * 0.5;
        cbox(l, mu_s, body_x0, hy0, (body_x0 + body_x1) * 0.5, body_y1, 2 * 12.0);
        double pr = R(r, 50, 110);
        double pri = pr * R(r, 0.8, 0.95);
        add_cyl_x(l, mu_s, body_x0, body_x1, hy0 - 80, pr, pri, 1);
        double vr = R(r, 60, 150);
        double vri = vr * R(r, 0.8, 0.95);
        add_cyl_y(l, mu_s, body_x1 - 200, hy0 - 300, body_y1, vr, vri, 1);
        cdisc(l, mu_s, (body_x0 + body_x1) * 0.5 + 200, body_y1 - 250, 200, 60, R(r, 100, 300));
        break;
    }
    case 3: { /* structural steel: I-beams, plates, frames */
        int n = I(r, 2, 6);
        for (int i = 0; i < n; i++) {
            double yy = R(r, y0, body_y1 - 200);
            double bh = R(r, 100, 300), tf = R(r, 8, 16), bw = R(r, 100, 200);
            cbox(l, mu_s, body_x0, yy, body_x1, yy + tf, bw);
            cbox(l, mu_s, body_x0, yy + bh - tf, body_x1, yy + bh, bw);
            cbox(l, mu_s, body_x0, yy, body_x1, yy + bh, R(r, 6, 12));
        }
        break;
    }
    default: { /* vehicle: thin body shell, engine block, wheels, seats */
        double vh = h < 1500 ? h : R(r, 1300, 1600);
        double vy0 = floor - vh;
        cbox(l, mu_s, body_x0, vy0 + vh * 0.3, body_x1, floor - 250, 2 * 0.8);
        cbox(l, mu_s, body_x0, vy0 + vh * 0.3, body_x1, vy0 + vh * 0.3 + 1, 1600);
        cbox(l, lscan__synth_mu_solid(LSCAN__MAT_GLASS), body_x0 + w * 0.25, vy0,
                             body_x1 - w * 0.3, vy0 + vh * 0.3, 2 * 4.0);
        double ex = body_x1 - 700;
        cbox(l, mu_s, ex, floor - 750, ex + 500, floor - 300, 450 * 0.35);
        for (int k = 0; k < 2; k++) {
            double wx = k ? body_x1 - 500 : body_x0 + 500;
            cdisc(l, lscan__synth_mu_solid(LSCAN__MAT_RUBBER), wx, floor - 320, 320, 200, 2 * 2 * 10);
            cdisc(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.5), wx, floor - 320, 320, 300, 2 * 200);
            cdisc(l, mu_s, wx, floor - 320, 200, 60, 2 * 8);
            cdisc(l, mu_s, wx, floor - 320, 130, 0, 2 * 60);
        }
        cbox(l, lscan__synth_mu(LSCAN__MAT_PLASTIC, 0.1), body_x0 + w * 0.3,
                             floor - 900, body_x0 + w * 0.6, floor - 350, 1200);
        y0 = vy0;
        break;
    }
    }
    /* Legitimate compact dense parts; more of them at higher difficulty. */
    int parts = I(r, 0, 1 + (int)(5 * t));
    for (int i = 0; i < parts; i++) {
        double pw = R(r, 60, 260), ph = R(r, 60, 260);
        double px = R(r, body_x0, body_x1 - pw), py = R(r, y0, body_y1 - ph);
        double amax = 5.5 - 1.5 * U(r); /* clean parts stay well above the floor */
        double dep = R(r, 40, 220);
        if (mu_s * dep > amax) dep = amax / mu_s;
        if (P(r, 0.5))
            cbox(l, mu_s, px, py, px + pw, py + ph, dep);
        else
            cdisc(l, mu_s, px + pw * 0.5, py + ph * 0.5, pw * 0.5, P(r, 0.5) ? pw * 0.2 : 0, dep);
    }
    s->cargo_mass_kg += w * h * d * 1e-6 * 0.9;
    return y0;
}

static void load_machinery(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload)
{
    double x = a->x0 + R(r, 50, 400);
    double xend = a->x1 - R(r, 0, (a->x1 - a->x0) * 0.4);
    int subkind = I(r, 0, 3);
    if (subkind == 3) {
        /* Pipes: a bundle of steel pipes lying along the container. */
        double rp = R(r, 40, 160), wall = R(r, 4, 12);
        if (wall > rp * 0.3) wall = rp * 0.3;
        int across = (int)(a->depth / (2 * rp + 20));
        int rows = I(r, 2, (int)((a->floor - a->ceil) * 0.5 / (2 * rp)));
        double xlen = (xend - x) * R(r, 0.7, 1.0);
        for (int j = 0; j < rows; j++) {
            double cy = a->floor - 100 - rp - j * (2 * rp + 5);
            add_cyl_x(&s->base, lscan__synth_mu_solid(LSCAN__MAT_STEEL), x, x + xlen, cy, rp,
                      rp - wall, across);
            add_slot(s, x, cy - rp, x + xlen, cy + rp, across * 2 * wall, lscan__synth_mu_solid(LSCAN__MAT_STEEL));
            lscan__synth_add_box(&s->base, lscan__synth_mu(LSCAN__MAT_WOOD, 0.6), x + 200,
                                 cy + rp, x + 300, cy + rp + 5, a->depth);
        }
        /* Dunnage beams between the layers. */
        note_load(s, x, x + xlen, a->floor - 100 - rows * (2 * rp + 5));
        s->cargo_mass_kg += rows * across * 7.87 * 3.14 * 2 * rp * wall * xlen * 1e-6;
        snprintf(s->subclass, sizeof s->subclass, "pipes");
        s->cargo_mu_typical = 0.5;
        return;
    }
    while (x < xend - 800 && s->cargo_mass_kg < payload * 0.85) {
        double w = R(r, 900, 3000);
        if (x + w > xend) w = xend - x;
        if (w < 800) break;
        double d = a->depth * R(r, 0.5, 0.95);
        double top = machine(s, r, x, w, a->floor, (a->floor - a->ceil) * 0.9, d, t);
        note_load(s, x, x + w, top);
        add_slot(s, x, top, x + w, a->floor, d, 1.5 / d);
        x += w + R(r, 100, 700);
    }
    snprintf(s->subclass, sizeof s->subclass, "%s",
             subkind == 0 ? "engines" : subkind == 1 ? "industrial" : "mixed_machinery");
    s->cargo_mu_typical = 1.0;
}

/* ------------------------------------------------------------------------ */
/* Anomalies                                                                  */
/* ------------------------------------------------------------------------ */

/* The background attenuation over a rectangle, sampled on a 5x5 grid of
 * the base layer: its minimum or maximum. */
static double background(const lscan__scene *s, double x0, double y0, double x1, double y1, bool max)
{
    double best = max ? -1e30 : 1e30;
    for (int j = 0; j < 5; j++)
        for (int i = 0; i < 5; i++) {
            double a = lscan__synth_point_attenuation(&s->base, x0 + (x1 - x0) * (i + 0.5) / 5.0,
                                                      y0 + (y1 - y0) * (j + 0.5) / 5.0);
            best = max ? (a > best ? a : best) : (a < best ? a : best);
        }
    return best;
}

static double slot_attenuation(const lscan__scene *s, double x, double y)
{
    return lscan__synth_point_attenuation(&s->base, x, y);
}

/* Picks a point inside the load; with `dense` the densest of a few
 * candidates (objects hidden behind dense cargo). */
static bool pick_in_load(const lscan__scene *s, rng_t *r, double w, double h, bool dense,
                         double *px, double *py)
{
    if (!s->nslots) return false;
    double best = -1;
    bool found = false;
    int tries = dense ? 8 : 1;
    for (int k = 0; k < tries; k++) {
        const lscan__slot *q = &s->slots[I(r, 0, (int)s->nslots - 1)];
        double sw = q->x1 - q->x0, sh = q->y1 - q->y0;
        double x = q->x0 + (sw > w ? R(r, 0, sw - w) : 0);
        double y = q->y0 + (sh > h ? R(r, 0, sh - h) : 0);
        double a = slot_attenuation(s, x + w * 0.5, y + h * 0.5);
        if (a > best) {
            best = a;
            *px = x, *py = y;
            found = true;
        }
    }
    return found;
}

static void anomaly_dense_object(lscan__scene *s, rng_t *r, double t)
{
    lscan__prim_list *l = &s->anomaly;
    int sub = I(r, 0, 9);
    sub = sub < 4 ? 0 : sub < 6 ? 1 : sub < 8 ? 2 : 3;
    static const char *names[] = {"steel_block", "lead_brick", "steel_cylinder", "pipe_bundle"};
    snprintf(s->subclass, sizeof s->subclass, "%s", names[sub]);
    double size = lerp(400, 50, t) * R(r, 0.8, 1.2);
    double w = size * R(r, 0.6, 1.5), h = size * R(r, 0.6, 1.4);
    if (sub == 1) w = size * R(r, 1.0, 2.0), h = size * R(r, 0.5, 1.0);
    double a_obj = lerp(4.0, 0.35, t) * R(r, 0.85, 1.15);
    double x, y;
    bool behind = P(r, 0.25 + 0.6 * t);
    if (!pick_in_load(s, r, w, h, behind, &x, &y)) {
        x = R(r, s->ix0 + 300, s->ix1 - 300 - w);
        y = s->cargo_floor_y - h;
    }
    /* Keep it visible: background plus object stays under the floor
     * (an object at the floor would be the impenetrable class). */
    double bg = background(s, x, y, x + w, y + h, true);
    double room = s->scanner.floor_a - 1.0 - bg;
    if (a_obj > room) a_obj = room > 0.25 ? room : 0.25;
    int mat = sub == 1 ? LSCAN__MAT_LEAD : LSCAN__MAT_STEEL;
    double mu = lscan__synth_mu_solid(mat);
    double depth = a_obj / mu;
    switch (sub) {
    case 0:
    case 1: lscan__synth_add_box(l, mu, x, y, x + w, y + h, depth); break;
    case 2: { /* gas cylinder / pressure vessel: thick wall; its chord sets the contrast */
        double rr = w * 0.5, wall = clampd(depth * 0.25, 4, rr * 0.5);
        add_cyl_y(l, mu, x + rr, y, y + h * 1.5, rr, rr - wall, 1);
        break;
    }
    default: { /* bundle of bars along the beam: discs */
        int n = I(r, 3, 9);
        double rr = clampd(w / (n > 4 ? 3 : 2) * 0.5, 10, 60);
        for (int i = 0; i < n; i++) {
            double bx = x + R(r, rr, w - rr > rr ? w - rr : rr + 1);
            double by = y + R(r, rr, h - rr > rr ? h - rr : rr + 1);
            add_disc(l, mu, bx, by, rr, 0, depth);
        }
        break;
    }
    }
}

static void anomaly_impenetrable(lscan__scene *s, rng_t *r, double t)
{
    lscan__prim_list *l = &s->anomaly;
    int sub = I(r, 0, 2);
    static const char *names[] = {"lead_shield", "steel_block_thick", "dense_stack"};
    snprintf(s->subclass, sizeof s->subclass, "%s", names[sub]);
    /* At least ~20x20 cm at the floor: the core is that size or more, and
     * the blur eats about a pixel on each side. */
    double w = lerp(900, 260, t) * R(r, 0.95, 1.2), h = lerp(800, 260, t) * R(r, 0.95, 1.2);
    double x, y;
    if (!pick_in_load(s, r, w, h, P(r, t), &x, &y)) {
        x = R(r, s->ix0 + 300, s->ix1 - 300 - w);
        y = s->cargo_floor_y - h;
    }
    double bg = background(s, x, y, x + w, y + h, false);
    double need = s->scanner.floor_a + R(r, 1.5, 4.0) - bg;
    if (need < 2.0) need = 2.0;
    int mat = sub == 0 ? LSCAN__MAT_LEAD : LSCAN__MAT_STEEL;
    double mu = lscan__synth_mu_solid(mat);
    lscan__synth_add_box(l, mu, x, y, x + w, y + h, need / mu);
    if (sub == 0) /* the shield's casing */
        lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_STEEL), x - 20, y - 20, x + w + 20,
                             y + h + 20, 2 * 6.0);
}

static void anomaly_hidden(lscan__scene *s, rng_t *r, const struct plan *pl)
{
    lscan__prim_list *l = &s->anomaly;
    double t = pl->t;
    bool steel = P(r, 0.6);
    double thick = steel ? lerp(6.0, 1.5, t) * R(r, 0.8, 1.2) : R(r, 12, 25);
    double mu = steel ? lscan__synth_mu_solid(LSCAN__MAT_STEEL) : lscan__synth_mu(LSCAN__MAT_WOOD, 0.65);
    double W = s->inner_width;
    double mu_pk = lscan__synth_mu(LSCAN__MAT_ORGANIC, R(r, 0.9, 1.2));
    bool packages = P(r, lerp(0.9, 0.5, t));
    switch (pl->hidden) {
    case HC_FRONT_WALL:
    case HC_DOOR_WALL: {
        bool at_left = (pl->hidden == HC_DOOR_WALL) == s->door_left;
        snprintf(s->subclass, sizeof s->subclass, "%s",
                 pl->hidden == HC_DOOR_WALL ? "false_door_wall" : "false_end_wall");
        double xw = at_left ? s->ix0 + pl->cavity : s->ix1 - pl->cavity - thick;
        lscan__synth_add_box(l, mu, xw, s->iy0 + 5, xw + thick, s->floor_y, W * 0.98);
        /* Framing angles at top and bottom. */
        lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_STEEL), xw - 40, s->floor_y - 40,
                             xw + 40, s->floor_y, 2 * 4.0 + 0.02 * W);
        if (packages) {
            double c0 = at_left ? s->ix0 + 20 : xw + thick + 20;
            double c1 = at_left ? xw - 20 : s->ix1 - 20;
            double fill_h = (s->floor_y - s->iy0) * R(r, 0.2, 0.9);
            if (c1 - c0 > 60)
                for (double y = s->floor_y; y > s->floor_y - fill_h; y -= 110) {
                    lscan__synth_add_box(l, mu_pk, c0, y - 100, c1, y, W * R(r, 0.3, 0.9));
                }
        }
        break;
    }
    case HC_DOUBLE_FLOOR: {
        snprintf(s->subclass, sizeof s->subclass, "double_floor");
        double fy = s->cargo_floor_y; /* cargo rests on the false floor */
        double x0 = s->ix0 + R(r, 0, 300), x1 = s->ix1 - R(r, 0, 300);
        lscan__synth_add_box(l, mu, x0, fy, x1, fy + thick, W * 0.98);
        for (double x = x0 + 200; x < x1 - 100; x += R(r, 500, 900))
            lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_STEEL), x, fy + thick, x + 40,
                                 s->floor_y, 2 * 3.0);
        if (packages) {
            double ch = s->floor_y - fy - thick;
            double px = R(r, x0 + 100, (x0 + x1) * 0.5), pw = (x1 - x0) * R(r, 0.2, 0.6);
            lscan__synth_add_box(l, mu_pk, px, fy + thick + ch * 0.25, px + pw, s->floor_y,
                                 W * R(r, 0.3, 0.9));
        }
        break;
    }
    default: {
        snprintf(s->subclass, sizeof s->subclass, "false_ceiling");
        double cy = s->iy0 + pl->cavity;
        double x0 = s->ix0 + R(r, 0, 1000), x1 = s->ix1 - R(r, 0, 1000);
        lscan__synth_add_box(l, mu, x0, cy - thick, x1, cy, W * 0.98);
        if (packages) {
            double px = R(r, x0 + 100, (x0 + x1) * 0.5), pw = (x1 - x0) * R(r, 0.15, 0.5);
            lscan__synth_add_box(l, mu_pk, px, s->iy0 + 20, px + pw, cy - thick - 10,
                                 W * R(r, 0.3, 0.9));
        }
        break;
    }
    }
}

static void anomaly_mass(lscan__scene *s, rng_t *r, double t)
{
    lscan__prim_list *l = &s->anomaly;
    if (!s->nslots) return;
    bool denser = P(r, 0.7);
    double ratio = lerp(1.0, 0.18, t) * R(r, 0.85, 1.15); /* relative density change */
    if (!denser && ratio > 0.8) ratio = 0.8;
    const lscan__slot *q = &s->slots[I(r, 0, (int)s->nslots - 1)];
    double w = q->x1 - q->x0, h = q->y1 - q->y0;
    double x0 = q->x0, y0 = q->y0, x1 = q->x1, y1 = q->y1;
    /* Part of a unit, or a whole one (in bulk: a buried block). */
    if (P(r, 0.5) || w > 1500) {
        double fw = w * R(r, 0.35, 0.8), fh = h * R(r, 0.35, 0.8);
        if (fw > 1200) fw = 1200;
        x0 += R(r, 0, w - fw);
        y0 += R(r, 0, h - fh);
        x1 = x0 + fw, y1 = y0 + fh;
    }
    double depth = q->depth * R(r, 0.4, 1.0);
    double dmu = q->mu * ratio * (denser ? 1.0 : -1.0);
    /* Keep it under the noise floor. */
    double bg = background(s, x0, y0, x1, y1, true);
    if (denser && bg + dmu * depth > s->scanner.floor_a - 1.0) depth = (s->scanner.floor_a - 1.0 - bg) / dmu;
    if (depth < 50) depth = 50;
    snprintf(s->subclass, sizeof s->subclass, "%s", denser ? "denser_block" : "lighter_block");
    if (P(r, 0.5))
        lscan__synth_add_box(l, dmu, x0, y0, x1, y1, depth);
    else
        add_ellipsoid(l, dmu, (x0 + x1) * 0.5, (y0 + y1) * 0.5, (x1 - x0) * 0.5, (y1 - y0) * 0.5,
                      depth, false);
}

static void anomaly_load_in_empty(lscan__scene *s, rng_t *r, double t)
{
    lscan__prim_list *l = &s->anomaly;
    int sub = I(r, 0, 4);
    static const char *names[] = {"package_on_floor", "package_in_corner", "package_at_roof",
                                  "bag_on_floor", "metal_part"};
    snprintf(s->subclass, sizeof s->subclass, "%s", names[sub]);
    double size = lerp(900, 150, t) * R(r, 0.8, 1.2);
    double w = size * R(r, 0.7, 1.4), h = size * R(r, 0.5, 1.0);
    double rho = lerp(0.8, 0.2, t) * R(r, 0.8, 1.2);
    double d = lerp(1000, 200, t) * R(r, 0.7, 1.3);
    double x, y;
    if (sub == 1) { /* tucked against an end wall, next to the corner posts */
        bool left = P(r, 0.5);
        x = left ? s->ix0 + R(r, 0, 60) : s->ix1 - w - R(r, 0, 60);
        y = s->floor_y - h;
    } else if (sub == 2) {
        x = R(r, s->ix0 + 200, s->ix1 - 200 - w);
        y = s->iy0 + R(r, 0, 20);
    } else {
        x = R(r, s->ix0 + 200, s->ix1 - 200 - w);
        y = s->floor_y - h;
    }
    switch (sub) {
    case 3:
        add_ellipsoid(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, rho), x + w * 0.5, y + h * 0.55,
                      w * 0.5, h * 0.5, d, false);
        break;
    case 4:
        lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_STEEL), x, y + h * 0.5, x + w * 0.5,
                             y + h, lerp(60, 6, t));
        break;
    default:
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, rho), x, y, x + w, y + h, d);
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.7), x, y, x + w, y + h,
                             2 * 4.0); /* carton faces */
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Assembly                                                                   */
/* ------------------------------------------------------------------------ */

void lscan__synth_scene_free(lscan__scene *s)
{
    lscan__synth_prims_free(&s->base);
    lscan__synth_prims_free(&s->anomaly);
    free(s->slots);
    s->slots = NULL;
    s->nslots = s->slots_cap = 0;
}

void lscan__synth_scene_frame(lscan__scene *s, uint32_t width, uint32_t height)
{
    s->width = width;
    s->height = height;
    s->pitch_x = s->width_mm / width;
    s->pitch_y = s->height_mm / height;
}

static void release_cargo(lscan__scene *s, rng_t *r, int cls, const struct area *a, double t,
                          double payload)
{
    switch (cls) {
    case LSCAN_CLASS_EMPTY: snprintf(s->subclass, sizeof s->subclass, "empty"); break;
    case LSCAN_CLASS_HOMOGENEOUS: {
        int k = I(r, 0, 5);
        if (k <= 2) {
            bool sku = P(r, 0.3 * t);
            load_pallets(s, r, a, t, sku);
            snprintf(s->subclass, sizeof s->subclass, "%s", sku ? "pallets_two_products" : "pallets");
        } else if (k <= 4) {
            load_bags(s, r, a, t);
            snprintf(s->subclass, sizeof s->subclass, "bags");
        } else {
            load_drums(s, r, a, t);
            snprintf(s->subclass, sizeof s->subclass, "drums");
        }
        break;
    }
    case LSCAN_CLASS_BULK: load_bulk(s, r, a, t, payload); break;
    case LSCAN_CLASS_MIXED:
        load_mixed(s, r, a, t, payload);
        snprintf(s->subclass, sizeof s->subclass, "general_cargo");
        break;
    default: load_machinery(s, r, a, t, payload); break;
    }
}

int lscan__synth_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s)
{
    memset(s, 0, sizeof *s);
    rng_t rl, rs, rc, ra;
    lscan__synth_rng_seed(&rl, seed, LSCAN__STREAM_LABEL);
    lscan__synth_rng_seed(&rs, seed, LSCAN__STREAM_SCANNER);
    lscan__synth_rng_seed(&rc, seed, LSCAN__STREAM_SCENE);
    lscan__synth_rng_seed(&ra, seed, LSCAN__STREAM_ANOMALY);

    struct plan pl;
    make_plan(&rl, p, &pl);
    s->cls = pl.cls;
    s->difficulty_target = pl.t;
    s->container = pl.size;
    make_scanner(&rs, &s->scanner);

    /* Geometry. */
    double pitch = pl.hires ? 3.0 : 5.0;
    double L = pl.size == LSCAN_SYNTH_40FT ? LEN_40FT : LEN_20FT;
    s->high_cube = pl.size == LSCAN_SYNTH_40FT ? P(&rc, 0.5) : P(&rc, 0.05);
    double Hc = s->high_cube ? HEIGHT_HC : HEIGHT_STD;
    if (p->flags & LSCAN_SYNTH_NO_CHASSIS) s->chassis = false;
    else if (p->flags & LSCAN_SYNTH_ALWAYS_CHASSIS) s->chassis = true;
    else s->chassis = P(&rc, 0.7);
    double top_margin = R(&rc, 150, 450);
    double left = R(&rc, 300, 1200), right = R(&rc, 300, 1200);
    double below = s->chassis ? R(&rc, 1150, 1450) : R(&rc, 120, 400);
    s->door_left = P(&rc, 0.5);
    s->cx0 = left, s->cx1 = left + L;
    s->cy0 = top_margin, s->cy1 = top_margin + Hc;
    s->width_mm = left + L + right;
    s->height_mm = s->cy1 + below;
    s->inner_width = INNER_WIDTH;
    s->floor_y = s->cy1 - RAIL_H;
    s->iy1 = s->floor_y;
    s->iy0 = s->cy0 + 38;
    s->ix0 = s->cx0 + END_DEPTH;
    s->ix1 = s->cx1 - END_DEPTH;
    uint32_t W = p->width ? p->width : (uint32_t)(s->width_mm / pitch + 0.5);
    uint32_t H = p->height ? p->height : (uint32_t)(s->height_mm / pitch + 0.5);
    lscan__synth_scene_frame(s, W, H);
    if (p->flags & LSCAN_SYNTH_NO_SPEED_VARIATION) s->scanner.speed_amp = 0;

    build_container(s, &rc);
    if (s->chassis) build_chassis(s, &rc);

    /* Cargo. */
    double payload = pl.size == LSCAN_SYNTH_40FT ? PAYLOAD_40FT : PAYLOAD_20FT;
    struct area a = {s->ix0 + 20, s->ix1 - 20, s->floor_y, s->iy0 + R(&rc, 60, 200), INNER_WIDTH};
    /* Cargo on dunnage sometimes; always raised for a double floor, so that
     * the false floor can go under it without moving anything. */
    double raise = 0;
    if (pl.cls == LSCAN_CLASS_HIDDEN_COMPARTMENT && pl.hidden == HC_DOUBLE_FLOOR) raise = pl.cavity;
    else if (P(&rc, 0.15)) raise = R(&rc, 60, 250);
    if (raise > 0 && pl.cls != LSCAN_CLASS_LOAD_IN_EMPTY && pl.cls != LSCAN_CLASS_EMPTY) {
        if (!(pl.cls == LSCAN_CLASS_HIDDEN_COMPARTMENT && pl.hidden == HC_DOUBLE_FLOOR))
            for (double x = a.x0 + 100; x < a.x1; x += R(&rc, 900, 1500))
                lscan__synth_add_box(&s->base, lscan__synth_mu(LSCAN__MAT_WOOD, 0.6), x,
                                     s->floor_y - raise, x + 100, s->floor_y, INNER_WIDTH * 0.9);
        a.floor -= raise;
    }
    s->cargo_floor_y = a.floor;
    /* Gaps at the ends are common in clean loads too, so a cavity next to
     * an end wall is not by itself a sign of a hidden compartment. */
    if (P(&rc, 0.35)) {
        double g = R(&rc, 100, 900);
        if (s->door_left) a.x0 += g;
        else a.x1 -= g;
    }
    if (pl.cls == LSCAN_CLASS_HIDDEN_COMPARTMENT) {
        double c = pl.cavity + 80;
        if (pl.hidden == HC_FRONT_WALL) {
            if (s->door_left) a.x1 = a.x1 < s->ix1 - c ? a.x1 : s->ix1 - c;
            else a.x0 = a.x0 > s->ix0 + c ? a.x0 : s->ix0 + c;
        } else if (pl.hidden == HC_DOOR_WALL) {
            if (s->door_left) a.x0 = a.x0 > s->ix0 + c ? a.x0 : s->ix0 + c;
            else a.x1 = a.x1 < s->ix1 - c ? a.x1 : s->ix1 - c;
        } else if (pl.hidden == HC_CEILING) {
            double cl = s->iy0 + pl.cavity + 80;
            a.ceil = a.ceil > cl ? a.ceil : cl;
        }
    }

    int cls = pl.cls;
    double t = pl.t;
    switch (cls) {
    case LSCAN_CLASS_DENSE_OBJECT:
    case LSCAN_CLASS_IMPENETRABLE:
    case LSCAN_CLASS_HIDDEN_COMPARTMENT: {
        /* Concealments go into ordinary loads of any clean kind. */
        int host = I(&rc, 1, 4);
        if (cls == LSCAN_CLASS_DENSE_OBJECT && P(&rc, 0.3)) host = LSCAN_CLASS_MACHINERY;
        char keep[32];
        release_cargo(s, &rc, host, &a, t * 0.7, payload);
        memcpy(keep, s->subclass, sizeof keep);
        (void)keep;
        break;
    }
    case LSCAN_CLASS_ANOMALOUS_MASS:
        if (pl.base_kind == 0) load_pallets(s, &rc, &a, t * 0.5, false);
        else if (pl.base_kind == 1) load_bags(s, &rc, &a, t * 0.5);
        else load_bulk(s, &rc, &a, t * 0.5, payload);
        break;
    case LSCAN_CLASS_LOAD_IN_EMPTY: break;
    default: release_cargo(s, &rc, cls, &a, t, payload); break;
    }

    switch (cls) {
    case LSCAN_CLASS_DENSE_OBJECT: anomaly_dense_object(s, &ra, t); break;
    case LSCAN_CLASS_IMPENETRABLE: anomaly_impenetrable(s, &ra, t); break;
    case LSCAN_CLASS_HIDDEN_COMPARTMENT: anomaly_hidden(s, &ra, &pl); break;
    case LSCAN_CLASS_ANOMALOUS_MASS: anomaly_mass(s, &ra, t); break;
    case LSCAN_CLASS_LOAD_IN_EMPTY: anomaly_load_in_empty(s, &ra, t); break;
    default: break;
    }
    if (s->base.failed || s->anomaly.failed || s->failed) {
        lscan__synth_scene_free(s);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory building the scene");
    }
    return LSCAN_OK;
}
