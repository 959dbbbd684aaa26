/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every float kernel of every kernel table this machine runs against the reference kernels, with
 * the kernel tester (kernel_tester.h): each conv implementation on each case and pair of layouts
 * (NCHW / NCHW16C in and out) its supports() takes, with and without a fused Relu and a fused Add,
 * on 1 thread and split over 3; the element-wise and pool slots likewise. Float sums run in
 * another order: conv results must agree within 1e-5 of the output's largest magnitude (or 1);
 * Add (one IEEE addition per element) and MaxPool promise the reference's bits.
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

#define CONV_REL_TOL 1e-5f

/* ---- float convolution cases ------------------------------------------------------------------ */

typedef enum { F_POINTWISE, F_K7, F_K3, F_GROUPED, F_K3_DENSE } f32_kind;

/* random fusions: Relu, Add half the time each; a bias 3 times in 4 */
static void f32_random_fusions(tst_rng *r, conv_case *c)
{
    c->relu = tst_rndi(r, 0, 1);
    c->sum = tst_rndi(r, 0, 1);
    c->bias = tst_rndi(r, 0, 3) != 0;
}

/* random geometries covering the conv's paths (pointwise, direct, im2col): channels not a multiple
 * of 16, 1x1 spatial, pads on every side, strides 1 and 2, dilations; groups of few channels (the
 * 32-group 3x3s of DLA-X have 2, 4 or 8) as often as many */
static void gen_f32(tst_rng *r, const void *arg, conv_case *c)
{
    const f32_kind kind = *(const f32_kind *)arg;
    c->n = tst_rndi(r, 1, 2);
    c->group = kind == F_GROUPED ? tst_rndi(r, 2, 32) : 1;
    const int cin_g = kind == F_GROUPED ? tst_rndi(r, 1, 5) : tst_rndi(r, 1, 37);
    const int cout_g = kind == F_GROUPED && tst_rndi(r, 0, 1) ? tst_rndi(r, 1, 8) : tst_rndi(r, 1, 21);
    c->c_in = cin_g * c->group;
    c->c_out = cout_g * c->group;
    c->kh = c->kw = kind == F_POINTWISE ? 1 : kind == F_K7 ? 7 : 3;
    conv_case_rnd_strides(r, c);
    c->h_in = tst_chance(r, 5, 6) ? tst_rndi(r, 1, 17) : 1;
    c->w_in = tst_chance(r, 5, 6) ? tst_rndi(r, 1, 70) : 1;
    const int pointwise = kind == F_POINTWISE && tst_rndi(r, 0, 1);
    if (pointwise) c->sh = c->sw = c->dh = c->dw = 1;
    else {
        conv_case_rnd_pads(r, c, c->kh / 2 + 1, c->kw / 2 + 1);
    }
    f32_random_fusions(r, c);
}

/* 3x3 stride 1 with 32-48 channels (the Winograd kernel's): odd and even sizes, pads 0 or 1 before
 * and 0-2 after */
static void gen_f32_wino(tst_rng *r, const void *arg, conv_case *c)
{
    (void)arg;
    c->n = tst_rndi(r, 1, 2);
    c->c_in = tst_rndi(r, 32, 48), c->c_out = tst_rndi(r, 32, 48);
    c->kh = c->kw = 3;
    c->h_in = tst_rndi(r, 16, 24), c->w_in = tst_rndi(r, 16, 70);
    c->pad_t = tst_rndi(r, 0, 1), c->pad_l = tst_rndi(r, 0, 1);
    c->pad_b = tst_rndi(r, 0, 2), c->pad_r = tst_rndi(r, 0, 2);
    f32_random_fusions(r, c);
}

/* dense stride 2 with 16-50 output channels (the broadcast kernel's NCHW path): kernels 1x2 to 7x7,
 * rows of 1 to 40 outputs (segments of 1-12 pixels), dilation 2 now and then, pads 0 to k/2 + 1 */
static void gen_f32_dense_s2(tst_rng *r, const void *arg, conv_case *c)
{
    (void)arg;
    c->n = tst_rndi(r, 1, 2);
    c->c_in = tst_rndi(r, 1, 40), c->c_out = tst_rndi(r, 16, 50);
    c->kh = tst_rndi(r, 1, 7), c->kw = tst_rndi(r, 2, 7), c->sh = c->sw = 2;
    c->dh = tst_chance(r, 1, 5) ? 2 : 1, c->dw = tst_chance(r, 1, 5) ? 2 : 1;
    c->h_in = tst_rndi(r, 1, 20), c->w_in = tst_rndi(r, 1, 80);
    conv_case_rnd_pads(r, c, c->kh / 2 + 1, c->kw / 2 + 1);
    f32_random_fusions(r, c);
}

/* whole blocks of 16 channels (the NCHW16C layout's): 1x1 (pointwise: no pads, stride 1) to 7x7 */
static void gen_f32_blocks16(tst_rng *r, const void *arg, conv_case *c)
{
    (void)arg;
    c->n = tst_rndi(r, 1, 2);
    c->c_in = 16 * tst_rndi(r, 1, 3), c->c_out = 16 * tst_rndi(r, 1, 4);
    c->kh = tst_chance(r, 2, 3) ? tst_rndi(r, 1, 3) : tst_rndi(r, 1, 7);
    c->kw = tst_rndi(r, 0, 1) ? c->kh : tst_rndi(r, 1, 7);
    c->sh = c->sw = tst_rndi(r, 1, 2);
    c->dh = tst_chance(r, 1, 5) ? 2 : 1, c->dw = tst_chance(r, 1, 5) ? 2 : 1;
    c->h_in = tst_rndi(r, 1, 20), c->w_in = tst_rndi(r, 1, 40);
    if (c->kh == 1 && c->kw == 1 && tst_rndi(r, 0, 1)) {
        c->sh = c->sw = 1;
    } else {
        conv_case_rnd_pads(r, c, c->kh / 2 + 1, c->kw / 2 + 1);
    }
    f32_random_fusions(r, c);
}

/* the same with an input of one row or one column */
static void gen_f32_blocks16_thin(tst_rng *r, const void *arg, conv_case *c)
{
    gen_f32_blocks16(r, arg, c);
    if (tst_rndi(r, 0, 1)) c->h_in = 1;
    else c->w_in = 1;
}

/* pointwise with 1-2 input channels on 70x70: one block of about 100 chunks */
#define F_PW_SHORT(ci, rl, sm)                                                                                         \
    {.n = 1, .c_in = ci, .c_out = 20, .h_in = 70, .w_in = 70, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1,     \
     .group = 1, .bias = 1, .relu = rl, .sum = sm}
static const conv_case f32_pointwise_short_k[] = {F_PW_SHORT(1, 0, 1), F_PW_SHORT(2, 1, 0)};

/* Winograd shapes on whole blocks of 16 channels, with a fused Add */
#define F_WINO16(ci, co, h, w, pt, pl, pb, pr, rl)                                                                     \
    {.n = 1, .c_in = ci, .c_out = co, .h_in = h, .w_in = w, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1,     \
     .pad_t = pt, .pad_l = pl, .pad_b = pb, .pad_r = pr, .group = 1, .bias = 1, .relu = rl, .sum = 1}
static const conv_case f32_winograd_blocks16[] = {F_WINO16(32, 48, 16, 17, 1, 1, 1, 1, 1),
                                                   F_WINO16(48, 32, 19, 40, 0, 1, 2, 0, 0),
                                                   F_WINO16(32, 32, 24, 70, 1, 0, 0, 2, 1)};

#define F32_GEN(nm, fn, arg, cnt, sd) {nm, NULL, fn, arg, cnt, sd}
static const conv_source f32_sources[] = {
    F32_GEN("f32_pointwise", gen_f32, &(const f32_kind){F_POINTWISE}, 95, 0x13198a2e03707344ull),
    F32_GEN("f32_k7", gen_f32, &(const f32_kind){F_K7}, 95, 0xa4093822299f31d0ull),
    F32_GEN("f32_k3", gen_f32, &(const f32_kind){F_K3}, 95, 0x082efa98ec4e6c89ull),
    F32_GEN("f32_grouped", gen_f32, &(const f32_kind){F_GROUPED}, 120, 0x452821e638d01377ull),
    F32_GEN("f32_k3_dense", gen_f32, &(const f32_kind){F_K3_DENSE}, 95, 0xbe5466cf34e90c6cull),
    F32_GEN("f32_winograd_3x3s1", gen_f32_wino, NULL, 75, 0xc0ac29b7c97c50ddull),
    F32_GEN("f32_dense_stride2", gen_f32_dense_s2, NULL, 75, 0x3f84d5b5b5470917ull),
    F32_GEN("f32_blocks16", gen_f32_blocks16, NULL, 95, 0x9216d5d98979fb1bull),
    F32_GEN("f32_blocks16_thin", gen_f32_blocks16_thin, NULL, 10, 0xd1310ba698dfb5acull),
    CONV_TABLE("f32_pointwise_short_k", f32_pointwise_short_k),
    CONV_TABLE("f32_winograd_blocks16", f32_winograd_blocks16),
};

static void test_fconv(void **state)
{
    (void)state;
    /* every implementation must meet at least 20 cases; one that takes NCHW16C operands 100 such */
    tst_check_fconv(f32_sources, (int)(sizeof f32_sources / sizeof f32_sources[0]), CONV_REL_TOL, 20, 100);
}

/* ---- element-wise and pool slots ------------------------------------------------------------- */

static tst_fn slot_add(const dlk_kernels *k) { return (tst_fn)k->add_f32; }
static tst_fn slot_maxpool(const dlk_kernels *k) { return (tst_fn)k->maxpool_f32; }
static tst_fn slot_maxpool_16c(const dlk_kernels *k) { return (tst_fn)k->maxpool_f32_16c; }
typedef void (*add_fn)(int64_t n, const float *a, const float *b, int relu, float *y);
typedef void (*maxpool_fn)(const dlk_pool_geom *g, const float *x, float *y, int64_t from, int64_t to);

static void add_sizes(tst_rng *r, const void *arg, int i, ew_case *c)
{
    (void)r, (void)arg;
    c->n = i, c->relu = i & 1;
}
static void add_random(tst_rng *r, const void *arg, int i, ew_case *c)
{
    (void)arg;
    c->n = tst_rndi(r, 1, 5000), c->relu = i & 1;
}
static const ew_source add_sources[] = {
    {"add_sizes_0_19", add_sizes, NULL, 20, 0x510e527fade682d1ull},
    {"add_random_1_5000", add_random, NULL, 40, 0x9b05688c2b3e6c1full},
};

static void check_add(const ew_source *s, int ci, ew_case *c, void *ctx)
{
    tst_slot *v = ctx;
    tst_rng r = tst_rng_new(c->seed);
    const int64_t n = c->n, st = 1;
    float *a = tst_alloc((size_t)n * 4), *b = tst_alloc((size_t)n * 4), *y0 = tst_alloc((size_t)n * 4),
          *y1 = tst_alloc((size_t)n * 4);
    tst_fill_f32(&r, a, (size_t)n, 1);
    tst_fill_f32(&r, b, (size_t)n, 1);
    dlk_binary_f32_ref(DLK_BIN_ADD, 1, &n, &st, &st, a, b, y0);
    if (c->relu) dlk_relu_f32_ref(n, y0, y0);
    for (int i = 0; i < v->nim; i++) {
        ((add_fn)v->im[i].fn)(n, a, b, c->relu, y1);
        const int64_t d = tst_first_diff_f32(y1, y0, (size_t)n); /* equal values (0 and -0 alike) */
        if (d >= 0)
            fail_msg("%s/%s, case %s#%d (n %lld relu %d): first difference at y[%lld] (%g + %g): %.9g, reference %.9g",
                     v->im[i].table, v->im[i].name, s->name, ci, (long long)n, c->relu, (long long)d, a[d], b[d], y1[d], y0[d]);
        v->runs++;
    }
    free(a), free(b), free(y0), free(y1);
}

static void test_add(void **state)
{
    (void)state;
    tst_slot v;
    tst_slot_init(&v, "add_f32", slot_add);
    const int cases = tst_ew_cases(add_sources, (int)(sizeof add_sources / sizeof add_sources[0]), check_add, &v);
    tst_slot_done(&v, cases, cases);
}

/* NCHW MaxPool: DLA's 2x2 stride 2 (the geometries maxpool_q8_ok accepts) */
static void gen_pool_2x2(tst_rng *r, const void *arg, pool_case *c)
{
    (void)arg;
    c->n = tst_rndi(r, 1, 2), c->c = tst_rndi(r, 1, 9);
    c->h_in = tst_rndi(r, 2, 20), c->w_in = tst_rndi(r, 2, 90);
}
/* NCHW16C MaxPool of any geometry, DLA's 2x2 stride 2 a third of the time, NaN and -inf now and then */
static void gen_pool_16c(tst_rng *r, const void *arg, pool_case *c)
{
    const int any = arg != NULL;
    c->n = tst_rndi(r, 1, 2), c->c = 16 * tst_rndi(r, 1, 3);
    c->h_in = tst_rndi(r, 1, 20), c->w_in = tst_rndi(r, 1, 40);
    c->nan = 1;
    if (any) {
        c->kh = tst_rndi(r, 1, 4), c->kw = tst_rndi(r, 1, 4), c->sh = tst_rndi(r, 1, 3), c->sw = tst_rndi(r, 1, 3);
        c->dh = tst_chance(r, 1, 4) ? 2 : 1, c->dw = tst_chance(r, 1, 4) ? 2 : 1;
        c->pad_t = tst_rndi(r, 0, c->kh - 1), c->pad_l = tst_rndi(r, 0, c->kw - 1);
        c->pad_b = tst_rndi(r, 0, c->kh - 1), c->pad_r = tst_rndi(r, 0, c->kw - 1);
    }
}
static const pool_source pool_sources[] = {
    {"maxpool_f32_2x2s2", NULL, gen_pool_2x2, NULL, 60, 0x1f83d9abfb41bd6bull},
};
static const pool_source pool16_sources[] = {
    {"maxpool_f32_16c_2x2s2", NULL, gen_pool_16c, NULL, 50, 0x5be0cd19137e2179ull},
    {"maxpool_f32_16c_any", NULL, gen_pool_16c, "any", 100, 0xcbbb9d5dc1059ed8ull},
};

static void pool_data(const pool_case *c, float *x, size_t nx)
{
    tst_rng r = tst_rng_new(c->seed);
    for (size_t i = 0; i < nx; i++)
        x[i] = !c->nan || tst_chance(&r, 49, 50) ? tst_rndf(&r) : tst_rndi(&r, 0, 1) ? NAN : -INFINITY;
}

/* NCHW (threads split the planes; geometries the table's maxpool_q8_ok accepts) or NCHW16C (threads
 * split the rows; any geometry): bit for bit the reference's on the same values in NCHW */
static void check_maxpool_layout(const pool_source *s, int ci, pool_case *c, tst_slot *v, int blocked)
{
    dlk_pool_geom g;
    pool_case_geom(c, &g);
    const int64_t hw_in = (int64_t)g.h_in * g.w_in, hw_out = (int64_t)g.h_out * g.w_out;
    const size_t nx = (size_t)g.n * g.c * hw_in, ny = (size_t)g.n * g.c * hw_out;
    float *x = tst_alloc(nx * 4), *xl = x, *y0 = tst_alloc(ny * 4), *y1 = tst_alloc(ny * 4), *yl = y1;
    pool_data(c, x, nx);
    dlk_maxpool_f32_ref(&g, x, y0);
    if (blocked) {
        xl = tst_alloc(nx * 4), yl = tst_alloc(ny * 4);
        dlk_nchw_to_16c_f32(g.n, g.c, hw_in, x, xl);
    }
    const int64_t items = blocked ? (int64_t)g.n * (g.c / 16) * g.h_out : (int64_t)g.n * g.c;
    const int nth = blocked ? 3 : 2;
    for (int i = 0; i < v->nim; i++) {
        if (!blocked && v->im[i].k->maxpool_q8_ok && !v->im[i].k->maxpool_q8_ok(&g)) continue;
        for (int ith = 0; ith < nth; ith++) {
            int64_t b, e;
            dlk_split(items, ith, nth, 1, &b, &e);
            ((maxpool_fn)v->im[i].fn)(&g, xl, yl, b, e);
        }
        if (blocked) dlk_16c_to_nchw_f32(g.n, g.c, hw_out, yl, y1);
        const int64_t d = tst_first_diff_bytes(y1, y0, ny * 4);
        if (d >= 0) {
            char cs[200];
            fail_msg("%s/%s, case %s#%d (%s): first difference at y[%lld] (NCHW): %.9g, reference %.9g", v->im[i].table,
                     v->im[i].name, s->name, ci, pool_case_str(c, cs, sizeof cs), (long long)(d / 4), y1[d / 4], y0[d / 4]);
        }
        v->runs++;
    }
    if (blocked) free(xl), free(yl);
    free(x), free(y0), free(y1);
}
static void check_maxpool(const pool_source *s, int ci, pool_case *c, void *ctx) { check_maxpool_layout(s, ci, c, ctx, 0); }
static void check_maxpool_16c(const pool_source *s, int ci, pool_case *c, void *ctx)
{
    check_maxpool_layout(s, ci, c, ctx, 1);
}

static void run_pool(const char *slot, tst_fn (*get)(const dlk_kernels *), const pool_source *src, int nsrc,
                     void (*check)(const pool_source *, int, pool_case *, void *), int min_runs)
{
    tst_slot v;
    tst_slot_init(&v, slot, get);
    const int cases = tst_pool_cases(src, nsrc, check, &v);
    tst_slot_done(&v, cases, min_runs);
}

static void test_maxpool(void **state)
{
    (void)state;
    run_pool("maxpool_f32", slot_maxpool, pool_sources, 1, check_maxpool, 50);
}

static void test_maxpool_16c(void **state)
{
    (void)state;
    run_pool("maxpool_f32_16c", slot_maxpool_16c, pool16_sources, 2, check_maxpool_16c, 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fconv),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_maxpool),
        cmocka_unit_test(test_maxpool_16c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
