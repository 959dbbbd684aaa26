/* dlakit compile: an int8 model as standalone C (NAME.c + NAME.h) for a microcontroller. */
#include "cli.h"

#include <string.h>

static const char HEAD[] =
    "usage: dlakit compile MODEL.onnx -o DIR [--name NAME] [--size N|HxW]\n"
    "\n"
    "Writes DIR/NAME.c and DIR/NAME.h: the int8 model (QDQ or QOperator file) as plain C99 with its\n"
    "weights as const arrays, one statically sized arena, no malloc and no stdio. The entry point\n"
    "  int NAME_run(const uint8_t *image, float *scores)\n"
    "takes the uint8 H x W x 3 RGB image after resize and crop (what `dlakit preprocess` writes) and\n"
    "returns 0 with NAME_NUM_CLASSES float scores, bit-identical to `dlakit run --images-npy`:\n"
    "normalization (ImageNet mean/std) and the input QuantizeLinear are one 256-entry table per\n"
    "channel; the layers call dlakit's own reference kernels, whose text NAME.c carries.\n"
    "NAME.h defines NAME_IN_H, NAME_IN_W, NAME_NUM_CLASSES, NAME_ARENA_BYTES, NAME_SCRATCH_BYTES,\n"
    "NAME_WEIGHT_BYTES, NAME_STACK_BYTES and NAME_MACS. Build with -ffp-contract=off (the default\n"
    "of -std=c99) and link with -lm.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Example:\n"
    "  dlakit compile models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx -o . --name mnist\n"
    "  cc -std=c99 -O2 -c mnist.c        # your program calls mnist_run(image, scores); link with -lm\n";

int cmd_compile(int argc, char **argv)
{
    const char *dir = NULL, *name = "model";
    int hw[2] = {0, 0}, npos, json = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_OPT_OUT(&dir, "DIR", "output folder (must exist)"),
        CLI_STR_OPT("--name", &name, "NAME", "C prefix and file name (default: model)"),
        CLI_OPT_SIZE(hw, NULL, "N|HxW", "input size (default: the model's declared size)"),
        CLI_OPT_JSON(&json, "print a JSON summary (dir, name, input, classes, macs, weights_bytes, arena_bytes)"),
        CLI_OPT_QUIET(&quiet),
    };
    const cli_cmd cmd = {.name = "compile", .head = HEAD, .tail = TAIL, .width = 16, .min_args = 1,
                         .max_args = 1, .missing = "needs MODEL.onnx and -o DIR", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    if (!dir) return cli_usage_error("compile", "needs MODEL.onnx and -o DIR");
    dlk_err err;
    dlk_analysis *a = dlk_analyze(model, hw[0], hw[1], &err);
    if (!a || dlk_compile(a, dir, name, &err)) {
        dlk_analysis_free(a);
        return cli_error("compile", "%s", err.msg);
    }
    dlk_analysis_totals t;
    dlk_analysis_get_totals(a, &t);
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, model);
        printf(", \"dir\": ");
        cli_json_str(stdout, dir);
        printf(", \"name\": ");
        cli_json_str(stdout, name); /* a C identifier: the files are DIR/NAME.c and DIR/NAME.h */
        printf(", \"input\": [%d, %d, 3], \"classes\": %d, \"macs\": %lld, \"weights_bytes\": %zu, \"arena_bytes\": %zu}\n",
               t.in_h, t.in_w, t.classes, (long long)t.macs, t.weights_bytes, t.peak_ram_bytes);
    } else if (!quiet) {
        printf("%s/%s.c, %s/%s.h: %dx%d input, %d classes, %lld MACs, %zu bytes of constants, %zu-byte arena\n", dir, name, dir,
               name, t.in_h, t.in_w, t.classes, (long long)t.macs, t.weights_bytes, t.peak_ram_bytes);
    }
    dlk_analysis_free(a);
    return 0;
}
