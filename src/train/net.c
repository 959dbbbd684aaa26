/* SPDX-License-Identifier: Apache-2.0 */
/* The training network: made from the graph, its shapes, the new classifier, what trains, the
 * forward and backward passes of one image, and the parameters written back into the graph. */
#include "train/train.h"
#include "util/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int net_value(dlk_tnet *n, int gv, int *map)
{
    if (map[gv] >= 0) return map[gv];
    map[gv] = n->n_vals;
    n->gval[n->n_vals] = gv;
    n->vals[n->n_vals] = (dlk_tdim){0, 0, 0};
    return n->n_vals++;
}

static int ints_attr(const dlk_node *nd, const char *name, int want, int *out, int def)
{
    const int64_t *v;
    int c = dlk_attr_ints(nd, name, &v);
    for (int i = 0; i < want; i++) out[i] = def;
    if (c < 0) return 0;
    if (c != want) return -1;
    for (int i = 0; i < want; i++) out[i] = (int)v[i];
    return 0;
}

/* Shapes of every value from the input's and the parameters'. */
static int infer(dlk_tnet *n, const char *path, const dlk_graph *g, dlk_err *err)
{
    for (int i = 0; i < n->n_nodes; i++) {
        dlk_tnode *t = &n->nodes[i];
        const dlk_node *nd = &g->nodes[t->gnode];
        dlk_tdim a = n->vals[t->in[0]], *o = &n->vals[t->out];
        switch (t->kind) {
        case DLK_TN_CONV: {
            const dlk_tparam *p = &n->params[t->param];
            int cout = (int)p->nb, cg = (int)(p->nw / ((int64_t)cout * t->kh * t->kw));
            if (cg * t->group != a.c || cout % t->group)
                return dlk_fail(err, "%s: node '%s': %d input channels, weights for %d in %d groups", path, nd->name, a.c, cg,
                                t->group);
            int pads[4];
            ints_attr(nd, "pads", 4, pads, 0);
            int ho = (a.h + pads[0] + pads[2] - t->dh * (t->kh - 1) - 1) / t->sh + 1;
            int wo = (a.w + pads[1] + pads[3] - t->dw * (t->kw - 1) - 1) / t->sw + 1;
            *o = (dlk_tdim){cout, ho, wo};
            break;
        }
        case DLK_TN_MAXPOOL: {
            int pads[4];
            ints_attr(nd, "pads", 4, pads, 0);
            *o = (dlk_tdim){a.c, (a.h + pads[0] + pads[2] - t->dh * (t->kh - 1) - 1) / t->sh + 1,
                            (a.w + pads[1] + pads[3] - t->dw * (t->kw - 1) - 1) / t->sw + 1};
            break;
        }
        case DLK_TN_RELU: *o = a; break;
        case DLK_TN_ADD: {
            dlk_tdim b = n->vals[t->in[1]];
            if (a.c != b.c || a.h != b.h || a.w != b.w)
                return dlk_fail(err, "%s: node '%s': Add of different shapes is not trained", path, nd->name);
            *o = a;
            break;
        }
        case DLK_TN_CONCAT: {
            int c = 0;
            for (int k = 0; k < t->n_in; k++) {
                dlk_tdim b = n->vals[t->in[k]];
                if (b.h != a.h || b.w != a.w) return dlk_fail(err, "%s: node '%s': Concat of different sizes", path, nd->name);
                c += b.c;
            }
            *o = (dlk_tdim){c, a.h, a.w};
            break;
        }
        case DLK_TN_GAP: *o = (dlk_tdim){a.c, 1, 1}; break;
        case DLK_TN_FLATTEN: *o = (dlk_tdim){a.c * a.h * a.w, 1, 1}; break;
        }
        if (o->c <= 0 || o->h <= 0 || o->w <= 0) return dlk_fail(err, "%s: node '%s': empty output", path, nd->name);
    }
    dlk_tdim y = n->vals[n->output];
    n->classes = y.c * y.h * y.w;
    n->col_floats = 1;
    for (int i = 0; i < n->n_nodes; i++) {
        const dlk_tnode *t = &n->nodes[i];
        if (t->kind != DLK_TN_CONV) continue;
        dlk_tdim a = n->vals[t->in[0]], o = n->vals[t->out];
        size_t c = (size_t)(a.c / t->group) * t->kh * t->kw * o.h * o.w;
        if (c > n->col_floats) n->col_floats = c;
    }
    return 0;
}

static int add_param(dlk_tnet *n, const dlk_graph *g, const dlk_node *nd, int wv, int bv, int gemm, dlk_err *err)
{
    const dlk_value *W = &g->values[wv];
    if (!W->is_const || W->shape.dtype != DLK_FLOAT)
        return dlk_fail(err, "%s: node '%s': weights must be a float constant", g->path, nd->name);
    dlk_tparam *p = &n->params[n->n_params];
    memset(p, 0, sizeof *p);
    p->nw = dlk_shape_numel(&W->shape);
    p->nb = W->shape.dims[0];
    p->wval = wv;
    p->bval = bv;
    p->gemm = gemm;
    p->w = malloc(sizeof(float) * p->nw);
    p->b = calloc((size_t)p->nb, sizeof(float));
    if (!p->w || !p->b) return dlk_fail(err, "out of memory");
    memcpy(p->w, W->data, sizeof(float) * p->nw);
    if (bv >= 0) {
        const dlk_value *B = &g->values[bv];
        if (!B->is_const || B->shape.dtype != DLK_FLOAT || dlk_shape_numel(&B->shape) != p->nb)
            return dlk_fail(err, "%s: node '%s': bias must be a float constant of %lld", g->path, nd->name, (long long)p->nb);
        memcpy(p->b, B->data, sizeof(float) * p->nb);
    }
    return n->n_params++;
}

int dlk_tnet_build(dlk_tnet *n, const dlk_graph *g, int h, int w, dlk_err *err)
{
    memset(n, 0, sizeof *n);
    int *map = malloc(sizeof(int) * (g->n_values ? g->n_values : 1));
    n->nodes = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(dlk_tnode));
    n->vals = calloc(g->n_values ? g->n_values : 1, sizeof(dlk_tdim));
    n->gval = calloc(g->n_values ? g->n_values : 1, sizeof(int));
    n->params = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(dlk_tparam));
    if (!map || !n->nodes || !n->vals || !n->gval || !n->params) {
        free(map);
        return dlk_fail(err, "out of memory");
    }
    for (int i = 0; i < g->n_values; i++) map[i] = -1;
    int rc = -1;
    if (g->n_inputs != 1 || g->n_outputs != 1) {
        dlk_fail(err, "%s: fine-tuning needs one input and one output (%d, %d)", g->path, g->n_inputs, g->n_outputs);
        goto out;
    }
    const dlk_value *X = &g->values[g->inputs[0]];
    if (X->shape.dtype != DLK_FLOAT || X->shape.ndim != 4 || X->shape.dims[1] <= 0) {
        dlk_fail(err, "%s: the input must be float32 N x C x H x W", g->path);
        goto out;
    }
    n->input = net_value(n, g->inputs[0], map);
    n->vals[n->input] = (dlk_tdim){(int)X->shape.dims[1], h, w};
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *nd = &g->nodes[i];
        if (nd->dead) continue;
        dlk_tnode *t = &n->nodes[n->n_nodes];
        memset(t, 0, sizeof *t);
        t->gnode = i;
        t->param = -1;
        t->group = 1;
        const char *op = nd->op_type;
        int nin = 1;
        if (!strcmp(op, "Conv") || !strcmp(op, "Gemm")) {
            int gemm = !strcmp(op, "Gemm");
            if (nd->n_in < 2 || nd->in[1] < 0) {
                dlk_fail(err, "%s: node '%s': no weights", g->path, nd->name);
                goto out;
            }
            const dlk_value *W = &g->values[nd->in[1]];
            if (gemm) {
                if (dlk_attr_int(nd, "transA", 0) || !dlk_attr_int(nd, "transB", 0) || dlk_attr_float(nd, "alpha", 1) != 1 ||
                    dlk_attr_float(nd, "beta", 1) != 1 || W->shape.ndim != 2) {
                    dlk_fail(err, "%s: node '%s': only Gemm(A, B^T, C) with alpha = beta = 1 is trained", g->path, nd->name);
                    goto out;
                }
                t->kh = t->kw = t->sh = t->sw = t->dh = t->dw = 1;
            } else {
                if (W->shape.ndim != 4 || strcmp(dlk_attr_str(nd, "auto_pad", "NOTSET"), "NOTSET")) {
                    dlk_fail(err, "%s: node '%s': only 2-D Conv with explicit pads is trained", g->path, nd->name);
                    goto out;
                }
                int s[2], d[2], p[4];
                if (ints_attr(nd, "strides", 2, s, 1) || ints_attr(nd, "dilations", 2, d, 1) || ints_attr(nd, "pads", 4, p, 0)) {
                    dlk_fail(err, "%s: node '%s': bad strides, dilations or pads", g->path, nd->name);
                    goto out;
                }
                t->group = (int)dlk_attr_int(nd, "group", 1);
                t->kh = (int)W->shape.dims[2], t->kw = (int)W->shape.dims[3];
                t->sh = s[0], t->sw = s[1], t->dh = d[0], t->dw = d[1], t->pt = p[0], t->pl = p[1];
                if (t->group < 1 || t->sh < 1 || t->sw < 1 || t->dh < 1 || t->dw < 1) {
                    dlk_fail(err, "%s: node '%s': bad group, strides or dilations", g->path, nd->name);
                    goto out;
                }
            }
            t->kind = DLK_TN_CONV;
            t->param = add_param(n, g, nd, nd->in[1], nd->n_in > 2 ? nd->in[2] : -1, gemm, err);
            if (t->param < 0) goto out;
        } else if (!strcmp(op, "Relu")) {
            t->kind = DLK_TN_RELU;
        } else if (!strcmp(op, "Add")) {
            t->kind = DLK_TN_ADD, nin = 2;
        } else if (!strcmp(op, "Concat")) {
            t->kind = DLK_TN_CONCAT, nin = nd->n_in;
            int64_t ax = dlk_attr_int(nd, "axis", 1);
            if (ax != 1 && ax != -3) {
                dlk_fail(err, "%s: node '%s': only Concat over channels is trained", g->path, nd->name);
                goto out;
            }
        } else if (!strcmp(op, "MaxPool")) {
            t->kind = DLK_TN_MAXPOOL;
            int k[2], s[2], d[2], p[4];
            if (ints_attr(nd, "kernel_shape", 2, k, 1) || ints_attr(nd, "strides", 2, s, 1) || ints_attr(nd, "dilations", 2, d, 1) ||
                ints_attr(nd, "pads", 4, p, 0) || dlk_attr_int(nd, "ceil_mode", 0) ||
                strcmp(dlk_attr_str(nd, "auto_pad", "NOTSET"), "NOTSET") || nd->n_out > 1) {
                dlk_fail(err, "%s: node '%s': this MaxPool is not trained (ceil_mode, auto_pad or indices)", g->path, nd->name);
                goto out;
            }
            t->kh = k[0], t->kw = k[1], t->sh = s[0], t->sw = s[1], t->dh = d[0], t->dw = d[1], t->pt = p[0], t->pl = p[1];
        } else if (!strcmp(op, "GlobalAveragePool")) {
            t->kind = DLK_TN_GAP;
        } else if (!strcmp(op, "Flatten") || !strcmp(op, "Identity")) {
            if (!strcmp(op, "Flatten") && dlk_attr_int(nd, "axis", 1) != 1) {
                dlk_fail(err, "%s: node '%s': only Flatten(axis 1) is trained", g->path, nd->name);
                goto out;
            }
            t->kind = DLK_TN_FLATTEN;
        } else {
            dlk_fail(err, "%s: node '%s': %s has no backward pass in dlakit", g->path, nd->name, op);
            goto out;
        }
        if (nin > DLK_NODE_MAX_IN || nd->n_in < nin) {
            dlk_fail(err, "%s: node '%s': %d inputs", g->path, nd->name, nd->n_in);
            goto out;
        }
        t->n_in = nin;
        for (int k = 0; k < nin; k++) {
            int gv = nd->in[k];
            if (gv < 0 || g->values[gv].is_const || map[gv] < 0) {
                dlk_fail(err, "%s: node '%s': input %d is not an activation computed before it", g->path, nd->name, k);
                goto out;
            }
            t->in[k] = map[gv];
        }
        t->out = net_value(n, nd->out[0], map);
        n->n_nodes++;
    }
    if (map[g->outputs[0]] < 0) {
        dlk_fail(err, "%s: the output is not computed", g->path);
        goto out;
    }
    n->output = map[g->outputs[0]];
    if (infer(n, g->path, g, err)) goto out;
    rc = 0;
out:
    free(map);
    return rc;
}

void dlk_tnet_free(dlk_tnet *n)
{
    for (int i = 0; i < n->n_params; i++) {
        dlk_tparam *p = &n->params[i];
        free(p->w), free(p->b), free(p->mw), free(p->vw), free(p->mb), free(p->vb);
    }
    free(n->params), free(n->nodes), free(n->vals), free(n->gval);
    memset(n, 0, sizeof *n);
}

static int producer(const dlk_tnet *n, int v)
{
    for (int i = 0; i < n->n_nodes; i++)
        if (n->nodes[i].out == v) return i;
    return -1;
}

/* Whether v separates the network: no node after v's producer reads a value made before it. */
static int is_cut(const dlk_tnet *n, int v, int *start)
{
    int p = producer(n, v);
    *start = p + 1;
    for (int i = p + 1; i < n->n_nodes; i++)
        for (int k = 0; k < n->nodes[i].n_in; k++) {
            int u = n->nodes[i].in[k];
            if (u != v && producer(n, u) <= p) return 0;
        }
    return 1;
}

int dlk_tnet_setup(dlk_tnet *n, dlk_train_mode mode, int classes, uint64_t seed, dlk_err *err)
{
    int cls = -1;
    for (int i = 0; i < n->n_nodes; i++)
        if (n->nodes[i].kind == DLK_TN_CONV) cls = i;
    if (cls < 0) return dlk_fail(err, "no Conv or Gemm to use as the classifier");
    const dlk_tnode *ct = &n->nodes[cls];
    dlk_tparam *p = &n->params[ct->param];
    int fan_in = (int)(p->nw / p->nb);
    if (ct->group != 1) return dlk_fail(err, "the classifier is a grouped conv");
    free(p->w), free(p->b);
    p->nb = classes;
    p->nw = (int64_t)classes * fan_in;
    p->w = malloc(sizeof(float) * p->nw);
    p->b = malloc(sizeof(float) * p->nb);
    if (!p->w || !p->b) return dlk_fail(err, "out of memory");
    uint64_t s = seed ^ 0x5eedc1a551f1e5ull;
    float bound = 1.0f / sqrtf((float)fan_in);
    for (int64_t i = 0; i < p->nw; i++) p->w[i] = (2 * dlk_rng_unif(&s) - 1) * bound;
    for (int64_t i = 0; i < p->nb; i++) p->b[i] = (2 * dlk_rng_unif(&s) - 1) * bound;
    if (p->bval < 0) memset(p->b, 0, sizeof(float) * p->nb); /* no bias in the file: it stays 0 */
    dlk_tdim *o = &n->vals[ct->out];
    o->c = classes;
    /* what follows the classifier keeps the size (Flatten): recompute from it */
    for (int i = cls + 1; i < n->n_nodes; i++) {
        const dlk_tnode *t = &n->nodes[i];
        if (t->kind != DLK_TN_FLATTEN && t->kind != DLK_TN_RELU)
            return dlk_fail(err, "the classifier is followed by a %s", t->kind == DLK_TN_CONV ? "Conv" : "layer with no new size");
        dlk_tdim a = n->vals[t->in[0]];
        n->vals[t->out] = t->kind == DLK_TN_FLATTEN ? (dlk_tdim){a.c * a.h * a.w, 1, 1} : a;
    }
    dlk_tdim y = n->vals[n->output];
    n->classes = y.c * y.h * y.w;
    if (n->classes != classes) return dlk_fail(err, "the output has %d values, not %d classes", n->classes, classes);

    int start = 0, cut = n->input;
    if (mode == DLK_TRAIN_HEAD) {
        cut = ct->in[0];
        if (!is_cut(n, cut, &start)) return dlk_fail(err, "the classifier's input does not separate the network");
    } else if (mode == DLK_TRAIN_LAST) {
        /* the last stage: after the last cut whose size differs from the last spatial cut's */
        int last = -1, prev = -1;
        for (int i = 0; i < n->n_nodes; i++) {
            int v = n->nodes[i].out, st;
            if (n->vals[v].h * n->vals[v].w > 1 && is_cut(n, v, &st)) last = v;
        }
        if (last < 0) return dlk_fail(err, "no stage found to train (--train last)");
        for (int i = 0; i < producer(n, last); i++) {
            int v = n->nodes[i].out, st;
            if ((n->vals[v].h != n->vals[last].h || n->vals[v].w != n->vals[last].w) && is_cut(n, v, &st)) prev = v;
        }
        if (prev >= 0) {
            cut = prev;
            is_cut(n, cut, &start);
        }
    }
    n->start = start;
    n->cut = cut;
    for (int i = 0; i < n->n_nodes; i++)
        if (n->nodes[i].kind == DLK_TN_CONV) n->params[n->nodes[i].param].trainable = i >= start;
    for (int i = 0; i < n->n_params; i++) {
        dlk_tparam *q = &n->params[i];
        if (!q->trainable) continue;
        free(q->mw), free(q->vw), free(q->mb), free(q->vb);
        q->mw = calloc((size_t)q->nw, sizeof(float));
        q->vw = calloc((size_t)q->nw, sizeof(float));
        q->mb = calloc((size_t)q->nb, sizeof(float));
        q->vb = calloc((size_t)q->nb, sizeof(float));
        if (!q->mw || !q->vw || !q->mb || !q->vb) return dlk_fail(err, "out of memory");
    }
    return 0;
}

static int set_const(dlk_value *v, const float *data, int64_t count, dlk_err *err)
{
    float *d = malloc(sizeof(float) * (count ? count : 1));
    if (!d) return dlk_fail(err, "out of memory");
    memcpy(d, data, sizeof(float) * count);
    free(v->data);
    v->data = d;
    return 0;
}

int dlk_tnet_store(const dlk_tnet *n, dlk_graph *g, dlk_err *err)
{
    for (int i = 0; i < n->n_params; i++) {
        const dlk_tparam *p = &n->params[i];
        if (!p->trainable) continue;
        dlk_value *W = &g->values[p->wval];
        if (W->shape.dims[0] != p->nb) W->shape.dims[0] = p->nb;
        if (set_const(W, p->w, p->nw, err)) return -1;
        if (p->bval >= 0) {
            dlk_value *B = &g->values[p->bval];
            B->shape.ndim = 1;
            B->shape.dims[0] = p->nb;
            if (set_const(B, p->b, p->nb, err)) return -1;
        }
    }
    dlk_value *Y = &g->values[g->outputs[0]];
    if (Y->shape.ndim >= 2) {
        Y->shape.dims[1] = n->classes;
        free(Y->dim_param[1]);
        Y->dim_param[1] = NULL;
    }
    return 0;
}

int64_t dlk_tval_size(const dlk_tnet *n, int v) { return (int64_t)n->vals[v].c * n->vals[v].h * n->vals[v].w; }

int dlk_twork_init(dlk_twork *wk, const dlk_tnet *n, dlk_err *err)
{
    memset(wk, 0, sizeof *wk);
    wk->act = calloc(n->n_vals, sizeof(float *));
    wk->grad = calloc(n->n_vals, sizeof(float *));
    wk->gw = calloc(n->n_params ? n->n_params : 1, sizeof(float *));
    wk->gb = calloc(n->n_params ? n->n_params : 1, sizeof(float *));
    wk->col = malloc(sizeof(float) * n->col_floats);
    wk->dcol = malloc(sizeof(float) * n->col_floats);
    if (!wk->act || !wk->grad || !wk->gw || !wk->gb || !wk->col || !wk->dcol) goto oom;
    for (int v = 0; v < n->n_vals; v++) {
        size_t s = (size_t)dlk_tval_size(n, v);
        if (!(wk->act[v] = malloc(sizeof(float) * s)) || !(wk->grad[v] = malloc(sizeof(float) * s))) goto oom;
    }
    for (int i = 0; i < n->n_params; i++) {
        const dlk_tparam *p = &n->params[i];
        if (!p->trainable) continue;
        if (!(wk->gw[i] = calloc((size_t)p->nw, sizeof(float))) || !(wk->gb[i] = calloc((size_t)p->nb, sizeof(float)))) goto oom;
    }
    return 0;
oom:
    dlk_twork_free(wk, n);
    return dlk_fail(err, "out of memory (training buffers)");
}

void dlk_twork_free(dlk_twork *wk, const dlk_tnet *n)
{
    for (int v = 0; wk->act && v < n->n_vals; v++) free(wk->act[v]), free(wk->grad[v]);
    for (int i = 0; wk->gw && i < n->n_params; i++) free(wk->gw[i]), free(wk->gb[i]);
    free(wk->act), free(wk->grad), free(wk->gw), free(wk->gb), free(wk->col), free(wk->dcol);
    memset(wk, 0, sizeof *wk);
}

void dlk_twork_zero_grads(dlk_twork *wk, const dlk_tnet *n)
{
    for (int i = 0; i < n->n_params; i++)
        if (n->params[i].trainable) {
            memset(wk->gw[i], 0, sizeof(float) * n->params[i].nw);
            memset(wk->gb[i], 0, sizeof(float) * n->params[i].nb);
        }
}

void dlk_tnet_forward(const dlk_tnet *n, dlk_twork *wk, int from, int to)
{
    for (int i = from; i < to; i++) {
        const dlk_tnode *t = &n->nodes[i];
        dlk_tdim a = n->vals[t->in[0]], o = n->vals[t->out];
        const float *x = wk->act[t->in[0]];
        float *y = wk->act[t->out];
        size_t sz = (size_t)o.c * o.h * o.w;
        switch (t->kind) {
        case DLK_TN_CONV: {
            const dlk_tparam *p = &n->params[t->param];
            dlk_conv_fwd(x, a.c, a.h, a.w, p->w, p->b, o.c, t, o.h, o.w, y, wk->col);
            break;
        }
        case DLK_TN_RELU:
            for (size_t k = 0; k < sz; k++) y[k] = x[k] > 0 ? x[k] : 0;
            break;
        case DLK_TN_ADD: {
            const float *b = wk->act[t->in[1]];
            for (size_t k = 0; k < sz; k++) y[k] = x[k] + b[k];
            break;
        }
        case DLK_TN_CONCAT: {
            size_t off = 0;
            for (int k = 0; k < t->n_in; k++) {
                size_t s = (size_t)dlk_tval_size(n, t->in[k]);
                memcpy(y + off, wk->act[t->in[k]], sizeof(float) * s);
                off += s;
            }
            break;
        }
        case DLK_TN_MAXPOOL: dlk_maxpool_fwd(x, a.c, a.h, a.w, t, o.h, o.w, y); break;
        case DLK_TN_GAP:
            for (int c = 0; c < a.c; c++) {
                double s = 0;
                for (int k = 0; k < a.h * a.w; k++) s += x[(size_t)c * a.h * a.w + k];
                y[c] = (float)(s / (a.h * a.w));
            }
            break;
        case DLK_TN_FLATTEN: memcpy(y, x, sizeof(float) * sz); break;
        }
    }
}

double dlk_tnet_loss(const dlk_tnet *n, dlk_twork *wk, int label)
{
    const float *z = wk->act[n->output];
    float *d = wk->grad[n->output];
    int K = n->classes;
    double m = z[0], s = 0;
    for (int k = 1; k < K; k++)
        if (z[k] > m) m = z[k];
    for (int k = 0; k < K; k++) s += exp(z[k] - m);
    for (int k = 0; k < K; k++) d[k] = (float)(exp(z[k] - m) / s) - (k == label);
    return m + log(s) - z[label];
}

void dlk_tnet_backward(const dlk_tnet *n, dlk_twork *wk)
{
    /* gradients of every value the trained part makes (the output's is the loss's) */
    for (int i = n->start; i < n->n_nodes; i++)
        if (n->nodes[i].out != n->output)
            memset(wk->grad[n->nodes[i].out], 0, sizeof(float) * dlk_tval_size(n, n->nodes[i].out));
    for (int i = n->n_nodes - 1; i >= n->start; i--) {
        const dlk_tnode *t = &n->nodes[i];
        dlk_tdim a = n->vals[t->in[0]], o = n->vals[t->out];
        const float *dy = wk->grad[t->out];
        /* an input of the frozen part needs no gradient */
        float *dx = t->in[0] == n->cut ? NULL : wk->grad[t->in[0]];
        size_t sz = (size_t)o.c * o.h * o.w;
        switch (t->kind) {
        case DLK_TN_CONV: {
            const dlk_tparam *p = &n->params[t->param];
            dlk_conv_bwd(wk->act[t->in[0]], a.c, a.h, a.w, p->w, o.c, t, o.h, o.w, dy, dx, wk->gw[t->param], wk->gb[t->param],
                         wk->col, wk->dcol);
            break;
        }
        case DLK_TN_RELU: {
            const float *y = wk->act[t->out];
            if (dx)
                for (size_t k = 0; k < sz; k++) dx[k] += y[k] > 0 ? dy[k] : 0;
            break;
        }
        case DLK_TN_ADD:
            for (int s = 0; s < 2; s++) {
                float *d = t->in[s] == n->cut ? NULL : wk->grad[t->in[s]];
                if (d)
                    for (size_t k = 0; k < sz; k++) d[k] += dy[k];
            }
            break;
        case DLK_TN_CONCAT: {
            size_t off = 0;
            for (int s = 0; s < t->n_in; s++) {
                size_t c = (size_t)dlk_tval_size(n, t->in[s]);
                float *d = t->in[s] == n->cut ? NULL : wk->grad[t->in[s]];
                if (d)
                    for (size_t k = 0; k < c; k++) d[k] += dy[off + k];
                off += c;
            }
            break;
        }
        case DLK_TN_MAXPOOL:
            if (dx) dlk_maxpool_bwd(wk->act[t->in[0]], a.c, a.h, a.w, t, o.h, o.w, dy, dx);
            break;
        case DLK_TN_GAP:
            if (dx)
                for (int c = 0; c < a.c; c++) {
                    float v = dy[c] / (float)(a.h * a.w);
                    for (int k = 0; k < a.h * a.w; k++) dx[(size_t)c * a.h * a.w + k] += v;
                }
            break;
        case DLK_TN_FLATTEN:
            if (dx)
                for (size_t k = 0; k < sz; k++) dx[k] += dy[k];
            break;
        }
    }
}
