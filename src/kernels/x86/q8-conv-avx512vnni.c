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
 * Micro-kernel: MR <= 8 output channels x NV <= 3 vectors of 16 pixels in 24 zmm accumulators,
 * over taps of Cq channel quads (an im2col panel is one tap of Kq quads).
 */
#include "kernels/config.h"
#include "kernels/q8-conv-gemm.h"
#include "kernels/q8-im2col.h"

#include <immintrin.h>

#define MR 8
#define NV 3

/* the direct path packs each input element once (im2col: once per tap), which pays even when a
 * stride-2 row of outputs fills only part of a vector */
#define DIRECT_MIN_W 1
#define MAX_TAPS 64      /* the direct path keeps its tap offsets on the stack: up to 8x8 kernels */

static int vnni_supports(const dlk_qconv_params *p)
{
    return dlk_conv_geom_ok(&p->g) && p->g.kh * p->g.kw <= 1024 && p->w_type == DLK_Q_I8 && !p->w_zp && p->x_zp >= dlk_q8_lo(p->x_type) &&
           p->x_zp <= dlk_q8_hi(p->x_type) && p->y_zp >= dlk_q8_lo(p->y_type) && p->y_zp <= dlk_q8_hi(p->y_type);
}


/* The direct path (stride 1, rows of at least 32 outputs): no im2col. A band of input rows is
 * packed once as [Cq][rows][padded width][4 channels] and each tap reads its 16 pixels as one
 * shifted load; the weights are then ordered [co][tap][Cq]. */
static int use_direct(const dlk_conv_geom *g) { return dlk_conv_direct_ok(g, DIRECT_MIN_W, MAX_TAPS); }
static int cqdim(const dlk_conv_geom *g) { return (g->c_in / g->group + 3) / 4; }

static size_t wbytes_im2col(const dlk_qconv_params *p)
{
    return dlk_align64(sizeof(int32_t) * (size_t)p->g.c_out * ((dlk_conv_kdim(&p->g) + 3) / 4));
}

static size_t vnni_packed_bytes(const dlk_qconv_params *p)
{
    const dlk_conv_geom *g = &p->g;
    size_t b = dlk_align64(sizeof(int32_t) * (size_t)g->c_out) + wbytes_im2col(p);
    if (use_direct(g)) b += sizeof(int32_t) * (size_t)g->c_out * g->kh * g->kw * cqdim(g);
    return b;
}

static void vnni_pack(const dlk_qconv_params *p, const void *w, const int32_t *bias, void *dst)
{
    const int K = dlk_conv_kdim(&p->g), Kq = (K + 3) / 4, M = p->g.c_out;
    const int zu = p->x_type == DLK_Q_I8 ? p->x_zp + 128 : p->x_zp;
    int32_t *b = dst;
    int8_t *wp = (int8_t *)((uint8_t *)dst + dlk_align64(sizeof(int32_t) * (size_t)M));
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
    if (use_direct(&p->g)) {
        const dlk_conv_geom *g = &p->g;
        const int cin_g = g->c_in / g->group, Cq = cqdim(g), taps = g->kh * g->kw;
        int8_t *wd = (int8_t *)((uint8_t *)dst + dlk_align64(sizeof(int32_t) * (size_t)M) + wbytes_im2col(p));
        for (int co = 0; co < M; co++)
            for (int t = 0; t < taps; t++)
                for (int c = 0; c < Cq * 4; c++)
                    wd[(((ptrdiff_t)co * taps + t) * Cq) * 4 + c] = c < cin_g ? ws[(ptrdiff_t)co * K + c * taps + t] : 0;
    }
}

static const dlk_q8_gemm_ukernel ukernel; /* the im2col path's pieces for the driver (below) */

/* direct path: padded input columns per phase (stride 2 keeps even and odd columns apart, so that
 * every tap still reads 16 consecutive bytes-quads), output rows per band, input rows per band */
static size_t direct_rowbytes(const dlk_conv_geom *g) { return (size_t)g->sw * dlk_conv_direct_wp(g) * 4; }
static int direct_rows(const dlk_conv_geom *g)
{
    const size_t row = (size_t)cqdim(g) * direct_rowbytes(g);
    int r = (int)((128 * 1024 / row - (size_t)(g->kh - 1) * g->dh) / (size_t)g->sh);
    if ((size_t)(g->kh - 1) * g->dh >= 128 * 1024 / row) r = 1;
    if (r < 1) r = 1;
    if (r > g->h_out) r = g->h_out;
    return r;
}
static int direct_band_in(const dlk_conv_geom *g) { return (direct_rows(g) - 1) * g->sh + (g->kh - 1) * g->dh + 1; }

static size_t vnni_scratch(const dlk_qconv_params *p)
{
    const dlk_conv_geom *g = &p->g;
    if (use_direct(g))
        return dlk_align64((size_t)cqdim(g) * direct_band_in(g) * direct_rowbytes(g) + 64 * NV + 64) +
               4 * dlk_align64((size_t)g->sw * dlk_conv_direct_wp(g) + 16);
    return dlk_q8_gemm_scratch_bytes(&ukernel, g);
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

/* Stride 2: ev[4i + t] = line_t[2i] ^ xm and od[4i + t] = line_t[2i + 1] ^ xm for i < n (the lines
 * hold 2n bytes) */
static void interleave4_deint2(uint8_t *ev, uint8_t *od, const uint8_t *a, const uint8_t *b, const uint8_t *c,
                               const uint8_t *d, int n, uint8_t xm)
{
    const __m128i m = _mm_set1_epi8((char)xm);
    int i = 0;
    for (; i + 8 <= n; i += 8) { /* 16 input columns -> 8 even and 8 odd pixel quads */
        const __m128i A = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(a + 2 * i)), m);
        const __m128i B = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(b + 2 * i)), m);
        const __m128i C = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(c + 2 * i)), m);
        const __m128i D = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(d + 2 * i)), m);
        const __m128i ab0 = _mm_unpacklo_epi8(A, B), ab1 = _mm_unpackhi_epi8(A, B);
        const __m128i cd0 = _mm_unpacklo_epi8(C, D), cd1 = _mm_unpackhi_epi8(C, D);
        const __m128 q0 = _mm_castsi128_ps(_mm_unpacklo_epi16(ab0, cd0)), q1 = _mm_castsi128_ps(_mm_unpackhi_epi16(ab0, cd0));
        const __m128 q2 = _mm_castsi128_ps(_mm_unpacklo_epi16(ab1, cd1)), q3 = _mm_castsi128_ps(_mm_unpackhi_epi16(ab1, cd1));
        _mm_storeu_ps((float *)(ev + 4 * i), _mm_shuffle_ps(q0, q1, _MM_SHUFFLE(2, 0, 2, 0)));
        _mm_storeu_ps((float *)(ev + 4 * i + 16), _mm_shuffle_ps(q2, q3, _MM_SHUFFLE(2, 0, 2, 0)));
        _mm_storeu_ps((float *)(od + 4 * i), _mm_shuffle_ps(q0, q1, _MM_SHUFFLE(3, 1, 3, 1)));
        _mm_storeu_ps((float *)(od + 4 * i + 16), _mm_shuffle_ps(q2, q3, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    for (; i < n; i++) {
        ev[4 * i] = a[2 * i] ^ xm, ev[4 * i + 1] = b[2 * i] ^ xm, ev[4 * i + 2] = c[2 * i] ^ xm, ev[4 * i + 3] = d[2 * i] ^ xm;
        od[4 * i] = a[2 * i + 1] ^ xm, od[4 * i + 1] = b[2 * i + 1] ^ xm, od[4 * i + 2] = c[2 * i + 1] ^ xm;
        od[4 * i + 3] = d[2 * i + 1] ^ xm;
    }
}

/* Panel for output pixels [p0, p0 + pn) of one image and group: [Kq][pstride][4]. */
static void pack_panel(const dlk_qconv_params *p, const uint8_t *xg, int p0, int pn, int pstride, uint8_t *panel,
                       uint8_t *lines)
{
    const dlk_conv_geom *g = &p->g;
    const int K = dlk_conv_kdim(g), Kq = (K + 3) / 4;
    const uint8_t zx = (uint8_t)p->x_zp, xm = p->x_type == DLK_Q_I8 ? 0x80 : 0;
    const size_t lb = dlk_q8_gemm_line_bytes(g);
    if (dlk_conv_is_pointwise(g)) { /* the block is one contiguous line */
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
            q8_lines(p, xg, K, kq * 4, 4, oh, ow0, L, lines, lb, ln);
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

/* One output row chunk: MR channels x NV vectors; x at the band's (row oh, column ow), tap offsets
 * and the Cq stride in bytes. */
static inline __attribute__((always_inline)) void ukr_direct(const int mr, const int nv, int taps, const int *toff,
                                                             int Cq, size_t cqstride, const uint8_t *xp,
                                                             const int32_t *w, const int32_t *bias,
                                                             const requant_t *rq, uint8_t *y, size_t ystride,
                                                             int nvalid)
{
    __m512i acc[MR][NV];
    const size_t wrow = (size_t)taps * Cq;
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = _mm512_set1_epi32(bias[r]);
    for (int t = 0; t < taps; t++) {
        const uint8_t *xt = xp + toff[t];
        const int32_t *wt = w + (size_t)t * Cq;
        for (int cq = 0; cq < Cq; cq++) {
            __m512i xv[NV];
            for (int j = 0; j < nv; j++) xv[j] = _mm512_loadu_si512((const void *)(xt + cq * cqstride + 64 * j));
            for (int r = 0; r < mr; r++) {
                const __m512i wb = _mm512_set1_epi32(wt[r * wrow + cq]);
                for (int j = 0; j < nv; j++) acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], xv[j], wb);
            }
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

#define UKD_CASE(M_, N_) \
    case (M_) * 4 + (N_): ukr_direct(M_, N_, taps, toff, Cq, cqstride, xp, w, bias, rq, y, ystride, nvalid); break;

static void ukd_any(int mr, int nv, int taps, const int *toff, int Cq, size_t cqstride, const uint8_t *xp,
                    const int32_t *w, const int32_t *bias, const requant_t *rq, uint8_t *y, size_t ystride, int nvalid)
{
    switch (mr * 4 + nv) {
        UKD_CASE(1, 1) UKD_CASE(1, 2) UKD_CASE(1, 3)
        UKD_CASE(2, 1) UKD_CASE(2, 2) UKD_CASE(2, 3)
        UKD_CASE(3, 1) UKD_CASE(3, 2) UKD_CASE(3, 3)
        UKD_CASE(4, 1) UKD_CASE(4, 2) UKD_CASE(4, 3)
        UKD_CASE(5, 1) UKD_CASE(5, 2) UKD_CASE(5, 3)
        UKD_CASE(6, 1) UKD_CASE(6, 2) UKD_CASE(6, 3)
        UKD_CASE(7, 1) UKD_CASE(7, 2) UKD_CASE(7, 3)
        UKD_CASE(8, 1) UKD_CASE(8, 2) UKD_CASE(8, 3)
    default: break;
    }
}


/* The lines of input channels 4 cq .. 4 cq + 3 (past the group's: all zero point) at input row ih
 * (outside the image: all zero point), columns i * sw + off for i < L (q8_line). */
static inline __attribute__((always_inline)) void quad_lines(const dlk_conv_geom *g, const uint8_t *xg, int cq, int ih,
                                                              int off, int sw, int L, uint8_t zx, uint8_t *lines,
                                                              size_t lb, const uint8_t **ln)
{
    const int cin_g = g->c_in / g->group;
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    for (int t = 0; t < 4; t++) {
        const int c = cq * 4 + t;
        const uint8_t *xr =
            c < cin_g && ih >= 0 && ih < g->h_in ? xg + (ptrdiff_t)c * in_plane + (ptrdiff_t)ih * g->w_in : NULL;
        ln[t] = q8_line(xr, g->w_in, off, sw, L, zx, lines + t * lb);
    }
}

static void direct_run(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch, int ith,
                       int nth)
{
    const dlk_conv_geom *g = &p->g;
    const int M = g->c_out, cin_g = g->c_in / g->group, cout_g = M / g->group;
    const int Cq = cqdim(g), taps = g->kh * g->kw, Wp = dlk_conv_direct_wp(g), R = dlk_conv_fit_block(g->h_out, direct_rows(g), (int64_t)g->n * g->group, nth, 1), BR = direct_band_in(g);
    const size_t rowb = direct_rowbytes(g);
    const int64_t P = (int64_t)g->h_out * g->w_out;
    const int64_t nband = (g->h_out + R - 1) / R, items = (int64_t)g->n * g->group * nband;
    const int32_t *bias = packed;
    const int32_t *wd = (const int32_t *)((const uint8_t *)packed + dlk_align64(sizeof(int32_t) * (size_t)M) +
                                          wbytes_im2col(p));
    uint8_t *band = scratch;
    uint8_t *lines = band + dlk_align64((size_t)Cq * BR * rowb + 64 * NV + 64);
    const size_t lb = dlk_align64((size_t)g->sw * Wp + 16), cqstride = (size_t)BR * rowb;
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const uint8_t zx = (uint8_t)p->x_zp, xm = p->x_type == DLK_Q_I8 ? 0x80 : 0;
    int toff[MAX_TAPS];
    for (int t = 0; t < taps; t++) {
        const int cx = (t % g->kw) * g->dw; /* padded column of output 0: phase cx % sw, index cx / sw */
        toff[t] = (int)((size_t)(t / g->kw) * g->dh * rowb + ((size_t)(cx % g->sw) * Wp + (size_t)(cx / g->sw)) * 4);
    }
    const dlk_conv_share sh = dlk_conv_split(items, cout_g, ith, nth);
    requant_t rq;
    rq.flo = _mm512_set1_ps((float)(p->y_lo - p->y_zp));
    rq.fhi = _mm512_set1_ps((float)(p->y_hi - p->y_zp));
    rq.zp = _mm512_set1_epi32(p->y_zp);
    for (int64_t it = sh.i0; it < sh.i1; it++) {
        int n, grp, oh0, rows;
        dlk_conv_item(g, it, nband, R, g->h_out, &n, &grp, &oh0, &rows);
        const uint8_t *xg = (const uint8_t *)x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g) * in_plane;
        /* the band: input rows oh0 - pad_t + [0, rows + (kh-1)*dh), columns -pad_l + [0, Wp) */
        const int nin = (rows - 1) * g->sh + (g->kh - 1) * g->dh + 1;
        for (int cq = 0; cq < Cq; cq++) {
            for (int ir = 0; ir < nin; ir++) {
                const int ih = oh0 * g->sh - g->pad_t + ir;
                const uint8_t *ln[4];
                if (g->sw == 2) { /* four contiguous padded lines, then split into the two phases */
                    quad_lines(g, xg, cq, ih, -g->pad_l, 1, 2 * Wp, zx, lines, lb, ln);
                    uint8_t *d = band + (size_t)cq * cqstride + (size_t)ir * rowb;
                    interleave4_deint2(d, d + (size_t)Wp * 4, ln[0], ln[1], ln[2], ln[3], Wp, xm);
                    continue;
                }
                for (int ph = 0; ph < g->sw; ph++) {
                    quad_lines(g, xg, cq, ih, ph - g->pad_l, g->sw, Wp, zx, lines, lb, ln);
                    interleave4(band + (size_t)cq * cqstride + (size_t)ir * rowb + (size_t)ph * Wp * 4, ln[0], ln[1],
                                ln[2], ln[3], Wp, xm);
                }
            }
        }
        if (g->sh == 1 && g->w_out < 16 * NV) {
            /* short rows: run across them. Output (r, ow) reads the band at r * rowpx + ow plus
             * the tap's offset, so the band rows form one line of "virtual" pixels; those with
             * ow >= w_out are computed and dropped. */
            const int rowpx = (int)(rowb / 4), V = (rows - 1) * rowpx + g->w_out;
            uint8_t tile[MR * 16 * NV];
            for (int cb = sh.c0; cb < sh.c1; cb += MR) {
                const int mr = sh.c1 - cb < MR ? sh.c1 - cb : MR;
                const int co = grp * cout_g + cb;
                rq.scale = p->scale + co;
                uint8_t *yb = (uint8_t *)y + ((ptrdiff_t)n * M + co) * P + (ptrdiff_t)oh0 * g->w_out;
                for (int q0 = 0, nvalid; q0 < V; q0 += nvalid) {
                    nvalid = dlk_tile_chunk(V - q0, 16, NV);
                    ukd_any(mr, (nvalid + 15) / 16, taps, toff, Cq, cqstride, band + (size_t)q0 * 4,
                            wd + (size_t)co * taps * Cq, bias + co, &rq, tile, 16 * NV, nvalid);
                    for (int r = q0 / rowpx; r <= (q0 + nvalid - 1) / rowpx; r++) {
                        const int lo = q0 > r * rowpx ? q0 : r * rowpx;
                        const int hi = q0 + nvalid < r * rowpx + g->w_out ? q0 + nvalid : r * rowpx + g->w_out;
                        for (int m = 0; lo < hi && m < mr; m++)
                            memcpy(yb + (ptrdiff_t)m * P + (ptrdiff_t)r * g->w_out + (lo - r * rowpx),
                                   tile + m * 16 * NV + (lo - q0), (size_t)(hi - lo));
                    }
                }
            }
            continue;
        }
        for (int r = 0; r < rows; r++) {
            const int oh = oh0 + r;
            for (int cb = sh.c0; cb < sh.c1; cb += MR) {
                const int mr = sh.c1 - cb < MR ? sh.c1 - cb : MR;
                const int co = grp * cout_g + cb;
                rq.scale = p->scale + co;
                uint8_t *yb = (uint8_t *)y + ((ptrdiff_t)n * M + co) * P + (ptrdiff_t)oh * g->w_out;
                for (int q0 = 0, nvalid; q0 < g->w_out; q0 += nvalid) {
                    nvalid = dlk_tile_chunk(g->w_out - q0, 16, NV);
                    ukd_any(mr, (nvalid + 15) / 16, taps, toff, Cq, cqstride, band + (size_t)r * g->sh * rowb + (size_t)q0 * 4,
                            wd + (size_t)co * taps * Cq, bias + co, &rq, yb + q0, (size_t)P, nvalid);
                }
            }
        }
    }
}

static void vnni_run(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch, int ith,
                     int nth)
{
    const dlk_conv_geom *g = &p->g;
    if (use_direct(g)) {
        direct_run(p, packed, x, y, scratch, ith, nth);
        return;
    }
    dlk_q8_gemm_run(&ukernel, p, packed, x, y, scratch, ith, nth);
}

/* the driver's strip: the panel is a band of one tap of Kq quads for the direct micro-kernel */
static void strip(const dlk_qconv_params *p, int co, int mr, int pn, int Kq, const uint8_t *xp, size_t xstride,
                  const int32_t *w, const int32_t *bias, uint8_t *y, size_t ystride)
{
    static const int tap0 = 0;
    requant_t rq;
    rq.scale = p->scale + co;
    rq.flo = _mm512_set1_ps((float)(p->y_lo - p->y_zp));
    rq.fhi = _mm512_set1_ps((float)(p->y_hi - p->y_zp));
    rq.zp = _mm512_set1_epi32(p->y_zp);
    for (int q0 = 0, nvalid; q0 < pn; q0 += nvalid) {
        nvalid = dlk_tile_chunk(pn - q0, 16, NV);
        ukd_any(mr, (nvalid + 15) / 16, 1, &tap0, Kq, xstride, xp + (size_t)q0 * 4, w, bias, &rq, y + q0, ystride, nvalid);
    }
}

static const dlk_q8_gemm_ukernel ukernel = {4, MR, 16, NV, pack_panel, strip};

const dlk_qconv_impl dlk_q8_conv_avx512vnni = {"vnni512", vnni_supports, vnni_packed_bytes, vnni_pack, vnni_scratch,
                                          vnni_run};
