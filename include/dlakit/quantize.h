/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dlakit quantization: post-training static int8 quantization of a float model, calibrated on
 * images, written as ONNX (QDQ or QOperator) the way ONNX Runtime's quantize_static writes it.
 */
#ifndef DLAKIT_QUANTIZE_H
#define DLAKIT_QUANTIZE_H

#include "../dlakit.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { DLK_CALIB_MINMAX, DLK_CALIB_PERCENTILE, DLK_CALIB_ENTROPY } dlk_calib_method;

typedef struct {
    dlk_calib_method method;
    int qop;                  /* QOperator format (QLinearConv, ...) instead of QDQ */
    int per_tensor;           /* one weight scale per tensor instead of per output channel */
    int symmetric_act;        /* activations symmetric (zero point 0, or 128 for uint8) */
    int uint8_act;            /* activations uint8 instead of int8 */
    const char *const *exclude; /* node names left in float */
    int n_exclude;
    double percentile;        /* 99.999 (ORT's default) */
    int num_bins;             /* 0: ORT's default for the method (percentile 2048, entropy 128); at most 16384 */
    int num_quantized_bins;   /* entropy: 128 */
} dlk_quant_opts;

DLK_API void dlk_quant_opts_default(dlk_quant_opts *o);

typedef struct {
    dlk_quant_opts q;
    /* the calibration images, exactly one source: */
    const char *calib_dir;                 /* PNG/JPEG files in it and its sub-folders, by path (each file
                                              once: a folder or file reached again through links is skipped) */
    const char *calib_npy;                 /* uint8 N x H x W x 3, already preprocessed */
    const char *calib_idx_images, *calib_idx_labels; /* MNIST IDX (labels: only their count) */
    const char *calib_indices;             /* with IDX: int64/int32 .npy of the items to use */
    int64_t calib_count;                   /* > 0: only the first N */
    double calib_fraction;                 /* with calib_dir, 0 < F <= 1: ceil(F x N) of its N images,
                                              evenly spaced in path order (0: all) */
    int calib_flip;                        /* also every image mirrored left-right */
    int threads;                           /* the result does not depend on them */
    const dlk_pre_opts *pre;               /* NULL: the zoo's defaults at the model's size */
    const char *report;                    /* per-layer SNR file (TSV, JSON with report_json) */
    int report_json;
    /* pass 1 of passes (2 with a histogram method), images done of total */
    void (*progress)(void *user, int pass, int passes, int64_t done, int64_t total);
    void *user;
} dlk_quantize_opts;
DLK_API void dlk_quantize_opts_default(dlk_quantize_opts *o);

typedef struct {
    int64_t calibration_images; /* flips included */
    int calib_skipped;          /* calib_dir: links to a folder or image already seen, skipped */
    int nodes, qdq_nodes;       /* compute nodes, QuantizeLinear/DequantizeLinear nodes */
    size_t bytes;               /* of the written file */
} dlk_quantize_result;

/* Quantizes the float model at float_model into out (written atomically; nothing is left on
 * failure). An int8 model is refused, and so is an out or report that is one of the inputs.
 * Calibration runs the reference kernels, so the file is the same bytes on every machine, ISA and
 * thread count. res may be NULL. */
DLK_API int dlk_quantize(const char *float_model, const char *out, const dlk_quantize_opts *o, dlk_quantize_result *res,
                         dlk_err *err);

#ifdef __cplusplus
}
#endif
#endif
