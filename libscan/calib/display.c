/* display.c — archive exports (8 bits or fewer): the display mapping (linear, gamma, logarithmic)
 * from the side walls and the noise, and the per-image attenuation table that undoes it. */
#include "features/feat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The physical anchor: an empty stretch of container shows its two side
 * walls only (two corrugated steel sheets crossed by the beam), and their
 * level, measured below as the residual stage measures `wall`, is
 * 0.088-0.148 on raw scans of every training build at 6 and 9 MeV (median
 * 0.12 over 200 harbour and inland scans; 0.069-0.09 on classic's 4 MeV
 * monochromatic rendering, whose walls are thinner). A display's inverse
 * must map the walls' code back to WALL_A; the walls' spread makes the
 * estimated parameter good to about +-20% (5-95%: -17%..+21%). */
#define WALL_A 0.12
/* Plausible readings of the walls under each display, as the walls' A read
 * linearly (x = ln(I0 / walls)): linear x in [0.075, 0.2] (the lightest
 * training walls less 15%; beyond 0.2 the walls are hidden by load); gamma
 * G = WALL_A / x in [1.6, 3.2] (CRT to print-like; below 1.6 a gamma display
 * cannot be told from a linear one with light walls); log Amax in [4.5, 16]
 * (a log display over less than the 8-bit linear range, ln 255 = 5.5, is
 * pointless; beyond 16 the walls are within 2 codes of white). */
#define X_LINEAR_MIN 0.075
#define X_LINEAR_MAX 0.2
#define X_GAMMA_MIN (WALL_A / 3.2)
#define AMAX_MIN 4.5
#define AMAX_MAX 16.0
/* The noise evidence (ln of the dark-to-bright noise ratio): Poisson noise
 * makes sigma_A grow as e^(A/2), so a log display's noise in codes grows
 * towards dark by e^(Amax dc / 2K) (a factor 5 or more between the walls
 * and codes 100 below them for Amax >= 4.5), a gamma display's is nearly
 * flat (c^(1 - G/2)) and a linear display's shrinks (sqrt c). */
#define RHO_LOG 1.0
#define RHO_NOT_LOG 0.4

/* Where the walls are read: the middle 60% of the box height (clear of the
 * roof and floor bands), 20 cm in from the ends; cells of tile / 8 pixels
 * (~2 cm, the residual stage's cells), each the mean of at most 3 x 3 of
 * its pixels. A strip's level is its cells' 80th percentile (the residual's
 * 20th percentile of A along a row: a load filling most of the length still
 * leaves the walls visible), the walls' the 90th percentile over the strips
 * (its 10th over rows: the freest rows), both interpolated between order
 * statistics. */
#define WALL_STRIPS 64
#define WALL_CELLS 384
#define WALL_CELL_Q 0.8
#define WALL_STRIP_Q 0.9
#define END_MARGIN_MM 200.0
/* The noise: at most this many 8x8 blocks (on the JPEG block grid), each
 * giving its mean code and its noise from the 49 mixed second differences
 * p(x,y) - p(x+1,y) - p(x,y+1) + p(x+1,y+1), which cancel row and column
 * stripes (detector gains, linac pulses) and smooth gradients. */
#define NOISE_BLOCKS 1024
/* On a remapped display a cell's noise is at least this many codes
 * (through the display): a JPEG leaves flat regions a code or two off the
 * value, and the residual stage's 6 sigma is then 2.4 codes. */
#define QUANT_SIGMA_CODES 0.4

double lscan__display_a(uint32_t display, double param, double t)
{
    if (t < 0.5) t = 0.5;
    switch (display) {
    case LSCAN__DISPLAY_GAMMA: return param * log(65535.0 / t);
    case LSCAN__DISPLAY_LOG: return param * (1.0 - t / 65535.0);
    default: return log(65535.0 / t);
    }
}

static float quantile(float *v, size_t n, double q)
{
    return lscan__select_f(v, n, (size_t)(q * (double)(n - 1)));
}

/* The q-quantile of v[0..n) (n >= 1) interpolated between the two order
 * statistics around it, reordering v. */
static double quantile_i(float *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t k = (size_t)pos;
    double lo = lscan__select_f(v, n, k);
    if (k + 1 >= n) return lo;
    /* After the selection v[k+1..n) holds the larger values. */
    float hi = v[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (v[i] < hi) hi = v[i];
    return lo + (pos - (double)k) * ((double)hi - lo);
}

double lscan__calib_walls(const lscan_image *img, uint16_t xm, const lscan_box *bx, float pitch_mm,
                          uint32_t tile)
{
    float tmp[WALL_STRIPS + WALL_CELLS];
    const uint32_t end_px = pitch_mm > 0 ? (uint32_t)(END_MARGIN_MM / pitch_mm + 0.5) : 0;
    uint32_t cell = tile / 8 > 1 ? tile / 8 : 1;
    const uint32_t bh = bx->y1 - bx->y0;
    const uint32_t ya = bx->y0 + bh / 5, yb = bx->y1 - bh / 5;
    const uint32_t xa = bx->x0 + end_px, xb = bx->x1 > end_px ? bx->x1 - end_px : 0;
    if (yb < ya + cell || xb < xa + 8 * cell) return -1;
    const uint32_t step = cell > 3 ? cell / 3 : 1;
    const uint32_t strips = (yb - ya) / cell < WALL_STRIPS ? (yb - ya) / cell : WALL_STRIPS;
    const uint32_t cells = (xb - xa) / cell < WALL_CELLS ? (xb - xa) / cell : WALL_CELLS;
    float *strip = tmp, *cv = tmp + WALL_STRIPS;
    const size_t stride = img->stride;
    for (uint32_t k = 0; k < strips; k++) {
        uint32_t y =
            ya + (uint32_t)((uint64_t)(yb - ya - cell) * k / (strips > 1 ? strips - 1 : 1));
        for (uint32_t j = 0; j < cells; j++) {
            uint32_t x =
                xa + (uint32_t)((uint64_t)(xb - xa - cell) * j / (cells > 1 ? cells - 1 : 1));
            uint32_t sum = 0, m = 0;
            for (uint32_t dy = step / 2; dy < cell; dy += step) {
                const uint16_t *p = img->plane[0] + (size_t)(y + dy) * stride + x;
                for (uint32_t dx = step / 2; dx < cell; dx += step, m++)
                    sum += (uint16_t)(p[dx] ^ xm);
            }
            cv[j] = (float)sum / (float)m;
        }
        strip[k] = (float)quantile_i(cv, cells, WALL_CELL_Q);
    }
    return quantile_i(strip, strips, WALL_STRIP_Q);
}

/* The noise evidence: ln((dark + eps) / (bright + eps)) of the blocks'
 * noise (each level's lower quartile: flat blocks show the noise alone),
 * bright = blocks from 8% of full scale below the walls up to 1.5 codes
 * under the air, dark = the darkest populated band of codes more than 30%
 * of full scale below the walls (above the clipped floor). eps (0.3 code)
 * keeps a level that JPEG quantised to no noise at all finite. NAN when a
 * side has too few blocks. tmp: 3 * NOISE_BLOCKS floats. */
static double noise_ratio(const lscan_image *img, uint16_t xm, uint32_t q, const lscan_box *bx,
                          double walls, double air, float *tmp)
{
    const uint32_t x0 = (bx->x0 + 7) & ~7u, y0 = (bx->y0 + 7) & ~7u;
    if (bx->x1 < x0 + 8 || bx->y1 < y0 + 8) return NAN;
    const uint32_t nbx = (bx->x1 - x0) / 8, nby = (bx->y1 - y0) / 8;
    uint32_t sstep = 1;
    while ((uint64_t)((nbx + sstep - 1) / sstep) * ((nby + sstep - 1) / sstep) > NOISE_BLOCKS)
        sstep++;
    float *mean = tmp, *sig = tmp + NOISE_BLOCKS, *sel = tmp + 2 * NOISE_BLOCKS;
    size_t nb = 0;
    const size_t stride = img->stride;
    for (uint32_t by = 0; by < nby; by += sstep)
        for (uint32_t bxi = (by / sstep) % 2 ? sstep / 2 : 0; bxi < nbx && nb < NOISE_BLOCKS;
             bxi += sstep) {
            const uint16_t *p = img->plane[0] + (size_t)(y0 + 8 * by) * stride + x0 + 8 * bxi;
            int32_t v[64];
            uint32_t sum = 0;
            for (int j = 0; j < 8; j++)
                for (int i = 0; i < 8; i++) {
                    v[j * 8 + i] = (uint16_t)(p[(size_t)j * stride + i] ^ xm);
                    sum += (uint32_t)v[j * 8 + i];
                }
            uint32_t dev = 0, grad = 0;
            for (int j = 0; j < 7; j++)
                for (int i = 0; i < 7; i++) {
                    const int32_t *u = v + j * 8 + i;
                    int32_t r = u[0] - u[1] - u[8] + u[9], gx = u[1] - u[0], gy = u[8] - u[0];
                    dev += (uint32_t)(r < 0 ? -r : r);
                    grad += (uint32_t)(gx < 0 ? -gx : gx) + (uint32_t)(gy < 0 ? -gy : gy);
                }
            /* Noise-dominated blocks only: for independent pixels E|r| =
             * 1.596 sigma and E|dx| = E|dy| = 1.128 sigma; an edge, a
             * gradient or texture raises the first differences (which they
             * do not cancel) far above the mixed ones. Flat blocks (a JPEG
             * that kept no noise) pass with sigma 0. */
            if ((double)grad / 2.0 > 1.2 * (double)dev + 49.0 * 0.5 * q) continue;
            mean[nb] = (float)sum / 64.0f;
            sig[nb] = (float)dev / 49.0f * 0.6267f;
            nb++;
        }
    const size_t min_n = nb / 100 > 12 ? nb / 100 : 12;
    /* Bright: near the walls. */
    size_t k = 0;
    for (size_t i = 0; i < nb; i++)
        if (mean[i] >= walls - 0.08 * 65535.0 && mean[i] <= air - 1.5 * q) sel[k++] = sig[i];
    if (k < min_n) return NAN;
    const double bright = quantile(sel, k, 0.25);
    /* Dark: the darkest band (in eighths of full scale) with enough blocks,
     * above the floor (6/255 of full scale) and well below the walls. */
    const double lo = 6.0 / 255.0 * 65535.0, hi = walls - 0.3 * 65535.0;
    for (int band = 0; band < 8; band++) {
        double b0 = band * 65535.0 / 8, b1 = (band + 1) * 65535.0 / 8;
        if (b0 < lo) b0 = lo;
        if (b1 > hi) break;
        k = 0;
        for (size_t i = 0; i < nb; i++)
            if (mean[i] >= b0 && mean[i] < b1) sel[k++] = sig[i];
        if (k >= min_n) {
            /* Both below 0.3 code: a JPEG kept no noise anywhere, which
             * says nothing about the display. */
            const double dark = quantile(sel, k, 0.25), eps = 0.3 * q;
            if (dark < eps && bright < eps) return NAN;
            return log((dark + eps) / (bright + eps));
        }
    }
    return NAN;
}

/* Fills the image's table for a display: every code exactly, the values
 * between codes (which an 8-bit source never holds) interpolated. */
static void build_lut(uint16_t *lut, uint32_t display, double param, uint32_t q)
{
    uint32_t prev_v = 0;
    double prev_a = lscan__display_a(display, param, 0.0);
    for (uint32_t k = 1;; k++) {
        uint32_t v = k * q > 65535u ? 65535u : k * q;
        double a = lscan__display_a(display, param, (double)v);
        for (uint32_t u = prev_v; u <= v; u++) {
            double t = v > prev_v ? (double)(u - prev_v) / (double)(v - prev_v) : 0.0;
            long r = lround(LSCAN__A_ONE * (prev_a + t * (a - prev_a)));
            lut[u] = (uint16_t)(r < 0 ? 0 : r > LSCAN__A_MAX ? LSCAN__A_MAX : r);
        }
        if (v == 65535u) break;
        prev_v = v;
        prev_a = a;
    }
    lut[65536] = 0; /* gather padding, as in the shared table */
}

/* The noise floor's threshold through the display (calib.c step 7, read in
 * the display's attenuation): the pile beyond A = 7 gives the floor's level
 * when there is one, else the darkest 0.05% of the sample; "at the floor" is
 * twice that level plus a few codes, and never below A = min(7, the
 * input's range - 0.7). */
static void floor_through_display(const uint32_t *hist, uint64_t n, lscan__calib *c)
{
    const uint16_t xm = c->xor_mask;
    const uint32_t d = c->display, q = c->quantum;
    const double p = c->display_param, a0 = lscan__display_a(d, p, c->air_level);
    uint64_t want = (uint64_t)ceil(0.0005 * (double)n), cum = 0, pile = 0;
    if (want < 1) want = 1;
    double nf = 65535;
    for (uint32_t t = 0; t < 65536; t++) {
        cum += hist[t ^ xm];
        if (cum >= want) {
            nf = t;
            break;
        }
    }
    /* The pile: transmission values up to lim, where the display shows
     * A >= 7 (none when the display ends before A = 7). */
    const double a7 = a0 + 7.0;
    double tl = d == LSCAN__DISPLAY_LOG     ? 65535.0 * (1.0 - a7 / p)
                : d == LSCAN__DISPLAY_GAMMA ? 65535.0 * exp(-a7 / p)
                                            : 65535.0 * exp(-a7);
    const uint32_t lim = tl >= 0 ? (uint32_t)tl : 0;
    if (tl >= 0)
        for (uint32_t t = 0; t <= lim; t++)
            pile += hist[t ^ xm];
    if (pile * 5000 >= n && pile > 0) {
        uint64_t half = (pile + 1) / 2;
        cum = 0;
        for (uint32_t t = 0; t <= lim; t++) {
            cum += hist[t ^ xm];
            if (cum >= half) {
                nf = t;
                break;
            }
        }
    }
    const double thr_t = 2.0 * nf + 3.0 + q;
    double a_thr = lscan__display_a(d, p, thr_t) - a0;
    double a_cap = lscan__display_a(d, p, q) - a0 - 0.7;
    if (a_cap > 7.0) a_cap = 7.0;
    if (a_thr < a_cap) a_thr = a_cap;
    if (a_thr < 0.5) a_thr = 0.5;
    long ft = lround(a_thr * LSCAN__A_ONE);
    c->floor_thr = (uint16_t)(ft > LSCAN__A_MAX ? LSCAN__A_MAX : ft < 1 ? 1 : ft);
    c->noise_floor = (float)nf;
}

int lscan__calib_display(lscan_ctx *ctx, const lscan_image *img, const lscan_box *box,
                         float pitch_mm, uint32_t tile, struct lscan__feat_scratch *s,
                         lscan__calib *c)
{
    const uint32_t bits = img->src_bits;
    if (bits < 1 || bits > 8) return LSCAN_OK; /* raw: never remapped */
    const uint32_t q = c->quantum;
    const uint16_t xm = c->xor_mask;
    float tmp[3 * NOISE_BLOCKS];
    const double walls = lscan__calib_walls(img, xm, box, pitch_mm, tile);
    const double air = c->air_level;
    uint32_t display = LSCAN__DISPLAY_LINEAR;
    double param = 1.0;
    bool unclear = true;
    c->display_wall = 0;
    c->display_noise = NAN;
    if (walls > 0 && air > walls) {
        const double x = log(air / walls);
        const double rho = noise_ratio(img, xm, q, box, walls, air, tmp);
        const bool log_like = rho >= RHO_LOG, not_log = rho <= RHO_NOT_LOG;
        const double gamma = WALL_A / x;
        /* Amax in codes of the display: A = Amax (air - t) / full scale. */
        const double amax = WALL_A * 65535.0 / (air - walls);
        c->display_wall = (float)x;
        c->display_noise = (float)rho;
        if (x >= X_LINEAR_MIN) {
            /* Walls where a linear display puts them: linear, settled unless
             * the noise grows towards dark like a log display's. Beyond
             * X_LINEAR_MAX the walls are hidden by load, and only the noise
             * can settle it. */
            unclear = x <= X_LINEAR_MAX ? log_like : !not_log;
        } else if (x >= X_GAMMA_MIN) {
            if (!log_like) display = LSCAN__DISPLAY_GAMMA, param = gamma, unclear = false;
        } else if (amax >= AMAX_MIN && amax <= AMAX_MAX) {
            /* Walls within a few codes of white: no linear or gamma display
             * puts steel there; a log display unless the noise says
             * otherwise (no noise evidence does not). */
            if (!not_log) display = LSCAN__DISPLAY_LOG, param = amax, unclear = false;
        }
        /* Otherwise (gamma beyond 3.2 or Amax below 4.5, or the walls
         * within 2 codes of white): unclear, read as linear. */
    }
    c->display = display;
    c->display_param = (float)param;
    c->flags |= display == LSCAN__DISPLAY_GAMMA ? LSCAN_CALIB_DISPLAY_GAMMA
                : display == LSCAN__DISPLAY_LOG ? LSCAN_CALIB_DISPLAY_LOG
                                                : LSCAN_CALIB_DISPLAY_LINEAR;
    if (unclear) c->flags |= LSCAN_CALIB_DISPLAY_UNCLEAR;
    if (display == LSCAN__DISPLAY_LINEAR) {
        /* The one reason to doubt that a cropped export's white is air:
         * its walls are white too (within a code), as when an export was
         * stretched to its brightest interior. Air is then put one wall's
         * attenuation above them, read linearly. */
        if ((c->flags & LSCAN_CALIB_NO_AIR_MARGIN) && !(c->flags & LSCAN_CALIB_GIVEN_I0) &&
            walls > 0 && walls >= air - q) {
            c->air_level = (float)(walls * exp(WALL_A));
            c->flags |= LSCAN_CALIB_DISPLAY_UNCLEAR;
            for (uint32_t y = 0; y < img->height; y++)
                c->row_off[y] = (int32_t)lround(
                    LSCAN__A_ONE * log((double)c->air_level * c->row_gain[y] / 65535.0));
            floor_through_display(s->hist, c->sample_n, c);
        }
        return LSCAN_OK; /* the shared table reads it */
    }

    if (!s->lut_img) {
        s->lut_img = malloc(LSCAN__LUT_SIZE * sizeof *s->lut_img);
        if (!s->lut_img)
            return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate a display table");
    }
    build_lut(s->lut_img, display, param, q);
    c->lut = s->lut_img;
    /* Row levels were measured as codes: through the display, a row's air
     * is an offset in A (a detector gain g shows as -ln g). Rows more than
     * 0.08 from the median row's air (the 8% calibration allows in
     * transmission) keep gain 1: on a log display 8% of the codes is ~0.8 A,
     * a margin that holds something other than air. */
    const double a_air = lscan__display_a(display, param, c->air_level);
    for (uint32_t y = 0; y < img->height; y++) {
        double a_row =
            lscan__display_a(display, param, (double)c->air_level * c->row_gain[y]) - a_air;
        if (!(fabs(a_row) <= 0.08)) a_row = 0;
        c->row_gain[y] = (float)exp(-a_row);
        c->row_off[y] = (int32_t)lround(-LSCAN__A_ONE * (a_air + a_row));
    }
    floor_through_display(s->hist, c->sample_n, c);
    return LSCAN_OK;
}

double lscan__calib_code_sigma(const lscan_analysis *an, double a)
{
    /* Remapped displays only: a linear display's table is the raw one, and
     * its measured noise model is left as it was. */
    const uint32_t f = an->calib.flags;
    if (!(f & (LSCAN_CALIB_DISPLAY_GAMMA | LSCAN_CALIB_DISPLAY_LOG))) return 0.0;
    /* dA per unit of u = t / full scale, times one code's width in u. */
    const double p = an->calib.display_param, du = (double)an->quantum / 65535.0;
    const double da = f & LSCAN_CALIB_DISPLAY_LOG ? p : p * exp(a / p);
    return QUANT_SIGMA_CODES * da * du;
}
