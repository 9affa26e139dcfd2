/* eval_declared.h — `scan eval`'s figures of the declaration checks: empty containers,
 * commodity recognition, mismatches, operating points by declared group, consignments. */
#ifndef SCAN_EVAL_DECLARED_H
#define SCAN_EVAL_DECLARED_H

#include "dataset.h"

/* Computes and prints the figures for the scans of `ds` screened (without a declaration) into
 * results[i] (NULL when memory ran out), declarations drawn from their labels: each commodity's
 * group through `groups` (NULL: the commodity itself), consignments of `consignment_size` scans
 * of one commodity and world. Text, or with `json` the members of a JSON object (no braces,
 * starting with a comma). Modifies the results (consignment comparisons). */
void eval_declarations(const lscan_model *model, const struct dataset *ds, lscan_result **results,
                       const struct groups *groups, uint32_t consignment_size, bool json);

#endif
