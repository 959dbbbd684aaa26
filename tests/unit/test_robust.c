/* SPDX-License-Identifier: Apache-2.0 */
/* Robustness of model loading: truncated and corrupted ONNX files must give an error message
 * naming the file, or a model that prepares and runs; never a crash (this runs under ASan/UBSan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlakit.h"
#include "helpers.h"
#include "onnx/onnx.h"

#define NODE_DIR "/usr/share/libonnx-testdata/data/node/"

/* Loads, and when that works, prepares with the declared input shapes (unknown dims = 1) and runs. */
static int try_model(const void *buf, size_t len, const char *name)
{
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer(buf, len, name, &err);
    if (!m) {
        assert_non_null(strstr(err.msg, name)); /* every load error names the file */
        return 0;
    }
    dlk_shape s[8];
    int n = dlk_model_num_inputs(m);
    if (n > 8) n = 8;
    for (int i = 0; i < n; i++) {
        s[i] = dlk_model_input_shape(m, i);
        if (s[i].ndim < 0) s[i].ndim = 0;
        for (int d = 0; d < s[i].ndim; d++)
            if (s[i].dims[d] < 0 || s[i].dims[d] > 64) s[i].dims[d] = 1;
    }
    dlk_ctx *c = dlk_ctx_new(m, s, n, &err);
    if (c) {
        for (int i = 0; i < n; i++) {
            dlk_shape is;
            void *p = dlk_ctx_input(c, i, &is);
            memset(p, 0, (size_t)dlk_shape_numel(&is) * dlk_dtype_size(is.dtype));
        }
        assert_int_equal(dlk_ctx_run(c, &err), 0);
    } else {
        assert_true(err.msg[0] != 0);
    }
    dlk_ctx_free(c);
    dlk_model_free(m);
    return 1;
}

static void truncations(void **state)
{
    (void)state;
    static const char *files[] = {NODE_DIR "test_conv_with_strides_padding/model.onnx", NODE_DIR "test_qlinearconv/model.onnx",
                                  "../models/dla46c_mnist_64/dla46c_mnist_64_qop_int8.onnx"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        unsigned char *buf = tst_read_file(files[f], DLK_MAX_MODEL_BYTES, &len);
        if (!buf) fail_msg("%s: missing (install libonnx-testdata; scripts/deps.sh)", files[f]);
        assert_int_equal(try_model(buf, len, "whole.onnx"), 1);
        int loaded = 0;
        for (int k = 0; k < 40; k++) {
            size_t cut = len * (size_t)k / 40;
            loaded += try_model(buf, cut, "truncated.onnx");
        }
        assert_true(loaded < 40); /* cuts inside the data must be refused */
        free(buf);
    }
}

static void mutations(void **state)
{
    (void)state;
    static const char *files[] = {NODE_DIR "test_conv_with_strides_padding/model.onnx", NODE_DIR "test_qlinearconv/model.onnx",
                                  NODE_DIR "test_maxpool_2d_pads/model.onnx", NODE_DIR "test_gemm_all_attributes/model.onnx"};
    tst_rng r = tst_rng_new(12345);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        unsigned char *orig = tst_read_file(files[f], DLK_MAX_MODEL_BYTES, &len);
        if (!orig) fail_msg("%s: missing (install libonnx-testdata; scripts/deps.sh)", files[f]);
        unsigned char *buf = malloc(len);
        assert_non_null(buf);
        int refused = 0;
        for (int k = 0; k < 400; k++) {
            memcpy(buf, orig, len);
            for (int flips = 1 + k % 3; flips > 0; flips--) {
                const size_t at = tst_rnd64(&r) % len;
                buf[at] = (unsigned char)tst_rnd(&r);
            }
            refused += !try_model(buf, len, "mutated.onnx");
        }
        print_message("%s: %d of 400 mutations refused\n", files[f], refused);
        free(buf);
        free(orig);
    }
}

static void empty_and_garbage(void **state)
{
    (void)state;
    dlk_err err;
    assert_null(dlk_model_load_buffer("", 0, "empty.onnx", &err));
    assert_non_null(strstr(err.msg, "empty.onnx"));
    assert_null(dlk_model_load("no/such/file.onnx", &err));
    assert_non_null(strstr(err.msg, "no/such/file.onnx"));
    char junk[1000];
    for (int i = 0; i < 1000; i++) junk[i] = (char)(i * 7919 % 251);
    assert_null(dlk_model_load_buffer(junk, sizeof junk, "junk.onnx", &err));
    assert_non_null(strstr(err.msg, "junk.onnx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_garbage),
        cmocka_unit_test(truncations),
        cmocka_unit_test(mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
