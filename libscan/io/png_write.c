/* png_write.c — writes grey and grey+alpha PNGs through libpng: 16-bit images (and dual-energy pairs), 8-bit masks. */
#include "../core/internal.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct write_state {
    char msg[256];
};

static void on_error(png_structp png, png_const_charp msg)
{
    struct write_state *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* With `source` non-NULL the file gets a tEXt chunk "Source" (PNG's keyword
 * for the device that created the image) before its image data. */
static int png_write(lscan_ctx *ctx, const char *path, uint32_t width, uint32_t height, int bits,
                     int channels, int level, void (*fill)(void *user, uint32_t y, uint8_t *row),
                     void *user, const char *source)
{
    if (level < -1 || level > 9) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "zlib level %d", level);
    size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bits / 8);
    uint8_t *row = malloc(row_bytes ? row_bytes : 1);
    if (!row) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        free(row);
        lscan__error_path(ctx, path);
        return lscan__error(ctx, LSCAN_ERR_IO, "cannot create: %s", strerror(e));
    }
    struct write_state st = {""};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    /* Volatile: read after a longjmp back into this frame. */
    volatile int rc = LSCAN_OK;
    if (!png || !info) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "libpng: cannot create write struct");
    } else if (setjmp(png_jmpbuf(png))) {
        rc = lscan__error(ctx, LSCAN_ERR_IO, "libpng: %s", st.msg);
    } else {
        png_init_io(png, f);
        png_set_compression_level(png, level < 0 ? 6 : level);
        png_set_IHDR(png, info, width, height, bits, channels == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        if (source) {
            png_text txt;
            memset(&txt, 0, sizeof txt);
            txt.compression = PNG_TEXT_COMPRESSION_NONE;
            txt.key = (png_charp) "Source";
            txt.text = (png_charp)source;
            txt.text_length = strlen(source);
            png_set_text(png, info, &txt, 1);
        }
        png_write_info(png, info);
        for (uint32_t y = 0; y < height; y++) {
            fill(user, y, row);
            png_write_row(png, row);
        }
        png_write_end(png, NULL);
    }
    png_destroy_write_struct(&png, &info);
    free(row);
    if (fclose(f) != 0 && rc == LSCAN_OK) rc = lscan__error(ctx, LSCAN_ERR_IO, "close failed: %s", strerror(errno));
    if (rc) {
        remove(path);
        lscan__error_path(ctx, path);
    }
    return rc;
}

int lscan__png_write(lscan_ctx *ctx, const char *path, uint32_t width, uint32_t height, int bits,
                     int channels, int level, void (*fill)(void *user, uint32_t y, uint8_t *row),
                     void *user)
{
    return png_write(ctx, path, width, height, bits, channels, level, fill, user, NULL);
}

/* Row y of an image in PNG order: big-endian samples, high energy then low. */
static void image_row(void *user, uint32_t y, uint8_t *o)
{
    const lscan_image *img = user;
    const uint16_t *a = img->plane[0] + (size_t)y * img->stride;
    const uint16_t *b = img->channels == 2 ? img->plane[1] + (size_t)y * img->stride : NULL;
    for (uint32_t x = 0; x < img->width; x++) {
        *o++ = (uint8_t)(a[x] >> 8);
        *o++ = (uint8_t)a[x];
        if (b) {
            *o++ = (uint8_t)(b[x] >> 8);
            *o++ = (uint8_t)b[x];
        }
    }
}

LSCAN_API int lscan_image_save_png(lscan_ctx *ctx, const lscan_image *img, const char *path, int level)
{
    if (!ctx || !img || !path) return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    return png_write(ctx, path, img->width, img->height, 16, (int)img->channels, level, image_row,
                     (void *)img, img->scanner[0] ? img->scanner : NULL);
}

struct plane_row {
    const lscan_image *img;
    uint32_t plane;
};

static void plane_row(void *user, uint32_t y, uint8_t *o)
{
    const struct plane_row *pr = user;
    const uint16_t *a = pr->img->plane[pr->plane] + (size_t)y * pr->img->stride;
    for (uint32_t x = 0; x < pr->img->width; x++) {
        *o++ = (uint8_t)(a[x] >> 8);
        *o++ = (uint8_t)a[x];
    }
}

LSCAN_API int lscan_image_save_png_plane(lscan_ctx *ctx, const lscan_image *img, uint32_t plane,
                                         const char *path, int level)
{
    if (!ctx || !img || !path)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan__error_clear(ctx);
    if (plane >= img->channels)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "the image has no plane %u", plane);
    struct plane_row pr = {img, plane};
    return png_write(ctx, path, img->width, img->height, 16, 1, level, plane_row, &pr,
                     img->scanner[0] ? img->scanner : NULL);
}
