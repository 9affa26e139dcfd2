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
    LSCAN_ERR_DUAL_MISMATCH = 30,   /* a dual-energy pair whose two images differ in size, or
                                       whose low- or high-energy image is missing, is itself a
                                       pair, or carries no signal */

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
    LSCAN_ERR_NOT_A_SCAN = 84,      /* the image does not look like a transmission scan of a
                                       container (colour, size or pitch, structure): the
                                       message says which check failed */

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

/* Makes a dual-energy image of two caller buffers of 16-bit transmission
 * pixels (host byte order) of the same scan: `high` the high-energy
 * channel (plane 0), `low` the low-energy one (plane 1), each width x height
 * with its own row stride in bytes (>= width * 2, even). `scanner` names the
 * device (chooses the material calibration, see lscan_materials; NULL or ""
 * when unknown; copied). With equal strides and no inversion the pixels are
 * referenced, not copied (both buffers must then stay valid and unchanged
 * until lscan_image_free); otherwise they are copied into memory the image
 * owns. A NULL `high` or `low` is LSCAN_ERR_DUAL_MISMATCH (a channel
 * missing); other argument errors LSCAN_ERR_INVALID_ARGUMENT; limits as for
 * lscan_image_wrap (opts->channels must not be SINGLE). */
LSCAN_API int lscan_image_wrap_dual(lscan_ctx *ctx, const uint16_t *high, const uint16_t *low,
                                    uint32_t width, uint32_t height, size_t stride_high,
                                    size_t stride_low, const char *scanner,
                                    const lscan_load_options *opts, lscan_image **out);

/* Loads a dual-energy pair stored as two files (e.g. NAME.high.png and
 * NAME.low.png): each is decoded like lscan_image_load and must be a
 * single-channel image; the result has two planes (plane 0 from
 * `high_path`). The scanner name is the high file's (else the low file's).
 * A file that cannot be read or decoded gives its own status (the context's
 * path names it); a missing file, sizes that differ, or a file that is
 * itself a dual pair give LSCAN_ERR_DUAL_MISMATCH with a message saying
 * which. On failure *out is NULL. */
LSCAN_API int lscan_image_load_dual(lscan_ctx *ctx, const char *high_path, const char *low_path,
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

/* The scanner that made the image, as its file names it (a PNG's "Source"
 * text, which names the device that created the image) or as given to
 * lscan_image_wrap_dual; NULL when unknown. A dual-energy material
 * calibration (lscan_materials) is chosen by it. Owned by the image. */
LSCAN_API const char *lscan_image_scanner(const lscan_image *img);

/* Writes the image as a 16-bit PNG (grey, or grey+alpha for a dual-energy
 * pair, high energy first) with zlib level `level` (0..9; -1 for the
 * default, 6); an image with a scanner name gets it as the PNG's "Source"
 * text. */
LSCAN_API int lscan_image_save_png(lscan_ctx *ctx, const lscan_image *img, const char *path,
                                   int level);

/* Writes one plane of the image (0, or 1: the low energy of a dual pair) as
 * a 16-bit grey PNG, with the scanner name as its "Source" text: how a
 * dual-energy pair is stored as two files. LSCAN_ERR_INVALID_ARGUMENT for a
 * plane the image lacks. */
LSCAN_API int lscan_image_save_png_plane(lscan_ctx *ctx, const lscan_image *img, uint32_t plane,
                                         const char *path, int level);

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

/* Material classes of dual-energy scans (docs/dual-energy.md): what the ratio
 * of a cell's low- to high-energy attenuation, read against a calibration
 * curve for its thickness, says the cell is made of. Pinned values. */
typedef enum lscan_material {
    /* Not resolvable: too thin (air, light cargo) or too thick (near the
     * noise floor) for the two energies to tell the classes apart at the
     * scan's noise, or no dual-energy data. */
    LSCAN_MATERIAL_NONE = 0,
    LSCAN_MATERIAL_ORGANIC = 1, /* Z ~6-8: food, textiles, paper, wood, plastics, liquids */
    LSCAN_MATERIAL_LIGHT = 2,   /* light inorganic, Z ~11-14: aluminium, glass, ceramics, stone */
    LSCAN_MATERIAL_STEEL = 3,   /* Z ~26-29: steel, iron, copper */
    LSCAN_MATERIAL_HEAVY = 4    /* heavy metal, Z > ~50: lead, tungsten, uranium */
} lscan_material;
#define LSCAN_MATERIAL_COUNT 5

/* A stable lower-case name ("none", "organic", "light", "steel", "heavy"),
 * or NULL for an unknown value. Thread-safe. */
LSCAN_API const char *lscan_material_name(int material);

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
    /* Fields below were added with dual energy. */
    /* 1: render the scan at both energies of the scanner profile's
     * interleaved linac (e.g. 6 and 4 MeV, 9 and 6 MeV; docs/dual-energy.md
     * lists the pair of every profile): the image then has two planes (0 =
     * high energy, 1 = low energy) of the same scene, each with the
     * profile's scanner effects and its own noise, and records the scanner
     * profile's name (lscan_image_scanner; written into PNG files as their
     * "Source" text). Only the worlds with a linac profile (not classic,
     * which renders one monochromatic energy) take it; its export is always
     * the raw 16-bit pair (png16). Default 0: one energy, byte-identical to
     * scans made before dual energy existed. */
    uint32_t dual;
    /* lscan_synth_scene: what is scanned; default a container. */
    uint32_t scene;
} lscan_synth_params;

/* What lscan_synth_generate scans (lscan_synth_params.scene). */
typedef enum lscan_synth_scene {
    LSCAN_SYNTH_SCENE_CONTAINER = 0, /* a container with its load (the default) */
    /* A calibration step wedge in air: four staircases (organic, light
     * inorganic, steel, lead; one per row, 24 steps each from ~0.15 to ~13
     * in attenuation at 4 MeV) for fitting a dual-energy material calibration
     * (lscan_wedge_measure). Needs a world with a linac profile; the truth
     * is class "empty", subclass "step_wedge", and its material map
     * (lscan_synth_truth_materials) marks every step. */
    LSCAN_SYNTH_SCENE_STEP_WEDGE = 1
} lscan_synth_scene;

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
/* The low-energy pulse's nominal energy of a dual-energy scan, MeV; 0 for
 * a single-energy scan. */
LSCAN_API float lscan_synth_truth_linac_low_mev(const lscan_synth_truth *t);

/* Code of a pixel whose matter no one material dominates. */
#define LSCAN_SYNTH_MATERIAL_MIXED 255
/* The material of every pixel of a dual-energy scan or step wedge: width *
 * height bytes, row-major, the lscan_material of the basis material giving
 * at least 80 % of the pixel's attenuation at 4 MeV (scene and anomaly
 * together), LSCAN_MATERIAL_NONE where that attenuation is below 0.05 (air)
 * and LSCAN_SYNTH_MATERIAL_MIXED where no material reaches 80 %. NULL for
 * single-energy scans. Owned by the truth. */
LSCAN_API const uint8_t *lscan_synth_truth_materials(const lscan_synth_truth *t);
/* Writes that map as an 8-bit grey PNG of the codes (0-4, 255). Returns
 * LSCAN_OK, LSCAN_ERR_INVALID_ARGUMENT (no map: a single-energy scan) or
 * LSCAN_ERR_IO (details on ctx). */
LSCAN_API int lscan_synth_truth_save_materials(lscan_ctx *ctx, const lscan_synth_truth *t,
                                               const char *path);

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
    /* Added with dual energy: the material calibration for two-plane images
     * (borrowed: it must outlive the call); NULL (default): no material map.
     * See lscan_analysis_materials. */
    const struct lscan_materials *materials;
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
    LSCAN_CALIB_DISPLAY_UNCLEAR = 1u << 13,  /* the evidence did not settle the mapping
                                                (or contradicted itself): read as LINEAR */
    LSCAN_CALIB_CHASSIS = 1u << 10,          /* a truck chassis was cut from the box */
    LSCAN_CALIB_UPSIDE_DOWN = 1u << 11,      /* the container shows upside down (a
                                                bottom-up detector array): floor at the
                                                top, roof at the bottom */
    LSCAN_CALIB_DEFECTIVE_ROWS = 1u << 12    /* defective detector rows (dead or hot)
                                                were given their neighbours' attenuation */
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

/* lscan_feature_count(LSCAN_FEATURES_LOAD) floats: the load descriptors.
 * Owned by the analysis. */
LSCAN_API const float *lscan_analysis_load_features(const lscan_analysis *a);

typedef enum lscan_feature_set {
    LSCAN_FEATURES_TILE = 0,
    LSCAN_FEATURES_IMAGE = 1,
    /* Load descriptors: what the load is (fill, height profile, attenuation per
     * metre, texture at several scales, repeating unit) and what stands out of
     * an empty container; the commodity model and the empty-container check
     * read them. */
    LSCAN_FEATURES_LOAD = 2,
    /* Dual energy: the material features (docs/dual-energy.md), read by
     * dual-energy models after the tile aggregates; all zero without a
     * material map. lscan_analysis_material_features gives them. */
    LSCAN_FEATURES_MATERIAL = 3
} lscan_feature_set;

/* lscan_feature_count(LSCAN_FEATURES_MATERIAL) floats (dual energy), owned
 * by the analysis. */
LSCAN_API const float *lscan_analysis_material_features(const lscan_analysis *a);

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

/* ==== section: dual energy: material calibration and material maps (libscan/calib/materials.c,
 * libscan/features/material.c) ==== */

/*
 * A dual-energy scan has two planes of the same scene: high and low energy.
 * A cell's ratio R = A_low / A_high of its attenuations at the two energies
 * depends on what it is made of (Compton scattering falls with energy for
 * every material, pair production rises with Z) and, through beam
 * hardening, on how thick it is. A material calibration holds, for each
 * scanner it knows, four curves R(A_high): organic, light inorganic, steel
 * and heavy metal, fitted to step wedges of those materials scanned by that
 * scanner (each plane's attenuation measured against the scan's own air).
 * A cell is given the class whose curve is nearest at its thickness, or
 * LSCAN_MATERIAL_NONE where, at the scan's measured noise, that curve is not
 * at least four standard deviations of R from its neighbours (too thin) or
 * the cell nears the noise floor (too thick). docs/dual-energy.md describes
 * the method, the file format and the figures.
 */

typedef struct lscan_materials lscan_materials;

/* One step of a step wedge as measured on a scan: its material (an
 * lscan_material, 1..4), the mean attenuations A = -ln(I / I0) over its
 * inner part at each energy (each plane against its own air level and row
 * gains) and how many pixels were averaged. */
typedef struct lscan_wedge_step {
    uint32_t size;     /* sizeof, set by lscan_wedge_measure */
    uint32_t material; /* lscan_material */
    uint64_t pixels;
    double a_high, a_low;
} lscan_wedge_step;

/* Measures the steps of a dual-energy step-wedge scan (e.g. from
 * lscan_synth_generate with LSCAN_SYNTH_SCENE_STEP_WEDGE): `materials`
 * (width x height bytes, rows `stride` bytes apart) gives each pixel's
 * material class, 0 for air and 255 for anything else; every 4-connected
 * region of one class is a step, measured over the middle half of its
 * bounding box (away from blurred edges). Steps reaching the noise floor in
 * either plane are left out. Writes up to `max_steps` steps, their count in
 * *n_steps. LSCAN_ERR_DUAL_MISMATCH for a single-plane image; calibration
 * errors as lscan_analyze's. Thread-safe with one context per thread. */
LSCAN_API int lscan_wedge_measure(lscan_ctx *ctx, const lscan_image *img, const uint8_t *materials,
                                  size_t stride, lscan_wedge_step *steps, size_t max_steps,
                                  size_t *n_steps);

/* An empty calibration; NULL when out of memory. */
LSCAN_API lscan_materials *lscan_materials_new(void);

/* Fits (or refits) the calibration of scanner `scanner` (a non-empty name,
 * at most 63 bytes, as lscan_image_scanner gives it) to measured wedge
 * steps, typically of several wedge scans: per material, R as a function
 * of A_high by local linear regression on ln A_high (a Gaussian window of
 * 0.15), tabulated every 0.125 of A_high over the steps' range (never
 * extrapolated). Needs at least 4 steps of each of the four
 * materials (LSCAN_ERR_INVALID_ARGUMENT otherwise). Not thread-safe on `m`:
 * fit before sharing it. */
LSCAN_API int lscan_materials_fit(lscan_ctx *ctx, lscan_materials *m, const char *scanner,
                                  const lscan_wedge_step *steps, size_t n_steps);

/* Reads, parses or writes a calibration file (plain text: a format line,
 * per scanner its curves as tables of integers, a checksum; see
 * docs/dual-energy.md). Parsing checks every line (LSCAN_ERR_MODEL_SYNTAX,
 * _VERSION, _VALUE, _CHECKSUM with the line number in the message); write ->
 * load -> write gives identical bytes. */
LSCAN_API int lscan_materials_load(lscan_ctx *ctx, const char *path, lscan_materials **out);
LSCAN_API int lscan_materials_parse(lscan_ctx *ctx, const char *text, size_t size,
                                    lscan_materials **out);
LSCAN_API int lscan_materials_save(lscan_ctx *ctx, const lscan_materials *m, const char *path);
LSCAN_API void lscan_materials_free(lscan_materials *m);

/* The scanners a calibration knows: their count and names (index order;
 * NULL out of range). Owned by the calibration; thread-safe. */
LSCAN_API uint32_t lscan_materials_count(const lscan_materials *m);
LSCAN_API const char *lscan_materials_scanner(const lscan_materials *m, uint32_t index);

/* The calibration's curve of `material` (1..4) for `scanner` at attenuation
 * a_high: the ratio A_low / A_high of that material at that thickness, or
 * 0 where the scanner or the thickness is not calibrated. Thread-safe. */
LSCAN_API double lscan_materials_ratio(const lscan_materials *m, const char *scanner,
                                       uint32_t material, double a_high);

/* The material class of a noise-free measurement (a_high, a_low) on
 * `scanner`: the class whose curve is nearest at a_high, or
 * LSCAN_MATERIAL_NONE where nothing is calibrated. For tools and tests;
 * scans are classified per cell with their noise by lscan_analyze. */
LSCAN_API int lscan_materials_classify(const lscan_materials *m, const char *scanner, double a_high,
                                       double a_low);

/* The material map of an analysis of a dual-energy image made with a
 * calibration (lscan_analyze_options.materials): one lscan_material per
 * cell of *cell_px x *cell_px pixels over the container box (*cols x *rows
 * cells from its top-left corner, the last ones cut), each cell classified
 * from the mean attenuations of the 3 x 3 cells around it. Returns LSCAN_OK
 * with *map owned by the analysis, or why there is none (*map NULL):
 * LSCAN_ERR_UNSUPPORTED (a single-energy image or no calibration given),
 * LSCAN_ERR_CALIBRATION (the calibration does not know the image's
 * scanner), LSCAN_ERR_DUAL_MISMATCH (the low-energy plane is blank or
 * saturated: a channel missing). Any pointer may be NULL. Thread-safe. */
LSCAN_API int lscan_analysis_materials(const lscan_analysis *a, const uint8_t **map, uint32_t *cols,
                                       uint32_t *rows, uint32_t *cell_px);

/* The mean attenuations behind that map: per cell, over its 3 x 3 cells,
 * A = -ln(I / I0) times 2048 (A 0..16 in 0..32767), plane 0 high energy,
 * 1 low; NULL when there is no map. Owned by the analysis. */
LSCAN_API const uint16_t *lscan_analysis_material_attenuation(const lscan_analysis *a,
                                                              uint32_t plane);

/* The material map of a whole dual-energy image, container or not (step
 * wedges, a vendor's own display): both planes calibrated against their own
 * air, cells of cell_px x cell_px pixels (1..32) from the top-left corner
 * (the last ones cut), each classified from its 3 x 3 cells as in the
 * analysis. Errors: LSCAN_ERR_UNSUPPORTED (one plane), LSCAN_ERR_CALIBRATION
 * (scanner not in the calibration), LSCAN_ERR_DUAL_MISMATCH (blank or
 * saturated low plane), calibration errors, LSCAN_ERR_NO_MEMORY,
 * LSCAN_ERR_TOO_LARGE (memory budget). Thread-safe with one context per
 * thread. */
typedef struct lscan_material_map lscan_material_map;
LSCAN_API int lscan_material_map_make(lscan_ctx *ctx, const lscan_image *img,
                                      const lscan_materials *materials, uint32_t cell_px,
                                      lscan_material_map **out);
LSCAN_API void lscan_material_map_free(lscan_material_map *mm);
/* The classes (lscan_material) of the cells, row-major; owned by the map. */
LSCAN_API const uint8_t *lscan_material_map_classes(const lscan_material_map *mm, uint32_t *cols,
                                                    uint32_t *rows, uint32_t *cell_px);
/* Their mean attenuations times 2048 (as lscan_analysis_material_attenuation). */
LSCAN_API const uint16_t *lscan_material_map_attenuation(const lscan_material_map *mm,
                                                         uint32_t plane);

/* ==== end section: dual energy ==== */

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

/* 1 for a dual-energy model (trained with lscan_trainer_set_materials: its
 * image models also read the material features; its file says "variant
 * dual"), 0 otherwise. */
LSCAN_API int lscan_model_dual(const lscan_model *model);

/* The decision threshold on the INSPECT probability (0..1). */
LSCAN_API double lscan_model_threshold(const lscan_model *model);

/* A provenance field of the model ("name", "training", "target-detection",
 * "validation-detection", "validation-release", ...) as text, or NULL. */
LSCAN_API const char *lscan_model_info(const lscan_model *model, const char *key);

/* The image model's feature names: the image features followed by the tile
 * score aggregates. */
LSCAN_API uint32_t lscan_model_feature_count(void);
LSCAN_API const char *lscan_model_feature_name(uint32_t index);

/* -- Declarations --------------------------------------------------------- */

/*
 * A scan may come with what its paperwork declares (docs/declarations.md):
 * the container is empty, it holds goods of an HS code, or a cargo kind; and
 * the consignment it belongs to. Screening then checks the scan against the
 * declaration, with reasons of its own in the result: a declared-empty
 * container that holds anything beyond its own structure, a declared-loaded
 * one that is empty, a load the commodity model recognises as another
 * commodity group with confidence, and (lscan_consignment_compare, batches) a
 * container whose load differs from its consignment's other containers. The
 * release threshold may depend on the declared group (the model file's
 * operating points). Without a declaration a scan is judged on its anomalies
 * alone, as before.
 */

/* What a declaration's text is. */
typedef enum lscan_declared_kind {
    LSCAN_DECLARED_NONE = 0,  /* no declaration (NULL or empty text) */
    LSCAN_DECLARED_EMPTY = 1, /* "empty", in any case */
    LSCAN_DECLARED_HS = 2,    /* an HS code: 2 to 10 digits; dots and spaces between
                                 digits are allowed ("8471.30"); the model uses the
                                 first two, the chapter */
    LSCAN_DECLARED_CARGO = 3  /* a cargo kind: letters, digits, spaces, '_', '-', '/'
                                 and '&' (at most 63 bytes), looked up among the model's
                                 commodity and group names without regard to case,
                                 spaces and '-' against '_' */
} lscan_declared_kind;

/* A declaration. Initialise with lscan_declaration_init(). The strings are
 * read during the call they are passed to and not kept. */
typedef struct lscan_declaration {
    uint32_t size;             /* sizeof(lscan_declaration), set by init */
    uint32_t consignment_size; /* the containers of the consignment when known (0,
                                  the default: unknown); a batch compares a
                                  consignment as soon as that many of its scans
                                  are screened, else at lscan_batch_finish */
    const char *declared;      /* what was declared, as above; NULL = nothing */
    const char *consignment;   /* the consignment (e.g. bill of lading) id, or NULL:
                                  1 to 255 bytes without control characters */
} lscan_declaration;

/* Fills *d with "no declaration" and sets d->size. NULL is ignored. */
LSCAN_API void lscan_declaration_init(lscan_declaration *d);

/* The kind of a declaration's text (lscan_declared_kind), or -1 when it is
 * malformed: an HS code of fewer than 2 or more than 10 digits, a character
 * outside those listed above, over 63 bytes. Leading and trailing spaces are
 * ignored. Thread-safe. */
LSCAN_API int lscan_declared_kind_of(const char *declared);

/* Checks a whole declaration (its text as lscan_declared_kind_of, the
 * consignment id's length and characters). Returns LSCAN_OK or
 * LSCAN_ERR_INVALID_ARGUMENT, with a message on ctx (may be NULL) saying
 * what is wrong. Screening refuses a malformed declaration the same way,
 * before it reads the image. */
LSCAN_API int lscan_declaration_check(lscan_ctx *ctx, const lscan_declaration *d);

/* Options for screening. Initialise with lscan_screen_options_init(). */
typedef struct lscan_screen_options {
    uint32_t size;       /* sizeof(lscan_screen_options), set by init */
    uint32_t polarity;   /* lscan_polarity for calibration; default AUTO */
    float pitch_mm;      /* pixel pitch; 0 = estimate */
    float air_level;     /* I0; 0 = estimate */
    double threshold;    /* decision threshold; negative = the model's */
    uint32_t max_reasons;   /* reasons kept (default 5, at most 32) */
    uint32_t max_hot_tiles; /* hottest tiles kept (default 5, at most 32) */
    /* The scan's declaration, or NULL (default): none. Checked and copied by
     * lscan_screen and lscan_screen_file (a malformed one is refused with
     * LSCAN_ERR_INVALID_ARGUMENT and no result). Batches ignore it: declare
     * each input with lscan_batch_submit_*_ex. */
    const lscan_declaration *declaration;
    /* Added with dual energy. A model trained on dual-energy scans
     * (lscan_model_dual) that screens every two-plane image instead of the
     * model passed to lscan_screen (its threshold replaces that model's);
     * NULL (default): two-plane images are screened on their high-energy
     * plane by that model. Borrowed: must outlive the screening. */
    const lscan_model *dual_model;
    /* The material calibration for two-plane images (borrowed; NULL: none):
     * the analysis's material map (overlays, lscan_result_materials) and
     * the dual model's material features. A dual model given an image whose
     * scanner the calibration does not know (LSCAN_ERR_CALIBRATION), no
     * calibration, or a low plane without signal (LSCAN_ERR_DUAL_MISMATCH)
     * decides INSPECT with that status. */
    const struct lscan_materials *materials;
} lscan_screen_options;

LSCAN_API void lscan_screen_options_init(lscan_screen_options *opts);

/* The outcome of screening one image. */
typedef struct lscan_result lscan_result;

/* Screens an image with a model: calibrate, locate, features, the scan
 * check, tile scores, image score, decision. The scan check runs before the
 * model: an image that does not look like a transmission scan of a container
 * (colour, a box too small or too coarse for its pitch, a flat drawing, no
 * corner fittings; docs/features.md) fails with LSCAN_ERR_NOT_A_SCAN and a
 * message naming the check and what it measured. Whatever fails yields a
 * result anyway, decided INSPECT, with the failure's status and message in
 * the result (fail-safe).
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
/* Dual energy: the material map of the scan's container box when it was
 * screened with a material calibration (lscan_analysis_materials' layout:
 * *cols x *rows cells of *cell_px pixels from the container box's top-left
 * corner, lscan_result_container); LSCAN_ERR_UNSUPPORTED (and NULL) when
 * there is none. Owned by the result. */
LSCAN_API int lscan_result_materials(const lscan_result *r, const uint8_t **map, uint32_t *cols,
                                     uint32_t *rows, uint32_t *cell_px);

typedef enum lscan_stage {
    LSCAN_STAGE_DECODE = 0,
    LSCAN_STAGE_CALIBRATE = 1, /* calibration and container location */
    LSCAN_STAGE_FEATURES = 2,
    LSCAN_STAGE_CLASSIFY = 3,
    LSCAN_STAGE_COUNT = 4
} lscan_stage;
/* Seconds spent in a stage for this result (0 for stages not run). */
LSCAN_API double lscan_result_stage_seconds(const lscan_result *r, uint32_t stage);

/* -- Declaration results -------------------------------------------------- */

/* How the scan stands against its declaration. */
typedef enum lscan_consistency {
    LSCAN_CONSISTENCY_NONE = 0,             /* no declaration, or the scan was not analysed */
    LSCAN_CONSISTENCY_CONSISTENT = 1,       /* the scan agrees with what was declared */
    LSCAN_CONSISTENCY_EMPTY_BUT_LOADED = 2, /* declared empty, holds more than the container */
    LSCAN_CONSISTENCY_LOADED_BUT_EMPTY = 3, /* declared loaded, the container is empty */
    LSCAN_CONSISTENCY_MISMATCH = 4,         /* the load is recognised as another commodity group
                                               with confidence */
    LSCAN_CONSISTENCY_UNKNOWN = 5           /* the model does not know the declared HS chapter or
                                               cargo kind (or checks no declarations): the scan is
                                               judged on its anomalies alone */
} lscan_consistency;

/* A stable lower-case name: "none", "consistent", "declared_empty_but_loaded",
 * "declared_loaded_but_empty", "declared_mismatch", "declared_unknown"; NULL
 * for an unknown value. Thread-safe. */
LSCAN_API const char *lscan_consistency_name(uint32_t consistency);

/* The checks that can ask for INSPECT, as bits of lscan_result_checks(). */
typedef enum lscan_check {
    LSCAN_CHECK_ANOMALY = 1u << 0,            /* the anomaly score reached the threshold */
    LSCAN_CHECK_FAILED = 1u << 1,             /* the scan could not be read or analysed */
    LSCAN_CHECK_EMPTY_BUT_LOADED = 1u << 2,   /* declared_empty_but_loaded */
    LSCAN_CHECK_LOADED_BUT_EMPTY = 1u << 3,   /* declared_loaded_but_empty */
    LSCAN_CHECK_MISMATCH = 1u << 4,           /* declared_mismatch */
    LSCAN_CHECK_CONSIGNMENT_OUTLIER = 1u << 5 /* consignment_outlier */
} lscan_check;

/* The name of one check bit: "anomaly", "failed", "declared_empty_but_loaded",
 * "declared_loaded_but_empty", "declared_mismatch", "consignment_outlier";
 * NULL for anything else. Thread-safe. */
LSCAN_API const char *lscan_check_name(uint32_t check);

/* A mask of lscan_check: every check that asks for INSPECT (0 for a RELEASE
 * result). The decision is INSPECT exactly when it is not 0. */
LSCAN_API uint32_t lscan_result_checks(const lscan_result *r);

/* The declaration's text as given (trimmed), "" when none. Never NULL; owned
 * by the result. */
LSCAN_API const char *lscan_result_declared(const lscan_result *r);

/* The declaration's lscan_declared_kind. */
LSCAN_API uint32_t lscan_result_declared_kind(const lscan_result *r);

/* The commodity groups the declaration stands for, '|'-separated ("sacks",
 * "bulk|sacks" for an HS chapter the model maps to two groups, "empty"), or
 * NULL when there is none or the model does not know it. Owned by the result. */
LSCAN_API const char *lscan_result_declared_group(const lscan_result *r);

/* lscan_consistency of the scan with its declaration. */
LSCAN_API uint32_t lscan_result_consistency(const lscan_result *r);

/* The probability the commodity model gives the declared groups together
 * (NaN when not computed: no declaration of goods, unknown, not analysed). */
LSCAN_API double lscan_result_declared_p(const lscan_result *r);

/* The recognised commodity group and its probability: the commodity model's
 * most probable group for the load. NULL (and *p NaN) when the scan was not
 * analysed, the container is empty, or the model has no commodity model.
 * Computed with or without a declaration. p may be NULL. */
LSCAN_API const char *lscan_result_recognised(const lscan_result *r, double *p);

/* The top alternatives, most probable first (index 0 is the recognised group):
 * at most LSCAN_MAX_ALTERNATIVES. */
#define LSCAN_MAX_ALTERNATIVES 5
LSCAN_API uint32_t lscan_result_alternative_count(const lscan_result *r);
LSCAN_API int lscan_result_alternative(const lscan_result *r, uint32_t index, const char **group,
                                       double *p);

/* The probability that the container holds more than its own structure
 * (the empty-container check's score; NaN when not analysed). */
LSCAN_API double lscan_result_loaded_p(const lscan_result *r);

/* The consignment id the scan was declared with, or NULL. */
LSCAN_API const char *lscan_result_consignment(const lscan_result *r);

/* After a consignment comparison: how far the load lies from its nearest
 * sibling (the outlier score; NaN when not compared: no consignment, a
 * single scan, not analysed or empty), and the sibling it differs from most
 * (its name as given to the comparison or the batch, NULL when unnamed or
 * not compared) with that sibling's index (its position in the compared
 * array, or its batch input index; UINT64_MAX when not compared). The scan
 * is a consignment outlier when lscan_result_checks has
 * LSCAN_CHECK_CONSIGNMENT_OUTLIER. */
LSCAN_API double lscan_result_consignment_score(const lscan_result *r);
LSCAN_API const char *lscan_result_consignment_sibling(const lscan_result *r, uint64_t *index);

/* Compares the scans of one consignment: results of lscan_screen /
 * lscan_screen_file with `model`, n of them, with their names (names may be
 * NULL, or hold NULL entries). A scan whose load differs markedly from all
 * its siblings' (fill, attenuation per metre, texture, recognised commodity:
 * the model's consignment features and threshold) gets
 * LSCAN_CHECK_CONSIGNMENT_OUTLIER and is decided INSPECT; every compared
 * result records its score and the sibling it differs from most. Results that
 * were not analysed or show an empty container take no part. Comparing again
 * replaces the previous outcome. The result depends only on the results, in
 * their order. Modifies the results: not concurrently with other use of
 * them. Returns LSCAN_OK, LSCAN_ERR_INVALID_ARGUMENT, LSCAN_ERR_NO_MEMORY. */
LSCAN_API int lscan_consignment_compare(lscan_ctx *ctx, const lscan_model *model,
                                        lscan_result *const *results, const char *const *names,
                                        size_t n);

/* Evaluates another declaration against a scan already screened (e.g. a
 * declaration that arrived after the scan, or an evaluation drawing
 * declarations): the consistency it would get, the probability of its groups
 * (NaN when not computed) and whether the decision would be INSPECT with it
 * (1) or RELEASE (0), consignment comparison aside. The result is not
 * changed. Returns LSCAN_OK or LSCAN_ERR_INVALID_ARGUMENT (a malformed
 * declaration, details on ctx). Any pointer out may be NULL. */
LSCAN_API int lscan_result_check_declaration(lscan_ctx *ctx, const lscan_model *model,
                                             const lscan_result *r, const lscan_declaration *d,
                                             uint32_t *consistency, double *declared_p,
                                             uint32_t *inspect);

/* 1 when the model checks declarations (it has the empty-container check, and
 * the commodity model when lscan_model_group_count is not 0), else 0: every
 * declaration is then declared_unknown. Thread-safe. */
LSCAN_API int lscan_model_checks_declarations(const lscan_model *model);

/* The model's commodity groups (0 when it has no commodity model), their
 * names, and its HS table: the groups an HS chapter (0..99) maps to, as a
 * '|'-separated list, NULL for a chapter it does not know. Thread-safe. */
LSCAN_API uint32_t lscan_model_group_count(const lscan_model *model);
LSCAN_API const char *lscan_model_group_name(const lscan_model *model, uint32_t index);
LSCAN_API const char *lscan_model_hs_chapter(const lscan_model *model, uint32_t chapter);

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

/* Dual energy: the trainer analyses every image with this material
 * calibration (borrowed: it must outlive the trainer) and fits a dual-energy
 * model, whose image models also read the material features. Images must
 * be dual-energy pairs of scanners the calibration knows (others are
 * refused with their status). Call before adding images
 * (LSCAN_ERR_INVALID_ARGUMENT after). */
LSCAN_API int lscan_trainer_set_materials(lscan_trainer *t,
                                          const struct lscan_materials *materials);

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
    /* What the container holds, for the commodity model (NULL = unknown):
     * the commodity ("sugar_bags"; "empty" for an empty container), the
     * commodity group the model should recognise it as (NULL = the commodity
     * itself) and its HS chapter (two digits, NULL or "" for none). For an
     * INSPECT scan, the load hosting the anomaly. Copied. */
    const char *commodity;
    const char *group;
    const char *hs_chapter;
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
    /* Declaration checks (docs/declarations.md), chosen on the validation
     * scans: the mismatch threshold flags at most mismatch_false_rate of the
     * loads declared truly (default 0.03); the consignment threshold at most
     * consignment_false_rate of consistent consignments of consignment_size
     * containers drawn from the validation scans (defaults 0.02 and 4). The
     * empty-container check flags target_detection of the loads in
     * declared-empty containers and of the empty containers declared loaded.
     * A group's release threshold needs min_group_inspect INSPECT validation
     * scans in that group (default 20), else it is the model's. */
    double mismatch_false_rate;
    double consignment_false_rate;
    uint32_t consignment_size;
    uint32_t min_group_inspect;
    /* The L2 penalty of the empty-container check's logistic model over every image feature
     * and load descriptor (default 10, chosen on the mosaic world's validation scans). */
    double empty_l2;
    /* The share of validation loads (declared truly) the empty-container check may read as
     * empty (declared_loaded_but_empty): its threshold flags target_detection of the empty
     * validation containers unless that reads more loads as empty (default 0.01). */
    double empty_false_rate;
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

/* Queues a dual-energy pair stored as two files (lscan_image_load_dual; both
 * paths copied); the callbacks get the high-energy path as the name. Returns
 * as lscan_batch_submit_path. A missing file or sizes that differ give an
 * INSPECT result with LSCAN_ERR_DUAL_MISMATCH. */
LSCAN_API int lscan_batch_submit_pair(lscan_batch *b, const char *high_path, const char *low_path,
                                      uint64_t *index);

/* Queues an encoded image (PNG, JPEG, PNM) held in memory; `name` (copied,
 * may be NULL) is passed back to the callbacks. The buffer is borrowed: it
 * must stay valid and unchanged until this input's on_result returns. */
LSCAN_API int lscan_batch_submit_buffer(lscan_batch *b, const void *data, size_t size,
                                        const char *name, uint64_t *index);

/* Queues an image (e.g. from lscan_image_wrap); borrowed like a buffer:
 * valid and unchanged until this input's on_result returns. */
LSCAN_API int lscan_batch_submit_image(lscan_batch *b, const lscan_image *img, const char *name,
                                       uint64_t *index);

/* The submit functions with a declaration (NULL = none; copied). A
 * malformed declaration (lscan_declaration_check) is refused with
 * LSCAN_ERR_INVALID_ARGUMENT and nothing is queued. Inputs sharing a
 * consignment id are compared with each other (lscan_consignment_compare,
 * names the submitted paths or names, indices the input indices) once all
 * its scans are screened: when consignment_size of them are, else at
 * lscan_batch_finish. Results are still delivered in input order, so a
 * consignment's results, and every result after its first, wait until it
 * is compared: memory then grows with the inputs screened meanwhile (a
 * result is a few kilobytes), beyond max_in_flight. Declaring
 * consignment_size, or submitting a consignment's scans together, keeps the
 * wait short. The comparison depends only on the results, so records stay
 * identical for any thread count. */
LSCAN_API int lscan_batch_submit_path_ex(lscan_batch *b, const char *path,
                                         const lscan_declaration *declaration, uint64_t *index);
LSCAN_API int lscan_batch_submit_buffer_ex(lscan_batch *b, const void *data, size_t size,
                                           const char *name, const lscan_declaration *declaration,
                                           uint64_t *index);
LSCAN_API int lscan_batch_submit_image_ex(lscan_batch *b, const lscan_image *img, const char *name,
                                          const lscan_declaration *declaration, uint64_t *index);

/* Waits until every submitted input is delivered (consignments still
 * waiting for scans are compared with those they have). Returns LSCAN_OK or
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
