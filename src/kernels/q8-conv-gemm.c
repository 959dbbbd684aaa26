/* SPDX-License-Identifier: Apache-2.0 */
/* The ISA-free int8 im2col convolution driver (q8-conv-gemm.h). */
#include "kernels/q8-conv-gemm.h"

int dlk_q8_gemm_block_pixels(const dlk_q8_gemm_ukernel *u, const dlk_conv_geom *g)
{
    return dlk_conv_block_pixels(g, (size_t)dlk_q8_gemm_kwords(u, g) * 4, u->lanes * u->nv);
}

size_t dlk_q8_gemm_scratch_bytes(const dlk_q8_gemm_ukernel *u, const dlk_conv_geom *g)
{
    const int pb = (dlk_q8_gemm_block_pixels(u, g) + 15) / 16 * 16;
    return dlk_align64((size_t)dlk_q8_gemm_kwords(u, g) * 4 * pb) + (size_t)u->k_per_word * dlk_q8_gemm_line_bytes(g);
}

void dlk_q8_gemm_run(const dlk_q8_gemm_ukernel *u, const dlk_qconv_params *p, const void *packed, const void *x,
                     void *y, void *scratch, int ith, int nth)
{
    const dlk_conv_geom *g = &p->g;
    const int kw = dlk_q8_gemm_kwords(u, g), M = g->c_out;
    const int cin_g = g->c_in / g->group, cout_g = M / g->group;
    const int64_t P = (int64_t)g->h_out * g->w_out;
    const int pb = dlk_conv_fit_block(P, dlk_q8_gemm_block_pixels(u, g), (int64_t)g->n * g->group, nth, u->lanes);
    const int pstride = (pb + 15) / 16 * 16;
    const int64_t nblk = (P + pb - 1) / pb, items = (int64_t)g->n * g->group * nblk;
    const int32_t *bias = packed;
    const int32_t *wq = (const int32_t *)((const uint8_t *)packed + dlk_q8_gemm_wofs(g));
    uint8_t *panel = scratch, *lines = panel + dlk_align64((size_t)kw * 4 * pstride);
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const dlk_conv_share sh = dlk_conv_split(items, cout_g, ith, nth);
    for (int64_t it = sh.i0; it < sh.i1; it++) {
        int n, grp, p0, pn;
        dlk_conv_item(g, it, nblk, pb, P, &n, &grp, &p0, &pn);
        const uint8_t *xg = (const uint8_t *)x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g) * in_plane;
        u->pack(p, xg, p0, pn, pstride, panel, lines);
        for (int cb = sh.c0; cb < sh.c1; cb += u->mr) {
            const int mr = sh.c1 - cb < u->mr ? sh.c1 - cb : u->mr;
            const int co = grp * cout_g + cb;
            u->strip(p, co, mr, pn, kw, panel, (size_t)pstride * 4, wq + (size_t)co * kw, bias + co,
                     (uint8_t *)y + ((ptrdiff_t)n * M + co) * P + p0, (size_t)P);
        }
    }
}
