/* dlakit: the command line tool. One command a run: dlakit COMMAND [options]. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"info", cmd_info, "describe a model: inputs, outputs, operators, parameters, quantization"},
    {"run", cmd_run, "run a model on preprocessed images (.npy) and write its outputs (.npy)"},
    {"preprocess", cmd_preprocess, "decode, resize and crop images as the model zoo's evaluation does"},
    {"classify", cmd_classify, "top-K classes of image files"},
    {"eval", cmd_eval, "accuracy of a model on a labelled data set"},
    {"conform", cmd_conform, "run ONNX backend node tests"},
    {"bench", cmd_bench, "time a model's runs (compare with ONNX Runtime: scripts/bench.sh)"},
    {"quantize", cmd_quantize, "int8 post-training quantization (QDQ or QOperator ONNX), as ONNX Runtime does it"},
    {"analyze", cmd_analyze, "cost of a model on a microcontroller: MACs, weights, planned RAM"},
    {"compile", cmd_compile, "write an int8 model as standalone C (NAME.c, NAME.h) for a microcontroller"},
};
#define NCMD (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: dlakit COMMAND [options]\n\n"
               "DLA image classifiers in C: run, check and evaluate ONNX models (float and int8).\n\n"
               "Commands:\n");
    for (size_t i = 0; i < NCMD; i++) fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'dlakit COMMAND --help' describes a command. 'dlakit --version' prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("dlakit %s\n", DLK_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCMD; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "dlakit: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
