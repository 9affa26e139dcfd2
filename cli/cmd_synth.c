/* cmd_synth.c — `scan synth`: writes a labelled set of synthetic scans (images as the world's
 * archive exports them, labels.csv, masks/). */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct job {
    const char *out;
    unsigned long long n, seed;
    lscan_synth_params params;
    bool cycle; /* --class all: scan i gets class i mod 10 */
    int level;
    bool pnm;
    bool export_given; /* --export: every scan exported that way */
    bool dual_files;   /* --dual-files: NAME.high.png and NAME.low.png */
    /* Shared work queue and results (index order). */
    pthread_mutex_t lock;
    unsigned long long next;
    bool failed;
    char **lines; /* one labels.csv line per scan */
};

/* The file name of scan i: a hash of its seed, so the name says nothing
 * about the class and sets from disjoint seed ranges never collide. */
static void scan_name(unsigned long long seed, char *buf, size_t size)
{
    unsigned long long z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    snprintf(buf, size, "%016llx", z);
}

static int save_pnm(const lscan_image *img, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    uint32_t w = lscan_image_width(img), h = lscan_image_height(img);
    size_t stride;
    const uint16_t *px = lscan_image_pixels(img, 0, &stride);
    fprintf(f, "P5\n%u %u\n65535\n", w, h);
    unsigned char *row = malloc((size_t)w * 2);
    int rc = row ? 0 : -1;
    for (uint32_t y = 0; y < h && rc == 0; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint16_t v = px[(size_t)y * stride + x];
            row[2 * x] = (unsigned char)(v >> 8);
            row[2 * x + 1] = (unsigned char)v;
        }
        if (fwrite(row, 2, w, f) != w) rc = -1;
    }
    free(row);
    if (fclose(f) != 0) rc = -1;
    return rc;
}

static bool do_one(struct job *j, lscan_ctx *ctx, unsigned long long i)
{
    unsigned long long seed = j->seed + i;
    lscan_image *img = NULL;
    lscan_synth_truth *t = NULL;
    lscan_synth_params p = j->params;
    if (j->cycle) {
        static const int order[] = {LSCAN_CLASS_EMPTY,          LSCAN_CLASS_HOMOGENEOUS,
                                    LSCAN_CLASS_BULK,           LSCAN_CLASS_MIXED,
                                    LSCAN_CLASS_MACHINERY,      LSCAN_CLASS_DENSE_OBJECT,
                                    LSCAN_CLASS_IMPENETRABLE,   LSCAN_CLASS_HIDDEN_COMPARTMENT,
                                    LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY};
        p.cls = order[i % 10];
    }
    int rc = lscan_synth_generate(ctx, &p, seed, &img, &t);
    if (rc) {
        cli_ctx_error(ctx, rc);
        return false;
    }
    char name[32], path[4096];
    scan_name(seed, name, sizeof name);
    bool ok = true;
    /* The raw 16-bit scan is written as before; any other export (the
     * world's draw or --export) through lscan_synth_export_make. */
    lscan_synth_export *ex = NULL;
    const char *ext = j->pnm ? "pgm" : "png";
    const lscan_synth_truth *tt = t;
    if (strcmp(lscan_synth_truth_export(t), "png16") != 0) {
        if ((rc = lscan_synth_export_make(ctx, img, t, NULL, &ex)) != LSCAN_OK) {
            cli_ctx_error(ctx, rc);
            lscan_image_free(img);
            lscan_synth_truth_free(t);
            return false;
        }
        ext = lscan_synth_export_extension(ex);
        tt = lscan_synth_export_truth(ex);
    }
    snprintf(path, sizeof path, "%s/%s.%s", j->out, name, ext);
    char file[64];
    snprintf(file, sizeof file, "%s.%s", name, ext);
    if (lscan_image_channels(img) == 2 && j->dual_files) {
        /* A dual-energy pair as two files: the reader pairs *.high.* with *.low.*. */
        snprintf(file, sizeof file, "%s.high.png", name);
        for (uint32_t plane = 0; plane < 2 && ok; plane++) {
            snprintf(path, sizeof path, "%s/%s.%s.png", j->out, name, plane ? "low" : "high");
            if ((rc = lscan_image_save_png_plane(ctx, img, plane, path, j->level)) != LSCAN_OK) {
                cli_ctx_error(ctx, rc);
                ok = false;
            }
        }
    } else if (ex) {
        if ((rc = lscan_synth_export_save(ctx, ex, path, j->level)) != LSCAN_OK) {
            cli_ctx_error(ctx, rc);
            ok = false;
        }
    } else if (j->pnm) {
        if (save_pnm(img, path) != 0) {
            cli_error("%s: cannot write: %s", path, strerror(errno));
            ok = false;
        }
    } else if ((rc = lscan_image_save_png(ctx, img, path, j->level)) != LSCAN_OK) {
        cli_ctx_error(ctx, rc);
        ok = false;
    }
    if (ok && lscan_synth_truth_materials(tt)) {
        snprintf(path, sizeof path, "%s/materials/%s.png", j->out, name);
        if ((rc = lscan_synth_truth_save_materials(ctx, tt, path)) != LSCAN_OK) {
            cli_ctx_error(ctx, rc);
            ok = false;
        }
    }
    if (ok && lscan_synth_truth_label(tt) == LSCAN_INSPECT) {
        snprintf(path, sizeof path, "%s/masks/%s.png", j->out, name);
        if ((rc = lscan_synth_truth_save_mask(ctx, tt, path)) != LSCAN_OK) {
            cli_ctx_error(ctx, rc);
            ok = false;
        }
    }
    if (ok) {
        lscan_box b;
        lscan_synth_truth_bbox(tt, &b);
        char hs[16] = "";
        if (lscan_synth_truth_hs_chapter(tt))
            snprintf(hs, sizeof hs, "%02u", lscan_synth_truth_hs_chapter(tt));
        char line[768];
        snprintf(line, sizeof line, "%s,%s,%s,%s,%.3f,%u,%u,%u,%u,%s,%s,%s,%s,%s,%s\n", file,
                 lscan_synth_truth_label(tt) == LSCAN_INSPECT ? "INSPECT" : "RELEASE",
                 lscan_class_name(lscan_synth_truth_class(tt)), lscan_synth_truth_subclass(tt),
                 (double)lscan_synth_truth_difficulty(tt), b.x0, b.y0, b.x1, b.y1,
                 lscan_synth_truth_world(tt), lscan_synth_truth_build(tt),
                 lscan_synth_truth_scanner(tt), lscan_synth_truth_export(tt),
                 lscan_synth_truth_commodity(tt), hs);
        j->lines[i] = strdup(line);
        if (!j->lines[i]) ok = false;
    }
    lscan_synth_export_free(ex);
    lscan_image_free(img);
    lscan_synth_truth_free(t);
    return ok;
}

static void *worker(void *arg)
{
    struct job *j = arg;
    lscan_ctx *ctx = lscan_ctx_new();
    if (!ctx) {
        pthread_mutex_lock(&j->lock);
        j->failed = true;
        pthread_mutex_unlock(&j->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&j->lock);
        unsigned long long i = j->next++;
        bool stop = j->failed || i >= j->n;
        pthread_mutex_unlock(&j->lock);
        if (stop) break;
        if (!do_one(j, ctx, i)) {
            pthread_mutex_lock(&j->lock);
            j->failed = true;
            pthread_mutex_unlock(&j->lock);
        }
    }
    lscan_ctx_free(ctx);
    return NULL;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
    cli_error("%s: cannot create directory: %s", path, strerror(errno));
    return -1;
}

static void list_worlds(void)
{
    printf("world     purpose     builds / scanners / exports\n");
    for (uint32_t w = 0; w < lscan_synth_world_count(); w++) {
        char b[256], sc[256], ex[256];
        lscan_synth_world_components(w, b, sc, ex, sizeof b);
        printf("%-9s %-11s %s\n", lscan_synth_world_name(w), lscan_synth_world_purpose(w),
               lscan_synth_world_description(w));
        printf("%-21s builds: %s\n%-21s scanners: %s\n%-21s exports: %s\n", "", b, "", sc, "", ex);
    }
    printf("\ncommodities (name, HS chapter, class):\n");
    for (uint32_t c = 0; c < lscan_synth_commodity_count(); c++) {
        uint32_t hs = lscan_synth_commodity_hs_chapter(c);
        char h[16] = "-";
        if (hs) snprintf(h, sizeof h, "%02u", hs);
        printf("  %-24s %-3s %s\n", lscan_synth_commodity_name(c), h,
               lscan_class_name(lscan_synth_commodity_class(c)));
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: scan synth --out DIR --n N --seed S [options]\n"
               "       scan synth --list-worlds\n\n"
               "Generates N synthetic X-ray scans of cargo containers with ground truth:\n"
               "DIR/<name>.png (16-bit transmission, or the world's archive export: .png/.jpg),\n"
               "DIR/labels.csv (file,label,class,subclass,difficulty,x0,y0,x1,y1,world,build,\n"
               "scanner,export,commodity,hs_chapter; the box is the anomaly's, half-open, zeros\n"
               "for RELEASE, in the exported image's pixels) and DIR/masks/<name>.png (0/255,\n"
               "INSPECT only: the exported pixels the anomaly changed).\n"
               "Scan i (0-based) uses seed S+i, so sets made from disjoint seed ranges are\n"
               "disjoint; names are a hash of the seed. Output is identical for any --jobs.\n\n"
               "options:\n"
               "  --world W          classic (default), or another world (--list-worlds)\n"
               "  --export SPEC      export every scan this way instead of the world's draw:\n"
               "                     png16 | png8 | jpeg [-crop] [-lin|-log[A]|-gamma[G]] [-inv]\n"
               "                     [-sF (downscale)] [-qQ (JPEG quality)], e.g. jpeg-crop,\n"
               "                     png8-log-inv, jpeg-crop-gamma2.2-s0.5-q75\n"
               "  --class C          force a class (empty, homogeneous, bulk, mixed, machinery,\n"
               "                     dense_object, impenetrable, hidden_compartment,\n"
               "                     anomalous_mass, load_in_empty), or 'all' to cycle\n"
               "                     through the ten in that order (scan i: class i mod 10);\n"
               "                     default: drawn from the mix\n"
               "  --inspect-fraction F  share of INSPECT scans when drawing (default 0.5)\n"
               "  --difficulty A:B   difficulty range, 0 obvious .. 1 subtle (default 0:1)\n"
               "  --size 20ft|40ft|45ft|hires|mixed   container and pitch (default 20ft;\n"
               "                     with --world other than classic: mixed, the world's mix)\n"
               "  --width W --height H   force the image size (geometry scaled)\n"
               "  --no-chassis       never draw a truck chassis\n"
               "  --dual             dual energy: both energies of the world's linac profile\n"
               "                     (6/4, 6/3, 9/6 or 7.5/4.5 MeV; not the classic world) as a\n"
               "                     16-bit grey+alpha PNG (grey = high energy), with the\n"
               "                     scanner's name as its Source text and the true material\n"
               "                     of every pixel in DIR/materials/<name>.png (codes 0 none,\n"
               "                     1 organic, 2 light inorganic, 3 steel, 4 heavy, 255 mixed)\n"
               "  --dual-files       the same as two files, <name>.high.png and <name>.low.png\n"
               "  --step-wedges      calibration step wedges (four materials x 24 steps) in\n"
               "                     air instead of containers, for 'scan calibrate'\n"
               "  --format png|pnm   output format (default png; pnm writes 16-bit .pgm)\n"
               "  --level L          zlib level 0..9 for PNG (default 6)\n"
               "  --jobs N           worker threads (default 1)\n");
}

int cmd_synth(int argc, char **argv)
{
    struct job j;
    memset(&j, 0, sizeof j);
    lscan_synth_params_init(&j.params);
    j.level = 6;
    unsigned long long jobs = 1, v;
    bool have_n = false, have_seed = false, have_size = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--list-worlds") == 0) {
            list_worlds();
            return EXIT_OK;
        } else if (strcmp(a, "--no-chassis") == 0) {
            j.params.flags |= LSCAN_SYNTH_NO_CHASSIS;
            continue;
        } else if (strcmp(a, "--dual") == 0) {
            j.params.dual = 1;
            continue;
        } else if (strcmp(a, "--dual-files") == 0) {
            j.params.dual = 1;
            j.dual_files = true;
            continue;
        } else if (strcmp(a, "--step-wedges") == 0) {
            j.params.scene = LSCAN_SYNTH_SCENE_STEP_WEDGE;
            continue;
        }
        if (!val) {
            cli_error("synth: option '%s' needs a value (see 'scan synth --help')", a);
            return EXIT_USAGE;
        }
        i++;
        if (strcmp(a, "--out") == 0) {
            j.out = val;
        } else if (strcmp(a, "--n") == 0) {
            if (!cli_parse_u64(a, val, 100000000ull, &j.n)) return EXIT_USAGE;
            have_n = true;
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_u64(a, val, UINT64_MAX / 2, &j.seed)) return EXIT_USAGE;
            have_seed = true;
        } else if (strcmp(a, "--class") == 0) {
            int c;
            if (strcmp(val, "all") == 0) {
                j.cycle = true;
                continue;
            }
            if (lscan_class_parse(val, &c) != LSCAN_OK) {
                cli_error("synth: unknown class '%s' (see 'scan synth --help')", val);
                return EXIT_USAGE;
            }
            j.params.cls = c;
        } else if (strcmp(a, "--world") == 0) {
            int w = lscan_synth_world_find(val);
            if (w < 0) {
                cli_error("synth: unknown world '%s' (see 'scan synth --list-worlds')", val);
                return EXIT_USAGE;
            }
            j.params.world = (uint32_t)w;
        } else if (strcmp(a, "--export") == 0) {
            if (lscan_synth_export_parse(val, &j.params) != LSCAN_OK) {
                cli_error("synth: bad --export '%s' (see 'scan synth --help')", val);
                return EXIT_USAGE;
            }
            j.export_given = strcmp(val, "world") != 0;
        } else if (strcmp(a, "--size") == 0) {
            have_size = true;
            if (strcmp(val, "20ft") == 0)
                j.params.container = LSCAN_SYNTH_20FT;
            else if (strcmp(val, "40ft") == 0)
                j.params.container = LSCAN_SYNTH_40FT;
            else if (strcmp(val, "45ft") == 0)
                j.params.container = LSCAN_SYNTH_45FT;
            else if (strcmp(val, "hires") == 0)
                j.params.container = LSCAN_SYNTH_HIRES;
            else if (strcmp(val, "mixed") == 0)
                j.params.container = LSCAN_SYNTH_MIXED;
            else {
                cli_error("synth: --size must be 20ft, 40ft, 45ft, hires or mixed, got '%s'", val);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--width") == 0) {
            if (!cli_parse_u64(a, val, 65536, &v)) return EXIT_USAGE;
            j.params.width = (uint32_t)v;
        } else if (strcmp(a, "--height") == 0) {
            if (!cli_parse_u64(a, val, 65536, &v)) return EXIT_USAGE;
            j.params.height = (uint32_t)v;
        } else if (strcmp(a, "--jobs") == 0) {
            if (!cli_parse_u64(a, val, 256, &jobs)) return EXIT_USAGE;
            if (jobs == 0) jobs = 1;
        } else if (strcmp(a, "--level") == 0) {
            if (!cli_parse_u64(a, val, 9, &v)) return EXIT_USAGE;
            j.level = (int)v;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(val, "png") == 0)
                j.pnm = false;
            else if (strcmp(val, "pnm") == 0)
                j.pnm = true;
            else {
                cli_error("synth: --format must be png or pnm, got '%s'", val);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--inspect-fraction") == 0) {
            double f;
            if (!cli_parse_double(a, val, 0, 1, &f)) return EXIT_USAGE;
            j.params.inspect_fraction = (float)f;
        } else if (strcmp(a, "--difficulty") == 0) {
            char *end;
            double lo = strtod(val, &end), hi = lo;
            if (*end == ':') hi = strtod(end + 1, &end);
            if (*end || !(lo >= 0 && hi <= 1 && lo <= hi)) {
                cli_error("synth: --difficulty must be A:B with 0 <= A <= B <= 1, got '%s'", val);
                return EXIT_USAGE;
            }
            j.params.difficulty_min = (float)lo;
            j.params.difficulty_max = (float)hi;
        } else {
            cli_error("synth: unknown option '%s' (see 'scan synth --help')", a);
            return EXIT_USAGE;
        }
    }
    if (!j.out || !have_n || !have_seed) {
        cli_error("synth: --out, --n and --seed are required (see 'scan synth --help')");
        return EXIT_USAGE;
    }
    if (j.params.world != 0 && !have_size) j.params.container = LSCAN_SYNTH_MIXED;
    if (j.params.world == 0 && j.params.container == LSCAN_SYNTH_45FT) {
        cli_error("synth: the classic world has no 45 ft containers");
        return EXIT_USAGE;
    }
    if ((j.params.dual || j.params.scene) && j.params.world == 0) {
        cli_error("synth: --dual and --step-wedges need a world with a linac profile (the classic "
                  "world renders one monochromatic energy): add --world W");
        return EXIT_USAGE;
    }
    if (j.params.dual && j.export_given &&
        !(j.params.export_format == LSCAN_SYNTH_EXPORT_PNG16 && j.params.export_flags == 0 &&
          (j.params.export_scale == 0 || j.params.export_scale == 1))) {
        cli_error(
            "synth: a dual-energy scan is written as its raw 16-bit pair: --export png16 only");
        return EXIT_USAGE;
    }
    if (j.pnm && (j.params.dual || j.params.scene)) {
        cli_error("synth: --format pnm writes one plane; dual-energy scans are PNG");
        return EXIT_USAGE;
    }
    if (j.pnm && (j.params.world != 0 || j.export_given)) {
        cli_error("synth: --format pnm writes classic raw scans only (use --export png16)");
        return EXIT_USAGE;
    }
    if ((j.params.width == 0) != (j.params.height == 0)) {
        cli_error("synth: --width and --height go together");
        return EXIT_USAGE;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/masks", j.out);
    if (make_dir(j.out) || make_dir(path)) return EXIT_USAGE;
    snprintf(path, sizeof path, "%s/materials", j.out);
    if (j.params.dual && make_dir(path)) return EXIT_USAGE;
    j.lines = calloc(j.n ? j.n : 1, sizeof *j.lines);
    if (!j.lines) {
        cli_error("out of memory");
        return EXIT_USAGE;
    }
    pthread_mutex_init(&j.lock, NULL);
    if (jobs > j.n) jobs = j.n ? j.n : 1;
    pthread_t *th = calloc(jobs, sizeof *th);
    unsigned long long started = 0;
    if (th)
        for (; started < jobs; started++)
            if (pthread_create(&th[started], NULL, worker, &j) != 0) break;
    if (started == 0) worker(&j); /* no thread could start: do the work here */
    for (unsigned long long k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    free(th);
    pthread_mutex_destroy(&j.lock);

    int status = EXIT_OK;
    snprintf(path, sizeof path, "%s/labels.csv", j.out);
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("%s: cannot create: %s", path, strerror(errno));
        status = EXIT_USAGE;
    } else {
        fputs("file,label,class,subclass,difficulty,x0,y0,x1,y1,world,build,scanner,export,"
              "commodity,hs_chapter\n",
              f);
        for (unsigned long long i = 0; i < j.n; i++)
            if (j.lines[i]) fputs(j.lines[i], f);
        if (fclose(f) != 0) status = EXIT_USAGE;
    }
    for (unsigned long long i = 0; i < j.n; i++)
        free(j.lines[i]);
    free(j.lines);
    if (j.failed) status = EXIT_PARTIAL;
    return status;
}
