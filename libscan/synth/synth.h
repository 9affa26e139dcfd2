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
    LSCAN__STREAM_NOISE = 5    /* key of the per-pixel counter-based noise */
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

typedef struct lscan__material_info {
    const char *name;
    double mass_att; /* mass attenuation coefficient mu/rho at ~4 MeV, cm^2/g */
    double density;  /* bulk solid density, g/cm^3 */
} lscan__material_info;

const lscan__material_info *lscan__synth_material(int mat);
/* Linear attenuation coefficient in 1/mm of material `mat` at an effective
 * (bulk or packed) density `rho` in g/cm^3. */
double lscan__synth_mu(int mat, double rho);
/* The same at the material's solid density. */
double lscan__synth_mu_solid(int mat);

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
    uint8_t wave;  /* lscan__wave for boxes */
    uint16_t count;
    uint8_t flat;  /* ellipsoid: 1 = flattened profile (filled sacks are box-like) */
    float mu;      /* linear attenuation, 1/mm (negative: removes matter) */
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

/* Per-scan scanner model (drawn from the SCANNER stream). */
typedef struct lscan__scanner {
    double i0;          /* air level, counts */
    double quanta;      /* effective detected quanta per pixel in open air */
    double floor_a;     /* attenuation where the signal meets the noise floor */
    double floor_level; /* i0 * exp(-floor_a): dark level added to every pixel */
    double floor_sigma; /* electronic noise, counts */
    double gain_sigma;  /* per-row gain spread */
    double module_sigma;/* per-detector-module gain spread */
    uint32_t module_rows;
    double dose_sigma;  /* per-column (linac pulse) dose jitter */
    double blur;        /* weight of each neighbour in the 3-tap blur (0 = none) */
    double speed_amp;   /* relative amplitude of the scan-speed variation */
    double speed_period;/* mm */
    double speed_phase;
    uint64_t noise_key;
    uint64_t gain_key;
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
    double width_mm, height_mm;   /* image extent */
    uint32_t width, height;       /* pixels */
    double pitch_x, pitch_y;      /* nominal mm per pixel */
    /* Container outer box and interior (mm). */
    double cx0, cy0, cx1, cy1;    /* outer: x0 left end, y0 roof top, y1 underside of the bottom rails */
    double ix0, iy0, ix1, iy1;    /* interior: x inside the end walls, y from roof to floor top */
    double inner_width;           /* interior width along the beam, mm */
    double floor_y;               /* top of the floor boards (= iy1) */
    double cargo_floor_y;         /* where cargo rests (floor or dunnage/raised level) */
    bool door_left;               /* doors at the left (x0) end */
    bool high_cube;
    int container;                /* LSCAN_SYNTH_20FT or LSCAN_SYNTH_40FT geometry */
    bool chassis;
    /* Cargo bookkeeping for anomaly placement. */
    double load_x0, load_x1;      /* x range occupied by cargo (0,0 when empty) */
    double load_top;              /* highest cargo top (smallest y) */
    lscan__slot *slots;
    size_t nslots, slots_cap;
    double cargo_mu_typical;      /* typical mu*depth of the load (attenuation), for context */
    double cargo_mass_kg;
    /* Layers. */
    lscan__prim_list base;        /* container, chassis, cargo */
    lscan__prim_list anomaly;     /* what makes the scan INSPECT (empty for RELEASE) */
    lscan__scanner scanner;
    /* Label. */
    int cls;
    double difficulty_target;     /* drawn, steers the parameters */
    char subclass[32];
    bool failed;                  /* allocation failure while building */
} lscan__scene;

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
void lscan__synth_rasterise(const lscan__grid *g, const lscan__prim_list *l, float *a,
                            uint32_t wx0, uint32_t wy0, uint32_t wx1, uint32_t wy1);

/* Attenuation of a primitive list along the ray through point (x, y) mm,
 * without pixel averaging: anomaly placement uses it to keep dense objects
 * under the noise floor and impenetrable ones over it. */
double lscan__synth_point_attenuation(const lscan__prim_list *l, double x, double y);

/* Pixel bounding box [x0,x1)x[y0,y1) of a primitive list on the grid;
 * false when empty. */
bool lscan__synth_prims_bbox(const lscan__grid *g, const lscan__prim_list *l, lscan_box *box);

/* Rendering options beyond the public flags (tests use them). */
typedef struct lscan__render_opts {
    uint32_t flags;      /* LSCAN_SYNTH_* flags */
    bool omit_anomaly;   /* render the scan as if the anomaly were not there */
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

#endif
