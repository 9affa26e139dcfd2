/* internal.h — declarations shared by libscan's modules; never installed. */
#ifndef LSCAN_INTERNAL_H
#define LSCAN_INTERNAL_H

#include "libscan.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define LSCAN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LSCAN_PRINTF(a, b)
#endif

#define LSCAN_MSG_MAX 512
#define LSCAN__SCANNER_MAX 64
#define LSCAN_PATH_MAX 1024

struct lscan_ctx {
    int err_code;
    char err_msg[LSCAN_MSG_MAX];
    char err_path[LSCAN_PATH_MAX];
    bool err_has_path;
    char err_full[LSCAN_MSG_MAX + LSCAN_PATH_MAX + 4];
    uint32_t cpu_disabled; /* LSCAN_PARAM_DISABLE_CPU_FEATURES */
    uint32_t cpu_active;   /* detected & ~disabled */
    int64_t time_budget_ms;
    double deadline;       /* lscan__now() past which the current input stops; 0 = none */
    double deadline_start; /* when the current input's budget started */
    int deadline_depth;    /* entry points sharing the current input's deadline */
    uint64_t mem_budget;   /* LSCAN_PARAM_MEMORY_BUDGET in bytes; 0 = none */
    const struct lscan__kernels *kernels; /* chosen from cpu_active (features/dispatch.c) */
    struct lscan__feat_scratch *feat;     /* calibration/feature scratch, reused between images */
    void *ws[3];                          /* decoder workspaces (lscan__ws_get), kept between images */
    size_t ws_cap[3];
    uint32_t ws_busy; /* bit per slot holding data in use (the file being decoded): never shed */
};

/* Image-sized decoder buffers a context keeps between images, so that a
 * folder of scans costs no image-sized allocation, and no page faults on
 * fresh memory, after the first image of a given size. */
enum lscan__ws_slot {
    LSCAN__WS_FILE = 0,    /* the encoded file (lscan_image_load) */
    LSCAN__WS_INFLATE = 1, /* inflated PNG rows (io/png_fast.c) */
    LSCAN__WS_IDAT = 2,    /* concatenated IDAT data (io/png_fast.c) */
    LSCAN__WS_COUNT = 3
};
/* A buffer of at least `size` bytes (contents undefined), or NULL when out
 * of memory (nothing recorded on ctx). Valid until the next call for the
 * same slot or lscan__ws_done. */
void *lscan__ws_get(lscan_ctx *ctx, enum lscan__ws_slot slot, size_t size);
/* Ends a use of the slot: buffers beyond LSCAN__WS_KEEP_MAX bytes, or a
 * quarter of the memory budget, are freed rather than kept (a rare huge scan
 * must not pin its memory). */
void lscan__ws_done(lscan_ctx *ctx, enum lscan__ws_slot slot);
#define LSCAN__WS_KEEP_MAX ((size_t)256 << 20)

/* -- Memory budget (core/budget.c) ----------------------------------------
 * Every stage that allocates in proportion to its input (decoders, the
 * analysis, the decision) states its peak need before it allocates, and
 * lscan__mem_admit checks it against the context's budget, counting what the
 * context keeps between images too (workspaces, analysis scratch). */
typedef struct lscan__mem_need {
    size_t ws[LSCAN__WS_COUNT]; /* workspace bytes the call will ask for (0 = slot unused) */
    size_t feat;                /* analysis scratch (lscan__feat_scratch) it will reserve */
    size_t other;               /* everything else it allocates: image planes, codec state,
                                   analysis and decision arrays */
    bool keep_feat;             /* the feature scratch holds data in use: never freed */
} lscan__mem_need;

/* Checks a call's peak need against the budget. Busy workspaces count at
 * their capacity. When what the context keeps plus the need would exceed
 * the budget, the kept buffers the call does not hold in use are freed first
 * (they are made again at the sizes needed). Returns LSCAN_OK, or records
 * LSCAN_ERR_TOO_LARGE "<what> needs X MiB, memory budget Y MiB" on ctx.
 * `what` names the input and stage, e.g. "PNG 14000x14000". */
int lscan__mem_admit(lscan_ctx *ctx, const lscan__mem_need *need, const char *what_fmt, ...)
    LSCAN_PRINTF(3, 4);
/* The library's text formats (core/text.c: model files, material calibrations).
 * A growable buffer: appends that fail mark it failed instead of returning. */
typedef struct lscan__text {
    char *p;
    size_t len, cap;
    bool failed;
} lscan__text;
void lscan__text_put(lscan__text *t, const char *fmt, ...) LSCAN_PRINTF(2, 3);
/* FNV-1a, 64 bits, continuing from h (LSCAN__FNV_OFFSET to start). */
#define LSCAN__FNV_OFFSET 0xcbf29ce484222325ull
uint64_t lscan__fnv1a(uint64_t h, const void *data, size_t n);
/* A strict line reader: lscan__lines_next takes the next line into buf (line
 * points at it), refusing a missing final newline, control characters and
 * lines longer than buf; errors read "<what> line N: ...". */
typedef struct lscan__lines {
    lscan_ctx *ctx;
    const char *what;
    const char *start, *p, *end;
    const char *line;
    unsigned lineno;
    char buf[4096];
} lscan__lines;
int lscan__lines_next(lscan__lines *ls);
int lscan__lines_error(lscan__lines *ls, int code, const char *fmt, ...) LSCAN_PRINTF(3, 4);
/* Writes the bytes to path whole; LSCAN_ERR_IO with the path on failure. */
int lscan__write_file(lscan_ctx *ctx, const char *path, const char *data, size_t len);
/* Reads at most max + 1 bytes of path (one more than a format allows, so that its parser
 * sees an over-long file) into *out (malloc'd, the caller frees). LSCAN_ERR_IO or
 * LSCAN_ERR_NO_MEMORY on failure, without the path (the caller adds it after parsing). */
int lscan__read_file(lscan_ctx *ctx, const char *path, size_t max, char **out, size_t *len);

/* Bytes the context keeps between images: workspaces and analysis scratch. */
size_t lscan__mem_kept(const lscan_ctx *ctx);
/* Saturating size arithmetic for need estimates (a need that overflows is
 * simply too large). */
static inline size_t lscan__size_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}
static inline size_t lscan__size_mul(size_t a, size_t b)
{
    return a != 0 && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

/* -- Time budget (core/budget.c) ------------------------------------------
 * One deadline per input: decoding, calibration, location, features and the
 * decision of one input share the context's LSCAN_PARAM_TIME_BUDGET_MS. The
 * outermost entry point starts it (lscan_screen_file and the batch engine
 * before decoding, lscan_image_load, lscan_analyze or lscan_screen when
 * called alone); nested ones leave it running. Every begin has its end. */
void lscan__deadline_begin(lscan_ctx *ctx);
void lscan__deadline_end(lscan_ctx *ctx);
/* True when the current input ran past its budget: one clock read, so call
 * it per band of rows, not per pixel. */
static inline bool lscan__deadline_passed(const lscan_ctx *ctx);
/* Records LSCAN_ERR_TIME_BUDGET "time budget of N ms ran out during <stage>
 * (after M ms)" on ctx and returns it. */
int lscan__deadline_error(lscan_ctx *ctx, const char *stage);

/* Calibration and features (libscan/features): the kernel table for a CPU
 * feature mask, and the release of a context's scratch. */
struct lscan__kernels;
struct lscan__feat_scratch;
const struct lscan__kernels *lscan__kernels_for(uint32_t cpu_features);
void lscan__features_ctx_release(lscan_ctx *ctx);
/* Bytes of the context's feature scratch (0 when none). */
size_t lscan__features_ctx_bytes(const lscan_ctx *ctx);

struct lscan_image {
    uint32_t width, height;
    uint32_t channels;        /* 1, or 2 for dual energy */
    size_t stride;            /* samples between rows, same for every plane */
    const uint16_t *plane[2]; /* plane 0 = (high energy) transmission, 1 = low energy */
    uint16_t *owned;          /* memory this image frees (NULL when borrowed) */
    uint32_t src_bits, src_channels, src_format;
    uint32_t flags;    /* lscan_image_flag */
    uint32_t polarity; /* lscan_polarity */
    /* Colour sources (LSCAN_IMAGE_FROM_COLOR): the pixels whose colour has a
     * clear chroma (lscan__has_chroma8), counted by the decoder while it
     * converted them to luminance; chroma_counted says it did. The scan
     * check (features/gate.c) refuses colour images by their share. */
    uint64_t chroma_px;
    bool chroma_counted;
    char scanner[LSCAN__SCANNER_MAX]; /* the device that made it ("" unknown): PNG "Source" */
};

/* Sets the image's scanner name (truncated to LSCAN__SCANNER_MAX - 1 bytes;
 * control characters end it). */
void lscan__image_set_scanner(lscan_image *img, const char *name);

/* The source's code step in 16-bit units: 257 for 8-bit sources (x257),
 * 1 for 16-bit ones. */
static inline uint32_t lscan__code_step(const struct lscan_image *img)
{
    uint32_t bits = img->src_bits;
    return bits >= 1 && bits < 16 ? 65535u / ((1u << bits) - 1u) : 1u;
}

/* A pixel has a clear chroma when its largest and smallest RGB components
 * differ by at least this many 8-bit codes (~9% of full scale): grey stored
 * as RGB has none, a JPEG's near-neutral chroma a few codes at most, while a
 * colour photo or a pseudo-colour palette has tens of codes. */
#define LSCAN__CHROMA_MIN 24
static inline bool lscan__has_chroma8(uint32_t r, uint32_t g, uint32_t b)
{
    uint32_t hi = r > g ? r : g, lo = r < g ? r : g;
    hi = b > hi ? b : hi;
    lo = b < lo ? b : lo;
    return hi - lo >= LSCAN__CHROMA_MIN;
}
/* The same on 16-bit components (8-bit codes x 257). */
static inline bool lscan__has_chroma16(uint32_t r, uint32_t g, uint32_t b)
{
    uint32_t hi = r > g ? r : g, lo = r < g ? r : g;
    hi = b > hi ? b : hi;
    lo = b < lo ? b : lo;
    return hi - lo >= LSCAN__CHROMA_MIN * 257u;
}

/* Records a failure on ctx and returns `code`. The message is prefixed with
 * nothing; lscan__error_path sets the path that lscan_ctx_error_message
 * prefixes ("path: message"). Safe with ctx == NULL (just returns code). */
int lscan__error(lscan_ctx *ctx, int code, const char *fmt, ...) LSCAN_PRINTF(3, 4);
int lscan__verror(lscan_ctx *ctx, int code, const char *fmt, va_list ap);
void lscan__error_path(lscan_ctx *ctx, const char *path);
/* Clears the last error (called at the start of each public entry point). */
void lscan__error_clear(lscan_ctx *ctx);

/* Effective options: opts or the defaults, validated. */
int lscan__load_options(lscan_ctx *ctx, const lscan_load_options *opts, lscan_load_options *out);

/* Checks width x height x channels against the limits before allocating:
 * LSCAN_ERR_BAD_DIMENSIONS for zero sizes, LSCAN_ERR_TOO_LARGE beyond. */
int lscan__check_dimensions(lscan_ctx *ctx, const lscan_load_options *o, uint64_t width,
                            uint64_t height);

/* Allocates an owned image of the given size with uninitialised pixels. */
int lscan__image_new(lscan_ctx *ctx, uint32_t width, uint32_t height, uint32_t channels,
                     lscan_image **out);
/* Mutable access to an owned image's plane (NULL for borrowed images). */
uint16_t *lscan__image_plane_mut(lscan_image *img, uint32_t plane);

/* Monotonic time in seconds, for per-stage timings. */
double lscan__now(void);

static inline bool lscan__deadline_passed(const lscan_ctx *ctx)
{
    return ctx && ctx->deadline > 0 && lscan__now() > ctx->deadline;
}

/* Checked size arithmetic: return false on overflow. */
static inline bool lscan__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return false;
    *out = a * b;
    return true;
}

/* Decoders (libscan/io). Each fills *out with a new owned image, or returns
 * an error recorded on ctx; none returns a partly decoded image. */
int lscan__png_decode(lscan_ctx *ctx, const uint8_t *data, size_t size, const lscan_load_options *o,
                      lscan_image **out);
int lscan__jpeg_decode(lscan_ctx *ctx, const uint8_t *data, size_t size,
                       const lscan_load_options *o, lscan_image **out);
/* Encodes 8-bit grey rows (stride bytes apart) as a baseline JPEG of
 * `quality` (1..100) into a new buffer (*out, *out_size; free with free()).
 * LSCAN_ERR_CODEC_DISABLED without libjpeg. */
int lscan__jpeg_encode_gray(lscan_ctx *ctx, const uint8_t *px, uint32_t width, uint32_t height,
                            size_t stride, int quality, uint8_t **out, size_t *out_size);
int lscan__pnm_decode(lscan_ctx *ctx, const uint8_t *data, size_t size, const lscan_load_options *o,
                      lscan_image **out);

/* Writes a grey (channels 1) or grey+alpha (2) PNG of 8 or 16 bits through
 * libpng; fill(user, y, row) writes row y in PNG byte order. zlib level
 * 0..9, or -1 for 6. A failed write removes the file. */
int lscan__png_write(lscan_ctx *ctx, const char *path, uint32_t width, uint32_t height, int bits, int channels,
                     int level, void (*fill)(void *user, uint32_t y, uint8_t *row), void *user);

/* Applies the load-time normalisation shared by all decoders: inversion
 * when the polarity option says ATTENUATION, unless the decoder already
 * inverted while converting (it then sets LSCAN_IMAGE_INVERTED). */
void lscan__image_finish(lscan_image *img, const lscan_load_options *o);

#endif
