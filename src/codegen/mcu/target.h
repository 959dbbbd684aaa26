/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `dlakit compile --target`: which microcontroller the generated C is for, and everything that
 * depends on it, in one place: which convolutions run a target kernel (Helium on the Cortex-M55,
 * the DSP extension's SMLAD on the Cortex-M4/M7), the scratch they need, the order their weights
 * lie in flash, and the kernel text (src/codegen/mcu/kern_*.inc) that NAME.c carries.
 * generic: the portable reference kernels for every layer (bit-identical to `dlakit run`);
 * the target kernels are bit-identical to them.
 */
#ifndef DLK_CODEGEN_MCU_TARGET_H
#define DLK_CODEGEN_MCU_TARGET_H

#include "runtime/runtime.h"

#include <stdio.h>

typedef enum { DLK_TARGET_GENERIC = 0, DLK_TARGET_M55, DLK_TARGET_M7, DLK_TARGET_M4 } dlk_target;

/* "generic", "cortex-m55", "cortex-m7", "cortex-m4" -> *t; -1 for any other name. */
int dlk_target_parse(const char *name, dlk_target *t);
const char *dlk_target_name(dlk_target t);
/* the names, for --help: "generic|cortex-m55|cortex-m7|cortex-m4" */
const char *dlk_target_names(void);

/* Whether the QLinearConv op runs the target's kernel (int8 activations and weights, symmetric
 * weights, no dilation); otherwise it runs the reference kernel. Always 0 for generic. */
int dlk_mcu_conv_ok(dlk_target t, const dlk_op *op);
/* Its scratch (inside the arena): the padded NHWC copy of one group's input + one output row of
 * int32 accumulators. */
size_t dlk_mcu_conv_scratch(dlk_target t, const dlk_op *op);

/* MaxPool 2x2/2 without padding and QLinearAdd (same shapes) on int8 with the target's kernels;
 * each writes the call into f and returns 1, or returns 0 (the reference kernel runs). Only
 * with dlk_mcu_emit_kernels (any int8 program for the target has a conv that needs them). */
int dlk_mcu_emit_maxpool_call(FILE *f, dlk_target t, const dlk_op *op, const char *cname, size_t x_off, size_t y_off);
int dlk_mcu_emit_qadd_call(FILE *f, dlk_target t, const dlk_op *op, size_t a_off, size_t b_off, size_t y_off);

/* The target's kernels (after the reference kernels' text); only when some conv uses them. */
void dlk_mcu_emit_kernels(FILE *f, dlk_target t);
/* A conv's packed weights, folded bias, scales and mcu_conv parameters named CNAME. */
void dlk_mcu_emit_conv_data(FILE *f, dlk_target t, const dlk_op *op, const char *cname, const char *node_name);
void dlk_mcu_emit_conv_call(FILE *f, const char *cname, size_t x_off, size_t y_off, size_t scratch_off);

#endif
