/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_ctx_layouts on the bundled DLA-46-C (MNIST, 64x64) and on a fixture of its rules
 * (fixtures/engine/layouts.onnx): which values go channel-blocked (NCHW16C), and that the models
 * compute the same with them as in NCHW everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

#define MODEL "../models/dla46c_mnist_64/dla46c_mnist_64.onnx"

static int count16(const dlk_ctx *c, const char *must_nchw, const char *must_16c, int *found)
{
    int n = 0;
    for (int v = 0; v < c->m->g.n_values; v++) {
        const char *name = c->m->g.values[v].name;
        n += c->t[v].layout == DLK_NCHW16C;
        if (!strcmp(name, must_nchw)) {
            assert_int_equal(c->t[v].layout, DLK_NCHW);
            found[0]++;
        }
        if (!strcmp(name, must_16c)) {
            assert_int_equal(c->t[v].layout, DLK_NCHW16C);
            found[1]++;
        }
    }
    return n;
}

static const float *run(dlk_ctx *c, int64_t *n)
{
    dlk_err err;
    float *in = dlk_ctx_input(c, 0, NULL);
    for (int i = 0; i < 3 * 64 * 64; i++) in[i] = (float)((i * 7919) % 255) / 127.0f - 1.0f;
    assert_int_equal(dlk_ctx_run(c, &err), 0);
    dlk_shape os;
    const float *y = dlk_ctx_output(c, 0, &os);
    *n = dlk_shape_numel(&os);
    return y;
}

/* The model at path twice, as loaded by default and with DLK_LOAD_NCHW, and a context of each
 * for input shape sh; skips the test where there are no NCHW16C kernels or DLAKIT_LAYOUT=nchw. */
typedef struct {
    dlk_model *m, *mn;
    dlk_ctx *c, *cn;
} pair;

static pair open_pair(const char *path, dlk_shape sh)
{
    if (strcmp(dlk_isa_in_use(), "avx512")) {
        printf("kernels %s: no NCHW16C kernels, skipped\n", dlk_isa_in_use());
        skip();
    }
    const char *e = getenv("DLAKIT_LAYOUT");
    if (e && !strcmp(e, "nchw")) skip();
    dlk_err err;
    pair p;
    p.m = dlk_model_load(path, &err);
    p.mn = dlk_model_load_ex(path, DLK_LOAD_NCHW, &err);
    assert_non_null(p.m);
    assert_non_null(p.mn);
    p.c = dlk_ctx_new(p.m, &sh, 1, &err);
    p.cn = dlk_ctx_new(p.mn, &sh, 1, &err);
    assert_non_null(p.c);
    assert_non_null(p.cn);
    return p;
}

static void close_pair(pair *p)
{
    dlk_ctx_free(p->c);
    dlk_ctx_free(p->cn);
    dlk_model_free(p->m);
    dlk_model_free(p->mn);
}

static void test_layouts(void **state)
{
    (void)state;
    pair p = open_pair(MODEL, (dlk_shape){DLK_FLOAT, 4, {1, 3, 64, 64}});
    dlk_model *m = p.m;
    dlk_ctx *c = p.c, *cn = p.cn;
    /* 64 activations: the input, the stem's and level 0's outputs (16 channels: NCHW kernels),
     * the pool's (read by the classifier, 10 channels), Flatten's and the classifier's outputs
     * stay NCHW; the other 58, level 1's output (a conv's NCHW input made channel-blocked by it)
     * to level 5's root (read by GlobalAveragePool in either layout), are NCHW16C */
    int found[2] = {0, 0};
    assert_int_equal(count16(c, "/level0/level0.2/Relu_output_0", "/level1/level1.2/Relu_output_0", found), 58);
    assert_int_equal(found[0], 1);
    assert_int_equal(found[1], 1);
    int none[2] = {0, 0};
    assert_int_equal(count16(cn, "/level0/level0.2/Relu_output_0", "", none), 0);
    /* 49 convs: all but the stem, level 0 and the classifier (on the pooled values) read or
     * write channel-blocked values; level 1 reads NCHW */
    int blocked_convs = 0;
    for (int i = 0; i < m->g.n_nodes; i++) {
        const dlk_op *op = &c->ops[i];
        if (strcmp(op->node->op_type, "Conv") || (op->in[0]->layout == DLK_NCHW && op->out[0]->layout == DLK_NCHW)) continue;
        assert_int_equal(op->layout_rule, DLK_LAYOUT_FREE);
        blocked_convs++;
    }
    assert_int_equal(blocked_convs, 46);
    /* the same scores within float rounding (sums in another order), the same top-1 */
    int64_t n1, n2;
    const float *y1 = run(c, &n1), *y2 = run(cn, &n2);
    assert_int_equal(n1, 10);
    assert_int_equal(n2, 10);
    float mx = 0;
    int a1 = 0, a2 = 0;
    for (int i = 0; i < 10; i++) {
        if (fabsf(y2[i]) > mx) mx = fabsf(y2[i]);
        if (y1[i] > y1[a1]) a1 = i;
        if (y2[i] > y2[a2]) a2 = i;
    }
    for (int i = 0; i < 10; i++)
        if (!(fabsf(y1[i] - y2[i]) <= 1e-5f * mx)) fail_msg("score %d: %g NCHW16C, %g NCHW", i, y1[i], y2[i]);
    assert_int_equal(a1, a2);
    close_pair(&p);
}

/* the fixture's values: t5..t8 channel-blocked, everything else NCHW (see make_layouts.py) */
static void test_layout_rules(void **state)
{
    (void)state;
    pair p = open_pair("fixtures/engine/layouts.onnx", (dlk_shape){DLK_FLOAT, 4, {1, 32, 10, 10}});
    dlk_err err;
    dlk_model *m = p.m;
    dlk_ctx *c = p.c, *cn = p.cn;
    static const char *const blocked[] = {"t5", "t6", "t7", "t8"};
    static const char *const flat[] = {"X", "t1", "t3", "t4", "Y", "G", "H", "t10", "t11", "J"};
    int n16 = 0, seen = 0;
    for (int v = 0; v < m->g.n_values; v++) {
        const char *name = m->g.values[v].name;
        n16 += c->t[v].layout == DLK_NCHW16C;
        for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++)
            if (!strcmp(name, blocked[i])) {
                if (c->t[v].layout != DLK_NCHW16C) fail_msg("%s should be NCHW16C", name);
                seen++;
            }
        for (size_t i = 0; i < sizeof flat / sizeof *flat; i++)
            if (!strcmp(name, flat[i])) {
                if (c->t[v].layout != DLK_NCHW) fail_msg("%s should be NCHW", name);
                seen++;
            }
    }
    assert_int_equal(seen, 14);
    assert_int_equal(n16, 4);
    /* the four outputs, within rounding of NCHW everywhere */
    float *x = dlk_ctx_input(c, 0, NULL), *xn = dlk_ctx_input(cn, 0, NULL);
    for (int i = 0; i < 32 * 10 * 10; i++) x[i] = xn[i] = (float)((i * 7919) % 255) / 127.0f - 1.0f;
    assert_int_equal(dlk_ctx_run(c, &err), 0);
    assert_int_equal(dlk_ctx_run(cn, &err), 0);
    for (int o = 0; o < 4; o++) {
        dlk_shape s1, s2;
        const float *y1 = dlk_ctx_output(c, o, &s1), *y2 = dlk_ctx_output(cn, o, &s2);
        const int64_t n = dlk_shape_numel(&s1);
        assert_int_equal(n, dlk_shape_numel(&s2));
        float mx = 0;
        for (int64_t i = 0; i < n; i++)
            if (fabsf(y2[i]) > mx) mx = fabsf(y2[i]);
        assert_true(mx > 0.1f);
        for (int64_t i = 0; i < n; i++)
            if (!(fabsf(y1[i] - y2[i]) <= 1e-5f * mx)) fail_msg("output %d [%lld]: %g NCHW16C, %g NCHW", o, (long long)i, y1[i], y2[i]);
    }
    close_pair(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_layouts), cmocka_unit_test(test_layout_rules)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
