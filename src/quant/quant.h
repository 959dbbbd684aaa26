/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Post-training static quantization of a float model, as ONNX Runtime's quantize_static does it
 * (onnxruntime/python/tools/quantization: calibrate.py, quant_utils.py, qdq_quantizer.py,
 * base_quantizer.py), for the operators of the DLA classifiers.
 *
 * 1. Calibration (calib.c): the float model runs on every calibration input; the hook of
 *    runtime/observe.h reads each intermediate value (the arena reuses buffers) and keeps its
 *    statistics: min/max (MinMax), then, for percentile and entropy, a second pass that fills
 *    the histogram ORT would build from all the calibration data at once.
 * 2. Quantization (qdq.c): tensor ranges -> scales and zero points (compute_scale_zp), weights
 *    per channel symmetric int8, int32 biases with scale x_scale * w_scale, Relu folded into the
 *    QuantizeLinear of the node before it, MaxPool/Flatten sharing their input's parameters; the
 *    result is a dlk_graph in QDQ or QOperator form for the ONNX writer.
 */
#ifndef DLK_QUANT_H
#define DLK_QUANT_H

#include "runtime/runtime.h"

/* dlk_calib_method, dlk_quant_opts: include/dlakit/quantize.h */

/* The most histogram bins (--num-bins): a histogram per value per thread (percentile: 8 bytes a bin),
 * and the entropy search is quadratic in the bins (16,384 bins: about 1 s per tensor). */
#define DLK_MAX_BINS 16384

typedef struct {
    float min, max;           /* over every calibration input */
    float amin, amax;         /* min and max of |x| */
    int64_t *hist;            /* second pass (histogram methods) */
    int nbins;
    double lo, hi;            /* histogram range */
    int64_t count;
    int seen;
} dlk_value_stats;

typedef struct {
    const dlk_model *m;       /* the float model (after load passes) */
    dlk_quant_opts opts;
    dlk_value_stats *st;      /* one per value of m->g */
    int pass;                 /* 1: min/max, 2: histograms */
    int n_inputs_seen;
} dlk_calib;

/* Statistics for every float value of m. */
int dlk_calib_init(dlk_calib *c, const dlk_model *m, const dlk_quant_opts *o, dlk_err *err);
void dlk_calib_free(dlk_calib *c);
/* Whether the method needs the second pass (dlk_calib_begin_pass2, then every input again). */
int dlk_calib_needs_pass2(const dlk_calib *c);
int dlk_calib_begin_pass2(dlk_calib *c, dlk_err *err);
/* Runs ctx (made from c->m) on the input already written into it and records what it saw. */
int dlk_calib_run(dlk_calib *c, dlk_ctx *ctx, dlk_err *err);
/* Threads: each calibrates its share of the inputs in a worker made by dlk_calib_fork (fresh
 * statistics for the current pass; in pass 2 the histogram ranges of main), and the workers are
 * merged into main in any order (min/max and histogram counts are order-independent). */
int dlk_calib_fork(dlk_calib *w, const dlk_calib *main, dlk_err *err);
void dlk_calib_merge(dlk_calib *main, const dlk_calib *w);
/* The calibrated range of value v (after the method's thresholds). */
int dlk_calib_range(const dlk_calib *c, int v, float *rmin, float *rmax);

/* --- quantization ---------------------------------------------------------------------------- */
/* ORT's compute_scale_zp: range extended to include 0, symmetric if asked, scale in float64 then
 * float32, zero point round-half-even in float64. */
void dlk_quant_scale_zp(float rmin, float rmax, int qmin, int qmax, int symmetric, float *scale, int *zp);

/* Fails naming the first node that is neither quantizable nor excluded (before calibrating). */
int dlk_quant_check(const dlk_model *m, const dlk_quant_opts *o, dlk_err *err);

/* Builds the quantized model of c->m into out (initialized here). Errors name the node. */
int dlk_quantize_graph(const dlk_calib *c, dlk_graph *out, dlk_err *err);

#endif
