/* dlakit analyze: the cost of a model as `dlakit compile` would build it, before a chip is chosen. */
#include "cli.h"
#include "codegen/program.h"
#include "util/err.h"
#include "util/outfile.h"

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

static const char *kind_name(const dlk_program *p, const dlk_step *s)
{
    switch (s->kind) {
    case DLK_STEP_INPUT: return "Input (table)";
    case DLK_STEP_OUTPUT: return "Output (dequantize)";
    default: return p->g->nodes[s->node].op_type;
    }
}

static void shape_txt(const dlk_shape *s, char *b, size_t n)
{
    size_t at = 0;
    b[0] = 0;
    for (int i = 0; i < s->ndim && at + 1 < n; i++) at += (size_t)snprintf(b + at, n - at, "%s%lld", i ? "x" : "", (long long)s->dims[i]);
}

static int write_svg(const dlk_program *p, const char *path, dlk_err *err)
{
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    FILE *f = o.f;
    double W = 1000, H = 600, L = 60, T = 30;
    double xs = W / (p->n_steps ? p->n_steps : 1), ys = H / (double)(p->arena_bytes ? p->arena_bytes : 1);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
            W + L + 20, H + T + 40);
    fprintf(f, "<text x=\"%.0f\" y=\"18\">memory plan: %zu-byte arena (lower bound %zu), %d layers</text>\n", L, p->arena_bytes,
            p->lower_bound, p->n_steps);
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#444\"/>\n", L, T, W, H);
    for (int b = 0; b < p->n_bufs; b++) {
        const dlk_plan_buf *pb = &p->bufs[b];
        if (pb->size == 0) continue; /* merged into another (in place) */
        int is_scratch = 0;
        for (int i = 0; i < p->n_steps; i++) is_scratch |= p->scratch_buf[i] == b;
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.3\"><title>%zu bytes at %zu, layers %d-%d</title></rect>\n",
                L + pb->first * xs, T + pb->offset * ys, (pb->last - pb->first + 1) * xs, pb->size * ys > 0.5 ? pb->size * ys : 0.5,
                is_scratch ? "#e8a33d" : "#5b8fd1", pb->size, pb->offset, pb->first, pb->last);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">layer (time) &#8594;</text>\n", L, T + H + 16);
    fprintf(f, "<text x=\"4\" y=\"%.0f\">address &#8595;</text>\n</svg>\n", T + 12);
    return dlk_outfile_close(&o, 1, err);
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
    dlk_model *m = dlk_model_load(model, &err);
    if (!m) return cli_error("analyze", "%s", err.msg);
    dlk_program p;
    if (dlk_program_build(m, hw[0], hw[1], &p, &err)) {
        dlk_program_free(&p);
        dlk_model_free(m);
        return cli_error("analyze", "%s", err.msg);
    }
    char sh[96];
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, model);
        printf(", \"input\": [%d, %d, 3], \"classes\": %d, \"macs\": %lld, \"params\": %lld, \"weights_bytes\": %zu, "
               "\"int8_weight_bytes\": %zu, \"peak_ram_bytes\": %zu, \"lower_bound_bytes\": %zu, \"scratch_bytes\": %zu, \"layers\": [",
               p.in_h, p.in_w, p.num_classes, (long long)p.macs, (long long)p.params, p.weights_bytes, p.int8_weight_bytes,
               p.arena_bytes, p.lower_bound, p.scratch_bytes);
        for (int i = 0; i < p.n_steps; i++) {
            const dlk_step *s = &p.steps[i];
            const dlk_op *op = &p.ctx->ops[s->node];
            shape_txt(s->kind == DLK_STEP_OUTPUT ? &op->out[0]->shape : &op->out[0]->shape, sh, sizeof sh);
            printf("%s\n  {\"name\": ", i ? "," : "");
            cli_json_str(stdout, p.g->nodes[s->node].name);
            printf(", \"op\": ");
            cli_json_str(stdout, kind_name(&p, s));
            printf(", \"shape\": \"%s\", \"macs\": %lld, \"params\": %lld, \"weights_bytes\": %zu, \"activation_bytes\": %zu, "
                   "\"live_bytes\": %zu, \"in_place\": %s, \"concat_slices\": %d}",
                   sh, (long long)s->macs, (long long)s->params, s->weight_bytes, s->out_bytes, s->live_bytes,
                   s->in_place ? "true" : "false", s->slices);
        }
        printf("\n]}\n");
    } else {
        printf("%s: %dx%d uint8 image in, %d float scores out, int8 activations\n\n", model, p.in_h, p.in_w, p.num_classes);
        printf("%-4s %-36s %-20s %-16s %12s %9s %9s %9s %9s\n", "#", "layer", "operator", "output", "MACs", "params", "weight B",
               "act B", "live B");
        for (int i = 0; i < p.n_steps; i++) {
            const dlk_step *s = &p.steps[i];
            shape_txt(&p.ctx->ops[s->node].out[0]->shape, sh, sizeof sh);
            char eb[256];
            const char *nm = dlk_esc(p.g->nodes[s->node].name, eb, sizeof eb);
            size_t ln = strlen(nm);
            printf("%-4d %-36s %-20s %-16s %12lld %9lld %9zu %9zu %9zu%s\n", i, ln > 36 ? nm + ln - 36 : nm, kind_name(&p, s), sh,
                   (long long)s->macs, (long long)s->params, s->weight_bytes, s->out_bytes, s->live_bytes,
                   s->in_place ? " (in place)" : s->slices ? " (slices)" : "");
        }
        printf("\nact B = activation bytes written; live B = bytes alive during the layer (in place: the output\n"
               "overwrites an input that dies there; slices: producers wrote their parts into the Concat's output)\n");
        printf("\ntotal: %lld MACs (%.1f M), %lld parameters\n", (long long)p.macs, p.macs / 1e6, (long long)p.params);
        printf("weights: %zu bytes (%.2f KiB) as stored for the MCU, of which int8 weights %zu bytes (%.2f KiB)\n", p.weights_bytes,
               p.weights_bytes / 1024.0, p.int8_weight_bytes, p.int8_weight_bytes / 1024.0);
        printf("activation RAM: peak %zu bytes (%.2f KiB) planned, lower bound %zu bytes (%.2f KiB), +%.2f %%; largest scratch %zu\n",
               p.arena_bytes, p.arena_bytes / 1024.0, p.lower_bound, p.lower_bound / 1024.0,
               p.lower_bound ? 100.0 * ((double)p.arena_bytes - (double)p.lower_bound) / (double)p.lower_bound : 0.0, p.scratch_bytes);
    }
    int rc = 0;
    if (svg && write_svg(&p, svg, &err)) rc = cli_error("analyze", "%s", err.msg);
    dlk_program_free(&p);
    dlk_model_free(m);
    return rc;
}
