/* dlakit bench: latency of one model, batch 1 by default, with the same input as ORT's bench.mjs. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *HELP =
    "usage: dlakit bench MODEL.onnx [--size HxW] [--batch B] [--runs R] [--warmup W] [--json]\n"
    "\n"
    "Times dlk_ctx_run on one context (one thread) and prints min / median / max milliseconds per\n"
    "run. The input is x[i] = 1.5 sin(i), as ../shared/tools/ort/bench.mjs feeds ONNX Runtime, so\n"
    "the two can be compared; scripts/bench.sh runs both interleaved and prints the ratios.\n"
    "\n"
    "  --size HxW    input height and width (default: the model's; required if symbolic)\n"
    "  --batch B     batch size (default 1)\n"
    "  --runs R      timed runs (default 30)\n"
    "  --warmup W    untimed runs first (default 5)\n"
    "  --json        {\"model\", \"runs\", \"min_ms\", \"median_ms\", \"max_ms\", \"arena_bytes\"}\n";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int cmd_bench(int argc, char **argv)
{
    const char *model = NULL;
    int h = -1, w = -1, json = 0;
    long batch = 1, runs = 30, warmup = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int hv = i + 1 < argc;
        if (cli_is_help(a)) {
            fputs(HELP, stdout);
            return 0;
        }
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--size") && hv) {
            if (cli_parse_size(argv[++i], &h, &w)) return cli_usage_error("bench", "--size needs N or HxW");
        } else if (!strcmp(a, "--batch") && hv) {
            if (cli_parse_int(argv[++i], 1, 4096, &batch)) return cli_usage_error("bench", "--batch needs 1..4096");
        } else if (!strcmp(a, "--runs") && hv) {
            if (cli_parse_int(argv[++i], 1, 1000000, &runs)) return cli_usage_error("bench", "--runs needs a positive number");
        } else if (!strcmp(a, "--warmup") && hv) {
            if (cli_parse_int(argv[++i], 0, 1000000, &warmup)) return cli_usage_error("bench", "--warmup needs a number >= 0");
        } else if (a[0] == '-') return cli_usage_error("bench", "unknown option '%s'", a);
        else if (!model) model = a;
        else return cli_usage_error("bench", "unexpected argument '%s'", a);
    }
    if (!model) return cli_usage_error("bench", "no model given");
    dlk_err err;
    dlk_model *m = dlk_model_load(model, &err);
    if (!m) return cli_error("bench", "%s", err.msg);
    int rc = 1;
    double *t = NULL;
    dlk_ctx *c = NULL;
    dlk_shape s = dlk_model_input_shape(m, 0);
    if (dlk_model_num_inputs(m) != 1 || s.ndim != 4 || s.dtype != DLK_FLOAT) {
        cli_error("bench", "%s: needs one float32 NCHW input", model);
        goto done;
    }
    s.dims[0] = batch;
    if (h > 0) {
        s.dims[2] = h;
        s.dims[3] = w;
    }
    if (s.dims[1] < 0 || s.dims[2] < 0 || s.dims[3] < 0) {
        cli_error("bench", "%s: the input has symbolic dimensions: give --size HxW", model);
        goto done;
    }
    c = dlk_ctx_new(m, &s, 1, &err);
    if (!c) {
        cli_error("bench", "%s", err.msg);
        goto done;
    }
    float *x = dlk_ctx_input(c, 0, NULL);
    int64_t n = dlk_shape_numel(&s);
    for (int64_t i = 0; i < n; i++) x[i] = (float)(sin((double)(i % (n / batch))) * 1.5);
    t = malloc(sizeof(double) * runs);
    if (!t) {
        cli_error("bench", "out of memory");
        goto done;
    }
    for (long i = 0; i < warmup + runs; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (dlk_ctx_run(c, &err)) {
            cli_error("bench", "%s", err.msg);
            goto done;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (i >= warmup) t[i - warmup] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    }
    qsort(t, runs, sizeof(double), cmp_double);
    const char *base = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
    if (json) {
        printf("{\"model\":");
        cli_json_str(stdout, model);
        printf(",\"batch\":%ld,\"height\":%lld,\"width\":%lld,\"runs\":%ld,\"min_ms\":%.3f,\"median_ms\":%.3f,\"max_ms\":%.3f,\"arena_bytes\":%zu}\n",
               batch, (long long)s.dims[2], (long long)s.dims[3], runs, t[0], t[runs / 2], t[runs - 1], dlk_ctx_arena_bytes(c));
    } else {
        printf("%s dlakit batch %ld: min %.2f median %.2f max %.2f ms (arena %zu bytes)\n", base, batch, t[0], t[runs / 2],
               t[runs - 1], dlk_ctx_arena_bytes(c));
    }
    rc = 0;
done:
    free(t);
    dlk_ctx_free(c);
    dlk_model_free(m);
    return rc;
}
