/* SPDX-License-Identifier: Apache-2.0 */
/* MaxPool (float, int8, uint8), AveragePool, QLinearAveragePool, GlobalAveragePool, QLinearGlobalAveragePool. */
#include "ops/pool.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

/* MaxPool: the geometry first (the reference and codegen read it as a dlk_pool_geom), then the
 * table's kernels chosen for it: for NCHW, the table's when maxpool_q8_ok takes the geometry, else
 * the reference table's (prepare); for float NCHW16C, the table's (any geometry; finish). */
typedef struct {
    dlk_pool_geom g;
    dlk_q8type t;
    int is_q8;
    int64_t items; /* what run splits between threads: NCHW planes, or NCHW16C output rows */
    void (*q8)(const dlk_pool_geom *g, dlk_q8type t, const void *x, void *y, int64_t i0, int64_t i1);
    void (*f32)(const dlk_pool_geom *g, const float *x, float *y, int64_t i0, int64_t i1);
} maxpool_params;

/* is_max: MaxPool (float or q8); else AveragePool (float) or, with q8, QLinearAveragePool (int8 /
 * uint8). params_bytes: the size of op->params, which starts with the dlk_pool_geom. */
static int pool_prepare(dlk_op *op, int is_max, int q8, size_t params_bytes, dlk_err *err)
{
    const dlk_shape *xs = &op->in[0]->shape;
    dlk_q8type qt;
    if ((xs->dtype != DLK_FLOAT || q8) && !((is_max || q8) && dlk_q8type_of(xs->dtype, &qt) == 0))
        return dlk_fail(err, "input type %s is not supported", dlk_dtype_name(xs->dtype));
    if (xs->ndim != 4) return dlk_fail(err, "input must be 4-D NCHW (2-D pooling), is %d-D", xs->ndim);
    const int64_t *ks;
    if (dlk_attr_ints(op->node, "kernel_shape", &ks) != 2) return dlk_fail(err, "kernel_shape must have 2 values");
    if (dlk_attr_int(op->node, "storage_order", 0) != 0) return dlk_fail(err, "storage_order 1 is not supported");
    if (!is_max && dlk_attr_find(op->node, "dilations")) {
        const int64_t *dv;
        int nd = dlk_attr_ints(op->node, "dilations", &dv);
        if (nd != 2 || dv[0] != 1 || dv[1] != 1) return dlk_fail(err, "dilations are not supported for AveragePool");
    }
    int ceil_mode = (int)dlk_attr_int(op->node, "ceil_mode", 0);
    if (xs->dims[2] > (1 << 24) || xs->dims[3] > (1 << 24) || ks[0] < 1 || ks[1] < 1 || ks[0] > 4096 || ks[1] > 4096)
        return dlk_fail(err, "bad sizes");
    dlk_spatial s;
    if (dlk_op_spatial(op, (int)xs->dims[2], (int)xs->dims[3], (int)ks[0], (int)ks[1], ceil_mode, &s, err)) return -1;
    /* ONNX: pads must be smaller than the kernel (a window of padding only has no value) */
    if (s.pad_t >= s.kh || s.pad_b >= s.kh || s.pad_l >= s.kw || s.pad_r >= s.kw)
        return dlk_fail(err, "pads (%d, %d, %d, %d) must be smaller than the kernel %dx%d", s.pad_t, s.pad_l, s.pad_b,
                        s.pad_r, s.kh, s.kw);
    dlk_pool_geom *g = calloc(1, params_bytes);
    if (!g) return dlk_fail(err, "out of memory");
    op->params = g;
    g->n = (int)xs->dims[0];
    g->c = (int)xs->dims[1];
    g->h_in = (int)xs->dims[2];
    g->w_in = (int)xs->dims[3];
    DLK_SPATIAL_TO_GEOM(g, &s);
    g->pad_b = s.pad_b;
    g->pad_r = s.pad_r;
    g->count_include_pad = (int)dlk_attr_int(op->node, "count_include_pad", 0);
    int64_t d[4] = {g->n, g->c, g->h_out, g->w_out};
    dlk_shape_set(&op->out[0]->shape, xs->dtype, 4, d);
    return 0;
}

static int maxpool_finish(dlk_op *op, dlk_err *err);

static int maxpool_prepare(dlk_op *op, dlk_err *err)
{
    if (pool_prepare(op, 1, 0, sizeof(maxpool_params), err)) return -1;
    maxpool_params *p = op->params;
    const dlk_pool_geom *g = &p->g;
    const dlk_kernels *k = op->k;
    p->is_q8 = dlk_q8type_of(op->in[0]->shape.dtype, &p->t) == 0;
    if (!k->maxpool_q8_ok(g)) k = dlk_kernels_ref();
    p->q8 = k->maxpool_q8;
    p->f32 = k->maxpool_f32;
    p->items = (int64_t)g->n * g->c;
    op->parallel = (int64_t)g->n * g->c * g->h_out * g->w_out >= DLK_PARALLEL_MIN_ELEMS / 4;
    /* float: in and out channel-blocked alike (any geometry) */
    if (!p->is_q8) {
        op->layout_rule = DLK_LAYOUT_SAME;
        op->finish = maxpool_finish;
    }
    return 0;
}

/* Once the layouts are known: NCHW16C runs the table's channel-blocked kernel over output rows. */
static int maxpool_finish(dlk_op *op, dlk_err *err)
{
    (void)err;
    maxpool_params *p = op->params;
    if (op->in[0]->layout == DLK_NCHW16C) {
        p->f32 = op->k->maxpool_f32_16c;
        p->items = (int64_t)p->g.n * (p->g.c / 16) * p->g.h_out;
    }
    return 0;
}
static int avgpool_prepare(dlk_op *op, dlk_err *err) { return pool_prepare(op, 0, 0, sizeof(dlk_pool_geom), err); }

static void maxpool_run(const dlk_op *op, const dlk_exec *ex)
{
    const maxpool_params *p = op->params;
    int64_t b, e;
    dlk_split(p->items, ex->ith, ex->nth, 1, &b, &e);
    if (p->is_q8)
        p->q8(&p->g, p->t, op->in[0]->data, op->out[0]->data, b, e);
    else
        p->f32(&p->g, op->in[0]->data, op->out[0]->data, b, e);
}

static void avgpool_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    dlk_avgpool_f32_ref(op->params, op->in[0]->data, op->out[0]->data);
}

const dlk_pool_geom *dlk_pool_geom_of(const dlk_op *op)
{
    const dlk_opdef *d = op->node->op;
    return d == &dlk_op_MaxPool || d == &dlk_op_AveragePool || d == &dlk_op_QLinearAveragePool ? op->params : NULL;
}

/* MaxPool's second output (Indices) is refused: only output 0 is computed */
const dlk_opdef dlk_op_MaxPool = {.name = "MaxPool", .prepare = maxpool_prepare, .run = maxpool_run, .id = DLK_OP_MaxPool,
                                  .min_in = 1, .max_in = 1, .max_out = 2};
const dlk_opdef dlk_op_AveragePool = {.name = "AveragePool", .prepare = avgpool_prepare, .run = avgpool_run,
                                      .id = DLK_OP_AveragePool, .min_in = 1, .max_in = 1, .max_out = 1};

/* [N, C, spatial...] -> [N, C, 1, ...] */
static int gap_shape(dlk_op *op, dlk_dtype t, int64_t *nc, int64_t *hw, dlk_err *err)
{
    const dlk_shape *xs = &op->in[0]->shape;
    if (xs->ndim < 3) return dlk_fail(err, "input must have at least 3 dimensions");
    int64_t d[DLK_MAX_DIMS];
    *nc = xs->dims[0] * xs->dims[1];
    *hw = 1;
    d[0] = xs->dims[0];
    d[1] = xs->dims[1];
    for (int i = 2; i < xs->ndim; i++) {
        *hw *= xs->dims[i];
        d[i] = 1;
    }
    /* 1 << 22: the quantized kernel sums up to 255 per position in int32 */
    if (*hw < 1 || *hw > (1 << 22)) return dlk_fail(err, "spatial size %lld is not supported (1 to 4194304)", (long long)*hw);
    dlk_shape_set(&op->out[0]->shape, t, xs->ndim, d);
    return 0;
}

static int gap_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_need_dtype(op, DLK_POOL_X, DLK_FLOAT, err)) return -1;
    dlk_gap_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    /* a 4-D input in either layout; the output, one pixel per channel, is the same in both */
    if (op->in[0]->shape.ndim == 4) op->layout_rule = DLK_LAYOUT_FREE;
    return gap_shape(op, DLK_FLOAT, &p->nc, &p->hw, err);
}

static void gap_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_gap_data *p = op->params;
    const dlk_shape *xs = &op->in[0]->shape;
    if (op->in[0]->layout == DLK_NCHW16C)
        dlk_gavgpool_f32_16c_ref((int)xs->dims[0], (int)xs->dims[1], (int)p->hw, op->in[0]->data, op->out[0]->data);
    else
        dlk_gavgpool_f32_ref((int)p->nc, (int)p->hw, op->in[0]->data, op->out[0]->data);
}

const dlk_opdef dlk_op_GlobalAveragePool = {.name = "GlobalAveragePool", .prepare = gap_prepare, .run = gap_run,
                                            .id = DLK_OP_GlobalAveragePool, .min_in = 1, .max_in = 1, .max_out = 1};

/* QLinearGlobalAveragePool (com.microsoft): x, x_scale, x_zp, y_scale, y_zp. */
static int qgap_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_attr_int(op->node, "channels_last", 0)) return dlk_fail(err, "channels_last=1 is not supported");
    dlk_gap_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_dtype t = op->in[DLK_QGAP_X]->shape.dtype;
    if (dlk_q8type_of(t, &p->t)) return dlk_fail(err, "input must be int8 or uint8");
    if (op->in[DLK_QGAP_Y_ZP]->shape.dtype != t) return dlk_fail(err, "y_zero_point type differs from x");
    if (dlk_op_scale_f(op, DLK_QGAP_X_SCALE, &p->xs, err) || dlk_op_scalar_i(op, DLK_QGAP_X_ZP, &p->xzp, err) ||
        dlk_op_scale_f(op, DLK_QGAP_Y_SCALE, &p->ys, err) || dlk_op_scalar_i(op, DLK_QGAP_Y_ZP, &p->yzp, err))
        return -1;
    return gap_shape(op, t, &p->nc, &p->hw, err);
}

static void qgap_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_gap_data *p = op->params;
    dlk_qgavgpool_q8_ref((int)p->nc, (int)p->hw, p->t, op->in[0]->data, p->xs, p->xzp, p->ys, p->yzp, op->out[0]->data);
}

const dlk_gap_data *dlk_gap_data_of(const dlk_op *op)
{
    return op->node->op == &dlk_op_GlobalAveragePool || op->node->op == &dlk_op_QLinearGlobalAveragePool ? op->params
                                                                                                          : NULL;
}

#define QGAP_STATIC (1u << DLK_QGAP_X_SCALE | 1u << DLK_QGAP_X_ZP | 1u << DLK_QGAP_Y_SCALE | 1u << DLK_QGAP_Y_ZP)
const dlk_opdef dlk_op_QLinearGlobalAveragePool = {.name = "QLinearGlobalAveragePool", .static_inputs = QGAP_STATIC,
                                                   .prepare = qgap_prepare, .run = qgap_run,
                                                   .id = DLK_OP_QLinearGlobalAveragePool, .min_in = 5, .max_in = 5,
                                                   .max_out = 1};

/* QLinearAveragePool (com.microsoft; slots in ops/pool.h): ORT's qlinear_pool.cc (kernels.h). */
static int qavgpool_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_attr_int(op->node, "channels_last", 0)) return dlk_fail(err, "channels_last=1 is not supported");
    if (pool_prepare(op, 0, 1, sizeof(dlk_qavgpool_data), err)) return -1;
    dlk_qavgpool_data *p = op->params;
    const dlk_dtype t = op->in[DLK_QAVGPOOL_X]->shape.dtype;
    dlk_q8type_of(t, &p->t); /* int8 or uint8: pool_prepare checked */
    const dlk_tensor *xz = dlk_op_input(op, DLK_QAVGPOOL_X_ZP), *yz = dlk_op_input(op, DLK_QAVGPOOL_Y_ZP);
    if ((xz && xz->shape.dtype != t) || (yz && yz->shape.dtype != t)) return dlk_fail(err, "zero point types differ from x");
    if (dlk_op_scale_f(op, DLK_QAVGPOOL_X_SCALE, &p->xs, err) || (xz && dlk_op_scalar_i(op, DLK_QAVGPOOL_X_ZP, &p->xzp, err)) ||
        dlk_op_scale_f(op, DLK_QAVGPOOL_Y_SCALE, &p->ys, err) || (yz && dlk_op_scalar_i(op, DLK_QAVGPOOL_Y_ZP, &p->yzp, err)))
        return -1;
    p->run = op->k->qavgpool_q8;
    op->parallel = (int64_t)p->g.n * p->g.c * p->g.h_out * p->g.w_out * p->g.kh * p->g.kw >= DLK_PARALLEL_MIN_ELEMS;
    return 0;
}

static void qavgpool_run(const dlk_op *op, const dlk_exec *ex)
{
    const dlk_qavgpool_data *p = op->params;
    int64_t b, e;
    dlk_split((int64_t)p->g.n * p->g.c, ex->ith, ex->nth, 1, &b, &e);
    p->run(&p->g, p->t, op->in[DLK_QAVGPOOL_X]->data, p->xs, p->xzp, p->ys, p->yzp, op->out[0]->data, b, e);
}

const dlk_qavgpool_data *dlk_qavgpool_data_of(const dlk_op *op)
{
    return op->node->op == &dlk_op_QLinearAveragePool ? op->params : NULL;
}

#define QAVGPOOL_STATIC (1u << DLK_QAVGPOOL_X_SCALE | 1u << DLK_QAVGPOOL_X_ZP | 1u << DLK_QAVGPOOL_Y_SCALE | 1u << DLK_QAVGPOOL_Y_ZP)
const dlk_opdef dlk_op_QLinearAveragePool = {.name = "QLinearAveragePool", .static_inputs = QAVGPOOL_STATIC,
                                             .prepare = qavgpool_prepare, .run = qavgpool_run,
                                             .id = DLK_OP_QLinearAveragePool, .min_in = 4, .max_in = 5, .max_out = 1};
