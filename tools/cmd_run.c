/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit run: a model over a batch of preprocessed images (.npy in, .npy out). */
#include "cli.h"
#include "runtime/batch.h"
#include "lib/npy.h"
#include "util/outfile.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char HEAD[] =
    "usage: dlakit run MODEL.onnx (--images-npy IN.npy | --input-npy X.npy) -o OUT.npy [options]\n"
    "\n"
    "Runs MODEL on every item of IN and writes the model's output, float32 N x P, to OUT.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Example (digits.npy: dlakit preprocess data/digits/*/*.png --size 64 -o digits.npy):\n"
    "  dlakit run models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx --images-npy digits.npy -o out.npy\n";

typedef struct {
    const dlk_npy *in;
    int images;              /* in is uint8 NHWC */
    dlk_pre_opts pre;        /* normalization of images (mean, std) */
    int64_t n, c, h, w, p;
    float *out;
    int progress;
} job;

/* Items [i0, i0+b) of the input into the context's input (NCHW float). */
static int fill(void *user, dlk_ctx *ctx, int thread, int64_t i0, int64_t b, dlk_err *err)
{
    const job *j = user;
    float *x = dlk_ctx_input(ctx, 0, NULL);
    int64_t plane = j->h * j->w, item = j->c * plane;
    (void)thread, (void)err;
    if (!j->images) {
        memcpy(x, (const float *)j->in->data + i0 * item, sizeof(float) * (size_t)(b * item));
        return 0;
    }
    const uint8_t *u = (const uint8_t *)j->in->data + i0 * plane * 3;
    for (int64_t k = 0; k < b; k++) dlk_normalize_nchw(u + k * plane * 3, (int)j->h, (int)j->w, &j->pre, x + k * item);
    return 0;
}

static int consume(void *user, const dlk_ctx *ctx, int thread, int64_t i0, int64_t b, const dlk_err *item_err, dlk_err *err)
{
    job *j = user;
    (void)thread;
    if (item_err) {
        *err = *item_err;
        return -1;
    }
    dlk_shape os;
    const void *y = dlk_ctx_output(ctx, 0, &os);
    if (os.dtype != DLK_FLOAT || os.ndim < 1 || os.dims[0] != b || dlk_shape_numel(&os) != b * j->p) {
        snprintf(err->msg, sizeof err->msg, "the model's output is not float32 with %lld values per item", (long long)j->p);
        return -1;
    }
    memcpy(j->out + i0 * j->p, y, sizeof(float) * (size_t)(b * j->p));
    return 0;
}

static void progress(void *user, int64_t done, int64_t n)
{
    if (((const job *)user)->progress) fprintf(stderr, "\r%lld/%lld", (long long)done, (long long)n);
}

/* The output size per item: from a probe context of batch 1. */
static int output_size(const dlk_model *m, const dlk_shape *in, int64_t *p, dlk_err *err)
{
    dlk_shape s = *in;
    s.dims[0] = 1;
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
    const char *images = NULL, *input = NULL, *out = NULL;
    long batch = 1, threads = 1;
    int quiet = 0, json = 0, npos;
    job j;
    memset(&j, 0, sizeof j);
    cli_pre pre; /* only --mean and --std */
    cli_pre_init(&pre);
    const cli_opt opts[] = {
        CLI_STR_OPT("--images-npy", &images, "IN.npy", "uint8 N x H x W x 3 images, already resized and cropped; each becomes\n"
                                                                                    "x = (u8/255 - mean)/std in float32, channels first"),
        CLI_STR_OPT("--input-npy", &input, "X.npy", "float32 N x C x H x W model inputs, used as they are"),
        CLI_OPT_OUT(&out, "OUT.npy", "output file (written only when every item ran)"),
        CLI_INT_OPT("--batch", &batch, 1, 65536, "B", "items per run (default 1); results do not depend on it"),
        CLI_OPT_THREADS(&threads, "worker threads, each running its own batches (default 1)"),
        CLI_PRE_MEAN(&pre, "a,b,c", "normalization mean (default 0.485,0.456,0.406, ImageNet)", NULL),
        CLI_PRE_STD(&pre, "a,b,c", "normalization std (default 0.229,0.224,0.225)"),
        CLI_OPT_JSON(&json, "print a JSON summary (model, output, shape) to stdout"),
        CLI_OPT_QUIET(&quiet),
    };
    const cli_cmd cmd = {.name = "run", .head = HEAD, .tail = TAIL, .width = 22, .min_args = 1,
                         .max_args = 1, .missing = "no model given", .pre = &pre, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    if (!out) return cli_usage_error("run", "no output file given (-o OUT.npy)");
    if (!images == !input) return cli_usage_error("run", "give exactly one of --images-npy and --input-npy");
    const char *ins[] = {model, images, input};
    if (cli_refuse_input("run", "-o", out, ins, 3)) return 2;
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
    j.in = &in;
    j.pre = pre.pre;
    j.pre.h = (int)j.h;
    j.pre.w = (int)j.w;
    dlk_batch_job bj = {.n = j.n, .batch = (int)batch, .threads = (int)threads, .input = dlk_model_input_shape(m, 0),
                        .user = &j, .fill = fill, .consume = consume, .progress = progress};
    bj.input.ndim = 4;
    bj.input.dtype = DLK_FLOAT;
    bj.input.dims[1] = j.c;
    bj.input.dims[2] = j.h;
    bj.input.dims[3] = j.w;
    if (output_size(m, &bj.input, &j.p, &err)) {
        cli_error("run", "%s (input %s)", err.msg, inpath);
        goto done;
    }
    j.out = malloc(sizeof(float) * (size_t)(j.n * j.p) + 1);
    if (!j.out) {
        cli_error("run", "out of memory");
        goto done;
    }
    j.progress = !quiet && isatty(2) && j.n > 1;
    int failed = dlk_batch_run(m, &bj, &err);
    if (j.progress) fputc('\n', stderr);
    if (failed) {
        cli_error("run", "%s", err.msg);
        goto done;
    }
    dlk_shape os = {DLK_FLOAT, 2, {j.n, j.p}};
    if (dlk_npy_write(out, &os, j.out, &err)) {
        cli_error("run", "%s", err.msg);
        goto done;
    }
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, model);
        printf(", \"input\": ");
        cli_json_str(stdout, inpath);
        printf(", \"output\": ");
        cli_json_str(stdout, out);
        printf(", \"dtype\": \"float32\", \"shape\": [%lld, %lld], \"batch\": %ld, \"threads\": %ld}\n", (long long)j.n,
               (long long)j.p, batch, threads);
    } else if (!quiet) {
        printf("%s: %lld x %lld float32 outputs of %s\n", out, (long long)j.n, (long long)j.p, model);
    }
    rc = 0;
done:
    free(j.out);
    dlk_npy_free(&in);
    dlk_model_free(m);
    return rc;
}
