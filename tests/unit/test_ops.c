/* SPDX-License-Identifier: Apache-2.0 */
/* The operator table (ops/ops.h): identities, counts and lookups agree; dlk_ops_resolve checks a
 * node's input and output counts once, naming the node; each convolution's MAC count (the op's
 * macs(), which bench --profile and analyze report) equals an independent count from its shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ops/conv.h"
#include "runtime/runtime.h"
#include "util/err.h"

static const dlk_opdef *const all_ops[] = {
#define REF(n) &dlk_op_##n,
    DLK_OPS(REF)
#undef REF
};

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(sizeof all_ops / sizeof all_ops[0], DLK_OP_COUNT);
    for (int i = 0; i < DLK_OP_COUNT; i++) {
        const dlk_opdef *d = all_ops[i];
        assert_int_equal(d->id, i);
        assert_true(d->min_in >= 1 && d->min_in <= d->max_in && d->max_in <= DLK_OP_MAX_IN);
        assert_true(d->max_out >= 1 && d->max_out <= DLK_OP_MAX_OUT);
        assert_non_null(d->prepare);
        assert_non_null(d->run);
        /* the contrib operators are found under their domain only */
        char name[64];
        int contrib = !strcmp(d->name, "QLinearAdd") || !strcmp(d->name, "QLinearConcat") ||
                      !strcmp(d->name, "QLinearGlobalAveragePool") || !strcmp(d->name, "QLinearAveragePool") ||
                      !strcmp(d->name, "QLinearLeakyRelu");
        snprintf(name, sizeof name, "%s%s", contrib ? "com.microsoft:" : "", d->name);
        assert_ptr_equal(dlk_op_lookup(name), d);
        if (contrib) assert_null(dlk_op_lookup(d->name));
    }
    assert_null(dlk_op_lookup("LSTM"));
    /* MACs are counted for convolutions and matrix products only */
    assert_non_null(dlk_op_Conv.macs);
    assert_non_null(dlk_op_QLinearConv.macs);
    assert_non_null(dlk_op_Gemm.macs);
    assert_null(dlk_op_Add.macs);
}

/* One node op_type with n_in inputs (value names "v0".., "" for slot empty_in) and n_out outputs
 * ("" for output empty_out); returns dlk_ops_resolve's result, the message in err. */
static int resolve_one(const char *op_type, int n_in, int empty_in, int n_out, int empty_out, dlk_err *err,
                       const dlk_opdef **op)
{
    dlk_graph g;
    dlk_graph_init(&g, "t.onnx");
    int in[8], out[4];
    char nm[16];
    for (int i = 0; i < n_in; i++) {
        snprintf(nm, sizeof nm, "v%d", i);
        in[i] = i == empty_in ? -1 : dlk_graph_value(&g, nm);
    }
    for (int i = 0; i < n_out; i++) {
        snprintf(nm, sizeof nm, "y%d", i);
        out[i] = i == empty_out ? -1 : dlk_graph_value(&g, nm);
    }
    assert_true(dlk_graph_add_node(&g, "n", op_type, in, n_in, out, n_out) >= 0);
    dlk_err_clear(err);
    int rc = dlk_ops_resolve(&g, err);
    *op = g.nodes[0].op;
    dlk_graph_free(&g);
    return rc;
}

static void test_resolve(void **state)
{
    (void)state;
    dlk_err err;
    const dlk_opdef *op;
    assert_int_equal(resolve_one("Relu", 1, -1, 1, -1, &err, &op), 0);
    assert_ptr_equal(op, &dlk_op_Relu);
    assert_int_equal(resolve_one("com.microsoft:QLinearAdd", 7, -1, 1, -1, &err, &op), 0);
    assert_ptr_equal(op, &dlk_op_QLinearAdd);
    assert_int_not_equal(resolve_one("Relu", 2, -1, 1, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (Relu): takes 1 input, has 2");
    assert_int_not_equal(resolve_one("QLinearConv", 7, -1, 1, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (QLinearConv): takes 8 to 9 inputs, has 7");
    /* an optional input may be empty, a required one not; every part of a Concat is required */
    assert_int_equal(resolve_one("Conv", 3, 2, 1, -1, &err, &op), 0);
    assert_int_not_equal(resolve_one("Conv", 3, 1, 1, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (Conv): input 1 is required but its name is empty");
    assert_int_not_equal(resolve_one("Concat", 3, 2, 1, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (Concat): input 2 is required but its name is empty");
    /* only output 0 is computed: MaxPool's Indices may be declared empty, not named */
    assert_int_equal(resolve_one("MaxPool", 1, -1, 2, 1, &err, &op), 0);
    assert_int_not_equal(resolve_one("MaxPool", 1, -1, 2, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (MaxPool): output 1 is not supported");
    assert_int_not_equal(resolve_one("Relu", 1, -1, 2, 1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (Relu): must have 1 output");
    assert_int_not_equal(resolve_one("Relu", 1, -1, 1, 0, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n' (Relu): output 0 is required but its name is empty");
    assert_int_not_equal(resolve_one("QLinearAdd", 8, -1, 1, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n': operator 'QLinearAdd' is not supported by dlakit");
    /* Split computes every output */
    assert_int_equal(resolve_one("Split", 2, -1, 4, -1, &err, &op), 0);
    assert_ptr_equal(op, &dlk_op_Split);
    assert_int_equal(resolve_one("com.microsoft:QLinearAveragePool", 5, -1, 1, -1, &err, &op), 0);
    assert_ptr_equal(op, &dlk_op_QLinearAveragePool);
    assert_int_not_equal(resolve_one("QLinearLeakyRelu", 5, -1, 1, -1, &err, &op), 0);
    assert_string_equal(err.msg, "t.onnx: node 'n': operator 'QLinearLeakyRelu' is not supported by dlakit");
}

/* Every convolution's macs() against N * M * oH * oW * (C / group) * kH * kW from the shapes. */
static void check_conv_macs(const char *path, int64_t want_total)
{
    dlk_err err;
    dlk_model *m = dlk_model_load(path, &err);
    if (!m) fail_msg("%s: %s", path, err.msg);
    dlk_shape s = dlk_model_input_shape(m, 0);
    s.dims[0] = 1;
    dlk_ctx *c = dlk_ctx_new(m, &s, 1, &err);
    if (!c) fail_msg("%s: %s", path, err.msg);
    int64_t total = 0;
    int convs = 0;
    for (int i = 0; i < dlk_ctx_num_nodes(c); i++) {
        const dlk_op *op = &c->ops[i];
        const int64_t macs = dlk_ctx_node_macs(c, i);
        total += macs;
        int ws = op->node->op == &dlk_op_Conv ? DLK_CONV_W : op->node->op == &dlk_op_QLinearConv ? DLK_QCONV_W : -1;
        if (ws < 0) {
            assert_int_equal(macs, 0); /* the DLA classifiers have no Gemm / MatMul */
            continue;
        }
        const dlk_shape *w = &op->in[ws]->shape, *y = &op->out[0]->shape;
        assert_int_equal(macs, y->dims[0] * y->dims[1] * y->dims[2] * y->dims[3] * w->dims[1] * w->dims[2] * w->dims[3]);
        convs++;
    }
    assert_true(convs > 10);
    assert_int_equal(total, want_total);
    dlk_ctx_free(c);
    dlk_model_free(m);
}

static void test_macs(void **state)
{
    (void)state;
    /* 64 x 64 inputs: the float model's convs (some with a fused Add) and the int8 model's
     * QLinearConvs count alike */
    check_conv_macs("../models/dla46c_mnist_64/dla46c_mnist_64.onnx", 46860800);
    check_conv_macs("../models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx", 46860800);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_table), cmocka_unit_test(test_resolve),
                                          cmocka_unit_test(test_macs)};

int main(void) { return cmocka_run_group_tests(tests, NULL, NULL); }
