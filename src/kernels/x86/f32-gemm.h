/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the float convolutions share (the drivers f32-conv.inc, f32-conv3x3-wino.inc, f32-gconv.inc,
 * f32-conv-bcast.inc, built for AVX-512 and AVX2 through f32-v16.h): the gather of zero-padded
 * input lines (fline; fline2: both phases of a stride-2 line), and the GEMM micro-kernel over a
 * packed panel, Y[r][pixels] (+)= W[r][k] . X[k][pixels], started from a per-row bias and stored
 * through max(lo, v) (lo = 0: a fused Relu; -inf: none). Its tile: AVX-512, mr <= 8 rows x nv <= 3
 * vectors of 16 pixels, or 12 rows x 2 vectors (24 zmm accumulators either way); AVX2, mr <= 6
 * rows x 1 vector of 16 pixels (12 ymm accumulators, 2 for the inputs, 1 for a weight).
 * Include only from the kernels/x86/ files built for those ISAs.
 */
#ifndef DLK_X86_F32_GEMM_H
#define DLK_X86_F32_GEMM_H

#include "kernels/x86/f32-v16.h"

#include <stddef.h>
#include <string.h>

#if V16_AVX512
#define FC_MR 8   /* output channels per call */
#define FC_NV 3   /* vectors of 16 pixels per call */
#define FC_MRW 12 /* output channels per call when a chunk has at most 2 vectors: 12 x 2 = 24 accumulators */
#else
#define FC_MR 6
#define FC_NV 1
#define FC_MRW 6
#endif

/* the lanes of a 16-float load at column j that lie inside a row of w_in columns */
static inline m16 fline_mask(int j, int w_in)
{
    const int lo = j < 0 ? -j : 0, hi = w_in - j < 16 ? w_in - j : 16;
    if (hi <= lo) return 0;
    return (m16)(((1u << hi) - 1) & ~((1u << lo) - 1));
}

/* out[i] = input column i*sw + off of row xr (0 outside; xr NULL: all 0), i < L */
static inline void fline(float *out, const float *xr, int w_in, int off, int sw, int L)
{
    if (!xr) {
        memset(out, 0, sizeof(float) * (size_t)L);
        return;
    }
    int lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
    int hi = w_in - 1 - off < 0 ? 0 : (w_in - 1 - off) / sw + 1;
    if (hi > L) hi = L;
    if (lo > hi) lo = hi;
    memset(out, 0, sizeof(float) * (size_t)lo);
    if (sw == 1) {
        memcpy(out + lo, xr + lo + off, sizeof(float) * (size_t)(hi - lo));
    } else {
        int i = lo;
        if (sw == 2) {
            for (; i + 16 <= hi && (ptrdiff_t)(i + 16) * 2 + off <= w_in; i += 16) {
                const float *s = xr + (ptrdiff_t)i * 2 + off;
                v16_storeu(out + i, v16_even(v16_loadu(s), v16_loadu(s + 16)));
            }
        }
        for (; i < hi; i++) out[i] = xr[(ptrdiff_t)i * sw + off];
    }
    memset(out + hi, 0, sizeof(float) * (size_t)(L - hi));
}

/* Both column phases of a stride-2 line in one pass over the row: o0[i] = xr[2i + off],
 * o1[i] = xr[2i + 1 + off] (0 outside [0, w_in); xr NULL: all 0), i < L. Every step is whole
 * vectors: two masked loads (lanes outside the row read nothing and give 0), two permutes, two
 * stores (masked at the end of the line). */
static inline void fline2(float *o0, float *o1, const float *xr, int w_in, int off, int L)
{
    if (!xr) {
        memset(o0, 0, sizeof(float) * (size_t)L);
        memset(o1, 0, sizeof(float) * (size_t)L);
        return;
    }
    for (int i = 0; i < L; i += 16) {
        const int j = 2 * i + off; /* input columns j .. j + 31 */
        v16 a, b;
        if (j >= 0 && j + 32 <= w_in) {
            a = v16_loadu(xr + j);
            b = v16_loadu(xr + j + 16);
        } else {
            a = v16_maskz_loadu(fline_mask(j, w_in), xr + j);
            b = v16_maskz_loadu(fline_mask(j + 16, w_in), xr + j + 16);
        }
        const v16 e = v16_even(a, b), o = v16_odd(a, b);
        if (i + 16 <= L) {
            v16_storeu(o0 + i, e);
            v16_storeu(o1 + i, o);
        } else {
            const m16 m = v16_mask_n(L - i);
            v16_mask_storeu(o0 + i, m, e);
            v16_mask_storeu(o1 + i, m, o);
        }
    }
}

/* What a kernel does to a finished output before storing it: add the fused Add's operand (sum,
 * laid out as y: the value for output address a is sum[a - y0]), then max(lo, v). */
typedef struct {
    v16 lo;           /* 0 with a fused Relu, -inf without */
    const float *sum; /* NULL: no fused Add */
    const float *y0;  /* the output tensor's first element */
} post_t;

static inline post_t post_make(int relu, const float *sum, const float *y0)
{
    post_t p;
    p.lo = v16_set1(relu ? 0.0f : -__builtin_inff());
    p.sum = sum;
    p.y0 = y0;
    return p;
}

/* the finished value v for output address y (lanes m) */
static inline __attribute__((always_inline)) v16 post_v(const post_t *pp, const float *y, v16 v, m16 m)
{
    if (pp->sum) v = v16_add(v, v16_maskz_loadu(m, pp->sum + (y - pp->y0)));
    return v16_max(pp->lo, v); /* a NaN stays NaN (maxps returns its second operand) */
}

/* y[i] = finished t[i], i < n: a tile's row stored unfinished (post_make(0, NULL, ..)) */
static inline void post_row(const post_t *pp, float *y, const float *t, int n)
{
    for (int i = 0; i < n; i += 16) {
        const m16 m = v16_mask_n(n - i);
        v16_mask_storeu(y + i, m, post_v(pp, y + i, v16_maskz_loadu(m, t + i), m));
    }
}

static inline __attribute__((always_inline)) void store_rows(const int mr, const int nv, v16 acc[FC_MRW][FC_NV],
                                                             const post_t *pp, float *y, size_t ystride, int nvalid)
{
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) {
            float *yj = y + r * ystride + 16 * j;
            const int n = nvalid - 16 * j;
            if (n >= 16) v16_storeu(yj, post_v(pp, yj, acc[r][j], 0xFFFF));
            else if (n > 0) {
                const m16 m = v16_mask_n(n);
                v16_mask_storeu(yj, m, post_v(pp, yj, acc[r][j], m));
            }
        }
}

static inline __attribute__((always_inline)) void ukr(const int mr, const int nv, int K, const float *xp,
                                                      size_t xstride, const float *w, const float *bias,
                                                      const post_t *pp, float *y, size_t ystride, int nvalid)
{
    v16 acc[FC_MRW][FC_NV];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = v16_set1(bias[r]);
    for (int k = 0; k < K; k++) { /* the panel is in scratch, padded to whole vectors */
        v16 xv[FC_NV];
        for (int j = 0; j < nv; j++) xv[j] = v16_loadu(xp + k * xstride + 16 * j);
        for (int r = 0; r < mr; r++) {
            const v16 wb = v16_set1(w[(size_t)r * K + k]);
            for (int j = 0; j < nv; j++) acc[r][j] = v16_fmadd(xv[j], wb, acc[r][j]);
        }
    }
    store_rows(mr, nv, acc, pp, y, ystride, nvalid);
}

/* the tiles (mr, nv) of the micro-kernels, instantiated one by one */
#if V16_AVX512
#define CASES(X) \
    X(1, 1) X(1, 2) X(1, 3) X(2, 1) X(2, 2) X(2, 3) X(3, 1) X(3, 2) X(3, 3) X(4, 1) X(4, 2) X(4, 3) \
    X(5, 1) X(5, 2) X(5, 3) X(6, 1) X(6, 2) X(6, 3) X(7, 1) X(7, 2) X(7, 3) X(8, 1) X(8, 2) X(8, 3)
#define CASES_WIDE(X) X(9, 1) X(9, 2) X(10, 1) X(10, 2) X(11, 1) X(11, 2) X(12, 1) X(12, 2)
#else
#define CASES(X) X(1, 1) X(2, 1) X(3, 1) X(4, 1) X(5, 1) X(6, 1)
#define CASES_WIDE(X)
#endif

static inline void ukr_any(int mr, int nv, int K, const float *xp, size_t xstride, const float *w, const float *bias,
                    const post_t *pp, float *y, size_t ystride, int nvalid)
{
#define X(M_, N_) \
    case (M_) * 4 + (N_): ukr(M_, N_, K, xp, xstride, w, bias, pp, y, ystride, nvalid); break;
    switch (mr * 4 + nv) {
        CASES(X)
    default: break;
    }
#undef X
}

#endif
