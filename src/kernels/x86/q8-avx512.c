/*
 * int8 / uint8 element-wise kernels with AVX-512 (F, BW, VL): QuantizeLinear of the float input,
 * same-shape QLinearAdd and the 2x2 stride-2 MaxPool. Each computes exactly the reference's float
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

int dlk_maxpool_q8_avx512_ok(const dlk_pool_geom *g)
{
    return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->dh == 1 && g->dw == 1 && g->pad_t == 0 &&
           g->pad_l == 0 && g->h_out * 2 <= g->h_in && g->w_out * 2 <= g->w_in;
}

/* 2x2 stride 2, no padding (dlk_maxpool_q8_avx512_ok), planes [p0, p1) */
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

/* float MaxPool, 2x2 stride 2, no padding (dlk_maxpool_q8_avx512_ok), planes [p0, p1). maxps of two
 * numbers is their maximum (NaN inputs aside, which the reference treats alike: a NaN never wins a
 * '>' comparison, and maxps returns the second operand when one is NaN). */
void dlk_maxpool_f32_avx512(const dlk_pool_geom *g, const float *x, float *y, int64_t p0, int64_t p1)
{
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in, out_plane = (ptrdiff_t)g->h_out * g->w_out;
    for (int64_t p = p0; p < p1; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int oh = 0; oh < g->h_out; oh++) {
            const float *r0 = xp + (ptrdiff_t)(2 * oh) * g->w_in, *r1 = r0 + g->w_in;
            float *yr = yp + (ptrdiff_t)oh * g->w_out;
            for (int ow = 0; ow < g->w_out; ow += 16) {
                const int nout = g->w_out - ow < 16 ? g->w_out - ow : 16;
                const int nin = 2 * nout;
                const __mmask16 m0 = (__mmask16)(nin >= 16 ? 0xFFFF : (1u << nin) - 1);
                const __mmask16 m1 = (__mmask16)(nin >= 32 ? 0xFFFF : nin > 16 ? (1u << (nin - 16)) - 1 : 0);
                const __m512 a = _mm512_max_ps(_mm512_maskz_loadu_ps(m0, r0 + 2 * ow), _mm512_maskz_loadu_ps(m0, r1 + 2 * ow));
                const __m512 b = _mm512_max_ps(_mm512_maskz_loadu_ps(m1, r0 + 2 * ow + 16),
                                               _mm512_maskz_loadu_ps(m1, r1 + 2 * ow + 16));
                const __m512 v = _mm512_max_ps(_mm512_permutex2var_ps(a, ev, b), _mm512_permutex2var_ps(a, od, b));
                _mm512_mask_storeu_ps(yr + ow, (__mmask16)(nout == 16 ? 0xFFFF : (1u << nout) - 1), v);
            }
        }
    }
}

/* float MaxPool on NCHW16C, any geometry: the 16 channels of a block at once, the taps in the
 * reference's order and with its comparison (v > m, or v NaN: NaN propagates), so bit-identical */
static inline __attribute__((always_inline)) __m512 max16_step(__m512 m, __m512 v)
{
    const __mmask16 take = _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_ps(m, take, v);
}

void dlk_maxpool_f32_16c_avx512(const dlk_pool_geom *g, const float *x, float *y, int64_t r0, int64_t r1)
{
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in, out_plane = (ptrdiff_t)g->h_out * g->w_out;
    /* DLA's downsampling, 2x2 stride 2 inside the input: the four taps straight (the first one
     * is the start: v > -inf, or NaN, takes every v but -inf, which leaves -inf alike) */
    const int two = g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->dh == 1 && g->dw == 1 && g->pad_t == 0 &&
                    g->pad_l == 0 && 2 * g->h_out <= g->h_in && 2 * g->w_out <= g->w_in;
    for (int64_t r = r0; r < r1; r++) {
        const int64_t pl = r / g->h_out; /* (image, block) */
        const int oh = (int)(r % g->h_out), h0 = oh * g->sh - g->pad_t;
        const float *xp = x + pl * in_plane * 16;
        float *yr = y + (pl * out_plane + (ptrdiff_t)oh * g->w_out) * 16;
        if (two) {
            const float *a = xp + (ptrdiff_t)h0 * g->w_in * 16, *b = a + (ptrdiff_t)g->w_in * 16;
            for (int ow = 0; ow < g->w_out; ow++, a += 32, b += 32) {
                __m512 m = _mm512_loadu_ps(a);
                m = max16_step(m, _mm512_loadu_ps(a + 16));
                m = max16_step(m, _mm512_loadu_ps(b));
                m = max16_step(m, _mm512_loadu_ps(b + 16));
                _mm512_storeu_ps(yr + (ptrdiff_t)ow * 16, m);
            }
            continue;
        }
        for (int ow = 0; ow < g->w_out; ow++) {
            const int w0 = ow * g->sw - g->pad_l;
            __m512 m = _mm512_set1_ps(-__builtin_inff());
            for (int ky = 0; ky < g->kh; ky++) {
                const int ih = h0 + ky * g->dh;
                if (ih < 0 || ih >= g->h_in) continue;
                for (int kx = 0; kx < g->kw; kx++) {
                    const int iw = w0 + kx * g->dw;
                    if (iw < 0 || iw >= g->w_in) continue;
                    m = max16_step(m, _mm512_loadu_ps(xp + ((ptrdiff_t)ih * g->w_in + iw) * 16));
                }
            }
            _mm512_storeu_ps(yr + (ptrdiff_t)ow * 16, m);
        }
    }
}

/* float same-shape Add (one IEEE addition per element, as the reference), fused Relu optional */
void dlk_add_f32_avx512(int64_t n, const float *a, const float *b, int relu, float *y)
{
    const __m512 lo = _mm512_set1_ps(relu ? 0.0f : -__builtin_inff());
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        _mm512_mask_storeu_ps(y + i, m, _mm512_max_ps(lo, v)); /* NaN stays NaN */
    }
}
