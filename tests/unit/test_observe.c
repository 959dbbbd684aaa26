/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_ctx_run_observe: one callback before the first node and one after each node, with every
 * node's outputs readable in its callback, and the same outputs as dlk_ctx_run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "runtime/observe.h"

typedef struct {
    int calls, next, in_order;
    double out_sum;  /* sum of the model output, read in the callback of the node making it */
} seen;

static void cb(void *user, int node, const dlk_ctx *c)
{
    seen *s = user;
    s->calls++;
    if (node != s->next) s->in_order = 0;
    s->next = node + 1;
    if (node < 0) return;
    const dlk_node *n = &c->m->g.nodes[node];
    if (n->out[0] == c->m->g.outputs[0]) {
        const dlk_tensor *t = dlk_ctx_tensor(c, n->out[0]);
        for (int64_t i = 0; i < dlk_shape_numel(&t->shape); i++) s->out_sum += ((const float *)t->data)[i];
    }
}

static void test_observe(void **state)
{
    (void)state;
    dlk_err err;
    dlk_model *m = dlk_model_load("fixtures/engine/mnist_sym.onnx", &err);
    assert_non_null(m);
    dlk_shape sh = {DLK_FLOAT, 4, {1, 3, 32, 32}};
    dlk_ctx *c = dlk_ctx_new(m, &sh, 1, &err);
    assert_non_null(c);
    float *in = dlk_ctx_input(c, 0, NULL);
    for (int i = 0; i < 3 * 32 * 32; i++) in[i] = (float)((i * 7919) % 255) / 127.0f - 1.0f;
    assert_int_equal(dlk_ctx_run(c, &err), 0);
    dlk_shape os;
    const float *y = dlk_ctx_output(c, 0, &os);
    double want = 0;
    for (int64_t i = 0; i < dlk_shape_numel(&os); i++) want += y[i];
    /* the arena reuses the input's buffer once it is read: write the input again */
    for (int i = 0; i < 3 * 32 * 32; i++) in[i] = (float)((i * 7919) % 255) / 127.0f - 1.0f;
    seen s = {0, -1, 1, 0};
    assert_int_equal(dlk_ctx_run_observe(c, cb, &s, &err), 0);
    assert_int_equal(s.calls, m->g.n_nodes + 1);
    assert_true(s.in_order);
    assert_true(s.out_sum == want);
    dlk_ctx_free(c);
    dlk_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_observe)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
