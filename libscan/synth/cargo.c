/* cargo.c — clean loads: pallets, bags, drums, bulk, general cargo, machinery. */
#include "build.h"

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

void lscan__synth_load_pallets(lscan__scene *s, rng_t *r, const struct area *a, double t,
                               bool mixed_sku)
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

void lscan__synth_load_bags(lscan__scene *s, rng_t *r, const struct area *a, double t)
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
            cbox(l, -mu_s, body_x0 + i * cw + cw * 0.15, by0 + bh * 0.08, body_x0 + (i + 0.85) * cw,
                 by0 + bh * 0.55, dd * 0.18);
        add_cyl_x(l, mu_s, body_x0 - 80, body_x1 + 60, body_y1 - bh * 0.2, R(r, 35, 60), 0, 1);
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
        cbox(l, lscan__synth_mu_solid(LSCAN__MAT_GLASS), body_x0 + w * 0.25, vy0, body_x1 - w * 0.3,
             vy0 + vh * 0.3, 2 * 4.0);
        double ex = body_x1 - 700;
        cbox(l, mu_s, ex, floor - 750, ex + 500, floor - 300, 450 * 0.35);
        for (int k = 0; k < 2; k++) {
            double wx = k ? body_x1 - 500 : body_x0 + 500;
            cdisc(l, lscan__synth_mu_solid(LSCAN__MAT_RUBBER), wx, floor - 320, 320, 200,
                  2 * 2 * 10);
            cdisc(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.5), wx, floor - 320, 320, 300, 2 * 200);
            cdisc(l, mu_s, wx, floor - 320, 200, 60, 2 * 8);
            cdisc(l, mu_s, wx, floor - 320, 130, 0, 2 * 60);
        }
        cbox(l, lscan__synth_mu(LSCAN__MAT_PLASTIC, 0.1), body_x0 + w * 0.3, floor - 900,
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

static void load_machinery(lscan__scene *s, rng_t *r, const struct area *a, double t,
                           double payload)
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
    case LSCAN_CLASS_EMPTY: snprintf(s->subclass, sizeof s->subclass, "empty"); break;
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
