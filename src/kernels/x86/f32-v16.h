/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vector of 16 floats for the float kernels' drivers, written once for both x86 kernel sets:
 * with AVX-512 F (a file built with -mavx512f) one zmm register and its __mmask16; with AVX2 + FMA
 * a pair of ymm registers (lanes 0-7, 8-15) and a 16-bit lane mask that masked loads and stores
 * expand into two ymm masks. The lane order, the NaN rules (max(lo, v) returns v when either is
 * NaN, as maxps does) and the results of every operation are the same in both, so a driver gives
 * the same bits under either ISA with the same tiles. The tile sizes, which differ (AVX-512 has 32
 * registers, AVX2 16 of half the width), are the micro-kernels' own (their *_MR / *_NP macros).
 *
 * int8 / uint8 bytes load into and store from it (v16_load_q8, v16_store_q8: the lanes of the
 * mask are [0, n) there).
 *
 * V16_SFX(name) is name_avx512 or name_avx2: the exported kernels of a driver included by both an
 * *-avx512.c and an *-avx2.c file. Include only from kernels/x86/ files built with those flags.
 */
#ifndef DLK_X86_F32_V16_H
#define DLK_X86_F32_V16_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define V16_INLINE static inline __attribute__((always_inline))

#if defined(__AVX512F__)
#define V16_AVX512 1
#define V16_SFX(name) name##_avx512
#define V16_ISA_NAME "avx512"
typedef __m512 v16;
typedef __mmask16 m16;
V16_INLINE v16 v16_loadu(const float *p) { return _mm512_loadu_ps(p); }
V16_INLINE void v16_storeu(float *p, v16 v) { _mm512_storeu_ps(p, v); }
V16_INLINE v16 v16_maskz_loadu(m16 m, const float *p) { return _mm512_maskz_loadu_ps(m, p); }
V16_INLINE void v16_mask_storeu(float *p, m16 m, v16 v) { _mm512_mask_storeu_ps(p, m, v); }
V16_INLINE v16 v16_set1(float f) { return _mm512_set1_ps(f); }
V16_INLINE v16 v16_zero(void) { return _mm512_setzero_ps(); }
V16_INLINE v16 v16_fmadd(v16 a, v16 b, v16 c) { return _mm512_fmadd_ps(a, b, c); }
V16_INLINE v16 v16_add(v16 a, v16 b) { return _mm512_add_ps(a, b); }
V16_INLINE v16 v16_sub(v16 a, v16 b) { return _mm512_sub_ps(a, b); }
V16_INLINE v16 v16_max(v16 a, v16 b) { return _mm512_max_ps(a, b); }
V16_INLINE float v16_reduce_add(v16 a) { return _mm512_reduce_add_ps(a); }
V16_INLINE v16 v16_div(v16 a, v16 b) { return _mm512_div_ps(a, b); }
V16_INLINE v16 v16_min(v16 a, v16 b) { return _mm512_min_ps(a, b); }
/* the lanes m of 16 int8 / uint8 at p as floats (the others 0) */
V16_INLINE v16 v16_load_q8(const uint8_t *p, m16 m, int is_u8)
{
    const __m128i b = _mm_maskz_loadu_epi8(m, p);
    return _mm512_cvtepi32_ps(is_u8 ? _mm512_cvtepu8_epi32(b) : _mm512_cvtepi8_epi32(b));
}
/* y[i] = low byte of max(rne(v[i]) + add, lo), lanes m */
V16_INLINE void v16_store_q8(uint8_t *y, m16 m, v16 v, int add, int lo)
{
    const __m512i q = _mm512_max_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(v), _mm512_set1_epi32(add)), _mm512_set1_epi32(lo));
    _mm_mask_storeu_epi8(y, m, _mm512_cvtepi32_epi8(q));
}
/* the even / odd elements of the 32 floats a, b */
V16_INLINE v16 v16_even(v16 a, v16 b)
{
    return _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b);
}
V16_INLINE v16 v16_odd(v16 a, v16 b)
{
    return _mm512_permutex2var_ps(a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b);
}
/* interleaved e, f: lo = e0 f0 e1 f1 .. e7 f7, hi = e8 f8 .. e15 f15 */
V16_INLINE v16 v16_zip_lo(v16 e, v16 f)
{
    return _mm512_permutex2var_ps(e, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), f);
}
V16_INLINE v16 v16_zip_hi(v16 e, v16 f)
{
    return _mm512_permutex2var_ps(e, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), f);
}
/* lanes whose off[i] != -1 gathered from base[off[i]], the others 0 */
V16_INLINE v16 v16_gather_or0(const int32_t *off, const float *base)
{
    const __m512i o = _mm512_loadu_si512(off);
    const __mmask16 m = _mm512_cmpneq_epi32_mask(o, _mm512_set1_epi32(-1));
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, o, base, 4);
}
/* v where v > m or v is NaN, else m (MaxPool's step, the reference's comparison) */
V16_INLINE v16 v16_max_step(v16 m, v16 v)
{
    const __mmask16 take = _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_ps(m, take, v);
}
/* 16 x 16 transpose in registers: r[i] lane j -> r[j] lane i */
V16_INLINE void v16_transpose16(v16 r[16])
{
    __m512 a[16], b[16];
    for (int i = 0; i < 8; i++) {
        a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a0 = _mm512_castps_pd(a[4 * i]), a1 = _mm512_castps_pd(a[4 * i + 1]);
        const __m512d a2 = _mm512_castps_pd(a[4 * i + 2]), a3 = _mm512_castps_pd(a[4 * i + 3]);
        b[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
        b[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
        b[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
        b[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    /* b[4g + j]: rows 4g..4g+3 of columns j, j+4, j+8, j+12 (one per 128-bit lane) */
    for (int j = 0; j < 4; j++) {
        const __m512 c1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x88), c2 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xDD);
        const __m512 d1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x88);
        const __m512 d2 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xDD);
        r[j] = _mm512_shuffle_f32x4(c1, d1, 0x88);
        r[j + 8] = _mm512_shuffle_f32x4(c1, d1, 0xDD);
        r[j + 4] = _mm512_shuffle_f32x4(c2, d2, 0x88);
        r[j + 12] = _mm512_shuffle_f32x4(c2, d2, 0xDD);
    }
}
#elif defined(__AVX2__) && defined(__FMA__)
#define V16_AVX512 0
#define V16_SFX(name) name##_avx2
#define V16_ISA_NAME "avx2"
typedef struct {
    __m256 l, h;
} v16;
typedef uint16_t m16;
V16_INLINE v16 v16_make(__m256 l, __m256 h)
{
    v16 v;
    v.l = l;
    v.h = h;
    return v;
}
/* the ymm masks of lanes 0-7 and 8-15 of m */
V16_INLINE __m256i v16_m8(unsigned bits)
{
    const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), sel), sel);
}
V16_INLINE v16 v16_loadu(const float *p) { return v16_make(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)); }
V16_INLINE void v16_storeu(float *p, v16 v)
{
    _mm256_storeu_ps(p, v.l);
    _mm256_storeu_ps(p + 8, v.h);
}
V16_INLINE v16 v16_maskz_loadu(m16 m, const float *p)
{
    if (m == 0xFFFF) return v16_loadu(p);
    const __m256 z = _mm256_setzero_ps();
    return v16_make((m & 0xFF) ? _mm256_maskload_ps(p, v16_m8(m & 0xFFu)) : z,
                    (m >> 8) ? _mm256_maskload_ps(p + 8, v16_m8((unsigned)m >> 8)) : z);
}
V16_INLINE void v16_mask_storeu(float *p, m16 m, v16 v)
{
    if (m == 0xFFFF) {
        v16_storeu(p, v);
        return;
    }
    if (m & 0xFF) _mm256_maskstore_ps(p, v16_m8(m & 0xFFu), v.l);
    if (m >> 8) _mm256_maskstore_ps(p + 8, v16_m8((unsigned)m >> 8), v.h);
}
V16_INLINE v16 v16_set1(float f)
{
    const __m256 v = _mm256_set1_ps(f);
    return v16_make(v, v);
}
V16_INLINE v16 v16_zero(void) { return v16_make(_mm256_setzero_ps(), _mm256_setzero_ps()); }
V16_INLINE v16 v16_fmadd(v16 a, v16 b, v16 c) { return v16_make(_mm256_fmadd_ps(a.l, b.l, c.l), _mm256_fmadd_ps(a.h, b.h, c.h)); }
V16_INLINE v16 v16_add(v16 a, v16 b) { return v16_make(_mm256_add_ps(a.l, b.l), _mm256_add_ps(a.h, b.h)); }
V16_INLINE v16 v16_sub(v16 a, v16 b) { return v16_make(_mm256_sub_ps(a.l, b.l), _mm256_sub_ps(a.h, b.h)); }
V16_INLINE v16 v16_max(v16 a, v16 b) { return v16_make(_mm256_max_ps(a.l, b.l), _mm256_max_ps(a.h, b.h)); }
V16_INLINE v16 v16_div(v16 a, v16 b) { return v16_make(_mm256_div_ps(a.l, b.l), _mm256_div_ps(a.h, b.h)); }
V16_INLINE v16 v16_min(v16 a, v16 b) { return v16_make(_mm256_min_ps(a.l, b.l), _mm256_min_ps(a.h, b.h)); }
V16_INLINE __m256 v8_from_q8(__m128i b, int is_u8) { return _mm256_cvtepi32_ps(is_u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b)); }
V16_INLINE v16 v16_load_q8(const uint8_t *p, m16 m, int is_u8)
{
    __m128i b;
    if (m == 0xFFFF) {
        b = _mm_loadu_si128((const __m128i *)p);
    } else { /* the lanes m are [0, n) */
        uint8_t t[16] = {0};
        memcpy(t, p, (size_t)__builtin_popcount(m));
        b = _mm_loadu_si128((const __m128i *)t);
    }
    return v16_make(v8_from_q8(b, is_u8), v8_from_q8(_mm_srli_si128(b, 8), is_u8));
}
V16_INLINE __m256i v8_q8(__m256 v, int add, int lo)
{
    const __m256i q = _mm256_max_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(v), _mm256_set1_epi32(add)), _mm256_set1_epi32(lo));
    return _mm256_and_si256(q, _mm256_set1_epi32(0xFF));
}
V16_INLINE void v16_store_q8(uint8_t *y, m16 m, v16 v, int add, int lo)
{
    /* the low bytes: 0..255 pack without saturating; then the 4-byte groups back in lane order */
    const __m256i w = _mm256_packus_epi32(v8_q8(v.l, add, lo), v8_q8(v.h, add, lo));
    const __m256i q = _mm256_packus_epi16(w, w);
    const __m128i b = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(q, _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5)));
    if (m == 0xFFFF) {
        _mm_storeu_si128((__m128i *)y, b);
        return;
    }
    uint8_t t[16];
    _mm_storeu_si128((__m128i *)t, b);
    memcpy(y, t, (size_t)__builtin_popcount(m));
}
V16_INLINE float v16_reduce_add(v16 a)
{
    /* the order of _mm512_reduce_add_ps: halves, then quarters, then pairs */
    const __m256 s8 = _mm256_add_ps(a.l, a.h);
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}
/* even / odd elements of 8 + 8 floats, in order */
V16_INLINE __m256 v8_even(__m256 a, __m256 b)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
}
V16_INLINE __m256 v8_odd(__m256 a, __m256 b)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}
V16_INLINE v16 v16_even(v16 a, v16 b) { return v16_make(v8_even(a.l, a.h), v8_even(b.l, b.h)); }
V16_INLINE v16 v16_odd(v16 a, v16 b) { return v16_make(v8_odd(a.l, a.h), v8_odd(b.l, b.h)); }
/* e0 f0 .. e3 f3 | e4 f4 .. e7 f7 of 8 + 8 floats */
V16_INLINE void v8_zip(__m256 e, __m256 f, __m256 *lo, __m256 *hi)
{
    const __m256 a = _mm256_unpacklo_ps(e, f), b = _mm256_unpackhi_ps(e, f); /* e0f0e1f1 e4f4e5f5 | e2f2e3f3 e6f6e7f7 */
    *lo = _mm256_permute2f128_ps(a, b, 0x20);
    *hi = _mm256_permute2f128_ps(a, b, 0x31);
}
V16_INLINE v16 v16_zip_lo(v16 e, v16 f)
{
    v16 r;
    v8_zip(e.l, f.l, &r.l, &r.h);
    return r;
}
V16_INLINE v16 v16_zip_hi(v16 e, v16 f)
{
    v16 r;
    v8_zip(e.h, f.h, &r.l, &r.h);
    return r;
}
V16_INLINE v16 v16_gather_or0(const int32_t *off, const float *base)
{
    const __m256i neg = _mm256_set1_epi32(-1), z = _mm256_setzero_si256();
    const __m256i o0 = _mm256_loadu_si256((const __m256i *)off), o1 = _mm256_loadu_si256((const __m256i *)(off + 8));
    const __m256 m0 = _mm256_castsi256_ps(_mm256_xor_si256(_mm256_cmpeq_epi32(o0, neg), neg));
    const __m256 m1 = _mm256_castsi256_ps(_mm256_xor_si256(_mm256_cmpeq_epi32(o1, neg), neg));
    /* masked-off lanes read nothing; their offsets are made 0 as well */
    return v16_make(_mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, _mm256_blendv_epi8(z, o0, _mm256_castps_si256(m0)), m0, 4),
                    _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, _mm256_blendv_epi8(z, o1, _mm256_castps_si256(m1)), m1, 4));
}
V16_INLINE __m256 v8_max_step(__m256 m, __m256 v)
{
    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return _mm256_blendv_ps(m, v, take);
}
V16_INLINE v16 v16_max_step(v16 m, v16 v) { return v16_make(v8_max_step(m.l, v.l), v8_max_step(m.h, v.h)); }
/* 8 x 8 transpose: r[i] lane j -> r[j] lane i */
V16_INLINE void v8_transpose8(__m256 r[8])
{
    __m256 a[8], b[8];
    for (int i = 0; i < 4; i++) {
        a[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        b[4 * i] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0x44);
        b[4 * i + 1] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0xEE);
        b[4 * i + 2] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0x44);
        b[4 * i + 3] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(b[j], b[4 + j], 0x20);
        r[j + 4] = _mm256_permute2f128_ps(b[j], b[4 + j], 0x31);
    }
}
V16_INLINE void v16_transpose16(v16 r[16])
{
    __m256 q[4][8]; /* q[2 * (rows >= 8) + (lanes >= 8)] */
    for (int i = 0; i < 8; i++) {
        q[0][i] = r[i].l;
        q[1][i] = r[i].h;
        q[2][i] = r[8 + i].l;
        q[3][i] = r[8 + i].h;
    }
    for (int b = 0; b < 4; b++) v8_transpose8(q[b]);
    for (int j = 0; j < 8; j++) {
        r[j] = v16_make(q[0][j], q[2][j]);
        r[8 + j] = v16_make(q[1][j], q[3][j]);
    }
}
#else
#error "f32-v16.h: build with -mavx512f or -mavx2 -mfma"
#endif

/* the lanes [0, n) of a vector (n <= 16) */
V16_INLINE m16 v16_mask_n(int n) { return n >= 16 ? (m16)0xFFFF : (m16)((1u << (n > 0 ? n : 0)) - 1); }

#endif
