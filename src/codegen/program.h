/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The program that `dlakit compile` writes, as data: the int8 model for one input size, its steps
 * in node order, the activation buffers it needs and where they sit in one static arena.
 * `dlakit analyze` prints the same object, so the two agree on every number.
 *
 * The program takes a uint8 H x W x 3 image (the caller's buffer) and writes float scores (the
 * caller's buffer): the model's float input and its first QuantizeLinear become one 256-entry
 * table per channel, its final DequantizeLinear writes the scores directly, Flatten/Reshape are
 * aliases. Every other activation, and every operator's scratch, lives in the arena, planned by
 * plan/liveness.h from the same schedule as the runtime context's.
 */
#ifndef DLK_CODEGEN_PROGRAM_H
#define DLK_CODEGEN_PROGRAM_H

#include "runtime/runtime.h"
#include "plan/liveness.h"
#include "codegen/mcu/target.h"

typedef enum {
    DLK_STEP_INPUT,    /* uint8 image -> int8/uint8 NCHW through the per-channel tables */
    DLK_STEP_CONV,     /* QLinearConv */
    DLK_STEP_MAXPOOL,  /* MaxPool on quantized values */
    DLK_STEP_ADD,      /* QLinearAdd (same shapes), optional fused Relu */
    DLK_STEP_CONCAT,   /* QLinearConcat */
    DLK_STEP_GAP,      /* QLinearGlobalAveragePool */
    DLK_STEP_ALIAS,    /* Flatten / Reshape: the output is the input's bytes */
    DLK_STEP_SPLIT,    /* Split on quantized values: copies */
    DLK_STEP_AVGPOOL,  /* QLinearAveragePool */
    DLK_STEP_LUT,      /* QLinearLeakyRelu (a Relu between DequantizeLinear and QuantizeLinear): a table */
    /* float layers inside the int8 model, as `dlakit run` computes them (the float reference
       kernels; the program then needs an FPU): */
    DLK_STEP_DEQUANT,  /* DequantizeLinear (per tensor) into a float buffer */
    DLK_STEP_QUANT,    /* QuantizeLinear (per tensor) of a float buffer */
    DLK_STEP_FRELU,    /* float Relu */
    DLK_STEP_FMAXPOOL, /* float MaxPool */
    DLK_STEP_FGAP,     /* float GlobalAveragePool */
    DLK_STEP_OUTPUT,   /* DequantizeLinear into the scores */
} dlk_step_kind;

typedef struct {
    dlk_step_kind kind;
    int node;               /* graph node index (== step index) */
    int64_t macs, params;
    size_t weight_bytes;    /* as stored for the MCU: int8 weights, int32 bias, float scales, tables */
    size_t out_bytes;       /* activation bytes it writes (0 for aliases and the scores) */
    size_t live_bytes;      /* bytes of buffers alive during this step (the lower bound's term) */
    int in_place;           /* writes its output over an input that dies here */
    int slices;             /* Concat: inputs that their producers wrote into its output */
} dlk_step;

typedef struct {
    dlk_ctx *ctx;           /* plan-only context: prepared operators, shapes */
    dlk_target target;      /* the kernels' target (codegen/mcu/target.h) */
    const dlk_graph *g;
    int n_steps;
    dlk_step *steps;
    dlk_liveness *lv;       /* the plan; the next four point into it */
    int n_bufs;
    dlk_plan_buf *bufs;     /* activation buffers and scratch, with offsets */
    int *buf_of_value;      /* value -> buffer, -1 when the value is not in the arena */
    size_t *value_off;      /* value -> byte offset inside its buffer (a slice of a Concat's output) */
    int *scratch_buf;       /* node -> scratch buffer or -1 */
    size_t align;
    size_t arena_bytes;     /* the plan's peak */
    size_t lower_bound;     /* max over steps of the bytes that must be alive together */
    size_t scratch_bytes;   /* largest single scratch */
    int64_t macs, params;
    size_t weights_bytes, int8_weight_bytes;
    int in_h, in_w, num_classes;
    dlk_q8type in_type;     /* type of the quantized input */
    float in_scale;
    int in_zp;
    int input_value, output_value;
    int has_float;          /* float steps inside: NAME.c carries the float reference kernels too */
} dlk_program;

/* Builds the program of model m for an h x w input (h, w <= 0: the model's declared size).
 * Fails with a message when the model is not an int8 classifier of the supported form. */
int dlk_program_build(const dlk_model *m, int h, int w, dlk_program *p, dlk_err *err);
/* The same for a target: its conv kernels' scratch is planned into the arena. */
int dlk_program_build_for(const dlk_model *m, int h, int w, dlk_target target, dlk_program *p, dlk_err *err);
void dlk_program_free(dlk_program *p);

/* The input tables: lut[c][v] = the quantized value `dlakit run` feeds the model for channel c
 * and pixel value v (ImageNet mean/std, the same float operations as dlk_normalize_nchw and
 * QuantizeLinear). */
void dlk_program_input_tables(const dlk_program *p, uint8_t lut[3][256]);

/* Fails, with a message, when the arena or the constants are over 2 GiB - 1 bytes: an object no
 * 32-bit target can hold (compile refuses it unless --allow-64bit). */
int dlk_program_check_32bit(const dlk_program *p, dlk_err *err);

/* Writes NAME.c and NAME.h into dir; NAME must pass dlk_c_check_name (codegen/cident.h). Node names
 * reach the C only as escaped comments and as unique identifiers that clash with nothing. */
int dlk_codegen_write(const dlk_program *p, const char *name, const char *dir, const char *model_path, dlk_err *err);

#endif
