/* dlakit eval: accuracy of a model on a labelled data set. */
#include "classifier.h"
#include "lib/imagefolder.h"
#include "lib/outfile.h"
#include "runtime/batch.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char HEAD[] =
    "usage: dlakit eval MODEL.onnx (DIR | --idx IMAGES LABELS [--range A:B]) [options]\n"
    "\n"
    "Classifies every image of a labelled data set and reports top-1 and top-5 accuracy with\n"
    "counts, per-class accuracy and images per second. Top-1 is the lowest class index among equal\n"
    "best scores (numpy's argmax). Results do not depend on --threads.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Unreadable images are reported on stderr, counted as unreadable (and as wrong), and the run\n"
    "goes on. A progress bar goes to stderr when it is a terminal.\n"
    "\n"
    "Example:\n"
    "  dlakit eval models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx data/digits\n";


typedef struct {
    classifier base[2];          /* model, and --compare model */
    int nmodels, pass;           /* pass: the model being run (0, 1) */
    const dlk_item *items;
    int n;
    const dlk_idx *idx_images;
    uint8_t **hwc;               /* per thread: the preprocessed image */
    int *pred[2];                /* top-1 per item and model; -1 unreadable */
    char *top5[2];
    int progress;
} eval_job;

/* Item i decoded, preprocessed for the model of this pass and normalized into the context. In the
 * pass of --compare's model, an item the first model could not read is skipped (and not reported
 * again). */
static int eval_fill(void *user, dlk_ctx *ctx, int thread, int64_t i, int64_t count, dlk_err *err)
{
    const eval_job *j = user;
    const dlk_item *it = &j->items[i];
    const classifier *c = &j->base[j->pass];
    (void)count;
    if (j->pass && j->pred[0][i] < 0) return 1;
    dlk_image im = {0};
    int bad;
    if (it->path) bad = dlk_image_load(it->path, &im, err);
    else bad = dlk_image_from_gray(j->idx_images->data + (size_t)it->idx * j->idx_images->dims[1] * j->idx_images->dims[2],
                                   j->idx_images->dims[2], j->idx_images->dims[1], &im, err);
    if (!bad) bad = classifier_fill(c, &im, j->hwc[thread], ctx, err);
    dlk_image_free(&im);
    return bad ? 1 : 0;
}

static int eval_consume(void *user, const dlk_ctx *ctx, int thread, int64_t i, int64_t count, const dlk_err *item_err,
                        dlk_err *err)
{
    eval_job *j = user;
    const classifier *c = &j->base[j->pass];
    int m = j->pass;
    (void)thread, (void)count, (void)err;
    j->pred[m][i] = -1;
    j->top5[m][i] = 0;
    if (item_err) {
        if (!(m && j->pred[0][i] < 0))
            fprintf(stderr, "%sdlakit eval: unreadable: %s\n", j->progress ? "\n" : "", item_err->msg);
        return 0;
    }
    int top[5], k = c->classes < 5 ? c->classes : 5;
    cli_topk(dlk_ctx_output(ctx, 0, NULL), c->classes, k, top);
    j->pred[m][i] = top[0];
    for (int t = 0; t < k; t++) j->top5[m][i] |= top[t] == j->items[i].label;
    return 0;
}

static void eval_progress(void *user, int64_t done, int64_t n)
{
    const eval_job *j = user;
    if (!j->progress || !(done % 16 == 0 || done == n)) return;
    long long all = (long long)n * j->nmodels, at = (long long)n * j->pass + done;
    int w = 40, f = (int)(at * w / all);
    fprintf(stderr, "\r[%.*s%*s] %lld/%lld", f, "########################################", w - f, "", at, all);
}

static int write_confusion(const char *path, const int *conf, int nc, const dlk_labels *names, int classes, dlk_err *err)
{
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    FILE *f = o.f;
    fprintf(f, "true\\predicted");
    for (int c = 0; c < nc; c++) {
        const char *n = cli_class_name(names, classes, c);
        fprintf(f, ",%s", n && !strpbrk(n, ",\"\n") ? n : "");
        if (!n || strpbrk(n, ",\"\n")) fprintf(f, "%d", c);
    }
    fputc('\n', f);
    for (int r = 0; r < nc; r++) {
        const char *n = cli_class_name(names, classes, r);
        if (n && !strpbrk(n, ",\"\n")) fprintf(f, "%s", n);
        else fprintf(f, "%d", r);
        for (int c = 0; c < nc; c++) fprintf(f, ",%d", conf[r * nc + c]);
        fputc('\n', f);
    }
    if (dlk_outfile_close(&o, 1, err)) return -1;
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    const char *idx[2] = {NULL, NULL}, *labels_path = NULL, *compare = NULL, *confusion = NULL, *range = NULL;
    long threads = 1, limit = -1;
    int json = 0, npos;
    cli_pre pre;
    cli_pre_init(&pre);
    const cli_opt opts[] = {
        CLI_OPT_DOC("DIR", "an ImageFolder: DIR/<class>/*.png|jpg|jpeg, classes in sorted folder-name\n"
                           "order (or the order of --labels), images in sorted file-name order"),
        {"--idx", NULL, NULL, CLI_STR2, idx, NULL, 0, 0, 0, NULL, "IMAGES LABELS", "MNIST-style IDX files (idx3 uint8 images, idx1 labels)", NULL},
        CLI_STR_OPT("--range", &range, "A:B", "only items A .. B-1 (IDX or folder order)"),
        CLI_INT_OPT("--limit", &limit, 0, 1L << 30, "N", "only the first N items (after --range)"),
        CLI_STR_OPT("--labels", &labels_path, "FILE", "class names, one per line (the class folder names for DIR)"),
        CLI_STR_OPT("--compare", &compare, "MODEL2", "also run MODEL2 and report how often the two top-1 answers agree"),
        CLI_STR_OPT("--confusion", &confusion, "FILE.csv", "write the confusion matrix (rows: true class, columns: predicted)"),
        CLI_OPT_THREADS(&threads, "worker threads (default 1)"),
        CLI_OPT_JSON(&json, "machine-readable report, with each item's top-1 prediction"),
        CLI_PRE_OPTS(&pre),
    };
    const cli_cmd cmd = {.name = "eval", .head = HEAD, .tail = TAIL, .width = 22, .min_args = 1,
                         .max_args = 2, .missing = "no model given", .pre = &pre, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = npos > 0 ? argv[1] : NULL, *dir = npos > 1 ? argv[2] : NULL, *idx_img = idx[0], *idx_lbl = idx[1];
    if (!dir == !idx_img) return cli_usage_error("eval", "give either DIR or --idx IMAGES LABELS");
    if (confusion) {
        const char *ins[] = {model, compare, idx_img, idx_lbl, labels_path};
        for (size_t k = 0; k < sizeof ins / sizeof ins[0]; k++)
            if (dlk_same_file(confusion, ins[k]))
                return cli_usage_error("eval", "--confusion %s is one of the inputs; it would be overwritten", confusion);
    }
    long ra = 0, rb = 0;
    dlk_err err;
    dlk_labels labels = {0, NULL}, classes = {0, NULL};
    dlk_idx ximg = {0, {0}, NULL}, xlbl = {0, {0}, NULL};
    dlk_item *items = NULL;
    int n = 0, rc = 1;
    eval_job j;
    memset(&j, 0, sizeof j);
    if (labels_path && dlk_labels_read(labels_path, &labels, &err)) return cli_error("eval", "%s", err.msg);
    if (dir) {
        if (dlk_folder_items(dir, &labels, &items, &n, &classes, &err)) {
            cli_error("eval", "%s", err.msg);
            goto done;
        }
    } else {
        if (dlk_idx_read(idx_img, &ximg, &err) || dlk_idx_read(idx_lbl, &xlbl, &err)) {
            cli_error("eval", "%s", err.msg);
            goto done;
        }
        if (ximg.ndim != 3 || xlbl.ndim != 1 || ximg.dims[0] != xlbl.dims[0]) {
            cli_error("eval", "%s, %s: need idx3 images and idx1 labels of the same count", idx_img, idx_lbl);
            goto done;
        }
        n = ximg.dims[0];
        items = malloc(sizeof(dlk_item) * (n ? n : 1));
        if (!items) {
            cli_error("eval", "out of memory");
            goto done;
        }
        for (int i = 0; i < n; i++) items[i] = (dlk_item){NULL, i, xlbl.data[i]};
    }
    /* --range, --limit: a range past the end is an error, as in preprocess, not a silent cut */
    rb = n;
    if (range && cli_parse_range(range, n, &ra, &rb)) {
        cli_usage_error("eval", "invalid --range '%s' (A:B with 0 <= A < B <= %d)", range, n);
        rc = 2;
        goto done;
    }
    int first = (int)ra, count = (int)(rb - ra);
    if (limit >= 0 && limit < count) count = (int)limit;
    if (count <= 0) {
        cli_error("eval", "%s: no images to evaluate", dir ? dir : idx_img);
        goto done;
    }
    j.items = items + first;
    j.n = count;
    j.idx_images = &ximg;
    j.nmodels = compare ? 2 : 1;
    const char *paths[2] = {model, compare};
    for (int m = 0; m < j.nmodels; m++) {
        if (classifier_open(&j.base[m], paths[m], &pre, &err)) {
            cli_error("eval", "%s", err.msg);
            goto done;
        }
        j.pred[m] = malloc(sizeof(int) * count);
        j.top5[m] = malloc(count);
        if (!j.pred[m] || !j.top5[m]) {
            cli_error("eval", "out of memory");
            goto done;
        }
    }
    int nc = j.base[0].classes;
    for (int i = 0; i < count; i++)
        if (j.items[i].label < 0 || j.items[i].label >= nc) {
            if (j.items[i].path)
                cli_error("eval", "%s: label %d, the model has %d classes", j.items[i].path, j.items[i].label, nc);
            else
                cli_error("eval", "%s: item %d has label %d, the model has %d classes", idx_lbl, first + i, j.items[i].label, nc);
            goto done;
        }
    const dlk_labels *names = labels.n ? &labels : &classes;
    j.progress = isatty(2);
    if (threads > count) threads = count;
    size_t hwc_bytes = 0; /* per thread, for either model */
    for (int m = 0; m < j.nmodels; m++)
        if ((size_t)3 * j.base[m].pre.h * j.base[m].pre.w > hwc_bytes) hwc_bytes = (size_t)3 * j.base[m].pre.h * j.base[m].pre.w;
    j.hwc = calloc((size_t)threads, sizeof *j.hwc);
    for (long t = 0; j.hwc && t < threads; t++)
        if (!(j.hwc[t] = malloc(hwc_bytes))) {
            cli_error("eval", "out of memory");
            goto done;
        }
    if (!j.hwc) {
        cli_error("eval", "out of memory");
        goto done;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (j.pass = 0; j.pass < j.nmodels; j.pass++) {
        dlk_batch_job bj = {.n = count, .batch = 1, .threads = (int)threads, .input = classifier_input_shape(&j.base[j.pass]),
                            .user = &j, .fill = eval_fill, .consume = eval_consume, .progress = eval_progress};
        if (dlk_batch_run(j.base[j.pass].m, &bj, &err)) {
            if (j.progress) fputc('\n', stderr);
            cli_error("eval", "%s", err.msg);
            goto done;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (j.progress) fputc('\n', stderr);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int correct[2] = {0, 0}, c5[2] = {0, 0}, unreadable = 0, agree = 0;
    int *cls_total = calloc(nc, sizeof(int)), *cls_ok = calloc(nc, sizeof(int)), *conf = calloc((size_t)nc * nc, sizeof(int));
    if (!cls_total || !cls_ok || !conf) {
        free(cls_total);
        free(cls_ok);
        free(conf);
        cli_error("eval", "out of memory");
        goto done;
    }
    for (int i = 0; i < count; i++) {
        int lab = j.items[i].label;
        unreadable += j.pred[0][i] < 0;
        cls_total[lab]++;
        for (int m = 0; m < j.nmodels; m++) {
            correct[m] += j.pred[m][i] == lab;
            c5[m] += j.top5[m][i];
        }
        cls_ok[lab] += j.pred[0][i] == lab;
        if (j.pred[0][i] >= 0) conf[lab * nc + j.pred[0][i]]++;
        if (j.nmodels == 2) agree += j.pred[0][i] == j.pred[1][i] && j.pred[0][i] >= 0;
    }
    if (confusion && write_confusion(confusion, conf, nc, names, nc, &err)) {
        cli_error("eval", "%s (the confusion matrix)", err.msg);
        free(cls_total);
        free(cls_ok);
        free(conf);
        goto done;
    }
    double ips = secs > 0 ? count * j.nmodels / secs : 0;
    if (json) {
        printf("{\"model\":");
        cli_json_str(stdout, model);
        printf(",\"images\":%d,\"unreadable\":%d,\"top1\":{\"correct\":%d,\"accuracy\":%.6f},\"top5\":{\"correct\":%d,\"accuracy\":%.6f}",
               count, unreadable, correct[0], (double)correct[0] / count, c5[0], (double)c5[0] / count);
        printf(",\"images_per_second\":%.2f,\"seconds\":%.3f,\"threads\":%ld,\"per_class\":[", ips, secs, threads);
        for (int c = 0; c < nc; c++) {
            const char *nm = cli_class_name(names, nc, c);
            printf("%s{\"class\":%d,\"name\":", c ? "," : "", c);
            if (nm) cli_json_str(stdout, nm);
            else printf("null");
            printf(",\"images\":%d,\"correct\":%d}", cls_total[c], cls_ok[c]);
        }
        printf("]");
        if (j.nmodels == 2) {
            printf(",\"compare\":{\"model\":");
            cli_json_str(stdout, compare);
            printf(",\"top1\":{\"correct\":%d,\"accuracy\":%.6f},\"top5\":{\"correct\":%d},\"agree\":%d,\"agreement\":%.6f,\"predictions\":[",
                   correct[1], (double)correct[1] / count, c5[1], agree, (double)agree / count);
            for (int i = 0; i < count; i++) printf("%s%d", i ? "," : "", j.pred[1][i]);
            printf("]}");
        }
        printf(",\"labels\":[");
        for (int i = 0; i < count; i++) printf("%s%d", i ? "," : "", j.items[i].label);
        printf("],\"predictions\":[");
        for (int i = 0; i < count; i++) printf("%s%d", i ? "," : "", j.pred[0][i]);
        printf("]}\n");
    } else {
        printf("model   %s\nimages  %d (%d unreadable)\n", model, count, unreadable);
        printf("top-1   %d/%d = %.2f %%\n", correct[0], count, 100.0 * correct[0] / count);
        printf("top-5   %d/%d = %.2f %%\n", c5[0], count, 100.0 * c5[0] / count);
        if (j.nmodels == 2) {
            printf("compare %s\n        top-1 %d/%d = %.2f %%, top-5 %d/%d = %.2f %%\n", compare, correct[1], count,
                   100.0 * correct[1] / count, c5[1], count, 100.0 * c5[1] / count);
            printf("        top-1 agreement %d/%d = %.2f %%\n", agree, count, 100.0 * agree / count);
        }
        printf("speed   %.1f images/s (%ld thread%s)\nper class:\n", ips, threads, threads == 1 ? "" : "s");
        for (int c = 0; c < nc; c++) {
            if (!cls_total[c]) continue;
            const char *nm = cli_class_name(names, nc, c);
            printf("  %4d %-20s %5d/%-5d = %6.2f %%\n", c, nm ? nm : "", cls_ok[c], cls_total[c], 100.0 * cls_ok[c] / cls_total[c]);
        }
    }
    free(cls_total);
    free(cls_ok);
    free(conf);
    rc = 0;
done:
    for (int m = 0; m < 2; m++) {
        if (j.base[m].m) classifier_close(&j.base[m], 1);
        free(j.pred[m]);
        free(j.top5[m]);
    }
    for (long t = 0; j.hwc && t < threads; t++) free(j.hwc[t]);
    free(j.hwc);
    if (items)
        for (int i = 0; i < n; i++) free(items[i].path);
    free(items);
    dlk_idx_free(&ximg);
    dlk_idx_free(&xlbl);
    dlk_labels_free(&labels);
    dlk_labels_free(&classes);
    return rc;
}
