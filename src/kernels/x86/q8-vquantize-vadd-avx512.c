/*
 * int8 / uint8 element-wise kernels with AVX-512 (F, BW, VL): QuantizeLinear of the float input
 * and same-shape QLinearAdd. Each computes exactly the reference's float
 * operations in the same order (divps / fmadd are IEEE single roundings like x / s and fmaf;
 * maxps / minps return the second operand on NaN as the reference's clamp does; cvtps2dq rounds
 * half to even), so the results are bit-identical.
 */
#include "kernels/config.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

static inline __m128i to_bytes(__m512i q) { return _mm512_cvtepi32_epi8(q); }

void dlk_quantize_q8_avx512(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y)
{
    const __m512 s = _mm512_set1_ps(scale);
    const __m512 lo = _mm512_set1_ps((float)(dlk_q8_lo(t) - zp)), hi = _mm512_set1_ps((float)(dlk_q8_hi(t) - zp));
    const __m512i z = _mm512_set1_epi32(zp);
    uint8_t *yb = y;
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + i), s);
        v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
        _mm_mask_storeu_epi8(yb + i, m, to_bytes(_mm512_add_epi32(_mm512_cvtps_epi32(v), z)));
    }
}

static inline __m512 load_q8(const void *p, int64_t i, __mmask16 m, int is_u8)
{
    const __m128i b = _mm_maskz_loadu_epi8(m, (const uint8_t *)p + i);
    return _mm512_cvtepi32_ps(is_u8 ? _mm512_cvtepu8_epi32(b) : _mm512_cvtepi8_epi32(b));
}

void dlk_qadd_q8_avx512(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                        int b_zp, float c_scale, int c_zp, int relu, void *c)
{
    const float rA = a_scale / c_scale, rB = b_scale / c_scale;
    const float zb_term = rB * (float)b_zp;
    const float fixed = (float)c_zp - fmaf(rA, (float)a_zp, zb_term);
    const int is_u8 = t == DLK_Q_U8;
    const __m512 vA = _mm512_set1_ps(rA), vB = _mm512_set1_ps(rB), vf = _mm512_set1_ps(fixed);
    const __m512 lo = _mm512_set1_ps((float)dlk_q8_lo(t)), hi = _mm512_set1_ps((float)dlk_q8_hi(t));
    const __m512i rlo = _mm512_set1_epi32(relu ? c_zp : dlk_q8_lo(t));
    uint8_t *cb = c;
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_fmadd_ps(load_q8(b, i, m, is_u8), vB, vf);
        v = _mm512_fmadd_ps(load_q8(a, i, m, is_u8), vA, v);
        v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
        const __m512i q = _mm512_max_epi32(_mm512_cvtps_epi32(v), rlo);
        _mm_mask_storeu_epi8(cb + i, m, to_bytes(q));
    }
}
