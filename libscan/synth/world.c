/* world.c — worlds: container builds, scanner profiles, export styles, which world uses which. */
#include "synth.h"

#include <stdio.h>
#include <string.h>

/*
 * A world is a named mix of container builds, scanner profiles and archive
 * export styles. Every component belongs either to the training pool or to
 * the held-out pool; held-out worlds use held-out components only, so a
 * model trained (and thresholded) on the training worlds meets containers,
 * scanners and archives it has never seen. docs/synth.md has the table.
 */

/* ------------------------------------------------------------------------ */
/* Container builds                                                          */
/* ------------------------------------------------------------------------ */

enum {
    B_ISO_A, /* training */
    B_HC_B,
    B_HEAVY_C,
    B_REEFER_D,
    B_OPENTOP_E,
    B_GOOSE_F, /* held out */
    B_FLAT_G,
    B_REEFER_H,
    B_COUNT
};

static const lscan__build builds[B_COUNT] = {
    [B_ISO_A] = {.name = "iso-a",
                 .what = "steel dry van: 60 mm tube top rails, trapezoidal walls, plywood floor on "
                         "C cross-members every 300 mm",
                 .kind = LSCAN__BUILD_DRY,
                 .lengths = 3,
                 .hc = 0.45,
                 .rail = LSCAN__RAIL_TUBE,
                 .rail_h = 60,
                 .rail_w = 60,
                 .rail_t = 4,
                 .roof_t = 2.0,
                 .roof_amp = 10,
                 .roof_pitch = 220,
                 .wall = LSCAN__WALL_TRAPEZOID,
                 .wall_t = 1.8,
                 .wall_pitch = 278,
                 .wall_oblique = 0.74,
                 .floor = LSCAN__FLOOR_PLYWOOD,
                 .floor_t = 28,
                 .xm = LSCAN__XM_C,
                 .xm_depth = 122,
                 .xm_pitch = 300,
                 .xm_web = 4.5,
                 .xm_flange = 45,
                 .brail_h = 160,
                 .brail_t = 4.5,
                 .brail_flange = 50,
                 .post_w = 150,
                 .post_t = 6,
                 .door_bars = 4,
                 .forklift = true},
    [B_HC_B] = {.name = "hc-b",
                .what = "high-cube dry van: angle top rails, deep roof corrugation, 100 mm "
                        "cross-members every 250 mm, lock box on the doors",
                .kind = LSCAN__BUILD_DRY,
                .lengths = 2 | 4,
                .hc = 1.0,
                .rail = LSCAN__RAIL_ANGLE,
                .rail_h = 100,
                .rail_w = 50,
                .rail_t = 4,
                .roof_t = 1.6,
                .roof_amp = 18,
                .roof_pitch = 190,
                .wall = LSCAN__WALL_TRAPEZOID,
                .wall_t = 1.6,
                .wall_pitch = 265,
                .wall_oblique = 0.70,
                .floor = LSCAN__FLOOR_PLYWOOD,
                .floor_t = 28,
                .xm = LSCAN__XM_C,
                .xm_depth = 100,
                .xm_pitch = 250,
                .xm_web = 4,
                .xm_flange = 40,
                .brail_h = 150,
                .brail_t = 4,
                .brail_flange = 45,
                .post_w = 120,
                .post_t = 5,
                .door_bars = 4,
                .lock_box = true},
    [B_HEAVY_C] = {.name = "heavy-c",
                   .what = "heavy-tested van: box-section top rails, 38 mm floor on 150 mm "
                           "cross-members, 180 mm corner posts, forklift pockets",
                   .kind = LSCAN__BUILD_DRY,
                   .lengths = 1 | 2,
                   .hc = 0.1,
                   .rail = LSCAN__RAIL_BOX,
                   .rail_h = 80,
                   .rail_w = 60,
                   .rail_t = 6,
                   .roof_t = 2.5,
                   .roof_amp = 6,
                   .roof_pitch = 240,
                   .wall = LSCAN__WALL_TRAPEZOID,
                   .wall_t = 2.0,
                   .wall_pitch = 285,
                   .wall_oblique = 0.80,
                   .floor = LSCAN__FLOOR_PLYWOOD,
                   .floor_t = 38,
                   .xm = LSCAN__XM_C,
                   .xm_depth = 150,
                   .xm_pitch = 330,
                   .xm_web = 6,
                   .xm_flange = 55,
                   .brail_h = 180,
                   .brail_t = 6,
                   .brail_flange = 60,
                   .post_w = 180,
                   .post_t = 8,
                   .door_bars = 4,
                   .forklift = true},
    [B_REEFER_D] = {.name = "reefer-d",
                    .what = "integral reefer: machinery unit at the front, insulated flat walls, "
                            "aluminium T-bar floor, insulated doors",
                    .kind = LSCAN__BUILD_REEFER,
                    .lengths = 1 | 2,
                    .hc = 0.8,
                    .rail = LSCAN__RAIL_TUBE,
                    .rail_h = 50,
                    .rail_w = 50,
                    .rail_t = 3,
                    .roof_t = 1.2,
                    .wall = LSCAN__WALL_INSULATED,
                    .wall_t = 1.2,
                    .wall_pitch = 85, /* insulation thickness */
                    .floor = LSCAN__FLOOR_TBAR,
                    .floor_t = 75,
                    .xm = LSCAN__XM_I,
                    .xm_depth = 110,
                    .xm_pitch = 400,
                    .xm_web = 5,
                    .xm_flange = 50,
                    .brail_h = 140,
                    .brail_t = 5,
                    .brail_flange = 50,
                    .post_w = 140,
                    .post_t = 6,
                    .door_bars = 4,
                    .door_flat = true},
    [B_OPENTOP_E] = {.name = "opentop-e",
                     .what = "open top: tarpaulin on removable roof bows, heavy box top rails, "
                             "swing header over the doors",
                     .kind = LSCAN__BUILD_OPEN_TOP,
                     .lengths = 1 | 2,
                     .hc = 0.0,
                     .rail = LSCAN__RAIL_BOX,
                     .rail_h = 100,
                     .rail_w = 80,
                     .rail_t = 5,
                     .roof_t = 0,
                     .wall = LSCAN__WALL_TRAPEZOID,
                     .wall_t = 2.0,
                     .wall_pitch = 278,
                     .wall_oblique = 0.74,
                     .floor = LSCAN__FLOOR_PLYWOOD,
                     .floor_t = 28,
                     .xm = LSCAN__XM_C,
                     .xm_depth = 122,
                     .xm_pitch = 300,
                     .xm_web = 4.5,
                     .xm_flange = 45,
                     .brail_h = 160,
                     .brail_t = 4.5,
                     .brail_flange = 50,
                     .post_w = 150,
                     .post_t = 6,
                     .door_bars = 4},
    [B_GOOSE_F] = {.name = "goose-f",
                   .what = "gooseneck high cube: flush roof without a rail band, rounded "
                           "corrugation, bamboo floor on sparse I cross-members, deep bottom "
                           "rails, two bars and a lock box",
                   .kind = LSCAN__BUILD_DRY,
                   .lengths = 2 | 4,
                   .hc = 1.0,
                   .rail = LSCAN__RAIL_FLUSH,
                   .rail_h = 30,
                   .rail_w = 30,
                   .rail_t = 3,
                   .roof_t = 2.0,
                   .roof_amp = 4,
                   .roof_pitch = 160,
                   .wall = LSCAN__WALL_SINE,
                   .wall_t = 1.6,
                   .wall_pitch = 200,
                   .wall_oblique = 0.55,
                   .floor = LSCAN__FLOOR_BAMBOO,
                   .floor_t = 35,
                   .xm = LSCAN__XM_I,
                   .xm_depth = 160,
                   .xm_pitch = 600,
                   .xm_web = 7,
                   .xm_flange = 70,
                   .gooseneck = true,
                   .brail_h = 230,
                   .brail_t = 6,
                   .brail_flange = 70,
                   .post_w = 200,
                   .post_t = 9,
                   .door_bars = 2,
                   .lock_box = true},
    [B_FLAT_G] = {.name = "flat-g",
                  .what = "smooth-sided flat-panel van: heavy box top rails, flat roof, steel "
                          "plate floor, cross-members every 400 mm",
                  .kind = LSCAN__BUILD_DRY,
                  .lengths = 1 | 2,
                  .hc = 0.3,
                  .rail = LSCAN__RAIL_BOX,
                  .rail_h = 120,
                  .rail_w = 90,
                  .rail_t = 6,
                  .roof_t = 3.0,
                  .roof_amp = 0,
                  .wall = LSCAN__WALL_FLAT,
                  .wall_t = 3.0,
                  .floor = LSCAN__FLOOR_STEEL,
                  .floor_t = 26,
                  .xm = LSCAN__XM_C,
                  .xm_depth = 140,
                  .xm_pitch = 400,
                  .xm_web = 5,
                  .xm_flange = 50,
                  .brail_h = 200,
                  .brail_t = 6,
                  .brail_flange = 60,
                  .post_w = 160,
                  .post_t = 8,
                  .door_bars = 4,
                  .lock_box = true,
                  .door_flat = true},
    [B_REEFER_H] = {.name = "reefer-h",
                    .what = "reefer of another make: thick insulation, stainless skins, "
                            "large condenser unit, deep T-bar floor",
                    .kind = LSCAN__BUILD_REEFER,
                    .lengths = 1 | 2,
                    .hc = 1.0,
                    .rail = LSCAN__RAIL_TUBE,
                    .rail_h = 70,
                    .rail_w = 50,
                    .rail_t = 4,
                    .roof_t = 1.0,
                    .wall = LSCAN__WALL_INSULATED,
                    .wall_t = 1.0,
                    .wall_pitch = 110,
                    .floor = LSCAN__FLOOR_TBAR,
                    .floor_t = 90,
                    .xm = LSCAN__XM_I,
                    .xm_depth = 130,
                    .xm_pitch = 500,
                    .xm_web = 6,
                    .xm_flange = 60,
                    .brail_h = 150,
                    .brail_t = 5,
                    .brail_flange = 55,
                    .post_w = 160,
                    .post_t = 7,
                    .door_bars = 4,
                    .door_flat = true},
};

/* ------------------------------------------------------------------------ */
/* Scanner profiles                                                          */
/* ------------------------------------------------------------------------ */

enum {
    S_GANTRY6, /* training */
    S_PORTAL6,
    S_MOBILE9,
    S_VENDORX75, /* held out */
    S_ARCHIVE6,
    S_COUNT
};

static const lscan__profile profiles[S_COUNT] = {
    [S_GANTRY6] = {.name = "gantry6",
                   .what = "6 MeV gantry (the scanner moves): 5 mm pixels, steady speed, "
                           "top-down array",
                   .endpoint = 6,
                   .filter = 10,
                   .endpoint_low = 4,
                   .low_level = 0.8,
                   .low_quanta = 0.6,
                   .px = {4.8, 5.2},
                   .py = {5.0, 5.0},
                   .i0 = {48000, 62000},
                   .quanta = {8000, 40000},
                   .floor_a = {9.0, 9.8},
                   .blur_x = {0.10, 0.20},
                   .blur_y = {0.10, 0.20},
                   .blur_passes = 1,
                   .haze = {0.2, 0.8},
                   .haze_mm = 150,
                   .glow = {0.002, 0.008},
                   .tau = {0.6, 1.2},
                   .dead_rows = 0.3,
                   .hot_rows = 0.1,
                   .gain = {0.0015, 0.006},
                   .module = {0.002, 0.008},
                   .module_rows = 16,
                   .dose = {0.002, 0.008},
                   .speed = {0, 0.03},
                   .flip = 0,
                   .smear_top = {20, 90},
                   .smear_bot = {5, 40}},
    [S_PORTAL6] = {.name = "portal6",
                   .what = "6 MeV drive-through portal: pitch along the scan set by the truck's "
                           "speed (3.5-6.5 mm), motion blur, lower air level",
                   .endpoint = 6,
                   .filter = 8,
                   .endpoint_low = 3,
                   .low_level = 0.7,
                   .low_quanta = 0.5,
                   .px = {3.5, 6.5},
                   .py = {4.0, 5.0},
                   .i0 = {30000, 50000},
                   .quanta = {6000, 25000},
                   .floor_a = {9.0, 9.6},
                   .pedestal = {0, 200},
                   .blur_x = {0.15, 0.30},
                   .blur_y = {0.10, 0.18},
                   .blur_passes = 1,
                   .haze = {0.4, 1.2},
                   .haze_mm = 200,
                   .glow = {0.004, 0.015},
                   .tau = {0.8, 1.8},
                   .dead_rows = 0.5,
                   .hot_rows = 0.3,
                   .gain = {0.002, 0.008},
                   .module = {0.003, 0.010},
                   .module_rows = 32,
                   .dose = {0.004, 0.012},
                   .speed = {0.04, 0.15},
                   .flip = 0,
                   .smear_top = {40, 140},
                   .smear_bot = {10, 60}},
    [S_MOBILE9] = {.name = "mobile9",
                   .what = "9 MeV mobile unit: 3 mm pixels, more scatter, high air level, "
                           "bottom-up array on half the units",
                   .endpoint = 9,
                   .filter = 12,
                   .endpoint_low = 6,
                   .low_level = 0.85,
                   .low_quanta = 0.7,
                   .px = {2.8, 3.4},
                   .py = {3.0, 3.0},
                   .i0 = {55000, 63000},
                   .quanta = {20000, 60000},
                   .floor_a = {10.0, 11.0},
                   .blur_x = {0.14, 0.24},
                   .blur_y = {0.14, 0.24},
                   .blur_passes = 1,
                   .haze = {0.4, 1.2},
                   .haze_mm = 250,
                   .glow = {0.003, 0.010},
                   .tau = {0.6, 1.5},
                   .dead_rows = 0.3,
                   .gain = {0.001, 0.004},
                   .module = {0.002, 0.006},
                   .module_rows = 32,
                   .dose = {0.002, 0.006},
                   .speed = {0, 0.05},
                   .flip = 0.5,
                   .smear_top = {10, 70},
                   .smear_bot = {10, 50}},
    [S_VENDORX75] = {.name = "vendorx75",
                     .what = "another vendor's 7.5 MeV portal: 2.6 x 4.2 mm pixels, 14-bit air "
                             "level on a dark pedestal, strong afterglow and row crosstalk, "
                             "bottom-up array, dead and hot rows",
                     .endpoint = 7.5,
                     .filter = 9,
                     .endpoint_low = 4.5,
                     .low_level = 0.8,
                     .low_quanta = 0.6,
                     .px = {2.5, 2.8},
                     .py = {4.0, 4.4},
                     .i0 = {13500, 16000},
                     .quanta = {5000, 15000},
                     .floor_a = {9.4, 10.2},
                     .pedestal = {400, 1200},
                     .blur_x = {0.03, 0.08},
                     .blur_y = {0.22, 0.30},
                     .blur_passes = 2,
                     .haze = {0.8, 1.5},
                     .haze_mm = 300,
                     .glow = {0.02, 0.05},
                     .tau = {2.0, 4.0},
                     .dead_rows = 2,
                     .hot_rows = 1,
                     .gain = {0.003, 0.010},
                     .module = {0.004, 0.012},
                     .module_rows = 24,
                     .dose = {0.008, 0.02},
                     .speed = {0.02, 0.08},
                     .flip = 1.0,
                     .smear_top = {0, 25},
                     .smear_bot = {0, 20}},
    [S_ARCHIVE6] = {.name = "archive6",
                    .what = "an older 6 MeV unit: coarse 7 x 6 mm pixels, heavy blur and "
                            "scatter, air level near saturation",
                    .endpoint = 6,
                    .filter = 12,
                    .endpoint_low = 4,
                    .low_level = 0.8,
                    .low_quanta = 0.6,
                    .px = {6.0, 8.0},
                    .py = {5.5, 6.5},
                    .i0 = {60000, 64800},
                    .quanta = {4000, 12000},
                    .floor_a = {9.0, 9.4},
                    .pedestal = {0, 100},
                    .blur_x = {0.20, 0.30},
                    .blur_y = {0.20, 0.30},
                    .blur_passes = 2,
                    .haze = {1.0, 1.5},
                    .haze_mm = 350,
                    .glow = {0.005, 0.02},
                    .tau = {1.0, 2.0},
                    .dead_rows = 1,
                    .hot_rows = 0.5,
                    .gain = {0.004, 0.010},
                    .module = {0.005, 0.015},
                    .module_rows = 16,
                    .dose = {0.01, 0.02},
                    .speed = {0.05, 0.12},
                    .flip = 0,
                    .smear_top = {60, 160},
                    .smear_bot = {20, 70}},
};

/* ------------------------------------------------------------------------ */
/* Export styles                                                             */
/* ------------------------------------------------------------------------ */

enum {
    E_PNG16, /* training */
    E_PNG8_LIN,
    E_PNG8_CROP_LIN,
    E_JPEG_LOG,
    E_JPEG_LIN,
    E_PNG16_INV, /* held out */
    E_JPEG_CROP_GAMMA,
    E_PNG8_CROP_LOG_INV,
    E_JPEG_CROP_LOG_INV,
    E_COUNT
};

static const lscan__export_style exports[E_COUNT] = {
    [E_PNG16] = {"png16", {0, 0}, {1, 1}, {0, 0}, 1},
    [E_PNG8_LIN] = {"png8-lin", {0, 0}, {1, 1}, {0, 0}, 1},
    [E_PNG8_CROP_LIN] = {"png8-crop-lin", {0, 0}, {1, 1}, {0, 0}, 1},
    [E_JPEG_LOG] = {"jpeg-log", {0, 0}, {1, 1}, {80, 95}, 1},
    [E_JPEG_LIN] = {"jpeg-lin", {0, 0}, {0.5, 0.9}, {85, 95}, 0.5},
    [E_PNG16_INV] = {"png16-inv", {0, 0}, {1, 1}, {0, 0}, 1},
    [E_JPEG_CROP_GAMMA] = {"jpeg-crop-gamma", {1.8, 2.4}, {0.4, 0.7}, {60, 80}, 0},
    [E_PNG8_CROP_LOG_INV] = {"png8-crop-log-inv", {0, 0}, {1, 1}, {0, 0}, 1},
    [E_JPEG_CROP_LOG_INV] = {"jpeg-crop-log-inv", {7, 9}, {0.6, 1.0}, {70, 90}, 0.5},
};

/* ------------------------------------------------------------------------ */
/* Worlds                                                                    */
/* ------------------------------------------------------------------------ */

#define END                                                                                        \
    {                                                                                              \
        -1, 0                                                                                      \
    }

static const lscan__world worlds[] = {
    {.name = "classic",
     .purpose = "train",
     .what = "the original generator, byte-identical to earlier versions: one container make, "
             "one monochromatic scanner family (4 MeV effective), 16-bit PNG",
     .builds = {END},
     .profiles = {END},
     .exports = {{E_PNG16, 1}, END},
     .length = {0.4, 0.6, 0},
     .chassis = 0.7},
    {.name = "harbour",
     .purpose = "train",
     .what = "a container terminal: ISO and high-cube vans and reefers, 6 MeV gantries and "
             "9 MeV mobiles, raw 16-bit and full-frame 8-bit archives",
     .builds = {{B_ISO_A, 0.35}, {B_HC_B, 0.35}, {B_REEFER_D, 0.3}, END},
     .profiles = {{S_GANTRY6, 0.5}, {S_MOBILE9, 0.5}, END},
     .exports = {{E_PNG16, 0.5}, {E_PNG8_LIN, 0.15}, {E_JPEG_LOG, 0.2}, {E_JPEG_LIN, 0.15}, END},
     .length = {0.35, 0.55, 0.10},
     .chassis = 0.7},
    {.name = "inland",
     .purpose = "train",
     .what = "a land border: trucks through 6 MeV portals and gantries, heavy vans and open "
             "tops, raw 16-bit, cropped 8-bit PNG and JPEG archives",
     .builds = {{B_ISO_A, 0.3}, {B_HEAVY_C, 0.35}, {B_OPENTOP_E, 0.35}, END},
     .profiles = {{S_PORTAL6, 0.6}, {S_GANTRY6, 0.4}, END},
     .exports = {{E_PNG16, 0.5}, {E_PNG8_CROP_LIN, 0.2}, {E_JPEG_LIN, 0.3}, END},
     .length = {0.5, 0.5, 0},
     .chassis = 0.85},
    {.name = "mosaic",
     .purpose = "validation",
     .what = "every training build, profile and export in equal shares: for thresholds and "
             "model choice on disjoint seeds",
     .builds = {{B_ISO_A, 1}, {B_HC_B, 1}, {B_HEAVY_C, 1}, {B_REEFER_D, 1}, {B_OPENTOP_E, 1}, END},
     .profiles = {{S_GANTRY6, 1}, {S_PORTAL6, 1}, {S_MOBILE9, 1}, END},
     .exports = {{E_PNG16, 1},
                 {E_PNG8_LIN, 1},
                 {E_PNG8_CROP_LIN, 1},
                 {E_JPEG_LOG, 1},
                 {E_JPEG_LIN, 1},
                 END},
     .length = {0.4, 0.5, 0.1},
     .chassis = 0.7},
    {.name = "vendorx",
     .purpose = "held-out",
     .what = "another vendor's portal and other makers' containers: gooseneck and flat-panel "
             "vans, 7.5 MeV, non-square pixels, bottom-up array, 16-bit attenuation export",
     .builds = {{B_GOOSE_F, 0.5}, {B_FLAT_G, 0.5}, END},
     .profiles = {{S_VENDORX75, 1}, END},
     .exports = {{E_PNG16_INV, 1}, END},
     .length = {0.3, 0.5, 0.2},
     .chassis = 0.9},
    {.name = "archive",
     .purpose = "held-out",
     .what = "a customs archive: an older coarse 6 MeV scanner, unseen builds, 8-bit JPEG and "
             "PNG crops with gamma or inverted log display, downscaled",
     .builds = {{B_GOOSE_F, 0.35}, {B_FLAT_G, 0.3}, {B_REEFER_H, 0.35}, END},
     .profiles = {{S_ARCHIVE6, 1}, END},
     .exports =
         {{E_JPEG_CROP_GAMMA, 0.5}, {E_PNG8_CROP_LOG_INV, 0.25}, {E_JPEG_CROP_LOG_INV, 0.25}, END},
     .length = {0.45, 0.45, 0.10},
     .chassis = 0.6},
};

#define N_WORLDS (sizeof worlds / sizeof worlds[0])

uint32_t lscan__synth_world_count(void)
{
    return (uint32_t)N_WORLDS;
}

const lscan__world *lscan__synth_world(uint32_t i)
{
    return i < N_WORLDS ? &worlds[i] : NULL;
}

const lscan__build *lscan__synth_build(int i)
{
    return i >= 0 && i < B_COUNT ? &builds[i] : NULL;
}

const lscan__profile *lscan__synth_profile(int i)
{
    return i >= 0 && i < S_COUNT ? &profiles[i] : NULL;
}

const lscan__export_style *lscan__synth_export_style(int i)
{
    return i >= 0 && i < E_COUNT ? &exports[i] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Public getters                                                            */
/* ------------------------------------------------------------------------ */

LSCAN_API uint32_t lscan_synth_world_count(void)
{
    return (uint32_t)N_WORLDS;
}

LSCAN_API const char *lscan_synth_world_name(uint32_t world)
{
    return world < N_WORLDS ? worlds[world].name : NULL;
}

LSCAN_API const char *lscan_synth_world_purpose(uint32_t world)
{
    return world < N_WORLDS ? worlds[world].purpose : NULL;
}

LSCAN_API const char *lscan_synth_world_description(uint32_t world)
{
    return world < N_WORLDS ? worlds[world].what : NULL;
}

LSCAN_API int lscan_synth_world_find(const char *name)
{
    if (!name) return -1;
    for (uint32_t i = 0; i < N_WORLDS; i++)
        if (strcmp(worlds[i].name, name) == 0) return (int)i;
    return -1;
}

/* The world's components as one line each: "builds: a, b; scanners: ...". */
static size_t list_parts(char *buf, size_t size, const lscan__world_part *parts, int which)
{
    size_t n = 0;
    for (int k = 0; k < LSCAN__WORLD_MAX_PARTS && parts[k].index >= 0; k++) {
        const char *name = which == 0   ? builds[parts[k].index].name
                           : which == 1 ? profiles[parts[k].index].name
                                        : exports[parts[k].index].name;
        size_t len = strlen(name);
        if (n + len + 3 >= size) break;
        if (n) buf[n++] = ',';
        memcpy(buf + n, name, len);
        n += len;
    }
    buf[n] = '\0';
    return n;
}

LSCAN_API int lscan_synth_world_components(uint32_t world, char *builds_out, char *scanners_out,
                                           char *exports_out, size_t size)
{
    if (world >= N_WORLDS || !builds_out || !scanners_out || !exports_out || size < 16)
        return LSCAN_ERR_INVALID_ARGUMENT;
    const lscan__world *w = &worlds[world];
    if (world == 0) {
        snprintf(builds_out, size, "classic");
        snprintf(scanners_out, size, "classic");
    } else {
        list_parts(builds_out, size, w->builds, 0);
        list_parts(scanners_out, size, w->profiles, 1);
    }
    list_parts(exports_out, size, w->exports, 2);
    return LSCAN_OK;
}
