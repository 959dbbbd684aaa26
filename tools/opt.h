/* SPDX-License-Identifier: Apache-2.0 */
/* The option table every command parses its argv with: each option declared once (names, kind of
 * value, where it goes, bounds, help line), the --help option list printed from the same table.
 * Common options (the preprocessing group, --threads, --json, -o/--out, --size) are macros
 * here, so each is spelled out once. */
#ifndef DLK_OPT_H
#define DLK_OPT_H

#include "dlakit.h"

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CLI_DOC,    /* not an option: a help line only (a positional argument, a heading, a blank line) */
    CLI_FLAG,   /* no value: *(int *)dst = 1 */
    CLI_INT,    /* an integer in [lo, hi]: *(long *)dst */
    CLI_SIZE,   /* N or HxW, 1 .. 16384 each: ((int *)dst)[0] = H, [1] = W */
    CLI_DOUBLE, /* a number in [lo, hi] ((lo, hi] with open_lo): *(double *)dst */
    CLI_FLOAT,  /* a finite float32: *(float *)dst */
    CLI_FLOAT3, /* a,b,c: three finite float32s into (float *)dst */
    CLI_STR,    /* *(const char **)dst */
    CLI_STR2,   /* two values: ((const char **)dst)[0] and [1] */
    CLI_CHOICE, /* one of "a|b|c": *(int *)dst = its position */
} cli_kind;

typedef struct {
    const char *name;     /* "--top"; for CLI_DOC the left column (or NULL) */
    const char *short_name; /* "-o", or NULL */
    const char *alias;    /* another spelling not shown in the help ("--output"), or NULL */
    cli_kind kind;
    void *dst;
    int *seen;            /* when not NULL: set to 1 when the option is given */
    double lo, hi;        /* CLI_INT, CLI_DOUBLE */
    int open_lo;          /* CLI_DOUBLE: lo itself is refused */
    const char *choices;  /* CLI_CHOICE: "nearest|bilinear|bicubic" */
    const char *meta;     /* the value in the help: "N", "FILE" */
    const char *help;     /* the help text, lines after the first split by '\n'; NULL: not listed */
    const char *left;     /* the help's left column when not "-o, --name META" (spaces included) */
} cli_opt;

struct cli_pre;

typedef struct {
    const char *name;     /* the command, for messages */
    const char *head;     /* the help before the option list */
    const char *tail;     /* the help after it */
    int width;            /* the option list's left column */
    int min_args, max_args; /* arguments that are not options: how many (max -1: any) */
    const char *missing;  /* the usage error for fewer than min_args */
    struct cli_pre *pre;  /* the preprocessing options' destination (cli_pre_finish after parsing), or NULL */
    const cli_opt *opts;
    int n_opts;
} cli_cmd;

#define CLI_NOPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* cli_parse's answer when the command goes on. */
#define CLI_GO (-1)
/* Parses argv[1 .. argc): options into their destinations, the other arguments moved to
 * argv[1 .. 1 + *npos) in order. Returns CLI_GO, or the exit status: 0 after printing the help (-h,
 * --help), 2 after a usage error (unknown option, missing or invalid value, too many arguments),
 * printed as cli_usage_error does. */
int cli_parse(const cli_cmd *c, int argc, char **argv, int *npos);
/* The help: head, the option list, tail. */
void cli_help(const cli_cmd *c, FILE *f);

/* Table entries of the plain kinds. */
#define CLI_FLAG_OPT(name, dst, help) {name, NULL, NULL, CLI_FLAG, (dst), NULL, 0, 0, 0, NULL, NULL, help, NULL}
#define CLI_STR_OPT(name, dst, meta, help) {name, NULL, NULL, CLI_STR, (dst), NULL, 0, 0, 0, NULL, meta, help, NULL}
#define CLI_INT_OPT(name, dst, lo, hi, meta, help) {name, NULL, NULL, CLI_INT, (dst), NULL, lo, hi, 0, NULL, meta, help, NULL}

/* --- common options ------------------------------------------------------------------------- */
#define CLI_OPT_JSON(dst, help) CLI_FLAG_OPT("--json", dst, help)
#define CLI_OPT_QUIET(dst) CLI_FLAG_OPT("--quiet", dst, "no progress or summary on stderr/stdout (errors only)")
#define CLI_OPT_THREADS(dst, help) CLI_INT_OPT("--threads", dst, 1, 256, "N", help)
#define CLI_OPT_OUT(dst, meta, help) {"--out", "-o", "--output", CLI_STR, (dst), NULL, 0, 0, 0, NULL, (meta), (help), NULL}
#define CLI_OPT_SIZE(hw, seen, meta, help) {"--size", NULL, NULL, CLI_SIZE, (hw), (seen), 0, 0, 0, NULL, (meta), (help), NULL}
#define CLI_OPT_DOC(left, help) {(left), NULL, NULL, CLI_DOC, NULL, NULL, 0, 0, 0, NULL, NULL, (help), NULL}

/* --- preprocessing ------------------------------------------------------------------------- */
/* The preprocessing options (classify, eval, quantize, preprocess), parsed into a cli_pre. */
typedef struct cli_pre {
    dlk_pre_opts pre;
    int hw[2], have_size; /* --size */
    int filter, aspect;   /* --resize, --aspect: positions in their lists (cli_pre_finish sets pre's) */
    int have_mean, have_std, have_scale, have_offset;
} cli_pre;

/* Each option once; the help text is the command's (preprocess words them its own way). */
#define CLI_PRE_SIZE(p, meta, help) CLI_OPT_SIZE((p)->hw, &(p)->have_size, meta, help)
#define CLI_PRE_RESIZE(p, meta, help) \
    {"--resize", NULL, NULL, CLI_CHOICE, &(p)->filter, NULL, 0, 0, 0, "nearest|bilinear|bicubic", meta, help, NULL}
#define CLI_PRE_CROP_PCT(p, meta, help) \
    {"--crop-pct", NULL, NULL, CLI_DOUBLE, &(p)->pre.crop_pct, NULL, 0, 16, 1, NULL, meta, help, NULL}
#define CLI_PRE_ASPECT(p, meta, help) \
    {"--aspect", NULL, NULL, CLI_CHOICE, &(p)->aspect, NULL, 0, 0, 0, "crop|fit|pad", meta, help, NULL}
#define CLI_PRE_MEAN(p, meta, help, left) \
    {"--mean", NULL, NULL, CLI_FLOAT3, (p)->pre.mean, &(p)->have_mean, 0, 0, 0, NULL, meta, help, left}
#define CLI_PRE_STD(p, meta, help) {"--std", NULL, NULL, CLI_FLOAT3, (p)->pre.std, &(p)->have_std, 0, 0, 0, NULL, meta, help, NULL}
#define CLI_PRE_SCALE(p, meta, help, left) \
    {"--scale", NULL, NULL, CLI_FLOAT, &(p)->pre.scale, &(p)->have_scale, 0, 0, 0, NULL, meta, help, left}
#define CLI_PRE_OFFSET(p, meta, help) \
    {"--offset", NULL, NULL, CLI_FLOAT, &(p)->pre.offset, &(p)->have_offset, 0, 0, 0, NULL, meta, help, NULL}
#define CLI_PRE_BGR(p, help) {"--bgr", NULL, NULL, CLI_FLAG, &(p)->pre.bgr, NULL, 0, 0, 0, NULL, NULL, help, NULL}
/* The group as classify, eval and quantize list it (help column 22). */
#define CLI_PRE_OPTS(p)                                                                                           \
    CLI_PRE_SIZE(p, "N|HxW", "input size (default: the model's; required when its H/W are symbolic)"),         \
    CLI_PRE_RESIZE(p, "F", "nearest|bilinear|bicubic (default bicubic, Pillow's antialiased filter)"),          \
    CLI_PRE_CROP_PCT(p, "P", "resize the short side to size/P before the center crop (default 0.875)"),        \
    CLI_PRE_ASPECT(p, "A", "crop (default: resize + center crop), fit (stretch) or pad (letterbox)"),          \
    CLI_PRE_MEAN(p, NULL, "normalization (default ImageNet's)", "--mean a,b,c --std a,b,c   "),                \
    CLI_PRE_STD(p, NULL, NULL),                                                                                 \
    CLI_PRE_SCALE(p, NULL, "normalize as x = u8 * S + O instead", "--scale S --offset O"),                     \
    CLI_PRE_OFFSET(p, NULL, NULL), CLI_PRE_BGR(p, "feed channels in B, G, R order")

void cli_pre_init(cli_pre *p);
/* After parsing (cli_parse calls it for cli_cmd.pre): --resize and --aspect into pre, --std checked
 * (2 after a usage error), and --scale or --offset choosing x = u8 * scale + offset. */
int cli_pre_finish(const char *cmd, cli_pre *p);

#endif
