/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the reference pooling kernels and the NCHW16C layout converters (src/kernels):
 * ceil_mode windows, count_include_pad, global averages in float and int8, round trips.
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

static tst_rng R = {0x7f4a7c159e3779b9ull};

/* ---- pooling ----------------------------------------------------------------------------------- */

static void test_maxpool_ceil(void **state)
{
    (void)state;
    /* 5x5 of -(1..25), k2 s2, ceil_mode -> 3x3; the last window holds only x[4][4]; padding
     * (if it counted as 0) would win, so it must not */
    float x[25], y[9];
    int8_t xq[25], yq[9];
    for (int i = 0; i < 25; i++) x[i] = -(float)(i + 1), xq[i] = (int8_t)(-(i + 1) * 4);
    dlk_pool_geom g = {.n = 1, .c = 1, .h_in = 5, .w_in = 5, .h_out = 3, .w_out = 3, .kh = 2,
                       .kw = 2, .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pad_b = 1, .pad_r = 1};
    dlk_maxpool_f32_ref(&g, x, y);
    const float expect[9] = {-1, -3, -5, -11, -13, -15, -21, -23, -25};
    for (int i = 0; i < 9; i++) assert_float_equal(y[i], expect[i], 0.0f);
    dlk_maxpool_q8_ref(&g, DLK_Q_I8, xq, yq);
    for (int i = 0; i < 9; i++) assert_int_equal(yq[i], (int)expect[i] * 4);

    /* dilation 2, pad 1: out(0,0) taps rows/cols {-1,1} -> only x[1][1]; out(1,1) taps {1,3} */
    dlk_pool_geom gd = {.n = 1, .c = 1, .h_in = 5, .w_in = 5, .h_out = 2, .w_out = 2, .kh = 2,
                        .kw = 2, .sh = 2, .sw = 2, .dh = 2, .dw = 2, .pad_t = 1, .pad_l = 1};
    float yd[4];
    dlk_maxpool_f32_ref(&gd, x, yd);
    assert_float_equal(yd[0], -7.0f, 0.0f);
    assert_float_equal(yd[3], -7.0f, 0.0f); /* max of x[1][1], x[1][3], x[3][1], x[3][3] */
    assert_float_equal(yd[1], -7.0f, 0.0f); /* out(0,1): rows {-1,1}, cols {1,3} -> x[1][1],x[1][3] */

    /* a window entirely in padding: -inf for float, the type's lowest for q8 */
    dlk_pool_geom ge = {.n = 1, .c = 1, .h_in = 1, .w_in = 1, .h_out = 1, .w_out = 2, .kh = 1,
                        .kw = 1, .sh = 1, .sw = 2, .dh = 1, .dw = 1, .pad_r = 2};
    float xe = 3.0f, ye[2];
    uint8_t xu = 7, yu[2];
    dlk_maxpool_f32_ref(&ge, &xe, ye);
    assert_float_equal(ye[0], 3.0f, 0.0f);
    assert_true(isinf(ye[1]) && ye[1] < 0);
    dlk_maxpool_q8_ref(&ge, DLK_Q_U8, &xu, yu);
    assert_int_equal(yu[0], 7);
    assert_int_equal(yu[1], 0);
}

static void test_avgpool_count_include_pad(void **state)
{
    (void)state;
    /* 6x6 input x[r][c] = 6r + c + 1, k3 s2 pad 1 all round, ceil_mode -> 4x4.
     * The last window covers rows 5..7: row 5 is real, row 6 is the bottom pad, row 7 lies past
     * the padded input, so count_include_pad counts 2 rows there (not 3). */
    float x[36], y[16];
    for (int i = 0; i < 36; i++) x[i] = (float)(i + 1);
    dlk_pool_geom g = {.n = 1, .c = 1, .h_in = 6, .w_in = 6, .h_out = 4, .w_out = 4, .kh = 3,
                       .kw = 3, .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1,
                       .pad_b = 1, .pad_r = 1, .count_include_pad = 1};
    dlk_avgpool_f32_ref(&g, x, y);
    assert_float_equal(y[0], (1 + 2 + 7 + 8) / 9.0f, 1e-6f);  /* 3x3 padded window */
    assert_float_equal(y[3], (6 + 12) / 6.0f, 1e-6f);         /* 3 rows x 2 cols */
    assert_float_equal(y[5], 135.0f / 9.0f, 1e-6f);           /* interior (1,1) */
    assert_float_equal(y[15], 36.0f / 4.0f, 1e-6f);           /* 2x2 counted */
    g.count_include_pad = 0;
    dlk_avgpool_f32_ref(&g, x, y);
    assert_float_equal(y[0], 18.0f / 4.0f, 1e-6f);
    assert_float_equal(y[3], 18.0f / 2.0f, 1e-6f);
    assert_float_equal(y[5], 135.0f / 9.0f, 1e-6f);
    assert_float_equal(y[15], 36.0f, 1e-6f);
}

static void test_gavgpool(void **state)
{
    (void)state;
    float x[8] = {1, 2, 3, 4, -1, -2, -3, 10}, y[2];
    dlk_gavgpool_f32_ref(2, 4, x, y);
    assert_float_equal(y[0], 2.5f, 0.0f);
    assert_float_equal(y[1], 1.0f, 0.0f);
}

/* the layout converters are each other's inverse, and GlobalAveragePool on NCHW16C gives the NCHW
 * pool's bits (each channel summed in the same order) */
static void test_layouts_16c(void **state)
{
    (void)state;
    for (int it = 0; it < 20; it++) {
        const int n = tst_rndi(&R, 1, 3), c = 16 * tst_rndi(&R, 1, 4), hw = tst_rndi(&R, 1, 60);
        const size_t nx = (size_t)n * c * hw;
        float *x = malloc(nx * 4), *x16 = malloc(nx * 4), *back = malloc(nx * 4), *y0 = malloc((size_t)n * c * 4),
              *y1 = malloc((size_t)n * c * 4);
        assert_true(x && x16 && back && y0 && y1);
        for (size_t i = 0; i < nx; i++) x[i] = tst_rndf(&R) * 1000.0f;
        dlk_nchw_to_16c_f32(n, c, hw, x, x16);
        /* channel 17 of image 0 at pixel hw - 1 (block 1, lane 1), when there are 2 blocks */
        if (c >= 32) assert_true(x16[((size_t)1 * hw + hw - 1) * 16 + 1] == x[(size_t)17 * hw + hw - 1]);
        dlk_16c_to_nchw_f32(n, c, hw, x16, back);
        assert_memory_equal(x, back, nx * 4);
        dlk_gavgpool_f32_ref(n * c, hw, x, y0);
        dlk_gavgpool_f32_16c_ref(n, c, hw, x16, y1);
        assert_memory_equal(y0, y1, (size_t)n * c * 4);
        free(x), free(x16), free(back), free(y0), free(y1);
    }
}

static void test_qgavgpool(void **state)
{
    (void)state;
    /* s = 0.5 / (0.25 * 4) = 0.5; acc = 101 - 5*4 = 81; 40.5 -> 40 (even), + 3 */
    const uint8_t x[8] = {10, 20, 30, 41, 0, 0, 0, 255};
    uint8_t y[2];
    dlk_qgavgpool_q8_ref(2, 4, DLK_Q_U8, x, 0.5f, 5, 0.25f, 3, y);
    assert_int_equal(y[0], 43);
    /* second plane: acc = 255 - 20 = 235 -> 117.5 -> 118 + 3 */
    assert_int_equal(y[1], 121);
    /* i8, saturation at -128 */
    const int8_t xi[4] = {-128, -128, -128, -127};
    int8_t yi[1];
    dlk_qgavgpool_q8_ref(1, 4, DLK_Q_I8, xi, 1.0f, 0, 0.25f, 0, yi);
    assert_int_equal(yi[0], -128); /* acc -511 * 1 = -511 -> clamp */
    dlk_qgavgpool_q8_ref(1, 4, DLK_Q_I8, xi, 1.0f, -100, 1.0f, 2, yi);
    assert_int_equal(yi[0], -26); /* acc = -511 + 400 = -111, *0.25 = -27.75 -> -28 + 2 */

    /* random against the formula */
    for (int it = 0; it < 50; it++) {
        const int hw = tst_rndi(&R, 1, 300);
        uint8_t xr[300], yr[1];
        for (int i = 0; i < hw; i++) xr[i] = (uint8_t)tst_rndi(&R, 0, 255);
        const float xs = 0.01f + 0.1f * fabsf(tst_rndf(&R)), ys = 0.01f + 0.1f * fabsf(tst_rndf(&R));
        const int xz = tst_rndi(&R, 0, 255), yz = tst_rndi(&R, 0, 255);
        int32_t acc = 0;
        for (int i = 0; i < hw; i++) acc += xr[i];
        acc -= xz * hw;
        const float s = xs / (ys * (float)hw);
        dlk_qgavgpool_q8_ref(1, hw, DLK_Q_U8, xr, xs, xz, ys, yz, yr);
        assert_int_equal(yr[0], tst_requant_naive(acc, s, yz, 0, 255));
    }
}

/* QLinearAveragePool as ORT computes it (qlinear_pool.cc): the zero point added before rounding,
 * count_include_pad dividing by kh*kw even where the window passes the trailing pads, the
 * in-range count otherwise, and the whole-input window falling back to QLinearGlobalAveragePool. */
static void test_qavgpool(void **state)
{
    (void)state;
    /* 1x1x3x3 int8 all 4 (scale 1, zp 0), k2 s2 no pads, ceil_mode: 2x2 out; windows of 4, 2, 2, 1
     * values; count_include_pad 1 divides every one by 4 (ONNX's float rule would clip the divisor
     * to the input here), 0 by the values in it */
    int8_t x[9], y[4];
    for (int i = 0; i < 9; i++) x[i] = 4;
    dlk_pool_geom g = {.n = 1, .c = 1, .h_in = 3, .w_in = 3, .h_out = 2, .w_out = 2, .kh = 2, .kw = 2, .sh = 2, .sw = 2,
                       .dh = 1, .dw = 1, .count_include_pad = 1};
    dlk_qavgpool_q8_ref(&g, DLK_Q_I8, x, 1.0f, 0, 1.0f, 0, y, 0, 1);
    const int8_t inc[4] = {4, 2, 2, 1};
    assert_memory_equal(y, inc, 4);
    g.count_include_pad = 0;
    dlk_qavgpool_q8_ref(&g, DLK_Q_I8, x, 1.0f, 0, 1.0f, 0, y, 0, 1);
    const int8_t exc[4] = {4, 4, 4, 4};
    assert_memory_equal(y, exc, 4);
    /* rounding after the zero point: avg 0.5 with y_zp -127 is rne(-126.5) = -126 (QuantizeLinear's
     * rne(0.5) - 127 would be -127); avg 1.5 is rne(-125.5) = -126 too */
    int8_t x2[4] = {0, 1, 1, 2}, y2[2];
    dlk_pool_geom g2 = {.n = 1, .c = 1, .h_in = 1, .w_in = 4, .h_out = 1, .w_out = 2, .kh = 1, .kw = 2, .sh = 1, .sw = 2,
                        .dh = 1, .dw = 1};
    dlk_qavgpool_q8_ref(&g2, DLK_Q_I8, x2, 1.0f, 0, 1.0f, -127, y2, 0, 1);
    assert_int_equal(y2[0], -126);
    assert_int_equal(y2[1], -126);
    /* uint8 with zero points and a pad: 1x1x2x2 {10, 20, 30, 40}, zp 10, scale 0.5; k2 s1 pad_t/l 1,
     * count_include_pad 0 -> the top-left window holds x[0][0] only: 0.5 * 0 = 0 -> y_zp */
    uint8_t xu[4] = {10, 20, 30, 40}, yu[9];
    dlk_pool_geom g3 = {.n = 1, .c = 1, .h_in = 2, .w_in = 2, .h_out = 3, .w_out = 3, .kh = 2, .kw = 2, .sh = 1, .sw = 1,
                        .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1, .pad_b = 1, .pad_r = 1};
    dlk_qavgpool_q8_ref(&g3, DLK_Q_U8, xu, 0.5f, 10, 0.25f, 3, yu, 0, 1);
    /* centre: (0 + 5 + 10 + 15) / 4 = 7.5 -> 30 + 3; corners: 0, 5, 10, 15 -> 3, 23, 43, 63 */
    assert_int_equal(yu[4], 33);
    assert_int_equal(yu[0], 3);
    assert_int_equal(yu[2], 23);
    assert_int_equal(yu[6], 43);
    assert_int_equal(yu[8], 63);
    /* whole input, no pads: QLinearGlobalAveragePool's integer path, bit for bit */
    uint8_t yg[1], yr[1];
    dlk_pool_geom g4 = {.n = 1, .c = 1, .h_in = 2, .w_in = 2, .h_out = 1, .w_out = 1, .kh = 2, .kw = 2, .sh = 1, .sw = 1,
                        .dh = 1, .dw = 1};
    dlk_qavgpool_q8_ref(&g4, DLK_Q_U8, xu, 0.37f, 7, 0.11f, 5, yg, 0, 1);
    dlk_qgavgpool_q8_ref(1, 4, DLK_Q_U8, xu, 0.37f, 7, 0.11f, 5, yr);
    assert_int_equal(yg[0], yr[0]);
}

/* QLinearLeakyRelu's table: alpha 0 is Dequantize -> Relu -> Quantize in float; alpha 1 the plain
 * requantization table */
static void test_leakyrelu_lut(void **state)
{
    (void)state;
    uint8_t lut[256], req[256];
    dlk_leakyrelu_lut_q8(DLK_Q_I8, 0.05f, 3, 0.0f, 0.07f, -2, lut);
    for (int v = -128; v <= 127; v++) {
        float d = 0.05f * (float)(v - 3);
        d = d > 0.0f ? d : 0.0f;
        assert_int_equal((int8_t)lut[v + 128], dlk_quantize1(d, 0.07f, -2, -128, 127));
    }
    assert_int_equal((int8_t)lut[0], -2); /* negative inputs give the zero point */
    dlk_leakyrelu_lut_q8(DLK_Q_U8, 0.05f, 3, 1.0f, 0.07f, 9, lut);
    dlk_requant_lut_q8(DLK_Q_U8, 0.05f, 3, 0.07f, 9, req);
    assert_memory_equal(lut, req, 256);
    dlk_leakyrelu_lut_q8(DLK_Q_U8, 1.0f, 128, 0.5f, 1.0f, 128, lut);
    assert_int_equal(lut[100], 114); /* -28 * 0.5 = -14 */
    assert_int_equal(lut[200], 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maxpool_ceil),
        cmocka_unit_test(test_avgpool_count_include_pad),
        cmocka_unit_test(test_gavgpool),
        cmocka_unit_test(test_layouts_16c),
        cmocka_unit_test(test_qgavgpool),
        cmocka_unit_test(test_qavgpool),
        cmocka_unit_test(test_leakyrelu_lut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
