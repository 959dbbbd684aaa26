/* dlakit run: a model over a batch of preprocessed images (.npy in, .npy out). */
#include "cli.h"
#include "image/image.h"
#include "util/npy.h"
#include "util/outfile.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *HELP =
    "usage: dlakit run MODEL.onnx (--images-npy IN.npy | --input-npy X.npy) -o OUT.npy [options]\n"
    "\n"
    "Runs MODEL on every item of IN and writes the model's output, float32 N x P, to OUT.\n"
    "\n"
    "  --images-npy IN.npy   uint8 N x H x W x 3 images, already resized and cropped; each becomes\n"
    "                        x = (u8/255 - mean)/std in float32, channels first\n"
    "  --input-npy X.npy     float32 N x C x H x W model inputs, used as they are\n"
    "  -o, --out OUT.npy     output file (written only when every item ran)\n"
    "  --batch B             items per run (default 1); results do not depend on it\n"
    "  --threads N           worker threads, each running its own batches (default 1)\n"
    "  --mean a,b,c          normalization mean (default 0.485,0.456,0.406, ImageNet)\n"
    "  --std a,b,c           normalization std (default 0.229,0.224,0.225)\n"
    "  --quiet               no progress on stderr\n"
    "\n"
    "Example:\n"
    "  dlakit run models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx --images-npy digits.npy -o out.npy\n";

typedef struct {
    const dlk_model *m;
    const dlk_npy *in;
    int images;              /* in is uint8 NHWC */
    dlk_pre_opts pre;        /* normalization of images (mean, std) */
    int64_t n, c, h, w, p;
    int batch;
    float *out;
    /* work distribution */
    pthread_mutex_t lock;
    int64_t next;
    int64_t done;
    int progress;
    int failed;
    dlk_err err;
} job;

/* Fills x (b items, NCHW float) from items [i0, i0+b) of the input. */
static void fill_input(const job *j, int64_t i0, int64_t b, float *x)
{
    int64_t plane = j->h * j->w, item = j->c * plane;
    if (!j->images) {
        memcpy(x, (const float *)j->in->data + i0 * item, sizeof(float) * (size_t)(b * item));
        return;
    }
    const uint8_t *u = (const uint8_t *)j->in->data + i0 * plane * 3;
    for (int64_t k = 0; k < b; k++) dlk_normalize_nchw(u + k * plane * 3, (int)j->h, (int)j->w, &j->pre, x + k * item);
}

static void *worker(void *arg)
{
    job *j = arg;
    dlk_ctx *ctx[2] = {NULL, NULL}; /* full batches, and the short last one */
    dlk_err err = {{0}};
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int64_t i0 = j->next;
        int stop = j->failed || i0 >= j->n;
        if (!stop) j->next += j->batch;
        pthread_mutex_unlock(&j->lock);
        if (stop) break;
        int64_t b = j->n - i0 < j->batch ? j->n - i0 : j->batch;
        int which = b != j->batch;
        if (!ctx[which]) {
            dlk_shape s = dlk_model_input_shape(j->m, 0);
            s.ndim = 4;
            s.dtype = DLK_FLOAT;
            s.dims[0] = b;
            s.dims[1] = j->c;
            s.dims[2] = j->h;
            s.dims[3] = j->w;
            ctx[which] = dlk_ctx_new(j->m, &s, 1, &err);
            if (!ctx[which]) goto fail;
        }
        fill_input(j, i0, b, dlk_ctx_input(ctx[which], 0, NULL));
        if (dlk_ctx_run(ctx[which], &err)) goto fail;
        dlk_shape os;
        const void *y = dlk_ctx_output(ctx[which], 0, &os);
        if (os.dtype != DLK_FLOAT || os.ndim < 1 || os.dims[0] != b || dlk_shape_numel(&os) != b * j->p) {
            snprintf(err.msg, sizeof err.msg, "the model's output is not float32 with %lld values per item",
                     (long long)j->p);
            goto fail;
        }
        memcpy(j->out + i0 * j->p, y, sizeof(float) * (size_t)(b * j->p));
        pthread_mutex_lock(&j->lock);
        j->done += b;
        if (j->progress) fprintf(stderr, "\r%lld/%lld", (long long)j->done, (long long)j->n);
        pthread_mutex_unlock(&j->lock);
    }
    dlk_ctx_free(ctx[0]);
    dlk_ctx_free(ctx[1]);
    return NULL;
fail:
    pthread_mutex_lock(&j->lock);
    if (!j->failed) j->err = err;
    j->failed = 1;
    pthread_mutex_unlock(&j->lock);
    dlk_ctx_free(ctx[0]);
    dlk_ctx_free(ctx[1]);
    return NULL;
}

/* The output size per item: from a probe context of batch 1. */
static int output_size(const dlk_model *m, const job *j, int64_t *p, dlk_err *err)
{
    dlk_shape s = dlk_model_input_shape(m, 0);
    s.ndim = 4;
    s.dtype = DLK_FLOAT;
    s.dims[0] = 1;
    s.dims[1] = j->c;
    s.dims[2] = j->h;
    s.dims[3] = j->w;
    dlk_ctx *c = dlk_ctx_new(m, &s, 1, err);
    if (!c) return -1;
    dlk_shape os;
    dlk_ctx_output(c, 0, &os);
    *p = dlk_shape_numel(&os);
    dlk_ctx_free(c);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *model = NULL, *images = NULL, *input = NULL, *out = NULL;
    long batch = 1, threads = 1;
    int quiet = 0;
    job j;
    memset(&j, 0, sizeof j);
    float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(HELP, stdout);
            return 0;
        }
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--images-npy") && has_val) images = argv[++i];
        else if (!strcmp(a, "--input-npy") && has_val) input = argv[++i];
        else if ((!strcmp(a, "-o") || !strcmp(a, "--out")) && has_val) out = argv[++i];
        else if (!strcmp(a, "--batch") && has_val) {
            if (cli_parse_int(argv[++i], 1, 65536, &batch)) return cli_usage_error("run", "--batch needs a number from 1 to 65536");
        } else if (!strcmp(a, "--threads") && has_val) {
            if (cli_parse_int(argv[++i], 1, 256, &threads)) return cli_usage_error("run", "--threads needs a number from 1 to 256");
        } else if (!strcmp(a, "--mean") && has_val) {
            if (cli_parse_floats3(argv[++i], mean)) return cli_usage_error("run", "--mean needs three finite numbers a,b,c");
        } else if (!strcmp(a, "--std") && has_val) {
            if (cli_parse_floats3(argv[++i], stdv)) return cli_usage_error("run", "--std needs three finite numbers a,b,c");
            if (!(stdv[0] != 0 && stdv[1] != 0 && stdv[2] != 0)) return cli_usage_error("run", "--std values must be non-zero");
        } else if (!strcmp(a, "--quiet")) quiet = 1;
        else if (a[0] == '-') return cli_usage_error("run", "unknown option '%s'%s", a, has_val ? "" : " (or missing value)");
        else if (!model) model = a;
        else return cli_usage_error("run", "unexpected argument '%s'", a);
    }
    if (!model) return cli_usage_error("run", "no model given");
    if (!out) return cli_usage_error("run", "no output file given (-o OUT.npy)");
    if (!images == !input) return cli_usage_error("run", "give exactly one of --images-npy and --input-npy");
    if (dlk_same_file(out, model) || dlk_same_file(out, images ? images : input))
        return cli_usage_error("run", "-o %s is one of the inputs; it would be overwritten", out);
    dlk_err err;
    dlk_npy in = {{0}, NULL};
    int rc = 1;
    dlk_model *m = dlk_model_load(model, &err);
    if (!m) return cli_error("run", "%s", err.msg);
    if (dlk_model_num_inputs(m) != 1 || dlk_model_num_outputs(m) != 1) {
        cli_error("run", "%s: 'run' needs a model with one input and one output (it has %d and %d)", model,
                  dlk_model_num_inputs(m), dlk_model_num_outputs(m));
        goto done;
    }
    const char *inpath = images ? images : input;
    if (dlk_npy_read(inpath, &in, &err)) {
        cli_error("run", "%s", err.msg);
        goto done;
    }
    j.images = images != NULL;
    if (j.images) {
        if (in.shape.dtype != DLK_UINT8 || in.shape.ndim != 4 || in.shape.dims[3] != 3) {
            cli_error("run", "%s: --images-npy needs uint8 N x H x W x 3 images", inpath);
            goto done;
        }
        j.n = in.shape.dims[0];
        j.c = 3;
        j.h = in.shape.dims[1];
        j.w = in.shape.dims[2];
    } else {
        if (in.shape.dtype != DLK_FLOAT || in.shape.ndim != 4) {
            cli_error("run", "%s: --input-npy needs a float32 N x C x H x W tensor", inpath);
            goto done;
        }
        j.n = in.shape.dims[0];
        j.c = in.shape.dims[1];
        j.h = in.shape.dims[2];
        j.w = in.shape.dims[3];
    }
    if (j.n < 1 || j.h < 1 || j.w < 1) {
        cli_error("run", "%s: no items", inpath);
        goto done;
    }
    j.m = m;
    j.in = &in;
    dlk_pre_opts_default(&j.pre, (int)j.h, (int)j.w);
    memcpy(j.pre.mean, mean, sizeof mean);
    memcpy(j.pre.std, stdv, sizeof stdv);
    j.batch = (int)batch;
    if (output_size(m, &j, &j.p, &err)) {
        cli_error("run", "%s (input %s)", err.msg, inpath);
        goto done;
    }
    j.out = malloc(sizeof(float) * (size_t)(j.n * j.p) + 1);
    if (!j.out) {
        cli_error("run", "out of memory");
        goto done;
    }
    j.progress = !quiet && isatty(2) && j.n > 1;
    pthread_mutex_init(&j.lock, NULL);
    if (threads > j.n) threads = j.n;
    pthread_t tid[256];
    int started = 0;
    for (long t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, worker, &j) == 0) started++;
    worker(&j);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&j.lock);
    if (j.progress) fputc('\n', stderr);
    if (j.failed) {
        cli_error("run", "%s", j.err.msg);
        goto done;
    }
    dlk_shape os = {DLK_FLOAT, 2, {j.n, j.p}};
    if (dlk_npy_write(out, &os, j.out, &err)) {
        cli_error("run", "%s", err.msg);
        goto done;
    }
    rc = 0;
done:
    free(j.out);
    dlk_npy_free(&in);
    dlk_model_free(m);
    return rc;
}
