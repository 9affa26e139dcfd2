/* batch.h — internal declarations of the batch module (tests reach them through the internal
 * archive). */
#ifndef LSCAN_BATCH_H
#define LSCAN_BATCH_H

#include "../core/internal.h"

#define LSCAN__BATCH_MAX_THREADS 1024u
#define LSCAN__BATCH_MAX_IN_FLIGHT (1u << 20)

/* The largest number of inputs that were being screened at the same moment
 * since the batch was made (tests check it never exceeds the thread count). */
uint32_t lscan__batch_max_running(lscan_batch *b);

/* Screens an image the caller decoded itself (libscan/model/screen.c): like
 * lscan_screen, and records `decode_seconds` as the decode stage. With img
 * NULL, makes the INSPECT result of the decode failure `status`, whose
 * details are on ctx. `decl` (NULL: none) is the input's declaration. */
struct lscan__declaration; /* model/declared.h */
int lscan__screen_decoded(lscan_ctx *ctx, const lscan_model *model, const lscan_image *img,
                          int status, double decode_seconds, const lscan_screen_options *opts,
                          const struct lscan__declaration *decl, lscan_result **out);

#endif
