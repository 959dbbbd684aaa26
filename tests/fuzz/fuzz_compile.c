/* SPDX-License-Identifier: Apache-2.0 */
/* `dlakit compile` / `analyze` on a fuzzed int8 model: load -> the program (plan-only context,
 * steps, arena plan) -> the generated C written to a per-process folder (removed at exit). The plan
 * must pass dlk_plan_check (no two live buffers overlap, alignment, inside the arena) and its peak
 * must not be below the layer-by-layer lower bound; beyond the plan, what the generated code relies
 * on: every value a step reads or writes (a Concat part written into its slice, an Add written
 * over its input, a Flatten alias) lies inside its buffer, that buffer is alive at the step, and a
 * step's scratch is as large as its operator asks and alive at it. A model the program refuses must
 * say why.
 *
 * Differential mode (slow: a C compiler per input), DLK_FUZZ_COMPILE_CC=N: one accepted program in N
 * is built by the system cc (-std=c99 -Wall -Wextra -pedantic -Werror, as a shared object), loaded,
 * and run on an image made from the input; its scores must equal the library's bit for bit
 * (`dlakit run`'s path). A build failure or a difference aborts. */
#include "fuzz_common.h"
#include "codegen/program.h"

#include "image/image.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64];
static long n_diff; /* programs built by cc and compared */

static void report(void)
{
    if (n_diff) fprintf(stderr, "fuzz_compile: %ld generated programs built by cc and equal to the runtime\n", n_diff);
}

static void cleanup(void)
{
    static const char *const files[] = {"fz.c", "fz.h", "fz.so", "cc.log"};
    char f[96];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, files[i]);
        remove(f);
    }
    rmdir(dir);
}

static void broken(const char *what, long long a, long long b)
{
    fprintf(stderr, "compile invariant broken: %s (%lld, %lld)\n", what, a, b);
    abort();
}

/* Value v (read or written by step i) lies inside its buffer, which is alive at step i. */
static void check_value(const dlk_program *p, int v, int i)
{
    if (v < 0) return;
    int b = p->buf_of_value[v];
    if (b < 0) return; /* the caller's image or scores, or a constant */
    if (b >= p->n_bufs) broken("buffer index", v, b);
    const dlk_plan_buf *pb = &p->bufs[b];
    size_t bytes = p->ctx->t[v].bytes;
    if (!bytes) return;
    if (p->value_off[v] > pb->size || bytes > pb->size - p->value_off[v]) broken("value outside its buffer", v, b);
    if (i < pb->first || i > pb->last) broken("buffer not alive at a step that uses it", v, i);
}

static void check_program(const dlk_program *p)
{
    if (dlk_plan_check(p->bufs, p->n_bufs, p->align, p->arena_bytes)) broken("plan: overlap, alignment or outside", p->n_bufs, 0);
    if (p->arena_bytes < p->lower_bound) broken("arena below the lower bound", (long long)p->arena_bytes, (long long)p->lower_bound);
    const dlk_graph *g = p->g;
    for (int i = 0; i < p->n_steps; i++) {
        const dlk_node *n = &g->nodes[i];
        if (p->steps[i].kind == DLK_STEP_ALIAS) continue; /* moves no bytes: its output is checked where it is used */
        for (int k = 0; k < n->n_in; k++) check_value(p, n->in[k], i);
        for (int k = 0; k < n->n_out; k++) check_value(p, n->out[k], i);
        int sb = p->scratch_buf[i];
        if (sb >= 0) {
            if (sb >= p->n_bufs) broken("scratch index", i, sb);
            const dlk_plan_buf *b = &p->bufs[sb];
            /* a conv's scratch is the target kernel's (none for the reference kernel) */
            const dlk_op *op = &p->ctx->ops[i];
            size_t want = op->scratch_bytes;
            if (p->steps[i].kind == DLK_STEP_CONV) want = dlk_mcu_conv_ok(p->target, op) ? dlk_mcu_conv_scratch(p->target, op) : 0;
            if (b->size < want || i < b->first || i > b->last) broken("scratch", i, sb);
        }
    }
}

/* The generated C of p (dir/fz.c) against the library on one image made from data. */
static void differential(const dlk_model *m, const dlk_program *p, const uint8_t *data, size_t size)
{
    char cmd[512], so[96];
    snprintf(so, sizeof so, "%s/fz.so", dir);
    snprintf(cmd, sizeof cmd,
             "cc -std=c99 -O0 -Wall -Wextra -pedantic -Werror -ffp-contract=off -shared -fPIC -I%s %s/fz.c -o %s -lm >%s/cc.log 2>&1",
             dir, dir, so, dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "head -c 3000 %s/cc.log >&2", dir);
        if (system(cmd)) {}
        broken("the generated C does not build", 0, 0);
    }
    const size_t px = (size_t)p->in_h * p->in_w * 3;
    uint8_t *img = malloc(px);
    float *x = malloc(px * sizeof *x);
    const float *want;
    if (!img || !x) abort();
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
    for (size_t i = 0; i < px; i++) img[i] = (uint8_t)((h = h * 1103515245u + 12345u) >> 24);
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, p->in_h, p->in_w);
    dlk_normalize_nchw(img, p->in_h, p->in_w, &o, x);
    dlk_shape in = {.dtype = DLK_FLOAT, .ndim = 4, .dims = {1, 3, p->in_h, p->in_w}};
    dlk_err err;
    dlk_ctx *c = dlk_ctx_new(m, &in, 1, &err);
    if (!c) broken("compile accepted a model the runtime refuses", 0, 0);
    memcpy(dlk_ctx_input(c, 0, NULL), x, px * sizeof *x);
    if (dlk_ctx_run(c, &err)) broken("the runtime failed on a compiled model", 0, 0);
    want = dlk_ctx_output(c, 0, NULL);
    void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!lib) broken("dlopen of the generated program", 0, 0);
    int (*run)(const uint8_t *, float *);
    *(void **)&run = dlsym(lib, "fz_run");
    float *got = calloc((size_t)p->num_classes, sizeof *got);
    if (!run || !got || run(img, got) != 0) broken("fz_run", 0, 0);
    for (int k = 0; k < p->num_classes; k++)
        if (memcmp(&got[k], &want[k], sizeof *got)) broken("the generated C's score differs from the runtime's", k, p->num_classes);
    dlclose(lib);
    remove(so);
    if (n_diff++ == 0) atexit(report);
    free(got);
    dlk_ctx_free(c);
    free(img);
    free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/dlk-fuzz-compile-%d", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
        mkdir(dir, 0700);
        atexit(cleanup);
    }
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer(data, size, "fuzz.onnx", &err);
    if (!m) {
        if (!err.msg[0]) abort();
        return 0;
    }
    dlk_program p;
    memset(&p, 0, sizeof p);
    /* the declared size, or a small one (sizes come from the last byte: 0 = declared) */
    const int sz = size ? (data[size - 1] & 3) * 16 : 0;
    /* and the target (bits 2-3: generic, cortex-m55, cortex-m7, cortex-m4): its conv geometry,
     * scratch and weight packing */
    const dlk_target target = size ? (dlk_target)((data[size - 1] >> 2) & 3) : DLK_TARGET_GENERIC;
    if (dlk_program_build_for(m, sz, sz, target, &p, &err)) {
        if (!err.msg[0]) abort();
    } else {
        check_program(&p);
        uint8_t lut[3][256];
        dlk_program_input_tables(&p, lut);
        fuzz_sink(lut[2][255]);
        static long every = -1, accepted;
        if (every < 0) every = getenv("DLK_FUZZ_COMPILE_CC") ? atol(getenv("DLK_FUZZ_COMPILE_CC")) : 0;
        int wrote = dlk_codegen_write(&p, "fz", dir, "fuzz.onnx", &err) == 0;
        if (!wrote && !err.msg[0]) abort();
        if (wrote && every > 0 && accepted++ % every == 0) differential(m, &p, data, size);
    }
    dlk_program_free(&p);
    dlk_model_free(m);
    return 0;
}
