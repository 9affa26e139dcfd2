/* batch.c — the batch engine: a thread pool screening inputs with one shared model, results
 * delivered in input order. */
#include "batch.h"

#include "../model/declared.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { KIND_PATH = 0, KIND_BUFFER = 1, KIND_IMAGE = 2, KIND_PAIR = 3 };
enum { SLOT_EMPTY = 0, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

/* One submitted input. Slots form a ring of max_in_flight entries indexed by
 * input index modulo the capacity: an index can only be submitted once the
 * index `cap` places before it has been delivered, so slots never collide. */
struct slot {
    int state;
    int kind;
    char *name; /* owned copy of the path or name, or NULL; a pair's low path follows its NUL */
    const void *data;
    size_t size;
    const lscan_image *img;
    lscan_result *result;
    lscan__declaration decl; /* the input's declaration (kind NONE: none) */
    int32_t cons;            /* its consignment in the batch's table, or -1 */
};

/* A screened input waiting for its delivery: results leave the ring of slots in input order
 * and queue here while a consignment before them waits for its last scan. */
struct held {
    uint64_t index;
    char *name;
    lscan_result *result;
    int32_t cons;
};

/* A consignment whose scans are being screened: compared once `size` of them are done (size
 * 0: at lscan_batch_finish). Entries are reused once resolved and delivered. */
struct consignment {
    char id[LSCAN__CONSIGNMENT_MAX];
    uint32_t size, submitted, done, pending; /* pending: members not yet delivered */
    bool used, resolved;
};

struct worker {
    lscan_batch *b;
    lscan_ctx *ctx;
};

struct lscan_batch {
    const lscan_model *model;
    lscan_load_options load;
    lscan_screen_options screen;
    lscan_batch_result_fn on_result;
    lscan_batch_image_fn on_image;
    void *user;

    uint32_t threads, cap;
    struct slot *slots;
    lscan_ctx **ctxs; /* one per worker (one for the caller's thread when threads == 0) */
    pthread_t *tids;
    struct worker *workers;
    uint32_t started; /* threads actually running */

    /* Everything below is guarded by mu. Indices grow monotonically:
     * next_deliver <= next_start <= next_submit, and
     * next_submit - next_deliver <= cap. */
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* workers: an input was queued, or stop */
    pthread_cond_t done_cv; /* submitter: an input finished */
    uint64_t next_submit, next_start, next_deliver;
    bool stop;        /* workers must exit */
    bool cancelled;   /* the result callback asked to stop */
    bool delivering;  /* inside on_result: the driving thread must not re-enter */
    uint32_t running; /* inputs being screened now (tests check the bound) */
    uint32_t max_running;
    /* Consignments (guarded by mu, used by the driving thread only): the table, and the
     * results between the ring and the callback, in input order from held_head. */
    struct consignment *cons;
    size_t ncons;
    struct held *held;
    size_t held_head, held_n, held_cap;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

LSCAN_API void lscan_batch_options_init(lscan_batch_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->size = sizeof *opts;
}

/* Screens one input with a worker's context: decodes it here (not through
 * lscan_screen_file) so that on_image can see the pixels and the decode time
 * is still recorded. Never fails without a result unless memory runs out. */
static void process(lscan_batch *b, lscan_ctx *ctx, uint64_t index, struct slot *s)
{
    lscan_image *owned = NULL;
    const lscan_image *img = s->img;
    int status = LSCAN_OK;
    double t0 = now_seconds();
    /* One time budget for the input's decode, analysis and decision. */
    lscan__deadline_begin(ctx);
    if (s->kind == KIND_PATH)
        status = lscan_image_load(ctx, s->name, &b->load, &owned);
    else if (s->kind == KIND_PAIR) /* dual energy: two files */
        status =
            lscan_image_load_dual(ctx, s->name, s->name + strlen(s->name) + 1, &b->load, &owned);
    else if (s->kind == KIND_BUFFER)
        status = lscan_image_decode(ctx, s->data, s->size, &b->load, &owned);
    if (s->kind != KIND_IMAGE) img = owned;
    double decode = s->kind == KIND_IMAGE ? 0.0 : now_seconds() - t0;
    lscan_result *r = NULL;
    lscan__screen_decoded(ctx, b->model, status == LSCAN_OK ? img : NULL, status, decode,
                          &b->screen, &s->decl, &r);
    lscan__deadline_end(ctx);
    if (img && r && b->on_image) b->on_image(b->user, ctx, index, s->name, img, r);
    lscan_image_free(owned);
    s->result = r;
}

/* Compares consignment c's scans (all of them held, none delivered yet: the first one held
 * back everything after it) and marks it resolved. */
static void resolve(lscan_batch *b, int32_t c)
{
    struct consignment *k = &b->cons[c];
    k->resolved = true;
    size_t n = 0;
    for (size_t i = b->held_head; i < b->held_n; i++)
        n += b->held[i].cons == c && b->held[i].result;
    lscan_result **r = malloc((n ? n : 1) * sizeof *r);
    const char **names = malloc((n ? n : 1) * sizeof *names);
    uint64_t *index = malloc((n ? n : 1) * sizeof *index);
    if (r && names && index) {
        size_t m = 0;
        for (size_t i = b->held_head; i < b->held_n; i++)
            if (b->held[i].cons == c && b->held[i].result) {
                r[m] = b->held[i].result;
                names[m] = b->held[i].name;
                index[m++] = b->held[i].index;
            }
        /* Out of memory here leaves the scans uncompared (their records say so: no score). */
        if (lscan_consignment_compare(NULL, b->model, r, names, m) == LSCAN_OK)
            for (size_t i = 0; i < m; i++) {
                lscan__decl_result *d = lscan__result_decl(r[i], NULL);
                if (d->cons_sibling_index < m) d->cons_sibling_index = index[d->cons_sibling_index];
            }
    }
    free(r);
    free(names);
    free(index);
}

/* Appends a finished input to the held queue; false when out of memory. */
static bool hold(lscan_batch *b, uint64_t index, char *name, lscan_result *r, int32_t cons)
{
    if (b->held_head == b->held_n) b->held_head = b->held_n = 0;
    if (b->held_n == b->held_cap) {
        if (b->held_head > 0) { /* slide the live part down before growing */
            memmove(b->held, b->held + b->held_head, (b->held_n - b->held_head) * sizeof *b->held);
            b->held_n -= b->held_head;
            b->held_head = 0;
        }
        if (b->held_n == b->held_cap) {
            size_t cap = b->held_cap ? 2 * b->held_cap : 64;
            struct held *h = realloc(b->held, cap * sizeof *h);
            if (!h) return false;
            b->held = h;
            b->held_cap = cap;
        }
    }
    b->held[b->held_n++] = (struct held){.index = index, .name = name, .result = r, .cons = cons};
    return true;
}

/* Hands finished inputs to the callback in order. Called with mu held, from
 * the driving thread only; drops mu around each callback so that workers go
 * on meanwhile. With `all`, consignments still waiting are compared with the
 * scans they have (lscan_batch_finish). */
static void deliver_ready(lscan_batch *b, bool all)
{
    for (;;) {
        /* Finished slots leave the ring in order for the held queue. */
        while (b->next_deliver < b->next_start) {
            struct slot *s = &b->slots[b->next_deliver % b->cap];
            if (s->state != SLOT_DONE) break;
            if (!hold(b, b->next_deliver, s->name, s->result, s->cons)) {
                /* No memory to hold it: it goes out at once, uncompared. */
                if (s->cons >= 0) {
                    b->cons[s->cons].done++;
                    b->cons[s->cons].pending--;
                }
                bool call = !b->cancelled;
                uint64_t index = b->next_deliver;
                b->delivering = true;
                pthread_mutex_unlock(&b->mu);
                int stop = call ? b->on_result(b->user, index, s->name, s->result) : 0;
                lscan_result_free(s->result);
                free(s->name);
                pthread_mutex_lock(&b->mu);
                b->delivering = false;
                if (stop) b->cancelled = true;
            } else if (s->cons >= 0) {
                struct consignment *k = &b->cons[s->cons];
                k->done++;
                if (k->size && k->done >= k->size && !k->resolved) resolve(b, s->cons);
            }
            memset(s, 0, sizeof *s);
            b->next_deliver++;
        }
        if (all)
            for (size_t c = 0; c < b->ncons; c++)
                if (b->cons[c].used && !b->cons[c].resolved &&
                    b->cons[c].done == b->cons[c].submitted)
                    resolve(b, (int32_t)c);
        if (b->held_head == b->held_n) return;
        struct held h = b->held[b->held_head];
        if (h.cons >= 0 && !b->cons[h.cons].resolved) return; /* its consignment waits */
        b->held_head++;
        if (h.cons >= 0 && --b->cons[h.cons].pending == 0 && b->cons[h.cons].resolved)
            b->cons[h.cons].used = false;
        bool call = !b->cancelled;
        b->delivering = true;
        pthread_mutex_unlock(&b->mu);
        int stop = call ? b->on_result(b->user, h.index, h.name, h.result) : 0;
        lscan_result_free(h.result);
        free(h.name);
        pthread_mutex_lock(&b->mu);
        b->delivering = false;
        if (stop) b->cancelled = true;
    }
}

/* Screens one queued input (the oldest not started). Called with mu held;
 * returns with mu held. */
static void run_one(lscan_batch *b, lscan_ctx *ctx)
{
    uint64_t index = b->next_start++;
    struct slot *s = &b->slots[index % b->cap];
    s->state = SLOT_RUNNING;
    bool skip = b->cancelled; /* cancelled inputs are never delivered: don't spend time on them */
    b->running++;
    if (b->running > b->max_running) b->max_running = b->running;
    pthread_mutex_unlock(&b->mu);
    if (!skip) process(b, ctx, index, s);
    pthread_mutex_lock(&b->mu);
    b->running--;
    s->state = SLOT_DONE;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    lscan_batch *b = w->b;
    lscan_ctx *ctx = w->ctx;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->stop && b->next_start == b->next_submit)
            pthread_cond_wait(&b->work_cv, &b->mu);
        if (b->stop) break;
        run_one(b, ctx);
        pthread_cond_broadcast(&b->done_cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Stops and joins the started workers (inputs not yet started are left). */
static void stop_workers(lscan_batch *b)
{
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    b->cancelled = true;
    pthread_cond_broadcast(&b->work_cv);
    pthread_mutex_unlock(&b->mu);
    for (uint32_t i = 0; i < b->started; i++)
        pthread_join(b->tids[i], NULL);
    b->started = 0;
}

LSCAN_API void lscan_batch_free(lscan_batch *b)
{
    if (!b) return;
    stop_workers(b);
    /* Inputs never delivered: finished ones hold results, queued ones only names. */
    for (uint64_t i = b->next_deliver; i < b->next_submit; i++) {
        struct slot *s = &b->slots[i % b->cap];
        lscan_result_free(s->result);
        free(s->name);
    }
    for (size_t i = b->held_head; i < b->held_n; i++) {
        lscan_result_free(b->held[i].result);
        free(b->held[i].name);
    }
    free(b->held);
    free(b->cons);
    uint32_t nctx = b->threads ? b->threads : 1;
    for (uint32_t i = 0; i < nctx; i++)
        lscan_ctx_free(b->ctxs[i]);
    pthread_cond_destroy(&b->work_cv);
    pthread_cond_destroy(&b->done_cv);
    pthread_mutex_destroy(&b->mu);
    free(b->ctxs);
    free(b->tids);
    free(b->workers);
    free(b->slots);
    free(b);
}

/* Copies a caller's options struct that may be older (smaller) than ours. */
static void copy_sized(void *dst, size_t dst_size, const void *src)
{
    uint32_t n;
    memcpy(&n, src, sizeof n);
    memcpy(dst, src, n < dst_size ? n : dst_size);
    memcpy(dst, &(uint32_t){(uint32_t)dst_size}, sizeof(uint32_t));
}

LSCAN_API int lscan_batch_new(lscan_ctx *ctx, const lscan_model *model,
                              const lscan_batch_options *opts, lscan_batch **out)
{
    if (out) *out = NULL;
    if (ctx) lscan__error_clear(ctx);
    if (!model || !opts || !out)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "NULL argument");
    lscan_batch_options o;
    lscan_batch_options_init(&o);
    if (opts->size < offsetof(lscan_batch_options, on_result) + sizeof o.on_result)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "batch options not initialised");
    copy_sized(&o, sizeof o, opts);
    if (!o.on_result)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "batch needs a result callback");
    if (o.threads > LSCAN__BATCH_MAX_THREADS)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "at most %u threads",
                            LSCAN__BATCH_MAX_THREADS);
    uint32_t cap = o.max_in_flight ? o.max_in_flight : 4 * (o.threads ? o.threads : 1);
    if (cap < o.threads) cap = o.threads;
    if (cap > LSCAN__BATCH_MAX_IN_FLIGHT)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "max_in_flight at most %u",
                            LSCAN__BATCH_MAX_IN_FLIGHT);

    lscan_load_options load;
    int rc = lscan__load_options(ctx, o.load, &load);
    if (rc) return rc;
    lscan_screen_options screen;
    lscan_screen_options_init(&screen);
    if (o.screen) {
        if (o.screen->size < sizeof(uint32_t))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "screen options not initialised");
        copy_sized(&screen, sizeof screen, o.screen);
        screen.declaration = NULL; /* per input: lscan_batch_submit_*_ex */
        /* Checked here so that a bad threshold fails once, not once per input. */
        if (!(screen.threshold <= 1.0))
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "threshold must be in [0, 1] (or negative for the model's)");
    }

    lscan_batch *b = calloc(1, sizeof *b);
    if (!b) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    uint32_t nctx = o.threads ? o.threads : 1;
    b->model = model;
    b->load = load;
    b->screen = screen;
    b->on_result = o.on_result;
    b->on_image = o.on_image;
    b->user = o.user;
    b->threads = o.threads;
    b->cap = cap;
    b->slots = calloc(cap, sizeof *b->slots);
    b->ctxs = calloc(nctx, sizeof *b->ctxs);
    b->tids = calloc(nctx, sizeof *b->tids);
    b->workers = calloc(nctx, sizeof *b->workers);
    bool sync_ok = pthread_mutex_init(&b->mu, NULL) == 0;
    if (sync_ok && pthread_cond_init(&b->work_cv, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        sync_ok = false;
    }
    if (sync_ok && pthread_cond_init(&b->done_cv, NULL) != 0) {
        pthread_cond_destroy(&b->work_cv);
        pthread_mutex_destroy(&b->mu);
        sync_ok = false;
    }
    if (!sync_ok) {
        free(b->slots);
        free(b->ctxs);
        free(b->tids);
        free(b->workers);
        free(b);
        return lscan__error(ctx, LSCAN_ERR_THREAD, "cannot create a mutex or condition variable");
    }
    if (!b->slots || !b->ctxs || !b->tids || !b->workers) {
        lscan_batch_free(b);
        return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
    }
    /* Worker contexts inherit the caller's parameters so that CPU-feature
     * overrides and time budgets apply to the whole batch. */
    int64_t disabled = 0, budget = 0, memory = (int64_t)LSCAN_DEFAULT_MEMORY_BUDGET;
    if (ctx) {
        lscan_ctx_get_param(ctx, LSCAN_PARAM_DISABLE_CPU_FEATURES, &disabled);
        lscan_ctx_get_param(ctx, LSCAN_PARAM_TIME_BUDGET_MS, &budget);
        lscan_ctx_get_param(ctx, LSCAN_PARAM_MEMORY_BUDGET, &memory);
    }
    for (uint32_t i = 0; i < nctx; i++) {
        b->ctxs[i] = lscan_ctx_new();
        if (!b->ctxs[i]) {
            lscan_batch_free(b);
            return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        }
        lscan_ctx_set_param(b->ctxs[i], LSCAN_PARAM_DISABLE_CPU_FEATURES, disabled);
        lscan_ctx_set_param(b->ctxs[i], LSCAN_PARAM_TIME_BUDGET_MS, budget);
        lscan_ctx_set_param(b->ctxs[i], LSCAN_PARAM_MEMORY_BUDGET, memory);
    }
    for (uint32_t i = 0; i < b->threads; i++) {
        b->workers[i].b = b;
        b->workers[i].ctx = b->ctxs[i];
        if (pthread_create(&b->tids[i], NULL, worker_main, &b->workers[i]) != 0) {
            lscan_batch_free(b);
            return lscan__error(ctx, LSCAN_ERR_THREAD, "cannot start batch worker thread %u of %u",
                                i + 1, o.threads);
        }
        b->started++;
    }
    *out = b;
    return LSCAN_OK;
}

/* The open consignment of id `d->consignment` in the table, made when there is none; -1 for
 * no consignment, -2 when out of memory. Called with mu held. A linear search: consignments
 * leave the table once delivered, so it holds those being screened. */
static int32_t consignment_of(lscan_batch *b, const lscan__declaration *d)
{
    if (!d->consignment[0]) return -1;
    size_t slot = SIZE_MAX;
    for (size_t c = 0; c < b->ncons; c++) {
        if (!b->cons[c].used) {
            if (slot == SIZE_MAX) slot = c;
        } else if (!b->cons[c].resolved && strcmp(b->cons[c].id, d->consignment) == 0) {
            return (int32_t)c;
        }
    }
    if (slot == SIZE_MAX) {
        if (b->ncons >= INT32_MAX) return -2;
        struct consignment *k = realloc(b->cons, (b->ncons + 1) * sizeof *k);
        if (!k) return -2;
        b->cons = k;
        slot = b->ncons++;
    }
    struct consignment *k = &b->cons[slot];
    memset(k, 0, sizeof *k);
    memcpy(k->id, d->consignment, sizeof k->id);
    k->size = d->consignment_size;
    k->used = true;
    return (int32_t)slot;
}

/* Common part of the submit functions: waits for room (delivering meanwhile),
 * queues the input, and in the caller's-thread mode screens and delivers it. */
static int submit(lscan_batch *b, int kind, const char *name, const void *data, size_t size,
                  const lscan_image *img, const char *low,
                  const lscan_declaration *declaration, uint64_t *index)
{
    lscan__declaration decl;
    if (lscan__declaration_take(NULL, declaration, &decl)) return LSCAN_ERR_INVALID_ARGUMENT;
    char *copy = NULL;
    if (name) {
        size_t n = strlen(name) + 1, m = low ? strlen(low) + 1 : 0;
        copy = malloc(n + m);
        if (!copy) return LSCAN_ERR_NO_MEMORY;
        memcpy(copy, name, n);
        if (low) memcpy(copy + n, low, m);
    }
    pthread_mutex_lock(&b->mu);
    if (b->delivering) { /* from inside on_result: delivering here would repeat or reorder results
                          */
        pthread_mutex_unlock(&b->mu);
        free(copy);
        return LSCAN_ERR_INVALID_ARGUMENT;
    }
    for (;;) {
        deliver_ready(b, false);
        if (b->cancelled) break;
        if (b->next_submit - b->next_deliver < b->cap) break;
        pthread_cond_wait(&b->done_cv, &b->mu);
    }
    if (b->cancelled) {
        pthread_mutex_unlock(&b->mu);
        free(copy);
        return LSCAN_ERR_CANCELLED;
    }
    int32_t cons = consignment_of(b, &decl);
    if (cons == -2) {
        pthread_mutex_unlock(&b->mu);
        free(copy);
        return LSCAN_ERR_NO_MEMORY;
    }
    if (cons >= 0) {
        b->cons[cons].submitted++;
        b->cons[cons].pending++;
    }
    uint64_t i = b->next_submit++;
    struct slot *s = &b->slots[i % b->cap];
    s->state = SLOT_QUEUED;
    s->kind = kind;
    s->name = copy;
    s->data = data;
    s->size = size;
    s->img = img;
    s->decl = decl;
    s->cons = cons;
    if (index) *index = i;
    if (b->threads == 0) {
        run_one(b, b->ctxs[0]);
        deliver_ready(b, false);
    } else {
        pthread_cond_signal(&b->work_cv);
    }
    pthread_mutex_unlock(&b->mu);
    return LSCAN_OK;
}

LSCAN_API int lscan_batch_submit_path(lscan_batch *b, const char *path, uint64_t *index)
{
    return lscan_batch_submit_path_ex(b, path, NULL, index);
}

LSCAN_API int lscan_batch_submit_pair(lscan_batch *b, const char *high_path, const char *low_path,
                                      uint64_t *index)
{
    if (!b || !high_path || !low_path) return LSCAN_ERR_INVALID_ARGUMENT;
    return submit(b, KIND_PAIR, high_path, NULL, 0, NULL, low_path, NULL, index);
}

LSCAN_API int lscan_batch_submit_buffer(lscan_batch *b, const void *data, size_t size,
                                        const char *name, uint64_t *index)
{
    return lscan_batch_submit_buffer_ex(b, data, size, name, NULL, index);
}

LSCAN_API int lscan_batch_submit_image(lscan_batch *b, const lscan_image *img, const char *name,
                                       uint64_t *index)
{
    return lscan_batch_submit_image_ex(b, img, name, NULL, index);
}

LSCAN_API int lscan_batch_submit_path_ex(lscan_batch *b, const char *path,
                                         const lscan_declaration *declaration, uint64_t *index)
{
    if (!b || !path) return LSCAN_ERR_INVALID_ARGUMENT;
    return submit(b, KIND_PATH, path, NULL, 0, NULL, NULL, declaration, index);
}

LSCAN_API int lscan_batch_submit_buffer_ex(lscan_batch *b, const void *data, size_t size,
                                           const char *name, const lscan_declaration *declaration,
                                           uint64_t *index)
{
    if (!b || (!data && size)) return LSCAN_ERR_INVALID_ARGUMENT;
    return submit(b, KIND_BUFFER, name, data, size, NULL, NULL, declaration, index);
}

LSCAN_API int lscan_batch_submit_image_ex(lscan_batch *b, const lscan_image *img, const char *name,
                                          const lscan_declaration *declaration, uint64_t *index)
{
    if (!b || !img) return LSCAN_ERR_INVALID_ARGUMENT;
    return submit(b, KIND_IMAGE, name, NULL, 0, img, NULL, declaration, index);
}

LSCAN_API int lscan_batch_finish(lscan_batch *b)
{
    if (!b) return LSCAN_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&b->mu);
    if (b->delivering) {
        pthread_mutex_unlock(&b->mu);
        return LSCAN_ERR_INVALID_ARGUMENT;
    }
    for (;;) {
        deliver_ready(b, true);
        if (b->next_deliver == b->next_submit && b->held_head == b->held_n) break;
        pthread_cond_wait(&b->done_cv, &b->mu);
    }
    int rc = b->cancelled ? LSCAN_ERR_CANCELLED : LSCAN_OK;
    pthread_mutex_unlock(&b->mu);
    return rc;
}

uint32_t lscan__batch_max_running(lscan_batch *b)
{
    pthread_mutex_lock(&b->mu);
    uint32_t n = b->max_running;
    pthread_mutex_unlock(&b->mu);
    return n;
}
