/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the dlakit command line tool. */
#ifndef DLK_CLI_H
#define DLK_CLI_H

#include "dlakit.h"
#include <stdio.h>

#include "opt.h"
#include "util/err.h" /* dlk_esc for names from files */

/* Commands, in the order `dlakit --help` lists them: X(name, summary). Each cmd_<name> takes
 * argc/argv with argv[0] = the command name and returns the exit status. */
#define DLK_COMMANDS(X)                                                                                      \
    X(info, "describe a model: inputs, outputs, operators, parameters, quantization")                         \
    X(run, "run a model on preprocessed images (.npy) and write its outputs (.npy)")                         \
    X(preprocess, "decode, resize and crop images as the model zoo's evaluation does")                       \
    X(classify, "top-K classes of image files")                                                              \
    X(eval, "accuracy of a model on a labelled data set")                                                    \
    X(conform, "run ONNX backend node tests")                                                                \
    X(bench, "time a model's runs (compare with ONNX Runtime: scripts/bench.sh)")                            \
    X(quantize, "int8 post-training quantization (QDQ or QOperator ONNX), as ONNX Runtime does it")          \
    X(analyze, "cost of a model on a microcontroller: MACs, weights, planned RAM")                           \
    X(compile, "write an int8 model as standalone C (NAME.c, NAME.h) for a microcontroller")                 \
    X(zoo, "run the model zoo services' user_config.yaml (evaluation, quantization, chains, ...)")           \
    X(finetune, "adapt a float model to the classes of an image folder (training in C)")
#define DLK_CMD_DECL_(n, summary) int cmd_##n(int argc, char **argv);
DLK_COMMANDS(DLK_CMD_DECL_)
#undef DLK_CMD_DECL_

/* Prints "dlakit CMD: message" to stderr; returns 1 (the exit status for errors); 2 for usage. */
int cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* True when argv[i] is -h or --help. */
int cli_is_help(const char *arg);
/* "N" or "HxW" -> h, w (both > 0 and <= 16384). Returns 0 on success. */
int cli_parse_size(const char *s, int *h, int *w);
/* "a,b,c" -> three floats. Returns 0 on success. */
int cli_parse_floats3(const char *s, float v[3]);
/* Positive integer in [lo, hi]. Returns 0 on success. */
int cli_parse_int(const char *s, long lo, long hi, long *out);
/* "A:B" (A or B may be left out: 0, n) -> a, b with 0 <= a < b <= n. Returns 0 on success. */
int cli_parse_range(const char *s, long n, long *a, long *b);
/* The edit distance of a and b (insertions, deletions, substitutions, adjacent swaps), capped at 9. */
int cli_edit_distance(const char *a, const char *b);
/* A usage error (2) when the output `out` of option `opt` is the same file as one of the n inputs
 * (NULLs skipped): it would be overwritten. 0 otherwise. */
int cli_refuse_input(const char *cmd, const char *opt, const char *out, const char *const *inputs, int n);
/* Flushes stdout; 1 with a message when anything written to it was lost (a full disk, a closed
 * pipe), else rc. */
int cli_finish_stdout(int rc);
/* Writes s as a JSON string literal (with quotes) to f. */
void cli_json_str(FILE *f, const char *s);

#endif
