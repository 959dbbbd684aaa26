/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Training over a float graph (fine-tuning): a network of the operators a DLA uses (Conv incl.
 * grouped, Gemm, Relu, Add, Concat, MaxPool, GlobalAveragePool, Flatten) made from a dlk_graph that
 * no pass has rewritten, a forward pass that keeps every activation of one image, the backward
 * passes, softmax cross-entropy, and AdamW / SGD. Images are independent (the models have their
 * BatchNorm folded into the convolutions, so nothing couples the images of a batch): each thread
 * runs the forward and backward passes of its share of a batch's images one at a time and sums its
 * gradients; the shares are added in thread order, so a result depends on the seed and the thread
 * count only.
 */
#ifndef DLK_TRAIN_H
#define DLK_TRAIN_H

#include "graph/graph.h"

#include <stdint.h>

typedef enum { DLK_TN_CONV, DLK_TN_RELU, DLK_TN_ADD, DLK_TN_CONCAT, DLK_TN_MAXPOOL, DLK_TN_GAP, DLK_TN_FLATTEN } dlk_tn_kind;

/* One node; values are the net's (per image: c x h x w floats). */
typedef struct {
    dlk_tn_kind kind;
    int in[DLK_NODE_MAX_IN], n_in, out;
    int gnode;                 /* the graph's node */
    /* Conv (and Gemm as a 1x1 conv), MaxPool */
    int group, kh, kw, sh, sw, dh, dw, pt, pl;
    int param;                 /* Conv: its dlk_tparam, else -1 */
} dlk_tnode;

typedef struct { int c, h, w; } dlk_tdim;

typedef struct {
    float *w, *b;              /* owned; b always present (zeros when the graph has none) */
    int64_t nw, nb;            /* counts; w is cout x cin/group x kh x kw */
    int wval, bval;            /* graph values (-1: the graph's conv has no bias) */
    int gemm;                  /* a Gemm (weights written back as cout x cin) */
    int trainable;
    float *mw, *vw, *mb, *vb;  /* optimizer state */
} dlk_tparam;

typedef struct {
    dlk_tnode *nodes;
    int n_nodes;
    dlk_tdim *vals;
    int n_vals;
    int *gval;                 /* net value -> graph value */
    int input, output;         /* net values */
    dlk_tparam *params;
    int n_params;
    int classes;
    int start;                 /* nodes [0, start) are frozen and never differentiated */
    int cut;                   /* the value between the frozen part and the rest (input when start 0) */
    size_t col_floats;         /* the largest im2col buffer */
} dlk_tnet;

typedef enum { DLK_TRAIN_HEAD, DLK_TRAIN_LAST, DLK_TRAIN_ALL } dlk_train_mode;

/* Builds the network of g (finalized, float, one input N x C x H x W of the given h, w). */
int dlk_tnet_build(dlk_tnet *n, const dlk_graph *g, int h, int w, dlk_err *err);
void dlk_tnet_free(dlk_tnet *n);
/* Replaces the classifier (the last Conv or Gemm) by one of `classes` outputs, initialized as
 * PyTorch's default (uniform +-1/sqrt(fan_in), weights and bias) from seed; chooses what trains
 * (head: the classifier; last: every conv after the last stage's input; all: every conv) and the
 * cut. */
int dlk_tnet_setup(dlk_tnet *n, dlk_train_mode mode, int classes, uint64_t seed, dlk_err *err);
/* Writes the parameters back into g's constants (the classifier's shapes changed, the graph's
 * output dims set to classes). */
int dlk_tnet_store(const dlk_tnet *n, dlk_graph *g, dlk_err *err);

/* Per-thread working memory: every value of one image, their gradients, im2col, parameter grads. */
typedef struct {
    float **act, **grad;
    float *col, *dcol;
    float **gw, **gb;          /* per param (trainable only) */
} dlk_twork;

int dlk_twork_init(dlk_twork *wk, const dlk_tnet *n, dlk_err *err);
void dlk_twork_free(dlk_twork *wk, const dlk_tnet *n);
int64_t dlk_tval_size(const dlk_tnet *n, int v);
/* Runs nodes [from, to) on wk's values (the inputs of node `from` must be in place). */
void dlk_tnet_forward(const dlk_tnet *n, dlk_twork *wk, int from, int to);
/* Softmax cross-entropy of the output against label: the loss; its gradient into grad[output]. */
double dlk_tnet_loss(const dlk_tnet *n, dlk_twork *wk, int label);
/* Back from the output to node `start` (its gradients zeroed first), parameter grads added. */
void dlk_tnet_backward(const dlk_tnet *n, dlk_twork *wk);
/* Zeroes wk's parameter gradients. */
void dlk_twork_zero_grads(dlk_twork *wk, const dlk_tnet *n);

/* The backward passes on their own (for tests): per image, CHW. */
void dlk_conv_fwd(const float *x, int cin, int h, int w, const float *wt, const float *b, int cout, const dlk_tnode *t,
                  int ho, int wo, float *y, float *col);
void dlk_conv_bwd(const float *x, int cin, int h, int w, const float *wt, int cout, const dlk_tnode *t, int ho, int wo,
                  const float *dy, float *dx, float *dw, float *db, float *col, float *dcol);
void dlk_maxpool_fwd(const float *x, int c, int h, int w, const dlk_tnode *t, int ho, int wo, float *y);
void dlk_maxpool_bwd(const float *x, int c, int h, int w, const dlk_tnode *t, int ho, int wo, const float *dy, float *dx);

typedef enum { DLK_OPT_ADAMW, DLK_OPT_SGD } dlk_optimizer;
typedef struct {
    dlk_optimizer kind;
    double lr, weight_decay, beta1, beta2, eps, momentum;
    long step;
} dlk_optim;
/* One step on every trainable parameter with gradient g (already averaged over the batch):
 * gw[p] / gb[p]. AdamW: decoupled weight decay (PyTorch's AdamW); SGD: momentum, L2 decay added to
 * the gradient (PyTorch's SGD). A bias the file does not have (bval < 0) stays 0. */
int dlk_optim_step(dlk_optim *o, dlk_tnet *n, float *const *gw, float *const *gb, dlk_err *err);

/* splitmix64 */
static inline uint64_t dlk_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* Uniform in [0, 1) (24 bits). */
static inline float dlk_rng_unif(uint64_t *s) { return (float)(dlk_rng_next(s) >> 40) * (1.0f / 16777216.0f); }

#endif
