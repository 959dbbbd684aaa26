/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable float32 reference kernels (see kernels.h for the contracts).
 *
 * Inner loops are written over fixed blocks of 8 elements with restrict pointers so that gcc -O2
 * (whose "very cheap" vectorizer cost model refuses loops of unknown trip count) still vectorizes
 * them; the remainders run as scalar tails. Nothing here allocates; large working sets are cut
 * into fixed-size tiles held on the stack.
 */
#include "kernels/kernels.h"
#include "kernels/bcast.h"

#include <math.h>
#include <string.h>

#define CO_BLK 4   /* output channels computed together (each input load feeds 4 accumulators) */
#define TILE 256   /* output columns (or flattened positions) per accumulator tile */

/* ceil(a / b) for b > 0 and any sign of a. */
static int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/* [*lo, *hi): the outputs o in [t0, t1) whose input index o*s + off lies in [0, n). */
static void valid_range(int off, int s, int n, int t0, int t1, int *lo, int *hi)
{
    int a = off >= 0 ? 0 : ceil_div(-off, s);
    int b = (n - 1 - off) < 0 ? 0 : (n - 1 - off) / s + 1;
    if (a < t0) a = t0;
    if (b > t1) b = t1;
    *lo = a;
    *hi = b > a ? b : a;
}

/* a[i] += w * x[i], i < n */
static void axpy1(float *restrict a, const float *restrict x, float w, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) a[i + j] += w * x[i + j];
    for (; i < n; i++) a[i] += w * x[i];
}

/* a_k[i] += w_k * x[i] for 4 accumulator rows */
static void axpy4(float *restrict a0, float *restrict a1, float *restrict a2, float *restrict a3,
                  const float *restrict x, const float *w, int n)
{
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++) {
            float v = x[i + j];
            a0[i + j] += w0 * v;
            a1[i + j] += w1 * v;
            a2[i + j] += w2 * v;
            a3[i + j] += w3 * v;
        }
    }
    for (; i < n; i++) {
        float v = x[i];
        a0[i] += w0 * v;
        a1[i] += w1 * v;
        a2[i] += w2 * v;
        a3[i] += w3 * v;
    }
}

/* d[i] = x[i*s]: strided input gathered once so the taps' inner loops are contiguous */
static void gather(float *restrict d, const float *restrict x, int s, int n)
{
    for (int i = 0; i < n; i++) d[i] = x[(ptrdiff_t)i * s];
}

void dlk_conv_f32_ref(const dlk_conv_geom *g0, const float *x, const float *w, const float *bias,
                      float *y)
{
    dlk_conv_geom g = *g0;
    if (g.group <= 0 || g.n <= 0 || g.c_out <= 0 || g.h_out <= 0 || g.w_out <= 0) return;
    const ptrdiff_t in_plane = (ptrdiff_t)g.h_in * g.w_in;
    const ptrdiff_t out_plane = (ptrdiff_t)g.h_out * g.w_out;
    /* A 1x1, stride-1, unpadded conv is a GEMM over the flattened plane: view each plane as one
     * long row so that tiles span TILE positions instead of one short image row. */
    if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_t == 0 && g.pad_l == 0 &&
        g.h_in == g.h_out && g.w_in == g.w_out && out_plane <= 0x7fffffff) {
        g.h_in = g.h_out = 1;
        g.w_in = g.w_out = (int)out_plane;
    }
    const int cin_g = g.c_in / g.group, cout_g = g.c_out / g.group;
    const int ksz = g.kh * g.kw;
    float acc[CO_BLK][TILE];
    float xbuf[TILE];

    for (int n = 0; n < g.n; n++) {
        for (int grp = 0; grp < g.group; grp++) {
            const float *xg = x + ((ptrdiff_t)n * g.c_in + (ptrdiff_t)grp * cin_g) * in_plane;
            for (int oh = 0; oh < g.h_out; oh++) {
                for (int t0 = 0; t0 < g.w_out; t0 += TILE) {
                    const int t1 = g.w_out - t0 > TILE ? t0 + TILE : g.w_out;
                    const int tn = t1 - t0;
                    for (int cb = 0; cb < cout_g; cb += CO_BLK) {
                        const int nb = cout_g - cb > CO_BLK ? CO_BLK : cout_g - cb;
                        const int co0 = grp * cout_g + cb;
                        for (int k = 0; k < nb; k++) {
                            float b = bias ? bias[co0 + k] : 0.0f;
                            for (int i = 0; i < tn; i++) acc[k][i] = b;
                        }
                        for (int ci = 0; ci < cin_g; ci++) {
                            const float *xc = xg + ci * in_plane;
                            for (int ky = 0; ky < g.kh; ky++) {
                                const int ih = oh * g.sh - g.pad_t + ky * g.dh;
                                if (ih < 0 || ih >= g.h_in) continue;
                                const float *xrow = xc + (ptrdiff_t)ih * g.w_in;
                                for (int kx = 0; kx < g.kw; kx++) {
                                    const int off = kx * g.dw - g.pad_l;
                                    int lo, hi;
                                    valid_range(off, g.sw, g.w_in, t0, t1, &lo, &hi);
                                    if (lo >= hi) continue;
                                    /* weights of the nb output channels for this tap */
                                    float wv[CO_BLK];
                                    for (int k = 0; k < nb; k++)
                                        wv[k] = w[((ptrdiff_t)(co0 + k) * cin_g + ci) * ksz +
                                                  ky * g.kw + kx];
                                    const float *xs = xrow + (ptrdiff_t)lo * g.sw + off;
                                    const int a = lo - t0, len = hi - lo;
                                    if (g.sw != 1) {
                                        gather(xbuf, xs, g.sw, len);
                                        xs = xbuf;
                                    }
                                    if (nb == CO_BLK)
                                        axpy4(acc[0] + a, acc[1] + a, acc[2] + a, acc[3] + a, xs,
                                              wv, len);
                                    else
                                        for (int k = 0; k < nb; k++) axpy1(acc[k] + a, xs, wv[k], len);
                                }
                            }
                        }
                        for (int k = 0; k < nb; k++) {
                            float *yr = y + ((ptrdiff_t)n * g.c_out + co0 + k) * out_plane +
                                        (ptrdiff_t)oh * g.w_out + t0;
                            memcpy(yr, acc[k], (size_t)tn * sizeof(float));
                        }
                    }
                }
            }
        }
    }
}

/* ---- pooling ----------------------------------------------------------------------------------- */

/* Output rows [oh0, oh1) of one plane whose pixels lie step floats apart (1: NCHW; 16: one
 * channel of an NCHW16C block). */
static void maxpool_rows(const dlk_pool_geom *g, const float *xp, float *yp, ptrdiff_t step, int oh0, int oh1)
{
    for (int oh = oh0; oh < oh1; oh++) {
        const int h0 = oh * g->sh - g->pad_t;
        int ky0, ky1, kx0, kx1;
        dlk_taps_inside(h0, g->kh, g->dh, g->h_in, &ky0, &ky1);
        for (int ow = 0; ow < g->w_out; ow++) {
            const int w0 = ow * g->sw - g->pad_l;
            dlk_taps_inside(w0, g->kw, g->dw, g->w_in, &kx0, &kx1);
            float m = -INFINITY;
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++) {
                    const float v = xp[((ptrdiff_t)(h0 + ky * g->dh) * g->w_in + w0 + kx * g->dw) * step];
                    if (v > m || v != v) m = v; /* NaN propagates */
                }
            yp[((ptrdiff_t)oh * g->w_out + ow) * step] = m;
        }
    }
}

void dlk_maxpool_f32_ref(const dlk_pool_geom *g, const float *x, float *y)
{
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const ptrdiff_t out_plane = (ptrdiff_t)g->h_out * g->w_out;
    for (ptrdiff_t p = 0; p < (ptrdiff_t)g->n * g->c; p++) maxpool_rows(g, x + p * in_plane, y + p * out_plane, 1, 0, g->h_out);
}

void dlk_maxpool_f32_16c_ref(const dlk_pool_geom *g, const float *x, float *y, int64_t r0, int64_t r1)
{
    const ptrdiff_t in_blk = (ptrdiff_t)g->h_in * g->w_in * 16, out_blk = (ptrdiff_t)g->h_out * g->w_out * 16;
    for (int64_t r = r0; r < r1; r++) {
        const int64_t blk = r / g->h_out;
        const int oh = (int)(r % g->h_out);
        for (int l = 0; l < 16; l++) maxpool_rows(g, x + blk * in_blk + l, y + blk * out_blk + l, 16, oh, oh + 1);
    }
}

/* Number of taps start + k*d (k < ks) inside [lo, hi). */
static int taps_in(int start, int ks, int d, int lo, int hi)
{
    int c = 0;
    for (int k = 0; k < ks; k++) {
        const int p = start + k * d;
        c += p >= lo && p < hi;
    }
    return c;
}

void dlk_avgpool_f32_ref(const dlk_pool_geom *g, const float *x, float *y)
{
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const ptrdiff_t out_plane = (ptrdiff_t)g->h_out * g->w_out;
    for (ptrdiff_t p = 0; p < (ptrdiff_t)g->n * g->c; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int oh = 0; oh < g->h_out; oh++) {
            const int h0 = oh * g->sh - g->pad_t;
            /* rows counted: in-range rows, or rows within the padded extent */
            const int ch = g->count_include_pad
                               ? taps_in(h0, g->kh, g->dh, -g->pad_t, g->h_in + g->pad_b)
                               : taps_in(h0, g->kh, g->dh, 0, g->h_in);
            for (int ow = 0; ow < g->w_out; ow++) {
                const int w0 = ow * g->sw - g->pad_l;
                const int cw = g->count_include_pad
                                   ? taps_in(w0, g->kw, g->dw, -g->pad_l, g->w_in + g->pad_r)
                                   : taps_in(w0, g->kw, g->dw, 0, g->w_in);
                int ky0, ky1, kx0, kx1;
                dlk_taps_inside(h0, g->kh, g->dh, g->h_in, &ky0, &ky1);
                dlk_taps_inside(w0, g->kw, g->dw, g->w_in, &kx0, &kx1);
                float s = 0.0f;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) s += xp[(ptrdiff_t)(h0 + ky * g->dh) * g->w_in + w0 + kx * g->dw];
                /* An empty window (only possible with odd ceil_mode geometry) gives 0. */
                const int cnt = ch * cw;
                yp[(ptrdiff_t)oh * g->w_out + ow] = cnt > 0 ? s / (float)cnt : 0.0f;
            }
        }
    }
}

void dlk_gavgpool_f32_ref(int nc, int hw, const float *x, float *y)
{
    for (int p = 0; p < nc; p++) {
        const float *xp = x + (ptrdiff_t)p * hw;
        float s = 0.0f;
        for (int i = 0; i < hw; i++) s += xp[i];
        y[p] = hw > 0 ? s / (float)hw : 0.0f;
    }
}

/* on NCHW16C: each channel summed in the same order, so bit-identical to dlk_gavgpool_f32_ref */
void dlk_gavgpool_f32_16c_ref(int n, int c, int hw, const float *x, float *y)
{
    for (int b = 0; b < n * (c / 16); b++) {
        const float *xb = x + (ptrdiff_t)b * hw * 16;
        float s[16] = {0};
        for (int i = 0; i < hw; i++)
            for (int j = 0; j < 16; j++) s[j] += xb[(ptrdiff_t)i * 16 + j];
        for (int j = 0; j < 16; j++) y[(ptrdiff_t)b * 16 + j] = hw > 0 ? s[j] / (float)hw : 0.0f;
    }
}

/* ---- matrix products ------------------------------------------------------------------------- */

void dlk_gemm_f32_ref(int M, int N, int K, float alpha, const float *A, int transA,
                      const float *B, int transB, float beta, const float *C, int c_rs, int c_cs,
                      float *Y)
{
    for (int i = 0; i < M; i++) {
        float *yr = Y + (ptrdiff_t)i * N;
        if (!transB) {
            /* row of Y as a sum of rows of B, contiguous inner loop */
            for (int j = 0; j < N; j++) yr[j] = 0.0f;
            for (int k = 0; k < K; k++) {
                const float a = transA ? A[(ptrdiff_t)k * M + i] : A[(ptrdiff_t)i * K + k];
                axpy1(yr, B + (ptrdiff_t)k * N, a, N);
            }
        } else {
            /* B stored [N][K]: dot products */
            for (int j = 0; j < N; j++) {
                const float *br = B + (ptrdiff_t)j * K;
                float s = 0.0f;
                if (transA)
                    for (int k = 0; k < K; k++) s += A[(ptrdiff_t)k * M + i] * br[k];
                else
                    for (int k = 0; k < K; k++) s += A[(ptrdiff_t)i * K + k] * br[k];
                yr[j] = s;
            }
        }
        const int use_c = C != NULL && beta != 0.0f;
        for (int j = 0; j < N; j++) {
            float v = alpha * yr[j];
            if (use_c) v += beta * C[(ptrdiff_t)i * c_rs + (ptrdiff_t)j * c_cs];
            yr[j] = v;
        }
    }
}

/* ---- element-wise ----------------------------------------------------------------------------- */

static float binop(dlk_binop op, float a, float b)
{
    switch (op) {
    case DLK_BIN_ADD: return a + b;
    case DLK_BIN_SUB: return a - b;
    case DLK_BIN_MUL: return a * b;
    case DLK_BIN_DIV: return a / b;
    }
    return 0.0f;
}

void dlk_binary_f32_ref(dlk_binop op, int ndim, const int64_t *out, const int64_t *a_str,
                        const int64_t *b_str, const float *a, const float *b, float *y)
{
    /* The last dimension is the inner loop; the outer ones are walked by decomposing the
     * outer linear index (no fixed-size index array, so any ndim works). */
    int64_t inner = ndim > 0 ? out[ndim - 1] : 1;
    int64_t sa = ndim > 0 ? a_str[ndim - 1] : 0, sb = ndim > 0 ? b_str[ndim - 1] : 0;
    int64_t rows = 1;
    for (int d = 0; d < ndim - 1; d++) rows *= out[d];
    if (inner <= 0 || rows <= 0) return;
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        dlk_bcast_row(ndim, out, a_str, b_str, r, &oa, &ob);
        const float *ar = a + oa, *br = b + ob;
        float *yr = y + r * inner;
        if (op == DLK_BIN_ADD && sa == 1 && sb == 1) {
            for (int64_t i = 0; i < inner; i++) yr[i] = ar[i] + br[i];
        } else if (op == DLK_BIN_MUL && sa == 1 && sb == 0) {
            const float bv = br[0];
            for (int64_t i = 0; i < inner; i++) yr[i] = ar[i] * bv;
        } else {
            for (int64_t i = 0; i < inner; i++) yr[i] = binop(op, ar[i * sa], br[i * sb]);
        }
    }
}

void dlk_relu_f32_ref(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f);
}

void dlk_sigmoid_f32_ref(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++) {
        /* two forms so that expf never overflows */
        const float v = x[i];
        if (v >= 0.0f) {
            y[i] = 1.0f / (1.0f + expf(-v));
        } else {
            const float e = expf(v);
            y[i] = e / (1.0f + e);
        }
    }
}

void dlk_clip_f32_ref(int64_t n, const float *x, float lo, float hi, float *y)
{
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        y[i] = v; /* NaN passes through */
    }
}

void dlk_softmax_f32_ref(int64_t outer, int64_t len, int64_t inner, const float *x, float *y)
{
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t in = 0; in < inner; in++) {
            const float *xp = x + o * len * inner + in;
            float *yp = y + o * len * inner + in;
            float m = -INFINITY;
            for (int64_t k = 0; k < len; k++)
                if (xp[k * inner] > m) m = xp[k * inner];
            float s = 0.0f;
            for (int64_t k = 0; k < len; k++) {
                const float e = expf(xp[k * inner] - m);
                yp[k * inner] = e;
                s += e;
            }
            for (int64_t k = 0; k < len; k++) yp[k * inner] /= s;
        }
    }
}

/* ---- layouts ----------------------------------------------------------------------------------- */
void dlk_nchw_to_16c_f32(int n, int c, int64_t hw, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++)
            for (int64_t p = 0; p < hw; p++)
                y[(((int64_t)i * (c / 16) + ch / 16) * hw + p) * 16 + ch % 16] = x[((int64_t)i * c + ch) * hw + p];
}

void dlk_16c_to_nchw_f32(int n, int c, int64_t hw, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++)
            for (int64_t p = 0; p < hw; p++)
                y[((int64_t)i * c + ch) * hw + p] = x[(((int64_t)i * (c / 16) + ch / 16) * hw + p) * 16 + ch % 16];
}
