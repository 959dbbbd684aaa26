/*
 * int8 convolution with AVX-512 VNNI (vpdpbusd: u8 x s8, four products summed into each int32).
 *
 * Activations become unsigned: int8 x is stored as u = x ^ 0x80 = x + 128, uint8 as is, so
 * sum (x - zx) w = sum u w - zu sum w with zu = zx (+ 128 for int8). The term zu sum w is folded
 * into the packed bias once; padding stores u = zu, which then contributes exactly 0. All sums are
 * exact in int32 (wrapping the same way as the reference), so the results are bit-identical.
 *
 * Packed weights: int32 bias'[c_out] (64-byte aligned), then per output channel Kq = ceil(K/4)
 * words of 4 int8 weights (zero past K). Panel: per block of output pixels, [Kq][pixels][4] bytes.
 * Micro-kernel: MR <= 8 output channels x NV <= 3 vectors of 16 pixels in 24 zmm accumulators.
 */
#include "kernels/config.h"
#include "kernels/x86/qconv_common.h"

#include <immintrin.h>

#define MR 8
#define NV 3

static int vnni_supports(const dlk_qconv_params *p)
{
    return qc_geom_ok(&p->g) && p->w_type == DLK_Q_I8 && !p->w_zp && p->x_zp >= dlk_q8_lo(p->x_type) &&
           p->x_zp <= dlk_q8_hi(p->x_type) && p->y_zp >= dlk_q8_lo(p->y_type) && p->y_zp <= dlk_q8_hi(p->y_type);
}

static int kdim(const dlk_conv_geom *g) { return g->c_in / g->group * g->kh * g->kw; }

static size_t vnni_packed_bytes(const dlk_qconv_params *p)
{
    const int Kq = (kdim(&p->g) + 3) / 4;
    return qc_align64(sizeof(int32_t) * (size_t)p->g.c_out) + sizeof(int32_t) * (size_t)p->g.c_out * Kq;
}

static void vnni_pack(const dlk_qconv_params *p, const void *w, const int32_t *bias, void *dst)
{
    const int K = kdim(&p->g), Kq = (K + 3) / 4, M = p->g.c_out;
    const int zu = p->x_type == DLK_Q_I8 ? p->x_zp + 128 : p->x_zp;
    int32_t *b = dst;
    int8_t *wp = (int8_t *)((uint8_t *)dst + qc_align64(sizeof(int32_t) * (size_t)M));
    const int8_t *ws = w;
    for (int co = 0; co < M; co++) {
        uint32_t sum = 0;
        for (int k = 0; k < Kq * 4; k++) {
            const int8_t v = k < K ? ws[(ptrdiff_t)co * K + k] : 0;
            wp[(ptrdiff_t)co * Kq * 4 + k] = v;
            sum += (uint32_t)(int32_t)v;
        }
        /* bias - zu * sum(w), wrapping as int32 arithmetic does in the kernel */
        b[co] = (int32_t)((bias ? (uint32_t)bias[co] : 0u) - (uint32_t)zu * sum);
    }
}

static int block_pixels(const dlk_conv_geom *g)
{
    const int Kq = (kdim(g) + 3) / 4;
    return qc_block_pixels(g, (size_t)Kq * 4, 16 * NV);
}

static size_t vnni_scratch(const dlk_qconv_params *p)
{
    const int Kq = (kdim(&p->g) + 3) / 4;
    const int pb = (block_pixels(&p->g) + 15) / 16 * 16;
    return qc_align64((size_t)Kq * 4 * pb) + 4 * qc_align64((size_t)p->g.w_out + 16);
}

/* dst[4i + t] = line_t[i] ^ xm for i < L */
static void interleave4(uint8_t *dst, const uint8_t *a, const uint8_t *b, const uint8_t *c, const uint8_t *d,
                        int L, uint8_t xm)
{
    const __m128i m = _mm_set1_epi8((char)xm);
    int i = 0;
    for (; i + 16 <= L; i += 16) {
        const __m128i A = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(a + i)), m);
        const __m128i B = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(b + i)), m);
        const __m128i C = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(c + i)), m);
        const __m128i D = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(d + i)), m);
        const __m128i ab0 = _mm_unpacklo_epi8(A, B), ab1 = _mm_unpackhi_epi8(A, B);
        const __m128i cd0 = _mm_unpacklo_epi8(C, D), cd1 = _mm_unpackhi_epi8(C, D);
        _mm_storeu_si128((__m128i *)(dst + 4 * i), _mm_unpacklo_epi16(ab0, cd0));
        _mm_storeu_si128((__m128i *)(dst + 4 * i + 16), _mm_unpackhi_epi16(ab0, cd0));
        _mm_storeu_si128((__m128i *)(dst + 4 * i + 32), _mm_unpacklo_epi16(ab1, cd1));
        _mm_storeu_si128((__m128i *)(dst + 4 * i + 48), _mm_unpackhi_epi16(ab1, cd1));
    }
    if (i < L) { /* the last 1..15 pixels: masked loads and stores */
        const int r = L - i;
        const __mmask16 lm = (__mmask16)((1u << r) - 1);
        const __m128i A = _mm_xor_si128(_mm_maskz_loadu_epi8(lm, a + i), m);
        const __m128i B = _mm_xor_si128(_mm_maskz_loadu_epi8(lm, b + i), m);
        const __m128i C = _mm_xor_si128(_mm_maskz_loadu_epi8(lm, c + i), m);
        const __m128i D = _mm_xor_si128(_mm_maskz_loadu_epi8(lm, d + i), m);
        const __m128i ab0 = _mm_unpacklo_epi8(A, B), ab1 = _mm_unpackhi_epi8(A, B);
        const __m128i cd0 = _mm_unpacklo_epi8(C, D), cd1 = _mm_unpackhi_epi8(C, D);
        __m512i v = _mm512_castsi128_si512(_mm_unpacklo_epi16(ab0, cd0));
        v = _mm512_inserti32x4(v, _mm_unpackhi_epi16(ab0, cd0), 1);
        v = _mm512_inserti32x4(v, _mm_unpacklo_epi16(ab1, cd1), 2);
        v = _mm512_inserti32x4(v, _mm_unpackhi_epi16(ab1, cd1), 3);
        _mm512_mask_storeu_epi8(dst + 4 * i, r == 16 ? ~(__mmask64)0 : (((__mmask64)1 << (4 * r)) - 1), v);
    }
}

/* Panel for output pixels [p0, p0 + pn) of one image and group: [Kq][pstride][4]. */
static void pack_panel(const dlk_qconv_params *p, const uint8_t *xg, int p0, int pn, int pstride, uint8_t *panel,
                       uint8_t *lines)
{
    const dlk_conv_geom *g = &p->g;
    const int K = kdim(g), Kq = (K + 3) / 4;
    const uint8_t zx = (uint8_t)p->x_zp, xm = p->x_type == DLK_Q_I8 ? 0x80 : 0;
    const size_t lb = qc_align64((size_t)g->w_out + 16);
    if (g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 && g->pad_l == 0 &&
        g->h_in == g->h_out && g->w_in == g->w_out) { /* pointwise: the block is one contiguous line */
        const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
        for (int kq = 0; kq < Kq; kq++) {
            const uint8_t *ln[4];
            for (int t = 0; t < 4; t++) {
                const int k = kq * 4 + t;
                if (k < K) {
                    ln[t] = xg + k * in_plane + p0;
                } else {
                    memset(lines + t * lb, zx, (size_t)(pn < (int)lb ? pn : (int)lb));
                    ln[t] = NULL;
                }
            }
            for (int t = 0; t < 4; t++) /* a padded k: any byte does (its weight is 0) */
                if (!ln[t]) ln[t] = ln[0];
            interleave4(panel + (size_t)kq * pstride * 4, ln[0], ln[1], ln[2], ln[3], pn, xm);
        }
        return;
    }
    int done = 0;
    while (done < pn) {
        const int pix = p0 + done, oh = pix / g->w_out, ow0 = pix % g->w_out;
        int L = g->w_out - ow0;
        if (L > pn - done) L = pn - done;
        for (int kq = 0; kq < Kq; kq++) {
            const uint8_t *ln[4];
            for (int t = 0; t < 4; t++) {
                const int k = kq * 4 + t;
                uint8_t *buf = lines + t * lb;
                if (k >= K) {
                    memset(buf, zx, (size_t)L);
                    ln[t] = buf;
                    continue;
                }
                int off;
                const uint8_t *xr = qc_row(g, xg, k, oh, &off);
                ln[t] = qc_line(xr, g->w_in, off + ow0 * g->sw, g->sw, L, zx, buf);
            }
            interleave4(panel + ((size_t)kq * pstride + done) * 4, ln[0], ln[1], ln[2], ln[3], L, xm);
        }
        done += L;
    }
}

typedef struct {
    const float *scale;   /* [MR] */
    __m512 flo, fhi;
    __m512i zp;
} requant_t;

static inline __attribute__((always_inline)) void ukr(const int mr, const int nv, int Kq, const uint8_t *xp,
                                                      size_t xstride, const int32_t *w, const int32_t *bias,
                                                      const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    __m512i acc[MR][NV];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = _mm512_set1_epi32(bias[r]);
    for (int kq = 0; kq < Kq; kq++) {
        __m512i xv[NV];
        for (int j = 0; j < nv; j++) xv[j] = _mm512_loadu_si512((const void *)(xp + kq * xstride + 64 * j));
        for (int r = 0; r < mr; r++) {
            const __m512i wb = _mm512_set1_epi32(w[(size_t)r * Kq + kq]);
            for (int j = 0; j < nv; j++) acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], xv[j], wb);
        }
    }
    for (int r = 0; r < mr; r++) {
        const __m512 s = _mm512_set1_ps(rq->scale[r]);
        for (int j = 0; j < nv; j++) {
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][j]), s);
            v = _mm512_min_ps(_mm512_max_ps(v, rq->flo), rq->fhi); /* NaN -> lo, as the reference */
            const __m128i q = _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(v), rq->zp));
            const int n = nvalid - 16 * j;
            if (n >= 16) _mm_storeu_si128((__m128i *)(y + r * ystride + 16 * j), q);
            else if (n > 0) _mm_mask_storeu_epi8(y + r * ystride + 16 * j, (__mmask16)((1u << n) - 1), q);
        }
    }
}

#define UKR_CASE(M_, N_) \
    case (M_) * 4 + (N_): ukr(M_, N_, Kq, xp, xstride, w, bias, rq, y, ystride, nvalid); break;

static void ukr_any(int mr, int nv, int Kq, const uint8_t *xp, size_t xstride, const int32_t *w, const int32_t *bias,
                    const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    switch (mr * 4 + nv) {
        UKR_CASE(1, 1) UKR_CASE(1, 2) UKR_CASE(1, 3)
        UKR_CASE(2, 1) UKR_CASE(2, 2) UKR_CASE(2, 3)
        UKR_CASE(3, 1) UKR_CASE(3, 2) UKR_CASE(3, 3)
        UKR_CASE(4, 1) UKR_CASE(4, 2) UKR_CASE(4, 3)
        UKR_CASE(5, 1) UKR_CASE(5, 2) UKR_CASE(5, 3)
        UKR_CASE(6, 1) UKR_CASE(6, 2) UKR_CASE(6, 3)
        UKR_CASE(7, 1) UKR_CASE(7, 2) UKR_CASE(7, 3)
        UKR_CASE(8, 1) UKR_CASE(8, 2) UKR_CASE(8, 3)
    default: break;
    }
}

static void vnni_run(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch, int ith,
                     int nth)
{
    const dlk_conv_geom *g = &p->g;
    const int K = kdim(g), Kq = (K + 3) / 4, M = g->c_out;
    const int cin_g = g->c_in / g->group, cout_g = M / g->group;
    const int64_t P = (int64_t)g->h_out * g->w_out;
    const int pb = block_pixels(g), pstride = (pb + 15) / 16 * 16;
    const int64_t nblk = (P + pb - 1) / pb, items = (int64_t)g->n * g->group * nblk;
    const int32_t *bias = packed;
    const int32_t *wq = (const int32_t *)((const uint8_t *)packed + qc_align64(sizeof(int32_t) * (size_t)M));
    uint8_t *panel = scratch, *lines = panel + qc_align64((size_t)Kq * 4 * pstride);
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    int64_t i0, i1;
    int c0, c1;
    qc_split(items, cout_g, ith, nth, &i0, &i1, &c0, &c1);
    requant_t rq;
    rq.flo = _mm512_set1_ps((float)(p->y_lo - p->y_zp));
    rq.fhi = _mm512_set1_ps((float)(p->y_hi - p->y_zp));
    rq.zp = _mm512_set1_epi32(p->y_zp);
    for (int64_t it = i0; it < i1; it++) {
        const int64_t blk = it % nblk, ng = it / nblk;
        const int grp = (int)(ng % g->group), n = (int)(ng / g->group);
        const int p0 = (int)(blk * pb), pn = (int)(P - p0 < pb ? P - p0 : pb);
        const uint8_t *xg = (const uint8_t *)x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g) * in_plane;
        pack_panel(p, xg, p0, pn, pstride, panel, lines);
        for (int cb = c0; cb < c1; cb += MR) {
            const int mr = c1 - cb < MR ? c1 - cb : MR;
            const int co = grp * cout_g + cb;
            rq.scale = p->scale + co;
            uint8_t *yb = (uint8_t *)y + ((ptrdiff_t)n * M + co) * P + p0;
            for (int q0 = 0; q0 < pn; q0 += 16 * NV) {
                const int nvalid = pn - q0 < 16 * NV ? pn - q0 : 16 * NV;
                ukr_any(mr, (nvalid + 15) / 16, Kq, panel + (size_t)q0 * 4, (size_t)pstride * 4, wq + (size_t)co * Kq,
                        bias + co, &rq, yb + q0, (size_t)P, nvalid);
            }
        }
    }
}

const dlk_qconv_impl dlk_qconv_vnni512 = {"vnni512", vnni_supports, vnni_packed_bytes, vnni_pack, vnni_scratch,
                                          vnni_run};
