/* SPDX-License-Identifier: Apache-2.0 */
/* The liveness module (plan/liveness.h) on hand-built schedules with exact expected buffers and
 * offsets (views, in-place outputs, slices, outside values, scratch, a ring written at several
 * steps, refusals), then the plans of every shared model: the runtime context's and the compiled
 * program's pass dlk_lv_check, the context's tensors point where the plan says, and the int8
 * programs take their in-place Adds and Concat slices in the runtime too; under DLAKIT_ISA=ref
 * (ctest e2e.engine.plan_ref) the runtime's plan is the program's, buffer for buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/program.h"
#include "plan/liveness.h"
#include "runtime/runtime.h"

static dlk_liveness *make(int nv, int ns)
{
    dlk_liveness *lv = dlk_lv_new(nv, ns);
    assert_non_null(lv);
    return lv;
}

static void rw(dlk_liveness *lv, int step, int r, int w)
{
    if (r >= 0) assert_int_equal(dlk_lv_read(lv, step, r), 0);
    if (w >= 0) assert_int_equal(dlk_lv_write(lv, step, w), 0);
}

static void buf_is(const dlk_liveness *lv, int b, size_t size, int first, int last, size_t offset)
{
    assert_true(b >= 0 && b < lv->n_bufs);
    assert_int_equal(lv->bufs[b].size, size);
    assert_int_equal(lv->bufs[b].first, first);
    assert_int_equal(lv->bufs[b].last, last);
    assert_int_equal(lv->bufs[b].offset, offset);
}

/* x (outside) -> a -> b = view(a) -> c -> d = c + b (in place over c) -> y (outside).
 * a and b share a buffer [0, 3]; d takes c's buffer [2, 4]; the second in-place candidate (over
 * b, whose group also dies at step 3) is refused because d already has its place. */
static void view_and_in_place(void **state)
{
    (void)state;
    enum { X, A, B, C, D, Y };
    dlk_liveness *lv = make(6, 5);
    dlk_lv_value(lv, X, 12, DLK_LV_OUTSIDE);
    for (int v = A; v <= D; v++) dlk_lv_value(lv, v, 100, 0);
    dlk_lv_value(lv, Y, 10, DLK_LV_OUTSIDE);
    rw(lv, 0, X, A);
    rw(lv, 1, A, B);
    assert_int_equal(dlk_lv_view(lv, 1, B, A), 0);
    rw(lv, 2, B, C);
    rw(lv, 3, C, D);
    rw(lv, 3, B, -1);
    assert_int_equal(dlk_lv_in_place(lv, 3, D, C), 0);
    assert_int_equal(dlk_lv_in_place(lv, 3, D, B), 0);
    rw(lv, 4, D, Y);
    assert_int_equal(dlk_lv_solve(lv, 16), 0);
    assert_int_equal(lv->n_bufs, 2);
    buf_is(lv, 0, 100, 0, 3, 0);   /* a, b */
    buf_is(lv, 1, 100, 2, 4, 112); /* c, d: 100 rounded up to 16 */
    assert_int_equal(lv->arena_bytes, 224);
    assert_int_equal(lv->lower_bound, 200);
    assert_int_equal(lv->buf[X], -1);
    assert_int_equal(lv->buf[Y], -1);
    assert_int_equal(lv->buf[B], 0);
    assert_int_equal(lv->buf[D], 1);
    assert_int_equal(dlk_lv_arena_offset(lv, D), 112);
    assert_int_equal(dlk_lv_arena_offset(lv, X), (size_t)-1);
    assert_int_equal(lv->in_place[3], 1);
    assert_true(lv->share[0].taken && lv->share[1].taken && !lv->share[2].taken);
    assert_int_equal(lv->live[0], 100);
    assert_int_equal(lv->live[2], 200);
    assert_int_equal(lv->live[4], 100);
    assert_int_equal(dlk_lv_check(lv), 0);
    /* a broken plan is caught: both buffers at offset 0 while alive together */
    lv->bufs[1].offset = 0;
    assert_int_equal(dlk_lv_check(lv), -1);
    dlk_lv_free(lv);
}

/* Concat by slices: p (60 B) and q (40 B) live inside h (100 B) at 0 and 60 from their
 * producers on; step 1's 32-byte scratch is its own buffer, numbered before h (h's root is
 * written at step 2). */
static void slices_and_scratch(void **state)
{
    (void)state;
    enum { X, P, Q, H, Y };
    dlk_liveness *lv = make(5, 4);
    dlk_lv_value(lv, X, 10, DLK_LV_OUTSIDE);
    dlk_lv_value(lv, P, 60, 0);
    dlk_lv_value(lv, Q, 40, 0);
    dlk_lv_value(lv, H, 100, 0);
    dlk_lv_value(lv, Y, 4, DLK_LV_OUTSIDE);
    rw(lv, 0, X, P);
    rw(lv, 1, X, Q);
    dlk_lv_scratch(lv, 1, 32);
    rw(lv, 2, P, H);
    rw(lv, 2, Q, -1);
    assert_int_equal(dlk_lv_slice(lv, 2, H, P, 0), 0);
    assert_int_equal(dlk_lv_slice(lv, 2, H, Q, 60), 0);
    rw(lv, 3, H, Y);
    assert_int_equal(dlk_lv_solve(lv, 1), 0);
    assert_int_equal(lv->n_bufs, 2);
    assert_int_equal(lv->scratch_buf[1], 0);
    buf_is(lv, 0, 32, 1, 1, 100);
    buf_is(lv, 1, 100, 0, 3, 0);
    assert_int_equal(lv->arena_bytes, 132);
    assert_int_equal(dlk_lv_arena_offset(lv, P), 0);
    assert_int_equal(dlk_lv_arena_offset(lv, Q), 60);
    assert_int_equal(lv->host[P], H);
    assert_int_equal(lv->host[Q], H);
    assert_int_equal(lv->host[H], -1);
    assert_int_equal(lv->slices[2], 2);
    assert_int_equal(dlk_lv_check(lv), 0);
    /* two parts overlapping inside their host while both alive are caught */
    lv->offset[Q] = 40;
    assert_int_equal(dlk_lv_check(lv), -1);
    dlk_lv_free(lv);
}

/* Refusals: the same part twice in one Concat (only the first slice), a host made a slice of a
 * later Concat (hosts are never slices), a part never written by a step (in the arena from step
 * 0), in place over an input read later, a view or slice of an outside value. A value kept to
 * the end lives to n_steps. */
static void refusals(void **state)
{
    (void)state;
    enum { X, P, U, H, H2, K, E, F, G, N };
    dlk_liveness *lv = make(N, 6);
    dlk_lv_value(lv, X, 16, DLK_LV_OUTSIDE);
    dlk_lv_value(lv, P, 16, 0);
    dlk_lv_value(lv, U, 16, 0);  /* never written: there before step 0 */
    dlk_lv_value(lv, H, 48, 0);
    dlk_lv_value(lv, H2, 64, 0);
    dlk_lv_value(lv, K, 64, DLK_LV_KEEP);
    dlk_lv_value(lv, E, 16, 0);
    dlk_lv_value(lv, F, 16, 0);
    dlk_lv_value(lv, G, 16, 0);
    rw(lv, 0, X, P);
    rw(lv, 1, P, H);
    rw(lv, 1, U, -1);
    assert_int_equal(dlk_lv_slice(lv, 1, H, P, 0), 0);
    assert_int_equal(dlk_lv_slice(lv, 1, H, P, 16), 0); /* refused: P is in H already */
    assert_int_equal(dlk_lv_slice(lv, 1, H, U, 32), 0); /* refused: U is not written by a step */
    rw(lv, 2, H, H2);
    rw(lv, 2, P, -1);
    assert_int_equal(dlk_lv_slice(lv, 2, H2, H, 0), 0); /* refused: H holds P */
    rw(lv, 3, H2, K);
    rw(lv, 3, X, E);
    assert_int_equal(dlk_lv_view(lv, 3, E, X), 0);      /* refused: X is outside */
    rw(lv, 4, E, F);
    assert_int_equal(dlk_lv_in_place(lv, 4, F, E), 0);  /* refused: E is read at step 5 */
    rw(lv, 5, E, G);
    rw(lv, 5, F, -1);
    assert_int_equal(dlk_lv_in_place(lv, 5, G, E), 0);  /* taken: E dies at 5 */
    assert_int_equal(dlk_lv_solve(lv, 16), 0);
    assert_int_equal(lv->slices[1], 1);
    assert_int_equal(lv->slices[2], 0);
    assert_int_equal(lv->in_place[4], 0);
    assert_int_equal(lv->in_place[5], 1);
    assert_int_equal(lv->host[U], -1);
    assert_int_equal(lv->first[U], 0);
    assert_int_equal(lv->first[K], 3);
    assert_int_equal(lv->last[K], 6);
    assert_int_equal(lv->buf[X], -1);
    assert_int_not_equal(lv->buf[E], -1);
    assert_int_equal(lv->buf[G], lv->buf[E]);
    assert_int_not_equal(lv->buf[F], lv->buf[E]);
    /* buffers: U (never written) first, then H (with P) at step 1, H2, K, E (with G), F */
    assert_int_equal(lv->n_bufs, 6);
    assert_int_equal(lv->buf[U], 0);
    assert_int_equal(lv->buf[P], 1);
    assert_int_equal(lv->buf[H2], 2);
    assert_int_equal(lv->buf[K], 3);
    assert_int_equal(lv->buf[E], 4);
    assert_int_equal(lv->buf[F], 5);
    buf_is(lv, 0, 16, 0, 1, lv->bufs[0].offset);
    assert_int_equal(lv->bufs[1].first, 0);
    assert_int_equal(lv->bufs[1].last, 2);
    assert_int_equal(lv->bufs[3].last, 6);
    assert_int_equal(lv->bufs[4].first, 3);
    assert_int_equal(lv->bufs[4].last, 5);
    assert_int_equal(dlk_lv_check(lv), 0);
    dlk_lv_free(lv);
}

/* A ring of rows written at steps 0, 2, 4 and read at 1, 3, 5 (a streamed schedule's line
 * buffer) lives over [0, 5] next to the one-step values around it. */
static void ring_written_at_several_steps(void **state)
{
    (void)state;
    enum { R, T0, T1, T2, N };
    dlk_liveness *lv = make(N, 6);
    dlk_lv_value(lv, R, 96, 0);
    for (int v = T0; v <= T2; v++) dlk_lv_value(lv, v, 32, 0);
    for (int k = 0; k < 3; k++) {
        rw(lv, 2 * k, -1, R);
        rw(lv, 2 * k + 1, R, T0 + k);
    }
    assert_int_equal(dlk_lv_solve(lv, 32), 0);
    assert_int_equal(lv->first[R], 0);
    assert_int_equal(lv->last[R], 5);
    assert_int_equal(lv->n_bufs, 4);
    buf_is(lv, 0, 96, 0, 5, 0);
    for (int k = 0; k < 3; k++) buf_is(lv, 1 + k, 32, 2 * k + 1, 2 * k + 1, 96);
    assert_int_equal(lv->arena_bytes, 128);
    assert_int_equal(lv->lower_bound, 128);
    assert_int_equal(dlk_lv_check(lv), 0);
    dlk_lv_free(lv);
}

/* ---- the shared models' plans ---------------------------------------------------------------- */

static const char *MODELS[] = {
    "../models/dla46c_mnist_64/dla46c_mnist_64.onnx",
    "../models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx",
    "../models/dla46c_mnist_64/dla46c_mnist_64_qop_int8.onnx",
    "../../shared/models/mnist/dla46c_mnist_64/dla46c_mnist_64.onnx",
    "../../shared/models/mnist/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx",
    "../../shared/models/mnist/dla46c_mnist_64/dla46c_mnist_64_qop_int8.onnx",
    "../../shared/models/zoo/dla46c_pt_224/dla46c_pt_224.onnx",
    "../../shared/models/zoo/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx",
    "../../shared/models/zoo/dla46c_pt_224/dla46c_pt_224_qop_int8.onnx",
    "../../shared/models/zoo/dla46xc_pt_224/dla46xc_pt_224.onnx",
    "../../shared/models/zoo/dla46xc_pt_224/dla46xc_pt_224_qdq_int8.onnx",
    "../../shared/models/zoo/dla46xc_pt_224/dla46xc_pt_224_qop_int8.onnx",
    "../../shared/models/zoo/dla60xc_pt_224/dla60xc_pt_224.onnx",
    "../../shared/models/zoo/dla60xc_pt_224/dla60xc_pt_224_qdq_int8.onnx",
    "../../shared/models/zoo/dla60xc_pt_224/dla60xc_pt_224_qop_int8.onnx",
};

static int sum(const int *x, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}

/* Every model's runtime plan and (int8) program plan pass the check; tensors sit where the plan
 * puts them; the program's in-place Adds and slices are the runtime's too. */
static void shared_models(void **state)
{
    (void)state;
    int checked = 0;
    for (size_t i = 0; i < sizeof MODELS / sizeof *MODELS; i++) {
        if (access(MODELS[i], R_OK)) {
            if (strncmp(MODELS[i], "../../shared/", 13)) fail_msg("%s is missing", MODELS[i]);
            print_message("skipped %s (../shared absent)\n", MODELS[i]);
            continue;
        }
        dlk_err err;
        dlk_model *m = dlk_model_load(MODELS[i], &err);
        assert_non_null(m);
        dlk_shape s = m->g.values[m->g.inputs[0]].shape;
        s.dims[0] = 1;
        dlk_ctx *c = dlk_ctx_new(m, &s, 1, &err);
        if (!c) fail_msg("%s: %s", MODELS[i], err.msg);
        const dlk_liveness *lv = c->lv;
        assert_int_equal(dlk_lv_check(lv), 0);
        assert_true(lv->arena_bytes >= lv->lower_bound);
        assert_int_equal(dlk_ctx_arena_bytes(c), lv->arena_bytes);
        for (int v = 0; v < m->g.n_values; v++) {
            const dlk_tensor *t = &c->t[v];
            if (t->is_const || !t->data) continue;
            if (lv->flags[v] & DLK_LV_OUTSIDE)
                assert_true((const uint8_t *)t->data >= c->arena + lv->arena_bytes && (const uint8_t *)t->data + t->bytes <= c->arena + c->io_end);
            else if (lv->buf[v] >= 0)
                assert_ptr_equal(t->data, c->arena + dlk_lv_arena_offset(lv, v));
        }
        int is_int8 = strstr(MODELS[i], "int8") != NULL;
        print_message("%s: runtime arena %zu (lower bound %zu), %d in place, %d slices\n", MODELS[i], lv->arena_bytes,
                      lv->lower_bound, sum(lv->in_place, lv->n_steps), sum(lv->slices, lv->n_steps));
        if (is_int8) {
            dlk_program p;
            if (dlk_program_build(m, 0, 0, &p, &err)) fail_msg("%s: %s", MODELS[i], err.msg);
            assert_int_equal(dlk_lv_check(p.lv), 0);
            assert_true(p.arena_bytes >= p.lower_bound);
            /* the DLAs' residual Adds are in place and every root Concat's parts are slices */
            assert_true(sum(p.lv->in_place, p.n_steps) > 0);
            assert_true(sum(p.lv->slices, p.n_steps) > 0);
            assert_int_equal(sum(p.lv->in_place, p.n_steps), sum(lv->in_place, lv->n_steps));
            assert_int_equal(sum(p.lv->slices, p.n_steps), sum(lv->slices, lv->n_steps));
            if (!strcmp(dlk_isa_in_use(), "ref")) { /* the kernels the program runs: one plan */
                assert_int_equal(p.arena_bytes, dlk_ctx_arena_bytes(c));
                assert_int_equal(p.n_bufs, lv->n_bufs);
                for (int b = 0; b < lv->n_bufs; b++) {
                    assert_int_equal(p.bufs[b].size, lv->bufs[b].size);
                    assert_int_equal(p.bufs[b].first, lv->bufs[b].first);
                    assert_int_equal(p.bufs[b].last, lv->bufs[b].last);
                    assert_int_equal(p.bufs[b].offset, lv->bufs[b].offset);
                }
                for (int v = 0; v < m->g.n_values; v++) {
                    assert_int_equal(p.buf_of_value[v], lv->buf[v]);
                    if (lv->buf[v] >= 0) assert_int_equal(p.value_off[v], lv->offset[v]);
                }
                print_message("  the same plan as its program: %d buffers, %zu bytes\n", lv->n_bufs, lv->arena_bytes);
            }
            dlk_program_free(&p);
        }
        checked++;
        dlk_ctx_free(c);
        dlk_model_free(m);
    }
    assert_true(checked >= 3);
}

/* The unfused float MNIST model (DLK_LOAD_NO_FUSION, as calibration loads it): its Relus and
 * residual Adds run in place (test_exec_threads' test_fusion_same_bits checks that its outputs
 * are the fused model's bits, with 1 and 2 threads); the plan holds. */
static void unfused_in_place(void **state)
{
    (void)state;
    dlk_err err;
    dlk_model *m = dlk_model_load_ex(MODELS[0], DLK_LOAD_NO_FUSION, &err);
    assert_non_null(m);
    dlk_shape s = m->g.values[m->g.inputs[0]].shape;
    s.dims[0] = 1;
    dlk_ctx *c = dlk_ctx_new(m, &s, 1, &err);
    assert_non_null(c);
    int relu = 0, add = 0;
    for (int i = 0; i < m->g.n_nodes; i++) {
        relu += c->lv->in_place[i] && !strcmp(m->g.nodes[i].op_type, "Relu");
        add += c->lv->in_place[i] && !strcmp(m->g.nodes[i].op_type, "Add");
    }
    print_message("in place: %d Relus, %d Adds\n", relu, add);
    assert_int_equal(relu, 31); /* of 45: the other 14 write Concat parts into their slices */
    assert_int_equal(add, 12);  /* every residual Add */
    assert_int_equal(dlk_lv_check(c->lv), 0);
    dlk_ctx_free(c);
    dlk_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(view_and_in_place),
        cmocka_unit_test(slices_and_scratch),
        cmocka_unit_test(refusals),
        cmocka_unit_test(ring_written_at_several_steps),
        cmocka_unit_test(shared_models),
        cmocka_unit_test(unfused_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
