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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maxpool_ceil),
        cmocka_unit_test(test_avgpool_count_include_pad),
        cmocka_unit_test(test_gavgpool),
        cmocka_unit_test(test_layouts_16c),
        cmocka_unit_test(test_qgavgpool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
