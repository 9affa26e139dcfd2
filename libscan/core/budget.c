/* budget.c — a context's memory budget (what one input may cost) and the time budget of one input.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MIB (1024.0 * 1024.0)

size_t lscan__mem_kept(const lscan_ctx *ctx)
{
    size_t n = lscan__features_ctx_bytes(ctx);
    for (int s = 0; s < LSCAN__WS_COUNT; s++)
        n = lscan__size_add(n, ctx->ws_cap[s]);
    return n;
}

/* Frees the kept buffers that hold nothing in use. */
static void shed(lscan_ctx *ctx, bool keep_feat)
{
    for (int s = 0; s < LSCAN__WS_COUNT; s++) {
        if (ctx->ws_busy & (1u << s)) continue;
        free(ctx->ws[s]);
        ctx->ws[s] = NULL;
        ctx->ws_cap[s] = 0;
    }
    if (!keep_feat) lscan__features_ctx_release(ctx);
}

int lscan__mem_admit(lscan_ctx *ctx, const lscan__mem_need *need, const char *what_fmt, ...)
{
    if (!ctx || ctx->mem_budget == 0) return LSCAN_OK;
    /* The least the call can run with: busy workspaces as they are, the
     * others at the sizes asked, nothing else kept. */
    size_t least = lscan__size_add(need->other, need->feat);
    if (need->keep_feat) least = lscan__size_add(least, lscan__features_ctx_bytes(ctx));
    for (int s = 0; s < LSCAN__WS_COUNT; s++)
        least = lscan__size_add(least, (ctx->ws_busy & (1u << s)) ? ctx->ws_cap[s] : need->ws[s]);
    if (least > ctx->mem_budget) {
        char what[160];
        va_list ap;
        va_start(ap, what_fmt);
        vsnprintf(what, sizeof what, what_fmt, ap);
        va_end(ap);
        return lscan__error(ctx, LSCAN_ERR_TOO_LARGE, "%s needs %.1f MiB, memory budget %.1f MiB",
                            what, (double)least / MIB, (double)ctx->mem_budget / MIB);
    }
    /* With what the context keeps: a workspace is reused when big enough,
     * else replaced; the feature scratch is counted twice (kept + asked), an
     * upper bound, since its arrays grow one by one. */
    size_t peak = lscan__size_add(need->other, need->feat);
    peak = lscan__size_add(peak, lscan__features_ctx_bytes(ctx));
    for (int s = 0; s < LSCAN__WS_COUNT; s++) {
        size_t cap = ctx->ws_cap[s];
        /* lscan__ws_get frees a buffer too small before it allocates. */
        peak = lscan__size_add(peak, cap >= need->ws[s] ? cap : need->ws[s]);
    }
    if (peak > ctx->mem_budget) shed(ctx, need->keep_feat);
    return LSCAN_OK;
}

void lscan__deadline_begin(lscan_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->deadline_depth++ > 0) return;
    if (ctx->time_budget_ms > 0) {
        ctx->deadline_start = lscan__now();
        ctx->deadline = ctx->deadline_start + (double)ctx->time_budget_ms / 1000.0;
    } else {
        ctx->deadline = 0;
    }
}

void lscan__deadline_end(lscan_ctx *ctx)
{
    if (!ctx || ctx->deadline_depth == 0) return;
    if (--ctx->deadline_depth == 0) ctx->deadline = 0;
}

int lscan__deadline_error(lscan_ctx *ctx, const char *stage)
{
    return lscan__error(
        ctx, LSCAN_ERR_TIME_BUDGET, "time budget of %lld ms ran out during %s (after %.0f ms)",
        (long long)ctx->time_budget_ms, stage, (lscan__now() - ctx->deadline_start) * 1000.0);
}
