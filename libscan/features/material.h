/* material.h — internals of the dual-energy material map and its features (features/material.c). */
#ifndef LSCAN_MATERIAL_H
#define LSCAN_MATERIAL_H

#include "features/feat.h"

struct lscan__matcal;

/* The material state of one analysis (lscan_analysis.mat). */
struct lscan__material {
    int status;        /* LSCAN_OK with a map, or why there is none */
    char message[256]; /* the reason, when status is not LSCAN_OK */
    bool active;       /* the low plane is calibrated: the sweep sums it */
    const struct lscan__matcal *cal;
    lscan__calib high, clow; /* the two planes' calibrations (clow's rows below) */
    float *row_gain;
    int32_t *row_off;
    uint16_t *row_thr;
    uint32_t cell, ccols, crows; /* the fine cells of the residual stage (tile / 8) */
    size_t as;                   /* row stride of abuf */
    uint16_t *abuf;              /* a band of the low plane's attenuation */
    uint32_t *colacc;            /* box width: kernel scratch */
    uint32_t *cell_low;          /* crows * ccols sums of the low attenuation */
    uint16_t *mh, *ml;           /* per cell: mean high and low attenuation over its 3 x 3 */
    uint8_t *map;                /* per cell: lscan_material */
};

/* Both planes of a dual image as attenuation (Q4.11), each against its own
 * air level and row gains: two new arrays of width * height + 1 values, the
 * last one the plane's noise-floor threshold. For step wedges. A blank or
 * saturated low plane is LSCAN_ERR_DUAL_MISMATCH. With calib non-NULL, calib[0]
 * and calib[1] get the planes' calibrations (their row arrays not kept). */
int lscan__dual_attenuation(lscan_ctx *ctx, const lscan_image *img, uint16_t **ah, uint16_t **al,
                            lscan__calib *calib);

/* Bytes the material map adds to an analysis of a two-plane image. */
void lscan__material_need(const lscan_image *img, const lscan_box *box, uint32_t tile,
                          size_t *bytes);

/* Starts the map: for a two-plane image with a calibration knowing its
 * scanner, calibrates the low plane (its own air and row gains, the high
 * plane's polarity). *out is always set (free with lscan__material_free);
 * when there will be no map its status says why. Returns LSCAN_OK, or
 * LSCAN_ERR_NO_MEMORY / LSCAN_ERR_TIME_BUDGET (the analysis fails). */
int lscan__material_begin(lscan_ctx *ctx, const lscan_image *img, const lscan_analyze_options *o,
                          const lscan__calib *c, struct lscan__feat_scratch *s,
                          const lscan_box *box, uint32_t tile, struct lscan__material **out);
/* Adds rows [y, y + h) of the box (a band of the sweep) to the low sums. */
void lscan__material_band(struct lscan__material *m, const lscan__kernels *k,
                          const lscan_image *img, const lscan_box *box, uint32_t y, uint32_t h,
                          const uint16_t *lut);
/* Classifies every cell from the fine sums (high) and the low sums.
 * LSCAN_OK or LSCAN_ERR_NO_MEMORY. */
int lscan__material_finish(struct lscan__material *m, const lscan__kernels *k, const lscan__fine *f,
                           const lscan_box *box);
void lscan__material_free(struct lscan__material *m);

#endif
