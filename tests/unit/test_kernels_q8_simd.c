/*
 * Every SIMD int8 kernel of the kernel table against the reference kernels, on random shapes that
 * cover the edges: channels not a multiple of the vector width, 1x1 spatial, pads on every side,
 * strides 1 and 2, dilations, groups (32 groups and depthwise), uint8 and int8 activations,
 * zero points at the type's ends, a fused Relu; run with 1 thread and split over 3. Results must
 * be bit-identical. Each ISA the machine has is tested (dlk_kernels_for); the others are skipped.
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

#include "kernels/config.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}
static int rndi(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rndu(void) { return (float)rnd() / 4294967296.0f; }

static void *aalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64 + 64);
    assert_non_null(p);
    return p;
}

static void fill_q8(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
}

/* a zero point: often at the type's ends */
static int rnd_zp(dlk_q8type t)
{
    const int lo = dlk_q8_lo(t), hi = dlk_q8_hi(t);
    switch (rndi(0, 3)) {
    case 0: return lo;
    case 1: return hi;
    default: return rndi(lo, hi);
    }
}

static int out_size(int in, int pa, int pb, int k, int s, int d) { return (in + pa + pb - d * (k - 1) - 1) / s + 1; }

static dlk_conv_geom rnd_geom(int it)
{
    dlk_conv_geom g;
    memset(&g, 0, sizeof g);
    for (;;) {
        g.n = rndi(1, 2);
        const int kind = it % 6;
        g.group = kind == 3 ? 32 : kind == 4 ? rndi(2, 5) : 1;
        int cin_g = kind == 5 ? 1 : rndi(1, 21), cout_g = rndi(1, 19);
        if (kind == 5) g.group = rndi(1, 24), cout_g = rndi(1, 2); /* depthwise-like */
        if (kind == 3) cin_g = rndi(1, 5), cout_g = rndi(1, 5);
        g.c_in = cin_g * g.group;
        g.c_out = cout_g * g.group;
        const int k = kind == 0 ? 1 : kind == 1 ? 7 : 3;
        g.kh = k;
        g.kw = kind == 2 && rndi(0, 1) ? 1 : k;
        g.sh = rndi(1, 2);
        g.sw = rnd() % 3 ? g.sh : rndi(1, 2);
        g.dh = rnd() % 5 ? 1 : 2;
        g.dw = rnd() % 5 ? 1 : 2;
        g.h_in = rnd() % 6 ? rndi(1, 19) : 1;
        g.w_in = rnd() % 6 ? rndi(1, 41) : 1;
        g.pad_t = rndi(0, g.kh / 2 + 1);
        g.pad_l = rndi(0, g.kw / 2 + 1);
        const int pb = rndi(0, g.kh / 2 + 1), pr = rndi(0, g.kw / 2 + 1);
        if (it % 5 == 4) { /* wide rows, strides 1 and 2: the VNNI kernel's direct (no im2col) path */
            g.sh = rndi(1, 2);
            g.sw = rndi(1, 2);
            g.w_in = rndi(24, 75);
            g.h_in = rndi(1, 9);
        }
        g.h_out = out_size(g.h_in, g.pad_t, pb, g.kh, g.sh, g.dh);
        g.w_out = out_size(g.w_in, g.pad_l, pr, g.kw, g.sw, g.dw);
        if (g.h_out >= 1 && g.w_out >= 1) return g;
    }
}

static void check_conv_isa(const dlk_kernels *k)
{
    int ran = 0;
    for (int it = 0; it < 300; it++) {
        dlk_qconv_params p;
        memset(&p, 0, sizeof p);
        p.g = rnd_geom(it);
        if (it == 7) { /* a wide 1x1 over many pixels: more than one panel block */
            p.g = (dlk_conv_geom){1, 40, 37, 29, 9, 37, 29, 1, 1, 1, 1, 1, 1, 0, 0, 1, DLK_NCHW, DLK_NCHW};
        }
        const dlk_conv_geom *g = &p.g;
        p.x_type = rndi(0, 1) ? DLK_Q_I8 : DLK_Q_U8;
        p.y_type = rndi(0, 1) ? DLK_Q_I8 : DLK_Q_U8;
        p.w_type = rnd() % 4 ? DLK_Q_I8 : DLK_Q_U8;
        p.x_zp = rnd_zp(p.x_type);
        p.y_zp = rnd_zp(p.y_type);
        p.y_lo = dlk_q8_lo(p.y_type);
        p.y_hi = dlk_q8_hi(p.y_type);
        if (rndi(0, 2) == 0 && p.y_zp > p.y_lo) p.y_lo = p.y_zp; /* fused Relu */
        const int K = g->c_in / g->group * g->kh * g->kw;
        int32_t *wzp = NULL;
        if (p.w_type == DLK_Q_U8 || rnd() % 8 == 0) {
            wzp = malloc(sizeof(int32_t) * g->c_out);
            for (int c = 0; c < g->c_out; c++) wzp[c] = rnd_zp(p.w_type);
            p.w_zp = wzp;
        }
        float *scale = malloc(sizeof(float) * g->c_out);
        for (int c = 0; c < g->c_out; c++) scale[c] = (0.2f + rndu()) * 0.01f / sqrtf((float)K);
        p.scale = scale;
        const size_t nx = (size_t)g->n * g->c_in * g->h_in * g->w_in, nw = (size_t)g->c_out * K,
                     ny = (size_t)g->n * g->c_out * g->h_out * g->w_out;
        uint8_t *x = aalloc(nx), *w = aalloc(nw), *y0 = aalloc(ny), *y1 = aalloc(ny);
        fill_q8(x, nx);
        fill_q8(w, nw);
        int32_t *bias = NULL;
        if (rnd() % 4) {
            bias = malloc(sizeof(int32_t) * g->c_out);
            for (int c = 0; c < g->c_out; c++) bias[c] = rndi(-20000, 20000);
        }
        dlk_conv_q8_ref(&p, x, w, bias, y0, NULL);
        const dlk_qconv_impl *impl = dlk_qconv_pick(k, &p);
        if (impl) {
            ran++;
            void *packed = aalloc(impl->packed_bytes(&p));
            impl->pack(&p, w, bias, packed);
            void *scratch = aalloc(impl->scratch_bytes(&p));
            for (int nth = 1; nth <= 3; nth += 2) {
                memset(y1, 0x5a, ny);
                for (int ith = 0; ith < nth; ith++) impl->run(&p, packed, x, y1, scratch, ith, nth);
                if (memcmp(y0, y1, ny)) {
                    size_t i = 0;
                    while (y0[i] == y1[i]) i++;
                    fail_msg("%s conv it %d (n %d cin %d cout %d group %d in %dx%d out %dx%d k %dx%d s %d,%d d %d,%d "
                             "pad %d,%d x %s zp %d w %s y %s zp %d lo %d, %d threads): byte %zu is %d, ref %d",
                             impl->name, it, g->n, g->c_in, g->c_out, g->group, g->h_in, g->w_in, g->h_out, g->w_out,
                             g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pad_t, g->pad_l,
                             p.x_type ? "i8" : "u8", p.x_zp, p.w_type ? "i8" : "u8", p.y_type ? "i8" : "u8", p.y_zp,
                             p.y_lo, nth, i, y1[i], y0[i]);
                }
            }
            free(packed);
            free(scratch);
        }
        free(x);
        free(w);
        free(y0);
        free(y1);
        free(bias);
        free(scale);
        free(wzp);
    }
    assert_true(ran > 100);
}

static void check_elementwise_isa(const dlk_kernels *k)
{
    for (int it = 0; it < 200; it++) {
        const dlk_q8type t = rndi(0, 1) ? DLK_Q_I8 : DLK_Q_U8;
        const int64_t n = it < 40 ? it : rndi(1, 3000);
        uint8_t *a = aalloc(n), *b = aalloc(n), *y0 = aalloc(n), *y1 = aalloc(n);
        fill_q8(a, n);
        fill_q8(b, n);
        if (k->quantize_q8) {
            float *x = aalloc(sizeof(float) * n);
            for (int64_t i = 0; i < n; i++) x[i] = (rndu() * 2 - 1) * 4.0f;
            if (n > 3) x[1] = 0.5f * 0.03125f, x[2] = 1.5f * 0.03125f, x[3] = -2.5f * 0.03125f; /* ties */
            const float s = it % 3 ? 0.03125f : 0.01f + rndu() * 0.05f;
            const int zp = rnd_zp(t);
            dlk_quantize_ref(1, 1, n, x, &s, &(int32_t){zp}, t, y0);
            memset(y1, 0x5a, n);
            for (int ith = 0; ith < 2; ith++) {
                int64_t b0, e0;
                dlk_split(n, ith, 2, 64, &b0, &e0);
                if (e0 > b0) k->quantize_q8(e0 - b0, x + b0, s, zp, t, y1 + b0);
            }
            if (memcmp(y0, y1, n)) fail_msg("%s quantize it %d differs", k->name, it);
            free(x);
        }
        if (k->qadd_q8) {
            const float as = 0.01f + rndu() * 0.1f, bs = 0.01f + rndu() * 0.1f, cs = 0.01f + rndu() * 0.1f;
            const int azp = rnd_zp(t), bzp = rnd_zp(t), czp = rnd_zp(t), relu = rndi(0, 1);
            const int64_t one = n;
            const int64_t st = 1;
            dlk_qadd_q8_ref(1, &one, &st, &st, t, a, as, azp, b, bs, bzp, cs, czp, y0);
            if (relu) dlk_clip_q8_ref(n, t, y0, czp, dlk_q8_hi(t), y0);
            k->qadd_q8(n, t, a, as, azp, b, bs, bzp, cs, czp, relu, y1);
            if (memcmp(y0, y1, n)) fail_msg("%s qadd it %d differs", k->name, it);
        }
        free(a);
        free(b);
        free(y0);
        free(y1);
    }
    if (!k->maxpool_q8) return;
    for (int it = 0; it < 100; it++) {
        dlk_pool_geom g;
        memset(&g, 0, sizeof g);
        g.n = rndi(1, 2);
        g.c = rndi(1, 9);
        g.h_in = rndi(1, 20);
        g.w_in = it < 10 ? 64 + it : rndi(1, 90);
        g.kh = g.kw = g.sh = g.sw = 2;
        g.dh = g.dw = 1;
        g.h_out = g.h_in / 2;
        g.w_out = g.w_in / 2;
        if (rndi(0, 3) == 0) { /* a geometry the SIMD path does not take */
            g.kh = g.kw = 3;
            g.sh = g.sw = 1;
            g.h_out = g.h_in - 2;
            g.w_out = g.w_in - 2;
        }
        if (g.h_out < 1 || g.w_out < 1) continue;
        if (!k->maxpool_q8_ok(&g)) continue;
        const dlk_q8type t = rndi(0, 1) ? DLK_Q_I8 : DLK_Q_U8;
        const size_t nx = (size_t)g.n * g.c * g.h_in * g.w_in, ny = (size_t)g.n * g.c * g.h_out * g.w_out;
        uint8_t *x = aalloc(nx), *y0 = aalloc(ny), *y1 = aalloc(ny);
        fill_q8(x, nx);
        dlk_maxpool_q8_ref(&g, t, x, y0);
        for (int ith = 0; ith < 3; ith++) {
            int64_t b0, e0;
            dlk_split((int64_t)g.n * g.c, ith, 3, 1, &b0, &e0);
            k->maxpool_q8(&g, t, x, y1, b0, e0);
        }
        if (memcmp(y0, y1, ny)) fail_msg("%s maxpool it %d (%dx%d) differs", k->name, it, g.h_in, g.w_in);
        free(x);
        free(y0);
        free(y1);
    }
}

static void run_isa(dlk_isa isa)
{
    const dlk_kernels *k = dlk_kernels_for(isa);
    if (!k) {
        printf("ISA %d not available on this machine or build: skipped\n", (int)isa);
        skip();
    }
    check_conv_isa(k);
    check_elementwise_isa(k);
}

static void test_conv_avx2(void **state)
{
    (void)state;
    run_isa(DLK_ISA_AVX2);
}

static void test_conv_avx512(void **state)
{
    (void)state;
    run_isa(DLK_ISA_AVX512);
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
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_conv_avx2),
        cmocka_unit_test(test_conv_avx512),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
