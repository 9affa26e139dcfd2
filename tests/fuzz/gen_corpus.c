/* gen_corpus.c — writes the fuzzers' seed corpora: valid files of every format, colour type and bit depth, truncated and bit-flipped variants, bombs, a model file. */
#include "libscan.h"

#include <errno.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/*
 * Usage: gen_corpus OUTDIR [MODEL]
 * Writes OUTDIR/{png,jpeg,pnm,dual,screen,model}/. Every seed ends with one
 * option byte (fuzz.h), 0 = the defaults, that the targets strip. The
 * pixels come from the project's own generator, so seeds look like scans
 * (container, cargo, air margins) and the screen target starts deep in the
 * analysis. Everything is deterministic.
 */

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "gen_corpus: out of memory\n");
            exit(1);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static const char *g_out;
static unsigned g_count;

/* Writes one seed: data plus the option byte. */
static void seed(const char *dir, const char *name, const uint8_t *d, size_t n, uint8_t opt)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", g_out, dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(d, 1, n, f) != n) || fputc(opt, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "gen_corpus: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    g_count++;
}

/* The valid file and its damaged variants: cut at several points, and
 * single bits flipped at deterministic positions. */
static void seeds_with_variants(const char *dir, const char *name, const uint8_t *d, size_t n)
{
    char nm[256];
    seed(dir, name, d, n, 0);
    snprintf(nm, sizeof nm, "%s.oracle", name);
    seed(dir, nm, d, n, 1u << 5);
    size_t cuts[4] = {n / 2, n - 1, n > 40 ? 40 : n / 3, n * 9 / 10};
    for (int i = 0; i < 4; i++) {
        if (cuts[i] == 0 || cuts[i] >= n) continue;
        snprintf(nm, sizeof nm, "%s.cut%zu", name, cuts[i]);
        seed(dir, nm, d, cuts[i], 0);
    }
    uint8_t *c = malloc(n);
    if (!c) exit(1);
    uint64_t s = 0x9e3779b97f4a7c15ull ^ n;
    for (int i = 0; i < 4; i++) {
        memcpy(c, d, n);
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        size_t pos = (size_t)(s % n);
        c[pos] ^= (uint8_t)(1u << (s >> 40) % 8);
        snprintf(nm, sizeof nm, "%s.flip%zu", name, pos);
        seed(dir, nm, c, n, 0);
    }
    free(c);
}

/* ---- pixels ---- */

struct pix {
    uint32_t w, h;
    uint16_t *v; /* w*h 16-bit transmission */
};

static struct pix synth_pixels(lscan_ctx *ctx, uint32_t w, uint32_t h, int cls, uint64_t seed_)
{
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = w;
    p.height = h;
    p.cls = cls;
    lscan_image *img = NULL;
    if (lscan_synth_generate(ctx, &p, seed_, &img, NULL) != LSCAN_OK) {
        fprintf(stderr, "gen_corpus: synth: %s\n", lscan_ctx_error_message(ctx));
        exit(1);
    }
    struct pix px = {w, h, malloc((size_t)w * h * 2)};
    if (!px.v) exit(1);
    size_t stride;
    const uint16_t *s = lscan_image_pixels(img, 0, &stride);
    for (uint32_t y = 0; y < h; y++) memcpy(px.v + (size_t)y * w, s + (size_t)y * stride, (size_t)w * 2);
    lscan_image_free(img);
    return px;
}

/* ---- PNG ---- */

static void png_write_cb(png_structp png, png_bytep d, size_t n) { put(png_get_io_ptr(png), d, n); }
static void png_flush_cb(png_structp png) { (void)png; }

/* Encodes the pixels as a PNG of the given colour type and depth. Grey
 * keeps the top bits; RGB carries grey with a tint; the alpha of grey+alpha
 * is a low-energy plane (darker than the high-energy one); a palette is a
 * grey ramp of 2^depth entries. */
static struct buf encode_png(const struct pix *px, int ctype, int depth, int interlace)
{
    struct buf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "gen_corpus: libpng write failed\n");
        exit(1);
    }
    png_set_write_fn(png, &b, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, px->w, px->h, depth, ctype,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        int n = 1 << depth;
        for (int i = 0; i < n; i++)
            pal[i].red = pal[i].green = pal[i].blue = (png_byte)(i * 255 / (n - 1));
        png_set_PLTE(png, info, pal, n);
    }
    /* One ancillary chunk of each common kind, so that the skipping path is seeded too. */
    png_text txt = {.compression = PNG_TEXT_COMPRESSION_zTXt, .key = "Comment", .text = "libscan fuzz seed"};
    png_set_text(png, info, &txt, 1);
    png_set_gAMA(png, info, 1.0);
    png_write_info(png, info);
    if (depth < 8) png_set_packing(png);
    if (interlace) (void)png_set_interlace_handling(png);
    int spp = ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_PALETTE ? 1
              : ctype == PNG_COLOR_TYPE_GRAY_ALPHA                          ? 2
              : ctype == PNG_COLOR_TYPE_RGB                                 ? 3
                                                                            : 4;
    int bps = depth == 16 ? 2 : 1;
    uint8_t *rows = malloc((size_t)px->w * px->h * spp * bps);
    png_bytep *rp = malloc(sizeof *rp * px->h);
    if (!rows || !rp) exit(1);
    for (uint32_t y = 0; y < px->h; y++) {
        uint8_t *r = rows + (size_t)y * px->w * spp * bps;
        rp[y] = r;
        for (uint32_t x = 0; x < px->w; x++) {
            uint32_t v = px->v[(size_t)y * px->w + x];
            uint32_t s[4] = {v, v, v, 65535};
            if (spp == 2) s[1] = v * 3 / 4;
            if (spp >= 3) {
                s[0] = v;
                s[1] = v * 15 / 16;
                s[2] = v * 7 / 8;
                s[3] = 65535 - (x * 97u % 4096);
            }
            for (int c = 0; c < spp; c++) {
                uint8_t *o = r + ((size_t)x * spp + c) * bps;
                if (depth == 16) {
                    o[0] = (uint8_t)(s[c] >> 8);
                    o[1] = (uint8_t)s[c];
                } else {
                    o[0] = (uint8_t)(s[c] >> (16 - depth)); /* palette index or grey code */
                }
            }
        }
    }
    png_write_image(png, rp);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(rp);
    return b;
}

static void put_be32(struct buf *b, uint32_t v)
{
    uint8_t q[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, q, 4);
}

static void put_chunk(struct buf *b, const char *type, const uint8_t *d, uint32_t n)
{
    put_be32(b, n);
    put(b, type, 4);
    if (n) put(b, d, n);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    if (n) crc = crc32(crc, d, n);
    put_be32(b, (uint32_t)crc);
}

/* A PNG whose IHDR (valid CRC) claims w x h: the limits must refuse it
 * before any pixel memory exists. A small zlib stream of zeros follows. */
static struct buf png_bomb(uint32_t w, uint32_t h, uint8_t depth, uint8_t ctype)
{
    struct buf b = {0};
    put(&b, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
                        (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
                        depth, ctype, 0, 0, 0};
    put_chunk(&b, "IHDR", ihdr, 13);
    uint8_t raw[4096] = {0};
    uint8_t z[256];
    uLongf zn = sizeof z;
    compress2(z, &zn, raw, sizeof raw, 9);
    put_chunk(&b, "IDAT", z, (uint32_t)zn);
    put_chunk(&b, "IEND", NULL, 0);
    return b;
}

/* ---- JPEG ---- */

enum { J_GREY = 1, J_COLOR = 2, J_PROG = 4, J_ARITH = 8, J_RESTART = 16, J_OPTIMIZE = 32, J_SUB = 64 };

static struct buf encode_jpeg(const struct pix *px, int how, int quality)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *mem = NULL;
    unsigned long memn = 0;
    jpeg_mem_dest(&c, &mem, &memn);
    c.image_width = px->w;
    c.image_height = px->h;
    c.input_components = (how & J_COLOR) ? 3 : 1;
    c.in_color_space = (how & J_COLOR) ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (how & J_PROG) jpeg_simple_progression(&c);
    if (how & J_ARITH) c.arith_code = TRUE;
    if (how & J_RESTART) c.restart_interval = 3;
    if (how & J_OPTIMIZE) c.optimize_coding = TRUE;
    if ((how & J_COLOR) && !(how & J_SUB)) c.comp_info[0].h_samp_factor = c.comp_info[0].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)"libscan fuzz seed", 17);
    unsigned char *row = malloc((size_t)px->w * 3);
    if (!row) exit(1);
    while (c.next_scanline < c.image_height) {
        const uint16_t *s = px->v + (size_t)c.next_scanline * px->w;
        for (uint32_t x = 0; x < px->w; x++) {
            uint8_t v = (uint8_t)(s[x] >> 8);
            if (how & J_COLOR) {
                row[3 * x] = v;
                row[3 * x + 1] = (uint8_t)(v * 15 / 16);
                row[3 * x + 2] = (uint8_t)(v * 7 / 8);
            } else {
                row[x] = v;
            }
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    struct buf b = {0};
    put(&b, mem, memn);
    free(mem);
    return b;
}

/* A grey baseline JPEG whose SOF0 claims w x h, a DQT/DHT-less stub: the
 * size check right after the header must refuse it. */
static struct buf jpeg_bomb(const struct pix *px, uint16_t w, uint16_t h)
{
    struct buf b = encode_jpeg(px, J_GREY, 80);
    for (size_t i = 2; i + 9 < b.n; i++) {
        if (b.p[i] == 0xff && b.p[i + 1] == 0xc0) { /* SOF0: len(2) precision(1) height(2) width(2) */
            b.p[i + 5] = (uint8_t)(h >> 8);
            b.p[i + 6] = (uint8_t)h;
            b.p[i + 7] = (uint8_t)(w >> 8);
            b.p[i + 8] = (uint8_t)w;
            break;
        }
    }
    return b;
}

/* ---- PNM ---- */

static struct buf encode_pnm(const struct pix *px, int ascii, uint32_t maxval)
{
    struct buf b = {0};
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "P%c\n# libscan fuzz seed\n%u %u\n%u\n", ascii ? '2' : '5',
                     px->w, px->h, maxval);
    put(&b, hdr, (size_t)n);
    for (size_t i = 0; i < (size_t)px->w * px->h; i++) {
        uint32_t v = (uint32_t)(((uint64_t)px->v[i] * maxval + 32767) / 65535);
        if (ascii) {
            n = snprintf(hdr, sizeof hdr, "%u%c", v, (i + 1) % px->w ? ' ' : '\n');
            put(&b, hdr, (size_t)n);
        } else if (maxval > 255) {
            uint8_t q[2] = {(uint8_t)(v >> 8), (uint8_t)v};
            put(&b, q, 2);
        } else {
            uint8_t q = (uint8_t)v;
            put(&b, &q, 1);
        }
    }
    return b;
}

static void mkdirs(const char *sub)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_out, sub);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen_corpus: cannot create %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void emit(const char *dir, const char *name, struct buf b, int variants)
{
    if (variants)
        seeds_with_variants(dir, name, b.p, b.n);
    else
        seed(dir, name, b.p, b.n, 0);
    free(b.p);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen_corpus OUTDIR [MODEL]\n");
        return 2;
    }
    g_out = argv[1];
    if (mkdir(g_out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen_corpus: cannot create %s: %s\n", g_out, strerror(errno));
        return 1;
    }
    const char *dirs[] = {"png", "jpeg", "pnm", "dual", "screen", "model"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) mkdirs(dirs[i]);
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) return 1;

    /* Decoder seeds are small (fast iterations); odd sizes exercise row padding. */
    struct pix small = synth_pixels(ctx, 67, 33, LSCAN_CLASS_DENSE_OBJECT, 11);
    char name[128];
    static const struct {
        int ctype;
        int depths[5];
    } kinds[] = {
        {PNG_COLOR_TYPE_GRAY, {1, 2, 4, 8, 16}},
        {PNG_COLOR_TYPE_GRAY_ALPHA, {8, 16}},
        {PNG_COLOR_TYPE_RGB, {8, 16}},
        {PNG_COLOR_TYPE_RGB_ALPHA, {8, 16}},
        {PNG_COLOR_TYPE_PALETTE, {1, 2, 4, 8}},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        for (int j = 0; j < 5 && kinds[k].depths[j]; j++)
            for (int il = 0; il < 2; il++) {
                int ct = kinds[k].ctype, d = kinds[k].depths[j];
                snprintf(name, sizeof name, "c%d-d%d%s.png", ct, d, il ? "-adam7" : "");
                emit(ct == PNG_COLOR_TYPE_GRAY_ALPHA ? "dual" : "png", name, encode_png(&small, ct, d, il), 1);
            }
    /* A dual-energy pair also seeds the PNG target (and the reverse is not needed). */
    emit("png", "dual-d16.png", encode_png(&small, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0), 0);
    emit("png", "bomb-100000x100000.png", png_bomb(100000, 100000, 16, 0), 0);
    emit("png", "bomb-1x65535.png", png_bomb(1, 65535, 16, 0), 0);
    emit("png", "bomb-65535x1.png", png_bomb(65535, 1, 8, 0), 0);

    static const struct {
        const char *name;
        int how, q;
    } jk[] = {
        {"grey-q90", J_GREY, 90},
        {"grey-q20-restart", J_GREY | J_RESTART, 20},
        {"grey-prog", J_GREY | J_PROG, 85},
        {"grey-arith", J_GREY | J_ARITH, 85},
        {"grey-prog-arith", J_GREY | J_PROG | J_ARITH, 75},
        {"ycc-444", J_COLOR, 90},
        {"ycc-420-opt", J_COLOR | J_SUB | J_OPTIMIZE, 80},
        {"ycc-420-prog", J_COLOR | J_SUB | J_PROG, 70},
    };
    for (size_t k = 0; k < sizeof jk / sizeof *jk; k++) {
        snprintf(name, sizeof name, "%s.jpg", jk[k].name);
        emit("jpeg", name, encode_jpeg(&small, jk[k].how, jk[k].q), 1);
    }
    emit("jpeg", "bomb-65500x65500.jpg", jpeg_bomb(&small, 65500, 65500), 0);

    emit("pnm", "p5-255.pgm", encode_pnm(&small, 0, 255), 1);
    emit("pnm", "p5-65535.pgm", encode_pnm(&small, 0, 65535), 1);
    emit("pnm", "p5-1000.pgm", encode_pnm(&small, 0, 1000), 1);
    emit("pnm", "p5-1.pgm", encode_pnm(&small, 0, 1), 0);
    emit("pnm", "p2-255.pgm", encode_pnm(&small, 1, 255), 1);
    emit("pnm", "p2-4095.pgm", encode_pnm(&small, 1, 4095), 1);
    static const char bomb[] = "P5\n1000000 1000000\n255\n";
    seed("pnm", "bomb-1000000x1000000.pgm", (const uint8_t *)bomb, sizeof bomb - 1, 0);
    free(small.v);

    /* Screen seeds: scans the analysis accepts (a container with air
     * around it), one per class, in each format, plus a dual-energy pair. */
    static const int classes[] = {LSCAN_CLASS_EMPTY, LSCAN_CLASS_MIXED, LSCAN_CLASS_DENSE_OBJECT,
                                  LSCAN_CLASS_HIDDEN_COMPARTMENT, LSCAN_CLASS_LOAD_IN_EMPTY};
    for (size_t k = 0; k < sizeof classes / sizeof *classes; k++) {
        struct pix sp = synth_pixels(ctx, 160, 96, classes[k], 100 + k);
        const char *cn = lscan_class_name(classes[k]);
        snprintf(name, sizeof name, "%s.png", cn);
        emit("screen", name, encode_png(&sp, PNG_COLOR_TYPE_GRAY, 16, 0), 0);
        if (k % 2 == 0) {
            snprintf(name, sizeof name, "%s.jpg", cn);
            emit("screen", name, encode_jpeg(&sp, J_GREY, 90), 0);
            snprintf(name, sizeof name, "%s.pgm", cn);
            emit("screen", name, encode_pnm(&sp, 0, 65535), 0);
        } else {
            snprintf(name, sizeof name, "%s-dual.png", cn);
            emit("screen", name, encode_png(&sp, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0), 0);
        }
        free(sp.v);
    }

    if (argc == 3) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) {
            fprintf(stderr, "gen_corpus: cannot open the model %s\n", argv[2]);
            return 1;
        }
        struct buf m = {0};
        uint8_t tmp[65536];
        size_t got;
        while ((got = fread(tmp, 1, sizeof tmp, f)) > 0) put(&m, tmp, got);
        fclose(f);
        seed("model", "default.model", m.p, m.n, 0);
        seed("model", "default.model.fixsum", m.p, m.n, 1u << 6); /* checksum repaired after mutation */
        seed("model", "cut-half.model", m.p, m.n / 2, 0);
        free(m.p);
    }
    static const char stub[] = "libscan-model 2\nname x\n";
    seed("model", "stub.model", (const uint8_t *)stub, sizeof stub - 1, 0);
    lscan_ctx_free(ctx);
    fprintf(stderr, "gen_corpus: %u seeds in %s\n", g_count, g_out);
    return 0;
}
