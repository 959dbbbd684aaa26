/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ISA-free half of the SIMD convolutions (plain C, no intrinsics): the geometry checks, how the
 * work is cut into blocks of pixels or bands of rows, how the blocks are split between threads,
 * and how a row is cut into micro-kernel calls. Every convolution driver (kernels/x86/, and the
 * AVX2 / NEON / Helium ones to come) takes these decisions from here; the micro-kernels compute
 * one tile with intrinsics and decide nothing.
 */
#ifndef DLK_KERNELS_CONV_TILING_H
#define DLK_KERNELS_CONV_TILING_H

#include "kernels/kernels.h"

#include <stddef.h>
#include <stdint.h>

static inline size_t dlk_align64(size_t v) { return (v + 63) & ~(size_t)63; }

/* A geometry the SIMD convolutions take at all: NCHW, positive sizes, K and the plane bounded. */
static inline int dlk_conv_geom_ok(const dlk_conv_geom *g)
{
    return g->layout_in == DLK_NCHW && g->layout_out == DLK_NCHW && g->n > 0 && g->group > 0 && g->c_in > 0 && g->c_out > 0 && g->c_in % g->group == 0 &&
           g->c_out % g->group == 0 && g->h_in > 0 && g->w_in > 0 && g->h_out > 0 && g->w_out > 0 &&
           g->kh > 0 && g->kw > 0 && g->sh > 0 && g->sw > 0 && g->dh > 0 && g->dw > 0 &&
           (int64_t)g->c_in / g->group * g->kh * g->kw < (1 << 20) &&
           (int64_t)g->h_out * g->w_out < ((int64_t)1 << 30);
}

/* K of the GEMM per group: (input channel, ky, kx) */
static inline int dlk_conv_kdim(const dlk_conv_geom *g) { return g->c_in / g->group * g->kh * g->kw; }

/* 1x1, stride 1, unpadded: the input planes are the GEMM's right-hand side as they are */
static inline int dlk_conv_is_pointwise(const dlk_conv_geom *g)
{
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 && g->pad_l == 0 &&
           g->h_in == g->h_out && g->w_in == g->w_out;
}

/* The direct (no im2col) path of the pixel-vector kernels: strides up to 2 across, rows of at least
 * min_w outputs (any with stride 1 down), 2 to max_taps taps, and a band that stays addressable. */
static inline int dlk_conv_direct_ok(const dlk_conv_geom *g, int min_w, int max_taps)
{
    return g->sw <= 2 && (g->w_out >= min_w || g->sh == 1) && g->kh * g->kw > 1 && g->kh * g->kw <= max_taps &&
           g->sh <= 4 && (int64_t)(g->kh * g->dh + 2) * (g->w_out * 2 + g->kw * g->dw + 2) * 8 < (1 << 30);
}

/* The direct path's padded input columns per phase: stride 2 keeps even and odd columns apart, so
 * that every tap reads consecutive pixels. */
static inline int dlk_conv_direct_wp(const dlk_conv_geom *g)
{
    const int wpad = (g->w_out - 1) * g->sw + (g->kw - 1) * g->dw + 1;
    return (wpad + g->sw - 1) / g->sw;
}

/* Pixels for the next micro-kernel call when rem are left: nv vectors of lanes pixels, but a
 * remainder just above nv vectors is split so that no call runs a whole K loop for a few pixels
 * (nv = 3, vectors left: 4 -> 2 + 2, 7 -> 3 + 2 + 2). */
static inline int dlk_tile_chunk(int rem, int lanes, int nv)
{
    if (rem <= lanes * nv) return rem;
    const int v = (rem + lanes - 1) / lanes;
    return v % nv == 1 ? lanes * (nv - 1) : lanes * nv;
}

/* Output pixels per packed block: the panel (bytes_per_pixel each) stays within about 96 KB. */
static inline int dlk_conv_block_pixels(const dlk_conv_geom *g, size_t bytes_per_pixel, int quantum)
{
    const int64_t P = (int64_t)g->h_out * g->w_out;
    int64_t b = (int64_t)(96 * 1024 / bytes_per_pixel) / quantum * quantum;
    if (b < quantum) b = quantum;
    if (b > P) b = (P + 15) / 16 * 16;
    return (int)b;
}

/* Units (pixels or rows) per work item when the work is split nth ways: at most block, a multiple
 * of quantum, chosen so that the busiest thread has the least to do. Items are dealt out in equal
 * runs (dlk_conv_split), so 5 bands on 2 threads leave one thread 3/5 of the work where 6 smaller
 * bands would leave it 1/2: the choice minimises ceil(items / nth) * units per item. Among equal
 * costs the larger block wins (fewer items pack fewer halo rows). */
static inline int dlk_conv_fit_block(int64_t units, int block, int64_t outer, int nth, int quantum)
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

/* Thread ith of nth's share: work items [i0, i1) (image, group, pixel block) and output channels
 * [c0, c1) within a group. Few items (small late layers): every thread takes every item and a
 * slice of the output channels. */
typedef struct {
    int64_t i0, i1;
    int c0, c1;
} dlk_conv_share;
static inline dlk_conv_share dlk_conv_split(int64_t items, int cout_g, int ith, int nth)
{
    dlk_conv_share s;
    if (items >= nth || cout_g < nth) {
        s.i0 = items * ith / nth;
        s.i1 = items * (ith + 1) / nth;
        s.c0 = 0;
        s.c1 = cout_g;
    } else {
        s.i0 = 0;
        s.i1 = items;
        s.c0 = (int)((int64_t)cout_g * ith / nth);
        s.c1 = (int)((int64_t)cout_g * (ith + 1) / nth);
    }
    return s;
}

/* Work item it of the (image, group, block) items: the image, the group, and units (pixels or
 * output rows) [*u0, *u0 + *un) of `units`, cut in blocks of `block` (nblk per image and group). */
static inline void dlk_conv_item(const dlk_conv_geom *g, int64_t it, int64_t nblk, int block, int64_t units, int *n,
                                 int *grp, int *u0, int *un)
{
    const int64_t blk = it % nblk, ng = it / nblk;
    *grp = (int)(ng % g->group);
    *n = (int)(ng / g->group);
    *u0 = (int)(blk * block);
    *un = (int)(units - *u0 < block ? units - *u0 : block);
}

#endif
