/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Threads inside one run: the bundled MNIST DLA-46-C (float, QDQ int8 and QOperator int8 files)
 * gives the same bits with 1, 2 and 3 threads per context (every output element is computed by one
 * thread in the same order), also after switching the thread count back and forth; the profiling
 * run gives the same bits as a plain run; bad thread counts fail cleanly. The float model's fused
 * operators (Conv + Relu, Add + Relu, Conv + Add) give the same bits as the file's own operators
 * run one by one (DLK_LOAD_NO_FUSION). Concat inputs are written in place into their Concat's output
 * (checked on the context's tensors; the outputs above are then the ORT-checked bits).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlakit.h"
#include "runtime/runtime.h"

static const char *MODELS[] = {
    "../models/dla46c_mnist_64/dla46c_mnist_64.onnx",
    "../models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx",
    "../models/dla46c_mnist_64/dla46c_mnist_64_qop_int8.onnx",
};

/* the arena reuses the input's buffer once it is dead: write the input before every run */
static void fill_input(dlk_ctx *c)
{
    dlk_shape s;
    float *x = dlk_ctx_input(c, 0, &s);
    const int64_t nx = dlk_shape_numel(&s);
    for (int64_t i = 0; i < nx; i++) x[i] = (float)(sin((double)i * 0.37) * 1.8);
}

static void run_once(dlk_ctx *c, int threads, int profiled, float *out, size_t n)
{
    dlk_err err;
    fill_input(c);
    assert_int_equal(dlk_ctx_set_threads(c, threads, &err), 0);
    assert_int_equal(dlk_ctx_threads(c), threads);
    if (profiled) {
        double *ms = calloc((size_t)dlk_ctx_num_nodes(c) + 1, sizeof *ms);
        assert_non_null(ms);
        assert_int_equal(dlk_ctx_run_profiled(c, ms, &err), 0);
        free(ms);
    } else {
        assert_int_equal(dlk_ctx_run(c, &err), 0);
    }
    memcpy(out, dlk_ctx_output(c, 0, NULL), n * sizeof(float));
}

/* the model's input shape at batch n and 64x64 (the MNIST model's size) */
static dlk_shape shape64(const dlk_model *m, int n)
{
    dlk_shape s = dlk_model_input_shape(m, 0);
    s.dims[0] = n;
    s.dims[2] = s.dims[3] = 64;
    return s;
}

/* room for context c's output: *n floats */
static float *out_buffer(const dlk_ctx *c, size_t *n)
{
    dlk_shape os;
    dlk_ctx_output(c, 0, &os);
    *n = (size_t)dlk_shape_numel(&os);
    float *y = malloc(*n * sizeof(float));
    assert_non_null(y);
    return y;
}

static void test_threads_same_bits(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof MODELS / sizeof *MODELS; m++) {
        dlk_err err;
        dlk_model *md = dlk_model_load(MODELS[m], &err);
        assert_non_null(md);
        const dlk_shape s = shape64(md, 2); /* a batch of two: the work items also span images */
        dlk_ctx *c = dlk_ctx_new(md, &s, 1, &err);
        assert_non_null(c);
        size_t n;
        float *y1 = out_buffer(c, &n), *y = out_buffer(c, &n);
        run_once(c, 1, 0, y1, n);
        const int seq[] = {2, 3, 1, 2};
        for (int i = 0; i < 4; i++) {
            run_once(c, seq[i], i & 1, y, n);
            assert_memory_equal(y1, y, n * 4);
        }
        assert_int_not_equal(dlk_ctx_set_threads(c, 0, &err), 0);
        assert_true(strlen(err.msg) > 0);
        assert_int_not_equal(dlk_ctx_set_threads(c, 100000, &err), 0);
        free(y1);
        free(y);
        dlk_ctx_free(c);
        dlk_model_free(md);
    }
}

static int count_op(const dlk_ctx *c, const char *op)
{
    int k = 0;
    for (int i = 0; i < dlk_ctx_num_nodes(c); i++) k += !strcmp(dlk_ctx_node_op(c, i), op);
    return k;
}

static void test_fusion_same_bits(void **state)
{
    (void)state;
    dlk_err err;
    dlk_model *mf = dlk_model_load(MODELS[0], &err), *mu = dlk_model_load_ex(MODELS[0], DLK_LOAD_NO_FUSION, &err);
    assert_non_null(mf);
    assert_non_null(mu);
    const dlk_shape s = shape64(mf, 1);
    dlk_ctx *cf = dlk_ctx_new(mf, &s, 1, &err), *cu = dlk_ctx_new(mu, &s, 1, &err);
    assert_non_null(cf);
    assert_non_null(cu);
    /* the file: 49 Convs, 45 Relus, 12 residual Adds, each with a Conv's output (used only there) as
     * an operand; fused: every Relu goes into its Conv or Add, every Add into its Conv */
    assert_int_equal(count_op(cu, "Conv"), 49);
    assert_int_equal(count_op(cu, "Relu"), 45);
    assert_int_equal(count_op(cu, "Add"), 12);
    assert_int_equal(count_op(cf, "Conv"), 49);
    assert_int_equal(count_op(cf, "Relu"), 0);
    assert_int_equal(count_op(cf, "Add"), 0);
    size_t n;
    float *yf = out_buffer(cf, &n), *yu = out_buffer(cu, &n);
    for (int th = 1; th <= 2; th++) {
        run_once(cf, th, 0, yf, n);
        run_once(cu, th, 0, yu, n);
        assert_memory_equal(yf, yu, n * 4);
    }
    free(yf);
    free(yu);
    dlk_ctx_free(cf);
    dlk_ctx_free(cu);
    dlk_model_free(mf);
    dlk_model_free(mu);
}

/* Concat by slices: every input of the MNIST model's 6 float Concats is produced by a node, feeds
 * no other Concat and is not a graph output: each lives at its offset inside the Concat's output */
static void test_concat_slices(void **state)
{
    (void)state;
    dlk_err err;
    dlk_model *m = dlk_model_load(MODELS[0], &err);
    assert_non_null(m);
    dlk_shape s = shape64(m, 1);
    dlk_ctx *c = dlk_ctx_new(m, &s, 1, &err);
    assert_non_null(c);
    int concats = 0, slices = 0;
    for (int i = 0; i < dlk_ctx_num_nodes(c); i++) {
        const dlk_op *op = &c->ops[i];
        if (strcmp(dlk_ctx_node_op(c, i), "Concat")) continue;
        concats++;
        size_t at = 0;
        for (int k = 0; k < op->n_in; k++) {
            const dlk_tensor *t = op->in[k];
            assert_true(t->host != 0);
            assert_ptr_equal(t->data, (const uint8_t *)op->out[0]->data + at);
            at += t->bytes;
            slices++;
        }
        assert_int_equal(at, op->out[0]->bytes);
        assert_int_equal(op->parallel, 0); /* nothing to copy: not dispatched to threads */
    }
    assert_int_equal(concats, 6);
    assert_int_equal(slices, 17);
    dlk_ctx_free(c);
    dlk_model_free(m);
    /* batch 2: the parts are not contiguous, nothing in place */
    dlk_model *m2 = dlk_model_load(MODELS[0], &err);
    assert_non_null(m2);
    s.dims[0] = 2;
    c = dlk_ctx_new(m2, &s, 1, &err);
    assert_non_null(c);
    for (int v = 0; v < c->m->g.n_values; v++) assert_int_equal(c->t[v].host, 0);
    dlk_ctx_free(c);
    dlk_model_free(m2);
}

/* Packed weights once per model: a second context of the same size, or of another batch, packs
 * nothing more (and runs to the same bits) */
static void test_packs_shared(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        dlk_err err;
        dlk_model *md = dlk_model_load(MODELS[m], &err);
        assert_non_null(md);
        dlk_shape s = shape64(md, 1);
        int e0, e1, e2;
        size_t b0, b1, b2;
        dlk_pack_cache_stats(md->packs, &e0, &b0);
        assert_int_equal(e0, 0);
        dlk_ctx *c1 = dlk_ctx_new(md, &s, 1, &err);
        assert_non_null(c1);
        dlk_pack_cache_stats(md->packs, &e1, &b1);
        dlk_ctx *c2 = dlk_ctx_new(md, &s, 1, &err);
        assert_non_null(c2);
        dlk_pack_cache_stats(md->packs, &e2, &b2);
        /* DLA-46-C's 49 Convs each pack once: float on AVX-512, int8 on AVX2, AVX-512 and NEON */
        const char *isa = dlk_isa_in_use();
        const int want = !strcmp(isa, "avx512") || ((!strcmp(isa, "avx2") || !strcmp(isa, "neon")) && m == 1) ? 49 : 0;
        assert_int_equal(e1, want);
        assert_true((b1 > 0) == (want > 0));
        assert_int_equal(e2, e1);
        assert_int_equal(b2, b1);
        size_t n;
        float *y1 = out_buffer(c1, &n), *y2 = out_buffer(c2, &n);
        run_once(c1, 1, 0, y1, n);
        run_once(c2, 2, 0, y2, n);
        assert_memory_equal(y1, y2, n * 4);
        dlk_ctx_free(c1);
        s.dims[0] = 3; /* another batch: the same packed weights */
        dlk_ctx *c3 = dlk_ctx_new(md, &s, 1, &err);
        assert_non_null(c3);
        dlk_pack_cache_stats(md->packs, &e2, &b2);
        assert_int_equal(e2, e1);
        free(y1);
        free(y2);
        dlk_ctx_free(c2);
        dlk_ctx_free(c3);
        dlk_model_free(md);
    }
}

/* the fusion's edge cases (tests/fixtures/engine/make_conv_add.py): the same bits as unfused */
static void test_fusion_edges(void **state)
{
    (void)state;
    const char *path = "fixtures/engine/conv_add.onnx";
    dlk_err err;
    dlk_model *mf = dlk_model_load(path, &err), *mu = dlk_model_load_ex(path, DLK_LOAD_NO_FUSION, &err);
    assert_non_null(mf);
    assert_non_null(mu);
    dlk_shape s = dlk_model_input_shape(mf, 0);
    dlk_ctx *cf = dlk_ctx_new(mf, &s, 1, &err), *cu = dlk_ctx_new(mu, &s, 1, &err);
    assert_non_null(cf);
    assert_non_null(cu);
    assert_int_equal(count_op(cu, "Add"), 3);
    assert_int_equal(count_op(cu, "Relu"), 2);
    assert_int_equal(count_op(cf, "Add"), 1); /* the Add of a Conv output that is also a graph output stays */
    assert_int_equal(count_op(cf, "Relu"), 0);
    assert_int_equal(count_op(cf, "Conv"), 4);
    for (int o = 0; o < 2; o++) {
        dlk_shape os;
        dlk_ctx_output(cf, o, &os);
        assert_int_equal(dlk_shape_numel(&os), 100);
    }
    float yf[2][100], yu[2][100];
    for (int th = 1; th <= 2; th++) {
        run_once(cf, th, 0, yf[0], 100);
        run_once(cu, th, 0, yu[0], 100);
        memcpy(yf[1], dlk_ctx_output(cf, 1, NULL), sizeof yf[1]);
        memcpy(yu[1], dlk_ctx_output(cu, 1, NULL), sizeof yu[1]);
        assert_memory_equal(yf, yu, sizeof yf);
    }
    dlk_ctx_free(cf);
    dlk_ctx_free(cu);
    dlk_model_free(mf);
    dlk_model_free(mu);
}

static void test_isa_name(void **state)
{
    (void)state;
    const char *isa = dlk_isa_in_use();
    assert_true(!strcmp(isa, "ref") || !strcmp(isa, "avx2") || !strcmp(isa, "avx512") || !strcmp(isa, "neon"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_same_bits),
        cmocka_unit_test(test_fusion_same_bits),
        cmocka_unit_test(test_fusion_edges),
        cmocka_unit_test(test_concat_slices),
        cmocka_unit_test(test_packs_shared),
        cmocka_unit_test(test_isa_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
