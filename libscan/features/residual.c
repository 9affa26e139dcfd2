/* residual.c — the scan's expected image from its own structure and load, and what the scan
 * shows beyond it: a noise model from the scan, blobs at four scales against their ring, the
 * load's regularity (anomalous mass), emptiness and regions at the noise floor. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* All work is on the cell grid (cells of tile / 8 pixels, ~2 cm): the box's mean attenuation
 * per cell, a few hundred thousand values at most, so robust statistics stay cheap. */
typedef struct grid {
    uint32_t W, H;   /* cells */
    uint32_t per;    /* cells per tile side (8) */
    double cm;       /* cell side, cm */
    float *M;        /* mean A per cell */
    float *r2;       /* M - row structure - column structure */
    float *r4;       /* r2 - the load's row level (0 off the load) */
    float *r5;       /* load residual: r2 - the load's row and column levels (0 off the load) */
    float *sig;      /* noise standard deviation of a cell mean */
    uint8_t *sig_on; /* significant load against the empty container, inner cells only */
    uint8_t *load;   /* the load mask: sig_on closed */
    uint32_t *label; /* component labels (scratch) */
    float *R, *Cx;   /* row (H) and column (W) structure levels */
    float wall;      /* the side walls' level between the bands */
    bool flip;       /* upside down: the floor at the top (a bottom-up detector array) */
    uint32_t calib_flags; /* the locator's LSCAN_CALIB_CHASSIS / _UPSIDE_DOWN hints */
    uint32_t band_top, band_bottom, band_left, band_right; /* structure bands, cells */
    float *tmp;      /* max(W, H) * 2 + W*H scratch */
    double *I, *IL, *ILn; /* integral images (W+1)(H+1): r2; r4 and the cell count over the load */
} grid;

double lscan__median_d(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is small wherever this is used */
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

float lscan__select_f(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float p = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p)
                i++;
            while (v[j] > p)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

static inline void cx(double *v, int i, int j)
{
    double lo = v[i] < v[j] ? v[i] : v[j], hi = v[i] < v[j] ? v[j] : v[i];
    v[i] = lo;
    v[j] = hi;
}

/* The median of 8 values by a sorting network (19 compare-exchanges), v
 * reordered: the ring of a blob has 8 squares wherever it fits whole. */
static double median8(double *v)
{
    static const uint8_t net[19][2] = {{0, 2}, {1, 3}, {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6},
                                       {3, 7}, {0, 1}, {2, 3}, {4, 5}, {6, 7}, {2, 4}, {3, 5},
                                       {1, 4}, {3, 6}, {1, 2}, {3, 4}, {5, 6}};
    for (int k = 0; k < 19; k++)
        cx(v, net[k][0], net[k][1]);
    return 0.5 * (v[3] + v[4]);
}

/* The q-quantile (lower, q in [0, 1]) of v[0..n), n >= 1, reordering v. */
static float quantile(float *v, size_t n, double q)
{
    return n ? lscan__select_f(v, n, (size_t)(q * (double)(n - 1))) : 0.0f;
}

/* A length in cm as a (rounded) number of cells, clamped before the
 * conversion: any pitch the options accept gives a defined count. */
static uint32_t cells_of(const grid *g, double len_cm)
{
    return lscan__cells(len_cm, g->cm);
}

/* sign(z) log(1 + |z|): keeps the order, tames the tails for a linear model. */
static double slog(double z)
{
    return z >= 0 ? log1p(z) : -log1p(-z);
}

/* Sum over cells [x0, x1) x [y0, y1) from an integral image of a W-wide grid. */
static double rect(const double *I, uint32_t W, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1)
{
    const size_t w = (size_t)W + 1;
    return I[(size_t)y1 * w + x1] - I[(size_t)y0 * w + x1] - I[(size_t)y1 * w + x0] +
           I[(size_t)y0 * w + x0];
}

static void integral(const float *v, const uint8_t *mask, uint32_t W, uint32_t H, double *I)
{
    const size_t w = (size_t)W + 1;
    memset(I, 0, w * sizeof *I);
    for (uint32_t y = 0; y < H; y++) {
        double run = 0;
        I[(size_t)(y + 1) * w] = 0;
        for (uint32_t x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            run += mask ? (mask[i] ? (v ? v[i] : 1.0) : 0.0) : v[i];
            I[(size_t)(y + 1) * w + x + 1] = I[(size_t)y * w + x + 1] + run;
        }
    }
}

/* Labels 4-connected components of on[] (non-zero) in `label` (1, 2, ...; 0 off) and returns
 * their count; sizes[k - 1] gets component k's cell count when sizes is not NULL (it must
 * hold W*H entries). `stack` holds W*H entries. */
static uint32_t components(const uint8_t *on, uint32_t W, uint32_t H, uint32_t *label,
                           uint32_t *stack, uint32_t *sizes)
{
    const size_t n = (size_t)W * H;
    memset(label, 0, n * sizeof *label);
    uint32_t count = 0;
    for (size_t s = 0; s < n; s++) {
        if (!on[s] || label[s]) continue;
        count++;
        size_t sp = 0;
        uint32_t size = 0;
        stack[sp++] = (uint32_t)s;
        label[s] = count;
        while (sp) {
            uint32_t t = stack[--sp], x = t % W, y = t / W;
            size++;
            uint32_t nb[4];
            int k = 0;
            if (x > 0) nb[k++] = t - 1;
            if (x + 1 < W) nb[k++] = t + 1;
            if (y > 0) nb[k++] = t - W;
            if (y + 1 < H) nb[k++] = t + W;
            for (int i = 0; i < k; i++)
                if (on[nb[i]] && !label[nb[i]]) {
                    label[nb[i]] = count;
                    stack[sp++] = nb[i];
                }
        }
        if (sizes) sizes[count - 1] = size;
    }
    return count;
}

/* --- The expected image ---------------------------------------------------------------- */

/* Share of a row's cells (between the end margins) under which the row
 * structure is read: the container's roof, rails and floor run the whole
 * length, so even a load filling 80 % of it leaves them visible. */
#define ROW_STRUCTURE_Q 0.2
/* Columns: end frames, posts and corrugation run the whole height. */
#define COL_STRUCTURE_Q 0.3
#define END_MARGIN_CM 20.0
/* The deepest roof, floor and end structure a container build has (a
 * reefer's machinery unit at the front end), and the
 * level step (A) that marks a row or column as structure. */
#define ROOF_BAND_CM 25.0
#define FLOOR_BAND_CM 35.0
#define END_BAND_CM 60.0
#define BAND_STEP_A 0.05
#define END_STEP_A 0.15
#define END_GAP_CM 10.0
/* Margins beyond the last structure row or column: the roof is corrugated
 * (its wave reaches below the rows whose 20th percentile shows it) and the
 * end frames carry hardware; the floor's top is flat boards. */
#define ROOF_MARGIN_CM 3.0
#define FLOOR_MARGIN_CM 1.0
#define END_MARGIN_BAND_CM 2.0
/* A full-length level thicker than this (between the bands) is load, not
 * structure; the rows this far under the roof band show the columns'
 * structure free of cargo. */
#define PLATEAU_CM 10.0
/* Cells of the middle this far above the walls carry load (which way up). */
#define ORIENT_LOAD_A 0.1
#define FREE_ROWS_CM 15.0
#define INNER_MARGIN_CM 4.0

static void structure(grid *g)
{
    const uint32_t W = g->W, H = g->H;
    uint32_t ex = cells_of(g, END_MARGIN_CM);
    if (2 * ex + 4 > W) ex = W > 4 ? (W - 4) / 2 : 0;
    float *row = g->tmp, *R = g->R, *Rq = g->tmp + W + H; /* Rq: H */
    for (uint32_t y = 0; y < H; y++) {
        memcpy(row, g->M + (size_t)y * W + ex, (W - 2 * ex) * sizeof *row);
        Rq[y] = quantile(row, W - 2 * ex, ROW_STRUCTURE_Q);
    }
    /* The side walls' level: the lowest rows of the middle of the box. */
    const uint32_t m0 = H / 5, m1 = H - H / 5;
    memcpy(row, Rq + m0, (m1 - m0) * sizeof *row);
    const float wall = m1 > m0 ? quantile(row, m1 - m0, 0.1) : Rq[H / 2];
    g->wall = wall;

    /* Which way up: a container's floor (boards, cross-members, bottom
     * rails) outweighs its roof, cargo rests on the floor, and a chassis is
     * under it. Evidence for "upright" as a log-odds-like sum. */
    uint32_t k = cells_of(g, FLOOR_BAND_CM);
    if (k > H / 3) k = H / 3;
    double top_ex = 0, bot_ex = 0;
    for (uint32_t i = 0; i < k; i++) {
        top_ex += Rq[i] > wall ? Rq[i] - wall : 0;
        bot_ex += Rq[H - 1 - i] > wall ? Rq[H - 1 - i] - wall : 0;
    }
    double upright = log((bot_ex + 0.05 * k + 1e-9) / (top_ex + 0.05 * k + 1e-9));
    double ysum = 0, non = 0, ncell = 0;
    for (uint32_t y = k; y + k < H; y++)
        for (uint32_t x = ex; x + ex < W; x++) {
            ncell++;
            if (g->M[(size_t)y * W + x] - wall > ORIENT_LOAD_A) {
                ysum += (double)y;
                non++;
            }
        }
    if (non > 0) {
        double w = 20.0 * non / ncell;
        upright += 4.0 * (w < 1 ? w : 1) * ((ysum / non) - 0.5 * H) / (0.5 * H);
    }
    if (g->calib_flags & LSCAN_CALIB_CHASSIS)
        upright += g->calib_flags & LSCAN_CALIB_UPSIDE_DOWN ? -3.0 : 3.0;
    g->flip = upright < 0;

    /* The roof and floor bands: from each edge, the last row within a
     * container's roof or floor depth that stands above the walls, plus a
     * margin for the smear of horizontal edges and corrugated sheets. */
    const uint32_t m_roof = cells_of(g, ROOF_MARGIN_CM),
                   m_floor = cells_of(g, FLOOR_MARGIN_CM),
                   m_end = cells_of(g, END_MARGIN_BAND_CM);
    const uint32_t roof_max = cells_of(g, ROOF_BAND_CM),
                   floor_max = cells_of(g, FLOOR_BAND_CM),
                   end_max = cells_of(g, END_BAND_CM);
    const uint32_t top_max = g->flip ? floor_max : roof_max, bot_max = g->flip ? roof_max : floor_max,
                   m_top = g->flip ? m_floor : m_roof, m_bot = g->flip ? m_roof : m_floor;
    uint32_t t = 0, b = 0, l = 0, r = 0;
    for (uint32_t i = 0; i < top_max && i < H / 3; i++)
        if (Rq[i] > wall + BAND_STEP_A) t = i + 1 + m_top;
    for (uint32_t i = 0; i < bot_max && i < H / 3; i++)
        if (Rq[H - 1 - i] > wall + BAND_STEP_A) b = i + 1 + m_bot;
    if (t + b >= H) t = b = 0;

    /* Row structure: in the bands, what runs the whole length; between
     * them, the walls plus thin full-length lines only (rails, logistic
     * tracks). A thick full-length plateau is load: bulk, rows of pallets. */
    const long w = (long)(cells_of(g, PLATEAU_CM) < H ? cells_of(g, PLATEAU_CM) : H);
    for (uint32_t y = 0; y < H; y++) {
        if (y < t || y + b >= H) {
            R[y] = Rq[y];
            continue;
        }
        float lo = Rq[y];
        for (long k = (long)y - w; k <= (long)y + w; k++)
            if (k >= (long)t && k + b < H && Rq[k] < lo) lo = Rq[k];
        R[y] = wall + (Rq[y] - lo);
    }
    /* Column structure (end frames, posts, corrugation, door bars run the
     * whole height): the lower of a low quantile over the rows between the
     * bands and the median of the rows just under the roof band, where
     * cargo seldom reaches. */
    uint32_t y0 = t, y1 = H - b;
    if (y1 <= y0 + 2) y0 = 0, y1 = H;
    /* The free rows: under the roof band ([f0, f1), at the bottom when upside down). */
    uint32_t nfree = cells_of(g, FREE_ROWS_CM);
    if (nfree < 1) nfree = 1; /* at least one row, whatever the pitch */
    if (nfree > y1 - y0) nfree = y1 - y0;
    const uint32_t f0 = g->flip ? y1 - nfree : y0, f1 = f0 + nfree;
    float *col = g->tmp, *Cx = g->Cx, *Ctop = g->tmp + W + H; /* Ctop: W */
    for (uint32_t x = 0; x < W; x++) {
        for (uint32_t y = y0; y < y1; y++)
            col[y - y0] = g->M[(size_t)y * W + x] - R[y];
        float c = quantile(col, y1 - y0, COL_STRUCTURE_Q);
        float med = quantile(col, y1 - y0, 0.5);
        for (uint32_t y = f0; y < f1; y++)
            col[y - f0] = g->M[(size_t)y * W + x] - R[y];
        float top = quantile(col, nfree, 0.5);
        Cx[x] = top < c ? top : c;
        Ctop[x] = top > med ? top : med; /* for the end bands */
    }
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++)
            g->r2[(size_t)y * W + x] = g->M[(size_t)y * W + x] - R[y] - Cx[x];
    /* End bands: the end frames, door hardware and a reefer's machinery
     * unit, read as the higher of the median under the roof and the median
     * down the column (the unit is not uniform down its height, so the
     * column structure misses parts of it). */
    /* From each end, the columns standing END_STEP_A above the walls with
     * gaps of at most END_GAP_CM: contiguous structure, not the side walls'
     * corrugation further in (0.05-0.1 A every 15-30 cm). */
    const uint32_t gap_max = cells_of(g, END_GAP_CM);
    for (int side = 0; side < 2; side++) {
        uint32_t last = 0, gap = 0;
        bool any = false;
        for (uint32_t i = 0; i < end_max && i < W / 3; i++) {
            if (Ctop[side ? W - 1 - i : i] > END_STEP_A) {
                last = i + 1;
                any = true;
                gap = 0;
            } else if (++gap > gap_max) {
                break;
            }
        }
        uint32_t band = any ? last + m_end : 0;
        if (side) r = band;
        else l = band;
    }
    g->band_top = t, g->band_bottom = b, g->band_left = l, g->band_right = r;
}

/* Noise: the lower envelope of the tiles' mean |horizontal difference| as a
 * function of their mean A (flat tiles show the noise alone; textured ones
 * lie above), in bins of 1/4 A. For independent Gaussian pixels
 * E|d| = 1.128 sigma, and a cell mean of c*c pixels has sigma / c. */
#define NOISE_BINS 48
#define NOISE_BIN_A 0.25
#define NOISE_MIN_TILES 4

static void noise_model(grid *g, const lscan_analysis *a, const uint64_t *tile_gx, double *env)
{
    const size_t nt = (size_t)a->cols * a->rows;
    float *v = g->tmp; /* nt <= W*H */
    float *d = v + nt;
    size_t nd = 0;
    for (size_t t = 0; t < nt; t++) {
        lscan_box b;
        lscan_analysis_tile_box(a, (uint32_t)(t % a->cols), (uint32_t)(t / a->cols), &b);
        double n = (double)(b.x1 - b.x0) * (b.y1 - b.y0);
        d[t] = (float)((double)tile_gx[t] / n / LSCAN__A_ONE);
        v[t] = a->tile_feat[t * LSCAN__TILE_FEATURES + LSCAN__TF_MEAN];
        nd++;
    }
    float *bin = d + nt;
    double fallback = 0;
    {
        memcpy(bin, d, nd * sizeof *bin);
        fallback = quantile(bin, nd, 0.1);
    }
    int have = 0;
    for (int b = 0; b < NOISE_BINS; b++) {
        size_t k = 0;
        for (size_t t = 0; t < nt; t++) {
            int tb = (int)(v[t] / NOISE_BIN_A);
            if (tb >= NOISE_BINS) tb = NOISE_BINS - 1;
            if (tb == b) bin[k++] = d[t];
        }
        env[b] = k >= NOISE_MIN_TILES ? quantile(bin, k, 0.1) : -1;
        have |= k >= NOISE_MIN_TILES;
    }
    /* Bins without enough tiles take their nearest filled neighbour's value. */
    for (int b = 0; b < NOISE_BINS; b++) {
        if (env[b] >= 0) continue;
        double best = have ? -1 : fallback;
        for (int k = 1; best < 0 && k < NOISE_BINS; k++) {
            if (b - k >= 0 && env[b - k] >= 0) best = env[b - k];
            else if (b + k < NOISE_BINS && env[b + k] >= 0) best = env[b + k];
        }
        env[b] = best;
    }
    const double per_cell = 1.0 / (1.128 * (double)a->tile / (double)g->per);
    /* A quantised input resolves nothing finer than its code step, however
     * flat a JPEG left it (calib/display.c). */
    double qfloor[NOISE_BINS];
    for (int b = 0; b < NOISE_BINS; b++)
        qfloor[b] = lscan__calib_code_sigma(a, (b + 0.5) * NOISE_BIN_A);
    for (size_t i = 0; i < (size_t)g->W * g->H; i++) {
        int b = (int)(g->M[i] / NOISE_BIN_A);
        if (b >= NOISE_BINS) b = NOISE_BINS - 1;
        double s = env[b] * per_cell;
        if (s < qfloor[b]) s = qfloor[b];
        g->sig[i] = (float)(s > 1e-4 ? s : 1e-4);
    }
}

/* A cell carries load when it stands clearly above the empty container:
 * 6 sigma of noise, and at least 0.05 A (a few cm of cardboard). */
#define LOAD_SIGMAS 6.0
#define LOAD_MIN_A 0.05
/* Components smaller than this are noise or structure remnants. */
#define OBJECT_MIN_CM2 25.0
#define SPECK_CM2 16.0
/* A load this small (side view) in an otherwise empty container is the
 * load_in_empty class: a package, not a consignment. */
#define SMALL_LOAD_CM2 25000.0

static void emptiness(grid *g, lscan_analysis *a, uint32_t *stack, uint32_t *sizes)
{
    const uint32_t W = g->W, H = g->H;
    uint32_t m = cells_of(g, INNER_MARGIN_CM);
    if (m < 1) m = 1;
    size_t inner = 0;
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            bool in = x >= m && y >= m && x + m < W && y + m < H && y >= g->band_top &&
                      y + g->band_bottom < H && x >= g->band_left && x + g->band_right < W;
            float thr = (float)(LOAD_SIGMAS * g->sig[i]);
            if (thr < LOAD_MIN_A) thr = (float)LOAD_MIN_A;
            g->sig_on[i] = in && g->r2[i] > thr;
            inner += in;
        }
    /* Groups smaller than a speck (a few cm^2: a rivet, a structure
     * remnant at a band's edge) are not load. */
    const double speck = ceil(SPECK_CM2 / (g->cm * g->cm));
    const uint32_t min_cells = speck < 2 ? 2 : speck > (double)W * H ? W * H + 1 : (uint32_t)speck;
    uint32_t n = components(g->sig_on, W, H, g->label, stack, sizes);
    size_t on = 0;
    double mass = 0;
    for (size_t i = 0; i < (size_t)W * H; i++) {
        if (!g->sig_on[i]) continue;
        if (sizes[g->label[i] - 1] < min_cells) {
            g->sig_on[i] = 0;
            continue;
        }
        on++;
        mass += g->r2[i];
    }
    const double cell_m2 = g->cm * g->cm * 1e-4;
    uint32_t objects = 0, largest = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (sizes[k] < min_cells) continue;
        if (sizes[k] * g->cm * g->cm >= OBJECT_MIN_CM2) objects++;
        if (sizes[k] > largest) largest = sizes[k];
    }
    float *f = a->image_feat;
    f[LSCAN__IF_LOADED_FRAC] = inner ? (float)((double)on / (double)inner) : 0.0f;
    f[LSCAN__IF_LOAD_MASS] = (float)log1p(mass * cell_m2 * 100.0); /* A x dm^2 */
    f[LSCAN__IF_LARGEST_OBJECT] = (float)log1p(largest * g->cm * g->cm);
    f[LSCAN__IF_OBJECTS] = (float)log1p(objects);
    const double area_cm2 = (double)on * g->cm * g->cm;
    f[LSCAN__IF_SMALL_LOAD] = area_cm2 <= SMALL_LOAD_CM2 ? (float)log1p(area_cm2) : 0.0f;
    f[LSCAN__IF_NO_LOAD] = on == 0 ? 1.0f : 0.0f;
}

/* One 3x3 pass over a W x H mask, separably: dilation (any of the 3x3 on)
 * or erosion (all on; cells off the grid count as off). `row` holds W bytes
 * of scratch per pass row: the horizontal pass of a row goes to tmp first. */
static void morph3(const uint8_t *src, uint8_t *dst, uint8_t *tmp, uint32_t W, uint32_t H,
                   bool dilate)
{
    for (uint32_t y = 0; y < H; y++) {
        const uint8_t *s = src + (size_t)y * W;
        uint8_t *t = tmp + (size_t)y * W;
        for (uint32_t x = 0; x < W; x++) {
            uint8_t l = x > 0 ? s[x - 1] : 0, r = x + 1 < W ? s[x + 1] : 0;
            t[x] = dilate ? (uint8_t)(l | s[x] | r) : (uint8_t)(l & s[x] & r);
        }
    }
    for (uint32_t y = 0; y < H; y++) {
        const uint8_t *u = y > 0 ? tmp + (size_t)(y - 1) * W : NULL, *c = tmp + (size_t)y * W,
                      *d = y + 1 < H ? tmp + (size_t)(y + 1) * W : NULL;
        uint8_t *o = dst + (size_t)y * W;
        for (uint32_t x = 0; x < W; x++) {
            uint8_t a = u ? u[x] : 0, b = d ? d[x] : 0;
            o[x] = dilate ? (uint8_t)(a | c[x] | b) : (uint8_t)(a & c[x] & b);
        }
    }
}

/* The load mask: significant cells closed by a 3x3 dilation then erosion,
 * so that a load's thin gaps and faint seams belong to it. */
static void load_mask(grid *g, uint8_t *tmp, uint8_t *scratch)
{
    morph3(g->sig_on, tmp, scratch, g->W, g->H, true);
    morph3(tmp, g->load, scratch, g->W, g->H, false);
}

/* The load's own regularity: a regular load (pallets, sacks, bulk) has one
 * level per row and per column; what stands out from both is unusual for
 * this load. r5 = r2 - row level - column level over the load. */
#define LOAD_MIN_CELLS 10

static void load_model(grid *g, lscan_analysis *a)
{
    const uint32_t W = g->W, H = g->H;
    float *buf = g->tmp, *L = g->tmp + W + H; /* L: H, Lc: W */
    float *Lc = L + H;
    for (uint32_t y = 0; y < H; y++) {
        size_t k = 0;
        for (uint32_t x = 0; x < W; x++)
            if (g->load[(size_t)y * W + x]) buf[k++] = g->r2[(size_t)y * W + x];
        L[y] = k >= LOAD_MIN_CELLS ? quantile(buf, k, 0.5) : 0.0f;
    }
    for (uint32_t x = 0; x < W; x++) {
        size_t k = 0;
        for (uint32_t y = 0; y < H; y++)
            if (g->load[(size_t)y * W + x]) buf[k++] = g->r2[(size_t)y * W + x] - L[y];
        Lc[x] = k >= LOAD_MIN_CELLS ? quantile(buf, k, 0.5) : 0.0f;
    }
    float *all = g->tmp + W + H + H + W;
    float *lvl = all + (size_t)W * H / 2; /* the two halves: |r5| and M over the load */
    size_t n = 0;
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            g->r4[i] = g->load[i] ? g->r2[i] - L[y] : 0.0f;
            g->r5[i] = g->load[i] ? g->r4[i] - Lc[x] : 0.0f;
            if (g->load[i] && n < (size_t)W * H / 2) {
                all[n] = fabsf(g->r5[i]);
                lvl[n++] = g->M[i];
            }
        }
    float *f = a->image_feat;
    f[LSCAN__IF_LOAD_SPREAD] = n >= 50 ? 1.4826f * quantile(all, n, 0.5) : 0.0f;
    f[LSCAN__IF_LOAD_LEVEL] = n >= 50 ? quantile(lvl, n, 0.5) : 0.0f;
}

/* --- Blobs: a square of cells against the ring of eight squares around it --------------- */

static const uint32_t blob_cells[LSCAN__BLOB_SCALES] = {4, 6, 12, 24};

/* Whether tile t's centre lies clear of the structure bands. */
static bool tile_inner(const grid *g, const lscan_analysis *a, size_t t)
{
    uint32_t cx = (uint32_t)(t % a->cols) * g->per + g->per / 2,
             cy = (uint32_t)(t / a->cols) * g->per + g->per / 2;
    return cy >= g->band_top && cy + g->band_bottom < g->H && cx >= g->band_left &&
           cx + g->band_right < g->W;
}
/* Floors of a blob's spread: a perfectly uniform ring must not make a
 * faint excess infinitely significant. */
#define BLOB_SPREAD_FLOOR 0.005
#define BLOB_HOT_Z 6.0

static void blobs(grid *g, lscan_analysis *a)
{
    const uint32_t W = g->W, H = g->H, cols = a->cols, rows = a->rows, per = g->per;
    const size_t nt = (size_t)cols * rows, nf = LSCAN__TILE_FEATURES;
    /* zmax, zmin, exm: nt each; then the squares' grid (<= W*H / 4). */
    float *zmax = g->tmp, *zmin = zmax + nt, *exm = zmin + nt;
    for (int s = 0; s < LSCAN__BLOB_SCALES; s++) {
        /* Squares overlap by half. */
        const uint32_t k = blob_cells[s], step = k / 2;
        for (size_t t = 0; t < nt; t++) {
            zmax[t] = -INFINITY;
            zmin[t] = INFINITY;
            exm[t] = 0;
        }
        /* The squares' means on their grid (half a square apart), so that a
         * square's ring is its grid neighbours two steps away. */
        const uint32_t gw = W >= k ? (W - k) / step + 1 : 0, gh = H >= k ? (H - k) / step + 1 : 0;
        float *B = zmax + 3 * nt;
        for (uint32_t j = 0; j < gh; j++)
            for (uint32_t i = 0; i < gw; i++)
                B[(size_t)j * gw + i] =
                    (float)(rect(g->I, W, i * step, j * step, i * step + k, j * step + k) /
                            (double)(k * k));
        for (uint32_t j = 0; j < gh; j++)
            for (uint32_t i = 0; i < gw; i++) {
                double ring[8];
                int nr = 0;
                for (int dj = -2; dj <= 2; dj += 2)
                    for (int di = -2; di <= 2; di += 2) {
                        long jj = (long)j + dj, ii = (long)i + di;
                        if ((di == 0 && dj == 0) || jj < 0 || ii < 0 || jj >= gh || ii >= gw) continue;
                        ring[nr++] = B[(size_t)jj * gw + (size_t)ii];
                    }
                if (nr < 5) continue;
                const uint32_t x = i * step, y = j * step;
                double mean = B[(size_t)j * gw + i];
                double med = nr == 8 ? median8(ring) : lscan__median_d(ring, (size_t)nr);
                /* The ring's spread: its mean absolute deviation from the
                 * median (robust enough, half the cost of a second median). */
                double mad = 0;
                for (int q = 0; q < nr; q++)
                    mad += fabs(ring[q] - med);
                mad /= nr;
                size_t ci = (size_t)(y + k / 2) * W + (x + k / 2);
                double spread = 1.25 * mad + 2.0 * g->sig[ci] / (double)k + BLOB_SPREAD_FLOOR;
                double z = (mean - med) / spread;
                size_t t = (size_t)((y + k / 2) / per) * cols + (x + k / 2) / per;
                if (z > zmax[t]) {
                    zmax[t] = (float)z;
                    exm[t] = (float)(mean - med);
                }
                if (z < zmin[t]) zmin[t] = (float)z;
            }
        /* Tiles, and the scan's extremes over the tiles whose centre lies
         * clear of the structure bands (their remnants are not cargo). */
        float *sorted = zmax + 3 * nt; /* the grid is done with */
        size_t hot = 0, ni = 0;
        float lmax = 0;
        for (size_t t = 0; t < nt; t++) {
            float *ft = a->tile_feat + t * nf;
            double zt = isinf(zmax[t]) ? 0.0 : zmax[t], zl = isinf(zmin[t]) ? 0.0 : -zmin[t];
            ft[LSCAN__TF_BLOB_Z + s] = (float)slog(zt);
            ft[LSCAN__TF_BLOB_EX + s] = exm[t];
            if (s == 1 || s == 3) ft[LSCAN__TF_LIGHT_Z + s / 2] = (float)slog(zl);
            if (!tile_inner(g, a, t)) continue;
            sorted[ni++] = ft[LSCAN__TF_BLOB_Z + s];
            hot += zt > BLOB_HOT_Z;
            if ((s == 1 || s == 3) && slog(zl) > lmax) lmax = (float)slog(zl);
        }
        float *f = a->image_feat;
        float top = ni ? lscan__select_f(sorted, ni, ni - 1) : 0;
        float tenth = ni ? lscan__select_f(sorted, ni, ni > 10 ? ni - 10 : 0) : 0;
        f[LSCAN__IF_BLOB_Z_MAX + s] = top;
        f[LSCAN__IF_BLOB_GAP + s] = top - tenth;
        f[LSCAN__IF_BLOB_HOT + s] = (float)log1p((double)hot);
        if (s == 1 || s == 3) f[LSCAN__IF_LIGHT_Z_MAX + s / 2] = lmax;
    }
}

/* --- Anomalous mass: blocks of the load against the load's other blocks ----------------- */

/* On r4, the load against its own row levels only: a column median would
 * absorb a block that fills most of its column's load (bulk). */

static const uint32_t mass_cells[3] = {8, 16, 32};
#define MASS_MIN_BLOCKS 8
#define MASS_MIN_LOAD 0.7

static void mass(grid *g, lscan_analysis *a)
{
    const uint32_t W = g->W, H = g->H, cols = a->cols, per = g->per;
    const size_t nt = (size_t)cols * a->rows, nf = LSCAN__TILE_FEATURES;
    float *v = g->tmp, *sorted = g->tmp + (size_t)W * H / 2; /* blocks <= cells / 2 */
    float *best = g->tmp + (size_t)W * H + W + H; /* the tile feature, nt */
    for (size_t t = 0; t < nt; t++) {
        best[t] = 0;
        a->tile_feat[t * nf + LSCAN__TF_MASS_Z] = 0;
    }
    float *f = a->image_feat;
    for (int s = 0; s < 3; s++) {
        const uint32_t k = mass_cells[s], step = k / 2;
        size_t n = 0;
        for (uint32_t y = 0; y + k <= H; y += step)
            for (uint32_t x = 0; x + k <= W; x += step) {
                double cnt = rect(g->ILn, W, x, y, x + k, y + k);
                if (cnt < MASS_MIN_LOAD * k * k) continue;
                v[n++] = (float)(rect(g->IL, W, x, y, x + k, y + k) / cnt);
            }
        f[LSCAN__IF_MASS_Z_MAX + s] = f[LSCAN__IF_MASS_ZL_MAX + s] = 0;
        if (s == 1) f[LSCAN__IF_MASS_GAP] = 0;
        if (n < MASS_MIN_BLOCKS) continue;
        memcpy(sorted, v, n * sizeof *sorted);
        float med = quantile(sorted, n, 0.5);
        for (size_t i = 0; i < n; i++)
            sorted[i] = fabsf(v[i] - med);
        double spread = 1.4826 * quantile(sorted, n, 0.5) + 0.01;
        double zhi = -INFINITY, zlo = INFINITY;
        for (size_t i = 0; i < n; i++) {
            double z = (v[i] - med) / spread;
            sorted[i] = (float)z;
            if (z > zhi) zhi = z;
            if (z < zlo) zlo = z;
        }
        f[LSCAN__IF_MASS_Z_MAX + s] = (float)slog(zhi);
        f[LSCAN__IF_MASS_ZL_MAX + s] = (float)slog(-zlo);
        if (s != 1) continue;
        f[LSCAN__IF_MASS_GAP] =
            (float)(slog(zhi) - slog(lscan__select_f(sorted, n, n > 5 ? n - 5 : 0)));
        /* The tile feature: the strongest block (either sign) centred in the tile. */
        for (uint32_t y = 0; y + k <= H; y += step)
            for (uint32_t x = 0; x + k <= W; x += step) {
                double cnt = rect(g->ILn, W, x, y, x + k, y + k);
                if (cnt < MASS_MIN_LOAD * k * k) continue;
                double z = (rect(g->IL, W, x, y, x + k, y + k) / cnt - med) / spread;
                size_t t = (size_t)((y + k / 2) / per) * cols + (x + k / 2) / per;
                if (fabs(z) > fabs(best[t])) best[t] = (float)z;
            }
        for (size_t t = 0; t < nt; t++)
            a->tile_feat[t * nf + LSCAN__TF_MASS_Z] = (float)slog(best[t]);
    }
}

/* --- Tiles and floor regions ---------------------------------------------------------------- */

static void tiles(grid *g, lscan_analysis *a, const lscan__fine *fine, uint32_t *stack,
                  uint32_t *sizes)
{
    const uint32_t W = g->W, H = g->H, cols = a->cols, rows = a->rows, per = g->per;
    const size_t nf = LSCAN__TILE_FEATURES;
    /* Floor regions: cells whose mean attenuation reaches the noise floor
     * (every pixel of such a cell is at or near it). */
    const float floor_a = (float)fine->floor_thr / LSCAN__A_ONE;
    uint8_t *on = g->sig_on; /* reused: the emptiness statistics are done */
    size_t floor_cells = 0;
    for (size_t i = 0; i < (size_t)W * H; i++) {
        on[i] = g->M[i] >= floor_a;
        floor_cells += on[i];
    }
    uint32_t n = components(on, W, H, g->label, stack, sizes);
    uint32_t largest = 0;
    for (uint32_t k = 0; k < n; k++)
        if (sizes[k] > largest) largest = sizes[k];
    const double cell_cm2 = g->cm * g->cm;
    a->image_feat[LSCAN__IF_FLOOR_REGION] = (float)log1p(largest * cell_cm2);
    a->image_feat[LSCAN__IF_FLOOR_FRAC] = (float)((double)floor_cells / ((double)W * H));

    float *rstd = g->tmp; /* nt: std of r2 within each tile */
    for (uint32_t tr = 0; tr < rows; tr++)
        for (uint32_t tc = 0; tc < cols; tc++) {
            size_t t = (size_t)tr * cols + tc;
            float *ft = a->tile_feat + t * nf;
            double s = 0, s2 = 0, mx = -INFINITY, l = 0, la = 0, sg = 0;
            uint32_t cnt = 0, inl = 0, region = 0;
            for (uint32_t y = tr * per; y < (tr + 1) * per && y < H; y++)
                for (uint32_t x = tc * per; x < (tc + 1) * per && x < W; x++) {
                    size_t i = (size_t)y * W + x;
                    double r = g->r2[i];
                    s += r;
                    s2 += r * r;
                    if (r > mx) mx = r;
                    l += g->r5[i];
                    la += fabs(g->r5[i]);
                    inl += g->load[i];
                    sg += g->sig[i];
                    cnt++;
                    if (g->label[i] && sizes[g->label[i] - 1] > region)
                        region = sizes[g->label[i] - 1];
                }
            double mean = s / cnt, var = s2 / cnt - mean * mean;
            rstd[t] = (float)sqrt(var > 0 ? var : 0);
            ft[LSCAN__TF_RES_MEAN] = (float)mean;
            ft[LSCAN__TF_RES_MAX] = (float)mx;
            ft[LSCAN__TF_RES_Z] = (float)slog(mean / (sg / cnt / sqrt((double)cnt)));
            ft[LSCAN__TF_LOAD_RES] = (float)(l / cnt);
            ft[LSCAN__TF_LOAD_RES_ABS] = (float)(la / cnt);
            ft[LSCAN__TF_IN_LOAD] = (float)inl / (float)cnt;
            ft[LSCAN__TF_FLOOR_REGION] = (float)log1p(region * cell_cm2);
        }
    /* Texture: the median within-tile spread of the 5x5 tiles around. */
    for (uint32_t tr = 0; tr < rows; tr++)
        for (uint32_t tc = 0; tc < cols; tc++) {
            double v[25];
            size_t k = 0;
            for (long r = (long)tr - 2; r <= (long)tr + 2; r++)
                for (long c = (long)tc - 2; c <= (long)tc + 2; c++)
                    if (r >= 0 && c >= 0 && r < rows && c < cols)
                        v[k++] = rstd[(size_t)r * cols + (size_t)c];
            a->tile_feat[((size_t)tr * cols + tc) * nf + LSCAN__TF_TEXTURE] =
                (float)lscan__median_d(v, k);
        }
}

int lscan__residual_features(lscan_analysis *a, const lscan__fine *f, const uint64_t *tile_gx)
{
    grid g = {.W = f->ccols, .H = f->crows, .per = a->tile / f->cell, .calib_flags = a->calib.flags};
    g.cm = a->calib.pitch_mm * f->cell / 10.0;
    const uint32_t W = g.W, H = g.H;
    const size_t n = (size_t)W * H, ni = ((size_t)W + 1) * ((size_t)H + 1);
    /* Scratch: W*H floats plus a row and a column of each, and room for the
     * tile arrays (nt <= n). */
    const size_t tmp_n = 2 * n + 2 * ((size_t)W + H) + 8;
    float *fl = malloc((5 * n + tmp_n + W + H) * sizeof *fl);
    uint8_t *u8 = calloc(4 * n, 1);
    uint32_t *u32 = malloc(3 * n * sizeof *u32);
    double *d = malloc(3 * ni * sizeof *d);
    if (!fl || !u8 || !u32 || !d) {
        free(fl);
        free(u8);
        free(u32);
        free(d);
        return LSCAN_ERR_NO_MEMORY;
    }
    g.M = fl;
    g.r2 = fl + n;
    g.r5 = fl + 2 * n;
    g.sig = fl + 3 * n;
    g.r4 = fl + 4 * n;
    g.tmp = fl + 5 * n;
    g.R = g.tmp + tmp_n;
    g.Cx = g.R + H;
    g.sig_on = u8;
    g.load = u8 + n;
    uint8_t *closing = u8 + 2 * n;
    g.label = u32;
    uint32_t *stack = u32 + n, *sizes = u32 + 2 * n;
    g.I = d;
    g.IL = d + ni;
    g.ILn = d + 2 * ni;

    const uint32_t C = f->cell, bw = a->box.x1 - a->box.x0, bh = a->box.y1 - a->box.y0;
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++) {
            uint32_t cw = bw - x * C < C ? bw - x * C : C, ch = bh - y * C < C ? bh - y * C : C;
            g.M[(size_t)y * W + x] =
                (float)((double)f->cell_sum[(size_t)y * W + x] / ((double)cw * ch) / LSCAN__A_ONE);
        }
    double env[NOISE_BINS];
    structure(&g);
    noise_model(&g, a, tile_gx, env);
    emptiness(&g, a, stack, sizes);
    load_mask(&g, closing, closing + n);
    load_model(&g, a);
    integral(g.r2, NULL, W, H, g.I);
    integral(g.r4, g.load, W, H, g.IL);
    integral(NULL, g.load, W, H, g.ILn);
    blobs(&g, a);
    mass(&g, a);
    const lscan__residual_maps maps = {.W = W, .H = H, .cell_cm = g.cm, .M = g.M, .r2 = g.r2,
                                       .r4 = g.r4, .r5 = g.r5, .sig = g.sig, .load = g.load,
                                       .band_top = g.band_top, .band_bottom = g.band_bottom,
                                       .band_left = g.band_left, .band_right = g.band_right,
                                       .upside_down = g.flip};
    int rc = lscan__load_descriptors(&maps, a);
    if (!rc) rc = lscan__material_features(&maps, a); /* dual energy (material.c) */
    a->band[0] = g.band_top, a->band[1] = g.band_bottom, a->band[2] = g.band_left,
    a->band[3] = g.band_right;
    a->cell_cm = (float)g.cm;
    a->wall_level = g.wall;
    if (g.flip) a->calib.flags |= LSCAN_CALIB_UPSIDE_DOWN;
    else a->calib.flags &= ~(uint32_t)LSCAN_CALIB_UPSIDE_DOWN;
    tiles(&g, a, f, stack, sizes);
    free(fl);
    free(u8);
    free(u32);
    free(d);
    return rc;
}
