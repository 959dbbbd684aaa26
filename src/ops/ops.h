/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operators: the glue between the graph and the kernels. Each operator has a prepare step (check
 * attributes and types, infer output shapes, size its scratch, precompute parameters such as
 * requantization scales) run once per context, and a run step that only calls kernels on buffers
 * that were planned in the arena. Runs never allocate.
 */
#ifndef DLK_OPS_H
#define DLK_OPS_H

#include "graph/graph.h"
#include "kernels/kernels.h"
#include "kernels/config.h"

#define DLK_OP_MAX_IN DLK_NODE_MAX_IN
#define DLK_OP_MAX_OUT DLK_NODE_MAX_OUT

/* A value as a context sees it: a concrete shape and a buffer (constant data or the arena). */
typedef struct {
    dlk_shape shape;
    void *data;
    int is_const;
    size_t bytes;
    /* planning */
    int first, last;            /* live range in node order */
    size_t offset;
    int host;                   /* > 0: this value lives inside value host - 1 (a Concat's output) */
    size_t host_offset;         /* at this byte offset */
    int is_host;                /* other values live inside this one */
    int layout;                 /* dlk_layout (kernels.h): NCHW but where dlk_ctx_layouts chose
                                   NCHW16C (4-D float values only) */
} dlk_tensor;

/* What layouts an operator takes (dlk_op.layout_rule, set by prepare; dlk_ctx_layouts reads it) */
enum {
    DLK_LAYOUT_FIXED = 0, /* NCHW everywhere (the default) */
    DLK_LAYOUT_FREE,      /* input 0 in either layout; the output in either, any other activation
                             input (a conv's fused Add operand) in the output's: a conv,
                             GlobalAveragePool */
    DLK_LAYOUT_SAME       /* every activation input and output in one layout, either */
};

struct dlk_kernels;

/* What a run step gets besides its operator: which of how many threads it is, its own scratch
 * (op->scratch_bytes bytes, aligned to 64) and its context's kernel table (op->k: the one prepare
 * chose its kernels from). */
typedef struct dlk_exec {
    int ith, nth;
    void *scratch;
    const struct dlk_kernels *k;
} dlk_exec;

/* Element-wise work below this many elements runs on one thread (see dlk_op.parallel). */
#define DLK_PARALLEL_MIN_ELEMS 100000

typedef struct dlk_op {
    const dlk_node *node;
    const char *path;
    int opset;
    int n_in, n_out;
    dlk_tensor *in[DLK_OP_MAX_IN];   /* NULL for an absent optional input */
    dlk_tensor *out[DLK_OP_MAX_OUT];
    size_t scratch_bytes;            /* set by prepare: per thread */
    void *scratch;                   /* placed in the arena before run (thread 0's) */
    int parallel;                    /* set by prepare: run is called on every thread of the
                                        context's pool, each doing its share (ex->ith of ex->nth);
                                        0: called once, with nth = 1 */
    void *params;                    /* malloc'd by prepare; freed with free() */
    struct dlk_pack_cache *packs;    /* the model's packed weights (ops/packs.h) */
    const struct dlk_kernels *k;     /* the context's kernel table, set before prepare: prepare
                                        picks its kernels from it (never from dlk_kernels_get) */
    int layout_rule;                 /* DLK_LAYOUT_*, set by prepare */
    char kernel[48];                 /* what runs it, for profiles: a conv's kernel ("" for most
                                        operators), then "16c>16c"-style layouts where not NCHW */
    /* set by prepare (or NULL): called once the layouts of the values are chosen, before the
       arena is planned (it may change scratch_bytes); errors as prepare's */
    int (*finish)(struct dlk_op *op, dlk_err *err);
} dlk_op;

/* The packed-weight store (ops/packs.h): one per model. */
typedef struct dlk_pack_cache dlk_pack_cache;

/* Every operator dlakit runs, one dlk_opdef each (dlk_op_<name>, in ops_*.c); DLK_OP_<name> is its
 * identity (dlk_opdef.id), for consumers that switch on the operator. */
#define DLK_OPS(X)                                                                                          \
    X(Conv) X(QLinearConv) X(MaxPool) X(AveragePool) X(GlobalAveragePool) X(QLinearGlobalAveragePool)        \
    X(Relu) X(Sigmoid) X(Clip) X(Softmax) X(Add) X(Sub) X(Mul) X(Div) X(QLinearAdd) X(Concat)                 \
    X(QLinearConcat) X(Flatten) X(Reshape) X(Identity) X(Gemm) X(MatMul) X(QLinearMatMul)                    \
    X(QuantizeLinear) X(DequantizeLinear) X(Split) X(QLinearAveragePool) X(QLinearLeakyRelu)

typedef enum {
#define DLK_OP_ID_(n) DLK_OP_##n,
    DLK_OPS(DLK_OP_ID_)
#undef DLK_OP_ID_
    DLK_OP_COUNT
} dlk_op_id;

/* How output 0 may share bytes with an input (dlk_opdef.share, asked once prepare and finish have
 * run; the planner, plan/liveness.h, takes or leaves each permission). *slots: bit i = slot i. */
typedef enum {
    DLK_SHARE_NONE = 0,
    DLK_SHARE_VIEW,     /* output 0 is the bytes of the lowest slot in *slots (Reshape, Flatten,
                           Identity): run copies nothing when the two coincide */
    DLK_SHARE_IN_PLACE  /* output 0 may be written over any slot in *slots (each of the output's
                           shape): every kernel, in every thread's share and layout, reads each
                           element before it writes the same element */
} dlk_share_kind;

typedef struct dlk_opdef {
    const char *name;                /* op_type, "domain:op_type" outside the default domain */
    uint64_t static_inputs;          /* bit i: input i must be a constant when the context is made */
    int (*prepare)(dlk_op *op, dlk_err *err);
    void (*run)(const dlk_op *op, const dlk_exec *ex);
    dlk_share_kind (*share)(const dlk_op *op, uint64_t *slots); /* NULL: no sharing (Concat's
                                        parts: dlk_concat_part_in_place) */
    /* what the operator is, takes and costs: its identity; how many inputs and outputs a node may
       have (checked once, by dlk_ops_resolve: the first min_in inputs must be named, every one
       with all_in; only output 0 is computed, any other must be absent, but with all_out every
       output is computed (output 0 is still required)); the multiply-accumulates
       of one run of a prepared op (NULL: none counted) */
    dlk_op_id id;
    int min_in, max_in, max_out, all_in, all_out;
    int64_t (*macs)(const dlk_op *op);
} dlk_opdef;

#define DLK_OP_DECL_(n) extern const dlk_opdef dlk_op_##n;
DLK_OPS(DLK_OP_DECL_)
#undef DLK_OP_DECL_

/* The operator of a type as the graph spells it ("com.microsoft:QLinearAdd"); NULL if unknown. */
const dlk_opdef *dlk_op_lookup(const char *op_type);
/* Binds every live node whose op is still NULL to its operator and checks its input and output
 * counts (dlk_opdef's min_in..max_out): called once the model is read (so that passes may rely on
 * the counts) and again after the passes, for the nodes they rewrote (which they leave NULL).
 * Fails naming the first unknown operator or miscounted node. */
int dlk_ops_resolve(dlk_graph *g, dlk_err *err);

/* Input slot of op, NULL when absent (past the node's inputs, or its name empty). */
static inline const dlk_tensor *dlk_op_input(const dlk_op *op, int slot) { return slot < op->n_in ? op->in[slot] : NULL; }

/* Helpers for prepare steps. Messages are prefixed with the file, node and operator by the caller. */
int dlk_op_need_dtype(const dlk_op *op, int slot, dlk_dtype t, dlk_err *err);
/* A constant scalar (or 1-element tensor) read as float / integer; fails if not constant. */
int dlk_op_scalar_f(const dlk_op *op, int slot, float *v, dlk_err *err);
int dlk_op_scalar_i(const dlk_op *op, int slot, int *v, dlk_err *err);
/* A quantization scale: a constant float scalar, finite and > 0 (zero, negative, NaN, inf refused). */
int dlk_op_scale_f(const dlk_op *op, int slot, float *v, dlk_err *err);
/* Checks one scale value: finite and > 0. */
int dlk_check_scale(float s, const char *what, dlk_err *err);
int dlk_q8type_of(dlk_dtype t, dlk_q8type *q);
void dlk_shape_set(dlk_shape *s, dlk_dtype t, int ndim, const int64_t *dims);

/* Spatial geometry for Conv / pools on NCHW: kernel, strides, dilations, pads from attributes
 * (auto_pad included). */
typedef struct {
    int kh, kw, sh, sw, dh, dw;
    int pad_t, pad_l, pad_b, pad_r;
    int h_out, w_out;
} dlk_spatial;
int dlk_op_spatial(const dlk_op *op, int h_in, int w_in, int kh, int kw, int ceil_mode, dlk_spatial *s,
                   dlk_err *err);
/* Copies a dlk_spatial's output size, window and leading pads into a kernel geometry (a
 * dlk_conv_geom or dlk_pool_geom: the same field names). */
#define DLK_SPATIAL_TO_GEOM(g, s)                                                                            \
    ((g)->h_out = (s)->h_out, (g)->w_out = (s)->w_out, (g)->kh = (s)->kh, (g)->kw = (s)->kw, (g)->sh = (s)->sh,  \
     (g)->sw = (s)->sw, (g)->dh = (s)->dh, (g)->dw = (s)->dw, (g)->pad_t = (s)->pad_t, (g)->pad_l = (s)->pad_l)

/* Broadcasting of two shapes (numpy rules): output dims and per-input strides over them. */
typedef struct {
    int ndim;
    int64_t out[DLK_MAX_DIMS], a_str[DLK_MAX_DIMS], b_str[DLK_MAX_DIMS];
} dlk_bcast;
int dlk_broadcast(const dlk_shape *a, const dlk_shape *b, dlk_bcast *bc, dlk_err *err);

/* Concat / QLinearConcat (after prepare): whether part k is a plain copy into one contiguous
 * range of the output (nothing before the axis but size-1 dimensions, no requantization); then
 * its input slot and the range's byte offset. Its producer may then write there directly. */
int dlk_concat_part_in_place(const dlk_op *op, int k, int *slot, size_t *offset);
int dlk_concat_parts(const dlk_op *op);

#endif
