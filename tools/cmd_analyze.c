/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit analyze: the cost of a model as `dlakit compile` would build it, before a chip is chosen. */
#include "cli.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static const char HEAD[] =
    "usage: dlakit analyze MODEL.onnx [--size N|HxW] [--json] [--svg FILE]\n"
    "\n"
    "Costs of the program `dlakit compile` writes for an int8 model (uint8 image in, int8\n"
    "activations, float scores out), layer by layer after dlakit's passes: operator, output shape,\n"
    "MACs (multiply-accumulates of the convolutions), parameters (weight and bias elements), weight\n"
    "bytes as stored for the MCU (int8 weights, int32 biases, float requantization scales, tables),\n"
    "activation bytes written, and bytes alive during the layer. Totals: MACs, parameters, weight\n"
    "bytes (and the int8 weights alone), the peak activation RAM of the planned arena, and the lower\n"
    "bound of layer-by-layer execution (the largest sum of buffers that must be alive together).\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Example:\n"
    "  dlakit analyze models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx\n";

static void shape_txt(const dlk_shape *s, char *b, size_t n)
{
    size_t at = 0;
    b[0] = 0;
    for (int i = 0; i < s->ndim && at + 1 < n; i++) at += (size_t)snprintf(b + at, n - at, "%s%lld", i ? "x" : "", (long long)s->dims[i]);
}

/* One row of the text table: the name's last 36 characters (escaped); int8: activation and live bytes. */
static void print_layer(const dlk_analysis *a, int i, int int8)
{
    dlk_analysis_layer l;
    char sh[96], eb[256];
    dlk_analysis_get_layer(a, i, &l);
    shape_txt(&l.shape, sh, sizeof sh);
    const char *nm = dlk_esc(l.name, eb, sizeof eb);
    size_t ln = strlen(nm);
    printf("%-4d %-36s %-20s %-16s %12lld %9lld ", i, ln > 36 ? nm + ln - 36 : nm, l.op, sh, (long long)l.macs, (long long)l.params);
    if (!int8) printf("%10zu\n", l.weights_bytes);
    else
        printf("%9zu %9zu %9zu%s\n", l.weights_bytes, l.activation_bytes, l.live_bytes,
               l.in_place ? " (in place)" : l.concat_slices ? " (slices)" : "");
}

int cmd_analyze(int argc, char **argv)
{
    const char *svg = NULL;
    int hw[2] = {0, 0}, json = 0, npos;
    const cli_opt opts[] = {
        CLI_OPT_SIZE(hw, NULL, "N|HxW", "input size (default: the model's declared size)"),
        CLI_OPT_JSON(&json, "machine-readable: keys macs, params, weights_bytes, int8_weight_bytes,\n"
                            "peak_ram_bytes, lower_bound_bytes, layers [...]"),
        CLI_STR_OPT("--svg", &svg, "FILE", "draw the memory plan: each buffer a rectangle, time (layers) x address"),
    };
    const cli_cmd cmd = {.name = "analyze", .head = HEAD, .tail = TAIL, .width = 15, .min_args = 1,
                         .max_args = 1, .missing = "needs MODEL.onnx", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    if (cli_refuse_input("analyze", "--svg", svg, &model, 1)) return 2;
    dlk_err err;
    dlk_analysis *a = dlk_analyze(model, hw[0], hw[1], &err);
    if (!a) return cli_error("analyze", "%s", err.msg);
    dlk_analysis_totals t;
    dlk_analysis_get_totals(a, &t);
    char sh[96];
    dlk_analysis_layer l;
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, model);
        printf(", \"int8\": %s, \"input\": [%d, %d, 3], \"classes\": %d, \"macs\": %lld, \"params\": %lld, \"weights_bytes\": %zu, "
               "\"int8_weight_bytes\": %zu, \"peak_ram_bytes\": %zu, \"lower_bound_bytes\": %zu, \"scratch_bytes\": %zu, \"layers\": [",
               t.int8 ? "true" : "false", t.in_h, t.in_w, t.classes, (long long)t.macs, (long long)t.params, t.weights_bytes,
               t.int8_weight_bytes, t.peak_ram_bytes, t.lower_bound_bytes, t.scratch_bytes);
        for (int i = 0; i < t.layers; i++) {
            dlk_analysis_get_layer(a, i, &l);
            shape_txt(&l.shape, sh, sizeof sh);
            printf("%s\n  {\"name\": ", i ? "," : "");
            cli_json_str(stdout, l.name);
            printf(", \"op\": ");
            cli_json_str(stdout, l.op);
            printf(", \"shape\": \"%s\", \"macs\": %lld, \"params\": %lld, \"weights_bytes\": %zu, \"activation_bytes\": %zu, "
                   "\"live_bytes\": %zu, \"in_place\": %s, \"concat_slices\": %d}",
                   sh, (long long)l.macs, (long long)l.params, l.weights_bytes, l.activation_bytes, l.live_bytes,
                   l.in_place ? "true" : "false", l.concat_slices);
        }
        printf("\n]}\n");
    } else if (!t.int8) {
        printf("%s: float model, %dx%d input, %d outputs\n\n", model, t.in_h, t.in_w, t.classes);
        printf("%-4s %-36s %-20s %-16s %12s %9s %10s\n", "#", "layer", "operator", "output", "MACs", "params", "weight B");
        for (int i = 0; i < t.layers; i++) print_layer(a, i, 0);
        printf("\ntotal: %lld MACs (%.1f M), %lld parameters, %zu bytes of float32 weights (%.2f KiB)\n", (long long)t.macs,
               t.macs / 1e6, (long long)t.params, t.weights_bytes, t.weights_bytes / 1024.0);
        printf("activation RAM of dlakit's float context: %zu bytes (%.2f KiB)\n", t.peak_ram_bytes, t.peak_ram_bytes / 1024.0);
        printf("\nThe MCU figures (int8 weight bytes, the planned arena of `dlakit compile`, its lower bound) need an\n"
               "int8 model: dlakit quantize %s -o INT8.onnx --calib DIR, then dlakit analyze INT8.onnx\n", model);
    } else {
        printf("%s: %dx%d uint8 image in, %d float scores out, int8 activations\n\n", model, t.in_h, t.in_w, t.classes);
        printf("%-4s %-36s %-20s %-16s %12s %9s %9s %9s %9s\n", "#", "layer", "operator", "output", "MACs", "params", "weight B",
               "act B", "live B");
        for (int i = 0; i < t.layers; i++) print_layer(a, i, 1);
        printf("\nact B = activation bytes written; live B = bytes alive during the layer (in place: the output\n"
               "overwrites an input that dies there; slices: producers wrote their parts into the Concat's output)\n");
        printf("\ntotal: %lld MACs (%.1f M), %lld parameters\n", (long long)t.macs, t.macs / 1e6, (long long)t.params);
        printf("weights: %zu bytes (%.2f KiB) as stored for the MCU, of which int8 weights %zu bytes (%.2f KiB)\n", t.weights_bytes,
               t.weights_bytes / 1024.0, t.int8_weight_bytes, t.int8_weight_bytes / 1024.0);
        printf("activation RAM: peak %zu bytes (%.2f KiB) planned, lower bound %zu bytes (%.2f KiB), +%.2f %%; largest scratch %zu\n",
               t.peak_ram_bytes, t.peak_ram_bytes / 1024.0, t.lower_bound_bytes, t.lower_bound_bytes / 1024.0,
               t.lower_bound_bytes ? 100.0 * ((double)t.peak_ram_bytes - (double)t.lower_bound_bytes) / (double)t.lower_bound_bytes : 0.0,
               t.scratch_bytes);
    }
    int rc = 0;
    if (svg && dlk_analysis_write_svg(a, svg, &err)) rc = cli_error("analyze", "%s", err.msg);
    dlk_analysis_free(a);
    return rc;
}
