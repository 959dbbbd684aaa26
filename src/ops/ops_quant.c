/* QuantizeLinear, DequantizeLinear, QLinearMatMul. */
#include "ops.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t outer, axis_len, inner;
    dlk_q8type t;
    int is_i32;
    float *scale;
    int32_t *zp;
    /* QuantizeLinear per tensor: the table's kernel (chosen at prepare), split between threads;
     * NULL: the per-axis reference */
    void (*quantize)(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
} qparams;

/* Scale/zero point: scalars (per tensor) or 1-D of the axis's length (per axis, opset >= 13). */
static int quant_common(dlk_op *op, int data_is_quantized, dlk_err *err)
{
    if (dlk_op_check_arity(op, 2, 3, 1, err)) return -1;
    const dlk_shape *xs = &op->in[0]->shape;
    const dlk_tensor *st = op->in[1], *zt = op->n_in > 2 ? op->in[2] : NULL;
    if (!st->is_const || (zt && !zt->is_const)) return dlk_fail(err, "scale and zero point must be constants");
    if (st->shape.dtype != DLK_FLOAT) return dlk_fail(err, "scale must be float");
    int64_t ns = dlk_shape_numel(&st->shape);
    qparams *p = calloc(1, sizeof *p + (sizeof(float) + sizeof(int32_t)) * (size_t)(ns > 0 ? ns : 1));
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    p->scale = (float *)(p + 1);
    p->zp = (int32_t *)(p->scale + (ns > 0 ? ns : 1));
    p->outer = p->inner = 1;
    p->axis_len = 1;
    if (ns != 1) {
        if (st->shape.ndim != 1 || op->opset < 13) return dlk_fail(err, "scale must be a scalar or (opset >= 13) 1-D");
        int64_t axis = dlk_attr_int(op->node, "axis", 1);
        if (axis < -xs->ndim || axis >= xs->ndim) return dlk_fail(err, "axis %lld out of range", (long long)axis);
        if (axis < 0) axis += xs->ndim;
        if (xs->dims[axis] != ns) return dlk_fail(err, "scale has %lld values, axis %lld has %lld", (long long)ns, (long long)axis, (long long)xs->dims[axis]);
        for (int i = 0; i < xs->ndim; i++) {
            if (i < axis) p->outer *= xs->dims[i];
            if (i > axis) p->inner *= xs->dims[i];
        }
        p->axis_len = ns;
    } else {
        p->outer = dlk_shape_numel(xs);
    }
    dlk_dtype qtype = data_is_quantized ? xs->dtype : (zt ? zt->shape.dtype : DLK_UINT8);
    p->is_i32 = data_is_quantized && qtype == DLK_INT32;
    if (!p->is_i32 && dlk_q8type_of(qtype, &p->t)) return dlk_fail(err, "quantized type %s is not supported", dlk_dtype_name(qtype));
    if (zt) {
        if (zt->shape.dtype != qtype) return dlk_fail(err, "zero point type differs from the quantized data");
        if (dlk_shape_numel(&zt->shape) != ns) return dlk_fail(err, "zero point and scale differ in size");
    }
    for (int64_t i = 0; i < ns; i++) {
        p->scale[i] = ((const float *)st->data)[i];
        if (dlk_check_scale(p->scale[i], "scale", err)) return -1;
        p->zp[i] = 0;
        if (zt) {
            switch (qtype) {
            case DLK_UINT8: p->zp[i] = ((const uint8_t *)zt->data)[i]; break;
            case DLK_INT8: p->zp[i] = ((const int8_t *)zt->data)[i]; break;
            default: p->zp[i] = ((const int32_t *)zt->data)[i]; break;
            }
        }
        if (p->is_i32 && p->zp[i]) return dlk_fail(err, "int32 data needs a zero point of 0");
    }
    dlk_shape_set(&op->out[0]->shape, data_is_quantized ? DLK_FLOAT : qtype, xs->ndim, xs->dims);
    return 0;
}

static int quantize_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_need_dtype(op, 0, DLK_FLOAT, err)) return -1;
    if (quant_common(op, 0, err)) return -1;
    qparams *p = op->params;
    p->quantize = p->axis_len == 1 ? op->k->quantize_q8 : NULL;
    op->parallel = p->quantize && p->outer * p->inner >= DLK_PARALLEL_MIN_ELEMS;
    return 0;
}

static void quantize_run(const dlk_op *op, const dlk_exec *ex)
{
    const qparams *p = op->params;
    if (p->quantize) { /* per tensor: each thread its slice */
        int64_t b, e;
        dlk_split(p->outer * p->inner, ex->ith, ex->nth, 64, &b, &e);
        if (e > b)
            p->quantize(e - b, (const float *)op->in[0]->data + b, p->scale[0], p->zp[0], p->t,
                               (uint8_t *)op->out[0]->data + b);
        return;
    }
    dlk_quantize_ref(p->outer, p->axis_len, p->inner, op->in[0]->data, p->scale, p->zp, p->t, op->out[0]->data);
}

static int dequantize_prepare(dlk_op *op, dlk_err *err)
{
    dlk_dtype t = op->in[0] ? op->in[0]->shape.dtype : DLK_UNDEFINED;
    if (t != DLK_UINT8 && t != DLK_INT8 && t != DLK_INT32) return dlk_fail(err, "input must be int8, uint8 or int32");
    return quant_common(op, 1, err);
}

static void dequantize_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const qparams *p = op->params;
    dlk_dequantize_ref(p->outer, p->axis_len, p->inner, op->in[0]->data, p->t, p->is_i32, p->scale, p->zp,
                       op->out[0]->data);
}

const dlk_opdef dlk_op_QuantizeLinear = {"QuantizeLinear", 0x6, quantize_prepare, quantize_run, NULL};
const dlk_opdef dlk_op_DequantizeLinear = {"DequantizeLinear", 0x6, dequantize_prepare, dequantize_run, NULL};

/* QLinearMatMul (2-D): a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp. */
typedef struct {
    int M, N, K;
    dlk_q8type at, bt, yt;
    float as, bs, ys;
    int azp, bzp, yzp;
} qmm_params;

static int qmatmul_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_check_arity(op, 8, 8, 1, err)) return -1;
    qmm_params *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_shape *a = &op->in[0]->shape, *b = &op->in[3]->shape;
    if (dlk_q8type_of(a->dtype, &p->at) || dlk_q8type_of(b->dtype, &p->bt) || dlk_q8type_of(op->in[7]->shape.dtype, &p->yt))
        return dlk_fail(err, "inputs must be int8 or uint8");
    if (a->ndim != 2 || b->ndim != 2 || a->dims[1] != b->dims[0]) return dlk_fail(err, "only 2-D A[M,K] x B[K,N] is supported");
    if (dlk_op_scale_f(op, 1, &p->as, err) || dlk_op_scalar_i(op, 2, &p->azp, err) || dlk_op_scale_f(op, 4, &p->bs, err) ||
        dlk_op_scalar_i(op, 5, &p->bzp, err) || dlk_op_scale_f(op, 6, &p->ys, err) || dlk_op_scalar_i(op, 7, &p->yzp, err))
        return -1;
    if (a->dims[1] > INT32_MAX / (255 * 255)) return dlk_fail(err, "K = %lld could overflow the int32 accumulator", (long long)a->dims[1]);
    p->M = (int)a->dims[0];
    p->K = (int)a->dims[1];
    p->N = (int)b->dims[1];
    int64_t d[2] = {p->M, p->N};
    dlk_shape_set(&op->out[0]->shape, op->in[7]->shape.dtype, 2, d);
    return 0;
}

static void qmatmul_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const qmm_params *p = op->params;
    dlk_qmatmul_q8_ref(p->M, p->N, p->K, p->at, op->in[0]->data, p->as, p->azp, p->bt, op->in[3]->data, p->bs, p->bzp,
                       p->yt, p->ys, p->yzp, op->out[0]->data);
}

const dlk_opdef dlk_op_QLinearMatMul = {"QLinearMatMul", 0xF6, qmatmul_prepare, qmatmul_run, NULL};
