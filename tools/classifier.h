/* What classify and eval share: preprocessing options, a model prepared for one image at a time,
 * top-K ranking and class names. */
#ifndef DLK_CLASSIFIER_H
#define DLK_CLASSIFIER_H

#include "cli.h"
#include "image/image.h"
#include "lib/labels.h"

typedef struct {
    dlk_model *m;
    dlk_ctx *ctx;       /* batch 1 */
    dlk_pre_opts pre;   /* with h, w resolved */
    int classes;
    int output_is_prob; /* the model ends in Softmax */
    uint8_t *hwc;       /* scratch: the preprocessed image */
} classifier;

/* Loads the model and prepares it for batch 1 at the resolved size. */
int classifier_open(classifier *c, const char *model, const cli_pre *p, dlk_err *err);
void classifier_close(classifier *c, int owns_model);
/* The input of one image (float32 1 x 3 x H x W): what other contexts of the model are made for. */
dlk_shape classifier_input_shape(const classifier *c);
/* Preprocesses im into hwc (3 H W bytes) and normalizes it into ctx's input. */
int classifier_fill(const classifier *c, const dlk_image *im, uint8_t *hwc, dlk_ctx *ctx, dlk_err *err);
/* Preprocesses and runs one image; scores points into the context (valid until the next call). */
int classifier_run(classifier *c, const dlk_image *im, const float **scores, dlk_err *err);

/* Indices of the k best scores, best first, ties by lower index (k <= n). */
void cli_topk(const float *s, int n, int k, int *idx);
/* Softmax probabilities of scores (in double, written as float). */
void cli_softmax(const float *s, int n, float *p);
/* A class's name: from labels if given, else ImageNet's for 1000 classes, else NULL. */
const char *cli_class_name(const dlk_labels *l, int classes, int k);

#endif
