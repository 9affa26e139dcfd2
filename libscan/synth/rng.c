/* rng.c — random streams: splitmix64 seeding, xoshiro256**, counter-based hashing. */
#include "synth.h"

/* splitmix64 (Steele, Lea, Flood 2014): the recommended seeder for xoshiro. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void lscan__synth_rng_seed(lscan__rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream id in before expanding, so that streams of one seed and
     * equal streams of neighbouring seeds start far apart. */
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
    x = splitmix64(&x) ^ stream;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

/* xoshiro256** 1.0 (Blackman, Vigna 2018). */
uint64_t lscan__synth_rng_next(lscan__rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double lscan__synth_uniform(lscan__rng *r)
{
    return (double)(lscan__synth_rng_next(r) >> 11) * 0x1.0p-53;
}

double lscan__synth_range(lscan__rng *r, double lo, double hi)
{
    return lo + (hi - lo) * lscan__synth_uniform(r);
}

int lscan__synth_int(lscan__rng *r, int lo, int hi)
{
    uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo) + 1;
    /* Multiply-shift range reduction (Lemire); the bias for spans this small
     * is far below anything a generated scan could show. */
    uint64_t x = lscan__synth_rng_next(r) >> 32;
    return lo + (int)((x * span) >> 32);
}

bool lscan__synth_chance(lscan__rng *r, double p)
{
    return lscan__synth_uniform(r) < p;
}

float lscan__synth_bits_normal(uint64_t b)
{
    /* Sum of four independent uniform 16-bit integers: mean 131070,
     * variance 4 * (65536^2 - 1) / 12; standardised by an exact constant. */
    uint32_t sum = (uint32_t)(b & 0xffff) + (uint32_t)((b >> 16) & 0xffff) +
                   (uint32_t)((b >> 32) & 0xffff) + (uint32_t)(b >> 48);
    return (float)((int32_t)sum - 131070) * (float)(1.0 / 37837.2270);
}

double lscan__synth_normal(lscan__rng *r)
{
    return (double)lscan__synth_bits_normal(lscan__synth_rng_next(r));
}

uint64_t lscan__synth_hash(uint64_t key, uint64_t counter)
{
    uint64_t z = key + (counter + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
