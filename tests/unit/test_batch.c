/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The batch runner (runtime/batch.h) on the bundled MNIST DLA-46-C (QDQ int8): 7 items give the
 * same output bits at every thread count (1, 2, 3, 8) and every batch size (1, 3, 7), equal to
 * one plain context per item; every item is filled and consumed exactly once; an item whose fill
 * fails reaches consume with its message and the others still run; a stopping error is returned
 * with its message; the thread count is min(threads, runs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlakit.h"
#include "runtime/batch.h"

#define MODEL "../models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx"
#define N 7
#define CLASSES 10
#define ITEM (3 * 64 * 64)

typedef struct {
    float out[N][CLASSES];
    int filled[N], consumed[N], failed[N];
    int bad_item;    /* fill fails this item (> 0), or -1 */
    int stop_item;   /* consume stops at this item, or -1 */
} sink;

static void item_input(int64_t i, float *x)
{
    for (int k = 0; k < ITEM; k++) x[k] = (float)(sin((double)(k + 1000 * i) * 0.37) * 1.8);
}

static int fill(void *user, dlk_ctx *ctx, int thread, int64_t first, int64_t count, dlk_err *err)
{
    sink *s = user;
    float *x = dlk_ctx_input(ctx, 0, NULL);
    (void)thread;
    for (int64_t i = first; i < first + count; i++) {
        s->filled[i]++;
        if (i == s->bad_item) {
            snprintf(err->msg, sizeof err->msg, "item %lld is unreadable", (long long)i);
            return 1;
        }
        item_input(i, x + (i - first) * ITEM);
    }
    return 0;
}

static int consume(void *user, const dlk_ctx *ctx, int thread, int64_t first, int64_t count, const dlk_err *item_err,
                   dlk_err *err)
{
    sink *s = user;
    (void)thread;
    for (int64_t i = first; i < first + count; i++) {
        s->consumed[i]++;
        if (i == s->stop_item) {
            snprintf(err->msg, sizeof err->msg, "stopped at %lld", (long long)i);
            return -1;
        }
    }
    if (item_err) {
        assert_non_null(strstr(item_err->msg, "is unreadable"));
        for (int64_t i = first; i < first + count; i++) s->failed[i] = 1;
        return 0;
    }
    dlk_shape os;
    const float *y = dlk_ctx_output(ctx, 0, &os);
    assert_int_equal(os.dims[0], count);
    memcpy(s->out[first], y, sizeof(float) * CLASSES * (size_t)count);
    return 0;
}

static dlk_batch_job job_for(const dlk_model *m, sink *s, int batch, int threads)
{
    dlk_batch_job j = {.n = N, .batch = batch, .threads = threads, .input = dlk_model_input_shape(m, 0), .user = s,
                       .fill = fill, .consume = consume};
    memset(s, 0, sizeof *s);
    s->bad_item = s->stop_item = -1;
    return j;
}

/* the model, loaded once for both tests */
static int load(void **state)
{
    dlk_err err;
    *state = dlk_model_load(MODEL, &err);
    return *state ? 0 : -1;
}

static int unload(void **state)
{
    dlk_model_free(*state);
    return 0;
}

static void test_same_bits(void **state)
{
    const dlk_model *m = *state;
    dlk_err err;
    /* the reference: one batch-1 context, item by item */
    float want[N][CLASSES];
    dlk_shape s = dlk_model_input_shape(m, 0);
    s.dims[0] = 1;
    dlk_ctx *c = dlk_ctx_new(m, &s, 1, &err);
    assert_non_null(c);
    for (int i = 0; i < N; i++) {
        item_input(i, dlk_ctx_input(c, 0, NULL));
        assert_int_equal(dlk_ctx_run(c, &err), 0);
        memcpy(want[i], dlk_ctx_output(c, 0, NULL), sizeof want[i]);
    }
    dlk_ctx_free(c);
    static sink got;
    const int batches[] = {1, 3, 7}, threads[] = {1, 2, 3, 8};
    for (int b = 0; b < 3; b++)
        for (int t = 0; t < 4; t++) {
            dlk_batch_job j = job_for(m, &got, batches[b], threads[t]);
            int runs = (N + batches[b] - 1) / batches[b];
            assert_int_equal(dlk_batch_threads(&j), threads[t] < runs ? threads[t] : runs);
            assert_int_equal(dlk_batch_run(m, &j, &err), 0);
            for (int i = 0; i < N; i++) {
                assert_int_equal(got.filled[i], 1);
                assert_int_equal(got.consumed[i], 1);
                assert_memory_equal(got.out[i], want[i], sizeof want[i]);
            }
        }
}

static void test_item_errors(void **state)
{
    const dlk_model *m = *state;
    dlk_err err;
    static sink got;
    for (int t = 1; t <= 3; t++) {
        dlk_batch_job j = job_for(m, &got, 1, t);
        got.bad_item = 4;
        assert_int_equal(dlk_batch_run(m, &j, &err), 0);
        for (int i = 0; i < N; i++) {
            assert_int_equal(got.consumed[i], 1);
            assert_int_equal(got.failed[i], i == 4);
        }
    }
    /* a stopping error: returned with its message, and no item after it is taken by that thread */
    dlk_batch_job j = job_for(m, &got, 1, 1);
    got.stop_item = 2;
    assert_int_equal(dlk_batch_run(m, &j, &err), -1);
    assert_string_equal(err.msg, "stopped at 2");
    assert_int_equal(got.consumed[3], 0);
    /* no consume callback: a failed item stops the run with its message */
    j = job_for(m, &got, 1, 2);
    j.consume = NULL;
    got.bad_item = 5;
    assert_int_equal(dlk_batch_run(m, &j, &err), -1);
    assert_string_equal(err.msg, "item 5 is unreadable");
    /* no items: refused */
    j = job_for(m, &got, 1, 1);
    j.n = 0;
    assert_int_equal(dlk_batch_run(m, &j, &err), -1);
}

int main(void)
{
    const struct CMUnitTest batch_tests[] = {cmocka_unit_test(test_same_bits), cmocka_unit_test(test_item_errors)};
    return cmocka_run_group_tests(batch_tests, load, unload);
}
