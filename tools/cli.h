/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the dlakit command line tool. */
#ifndef DLK_CLI_H
#define DLK_CLI_H

#include "dlakit.h"
#include <stdio.h>

#include "opt.h"
#include "util/err.h" /* dlk_esc for names from files */

/* Commands: each takes argc/argv with argv[0] = the command name; returns the exit status. */
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_preprocess(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_zoo(int argc, char **argv);
int cmd_finetune(int argc, char **argv);

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
