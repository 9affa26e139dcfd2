/* declared_train.c — training the declaration checks: the empty-container check, the commodity
 * model (softmax over the load descriptors, Newton steps over BLAS), the HS table, and the
 * operating points chosen on validation scans (empty check, mismatch, per-group release
 * thresholds, consignment outliers). */
#include "declared.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- training samples --------------------------------------------------------------------- */

/* A label's name as the model spells it (declared.c's rule): lower case, runs of other
 * characters as one '_'. False when nothing is left or it is too long. */
static bool label_name(const char *s, char *out)
{
    size_t k = 0;
    bool sep = false;
    for (; *s; s++) {
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!keep) {
            sep = true;
            continue;
        }
        if (k + 2 >= LSCAN__NAME_MAX) return false;
        if (sep && k) out[k++] = '_';
        out[k++] = c;
        sep = false;
    }
    out[k] = '\0';
    return k > 0;
}

int lscan__decl_sample_set(lscan_ctx *ctx, lscan__decl_sample *s, const lscan_analysis *a,
                           const lscan_train_sample *label)
{
    memset(s, 0, sizeof *s);
    s->hs_chapter = -1;
    memcpy(s->desc, a->load_desc, sizeof s->desc);
    lscan__empty_input(a, s->empty_in);
    if (label->commodity && label->commodity[0] && !label_name(label->commodity, s->commodity))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "commodity '%.64s': no usable name",
                            label->commodity);
    if (label->group && label->group[0] && !label_name(label->group, s->group))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT, "group '%.64s': no usable name",
                            label->group);
    if (s->group[0] && strcmp(s->group, "empty") == 0 && strcmp(s->commodity, "empty") != 0)
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "the group name 'empty' is reserved for empty containers");
    const char *h = label->hs_chapter;
    if (h && h[0] && strcmp(h, "-") != 0) {
        size_t n = strlen(h);
        bool ok = n >= 2 && n <= 10;
        for (size_t i = 0; ok && i < n; i++)
            ok = h[i] >= '0' && h[i] <= '9';
        if (!ok)
            return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                                "HS chapter '%.16s': expected 2 to 10 digits", h);
        s->hs_chapter = (h[0] - '0') * 10 + (h[1] - '0');
    }
    return LSCAN_OK;
}

/* ---- the softmax fit ---------------------------------------------------------------------- */

/* Fits an L2-regularised, weighted softmax regression of n rows of d features (x, row-major)
 * on labels y (0..K-1) by Newton steps with step halving; standardisation (weighted mean and
 * spread) goes to mean/scale, the K x d weights to W and the biases to b. Deterministic for
 * a given BLAS thread count. */
static int softmax_fit(lscan_ctx *ctx, const float *x, const uint32_t *y, const double *w, size_t n,
                       uint32_t d, uint32_t K, double l2, double *mean, double *scale, double *W,
                       double *b)
{
    const uint32_t p = d + 1, P = K * p;
    double *z = malloc(n * p * sizeof *z), *zd = malloc(n * p * sizeof *zd);
    double *eta = malloc(n * K * sizeof *eta), *pr = malloc(n * K * sizeof *pr);
    double *beta = calloc(P, sizeof *beta), *trial = malloc(P * sizeof *trial);
    double *grad = malloc(P * sizeof *grad), *hess = malloc((size_t)P * P * sizeof *hess);
    double *blk = malloc((size_t)p * p * sizeof *blk), *c = malloc(n * sizeof *c);
    int rc = LSCAN_OK;
    if (!z || !zd || !eta || !pr || !beta || !trial || !grad || !hess || !blk || !c) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY,
                          "cannot allocate the commodity model's training");
        goto done;
    }
    double wsum = 0;
    for (size_t i = 0; i < n; i++)
        wsum += w[i];
    for (uint32_t j = 0; j < d; j++) {
        double mu = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mu += w[i] * x[i * d + j];
        mu /= wsum;
        for (size_t i = 0; i < n; i++)
            var += w[i] * (x[i * d + j] - mu) * (x[i * d + j] - mu);
        double sd = sqrt(var / wsum);
        mean[j] = mu;
        scale[j] = sd > 1e-12 * (1 + fabs(mu)) ? sd : 1.0;
    }
    for (size_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < d; j++)
            z[i * p + j] = (x[i * d + j] - mean[j]) / scale[j];
        z[i * p + d] = 1.0;
    }
    /* loss(beta): weighted cross-entropy + l2/2 |weights|^2 (biases not penalised); pr gets
     * the probabilities. */
#define LOSS(bv, out)                                                                              \
    do {                                                                                           \
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)K, (blasint)p,   \
                    1.0, z, (blasint)p, (bv), (blasint)p, 0.0, eta, (blasint)K);                   \
        double l_ = 0;                                                                             \
        for (size_t i = 0; i < n; i++) {                                                           \
            double mx = -INFINITY, s_ = 0;                                                         \
            for (uint32_t k = 0; k < K; k++)                                                       \
                if (eta[i * K + k] > mx) mx = eta[i * K + k];                                      \
            for (uint32_t k = 0; k < K; k++)                                                       \
                s_ += pr[i * K + k] = exp(eta[i * K + k] - mx);                                    \
            for (uint32_t k = 0; k < K; k++)                                                       \
                pr[i * K + k] /= s_;                                                               \
            l_ += w[i] * (mx + log(s_) - eta[i * K + y[i]]);                                       \
        }                                                                                          \
        for (uint32_t k = 0; k < K; k++)                                                           \
            for (uint32_t j = 0; j < d; j++)                                                       \
                l_ += 0.5 * l2 * (bv)[k * p + j] * (bv)[k * p + j];                                \
        (out) = l_;                                                                                \
    } while (0)
    double loss;
    LOSS(beta, loss);
    for (int iter = 0; iter < 100; iter++) {
        /* Gradient and Hessian at beta (pr holds its probabilities). */
        for (uint32_t k = 0; k < K; k++) {
            for (size_t i = 0; i < n; i++)
                c[i] = w[i] * (pr[i * K + k] - (y[i] == k));
            cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, 1.0, z, (blasint)p, c, 1,
                        0.0, grad + k * p, 1);
            for (uint32_t j = 0; j < d; j++)
                grad[k * p + j] += l2 * beta[k * p + j];
        }
        for (uint32_t k = 0; k < K; k++)
            for (uint32_t l = k; l < K; l++) {
                for (size_t i = 0; i < n; i++) {
                    double ci = w[i] * pr[i * K + k] * ((k == l) - pr[i * K + l]);
                    for (uint32_t j = 0; j < p; j++)
                        zd[i * p + j] = z[i * p + j] * ci;
                }
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)p, (blasint)p,
                            (blasint)n, 1.0, z, (blasint)p, zd, (blasint)p, 0.0, blk, (blasint)p);
                for (uint32_t a = 0; a < p; a++)
                    for (uint32_t bb = 0; bb < p; bb++) {
                        double v = blk[a * p + bb];
                        hess[(size_t)(k * p + a) * P + l * p + bb] = v;
                        hess[(size_t)(l * p + bb) * P + k * p + a] = v;
                    }
            }
        for (uint32_t k = 0; k < K; k++) {
            for (uint32_t j = 0; j < d; j++)
                hess[(size_t)(k * p + j) * P + k * p + j] += l2;
            /* The biases are determined only up to a common shift: a small ridge fixes it. */
            hess[(size_t)(k * p + d) * P + k * p + d] += 1e-6 * wsum;
        }
        if (!lscan__cholesky_solve(hess, grad, P)) {
            rc = lscan__error(ctx, LSCAN_ERR_TRAINING,
                              "commodity model: Hessian not positive definite");
            goto done;
        }
        double step = 1, next = INFINITY;
        for (int half = 0; half < 30; half++, step *= 0.5) {
            for (uint32_t q = 0; q < P; q++)
                trial[q] = beta[q] - step * grad[q];
            LOSS(trial, next);
            if (next <= loss) break;
        }
        if (!(next <= loss)) {
            LOSS(beta, loss); /* no descent left: beta is the optimum to rounding */
            break;
        }
        double change = 0;
        for (uint32_t q = 0; q < P; q++) {
            change = fmax(change, fabs(trial[q] - beta[q]));
            beta[q] = trial[q];
        }
        double prev = loss;
        loss = next;
        if (change < 1e-9 || prev - loss <= 1e-12 * fabs(loss)) break;
    }
#undef LOSS
    for (uint32_t k = 0; k < K; k++) {
        for (uint32_t j = 0; j < d; j++)
            W[(size_t)k * d + j] = beta[k * p + j];
        b[k] = beta[k * p + d];
    }
done:
    free(z);
    free(zd);
    free(eta);
    free(pr);
    free(beta);
    free(trial);
    free(grad);
    free(hess);
    free(blk);
    free(c);
    return rc;
}

/* ---- operating points --------------------------------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The smallest value t with at least `target` of v[0..n) below it (t > those values). */
static double above_share(double *v, size_t n, double target)
{
    if (!n) return 0.5;
    qsort(v, n, sizeof *v, cmp_d);
    size_t k = (size_t)ceil(target * (double)n - 1e-9);
    if (k == 0) return v[0];
    if (k > n) k = n;
    return nextafter(v[k - 1], INFINITY);
}

/* Names in a sorted, unique table: index of `name`, adding it when `add`; -1 when absent (or
 * out of room). */
static int name_index(char (*tab)[LSCAN__NAME_MAX], uint32_t *n, uint32_t cap, const char *name,
                      bool add)
{
    uint32_t lo = 0, hi = *n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = strcmp(tab[mid], name);
        if (c == 0) return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!add || *n >= cap) return -1;
    memmove(tab + lo + 1, tab + lo, (*n - lo) * sizeof *tab);
    snprintf(tab[lo], LSCAN__NAME_MAX, "%s", name);
    (*n)++;
    return (int)lo;
}

/* Which stored images the commodity model learns from: a labelled load, not an empty
 * container (nor one with a lone package: its commodity is "empty"). */
static bool commodity_row(const lscan__decl_train_set *ts, size_t i)
{
    const lscan__decl_sample *s = ts->s[i];
    return s->commodity[0] && strcmp(s->commodity, "empty") != 0 &&
           ts->cls[i] != LSCAN_CLASS_EMPTY && ts->cls[i] != LSCAN_CLASS_LOAD_IN_EMPTY;
}

static const char *group_of(const lscan__decl_sample *s)
{
    return s->group[0] ? s->group : s->commodity;
}

/* The release threshold of a declared group: the largest that flags, of the group's INSPECT
 * validation scans, target_detection of those not subtle and target_subtle of the subtle ones,
 * counting those the declaration checks flag (flag[i]) as flagged; and no higher than needed to
 * release the group's clean validation scans the checks pass. `in` selects the group's scans.
 * Returns `fallback` when the group has fewer than min_group_inspect INSPECT scans. */
static double group_threshold(const lscan__decl_train_set *ts, const lscan_train_options *o,
                              const bool *in, const bool *flag, double fallback)
{
    size_t n_ins = 0;
    double clean_max = -INFINITY;
    for (size_t i = 0; i < ts->n; i++) {
        if (!in[i] || ts->split[i] != LSCAN_SPLIT_VALIDATION) continue;
        if (LSCAN_CLASS_IS_INSPECT(ts->cls[i]))
            n_ins++;
        else if (!flag[i] && ts->score[i] > clean_max)
            clean_max = ts->score[i];
    }
    if (n_ins < o->min_group_inspect || n_ins == 0) return fallback;
    double *sc = malloc(n_ins * sizeof *sc);
    if (!sc) return fallback;
    double t = INFINITY;
    for (int subtle = 0; subtle < 2; subtle++) {
        size_t k = 0;
        for (size_t i = 0; i < ts->n; i++) {
            if (!in[i] || ts->split[i] != LSCAN_SPLIT_VALIDATION ||
                !LSCAN_CLASS_IS_INSPECT(ts->cls[i]))
                continue;
            bool is_subtle = ts->difficulty[i] >= o->subtle_difficulty;
            if (is_subtle != (subtle == 1)) continue;
            sc[k++] = flag[i] ? INFINITY : ts->score[i];
        }
        if (!k) continue;
        /* The largest threshold flagging the target: allow floor((1 - target) k) misses. */
        qsort(sc, k, sizeof *sc, cmp_d);
        double target = subtle ? o->target_subtle : o->target_detection;
        size_t miss = (size_t)floor((1.0 - target) * (double)k + 1e-9);
        if (miss >= k) miss = k - 1;
        if (sc[miss] < t) t = sc[miss];
    }
    free(sc);
    if (isinf(clean_max)) clean_max = 0;
    double cap = nextafter(clean_max, INFINITY);
    if (t > cap) t = cap;
    return t > 1 ? 1.0 : t;
}

/* ---- consignments ------------------------------------------------------------------------- */

/* The largest validation consignment the trainer forms. */
#define LSCAN__CONS_MAX 16

/* Consignments of `size` validation scans of one commodity, in key order (a commodity's last
 * scans that do not fill one are left out): member indices into ts, count in *nc. */
static size_t *val_consignments(const lscan__decl_train_set *ts, const bool *clean, uint32_t size,
                                size_t *nc)
{
    *nc = 0;
    size_t *order = malloc((ts->n ? ts->n : 1) * sizeof *order), *out = NULL;
    bool *used = calloc(ts->n ? ts->n : 1, 1);
    if (!order || !used) goto done;
    size_t m = 0;
    for (size_t i = 0; i < ts->n; i++)
        if (clean[i] && ts->split[i] == LSCAN_SPLIT_VALIDATION) order[m++] = i;
    out = malloc((m ? m : 1) * sizeof *out);
    if (!out) goto done;
    /* Each scan not yet used starts a consignment with the next scans of its commodity. */
    for (size_t a = 0; a < m; a++) {
        if (used[order[a]]) continue;
        size_t members[LSCAN__CONS_MAX], k = 0;
        for (size_t b = a; b < m && k < size; b++)
            if (!used[order[b]] &&
                strcmp(ts->s[order[b]]->commodity, ts->s[order[a]]->commodity) == 0)
                members[k++] = order[b];
        if (k < size) continue;
        for (size_t j = 0; j < k; j++) {
            used[members[j]] = true;
            out[*nc * size + j] = members[j];
        }
        (*nc)++;
    }
done:
    free(order);
    free(used);
    return out;
}

/* The largest member score of a consignment whose member `swap` (if < size) is replaced by
 * scan `with`. */
static double cons_max(const lscan__decl_model *d, const lscan__decl_train_set *ts,
                       const double *prob, const size_t *mem, uint32_t size, uint32_t swap,
                       size_t with, double *swapped_score)
{
    float desc[LSCAN__CONS_MAX * LSCAN__LOAD_DESC] = {0};
    double pr[LSCAN__CONS_MAX * LSCAN__MAX_GROUPS] = {0};
    double score[LSCAN__CONS_MAX];
    size_t far[LSCAN__CONS_MAX];
    for (uint32_t j = 0; j < size; j++) {
        size_t i = j == swap ? with : mem[j];
        memcpy(desc + (size_t)j * LSCAN__LOAD_DESC, ts->s[i]->desc, sizeof ts->s[i]->desc);
        if (d->groups)
            memcpy(pr + (size_t)j * d->groups, prob + i * d->groups, d->groups * sizeof *pr);
    }
    lscan__cons_scores(d, desc, d->groups ? pr : NULL, size, score, far);
    double mx = -INFINITY;
    for (uint32_t j = 0; j < size; j++)
        if (score[j] > mx) mx = score[j];
    if (swapped_score) *swapped_score = swap < size ? score[swap] : NAN;
    return mx;
}

/* The commodity weights tried (the distance of the commodity distributions is at most 1). */
static const double cons_weights[] = {0.0, 0.5, 1.0, 2.0, 4.0};

/* Spreads of the consignment features within a commodity (training scans), the commodity
 * weight and the threshold (validation consignments). */
static int fit_consignments(lscan_ctx *ctx, const lscan_train_options *o, lscan__decl_model *d,
                            const lscan__decl_train_set *ts, const double *prob)
{
    const size_t n = ts->n;
    bool *clean = calloc(n ? n : 1, 1);
    int rc = LSCAN_OK;
    size_t *cons = NULL, nc = 0;
    double *mx = NULL;
    if (!clean) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        clean[i] = commodity_row(ts, i) && !LSCAN_CLASS_IS_INSPECT(ts->cls[i]);
    for (uint32_t k = 0; k < LSCAN__CONS_FEATURES; k++) {
        /* Pooled within-commodity standard deviation over the clean training scans (their
         * deviations from their commodity's mean), at least a twentieth of the overall one: a
         * feature nearly constant within commodities must not make any difference huge. */
        const char *name = lscan__cons_feature_name(k);
        uint32_t f = 0;
        while (strcmp(lscan__load_name(f), name) != 0)
            f++;
        double within = 0, all = 0, all2 = 0;
        size_t nw = 0, na = 0;
        for (size_t i = 0; i < n; i++) {
            if (!clean[i] || ts->split[i] != LSCAN_SPLIT_TRAIN) continue;
            double sum = 0;
            size_t m = 0;
            for (size_t j = 0; j < n; j++)
                if (clean[j] && ts->split[j] == LSCAN_SPLIT_TRAIN &&
                    strcmp(ts->s[j]->commodity, ts->s[i]->commodity) == 0) {
                    sum += ts->s[j]->desc[f];
                    m++;
                }
            const double x = ts->s[i]->desc[f];
            all += x;
            all2 += x * x;
            na++;
            if (m < 2) continue;
            const double dv = x - sum / (double)m;
            within += dv * dv * (double)m / (double)(m - 1);
            nw++;
        }
        double sw = nw ? sqrt(within / (double)nw) : 0;
        double mu = na ? all / (double)na : 0,
               sa = na ? sqrt(fmax(all2 / (double)na - mu * mu, 0)) : 0;
        double s = fmax(sw, 0.05 * sa);
        d->cons_scale[k] = s > 1e-3 ? s : 1e-3;
    }
    d->cons_commodity_weight = 1.0;
    d->cons_thr = DBL_MAX; /* no consignment is flagged until validation says where */
    const uint32_t size = o->consignment_size;
    cons = val_consignments(ts, clean, size, &nc);
    if (!cons) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (nc < 10) goto done; /* too few to choose a threshold */
    mx = malloc(nc * sizeof *mx);
    if (!mx) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    double best_catch = -1, best_w = 1.0, best_thr = DBL_MAX;
    for (size_t wi = 0; wi < sizeof cons_weights / sizeof *cons_weights; wi++) {
        d->cons_commodity_weight = cons_weights[wi];
        for (size_t c = 0; c < nc; c++)
            mx[c] = cons_max(d, ts, prob, cons + c * size, size, size, 0, NULL);
        /* Flag at most consignment_false_rate of the consistent consignments. */
        double thr = above_share(mx, nc, 1.0 - o->consignment_false_rate);
        /* Outliers: each consignment's last member swapped for the next validation scan of
         * another group, and for an anomalous mass in a load of its commodity. */
        size_t tried = 0, caught = 0;
        for (size_t c = 0; c < nc; c++) {
            const size_t *mem = cons + c * size;
            const lscan__decl_sample *s0 = ts->s[mem[0]];
            for (int kind = 0; kind < 2; kind++) {
                size_t with = SIZE_MAX;
                for (size_t q = 0; q < n && with == SIZE_MAX; q++) {
                    size_t i = (mem[size - 1] + 1 + q) % n;
                    if (ts->split[i] != LSCAN_SPLIT_VALIDATION || !commodity_row(ts, i)) continue;
                    if (kind == 0 && clean[i] && strcmp(group_of(ts->s[i]), group_of(s0)) != 0)
                        with = i;
                    if (kind == 1 && ts->cls[i] == LSCAN_CLASS_ANOMALOUS_MASS &&
                        strcmp(ts->s[i]->commodity, s0->commodity) == 0)
                        with = i;
                }
                if (with == SIZE_MAX) continue;
                double sw;
                cons_max(d, ts, prob, mem, size, size - 1, with, &sw);
                tried++;
                caught += sw >= thr;
            }
        }
        double rate = tried ? (double)caught / tried : 0;
        if (rate > best_catch) {
            best_catch = rate;
            best_w = cons_weights[wi];
            best_thr = thr;
        }
    }
    d->cons_commodity_weight = best_w;
    d->cons_thr = best_thr;
done:
    free(clean);
    free(cons);
    free(mx);
    return rc;
}

/* ---- the whole fit ------------------------------------------------------------------------ */

int lscan__decl_fit(lscan_ctx *ctx, const lscan_train_options *o, lscan_model *m,
                    const lscan__decl_train_set *ts)
{
    if (!(o->mismatch_false_rate >= 0 && o->mismatch_false_rate < 1) ||
        !(o->consignment_false_rate >= 0 && o->consignment_false_rate < 1) ||
        o->consignment_size < 2 || o->consignment_size > LSCAN__CONS_MAX || !(o->empty_l2 >= 0) ||
        !(o->empty_false_rate >= 0 && o->empty_false_rate < 1))
        return lscan__error(ctx, LSCAN_ERR_INVALID_ARGUMENT,
                            "declaration options out of range (false rates in [0, 1), "
                            "consignments of 2 to 16, empty_l2 >= 0)");
    const size_t n = ts->n;
    const uint32_t E = LSCAN__EMPTY_INPUTS, D = LSCAN__LOAD_DESC;
    lscan__decl_model *d = calloc(1, sizeof *d);
    float *x = malloc((n ? n : 1) * (E > D ? E : D) * sizeof *x);
    uint8_t *y = malloc(n ? n : 1);
    uint32_t *yg = malloc((n ? n : 1) * sizeof *yg);
    double *w = malloc((n ? n : 1) * sizeof *w), *v = malloc((n ? n : 1) * sizeof *v);
    double *loaded = malloc((n ? n : 1) * sizeof *loaded), *prob = NULL;
    bool *in = malloc(n ? n : 1), *flag = malloc(n ? n : 1);
    int rc = LSCAN_OK;
    if (!d || !x || !y || !yg || !w || !v || !loaded || !in || !flag) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }

    /* 1. The empty-container check: empty containers against everything else, the loads in
     * empty containers (the hard ones) a quarter of the weight, the other loads a quarter. */
    size_t r = 0, n_empty = 0, n_lie = 0, n_other = 0;
    for (size_t i = 0; i < n; i++) {
        if (ts->split[i] != LSCAN_SPLIT_TRAIN) continue;
        n_empty += ts->cls[i] == LSCAN_CLASS_EMPTY;
        n_lie += ts->cls[i] == LSCAN_CLASS_LOAD_IN_EMPTY;
        n_other += ts->cls[i] != LSCAN_CLASS_EMPTY && ts->cls[i] != LSCAN_CLASS_LOAD_IN_EMPTY;
    }
    for (size_t i = 0; i < n; i++) {
        if (ts->split[i] != LSCAN_SPLIT_TRAIN) continue;
        memcpy(x + r * E, ts->s[i]->empty_in, E * sizeof *x);
        int c = ts->cls[i];
        y[r] = c != LSCAN_CLASS_EMPTY;
        w[r] = c == LSCAN_CLASS_EMPTY ? 0.5 * (double)n / (double)n_empty
               : c == LSCAN_CLASS_LOAD_IN_EMPTY
                   ? (n_other ? 0.25 : 0.5) * (double)n / (double)n_lie
                   : (n_lie ? 0.25 : 0.5) * (double)n / (double)n_other;
        r++;
    }
    if (n_empty && (n_lie || n_other)) {
        rc = lscan__logreg_fit(ctx, x, y, w, r, E, o->empty_l2, &d->empty);
        if (rc) goto fail;
    } else {
        /* Nothing to learn emptiness from: every scan reads loaded, so a declared-empty scan is
         * inspected and no declared load is called empty (fail-safe). */
        if ((rc = lscan__linear_alloc(&d->empty, E))) {
            lscan__error(ctx, rc, "out of memory");
            goto fail;
        }
        d->empty.bias = 30;
    }
    for (size_t i = 0; i < n; i++)
        loaded[i] = lscan__sigmoid(lscan__linear_score(&d->empty, ts->s[i]->empty_in));
    /* Its thresholds on validation: declared empty flags target_detection of the loads in empty
     * containers; declared loaded flags target_detection of the empty containers. */
    {
        size_t k = 0, kl = 0;
        int *pos = malloc((n ? n : 1) * sizeof *pos);
        if (!pos) {
            rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            if (ts->split[i] != LSCAN_SPLIT_VALIDATION) continue;
            w[kl] = loaded[i];
            pos[kl++] = ts->cls[i] == LSCAN_CLASS_LOAD_IN_EMPTY;
            if (ts->cls[i] == LSCAN_CLASS_EMPTY) v[k++] = loaded[i];
        }
        size_t npos = 0;
        for (size_t i = 0; i < kl; i++)
            npos += pos[i];
        d->empty_loaded_thr =
            npos ? lscan__threshold_for_detection(w, pos, kl, o->target_detection) : 0.5;
        d->empty_empty_thr = k ? above_share(v, k, o->target_detection) : 0.0;
        if (d->empty_empty_thr > 1) d->empty_empty_thr = 1;
        /* ... but no higher than reads at most empty_false_rate of the validation loads as empty:
         * an empty container declared loaded is also caught by the mismatch check and the
         * anomaly model, a load called empty by nothing else. */
        size_t nl = 0;
        for (size_t i = 0; i < n; i++)
            if (ts->split[i] == LSCAN_SPLIT_VALIDATION && ts->cls[i] != LSCAN_CLASS_EMPTY &&
                ts->cls[i] != LSCAN_CLASS_LOAD_IN_EMPTY)
                v[nl++] = loaded[i];
        if (nl) {
            qsort(v, nl, sizeof *v, cmp_d);
            size_t allowed = (size_t)floor(o->empty_false_rate * (double)nl + 1e-9);
            double t = allowed < nl ? v[allowed] : 1.0;
            if (t < d->empty_empty_thr) d->empty_empty_thr = t;
        }
        free(pos);
    }

    /* 2. The commodity model. */
    char(*groups)[LSCAN__NAME_MAX] = calloc(LSCAN__MAX_GROUPS, sizeof *groups);
    char(*comm)[LSCAN__NAME_MAX] = calloc(4096, sizeof *comm);
    uint32_t ng = 0, ncm = 0;
    d->group = groups;
    d->commodity = comm;
    if (!groups || !comm) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (ts->split[i] != LSCAN_SPLIT_TRAIN || !commodity_row(ts, i)) continue;
        if (name_index(groups, &ng, LSCAN__MAX_GROUPS, group_of(ts->s[i]), true) < 0) {
            rc = lscan__error(ctx, LSCAN_ERR_TRAINING, "more than %d commodity groups",
                              LSCAN__MAX_GROUPS);
            goto fail;
        }
    }
    d->groups = ng >= 2 ? ng : 0;
    const size_t K = d->groups ? d->groups : 1;
    d->group_thr = malloc(K * sizeof *d->group_thr);
    d->mean = calloc(2 * D + K * D + K, sizeof *d->mean);
    d->commodity_group = calloc(4096, sizeof *d->commodity_group);
    prob = calloc((n ? n : 1) * K, sizeof *prob);
    if (!d->group_thr || !d->mean || !d->commodity_group || !prob) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    d->scale = d->mean + D;
    d->weight = d->scale + D;
    d->bias = d->weight + K * D;
    for (uint32_t k = 0; k < D; k++)
        d->scale[k] = 1;
    if (d->groups) {
        r = 0;
        for (size_t i = 0; i < n; i++) {
            if (ts->split[i] != LSCAN_SPLIT_TRAIN || !commodity_row(ts, i)) continue;
            memcpy(x + r * D, ts->s[i]->desc, D * sizeof *x);
            yg[r] = (uint32_t)name_index(groups, &ng, ng, group_of(ts->s[i]), false);
            r++;
        }
        /* Every scan the same weight: the model is judged on how many loads it recognises
         * (balancing the groups cost 2 points of top-1 on the validation scans). */
        for (size_t i = 0; i < r; i++)
            w[i] = 1.0;
        rc = softmax_fit(ctx, x, yg, w, r, D, d->groups, o->l2, d->mean, d->scale, d->weight,
                         d->bias);
        if (rc) goto fail;
        for (size_t i = 0; i < n; i++)
            lscan__commodity_probs(d, ts->s[i]->desc, prob + i * K);
        /* Commodity names and the HS table, from the training labels. */
        for (size_t i = 0; i < n; i++) {
            if (ts->split[i] != LSCAN_SPLIT_TRAIN || !commodity_row(ts, i)) continue;
            const lscan__decl_sample *s = ts->s[i];
            int g = name_index(groups, &ng, ng, group_of(s), false);
            int c = name_index(comm, &ncm, 4096, s->commodity, false);
            if (c < 0) {
                c = name_index(comm, &ncm, 4096, s->commodity, true);
                if (c < 0) {
                    rc = lscan__error(ctx, LSCAN_ERR_TRAINING, "more than 4096 commodities");
                    goto fail;
                }
                memmove(d->commodity_group + c + 1, d->commodity_group + c,
                        (ncm - 1 - (uint32_t)c) * sizeof *d->commodity_group);
                d->commodity_group[c] = (uint32_t)g;
            } else if (d->commodity_group[c] != (uint32_t)g) {
                rc = lscan__error(ctx, LSCAN_ERR_TRAINING,
                                  "commodity '%s' labelled with two groups ('%s' and '%s')",
                                  s->commodity, groups[d->commodity_group[c]], groups[g]);
                goto fail;
            }
            if (s->hs_chapter >= 0) d->hs[s->hs_chapter] |= 1ull << g;
        }
        d->commodities = ncm;
        /* 3. The mismatch threshold: at most mismatch_false_rate of the validation loads,
         * declared truly, below it. */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (ts->split[i] != LSCAN_SPLIT_VALIDATION || !commodity_row(ts, i)) continue;
            int g = name_index(groups, &ng, ng, group_of(ts->s[i]), false);
            if (g >= 0) v[k++] = prob[i * K + (size_t)g];
        }
        d->mismatch_thr = 0;
        if (k) {
            qsort(v, k, sizeof *v, cmp_d);
            size_t allowed = (size_t)floor(o->mismatch_false_rate * (double)k + 1e-9);
            d->mismatch_thr = allowed < k ? v[allowed] : 1.0;
        }
    }
    if ((rc = lscan__decl_hs_text(d))) {
        lscan__error(ctx, rc, "out of memory");
        goto fail;
    }

    /* 4. Operating points: declared empty, then each group, on the validation scans, with what
     * the declaration checks flag when the declaration is true. */
    for (size_t i = 0; i < n; i++) {
        in[i] = ts->cls[i] == LSCAN_CLASS_EMPTY || ts->cls[i] == LSCAN_CLASS_LOAD_IN_EMPTY;
        flag[i] = loaded[i] >= d->empty_loaded_thr;
    }
    d->empty_anomaly_thr = group_threshold(ts, o, in, flag, m->threshold);
    for (uint32_t g = 0; g < d->groups; g++) {
        for (size_t i = 0; i < n; i++) {
            in[i] = commodity_row(ts, i) &&
                    name_index(groups, &ng, ng, group_of(ts->s[i]), false) == (int)g;
            flag[i] = loaded[i] < d->empty_empty_thr || prob[i * K + g] < d->mismatch_thr;
        }
        d->group_thr[g] = group_threshold(ts, o, in, flag, m->threshold);
    }

    /* 5. Consignments. */
    if ((rc = fit_consignments(ctx, o, d, ts, prob))) goto fail;

    lscan__decl_model_free(m->decl);
    m->decl = d;
    d = NULL;
fail:
    lscan__decl_model_free(d);
    free(x);
    free(y);
    free(yg);
    free(w);
    free(v);
    free(loaded);
    free(prob);
    free(in);
    free(flag);
    return rc;
}
