/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the im2col int8 convolutions (x86/q8-conv-avx2.c, x86/q8-conv-avx512vnni.c,
 * arm64/q8-conv-neon.c) share besides conv_tiling.h: the gathering of one tap's input line (an
 * SSSE3 shuffle for stride 2 where the file is built for AVX2; plain C elsewhere).
 *
 * The kernels compute, per group, Y[co][pixel] = W[co][k] . X[k][pixel] with k running over
 * (input channel, ky, kx) as ONNX lays out the weights. X is packed per block of output pixels
 * into scratch, a few k at a time interleaved per pixel (4 bytes for VNNI, 2 int16 for AVX2 and NEON), so
 * that one vector holds 16 (or 8) pixels' consecutive k and one broadcast holds the weights.
 */
#ifndef DLK_Q8_IM2COL_H
#define DLK_Q8_IM2COL_H

#include "kernels/conv_tiling.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

/* The bytes one tap reads for output columns [ow0, ow0 + L) of one output row: input row xr
 * (NULL: the row is padding), input column i*sw + off. Padding reads as zfill. Returns a pointer
 * into x when the line is contiguous and in range, else fills buf (L bytes). */
static inline const uint8_t *q8_line(const uint8_t *xr, int w_in, int off, int sw, int L, uint8_t zfill,
                                     uint8_t *buf)
{
    if (!xr) {
        memset(buf, zfill, (size_t)L);
        return buf;
    }
    /* i in [lo, hi) reads inside the row */
    int lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
    int hi = w_in - 1 - off < 0 ? 0 : (w_in - 1 - off) / sw + 1;
    if (hi > L) hi = L;
    if (lo > hi) lo = hi;
    if (sw == 1 && lo == 0 && hi == L) return xr + off;
    memset(buf, zfill, (size_t)lo);
    if (sw == 1) {
        memcpy(buf + lo, xr + lo + off, (size_t)(hi - lo));
    } else {
        const uint8_t *s = xr + (ptrdiff_t)lo * sw + off;
        int i = lo;
#if defined(__AVX2__)
        if (sw == 2) { /* even bytes of 32 -> 16 */
            const __m128i ev = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
            for (; i + 16 <= hi && s + 32 <= xr + w_in; i += 16, s += 32) {
                const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)s), ev);
                const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(s + 16)), ev);
                _mm_storeu_si128((__m128i *)(buf + i), _mm_unpacklo_epi64(a, b));
            }
        }
#endif
        for (; i < hi; i++, s += sw) buf[i] = *s;
    }
    memset(buf + hi, zfill, (size_t)(L - hi));
    return buf;
}

/* Input row pointer for tap k (channel ci within the group's base xg, ky) at output row oh, or NULL. */
static inline const uint8_t *q8_row(const dlk_conv_geom *g, const uint8_t *xg, int k, int oh, int *off_kx)
{
    const int ksz = g->kh * g->kw;
    const int ci = k / ksz, r = k % ksz, ky = r / g->kw, kx = r % g->kw;
    *off_kx = kx * g->dw - g->pad_l;
    const int ih = oh * g->sh - g->pad_t + ky * g->dh;
    if (ih < 0 || ih >= g->h_in) return NULL;
    return xg + ((ptrdiff_t)ci * g->h_in + ih) * g->w_in;
}

/* The input lines of taps k0 .. k0+n-1 for L output pixels of row oh from column ow0: ln[t] points
 * into x where a tap's pixels lie contiguous, else into its copy at lines + t * lb (strided, padded
 * with the zero point, or all zero point for a tap past K). Both packers gather with this. */
static inline void q8_lines(const dlk_qconv_params *p, const uint8_t *xg, int K, int k0, int n, int oh, int ow0,
                            int L, uint8_t *lines, size_t lb, const uint8_t **ln)
{
    const dlk_conv_geom *g = &p->g;
    const uint8_t zx = (uint8_t)p->x_zp;
    for (int t = 0; t < n; t++) {
        const int k = k0 + t;
        uint8_t *buf = lines + t * lb;
        if (k >= K) {
            memset(buf, zx, (size_t)L);
            ln[t] = buf;
            continue;
        }
        int off;
        const uint8_t *xr = q8_row(g, xg, k, oh, &off);
        ln[t] = q8_line(xr, g->w_in, off + ow0 * g->sw, g->sw, L, zx, buf);
    }
}

#endif
