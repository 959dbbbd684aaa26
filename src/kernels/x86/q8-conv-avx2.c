/* SPDX-License-Identifier: Apache-2.0 */
/*
 * int8 / uint8 convolution with AVX2 (vpmaddwd: int16 x int16, pairs summed into int32).
 *
 * The panel holds (x - zx) as int16, two k per pixel: [K2][pixels][2] with K2 = ceil(K/2); padding
 * is 0. The weights are packed as (w - w_zp) int16 pairs per output channel, so any weight type
 * and zero point works. |x - zx|, |w - w_zp| <= 255: every product and pair sum is exact, and the
 * int32 sums wrap as the reference's do: bit-identical results.
 *
 * Packed weights: int32 bias[c_out] (64-byte aligned), then per output channel K2 words of two
 * int16 weights (zero past K). Micro-kernel: MR <= 4 output channels x NV <= 3 vectors of 8 pixels.
 * This file holds the packers and the micro-kernel; blocks, threads and tiles are the ISA-free
 * driver's (kernels/q8-conv-gemm.c).
 */
#include "kernels/config.h"
#include "kernels/q8-conv-gemm.h"
#include "kernels/q8-im2col.h"

#include <immintrin.h>

#define MR 4
#define NV 3


static int avx2_supports(const dlk_qconv_params *p)
{
    return dlk_conv_geom_ok(&p->g) && p->x_zp >= dlk_q8_lo(p->x_type) && p->x_zp <= dlk_q8_hi(p->x_type) &&
           p->y_zp >= dlk_q8_lo(p->y_type) && p->y_zp <= dlk_q8_hi(p->y_type);
}


static size_t avx2_packed_bytes(const dlk_qconv_params *p)
{
    const int K2 = (dlk_conv_kdim(&p->g) + 1) / 2;
    return dlk_align64(sizeof(int32_t) * (size_t)p->g.c_out) + sizeof(int32_t) * (size_t)p->g.c_out * K2;
}

static void avx2_pack(const dlk_qconv_params *p, const void *w, const int32_t *bias, void *dst)
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

/* dst[2i + t] = line_t[i] - zx as int16, i < L; one copy per input type */
static inline __attribute__((always_inline)) void interleave2_t(int16_t *dst, const uint8_t *a, const uint8_t *b, int L,
                                                                const int is_i8, int zx)
{
    const __m128i z = _mm_set1_epi16((short)zx);
    int i = 0;
    for (; i + 8 <= L; i += 8) {
        const __m128i a8 = _mm_loadl_epi64((const __m128i *)(a + i)), b8 = _mm_loadl_epi64((const __m128i *)(b + i));
        const __m128i A = _mm_sub_epi16(is_i8 ? _mm_cvtepi8_epi16(a8) : _mm_cvtepu8_epi16(a8), z);
        const __m128i B = _mm_sub_epi16(is_i8 ? _mm_cvtepi8_epi16(b8) : _mm_cvtepu8_epi16(b8), z);
        _mm_storeu_si128((__m128i *)(dst + 2 * i), _mm_unpacklo_epi16(A, B));
        _mm_storeu_si128((__m128i *)(dst + 2 * i + 8), _mm_unpackhi_epi16(A, B));
    }
    for (; i < L; i++) {
        dst[2 * i] = (int16_t)((is_i8 ? (int)(int8_t)a[i] : (int)a[i]) - zx);
        dst[2 * i + 1] = (int16_t)((is_i8 ? (int)(int8_t)b[i] : (int)b[i]) - zx);
    }
}
static void interleave2(int16_t *dst, const uint8_t *a, const uint8_t *b, int L, int is_i8, int zx)
{
    if (is_i8) interleave2_t(dst, a, b, L, 1, zx);
    else interleave2_t(dst, a, b, L, 0, zx);
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
    __m256 flo, fhi;
    __m256i zp;
    int is_u8;
} requant_t;

static inline __attribute__((always_inline)) void ukr(const int mr, const int nv, int K2, const int16_t *xp,
                                                      size_t xstride, const int32_t *w, const int32_t *bias,
                                                      const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    __m256i acc[MR][NV];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = _mm256_set1_epi32(bias[r]);
    for (int kp = 0; kp < K2; kp++) {
        __m256i xv[NV];
        for (int j = 0; j < nv; j++) xv[j] = _mm256_loadu_si256((const __m256i *)(xp + kp * xstride + 16 * j));
        for (int r = 0; r < mr; r++) {
            const __m256i wb = _mm256_set1_epi32(w[(size_t)r * K2 + kp]);
            for (int j = 0; j < nv; j++) acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(xv[j], wb));
        }
    }
    for (int r = 0; r < mr; r++) {
        const __m256 s = _mm256_set1_ps(rq->scale[r]);
        for (int j = 0; j < nv; j++) {
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][j]), s);
            v = _mm256_min_ps(_mm256_max_ps(v, rq->flo), rq->fhi); /* NaN -> lo, as the reference */
            const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), rq->zp);
            const __m128i h = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
            const __m128i b = rq->is_u8 ? _mm_packus_epi16(h, h) : _mm_packs_epi16(h, h);
            const int n = nvalid - 8 * j;
            uint8_t *d = y + r * ystride + 8 * j;
            if (n >= 8) {
                _mm_storel_epi64((__m128i *)d, b);
            } else if (n > 0) {
                uint8_t tmp[16];
                _mm_storeu_si128((__m128i *)tmp, b);
                memcpy(d, tmp, (size_t)n);
            }
        }
    }
}

#define UKR_CASE(M_, N_) \
    case (M_) * 4 + (N_): ukr(M_, N_, K2, xp, xstride, w, bias, rq, y, ystride, nvalid); break;

static void ukr_any(int mr, int nv, int K2, const int16_t *xp, size_t xstride, const int32_t *w, const int32_t *bias,
                    const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    switch (mr * 4 + nv) {
        UKR_CASE(1, 1) UKR_CASE(1, 2) UKR_CASE(1, 3)
        UKR_CASE(2, 1) UKR_CASE(2, 2) UKR_CASE(2, 3)
        UKR_CASE(3, 1) UKR_CASE(3, 2) UKR_CASE(3, 3)
        UKR_CASE(4, 1) UKR_CASE(4, 2) UKR_CASE(4, 3)
    default: break;
    }
}

/* the driver's strip */
static void strip(const dlk_qconv_params *p, int co, int mr, int pn, int K2, const uint8_t *xp, size_t xstride,
                  const int32_t *w, const int32_t *bias, uint8_t *y, size_t ystride)
{
    requant_t rq;
    rq.scale = p->scale + co;
    rq.flo = _mm256_set1_ps((float)(p->y_lo - p->y_zp));
    rq.fhi = _mm256_set1_ps((float)(p->y_hi - p->y_zp));
    rq.zp = _mm256_set1_epi32(p->y_zp);
    rq.is_u8 = p->y_type == DLK_Q_U8;
    for (int q0 = 0, nvalid; q0 < pn; q0 += nvalid) {
        nvalid = dlk_tile_chunk(pn - q0, 8, NV);
        ukr_any(mr, (nvalid + 7) / 8, K2, (const int16_t *)(xp + (size_t)q0 * 4), xstride / 2, w, bias, &rq, y + q0,
                ystride, nvalid);
    }
}

static const dlk_q8_gemm_ukernel ukernel = {2, MR, 8, NV, pack_panel, strip};

static size_t avx2_scratch(const dlk_qconv_params *p) { return dlk_q8_gemm_scratch_bytes(&ukernel, &p->g); }

static void avx2_run(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch, int ith,
                     int nth)
{
    dlk_q8_gemm_run(&ukernel, p, packed, x, y, scratch, ith, nth);
}

const dlk_qconv_impl dlk_q8_conv_avx2 = {"avx2", avx2_supports, avx2_packed_bytes, avx2_pack, avx2_scratch, avx2_run};
