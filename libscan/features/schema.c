/* schema.c — the feature schema: names, order, one-line definitions and the schema hash. */
#include "features/feat.h"

struct feature_def {
    const char *name;
    const char *def;
};

/* Order matters: model files name these in this order and carry the hash.
 * A = -ln(I/I0) in attenuation units; distances in metres. */
static const struct feature_def tile_defs[LSCAN__TILE_FEATURES] = {
    [LSCAN__TF_MEAN] = {"mean", "mean attenuation A over the tile's pixels"},
    [LSCAN__TF_STD] = {"std", "standard deviation of A over the tile"},
    [LSCAN__TF_MAX] = {"max", "largest A in the tile"},
    [LSCAN__TF_PEAK] = {"peak", "max - mean: a small dense object inside the tile"},
    [LSCAN__TF_GRAD_X] =
        {"grad_x",
         "mean |A(x+1,y) - A(x,y)| per pixel: vertical edges (0 across the box's right edge)"},
    [LSCAN__TF_GRAD_Y] =
        {"grad_y",
         "mean |A(x,y+1) - A(x,y)| per pixel: horizontal edges (0 across the box's floor)"},
    [LSCAN__TF_GRAD_DIR] = {"grad_dir", "(grad_x - grad_y) / (grad_x + grad_y), 0 when both are 0: "
                                        "+1 vertical planes, -1 horizontal"},
    [LSCAN__TF_FLOOR_FRAC] =
        {"floor_frac",
         "fraction of the tile's pixels at the detector's noise floor (impenetrable)"},
    [LSCAN__TF_NBR_MEAN] =
        {"nbr_mean", "mean of the means of the up to 8 neighbouring tiles (own mean when none)"},
    [LSCAN__TF_NBR_STD] = {"nbr_std",
                           "standard deviation of the neighbouring tiles' means (0 when none)"},
    [LSCAN__TF_CONTRAST] = {"contrast", "mean - nbr_mean"},
    [LSCAN__TF_MAX_CONTRAST] = {"max_contrast",
                                "max - nbr_mean: a local maximum against its surroundings"},
    [LSCAN__TF_MEAN_VS_MEDIAN] =
        {"mean_vs_median", "mean - median of all tile means in the container (the load's level)"},
    [LSCAN__TF_MEAN_VS_EMPTY] = {"mean_vs_empty", "mean - empty level (min(5th percentile of tile "
                                                  "means, 0.5)): cargo in an empty container"},
    [LSCAN__TF_MEAN_VS_ROW] = {"mean_vs_row",
                               "mean - median of the tile means in the same tile row"},
    [LSCAN__TF_MEAN_VS_COL] = {"mean_vs_col",
                               "mean - median of the tile means in the same tile column"},
    [LSCAN__TF_POS_X] =
        {"pos_x",
         "tile centre's x within the container box, 0 (left end wall) .. 1 (right end wall)"},
    [LSCAN__TF_POS_Y] = {"pos_y",
                         "tile centre's y within the container box, 0 (roof) .. 1 (floor)"},
    [LSCAN__TF_DIST_END_M] = {"dist_end_m",
                              "distance from the tile centre to the nearer end wall, metres"},
    [LSCAN__TF_DIST_ROOF_M] = {"dist_roof_m", "distance from the tile centre to the roof, metres"},
    [LSCAN__TF_DIST_FLOOR_M] = {"dist_floor_m",
                                "distance from the tile centre to the floor, metres"},
    [LSCAN__TF_COVERAGE] =
        {"coverage", "tile area inside the box / full tile area (< 1 for tiles cut at the edge)"},
    [LSCAN__TF_ISOLATION] = {"isolation", "mean - the largest mean of the up to 8 neighbouring "
                                          "tiles: > 0 only for a tile denser than all around it"},
    [LSCAN__TF_CONTRAST_Z] = {"contrast_z", "contrast / (nbr_std + 0.1): contrast in units of the "
                                            "neighbourhood's spread"},
    [LSCAN__TF_BLOCK_ISOLATION] =
        {"block_isolation", "mean of the 2x2 tiles starting here - the largest mean of the ring "
                            "of tiles around them: a compact object up to two tiles wide"},
    [LSCAN__TF_COL_GX_EXCESS] = {"col_gx_excess", "mean grad_x of the tile's column - the median "
                                                  "over columns: a vertical plane (false wall)"},
    [LSCAN__TF_ROW_GY_EXCESS] = {"row_gy_excess", "mean grad_y of the tile's row - the median "
                                                  "over rows: a horizontal plane (false floor)"},
    [LSCAN__TF_COL_LINE] = {"col_line", "mean A of the tile's column - the mean of the two "
                                        "adjacent columns' means: a dense vertical band"},
    [LSCAN__TF_ROW_LINE] = {"row_line", "mean A of the tile's row - the mean of the two adjacent "
                                        "rows' means: a dense horizontal band"},
    [LSCAN__TF_MEAN_VS_MEDIAN_Z] =
        {"mean_vs_median_z",
         "mean_vs_median / (interquartile range of the tile means + 0.1): a density change "
         "against the load's own spread"},
    [LSCAN__TF_BLOB_S] = {"blob_s", "largest over the tile's cells (tile/4 px squares) of the mean "
                                    "A of the 3x3 cells around a cell - the mean of the ring "
                                    "between 5x5 and 9x9 cells: a dense object ~4-15 cm"},
    [LSCAN__TF_BLOB_S_LIGHT] = {"blob_s_light", "minus the smallest of the same: a light object "
                                                "or void ~4-15 cm"},
    [LSCAN__TF_BLOB_S_Z] = {"blob_s_z", "log(1 + max(blob_s, 0) / (mean |response| over the 3x3 "
                                        "tiles' cells + 0.01)): blob_s against the local texture"},
    [LSCAN__TF_BLOB_L] = {"blob_l", "as blob_s with 7x7 cells against the ring between 11x11 and "
                                    "15x15: a dense object ~15-40 cm"},
    [LSCAN__TF_BLOB_L_LIGHT] = {"blob_l_light", "minus the smallest large-scale response"},
    [LSCAN__TF_BLOB_L_Z] = {"blob_l_z", "blob_l against the local texture, as blob_s_z"},
    [LSCAN__TF_STD_VS_NBR] = {"std_vs_nbr", "log((std + 0.02) / (median std of the up to 8 "
                                            "neighbouring tiles + 0.02)): texture unlike the "
                                            "neighbours'"},
    [LSCAN__TF_MAX_VS_NBR_MAX] = {"max_vs_nbr_max", "max - the largest max of the up to 8 "
                                                    "neighbouring tiles"},
    [LSCAN__TF_COL_LINE_PX] = {"col_line_px",
                               "largest over the tile's pixel columns of the "
                               "column's mean A over the box height - the mean of "
                               "the columns 4 px either side: a thin vertical plane"},
    [LSCAN__TF_ROW_LINE_PX] = {"row_line_px", "the same for the tile's pixel rows over the box "
                                              "length: a thin horizontal plane"},
#define IMG_Z(f, n)                                                                                \
    [LSCAN__TF_##f##_IMG_Z] = {n "_img_z", "(" n " - its median over the "                         \
                                           "container's inner tiles) / (their 90th - 10th "        \
                                           "percentile + 0.02), as sign(z) log(1 + |z|): "         \
                                           "unusual for this scan"}
    IMG_Z(MEAN, "mean"),
    IMG_Z(STD, "std"),
    IMG_Z(MAX, "max"),
    IMG_Z(PEAK, "peak"),
    IMG_Z(BLOB_S, "blob_s"),
    IMG_Z(BLOB_L, "blob_l"),
    IMG_Z(COL_LINE_PX, "col_line_px"),
    IMG_Z(ROW_LINE_PX, "row_line_px"),
#undef IMG_Z
};

static const struct feature_def image_defs[LSCAN__IMAGE_FEATURES] = {
    [LSCAN__IF_MEAN] = {"mean", "mean attenuation A over the container box"},
    [LSCAN__IF_STD] = {"std", "standard deviation of A over the container box"},
    [LSCAN__IF_P05] = {"p05", "5th percentile of A over the box (histogram of the even rows, 1/16 "
                              "A bins, interpolated)"},
    [LSCAN__IF_P25] = {"p25", "25th percentile of A over the box"},
    [LSCAN__IF_P50] = {"p50", "median of A over the box"},
    [LSCAN__IF_P75] = {"p75", "75th percentile of A over the box"},
    [LSCAN__IF_P95] = {"p95", "95th percentile of A over the box"},
    [LSCAN__IF_P99] = {"p99", "99th percentile of A over the box"},
    [LSCAN__IF_FRAC_A0] =
        {"frac_a0", "fraction of the box's pixels with 0 <= A < 1 (histogram of the even rows)"},
    [LSCAN__IF_FRAC_A0 + 1] = {"frac_a1", "fraction with 1 <= A < 2"},
    [LSCAN__IF_FRAC_A0 + 2] = {"frac_a2", "fraction with 2 <= A < 3"},
    [LSCAN__IF_FRAC_A0 + 3] = {"frac_a3", "fraction with 3 <= A < 4"},
    [LSCAN__IF_FRAC_A0 + 4] = {"frac_a4", "fraction with 4 <= A < 5"},
    [LSCAN__IF_FRAC_A0 + 5] = {"frac_a5", "fraction with 5 <= A < 6"},
    [LSCAN__IF_FRAC_A0 + 6] = {"frac_a6", "fraction with 6 <= A < 7"},
    [LSCAN__IF_FRAC_A0 + 7] = {"frac_a7", "fraction with A >= 7"},
    [LSCAN__IF_FLOOR_FRAC] = {"floor_frac", "fraction of the box's pixels at the noise floor"},
    [LSCAN__IF_EMPTY_FRAC] =
        {"empty_frac",
         "fraction of the box's area in tiles whose mean is within 0.15 of the empty level"},
    [LSCAN__IF_TILE_MEAN_STD] = {"tile_mean_std",
                                 "standard deviation of the tile means (load uniformity)"},
    [LSCAN__IF_TILE_MEAN_IQR] = {"tile_mean_iqr", "interquartile range of the tile means"},
    [LSCAN__IF_COL_PROFILE_TV] =
        {"col_profile_tv",
         "mean |difference| between adjacent tile columns' mean A (column profile regularity)"},
    [LSCAN__IF_ROW_PROFILE_TV] =
        {"row_profile_tv",
         "mean |difference| between adjacent tile rows' mean A (row profile regularity)"},
    [LSCAN__IF_COL_PROFILE_STD] = {"col_profile_std",
                                   "standard deviation of the tile columns' mean A"},
    [LSCAN__IF_ROW_PROFILE_STD] = {"row_profile_std",
                                   "standard deviation of the tile rows' mean A"},
    [LSCAN__IF_GRAD_X] = {"grad_x", "mean |A(x+1,y) - A(x,y)| per pixel over the box"},
    [LSCAN__IF_GRAD_Y] = {"grad_y", "mean |A(x,y+1) - A(x,y)| per pixel over the box"},
    [LSCAN__IF_LENGTH_M] = {"length_m", "container length (box width x pitch), metres"},
    [LSCAN__IF_NO_AIR_MARGIN] = {"no_air_margin",
                                 "1 when the image had no air margin (cropped export), else 0"},
#define Z_MAX(k, n)                                                                                \
    [LSCAN__IF_IMG_Z_MAX + k] = {n "_img_z_max",                                                   \
                                 "largest tile " n "_img_z over "                                  \
                                 "the inner tiles (all tiles when the grid has no inner part)"}
    Z_MAX(0, "mean"),
    Z_MAX(1, "std"),
    Z_MAX(2, "max"),
    Z_MAX(3, "peak"),
    Z_MAX(4, "blob_s"),
    Z_MAX(5, "blob_l"),
    Z_MAX(6, "col_line_px"),
    Z_MAX(7, "row_line_px"),
#undef Z_MAX
#define TOP_GAP(k, n)                                                                              \
    [LSCAN__IF_TOP_GAP +                                                                           \
        k] = {n "_top_gap",                                                                        \
              "largest tile " n " over the "                                                       \
              "inner tiles - the 10th largest: one unusual spot, not a whole load of them"}
    TOP_GAP(0, "mean"),
    TOP_GAP(1, "std"),
    TOP_GAP(2, "max"),
    TOP_GAP(3, "peak"),
    TOP_GAP(4, "blob_s"),
    TOP_GAP(5, "blob_l"),
    TOP_GAP(6, "col_line_px"),
    TOP_GAP(7, "row_line_px"),
#undef TOP_GAP
    [LSCAN__IF_MEAN_IMG_Z_MIN] = {"mean_img_z_min",
                                  "smallest tile mean_img_z over the inner tiles: "
                                  "a light block in the load"},
#define EDGE_Z_MAX(k, n)                                                                           \
    [LSCAN__IF_EDGE_Z_MAX + k] = {n "_edge_z_max", "largest tile " n "_img_z of the two outer "    \
                                                   "rings (each tile against its band: roof, "     \
                                                   "floor, either end)"}
    EDGE_Z_MAX(0, "mean"),
    EDGE_Z_MAX(1, "std"),
    EDGE_Z_MAX(2, "max"),
    EDGE_Z_MAX(3, "peak"),
    EDGE_Z_MAX(4, "blob_s"),
    EDGE_Z_MAX(5, "blob_l"),
    EDGE_Z_MAX(6, "col_line_px"),
    EDGE_Z_MAX(7, "row_line_px"),
#undef EDGE_Z_MAX
    [LSCAN__IF_END_LINE] = {"end_line", "log(0.01 + the strongest thin line, >= 0, of the column "
                                        "profile 18-130 cm from either end of the box): the "
                                        "smaller rise over the columns 2 px either side; a "
                                        "false end or door wall"},
    [LSCAN__IF_CEILING_LINE] = {"ceiling_line", "the same for the row profile 14-38 cm below the "
                                                "box top: a false ceiling"},
    [LSCAN__IF_FLOOR_LINE] = {"floor_line",
                              "largest row-profile line (against the rows 4 px either "
                              "side) 12-40 cm above the box bottom: a double floor"},
};

static const struct feature_def *set_defs(uint32_t set, uint32_t *n)
{
    if (set == LSCAN_FEATURES_TILE) {
        *n = LSCAN__TILE_FEATURES;
        return tile_defs;
    }
    if (set == LSCAN_FEATURES_IMAGE) {
        *n = LSCAN__IMAGE_FEATURES;
        return image_defs;
    }
    *n = 0;
    return NULL;
}

LSCAN_API uint32_t lscan_feature_count(uint32_t set)
{
    uint32_t n;
    set_defs(set, &n);
    return n;
}

LSCAN_API const char *lscan_feature_name(uint32_t set, uint32_t index)
{
    uint32_t n;
    const struct feature_def *d = set_defs(set, &n);
    return d && index < n ? d[index].name : NULL;
}

LSCAN_API const char *lscan_feature_definition(uint32_t set, uint32_t index)
{
    uint32_t n;
    const struct feature_def *d = set_defs(set, &n);
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
    const struct feature_def *d = set_defs(set, &n);
    if (!d) return 0;
    uint64_t h = fnv1a(0xcbf29ce484222325ull, set == LSCAN_FEATURES_TILE ? "tile\n" : "image\n");
    for (uint32_t i = 0; i < n; i++) {
        h = fnv1a(h, d[i].name);
        h = fnv1a(h, "\n");
    }
    return h;
}
