/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_eval (include/dlakit/classify.h): a classifier over every item of an ImageFolder or of MNIST
 * IDX files, on a pool of contexts (runtime/batch.h); each item's top-1 and top-5 kept. */
#include "image/classifier.h"
#include "image/image.h"
#include "lib/labels.h"
#include "runtime/batch.h"
#include "util/err.h"
#include "util/file.h"
#include "util/outfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    const char *truth;  /* the ground-truth file (o->ground_truth or found) */
    char found[4200];   /* LOC_val_solution.csv found beside or above a flat DIR */
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

/* Entries of dir (dlk_list_dir), what it skipped reported through o->notice. */
static int list_dir(const dlk_eval *e, const char *dir, int want_dir, int natural, char ***out, int *n)
{
    int sk[3];
    if (dlk_list_dir(dir, want_dir, natural, out, n, sk)) return -1;
    if ((sk[0] || sk[1] || sk[2]) && e->o->notice) {
        char eb[1024], msg[1400];
        snprintf(msg, sizeof msg, "%s: skipped %d broken link%s, %d FIFO%s or other special file%s, %d nested folder%s",
                 dlk_esc(dir, eb, sizeof eb), sk[0], sk[0] == 1 ? "" : "s", sk[1], sk[1] == 1 ? "" : "s",
                 sk[1] == 1 ? "" : "s", sk[2], sk[2] == 1 ? "" : "s");
        e->o->notice(e->o->user, msg);
    }
    return 0;
}

/* Appends an item; -1 when out of memory. */
static int add_item(dlk_eval *e, int *cap, char *path, int label)
{
    if (e->n_all == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        item *ni = realloc(e->all, sizeof(item) * (size_t)*cap);
        if (!ni) return -1;
        e->all = ni;
    }
    e->all[e->n_all++] = (item){path, -1, label};
    return 0;
}

/* ImageFolder items; class names (escaped as dlk_labels_read escapes) into e->classes unless
 * labels or WordNet-ID folders fix the order. */
static int folder_items(dlk_eval *e, const char *root, const dlk_labels *labels, int natural, dlk_err *err)
{
    char **cls;
    int ncls;
    if (list_dir(e, root, 1, natural, &cls, &ncls)) return dlk_fail(err, "%s: cannot open folder", root);
    if (ncls <= 0) {
        free(cls);
        return dlk_fail(err, "%s: no class folders (expected DIR/<class>/*.png|jpg)", root);
    }
    /* ImageNet's WordNet-ID folders (n01440764/, ...): the standard class index of each, whatever
     * subset of the 1000 classes is there (with labels: for a folder not named in the file) */
    int nw = 0, have_labels = labels && labels->n;
    for (int c = 0; c < ncls; c++) nw += dlk_imagenet_wnid_index(cls[c]) != -1;
    int wnid = nw == ncls && (!have_labels || labels->n == 1000);
    if (nw && !wnid && !have_labels) {
        for (int c = 0; c < ncls; c++)
            if (dlk_imagenet_wnid_index(cls[c]) == -1) {
                dlk_fail(err, "%s: class folder '%s' is no WordNet ID, the others are (ImageNet's n01440764, ...)", root, cls[c]);
                break;
            }
        free_names(cls, ncls);
        return -1;
    }
    char **shown = calloc((size_t)ncls, sizeof *shown); /* the names as printed (dlk_labels_read's escaping) */
    for (int c = 0; c < ncls && shown; c++) {
        size_t l = 4 * strlen(cls[c]) + 1;
        if ((shown[c] = malloc(l))) dlk_escape(cls[c], shown[c], l);
        else {
            free_names(shown, c);
            shown = NULL;
        }
    }
    if (!shown) {
        free_names(cls, ncls);
        return dlk_fail(err, "out of memory");
    }
    int cap = 0, rc = 0;
    for (int c = 0; c < ncls && !rc; c++) {
        int label = c;
        if (have_labels || wnid) {
            label = -1;
            for (int k = 0; have_labels && k < labels->n && label < 0; k++)
                if (!strcmp(labels->names[k], shown[c])) label = k;
            if (label < 0 && wnid) label = dlk_imagenet_wnid_index(cls[c]);
            if (label < 0) {
                if (label == -2) rc = dlk_fail(err, "%s: class folder '%s' is the WordNet ID of no ImageNet-1k class", root, shown[c]);
                else rc = dlk_fail(err, "%s: class folder '%s' is not in the labels file", root, shown[c]);
                break;
            }
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, cls[c]);
        char **files;
        int nf;
        if (list_dir(e, dir, 0, 0, &files, &nf)) continue;
        for (int f = 0; f < nf && !rc; f++) {
            size_t l = strlen(dir) + strlen(files[f]) + 2;
            char *p = malloc(l);
            if (!p) continue;
            snprintf(p, l, "%s/%s", dir, files[f]);
            if (add_item(e, &cap, p, label)) {
                free(p);
                rc = dlk_fail(err, "out of memory");
            }
        }
        free_names(files, nf);
    }
    free_names(cls, ncls);
    if (!rc && !have_labels && !wnid) {
        e->classes.n = ncls;
        e->classes.names = shown;
    } else {
        free_names(shown, ncls);
    }
    return rc;
}

typedef struct {
    char *id;
    int label;
} gt_entry;

static int cmp_gt(const void *a, const void *b) { return strcmp(((const gt_entry *)a)->id, ((const gt_entry *)b)->id); }

/* A flat folder of images labelled by ImageNet's LOC_val_solution.csv ("ImageId,PredictionString",
 * the first WordNet ID of the prediction string is the class): an image the file does not name, or
 * a WordNet ID of no ImageNet-1k class, is an error. */
static int truth_items(dlk_eval *e, const char *root, const char *csv, dlk_err *err)
{
    const char *base = strrchr(csv, '/');
    base = base ? base + 1 : csv;
    if (!strcmp(base, "ILSVRC2012_validation_ground_truth.txt"))
        return dlk_fail(err, "%s: the development kit's class IDs (its own synset order) are not built in; give "
                             "LOC_val_solution.csv or class folders named by WordNet ID",
                        csv);
    FILE *f = fopen(csv, "rb");
    if (!f) return dlk_fail(err, "%s: cannot open", csv);
    gt_entry *gt = NULL;
    int ng = 0, cap = 0, rc = -1, line_no = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line_no++;
        char *comma = strchr(line, ',');
        if (line_no == 1 && !strncmp(line, "ImageId,", 8)) continue;
        if (!comma) {
            if (strspn(line, " \r\n") == strlen(line)) continue;
            dlk_fail(err, "%s: line %d: expected ImageId,PredictionString", csv, line_no);
            goto done;
        }
        *comma = 0;
        char wn[16] = "";
        sscanf(comma + 1, "%15s", wn);
        int label = dlk_imagenet_wnid_index(wn);
        if (label < 0) {
            dlk_fail(err, "%s: line %d: '%s' is no ImageNet-1k WordNet ID", csv, line_no, wn);
            goto done;
        }
        if (ng == cap) {
            cap = cap ? cap * 2 : 1024;
            gt_entry *ng2 = realloc(gt, sizeof *gt * (size_t)cap);
            if (!ng2) goto oom;
            gt = ng2;
        }
        size_t l = strlen(line) + 1;
        if (!(gt[ng].id = malloc(l))) goto oom;
        memcpy(gt[ng].id, line, l);
        gt[ng++].label = label;
        if (ng > 10000000) break;
    }
    if (ng) qsort(gt, (size_t)ng, sizeof *gt, cmp_gt);
    char **files;
    int nf;
    if (list_dir(e, root, 0, 0, &files, &nf)) {
        dlk_fail(err, "%s: cannot open folder", root);
        goto done;
    }
    if (!nf) dlk_fail(err, "%s: no PNG or JPEG images", root);
    int icap = 0, bad = 0;
    for (int i = 0; i < nf && !bad; i++) {
        char stem[4096];
        snprintf(stem, sizeof stem, "%s", files[i]);
        char *dot = strrchr(stem, '.');
        if (dot) *dot = 0;
        gt_entry key = {stem, 0}, *hit = ng ? bsearch(&key, gt, (size_t)ng, sizeof *gt, cmp_gt) : NULL;
        if (!hit) {
            bad = dlk_fail(err, "%s: %s is not in %s", root, files[i], csv);
            break;
        }
        size_t l = strlen(root) + strlen(files[i]) + 2;
        char *p = malloc(l);
        if (p) snprintf(p, l, "%s/%s", root, files[i]);
        if (!p || add_item(e, &icap, p, hit->label)) {
            free(p);
            bad = dlk_fail(err, "out of memory");
        }
    }
    rc = nf && !bad ? 0 : -1;
    free_names(files, nf);
    goto done;
oom:
    dlk_fail(err, "out of memory");
done:
    fclose(f);
    for (int i = 0; i < ng; i++) free(gt[i].id);
    free(gt);
    return rc;
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
    if (!bad && (bad = classifier_fill(&e->c, &im, e->hwc[thread], ctx, err)) != 0 && it->path)
        dlk_err_prefix(err, "%s", it->path); /* preprocessing's messages do not name the file */
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
    if (o->ground_truth && !o->dir) return dlk_fail(err, "eval: a ground-truth file goes with a folder"), NULL;
    dlk_eval *e = calloc(1, sizeof *e);
    if (!e) return dlk_fail(err, "out of memory"), NULL;
    e->o = o;
    e->labels = o->labels;
    e->truth = o->ground_truth;
    if (o->dir && !e->truth) { /* a flat ImageNet val/ folder: its LOC_val_solution.csv beside or above it */
        char **sub;
        int nsub;
        if (!dlk_list_dir(o->dir, 1, 0, &sub, &nsub, NULL)) {
            free_names(sub, nsub);
            for (int up = 0; !nsub && up < 2 && !e->truth; up++) {
                snprintf(e->found, sizeof e->found, "%s%s/LOC_val_solution.csv", o->dir, up ? "/.." : "");
                if (!access(e->found, R_OK)) e->truth = e->found;
            }
        }
    }
    int listed = o->dir ? (e->truth ? truth_items(e, o->dir, e->truth, err)
                                    : folder_items(e, o->dir, o->labels, !o->class_order_sorted, err))
                        : idx_items(e, o->idx_images, o->idx_labels, err);
    if (listed || classifier_open(&e->c, model, o->pre, 0, err)) {
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

int dlk_eval_uses_file(const dlk_eval *e, const char *path)
{
    const dlk_eval_opts *o = e->o;
    if (!path) return 0;
    if (dlk_same_file(path, o->idx_images) || dlk_same_file(path, o->idx_labels) || dlk_same_file(path, e->truth)) return 1;
    for (int i = 0; i < e->n_all; i++)
        if (e->all[i].path && dlk_same_file(path, e->all[i].path)) return 1;
    return 0;
}

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
