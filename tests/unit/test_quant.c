/* SPDX-License-Identifier: Apache-2.0 */
/* Quantization arithmetic against values ONNX Runtime's quantize_static produced (the shared
 * dla46c_mnist_64_qdq_int8.onnx) and against calibrate.py's rules worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant.h"

static void test_scale_zp(void **state)
{
    (void)state;
    float s;
    int z;
    /* the MNIST model's input: ImageNet-normalized [0, 1] -> ORT wrote scale 0.01865844801068306, zp -14 */
    float lo = (0.0f - 0.485f) / 0.229f, hi = (1.0f - 0.406f) / 0.225f;
    dlk_quant_scale_zp(lo, hi, -128, 127, 0, &s, &z);
    assert_true(fabs(s / 0.01865844801068306 - 1) < 1e-6);
    assert_int_equal(z, -14);
    /* a Relu output: the range starts at 0 -> zero point -128 */
    dlk_quant_scale_zp(0.0f, 4.3678f, -128, 127, 0, &s, &z);
    assert_int_equal(z, -128);
    assert_true(s == (float)(4.3678f / 255.0));
    /* a positive-only range is extended to include 0 */
    dlk_quant_scale_zp(1.0f, 2.55f, -128, 127, 0, &s, &z);
    assert_true(s == (float)((double)2.55f / 255.0));
    assert_int_equal(z, -128);
    /* symmetric: int8 weights [-127, 127], zero point 0; uint8 symmetric zero point 128 */
    dlk_quant_scale_zp(-0.5f, 0.25f, -127, 127, 1, &s, &z);
    assert_true(s == (float)(1.0 / 254.0));
    assert_int_equal(z, 0);
    dlk_quant_scale_zp(-0.5f, 0.25f, 0, 255, 1, &s, &z);
    assert_int_equal(z, 128);
    /* an all-zero tensor: scale 1, zero point 0 */
    dlk_quant_scale_zp(0.0f, 0.0f, -128, 127, 0, &s, &z);
    assert_true(s == 1.0f);
    assert_int_equal(z, 0);
    /* numpy.round halves to even: qmin - rmin / scale = -128 + 0.5 * 255 / 255... */
    dlk_quant_scale_zp(-1.0f, 1.0f, 0, 255, 0, &s, &z); /* 0 - (-1) / (2 / 255) = 127.5 -> 128 */
    assert_int_equal(z, 128);
    dlk_quant_scale_zp(-1.0f, 3.0f, 0, 255, 0, &s, &z); /* 255 / 4 = 63.75 -> 64 */
    assert_int_equal(z, 64);
}

/* A calibration state with one value and a hand-made histogram. */
static void one_value(dlk_calib *c, dlk_value_stats *st, dlk_calib_method m)
{
    memset(c, 0, sizeof *c);
    dlk_quant_opts_default(&c->opts);
    c->opts.method = m;
    c->st = st;
    st->seen = 1;
}

static void test_percentile(void **state)
{
    (void)state;
    dlk_calib c;
    dlk_value_stats st;
    memset(&st, 0, sizeof st);
    one_value(&c, &st, DLK_CALIB_PERCENTILE);
    /* |x| in [0, 10], 2048 bins, 99 % of the mass in the first bin, 1 % in the last */
    int64_t h[2048] = {0};
    h[0] = 99000;
    h[2047] = 1000;
    st.hist = h, st.nbins = 2048, st.lo = 0, st.hi = 10;
    st.min = -3, st.max = 10, st.amin = 0, st.amax = 10;
    float lo, hi;
    c.opts.percentile = 99.0; /* cdf[0] = 0.99 >= 0.99: edge 0 */
    assert_int_equal(dlk_calib_range(&c, 0, &lo, &hi), 0);
    assert_true(lo == 0.0f && hi == 0.0f);
    c.opts.percentile = 99.999; /* reached in the last bin: its left edge, lower bound clipped to min */
    dlk_calib_range(&c, 0, &lo, &hi);
    assert_true(fabsf(hi - 10.0f * 2047 / 2048) < 1e-5f);
    assert_true(lo == -3.0f);
}

static void test_entropy_default_is_minmax(void **state)
{
    (void)state;
    /* with 128 bins and 128 quantized bins there is one candidate: the whole histogram, clipped to
     * [min, max] (so ORT's entropy defaults give the MinMax range) */
    dlk_calib c;
    dlk_value_stats st;
    memset(&st, 0, sizeof st);
    one_value(&c, &st, DLK_CALIB_ENTROPY);
    int64_t h[128];
    for (int i = 0; i < 128; i++) h[i] = i % 7 + (i > 64 ? 100 : 0);
    st.hist = h, st.nbins = 128, st.lo = -4, st.hi = 4, st.min = -1.5f, st.max = 4;
    float lo, hi;
    assert_int_equal(dlk_calib_range(&c, 0, &lo, &hi), 0);
    assert_true(lo == -1.5f && hi == 4.0f);
    /* 512 bins: candidates from +-64 bins outwards; a narrow spike picks a narrow range */
    int64_t w[512] = {0};
    for (int i = 240; i < 272; i++) w[i] = 1000 + (i * 37 % 101) * 10; /* uneven: coarse bins lose it */
    w[0] = 1, w[511] = 1;
    st.hist = w, st.nbins = 512, st.lo = -8, st.hi = 8, st.min = -8, st.max = 8;
    dlk_calib_range(&c, 0, &lo, &hi);
    /* ORT's candidates run from bin zero - i to bin zero + i + 1: one bin wider on the right */
    assert_true(hi < 8.0f && lo > -8.0f);
    assert_true(fabsf(hi + lo - 16.0f / 512) < 1e-6f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_zp),
        cmocka_unit_test(test_percentile),
        cmocka_unit_test(test_entropy_default_is_minmax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
