/* SPDX-License-Identifier: Apache-2.0 */
/* Element-wise operators: Relu, Sigmoid, Clip, Softmax, Add/Sub/Mul/Div, QLinearAdd, QLinearLeakyRelu. */
#include "ops/elem.h"
#include "util/err.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

static int same_shape(const dlk_shape *a, const dlk_shape *b)
{
    int same = a->ndim == b->ndim;
    for (int i = 0; same && i < a->ndim; i++) same = a->dims[i] == b->dims[i];
    return same;
}

/* In place: the candidate slots (bit i: slot i) that have output 0's type and shape. Every kernel
 * below (reference, SIMD, each thread's range) reads element i of its inputs before it writes
 * element i of its output, and walks a full-shape input at the output's own index. */
static dlk_share_kind same_shape_slots(const dlk_op *op, uint64_t cand, uint64_t *slots)
{
    const dlk_shape *y = &op->out[0]->shape;
    *slots = 0;
    for (int s = 0; s < op->n_in && s < 64; s++) {
        const dlk_tensor *t = op->in[s];
        if ((cand >> s & 1) && t && t->shape.dtype == y->dtype && same_shape(&t->shape, y)) *slots |= (uint64_t)1 << s;
    }
    return *slots ? DLK_SHARE_IN_PLACE : DLK_SHARE_NONE;
}

static dlk_share_kind in_place_0(const dlk_op *op, uint64_t *slots) { return same_shape_slots(op, 1, slots); }
static dlk_share_kind in_place_01(const dlk_op *op, uint64_t *slots) { return same_shape_slots(op, 3, slots); }
static dlk_share_kind in_place_03(const dlk_op *op, uint64_t *slots) { return same_shape_slots(op, 9, slots); }

static int unary_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_need_dtype(op, DLK_UNARY_X, DLK_FLOAT, err)) return -1;
    op->out[0]->shape = op->in[0]->shape;
    return 0;
}

static void relu_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    dlk_relu_f32_ref(dlk_shape_numel(&op->in[0]->shape), op->in[0]->data, op->out[0]->data);
}

static void sigmoid_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    dlk_sigmoid_f32_ref(dlk_shape_numel(&op->in[0]->shape), op->in[0]->data, op->out[0]->data);
}

#define UNARY(n, prep, r, sh)                                                                                \
    {.name = #n, .prepare = prep, .run = r, .share = sh, .id = DLK_OP_##n, .min_in = 1, .max_in = 1, .max_out = 1}
const dlk_opdef dlk_op_Relu = UNARY(Relu, unary_prepare, relu_run, in_place_0);
const dlk_opdef dlk_op_Sigmoid = UNARY(Sigmoid, unary_prepare, sigmoid_run, in_place_0);

/* Clip: bounds are attributes before opset 11, optional constant inputs from 11 on. */
typedef struct {
    float lo, hi;
    int ilo, ihi;
    dlk_q8type qt;
    int is_q8;
} clip_params;

static int clip_prepare(dlk_op *op, dlk_err *err)
{
    clip_params *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    dlk_dtype t = op->in[0]->shape.dtype;
    p->is_q8 = dlk_q8type_of(t, &p->qt) == 0;
    if (t != DLK_FLOAT && !p->is_q8) return dlk_fail(err, "input type %s is not supported", dlk_dtype_name(t));
    p->lo = -FLT_MAX;
    p->hi = FLT_MAX;
    if (p->is_q8) {
        p->ilo = dlk_q8_lo(p->qt);
        p->ihi = dlk_q8_hi(p->qt);
    }
    if (op->opset < 11) {
        p->lo = dlk_attr_float(op->node, "min", -FLT_MAX);
        p->hi = dlk_attr_float(op->node, "max", FLT_MAX);
    } else {
        for (int s = DLK_CLIP_MIN; s < op->n_in; s++) {
            if (!op->in[s]) continue;
            if (op->in[s]->shape.dtype != t) return dlk_fail(err, "bound %d must have the input's type", s);
            if (p->is_q8) {
                int v;
                if (dlk_op_scalar_i(op, s, &v, err)) return -1;
                *(s == DLK_CLIP_MIN ? &p->ilo : &p->ihi) = v;
            } else if (dlk_op_scalar_f(op, s, s == DLK_CLIP_MIN ? &p->lo : &p->hi, err)) {
                return -1;
            }
        }
    }
    op->out[0]->shape = op->in[0]->shape;
    return 0;
}

static void clip_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const clip_params *p = op->params;
    int64_t n = dlk_shape_numel(&op->in[0]->shape);
    if (p->is_q8) dlk_clip_q8_ref(n, p->qt, op->in[0]->data, p->ilo, p->ihi, op->out[0]->data);
    else dlk_clip_f32_ref(n, op->in[0]->data, p->lo, p->hi, op->out[0]->data);
}

const dlk_opdef dlk_op_Clip = {.name = "Clip", .static_inputs = 1u << DLK_CLIP_MIN | 1u << DLK_CLIP_MAX,
                               .prepare = clip_prepare, .run = clip_run, .share = in_place_0, .id = DLK_OP_Clip,
                               .min_in = 1, .max_in = 3, .max_out = 1};

/* Softmax: before opset 13 the input is coerced to 2-D at axis (default 1) and normalized over
 * everything after it; from 13 on, over the single axis (default -1). */
typedef struct {
    int64_t outer, len, inner;
} softmax_params;

static int softmax_prepare(dlk_op *op, dlk_err *err)
{
    if (unary_prepare(op, err)) return -1;
    const dlk_shape *s = &op->in[0]->shape;
    int64_t axis = dlk_attr_int(op->node, "axis", op->opset < 13 ? 1 : -1);
    if (axis < -s->ndim || axis >= (s->ndim ? s->ndim : 1)) return dlk_fail(err, "axis %lld out of range", (long long)axis);
    if (axis < 0) axis += s->ndim;
    softmax_params *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    p->outer = p->len = p->inner = 1;
    for (int i = 0; i < s->ndim; i++) {
        if (i < axis) p->outer *= s->dims[i];
        else if (i == axis || op->opset < 13) p->len *= s->dims[i];
        else p->inner *= s->dims[i];
    }
    return 0;
}

static void softmax_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const softmax_params *p = op->params;
    dlk_softmax_f32_ref(p->outer, p->len, p->inner, op->in[0]->data, op->out[0]->data);
}

const dlk_opdef dlk_op_Softmax = UNARY(Softmax, softmax_prepare, softmax_run, NULL);

/* Binary float ops with numpy broadcasting. */
typedef struct {
    dlk_bcast bc;
    dlk_binop op;
    int relu;      /* Add with dlk_relu (dlk_pass_fuse_conv_relu): max(sum, 0) */
    /* same-shape Add: the table's kernel (chosen at prepare), split between threads; NULL: the
     * broadcasting reference */
    void (*add)(int64_t n, const float *a, const float *b, int relu, float *y);
} binary_params;

static int binary_prepare(dlk_op *op, dlk_binop which, dlk_err *err)
{
    if (dlk_op_need_dtype(op, DLK_BINARY_A, DLK_FLOAT, err) || dlk_op_need_dtype(op, DLK_BINARY_B, DLK_FLOAT, err))
        return -1;
    if (dlk_attr_find(op->node, "axis") && dlk_attr_int(op->node, "broadcast", 0))
        return dlk_fail(err, "legacy broadcasting with an axis (opset < 7) is not supported");
    binary_params *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    p->op = which;
    if (dlk_broadcast(&op->in[0]->shape, &op->in[1]->shape, &p->bc, err)) return -1;
    dlk_shape_set(&op->out[0]->shape, DLK_FLOAT, p->bc.ndim, p->bc.out);
    p->relu = which == DLK_BIN_ADD && dlk_attr_int(op->node, "dlk_relu", 0);
    const int same = same_shape(&op->in[DLK_BINARY_A]->shape, &op->in[DLK_BINARY_B]->shape);
    p->add = which == DLK_BIN_ADD && same ? op->k->add_f32 : NULL;
    op->parallel = p->add && dlk_shape_numel(&op->out[0]->shape) >= DLK_PARALLEL_MIN_ELEMS;
    return 0;
}

static void binary_run(const dlk_op *op, const dlk_exec *ex)
{
    const binary_params *p = op->params;
    if (p->add) {
        int64_t b, e;
        dlk_split(dlk_shape_numel(&op->out[0]->shape), ex->ith, ex->nth, 16, &b, &e);
        if (e > b)
            p->add(e - b, (const float *)op->in[0]->data + b, (const float *)op->in[1]->data + b, p->relu,
                           (float *)op->out[0]->data + b);
        return;
    }
    dlk_binary_f32_ref(p->op, p->bc.ndim, p->bc.out, p->bc.a_str, p->bc.b_str, op->in[0]->data, op->in[1]->data,
                       op->out[0]->data);
    if (p->relu) {
        float *y = op->out[0]->data;
        dlk_relu_f32_ref(dlk_shape_numel(&op->out[0]->shape), y, y);
    }
}

static int add_prepare(dlk_op *op, dlk_err *err) { return binary_prepare(op, DLK_BIN_ADD, err); }
static int sub_prepare(dlk_op *op, dlk_err *err) { return binary_prepare(op, DLK_BIN_SUB, err); }
static int mul_prepare(dlk_op *op, dlk_err *err) { return binary_prepare(op, DLK_BIN_MUL, err); }
static int div_prepare(dlk_op *op, dlk_err *err) { return binary_prepare(op, DLK_BIN_DIV, err); }

#define BINARY(n, prep)                                                                                      \
    {.name = #n, .prepare = prep, .run = binary_run, .share = in_place_01, .id = DLK_OP_##n, .min_in = 2,          \
     .max_in = 2, .max_out = 1}
const dlk_opdef dlk_op_Add = BINARY(Add, add_prepare);
const dlk_opdef dlk_op_Sub = BINARY(Sub, sub_prepare);
const dlk_opdef dlk_op_Mul = BINARY(Mul, mul_prepare);
const dlk_opdef dlk_op_Div = BINARY(Div, div_prepare);

/* QLinearAdd (com.microsoft, slots in ops/elem.h). dlk_relu (from the QDQ pass) clamps the result
 * at c_zp from below, which equals quantize(relu(sum)). */
static int qadd_prepare(dlk_op *op, dlk_err *err)
{
    dlk_qadd_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_tensor *a = op->in[DLK_QADD_A], *b = op->in[DLK_QADD_B], *cz = dlk_op_input(op, DLK_QADD_C_ZP);
    dlk_dtype t = a->shape.dtype;
    if (dlk_q8type_of(t, &p->t)) return dlk_fail(err, "input A must be int8 or uint8");
    if (b->shape.dtype != t) return dlk_fail(err, "A and B must have the same type");
    if (dlk_op_scale_f(op, DLK_QADD_A_SCALE, &p->as, err) || dlk_op_scalar_i(op, DLK_QADD_A_ZP, &p->azp, err) ||
        dlk_op_scale_f(op, DLK_QADD_B_SCALE, &p->bs, err) || dlk_op_scalar_i(op, DLK_QADD_B_ZP, &p->bzp, err) ||
        dlk_op_scale_f(op, DLK_QADD_C_SCALE, &p->cs, err))
        return -1;
    p->czp = 0;
    if (cz) {
        if (cz->shape.dtype != t) return dlk_fail(err, "C_zero_point must have A's type");
        if (dlk_op_scalar_i(op, DLK_QADD_C_ZP, &p->czp, err)) return -1;
    }
    p->relu = (int)dlk_attr_int(op->node, "dlk_relu", 0);
    if (dlk_broadcast(&a->shape, &b->shape, &p->bc, err)) return -1;
    dlk_shape_set(&op->out[0]->shape, t, p->bc.ndim, p->bc.out);
    /* same shapes: the table's kernel over the flat buffers, split between threads */
    p->add = same_shape(&a->shape, &b->shape) ? op->k->qadd_q8 : NULL;
    op->parallel = p->add && dlk_shape_numel(&op->out[0]->shape) >= DLK_PARALLEL_MIN_ELEMS;
    return 0;
}

static void qadd_run(const dlk_op *op, const dlk_exec *ex)
{
    const dlk_qadd_data *p = op->params;
    void *y = op->out[0]->data;
    if (p->add) {
        int64_t b, e;
        dlk_split(dlk_shape_numel(&op->out[0]->shape), ex->ith, ex->nth, 64, &b, &e);
        if (e > b)
            p->add(e - b, p->t, (const uint8_t *)op->in[DLK_QADD_A]->data + b, p->as, p->azp,
                   (const uint8_t *)op->in[DLK_QADD_B]->data + b, p->bs, p->bzp, p->cs, p->czp, p->relu,
                           (uint8_t *)y + b);
        return;
    }
    dlk_qadd_q8_ref(p->bc.ndim, p->bc.out, p->bc.a_str, p->bc.b_str, p->t, op->in[DLK_QADD_A]->data, p->as, p->azp,
                    op->in[DLK_QADD_B]->data, p->bs, p->bzp, p->cs, p->czp, y);
    if (p->relu) {
        int64_t n = dlk_shape_numel(&op->out[0]->shape);
        dlk_clip_q8_ref(n, p->t, y, p->czp, dlk_q8_hi(p->t), y);
    }
}

const dlk_qadd_data *dlk_qadd_data_of(const dlk_op *op) { return op->node->op == &dlk_op_QLinearAdd ? op->params : NULL; }

#define QADD_STATIC                                                                                          \
    (1u << DLK_QADD_A_SCALE | 1u << DLK_QADD_A_ZP | 1u << DLK_QADD_B_SCALE | 1u << DLK_QADD_B_ZP |              \
     1u << DLK_QADD_C_SCALE | 1u << DLK_QADD_C_ZP)
const dlk_opdef dlk_op_QLinearAdd = {.name = "QLinearAdd", .static_inputs = QADD_STATIC, .prepare = qadd_prepare,
                                     .run = qadd_run, .share = in_place_03, .id = DLK_OP_QLinearAdd, .min_in = 7,
                                     .max_in = 8, .max_out = 1};

/* QLinearLeakyRelu (com.microsoft; slots in ops/elem.h): one 256-entry table, as ORT builds it. */
static int qlut_prepare(dlk_op *op, dlk_err *err)
{
    dlk_qlut_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_dtype t = op->in[DLK_QLUT_X]->shape.dtype;
    if (dlk_q8type_of(t, &p->t)) return dlk_fail(err, "input must be int8 or uint8");
    const dlk_tensor *xz = dlk_op_input(op, DLK_QLUT_X_ZP), *yz = dlk_op_input(op, DLK_QLUT_Y_ZP);
    if ((xz && xz->shape.dtype != t) || (yz && yz->shape.dtype != t)) return dlk_fail(err, "zero point types differ from x");
    if (dlk_op_scale_f(op, DLK_QLUT_X_SCALE, &p->xs, err) || (xz && dlk_op_scalar_i(op, DLK_QLUT_X_ZP, &p->xzp, err)) ||
        dlk_op_scale_f(op, DLK_QLUT_Y_SCALE, &p->ys, err) || (yz && dlk_op_scalar_i(op, DLK_QLUT_Y_ZP, &p->yzp, err)))
        return -1;
    p->alpha = dlk_attr_float(op->node, "alpha", 0.01f);
    dlk_leakyrelu_lut_q8(p->t, p->xs, p->xzp, p->alpha, p->ys, p->yzp, p->lut);
    op->out[0]->shape = op->in[DLK_QLUT_X]->shape;
    p->n = dlk_shape_numel(&op->out[0]->shape);
    return 0;
}

static void qlut_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_qlut_data *p = op->params;
    dlk_apply_lut_q8(p->n, p->t, p->lut, op->in[DLK_QLUT_X]->data, op->out[0]->data);
}

const dlk_qlut_data *dlk_qlut_data_of(const dlk_op *op) { return op->node->op == &dlk_op_QLinearLeakyRelu ? op->params : NULL; }

#define QLUT_STATIC (1u << DLK_QLUT_X_SCALE | 1u << DLK_QLUT_X_ZP | 1u << DLK_QLUT_Y_SCALE | 1u << DLK_QLUT_Y_ZP)
const dlk_opdef dlk_op_QLinearLeakyRelu = {.name = "QLinearLeakyRelu", .static_inputs = QLUT_STATIC, .prepare = qlut_prepare,
                                           .run = qlut_run, .share = in_place_0, .id = DLK_OP_QLinearLeakyRelu, .min_in = 4,
                                           .max_in = 5, .max_out = 1};
