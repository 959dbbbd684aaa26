/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Data movement (ops_shape.c): Concat, QLinearConcat, Split, Flatten, Reshape, Identity. Input slots and
 * prepared parameters.
 */
#ifndef DLK_OPS_SHAPE_H
#define DLK_OPS_SHAPE_H

#include "ops/ops.h"

/* Identity, Flatten: x. Reshape: x, shape (int64, constant). */
enum { DLK_RESHAPE_X, DLK_RESHAPE_SHAPE };

/* QLinearConcat (com.microsoft): y_scale, y_zp, then (x, x_scale, x_zp) per part k. */
enum { DLK_QCONCAT_Y_SCALE, DLK_QCONCAT_Y_ZP };
#define DLK_QCONCAT_X(k) (2 + 3 * (k))
#define DLK_QCONCAT_X_SCALE(k) (3 + 3 * (k))
#define DLK_QCONCAT_X_ZP(k) (4 + 3 * (k))

/* A prepared Concat / QLinearConcat along one axis. Part k is input slot[k] (Concat: k;
 * QLinearConcat: DLK_QCONCAT_X(k)); QLinearConcat requantizes the parts whose scale or zero point
 * differ from the output's through lut[k] (use_lut[k]). */
typedef struct {
    int64_t outer, inner, out_axis;  /* inner: elements after the axis */
    size_t esize;
    int n;
    int64_t axis_len[DLK_OP_MAX_IN];
    int slot[DLK_OP_MAX_IN];
    int use_lut[DLK_OP_MAX_IN];
    dlk_q8type qt;
    float y_scale, x_scale[DLK_OP_MAX_IN];  /* QLinearConcat */
    int y_zp, x_zp[DLK_OP_MAX_IN];
    uint8_t lut[][256];              /* QLinearConcat: one table per part (allocated with n) */
} dlk_concat_data;

/* Concat / QLinearConcat's prepared data; NULL for any other operator. */
const dlk_concat_data *dlk_concat_data_of(const dlk_op *op);

/* Split: x, [split] (int64, constant; an input from opset 13, before it the split attribute; from
 * opset 18 the num_outputs attribute instead). Any type, int8 included (the QDQ pass hands it the
 * quantized data). */
enum { DLK_SPLIT_X, DLK_SPLIT_SPLIT };

/* A prepared Split along one axis: output k takes axis_len[k] of the axis, from offset off[k]
 * (elements along the axis), for each of the outer blocks; inner: elements after the axis. */
typedef struct {
    int64_t outer, inner, in_axis;
    size_t esize;
    int n;
    int64_t axis_len[DLK_OP_MAX_OUT], off[DLK_OP_MAX_OUT];
} dlk_split_data;

/* Split's prepared data; NULL for any other operator. */
const dlk_split_data *dlk_split_data_of(const dlk_op *op);

#endif
