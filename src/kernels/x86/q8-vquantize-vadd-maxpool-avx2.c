/*
 * int8 / uint8 element-wise kernels with AVX2 + FMA: QuantizeLinear of the float input, same-shape
 * QLinearAdd and MaxPool 2x2 stride 2 on NCHW planes. The float operations are the reference's in
 * its order (divps / vfmadd are single IEEE roundings as x / s and fmaf; maxps / minps return the
 * second operand on NaN as the reference's clamp does; cvtps2dq rounds half to even), so the
 * results are bit-identical, as the AVX-512 kernels' (q8-vquantize-vadd-avx512.c). 16 elements a
 * step; the last n % 16 go to the reference kernels, which give the same bits.
 */
#include "kernels/config.h"

#include <immintrin.h>
#include <math.h>

/* the low bytes of the 16 int32 lanes a (0-7), b (8-15) */
static inline __m128i bytes16(__m256i a, __m256i b)
{
    const __m256i ff = _mm256_set1_epi32(0xFF);
    const __m256i w = _mm256_packus_epi32(_mm256_and_si256(a, ff), _mm256_and_si256(b, ff)); /* a0-3 b0-3 | a4-7 b4-7 */
    const __m256i q = _mm256_packus_epi16(w, w);
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(q, _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5)));
}

void dlk_quantize_q8_avx2(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y)
{
    const __m256 s = _mm256_set1_ps(scale);
    const __m256 lo = _mm256_set1_ps((float)(dlk_q8_lo(t) - zp)), hi = _mm256_set1_ps((float)(dlk_q8_hi(t) - zp));
    const __m256i z = _mm256_set1_epi32(zp);
    uint8_t *yb = y;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i q[2];
        for (int h = 0; h < 2; h++) {
            const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_div_ps(_mm256_loadu_ps(x + i + 8 * h), s), lo), hi);
            q[h] = _mm256_add_epi32(_mm256_cvtps_epi32(v), z);
        }
        _mm_storeu_si128((__m128i *)(yb + i), bytes16(q[0], q[1]));
    }
    if (i < n) dlk_quantize_q8_ref_n(n - i, x + i, scale, zp, t, yb + i);
}

/* 8 bytes at p as floats */
static inline __m256 load8_q8(const uint8_t *p, int is_u8)
{
    const __m128i b = _mm_loadl_epi64((const __m128i *)p);
    return _mm256_cvtepi32_ps(is_u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b));
}

void dlk_qadd_q8_avx2(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                      int b_zp, float c_scale, int c_zp, int relu, void *c)
{
    const float rA = a_scale / c_scale, rB = b_scale / c_scale;
    const float zb_term = rB * (float)b_zp;
    const float fixed = (float)c_zp - fmaf(rA, (float)a_zp, zb_term);
    const int is_u8 = t == DLK_Q_U8;
    const __m256 vA = _mm256_set1_ps(rA), vB = _mm256_set1_ps(rB), vf = _mm256_set1_ps(fixed);
    const __m256 lo = _mm256_set1_ps((float)dlk_q8_lo(t)), hi = _mm256_set1_ps((float)dlk_q8_hi(t));
    const __m256i rlo = _mm256_set1_epi32(relu ? c_zp : dlk_q8_lo(t));
    const uint8_t *ab = a, *bb = b;
    uint8_t *cb = c;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i q[2];
        for (int h = 0; h < 2; h++) {
            __m256 v = _mm256_fmadd_ps(load8_q8(bb + i + 8 * h, is_u8), vB, vf);
            v = _mm256_fmadd_ps(load8_q8(ab + i + 8 * h, is_u8), vA, v);
            v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
            q[h] = _mm256_max_epi32(_mm256_cvtps_epi32(v), rlo);
        }
        _mm_storeu_si128((__m128i *)(cb + i), bytes16(q[0], q[1]));
    }
    if (i < n) dlk_qadd_q8_ref_n(n - i, t, ab + i, a_scale, a_zp, bb + i, b_scale, b_zp, c_scale, c_zp, relu, cb + i);
}

/* 2x2 stride 2, no padding (dlk_maxpool_2x2_ok_avx2), planes [p0, p1): the maximum of unsigned
 * bytes, int8 flipped into uint8 order (x ^ 0x80) and back; 32 outputs a step, the rest one by one */
void dlk_maxpool_q8_avx2(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t p0, int64_t p1)
{
    const uint8_t fl = t == DLK_Q_I8 ? 0x80 : 0;
    const __m256i flip = _mm256_set1_epi8((char)fl), low = _mm256_set1_epi16(0xFF);
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in, out_plane = (ptrdiff_t)g->h_out * g->w_out;
    for (int64_t p = p0; p < p1; p++) {
        const uint8_t *xp = (const uint8_t *)x + p * in_plane;
        uint8_t *yp = (uint8_t *)y + p * out_plane;
        for (int oh = 0; oh < g->h_out; oh++) {
            const uint8_t *r0 = xp + (ptrdiff_t)(2 * oh) * g->w_in, *r1 = r0 + g->w_in;
            uint8_t *yr = yp + (ptrdiff_t)oh * g->w_out;
            int ow = 0;
            for (; ow + 32 <= g->w_out; ow += 32) {
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
            for (; ow < g->w_out; ow++) {
                uint8_t m = (uint8_t)(r0[2 * ow] ^ fl), v;
                if ((v = (uint8_t)(r0[2 * ow + 1] ^ fl)) > m) m = v;
                if ((v = (uint8_t)(r1[2 * ow] ^ fl)) > m) m = v;
                if ((v = (uint8_t)(r1[2 * ow + 1] ^ fl)) > m) m = v;
                yr[ow] = (uint8_t)(m ^ fl);
            }
        }
    }
}
