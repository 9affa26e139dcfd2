/* embed.c — how scanner software embeds libscan: load the model once, wrap pixel buffers it already
 * holds, screen them from several threads. */
/*
 * Build against an installed libscan:
 *     cc embed.c $(pkg-config --cflags --libs libscan) -pthread -o embed
 * Run:
 *     OPENBLAS_NUM_THREADS=1 ./embed /usr/local/share/libscan/default.model 12 4
 *
 * The scanner's frame buffers are stood in for by generated scans copied into
 * memory this program owns; a real integration points lscan_image_wrap at its
 * own acquisition buffers instead. One lscan_ctx per thread; the model is
 * shared by every thread (it is immutable once loaded).
 */
#include <libscan.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame { /* what the vendor's software already holds */
    uint16_t *pixels;
    uint32_t width, height;
    size_t stride_bytes;
    /* filled in by the workers */
    int status;
    uint32_t decision;
    double score;
};

struct shared {
    const lscan_model *model;
    struct frame *frames;
    int n;
    atomic_int next; /* the next frame to take */
};

static void *worker(void *arg)
{
    struct shared *s = arg;
    lscan_ctx *ctx = lscan_ctx_new(); /* one per thread: scratch memory is reused between scans */
    if (!ctx) return NULL;
    for (int i; (i = atomic_fetch_add(&s->next, 1)) < s->n;) {
        struct frame *f = &s->frames[i];
        lscan_image *img = NULL;
        /* 16-bit transmission pixels are referenced, not copied. */
        int rc =
            lscan_image_wrap(ctx, f->pixels, f->width, f->height, f->stride_bytes, 16, NULL, &img);
        lscan_result *r = NULL;
        if (rc == LSCAN_OK) rc = lscan_screen(ctx, s->model, img, NULL, &r);
        /* Fail-safe: whatever went wrong, the result (when there is one) says INSPECT. */
        f->status = rc;
        f->decision = r ? lscan_result_decision(r) : LSCAN_INSPECT;
        f->score = r ? lscan_result_score(r) : -1;
        lscan_result_free(r);
        lscan_image_free(img);
    }
    lscan_ctx_free(ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: embed MODEL [SCANS] [THREADS]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 8, threads = argc > 3 ? atoi(argv[3]) : 4;
    if (n < 1 || threads < 1 || threads > 64) return 2;
    printf("libscan %s\n", lscan_version());

    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *model = NULL;
    int rc = lscan_model_load(ctx, argv[1], &model);
    if (rc) {
        fprintf(stderr, "embed: %s (%s)\n", lscan_ctx_error_message(ctx), lscan_status_name(rc));
        return 2;
    }

    /* Stand-in frames: generated scans copied into buffers we own, with padded rows. */
    struct frame *frames = calloc((size_t)n, sizeof *frames);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = 640;
    p.height = 320;
    for (int i = 0; i < n; i++) {
        lscan_image *g = NULL;
        if (lscan_synth_generate(ctx, &p, 100 + (uint64_t)i, &g, NULL)) return 2;
        size_t stride;
        const uint16_t *src = lscan_image_pixels(g, 0, &stride);
        frames[i].width = lscan_image_width(g);
        frames[i].height = lscan_image_height(g);
        frames[i].stride_bytes = (frames[i].width + 16) * sizeof(uint16_t);
        frames[i].pixels = malloc(frames[i].stride_bytes * frames[i].height);
        for (uint32_t y = 0; y < frames[i].height; y++)
            memcpy((char *)frames[i].pixels + y * frames[i].stride_bytes, src + y * stride,
                   frames[i].width * sizeof(uint16_t));
        lscan_image_free(g);
    }

    struct shared s = {model, frames, n, 0};
    pthread_t tid[64];
    for (int t = 0; t < threads; t++)
        pthread_create(&tid[t], NULL, worker, &s);
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);

    int failures = 0;
    for (int i = 0; i < n; i++) {
        printf("frame %d: %s score %.4f%s\n", i,
               frames[i].decision == LSCAN_RELEASE ? "RELEASE" : "INSPECT", frames[i].score,
               frames[i].status ? " (not analysed)" : "");
        failures += frames[i].status != LSCAN_OK;
        free(frames[i].pixels);
    }
    free(frames);
    lscan_model_free(model);
    lscan_ctx_free(ctx);
    return failures ? 1 : 0;
}
