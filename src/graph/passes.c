/* SPDX-License-Identifier: Apache-2.0 */
#include "passes.h"
#include "util/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- QDQ fusion ------------------------------------------------------------------------------- */

typedef struct {
    dlk_graph *g;
    int *prod;       /* value -> producing live node, -1 */
    int *uses;       /* value -> number of uses by live nodes (+1 if a graph output) */
} qdq_ctx;

static void index_graph(qdq_ctx *q)
{
    dlk_graph *g = q->g;
    for (int v = 0; v < g->n_values; v++) {
        q->prod[v] = -1;
        q->uses[v] = g->values[v].is_output;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (int s = 0; s < n->n_out; s++)
            if (n->out[s] >= 0) q->prod[n->out[s]] = i;
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] >= 0) q->uses[n->in[s]]++;
    }
}

static int is_op(const dlk_node *n, const char *type) { return !n->dead && !strcmp(n->op_type, type); }

static int is_scalar_const(const dlk_graph *g, int v)
{
    return v >= 0 && g->values[v].is_const && dlk_shape_numel(&g->values[v].shape) == 1;
}

/* Quantization parameters of a DequantizeLinear / QuantizeLinear node: scale value, zero point value
 * (an existing value, or -1 when absent), the quantized type. */
typedef struct {
    int node, data, scale, zp;
    dlk_dtype qtype;
} qparam;

static int zp_type_ok(const dlk_graph *g, int zp, dlk_dtype t)
{
    return zp < 0 || g->values[zp].shape.dtype == t;
}

/* v = DequantizeLinear(x) of an activation (x not constant), per tensor. */
/* v = DequantizeLinear(x): its node, data, scale and zero point. */
static int dq_of(const qdq_ctx *q, int v, qparam *p)
{
    const dlk_graph *g = q->g;
    if (v < 0 || q->prod[v] < 0) return 0;
    const dlk_node *n = &g->nodes[q->prod[v]];
    if (!is_op(n, "DequantizeLinear") || n->n_in < 2 || n->in[0] < 0 || n->in[1] < 0) return 0;
    p->node = q->prod[v];
    p->data = n->in[0];
    p->scale = n->in[1];
    p->zp = n->n_in > 2 ? n->in[2] : -1;
    p->qtype = g->values[p->data].shape.dtype;
    return 1;
}

static int dq_act(const qdq_ctx *q, int v, qparam *p)
{
    const dlk_graph *g = q->g;
    if (!dq_of(q, v, p)) return 0;
    if (g->values[p->data].is_const || !is_scalar_const(g, p->scale) || (p->zp >= 0 && !is_scalar_const(g, p->zp))) return 0;
    if (p->qtype == DLK_UNDEFINED) {
        /* an activation's type is known once its producer is a Q/QLinear op: read it from the zp */
        p->qtype = p->zp >= 0 ? g->values[p->zp].shape.dtype : DLK_UINT8;
    }
    return (p->qtype == DLK_INT8 || p->qtype == DLK_UINT8) && zp_type_ok(g, p->zp, p->qtype);
}

/* v = DequantizeLinear(constant). */
static int dq_const(const qdq_ctx *q, int v, qparam *p, dlk_dtype want)
{
    const dlk_graph *g = q->g;
    if (!dq_of(q, v, p)) return 0;
    if (!g->values[p->data].is_const || !g->values[p->scale].is_const || (p->zp >= 0 && !g->values[p->zp].is_const)) return 0;
    if (want == DLK_INT32) return p->qtype == DLK_INT32;
    if (p->qtype != DLK_INT8 && p->qtype != DLK_UINT8) return 0;
    int64_t ns = dlk_shape_numel(&g->values[p->scale].shape);
    if (ns != 1 && dlk_attr_int(&g->nodes[p->node], "axis", 1) != 0) return 0; /* per output channel only */
    if (ns != 1 && g->opset < 13) return 0; /* per-axis Q/DQ exists from opset 13: DequantizeLinear refuses it */
    return zp_type_ok(g, p->zp, p->qtype);
}

/* The only use of v is a per-tensor QuantizeLinear (v not a graph output). */
static int single_q(const qdq_ctx *q, int v, qparam *p)
{
    const dlk_graph *g = q->g;
    if (v < 0 || q->uses[v] != 1 || g->values[v].is_output) return 0;
    /* nodes are in topological order (dlk_graph_finalize): the one use follows the producer, most
     * often right after it, so the scan is short */
    for (int i = q->prod[v] >= 0 ? q->prod[v] + 1 : 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] == v) {
                if (s != 0 || !is_op(n, "QuantizeLinear") || n->n_in < 2 || n->out[0] < 0) return 0;
                p->node = i;
                p->data = n->out[0];
                p->scale = n->in[1];
                p->zp = n->n_in > 2 ? n->in[2] : -1;
                p->qtype = p->zp >= 0 ? g->values[p->zp].shape.dtype : DLK_UINT8;
                return is_scalar_const(g, p->scale) && (p->zp < 0 || is_scalar_const(g, p->zp)) &&
                       (p->qtype == DLK_INT8 || p->qtype == DLK_UINT8);
            }
    }
    return 0;
}

/* The only use of v is a Relu whose only use is a QuantizeLinear: returns the Relu node, else -1. */
static int relu_then_q(const qdq_ctx *q, int v, qparam *p)
{
    const dlk_graph *g = q->g;
    if (v < 0 || q->uses[v] != 1 || g->values[v].is_output) return -1;
    for (int i = q->prod[v] >= 0 ? q->prod[v] + 1 : 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (!n->dead && n->n_in >= 1 && n->in[0] == v)
            return is_op(n, "Relu") && single_q(q, n->out[0], p) ? i : -1;
    }
    return -1;
}

/* A value holding the zero point: the existing one, or a new constant 0 of the type with the
 * scale's shape (a per-channel scale without its optional zero point gets one zero per channel). */
static int zp_value(dlk_graph *g, const qparam *p)
{
    if (p->zp >= 0) return p->zp;
    dlk_shape s = {0};
    s.dtype = p->qtype;
    int64_t ns = dlk_shape_numel(&g->values[p->scale].shape);
    if (ns > 1) {
        s.ndim = 1;
        s.dims[0] = ns;
    }
    void *zero = calloc(ns > 1 ? (size_t)ns : 1, 1);
    if (!zero) return -1;
    int v = dlk_graph_add_const(g, "zero_point", &s, zero);
    free(zero);
    return v;
}

/* A bias DequantizeLinear feeds QLinearConv's int32 bias only when its scale is x_scale * w_scale
 * (per channel, as ORT's quantizer writes it: equal up to float rounding) and its zero point is 0;
 * otherwise the Conv stays a float unit, so that the bias scale is never ignored. */
static int bias_fits(const dlk_graph *g, const qparam *x, const qparam *w, const qparam *b)
{
    const dlk_value *xs = &g->values[x->scale], *ws = &g->values[w->scale], *bs = &g->values[b->scale];
    if (xs->shape.dtype != DLK_FLOAT || ws->shape.dtype != DLK_FLOAT || bs->shape.dtype != DLK_FLOAT) return 0;
    int64_t nw = dlk_shape_numel(&ws->shape), nb = dlk_shape_numel(&bs->shape);
    int64_t nbias = dlk_shape_numel(&g->values[b->data].shape);
    if (nb != 1 && nb != nbias) return 0;
    if (nw != 1 && nw != nbias) return 0;
    if (nb != 1 && dlk_attr_int(&g->nodes[b->node], "axis", 1) != 0) return 0;
    if (b->zp >= 0) {
        const dlk_value *z = &g->values[b->zp];
        if (z->shape.dtype != DLK_INT32) return 0;
        for (int64_t i = 0, nz = dlk_shape_numel(&z->shape); i < nz; i++)
            if (((const int32_t *)z->data)[i]) return 0;
    }
    float xsv = *(const float *)xs->data;
    for (int64_t c = 0; c < nbias; c++) {
        float want = xsv * ((const float *)ws->data)[nw == 1 ? 0 : c];
        float have = ((const float *)bs->data)[nb == 1 ? 0 : c];
        if (!(fabsf(have - want) <= 1e-5f * fabsf(want))) return 0;
    }
    return 1;
}

static int same_qparams(const dlk_graph *g, const qparam *a, const qparam *b)
{
    if (a->qtype != b->qtype) return 0;
    /* types first: a 1-element int8 "scale" has 1 byte, not a float's 4 */
    if (g->values[a->scale].shape.dtype != DLK_FLOAT || g->values[b->scale].shape.dtype != DLK_FLOAT) return 0;
    if ((a->zp >= 0 && g->values[a->zp].shape.dtype != a->qtype) || (b->zp >= 0 && g->values[b->zp].shape.dtype != b->qtype))
        return 0;
    float sa = *(const float *)g->values[a->scale].data, sb = *(const float *)g->values[b->scale].data;
    int za = 0, zb = 0;
    if (a->zp >= 0) za = a->qtype == DLK_INT8 ? *(const int8_t *)g->values[a->zp].data : *(const uint8_t *)g->values[a->zp].data;
    if (b->zp >= 0) zb = b->qtype == DLK_INT8 ? *(const int8_t *)g->values[b->zp].data : *(const uint8_t *)g->values[b->zp].data;
    return sa == sb && za == zb;
}

/* Replaces node ni's type, inputs and outputs in place (keeping its position and attributes). */
static int rewrite(dlk_graph *g, int ni, const char *op_type, const int *in, int n_in, int out)
{
    dlk_node *n = &g->nodes[ni];
    int *nin = malloc(sizeof(int) * n_in);
    size_t tl = strlen(op_type) + 1;
    char *t = malloc(tl);
    if (!nin || !t) {
        free(nin);
        free(t);
        return -1;
    }
    memcpy(nin, in, sizeof(int) * n_in);
    memcpy(t, op_type, tl);
    free(n->in);
    free(n->op_type);
    n->in = nin;
    n->n_in = n_in;
    n->op_type = t;
    n->out[0] = out;
    n->n_out = 1;
    n->op = NULL; /* resolved again after the passes (dlk_ops_resolve) */
    return 0;
}

#define MAX_KILLED (DLK_NODE_MAX_OUT + 1)

/* Split on the quantized data: every output's only use a QuantizeLinear with the input's scale
 * and zero point (ORT's quantizer writes them so; its QOperator form is a Split on int8). */
static int fuse_split(qdq_ctx *q, int ni, int killed[MAX_KILLED])
{
    dlk_graph *g = q->g;
    dlk_node *n = &g->nodes[ni];
    qparam x, y[DLK_NODE_MAX_OUT];
    if (n->n_out > DLK_NODE_MAX_OUT || !dq_act(q, n->in[0], &x)) return 0;
    for (int s = 0; s < n->n_out; s++)
        if (n->out[s] < 0 || !single_q(q, n->out[s], &y[s]) || !same_qparams(g, &x, &y[s])) return 0;
    int in[2] = {x.data, n->n_in > 1 ? n->in[1] : -1}, n_out = n->n_out;
    if (rewrite(g, ni, "Split", in, n->n_in, y[0].data)) return -1;
    n->n_out = n_out;
    for (int s = 0; s < n_out; s++) {
        n->out[s] = y[s].data;
        g->nodes[y[s].node].dead = 1;
        killed[s] = y[s].node;
    }
    return 1;
}

/* Fuses one node if it heads a QDQ unit; returns 1 if fused, 0 if not, -1 on OOM. The nodes it
 * marked dead go to killed[] (-1 when none). */
static int fuse_node(qdq_ctx *q, int ni, int killed[MAX_KILLED])
{
    for (int k = 0; k < MAX_KILLED; k++) killed[k] = -1;
    dlk_graph *g = q->g;
    dlk_node *n = &g->nodes[ni];
    if (n->dead || n->n_out < 1 || n->out[0] < 0) return 0;
    if (!strcmp(n->op_type, "Split")) return fuse_split(q, ni, killed);
    for (int s = 1; s < n->n_out; s++)
        if (n->out[s] >= 0) return 0;
    qparam x, w, b, y, x2;
    int relu = -1;
    const char *t = n->op_type;
    int in[DLK_NODE_MAX_IN], k = 0;
#define Y_OR_RELU()                                                                                                 \
    do {                                                                                                            \
        if (!single_q(q, n->out[0], &y)) {                                                                          \
            relu = relu_then_q(q, n->out[0], &y);                                                                   \
            if (relu < 0) return 0;                                                                                 \
        }                                                                                                           \
    } while (0)

    if (!strcmp(t, "Conv")) {
        if (n->n_in < 2 || !dq_act(q, n->in[0], &x) || !dq_const(q, n->in[1], &w, DLK_INT8)) return 0;
        int has_b = n->n_in > 2 && n->in[2] >= 0;
        if (has_b && (!dq_const(q, n->in[2], &b, DLK_INT32) || !bias_fits(g, &x, &w, &b))) return 0;
        Y_OR_RELU();
        int xz = zp_value(g, &x), wz = zp_value(g, &w), yz = zp_value(g, &y);
        if (xz < 0 || wz < 0 || yz < 0) return -1;
        in[k++] = x.data, in[k++] = x.scale, in[k++] = xz, in[k++] = w.data, in[k++] = w.scale, in[k++] = wz;
        in[k++] = y.scale, in[k++] = yz;
        if (has_b) in[k++] = b.data;
        if (rewrite(g, ni, "QLinearConv", in, k, y.data)) return -1;
    } else if (!strcmp(t, "Add")) {
        if (n->n_in != 2 || !dq_act(q, n->in[0], &x) || !dq_act(q, n->in[1], &x2) || x.qtype != x2.qtype) return 0;
        Y_OR_RELU();
        if (y.qtype != x.qtype) return 0;
        int az = zp_value(g, &x), bz = zp_value(g, &x2), yz = zp_value(g, &y);
        if (az < 0 || bz < 0 || yz < 0) return -1;
        in[k++] = x.data, in[k++] = x.scale, in[k++] = az, in[k++] = x2.data, in[k++] = x2.scale, in[k++] = bz;
        in[k++] = y.scale, in[k++] = yz;
        if (rewrite(g, ni, "com.microsoft:QLinearAdd", in, k, y.data)) return -1;
    } else if (!strcmp(t, "Concat")) {
        if (n->n_in < 1 || 2 + 3 * n->n_in > DLK_NODE_MAX_IN) return 0;
        qparam parts[DLK_NODE_MAX_IN];
        for (int s = 0; s < n->n_in; s++)
            if (!dq_act(q, n->in[s], &parts[s]) || parts[s].qtype != parts[0].qtype) return 0;
        if (!single_q(q, n->out[0], &y) || y.qtype != parts[0].qtype) return 0;
        int yz = zp_value(g, &y);
        if (yz < 0) return -1;
        in[k++] = y.scale, in[k++] = yz;
        for (int s = 0; s < n->n_in; s++) {
            int z = zp_value(g, &parts[s]);
            if (z < 0) return -1;
            in[k++] = parts[s].data, in[k++] = parts[s].scale, in[k++] = z;
        }
        if (rewrite(g, ni, "com.microsoft:QLinearConcat", in, k, y.data)) return -1;
    } else if (!strcmp(t, "GlobalAveragePool")) {
        if (!dq_act(q, n->in[0], &x) || !single_q(q, n->out[0], &y) || y.qtype != x.qtype) return 0;
        int xz = zp_value(g, &x), yz = zp_value(g, &y);
        if (xz < 0 || yz < 0) return -1;
        in[k++] = x.data, in[k++] = x.scale, in[k++] = xz, in[k++] = y.scale, in[k++] = yz;
        if (rewrite(g, ni, "com.microsoft:QLinearGlobalAveragePool", in, k, y.data)) return -1;
    } else if (!strcmp(t, "AveragePool") || !strcmp(t, "Relu") || !strcmp(t, "LeakyRelu")) {
        /* ORT's QLinearAveragePool (its QOperator form); a Relu or LeakyRelu that ORT keeps in float
         * between a DequantizeLinear and a QuantizeLinear (ActivationSymmetric): QLinearLeakyRelu's
         * table gives the float unit's bits (alpha 0 for Relu) */
        if (!dq_act(q, n->in[0], &x) || !single_q(q, n->out[0], &y) || y.qtype != x.qtype) return 0;
        int xz = zp_value(g, &x), yz = zp_value(g, &y);
        if (xz < 0 || yz < 0) return -1;
        in[k++] = x.data, in[k++] = x.scale, in[k++] = xz, in[k++] = y.scale, in[k++] = yz;
        const int is_pool = !strcmp(t, "AveragePool"), is_relu = !strcmp(t, "Relu");
        if (rewrite(g, ni, is_pool ? "com.microsoft:QLinearAveragePool" : "com.microsoft:QLinearLeakyRelu", in, k, y.data))
            return -1;
        if (is_relu && dlk_node_add_attr_float(g, ni, "alpha", 0.0f)) return -1;
    } else if (!strcmp(t, "MaxPool") || !strcmp(t, "Flatten") || !strcmp(t, "Reshape") || !strcmp(t, "Identity")) {
        /* order-preserving ops: exact on the quantized values when scale and zero point carry over */
        if (!dq_act(q, n->in[0], &x) || !single_q(q, n->out[0], &y) || !same_qparams(g, &x, &y)) return 0;
        for (int s = 0; s < n->n_in; s++) in[k++] = s ? n->in[s] : x.data;
        if (rewrite(g, ni, t, in, k, y.data)) return -1;
    } else {
        return 0;
    }
#undef Y_OR_RELU
    g->nodes[y.node].dead = 1;
    killed[0] = y.node;
    if (relu >= 0) {
        g->nodes[relu].dead = 1;
        killed[1] = relu;
        if (dlk_node_add_attr_int(g, ni, "dlk_relu", 1)) return -1;
    }
    return 1;
}

int dlk_pass_fuse_qdq(dlk_graph *g, dlk_err *err)
{
    qdq_ctx q = {g, malloc(sizeof(int) * (g->n_values + 1)), malloc(sizeof(int) * (g->n_values + 1))};
    int rc = 0;
    if (!q.prod || !q.uses) {
        rc = dlk_fail(err, "%s: out of memory", g->path);
        goto done;
    }
    index_graph(&q);
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].dead) continue;
        /* the node's inputs and outputs before a fusion rewrites it: the index is updated for the
         * nodes a fusion touches only (re-indexing the whole graph after each one was quadratic) */
        int old_in[DLK_NODE_MAX_IN], old_out[DLK_NODE_MAX_OUT], old_nin = g->nodes[i].n_in, old_nout = g->nodes[i].n_out;
        memcpy(old_in, g->nodes[i].in, sizeof(int) * (size_t)old_nin);
        memcpy(old_out, g->nodes[i].out, sizeof(int) * (size_t)old_nout);
        int old_nv = g->n_values, killed[MAX_KILLED];
        int r = fuse_node(&q, i, killed); /* changes the graph only when it returns 1 */
        if (r < 0) {
            rc = dlk_fail(err, "%s: out of memory", g->path);
            goto done;
        }
        if (r > 0) {
            /* zero-point constants may have grown the value table */
            int *p2 = realloc(q.prod, sizeof(int) * (g->n_values + 1)), *u2 = p2 ? realloc(q.uses, sizeof(int) * (g->n_values + 1)) : NULL;
            if (p2) q.prod = p2;
            if (u2) q.uses = u2;
            if (!p2 || !u2) {
                rc = dlk_fail(err, "%s: out of memory", g->path);
                goto done;
            }
            for (int v = old_nv; v < g->n_values; v++) {
                q.prod[v] = -1;
                q.uses[v] = g->values[v].is_output;
            }
            for (int k = 0; k < MAX_KILLED; k++) {
                if (killed[k] < 0) continue;
                const dlk_node *d = &g->nodes[killed[k]];
                for (int s = 0; s < d->n_in; s++)
                    if (d->in[s] >= 0) q.uses[d->in[s]]--;
                for (int s = 0; s < d->n_out; s++)
                    if (d->out[s] >= 0 && q.prod[d->out[s]] == killed[k]) q.prod[d->out[s]] = -1;
            }
            for (int s = 0; s < old_nin; s++)
                if (old_in[s] >= 0) q.uses[old_in[s]]--;
            for (int s = 0; s < old_nout; s++)
                if (old_out[s] >= 0 && q.prod[old_out[s]] == i) q.prod[old_out[s]] = -1;
            const dlk_node *n = &g->nodes[i];
            for (int s = 0; s < n->n_in; s++)
                if (n->in[s] >= 0) q.uses[n->in[s]]++;
            for (int s = 0; s < n->n_out; s++)
                if (n->out[s] >= 0) q.prod[n->out[s]] = i;
#ifdef DLK_CHECK_QDQ_INDEX
            { /* debug: the incremental index equals a full one */
                qdq_ctx f = {g, malloc(sizeof(int) * (g->n_values + 1)), malloc(sizeof(int) * (g->n_values + 1))};
                index_graph(&f);
                for (int v = 0; v < g->n_values; v++)
                    if (f.prod[v] != q.prod[v] || f.uses[v] != q.uses[v]) abort();
                free(f.prod);
                free(f.uses);
            }
#endif
        }
    }
    dlk_pass_dead_code(g);
done:
    free(q.prod);
    free(q.uses);
    return rc;
}

/* Removes nodes none of whose outputs is used, in linear time: a worklist of nodes whose outputs
 * lost their last use. */
void dlk_pass_dead_code(dlk_graph *g)
{
    int *uses = calloc(g->n_values + 1, sizeof(int));
    int *prod = malloc(sizeof(int) * (g->n_values + 1));
    int *work = malloc(sizeof(int) * (g->n_nodes + 1));
    if (!uses || !prod || !work) goto done; /* dead code stays: correct, only slower */
    for (int v = 0; v < g->n_values; v++) {
        uses[v] = g->values[v].is_output;
        prod[v] = -1;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] >= 0) uses[n->in[s]]++;
        for (int s = 0; s < n->n_out; s++)
            if (n->out[s] >= 0) prod[n->out[s]] = i;
    }
    int top = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        int used = 0;
        for (int s = 0; s < n->n_out; s++) used |= n->out[s] >= 0 && uses[n->out[s]] > 0;
        if (!used) {
            n->dead = 1;
            work[top++] = i;
        }
    }
    while (top > 0) {
        const dlk_node *n = &g->nodes[work[--top]];
        for (int s = 0; s < n->n_in; s++) {
            int v = n->in[s];
            if (v < 0 || --uses[v] > 0 || prod[v] < 0) continue;
            dlk_node *p = &g->nodes[prod[v]];
            if (p->dead) continue;
            int used = 0;
            for (int k = 0; k < p->n_out; k++) used |= p->out[k] >= 0 && uses[p->out[k]] > 0;
            if (!used) {
                p->dead = 1;
                work[top++] = prod[v];
            }
        }
    }
done:
    free(uses);
    free(prod);
    free(work);
}
