/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel tester (kernel_tester.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_tester.h"

/* ---- implementations ------------------------------------------------------------------------- */

static const dlk_isa all_isas[] = {DLK_ISA_REF, DLK_ISA_AVX2, DLK_ISA_AVX2VNNI, DLK_ISA_AVX512, DLK_ISA_NEON};
#define N_ISAS (int)(sizeof all_isas / sizeof all_isas[0])

static const dlk_kernels *table_for(int i, int report)
{
    const dlk_kernels *k = dlk_kernels_for(all_isas[i]);
    if (!k && report) printf("kernel table of ISA %d: not available on this machine or build, skipped\n", (int)all_isas[i]);
    return k;
}

static int add_impl(tst_impl *out, int n, const dlk_kernels *k, const char *name, const void *conv, tst_fn fn)
{
    for (int i = 0; i < n; i++)
        if ((conv && out[i].conv == conv) || (fn && out[i].fn == fn)) return n; /* shared by two tables */
    if (n == TST_MAX_IMPLS) fail_msg("more than %d implementations of one slot", TST_MAX_IMPLS);
    out[n] = (tst_impl){k, k->name, name, conv, fn, k->isa == DLK_ISA_REF};
    return n + 1;
}

int tst_impls_qconv(tst_impl *out)
{
    int n = 0;
    for (int t = 0; t < N_ISAS; t++) {
        const dlk_kernels *k = table_for(t, 1);
        for (size_t i = 0; k && i < sizeof k->qconv / sizeof k->qconv[0] && k->qconv[i]; i++)
            n = add_impl(out, n, k, k->qconv[i]->name, k->qconv[i], NULL);
    }
    return n;
}

int tst_impls_fconv(tst_impl *out)
{
    int n = 0;
    for (int t = 0; t < N_ISAS; t++) {
        const dlk_kernels *k = table_for(t, 1);
        for (size_t i = 0; k && i < sizeof k->fconv / sizeof k->fconv[0] && k->fconv[i]; i++)
            n = add_impl(out, n, k, k->fconv[i]->name, k->fconv[i], NULL);
    }
    return n;
}

int tst_impls_slot(tst_impl *out, const char *slot, tst_fn (*get)(const dlk_kernels *k))
{
    int n = 0;
    for (int t = 0; t < N_ISAS; t++) {
        const dlk_kernels *k = table_for(t, 0);
        tst_fn fn = k ? get(k) : NULL;
        if (fn) n = add_impl(out, n, k, slot, NULL, fn);
    }
    return n;
}

void tst_slot_init(tst_slot *s, const char *slot, tst_fn (*get)(const dlk_kernels *k))
{
    memset(s, 0, sizeof *s);
    s->slot = slot;
    s->nim = tst_impls_slot(s->im, slot, get);
    if (!s->nim) {
        printf("%s: no table fills this slot\n", slot);
        skip();
    }
}

void tst_slot_done(const tst_slot *s, int cases, int min_runs)
{
    printf("%s: %d implementation(s), %d cases, %d runs\n", s->slot, s->nim, cases, s->runs);
    if (s->runs < min_runs * s->nim)
        fail_msg("%s: %d runs, at least %d per implementation wanted", s->slot, s->runs, min_runs);
}

/* ---- cases -------------------------------------------------------------------------------------- */

conv_case conv_case_new(void)
{
    conv_case c;
    memset(&c, 0, sizeof c);
    c.n = c.c_in = c.c_out = c.h_in = c.w_in = 1;
    c.kh = c.kw = c.sh = c.sw = c.dh = c.dw = 1;
    c.group = 1;
    c.bias = 1;
    c.x_type = DLK_Q_U8;
    c.w_type = DLK_Q_I8;
    c.y_type = DLK_Q_I8;
    return c;
}

void conv_case_rnd_strides(tst_rng *r, conv_case *c)
{
    c->sh = tst_rndi(r, 1, 2);
    c->sw = tst_chance(r, 2, 3) ? c->sh : tst_rndi(r, 1, 2);
    c->dh = tst_chance(r, 1, 5) ? 2 : 1;
    c->dw = tst_chance(r, 1, 5) ? 2 : 1;
}

void conv_case_rnd_pads(tst_rng *r, conv_case *c, int max_h, int max_w)
{
    c->pad_t = tst_rndi(r, 0, max_h), c->pad_b = tst_rndi(r, 0, max_h);
    c->pad_l = tst_rndi(r, 0, max_w), c->pad_r = tst_rndi(r, 0, max_w);
}

int conv_case_geom(const conv_case *c, dlk_conv_geom *g)
{
    memset(g, 0, sizeof *g);
    *g = (dlk_conv_geom){.n = c->n, .c_in = c->c_in, .h_in = c->h_in, .w_in = c->w_in, .c_out = c->c_out,
                         .kh = c->kh, .kw = c->kw, .sh = c->sh, .sw = c->sw, .dh = c->dh, .dw = c->dw,
                         .pad_t = c->pad_t, .pad_l = c->pad_l, .group = c->group};
    if (c->n < 1 || c->group < 1 || c->c_in < 1 || c->c_out < 1 || c->c_in % c->group || c->c_out % c->group) return -1;
    if (c->h_in < 1 || c->w_in < 1 || c->kh < 1 || c->kw < 1 || c->sh < 1 || c->sw < 1 || c->dh < 1 || c->dw < 1) return -1;
    if (c->h_in + c->pad_t + c->pad_b - c->dh * (c->kh - 1) - 1 < 0) return -1;
    if (c->w_in + c->pad_l + c->pad_r - c->dw * (c->kw - 1) - 1 < 0) return -1;
    g->h_out = tst_out_size(c->h_in, c->pad_t, c->pad_b, c->kh, c->sh, c->dh);
    g->w_out = tst_out_size(c->w_in, c->pad_l, c->pad_r, c->kw, c->sw, c->dw);
    return g->h_out >= 1 && g->w_out >= 1 ? 0 : -1;
}

const char *conv_case_str(const conv_case *c, int q8, char *buf, size_t size)
{
    dlk_conv_geom g;
    conv_case_geom(c, &g);
    const int n = snprintf(buf, size,
                           "n %d cin %d cout %d group %d in %dx%d out %dx%d k %dx%d s %d,%d d %d,%d pad t%d l%d b%d r%d "
                           "relu %d bias %d",
                           c->n, c->c_in, c->c_out, c->group, c->h_in, c->w_in, g.h_out, g.w_out, c->kh, c->kw, c->sh,
                           c->sw, c->dh, c->dw, c->pad_t, c->pad_l, c->pad_b, c->pad_r, c->relu, c->bias);
    if (n < 0 || (size_t)n >= size) return buf;
    if (q8)
        snprintf(buf + n, size - (size_t)n, " x %s zp %d w %s%s y %s zp %d", tst_q8name(c->x_type), c->x_zp,
                 tst_q8name(c->w_type), c->w_zp ? " zp per channel" : "", tst_q8name(c->y_type), c->y_zp);
    else
        snprintf(buf + n, size - (size_t)n, " sum %d", c->sum);
    return buf;
}

/* the i-th case of source s, in *c (valid geometry) */
static void source_case(const conv_source *s, tst_rng *r, int i, conv_case *c)
{
    if (s->table) {
        *c = s->table[i];
    } else {
        dlk_conv_geom g;
        int tries = 0;
        do {
            *c = conv_case_new();
            s->gen(r, s->arg, c);
            if (++tries > 10000) fail_msg("generator %s draws no valid geometry", s->name);
        } while (conv_case_geom(c, &g));
    }
    if (!c->seed) c->seed = (s->seed ^ 0x2545f4914f6cdd1dull) * 0x9e3779b97f4a7c15ull + (uint64_t)i + 1;
}

/* whether implementation im skips case ci of source s (TST_REF_EVERY), the thread counts it runs
 * from, and the cases it must run */
static int ref_skips(const tst_impl *im, const conv_source *s, int ci)
{
    return im->is_ref && !s->table && ci % TST_REF_EVERY != 0;
}
static int first_nth(const tst_impl *im) { return im->is_ref ? 3 : 1; }
static int min_for(const tst_impl *im, int min_runs) { return im->is_ref ? min_runs / TST_REF_EVERY : min_runs; }

/* ---- classes ---------------------------------------------------------------------------------- */

const char *const tc_names[TC_COUNT] = {
    "dense", "pointwise", "pw-longK", "pw-shortK", "stride2", "grouped", "depthwise", "k7", "kh!=kw", "3x3s1",
    "pad", "dilation", "batch", "odd-cout", "1px-side", "wide-rows", "blocks16", "nchw16c", "relu", "sum",
    "u8-weights", "zp-at-end"};

unsigned tst_classes(const dlk_conv_geom *g, const dlk_qconv_params *q, int relu, int sum)
{
    unsigned m = 0;
    const int cig = g->c_in / g->group;
    const int pw = g->kh == 1 && g->kw == 1;
    const int pad_b = (g->h_out - 1) * g->sh + g->dh * (g->kh - 1) + 1 - g->h_in - g->pad_t;
    const int pad_r = (g->w_out - 1) * g->sw + g->dw * (g->kw - 1) + 1 - g->w_in - g->pad_l;
#define SET(c, cond) m |= (cond) ? 1u << (c) : 0
    SET(TC_DENSE, g->group == 1 && !pw);
    SET(TC_POINTWISE, pw);
    SET(TC_PW_LONGK, pw && cig >= 32);
    SET(TC_PW_SHORTK, pw && cig <= 2);
    SET(TC_STRIDE2, g->sh == 2 || g->sw == 2);
    SET(TC_GROUPED, g->group > 1 && cig > 1);
    SET(TC_DEPTHWISE, g->group > 1 && cig == 1);
    SET(TC_K7, g->kh == 7 || g->kw == 7);
    SET(TC_ASYM_K, g->kh != g->kw);
    SET(TC_WINO, g->group == 1 && g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1);
    SET(TC_PAD, g->pad_t > 0 || g->pad_l > 0 || pad_b > 0 || pad_r > 0);
    SET(TC_DIL, g->dh > 1 || g->dw > 1);
    SET(TC_BATCH, g->n > 1);
    SET(TC_ODD_C, g->c_out % 16 != 0);
    SET(TC_1PX, g->h_in == 1 || g->w_in == 1);
    SET(TC_WIDE, g->w_in >= 24);
    SET(TC_BLOCKS16, g->c_in % 16 == 0 && g->c_out % 16 == 0);
    SET(TC_LAYOUT16, g->layout_in == DLK_NCHW16C || g->layout_out == DLK_NCHW16C);
    SET(TC_SUM, sum);
    if (q) {
        SET(TC_RELU, q->y_lo > dlk_q8_lo(q->y_type));
        SET(TC_U8W, q->w_type == DLK_Q_U8);
        SET(TC_ZP_END, q->x_zp == dlk_q8_lo(q->x_type) || q->x_zp == dlk_q8_hi(q->x_type) ||
                           q->y_zp == dlk_q8_lo(q->y_type) || q->y_zp == dlk_q8_hi(q->y_type));
    } else {
        SET(TC_RELU, relu);
    }
#undef SET
    return m;
}

void tst_tally_add(tst_tally *t, unsigned classes)
{
    t->runs++;
    for (int c = 0; c < TC_COUNT; c++) t->cls[c] += (int)(classes >> c & 1);
}

void tst_tally_print(const char *what, const tst_tally *t)
{
    printf("%s: %d runs:", what, t->runs);
    for (int c = 0; c < TC_COUNT; c++)
        if (t->cls[c]) printf(" %s %d", tc_names[c], t->cls[c]);
    printf("\n");
}

/* ---- int8 convolution --------------------------------------------------------------------------- */

/* "(n, c, h, w)" of element i of an NCHW tensor */
static void coords(const dlk_conv_geom *g, int64_t i, char *buf, size_t size)
{
    const int64_t hw = (int64_t)g->h_out * g->w_out, chw = hw * g->c_out;
    snprintf(buf, size, "n %lld c %lld h %lld w %lld", (long long)(i / chw), (long long)(i % chw / hw),
             (long long)(i % hw / g->w_out), (long long)(i % g->w_out));
}

void tst_check_qconv(const conv_source *src, int nsrc, int min_runs)
{
    tst_impl im[TST_MAX_IMPLS];
    const int nim = tst_impls_qconv(im);
    tst_tally tally[TST_MAX_IMPLS];
    memset(tally, 0, sizeof tally);
    for (int s = 0; s < nsrc; s++) {
        tst_rng gr = tst_rng_new(src[s].seed);
        for (int ci = 0; ci < src[s].count; ci++) {
            conv_case c;
            source_case(&src[s], &gr, ci, &c);
            tst_rng r = tst_rng_new(c.seed);
            dlk_qconv_params p;
            memset(&p, 0, sizeof p);
            conv_case_geom(&c, &p.g);
            const dlk_conv_geom *g = &p.g;
            p.x_type = c.x_type, p.w_type = c.w_type, p.y_type = c.y_type;
            p.x_zp = c.x_zp, p.y_zp = c.y_zp;
            p.y_lo = dlk_q8_lo(c.y_type), p.y_hi = dlk_q8_hi(c.y_type);
            if (c.relu && c.y_zp > p.y_lo) p.y_lo = c.y_zp;
            const int K = g->c_in / g->group * g->kh * g->kw;
            const size_t nx = (size_t)g->n * g->c_in * g->h_in * g->w_in, nw = (size_t)g->c_out * K,
                         ny = (size_t)g->n * g->c_out * g->h_out * g->w_out;
            uint8_t *x = tst_alloc(nx), *w = tst_alloc(nw), *y0 = tst_alloc(ny), *y1 = tst_alloc(ny);
            int32_t *wzp = NULL, *bias = NULL;
            float *scale = tst_alloc(sizeof(float) * (size_t)g->c_out);
            tst_fill_q8(&r, x, nx);
            tst_fill_q8(&r, w, nw);
            if (c.w_zp) {
                wzp = tst_alloc(sizeof(int32_t) * (size_t)g->c_out);
                for (int o = 0; o < g->c_out; o++) wzp[o] = tst_rnd_zp(&r, c.w_type);
                p.w_zp = wzp;
            }
            for (int o = 0; o < g->c_out; o++) scale[o] = (0.2f + tst_rndu(&r)) * 0.01f / sqrtf((float)K);
            p.scale = scale;
            if (c.bias) {
                bias = tst_alloc(sizeof(int32_t) * (size_t)g->c_out);
                for (int o = 0; o < g->c_out; o++) bias[o] = tst_rndi(&r, -20000, 20000);
            }
            int32_t *acc = tst_alloc(sizeof(int32_t) * (size_t)g->h_out * g->w_out);
            dlk_conv_q8_ref(&p, x, w, bias, y0, acc);
            free(acc);
            const unsigned cls = tst_classes(g, &p, c.relu, 0);
            for (int i = 0; i < nim; i++) {
                const dlk_qconv_impl *q = im[i].conv;
                if (ref_skips(&im[i], &src[s], ci) || !q->supports(&p)) continue;
                tst_tally_add(&tally[i], cls);
                void *packed = tst_alloc(q->packed_bytes(&p));
                q->pack(&p, w, bias, packed);
                void *scratch = tst_alloc(q->scratch_bytes(&p));
                for (int nth = first_nth(&im[i]); nth <= 3; nth += 2) {
                    memset(y1, 0x5a, ny);
                    for (int ith = 0; ith < nth; ith++) q->run(&p, packed, x, y1, scratch, ith, nth);
                    const int64_t d = tst_first_diff_bytes(y1, y0, ny);
                    if (d >= 0) {
                        char cs[320], at[96];
                        coords(g, d, at, sizeof at);
                        fail_msg("int8 conv %s/%s, case %s#%d (%s), %d thread(s): first difference at y[%lld] (%s): %d, "
                                 "reference %d",
                                 im[i].table, im[i].name, src[s].name, ci, conv_case_str(&c, 1, cs, sizeof cs), nth,
                                 (long long)d, at, tst_qload(y1, c.y_type, (size_t)d), tst_qload(y0, c.y_type, (size_t)d));
                    }
                }
                free(packed);
                free(scratch);
            }
            free(x), free(w), free(y0), free(y1), free(wzp), free(bias), free(scale);
        }
    }
    if (!nim) {
        printf("no int8 conv implementation in any table: nothing to check\n");
        skip();
    }
    for (int i = 0; i < nim; i++) {
        char what[96];
        snprintf(what, sizeof what, "int8 conv %s/%s", im[i].table, im[i].name);
        tst_tally_print(what, &tally[i]);
        if (tally[i].runs < min_for(&im[i], min_runs))
            fail_msg("%s ran only %d cases (at least %d wanted)", what, tally[i].runs, min_for(&im[i], min_runs));
    }
}

/* ---- float convolution ------------------------------------------------------------------------ */

void tst_check_fconv(const conv_source *src, int nsrc, float rel_tol, int min_runs, int min_layout16)
{
    tst_impl im[TST_MAX_IMPLS];
    const int nim = tst_impls_fconv(im);
    tst_tally tally[TST_MAX_IMPLS];
    memset(tally, 0, sizeof tally);
    for (int s = 0; s < nsrc && nim; s++) {
        tst_rng gr = tst_rng_new(src[s].seed);
        for (int ci = 0; ci < src[s].count; ci++) {
            conv_case c;
            source_case(&src[s], &gr, ci, &c);
            tst_rng r = tst_rng_new(c.seed);
            dlk_conv_geom g;
            conv_case_geom(&c, &g);
            const int K = g.c_in / g.group * g.kh * g.kw;
            const size_t nx = (size_t)g.n * g.c_in * g.h_in * g.w_in, nw = (size_t)g.c_out * K,
                         ny = (size_t)g.n * g.c_out * g.h_out * g.w_out;
            const int64_t hw_in = (int64_t)g.h_in * g.w_in, hw_out = (int64_t)g.h_out * g.w_out;
            float *x = tst_alloc(nx * 4), *w = tst_alloc(nw * 4), *b = tst_alloc((size_t)g.c_out * 4),
                  *y0 = tst_alloc(ny * 4), *y1 = tst_alloc(ny * 4), *sum = tst_alloc(ny * 4);
            tst_fill_f32(&r, x, nx, 1);
            tst_fill_f32(&r, w, nw, 1);
            tst_fill_f32(&r, b, (size_t)g.c_out, 1);
            tst_fill_f32(&r, sum, ny, 2);
            const float *bias = c.bias ? b : NULL;
            dlk_conv_f32_ref(&g, x, w, bias, y0);
            for (size_t i = 0; i < ny; i++) {
                if (c.sum) y0[i] += sum[i];
                if (c.relu && y0[i] < 0) y0[i] = 0;
            }
            const float mx = tst_max_abs_f32(y0, ny), tol = rel_tol * (mx > 1 ? mx : 1);
            /* channel-blocked operands, made by the reference converters, for the layouts that take them */
            float *x16 = NULL, *sum16 = NULL, *y16 = NULL;
            for (int i = 0; i < nim; i++) {
                const dlk_fconv_impl *f = im[i].conv;
                for (int lay = 0; lay < 4 && !ref_skips(&im[i], &src[s], ci); lay++) {
                    g.layout_in = lay & 1 ? DLK_NCHW16C : DLK_NCHW;
                    g.layout_out = lay & 2 ? DLK_NCHW16C : DLK_NCHW;
                    if (!f->supports(&g)) continue;
                    tst_tally_add(&tally[i], tst_classes(&g, NULL, c.relu, c.sum));
                    if (g.layout_in == DLK_NCHW16C && !x16) {
                        x16 = tst_alloc(nx * 4);
                        dlk_nchw_to_16c_f32(g.n, g.c_in, hw_in, x, x16);
                    }
                    if (g.layout_out == DLK_NCHW16C && !y16) {
                        y16 = tst_alloc(ny * 4);
                        sum16 = tst_alloc(ny * 4);
                        dlk_nchw_to_16c_f32(g.n, g.c_out, hw_out, sum, sum16);
                    }
                    const float *xl = g.layout_in == DLK_NCHW16C ? x16 : x;
                    const float *suml = !c.sum ? NULL : g.layout_out == DLK_NCHW16C ? sum16 : sum;
                    float *yl = g.layout_out == DLK_NCHW16C ? y16 : y1;
                    void *packed = tst_alloc(f->packed_bytes(&g));
                    f->pack(&g, w, bias, packed);
                    void *scratch = tst_alloc(f->scratch_bytes(&g));
                    for (int nth = first_nth(&im[i]); nth <= 3; nth += 2) {
                        for (size_t e = 0; e < ny; e++) yl[e] = NAN;
                        for (int ith = 0; ith < nth; ith++) f->run(&g, packed, xl, yl, suml, scratch, c.relu, ith, nth);
                        if (yl != y1) dlk_16c_to_nchw_f32(g.n, g.c_out, hw_out, yl, y1);
                        /* the reference table's entry promises the reference's bits */
                        const int64_t d = im[i].is_ref ? tst_first_diff_f32(y1, y0, ny) : tst_first_far_f32(y1, y0, ny, tol);
                        if (d >= 0) {
                            char cs[320], at[96];
                            coords(&g, d, at, sizeof at);
                            fail_msg("float conv %s/%s, case %s#%d (%s), layouts %s -> %s, %d thread(s): first "
                                     "difference at y[%lld] (%s): %.9g, reference %.9g (tolerance %g)",
                                     im[i].table, im[i].name, src[s].name, ci, conv_case_str(&c, 0, cs, sizeof cs),
                                     g.layout_in ? "nchw16c" : "nchw", g.layout_out ? "nchw16c" : "nchw", nth, (long long)d,
                                     at, y1[d], y0[d], im[i].is_ref ? 0.0f : tol);
                        }
                    }
                    free(packed);
                    free(scratch);
                }
            }
            free(x16), free(sum16), free(y16);
            free(x), free(w), free(b), free(y0), free(y1), free(sum);
        }
    }
    if (!nim) {
        printf("no float conv implementation in any table: nothing to check\n");
        skip();
    }
    for (int i = 0; i < nim; i++) {
        char what[96];
        snprintf(what, sizeof what, "float conv %s/%s", im[i].table, im[i].name);
        tst_tally_print(what, &tally[i]);
        if (tally[i].runs < min_for(&im[i], min_runs))
            fail_msg("%s ran only %d cases (at least %d wanted)", what, tally[i].runs, min_for(&im[i], min_runs));
        if (tally[i].cls[TC_LAYOUT16] && tally[i].cls[TC_LAYOUT16] < min_layout16)
            fail_msg("%s ran only %d cases with NCHW16C operands (at least %d wanted)", what, tally[i].cls[TC_LAYOUT16],
                     min_layout16);
    }
}

/* ---- pooling and element-wise cases ------------------------------------------------------------- */

pool_case pool_case_new(void)
{
    pool_case c;
    memset(&c, 0, sizeof c);
    c.n = c.c = c.h_in = c.w_in = 1;
    c.kh = c.kw = c.sh = c.sw = 2;
    c.dh = c.dw = 1;
    c.t = DLK_Q_I8;
    return c;
}

int pool_case_geom(const pool_case *c, dlk_pool_geom *g)
{
    memset(g, 0, sizeof *g);
    *g = (dlk_pool_geom){.n = c->n, .c = c->c, .h_in = c->h_in, .w_in = c->w_in, .kh = c->kh, .kw = c->kw,
                         .sh = c->sh, .sw = c->sw, .dh = c->dh, .dw = c->dw, .pad_t = c->pad_t, .pad_l = c->pad_l,
                         .pad_b = c->pad_b, .pad_r = c->pad_r};
    if (c->h_in + c->pad_t + c->pad_b - c->dh * (c->kh - 1) - 1 < 0) return -1;
    if (c->w_in + c->pad_l + c->pad_r - c->dw * (c->kw - 1) - 1 < 0) return -1;
    g->h_out = tst_out_size(c->h_in, c->pad_t, c->pad_b, c->kh, c->sh, c->dh);
    g->w_out = tst_out_size(c->w_in, c->pad_l, c->pad_r, c->kw, c->sw, c->dw);
    return g->h_out >= 1 && g->w_out >= 1 ? 0 : -1;
}

const char *pool_case_str(const pool_case *c, char *buf, size_t size)
{
    dlk_pool_geom g;
    pool_case_geom(c, &g);
    snprintf(buf, size, "n %d c %d in %dx%d out %dx%d k %dx%d s %d,%d d %d,%d pad t%d l%d b%d r%d %s%s", c->n, c->c,
             c->h_in, c->w_in, g.h_out, g.w_out, c->kh, c->kw, c->sh, c->sw, c->dh, c->dw, c->pad_t, c->pad_l, c->pad_b,
             c->pad_r, tst_q8name(c->t), c->nan ? " with NaN/-inf" : "");
    return buf;
}

int tst_pool_cases(const pool_source *s, int nsrc, void (*visit)(const pool_source *s, int i, pool_case *c, void *ctx),
                   void *ctx)
{
    int n = 0;
    for (int k = 0; k < nsrc; k++) {
        tst_rng r = tst_rng_new(s[k].seed);
        for (int i = 0; i < s[k].count; i++) {
            pool_case c;
            dlk_pool_geom g;
            if (s[k].table) {
                c = s[k].table[i];
            } else {
                do {
                    c = pool_case_new();
                    s[k].gen(&r, s[k].arg, &c);
                } while (pool_case_geom(&c, &g));
            }
            if (!c.seed) c.seed = (s[k].seed ^ 0x5851f42d4c957f2dull) + (uint64_t)i + 1;
            visit(&s[k], i, &c, ctx);
            n++;
        }
    }
    return n;
}

int tst_ew_cases(const ew_source *s, int nsrc, void (*visit)(const ew_source *s, int i, ew_case *c, void *ctx), void *ctx)
{
    int n = 0;
    for (int k = 0; k < nsrc; k++) {
        tst_rng r = tst_rng_new(s[k].seed);
        for (int i = 0; i < s[k].count; i++) {
            ew_case c = {1, DLK_Q_I8, 0, 0};
            s[k].gen(&r, s[k].arg, i, &c);
            if (!c.seed) c.seed = (s[k].seed ^ 0x14057b7ef767814full) + (uint64_t)i + 1;
            visit(&s[k], i, &c, ctx);
            n++;
        }
    }
    return n;
}
