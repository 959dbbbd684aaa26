/* SPDX-License-Identifier: Apache-2.0 */
/* The public API of include/dlakit/ (issue 21) through dlakit.h alone: the top-K tie rule, class
 * names, errors as messages naming the file and the problem (never an abort), a classifier, an
 * eval's ranges and data-set files, preprocessing into a context, analysis of float and int8 models
 * (and for a target), quantize's refusals (outputs that are inputs) and calibration fraction. Runs
 * in tests/ (the bundled MNIST models and digits; one quantized file in /tmp, removed). */
#include "dlakit.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define MNIST "../models/dla46c_mnist_64/dla46c_mnist_64"
#define DIGITS "../data/digits"

static void topk_ties_and_nan(void **state)
{
    (void)state;
    const float s[6] = {1, 3, 3, NAN, 2, 3};
    int idx[6];
    dlk_topk(s, 6, 6, idx);
    const int want[6] = {1, 2, 5, 4, 0, 3}; /* equal scores by the lower index, NaN last */
    assert_memory_equal(idx, want, sizeof want);
    float p[3];
    const float z[3] = {0, 0, 0};
    dlk_softmax(z, 3, p);
    assert_true(p[0] == (float)(1.0 / 3) && p[1] == p[0] && p[2] == p[0]);
}

static void class_names(void **state)
{
    (void)state;
    assert_string_equal(dlk_class_name(NULL, 1000, 0), "tench");
    assert_null(dlk_class_name(NULL, 10, 0));
    dlk_err err;
    dlk_labels *l = dlk_labels_open(DIGITS "/labels.txt", &err);
    assert_non_null(l);
    assert_int_equal(dlk_labels_count(l), 10);
    assert_string_equal(dlk_class_name(l, 10, 3), "3");
    assert_null(dlk_labels_name(l, 10));
    dlk_labels_close(l);
    assert_null(dlk_labels_open("no/such/labels.txt", &err));
    assert_string_equal(err.msg, "no/such/labels.txt: cannot open: No such file or directory");
}

static void errors_name_the_file(void **state)
{
    (void)state;
    dlk_err err;
    assert_null(dlk_image_open("no/such.png", &err));
    assert_string_equal(err.msg, "no/such.png: cannot open: No such file or directory");
    assert_null(dlk_classifier_open("no/such.onnx", NULL, 0, &err));
    assert_string_equal(err.msg, "no/such.onnx: cannot open: No such file or directory");
    assert_null(dlk_image_open(DIGITS "/labels.txt", &err));
    assert_memory_equal(err.msg, DIGITS "/labels.txt: ", strlen(DIGITS "/labels.txt: "));
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, 64, 48); /* the model's size is 64 x 64 */
    assert_null(dlk_classifier_open(MNIST "_qdq_int8.onnx", &o, 0, &err));
    assert_string_equal(err.msg, MNIST "_qdq_int8.onnx: the model takes 64x64 images, --size says 64x48");
}

static void classifier_and_context(void **state)
{
    (void)state;
    dlk_err err;
    dlk_classifier *c = dlk_classifier_open(MNIST "_qdq_int8.onnx", NULL, 0, &err);
    assert_non_null(c);
    assert_int_equal(dlk_classifier_classes(c), 10);
    assert_int_equal(dlk_classifier_pre(c)->h, 64);
    dlk_image *im = dlk_image_open(DIGITS "/3/mnist_07999.png", &err);
    assert_non_null(im);
    assert_int_equal(dlk_image_width(im), 28);
    const float *s = dlk_classifier_run(c, im, &err);
    assert_non_null(s);
    int top;
    dlk_topk(s, 10, 1, &top);
    assert_int_equal(top, 3);
    /* the same image through a context of batch 2 (item 1): the same scores, bit for bit */
    float want[10];
    memcpy(want, s, sizeof want);
    dlk_shape in = {DLK_FLOAT, 4, {2, 3, 64, 64}};
    dlk_ctx *ctx = dlk_ctx_new(dlk_classifier_model(c), &in, 1, &err);
    assert_non_null(ctx);
    assert_int_equal(dlk_ctx_set_image(ctx, 0, im, NULL, &err), 0);
    assert_int_equal(dlk_ctx_set_image(ctx, 1, im, NULL, &err), 0);
    assert_int_equal(dlk_ctx_run(ctx, &err), 0);
    const float *y = dlk_ctx_output(ctx, 0, NULL);
    assert_memory_equal(y + 10, want, sizeof want);
    assert_int_not_equal(dlk_ctx_set_image(ctx, 2, im, NULL, &err), 0);
    assert_string_equal(err.msg, "item 2: the context holds 2 images");
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, 32, 32);
    assert_int_not_equal(dlk_ctx_set_image(ctx, 0, im, &o, &err), 0);
    assert_string_equal(err.msg, "preprocessing to 32x32, the context takes 64x64");
    dlk_ctx_free(ctx);
    dlk_image_close(im);
    dlk_classifier_close(c);
}

static void eval_ranges(void **state)
{
    (void)state;
    dlk_err err;
    dlk_eval_opts o;
    dlk_eval_opts_default(&o);
    o.dir = DIGITS;
    dlk_eval *e = dlk_eval_open(MNIST "_qdq_int8.onnx", &o, &err);
    assert_non_null(e);
    assert_int_equal(dlk_eval_num_items(e), 30);
    assert_int_equal(dlk_eval_run(e, 27, -1, &err), 0);
    dlk_eval_summary s;
    dlk_eval_get_summary(e, &s);
    assert_int_equal(s.images, 3);
    assert_int_equal(s.top1, 3); /* the last three digits (class 9) are right */
    assert_int_equal(dlk_eval_label(e, 0), 9);
    assert_int_equal(dlk_eval_prediction(e, 2), 9);
    assert_string_equal(dlk_eval_class_name(e, 9), "9");
    /* the data set's files, for a caller about to write one (eval --confusion) */
    assert_int_equal(dlk_eval_uses_file(e, DIGITS "/0/../9/mnist_08015.png"), 1);
    assert_int_equal(dlk_eval_uses_file(e, MNIST "_qdq_int8.onnx"), 0);
    assert_int_equal(dlk_eval_uses_file(e, DIGITS "/labels.txt"), 0);
    assert_int_not_equal(dlk_eval_run(e, 31, 1, &err), 0);
    assert_string_equal(err.msg, DIGITS ": item 31 is past the end (30 items)");
    dlk_eval_free(e);
    o.dir = NULL;
    assert_null(dlk_eval_open(MNIST "_qdq_int8.onnx", &o, &err));
    assert_string_equal(err.msg, "eval: give either a folder or IDX images and labels");
    o.idx_images = "x.idx3", o.idx_labels = "x.idx1", o.ground_truth = "LOC_val_solution.csv";
    assert_null(dlk_eval_open(MNIST "_qdq_int8.onnx", &o, &err));
    assert_string_equal(err.msg, "eval: a ground-truth file goes with a folder");
}

static void analyze_and_quantize(void **state)
{
    (void)state;
    dlk_err err;
    dlk_analysis *f = dlk_analyze(MNIST ".onnx", 0, 0, &err), *q = dlk_analyze(MNIST "_qdq_int8.onnx", 0, 0, &err);
    assert_non_null(f);
    assert_non_null(q);
    dlk_analysis_totals tf, tq;
    dlk_analysis_get_totals(f, &tf);
    dlk_analysis_get_totals(q, &tq);
    assert_int_equal(tf.int8, 0);
    assert_int_equal(tq.int8, 1);
    assert_int_equal(tf.macs, 46860800);
    assert_int_equal(tq.macs, 46860800);
    assert_int_equal(tf.params, tq.params);
    assert_int_not_equal(dlk_compile(f, ".", "m", &err), 0);
    assert_string_equal(err.msg, MNIST ".onnx: compile needs an int8 model (quantize it first: dlakit quantize)");
    dlk_analysis_free(f);
    dlk_analysis_free(q);
    assert_null(dlk_analyze_target(MNIST "_qdq_int8.onnx", 0, 0, "cortex-a53", &err));
    assert_string_equal(err.msg, "unknown target 'cortex-a53' (one of generic|cortex-m55|cortex-m7|cortex-m4)");
    q = dlk_analyze_target(MNIST "_qdq_int8.onnx", 0, 0, "cortex-m55", &err);
    assert_non_null(q);
    dlk_analysis_get_totals(q, &tq);
    assert_int_equal(tq.macs, 46860800); /* the target changes the weights' layout, not the work */
    assert_int_not_equal(dlk_compile_ex(q, "", "m", 0, &err), 0);
    assert_string_equal(err.msg, "compile needs a folder name (it is empty)");
    dlk_analysis_free(q);
    dlk_quantize_opts o;
    dlk_quantize_opts_default(&o);
    o.calib_dir = DIGITS;
    assert_int_not_equal(dlk_quantize(MNIST "_qdq_int8.onnx", "never.onnx", &o, NULL, &err), 0);
    assert_non_null(strstr(err.msg, "already an int8 model"));
    /* an output that is one of the calibration images is refused before anything is written */
    assert_int_not_equal(dlk_quantize(MNIST ".onnx", DIGITS "/9/mnist_08015.png", &o, NULL, &err), 0);
    assert_string_equal(err.msg, DIGITS "/9/mnist_08015.png is one of the calibration images; it would be overwritten");
    assert_int_not_equal(dlk_quantize(MNIST ".onnx", MNIST ".onnx", &o, NULL, &err), 0);
    assert_string_equal(err.msg, MNIST ".onnx is one of the inputs; it would be overwritten");
    /* calib_fraction: ceil(0.1 x 30) = 3 of the 30 digits, evenly spaced */
    char out[] = "/tmp/dlk_test_api_XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    o.calib_fraction = 0.1;
    dlk_quantize_result res;
    assert_int_equal(dlk_quantize(MNIST ".onnx", out, &o, &res, &err), 0);
    assert_int_equal(res.calibration_images, 3);
    assert_int_equal(res.calib_skipped, 0);
    unlink(out);
    o.calib_fraction = 1.5;
    assert_int_not_equal(dlk_quantize(MNIST ".onnx", "never.onnx", &o, NULL, &err), 0);
    assert_string_equal(err.msg, "the calibration fraction 1.5 is not in 0 .. 1");
    o.calib_fraction = 0;
    o.calib_npy = "x.npy";
    assert_int_not_equal(dlk_quantize(MNIST ".onnx", "never.onnx", &o, NULL, &err), 0);
    assert_string_equal(err.msg, "give one calibration source: a folder, a .npy file or IDX images and labels");
    FILE *never = fopen("never.onnx", "rb");
    assert_null(never);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topk_ties_and_nan),      cmocka_unit_test(class_names),  cmocka_unit_test(errors_name_the_file),
        cmocka_unit_test(classifier_and_context), cmocka_unit_test(eval_ranges), cmocka_unit_test(analyze_and_quantize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
