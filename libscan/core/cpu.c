/* cpu.c — run-time CPU feature detection (cpuid + xgetbv on x86) and parsing of feature lists. */
#include "internal.h"

#include <ctype.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint32_t detect(void)
{
    uint32_t f = 0;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (d & bit_SSE2) f |= LSCAN_CPU_SSE2;
    /* AVX2 needs the CPU flag and the OS saving XMM+YMM state (OSXSAVE, XCR0 bits 1-2). */
    bool osxsave = (c & bit_OSXSAVE) != 0, avx = (c & bit_AVX) != 0;
    if (osxsave && avx) {
        uint32_t xlo, xhi;
        __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
        (void)xhi;
        if ((xlo & 6u) == 6u && __get_cpuid_max(0, NULL) >= 7) {
            __cpuid_count(7, 0, a, b, c, d);
            if (b & bit_AVX2) f |= LSCAN_CPU_AVX2;
        }
    }
    return f;
}
#elif defined(__aarch64__)
static uint32_t detect(void) { return LSCAN_CPU_NEON; }
#else
static uint32_t detect(void) { return 0; }
#endif

/* The one piece of global state the library has: a cache of a value that
 * never changes while the process runs. Racing first calls store the same
 * value. */
static _Atomic uint32_t cached = UINT32_MAX;

LSCAN_API uint32_t lscan_cpu_features(void)
{
    uint32_t f = atomic_load_explicit(&cached, memory_order_relaxed);
    if (f == UINT32_MAX) {
        f = detect();
        atomic_store_explicit(&cached, f, memory_order_relaxed);
    }
    return f;
}

static const struct {
    const char *name;
    uint32_t bit;
} feature_names[] = {{"sse2", LSCAN_CPU_SSE2}, {"avx2", LSCAN_CPU_AVX2}, {"neon", LSCAN_CPU_NEON}};

LSCAN_API int lscan_cpu_features_parse(const char *list, uint32_t *mask)
{
    if (!list || !mask) return LSCAN_ERR_INVALID_ARGUMENT;
    uint32_t m = 0;
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ') p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ') p++;
        size_t n = (size_t)(p - start);
        if (n == 0) continue;
        bool found = false;
        if (n == 4 && strncasecmp(start, "none", 4) == 0) found = true;
        for (size_t i = 0; !found && i < sizeof feature_names / sizeof feature_names[0]; i++) {
            if (strlen(feature_names[i].name) == n && strncasecmp(start, feature_names[i].name, n) == 0) {
                m |= feature_names[i].bit;
                found = true;
            }
        }
        if (!found) return LSCAN_ERR_INVALID_ARGUMENT;
    }
    *mask = m;
    return LSCAN_OK;
}
