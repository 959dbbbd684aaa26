/* SPDX-License-Identifier: Apache-2.0 */
/* Per-layer report: the SNR of every quantized tensor of an int8 model against the float model's
 * tensor on the same inputs, so a user sees which layers to leave in float. */
#ifndef DLK_QUANT_REPORT_H
#define DLK_QUANT_REPORT_H

#include "runtime/runtime.h"

typedef struct {
    char *name;          /* the float tensor compared */
    char *node;          /* the node of the float model that produced it */
    int fv, qv;          /* values in the float and in the int8 model */
    float scale;
    int zp;
    double sig, noise;   /* sums of squares */
    float *ref;          /* the float tensor of the current input */
    size_t n;
} dlk_report_entry;

typedef struct {
    const dlk_model *fm, *qm;
    dlk_report_entry *e;
    int n;
    int *by_fv, *by_qv;  /* value -> entry or -1 */
} dlk_report;

/* qm: the int8 model as dlakit loaded it (QDQ units fused); its tensors are matched to fm's by
 * ORT's names (T_QuantizeLinear_Output, T_quantized). */
int dlk_report_init(dlk_report *r, const dlk_model *fm, const dlk_model *qm, dlk_err *err);
/* Runs both contexts on the inputs already written into them and accumulates. */
int dlk_report_add(dlk_report *r, dlk_ctx *fc, dlk_ctx *qc, dlk_err *err);
/* TSV (layer, tensor, SNR dB), worst first; JSON array when json. Written atomically. */
int dlk_report_write(const dlk_report *r, const char *path, int json, dlk_err *err);
void dlk_report_free(dlk_report *r);

#endif
