/* libscan.h — the one public header of libscan: X-ray cargo scan pre-screening. */
#ifndef LIBSCAN_H
#define LIBSCAN_H

/*
 * libscan decides, for each X-ray transmission scan of a cargo container,
 * RELEASE (no manual image review needed) or INSPECT (an officer must look).
 *
 * Conventions used throughout this header:
 *  - Every function that can fail returns an int status: LSCAN_OK (0) or a
 *    value of enum lscan_status. Details of the last failure (a decoder's own
 *    message, the file, the line of a model file) are kept on the context
 *    that failed: see lscan_ctx_error_message().
 *  - Objects are opaque handles made by *_new / *_load and released by
 *    *_free, which accept NULL.
 *  - Thread safety: a lscan_ctx is used by one thread at a time (one context
 *    per thread). Images are not modified by any analysis function and may be
 *    read from several threads. Functions without a context are thread-safe.
 *  - The library never prints, exits, aborts, reads the environment or
 *    changes the locale.
 *  - Structs that callers fill start with a `size` member; initialise them
 *    with the matching *_init() function so that a program built against an
 *    older header keeps working with a newer library.
 */

#include <stddef.h>
#include <stdint.h>

#include "libscan_version.h"

#if defined(_WIN32) && defined(LSCAN_BUILDING_DLL)
#define LSCAN_API __declspec(dllexport)
#elif defined(__GNUC__)
#define LSCAN_API __attribute__((visibility("default")))
#else
#define LSCAN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */
/* ------------------------------------------------------------------------ */

/* The library's version as "MAJOR.MINOR.PATCH". Compare with
 * LSCAN_VERSION_STRING to detect a header/library mismatch. Never NULL. */
LSCAN_API const char *lscan_version(void);

/* The library's version as LSCAN_VERSION_NUMBER does: MAJOR*10000 +
 * MINOR*100 + PATCH. */
LSCAN_API uint32_t lscan_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/* Values are pinned and never renumbered; groups leave gaps for additions.
 * Values below 1000 are stable across releases. */
typedef enum lscan_status {
    LSCAN_OK = 0,

    /* 1..19: caller and environment */
    LSCAN_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, out-of-range option */
    LSCAN_ERR_NO_MEMORY = 2,        /* an allocation failed */
    LSCAN_ERR_IO = 3,               /* a file could not be opened/read/written */
    LSCAN_ERR_NOT_A_FILE = 4,       /* the path names a directory or device */
    LSCAN_ERR_EMPTY_INPUT = 5,      /* zero-length file or buffer */
    LSCAN_ERR_INTERNAL = 6,         /* a bug in libscan: please report */

    /* 20..39: format */
    LSCAN_ERR_UNKNOWN_FORMAT = 20,  /* not PNG, JPEG or PNM */
    LSCAN_ERR_UNSUPPORTED = 21,     /* a valid file using a feature not supported */
    LSCAN_ERR_CODEC_DISABLED = 22,  /* the codec was not compiled in */

    /* 40..59: decoding */
    LSCAN_ERR_TRUNCATED = 40,       /* the data ends before the image does */
    LSCAN_ERR_CORRUPT = 41,         /* the stream is malformed */
    LSCAN_ERR_CHECKSUM = 42,        /* a CRC or Adler-32 check failed */
    LSCAN_ERR_BAD_HEADER = 43,      /* the header is malformed or inconsistent */

    /* 60..79: limits */
    LSCAN_ERR_TOO_LARGE = 60,       /* dimensions exceed the configured limits, or decoding
                                       or analysing the input would exceed the memory budget */
    LSCAN_ERR_BAD_DIMENSIONS = 61,  /* zero width/height, or sizes that overflow */
    LSCAN_ERR_TIME_BUDGET = 62,     /* the per-input time budget ran out */

    /* 80..99: calibration and analysis */
    LSCAN_ERR_BLANK = 80,           /* the image carries no signal */
    LSCAN_ERR_OVEREXPOSED = 81,     /* the image is saturated: nothing attenuates */
    LSCAN_ERR_NO_CONTAINER = 82,    /* no container could be located */
    LSCAN_ERR_CALIBRATION = 83,     /* the air level or polarity could not be set */

    /* 100..119: models */
    LSCAN_ERR_MODEL_SYNTAX = 100,   /* a model file line is malformed */
    LSCAN_ERR_MODEL_VERSION = 101,  /* unknown model format or version */
    LSCAN_ERR_MODEL_SCHEMA = 102,   /* the model's feature schema differs from the library's */
    LSCAN_ERR_MODEL_CHECKSUM = 103, /* the model file's checksum does not match */
    LSCAN_ERR_MODEL_VALUE = 104,    /* a value is non-finite, missing or out of range */
    LSCAN_ERR_TRAINING = 105,       /* training could not produce a model */

    /* 120..139: threads and batches */
    LSCAN_ERR_THREAD = 120,         /* a thread could not be started */
    LSCAN_ERR_CANCELLED = 121       /* the caller cancelled the work */
} lscan_status;

/* A one-line English description of a status code. Unknown codes give a
 * generic text. Never NULL; the string is static. Thread-safe. */
LSCAN_API const char *lscan_strerror(int status);

/* A short stable identifier of a status code for machine-readable output,
 * e.g. "truncated", "no_container". Never NULL; static. Thread-safe. */
LSCAN_API const char *lscan_status_name(int status);

/* ------------------------------------------------------------------------ */
/* CPU features                                                              */
/* ------------------------------------------------------------------------ */

typedef enum lscan_cpu_feature {
    LSCAN_CPU_SSE2 = 1u << 0,
    LSCAN_CPU_AVX2 = 1u << 1, /* reported only when the OS saves YMM state */
    LSCAN_CPU_NEON = 1u << 2
} lscan_cpu_feature;

/* The features of this CPU that libscan can use (a mask of lscan_cpu_feature).
 * Detected once and cached; thread-safe. */
LSCAN_API uint32_t lscan_cpu_features(void);

/* Parses a comma-separated list of feature names ("avx2,sse2", case
 * insensitive, "" or "none" for none) into a mask. Returns LSCAN_OK or
 * LSCAN_ERR_INVALID_ARGUMENT for an unknown name. Thread-safe. */
LSCAN_API int lscan_cpu_features_parse(const char *list, uint32_t *mask);

/* ------------------------------------------------------------------------ */
/* Context                                                                   */
/* ------------------------------------------------------------------------ */

/* A context holds per-thread scratch memory, the chosen SIMD kernels and the
 * details of the last error. Use one context per thread. */
typedef struct lscan_ctx lscan_ctx;

/* Creates a context; NULL when out of memory. */
LSCAN_API lscan_ctx *lscan_ctx_new(void);

/* Frees a context and its scratch memory; NULL is accepted. */
LSCAN_API void lscan_ctx_free(lscan_ctx *ctx);

/* Tunable context parameters, set with lscan_ctx_set_param(). */
typedef enum lscan_param {
    /* A mask of lscan_cpu_feature that this context must not use, so that
     * tests and benchmarks can force any kernel path. Default 0. */
    LSCAN_PARAM_DISABLE_CPU_FEATURES = 1,
    /* Per-input time budget in milliseconds; 0 = none. Default 0. One
     * deadline covers an input's decoding (PNG, JPEG, PNM), calibration,
     * location, features and decision: each checks it per band of rows, so
     * an input stops within a few milliseconds of it (libdeflate inflates a
     * PNG's data in one call, between two checks). The input then fails
     * with LSCAN_ERR_TIME_BUDGET and a message naming the stage. The budget
     * starts when lscan_screen_file or a batch worker starts the input (or
     * when lscan_image_load/_decode, lscan_analyze or lscan_screen is
     * called on its own). */
    LSCAN_PARAM_TIME_BUDGET_MS = 2,
    /* Memory budget in bytes: the most one input may cost this context;
     * 0 = none. Default LSCAN_DEFAULT_MEMORY_BUDGET (256 MiB), so that N
     * batch workers stay within N x 256 MiB. Decoders, the analysis and
     * the decision work out their peak need from the header and the
     * container box before they allocate (image planes, decoder buffers,
     * libjpeg's coefficient buffer for progressive files, the file itself
     * for lscan_image_load, analysis scratch and arrays, the pixels of an
     * image the library owns), counting what the context keeps between
     * images; an input that would exceed the budget fails with
     * LSCAN_ERR_TOO_LARGE and the message "<what> needs X MiB, memory
     * budget Y MiB" before anything of that size is allocated. Pixels a
     * caller lends (lscan_image_wrap of 16-bit pixels) are not counted;
     * the generator and overlays do not account. */
    LSCAN_PARAM_MEMORY_BUDGET = 3
} lscan_param;

/* Default of LSCAN_PARAM_MEMORY_BUDGET, also reported by `scan info`. */
#define LSCAN_DEFAULT_MEMORY_BUDGET ((uint64_t)256 << 20)

/* Sets a parameter. Returns LSCAN_ERR_INVALID_ARGUMENT for an unknown
 * parameter or a value out of range. Batch workers copy the parameters of
 * the context given to lscan_batch_new. */
LSCAN_API int lscan_ctx_set_param(lscan_ctx *ctx, lscan_param param, int64_t value);

/* Reads a parameter into *value. */
LSCAN_API int lscan_ctx_get_param(const lscan_ctx *ctx, lscan_param param, int64_t *value);

/* The CPU features this context actually uses: detected minus disabled. */
LSCAN_API uint32_t lscan_ctx_cpu_features(const lscan_ctx *ctx);

/* The status of the last failed call on this context (LSCAN_OK if none). */
LSCAN_API int lscan_ctx_error(const lscan_ctx *ctx);

/* A human-readable message for the last failure on this context, naming the
 * file (and model-file line) where known, e.g.
 * "scan.png: truncated: libpng: Read Error". Empty string if none; never
 * NULL. Valid until the next call that uses the context. */
LSCAN_API const char *lscan_ctx_error_message(const lscan_ctx *ctx);

/* The file the last failure concerned, or NULL when none. Valid until the
 * next call that uses the context. */
LSCAN_API const char *lscan_ctx_error_path(const lscan_ctx *ctx);

/* ------------------------------------------------------------------------ */
/* Images                                                                    */
/* ------------------------------------------------------------------------ */

/* An image of 16-bit transmission intensities (bright = air), with one plane
 * or, for dual-energy scans, two (plane 0 = high energy, plane 1 = low
 * energy). Immutable once made. */
typedef struct lscan_image lscan_image;

typedef enum lscan_format {
    LSCAN_FORMAT_UNKNOWN = 0,
    LSCAN_FORMAT_PNG = 1,
    LSCAN_FORMAT_JPEG = 2,
    LSCAN_FORMAT_PNM = 3,
    LSCAN_FORMAT_RAW = 4, /* a caller's pixel buffer (lscan_image_wrap) */
    LSCAN_FORMAT_SYNTH = 5 /* made by the synthetic generator */
} lscan_format;

typedef enum lscan_polarity {
    LSCAN_POLARITY_AUTO = 0,         /* decided by calibration from the air margins */
    LSCAN_POLARITY_TRANSMISSION = 1, /* bright = air (the native convention) */
    LSCAN_POLARITY_ATTENUATION = 2   /* bright = dense: inverted on load */
} lscan_polarity;

typedef enum lscan_channels {
    /* Grey stays grey; RGB(A) is converted to luminance (flagged
     * LSCAN_IMAGE_FROM_COLOR); a 2-channel image (grey+alpha in PNG) is read
     * as a dual-energy pair: channel 0 = high energy, channel 1 = low. */
    LSCAN_CHANNELS_AUTO = 0,
    /* Always one plane: colour to luminance, 2-channel keeps channel 0. */
    LSCAN_CHANNELS_SINGLE = 1
} lscan_channels;

/* Flags describing how an image was normalised on load. */
typedef enum lscan_image_flag {
    LSCAN_IMAGE_FROM_COLOR = 1u << 0,   /* colour converted to luminance */
    LSCAN_IMAGE_INVERTED = 1u << 1,     /* attenuation inverted to transmission */
    LSCAN_IMAGE_SCALED = 1u << 2,       /* sample values scaled to 16 bits */
    LSCAN_IMAGE_ALPHA_DROPPED = 1u << 3,/* an alpha channel was ignored */
    LSCAN_IMAGE_BORROWED = 1u << 4      /* pixels belong to the caller (wrap) */
} lscan_image_flag;

/* Default limits, also reported by `scan info`. */
#define LSCAN_DEFAULT_MAX_PIXELS 200000000u
#define LSCAN_DEFAULT_MAX_DIMENSION 1000000u

/* Options for loading, decoding and wrapping images. Initialise with
 * lscan_load_options_init(); a NULL options pointer means the defaults. */
typedef struct lscan_load_options {
    uint32_t size;          /* sizeof(lscan_load_options), set by init */
    uint32_t polarity;      /* lscan_polarity; default AUTO */
    uint32_t channels;      /* lscan_channels; default AUTO */
    uint32_t max_dimension; /* largest width or height; default LSCAN_DEFAULT_MAX_DIMENSION */
    uint64_t max_pixels;    /* largest width*height; default LSCAN_DEFAULT_MAX_PIXELS */
} lscan_load_options;

/* Fills *opts with the defaults and sets opts->size. */
LSCAN_API void lscan_load_options_init(lscan_load_options *opts);

/* Loads an image file (PNG, JPEG, PNM P2/P5; detected from its first bytes,
 * not its name). The size is checked against the limits before any pixel
 * memory is allocated; a file that cannot be decoded whole is refused, never
 * returned in part. On success *out owns a new image (free with
 * lscan_image_free); on failure *out is NULL and the context holds the
 * details. */
LSCAN_API int lscan_image_load(lscan_ctx *ctx, const char *path,
                               const lscan_load_options *opts, lscan_image **out);

/* Decodes an image held in memory; same formats and rules as
 * lscan_image_load. The buffer is not kept after the call returns. */
LSCAN_API int lscan_image_decode(lscan_ctx *ctx, const void *data, size_t size,
                                 const lscan_load_options *opts, lscan_image **out);

/* Makes an image of a caller's grey pixel buffer: `bits` is 8 or 16 (16-bit
 * samples in host byte order), `stride` is the distance between rows in
 * bytes (>= width * bits/8). 16-bit transmission pixels are referenced, not
 * copied: the buffer must stay valid and unchanged until lscan_image_free.
 * 8-bit pixels, and 16-bit pixels that must be inverted (polarity
 * ATTENUATION), are converted into memory the image owns. */
LSCAN_API int lscan_image_wrap(lscan_ctx *ctx, const void *pixels, uint32_t width,
                               uint32_t height, size_t stride, uint32_t bits,
                               const lscan_load_options *opts, lscan_image **out);

/* Frees an image; NULL is accepted. */
LSCAN_API void lscan_image_free(lscan_image *img);

LSCAN_API uint32_t lscan_image_width(const lscan_image *img);
LSCAN_API uint32_t lscan_image_height(const lscan_image *img);
/* 1 for grey, 2 for a dual-energy pair. */
LSCAN_API uint32_t lscan_image_channels(const lscan_image *img);
/* Bits per sample of the source (1, 2, 4, 8 or 16; 8 for JPEG). */
LSCAN_API uint32_t lscan_image_source_bits(const lscan_image *img);
/* Channels of the source before normalisation (1 grey, 2 grey+alpha, 3 RGB,
 * 4 RGBA; a palette image counts 3). */
LSCAN_API uint32_t lscan_image_source_channels(const lscan_image *img);
/* lscan_format of the source. */
LSCAN_API uint32_t lscan_image_source_format(const lscan_image *img);
/* A mask of lscan_image_flag. */
LSCAN_API uint32_t lscan_image_flags(const lscan_image *img);
/* Polarity as loaded: TRANSMISSION when known (given or inverted), AUTO
 * when calibration is still to decide. */
LSCAN_API uint32_t lscan_image_polarity(const lscan_image *img);

/* The 16-bit pixels of plane `plane` (0, or 1 for the low-energy plane of a
 * dual-energy image) and its row stride in samples (not bytes). NULL for a
 * plane that does not exist. The memory belongs to the image. */
LSCAN_API const uint16_t *lscan_image_pixels(const lscan_image *img, uint32_t plane,
                                             size_t *stride);

/* Writes the image as a 16-bit PNG (grey, or grey+alpha for a dual-energy
 * pair, high energy first) with zlib level `level` (0..9; -1 for the
 * default, 6). */
LSCAN_API int lscan_image_save_png(lscan_ctx *ctx, const lscan_image *img, const char *path,
                                   int level);

/* A half-open pixel rectangle [x0, x1) x [y0, y1), used by the analysis,
 * the generator's ground truth and the decisions (defined once, here). */
typedef struct lscan_box {
    uint32_t x0, y0, x1, y1;
} lscan_box;

/* ------------------------------------------------------------------------ */
/* Scan classes                                                              */
/* ------------------------------------------------------------------------ */

typedef enum lscan_decision {
    LSCAN_RELEASE = 0,
    LSCAN_INSPECT = 1
} lscan_decision;

/* The kinds of load DESIGN.md names. Values below 16 are clean (RELEASE),
 * values from 16 up need inspection. Pinned values. */
typedef enum lscan_class {
    LSCAN_CLASS_EMPTY = 0,
    LSCAN_CLASS_HOMOGENEOUS = 1,
    LSCAN_CLASS_BULK = 2,
    LSCAN_CLASS_MIXED = 3,
    LSCAN_CLASS_MACHINERY = 4,
    LSCAN_CLASS_DENSE_OBJECT = 16,
    LSCAN_CLASS_IMPENETRABLE = 17,
    LSCAN_CLASS_HIDDEN_COMPARTMENT = 18,
    LSCAN_CLASS_ANOMALOUS_MASS = 19,
    LSCAN_CLASS_LOAD_IN_EMPTY = 20
} lscan_class;

#define LSCAN_CLASS_IS_INSPECT(c) ((c) >= 16)

/* A stable lower-case name ("empty", "dense_object", ...), or NULL for an
 * unknown value. Thread-safe. */
LSCAN_API const char *lscan_class_name(int cls);

/* Parses a class name into *cls. Returns LSCAN_ERR_INVALID_ARGUMENT for an
 * unknown name. */
LSCAN_API int lscan_class_parse(const char *name, int *cls);

/* ==== section: synthetic generator (libscan/synth) ==== */

/*
 * A seeded, physics-based generator of labelled cargo scans: Beer-Lambert
 * attenuation through a container (corrugated walls, roof, floor and
 * cross-members, end walls, doors, corner posts), an optional truck chassis,
 * cargo of every clean class and concealments of every INSPECT class, then
 * scanner effects (air level, Poisson-like noise, detector-row gain, per-column
 * dose jitter, ~1 px blur, noise floor). The seed alone determines the scan:
 * the same (parameters, seed) give the same pixels, bit for bit, on every
 * machine and in any thread. docs/synth.md describes the model.
 *
 * Worlds. A world is a named mix of container builds, scanner profiles and
 * archive export styles (lscan_synth_world_*). World 0, "classic", is the
 * original generator, byte-identical to earlier versions; the others render
 * polychromatically (a linac spectrum through energy-dependent attenuation,
 * so beam hardening), add scatter haze, afterglow, dead and hot rows,
 * per-axis pixel pitch and blur, and may flip the detector array. Some
 * worlds are held out: their builds, scanners and exports are never used by
 * the training worlds, so they measure generalisation. Every clean load is a
 * commodity with an HS chapter (lscan_synth_commodity_*).
 */

typedef enum lscan_synth_size {
    LSCAN_SYNTH_20FT = 0,  /* 20 ft container at 5 mm pitch (~1.4k x 0.8k px) */
    LSCAN_SYNTH_40FT = 1,  /* 40 ft (standard or high cube) at 5 mm (~2.7k x 0.8k px) */
    LSCAN_SYNTH_HIRES = 2, /* 20 or 40 ft at 3 mm pitch (up to ~4.6k x 1.4k px) */
    LSCAN_SYNTH_MIXED = 3, /* drawn per scan: 40% 20 ft, 45% 40 ft, 15% high resolution;
                            * in other worlds than classic, the world's own mix of lengths */
    LSCAN_SYNTH_45FT = 4   /* 45 ft high cube (not in the classic world) */
} lscan_synth_size;

/* How an archive stores a scan (lscan_synth_export_make). */
typedef enum lscan_synth_export_format {
    LSCAN_SYNTH_EXPORT_WORLD = 0, /* parameters only: whatever the world draws for the scan */
    LSCAN_SYNTH_EXPORT_PNG16 = 1, /* 16-bit grey PNG of the raw counts */
    LSCAN_SYNTH_EXPORT_PNG8 = 2,  /* 8-bit grey PNG after a display mapping */
    LSCAN_SYNTH_EXPORT_JPEG = 3   /* 8-bit grey baseline JPEG after a display mapping */
} lscan_synth_export_format;

/* Display mappings of 8-bit exports, of the net transmission
 * s = (v - D) / I0 clamped to [e^-Amax, 1] (v the raw count, D the truth's
 * noise floor, I0 its air level, Amax the mapping's range, default the
 * scan's floor attenuation): LINEAR 255 s, LOG 255 (1 + ln(s) / Amax),
 * GAMMA 255 s^(1/gamma); rounded to nearest; INVERT then gives 255 - v. */
typedef enum lscan_synth_export_mapping {
    LSCAN_SYNTH_MAP_LINEAR = 0,
    LSCAN_SYNTH_MAP_LOG = 1,
    LSCAN_SYNTH_MAP_GAMMA = 2
} lscan_synth_export_mapping;

typedef enum lscan_synth_export_flag {
    LSCAN_SYNTH_EXPORT_CROP = 1u << 0,  /* crop to the container's outer walls, no air margin */
    LSCAN_SYNTH_EXPORT_INVERT = 1u << 1 /* attenuation display: dense is bright */
} lscan_synth_export_flag;

typedef enum lscan_synth_flag {
    LSCAN_SYNTH_NO_CHASSIS = 1u << 0,     /* never draw a truck chassis and wheels */
    LSCAN_SYNTH_ALWAYS_CHASSIS = 1u << 1, /* always draw one (default: ~70% of scans) */
    LSCAN_SYNTH_NO_NOISE = 1u << 2,       /* no quantum or electronic noise */
    LSCAN_SYNTH_NO_ROW_GAIN = 1u << 3,    /* all detector rows have gain 1 */
    LSCAN_SYNTH_NO_DOSE_JITTER = 1u << 4, /* every column gets the same dose */
    LSCAN_SYNTH_NO_BLUR = 1u << 5,        /* no detector blur */
    LSCAN_SYNTH_NO_SPEED_VARIATION = 1u << 6 /* constant scan speed (uniform x pitch) */
} lscan_synth_flag;

#define LSCAN_SYNTH_RELEASE_CLASSES 5 /* LSCAN_CLASS_EMPTY .. LSCAN_CLASS_MACHINERY */
#define LSCAN_SYNTH_INSPECT_CLASSES 5 /* LSCAN_CLASS_DENSE_OBJECT .. LSCAN_CLASS_LOAD_IN_EMPTY */

/* Generator parameters. Initialise with lscan_synth_params_init(). */
typedef struct lscan_synth_params {
    uint32_t size;      /* sizeof(lscan_synth_params), set by init */
    uint32_t container; /* lscan_synth_size; default LSCAN_SYNTH_20FT */
    int32_t cls;        /* an lscan_class to force, or -1 (default) to draw from the mix */
    /* The class mix when cls is -1: a scan is INSPECT with probability
     * inspect_fraction (default 0.5); its class is then drawn in proportion
     * to inspect_weight[c - LSCAN_CLASS_DENSE_OBJECT], a RELEASE class in
     * proportion to release_weight[c] (defaults all 1; negative values are
     * refused; all-zero weights of the side drawn are refused). */
    float inspect_fraction;
    float release_weight[LSCAN_SYNTH_RELEASE_CLASSES];
    float inspect_weight[LSCAN_SYNTH_INSPECT_CLASSES];
    /* Difficulty drawn uniformly in [difficulty_min, difficulty_max]
     * (0 obvious .. 1 subtle; default 0..1). It steers sizes, contrasts and
     * placement; the difficulty recorded in the truth of an INSPECT scan is
     * measured on the rendered scan (see lscan_synth_truth_difficulty). */
    float difficulty_min, difficulty_max;
    /* 0 = the natural size for the container and pitch; otherwise the image
     * is exactly width x height pixels and the geometry is scaled to fit
     * (the pitch then differs per axis). Each at most 65536. */
    uint32_t width, height;
    uint32_t flags; /* a mask of lscan_synth_flag; default 0 */
    /* Fields below were added with worlds; callers built against an older
     * header get their defaults. */
    uint32_t world; /* a world index (lscan_synth_world_find); default 0, "classic" */
    /* The export recorded in the truth (lscan_synth_truth_export) and
     * applied by lscan_synth_export_make: LSCAN_SYNTH_EXPORT_WORLD (default)
     * takes the world's draw for the scan (classic: "png16"); any other
     * format forces that export. lscan_synth_export_parse fills these from a
     * spec such as "jpeg-crop-log-q85". Generation itself always returns the
     * 16-bit scan. */
    uint32_t export_format;  /* lscan_synth_export_format */
    uint32_t export_mapping; /* lscan_synth_export_mapping (8-bit formats) */
    uint32_t export_flags;   /* a mask of lscan_synth_export_flag */
    float export_param;      /* GAMMA: gamma (default 2.2); LOG: Amax (0 = the scan's floor) */
    float export_scale;      /* downscale factor in [0.05, 1]; 0 means 1 */
    uint32_t export_quality; /* JPEG quality 1..100; 0 means 90 */
} lscan_synth_params;

/* Fills *p with the defaults and sets p->size. NULL is ignored. Thread-safe. */
LSCAN_API void lscan_synth_params_init(lscan_synth_params *p);

/* Sets p's export fields from a spec: FORMAT[-crop][-lin|-log[A]|-gamma[G]]
 * [-inv][-sF][-qQ] with FORMAT png16, png8 or jpeg (png16 takes only crop,
 * inv and s), e.g. "png8", "jpeg-crop", "jpeg-crop-gamma2.2-s0.5-q75",
 * "png8-log-inv"; "world" restores the world's own draw. Other fields of p
 * are left alone. Returns LSCAN_ERR_INVALID_ARGUMENT for a malformed spec
 * (p unchanged). Thread-safe. */
LSCAN_API int lscan_synth_export_parse(const char *spec, lscan_synth_params *p);

/* The worlds: how many, and each one's name ("classic", ...), purpose
 * ("train", "validation" or "held-out") and a one-line description; NULL
 * for an index out of range. Static strings. Thread-safe. */
LSCAN_API uint32_t lscan_synth_world_count(void);
LSCAN_API const char *lscan_synth_world_name(uint32_t world);
LSCAN_API const char *lscan_synth_world_purpose(uint32_t world);
LSCAN_API const char *lscan_synth_world_description(uint32_t world);
/* The index of the world called `name`, or -1. Thread-safe. */
LSCAN_API int lscan_synth_world_find(const char *name);
/* The world's components as comma-separated names into three caller
 * buffers of `size` bytes each (>= 16; truncated to whole names): container
 * builds, scanner profiles, export styles. Returns LSCAN_OK or
 * LSCAN_ERR_INVALID_ARGUMENT. Thread-safe. */
LSCAN_API int lscan_synth_world_components(uint32_t world, char *builds, char *scanners,
                                           char *exports, size_t size);

/* The commodity catalogue: every clean load is one of these (index 0 is
 * "empty"). Name (static string, NULL out of range), HS chapter (1..97, 0
 * for none: empty, consolidated general cargo) and the lscan_class of a
 * clean load of it (-1 out of range). Thread-safe. */
LSCAN_API uint32_t lscan_synth_commodity_count(void);
LSCAN_API const char *lscan_synth_commodity_name(uint32_t i);
LSCAN_API uint32_t lscan_synth_commodity_hs_chapter(uint32_t i);
LSCAN_API int lscan_synth_commodity_class(uint32_t i);

/* Ground truth of one generated scan: label, class, subclass, difficulty,
 * anomaly box and mask, container box, and the scanner settings used. */
typedef struct lscan_synth_truth lscan_synth_truth;

/* Generates the scan of `seed` with parameters `p` (NULL = defaults).
 * On success *image owns a new 16-bit transmission image (free with
 * lscan_image_free; source format LSCAN_FORMAT_SYNTH) and, if `truth` is not
 * NULL, *truth owns its ground truth (free with lscan_synth_truth_free).
 * On failure both are set to NULL and the context holds the details:
 * LSCAN_ERR_INVALID_ARGUMENT for bad parameters, LSCAN_ERR_TOO_LARGE for
 * a forced size beyond 65536 per side, LSCAN_ERR_NO_MEMORY.
 * The result depends only on (p, seed). Use one context per thread; calls on
 * different contexts may run concurrently. A 40 ft scan takes ~0.07 s (classic,
 * 5 mm) to ~0.25 s (2.6 x 4.2 mm pixels) on one core; docs/synth.md has the
 * figures per world. */
LSCAN_API int lscan_synth_generate(lscan_ctx *ctx, const lscan_synth_params *p, uint64_t seed,
                                   lscan_image **image, lscan_synth_truth **truth);

/* Frees a truth; NULL is accepted. */
LSCAN_API void lscan_synth_truth_free(lscan_synth_truth *t);

/* The getters below take a valid truth and are thread-safe (a truth is
 * immutable). Returned pointers belong to the truth. */

/* LSCAN_RELEASE or LSCAN_INSPECT (an lscan_decision). */
LSCAN_API int lscan_synth_truth_label(const lscan_synth_truth *t);
/* The lscan_class of the scan. */
LSCAN_API int lscan_synth_truth_class(const lscan_synth_truth *t);
/* A short lower-case name refining the class, e.g. "pallets", "grain",
 * "steel_block", "lead_brick", "false_end_wall", "double_floor". Never NULL. */
LSCAN_API const char *lscan_synth_truth_subclass(const lscan_synth_truth *t);
/* Difficulty 0 (obvious) .. 1 (subtle). For INSPECT scans it is measured on
 * the rendered scan from the anomaly's contrast against the noise and the
 * clutter around it and from its size (docs/synth.md gives the formula);
 * for RELEASE scans it is the drawn value, which sets how many legitimate
 * look-alikes (dense machine parts, irregular stacking) the load holds. */
LSCAN_API float lscan_synth_truth_difficulty(const lscan_synth_truth *t);
/* The anomaly's pixel bounding box (half-open; all zero for RELEASE scans
 * and whenever the anomaly changed no pixel). Returns 1 if non-empty. */
LSCAN_API int lscan_synth_truth_bbox(const lscan_synth_truth *t, lscan_box *box);
/* width*height bytes, 1 where the anomaly changed the pixel value (the scan
 * rendered without it, with identical noise, differs exactly there), else 0. */
LSCAN_API const uint8_t *lscan_synth_truth_mask(const lscan_synth_truth *t);
/* The container's outer walls in pixels (half-open: end walls and corner
 * posts, roof top, underside of the bottom side rails). */
LSCAN_API void lscan_synth_truth_container(const lscan_synth_truth *t, lscan_box *box);
/* Physical size of a pixel in mm along x (scan direction) and y. */
LSCAN_API void lscan_synth_truth_pitch(const lscan_synth_truth *t, float *x_mm, float *y_mm);
/* The scanner's air level I0 (counts before row gain and dose jitter). */
LSCAN_API float lscan_synth_truth_air_level(const lscan_synth_truth *t);
/* The per-detector-row gains (height values; the mean air value of row y is
 * about I0 * gain[y]). All 1 with LSCAN_SYNTH_NO_ROW_GAIN. */
LSCAN_API const float *lscan_synth_truth_row_gain(const lscan_synth_truth *t);
/* The noise floor: the dark level (counts) that pixels behind impenetrable
 * matter sit at, i.e. I0 * exp(-floor_attenuation), plus the scanner's dark
 * pedestal outside classic (where scatter haze can lift dense regions next
 * to bright ones by up to about the dark level again). */
LSCAN_API float lscan_synth_truth_noise_floor(const lscan_synth_truth *t);
/* The attenuation at which the signal meets the noise floor (classic
 * 8.5..10; other worlds 9..11, depending on the scanner profile). */
LSCAN_API float lscan_synth_truth_floor_attenuation(const lscan_synth_truth *t);
/* The container size drawn (never LSCAN_SYNTH_MIXED). */
LSCAN_API uint32_t lscan_synth_truth_container_size(const lscan_synth_truth *t);
/* Image width and height in pixels. */
LSCAN_API void lscan_synth_truth_size(const lscan_synth_truth *t, uint32_t *width,
                                      uint32_t *height);

/* Writes the mask as an 8-bit grey PNG (0 outside, 255 inside). Returns
 * LSCAN_OK or LSCAN_ERR_IO (details on ctx). */
LSCAN_API int lscan_synth_truth_save_mask(lscan_ctx *ctx, const lscan_synth_truth *t,
                                          const char *path);

/* The world and components the scan was made with (names as in
 * lscan_synth_world_components; "classic" for the classic world's build and
 * scanner), the export recorded for it (a canonical spec, e.g. "png16",
 * "jpeg-crop-gamma2.1-s0.55-q72"), the commodity of its clean load (for
 * INSPECT scans the load hosting the anomaly; "empty" for an empty
 * container) and that commodity's HS chapter (0: none). Strings belong to
 * the truth. */
LSCAN_API const char *lscan_synth_truth_world(const lscan_synth_truth *t);
LSCAN_API const char *lscan_synth_truth_build(const lscan_synth_truth *t);
LSCAN_API const char *lscan_synth_truth_scanner(const lscan_synth_truth *t);
LSCAN_API const char *lscan_synth_truth_export(const lscan_synth_truth *t);
LSCAN_API const char *lscan_synth_truth_commodity(const lscan_synth_truth *t);
LSCAN_API uint32_t lscan_synth_truth_hs_chapter(const lscan_synth_truth *t);
/* The linac's nominal energy, MeV (classic: 6, rendered at a 4 MeV
 * effective energy). */
LSCAN_API float lscan_synth_truth_linac_mev(const lscan_synth_truth *t);

/* An exported scan: the file an archive would hold, the image a reader
 * decodes from it, and the ground truth moved onto its pixels. */
typedef struct lscan_synth_export lscan_synth_export;

/* Exports `image` (a scan from lscan_synth_generate, unmodified) with its
 * `truth` as `spec` describes (lscan_synth_export_parse's syntax; NULL: the
 * export recorded in the truth). Crop, downscale (area average), display
 * mapping, 8-bit rounding, inversion and JPEG coding (libjpeg-turbo,
 * accurate integer DCT, so the same bytes everywhere) are applied in that
 * order. The exported truth's mask marks the exported pixels the anomaly
 * changed: the scan without its anomaly is exported the same way and
 * compared (for JPEG, after decoding both), so the mask is exact for the
 * export too; its box, container box, size and pitch follow the transform,
 * and its air level and noise floor are those of the exported values.
 * On success *out owns the export (free with lscan_synth_export_free). The
 * inputs are not modified; thread-safe with one context per thread. */
LSCAN_API int lscan_synth_export_make(lscan_ctx *ctx, const lscan_image *image,
                                      const lscan_synth_truth *truth, const char *spec,
                                      lscan_synth_export **out);
/* Frees an export; NULL is accepted. */
LSCAN_API void lscan_synth_export_free(lscan_synth_export *e);
/* The image a reader gets from the exported file with default load options
 * (8-bit values scaled x257; an inverted export is not re-inverted: that is
 * left to calibration, as for a real file). Belongs to the export. */
LSCAN_API const lscan_image *lscan_synth_export_image(const lscan_synth_export *e);
/* The exported ground truth; all lscan_synth_truth_* getters apply. Belongs
 * to the export. */
LSCAN_API const lscan_synth_truth *lscan_synth_export_truth(const lscan_synth_export *e);
/* The file extension: "png" or "jpg". Static string. */
LSCAN_API const char *lscan_synth_export_extension(const lscan_synth_export *e);
/* Writes the exported file (PNG with zlib `level` 0..9 or -1; JPEG bytes as
 * coded). Returns LSCAN_OK or LSCAN_ERR_IO (details on ctx). */
LSCAN_API int lscan_synth_export_save(lscan_ctx *ctx, const lscan_synth_export *e,
                                      const char *path, int level);

/* ==== end section: synthetic generator ==== */

/* ==== section: calibration and features (libscan/calib, libscan/features) ==== */

/* The name of the kernel set this context uses for calibration and
 * features: "avx2", "sse2", "neon" or "scalar". It follows
 * LSCAN_PARAM_DISABLE_CPU_FEATURES. Never NULL; static. Features are
 * bit-identical whatever the kernel set. */
LSCAN_API const char *lscan_ctx_kernel_name(const lscan_ctx *ctx);

/* Options for lscan_analyze(). Initialise with lscan_analyze_options_init();
 * a NULL options pointer means the defaults. */
typedef struct lscan_analyze_options {
    uint32_t size;     /* sizeof(lscan_analyze_options), set by init */
    uint32_t polarity; /* lscan_polarity of the pixels as stored in the image:
                          AUTO (default) = the image's own polarity when it was
                          set on load, else detected from the air margins */
    float pitch_mm;    /* pixel pitch in mm; 0 (default) = estimated from the
                          container's height (2.591 m, or 2.896 m when the
                          box's aspect is that of a high-cube 20/40 ft, or it
                          is a 45 ft high cube: LSCAN_CALIB_45FT) */
    float air_level;   /* air level I0 in transmission units (1..65535);
                          0 (default) = estimated */
} lscan_analyze_options;

/* Fills *o with the defaults and sets o->size. */
LSCAN_API void lscan_analyze_options_init(lscan_analyze_options *o);

/* The result of analysing one image: calibration, container box, tile grid
 * and features. Opaque; immutable; free with lscan_analysis_free(). Getters
 * on an analysis are thread-safe. */
typedef struct lscan_analysis lscan_analysis;

/* Analyses plane 0 of `img`: calibration (polarity, air level I0, per-row
 * detector gain, noise floor, attenuation A = -ln(I/I0) in fixed point) ->
 * container location -> tile features -> image features.
 * On success *out owns a new analysis. Errors (on ctx, with a message):
 *   LSCAN_ERR_OVEREXPOSED  most pixels are saturated: nothing attenuates
 *   LSCAN_ERR_BLANK        the image carries no signal (black or uniform)
 *   LSCAN_ERR_NO_CONTAINER no container-shaped dense region (the message
 *                          says which extent was missing)
 *   LSCAN_ERR_CALIBRATION  the air level or polarity could not be set
 *   LSCAN_ERR_NO_MEMORY, LSCAN_ERR_INVALID_ARGUMENT.
 * Callers must treat every error as INSPECT. Uses the context's kernels and
 * scratch memory, which is kept and reused for the next image of the same
 * or smaller size. The result does not depend on the kernel set. */
LSCAN_API int lscan_analyze(lscan_ctx *ctx, const lscan_image *img,
                            const lscan_analyze_options *o, lscan_analysis **out);

/* Frees an analysis; NULL is accepted. */
LSCAN_API void lscan_analysis_free(lscan_analysis *a);

/* Flags of lscan_calibration. */
typedef enum lscan_calib_flag {
    LSCAN_CALIB_NO_AIR_MARGIN = 1u << 0,   /* no air band: box = whole image; I0 is
                                              full scale for a quantised input (a
                                              display export puts air at white),
                                              else the brightest open space */
    LSCAN_CALIB_PITCH_ESTIMATED = 1u << 1, /* pitch from the container height */
    LSCAN_CALIB_GIVEN_I0 = 1u << 2,        /* I0 passed by the caller */
    LSCAN_CALIB_ROW_GAIN = 1u << 3,        /* per-row gains estimated from air
                                              before/after the container */
    LSCAN_CALIB_POLARITY_DETECTED = 1u << 4, /* polarity decided from air margins */
    LSCAN_CALIB_HIGH_CUBE = 1u << 5,         /* pitch estimated for a 2.896 m high-cube
                                                box (its aspect matched one) */
    LSCAN_CALIB_45FT = 1u << 6,              /* a 45 ft high cube: the aspect of a 40 ft
                                                standard and a second set of corner
                                                castings 762 mm in from each end */
    /* The display mapping of a quantised input (8 bits or fewer: an archive
     * export), estimated from the side walls' level and the noise
     * (docs/features.md). Exactly one of LINEAR, GAMMA and LOG is set for
     * such an input, none for a raw one (9 to 16 bits), which is never
     * remapped. Attenuation is then read through the mapping's inverse:
     * what the raw scan would have shown. */
    LSCAN_CALIB_DISPLAY_LINEAR = 1u << 7,    /* code proportional to transmission */
    LSCAN_CALIB_DISPLAY_GAMMA = 1u << 8,     /* code ~ transmission^(1/G), G = display_param */
    LSCAN_CALIB_DISPLAY_LOG = 1u << 9,       /* code linear in A, from air (full scale)
                                                down to Amax = display_param (code 0) */
    LSCAN_CALIB_DISPLAY_UNCLEAR = 1u << 10   /* the evidence did not settle the mapping
                                                (or contradicted itself): read as LINEAR */
} lscan_calib_flag;

/* Calibration results. Set `size` to sizeof(lscan_calibration) before
 * calling the getter. */
typedef struct lscan_calibration {
    uint32_t size;     /* sizeof, set by the caller */
    float air_level;   /* I0 in transmission units (the median row's) */
    float noise_floor; /* transmission value of the detector's noise floor */
    float pitch_mm;    /* pitch used (given or estimated) */
    uint32_t polarity; /* TRANSMISSION, or ATTENUATION when the stored pixels
                          were found (or said) to be inverted */
    uint32_t flags;    /* mask of lscan_calib_flag */
    /* Fields below were added with display mappings; a caller built against
     * an older header gets the fields its size holds. */
    float display_param; /* GAMMA: G; LOG: Amax; LINEAR: 1; raw inputs: 0 */
    float display_wall;  /* quantised inputs: the side walls' attenuation read
                            linearly, ln(I0 / walls' level), the mapping's main
                            evidence (~0.12 on a linear display); 0 when not
                            measured */
    float display_noise; /* quantised inputs: ln(noise of the darkest smooth
                            regions / noise of the brightest), in codes, the
                            other evidence (a log display's noise grows towards
                            dark); NAN when not measured */
} lscan_calibration;

/* Copies the calibration into *out (at most out->size bytes). Returns
 * LSCAN_ERR_INVALID_ARGUMENT for NULL or an uninitialised size. */
LSCAN_API int lscan_analysis_calibration(const lscan_analysis *a, lscan_calibration *out);

/* The per-detector-row gains (image height entries, median 1; all 1 when
 * not estimated) and their count in *n. Owned by the analysis. */
LSCAN_API const float *lscan_analysis_row_gains(const lscan_analysis *a, uint32_t *n);

/* The container's bounding box in pixels (end walls, roof, floor; chassis
 * and air excluded). */
LSCAN_API int lscan_analysis_container(const lscan_analysis *a, lscan_box *out);

/* The tile grid covering the container: *cols x *rows tiles (either pointer
 * may be NULL). Tiles are square, ~15 cm (tile_px below), cut at the box's
 * right and bottom edges. */
LSCAN_API void lscan_analysis_grid(const lscan_analysis *a, uint32_t *cols, uint32_t *rows);

/* The tile side in pixels. */
LSCAN_API uint32_t lscan_analysis_tile_px(const lscan_analysis *a);

/* The pixel rectangle of tile (col, row), inside the container box.
 * LSCAN_ERR_INVALID_ARGUMENT when out of the grid. */
LSCAN_API int lscan_analysis_tile_box(const lscan_analysis *a, uint32_t col, uint32_t row,
                                      lscan_box *out);

/* rows*cols*lscan_feature_count(LSCAN_FEATURES_TILE) floats: the features
 * of tile (col,row) start at ((row*cols)+col)*count. Owned by the analysis. */
LSCAN_API const float *lscan_analysis_tile_features(const lscan_analysis *a);

/* lscan_feature_count(LSCAN_FEATURES_IMAGE) floats. Owned by the analysis. */
LSCAN_API const float *lscan_analysis_image_features(const lscan_analysis *a);

typedef enum lscan_feature_set {
    LSCAN_FEATURES_TILE = 0,
    LSCAN_FEATURES_IMAGE = 1
} lscan_feature_set;

/* Number of features in a set (0 for an unknown set). Thread-safe. */
LSCAN_API uint32_t lscan_feature_count(uint32_t set);

/* A feature's stable name (e.g. "mean", "floor_frac"), or NULL out of
 * range. Static; thread-safe. */
LSCAN_API const char *lscan_feature_name(uint32_t set, uint32_t index);

/* A feature's one-line definition, or NULL out of range. Static. */
LSCAN_API const char *lscan_feature_definition(uint32_t set, uint32_t index);

/* The schema identity that model files carry: 64-bit FNV-1a over "tile\n"
 * or "image\n" followed by every name of the set, each followed by '\n'.
 * 0 for an unknown set. Thread-safe. */
LSCAN_API uint64_t lscan_feature_schema_hash(uint32_t set);

/* ==== end section: calibration and features ==== */

/* ==== section: models and decisions (libscan/model) ==== */

/* A trained model: for each INSPECT class, a linear tile model (the heat map
 * shows the largest tile probability) and a logistic image model over the
 * image features plus aggregates of every tile model's scores. A scan's score
 * is the largest image-model probability; it is INSPECT when the score
 * reaches the threshold, chosen for a stated detection rate. Immutable once
 * loaded: share one model between any number of threads. */
typedef struct lscan_model lscan_model;

/* Loads a model file (plain text, see docs/model-format.md). Every line is
 * checked: format and version, feature schema (names, order and hash must
 * match this library's), counts, finite values, checksum. The error message
 * names the line. */
LSCAN_API int lscan_model_load(lscan_ctx *ctx, const char *path, lscan_model **out);

/* Parses a model from memory; same checks as lscan_model_load. */
LSCAN_API int lscan_model_parse(lscan_ctx *ctx, const char *text, size_t size, lscan_model **out);

/* Writes a model file; write -> load -> write gives identical bytes. */
LSCAN_API int lscan_model_save(lscan_ctx *ctx, const lscan_model *model, const char *path);

LSCAN_API void lscan_model_free(lscan_model *model);

/* The decision threshold on the INSPECT probability (0..1). */
LSCAN_API double lscan_model_threshold(const lscan_model *model);

/* A provenance field of the model ("name", "training", "target-detection",
 * "validation-detection", "validation-release", ...) as text, or NULL. */
LSCAN_API const char *lscan_model_info(const lscan_model *model, const char *key);

/* The image model's feature names: the image features followed by the tile
 * score aggregates. */
LSCAN_API uint32_t lscan_model_feature_count(void);
LSCAN_API const char *lscan_model_feature_name(uint32_t index);

/* Options for screening. Initialise with lscan_screen_options_init(). */
typedef struct lscan_screen_options {
    uint32_t size;       /* sizeof(lscan_screen_options), set by init */
    uint32_t polarity;   /* lscan_polarity for calibration; default AUTO */
    float pitch_mm;      /* pixel pitch; 0 = estimate */
    float air_level;     /* I0; 0 = estimate */
    double threshold;    /* decision threshold; negative = the model's */
    uint32_t max_reasons;   /* reasons kept (default 5, at most 32) */
    uint32_t max_hot_tiles; /* hottest tiles kept (default 5, at most 32) */
} lscan_screen_options;

LSCAN_API void lscan_screen_options_init(lscan_screen_options *opts);

/* The outcome of screening one image. */
typedef struct lscan_result lscan_result;

/* Screens an image with a model: calibrate, locate, features, tile scores,
 * image score, decision. Whatever fails yields a result anyway, decided
 * INSPECT, with the failure's status and message in the result (fail-safe).
 * Returns LSCAN_OK when the image was analysed and decided by the model, the
 * failure's status otherwise (the result is still set unless the arguments
 * were invalid or memory ran out). Thread-safe for a shared model, one
 * context per thread. Free the result with lscan_result_free. */
LSCAN_API int lscan_screen(lscan_ctx *ctx, const lscan_model *model, const lscan_image *img,
                           const lscan_screen_options *opts, lscan_result **out);

/* Loads then screens a file; a file that cannot be read or decoded gives an
 * INSPECT result with the decoder's status. Options for loading may be NULL. */
LSCAN_API int lscan_screen_file(lscan_ctx *ctx, const lscan_model *model, const char *path,
                                const lscan_load_options *load, const lscan_screen_options *opts,
                                lscan_result **out);

LSCAN_API void lscan_result_free(lscan_result *r);

/* lscan_decision: LSCAN_RELEASE only when the model scored the image below
 * the threshold; INSPECT otherwise, failures included. */
LSCAN_API uint32_t lscan_result_decision(const lscan_result *r);
/* The model's INSPECT probability (NaN when the image was not analysed). */
LSCAN_API double lscan_result_score(const lscan_result *r);
LSCAN_API double lscan_result_threshold(const lscan_result *r);
/* The INSPECT class (lscan_class) whose detector gave the score: what the
 * scan most resembles, whatever the decision; -1 when not scored. */
LSCAN_API int lscan_result_suspected_class(const lscan_result *r);
/* LSCAN_OK, or the status that made the result INSPECT without a score. */
LSCAN_API int lscan_result_status(const lscan_result *r);
/* The failure's message (empty when status is LSCAN_OK). Never NULL. */
LSCAN_API const char *lscan_result_message(const lscan_result *r);

/* Reasons: the image features contributing most towards INSPECT,
 * contribution = w_i * (x_i - mean_i) / scale_i, largest first. */
LSCAN_API uint32_t lscan_result_reason_count(const lscan_result *r);
LSCAN_API int lscan_result_reason(const lscan_result *r, uint32_t index, const char **feature,
                                  double *value, double *contribution);

/* The hottest tiles, hottest first: their pixel box and tile probability. */
LSCAN_API uint32_t lscan_result_hot_tile_count(const lscan_result *r);
LSCAN_API int lscan_result_hot_tile(const lscan_result *r, uint32_t index, lscan_box *box,
                                    double *score);

/* The heat map: cols*rows tile probabilities, row-major, owned by the result;
 * NULL when the image was not analysed. */
LSCAN_API const float *lscan_result_heatmap(const lscan_result *r, uint32_t *cols, uint32_t *rows);
/* The container box the analysis found (zero box when not analysed). */
LSCAN_API int lscan_result_container(const lscan_result *r, lscan_box *box);
/* Image width and height (0 when the image could not be read). */
LSCAN_API void lscan_result_image_size(const lscan_result *r, uint32_t *width, uint32_t *height);

typedef enum lscan_stage {
    LSCAN_STAGE_DECODE = 0,
    LSCAN_STAGE_CALIBRATE = 1, /* calibration and container location */
    LSCAN_STAGE_FEATURES = 2,
    LSCAN_STAGE_CLASSIFY = 3,
    LSCAN_STAGE_COUNT = 4
} lscan_stage;
/* Seconds spent in a stage for this result (0 for stages not run). */
LSCAN_API double lscan_result_stage_seconds(const lscan_result *r, uint32_t stage);

/* -- Training ----------------------------------------------------------- */

/* Collects labelled images, then fits the tile model and the image model
 * (L2-regularised logistic regression, Newton/IRLS over BLAS) and chooses the
 * threshold on the validation images. Adding is thread-safe (one context per
 * thread); the result does not depend on the order or the thread count of
 * adds (images are ordered by their key). */
typedef struct lscan_trainer lscan_trainer;

typedef enum lscan_split {
    LSCAN_SPLIT_TRAIN = 0,
    LSCAN_SPLIT_VALIDATION = 1
} lscan_split;

LSCAN_API lscan_trainer *lscan_trainer_new(void);
LSCAN_API void lscan_trainer_free(lscan_trainer *t);

/* Analyses `img` and stores its features. `mask` (width*height bytes with
 * row stride `mask_stride`, non-zero = anomaly) labels tiles for the tile
 * model; NULL means no anomaly pixels. `cls` is an lscan_class; the label is
 * INSPECT for classes >= 16. `key` orders the images (unique per image).
 * An image that cannot be analysed is refused with its status (a training
 * set should be clean). */
LSCAN_API int lscan_trainer_add(lscan_trainer *t, lscan_ctx *ctx, const lscan_image *img,
                                const uint8_t *mask, size_t mask_stride, int cls, uint32_t split,
                                uint64_t key);

/* A labelled scan for lscan_trainer_add_sample(): the arguments of
 * lscan_trainer_add plus what a richer label carries. Initialise with
 * lscan_train_sample_init() (split TRAIN, class -1: must be set, difficulty
 * unknown). */
typedef struct lscan_train_sample {
    uint32_t size;        /* sizeof, set by init */
    uint32_t split;       /* lscan_split */
    int32_t cls;          /* lscan_class */
    uint32_t reserved;    /* 0 */
    uint64_t key;         /* orders the images; unique per image */
    const uint8_t *mask;  /* anomaly mask as for lscan_trainer_add, or NULL */
    size_t mask_stride;
    double difficulty;    /* the generator's 0 (obvious) .. 1 (subtle) of an INSPECT
                             scan, NaN when unknown (counted as not subtle) */
} lscan_train_sample;

LSCAN_API void lscan_train_sample_init(lscan_train_sample *s);

/* lscan_trainer_add with a sample struct; the same rules and thread safety. */
LSCAN_API int lscan_trainer_add_sample(lscan_trainer *t, lscan_ctx *ctx, const lscan_image *img,
                                       const lscan_train_sample *s);

typedef struct lscan_train_options {
    uint32_t size;            /* sizeof, set by init */
    double l2;                /* L2 penalty on standardised weights (default 1.0) */
    double target_detection;  /* share of INSPECT validation scans flagged (default 0.99) */
    double tile_positive;     /* share of a tile's pixels in the mask to call it positive (0.3) */
    uint32_t max_negative_tiles; /* per image, sampled deterministically (default 400) */
    const char *name;         /* model name written to the file (default "unnamed") */
    const char *training;     /* one-line description of the training data */
    uint32_t hard_negative_tiles; /* per clean image, its highest-scoring tiles added as
                                   * negatives for a second fit of each tile model (default 60;
                                   * 0 = one fit) */
    /* The operating point is the largest threshold that flags, on the
     * validation scans, target_detection of the INSPECT scans that are not
     * subtle (difficulty < subtle_difficulty or unknown), target_subtle of the
     * subtle ones and min_class_detection of every INSPECT class. Defaults
     * 0.67, 0.90 and 0.97: the figures the project states for its models. */
    double subtle_difficulty;
    double target_subtle;
    double min_class_detection;
} lscan_train_options;

LSCAN_API void lscan_train_options_init(lscan_train_options *o);

/* Fits both models and chooses the threshold (the operating point of the
 * options) on the validation images. Needs INSPECT and RELEASE images in
 * both splits. */
LSCAN_API int lscan_trainer_fit(lscan_trainer *t, lscan_ctx *ctx, const lscan_train_options *o,
                                lscan_model **out);

/* -- Evaluation --------------------------------------------------------- */

#define LSCAN_MAX_CLASS 32

/* Figures for a set of scored scans (scores from lscan_result_score; a
 * failed scan counts as flagged, score +inf). */
typedef struct lscan_metrics {
    uint32_t size;            /* sizeof; set by the caller */
    uint32_t n, n_inspect, n_release;
    double auc;               /* ROC area, ties counted half */
    double threshold;         /* the threshold the confusion figures use */
    uint32_t tp, fn, fp, tn;  /* INSPECT is positive */
    double detection;         /* tp / n_inspect */
    double release_rate;      /* tn / n_release: clean scans released */
    double target_detection;  /* as asked */
    double threshold_at_target; /* largest threshold flagging >= target of this set's INSPECT scans */
    double release_at_target; /* release rate at that threshold */
    uint32_t class_n[LSCAN_MAX_CLASS];       /* scans per class */
    uint32_t class_flagged[LSCAN_MAX_CLASS]; /* of those, flagged INSPECT at `threshold` */
} lscan_metrics;

/* Computes metrics for n scans: scores (NaN or +inf for failures, which are
 * flagged), classes (lscan_class; the label follows from the class). */
LSCAN_API int lscan_metrics_compute(const double *scores, const int *classes, size_t n,
                                    double threshold, double target_detection, lscan_metrics *m);

/* Writes up to max_points ROC points (false-positive rate, true-positive
 * rate, threshold), from the strictest threshold to the loosest; returns the
 * number written through *count. */
LSCAN_API int lscan_roc(const double *scores, const int *classes, size_t n, double *fpr,
                        double *tpr, double *thresholds, size_t max_points, size_t *count);

/* ==== end section: models and decisions ==== */

/* ==== section: batch screening and overlays (libscan/batch, libscan/overlay) ==== */

/*
 * Batch screening: a pool of worker threads screens a stream of inputs (file
 * paths, encoded buffers or images) with one shared model and hands the
 * results back in input order, whatever the thread count, through a callback
 * called from the submitting thread. Each worker owns its lscan_ctx, so
 * scratch memory is reused between images; results are identical for any
 * thread count. At most `max_in_flight` inputs are submitted but not yet
 * delivered, and at most `threads` images are decoded at any moment, so
 * memory grows with the thread count, not with the number of inputs.
 *
 * OpenBLAS runs its own thread pool; for batch use OPENBLAS_NUM_THREADS=1 is
 * advisable (the batch already keeps every core busy). libscan never sets it.
 */
typedef struct lscan_batch lscan_batch;

/* Called once per input, in input order (index 0, 1, 2, ...), from the thread
 * that calls lscan_batch_submit_* or lscan_batch_finish, never from two
 * threads at once. `name` is the submitted path or name (NULL if none was
 * given). `r` belongs to the batch and is valid until the callback returns;
 * it is never NULL unless memory ran out, in which case the lscan_result_*
 * getters read it as INSPECT. A failure to read or analyse the input is a
 * result like any other: decided INSPECT with its status and message.
 * Return 0 to go on, non-zero to cancel the batch (no further callbacks; the
 * submit/finish call then returns LSCAN_ERR_CANCELLED). It must not call
 * lscan_batch_submit_* or lscan_batch_finish on its own batch (they return
 * LSCAN_ERR_INVALID_ARGUMENT there). */
typedef int (*lscan_batch_result_fn)(void *user, uint64_t index, const char *name,
                                     const lscan_result *r);

/* Optional: called in the worker thread right after an input is screened,
 * before it is delivered, in no particular order and concurrently from
 * several workers, with the worker's context and the decoded image (never
 * NULL: not called when the input could not be decoded). For per-image work
 * that must see the pixels, e.g. lscan_overlay_write. The image and result
 * are valid until it returns. Must be thread-safe. */
typedef void (*lscan_batch_image_fn)(void *user, lscan_ctx *ctx, uint64_t index, const char *name,
                                     const lscan_image *img, const lscan_result *r);

/* Options for lscan_batch_new(). Initialise with lscan_batch_options_init(). */
typedef struct lscan_batch_options {
    uint32_t size;          /* sizeof(lscan_batch_options), set by init */
    uint32_t threads;       /* worker threads; 0 (default) = screen in the
                               caller's thread, inside lscan_batch_submit_* */
    uint32_t max_in_flight; /* inputs submitted but not yet delivered before
                               submit blocks; 0 (default) = 4 * threads;
                               raised to `threads` when smaller */
    uint32_t reserved;      /* 0 */
    const lscan_load_options *load;     /* NULL = defaults; copied by new */
    const lscan_screen_options *screen; /* NULL = defaults; copied by new */
    lscan_batch_result_fn on_result;    /* required */
    lscan_batch_image_fn on_image;      /* optional */
    void *user;                         /* passed to both callbacks */
} lscan_batch_options;

/* Fills *opts with the defaults and sets opts->size. */
LSCAN_API void lscan_batch_options_init(lscan_batch_options *opts);

/* Creates a batch screening with `model`, which must outlive the batch.
 * Worker contexts copy the parameters of `ctx` (disabled CPU features, time
 * and memory budgets; the defaults when `ctx` is NULL); `ctx` also receives
 * the details of a failure here and is not kept.
 * Returns LSCAN_OK, LSCAN_ERR_INVALID_ARGUMENT (no callback, bad options),
 * LSCAN_ERR_NO_MEMORY or LSCAN_ERR_THREAD (a thread could not be started).
 * A batch is driven by one thread at a time. */
LSCAN_API int lscan_batch_new(lscan_ctx *ctx, const lscan_model *model,
                              const lscan_batch_options *opts, lscan_batch **out);

/* Queues a file for screening (the path is copied) and returns its index in
 * *index (may be NULL). Blocks while max_in_flight inputs are pending,
 * delivering finished results meanwhile; with 0 threads screens it at once
 * and delivers it before returning. Returns LSCAN_OK, LSCAN_ERR_NO_MEMORY or
 * LSCAN_ERR_CANCELLED (the callback asked to stop; nothing was queued).
 * An unreadable file is not an error here: its result says why. */
LSCAN_API int lscan_batch_submit_path(lscan_batch *b, const char *path, uint64_t *index);

/* Queues an encoded image (PNG, JPEG, PNM) held in memory; `name` (copied,
 * may be NULL) is passed back to the callbacks. The buffer is borrowed: it
 * must stay valid and unchanged until this input's on_result returns. */
LSCAN_API int lscan_batch_submit_buffer(lscan_batch *b, const void *data, size_t size,
                                        const char *name, uint64_t *index);

/* Queues an image (e.g. from lscan_image_wrap); borrowed like a buffer:
 * valid and unchanged until this input's on_result returns. */
LSCAN_API int lscan_batch_submit_image(lscan_batch *b, const lscan_image *img, const char *name,
                                       uint64_t *index);

/* Waits until every submitted input is delivered. Returns LSCAN_OK or
 * LSCAN_ERR_CANCELLED. The batch can take more inputs afterwards. */
LSCAN_API int lscan_batch_finish(lscan_batch *b);

/* Stops the workers and frees the batch; inputs not yet delivered are
 * dropped without callbacks (call lscan_batch_finish first to get them).
 * NULL is accepted. */
LSCAN_API void lscan_batch_free(lscan_batch *b);

/*
 * Overlays: a downscaled 8-bit RGB view of a scan for the officer who reviews
 * it: the image in a log-contrast grey scale, the heat map blended over the
 * container (yellow to red as tile scores rise), boxes around the hottest
 * tiles (the hottest thickest), and a banner with the decision, the score,
 * the threshold and either the top reason or the failure's status.
 */
typedef enum lscan_overlay_format {
    LSCAN_OVERLAY_PNG = 0,
    LSCAN_OVERLAY_JPEG = 1
} lscan_overlay_format;

/* Options for overlays. Initialise with lscan_overlay_options_init(). */
typedef struct lscan_overlay_options {
    uint32_t size;      /* sizeof(lscan_overlay_options), set by init */
    uint32_t format;    /* lscan_overlay_format; default PNG */
    uint32_t max_width; /* the image is downscaled to at most this width
                           (never upscaled); default 1600, at least 64 */
    uint32_t quality;   /* JPEG quality 1..100; default 85 */
} lscan_overlay_options;

/* Fills *opts with the defaults and sets opts->size. */
LSCAN_API void lscan_overlay_options_init(lscan_overlay_options *opts);

/* The overlay's size in pixels for an image (banner included). */
LSCAN_API int lscan_overlay_size(const lscan_image *img, const lscan_overlay_options *opts,
                                 uint32_t *width, uint32_t *height);

/* Renders the overlay of `img` and its `result` (from lscan_screen of that
 * image; a failed result draws no heat map) into a caller's RGB buffer of
 * lscan_overlay_size() pixels, 3 bytes per pixel, rows `stride` bytes apart.
 * For vendors who show it in their own viewer. Thread-safe with one context
 * per thread. */
LSCAN_API int lscan_overlay_render(lscan_ctx *ctx, const lscan_image *img, const lscan_result *result,
                                   const lscan_overlay_options *opts, uint8_t *rgb, size_t stride);

/* Renders the overlay and writes it to `path` as PNG or JPEG (through a
 * private copy of stb_image_write). Returns LSCAN_OK, LSCAN_ERR_IO (details
 * on ctx), LSCAN_ERR_NO_MEMORY, LSCAN_ERR_INVALID_ARGUMENT, or
 * LSCAN_ERR_CODEC_DISABLED when built without stb. The file is written
 * whole or not at all (a temporary file renamed into place). */
LSCAN_API int lscan_overlay_write(lscan_ctx *ctx, const lscan_image *img, const lscan_result *result,
                                  const char *path, const lscan_overlay_options *opts);

/* ==== end section: batch screening and overlays ==== */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LIBSCAN_H */
