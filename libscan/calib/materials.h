/* materials.h — internals of the dual-energy material calibration, shared with the material map. */
#ifndef LSCAN_MATERIALS_H
#define LSCAN_MATERIALS_H

#include "features/feat.h"

typedef struct lscan__matcal {
    char scanner[LSCAN__SCANNER_MAX];
    /* Per class: the measured range of A_high, the steps fitted, and the
     * curve (0 in bins outside the range: the class is not calibrated there). */
    double a_lo[LSCAN__MAT_CLASSES], a_hi[LSCAN__MAT_CLASSES];
    uint32_t steps[LSCAN__MAT_CLASSES];
    uint16_t r[LSCAN__MAT_CLASSES][LSCAN__MAT_BINS];
} lscan__matcal;

struct lscan_materials {
    uint32_t n, cap;
    lscan__matcal *v;
};

/* The calibration of `scanner`: that name's; for an unnamed image (NULL or
 * ""), the only one when there is exactly one. NULL otherwise. */
const lscan__matcal *lscan__materials_find(const lscan_materials *m, const char *scanner);

#endif
