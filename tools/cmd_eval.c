/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit eval: accuracy of a model on a labelled data set. */
#include "cli.h"
#include "util/outfile.h"

#include <stdlib.h>
#include <strings.h>
#include <string.h>
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

/* What the callbacks of both runs (MODEL, then --compare's) share. */
typedef struct {
    int pass, nmodels, progress;
    const dlk_eval *first; /* the first model's results, in the second run */
} eval_ui;

static void on_unreadable(void *user, int64_t i, const char *msg)
{
    const eval_ui *u = user;
    if (u->first && dlk_eval_prediction(u->first, i) < 0) return; /* reported in the first run */
    fprintf(stderr, "%sdlakit eval: unreadable: %s\n", u->progress ? "\n" : "", msg);
}

static void on_notice(void *user, const char *msg)
{
    const eval_ui *u = user;
    if (u->pass == 0) fprintf(stderr, "%sdlakit eval: %s\n", u->progress ? "\n" : "", msg); /* the data set is listed once a model */
}

static void on_progress(void *user, int64_t done, int64_t n)
{
    const eval_ui *u = user;
    if (!u->progress || !(done % 16 == 0 || done == n)) return;
    long long all = (long long)n * u->nmodels, at = (long long)n * u->pass + done;
    int w = 40, f = (int)(at * w / all);
    fprintf(stderr, "\r[%.*s%*s] %lld/%lld", f, "########################################", w - f, "", at, all);
}

/* Writes s as SVG/XML text (escaped; control bytes dropped). */
static void svg_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else if ((unsigned char)*s >= 0x20 && *s != 0x7f) fputc(*s, f);
    }
}

/* The confusion matrix as a picture: one cell per (true, predicted) pair, shaded by its share of
 * the true class's images, with the count written in it (up to 40 classes; names up to 100). */
static void confusion_svg(FILE *f, const int *conf, int nc, const dlk_eval *names, const char *title)
{
    int cell = nc <= 40 ? 28 : nc <= 200 ? 6 : 2, m = nc <= 100 ? 110 : 20, side = cell * nc;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"10\">\n",
            m + side + 10, m + side + 40);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"16\" font-size=\"13\">", m);
    svg_text(f, title);
    fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\">predicted</text>\n", m, m + side + 30);
    fprintf(f, "<text transform=\"translate(12 %d) rotate(-90)\">true</text>\n", m + side);
    for (int r = 0; r < nc; r++) {
        long total = 0;
        for (int c = 0; c < nc; c++) total += conf[r * nc + c];
        for (int c = 0; c < nc; c++) {
            int v = conf[r * nc + c], shade = total ? (int)(255 - 200.0 * v / total) : 255;
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\"><title>%d -> %d: %d</title></rect>\n",
                    m + c * cell, m + r * cell, cell, cell, shade, shade, r, c, v);
            if (nc <= 40 && v)
                fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%d</text>\n", m + c * cell + cell / 2,
                        m + r * cell + cell / 2 + 4, shade < 150 ? "white" : "black", v);
        }
        if (nc <= 100) {
            const char *nm = dlk_eval_class_name(names, r);
            char num[16];
            snprintf(num, sizeof num, "%d", r);
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", m - 4, m + r * cell + cell / 2 + 4);
            svg_text(f, nm ? nm : num);
            fprintf(f, "</text>\n<text transform=\"translate(%d %d) rotate(-90)\">", m + r * cell + cell / 2 + 4, m - 4);
            svg_text(f, nm ? nm : num);
            fputs("</text>\n", f);
        }
    }
    fputs("</svg>\n", f);
}

static int write_confusion(const char *path, const int *conf, int nc, const dlk_eval *names, const char *title, dlk_err *err)
{
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    FILE *f = o.f;
    size_t pl = strlen(path);
    if (pl > 4 && !strcasecmp(path + pl - 4, ".svg")) {
        confusion_svg(f, conf, nc, names, title);
        return dlk_outfile_close(&o, 1, err) ? -1 : 0;
    }
    fprintf(f, "true\\predicted");
    for (int c = 0; c < nc; c++) {
        const char *n = dlk_eval_class_name(names, c);
        fprintf(f, ",%s", n && !strpbrk(n, ",\"\n") ? n : "");
        if (!n || strpbrk(n, ",\"\n")) fprintf(f, "%d", c);
    }
    fputc('\n', f);
    for (int r = 0; r < nc; r++) {
        const char *n = dlk_eval_class_name(names, r);
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
    const char *idx[2] = {NULL, NULL}, *labels_path = NULL, *truth = NULL, *compare = NULL, *confusion = NULL, *range = NULL;
    long threads = 1, limit = -1;
    int json = 0, quiet = 0, npos, class_order = 0;
    cli_pre pre;
    cli_pre_init(&pre);
    const cli_opt opts[] = {
        CLI_OPT_DOC("DIR", "an ImageFolder: DIR/<class>/*.png|jpg|jpeg, classes in timm's natural order of\n"
                           "the folder names (class2 before class10; or the order of --labels), images in\n"
                           "sorted file-name order"),
        {"--class-order", NULL, NULL, CLI_CHOICE, &class_order, NULL, 0, 0, 0, "natural|sorted", "ORDER",
         "class index of DIR's folders: natural (default, timm's natural_key) or sorted\n(byte order)", NULL},
        {"--idx", NULL, NULL, CLI_STR2, idx, NULL, 0, 0, 0, NULL, "IMAGES LABELS", "MNIST-style IDX files (idx3 uint8 images, idx1 labels)", NULL},
        CLI_STR_OPT("--range", &range, "A:B", "only items A .. B-1 (IDX or folder order)"),
        CLI_INT_OPT("--limit", &limit, 0, 1L << 30, "N", "only the first N items (after --range)"),
        CLI_STR_OPT("--labels", &labels_path, "FILE", "class names, one per line (the class folder names for DIR)"),
        CLI_STR_OPT("--ground-truth", &truth, "FILE", "DIR is a flat folder of ImageNet validation images labelled by FILE,\n"
                                                   "LOC_val_solution.csv (found in DIR or its parent when DIR has no\n"
                                                   "class folders)"),
        CLI_STR_OPT("--compare", &compare, "MODEL2", "also run MODEL2 and report how often the two top-1 answers agree"),
        CLI_STR_OPT("--confusion", &confusion, "FILE", "write the confusion matrix (rows: true class, columns: predicted):\n"
                                                       "CSV, or an SVG picture when FILE ends in .svg"),
        CLI_OPT_THREADS(&threads, "worker threads (default 1)"),
        CLI_OPT_JSON(&json, "machine-readable report, with each item's top-1 prediction"),
        CLI_OPT_QUIET(&quiet),
        CLI_PRE_OPTS(&pre),
    };
    const cli_cmd cmd = {.name = "eval", .head = HEAD, .tail = TAIL, .width = 22, .min_args = 1,
                         .max_args = 2, .missing = "no model given", .pre = &pre, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *model = npos > 0 ? argv[1] : NULL, *dir = npos > 1 ? argv[2] : NULL, *idx_img = idx[0], *idx_lbl = idx[1];
    if (!dir == !idx_img) return cli_usage_error("eval", "give either DIR or --idx IMAGES LABELS");
    if (truth && !dir) return cli_usage_error("eval", "--ground-truth goes with DIR");
    if (confusion) {
        const char *ins[] = {model, compare, idx_img, idx_lbl, labels_path, truth};
        if (cli_refuse_input("eval", "--confusion", confusion, ins, (int)(sizeof ins / sizeof ins[0]))) return 2;
    }
    dlk_err err;
    dlk_labels *labels = NULL;
    dlk_eval *ev[2] = {NULL, NULL};
    int *conf = NULL, *cls_total = NULL, *cls_ok = NULL, rc = 1;
    if (labels_path && !(labels = dlk_labels_open(labels_path, &err))) return cli_error("eval", "%s", err.msg);
    dlk_eval_opts eo;
    dlk_eval_opts_default(&eo);
    eo.dir = dir;
    eo.idx_images = idx_img;
    eo.idx_labels = idx_lbl;
    eo.labels = labels;
    eo.ground_truth = truth;
    eo.class_order_sorted = class_order == 1;
    eo.threads = (int)threads;
    eo.pre = &pre.pre;
    eval_ui ui = {.nmodels = compare ? 2 : 1, .progress = !quiet && isatty(2)};
    eo.progress = on_progress;
    eo.unreadable = on_unreadable;
    eo.notice = on_notice;
    eo.user = &ui;
    const char *paths[2] = {model, compare};
    long ra = 0, rb = 0;
    for (ui.pass = 0; ui.pass < ui.nmodels; ui.pass++) {
        ui.first = ui.pass ? ev[0] : NULL;
        if (!(ev[ui.pass] = dlk_eval_open(paths[ui.pass], &eo, &err))) {
            cli_error("eval", "%s", err.msg);
            goto done;
        }
        if (ui.pass == 0 && confusion && dlk_eval_uses_file(ev[0], confusion)) {
            rc = cli_usage_error("eval", "--confusion %s is one of the inputs; it would be overwritten", confusion);
            goto done;
        }
        /* --range, --limit: a range past the end is an error, as in preprocess, not a silent cut */
        long n = (long)dlk_eval_num_items(ev[ui.pass]);
        rb = n;
        if (range && cli_parse_range(range, n, &ra, &rb)) {
            rc = cli_usage_error("eval", "invalid --range '%s' (A:B with 0 <= A < B <= %ld)", range, n);
            goto done;
        }
        if (limit >= 0 && limit < rb - ra) rb = ra + limit;
        if (dlk_eval_run(ev[ui.pass], ra, rb - ra, &err)) {
            if (ui.progress) fputc('\n', stderr);
            cli_error("eval", "%s", err.msg);
            goto done;
        }
    }
    if (ui.progress) fputc('\n', stderr);
    dlk_eval_summary sm[2];
    for (int m = 0; m < ui.nmodels; m++) dlk_eval_get_summary(ev[m], &sm[m]);
    int count = (int)sm[0].images, nc = dlk_eval_classes(ev[0]), unreadable = (int)sm[0].unreadable, agree = 0;
    int correct[2] = {(int)sm[0].top1, ui.nmodels == 2 ? (int)sm[1].top1 : 0}, c5[2] = {(int)sm[0].top5, ui.nmodels == 2 ? (int)sm[1].top5 : 0};
    double secs = sm[0].seconds + (ui.nmodels == 2 ? sm[1].seconds : 0);
    const dlk_eval *names = ev[0];
    cls_total = calloc(nc, sizeof(int)), cls_ok = calloc(nc, sizeof(int)), conf = calloc((size_t)nc * nc, sizeof(int));
    if (!cls_total || !cls_ok || !conf) {
        cli_error("eval", "out of memory");
        goto done;
    }
    for (int i = 0; i < count; i++) {
        int lab = dlk_eval_label(ev[0], i), p0 = dlk_eval_prediction(ev[0], i);
        cls_total[lab]++;
        cls_ok[lab] += p0 == lab;
        if (p0 >= 0) conf[lab * nc + p0]++;
        if (ui.nmodels == 2) agree += p0 == dlk_eval_prediction(ev[1], i) && p0 >= 0;
    }
    char title[600];
    const char *base = strrchr(model, '/');
    snprintf(title, sizeof title, "%s: top-1 %d/%d = %.2f %%", base ? base + 1 : model, correct[0], count, 100.0 * correct[0] / count);
    if (confusion && write_confusion(confusion, conf, nc, names, title, &err)) {
        cli_error("eval", "%s (the confusion matrix)", err.msg);
        goto done;
    }
    double ips = secs > 0 ? count * ui.nmodels / secs : 0;
    if (json) {
        printf("{\"model\":");
        cli_json_str(stdout, model);
        printf(",\"images\":%d,\"unreadable\":%d,\"top1\":{\"correct\":%d,\"accuracy\":%.6f},\"top5\":{\"correct\":%d,\"accuracy\":%.6f}",
               count, unreadable, correct[0], (double)correct[0] / count, c5[0], (double)c5[0] / count);
        printf(",\"images_per_second\":%.2f,\"seconds\":%.3f,\"threads\":%ld,\"per_class\":[", ips, secs, threads);
        for (int c = 0; c < nc; c++) {
            const char *nm = dlk_eval_class_name(names, c);
            printf("%s{\"class\":%d,\"name\":", c ? "," : "", c);
            if (nm) cli_json_str(stdout, nm);
            else printf("null");
            printf(",\"images\":%d,\"correct\":%d}", cls_total[c], cls_ok[c]);
        }
        printf("]");
        if (ui.nmodels == 2) {
            printf(",\"compare\":{\"model\":");
            cli_json_str(stdout, compare);
            printf(",\"top1\":{\"correct\":%d,\"accuracy\":%.6f},\"top5\":{\"correct\":%d},\"agree\":%d,\"agreement\":%.6f,\"predictions\":[",
                   correct[1], (double)correct[1] / count, c5[1], agree, (double)agree / count);
            for (int i = 0; i < count; i++) printf("%s%d", i ? "," : "", dlk_eval_prediction(ev[1], i));
            printf("]}");
        }
        printf(",\"labels\":[");
        for (int i = 0; i < count; i++) printf("%s%d", i ? "," : "", dlk_eval_label(ev[0], i));
        printf("],\"predictions\":[");
        for (int i = 0; i < count; i++) printf("%s%d", i ? "," : "", dlk_eval_prediction(ev[0], i));
        printf("]}\n");
    } else {
        char eb[1024];
        printf("model   %s\nimages  %d (%d unreadable)\n", dlk_esc(model, eb, sizeof eb), count, unreadable);
        printf("top-1   %d/%d = %.2f %%\n", correct[0], count, 100.0 * correct[0] / count);
        printf("top-5   %d/%d = %.2f %%\n", c5[0], count, 100.0 * c5[0] / count);
        if (ui.nmodels == 2) {
            printf("compare %s\n        top-1 %d/%d = %.2f %%, top-5 %d/%d = %.2f %%\n", compare, correct[1], count,
                   100.0 * correct[1] / count, c5[1], count, 100.0 * c5[1] / count);
            printf("        top-1 agreement %d/%d = %.2f %%\n", agree, count, 100.0 * agree / count);
        }
        printf("speed   %.1f images/s (%ld thread%s)\nper class:\n", ips, threads, threads == 1 ? "" : "s");
        for (int c = 0; c < nc; c++) {
            if (!cls_total[c]) continue;
            const char *nm = dlk_eval_class_name(names, c);
            printf("  %4d %-20s %5d/%-5d = %6.2f %%\n", c, nm ? nm : "", cls_ok[c], cls_total[c], 100.0 * cls_ok[c] / cls_total[c]);
        }
    }
    rc = 0;
done:
    free(cls_total);
    free(cls_ok);
    free(conf);
    dlk_eval_free(ev[0]);
    dlk_eval_free(ev[1]);
    dlk_labels_close(labels);
    return rc;
}
