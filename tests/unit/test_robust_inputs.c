/* SPDX-License-Identifier: Apache-2.0 */
/* Issue #9: every hand-made input of tests/robust (see its README.md) gives the exact refusal or the
 * exact result it must; limits can be raised; node ordering is linear in time. Runs under ASan/UBSan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlakit.h"
#include "graph/graph.h"
#include "image/image.h"

#define R "robust/"

/* Loads R NAME; returns the model or NULL with the message in err. */
static dlk_model *load(const char *name, dlk_err *err)
{
    char path[256];
    snprintf(path, sizeof path, R "%s", name);
    return dlk_model_load(path, err);
}

static void expect_load_error(const char *name, const char *msg)
{
    dlk_err err;
    dlk_model *m = load(name, &err);
    if (m) fail_msg("%s loaded", name);
    assert_string_equal(err.msg, msg);
}

/* Loads and prepares with input [1, c, h, w] (the declared dims where known); NULL + err on failure. */
static dlk_ctx *prepare(const char *name, int64_t h, int64_t w, dlk_model **mp, dlk_err *err)
{
    *mp = load(name, err);
    if (!*mp) fail_msg("%s: %s", name, err->msg);
    dlk_shape s = dlk_model_input_shape(*mp, 0);
    if (s.ndim == 4) {
        if (s.dims[2] < 0) s.dims[2] = h;
        if (s.dims[3] < 0) s.dims[3] = w;
    }
    return dlk_ctx_new(*mp, &s, 1, err);
}

static void expect_ctx_error(const char *name, int64_t h, int64_t w, const char *msg)
{
    dlk_err err;
    dlk_model *m;
    dlk_ctx *c = prepare(name, h, w, &m, &err);
    if (c) fail_msg("%s prepared", name);
    assert_string_equal(err.msg, msg);
    dlk_model_free(m);
}

/* Runs on a fixed input pattern; returns the sum of the outputs and the first output. */
static double run_sum(const char *name, float *first)
{
    dlk_err err;
    dlk_model *m;
    dlk_ctx *c = prepare(name, 8, 8, &m, &err);
    if (!c) fail_msg("%s: %s", name, err.msg);
    dlk_shape is, os;
    float *x = dlk_ctx_input(c, 0, &is);
    for (int64_t i = 0; i < dlk_shape_numel(&is); i++) x[i] = (float)((i * 37) % 17) / 17.0f;
    assert_int_equal(dlk_ctx_run(c, &err), 0);
    const float *y = dlk_ctx_output(c, 0, &os);
    double sum = 0;
    for (int64_t i = 0; i < dlk_shape_numel(&os); i++) sum += y[i];
    *first = y[0];
    dlk_ctx_free(c);
    dlk_model_free(m);
    return sum;
}

/* 1. crashes */
static void crashes(void **state)
{
    (void)state;
    expect_load_error("dq_empty_input.onnx",
                      R "dq_empty_input.onnx: node 'dqx' (DequantizeLinear): input 0 is required but its name is empty");
    expect_ctx_error("maxpool_int8_scale.onnx", 0, 0,
                     R "maxpool_int8_scale.onnx: node '#1' (DequantizeLinear): scale must be float");
    expect_ctx_error("reshape_overflow.onnx", 0, 0,
                     R "reshape_overflow.onnx: node '#0' (Reshape): the shape's element count overflows");
    expect_ctx_error("input_overflow.onnx", 0, 0,
                     R "input_overflow.onnx: input 'x' [1,1073741824,131072,131072] is too large (its element count "
                       "overflows)");
    dlk_shape s = {DLK_FLOAT, 4, {1, (int64_t)1 << 30, (int64_t)1 << 17, (int64_t)1 << 17}};
    assert_int_equal(dlk_shape_numel(&s), -1);
    size_t b;
    assert_int_not_equal(dlk_shape_bytes(&s, &b), 0);
    dlk_shape ok = {DLK_FLOAT, 3, {2, 3, 4}};
    assert_int_equal(dlk_shape_bytes(&ok, &b), 0);
    assert_int_equal(b, 96);
}

/* 3. memory bombs: refused by the limits, accepted once raised */
static void limits(void **state)
{
    (void)state;
    expect_ctx_error("conv_pads_4096.onnx", 0, 0,
                     R "conv_pads_4096.onnx: node '#0' (Conv): output 'y' would take 4296015936 bytes; the limit is "
                       "1073741824 bytes (raise it with --max-tensor-bytes or DLAKIT_MAX_TENSOR_BYTES)");
    dlk_limits old, l = {0, 8ULL << 30, 0};
    dlk_limits_get(&old);
    dlk_limits_set(&l);
    {
        dlk_err err;
        dlk_model *m;
        dlk_ctx *c = prepare("conv_pads_4096.onnx", 0, 0, &m, &err);
        assert_null(c);
        /* the byte count is the planner's (alignment included): at least the output's 4296015936 */
        long long n = 0;
        assert_int_equal(sscanf(err.msg, R "conv_pads_4096.onnx: the arena would take %lld bytes;", &n), 1);
        assert_true(n >= 4296015936LL);
        assert_non_null(strstr(err.msg, " bytes; the limit is 2147483648 bytes (raise it with --max-arena-bytes or "
                                        "DLAKIT_MAX_ARENA_BYTES)"));
        dlk_model_free(m);
    }
    dlk_limits_set(&old);

    dlk_image im;
    dlk_err err;
    assert_int_not_equal(dlk_image_load(R "bomb_16384.png", &im, &err), 0);
    assert_string_equal(err.msg, R "bomb_16384.png: image of 16384x16384 = 268435456 pixels exceeds the limit of "
                                   "89478485 pixels (a possible decompression bomb; raise it with --max-image-pixels or "
                                   "DLAKIT_MAX_IMAGE_PIXELS)");
    assert_int_not_equal(dlk_image_load(R "bomb_16bit_32768x8192.png", &im, &err), 0);
    assert_non_null(strstr(err.msg, "image of 32768x8192 = 268435456 pixels exceeds the limit of 89478485 pixels"));
    assert_int_not_equal(dlk_image_load(R "bomb_progressive_16384.jpg", &im, &err), 0);
    assert_non_null(strstr(err.msg, "bomb_progressive_16384.jpg: image of 16384x16384 = 268435456 pixels exceeds"));
    /* raised: the PNG header is accepted, and the truncated data is what fails (nothing allocated
     * up front beyond the rows) */
    dlk_limits big = {300000000ULL, 0, 0};
    dlk_limits_set(&big);
    assert_int_not_equal(dlk_image_load(R "bomb_16384.png", &im, &err), 0);
    assert_null(strstr(err.msg, "exceeds the limit"));
    dlk_limits_set(&old);

    uint64_t v;
    assert_int_equal(dlk_parse_size("64K", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(dlk_parse_size("3G", &v), 0);
    assert_int_equal(v, 3ULL << 30);
    assert_int_not_equal(dlk_parse_size("-1", &v), 0);
    assert_int_not_equal(dlk_parse_size("12X", &v), 0);
    assert_int_not_equal(dlk_parse_size("99999999999999999999", &v), 0);
    assert_int_not_equal(dlk_parse_size("", &v), 0);
}

/* 4. silent wrong results are refused; 5. the valid per-channel model without zero point runs */
static void wrong_results(void **state)
{
    (void)state;
    static const char *scales[][2] = {{"zero", "0"}, {"negative", "-0.02"}, {"nan", "nan"}, {"inf", "inf"}};
    for (int i = 0; i < 4; i++) {
        char name[64], msg[256];
        snprintf(name, sizeof name, "scale_%s.onnx", scales[i][0]);
        snprintf(msg, sizeof msg, R "%s: node 'qx' (QuantizeLinear): scale %s is invalid (a scale must be finite and > 0)",
                 name, scales[i][1]);
        expect_ctx_error(name, 0, 0, msg);
    }
    expect_load_error("zero_point_300.onnx",
                      R "zero_point_300.onnx: initializer 'xz': value 300 at index 0 is out of the int8 range [-128, 127]");
    expect_ctx_error("maxpool_pads_gt_kernel.onnx", 0, 0,
                     R "maxpool_pads_gt_kernel.onnx: node '#0' (MaxPool): pads (3, 3, 3, 3) must be smaller than the kernel 2x2");
    expect_ctx_error("avgpool_pads_gt_kernel.onnx", 0, 0,
                     R "avgpool_pads_gt_kernel.onnx: node '#0' (AveragePool): pads (2, 0, 0, 0) must be smaller than the kernel 2x2");
    expect_ctx_error("per_channel_opset10.onnx", 0, 0,
                     R "per_channel_opset10.onnx: node 'dqw' (DequantizeLinear): scale must be a scalar or (opset >= 13) 1-D");
    /* the bias scale counts: x1000 changes the result (the unit stays float), the right one fuses */
    float f1, f2, f3, f4;
    double ok = run_sum("bias_scale_ok.onnx", &f1), big = run_sum("bias_scale_x1000.onnx", &f2);
    assert_float_equal(ok, -125.3, 1e-3);
    assert_float_equal(f1, -0.45, 1e-6);
    assert_float_equal(big, -822.4, 1e-3);
    assert_float_equal(f2, -6.4, 1e-5);
    double nz = run_sum("per_channel_no_zp.onnx", &f3), wz = run_sum("per_channel_zp.onnx", &f4);
    assert_float_equal(nz, -254.95, 1e-3);
    assert_true(nz == wz && f3 == f4);
}

/* 7. messages: control bytes escaped; the size rule where branches disagree */
static void messages(void **state)
{
    (void)state;
    expect_load_error("control_bytes.onnx",
                      R "control_bytes.onnx: node 'n2': operator 'Bad\\x1b]0;title\\x07Op' is not supported by dlakit");
    expect_ctx_error("size_rule.onnx", 99, 64,
                     R "size_rule.onnx: node '#0' (Conv): the Add '#3' fused into it: shapes cannot be broadcast "
                       "(dimension 2: 50 vs 49) (input 'x' is 99x64: the height and width must be multiples of 32)");
    dlk_err err;
    dlk_model *m;
    dlk_ctx *c = prepare("size_rule.onnx", 96, 64, &m, &err);
    assert_non_null(c);
    dlk_ctx_free(c);
    dlk_model_free(m);
}

/* 2. a 50,000-node chain stored in reverse orders in linear time (it took 11 s) */
static void reverse_chain(void **state)
{
    (void)state;
    enum { N = 50000 };
    dlk_graph g;
    dlk_graph_init(&g, "chain");
    char name[32];
    int vals[N + 1];
    for (int i = 0; i <= N; i++) {
        snprintf(name, sizeof name, "v%d", i);
        vals[i] = dlk_graph_value(&g, name);
        assert_true(vals[i] >= 0);
    }
    g.values[vals[0]].is_input = 1;
    g.values[vals[N]].is_output = 1;
    for (int i = N - 1; i >= 0; i--) assert_true(dlk_graph_add_node(&g, "r", "Relu", &vals[i], 1, &vals[i + 1], 1) >= 0);
    dlk_err err;
    clock_t t0 = clock();
    assert_int_equal(dlk_graph_finalize(&g, &err), 0);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(s < 1.0);
    for (int i = 0; i < N; i++) assert_int_equal(g.nodes[i].in[0], vals[i]);
    dlk_graph_free(&g);
}

/* Inputs the fuzzers found (tests/robust/fuzz-*): each refused with its exact message. */
static void fuzz_findings(void **state)
{
    (void)state;
    dlk_err err;
    dlk_idx x;
    /* dims 256 x 0x2c2c2c2c x 0x2c2c2c2c: the product overflowed long long before the size check */
    assert_int_not_equal(dlk_idx_read(R "fuzz-idx-dims-overflow.idx", &x, &err), 0);
    assert_string_equal(err.msg, R "fuzz-idx-dims-overflow.idx: IDX dimensions too large");
    /* a QLinearConv bias of 2147483451: the int32 accumulator overflowed in the kernel (UBSan) */
    expect_ctx_error("fuzz-qconv-bias-overflow.onnx", 0, 0,
                     R "fuzz-qconv-bias-overflow.onnx: node 'conv' (QLinearConv): bias[0] = 2147483451 with 18 taps "
                       "could overflow the int32 accumulator");
    /* Reshape of an empty input to [536870915, 0], then Softmax: 5e8 empty rows walked (17 s) */
    expect_ctx_error("fuzz-empty-reshape-slow.onnx", 0, 0,
                     R "fuzz-empty-reshape-slow.onnx: node '#0' (Reshape): output is empty but its other dimensions are too large");
    /* MatMul [1,3,4] x [0,4,46]: the empty batch lost to the broadcast 1 and the kernel read the
     * empty operand (ASan); now the output is the empty [0,3,46] and nothing is read */
    dlk_model *m = load("fuzz-matmul-empty-batch.onnx", &err);
    assert_non_null(m);
    assert_int_equal(dlk_model_num_inputs(m), 2);
    dlk_shape in[2] = {dlk_model_input_shape(m, 0), dlk_model_input_shape(m, 1)};
    dlk_ctx *c = dlk_ctx_new(m, in, 2, &err);
    assert_non_null(c);
    assert_int_equal(dlk_ctx_run(c, &err), 0);
    dlk_shape os;
    dlk_ctx_output(c, 0, &os);
    assert_int_equal(os.ndim, 3);
    assert_int_equal(os.dims[0], 0);
    assert_int_equal(os.dims[1], 3);
    assert_int_equal(os.dims[2], 46);
    dlk_ctx_free(c);
    dlk_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crashes),       cmocka_unit_test(limits),        cmocka_unit_test(wrong_results),
        cmocka_unit_test(messages),      cmocka_unit_test(reverse_chain), cmocka_unit_test(fuzz_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
