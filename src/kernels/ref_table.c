/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reference table's entries (config.h): the portable kernels of kernels.h behind the kernel
 * table's signatures, so that every slot of every table is set and operators call through it
 * without asking whether an ISA has a kernel. Each gives exactly the bits of the kernel it wraps.
 */
#include "kernels/config.h"

/* ---- element-wise ----------------------------------------------------------------------------- */

void dlk_quantize_q8_ref_n(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y)
{
    const int32_t z = zp;
    dlk_quantize_ref(1, 1, n, x, &scale, &z, t, y);
}

void dlk_qadd_q8_ref_n(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                       int b_zp, float c_scale, int c_zp, int relu, void *c)
{
    const int64_t one = 1;
    dlk_qadd_q8_ref(1, &n, &one, &one, t, a, a_scale, a_zp, b, b_scale, b_zp, c_scale, c_zp, c);
    if (relu) dlk_clip_q8_ref(n, t, c, c_zp, dlk_q8_hi(t), c);
}

void dlk_add_f32_ref_n(int64_t n, const float *a, const float *b, int relu, float *y)
{
    const int64_t one = 1;
    dlk_binary_f32_ref(DLK_BIN_ADD, 1, &n, &one, &one, a, b, y);
    if (relu) dlk_relu_f32_ref(n, y, y);
}

/* ---- pooling ----------------------------------------------------------------------------------- */

int dlk_maxpool_ref_ok(const dlk_pool_geom *g)
{
    (void)g;
    return 1;
}

/* The planes [p0, p1) as a geometry of their own: planes are independent. */
static dlk_pool_geom planes(const dlk_pool_geom *g, int64_t p0, int64_t p1)
{
    dlk_pool_geom s = *g;
    s.n = 1;
    s.c = (int)(p1 - p0);
    return s;
}

void dlk_maxpool_q8_ref_planes(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t p0, int64_t p1)
{
    if (p1 <= p0) return;
    const dlk_pool_geom s = planes(g, p0, p1);
    dlk_maxpool_q8_ref(&s, t, (const uint8_t *)x + p0 * g->h_in * g->w_in, (uint8_t *)y + p0 * g->h_out * g->w_out);
}

void dlk_maxpool_f32_ref_planes(const dlk_pool_geom *g, const float *x, float *y, int64_t p0, int64_t p1)
{
    if (p1 <= p0) return;
    const dlk_pool_geom s = planes(g, p0, p1);
    dlk_maxpool_f32_ref(&s, x + p0 * g->h_in * g->w_in, y + p0 * g->h_out * g->w_out);
}

/* ---- convolution ------------------------------------------------------------------------------- */
/* The reference convs' "packed" block: where the model's constant weights and bias are. */
typedef struct {
    const void *w;
    const void *bias;
} ref_pack;

static size_t ref_pack_bytes(void) { return sizeof(ref_pack); }
static void ref_pack_store(const void *w, const void *bias, void *dst)
{
    ref_pack *r = dst;
    r->w = w;
    r->bias = bias;
}

/* (void)p: these take any conv and need no scratch */
static int qref_supports(const dlk_qconv_params *p) { return (void)p, 1; }
static size_t qref_packed_bytes(const dlk_qconv_params *p) { return (void)p, ref_pack_bytes(); }
static void qref_pack(const dlk_qconv_params *p, const void *w, const int32_t *bias, void *dst) { (void)p, ref_pack_store(w, bias, dst); }
static size_t qref_scratch_bytes(const dlk_qconv_params *p) { return (void)p, 0; }
static void qref_run(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch, int ith,
                     int nth)
{
    (void)scratch, (void)nth;
    const ref_pack *r = packed;
    if (ith == 0) dlk_conv_q8_ref(p, x, r->w, r->bias, y, NULL);
}

const dlk_qconv_impl dlk_q8_conv_ref = {"ref", qref_supports, qref_packed_bytes, qref_pack, qref_scratch_bytes, qref_run};

/* NCHW in and out only */
static int fref_supports(const dlk_conv_geom *g) { return g->layout_in == DLK_NCHW && g->layout_out == DLK_NCHW; }
static size_t fref_packed_bytes(const dlk_conv_geom *g) { return (void)g, ref_pack_bytes(); }
static void fref_pack(const dlk_conv_geom *g, const float *w, const float *bias, void *dst) { (void)g, ref_pack_store(w, bias, dst); }
static size_t fref_scratch_bytes(const dlk_conv_geom *g) { return (void)g, 0; }
/* the convolution, then the fused Add and Relu over the output as the operator did them before */
static void fref_run(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum,
                     void *scratch, int relu, int ith, int nth)
{
    (void)scratch, (void)nth;
    if (ith != 0) return;
    const ref_pack *r = packed;
    dlk_conv_f32_ref(g, x, r->w, r->bias, y);
    const int64_t n = (int64_t)g->n * g->c_out * g->h_out * g->w_out, one = 1;
    if (sum) dlk_binary_f32_ref(DLK_BIN_ADD, 1, &n, &one, &one, y, sum, y);
    if (relu) dlk_relu_f32_ref(n, y, y);
}

const dlk_fconv_impl dlk_f32_conv_ref = {"ref", fref_supports, fref_packed_bytes, fref_pack, fref_scratch_bytes, fref_run};
