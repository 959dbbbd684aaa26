/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel table: which implementation of each hot kernel this machine runs, chosen once at run
 * time from CPUID (x86: AVX-512 with VNNI, AVX2 + FMA, else the portable reference). The
 * environment variable DLAKIT_ISA=ref|avx2|avx2vnni|avx512|neon forces one (an ISA the CPU lacks falls back to
 * the best one it has, never to an illegal instruction). The reference kernels (kernels.h) stay
 * the oracle: every entry here gives bit-identical int8 results.
 */
#ifndef DLK_KERNELS_CONFIG_H
#define DLK_KERNELS_CONFIG_H

#include "dlakit.h"
#include "kernels/kernels.h"

/* AVX2VNNI: AVX2 + FMA + AVX-VNNI (vpdpbusd on ymm: Intel Core 12th gen on, AMD Zen 5), the AVX2
 * table with the VNNI int8 conv in front */
typedef enum { DLK_ISA_REF = 0, DLK_ISA_AVX2 = 1, DLK_ISA_AVX2VNNI = 2, DLK_ISA_AVX512 = 3,
               DLK_ISA_NEON = 4 } dlk_isa;

/*
 * int8 convolution with weights packed once. Use: if supports(p), allocate packed_bytes(p), call
 * pack(p, w, bias, dst) once (dst 64-byte aligned), give every run scratch_bytes(p) bytes of
 * 64-byte aligned scratch per thread, and call run(p, packed, x, y, scratch, ith, nth) on each of
 * nth threads (thread ith computes its share of y; no synchronisation inside). p must keep the
 * values it had at pack time (the zero points are folded into the packed bias).
 */
typedef struct dlk_qconv_impl {
    const char *name;
    int (*supports)(const dlk_qconv_params *p);
    size_t (*packed_bytes)(const dlk_qconv_params *p);
    void (*pack)(const dlk_qconv_params *p, const void *w, const int32_t *bias, void *dst);
    size_t (*scratch_bytes)(const dlk_qconv_params *p);
    void (*run)(const dlk_qconv_params *p, const void *packed, const void *x, void *y, void *scratch,
                int ith, int nth);
} dlk_qconv_impl;

/*
 * float convolution with weights packed once, same protocol as dlk_qconv_impl: if supports(g),
 * pack packed_bytes(g) bytes (64-aligned) once, give each thread scratch_bytes(g) bytes and call
 * run on every thread; sum (NULL: none) is a tensor of y's shape added to the outputs (a fused
 * Add), then relu != 0 clamps them at 0 (a fused Relu; NaN stays NaN).
 */
typedef struct dlk_fconv_impl {
    const char *name;
    int (*supports)(const dlk_conv_geom *g);
    size_t (*packed_bytes)(const dlk_conv_geom *g);
    void (*pack)(const dlk_conv_geom *g, const float *w, const float *bias, void *dst);
    size_t (*scratch_bytes)(const dlk_conv_geom *g);
    void (*run)(const dlk_conv_geom *g, const void *packed, const float *x, float *y, const float *sum, void *scratch,
                int relu, int ith, int nth);
} dlk_fconv_impl;

/*
 * The kernel table of one ISA. Every entry is set: the reference table (dlk_kernels_for(DLK_ISA_REF))
 * wraps the portable kernels of kernels.h behind the same signatures, and the SIMD tables use it
 * where they have nothing better. An operator reads its context's table at prepare (dlk_op.k),
 * decides there which entry takes its geometry, and keeps that function pointer for its runs.
 */
typedef struct dlk_kernels {
    dlk_isa isa;
    const char *name;              /* "ref", "avx2", "avx2vnni", "avx512", "neon" */
    /* int8 convolutions, best first, ending with the reference (which takes every conv) and a
     * NULL: the first whose supports() accepts a conv runs it */
    const dlk_qconv_impl *qconv[4];
    /* int8 element-wise kernels, same semantics as the reference kernels; per-tensor / same-shape
     * cases only; each call does elements [0, n). */
    void (*quantize_q8)(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
    void (*qadd_q8)(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                    int b_zp, float c_scale, int c_zp, int relu, void *c);
    /* geometries maxpool_q8 and maxpool_f32 handle (the reference: all); for the others, the
     * reference table's */
    int (*maxpool_q8_ok)(const dlk_pool_geom *g);
    /* MaxPool on NCHW planes [plane0, plane1) of the n * c */
    void (*maxpool_q8)(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t plane0, int64_t plane1);
    /* float convolutions, best first, ending with the reference (NCHW in and out) and a NULL: the
     * first whose supports() accepts a conv runs it */
    const dlk_fconv_impl *fconv[6];
    /* float MaxPool on planes [plane0, plane1), geometries maxpool_q8_ok accepts */
    void (*maxpool_f32)(const dlk_pool_geom *g, const float *x, float *y, int64_t plane0, int64_t plane1);
    /* float MaxPool of any geometry on NCHW16C (g->c a multiple of 16), output rows [row0, row1)
     * of the n * c / 16 * h_out; bit-identical to the reference (NaN propagates alike) */
    void (*maxpool_f32_16c)(const dlk_pool_geom *g, const float *x, float *y, int64_t row0, int64_t row1);
    /* y = a + b over n elements (same shapes), then max(y, 0) when relu (NaN stays NaN) */
    void (*add_f32)(int64_t n, const float *a, const float *b, int relu, float *y);
    /* QLinearAveragePool on NCHW planes [plane0, plane1) of the n * c (kernels.h's semantics) */
    void (*qavgpool_q8)(const dlk_pool_geom *g, dlk_q8type t, const void *x, float x_scale, int x_zp, float y_scale,
                        int y_zp, void *y, int64_t plane0, int64_t plane1);
} dlk_kernels;

/* [*b, *e): thread ith's share of n items, in multiples of align (the last share takes the rest). */
static inline void dlk_split(int64_t n, int ith, int nth, int64_t align, int64_t *b, int64_t *e)
{
    int64_t chunks = (n + align - 1) / align;
    *b = chunks * ith / nth * align;
    *e = chunks * (ith + 1) / nth * align;
    if (*b > n) *b = n;
    if (*e > n) *e = n;
}

/* The default table for this machine (and DLAKIT_ISA), chosen on the first call; thread-safe.
 * A context takes it when it is made (dlk_ctx.k); operators read their context's (dlk_op.k). */
const dlk_kernels *dlk_kernels_get(void);
/* Non-zero, with a message listing the valid values, when DLAKIT_ISA is set to something other than
 * avx512, avx2 or ref (dlk_ctx_new then refuses to make contexts). */
int dlk_isa_check_env(dlk_err *err);
/* The table for one ISA, or NULL if this CPU or build cannot run it (tests loop over these). */
const dlk_kernels *dlk_kernels_for(dlk_isa isa);
/* The reference table, complete (every ISA's table falls back on its entries). */
const dlk_kernels *dlk_kernels_ref(void);
/* The first int8 conv implementation of k that supports p (the reference takes every conv). */
const dlk_qconv_impl *dlk_qconv_pick(const dlk_kernels *k, const dlk_qconv_params *p);
/* The first float conv implementation of k that supports g, or NULL (none takes its layouts: the
 * reference takes NCHW in and out). */
const dlk_fconv_impl *dlk_fconv_pick(const dlk_kernels *k, const dlk_conv_geom *g);

/* The reference entries (kernels/ref_table.c): the portable kernels behind the table's signatures.
 * The reference convs keep pointers to the constant weights and bias as their "packed" block (so
 * they must outlive it) and run on part ith == 0 of a split. */
extern const dlk_qconv_impl dlk_q8_conv_ref;
extern const dlk_fconv_impl dlk_f32_conv_ref;
void dlk_quantize_q8_ref_n(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
void dlk_qadd_q8_ref_n(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                       int b_zp, float c_scale, int c_zp, int relu, void *c);
int dlk_maxpool_ref_ok(const dlk_pool_geom *g);
void dlk_maxpool_q8_ref_planes(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t p0, int64_t p1);
void dlk_maxpool_f32_ref_planes(const dlk_pool_geom *g, const float *x, float *y, int64_t p0, int64_t p1);
void dlk_add_f32_ref_n(int64_t n, const float *a, const float *b, int relu, float *y);

/* Implementations (src/kernels/x86/), present when DLK_X86_KERNELS is defined by the build. */
extern const dlk_qconv_impl dlk_q8_conv_avx512vnni;   /* AVX-512 F/BW/VL + VNNI, int8 weights */
extern const dlk_qconv_impl dlk_q8_conv_avx2;      /* AVX2, any int8/uint8 weights */
extern const dlk_qconv_impl dlk_q8_conv_avxvnni;   /* AVX2 + AVX-VNNI, int8 weights (the VNNI driver on ymm) */
extern const dlk_qconv_impl dlk_q8_conv_avx2quads;  /* AVX2, int8 weights: the VNNI driver, vpdpbusd as 2 vpmaddwd */
extern const dlk_fconv_impl dlk_f32_conv_avx512;    /* AVX-512 F, float */
extern const dlk_fconv_impl dlk_f32_conv3x3_wino_avx512;   /* AVX-512 F, float 3x3 stride 1: Winograd F(2x2, 3x3) */
extern const dlk_fconv_impl dlk_f32_gconv_avx512;  /* AVX-512 F, float, groups of <= 16 in / 8 out channels */
extern const dlk_fconv_impl dlk_f32_conv_bcast_avx512;  /* AVX-512 F, float, vectors over output channels: NCHW16C, NCHW stride 2 */
void dlk_quantize_q8_avx512(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
void dlk_qadd_q8_avx512(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                        int b_zp, float c_scale, int c_zp, int relu, void *c);
int dlk_maxpool_2x2_ok_avx512(const dlk_pool_geom *g); /* the MaxPools on NCHW planes: 2x2 stride 2 */
void dlk_maxpool_f32_avx512(const dlk_pool_geom *g, const float *x, float *y, int64_t p0, int64_t p1);
void dlk_maxpool_f32_16c_avx512(const dlk_pool_geom *g, const float *x, float *y, int64_t r0, int64_t r1);
void dlk_add_f32_avx512(int64_t n, const float *a, const float *b, int relu, float *y);
void dlk_maxpool_q8_avx512(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t p0, int64_t p1);
/* AVX2 + FMA, the same float kernels as AVX-512's (one driver each, kernels/x86/f32-v16.h), smaller tiles */
extern const dlk_fconv_impl dlk_f32_conv_avx2, dlk_f32_conv3x3_wino_avx2, dlk_f32_gconv_avx2, dlk_f32_conv_bcast_avx2;
int dlk_maxpool_2x2_ok_avx2(const dlk_pool_geom *g);
void dlk_maxpool_f32_avx2(const dlk_pool_geom *g, const float *x, float *y, int64_t p0, int64_t p1);
void dlk_maxpool_f32_16c_avx2(const dlk_pool_geom *g, const float *x, float *y, int64_t r0, int64_t r1);
void dlk_add_f32_avx2(int64_t n, const float *a, const float *b, int relu, float *y);
void dlk_quantize_q8_avx2(int64_t n, const float *x, float scale, int zp, dlk_q8type t, void *y);
void dlk_qadd_q8_avx2(int64_t n, dlk_q8type t, const void *a, float a_scale, int a_zp, const void *b, float b_scale,
                      int b_zp, float c_scale, int c_zp, int relu, void *c);
void dlk_maxpool_q8_avx2(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t p0, int64_t p1);

/* Implementations (src/kernels/arm64/), present when DLK_ARM64_KERNELS is defined by the build. */
extern const dlk_qconv_impl dlk_q8_conv_neon; /* AArch64 NEON (Armv8-A), any int8/uint8 weights */

#endif
