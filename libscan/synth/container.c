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
