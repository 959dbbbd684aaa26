/* SPDX-License-Identifier: Apache-2.0 */
#include "ops.h"
#include "util/err.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const dlk_opdef *const registry[] = {
#define REF(n) &dlk_op_##n,
    DLK_OPS(REF)
#undef REF
};

/* ORT's contrib operators dlakit runs: they exist only in com.microsoft */
static int is_ms_op(const char *name)
{
    static const char *const ms[] = {"QLinearAdd", "QLinearConcat", "QLinearGlobalAveragePool", "QLinearAveragePool",
                                     "QLinearLeakyRelu"};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (!strcmp(name, ms[i])) return 1;
    return 0;
}

const dlk_opdef *dlk_op_lookup(const char *op_type)
{
    /* ORT puts its contrib ops in com.microsoft; QLinearConv/QLinearMatMul are default-domain ops. */
    const char *name = op_type;
    if (!strncmp(op_type, "com.microsoft:", 14)) {
        name = op_type + 14;
        if (!is_ms_op(name)) return NULL;
    } else if (is_ms_op(name)) {
        return NULL;
    }
    if (strchr(name, ':')) return NULL;
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}

/* A node's input and output counts against its operator's (see dlk_opdef). */
static int check_counts(const dlk_graph *g, const dlk_node *n, dlk_err *err)
{
    const dlk_opdef *d = n->op;
    if (n->n_in < d->min_in || n->n_in > d->max_in) {
        if (d->min_in == d->max_in)
            return dlk_fail(err, "%s: node '%s' (%s): takes %d input%s, has %d", g->path, n->name, n->op_type, d->min_in,
                            d->min_in == 1 ? "" : "s", n->n_in);
        return dlk_fail(err, "%s: node '%s' (%s): takes %d to %d inputs, has %d", g->path, n->name, n->op_type, d->min_in,
                        d->max_in, n->n_in);
    }
    for (int s = 0; s < (d->all_in ? n->n_in : d->min_in); s++)
        if (n->in[s] < 0)
            return dlk_fail(err, "%s: node '%s' (%s): input %d is required but its name is empty", g->path, n->name,
                            n->op_type, s);
    if (n->n_out < 1 || n->out[0] < 0)
        return dlk_fail(err, "%s: node '%s' (%s): output 0 is required but its name is empty", g->path, n->name,
                        n->op_type);
    if (n->n_out > d->max_out)
        return dlk_fail(err, "%s: node '%s' (%s): must have %d output%s", g->path, n->name, n->op_type, d->max_out,
                        d->max_out > 1 ? "s" : "");
    for (int s = 1; s < n->n_out && !d->all_out; s++)
        if (n->out[s] >= 0) return dlk_fail(err, "%s: node '%s' (%s): output %d is not supported", g->path, n->name, n->op_type, s);
    return 0;
}

int dlk_ops_resolve(dlk_graph *g, dlk_err *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        dlk_node *n = &g->nodes[i];
        if (n->dead || n->op) continue;
        n->op = dlk_op_lookup(n->op_type);
        if (!n->op)
            return dlk_fail(err, "%s: node '%s': operator '%s' is not supported by dlakit", g->path, n->name, n->op_type);
        if (n->n_in > DLK_OP_MAX_IN || n->n_out > DLK_OP_MAX_OUT)
            return dlk_fail(err, "%s: node '%s' (%s): too many inputs or outputs", g->path, n->name, n->op_type);
        if (check_counts(g, n, err)) return -1;
    }
    return 0;
}

int dlk_op_need_dtype(const dlk_op *op, int slot, dlk_dtype t, dlk_err *err)
{
    if (op->in[slot] && op->in[slot]->shape.dtype != t)
        return dlk_fail(err, "input %d must be %s, is %s", slot, dlk_dtype_name(t), dlk_dtype_name(op->in[slot]->shape.dtype));
    return 0;
}

static int scalar_check(const dlk_op *op, int slot, dlk_err *err)
{
    const dlk_tensor *t = slot < op->n_in ? op->in[slot] : NULL;
    if (!t) return dlk_fail(err, "input %d is required", slot);
    if (!t->is_const) return dlk_fail(err, "input %d must be a constant (initializer)", slot);
    if (dlk_shape_numel(&t->shape) != 1) return dlk_fail(err, "input %d must be a scalar", slot);
    return 0;
}

int dlk_op_scalar_f(const dlk_op *op, int slot, float *v, dlk_err *err)
{
    if (scalar_check(op, slot, err)) return -1;
    if (op->in[slot]->shape.dtype != DLK_FLOAT) return dlk_fail(err, "input %d must be float", slot);
    *v = *(const float *)op->in[slot]->data;
    return 0;
}

int dlk_check_scale(float s, const char *what, dlk_err *err)
{
    if (!(s > 0) || !isfinite(s)) return dlk_fail(err, "%s %g is invalid (a scale must be finite and > 0)", what, (double)s);
    return 0;
}

int dlk_op_scale_f(const dlk_op *op, int slot, float *v, dlk_err *err)
{
    if (dlk_op_scalar_f(op, slot, v, err)) return -1;
    char what[32];
    snprintf(what, sizeof what, "scale (input %d)", slot);
    return dlk_check_scale(*v, what, err);
}

int dlk_op_scalar_i(const dlk_op *op, int slot, int *v, dlk_err *err)
{
    if (scalar_check(op, slot, err)) return -1;
    const void *d = op->in[slot]->data;
    switch (op->in[slot]->shape.dtype) {
    case DLK_UINT8: *v = *(const uint8_t *)d; break;
    case DLK_INT8: *v = *(const int8_t *)d; break;
    case DLK_INT32: *v = *(const int32_t *)d; break;
    default: return dlk_fail(err, "input %d must be an 8- or 32-bit integer", slot);
    }
    return 0;
}

int dlk_q8type_of(dlk_dtype t, dlk_q8type *q)
{
    if (t == DLK_UINT8) *q = DLK_Q_U8;
    else if (t == DLK_INT8) *q = DLK_Q_I8;
    else return -1;
    return 0;
}

void dlk_shape_set(dlk_shape *s, dlk_dtype t, int ndim, const int64_t *dims)
{
    memset(s, 0, sizeof *s);
    s->dtype = t;
    s->ndim = ndim;
    for (int i = 0; i < ndim; i++) s->dims[i] = dims[i];
}

int dlk_op_spatial(const dlk_op *op, int h_in, int w_in, int kh, int kw, int ceil_mode, dlk_spatial *s, dlk_err *err)
{
    const dlk_node *n = op->node;
    const int64_t *v;
    int c;
    memset(s, 0, sizeof *s);
    s->kh = kh;
    s->kw = kw;
    s->sh = s->sw = s->dh = s->dw = 1;
    if ((c = dlk_attr_ints(n, "strides", &v)) >= 0) {
        if (c != 2 || v[0] < 1 || v[1] < 1 || v[0] > 1024 || v[1] > 1024) return dlk_fail(err, "strides must be 2 values >= 1");
        s->sh = (int)v[0];
        s->sw = (int)v[1];
    }
    if ((c = dlk_attr_ints(n, "dilations", &v)) >= 0) {
        if (c != 2 || v[0] < 1 || v[1] < 1 || v[0] > 1024 || v[1] > 1024) return dlk_fail(err, "dilations must be 2 values >= 1");
        s->dh = (int)v[0];
        s->dw = (int)v[1];
    }
    if (kh < 1 || kw < 1 || kh > 4096 || kw > 4096) return dlk_fail(err, "kernel size must be >= 1");
    int64_t ekh = (int64_t)(kh - 1) * s->dh + 1, ekw = (int64_t)(kw - 1) * s->dw + 1;
    const char *ap = dlk_attr_str(n, "auto_pad", "NOTSET");
    if (!strcmp(ap, "NOTSET")) {
        if ((c = dlk_attr_ints(n, "pads", &v)) >= 0) {
            if (c != 4) return dlk_fail(err, "pads must have 4 values for 2-D");
            for (int i = 0; i < 4; i++)
                if (v[i] < 0 || v[i] > 4096) return dlk_fail(err, "pads must be >= 0");
            s->pad_t = (int)v[0];
            s->pad_l = (int)v[1];
            s->pad_b = (int)v[2];
            s->pad_r = (int)v[3];
        }
        int64_t hh = h_in + s->pad_t + s->pad_b - ekh, ww = w_in + s->pad_l + s->pad_r - ekw;
        if (hh < 0 || ww < 0) return dlk_fail(err, "kernel %dx%d is larger than the padded input %dx%d", kh, kw, h_in, w_in);
        if (ceil_mode) {
            s->h_out = (int)((hh + s->sh - 1) / s->sh + 1);
            s->w_out = (int)((ww + s->sw - 1) / s->sw + 1);
            /* the last window must start inside the input or the leading padding */
            if ((int64_t)(s->h_out - 1) * s->sh >= h_in + s->pad_t) s->h_out--;
            if ((int64_t)(s->w_out - 1) * s->sw >= w_in + s->pad_l) s->w_out--;
        } else {
            s->h_out = (int)(hh / s->sh + 1);
            s->w_out = (int)(ww / s->sw + 1);
        }
    } else if (!strcmp(ap, "VALID")) {
        s->h_out = (int)((h_in - ekh) / s->sh + 1);
        s->w_out = (int)((w_in - ekw) / s->sw + 1);
        if (h_in < ekh || w_in < ekw) return dlk_fail(err, "kernel larger than input");
    } else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
        int upper = !strcmp(ap, "SAME_UPPER");
        s->h_out = (h_in + s->sh - 1) / s->sh;
        s->w_out = (w_in + s->sw - 1) / s->sw;
        int64_t ph = (int64_t)(s->h_out - 1) * s->sh + ekh - h_in, pw = (int64_t)(s->w_out - 1) * s->sw + ekw - w_in;
        if (ph < 0) ph = 0;
        if (pw < 0) pw = 0;
        s->pad_t = (int)(upper ? ph / 2 : ph - ph / 2);
        s->pad_b = (int)(ph - s->pad_t);
        s->pad_l = (int)(upper ? pw / 2 : pw - pw / 2);
        s->pad_r = (int)(pw - s->pad_l);
    } else {
        return dlk_fail(err, "auto_pad '%s' is not supported", ap);
    }
    if (s->h_out < 1 || s->w_out < 1) return dlk_fail(err, "output would be empty");
    return 0;
}

int dlk_broadcast(const dlk_shape *a, const dlk_shape *b, dlk_bcast *bc, dlk_err *err)
{
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    memset(bc, 0, sizeof *bc);
    bc->ndim = nd;
    int64_t sa = 1, sb = 1;
    for (int i = nd - 1; i >= 0; i--) {
        int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return dlk_fail(err, "shapes cannot be broadcast (dimension %d: %lld vs %lld)", i, (long long)da, (long long)db);
        bc->out[i] = da == 1 ? db : da;
        bc->a_str[i] = da == 1 ? 0 : sa;
        bc->b_str[i] = db == 1 ? 0 : sb;
        sa *= da;
        sb *= db;
    }
    return 0;
}
