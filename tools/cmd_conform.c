/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit conform: run ONNX backend node tests (model.onnx + test_data_set_N/{input,output}_K.pb). */
#include "cli.h"
#include "onnx/onnx.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char HEAD[] =
    "usage: dlakit conform DIR... [--json] [--verbose]\n"
    "\n"
    "Runs ONNX backend node tests: each DIR holds model.onnx and test_data_set_*/ folders with\n"
    "input_K.pb and output_K.pb (as Debian's libonnx-testdata installs them under\n"
    "/usr/share/libonnx-testdata/data/node). A DIR without model.onnx is searched one level down.\n"
    "Outputs are compared as ONNX's backend runner does: float with rtol 1e-3 and atol 1e-7,\n"
    "integers exactly. Prints PASS/FAIL per test and a total; exits 1 if any test failed.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Example:\n"
    "  dlakit conform /usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding\n";

/* dst = a/b; fails when it does not fit. */
static int path_join(char *dst, size_t n, const char *a, const char *b)
{
    int k = snprintf(dst, n, "%s/%s", a, b);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names of subfolders of dir starting with prefix (malloc'd array of malloc'd strings). */
static int list_dirs(const char *dir, const char *prefix, char ***out)
{
    DIR *d = opendir(dir);
    *out = NULL;
    if (!d) return 0;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix))) continue;
        char p[4096];
        if (path_join(p, sizeof p, dir, e->d_name) || !is_dir(p)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(*out, sizeof(char *) * cap);
            if (!nv) break;
            *out = nv;
        }
        size_t l = strlen(e->d_name) + 1;
        (*out)[n] = malloc(l);
        if (!(*out)[n]) break;
        memcpy((*out)[n++], e->d_name, l);
    }
    closedir(d);
    if (n) qsort(*out, n, sizeof(char *), cmp_str);
    return n;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

typedef struct {
    dlk_shape shape;
    void *data;
} tensor;

static int load_tensors(const char *dir, const char *prefix, tensor *t, int cap, dlk_err *err)
{
    int n = 0;
    for (; n < cap; n++) {
        char p[4096], f[64];
        snprintf(f, sizeof f, "%s_%d.pb", prefix, n);
        if (path_join(p, sizeof p, dir, f) || !file_exists(p)) break;
        if (dlk_onnx_read_tensor_file(p, &t[n].shape, &t[n].data, NULL, 0, err)) {
            for (int i = 0; i < n; i++) free(t[i].data);
            return -1;
        }
    }
    return n;
}

/* Compares like numpy.testing.assert_allclose(rtol=1e-3, atol=1e-7) for float, exact otherwise. */
static int compare(const dlk_shape *gs, const void *got, const tensor *want, char *msg, size_t n)
{
    if (gs->dtype != want->shape.dtype) {
        snprintf(msg, n, "output type %s, expected %s", dlk_dtype_name(gs->dtype), dlk_dtype_name(want->shape.dtype));
        return 0;
    }
    if (dlk_shape_numel(gs) != dlk_shape_numel(&want->shape) || gs->ndim != want->shape.ndim) {
        snprintf(msg, n, "output has %lld elements in %d dimensions, expected %lld in %d", (long long)dlk_shape_numel(gs), gs->ndim,
                 (long long)dlk_shape_numel(&want->shape), want->shape.ndim);
        return 0;
    }
    for (int i = 0; i < gs->ndim; i++)
        if (gs->dims[i] != want->shape.dims[i]) {
            snprintf(msg, n, "output dimension %d is %lld, expected %lld", i, (long long)gs->dims[i], (long long)want->shape.dims[i]);
            return 0;
        }
    int64_t ne = dlk_shape_numel(gs), bad = 0, first = -1;
    for (int64_t i = 0; i < ne; i++) {
        int ok;
        if (gs->dtype == DLK_FLOAT) {
            float a = ((const float *)got)[i], b = ((const float *)want->data)[i];
            ok = (isnan(a) && isnan(b)) || (a == b) || fabs((double)a - b) <= 1e-7 + 1e-3 * fabs((double)b);
        } else {
            size_t es = dlk_dtype_size(gs->dtype);
            ok = !memcmp((const char *)got + i * es, (const char *)want->data + i * es, es);
        }
        if (!ok && !bad++) first = i;
    }
    if (bad) {
        if (gs->dtype == DLK_FLOAT)
            snprintf(msg, n, "%lld of %lld values differ (first at %lld: %g, expected %g)", (long long)bad, (long long)ne,
                     (long long)first, ((const float *)got)[first], ((const float *)want->data)[first]);
        else
            snprintf(msg, n, "%lld of %lld values differ (first at %lld)", (long long)bad, (long long)ne, (long long)first);
        return 0;
    }
    return 1;
}

#define MAXT 16

/* Runs one data set; returns 1 pass, 0 fail (msg says why). */
static int run_set(const char *model_path, const char *set_dir, char *msg, size_t n)
{
    tensor in[MAXT], out[MAXT];
    dlk_err err;
    int nin = load_tensors(set_dir, "input", in, MAXT, &err), nout = -1, ok = 0;
    dlk_model *m = NULL;
    dlk_ctx *c = NULL;
    if (nin < 0) {
        snprintf(msg, n, "%s", err.msg);
        return 0;
    }
    nout = load_tensors(set_dir, "output", out, MAXT, &err);
    if (nout < 0) {
        snprintf(msg, n, "%s", err.msg);
        goto done;
    }
    m = dlk_model_load(model_path, &err);
    if (!m) {
        snprintf(msg, n, "%s", err.msg);
        goto done;
    }
    if (dlk_model_num_inputs(m) != nin || dlk_model_num_outputs(m) != nout) {
        snprintf(msg, n, "model has %d inputs and %d outputs, the data set %d and %d", dlk_model_num_inputs(m),
                 dlk_model_num_outputs(m), nin, nout);
        goto done;
    }
    /* inputs that shape the graph or its prepared parameters become constants */
    int map[MAXT], nrun = 0;
    char is_static[MAXT];
    for (int i = 0; i < nin; i++) is_static[i] = (char)dlk_model_input_is_static(m, i);
    for (int i = nin - 1; i >= 0; i--)
        if (is_static[i] && dlk_model_bind_input(m, i, &in[i].shape, in[i].data, &err)) {
            snprintf(msg, n, "%s", err.msg);
            goto done;
        }
    dlk_shape shapes[MAXT];
    for (int i = 0; i < nin; i++)
        if (!is_static[i]) {
            map[nrun] = i;
            shapes[nrun++] = in[i].shape;
        }
    c = dlk_ctx_new(m, shapes, nrun, &err);
    if (!c) {
        snprintf(msg, n, "%s", err.msg);
        goto done;
    }
    for (int k = 0; k < nrun; k++) {
        void *dst = dlk_ctx_input(c, k, NULL);
        size_t bytes = (size_t)dlk_shape_numel(&in[map[k]].shape) * dlk_dtype_size(in[map[k]].shape.dtype);
        if (bytes) memcpy(dst, in[map[k]].data, bytes);
    }
    if (dlk_ctx_run(c, &err)) {
        snprintf(msg, n, "%s", err.msg);
        goto done;
    }
    ok = 1;
    for (int k = 0; k < nout && ok; k++) {
        dlk_shape gs;
        const void *y = dlk_ctx_output(c, k, &gs);
        char sub[400];
        if (!compare(&gs, y, &out[k], sub, sizeof sub)) {
            snprintf(msg, n, "output %d: %s", k, sub);
            ok = 0;
        }
    }
done:
    dlk_ctx_free(c);
    dlk_model_free(m);
    for (int i = 0; i < nin; i++) free(in[i].data);
    for (int i = 0; i < nout; i++) free(out[i].data);
    return ok;
}

static int run_test(const char *dir, char *msg, size_t n)
{
    char model[4096];
    if (path_join(model, sizeof model, dir, "model.onnx")) {
        snprintf(msg, n, "path too long");
        return 0;
    }
    char **sets;
    int ns = list_dirs(dir, "test_data_set_", &sets);
    if (ns == 0) {
        snprintf(msg, n, "no test_data_set_* folders");
        return 0;
    }
    int ok = 1;
    for (int s = 0; s < ns && ok; s++) {
        char sd[4096], sub[DLK_ERR_LEN + 100];
        if (path_join(sd, sizeof sd, dir, sets[s]) || !run_set(model, sd, sub, sizeof sub)) {
            if (snprintf(msg, n, "%s: %s", sets[s], sub) < 0) msg[0] = 0;
            ok = 0;
        }
    }
    free_list(sets, ns);
    return ok;
}

static const char *base_name(const char *p)
{
    size_t l = strlen(p);
    while (l > 1 && p[l - 1] == '/') l--;
    const char *b = p + l;
    while (b > p && b[-1] != '/') b--;
    return b;
}

int cmd_conform(int argc, char **argv)
{
    int json = 0, verbose = 0, npaths;
    const cli_opt opts[] = {
        CLI_OPT_JSON(&json, "one JSON object: {\"tests\":[{\"name\",\"passed\",\"message\"}],\"passed\":N,\"failed\":N}"),
        CLI_FLAG_OPT("--verbose", &verbose, "say why a test failed in the text output too"),
    };
    const cli_cmd cmd = {.name = "conform", .head = HEAD, .tail = TAIL, .width = 12, .min_args = 1,
                         .max_args = -1, .missing = "no test folder given", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npaths);
    if (r != CLI_GO) return r;
    char **paths = argv + 1;
    int passed = 0, failed = 0;
    if (json) printf("{\"tests\":[");
    for (int i = 0; i < npaths; i++) {
        char model[4096];
        char **subs = NULL;
        int nsub = 0;
        if (path_join(model, sizeof model, paths[i], "model.onnx") || !file_exists(model)) {
            if (!is_dir(paths[i])) {
                cli_error("conform", "%s: no such folder", paths[i]);
                return 1;
            }
            nsub = list_dirs(paths[i], "", &subs);
            if (nsub <= 0) {
                cli_error("conform", "%s: no model.onnx and no test folders in it", paths[i]);
                free_list(subs, nsub > 0 ? nsub : 0);
                failed++;
                continue;
            }
        }
        for (int k = 0; k < (subs ? nsub : 1); k++) {
            char dir[4096];
            if (subs ? path_join(dir, sizeof dir, paths[i], subs[k]) : snprintf(dir, sizeof dir, "%s", paths[i]) >= (int)sizeof dir)
                continue;
            char msg[1200] = "";
            int ok = run_test(dir, msg, sizeof msg);
            ok ? passed++ : failed++;
            if (json) {
                printf("%s{\"name\":", passed + failed > 1 ? "," : "");
                cli_json_str(stdout, base_name(dir));
                printf(",\"passed\":%s,\"message\":", ok ? "true" : "false");
                cli_json_str(stdout, msg);
                printf("}");
            } else {
                printf("%s %s", ok ? "PASS" : "FAIL", base_name(dir));
                if (!ok && verbose) printf(": %s", msg);
                printf("\n");
            }
        }
        free_list(subs, nsub);
    }
    if (json) printf("],\"passed\":%d,\"failed\":%d}\n", passed, failed);
    else printf("conform: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
