/* error.c — status codes, their names and texts, and per-context error details. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

struct status_text {
    int code;
    const char *name;
    const char *text;
};

static const struct status_text status_texts[] = {
    {LSCAN_OK, "ok", "success"},
    {LSCAN_ERR_INVALID_ARGUMENT, "invalid_argument", "invalid argument"},
    {LSCAN_ERR_NO_MEMORY, "no_memory", "out of memory"},
    {LSCAN_ERR_IO, "io", "input/output error"},
    {LSCAN_ERR_NOT_A_FILE, "not_a_file", "not a regular file"},
    {LSCAN_ERR_EMPTY_INPUT, "empty_input", "empty input"},
    {LSCAN_ERR_INTERNAL, "internal", "internal error"},
    {LSCAN_ERR_UNKNOWN_FORMAT, "unknown_format", "unknown image format"},
    {LSCAN_ERR_UNSUPPORTED, "unsupported", "unsupported image variant"},
    {LSCAN_ERR_CODEC_DISABLED, "codec_disabled", "codec not compiled in"},
    {LSCAN_ERR_DUAL_MISMATCH, "dual_mismatch",
     "dual-energy pair: the two energies differ in size, or one is missing"},
    {LSCAN_ERR_TRUNCATED, "truncated", "truncated data"},
    {LSCAN_ERR_CORRUPT, "corrupt", "corrupt data"},
    {LSCAN_ERR_CHECKSUM, "checksum", "checksum mismatch"},
    {LSCAN_ERR_BAD_HEADER, "bad_header", "malformed header"},
    {LSCAN_ERR_TOO_LARGE, "too_large", "image exceeds the size limits"},
    {LSCAN_ERR_BAD_DIMENSIONS, "bad_dimensions", "invalid image dimensions"},
    {LSCAN_ERR_TIME_BUDGET, "time_budget", "time budget exceeded"},
    {LSCAN_ERR_BLANK, "blank", "blank image"},
    {LSCAN_ERR_OVEREXPOSED, "overexposed", "over-exposed image"},
    {LSCAN_ERR_NO_CONTAINER, "no_container", "no container found"},
    {LSCAN_ERR_CALIBRATION, "calibration", "calibration failed"},
    {LSCAN_ERR_NOT_A_SCAN, "not_a_scan", "not a cargo container scan"},
    {LSCAN_ERR_MODEL_SYNTAX, "model_syntax", "malformed model file"},
    {LSCAN_ERR_MODEL_VERSION, "model_version", "unsupported model format or version"},
    {LSCAN_ERR_MODEL_SCHEMA, "model_schema", "model feature schema mismatch"},
    {LSCAN_ERR_MODEL_CHECKSUM, "model_checksum", "model checksum mismatch"},
    {LSCAN_ERR_MODEL_VALUE, "model_value", "invalid value in model"},
    {LSCAN_ERR_TRAINING, "training", "training failed"},
    {LSCAN_ERR_THREAD, "thread", "thread error"},
    {LSCAN_ERR_CANCELLED, "cancelled", "cancelled"},
};

static const struct status_text *find_status(int code)
{
    for (size_t i = 0; i < sizeof status_texts / sizeof status_texts[0]; i++)
        if (status_texts[i].code == code) return &status_texts[i];
    return NULL;
}

LSCAN_API const char *lscan_strerror(int status)
{
    const struct status_text *s = find_status(status);
    return s ? s->text : "unknown error";
}

LSCAN_API const char *lscan_status_name(int status)
{
    const struct status_text *s = find_status(status);
    return s ? s->name : "unknown";
}

int lscan__verror(lscan_ctx *ctx, int code, const char *fmt, va_list ap)
{
    if (!ctx) return code;
    ctx->err_code = code;
    vsnprintf(ctx->err_msg, sizeof ctx->err_msg, fmt, ap);
    return code;
}

int lscan__error(lscan_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lscan__verror(ctx, code, fmt, ap);
    va_end(ap);
    return code;
}

void lscan__error_path(lscan_ctx *ctx, const char *path)
{
    if (!ctx) return;
    if (!path) {
        ctx->err_has_path = false;
        ctx->err_path[0] = '\0';
        return;
    }
    snprintf(ctx->err_path, sizeof ctx->err_path, "%s", path);
    ctx->err_has_path = true;
}

void lscan__error_clear(lscan_ctx *ctx)
{
    if (!ctx) return;
    ctx->err_code = LSCAN_OK;
    ctx->err_msg[0] = '\0';
    ctx->err_path[0] = '\0';
    ctx->err_has_path = false;
    ctx->err_full[0] = '\0';
}

LSCAN_API int lscan_ctx_error(const lscan_ctx *ctx)
{
    return ctx ? ctx->err_code : LSCAN_ERR_INVALID_ARGUMENT;
}

LSCAN_API const char *lscan_ctx_error_message(const lscan_ctx *ctx)
{
    if (!ctx || ctx->err_code == LSCAN_OK) return "";
    /* Composed on demand into the context so the message stays valid until
     * the next call on the context, with no allocation. */
    lscan_ctx *c = (lscan_ctx *)ctx;
    const char *detail = c->err_msg[0] ? c->err_msg : lscan_strerror(c->err_code);
    if (c->err_has_path)
        snprintf(c->err_full, sizeof c->err_full, "%s: %s", c->err_path, detail);
    else
        snprintf(c->err_full, sizeof c->err_full, "%s", detail);
    return c->err_full;
}

LSCAN_API const char *lscan_ctx_error_path(const lscan_ctx *ctx)
{
    return ctx && ctx->err_has_path ? ctx->err_path : NULL;
}
