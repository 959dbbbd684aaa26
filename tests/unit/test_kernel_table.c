/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel tables (kernels/config.h): every slot of every table this CPU runs is set, the conv
 * lists end with the reference, a conv always finds an implementation, and the reference table's
 * wrappers (kernels/ref_table.c) give exactly the bits of the kernels they wrap, on any split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/config.h"

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

static void test_slots_set(void **state)
{
    (void)state;
    int tables = 0;
    for (int i = DLK_ISA_REF; i <= DLK_ISA_NEON; i++) {
        const dlk_kernels *k = dlk_kernels_for((dlk_isa)i);
        if (!k) continue;
        tables++;
        assert_int_equal(k->isa, i);
        assert_non_null(k->quantize_q8);
        assert_non_null(k->qadd_q8);
        assert_non_null(k->maxpool_q8_ok);
        assert_non_null(k->maxpool_q8);
        assert_non_null(k->maxpool_f32);
        assert_non_null(k->maxpool_f32_16c);
        assert_non_null(k->add_f32);
        size_t nq = 0, nf = 0;
        while (nq < sizeof k->qconv / sizeof k->qconv[0] && k->qconv[nq]) nq++;
        while (nf < sizeof k->fconv / sizeof k->fconv[0] && k->fconv[nf]) nf++;
        /* each list ends with the reference, then NULL */
        assert_true(nq >= 1 && nq < sizeof k->qconv / sizeof k->qconv[0]);
        assert_true(nf >= 1 && nf < sizeof k->fconv / sizeof k->fconv[0]);
        assert_ptr_equal(k->qconv[nq - 1], &dlk_q8_conv_ref);
        assert_ptr_equal(k->fconv[nf - 1], &dlk_f32_conv_ref);
    }
    assert_true(tables >= 1);
    assert_ptr_equal(dlk_kernels_ref(), dlk_kernels_for(DLK_ISA_REF));
}

/* an int8 conv no SIMD kernel takes (uint8 weights with zero points, 1 output channel per group)
 * still gets one: the reference; a float conv on NCHW always does, NCHW16C only where a kernel
 * takes it */
static void test_pick_never_null(void **state)
{
    (void)state;
    static const int32_t wzp[2] = {3, 7};
    static const float sc[2] = {0.5f, 0.25f};
    dlk_qconv_params p;
    memset(&p, 0, sizeof p);
    p.g = (dlk_conv_geom){.n = 1, .c_in = 2, .h_in = 3, .w_in = 3, .c_out = 2, .h_out = 3, .w_out = 3, .kh = 1,
                          .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .group = 2};
    p.x_type = p.w_type = p.y_type = DLK_Q_U8;
    p.y_hi = 255;
    p.w_zp = wzp;
    p.scale = sc;
    dlk_conv_geom g16 = p.g;
    g16.layout_in = DLK_NCHW16C;
    for (int i = DLK_ISA_REF; i <= DLK_ISA_NEON; i++) {
        const dlk_kernels *k = dlk_kernels_for((dlk_isa)i);
        if (!k) continue;
        assert_non_null(dlk_qconv_pick(k, &p));
        assert_non_null(dlk_fconv_pick(k, &p.g));
        if (i == DLK_ISA_REF) {
            assert_ptr_equal(dlk_qconv_pick(k, &p), &dlk_q8_conv_ref);
            assert_null(dlk_fconv_pick(k, &g16));
        }
    }
}

/* the reference conv impls through the run protocol equal the reference kernels */
static void test_ref_conv_impls(void **state)
{
    (void)state;
    enum { CI = 3, CO = 4, H = 5, W = 6 };
    float x[CI * H * W], w[CO * CI * 9], b[CO], y0[CO * H * W], y1[CO * H * W], sum[CO * H * W];
    for (int i = 0; i < CI * H * W; i++) x[i] = (float)((int)(next() % 200) - 100) / 16.0f;
    for (int i = 0; i < CO * CI * 9; i++) w[i] = (float)((int)(next() % 200) - 100) / 32.0f;
    for (int i = 0; i < CO; i++) b[i] = (float)i - 1.5f;
    for (int i = 0; i < CO * H * W; i++) sum[i] = (float)((int)(next() % 200) - 100) / 8.0f;
    const dlk_conv_geom g = {.n = 1, .c_in = CI, .h_in = H, .w_in = W, .c_out = CO, .h_out = H, .w_out = W, .kh = 3,
                             .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1, .group = 1};
    dlk_conv_f32_ref(&g, x, w, b, y0);
    const int64_t n = CO * H * W, one = 1;
    dlk_binary_f32_ref(DLK_BIN_ADD, 1, &n, &one, &one, y0, sum, y0);
    dlk_relu_f32_ref(n, y0, y0);
    const dlk_fconv_impl *im = &dlk_f32_conv_ref;
    assert_true(im->supports(&g));
    _Alignas(64) unsigned char packed[64];
    assert_true(im->packed_bytes(&g) <= sizeof packed);
    im->pack(&g, w, b, packed);
    memset(y1, 0, sizeof y1);
    for (int ith = 0; ith < 3; ith++) im->run(&g, packed, x, y1, sum, NULL, 1, ith, 3);
    assert_memory_equal(y0, y1, sizeof y0);
}

static void test_ref_wrappers(void **state)
{
    (void)state;
    enum { N = 1003 };
    float xf[N], a[N], bf[N], y0[N], y1[N];
    uint8_t qa[N], qb[N], q0[N], q1[N];
    for (int i = 0; i < N; i++) {
        xf[i] = (float)((int)(next() % 4000) - 2000) / 7.0f;
        a[i] = (float)((int)(next() % 200) - 100) / 3.0f;
        bf[i] = (float)((int)(next() % 200) - 100) / 5.0f;
        qa[i] = (uint8_t)next();
        qb[i] = (uint8_t)next();
    }
    for (int t = 0; t < 2; t++) {
        const dlk_q8type qt = (dlk_q8type)t;
        const float s = 0.37f;
        const int32_t zp = t ? -5 : 131;
        dlk_quantize_ref(1, 1, N, xf, &s, &zp, qt, q0);
        dlk_quantize_q8_ref_n(N, xf, s, zp, qt, q1);
        assert_memory_equal(q0, q1, N);
        const int64_t n = N, one = 1;
        const int czp = t ? 3 : 120;
        dlk_qadd_q8_ref(1, &n, &one, &one, qt, qa, 0.02f, t ? 1 : 128, qb, 0.03f, t ? -2 : 125, 0.04f, czp, q0);
        dlk_clip_q8_ref(n, qt, q0, czp, dlk_q8_hi(qt), q0);
        dlk_qadd_q8_ref_n(N, qt, qa, 0.02f, t ? 1 : 128, qb, 0.03f, t ? -2 : 125, 0.04f, czp, 1, q1);
        assert_memory_equal(q0, q1, N);
    }
    for (int i = 0; i < N; i++) {
        const float v = a[i] + bf[i];
        y0[i] = v > 0.0f ? v : 0.0f;
    }
    dlk_add_f32_ref_n(N, a, bf, 1, y1);
    assert_memory_equal(y0, y1, sizeof y0);
}

/* MaxPool's reference entries on plane (row) ranges, and on NCHW16C, equal the whole reference */
static void test_ref_maxpool_splits(void **state)
{
    (void)state;
    enum { C = 32, H = 9, W = 7 };
    const dlk_pool_geom g = {.n = 1, .c = C, .h_in = H, .w_in = W, .h_out = 5, .w_out = 4, .kh = 3, .kw = 3, .sh = 2,
                             .sw = 2, .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1, .pad_b = 1, .pad_r = 1};
    static float x[C * H * W], x16[C * H * W], y0[C * 5 * 4], y1[C * 5 * 4], y16[C * 5 * 4], yb[C * 5 * 4];
    static uint8_t qx[C * H * W], q0[C * 5 * 4], q1[C * 5 * 4];
    for (int i = 0; i < C * H * W; i++) {
        x[i] = (float)((int)(next() % 1000) - 500) / 9.0f;
        qx[i] = (uint8_t)next();
    }
    dlk_maxpool_f32_ref(&g, x, y0);
    dlk_maxpool_q8_ref(&g, DLK_Q_I8, qx, q0);
    memset(y1, 0, sizeof y1);
    memset(q1, 0, sizeof q1);
    const int64_t cuts[] = {0, 5, 6, 19, C};
    for (int i = 0; i + 1 < 5; i++) {
        dlk_maxpool_f32_ref_planes(&g, x, y1, cuts[i], cuts[i + 1]);
        dlk_maxpool_q8_ref_planes(&g, DLK_Q_I8, qx, q1, cuts[i], cuts[i + 1]);
    }
    assert_memory_equal(y0, y1, sizeof y0);
    assert_memory_equal(q0, q1, sizeof q0);
    dlk_nchw_to_16c_f32(1, C, H * W, x, x16);
    const int64_t rows = C / 16 * 5;
    dlk_maxpool_f32_16c_ref(&g, x16, y16, 0, 3);
    dlk_maxpool_f32_16c_ref(&g, x16, y16, 3, rows);
    dlk_16c_to_nchw_f32(1, C, 5 * 4, y16, yb);
    assert_memory_equal(y0, yb, sizeof y0);
}

/* dlk_taps_inside against counting every tap */
static void test_taps_inside(void **state)
{
    (void)state;
    for (int start = -9; start <= 12; start++)
        for (int ks = 1; ks <= 5; ks++)
            for (int d = 1; d <= 3; d++)
                for (int n = 1; n <= 8; n++) {
                    int k0, k1;
                    dlk_taps_inside(start, ks, d, n, &k0, &k1);
                    assert_true(0 <= k0 && k0 <= k1 && k1 <= ks);
                    for (int k = 0; k < ks; k++) {
                        const int in = start + k * d >= 0 && start + k * d < n;
                        assert_int_equal(in, k >= k0 && k < k1);
                    }
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_set),       cmocka_unit_test(test_pick_never_null),
        cmocka_unit_test(test_ref_conv_impls),  cmocka_unit_test(test_ref_wrappers),
        cmocka_unit_test(test_ref_maxpool_splits), cmocka_unit_test(test_taps_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
