/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dlakit classification: top-K with dlakit's tie rule, softmax, class names, a model prepared for
 * one image at a time, and accuracy over a labelled data set (an ImageFolder or MNIST IDX files).
 */
#ifndef DLAKIT_CLASSIFY_H
#define DLAKIT_CLASSIFY_H

#include "../dlakit.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Indices of the k best of n scores, best first, ties by the lower index (numpy's argmax for
 * k = 1); NaN ranks below every number. k <= n. */
DLK_API void dlk_topk(const float *scores, int n, int k, int *idx);
/* Softmax probabilities of scores (computed in double, written as float). */
DLK_API void dlk_softmax(const float *scores, int n, float *prob);

/* Class names: a text file with one name per line (CR/LF stripped, empty lines kept as ""). */
typedef struct dlk_labels dlk_labels;
DLK_API dlk_labels *dlk_labels_open(const char *path, dlk_err *err);
DLK_API int dlk_labels_count(const dlk_labels *l);
DLK_API const char *dlk_labels_name(const dlk_labels *l, int k); /* NULL when k is out of range */
DLK_API void dlk_labels_close(dlk_labels *l);
/* The name of class k of a model with `classes` classes: from l when given (NULL past its end),
 * else ImageNet's for 1000 classes, else NULL. */
DLK_API const char *dlk_class_name(const dlk_labels *l, int classes, int k);

/* A model with one float32 N x 3 x H x W input and one float output, prepared for batch 1. */
typedef struct dlk_classifier dlk_classifier;
/* pre: NULL for the zoo's defaults; pre->h, pre->w 0 for the model's declared size (which must
 * then be known). flags: DLK_LOAD_*. */
DLK_API dlk_classifier *dlk_classifier_open(const char *model, const dlk_pre_opts *pre, unsigned flags, dlk_err *err);
DLK_API void dlk_classifier_close(dlk_classifier *c);
DLK_API const dlk_model *dlk_classifier_model(const dlk_classifier *c);
DLK_API int dlk_classifier_classes(const dlk_classifier *c);
/* The preprocessing with the size resolved. */
DLK_API const dlk_pre_opts *dlk_classifier_pre(const dlk_classifier *c);
/* Whether the model ends in Softmax (its scores are already probabilities). */
DLK_API int dlk_classifier_output_is_prob(const dlk_classifier *c);
/* Preprocesses and runs one image: its scores (valid until the next run), NULL on failure. */
DLK_API const float *dlk_classifier_run(dlk_classifier *c, const dlk_image *im, dlk_err *err);
/* Runs one image already preprocessed (uint8 H x W x 3 at the classifier's size). */
DLK_API const float *dlk_classifier_run_u8(dlk_classifier *c, const uint8_t *hwc, dlk_err *err);
/* Probabilities of scores: a copy when the model ends in Softmax, else their softmax. */
DLK_API void dlk_classifier_probabilities(const dlk_classifier *c, const float *scores, float *prob);

/* --- evaluation -------------------------------------------------------------------------------- */
typedef struct {
    /* an ImageFolder: DIR/<class>/IMAGE.png|jpg|jpeg, classes in timm's natural order of the folder
     * names (class2 before class10), images sorted; folders named by ImageNet WordNet ID
     * (n01440764, ...) take that class's standard index. A DIR without class folders is a flat
     * ImageNet val/ folder labelled by ground_truth, or by the LOC_val_solution.csv in DIR or its
     * parent. */
    const char *dir;
    const char *idx_images, *idx_labels;   /* or MNIST-style IDX files (idx3 images, idx1 labels) */
    const dlk_labels *labels;              /* class order of DIR's folders (NULL: natural order) */
    const char *ground_truth;              /* with dir: ImageNet's LOC_val_solution.csv */
    int class_order_sorted;                /* DIR's classes in byte order instead of natural order */
    int threads;                           /* worker threads (results do not depend on them) */
    const dlk_pre_opts *pre;               /* NULL: the zoo's defaults at the model's size */
    void (*progress)(void *user, int64_t done, int64_t total);
    /* an unreadable item (counted as wrong; the run goes on) */
    void (*unreadable)(void *user, int64_t item, const char *msg);
    /* a note about the data set (entries of DIR skipped: broken links, special files, nested
     * folders), while dlk_eval_open lists it */
    void (*notice)(void *user, const char *msg);
    void *user;
} dlk_eval_opts;
DLK_API void dlk_eval_opts_default(dlk_eval_opts *o);

typedef struct dlk_eval dlk_eval;
typedef struct {
    int64_t images, unreadable, top1, top5; /* counts of correct answers */
    double seconds;                         /* wall-clock time of the runs */
} dlk_eval_summary;
/* Lists the data set and prepares the model (o is kept: it must outlive the dlk_eval). */
DLK_API dlk_eval *dlk_eval_open(const char *model, const dlk_eval_opts *o, dlk_err *err);
/* Items in the data set (ImageFolder: classes in order, files sorted in each; IDX: file order). */
DLK_API int64_t dlk_eval_num_items(const dlk_eval *e);
/* Classifies items [first, first + count) (count < 0: to the end); the results below are theirs,
 * indexed from 0. A label outside the model's classes fails the run. */
DLK_API int dlk_eval_run(dlk_eval *e, int64_t first, int64_t count, dlk_err *err);
DLK_API void dlk_eval_get_summary(const dlk_eval *e, dlk_eval_summary *s);
DLK_API int dlk_eval_classes(const dlk_eval *e);
/* Item i (0 .. images - 1): its label, top-1 prediction (-1: unreadable), whether the label is
 * among its 5 best, its file (NULL for an IDX item). */
DLK_API int dlk_eval_label(const dlk_eval *e, int64_t i);
DLK_API int dlk_eval_prediction(const dlk_eval *e, int64_t i);
DLK_API int dlk_eval_in_top5(const dlk_eval *e, int64_t i);
DLK_API const char *dlk_eval_item_path(const dlk_eval *e, int64_t i);
/* Whether path is one of the data set's files (an image, the IDX or ground-truth file): for a
 * caller about to write path. */
DLK_API int dlk_eval_uses_file(const dlk_eval *e, const char *path);
/* Class c's name: from the labels, DIR's folder names, or ImageNet's for 1000 classes; or NULL. */
DLK_API const char *dlk_eval_class_name(const dlk_eval *e, int c);
DLK_API void dlk_eval_free(dlk_eval *e);

#ifdef __cplusplus
}
#endif
#endif
