/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit zoo: runs the STM32 model zoo services' operation modes from their user_config.yaml, each
 * step by the dlakit command that does it (eval, quantize, bench + analyze, compile, classify),
 * in the services' run folder with their stm32ai_main.log lines and dlakit's JSON reports. */
#include "cli.h"
#include "lib/zooconf.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "zoo"

static const char HEAD[] =
    "usage: dlakit zoo CONFIG.yaml [key.path=value ...] [options]\n"
    "\n"
    "Runs the model zoo services' operation_mode from their user_config.yaml (stm32ai_main.py's\n"
    "config), without Python: evaluation, quantization, prediction, benchmarking, deployment and the\n"
    "chains chain_eqe, chain_qb, chain_eqeb, chain_qd. Hydra's command-line overrides apply\n"
    "(key.path=value, +key.path=value to add, ~key.path to delete), as do ${...} interpolations and\n"
    "the services' Python literals (1/255.0, (224, 224, 3), True). Unknown keys are reported and\n"
    "ignored; a bad value stops the run before anything is written, naming its key.\n"
    "\n"
    "Everything goes into hydra.run.dir (default experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}):\n"
    "stm32ai_main.log with the services' lines (\"float onnx model\", \"Evaluation accuracy: 97.5 %\"),\n"
    "quantized_models/<model>_quant_qdq_pc.onnx, each step's dlakit JSON report, the confusion\n"
    "matrices as SVG, and for deployment a C project (NAME.c, NAME.h, Makefile, README.md).\n"
    "\n"
    "Where dlakit differs from the services on purpose: calibration images are preprocessed as the\n"
    "evaluation images are (not with training augmentation), and dataset.quantization_split takes\n"
    "evenly spaced images in path order (not a random subset); benchmarking times the host and\n"
    "reports the MCU cost from `dlakit analyze` in place of a board. Training is not supported.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "A model zoo card's own config, on ImageNet's validation set:\n"
    "    dlakit zoo user_config.yaml operation_mode=evaluation model.model_path=dla46c_pt_224.onnx \\\n"
    "      +dataset.test_path=imagenet/val\n"
    "\n"
    "Example (from a checkout: the DLA card's config on the bundled MNIST model and digits):\n"
    "  dlakit zoo tests/fixtures/zoo/dla46c_mnist_64_config.yaml model.model_path=models/dla46c_mnist_64/dla46c_mnist_64.onnx \\\n"
    "      +dataset.test_path=data/digits +dataset.quantization_path=data/digits hydra.run.dir=zoo_run\n";

typedef struct {
    zoo_cfg c;
    const char *cfgname;
    char run[4096];
    long threads;
    char labels[4096]; /* a class-names file for eval/classify, or "" */
    const char *model; /* the model of the next step */
    char quant[4096];  /* the quantized model, once made */
    FILE *out;         /* the [INFO] lines: stdout, or stderr with --json */
    FILE *js;          /* the --json summary's steps (NULL without --json) */
    int nsteps;
} zoo_run;

/* snprintf for paths and lines (long names are cut, as the buffers are far larger than real paths) */
static void strf(char *out, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void strf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

static void warn_line(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "dlakit zoo: warning: %s\n", msg);
}

static int mkdirs(const char *path)
{
    char p[4096];
    if (strlen(path) >= sizeof p) return -1;
    strf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0777) && errno != EEXIST) return -1;
            *s = '/';
        }
    if (mkdir(p, 0777) && errno != EEXIST) return -1;
    struct stat st;
    return stat(p, &st) || !S_ISDIR(st.st_mode) ? -1 : 0;
}

/* Appends lines to RUN/stm32ai_main.log, as the services' log_to_file does. */
static int zoo_log(const zoo_run *z, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int zoo_log(const zoo_run *z, const char *fmt, ...)
{
    char path[4200];
    strf(path, sizeof path, "%s/stm32ai_main.log", z->run);
    FILE *f = fopen(path, "a");
    if (!f) return cli_error(CMD, "%s: cannot write: %s", path, strerror(errno));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    return fclose(f) ? cli_error(CMD, "%s: cannot write", path) : 0;
}

/* A float as Python's str(round(x, nd)) writes it: the shortest repr ("97.5", "100.0", "64.43"). */
static const char *py_round(double x, int nd, char *buf, size_t n)
{
    char t[64];
    strf(t, sizeof t, "%.*f", nd, x); /* correctly rounded, as Python's round */
    double r = strtod(t, NULL);
    int d = 0;
    while (d < 17) {
        strf(buf, n, "%.*f", d, r);
        if (strtod(buf, NULL) == r) break;
        d++;
    }
    if (!d) strncat(buf, ".0", n - strlen(buf) - 1);
    return buf;
}

/* Runs a dlakit command with its stdout in report (written to report.tmp, renamed on success). */
static int run_step(const zoo_run *z, int (*fn)(int, char **), char **argv, const char *report)
{
    int argc = 0;
    while (argv[argc]) argc++;
    char tmp[4200];
    int saved = -1, fd = -1;
    if (report) {
        strf(tmp, sizeof tmp, "%s.tmp", report);
        fflush(stdout);
        saved = dup(1);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (saved < 0 || fd < 0 || dup2(fd, 1) < 0) {
            if (fd >= 0) close(fd);
            if (saved >= 0) close(saved);
            return cli_error(CMD, "%s: cannot write: %s", tmp, strerror(errno));
        }
        close(fd);
    }
    (void)z;
    int rc = fn(argc, argv);
    if (report) {
        int bad = fflush(stdout) != 0;
        dup2(saved, 1);
        close(saved);
        if (rc || bad || rename(tmp, report)) {
            unlink(tmp);
            return rc ? rc : cli_error(CMD, "%s: cannot write", report);
        }
    }
    return rc;
}

/* A number after "key": in a JSON report (the first one), or NAN. */
static double json_num(const char *path, const char *key)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NAN;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char k[96];
    strf(k, sizeof k, "\"%s\"", key);
    const char *p = strstr(buf, k);
    if (!p) return NAN;
    p += strlen(k);
    while (*p == ' ' || *p == ':') p++;
    char *e;
    double v = strtod(p, &e);
    return e == p ? NAN : v;
}

/* argv building: up to 60 arguments, 16 of them formatted into the struct's storage. */
typedef struct {
    char *v[64];
    int n;
    char store[16][4096];
    int ns;
} args;

static void arg(args *a, const char *s)
{
    if (a->n < 63) a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
}

static void vargf(args *a, const char *fmt, va_list ap)
{
    if (a->ns >= 16) return;
    char *s = a->store[a->ns++];
    vsnprintf(s, 4096, fmt, ap);
    arg(a, s);
}

static void argf(args *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void argf(args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vargf(a, fmt, ap);
    va_end(ap);
}

/* An option and its formatted value, as two arguments. */
static void argf2(args *a, const char *opt, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void argf2(args *a, const char *opt, const char *fmt, ...)
{
    arg(a, opt);
    va_list ap;
    va_start(ap, fmt);
    vargf(a, fmt, ap);
    va_end(ap);
}

static int is_torch(const zoo_cfg *c) { return c->framework && !strcasecmp(c->framework, "torch"); }

/* The preprocessing options: timm's eval transform for framework torch (dlakit's default), the
 * YAML's rescaling / resizing for the others. */
static void pre_args(const zoo_run *z, args *a)
{
    const zoo_cfg *c = &z->c;
    if (c->input_h) argf2(a, "--size", "%dx%d", c->input_h, c->input_w);
    if (is_torch(c)) { /* timm's eval transform, ImageNet's mean/std unless given */
        if (c->have_mean) argf2(a, "--mean", "%.9g,%.9g,%.9g", c->mean[0], c->mean[1], c->mean[2]);
        if (c->have_std) argf2(a, "--std", "%.9g,%.9g,%.9g", c->std[0], c->std[1], c->std[2]);
        return;
    }
    static const char *const filt[] = {"nearest", "bilinear", "bicubic"}, *const asp[] = {"crop", "fit", "pad"};
    if (c->interpolation >= 0) argf2(a, "--resize", "%s", filt[c->interpolation]);
    if (c->aspect >= 0) argf2(a, "--aspect", "%s", asp[c->aspect]);
    if (c->aspect == 0) {
        arg(a, "--crop-pct");
        arg(a, "1");
    }
    if (c->have_rescaling) {
        argf2(a, "--scale", "%.9g", c->scale);
        argf2(a, "--offset", "%.9g", c->offset);
    } else {
        if (c->have_mean) argf2(a, "--mean", "%.9g,%.9g,%.9g", c->mean[0], c->mean[1], c->mean[2]);
        if (c->have_std) argf2(a, "--std", "%.9g,%.9g,%.9g", c->std[0], c->std[1], c->std[2]);
    }
    if (c->bgr) arg(a, "--bgr");
}

static int is_quantized(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 16];
    size_t n, keep = 0;
    int found = 0;
    while (!found && (n = fread(buf + keep, 1, sizeof buf - keep - 1, f)) > 0) {
        n += keep;
        buf[n] = 0;
        for (size_t i = 0; i + 14 <= n && !found; i++) found = !memcmp(buf + i, "QuantizeLinear", 14) || !memcmp(buf + i, "QLinearConv", 11);
        keep = n < 16 ? n : 16;
        memmove(buf, buf + n - keep, keep);
    }
    fclose(f);
    return found;
}

static void json_step(zoo_run *z, const char *step, const char *model, const char *report, const char *extra)
{
    if (!z->js) return;
    fprintf(z->js, "%s{\"step\":\"%s\",\"model\":", z->nsteps++ ? "," : "", step);
    cli_json_str(z->js, model);
    fprintf(z->js, ",\"report\":");
    cli_json_str(z->js, report);
    fprintf(z->js, "%s}", extra ? extra : "");
}

static const char *stem(const char *path, char *buf, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    strf(buf, n, "%s", b);
    char *d = strrchr(buf, '.');
    if (d && d != buf) *d = 0;
    return buf;
}

/* dataset.data_dir's split: data_dir/<dataset_name>/<split> (the services' layout, data_dir/imagenet/val)
 * when that folder exists, else data_dir/<split>. */
static const char *split_dir(const zoo_cfg *c, const char *split, char *buf, size_t n)
{
    struct stat st;
    if (c->dataset_name) {
        strf(buf, n, "%s/%s/%s", c->data_dir, c->dataset_name, split);
        if (!stat(buf, &st) && S_ISDIR(st.st_mode)) return buf;
    }
    strf(buf, n, "%s/%s", c->data_dir, split);
    return buf;
}

static const char *eval_set(const zoo_run *z, char *buf, size_t n, const char **name_ds)
{
    const zoo_cfg *c = &z->c;
    *name_ds = c->test_path ? "test_set" : "validation_set";
    if (c->test_path) return c->test_path;
    if (c->validation_path) return c->validation_path;
    if (c->data_dir) return split_dir(c, c->val_split ? c->val_split : "val", buf, n);
    return NULL;
}

static int step_eval(zoo_run *z)
{
    char dbuf[4200], sb[1024], report[4400], svg[4400], num[64];
    const char *name_ds, *dir = eval_set(z, dbuf, sizeof dbuf, &name_ds);
    if (!dir)
        return cli_error(CMD, "%s: evaluation needs dataset.test_path, dataset.validation_path or dataset.data_dir (dlakit does "
                              "not split the training set)",
                         z->cfgname);
    int q = is_quantized(z->model);
    const char *type = q ? "quantized" : "float";
    stem(z->model, sb, sizeof sb);
    strf(report, sizeof report, "%s/eval_%s_%s.json", z->run, sb, name_ds);
    strf(svg, sizeof svg, "%s/%s_onnx_model_%s.svg", z->run, type, name_ds);
    args a = {0};
    arg(&a, "eval");
    arg(&a, (char *)z->model);
    arg(&a, dir);
    arg(&a, "--json");
    arg(&a, "--threads");
    argf(&a, "%ld", z->threads);
    arg(&a, "--confusion");
    argf(&a, "%s", svg);
    if (z->labels[0]) {
        arg(&a, "--labels");
        argf(&a, "%s", z->labels);
    }
    pre_args(z, &a);
    fprintf(stderr, "[INFO] : evaluating %s on %s\n", z->model, dir);
    if (run_step(z, cmd_eval, a.v, report)) return 1;
    double ok = json_num(report, "correct"), n = json_num(report, "images");
    if (!(n > 0)) return cli_error(CMD, "%s: no accuracy in the report", report);
    double acc = ok / n * 100;
    py_round(acc, 2, num, sizeof num);
    if (zoo_log(z, "%s onnx model\nEvaluation accuracy: %s %%", type, num)) return 1;
    fprintf(z->out, "[INFO] : Evaluation accuracy on %s: %s %% (%s model, %.0f/%.0f)\n", name_ds, num, type, ok, n);
    char extra[256];
    strf(extra, sizeof extra, ",\"type\":\"%s\",\"set\":\"%s\",\"correct\":%.0f,\"images\":%.0f,\"accuracy\":%s", type, name_ds, ok, n, num);
    json_step(z, "evaluation", z->model, report, extra);
    return 0;
}

static int step_quantize(zoo_run *z)
{
    const zoo_cfg *c = &z->c;
    char dbuf[4200], sb[1024], dir[4400], report[4400];
    const char *calib = c->quantization_path ? c->quantization_path : c->training_path;
    if (!calib && c->data_dir) calib = split_dir(c, c->train_split ? c->train_split : "train", dbuf, sizeof dbuf);
    if (!calib)
        return cli_error(CMD, "%s: quantization needs dataset.quantization_path or dataset.training_path (dlakit does not "
                              "calibrate on random data)",
                         z->cfgname);
    if (is_quantized(z->model)) return cli_error(CMD, "%s: the model is already quantized", z->model);
    strf(dir, sizeof dir, "%s/%s", z->run, c->export_dir);
    if (mkdirs(dir)) return cli_error(CMD, "%s: cannot make the folder", dir);
    stem(z->model, sb, sizeof sb);
    strf(z->quant, sizeof z->quant, "%s/%s_quant_%s_%s.onnx", dir, sb, c->qop ? "qop" : "qdq", c->per_tensor ? "pt" : "pc");
    strf(report, sizeof report, "%s/quantize_%s.json", z->run, sb);
    args a = {0};
    static const char *const methods[] = {"minmax", "percentile", "entropy"};
    arg(&a, "quantize");
    arg(&a, (char *)z->model);
    arg(&a, "-o");
    argf(&a, "%s", z->quant);
    arg(&a, "--calib");
    argf(&a, "%s", calib);
    arg(&a, "--json");
    arg(&a, "--threads");
    argf(&a, "%ld", z->threads);
    arg(&a, "--method");
    argf(&a, "%s", methods[c->method]);
    /* quantization_split: the share of the training data (the card: "quantization_path: this will be
     * used for quantization otherwise training data will be used") */
    if (c->quantization_split > 0 && !c->quantization_path) {
        arg(&a, "--calib-fraction");
        argf(&a, "%.17g", c->quantization_split);
    }
    if (c->qop) arg(&a, "--format=qop");
    if (c->per_tensor) arg(&a, "--per-tensor");
    if (c->symmetric_act) arg(&a, "--symmetric-activations");
    if (c->uint8_act) arg(&a, "--uint8-activations");
    pre_args(z, &a);
    fprintf(stderr, "[INFO] : Quantization using input images coming from %s (preprocessed as the evaluation images; "
                    "the services use their training augmentation)\n", calib);
    if (run_step(z, cmd_quantize, a.v, report)) return 1;
    fprintf(z->out, "[INFO] : Quantized model: %s (%.0f calibration images)\n", z->quant, json_num(report, "calibration_images"));
    json_step(z, "quantization", z->model, report, NULL);
    z->model = z->quant;
    return 0;
}

static int step_bench(zoo_run *z)
{
    char sb[1024], rb[4400], ra[4400], ms[64], kib[64], w[64], mac[64];
    stem(z->model, sb, sizeof sb);
    strf(rb, sizeof rb, "%s/benchmark_host_%s.json", z->run, sb);
    args a = {0};
    arg(&a, "bench");
    arg(&a, (char *)z->model);
    arg(&a, "--json");
    arg(&a, "--threads");
    argf(&a, "%ld", z->threads);
    if (z->c.input_h) {
        arg(&a, "--size");
        argf(&a, "%dx%d", z->c.input_h, z->c.input_w);
    }
    if (run_step(z, cmd_bench, a.v, rb)) return 1;
    double med = json_num(rb, "median_ms");
    if (zoo_log(z, "Benchmarking board : host (dlakit bench, %ld thread%s)\nInference_time : %s ms", z->threads,
                z->threads == 1 ? "" : "s", py_round(med, 2, ms, sizeof ms)))
        return 1;
    fprintf(z->out, "[INFO] : Host inference time : %s ms (dlakit bench, median)\n", ms);
    json_step(z, "benchmarking", z->model, rb, NULL);
    if (!is_quantized(z->model)) {
        fprintf(z->out, "[INFO] : MCU figures (dlakit analyze) are for int8 models; quantize first (chain_qb)\n");
        return 0;
    }
    strf(ra, sizeof ra, "%s/analyze_mcu_%s.json", z->run, sb);
    args b = {0};
    arg(&b, "analyze");
    arg(&b, (char *)z->model);
    arg(&b, "--json");
    if (z->c.input_h) {
        arg(&b, "--size");
        argf(&b, "%dx%d", z->c.input_h, z->c.input_w);
    }
    if (run_step(z, cmd_analyze, b.v, ra)) return 1;
    double ram = json_num(ra, "peak_ram_bytes"), wb = json_num(ra, "weights_bytes"), macs = json_num(ra, "macs");
    py_round(ram / 1024, 2, kib, sizeof kib);
    py_round(wb / 1024, 2, w, sizeof w);
    py_round(macs / 1e6, 3, mac, sizeof mac);
    if (zoo_log(z, "RAM Activations : %s KiB\nFlash weights : %s KiB\nMACCs : %s M", kib, w, mac)) return 1;
    fprintf(z->out, "[INFO] : RAM Activations : %s (KiB)\n[INFO] : Flash weights : %s (KiB)\n[INFO] : MACCs : %s (M)\n", kib, w, mac);
    json_step(z, "analyze", z->model, ra, NULL);
    return 0;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) return cli_error(CMD, "%s: cannot write: %s", path, strerror(errno));
    fputs(text, f);
    return fclose(f) ? cli_error(CMD, "%s: cannot write", path) : 0;
}

static int step_deploy(zoo_run *z)
{
    char sb[1024], name[256], dir[4400], report[4400], path[4600];
    if (!is_quantized(z->model))
        return cli_error(CMD, "%s: deployment needs an int8 model (quantize it first: chain_qd)", z->model);
    stem(z->model, sb, sizeof sb);
    size_t k = 0;
    if (!isalpha((unsigned char)sb[0])) name[k++] = 'm';
    for (const char *s = sb; *s && k < sizeof name - 1; s++) name[k++] = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '_';
    name[k] = 0;
    strf(dir, sizeof dir, "%s/deployment/%s", z->run, name);
    if (mkdirs(dir)) return cli_error(CMD, "%s: cannot make the folder", dir);
    strf(report, sizeof report, "%s/compile_%s.txt", z->run, sb);
    args a = {0};
    arg(&a, "compile");
    arg(&a, (char *)z->model);
    arg(&a, "-o");
    argf(&a, "%s", dir);
    arg(&a, "--name");
    argf(&a, "%s", name);
    if (z->c.input_h) {
        arg(&a, "--size");
        argf(&a, "%dx%d", z->c.input_h, z->c.input_w);
    }
    if (run_step(z, cmd_compile, a.v, report)) return 1;
    static const char MK[] =
        "# Builds the model for a Cortex-M with arm-none-eabi-gcc (Debian: gcc-arm-none-eabi):\n"
        "#   make                       lib%s.a for CPU=cortex-m55 (hard float)\n"
        "#   make CPU=cortex-m7         another core\n"
        "#   make CC=cc AR=ar ARCH=     the host, for a test\n"
        "CC = arm-none-eabi-gcc\n"
        "AR = arm-none-eabi-ar\n"
        "CPU = cortex-m55\n"
        "ARCH = -mcpu=$(CPU) -mthumb -mfloat-abi=hard\n"
        "CFLAGS = -std=c99 -O2 -Wall -Wextra -pedantic -ffp-contract=off -ffunction-sections -fdata-sections\n"
        "\n"
        "all: lib%s.a\n"
        "\n"
        "%s.o: %s.c %s.h\n"
        "\t$(CC) $(ARCH) $(CFLAGS) -c %s.c -o $@\n"
        "\n"
        "lib%s.a: %s.o\n"
        "\t$(AR) rcs $@ %s.o\n"
        "\n"
        "clean:\n"
        "\trm -f %s.o lib%s.a\n"
        "\n"
        ".PHONY: all clean\n";
    char mk[4096];
    strf(mk, sizeof mk, MK, name, name, name, name, name, name, name, name, name, name, name);
    strf(path, sizeof path, "%s/Makefile", dir);
    if (write_text(path, mk)) return 1;
    static const char RD[] =
        "# %s: the int8 model as C (dlakit compile)\n"
        "\n"
        "Made by `dlakit zoo` (operation mode %s) from `%s`.\n"
        "\n"
        "- `%s.c`, `%s.h`: the model, its weights as `const` arrays and one static arena; no malloc, no stdio.\n"
        "- `Makefile`: `make` builds `lib%s.a` with arm-none-eabi-gcc for a Cortex-M55 (`make CPU=cortex-m7`\n"
        "  for another core; keep `-ffp-contract=off`, the outputs are then bit-identical to `dlakit run`).\n"
        "\n"
        "Use (link with `-lm`):\n"
        "\n"
        "    #include \"%s.h\"\n"
        "    static float scores[%s_NUM_CLASSES];\n"
        "    /* image: %s_IN_H x %s_IN_W x 3 uint8 RGB, resized and cropped (dlakit preprocess) */\n"
        "    if (%s_run(image, scores) == 0) { /* the best class: the index of the largest score */ }\n"
        "\n"
        "`%s.h` gives the RAM (`%s_ARENA_BYTES` + image + `%s_STACK_BYTES`) and flash (`%s_WEIGHT_BYTES`) it needs.\n";
    char NAME[256];
    for (k = 0; name[k]; k++) NAME[k] = (char)toupper((unsigned char)name[k]);
    NAME[k] = 0;
    char rd[8192];
    strf(rd, sizeof rd, RD, name, z->c.mode, z->model, name, name, name, name, NAME, NAME, NAME, name, name, NAME, NAME, NAME);
    strf(path, sizeof path, "%s/README.md", dir);
    if (write_text(path, rd)) return 1;
    fprintf(z->out, "[INFO] : C project: %s (make: lib%s.a for arm-none-eabi-gcc)\n", dir, name);
    json_step(z, "deployment", z->model, report, NULL);
    return 0;
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int step_predict(zoo_run *z)
{
    const char *dir = z->c.prediction_path;
    if (!dir) return cli_error(CMD, "%s: prediction needs dataset.prediction_path (or prediction.test_files_path)", z->cfgname);
    DIR *d = opendir(dir);
    if (!d) return cli_error(CMD, "%s: cannot open folder", dir);
    char **files = NULL;
    int n = 0, cap = 0, rc = 1;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *x = strrchr(e->d_name, '.');
        if (e->d_name[0] == '.' || !x || (strcasecmp(x, ".png") && strcasecmp(x, ".jpg") && strcasecmp(x, ".jpeg"))) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nf = realloc(files, sizeof(char *) * (size_t)cap);
            if (!nf) break;
            files = nf;
        }
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        if (!(files[n] = malloc(l))) break;
        strf(files[n++], l, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (!n) {
        cli_error(CMD, "%s: no PNG or JPEG images", dir);
        goto done;
    }
    qsort(files, (size_t)n, sizeof(char *), cmp_path);
    char sb[1024], report[4400];
    stem(z->model, sb, sizeof sb);
    strf(report, sizeof report, "%s/predictions_%s.json", z->run, sb);
    int argc = 0;
    char **argv = malloc(sizeof(char *) * (size_t)(n + 40));
    if (!argv) goto done;
    args a = {0};
    arg(&a, "classify");
    arg(&a, (char *)z->model);
    arg(&a, "--json");
    if (z->labels[0]) {
        arg(&a, "--labels");
        argf(&a, "%s", z->labels);
    }
    pre_args(z, &a);
    for (int i = 0; i < a.n; i++) argv[argc++] = a.v[i];
    for (int i = 0; i < n; i++) argv[argc++] = files[i];
    argv[argc] = NULL;
    rc = run_step(z, cmd_classify, argv, report);
    free(argv);
    if (!rc) {
        fprintf(z->out, "[INFO] : Predictions of %d images: %s\n", n, report);
        json_step(z, "prediction", z->model, report, NULL);
    }
done:
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
    return rc;
}

/* The class names for eval/classify: dataset.classes_file_path, or dataset.class_names written out. */
static int class_names(zoo_run *z)
{
    const zoo_cfg *c = &z->c;
    if (c->classes_file) {
        strf(z->labels, sizeof z->labels, "%s", c->classes_file);
        return 0;
    }
    if (!c->class_names) return 0;
    if (c->class_names->kind != ZC_SEQ)
        return cli_error(CMD, "%s: key 'dataset.class_names': give a YAML list of names ([a, b, c])", z->cfgname);
    strf(z->labels, sizeof z->labels, "%s/class_names.txt", z->run);
    FILE *f = fopen(z->labels, "wb");
    if (!f) return cli_error(CMD, "%s: cannot write", z->labels);
    for (int i = 0; i < c->class_names->n; i++) fprintf(f, "%s\n", c->class_names->kids[i].str);
    return fclose(f) ? cli_error(CMD, "%s: cannot write", z->labels) : 0;
}

int cmd_zoo(int argc, char **argv)
{
    long threads = 1;
    int json = 0, npos;
    const cli_opt opts[] = {
        CLI_OPT_DOC("CONFIG.yaml", "the services' user_config.yaml"),
        CLI_OPT_DOC("key.path=value", "Hydra overrides: key.path=value, +key.path=value (add), ~key.path"),
        CLI_OPT_THREADS(&threads, "worker threads for every step (default 1)"),
        CLI_OPT_JSON(&json, "a JSON summary on stdout: run folder, log, each step's report and accuracy"),
    };
    const cli_cmd cmd = {.name = CMD, .head = HEAD, .tail = TAIL, .width = 18, .min_args = 1, .max_args = -1,
                         .missing = "no config given (dlakit zoo CONFIG.yaml)", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    zoo_run z;
    memset(&z, 0, sizeof z);
    z.cfgname = argv[1];
    z.threads = threads;
    z.out = json ? stderr : stdout;
    zc_node root;
    dlk_err err;
    if (zc_load(z.cfgname, &root, &err)) return cli_error(CMD, "%s", err.msg);
    int rc = 1;
    char *js_buf = NULL;
    size_t js_len = 0;
    for (int i = 2; i <= npos; i++)
        if (zc_override(&root, argv[i], &err)) {
            rc = cli_usage_error(CMD, "%s", err.msg);
            goto out;
        }
    if (!zc_get(&root, "hydra.run.dir") && zc_override(&root, "++hydra.run.dir=experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}", &err)) {
        cli_error(CMD, "%s", err.msg);
        goto out;
    }
    if (zc_resolve(&root, &err) || zoo_cfg_read(&root, z.cfgname, &z.c, warn_line, NULL, &err)) {
        cli_error(CMD, "%s", err.msg);
        goto out;
    }
    const char *mode = z.c.mode;
    if (!strcmp(mode, "training") || !strncmp(mode, "chain_t", 7)) {
        cli_error(CMD, "operation_mode '%s': training is not supported by dlakit yet (there is no finetune command); train "
                       "with the services, then run evaluation, quantization, benchmarking or deployment here",
                  mode);
        goto out;
    }
    if (!z.c.model_path) {
        cli_error(CMD, "%s: key 'model.model_path' is missing (dlakit runs ONNX files; it does not download pretrained "
                       "weights by model.model_name)",
                  z.cfgname);
        goto out;
    }
    /* the steps: e (evaluate), q (quantize), b (benchmark), d (deploy), p (predict) */
    const char *steps = !strcmp(mode, "evaluation") ? "e" : !strcmp(mode, "quantization") ? "q" : !strcmp(mode, "prediction") ? "p"
                        : !strcmp(mode, "benchmarking") ? "b" : !strcmp(mode, "deployment") ? "d" : !strcmp(mode, "chain_eqe") ? "eqe"
                        : !strcmp(mode, "chain_qb") ? "qb" : !strcmp(mode, "chain_eqeb") ? "eqeb" : "qd";
    strf(z.run, sizeof z.run, "%s", z.c.run_dir);
    if (mkdirs(z.run)) {
        cli_error(CMD, "%s: cannot make the run folder (hydra.run.dir)", z.run);
        goto out;
    }
    if (json) z.js = open_memstream(&js_buf, &js_len);
    z.model = z.c.model_path;
    if (class_names(&z) || zoo_log(&z, "operation_mode: %s", mode)) goto out;
    fprintf(stderr, "[INFO] : run folder %s\n", z.run);
    if (z.c.eval_target && strcasecmp(z.c.eval_target, "host") && strchr(steps, 'e'))
        fprintf(stderr, "[INFO] : evaluation.target %s: dlakit evaluates on the host, with the int8 arithmetic of the "
                        "integer kernels an MCU runs\n", z.c.eval_target);
    if (z.c.board && strchr(steps, 'b'))
        fprintf(stderr, "[INFO] : benchmarking.board %s: no board here; host time from dlakit bench, MCU memory and MACs "
                        "from dlakit analyze\n", z.c.board);
    if (is_torch(&z.c))
        fprintf(stderr, "[INFO] : model.framework torch: timm's eval transform (bicubic resize to size/0.875, center crop, "
                        "ImageNet mean/std unless preprocessing.mean/std); preprocessing.rescaling and resizing are not used\n");
    for (const char *s = steps; *s; s++) {
        int bad = *s == 'e' ? step_eval(&z) : *s == 'q' ? step_quantize(&z) : *s == 'b' ? step_bench(&z) : *s == 'd' ? step_deploy(&z) : step_predict(&z);
        if (bad) goto out;
    }
    if (zoo_log(&z, "operation finished: %s", mode)) goto out;
    fprintf(z.out, "[INFO] : %s complete.\n", mode);
    rc = 0;
out:
    if (z.js) {
        fclose(z.js);
        if (!rc) {
            printf("{\"operation_mode\":");
            cli_json_str(stdout, z.c.mode);
            printf(",\"run_dir\":");
            cli_json_str(stdout, z.run);
            char logp[4200];
            strf(logp, sizeof logp, "%s/stm32ai_main.log", z.run);
            printf(",\"log\":");
            cli_json_str(stdout, logp);
            printf(",\"warnings\":%d,\"steps\":[%s]}\n", z.c.warnings, js_buf ? js_buf : "");
        }
        free(js_buf);
    }
    zc_free(&root);
    return rc;
}
