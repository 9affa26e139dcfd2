/* linear.c — standardised linear models and L2-regularised logistic regression by Newton/IRLS over BLAS. */
#include "model.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int lscan__linear_alloc(lscan__linear *m, uint32_t n)
{
    memset(m, 0, sizeof *m);
    if (n == 0 || n > 100000) return LSCAN_ERR_INVALID_ARGUMENT;
    double *p = calloc((size_t)n * 3, sizeof *p);
    if (!p) return LSCAN_ERR_NO_MEMORY;
    m->n = n;
    m->mean = p;
    m->scale = p + n;
    m->weight = p + 2 * (size_t)n;
    for (uint32_t i = 0; i < n; i++) m->scale[i] = 1.0;
    return LSCAN_OK;
}

void lscan__linear_free(lscan__linear *m)
{
    if (!m) return;
    free(m->mean);
    memset(m, 0, sizeof *m);
}

double lscan__linear_score(const lscan__linear *m, const float *x)
{
    double z = m->bias;
    for (uint32_t i = 0; i < m->n; i++) z += m->weight[i] * (((double)x[i] - m->mean[i]) / m->scale[i]);
    return z;
}

double lscan__sigmoid(double z)
{
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* Cholesky solve of the (d x d, row-major, symmetric positive definite)
 * system A x = b in place; small d, so plain loops. */
bool lscan__cholesky_solve(double *a, double *b, uint32_t d)
{
    for (uint32_t j = 0; j < d; j++) {
        double s = a[(size_t)j * d + j];
        for (uint32_t k = 0; k < j; k++) s -= a[(size_t)j * d + k] * a[(size_t)j * d + k];
        if (!(s > 0)) return false;
        double l = sqrt(s);
        a[(size_t)j * d + j] = l;
        for (uint32_t i = j + 1; i < d; i++) {
            double t = a[(size_t)i * d + j];
            for (uint32_t k = 0; k < j; k++) t -= a[(size_t)i * d + k] * a[(size_t)j * d + k];
            a[(size_t)i * d + j] = t / l;
        }
    }
    for (uint32_t i = 0; i < d; i++) { /* L y = b */
        double t = b[i];
        for (uint32_t k = 0; k < i; k++) t -= a[(size_t)i * d + k] * b[k];
        b[i] = t / a[(size_t)i * d + i];
    }
    for (uint32_t i = d; i-- > 0;) { /* L^T x = y */
        double t = b[i];
        for (uint32_t k = i + 1; k < d; k++) t -= a[(size_t)k * d + i] * b[k];
        b[i] = t / a[(size_t)i * d + i];
    }
    return true;
}

int lscan__logreg_fit(lscan_ctx *ctx, const float *x, const uint8_t *y, const double *w, size_t n,
                      uint32_t d, double l2, lscan__linear *m)
{
    if (n < 2 || d == 0 || !(l2 >= 0))
        return lscan__error(ctx, LSCAN_ERR_TRAINING, "logistic regression needs rows and features (n=%zu, d=%u)", n, d);
    int rc = lscan__linear_alloc(m, d);
    if (rc) return lscan__error(ctx, rc, "cannot allocate a model of %u features", d);
    uint32_t p = d + 1; /* standardised features + intercept column */
    size_t cells;
    if (!lscan__mul_size(n, p, &cells)) return lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "training set too large");
    double *z = malloc(cells * sizeof *z);        /* standardised design matrix, row-major n x p */
    double *zw = malloc(cells * sizeof *zw);      /* rows scaled by sqrt(weight * p(1-p)) */
    double *r = malloc(n * sizeof *r);
    double *hess = malloc((size_t)p * p * sizeof *hess);
    double *grad = malloc(p * sizeof *grad);
    double *beta = calloc(p, sizeof *beta);
    double *eta = malloc(n * sizeof *eta);
    if (!z || !zw || !r || !hess || !grad || !beta || !eta) {
        rc = lscan__error(ctx, LSCAN_ERR_NO_MEMORY, "cannot allocate the training matrices (%zu x %u)", n, p);
        goto done;
    }
    /* Weighted standardisation; constant features get scale 1 (weight stays ~0). */
    double wsum = 0;
    for (size_t i = 0; i < n; i++) wsum += w ? w[i] : 1.0;
    for (uint32_t j = 0; j < d; j++) {
        double mu = 0, var = 0;
        for (size_t i = 0; i < n; i++) mu += (w ? w[i] : 1.0) * x[i * d + j];
        mu /= wsum;
        for (size_t i = 0; i < n; i++) {
            double t = x[i * d + j] - mu;
            var += (w ? w[i] : 1.0) * t * t;
        }
        double sd = sqrt(var / wsum);
        m->mean[j] = mu;
        m->scale[j] = sd > 1e-12 * (1 + fabs(mu)) ? sd : 1.0;
    }
    for (size_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < d; j++) z[i * p + j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
        z[i * p + d] = 1.0;
    }
    /* Newton iterations on the penalised weighted log-likelihood; the
     * intercept is not penalised. */
    double prev_loss = INFINITY;
    int iter;
    for (iter = 0; iter < 50; iter++) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)p, 1.0, z, (blasint)p, beta, 1, 0.0, eta, 1);
        double loss = 0;
        for (size_t i = 0; i < n; i++) {
            double wi = w ? w[i] : 1.0;
            double pi = lscan__sigmoid(eta[i]);
            /* log(1+e^eta) - y*eta, computed stably */
            double sp = eta[i] > 0 ? eta[i] + log1p(exp(-eta[i])) : log1p(exp(eta[i]));
            loss += wi * (sp - (y[i] ? eta[i] : 0.0));
            r[i] = wi * (pi - (y[i] ? 1.0 : 0.0));
            double h = sqrt(wi * fmax(pi * (1 - pi), 1e-12));
            for (uint32_t j = 0; j < p; j++) zw[i * p + j] = z[i * p + j] * h;
        }
        for (uint32_t j = 0; j < d; j++) loss += 0.5 * l2 * beta[j] * beta[j];
        /* gradient = Z^T r + l2*beta, Hessian = Zw^T Zw + l2*I */
        cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)p, 1.0, z, (blasint)p, r, 1, 0.0, grad, 1);
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (blasint)p, (blasint)n, 1.0, zw, (blasint)p, 0.0, hess, (blasint)p);
        for (uint32_t j = 0; j < p; j++)
            for (uint32_t k = j + 1; k < p; k++) hess[(size_t)j * p + k] = hess[(size_t)k * p + j];
        for (uint32_t j = 0; j < d; j++) {
            grad[j] += l2 * beta[j];
            hess[(size_t)j * p + j] += l2;
        }
        hess[(size_t)d * p + d] += 1e-9 * wsum; /* keeps the intercept solvable on separable data */
        if (!lscan__cholesky_solve(hess, grad, p)) {
            rc = lscan__error(ctx, LSCAN_ERR_TRAINING, "Newton step failed: Hessian not positive definite");
            goto done;
        }
        double step = 0;
        for (uint32_t j = 0; j < p; j++) {
            beta[j] -= grad[j];
            step = fmax(step, fabs(grad[j]));
        }
        if (!isfinite(step)) {
            rc = lscan__error(ctx, LSCAN_ERR_TRAINING, "training diverged");
            goto done;
        }
        if (step < 1e-10 || fabs(prev_loss - loss) <= 1e-12 * fabs(loss)) break;
        prev_loss = loss;
    }
    for (uint32_t j = 0; j < d; j++) m->weight[j] = beta[j];
    m->bias = beta[d];
    rc = LSCAN_OK;
done:
    free(z);
    free(zw);
    free(r);
    free(hess);
    free(grad);
    free(beta);
    free(eta);
    if (rc) lscan__linear_free(m);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double lscan__threshold_for_detection(const double *scores, const int *positive, size_t n, double target)
{
    size_t np = 0;
    for (size_t i = 0; i < n; i++) np += positive[i] != 0;
    if (np == 0) return 0.5;
    double *ps = malloc(np * sizeof *ps);
    if (!ps) return 0.0; /* flag everything rather than fail open */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (positive[i]) ps[k++] = isnan(scores[i]) ? INFINITY : scores[i];
    qsort(ps, np, sizeof *ps, cmp_double);
    /* Allow at most floor((1 - target) * np) misses; the threshold is the
     * smallest kept positive score. A small epsilon guards the float product. */
    size_t misses = (size_t)floor((1.0 - target) * (double)np + 1e-9);
    if (misses >= np) misses = np - 1;
    double t = ps[misses];
    free(ps);
    return t;
}
