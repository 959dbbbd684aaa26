/* SPDX-License-Identifier: Apache-2.0 */
/* Data movement: Concat, QLinearConcat, Split, Flatten, Reshape, Identity. */
#include "ops/shape.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static void copy_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    if (op->out[0]->data != op->in[0]->data && op->in[0]->bytes)
        memcpy(op->out[0]->data, op->in[0]->data, op->in[0]->bytes);
}

/* Identity, Flatten, Reshape: the output is the input's bytes */
static dlk_share_kind view_of_input(const dlk_op *op, uint64_t *slots)
{
    (void)op;
    *slots = 1;
    return DLK_SHARE_VIEW;
}

static int identity_prepare(dlk_op *op, dlk_err *err)
{
    (void)err;
    op->out[0]->shape = op->in[0]->shape;
    return 0;
}

const dlk_opdef dlk_op_Identity = {.name = "Identity", .prepare = identity_prepare, .run = copy_run, .share = view_of_input, .id = DLK_OP_Identity,
                                   .min_in = 1, .max_in = 1, .max_out = 1};

static int flatten_prepare(dlk_op *op, dlk_err *err)
{
    const dlk_shape *s = &op->in[0]->shape;
    int64_t axis = dlk_attr_int(op->node, "axis", 1);
    if (axis < -s->ndim || axis > s->ndim) return dlk_fail(err, "axis %lld out of range", (long long)axis);
    if (axis < 0) axis += s->ndim;
    int64_t d[2] = {1, 1};
    for (int i = 0; i < s->ndim; i++) d[i >= axis] *= s->dims[i];
    dlk_shape_set(&op->out[0]->shape, s->dtype, 2, d);
    return 0;
}

const dlk_opdef dlk_op_Flatten = {.name = "Flatten", .prepare = flatten_prepare, .run = copy_run, .share = view_of_input, .id = DLK_OP_Flatten,
                                  .min_in = 1, .max_in = 1, .max_out = 1};

static int reshape_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_need_dtype(op, DLK_RESHAPE_SHAPE, DLK_INT64, err)) return -1;
    const dlk_tensor *st = op->in[DLK_RESHAPE_SHAPE];
    if (!st->is_const) return dlk_fail(err, "the shape input must be a constant");
    if (st->shape.ndim != 1) return dlk_fail(err, "the shape input must be 1-D");
    int nd = (int)st->shape.dims[0];
    if (nd < 0 || nd > DLK_MAX_DIMS) return dlk_fail(err, "more than %d dimensions", DLK_MAX_DIMS);
    const int64_t *v = st->data;
    const dlk_shape *in = &op->in[DLK_RESHAPE_X]->shape;
    int allowzero = op->opset >= 14 && dlk_attr_int(op->node, "allowzero", 0);
    int64_t d[DLK_MAX_DIMS], known = 1, total = dlk_shape_numel(in);
    int infer = -1;
    for (int i = 0; i < nd; i++) {
        d[i] = v[i];
        if (v[i] == 0 && !allowzero) {
            if (i >= in->ndim) return dlk_fail(err, "shape[%d] = 0 copies a dimension the input does not have", i);
            d[i] = in->dims[i];
        } else if (v[i] == -1) {
            if (infer >= 0) return dlk_fail(err, "more than one -1 in the shape");
            infer = i;
            continue;
        } else if (v[i] < -1) {
            return dlk_fail(err, "shape[%d] = %lld is invalid", i, (long long)v[i]);
        }
        if (d[i] && known > INT64_MAX / d[i]) return dlk_fail(err, "the shape's element count overflows");
        known *= d[i];
    }
    if (infer >= 0) {
        if (known == 0 || total % known) return dlk_fail(err, "cannot infer the -1 dimension");
        d[infer] = total / known;
    } else if (known != total) {
        return dlk_fail(err, "shape has %lld elements, the input %lld", (long long)known, (long long)total);
    }
    dlk_shape_set(&op->out[0]->shape, in->dtype, nd, d);
    return 0;
}

const dlk_opdef dlk_op_Reshape = {.name = "Reshape", .static_inputs = 1u << DLK_RESHAPE_SHAPE, .prepare = reshape_prepare,
                                  .run = copy_run, .share = view_of_input, .id = DLK_OP_Reshape, .min_in = 2, .max_in = 2, .max_out = 1};

/* Concat of any type along one axis. */
static int concat_geometry(dlk_op *op, dlk_concat_data **pp, const int *slots, int n, dlk_err *err)
{
    dlk_concat_data *p = calloc(1, sizeof *p + (size_t)n * 256);
    if (!p) return dlk_fail(err, "out of memory");
    *pp = p;
    op->params = p;
    const dlk_shape *s0 = &op->in[slots[0]]->shape;
    int64_t axis = dlk_attr_int(op->node, "axis", op->opset < 4 ? 1 : 0);
    if (!dlk_attr_find(op->node, "axis") && op->opset >= 4) return dlk_fail(err, "the axis attribute is required");
    if (axis < -s0->ndim || axis >= s0->ndim) return dlk_fail(err, "axis %lld out of range", (long long)axis);
    if (axis < 0) axis += s0->ndim;
    p->n = n;
    p->esize = dlk_dtype_size(s0->dtype);
    p->outer = p->inner = 1;
    for (int i = 0; i < s0->ndim; i++) {
        if (i < axis) p->outer *= s0->dims[i];
        if (i > axis) p->inner *= s0->dims[i];
    }
    int64_t d[DLK_MAX_DIMS];
    memcpy(d, s0->dims, sizeof d);
    d[axis] = 0;
    for (int k = 0; k < n; k++) {
        const dlk_shape *s = &op->in[slots[k]]->shape;
        if (s->dtype != s0->dtype || s->ndim != s0->ndim) return dlk_fail(err, "inputs differ in type or rank");
        for (int i = 0; i < s->ndim; i++)
            if (i != axis && s->dims[i] != s0->dims[i]) return dlk_fail(err, "input %d differs in dimension %d", slots[k], i);
        p->axis_len[k] = s->dims[axis];
        p->slot[k] = slots[k];
        d[axis] += s->dims[axis];
    }
    p->out_axis = d[axis];
    dlk_shape_set(&op->out[0]->shape, s0->dtype, s0->ndim, d);
    /* large copies are split between threads (each takes a share of every part) */
    size_t bytes;
    op->parallel = !dlk_shape_bytes(&op->out[0]->shape, &bytes) && bytes >= ((size_t)256 << 10);
    return 0;
}

static int concat_prepare(dlk_op *op, dlk_err *err)
{
    int slots[DLK_OP_MAX_IN];
    for (int i = 0; i < op->n_in; i++) slots[i] = i;
    dlk_concat_data *p;
    if (concat_geometry(op, &p, slots, op->n_in, err)) return -1;
    /* along the channels of 4-D values, each image's part is one range in both layouts (the
     * layouts pass keeps channel counts of whole blocks): the same copies either way */
    if (op->out[0]->shape.ndim == 4 && p->outer == op->out[0]->shape.dims[0]) op->layout_rule = DLK_LAYOUT_SAME;
    return 0;
}

static void concat_run(const dlk_op *op, const dlk_exec *ex)
{
    const dlk_concat_data *p = op->params;
    char *y = op->out[0]->data;
    size_t row = (size_t)(p->out_axis * p->inner) * p->esize;
    size_t at = 0;
    for (int k = 0; k < p->n; k++) {
        const char *x = op->in[p->slot[k]]->data;
        size_t chunk = (size_t)(p->axis_len[k] * p->inner) * p->esize;
        if (x == y + at && p->outer == 1 && !p->use_lut[k]) { /* its producer wrote it in place */
            at += chunk;
            continue;
        }
        int64_t b, e; /* this thread's elements of each part */
        dlk_split((int64_t)(chunk / p->esize), ex->ith, ex->nth, 64, &b, &e);
        const size_t off = (size_t)b * p->esize, len = (size_t)(e - b) * p->esize;
        for (int64_t o = 0; o < p->outer && len; o++) {
            if (p->use_lut[k])
                dlk_apply_lut_q8(e - b, p->qt, p->lut[k], x + o * chunk + off, y + o * row + at + off);
            else
                memcpy(y + o * row + at + off, x + o * chunk + off, len);
        }
        at += chunk;
    }
}

const dlk_opdef dlk_op_Concat = {.name = "Concat", .prepare = concat_prepare, .run = concat_run, .id = DLK_OP_Concat,
                                 .min_in = 1, .max_in = DLK_OP_MAX_IN, .max_out = 1, .all_in = 1};

const dlk_concat_data *dlk_concat_data_of(const dlk_op *op)
{
    return op->node->op == &dlk_op_Concat || op->node->op == &dlk_op_QLinearConcat ? op->params : NULL;
}

int dlk_concat_parts(const dlk_op *op)
{
    const dlk_concat_data *p = dlk_concat_data_of(op);
    return p ? p->n : 0;
}

int dlk_concat_part_in_place(const dlk_op *op, int k, int *slot, size_t *offset)
{
    const dlk_concat_data *p = dlk_concat_data_of(op);
    if (!p || k < 0 || k >= p->n || p->outer != 1 || p->use_lut[k]) return 0;
    size_t at = 0;
    for (int j = 0; j < k; j++) at += (size_t)(p->axis_len[j] * p->inner) * p->esize;
    *slot = p->slot[k];
    *offset = at;
    return 1;
}

/* QLinearConcat (com.microsoft, slots in ops/shape.h). Inputs with the output's scale and zero point
 * are copied; others pass through a 256-entry requantization table
 * (ORT's qlinear_concat.cc). */
static int qconcat_prepare(dlk_op *op, dlk_err *err)
{
    const int n = (op->n_in - DLK_QCONCAT_X(0)) / 3; /* parts (at least 1: dlk_opdef's min_in) */
    if (DLK_QCONCAT_X(n) != op->n_in) return dlk_fail(err, "needs y_scale, y_zero_point and (x, scale, zero point) triples");
    int slots[DLK_OP_MAX_IN];
    for (int k = 0; k < n; k++) slots[k] = DLK_QCONCAT_X(k);
    dlk_concat_data *p;
    if (concat_geometry(op, &p, slots, n, err)) return -1;
    if (dlk_q8type_of(op->in[DLK_QCONCAT_X(0)]->shape.dtype, &p->qt)) return dlk_fail(err, "inputs must be int8 or uint8");
    if (dlk_op_scale_f(op, DLK_QCONCAT_Y_SCALE, &p->y_scale, err) || dlk_op_scalar_i(op, DLK_QCONCAT_Y_ZP, &p->y_zp, err))
        return -1;
    for (int k = 0; k < n; k++) {
        float *s = &p->x_scale[k];
        int *z = &p->x_zp[k];
        if (dlk_op_scale_f(op, DLK_QCONCAT_X_SCALE(k), s, err) || dlk_op_scalar_i(op, DLK_QCONCAT_X_ZP(k), z, err)) return -1;
        if (*s == p->y_scale && *z == p->y_zp) continue;
        p->use_lut[k] = 1;
        dlk_requant_lut_q8(p->qt, *s, *z, p->y_scale, p->y_zp, p->lut[k]);
    }
    return 0;
}

/* every slot but the data inputs DLK_QCONCAT_X(k) (2, 5, 8, ...) */
#define QCONCAT_STATIC 0xB6DB6DB6DB6DB6DBULL
const dlk_opdef dlk_op_QLinearConcat = {.name = "QLinearConcat", .static_inputs = QCONCAT_STATIC, .prepare = qconcat_prepare,
                                        .run = concat_run, .id = DLK_OP_QLinearConcat, .min_in = 5, .max_in = DLK_OP_MAX_IN,
                                        .max_out = 1, .all_in = 1};

/* Split (slots in ops/shape.h): the lengths from the split input (opset 13+) or attribute (before),
 * else num_outputs (opset 18+: chunks of ceil(len / num_outputs), the last one shorter), else
 * (before opset 18) equal parts, one per output. */
static int split_prepare(dlk_op *op, dlk_err *err)
{
    dlk_split_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_shape *xs = &op->in[DLK_SPLIT_X]->shape;
    int64_t axis = dlk_attr_int(op->node, "axis", 0);
    if (axis < -xs->ndim || axis >= xs->ndim) return dlk_fail(err, "axis %lld out of range", (long long)axis);
    if (axis < 0) axis += xs->ndim;
    const int n = op->n_out;
    const int64_t len = xs->dims[axis];
    p->n = n;
    p->esize = dlk_dtype_size(xs->dtype);
    p->in_axis = len;
    p->outer = p->inner = 1;
    for (int i = 0; i < xs->ndim; i++) {
        if (i < axis) p->outer *= xs->dims[i];
        if (i > axis) p->inner *= xs->dims[i];
    }
    const dlk_tensor *st = dlk_op_input(op, DLK_SPLIT_SPLIT);
    const int64_t *sv = NULL;
    int ns = -1;
    if (st) {
        if (op->opset < 13) return dlk_fail(err, "the split input exists from opset 13 (the attribute before)");
        if (dlk_op_need_dtype(op, DLK_SPLIT_SPLIT, DLK_INT64, err)) return -1;
        if (st->shape.ndim != 1) return dlk_fail(err, "the split input must be 1-D");
        ns = (int)dlk_shape_numel(&st->shape);
        sv = st->data;
    } else if (op->opset < 13 && dlk_attr_find(op->node, "split")) {
        ns = dlk_attr_ints(op->node, "split", &sv);
    }
    const dlk_attr *no = op->opset >= 18 ? dlk_attr_find(op->node, "num_outputs") : NULL;
    if (sv && no) return dlk_fail(err, "split and num_outputs are both given");
    if (sv) {
        if (ns != n) return dlk_fail(err, "split has %d lengths for %d outputs", ns, n);
        int64_t sum = 0;
        for (int k = 0; k < n; k++) {
            if (sv[k] < 0 || sv[k] > len) return dlk_fail(err, "split length %lld is invalid", (long long)sv[k]);
            p->axis_len[k] = sv[k];
            sum += sv[k];
        }
        if (sum != len) return dlk_fail(err, "the split lengths sum to %lld, the axis has %lld", (long long)sum, (long long)len);
    } else if (no || op->opset < 18) {
        if (no && no->i != n) return dlk_fail(err, "num_outputs is %lld, the node has %d outputs", (long long)no->i, n);
        const int64_t chunk = no ? (len + n - 1) / n : len / n;
        if (!no && len % n) return dlk_fail(err, "an axis of %lld does not split into %d equal parts", (long long)len, n);
        if (no && chunk * (n - 1) >= len && n > 1) return dlk_fail(err, "num_outputs %d leaves an output empty", n);
        for (int k = 0; k < n; k++) p->axis_len[k] = k < n - 1 ? chunk : len - chunk * (n - 1);
    } else {
        return dlk_fail(err, "needs the split input or the num_outputs attribute");
    }
    int64_t d[DLK_MAX_DIMS], at = 0;
    memcpy(d, xs->dims, sizeof d);
    for (int k = 0; k < n; k++) {
        p->off[k] = at;
        at += p->axis_len[k];
        d[axis] = p->axis_len[k];
        if (op->out[k]) dlk_shape_set(&op->out[k]->shape, xs->dtype, xs->ndim, d);
    }
    return 0;
}

static void split_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_split_data *p = op->params;
    const char *x = op->in[DLK_SPLIT_X]->data;
    const size_t row = (size_t)(p->in_axis * p->inner) * p->esize;
    for (int k = 0; k < p->n; k++) {
        if (!op->out[k]) continue;
        char *y = op->out[k]->data;
        const size_t chunk = (size_t)(p->axis_len[k] * p->inner) * p->esize, off = (size_t)(p->off[k] * p->inner) * p->esize;
        for (int64_t o = 0; o < p->outer && chunk; o++) memcpy(y + o * chunk, x + o * row + off, chunk);
    }
}

const dlk_split_data *dlk_split_data_of(const dlk_op *op) { return op->node->op == &dlk_op_Split ? op->params : NULL; }

const dlk_opdef dlk_op_Split = {.name = "Split", .static_inputs = 1u << DLK_SPLIT_SPLIT, .prepare = split_prepare,
                                .run = split_run, .id = DLK_OP_Split, .min_in = 1, .max_in = 2, .max_out = DLK_OP_MAX_OUT,
                                .all_out = 1};
