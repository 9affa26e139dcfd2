/* fuzz.h — shared by the libFuzzer targets: the entry points, options drawn from an input's last byte, oracles. */
#ifndef LSCAN_FUZZ_H
#define LSCAN_FUZZ_H

#include "libscan.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points; replay.c calls them the same way without libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the library promises does not hold: stop loudly, so that
 * libFuzzer saves the input (abort is caught by its crash handler). */
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/*
 * Options come from the input's last byte (the libspng technique): the
 * fuzzer mutates them along with the data, and every seed ends with one
 * option byte (0 = the defaults) that the decoders never see.
 *   bits 0-1  polarity: AUTO, TRANSMISSION, ATTENUATION (3 = AUTO)
 *   bit  2    channels SINGLE instead of AUTO
 *   bits 3-4  limits: 4 Mpx / 64 kpx / 256 px per side / 1 px per side
 *   bit  5    run the target's differential oracle
 *   bits 6-7  target-specific
 * The largest limit stays far below the library's default so that a small
 * input claiming a huge (but allowed) image cannot make an iteration slow.
 */
struct fuzz_opts {
    lscan_load_options load;
    int oracle;
    unsigned extra;
};

static inline void fuzz_opts_from(uint8_t b, struct fuzz_opts *f)
{
    lscan_load_options_init(&f->load);
    unsigned pol = b & 3u;
    f->load.polarity = pol == 3 ? LSCAN_POLARITY_AUTO : pol;
    f->load.channels = (b & 4u) ? LSCAN_CHANNELS_SINGLE : LSCAN_CHANNELS_AUTO;
    static const uint64_t px[4] = {4u << 20, 64u << 10, 1u << 20, 1u << 22};
    static const uint32_t dim[4] = {1u << 16, 1u << 16, 256, 1};
    f->load.max_pixels = px[(b >> 3) & 3u];
    f->load.max_dimension = dim[(b >> 3) & 3u];
    f->oracle = (b >> 5) & 1u;
    f->extra = (b >> 6) & 3u;
}

/* The invariants of any decoded image, whatever the input. */
static inline void fuzz_check_image(const lscan_image *img, const lscan_load_options *o)
{
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    FUZZ_CHECK(w >= 1 && h >= 1);
    FUZZ_CHECK(w <= o->max_dimension && h <= o->max_dimension);
    FUZZ_CHECK((uint64_t)w * h <= o->max_pixels);
    uint32_t ch = lscan_image_channels(img);
    FUZZ_CHECK(ch == 1 || ch == 2);
    if (o->channels == LSCAN_CHANNELS_SINGLE) FUZZ_CHECK(ch == 1);
    if (o->polarity != LSCAN_POLARITY_AUTO)
        FUZZ_CHECK(lscan_image_polarity(img) == LSCAN_POLARITY_TRANSMISSION);
    for (uint32_t p = 0; p < ch; p++) {
        size_t stride = 0;
        const uint16_t *px = lscan_image_pixels(img, p, &stride);
        FUZZ_CHECK(px != NULL && stride >= w);
        /* Touch the first and last sample: ASan reports a short buffer. */
        volatile uint16_t s = px[0];
        s = px[(size_t)(h - 1) * stride + (w - 1)];
        (void)s;
    }
    FUZZ_CHECK(lscan_image_pixels(img, ch, NULL) == NULL);
}

/* Decodes data twice, as transmission and as attenuation, and checks that
 * the second is the exact complement of the first, plane by plane (with
 * `single`, the second keeps only plane 0 of a dual-energy pair): the decoders fuse inversion and
 * channel selection into their conversion loops, so each path can differ. */
static inline void fuzz_oracle(lscan_ctx *ctx, const uint8_t *data, size_t size,
                               const lscan_load_options *base, int single)
{
    lscan_load_options a = *base, b = *base;
    a.polarity = LSCAN_POLARITY_TRANSMISSION;
    a.channels = LSCAN_CHANNELS_AUTO;
    b.polarity = LSCAN_POLARITY_ATTENUATION;
    b.channels = single ? LSCAN_CHANNELS_SINGLE : LSCAN_CHANNELS_AUTO;
    lscan_image *ia = NULL, *ib = NULL;
    int ra = lscan_image_decode(ctx, data, size, &a, &ia);
    int rb = lscan_image_decode(ctx, data, size, &b, &ib);
    FUZZ_CHECK(ra == rb);
    if (ra == LSCAN_OK) {
        uint32_t w = lscan_image_width(ia), h = lscan_image_height(ia);
        FUZZ_CHECK(w == lscan_image_width(ib) && h == lscan_image_height(ib));
        uint32_t planes = lscan_image_channels(ib);
        FUZZ_CHECK(single ? planes == 1 : planes == lscan_image_channels(ia));
        for (uint32_t p = 0; p < planes; p++) {
            size_t sa, sb;
            const uint16_t *pa = lscan_image_pixels(ia, p, &sa), *pb = lscan_image_pixels(ib, p, &sb);
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++) {
                    uint32_t va = pa[(size_t)y * sa + x], vb = pb[(size_t)y * sb + x];
                    FUZZ_CHECK(va + vb == 65535u);
                }
        }
    }
    lscan_image_free(ia);
    lscan_image_free(ib);
}

#endif
