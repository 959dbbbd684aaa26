/* SPDX-License-Identifier: Apache-2.0 */
/* The model zoo config reader (tools/lib/zooconf.c) and the ImageNet WordNet-ID table: YAML to
 * tree, Python literals, overrides, interpolations, the checked settings and their refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/labels.h"
#include "lib/zooconf.h"

static int parse(const char *text, zc_node *root, dlk_err *err) { return zc_parse(text, strlen(text), "t.yaml", root, err); }

static void test_numbers(void **state)
{
    (void)state;
    double v;
    assert_int_equal(zc_eval_number("1/255.0", &v), 0);
    assert_true(v == 1 / 255.0);
    assert_int_equal(zc_eval_number(" -(1 + 2) * 4 / 8 ", &v), 0);
    assert_true(v == -1.5);
    assert_int_equal(zc_eval_number("2 - 3 - 4", &v), 0); /* left to right */
    assert_true(v == -5);
    assert_int_equal(zc_eval_number("1e-3", &v), 0);
    assert_true(v == 1e-3);
    const char *bad[] = {"", "abc", "1/0", "0x10", "inf", "nan", "1 +", "(1", "1)", "1e999", "1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_equal(zc_eval_number(bad[i], &v), -1);
}

static void test_config(void **state)
{
    (void)state;
    zc_node r;
    dlk_err err;
    assert_int_equal(parse("operation_mode: chain_qd\n"
                           "model: {model_path: m.onnx, input_shape: '(96, 128, 3)', framework: tf}\n"
                           "preprocessing:\n  rescaling: {scale: 1/127.5, offset: -1}\n"
                           "  resizing: {interpolation: bilinear, aspect_ratio: padding}\n  color_mode: bgr\n"
                           "quantization: {granularity: per_tensor, onnx_quant_parameters: {calibrate_method: Entropy}}\n"
                           "dataset: {class_names: [a, b], quantization_split: 0.25, num_classes: 2, test_path: ~}\n"
                           "hydra: {run: {dir: 'out/${model.framework}_${dataset.num_classes}'}}\n"
                           "general: {colour: 1}\n",
                           &r, &err),
                     0);
    assert_int_equal(zc_override(&r, "+dataset.test_path=x", &err), -1); /* exists (as null) */
    assert_int_equal(zc_override(&r, "dataset.test_path=${hydra.run.dir}/t", &err), 0);
    assert_int_equal(zc_override(&r, "+evaluation.target=host", &err), 0);
    assert_int_equal(zc_override(&r, "quantization.export_dir=q", &err), -1);
    assert_non_null(strstr(err.msg, "+quantization.export_dir="));
    assert_int_equal(zc_resolve(&r, &err), 0);
    zoo_cfg c;
    assert_int_equal(zoo_cfg_read(&r, "t.yaml", &c, NULL, NULL, &err), 0);
    assert_string_equal(c.mode, "chain_qd");
    assert_int_equal(c.input_h, 96);
    assert_int_equal(c.input_w, 128);
    assert_true(c.scale == 1 / 127.5 && c.offset == -1 && c.have_rescaling);
    assert_int_equal(c.interpolation, 1);
    assert_int_equal(c.aspect, 2);
    assert_int_equal(c.bgr, 1);
    assert_int_equal(c.per_tensor, 1);
    assert_int_equal(c.method, 2);
    assert_true(c.quantization_split == 0.25);
    assert_string_equal(c.run_dir, "out/tf_2");
    assert_string_equal(c.test_path, "out/tf_2/t");
    assert_string_equal(c.export_dir, "quantized_models");
    assert_int_equal(c.class_names->n, 2);
    assert_int_equal(c.warnings, 1); /* general.colour */
    zc_free(&r);
}

/* Each config is refused with the key path (or line) in the message. */
static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *want;
    } cases[] = {
        {"operation_mode: training2\n", "key 'operation_mode'"},
        {"operation_mode: evaluation\nmodel: {input_shape: [3, 64]}\n", "key 'model.input_shape'"},
        {"operation_mode: evaluation\npreprocessing: {rescaling: {scale: 1/x}}\n", "key 'preprocessing.rescaling.scale': '1/x' is not a number"},
        {"operation_mode: evaluation\ndataset: {quantization_split: 2}\n", "key 'dataset.quantization_split': '2' is out of range"},
        {"operation_mode: evaluation\nquantization: {quantizer: TFlite_converter}\n", "key 'quantization.quantizer'"},
        {"operation_mode: evaluation\nquantization: {export_dir: ../x}\n", "key 'quantization.export_dir'"},
        {"operation_mode: evaluation\npreprocessing: {resizing: {interpolation: lanczos}}\n", "is not one of nearest|bilinear|bicubic"},
        {"operation_mode: evaluation\nmodel: {model_path: [a]}\n", "key 'model.model_path': must be a single value"},
        {"model: {a: 1}\n", "key 'operation_mode' is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zc_node r;
        dlk_err err;
        zoo_cfg c;
        assert_int_equal(parse(cases[i].yaml, &r, &err), 0);
        assert_int_equal(zc_resolve(&r, &err), 0);
        assert_int_equal(zoo_cfg_read(&r, "t.yaml", &c, NULL, NULL, &err), -1);
        if (!strstr(err.msg, cases[i].want)) fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
        zc_free(&r);
    }
    static const struct {
        const char *yaml, *want;
    } bad_yaml[] = {
        {"a: 1\na: 2\n", "line 2: key 'a' given twice"},
        {"a: &x 1\nb: *x\n", "line 2: YAML aliases"},
        {"- 1\n- 2\n", "the top level must be a mapping"},
        {"a: 1\n---\nb: 2\n", "more than one YAML document"},
        {"a: [1, 2\n", "invalid YAML"},
        {"{[1]: 2}\n", "a mapping key must be a plain value"},
    };
    for (size_t i = 0; i < sizeof bad_yaml / sizeof bad_yaml[0]; i++) {
        zc_node r;
        dlk_err err;
        assert_int_equal(parse(bad_yaml[i].yaml, &r, &err), -1);
        if (!strstr(err.msg, bad_yaml[i].want) || !strstr(err.msg, "t.yaml")) fail_msg("yaml %zu: '%s'", i, err.msg);
    }
}

/* Bounds: nesting, and interpolations of empty values fanning out (the work is capped). */
static void test_bounds(void **state)
{
    (void)state;
    char deep[400] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "[");
    zc_node r;
    dlk_err err;
    char doc[500];
    snprintf(doc, sizeof doc, "a: %s\n", deep);
    assert_int_equal(parse(doc, &r, &err), -1);
    /* k11 refers 8 times to k10, ..., k0 8 times to a (''); the first key read is k11, so that its
     * expansion meets none of the values already resolved */
    char fan[4000] = "";
    for (int k = 11; k >= 0; k--) {
        char prev[16], line[300];
        if (k) snprintf(prev, sizeof prev, "k%d", k - 1);
        else snprintf(prev, sizeof prev, "a");
        snprintf(line, sizeof line, "k%d: '${%s}${%s}${%s}${%s}${%s}${%s}${%s}${%s}'\n", k, prev, prev, prev, prev, prev, prev, prev, prev);
        strcat(fan, line);
    }
    strcat(fan, "a: ''\n");
    assert_int_equal(parse(fan, &r, &err), 0);
    assert_int_equal(zc_resolve(&r, &err), -1); /* 8^12 expansions otherwise */
    assert_non_null(strstr(err.msg, "interpolations"));
    zc_free(&r);
}

static void test_wnids(void **state)
{
    (void)state;
    char a[10], b[10];
    for (int k = 0; k < 999; k++) {
        assert_int_equal(dlk_imagenet_wnid(k, a), 0);
        assert_int_equal(dlk_imagenet_wnid(k + 1, b), 0);
        assert_true(strcmp(a, b) < 0);
        assert_int_equal(dlk_imagenet_wnid_index(a), k);
    }
    assert_int_equal(dlk_imagenet_wnid_index("n01440764"), 0);   /* tench */
    assert_int_equal(dlk_imagenet_wnid_index("n02123045"), 281); /* tabby */
    assert_int_equal(dlk_imagenet_wnid_index("n15075141"), 999); /* toilet tissue */
    assert_int_equal(dlk_imagenet_wnid_index("n00000001"), -2);
    assert_int_equal(dlk_imagenet_wnid_index("n0144076"), -1);
    assert_int_equal(dlk_imagenet_wnid_index("class1"), -1);
    assert_int_equal(dlk_imagenet_wnid(1000, a), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_numbers), cmocka_unit_test(test_config), cmocka_unit_test(test_refusals),
                                       cmocka_unit_test(test_bounds), cmocka_unit_test(test_wnids)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
