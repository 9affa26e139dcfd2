/* cmd_features.c — `scan features`: image (or per-tile) features of scans as CSV. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: scan features FILE... [--tiles | --load] [-o OUT.csv] [--cpu LIST]\n"
               "                     [--pitch MM] [--air LEVEL] [--polarity "
               "auto|transmission|attenuation]\n\n"
               "Calibrates each scan, locates the container and prints its features as CSV:\n"
               "a header 'file,<image feature names>' and one line per image; with --tiles one\n"
               "line per tile: 'file,col,row,x0,y0,x1,y1,<tile feature names>'. Floats are\n"
               "printed round-trip exact (%%.9g). docs/features.md defines every feature.\n"
               "A file that cannot be analysed is reported on stderr and skipped; the exit\n"
               "code is then 1 (after all files).\n\n"
               "  --tiles         per-tile features instead of per-image\n"
               "  --load          the load descriptors (commodity recognition, empty check)\n"
               "                  instead of the image features\n"
               "  -o FILE         write the CSV to FILE instead of stdout\n"
               "  --cpu LIST      keep only these CPU features (e.g. sse2, none)\n"
               "  --materials FILE   dual energy: the material calibration; image rows get the\n"
               "                  material features too (two-plane scans, NAME.high.* pairs)\n"
               "  --pitch MM      pixel pitch (default: from the container height)\n"
               "  --air LEVEL     air level I0 in 16-bit counts (default: estimated)\n"
               "  --polarity P    how the pixels are stored (default auto: detected)\n"
               "  --schema        print the feature schema (names, definitions, hashes) as\n"
               "                  Markdown tables and exit (docs/features.md is made of it)\n");
}

/* The schema as Markdown: one table per set, with its hash. */
static void print_schema(void)
{
    static const char *const title[3] = {"Tile", "Image", "Load"};
    for (uint32_t set = LSCAN_FEATURES_TILE; set <= LSCAN_FEATURES_LOAD; set++) {
        printf("%s### %s features (%u, schema hash `%016llx`)\n\n| # | name | definition |\n"
               "|---|---|---|\n",
               set ? "\n" : "", title[set], lscan_feature_count(set),
               (unsigned long long)lscan_feature_schema_hash(set));
        for (uint32_t i = 0; i < lscan_feature_count(set); i++)
            printf("| %u | `%s` | %s |\n", i, lscan_feature_name(set, i),
                   lscan_feature_definition(set, i));
    }
}

/* Writes a CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static bool parse_float(const char *opt, const char *s, float max, float *out)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || !(v > 0) || v > max) {
        cli_error("%s: expected a number in (0, %g], got '%s'", opt, (double)max, s ? s : "");
        return false;
    }
    *out = (float)v;
    return true;
}

int cmd_features(int argc, char **argv)
{
    const char *out_path = NULL, *cpu = NULL, *materials_path = NULL;
    bool tiles = false, load = false;
    lscan_analyze_options opts;
    lscan_analyze_options_init(&opts);
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) {
        cli_error("out of memory");
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(files);
            return EXIT_OK;
        } else if (strcmp(a, "--schema") == 0) {
            print_schema();
            free(files);
            return EXIT_OK;
        } else if (strcmp(a, "--tiles") == 0) {
            tiles = true;
        } else if (strcmp(a, "--load") == 0) {
            load = true;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && val) {
            out_path = argv[++i];
        } else if (strcmp(a, "--cpu") == 0 && val) {
            cpu = argv[++i];
        } else if (strcmp(a, "--materials") == 0 && val) {
            materials_path = argv[++i];
        } else if (strcmp(a, "--pitch") == 0) {
            if (!parse_float(a, val, 1000.0f, &opts.pitch_mm)) goto usage_error;
            i++;
        } else if (strcmp(a, "--air") == 0) {
            if (!parse_float(a, val, 65535.0f, &opts.air_level)) goto usage_error;
            i++;
        } else if (strcmp(a, "--polarity") == 0 && val) {
            i++;
            if (!cli_parse_polarity(val, &opts.polarity)) goto usage_error;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("features: unknown option '%s' (see 'scan features --help')", a);
            goto usage_error;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) {
        cli_error("features: no input files (see 'scan features --help')");
        goto usage_error;
    }
    if (tiles && load) {
        cli_error("features: --tiles and --load exclude each other");
        goto usage_error;
    }

    lscan_ctx *ctx = cli_ctx_new(cpu);
    if (!ctx) goto usage_error;
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w"))) {
        cli_error("cannot write '%s'", out_path);
        lscan_ctx_free(ctx);
        goto usage_error;
    }
    const uint32_t set = tiles  ? LSCAN_FEATURES_TILE
                         : load ? LSCAN_FEATURES_LOAD
                                : LSCAN_FEATURES_IMAGE;
    const uint32_t nf = lscan_feature_count(set);
    /* Dual energy: with a material calibration, the material features too. */
    lscan_materials *mats = NULL;
    if (materials_path) {
        int mrc = lscan_materials_load(ctx, materials_path, &mats);
        if (mrc) {
            cli_ctx_error(ctx, mrc);
            lscan_ctx_free(ctx);
            goto usage_error;
        }
        opts.materials = mats;
    }
    const uint32_t nm = mats && !tiles ? lscan_feature_count(LSCAN_FEATURES_MATERIAL) : 0;
    fputs(tiles ? "file,col,row,x0,y0,x1,y1" : "file", out);
    for (uint32_t k = 0; k < nf; k++)
        fprintf(out, ",%s", lscan_feature_name(set, k));
    for (uint32_t k = 0; k < nm; k++)
        fprintf(out, ",%s", lscan_feature_name(LSCAN_FEATURES_MATERIAL, k));
    fputc('\n', out);

    int failed = 0;
    for (int i = 0; i < nfiles; i++) {
        lscan_image *img = NULL;
        lscan_analysis *an = NULL;
        int rc = cli_image_load(ctx, files[i], NULL, &img);
        if (rc == LSCAN_OK) {
            rc = lscan_analyze(ctx, img, &opts, &an);
            /* The analysis error names no file: say which. */
            if (rc)
                cli_error("%s: %s (%s)", files[i], lscan_ctx_error_message(ctx),
                          lscan_status_name(rc));
        } else {
            cli_ctx_error(ctx, rc);
        }
        if (rc) {
            failed++;
            lscan_image_free(img);
            continue;
        }
        if (tiles) {
            uint32_t cols, rows;
            lscan_analysis_grid(an, &cols, &rows);
            const float *tf = lscan_analysis_tile_features(an);
            for (uint32_t r = 0; r < rows; r++)
                for (uint32_t c = 0; c < cols; c++) {
                    lscan_box b;
                    lscan_analysis_tile_box(an, c, r, &b);
                    csv_field(out, files[i]);
                    fprintf(out, ",%u,%u,%u,%u,%u,%u", c, r, b.x0, b.y0, b.x1, b.y1);
                    const float *f = tf + ((size_t)r * cols + c) * nf;
                    for (uint32_t k = 0; k < nf; k++)
                        fprintf(out, ",%.9g", (double)f[k]);
                    fputc('\n', out);
                }
        } else {
            const float *f =
                load ? lscan_analysis_load_features(an) : lscan_analysis_image_features(an);
            csv_field(out, files[i]);
            for (uint32_t k = 0; k < nf; k++)
                fprintf(out, ",%.9g", (double)f[k]);
            const float *fm = lscan_analysis_material_features(an);
            for (uint32_t k = 0; k < nm; k++)
                fprintf(out, ",%.9g", (double)fm[k]);
            fputc('\n', out);
        }
        lscan_analysis_free(an);
        lscan_image_free(img);
    }
    int wrc = ferror(out);
    if (out != stdout)
        wrc |= fclose(out);
    else
        wrc |= fflush(out);
    lscan_ctx_free(ctx);
    lscan_materials_free(mats);
    free(files);
    if (wrc) {
        cli_error("error writing %s", out_path ? out_path : "standard output");
        return EXIT_PARTIAL;
    }
    return failed ? EXIT_PARTIAL : EXIT_OK;

usage_error:
    free(files);
    return EXIT_USAGE;
}
