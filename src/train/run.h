/* SPDX-License-Identifier: Apache-2.0 */
/* Running a batch of images through a dlk_tnet on several threads. */
#ifndef DLK_TRAIN_RUN_H
#define DLK_TRAIN_RUN_H

#include "train/train.h"

typedef enum {
    DLK_TJOB_FEATURES, /* forward to the cut: feat[i] = its value */
    DLK_TJOB_PREDICT,  /* forward to the output: pred[i] = top-1 (lowest index among equal maxima) */
    DLK_TJOB_TRAIN     /* forward, loss, backward: gradients summed into wk[0] */
} dlk_tjob;

typedef struct {
    dlk_tjob job;
    const float *const *x; /* per image: the input (from_input) or the cut's value */
    int from_input;
    const int *labels;     /* TRAIN: required; PREDICT: counts correct ones when given */
    int count;
    float *const *feat;    /* FEATURES */
    int *pred;             /* PREDICT, TRAIN: may be NULL */
} dlk_tbatch;

/* wk: nth working sets. loss: the summed loss (TRAIN), correct: top-1 hits (with labels). */
int dlk_tbatch_run(const dlk_tnet *n, dlk_twork *wk, int nth, const dlk_tbatch *b, double *loss, int *correct, dlk_err *err);

#endif
