/* dlakit eval: accuracy of a model on a labelled data set. */
#include "classifier.h"
#include "lib/imagefolder.h"
#include "util/outfile.h"
#include "runtime/batch.h"

#include <ctype.h>
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
    char *path;     /* NULL for IDX items */
    int idx;        /* IDX item index */
    int label;
} item;

typedef struct {
    classifier base[2];          /* model, and --compare model */
    int nmodels, pass;           /* pass: the model being run (0, 1) */
    const item *items;
    int n;
    const dlk_idx *idx_images;
    uint8_t **hwc;               /* per thread: the preprocessed image */
    int *pred[2];                /* top-1 per item and model; -1 unreadable */
    char *top5[2];
    int progress;
} eval_job;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int has_image_ext(const char *n)
{
    const char *d = strrchr(n, '.');
    return d && (!strcasecmp(d, ".png") || !strcasecmp(d, ".jpg") || !strcasecmp(d, ".jpeg"));
}

/* Sorted entries of dir that are folders (want_dir) or image files; natural: timm's natural key. What is skipped and could be
 * meant as data (links to nothing, FIFOs and other special files, folders inside a class folder) is
 * reported on stderr. */
static int list_sorted(const char *dir, int want_dir, int natural, char ***out, int *n)
{
    DIR *d = opendir(dir);
    *out = NULL;
    *n = 0;
    if (!d) return -1;
    int cap = 0, dangling = 0, special = 0, nested = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p) continue;
        struct stat st;
        if (stat(p, &st)) {
            dangling++;
            continue;
        }
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) special++;
        if (!want_dir && S_ISDIR(st.st_mode)) nested++;
        if (want_dir ? !S_ISDIR(st.st_mode) : !(S_ISREG(st.st_mode) && has_image_ext(e->d_name))) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(*out, sizeof(char *) * cap);
            if (!nv) break;
            *out = nv;
        }
        size_t l = strlen(e->d_name) + 1;
        if (!((*out)[*n] = malloc(l))) break;
        memcpy((*out)[(*n)++], e->d_name, l);
    }
    closedir(d);
    if (dangling || special || nested) {
        char eb[1024];
        fprintf(stderr, "dlakit eval: %s: skipped %d broken link%s, %d FIFO%s or other special file%s, %d nested folder%s\n",
                dlk_esc(dir, eb, sizeof eb), dangling, dangling == 1 ? "" : "s", special, special == 1 ? "" : "s",
                special == 1 ? "" : "s", nested, nested == 1 ? "" : "s");
    }
    if (*n) qsort(*out, *n, sizeof(char *), natural ? dlk_name_cmp_natural : cmp_str);
    return 0;
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ImageFolder items; class names into *classes (owned) unless labels fix the order. */
static int folder_items(const char *root, const dlk_labels *labels, int natural, item **items, int *n, dlk_labels *classes)
{
    char **cls;
    int ncls;
    *items = NULL;
    *n = 0;
    if (list_sorted(root, 1, natural, &cls, &ncls)) return cli_error("eval", "%s: cannot open folder", root);
    if (ncls <= 0) {
        free(cls);
        return cli_error("eval", "%s: no class folders (expected DIR/<class>/*.png|jpg)", root);
    }
    /* ImageNet's WordNet-ID folders (n01440764/, ...): the standard class index of each, whatever
     * subset of the 1000 classes is there (with --labels: for a folder not named in the file) */
    int nw = 0, have_labels = labels && labels->n;
    for (int c = 0; c < ncls; c++) nw += dlk_imagenet_wnid_index(cls[c]) != -1;
    int wnid = nw == ncls && (!have_labels || labels->n == 1000);
    if (nw && !wnid && !have_labels) {
        for (int c = 0; c < ncls; c++)
            if (dlk_imagenet_wnid_index(cls[c]) == -1) {
                cli_error("eval", "%s: class folder '%s' is no WordNet ID, the others are (ImageNet's n01440764, ...)", root, cls[c]);
                break;
            }
        free_names(cls, ncls);
        return 1;
    }
    int cap = 0;
    char **shown = calloc((size_t)ncls, sizeof *shown); /* the names as printed (dlk_labels_read's escaping) */
    for (int c = 0; c < ncls && shown; c++) {
        size_t l = 4 * strlen(cls[c]) + 1;
        if ((shown[c] = malloc(l))) dlk_escape(cls[c], shown[c], l);
        else {
            free_names(shown, c);
            shown = NULL;
        }
    }
    if (!shown) {
        free_names(cls, ncls);
        return cli_error("eval", "out of memory");
    }
    for (int c = 0; c < ncls; c++) {
        int label = c;
        if (have_labels || wnid) {
            label = -1;
            for (int k = 0; have_labels && k < labels->n && label < 0; k++)
                if (!strcmp(labels->names[k], shown[c])) label = k;
            if (label < 0 && wnid) label = dlk_imagenet_wnid_index(cls[c]);
            if (label < 0) {
                if (label == -2) cli_error("eval", "%s: class folder '%s' is the WordNet ID of no ImageNet-1k class", root, cls[c]);
                else cli_error("eval", "%s: class folder '%s' is not in the labels file", root, cls[c]);
                free_names(cls, ncls);
                free_names(shown, ncls);
                return 1;
            }
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, cls[c]);
        char **files;
        int nf;
        if (list_sorted(dir, 0, 0, &files, &nf)) continue;
        for (int f = 0; f < nf; f++) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 256;
                item *ni = realloc(*items, sizeof(item) * cap);
                if (!ni) {
                    free_names(files, nf);
                    free_names(cls, ncls);
                    free_names(shown, ncls);
                    return cli_error("eval", "out of memory");
                }
                *items = ni;
            }
            size_t l = strlen(dir) + strlen(files[f]) + 2;
            char *p = malloc(l);
            if (!p) continue;
            snprintf(p, l, "%s/%s", dir, files[f]);
            (*items)[(*n)++] = (item){p, -1, label};
        }
        free_names(files, nf);
    }
    free_names(cls, ncls);
    if (!have_labels && !wnid) {
        classes->n = ncls;
        classes->names = shown;
    } else {
        free_names(shown, ncls);
    }
    return 0;
}

typedef struct {
    char *id;
    int label;
} gt_entry;

static int cmp_gt(const void *a, const void *b) { return strcmp(((const gt_entry *)a)->id, ((const gt_entry *)b)->id); }

/* A flat folder of images labelled by ImageNet's LOC_val_solution.csv ("ImageId,PredictionString",
 * the first WordNet ID of the prediction string is the class): an image the file does not name, or
 * a WordNet ID of no ImageNet-1k class, is an error. */
static int truth_items(const char *root, const char *csv, item **items, int *n)
{
    *items = NULL;
    *n = 0;
    const char *base = strrchr(csv, '/');
    base = base ? base + 1 : csv;
    if (!strcmp(base, "ILSVRC2012_validation_ground_truth.txt"))
        return cli_error("eval", "%s: the development kit's class IDs (its own synset order) are not built in; give "
                                 "LOC_val_solution.csv or class folders named by WordNet ID",
                         csv);
    FILE *f = fopen(csv, "rb");
    if (!f) return cli_error("eval", "%s: cannot open", csv);
    gt_entry *gt = NULL;
    int ng = 0, cap = 0, rc = 1, line_no = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line_no++;
        char *comma = strchr(line, ',');
        if (line_no == 1 && !strncmp(line, "ImageId,", 8)) continue;
        if (!comma) {
            if (strspn(line, " \r\n") == strlen(line)) continue;
            cli_error("eval", "%s: line %d: expected ImageId,PredictionString", csv, line_no);
            goto done;
        }
        *comma = 0;
        char wn[16] = "";
        sscanf(comma + 1, "%15s", wn);
        int label = dlk_imagenet_wnid_index(wn);
        if (label < 0) {
            cli_error("eval", "%s: line %d: '%s' is no ImageNet-1k WordNet ID", csv, line_no, wn);
            goto done;
        }
        if (ng == cap) {
            cap = cap ? cap * 2 : 1024;
            gt_entry *ng2 = realloc(gt, sizeof *gt * (size_t)cap);
            if (!ng2) goto oom;
            gt = ng2;
        }
        size_t l = strlen(line) + 1;
        if (!(gt[ng].id = malloc(l))) goto oom;
        memcpy(gt[ng].id, line, l);
        gt[ng++].label = label;
        if (ng > 10000000) break;
    }
    if (ng) qsort(gt, (size_t)ng, sizeof *gt, cmp_gt);
    char **files;
    int nf;
    if (list_sorted(root, 0, 0, &files, &nf)) {
        cli_error("eval", "%s: cannot open folder", root);
        goto done;
    }
    if (!nf) cli_error("eval", "%s: no PNG or JPEG images", root);
    if (nf && !(*items = malloc(sizeof(item) * (size_t)nf))) {
        free_names(files, nf);
        goto oom;
    }
    for (int i = 0; i < nf; i++) {
        char stem[4096];
        snprintf(stem, sizeof stem, "%s", files[i]);
        char *dot = strrchr(stem, '.');
        if (dot) *dot = 0;
        gt_entry key = {stem, 0}, *hit = ng ? bsearch(&key, gt, (size_t)ng, sizeof *gt, cmp_gt) : NULL;
        if (!hit) {
            cli_error("eval", "%s: %s is not in %s", root, files[i], csv);
            break;
        }
        size_t l = strlen(root) + strlen(files[i]) + 2;
        char *p = malloc(l);
        if (!p) break;
        snprintf(p, l, "%s/%s", root, files[i]);
        (*items)[(*n)++] = (item){p, -1, hit->label};
    }
    rc = nf && *n == nf ? 0 : 1;
    free_names(files, nf);
    goto done;
oom:
    cli_error("eval", "out of memory");
done:
    fclose(f);
    for (int i = 0; i < ng; i++) free(gt[i].id);
    free(gt);
    return rc;
}

/* Item i decoded, preprocessed for the model of this pass and normalized into the context. In the
 * pass of --compare's model, an item the first model could not read is skipped (and not reported
 * again). */
static int eval_fill(void *user, dlk_ctx *ctx, int thread, int64_t i, int64_t count, dlk_err *err)
{
    const eval_job *j = user;
    const item *it = &j->items[i];
    const classifier *c = &j->base[j->pass];
    (void)count;
    if (j->pass && j->pred[0][i] < 0) return 1;
    dlk_image im = {0};
    int bad;
    if (it->path) bad = dlk_image_load(it->path, &im, err);
    else bad = dlk_image_from_gray(j->idx_images->data + (size_t)it->idx * j->idx_images->dims[1] * j->idx_images->dims[2],
                                   j->idx_images->dims[2], j->idx_images->dims[1], &im, err);
    if (!bad && (bad = classifier_fill(c, &im, j->hwc[thread], ctx, err)) != 0 && it->path)
        dlk_err_prefix(err, "%s", it->path); /* preprocessing's messages do not name the file */
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
static void confusion_svg(FILE *f, const int *conf, int nc, const dlk_labels *names, int classes, const char *title)
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
            const char *nm = cli_class_name(names, classes, r);
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

static int write_confusion(const char *path, const int *conf, int nc, const dlk_labels *names, int classes, const char *title,
                           dlk_err *err)
{
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    FILE *f = o.f;
    size_t pl = strlen(path);
    if (pl > 4 && !strcasecmp(path + pl - 4, ".svg")) {
        confusion_svg(f, conf, nc, names, classes, title);
        return dlk_outfile_close(&o, 1, err) ? -1 : 0;
    }
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
    const char *idx[2] = {NULL, NULL}, *labels_path = NULL, *truth = NULL, *compare = NULL, *confusion = NULL, *range = NULL;
    long threads = 1, limit = -1;
    int json = 0, npos, class_order = 0;
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
    long ra = 0, rb = 0;
    dlk_err err;
    dlk_labels labels = {0, NULL}, classes = {0, NULL};
    dlk_idx ximg = {0, {0}, NULL}, xlbl = {0, {0}, NULL};
    item *items = NULL;
    int n = 0, rc = 1;
    eval_job j;
    memset(&j, 0, sizeof j);
    if (labels_path && dlk_labels_read(labels_path, &labels, &err)) return cli_error("eval", "%s", err.msg);
    char found[4200];
    if (dir && !truth) { /* a flat ImageNet val/ folder: its LOC_val_solution.csv beside or above it */
        char **sub;
        int nsub;
        if (!list_sorted(dir, 1, 0, &sub, &nsub)) {
            free_names(sub, nsub);
            for (int up = 0; !nsub && up < 2 && !truth; up++) {
                snprintf(found, sizeof found, "%s%s/LOC_val_solution.csv", dir, up ? "/.." : "");
                if (!access(found, R_OK)) truth = found;
            }
        }
    }
    if (dir && truth) {
        if (truth_items(dir, truth, &items, &n)) goto done;
    } else if (dir) {
        if (folder_items(dir, &labels, !class_order, &items, &n, &classes)) goto done;
        for (int i = 0; i < n && confusion; i++) {
            const char *img = items[i].path;
            if (cli_refuse_input("eval", "--confusion", confusion, &img, 1)) {
                rc = 2;
                goto done;
            }
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
        items = malloc(sizeof(item) * (n ? n : 1));
        if (!items) {
            cli_error("eval", "out of memory");
            goto done;
        }
        for (int i = 0; i < n; i++) items[i] = (item){NULL, i, xlbl.data[i]};
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
    char title[600];
    const char *base = strrchr(model, '/');
    snprintf(title, sizeof title, "%s: top-1 %d/%d = %.2f %%", base ? base + 1 : model, correct[0], count, 100.0 * correct[0] / count);
    if (confusion && write_confusion(confusion, conf, nc, names, nc, title, &err)) {
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
        char eb[1024];
        printf("model   %s\nimages  %d (%d unreadable)\n", dlk_esc(model, eb, sizeof eb), count, unreadable);
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
