/*
 * MaxPool with AVX-512 (F, BW, VL): int8 / uint8 and float on NCHW planes for DLA's 2x2 stride-2
 * downsampling, and float on NCHW16C for any geometry. Bit-identical to the reference: the same
 * taps, and comparisons that pick what the reference's picks (see each kernel).
 */
#include "kernels/config.h"

#include <immintrin.h>

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
        int ky0, ky1, kx0, kx1;
        dlk_taps_inside(h0, g->kh, g->dh, g->h_in, &ky0, &ky1);
        for (int ow = 0; ow < g->w_out; ow++) {
            const int w0 = ow * g->sw - g->pad_l;
            dlk_taps_inside(w0, g->kw, g->dw, g->w_in, &kx0, &kx1);
            __m512 m = _mm512_set1_ps(-__builtin_inff());
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++)
                    m = max16_step(m, _mm512_loadu_ps(xp + ((ptrdiff_t)(h0 + ky * g->dh) * g->w_in + w0 + kx * g->dw) * 16));
            _mm512_storeu_ps(yr + (ptrdiff_t)ow * 16, m);
        }
    }
}
