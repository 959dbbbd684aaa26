/* SPDX-License-Identifier: Apache-2.0 */
/* The classifier of include/dlakit/classify.h, held by value inside the library (eval, quantize):
 * a model prepared for one image at a time with its preprocessing. */
#ifndef DLK_CLASSIFIER_H
#define DLK_CLASSIFIER_H

#include "dlakit.h"
#include "image/image.h"

struct dlk_classifier {
    dlk_model *m;
    dlk_ctx *ctx;       /* batch 1 */
    dlk_pre_opts pre;   /* with h, w resolved */
    int classes;
    int output_is_prob; /* the model ends in Softmax */
    uint8_t *hwc;       /* scratch: the preprocessed image */
};
typedef struct dlk_classifier classifier;

/* Loads the model and prepares it for batch 1 at pre's size (pre->h, pre->w 0: the model's). */
int classifier_open(classifier *c, const char *model, const dlk_pre_opts *pre, unsigned flags, dlk_err *err);
void classifier_close(classifier *c);
/* The input of one image (float32 1 x 3 x H x W): what other contexts of the model are made for. */
dlk_shape classifier_input_shape(const classifier *c);
/* Preprocesses im into hwc (3 H W bytes) and normalizes it into ctx's input. */
int classifier_fill(const classifier *c, const dlk_image *im, uint8_t *hwc, dlk_ctx *ctx, dlk_err *err);

#endif
