/* dlakit classify: the top-K classes of image files. */
#include "classifier.h"

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
    "  dlakit classify models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx data/digits/*.png --labels data/digits/labels.txt\n";

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
    dlk_labels labels = {0, NULL};
    classifier c;
    int rc = 0;
    if (labels_path && dlk_labels_read(labels_path, &labels, &err)) return cli_error("classify", "%s", err.msg);
    if (classifier_open(&c, model, &pre, &err)) {
        cli_error("classify", "%s", err.msg);
        classifier_close(&c, 1);
        dlk_labels_free(&labels);
        return 1;
    }
    if (labels.n && labels.n != c.classes)
        fprintf(stderr, "dlakit classify: warning: %s has %d names, the model %d classes\n", labels_path, labels.n, c.classes);
    int k = (int)(topk < c.classes ? topk : c.classes);
    int *idx = malloc(sizeof(int) * k);
    float *prob = malloc(sizeof(float) * c.classes);
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
        dlk_image im = {0};
        const float *scores;
        if (dlk_image_load(images[i], &im, &err) || classifier_run(&c, &im, &scores, &err)) {
            if (im.rgb) dlk_err_prefix(&err, "%s", images[i]); /* preprocessing's messages do not name the file */
            cli_error("classify", "%s", err.msg);
            dlk_image_free(&im);
            rc = 1;
            continue;
        }
        dlk_image_free(&im);
        if (c.output_is_prob) memcpy(prob, scores, sizeof(float) * c.classes);
        else cli_softmax(scores, c.classes, prob);
        cli_topk(scores, c.classes, k, idx);
        if (json) {
            printf("%s{\"image\":", printed++ ? "," : "");
            cli_json_str(stdout, images[i]);
            printf(",\"top\":[");
            for (int j = 0; j < k; j++) {
                const char *name = cli_class_name(&labels, c.classes, idx[j]);
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
                const char *name = cli_class_name(&labels, c.classes, idx[j]);
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
    classifier_close(&c, 1);
    dlk_labels_free(&labels);
    return rc;
}
