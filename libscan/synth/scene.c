/* scene.c — lays out one scan: plan, scanner, anomaly; assembles container, chassis, cargo. */
#include "build.h"

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

void lscan__synth_prims_material(lscan__prim_list *l, int mat)
{
    if (!l->failed && l->n) l->v[l->n - 1].mat = (uint8_t)(mat + 1);
}

int lscan__synth_prim_basis(const lscan__prim *p)
{
    if (p->mat) return lscan__synth_material(p->mat - 1)->basis;
    float m = p->mu < 0 ? -p->mu : p->mu;
    if (m >= 0.035f) return LSCAN__BASIS_LEAD;
    if (m >= 0.0115f) return LSCAN__BASIS_IRON;
    if (m == (float)lscan__synth_mu_solid(LSCAN__MAT_ALUMINIUM) ||
        m == (float)lscan__synth_mu_solid(LSCAN__MAT_GLASS) ||
        m == (float)lscan__synth_mu_solid(LSCAN__MAT_CONCRETE))
        return LSCAN__BASIS_LIGHT;
    return LSCAN__BASIS_ORGANIC;
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

/* ------------------------------------------------------------------------ */
/* The plan: everything the label stream decides                             */
/* ------------------------------------------------------------------------ */

enum hidden_kind { HC_FRONT_WALL, HC_DOOR_WALL, HC_DOUBLE_FLOOR, HC_CEILING };

struct plan {
    int size; /* 20FT / 40FT */
    bool hires;
    int cls;
    double t;      /* difficulty target */
    int hidden;    /* enum hidden_kind for HIDDEN_COMPARTMENT */
    double cavity; /* its depth, mm */
    int base_kind; /* for ANOMALOUS_MASS: 0 pallets, 1 bags, 2 bulk */
};

static int draw_class(rng_t *r, const lscan_synth_params *p)
{
    bool inspect = lscan__synth_uniform(r) < p->inspect_fraction;
    const float *w = inspect ? p->inspect_weight : p->release_weight;
    int n = inspect ? LSCAN_SYNTH_INSPECT_CLASSES : LSCAN_SYNTH_RELEASE_CLASSES;
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    if (total <= 0) { /* this side has no weight: the other side must (validated) */
        inspect = !inspect;
        w = inspect ? p->inspect_weight : p->release_weight;
        n = inspect ? LSCAN_SYNTH_INSPECT_CLASSES : LSCAN_SYNTH_RELEASE_CLASSES;
        total = 0;
        for (int i = 0; i < n; i++)
            total += w[i];
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
    while (w[k] <= 0 && k > 0)
        k--; /* rounding at the top end */
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
/* Anomalies                                                                  */
/* ------------------------------------------------------------------------ */

/* The background attenuation over a rectangle, sampled on a 5x5 grid of
 * the base layer: its minimum or maximum. */
static double background(const lscan__scene *s, double x0, double y0, double x1, double y1,
                         bool max)
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
    double room = s->floor_under - 1.0 - bg;
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
    /* The background's minimum over 25 samples can miss narrow gaps (between
     * layers of pipes, say), which then stay above the floor; the worlds
     * count no background at all. Classic keeps its arithmetic (bytes). */
    double bg = s->world ? 0.0 : background(s, x, y, x + w, y + h, false);
    double need = s->floor_over + R(r, 1.5, 4.0) - bg;
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
    double mu =
        steel ? lscan__synth_mu_solid(LSCAN__MAT_STEEL) : lscan__synth_mu(LSCAN__MAT_WOOD, 0.65);
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
    if (denser && bg + dmu * depth > s->floor_under - 1.0)
        depth = (s->floor_under - 1.0 - bg) / dmu;
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
        lscan__synth_add_box(l, lscan__synth_mu_solid(LSCAN__MAT_STEEL), x, y + h * 0.5,
                             x + w * 0.5, y + h, lerp(60, 6, t));
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

/* The free space for cargo: inside the walls, over the floor or dunnage,
 * with an end gap sometimes, and room left for a hidden compartment. */
static void cargo_area(lscan__scene *s, rng_t *rc, const struct plan *pl, struct area *a)
{
    *a = (struct area){s->ix0 + 20, s->ix1 - 20, s->floor_y, s->iy0 + R(rc, 60, 200),
                       s->inner_width};
    /* Cargo on dunnage sometimes; always raised for a double floor, so that
     * the false floor can go under it without moving anything. */
    double raise = 0;
    if (pl->cls == LSCAN_CLASS_HIDDEN_COMPARTMENT && pl->hidden == HC_DOUBLE_FLOOR)
        raise = pl->cavity;
    else if (P(rc, 0.15))
        raise = R(rc, 60, 250);
    if (raise > 0 && pl->cls != LSCAN_CLASS_LOAD_IN_EMPTY && pl->cls != LSCAN_CLASS_EMPTY) {
        if (!(pl->cls == LSCAN_CLASS_HIDDEN_COMPARTMENT && pl->hidden == HC_DOUBLE_FLOOR))
            for (double x = a->x0 + 100; x < a->x1; x += R(rc, 900, 1500))
                lscan__synth_add_box(&s->base, lscan__synth_mu(LSCAN__MAT_WOOD, 0.6), x,
                                     s->floor_y - raise, x + 100, s->floor_y, s->inner_width * 0.9);
        a->floor -= raise;
    }
    s->cargo_floor_y = a->floor;
    /* Gaps at the ends are common in clean loads too, so a cavity next to
     * an end wall is not by itself a sign of a hidden compartment. */
    if (P(rc, 0.35)) {
        double g = R(rc, 100, 900);
        if (s->door_left)
            a->x0 += g;
        else
            a->x1 -= g;
    }
    if (pl->cls == LSCAN_CLASS_HIDDEN_COMPARTMENT) {
        double c = pl->cavity + 80;
        if (pl->hidden == HC_FRONT_WALL) {
            if (s->door_left)
                a->x1 = a->x1 < s->ix1 - c ? a->x1 : s->ix1 - c;
            else
                a->x0 = a->x0 > s->ix0 + c ? a->x0 : s->ix0 + c;
        } else if (pl->hidden == HC_DOOR_WALL) {
            if (s->door_left)
                a->x0 = a->x0 > s->ix0 + c ? a->x0 : s->ix0 + c;
            else
                a->x1 = a->x1 < s->ix1 - c ? a->x1 : s->ix1 - c;
        } else if (pl->hidden == HC_CEILING) {
            double cl = s->iy0 + pl->cavity + 80;
            a->ceil = a->ceil > cl ? a->ceil : cl;
        }
    }
}

/* The anomaly of the plan's class (nothing for clean classes). */
static void place_anomaly(lscan__scene *s, rng_t *ra, const struct plan *pl, int cls, double t)
{
    switch (cls) {
    case LSCAN_CLASS_DENSE_OBJECT: anomaly_dense_object(s, ra, t); break;
    case LSCAN_CLASS_IMPENETRABLE: anomaly_impenetrable(s, ra, t); break;
    case LSCAN_CLASS_HIDDEN_COMPARTMENT: anomaly_hidden(s, ra, pl); break;
    case LSCAN_CLASS_ANOMALOUS_MASS: anomaly_mass(s, ra, t); break;
    case LSCAN_CLASS_LOAD_IN_EMPTY: anomaly_load_in_empty(s, ra, t); break;
    default: break;
    }
}

static int world_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s);

static int wedge_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s);

int lscan__synth_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s)
{
    memset(s, 0, sizeof *s);
    if (p->scene == LSCAN_SYNTH_SCENE_STEP_WEDGE) return wedge_scene_build(ctx, p, seed, s);
    if (p->world != 0) return world_scene_build(ctx, p, seed, s);
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
    s->floor_under = s->floor_over = s->scanner.floor_a;
    snprintf(s->export_spec, sizeof s->export_spec, "png16");

    /* Geometry. */
    double pitch = pl.hires ? 3.0 : 5.0;
    double L = pl.size == LSCAN_SYNTH_40FT ? LEN_40FT : LEN_20FT;
    s->length_ft = pl.size == LSCAN_SYNTH_40FT ? 40 : 20;
    s->high_cube = pl.size == LSCAN_SYNTH_40FT ? P(&rc, 0.5) : P(&rc, 0.05);
    double Hc = s->high_cube ? HEIGHT_HC : HEIGHT_STD;
    if (p->flags & LSCAN_SYNTH_NO_CHASSIS)
        s->chassis = false;
    else if (p->flags & LSCAN_SYNTH_ALWAYS_CHASSIS)
        s->chassis = true;
    else
        s->chassis = P(&rc, 0.7);
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

    lscan__synth_container_classic(s, &rc);
    if (s->chassis) lscan__synth_chassis(s, &rc);

    /* Cargo. */
    double payload = pl.size == LSCAN_SYNTH_40FT ? PAYLOAD_40FT : PAYLOAD_20FT;
    struct area a;
    cargo_area(s, &rc, &pl, &a);

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
        lscan__synth_release_cargo(s, &rc, host, &a, t * 0.7, payload);
        memcpy(keep, s->subclass, sizeof keep);
        (void)keep;
        break;
    }
    case LSCAN_CLASS_ANOMALOUS_MASS:
        if (pl.base_kind == 0)
            lscan__synth_load_pallets(s, &rc, &a, t * 0.5, false);
        else if (pl.base_kind == 1)
            lscan__synth_load_bags(s, &rc, &a, t * 0.5);
        else
            lscan__synth_load_bulk(s, &rc, &a, t * 0.5, payload);
        break;
    case LSCAN_CLASS_LOAD_IN_EMPTY: break;
    default: lscan__synth_release_cargo(s, &rc, cls, &a, t, payload); break;
    }

    place_anomaly(s, &ra, &pl, cls, t);
    if (s->base.failed || s->anomaly.failed || s->failed) {
        lscan__synth_scene_free(s);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory building the scene");
    }
    return LSCAN_OK;
}

/* ------------------------------------------------------------------------ */
/* Worlds                                                                     */
/* ------------------------------------------------------------------------ */

/* A draw from a world's weighted component list, restricted by `ok`
 * (NULL: all). Returns the component index, or -1 if none qualifies. */
static int draw_part(rng_t *r, const lscan__world_part *parts, bool (*ok)(int, const void *),
                     const void *arg)
{
    double total = 0;
    for (int k = 0; k < LSCAN__WORLD_MAX_PARTS && parts[k].index >= 0; k++)
        if (!ok || ok(parts[k].index, arg)) total += parts[k].weight;
    double u = U(r) * total;
    int last = -1;
    for (int k = 0; k < LSCAN__WORLD_MAX_PARTS && parts[k].index >= 0; k++) {
        if (ok && !ok(parts[k].index, arg)) continue;
        last = parts[k].index;
        if (u < parts[k].weight) return last;
        u -= parts[k].weight;
    }
    return last;
}

struct build_need {
    unsigned length_bit;
    int cls;
    bool strict; /* also the class (reefers carry clean pallet loads, not bulk or machines) */
};

static bool build_ok(int i, const void *arg)
{
    const struct build_need *n = arg;
    const lscan__build *b = lscan__synth_build(i);
    if (!(b->lengths & n->length_bit)) return false;
    if (n->strict && b->kind == LSCAN__BUILD_REEFER)
        return n->cls == LSCAN_CLASS_EMPTY || n->cls == LSCAN_CLASS_HOMOGENEOUS ||
               LSCAN_CLASS_IS_INSPECT(n->cls);
    return true;
}

static double draw_range(rng_t *r, const double *v)
{
    return v[1] > v[0] ? R(r, v[0], v[1]) : v[0];
}

/* A count with mean m: floor(m), plus one with probability frac(m). */
static uint32_t draw_count(rng_t *r, double m)
{
    uint32_t n = (uint32_t)m;
    return n + (P(r, m - n) ? 1u : 0u);
}

static void make_scanner_profile(rng_t *r, const lscan__profile *pr, lscan__scanner *sc, double *px,
                                 double *py)
{
    sc->poly = true;
    lscan__synth_spectrum_make(&sc->spectrum, pr->endpoint, pr->filter);
    *px = draw_range(r, pr->px);
    *py = draw_range(r, pr->py);
    sc->i0 = draw_range(r, pr->i0);
    sc->quanta = draw_range(r, pr->quanta);
    sc->floor_a = draw_range(r, pr->floor_a);
    sc->floor_level = sc->i0 * lscan__synth_exp(-sc->floor_a);
    sc->floor_sigma = sc->floor_level * R(r, 0.25, 0.5) + 0.8;
    sc->pedestal = draw_range(r, pr->pedestal);
    sc->gain_sigma = draw_range(r, pr->gain);
    sc->module_sigma = draw_range(r, pr->module);
    sc->module_rows = (uint32_t)pr->module_rows;
    sc->dose_sigma = draw_range(r, pr->dose);
    sc->blur = draw_range(r, pr->blur_x);
    sc->blur_y = draw_range(r, pr->blur_y);
    sc->blur_passes = pr->blur_passes;
    double sp = draw_range(r, pr->speed);
    sc->speed_amp = P(r, 0.5) ? sp : -sp;
    sc->speed_phase = R(r, 0.2, 0.8);
    sc->haze = draw_range(r, pr->haze) * lscan__synth_exp(-sc->floor_a);
    sc->haze_mm = pr->haze_mm;
    sc->glow = draw_range(r, pr->glow);
    sc->tau = draw_range(r, pr->tau);
    sc->dead_rows = draw_count(r, pr->dead_rows);
    sc->hot_rows = draw_count(r, pr->hot_rows);
    sc->flip = P(r, pr->flip);
    sc->smear_top = draw_range(r, pr->smear_top);
    sc->smear_bot = draw_range(r, pr->smear_bot);
    sc->noise_key = lscan__synth_rng_next(r);
    sc->gain_key = lscan__synth_rng_next(r);
}

void lscan__synth_scanner_dual(lscan__scanner *sc, const lscan__profile *pr)
{
    /* No draws: the low pulse follows from the profile and the scan's own
     * keys, so a scan's single-energy twin has the same streams (and bytes). */
    sc->dual = true;
    lscan__synth_spectrum_make(&sc->spectrum_low, pr->endpoint_low, pr->filter);
    sc->i0_low = sc->i0 * pr->low_level;
    sc->quanta_low = sc->quanta * pr->low_quanta;
    sc->noise_key_low = lscan__synth_hash(sc->noise_key, 0x10e1e7c0de5eedull);
    sc->dose_key_low = lscan__synth_hash(sc->gain_key, 0xd05e10e1ull);
}

/* The reference (4 MeV) attenuation at which a ray through basis `c` alone
 * reaches an effective attenuation `target` through the spectrum. */
static double reference_for(const lscan__spectrum *sp, int c, double target)
{
    double lo = 0, hi = 60;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi), a[LSCAN__BASIS_COUNT] = {0};
        a[c] = mid;
        if (lscan__synth_spectrum_attenuation(sp, a) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Spec of a drawn export style, e.g. "jpeg-crop-gamma2.1-s0.55-q72": the
 * style's tokens, the mapping's parameter appended to its token. */
static void draw_export(rng_t *r, const lscan__export_style *e, char *buf, size_t size)
{
    double param = e->param[1] > 0 ? R(r, e->param[0], e->param[1]) : 0;
    double scale = e->scale[0] < 1 && !P(r, e->full_scale) ? R(r, e->scale[0], e->scale[1]) : 1;
    int q = e->quality[1] > 0 ? (int)R(r, e->quality[0], e->quality[1] + 1) : 0;
    size_t n = 0;
    buf[0] = '\0';
    for (const char *p = e->name; *p && n + 1 < size;) {
        size_t k = strcspn(p, "-");
        bool mapping = (k == 3 && !strncmp(p, "log", 3)) || (k == 5 && !strncmp(p, "gamma", 5));
        n += (size_t)snprintf(buf + n, size - n, "%s%.*s", n ? "-" : "", (int)k, p);
        if (mapping && param > 0 && n < size)
            n += (size_t)snprintf(buf + n, size - n, "%.1f", param);
        p += k;
        if (*p == '-') p++;
    }
    if (scale < 1 && n < size) n += (size_t)snprintf(buf + n, size - n, "-s%.2f", scale);
    if (q > 0 && n < size) snprintf(buf + n, size - n, "-q%d", q);
}

static int world_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s)
{
    const lscan__world *w = lscan__synth_world(p->world);
    if (!w)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "synth: unknown world %u", p->world);
    rng_t rl, rs, rc, ra, rw;
    lscan__synth_rng_seed(&rl, seed, LSCAN__STREAM_LABEL);
    lscan__synth_rng_seed(&rs, seed, LSCAN__STREAM_SCANNER);
    lscan__synth_rng_seed(&rc, seed, LSCAN__STREAM_SCENE);
    lscan__synth_rng_seed(&ra, seed, LSCAN__STREAM_ANOMALY);
    lscan__synth_rng_seed(&rw, seed, LSCAN__STREAM_WORLD);
    s->world = p->world;
    struct plan pl;
    make_plan(&rl, p, &pl);
    s->cls = pl.cls;
    s->difficulty_target = pl.t;

    /* Length, build, scanner profile, export: the world stream. */
    double len_ft;
    switch (p->container) {
    case LSCAN_SYNTH_20FT: len_ft = 20; break;
    case LSCAN_SYNTH_40FT: len_ft = 40; break;
    case LSCAN_SYNTH_45FT: len_ft = 45; break;
    default: {
        double u = U(&rw) * (w->length[0] + w->length[1] + w->length[2]);
        len_ft = u < w->length[0] ? 20 : u < w->length[0] + w->length[1] ? 40 : 45;
        break;
    }
    }
    struct build_need need = {len_ft == 20 ? 1u : len_ft == 40 ? 2u : 4u, pl.cls, true};
    int bi = draw_part(&rw, w->builds, build_ok, &need);
    if (bi < 0) {
        need.strict = false;
        bi = draw_part(&rw, w->builds, build_ok, &need);
    }
    if (bi < 0)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: world %s has no %.0f ft containers", w->name, len_ft);
    const lscan__build *b = lscan__synth_build(bi);
    const lscan__profile *pr = lscan__synth_profile(draw_part(&rw, w->profiles, NULL, NULL));
    int ei = draw_part(&rw, w->exports, NULL, NULL);
    draw_export(&rw, lscan__synth_export_style(ei), s->export_spec, sizeof s->export_spec);
    s->build = b;
    s->profile = pr;
    s->length_ft = len_ft;

    double px, py;
    make_scanner_profile(&rs, pr, &s->scanner, &px, &py);
    if (p->dual) lscan__synth_scanner_dual(&s->scanner, pr);
    if (p->container == LSCAN_SYNTH_HIRES) px = py = 3.0;
    if (p->flags & LSCAN_SYNTH_NO_SPEED_VARIATION) s->scanner.speed_amp = 0;
    /* Floors for anomaly placement: under by the basis that hardens least
     * (reaches the floor first), over by the one that reaches it last. */
    double under = 1e9, over = 0;
    for (int c = 0; c < LSCAN__BASIS_COUNT; c++) {
        double u = reference_for(&s->scanner.spectrum, c, s->scanner.floor_a - 1.0) + 1.0;
        double o = reference_for(&s->scanner.spectrum, c, s->scanner.floor_a);
        under = u < under ? u : under;
        over = o > over ? o : over;
    }
    s->floor_under = under, s->floor_over = over;

    /* Geometry. */
    double L = len_ft == 20 ? LEN_20FT : len_ft == 40 ? LEN_40FT : 13716.0;
    s->container = len_ft == 20 ? LSCAN_SYNTH_20FT : LSCAN_SYNTH_40FT;
    s->high_cube = len_ft == 45 ? true : P(&rc, len_ft == 40 ? b->hc : b->hc * 0.1);
    double Hc = s->high_cube ? HEIGHT_HC : HEIGHT_STD;
    if (p->flags & LSCAN_SYNTH_NO_CHASSIS)
        s->chassis = false;
    else if (p->flags & LSCAN_SYNTH_ALWAYS_CHASSIS)
        s->chassis = true;
    else
        s->chassis = P(&rc, w->chassis);
    double top_margin = R(&rc, 150, 450);
    double left = R(&rc, 300, 1200), right = R(&rc, 300, 1200);
    double below = s->chassis ? R(&rc, 1150, 1450) : R(&rc, 120, 400);
    s->door_left = P(&rc, 0.5);
    s->cx0 = left, s->cx1 = left + L;
    s->cy0 = top_margin, s->cy1 = top_margin + Hc;
    s->width_mm = left + L + right;
    s->height_mm = s->cy1 + below;
    lscan__synth_container_interior(s, b);
    uint32_t W = p->width ? p->width : (uint32_t)(s->width_mm / px + 0.5);
    uint32_t H = p->height ? p->height : (uint32_t)(s->height_mm / py + 0.5);
    lscan__synth_scene_frame(s, W, H);
    lscan__synth_container_build(s, &rc, b);
    if (s->chassis) lscan__synth_chassis(s, &rc);

    /* Cargo: a commodity for the clean load (or the anomaly's host). */
    double payload = len_ft == 20 ? PAYLOAD_20FT : PAYLOAD_40FT;
    struct area a;
    cargo_area(s, &rc, &pl, &a);
    int cls = pl.cls;
    double t = pl.t;
    int kind = b->kind;
    s->commodity = lscan__synth_commodity_find("empty");
    switch (cls) {
    case LSCAN_CLASS_DENSE_OBJECT:
    case LSCAN_CLASS_IMPENETRABLE:
    case LSCAN_CLASS_HIDDEN_COMPARTMENT: {
        int host = I(&rc, 1, 4);
        if (cls == LSCAN_CLASS_DENSE_OBJECT && P(&rc, 0.3)) host = LSCAN_CLASS_MACHINERY;
        if (kind == LSCAN__BUILD_REEFER) host = LSCAN_CLASS_HOMOGENEOUS;
        int c = lscan__synth_draw_commodity(&rw, host, kind, false);
        lscan__synth_load_commodity(s, &rc, &a, t * 0.7, payload, c);
        break;
    }
    case LSCAN_CLASS_ANOMALOUS_MASS: {
        int c = lscan__synth_draw_commodity(&rw, LSCAN_CLASS_HOMOGENEOUS, kind, true);
        lscan__synth_load_commodity(s, &rc, &a, t * 0.5, payload, c);
        break;
    }
    case LSCAN_CLASS_LOAD_IN_EMPTY: break;
    case LSCAN_CLASS_EMPTY: snprintf(s->subclass, sizeof s->subclass, "empty"); break;
    default: {
        int c = lscan__synth_draw_commodity(&rw, cls, kind, false);
        lscan__synth_load_commodity(s, &rc, &a, t, payload, c);
        break;
    }
    }
    place_anomaly(s, &ra, &pl, cls, t);
    if (s->base.failed || s->anomaly.failed || s->failed) {
        lscan__synth_scene_free(s);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory building the scene");
    }
    return LSCAN_OK;
}

/* ------------------------------------------------------------------------ */
/* Step wedges                                                                */
/* ------------------------------------------------------------------------ */

/*
 * A calibration step wedge in air, scanned by one of the world's scanner
 * profiles: four rows (water, aluminium, steel, lead: the four basis
 * materials, one per material class), WEDGE_STEPS steps each of 200 x 200 mm
 * faces 100 mm apart, whose thicknesses along the beam give reference (4 MeV)
 * attenuations 0.15 * 1.215^k, k = 0..23 (0.15 .. 13: from thinner than any
 * class can be told apart to past every profile's noise floor). Draws: the
 * profile from the WORLD stream and the scanner from the SCANNER stream, as
 * a container scan does; nothing else.
 */
#define WEDGE_STEPS 24
#define WEDGE_PITCH 300.0 /* mm from one step to the next, along x and y */
#define WEDGE_FACE 200.0
#define WEDGE_MARGIN 300.0

static int wedge_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s)
{
    const lscan__world *w = lscan__synth_world(p->world);
    if (!w || p->world == 0)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "synth: a step wedge needs a world with a linac profile");
    rng_t rs, rw;
    lscan__synth_rng_seed(&rs, seed, LSCAN__STREAM_SCANNER);
    lscan__synth_rng_seed(&rw, seed, LSCAN__STREAM_WORLD);
    s->world = p->world;
    s->cls = LSCAN_CLASS_EMPTY;
    s->difficulty_target = 0;
    snprintf(s->subclass, sizeof s->subclass, "step_wedge");
    snprintf(s->export_spec, sizeof s->export_spec, "png16");
    s->commodity = lscan__synth_commodity_find("empty");
    const lscan__profile *pr = lscan__synth_profile(draw_part(&rw, w->profiles, NULL, NULL));
    s->profile = pr;
    double px, py;
    make_scanner_profile(&rs, pr, &s->scanner, &px, &py);
    if (p->dual) lscan__synth_scanner_dual(&s->scanner, pr);
    if (p->flags & LSCAN_SYNTH_NO_SPEED_VARIATION) s->scanner.speed_amp = 0;
    s->floor_under = s->floor_over = s->scanner.floor_a;
    s->width_mm = 2 * WEDGE_MARGIN + WEDGE_STEPS * WEDGE_PITCH;
    s->height_mm = 2 * WEDGE_MARGIN + 4 * WEDGE_PITCH;
    uint32_t W = p->width ? p->width : (uint32_t)(s->width_mm / px + 0.5);
    uint32_t H = p->height ? p->height : (uint32_t)(s->height_mm / py + 0.5);
    lscan__synth_scene_frame(s, W, H);
    static const int mats[4] = {LSCAN__MAT_WATER, LSCAN__MAT_ALUMINIUM, LSCAN__MAT_STEEL,
                                LSCAN__MAT_LEAD};
    for (int row = 0; row < 4; row++) {
        double mu = lscan__synth_mu_solid(mats[row]);
        double y0 = WEDGE_MARGIN + row * WEDGE_PITCH + (WEDGE_PITCH - WEDGE_FACE) / 2;
        double a = 0.15;
        for (int k = 0; k < WEDGE_STEPS; k++, a *= 1.215) {
            double x0 = WEDGE_MARGIN + k * WEDGE_PITCH + (WEDGE_PITCH - WEDGE_FACE) / 2;
            lscan__synth_add_box(&s->base, mu, x0, y0, x0 + WEDGE_FACE, y0 + WEDGE_FACE, a / mu);
            lscan__synth_prims_material(&s->base, mats[row]);
        }
    }
    if (s->base.failed) {
        lscan__synth_scene_free(s);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "synth: out of memory building the scene");
    }
    return LSCAN_OK;
}
