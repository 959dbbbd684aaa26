/*
 * Unit tests of the reference kernels (src/kernels). Hand-computed cases pin down the arithmetic;
 * randomized cases compare the optimized loops against naive loops written here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"

/* ---- helpers ------------------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}
static int rndi(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); } /* [lo,hi] */
static float rndf(void) { return (float)rnd() / 4294967296.0f * 2.0f - 1.0f; }     /* [-1,1) */

static int qload(const void *p, dlk_q8type t, size_t i)
{
    return t == DLK_Q_U8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}
static void qstore(void *p, dlk_q8type t, size_t i, int v)
{
    if (t == DLK_Q_U8)
        ((uint8_t *)p)[i] = (uint8_t)v;
    else
        ((int8_t *)p)[i] = (int8_t)v;
}

/* Independent requantization for the naive references. */
static int t_requant(int32_t acc, float s, int zp, int lo, int hi)
{
    float v = (float)acc * s;
    const float l = (float)(lo - zp), h = (float)(hi - zp);
    if (v < l) v = l;
    if (v > h) v = h;
    return (int)rintf(v) + zp;
}

static int out_size(int in, int pa, int pb, int k, int s, int d)
{
    return (in + pa + pb - d * (k - 1) - 1) / s + 1;
}

/* Random conv geometry: groups, depthwise, dilations, asymmetric pads, strides 1..3. */
static dlk_conv_geom random_geom(int iter)
{
    dlk_conv_geom g;
    for (;;) {
        memset(&g, 0, sizeof g);
        g.n = rndi(1, 2);
        const int kind = iter % 5;
        if (kind == 0) { /* depthwise */
            g.group = rndi(1, 6);
            g.c_in = g.group;
            g.c_out = g.group * rndi(1, 2);
        } else if (kind == 1) { /* pointwise, wide plane (tiles of 256 split it) */
            g.group = 1;
            g.c_in = rndi(1, 9);
            g.c_out = rndi(1, 11);
        } else {
            g.group = rndi(1, 3);
            g.c_in = g.group * rndi(1, 4);
            g.c_out = g.group * rndi(1, 6);
        }
        g.h_in = rndi(1, 12);
        g.w_in = kind == 1 ? rndi(1, 40) : rndi(1, 13);
        if (kind == 1 && iter % 2) { g.h_in = 17; g.w_in = 19; }
        g.kh = kind == 1 ? 1 : rndi(1, 4);
        g.kw = kind == 1 ? 1 : rndi(1, 4);
        g.sh = kind == 1 ? 1 : rndi(1, 3);
        g.sw = kind == 1 ? 1 : rndi(1, 3);
        g.dh = kind == 1 ? 1 : rndi(1, 3);
        g.dw = kind == 1 ? 1 : rndi(1, 3);
        const int pt = kind == 1 ? 0 : rndi(0, 3), pb = kind == 1 ? 0 : rndi(0, 3);
        const int pl = kind == 1 ? 0 : rndi(0, 3), pr = kind == 1 ? 0 : rndi(0, 3);
        g.pad_t = pt;
        g.pad_l = pl;
        if (g.h_in + pt + pb - g.dh * (g.kh - 1) - 1 < 0) continue;
        if (g.w_in + pl + pr - g.dw * (g.kw - 1) - 1 < 0) continue;
        g.h_out = out_size(g.h_in, pt, pb, g.kh, g.sh, g.dh);
        g.w_out = out_size(g.w_in, pl, pr, g.kw, g.sw, g.dw);
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
                                    xv = qload(x, p->x_type,
                                               (size_t)((n * g->c_in + ci) * g->h_in + ih) * g->w_in + iw);
                                const int wv =
                                    qload(w, p->w_type, (size_t)((co * cig + c) * g->kh + ky) * g->kw + kx);
                                acc += (xv - p->x_zp) * (wv - wz);
                            }
                    qstore(y, p->y_type, (size_t)((n * g->c_out + co) * g->h_out + oh) * g->w_out + ow,
                           t_requant(acc, p->scale[co], p->y_zp, p->y_lo, p->y_hi));
                }
}

static size_t conv_sizes(const dlk_conv_geom *g, size_t *nx, size_t *nw, size_t *ny)
{
    *nx = (size_t)g->n * g->c_in * g->h_in * g->w_in;
    *nw = (size_t)g->c_out * (g->c_in / g->group) * g->kh * g->kw;
    *ny = (size_t)g->n * g->c_out * g->h_out * g->w_out;
    return (size_t)g->h_out * g->w_out;
}

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
        for (size_t i = 0; i < nx; i++) x[i] = rndf();
        for (size_t i = 0; i < nw; i++) w[i] = rndf();
        for (int i = 0; i < g.c_out; i++) b[i] = rndf();
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
        g.h_out = out_size(g.h_in, 1, 1, 3, 1, 1);
        g.w_out = out_size(g.w_in, 2, 2, 3, sw, 2);
        size_t nx, nw, ny;
        conv_sizes(&g, &nx, &nw, &ny);
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4), *r = malloc(ny * 4);
        for (size_t i = 0; i < nx; i++) x[i] = rndf();
        for (size_t i = 0; i < nw; i++) w[i] = rndf();
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
        p.x_zp = rndi(xlo, xhi);
        p.y_zp = rndi(dlk_q8_lo(yt), dlk_q8_hi(yt));
        p.y_lo = it % 4 == 0 ? p.y_zp : dlk_q8_lo(yt); /* every 4th: fused Relu */
        p.y_hi = dlk_q8_hi(yt);
        size_t nx, nw, ny;
        const size_t plane = conv_sizes(&p.g, &nx, &nw, &ny);
        uint8_t *x = malloc(nx), *w = malloc(nw), *y = malloc(ny), *r = malloc(ny);
        int32_t *wzp = malloc((size_t)p.g.c_out * sizeof *wzp);
        int32_t *b = malloc((size_t)p.g.c_out * sizeof *b);
        float *sc = malloc((size_t)p.g.c_out * sizeof *sc);
        int32_t *scratch = malloc(plane * sizeof *scratch);
        for (size_t i = 0; i < nx; i++) qstore(x, xt, i, rndi(xlo, xhi));
        for (size_t i = 0; i < nw; i++) qstore(w, wt, i, rndi(wlo, whi));
        const int k = (p.g.c_in / p.g.group) * p.g.kh * p.g.kw;
        for (int c = 0; c < p.g.c_out; c++) {
            wzp[c] = it % 2 ? rndi(wlo, whi) : 0;
            b[c] = rndi(-20000, 20000);
            /* powers of two make exact ties common; others exercise general rounding */
            sc[c] = (it % 3 == 0) ? ldexpf(1.0f, -rndi(1, 8)) : (0.5f + 0.5f * rndf()) / (float)(40 * k + 1);
        }
        p.w_zp = it % 2 ? wzp : NULL;
        p.scale = sc;
        const int32_t *bias = it % 5 == 4 ? NULL : b;
        dlk_conv_q8_ref(&p, x, w, bias, y, scratch);
        naive_conv_q8(&p, x, w, bias, r);
        for (size_t i = 0; i < ny; i++) {
            if (qload(y, yt, i) != qload(r, yt, i)) {
                const dlk_conv_geom *g = &p.g;
                print_error("q8 iter %d types %d%d%d: n%d c%d->%d g%d %dx%d k%dx%d s%d,%d d%d,%d "
                            "p%d,%d out %dx%d at %zu: %d vs %d\n",
                            it, xt, wt, yt, g->n, g->c_in, g->c_out, g->group, g->h_in, g->w_in,
                            g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pad_t, g->pad_l, g->h_out,
                            g->w_out, i, qload(y, yt, i), qload(r, yt, i));
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
        const int n = rndi(1, 3), c = 16 * rndi(1, 4), hw = rndi(1, 60);
        const size_t nx = (size_t)n * c * hw;
        float *x = malloc(nx * 4), *x16 = malloc(nx * 4), *back = malloc(nx * 4), *y0 = malloc((size_t)n * c * 4),
              *y1 = malloc((size_t)n * c * 4);
        assert_true(x && x16 && back && y0 && y1);
        for (size_t i = 0; i < nx; i++) x[i] = rndf() * 1000.0f;
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
        const int hw = rndi(1, 300);
        uint8_t xr[300], yr[1];
        for (int i = 0; i < hw; i++) xr[i] = (uint8_t)rndi(0, 255);
        const float xs = 0.01f + 0.1f * fabsf(rndf()), ys = 0.01f + 0.1f * fabsf(rndf());
        const int xz = rndi(0, 255), yz = rndi(0, 255);
        int32_t acc = 0;
        for (int i = 0; i < hw; i++) acc += xr[i];
        acc -= xz * hw;
        const float s = xs / (ys * (float)hw);
        dlk_qgavgpool_q8_ref(1, hw, DLK_Q_U8, xr, xs, xz, ys, yz, yr);
        assert_int_equal(yr[0], t_requant(acc, s, yz, 0, 255));
    }
}

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
    for (int i = 0; i < M * K; i++) a[i] = rndf();
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) b[k * N + j] = bt[j * K + k] = rndf();
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
    for (int i = 0; i < M * K; i++) a[i] = (int8_t)rndi(-128, 127);
    for (int i = 0; i < K * N; i++) b[i] = (int8_t)rndi(-128, 127);
    const float as = 0.02f, bs = 0.03f, ys = 0.7f;
    dlk_qmatmul_q8_ref(M, N, K, DLK_Q_I8, a, as, 3, DLK_Q_I8, b, bs, -5, DLK_Q_I8, ys, -2, y);
    const float s = (as * bs) / ys;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < K; k++) acc += (a[i * K + k] - 3) * (b[k * N + j] + 5);
            assert_int_equal(y[i * N + j], t_requant(acc, s, -2, -128, 127));
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
        const float as_ = 0.001f + 0.1f * fabsf(rndf()), bs_ = 0.001f + 0.1f * fabsf(rndf());
        const float cs_ = 0.001f + 0.1f * fabsf(rndf());
        const int za = rndi(lo, hi), zb = rndi(lo, hi), zc = rndi(lo, hi);
        /* out [2][3][5]; a full, b broadcast [1][3][1] */
        const int64_t o[3] = {2, 3, 5}, sa[3] = {15, 5, 1}, sb[3] = {0, 1, 0};
        uint8_t av[30], bv[3], cv[30];
        for (int i = 0; i < 30; i++) qstore(av, t, (size_t)i, rndi(lo, hi));
        for (int i = 0; i < 3; i++) qstore(bv, t, (size_t)i, rndi(lo, hi));
        dlk_qadd_q8_ref(3, o, sa, sb, t, av, as_, za, bv, bs_, zb, cs_, zc, cv);
        const float rA = as_ / cs_, rB = bs_ / cs_;
        const float fixed = (float)zc - emu_fma(rA, (float)za, rB * (float)zb);
        for (int i = 0; i < 30; i++) {
            const float x = (float)qload(av, t, (size_t)i), y = (float)qload(bv, t, (size_t)(i / 5) % 3);
            float v = emu_fma(x, rA, emu_fma(y, rB, fixed));
            v = fminf(fmaxf(v, (float)lo), (float)hi);
            assert_int_equal(qload(cv, t, (size_t)i), (int)rintf(v));
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
        cmocka_unit_test(test_conv_f32_hand),
        cmocka_unit_test(test_conv_f32_random),
        cmocka_unit_test(test_conv_f32_wide_tiles),
        cmocka_unit_test(test_conv_q8_hand),
        cmocka_unit_test(test_conv_q8_random),
        cmocka_unit_test(test_maxpool_ceil),
        cmocka_unit_test(test_avgpool_count_include_pad),
        cmocka_unit_test(test_gavgpool),
        cmocka_unit_test(test_layouts_16c),
        cmocka_unit_test(test_qgavgpool),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_qmatmul),
        cmocka_unit_test(test_binary_broadcast),
        cmocka_unit_test(test_qadd),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_quantize_dequantize),
        cmocka_unit_test(test_requant_lut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
