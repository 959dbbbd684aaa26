/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit: the command line tool. One command a run: dlakit COMMAND [options]. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
#define DLK_CMD_ROW_(n, summary) {#n, cmd_##n, summary},
    DLK_COMMANDS(DLK_CMD_ROW_)
#undef DLK_CMD_ROW_
};
#define NCMD (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: dlakit COMMAND [options]\n\n"
               "DLA image classifiers in C: run, check and evaluate ONNX models (float and int8).\n\n"
               "Commands:\n");
    for (size_t i = 0; i < NCMD; i++) fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'dlakit help COMMAND' or 'dlakit COMMAND --help' describes a command. 'dlakit --version' prints the version.\n"
               "\nLimits (every command; also DLAKIT_MAX_IMAGE_PIXELS, DLAKIT_MAX_TENSOR_BYTES, DLAKIT_MAX_ARENA_BYTES):\n"
               "  --max-image-pixels N   decoded and resized image size (default %llu, Pillow's MAX_IMAGE_PIXELS;\n"
               "                         fixed: at most 32768 pixels a side, JPEG at most 500 scans)\n"
               "  --max-tensor-bytes N   one tensor (default %llu); N may end in K, M, G (powers of 1024)\n"
               "  --max-arena-bytes N    one context's arena (default %llu)\n",
            (unsigned long long)DLK_DEFAULT_MAX_IMAGE_PIXELS, (unsigned long long)DLK_DEFAULT_MAX_TENSOR_BYTES,
            (unsigned long long)DLK_DEFAULT_MAX_ARENA_BYTES);
}

/* Takes the limit options out of argv (they may stand anywhere); 0, or 2 after a usage error. */
static int take_limits(int *argc, char **argv)
{
    dlk_err err;
    if (dlk_limits_check_env(&err)) {
        fprintf(stderr, "dlakit: %s\n", err.msg);
        return 2;
    }
    dlk_limits lim = {0, 0, 0};
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        uint64_t *dst = !strcmp(argv[i], "--max-image-pixels") ? &lim.image_pixels
                        : !strcmp(argv[i], "--max-tensor-bytes") ? &lim.tensor_bytes
                        : !strcmp(argv[i], "--max-arena-bytes") ? &lim.arena_bytes : NULL;
        if (!dst) {
            argv[k++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc || dlk_parse_size(argv[i + 1], dst) || *dst == 0) {
            fprintf(stderr, "dlakit: %s needs a positive size (a number, optionally followed by K, M, G or T)\n", argv[i]);
            return 2;
        }
        i++;
    }
    *argc = k;
    argv[k] = NULL;
    dlk_limits_set(&lim);
    return 0;
}

int main(int argc, char **argv)
{
    if (take_limits(&argc, argv)) return 2;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "help") && argc > 2) { /* dlakit help COMMAND = dlakit COMMAND --help */
        for (size_t i = 0; i < NCMD; i++)
            if (!strcmp(argv[2], commands[i].name)) {
                char *hargv[] = {argv[2], "--help", NULL};
                return cli_finish_stdout(commands[i].fn(2, hargv));
            }
    }
    if (cli_is_help(argv[1]) || (!strcmp(argv[1], "help") && argc == 2)) {
        usage(stdout);
        return cli_finish_stdout(0);
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("dlakit %s\n", DLK_VERSION);
        return cli_finish_stdout(0);
    }
    for (size_t i = 0; i < NCMD; i++)
        if (!strcmp(argv[1], commands[i].name)) return cli_finish_stdout(commands[i].fn(argc - 1, argv + 1));
    const char *cmd = !strcmp(argv[1], "help") ? argv[2] : argv[1];
    const char *best = NULL;
    int bd = 3; /* suggest a command within 2 edits */
    for (size_t i = 0; i < NCMD; i++) {
        int d = cli_edit_distance(cmd, commands[i].name);
        if (d < bd) bd = d, best = commands[i].name;
    }
    if (best) {
        fprintf(stderr, "dlakit: unknown command '%s'; did you mean '%s'?\nTry 'dlakit --help'.\n", cmd, best);
        return 2;
    }
    fprintf(stderr, "dlakit: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
