/* write.c — encodes overlays as PNG or JPEG through a private (static) copy of stb_image_write,
 * written atomically. */
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef LSCAN_HAVE_STB
/* Static so that these symbols can never clash with a host program's own stb;
 * no stdio so that every byte goes through our checked writer. */
#include <zlib.h>

/* stb's own deflate is slow and weak: zlib (already linked for the PNG
 * decoder) compresses an overlay several times faster. Returns malloc'd
 * memory, which stb frees with free(). */
static unsigned char *overlay_deflate(unsigned char *data, int len, int *out_len, int quality)
{
    (void)quality; /* stb passes its global default level; ours is fixed */
    uLongf cap = compressBound((uLong)len);
    unsigned char *out = malloc(cap);
    if (!out) return NULL;
    if (compress2(out, &cap, data, (uLong)len, 1) != Z_OK || cap > INT32_MAX) {
        free(out);
        return NULL;
    }
    *out_len = (int)cap;
    return out;
}

static unsigned int overlay_crc32(unsigned char *buffer, int len)
{
    return (unsigned int)crc32(0L, buffer, (uInt)len);
}

#define STBIW_ZLIB_COMPRESS overlay_deflate
#define STBIW_CRC32 overlay_crc32
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
/* Unused static stb functions are reported at the end of the file, outside any push/pop. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

/* The encoded file grows here; stb reports bytes through a callback that
 * cannot fail, so an allocation failure is remembered and checked after. */
struct sink {
    uint8_t *data;
    size_t size, cap;
    bool failed;
};

static void sink_write(void *context, void *data, int size)
{
    struct sink *s = context;
    if (s->failed || size <= 0) return;
    if (s->size + (size_t)size > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->size + (size_t)size) {
            if (cap > SIZE_MAX / 2) {
                s->failed = true;
                return;
            }
            cap *= 2;
        }
        uint8_t *p = realloc(s->data, cap);
        if (!p) {
            s->failed = true;
            return;
        }
        s->data = p;
        s->cap = cap;
    }
    memcpy(s->data + s->size, data, (size_t)size);
    s->size += (size_t)size;
}

/* Writes bytes to `path` through a temporary file in the same directory,
 * renamed into place, so that a reader never sees half an overlay. */
static int write_atomic(lscan_ctx *ctx, const char *path, const uint8_t *data, size_t size)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        lscan__error_path(ctx, path);
        return lscan__error(ctx, LSCAN_ERR_IO, "cannot create a temporary file: %s", strerror(e));
    }
    int e = 0;
    for (size_t done = 0; done < size && !e;) {
        ssize_t w = write(fd, data + done, size - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            e = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    /* mkstemp makes the file private; overlays are meant to be shared with viewers. */
    if (!e && fchmod(fd, 0644) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) unlink(tmp);
    free(tmp);
    if (e) {
        lscan__error_path(ctx, path);
        return lscan__error(ctx, LSCAN_ERR_IO, "cannot write the overlay: %s", strerror(e));
    }
    return LSCAN_OK;
}
#endif

LSCAN_API int lscan_overlay_write(lscan_ctx *ctx, const lscan_image *img,
                                  const lscan_result *result, const char *path,
                                  const lscan_overlay_options *opts)
{
    if (!img || !result || !path)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    if (ctx) lscan__error_clear(ctx);
    lscan_overlay_options o;
    int rc = lscan__overlay_options(ctx, opts, &o);
    if (rc) return rc;
#ifndef LSCAN_HAVE_STB
    (void)o;
    return lscan__error(ctx, LSCAN_ERR_CODEC_DISABLED,
                        "overlays need stb_image_write, not found at build time");
#else
    lscan__overlay_layout l;
    rc = lscan__overlay_layout_for(img->width, img->height, o.max_width, &l);
    if (rc) return lscan__error(ctx, rc, "empty image");
    size_t stride = (size_t)l.width * 3;
    uint8_t *rgb = malloc(stride * l.height);
    if (!rgb) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory for the overlay");
    rc = lscan_overlay_render(ctx, img, result, &o, rgb, stride);
    if (rc) {
        free(rgb);
        return rc;
    }
    struct sink s = {0};
    int ok = o.format == LSCAN_OVERLAY_JPEG
                 ? stbi_write_jpg_to_func(sink_write, &s, (int)l.width, (int)l.height, 3, rgb,
                                          (int)o.quality)
                 : stbi_write_png_to_func(sink_write, &s, (int)l.width, (int)l.height, 3, rgb,
                                          (int)stride);
    free(rgb);
    if (!ok || s.failed) {
        free(s.data);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot encode the overlay (out of memory)");
    }
    rc = write_atomic(ctx, path, s.data, s.size);
    free(s.data);
    return rc;
#endif
}
