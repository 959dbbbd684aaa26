/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernels: the arithmetic of each operator on raw buffers, with no knowledge of graphs, ONNX or
 * memory planning. Tensors are dense, row-major, NCHW for images. These are the portable reference
 * kernels (suffix _ref); SIMD variants come later behind the same signatures and are checked
 * against these.
 *
 * int8 arithmetic follows ONNX Runtime's integer kernels on x86 bit for bit
 * (../shared/INT8_SEMANTICS.md): build with -ffp-contract=off and use fmaf only where stated.
 *
 * "q8" buffers hold int8 or uint8 elements; a dlk_q8type tells which.
 */
#ifndef DLK_KERNELS_H
#define DLK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { DLK_Q_U8 = 0, DLK_Q_I8 = 1 } dlk_q8type;

static inline int dlk_q8_lo(dlk_q8type t) { return t == DLK_Q_U8 ? 0 : -128; }
static inline int dlk_q8_hi(dlk_q8type t) { return t == DLK_Q_U8 ? 255 : 127; }

/* Requantization as ORT's MlasRequantizeOutput / QuantizeLinear: v = f32(acc * scale);
 * clamp v to [lo - zp, hi - zp] in float; round half to even; add zp. lo/hi may be narrower than
 * the type's range (a fused Relu raises lo to zp). */
int dlk_requant(int32_t acc, float scale, int zp, int lo, int hi);
/* QuantizeLinear of one float: v = f32(x / scale), clamp, rne, + zp (a division, not 1/scale). */
int dlk_quantize1(float x, float scale, int zp, int lo, int hi);

/* ---- layouts ---------------------------------------------------------------------------------- */
/* How a 4-D float activation [N, C, H, W] lies in memory. NCHW16C (channel-blocked, C a multiple
 * of 16): [N][C / 16][H][W][16], so the 16 channels of a block at one pixel are one cache line;
 * the float kernels that broadcast inputs over 16 output channels read and write it without
 * transposes. Channel slices at multiples of 16 sit at the same offsets as in NCHW. */
typedef enum { DLK_NCHW = 0, DLK_NCHW16C = 1 } dlk_layout;

/* Between the layouts, n images of c (a multiple of 16) channels of hw pixels. */
void dlk_nchw_to_16c_f32(int n, int c, int64_t hw, const float *x, float *y);
void dlk_16c_to_nchw_f32(int n, int c, int64_t hw, const float *x, float *y);

/* ---- convolution ---------------------------------------------------------------------------- */
typedef struct {
    int n;                     /* batch */
    int c_in, h_in, w_in;
    int c_out, h_out, w_out;
    int kh, kw;                /* kernel */
    int sh, sw;                /* strides */
    int dh, dw;                /* dilations */
    int pad_t, pad_l;          /* leading pads (trailing pads are implied by h_out/w_out) */
    int group;                 /* c_in and c_out are divisible by group */
    int layout_in, layout_out; /* dlk_layout of x and y (and of a fused sum, as y): NCHW but for
                                  the kernels that say they take NCHW16C; the reference: NCHW */
} dlk_conv_geom;

/* y[n][co][oh][ow] = bias[co] + sum_{ci in group, ky, kx} x[n][ci][oh*sh - pad_t + ky*dh][ow*sw - pad_l + kx*dw]
 *                                                      * w[co][ci - g*c_in/group][ky][kx]
 * Out-of-range input positions count as 0. bias may be NULL. */
void dlk_conv_f32_ref(const dlk_conv_geom *g, const float *x, const float *w, const float *bias,
                      float *y);

/* Quantized convolution (QLinearConv): acc = bias[co] + sum (x - x_zp) * (w - w_zp[co]) in int32,
 * out-of-range input positions contribute 0 (i.e. they are x_zp); y = dlk_requant(acc, scale[co],
 * y_zp, y_lo, y_hi). scale[co] = f32(f32(x_scale * w_scale[co]) / y_scale), computed by the caller.
 * w_zp may be NULL (all zero). bias may be NULL. acc_scratch holds h_out*w_out int32. */
typedef struct {
    dlk_conv_geom g;
    dlk_q8type x_type, w_type, y_type;
    int x_zp, y_zp;
    int y_lo, y_hi;            /* output clamp in quantized units, within the type's range */
    const int32_t *w_zp;       /* [c_out] or NULL */
    const float *scale;        /* [c_out] */
} dlk_qconv_params;
void dlk_conv_q8_ref(const dlk_qconv_params *p, const void *x, const void *w, const int32_t *bias,
                     void *y, int32_t *acc_scratch);

/* ---- pooling ----------------------------------------------------------------------------------- */
typedef struct {
    int n, c, h_in, w_in, h_out, w_out;
    int kh, kw, sh, sw, dh, dw;
    int pad_t, pad_l, pad_b, pad_r;
    int count_include_pad;     /* AveragePool only */
} dlk_pool_geom;
/* [*k0, *k1): the taps k < ks of a window whose positions start + k * d (d >= 1) lie in [0, n);
 * the pooling kernels walk these, in increasing k. */
static inline void dlk_taps_inside(int start, int ks, int d, int n, int *k0, int *k1)
{
    int a = start >= 0 ? 0 : (-start + d - 1) / d;
    int b = n - 1 - start < 0 ? 0 : (n - 1 - start) / d + 1;
    if (b > ks) b = ks;
    *k0 = a < b ? a : b;
    *k1 = b;
}
/* MaxPool: max over the window's in-range positions (padding never wins). A window with no
 * in-range position (possible with ceil_mode) gives -inf for float; for q8, the type's lowest. */
void dlk_maxpool_f32_ref(const dlk_pool_geom *g, const float *x, float *y);
void dlk_maxpool_q8_ref(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y);
/* the float MaxPool on NCHW16C (g->c a multiple of 16): output rows [r0, r1) of the
 * n * c / 16 * h_out */
void dlk_maxpool_f32_16c_ref(const dlk_pool_geom *g, const float *x, float *y, int64_t r0, int64_t r1);
/* AveragePool: sum over in-range positions / count, where count is the number of in-range
 * positions, or with count_include_pad the window clipped to the padded input
 * [-pad_t, h_in + pad_b) x [-pad_l, w_in + pad_r) (ONNX's rule with ceil_mode). */
void dlk_avgpool_f32_ref(const dlk_pool_geom *g, const float *x, float *y);
/* GlobalAveragePool over hw = H*W values for each of nc planes. */
void dlk_gavgpool_f32_ref(int nc, int hw, const float *x, float *y);
/* the same on an NCHW16C input of n images, c channels (a multiple of 16); y [n][c] */
void dlk_gavgpool_f32_16c_ref(int n, int c, int hw, const float *x, float *y);
/* QLinearGlobalAveragePool (ORT): s = f32(x_scale / f32(y_scale * (float)hw));
 * acc = sum(x) - x_zp*hw; y = dlk_requant(acc, s, y_zp, lo, hi) (full type range). */
void dlk_qgavgpool_q8_ref(int nc, int hw, dlk_q8type t, const void *x, float x_scale, int x_zp,
                          float y_scale, int y_zp, void *y);

/* QLinearAveragePool (com.microsoft), as ORT's qlinear_pool.cc computes it on NCHW: a window of
 * kernel kh x kw clipped to the input (hstart = max(oh*sh - pad_t, 0), hend = min(oh*sh - pad_t + kh,
 * h_in); w alike; no dilations); sum = 0.0f + each f32(x_scale * (float)(x - x_zp)) in row order;
 * avg = f32(sum / (float)count), count = kh*kw with count_include_pad, else (hend - hstart) *
 * (wend - wstart) (ORT's rule: never clipped by the trailing pads); y = clamp to the type of
 * (int32)nearbyintf(f32(avg / y_scale) + (float)y_zp) (zero point added before rounding; a value
 * out of int32 range or NaN converts as x86's cvttss2si does: INT32_MIN, hence the lowest value).
 * A kernel covering the whole input with no pads is ORT's fallback to QLinearGlobalAveragePool:
 * dlk_qgavgpool_q8_ref on the planes. Planes [p0, p1) of the n * c. */
void dlk_qavgpool_q8_ref(const dlk_pool_geom *g, dlk_q8type t, const void *x, float x_scale, int x_zp,
                         float y_scale, int y_zp, void *y, int64_t p0, int64_t p1);

/* ---- matrix products ------------------------------------------------------------------------- */
/* Gemm: Y[M][N] = alpha * A'[M][K] @ B'[K][N] + beta * C, A' = transA ? A^T : A (A stored
 * [K][M] when transposed), likewise B. C may be NULL; otherwise it is broadcast with strides
 * c_rs (row stride, 0 to broadcast) and c_cs (column stride, 0 to broadcast). */
void dlk_gemm_f32_ref(int M, int N, int K, float alpha, const float *A, int transA,
                      const float *B, int transB, float beta, const float *C, int c_rs, int c_cs,
                      float *Y);
/* QLinearMatMul for 2-D A[M][K], B[K][N], per-tensor scales and zero points:
 * acc = sum (a - a_zp) * (b - b_zp); y = dlk_requant(acc, f32(f32(a_scale * b_scale) / y_scale),
 * y_zp, type range). */
void dlk_qmatmul_q8_ref(int M, int N, int K, dlk_q8type at, const void *A, float a_scale, int a_zp,
                        dlk_q8type bt, const void *B, float b_scale, int b_zp,
                        dlk_q8type yt, float y_scale, int y_zp, void *Y);

/* ---- element-wise ----------------------------------------------------------------------------- */
/* Broadcasting binary op over an N-D output of dims out[ndim]; a_str / b_str are element strides
 * per output dimension (0 where that input is broadcast). */
typedef enum { DLK_BIN_ADD, DLK_BIN_SUB, DLK_BIN_MUL, DLK_BIN_DIV } dlk_binop;
void dlk_binary_f32_ref(dlk_binop op, int ndim, const int64_t *out, const int64_t *a_str,
                        const int64_t *b_str, const float *a, const float *b, float *y);
/* QLinearAdd (ORT x86): rA = f32(a_scale/c_scale), rB = f32(b_scale/c_scale);
 * fixed = f32((float)c_zp - fmaf(rA, (float)a_zp, f32(rB * (float)b_zp)));
 * t = fmaf((float)b, rB, fixed); t = fmaf((float)a, rA, t); c = saturate(rne(t)).
 * Same broadcasting convention as above. */
void dlk_qadd_q8_ref(int ndim, const int64_t *out, const int64_t *a_str, const int64_t *b_str,
                     dlk_q8type t, const void *a, float a_scale, int a_zp,
                     const void *b, float b_scale, int b_zp, float c_scale, int c_zp, void *c);

void dlk_relu_f32_ref(int64_t n, const float *x, float *y);
void dlk_sigmoid_f32_ref(int64_t n, const float *x, float *y);
void dlk_clip_f32_ref(int64_t n, const float *x, float lo, float hi, float *y);
void dlk_clip_q8_ref(int64_t n, dlk_q8type t, const void *x, int lo, int hi, void *y);
/* Softmax over the middle dimension of [outer][len][inner], max-subtracted, in float. */
void dlk_softmax_f32_ref(int64_t outer, int64_t len, int64_t inner, const float *x, float *y);

/* ---- quantization --------------------------------------------------------------------------- */
/* QuantizeLinear over [outer][axis_len][inner]: channel k uses scale[k], zp[k] (per-tensor: pass
 * axis_len = 1). y = dlk_quantize1(x, scale, zp, type range). */
void dlk_quantize_ref(int64_t outer, int64_t axis_len, int64_t inner, const float *x,
                      const float *scale, const int32_t *zp, dlk_q8type t, void *y);
/* DequantizeLinear: y = f32((float)(x - zp) * scale). x_type is DLK_Q_U8 / DLK_Q_I8, or
 * x_is_i32 != 0 for int32 input (zp must then be 0). */
void dlk_dequantize_ref(int64_t outer, int64_t axis_len, int64_t inner, const void *x,
                        dlk_q8type x_type, int x_is_i32, const float *scale, const int32_t *zp,
                        float *y);
/* QLinearConcat's per-input table: lut[v - lo] = dlk_quantize1(f32(in_scale * (float)(v - in_zp)),
 * y_scale, y_zp, type range), for every v of the type. */
void dlk_requant_lut_q8(dlk_q8type t, float in_scale, int in_zp, float y_scale, int y_zp,
                        uint8_t lut[256]);
/* QLinearLeakyRelu's table (ORT's qlinear_lookup_table.cc with its LeakyRelu): d =
 * f32(in_scale * (float)(v - in_zp)); f = d >= 0 ? d : f32(alpha * d); lut[v - lo] =
 * dlk_quantize1(f, y_scale, y_zp, type range). alpha = 0 is DequantizeLinear -> Relu ->
 * QuantizeLinear in float, bit for bit (-0.0 and 0.0 quantize alike). */
void dlk_leakyrelu_lut_q8(dlk_q8type t, float in_scale, int in_zp, float alpha, float y_scale, int y_zp,
                          uint8_t lut[256]);
/* y[i] = lut[x[i] - lo] (bytes as the type's representation). */
void dlk_apply_lut_q8(int64_t n, dlk_q8type t, const uint8_t lut[256], const void *x, void *y);

#endif
