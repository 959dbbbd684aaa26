/* Element-wise operators: Relu, Sigmoid, Clip, Softmax, Add/Sub/Mul/Div, QLinearAdd. */
#include "ops.h"
#include "util/err.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* In place: the candidate slots (bit i: slot i) that have output 0's type and shape. Every kernel
 * below (reference, SIMD, each thread's range) reads element i of its inputs before it writes
 * element i of its output, and walks a full-shape input at the output's own index. */
static dlk_share_kind same_shape_slots(const dlk_op *op, uint64_t cand, uint64_t *slots)
{
    const dlk_shape *y = &op->out[0]->shape;
    *slots = 0;
    for (int s = 0; s < op->n_in && s < 64; s++) {
        const dlk_tensor *t = op->in[s];
        if (!(cand >> s & 1) || !t || t->shape.dtype != y->dtype || t->shape.ndim != y->ndim) continue;
        int same = 1;
        for (int d = 0; d < y->ndim; d++) same &= t->shape.dims[d] == y->dims[d];
        if (same) *slots |= (uint64_t)1 << s;
    }
    return *slots ? DLK_SHARE_IN_PLACE : DLK_SHARE_NONE;
}

static dlk_share_kind in_place_0(const dlk_op *op, uint64_t *slots) { return same_shape_slots(op, 1, slots); }
static dlk_share_kind in_place_01(const dlk_op *op, uint64_t *slots) { return same_shape_slots(op, 3, slots); }
static dlk_share_kind in_place_03(const dlk_op *op, uint64_t *slots) { return same_shape_slots(op, 9, slots); }

static int unary_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_check_arity(op, 1, 1, 1, err) || dlk_op_need_dtype(op, 0, DLK_FLOAT, err)) return -1;
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

const dlk_opdef dlk_op_Relu = {"Relu", 0, unary_prepare, relu_run, in_place_0};
const dlk_opdef dlk_op_Sigmoid = {"Sigmoid", 0, unary_prepare, sigmoid_run, in_place_0};

/* Clip: bounds are attributes before opset 11, optional constant inputs from 11 on. */
typedef struct {
    float lo, hi;
    int ilo, ihi;
    dlk_q8type qt;
    int is_q8;
} clip_params;

static int clip_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_check_arity(op, 1, 3, 1, err)) return -1;
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
        for (int s = 1; s < op->n_in; s++) {
            if (!op->in[s]) continue;
            if (op->in[s]->shape.dtype != t) return dlk_fail(err, "bound %d must have the input's type", s);
            if (p->is_q8) {
                int v;
                if (dlk_op_scalar_i(op, s, &v, err)) return -1;
                *(s == 1 ? &p->ilo : &p->ihi) = v;
            } else if (dlk_op_scalar_f(op, s, s == 1 ? &p->lo : &p->hi, err)) {
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

const dlk_opdef dlk_op_Clip = {"Clip", 0x6, clip_prepare, clip_run, in_place_0};

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

const dlk_opdef dlk_op_Softmax = {"Softmax", 0, softmax_prepare, softmax_run, NULL};

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
    if (dlk_op_check_arity(op, 2, 2, 1, err) || dlk_op_need_dtype(op, 0, DLK_FLOAT, err) ||
        dlk_op_need_dtype(op, 1, DLK_FLOAT, err))
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
    int same = op->in[0]->shape.ndim == op->in[1]->shape.ndim;
    for (int i = 0; same && i < op->in[0]->shape.ndim; i++) same = op->in[0]->shape.dims[i] == op->in[1]->shape.dims[i];
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

const dlk_opdef dlk_op_Add = {"Add", 0, add_prepare, binary_run, in_place_01};
const dlk_opdef dlk_op_Sub = {"Sub", 0, sub_prepare, binary_run, in_place_01};
const dlk_opdef dlk_op_Mul = {"Mul", 0, mul_prepare, binary_run, in_place_01};
const dlk_opdef dlk_op_Div = {"Div", 0, div_prepare, binary_run, in_place_01};

/* QLinearAdd (com.microsoft): a, a_scale, a_zp, b, b_scale, b_zp, c_scale, c_zp. dlk_relu (from the
 * QDQ pass) clamps the result at c_zp from below, which equals quantize(relu(sum)). */
typedef struct {
    dlk_bcast bc;
    dlk_q8type t;
    float as, bs, cs;
    int azp, bzp, czp, relu;
    /* same shapes: the table's kernel (chosen at prepare) over the flat buffers, split between
     * threads; NULL: the broadcasting reference */
    void (*add)(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                int b_zp, float c_scale, int c_zp, int relu, void *c);
} qadd_params;

static int qadd_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_check_arity(op, 7, 8, 1, err)) return -1;
    qadd_params *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    dlk_dtype t = op->in[0]->shape.dtype;
    if (dlk_q8type_of(t, &p->t)) return dlk_fail(err, "input A must be int8 or uint8");
    if (op->in[3]->shape.dtype != t) return dlk_fail(err, "A and B must have the same type");
    if (dlk_op_scale_f(op, 1, &p->as, err) || dlk_op_scalar_i(op, 2, &p->azp, err) || dlk_op_scale_f(op, 4, &p->bs, err) ||
        dlk_op_scalar_i(op, 5, &p->bzp, err) || dlk_op_scale_f(op, 6, &p->cs, err))
        return -1;
    p->czp = 0;
    if (op->n_in > 7 && op->in[7]) {
        if (op->in[7]->shape.dtype != t) return dlk_fail(err, "C_zero_point must have A's type");
        if (dlk_op_scalar_i(op, 7, &p->czp, err)) return -1;
    }
    p->relu = (int)dlk_attr_int(op->node, "dlk_relu", 0);
    if (dlk_broadcast(&op->in[0]->shape, &op->in[3]->shape, &p->bc, err)) return -1;
    dlk_shape_set(&op->out[0]->shape, t, p->bc.ndim, p->bc.out);
    /* same shapes: the table's kernel over the flat buffers, split between threads */
    int same = op->in[0]->shape.ndim == op->in[3]->shape.ndim;
    for (int i = 0; same && i < op->in[0]->shape.ndim; i++) same = op->in[0]->shape.dims[i] == op->in[3]->shape.dims[i];
    p->add = same ? op->k->qadd_q8 : NULL;
    op->parallel = p->add && dlk_shape_numel(&op->out[0]->shape) >= DLK_PARALLEL_MIN_ELEMS;
    return 0;
}

static void qadd_run(const dlk_op *op, const dlk_exec *ex)
{
    const qadd_params *p = op->params;
    void *y = op->out[0]->data;
    if (p->add) {
        int64_t b, e;
        dlk_split(dlk_shape_numel(&op->out[0]->shape), ex->ith, ex->nth, 64, &b, &e);
        if (e > b)
            p->add(e - b, p->t, (const uint8_t *)op->in[0]->data + b, p->as, p->azp,
                           (const uint8_t *)op->in[3]->data + b, p->bs, p->bzp, p->cs, p->czp, p->relu,
                           (uint8_t *)y + b);
        return;
    }
    dlk_qadd_q8_ref(p->bc.ndim, p->bc.out, p->bc.a_str, p->bc.b_str, p->t, op->in[0]->data, p->as, p->azp,
                    op->in[3]->data, p->bs, p->bzp, p->cs, p->czp, y);
    if (p->relu) {
        int64_t n = dlk_shape_numel(&op->out[0]->shape);
        dlk_clip_q8_ref(n, p->t, y, p->czp, dlk_q8_hi(p->t), y);
    }
}

const dlk_opdef dlk_op_QLinearAdd = {"QLinearAdd", 0xF6, qadd_prepare, qadd_run, in_place_03};
