/*
 * Grouped float convolution with few channels per group, AVX-512: the 32-group 3x3s of the DLA-X
 * models have 2, 4 or 8 input and output channels per group, where the dense kernel
 * (f32-conv-avx512.c) spends its time packing and calling a micro-kernel for a few dozen FMAs.
 *
 * Per (image, group): the group's input channels are copied once into zero-padded phase planes
 * (stride 2: even/odd rows x even/odd columns, so that every tap reads its plane at stride 1), each
 * Hp x Wp with Hp = h_out + (kh-1)/s, Wp = w_out + (kw-1)/s. Output pixel (r, c) is then virtual
 * pixel q = r * Wp + c of one long line, and tap (ky, kx) reads plane (ky%s, kx%s) at
 * q + (ky/s) * Wp + kx/s: one unaligned load per 16 outputs, rows included. The micro-kernel keeps
 * all of the group's output channels (mr <= 8) x nv vectors of the line in registers
 * (mr * nv <= 24), writes a tile, and the tile's valid columns (c < w_out) are copied to y.
 * Float sums run per output over (input channel, tap) in ONNX order: within rounding of the
 * reference.
 */
#include "kernels/config.h"
#include "kernels/x86/f32-gemm-avx512.h"
#include "kernels/conv_tiling.h"

#define GC_MAX_CIN 16
#define GC_MAX_COUT 8
#define GC_MAX_K 7
#define GC_NVMAX 8
#define GC_SLACK (16 * GC_NVMAX) /* floats read past the last plane by the last chunk */

static int gc_s(const dlk_conv_geom *g) { return g->sh; }
static int gc_hp(const dlk_conv_geom *g) { return g->h_out + (g->kh - 1) / g->sh; }
static int gc_wp(const dlk_conv_geom *g) { return g->w_out + (g->kw - 1) / g->sw; }
static size_t gc_plane(const dlk_conv_geom *g) { return (size_t)gc_hp(g) * gc_wp(g); }
static size_t gc_planes_floats(const dlk_conv_geom *g)
{
    return (size_t)(g->c_in / g->group) * gc_s(g) * gc_s(g) * gc_plane(g);
}

static int gc_supports(const dlk_conv_geom *g)
{
    if (!dlk_conv_geom_ok(g) || g->group < 2) return 0;
    const int cin_g = g->c_in / g->group, cout_g = g->c_out / g->group;
    if (cin_g > GC_MAX_CIN || cout_g > GC_MAX_COUT || g->dh != 1 || g->dw != 1 || g->sh != g->sw ||
        (g->sh != 1 && g->sh != 2) || g->kh > GC_MAX_K || g->kw > GC_MAX_K)
        return 0;
    /* pads of a kernel or more (which no model here has) are left to the dense kernel; the planes
     * themselves would read them as zeros */
    if (g->pad_t >= g->kh || g->pad_l >= g->kw) return 0;
    return gc_planes_floats(g) < ((size_t)1 << 24); /* 64 MB of planes at most */
}

static size_t gc_packed_bytes(const dlk_conv_geom *g)
{
    return dlk_align64(sizeof(float) * (size_t)g->c_out) +
           sizeof(float) * (size_t)g->c_out * (g->c_in / g->group) * g->kh * g->kw;
}

/* bias (zeros when NULL), then the weights as ONNX stores them: [co][ci][ky][kx] */
static void gc_pack(const dlk_conv_geom *g, const float *w, const float *bias, void *dst)
{
    float *b = dst, *wp = (float *)((uint8_t *)dst + dlk_align64(sizeof(float) * (size_t)g->c_out));
    for (int co = 0; co < g->c_out; co++) b[co] = bias ? bias[co] : 0.0f;
    memcpy(wp, w, sizeof(float) * (size_t)g->c_out * (g->c_in / g->group) * g->kh * g->kw);
}

static size_t gc_scratch(const dlk_conv_geom *g)
{
    return dlk_align64(sizeof(float) * (gc_planes_floats(g) + GC_SLACK)) +
           sizeof(float) * (size_t)GC_MAX_COUT * 16 * GC_NVMAX;
}

/* vectors per chunk for mr output channels: mr * nv <= 24 accumulators */
static int gc_nvmax(int mr) { return mr <= 3 ? 8 : mr == 4 ? 6 : mr <= 6 ? 4 : 3; }

static inline __attribute__((always_inline)) void ukg(const int mr, const int nv, int C, int taps, const int *toff,
                                                      size_t cstride, const float *xp, const float *w,
                                                      const float *bias, float *tile)
{
    __m512 acc[GC_MAX_COUT][GC_NVMAX];
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nv; j++) acc[r][j] = _mm512_set1_ps(bias[r]);
    const size_t wrow = (size_t)C * taps;
    for (int c = 0; c < C; c++) {
        const float *xc = xp + c * cstride, *wc = w + (size_t)c * taps;
        for (int t = 0; t < taps; t++) {
            const float *xt = xc + toff[t];
            __m512 xv[GC_NVMAX];
            for (int j = 0; j < nv; j++) xv[j] = _mm512_loadu_ps(xt + 16 * j);
            for (int r = 0; r < mr; r++) {
                const __m512 wb = _mm512_set1_ps(wc[r * wrow + t]);
                for (int j = 0; j < nv; j++) acc[r][j] = _mm512_fmadd_ps(xv[j], wb, acc[r][j]);
            }
        }
    }
    for (int r = 0; r < mr; r++) /* plain sums: finished (post_row) when copied out */
        for (int j = 0; j < nv; j++) _mm512_storeu_ps(tile + r * 16 * GC_NVMAX + 16 * j, acc[r][j]);
}

#define GC_CASES(X)                                                                                             \
    X(1, 1) X(1, 2) X(1, 3) X(1, 4) X(1, 5) X(1, 6) X(1, 7) X(1, 8) X(2, 1) X(2, 2) X(2, 3) X(2, 4) X(2, 5)   \
    X(2, 6) X(2, 7) X(2, 8) X(3, 1) X(3, 2) X(3, 3) X(3, 4) X(3, 5) X(3, 6) X(3, 7) X(3, 8) X(4, 1) X(4, 2)   \
    X(4, 3) X(4, 4) X(4, 5) X(4, 6) X(5, 1) X(5, 2) X(5, 3) X(5, 4) X(6, 1) X(6, 2) X(6, 3) X(6, 4) X(7, 1)   \
    X(7, 2) X(7, 3) X(8, 1) X(8, 2) X(8, 3)

static void ukg_any(int mr, int nv, int C, int taps, const int *toff, size_t cstride, const float *xp, const float *w,
                    const float *bias, float *tile)
{
#define X(M_, N_) \
    case (M_) * 16 + (N_): ukg(M_, N_, C, taps, toff, cstride, xp, w, bias, tile); break;
    switch (mr * 16 + nv) {
        GC_CASES(X)
    default: break;
    }
#undef X
}

static void gc_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum, void *scratch,
                   int relu, int ith, int nth)
{
    const int s = gc_s(g), Hp = gc_hp(g), Wp = gc_wp(g), taps = g->kh * g->kw;
    const int cin_g = g->c_in / g->group, cout_g = g->c_out / g->group, M = g->c_out;
    const size_t plane = gc_plane(g), cstride = (size_t)s * s * plane;
    const int64_t P = (int64_t)g->h_out * g->w_out, V = (int64_t)(g->h_out - 1) * Wp + g->w_out;
    const ptrdiff_t in_plane = (ptrdiff_t)g->h_in * g->w_in;
    const float *bias = packed;
    const float *wq = (const float *)((const uint8_t *)packed + dlk_align64(sizeof(float) * (size_t)M));
    float *pl = scratch;
    float *tile = (float *)((uint8_t *)scratch + dlk_align64(sizeof(float) * (gc_planes_floats(g) + GC_SLACK)));
    const post_t pp = post_make(relu, sum, y);
    int toff[GC_MAX_K * GC_MAX_K];
    for (int t = 0; t < taps; t++) {
        const int ky = t / g->kw, kx = t % g->kw;
        toff[t] = (int)(((size_t)(ky % s) * s + (size_t)(kx % s)) * plane + (size_t)(ky / s) * Wp + (size_t)(kx / s));
    }
    memset(pl + gc_planes_floats(g), 0, sizeof(float) * GC_SLACK); /* read only into discarded lanes */
    const int nvmax = gc_nvmax(cout_g), chunk = 16 * nvmax;
    int64_t i0, i1;
    dlk_split((int64_t)g->n * g->group, ith, nth, 1, &i0, &i1);
    for (int64_t it = i0; it < i1; it++) {
        const int n = (int)(it / g->group), grp = (int)(it % g->group);
        const float *xg = x + ((ptrdiff_t)n * g->c_in + (ptrdiff_t)grp * cin_g) * in_plane;
        for (int c = 0; c < cin_g; c++)
            for (int py = 0; py < s; py++)
                for (int a = 0; a < Hp; a++) {
                    const int ih = s * a + py - g->pad_t;
                    const float *xr = ih >= 0 && ih < g->h_in ? xg + (ptrdiff_t)c * in_plane + (ptrdiff_t)ih * g->w_in : NULL;
                    float *o = pl + (size_t)c * cstride + (size_t)py * s * plane + (size_t)a * Wp;
                    if (s == 1) fline(o, xr, g->w_in, -g->pad_l, 1, Wp);
                    else fline2(o, o + plane, xr, g->w_in, -g->pad_l, Wp);
                }
        const float *wg = wq + (size_t)grp * cout_g * cin_g * taps;
        float *yg = y + ((ptrdiff_t)n * M + (ptrdiff_t)grp * cout_g) * P;
        for (int64_t q0 = 0; q0 < V; q0 += chunk) {
            const int len = (int)(V - q0 < chunk ? V - q0 : chunk);
            ukg_any(cout_g, (len + 15) / 16, cin_g, taps, toff, cstride, pl + q0, wg, bias + grp * cout_g, tile);
            for (int64_t r = q0 / Wp; r <= (q0 + len - 1) / Wp; r++) {
                const int64_t a = q0 > r * Wp ? q0 : r * Wp, b = q0 + len < r * Wp + g->w_out ? q0 + len : r * Wp + g->w_out;
                for (int m = 0; a < b && m < cout_g; m++)
                    post_row(&pp, yg + (ptrdiff_t)m * P + r * g->w_out + (a - r * Wp), tile + m * 16 * GC_NVMAX + (a - q0),
                             (int)(b - a));
            }
        }
    }
}

const dlk_fconv_impl dlk_f32_gconv_avx512 = {"avx512-grouped", gc_supports, gc_packed_bytes, gc_pack, gc_scratch, gc_run};
