/*
 * Float convolution vectorised over output channels, AVX-512: each FMA broadcasts one input value
 * from memory and multiplies it by 16 output channels' weights. The kernel of the channel-blocked
 * layout (NCHW16C, kernels.h), and of stride 2 or short rows in NCHW.
 *
 * The pixel-vector kernels (f32-conv-avx512.c) must split a stride-2 row into its even and odd
 * columns, and their short rows (28, 14, 7 outputs) fill a vector's 16 lanes badly. Here a vector
 * holds 16 output channels instead, so any stride and any row length cost the same: an output row
 * is cut into segments of at most 12 pixels, and the micro-kernel keeps np <= 12 pixels x nv <= 2
 * blocks of 16 channels in zmm registers. Pixel p of a segment reads its input at a constant
 * displacement from the segment's first: no gather and no per-pixel pointer.
 *
 * Input: whole blocks of 16 channels. Per (image, band of output rows) the band's input rows are
 * copied once, channel-blocked ([block][row][column][16]) and zero-padded left and right (rows
 * above or below the image are zeros), so that every tap reads inside the band: row by row from
 * an NCHW16C input, or from NCHW through 16 x 16 transposes. The 16 channels a tap reads at one
 * pixel are one cache line. A pointwise conv on an NCHW16C input reads it in place, its rows as
 * one line of pixels. (Other channel counts go to the pixel-vector kernels: a channel-plane band
 * here as well doubled the micro-kernels, and a sanitizer build then took minutes to compile.)
 * Weights are packed once: bias padded to whole blocks of 16 channels, then [block of 16 output
 * channels][k][16], k running as the band does: (block of 16 inputs, ky, kx, input in block).
 *
 * Output. The accumulators hold 16 channels of one pixel: stored as they are into NCHW16C, or
 * turned by a 16 x 16 transpose in registers into 16 channel rows of np pixels, stored with a mask
 * into NCHW. Sums run in k's order, not the reference's: within rounding of it.
 */
#include "kernels/config.h"
#include "kernels/x86/f32-gemm-avx512.h"
#include "kernels/conv_tiling.h"

#define BC_NP 12  /* pixels per micro-kernel call at most */
#define BC_MAXK 7 /* kernel sides up to 7 */

static int bc_blocks(const dlk_conv_geom *g) { return (g->c_out + 15) / 16; }
static int bc_wpad(const dlk_conv_geom *g) { return (g->w_out - 1) * g->sw + (g->kw - 1) * g->dw + 1; }
static size_t bc_row_floats(const dlk_conv_geom *g) { return (size_t)g->c_in * bc_wpad(g); }
/* a pointwise conv on an NCHW16C input reads it in place: no band */
static int bc_in_place(const dlk_conv_geom *g)
{
    return g->layout_in == DLK_NCHW16C && g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 &&
           g->pad_l == 0 && g->h_in == g->h_out && g->w_in == g->w_out;
}

/* output rows per band: the band's input rows in about 128 KB */
static int bc_rows(const dlk_conv_geom *g)
{
    if (bc_in_place(g)) return g->h_out;
    const size_t row = bc_row_floats(g) * 4, halo = (size_t)(g->kh - 1) * g->dh;
    const size_t fit = 128 * 1024 / row;
    int r = fit > halo ? (int)((fit - halo) / (size_t)g->sh) : 1;
    if (r < 1) r = 1;
    if (r > g->h_out) r = g->h_out;
    return r;
}
static int bc_band_in(const dlk_conv_geom *g, int rows) { return (rows - 1) * g->sh + (g->kh - 1) * g->dh + 1; }

/* NCHW in and out: stride 2, and stride 1 on rows too short for the pixel-vector kernels.
 * NCHW16C in or out: strides 1 and 2, pointwise included. */
#define BC_S1_MAX_W 28
static int bc_supports(const dlk_conv_geom *g)
{
    dlk_conv_geom plain = *g;
    plain.layout_in = plain.layout_out = DLK_NCHW;
    const int in16 = g->layout_in == DLK_NCHW16C, out16 = g->layout_out == DLK_NCHW16C;
    if (!dlk_conv_geom_ok(&plain) || (!in16 && g->layout_in != DLK_NCHW) || (!out16 && g->layout_out != DLK_NCHW) ||
        g->group != 1 || g->sh != g->sw || (g->sh != 1 && g->sh != 2) || g->kh > BC_MAXK || g->kw > BC_MAXK ||
        g->c_out < 16 || g->c_in % 16 || (out16 && g->c_out % 16))
        return 0;
    if (!in16 && !out16 && (g->kh * g->kw < 2 || !(g->sh == 2 || g->w_out <= BC_S1_MAX_W))) return 0;
    /* tap offsets are int32; a band of one output row must stay reasonable (a few MB) */
    if (bc_in_place(g)) return (int64_t)g->c_in * g->h_in * g->w_in < ((int64_t)1 << 30);
    return (int64_t)bc_row_floats(g) * bc_band_in(g, 1) < ((int64_t)1 << 22);
}

static size_t bc_packed_bytes(const dlk_conv_geom *g)
{
    const size_t mp = (size_t)bc_blocks(g) * 16;
    return dlk_align64(sizeof(float) * mp) + sizeof(float) * mp * (size_t)dlk_conv_kdim(g);
}

static void bc_pack(const dlk_conv_geom *g, const float *w, const float *bias, void *dst)
{
    const int M = g->c_out, K = dlk_conv_kdim(g), nb = bc_blocks(g), taps = g->kh * g->kw;
    float *b = dst, *wp = (float *)((uint8_t *)dst + dlk_align64(sizeof(float) * (size_t)nb * 16));
    for (int co = 0; co < nb * 16; co++) b[co] = bias && co < M ? bias[co] : 0.0f;
    for (int blk = 0; blk < nb; blk++)
        for (int k = 0; k < K; k++) {
            /* k = (block, ky, kx, channel in block) -> the ONNX weight column (ci, ky, kx) */
            const int kk = (k / (16 * taps) * 16 + k % 16) * taps + k / 16 % taps;
            for (int j = 0; j < 16; j++) {
                const int co = blk * 16 + j;
                wp[((size_t)blk * K + k) * 16 + j] = co < M ? w[(size_t)co * K + kk] : 0.0f;
            }
        }
}

static size_t bc_scratch(const dlk_conv_geom *g)
{
    const size_t band = bc_in_place(g) ? 0 : bc_row_floats(g) * (size_t)bc_band_in(g, bc_rows(g));
    return dlk_align64(sizeof(float) * band) + sizeof(int32_t) * (size_t)dlk_conv_kdim(g);
}

/* 16 x 16 transpose in registers: r[i] lane j -> r[j] lane i (pixels x channels and back) */
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
    const int32_t *koff; /* [K]: the offset of input k from a pixel's first */
    size_t wblk;    /* floats between two channel blocks of the packed weights (K * 16) */
    int64_t P;      /* output plane */
    int M;          /* output channels */
    int out16;      /* y is NCHW16C */
} bc_args;

/* np pixels (np <= 12) x nv blocks of 16 channels; pixel p's input at xs + p * PS + koff[k]
 * (PS: 16 floats a pixel, times the stride).
 * w: the first block's packed weights. y: the output of (channel block co0 / 16, the segment's
 * first pixel): NCHW16C, the next block P * 16 floats on; NCHW, channel co0's row. */
/* Not checked for pointer overflow (UBSan): its offsets are small by construction, and the check
 * on every broadcast of 48 unrolled micro-kernels made a sanitizer build of this file take two
 * minutes. AddressSanitizer still checks every access. */
static inline __attribute__((always_inline, no_sanitize("pointer-overflow"))) void bc_ukr(const int np, const int nv,
                                                                                        const int PS, const bc_args *a,
                                                         const float *xs, const float *w, const float *bias,
                                                         const post_t *pp, float *y, int co0)
{
    __m512 acc[BC_NP][2];
    for (int v = 0; v < nv; v++) {
        const __m512 bv = _mm512_loadu_ps(bias + 16 * v);
        for (int p = 0; p < np; p++) acc[p][v] = bv;
    }
    /* one flat loop over k: a loop of kw = 3 inside costs a third of the speed */
    for (int k = 0; k < a->K; k++) {
        const float *xk = xs + a->koff[k];
        __m512 wv[2];
        for (int v = 0; v < nv; v++) wv[v] = _mm512_loadu_ps(w + a->wblk * v + (size_t)k * 16);
        for (int p = 0; p < np; p++) {
            const __m512 xb = _mm512_set1_ps(xk[p * PS]);
            for (int v = 0; v < nv; v++) acc[p][v] = _mm512_fmadd_ps(wv[v], xb, acc[p][v]);
        }
    }
    if (a->out16) {
        for (int v = 0; v < nv; v++)
            for (int p = 0; p < np; p++) {
                float *yp = y + (size_t)v * a->P * 16 + (size_t)p * 16;
                _mm512_storeu_ps(yp, post_v(pp, yp, acc[p][v], 0xFFFF));
            }
        return;
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

static void bc_ukr_any(int np, int nv, int PS, const bc_args *a, const float *xs, const float *w, const float *bias,
                       const post_t *pp, float *y, int co0)
{
#define X(P_)                                                                                      \
    case P_ * 4 + 0: bc_ukr(P_, 1, 16, a, xs, w, bias, pp, y, co0); break;                         \
    case P_ * 4 + 1: bc_ukr(P_, 2, 16, a, xs, w, bias, pp, y, co0); break;                         \
    case P_ * 4 + 2: bc_ukr(P_, 1, 32, a, xs, w, bias, pp, y, co0); break;                         \
    case P_ * 4 + 3: bc_ukr(P_, 2, 32, a, xs, w, bias, pp, y, co0); break;
    switch (np * 4 + (PS == 32) * 2 + nv - 1) {
        X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)
    default: break;
    }
#undef X
}

/* Input rows [ih0, ih0 + nin) of image n (rows outside the image: zeros), channel-blocked:
 * band + cb * cbstride + ir * wpad * 16 holds columns -pad_l .. wpad - pad_l - 1 of row ih0 + ir
 * of block cb */
static void bc_fill_blocked(const dlk_conv_geom *g, const float *x, int n, int ih0, int nin, float *band, size_t cbstride)
{
    const int wpad = bc_wpad(g), ncb = g->c_in / 16;
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    /* band columns [lo, hi) come from the row, the others are padding (lo <= hi: w_in >= 1) */
    const int lo = g->pad_l < wpad ? g->pad_l : wpad, hi = g->pad_l + g->w_in < wpad ? g->pad_l + g->w_in : wpad;
    for (int cb = 0; cb < ncb; cb++)
        for (int ir = 0; ir < nin; ir++) {
            const int ih = ih0 + ir;
            float *o = band + (size_t)cb * cbstride + (size_t)ir * wpad * 16;
            if (ih < 0 || ih >= g->h_in) {
                memset(o, 0, sizeof(float) * 16 * (size_t)wpad);
                continue;
            }
            if (g->layout_in == DLK_NCHW16C) {
                const float *xr = x + (((ptrdiff_t)n * ncb + cb) * in_plane + (ptrdiff_t)ih * g->w_in) * 16;
                memset(o, 0, sizeof(float) * 16 * (size_t)lo);
                memcpy(o + (size_t)lo * 16, xr, sizeof(float) * 16 * (size_t)(hi - lo));
                memset(o + (size_t)hi * 16, 0, sizeof(float) * 16 * (size_t)(wpad - hi));
                continue;
            }
            /* NCHW: 16 channel rows, 16 columns at a time, transposed into 16 pixels */
            const float *xr = x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)cb * 16) * in_plane + (ptrdiff_t)ih * g->w_in;
            for (int i0 = 0; i0 < wpad; i0 += 16) {
                const int col = i0 - g->pad_l;
                const __mmask16 m = fline_mask(col, g->w_in);
                __m512 r[16];
                for (int j = 0; j < 16; j++) r[j] = _mm512_maskz_loadu_ps(m, xr + (ptrdiff_t)j * in_plane + col);
                transpose16(r);
                const int npx = wpad - i0 < 16 ? wpad - i0 : 16;
                for (int i = 0; i < npx; i++) _mm512_storeu_ps(o + (size_t)(i0 + i) * 16, r[i]);
            }
        }
}

static void bc_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum, void *scratch,
                   int relu, int ith, int nth)
{
    const post_t pp = post_make(relu, sum, y);
    const int nb = bc_blocks(g), K = dlk_conv_kdim(g), wpad = bc_wpad(g), taps = g->kh * g->kw;
    const int inplace = bc_in_place(g);
    int R = dlk_conv_fit_block(g->h_out, bc_rows(g), g->n, nth, 1);
    /* small maps (7x7: 4 rows against 3) split their channel blocks instead, when each thread gets
     * two or more: one band per image, each thread half the weights */
    if (nth > 1 && g->n < nth && g->h_out <= bc_rows(g) && g->h_out < 8 * nth && nb >= 2 * nth) R = g->h_out;
    const int BR = bc_band_in(g, R);
    const int64_t nband = (g->h_out + R - 1) / R, items = (int64_t)g->n * nband;
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    /* floats between two blocks of 16 input channels, and between two band rows */
    const size_t cstride = inplace ? (size_t)in_plane * 16 : (size_t)BR * wpad * 16, rowstep = (size_t)wpad * 16;
    const int PS = inplace ? 16 : 16 * g->sw;
    float *band = scratch;
    int32_t *koff = (int32_t *)((uint8_t *)scratch + (inplace ? 0 : dlk_align64(sizeof(float) * bc_row_floats(g) * (size_t)BR)));
    for (int k = 0; k < K; k++) {
        const int c = k / (16 * taps), t = k / 16 % taps, j = k % 16;
        const size_t tap = (size_t)(t / g->kw) * g->dh * wpad + (size_t)(t % g->kw) * g->dw;
        koff[k] = (int32_t)((size_t)c * cstride + tap * 16 + (size_t)j);
    }
    bc_args a;
    a.K = K;
    a.koff = koff;
    a.wblk = (size_t)K * 16;
    a.P = (int64_t)g->h_out * g->w_out;
    a.M = g->c_out;
    a.out16 = g->layout_out == DLK_NCHW16C;
    const float *bias = packed;
    const float *wp = (const float *)((const uint8_t *)packed + dlk_align64(sizeof(float) * (size_t)nb * 16));
    const dlk_conv_share sh = dlk_conv_split(items, nb, ith, nth);
    for (int64_t it = sh.i0; it < sh.i1; it++) {
        const int n = (int)(it / nband), oh0 = (int)(it % nband) * R;
        const int rows = g->h_out - oh0 < R ? g->h_out - oh0 : R;
        /* the output of (channel block blk, pixel pix) */
#define YAT(blk, pix)                                                                              \
    (a.out16 ? y + (((ptrdiff_t)n * nb + (blk)) * a.P + (pix)) * 16 : y + ((ptrdiff_t)n * g->c_out + (ptrdiff_t)(blk) * 16) * a.P + (pix))
        const float *xb = band;
        if (inplace) {
            xb = x + ((ptrdiff_t)n * (g->c_in / 16) * in_plane + (ptrdiff_t)oh0 * g->w_in) * 16;
        } else {
            bc_fill_blocked(g, x, n, oh0 * g->sh - g->pad_t, bc_band_in(g, rows), band, cstride);
        }
        /* segments of a line of L pixels: as few as possible, of near-equal length; in place the
         * item's rows are one line, else each output row is */
        const int L = inplace ? rows * g->w_out : g->w_out, nline = inplace ? 1 : rows;
        const int nseg = (L + BC_NP - 1) / BC_NP;
        for (int r = 0; r < nline; r++) {
            const int pix0 = (oh0 + r) * g->w_out;
            for (int s = 0, o0 = 0; s < nseg; s++) {
                const int np = (L - o0) / (nseg - s); /* the last segments take the remainder */
                const float *xs = xb + (size_t)r * g->sh * rowstep + (size_t)o0 * PS; /* in place: r = 0, PS = 16 */
                for (int blk = sh.c0; blk < sh.c1;) {
                    const int nv = sh.c1 - blk >= 2 ? 2 : 1;
                    bc_ukr_any(np, nv, PS, &a, xs, wp + (size_t)blk * a.wblk, bias + blk * 16, &pp, YAT(blk, pix0 + o0),
                               blk * 16);
                    blk += nv;
                }
                o0 += np;
            }
        }
#undef YAT
    }
}

const dlk_fconv_impl dlk_f32_conv_bcast_avx512 = {"avx512-bcast", bc_supports, bc_packed_bytes, bc_pack, bc_scratch, bc_run};
