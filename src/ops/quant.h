/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QuantizeLinear, DequantizeLinear and QLinearMatMul (ops_quant.c): input slots and prepared
 * parameters; and where each quantizing operator reads its output's scale and zero point.
 */
#ifndef DLK_OPS_QUANT_H
#define DLK_OPS_QUANT_H

#include "ops/ops.h"

/* QuantizeLinear / DequantizeLinear: x, scale, [zero point]. */
enum { DLK_QDQ_X, DLK_QDQ_SCALE, DLK_QDQ_ZP };
/* QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp. */
enum {
    DLK_QMM_A, DLK_QMM_A_SCALE, DLK_QMM_A_ZP, DLK_QMM_B, DLK_QMM_B_SCALE, DLK_QMM_B_ZP, DLK_QMM_Y_SCALE,
    DLK_QMM_Y_ZP
};

/* A prepared QuantizeLinear / DequantizeLinear: per tensor (axis_len 1) or per axis. */
typedef struct {
    int64_t outer, axis_len, inner;
    dlk_q8type t;
    int is_i32;          /* DequantizeLinear of int32 data */
    float *scale;        /* axis_len values */
    int32_t *zp;         /* axis_len values */
    /* QuantizeLinear per tensor: the table's kernel (chosen at prepare), split between threads;
     * NULL: the per-axis reference */
    void (*quantize)(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
} dlk_qdq_data;

/* QuantizeLinear / DequantizeLinear's prepared data; NULL for any other operator. */
const dlk_qdq_data *dlk_qdq_data_of(const dlk_op *op);

/* The input slots of the scale and zero point of a node's quantized output 0, for the operators
 * that QDQ fusion and `quantize` write (QuantizeLinear, QLinearConv, QLinearAdd, QLinearConcat,
 * QLinearGlobalAveragePool); 0 for any other node. The node must be resolved (dlk_ops_resolve). */
int dlk_op_out_qparams(const dlk_node *n, int *scale_slot, int *zp_slot);

#endif
