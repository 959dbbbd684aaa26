/* dlakit quantize: post-training static int8 quantization of a float model, calibrated on images,
 * written as an ONNX file in QDQ (default) or QOperator form, the way ONNX Runtime's
 * quantize_static writes it. */
#include "classifier.h"
#include "onnx/onnx.h"
#include "onnx/onnx_write.h"
#include "quant/quant.h"
#include "quant/report.h"
#include "util/file.h"
#include "util/npy.h"

#include <dirent.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CMD "quantize"

static void help(FILE *f)
{
    fprintf(f,
            "usage: dlakit quantize FLOAT.onnx -o INT8.onnx (--calib DIR | --calib-npy FILE.npy |\n"
            "                       --calib-idx IMAGES LABELS [--calib-indices F.npy]) [options]\n"
            "\n"
            "Quantizes a float model to int8 as ONNX Runtime's quantize_static does with the model zoo's\n"
            "settings: per-channel symmetric int8 weights, asymmetric int8 activations, MinMax calibration,\n"
            "int32 biases (scale = input scale x weight scale), Relu folded into the QuantizeLinear of the\n"
            "node before it, MaxPool/Flatten/Reshape keeping their input's scale. The compute nodes keep\n"
            "their names; QuantizeLinear/DequantizeLinear nodes and scales are named as ORT names them.\n"
            "The file is written atomically (nothing is left on failure).\n"
            "\n"
            "Calibration data (preprocessed as `dlakit classify` does):\n"
            "  --calib DIR           the PNG/JPEG images in DIR and its sub-folders (sorted by path)\n"
            "  --calib-npy FILE      uint8 N x H x W x 3 preprocessed images (H x W = the model's size)\n"
            "  --calib-idx IMAGES LABELS   MNIST-style IDX files (LABELS is only checked for its count)\n"
            "  --calib-indices F.npy with --calib-idx: int64 indices of the items to use, in that order\n"
            "  --calib-count N       only the first N calibration images\n"
            "  --calib-flip          also each image mirrored left-right\n"
            "  --threads N           calibrate on N threads (default 1; the result does not depend on N)\n"
            CLI_PRE_HELP
            "\n"
            "Quantization:\n"
            "  --method M            minmax (default) | percentile (99.999 %%, 2048 bins of |x|) |\n"
            "                        entropy (KL divergence, 128 bins, 128 quantized bins), as ORT's calibrate.py\n"
            "  --percentile P        percentile for --method percentile (default 99.999)\n"
            "  --num-bins N          histogram bins (ORT's num_bins: percentile 2048, entropy 128)\n"
            "  --num-quantized-bins N  entropy: ORT's num_quantized_bins (default 128)\n"
            "  --format F            qdq (default) | qop (QLinearConv, QLinearAdd, QLinearConcat,\n"
            "                        QLinearGlobalAveragePool in the com.microsoft domain)\n"
            "  --per-tensor          one scale per weight tensor instead of one per output channel\n"
            "  --symmetric-activations   activations symmetric (zero point 0, 128 for uint8)\n"
            "  --uint8-activations   activations uint8 instead of int8\n"
            "  --exclude N1,N2,...   leave these nodes in float (also for operators dlakit cannot quantize)\n"
            "  --report FILE         per-layer SNR (dB) of the int8 model against the float model on the\n"
            "                        calibration data, worst first (TSV; JSON with --json)\n"
            "  --json                print a JSON summary to stdout\n"
            "  -h, --help            this help\n"
            "\n"
            "Example (the model zoo's MNIST model, calibrated as ORT calibrated it):\n"
            "  dlakit quantize dla46c_mnist_64.onnx -o int8.onnx --calib-idx mnist-10k-images-idx3-ubyte \\\n"
            "      mnist-10k-labels-idx1-ubyte --calib-indices calib_indices.npy\n");
}

typedef struct {
    char **paths;
    int n, cap;
} pathlist;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int has_image_ext(const char *n)
{
    const char *d = strrchr(n, '.');
    return d && (!strcasecmp(d, ".png") || !strcasecmp(d, ".jpg") || !strcasecmp(d, ".jpeg"));
}

static int scan(const char *dir, pathlist *l, int depth)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t ln = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(ln);
        if (!p) break;
        snprintf(p, ln, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st)) { free(p); continue; }
        if (S_ISDIR(st.st_mode)) {
            if (depth < 8) scan(p, l, depth + 1);
            free(p);
            continue;
        }
        if (!S_ISREG(st.st_mode) || !has_image_ext(e->d_name)) { free(p); continue; }
        if (l->n == l->cap) {
            int cap = l->cap ? l->cap * 2 : 64;
            char **np = realloc(l->paths, sizeof(char *) * cap);
            if (!np) { free(p); break; }
            l->paths = np;
            l->cap = cap;
        }
        l->paths[l->n++] = p;
    }
    closedir(d);
    return 0;
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
    int flip;
    long n; /* images (before flips) */
} calib_src;

static int src_open(calib_src *s, const dlk_pre_opts *pre, dlk_err *err)
{
    if (s->dir) {
        if (scan(s->dir, &s->files, 0)) return snprintf(err->msg, sizeof err->msg, "%s: cannot open folder", s->dir), -1;
        if (!s->files.n) return snprintf(err->msg, sizeof err->msg, "%s: no PNG or JPEG images", s->dir), -1;
        qsort(s->files.paths, (size_t)s->files.n, sizeof(char *), cmp_str);
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
        }
    }
    if (s->count > 0 && s->count < s->n) s->n = s->count;
    return 0;
}

static void src_close(calib_src *s)
{
    for (int i = 0; i < s->files.n; i++) free(s->files.paths[i]);
    free(s->files.paths);
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
            if (dlk_image_load(s->files.paths[k], &im, err)) return -1;
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

/* One calibration thread: its own context and statistics, every nthreads-th image. */
typedef struct {
    calib_src *src;
    classifier cl;
    dlk_calib cal;
    long first, step, total;
    int verbose, pass, passes;
    dlk_err err;
    int rc;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (long i = w->first; i < w->total; i += w->step) {
        if (src_get(w->src, i, &w->cl.pre, w->cl.hwc, &w->err)) { w->rc = -1; return NULL; }
        dlk_normalize_nchw(w->cl.hwc, w->cl.pre.h, w->cl.pre.w, &w->cl.pre, dlk_ctx_input(w->cl.ctx, 0, NULL));
        if (dlk_calib_run(&w->cal, w->cl.ctx, &w->err)) { w->rc = -1; return NULL; }
        if (w->verbose && (i / w->step + 1) % 16 == 0)
            fprintf(stderr, "\rdlakit quantize: calibrating%s %ld/%ld",
                    w->passes == 2 ? (w->pass == 1 ? " (ranges)" : " (histograms)") : "", i + 1, w->total);
    }
    return NULL;
}

/* One pass over the calibration images on nthreads threads, merged into cal. */
static int calibrate_pass(classifier *cl, dlk_calib *cal, calib_src *src, long total, int nthreads, int pass,
                          int passes, dlk_err *err)
{
    worker *w = calloc((size_t)nthreads, sizeof *w);
    pthread_t *tid = calloc((size_t)nthreads, sizeof *tid);
    char *started = calloc((size_t)nthreads, 1);
    int rc = 0;
    if (!w || !tid || !started) { snprintf(err->msg, sizeof err->msg, "out of memory"); rc = -1; goto out; }
    for (int t = 0; t < nthreads; t++) {
        w[t] = (worker){.src = src, .first = t, .step = nthreads, .total = total, .verbose = t == 0, .pass = pass,
                        .passes = passes};
        if (t == 0) w[t].cl = *cl;
        else if (classifier_clone(&w[t].cl, cl, err)) { rc = -1; goto out; }
        if (dlk_calib_fork(&w[t].cal, cal, err)) { rc = -1; goto out; }
    }
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&tid[t], NULL, work, &w[t])) {
            snprintf(err->msg, sizeof err->msg, "cannot start a thread");
            rc = -1;
            break;
        }
        started[t] = 1;
    }
    if (!rc) work(&w[0]);
    for (int t = 1; t < nthreads; t++)
        if (started[t]) pthread_join(tid[t], NULL);
    fprintf(stderr, "\rdlakit quantize: calibrating%s %ld/%ld\n",
            passes == 2 ? (pass == 1 ? " (ranges)" : " (histograms)") : "", total, total);
    for (int t = 0; t < nthreads && !rc; t++) {
        if (w[t].rc) { *err = w[t].err; rc = -1; }
        else dlk_calib_merge(cal, &w[t].cal);
    }
out:
    for (int t = 0; w && t < nthreads; t++) {
        if (w[t].cal.st) dlk_calib_free(&w[t].cal);
        if (t > 0 && w[t].cl.ctx) classifier_close(&w[t].cl, 0);
    }
    free(w), free(tid), free(started);
    return rc;
}

static int split_list(char *s, const char ***out, int *n)
{
    int cap = 1;
    for (char *p = s; *p; p++) cap += *p == ',';
    const char **v = malloc(sizeof(char *) * (size_t)cap);
    if (!v) return -1;
    *n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) v[(*n)++] = tok;
    *out = v;
    return 0;
}

int cmd_quantize(int argc, char **argv)
{
    const char *model = NULL, *outpath = NULL, *report = NULL;
    int json = 0;
    long threads = 1;
    calib_src src;
    memset(&src, 0, sizeof src);
    cli_pre pre;
    cli_pre_init(&pre);
    dlk_quant_opts qo;
    dlk_quant_opts_default(&qo);
    char *exclude_arg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) { help(stdout); return 0; }
        int r = cli_pre_parse(CMD, argc, argv, &i, &pre);
        if (r < 0) return 2;
        if (r) continue;
        int has = i + 1 < argc;
        if ((!strcmp(a, "-o") || !strcmp(a, "--out") || !strcmp(a, "--output")) && has) outpath = argv[++i];
        else if (!strcmp(a, "--calib") && has) src.dir = argv[++i];
        else if (!strcmp(a, "--calib-npy") && has) src.npy = argv[++i];
        else if (!strcmp(a, "--calib-idx") && i + 2 < argc) src.idx_img = argv[++i], src.idx_lbl = argv[++i];
        else if (!strcmp(a, "--calib-indices") && has) src.indices = argv[++i];
        else if (!strcmp(a, "--calib-count") && has) {
            if (cli_parse_int(argv[++i], 1, 100000000, &src.count)) return cli_usage_error(CMD, "invalid --calib-count '%s'", argv[i]);
        } else if (!strcmp(a, "--calib-flip")) src.flip = 1;
        else if (!strcmp(a, "--threads") && has) {
            if (cli_parse_int(argv[++i], 1, 256, &threads)) return cli_usage_error(CMD, "--threads needs a number from 1 to 256");
        }
        else if (!strcmp(a, "--method") && has) {
            const char *m = argv[++i];
            if (!strcmp(m, "minmax")) qo.method = DLK_CALIB_MINMAX;
            else if (!strcmp(m, "percentile")) qo.method = DLK_CALIB_PERCENTILE;
            else if (!strcmp(m, "entropy")) qo.method = DLK_CALIB_ENTROPY;
            else return cli_usage_error(CMD, "--method must be minmax, percentile or entropy, not '%s'", m);
        } else if (!strcmp(a, "--percentile") && has) {
            char *e;
            qo.percentile = strtod(argv[++i], &e);
            if (*e || !(qo.percentile >= 0 && qo.percentile <= 100))
                return cli_usage_error(CMD, "--percentile must be in [0, 100], not '%s'", argv[i]);
        } else if (!strcmp(a, "--num-bins") && has) {
            long v;
            if (cli_parse_int(argv[++i], 2, 1 << 20, &v)) return cli_usage_error(CMD, "--num-bins needs a number from 2 to %d", 1 << 20);
            qo.num_bins = (int)v;
        } else if (!strcmp(a, "--num-quantized-bins") && has) {
            long v;
            if (cli_parse_int(argv[++i], 2, 1 << 20, &v))
                return cli_usage_error(CMD, "--num-quantized-bins needs a number from 2 to %d", 1 << 20);
            qo.num_quantized_bins = (int)v;
        } else if (!strcmp(a, "--format") && has) {
            const char *f = argv[++i];
            if (!strcmp(f, "qdq")) qo.qop = 0;
            else if (!strcmp(f, "qop")) qo.qop = 1;
            else return cli_usage_error(CMD, "--format must be qdq or qop, not '%s'", f);
        } else if (!strcmp(a, "--per-tensor")) qo.per_tensor = 1;
        else if (!strcmp(a, "--symmetric-activations")) qo.symmetric_act = 1;
        else if (!strcmp(a, "--uint8-activations")) qo.uint8_act = 1;
        else if (!strcmp(a, "--exclude") && has) exclude_arg = argv[++i];
        else if (!strcmp(a, "--report") && has) report = argv[++i];
        else if (!strcmp(a, "--json")) json = 1;
        else if (a[0] == '-' && a[1]) return cli_usage_error(CMD, "unknown option '%s' (or it needs a value)", a);
        else if (!model) model = a;
        else return cli_usage_error(CMD, "unexpected argument '%s'", a);
    }
    if (!model) return cli_usage_error(CMD, "no model given (dlakit quantize --help)");
    if (!outpath) return cli_usage_error(CMD, "no output given: -o INT8.onnx");
    if (!!src.dir + !!src.npy + !!src.idx_img != 1)
        return cli_usage_error(CMD, "give one calibration source: --calib DIR, --calib-npy FILE or --calib-idx IMAGES LABELS");
    if (src.indices && !src.idx_img) return cli_usage_error(CMD, "--calib-indices goes with --calib-idx");

    int rc = 1;
    dlk_err err;
    classifier cl;
    memset(&cl, 0, sizeof cl);
    dlk_calib cal;
    memset(&cal, 0, sizeof cal);
    dlk_graph qg;
    memset(&qg, 0, sizeof qg);
    void *file = NULL, *packed = NULL;
    size_t file_len = 0, packed_len = 0;
    char *excl_copy = NULL;
    const char **excl = NULL;
    if (exclude_arg) {
        size_t l = strlen(exclude_arg) + 1;
        excl_copy = malloc(l);
        if (!excl_copy) { cli_error(CMD, "out of memory"); goto done; }
        memcpy(excl_copy, exclude_arg, l);
        if (split_list(excl_copy, &excl, &qo.n_exclude)) { cli_error(CMD, "out of memory"); goto done; }
        qo.exclude = excl;
    }
    pre.load_flags = DLK_LOAD_NO_FUSION; /* calibrate every tensor of the file, Relus included */
    if (classifier_open(&cl, model, &pre, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    if (dlk_read_file(model, DLK_MAX_MODEL_BYTES, &file, &file_len, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    for (int i = 0; i < qo.n_exclude; i++) {
        int found = 0;
        for (int k = 0; k < cl.m->g.n_nodes; k++) found |= !strcmp(cl.m->g.nodes[k].name, excl[i]);
        if (!found) { cli_error(CMD, "%s: --exclude: no node named '%s'", model, excl[i]); goto done; }
    }
    if (dlk_quant_check(cl.m, &qo, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    if (src_open(&src, &cl.pre, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    if (dlk_calib_init(&cal, cl.m, &qo, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    long total = src.n * (src.flip ? 2 : 1);
    int passes = dlk_calib_needs_pass2(&cal) ? 2 : 1;
    if (threads > total) threads = total;
    for (int pass = 1; pass <= passes; pass++) {
        if (pass == 2 && dlk_calib_begin_pass2(&cal, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
        if (calibrate_pass(&cl, &cal, &src, total, (int)threads, pass, passes, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    }
    if (dlk_quantize_graph(&cal, &qg, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    static const char *const method_names[] = {"MinMax", "Percentile", "Entropy"};
    char settings[256];
    snprintf(settings, sizeof settings, "format=%s method=%s weights=int8 %s activations=%s%s calibration=%ld",
             qo.qop ? "QOperator" : "QDQ", method_names[qo.method], qo.per_tensor ? "per-tensor" : "per-channel",
             qo.uint8_act ? "uint8" : "int8", qo.symmetric_act ? " symmetric" : "", total);
    const char *meta[] = {"dlakit.quantize", settings};
    dlk_onnx_write_opts wo = {.src = file, .src_len = file_len, .producer_name = "dlakit", .producer_version = DLK_VERSION,
                              .ms_opset = qo.qop ? 1 : 0, .min_opset = 13 /* per-channel DequantizeLinear */, .meta = meta, .n_meta = 1};
    if (dlk_onnx_pack(&qg, &wo, &packed, &packed_len, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    /* the written model must load and prepare before it is written */
    {
        /* NCHW values: the report reads the inner values of both models */
        dlk_model *qm = dlk_model_load_buffer_ex(packed, packed_len, outpath, report ? DLK_LOAD_NCHW : 0, &err);
        if (!qm) { cli_error(CMD, "the quantized model does not load: %s", err.msg); goto done; }
        dlk_shape s;
        dlk_ctx_input(cl.ctx, 0, &s);
        dlk_ctx *qc = dlk_ctx_new(qm, &s, 1, &err);
        if (!qc) { dlk_model_free(qm); cli_error(CMD, "the quantized model does not prepare: %s", err.msg); goto done; }
        if (report) {
            dlk_report rep;
            if (dlk_report_init(&rep, cl.m, qm, &err)) {
                dlk_ctx_free(qc), dlk_model_free(qm);
                cli_error(CMD, "%s", err.msg);
                goto done;
            }
            int bad = 0;
            for (long i = 0; i < total && !bad; i++) {
                bad = src_get(&src, i, &cl.pre, cl.hwc, &err);
                if (!bad) {
                    dlk_normalize_nchw(cl.hwc, cl.pre.h, cl.pre.w, &cl.pre, dlk_ctx_input(cl.ctx, 0, NULL));
                    dlk_normalize_nchw(cl.hwc, cl.pre.h, cl.pre.w, &cl.pre, dlk_ctx_input(qc, 0, NULL));
                    bad = dlk_report_add(&rep, cl.ctx, qc, &err);
                }
            }
            if (!bad) bad = dlk_report_write(&rep, report, json, &err);
            dlk_report_free(&rep);
            if (bad) {
                dlk_ctx_free(qc), dlk_model_free(qm);
                cli_error(CMD, "%s", err.msg);
                goto done;
            }
        }
        dlk_ctx_free(qc);
        dlk_model_free(qm);
    }
    if (dlk_onnx_write(&qg, outpath, &wo, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    int nq = 0, nf = 0, nqdq = 0;
    for (int i = 0; i < qg.n_nodes; i++) {
        const char *t = qg.nodes[i].op_type;
        if (!strcmp(t, "QuantizeLinear") || !strcmp(t, "DequantizeLinear")) nqdq++;
        else nq++;
    }
    nf = qo.n_exclude;
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, model);
        printf(", \"output\": ");
        cli_json_str(stdout, outpath);
        printf(", \"format\": \"%s\", \"method\": \"%s\", \"per_channel\": %s, \"activations\": \"%s\", "
               "\"symmetric_activations\": %s, \"calibration_images\": %ld, \"nodes\": %d, \"qdq_nodes\": %d, "
               "\"excluded\": [",
               qo.qop ? "qop" : "qdq", qo.method == DLK_CALIB_MINMAX ? "minmax" : qo.method == DLK_CALIB_PERCENTILE ? "percentile" : "entropy",
               qo.per_tensor ? "false" : "true", qo.uint8_act ? "uint8" : "int8", qo.symmetric_act ? "true" : "false", total,
               nq, nqdq);
        for (int i = 0; i < qo.n_exclude; i++) {
            if (i) printf(", ");
            cli_json_str(stdout, excl[i]);
        }
        printf("], \"bytes\": %zu}\n", packed_len);
    } else {
        printf("%s: %s int8 model (%s, %ld calibration images), %d nodes + %d Q/DQ, %d left in float, %zu bytes\n",
               outpath, qo.qop ? "QOperator" : "QDQ", method_names[qo.method], total, nq, nqdq, nf, packed_len);
    }
    rc = 0;
done:
    free(packed);
    free(file);
    dlk_graph_free(&qg);
    if (cal.st) dlk_calib_free(&cal);
    src_close(&src);
    if (cl.m) classifier_close(&cl, 1);
    free(excl);
    free(excl_copy);
    return rc;
}
