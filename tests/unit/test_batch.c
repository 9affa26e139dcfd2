/* test_batch.c — the batch engine: input order, identical results for any thread count, bounded
 * in-flight inputs, one callback at a time, failures, cancellation. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "batch/batch.h"
#include "testutil.h"

#define W 480
#define H 240

/* A small model trained on small generated scans: enough to make real,
 * varied decisions (scores differ per scan) in well under a second. */
static lscan_model *train_model(lscan_ctx *ctx)
{
    lscan_trainer *t = lscan_trainer_new();
    cr_assert_not_null(t);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = W;
    p.height = H;
    /* Every class, so that every per-class part of the model has examples. */
    static const int classes[] = {LSCAN_CLASS_EMPTY,          LSCAN_CLASS_HOMOGENEOUS,
                                  LSCAN_CLASS_BULK,           LSCAN_CLASS_MIXED,
                                  LSCAN_CLASS_MACHINERY,      LSCAN_CLASS_DENSE_OBJECT,
                                  LSCAN_CLASS_IMPENETRABLE,   LSCAN_CLASS_HIDDEN_COMPARTMENT,
                                  LSCAN_CLASS_ANOMALOUS_MASS, LSCAN_CLASS_LOAD_IN_EMPTY};
    p.difficulty_max = 0.3f;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        p.cls = classes[seed % 10];
        lscan_image *img;
        lscan_synth_truth *truth;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 1000 + seed, &img, &truth), LSCAN_OK);
        int rc = lscan_trainer_add(t, ctx, img, lscan_synth_truth_mask(truth), W,
                                   lscan_synth_truth_class(truth),
                                   seed <= 20 ? LSCAN_SPLIT_TRAIN : LSCAN_SPLIT_VALIDATION, seed);
        cr_assert_eq(rc, LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
        lscan_image_free(img);
        lscan_synth_truth_free(truth);
    }
    lscan_train_options o;
    lscan_train_options_init(&o);
    o.max_negative_tiles = 60;
    lscan_model *m = NULL;
    cr_assert_eq(lscan_trainer_fit(t, ctx, &o, &m), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    lscan_trainer_free(t);
    return m;
}

/* Inputs of every kind: images, encoded buffers and files, good and bad. */
enum { N_IN = 20 };
struct inputs {
    lscan_image *img[N_IN];
    uint8_t *buf[N_IN];
    size_t size[N_IN];
    char path[N_IN][256];
    int kind[N_IN]; /* 0 image, 1 buffer, 2 path */
};

static void make_inputs(lscan_ctx *ctx, struct inputs *in)
{
    memset(in, 0, sizeof *in);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = W;
    p.height = H;
    for (int i = 0; i < N_IN; i++) {
        in->kind[i] = i % 3;
        snprintf(in->path[i], sizeof in->path[i], "%s/in%02d.png", tu_tmpdir(), i);
        if (i == 7) { /* garbage buffer */
            in->kind[i] = 1;
            in->buf[i] = (uint8_t *)strdup("not an image at all");
            in->size[i] = strlen((char *)in->buf[i]);
            continue;
        }
        if (i == 11) { /* a file that does not exist */
            in->kind[i] = 2;
            snprintf(in->path[i], sizeof in->path[i], "%s/missing.png", tu_tmpdir());
            continue;
        }
        if (i == 14) { /* a directory */
            in->kind[i] = 2;
            snprintf(in->path[i], sizeof in->path[i], "%s/dir.png", tu_tmpdir());
            mkdir(in->path[i], 0755);
            continue;
        }
        if (i == 16) { /* empty buffer */
            in->kind[i] = 1;
            in->buf[i] = NULL;
            in->size[i] = 0;
            continue;
        }
        lscan_image *img;
        cr_assert_eq(lscan_synth_generate(ctx, &p, 5000 + (uint64_t)i, &img, NULL), LSCAN_OK);
        if (in->kind[i] == 0) {
            in->img[i] = img;
            continue;
        }
        cr_assert_eq(lscan_image_save_png(ctx, img, in->path[i], 1), LSCAN_OK);
        lscan_image_free(img);
        if (in->kind[i] == 1) {
            in->buf[i] = tu_read_file(in->path[i], &in->size[i]);
            cr_assert_not_null(in->buf[i]);
        }
    }
}

static void free_inputs(struct inputs *in)
{
    for (int i = 0; i < N_IN; i++) {
        lscan_image_free(in->img[i]);
        free(in->buf[i]);
    }
}

struct rec {
    uint32_t decision;
    double score;
    int status;
    uint32_t width, n_hot;
    lscan_box hot0;
    double decode;
    char name[256];
};

struct collect {
    struct rec r[N_IN];
    uint64_t next; /* the index the next callback must carry */
    uint64_t delivered;
    atomic_int inside; /* callbacks running now */
    int overlap;       /* times two callbacks ran at once */
    pthread_t driver;
    int wrong_thread;
    atomic_int images; /* on_image calls */
    int cancel_at;     /* index whose callback asks to stop, or -1 */
    int slow_ms;       /* sleep inside the callback */
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int on_result(void *user, uint64_t index, const char *name, const lscan_result *r)
{
    struct collect *c = user;
    if (atomic_fetch_add(&c->inside, 1) != 0) c->overlap++;
    if (!pthread_equal(pthread_self(), c->driver)) c->wrong_thread++;
    cr_assert_eq(index, c->next, "delivered %llu, expected %llu", (unsigned long long)index,
                 (unsigned long long)c->next);
    cr_assert_not_null(r);
    struct rec *x = &c->r[index];
    x->decision = lscan_result_decision(r);
    x->score = lscan_result_score(r);
    x->status = lscan_result_status(r);
    lscan_result_image_size(r, &x->width, NULL);
    x->n_hot = lscan_result_hot_tile_count(r);
    if (x->n_hot) lscan_result_hot_tile(r, 0, &x->hot0, NULL);
    x->decode = lscan_result_stage_seconds(r, LSCAN_STAGE_DECODE);
    snprintf(x->name, sizeof x->name, "%s", name ? name : "(null)");
    if (c->slow_ms) sleep_ms(c->slow_ms);
    c->next++;
    c->delivered++;
    atomic_fetch_sub(&c->inside, 1);
    return (int)index == c->cancel_at;
}

static void on_image(void *user, lscan_ctx *ctx, uint64_t index, const char *name,
                     const lscan_image *img, const lscan_result *r)
{
    (void)name;
    (void)index;
    struct collect *c = user;
    cr_assert_not_null(ctx);
    cr_assert_eq(lscan_image_width(img), W);
    uint32_t rw;
    lscan_result_image_size(r, &rw, NULL);
    cr_assert_eq(rw, W, "the result handed with an image is that image's");
    atomic_fetch_add(&c->images, 1);
}

/* The decision threshold the comparisons use (negative: the model's). */
static double g_threshold = -1;

static int run_batch(const lscan_model *m, const struct inputs *in, uint32_t threads,
                     uint32_t max_in_flight, struct collect *c, bool with_image_fn)
{
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.threshold = g_threshold;
    memset(c, 0, sizeof *c);
    c->driver = pthread_self();
    c->cancel_at = -1;
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_batch_options o;
    lscan_batch_options_init(&o);
    o.threads = threads;
    o.max_in_flight = max_in_flight;
    o.on_result = on_result;
    o.on_image = with_image_fn ? on_image : NULL;
    o.user = c;
    o.screen = &so;
    lscan_batch *b;
    cr_assert_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_OK, "%s", lscan_ctx_error_message(ctx));
    for (int i = 0; i < N_IN; i++) {
        uint64_t idx = 99;
        char name[32];
        snprintf(name, sizeof name, "input %d", i);
        int rc = in->kind[i] == 0 ? lscan_batch_submit_image(b, in->img[i], name, &idx)
                 : in->kind[i] == 1
                     ? lscan_batch_submit_buffer(b, in->buf[i], in->size[i], name, &idx)
                     : lscan_batch_submit_path(b, in->path[i], &idx);
        cr_assert_eq(rc, LSCAN_OK);
        cr_assert_eq(idx, (uint64_t)i);
    }
    int rc = lscan_batch_finish(b);
    lscan_batch_free(b);
    lscan_ctx_free(ctx);
    return rc;
}

/* The reference: each input screened alone with the plain API. */
static void reference(lscan_ctx *ctx, const lscan_model *m, const struct inputs *in,
                      struct rec *ref)
{
    memset(ref, 0, N_IN * sizeof *ref);
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.threshold = g_threshold;
    for (int i = 0; i < N_IN; i++) {
        lscan_result *r = NULL;
        if (in->kind[i] == 0) {
            lscan_screen(ctx, m, in->img[i], &so, &r);
        } else if (in->kind[i] == 2) {
            lscan_screen_file(ctx, m, in->path[i], NULL, &so, &r);
        } else {
            lscan_image *img = NULL;
            int rc = lscan_image_decode(ctx, in->buf[i], in->size[i], NULL, &img);
            if (rc == LSCAN_OK) {
                lscan_screen(ctx, m, img, &so, &r);
            } else {
                memset(&ref[i], 0, sizeof ref[i]);
                ref[i].decision = LSCAN_INSPECT;
                ref[i].score = NAN;
                ref[i].status = rc;
                continue;
            }
            lscan_image_free(img);
        }
        cr_assert_not_null(r);
        ref[i].decision = lscan_result_decision(r);
        ref[i].score = lscan_result_score(r);
        ref[i].status = lscan_result_status(r);
        lscan_result_image_size(r, &ref[i].width, NULL);
        ref[i].n_hot = lscan_result_hot_tile_count(r);
        if (ref[i].n_hot) lscan_result_hot_tile(r, 0, &ref[i].hot0, NULL);
        lscan_result_free(r);
    }
}

static void same(const struct rec *a, const struct rec *b, int i, uint32_t threads)
{
    cr_expect_eq(a->decision, b->decision, "input %d, %u threads: decision", i, threads);
    cr_expect_eq(a->status, b->status, "input %d, %u threads: status %d vs %d", i, threads,
                 a->status, b->status);
    cr_expect(a->score == b->score || (isnan(a->score) && isnan(b->score)),
              "input %d, %u threads: score %.17g vs %.17g", i, threads, a->score, b->score);
    cr_expect_eq(a->width, b->width, "input %d: width", i);
    cr_expect_eq(a->n_hot, b->n_hot, "input %d: hot tiles", i);
    cr_expect(memcmp(&a->hot0, &b->hot0, sizeof a->hot0) == 0, "input %d: hottest tile", i);
}

Test(batch, input_order_and_identical_results_for_any_thread_count)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    struct inputs in;
    make_inputs(ctx, &in);
    struct rec ref[N_IN];
    /* A tiny model's own threshold may flag everything: take the median score instead, so that
     * both decisions occur and a thread-count-dependent score would flip some. */
    g_threshold = -1;
    reference(ctx, m, &in, ref);
    double sorted[N_IN];
    int ns = 0;
    for (int i = 0; i < N_IN; i++)
        if (!isnan(ref[i].score)) {
            int k = ns++;
            while (k > 0 && sorted[k - 1] > ref[i].score)
                sorted[k] = sorted[k - 1], k--;
            sorted[k] = ref[i].score;
        }
    g_threshold = sorted[ns / 2];
    reference(ctx, m, &in, ref);
    /* The set must exercise both decisions and failures, or the comparison proves little. */
    int released = 0, failed = 0;
    for (int i = 0; i < N_IN; i++)
        released += ref[i].decision == LSCAN_RELEASE, failed += ref[i].status != 0;
    cr_assert(failed == 4, "the four bad inputs fail (%d)", failed);

    static struct collect c; /* large: not on the stack */
    const uint32_t threads[] = {0, 1, 2, 3, 8};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        cr_assert_eq(run_batch(m, &in, threads[t], 0, &c, false), LSCAN_OK);
        cr_assert_eq(c.delivered, N_IN);
        cr_expect_eq(c.overlap, 0);
        cr_expect_eq(c.wrong_thread, 0);
        for (int i = 0; i < N_IN; i++) {
            same(&c.r[i], &ref[i], i, threads[t]);
            char name[32];
            snprintf(name, sizeof name, "input %d", i);
            cr_expect_str_eq(c.r[i].name, in.kind[i] == 2 ? in.path[i] : name);
        }
    }
    cr_assert(released > 0 && released < N_IN - failed, "both decisions occur (%d released)",
              released);
    free_inputs(&in);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(batch, failures_are_inspect_with_their_status)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    struct inputs in;
    make_inputs(ctx, &in);
    static struct collect c;
    cr_assert_eq(run_batch(m, &in, 2, 0, &c, false), LSCAN_OK);
    cr_expect_eq(c.r[7].status, LSCAN_ERR_UNKNOWN_FORMAT);
    cr_expect_eq(c.r[11].status, LSCAN_ERR_IO);
    cr_expect_eq(c.r[14].status, LSCAN_ERR_NOT_A_FILE);
    cr_expect_eq(c.r[16].status, LSCAN_ERR_EMPTY_INPUT);
    const int bad[] = {7, 11, 14, 16};
    for (int k = 0; k < 4; k++) {
        cr_expect_eq(c.r[bad[k]].decision, LSCAN_INSPECT, "input %d", bad[k]);
        cr_expect(isnan(c.r[bad[k]].score));
        cr_expect_eq(c.r[bad[k]].width, 0);
    }
    /* Decoded inputs record their decode time; images handed in decoded have none. */
    for (int i = 0; i < N_IN; i++) {
        if (c.r[i].status) continue;
        if (in.kind[i] == 0)
            cr_expect_eq(c.r[i].decode, 0.0, "input %d", i);
        else
            cr_expect_gt(c.r[i].decode, 0.0, "input %d", i);
    }
    free_inputs(&in);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(batch, image_callback_sees_every_decoded_input_once)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    struct inputs in;
    make_inputs(ctx, &in);
    static struct collect c;
    for (uint32_t threads = 0; threads <= 4; threads += 2) {
        cr_assert_eq(run_batch(m, &in, threads, 0, &c, true), LSCAN_OK);
        cr_expect_eq(atomic_load(&c.images), N_IN - 4, "%u threads: %d calls", threads,
                     atomic_load(&c.images));
    }
    free_inputs(&in);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* A bound check driven from the test: after every submit returns, the
 * inputs submitted but not delivered never exceed max_in_flight, and no more
 * than `threads` inputs were ever screened at once. */
Test(batch, in_flight_and_running_are_bounded)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = W;
    p.height = H;
    lscan_image *img;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 77, &img, NULL), LSCAN_OK);
    const struct {
        uint32_t threads, max_in_flight, expect_cap;
    } cases[] = {{2, 3, 3}, {4, 4, 4}, {3, 1, 3}, {2, 0, 8}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        static struct collect c;
        memset(&c, 0, sizeof c);
        c.driver = pthread_self();
        c.cancel_at = -1;
        /* Delivery far slower than screening, even on a loaded machine with more
         * workers than cores: the bound, not the workers, must stop the queue. */
        c.slow_ms = 25;
        lscan_batch_options o;
        lscan_batch_options_init(&o);
        o.threads = cases[k].threads;
        o.max_in_flight = cases[k].max_in_flight;
        o.on_result = on_result;
        o.user = &c;
        lscan_batch *b;
        cr_assert_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_OK);
        uint64_t most = 0;
        for (int i = 0; i < N_IN; i++) {
            cr_assert_eq(lscan_batch_submit_image(b, img, NULL, NULL), LSCAN_OK);
            uint64_t pending = (uint64_t)(i + 1) - c.delivered;
            if (pending > most) most = pending;
            cr_assert_leq(pending, cases[k].expect_cap, "case %zu: %llu pending", k,
                          (unsigned long long)pending);
        }
        cr_expect_eq(most, cases[k].expect_cap, "case %zu: the queue fills up to its bound", k);
        cr_assert_eq(lscan_batch_finish(b), LSCAN_OK);
        cr_expect_eq(c.delivered, N_IN);
        cr_expect_leq(lscan__batch_max_running(b), cases[k].threads);
        cr_expect_eq(c.overlap, 0);
        cr_expect_eq(c.wrong_thread, 0);
        lscan_batch_free(b);
    }
    lscan_image_free(img);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(batch, callback_can_cancel)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    lscan_synth_params p;
    lscan_synth_params_init(&p);
    p.width = W;
    p.height = H;
    lscan_image *img;
    cr_assert_eq(lscan_synth_generate(ctx, &p, 78, &img, NULL), LSCAN_OK);
    for (uint32_t threads = 0; threads <= 2; threads++) {
        static struct collect c;
        memset(&c, 0, sizeof c);
        c.driver = pthread_self();
        c.cancel_at = 3;
        lscan_batch_options o;
        lscan_batch_options_init(&o);
        o.threads = threads;
        o.max_in_flight = 2;
        o.on_result = on_result;
        o.user = &c;
        lscan_batch *b;
        cr_assert_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_OK);
        int rc = LSCAN_OK, submitted = 0;
        for (int i = 0; i < 50 && rc == LSCAN_OK; i++) {
            rc = lscan_batch_submit_image(b, img, NULL, NULL);
            if (rc == LSCAN_OK) submitted++;
        }
        cr_expect_eq(rc, LSCAN_ERR_CANCELLED, "%u threads", threads);
        cr_expect_leq(submitted, 3 + 1 + 2, "nothing is queued long after the stop");
        cr_expect_eq(lscan_batch_finish(b), LSCAN_ERR_CANCELLED);
        cr_expect_eq(c.delivered, 4, "%u threads: no callback after the one that stopped", threads);
        lscan_batch_free(b);
    }
    lscan_image_free(img);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(batch, free_without_finish_drops_pending_inputs)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    static struct collect c;
    memset(&c, 0, sizeof c);
    c.driver = pthread_self();
    c.cancel_at = -1;
    lscan_batch_options o;
    lscan_batch_options_init(&o);
    o.threads = 2;
    o.max_in_flight = 16;
    o.on_result = on_result;
    o.user = &c;
    lscan_batch *b;
    cr_assert_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_OK);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(lscan_batch_submit_path(b, "/nonexistent/x.png", NULL), LSCAN_OK);
    lscan_batch_free(b); /* must not leak or call back (checked under ASan in scripts/sanitize) */
    cr_expect_leq(c.delivered, 10);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

Test(batch, options_are_checked)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    lscan_batch *b = (lscan_batch *)1;
    lscan_batch_options o;
    lscan_batch_options_init(&o);
    cr_expect_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_ERR_INVALID_ARGUMENT, "no callback");
    cr_expect_null(b);
    cr_expect(strstr(lscan_ctx_error_message(ctx), "callback") != NULL);
    o.on_result = on_result;
    lscan_screen_options so;
    lscan_screen_options_init(&so);
    so.threshold = 1.5;
    o.screen = &so;
    cr_expect_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_ERR_INVALID_ARGUMENT, "threshold > 1");
    o.screen = NULL;
    o.threads = LSCAN__BATCH_MAX_THREADS + 1;
    cr_expect_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_ERR_INVALID_ARGUMENT, "too many threads");
    o.threads = 0;
    o.size = 2;
    cr_expect_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_ERR_INVALID_ARGUMENT,
                 "uninitialised options");
    lscan_batch_options_init(&o);
    o.on_result = on_result;
    cr_expect_eq(lscan_batch_new(ctx, NULL, &o, &b), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_batch_submit_path(NULL, "x", NULL), LSCAN_ERR_INVALID_ARGUMENT);
    cr_expect_eq(lscan_batch_finish(NULL), LSCAN_ERR_INVALID_ARGUMENT);
    lscan_batch_free(NULL);
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}

/* Submitting from inside the result callback would deliver results twice or out of order: refused.
 */
static int reenter(void *user, uint64_t index, const char *name, const lscan_result *r)
{
    (void)name;
    (void)r;
    lscan_batch **b = user;
    static const uint8_t junk[4] = {1, 2, 3, 4};
    cr_expect_eq(lscan_batch_submit_buffer(*b, junk, sizeof junk, NULL, NULL),
                 LSCAN_ERR_INVALID_ARGUMENT, "index %llu", (unsigned long long)index);
    cr_expect_eq(lscan_batch_finish(*b), LSCAN_ERR_INVALID_ARGUMENT);
    return 0;
}

Test(batch, callback_cannot_reenter)
{
    lscan_ctx *ctx = lscan_ctx_new();
    lscan_model *m = train_model(ctx);
    for (uint32_t threads = 0; threads <= 2; threads += 2) {
        lscan_batch *b = NULL;
        lscan_batch_options o;
        lscan_batch_options_init(&o);
        o.threads = threads;
        o.on_result = reenter;
        o.user = &b;
        cr_assert_eq(lscan_batch_new(ctx, m, &o, &b), LSCAN_OK);
        static const uint8_t junk[4] = {9, 9, 9, 9};
        for (int i = 0; i < 3; i++)
            cr_assert_eq(lscan_batch_submit_buffer(b, junk, sizeof junk, NULL, NULL), LSCAN_OK);
        cr_expect_eq(lscan_batch_finish(b), LSCAN_OK);
        lscan_batch_free(b);
    }
    lscan_model_free(m);
    lscan_ctx_free(ctx);
}
