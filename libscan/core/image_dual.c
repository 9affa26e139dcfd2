/* image_dual.c — dual-energy images made of two single-energy ones: two caller buffers, or two
 * files. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

LSCAN_API int lscan_image_wrap_dual(lscan_ctx *ctx, const uint16_t *high, const uint16_t *low,
                                    uint32_t width, uint32_t height, size_t stride_high,
                                    size_t stride_low, const char *scanner,
                                    const lscan_load_options *opts, lscan_image **out)
{
    if (out) *out = NULL;
    if (!ctx || !out) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (!high || !low)
        return lscan__error(ctx, LSCAN_ERR_DUAL_MISMATCH,
                            "dual-energy pair without its %s-energy channel",
                            high ? "low" : "high");
    lscan_load_options o;
    int rc = lscan__load_options(ctx, opts, &o);
    if (rc) return rc;
    if (o.channels == LSCAN_CHANNELS_SINGLE)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "a dual-energy pair cannot be loaded as one channel");
    rc = lscan__check_dimensions(ctx, &o, width, height);
    if (rc) return rc;
    size_t row_bytes = (size_t)width * 2;
    if (stride_high < row_bytes || stride_low < row_bytes)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "stride %zu < row size %zu",
                            stride_high < stride_low ? stride_high : stride_low, row_bytes);
    if (stride_high % 2 || stride_low % 2 || (uintptr_t)high % _Alignof(uint16_t) ||
        (uintptr_t)low % _Alignof(uint16_t))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "16-bit buffers and strides must be 2-byte aligned");
    lscan_image *img;
    if (stride_high == stride_low && o.polarity != LSCAN_POLARITY_ATTENUATION) {
        /* One stride serves both planes: borrow them. */
        img = calloc(1, sizeof *img);
        if (!img) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        img->width = width;
        img->height = height;
        img->channels = 2;
        img->stride = stride_high / 2;
        img->plane[0] = high;
        img->plane[1] = low;
        img->flags = LSCAN_IMAGE_BORROWED;
        img->polarity = LSCAN_POLARITY_AUTO;
    } else {
        lscan__mem_need need = {.other =
                                    lscan__size_mul((size_t)width * height, 2 * sizeof(uint16_t))};
        rc = lscan__mem_admit(ctx, &need, "a %ux%u dual-energy image", width, height);
        if (rc) return rc;
        rc = lscan__image_new(ctx, width, height, 2, &img);
        if (rc) return rc;
        for (uint32_t p = 0; p < 2; p++) {
            const uint8_t *src = (const uint8_t *)(p ? low : high);
            size_t stride = p ? stride_low : stride_high;
            uint16_t *dst = lscan__image_plane_mut(img, p);
            for (uint32_t y = 0; y < height; y++)
                memcpy(dst + (size_t)y * img->stride, src + (size_t)y * stride, row_bytes);
        }
    }
    img->src_bits = 16;
    img->src_channels = 2;
    img->src_format = LSCAN_FORMAT_RAW;
    lscan__image_set_scanner(img, scanner);
    lscan__image_finish(img, &o);
    *out = img;
    return LSCAN_OK;
}

/* Loads one half of a pair; a missing file is the pair's fault, anything
 * else the file's own. */
static int load_half(lscan_ctx *ctx, const char *path, const char *which,
                     const lscan_load_options *o, lscan_image **img)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        lscan__error(ctx, LSCAN_ERR_DUAL_MISMATCH,
                     "dual-energy pair: the %s-energy image is missing", which);
        lscan__error_path(ctx, path);
        return LSCAN_ERR_DUAL_MISMATCH;
    }
    int rc = lscan_image_load(ctx, path, o, img);
    if (rc) return rc;
    if ((*img)->channels != 1) {
        lscan_image_free(*img);
        *img = NULL;
        lscan__error(ctx, LSCAN_ERR_DUAL_MISMATCH,
                     "dual-energy pair: the %s-energy image is itself a two-channel image", which);
        lscan__error_path(ctx, path);
        return LSCAN_ERR_DUAL_MISMATCH;
    }
    return LSCAN_OK;
}

LSCAN_API int lscan_image_load_dual(lscan_ctx *ctx, const char *high_path, const char *low_path,
                                    const lscan_load_options *opts, lscan_image **out)
{
    if (out) *out = NULL;
    if (!ctx || !high_path || !low_path || !out)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    lscan_load_options o;
    int rc = lscan__load_options(ctx, opts, &o);
    if (rc) return rc;
    if (o.channels == LSCAN_CHANNELS_SINGLE)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "a dual-energy pair cannot be loaded as one channel");
    /* One time budget for both files. Each half is copied into the pair as
     * soon as it is decoded, so at most three planes exist at once. */
    lscan__deadline_begin(ctx);
    lscan_image *half = NULL, *img = NULL;
    uint32_t hi_bits = 0, hi_flags = 0, hi_format = 0, hi_polarity = 0;
    char scanner[LSCAN__SCANNER_MAX] = "";
    for (uint32_t p = 0; p < 2 && !rc; p++) {
        const char *path = p ? low_path : high_path;
        rc = load_half(ctx, path, p ? "low" : "high", &o, &half);
        if (rc) break;
        if (p == 0) {
            lscan__mem_need need = {
                .other = lscan__size_mul((size_t)half->width * half->height, 3 * sizeof(uint16_t))};
            rc =
                lscan__mem_admit(ctx, &need, "a %ux%u dual-energy pair", half->width, half->height);
            if (!rc) rc = lscan__image_new(ctx, half->width, half->height, 2, &img);
            if (rc) {
                lscan__error_path(ctx, path);
                break;
            }
            hi_bits = half->src_bits, hi_flags = half->flags, hi_format = half->src_format;
            hi_polarity = half->polarity;
            memcpy(scanner, half->scanner, sizeof scanner);
        } else if (half->width != img->width || half->height != img->height) {
            rc = lscan__error(ctx, LSCAN_ERR_DUAL_MISMATCH,
                              "dual-energy pair: the high-energy image is %ux%u, the low-energy "
                              "one %ux%u",
                              img->width, img->height, half->width, half->height);
            lscan__error_path(ctx, path);
            break;
        }
        uint16_t *dst = lscan__image_plane_mut(img, p);
        for (uint32_t y = 0; y < half->height; y++)
            memcpy(dst + (size_t)y * img->stride, half->plane[0] + (size_t)y * half->stride,
                   (size_t)half->width * sizeof *dst);
        if (p == 1) {
            img->src_bits = hi_bits > half->src_bits ? hi_bits : half->src_bits;
            img->src_channels = 2;
            img->src_format = hi_format;
            img->flags = hi_flags | half->flags;
            img->polarity = hi_polarity;
            lscan__image_set_scanner(img, scanner[0] ? scanner : half->scanner);
        }
        lscan_image_free(half);
        half = NULL;
    }
    lscan__deadline_end(ctx);
    lscan_image_free(half);
    if (rc) {
        lscan_image_free(img);
        return rc;
    }
    *out = img;
    return LSCAN_OK;
}
