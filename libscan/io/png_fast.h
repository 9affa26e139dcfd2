/* png_fast.h — the PNG decoders behind lscan__png_decode: the libdeflate path and libpng. */
#ifndef LSCAN_PNG_FAST_H
#define LSCAN_PNG_FAST_H

#include "../core/internal.h"

/* Returned by lscan__png_fast_decode for a file it leaves to libpng; nothing
 * is recorded on the context and nothing stays allocated. Never a public
 * status (those are >= 0). */
#define LSCAN__PNG_DEFER (-1)

/* The fast path: non-interlaced 8/16-bit grey and grey+alpha PNGs whose
 * critical chunks are exactly IHDR, IDAT... (consecutive), IEND. Returns
 * LSCAN_OK with *out set, an error status recorded on ctx (TRUNCATED,
 * CHECKSUM, CORRUPT, TOO_LARGE, BAD_DIMENSIONS, NO_MEMORY, chosen as the
 * libpng path would), or LSCAN__PNG_DEFER for anything else, including
 * damaged compressed data whose diagnosis libpng owns. */
int lscan__png_fast_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                           const lscan_load_options *o, lscan_image **out);

/* The libpng path alone (every PNG libpng reads). */
int lscan__png_libpng_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                             const lscan_load_options *o, lscan_image **out);

#endif
