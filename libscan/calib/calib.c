/* calib.c — calibration: blank/over-exposed checks, polarity, air level I0, per-row gain, noise
 * floor, LUT. */
#include "features/feat.h"

#include <math.h>
#include <string.h>

void lscan__calib_build_lut(uint16_t *lut)
{
    /* A relative to full scale; the per-row offset ln(I0 g / 65535) brings
     * it to the row's air level, so one table serves every image. */
    for (uint32_t v = 0; v < 65536; v++) {
        double d = v ? (double)v : 0.5;
        long r = lround((double)LSCAN__A_ONE * log(65535.0 / d));
        lut[v] = (uint16_t)(r > LSCAN__A_MAX ? LSCAN__A_MAX : r);
    }
    lut[65536] = 0; /* padding for 32-bit gathers at the last entry */
}

/* The k-th smallest of a[0..n) (k < n); reorders a. Quickselect with a
 * median-of-three pivot: no callbacks, no allocation. */
static uint16_t select_k(uint16_t *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint16_t x = a[lo], y = a[mid], z = a[hi];
        uint16_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i <= j) {
                uint16_t t = a[i];
                a[i] = a[j];
                a[j] = t;
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
            return a[k];
    }
    return a[k];
}

/* The transmission-domain quantile q of the sample histogram h (65536
 * bins, then 256 sums of 256 bins each): the smallest t = v ^ xor_mask
 * whose cumulative count reaches q * n (at least 1). For an inverted image
 * the bins are walked from the top. */
static uint32_t hist_pct_t(const uint32_t *h, uint64_t n, double q, uint16_t xor_mask)
{
    const uint32_t *blk = h + 65536;
    uint64_t want = (uint64_t)ceil(q * (double)n);
    if (want < 1) want = 1;
    uint64_t cum = 0;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t b = xor_mask ? 255 - i : i;
        if (cum + blk[b] < want) {
            cum += blk[b];
            continue;
        }
        for (uint32_t j = 0; j < 256; j++) {
            uint32_t v = xor_mask ? b * 256 + 255 - j : b * 256 + j;
            cum += h[v];
            if (cum >= want) return v ^ xor_mask;
        }
    }
    return 65535;
}

/* Statistics of an edge band: the median and interquartile range of each
 * line (row or column) of samples, from the image edge inwards. Robust
 * statistics: a column of the margin may cross a trailer's end in a few
 * rows and still be air. 16 lines of 48 samples are plenty. */
/* A row whose air level is this far from its neighbours' is defective. */
#define BAD_ROW_FRACTION 0.03f
#define BAND_LINES 16
#define LINE_SAMPLES 48
struct band {
    uint32_t lines;           /* lines measured, edge first */
    uint16_t med[BAND_LINES]; /* line medians, raw (stored) values */
    uint16_t iqr[BAND_LINES]; /* line interquartile ranges */
};

static void measure_band(const lscan_image *img, int side, uint32_t depth, struct band *b)
{
    const uint16_t *px = img->plane[0];
    const size_t stride = img->stride;
    const uint32_t w = img->width, h = img->height;
    const bool horizontal = side < 2; /* 0 top, 1 bottom: lines are rows */
    const uint32_t len = horizontal ? w : h;
    const uint32_t lstep = depth > BAND_LINES ? (depth + BAND_LINES - 1) / BAND_LINES : 1;
    const uint32_t sstep = len > LINE_SAMPLES ? (len + LINE_SAMPLES - 1) / LINE_SAMPLES : 1;
    uint16_t tmp[LINE_SAMPLES];
    b->lines = 0;
    for (uint32_t d = 0; d < depth && b->lines < BAND_LINES; d += lstep) {
        uint32_t line = side == 0 || side == 2 ? d : (horizontal ? h : w) - 1 - d;
        size_t n = 0;
        for (uint32_t i = sstep / 2; i < len && n < LINE_SAMPLES; i += sstep)
            tmp[n++] = horizontal ? px[(size_t)line * stride + i] : px[(size_t)i * stride + line];
        uint16_t q1 = select_k(tmp, n, n / 4);
        uint16_t q3 = select_k(tmp, n, (3 * n) / 4);
        b->med[b->lines] = select_k(tmp, n, n / 2);
        b->iqr[b->lines] = (uint16_t)(q3 - q1);
        b->lines++;
    }
}

/* Is the band, read with xor_mask, a band of air over its first `lines`
 * lines? Air is uniform (line levels agree within gain stripes, small
 * spread within lines) and about as bright as the brightest pixels of the
 * image (>= 85% of `top`, the sample's 99th percentile in this polarity,
 * allowing for gain stripes). A quantised input's air is moreover the
 * brightest thing in it, within two codes and its own noise (2 IQR) of
 * `top`: the end frames and walls of a log-mapped export cropped to the
 * container lie a few to a few tens of codes below white and are as flat
 * as air. On success *level and *noise (relative std) are set. */
static bool band_is_air(const struct band *b, uint32_t lines, uint16_t xor_mask, uint32_t top,
                        uint32_t quantum, float *level, float *noise)
{
    const uint32_t bright = top * 85 / 100;
    if (lines == 0 || lines > b->lines) return false;
    uint16_t tmp[BAND_LINES], iq[BAND_LINES];
    for (uint32_t i = 0; i < lines; i++) {
        tmp[i] = (uint16_t)(b->med[i] ^ xor_mask);
        iq[i] = b->iqr[i];
    }
    double L = select_k(tmp, lines, lines / 2);
    double I = select_k(iq, lines, lines / 2);
    if (L < 1024.0 || L < (double)bright) return false;
    double tol = 0.08 * L + 8.0 * quantum;
    for (uint32_t i = 0; i < lines; i++)
        if (fabs((double)(uint16_t)(b->med[i] ^ xor_mask) - L) > tol) return false;
    if (I > 0.10 * L + 8.0 * quantum) return false;
    if (quantum >= 257 && L + 2.0 * I + 2.0 * quantum < (double)top) return false;
    *level = (float)L;
    *noise = (float)(I / 1.349 / L);
    return true;
}

static uint32_t clampu(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int lscan__calibrate(lscan_ctx *ctx, const lscan_image *img, const lscan_analyze_options *o,
                     struct lscan__feat_scratch *s, lscan__calib *c)
{
    const uint32_t w = img->width, h = img->height;
    const size_t stride = img->stride;
    const uint16_t *px = img->plane[0];
    memset(c, 0, sizeof *c);
    c->lut = s->lut;
    c->display = LSCAN__DISPLAY_RAW;
    c->display_noise = NAN;
    c->row_gain = s->row_gain;
    c->row_off = s->row_off;
    c->row_thr = s->row_thr;
    c->row_bad = s->row_bad;
    memset(c->row_bad, 0, h);
    const uint32_t bits = img->src_bits;
    c->quantum = lscan__code_step(img);
    const uint32_t q = c->quantum;

    /* 1. A histogram of a sample of at most 128 rows x 512 columns, with
     * sums of 256-bin blocks for quick quantiles. */
    uint32_t *hist = s->hist;
    memset(hist, 0, (65536 + 256) * sizeof *hist);
    const uint32_t sy = h > 128 ? h / 128 : 1, sx = w > 512 ? w / 512 : 1;
    uint64_t n = 0;
    for (uint32_t y = sy / 2; y < h; y += sy) {
        const uint16_t *row = px + (size_t)y * stride;
        for (uint32_t x = sx / 2; x < w; x += sx)
            hist[row[x]]++;
        n += (w - sx / 2 + sx - 1) / sx;
    }
    c->sample_n = n;
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t sum = 0;
        for (uint32_t j = 0; j < 256; j++)
            sum += hist[b * 256 + j];
        hist[65536 + b] = sum;
    }

    /* 2. Polarity as far as known: the caller's, else the image's own. */
    uint32_t pol = o->polarity != LSCAN_POLARITY_AUTO ? o->polarity : img->polarity;
    uint16_t xor_mask = pol == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0;

    /* 3. Over-exposed or blank: judged in the transmission domain (raw when
     * the polarity is still unknown). */
    uint64_t sat = 0;
    for (uint32_t v = 65280; v < 65536; v++)
        sat += hist[v ^ xor_mask];
    if ((double)sat >= 0.6 * (double)n)
        return lscan__error(ctx, LSCAN_ERR_OVEREXPOSED, "%.0f%% of the pixels are saturated",
                            100.0 * (double)sat / (double)n);
    uint32_t tlo = hist_pct_t(hist, n, 0.005, xor_mask), thi = hist_pct_t(hist, n, 0.995, xor_mask);
    if (thi <= 255u + q)
        return lscan__error(ctx, LSCAN_ERR_BLANK, "image is black (99.5%% of pixels <= %u)", thi);
    if (thi - tlo < 512u)
        return lscan__error(ctx, LSCAN_ERR_BLANK, "image is uniform (99%% of pixels in %u..%u)",
                            tlo, thi);

    /* 4. Air bands at the four edges: thick bands (1/12 of the side) may
     * decide the polarity; thin ones (1/48) only give the air level of a
     * known polarity, since a cropped export's roof rail or corner post can
     * look like a thin band of inverted air. */
    struct band bands[4];
    uint32_t thick[4], thin[4];
    for (int side = 0; side < 4; side++) {
        uint32_t len = side < 2 ? h : w;
        thick[side] = clampu(len / 12, 2, 160);
        thin[side] = clampu(len / 48, 2, 64);
        if (thick[side] > len / 3) thick[side] = len / 3;
        if (thin[side] > thick[side]) thin[side] = thick[side];
        measure_band(img, side, thick[side], &bands[side]);
    }
    if (pol == LSCAN_POLARITY_AUTO) {
        uint32_t votes_t = 0, votes_a = 0;
        bool top_t = false, top_a = false;
        uint32_t p99_t = hist_pct_t(hist, n, 0.99, 0);
        uint32_t p99_a = hist_pct_t(hist, n, 0.99, 0xffff);
        for (int side = 0; side < 4; side++) {
            float lv, nz;
            if (thick[side] < 2) continue;
            bool t = band_is_air(&bands[side], bands[side].lines, 0, p99_t, q, &lv, &nz);
            bool a = band_is_air(&bands[side], bands[side].lines, 0xffff, p99_a, q, &lv, &nz);
            votes_t += t;
            votes_a += a;
            if (side == 0) top_t = t, top_a = a;
        }
        /* A tie is settled by the band above the container, where scans
         * always have air (a dark uniform band at the bottom can be the
         * ground or the portal's shielding); otherwise it is refused. */
        if (votes_a > votes_t || (votes_a == votes_t && votes_a > 0 && top_a && !top_t)) {
            pol = LSCAN_POLARITY_ATTENUATION;
            c->flags |= LSCAN_CALIB_POLARITY_DETECTED;
        } else if (votes_t > votes_a || (votes_t == votes_a && votes_t > 0 && top_t && !top_a)) {
            pol = LSCAN_POLARITY_TRANSMISSION;
            c->flags |= LSCAN_CALIB_POLARITY_DETECTED;
        } else if (votes_t > 0) {
            return lscan__error(ctx, LSCAN_ERR_CALIBRATION,
                                "polarity ambiguous: %u edge bands look like bright air, %u like "
                                "dark air",
                                votes_t, votes_a);
        } else {
            pol = LSCAN_POLARITY_TRANSMISSION; /* the native convention */
        }
        xor_mask = pol == LSCAN_POLARITY_ATTENUATION ? 0xffff : 0;
    }
    c->polarity = pol;
    c->xor_mask = xor_mask;

    /* 5. Air level: from the edge bands that are air in this polarity. */
    uint32_t top = hist_pct_t(hist, n, 0.99, xor_mask);
    bool air[4] = {false, false, false, false};
    float air_lv[4] = {0}, air_nz[4] = {0};
    for (int side = 0; side < 4; side++) {
        struct band *b = &bands[side];
        /* The thick band first, then the thin lines nearest the edge. */
        uint32_t thin_lines;
        uint32_t lstep = thick[side] > BAND_LINES ? (thick[side] + BAND_LINES - 1) / BAND_LINES : 1;
        thin_lines = (thin[side] + lstep - 1) / lstep;
        if (thin_lines > b->lines) thin_lines = b->lines;
        air[side] = band_is_air(b, b->lines, xor_mask, top, q, &air_lv[side], &air_nz[side]) ||
                    band_is_air(b, thin_lines, xor_mask, top, q, &air_lv[side], &air_nz[side]);
    }
    /* A scan has air above the container (below it on a bottom-up array).
     * A display export without air at its top or bottom edge, the brightest
     * there within a code and its own spread, is cropped to the container:
     * those edges show the roof rail and the floor (a log display puts the
     * floor a few codes below white), and its end frames, as flat as air
     * and the brightest pixels after the walls, are not air either. */
    if (q >= 257) {
        bool edge_air = false;
        for (int side = 0; side < 2; side++) {
            const float iqr = 1.349f * air_nz[side] * air_lv[side];
            edge_air |= air[side] && air_lv[side] + iqr + (float)q >= (float)top;
        }
        if (!edge_air) air[0] = air[1] = air[2] = air[3] = false;
    }
    float lv_sum = 0, nz_sum = 0, nz[4];
    uint32_t n_air = 0;
    for (int side = 0; side < 4; side++)
        if (air[side]) {
            lv_sum += air_lv[side];
            nz_sum += air_nz[side];
            nz[n_air++] = air_nz[side];
        }
    /* A quantised input's noise is the air bands' median: a display's air
     * is clipped flat at white, and one band that passed for air with a few
     * codes of spread (a cab or chassis end in a side margin) would lift
     * the location threshold above walls two codes below white. */
    if (n_air >= 3 && bits >= 1 && bits <= 8) {
        for (uint32_t i = 1; i < n_air; i++)
            for (uint32_t j = i; j > 0 && nz[j - 1] > nz[j]; j--) {
                float t = nz[j];
                nz[j] = nz[j - 1];
                nz[j - 1] = t;
            }
        float med = n_air % 2 ? nz[n_air / 2] : 0.5f * (nz[n_air / 2 - 1] + nz[n_air / 2]);
        nz_sum = med * (float)n_air;
    }

    /* 6. Per-row levels from the air before and after the container. */
    for (uint32_t y = 0; y < h; y++)
        c->row_gain[y] = 1.0f;
    float i0 = n_air ? lv_sum / (float)n_air : 0.0f;
    if (air[2] || air[3]) {
        uint32_t nvalid = 0;
        const float noise_abs = i0 * (n_air ? nz_sum / (float)n_air : 0.0f);
        uint16_t *level = s->row_level, *valid = s->row_valid;
        for (uint32_t y = 0; y < h; y++) {
            if ((y & 255) == 255 && lscan__deadline_passed(ctx))
                return lscan__deadline_error(ctx, "calibration");
            const uint16_t *row = px + (size_t)y * stride;
#if defined(__GNUC__)
            /* Rows are far apart: fetch the margins a few rows ahead. */
            if (y + 8 < h) {
                __builtin_prefetch(row + 8 * stride);
                __builtin_prefetch(row + 8 * stride + w - 1);
            }
#endif
            /* Per side, the median of the thin band nearest the edge; a
             * trailer end or tow bar reaching into one margin only darkens
             * that side, so when the sides disagree the brighter is air. */
            float side_lv[2] = {0, 0};
            for (int side = 2; side < 4; side++) {
                if (!air[side]) continue;
                /* 32 columns per side put the row level within ~0.2%. */
                uint32_t d = thin[side] < 32 ? thin[side] : 32;
                const uint16_t *p0 = side == 2 ? row : row + (w - d);
                uint64_t s1 = 0;
                for (uint32_t i = 0; i < d; i++)
                    s1 += (uint16_t)(p0[i] ^ xor_mask);
                /* Mean, then the mean of the samples within 4 sigma of the
                 * air noise (or 3%) of it: air is Gaussian-like, a chassis
                 * end or a speck is an outlier. */
                float m1 = (float)s1 / (float)d;
                float tol = 4.0f * noise_abs > 0.03f * m1 ? 4.0f * noise_abs : 0.03f * m1;
                uint32_t lo = m1 > tol ? (uint32_t)(m1 - tol) : 0, hi = (uint32_t)(m1 + tol);
                uint64_t s2 = 0, n2 = 0;
                for (uint32_t i = 0; i < d; i++) {
                    uint32_t v = (uint16_t)(p0[i] ^ xor_mask);
                    bool in = v >= lo && v <= hi;
                    s2 += in ? v : 0;
                    n2 += in;
                }
                side_lv[side - 2] = n2 * 2 >= d ? (float)s2 / (float)n2 : 0.0f;
            }
            float lv;
            if (side_lv[0] > 0 && side_lv[1] > 0 && fabsf(side_lv[0] - side_lv[1]) <= 0.03f * i0)
                lv = 0.5f * (side_lv[0] + side_lv[1]);
            else
                lv = side_lv[0] > side_lv[1] ? side_lv[0] : side_lv[1];
            level[y] = (uint16_t)(lv + 0.5f);
            /* A row whose margins are not air (both ends of a trailer) keeps
             * gain 1 rather than a wrong one: detector gains are flat-fielded
             * to a few percent. */
            if (fabsf((float)level[y] - i0) <= 0.08f * i0) valid[nvalid++] = level[y];
        }
        /* A defective detector row (dead, or hot: an offset) stands out
         * from the rows around it in the air, where gains agree within a
         * few tenths of a percent: its signal is not a gain away from the
         * truth, so its attenuation is taken from its neighbours. */
        for (uint32_t y = 0; y < h; y++) {
            uint16_t nb[6];
            uint32_t k = 0;
            for (long d = -3; d <= 3; d++) {
                long yy = (long)y + d;
                if (d && yy >= 0 && yy < (long)h && level[yy]) nb[k++] = level[yy];
            }
            if (k < 3 || !level[y]) continue;
            float m = select_k(nb, k, k / 2);
            if (fabsf((float)level[y] - m) > BAD_ROW_FRACTION * m) {
                c->row_bad[y] = 1;
                c->bad_rows++;
            }
        }
        if (nvalid > 0) {
            /* I0 is the median row's level; gains are relative to it. */
            float med = select_k(valid, nvalid, nvalid / 2);
            for (uint32_t y = 0; y < h; y++)
                if (fabsf((float)level[y] - i0) <= 0.08f * i0)
                    c->row_gain[y] = (float)level[y] / med;
            i0 = med;
            c->flags |= LSCAN_CALIB_ROW_GAIN;
        }
    }
    c->air_noise = n_air ? nz_sum / (float)n_air : 0.0f;
    if (n_air == 0) {
        /* Cropped to the container. A quantised input (8 bits or fewer) is
         * a display export, and displays put air at white by construction:
         * its air level is full scale (in this polarity). The brightest
         * pixels of a cropped export are the side walls (A ~ 0.1 in every
         * build), and everything measured against them would lose that
         * much. A raw input keeps the brightest open space inside the box:
         * its air counts are the scanner's and nothing in the image says
         * where they were. */
        c->flags |= LSCAN_CALIB_NO_AIR_MARGIN;
        i0 = bits >= 1 && bits <= 8 ? 65535.0f : (float)hist_pct_t(hist, n, 0.99, xor_mask);
    }
    if (o->air_level > 0) {
        i0 = o->air_level;
        c->flags |= LSCAN_CALIB_GIVEN_I0;
    }
    if (!(i0 >= 64.0f))
        return lscan__error(ctx, LSCAN_ERR_CALIBRATION, "air level %.1f is too low to calibrate",
                            (double)i0);
    c->air_level = i0;

    /* 7. Noise floor: the median of the pile of pixels beyond A = 7 when
     * there is one, else the level of the darkest 0.05% of the sample (an
     * impenetrable 20x20 cm patch is ~0.1% of a scan). Pixels at the floor
     * scatter around it by tens of percent, so "at the floor" reaches twice
     * that level plus a few codes of the input's own step (8-bit exports end
     * near A = ln 255). Without a floor pile the darkest pixels are dense
     * cargo: the threshold never drops below A = min(7, ln(I0/step) - 0.7). */
    double nf = hist_pct_t(hist, n, 0.0005, xor_mask);
    {
        /* With a pile beyond A = 7 (>= 0.02% of the sample), its median is
         * the floor's level. */
        uint32_t lim = (uint32_t)((double)i0 * exp(-7.0));
        uint64_t cnt = 0;
        for (uint32_t v = 0; v <= lim; v++)
            cnt += hist[v ^ xor_mask];
        if (cnt * 5000 >= n && cnt > 0) {
            uint64_t half = (cnt + 1) / 2, cum = 0;
            for (uint32_t v = 0; v <= lim; v++) {
                cum += hist[v ^ xor_mask];
                if (cum >= half) {
                    nf = v;
                    break;
                }
            }
        }
    }
    double thr_i = 2.0 * nf + 3.0 + q;
    double a_thr = log((double)i0 / thr_i);
    double a_cap = log((double)i0 / q) - 0.7;
    if (a_cap > 7.0) a_cap = 7.0;
    if (a_thr < a_cap) a_thr = a_cap;
    if (a_thr < 0.5) a_thr = 0.5;
    long ft = lround(a_thr * LSCAN__A_ONE);
    c->floor_thr = (uint16_t)(ft > LSCAN__A_MAX ? LSCAN__A_MAX : ft < 1 ? 1 : ft);
    double cap_level = (double)i0 * exp(-a_cap);
    c->noise_floor = (float)(nf < cap_level ? nf : cap_level);

    /* 8. Per-row offsets to the fixed-point table, and the location
     * threshold: "not air" is at least tau darker than the row's air: 3
     * sigma of the air noise keeps false "dark" pixels in air near 0.1%
     * while an empty container's side walls (A ~ 0.1) still count. */
    if (lscan__deadline_passed(ctx)) return lscan__deadline_error(ctx, "calibration");
    double tau = 3.0 * c->air_noise;
    /* Quantised sources (8-bit exports): a display mapping may leave the
     * walls only a few codes below air (a log display: 2-4), and the
     * quantised air shows no noise; walls two codes below air must count
     * (the threshold sits half a code above them), which is still clear of
     * a flat air band. */
    double tau_min = c->quantum > 1 ? log((double)i0 / ((double)i0 - 1.5 * c->quantum)) : 0.02;
    if (!(tau_min > 0) || tau_min > 0.02) tau_min = 0.02;
    if (tau < tau_min) tau = tau_min;
    double et = exp(-tau);
    for (uint32_t y = 0; y < h; y++) {
        double lvl = (double)i0 * c->row_gain[y];
        c->row_off[y] = (int32_t)lround((double)LSCAN__A_ONE * log(lvl / 65535.0));
        double t = lvl * et;
        c->row_thr[y] = (uint16_t)(t > 65535.0 ? 65535 : t < 1.0 ? 1 : t);
    }
    return LSCAN_OK;
}

