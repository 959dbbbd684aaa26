/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_eval (include/dlakit/classify.h): a classifier over every item of an ImageFolder or of MNIST
 * IDX files, on a pool of contexts (runtime/batch.h); each item's top-1 and top-5 kept. */
#include "image/classifier.h"
#include "image/image.h"
#include "lib/labels.h"
#include "runtime/batch.h"
#include "util/err.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *path; /* NULL for IDX items */
    int idx;    /* IDX item index */
    int label;
} item;

struct dlk_eval {
    classifier c;
    item *all;          /* every item of the data set */
    int n_all;
    const item *items;  /* the evaluated ones */
    int n;
    dlk_idx ximg;
    dlk_labels classes; /* DIR's folder names, unless labels were given */
    const dlk_labels *labels;
    uint8_t **hwc;      /* per thread */
    int *pred;
    char *top5;
    double seconds;
    const dlk_eval_opts *o;
};

void dlk_eval_opts_default(dlk_eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ImageFolder items; class names into e->classes unless labels fix the order. */
static int folder_items(dlk_eval *e, const char *root, const dlk_labels *labels, dlk_err *err)
{
    char **cls;
    int ncls;
    if (dlk_list_dir(root, 1, &cls, &ncls)) return dlk_fail(err, "%s: cannot open folder", root);
    if (!ncls) {
        free(cls);
        return dlk_fail(err, "%s: no class folders (expected DIR/<class>/*.png|jpg)", root);
    }
    int cap = 0;
    for (int c = 0; c < ncls; c++) {
        int label = c;
        if (labels && labels->n) {
            label = -1;
            for (int k = 0; k < labels->n && label < 0; k++)
                if (!strcmp(labels->names[k], cls[c])) label = k;
            if (label < 0) {
                dlk_fail(err, "%s: class folder '%s' is not in the labels file", root, cls[c]);
                free_names(cls, ncls);
                return -1;
            }
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, cls[c]);
        char **files;
        int nf;
        if (dlk_list_dir(dir, 0, &files, &nf)) continue;
        for (int f = 0; f < nf; f++) {
            if (e->n_all == cap) {
                cap = cap ? cap * 2 : 256;
                item *ni = realloc(e->all, sizeof(item) * cap);
                if (!ni) {
                    free_names(files, nf);
                    free_names(cls, ncls);
                    return dlk_fail(err, "out of memory");
                }
                e->all = ni;
            }
            size_t l = strlen(dir) + strlen(files[f]) + 2;
            char *p = malloc(l);
            if (!p) continue;
            snprintf(p, l, "%s/%s", dir, files[f]);
            e->all[e->n_all++] = (item){p, -1, label};
        }
        free_names(files, nf);
    }
    if (!(labels && labels->n)) {
        e->classes.n = ncls;
        e->classes.names = cls;
    } else {
        free_names(cls, ncls);
    }
    return 0;
}

static int idx_items(dlk_eval *e, const char *images, const char *labels, dlk_err *err)
{
    dlk_idx xlbl = {0, {0}, NULL};
    int rc = -1;
    if (dlk_idx_read(images, &e->ximg, err) || dlk_idx_read(labels, &xlbl, err)) goto out;
    if (e->ximg.ndim != 3 || xlbl.ndim != 1 || e->ximg.dims[0] != xlbl.dims[0]) {
        dlk_fail(err, "%s, %s: need idx3 images and idx1 labels of the same count", images, labels);
        goto out;
    }
    e->n_all = e->ximg.dims[0];
    if (!(e->all = malloc(sizeof(item) * (e->n_all ? e->n_all : 1)))) {
        dlk_fail(err, "out of memory");
        goto out;
    }
    for (int i = 0; i < e->n_all; i++) e->all[i] = (item){NULL, i, xlbl.data[i]};
    rc = 0;
out:
    dlk_idx_free(&xlbl);
    return rc;
}

static int eval_fill(void *user, dlk_ctx *ctx, int thread, int64_t i, int64_t count, dlk_err *err)
{
    const dlk_eval *e = user;
    const item *it = &e->items[i];
    (void)count;
    dlk_image im = {0};
    int bad;
    if (it->path) bad = dlk_image_load(it->path, &im, err);
    else bad = dlk_image_from_gray(e->ximg.data + (size_t)it->idx * e->ximg.dims[1] * e->ximg.dims[2], e->ximg.dims[2],
                                   e->ximg.dims[1], &im, err);
    if (!bad) bad = classifier_fill(&e->c, &im, e->hwc[thread], ctx, err);
    dlk_image_free(&im);
    return bad ? 1 : 0;
}

static int eval_consume(void *user, const dlk_ctx *ctx, int thread, int64_t i, int64_t count, const dlk_err *item_err,
                        dlk_err *err)
{
    dlk_eval *e = user;
    (void)thread, (void)count, (void)err;
    e->pred[i] = -1;
    e->top5[i] = 0;
    if (item_err) {
        if (e->o->unreadable) e->o->unreadable(e->o->user, i, item_err->msg);
        return 0;
    }
    int top[5], k = e->c.classes < 5 ? e->c.classes : 5;
    dlk_topk(dlk_ctx_output(ctx, 0, NULL), e->c.classes, k, top);
    e->pred[i] = top[0];
    for (int t = 0; t < k; t++) e->top5[i] |= top[t] == e->items[i].label;
    return 0;
}

static void eval_progress(void *user, int64_t done, int64_t n)
{
    const dlk_eval *e = user;
    if (e->o->progress) e->o->progress(e->o->user, done, n);
}

dlk_eval *dlk_eval_open(const char *model, const dlk_eval_opts *o, dlk_err *err)
{
    static dlk_eval_opts def;
    if (!o) dlk_eval_opts_default(&def), o = &def;
    if (!o->dir == !o->idx_images || (o->idx_images && !o->idx_labels))
        return dlk_fail(err, "eval: give either a folder or IDX images and labels"), NULL;
    dlk_eval *e = calloc(1, sizeof *e);
    if (!e) return dlk_fail(err, "out of memory"), NULL;
    e->o = o;
    e->labels = o->labels;
    if ((o->dir ? folder_items(e, o->dir, o->labels, err) : idx_items(e, o->idx_images, o->idx_labels, err)) ||
        classifier_open(&e->c, model, o->pre, 0, err)) {
        dlk_eval_free(e);
        return NULL;
    }
    return e;
}

int64_t dlk_eval_num_items(const dlk_eval *e) { return e->n_all; }

int dlk_eval_run(dlk_eval *e, int64_t first, int64_t count, dlk_err *err)
{
    const dlk_eval_opts *o = e->o;
    const char *set = o->dir ? o->dir : o->idx_images;
    if (first < 0 || first > e->n_all) return dlk_fail(err, "%s: item %lld is past the end (%d items)", set, (long long)first, e->n_all);
    if (count < 0 || count > e->n_all - first) count = e->n_all - first;
    if (count <= 0) return dlk_fail(err, "%s: no images to evaluate", set);
    free(e->pred), free(e->top5);
    e->pred = NULL, e->top5 = NULL, e->n = 0;
    int nc = e->c.classes;
    const item *items = e->all + first;
    for (int64_t i = 0; i < count; i++)
        if (items[i].label < 0 || items[i].label >= nc) {
            if (items[i].path) return dlk_fail(err, "%s: label %d, the model has %d classes", items[i].path, items[i].label, nc);
            return dlk_fail(err, "%s: item %lld has label %d, the model has %d classes", o->idx_labels, (long long)(first + i),
                            items[i].label, nc);
        }
    int threads = o->threads > 0 ? o->threads : 1;
    if (threads > count) threads = (int)count;
    e->items = items;
    e->n = (int)count;
    e->pred = malloc(sizeof(int) * e->n);
    e->top5 = malloc(e->n);
    e->hwc = calloc((size_t)threads, sizeof *e->hwc);
    int rc = -1;
    if (!e->pred || !e->top5 || !e->hwc) {
        dlk_fail(err, "out of memory");
        goto out;
    }
    for (int t = 0; t < threads; t++)
        if (!(e->hwc[t] = malloc((size_t)3 * e->c.pre.h * e->c.pre.w))) {
            dlk_fail(err, "out of memory");
            goto out;
        }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    dlk_batch_job bj = {.n = e->n, .batch = 1, .threads = threads, .input = classifier_input_shape(&e->c), .user = e,
                        .fill = eval_fill, .consume = eval_consume, .progress = eval_progress};
    rc = dlk_batch_run(e->c.m, &bj, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    e->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
out:
    if (e->hwc)
        for (int t = 0; t < threads; t++) free(e->hwc[t]);
    free(e->hwc);
    e->hwc = NULL;
    if (rc) e->n = 0;
    return rc;
}

void dlk_eval_get_summary(const dlk_eval *e, dlk_eval_summary *s)
{
    memset(s, 0, sizeof *s);
    s->images = e->n;
    s->seconds = e->seconds;
    for (int i = 0; i < e->n; i++) {
        s->unreadable += e->pred[i] < 0;
        s->top1 += e->pred[i] == e->items[i].label;
        s->top5 += e->top5[i];
    }
}

int dlk_eval_classes(const dlk_eval *e) { return e->c.classes; }
int dlk_eval_label(const dlk_eval *e, int64_t i) { return i >= 0 && i < e->n ? e->items[i].label : -1; }
int dlk_eval_prediction(const dlk_eval *e, int64_t i) { return i >= 0 && i < e->n ? e->pred[i] : -1; }
int dlk_eval_in_top5(const dlk_eval *e, int64_t i) { return i >= 0 && i < e->n ? e->top5[i] : 0; }
const char *dlk_eval_item_path(const dlk_eval *e, int64_t i) { return i >= 0 && i < e->n ? e->items[i].path : NULL; }

const char *dlk_eval_class_name(const dlk_eval *e, int c)
{
    return dlk_class_name(e->labels && e->labels->n ? e->labels : &e->classes, e->c.classes, c);
}

void dlk_eval_free(dlk_eval *e)
{
    if (!e) return;
    if (e->c.m) classifier_close(&e->c);
    for (int i = 0; i < e->n_all; i++) free(e->all[i].path);
    free(e->all);
    free(e->pred);
    free(e->top5);
    dlk_idx_free(&e->ximg);
    dlk_labels_free(&e->classes);
    free(e);
}
