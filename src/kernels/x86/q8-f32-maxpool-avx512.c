/*
 * MaxPool with AVX-512 (F, BW, VL): int8 / uint8 and float on NCHW planes for DLA's 2x2 stride-2
 * downsampling, and float on NCHW16C for any geometry. Bit-identical to the reference: the same
 * taps, and comparisons that pick what the reference's picks (see each kernel).
 */
#include "kernels/config.h"

#include <immintrin.h>

/* 2x2 stride 2, no padding (dlk_maxpool_2x2_ok_avx512, f32-maxpool.inc), planes [p0, p1) */
void dlk_maxpool_q8_avx512(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t p0, int64_t p1)
{
    const __m512i flip = _mm512_set1_epi8(t == DLK_Q_I8 ? (char)0x80 : 0); /* int8 order as uint8 order */
    const __m512i low = _mm512_set1_epi16(0xFF);
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in, out_plane = (ptrdiff_t)g->h_out * g->w_out;
    for (int64_t p = p0; p < p1; p++) {
        const uint8_t *xp = (const uint8_t *)x + p * in_plane;
        uint8_t *yp = (uint8_t *)y + p * out_plane;
        for (int oh = 0; oh < g->h_out; oh++) {
            const uint8_t *r0 = xp + (ptrdiff_t)(2 * oh) * g->w_in, *r1 = r0 + g->w_in;
            uint8_t *yr = yp + (ptrdiff_t)oh * g->w_out;
            for (int ow = 0; ow < g->w_out; ow += 32) {
                const int nout = g->w_out - ow < 32 ? g->w_out - ow : 32;
                const __mmask64 m = nout == 32 ? ~(__mmask64)0 : (((__mmask64)1 << (2 * nout)) - 1);
                const __m512i a = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, r0 + 2 * ow), flip);
                const __m512i b = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, r1 + 2 * ow), flip);
                const __m512i v = _mm512_max_epu8(a, b);
                const __m512i h = _mm512_and_si512(_mm512_max_epu8(v, _mm512_srli_epi16(v, 8)), low);
                const __m256i o = _mm256_xor_si256(_mm512_cvtepi16_epi8(h), _mm512_castsi512_si256(flip));
                _mm256_mask_storeu_epi8(yr + ow, (__mmask32)(nout == 32 ? 0xFFFFFFFFu : ((1u << nout) - 1)), o);
            }
        }
    }
}

/* the float kernels: */
#include "kernels/x86/f32-maxpool.inc"
