/* SPDX-License-Identifier: Apache-2.0 */
/* Graph passes run when a model is loaded. */
#ifndef DLK_PASSES_H
#define DLK_PASSES_H

#include "graph.h"

/* Passes rewrite the graph as ONNX spells it (op_type strings, the ONNX operators' input orders); a
 * node they rewrite gets op = NULL, bound again by dlk_ops_resolve (ops/) after them. They run
 * after a first dlk_ops_resolve and rely on its input counts.
 *
 * Rewrites QDQ units (DequantizeLinear -> op -> QuantizeLinear) into integer operators computed as
 * ONNX Runtime's integer kernels compute them: QLinearConv (with a following Relu folded in),
 * QLinearAdd, QLinearConcat, QLinearGlobalAveragePool, QLinearAveragePool, QLinearLeakyRelu (for a
 * Relu or LeakyRelu that ORT keeps in float between DequantizeLinear and QuantizeLinear: its table
 * gives the float unit's bits), and int8 MaxPool / Flatten / Reshape / Split where input and outputs
 * share scale and zero point. Units that do not match stay in float. */
int dlk_pass_fuse_qdq(dlk_graph *g, dlk_err *err);
/* Float Conv or Add followed by a Relu that is its output's only use: the Relu is removed and the
 * Conv / Add gets the internal attribute dlk_relu = 1 (its outputs are then max(v, 0)). Then a
 * float Conv (without a Relu) whose output's only use is an Add: the Add is removed, its other
 * operand becomes the Conv's fourth input (the bias slot left absent if there was none), and the
 * Conv gets dlk_sum = 1 (outputs conv + that input, then the Add's Relu if it had one: the same
 * float operations in the same order, so the same bits). */
int dlk_pass_fuse_conv_relu(dlk_graph *g, dlk_err *err);
/* Drops nodes whose outputs nobody uses. */
void dlk_pass_dead_code(dlk_graph *g);

#endif
