/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_classifier, top-K, softmax and class names (include/dlakit/classify.h). */
#include "image/classifier.h"
#include "lib/labels.h"
#include "runtime/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dlk_shape classifier_input_shape(const classifier *c)
{
    dlk_shape s = dlk_model_input_shape(c->m, 0);
    s.dtype = DLK_FLOAT;
    s.ndim = 4;
    s.dims[0] = 1;
    s.dims[1] = 3;
    s.dims[2] = c->pre.h;
    s.dims[3] = c->pre.w;
    return s;
}

static int make_ctx(classifier *c, dlk_err *err)
{
    dlk_shape s = classifier_input_shape(c);
    c->ctx = dlk_ctx_new(c->m, &s, 1, err);
    if (!c->ctx) return -1;
    dlk_shape os;
    dlk_ctx_output(c->ctx, 0, &os);
    c->classes = (int)dlk_shape_numel(&os);
    if (os.dtype != DLK_FLOAT || c->classes < 1) {
        snprintf(err->msg, sizeof err->msg, "the model's output is not float scores");
        return -1;
    }
    c->hwc = malloc(3 * (size_t)c->pre.h * c->pre.w);
    if (!c->hwc) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    return 0;
}

int classifier_open(classifier *c, const char *model, const dlk_pre_opts *pre, unsigned flags, dlk_err *err)
{
    memset(c, 0, sizeof *c);
    if (pre) c->pre = *pre;
    else dlk_pre_opts_default(&c->pre, 0, 0);
    int have_size = c->pre.h > 0 && c->pre.w > 0;
    c->m = dlk_model_load_ex(model, flags, err);
    if (!c->m) return -1;
    if (dlk_model_num_inputs(c->m) != 1 || dlk_model_num_outputs(c->m) != 1) {
        snprintf(err->msg, sizeof err->msg, "%s: a classifier needs one input and one output", model);
        return -1;
    }
    dlk_shape in = dlk_model_input_shape(c->m, 0);
    if (in.dtype != DLK_FLOAT || in.ndim != 4 || (in.dims[1] >= 0 && in.dims[1] != 3)) {
        snprintf(err->msg, sizeof err->msg, "%s: the input is not float32 N x 3 x H x W", model);
        return -1;
    }
    if (have_size) {
        if ((in.dims[2] >= 0 && in.dims[2] != c->pre.h) || (in.dims[3] >= 0 && in.dims[3] != c->pre.w)) {
            snprintf(err->msg, sizeof err->msg, "%s: the model takes %lldx%lld images, --size says %dx%d", model,
                     (long long)in.dims[2], (long long)in.dims[3], c->pre.h, c->pre.w);
            return -1;
        }
    } else {
        if (in.dims[2] < 0 || in.dims[3] < 0) {
            snprintf(err->msg, sizeof err->msg, "%s: the input's height and width are symbolic: give --size HxW", model);
            return -1;
        }
        c->pre.h = (int)in.dims[2];
        c->pre.w = (int)in.dims[3];
    }
    const dlk_graph *g = &c->m->g;
    int prod = g->values[g->outputs[0]].producer;
    for (int i = 0; prod >= 0 && i < 3; i++) { /* Softmax, possibly followed by Flatten/Reshape */
        const dlk_node *n = &g->nodes[prod];
        if (!strcmp(n->op_type, "Softmax")) c->output_is_prob = 1;
        if (strcmp(n->op_type, "Flatten") && strcmp(n->op_type, "Reshape") && strcmp(n->op_type, "Identity")) break;
        prod = n->n_in ? g->values[n->in[0]].producer : -1;
    }
    return make_ctx(c, err);
}

void classifier_close(classifier *c)
{
    dlk_ctx_free(c->ctx);
    dlk_model_free(c->m);
    free(c->hwc);
    memset(c, 0, sizeof *c);
}

int classifier_fill(const classifier *c, const dlk_image *im, uint8_t *hwc, dlk_ctx *ctx, dlk_err *err)
{
    if (dlk_preprocess_u8(im, &c->pre, hwc, err)) return -1;
    dlk_normalize_nchw(hwc, c->pre.h, c->pre.w, &c->pre, dlk_ctx_input(ctx, 0, NULL));
    return 0;
}

void dlk_topk(const float *s, int n, int k, int *idx)
{
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            for (int t = 0; t < j && !taken; t++) taken = idx[t] == i;
            if (taken) continue;
            /* strictly greater: among equal scores the lowest index wins (numpy's argmax) */
            if (best < 0 || s[i] > s[best] || (isnan(s[best]) && !isnan(s[i]))) best = i;
        }
        idx[j] = best;
    }
}

void dlk_softmax(const float *s, int n, float *p)
{
    double mx = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        if (s[i] > mx) mx = s[i];
    for (int i = 0; i < n; i++) sum += exp((double)s[i] - mx);
    for (int i = 0; i < n; i++) p[i] = (float)(exp((double)s[i] - mx) / sum);
}

const char *dlk_class_name(const dlk_labels *l, int classes, int k)
{
    if (k < 0) return NULL;
    if (l && l->n) return k < l->n ? l->names[k] : NULL;
    if (classes == 1000) return dlk_imagenet_labels[k];
    return NULL;
}

/* --- the public handle ---------------------------------------------------------------------- */
dlk_classifier *dlk_classifier_open(const char *model, const dlk_pre_opts *pre, unsigned flags, dlk_err *err)
{
    dlk_classifier *c = malloc(sizeof *c);
    if (!c) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", model);
        return NULL;
    }
    if (classifier_open(c, model, pre, flags, err)) {
        classifier_close(c);
        free(c);
        return NULL;
    }
    return c;
}

void dlk_classifier_close(dlk_classifier *c)
{
    if (!c) return;
    classifier_close(c);
    free(c);
}

const dlk_model *dlk_classifier_model(const dlk_classifier *c) { return c->m; }
int dlk_classifier_classes(const dlk_classifier *c) { return c->classes; }
const dlk_pre_opts *dlk_classifier_pre(const dlk_classifier *c) { return &c->pre; }
int dlk_classifier_output_is_prob(const dlk_classifier *c) { return c->output_is_prob; }

const float *dlk_classifier_run(dlk_classifier *c, const dlk_image *im, dlk_err *err)
{
    if (classifier_fill(c, im, c->hwc, c->ctx, err) || dlk_ctx_run(c->ctx, err)) return NULL;
    return dlk_ctx_output(c->ctx, 0, NULL);
}

const float *dlk_classifier_run_u8(dlk_classifier *c, const uint8_t *hwc, dlk_err *err)
{
    dlk_normalize_nchw(hwc, c->pre.h, c->pre.w, &c->pre, dlk_ctx_input(c->ctx, 0, NULL));
    if (dlk_ctx_run(c->ctx, err)) return NULL;
    return dlk_ctx_output(c->ctx, 0, NULL);
}

void dlk_classifier_probabilities(const dlk_classifier *c, const float *scores, float *prob)
{
    if (c->output_is_prob) memcpy(prob, scores, sizeof(float) * (size_t)c->classes);
    else dlk_softmax(scores, c->classes, prob);
}
