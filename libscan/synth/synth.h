/* synth.h — internals of the synthetic scan generator, shared by its files and its unit tests. */
#ifndef LSCAN_SYNTH_H
#define LSCAN_SYNTH_H

#include "../core/internal.h"

#include <stdbool.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Random numbers (rng.c)                                                    */
/* ------------------------------------------------------------------------ */

/* xoshiro256** state. Every scan draws from independent streams, each seeded
 * from (scan seed, stream id) through splitmix64, so that e.g. the anomaly's
 * draws never shift the draws of the cargo around it. */
typedef struct lscan__rng {
    uint64_t s[4];
} lscan__rng;

enum lscan__stream {
    LSCAN__STREAM_LABEL = 1,   /* container size, class, difficulty */
    LSCAN__STREAM_SCANNER = 2, /* I0, gains, dose jitter, noise level, speed */
    LSCAN__STREAM_SCENE = 3,   /* container, chassis and cargo layout */
    LSCAN__STREAM_ANOMALY = 4, /* the concealment */
    LSCAN__STREAM_NOISE = 5,   /* key of the per-pixel counter-based noise */
    /* Worlds other than classic only: which build, scanner profile, export
     * and commodity (classic never draws from it, so its scans are unchanged). */
    LSCAN__STREAM_WORLD = 6
};

void lscan__synth_rng_seed(lscan__rng *r, uint64_t seed, uint64_t stream);
uint64_t lscan__synth_rng_next(lscan__rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double lscan__synth_uniform(lscan__rng *r);
/* Uniform in [lo, hi). */
double lscan__synth_range(lscan__rng *r, double lo, double hi);
/* Uniform integer in [lo, hi] (inclusive; lo <= hi). */
int lscan__synth_int(lscan__rng *r, int lo, int hi);
/* true with probability p. */
bool lscan__synth_chance(lscan__rng *r, double p);
/* Approximately standard normal (Irwin-Hall sum of four 16-bit uniforms:
 * mean 0, variance 1, bounded to +-3.46), integer arithmetic plus one
 * multiply, so identical everywhere. */
double lscan__synth_normal(lscan__rng *r);
/* Stateless mixing of (key, counter) into 64 random bits (splitmix64 finaliser
 * over a Weyl sequence): the per-pixel noise uses it so a pixel's noise never
 * depends on the order in which pixels are computed. */
uint64_t lscan__synth_hash(uint64_t key, uint64_t counter);
/* The Irwin-Hall normal deviate of a 64-bit word (as lscan__synth_normal). */
float lscan__synth_bits_normal(uint64_t bits);

/* ------------------------------------------------------------------------ */
/* Deterministic math and materials (physics.c)                              */
/* ------------------------------------------------------------------------ */

/* exp and natural log from IEEE-754 basic operations only (range reduction +
 * polynomial), so results are bit-identical on every conforming machine,
 * unlike libm's, whose last bits differ between implementations. exp:
 * relative error < 2e-16 for x in [-700, 700]; 0 below -700. log: x > 0. */
double lscan__synth_exp(double x);
double lscan__synth_log(double x);

enum lscan__material {
    LSCAN__MAT_STEEL = 0,
    LSCAN__MAT_LEAD,
    LSCAN__MAT_ALUMINIUM,
    LSCAN__MAT_COPPER,
    LSCAN__MAT_WATER,
    LSCAN__MAT_ORGANIC, /* foodstuffs, paper, textiles: cellulose/protein-like */
    LSCAN__MAT_PLASTIC, /* polyethylene-like */
    LSCAN__MAT_WOOD,
    LSCAN__MAT_RUBBER,
    LSCAN__MAT_GLASS,
    LSCAN__MAT_CONCRETE,
    LSCAN__MAT_SAND,
    LSCAN__MAT_COUNT
};

/* Basis materials of the energy dependence: every material attenuates with
 * the energy like one of these four (XCOM curves in physics.c). The renderer
 * of the non-classic worlds keeps one attenuation map per basis, so that a
 * spectrum (or, later, a second one for dual energy) can be applied to it. */
enum lscan__basis {
    LSCAN__BASIS_ORGANIC = 0, /* water: organics, plastics, wood, rubber (Z_eff ~6-8) */
    LSCAN__BASIS_LIGHT = 1,   /* aluminium: glass, concrete, sand, ceramics (Z ~11-14) */
    LSCAN__BASIS_IRON = 2,    /* iron: steel, copper (Z 26-29) */
    LSCAN__BASIS_LEAD = 3,    /* lead (Z 82) */
    LSCAN__BASIS_COUNT = 4
};

typedef struct lscan__material_info {
    const char *name;
    double mass_att; /* mass attenuation coefficient mu/rho at ~4 MeV, cm^2/g */
    double density;  /* bulk solid density, g/cm^3 */
    int basis;       /* lscan__basis: how mu/rho varies with the photon energy */
} lscan__material_info;

const lscan__material_info *lscan__synth_material(int mat);
/* Linear attenuation coefficient in 1/mm of material `mat` at an effective
 * (bulk or packed) density `rho` in g/cm^3. */
double lscan__synth_mu(int mat, double rho);
/* The same at the material's solid density. */
double lscan__synth_mu_solid(int mat);

/* Energy bins of the linac spectra: the XCOM energies 0.5 .. 10 MeV. */
#define LSCAN__SPECTRUM_BINS 10

/* A linac's bremsstrahlung spectrum as seen by an energy-integrating
 * detector, in bins: weight w[k] of the detected signal at energy e[k]
 * (sum 1), and for each basis the ratio r[c][k] = (mu/rho)(e[k]) /
 * (mu/rho)(4 MeV), which turns an attenuation at the 4 MeV reference (what
 * the scene's mu values give) into one at e[k]. A ray whose reference
 * attenuations per basis are a[c] transmits sum_k w[k] exp(-sum_c a[c] r[c][k]):
 * attenuation is then sub-linear in thickness (beam hardening). */
typedef struct lscan__spectrum {
    double endpoint; /* MeV (the linac's nominal energy) */
    double filter;   /* mm of lead-equivalent filtration (target, flattening filter) */
    int n;           /* bins in use: those below the endpoint */
    double e[LSCAN__SPECTRUM_BINS], w[LSCAN__SPECTRUM_BINS];
    double r[LSCAN__BASIS_COUNT][LSCAN__SPECTRUM_BINS];
} lscan__spectrum;

/* Fills *sp for a linac of `endpoint_mev` (1..10) behind `filter_mm` of
 * lead: Kramers' thick-target fluence (E0 - E) / E, times E (the detector
 * integrates energy), times the filter's transmission, integrated over each
 * bin. Deterministic (no libm). */
void lscan__synth_spectrum_make(lscan__spectrum *sp, double endpoint_mev, double filter_mm);
/* Transmission and attenuation (-ln T) of a ray with reference attenuations
 * a[LSCAN__BASIS_COUNT]. */
double lscan__synth_spectrum_transmission(const lscan__spectrum *sp, const double *a);
double lscan__synth_spectrum_attenuation(const lscan__spectrum *sp, const double *a);
/* Mass attenuation of a basis at the table's energy index k (0..9), cm^2/g,
 * and the energies (MeV); for the tests and the docs. */
double lscan__synth_basis_mass_att(int basis, int k);
double lscan__synth_energy(int k);

/* exp(-y) for y >= 0 through a 256-entry table of 2^(-j/256) and a
 * degree-4 polynomial: relative error < 1e-14, basic IEEE operations only
 * (deterministic), about 4x faster than lscan__synth_exp. The table is
 * filled by lscan__synth_fexp_init (from lscan__synth_exp). */
typedef struct lscan__fexp {
    double t[256];
} lscan__fexp;
void lscan__synth_fexp_init(lscan__fexp *f);
static inline double lscan__synth_fexp_neg(const lscan__fexp *f, double y)
{
    if (!(y < 700.0)) return 0.0;
    if (y < 0) y = 0;
    double z = y * 369.32993046757463; /* 256 / ln 2 */
    int64_t n = (int64_t)z;
    double u = (z - (double)n) * 0.0027076061740622863; /* ln 2 / 256 */
    double p = 1.0 - u * (1.0 - u * (0.5 - u * (1.0 / 6.0 - u * (1.0 / 24.0))));
    union {
        double d;
        uint64_t b;
    } sc;
    sc.b = (uint64_t)(1023 - (n >> 8)) << 52; /* 2^-(n/256 integer part); n >> 8 <= 1010 */
    return f->t[n & 255] * p * sc.d;
}

/* ------------------------------------------------------------------------ */
/* Scene: primitives in millimetres (scene.c builds, render.c rasterises)   */
/* ------------------------------------------------------------------------ */

/* Shapes. The beam runs along z (across the container); a primitive's
 * attenuation at image point (x, y) is mu * (path length along z). All
 * coordinates are millimetres in the image frame: x from the image's left
 * edge, y down from its top edge. */
enum lscan__prim_kind {
    /* Axis-aligned box [x0,x1]x[y0,y1] with path `depth`. Sheets in the
     * y-z plane (end walls) are boxes with x1-x0 = sheet thickness and
     * depth = container width. Optional periodic depth modulation along x
     * (corrugated side walls) and periodic offset (corrugated sheets). */
    LSCAN__PRIM_BOX = 0,
    /* Cylinder with its axis along x (pipe lying along the container):
     * centre row cy, radius r, inner radius r_in (0 = solid), x0..x1;
     * `count` identical cylinders side by side across the beam. */
    LSCAN__PRIM_CYL_X,
    /* Cylinder with a vertical axis (drum, roll, tyre stack): centre cx,
     * radius r, inner r_in, y0..y1; `count` across the beam. */
    LSCAN__PRIM_CYL_Y,
    /* Cylinder with its axis along the beam (wheel, coil on its side):
     * a disc (annulus r_in..r) of length `depth` centred (cx, cy). */
    LSCAN__PRIM_DISC_Z,
    /* Ellipsoid (sack, bag): centre (cx, cy), semi-axes r (x), ry (y),
     * depth/2 (z). */
    LSCAN__PRIM_ELLIPSOID,
    /* Bulk pile over [x0,x1] resting on y1: top at y0 between xa and xb,
     * falling linearly to ya0 at x0 and to yb1 at x1 (angle of repose);
     * path `depth`; density rising by `grad` (relative) from top to bottom
     * (compaction). */
    LSCAN__PRIM_PILE
};

enum lscan__wave {
    LSCAN__WAVE_NONE = 0,
    LSCAN__WAVE_X_BY_Y = 1, /* box's x offset varies with y (corrugated end wall) */
    LSCAN__WAVE_Y_BY_X = 2  /* box's y offset varies with x (corrugated roof) */
};

typedef struct lscan__prim {
    uint8_t kind;
    uint8_t wave; /* lscan__wave for boxes */
    uint16_t count;
    uint8_t flat;      /* ellipsoid: 1 = flattened profile (filled sacks are box-like) */
    uint8_t mat;       /* lscan__material + 1; 0 = not said (the basis then follows |mu|) */
    uint8_t mod_shape; /* box depth modulation: 0 trapezoid (corrugated), 1 triangle (sinusoidal) */
    float mu;          /* linear attenuation, 1/mm (negative: removes matter) */
    float x0, y0, x1, y1; /* footprint bounds (bounding box for round shapes) */
    float cx, cy, r, ry, r_in;
    float depth;
    /* Box depth modulation: depth * (1 + mod_amp * trapezoid((x - mod_phase) / mod_period)). */
    float mod_amp, mod_period, mod_phase;
    /* Box offset wave: amplitude (mm), period, phase. */
    float wave_amp, wave_period, wave_phase;
    /* Pile: plateau xa..xb, end heights ya0 (at x0) and yb1 (at x1), gradient. */
    float xa, xb, ya0, yb1, grad;
    /* Content texture of boxes and piles: depth * (1 + tex_amp * n(x, y)) with
     * n a smooth value noise in [-1, 1] of feature size tex_scale mm. */
    float tex_amp, tex_scale;
    uint32_t tex_key;
} lscan__prim;

typedef struct lscan__prim_list {
    lscan__prim *v;
    size_t n, cap;
    bool failed; /* an allocation failed: the list is incomplete */
} lscan__prim_list;

void lscan__synth_prims_free(lscan__prim_list *l);
/* Appends a copy; on allocation failure sets l->failed (checked once by the
 * builder, which keeps the scene code free of error plumbing). */
void lscan__synth_prims_add(lscan__prim_list *l, const lscan__prim *p);

/* Convenience constructors (all append to l). */
void lscan__synth_add_box(lscan__prim_list *l, double mu, double x0, double y0, double x1,
                          double y1, double depth);
/* Gives the last primitive of l its material (for the energy dependence). */
void lscan__synth_prims_material(lscan__prim_list *l, int mat);
/* The lscan__basis a primitive's attenuation follows: its material's, or
 * when not said, by |mu| at 4 MeV: >= 0.035/mm lead, >= 0.0115/mm iron
 * (steel, copper), the solid values of aluminium, glass and concrete light,
 * anything else organic. */
int lscan__synth_prim_basis(const lscan__prim *p);

/* ------------------------------------------------------------------------ */
/* Worlds and their components (world.c), commodities (cargo.c)              */
/* ------------------------------------------------------------------------ */

enum lscan__build_kind { LSCAN__BUILD_DRY = 0, LSCAN__BUILD_REEFER, LSCAN__BUILD_OPEN_TOP };
enum lscan__rail { LSCAN__RAIL_TUBE = 0, LSCAN__RAIL_ANGLE, LSCAN__RAIL_BOX, LSCAN__RAIL_FLUSH };
enum lscan__wall {
    LSCAN__WALL_TRAPEZOID = 0, /* trapezoidal corrugation: flats and slanted webs */
    LSCAN__WALL_SINE,          /* rounded (sinusoidal-like) corrugation */
    LSCAN__WALL_FLAT,          /* smooth-sided flat panels */
    LSCAN__WALL_INSULATED      /* reefer sandwich: steel skin, foam, aluminium liner */
};
enum lscan__floor {
    LSCAN__FLOOR_PLYWOOD = 0,
    LSCAN__FLOOR_BAMBOO,
    LSCAN__FLOOR_STEEL, /* steel plate on thin timber */
    LSCAN__FLOOR_TBAR   /* reefer: aluminium T-bar floor over insulation */
};
enum lscan__xmember { LSCAN__XM_C = 0, LSCAN__XM_I };

/* A container build: one maker's or one type's geometry (mm). Each scan
 * jitters the dimensions by a few percent. */
typedef struct lscan__build {
    const char *name, *what;
    int kind;                      /* lscan__build_kind */
    unsigned lengths;              /* 1: 20 ft, 2: 40 ft, 4: 45 ft (45 ft are always high cube) */
    double hc;                     /* high-cube share of 40 ft (of 20 ft: a tenth of it) */
    int rail;                      /* top rail section, lscan__rail */
    double rail_h, rail_w, rail_t; /* its height, width along the beam, wall */
    double roof_t, roof_amp, roof_pitch; /* roof sheet; 0 thickness: open top (bows, tarpaulin) */
    int wall;                            /* lscan__wall */
    double wall_t, wall_pitch, wall_oblique;
    int floor; /* lscan__floor */
    double floor_t;
    int xm; /* cross-member section, lscan__xmember */
    double xm_depth, xm_pitch, xm_web, xm_flange;
    bool gooseneck; /* 40/45 ft: tunnel under the front 3.2 m */
    double brail_h, brail_t, brail_flange;
    double post_w, post_t;
    int door_bars; /* locking bars per door pair: 2 or 4 */
    bool lock_box, door_flat, forklift;
} lscan__build;

/* A scanner profile: ranges each scan draws from (lo, hi). */
typedef struct lscan__profile {
    const char *name, *what;
    double endpoint, filter; /* linac MeV, lead-equivalent filtration mm */
    /* Dual energy (lscan_synth_params.dual): the interleaved low-energy
     * pulse's endpoint (MeV; same target and filter), its air level and its
     * detected quanta as shares of the high pulse's. */
    double endpoint_low, low_level, low_quanta;
    double px[2], py[2];     /* pixel pitch along the scan (x) and across (y), mm */
    double i0[2], quanta[2], floor_a[2], pedestal[2];
    double blur_x[2], blur_y[2];
    int blur_passes;
    double haze[2], haze_mm; /* scatter as a multiple of the dark level e^-floor_a, kernel */
    double glow[2], tau[2];
    double dead_rows, hot_rows; /* expected counts per scan */
    double gain[2], module[2];
    int module_rows;
    double dose[2], speed[2];
    double flip; /* probability of a bottom-up detector array */
    double smear_top[2], smear_bot[2];
} lscan__profile;

/* An archive's export style, as a template the world draws from. */
typedef struct lscan__export_style {
    const char *name; /* spec without the drawn numbers, e.g. "jpeg-crop-gamma" */
    double param[2];  /* gamma, or log range (0: the scan's own floor) */
    double scale[2];  /* downscale factor (1: none) */
    double quality[2];
    double full_scale; /* probability that the scale is 1 regardless of the range */
} lscan__export_style;

#define LSCAN__WORLD_MAX_PARTS 6

typedef struct lscan__world_part {
    int index; /* -1 ends the list */
    double weight;
} lscan__world_part;

typedef struct lscan__world {
    const char *name, *purpose, *what;
    lscan__world_part builds[LSCAN__WORLD_MAX_PARTS], profiles[LSCAN__WORLD_MAX_PARTS],
        exports[LSCAN__WORLD_MAX_PARTS];
    double length[3]; /* shares of 20, 40, 45 ft */
    double chassis;   /* probability of a truck chassis under the container */
} lscan__world;

uint32_t lscan__synth_world_count(void);
const lscan__world *lscan__synth_world(uint32_t i); /* NULL out of range; 0 = classic */
const lscan__build *lscan__synth_build(int i);      /* NULL out of range */
const lscan__profile *lscan__synth_profile(int i);
const lscan__export_style *lscan__synth_export_style(int i);

/* Commodities (cargo.c): what a clean load is, by HS chapter and loading
 * pattern. The same commodity is drawn by the same code in every world. */
enum lscan__pattern {
    LSCAN__PAT_EMPTY = 0,
    LSCAN__PAT_PALLET_CARTONS,
    LSCAN__PAT_PALLET_BOTTLES,
    LSCAN__PAT_BAGS,        /* sacks stacked on the floor */
    LSCAN__PAT_BAGS_PALLET, /* sacks stacked on pallets */
    LSCAN__PAT_BIG_BAGS,
    LSCAN__PAT_DRUMS,
    LSCAN__PAT_IBC,
    LSCAN__PAT_BULK,
    LSCAN__PAT_MIXED,
    LSCAN__PAT_MACHINERY,
    LSCAN__PAT_PIPES,
    LSCAN__PAT_COILS,
    LSCAN__PAT_REELS,
    LSCAN__PAT_ROLLS,
    LSCAN__PAT_BALES,
    LSCAN__PAT_TYRES,
    LSCAN__PAT_TIMBER,
    LSCAN__PAT_TILES,
    LSCAN__PAT_CARS,
    LSCAN__PAT_FURNITURE,
    LSCAN__PAT_CRATES,
    LSCAN__PAT_INGOTS
};

typedef struct lscan__commodity {
    const char *name;
    int hs;         /* HS chapter 1..97; 0 none (empty, consolidated general cargo) */
    int cls;        /* the lscan_class of a clean load of it */
    int pattern;    /* lscan__pattern */
    int mat;        /* main material */
    double rho[2];  /* effective density of the goods, g/cm^3 */
    double tex[2];  /* content texture amplitude range (0, 0: the pattern's own) */
    int variant;    /* pattern-specific: bulk kind, machinery kind, bag size ... */
    double weight;  /* relative share among the commodities of its class */
    unsigned where; /* 1: dry vans and open tops, 2: reefers, 3: both */
} lscan__commodity;

int lscan__synth_commodity_count(void);
const lscan__commodity *lscan__synth_commodity(int i); /* NULL out of range */
int lscan__synth_commodity_find(const char *name);     /* -1 if unknown */

/* Per-scan scanner model (drawn from the SCANNER stream). */
typedef struct lscan__scanner {
    double i0;           /* air level, counts */
    double quanta;       /* effective detected quanta per pixel in open air */
    double floor_a;      /* attenuation where the signal meets the noise floor */
    double floor_level;  /* i0 * exp(-floor_a): dark level added to every pixel */
    double floor_sigma;  /* electronic noise, counts */
    double gain_sigma;   /* per-row gain spread */
    double module_sigma; /* per-detector-module gain spread */
    uint32_t module_rows;
    double dose_sigma;   /* per-column (linac pulse) dose jitter */
    double blur;         /* weight of each neighbour in the 3-tap blur (0 = none) */
    double speed_amp;    /* relative amplitude of the scan-speed variation */
    double speed_period; /* mm */
    double speed_phase;
    uint64_t noise_key;
    uint64_t gain_key;
    /* Worlds other than classic (poly = true): polychromatic rendering and
     * the effects below; classic scans leave them zero. */
    bool poly;
    lscan__spectrum spectrum;
    double blur_y;   /* neighbour weight across (rows); `blur` is then along x */
    int blur_passes; /* 1 or 2 */
    double haze;     /* scatter: fraction of the local mean transmission added (a
                      * multiple of e^-floor_a: scatter sets the floor, not the image) */
    double haze_mm;  /* half-width of the scatter kernel, mm */
    double glow;     /* afterglow: fraction of the previous columns' signal */
    double tau;      /* its decay constant, columns */
    double pedestal; /* dark offset added to every pixel (no dark subtraction), counts */
    uint32_t dead_rows, hot_rows; /* how many detector rows are dead (dark) or hot (offset) */
    bool flip;                    /* detector array numbered bottom-up: the image is upside down */
    double smear_top, smear_bot;  /* fan-beam offsets of the near/far roof and floor, mm */
    /* Dual energy: the low-energy pulse, rendered from the same basis maps
     * through its own spectrum, with its own air level, quanta, pulse dose
     * jitter and noise; the detectors (row gains, dead and hot rows), blur,
     * haze, afterglow, dark level and array orientation are shared. */
    bool dual;
    lscan__spectrum spectrum_low;
    double i0_low, quanta_low;
    uint64_t noise_key_low, dose_key_low;
} lscan__scanner;

/* Where regular cargo units sit, for anomalies that replace or hide among
 * them (anomalous mass, dense objects behind dense cargo). */
typedef struct lscan__slot {
    float x0, y0, x1, y1; /* footprint, mm */
    float depth;          /* path through the unit along the beam */
    float mu;             /* its mean linear attenuation, 1/mm */
} lscan__slot;

typedef struct lscan__scene {
    /* Frame. */
    double width_mm, height_mm; /* image extent */
    uint32_t width, height;     /* pixels */
    double pitch_x, pitch_y;    /* nominal mm per pixel */
    /* Container outer box and interior (mm). */
    double cx0, cy0, cx1,
        cy1; /* outer: x0 left end, y0 roof top, y1 underside of the bottom rails */
    double ix0, iy0, ix1, iy1; /* interior: x inside the end walls, y from roof to floor top */
    double inner_width;        /* interior width along the beam, mm */
    double floor_y;            /* top of the floor boards (= iy1) */
    double cargo_floor_y;      /* where cargo rests (floor or dunnage/raised level) */
    bool door_left;            /* doors at the left (x0) end */
    bool high_cube;
    int container; /* LSCAN_SYNTH_20FT or LSCAN_SYNTH_40FT geometry */
    bool chassis;
    /* Cargo bookkeeping for anomaly placement. */
    double load_x0, load_x1; /* x range occupied by cargo (0,0 when empty) */
    double load_top;         /* highest cargo top (smallest y) */
    lscan__slot *slots;
    size_t nslots, slots_cap;
    double cargo_mu_typical; /* typical mu*depth of the load (attenuation), for context */
    double cargo_mass_kg;
    /* Layers. */
    lscan__prim_list base;    /* container, chassis, cargo */
    lscan__prim_list anomaly; /* what makes the scan INSPECT (empty for RELEASE) */
    lscan__scanner scanner;
    /* Label. */
    int cls;
    double difficulty_target; /* drawn, steers the parameters */
    char subclass[32];
    bool failed; /* allocation failure while building */
    /* World (0 = classic) and what it drew; commodity of the (host) load. */
    uint32_t world;
    const struct lscan__build *build;     /* NULL for classic */
    const struct lscan__profile *profile; /* NULL for classic */
    char export_spec[64];
    int commodity;                 /* index in the catalogue, -1 none yet */
    const lscan__commodity *cspec; /* worlds: the commodity the loaders draw (NULL: classic) */
    double length_ft;              /* 20, 40 or 45 */
    /* Attenuations at the 4 MeV reference (what scene code sums) that keep
     * an anomaly under the noise floor, or put it over: the floor itself for
     * classic; for polychromatic worlds the floor mapped back through the
     * spectrum for the material that gets there first / last. */
    double floor_under, floor_over;
} lscan__scene;

/* Sets up the low-energy pulse of a dual-energy scanner (scene.c) from its
 * profile: spectrum, air level, quanta, noise and dose keys (no draws). */
void lscan__synth_scanner_dual(lscan__scanner *sc, const lscan__profile *pr);

/* Builds the whole scene for `seed`: label, scanner, container, cargo and
 * anomaly, from independent streams. `p` is a validated parameter struct.
 * Returns LSCAN_OK or an error on ctx. */
int lscan__synth_scene_build(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             lscan__scene *s);
void lscan__synth_scene_free(lscan__scene *s);
/* Sets the frame (size in pixels and pitch) for a scene whose physical
 * extent width_mm x height_mm is set. Used by the builder and by tests. */
void lscan__synth_scene_frame(lscan__scene *s, uint32_t width, uint32_t height);

/* ------------------------------------------------------------------------ */
/* Rendering (render.c)                                                      */
/* ------------------------------------------------------------------------ */

/* Column and row edges of the pixel grid in mm (width+1 and height+1
 * values), including the scan-speed warp along x. */
typedef struct lscan__grid {
    uint32_t width, height;
    double *xe, *ye;
} lscan__grid;

int lscan__synth_grid_make(lscan_ctx *ctx, const lscan__scene *s, lscan__grid *g);
void lscan__synth_grid_free(lscan__grid *g);

/* Adds the attenuation of every primitive in `l` to the float map `a`
 * (width*height over the grid), restricted to the pixel window
 * [wx0,wx1)x[wy0,wy1); `a` is indexed relative to the window with row
 * stride wx1-wx0. */
void lscan__synth_rasterise(const lscan__grid *g, const lscan__prim_list *l, float *a, uint32_t wx0,
                            uint32_t wy0, uint32_t wx1, uint32_t wy1);

/* Attenuation of a primitive list along the ray through point (x, y) mm,
 * without pixel averaging: anomaly placement uses it to keep dense objects
 * under the noise floor and impenetrable ones over it. */
double lscan__synth_point_attenuation(const lscan__prim_list *l, double x, double y);

/* Pixel bounding box [x0,x1)x[y0,y1) of a primitive list on the grid;
 * false when empty. */
bool lscan__synth_prims_bbox(const lscan__grid *g, const lscan__prim_list *l, lscan_box *box);

/* Rendering options beyond the public flags (tests use them). */
typedef struct lscan__render_opts {
    uint32_t flags;    /* LSCAN_SYNTH_* flags */
    bool omit_anomaly; /* render the scan as if the anomaly were not there */
} lscan__render_opts;

/* Per-row gains and per-column doses of the scan (deterministic from the
 * scanner keys). gain: height values; dose: width values. */
void lscan__synth_gains(const lscan__scene *s, uint32_t flags, float *gain, float *dose);

/* The ground truth (the public lscan_synth_truth). */
struct lscan_synth_truth {
    int cls;
    int label;
    char subclass[32];
    float difficulty;
    lscan_box bbox;
    lscan_box container;
    uint32_t width, height;
    uint8_t *mask;
    float pitch_x, pitch_y;
    float i0, noise_floor;
    float *row_gain;
    float floor_attenuation;
    uint32_t container_size; /* lscan_synth_size actually drawn (never MIXED) */
    double cargo_mass_kg;
    /* World, components, export and commodity (static strings or copies). */
    const char *world, *build, *scanner, *commodity;
    char export_spec[64];
    uint32_t hs_chapter;
    float linac_mev;
    /* Pixels without the anomaly over the bbox (row-major, bbox-sized), so
     * an export can recompute which of its pixels the anomaly changed. */
    uint16_t *alt;
    /* Dual energy: the low pulse's nominal energy (0: single energy) and the
     * material of every pixel (lscan_synth_truth_materials; NULL otherwise). */
    float linac_low_mev;
    uint8_t *materials;
};

/* Renders the scene into a new image and fills the truth's mask, bbox and
 * scanner fields. */
int lscan__synth_render(lscan_ctx *ctx, const lscan__scene *s, const lscan__render_opts *o,
                        lscan_image **image, lscan_synth_truth *t);

/* Generator entry with the extra rendering options (the public function is
 * this with default options). */
int lscan__synth_generate_ex(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                             const lscan__render_opts *o, lscan_image **image,
                             lscan_synth_truth **truth);

/* ------------------------------------------------------------------------ */
/* Exports (export.c)                                                        */
/* ------------------------------------------------------------------------ */

typedef struct lscan__export_spec {
    int format;     /* lscan_synth_export_format, never WORLD */
    int mapping;    /* lscan_synth_export_mapping */
    uint32_t flags; /* lscan_synth_export_flag */
    double param;   /* gamma; log range (0: the scan's floor) */
    double scale;   /* (0, 1] */
    int quality;    /* JPEG */
} lscan__export_spec;

/* Parses a spec (lscan_synth_export_parse's syntax, without "world"):
 * 0, or -1 if malformed. */
int lscan__synth_export_spec_parse(const char *spec, lscan__export_spec *e);
/* The canonical spec (parses back to the same export). */
void lscan__synth_export_spec_format(const lscan__export_spec *e, char *buf, size_t size);

#endif
