/* feat.h — internals of calibration, container location and tile features: kernels, scratch,
 * analysis. */
#ifndef LSCAN_FEAT_H
#define LSCAN_FEAT_H

#include "core/internal.h"

/* Attenuation A = -ln(I / I0) is carried as an unsigned Q4.11 fixed-point
 * value in [0, 32767] (A up to ~16, resolution 1/2048): 15 bits keep every
 * product A*A and every pairwise sum of them inside int32, so SIMD code can
 * use 16-bit multiply-add and stay bit-exact with the scalar reference. */
#define LSCAN__A_SHIFT 11
#define LSCAN__A_ONE (1 << LSCAN__A_SHIFT)
#define LSCAN__A_MAX 32767
/* Size of the lookup table: 65536 entries plus one so that a 32-bit gather
 * at the last entry stays inside the table. */
#define LSCAN__LUT_SIZE 65537

/* Dual-energy material classes (calib/materials.c, features/material.c):
 * curves are tabulated per bin of the high-energy attenuation, bin = A >>
 * LSCAN__MAT_BIN_SHIFT (bins 0.125 wide from 0 to 16, the curve taken at the
 * bin's centre), as ratios R = A_low / A_high in Q2.14 (R < 4): A (< 2^15)
 * times R stays below 2^31, so the classification is exact in int32. */
#define LSCAN__MAT_BIN_SHIFT 8
#define LSCAN__MAT_BINS 128
#define LSCAN__MAT_R_SHIFT 14
#define LSCAN__MAT_CLASSES 4 /* organic, light, steel, heavy: lscan_material 1..4 */
/* A curve value for a class not calibrated at a bin: R = 4, farther from any
 * cell than any calibrated class. */
#define LSCAN__MAT_R_ABSENT 65535

/* The classification table of one scan: the calibration's curves and which
 * class is resolvable in which bin at this scan's noise. */
typedef struct lscan__mat_table {
    int32_t r[LSCAN__MAT_CLASSES][LSCAN__MAT_BINS];  /* Q2.14, LSCAN__MAT_R_ABSENT if none */
    int32_t ok[LSCAN__MAT_CLASSES][LSCAN__MAT_BINS]; /* 1: resolvable, 0: not */
    uint16_t floor_h, floor_l;                       /* a mean at or above these is too thick */
} lscan__mat_table;

/* Exact per-tile sums produced by the tile kernel (added to, never reset,
 * so that bands of rows can be accumulated). */
typedef struct lscan__tile_acc {
    uint64_t sum;   /* sum of A */
    uint64_t sum2;  /* sum of A*A */
    uint64_t gx;    /* sum of |A(x+1,y) - A(x,y)|, 0 at the box's right edge */
    uint64_t gy;    /* sum of |A(x,y+1) - A(x,y)|, 0 at the box's bottom edge */
    uint32_t floor; /* pixels with A >= the noise-floor threshold */
    uint32_t max;   /* largest A */
} lscan__tile_acc;

/* The kernel table. Every entry of every ISA gives the same bits as the
 * scalar reference (kernels_ref.c). */
typedef struct lscan__kernels {
    const char *name;
    /* Location: for each of `height` rows, counts the pixels p with
     * (p ^ xor_mask) < thr[y] ("darker than air"): row_count[y] is set to the
     * row's count, col_count[x] (16-bit, height <= 65535; NULL: not
     * wanted) is added to. */
    void (*coverage)(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                     uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                     uint16_t *col_count);
    /* Attenuation: dst[y][x] = clamp(lut[src[y][x] ^ xor_mask] + row_off[y], 0,
     * LSCAN__A_MAX) for `height` rows of `width` pixels. */
    void (*attenuation)(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                        const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                        uint16_t *dst, size_t dst_stride);
    /* Tile sums over `height` rows of attenuation `a` (width `width`), tiles
     * `tile_w` wide from x = 0 (the last one cut), added to acc[0..]. Row
     * `height` must be readable (the next row, or a copy of the last one so
     * that its vertical differences are 0) and each row must be readable and
     * replicate its last value up to the next multiple of 16 plus 16. */
    void (*tiles)(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                  uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc);
    /* Dual energy (kernels_dual_*.c): cell sums of `height` rows of
     * attenuation `a`, cells `cell` pixels wide from x = 0 (the last one
     * cut), added to sums[0..]; `colacc` is width entries of scratch. */
    void (*cells)(const uint16_t *a, size_t stride, uint32_t width, uint32_t height, uint32_t cell,
                  uint32_t *colacc, uint32_t *sums);
    /* The material class (lscan_material) of n cells from their mean
     * attenuations at high and low energy: the class whose curve is nearest
     * at the cell's bin (ties to the lower class), LSCAN_MATERIAL_NONE where
     * that class is not resolvable there or a mean reaches its floor. */
    void (*classify)(const uint16_t *mh, const uint16_t *ml, size_t n, const lscan__mat_table *t,
                     uint8_t *out);
} lscan__kernels;

void lscan__cells_ref(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                      uint32_t cell, uint32_t *colacc, uint32_t *sums);
void lscan__classify_ref(const uint16_t *mh, const uint16_t *ml, size_t n,
                         const lscan__mat_table *t, uint8_t *out);
void lscan__cells_sse2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t cell, uint32_t *colacc, uint32_t *sums);
void lscan__classify_sse2(const uint16_t *mh, const uint16_t *ml, size_t n,
                          const lscan__mat_table *t, uint8_t *out);
void lscan__cells_avx2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t cell, uint32_t *colacc, uint32_t *sums);
void lscan__classify_avx2(const uint16_t *mh, const uint16_t *ml, size_t n,
                          const lscan__mat_table *t, uint8_t *out);

/* Per-ISA kernels. The reference is always built. */
void lscan__coverage_ref(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                         uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                         uint16_t *col_count);
void lscan__attenuation_ref(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                            const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                            uint16_t *dst, size_t dst_stride);
void lscan__tiles_ref(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                      uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc);

void lscan__coverage_sse2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                          uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                          uint16_t *col_count);
void lscan__attenuation_sse2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                             const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                             uint16_t *dst, size_t dst_stride);
void lscan__tiles_sse2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc);

void lscan__coverage_avx2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                          uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                          uint16_t *col_count);
void lscan__attenuation_avx2(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                             const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                             uint16_t *dst, size_t dst_stride);
void lscan__tiles_avx2(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc);

void lscan__coverage_neon(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                          uint16_t xor_mask, const uint16_t *thr, uint32_t *row_count,
                          uint16_t *col_count);
void lscan__attenuation_neon(const uint16_t *src, size_t stride, uint32_t width, uint32_t height,
                             const uint16_t *lut, uint16_t xor_mask, const int32_t *row_off,
                             uint16_t *dst, size_t dst_stride);
void lscan__tiles_neon(const uint16_t *a, size_t stride, uint32_t width, uint32_t height,
                       uint32_t tile_w, uint16_t floor_thr, lscan__tile_acc *acc);

/* The best kernel table for a mask of lscan_cpu_feature. Never NULL. */
const lscan__kernels *lscan__kernels_for(uint32_t cpu_features);
/* The scalar reference table. */
const lscan__kernels *lscan__kernels_ref(void);

/* Row padding the tile kernel may read past `width`: rows of the
 * attenuation buffer are lscan__a_stride(width) samples long. */
static inline size_t lscan__a_stride(uint32_t width)
{
    return ((size_t)width + 15u) / 16u * 16u + 32u;
}

/* Per-context scratch, grown on demand and reused between images. */
struct lscan__feat_scratch {
    uint16_t *lut;  /* LSCAN__LUT_SIZE entries, built once */
    uint16_t *lut_img; /* LSCAN__LUT_SIZE entries: a display-mapped input's own
                          table (calib/display.c), allocated when first needed */
    uint32_t *hist; /* 65536 bins for calibration samples + 256 block sums */
    size_t hist_cap;
    uint16_t *abuf; /* attenuation band buffer */
    size_t abuf_cap;
    int32_t *row_off;
    uint16_t *row_thr;
    float *row_gain;
    uint32_t *row_count;
    uint16_t *row_level, *row_valid; /* per-row air levels (calibration) */
    uint8_t *row_bad;                /* per-row defect flags (calibration) */
    size_t rows_cap;
    uint16_t *col_count16;
    uint32_t *col_count;
    size_t cols_cap;
    uint16_t *samples; /* calibration samples (per-row medians, bands) */
    size_t samples_cap;
    lscan__tile_acc *acc;
    size_t acc_cap;
};

/* Returns ctx's scratch, allocated on first use. NULL when out of memory. */
struct lscan__feat_scratch *lscan__feat_scratch(lscan_ctx *ctx);
/* Makes sure the scratch arrays hold the given sizes; LSCAN_ERR_NO_MEMORY. */
int lscan__scratch_reserve(lscan_ctx *ctx, struct lscan__feat_scratch *s, uint32_t width,
                           uint32_t height, size_t abuf_samples, size_t tiles);

/* Calibration of one image (calib/calib.c). */
typedef struct lscan__calib {
    float air_level;    /* I0 of the median row */
    float noise_floor;  /* transmission value of the floor */
    float air_noise;    /* relative std of air pixels (0 when no air band) */
    uint32_t polarity;  /* TRANSMISSION or ATTENUATION (as stored) */
    uint32_t flags;     /* lscan_calib_flag */
    uint16_t xor_mask;  /* 0xffff for inverted images: t = p ^ xor_mask */
    uint16_t floor_thr; /* A (Q4.11) at or above which a pixel is at the floor */
    uint32_t quantum;   /* the input's code step in 16-bit units (257 for 8-bit) */
    uint64_t sample_n;  /* pixels in the calibration histogram (scratch hist) */
    /* The attenuation table the sweep reads: the shared one, or the image's
     * own for a display-mapped input (calib/display.c). */
    const uint16_t *lut;
    uint32_t display;    /* lscan__display */
    float display_param; /* G (gamma), Amax (log), 1 (linear), 0 (raw) */
    float display_wall;  /* ln(I0 / walls' level) read linearly; 0: not measured */
    float display_noise; /* ln(dark / bright noise); NAN: not measured */
    /* In the scratch, height entries each: */
    float *row_gain;   /* per-row gain, median 1 */
    int32_t *row_off;  /* round(2048 ln(I0 gain[y] / 65535)) */
    uint16_t *row_thr; /* transmission below which a pixel is "not air" (location) */
    uint8_t *row_bad;  /* 1 for a defective detector row (dead or hot): its
                          attenuation is taken from its neighbours */
    uint32_t bad_rows;
} lscan__calib;

/* The fixed-point attenuation table: lut[v] = round(2048 ln(65535 / v))
 * (v = 0 read as 0.5), so that A = lut[v] + row_off[y]. */
void lscan__calib_build_lut(uint16_t *lut);

/* Calibrates plane 0 of img: blank/over-exposed checks, polarity, I0,
 * per-row gains, noise floor; fills c (arrays point into s). */
int lscan__calibrate(lscan_ctx *ctx, const lscan_image *img, const lscan_analyze_options *o,
                     struct lscan__feat_scratch *s, lscan__calib *c);

/* Display mappings of quantised inputs (calib/display.c). */
typedef enum lscan__display {
    LSCAN__DISPLAY_RAW = 0, /* 9-16 bit input: never remapped */
    LSCAN__DISPLAY_LINEAR,
    LSCAN__DISPLAY_GAMMA,
    LSCAN__DISPLAY_LOG
} lscan__display;

/* The attenuation that a display shows as the transmission-domain value t
 * (16-bit units, full scale 65535 = the display's white), relative to full
 * scale: LINEAR and RAW ln(65535 / t), GAMMA param * ln(65535 / t), LOG
 * param * (1 - t / 65535); t below 0.5 is read as 0.5. */
double lscan__display_a(uint32_t display, double param, double t);

/* The side walls' level (transmission-domain value, 16-bit units) inside
 * the container box: the brightest open space between the roof and floor
 * bands, away from the ends (calib/display.c); -1 when the box is too small. */
double lscan__calib_walls(const lscan_image *img, uint16_t xor_mask, const lscan_box *box,
                          float pitch_mm, uint32_t tile);

/* For an input of 8 bits or fewer: estimates its display mapping from the
 * side walls inside the located box and the noise (docs/features.md), sets
 * c->display* and the DISPLAY flags, and for a gamma or log display builds
 * the image's own attenuation table (s->lut_img, c->lut) and redoes the
 * per-row offsets and the noise-floor threshold through the mapping. Raw
 * inputs are left untouched. LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
int lscan__calib_display(lscan_ctx *ctx, const lscan_image *img, const lscan_box *box,
                         float pitch_mm, uint32_t tile, struct lscan__feat_scratch *s,
                         lscan__calib *c);

/* Finds the container box (features/locate.c). pitch_mm: 0 = estimate.
 * On success *box is set and *pitch_out is the pitch used. */
int lscan__locate(lscan_ctx *ctx, const lscan_image *img, const lscan__calib *c,
                  struct lscan__feat_scratch *s, float pitch_mm, lscan_box *box, float *pitch_out,
                  uint32_t *flags);

/* Tile side in pixels for a pitch: ~15 cm rounded to a multiple of 8 in
 * [8, 256]. */
uint32_t lscan__tile_px(float pitch_mm);

/* Feature indices; names and definitions in features/schema.c. */
enum lscan__tile_feature {
    /* From the tile sums (features.c). */
    LSCAN__TF_MEAN,
    LSCAN__TF_STD,
    LSCAN__TF_MAX,
    LSCAN__TF_PEAK,
    LSCAN__TF_GRAD_DIR,
    LSCAN__TF_FLOOR_FRAC,
    LSCAN__TF_DIST_END_M,
    LSCAN__TF_DIST_ROOF_M,
    LSCAN__TF_DIST_FLOOR_M,
    LSCAN__TF_COVERAGE,
    /* Against the scan's own expected image (residual.c). */
    LSCAN__TF_RES_MEAN,
    LSCAN__TF_RES_MAX,
    LSCAN__TF_RES_Z,
    LSCAN__TF_LOAD_RES,
    LSCAN__TF_LOAD_RES_ABS,
    LSCAN__TF_IN_LOAD,
    LSCAN__TF_BLOB_Z, /* .. + LSCAN__BLOB_SCALES */
    LSCAN__TF_BLOB_EX = LSCAN__TF_BLOB_Z + 4,
    LSCAN__TF_LIGHT_Z = LSCAN__TF_BLOB_EX + 4, /* scales 1 and 3 */
    LSCAN__TF_FLOOR_REGION = LSCAN__TF_LIGHT_Z + 2,
    LSCAN__TF_TEXTURE,
    LSCAN__TF_MASS_Z,
    /* Planes seen edge-on (planes.c). */
    LSCAN__TF_ROW_PLANE,
    LSCAN__TF_COL_PLANE,
    /* Against the rest of the scan (scanrel.c): LSCAN__SCAN_Z_COUNT features. */
    LSCAN__TF_SCAN_Z,
    LSCAN__TILE_FEATURES = LSCAN__TF_SCAN_Z + 8
};
#define LSCAN__SCAN_Z_COUNT 8
/* Blob scales: squares of 3, 6, 12 and 24 cells (~6, 12, 24, 48 cm). */
#define LSCAN__BLOB_SCALES 4
/* Distance bins of the plane features: 0-10, 10-20, 20-40, 40-70, 70-110 cm. */
#define LSCAN__PLANE_BINS 5

enum lscan__image_feature {
    /* Load against the empty container's structure (residual.c). */
    LSCAN__IF_LOADED_FRAC,
    LSCAN__IF_LOAD_MASS,
    LSCAN__IF_LARGEST_OBJECT,
    LSCAN__IF_OBJECTS,
    LSCAN__IF_SMALL_LOAD,
    LSCAN__IF_NO_LOAD,
    LSCAN__IF_FLOOR_REGION,
    LSCAN__IF_FLOOR_FRAC,
    LSCAN__IF_BLOB_Z_MAX, /* .. + LSCAN__BLOB_SCALES */
    LSCAN__IF_BLOB_GAP = LSCAN__IF_BLOB_Z_MAX + LSCAN__BLOB_SCALES,
    LSCAN__IF_BLOB_HOT = LSCAN__IF_BLOB_GAP + LSCAN__BLOB_SCALES,
    LSCAN__IF_LIGHT_Z_MAX = LSCAN__IF_BLOB_HOT + LSCAN__BLOB_SCALES, /* scales 1 and 3 */
    LSCAN__IF_LOAD_SPREAD = LSCAN__IF_LIGHT_Z_MAX + 2,
    LSCAN__IF_LOAD_LEVEL,
    LSCAN__IF_MASS_Z_MAX, /* blocks of 8, 16, 32 cells */
    LSCAN__IF_MASS_ZL_MAX = LSCAN__IF_MASS_Z_MAX + 3,
    LSCAN__IF_MASS_GAP = LSCAN__IF_MASS_ZL_MAX + 3,
    /* Planes (planes.c): the strongest plane in each of LSCAN__PLANE_BINS
     * distance bins from the box's end walls (either end), roof and floor. */
    LSCAN__IF_END_PLANE,
    LSCAN__IF_ROOF_PLANE = LSCAN__IF_END_PLANE + LSCAN__PLANE_BINS,
    LSCAN__IF_FLOOR_PLANE = LSCAN__IF_ROOF_PLANE + LSCAN__PLANE_BINS,
    LSCAN__IF_END_PLANE_ASYM = LSCAN__IF_FLOOR_PLANE + LSCAN__PLANE_BINS,
    /* scanrel.c: per source feature the largest inner-tile z, the top gap
     * and the largest outer-ring z; then the smallest inner mean z. */
    LSCAN__IF_SCAN_Z_MAX,
    LSCAN__IF_SCAN_GAP = LSCAN__IF_SCAN_Z_MAX + LSCAN__SCAN_Z_COUNT,
    LSCAN__IF_SCAN_EDGE_Z_MAX = LSCAN__IF_SCAN_GAP + LSCAN__SCAN_Z_COUNT,
    LSCAN__IF_MEAN_SCAN_Z_MIN = LSCAN__IF_SCAN_EDGE_Z_MAX + LSCAN__SCAN_Z_COUNT,
    LSCAN__IMAGE_FEATURES
};

/* Dual-energy material features (material.c): appended to the image
 * features of a dual-energy model. */
#define LSCAN__MATERIAL_FEATURES 10

/* Load descriptors for commodity recognition and the empty-container check (load.c); names
 * and definitions in lscan__load_defs, the public feature set LSCAN_FEATURES_LOAD. */
enum lscan__load_desc {
    LSCAN__LD_FILL,
    LSCAN__LD_LENGTH_FILL,
    LSCAN__LD_HEIGHT_MEAN,
    LSCAN__LD_HEIGHT_STD,
    LSCAN__LD_HEIGHT_ROUGH,
    LSCAN__LD_FULL_HEIGHT,
    LSCAN__LD_SOLIDITY,
    LSCAN__LD_GAPS,
    LSCAN__LD_UNITS_PER_M,
    LSCAN__LD_MASS_PER_M,
    LSCAN__LD_LEVEL_Q10,
    LSCAN__LD_LEVEL_Q50,
    LSCAN__LD_LEVEL_Q90,
    LSCAN__LD_LEVEL_SPREAD,
    LSCAN__LD_DENSE_FRAC,
    LSCAN__LD_TEX_H, /* 5 scales horizontally, then 5 vertically */
    LSCAN__LD_PERIOD_X_M = LSCAN__LD_TEX_H + 10,
    LSCAN__LD_PERIOD_X_R,
    LSCAN__LD_PERIOD_Y_M,
    LSCAN__LD_PERIOD_Y_R,
    LSCAN__LD_MASS_BOTTOM,
    LSCAN__LD_MASS_TOP,
    LSCAN__LD_LAYERS,
    LSCAN__LD_LEVEL_Q25,
    LSCAN__LD_LEVEL_Q75,
    LSCAN__LD_VOID_FRAC,
    LSCAN__LD_BLOCK_CV16,
    LSCAN__LD_BLOCK_CV32,
    LSCAN__LD_COL_CV,
    LSCAN__LD_HEIGHT_ROUGH16,
    LSCAN__LD_UNIT_M,
    LSCAN__LD_ROW_CV,
    LSCAN__LD_END_UNIT_M,
    LSCAN__LD_ROOF_BAND_Z,
    LSCAN__LD_FLOOR_BAND_Z,
    LSCAN__LD_EXCESS_Z4,
    LSCAN__LD_EXCESS_Z16,
    LSCAN__LD_EXCESS_AREA,
    LSCAN__LD_EXCESS_MASS,
    LSCAN__LOAD_DESC
};

/* A length in cells of cell_cm, rounded and clamped to [0, 2^30] (any pitch the options
 * accept, 1e-9 mm included, gives a finite count). */
static inline uint32_t lscan__cells(double len_cm, double cell_cm)
{
    double v = len_cm / cell_cm + 0.5;
    return v > 0 ? (v < (double)(1u << 30) ? (uint32_t)v : 1u << 30) : 0;
}

/* A feature's name and one-line definition (schema.c, load.c). */
struct lscan__feature_def {
    const char *name;
    const char *def;
};
extern const struct lscan__feature_def lscan__load_defs[LSCAN__LOAD_DESC];

struct lscan_analysis {
    lscan_calibration calib;
    lscan_box box;
    uint32_t cols, rows, tile;
    uint32_t height;      /* image height: row_gain entries */
    double calib_seconds; /* time spent calibrating and locating */
    float *row_gain;
    float *tile_feat; /* rows*cols*LSCAN__TILE_FEATURES */
    /* The image features, then the dual-energy material block (material.c;
     * zeros without a material map), which only dual-energy models read. */
    float image_feat[LSCAN__IMAGE_FEATURES + LSCAN__MATERIAL_FEATURES];
    float load_desc[LSCAN__LOAD_DESC]; /* load descriptors (load.c) */
    /* The container's own structure as the residual stage found it: the
     * roof, floor, left and right structure bands (cells), the cell side
     * (cm) and the side walls' attenuation between them. */
    uint32_t band[4];
    float cell_cm, wall_level;
    struct lscan__material *mat; /* dual energy: the material map (features/material.c) */
    uint32_t quantum; /* the input's code step in 16-bit units (calibration) */
};

/* The noise floor (A) of a cell at attenuation `a` that the quantisation
 * of a remapped (gamma or log) display sets: 0.4 of the attenuation one code
 * spans there (so that 6 sigma is 2.4 codes); 0 for raw inputs and linear
 * displays (calib/display.c). */
double lscan__calib_code_sigma(const lscan_analysis *an, double a);

/* The median of v[0..n) (n >= 1; the mean of the middle two for even n),
 * reordering v. */
double lscan__median_d(double *v, size_t n);
/* The k-th smallest of v[0..n) (k < n), reordering v. */
float lscan__select_f(float *v, size_t n, size_t k);

/* Sums finer than a tile, gathered by the sweep (scalar, exact integers). */
#define LSCAN__ROW_SEGS 16 /* length segments of the per-row profiles */
#define LSCAN__COL_BANDS 8 /* height bands of the per-column profiles */
typedef struct lscan__fine {
    uint32_t cell;              /* cell side in pixels: tile / 8 */
    uint16_t floor_thr;         /* the calibration's noise-floor threshold (Q4.11) */
    uint32_t ccols, crows;      /* cells over the box, the last ones cut */
    uint32_t *cell_sum;         /* crows * ccols sums of A, zeroed before the sweep */
    uint64_t *row_seg;          /* box height * LSCAN__ROW_SEGS: sums of A per row and segment */
    uint64_t *col_band;         /* box width * LSCAN__COL_BANDS: sums per column and band */
    uint32_t seg_x[LSCAN__ROW_SEGS + 1];   /* segment edges along the box, pixels */
    uint32_t band_y[LSCAN__COL_BANDS + 1]; /* band edges, pixels (at cell rows) */
    uint8_t *band_of_cell_row;  /* crows */
    uint32_t *acc;              /* box width: scratch */
} lscan__fine;

/* Adds `height` rows of attenuation (box rows y_off..) to the fine sums. */
void lscan__fine_band(lscan__fine *f, const uint16_t *abuf, size_t stride, uint32_t width,
                      uint32_t height, uint32_t y_off);

/* The residual features (residual.c): the scan's expected image from its own
 * structure and load, the residual against it in noise units, blobs, load
 * regularity, emptiness and floor regions. `tile_gx` holds each tile's sum
 * of |A(x+1,y) - A(x,y)| (Q4.11) for the noise model. LSCAN_OK or
 * LSCAN_ERR_NO_MEMORY. */
int lscan__residual_features(lscan_analysis *a, const lscan__fine *f, const uint64_t *tile_gx);

/* The residual stage's maps (residual.c), read by the load descriptors. */
typedef struct lscan__residual_maps {
    uint32_t W, H;        /* cells of the box */
    double cell_cm;       /* cell side, cm */
    const float *M;       /* mean A per cell */
    const float *r2;      /* M - the empty container's row and column structure */
    const float *r4;      /* r2 - the load's row level (0 off the load) */
    const float *r5;      /* r4 - the load's column level (0 off the load) */
    const float *sig;     /* noise standard deviation of a cell mean */
    const uint8_t *load;  /* the load mask */
    uint32_t band_top, band_bottom, band_left, band_right; /* structure bands, cells */
    bool upside_down;     /* the floor is at the top (a bottom-up detector array) */
} lscan__residual_maps;

/* The dual-energy material features (material.c) from the residual maps and
 * the analysis's material map, into a->image_feat + LSCAN__IMAGE_FEATURES
 * (zeros when there is no map). Names and definitions: lscan__material_
 * feature_name / _definition. LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
struct lscan__residual_maps;
int lscan__material_features(const struct lscan__residual_maps *m, lscan_analysis *a);
const char *lscan__material_feature_name(uint32_t i);
const char *lscan__material_feature_definition(uint32_t i);

/* Fills a->load_desc from the residual maps: what the load is, independent
 * of the container and the scanner. LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
int lscan__load_descriptors(const lscan__residual_maps *m, lscan_analysis *a);

/* Planes seen edge-on (planes.c): thin lines running the box's whole length
 * or height in the per-segment profiles. LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
int lscan__plane_features(lscan_analysis *a, const lscan__fine *f);

/* Tile features against the rest of their scan (scanrel.c), from the
 * features already computed. LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
int lscan__scan_relative_features(lscan_analysis *a);

/* The memory an analysis of `img` and the decision on it need at their peak,
 * worked out before they allocate (features/features.c): with box NULL, what
 * calibration and location reserve (scratch sized by the image); with the
 * container box and the tile side, what the sweep, the tile and image
 * features and the decision add (keep_feat set: the scratch then holds the
 * calibration). The pixels of an image the library owns count in both. A
 * new buffer of the analysis or the decision is added here. */
void lscan__analysis_need(const lscan_image *img, const lscan_box *box, uint32_t tile,
                          lscan__mem_need *need);

/* Releases the context's feature scratch (called by lscan_ctx_free). */
void lscan__features_ctx_release(lscan_ctx *ctx);

#endif
