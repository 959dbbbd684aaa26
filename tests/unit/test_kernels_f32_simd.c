/*
 * The float SIMD kernels of the kernel table against the reference kernels on random shapes
 * covering the edges (channels not a multiple of 16, 1x1 spatial, pads on every side, strides 1
 * and 2, dilations, groups, each of the conv's paths: pointwise, direct, im2col), with and without
 * a fused Relu and a fused Add, on 1 thread and split over 3. Float sums run in another order:
 * results must agree within 1e-5 of the output's largest magnitude; MaxPool must be exact.
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

static uint64_t rng_state = 0x13198a2e03707344ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}
static int rndi(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rndf(void) { return (float)rnd() / 4294967296.0f * 2.0f - 1.0f; }

static void *aalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64 + 64);
    assert_non_null(p);
    return p;
}

static int out_size(int in, int pa, int pb, int k, int s, int d) { return (in + pa + pb - d * (k - 1) - 1) / s + 1; }

static dlk_conv_geom rnd_geom(int it)
{
    dlk_conv_geom g;
    memset(&g, 0, sizeof g);
    for (;;) {
        g.n = rndi(1, 2);
        const int kind = it % 5;
        g.group = kind == 3 ? rndi(2, 32) : 1;
        /* groups: few channels per group (the 32-group 3x3s of DLA-X have 2, 4 or 8) as often as many */
        const int cin_g = kind == 3 ? rndi(1, 5) : rndi(1, 37), cout_g = kind == 3 && rnd() % 2 ? rndi(1, 8) : rndi(1, 21);
        g.c_in = cin_g * g.group;
        g.c_out = cout_g * g.group;
        const int k = kind == 0 ? 1 : kind == 1 ? 7 : 3;
        g.kh = k;
        g.kw = k;
        g.sh = rndi(1, 2);
        g.sw = rnd() % 3 ? g.sh : rndi(1, 2);
        g.dh = rnd() % 5 ? 1 : 2;
        g.dw = rnd() % 5 ? 1 : 2;
        g.h_in = rnd() % 6 ? rndi(1, 17) : 1;
        g.w_in = rnd() % 6 ? rndi(1, 70) : 1;
        if (kind == 0 && rndi(0, 1)) g.sh = g.sw = 1, g.dh = g.dw = 1; /* pointwise */
        g.pad_t = kind == 0 && g.sh == 1 ? 0 : rndi(0, g.kh / 2 + 1);
        g.pad_l = kind == 0 && g.sh == 1 ? 0 : rndi(0, g.kw / 2 + 1);
        const int pb = kind == 0 && g.sh == 1 ? 0 : rndi(0, g.kh / 2 + 1), pr = kind == 0 && g.sh == 1 ? 0 : rndi(0, g.kw / 2 + 1);
        g.h_out = out_size(g.h_in, g.pad_t, pb, g.kh, g.sh, g.dh);
        g.w_out = out_size(g.w_in, g.pad_l, pr, g.kw, g.sw, g.dw);
        if (g.h_out >= 1 && g.w_out >= 1) return g;
    }
}

/* every float conv implementation of the table, each on the random geometries it supports */
static void check_isa(const dlk_kernels *k)
{
    if (!k->fconv[0]) {
        printf("%s has no float conv: skipped\n", k->name);
        return;
    }
    for (size_t ii = 0; ii < sizeof k->fconv / sizeof k->fconv[0] && k->fconv[ii]; ii++) {
        const dlk_fconv_impl *im = k->fconv[ii];
        int tested = 0, layouts = 0;
        rng_state = 0x13198a2e03707344ull; /* the same geometries for every implementation */
    for (int it = 0; it < 400 + 60 + 60 + 2 + 80; it++) {
        /* 400 random geometries, then 60 random 3x3 stride-1 ones with 32-48 channels (the Winograd
         * kernel's): odd and even sizes, pads 0 or 1 before and 0-2 after; then 60 dense stride-2
         * ones with 16-50 output channels (the broadcast kernel's): kernels 2x2 to 7x7, rows of 1 to
         * 40 outputs (segments of 1-12 pixels), dilation 2 now and then, pads 0 to k/2 + 1 */
        dlk_conv_geom g = rnd_geom(it);
        if (it >= 522) { /* whole blocks of 16 channels (the NCHW16C layout's): 1x1 (in place) to 7x7 */
            memset(&g, 0, sizeof g);
            g.n = rndi(1, 2), g.group = 1, g.c_in = 16 * rndi(1, 3), g.c_out = 16 * rndi(1, 4);
            g.kh = rnd() % 3 ? rndi(1, 3) : rndi(1, 7), g.kw = rnd() % 2 ? g.kh : rndi(1, 7), g.sh = g.sw = rndi(1, 2);
            g.dh = rnd() % 5 ? 1 : 2, g.dw = rnd() % 5 ? 1 : 2;
            g.h_in = rndi(1, 20), g.w_in = rndi(1, 40);
            const int pw = g.kh == 1 && g.kw == 1 && rnd() % 2; /* pointwise: no pads, stride 1 */
            if (pw) g.sh = g.sw = 1;
            g.pad_t = pw ? 0 : rndi(0, g.kh / 2 + 1), g.pad_l = pw ? 0 : rndi(0, g.kw / 2 + 1);
            g.h_out = out_size(g.h_in, g.pad_t, pw ? 0 : rndi(0, g.kh / 2 + 1), g.kh, g.sh, g.dh);
            g.w_out = out_size(g.w_in, g.pad_l, pw ? 0 : rndi(0, g.kw / 2 + 1), g.kw, g.sw, g.dw);
            if (g.h_out < 1 || g.w_out < 1) continue;
        } else if (it >= 520) { /* pointwise with 1-2 input channels on 70x70: one block of about 100 chunks */
            memset(&g, 0, sizeof g);
            g.n = 1, g.group = 1, g.c_in = it - 519, g.c_out = 20, g.kh = g.kw = 1, g.sh = g.sw = 1, g.dh = g.dw = 1;
            g.h_in = g.w_in = g.h_out = g.w_out = 70;
        } else if (it >= 460) {
            memset(&g, 0, sizeof g);
            g.n = rndi(1, 2), g.group = 1, g.c_in = rndi(1, 40), g.c_out = rndi(16, 50);
            g.kh = rndi(1, 7), g.kw = rndi(2, 7), g.sh = g.sw = 2;
            g.dh = rnd() % 5 ? 1 : 2, g.dw = rnd() % 5 ? 1 : 2;
            g.h_in = rndi(1, 20), g.w_in = rndi(1, 80), g.pad_t = rndi(0, g.kh / 2 + 1), g.pad_l = rndi(0, g.kw / 2 + 1);
            g.h_out = out_size(g.h_in, g.pad_t, rndi(0, g.kh / 2 + 1), g.kh, 2, g.dh);
            g.w_out = out_size(g.w_in, g.pad_l, rndi(0, g.kw / 2 + 1), g.kw, 2, g.dw);
            if (g.h_out < 1 || g.w_out < 1) continue;
        } else if (it >= 400) {
            memset(&g, 0, sizeof g);
            g.n = rndi(1, 2), g.group = 1, g.c_in = rndi(32, 48), g.c_out = rndi(32, 48);
            g.kh = g.kw = 3, g.sh = g.sw = 1, g.dh = g.dw = 1;
            g.h_in = rndi(16, 24), g.w_in = rndi(16, 70), g.pad_t = rndi(0, 1), g.pad_l = rndi(0, 1);
            g.h_out = out_size(g.h_in, g.pad_t, rndi(0, 2), 3, 1, 1);
            g.w_out = out_size(g.w_in, g.pad_l, rndi(0, 2), 3, 1, 1);
            if (g.h_out < 1 || g.w_out < 1) continue;
        }
        const int it_geom = it; /* each geometry in each pair of layouts the implementation takes */
        for (int lay = 0; lay < 4; lay++) {
        g.layout_in = lay & 1 ? DLK_NCHW16C : DLK_NCHW;
        g.layout_out = lay & 2 ? DLK_NCHW16C : DLK_NCHW;
        if (!im->supports(&g)) continue;
        tested++;
        if (lay) layouts++;
        const int K = g.c_in / g.group * g.kh * g.kw, relu = rndi(0, 1);
        const size_t nx = (size_t)g.n * g.c_in * g.h_in * g.w_in, nw = (size_t)g.c_out * K,
                     ny = (size_t)g.n * g.c_out * g.h_out * g.w_out;
        float *x = aalloc(nx * 4), *w = aalloc(nw * 4), *b = aalloc((size_t)g.c_out * 4), *y0 = aalloc(ny * 4),
              *y1 = aalloc(ny * 4), *sum = aalloc(ny * 4);
        const int with_sum = rndi(0, 1); /* a fused Add: sum added before the Relu */
        for (size_t i = 0; i < ny; i++) sum[i] = rndf() * 2;
        for (size_t i = 0; i < nx; i++) x[i] = rndf();
        for (size_t i = 0; i < nw; i++) w[i] = rndf();
        for (int i = 0; i < g.c_out; i++) b[i] = rndf();
        const int with_bias = rndi(0, 3) != 0;
        dlk_conv_f32_ref(&g, x, w, with_bias ? b : NULL, y0);
        float mx = 0;
        for (size_t i = 0; i < ny; i++) {
            if (with_sum) y0[i] += sum[i];
            if (relu && y0[i] < 0) y0[i] = 0;
            if (fabsf(y0[i]) > mx) mx = fabsf(y0[i]);
        }
        void *packed = aalloc(im->packed_bytes(&g));
        im->pack(&g, w, with_bias ? b : NULL, packed);
        void *scratch = aalloc(im->scratch_bytes(&g));
        /* channel-blocked operands: x (and y, sum) converted by the reference converters */
        float *xl = x, *suml = sum, *yl = y1;
        const int64_t hw_in = (int64_t)g.h_in * g.w_in, hw_out = (int64_t)g.h_out * g.w_out;
        if (g.layout_in == DLK_NCHW16C) {
            xl = aalloc(nx * 4);
            dlk_nchw_to_16c_f32(g.n, g.c_in, hw_in, x, xl);
        }
        if (g.layout_out == DLK_NCHW16C) {
            suml = aalloc(ny * 4);
            yl = aalloc(ny * 4);
            dlk_nchw_to_16c_f32(g.n, g.c_out, hw_out, sum, suml);
        }
        for (int nth = 1; nth <= 3; nth += 2) {
            for (size_t i = 0; i < ny; i++) yl[i] = NAN;
            for (int ith = 0; ith < nth; ith++) im->run(&g, packed, xl, yl, with_sum ? suml : NULL, scratch, relu, ith, nth);
            if (yl != y1) dlk_16c_to_nchw_f32(g.n, g.c_out, hw_out, yl, y1);
            for (size_t i = 0; i < ny; i++)
                if (!(fabsf(y1[i] - y0[i]) <= 1e-5f * (mx > 1 ? mx : 1)))
                    fail_msg("%s float conv %s it %d (n %d cin %d cout %d group %d in %dx%d out %dx%d k %dx%d s %d,%d d %d,%d "
                             "pad %d,%d relu %d sum %d, layouts %d/%d, %d threads): y[%zu] = %g, ref %g",
                             k->name, im->name, it_geom, g.n, g.c_in, g.c_out, g.group, g.h_in, g.w_in, g.h_out, g.w_out, g.kh, g.kw,
                             g.sh, g.sw, g.dh, g.dw, g.pad_t, g.pad_l, relu, with_sum, g.layout_in, g.layout_out, nth, i,
                             y1[i], y0[i]);
        }
        if (xl != x) free(xl);
        if (yl != y1) {
            free(yl);
            free(suml);
        }
        free(packed);
        free(scratch);
        free(x);
        free(w);
        free(b);
        free(y0);
        free(y1);
        free(sum);
        }
    }
        assert_true(tested >= 20); /* the random geometries must exercise every implementation */
        /* the broadcast kernel also runs channel-blocked operands (NCHW16C in, out or both) */
        if (!strcmp(im->name, "avx512-bcast")) assert_true(layouts >= 100);
        printf("%s float conv %s: %d geometries, %d of them with NCHW16C operands\n", k->name, im->name, tested, layouts);
    }
    if (k->add_f32) {
        for (int it = 0; it < 60; it++) {
            const int64_t n = it < 20 ? it : rndi(1, 5000);
            const int relu = it & 1;
            float *a = aalloc((size_t)n * 4), *b = aalloc((size_t)n * 4), *y0 = aalloc((size_t)n * 4), *y1 = aalloc((size_t)n * 4);
            for (int64_t i = 0; i < n; i++) a[i] = rndf(), b[i] = rndf();
            const int64_t one = n, st = 1;
            dlk_binary_f32_ref(DLK_BIN_ADD, 1, &one, &st, &st, a, b, y0);
            if (relu) dlk_relu_f32_ref(n, y0, y0);
            k->add_f32(n, a, b, relu, y1);
            for (int64_t i = 0; i < n; i++) /* one IEEE addition each: equal values (0 and -0 alike) */
                if (!(y0[i] == y1[i])) fail_msg("%s add it %d: y[%lld] = %g, ref %g", k->name, it, (long long)i, y1[i], y0[i]);
            free(a);
            free(b);
            free(y0);
            free(y1);
        }
    }
    if (!k->maxpool_f32) return;
    for (int it = 0; it < 60; it++) {
        dlk_pool_geom g;
        memset(&g, 0, sizeof g);
        g.n = rndi(1, 2);
        g.c = rndi(1, 9);
        g.h_in = rndi(2, 20);
        g.w_in = rndi(2, 90);
        g.kh = g.kw = g.sh = g.sw = 2;
        g.dh = g.dw = 1;
        g.h_out = g.h_in / 2;
        g.w_out = g.w_in / 2;
        if (!k->maxpool_q8_ok(&g)) continue;
        const size_t nx = (size_t)g.n * g.c * g.h_in * g.w_in, ny = (size_t)g.n * g.c * g.h_out * g.w_out;
        float *x = aalloc(nx * 4), *y0 = aalloc(ny * 4), *y1 = aalloc(ny * 4);
        for (size_t i = 0; i < nx; i++) x[i] = rndf();
        dlk_maxpool_f32_ref(&g, x, y0);
        for (int ith = 0; ith < 2; ith++) {
            int64_t b0, e0;
            dlk_split((int64_t)g.n * g.c, ith, 2, 1, &b0, &e0);
            k->maxpool_f32(&g, x, y1, b0, e0);
        }
        if (memcmp(y0, y1, ny * 4)) fail_msg("%s float maxpool it %d differs", k->name, it);
        free(x);
        free(y0);
        free(y1);
    }
    if (!k->maxpool_f32_16c) return;
    /* NCHW16C MaxPool, any geometry (DLA's 2x2 stride 2 every third time), NaNs now and then: bit
     * for bit the reference's on the same values in NCHW */
    int tested16 = 0;
    for (int it = 0; it < 150; it++) {
        dlk_pool_geom g;
        memset(&g, 0, sizeof g);
        g.n = rndi(1, 2);
        g.c = 16 * rndi(1, 3);
        g.h_in = rndi(1, 20);
        g.w_in = rndi(1, 40);
        if (it % 3 == 0) {
            g.kh = g.kw = g.sh = g.sw = 2, g.dh = g.dw = 1;
        } else {
            g.kh = rndi(1, 4), g.kw = rndi(1, 4), g.sh = rndi(1, 3), g.sw = rndi(1, 3);
            g.dh = rnd() % 4 ? 1 : 2, g.dw = rnd() % 4 ? 1 : 2;
            g.pad_t = rndi(0, g.kh - 1), g.pad_l = rndi(0, g.kw - 1);
            g.pad_b = rndi(0, g.kh - 1), g.pad_r = rndi(0, g.kw - 1);
        }
        g.h_out = out_size(g.h_in, g.pad_t, g.pad_b, g.kh, g.sh, g.dh);
        g.w_out = out_size(g.w_in, g.pad_l, g.pad_r, g.kw, g.sw, g.dw);
        if (g.h_out < 1 || g.w_out < 1) continue;
        tested16++;
        const int64_t hw_in = (int64_t)g.h_in * g.w_in, hw_out = (int64_t)g.h_out * g.w_out;
        const size_t nx = (size_t)g.n * g.c * hw_in, ny = (size_t)g.n * g.c * hw_out;
        float *x = aalloc(nx * 4), *x16 = aalloc(nx * 4), *y0 = aalloc(ny * 4), *y16 = aalloc(ny * 4), *y1 = aalloc(ny * 4);
        for (size_t i = 0; i < nx; i++) x[i] = rnd() % 50 ? rndf() : rnd() % 2 ? NAN : -INFINITY;
        dlk_maxpool_f32_ref(&g, x, y0);
        dlk_nchw_to_16c_f32(g.n, g.c, hw_in, x, x16);
        const int64_t rows = (int64_t)g.n * (g.c / 16) * g.h_out;
        for (int ith = 0; ith < 3; ith++) {
            int64_t b0, e0;
            dlk_split(rows, ith, 3, 1, &b0, &e0);
            k->maxpool_f32_16c(&g, x16, y16, b0, e0);
        }
        dlk_16c_to_nchw_f32(g.n, g.c, hw_out, y16, y1);
        if (memcmp(y0, y1, ny * 4))
            fail_msg("%s NCHW16C maxpool it %d differs (k %dx%d s %d,%d d %d,%d pads %d,%d,%d,%d)", k->name, it, g.kh, g.kw,
                     g.sh, g.sw, g.dh, g.dw, g.pad_t, g.pad_l, g.pad_b, g.pad_r);
        free(x);
        free(x16);
        free(y0);
        free(y16);
        free(y1);
    }
    assert_true(tested16 >= 100);
    printf("%s NCHW16C maxpool: %d geometries\n", k->name, tested16);
}

static void run_isa(dlk_isa isa)
{
    const dlk_kernels *k = dlk_kernels_for(isa);
    if (!k) {
        printf("ISA %d not available on this machine or build: skipped\n", (int)isa);
        skip();
    }
    check_isa(k);
}

static void test_f32_avx2(void **state)
{
    (void)state;
    run_isa(DLK_ISA_AVX2);
}

static void test_f32_avx512(void **state)
{
    (void)state;
    run_isa(DLK_ISA_AVX512);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32_avx2),
        cmocka_unit_test(test_f32_avx512),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
