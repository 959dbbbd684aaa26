/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable int8 / uint8 reference kernels, bit-exact with ONNX Runtime's x86 integer kernels
 * (../shared/INT8_SEMANTICS.md). Must be compiled with -ffp-contract=off: every float operation
 * below is meant to round on its own, and fmaf appears only where ORT fuses.
 */
#include "kernels/kernels.h"
#include "kernels/bcast.h"

#include <math.h>
#include <string.h>

#define CO_BLK 4   /* output channels computed together */
#define TILE 256   /* output columns (or flattened positions) per accumulator tile */

static inline int ld_q8(const void *p, dlk_q8type t, ptrdiff_t i)
{
    return t == DLK_Q_U8 ? (int)((const uint8_t *)p)[i] : (int)((const int8_t *)p)[i];
}

/* v must already lie in the type's range */
static inline void st_q8(void *p, dlk_q8type t, ptrdiff_t i, int v)
{
    if (t == DLK_Q_U8)
        ((uint8_t *)p)[i] = (uint8_t)v;
    else
        ((int8_t *)p)[i] = (int8_t)v;
}

/* Clamp to [lo, hi] the way SSE's maxps/minps do (x > lo ? x : lo): a NaN becomes lo. */
static inline float clampf_sse(float v, float lo, float hi)
{
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    return v;
}

/* The common tail of requantization and QuantizeLinear: clamp v to [lo - zp, hi - zp] in float,
 * round half to even (nearbyintf in the default rounding mode), add zp. NaN gives lo. */
static inline int clamp_round(float v, int zp, int lo, int hi)
{
    v = clampf_sse(v, (float)(lo - zp), (float)(hi - zp));
    return (int)nearbyintf(v) + zp;
}

int dlk_requant(int32_t acc, float scale, int zp, int lo, int hi)
{
    const float v = (float)acc * scale; /* one rounding */
    return clamp_round(v, zp, lo, hi);
}

int dlk_quantize1(float x, float scale, int zp, int lo, int hi)
{
    const float v = x / scale; /* a true division, as ORT */
    return clamp_round(v, zp, lo, hi);
}

/* ---- convolution ---------------------------------------------------------------------------- */

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

/* d[i] = x[i*s] - zp as int16 (|x - zp| <= 255 for any valid zero point) */
static void gather_i16(int16_t *restrict d, const void *x, dlk_q8type t, int s, int zp, int n)
{
    const int16_t z = (int16_t)zp;
    int i = 0;
    if (t == DLK_Q_U8) {
        const uint8_t *restrict xu = x;
        if (s == 1)
            for (; i + 8 <= n; i += 8)
                for (int j = 0; j < 8; j++) d[i + j] = (int16_t)(xu[i + j] - z);
        for (; i < n; i++) d[i] = (int16_t)(xu[(ptrdiff_t)i * s] - z);
    } else {
        const int8_t *restrict xs = x;
        if (s == 1)
            for (; i + 8 <= n; i += 8)
                for (int j = 0; j < 8; j++) d[i + j] = (int16_t)(xs[i + j] - z);
        for (; i < n; i++) d[i] = (int16_t)(xs[(ptrdiff_t)i * s] - z);
    }
}

/* a[i] += w * x[i] in int32 */
static void iaxpy1(int32_t *restrict a, const int16_t *restrict x, int16_t w, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) a[i + j] += (int32_t)w * x[i + j];
    for (; i < n; i++) a[i] += (int32_t)w * x[i];
}

static void iaxpy4(int32_t *restrict a0, int32_t *restrict a1, int32_t *restrict a2,
                   int32_t *restrict a3, const int16_t *restrict x, const int16_t *w, int n)
{
    const int16_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++) {
            const int16_t v = x[i + j];
            a0[i + j] += (int32_t)w0 * v;
            a1[i + j] += (int32_t)w1 * v;
            a2[i + j] += (int32_t)w2 * v;
            a3[i + j] += (int32_t)w3 * v;
        }
    }
    for (; i < n; i++) {
        const int16_t v = x[i];
        a0[i] += (int32_t)w0 * v;
        a1[i] += (int32_t)w1 * v;
        a2[i] += (int32_t)w2 * v;
        a3[i] += (int32_t)w3 * v;
    }
}

/*
 * Same loop structure as the float conv: per output row and tile of TILE columns, CO_BLK output
 * channels accumulate in int32 on the stack; for each input channel and tap, the valid output
 * columns are computed analytically and the input segment they read is gathered once into a
 * contiguous int16 buffer as (x - x_zp), so strided convs also get a contiguous inner loop.
 * Padding is simply skipped, which is the same as x = x_zp. acc_scratch is not needed.
 */
void dlk_conv_q8_ref(const dlk_qconv_params *p, const void *x, const void *w, const int32_t *bias,
                     void *y, int32_t *acc_scratch)
{
    (void)acc_scratch;
    dlk_conv_geom g = p->g;
    if (g.group <= 0 || g.n <= 0 || g.c_out <= 0 || g.h_out <= 0 || g.w_out <= 0) return;
    const ptrdiff_t in_plane = (ptrdiff_t)g.h_in * g.w_in;
    const ptrdiff_t out_plane = (ptrdiff_t)g.h_out * g.w_out;
    if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pad_t == 0 && g.pad_l == 0 &&
        g.h_in == g.h_out && g.w_in == g.w_out && out_plane <= 0x7fffffff) {
        g.h_in = g.h_out = 1; /* pointwise: one long row per plane */
        g.w_in = g.w_out = (int)out_plane;
    }
    const int cin_g = g.c_in / g.group, cout_g = g.c_out / g.group;
    const int ksz = g.kh * g.kw;
    int32_t acc[CO_BLK][TILE];
    int16_t xbuf[TILE];

    for (int n = 0; n < g.n; n++) {
        for (int grp = 0; grp < g.group; grp++) {
            const ptrdiff_t xg = ((ptrdiff_t)n * g.c_in + (ptrdiff_t)grp * cin_g) * in_plane;
            for (int oh = 0; oh < g.h_out; oh++) {
                for (int t0 = 0; t0 < g.w_out; t0 += TILE) {
                    const int t1 = g.w_out - t0 > TILE ? t0 + TILE : g.w_out;
                    const int tn = t1 - t0;
                    for (int cb = 0; cb < cout_g; cb += CO_BLK) {
                        const int nb = cout_g - cb > CO_BLK ? CO_BLK : cout_g - cb;
                        const int co0 = grp * cout_g + cb;
                        for (int k = 0; k < nb; k++) {
                            const int32_t b = bias ? bias[co0 + k] : 0;
                            for (int i = 0; i < tn; i++) acc[k][i] = b;
                        }
                        for (int ci = 0; ci < cin_g; ci++) {
                            const ptrdiff_t xc = xg + ci * in_plane;
                            for (int ky = 0; ky < g.kh; ky++) {
                                const int ih = oh * g.sh - g.pad_t + ky * g.dh;
                                if (ih < 0 || ih >= g.h_in) continue;
                                const ptrdiff_t xrow = xc + (ptrdiff_t)ih * g.w_in;
                                for (int kx = 0; kx < g.kw; kx++) {
                                    const int off = kx * g.dw - g.pad_l;
                                    int lo, hi;
                                    valid_range(off, g.sw, g.w_in, t0, t1, &lo, &hi);
                                    if (lo >= hi) continue;
                                    int16_t wv[CO_BLK];
                                    for (int k = 0; k < nb; k++) {
                                        const int co = co0 + k;
                                        const ptrdiff_t wi =
                                            ((ptrdiff_t)co * cin_g + ci) * ksz + ky * g.kw + kx;
                                        wv[k] = (int16_t)(ld_q8(w, p->w_type, wi) -
                                                          (p->w_zp ? p->w_zp[co] : 0));
                                    }
                                    const int a = lo - t0, len = hi - lo;
                                    const ptrdiff_t xs = xrow + (ptrdiff_t)lo * g.sw + off;
                                    gather_i16(xbuf, (const char *)x + xs, /* 1-byte elements */
                                               p->x_type, g.sw, p->x_zp, len);
                                    if (nb == CO_BLK)
                                        iaxpy4(acc[0] + a, acc[1] + a, acc[2] + a, acc[3] + a,
                                               xbuf, wv, len);
                                    else
                                        for (int k = 0; k < nb; k++)
                                            iaxpy1(acc[k] + a, xbuf, wv[k], len);
                                }
                            }
                        }
                        for (int k = 0; k < nb; k++) {
                            const int co = co0 + k;
                            const float s = p->scale[co];
                            const ptrdiff_t yo =
                                ((ptrdiff_t)n * g.c_out + co) * out_plane + (ptrdiff_t)oh * g.w_out + t0;
                            for (int i = 0; i < tn; i++)
                                st_q8(y, p->y_type, yo + i,
                                      dlk_requant(acc[k][i], s, p->y_zp, p->y_lo, p->y_hi));
                        }
                    }
                }
            }
        }
    }
}

/* ---- pooling ----------------------------------------------------------------------------------- */

void dlk_maxpool_q8_ref(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y)
{
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const ptrdiff_t out_plane = (ptrdiff_t)g->h_out * g->w_out;
    for (ptrdiff_t p = 0; p < (ptrdiff_t)g->n * g->c; p++) {
        const ptrdiff_t xp = p * in_plane;
        for (int oh = 0; oh < g->h_out; oh++) {
            const int h0 = oh * g->sh - g->pad_t;
            int ky0, ky1, kx0, kx1;
            dlk_taps_inside(h0, g->kh, g->dh, g->h_in, &ky0, &ky1);
            for (int ow = 0; ow < g->w_out; ow++) {
                const int w0 = ow * g->sw - g->pad_l;
                dlk_taps_inside(w0, g->kw, g->dw, g->w_in, &kx0, &kx1);
                int m = dlk_q8_lo(t); /* also the result of an empty window */
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        const int v = ld_q8(x, t, xp + (ptrdiff_t)(h0 + ky * g->dh) * g->w_in + w0 + kx * g->dw);
                        if (v > m) m = v;
                    }
                st_q8(y, t, p * out_plane + (ptrdiff_t)oh * g->w_out + ow, m);
            }
        }
    }
}

void dlk_qgavgpool_q8_ref(int nc, int hw, dlk_q8type t, const void *x, float x_scale, int x_zp,
                          float y_scale, int y_zp, void *y)
{
    const float s = x_scale / (y_scale * (float)hw); /* two roundings, as ORT */
    for (int p = 0; p < nc; p++) {
        int32_t acc = 0;
        const ptrdiff_t base = (ptrdiff_t)p * hw;
        if (t == DLK_Q_U8) {
            const uint8_t *xu = (const uint8_t *)x + base;
            for (int i = 0; i < hw; i++) acc += xu[i];
        } else {
            const int8_t *xs = (const int8_t *)x + base;
            for (int i = 0; i < hw; i++) acc += xs[i];
        }
        acc -= x_zp * hw;
        st_q8(y, t, p, dlk_requant(acc, s, y_zp, dlk_q8_lo(t), dlk_q8_hi(t)));
    }
}

/* float -> int32 as x86's cvttss2si on an integral value: out of range or NaN gives INT32_MIN */
static inline int32_t f2i_x86(float v)
{
    return v >= -2147483648.0f && v < 2147483648.0f ? (int32_t)v : INT32_MIN;
}

void dlk_qavgpool_q8_ref(const dlk_pool_geom *g, dlk_q8type t, const void *x, float x_scale, int x_zp,
                         float y_scale, int y_zp, void *y, int64_t p0, int64_t p1)
{
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in, out_plane = (ptrdiff_t)g->h_out * g->w_out;
    if (p1 <= p0) return;
    if (g->kh == g->h_in && g->kw == g->w_in && !g->pad_t && !g->pad_l && !g->pad_b && !g->pad_r) {
        dlk_qgavgpool_q8_ref((int)(p1 - p0), (int)in_plane, t, (const uint8_t *)x + p0 * in_plane, x_scale, x_zp, y_scale,
                             y_zp, (uint8_t *)y + p0 * out_plane);
        return;
    }
    const int lo = dlk_q8_lo(t), hi = dlk_q8_hi(t);
    for (ptrdiff_t p = (ptrdiff_t)p0; p < (ptrdiff_t)p1; p++) {
        const ptrdiff_t xp = p * in_plane;
        for (int oh = 0; oh < g->h_out; oh++) {
            int h0 = oh * g->sh - g->pad_t, h1 = h0 + g->kh;
            if (h1 > g->h_in) h1 = g->h_in;
            if (h0 < 0) h0 = 0;
            for (int ow = 0; ow < g->w_out; ow++) {
                int w0 = ow * g->sw - g->pad_l, w1 = w0 + g->kw;
                if (w1 > g->w_in) w1 = g->w_in;
                if (w0 < 0) w0 = 0;
                float s = 0.0f;
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++)
                        s += x_scale * (float)(ld_q8(x, t, xp + (ptrdiff_t)h * g->w_in + w) - x_zp);
                const int64_t cnt = g->count_include_pad ? (int64_t)g->kh * g->kw
                                                         : (int64_t)(h1 > h0 ? h1 - h0 : 0) * (w1 > w0 ? w1 - w0 : 0);
                /* an empty window (0 / 0 in ORT: NaN) converts to INT32_MIN, the lowest value */
                int32_t q = cnt ? f2i_x86(nearbyintf(s / (float)cnt / y_scale + (float)y_zp)) : INT32_MIN;
                q = q < lo ? lo : q > hi ? hi : q;
                st_q8(y, t, p * out_plane + (ptrdiff_t)oh * g->w_out + ow, (int)q);
            }
        }
    }
}

/* ---- matrix product ---------------------------------------------------------------------------- */

void dlk_qmatmul_q8_ref(int M, int N, int K, dlk_q8type at, const void *A, float a_scale, int a_zp,
                        dlk_q8type bt, const void *B, float b_scale, int b_zp,
                        dlk_q8type yt, float y_scale, int y_zp, void *Y)
{
    const float s = (a_scale * b_scale) / y_scale;
    int32_t acc[TILE];
    for (int i = 0; i < M; i++) {
        for (int j0 = 0; j0 < N; j0 += TILE) {
            const int jn = N - j0 > TILE ? TILE : N - j0;
            for (int j = 0; j < jn; j++) acc[j] = 0;
            for (int k = 0; k < K; k++) {
                const int32_t a = ld_q8(A, at, (ptrdiff_t)i * K + k) - a_zp;
                const ptrdiff_t br = (ptrdiff_t)k * N + j0;
                for (int j = 0; j < jn; j++) acc[j] += a * (ld_q8(B, bt, br + j) - b_zp);
            }
            for (int j = 0; j < jn; j++)
                st_q8(Y, yt, (ptrdiff_t)i * N + j0 + j,
                      dlk_requant(acc[j], s, y_zp, dlk_q8_lo(yt), dlk_q8_hi(yt)));
        }
    }
}

/* ---- element-wise ----------------------------------------------------------------------------- */

void dlk_qadd_q8_ref(int ndim, const int64_t *out, const int64_t *a_str, const int64_t *b_str,
                     dlk_q8type t, const void *a, float a_scale, int a_zp,
                     const void *b, float b_scale, int b_zp, float c_scale, int c_zp, void *c)
{
    const float rA = a_scale / c_scale, rB = b_scale / c_scale;
    const float zb_term = rB * (float)b_zp;
    const float fixed = (float)c_zp - fmaf(rA, (float)a_zp, zb_term);
    const float lo = (float)dlk_q8_lo(t), hi = (float)dlk_q8_hi(t);

    /* last dimension inner, outer index decomposed per row (any ndim) */
    const int64_t inner = ndim > 0 ? out[ndim - 1] : 1;
    const int64_t sa = ndim > 0 ? a_str[ndim - 1] : 0, sb = ndim > 0 ? b_str[ndim - 1] : 0;
    int64_t rows = 1;
    for (int d = 0; d < ndim - 1; d++) rows *= out[d];
    if (inner <= 0 || rows <= 0) return;
    for (int64_t r = 0; r < rows; r++) {
        int64_t oa, ob;
        dlk_bcast_row(ndim, out, a_str, b_str, r, &oa, &ob);
        for (int64_t i = 0; i < inner; i++) {
            const int av = ld_q8(a, t, oa + i * sa), bv = ld_q8(b, t, ob + i * sb);
            float v = fmaf((float)bv, rB, fixed);
            v = fmaf((float)av, rA, v);
            /* saturate: clamping before rounding gives the same integer as rounding then
             * saturating, because lo and hi are integers */
            v = clampf_sse(v, lo, hi);
            st_q8(c, t, r * inner + i, (int)nearbyintf(v));
        }
    }
}

void dlk_clip_q8_ref(int64_t n, dlk_q8type t, const void *x, int lo, int hi, void *y)
{
    for (int64_t i = 0; i < n; i++) {
        int v = ld_q8(x, t, i);
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        st_q8(y, t, i, v);
    }
}

/* ---- quantization --------------------------------------------------------------------------- */

void dlk_quantize_ref(int64_t outer, int64_t axis_len, int64_t inner, const float *x,
                      const float *scale, const int32_t *zp, dlk_q8type t, void *y)
{
    const int lo = dlk_q8_lo(t), hi = dlk_q8_hi(t);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t k = 0; k < axis_len; k++) {
            const float s = scale[k];
            const int z = zp ? zp[k] : 0;
            const int64_t base = (o * axis_len + k) * inner;
            for (int64_t i = 0; i < inner; i++)
                st_q8(y, t, base + i, dlk_quantize1(x[base + i], s, z, lo, hi));
        }
    }
}

void dlk_dequantize_ref(int64_t outer, int64_t axis_len, int64_t inner, const void *x,
                        dlk_q8type x_type, int x_is_i32, const float *scale, const int32_t *zp,
                        float *y)
{
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t k = 0; k < axis_len; k++) {
            const float s = scale[k];
            const int32_t z = zp ? zp[k] : 0;
            const int64_t base = (o * axis_len + k) * inner;
            for (int64_t i = 0; i < inner; i++) {
                const int64_t q =
                    x_is_i32 ? (int64_t)((const int32_t *)x)[base + i] : ld_q8(x, x_type, base + i);
                y[base + i] = (float)(q - z) * s;
            }
        }
    }
}

void dlk_requant_lut_q8(dlk_q8type t, float in_scale, int in_zp, float y_scale, int y_zp,
                        uint8_t lut[256])
{
    dlk_leakyrelu_lut_q8(t, in_scale, in_zp, 1.0f, y_scale, y_zp, lut); /* 1 * d is d: plain requantization */
}

void dlk_leakyrelu_lut_q8(dlk_q8type t, float in_scale, int in_zp, float alpha, float y_scale, int y_zp,
                          uint8_t lut[256])
{
    const int lo = dlk_q8_lo(t), hi = dlk_q8_hi(t);
    for (int v = lo; v <= hi; v++) {
        const float d = in_scale * (float)(v - in_zp);
        const float f = d >= 0.0f ? d : alpha * d;
        const int q = dlk_quantize1(f, y_scale, y_zp, lo, hi);
        lut[v - lo] = (uint8_t)(t == DLK_Q_U8 ? q : (int)(uint8_t)(int8_t)q);
    }
}

void dlk_apply_lut_q8(int64_t n, dlk_q8type t, const uint8_t lut[256], const void *x, void *y)
{
    const uint8_t *xb = x;
    uint8_t *yb = y;
    if (t == DLK_Q_U8)
        for (int64_t i = 0; i < n; i++) yb[i] = lut[xb[i]];
    else
        for (int64_t i = 0; i < n; i++) yb[i] = lut[((const int8_t *)x)[i] + 128];
}
