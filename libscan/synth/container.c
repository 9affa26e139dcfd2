/* container.c — the container and the truck chassis under it, in millimetres. */
#include "build.h"

/* ------------------------------------------------------------------------ */
/* Container and chassis                                                     */
/* ------------------------------------------------------------------------ */

/* Boxes at one end of the container, given as distances a..b inwards
 * from the outer face `xo` (mirrored for the right end). */
static void ebox(lscan__prim_list *l, bool left, double xo, double mu, double a, double b,
                 double y0, double y1, double depth)
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
    double xo = left ? s->cx0 : s->cx1; /* outer face */
    double dir = left ? 1.0 : -1.0;     /* inwards */
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
        ebox_wave(l, left, xo, mu_s, x_in - t, x_in, wall_y0, wall_y1, W * 0.45, LSCAN__WAVE_X_BY_Y,
                  2.0, 230.0, ph + 115);
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

void lscan__synth_container_classic(lscan__scene *s, rng_t *r)
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

void lscan__synth_chassis(lscan__scene *s, rng_t *r)
{
    lscan__prim_list *l = &s->base;
    double mu_s = lscan__synth_mu_solid(LSCAN__MAT_STEEL);
    double mu_rub = lscan__synth_mu_solid(LSCAN__MAT_RUBBER);
    double y0 = s->cy1; /* container underside */
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
        add_disc(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.35), ax, cy, rt, rrim,
                 4 * 2 * 20.0); /* sidewalls, steel cords */
        add_disc(l, lscan__synth_mu(LSCAN__MAT_RUBBER, 1.6), ax, cy, rt, rt - 22,
                 4 * 270.0);                                  /* treads */
        add_disc(l, mu_s, ax, cy, rrim, rrim - 8, 4 * 220.0); /* rim barrels */
        add_disc(l, mu_s, ax, cy, rrim - 8, 0, 4 * 10.0);     /* wheel discs */
        add_disc(l, mu_s, ax, cy, 170, 0, 2 * 120.0);         /* hubs, drums */
        add_disc(l, mu_s, ax, cy, 64, 52, 1900.0);            /* axle tube */
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
/* Parametric builds of the worlds                                           */
/* ------------------------------------------------------------------------ */

/* Interior bounds and floor level of build b in a container whose outer box
 * (cx0..cx1, cy0..cy1) is set. The front (machinery end of a reefer) is
 * the end without doors. */
void lscan__synth_container_interior(lscan__scene *s, const lscan__build *b)
{
    double under = b->floor_t + b->xm_depth + 5;
    double below = b->brail_h > under ? b->brail_h : under;
    s->floor_y = s->cy1 - below;
    s->iy1 = s->floor_y;
    bool reefer = b->kind == LSCAN__BUILD_REEFER;
    s->iy0 = s->cy0 + (reefer ? 38 + b->wall_pitch : b->rail == LSCAN__RAIL_FLUSH ? 30 : 38);
    double end = b->post_t > 7 ? END_DEPTH + 10 : END_DEPTH;
    double front = reefer ? end + 420 + (b->wall_pitch - 85) : end;
    double rear = reefer ? end + 80 : end;
    s->ix0 = s->cx0 + (s->door_left ? rear : front);
    s->ix1 = s->cx1 - (s->door_left ? front : rear);
    s->inner_width = reefer ? INNER_WIDTH - 2 * (b->wall_pitch * 0.35) : INNER_WIDTH;
}

/* Cross-member of section `xm` at x = cx (its web's left face), seen along
 * its length over `path` mm of the beam. */
static void xmember(lscan__prim_list *l, int xm, double cx, double y0, double d, double web,
                    double flange, double path)
{
    double ft = web * 1.1;
    if (xm == LSCAN__XM_I) {
        double c = cx + web * 0.5;
        mbox(l, LSCAN__MAT_STEEL, -1, cx, y0 + ft, cx + web, y0 + d - ft, path);
        mbox(l, LSCAN__MAT_STEEL, -1, c - flange * 0.5, y0, c + flange * 0.5, y0 + ft, path);
        mbox(l, LSCAN__MAT_STEEL, -1, c - flange * 0.5, y0 + d - ft, c + flange * 0.5, y0 + d,
             path);
    } else {
        mbox(l, LSCAN__MAT_STEEL, -1, cx, y0 + ft, cx + web, y0 + d - ft, path);
        mbox(l, LSCAN__MAT_STEEL, -1, cx, y0, cx + flange, y0 + ft, path);
        mbox(l, LSCAN__MAT_STEEL, -1, cx, y0 + d - ft, cx + flange, y0 + d, path);
    }
}

/* A rail of section `rail` (h x w, wall t) running along x at y0..y0+h. */
static void rail_section(lscan__prim_list *l, int rail, double x0, double x1, double y0, double h,
                         double w, double t)
{
    switch (rail) {
    case LSCAN__RAIL_ANGLE: /* L: vertical leg, horizontal leg at the bottom */
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y0, x1, y0 + h, t);
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y0 + h - t, x1, y0 + h, w);
        break;
    default: /* tubes and boxes: two walls face-on, two flanges end-on */
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y0, x1, y0 + h, 2 * t);
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y0, x1, y0 + t, w);
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y0 + h - t, x1, y0 + h, w);
        break;
    }
}

/* The coil grid of a refrigeration unit: tubes across the width seen
 * end-on (dots), aluminium fins as a light block. */
static void coil_grid(lscan__prim_list *l, double x0, double y0, double x1, double y1, double W)
{
    mbox(l, LSCAN__MAT_ALUMINIUM, 2.7 * 0.06, x0, y0, x1, y1, W * 0.85);
    for (double y = y0 + 20; y < y1 - 10; y += 38)
        for (double x = x0 + 15; x < x1 - 8; x += 33)
            mdisc(l, LSCAN__MAT_COPPER, -1, x, y, 5.0, 4.4, W * 0.85);
}

/* A reefer's machinery unit in the front end: compressor, condenser and
 * evaporator coils, fan motors, control box, refrigerant lines, and the
 * insulated bulkhead towards the cargo. */
static void reefer_unit(lscan__scene *s, rng_t *r, const lscan__build *b, bool left)
{
    lscan__prim_list *l = &s->base;
    double W = s->inner_width;
    double xo = left ? s->cx0 : s->cx1, dir = left ? 1.0 : -1.0;
    double depth = 420 + (b->wall_pitch - 85);
    double top = s->cy0 + 150, bot = s->floor_y;
#define UX(a) (xo + dir * (END_DEPTH + (a)))
#define UB(a, c, y0, y1, mat, rho, path)                                                           \
    mbox(l, mat, rho, fmin_(UX(a), UX(c)), y0, fmax_(UX(a), UX(c)), y1, path)
    /* Frame and bulkhead (steel frame, foam, aluminium liner). */
    UB(0, 8, top, bot, LSCAN__MAT_STEEL, -1, W * 0.25);
    UB(depth - 90, depth, top, bot, LSCAN__MAT_PLASTIC, 0.04, W);
    UB(depth - 2, depth, top, bot, LSCAN__MAT_ALUMINIUM, -1, W * 0.9);
    UB(0, depth - 90, bot - 60, bot - 54, LSCAN__MAT_STEEL, -1, W * 0.9);
    /* Compressor (hermetic steel shell with a dense motor), low at one side. */
    double cy = bot - R(r, 230, 300);
    double cr = R(r, 120, 160);
    double cxm = UX(R(r, 140, 220));
    mcyl_y(l, LSCAN__MAT_STEEL, -1, cxm, cy - cr * 1.2, bot - 70, cr, cr - 6, 1);
    mbox(l, LSCAN__MAT_STEEL, 7.87 * 0.45, cxm - cr * 0.7, cy - cr * 0.6, cxm + cr * 0.7,
         cy + cr * 0.5, cr * 1.4);
    mbox(l, LSCAN__MAT_COPPER, 8.96 * 0.3, cxm - cr * 0.6, cy - cr * 0.1, cxm + cr * 0.6,
         cy + cr * 0.4, cr);
    /* Condenser coil (lower, outer face) and evaporator coil (upper, inside). */
    double cw = R(r, 90, 140);
    double c0 = fmin_(UX(20), UX(20 + cw)), c1 = fmax_(UX(20), UX(20 + cw));
    coil_grid(l, c0, bot - R(r, 900, 1150), c1, bot - 380, W);
    double e0 = fmin_(UX(depth - 260), UX(depth - 130)),
           e1 = fmax_(UX(depth - 260), UX(depth - 130));
    coil_grid(l, e0, top + 80, e1, top + R(r, 500, 700), W);
    /* Fan motors (axes along x) and the control box. */
    for (int k = 0; k < 2; k++) {
        double my = k ? top + 350 : bot - 650;
        double mx = UX(k ? depth - 320 : 180);
        mcyl_x(l, LSCAN__MAT_STEEL, 7.87 * 0.5, mx - 80, mx + 80, my, 65, 0, 1);
        mbox(l, LSCAN__MAT_ALUMINIUM, -1, mx - 3, my - 230, mx + 3, my + 230, 2 * 40.0);
    }
    double bx = UX(R(r, 60, 120));
    mbox(l, LSCAN__MAT_STEEL, -1, bx - 150, top + 900, bx + 150, top + 1300, 2 * 2.0);
    mbox(l, LSCAN__MAT_COPPER, 8.96 * 0.05, bx - 130, top + 950, bx + 130, top + 1250, 250);
    /* Refrigerant lines between the components. */
    for (int k = 0; k < 3; k++) {
        double lx = UX(R(r, 100, depth - 150));
        mcyl_y(l, LSCAN__MAT_COPPER, -1, lx, top + 300, bot - 300, 9, 8, 1);
    }
#undef UB
#undef UX
}

/* End frame, corner posts and castings, front wall or doors, of build b. */
static void build_end_v2(lscan__scene *s, rng_t *r, const lscan__build *b, bool left, bool door)
{
    lscan__prim_list *l = &s->base;
    double W = s->inner_width;
    double xo = left ? s->cx0 : s->cx1;
    double top = s->cy0, bot = s->cy1;
    double pw = b->post_w * R(r, 0.97, 1.03), pt = b->post_t;
    /* Corner posts: faces across the beam (moderate band) and the two faces
     * along it (dark lines). */
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, pw, top, bot, 2 * 2 * pt);
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, pt, top, bot, 2 * pw * 0.75);
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), pw - pt, pw, top, bot, 2 * pw * 0.4);
    /* ISO corner castings (178 x 118 mm), hollow cast steel. */
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 178, top, top + 118, 2 * 55.0);
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 178, bot - 118, bot, 2 * 55.0);
    /* Header and sill. An open top's header swings: a lighter beam. */
    double hh = door ? (b->kind == LSCAN__BUILD_OPEN_TOP ? 80 : 110) : 90;
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 120, top, top + hh, 2 * pt + 0.05 * W);
    double sh = door ? 140 : 110;
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 140, bot - sh, bot, 8.0 * 2 + 0.06 * W);
    double wy0 = top + hh, wy1 = bot - sh;
    bool reefer = b->kind == LSCAN__BUILD_REEFER;
    if (!door) {
        if (reefer) {
            reefer_unit(s, r, b, left);
            return;
        }
        if (b->wall == LSCAN__WALL_FLAT) { /* flat end panel with stiffeners */
            ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 50, 50 + b->wall_t, wy0, wy1, W * 0.6);
            for (int k = 1; k < 4; k++) {
                double y = lerp(wy0, wy1, k / 4.0);
                ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 50, 110, y - 3, y + 3, W * 0.8);
            }
        } else { /* corrugated front wall, as the sides' profile */
            double t = b->wall_t, cd = b->wall == LSCAN__WALL_SINE ? 28.0 : 36.0;
            double per = b->wall == LSCAN__WALL_SINE ? 200.0 : 230.0, ph = R(r, 0, per);
            ebox_wave(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 60 - cd, 60 - cd + t, wy0, wy1,
                      W * 0.45, LSCAN__WAVE_X_BY_Y, 2.0, per, ph);
            ebox_wave(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 60 - t, 60, wy0, wy1, W * 0.45,
                      LSCAN__WAVE_X_BY_Y, 2.0, per, ph + per * 0.5);
            ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 60 - cd, 60, wy0, wy1, t * 10.0);
        }
        return;
    }
    /* Doors. */
    double t = b->door_flat ? 2.5 : R(r, 1.8, 2.0);
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 40, 40 + t, wy0, wy1, W * 0.5);
    if (b->door_flat) {
        /* Flat (insulated) leaves: two skins and foam. */
        ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 40, 40 + reefer * 80.0 + 30, wy0, wy1,
             2 * 2 * t);
        if (reefer)
            ebox(l, left, xo, mat_mu(LSCAN__MAT_PLASTIC, 0.04), 45, 115, wy0, wy1, W * 0.95);
    } else {
        ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 40, 76, wy0, wy1, t * 9.0);
    }
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 20, 26, wy0, wy1, W * 0.12); /* frames */
    double bar_x = left ? xo + 12 : xo - 12;
    add_cyl_y(l, mat_mu(LSCAN__MAT_STEEL, -1), bar_x, wy0 - 40, wy1 + 40, 15.0, 0.0, b->door_bars);
    int hinges = b->door_bars == 2 ? 3 : 4;
    for (int k = 0; k < hinges; k++) {
        double hy = lerp(wy0 + 200, wy1 - 200, k / (double)(hinges - 1));
        ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 60, hy - 40, hy + 40, 2 * 2 * 25.0);
    }
    for (int k = 0; k < 2; k++) {
        double hy = k == 0 ? wy0 + 30 : wy1 - 30;
        ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 45, hy - 35, hy + 35,
             b->door_bars * 40.0);
    }
    double hy = lerp(wy0, wy1, R(r, 0.45, 0.55));
    ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 35, hy - 60, hy + 60, b->door_bars * 12.0);
    if (b->lock_box) /* welded lock box round the handle: a dense little block */
        ebox(l, left, xo, mat_mu(LSCAN__MAT_STEEL, -1), 0, 70, hy - 90, hy + 90, 2 * 2 * 5.0 + 60);
    ebox(l, left, xo, mat_mu(LSCAN__MAT_RUBBER, -1), 76, 90, wy0, wy1, W * 0.15);
}

void lscan__synth_container_build(lscan__scene *s, rng_t *r, const lscan__build *b)
{
    lscan__prim_list *l = &s->base;
    double W = s->inner_width;
    double x0 = s->cx0, x1 = s->cx1, top = s->cy0, bot = s->cy1;
    double st = s->scanner.smear_top, sb = s->scanner.smear_bot;
    double fy = s->floor_y;
    bool reefer = b->kind == LSCAN__BUILD_REEFER;
    /* Side walls. */
    double wy0 = top + b->rail_h * 0.5, wy1 = fy;
    double wt = b->wall_t * R(r, 0.95, 1.05);
    switch (b->wall) {
    case LSCAN__WALL_TRAPEZOID:
    case LSCAN__WALL_SINE: {
        double per = b->wall_pitch * R(r, 0.98, 1.02), ph = R(r, 0, per);
        size_t n = l->n;
        add_box_mod(l, mat_mu(LSCAN__MAT_STEEL, -1), x0 + 60, wy0, x1 - 60, wy1, 2 * wt,
                    b->wall_oblique, per, ph);
        set_mat(l, n, LSCAN__MAT_STEEL);
        if (b->wall == LSCAN__WALL_SINE && l->n > n) l->v[l->n - 1].mod_shape = 1;
        break;
    }
    case LSCAN__WALL_FLAT:
        mbox(l, LSCAN__MAT_STEEL, -1, x0 + 60, wy0, x1 - 60, wy1, 2 * wt);
        for (double x = x0 + R(r, 900, 1300); x < x1 - 600; x += R(r, 1150, 1250))
            mbox(l, LSCAN__MAT_STEEL, -1, x, wy0, x + 40, wy1, 2 * 2 * wt); /* panel joints */
        break;
    default: /* insulated sandwich: steel skin, foam, aluminium liner */
        mbox(l, LSCAN__MAT_STEEL, -1, x0 + 60, wy0, x1 - 60, wy1, 2 * wt);
        mbox(l, LSCAN__MAT_ALUMINIUM, -1, s->ix0, s->iy0, s->ix1, fy, 2 * 1.0);
        mbox(l, LSCAN__MAT_PLASTIC, 0.04, x0 + 60, wy0, x1 - 60, wy1, 2 * b->wall_pitch);
        for (double x = s->ix0 + R(r, 500, 700); x < s->ix1 - 300; x += R(r, 580, 620))
            mbox(l, LSCAN__MAT_ALUMINIUM, -1, x, s->iy0, x + 30, fy, 2 * 2 * 1.0);
        break;
    }
    /* Top rails, near and far at different heights (fan beam). */
    for (int k = 0; k < 2; k++) {
        double y = top + k * st * 0.5;
        rail_section(l, b->rail, x0, x1, y, b->rail_h, b->rail_w, b->rail_t);
    }
    /* Roof: corrugated or flat sheet smeared by the fan beam (integrated
     * attenuation conserved); an open top has bows and a tarpaulin. */
    if (b->roof_t > 0) {
        double rt = b->roof_t * R(r, 0.95, 1.05);
        double rh = rt + st;
        double ry = b->rail == LSCAN__RAIL_FLUSH ? top : top + b->rail_h * 0.35;
        size_t n = l->n;
        double rp = b->roof_pitch * R(r, 0.97, 1.03), rph = R(r, 0, 200);
        if (b->roof_amp > 0)
            add_box_wave(l, mat_mu(LSCAN__MAT_STEEL, -1), x0 + 40, ry, x1 - 40, ry + rh,
                         W * rt / rh, LSCAN__WAVE_Y_BY_X, b->roof_amp, rp, rph);
        else
            lscan__synth_add_box(l, mat_mu(LSCAN__MAT_STEEL, -1), x0 + 40, ry, x1 - 40, ry + rh,
                                 W * rt / rh);
        set_mat(l, n, LSCAN__MAT_STEEL);
        if (reefer) { /* roof insulation and the liner */
            mbox(l, LSCAN__MAT_PLASTIC, 0.04, x0 + 60, ry + rh, x1 - 60, s->iy0, W);
            mbox(l, LSCAN__MAT_ALUMINIUM, -1, x0 + 60, s->iy0 - 1, x1 - 60, s->iy0, W * 0.95);
        }
    } else {
        for (double bx = x0 + R(r, 500, 900); bx < x1 - 400; bx += R(r, 950, 1150)) {
            mbox(l, LSCAN__MAT_STEEL, -1, bx, top + 5, bx + 3, top + 45, W);
            mbox(l, LSCAN__MAT_STEEL, -1, bx, top + 5, bx + 50, top + 8, W);
        }
        size_t n = l->n;
        double tp = R(r, 950, 1150), tph = R(r, 0, 500);
        add_box_wave(l, mat_mu(LSCAN__MAT_PLASTIC, 1.3), x0 + 20, top - 10, x1 - 20,
                     top - 8 + st * 0.3, W * 2.0 / (2.0 + st * 0.3), LSCAN__WAVE_Y_BY_X, 12.0, tp,
                     tph);
        set_mat(l, n, LSCAN__MAT_PLASTIC);
    }
    /* Floor, seen edge-on across the full width, smeared like the roof. */
    double ft = b->floor_t;
    switch (b->floor) {
    case LSCAN__FLOOR_STEEL:
        mbox(l, LSCAN__MAT_STEEL, -1, x0 + 60, fy, x1 - 60, fy + 6 + sb, W * 6.0 / (6.0 + sb));
        mbox(l, LSCAN__MAT_WOOD, 0.65, x0 + 60, fy + 6, x1 - 60, fy + ft + sb,
             W * (ft - 6) / (ft - 6 + sb));
        break;
    case LSCAN__FLOOR_TBAR: {
        double th = ft * 0.6;
        mbox(l, LSCAN__MAT_ALUMINIUM, -1, x0 + 60, fy, x1 - 60, fy + 4 + sb * 0.5,
             W * 0.6 * 4.0 / (4.0 + sb * 0.5));
        mbox(l, LSCAN__MAT_ALUMINIUM, -1, x0 + 60, fy + 4, x1 - 60, fy + th, W * 0.075);
        mbox(l, LSCAN__MAT_PLASTIC, 0.04, x0 + 60, fy + th, x1 - 60, fy + ft, W);
        mbox(l, LSCAN__MAT_STEEL, -1, x0 + 60, fy + ft - 2, x1 - 60, fy + ft + sb * 0.5,
             W * 1.5 / (1.5 + sb * 0.5));
        break;
    }
    default: {
        double rho = b->floor == LSCAN__FLOOR_BAMBOO ? R(r, 0.8, 0.9) : R(r, 0.62, 0.75);
        mbox(l, LSCAN__MAT_WOOD, rho, x0 + 60, fy, x1 - 60, fy + ft + sb, W * ft / (ft + sb));
        break;
    }
    }
    /* Cross-members; a gooseneck tunnel replaces them under the front 3.2 m
     * by short outriggers, the tunnel's roof plate and side channels. */
    double yb = fy + ft;
    double d = b->xm_depth * R(r, 0.97, 1.03);
    bool goose = b->gooseneck && s->length_ft > 30;
    double g0 = 0, g1 = 0;
    if (goose) {
        g0 = s->door_left ? x1 - 150 - 3200 : x0 + 150;
        g1 = g0 + 3200;
        double ty = yb + d - 120;
        mbox(l, LSCAN__MAT_STEEL, -1, g0, ty - 6, g1, ty, 1030);
        mbox(l, LSCAN__MAT_STEEL, -1, g0, ty, g1, bot, 2 * 6.0);
        mbox(l, LSCAN__MAT_STEEL, -1, g0, bot - 8, g1, bot, 2 * 80.0);
    }
    double pitch = b->xm_pitch;
    for (double cx = x0 + 150 + R(r, 0, 60); cx < x1 - 200; cx += pitch * R(r, 0.97, 1.03)) {
        bool in_tunnel = goose && cx > g0 && cx < g1;
        xmember(l, b->xm, cx, yb, in_tunnel ? 120.0 : d, b->xm_web, b->xm_flange,
                in_tunnel ? W - 1030 : W);
    }
    /* Bottom side rails, near and far offset. */
    for (int k = 0; k < 2; k++) {
        double y1 = bot - k * sb * 0.5;
        double h = b->brail_h, t = b->brail_t;
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y1 - h, x1, y1, t);
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y1 - h, x1, y1 - h + t, b->brail_flange);
        mbox(l, LSCAN__MAT_STEEL, -1, x0, y1 - t, x1, y1, b->brail_flange);
    }
    /* Forklift pockets on some 20 ft. */
    if (b->forklift && s->length_ft < 30 && P(r, 0.4)) {
        double mid = (x0 + x1) * 0.5;
        for (int k = -1; k <= 1; k += 2) {
            double px = mid + k * 1025;
            mbox(l, LSCAN__MAT_STEEL, -1, px - 180, bot - 115, px - 174, bot, W);
            mbox(l, LSCAN__MAT_STEEL, -1, px + 174, bot - 115, px + 180, bot, W);
            mbox(l, LSCAN__MAT_STEEL, -1, px - 180, bot - 115, px + 180, bot - 109, W);
        }
    }
    build_end_v2(s, r, b, true, s->door_left);
    build_end_v2(s, r, b, false, !s->door_left);
}
