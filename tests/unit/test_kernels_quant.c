/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the reference quantization arithmetic (src/kernels): requantization rounding and
 * clamps, QuantizeLinear's true division, Quantize/DequantizeLinear, QLinearConcat's tables.
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

/* ---- requantization ------------------------------------------------------------------------------- */

static void test_requant_rounding(void **state)
{
    (void)state;
    /* ties go to even */
    assert_int_equal(dlk_requant(5, 0.5f, 0, -128, 127), 2);   /* 2.5 */
    assert_int_equal(dlk_requant(7, 0.5f, 0, -128, 127), 4);   /* 3.5 */
    assert_int_equal(dlk_requant(-5, 0.5f, 0, -128, 127), -2); /* -2.5 */
    assert_int_equal(dlk_requant(-7, 0.5f, 0, -128, 127), -4); /* -3.5 */
    assert_int_equal(dlk_requant(1, 0.5f, 0, -128, 127), 0);   /* 0.5 */
    assert_int_equal(dlk_requant(3, 0.5f, 1, -128, 127), 3);   /* 1.5 -> 2, + zp */
    assert_int_equal(dlk_requant(11, 0.25f, 0, -128, 127), 3); /* 2.75 */
    assert_int_equal(dlk_requant(9, 0.25f, 0, -128, 127), 2);  /* 2.25 */
    /* clamps, applied relative to the zero point */
    assert_int_equal(dlk_requant(1000, 1.0f, 0, -128, 127), 127);
    assert_int_equal(dlk_requant(-1000, 1.0f, 0, -128, 127), -128);
    assert_int_equal(dlk_requant(200, 1.0f, 128, 0, 255), 255);
    assert_int_equal(dlk_requant(-200, 1.0f, 128, 0, 255), 0);
    assert_int_equal(dlk_requant(126, 1.0f, 128, 0, 255), 254);
    assert_int_equal(dlk_requant(-128, 1.0f, 128, 0, 255), 0);
    /* a fused Relu raises lo to zp */
    assert_int_equal(dlk_requant(-5, 1.0f, 10, 10, 255), 10);
    assert_int_equal(dlk_requant(-5, 1.0f, -128, -128, 127), -128);
    assert_int_equal(dlk_requant(3, 1.0f, -128, -128, 127), -125);
    /* the product is rounded to float once: 16777217 -> 16777216.f, * 2^-24 = 1 exactly */
    assert_int_equal(dlk_requant(16777217, 1.0f / 16777216.0f, 0, -128, 127), 1);
}

static void test_quantize1(void **state)
{
    (void)state;
    /* x / scale is a true division: this pair gives exactly -117.5 (-> -118), whereas
     * x * (1/scale) gives -117.499992 (-> -117). */
    const float s = 0x1.83f91ep-12f, x = -0x1.6425aep-5f;
    assert_true(nearbyintf(x * (1.0f / s)) == -117.0f); /* the trap this guards against */
    assert_int_equal(dlk_quantize1(x, s, 0, -128, 127), -118);
    assert_int_equal(dlk_quantize1(x, s, 10, -128, 127), -108);
    assert_int_equal(dlk_quantize1(0.5f, 1.0f, 0, -128, 127), 0);
    assert_int_equal(dlk_quantize1(1.5f, 1.0f, 0, -128, 127), 2);
    assert_int_equal(dlk_quantize1(-2.5f, 1.0f, 0, -128, 127), -2);
    assert_int_equal(dlk_quantize1(1.0f, 0.1f, 128, 0, 255), 138);
    assert_int_equal(dlk_quantize1(1e9f, 0.1f, 128, 0, 255), 255);
    assert_int_equal(dlk_quantize1(-1e9f, 0.1f, 128, 0, 255), 0);
    assert_int_equal(dlk_quantize1(INFINITY, 1.0f, 0, -128, 127), 127);
    assert_int_equal(dlk_quantize1(-INFINITY, 1.0f, 0, -128, 127), -128);
    /* NaN: documented choice (as SSE maxps/minps in ORT's x86 path) is lo */
    assert_int_equal(dlk_quantize1(NAN, 1.0f, 5, 0, 255), 0);
    assert_int_equal(dlk_quantize1(NAN, 1.0f, 5, -128, 127), -128);
}

/* ---- quantization --------------------------------------------------------------------------- */

static void test_quantize_dequantize(void **state)
{
    (void)state;
    /* [outer 2][axis 3][inner 2], per-channel */
    float x[12];
    for (int i = 0; i < 12; i++) x[i] = (float)i - 5.5f;
    const float sc[3] = {0.5f, 1.0f, 0.25f};
    const int32_t zp[3] = {0, 10, -20};
    int8_t q[12];
    dlk_quantize_ref(2, 3, 2, x, sc, zp, DLK_Q_I8, q);
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < 2; i++) {
                const int idx = (o * 3 + k) * 2 + i;
                const int e = (int)fminf(fmaxf(rintf(x[idx] / sc[k]) + (float)zp[k], -128.0f), 127.0f);
                assert_int_equal(q[idx], e);
            }
    assert_int_equal(q[0], -11); /* -5.5 / 0.5 = -11 */
    assert_int_equal(q[2], 6);   /* -3.5 -> -4 (even), + 10 */
    float d[12];
    dlk_dequantize_ref(2, 3, 2, q, DLK_Q_I8, 0, sc, zp, d);
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < 2; i++) {
                const int idx = (o * 3 + k) * 2 + i;
                assert_float_equal(d[idx], (float)(q[idx] - zp[k]) * sc[k], 0.0f);
            }
    /* u8 per-tensor */
    const uint8_t qu[3] = {0, 128, 255};
    const float s1 = 0.1f;
    const int32_t z1 = 128;
    float du[3];
    dlk_dequantize_ref(1, 1, 3, qu, DLK_Q_U8, 0, &s1, &z1, du);
    assert_float_equal(du[0], -12.8f, 1e-6f);
    assert_float_equal(du[1], 0.0f, 0.0f);
    assert_float_equal(du[2], 12.7f, 1e-6f);
    uint8_t qq[3];
    dlk_quantize_ref(1, 1, 3, du, &s1, &z1, DLK_Q_U8, qq);
    assert_memory_equal(qq, qu, 3);
    /* int32 input (bias) */
    const int32_t qi[2] = {-1000000, 7};
    const float s2 = 0.001f;
    float di[2];
    dlk_dequantize_ref(1, 1, 2, qi, DLK_Q_I8, 1, &s2, NULL, di);
    assert_float_equal(di[0], (float)-1000000 * 0.001f, 0.0f);
    assert_float_equal(di[1], 7.0f * 0.001f, 0.0f);
}

static void test_requant_lut(void **state)
{
    (void)state;
    uint8_t lut[256];
    /* u8: (v - 128) * 0.5, y_scale 1, y_zp 128 */
    dlk_requant_lut_q8(DLK_Q_U8, 0.5f, 128, 1.0f, 128, lut);
    assert_int_equal(lut[129], 128); /* 0.5 -> 0 */
    assert_int_equal(lut[131], 130); /* 1.5 -> 2 */
    assert_int_equal(lut[133], 130); /* 2.5 -> 2 */
    assert_int_equal(lut[0], 64);
    assert_int_equal(lut[255], 192); /* 63.5 -> 64 */
    for (int v = 0; v < 256; v++)
        assert_int_equal(lut[v], dlk_quantize1(0.5f * (float)(v - 128), 1.0f, 128, 0, 255));
    uint8_t x[4] = {0, 129, 133, 255}, y[4];
    dlk_apply_lut_q8(4, DLK_Q_U8, lut, x, y);
    assert_int_equal(y[0], 64);
    assert_int_equal(y[1], 128);
    assert_int_equal(y[2], 130);
    assert_int_equal(y[3], 192);

    /* i8: index v + 128, bytes hold int8 two's complement; saturates at both ends */
    dlk_requant_lut_q8(DLK_Q_I8, 0.1f, 5, 0.05f, -3, lut);
    for (int v = -128; v <= 127; v++) {
        const int e = dlk_quantize1(0.1f * (float)(v - 5), 0.05f, -3, -128, 127);
        assert_int_equal((int8_t)lut[v + 128], e);
    }
    assert_int_equal((int8_t)lut[0], -128);  /* (-133*0.1)/0.05 = -266 -> saturate */
    assert_int_equal((int8_t)lut[255], 127);
    assert_int_equal((int8_t)lut[5 + 128], -3);
    const int8_t xi[3] = {-128, 5, 6};
    int8_t yi[3];
    dlk_apply_lut_q8(3, DLK_Q_I8, lut, xi, yi);
    assert_int_equal(yi[0], -128);
    assert_int_equal(yi[1], -3);
    assert_int_equal(yi[2], -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requant_rounding),
        cmocka_unit_test(test_quantize1),
        cmocka_unit_test(test_quantize_dequantize),
        cmocka_unit_test(test_requant_lut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
