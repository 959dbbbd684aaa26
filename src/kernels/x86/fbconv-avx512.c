/*
 * Float convolution with stride 2, or stride 1 on rows of at most 28 outputs, AVX-512, vectorised
 * over output channels: each FMA broadcasts one input value from memory and multiplies it by 16
 * output channels' weights.
 *
 * The pixel-vector kernels (fconv-avx512.c) must first split a stride-2 row into its even and odd
 * columns, and their short rows (28, 14, 7 outputs) fill a vector's 16 lanes badly. Here a vector
 * holds 16 output channels instead, so any stride and any row length cost the same: an output row
 * is cut into segments of at most 12 pixels, and the micro-kernel keeps np <= 12 pixels x nv <= 2
 * blocks of 16 channels in zmm registers. Pixel p of a segment reads its input at p * stride
 * columns from the segment's first: a constant displacement, no gather and no per-pixel pointer.
 *
 * Per (image, band of output rows) the band's input rows are copied once, zero-padded left and
 * right (rows above or below the image are zeros), so that every tap of every output reads inside
 * the band. Weights are packed once: bias padded to whole blocks of 16 channels, then
 * [block of 16 channels][ci][ky][kx][16]. The accumulators are pixel-major; a 16 x 16 transpose in
 * registers turns them into 16 channel rows of np pixels, stored with a mask into the NCHW output.
 * Sums run per output over (ci, ky, kx), the reference's order: within rounding of it.
 */
#include "kernels/config.h"
#include "kernels/x86/fconv_common.h"
#include "kernels/x86/qconv_common.h"

#define BC_NP 12  /* pixels per micro-kernel call at most */
#define BC_MAXK 7 /* kernel sides up to 7 */

static int bc_kdim(const dlk_conv_geom *g) { return g->c_in * g->kh * g->kw; }
static int bc_blocks(const dlk_conv_geom *g) { return (g->c_out + 15) / 16; }
static int bc_wpad(const dlk_conv_geom *g) { return (g->w_out - 1) * g->sw + (g->kw - 1) * g->dw + 1; }
static size_t bc_row_floats(const dlk_conv_geom *g) { return (size_t)g->c_in * bc_wpad(g); }

/* output rows per band: the band's input rows in about 128 KB */
static int bc_rows(const dlk_conv_geom *g)
{
    const size_t row = bc_row_floats(g) * 4, halo = (size_t)(g->kh - 1) * g->dh;
    const size_t fit = 128 * 1024 / row;
    int r = fit > halo ? (int)((fit - halo) / (size_t)g->sh) : 1;
    if (r < 1) r = 1;
    if (r > g->h_out) r = g->h_out;
    return r;
}
static int bc_band_in(const dlk_conv_geom *g, int rows) { return (rows - 1) * g->sh + (g->kh - 1) * g->dh + 1; }

/* stride 2, and stride 1 on rows too short for the pixel-vector kernels */
#define BC_S1_MAX_W 28
static int bc_supports(const dlk_conv_geom *g)
{
    if (!qc_geom_ok(g) || g->group != 1 || g->sh != g->sw || g->kh > BC_MAXK || g->kw > BC_MAXK || g->kh * g->kw < 2 ||
        g->c_out < 16)
        return 0;
    if (g->sh != 2 && !(g->sh == 1 && g->w_out <= BC_S1_MAX_W)) return 0;
    /* a band of one output row must stay reasonable (a few MB) */
    return (int64_t)bc_row_floats(g) * bc_band_in(g, 1) < ((int64_t)1 << 22);
}

static size_t bc_packed_bytes(const dlk_conv_geom *g)
{
    const size_t mp = (size_t)bc_blocks(g) * 16;
    return qc_align64(sizeof(float) * mp) + sizeof(float) * mp * (size_t)bc_kdim(g);
}

static void bc_pack(const dlk_conv_geom *g, const float *w, const float *bias, void *dst)
{
    const int M = g->c_out, K = bc_kdim(g), nb = bc_blocks(g);
    float *b = dst, *wp = (float *)((uint8_t *)dst + qc_align64(sizeof(float) * (size_t)nb * 16));
    for (int co = 0; co < nb * 16; co++) b[co] = bias && co < M ? bias[co] : 0.0f;
    for (int blk = 0; blk < nb; blk++)
        for (int k = 0; k < K; k++)
            for (int j = 0; j < 16; j++) {
                const int co = blk * 16 + j;
                wp[((size_t)blk * K + k) * 16 + j] = co < M ? w[(size_t)co * K + k] : 0.0f;
            }
}

static size_t bc_scratch(const dlk_conv_geom *g)
{
    return qc_align64(sizeof(float) * bc_row_floats(g) * (size_t)bc_band_in(g, bc_rows(g))) +
           sizeof(int32_t) * (size_t)bc_kdim(g);
}

/* r[16] (rows: pixels, lanes: channels) -> r[16] (rows: channels, lanes: pixels) */
static inline __attribute__((always_inline)) void transpose16(__m512 r[16])
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

typedef struct {
    int K;             /* c_in * kh * kw */
    const int32_t *koff; /* [K]: the band offset of input (ci, ky, kx) from a pixel's first */
    size_t wblk;    /* floats between two channel blocks of the packed weights (K * 16) */
    int64_t P;      /* output plane */
    int M;          /* output channels */
} bc_args;

/* np pixels (np <= 12) x nv blocks of 16 channels: xs = the band at the segment's first input,
 * w = the first block's packed weights, y = the output at (channel co0, the segment's first pixel) */
static inline __attribute__((always_inline)) void bc_ukr(const int np, const int nv, const int S, const bc_args *a, const float *xs,
                                                         const float *w, const float *bias, const post_t *pp, float *y,
                                                         int co0)
{
    __m512 acc[BC_NP][2];
    for (int v = 0; v < nv; v++) {
        const __m512 bv = _mm512_loadu_ps(bias + 16 * v);
        for (int p = 0; p < np; p++) acc[p][v] = bv;
    }
    /* one flat loop over K = (ci, ky, kx): a loop of kw = 3 inside costs a third of the speed */
    for (int k = 0; k < a->K; k++) {
        const float *xk = xs + a->koff[k];
        __m512 wv[2];
        for (int v = 0; v < nv; v++) wv[v] = _mm512_loadu_ps(w + a->wblk * v + (size_t)k * 16);
        for (int p = 0; p < np; p++) {
            const __m512 xb = _mm512_set1_ps(xk[p * S]);
            for (int v = 0; v < nv; v++) acc[p][v] = _mm512_fmadd_ps(wv[v], xb, acc[p][v]);
        }
    }
    const __mmask16 m = (__mmask16)((1u << np) - 1);
    for (int v = 0; v < nv; v++) {
        __m512 r[16];
        for (int p = 0; p < 16; p++) r[p] = p < np ? acc[p][v] : _mm512_setzero_ps();
        transpose16(r);
        const int nco = a->M - (co0 + 16 * v) < 16 ? a->M - (co0 + 16 * v) : 16;
        for (int j = 0; j < nco; j++) {
            float *yj = y + (size_t)(16 * v + j) * a->P;
            _mm512_mask_storeu_ps(yj, m, post_v(pp, yj, r[j], m));
        }
    }
}

static void bc_ukr_any(int np, int nv, int S, const bc_args *a, const float *xs, const float *w, const float *bias,
                       const post_t *pp, float *y, int co0)
{
#define X(P_)                                                                                      \
    case P_ * 4 + 0: bc_ukr(P_, 1, 1, a, xs, w, bias, pp, y, co0); break;                          \
    case P_ * 4 + 1: bc_ukr(P_, 2, 1, a, xs, w, bias, pp, y, co0); break;                          \
    case P_ * 4 + 2: bc_ukr(P_, 1, 2, a, xs, w, bias, pp, y, co0); break;                          \
    case P_ * 4 + 3: bc_ukr(P_, 2, 2, a, xs, w, bias, pp, y, co0); break;
    switch (np * 4 + (S - 1) * 2 + nv - 1) {
        X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)
    default: break;
    }
#undef X
}

static void bc_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum, void *scratch,
                   int relu, int ith, int nth)
{
    const post_t pp = post_make(relu, sum, y);
    const int nb = bc_blocks(g), K = bc_kdim(g), wpad = bc_wpad(g);
    int R = qc_fit_block(g->h_out, bc_rows(g), g->n, nth, 1);
    /* small maps (7x7: 4 rows against 3) split their channel blocks instead, when each thread gets
     * two or more: one band per image, each thread half the weights */
    if (nth > 1 && g->n < nth && g->h_out <= bc_rows(g) && g->h_out < 8 * nth && nb >= 2 * nth) R = g->h_out;
    const int BR = bc_band_in(g, R);
    const int64_t nband = (g->h_out + R - 1) / R, items = (int64_t)g->n * nband;
    const size_t cstride = (size_t)BR * wpad; /* floats between two channels of the band */
    float *band = scratch;
    int32_t *koff = (int32_t *)((uint8_t *)scratch + qc_align64(sizeof(float) * bc_row_floats(g) * (size_t)BR));
    for (int c = 0, k = 0; c < g->c_in; c++)
        for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++, k++)
                koff[k] = (int32_t)((size_t)c * cstride + (size_t)ky * g->dh * wpad + (size_t)kx * g->dw);
    bc_args a;
    a.K = K;
    a.koff = koff;
    a.wblk = (size_t)K * 16;
    a.P = (int64_t)g->h_out * g->w_out;
    a.M = g->c_out;
    const float *bias = packed;
    const float *wp = (const float *)((const uint8_t *)packed + qc_align64(sizeof(float) * (size_t)nb * 16));
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    /* segments of a row: as few as possible, of near-equal length */
    const int nseg = (g->w_out + BC_NP - 1) / BC_NP;
    int64_t i0, i1;
    int b0, b1;
    qc_split(items, nb, ith, nth, &i0, &i1, &b0, &b1);
    for (int64_t it = i0; it < i1; it++) {
        const int n = (int)(it / nband), oh0 = (int)(it % nband) * R;
        const int rows = g->h_out - oh0 < R ? g->h_out - oh0 : R;
        const int nin = bc_band_in(g, rows);
        const float *xn = x + (ptrdiff_t)n * g->c_in * in_plane;
        for (int c = 0; c < g->c_in; c++)
            for (int ir = 0; ir < nin; ir++) {
                const int ih = oh0 * g->sh - g->pad_t + ir;
                const float *xr = ih >= 0 && ih < g->h_in ? xn + (ptrdiff_t)c * in_plane + (ptrdiff_t)ih * g->w_in : NULL;
                fline(band + (size_t)c * cstride + (size_t)ir * wpad, xr, g->w_in, -g->pad_l, 1, wpad);
            }
        for (int r = 0; r < rows; r++) {
            const int oh = oh0 + r;
            for (int s = 0, ox0 = 0; s < nseg; s++) {
                const int np = (g->w_out - ox0) / (nseg - s); /* the last segments take the remainder */
                const float *xs = band + (size_t)r * g->sh * wpad + (size_t)ox0 * g->sw;
                for (int blk = b0; blk < b1;) {
                    const int nv = b1 - blk >= 2 ? 2 : 1;
                    float *yb = y + ((ptrdiff_t)n * g->c_out + (ptrdiff_t)blk * 16) * a.P + (ptrdiff_t)oh * g->w_out + ox0;
                    bc_ukr_any(np, nv, g->sh, &a, xs, wp + (size_t)blk * a.wblk, bias + blk * 16, &pp, yb, blk * 16);
                    blk += nv;
                }
                ox0 += np;
            }
        }
    }
}

const dlk_fconv_impl dlk_fconv_bcast512 = {"avx512-bcast", bc_supports, bc_packed_bytes, bc_pack, bc_scratch, bc_run};
