/* SPDX-License-Identifier: Apache-2.0 */
/* Forward and backward passes of Conv (grouped, strided, padded, dilated; im2col + GEMM) and
 * MaxPool for one image in CHW. The GEMM loops keep the order of every sum fixed. */
#include "train/train.h"

#include <float.h>
#include <string.h>

#define NB 256 /* columns per block: a block of im2col rows stays in cache */

static int pointwise(const dlk_tnode *t, int h, int w, int ho, int wo)
{
    return t->kh == 1 && t->kw == 1 && t->sh == 1 && t->sw == 1 && t->pt == 0 && t->pl == 0 && ho == h && wo == w;
}

static void im2col(const float *x, int c, int h, int w, const dlk_tnode *t, int ho, int wo, float *col)
{
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < t->kh; ky++)
            for (int kx = 0; kx < t->kw; kx++) {
                float *row = col + (size_t)((ci * t->kh + ky) * t->kw + kx) * ho * wo;
                for (int oy = 0; oy < ho; oy++) {
                    int iy = oy * t->sh - t->pt + ky * t->dh;
                    float *r = row + (size_t)oy * wo;
                    if (iy < 0 || iy >= h) {
                        memset(r, 0, sizeof(float) * wo);
                        continue;
                    }
                    const float *xr = x + ((size_t)ci * h + iy) * w;
                    for (int ox = 0; ox < wo; ox++) {
                        int ix = ox * t->sw - t->pl + kx * t->dw;
                        r[ox] = ix >= 0 && ix < w ? xr[ix] : 0.0f;
                    }
                }
            }
}

static void col2im_add(const float *col, int c, int h, int w, const dlk_tnode *t, int ho, int wo, float *dx)
{
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < t->kh; ky++)
            for (int kx = 0; kx < t->kw; kx++) {
                const float *row = col + (size_t)((ci * t->kh + ky) * t->kw + kx) * ho * wo;
                for (int oy = 0; oy < ho; oy++) {
                    int iy = oy * t->sh - t->pt + ky * t->dh;
                    if (iy < 0 || iy >= h) continue;
                    const float *r = row + (size_t)oy * wo;
                    float *dr = dx + ((size_t)ci * h + iy) * w;
                    for (int ox = 0; ox < wo; ox++) {
                        int ix = ox * t->sw - t->pl + kx * t->dw;
                        if (ix >= 0 && ix < w) dr[ix] += r[ox];
                    }
                }
            }
}

/* C (R x N) += sum over t < T of A[r * ar + t * at] * B[t * N + n]: 4 rows x 16 columns of C in
 * registers over all of t (each element's sum runs over t in order, as a plain loop's). */
static void gemm_acc(int R, int N, int T, const float *A, int ar, int at, const float *B, float *C)
{
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        const float *a = A + (size_t)r * ar;
        int n = 0;
        for (; n + 16 <= N; n += 16) {
            float acc[4][16];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 16; j++) acc[i][j] = C[(size_t)(r + i) * N + n + j];
            for (int t = 0; t < T; t++) {
                const float *b = B + (size_t)t * N + n, *at_ = a + (size_t)t * at;
                float x0 = at_[0], x1 = at_[ar], x2 = at_[2 * ar], x3 = at_[3 * ar];
                for (int j = 0; j < 16; j++) {
                    acc[0][j] += x0 * b[j];
                    acc[1][j] += x1 * b[j];
                    acc[2][j] += x2 * b[j];
                    acc[3][j] += x3 * b[j];
                }
            }
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 16; j++) C[(size_t)(r + i) * N + n + j] = acc[i][j];
        }
        for (; n < N; n++)
            for (int i = 0; i < 4; i++) {
                float c = C[(size_t)(r + i) * N + n];
                for (int t = 0; t < T; t++) c += a[(size_t)i * ar + (size_t)t * at] * B[(size_t)t * N + n];
                C[(size_t)(r + i) * N + n] = c;
            }
    }
    for (; r < R; r++)
        for (int t = 0; t < T; t++) {
            float x = A[(size_t)r * ar + (size_t)t * at];
            const float *b = B + (size_t)t * N;
            float *c = C + (size_t)r * N;
            for (int j = 0; j < N; j++) c[j] += x * b[j];
        }
}

/* C (M x N) += A (M x K) B (K x N) */
static void gemm_nn(int M, int N, int K, const float *A, const float *B, float *C) { gemm_acc(M, N, K, A, K, 1, B, C); }

/* C (K x N) += A^T B, A M x K, B M x N */
static void gemm_tn(int M, int N, int K, const float *A, const float *B, float *C) { gemm_acc(K, N, M, A, 1, K, B, C); }

/* The dot product of a and b (length N) in 8 fixed lanes. */
static float dot8(const float *a, const float *b, int N)
{
    float acc[8] = {0};
    int n = 0;
    for (; n + 8 <= N; n += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[n + j] * b[n + j];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; n < N; n++) s += a[n] * b[n];
    return s;
}

/* C (M x K) += A B^T, A M x N, B K x N: dot products in 8 fixed lanes, 4 of them at a time */
static void gemm_nt(int M, int N, int K, const float *A, const float *B, float *C)
{
    for (int m = 0; m < M; m++) {
        const float *a = A + (size_t)m * N;
        int k = 0;
        for (; k + 4 <= K; k += 4) {
            const float *b0 = B + (size_t)k * N, *b1 = b0 + N, *b2 = b1 + N, *b3 = b2 + N;
            float acc[4][8] = {{0}};
            int n = 0;
            for (; n + 8 <= N; n += 8)
                for (int j = 0; j < 8; j++) {
                    float x = a[n + j];
                    acc[0][j] += x * b0[n + j];
                    acc[1][j] += x * b1[n + j];
                    acc[2][j] += x * b2[n + j];
                    acc[3][j] += x * b3[n + j];
                }
            const float *bs[4] = {b0, b1, b2, b3};
            for (int i = 0; i < 4; i++) {
                const float *q = acc[i];
                float s = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
                for (int t = n; t < N; t++) s += a[t] * bs[i][t];
                C[(size_t)m * K + k + i] += s;
            }
        }
        for (; k < K; k++) C[(size_t)m * K + k] += dot8(a, B + (size_t)k * N, N);
    }
}

void dlk_conv_fwd(const float *x, int cin, int h, int w, const float *wt, const float *b, int cout, const dlk_tnode *t,
                  int ho, int wo, float *y, float *col)
{
    int G = t->group, cg = cin / G, og = cout / G, K = cg * t->kh * t->kw, N = ho * wo;
    int pw = pointwise(t, h, w, ho, wo);
    for (int o = 0; o < cout; o++)
        for (int i = 0; i < N; i++) y[(size_t)o * N + i] = b[o];
    for (int g = 0; g < G; g++) {
        const float *xg = x + (size_t)g * cg * h * w;
        const float *B = xg;
        if (!pw) {
            im2col(xg, cg, h, w, t, ho, wo, col);
            B = col;
        }
        gemm_nn(og, N, K, wt + (size_t)g * og * K, B, y + (size_t)g * og * N);
    }
}

void dlk_conv_bwd(const float *x, int cin, int h, int w, const float *wt, int cout, const dlk_tnode *t, int ho, int wo,
                  const float *dy, float *dx, float *dw, float *db, float *col, float *dcol)
{
    int G = t->group, cg = cin / G, og = cout / G, K = cg * t->kh * t->kw, N = ho * wo;
    int pw = pointwise(t, h, w, ho, wo);
    if (db)
        for (int o = 0; o < cout; o++) {
            const float *d = dy + (size_t)o * N;
            double s = 0;
            for (int i = 0; i < N; i++) s += d[i];
            db[o] += (float)s;
        }
    for (int g = 0; g < G; g++) {
        const float *xg = x + (size_t)g * cg * h * w;
        const float *dyg = dy + (size_t)g * og * N;
        const float *wg = wt + (size_t)g * og * K;
        const float *B = xg;
        if (!pw && dw) {
            im2col(xg, cg, h, w, t, ho, wo, col);
            B = col;
        }
        if (dw) gemm_nt(og, N, K, dyg, B, dw + (size_t)g * og * K);
        if (!dx) continue;
        float *dxg = dx + (size_t)g * cg * h * w;
        if (pw) {
            gemm_tn(og, N, K, wg, dyg, dxg);
        } else {
            memset(dcol, 0, sizeof(float) * (size_t)K * N);
            gemm_tn(og, N, K, wg, dyg, dcol);
            col2im_add(dcol, cg, h, w, t, ho, wo, dxg);
        }
    }
}

/* The first maximum of each window (row-major in the window); -1 when it covers only padding. */
static int window_argmax(const float *xc, int h, int w, const dlk_tnode *t, int oy, int ox, float *best)
{
    int arg = -1;
    float m = -FLT_MAX;
    for (int ky = 0; ky < t->kh; ky++) {
        int iy = oy * t->sh - t->pt + ky * t->dh;
        if (iy < 0 || iy >= h) continue;
        for (int kx = 0; kx < t->kw; kx++) {
            int ix = ox * t->sw - t->pl + kx * t->dw;
            if (ix < 0 || ix >= w) continue;
            float v = xc[iy * w + ix];
            if (arg < 0 || v > m) m = v, arg = iy * w + ix;
        }
    }
    *best = m;
    return arg;
}

void dlk_maxpool_fwd(const float *x, int c, int h, int w, const dlk_tnode *t, int ho, int wo, float *y)
{
    for (int ci = 0; ci < c; ci++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                float m;
                window_argmax(x + (size_t)ci * h * w, h, w, t, oy, ox, &m);
                y[((size_t)ci * ho + oy) * wo + ox] = m;
            }
}

void dlk_maxpool_bwd(const float *x, int c, int h, int w, const dlk_tnode *t, int ho, int wo, const float *dy, float *dx)
{
    for (int ci = 0; ci < c; ci++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                float m;
                int a = window_argmax(x + (size_t)ci * h * w, h, w, t, oy, ox, &m);
                if (a >= 0) dx[(size_t)ci * h * w + a] += dy[((size_t)ci * ho + oy) * wo + ox];
            }
}
