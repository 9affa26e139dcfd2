/* physics.c — deterministic exp/log and the material table (mass attenuation at ~4 MeV, densities). */
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
    [LSCAN__MAT_STEEL] = {"steel", 0.0331, 7.87},
    [LSCAN__MAT_LEAD] = {"lead", 0.0420, 11.35},
    [LSCAN__MAT_ALUMINIUM] = {"aluminium", 0.0310, 2.70},
    [LSCAN__MAT_COPPER] = {"copper", 0.0331, 8.96},
    [LSCAN__MAT_WATER] = {"water", 0.0340, 1.00},
    [LSCAN__MAT_ORGANIC] = {"organic", 0.0340, 1.10},
    [LSCAN__MAT_PLASTIC] = {"plastic", 0.0354, 0.94},
    [LSCAN__MAT_WOOD] = {"wood", 0.0336, 0.60},
    [LSCAN__MAT_RUBBER] = {"rubber", 0.0343, 1.15},
    [LSCAN__MAT_GLASS] = {"glass", 0.0314, 2.23},
    [LSCAN__MAT_CONCRETE] = {"concrete", 0.0318, 2.30},
    [LSCAN__MAT_SAND] = {"sand", 0.0318, 1.60},
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
