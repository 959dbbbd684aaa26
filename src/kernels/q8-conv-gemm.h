/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ISA-free driver of the int8 im2col convolutions (kernels/q8-conv-gemm.c, plain C): per group,
 * Y[co][pixel] = W[co][k] . X[k][pixel], X packed per block of output pixels into a panel of
 * [kwords][pixels][4 bytes] (k_per_word consecutive k per pixel in each 4-byte word). The driver
 * chooses the blocks, splits them between threads, walks tiles of output channels x pixels and
 * calls the ISA's two pieces through pointers: pack (one block's panel) and strip (the tiles of
 * mr output channels across the block: accumulate, requantize, store). Packed weights: int32 bias[c_out], 64-byte aligned, then per
 * output channel kwords words.
 */
#ifndef DLK_KERNELS_Q8_CONV_GEMM_H
#define DLK_KERNELS_Q8_CONV_GEMM_H

#include "kernels/conv_tiling.h"

typedef struct dlk_q8_gemm_ukernel {
    int k_per_word;    /* k per 4-byte word: 2 (int16 pairs), 4 (byte quads) */
    int mr, lanes, nv; /* a tile: up to mr output channels x nv vectors of lanes pixels */
    /* the panel of output pixels [p0, p0 + pn) of one image's group (xg: its first input channel),
     * rows pstride pixels apart; lines: k_per_word line buffers of dlk_q8_gemm_line_bytes */
    void (*pack)(const dlk_qconv_params *p, const uint8_t *xg, int p0, int pn, int pstride, uint8_t *panel,
                 uint8_t *lines);
    /* a strip: output channels [co, co + mr) for the pn pixels of the panel at xp (rows of xstride
     * bytes), weights w (kwords words per channel), bias; y rows ystride bytes apart. It walks the
     * strip in tiles of dlk_tile_chunk(rem, lanes, nv) pixels (one call per strip, not per tile:
     * the requantization constants are set up once). */
    void (*strip)(const dlk_qconv_params *p, int co, int mr, int pn, int kwords, const uint8_t *xp, size_t xstride,
                  const int32_t *w, const int32_t *bias, uint8_t *y, size_t ystride);
} dlk_q8_gemm_ukernel;

static inline int dlk_q8_gemm_kwords(const dlk_q8_gemm_ukernel *u, const dlk_conv_geom *g)
{
    return (dlk_conv_kdim(g) + u->k_per_word - 1) / u->k_per_word;
}
static inline size_t dlk_q8_gemm_line_bytes(const dlk_conv_geom *g) { return dlk_align64((size_t)g->w_out + 16); }
/* the packed bias, then the weights at this offset */
static inline size_t dlk_q8_gemm_wofs(const dlk_conv_geom *g) { return dlk_align64(sizeof(int32_t) * (size_t)g->c_out); }

int dlk_q8_gemm_block_pixels(const dlk_q8_gemm_ukernel *u, const dlk_conv_geom *g);
size_t dlk_q8_gemm_scratch_bytes(const dlk_q8_gemm_ukernel *u, const dlk_conv_geom *g);
/* thread ith of nth's share of the convolution (the dlk_qconv_impl run protocol) */
void dlk_q8_gemm_run(const dlk_q8_gemm_ukernel *u, const dlk_qconv_params *p, const void *packed, const void *x,
                     void *y, void *scratch, int ith, int nth);

#endif
