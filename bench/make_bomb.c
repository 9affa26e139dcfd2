/* make_bomb.c — writes one decompression-bomb test file (PNG or JPEG, zeros or noise, any size) row
 * by row, for scripts/bombs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

/* usage: make_bomb png|jpeg OUT WIDTH HEIGHT [options]
 *   png:  --bits 1|8|16  --rgb  --adam7  --noise  --level N (zlib, default 9; noise 0)
 *   jpeg: --color grey|444|420  --progressive  --noise  --quality Q (default 90)
 * Noise is a per-row xorshift stream, so that every pass of an interlaced
 * write sees the same rows. Memory: one row, except libjpeg's coefficient
 * buffer for progressive output. */

static uint64_t row_seed(uint32_t y)
{
    uint64_t s = 0x9E3779B97F4A7C15ull * (y + 1);
    return s ? s : 1;
}

static void fill_row(uint8_t *row, size_t n, uint32_t y, int noise)
{
    if (!noise) {
        memset(row, 0, n);
        return;
    }
    uint64_t s = row_seed(y);
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        row[i] = (uint8_t)(s >> 24);
    }
}

static int write_png(const char *out, uint32_t w, uint32_t h, int bits, int rgb, int adam7,
                     int noise, int level)
{
    FILE *f = fopen(out, "wb");
    if (!f) return 1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fclose(f);
        return 1;
    }
    png_init_io(png, f);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_compression_level(png, level);
    png_set_filter(png, 0, PNG_FILTER_NONE);
    png_set_IHDR(png, info, w, h, bits, rgb ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 adam7 ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    int passes = adam7 ? png_set_interlace_handling(png) : 1;
    size_t rowbytes = ((size_t)w * (rgb ? 3 : 1) * bits + 7) / 8;
    uint8_t *row = malloc(rowbytes);
    if (!row) return 1;
    for (int p = 0; p < passes; p++)
        for (uint32_t y = 0; y < h; y++) {
            fill_row(row, rowbytes, y, noise);
            png_write_row(png, row);
        }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return fclose(f) != 0;
}

static int write_jpeg(const char *out, uint32_t w, uint32_t h, const char *color, int progressive,
                      int noise, int quality)
{
    FILE *f = fopen(out, "wb");
    if (!f) return 1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    int grey = strcmp(color, "grey") == 0;
    c.image_width = w;
    c.image_height = h;
    c.input_components = grey ? 1 : 3;
    c.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (!grey) {
        int sub = strcmp(color, "420") == 0 ? 2 : 1;
        c.comp_info[0].h_samp_factor = sub;
        c.comp_info[0].v_samp_factor = sub;
        c.comp_info[1].h_samp_factor = c.comp_info[1].v_samp_factor = 1;
        c.comp_info[2].h_samp_factor = c.comp_info[2].v_samp_factor = 1;
    }
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    size_t rowbytes = (size_t)w * c.input_components;
    uint8_t *row = malloc(rowbytes);
    if (!row) return 1;
    while (c.next_scanline < h) {
        fill_row(row, rowbytes, c.next_scanline, noise);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: make_bomb png|jpeg OUT WIDTH HEIGHT [options]\n");
        return 2;
    }
    const char *kind = argv[1], *out = argv[2];
    uint32_t w = (uint32_t)strtoul(argv[3], NULL, 10), h = (uint32_t)strtoul(argv[4], NULL, 10);
    int bits = 8, rgb = 0, adam7 = 0, noise = 0, level = -1, progressive = 0, quality = 90;
    const char *color = "grey";
    for (int i = 5; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--bits") == 0 && i + 1 < argc)
            bits = atoi(argv[++i]);
        else if (strcmp(a, "--rgb") == 0)
            rgb = 1;
        else if (strcmp(a, "--adam7") == 0)
            adam7 = 1;
        else if (strcmp(a, "--noise") == 0)
            noise = 1;
        else if (strcmp(a, "--level") == 0 && i + 1 < argc)
            level = atoi(argv[++i]);
        else if (strcmp(a, "--color") == 0 && i + 1 < argc)
            color = argv[++i];
        else if (strcmp(a, "--progressive") == 0)
            progressive = 1;
        else if (strcmp(a, "--quality") == 0 && i + 1 < argc)
            quality = atoi(argv[++i]);
        else {
            fprintf(stderr, "make_bomb: unknown option %s\n", a);
            return 2;
        }
    }
    if (level < 0) level = noise ? 0 : 9;
    int rc = strcmp(kind, "png") == 0 ? write_png(out, w, h, bits, rgb, adam7, noise, level)
                                      : write_jpeg(out, w, h, color, progressive, noise, quality);
    if (rc) fprintf(stderr, "make_bomb: cannot write %s\n", out);
    return rc;
}
