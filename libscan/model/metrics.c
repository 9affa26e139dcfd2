/* metrics.c — evaluation figures: ROC area, confusion at a threshold, per-class detection, release rate at a target detection. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct scored {
    double s;
    int pos;
};

static int by_score(const void *a, const void *b)
{
    double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;
    return (x > y) - (x < y);
}

/* A scan that could not be scored is treated as scored +inf: always flagged. */
static double eff(double s) { return isnan(s) ? INFINITY : s; }

static struct scored *sorted_scores(const double *scores, const int *classes, size_t n)
{
    struct scored *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i].s = eff(scores[i]);
        v[i].pos = LSCAN_CLASS_IS_INSPECT(classes[i]);
    }
    qsort(v, n, sizeof *v, by_score);
    return v;
}

LSCAN_API int lscan_metrics_compute(const double *scores, const int *classes, size_t n, double threshold,
                                    double target_detection, lscan_metrics *m)
{
    if (!scores || !classes || !m || m->size < sizeof(uint32_t) * 4 || !(target_detection > 0 && target_detection <= 1))
        return LSCAN_ERR_INVALID_ARGUMENT;
    lscan_metrics r;
    memset(&r, 0, sizeof r);
    r.size = sizeof r;
    r.threshold = threshold;
    r.target_detection = target_detection;
    for (size_t i = 0; i < n; i++) {
        if (classes[i] < 0 || classes[i] >= LSCAN_MAX_CLASS || !lscan_class_name(classes[i]))
            return LSCAN_ERR_INVALID_ARGUMENT;
        bool pos = LSCAN_CLASS_IS_INSPECT(classes[i]);
        bool flagged = eff(scores[i]) >= threshold;
        r.n++;
        if (pos) {
            r.n_inspect++;
            flagged ? r.tp++ : r.fn++;
        } else {
            r.n_release++;
            flagged ? r.fp++ : r.tn++;
        }
        r.class_n[classes[i]]++;
        if (flagged) r.class_flagged[classes[i]]++;
    }
    r.detection = r.n_inspect ? (double)r.tp / r.n_inspect : NAN;
    r.release_rate = r.n_release ? (double)r.tn / r.n_release : NAN;

    struct scored *v = sorted_scores(scores, classes, n);
    if (!v) return LSCAN_ERR_NO_MEMORY;
    /* AUC by the rank-sum (Mann-Whitney) statistic, ties at half. */
    if (r.n_inspect && r.n_release) {
        double rank_sum = 0;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && v[j].s == v[i].s) j++;
            double avg_rank = (double)(i + 1 + j) / 2.0; /* ranks i+1 .. j */
            for (size_t k = i; k < j; k++)
                if (v[k].pos) rank_sum += avg_rank;
            i = j;
        }
        double np = r.n_inspect, nn = r.n_release;
        r.auc = (rank_sum - np * (np + 1) / 2) / (np * nn);
    } else {
        r.auc = NAN;
    }
    free(v);
    if (r.n_inspect) {
        int *pos = malloc(n * sizeof *pos);
        double *sc = malloc(n * sizeof *sc);
        if (!pos || !sc) {
            free(pos);
            free(sc);
            return LSCAN_ERR_NO_MEMORY;
        }
        for (size_t i = 0; i < n; i++) {
            pos[i] = LSCAN_CLASS_IS_INSPECT(classes[i]);
            sc[i] = eff(scores[i]);
        }
        r.threshold_at_target = lscan__threshold_for_detection(sc, pos, n, target_detection);
        size_t released = 0;
        for (size_t i = 0; i < n; i++)
            if (!pos[i] && sc[i] < r.threshold_at_target) released++;
        r.release_at_target = r.n_release ? (double)released / r.n_release : NAN;
        free(pos);
        free(sc);
    } else {
        r.threshold_at_target = NAN;
        r.release_at_target = NAN;
    }
    size_t keep = m->size < sizeof r ? m->size : sizeof r;
    memcpy(m, &r, keep);
    m->size = (uint32_t)keep;
    return LSCAN_OK;
}

LSCAN_API int lscan_roc(const double *scores, const int *classes, size_t n, double *fpr, double *tpr,
                        double *thresholds, size_t max_points, size_t *count)
{
    if (!scores || !classes || !fpr || !tpr || !count) return LSCAN_ERR_INVALID_ARGUMENT;
    *count = 0;
    struct scored *v = sorted_scores(scores, classes, n);
    if (!v) return LSCAN_ERR_NO_MEMORY;
    size_t np = 0;
    for (size_t i = 0; i < n; i++) np += v[i].pos;
    size_t nn = n - np;
    /* Walk thresholds from the highest score down; one point per distinct score. */
    size_t tp = 0, fp = 0, k = 0;
    size_t distinct = 0;
    for (size_t i = n; i > 0;) {
        size_t j = i;
        while (j > 0 && v[j - 1].s == v[i - 1].s) j--;
        distinct++;
        i = j;
    }
    /* Subsample evenly when there are more distinct scores than points. */
    size_t stride = max_points > 1 && distinct > max_points ? (distinct + max_points - 2) / (max_points - 1) : 1;
    size_t d = 0;
    for (size_t i = n; i > 0 && k < max_points;) {
        size_t j = i;
        double s = v[i - 1].s;
        while (j > 0 && v[j - 1].s == s) {
            j--;
            v[j].pos ? tp++ : fp++;
        }
        if (d % stride == 0 || j == 0) {
            fpr[k] = nn ? (double)fp / nn : 0;
            tpr[k] = np ? (double)tp / np : 0;
            if (thresholds) thresholds[k] = s;
            k++;
        }
        d++;
        i = j;
    }
    free(v);
    *count = k;
    return LSCAN_OK;
}
