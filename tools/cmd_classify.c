/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit classify: the top-K classes of image files. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char HEAD[] =
    "usage: dlakit classify MODEL.onnx IMAGE... [options]\n"
    "\n"
    "Decodes each PNG or JPEG image, preprocesses it as the model zoo's evaluation does (Pillow's\n"
    "bicubic resize of the short side to size/0.875, center crop, ImageNet normalization), runs the\n"
    "model and prints the K best classes with their softmax probabilities. Ties are ordered by the\n"
    "lower class index. ImageNet's class names are built in for 1000-class models.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "An unreadable image is reported and skipped; the exit status is then 1.\n"
    "\n"
    "Example:\n"
    "  dlakit classify models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx data/digits/*/*.png --labels data/digits/labels.txt\n";

int cmd_classify(int argc, char **argv)
{
    const char *labels_path = NULL;
    long topk = 5;
    int json = 0, npos;
    cli_pre pre;
    cli_pre_init(&pre);
    const cli_opt opts[] = {
        CLI_INT_OPT("--top", &topk, 1, 1000000, "K", "classes per image (default 5)"),
        CLI_STR_OPT("--labels", &labels_path, "FILE", "class names, one per line"),
        CLI_OPT_JSON(&json, "one JSON object per run: {\"model\", \"results\": [{\"image\", \"top\": [...]}]}"),
        CLI_PRE_OPTS(&pre),
    };
    const cli_cmd cmd = {.name = "classify", .head = HEAD, .tail = TAIL, .width = 22, .min_args = 2,
                         .max_args = -1, .missing = "give a model and at least one image", .pre = &pre, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = argv[1];
    char **images = argv + 2;
    int nimg = npos - 1;
    dlk_err err;
    dlk_labels *labels = NULL;
    int rc = 0;
    if (labels_path && !(labels = dlk_labels_open(labels_path, &err))) return cli_error("classify", "%s", err.msg);
    dlk_classifier *c = dlk_classifier_open(model, &pre.pre, 0, &err);
    if (!c) {
        dlk_labels_close(labels);
        return cli_error("classify", "%s", err.msg);
    }
    int classes = dlk_classifier_classes(c);
    if (labels && dlk_labels_count(labels) != classes)
        fprintf(stderr, "dlakit classify: warning: %s has %d names, the model %d classes\n", labels_path, dlk_labels_count(labels), classes);
    int k = (int)(topk < classes ? topk : classes);
    int *idx = malloc(sizeof(int) * k);
    float *prob = malloc(sizeof(float) * classes);
    if (!idx || !prob) {
        rc = cli_error("classify", "out of memory");
        goto done;
    }
    if (json) {
        printf("{\"model\":");
        cli_json_str(stdout, model);
        printf(",\"results\":[");
    }
    int printed = 0;
    for (int i = 0; i < nimg; i++) {
        dlk_image *im = dlk_image_open(images[i], &err);
        const float *scores = im ? dlk_classifier_run(c, im, &err) : NULL;
        if (im && !scores) dlk_err_prefix(&err, "%s", images[i]); /* preprocessing's messages do not name the file */
        dlk_image_close(im);
        if (!scores) {
            cli_error("classify", "%s", err.msg);
            rc = 1;
            continue;
        }
        dlk_classifier_probabilities(c, scores, prob);
        dlk_topk(scores, classes, k, idx);
        if (json) {
            printf("%s{\"image\":", printed++ ? "," : "");
            cli_json_str(stdout, images[i]);
            printf(",\"top\":[");
            for (int j = 0; j < k; j++) {
                const char *name = dlk_class_name(labels, classes, idx[j]);
                printf("%s{\"class\":%d,\"name\":", j ? "," : "", idx[j]);
                if (name) cli_json_str(stdout, name);
                else printf("null");
                printf(",\"score\":%.9g,\"probability\":%.6f}", scores[idx[j]], prob[idx[j]]);
            }
            printf("]}");
        } else {
            char eb[1024];
            printf("%s\n", dlk_esc(images[i], eb, sizeof eb));
            for (int j = 0; j < k; j++) {
                const char *name = dlk_class_name(labels, classes, idx[j]);
                printf("  %2d. %5.1f %%  %4d", j + 1, 100.0 * prob[idx[j]], idx[j]);
                if (name) printf("  %s", name);
                printf("\n");
            }
        }
        fflush(stdout);
    }
    if (json) printf("]}\n");
done:
    free(idx);
    free(prob);
    dlk_classifier_close(c);
    dlk_labels_close(labels);
    return rc;
}
