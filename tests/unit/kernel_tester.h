/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel tester: every implementation of a kernel slot, in every kernel table this machine can
 * run (dlk_kernels_for), checked against the reference kernel on cases given as data.
 *
 * A case is built like a struct literal: start from conv_case_new() (one image, one channel, 1x1,
 * no pads, strides and dilations 1) and set what the case is about. Cases come from sources:
 * fixed tables, or a named generator run `count` times from a seed (a generator may draw an
 * invalid geometry; it is drawn again, so a source always yields `count` valid cases). Every
 * implementation sees the same cases and the same data; results must be bit-identical for int8
 * and within the caller's tolerance for float convolutions. A failure names the table, the
 * implementation, the source and index of the case, its geometry, the thread split and the first
 * differing element.
 *
 * The tester knows the kernel table only through its public shape (kernels/config.h): the
 * qconv[]/fconv[] lists and the element-wise slots, read in tst_impls_*().
 */
#ifndef DLK_KERNEL_TESTER_H
#define DLK_KERNEL_TESTER_H

#include "helpers.h"
#include "kernels/config.h"

/* ---- implementations ------------------------------------------------------------------------- */
typedef void (*tst_fn)(void);
typedef struct {
    const dlk_kernels *k;   /* the first table holding it */
    const char *table;      /* its name, e.g. "avx512" */
    const char *name;       /* implementation (conv) or slot name */
    const void *conv;       /* const dlk_qconv_impl * / const dlk_fconv_impl *, or NULL */
    tst_fn fn;              /* an element-wise slot's function, or NULL */
    int is_ref;             /* an entry of the reference table (DLK_ISA_REF) */
} tst_impl;
#define TST_MAX_IMPLS 16

/* The distinct entries of every table this machine runs (an entry shared by two tables is tested
 * once); tables the machine cannot run are reported on stdout. Returns the count. */
int tst_impls_qconv(tst_impl *out);
int tst_impls_fconv(tst_impl *out);
/* one element-wise slot: get() reads it from a table (NULL: empty) */
int tst_impls_slot(tst_impl *out, const char *slot, tst_fn (*get)(const dlk_kernels *k));

/* The implementations of one element-wise/pool slot, and how many (case, implementation) runs the
 * checks of its cases made (the visitors below get it as ctx). init skips the test when no table
 * fills the slot; done prints the count and fails unless runs >= min_runs per implementation. */
typedef struct {
    const char *slot;
    tst_impl im[TST_MAX_IMPLS];
    int nim, runs;
} tst_slot;
void tst_slot_init(tst_slot *s, const char *slot, tst_fn (*get)(const dlk_kernels *k));
void tst_slot_done(const tst_slot *s, int cases, int min_runs);

/* ---- convolution cases ------------------------------------------------------------------------ */
typedef struct {
    int n, c_in, c_out, h_in, w_in;
    int kh, kw, sh, sw, dh, dw;
    int pad_t, pad_l, pad_b, pad_r;
    int group;
    int relu;                            /* fused Relu (int8: y_lo = y_zp when above the type's lo) */
    int bias;                            /* with a bias */
    int sum;                             /* float: a fused Add */
    dlk_q8type x_type, w_type, y_type;   /* int8 */
    int x_zp, y_zp;
    int w_zp;                            /* int8: random per-channel weight zero points */
    uint64_t seed;                       /* the data's (0: from the source's seed and the index) */
} conv_case;

/* 1 image, 1 channel in and out, 1x1 input and kernel, strides/dilations 1, no pads, one group,
 * with bias, no fusion; int8: u8 input, i8 weights and output, zero points 0 */
conv_case conv_case_new(void);
/* random strides 1 or 2 (sw = sh two times in three), dilation 2 one time in five per axis */
void conv_case_rnd_strides(tst_rng *r, conv_case *c);
/* random pads: top and bottom in [0, max_h], left and right in [0, max_w] */
void conv_case_rnd_pads(tst_rng *r, conv_case *c, int max_h, int max_w);
/* g from c (output sizes from the pads); 0 when the geometry is valid */
int conv_case_geom(const conv_case *c, dlk_conv_geom *g);
/* "n 1 cin 16 cout 8 group 1 in 9x9 out 9x9 k 3x3 s 1,1 d 1,1 pad t1 l1 b1 r1 ...", with the int8
 * parameters when q8 */
const char *conv_case_str(const conv_case *c, int q8, char *buf, size_t size);

typedef void (*conv_gen_fn)(tst_rng *r, const void *arg, conv_case *c);
typedef struct {
    const char *name;
    const conv_case *table;  /* fixed cases, or NULL: */
    conv_gen_fn gen;         /* a generator, run count times */
    const void *arg;
    int count;
    uint64_t seed;
} conv_source;
/* fixed cases: CONV_TABLE("name", array) */
#define CONV_TABLE(nm, arr) {nm, arr, NULL, NULL, (int)(sizeof arr / sizeof arr[0]), 0}

/* ---- geometry classes (coverage accounting) ------------------------------------------------- */
enum {
    TC_DENSE,      /* group 1, kernel larger than 1x1 */
    TC_POINTWISE,  /* 1x1 */
    TC_PW_LONGK,   /* 1x1 with >= 32 input channels per group */
    TC_PW_SHORTK,  /* 1x1 with <= 2 input channels per group */
    TC_STRIDE2,
    TC_GROUPED,    /* groups of more than one input channel */
    TC_DEPTHWISE,  /* groups of one input channel */
    TC_K7,
    TC_ASYM_K,     /* kh != kw */
    TC_WINO,       /* dense 3x3 stride 1 dilation 1 */
    TC_PAD,
    TC_DIL,
    TC_BATCH,
    TC_ODD_C,      /* c_out not a multiple of 16 */
    TC_1PX,        /* an input of one row or one column */
    TC_WIDE,       /* rows of >= 24 input pixels */
    TC_BLOCKS16,   /* c_in and c_out multiples of 16 */
    TC_LAYOUT16,   /* run with an NCHW16C operand */
    TC_RELU,
    TC_SUM,
    TC_U8W,        /* uint8 weights */
    TC_ZP_END,     /* a zero point at its type's end */
    TC_COUNT
};
extern const char *const tc_names[TC_COUNT];
typedef struct {
    int runs;              /* (case, layout pair) runs */
    int cls[TC_COUNT];
} tst_tally;
/* the classes of a run of geometry g (q: the int8 parameters, NULL for float) */
unsigned tst_classes(const dlk_conv_geom *g, const dlk_qconv_params *q, int relu, int sum);
void tst_tally_add(tst_tally *t, unsigned classes);
void tst_tally_print(const char *what, const tst_tally *t);

/* The reference table's own conv entries wrap the oracle: the runners check them on every
 * TST_REF_EVERY-th generated case (and every fixed one), split over 3 threads, so that they cost
 * little under ASan. */
#define TST_REF_EVERY 8

/* ---- runners ------------------------------------------------------------------------------------ */
/* Every int8 conv implementation on every case of the sources, 1 and 3 threads, bit for bit
 * against dlk_conv_q8_ref. Each implementation must run at least min_runs cases (the reference
 * table's, min_runs / TST_REF_EVERY). */
void tst_check_qconv(const conv_source *src, int nsrc, int min_runs);
/* The same for float: every layout pair an implementation supports, against dlk_conv_f32_ref
 * (+ sum, Relu) within rel_tol * max(1, max |ref|) (the reference table's entries: bit for bit).
 * An implementation that takes NCHW16C
 * operands must run at least min_layout16 such cases. */
void tst_check_fconv(const conv_source *src, int nsrc, float rel_tol, int min_runs, int min_layout16);

/* ---- pooling cases ----------------------------------------------------------------------------- */
typedef struct {
    int n, c, h_in, w_in, kh, kw, sh, sw, dh, dw, pad_t, pad_l, pad_b, pad_r;
    int nan;               /* float: NaN and -inf now and then */
    dlk_q8type t;
    uint64_t seed;
} pool_case;
pool_case pool_case_new(void); /* 1x1 plane, one channel, kernel 2x2 stride 2 */
int pool_case_geom(const pool_case *c, dlk_pool_geom *g);
const char *pool_case_str(const pool_case *c, char *buf, size_t size);
typedef void (*pool_gen_fn)(tst_rng *r, const void *arg, pool_case *c);
typedef struct {
    const char *name;
    const pool_case *table;
    pool_gen_fn gen;
    const void *arg;
    int count;
    uint64_t seed;
} pool_source;
/* c (index i of source s) for every case of the sources; returns the number of cases */
int tst_pool_cases(const pool_source *s, int nsrc, void (*visit)(const pool_source *s, int i, pool_case *c, void *ctx),
                   void *ctx);

/* ---- element-wise cases: a length and a type ---------------------------------------------------- */
typedef struct {
    int64_t n;
    dlk_q8type t;
    int relu;
    uint64_t seed;
} ew_case;
typedef void (*ew_gen_fn)(tst_rng *r, const void *arg, int i, ew_case *c);
typedef struct {
    const char *name;
    ew_gen_fn gen;
    const void *arg;
    int count;
    uint64_t seed;
} ew_source;
int tst_ew_cases(const ew_source *s, int nsrc, void (*visit)(const ew_source *s, int i, ew_case *c, void *ctx), void *ctx);

#endif
