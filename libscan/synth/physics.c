/* physics.c — deterministic exp/log, materials, XCOM energy dependence, linac spectra. */
#include "synth.h"

#include <string.h>

/*
 * Why not libm: exp() and log() are not required to be correctly rounded,
 * and glibc, musl, macOS and MSVC differ in the last bit for some inputs.
 * A single differing bit can move a pixel across a rounding boundary, and the
 * generator promises byte-identical files everywhere. These versions use only
 * +, -, *, / and integer bit manipulation, which IEEE-754 defines exactly
 * (the project builds with -ffp-contract=off, so no fused multiply-adds).
 */

static double scale2(double x, int k)
{
    /* x * 2^k through the exponent bits, in two steps for the subnormal end. */
    union {
        double d;
        uint64_t u;
    } f;
    if (k < -1000) {
        f.u = (uint64_t)(1023 - 1000) << 52;
        x *= f.d;
        k += 1000;
    }
    if (k > 1023) k = 1023;
    f.u = (uint64_t)(k + 1023) << 52;
    return x * f.d;
}

double lscan__synth_exp(double x)
{
    if (!(x > -700.0)) return 0.0; /* also NaN -> 0: callers pass attenuations */
    if (x > 700.0) x = 700.0;
    static const double inv_ln2 = 1.44269504088896338700;
    static const double ln2_hi = 6.93147180369123816490e-01; /* exact in 32 bits */
    static const double ln2_lo = 1.90821492927058770002e-10;
    double t = x * inv_ln2;
    int k = (int)(t < 0 ? t - 0.5 : t + 0.5);
    double r = (x - k * ln2_hi) - k * ln2_lo; /* |r| <= 0.3466 */
    /* Taylor series to r^13 / 13!: truncation < 3e-18 relative. */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return scale2(p, k);
}

double lscan__synth_log(double x)
{
    if (!(x > 0.0)) return -745.0; /* callers pass transmissions; clamp, never NaN */
    union {
        double d;
        uint64_t u;
    } f = {x};
    int e = (int)((f.u >> 52) & 0x7ff);
    if (e == 0) { /* subnormal: normalise first */
        f.d = x * 0x1.0p54;
        e = (int)((f.u >> 52) & 0x7ff) - 54;
    }
    e -= 1023;
    f.u = (f.u & 0x000fffffffffffffull) | 0x3ff0000000000000ull; /* m in [1, 2) */
    double m = f.d;
    if (m > 1.41421356237309504880) {
        m *= 0.5;
        e += 1;
    }
    /* log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716. */
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double p = 1.0 / 23.0;
    p = p * s2 + 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    static const double ln2 = 0.69314718055994530942;
    return 2.0 * s * p + e * ln2;
}

/*
 * Mass attenuation coefficients mu/rho (cm^2/g) at 4 MeV, rounded from the
 * NIST tables of Hubbell & Seltzer (NIST Standard Reference Database 126,
 * NISTIR 5632; the same values XCOM gives for total attenuation with
 * coherent scattering). 4 MeV is a typical effective energy of a 6 MeV
 * linac's filtered bremsstrahlung; the generator ignores beam hardening (the
 * spectrum's shift to higher energy behind thick matter), which real
 * scanners show as a slightly sub-linear attenuation at large thickness.
 * Compounds: organic ~ cellulose/protein mixes (between water and
 * polyethylene), wood ~ cellulose, rubber ~ polyisoprene + carbon black,
 * glass ~ borosilicate, concrete ~ NIST "ordinary concrete", sand ~ SiO2.
 * Densities are those of the solid; cargo uses packed/effective densities.
 */
static const lscan__material_info materials[LSCAN__MAT_COUNT] = {
    [LSCAN__MAT_STEEL] = {"steel", 0.0331, 7.87, LSCAN__BASIS_IRON},
    [LSCAN__MAT_LEAD] = {"lead", 0.0420, 11.35, LSCAN__BASIS_LEAD},
    [LSCAN__MAT_ALUMINIUM] = {"aluminium", 0.0310, 2.70, LSCAN__BASIS_LIGHT},
    [LSCAN__MAT_COPPER] = {"copper", 0.0331, 8.96, LSCAN__BASIS_IRON},
    [LSCAN__MAT_WATER] = {"water", 0.0340, 1.00, LSCAN__BASIS_ORGANIC},
    [LSCAN__MAT_ORGANIC] = {"organic", 0.0340, 1.10, LSCAN__BASIS_ORGANIC},
    [LSCAN__MAT_PLASTIC] = {"plastic", 0.0354, 0.94, LSCAN__BASIS_ORGANIC},
    [LSCAN__MAT_WOOD] = {"wood", 0.0336, 0.60, LSCAN__BASIS_ORGANIC},
    [LSCAN__MAT_RUBBER] = {"rubber", 0.0343, 1.15, LSCAN__BASIS_ORGANIC},
    [LSCAN__MAT_GLASS] = {"glass", 0.0314, 2.23, LSCAN__BASIS_LIGHT},
    [LSCAN__MAT_CONCRETE] = {"concrete", 0.0318, 2.30, LSCAN__BASIS_LIGHT},
    [LSCAN__MAT_SAND] = {"sand", 0.0318, 1.60, LSCAN__BASIS_LIGHT},
};

const lscan__material_info *lscan__synth_material(int mat)
{
    if (mat < 0 || mat >= LSCAN__MAT_COUNT) return &materials[LSCAN__MAT_WATER];
    return &materials[mat];
}

double lscan__synth_mu(int mat, double rho)
{
    /* cm^2/g * g/cm^3 = 1/cm; /10 for 1/mm. */
    return lscan__synth_material(mat)->mass_att * rho * 0.1;
}

double lscan__synth_mu_solid(int mat)
{
    return lscan__synth_mu(mat, lscan__synth_material(mat)->density);
}

/*
 * Energy dependence. mu/rho (cm^2/g, total attenuation with coherent
 * scattering) of the four basis materials at the energies of the NIST
 * tables (Hubbell & Seltzer, NIST SRD 126 / NISTIR 5632; XCOM gives the same
 * values). Between 1 and 10 MeV Compton scattering falls with energy for
 * every material while pair production (~Z^2 per atom) rises, so light
 * materials attenuate ever less at higher energy and lead ever more above
 * ~4 MeV: that difference is what dual-energy scanners measure. Materials map
 * to the nearest basis (lscan__material_info.basis): copper's curve is
 * within 2% of iron's, polyethylene's within 5% of water's, glass, concrete
 * and sand within 3% of aluminium's over 0.5-10 MeV.
 */
static const double energy_mev[LSCAN__SPECTRUM_BINS] = {0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10};
static const double basis_mu[LSCAN__BASIS_COUNT][LSCAN__SPECTRUM_BINS] = {
    [LSCAN__BASIS_ORGANIC] = {9.687e-2, 7.072e-2, 5.754e-2, 4.942e-2, 3.969e-2, 3.403e-2, 3.031e-2,
                              2.770e-2, 2.429e-2, 2.219e-2},
    [LSCAN__BASIS_LIGHT] = {8.445e-2, 6.146e-2, 5.006e-2, 4.324e-2, 3.541e-2, 3.106e-2, 2.836e-2,
                            2.655e-2, 2.437e-2, 2.318e-2},
    [LSCAN__BASIS_IRON] = {8.414e-2, 5.995e-2, 4.883e-2, 4.265e-2, 3.621e-2, 3.312e-2, 3.146e-2,
                           3.057e-2, 2.991e-2, 2.994e-2},
    [LSCAN__BASIS_LEAD] = {1.614e-1, 7.102e-2, 5.222e-2, 4.606e-2, 4.234e-2, 4.197e-2, 4.272e-2,
                           4.391e-2, 4.675e-2, 4.972e-2},
};
#define REF_BIN 5 /* 4 MeV: the energy of the material table above */
/* Bin edges: midway between the table's energies. */
static const double bin_edge[LSCAN__SPECTRUM_BINS + 1] = {0.25, 0.75, 1.25, 1.75, 2.5, 3.5,
                                                          4.5,  5.5,  7.0,  9.0,  11.0};

double lscan__synth_basis_mass_att(int basis, int k)
{
    if (basis < 0 || basis >= LSCAN__BASIS_COUNT || k < 0 || k >= LSCAN__SPECTRUM_BINS) return 0;
    return basis_mu[basis][k];
}

double lscan__synth_energy(int k)
{
    return k >= 0 && k < LSCAN__SPECTRUM_BINS ? energy_mev[k] : 0;
}

void lscan__synth_spectrum_make(lscan__spectrum *sp, double endpoint_mev, double filter_mm)
{
    memset(sp, 0, sizeof *sp);
    double e0 = endpoint_mev < 1.0 ? 1.0 : endpoint_mev > 10.0 ? 10.0 : endpoint_mev;
    sp->endpoint = e0;
    sp->filter = filter_mm;
    double total = 0;
    for (int k = 0; k < LSCAN__SPECTRUM_BINS; k++) {
        double lo = bin_edge[k], hi = bin_edge[k + 1] < e0 ? bin_edge[k + 1] : e0;
        if (hi <= lo) break;
        /* Integral of (E0 - E) over [lo, hi]. */
        double w = ((e0 - lo) * (e0 - lo) - (e0 - hi) * (e0 - hi)) * 0.5;
        w *= lscan__synth_exp(-basis_mu[LSCAN__BASIS_LEAD][k] * 11.35 * filter_mm * 0.1);
        sp->e[k] = energy_mev[k];
        sp->w[k] = w;
        for (int c = 0; c < LSCAN__BASIS_COUNT; c++)
            sp->r[c][k] = basis_mu[c][k] / basis_mu[c][REF_BIN];
        sp->n = k + 1;
        total += w;
    }
    for (int k = 0; k < sp->n; k++)
        sp->w[k] /= total;
}

double lscan__synth_spectrum_transmission(const lscan__spectrum *sp, const double *a)
{
    double t = 0;
    for (int k = 0; k < sp->n; k++) {
        double x = 0;
        for (int c = 0; c < LSCAN__BASIS_COUNT; c++)
            x += a[c] * sp->r[c][k];
        t += sp->w[k] * lscan__synth_exp(-x);
    }
    return t;
}

double lscan__synth_spectrum_attenuation(const lscan__spectrum *sp, const double *a)
{
    return -lscan__synth_log(lscan__synth_spectrum_transmission(sp, a));
}

void lscan__synth_fexp_init(lscan__fexp *f)
{
    for (int j = 0; j < 256; j++)
        f->t[j] = lscan__synth_exp(-0.69314718055994530942 * j / 256.0);
}
