/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conv (float) and QLinearConv (ops_conv.c): input slots and the parameters prepare computes, for
 * the consumers that read a prepared convolution (codegen, analyze's costs).
 */
#ifndef DLK_OPS_CONV_H
#define DLK_OPS_CONV_H

#include "ops/ops.h"

/* Conv: x, w, [bias]; after dlk_pass_fuse_conv_relu also the fused Add's operand (dlk_sum). */
enum { DLK_CONV_X, DLK_CONV_W, DLK_CONV_B, DLK_CONV_SUM };

/* QLinearConv (ONNX): x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [bias int32]. */
enum {
    DLK_QCONV_X, DLK_QCONV_X_SCALE, DLK_QCONV_X_ZP, DLK_QCONV_W, DLK_QCONV_W_SCALE, DLK_QCONV_W_ZP,
    DLK_QCONV_Y_SCALE, DLK_QCONV_Y_ZP, DLK_QCONV_B
};

/* A prepared float Conv. */
typedef struct {
    dlk_conv_geom g;
    const dlk_fconv_impl *impl; /* the table's kernel, or NULL: weights not constant (the reference) */
    const void *packed;         /* its packed weights, the model's (dlk_op_packed) */
    int relu;          /* dlk_relu (a Relu fused by dlk_pass_fuse_conv_relu): outputs max(v, 0) */
    int sum;           /* dlk_sum (an Add fused by the same pass): DLK_CONV_SUM is added before the Relu */
    dlk_bcast bc;      /* sum: how DLK_CONV_SUM broadcasts to the output */
    int sum_bcast;     /* sum: DLK_CONV_SUM is not of the output's shape (added after the convolution) */
} dlk_conv_data;

/* A prepared QLinearConv: the kernel's parameters (scales and zero points folded in). */
typedef struct {
    dlk_qconv_params p;
    float *scale;                 /* per output channel: x_scale * w_scale[c] / y_scale */
    int32_t *w_zp;                /* per output channel (p.w_zp is NULL when all are 0) */
    const dlk_qconv_impl *impl;   /* the table's kernel, or NULL: weights not constant (the reference) */
    const void *packed;           /* its packed weights, the model's (dlk_op_packed) */
} dlk_qconv_data;

/* The prepared data of a Conv / QLinearConv op; NULL for any other operator. */
const dlk_conv_data *dlk_conv_data_of(const dlk_op *op);
const dlk_qconv_data *dlk_qconv_data_of(const dlk_op *op);

#endif
