/* SPDX-License-Identifier: Apache-2.0 */
/* Conv (float) and QLinearConv (int8/uint8, ORT's integer semantics). */
#include "ops/conv.h"
#include "ops/packs.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work below this many multiply-accumulates runs on one thread: splitting it costs more in
 * synchronisation than it saves. */
#define PARALLEL_MIN_MACS 300000

/* the one MAC count of a convolution: every output value sums (c_in / group) * kh * kw products */
static int64_t geom_macs(const dlk_conv_geom *g)
{
    return (int64_t)g->n * g->c_out * g->h_out * g->w_out * (g->c_in / g->group) * g->kh * g->kw;
}

static int worth_threads(const dlk_conv_geom *g) { return geom_macs(g) >= PARALLEL_MIN_MACS; }

/* Shared shape logic: X [N,C,H,W], W [M,C/group,kH,kW] -> geometry and Y [N,M,oH,oW]. */
static int conv_geom(dlk_op *op, int x_slot, int w_slot, dlk_conv_geom *g, dlk_err *err)
{
    const dlk_shape *xs = &op->in[x_slot]->shape, *ws = &op->in[w_slot]->shape;
    if (xs->ndim != 4) return dlk_fail(err, "input must be 4-D NCHW (2-D convolution), is %d-D", xs->ndim);
    if (ws->ndim != 4) return dlk_fail(err, "weights must be 4-D, are %d-D", ws->ndim);
    int64_t group = dlk_attr_int(op->node, "group", 1);
    if (group < 1 || xs->dims[1] % group || ws->dims[0] % group)
        return dlk_fail(err, "group %lld does not divide the channels (%lld in, %lld out)", (long long)group,
                        (long long)xs->dims[1], (long long)ws->dims[0]);
    if (ws->dims[1] * group != xs->dims[1])
        return dlk_fail(err, "weights expect %lld input channels, the input has %lld", (long long)(ws->dims[1] * group),
                        (long long)xs->dims[1]);
    const int64_t *ks;
    int nk = dlk_attr_ints(op->node, "kernel_shape", &ks);
    if (nk >= 0 && (nk != 2 || ks[0] != ws->dims[2] || ks[1] != ws->dims[3]))
        return dlk_fail(err, "kernel_shape does not match the weights");
    for (int i = 0; i < 4; i++)
        if (xs->dims[i] > (1 << 24) || ws->dims[i] > (1 << 24)) return dlk_fail(err, "dimensions too large");
    dlk_spatial s;
    if (dlk_op_spatial(op, (int)xs->dims[2], (int)xs->dims[3], (int)ws->dims[2], (int)ws->dims[3], 0, &s, err)) return -1;
    memset(g, 0, sizeof *g);
    g->n = (int)xs->dims[0];
    g->c_in = (int)xs->dims[1];
    g->h_in = (int)xs->dims[2];
    g->w_in = (int)xs->dims[3];
    g->c_out = (int)ws->dims[0];
    DLK_SPATIAL_TO_GEOM(g, &s);
    g->group = (int)group;
    return 0;
}

typedef struct {
    const dlk_fconv_impl *impl;
    const dlk_conv_geom *g;
    const float *w, *b;
} fpack_arg;

static void fpack_fill(void *dst, const void *arg)
{
    const fpack_arg *a = arg;
    a->impl->pack(a->g, a->w, a->b, dst);
}

static int conv_finish(dlk_op *op, dlk_err *err);

static int conv_prepare(dlk_op *op, dlk_err *err)
{
    const int sum = (int)dlk_attr_int(op->node, "dlk_sum", 0);
    if (sum && (op->n_in != 4 || !op->in[DLK_CONV_SUM])) return dlk_fail(err, "a fused Add needs its operand as input 4");
    for (int i = 0; i < op->n_in; i++)
        if (op->in[i] && dlk_op_need_dtype(op, i, DLK_FLOAT, err)) return -1;
    const size_t head = (sizeof(dlk_conv_data) + 63) / 64 * 64;
    dlk_conv_data *f = aligned_alloc(64, head);
    if (!f) return dlk_fail(err, "out of memory");
    memset(f, 0, head);
    op->params = f;
    dlk_conv_geom *g = &f->g;
    if (conv_geom(op, DLK_CONV_X, DLK_CONV_W, g, err)) return -1;
    const dlk_tensor *bt = dlk_op_input(op, DLK_CONV_B);
    if (bt && (bt->shape.ndim != 1 || bt->shape.dims[0] != g->c_out))
        return dlk_fail(err, "bias must have %d values", g->c_out);
    int64_t d[4] = {g->n, g->c_out, g->h_out, g->w_out};
    dlk_shape_set(&op->out[0]->shape, DLK_FLOAT, 4, d);
    f->relu = (int)dlk_attr_int(op->node, "dlk_relu", 0);
    f->sum = sum;
    if (sum) {
        /* the Add's operand: of the output's shape (added in the kernels' stores), or broadcast to it
         * (added after the convolution); one that would enlarge the output is refused */
        const dlk_shape *rs = &op->in[DLK_CONV_SUM]->shape, *ys = &op->out[0]->shape;
        int same = rs->ndim == ys->ndim;
        for (int i = 0; same && i < ys->ndim; i++) same = rs->dims[i] == ys->dims[i];
        const char *add = dlk_attr_str(op->node, "dlk_sum_node", "");
        if (dlk_broadcast(ys, rs, &f->bc, err)) {
            dlk_err_prefix(err, "the Add '%s' fused into it", add);
            return -1;
        }
        for (int i = 0; i < f->bc.ndim; i++)
            if (f->bc.ndim != ys->ndim || f->bc.out[i] != ys->dims[i])
                return dlk_fail(err, "the Add '%s' fused into it would broadcast its output: not supported", add);
        f->sum_bcast = !same;
    }
    /* a kernel of the table when the weights (and bias) are constants it can pack; which one waits for
     * the layouts (conv_finish) */
    const dlk_kernels *k = op->k;
    if (!dlk_fconv_pick(k, g) || !op->in[DLK_CONV_W]->is_const || (bt && !bt->is_const)) return 0;
    op->finish = conv_finish;
    /* channel-blocked values in and out where the broadcast kernel takes them, and where it pays:
     * 16 output channels fill one vector of weights only (the stem and level 0 of DLA stay NCHW) */
    int blocked = !f->sum_bcast && g->group == 1 && g->c_in % 16 == 0 && g->c_out % 16 == 0 && g->c_out >= 32;
    for (int l = 1; l < 4 && blocked; l++) {
        dlk_conv_geom gl = *g;
        gl.layout_in = l & 1 ? DLK_NCHW16C : DLK_NCHW;
        gl.layout_out = l & 2 ? DLK_NCHW16C : DLK_NCHW;
        blocked = dlk_fconv_pick(k, &gl) != NULL;
    }
    if (blocked) op->layout_rule = DLK_LAYOUT_FREE;
    return 0;
}

/* Once the layouts are known: the kernel for them, its packed weights and scratch. */
static int conv_finish(dlk_op *op, dlk_err *err)
{
    dlk_conv_data *f = op->params;
    dlk_conv_geom *g = &f->g;
    g->layout_in = op->in[DLK_CONV_X]->layout;
    g->layout_out = op->out[0]->layout;
    const dlk_fconv_impl *impl = dlk_fconv_pick(op->k, g);
    if (!impl) return dlk_fail(err, "no float conv kernel takes layouts %d -> %d", g->layout_in, g->layout_out);
    const dlk_tensor *bt = dlk_op_input(op, DLK_CONV_B);
    const fpack_arg pa = {impl, g, op->in[DLK_CONV_W]->data, bt ? bt->data : NULL};
    f->packed = dlk_op_packed(op, impl, g, impl->packed_bytes(g), fpack_fill, &pa, err);
    if (!f->packed) return -1;
    f->impl = impl;
    snprintf(op->kernel, sizeof op->kernel, "%s", impl->name);
    op->scratch_bytes = impl->scratch_bytes(&f->g);
    op->parallel = worth_threads(&f->g) && !f->sum_bcast; /* a broadcast sum is added in place after */
    return 0;
}

static void conv_run(const dlk_op *op, const dlk_exec *ex)
{
    const dlk_conv_data *f = op->params;
    if (f->packed && !f->sum_bcast) { /* the kernel adds the sum and clamps in its stores */
        const float *sum = f->sum ? op->in[DLK_CONV_SUM]->data : NULL;
        f->impl->run(&f->g, f->packed, op->in[DLK_CONV_X]->data, op->out[0]->data, sum, ex->scratch, f->relu, ex->ith, ex->nth);
        return;
    }
    /* weights not constant, or a broadcast sum: convolution, then the Add and the Relu over the output */
    float *y = op->out[0]->data;
    if (f->packed) {
        f->impl->run(&f->g, f->packed, op->in[DLK_CONV_X]->data, y, NULL, ex->scratch, 0, ex->ith, ex->nth);
    } else {
        const dlk_tensor *b = dlk_op_input(op, DLK_CONV_B);
        dlk_conv_f32_ref(&f->g, op->in[DLK_CONV_X]->data, op->in[DLK_CONV_W]->data, b ? b->data : NULL, y);
    }
    if (f->sum) dlk_binary_f32_ref(DLK_BIN_ADD, f->bc.ndim, f->bc.out, f->bc.a_str, f->bc.b_str, y, op->in[DLK_CONV_SUM]->data, y);
    if (f->relu) dlk_relu_f32_ref(dlk_shape_numel(&op->out[0]->shape), y, y);
}

static int64_t conv_macs(const dlk_op *op) { return geom_macs(&((const dlk_conv_data *)op->params)->g); }

const dlk_conv_data *dlk_conv_data_of(const dlk_op *op) { return op->node->op == &dlk_op_Conv ? op->params : NULL; }

const dlk_opdef dlk_op_Conv = {.name = "Conv", .prepare = conv_prepare, .run = conv_run, .id = DLK_OP_Conv, .min_in = 2,
                               .max_in = 3, .max_out = 1, .macs = conv_macs};

/* QLinearConv (slots in ops/conv.h). The internal
 * attribute dlk_relu (set by the QDQ pass when a Relu sits between Conv and QuantizeLinear) raises
 * the output clamp to the zero point, which is exactly quantize(relu(v)). */
typedef struct {
    const dlk_qconv_impl *impl;
    const dlk_qconv_params *p;
    const void *w;
    const int32_t *b;
} qpack_arg;

static void qpack_fill(void *dst, const void *arg)
{
    const qpack_arg *a = arg;
    a->impl->pack(a->p, a->w, a->b, dst);
}


static int qconv_prepare(dlk_op *op, dlk_err *err)
{
    dlk_q8type xt, wt, yt;
    if (dlk_q8type_of(op->in[DLK_QCONV_X]->shape.dtype, &xt)) return dlk_fail(err, "input x must be int8 or uint8");
    if (dlk_q8type_of(op->in[DLK_QCONV_W]->shape.dtype, &wt)) return dlk_fail(err, "weights must be int8 or uint8");
    if (dlk_q8type_of(op->in[DLK_QCONV_Y_ZP]->shape.dtype, &yt)) return dlk_fail(err, "y_zero_point must be int8 or uint8");
    if (op->in[DLK_QCONV_X_ZP]->shape.dtype != op->in[DLK_QCONV_X]->shape.dtype) return dlk_fail(err, "x_zero_point type differs from x");
    if (op->in[DLK_QCONV_W_ZP]->shape.dtype != op->in[DLK_QCONV_W]->shape.dtype) return dlk_fail(err, "w_zero_point type differs from w");
    if (dlk_op_input(op, DLK_QCONV_B) && dlk_op_need_dtype(op, DLK_QCONV_B, DLK_INT32, err)) return -1;
    dlk_conv_geom g;
    if (conv_geom(op, DLK_QCONV_X, DLK_QCONV_W, &g, err)) return -1;
    int M = g.c_out;
    size_t head = (sizeof(dlk_qconv_data) + sizeof(float) * M + sizeof(int32_t) * M + 63) / 64 * 64;
    dlk_qconv_data *q = aligned_alloc(64, head);
    if (!q) return dlk_fail(err, "out of memory");
    memset(q, 0, head);
    op->params = q;
    q->scale = (float *)(q + 1);
    q->w_zp = (int32_t *)(q->scale + M);
    float xs, ys;
    int xzp, yzp;
    if (dlk_op_scale_f(op, DLK_QCONV_X_SCALE, &xs, err) || dlk_op_scalar_i(op, DLK_QCONV_X_ZP, &xzp, err) ||
        dlk_op_scale_f(op, DLK_QCONV_Y_SCALE, &ys, err) || dlk_op_scalar_i(op, DLK_QCONV_Y_ZP, &yzp, err))
        return -1;
    const dlk_tensor *ws = op->in[DLK_QCONV_W_SCALE], *wz = op->in[DLK_QCONV_W_ZP];
    int64_t nws = dlk_shape_numel(&ws->shape), nwz = dlk_shape_numel(&wz->shape);
    if (!ws->is_const || !wz->is_const) return dlk_fail(err, "w_scale and w_zero_point must be constants");
    if (ws->shape.dtype != DLK_FLOAT || (nws != 1 && nws != M) || (nwz != 1 && nwz != M) || nws != nwz)
        return dlk_fail(err, "w_scale / w_zero_point must have 1 or %d values of matching count", M);
    if (!(xs > 0) || !(ys > 0)) return dlk_fail(err, "scales must be positive");
    int any_zp = 0;
    for (int c = 0; c < M; c++) {
        float w_s = ((const float *)ws->data)[nws == 1 ? 0 : c];
        if (dlk_check_scale(w_s, "w_scale", err)) return -1;
        float prod = xs * w_s; /* f32(x_scale * w_scale[c]) */
        q->scale[c] = prod / ys;
        int z = wt == DLK_Q_U8 ? ((const uint8_t *)wz->data)[nwz == 1 ? 0 : c] : ((const int8_t *)wz->data)[nwz == 1 ? 0 : c];
        q->w_zp[c] = z;
        any_zp |= z != 0;
    }
    if (dlk_op_input(op, DLK_QCONV_B) && dlk_shape_numel(&op->in[DLK_QCONV_B]->shape) != M)
        return dlk_fail(err, "bias must have %d values", M);
    /* the int32 accumulator must not overflow: |bias| + taps * 255 * 255 < 2^31 */
    int64_t taps = (int64_t)(g.c_in / g.group) * g.kh * g.kw, amax = taps * 255 * 255;
    if (dlk_op_input(op, DLK_QCONV_B) && !op->in[DLK_QCONV_B]->is_const) return dlk_fail(err, "the bias must be a constant");
    for (int c = 0; c < M && dlk_op_input(op, DLK_QCONV_B); c++) {
        int64_t b = ((const int32_t *)op->in[DLK_QCONV_B]->data)[c];
        if ((b < 0 ? -b : b) + amax > INT32_MAX)
            return dlk_fail(err, "bias[%d] = %lld with %lld taps could overflow the int32 accumulator", c, (long long)b,
                            (long long)taps);
    }
    if (amax > INT32_MAX) return dlk_fail(err, "%lld taps could overflow the int32 accumulator", (long long)taps);
    q->p.g = g;
    q->p.x_type = xt;
    q->p.w_type = wt;
    q->p.y_type = yt;
    q->p.x_zp = xzp;
    q->p.y_zp = yzp;
    q->p.y_lo = dlk_q8_lo(yt);
    q->p.y_hi = dlk_q8_hi(yt);
    if (dlk_attr_int(op->node, "dlk_relu", 0) && yzp > q->p.y_lo) q->p.y_lo = yzp;
    q->p.w_zp = any_zp ? q->w_zp : NULL;
    q->p.scale = q->scale;
    int64_t d[4] = {g.n, g.c_out, g.h_out, g.w_out};
    dlk_shape_set(&op->out[0]->shape, op->in[DLK_QCONV_Y_ZP]->shape.dtype, 4, d);
    /* The table's kernel (the reference at worst) when the weights (and bias) are constants it can pack now (once per model and
     * geometry: what it packs derives from this node's constants)). */
    const dlk_tensor *bt = dlk_op_input(op, DLK_QCONV_B);
    const dlk_qconv_impl *impl = dlk_qconv_pick(op->k, &q->p);
    if (impl && op->in[DLK_QCONV_W]->is_const && (!bt || bt->is_const)) {
        const qpack_arg pa = {impl, &q->p, op->in[DLK_QCONV_W]->data, bt ? bt->data : NULL};
        q->packed = dlk_op_packed(op, impl, &q->p.g, impl->packed_bytes(&q->p), qpack_fill, &pa, err);
        if (!q->packed) return -1;
        q->impl = impl;
        snprintf(op->kernel, sizeof op->kernel, "%s", impl->name);
        op->scratch_bytes = impl->scratch_bytes(&q->p);
        op->parallel = worth_threads(&q->p.g);
    }
    return 0;
}

static void qconv_run(const dlk_op *op, const dlk_exec *ex)
{
    const dlk_qconv_data *q = op->params;
    const dlk_tensor *b = dlk_op_input(op, DLK_QCONV_B);
    if (q->impl)
        q->impl->run(&q->p, q->packed, op->in[DLK_QCONV_X]->data, op->out[0]->data, ex->scratch, ex->ith, ex->nth);
    else
        dlk_conv_q8_ref(&q->p, op->in[DLK_QCONV_X]->data, op->in[DLK_QCONV_W]->data, b ? b->data : NULL, op->out[0]->data, NULL);
}

static int64_t qconv_macs(const dlk_op *op) { return geom_macs(&((const dlk_qconv_data *)op->params)->p.g); }

const dlk_qconv_data *dlk_qconv_data_of(const dlk_op *op)
{
    return op->node->op == &dlk_op_QLinearConv ? op->params : NULL;
}

/* scales and zero points are folded into the prepared parameters; the bias is checked against
 * int32 overflow when the context is made */
#define QCONV_STATIC                                                                                         \
    (1u << DLK_QCONV_X_SCALE | 1u << DLK_QCONV_X_ZP | 1u << DLK_QCONV_W_SCALE | 1u << DLK_QCONV_W_ZP |          \
     1u << DLK_QCONV_Y_SCALE | 1u << DLK_QCONV_Y_ZP | 1u << DLK_QCONV_B)
const dlk_opdef dlk_op_QLinearConv = {.name = "QLinearConv", .static_inputs = QCONV_STATIC, .prepare = qconv_prepare,
                                      .run = qconv_run, .id = DLK_OP_QLinearConv, .min_in = 8, .max_in = 9, .max_out = 1,
                                      .macs = qconv_macs};
