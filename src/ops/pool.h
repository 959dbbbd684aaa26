/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MaxPool, AveragePool, QLinearAveragePool, GlobalAveragePool, QLinearGlobalAveragePool (ops_pool.c): input slots and
 * prepared parameters.
 */
#ifndef DLK_OPS_POOL_H
#define DLK_OPS_POOL_H

#include "ops/ops.h"

/* MaxPool / AveragePool / GlobalAveragePool: x. */
enum { DLK_POOL_X };

/* QLinearGlobalAveragePool (com.microsoft): x, x_scale, x_zp, y_scale, y_zp. */
enum { DLK_QGAP_X, DLK_QGAP_X_SCALE, DLK_QGAP_X_ZP, DLK_QGAP_Y_SCALE, DLK_QGAP_Y_ZP };

/* A prepared (Q)GlobalAveragePool: nc planes of hw values; QLinear: the types and quantization. */
typedef struct {
    int64_t nc, hw;
    dlk_q8type t;
    float xs, ys;
    int xzp, yzp;
} dlk_gap_data;

/* QLinearAveragePool (com.microsoft): x, x_scale, [x_zp], y_scale, [y_zp]. */
enum { DLK_QAVGPOOL_X, DLK_QAVGPOOL_X_SCALE, DLK_QAVGPOOL_X_ZP, DLK_QAVGPOOL_Y_SCALE, DLK_QAVGPOOL_Y_ZP };

/* A prepared QLinearAveragePool: the geometry first (dlk_pool_geom_of reads it), the type and
 * quantization, the table's kernel. */
typedef struct {
    dlk_pool_geom g;
    dlk_q8type t;
    float xs, ys;
    int xzp, yzp;
    void (*run)(const dlk_pool_geom *g, dlk_q8type t, const void *x, float x_scale, int x_zp, float y_scale, int y_zp,
                void *y, int64_t p0, int64_t p1);
} dlk_qavgpool_data;

/* QLinearAveragePool's prepared data; NULL for any other operator. */
const dlk_qavgpool_data *dlk_qavgpool_data_of(const dlk_op *op);

/* MaxPool / AveragePool / QLinearAveragePool: the window geometry; NULL for any other operator. */
const dlk_pool_geom *dlk_pool_geom_of(const dlk_op *op);
/* GlobalAveragePool / QLinearGlobalAveragePool; NULL for any other operator. */
const dlk_gap_data *dlk_gap_data_of(const dlk_op *op);

#endif
