/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MaxPool with AVX-512 (F, BW, VL): int8 / uint8 and float on NCHW planes for DLA's 2x2 stride-2
 * downsampling, and float on NCHW16C for any geometry. Bit-identical to the reference: the same
 * taps, and comparisons that pick what the reference's picks (see each kernel).
 */
#include "kernels/config.h"

#include <immintrin.h>

/* one output row of the int8 / uint8 2x2 stride-2 MaxPool (f32-maxpool.inc): the rows r0, r1 of
 * bytes flipped into uint8 order (x ^ fl), the unsigned maximum, flipped back; 32 outputs a step */
static void q8_pool_row(const uint8_t *r0, const uint8_t *r1, uint8_t *yr, int w_out, uint8_t fl)
{
    const __m512i flip = _mm512_set1_epi8((char)fl), low = _mm512_set1_epi16(0xFF);
    for (int ow = 0; ow < w_out; ow += 32) {
        const int nout = w_out - ow < 32 ? w_out - ow : 32;
        const __mmask64 m = nout == 32 ? ~(__mmask64)0 : (((__mmask64)1 << (2 * nout)) - 1);
        const __m512i a = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, r0 + 2 * ow), flip);
        const __m512i b = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, r1 + 2 * ow), flip);
        const __m512i v = _mm512_max_epu8(a, b);
        const __m512i h = _mm512_and_si512(_mm512_max_epu8(v, _mm512_srli_epi16(v, 8)), low);
        const __m256i o = _mm256_xor_si256(_mm512_cvtepi16_epi8(h), _mm512_castsi512_si256(flip));
        _mm256_mask_storeu_epi8(yr + ow, (__mmask32)(nout == 32 ? 0xFFFFFFFFu : ((1u << nout) - 1)), o);
    }
}

/* the plane loops and the float kernels: */
#include "kernels/x86/f32-maxpool.inc"
