/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit compile: an int8 model as standalone C (NAME.c + NAME.h) for a microcontroller. */
#include "cli.h"
#include "codegen/mcu/target.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char HEAD[] =
    "usage: dlakit compile MODEL.onnx -o DIR [--name NAME] [--size N|HxW] [--target T] [--allow-64bit]\n"
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
    "of -std=c99) and link with -lm. NAME is a letter, then letters, digits and single underscores\n"
    "(at most 40, no C keyword or standard name). Node names reach the C only as escaped comments and\n"
    "as identifiers made unique against each other, C keywords, standard names and the file's own.\n"
    "An arena or constants over 2 GiB (more than a 32-bit target addresses) are refused unless\n"
    "--allow-64bit.\n"
    "--target picks the convolution kernels: generic (portable C, any CPU), cortex-m55 (Helium:\n"
    "build with -mcpu=cortex-m55 -O2), cortex-m7 / cortex-m4 (DSP extension's SMLAD: -mcpu=cortex-m7\n"
    "or cortex-m4); every target's scores are bit-identical to generic's. The weights lie in the\n"
    "order the target's inner loop reads them (int16 for the DSP targets).\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Example:\n"
    "  dlakit compile models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx -o . --name mnist\n"
    "  cc -std=c99 -O2 -c mnist.c        # your program calls mnist_run(image, scores); link with -lm\n";


int cmd_compile(int argc, char **argv)
{
    const char *dir = NULL, *name = "model", *target_name = "generic";
    int hw[2] = {0, 0}, npos, json = 0, quiet = 0, allow64 = 0;
    const cli_opt opts[] = {
        CLI_OPT_OUT(&dir, "DIR", "output folder (created with its parents if missing)"),
        CLI_STR_OPT("--name", &name, "NAME", "C prefix and file name (default: model)"),
        CLI_OPT_SIZE(hw, NULL, "N|HxW", "input size (default: the model's declared size)"),
        CLI_FLAG_OPT("--allow-64bit", &allow64, "accept an arena or constants over 2 GiB (C for a 64-bit target only)"),
        CLI_STR_OPT("--target", &target_name, "T", "generic|cortex-m55|cortex-m7|cortex-m4 (default: generic)"),
        CLI_OPT_JSON(&json, "print a JSON summary (dir, name, target, input, classes, macs, weights_bytes, arena_bytes)"),
        CLI_OPT_QUIET(&quiet),
    };
    const cli_cmd cmd = {.name = "compile", .head = HEAD, .tail = TAIL, .width = 16, .min_args = 1,
                         .max_args = 1, .missing = "needs MODEL.onnx and -o DIR", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    if (!dir) return cli_usage_error("compile", "needs MODEL.onnx and -o DIR");
    dlk_target target;
    if (dlk_target_parse(target_name, &target))
        return cli_usage_error("compile", "unknown --target '%s' (one of %s)", target_name, dlk_target_names());
    if (!dir[0]) return cli_usage_error("compile", "-o needs a folder name (it is empty)");
    char out_c[4096], out_h[4096];
    snprintf(out_c, sizeof out_c, "%s/%s.c", dir, name);
    snprintf(out_h, sizeof out_h, "%s/%s.h", dir, name);
    if (cli_refuse_input("compile", "-o", out_c, &model, 1) || cli_refuse_input("compile", "-o", out_h, &model, 1)) return 2;
    dlk_err err;
    dlk_analysis *a = dlk_analyze_target(model, hw[0], hw[1], target_name, &err);
    if (!a || dlk_compile_ex(a, dir, name, allow64, &err)) {
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
        printf(", \"target\": ");
        cli_json_str(stdout, target_name);
        printf(", \"input\": [%d, %d, 3], \"classes\": %d, \"macs\": %lld, \"weights_bytes\": %zu, \"arena_bytes\": %zu}\n",
               t.in_h, t.in_w, t.classes, (long long)t.macs, t.weights_bytes, t.peak_ram_bytes);
    } else if (!quiet) {
        printf("%s/%s.c, %s/%s.h: %dx%d input, %d classes, %lld MACs, %zu bytes of constants, %zu-byte arena\n", dir, name, dir,
               name, t.in_h, t.in_w, t.classes, (long long)t.macs, t.weights_bytes, t.peak_ram_bytes);
    }
    dlk_analysis_free(a);
    return 0;
}
