/*
 * Float 3x3 convolution, stride 1, by Winograd's F(2x2, 3x3), AVX-512: each 2x2 block of outputs
 * ("tile") takes 16 multiplications per (input, output) channel pair instead of 36.
 *
 *   V = B^T d B    (d: the tile's 4x4 input patch, per input channel)
 *   U = G g G^T    (g: the 3x3 filter, per channel pair; once, at pack time)
 *   M[xi] = U[xi] . V[xi]   for each of the 16 positions xi: a GEMM over the input channels
 *   Y = A^T M A    (2x2 outputs) + bias, then the fused Relu
 *
 * Work item: TR tile rows of one image. Per item the input rows are copied with their zero padding
 * into scratch, transformed 16 tiles per vector (even and odd columns apart by permutes), the 16
 * GEMMs run with an MR x NV register block (weights broadcast, tiles in vectors), and the output
 * transform interleaves the two columns of each tile back into rows. Rounding differs from the
 * direct sum (the transforms add and subtract inputs and partial sums): within the float tolerance.
 */
#include "kernels/config.h"
#include "kernels/x86/f32-gemm-avx512.h"
#include "kernels/conv_tiling.h"

#define WMR 8      /* output channels per GEMM call */
#define WNV FC_NV  /* vectors of 16 tiles per GEMM call */

static int wt_th(const dlk_conv_geom *g) { return (g->h_out + 1) / 2; }
static int wt_tw(const dlk_conv_geom *g) { return (g->w_out + 1) / 2; }
static int wt_tw16(const dlk_conv_geom *g) { return (wt_tw(g) + 15) / 16 * 16; }
/* tile rows per item: at least about 64 tiles per GEMM row */
static int wt_tr(const dlk_conv_geom *g)
{
    int tr = (64 + wt_tw(g) - 1) / wt_tw(g);
    return tr < wt_th(g) ? tr : wt_th(g);
}
static int wt_nt(const dlk_conv_geom *g) { return (wt_tr(g) * wt_tw(g) + 15) / 16 * 16; } /* tiles per item, padded */
static int wt_rw(const dlk_conv_geom *g) { return 2 * wt_tw16(g) + 32; }                 /* floats per staged row */

static size_t w_scratch(const dlk_conv_geom *g);
static int w_scratch_ok(const dlk_conv_geom *g) { return w_scratch(g) < ((size_t)256 << 20); }

/* Where it is faster than the direct kernel (measured on AVX-512, 1 thread): the transforms cost
 * per channel what the GEMMs save per channel pair, so it needs >= 32 channels each way and maps of
 * at least 14 rows; 16 channels at 224x224 only tie, 4x4 maps lose. */
static int w_pays(const dlk_conv_geom *g)
{
    const int side = g->h_out < g->w_out ? g->h_out : g->w_out;
    /* rows of 28 and less go to the broadcast kernel (f32-conv-bcast-avx512.c): in a model its weights are
     * read once from cache where Winograd's are 16/9 as many (dla46c: 14x14 64 ch 0.105 -> 0.097 ms,
     * 7x7 128 ch 0.163 -> 0.131 ms) */
    return g->c_in >= 32 && g->c_out >= 32 && side >= 14 && g->w_out > 28;
}

static int w_supports(const dlk_conv_geom *g)
{
    return dlk_conv_geom_ok(g) && g->group == 1 && g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 &&
           g->dw == 1 && g->pad_t <= 1 && g->pad_l <= 1 && w_pays(g) && g->c_in <= 4096 && g->c_out <= 4096 && (int64_t)g->w_out <= 8192 &&
           w_scratch_ok(g); /* rows past the input (any trailing pad) read as zeros */
}

static size_t w_packed_bytes(const dlk_conv_geom *g)
{
    return dlk_align64(sizeof(float) * (size_t)g->c_out) + sizeof(float) * 16 * (size_t)g->c_out * g->c_in;
}

/* bias, then U[xi][co][ci] = (G g G^T)[xi / 4][xi % 4] */
static void w_pack(const dlk_conv_geom *g, const float *w, const float *bias, void *dst)
{
    const int M = g->c_out, C = g->c_in;
    float *b = dst, *u = (float *)((uint8_t *)dst + dlk_align64(sizeof(float) * (size_t)M));
    static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    for (int co = 0; co < M; co++) b[co] = bias ? bias[co] : 0.0f;
    for (int co = 0; co < M; co++)
        for (int ci = 0; ci < C; ci++) {
            const float *f = w + ((size_t)co * C + ci) * 9;
            double t[4][3];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 3; j++) t[i][j] = G[i][0] * f[0 * 3 + j] + G[i][1] * f[1 * 3 + j] + G[i][2] * f[2 * 3 + j];
            for (int i = 0; i < 4; i++)
                for (int k = 0; k < 4; k++)
                    u[((size_t)(i * 4 + k) * M + co) * C + ci] = (float)(t[i][0] * G[k][0] + t[i][1] * G[k][1] + t[i][2] * G[k][2]);
        }
}

/* scratch: staged rows [rows][C][RW], V [16][C][NT], M [16][WMR][NT] per block of output channels */
static size_t w_rows(const dlk_conv_geom *g) { return (size_t)(2 * wt_tr(g) + 2) * g->c_in * wt_rw(g); }
static size_t w_scratch(const dlk_conv_geom *g)
{
    return dlk_align64(sizeof(float) * w_rows(g)) + dlk_align64(sizeof(float) * 16 * (size_t)g->c_in * wt_nt(g)) +
           sizeof(float) * (16 * (size_t)g->c_out * wt_nt(g) + 16); /* + the last tile vector's overrun */
}

static void w_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum, void *scratch,
                  int relu, int ith, int nth)
{
    const post_t pp = post_make(relu, sum, y);
    const int C = g->c_in, M = g->c_out, th = wt_th(g), tw = wt_tw(g), tw16 = wt_tw16(g), TR = wt_tr(g), NT = wt_nt(g),
              RW = wt_rw(g);
    const float *bias = packed;
    const float *U = (const float *)((const uint8_t *)packed + dlk_align64(sizeof(float) * (size_t)M));
    float *rows = scratch;
    float *V = (float *)((uint8_t *)scratch + dlk_align64(sizeof(float) * w_rows(g)));
    float *Mo = (float *)((uint8_t *)V + dlk_align64(sizeof(float) * 16 * (size_t)C * NT));
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const int64_t P = (int64_t)g->h_out * g->w_out;
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512i lo_i = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_i = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    /* the GEMMs start from 0 and store as they are (bias and Relu come with the output transform) */
    static const float zero[WMR];
    const post_t none = post_make(0, NULL, y); /* the GEMMs store plain sums */
    const int nblk = (th + TR - 1) / TR;
    /* fewer items than threads (small maps): every thread transforms every item's input and takes
     * a share of the output channels */
    const dlk_conv_share sh = dlk_conv_split((int64_t)g->n * nblk, (M + WMR - 1) / WMR, ith, nth);
    const int c0 = sh.c0 * WMR, c1 = sh.c1 * WMR < M ? sh.c1 * WMR : M;
    for (int64_t it = sh.i0; it < sh.i1; it++) {
        const int n = (int)(it / nblk), ty0 = (int)(it % nblk) * TR;
        const int ntr = th - ty0 < TR ? th - ty0 : TR; /* tile rows in this item */
        const int ntiles = ntr * tw;
        const float *xn = x + (ptrdiff_t)n * C * in_plane;
        /* 1. the input rows 2*ty0 - pad_t + [0, 2*ntr + 2), zero padded: column c is input column c - pad_l */
        for (int r = 0; r < 2 * ntr + 2; r++) {
            const int ih = 2 * ty0 - g->pad_t + r;
            for (int c = 0; c < C; c++) {
                float *d = rows + ((size_t)r * C + c) * RW;
                if (ih < 0 || ih >= g->h_in) {
                    memset(d, 0, sizeof(float) * (size_t)RW);
                    continue;
                }
                const float *s = xn + (ptrdiff_t)c * in_plane + (ptrdiff_t)ih * g->w_in;
                const int l = g->pad_l, n_in = g->w_in < RW - l ? g->w_in : RW - l;
                if (l) d[0] = 0.0f;
                memcpy(d + l, s, sizeof(float) * (size_t)n_in);
                memset(d + l + n_in, 0, sizeof(float) * (size_t)(RW - l - n_in));
            }
        }
        /* 2. input transform: V[xi][c][t], t = tile row * tw + tx */
        for (int tr = 0; tr < ntr; tr++)
            for (int c = 0; c < C; c++)
                for (int tx = 0; tx < tw16; tx += 16) {
                    __m512 d[4][4];
                    for (int r = 0; r < 4; r++) {
                        const float *s = rows + ((size_t)(2 * tr + r) * C + c) * RW + 2 * tx;
                        const __m512 a = _mm512_loadu_ps(s), b = _mm512_loadu_ps(s + 16);
                        const __m512 a2 = _mm512_loadu_ps(s + 2), b2 = _mm512_loadu_ps(s + 18);
                        d[r][0] = _mm512_permutex2var_ps(a, ev, b);
                        d[r][1] = _mm512_permutex2var_ps(a, od, b);
                        d[r][2] = _mm512_permutex2var_ps(a2, ev, b2);
                        d[r][3] = _mm512_permutex2var_ps(a2, od, b2);
                    }
                    __m512 t[4][4]; /* B^T d: over rows */
                    for (int k = 0; k < 4; k++) {
                        t[0][k] = _mm512_sub_ps(d[0][k], d[2][k]);
                        t[1][k] = _mm512_add_ps(d[1][k], d[2][k]);
                        t[2][k] = _mm512_sub_ps(d[2][k], d[1][k]);
                        t[3][k] = _mm512_sub_ps(d[1][k], d[3][k]);
                    }
                    const int cnt = tw - tx < 16 ? tw - tx : 16;
                    const __mmask16 mk = (__mmask16)((1u << cnt) - 1);
                    float *vb = V + (size_t)c * NT + (size_t)tr * tw + tx;
                    const size_t xs = (size_t)C * NT;
                    for (int i = 0; i < 4; i++) { /* (B^T d) B: over columns */
                        _mm512_mask_storeu_ps(vb + (i * 4 + 0) * xs, mk, _mm512_sub_ps(t[i][0], t[i][2]));
                        _mm512_mask_storeu_ps(vb + (i * 4 + 1) * xs, mk, _mm512_add_ps(t[i][1], t[i][2]));
                        _mm512_mask_storeu_ps(vb + (i * 4 + 2) * xs, mk, _mm512_sub_ps(t[i][2], t[i][1]));
                        _mm512_mask_storeu_ps(vb + (i * 4 + 3) * xs, mk, _mm512_sub_ps(t[i][1], t[i][3]));
                    }
                }
        /* the padding tiles of the last vector read zeros */
        const int ntp = (ntiles + 15) / 16 * 16;
        for (int xi = 0; xi < 16; xi++)
            for (int c = 0; c < C; c++)
                for (int t = ntiles; t < ntp; t++) V[((size_t)xi * C + c) * NT + t] = 0.0f;
        /* 3. the 16 GEMMs: Mo[xi][co][t] */
        for (int xi = 0; xi < 16; xi++)
            for (int co = c0; co < c1; co += WMR) {
                const int mr = c1 - co < WMR ? c1 - co : WMR;
                for (int t0 = 0; t0 < ntp; t0 += 16 * WNV) {
                    const int nv = (ntp - t0) / 16 < WNV ? (ntp - t0) / 16 : WNV;
                    ukr_any(mr, nv, C, V + (size_t)xi * C * NT + t0, (size_t)NT, U + ((size_t)xi * M + co) * C, zero,
                            &none, Mo + ((size_t)xi * M + co) * NT + t0, (size_t)NT, 16 * nv);
                }
            }
        /* 4. output transform A^T m A + bias, two output rows per tile row, columns interleaved */
        for (int co = c0; co < c1; co++) {
            const __m512 bv = _mm512_set1_ps(bias[co]);
            float *yc = y + ((ptrdiff_t)n * M + co) * P;
            for (int tr = 0; tr < ntr; tr++)
                for (int tx = 0; tx < tw; tx += 16) {
                    const float *mb = Mo + (size_t)co * NT + (size_t)tr * tw + tx;
                    const size_t xs = (size_t)M * NT;
                    __m512 s[4], u[4];
                    for (int k = 0; k < 4; k++) {
                        const __m512 m0 = _mm512_loadu_ps(mb + (0 * 4 + k) * xs), m1 = _mm512_loadu_ps(mb + (1 * 4 + k) * xs);
                        const __m512 m2 = _mm512_loadu_ps(mb + (2 * 4 + k) * xs), m3 = _mm512_loadu_ps(mb + (3 * 4 + k) * xs);
                        s[k] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
                        u[k] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
                    }
                    __m512 o[2][2];
                    o[0][0] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), s[2]), bv);
                    o[0][1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[1], s[2]), s[3]), bv);
                    o[1][0] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(u[0], u[1]), u[2]), bv);
                    o[1][1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(u[1], u[2]), u[3]), bv);
                    const int cols = g->w_out - 2 * tx; /* output columns left from 2 * tx */
                    for (int rr = 0; rr < 2; rr++) {
                        const int oh = 2 * (ty0 + tr) + rr;
                        if (oh >= g->h_out) break;
                        float *yr = yc + (ptrdiff_t)oh * g->w_out + 2 * tx;
                        const __m512 e = o[rr][0], f = o[rr][1];
                        const __m512 v0 = _mm512_permutex2var_ps(e, lo_i, f), v1 = _mm512_permutex2var_ps(e, hi_i, f);
                        const int c0 = cols < 16 ? cols : 16, c1 = cols - 16 < 16 ? cols - 16 : 16;
                        const __mmask16 m0 = (__mmask16)((1u << c0) - 1);
                        _mm512_mask_storeu_ps(yr, m0, post_v(&pp, yr, v0, m0));
                        if (c1 > 0) {
                            const __mmask16 m1 = (__mmask16)((1u << c1) - 1);
                            _mm512_mask_storeu_ps(yr + 16, m1, post_v(&pp, yr + 16, v1, m1));
                        }
                    }
                }
        }
    }
}

const dlk_fconv_impl dlk_f32_conv3x3_wino_avx512 = {"avx512-winograd-f2x2", w_supports, w_packed_bytes, w_pack, w_scratch, w_run};
