/* ctx.c — the per-thread context: parameters, chosen CPU features, version. */
#include "internal.h"

#include <stdlib.h>
#include <time.h>

double lscan__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

LSCAN_API const char *lscan_version(void) { return LSCAN_VERSION_STRING; }

LSCAN_API uint32_t lscan_version_number(void) { return LSCAN_VERSION_NUMBER; }

LSCAN_API lscan_ctx *lscan_ctx_new(void)
{
    lscan_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->cpu_active = lscan_cpu_features();
    ctx->kernels = lscan__kernels_for(ctx->cpu_active);
    ctx->mem_budget = LSCAN_DEFAULT_MEMORY_BUDGET;
    return ctx;
}

LSCAN_API void lscan_ctx_free(lscan_ctx *ctx)
{
    if (!ctx) return;
    lscan__features_ctx_release(ctx);
    for (size_t i = 0; i < sizeof ctx->ws / sizeof ctx->ws[0]; i++)
        free(ctx->ws[i]);
    free(ctx);
}

void *lscan__ws_get(lscan_ctx *ctx, enum lscan__ws_slot slot, size_t size)
{
    if (size == 0) size = 1;
    if (ctx->ws_cap[slot] < size) {
        /* free + malloc rather than realloc: the old contents are not needed. */
        free(ctx->ws[slot]);
        ctx->ws[slot] = malloc(size);
        ctx->ws_cap[slot] = ctx->ws[slot] ? size : 0;
    }
    if (ctx->ws[slot]) ctx->ws_busy |= 1u << slot;
    return ctx->ws[slot];
}

void lscan__ws_done(lscan_ctx *ctx, enum lscan__ws_slot slot)
{
    ctx->ws_busy &= ~(1u << slot);
    /* Nor may a kept buffer take much of the memory budget: what one input
     * may cost would then depend on the inputs before it. */
    if (ctx->ws_cap[slot] > LSCAN__WS_KEEP_MAX ||
        (ctx->mem_budget > 0 && ctx->ws_cap[slot] > ctx->mem_budget / 4)) {
        free(ctx->ws[slot]);
        ctx->ws[slot] = NULL;
        ctx->ws_cap[slot] = 0;
    }
}

LSCAN_API int lscan_ctx_set_param(lscan_ctx *ctx, lscan_param param, int64_t value)
{
    if (!ctx) return LSCAN_ERR_INVALID_ARGUMENT;
    lscan__error_clear(ctx);
    switch (param) {
    case LSCAN_PARAM_DISABLE_CPU_FEATURES:
        if (value < 0 || value > UINT32_MAX)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "CPU feature mask out of range");
        ctx->cpu_disabled = (uint32_t)value;
        ctx->cpu_active = lscan_cpu_features() & ~ctx->cpu_disabled;
        /* AVX2 kernels assume SSE2 is there too. */
        if (!(ctx->cpu_active & LSCAN_CPU_SSE2)) ctx->cpu_active &= ~(uint32_t)LSCAN_CPU_AVX2;
        ctx->kernels = lscan__kernels_for(ctx->cpu_active);
        return LSCAN_OK;
    case LSCAN_PARAM_TIME_BUDGET_MS:
        if (value < 0)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "time budget must be >= 0");
        ctx->time_budget_ms = value;
        return LSCAN_OK;
    case LSCAN_PARAM_MEMORY_BUDGET:
        if (value < 0)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "memory budget must be >= 0");
        ctx->mem_budget = (uint64_t)value;
        return LSCAN_OK;
    }
    return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "unknown parameter %d", (int)param);
}

LSCAN_API int lscan_ctx_get_param(const lscan_ctx *ctx, lscan_param param, int64_t *value)
{
    if (!ctx || !value) return LSCAN_ERR_INVALID_ARGUMENT;
    switch (param) {
    case LSCAN_PARAM_DISABLE_CPU_FEATURES: *value = ctx->cpu_disabled; return LSCAN_OK;
    case LSCAN_PARAM_TIME_BUDGET_MS: *value = ctx->time_budget_ms; return LSCAN_OK;
    case LSCAN_PARAM_MEMORY_BUDGET: *value = (int64_t)ctx->mem_budget; return LSCAN_OK;
    }
    return LSCAN_ERR_INVALID_ARGUMENT;
}

LSCAN_API uint32_t lscan_ctx_cpu_features(const lscan_ctx *ctx)
{
    return ctx ? ctx->cpu_active : 0;
}
