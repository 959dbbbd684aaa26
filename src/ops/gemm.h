/* SPDX-License-Identifier: Apache-2.0 */
/* Gemm and MatMul (float, ops_gemm.c): input slots and prepared parameters. */
#ifndef DLK_OPS_GEMM_H
#define DLK_OPS_GEMM_H

#include "ops/ops.h"

/* Gemm: a, b, [c]. MatMul: a, b. */
enum { DLK_GEMM_A, DLK_GEMM_B, DLK_GEMM_C };

/* A prepared Gemm / MatMul: batch products of M x K by K x N. */
typedef struct {
    int M, N, K, transA, transB, c_rs, c_cs, batch;
    float alpha, beta;
    int64_t a_bstride, b_bstride;   /* MatMul: elements between batch matrices (0 = shared) */
} dlk_gemm_data;

#endif
