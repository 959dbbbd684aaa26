/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the reference convolutions (src/kernels): hand-computed cases pin down the
 * arithmetic; random geometries (groups, depthwise, dilations, asymmetric pads, strides 1..3)
 * compare them with naive loops written here, straight from the definitions in kernels.h.
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

static tst_rng R = {0x9e3779b97f4a7c15ull};

/* Random conv geometry: groups, depthwise, dilations, asymmetric pads, strides 1..3. */
static dlk_conv_geom random_geom(int iter)
{
    dlk_conv_geom g;
    for (;;) {
        memset(&g, 0, sizeof g);
        g.n = tst_rndi(&R, 1, 2);
        const int kind = iter % 5;
        if (kind == 0) { /* depthwise */
            g.group = tst_rndi(&R, 1, 6);
            g.c_in = g.group;
            g.c_out = g.group * tst_rndi(&R, 1, 2);
        } else if (kind == 1) { /* pointwise, wide plane (tiles of 256 split it) */
            g.group = 1;
            g.c_in = tst_rndi(&R, 1, 9);
            g.c_out = tst_rndi(&R, 1, 11);
        } else {
            g.group = tst_rndi(&R, 1, 3);
            g.c_in = g.group * tst_rndi(&R, 1, 4);
            g.c_out = g.group * tst_rndi(&R, 1, 6);
        }
        g.h_in = tst_rndi(&R, 1, 12);
        g.w_in = kind == 1 ? tst_rndi(&R, 1, 40) : tst_rndi(&R, 1, 13);
        if (kind == 1 && iter % 2) { g.h_in = 17; g.w_in = 19; }
        g.kh = kind == 1 ? 1 : tst_rndi(&R, 1, 4);
        g.kw = kind == 1 ? 1 : tst_rndi(&R, 1, 4);
        g.sh = kind == 1 ? 1 : tst_rndi(&R, 1, 3);
        g.sw = kind == 1 ? 1 : tst_rndi(&R, 1, 3);
        g.dh = kind == 1 ? 1 : tst_rndi(&R, 1, 3);
        g.dw = kind == 1 ? 1 : tst_rndi(&R, 1, 3);
        const int pt = kind == 1 ? 0 : tst_rndi(&R, 0, 3), pb = kind == 1 ? 0 : tst_rndi(&R, 0, 3);
        const int pl = kind == 1 ? 0 : tst_rndi(&R, 0, 3), pr = kind == 1 ? 0 : tst_rndi(&R, 0, 3);
        g.pad_t = pt;
        g.pad_l = pl;
        if (g.h_in + pt + pb - g.dh * (g.kh - 1) - 1 < 0) continue;
        if (g.w_in + pl + pr - g.dw * (g.kw - 1) - 1 < 0) continue;
        g.h_out = tst_out_size(g.h_in, pt, pb, g.kh, g.sh, g.dh);
        g.w_out = tst_out_size(g.w_in, pl, pr, g.kw, g.sw, g.dw);
        return g;
    }
}

/* Naive float convolution, straight from the definition in kernels.h. */
static void naive_conv_f32(const dlk_conv_geom *g, const float *x, const float *w,
                           const float *bias, float *y)
{
    const int cig = g->c_in / g->group, cog = g->c_out / g->group;
    for (int n = 0; n < g->n; n++)
        for (int co = 0; co < g->c_out; co++)
            for (int oh = 0; oh < g->h_out; oh++)
                for (int ow = 0; ow < g->w_out; ow++) {
                    const int grp = co / cog;
                    double s = bias ? bias[co] : 0.0;
                    for (int c = 0; c < cig; c++)
                        for (int ky = 0; ky < g->kh; ky++)
                            for (int kx = 0; kx < g->kw; kx++) {
                                const int ih = oh * g->sh - g->pad_t + ky * g->dh;
                                const int iw = ow * g->sw - g->pad_l + kx * g->dw;
                                if (ih < 0 || ih >= g->h_in || iw < 0 || iw >= g->w_in) continue;
                                const int ci = grp * cig + c;
                                s += (double)x[((n * g->c_in + ci) * g->h_in + ih) * g->w_in + iw] *
                                     w[((co * cig + c) * g->kh + ky) * g->kw + kx];
                            }
                    y[((n * g->c_out + co) * g->h_out + oh) * g->w_out + ow] = (float)s;
                }
}

/* Naive quantized convolution: padding positions take the value x_zp. */
static void naive_conv_q8(const dlk_qconv_params *p, const void *x, const void *w,
                          const int32_t *bias, void *y)
{
    const dlk_conv_geom *g = &p->g;
    const int cig = g->c_in / g->group, cog = g->c_out / g->group;
    for (int n = 0; n < g->n; n++)
        for (int co = 0; co < g->c_out; co++)
            for (int oh = 0; oh < g->h_out; oh++)
                for (int ow = 0; ow < g->w_out; ow++) {
                    const int grp = co / cog;
                    int32_t acc = bias ? bias[co] : 0;
                    const int wz = p->w_zp ? p->w_zp[co] : 0;
                    for (int c = 0; c < cig; c++)
                        for (int ky = 0; ky < g->kh; ky++)
                            for (int kx = 0; kx < g->kw; kx++) {
                                const int ih = oh * g->sh - g->pad_t + ky * g->dh;
                                const int iw = ow * g->sw - g->pad_l + kx * g->dw;
                                const int ci = grp * cig + c;
                                int xv = p->x_zp;
                                if (ih >= 0 && ih < g->h_in && iw >= 0 && iw < g->w_in)
                                    xv = tst_qload(x, p->x_type,
                                               (size_t)((n * g->c_in + ci) * g->h_in + ih) * g->w_in + iw);
                                const int wv =
                                    tst_qload(w, p->w_type, (size_t)((co * cig + c) * g->kh + ky) * g->kw + kx);
                                acc += (xv - p->x_zp) * (wv - wz);
                            }
                    tst_qstore(y, p->y_type, (size_t)((n * g->c_out + co) * g->h_out + oh) * g->w_out + ow,
                           tst_requant_naive(acc, p->scale[co], p->y_zp, p->y_lo, p->y_hi));
                }
}

static size_t conv_sizes(const dlk_conv_geom *g, size_t *nx, size_t *nw, size_t *ny)
{
    *nx = (size_t)g->n * g->c_in * g->h_in * g->w_in;
    *nw = (size_t)g->c_out * (g->c_in / g->group) * g->kh * g->kw;
    *ny = (size_t)g->n * g->c_out * g->h_out * g->w_out;
    return (size_t)g->h_out * g->w_out;
}

/* ---- convolution ------------------------------------------------------------------------------- */

static void test_conv_f32_hand(void **state)
{
    (void)state;
    /* 5x5 input 1..25, 3x3 kernel of ones, stride 2, pad 1, bias 0.5: window sums by hand */
    float x[25], w[9], y[9];
    for (int i = 0; i < 25; i++) x[i] = (float)(i + 1);
    for (int i = 0; i < 9; i++) w[i] = 1.0f;
    const float bias = 0.5f;
    dlk_conv_geom g = {.n = 1, .c_in = 1, .h_in = 5, .w_in = 5, .c_out = 1, .h_out = 3, .w_out = 3,
                       .kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pad_t = 1, .pad_l = 1,
                       .group = 1};
    dlk_conv_f32_ref(&g, x, w, &bias, y);
    const float expect[9] = {16.5f, 33.5f, 28.5f, 69.5f, 117.5f, 87.5f, 76.5f, 123.5f, 88.5f};
    for (int i = 0; i < 9; i++) assert_float_equal(y[i], expect[i], 0.0f);

    /* and with the center tap only, stride 2, no bias: picks x[2i][2j] */
    memset(w, 0, sizeof w);
    w[4] = 2.0f;
    dlk_conv_f32_ref(&g, x, w, NULL, y);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) assert_float_equal(y[i * 3 + j], 2.0f * x[2 * i * 5 + 2 * j], 0.0f);
}

static void test_conv_f32_random(void **state)
{
    (void)state;
    for (int it = 0; it < 300; it++) {
        dlk_conv_geom g = random_geom(it);
        size_t nx, nw, ny;
        conv_sizes(&g, &nx, &nw, &ny);
        float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
        float *b = malloc((size_t)g.c_out * sizeof *b);
        float *y = malloc(ny * sizeof *y), *r = malloc(ny * sizeof *r);
        for (size_t i = 0; i < nx; i++) x[i] = tst_rndf(&R);
        for (size_t i = 0; i < nw; i++) w[i] = tst_rndf(&R);
        for (int i = 0; i < g.c_out; i++) b[i] = tst_rndf(&R);
        const int use_bias = it % 3 != 0;
        dlk_conv_f32_ref(&g, x, w, use_bias ? b : NULL, y);
        naive_conv_f32(&g, x, w, use_bias ? b : NULL, r);
        float mx = 0.0f;
        for (size_t i = 0; i < ny; i++) mx = fmaxf(mx, fabsf(r[i]));
        for (size_t i = 0; i < ny; i++) {
            if (fabsf(y[i] - r[i]) > 1e-5f * (mx + 1.0f)) {
                print_error("iter %d: n%d c%d->%d g%d %dx%d k%dx%d s%d,%d d%d,%d p%d,%d out %dx%d "
                            "at %zu: %g vs %g\n",
                            it, g.n, g.c_in, g.c_out, g.group, g.h_in, g.w_in, g.kh, g.kw, g.sh,
                            g.sw, g.dh, g.dw, g.pad_t, g.pad_l, g.h_out, g.w_out, i, y[i], r[i]);
                fail();
            }
        }
        free(x), free(w), free(b), free(y), free(r);
    }
}

static void test_conv_f32_wide_tiles(void **state)
{
    (void)state;
    /* rows wider than one 256-column tile, padded, stride 1 and 2; c_out not a multiple of 4 */
    for (int sw = 1; sw <= 2; sw++) {
        dlk_conv_geom g = {.n = 1, .c_in = 3, .h_in = 3, .w_in = 600, .c_out = 6, .kh = 3, .kw = 3,
                           .sh = 1, .sw = sw, .dh = 1, .dw = 2, .pad_t = 1, .pad_l = 2, .group = 1};
        g.h_out = tst_out_size(g.h_in, 1, 1, 3, 1, 1);
        g.w_out = tst_out_size(g.w_in, 2, 2, 3, sw, 2);
        size_t nx, nw, ny;
        conv_sizes(&g, &nx, &nw, &ny);
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4), *r = malloc(ny * 4);
        for (size_t i = 0; i < nx; i++) x[i] = tst_rndf(&R);
        for (size_t i = 0; i < nw; i++) w[i] = tst_rndf(&R);
        dlk_conv_f32_ref(&g, x, w, NULL, y);
        naive_conv_f32(&g, x, w, NULL, r);
        for (size_t i = 0; i < ny; i++) assert_float_equal(y[i], r[i], 1e-4f);
        free(x), free(w), free(y), free(r);
    }
}

static void test_conv_q8_hand(void **state)
{
    (void)state;
    /* u8 input, zp 128, i8 2x2 weights, stride 1, no pad:
     *   x - zp = [2 -3 0; 12 0 -28; 0 0 1], w = [1 2; -1 3], bias 7
     *   acc = [-16+7, -87+7; 12+7, -53+7] = [-9, -80; 19, -46]
     *   * 0.5 = [-4.5, -40; 9.5, -23] -> rne [-4, -40; 10, -23] (+50) */
    const uint8_t x[9] = {130, 125, 128, 140, 128, 100, 128, 128, 129};
    const int8_t w[4] = {1, 2, -1, 3};
    const int32_t bias = 7;
    const float scale = 0.5f;
    dlk_qconv_params p = {.g = {.n = 1, .c_in = 1, .h_in = 3, .w_in = 3, .c_out = 1, .h_out = 2,
                                .w_out = 2, .kh = 2, .kw = 2, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
                                .group = 1},
                          .x_type = DLK_Q_U8, .w_type = DLK_Q_I8, .y_type = DLK_Q_U8,
                          .x_zp = 128, .y_zp = 50, .y_lo = 0, .y_hi = 255, .w_zp = NULL,
                          .scale = &scale};
    uint8_t y[4];
    int32_t scratch[4];
    dlk_conv_q8_ref(&p, x, w, &bias, y, scratch);
    assert_int_equal(y[0], 46);
    assert_int_equal(y[1], 10);
    assert_int_equal(y[2], 60);
    assert_int_equal(y[3], 27);
    /* fused Relu: lo = zp */
    p.y_lo = 50;
    dlk_conv_q8_ref(&p, x, w, &bias, y, scratch);
    assert_int_equal(y[0], 50);
    assert_int_equal(y[1], 50);
    assert_int_equal(y[2], 60);
    assert_int_equal(y[3], 50);
    /* pad 1 all round: the corner output (0,0) sees only x[0][0]*w[1][1] = 2*3 = 6, +7 = 13,
     * *0.5 = 6.5 -> 6 (+50 = 56); padded taps must count as x_zp, i.e. 0 */
    p.y_lo = 0;
    p.g.pad_t = p.g.pad_l = 1;
    p.g.h_out = p.g.w_out = 4;
    uint8_t y4[16];
    int32_t scratch4[16];
    dlk_conv_q8_ref(&p, x, w, &bias, y4, scratch4);
    assert_int_equal(y4[0], 56);
    /* (3,3): only x[2][2]*w[0][0] = 1, +7 = 8, *0.5 = 4 -> 54 */
    assert_int_equal(y4[15], 54);
}

static void run_conv_q8_random(dlk_q8type xt, dlk_q8type wt, dlk_q8type yt, int iters)
{
    for (int it = 0; it < iters; it++) {
        dlk_qconv_params p;
        memset(&p, 0, sizeof p);
        p.g = random_geom(it);
        p.x_type = xt, p.w_type = wt, p.y_type = yt;
        const int xlo = dlk_q8_lo(xt), xhi = dlk_q8_hi(xt), wlo = dlk_q8_lo(wt), whi = dlk_q8_hi(wt);
        p.x_zp = tst_rndi(&R, xlo, xhi);
        p.y_zp = tst_rndi(&R, dlk_q8_lo(yt), dlk_q8_hi(yt));
        p.y_lo = it % 4 == 0 ? p.y_zp : dlk_q8_lo(yt); /* every 4th: fused Relu */
        p.y_hi = dlk_q8_hi(yt);
        size_t nx, nw, ny;
        const size_t plane = conv_sizes(&p.g, &nx, &nw, &ny);
        uint8_t *x = malloc(nx), *w = malloc(nw), *y = malloc(ny), *r = malloc(ny);
        int32_t *wzp = malloc((size_t)p.g.c_out * sizeof *wzp);
        int32_t *b = malloc((size_t)p.g.c_out * sizeof *b);
        float *sc = malloc((size_t)p.g.c_out * sizeof *sc);
        int32_t *scratch = malloc(plane * sizeof *scratch);
        for (size_t i = 0; i < nx; i++) tst_qstore(x, xt, i, tst_rndi(&R, xlo, xhi));
        for (size_t i = 0; i < nw; i++) tst_qstore(w, wt, i, tst_rndi(&R, wlo, whi));
        const int k = (p.g.c_in / p.g.group) * p.g.kh * p.g.kw;
        for (int c = 0; c < p.g.c_out; c++) {
            wzp[c] = it % 2 ? tst_rndi(&R, wlo, whi) : 0;
            b[c] = tst_rndi(&R, -20000, 20000);
            /* powers of two make exact ties common; others exercise general rounding */
            sc[c] = (it % 3 == 0) ? ldexpf(1.0f, -tst_rndi(&R, 1, 8)) : (0.5f + 0.5f * tst_rndf(&R)) / (float)(40 * k + 1);
        }
        p.w_zp = it % 2 ? wzp : NULL;
        p.scale = sc;
        const int32_t *bias = it % 5 == 4 ? NULL : b;
        dlk_conv_q8_ref(&p, x, w, bias, y, scratch);
        naive_conv_q8(&p, x, w, bias, r);
        for (size_t i = 0; i < ny; i++) {
            if (tst_qload(y, yt, i) != tst_qload(r, yt, i)) {
                const dlk_conv_geom *g = &p.g;
                print_error("q8 iter %d types %d%d%d: n%d c%d->%d g%d %dx%d k%dx%d s%d,%d d%d,%d "
                            "p%d,%d out %dx%d at %zu: %d vs %d\n",
                            it, xt, wt, yt, g->n, g->c_in, g->c_out, g->group, g->h_in, g->w_in,
                            g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pad_t, g->pad_l, g->h_out,
                            g->w_out, i, tst_qload(y, yt, i), tst_qload(r, yt, i));
                fail();
            }
        }
        free(x), free(w), free(y), free(r), free(wzp), free(b), free(sc), free(scratch);
    }
}

static void test_conv_q8_random(void **state)
{
    (void)state;
    run_conv_q8_random(DLK_Q_U8, DLK_Q_I8, DLK_Q_U8, 200);
    run_conv_q8_random(DLK_Q_I8, DLK_Q_I8, DLK_Q_I8, 200);
    run_conv_q8_random(DLK_Q_U8, DLK_Q_U8, DLK_Q_U8, 100);
    run_conv_q8_random(DLK_Q_I8, DLK_Q_U8, DLK_Q_I8, 100);
    run_conv_q8_random(DLK_Q_U8, DLK_Q_I8, DLK_Q_I8, 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_f32_hand),
        cmocka_unit_test(test_conv_f32_random),
        cmocka_unit_test(test_conv_f32_wide_tiles),
        cmocka_unit_test(test_conv_q8_hand),
        cmocka_unit_test(test_conv_q8_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
