/*
 * Float convolution with AVX-512 FMA, same structure as the VNNI int8 kernel (q8-conv-avx512vnni.c):
 *  - pointwise (1x1, stride 1, no padding): the input planes are the GEMM's right-hand side as
 *    they are, read in place (only a block's last, partial vector is copied, zero-padded);
 *  - direct (strides 1 and 2, rows of at least 12 outputs): a band of zero-padded input rows is
 *    packed once (stride 2: even and odd columns apart) and each tap reads 16 pixels as one
 *    shifted load; weights ordered [co][tap][ci];
 *  - otherwise im2col: a panel [K][pixels] per block of output pixels; weights as ONNX stores them.
 * Micro-kernel: MR <= 8 output channels x NV <= 3 vectors of 16 pixels, 24 zmm accumulators.
 * Float sums run in another order than the reference's: results agree within rounding.
 */
#include "kernels/config.h"
#include "kernels/x86/f32-gemm-avx512.h"
#include "kernels/conv_tiling.h"

#define MR 8
#define NV FC_NV
#define MRW FC_MRW

#define DIRECT_MIN_W 12 /* narrower stride-2 rows waste too many of a vector's 16 lanes */
#define MAX_TAPS 64      /* the direct path keeps its tap offsets on the stack: up to 8x8 kernels */

static int use_direct(const dlk_conv_geom *g) { return dlk_conv_direct_ok(g, DIRECT_MIN_W, MAX_TAPS); }

static int f_supports(const dlk_conv_geom *g) { return dlk_conv_geom_ok(g); }

/* im2col of short rows (under 32 outputs): one line per (k, output row) costs more in calls than
 * in copying, so the block's input offsets per tap are computed once and each k row is gathered
 * 16 pixels at a time */
static int use_gather(const dlk_conv_geom *g) { return !use_direct(g) && !dlk_conv_is_pointwise(g) && g->w_out < 32; }

static size_t f_packed_bytes(const dlk_conv_geom *g)
{
    return dlk_align64(sizeof(float) * (size_t)g->c_out) + sizeof(float) * (size_t)g->c_out * dlk_conv_kdim(g);
}

/* bias (zeros when NULL), then the weights: [co][K] (ONNX order) or, direct, [co][tap][ci] */
static void f_pack(const dlk_conv_geom *g, const float *w, const float *bias, void *dst)
{
    const int M = g->c_out, K = dlk_conv_kdim(g), taps = g->kh * g->kw, cin_g = g->c_in / g->group;
    float *b = dst, *wp = (float *)((uint8_t *)dst + dlk_align64(sizeof(float) * (size_t)M));
    for (int co = 0; co < M; co++) b[co] = bias ? bias[co] : 0.0f;
    if (use_direct(g)) {
        for (int co = 0; co < M; co++)
            for (int t = 0; t < taps; t++)
                for (int ci = 0; ci < cin_g; ci++)
                    wp[((size_t)co * taps + t) * cin_g + ci] = w[(size_t)co * K + (size_t)ci * taps + t];
    } else {
        memcpy(wp, w, sizeof(float) * (size_t)M * K);
    }
}

static int block_pixels(const dlk_conv_geom *g) { return dlk_conv_block_pixels(g, (size_t)dlk_conv_kdim(g) * 4, 16 * NV); }

static size_t direct_rowfl(const dlk_conv_geom *g) { return (size_t)g->sw * dlk_conv_direct_wp(g); }
static int direct_rows(const dlk_conv_geom *g)
{
    const size_t row = (size_t)(g->c_in / g->group) * direct_rowfl(g) * 4, halo = (size_t)(g->kh - 1) * g->dh;
    const size_t fit = 160 * 1024 / row;
    int r = fit > halo ? (int)((fit - halo) / (size_t)g->sh) : 1;
    if (r < 1) r = 1;
    if (r > g->h_out) r = g->h_out;
    return r;
}
static int direct_band_in(const dlk_conv_geom *g) { return (direct_rows(g) - 1) * g->sh + (g->kh - 1) * g->dh + 1; }

static size_t f_scratch(const dlk_conv_geom *g)
{
    if (use_direct(g))
        return dlk_align64(sizeof(float) * ((size_t)(g->c_in / g->group) * direct_band_in(g) * direct_rowfl(g) + 16 * NV + 16));
    if (dlk_conv_is_pointwise(g)) return dlk_align64(sizeof(float) * (size_t)dlk_conv_kdim(g) * 16 * NV);
    const int pb = (block_pixels(g) + 15) / 16 * 16;
    return dlk_align64(sizeof(float) * (size_t)dlk_conv_kdim(g) * pb) +
           (use_gather(g) ? sizeof(int32_t) * (size_t)g->kh * g->kw * pb : 0);
}

static inline __attribute__((always_inline)) void ukd(const int mr, const int nv, int taps, const int *toff, int C,
                                                      size_t cstride, const float *xp, const float *w,
                                                      const float *bias, const post_t *pp, float *y, size_t ystride,
                                                      int nvalid)
{
    __m512 acc[MRW][NV];
    const size_t wrow = (size_t)taps * C;
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = _mm512_set1_ps(bias[r]);
    for (int t = 0; t < taps; t++) {
        const float *xt = xp + toff[t];
        const float *wt = w + (size_t)t * C;
        for (int c = 0; c < C; c++) {
            __m512 xv[NV];
            for (int j = 0; j < nv; j++) xv[j] = _mm512_loadu_ps(xt + c * cstride + 16 * j);
            for (int r = 0; r < mr; r++) {
                const __m512 wb = _mm512_set1_ps(wt[r * wrow + c]);
                for (int j = 0; j < nv; j++) acc[r][j] = _mm512_fmadd_ps(xv[j], wb, acc[r][j]);
            }
        }
    }
    store_rows(mr, nv, acc, pp, y, ystride, nvalid);
}

static void ukd_any(int mr, int nv, int taps, const int *toff, int C, size_t cstride, const float *xp, const float *w,
                    const float *bias, const post_t *pp, float *y, size_t ystride, int nvalid)
{
#define X(M_, N_) \
    case (M_) * 4 + (N_): ukd(M_, N_, taps, toff, C, cstride, xp, w, bias, pp, y, ystride, nvalid); break;
    switch (mr * 4 + nv) {
        CASES(X)
        CASES_WIDE(X)
    default: break;
    }
#undef X
}

static void direct_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, float *band,
                       const post_t *pp, int ith, int nth)
{
    const int M = g->c_out, cin_g = g->c_in / g->group, cout_g = M / g->group, taps = g->kh * g->kw;
    const int Wp = dlk_conv_direct_wp(g), R = dlk_conv_fit_block(g->h_out, direct_rows(g), (int64_t)g->n * g->group, nth, 1), BR = direct_band_in(g);
    const size_t rowf = direct_rowfl(g), cstride = (size_t)BR * rowf;
    const int64_t P = (int64_t)g->h_out * g->w_out;
    const int64_t nband = (g->h_out + R - 1) / R, items = (int64_t)g->n * g->group * nband;
    const float *bias = packed;
    const float *wd = (const float *)((const uint8_t *)packed + dlk_align64(sizeof(float) * (size_t)M));
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    int toff[MAX_TAPS];
    for (int t = 0; t < taps; t++) {
        const int cx = (t % g->kw) * g->dw;
        toff[t] = (int)((size_t)(t / g->kw) * g->dh * rowf + (size_t)(cx % g->sw) * Wp + (size_t)(cx / g->sw));
    }
    const dlk_conv_share sh = dlk_conv_split(items, cout_g, ith, nth);
    for (int64_t it = sh.i0; it < sh.i1; it++) {
        int n, grp, oh0, rows;
        dlk_conv_item(g, it, nband, R, g->h_out, &n, &grp, &oh0, &rows);
        const float *xg = x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g) * in_plane;
        const int nin = (rows - 1) * g->sh + (g->kh - 1) * g->dh + 1;
        for (int c = 0; c < cin_g; c++)
            for (int ir = 0; ir < nin; ir++) {
                const int ih = oh0 * g->sh - g->pad_t + ir;
                const float *xr = ih >= 0 && ih < g->h_in ? xg + (ptrdiff_t)c * in_plane + (ptrdiff_t)ih * g->w_in : NULL;
                float *o = band + (size_t)c * cstride + (size_t)ir * rowf;
                if (g->sw == 1) fline(o, xr, g->w_in, -g->pad_l, 1, Wp);
                else fline2(o, o + Wp, xr, g->w_in, -g->pad_l, Wp);
            }
        if (g->sh == 1 && g->w_out < 16 * NV) {
            /* short rows: one line of virtual pixels across the band (see q8-conv-avx512vnni.c) */
            const int rowpx = (int)rowf, V = (rows - 1) * rowpx + g->w_out;
            float tile[MR * 16 * NV];
            const post_t raw = post_make(0, NULL, tile); /* finished when copied out */
            for (int cb = sh.c0; cb < sh.c1; cb += MR) {
                const int mr = sh.c1 - cb < MR ? sh.c1 - cb : MR;
                const int co = grp * cout_g + cb;
                float *yb = y + ((ptrdiff_t)n * M + co) * P + (ptrdiff_t)oh0 * g->w_out;
                for (int q0 = 0, nvalid; q0 < V; q0 += nvalid) {
                    nvalid = dlk_tile_chunk(V - q0, 16, NV);
                    ukd_any(mr, (nvalid + 15) / 16, taps, toff, cin_g, cstride, band + q0,
                            wd + (size_t)co * taps * cin_g, bias + co, &raw, tile, 16 * NV, nvalid);
                    for (int r = q0 / rowpx; r <= (q0 + nvalid - 1) / rowpx; r++) {
                        const int lo = q0 > r * rowpx ? q0 : r * rowpx;
                        const int hi = q0 + nvalid < r * rowpx + g->w_out ? q0 + nvalid : r * rowpx + g->w_out;
                        for (int m = 0; lo < hi && m < mr; m++)
                            post_row(pp, yb + (ptrdiff_t)m * P + (ptrdiff_t)r * g->w_out + (lo - r * rowpx),
                                     tile + m * 16 * NV + (lo - q0), hi - lo);
                    }
                }
            }
            continue;
        }
        for (int r = 0; r < rows; r++) {
            const int oh = oh0 + r;
            for (int q0 = 0, nvalid; q0 < g->w_out; q0 += nvalid) {
                nvalid = dlk_tile_chunk(g->w_out - q0, 16, NV);
                const int nv = (nvalid + 15) / 16, mrmax = nv == NV ? MR : MRW;
                for (int cb = sh.c0; cb < sh.c1; cb += mrmax) {
                    const int mr = sh.c1 - cb < mrmax ? sh.c1 - cb : mrmax;
                    const int co = grp * cout_g + cb;
                    float *yb = y + ((ptrdiff_t)n * M + co) * P + (ptrdiff_t)oh * g->w_out;
                    ukd_any(mr, nv, taps, toff, cin_g, cstride, band + (size_t)r * g->sh * rowf + q0,
                            wd + (size_t)co * taps * cin_g, bias + co, pp, yb + q0, (size_t)P, nvalid);
                }
            }
        }
    }
}

/* The strategies of this kernel, chosen from the geometry alone (plain C): */
typedef enum {
    F_DIRECT,     /* direct_run: a band of padded input rows, each tap a shifted load */
    F_CLASSIFIER, /* a 1x1 map, pointwise: dot products along K */
    F_POINTWISE,  /* panel_run, the input planes read in place */
    F_GATHER,     /* panel_run, short rows: the panel gathered by per-tap offsets */
    F_IM2COL      /* panel_run, the panel copied line by line */
} f_strategy;

static f_strategy f_choose(const dlk_conv_geom *g)
{
    const int pw = dlk_conv_is_pointwise(g);
    if (use_direct(g) && !pw) return F_DIRECT;
    if (pw) return (int64_t)g->h_out * g->w_out == 1 ? F_CLASSIFIER : F_POINTWISE;
    return use_gather(g) ? F_GATHER : F_IM2COL;
}

/* a classifier on a 1x1 map: dot products along K, (image, output channel) pairs split */
static void classifier_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum,
                           int relu, int ith, int nth)
{
    const int K = dlk_conv_kdim(g), M = g->c_out, cin_g = g->c_in / g->group, cout_g = M / g->group;
    const float *bias = packed;
    const float *wq = (const float *)((const uint8_t *)packed + dlk_align64(sizeof(float) * (size_t)M));
    int64_t b, e;
    dlk_split((int64_t)g->n * M, ith, nth, 16, &b, &e);
    const __mmask16 tm = (__mmask16)((1u << (cin_g % 16)) - 1);
    for (int64_t i = b; i < e; i++) {
        const int n = (int)(i / M), co = (int)(i % M), grp = co / cout_g;
        const float *xv = x + (ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g, *wr = wq + (size_t)co * K;
        __m512 a = _mm512_setzero_ps();
        int k = 0;
        for (; k + 16 <= K; k += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(wr + k), _mm512_loadu_ps(xv + k), a);
        if (k < K) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tm, wr + k), _mm512_maskz_loadu_ps(tm, xv + k), a);
        float v = _mm512_reduce_add_ps(a) + bias[co];
        if (sum) v = v + sum[i];
        y[i] = relu && !(v > 0.0f) && v == v ? 0.0f : v;
    }
}

/* The panel [K][pstride] of block pixels [p0, p0 + pn) of input xg (one image's group), F_GATHER
 * (offsets per tap, then masked gathers) or F_IM2COL (line by line); scratch: the panel, then
 * F_GATHER's offsets. */
static void pack_block(const dlk_conv_geom *g, f_strategy st, const float *xg, int p0, int pn, int pstride,
                       void *scratch)
{
    const int K = dlk_conv_kdim(g);
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    float *panel = scratch;
    if (st == F_GATHER) {
        /* offs[t][p]: the offset of tap t's input for block pixel p inside a channel plane, -1 outside */
        const int taps = g->kh * g->kw;
        int32_t *offs = (int32_t *)((uint8_t *)scratch + dlk_align64(sizeof(float) * (size_t)K * pstride));
        for (int t = 0; t < taps; t++) {
            const int ky = t / g->kw, kx = t % g->kw;
            for (int p = 0; p < pstride; p++) {
                int32_t o = -1;
                if (p < pn) {
                    const int oh = (p0 + p) / g->w_out, ow = (p0 + p) % g->w_out;
                    const int ih = oh * g->sh - g->pad_t + ky * g->dh, iw = ow * g->sw - g->pad_l + kx * g->dw;
                    if (ih >= 0 && ih < g->h_in && iw >= 0 && iw < g->w_in) o = ih * g->w_in + iw;
                }
                offs[(size_t)t * pstride + p] = o;
            }
        }
        const __m512i neg = _mm512_set1_epi32(-1);
        for (int k = 0; k < K; k++) {
            const int t = k % taps;
            const float *xc = xg + (ptrdiff_t)(k / taps) * in_plane;
            const int32_t *ot = offs + (size_t)t * pstride;
            float *dst = panel + (size_t)k * pstride;
            for (int p = 0; p < pstride; p += 16) {
                const __m512i o = _mm512_loadu_si512(ot + p);
                const __mmask16 m = _mm512_cmpneq_epi32_mask(o, neg);
                _mm512_storeu_ps(dst + p, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, o, xc, 4));
            }
        }
        return;
    }
    for (int k = 0; k < K; k++) {
        int done = 0;
        while (done < pn) {
            const int pix = p0 + done, oh = pix / g->w_out, ow0 = pix % g->w_out;
            int L = g->w_out - ow0;
            if (L > pn - done) L = pn - done;
            const int ksz = g->kh * g->kw, ci = k / ksz, rr = k % ksz, ky = rr / g->kw, kx = rr % g->kw;
            const int ih = oh * g->sh - g->pad_t + ky * g->dh;
            const float *xr = ih >= 0 && ih < g->h_in ? xg + (ptrdiff_t)ci * in_plane + (ptrdiff_t)ih * g->w_in : NULL;
            fline(panel + (size_t)k * pstride + done, xr, g->w_in, kx * g->dw - g->pad_l + ow0 * g->sw, g->sw, L);
            done += L;
        }
    }
}

/* F_POINTWISE, F_GATHER, F_IM2COL: per block of output pixels, the GEMM of the weights by the panel
 * (or the input planes in place), chunk by chunk or, for a long K, channel block by block */
static void panel_run(const dlk_conv_geom *g, f_strategy st, const void *packed, const float *x, float *y,
                      void *scratch, const post_t *pp, int ith, int nth)
{
    const int K = dlk_conv_kdim(g), M = g->c_out, cin_g = g->c_in / g->group, cout_g = M / g->group;
    const int64_t P = (int64_t)g->h_out * g->w_out;
    const int pw = st == F_POINTWISE;
    int pb = dlk_conv_fit_block(P, block_pixels(g), (int64_t)g->n * g->group, nth, 16);
    /* a small map split by pixels leaves each thread chunks of one vector (14x14 on 2 threads: 13
     * items of 16 pixels, 8 accumulators a call); one block per image splits the channels instead */
    if (pw && nth > 1 && (int64_t)g->n * g->group < nth && P <= 128 * nth && cout_g >= 16 * nth) pb = (int)P;
    const int pstride = (pb + 15) / 16 * 16;
    const int64_t nblk = (P + pb - 1) / pb, items = (int64_t)g->n * g->group * nblk;
    const float *bias = packed;
    const float *wq = (const float *)((const uint8_t *)packed + dlk_align64(sizeof(float) * (size_t)M));
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    float *panel = scratch;
    const dlk_conv_share sh = dlk_conv_split(items, cout_g, ith, nth);
    for (int64_t it = sh.i0; it < sh.i1; it++) {
        int n, grp, p0, pn;
        dlk_conv_item(g, it, nblk, pb, P, &n, &grp, &p0, &pn);
        const float *xg = x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g) * in_plane;
        /* pointwise: read in place (the panel holds only a block's last, partial vector of pixels) */
        const float *xp = pw ? xg + p0 : panel;
        const size_t xstride = pw ? (size_t)in_plane : (size_t)pstride;
        if (!pw) pack_block(g, st, xg, p0, pn, pstride, scratch);
        /* Only a block's last chunk can end in a partial vector (dlk_tile_chunk cuts whole vectors
         * before it); a pointwise conv reads that chunk from a zero-padded copy, made once here */
        int tq = pn;
        if (pw && pn % 16) {
            for (int q0 = 0, nvalid; q0 < pn; q0 += nvalid) {
                nvalid = dlk_tile_chunk(pn - q0, 16, NV);
                tq = q0;
            }
            const int nvalid = pn - tq, nvec = (nvalid + 15) / 16;
            for (int k = 0; k < K; k++) {
                float *d = panel + (size_t)k * 16 * NV;
                memcpy(d, xp + (size_t)k * xstride + tq, sizeof(float) * (size_t)nvalid);
                memset(d + nvalid, 0, sizeof(float) * (size_t)(16 * nvec - nvalid));
            }
        }
#define CHUNK_X(q0) ((q0) == tq ? panel : xp + (q0)) /* chunk q0's input and its row stride */
#define CHUNK_XS(q0) ((q0) == tq ? (size_t)16 * NV : xstride)
        if (!pw || K * 16 * NV * 4 <= 32 * 1024) {
            /* chunk by chunk, every block of output channels while the chunk's input is in L1 */
            for (int q0 = 0, nvalid; q0 < pn; q0 += nvalid) {
                nvalid = dlk_tile_chunk(pn - q0, 16, NV);
                if (pw && q0 + nvalid < pn) /* the next chunk: K strided streams are more than the prefetchers follow */
                    for (int k = 0; k < K; k++) {
                        const char *nx = (const char *)(xp + (size_t)k * xstride + q0 + nvalid);
                        _mm_prefetch(nx, _MM_HINT_T0);
                        _mm_prefetch(nx + 64, _MM_HINT_T0);
                        _mm_prefetch(nx + 128, _MM_HINT_T0);
                    }
                for (int cb = sh.c0; cb < sh.c1; cb += MR) {
                    const int mr = sh.c1 - cb < MR ? sh.c1 - cb : MR;
                    const int co = grp * cout_g + cb;
                    float *yb = y + ((ptrdiff_t)n * M + co) * P + p0;
                    ukr_any(mr, (nvalid + 15) / 16, K, CHUNK_X(q0), CHUNK_XS(q0), wq + (size_t)co * K, bias + co, pp,
                            yb + q0, (size_t)P, nvalid);
                }
            }
        } else {
            /* long K (a chunk's input over L1): block of channels by block, so that the weights,
             * the larger part here, stream once per block of pixels */
            for (int cb = sh.c0; cb < sh.c1; cb += MR) {
                const int mr = sh.c1 - cb < MR ? sh.c1 - cb : MR;
                const int co = grp * cout_g + cb;
                float *yb = y + ((ptrdiff_t)n * M + co) * P + p0;
                for (int q0 = 0, nvalid; q0 < pn; q0 += nvalid) {
                    nvalid = dlk_tile_chunk(pn - q0, 16, NV);
                    ukr_any(mr, (nvalid + 15) / 16, K, CHUNK_X(q0), CHUNK_XS(q0), wq + (size_t)co * K, bias + co, pp,
                            yb + q0, (size_t)P, nvalid);
                }
            }
        }
#undef CHUNK_X
#undef CHUNK_XS
    }
}

static void f_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum, void *scratch,
                  int relu, int ith, int nth)
{
    const post_t pp = post_make(relu, sum, y);
    const f_strategy st = f_choose(g);
    if (st == F_DIRECT) direct_run(g, packed, x, y, scratch, &pp, ith, nth);
    else if (st == F_CLASSIFIER) classifier_run(g, packed, x, y, sum, relu, ith, nth);
    else panel_run(g, st, packed, x, y, scratch, &pp, ith, nth);
}

const dlk_fconv_impl dlk_f32_conv_avx512 = {"avx512-fma", f_supports, f_packed_bytes, f_pack, f_scratch, f_run};
