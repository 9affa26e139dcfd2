/* cargo.c — clean loads: the commodity catalogue and its loading patterns. */
#include "build.h"

/* The catalogue's indices (the table is at the end of the file). */
enum {
    C_EMPTY,
    C_FOOD_CARTONS,
    C_PLASTIC_CARTONS,
    C_BEVERAGE_CARTONS,
    C_BOTTLES,
    C_GARMENTS,
    C_FROZEN_MEAT,
    C_BANANAS,
    C_FLOUR_BAGS,
    C_POLYMER_BAGS,
    C_SUGAR_BAGS,
    C_COFFEE_BAGS,
    C_CEMENT_BAGS,
    C_FERTILISER_BIGBAGS,
    C_DRUMS,
    C_IBC,
    C_COILS,
    C_REELS,
    C_ROLLS,
    C_COTTON,
    C_WASTE_PAPER,
    C_TYRES,
    C_TIMBER,
    C_TILES,
    C_INGOTS,
    C_CEREALS_BULK,
    C_RICE_BULK,
    C_PELLETS_BULK,
    C_WOODCHIPS_BULK,
    C_COFFEE_BULK,
    C_SOY_BULK,
    C_GENERAL,
    C_FURNITURE,
    C_MACHINERY,
    C_PIPES,
    C_CARS,
    C_PARTS_CRATES,
    C_COUNT
};

/* ------------------------------------------------------------------------ */
/* Cargo                                                                      */
/* ------------------------------------------------------------------------ */

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
    const lscan__commodity *c = s->cspec;
    double tex_amp = c && c->tex[1] > 0 ? R(r, c->tex[0], c->tex[1]) : R(r, 0.05, 0.3);
    double tex_scale = R(r, 15, 120);
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

void lscan__synth_load_pallets(lscan__scene *s, rng_t *r, const struct area *a, double t,
                               bool mixed_sku)
{
    /* One product: goods density and packaging are the same on every pallet. */
    static const int mats[] = {LSCAN__MAT_ORGANIC, LSCAN__MAT_PLASTIC, LSCAN__MAT_ORGANIC,
                               LSCAN__MAT_WATER, LSCAN__MAT_ORGANIC};
    const lscan__commodity *c = s->cspec;
    int mat = mats[I(r, 0, 4)];
    double rho = c ? R(r, c->rho[0], c->rho[1]) : R(r, 0.12, 0.65);
    int kind = P(r, 0.2) ? 1 : 0;
    if (c) {
        mat = c->mat;
        kind = c->pattern == LSCAN__PAT_PALLET_BOTTLES;
    } else {
        s->commodity = kind                        ? C_BOTTLES
                       : mat == LSCAN__MAT_PLASTIC ? C_PLASTIC_CARTONS
                       : mat == LSCAN__MAT_WATER   ? C_BEVERAGE_CARTONS
                                                   : C_FOOD_CARTONS;
    }
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

void lscan__synth_load_bags(lscan__scene *s, rng_t *r, const struct area *a, double t)
{
    lscan__prim_list *l = &s->base;
    const lscan__commodity *c = s->cspec;
    int mat = P(r, 0.7) ? LSCAN__MAT_ORGANIC : LSCAN__MAT_PLASTIC;
    double rho = c ? R(r, c->rho[0], c->rho[1]) : R(r, 0.45, 0.75); /* inside the sack */
    double len = R(r, 700, 950), wid = R(r, 420, 560), th = R(r, 130, 190);
    if (c) {
        mat = c->mat;
        if (c->variant == 1) { /* 50 kg sugar: short, tight sacks */
            len = 680 + (len - 700) * 0.4, wid = 420 + (wid - 420) * 0.4;
            th = 120 + (th - 130) * 0.5;
        } else if (c->variant == 2) { /* 60-70 kg jute: long, plump */
            len += 120, wid += 60, th += 25;
        }
    } else {
        s->commodity = mat == LSCAN__MAT_ORGANIC ? C_FLOUR_BAGS : C_POLYMER_BAGS;
    }
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
    const lscan__commodity *c = s->cspec;
    bool ibc = P(r, 0.35);
    /* Four full drums (or two IBCs) across the beam hold ~2 m of liquid:
     * lighter liquids keep that penetrable (A <= ~7). */
    double rho = c ? R(r, c->rho[0], c->rho[1]) : R(r, 0.7, 0.95);
    if (c)
        ibc = c->pattern == LSCAN__PAT_IBC;
    else
        s->commodity = ibc ? C_IBC : C_DRUMS;
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
            lscan__synth_add_box(l, mu_l, x + 30, y0 + h * (1 - lvl), x + 1170, top - 10,
                                 2 * 980.0);
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

void lscan__synth_load_bulk(lscan__scene *s, rng_t *r, const struct area *a, double t,
                            double payload)
{
    lscan__prim_list *l = &s->base;
    static const struct {
        const char *name;
        int mat;
        double lo, hi;
    } kinds[] = {
        {"grain", LSCAN__MAT_ORGANIC, 0.70, 0.82},
        {"rice", LSCAN__MAT_ORGANIC, 0.75, 0.85},
        {"plastic_pellets", LSCAN__MAT_PLASTIC, 0.50, 0.62},
        {"wood_chips", LSCAN__MAT_WOOD, 0.25, 0.40},
        {"coffee_beans", LSCAN__MAT_ORGANIC, 0.55, 0.68},
        {"soybeans", LSCAN__MAT_ORGANIC, 0.70, 0.78},
    };
    int k = I(r, 0, 5);
    if (s->cspec)
        k = s->cspec->variant;
    else
        s->commodity = C_CEREALS_BULK + k;
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
        double cy =
            R(r, top + ry + 20, a->floor - ry > top + ry + 20 ? a->floor - ry : top + ry + 21);
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
    case 0:
    case 1: /* cartons */
    {
        int mat = P(r, 0.5) ? LSCAN__MAT_ORGANIC : LSCAN__MAT_PLASTIC;
        double rho = R(r, 0.08, 0.5);
        double dd = d * R(r, 0.6, 1.0);
        carton_block(s, r, mat, rho, 0.05, x, y0, x + w, floor, dd, false);
    } break;
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
            add_cyl_y(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.15), xx, floor - n * th, floor, ro,
                      ri, (int)(d / (2 * ro)) > 0 ? (int)(d / (2 * ro)) : 1);
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
                add_cyl_x(l, mu_s, px, px + pw, py + ph * 0.5, ph * 0.5, P(r, 0.5) ? ph * 0.4 : 0,
                          1);
        }
        s->cargo_mass_kg += 150;
        break;
    }
    case 7: { /* textile bales with steel straps */
        double rho = R(r, 0.3, 0.6);
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, rho), x, y0, x + w, floor,
                             d * 0.9);
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
        lscan__synth_add_box(l, lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.6), x, y0, x + w, floor,
                             2 * 5);
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
    if (!s->cspec) s->commodity = C_GENERAL;
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
/* The worlds' spectra attenuate ~15-30% more than the classic 4 MeV values
 * at these thicknesses: their parts are capped lower. */
#define CLEAN_PART_MAX_A_POLY 4.5
static void cbox(lscan__prim_list *l, double cap, double mu, double x0, double y0, double x1,
                 double y1, double depth)
{
    if (mu > 0 && mu * depth > cap) depth = cap / mu;
    lscan__synth_add_box(l, mu, x0, y0, x1, y1, depth);
}

static void cdisc(lscan__prim_list *l, double cap, double mu, double cx, double cy, double r,
                  double r_in, double depth)
{
    if (mu > 0 && mu * depth > cap) depth = cap / mu;
    add_disc(l, mu, cx, cy, r, r_in, depth);
}

static double machine(lscan__scene *s, rng_t *r, double x, double w, double floor, double hmax,
                      double d, double t)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double cap = s->world ? CLEAN_PART_MAX_A_POLY : CLEAN_PART_MAX_A;
    double h = R(r, 0.45, 0.95) * hmax;
    double y0 = floor - h;
    /* Skid and frame. */
    cbox(l, cap, mu_s, x, floor - 120, x + w, floor - 110, d * 0.6);
    cbox(l, cap, mu_s, x, floor - 120, x + w, floor, 2 * 8.0);
    cbox(l, cap, mu_s, x, floor - 10, x + w, floor, d * 0.6);
    int kind = I(r, 0, 4);
    double body_x0 = x + w * 0.08, body_x1 = x + w * 0.92, body_y1 = floor - 120;
    switch (kind) {
    case 0: { /* engine: cast block with bores, crankshaft, flywheel, manifolds */
        double bh = h * 0.6;
        double by0 = body_y1 - bh;
        double dd = d * R(r, 0.25, 0.45);
        cbox(l, cap, mu_s, body_x0, by0, body_x1, body_y1, dd * 0.30);
        int cyl = I(r, 4, 8);
        double cw = (body_x1 - body_x0) / cyl;
        for (int i = 0; i < cyl; i++)
            cbox(l, cap, -mu_s, body_x0 + i * cw + cw * 0.15, by0 + bh * 0.08,
                 body_x0 + (i + 0.85) * cw, by0 + bh * 0.55, dd * 0.18);
        add_cyl_x(l, mu_s, body_x0 - 80, body_x1 + 60, body_y1 - bh * 0.2, R(r, 35, 60), 0, 1);
        cdisc(l, cap, mu_s, body_x1 + 40, body_y1 - bh * 0.3, bh * 0.35, 40, R(r, 40, 90));
        cbox(l, cap, mu_s, body_x0, by0 - bh * 0.3, body_x1, by0, dd * 0.05);
        break;
    }
    case 1: { /* electric motor / generator: stator ring, rotor, shaft */
        double rr = (h < w ? h : w) * 0.45;
        double cx = (body_x0 + body_x1) * 0.5, cy = body_y1 - rr;
        double len = d * R(r, 0.3, 0.6);
        cdisc(l, cap, mu_s, cx, cy, rr, rr * 0.62, len * 0.55);
        cdisc(l, cap, lscan__synth_mu_solid(LSCAN__MAT_COPPER), cx, cy, rr * 0.62, rr * 0.55,
              len * 0.3);
        cdisc(l, cap, mu_s, cx, cy, rr * 0.5, rr * 0.12, len * 0.45);
        cdisc(l, cap, mu_s, cx, cy, rr * 0.12, 0, len * 1.2);
        cbox(l, cap, mu_s, cx - rr, cy - rr, cx + rr, cy + rr, 2 * 4.0);
        y0 = cy - rr;
        break;
    }
    case 2: { /* pump/compressor skid: housings, pipes, valves */
        double hy0 = body_y1 - h * 0.5;
        cbox(l, cap, mu_s, body_x0, hy0, (body_x0 + body_x1) * 0.5, body_y1, 2 * 12.0);
        double pr = R(r, 50, 110);
        double pri = pr * R(r, 0.8, 0.95);
        add_cyl_x(l, mu_s, body_x0, body_x1, hy0 - 80, pr, pri, 1);
        double vr = R(r, 60, 150);
        double vri = vr * R(r, 0.8, 0.95);
        add_cyl_y(l, mu_s, body_x1 - 200, hy0 - 300, body_y1, vr, vri, 1);
        cdisc(l, cap, mu_s, (body_x0 + body_x1) * 0.5 + 200, body_y1 - 250, 200, 60,
              R(r, 100, 300));
        break;
    }
    case 3: { /* structural steel: I-beams, plates, frames */
        int n = I(r, 2, 6);
        for (int i = 0; i < n; i++) {
            double yy = R(r, y0, body_y1 - 200);
            double bh = R(r, 100, 300), tf = R(r, 8, 16), bw = R(r, 100, 200);
            cbox(l, cap, mu_s, body_x0, yy, body_x1, yy + tf, bw);
            cbox(l, cap, mu_s, body_x0, yy + bh - tf, body_x1, yy + bh, bw);
            cbox(l, cap, mu_s, body_x0, yy, body_x1, yy + bh, R(r, 6, 12));
        }
        break;
    }
    default: { /* vehicle: thin body shell, engine block, wheels, seats */
        double vh = h < 1500 ? h : R(r, 1300, 1600);
        double vy0 = floor - vh;
        cbox(l, cap, mu_s, body_x0, vy0 + vh * 0.3, body_x1, floor - 250, 2 * 0.8);
        cbox(l, cap, mu_s, body_x0, vy0 + vh * 0.3, body_x1, vy0 + vh * 0.3 + 1, 1600);
        cbox(l, cap, lscan__synth_mu_solid(LSCAN__MAT_GLASS), body_x0 + w * 0.25, vy0,
             body_x1 - w * 0.3, vy0 + vh * 0.3, 2 * 4.0);
        double ex = body_x1 - 700;
        cbox(l, cap, mu_s, ex, floor - 750, ex + 500, floor - 300, 450 * 0.35);
        for (int k = 0; k < 2; k++) {
            double wx = k ? body_x1 - 500 : body_x0 + 500;
            cdisc(l, cap, lscan__synth_mu_solid(LSCAN__MAT_RUBBER), wx, floor - 320, 320, 200,
                  2 * 2 * 10);
            cdisc(l, cap, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.5), wx, floor - 320, 320, 300,
                  2 * 200);
            cdisc(l, cap, mu_s, wx, floor - 320, 200, 60, 2 * 8);
            cdisc(l, cap, mu_s, wx, floor - 320, 130, 0, 2 * 60);
        }
        cbox(l, cap, lscan__synth_mu(LSCAN__MAT_PLASTIC, 0.1), body_x0 + w * 0.3, floor - 900,
             body_x0 + w * 0.6, floor - 350, 1200);
        y0 = vy0;
        break;
    }
    }
    /* Legitimate compact dense parts; more of them at higher difficulty. */
    int parts = I(r, 0, 1 + (int)(5 * t));
    for (int i = 0; i < parts; i++) {
        double pw = R(r, 60, 260), ph = R(r, 60, 260);
        double px = R(r, body_x0, body_x1 - pw), py = R(r, y0, body_y1 - ph);
        double amax = (5.5 - 1.5 * U(r)) * (cap / CLEAN_PART_MAX_A); /* well above the floor */
        double dep = R(r, 40, 220);
        if (mu_s * dep > amax) dep = amax / mu_s;
        if (P(r, 0.5))
            cbox(l, cap, mu_s, px, py, px + pw, py + ph, dep);
        else
            cdisc(l, cap, mu_s, px + pw * 0.5, py + ph * 0.5, pw * 0.5, P(r, 0.5) ? pw * 0.2 : 0,
                  dep);
    }
    s->cargo_mass_kg += w * h * d * 1e-6 * 0.9;
    return y0;
}

static void load_machinery(lscan__scene *s, rng_t *r, const struct area *a, double t,
                           double payload)
{
    double x = a->x0 + R(r, 50, 400);
    double xend = a->x1 - R(r, 0, (a->x1 - a->x0) * 0.4);
    int subkind = I(r, 0, 3);
    if (s->cspec)
        subkind = s->cspec->pattern == LSCAN__PAT_PIPES ? 3 : subkind % 3;
    else
        s->commodity = subkind == 3 ? C_PIPES : C_MACHINERY;
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
            add_slot(s, x, cy - rp, x + xlen, cy + rp, across * 2 * wall,
                     lscan__synth_mu_solid(LSCAN__MAT_STEEL));
            lscan__synth_add_box(&s->base, lscan__synth_mu(LSCAN__MAT_WOOD, 0.6), x + 200, cy + rp,
                                 x + 300, cy + rp + 5, a->depth);
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
             subkind == 0   ? "engines"
             : subkind == 1 ? "industrial"
                            : "mixed_machinery");
    s->cargo_mu_typical = 1.0;
}

void lscan__synth_release_cargo(lscan__scene *s, rng_t *r, int cls, const struct area *a, double t,
                                double payload)
{
    switch (cls) {
    case LSCAN_CLASS_EMPTY:
        snprintf(s->subclass, sizeof s->subclass, "empty");
        s->commodity = C_EMPTY;
        break;
    case LSCAN_CLASS_HOMOGENEOUS: {
        int k = I(r, 0, 5);
        if (k <= 2) {
            bool sku = P(r, 0.3 * t);
            lscan__synth_load_pallets(s, r, a, t, sku);
            snprintf(s->subclass, sizeof s->subclass, "%s",
                     sku ? "pallets_two_products" : "pallets");
        } else if (k <= 4) {
            lscan__synth_load_bags(s, r, a, t);
            snprintf(s->subclass, sizeof s->subclass, "bags");
        } else {
            load_drums(s, r, a, t);
            snprintf(s->subclass, sizeof s->subclass, "drums");
        }
        break;
    }
    case LSCAN_CLASS_BULK: lscan__synth_load_bulk(s, r, a, t, payload); break;
    case LSCAN_CLASS_MIXED:
        load_mixed(s, r, a, t, payload);
        snprintf(s->subclass, sizeof s->subclass, "general_cargo");
        break;
    default: load_machinery(s, r, a, t, payload); break;
    }
}

/* ------------------------------------------------------------------------ */
/* Commodities of the worlds: loading patterns beyond the classic ones       */
/* ------------------------------------------------------------------------ */

/* A clean unit's own attenuation at the 4 MeV reference stays under this
 * (like CLEAN_PART_MAX_A): with the container and beam hardening it keeps
 * every clean column penetrable on the worlds' scanners. */
#define CLEAN_UNIT_MAX_A 5.0

/* The path (mm) at which matter of attenuation mu (1/mm) reaches `amax`. */
static double cap_path(double mu, double path, double amax)
{
    return mu > 0 && mu * path > amax ? amax / mu : path;
}

static bool payload_full(const lscan__scene *s, double payload)
{
    return s->cargo_mass_kg >= payload * 0.95;
}

/* 25-50 kg sacks of powder stacked on pallets, one pallet across the beam
 * (cement, mortar, fertiliser in small bags). */
static void load_bags_pallet(lscan__scene *s, rng_t *r, const struct area *a, double t,
                             double payload, const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double rho = R(r, c->rho[0], c->rho[1]);
    double pd = R(r, 1000, 1140); /* the pallet's size across the beam: its path */
    double mu = lscan__synth_mu(c->mat, rho);
    double d = cap_path(mu, pd * 0.9, CLEAN_UNIT_MAX_A);
    double plen = P(r, 0.5) ? 1200 : 1100;
    double bag_l = plen * 0.5 - 10, bag_t = R(r, 105, 135);
    int layers = I(r, 7, 10);
    double hmax = a->floor - a->ceil;
    bool two_tiers = hmax > 2 * (layers * bag_t + 160) + 100 && P(r, 0.4);
    double x = a->x0 + R(r, 0, 80);
    while (x + plen <= a->x1 && !payload_full(s, payload)) {
        double base = a->floor;
        double ytop = base;
        for (int tier = 0; tier < (two_tiers ? 2 : 1); tier++) {
            double top = pallet_base(s, r, x, x + plen, base, pd);
            for (int j = 0; j < layers; j++) {
                double cy = top - bag_t * (j + 0.5);
                bool turned = j % 2 == 1; /* interlocked: alternate layers turned */
                int nb = turned ? 3 : 2;
                double bl = turned ? plen / 3.0 : bag_l;
                for (int k = 0; k < nb; k++) {
                    double f = 1.0 + lerp(0.01, 0.04, t) * N(r);
                    double ex = x + bl * (k + 0.5) + R(r, -15, 15);
                    double ey = cy + R(r, -8, 8);
                    mell(l, c->mat, rho * f, ex, ey, bl * 0.54, bag_t * 0.62, d, true);
                }
            }
            double h = layers * bag_t;
            add_slot(s, x, top - h, x + plen, top, d, mu);
            s->cargo_mass_kg += rho * plen * h * d * 0.85e-6;
            ytop = top - h;
            base = ytop;
        }
        note_load(s, x, x + plen, ytop);
        x += plen + R(r, 20, 120);
    }
    s->cargo_mu_typical = mu * d;
    snprintf(s->subclass, sizeof s->subclass, "bags_on_pallets");
}

/* Flexible intermediate bulk containers: ~1 m cubes of woven
 * polypropylene with a rounded top, one (dense goods) or two across. */
static void load_big_bags(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                          const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double rho = R(r, c->rho[0], c->rho[1]);
    double size = R(r, 900, 1000), hb = R(r, 950, 1250);
    int across = rho > 0.7 ? 1 : 2;
    double mu = lscan__synth_mu(c->mat, rho);
    double d = cap_path(mu, size * across * 0.92, CLEAN_UNIT_MAX_A);
    double hmax = a->floor - a->ceil;
    bool stack2 = hmax > 2 * hb + 250 && P(r, 0.5);
    double x = a->x0 + R(r, 0, 100);
    while (x + size <= a->x1 && !payload_full(s, payload)) {
        double base = a->floor, top = base;
        for (int lev = 0; lev < (stack2 ? 2 : 1); lev++) {
            double cap = hb * R(r, 0.12, 0.2);
            double sag = R(r, 10, 40); /* the sides bulge: narrower at the bottom */
            double f = 1.0 + lerp(0.01, 0.05, t) * N(r);
            double top = base - hb + cap;
            mbox(l, c->mat, rho * f, x + sag, top, x + size - sag, base, d);
            double tamp = R(r, 0.02, 0.06), tsc = R(r, 20, 60); /* one draw per statement */
            textured(l, r, tamp, tsc);
            mbox(l, c->mat, rho * f, x, top, x + size, base - sag * 4, d * 0.35);
            /* The filled top: a dome of two steps above the body. */
            mbox(l, c->mat, rho * f, x + size * 0.06, top - cap * 0.5, x + size * 0.94, top,
                 d * 0.9);
            mbox(l, c->mat, rho * f, x + size * 0.2, top - cap, x + size * 0.8, top - cap * 0.5,
                 d * 0.7);
            /* Lifting loops and the discharge spout. */
            mbox(l, LSCAN__MAT_PLASTIC, -1, x + 40, base - hb - 60, x + 70, base - hb + cap,
                 d * 0.1);
            mbox(l, LSCAN__MAT_PLASTIC, -1, x + size - 70, base - hb - 60, x + size - 40,
                 base - hb + cap, d * 0.1);
            add_slot(s, x, base - hb + cap, x + size, base, d, mu);
            s->cargo_mass_kg += rho * size * hb * d * 0.9e-6;
            top = base - hb - 60;
            base = base - hb - R(r, 0, 30);
        }
        note_load(s, x, x + size, top);
        x += size + R(r, 20, 150);
    }
    s->cargo_mu_typical = mu * d;
    snprintf(s->subclass, sizeof s->subclass, "big_bags");
}

/* Wire-rod coils lying eye to the doors on timber cradles, one file down
 * the middle: loose turns of rod, so an effective density of ~1.5-2. */
static void load_coils(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                       const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double ro = R(r, 580, 650), ri = ro * R(r, 0.64, 0.72);
    double chord = 2.0 * __builtin_sqrt(ro * ro - ri * ri); /* the longest path, at the eye */
    double rho = R(r, c->rho[0], c->rho[1]);
    double mu_per_rho = lscan__synth_mu(LSCAN__MAT_STEEL, 1.0);
    if (mu_per_rho * rho * chord > CLEAN_UNIT_MAX_A) rho = CLEAN_UNIT_MAX_A / (mu_per_rho * chord);
    double len = R(r, 1300, 1700);
    double cradle = R(r, 120, 180);
    double x = a->x0 + R(r, 50, 300);
    while (x + len <= a->x1 && !payload_full(s, payload)) {
        double l1 = len * R(r, 0.95, 1.05);
        double cy = a->floor - cradle - ro;
        double f = 1.0 + lerp(0.01, 0.04, t) * N(r);
        mcyl_x(l, LSCAN__MAT_STEEL, rho * f, x, x + l1, cy, ro, ri, 1);
        /* Timber cradle blocks and the steel bands through the eye. */
        mbox(l, LSCAN__MAT_WOOD, 0.6, x + 100, a->floor - cradle, x + 260, a->floor, 1200);
        mbox(l, LSCAN__MAT_WOOD, 0.6, x + l1 - 260, a->floor - cradle, x + l1 - 100, a->floor,
             1200);
        for (int b = 0; b < 4; b++) {
            double bx = x + l1 * (b + 0.5) / 4.0;
            mbox(l, LSCAN__MAT_STEEL, -1, bx - 16, cy - ro, bx + 16, cy - ri, 2 * 1.2);
            mbox(l, LSCAN__MAT_STEEL, -1, bx - 16, cy + ri, bx + 16, cy + ro, 2 * 1.2);
        }
        add_slot(s, x, cy - ro, x + l1, cy + ro, chord * 0.6, mu_per_rho * rho);
        s->cargo_mass_kg += rho * 3.14159 * (ro * ro - ri * ri) * l1 * 1e-6;
        note_load(s, x, x + l1, cy - ro);
        x += l1 + R(r, 150, 450);
    }
    s->cargo_mu_typical = mu_per_rho * rho * chord * 0.5;
    snprintf(s->subclass, sizeof s->subclass, "coils");
}

/* Paper reels standing on end, two across when they fit, one or two high. */
static void load_reels(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                       const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double dia = R(r, 900, 1200);
    int across = a->depth >= 2 * dia + 60 ? 2 : 1;
    double rho = R(r, c->rho[0], c->rho[1]);
    double mu = lscan__synth_mu(c->mat, rho);
    if (mu * dia * across > CLEAN_UNIT_MAX_A) rho *= CLEAN_UNIT_MAX_A / (mu * dia * across);
    mu = lscan__synth_mu(c->mat, rho);
    double hr = R(r, 900, 1400);
    double hmax = a->floor - a->ceil;
    int tiers = hmax > 2 * hr + 100 && P(r, 0.6) ? 2 : 1;
    double x = a->x0 + R(r, 0, 80);
    while (x + dia <= a->x1 && !payload_full(s, payload)) {
        double base = a->floor;
        for (int k = 0; k < tiers; k++) {
            double f = 1.0 + lerp(0.005, 0.03, t) * N(r);
            double h = hr * R(r, 0.98, 1.02);
            mcyl_y(l, c->mat, rho * f, x + dia * 0.5, base - h, base, dia * 0.5, R(r, 40, 60),
                   across);
            /* Wrapper and end caps. */
            mbox(l, LSCAN__MAT_ORGANIC, 0.7, x, base - h, x + dia, base - h + 4,
                 dia * across * 0.9);
            add_slot(s, x + dia * 0.15, base - h, x + dia * 0.85, base, dia * across * 0.8, mu);
            s->cargo_mass_kg += rho * 3.14159 * dia * dia * 0.25 * h * across * 1e-6;
            base -= h + R(r, 0, 10);
        }
        note_load(s, x, x + dia, base);
        x += dia + R(r, 10, 60);
    }
    s->cargo_mu_typical = mu * dia * across * 0.8;
    snprintf(s->subclass, sizeof s->subclass, "reels");
}

/* Rolls of carpet or textile lying along the container, nested in layers. */
static void load_rolls(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                       const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double rr = R(r, 150, 260), len = R(r, 3000, 4000);
    double rho = R(r, c->rho[0], c->rho[1]);
    int across = (int)(a->depth / (2 * rr));
    if (across < 1) across = 1;
    double hmax = (a->floor - a->ceil) * R(r, 0.6, 0.95);
    int layers = (int)(hmax / (2 * rr * 0.87));
    double x = a->x0 + R(r, 0, 100);
    while (x + 1500 <= a->x1 && !payload_full(s, payload)) {
        double l1 = len < a->x1 - x ? len : a->x1 - x;
        double top = a->floor;
        for (int j = 0; j < layers; j++) {
            double cy = a->floor - rr - j * 2 * rr * 0.87;
            double f = 1.0 + lerp(0.01, 0.05, t) * N(r);
            double jx = R(r, -40, 40);
            mcyl_x(l, c->mat, rho * f, x + jx + 20, x + jx + l1 - 20, cy, rr, 40, across - (j % 2));
            top = cy - rr;
        }
        double mu = lscan__synth_mu(c->mat, rho);
        add_slot(s, x, top, x + l1, a->floor, a->depth * 0.75, mu);
        s->cargo_mass_kg += rho * 3.14159 * rr * rr * l1 * across * layers * 1e-6;
        note_load(s, x, x + l1, top);
        x += l1 + R(r, 30, 200);
    }
    s->cargo_mu_typical = lscan__synth_mu(c->mat, rho) * a->depth * 0.75;
    snprintf(s->subclass, sizeof s->subclass, "rolls");
}

/* Pressed bales held by wire ties: cotton (variant 0: long flat bales, four
 * across) or waste paper (variant 1: big lumpy bales, two across). The ties'
 * runs along the beam cross metres of wire edge-on: the dots at the top and
 * bottom of every bale that real scans show. */
static void load_bales(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                       const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    bool paper = c->variant == 1;
    double bl = paper ? R(r, 1050, 1250) : R(r, 1350, 1450);
    double bh = paper ? R(r, 750, 900) : R(r, 520, 580);
    double bz = paper ? R(r, 1000, 1120) : R(r, 520, 560);
    int across = (int)(a->depth / bz);
    if (across < 1) across = 1;
    double rho = R(r, c->rho[0], c->rho[1]);
    double mu = lscan__synth_mu(c->mat, rho);
    double d = cap_path(mu, bz * across * 0.96, CLEAN_UNIT_MAX_A);
    double tex_amp = paper ? R(r, 0.2, 0.35) : R(r, 0.08, 0.16);
    double tex_scale = paper ? R(r, 40, 140) : R(r, 20, 60);
    int ties = paper ? I(r, 4, 6) : I(r, 6, 8);
    double hmax = a->floor - a->ceil;
    int tiers = (int)((hmax - 50) / bh);
    if (tiers < 1) tiers = 1;
    double x = a->x0 + R(r, 0, 60);
    while (x + bl <= a->x1 && !payload_full(s, payload)) {
        double base = a->floor;
        for (int k = 0; k < tiers; k++) {
            double jx = paper ? R(r, -30, 30) : R(r, -10, 10);
            double h = bh * R(r, 0.96, 1.04);
            double f = 1.0 + lerp(0.02, 0.06, t) * N(r);
            mbox(l, c->mat, rho * f, x + jx, base - h, x + jx + bl, base, d);
            textured(l, r, tex_amp, tex_scale);
            for (int i = 0; i < ties; i++) {
                double tx = x + jx + bl * (i + 0.5) / ties;
                /* Runs along the beam at the top and bottom (3 mm wire over
                 * the whole width), and the vertical runs seen edge-on. */
                mbox(l, LSCAN__MAT_STEEL, -1, tx - 1.5, base - h, tx + 1.5, base - h + 3, d * 0.8);
                mbox(l, LSCAN__MAT_STEEL, -1, tx - 1.5, base - 3, tx + 1.5, base, d * 0.8);
                mbox(l, LSCAN__MAT_STEEL, -1, tx - 1.5, base - h, tx + 1.5, base,
                     2.0 * 3.0 * across);
            }
            add_slot(s, x + jx, base - h, x + jx + bl, base, d, mu);
            s->cargo_mass_kg += rho * bl * h * d * 1e-6;
            base -= h + R(r, 0, 15);
        }
        note_load(s, x, x + bl, base);
        x += bl + R(r, 10, 80);
    }
    s->cargo_mu_typical = mu * d;
    snprintf(s->subclass, sizeof s->subclass, "%s", paper ? "paper_bales" : "cotton_bales");
}

/* Passenger tyres standing on their treads, laced: rows across the beam
 * seen along their axes as rings (sidewalls, tread, steel belts, beads). */
static void load_tyres(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                       const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double ro = R(r, 290, 340), ri = ro * R(r, 0.58, 0.66), w = R(r, 185, 235);
    int rows = (int)(a->depth / w);
    int per = rows / 2 > 0 ? rows / 2 : 1; /* laced: alternate positions hold half the rows */
    double rho = R(r, c->rho[0], c->rho[1]);
    double hmax = (a->floor - a->ceil) * R(r, 0.8, 0.97);
    int tiers = (int)(hmax / (2 * ro * 0.88));
    if (tiers < 1) tiers = 1;
    double pitch = 2 * ro * R(r, 0.55, 0.7);
    double x = a->x0 + ro + R(r, 0, 60);
    int col = 0;
    while (x + ro <= a->x1 && !payload_full(s, payload)) {
        for (int k = 0; k < tiers; k++) {
            double cy = a->floor - ro - k * 2 * ro * 0.88 - (col % 2) * ro * 0.3;
            if (cy - ro < a->ceil) break;
            double cx = x + R(r, -8, 8);
            mdisc(l, LSCAN__MAT_RUBBER, rho, cx, cy, ro - 22, ri + 15, 2 * 11.0 * per);
            mdisc(l, LSCAN__MAT_RUBBER, rho * 1.1, cx, cy, ro, ro - 22, w * per);
            mdisc(l, LSCAN__MAT_STEEL, 7.87 * 0.25, cx, cy, ro - 24, ro - 28, w * 0.8 * per);
            mdisc(l, LSCAN__MAT_STEEL, 7.87 * 0.5, cx, cy, ri + 14, ri, 2 * 12.0 * per);
            s->cargo_mass_kg += 9.0 * per;
        }
        add_slot(s, x - ro, a->floor - tiers * 2 * ro * 0.88, x + ro, a->floor, a->depth * 0.3,
                 lscan__synth_mu(LSCAN__MAT_RUBBER, rho * 0.3));
        note_load(s, x - ro, x + ro, a->floor - tiers * 2 * ro * 0.88 - ro * 0.3);
        x += pitch;
        col++;
    }
    (void)t;
    s->cargo_mu_typical = lscan__synth_mu(LSCAN__MAT_RUBBER, rho) * a->depth * 0.3;
    snprintf(s->subclass, sizeof s->subclass, "tyres");
}

/* Packs of sawn timber two across: planks in layers (stickered with gaps
 * in some packs), ragged ends, bearers between packs, steel straps. */
static void load_timber(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                        const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double rho = R(r, c->rho[0], c->rho[1]);
    double pw = a->depth * 0.48; /* each pack across the beam */
    double plank = R(r, 22, 50);
    bool stickered = P(r, 0.4);
    double gap = stickered ? R(r, 18, 25) : 0.0;
    double ph = R(r, 500, 900);
    int layers = (int)(ph / (plank + gap));
    double hmax = a->floor - a->ceil;
    int tiers = (int)(hmax / (ph + 90));
    if (tiers > 3) tiers = 3;
    if (tiers < 1) tiers = 1;
    double mu = lscan__synth_mu(c->mat, rho);
    double tex = R(r, 0.05, 0.12);
    double x = a->x0 + R(r, 0, 100);
    while (x + 2000 <= a->x1 && !payload_full(s, payload)) {
        double pl = R(r, 3000, 5500);
        if (x + pl > a->x1) pl = a->x1 - x;
        double base = a->floor;
        for (int k = 0; k < tiers; k++) {
            /* Bearers under the pack. */
            for (int b = 0; b < 3; b++) {
                double bx = x + 150 + (pl - 375) * b / 2.0;
                mbox(l, LSCAN__MAT_WOOD, 0.55, bx, base - 75, bx + 75, base, a->depth * 0.95);
            }
            base -= 75;
            double y = base;
            for (int j = 0; j < layers; j++) {
                double e0 = R(r, 0, 60), e1 = R(r, 0, 60);
                double f = 1.0 + lerp(0.01, 0.04, t) * N(r);
                mbox(l, c->mat, rho * f, x + e0, y - plank, x + pl - e1, y, pw * 2 * 0.97);
                textured(l, r, tex, R(r, 30, 90));
                y -= plank;
                if (gap > 0) {
                    for (double sx = x + 100; sx < x + pl - 50; sx += 600)
                        mbox(l, LSCAN__MAT_WOOD, 0.5, sx, y - gap, sx + 25, y, pw * 2);
                    y -= gap;
                }
            }
            for (int b = 0; b < 3; b++) { /* straps around each pack */
                double bx = x + pl * (b + 0.5) / 3.0;
                mbox(l, LSCAN__MAT_STEEL, -1, bx - 10, y, bx + 10, base, 2 * 2 * 1.0);
                mbox(l, LSCAN__MAT_STEEL, -1, bx - 10, y - 1, bx + 10, y, pw * 2);
            }
            add_slot(s, x, y, x + pl, base, pw * 2 * plank / (plank + gap), mu);
            s->cargo_mass_kg += rho * pl * (base - y) * pw * 2 * 1e-6 * plank / (plank + gap);
            base = y;
        }
        note_load(s, x, x + pl, base);
        x += pl + R(r, 50, 300);
    }
    s->cargo_mu_typical = mu * a->depth * 0.9;
    snprintf(s->subclass, sizeof s->subclass, "timber_packs");
}

/* Ceramic tiles: low, very dense pallets of boxed tiles, one across the
 * beam, spaced out to spread the weight. */
static void load_tiles(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                       const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double rho = R(r, c->rho[0], c->rho[1]);
    double pd = R(r, 950, 1100);
    double mu = lscan__synth_mu(c->mat, rho);
    double d = cap_path(mu, pd, CLEAN_UNIT_MAX_A - 0.3);
    double plen = R(r, 1000, 1200);
    double box_h = R(r, 55, 95);
    int boxes = I(r, 7, 11);
    double x = a->x0 + R(r, 0, 150);
    while (x + plen <= a->x1 && !payload_full(s, payload)) {
        double top = pallet_base(s, r, x, x + plen, a->floor, pd);
        double y = top;
        double f = 1.0 + lerp(0.01, 0.03, t) * N(r);
        for (int j = 0; j < boxes; j++) {
            mbox(l, c->mat, rho * f, x + 15, y - box_h + 4, x + plen - 15, y, d);
            y -= box_h;
        }
        /* Corner boards and the straps. */
        mbox(l, LSCAN__MAT_WOOD, 0.5, x + 5, y, x + 25, top, pd * 0.2);
        mbox(l, LSCAN__MAT_WOOD, 0.5, x + plen - 25, y, x + plen - 5, top, pd * 0.2);
        mbox(l, LSCAN__MAT_STEEL, -1, x + plen * 0.3 - 8, y, x + plen * 0.3 + 8, top, 2 * 0.8);
        mbox(l, LSCAN__MAT_STEEL, -1, x + plen * 0.7 - 8, y, x + plen * 0.7 + 8, top, 2 * 0.8);
        add_slot(s, x + 15, y, x + plen - 15, top, d, mu);
        s->cargo_mass_kg += rho * plen * (top - y) * d * 1e-6;
        note_load(s, x, x + plen, y);
        x += plen + R(r, 100, 450);
    }
    s->cargo_mu_typical = mu * d;
    snprintf(s->subclass, sizeof s->subclass, "tile_pallets");
}

/* Bundles of aluminium ingots, one across the beam: layers of bars along
 * the container (bands) alternating with bars across it (a row of blocks),
 * the grid that real scans of ingots show. */
static void load_ingots(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                        const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double bl = R(r, 600, 680); /* bundle length along x; bars across are this long in z */
    double bz = R(r, 560, 620); /* bundle size across the beam */
    double lh = R(r, 70, 95);   /* one layer of bars */
    int layers = I(r, 6, 9);
    double fill = R(r, 0.55, 0.7);
    double hmax = a->floor - a->ceil;
    int tiers = (int)(hmax / (layers * lh + 120));
    if (tiers > 3) tiers = 3;
    if (tiers < 1) tiers = 1;
    double mu = lscan__synth_mu_solid(LSCAN__MAT_ALUMINIUM);
    double d_across = cap_path(mu, bz, CLEAN_UNIT_MAX_A);
    double x = a->x0 + R(r, 0, 100);
    while (x + bl <= a->x1 && !payload_full(s, payload)) {
        double base = a->floor;
        for (int k = 0; k < tiers; k++) {
            mbox(l, LSCAN__MAT_WOOD, 0.55, x + 40, base - 80, x + 120, base, bz);
            mbox(l, LSCAN__MAT_WOOD, 0.55, x + bl - 120, base - 80, x + bl - 40, base, bz);
            double y = base - 80;
            for (int j = 0; j < layers; j++) {
                if (j % 2 == 0) { /* bars along x: one band */
                    mbox(l, LSCAN__MAT_ALUMINIUM, -1, x, y - lh + 3, x + bl, y, bz * fill);
                } else { /* bars across: blocks with gaps */
                    int nb = 5;
                    double bw = bl / nb;
                    for (int i = 0; i < nb; i++)
                        mbox(l, LSCAN__MAT_ALUMINIUM, -1, x + i * bw + bw * 0.12, y - lh + 3,
                             x + (i + 1) * bw - bw * 0.12, y, d_across);
                }
                y -= lh;
            }
            mbox(l, LSCAN__MAT_STEEL, -1, x + bl * 0.25 - 10, y, x + bl * 0.25 + 10, base - 80,
                 2 * 1.0);
            mbox(l, LSCAN__MAT_STEEL, -1, x + bl * 0.75 - 10, y, x + bl * 0.75 + 10, base - 80,
                 2 * 1.0);
            add_slot(s, x, y, x + bl, base - 80, bz * fill, mu);
            s->cargo_mass_kg += 2.7 * bl * (base - 80 - y) * bz * fill * 1e-6;
            base = y - R(r, 0, 10);
        }
        note_load(s, x, x + bl, base);
        x += bl + R(r, 60, 250);
    }
    (void)t;
    (void)c;
    s->cargo_mu_typical = mu * bz * fill;
    snprintf(s->subclass, sizeof s->subclass, "ingot_bundles");
}

/* A wheel seen along its axle: tyre (sidewalls, tread), rim, brake disc,
 * hub; `count` wheels on the same axle line up in the beam. */
static void wheel(lscan__prim_list *l, double cx, double cy, double ro, double rim, int count)
{
    mdisc(l, LSCAN__MAT_RUBBER, 1.15, cx, cy, ro - 20, rim, 2 * 10.0 * count);
    mdisc(l, LSCAN__MAT_RUBBER, 1.2, cx, cy, ro, ro - 20, 200.0 * count);
    mdisc(l, LSCAN__MAT_STEEL, 7.87 * 0.25, cx, cy, ro - 22, ro - 26, 180.0 * count);
    mdisc(l, LSCAN__MAT_ALUMINIUM, -1, cx, cy, rim, rim - 7, 180.0 * count);
    mdisc(l, LSCAN__MAT_ALUMINIUM, -1, cx, cy, rim - 7, 60, 2 * 7.0 * count);
    mdisc(l, LSCAN__MAT_STEEL, -1, cx, cy, rim * 0.72, rim * 0.35, 24.0 * count);
    mdisc(l, LSCAN__MAT_STEEL, -1, cx, cy, 60, 0, 60.0 * count);
}

/* One car, its nose towards +x or -x, wheels on `floor`. Returns its top. */
static double car(lscan__scene *s, rng_t *r, double x, double len, double floor, double hmax,
                  bool nose_right)
{
    lscan__prim_list *l = &s->base;
    double h = R(r, 1380, 1650);
    if (h > hmax) h = hmax;
    double W = R(r, 1700, 1850);
    double ro = R(r, 290, 335), rim = ro * R(r, 0.6, 0.7);
    double clear = R(r, 130, 180);
    double wy = floor - ro;
    double sill = floor - clear;               /* underside of the body */
    double belt = floor - h * R(r, 0.6, 0.66); /* window line */
    double top = floor - h;
    /* Mirror a position measured from the nose. */
#define XN(u) (nose_right ? x + len - (u) : x + (u))
    double wb0 = R(r, 750, 950), wb1 = len - R(r, 700, 950); /* axle positions from the nose */
    wheel(l, XN(wb0), wy, ro, rim, 2);
    wheel(l, XN(wb1), wy, ro, rim, 2);
    /* Floor pan, sills, bulkheads seen edge-on; the side panels face-on. */
    double a0 = x + 100, a1 = x + len - 100;
    mbox(l, LSCAN__MAT_STEEL, -1, a0 + 200, sill - 1.2, a1 - 200, sill, W * 0.9);
    mbox(l, LSCAN__MAT_STEEL, -1, a0 + 400, sill - 140, a1 - 400, sill - 20, 2 * 2 * 1.6);
    /* Side panels, doors double-skinned with intrusion beams, firewall,
     * crash beams and subframes. */
    mbox(l, LSCAN__MAT_STEEL, -1, a0, top + h * 0.25, a1, sill - 20, 2 * 0.8);
    double d0 = fmin_(XN(len * 0.3), XN(len * 0.75)), d1 = fmax_(XN(len * 0.3), XN(len * 0.75));
    mbox(l, LSCAN__MAT_STEEL, -1, d0, belt, d1, sill - 40, 2 * 2 * 0.8);
    mcyl_x(l, LSCAN__MAT_STEEL, -1, d0 + 80, d1 - 80, belt + (sill - belt) * 0.45, 16, 13, 2);
    double fw = XN(len * 0.3);
    mbox(l, LSCAN__MAT_STEEL, -1, fw - 1, belt - 50, fw + 1, sill - 60, W * 0.8);
    for (int k = 0; k < 2; k++) {
        double bx = k ? XN(len - 70) : XN(70), by = sill - 280;
        mbox(l, LSCAN__MAT_STEEL, -1, bx - 50, by, bx + 50, by + 2, W * 0.75);
        mbox(l, LSCAN__MAT_STEEL, -1, bx - 50, by + 78, bx + 50, by + 80, W * 0.75);
        mbox(l, LSCAN__MAT_STEEL, -1, bx - 50, by, bx + 50, by + 80, 2 * 2.0);
        double sx = XN(k ? wb1 : wb0);
        mbox(l, LSCAN__MAT_STEEL, -1, sx - 350, sill - 120, sx + 350, sill - 40, 2 * 2 * 3.0);
    }
    /* Roof over the cabin, bonnet and boot lids. */
    double c0 = fmin_(XN(len * 0.32), XN(len * 0.78)), c1 = fmax_(XN(len * 0.32), XN(len * 0.78));
    mbox(l, LSCAN__MAT_STEEL, -1, c0, top, c1, top + 1.2, W * 0.85);
    double hood0 = fmin_(XN(60), XN(len * 0.3)), hood1 = fmax_(XN(60), XN(len * 0.3));
    mbox(l, LSCAN__MAT_STEEL, -1, hood0, belt - 1, hood1, belt, W * 0.9);
    double boot0 = fmin_(XN(len * 0.82), XN(len - 60)), boot1 = fmax_(XN(len * 0.82), XN(len - 60));
    mbox(l, LSCAN__MAT_STEEL, -1, boot0, belt - 60, boot1, belt - 59, W * 0.9);
    /* Pillars (both sides), windscreen and rear window seen edge-on. */
    double px[3] = {XN(len * 0.31), XN(len * 0.55), XN(len * 0.8)};
    for (int k = 0; k < 3; k++)
        mbox(l, LSCAN__MAT_STEEL, -1, px[k] - 40, top, px[k] + 40, belt, 2 * 2 * 1.5);
    for (int k = 0; k < 6; k++) { /* the slanted screens as short steps */
        double u = k / 6.0;
        double wx = XN(len * (0.22 + 0.09 * u)), ry = belt - (belt - top) * u;
        mbox(l, LSCAN__MAT_GLASS, -1, wx - 4, ry - (belt - top) / 6.0, wx + 4, ry, W * 0.75);
        double bx = XN(len * (0.9 - 0.1 * u));
        mbox(l, LSCAN__MAT_GLASS, -1, bx - 4, ry - (belt - top) / 6.0, bx + 4, ry, W * 0.7);
    }
    mbox(l, LSCAN__MAT_GLASS, -1, c0, top + 40, c1, belt, 2 * 4.0);
    /* Engine and gearbox, radiator, battery (lead plates), fuel tank,
     * exhaust, seats. */
    double e0 = fmin_(XN(150), XN(750)), e1 = fmax_(XN(150), XN(750));
    mbox(l, LSCAN__MAT_ALUMINIUM, -1, e0, belt + 30, e1, sill - 60, cap_path(0.0084, 600, 3.2));
    mbox(l, LSCAN__MAT_STEEL, -1, e0 + 100, belt + 120, e1 - 100, sill - 90, 2 * 8.0);
    double g0 = fmin_(XN(720), XN(1000)), g1 = fmax_(XN(720), XN(1000));
    mbox(l, LSCAN__MAT_STEEL, 7.87 * 0.3, g0, sill - 300, g1, sill - 80, 350);
    double rd = XN(80);
    mbox(l, LSCAN__MAT_ALUMINIUM, -1, rd - 25, belt + 40, rd + 25, sill - 120, W * 0.6 * 0.08);
    double bt = XN(R(r, 250, 650));
    mbox(l, LSCAN__MAT_LEAD, 11.35 * 0.3, bt - 120, belt + 10, bt + 120, belt + 190, 175);
    double ft0 = fmin_(XN(len * 0.62), XN(len * 0.8)), ft1 = fmax_(XN(len * 0.62), XN(len * 0.8));
    mbox(l, LSCAN__MAT_PLASTIC, 0.75, ft0, sill - 230, ft1, sill - 30, 600);
    mcyl_x(l, LSCAN__MAT_STEEL, -1, x + 300, x + len - 200, sill + 10, 25, 23, 1);
    for (int k = 0; k < 2; k++) {
        double sx = XN(len * (k ? 0.62 : 0.42));
        mbox(l, LSCAN__MAT_PLASTIC, 0.06, sx - 260, belt - 80, sx + 260, sill - 150, W * 0.8);
        mbox(l, LSCAN__MAT_STEEL, -1, sx - 250, sill - 170, sx + 250, sill - 150, 2 * 2 * 2.0);
        mbox(l, LSCAN__MAT_STEEL, -1, sx + (nose_right ? 230 : -250), top + 120,
             sx + (nose_right ? 250 : -230), sill - 150, 2 * 2 * 2.0);
    }
    /* Wheel chocks. */
    for (int k = 0; k < 2; k++) {
        double cx = XN(k ? wb1 : wb0);
        mbox(l, LSCAN__MAT_WOOD, 0.6, cx - ro - 90, floor - 90, cx - ro + 10, floor, 600);
        mbox(l, LSCAN__MAT_WOOD, 0.6, cx + ro - 10, floor - 90, cx + ro + 90, floor, 600);
    }
#undef XN
    add_slot(s, x + 200, top + h * 0.2, x + len - 200, sill - 60, W * 0.8,
             lscan__synth_mu(LSCAN__MAT_ORGANIC, 0.05));
    s->cargo_mass_kg += 1300;
    return top;
}

/* Cars: one in a 20 ft, two in a 40 ft; in high cubes sometimes racked two
 * high on a steel frame. */
static void load_cars(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                      const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double hmax = a->floor - a->ceil;
    bool racked = hmax > 2 * 1500 + 250 && P(r, 0.5);
    double x = a->x0 + R(r, 100, 400);
    double top = a->floor;
    while (x + 3800 <= a->x1 && !payload_full(s, payload)) {
        double len = R(r, 3800, 4800);
        if (x + len > a->x1 - 50) len = a->x1 - 50 - x;
        if (len < 3800) break;
        bool nose = P(r, 0.5);
        double t1 = car(s, r, x, len, a->floor, racked ? 1500 : hmax - 100, nose);
        top = t1 < top ? t1 : top;
        if (racked) {
            /* Rack: posts at the ends, deck rails 1.6 m up, the second car on them. */
            double deck = a->floor - R(r, 1550, 1700);
            for (int k = 0; k < 2; k++) {
                double px = k ? x + len - 60 : x - 20;
                mbox(l, LSCAN__MAT_STEEL, -1, px, deck, px + 80, a->floor, 2 * 4 * 5.0);
            }
            mbox(l, LSCAN__MAT_STEEL, -1, x - 20, deck, x + len + 20, deck + 120, 2 * 2 * 6.0);
            mbox(l, LSCAN__MAT_STEEL, -1, x - 20, deck, x + len + 20, deck + 6, 2 * 250.0);
            double t2 = car(s, r, x, len * R(r, 0.92, 1.0), deck, deck - a->ceil - 50, !nose);
            top = t2 < top ? t2 : top;
        }
        note_load(s, x, x + len, top);
        x += len + R(r, 150, 500);
    }
    (void)t;
    (void)c;
    s->cargo_mu_typical = 0.6;
    snprintf(s->subclass, sizeof s->subclass, "%s", racked ? "cars_racked" : "cars");
}

/* Flat-packed and assembled furniture: board packs, sofas, cabinets,
 * stacked chairs, in one or two lanes across the beam. */
static void load_furniture(lscan__scene *s, rng_t *r, const struct area *a, double t,
                           double payload, const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    int lanes = I(r, 1, 2);
    double hmax = a->floor - a->ceil;
    for (int ln = 0; ln < lanes; ln++) {
        double d = a->depth / lanes * R(r, 0.85, 0.98);
        double x = a->x0 + R(r, 0, 150);
        while (x + 400 < a->x1 && !payload_full(s, payload)) {
            double w = R(r, 500, 2000);
            if (x + w > a->x1) w = a->x1 - x;
            if (w < 400) break;
            double floor = a->floor, top = floor;
            while (top - a->ceil > 400) {
                int kind = I(r, 0, 3);
                double h = R(r, 250, 1100);
                if (h > top - a->ceil - 50) h = top - a->ceil - 50;
                double y0 = top - h;
                double dd = d * R(r, 0.5, 0.95);
                switch (kind) {
                case 0: { /* flat pack: particle boards with cardboard between */
                    double bt = R(r, 15, 19);
                    for (double y = top; y - bt > y0; y -= bt + 3)
                        mbox(l, LSCAN__MAT_WOOD, R(r, 0.65, 0.75), x, y - bt, x + w, y,
                             cap_path(lscan__synth_mu(LSCAN__MAT_WOOD, 0.7), dd, 2.0));
                    mbox(l, LSCAN__MAT_ORGANIC, 0.7, x, y0, x + w, top, 2 * 5.0);
                    break;
                }
                case 1: { /* sofa: timber frame, foam, springs */
                    mbox(l, LSCAN__MAT_WOOD, 0.6, x, y0, x + 40, top, dd * 0.5);
                    mbox(l, LSCAN__MAT_WOOD, 0.6, x + w - 40, y0, x + w, top, dd * 0.5);
                    mbox(l, LSCAN__MAT_WOOD, 0.6, x, top - 60, x + w, top - 20, dd * 0.5);
                    mbox(l, LSCAN__MAT_PLASTIC, 0.035, x, y0, x + w, top, dd);
                    for (double sx = x + 60; sx < x + w - 60; sx += 80)
                        mcyl_y(l, LSCAN__MAT_STEEL, -1, sx, top - h * 0.5, top - 80, 30, 28.5,
                               (int)(dd / 90) > 0 ? (int)(dd / 90) : 1);
                    break;
                }
                case 2: { /* cabinet: thin panels, shelves, mostly air */
                    mbox(l, LSCAN__MAT_WOOD, 0.7, x, y0, x + 18, top, dd);
                    mbox(l, LSCAN__MAT_WOOD, 0.7, x + w - 18, y0, x + w, top, dd);
                    for (double y = y0; y < top; y += R(r, 250, 400))
                        mbox(l, LSCAN__MAT_WOOD, 0.7, x, y, x + w, y + 18, dd);
                    mbox(l, LSCAN__MAT_WOOD, 0.7, x, y0, x + w, top, 2 * 8.0);
                    break;
                }
                default: { /* stacked chairs or tables: steel tube frames */
                    int n = I(r, 3, 8);
                    for (int k = 0; k < n; k++) {
                        double yy = y0 + (top - y0) * k / n;
                        mcyl_x(l, LSCAN__MAT_STEEL, -1, x + 20, x + w - 20, yy, 12, 10.5,
                               (int)(dd / 400) + 1);
                    }
                    for (double sx = x + 30; sx < x + w; sx += R(r, 300, 500))
                        mcyl_y(l, LSCAN__MAT_STEEL, -1, sx, y0, top, 12, 10.5, (int)(dd / 400) + 1);
                    break;
                }
                }
                s->cargo_mass_kg += 40 + w * h * dd * 0.1e-6;
                top = y0 - R(r, 0, 20);
                if (P(r, 0.35)) break;
            }
            note_load(s, x, x + w, top);
            add_slot(s, x, top, x + w, floor, d, lscan__synth_mu(LSCAN__MAT_WOOD, 0.2));
            x += w + R(r, 0, 200);
        }
    }
    (void)t;
    (void)c;
    (void)hmax;
    s->cargo_mu_typical = lscan__synth_mu(LSCAN__MAT_WOOD, 0.2) * a->depth;
    snprintf(s->subclass, sizeof s->subclass, "furniture");
}

/* Timber crates of vehicle parts: brake discs, gears, shafts, castings in
 * a grid of cells (parts of one crate never overlap), two crates across. */
static void load_crates(lscan__scene *s, rng_t *r, const struct area *a, double t, double payload,
                        const lscan__commodity *c)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double cz = R(r, 900, 1100);
    int across = a->depth >= 2 * cz ? 2 : 1;
    double hmax = a->floor - a->ceil;
    double x = a->x0 + R(r, 0, 150);
    while (x + 900 <= a->x1 && !payload_full(s, payload)) {
        double cl = R(r, 900, 1400);
        if (x + cl > a->x1) cl = a->x1 - x;
        double base = a->floor, top = base;
        int high = hmax > 2 * 1300 && P(r, 0.6) ? 2 : 1;
        for (int k = 0; k < high; k++) {
            double ch = R(r, 700, 1200);
            double y0 = base - ch;
            /* Skids, the panels seen face-on, the edges seen end-on. */
            mbox(l, LSCAN__MAT_WOOD, 0.55, x, base - 100, x + cl, base, 2 * 100.0 * across);
            mbox(l, LSCAN__MAT_WOOD, 0.55, x, y0, x + cl, base, 2 * 20.0 * across);
            mbox(l, LSCAN__MAT_WOOD, 0.55, x, y0, x + 22, base - 100, cz * across);
            mbox(l, LSCAN__MAT_WOOD, 0.55, x + cl - 22, y0, x + cl, base - 100, cz * across);
            mbox(l, LSCAN__MAT_WOOD, 0.55, x, y0, x + cl, y0 + 22, cz * across);
            /* Contents: a 3 x 2 grid of cells per crate. */
            double cw = (cl - 80) / 3.0, chh = (ch - 160) / 2.0;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 3; i++) {
                    if (P(r, 0.2)) continue;
                    double px = x + 40 + i * cw, py = y0 + 40 + j * chh;
                    double cxm = px + cw * 0.5, cym = py + chh * 0.5;
                    double rr = fmin_(cw, chh) * 0.45;
                    /* Draws into named values first: argument order is unspecified. */
                    int kind = I(r, 0, 3);
                    double u1 = R(r, 0, 1), u2 = R(r, 0, 1);
                    int k1 = I(r, 1, 6);
                    switch (kind) {
                    case 0: /* stacked brake discs (along the beam) */
                        mdisc(l, LSCAN__MAT_STEEL, -1, cxm, cym, rr, rr * 0.4,
                              cap_path(mu_s, lerp(25, 35, u1) * (1 + k1 % 5), 2.8));
                        break;
                    case 1: /* gears */
                        mdisc(l, LSCAN__MAT_STEEL, -1, cxm, cym, rr * lerp(0.5, 1.0, u1), 30,
                              cap_path(mu_s, lerp(30, 80, u2), 2.5));
                        break;
                    case 2: /* shafts lying along the crate */
                        mcyl_x(l, LSCAN__MAT_STEEL, -1, px + 10, px + cw - 10, cym,
                               lerp(15, 40, u1), 0, 1 + k1 % 3);
                        break;
                    default: /* castings */
                        mbox(l, LSCAN__MAT_STEEL, -1, cxm - rr, cym - rr * 0.7, cxm + rr,
                             cym + rr * 0.7, cap_path(mu_s, lerp(60, 150, u2), 2.8));
                        break;
                    }
                }
            add_slot(s, x, y0, x + cl, base - 100, cz * across, 1.0 / (cz * across));
            s->cargo_mass_kg += 350.0 * across;
            top = y0;
            base = y0;
        }
        note_load(s, x, x + cl, top);
        x += cl + R(r, 20, 200);
    }
    (void)t;
    (void)c;
    s->cargo_mu_typical = 1.0;
    snprintf(s->subclass, sizeof s->subclass, "parts_crates");
}

/* ------------------------------------------------------------------------ */
/* The catalogue                                                             */
/* ------------------------------------------------------------------------ */

#define HOM LSCAN_CLASS_HOMOGENEOUS
#define BLK LSCAN_CLASS_BULK
#define MIX LSCAN_CLASS_MIXED
#define MAC LSCAN_CLASS_MACHINERY

/* name, HS chapter, class, pattern, material, density, texture, variant,
 * weight, where (1 dry/open top, 2 reefer, 3 both). Densities are of the
 * goods as packed (what the beam crosses), not of the solid. */
static const lscan__commodity catalogue[C_COUNT] = {
    [C_EMPTY] = {"empty", 0, LSCAN_CLASS_EMPTY, LSCAN__PAT_EMPTY, 0, {0, 0}, {0, 0}, 0, 1, 3},
    [C_FOOD_CARTONS] = {"packaged_food_cartons",
                        21,
                        HOM,
                        LSCAN__PAT_PALLET_CARTONS,
                        LSCAN__MAT_ORGANIC,
                        {0.25, 0.55},
                        {0, 0},
                        0,
                        1.0,
                        3},
    [C_PLASTIC_CARTONS] = {"plastic_goods_cartons",
                           39,
                           HOM,
                           LSCAN__PAT_PALLET_CARTONS,
                           LSCAN__MAT_PLASTIC,
                           {0.12, 0.35},
                           {0, 0},
                           0,
                           0.8,
                           1},
    [C_BEVERAGE_CARTONS] = {"beverages_cartons",
                            22,
                            HOM,
                            LSCAN__PAT_PALLET_CARTONS,
                            LSCAN__MAT_WATER,
                            {0.45, 0.65},
                            {0.03, 0.08},
                            0,
                            0.7,
                            3},
    [C_BOTTLES] = {"beverages_bottles",
                   22,
                   HOM,
                   LSCAN__PAT_PALLET_BOTTLES,
                   LSCAN__MAT_GLASS,
                   {0.5, 0.6},
                   {0, 0},
                   0,
                   0.8,
                   1},
    [C_GARMENTS] = {"garments_cartons",
                    62,
                    HOM,
                    LSCAN__PAT_PALLET_CARTONS,
                    LSCAN__MAT_ORGANIC,
                    {0.10, 0.20},
                    {0.15, 0.30},
                    0,
                    0.8,
                    1},
    [C_FROZEN_MEAT] = {"frozen_meat",
                       2,
                       HOM,
                       LSCAN__PAT_PALLET_CARTONS,
                       LSCAN__MAT_WATER,
                       {0.60, 0.72},
                       {0.02, 0.06},
                       0,
                       1.0,
                       2},
    [C_BANANAS] = {"bananas",
                   8,
                   HOM,
                   LSCAN__PAT_PALLET_CARTONS,
                   LSCAN__MAT_ORGANIC,
                   {0.30, 0.40},
                   {0.20, 0.35},
                   0,
                   1.0,
                   2},
    [C_FLOUR_BAGS] = {"flour_bags",
                      11,
                      HOM,
                      LSCAN__PAT_BAGS,
                      LSCAN__MAT_ORGANIC,
                      {0.55, 0.72},
                      {0, 0},
                      0,
                      1.0,
                      1},
    [C_POLYMER_BAGS] = {"polymer_bags",
                        39,
                        HOM,
                        LSCAN__PAT_BAGS,
                        LSCAN__MAT_PLASTIC,
                        {0.45, 0.62},
                        {0, 0},
                        0,
                        0.6,
                        1},
    [C_SUGAR_BAGS] = {"sugar_bags",
                      17,
                      HOM,
                      LSCAN__PAT_BAGS,
                      LSCAN__MAT_ORGANIC,
                      {0.80, 0.90},
                      {0, 0},
                      1,
                      0.8,
                      1},
    [C_COFFEE_BAGS] = {"coffee_bags",
                       9,
                       HOM,
                       LSCAN__PAT_BAGS,
                       LSCAN__MAT_ORGANIC,
                       {0.50, 0.60},
                       {0, 0},
                       2,
                       0.7,
                       1},
    [C_CEMENT_BAGS] = {"cement_bags",
                       25,
                       HOM,
                       LSCAN__PAT_BAGS_PALLET,
                       LSCAN__MAT_CONCRETE,
                       {1.0, 1.25},
                       {0, 0},
                       0,
                       0.6,
                       1},
    [C_FERTILISER_BIGBAGS] = {"fertiliser_big_bags",
                              31,
                              HOM,
                              LSCAN__PAT_BIG_BAGS,
                              LSCAN__MAT_ORGANIC,
                              {0.80, 1.0},
                              {0, 0},
                              0,
                              0.6,
                              1},
    [C_DRUMS] = {"chemical_drums",
                 38,
                 HOM,
                 LSCAN__PAT_DRUMS,
                 LSCAN__MAT_WATER,
                 {0.7, 0.95},
                 {0, 0},
                 0,
                 0.8,
                 1},
    [C_IBC] =
        {"oil_ibc", 15, HOM, LSCAN__PAT_IBC, LSCAN__MAT_WATER, {0.85, 0.93}, {0, 0}, 0, 0.5, 1},
    [C_COILS] = {"wire_rod_coils",
                 72,
                 HOM,
                 LSCAN__PAT_COILS,
                 LSCAN__MAT_STEEL,
                 {1.4, 2.0},
                 {0, 0},
                 0,
                 0.6,
                 1},
    [C_REELS] = {"paper_reels",
                 48,
                 HOM,
                 LSCAN__PAT_REELS,
                 LSCAN__MAT_ORGANIC,
                 {0.55, 0.75},
                 {0, 0},
                 0,
                 0.6,
                 1},
    [C_ROLLS] = {"carpet_rolls",
                 57,
                 HOM,
                 LSCAN__PAT_ROLLS,
                 LSCAN__MAT_PLASTIC,
                 {0.35, 0.55},
                 {0, 0},
                 0,
                 0.4,
                 1},
    [C_COTTON] = {"cotton_bales",
                  52,
                  HOM,
                  LSCAN__PAT_BALES,
                  LSCAN__MAT_ORGANIC,
                  {0.40, 0.55},
                  {0, 0},
                  0,
                  0.6,
                  1},
    [C_WASTE_PAPER] = {"waste_paper_bales",
                       47,
                       HOM,
                       LSCAN__PAT_BALES,
                       LSCAN__MAT_ORGANIC,
                       {0.55, 0.75},
                       {0, 0},
                       1,
                       0.6,
                       1},
    [C_TYRES] =
        {"tyres", 40, HOM, LSCAN__PAT_TYRES, LSCAN__MAT_RUBBER, {1.1, 1.2}, {0, 0}, 0, 0.7, 1},
    [C_TIMBER] = {"sawn_timber",
                  44,
                  HOM,
                  LSCAN__PAT_TIMBER,
                  LSCAN__MAT_WOOD,
                  {0.45, 0.65},
                  {0, 0},
                  0,
                  0.7,
                  1},
    [C_TILES] = {"ceramic_tiles",
                 69,
                 HOM,
                 LSCAN__PAT_TILES,
                 LSCAN__MAT_GLASS,
                 {1.3, 1.7},
                 {0, 0},
                 0,
                 0.6,
                 1},
    [C_INGOTS] = {"aluminium_ingots",
                  76,
                  HOM,
                  LSCAN__PAT_INGOTS,
                  LSCAN__MAT_ALUMINIUM,
                  {2.7, 2.7},
                  {0, 0},
                  0,
                  0.4,
                  1},
    [C_CEREALS_BULK] = {"cereals_bulk",
                        10,
                        BLK,
                        LSCAN__PAT_BULK,
                        LSCAN__MAT_ORGANIC,
                        {0.70, 0.82},
                        {0, 0},
                        0,
                        1.0,
                        1},
    [C_RICE_BULK] = {"rice_bulk",
                     10,
                     BLK,
                     LSCAN__PAT_BULK,
                     LSCAN__MAT_ORGANIC,
                     {0.75, 0.85},
                     {0, 0},
                     1,
                     0.8,
                     1},
    [C_PELLETS_BULK] = {"polymer_pellets_bulk",
                        39,
                        BLK,
                        LSCAN__PAT_BULK,
                        LSCAN__MAT_PLASTIC,
                        {0.50, 0.62},
                        {0, 0},
                        2,
                        0.8,
                        1},
    [C_WOODCHIPS_BULK] = {"wood_chips_bulk",
                          44,
                          BLK,
                          LSCAN__PAT_BULK,
                          LSCAN__MAT_WOOD,
                          {0.25, 0.40},
                          {0, 0},
                          3,
                          0.6,
                          1},
    [C_COFFEE_BULK] = {"coffee_bulk",
                       9,
                       BLK,
                       LSCAN__PAT_BULK,
                       LSCAN__MAT_ORGANIC,
                       {0.55, 0.68},
                       {0, 0},
                       4,
                       0.6,
                       1},
    [C_SOY_BULK] = {"soybeans_bulk",
                    12,
                    BLK,
                    LSCAN__PAT_BULK,
                    LSCAN__MAT_ORGANIC,
                    {0.70, 0.78},
                    {0, 0},
                    5,
                    0.8,
                    1},
    [C_GENERAL] =
        {"general_cargo", 0, MIX, LSCAN__PAT_MIXED, LSCAN__MAT_ORGANIC, {0, 0}, {0, 0}, 0, 1.5, 1},
    [C_FURNITURE] =
        {"furniture", 94, MIX, LSCAN__PAT_FURNITURE, LSCAN__MAT_WOOD, {0, 0}, {0, 0}, 0, 1.0, 1},
    [C_MACHINERY] =
        {"machinery", 84, MAC, LSCAN__PAT_MACHINERY, LSCAN__MAT_STEEL, {0, 0}, {0, 0}, 0, 1.2, 1},
    [C_PIPES] =
        {"steel_pipes", 73, MAC, LSCAN__PAT_PIPES, LSCAN__MAT_STEEL, {0, 0}, {0, 0}, 0, 0.6, 1},
    [C_CARS] = {"cars", 87, MAC, LSCAN__PAT_CARS, LSCAN__MAT_STEEL, {0, 0}, {0, 0}, 0, 0.8, 1},
    [C_PARTS_CRATES] = {"auto_parts_crates",
                        87,
                        MAC,
                        LSCAN__PAT_CRATES,
                        LSCAN__MAT_STEEL,
                        {0, 0},
                        {0, 0},
                        0,
                        0.7,
                        1},
};

int lscan__synth_commodity_count(void)
{
    return C_COUNT;
}

const lscan__commodity *lscan__synth_commodity(int i)
{
    return i >= 0 && i < C_COUNT ? &catalogue[i] : NULL;
}

int lscan__synth_commodity_find(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < C_COUNT; i++)
        if (strcmp(catalogue[i].name, name) == 0) return i;
    return -1;
}

/* Loads whose units are regular enough for an anomalous mass to stand out
 * against them (the classic hosts were pallets, bags and bulk). */
static bool regular_units(const lscan__commodity *c)
{
    switch (c->pattern) {
    case LSCAN__PAT_PALLET_CARTONS:
    case LSCAN__PAT_BAGS:
    case LSCAN__PAT_BAGS_PALLET:
    case LSCAN__PAT_BIG_BAGS:
    case LSCAN__PAT_BULK:
    case LSCAN__PAT_REELS:
    case LSCAN__PAT_BALES:
    case LSCAN__PAT_TIMBER: return true;
    default: return false;
    }
}

int lscan__synth_draw_commodity(rng_t *r, int cls, int kind, bool regular)
{
    unsigned where = kind == LSCAN__BUILD_REEFER ? 2u : 1u;
    double total = 0;
    for (int i = 0; i < C_COUNT; i++) {
        const lscan__commodity *c = &catalogue[i];
        if ((c->cls == cls || (regular && (c->cls == HOM || c->cls == BLK))) &&
            (c->where & where) && (!regular || regular_units(c)))
            total += c->weight;
    }
    double u = U(r) * total;
    int last = C_EMPTY;
    for (int i = 0; i < C_COUNT; i++) {
        const lscan__commodity *c = &catalogue[i];
        if (!((c->cls == cls || (regular && (c->cls == HOM || c->cls == BLK))) &&
              (c->where & where) && (!regular || regular_units(c))))
            continue;
        last = i;
        if (u < c->weight) return i;
        u -= c->weight;
    }
    return last;
}

void lscan__synth_load_commodity(lscan__scene *s, rng_t *r, const struct area *a, double t,
                                 double payload, int commodity)
{
    const lscan__commodity *c = lscan__synth_commodity(commodity);
    if (!c) c = &catalogue[C_EMPTY];
    s->cspec = c;
    switch (c->pattern) {
    case LSCAN__PAT_EMPTY: snprintf(s->subclass, sizeof s->subclass, "empty"); break;
    case LSCAN__PAT_PALLET_CARTONS:
    case LSCAN__PAT_PALLET_BOTTLES:
        lscan__synth_load_pallets(s, r, a, t, false);
        snprintf(s->subclass, sizeof s->subclass, "pallets");
        break;
    case LSCAN__PAT_BAGS:
        lscan__synth_load_bags(s, r, a, t);
        snprintf(s->subclass, sizeof s->subclass, "bags");
        break;
    case LSCAN__PAT_BAGS_PALLET: load_bags_pallet(s, r, a, t, payload, c); break;
    case LSCAN__PAT_BIG_BAGS: load_big_bags(s, r, a, t, payload, c); break;
    case LSCAN__PAT_DRUMS:
    case LSCAN__PAT_IBC:
        load_drums(s, r, a, t);
        snprintf(s->subclass, sizeof s->subclass, "%s",
                 c->pattern == LSCAN__PAT_IBC ? "ibc" : "drums");
        break;
    case LSCAN__PAT_BULK: lscan__synth_load_bulk(s, r, a, t, payload); break;
    case LSCAN__PAT_MIXED:
        load_mixed(s, r, a, t, payload);
        snprintf(s->subclass, sizeof s->subclass, "general_cargo");
        break;
    case LSCAN__PAT_MACHINERY:
    case LSCAN__PAT_PIPES: load_machinery(s, r, a, t, payload); break;
    case LSCAN__PAT_COILS: load_coils(s, r, a, t, payload, c); break;
    case LSCAN__PAT_REELS: load_reels(s, r, a, t, payload, c); break;
    case LSCAN__PAT_ROLLS: load_rolls(s, r, a, t, payload, c); break;
    case LSCAN__PAT_BALES: load_bales(s, r, a, t, payload, c); break;
    case LSCAN__PAT_TYRES: load_tyres(s, r, a, t, payload, c); break;
    case LSCAN__PAT_TIMBER: load_timber(s, r, a, t, payload, c); break;
    case LSCAN__PAT_TILES: load_tiles(s, r, a, t, payload, c); break;
    case LSCAN__PAT_INGOTS: load_ingots(s, r, a, t, payload, c); break;
    case LSCAN__PAT_CARS: load_cars(s, r, a, t, payload, c); break;
    case LSCAN__PAT_FURNITURE: load_furniture(s, r, a, t, payload, c); break;
    default: load_crates(s, r, a, t, payload, c); break;
    }
    s->commodity = commodity;
    s->cspec = NULL;
}
