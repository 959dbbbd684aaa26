/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MaxPool with AVX2: int8 / uint8 2x2 stride 2 on NCHW planes (the row kernel here), float on NCHW
 * planes and NCHW16C (f32-maxpool.inc, through f32-v16.h). Bit-identical to the reference.
 */
#include "kernels/config.h"

#include <immintrin.h>

/* one output row of the int8 / uint8 2x2 stride-2 MaxPool (f32-maxpool.inc): bytes flipped into
 * uint8 order (x ^ fl), the unsigned maximum, flipped back; 32 outputs a step, the rest one by one */
static void q8_pool_row(const uint8_t *r0, const uint8_t *r1, uint8_t *yr, int w_out, uint8_t fl)
{
    const __m256i flip = _mm256_set1_epi8((char)fl), low = _mm256_set1_epi16(0xFF);
    int ow = 0;
    for (; ow + 32 <= w_out; ow += 32) {
        __m256i h[2];
        for (int k = 0; k < 2; k++) {
            const __m256i a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(r0 + 2 * ow + 32 * k)), flip);
            const __m256i b = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(r1 + 2 * ow + 32 * k)), flip);
            const __m256i v = _mm256_max_epu8(a, b);
            h[k] = _mm256_and_si256(_mm256_max_epu8(v, _mm256_srli_epi16(v, 8)), low);
        }
        const __m256i o = _mm256_permute4x64_epi64(_mm256_packus_epi16(h[0], h[1]), 0xD8);
        _mm256_storeu_si256((__m256i *)(yr + ow), _mm256_xor_si256(o, flip));
    }
    for (; ow < w_out; ow++) {
        uint8_t m = (uint8_t)(r0[2 * ow] ^ fl), v;
        if ((v = (uint8_t)(r0[2 * ow + 1] ^ fl)) > m) m = v;
        if ((v = (uint8_t)(r1[2 * ow] ^ fl)) > m) m = v;
        if ((v = (uint8_t)(r1[2 * ow + 1] ^ fl)) > m) m = v;
        yr[ow] = (uint8_t)(m ^ fl);
    }
}

/* the plane loops and the float kernels: */
#include "kernels/x86/f32-maxpool.inc"
