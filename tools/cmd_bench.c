/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit bench: latency of one model, batch 1 by default, with the same input as ORT's bench.mjs. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char HEAD[] =
    "usage: dlakit bench MODEL.onnx [--size HxW] [--batch B] [--threads N] [--runs R] [--warmup W]\n"
    "                   [--profile] [--json]\n"
    "\n"
    "Times dlk_ctx_run on one context and prints min / median / max milliseconds per run, images/s,\n"
    "GMAC/s (convolutions and matrix products) and the kernel set in use (DLAKIT_ISA forces one).\n"
    "The input is x[i] = 1.5 sin(i), as ../shared/tools/ort/bench.mjs feeds ONNX Runtime, so\n"
    "the two can be compared; scripts/bench.sh runs both interleaved and prints the ratios.\n"
    "\n";

typedef struct {
    int i;
    double ms;
} node_time;

static int cmp_node_time(const void *a, const void *b)
{
    double x = ((const node_time *)a)->ms, y = ((const node_time *)b)->ms;
    return x > y ? -1 : x < y;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double seconds(void) /* a monotonic clock */
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cmd_bench(int argc, char **argv)
{
    int hw[2] = {-1, -1}, json = 0, profile = 0, npos;
    long batch = 1, runs = 30, warmup = 5, threads = 1;
    const cli_opt opts[] = {
        CLI_OPT_SIZE(hw, NULL, "HxW", "input height and width (default: the model's; required if symbolic)"),
        CLI_INT_OPT("--batch", &batch, 1, 4096, "B", "batch size (default 1)"),
        CLI_OPT_THREADS(&threads, "threads inside each run (default 1)"),
        {"--profile", NULL, NULL, CLI_FLAG, &profile, NULL, 0, 0, 0, NULL, NULL,
         "per node: milliseconds per run, GMAC/s, share of the total and the kernel that ran\n"
         "it (a conv's, with its layouts where channel-blocked), slowest first\n"
         "(1 thread: CPU time, robust when other processes share the core)", NULL},
        CLI_INT_OPT("--runs", &runs, 1, 1000000, "R", "timed runs (default 30)"),
        CLI_INT_OPT("--warmup", &warmup, 0, 1000000, "W", "untimed runs first (default 5; with W > 0, also at least 0.1 s of them)"),
        CLI_OPT_JSON(&json, "{\"model\", \"isa\", \"threads\", \"batch\", \"height\", \"width\", \"runs\", \"min_ms\",\n"
                            "\"median_ms\", \"max_ms\", \"images_per_s\", \"gmacs\", \"macs\", \"arena_bytes\"[, \"profile\":\n"
                            "[{\"node\", \"op\", \"kernel\", \"ms\", \"macs\", \"gmacs\"}, ...]]}"),
    };
    const cli_cmd cmd = {.name = "bench", .head = HEAD, .tail = "", .width = 14, .min_args = 1,
                         .max_args = 1, .missing = "no model given", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    dlk_err err;
    dlk_model *m = dlk_model_load(model, &err);
    if (!m) return cli_error("bench", "%s", err.msg);
    int rc = 1;
    double *t = NULL, *prof = NULL;
    float *xin = NULL;
    node_time *order = NULL;
    dlk_ctx *c = NULL;
    dlk_shape s = dlk_model_input_shape(m, 0);
    if (dlk_model_num_inputs(m) != 1 || s.ndim != 4 || s.dtype != DLK_FLOAT) {
        cli_error("bench", "%s: needs one float32 NCHW input", model);
        goto done;
    }
    s.dims[0] = batch;
    if (hw[0] > 0) {
        s.dims[2] = hw[0];
        s.dims[3] = hw[1];
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
    if (dlk_ctx_set_threads(c, (int)threads, &err)) {
        cli_error("bench", "%s", err.msg);
        goto done;
    }
    const int nn = dlk_ctx_num_nodes(c);
    int64_t macs = 0;
    for (int i = 0; i < nn; i++) macs += dlk_ctx_node_macs(c, i);
    float *x = dlk_ctx_input(c, 0, NULL);
    int64_t n = dlk_shape_numel(&s);
    xin = malloc(sizeof(float) * (size_t)n);
    if (!xin) {
        cli_error("bench", "out of memory");
        goto done;
    }
    for (int64_t i = 0; i < n; i++) xin[i] = (float)(sin((double)(i % (n / batch))) * 1.5);
    t = malloc(sizeof(double) * runs);
    prof = calloc((size_t)nn + 1, sizeof *prof);
    order = calloc((size_t)nn + 1, sizeof *order);
    if (!t || !prof || !order) {
        cli_error("bench", "out of memory");
        goto done;
    }
    /* warm-up: W runs, and more until 0.1 s has passed when W > 0 (right after another process,
     * a thread can start on a busy core: a short model at 2 threads then ran its first tens of
     * runs at half speed) */
    const double w0 = seconds();
    for (long i = 0; i < warmup || (warmup > 0 && seconds() - w0 < 0.1); i++) {
        memcpy(x, xin, sizeof(float) * (size_t)n); /* the arena reuses the input's buffer during a run */
        if (dlk_ctx_run(c, &err)) {
            cli_error("bench", "%s", err.msg);
            goto done;
        }
    }
    for (long i = 0; i < runs; i++) {
        memcpy(x, xin, sizeof(float) * (size_t)n);
        const double a = seconds();
        if (profile ? dlk_ctx_run_profiled(c, prof, &err) : dlk_ctx_run(c, &err)) {
            cli_error("bench", "%s", err.msg);
            goto done;
        }
        t[i] = (seconds() - a) * 1e3;
    }
    qsort(t, runs, sizeof(double), cmp_double);
    const char *base = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
    const double med = t[runs / 2], ips = med > 0 ? 1e3 * batch / med : 0, gmacs = med > 0 ? macs / (med * 1e6) : 0;
    double ptot = 0;
    for (int i = 0; i < nn; i++) {
        order[i] = (node_time){i, prof[i] / runs};
        ptot += prof[i] / runs;
    }
    qsort(order, nn, sizeof *order, cmp_node_time);
    if (json) {
        printf("{\"model\":");
        cli_json_str(stdout, model);
        printf(",\"isa\":\"%s\",\"threads\":%ld,\"batch\":%ld,\"height\":%lld,\"width\":%lld,\"runs\":%ld,\"min_ms\":%.3f,"
               "\"median_ms\":%.3f,\"max_ms\":%.3f,\"images_per_s\":%.1f,\"gmacs\":%.2f,\"macs\":%lld,\"arena_bytes\":%zu",
               dlk_isa_in_use(), threads, batch, (long long)s.dims[2], (long long)s.dims[3], runs, t[0], med, t[runs - 1], ips,
               gmacs, (long long)macs, dlk_ctx_arena_bytes(c));
        if (profile) {
            printf(",\"profile\":[");
            for (int j = 0; j < nn; j++) {
                const int i = order[j].i;
                const int64_t nm = dlk_ctx_node_macs(c, i);
                printf("%s{\"node\":", j ? "," : "");
                cli_json_str(stdout, dlk_ctx_node_name(c, i));
                printf(",\"op\":");
                cli_json_str(stdout, dlk_ctx_node_op(c, i));
                printf(",\"kernel\":");
                cli_json_str(stdout, dlk_ctx_node_kernel(c, i));
                printf(",\"ms\":%.4f,\"macs\":%lld,\"gmacs\":%.2f}", order[j].ms, (long long)nm,
                       order[j].ms > 0 ? nm / (order[j].ms * 1e6) : 0.0);
            }
            printf("]");
        }
        printf("}\n");
    } else {
        printf("%s dlakit batch %ld threads %ld isa %s: min %.2f median %.2f max %.2f ms, %.1f images/s, %.1f GMAC/s "
               "(arena %zu bytes)\n",
               base, batch, threads, dlk_isa_in_use(), t[0], med, t[runs - 1], ips, gmacs, dlk_ctx_arena_bytes(c));
        if (profile) {
            printf("%8s %6s %6s %8s  %-16s %-30s %s\n", "ms", "share", "cum", "GMAC/s", "op", "kernel", "node");
            double cum = 0;
            for (int j = 0; j < nn; j++) {
                const int i = order[j].i;
                const int64_t nm = dlk_ctx_node_macs(c, i);
                cum += order[j].ms;
                printf("%8.3f %5.1f%% %5.1f%% %8.1f  %-16s %-30s %s\n", order[j].ms, ptot > 0 ? 100 * order[j].ms / ptot : 0,
                       ptot > 0 ? 100 * cum / ptot : 0, nm && order[j].ms > 0 ? nm / (order[j].ms * 1e6) : 0.0,
                       dlk_ctx_node_op(c, i), dlk_ctx_node_kernel(c, i), dlk_ctx_node_name(c, i));
            }
            printf("%8.3f total of the profiled runs (per-node timing adds a little)\n", ptot);
        }
    }
    rc = 0;
done:
    free(t);
    free(xin);
    free(prof);
    free(order);
    dlk_ctx_free(c);
    dlk_model_free(m);
    return rc;
}
