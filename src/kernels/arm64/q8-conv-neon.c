/* SPDX-License-Identifier: Apache-2.0 */
/*
 * int8 / uint8 convolution with AArch64 NEON (baseline Armv8-A: no dot-product extension needed).
 *
 * The panel and the packed weights are the AVX2 kernel's (x86/q8-conv-avx2.c): (x - zx) as int16,
 * two k per pixel, [K2][pixels][2]; the weights (w - w_zp) as int16 pairs per output channel.
 * One step multiplies 4 pixels' pairs by the broadcast weight pair (SMULL / SMULL2: 16 x 16 -> 32
 * bits, exact since |x - zx|, |w - w_zp| <= 255) and adds each pixel's two products (ADDP), which
 * is what vpmaddwd does on x86: the same int32 sums, wrapping as the reference's do.
 * Requantization as the reference: float(acc) * scale, clamped to [lo - zp, hi - zp] (a NaN would
 * go to lo: FMAXNM), rounded to nearest even (FCVTNS), + zp: bit-identical results.
 *
 * Micro-kernel: MR <= 4 output channels x NV <= 4 vectors of 4 pixels. Blocks, threads and tiles
 * are the ISA-free driver's (kernels/q8-conv-gemm.c).
 */
#include "kernels/config.h"
#include "kernels/q8-conv-gemm.h"
#include "kernels/q8-im2col.h"

#include <arm_neon.h>

#define MR 4
#define NV 4
#define LANES 4

static int neon_supports(const dlk_qconv_params *p)
{
    return dlk_conv_geom_ok(&p->g) && p->x_zp >= dlk_q8_lo(p->x_type) && p->x_zp <= dlk_q8_hi(p->x_type) &&
           p->y_zp >= dlk_q8_lo(p->y_type) && p->y_zp <= dlk_q8_hi(p->y_type);
}

static size_t neon_packed_bytes(const dlk_qconv_params *p)
{
    const int K2 = (dlk_conv_kdim(&p->g) + 1) / 2;
    return dlk_q8_gemm_wofs(&p->g) + sizeof(int32_t) * (size_t)p->g.c_out * K2;
}

static void neon_pack(const dlk_qconv_params *p, const void *w, const int32_t *bias, void *dst)
{
    const int K = dlk_conv_kdim(&p->g), K2 = (K + 1) / 2, M = p->g.c_out;
    int32_t *b = dst;
    int16_t *wp = (int16_t *)((uint8_t *)dst + dlk_q8_gemm_wofs(&p->g));
    for (int co = 0; co < M; co++) {
        const int zw = p->w_zp ? p->w_zp[co] : 0;
        for (int k = 0; k < K2 * 2; k++) {
            int v = 0;
            if (k < K) {
                const ptrdiff_t i = (ptrdiff_t)co * K + k;
                v = (p->w_type == DLK_Q_U8 ? (int)((const uint8_t *)w)[i] : (int)((const int8_t *)w)[i]) - zw;
            }
            wp[(ptrdiff_t)co * K2 * 2 + k] = (int16_t)v;
        }
        b[co] = bias ? bias[co] : 0;
    }
}

/* dst[2i + t] = line_t[i] - zx as int16, i < L */
static void interleave2(int16_t *dst, const uint8_t *a, const uint8_t *b, int L, int is_i8, int zx)
{
    const int16x8_t z = vdupq_n_s16((int16_t)zx);
    int i = 0;
    for (; i + 8 <= L; i += 8) {
        const uint8x8_t a8 = vld1_u8(a + i), b8 = vld1_u8(b + i);
        int16x8x2_t ab;
        if (is_i8) {
            ab.val[0] = vsubq_s16(vmovl_s8(vreinterpret_s8_u8(a8)), z);
            ab.val[1] = vsubq_s16(vmovl_s8(vreinterpret_s8_u8(b8)), z);
        } else {
            ab.val[0] = vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(a8)), z);
            ab.val[1] = vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(b8)), z);
        }
        vst2q_s16(dst + 2 * i, ab); /* interleaves a and b */
    }
    for (; i < L; i++) {
        dst[2 * i] = (int16_t)((is_i8 ? (int)(int8_t)a[i] : (int)a[i]) - zx);
        dst[2 * i + 1] = (int16_t)((is_i8 ? (int)(int8_t)b[i] : (int)b[i]) - zx);
    }
}

/* the driver's pack: [K2][pstride][2] int16 */
static void pack_panel(const dlk_qconv_params *p, const uint8_t *xg, int p0, int pn, int pstride, uint8_t *panel_bytes,
                       uint8_t *lines)
{
    const dlk_conv_geom *g = &p->g;
    const int K = dlk_conv_kdim(g), K2 = (K + 1) / 2;
    const size_t lb = dlk_q8_gemm_line_bytes(g);
    int16_t *panel = (int16_t *)panel_bytes;
    int done = 0;
    while (done < pn) {
        const int pix = p0 + done, oh = pix / g->w_out, ow0 = pix % g->w_out;
        int L = g->w_out - ow0;
        if (L > pn - done) L = pn - done;
        for (int kp = 0; kp < K2; kp++) {
            const uint8_t *ln[2];
            q8_lines(p, xg, K, kp * 2, 2, oh, ow0, L, lines, lb, ln);
            interleave2(panel + ((size_t)kp * pstride + done) * 2, ln[0], ln[1], L, p->x_type == DLK_Q_I8, p->x_zp);
        }
        done += L;
    }
}

typedef struct {
    const float *scale;
    float32x4_t flo, fhi;
    int32x4_t zp;
    int is_u8;
} requant_t;

static inline __attribute__((always_inline)) void ukr(const int mr, const int nv, int K2, const int16_t *xp,
                                                      size_t xstride, const int32_t *w, const int32_t *bias,
                                                      const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    int32x4_t acc[MR][NV];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = vdupq_n_s32(bias[r]);
    for (int kp = 0; kp < K2; kp++) {
        int16x8_t xv[NV];
        for (int j = 0; j < nv; j++) xv[j] = vld1q_s16(xp + kp * xstride + 2 * LANES * j);
        for (int r = 0; r < mr; r++) {
            const int16x8_t wb = vreinterpretq_s16_s32(vdupq_n_s32(w[(size_t)r * K2 + kp]));
            for (int j = 0; j < nv; j++) {
                const int32x4_t lo = vmull_s16(vget_low_s16(xv[j]), vget_low_s16(wb));
                const int32x4_t hi = vmull_high_s16(xv[j], wb);
                acc[r][j] = vaddq_s32(acc[r][j], vpaddq_s32(lo, hi));
            }
        }
    }
    for (int r = 0; r < mr; r++) {
        const float32x4_t s = vdupq_n_f32(rq->scale[r]);
        for (int j = 0; j < nv; j++) {
            float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc[r][j]), s);
            v = vminnmq_f32(vmaxnmq_f32(v, rq->flo), rq->fhi);
            const int32x4_t q = vaddq_s32(vcvtnq_s32_f32(v), rq->zp);
            const int16x4_t h = vqmovn_s32(q);
            uint8_t b[8];
            if (rq->is_u8) vst1_u8(b, vqmovun_s16(vcombine_s16(h, h)));
            else vst1_s8((int8_t *)b, vqmovn_s16(vcombine_s16(h, h)));
            const int n = nvalid - LANES * j;
            if (n > 0) memcpy(y + r * ystride + LANES * j, b, (size_t)(n < LANES ? n : LANES));
        }
    }
}

#define UKR_CASE(M_, N_) \
    case (M_) * 8 + (N_): ukr(M_, N_, K2, xp, xstride, w, bias, rq, y, ystride, nvalid); break;

static void ukr_any(int mr, int nv, int K2, const int16_t *xp, size_t xstride, const int32_t *w, const int32_t *bias,
                    const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    switch (mr * 8 + nv) {
        UKR_CASE(1, 1) UKR_CASE(1, 2) UKR_CASE(1, 3) UKR_CASE(1, 4)
        UKR_CASE(2, 1) UKR_CASE(2, 2) UKR_CASE(2, 3) UKR_CASE(2, 4)
        UKR_CASE(3, 1) UKR_CASE(3, 2) UKR_CASE(3, 3) UKR_CASE(3, 4)
        UKR_CASE(4, 1) UKR_CASE(4, 2) UKR_CASE(4, 3) UKR_CASE(4, 4)
    default: break;
    }
}

/* the driver's strip */
static void strip(const dlk_qconv_params *p, int co, int mr, int pn, int K2, const uint8_t *xp, size_t xstride,
                  const int32_t *w, const int32_t *bias, uint8_t *y, size_t ystride)
{
    requant_t rq;
    rq.scale = p->scale + co;
    rq.flo = vdupq_n_f32((float)(p->y_lo - p->y_zp));
    rq.fhi = vdupq_n_f32((float)(p->y_hi - p->y_zp));
    rq.zp = vdupq_n_s32(p->y_zp);
    rq.is_u8 = p->y_type == DLK_Q_U8;
    for (int q0 = 0, nvalid; q0 < pn; q0 += nvalid) {
        nvalid = dlk_tile_chunk(pn - q0, LANES, NV);
        ukr_any(mr, (nvalid + LANES - 1) / LANES, K2, (const int16_t *)(xp + (size_t)q0 * 4), xstride / 2, w, bias,
                &rq, y + q0, ystride, nvalid);
    }
}

static const dlk_q8_gemm_ukernel ukernel = {2, MR, LANES, NV, pack_panel, strip};

static size_t neon_scratch(const dlk_qconv_params *p) { return dlk_q8_gemm_scratch_bytes(&ukernel, &p->g); }

static void neon_run(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch, int ith,
                     int nth)
{
    dlk_q8_gemm_run(&ukernel, p, packed, x, y, scratch, ith, nth);
}

const dlk_qconv_impl dlk_q8_conv_neon = {"neon", neon_supports, neon_packed_bytes, neon_pack, neon_scratch, neon_run};
