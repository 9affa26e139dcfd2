/* gate.h — the scan check: only what looks like a transmission scan of a container is screened. */
#ifndef LSCAN_GATE_H
#define LSCAN_GATE_H

#include "features/feat.h"

/* What the scan check measures on an image and its analysis (gate.c). A
 * value that could not be measured is NaN (its check then fails). */
typedef struct lscan__scan_measures {
    double chroma_share; /* colour sources: share of pixels with a clear chroma; 0 for grey */
    double pitch_y_mm;   /* the box's height read as a standard container's (2591 mm) */
    double pitch_x_mm;   /* the box's length read as a 20 ft container's (6058 mm) */
    double aspect;       /* box length / height */
    bool corner[4];      /* a fitting denser than its rail at the top left, top right,
                            bottom left, bottom right corner (gate.c) */
    double spread;       /* share of the box's samples off its two extreme values */
    double top2;         /* share of those held by their two most frequent values */
} lscan__scan_measures;

/* Measures `img` and its analysis `a` (which must be of img); uses the
 * context's scratch. */
void lscan__scan_measure(lscan_ctx *ctx, const lscan_image *img, const lscan_analysis *a,
                         lscan__scan_measures *m);

/* The scan check, run after the analysis and before any model: LSCAN_OK, or
 * LSCAN_ERR_NOT_A_SCAN recorded on ctx with a message naming the check that
 * failed and its measured value, e.g. "not a scan: colour image (38 % of
 * pixels have chroma)". Fail-safe: a check that cannot be computed fails. */
int lscan__scan_check(lscan_ctx *ctx, const lscan_image *img, const lscan_analysis *a);

#endif
