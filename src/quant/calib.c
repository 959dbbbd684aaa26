/* SPDX-License-Identifier: Apache-2.0 */
/* Calibration: statistics of every float value of a model over the calibration inputs, and the
 * ranges ORT's calibrators (calibrate.py) derive from them. */
#include "quant.h"
#include "runtime/observe.h"
#include "util/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dlk_quant_opts_default(dlk_quant_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = DLK_CALIB_MINMAX;
    o->percentile = 99.999;
    o->num_quantized_bins = 128;
}

static int nbins_for(const dlk_quant_opts *o)
{
    if (o->num_bins > 0) return o->num_bins;
    return o->method == DLK_CALIB_PERCENTILE ? 2048 : 128;
}

int dlk_calib_init(dlk_calib *c, const dlk_model *m, const dlk_quant_opts *o, dlk_err *err)
{
    memset(c, 0, sizeof *c);
    if (o->num_bins < 0 || o->num_bins > DLK_MAX_BINS || o->num_quantized_bins < 0 || o->num_quantized_bins > DLK_MAX_BINS)
        return dlk_fail(err, "histogram bins: %d and %d quantized bins (at most %d each)", o->num_bins, o->num_quantized_bins,
                        DLK_MAX_BINS);
    c->m = m;
    c->opts = *o;
    c->pass = 1;
    c->st = calloc((size_t)m->g.n_values + 1, sizeof *c->st);
    if (!c->st) return dlk_fail(err, "%s: out of memory", m->g.path);
    for (int v = 0; v < m->g.n_values; v++) {
        c->st[v].min = c->st[v].amin = INFINITY;
        c->st[v].max = c->st[v].amax = -INFINITY;
    }
    return 0;
}

void dlk_calib_free(dlk_calib *c)
{
    if (c->st)
        for (int v = 0; v < c->m->g.n_values; v++) free(c->st[v].hist);
    free(c->st);
    memset(c, 0, sizeof *c);
}

int dlk_calib_needs_pass2(const dlk_calib *c) { return c->opts.method != DLK_CALIB_MINMAX; }

/* The histogram's edges as numpy's histogram computes them for (lo, hi, n) in float32: linspace
 * in float64, cast to float32, the last edge exactly hi. */
static float edge(const dlk_value_stats *s, int k)
{
    if (k >= s->nbins) return (float)s->hi;
    return (float)(s->lo + (double)k * ((s->hi - s->lo) / s->nbins));
}

int dlk_calib_begin_pass2(dlk_calib *c, dlk_err *err)
{
    int n = nbins_for(&c->opts);
    for (int v = 0; v < c->m->g.n_values; v++) {
        dlk_value_stats *s = &c->st[v];
        if (!s->seen) continue;
        s->nbins = n;
        s->hist = calloc((size_t)n, sizeof *s->hist);
        if (!s->hist) return dlk_fail(err, "%s: out of memory", c->m->g.path);
        float lo, hi;
        if (c->opts.method == DLK_CALIB_PERCENTILE) { /* symmetric: histogram of |x| over its range */
            lo = s->amin;
            hi = s->amax;
        } else { /* entropy: of x over [-threshold, threshold] */
            float th = fmaxf(fabsf(s->min), fabsf(s->max));
            lo = -th;
            hi = th;
        }
        if (lo == hi) { /* numpy widens an empty range by 0.5 on each side */
            lo -= 0.5f;
            hi += 0.5f;
        }
        s->lo = lo;
        s->hi = hi;
    }
    c->pass = 2;
    return 0;
}

int dlk_calib_fork(dlk_calib *w, const dlk_calib *main, dlk_err *err)
{
    if (dlk_calib_init(w, main->m, &main->opts, err)) return -1;
    w->pass = main->pass;
    if (main->pass == 2)
        for (int v = 0; v < main->m->g.n_values; v++) {
            const dlk_value_stats *s = &main->st[v];
            if (!s->hist) continue;
            w->st[v] = *s;
            w->st[v].hist = calloc((size_t)s->nbins, sizeof *s->hist);
            if (!w->st[v].hist) {
                dlk_calib_free(w);
                return dlk_fail(err, "%s: out of memory", main->m->g.path);
            }
        }
    return 0;
}

void dlk_calib_merge(dlk_calib *main, const dlk_calib *w)
{
    for (int v = 0; v < main->m->g.n_values; v++) {
        dlk_value_stats *d = &main->st[v];
        const dlk_value_stats *s = &w->st[v];
        if (main->pass == 1) {
            if (!s->seen) continue;
            d->min = fminf(d->min, s->min), d->max = fmaxf(d->max, s->max);
            d->amin = fminf(d->amin, s->amin), d->amax = fmaxf(d->amax, s->amax);
            d->count += s->count;
            d->seen = 1;
        } else if (d->hist && s->hist && d->nbins == s->nbins) {
            for (int b = 0; b < d->nbins; b++) d->hist[b] += s->hist[b];
        }
    }
    if (main->pass == 1) main->n_inputs_seen += w->n_inputs_seen;
}

static void hist_add(dlk_value_stats *s, float x)
{
    if (!(x >= (float)s->lo && x <= (float)s->hi)) return; /* outside the range: numpy drops it */
    int n = s->nbins;
    /* a range that widening by 0.5 could not open (|lo| >= 2^24) gives 0 / 0: bin 0, not UB */
    const double pos = ((double)x - s->lo) / (s->hi - s->lo) * n;
    int b = pos >= n ? n - 1 : pos > 0 ? (int)pos : 0;
    while (b > 0 && x < edge(s, b)) b--;
    while (b < n - 1 && x >= edge(s, b + 1)) b++;
    s->hist[b]++;
}

static void observe_value(dlk_calib *c, int v, const dlk_tensor *t)
{
    if (t->shape.dtype != DLK_FLOAT || !t->data) return;
    dlk_value_stats *s = &c->st[v];
    const float *x = t->data;
    int64_t n = dlk_shape_numel(&t->shape);
    if (c->pass == 1) {
        float mn = s->min, mx = s->max, amn = s->amin, amx = s->amax;
        for (int64_t i = 0; i < n; i++) {
            float a = x[i], b = fabsf(a);
            if (a < mn) mn = a;
            if (a > mx) mx = a;
            if (b < amn) amn = b;
            if (b > amx) amx = b;
        }
        s->min = mn, s->max = mx, s->amin = amn, s->amax = amx;
        s->count += n;
        s->seen = 1;
    } else if (s->hist) {
        int absval = c->opts.method == DLK_CALIB_PERCENTILE;
        for (int64_t i = 0; i < n; i++) hist_add(s, absval ? fabsf(x[i]) : x[i]);
    }
}

static void on_node(void *user, int node, const dlk_ctx *ctx)
{
    dlk_calib *c = user;
    const dlk_graph *g = &c->m->g;
    if (node < 0) {
        for (int i = 0; i < g->n_inputs; i++) observe_value(c, g->inputs[i], dlk_ctx_tensor(ctx, g->inputs[i]));
        return;
    }
    const dlk_node *n = &g->nodes[node];
    for (int s = 0; s < n->n_out; s++)
        if (n->out[s] >= 0) observe_value(c, n->out[s], dlk_ctx_tensor(ctx, n->out[s]));
}

int dlk_calib_run(dlk_calib *c, dlk_ctx *ctx, dlk_err *err)
{
    if (dlk_ctx_run_observe(ctx, on_node, c, err)) return -1;
    if (c->pass == 1) c->n_inputs_seen++;
    return 0;
}

/* calibrate.py HistogramCollector.compute_percentile (symmetric): the edge where the cumulative
 * share of |x| reaches percentile / 100, clipped to [min, max]. */
static void percentile_range(const dlk_value_stats *s, double pct, float *rmin, float *rmax)
{
    int64_t total = 0;
    for (int b = 0; b < s->nbins; b++) total += s->hist[b];
    double want = pct / 100.0, cdf = 0;
    int idx = s->nbins; /* searchsorted past the end: the last edge */
    for (int b = 0; b < s->nbins; b++) {
        cdf += (double)s->hist[b] / (double)total;
        if (cdf >= want) { idx = b; break; }
    }
    float th = edge(s, idx);
    float lo = -th, hi = th;
    if (lo < s->min) lo = s->min;
    if (hi > s->max) hi = s->max;
    *rmin = lo;
    *rmax = hi;
}

/* calibrate.py smooth_distribution (float32): zeros become eps, the others pay for it. */
static int smooth(const int64_t *p, int n, float *out)
{
    int zeros = 0;
    for (int i = 0; i < n; i++) zeros += p[i] == 0;
    int nonzeros = n - zeros;
    if (!nonzeros) return -1;
    float eps = 0.0001f;
    double eps1 = 0.0001 * (double)zeros / (double)nonzeros;
    for (int i = 0; i < n; i++) out[i] = (float)p[i] + (p[i] == 0 ? eps : (float)-eps1);
    return 0;
}

/* scipy.stats.entropy(p, q): KL divergence of the normalized distributions. */
static double kl(const float *p, const float *q, int n)
{
    double sp = 0, sq = 0, d = 0;
    for (int i = 0; i < n; i++) sp += p[i], sq += q[i];
    for (int i = 0; i < n; i++) {
        double a = p[i] / sp, b = q[i] / sq;
        if (a > 0) d += a * log(a / b);
    }
    return d;
}

/* calibrate.py HistogramCollector.get_entropy_threshold. */
static int entropy_range(const dlk_value_stats *s, int nq, float *rmin, float *rmax)
{
    int nb = s->nbins, zero = nb / 2, half = nq / 2;
    if (half > zero) half = zero;
    int64_t *p = malloc(sizeof(int64_t) * (size_t)(nb + 1)), *q = malloc(sizeof(int64_t) * (size_t)(nb + 1));
    int64_t *qb = malloc(sizeof(int64_t) * (size_t)(nq + 1));
    float *ps = malloc(sizeof(float) * (size_t)(nb + 1)), *qs = malloc(sizeof(float) * (size_t)(nb + 1));
    if (!p || !q || !qb || !ps || !qs) {
        free(p), free(q), free(qb), free(ps), free(qs);
        return -1;
    }
    double best = INFINITY;
    float blo = edge(s, 0), bhi = edge(s, nb);
    for (int i = half; i <= zero; i++) {
        int start = zero - i, end = zero + i + 1 < nb ? zero + i + 1 : nb, len = end - start;
        int64_t left = 0, right = 0;
        for (int k = 0; k < start; k++) left += s->hist[k];
        for (int k = end; k < nb; k++) right += s->hist[k];
        for (int k = 0; k < len; k++) p[k] = s->hist[start + k];
        p[0] += left;
        p[len - 1] += right;
        int merged = len / nq;
        for (int k = 0; k < nq; k++) {
            qb[k] = 0;
            for (int j = k * merged; j < k * merged + merged; j++) qb[k] += s->hist[start + j];
        }
        for (int j = nq * merged; j < len; j++) qb[nq - 1] += s->hist[start + j];
        memset(q, 0, sizeof(int64_t) * (size_t)len);
        for (int k = 0; k < nq; k++) {
            int64_t norm = 0;
            for (int j = k * merged; j < k * merged + merged; j++) norm += p[j] != 0;
            if (norm)
                for (int j = k * merged; j < k * merged + merged; j++) q[j] = qb[k] / norm; /* int64 */
        }
        double d = smooth(p, len, ps) || smooth(q, len, qs) ? INFINITY : kl(ps, qs, len);
        if (i == half || d < best) { /* numpy argmin: the first of equal values */
            best = d;
            blo = edge(s, start);
            bhi = edge(s, end);
        }
    }
    free(p), free(q), free(qb), free(ps), free(qs);
    if (blo < s->min) blo = s->min;
    if (bhi > s->max) bhi = s->max;
    *rmin = blo;
    *rmax = bhi;
    return 0;
}

int dlk_calib_range(const dlk_calib *c, int v, float *rmin, float *rmax)
{
    const dlk_value_stats *s = &c->st[v];
    if (!s->seen) return -1;
    if (c->opts.method == DLK_CALIB_PERCENTILE && s->hist) {
        percentile_range(s, c->opts.percentile, rmin, rmax);
        return 0;
    }
    if (c->opts.method == DLK_CALIB_ENTROPY && s->hist)
        return entropy_range(s, c->opts.num_quantized_bins, rmin, rmax);
    *rmin = s->min;
    *rmax = s->max;
    return 0;
}
