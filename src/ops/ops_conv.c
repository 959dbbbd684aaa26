/* Conv (float) and QLinearConv (int8/uint8, ORT's integer semantics). */
#include "ops.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work below this many multiply-accumulates runs on one thread: splitting it costs more in
 * synchronisation than it saves. */
#define PARALLEL_MIN_MACS 300000

static int worth_threads(const dlk_conv_geom *g)
{
    return (int64_t)g->n * g->c_out * g->h_out * g->w_out * (g->c_in / g->group) * g->kh * g->kw >= PARALLEL_MIN_MACS;
}

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
    g->h_out = s.h_out;
    g->w_out = s.w_out;
    g->kh = s.kh;
    g->kw = s.kw;
    g->sh = s.sh;
    g->sw = s.sw;
    g->dh = s.dh;
    g->dw = s.dw;
    g->pad_t = s.pad_t;
    g->pad_l = s.pad_l;
    g->group = (int)group;
    return 0;
}

/* Float Conv: the geometry first (the reference reads it as a dlk_conv_geom), then, when the weights
 * and bias are constants, the table's kernel for it (the reference at worst) and its packed weights. */
typedef struct {
    dlk_conv_geom g;
    const dlk_fconv_impl *impl; /* the table's kernel, or NULL: weights not constant (the reference) */
    const void *packed;         /* its packed weights, the model's (dlk_op_packed) */
    int relu;          /* dlk_relu (a Relu fused by dlk_pass_fuse_conv_relu): outputs max(v, 0) */
    int sum;           /* dlk_sum (an Add fused by the same pass): input 3 is added before the Relu */
    dlk_bcast bc;      /* sum: how input 3 broadcasts to the output */
    int sum_bcast;     /* sum: input 3 is not of the output's shape (added after the convolution) */
} fconv_params;

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
    if (dlk_op_check_arity(op, 2, sum ? 4 : 3, 1, err)) return -1;
    if (sum && (op->n_in != 4 || !op->in[3])) return dlk_fail(err, "a fused Add needs its operand as input 4");
    for (int i = 0; i < op->n_in; i++)
        if (op->in[i] && dlk_op_need_dtype(op, i, DLK_FLOAT, err)) return -1;
    const size_t head = (sizeof(fconv_params) + 63) / 64 * 64;
    fconv_params *f = aligned_alloc(64, head);
    if (!f) return dlk_fail(err, "out of memory");
    memset(f, 0, head);
    op->params = f;
    dlk_conv_geom *g = &f->g;
    if (conv_geom(op, 0, 1, g, err)) return -1;
    const dlk_tensor *bt = op->n_in > 2 ? op->in[2] : NULL;
    if (bt && (bt->shape.ndim != 1 || bt->shape.dims[0] != g->c_out))
        return dlk_fail(err, "bias must have %d values", g->c_out);
    int64_t d[4] = {g->n, g->c_out, g->h_out, g->w_out};
    dlk_shape_set(&op->out[0]->shape, DLK_FLOAT, 4, d);
    f->relu = (int)dlk_attr_int(op->node, "dlk_relu", 0);
    f->sum = sum;
    if (sum) {
        /* the Add's operand: of the output's shape (added in the kernels' stores), or broadcast to it
         * (added after the convolution); one that would enlarge the output is refused */
        const dlk_shape *rs = &op->in[3]->shape, *ys = &op->out[0]->shape;
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
    /* a kernel of the table when the weights (and bias) are constants it can pack; which one
     * waits for the layouts (conv_finish) */
    const dlk_kernels *k = op->k;
    if (!dlk_fconv_pick(k, g) || !op->in[1]->is_const || (bt && !bt->is_const)) return 0;
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
    fconv_params *f = op->params;
    dlk_conv_geom *g = &f->g;
    g->layout_in = op->in[0]->layout;
    g->layout_out = op->out[0]->layout;
    const dlk_fconv_impl *impl = dlk_fconv_pick(op->k, g);
    if (!impl) return dlk_fail(err, "no float conv kernel takes layouts %d -> %d", g->layout_in, g->layout_out);
    const dlk_tensor *bt = op->n_in > 2 ? op->in[2] : NULL;
    const fpack_arg pa = {impl, g, op->in[1]->data, bt ? bt->data : NULL};
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
    const fconv_params *f = op->params;
    if (f->packed && !f->sum_bcast) { /* the kernel adds the sum and clamps in its stores */
        const float *sum = f->sum ? op->in[3]->data : NULL;
        f->impl->run(&f->g, f->packed, op->in[0]->data, op->out[0]->data, sum, ex->scratch, f->relu, ex->ith, ex->nth);
        return;
    }
    /* weights not constant, or a broadcast sum: convolution, then the Add and the Relu over the output */
    float *y = op->out[0]->data;
    if (f->packed) {
        f->impl->run(&f->g, f->packed, op->in[0]->data, y, NULL, ex->scratch, 0, ex->ith, ex->nth);
    } else {
        const dlk_tensor *b = op->n_in > 2 ? op->in[2] : NULL;
        dlk_conv_f32_ref(&f->g, op->in[0]->data, op->in[1]->data, b ? b->data : NULL, y);
    }
    if (f->sum) dlk_binary_f32_ref(DLK_BIN_ADD, f->bc.ndim, f->bc.out, f->bc.a_str, f->bc.b_str, y, op->in[3]->data, y);
    if (f->relu) dlk_relu_f32_ref(dlk_shape_numel(&op->out[0]->shape), y, y);
}

const dlk_opdef dlk_op_Conv = {"Conv", 0, conv_prepare, conv_run, NULL};

/* QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [bias int32]. The internal
 * attribute dlk_relu (set by the QDQ pass when a Relu sits between Conv and QuantizeLinear) raises
 * the output clamp to the zero point, which is exactly quantize(relu(v)). */
typedef struct {
    dlk_qconv_params p;
    float *scale;
    int32_t *w_zp;
    const dlk_qconv_impl *impl;   /* the table's kernel, or NULL: weights not constant (the reference) */
    const void *packed;           /* its packed weights, the model's (dlk_op_packed) */
} qconv_params;

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
    if (dlk_op_check_arity(op, 8, 9, 1, err)) return -1;
    dlk_q8type xt, wt, yt;
    if (dlk_q8type_of(op->in[0]->shape.dtype, &xt)) return dlk_fail(err, "input x must be int8 or uint8");
    if (dlk_q8type_of(op->in[3]->shape.dtype, &wt)) return dlk_fail(err, "weights must be int8 or uint8");
    if (dlk_q8type_of(op->in[7]->shape.dtype, &yt)) return dlk_fail(err, "y_zero_point must be int8 or uint8");
    if (op->in[2]->shape.dtype != op->in[0]->shape.dtype) return dlk_fail(err, "x_zero_point type differs from x");
    if (op->in[5]->shape.dtype != op->in[3]->shape.dtype) return dlk_fail(err, "w_zero_point type differs from w");
    if (op->n_in > 8 && op->in[8] && dlk_op_need_dtype(op, 8, DLK_INT32, err)) return -1;
    dlk_conv_geom g;
    if (conv_geom(op, 0, 3, &g, err)) return -1;
    int M = g.c_out;
    size_t head = (sizeof(qconv_params) + sizeof(float) * M + sizeof(int32_t) * M + 63) / 64 * 64;
    qconv_params *q = aligned_alloc(64, head);
    if (!q) return dlk_fail(err, "out of memory");
    memset(q, 0, head);
    op->params = q;
    q->scale = (float *)(q + 1);
    q->w_zp = (int32_t *)(q->scale + M);
    float xs, ys;
    int xzp, yzp;
    if (dlk_op_scale_f(op, 1, &xs, err) || dlk_op_scalar_i(op, 2, &xzp, err) || dlk_op_scale_f(op, 6, &ys, err) ||
        dlk_op_scalar_i(op, 7, &yzp, err))
        return -1;
    const dlk_tensor *ws = op->in[4], *wz = op->in[5];
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
    if (op->n_in > 8 && op->in[8] && dlk_shape_numel(&op->in[8]->shape) != M)
        return dlk_fail(err, "bias must have %d values", M);
    /* the int32 accumulator must not overflow: |bias| + taps * 255 * 255 < 2^31 */
    int64_t taps = (int64_t)(g.c_in / g.group) * g.kh * g.kw, amax = taps * 255 * 255;
    if (op->n_in > 8 && op->in[8] && !op->in[8]->is_const) return dlk_fail(err, "the bias must be a constant");
    for (int c = 0; c < M && op->n_in > 8 && op->in[8]; c++) {
        int64_t b = ((const int32_t *)op->in[8]->data)[c];
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
    dlk_shape_set(&op->out[0]->shape, op->in[7]->shape.dtype, 4, d);
    /* The table's kernel (the reference at worst) when the weights (and bias) are constants it can
     * pack now (once per model and geometry: what it packs derives from this node's constants). */
    const dlk_tensor *bt = op->n_in > 8 ? op->in[8] : NULL;
    const dlk_qconv_impl *impl = dlk_qconv_pick(op->k, &q->p);
    if (impl && op->in[3]->is_const && (!bt || bt->is_const)) {
        const qpack_arg pa = {impl, &q->p, op->in[3]->data, bt ? bt->data : NULL};
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
    const qconv_params *q = op->params;
    const dlk_tensor *b = op->n_in > 8 ? op->in[8] : NULL;
    if (q->impl)
        q->impl->run(&q->p, q->packed, op->in[0]->data, op->out[0]->data, ex->scratch, ex->ith, ex->nth);
    else
        dlk_conv_q8_ref(&q->p, op->in[0]->data, op->in[3]->data, b ? b->data : NULL, op->out[0]->data, NULL);
}

/* scales and zero points (slots 1, 2, 4, 5, 6, 7) are folded into the prepared parameters; the bias
 * (slot 8) is checked against int32 overflow when the context is made */
const dlk_opdef dlk_op_QLinearConv = {"QLinearConv", 0x1F6, qconv_prepare, qconv_run, NULL};
