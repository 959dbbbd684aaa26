/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the reference matrix products and element-wise kernels (src/kernels): Gemm with
 * transposes and broadcast C, QLinearMatMul, broadcasting binary ops, QLinearAdd's ORT rounding,
 * unary ops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "kernels/kernels.h"

static tst_rng R = {0x3c6ef372fe94f82bull};

/* ---- matrix products ------------------------------------------------------------------------- */

static void test_gemm(void **state)
{
    (void)state;
    /* A 2x3, B 3x2, hand product: [[1,2,3],[4,5,6]] @ [[1,0],[0,1],[1,1]] = [[4,5],[10,11]] */
    const float A[6] = {1, 2, 3, 4, 5, 6}, AT[6] = {1, 4, 2, 5, 3, 6};
    const float B[6] = {1, 0, 0, 1, 1, 1}, BT[6] = {1, 0, 1, 0, 1, 1};
    const float Crow[2] = {100, 200}, Cfull[4] = {1, 2, 3, 4};
    float Y[4];
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            dlk_gemm_f32_ref(2, 2, 3, 2.0f, ta ? AT : A, ta, tb ? BT : B, tb, 0.5f, Crow, 0, 1, Y);
            assert_float_equal(Y[0], 8 + 50, 0.0f);
            assert_float_equal(Y[1], 10 + 100, 0.0f);
            assert_float_equal(Y[2], 20 + 50, 0.0f);
            assert_float_equal(Y[3], 22 + 100, 0.0f);
        }
    dlk_gemm_f32_ref(2, 2, 3, 1.0f, A, 0, B, 0, 1.0f, Cfull, 2, 1, Y);
    assert_float_equal(Y[0], 5, 0.0f);
    assert_float_equal(Y[3], 15, 0.0f);
    dlk_gemm_f32_ref(2, 2, 3, 1.0f, A, 0, B, 0, 1.0f, NULL, 0, 0, Y);
    assert_float_equal(Y[1], 5, 0.0f);
    /* column broadcast C (c_rs = 1, c_cs = 0) */
    dlk_gemm_f32_ref(2, 2, 3, 1.0f, A, 0, B, 0, 1.0f, Crow, 1, 0, Y);
    assert_float_equal(Y[0], 104, 0.0f);
    assert_float_equal(Y[1], 105, 0.0f);
    assert_float_equal(Y[2], 210, 0.0f);

    /* random, larger, against a naive loop */
    enum { M = 3, N = 37, K = 29 };
    float a[M * K], b[K * N], bt[N * K], y[M * N];
    for (int i = 0; i < M * K; i++) a[i] = tst_rndf(&R);
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) b[k * N + j] = bt[j * K + k] = tst_rndf(&R);
    for (int tb = 0; tb < 2; tb++) {
        dlk_gemm_f32_ref(M, N, K, 1.0f, a, 0, tb ? bt : b, tb, 0.0f, NULL, 0, 0, y);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += (double)a[i * K + k] * b[k * N + j];
                assert_float_equal(y[i * N + j], s, 1e-5);
            }
    }
}

static void test_qmatmul(void **state)
{
    (void)state;
    /* hand: a - 3 = [1, 2], b - 1 = [[1],[3]] -> 7, * f32(f32(0.5*0.5)/0.5) = 0.5 -> 3.5 -> 4, + 10 */
    const uint8_t A[2] = {4, 5}, B[2] = {2, 4};
    uint8_t Y[1];
    dlk_qmatmul_q8_ref(1, 1, 2, DLK_Q_U8, A, 0.5f, 3, DLK_Q_U8, B, 0.5f, 1, DLK_Q_U8, 0.5f, 10, Y);
    assert_int_equal(Y[0], 14);

    enum { M = 4, N = 300, K = 17 };
    static int8_t a[M * K], b[K * N], y[M * N];
    for (int i = 0; i < M * K; i++) a[i] = (int8_t)tst_rndi(&R, -128, 127);
    for (int i = 0; i < K * N; i++) b[i] = (int8_t)tst_rndi(&R, -128, 127);
    const float as = 0.02f, bs = 0.03f, ys = 0.7f;
    dlk_qmatmul_q8_ref(M, N, K, DLK_Q_I8, a, as, 3, DLK_Q_I8, b, bs, -5, DLK_Q_I8, ys, -2, y);
    const float s = (as * bs) / ys;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < K; k++) acc += (a[i * K + k] - 3) * (b[k * N + j] + 5);
            assert_int_equal(y[i * N + j], tst_requant_naive(acc, s, -2, -128, 127));
        }
}

/* ---- element-wise ----------------------------------------------------------------------------- */

static void test_binary_broadcast(void **state)
{
    (void)state;
    /* a [2][3][4], b [3][1] broadcast to [2][3][4] */
    float a[24], b[3], y[24];
    for (int i = 0; i < 24; i++) a[i] = (float)(i + 1);
    b[0] = 2, b[1] = 4, b[2] = 8;
    const int64_t out[3] = {2, 3, 4}, as[3] = {12, 4, 1}, bs[3] = {0, 1, 0};
    const dlk_binop ops[4] = {DLK_BIN_ADD, DLK_BIN_SUB, DLK_BIN_MUL, DLK_BIN_DIV};
    for (int o = 0; o < 4; o++) {
        dlk_binary_f32_ref(ops[o], 3, out, as, bs, a, b, y);
        for (int i = 0; i < 24; i++) {
            const float av = a[i], bv = b[(i / 4) % 3];
            const float e = o == 0 ? av + bv : o == 1 ? av - bv : o == 2 ? av * bv : av / bv;
            assert_float_equal(y[i], e, 0.0f);
        }
    }
    /* scalar (ndim 0) and a broadcast on the inner dimension of a */
    float s1 = 3, s2 = 4, ys;
    dlk_binary_f32_ref(DLK_BIN_MUL, 0, NULL, NULL, NULL, &s1, &s2, &ys);
    assert_float_equal(ys, 12, 0.0f);
    const int64_t o2[2] = {2, 3}, a2[2] = {1, 0}, b2[2] = {3, 1};
    float av2[2] = {10, 20}, bv2[6] = {1, 2, 3, 4, 5, 6}, y2[6];
    dlk_binary_f32_ref(DLK_BIN_SUB, 2, o2, a2, b2, av2, bv2, y2);
    const float e2[6] = {9, 8, 7, 16, 15, 14};
    for (int i = 0; i < 6; i++) assert_float_equal(y2[i], e2[i], 0.0f);
}

/* QLinearAdd emulated with doubles: a*b + c of floats with an 8-bit integer a is exact in
 * double here, so one rounding to float equals fmaf. */
static float emu_fma(float a, float b, float c) { return (float)((double)a * b + c); }

static void test_qadd(void **state)
{
    (void)state;
    /* rA = 1, rB = 0.5; fixed = 5 - (10 + 10) = -15 */
    const int64_t out[1] = {3}, st[1] = {1};
    const uint8_t a[3] = {30, 30, 255}, b[3] = {41, 39, 255};
    uint8_t c[3];
    dlk_qadd_q8_ref(1, out, st, st, DLK_Q_U8, a, 0.5f, 10, b, 0.25f, 20, 0.5f, 5, c);
    assert_int_equal(c[0], 36);  /* 20.5 - 15 + 30 = 35.5 -> 36 */
    assert_int_equal(c[1], 34);  /* 19.5 - 15 + 30 = 34.5 -> 34 */
    assert_int_equal(c[2], 255); /* saturates */
    const int8_t ai[2] = {-128, 100}, bi[2] = {-128, 100};
    int8_t ci[2];
    const int64_t out2[1] = {2};
    dlk_qadd_q8_ref(1, out2, st, st, DLK_Q_I8, ai, 1.0f, 0, bi, 1.0f, 0, 1.0f, 0, ci);
    assert_int_equal(ci[0], -128);
    assert_int_equal(ci[1], 127);

    /* cases where the fused multiply-adds decide the rounding (found by search):
     * t-steps: fmaf gives 244.500015 -> 245 (the b step decides) and 1.49998677 -> 1, unfused
     * 244.5 -> 244 and 1.5 -> 2;
     * fixed term: fmaf gives 59.5000076 -> 60 and 109.499992 -> 109, unfused 59 and 110. */
    const struct { float as, bs, cs; int za, zb, zc, a, b, c; } fc[5] = {
        {0x1.073366p-5f, 0x1.5c7582p-4f, 0x1.862d4p-5f, 141, 150, 211, 143, 168, 245},
        {0x1.44c8bcp-4f, 0x1.38d3f2p-5f, 0x1.3d2e94p-4f, 215, 156, 34, 177, 169, 1},
        {0x1.2b063ep-4f, 0x1.7724fap-4f, 0x1.fffde8p-5f, 85, 188, 218, 71, 91, 60},
        {0x1.bf67f4p-5f, 0x1.0fb118p-4f, 0x1.412be4p-4f, 210, 200, 138, 112, 247, 109},
        /* only the last step (a): fmaf 166.500015 -> 167, unfused 166.5 -> 166 */
        {0x1.dbf27p-5f, 0x1.68576cp-5f, 0x1.55e4a4p-4f, 236, 19, 144, 207, 100, 167},
    };
    const int64_t one[1] = {1};
    for (int i = 0; i < 5; i++) {
        const uint8_t fa = (uint8_t)fc[i].a, fb = (uint8_t)fc[i].b;
        uint8_t fcv;
        dlk_qadd_q8_ref(1, one, st, st, DLK_Q_U8, &fa, fc[i].as, fc[i].za, &fb, fc[i].bs, fc[i].zb,
                        fc[i].cs, fc[i].zc, &fcv);
        assert_int_equal(fcv, fc[i].c);
    }

    /* random with broadcasting, against the documented formula */
    for (int it = 0; it < 400; it++) {
        const dlk_q8type t = it % 2 ? DLK_Q_I8 : DLK_Q_U8;
        const int lo = dlk_q8_lo(t), hi = dlk_q8_hi(t);
        const float as_ = 0.001f + 0.1f * fabsf(tst_rndf(&R)), bs_ = 0.001f + 0.1f * fabsf(tst_rndf(&R));
        const float cs_ = 0.001f + 0.1f * fabsf(tst_rndf(&R));
        const int za = tst_rndi(&R, lo, hi), zb = tst_rndi(&R, lo, hi), zc = tst_rndi(&R, lo, hi);
        /* out [2][3][5]; a full, b broadcast [1][3][1] */
        const int64_t o[3] = {2, 3, 5}, sa[3] = {15, 5, 1}, sb[3] = {0, 1, 0};
        uint8_t av[30], bv[3], cv[30];
        for (int i = 0; i < 30; i++) tst_qstore(av, t, (size_t)i, tst_rndi(&R, lo, hi));
        for (int i = 0; i < 3; i++) tst_qstore(bv, t, (size_t)i, tst_rndi(&R, lo, hi));
        dlk_qadd_q8_ref(3, o, sa, sb, t, av, as_, za, bv, bs_, zb, cs_, zc, cv);
        const float rA = as_ / cs_, rB = bs_ / cs_;
        const float fixed = (float)zc - emu_fma(rA, (float)za, rB * (float)zb);
        for (int i = 0; i < 30; i++) {
            const float x = (float)tst_qload(av, t, (size_t)i), y = (float)tst_qload(bv, t, (size_t)(i / 5) % 3);
            float v = emu_fma(x, rA, emu_fma(y, rB, fixed));
            v = fminf(fmaxf(v, (float)lo), (float)hi);
            assert_int_equal(tst_qload(cv, t, (size_t)i), (int)rintf(v));
        }
    }
}

static void test_unary(void **state)
{
    (void)state;
    const float x[5] = {-2.0f, -0.0f, 0.5f, 3.0f, 100.0f};
    float y[5];
    dlk_relu_f32_ref(5, x, y);
    assert_float_equal(y[0], 0.0f, 0.0f);
    assert_float_equal(y[2], 0.5f, 0.0f);
    assert_float_equal(y[4], 100.0f, 0.0f);
    dlk_sigmoid_f32_ref(5, x, y);
    assert_float_equal(y[0], 1.0f / (1.0f + expf(2.0f)), 1e-7f);
    assert_float_equal(y[1], 0.5f, 0.0f);
    assert_float_equal(y[4], 1.0f, 1e-7f);
    const float big[2] = {-200.0f, 200.0f};
    dlk_sigmoid_f32_ref(2, big, y);
    assert_true(y[0] >= 0.0f && y[0] < 1e-30f);
    assert_float_equal(y[1], 1.0f, 0.0f);
    dlk_clip_f32_ref(5, x, -1.0f, 1.0f, y);
    assert_float_equal(y[0], -1.0f, 0.0f);
    assert_float_equal(y[2], 0.5f, 0.0f);
    assert_float_equal(y[3], 1.0f, 0.0f);
    const int8_t xq[4] = {-128, -5, 5, 127};
    int8_t yq[4];
    dlk_clip_q8_ref(4, DLK_Q_I8, xq, -10, 6, yq);
    assert_int_equal(yq[0], -10);
    assert_int_equal(yq[1], -5);
    assert_int_equal(yq[2], 5);
    assert_int_equal(yq[3], 6);

    /* softmax over the middle dim of [2][3][2] */
    float sx[12], sy[12];
    for (int i = 0; i < 12; i++) sx[i] = (float)(i % 5) * 0.7f - 1.0f;
    sx[0] = 1000.0f; /* max subtraction keeps this finite */
    dlk_softmax_f32_ref(2, 3, 2, sx, sy);
    for (int o = 0; o < 2; o++)
        for (int in = 0; in < 2; in++) {
            double m = -1e30, s = 0;
            for (int k = 0; k < 3; k++) m = fmax(m, sx[o * 6 + k * 2 + in]);
            for (int k = 0; k < 3; k++) s += exp(sx[o * 6 + k * 2 + in] - m);
            for (int k = 0; k < 3; k++)
                assert_float_equal(sy[o * 6 + k * 2 + in], exp(sx[o * 6 + k * 2 + in] - m) / s, 1e-6);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_qmatmul),
        cmocka_unit_test(test_binary_broadcast),
        cmocka_unit_test(test_qadd),
        cmocka_unit_test(test_unary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
