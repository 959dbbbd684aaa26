/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit finetune: a float model adapted to the classes of an ImageFolder (src/train). */
#include "cli.h"
#include "image/classifier.h"
#include "lib/imagefolder.h"
#include "util/outfile.h"
#include "onnx/onnx.h"
#include "onnx/onnx_write.h"
#include "train/run.h"
#include "util/err.h"
#include "util/file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CMD "finetune"

static const char HEAD[] =
    "usage: dlakit finetune MODEL.onnx TRAIN_DIR -o NEW.onnx [options]\n"
    "\n"
    "Trains a float model on the images of TRAIN_DIR (an ImageFolder: TRAIN_DIR/<class>/*.png|jpg,\n"
    "classes in timm's natural folder-name order, as eval reads it) with a new classifier of as many\n"
    "classes, and writes the float ONNX file that eval, quantize and compile take. Images are\n"
    "preprocessed as eval does. BatchNorm is folded into the convolutions of the models, so it\n"
    "trains as the folded affine (per-channel conv bias) with frozen statistics.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "What trains: head = the new classifier alone, on the features of the frozen part computed once\n"
    "(with --augment: of the image and 7 random variations of it, one of the 8 taken each epoch);\n"
    "last = the last stage (every conv after the last change of resolution among the points that\n"
    "separate the network) and the classifier, on cached features as head; all = every conv, the\n"
    "images varied afresh each epoch with --augment.\n"
    "The result depends only on the data, the options, --seed and --threads.\n"
    "\n"
    "Example:\n"
    "  dlakit finetune models/dla46c_mnist_64/dla46c_mnist_64.onnx data/digits/ -o mine.onnx --train head --epochs 5\n";

typedef struct {
    double loss, train_acc, val_acc, seconds;
} epoch_rec;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Every item decoded and preprocessed into n x H x W x 3 bytes. */
static int load_set(const dlk_item *it, int n, const dlk_pre_opts *pre, uint8_t **out, dlk_err *err)
{
    size_t sz = (size_t)pre->h * pre->w * 3;
    *out = malloc(sz * (n ? n : 1));
    if (!*out) return dlk_fail(err, "out of memory");
    for (int i = 0; i < n; i++) {
        dlk_image im;
        if (dlk_image_load(it[i].path, &im, err)) return -1;
        int bad = dlk_preprocess_u8(&im, pre, *out + sz * i, err);
        dlk_image_free(&im);
        if (bad) return -1;
    }
    return 0;
}

/* A shifted (by dx, dy; zeros come in) and optionally mirrored copy of an H x W x 3 image. */
static void augment(const uint8_t *src, int h, int w, int dx, int dy, int flip, uint8_t *dst)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int sx = x - dx, sy = y - dy;
            if (flip) sx = w - 1 - sx;
            uint8_t *d = dst + ((size_t)y * w + x) * 3;
            if (sx < 0 || sx >= w || sy < 0 || sy >= h) d[0] = d[1] = d[2] = 0;
            else memcpy(d, src + ((size_t)sy * w + sx) * 3, 3);
        }
}

static void write_svg(FILE *f, const epoch_rec *r, int n, int have_val)
{
    const int W = 640, H = 360, L = 60, R = 60, T = 30, B = 50;
    double maxl = 1e-9;
    for (int i = 0; i < n; i++)
        if (r[i].loss > maxl) maxl = r[i].loss;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", L, T, W - L - R, H - T - B);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>\n", W / 2, H - 12);
    fprintf(f, "<text x=\"12\" y=\"%d\" fill=\"#c00\">loss</text>\n", T - 10);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">accuracy %%: <tspan fill=\"#06c\">train</tspan>%s</text>\n", W - 10,
            T - 10, have_val ? " <tspan fill=\"#080\">val</tspan>" : "");
    for (int k = 0; k <= 4; k++) {
        int y = T + (H - T - B) * k / 4;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>\n", L - 4, y + 4, maxl * (4 - k) / 4);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%d</text>\n", W - R + 4, y + 4, 25 * (4 - k));
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">1</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", L,
            H - B + 16, W - R, H - B + 16, n);
    const char *col[3] = {"#c00", "#06c", "#080"};
    for (int s = 0; s < (have_val ? 3 : 2); s++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col[s]);
        for (int i = 0; i < n; i++) {
            double x = L + (n > 1 ? (double)(W - L - R) * i / (n - 1) : 0);
            double v = s == 0 ? r[i].loss / maxl : (s == 1 ? r[i].train_acc : r[i].val_acc) / 100;
            fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, T + (H - T - B) * (1 - v));
        }
        fprintf(f, "\"/>\n");
    }
    fprintf(f, "</svg>\n");
}

typedef struct {
    dlk_item *items;
    int n;
    dlk_labels classes;
    uint8_t *u8;     /* n x H x W x 3 */
    float *x;        /* n x input (normalized) */
    float *feat;     /* n x cut, when the frozen part is cached */
    const float **px;
    float **pfeat;
    int *labels;
} dataset;

static void dataset_free(dataset *d)
{
    for (int i = 0; i < d->n; i++) free(d->items[i].path);
    free(d->items);
    dlk_labels_free(&d->classes);
    free(d->u8), free(d->x), free(d->feat), free(d->px), free(d->pfeat), free(d->labels);
}

static int dataset_open(dataset *d, const char *dir, const dlk_labels *fix, const dlk_pre_opts *pre, int64_t in_sz, dlk_err *err)
{
    memset(d, 0, sizeof *d);
    if (dlk_folder_items(dir, fix, &d->items, &d->n, &d->classes, err)) return -1;
    if (d->n <= 0) return dlk_fail(err, "%s: no images", dir);
    if (load_set(d->items, d->n, pre, &d->u8, err)) return -1;
    d->x = malloc(sizeof(float) * in_sz * d->n);
    d->px = malloc(sizeof(float *) * (size_t)d->n);
    d->labels = malloc(sizeof(int) * (size_t)d->n);
    if (!d->x || !d->px || !d->labels) return dlk_fail(err, "out of memory");
    for (int i = 0; i < d->n; i++) {
        dlk_normalize_nchw(d->u8 + (size_t)pre->h * pre->w * 3 * i, pre->h, pre->w, pre, d->x + in_sz * i);
        d->px[i] = d->x + in_sz * i;
        d->labels[i] = d->items[i].label;
    }
    return 0;
}

/* How the training images are varied (--augment) */
typedef struct {
    int max_shift, flip;
} aug_opts;

/* A random variation of image i of d into x (normalized). */
static void augment_one(const dataset *d, int i, const aug_opts *a, const dlk_pre_opts *po, uint64_t *rng, uint8_t *u8, float *x)
{
    int ms = a->max_shift;
    int dx = ms ? (int)(dlk_rng_next(rng) % (uint64_t)(2 * ms + 1)) - ms : 0;
    int dy = ms ? (int)(dlk_rng_next(rng) % (uint64_t)(2 * ms + 1)) - ms : 0;
    int fl = a->flip ? (int)(dlk_rng_next(rng) & 1) : 0;
    size_t isz = (size_t)po->h * po->w * 3;
    augment(d->u8 + isz * i, po->h, po->w, dx, dy, fl, u8);
    dlk_normalize_nchw(u8, po->h, po->w, po, x);
}

/* Views of each image cached with --augment when the frozen part is: the image, then VIEWS - 1
 * random variations; each epoch takes one view of each image at random. */
#define VIEWS 8

/* The cut's values of every image (the frozen part run once): views of them (view 0 the image
 * itself, the others varied as a says, from rng), view v of image i at pfeat[v * n + i]. */
static int dataset_features(dataset *d, const dlk_tnet *n, dlk_twork *wk, int nth, int views, const aug_opts *a,
                            const dlk_pre_opts *po, uint64_t *rng, dlk_err *err)
{
    int64_t fs = dlk_tval_size(n, n->cut), in_sz = dlk_tval_size(n, n->input);
    size_t total = (size_t)d->n * views;
    d->feat = malloc(sizeof(float) * fs * total);
    d->pfeat = malloc(sizeof(float *) * total);
    float *x = views > 1 ? malloc(sizeof(float) * in_sz * d->n) : NULL;
    const float **px = views > 1 ? malloc(sizeof(float *) * d->n) : NULL;
    uint8_t *u8 = views > 1 ? malloc((size_t)po->h * po->w * 3) : NULL;
    int rc = -1;
    if (!d->feat || !d->pfeat || (views > 1 && (!x || !px || !u8))) {
        dlk_fail(err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < total; i++) d->pfeat[i] = d->feat + fs * i;
    for (int v = 0; v < views; v++) {
        if (v)
            for (int i = 0; i < d->n; i++) {
                augment_one(d, i, a, po, rng, u8, x + in_sz * i);
                px[i] = x + in_sz * i;
            }
        dlk_tbatch b = {DLK_TJOB_FEATURES, v ? px : d->px, 1, NULL, d->n, d->pfeat + (size_t)v * d->n, NULL};
        if (dlk_tbatch_run(n, wk, nth, &b, NULL, NULL, err)) goto out;
    }
    rc = 0;
out:
    free(x), free(px), free(u8);
    return rc;
}

int cmd_finetune(int argc, char **argv)
{
    const char *out = NULL, *val_dir = NULL, *aug = NULL, *plot = NULL;
    long epochs = 10, batch = 32, seed = 0, threads = 1;
    double lr = 1e-3, wd = 1e-4;
    int mode = 0, optimizer = 0, schedule = 0, json = 0, npos;
    cli_pre pre;
    cli_pre_init(&pre);
    const cli_opt opts[] = {
        CLI_OPT_DOC("MODEL.onnx", "a float model (BatchNorm folded, as the zoo's files)"),
        CLI_OPT_DOC("TRAIN_DIR", "an ImageFolder: its sub-folders are the new classes"),
        CLI_OPT_OUT(&out, "FILE", "the fine-tuned float ONNX model (required; written atomically)"),
        {"--train", NULL, NULL, CLI_CHOICE, &mode, NULL, 0, 0, 0, "head|last|all", "WHAT", "head (default), last or all", NULL},
        CLI_INT_OPT("--epochs", &epochs, 1, 100000, "E", "passes over TRAIN_DIR (default 10)"),
        {"--lr", NULL, NULL, CLI_DOUBLE, &lr, NULL, 0, 10, 1, NULL, "X", "learning rate (default 1e-3)", NULL},
        {"--schedule", NULL, NULL, CLI_CHOICE, &schedule, NULL, 0, 0, 0, "constant|cosine", "S",
         "constant (default) or cosine: lr x (1 + cos(pi t / T)) / 2 at step t of T", NULL},
        CLI_INT_OPT("--batch", &batch, 1, 1000000, "B", "images per step (default 32)"),
        {"--optimizer", NULL, NULL, CLI_CHOICE, &optimizer, NULL, 0, 0, 0, "adamw|sgd", "O",
         "adamw (default; betas 0.9, 0.999, eps 1e-8) or sgd (momentum 0.9)", NULL},
        {"--weight-decay", NULL, NULL, CLI_DOUBLE, &wd, NULL, 0, 10, 0, NULL, "W", "weight decay (default 1e-4; AdamW's decoupled, SGD's L2)", NULL},
        CLI_STR_OPT("--augment", &aug, "LIST", "shift (up to 1/10 of the size each way), flip (mirror): shift,flip"),
        CLI_STR_OPT("--val", &val_dir, "DIR", "an ImageFolder with the same classes: its accuracy after each epoch"),
        CLI_INT_OPT("--seed", &seed, 0, 2147483647, "S", "initialization, shuffling and augmentation (default 0)"),
        CLI_OPT_THREADS(&threads, "threads (default 1)"),
        CLI_OPT_JSON(&json, "the epochs and the result as one JSON object on stdout"),
        CLI_STR_OPT("--plot", &plot, "FILE", "loss and accuracy per epoch as an SVG chart"),
        CLI_PRE_OPTS(&pre),
    };
    const cli_cmd cmd = {.name = CMD, .head = HEAD, .tail = TAIL, .width = 22, .min_args = 2, .max_args = 2,
                         .missing = "give a model and a training folder", .pre = &pre, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    if (!out) return cli_usage_error(CMD, "give the output file with -o");
    const char *model = argv[1], *train_dir = argv[2];
    if (dlk_same_file(out, model)) return cli_usage_error(CMD, "-o %s is the input model; it would be overwritten", out);
    int shift = 0, flip = 0;
    if (aug) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", aug);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            if (!strcmp(t, "shift")) shift = 1;
            else if (!strcmp(t, "flip")) flip = 1;
            else return cli_usage_error(CMD, "--augment: unknown '%s' (shift, flip)", t);
        }
    }
    dlk_err err;
    classifier cl;
    dlk_graph g;
    dlk_tnet net;
    dlk_twork *wk = NULL;
    dataset tr, va;
    epoch_rec *hist = NULL;
    void *file = NULL, *packed = NULL;
    size_t file_len = 0, packed_len = 0;
    uint8_t *aug_u8 = NULL;
    float *aug_x = NULL;
    const float **bx = NULL;
    int *blab = NULL, *perm = NULL, rc = 1, nth = (int)threads;
    int have_g = 0, have_net = 0;
    memset(&tr, 0, sizeof tr), memset(&va, 0, sizeof va), memset(&net, 0, sizeof net);
    if (classifier_open(&cl, model, &pre.pre, 0, &err)) {
        cli_error(CMD, "%s", err.msg);
        classifier_close(&cl);
        return 1;
    }
    const dlk_pre_opts *po = &cl.pre;
    if (dlk_read_file(model, DLK_MAX_MODEL_BYTES, &file, &file_len, &err) || dlk_onnx_parse(file, file_len, model, &g, &err) ||
        ((have_g = 1), dlk_graph_finalize(&g, &err)) || dlk_tnet_build(&net, &g, po->h, po->w, &err)) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    have_net = 1;
    int64_t in_sz = dlk_tval_size(&net, net.input);
    if (dataset_open(&tr, train_dir, NULL, po, in_sz, &err) ||
        (val_dir && dataset_open(&va, val_dir, &tr.classes, po, in_sz, &err))) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    int K = tr.classes.n;
    if (K < 2) {
        cli_error(CMD, "%s: %d class folder; at least 2 are needed", train_dir, K);
        goto done;
    }
    static const dlk_train_mode modes[] = {DLK_TRAIN_HEAD, DLK_TRAIN_LAST, DLK_TRAIN_ALL};
    if (dlk_tnet_setup(&net, modes[mode], K, (uint64_t)seed, &err)) {
        cli_error(CMD, "%s: %s", model, err.msg);
        goto done;
    }
    if (nth > tr.n) nth = tr.n;
    wk = calloc(nth, sizeof *wk);
    if (!wk) goto oom;
    for (int t = 0; t < nth; t++)
        if (dlk_twork_init(&wk[t], &net, &err)) {
            cli_error(CMD, "%s", err.msg);
            goto done;
        }
    int cached = net.start > 0, views = cached && (shift || flip) ? VIEWS : 1;
    aug_opts ao = {shift ? (po->h < po->w ? po->h : po->w) / 10 : 0, flip};
    uint64_t rng = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1;
    double t0 = now_s();
    if ((cached && dataset_features(&tr, &net, wk, nth, views, &ao, po, &rng, &err)) ||
        (val_dir && net.start > 0 && dataset_features(&va, &net, wk, nth, 1, &ao, po, &rng, &err))) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    int64_t trainable = 0;
    for (int i = 0; i < net.n_params; i++)
        if (net.params[i].trainable) trainable += net.params[i].nw + net.params[i].nb;
    if (!json)
        printf("%s: %d images of %d classes, %s%s; training %lld parameters%s%s\n", train_dir, tr.n, K, val_dir ? "val " : "",
               val_dir ? val_dir : "no val", (long long)trainable, cached ? " (frozen part's features cached" : "", views > 1 ? ", 8 views of each image)" : cached ? ")" : "");
    hist = calloc(epochs, sizeof *hist);
    perm = malloc(sizeof(int) * tr.n);
    bx = malloc(sizeof(float *) * batch);
    blab = malloc(sizeof(int) * batch);
    if (!cached) {
        aug_u8 = malloc((size_t)po->h * po->w * 3);
        aug_x = malloc(sizeof(float) * in_sz * batch);
    }
    if (!hist || !perm || !bx || !blab || (!cached && (!aug_u8 || !aug_x))) goto oom;
    dlk_optim opt = {optimizer ? DLK_OPT_SGD : DLK_OPT_ADAMW, lr, wd, 0.9, 0.999, 1e-8, 0.9, 0};
    for (int i = 0; i < tr.n; i++) perm[i] = i;
    for (long e = 0; e < epochs; e++) {
        double te = now_s(), lsum = 0;
        int correct = 0;
        for (int i = tr.n - 1; i > 0; i--) {
            int j = (int)(dlk_rng_next(&rng) % (uint64_t)(i + 1)), t = perm[i];
            perm[i] = perm[j], perm[j] = t;
        }
        for (int b0 = 0; b0 < tr.n; b0 += (int)batch) {
            int cnt = tr.n - b0 < batch ? tr.n - b0 : (int)batch;
            for (int k = 0; k < cnt; k++) {
                int i = perm[b0 + k];
                blab[k] = tr.labels[i];
                if (cached) {
                    int v = views > 1 ? (int)(dlk_rng_next(&rng) % VIEWS) : 0;
                    bx[k] = tr.pfeat[(size_t)v * tr.n + i];
                } else if (shift || flip) {
                    augment_one(&tr, i, &ao, po, &rng, aug_u8, aug_x + in_sz * k);
                    bx[k] = aug_x + in_sz * k;
                } else {
                    bx[k] = tr.px[i];
                }
            }
            dlk_tbatch b = {DLK_TJOB_TRAIN, bx, !cached, blab, cnt, NULL, NULL};
            double l;
            int c;
            if (dlk_tbatch_run(&net, wk, nth, &b, &l, &c, &err)) {
                cli_error(CMD, "%s", err.msg);
                goto done;
            }
            lsum += l, correct += c;
            float inv = 1.0f / cnt;
            for (int p = 0; p < net.n_params; p++) {
                if (!net.params[p].trainable) continue;
                for (int64_t q = 0; q < net.params[p].nw; q++) wk[0].gw[p][q] *= inv;
                for (int64_t q = 0; q < net.params[p].nb; q++) wk[0].gb[p][q] *= inv;
            }
            if (schedule) {
                double T = (double)epochs * ((tr.n + batch - 1) / batch), t = (double)opt.step;
                opt.lr = lr * 0.5 * (1 + cos(3.14159265358979323846 * t / T));
                if (!(opt.lr > 0)) opt.lr = lr * 1e-9;
            }
            if (dlk_optim_step(&opt, &net, wk[0].gw, wk[0].gb, &err)) {
                cli_error(CMD, "%s", err.msg);
                goto done;
            }
        }
        epoch_rec *h = &hist[e];
        h->loss = lsum / tr.n;
        h->train_acc = 100.0 * correct / tr.n;
        if (val_dir) {
            int vc = 0;
            dlk_tbatch b = {DLK_TJOB_PREDICT, net.start > 0 ? (const float *const *)va.pfeat : va.px, net.start == 0, va.labels, va.n,
                            NULL, NULL};
            if (dlk_tbatch_run(&net, wk, nth, &b, NULL, &vc, &err)) {
                cli_error(CMD, "%s", err.msg);
                goto done;
            }
            h->val_acc = 100.0 * vc / va.n;
        }
        h->seconds = now_s() - te;
        if (!json) {
            printf("epoch %3ld/%ld  loss %.4f  train %6.2f %%", e + 1, epochs, h->loss, h->train_acc);
            if (val_dir) printf("  val %6.2f %%", h->val_acc);
            printf("  %.1f s\n", h->seconds);
            fflush(stdout);
        }
    }
    double total_s = now_s() - t0;
    if (dlk_tnet_store(&net, &g, &err)) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    char settings[256];
    static const char *const mnames[] = {"head", "last", "all"};
    snprintf(settings, sizeof settings, "train=%s epochs=%ld lr=%g%s batch=%ld optimizer=%s weight_decay=%g augment=%s seed=%ld classes=%d",
             mnames[mode], epochs, lr, schedule ? " (cosine)" : "", batch, optimizer ? "sgd" : "adamw", wd, aug ? aug : "none", seed, K);
    const char *meta[] = {"dlakit.finetune", settings};
    dlk_onnx_write_opts wo = {.src = file, .src_len = file_len, .producer_name = "dlakit", .producer_version = DLK_VERSION,
                              .meta = meta, .n_meta = 1};
    if (dlk_onnx_pack(&g, &wo, &packed, &packed_len, &err)) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    {
        dlk_model *m2 = dlk_model_load_buffer(packed, packed_len, out, &err);
        dlk_shape s;
        dlk_ctx_input(cl.ctx, 0, &s);
        dlk_ctx *c2 = m2 ? dlk_ctx_new(m2, &s, 1, &err) : NULL;
        if (c2) dlk_ctx_free(c2);
        if (m2) dlk_model_free(m2);
        if (!c2) {
            cli_error(CMD, "the fine-tuned model does not load: %s", err.msg);
            goto done;
        }
    }
    if (dlk_onnx_write(&g, out, &wo, &err)) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    if (plot) {
        dlk_outfile of;
        if (dlk_outfile_open(&of, plot, &err)) {
            cli_error(CMD, "%s", err.msg);
            goto done;
        }
        write_svg(of.f, hist, (int)epochs, val_dir != NULL);
        if (dlk_outfile_close(&of, 1, &err)) {
            cli_error(CMD, "%s", err.msg);
            goto done;
        }
    }
    if (json) {
        printf("{\"model\": ");
        cli_json_str(stdout, model);
        printf(", \"output\": ");
        cli_json_str(stdout, out);
        printf(", \"train\": \"%s\", \"classes\": [", mnames[mode]);
        for (int k = 0; k < K; k++) {
            if (k) printf(", ");
            cli_json_str(stdout, tr.classes.names[k]);
        }
        printf("], \"train_images\": %d, \"val_images\": %d, \"trainable_parameters\": %lld, \"seconds\": %.3f, \"epochs\": [", tr.n,
               va.n, (long long)trainable, total_s);
        for (long e = 0; e < epochs; e++) {
            printf("%s{\"epoch\": %ld, \"loss\": %.6f, \"train_accuracy\": %.4f", e ? ", " : "", e + 1, hist[e].loss, hist[e].train_acc);
            if (val_dir) printf(", \"val_accuracy\": %.4f", hist[e].val_acc);
            printf(", \"seconds\": %.3f}", hist[e].seconds);
        }
        printf("]}\n");
    } else {
        printf("%s: float model, %d classes, %.1f s of training\n", out, K, total_s);
    }
    rc = 0;
    goto done;
oom:
    cli_error(CMD, "out of memory");
done:
    for (int t = 0; wk && t < nth; t++) dlk_twork_free(&wk[t], &net);
    free(wk);
    if (have_net) dlk_tnet_free(&net);
    if (have_g) dlk_graph_free(&g);
    dataset_free(&tr), dataset_free(&va);
    free(hist), free(perm), free(bx), free(blab), free(aug_u8), free(aug_x), free(file), free(packed);
    classifier_close(&cl);
    return rc;
}
