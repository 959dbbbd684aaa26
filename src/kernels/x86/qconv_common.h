/*
 * What the x86 int8 convolutions share (no SIMD here): the geometry of an im2col panel, the split
 * of the work between threads and the gathering of one tap's input line.
 *
 * Both kernels compute, per group, Y[co][pixel] = W[co][k] . X[k][pixel] with k running over
 * (input channel, ky, kx) as ONNX lays out the weights. X is packed per block of output pixels
 * into scratch, a few k at a time interleaved per pixel (4 bytes for VNNI, 2 int16 for AVX2), so
 * that one vector holds 16 (or 8) pixels' consecutive k and one broadcast holds the weights.
 */
#ifndef DLK_QCONV_COMMON_H
#define DLK_QCONV_COMMON_H

#include "kernels/kernels.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

static inline size_t qc_align64(size_t v) { return (v + 63) & ~(size_t)63; }

static inline int qc_geom_ok(const dlk_conv_geom *g)
{
    return g->layout_in == DLK_NCHW && g->layout_out == DLK_NCHW && g->n > 0 && g->group > 0 && g->c_in > 0 && g->c_out > 0 && g->c_in % g->group == 0 &&
           g->c_out % g->group == 0 && g->h_in > 0 && g->w_in > 0 && g->h_out > 0 && g->w_out > 0 &&
           g->kh > 0 && g->kw > 0 && g->sh > 0 && g->sw > 0 && g->dh > 0 && g->dw > 0 &&
           (int64_t)g->c_in / g->group * g->kh * g->kw < (1 << 20) &&
           (int64_t)g->h_out * g->w_out < ((int64_t)1 << 30);
}

/* Output pixels per packed block: the panel (kstep_bytes per pixel) stays within about 96 KB. */
static inline int qc_block_pixels(const dlk_conv_geom *g, size_t bytes_per_pixel, int quantum)
{
    const int64_t P = (int64_t)g->h_out * g->w_out;
    int64_t b = (int64_t)(96 * 1024 / bytes_per_pixel) / quantum * quantum;
    if (b < quantum) b = quantum;
    if (b > P) b = (P + 15) / 16 * 16;
    return (int)b;
}

/* Units (pixels or rows) per work item when the work is split nth ways: at most block, a multiple
 * of quantum, chosen so that the busiest thread has the least to do. Items are dealt out in equal
 * runs (qc_split), so 5 bands on 2 threads leave one thread 3/5 of the work where 6 smaller bands
 * would leave it 1/2: the choice minimises ceil(items / nth) * units per item. Among equal costs
 * the larger block wins (fewer items pack fewer halo rows). */
static inline int qc_fit_block(int64_t units, int block, int64_t outer, int nth, int quantum)
{
    if (nth <= 1 || units <= 0 || block <= quantum) return block;
    int best = block;
    int64_t best_cost = -1;
    const int64_t nb0 = (units + block - 1) / block;
    for (int64_t nb = nb0; nb <= 4 * nb0 + 2 * nth; nb++) {
        int64_t b = (units + nb - 1) / nb;
        b = (b + quantum - 1) / quantum * quantum;
        if (b > block) b = block;
        const int64_t items = outer * ((units + b - 1) / b);
        const int64_t cost = (items + nth - 1) / nth * b;
        if (best_cost < 0 || cost < best_cost) {
            best_cost = cost;
            best = (int)b;
        }
        if (b <= quantum) break;
    }
    return best;
}

/* Thread ith of nth: a range of work items (image, group, pixel block) and of output channels
 * within a group. Few items (small late layers): every thread takes every item and a slice of
 * the output channels. */
static inline void qc_split(int64_t items, int cout_g, int ith, int nth, int64_t *i0, int64_t *i1,
                            int *c0, int *c1)
{
    if (items >= nth || cout_g < nth) {
        *i0 = items * ith / nth;
        *i1 = items * (ith + 1) / nth;
        *c0 = 0;
        *c1 = cout_g;
    } else {
        *i0 = 0;
        *i1 = items;
        *c0 = (int)((int64_t)cout_g * ith / nth);
        *c1 = (int)((int64_t)cout_g * (ith + 1) / nth);
    }
}

/* The bytes one tap reads for output columns [ow0, ow0 + L) of one output row: input row xr
 * (NULL: the row is padding), input column i*sw + off. Padding reads as zfill. Returns a pointer
 * into x when the line is contiguous and in range, else fills buf (L bytes). */
static inline const uint8_t *qc_line(const uint8_t *xr, int w_in, int off, int sw, int L, uint8_t zfill,
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
static inline const uint8_t *qc_row(const dlk_conv_geom *g, const uint8_t *xg, int k, int oh, int *off_kx)
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
static inline void qc_lines(const dlk_qconv_params *p, const uint8_t *xg, int K, int k0, int n, int oh, int ow0,
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
        const uint8_t *xr = qc_row(g, xg, k, oh, &off);
        ln[t] = qc_line(xr, g->w_in, off + ow0 * g->sw, g->sw, L, zx, buf);
    }
}

#endif
