/* schema.c — the feature schema: names, order, one-line definitions and the schema hash. */
#include "features/feat.h"


/* Order matters: model files name these in this order and carry the hash.
 * A = -ln(I/I0) in attenuation units; distances in metres. The "expected
 * image" is the scan's own structure and load (docs/features.md): r2 is a
 * cell's A minus its row's and its column's structure level, r5 is r2 minus
 * the load's row and column levels. Cells are an eighth of a tile (~2 cm). */
static const struct lscan__feature_def tile_defs[LSCAN__TILE_FEATURES] = {
    [LSCAN__TF_MEAN] = {"mean", "mean attenuation A over the tile's pixels"},
    [LSCAN__TF_STD] = {"std", "standard deviation of A over the tile"},
    [LSCAN__TF_MAX] = {"max", "largest A in the tile"},
    [LSCAN__TF_PEAK] = {"peak", "max - mean: a small dense object inside the tile"},
    [LSCAN__TF_GRAD_DIR] = {"grad_dir", "(gx - gy) / (gx + gy) of the summed |horizontal| and "
                                        "|vertical| differences, 0 when both are 0: +1 vertical "
                                        "edges, -1 horizontal"},
    [LSCAN__TF_FLOOR_FRAC] =
        {"floor_frac",
         "fraction of the tile's pixels at the detector's noise floor (impenetrable)"},
    [LSCAN__TF_DIST_END_M] = {"dist_end_m",
                              "distance from the tile centre to the nearer end of the box, metres"},
    [LSCAN__TF_DIST_ROOF_M] = {"dist_roof_m", "distance from the tile centre to the box top, metres"},
    [LSCAN__TF_DIST_FLOOR_M] = {"dist_floor_m",
                                "distance from the tile centre to the box bottom, metres"},
    [LSCAN__TF_COVERAGE] =
        {"coverage", "tile area inside the box / full tile area (< 1 for tiles cut at the edge)"},
    [LSCAN__TF_RES_MEAN] = {"res_mean", "mean r2 over the tile's cells: matter beyond the "
                                        "empty container's structure"},
    [LSCAN__TF_RES_MAX] = {"res_max", "largest cell r2 in the tile"},
    [LSCAN__TF_RES_Z] = {"res_z", "res_mean in units of its noise (the scan's own noise model), "
                                  "as sign(z) log(1 + |z|)"},
    [LSCAN__TF_LOAD_RES] = {"load_res", "mean r5 over the tile's cells: density against the "
                                        "load's own rows and columns"},
    [LSCAN__TF_LOAD_RES_ABS] = {"load_res_abs", "mean |r5| over the tile's cells"},
    [LSCAN__TF_IN_LOAD] = {"in_load", "share of the tile's cells in the load mask"},
    [LSCAN__TF_BLOB_Z] = {"blob_z8", "largest over the squares of 4x4 cells (~8 cm) centred in "
                                     "the tile of (mean r2 - median of the 8 squares around) / "
                                     "(1.25 mean |deviation| of those 8 + 2 noise sigma + 0.005), as sign(z) "
                                     "log(1 + |z|): a compact dense object"},
    [LSCAN__TF_BLOB_Z + 1] = {"blob_z12", "the same for squares of 6x6 cells (~12 cm)"},
    [LSCAN__TF_BLOB_Z + 2] = {"blob_z24", "the same for squares of 12x12 cells (~24 cm)"},
    [LSCAN__TF_BLOB_Z + 3] = {"blob_z48", "the same for squares of 24x24 cells (~48 cm)"},
    [LSCAN__TF_BLOB_EX] = {"blob_ex8", "the excess A (mean - ring median) of the square that "
                                       "gave blob_z8"},
    [LSCAN__TF_BLOB_EX + 1] = {"blob_ex12", "the excess A of the square that gave blob_z12"},
    [LSCAN__TF_BLOB_EX + 2] = {"blob_ex24", "the excess A of the square that gave blob_z24"},
    [LSCAN__TF_BLOB_EX + 3] = {"blob_ex48", "the excess A of the square that gave blob_z48"},
    [LSCAN__TF_LIGHT_Z] = {"light_z12", "as blob_z12 for the most negative z, sign flipped: a "
                                        "light object or void"},
    [LSCAN__TF_LIGHT_Z + 1] = {"light_z48", "as light_z12 at ~48 cm"},
    [LSCAN__TF_FLOOR_REGION] = {"floor_region", "log(1 + area in cm^2 of the largest region of "
                                                "cells at the noise floor touching the tile)"},
    [LSCAN__TF_TEXTURE] = {"texture", "median over the 5x5 tiles around of the standard "
                                      "deviation of r2 within a tile: the local clutter"},
    [LSCAN__TF_MASS_Z] = {"mass_z", "z of the ~32 cm block of the load centred in the tile (mean "
                                    "r4 = r2 - the load's row level, against all such blocks of the load: median, 1.48 MAD + "
                                    "0.01), the strongest of either sign, as sign(z) log(1 + |z|)"},
    [LSCAN__TF_ROW_PLANE] = {"row_plane", "log(0.01 + plane score) of the strongest full-length "
                                          "horizontal line through the tile's pixel rows (ridge "
                                          "over 1.2 or 3 cm either side: median over 14 length "
                                          "segments x share of segments over 0.08 A)"},
    [LSCAN__TF_COL_PLANE] = {"col_plane", "the same for full-height vertical lines (6 height "
                                          "bands)"},
#define SCAN_Z(k, n)                                                                               \
    [LSCAN__TF_SCAN_Z + k] = {n "_scan_z", "(" n " - its median over the tiles of the same part of " \
                                           "the container: the inner tiles, or the two outer "      \
                                           "rings' roof, floor and end bands) / (their 90th - "   \
                                           "10th percentile + 0.02), as sign(z) log(1 + |z|): "    \
                                           "unusual for this scan"}
    SCAN_Z(0, "mean"),
    SCAN_Z(1, "max"),
    SCAN_Z(2, "res_mean"),
    SCAN_Z(3, "res_max"),
    SCAN_Z(4, "blob_ex8"),
    SCAN_Z(5, "blob_ex12"),
    SCAN_Z(6, "blob_ex24"),
    SCAN_Z(7, "load_res_abs"),
#undef SCAN_Z
};

static const struct lscan__feature_def image_defs[LSCAN__IMAGE_FEATURES] = {
    [LSCAN__IF_LOADED_FRAC] = {"loaded_frac", "share of the box's inner cells with r2 over "
                                              "max(6 noise sigma, 0.05 A): load of any kind"},
    [LSCAN__IF_LOAD_MASS] = {"load_mass", "log(1 + sum of r2 over those cells, in A x dm^2)"},
    [LSCAN__IF_LARGEST_OBJECT] = {"largest_object", "log(1 + area in cm^2 of the largest "
                                                    "4-connected group of those cells)"},
    [LSCAN__IF_OBJECTS] = {"objects", "log(1 + number of such groups of at least 25 cm^2)"},
    [LSCAN__IF_SMALL_LOAD] = {"small_load", "log(1 + area in cm^2 of those cells) when it is at "
                                            "most 2.5 m^2, else 0: a little load in an otherwise "
                                            "empty container"},
    [LSCAN__IF_NO_LOAD] = {"no_load", "1 when no inner cell stands out from the empty "
                                      "container's structure (an empty container), else 0"},
    [LSCAN__IF_FLOOR_REGION] = {"floor_region", "log(1 + area in cm^2 of the largest region of "
                                                "cells at the noise floor): impenetrable"},
    [LSCAN__IF_FLOOR_FRAC] = {"floor_frac", "fraction of the box's pixels at the noise floor"},
    [LSCAN__IF_BLOB_Z_MAX] = {"blob_z8_max", "largest tile blob_z8"},
    [LSCAN__IF_BLOB_Z_MAX + 1] = {"blob_z12_max", "largest tile blob_z12"},
    [LSCAN__IF_BLOB_Z_MAX + 2] = {"blob_z24_max", "largest tile blob_z24"},
    [LSCAN__IF_BLOB_Z_MAX + 3] = {"blob_z48_max", "largest tile blob_z48"},
    [LSCAN__IF_BLOB_GAP] = {"blob_z8_gap", "largest tile blob_z8 - the 10th largest: one "
                                           "unusual spot, not a whole load of them"},
    [LSCAN__IF_BLOB_GAP + 1] = {"blob_z12_gap", "the same for blob_z12"},
    [LSCAN__IF_BLOB_GAP + 2] = {"blob_z24_gap", "the same for blob_z24"},
    [LSCAN__IF_BLOB_GAP + 3] = {"blob_z48_gap", "the same for blob_z48"},
    [LSCAN__IF_BLOB_HOT] = {"blob_z8_hot", "log(1 + tiles whose 8 cm blob z exceeds 6)"},
    [LSCAN__IF_BLOB_HOT + 1] = {"blob_z12_hot", "the same at 12 cm"},
    [LSCAN__IF_BLOB_HOT + 2] = {"blob_z24_hot", "the same at 24 cm"},
    [LSCAN__IF_BLOB_HOT + 3] = {"blob_z48_hot", "the same at 48 cm"},
    [LSCAN__IF_LIGHT_Z_MAX] = {"light_z12_max", "largest tile light_z12"},
    [LSCAN__IF_LIGHT_Z_MAX + 1] = {"light_z48_max", "largest tile light_z48"},
    [LSCAN__IF_LOAD_SPREAD] = {"load_spread", "1.48 x median |r5| over the load (0 under 50 "
                                              "cells): how irregular the load is"},
    [LSCAN__IF_LOAD_LEVEL] = {"load_level", "median A of the load's cells (0 under 50 cells)"},
    [LSCAN__IF_MASS_Z_MAX] = {"mass_z16_max", "largest z of the load's ~16 cm blocks (mean r4 "
                                              "over blocks at least 70 % load, against all such "
                                              "blocks: median, 1.48 MAD + 0.01), as log(1 + z): "
                                              "a denser part of a regular load"},
    [LSCAN__IF_MASS_Z_MAX + 1] = {"mass_z32_max", "the same for ~32 cm blocks"},
    [LSCAN__IF_MASS_Z_MAX + 2] = {"mass_z64_max", "the same for ~64 cm blocks"},
    [LSCAN__IF_MASS_ZL_MAX] = {"mass_zl16_max", "the same for the most negative z, sign "
                                                "flipped: a lighter part"},
    [LSCAN__IF_MASS_ZL_MAX + 1] = {"mass_zl32_max", "mass_zl16_max for ~32 cm blocks"},
    [LSCAN__IF_MASS_ZL_MAX + 2] = {"mass_zl64_max", "mass_zl16_max for ~64 cm blocks"},
    [LSCAN__IF_MASS_GAP] = {"mass_gap", "mass_z32_max - log(1 + the 5th largest ~32 cm block z)"},
#define PLANE_BINS(F, n, what)                                                                     \
    [F] = {n "_plane_0_10", "log(0.01 + the strongest plane score) 0-10 cm from " what},          \
    [F + 1] = {n "_plane_10_20", "the same 10-20 cm from " what},                                 \
    [F + 2] = {n "_plane_20_40", "the same 20-40 cm from " what},                                 \
    [F + 3] = {n "_plane_40_70", "the same 40-70 cm from " what},                                 \
    [F + 4] = {n "_plane_70_110", "the same 70-110 cm from " what}
    PLANE_BINS(LSCAN__IF_END_PLANE, "end", "either end of the box, full-height lines (the end "
                                           "frames, then false walls)"),
    PLANE_BINS(LSCAN__IF_ROOF_PLANE, "roof", "the roof, full-length lines (the roof and its rails, "
                                             "then false ceilings)"),
    PLANE_BINS(LSCAN__IF_FLOOR_PLANE, "floor", "the floor, full-length lines (the floor and "
                                               "cross-members, then double floors)"),
#undef PLANE_BINS
    [LSCAN__IF_END_PLANE_ASYM] = {"end_plane_asym", "|difference| of the log plane scores of the "
                                                    "two ends beyond 20 cm: a false wall at one "
                                                    "end"},
#define SCAN_MAX(k, n)                                                                             \
    [LSCAN__IF_SCAN_Z_MAX + k] = {n "_scan_z_max", "largest tile " n "_scan_z over the inner "    \
                                                   "tiles (all tiles when the grid has none)"}
    SCAN_MAX(0, "mean"),
    SCAN_MAX(1, "max"),
    SCAN_MAX(2, "res_mean"),
    SCAN_MAX(3, "res_max"),
    SCAN_MAX(4, "blob_ex8"),
    SCAN_MAX(5, "blob_ex12"),
    SCAN_MAX(6, "blob_ex24"),
    SCAN_MAX(7, "load_res_abs"),
#undef SCAN_MAX
#define SCAN_GAP(k, n)                                                                             \
    [LSCAN__IF_SCAN_GAP + k] = {n "_top_gap", "largest inner tile " n " - the 10th largest: one "  \
                                              "unusual spot, not a whole load of them"}
    SCAN_GAP(0, "mean"),
    SCAN_GAP(1, "max"),
    SCAN_GAP(2, "res_mean"),
    SCAN_GAP(3, "res_max"),
    SCAN_GAP(4, "blob_ex8"),
    SCAN_GAP(5, "blob_ex12"),
    SCAN_GAP(6, "blob_ex24"),
    SCAN_GAP(7, "load_res_abs"),
#undef SCAN_GAP
#define SCAN_EDGE(k, n)                                                                            \
    [LSCAN__IF_SCAN_EDGE_Z_MAX + k] = {n "_edge_z_max", "largest tile " n "_scan_z of the two "   \
                                                        "outer rings (each against its band)"}
    SCAN_EDGE(0, "mean"),
    SCAN_EDGE(1, "max"),
    SCAN_EDGE(2, "res_mean"),
    SCAN_EDGE(3, "res_max"),
    SCAN_EDGE(4, "blob_ex8"),
    SCAN_EDGE(5, "blob_ex12"),
    SCAN_EDGE(6, "blob_ex24"),
    SCAN_EDGE(7, "load_res_abs"),
#undef SCAN_EDGE
    [LSCAN__IF_MEAN_SCAN_Z_MIN] = {"mean_scan_z_min", "smallest inner tile mean_scan_z: a light "
                                                      "block in the load"},
};

static const struct lscan__feature_def *set_defs(uint32_t set, uint32_t *n)
{
    if (set == LSCAN_FEATURES_TILE) {
        *n = LSCAN__TILE_FEATURES;
        return tile_defs;
    }
    if (set == LSCAN_FEATURES_IMAGE) {
        *n = LSCAN__IMAGE_FEATURES;
        return image_defs;
    }
    if (set == LSCAN_FEATURES_LOAD) {
        *n = LSCAN__LOAD_DESC;
        return lscan__load_defs;
    }
    *n = 0;
    return NULL;
}

LSCAN_API uint32_t lscan_feature_count(uint32_t set)
{
    if (set == LSCAN_FEATURES_MATERIAL) return LSCAN__MATERIAL_FEATURES; /* material.c */
    uint32_t n;
    set_defs(set, &n);
    return n;
}

LSCAN_API const char *lscan_feature_name(uint32_t set, uint32_t index)
{
    if (set == LSCAN_FEATURES_MATERIAL) return lscan__material_feature_name(index);
    uint32_t n;
    const struct lscan__feature_def *d = set_defs(set, &n);
    return d && index < n ? d[index].name : NULL;
}

LSCAN_API const char *lscan_feature_definition(uint32_t set, uint32_t index)
{
    if (set == LSCAN_FEATURES_MATERIAL) return lscan__material_feature_definition(index);
    uint32_t n;
    const struct lscan__feature_def *d = set_defs(set, &n);
    return d && index < n ? d[index].def : NULL;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

LSCAN_API uint64_t lscan_feature_schema_hash(uint32_t set)
{
    uint32_t n;
    const struct lscan__feature_def *d = set_defs(set, &n);
    if (set == LSCAN_FEATURES_MATERIAL) { /* material.c */
        uint64_t h = fnv1a(0xcbf29ce484222325ull, "material\n");
        for (uint32_t i = 0; i < LSCAN__MATERIAL_FEATURES; i++)
            h = fnv1a(fnv1a(h, lscan__material_feature_name(i)), "\n");
        return h;
    }
    if (!d) return 0;
    uint64_t h = fnv1a(0xcbf29ce484222325ull, set == LSCAN_FEATURES_TILE    ? "tile\n"
                                              : set == LSCAN_FEATURES_IMAGE ? "image\n"
                                                                            : "load\n");
    for (uint32_t i = 0; i < n; i++) {
        h = fnv1a(h, d[i].name);
        h = fnv1a(h, "\n");
    }
    return h;
}
