/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Element-wise operators (ops_elem.c): Relu, Sigmoid, Clip, Softmax, Add/Sub/Mul/Div, QLinearAdd,
 * QLinearLeakyRelu.
 * Input slots and prepared parameters.
 */
#ifndef DLK_OPS_ELEM_H
#define DLK_OPS_ELEM_H

#include "ops/ops.h"

/* Relu, Sigmoid, Softmax: x. Clip: x, [min], [max] (inputs from opset 11). */
enum { DLK_UNARY_X };
enum { DLK_CLIP_X, DLK_CLIP_MIN, DLK_CLIP_MAX };
/* Add, Sub, Mul, Div: a, b. */
enum { DLK_BINARY_A, DLK_BINARY_B };
/* QLinearAdd (com.microsoft): a, a_scale, a_zp, b, b_scale, b_zp, c_scale, [c_zp]. */
enum {
    DLK_QADD_A, DLK_QADD_A_SCALE, DLK_QADD_A_ZP, DLK_QADD_B, DLK_QADD_B_SCALE, DLK_QADD_B_ZP, DLK_QADD_C_SCALE,
    DLK_QADD_C_ZP
};

/* A prepared QLinearAdd. relu: dlk_relu (from the QDQ pass) clamps the sum at czp from below. */
typedef struct {
    dlk_bcast bc;
    dlk_q8type t;
    float as, bs, cs;
    int azp, bzp, czp, relu;
    /* same shapes: the table's kernel (chosen at prepare) over the flat buffers, split between
     * threads; NULL: the broadcasting reference */
    void (*add)(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                int b_zp, float c_scale, int c_zp, int relu, void *c);
} dlk_qadd_data;

/* QLinearAdd's prepared data; NULL for any other operator. */
const dlk_qadd_data *dlk_qadd_data_of(const dlk_op *op);

/* QLinearLeakyRelu (com.microsoft): x, x_scale, [x_zp], y_scale, [y_zp]; attribute alpha (0.01).
 * The QDQ pass lowers DequantizeLinear -> Relu / LeakyRelu -> QuantizeLinear to it (Relu: alpha 0). */
enum { DLK_QLUT_X, DLK_QLUT_X_SCALE, DLK_QLUT_X_ZP, DLK_QLUT_Y_SCALE, DLK_QLUT_Y_ZP };

/* A prepared table operator: n elements through lut (dlk_apply_lut_q8); the quantization it was
 * made from. */
typedef struct {
    int64_t n;
    dlk_q8type t;
    float xs, ys, alpha;
    int xzp, yzp;
    uint8_t lut[256];
} dlk_qlut_data;

/* QLinearLeakyRelu's prepared data; NULL for any other operator. */
const dlk_qlut_data *dlk_qlut_data_of(const dlk_op *op);

#endif
