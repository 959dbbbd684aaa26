/* SPDX-License-Identifier: Apache-2.0 */
/* QuantizeLinear, DequantizeLinear, QLinearMatMul. */
#include "ops/quant.h"
#include "ops/conv.h"
#include "ops/elem.h"
#include "ops/pool.h"
#include "ops/shape.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

/* Scale/zero point: scalars (per tensor) or 1-D of the axis's length (per axis, opset >= 13). */
static int quant_common(dlk_op *op, int data_is_quantized, dlk_err *err)
{
    const dlk_shape *xs = &op->in[DLK_QDQ_X]->shape;
    const dlk_tensor *st = op->in[DLK_QDQ_SCALE], *zt = dlk_op_input(op, DLK_QDQ_ZP);
    if (!st->is_const || (zt && !zt->is_const)) return dlk_fail(err, "scale and zero point must be constants");
    if (st->shape.dtype != DLK_FLOAT) return dlk_fail(err, "scale must be float");
    int64_t ns = dlk_shape_numel(&st->shape);
    dlk_qdq_data *p = calloc(1, sizeof *p + (sizeof(float) + sizeof(int32_t)) * (size_t)(ns > 0 ? ns : 1));
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
    if (dlk_op_need_dtype(op, DLK_QDQ_X, DLK_FLOAT, err)) return -1;
    if (quant_common(op, 0, err)) return -1;
    dlk_qdq_data *p = op->params;
    p->quantize = p->axis_len == 1 ? op->k->quantize_q8 : NULL;
    op->parallel = p->quantize && p->outer * p->inner >= DLK_PARALLEL_MIN_ELEMS;
    return 0;
}

static void quantize_run(const dlk_op *op, const dlk_exec *ex)
{
    const dlk_qdq_data *p = op->params;
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
    dlk_dtype t = op->in[DLK_QDQ_X]->shape.dtype;
    if (t != DLK_UINT8 && t != DLK_INT8 && t != DLK_INT32) return dlk_fail(err, "input must be int8, uint8 or int32");
    return quant_common(op, 1, err);
}

static void dequantize_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_qdq_data *p = op->params;
    dlk_dequantize_ref(p->outer, p->axis_len, p->inner, op->in[0]->data, p->t, p->is_i32, p->scale, p->zp,
                       op->out[0]->data);
}

const dlk_qdq_data *dlk_qdq_data_of(const dlk_op *op)
{
    return op->node->op == &dlk_op_QuantizeLinear || op->node->op == &dlk_op_DequantizeLinear ? op->params : NULL;
}

#define QDQ(n, prep, r)                                                                                      \
    {.name = #n, .static_inputs = 1u << DLK_QDQ_SCALE | 1u << DLK_QDQ_ZP, .prepare = prep, .run = r,          \
     .id = DLK_OP_##n, .min_in = 2, .max_in = 3, .max_out = 1}
const dlk_opdef dlk_op_QuantizeLinear = QDQ(QuantizeLinear, quantize_prepare, quantize_run);
const dlk_opdef dlk_op_DequantizeLinear = QDQ(DequantizeLinear, dequantize_prepare, dequantize_run);

/* QLinearMatMul (2-D, slots in ops/quant.h). */
typedef struct {
    int M, N, K;
    dlk_q8type at, bt, yt;
    float as, bs, ys;
    int azp, bzp, yzp;
} qmm_params;

static void qmatmul_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const qmm_params *p = op->params;
    dlk_qmatmul_q8_ref(p->M, p->N, p->K, p->at, op->in[DLK_QMM_A]->data, p->as, p->azp, p->bt, op->in[DLK_QMM_B]->data, p->bs, p->bzp,
                       p->yt, p->ys, p->yzp, op->out[0]->data);
}

static int qmatmul_prepare(dlk_op *op, dlk_err *err)
{
    qmm_params *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_shape *a = &op->in[DLK_QMM_A]->shape, *b = &op->in[DLK_QMM_B]->shape;
    const dlk_dtype yt = op->in[DLK_QMM_Y_ZP]->shape.dtype;
    if (dlk_q8type_of(a->dtype, &p->at) || dlk_q8type_of(b->dtype, &p->bt) || dlk_q8type_of(yt, &p->yt))
        return dlk_fail(err, "inputs must be int8 or uint8");
    if (a->ndim != 2 || b->ndim != 2 || a->dims[1] != b->dims[0]) return dlk_fail(err, "only 2-D A[M,K] x B[K,N] is supported");
    if (dlk_op_scale_f(op, DLK_QMM_A_SCALE, &p->as, err) || dlk_op_scalar_i(op, DLK_QMM_A_ZP, &p->azp, err) ||
        dlk_op_scale_f(op, DLK_QMM_B_SCALE, &p->bs, err) || dlk_op_scalar_i(op, DLK_QMM_B_ZP, &p->bzp, err) ||
        dlk_op_scale_f(op, DLK_QMM_Y_SCALE, &p->ys, err) || dlk_op_scalar_i(op, DLK_QMM_Y_ZP, &p->yzp, err))
        return -1;
    if (a->dims[1] > INT32_MAX / (255 * 255)) return dlk_fail(err, "K = %lld could overflow the int32 accumulator", (long long)a->dims[1]);
    p->M = (int)a->dims[0];
    p->K = (int)a->dims[1];
    p->N = (int)b->dims[1];
    int64_t d[2] = {p->M, p->N};
    dlk_shape_set(&op->out[0]->shape, yt, 2, d);
    return 0;
}

static int64_t qmatmul_macs(const dlk_op *op)
{
    const qmm_params *p = op->params;
    return (int64_t)p->M * p->N * p->K;
}

#define QMM_STATIC                                                                                           \
    (1u << DLK_QMM_A_SCALE | 1u << DLK_QMM_A_ZP | 1u << DLK_QMM_B_SCALE | 1u << DLK_QMM_B_ZP |                  \
     1u << DLK_QMM_Y_SCALE | 1u << DLK_QMM_Y_ZP)
const dlk_opdef dlk_op_QLinearMatMul = {.name = "QLinearMatMul", .static_inputs = QMM_STATIC, .prepare = qmatmul_prepare,
                                        .run = qmatmul_run, .id = DLK_OP_QLinearMatMul, .min_in = 8, .max_in = 8,
                                        .max_out = 1, .macs = qmatmul_macs};

int dlk_op_out_qparams(const dlk_node *n, int *scale_slot, int *zp_slot)
{
    switch (n->op->id) {
    case DLK_OP_QuantizeLinear: *scale_slot = DLK_QDQ_SCALE, *zp_slot = DLK_QDQ_ZP; return 1;
    case DLK_OP_QLinearConv: *scale_slot = DLK_QCONV_Y_SCALE, *zp_slot = DLK_QCONV_Y_ZP; return 1;
    case DLK_OP_QLinearAdd: *scale_slot = DLK_QADD_C_SCALE, *zp_slot = DLK_QADD_C_ZP; return 1;
    case DLK_OP_QLinearConcat: *scale_slot = DLK_QCONCAT_Y_SCALE, *zp_slot = DLK_QCONCAT_Y_ZP; return 1;
    case DLK_OP_QLinearGlobalAveragePool: *scale_slot = DLK_QGAP_Y_SCALE, *zp_slot = DLK_QGAP_Y_ZP; return 1;
    default: return 0;
    }
}
