/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every int8 kernel of every kernel table this machine runs against the reference kernels, with
 * the kernel tester (kernel_tester.h): each conv implementation whose supports() takes a case,
 * and each element-wise slot, bit for bit, run with 1 thread and split over 3 (2 for the
 * element-wise kernels). The cases below are data: random geometries from named generators that
 * cover the edges (channels not a multiple of the vector width, 1x1 spatial, pads on every side,
 * strides 1 and 2, dilations, groups (32 groups and depthwise), uint8 and int8 activations, zero
 * points at the type's ends, a fused Relu) and fixed cases for what randomness rarely draws.
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

#include "kernel_tester.h"

/* ---- int8 convolution cases ------------------------------------------------------------------- */

typedef enum { Q_POINTWISE, Q_K7, Q_K3, Q_GROUPS32, Q_GROUPED, Q_DEPTHWISE } q8_kind;
typedef struct {
    q8_kind kind;
    int wide; /* rows of 24-75 pixels, strides 1 and 2 apart: the VNNI kernel's direct (no im2col) path */
} q8_gen_arg;

/* random types, zero points (often at the type's ends), a fused Relu a third of the time */
static void q8_random_params(tst_rng *r, conv_case *c)
{
    c->x_type = tst_rndi(r, 0, 1) ? DLK_Q_I8 : DLK_Q_U8;
    c->y_type = tst_rndi(r, 0, 1) ? DLK_Q_I8 : DLK_Q_U8;
    c->w_type = tst_chance(r, 3, 4) ? DLK_Q_I8 : DLK_Q_U8;
    c->x_zp = tst_rnd_zp(r, c->x_type);
    c->y_zp = tst_rnd_zp(r, c->y_type);
    c->relu = tst_rndi(r, 0, 2) == 0;
    c->w_zp = c->w_type == DLK_Q_U8 || tst_chance(r, 1, 8);
    c->bias = tst_chance(r, 3, 4);
}

static void gen_q8(tst_rng *r, const void *arg, conv_case *c)
{
    const q8_gen_arg *a = arg;
    c->n = tst_rndi(r, 1, 2);
    int cin_g = tst_rndi(r, 1, 21), cout_g = tst_rndi(r, 1, 19);
    switch (a->kind) {
    case Q_GROUPS32: c->group = 32, cin_g = tst_rndi(r, 1, 5), cout_g = tst_rndi(r, 1, 5); break;
    case Q_GROUPED: c->group = tst_rndi(r, 2, 5); break;
    case Q_DEPTHWISE: c->group = tst_rndi(r, 1, 24), cin_g = 1, cout_g = tst_rndi(r, 1, 2); break;
    default: c->group = 1;
    }
    c->c_in = cin_g * c->group;
    c->c_out = cout_g * c->group;
    c->kh = c->kw = a->kind == Q_POINTWISE ? 1 : a->kind == Q_K7 ? 7 : 3;
    if (a->kind == Q_K3 && tst_rndi(r, 0, 1)) c->kw = 1; /* 3x1 */
    conv_case_rnd_strides(r, c);
    c->h_in = tst_chance(r, 5, 6) ? tst_rndi(r, 1, 19) : 1;
    c->w_in = tst_chance(r, 5, 6) ? tst_rndi(r, 1, 41) : 1;
    if (a->wide) c->w_in = tst_rndi(r, 24, 75), c->h_in = tst_rndi(r, 1, 9);
    conv_case_rnd_pads(r, c, c->kh / 2 + 1, c->kw / 2 + 1);
    q8_random_params(r, c);
}

/* a wide 1x1 over many pixels: more than one panel block; 1x1 with 1 or 2 input channels (short
 * K); dense 3x3 stride 1 */
#define Q8_PW_SHORT(ci, xt, wt, yt, xz, yz, rl)                                                                     \
    {.n = 1, .c_in = ci, .c_out = 19, .h_in = 9, .w_in = 31, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,    \
     .group = 1, .bias = 1, .x_type = xt, .w_type = wt, .y_type = yt, .x_zp = xz, .y_zp = yz, .relu = rl}
#define Q8_3X3(ci, co, h, w, p, xt, wt, yt, xz, yz)                                                                 \
    {.n = 2, .c_in = ci, .c_out = co, .h_in = h, .w_in = w, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1,     \
     .pad_t = p, .pad_l = p, .pad_b = p, .pad_r = p, .group = 1, .bias = 1, .x_type = xt, .w_type = wt,              \
     .y_type = yt, .x_zp = xz, .y_zp = yz}
static const conv_case q8_fixed[] = {
    Q8_PW_SHORT(1, DLK_Q_U8, DLK_Q_I8, DLK_Q_I8, 0, -128, 1),
    Q8_PW_SHORT(2, DLK_Q_I8, DLK_Q_I8, DLK_Q_U8, 127, 255, 0),
    Q8_PW_SHORT(1, DLK_Q_I8, DLK_Q_U8, DLK_Q_I8, -128, 3, 1),
    Q8_PW_SHORT(2, DLK_Q_U8, DLK_Q_U8, DLK_Q_U8, 255, 0, 0),
    Q8_3X3(16, 32, 12, 30, 1, DLK_Q_U8, DLK_Q_I8, DLK_Q_I8, 128, -128),
    Q8_3X3(5, 7, 6, 25, 0, DLK_Q_I8, DLK_Q_I8, DLK_Q_U8, -128, 0),
    Q8_3X3(33, 17, 5, 9, 1, DLK_Q_I8, DLK_Q_U8, DLK_Q_I8, 0, 127),
    {.n = 1, .c_in = 40, .c_out = 9, .h_in = 37, .w_in = 29, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
     .group = 1, .bias = 1, .x_type = DLK_Q_U8, .w_type = DLK_Q_I8, .y_type = DLK_Q_I8, .x_zp = 128, .y_zp = -128,
     .relu = 1},
    {.n = 1, .c_in = 40, .c_out = 9, .h_in = 37, .w_in = 29, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
     .group = 1, .bias = 1, .x_type = DLK_Q_I8, .w_type = DLK_Q_U8, .y_type = DLK_Q_U8, .x_zp = -3, .y_zp = 0,
     .w_zp = 1},
};

#define Q8_GEN(nm, k, w, cnt, sd) {nm, NULL, gen_q8, &(const q8_gen_arg){k, w}, cnt, sd}
static const conv_source q8_sources[] = {
    Q8_GEN("q8_pointwise", Q_POINTWISE, 0, 80, 0x243f6a8885a308d3ull),
    Q8_GEN("q8_pointwise_wide", Q_POINTWISE, 1, 20, 0x13198a2e03707344ull),
    Q8_GEN("q8_k7", Q_K7, 0, 80, 0xa4093822299f31d0ull),
    Q8_GEN("q8_k7_wide", Q_K7, 1, 20, 0x082efa98ec4e6c89ull),
    Q8_GEN("q8_k3_and_3x1", Q_K3, 0, 80, 0x452821e638d01377ull),
    Q8_GEN("q8_k3_and_3x1_wide", Q_K3, 1, 20, 0xbe5466cf34e90c6cull),
    Q8_GEN("q8_groups32", Q_GROUPS32, 0, 80, 0xc0ac29b7c97c50ddull),
    Q8_GEN("q8_groups32_wide", Q_GROUPS32, 1, 20, 0x3f84d5b5b5470917ull),
    Q8_GEN("q8_grouped", Q_GROUPED, 0, 80, 0x9216d5d98979fb1bull),
    Q8_GEN("q8_grouped_wide", Q_GROUPED, 1, 20, 0xd1310ba698dfb5acull),
    Q8_GEN("q8_depthwise", Q_DEPTHWISE, 0, 80, 0x2ffd72dbd01adfb7ull),
    Q8_GEN("q8_depthwise_wide", Q_DEPTHWISE, 1, 20, 0xb8e1afed6a267e96ull),
    CONV_TABLE("q8_fixed", q8_fixed),
};

static void test_qconv(void **state)
{
    (void)state;
    tst_check_qconv(q8_sources, (int)(sizeof q8_sources / sizeof q8_sources[0]), 100);
}

/* ---- element-wise slots ----------------------------------------------------------------------- */

static void ew_sizes(tst_rng *r, const void *arg, int i, ew_case *c)
{
    (void)arg;
    c->n = i;
    c->t = tst_rndi(r, 0, 1) ? DLK_Q_I8 : DLK_Q_U8;
}
static void ew_random(tst_rng *r, const void *arg, int i, ew_case *c)
{
    (void)arg, (void)i;
    c->n = tst_rndi(r, 1, 3000);
    c->t = tst_rndi(r, 0, 1) ? DLK_Q_I8 : DLK_Q_U8;
}
static const ew_source ew_sources[] = {
    {"ew_sizes_0_39", ew_sizes, NULL, 40, 0x6a09e667f3bcc908ull},
    {"ew_random_1_3000", ew_random, NULL, 160, 0xbb67ae8584caa73bull},
};
#define N_EW (int)(sizeof ew_sources / sizeof ew_sources[0])

/* the slots, as the table names them */
static tst_fn slot_quantize(const dlk_kernels *k) { return (tst_fn)k->quantize_q8; }
static tst_fn slot_qadd(const dlk_kernels *k) { return (tst_fn)k->qadd_q8; }
static tst_fn slot_maxpool(const dlk_kernels *k) { return (tst_fn)k->maxpool_q8; }
typedef void (*quantize_fn)(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
typedef void (*qadd_fn)(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                        int b_zp, float c_scale, int c_zp, int relu, void *c);
typedef void (*maxpool_fn)(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t plane0, int64_t plane1);

static void check_quantize(const ew_source *s, int ci, ew_case *c, void *ctx)
{
    tst_slot *v = ctx;
    tst_rng r = tst_rng_new(c->seed);
    const int64_t n = c->n;
    float *x = tst_alloc(sizeof(float) * (size_t)n);
    uint8_t *y0 = tst_alloc((size_t)n), *y1 = tst_alloc((size_t)n);
    tst_fill_f32(&r, x, (size_t)n, 4.0f);
    if (n > 3) x[1] = 0.5f * 0.03125f, x[2] = 1.5f * 0.03125f, x[3] = -2.5f * 0.03125f; /* ties at scale 2^-5 */
    const float sc = tst_chance(&r, 2, 3) ? 0.03125f : 0.01f + tst_rndu(&r) * 0.05f;
    const int zp = tst_rnd_zp(&r, c->t);
    dlk_quantize_ref(1, 1, n, x, &sc, &(int32_t){zp}, c->t, y0);
    for (int i = 0; i < v->nim; i++) {
        memset(y1, 0x5a, (size_t)n);
        for (int ith = 0; ith < 2; ith++) {
            int64_t b, e;
            dlk_split(n, ith, 2, 64, &b, &e);
            if (e > b) ((quantize_fn)v->im[i].fn)(e - b, x + b, sc, zp, c->t, y1 + b);
        }
        const int64_t d = tst_first_diff_bytes(y1, y0, (size_t)n);
        if (d >= 0)
            fail_msg("%s/%s, case %s#%d (n %lld %s scale %g zp %d): first difference at y[%lld] (x %.9g): %d, reference %d",
                     v->im[i].table, v->im[i].name, s->name, ci, (long long)n, tst_q8name(c->t), sc, zp, (long long)d, x[d],
                     tst_qload(y1, c->t, (size_t)d), tst_qload(y0, c->t, (size_t)d));
        v->runs++;
    }
    free(x), free(y0), free(y1);
}

static void check_qadd(const ew_source *s, int ci, ew_case *c, void *ctx)
{
    tst_slot *v = ctx;
    tst_rng r = tst_rng_new(c->seed);
    const int64_t n = c->n, st = 1;
    uint8_t *a = tst_alloc((size_t)n), *b = tst_alloc((size_t)n), *y0 = tst_alloc((size_t)n), *y1 = tst_alloc((size_t)n);
    tst_fill_q8(&r, a, (size_t)n);
    tst_fill_q8(&r, b, (size_t)n);
    const float as = 0.01f + tst_rndu(&r) * 0.1f, bs = 0.01f + tst_rndu(&r) * 0.1f, cs = 0.01f + tst_rndu(&r) * 0.1f;
    const int azp = tst_rnd_zp(&r, c->t), bzp = tst_rnd_zp(&r, c->t), czp = tst_rnd_zp(&r, c->t), relu = tst_rndi(&r, 0, 1);
    dlk_qadd_q8_ref(1, &n, &st, &st, c->t, a, as, azp, b, bs, bzp, cs, czp, y0);
    if (relu) dlk_clip_q8_ref(n, c->t, y0, czp, dlk_q8_hi(c->t), y0);
    for (int i = 0; i < v->nim; i++) {
        memset(y1, 0x5a, (size_t)n);
        ((qadd_fn)v->im[i].fn)(n, c->t, a, as, azp, b, bs, bzp, cs, czp, relu, y1);
        const int64_t d = tst_first_diff_bytes(y1, y0, (size_t)n);
        if (d >= 0)
            fail_msg("%s/%s, case %s#%d (n %lld %s relu %d): first difference at y[%lld] (a %d b %d): %d, reference %d",
                     v->im[i].table, v->im[i].name, s->name, ci, (long long)n, tst_q8name(c->t), relu, (long long)d,
                     tst_qload(a, c->t, (size_t)d), tst_qload(b, c->t, (size_t)d), tst_qload(y1, c->t, (size_t)d),
                     tst_qload(y0, c->t, (size_t)d));
        v->runs++;
    }
    free(a), free(b), free(y0), free(y1);
}

static void run_ew(const char *slot, tst_fn (*get)(const dlk_kernels *), void (*check)(const ew_source *, int, ew_case *, void *))
{
    tst_slot v;
    tst_slot_init(&v, slot, get);
    const int cases = tst_ew_cases(ew_sources, N_EW, check, &v);
    tst_slot_done(&v, cases, cases);
}

static void test_quantize(void **state)
{
    (void)state;
    run_ew("quantize_q8", slot_quantize, check_quantize);
}

static void test_qadd(void **state)
{
    (void)state;
    run_ew("qadd_q8", slot_qadd, check_qadd);
}

/* ---- MaxPool ----------------------------------------------------------------------------------- */

/* DLA's 2x2 stride 2 on random planes (rows of 64-73 pixels: the SIMD path's full vectors), and now
 * and then a 3x3 stride 1, which the SIMD slot may decline (maxpool_q8_ok) */
static void gen_pool_q8(tst_rng *r, const void *arg, pool_case *c)
{
    const int wide = arg != NULL;
    c->n = tst_rndi(r, 1, 2);
    c->c = tst_rndi(r, 1, 9);
    c->h_in = tst_rndi(r, 1, 20);
    c->w_in = wide ? tst_rndi(r, 64, 73) : tst_rndi(r, 1, 90);
    if (tst_chance(r, 1, 4)) c->kh = c->kw = 3, c->sh = c->sw = 1;
    c->t = tst_rndi(r, 0, 1) ? DLK_Q_I8 : DLK_Q_U8;
}
static const pool_source pool_sources[] = {
    {"maxpool_q8_rows_64_73", NULL, gen_pool_q8, "wide", 10, 0x3c6ef372fe94f82bull},
    {"maxpool_q8_random", NULL, gen_pool_q8, NULL, 90, 0xa54ff53a5f1d36f1ull},
};

static void check_maxpool(const pool_source *s, int ci, pool_case *c, void *ctx)
{
    tst_slot *v = ctx;
    dlk_pool_geom g;
    pool_case_geom(c, &g);
    tst_rng r = tst_rng_new(c->seed);
    const size_t nx = (size_t)g.n * g.c * g.h_in * g.w_in, ny = (size_t)g.n * g.c * g.h_out * g.w_out;
    uint8_t *x = tst_alloc(nx), *y0 = tst_alloc(ny), *y1 = tst_alloc(ny);
    tst_fill_q8(&r, x, nx);
    dlk_maxpool_q8_ref(&g, c->t, x, y0);
    for (int i = 0; i < v->nim; i++) {
        if (v->im[i].k->maxpool_q8_ok && !v->im[i].k->maxpool_q8_ok(&g)) continue;
        memset(y1, 0x5a, ny);
        for (int ith = 0; ith < 3; ith++) {
            int64_t b, e;
            dlk_split((int64_t)g.n * g.c, ith, 3, 1, &b, &e);
            ((maxpool_fn)v->im[i].fn)(&g, c->t, x, y1, b, e);
        }
        const int64_t d = tst_first_diff_bytes(y1, y0, ny);
        if (d >= 0) {
            char cs[200];
            fail_msg("%s/%s, case %s#%d (%s): first difference at y[%lld]: %d, reference %d", v->im[i].table, v->im[i].name,
                     s->name, ci, pool_case_str(c, cs, sizeof cs), (long long)d, tst_qload(y1, c->t, (size_t)d),
                     tst_qload(y0, c->t, (size_t)d));
        }
        v->runs++;
    }
    free(x), free(y0), free(y1);
}

static void test_maxpool(void **state)
{
    (void)state;
    tst_slot v;
    tst_slot_init(&v, "maxpool_q8", slot_maxpool);
    const int cases = tst_pool_cases(pool_sources, (int)(sizeof pool_sources / sizeof pool_sources[0]), check_maxpool, &v);
    tst_slot_done(&v, cases, 50); /* the 2x2 stride 2 cases at least */
}

static void test_table(void **state)
{
    (void)state;
    const dlk_kernels *k = dlk_kernels_get();
    assert_non_null(k);
    assert_non_null(dlk_kernels_for(DLK_ISA_REF));
    assert_ptr_equal(dlk_kernels_for(k->isa), k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),   cmocka_unit_test(test_qconv),   cmocka_unit_test(test_quantize),
        cmocka_unit_test(test_qadd),    cmocka_unit_test(test_maxpool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
