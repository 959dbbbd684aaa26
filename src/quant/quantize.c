/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_quantize (include/dlakit/quantize.h): a float model calibrated on images (a folder, a .npy
 * of preprocessed images or MNIST IDX files, on a pool of contexts), quantized (quant.h), checked
 * to load and prepare, optionally compared layer by layer (report.h), and written atomically. */
#include "image/classifier.h"
#include "image/image.h"
#include "lib/npy.h"
#include "onnx/onnx.h"
#include "onnx/onnx_write.h"
#include "quant/quant.h"
#include "quant/report.h"
#include "runtime/batch.h"
#include "util/err.h"
#include "util/file.h"
#include "util/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char *path;
    dev_t dev;
    ino_t ino;
} pathent;

typedef struct {
    pathent *e;
    int n, cap;
    dev_t *ddev; /* folders walked: a folder reached twice (a symbolic link loop, a link to an */
    ino_t *dino; /* ancestor or to a sibling) is walked once */
    int nd, dcap;
    int skipped; /* links to a folder or file already seen */
} pathlist;

static int cmp_path(const void *a, const void *b) { return strcmp(((const pathent *)a)->path, ((const pathent *)b)->path); }
static int cmp_inode(const void *a, const void *b)
{
    const pathent *x = a, *y = b;
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Records folder st as walked; 1 when it already was, -1 when out of memory. */
static int seen_dir(pathlist *l, const struct stat *st)
{
    for (int i = 0; i < l->nd; i++)
        if (l->ddev[i] == st->st_dev && l->dino[i] == st->st_ino) return 1;
    if (l->nd == l->dcap) {
        int cap = l->dcap ? l->dcap * 2 : 16;
        dev_t *nd = realloc(l->ddev, sizeof *nd * (size_t)cap);
        if (nd) l->ddev = nd;
        ino_t *ni = realloc(l->dino, sizeof *ni * (size_t)cap);
        if (ni) l->dino = ni;
        if (!nd || !ni) return -1;
        l->dcap = cap;
    }
    l->ddev[l->nd] = st->st_dev;
    l->dino[l->nd++] = st->st_ino;
    return 0;
}

static int scan(const char *dir, pathlist *l, int depth)
{
    struct stat dst;
    if (stat(dir, &dst)) return -1;
    int seen = seen_dir(l, &dst);
    if (seen) return seen < 0 ? -1 : (l->skipped++, 0);
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t ln = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(ln);
        if (!p) { rc = -1; break; }
        snprintf(p, ln, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st)) { free(p); continue; }
        if (S_ISDIR(st.st_mode)) {
            if (depth < 8 && scan(p, l, depth + 1) < 0 && errno == ENOMEM) rc = -1;
            free(p);
            continue;
        }
        if (!S_ISREG(st.st_mode) || !dlk_is_image_name(e->d_name)) { free(p); continue; }
        if (l->n == l->cap) {
            int cap = l->cap ? l->cap * 2 : 64;
            pathent *np = realloc(l->e, sizeof *np * (size_t)cap);
            if (!np) { free(p); rc = -1; break; }
            l->e = np;
            l->cap = cap;
        }
        l->e[l->n++] = (pathent){p, st.st_dev, st.st_ino};
    }
    closedir(d);
    return rc;
}

/* Sorted by path, each file once (the first path of a file reached through links). */
static void dedupe(pathlist *l)
{
    qsort(l->e, (size_t)l->n, sizeof *l->e, cmp_inode);
    int k = 0;
    for (int i = 0; i < l->n; i++) {
        if (k && l->e[k - 1].dev == l->e[i].dev && l->e[k - 1].ino == l->e[i].ino) {
            free(l->e[i].path);
            l->skipped++;
            continue;
        }
        l->e[k++] = l->e[i];
    }
    l->n = k;
    qsort(l->e, (size_t)l->n, sizeof *l->e, cmp_path);
}

static void flip_hwc(uint8_t *x, int h, int w)
{
    for (int y = 0; y < h; y++)
        for (int a = 0, b = w - 1; a < b; a++, b--)
            for (int c = 0; c < 3; c++) {
                uint8_t t = x[((size_t)y * w + a) * 3 + c];
                x[((size_t)y * w + a) * 3 + c] = x[((size_t)y * w + b) * 3 + c];
                x[((size_t)y * w + b) * 3 + c] = t;
            }
}

/* The calibration images, one preprocessed HWC uint8 image at a time. */
typedef struct {
    const char *dir, *npy, *idx_img, *idx_lbl, *indices;
    pathlist files;
    dlk_npy arr, ind;
    dlk_idx ximg, xlbl;
    long count;
    double fraction; /* --calib-fraction: 0 = all */
    int flip;
    long n; /* images (before flips) */
    const dlk_quantize_opts *o; /* for the progress callback */
} calib_src;

/* Keeps ceil(f x n) of the n sorted paths, evenly spaced (item i x n / k): every part of the folder
 * (every class of an ImageFolder) contributes, and the choice does not depend on a random seed. */
static void keep_fraction(pathlist *l, double f)
{
    long n = l->n, k = (long)ceil(f * (double)n);
    if (k < 1) k = 1;
    if (k >= n) return;
    long next = 0;
    for (long i = 0, pick = 0; i < n; i++) {
        if (pick < k && i == pick * n / k) {
            l->e[next++] = l->e[i];
            pick++;
        } else {
            free(l->e[i].path);
        }
    }
    l->n = (int)next;
}

static int src_open(calib_src *s, const dlk_pre_opts *pre, dlk_err *err)
{
    if (s->dir) {
        if (scan(s->dir, &s->files, 0)) return snprintf(err->msg, sizeof err->msg, "%s: cannot open folder", s->dir), -1;
        if (!s->files.n) return snprintf(err->msg, sizeof err->msg, "%s: no PNG or JPEG images", s->dir), -1;
        dedupe(&s->files);
        if (s->fraction > 0) keep_fraction(&s->files, s->fraction);
        s->n = s->files.n;
    } else if (s->npy) {
        if (dlk_npy_read(s->npy, &s->arr, err)) return -1;
        const dlk_shape *sh = &s->arr.shape;
        if (sh->dtype != DLK_UINT8 || sh->ndim != 4 || sh->dims[3] != 3)
            return snprintf(err->msg, sizeof err->msg, "%s: need uint8 N x H x W x 3 images", s->npy), -1;
        if (sh->dims[1] != pre->h || sh->dims[2] != pre->w)
            return snprintf(err->msg, sizeof err->msg, "%s: the images are %lldx%lld, the model takes %dx%d", s->npy,
                            (long long)sh->dims[1], (long long)sh->dims[2], pre->h, pre->w), -1;
        s->n = (long)sh->dims[0];
    } else {
        if (dlk_idx_read(s->idx_img, &s->ximg, err) || dlk_idx_read(s->idx_lbl, &s->xlbl, err)) return -1;
        if (s->ximg.ndim != 3 || s->xlbl.ndim != 1 || s->ximg.dims[0] != s->xlbl.dims[0])
            return snprintf(err->msg, sizeof err->msg, "%s, %s: need idx3 images and idx1 labels of the same count",
                            s->idx_img, s->idx_lbl), -1;
        s->n = s->ximg.dims[0];
        if (s->indices) {
            if (dlk_npy_read(s->indices, &s->ind, err)) return -1;
            if ((s->ind.shape.dtype != DLK_INT64 && s->ind.shape.dtype != DLK_INT32) || s->ind.shape.ndim != 1)
                return snprintf(err->msg, sizeof err->msg, "%s: need a 1-D int64 array of indices", s->indices), -1;
            long n = (long)s->ind.shape.dims[0];
            for (long i = 0; i < n; i++) {
                int64_t k = s->ind.shape.dtype == DLK_INT64 ? ((int64_t *)s->ind.data)[i] : ((int32_t *)s->ind.data)[i];
                if (k < 0 || k >= s->ximg.dims[0])
                    return snprintf(err->msg, sizeof err->msg, "%s: index %lld (item %ld) is outside %s's %d images",
                                    s->indices, (long long)k, i, s->idx_img, s->ximg.dims[0]), -1;
            }
            s->n = n;
            if (n == 0) return snprintf(err->msg, sizeof err->msg, "%s: no indices: no calibration images", s->indices), -1;
        }
    }
    if (s->n <= 0)
        return snprintf(err->msg, sizeof err->msg, "%s: no images: calibration needs at least one", s->npy ? s->npy : s->idx_img), -1;
    if (s->count > 0 && s->count < s->n) s->n = s->count;
    return 0;
}

static void src_close(calib_src *s)
{
    for (int i = 0; i < s->files.n; i++) free(s->files.e[i].path);
    free(s->files.e);
    free(s->files.ddev);
    free(s->files.dino);
    dlk_npy_free(&s->arr);
    dlk_npy_free(&s->ind);
    dlk_idx_free(&s->ximg);
    dlk_idx_free(&s->xlbl);
}

/* Image i (flips after the originals) into hwc. */
static int src_get(calib_src *s, long i, const dlk_pre_opts *pre, uint8_t *hwc, dlk_err *err)
{
    long k = i % s->n;
    size_t bytes = (size_t)pre->h * pre->w * 3;
    if (s->npy) {
        memcpy(hwc, (uint8_t *)s->arr.data + (size_t)k * bytes, bytes);
    } else {
        dlk_image im = {0};
        if (s->dir) {
            if (dlk_image_load(s->files.e[k].path, &im, err)) return -1;
        } else {
            int64_t j = k;
            if (s->indices)
                j = s->ind.shape.dtype == DLK_INT64 ? ((int64_t *)s->ind.data)[k] : ((int32_t *)s->ind.data)[k];
            int rows = s->ximg.dims[1], cols = s->ximg.dims[2];
            if (dlk_image_from_gray(s->ximg.data + (size_t)j * rows * cols, cols, rows, &im, err)) return -1;
        }
        int rc = dlk_preprocess_u8(&im, pre, hwc, err);
        dlk_image_free(&im);
        if (rc) return -1;
    }
    if (i >= s->n) flip_hwc(hwc, pre->h, pre->w);
    return 0;
}

/* One calibration pass: one context, hwc buffer and set of statistics per thread, merged after. */
typedef struct {
    calib_src *src;
    const classifier *cl;
    dlk_calib *cal;          /* per thread */
    uint8_t **hwc;           /* per thread */
    int pass, passes;
} calib_job;

static int calib_fill(void *user, dlk_ctx *ctx, int t, int64_t i, int64_t count, dlk_err *err)
{
    const calib_job *j = user;
    const dlk_pre_opts *pre = &j->cl->pre;
    (void)count;
    if (src_get(j->src, (long)i, pre, j->hwc[t], err)) return -1;
    dlk_normalize_nchw(j->hwc[t], pre->h, pre->w, pre, dlk_ctx_input(ctx, 0, NULL));
    return 0;
}

static int calib_run(void *user, dlk_ctx *ctx, int t, dlk_err *err)
{
    const calib_job *j = user;
    return dlk_calib_run(&j->cal[t], ctx, err) ? -1 : 0;
}

static void calib_progress(void *user, int64_t done, int64_t n)
{
    const calib_job *j = user;
    const dlk_quantize_opts *o = j->src->o;
    if (o->progress) o->progress(o->user, j->pass, j->passes, done, n);
}

/* One pass over the calibration images on nthreads contexts, merged into cal. */
static int calibrate_pass(const classifier *cl, dlk_calib *cal, calib_src *src, long total, int nthreads, int pass,
                          int passes, dlk_err *err)
{
    calib_job j = {.src = src, .cl = cl, .pass = pass, .passes = passes};
    dlk_batch_job bj = {.n = total, .batch = 1, .threads = nthreads, .input = classifier_input_shape(cl), .user = &j,
                        .fill = calib_fill, .run = calib_run, .progress = calib_progress};
    nthreads = dlk_batch_threads(&bj);
    j.cal = calloc((size_t)nthreads, sizeof *j.cal);
    j.hwc = calloc((size_t)nthreads, sizeof *j.hwc);
    int rc = 0;
    if (!j.cal || !j.hwc) { snprintf(err->msg, sizeof err->msg, "out of memory"); rc = -1; goto out; }
    for (int t = 0; t < nthreads; t++) {
        if (dlk_calib_fork(&j.cal[t], cal, err)) { rc = -1; goto out; }
        if (!(j.hwc[t] = malloc((size_t)3 * cl->pre.h * cl->pre.w))) { snprintf(err->msg, sizeof err->msg, "out of memory"); rc = -1; goto out; }
    }
    rc = dlk_batch_run(cl->m, &bj, err);
    for (int t = 0; t < nthreads && !rc; t++) dlk_calib_merge(cal, &j.cal[t]);
out:
    for (int t = 0; t < nthreads; t++) {
        if (j.cal && j.cal[t].st) dlk_calib_free(&j.cal[t]);
        if (j.hwc) free(j.hwc[t]);
    }
    free(j.cal), free(j.hwc);
    return rc;
}

void dlk_quantize_opts_default(dlk_quantize_opts *o)
{
    memset(o, 0, sizeof *o);
    dlk_quant_opts_default(&o->q);
    o->threads = 1;
}

/* A model that already holds quantized operators is not a float model to quantize. */
static int refuse_int8(const dlk_model *m, const char *path, dlk_err *err)
{
    static const char *const q[] = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "QLinearAdd",
                                    "QLinearConcat", "QLinearGlobalAveragePool", "ConvInteger", "MatMulInteger"};
    for (int i = 0; i < m->g.n_nodes; i++)
        for (size_t k = 0; k < sizeof q / sizeof q[0]; k++)
            if (!strcmp(m->g.nodes[i].op_type, q[k]))
                return dlk_fail(err, "%s: already an int8 model (node '%s' is %s): quantize takes a float model", path,
                                m->g.nodes[i].name, q[k]);
    return 0;
}

int dlk_quantize(const char *model, const char *outpath, const dlk_quantize_opts *o, dlk_quantize_result *res, dlk_err *err)
{
    dlk_quantize_opts def;
    if (!o) dlk_quantize_opts_default(&def), o = &def;
    dlk_quant_opts qo = o->q;
    calib_src src;
    memset(&src, 0, sizeof src);
    src.dir = o->calib_dir;
    src.npy = o->calib_npy;
    src.idx_img = o->calib_idx_images;
    src.idx_lbl = o->calib_idx_labels;
    src.indices = o->calib_indices;
    src.count = (long)o->calib_count;
    src.flip = o->calib_flip;
    src.fraction = o->calib_fraction;
    src.o = o;
    if (!!src.dir + !!src.npy + !!src.idx_img != 1)
        return dlk_fail(err, "give one calibration source: a folder, a .npy file or IDX images and labels");
    if (src.idx_img && !src.idx_lbl) return dlk_fail(err, "IDX calibration images need their labels file");
    if (src.indices && !src.idx_img) return dlk_fail(err, "calibration indices go with IDX images");
    if (src.fraction < 0 || src.fraction > 1) return dlk_fail(err, "the calibration fraction %g is not in 0 .. 1", src.fraction);
    if (src.fraction > 0 && !src.dir) return dlk_fail(err, "a calibration fraction goes with a calibration folder");
    if (qo.num_bins > DLK_MAX_BINS || qo.num_quantized_bins > DLK_MAX_BINS)
        return dlk_fail(err, "at most %d histogram bins", DLK_MAX_BINS);
    {
        const char *ins[] = {model, src.npy, src.idx_img, src.idx_lbl, src.indices, o->report};
        for (int k = 0; k < 6; k++)
            if (dlk_same_file(outpath, ins[k]) || (k < 5 && dlk_same_file(o->report, ins[k])))
                return dlk_fail(err, "%s is one of the inputs; it would be overwritten", k < 5 && dlk_same_file(o->report, ins[k]) ? o->report : outpath);
        if (o->report && !strcmp(o->report, outpath)) return dlk_fail(err, "the report and the model name the same file");
    }
    long threads = o->threads > 0 ? o->threads : 1;
    int rc = -1;
    classifier cl;
    memset(&cl, 0, sizeof cl);
    dlk_calib cal;
    memset(&cal, 0, sizeof cal);
    dlk_graph qg;
    memset(&qg, 0, sizeof qg);
    void *file = NULL, *packed = NULL;
    size_t file_len = 0, packed_len = 0;
    /* calibrate every tensor of the file, Relus included, with the reference kernels: the ranges, and
     * so the file written, are the same bits on every machine, ISA and thread count */
    if (classifier_open(&cl, model, o->pre, DLK_LOAD_NO_FUSION | DLK_LOAD_REFERENCE, err)) goto done;
    if (refuse_int8(cl.m, model, err)) goto done;
    if (dlk_read_file_checked(model, DLK_MAX_MODEL_BYTES, dlk_onnx_head_check, &file, &file_len, err)) goto done;
    for (int i = 0; i < qo.n_exclude; i++) {
        int found = 0;
        for (int k = 0; k < cl.m->g.n_nodes; k++) found |= !strcmp(cl.m->g.nodes[k].name, qo.exclude[i]);
        if (!found) { dlk_fail(err, "%s: --exclude: no node named '%s'", model, qo.exclude[i]); goto done; }
    }
    if (dlk_quant_check(cl.m, &qo, err)) goto done;
    if (src_open(&src, &cl.pre, err)) goto done;
    for (int i = 0; i < src.files.n; i++) {
        const char *img = src.files.e[i].path;
        if (dlk_same_file(outpath, img) || dlk_same_file(o->report, img)) {
            dlk_fail(err, "%s is one of the calibration images; it would be overwritten", dlk_same_file(outpath, img) ? outpath : o->report);
            goto done;
        }
    }
    if (dlk_calib_init(&cal, cl.m, &qo, err)) goto done;
    long total = src.n * (src.flip ? 2 : 1);
    int passes = dlk_calib_needs_pass2(&cal) ? 2 : 1;
    if (threads > total) threads = total;
    for (int pass = 1; pass <= passes; pass++) {
        if (pass == 2 && dlk_calib_begin_pass2(&cal, err)) goto done;
        if (calibrate_pass(&cl, &cal, &src, total, (int)threads, pass, passes, err)) goto done;
    }
    if (dlk_quantize_graph(&cal, &qg, err)) goto done;
    static const char *const method_names[] = {"MinMax", "Percentile", "Entropy"};
    char settings[256];
    snprintf(settings, sizeof settings, "format=%s method=%s weights=int8 %s activations=%s%s calibration=%ld",
             qo.qop ? "QOperator" : "QDQ", method_names[qo.method], qo.per_tensor ? "per-tensor" : "per-channel",
             qo.uint8_act ? "uint8" : "int8", qo.symmetric_act ? " symmetric" : "", total);
    const char *meta[] = {"dlakit.quantize", settings};
    dlk_onnx_write_opts wo = {.src = file, .src_len = file_len, .producer_name = "dlakit", .producer_version = DLK_VERSION,
                              .ms_opset = qo.qop ? 1 : 0, .min_opset = 13 /* per-channel DequantizeLinear */, .meta = meta, .n_meta = 1};
    if (dlk_onnx_pack(&qg, &wo, &packed, &packed_len, err)) goto done;
    /* the written model must load and prepare before it is written */
    {
        /* NCHW values: the report reads the inner values of both models */
        dlk_model *qm = dlk_model_load_buffer_ex(packed, packed_len, outpath, o->report ? DLK_LOAD_NCHW | DLK_LOAD_REFERENCE : 0, err);
        if (!qm) { dlk_err_prefix(err, "the quantized model does not load"); goto done; }
        dlk_shape s;
        dlk_ctx_input(cl.ctx, 0, &s);
        dlk_ctx *qc = dlk_ctx_new(qm, &s, 1, err);
        if (!qc) { dlk_model_free(qm); dlk_err_prefix(err, "the quantized model does not prepare"); goto done; }
        int bad = 0;
        if (o->report) {
            dlk_report rep;
            bad = dlk_report_init(&rep, cl.m, qm, err);
            for (long i = 0; i < total && !bad; i++) {
                bad = src_get(&src, i, &cl.pre, cl.hwc, err);
                if (!bad) {
                    dlk_normalize_nchw(cl.hwc, cl.pre.h, cl.pre.w, &cl.pre, dlk_ctx_input(cl.ctx, 0, NULL));
                    dlk_normalize_nchw(cl.hwc, cl.pre.h, cl.pre.w, &cl.pre, dlk_ctx_input(qc, 0, NULL));
                    bad = dlk_report_add(&rep, cl.ctx, qc, err);
                }
            }
            if (!bad) bad = dlk_report_write(&rep, o->report, o->report_json, err);
            dlk_report_free(&rep);
        }
        dlk_ctx_free(qc);
        dlk_model_free(qm);
        if (bad) goto done;
    }
    if (dlk_onnx_write(&qg, outpath, &wo, err)) goto done;
    if (res) {
        memset(res, 0, sizeof *res);
        for (int i = 0; i < qg.n_nodes; i++) {
            const char *t = qg.nodes[i].op_type;
            if (!strcmp(t, "QuantizeLinear") || !strcmp(t, "DequantizeLinear")) res->qdq_nodes++;
            else res->nodes++;
        }
        res->calibration_images = total;
        res->calib_skipped = src.files.skipped;
        res->bytes = packed_len;
    }
    rc = 0;
done:
    free(packed);
    free(file);
    dlk_graph_free(&qg);
    if (cal.st) dlk_calib_free(&cal);
    src_close(&src);
    if (cl.m) classifier_close(&cl);
    return rc;
}
