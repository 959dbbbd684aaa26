/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit quantize: post-training static int8 quantization of a float model, calibrated on images,
 * written as an ONNX file in QDQ (default) or QOperator form, the way ONNX Runtime's
 * quantize_static writes it. */
#include "cli.h"
#include "quant/quant.h"

#include <stdlib.h>
#include <string.h>

#define CMD "quantize"

static const char HEAD[] =
    "usage: dlakit quantize FLOAT.onnx -o INT8.onnx (--calib DIR | --calib-npy FILE.npy |\n"
    "                       --calib-idx IMAGES LABELS [--calib-indices F.npy]) [options]\n"
    "\n"
    "Quantizes a float model to int8 as ONNX Runtime's quantize_static does with the model zoo's\n"
    "settings: per-channel symmetric int8 weights, asymmetric int8 activations, MinMax calibration,\n"
    "int32 biases (scale = input scale x weight scale), Relu folded into the QuantizeLinear of the\n"
    "node before it, MaxPool/Flatten/Reshape keeping their input's scale. The compute nodes keep\n"
    "their names; QuantizeLinear/DequantizeLinear nodes and scales are named as ORT names them.\n"
    "The file is written atomically (nothing is left on failure). Calibration runs dlakit's portable\n"
    "reference kernels, so the file is the same bytes on every machine, ISA and --threads (the float\n"
    "passes are about 10x slower than the machine's SIMD kernels; --threads spreads the images).\n"
    "\n"
    "Calibration data (preprocessed as `dlakit classify` does):\n";
static const char TAIL[] =
    "\n"
    "Example (the bundled MNIST model, calibrated on the bundled digits):\n"
    "  dlakit quantize models/dla46c_mnist_64/dla46c_mnist_64.onnx -o int8.onnx --calib data/digits\n";

static void progress(void *user, int pass, int passes, int64_t done, int64_t n)
{
    if (*(const int *)user || !(done % 16 == 0 || done == n)) return; /* --quiet */
    fprintf(stderr, "\rdlakit quantize: calibrating%s %lld/%lld%s", passes == 2 ? (pass == 1 ? " (ranges)" : " (histograms)") : "",
            (long long)done, (long long)n, done == n ? "\n" : "");
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
    const char *outpath = NULL, *report = NULL, *idx[2] = {NULL, NULL};
    int json = 0, npos, method = 0, format = 0, quiet = 0;
    long threads = 1, num_bins = 0, num_qbins = 0, count = 0;
    cli_pre pre;
    cli_pre_init(&pre);
    dlk_quantize_opts o;
    dlk_quantize_opts_default(&o);
    dlk_quant_opts qo = o.q;
    int have_bins = 0, have_qbins = 0;
    const char *exclude_arg = NULL;
    const cli_opt opts[] = {
        CLI_OPT_OUT(&outpath, "INT8.onnx", NULL),
        CLI_STR_OPT("--calib", &o.calib_dir, "DIR", "the PNG/JPEG images in DIR and its sub-folders (sorted by path)"),
        CLI_STR_OPT("--calib-npy", &o.calib_npy, "FILE", "uint8 N x H x W x 3 preprocessed images (H x W = the model's size)"),
        {"--calib-idx", NULL, NULL, CLI_STR2, idx, NULL, 0, 0, 0, NULL, NULL, "MNIST-style IDX files (LABELS is only checked for its count)",
         "--calib-idx IMAGES LABELS   "},
        CLI_STR_OPT("--calib-indices", &o.calib_indices, "F.npy", "with --calib-idx: int64 indices of the items to use, in that order"),
        CLI_INT_OPT("--calib-count", &count, 1, 100000000, "N", "only the first N calibration images"),
        {"--calib-fraction", NULL, NULL, CLI_DOUBLE, &o.calib_fraction, NULL, 0, 1, 1, NULL, "F",
         "with --calib DIR: ceil(F x N) of its N images, evenly spaced in path order", NULL},
        CLI_FLAG_OPT("--calib-flip", &o.calib_flip, "also each image mirrored left-right"),
        CLI_OPT_THREADS(&threads, "calibrate on N threads (default 1; the result does not depend on N)"),
        CLI_PRE_OPTS(&pre),
        CLI_OPT_DOC(NULL, ""),
        CLI_OPT_DOC(NULL, "Quantization:"),
        {"--method", NULL, NULL, CLI_CHOICE, &method, NULL, 0, 0, 0, "minmax|percentile|entropy", "M",
         "minmax (default) | percentile (99.999 %, 2048 bins of |x|) |\n"
         "entropy (KL divergence, 128 bins, 128 quantized bins), as ORT's calibrate.py", NULL},
        {"--percentile", NULL, NULL, CLI_DOUBLE, &qo.percentile, NULL, 0, 100, 0, NULL, "P", "percentile for --method percentile (default 99.999)", NULL},
        {"--num-bins", NULL, NULL, CLI_INT, &num_bins, &have_bins, 2, DLK_MAX_BINS, 0, NULL, "N", "histogram bins (ORT's num_bins: percentile 2048, entropy 128;\n"
                                                                                   "at most 16384)", NULL},
        {"--num-quantized-bins", NULL, NULL, CLI_INT, &num_qbins, &have_qbins, 2, DLK_MAX_BINS, 0, NULL, NULL, "entropy: ORT's num_quantized_bins (default 128,\n"
                                                                                      "at most 16384)",
         "--num-quantized-bins N  "},
        {"--format", NULL, NULL, CLI_CHOICE, &format, NULL, 0, 0, 0, "qdq|qop", "F", "qdq (default) | qop (QLinearConv, QLinearAdd, QLinearConcat,\n"
                                                                                 "QLinearGlobalAveragePool in the com.microsoft domain)", NULL},
        CLI_FLAG_OPT("--per-tensor", &qo.per_tensor, "one scale per weight tensor instead of one per output channel"),
        {"--symmetric-activations", NULL, NULL, CLI_FLAG, &qo.symmetric_act, NULL, 0, 0, 0, NULL, NULL, "activations symmetric (zero point 0, 128 for uint8)",
         "--symmetric-activations   "},
        CLI_FLAG_OPT("--uint8-activations", &qo.uint8_act, "activations uint8 instead of int8"),
        CLI_STR_OPT("--exclude", &exclude_arg, "N1,N2,...", "leave these nodes in float (also for operators dlakit cannot quantize)"),
        CLI_STR_OPT("--report", &report, "FILE", "per-layer SNR (dB) of the int8 model against the float model on the\n"
                                                                              "calibration data, worst first (TSV; JSON with --json)"),
        CLI_OPT_JSON(&json, "print a JSON summary to stdout"),
        CLI_OPT_QUIET(&quiet),
        CLI_OPT_DOC("-h, --help", "this help"),
    };
    const cli_cmd cmd = {.name = CMD, .head = HEAD, .tail = TAIL, .width = 22, .min_args = 1,
                         .max_args = 1, .missing = "no model given (dlakit quantize --help)", .pre = &pre, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    static const dlk_calib_method methods[] = {DLK_CALIB_MINMAX, DLK_CALIB_PERCENTILE, DLK_CALIB_ENTROPY};
    qo.method = methods[method];
    qo.qop = format == 1;
    if (have_bins) qo.num_bins = (int)num_bins;
    if (have_qbins) qo.num_quantized_bins = (int)num_qbins;
    o.calib_idx_images = idx[0];
    o.calib_idx_labels = idx[1];
    o.calib_count = count;
    if (!outpath) return cli_usage_error(CMD, "no output given: -o INT8.onnx");
    if (!!o.calib_dir + !!o.calib_npy + !!o.calib_idx_images != 1)
        return cli_usage_error(CMD, "give one calibration source: --calib DIR, --calib-npy FILE or --calib-idx IMAGES LABELS");
    if (o.calib_indices && !o.calib_idx_images) return cli_usage_error(CMD, "--calib-indices goes with --calib-idx");
    if (o.calib_fraction > 0 && !o.calib_dir) return cli_usage_error(CMD, "--calib-fraction goes with --calib DIR");
    {
        const char *ins[] = {model, o.calib_npy, o.calib_idx_images, o.calib_idx_labels, o.calib_indices};
        if (cli_refuse_input(CMD, "-o", outpath, ins, 5) || cli_refuse_input(CMD, "--report", report, ins, 5) ||
            cli_refuse_input(CMD, "--report", report, &outpath, 1))
            return 2;
        if (report && !strcmp(report, outpath)) return cli_usage_error(CMD, "--report and -o name the same file");
    }

    int rc = 1;
    dlk_err err;
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
    o.q = qo;
    o.threads = (int)threads;
    o.pre = &pre.pre;
    o.report = report;
    o.report_json = json;
    o.progress = progress;
    o.user = &quiet;
    dlk_quantize_result res;
    if (dlk_quantize(model, outpath, &o, &res, &err)) { cli_error(CMD, "%s", err.msg); goto done; }
    if (res.calib_skipped)
        fprintf(stderr, "dlakit quantize: %s: %d links to a folder or image already seen skipped (each image counts once)\n",
                o.calib_dir, res.calib_skipped);
    static const char *const method_names[] = {"MinMax", "Percentile", "Entropy"};
    long total = (long)res.calibration_images;
    int nq = res.nodes, nqdq = res.qdq_nodes, nf = qo.n_exclude;
    size_t packed_len = res.bytes;
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
    } else if (!quiet) {
        printf("%s: %s int8 model (%s, %ld calibration images), %d nodes + %d Q/DQ, %d left in float, %zu bytes\n",
               outpath, qo.qop ? "QOperator" : "QDQ", method_names[qo.method], total, nq, nqdq, nf, packed_len);
    }
    rc = 0;
done:
    free(excl);
    free(excl_copy);
    return rc;
}
