/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_ctx: a model prepared for concrete input shapes, with one planned arena. */
#include "runtime.h"
#include "runtime/exec.h"
#include "plan/liveness.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void shape_str(const dlk_shape *s, char *buf, size_t n)
{
    size_t at = 0;
    at += snprintf(buf + at, n - at, "[");
    for (int i = 0; i < s->ndim && at < n; i++)
        at += s->dims[i] < 0 ? snprintf(buf + at, n - at, "%s?", i ? "," : "")
                             : snprintf(buf + at, n - at, "%s%lld", i ? "," : "", (long long)s->dims[i]);
    if (at < n) snprintf(buf + at, n - at, "]");
}

void dlk_ctx_free(dlk_ctx *c)
{
    if (!c) return;
    dlk_pool_free(c->pool);
    if (c->ops)
        for (int i = 0; i < c->m->g.n_nodes; i++) free(c->ops[i].params);
    free(c->ops);
    free(c->t);
    dlk_lv_free(c->lv);
    free(c->arena);
    free(c);
}

/* A tensor's size against the limit; what names it ("PATH: node 'n' (Op): output 'y'"). */
static int check_tensor_size(const dlk_shape *s, const char *what, dlk_err *err)
{
    dlk_limits lim;
    dlk_limits_get(&lim);
    size_t bytes;
    if (dlk_shape_bytes(s, &bytes) || dlk_shape_numel(s) > ((int64_t)1 << 34))
        return dlk_fail(err, "%s is too large (its element count overflows)", what);
    if (bytes > lim.tensor_bytes)
        return dlk_fail(err, "%s would take %zu bytes; the limit is %llu bytes (raise it with --max-tensor-bytes or "
                             "DLAKIT_MAX_TENSOR_BYTES)", what, bytes, (unsigned long long)lim.tensor_bytes);
    return 0;
}

/* Shapes that fail to broadcast or concatenate inside a DLA model usually mean an input size that
 * is not a multiple of its total stride (32): say so, with the size given. */
static void size_hint(const dlk_graph *g, const dlk_shape *in, int n_in, dlk_err *err)
{
    if (!strstr(err->msg, "cannot be broadcast") && !strstr(err->msg, "differs in dimension")) return;
    for (int i = 0; i < n_in; i++) {
        const dlk_shape *s = &in[i];
        if (s->ndim != 4 || (s->dims[2] % 32 == 0 && s->dims[3] % 32 == 0)) continue;
        size_t at = strlen(err->msg);
        snprintf(err->msg + at, sizeof err->msg - at, " (input '%.100s' is %lldx%lld: the height and width must be "
                 "multiples of 32)", g->values[g->inputs[i]].name, (long long)s->dims[2], (long long)s->dims[3]);
        return;
    }
}

static int check_input(const dlk_graph *g, int v, const dlk_shape *given, dlk_err *err)
{
    const dlk_value *val = &g->values[v];
    char want[160], got[160];
    shape_str(&val->shape, want, sizeof want);
    shape_str(given, got, sizeof got);
    if (given->dtype != val->shape.dtype)
        return dlk_fail(err, "%s: input '%s' must be %s, got %s", g->path, val->name, dlk_dtype_name(val->shape.dtype),
                        dlk_dtype_name(given->dtype));
    if (given->ndim < 0 || given->ndim > DLK_MAX_DIMS || (val->shape.ndim >= 0 && given->ndim != val->shape.ndim))
        return dlk_fail(err, "%s: input '%s' must have shape %s, got %s", g->path, val->name, want, got);
    for (int i = 0; i < given->ndim; i++) {
        if (given->dims[i] < 0 || given->dims[i] > ((int64_t)1 << 31)) {
            const char *sym = val->dim_param[i]; /* a symbolic dimension left unset: name it */
            return dlk_fail(err, "%s: input '%s': dimension %d%s%s%s is %lld, not a size%s", g->path, val->name, i, sym ? " (" : "",
                            sym ? sym : "", sym ? ")" : "", (long long)given->dims[i], given->dims[i] < 0 ? " (give every dimension)" : "");
        }
        if (val->shape.ndim >= 0 && val->shape.dims[i] >= 0 && val->shape.dims[i] != given->dims[i])
            return dlk_fail(err, "%s: input '%s' must have shape %s, got %s", g->path, val->name, want, got);
    }
    char what[400];
    snprintf(what, sizeof what, "%s: input '%.200s' %s", g->path, val->name, got);
    return check_tensor_size(given, what, err);
}

/* Step 1: give every value its tensor and prepare every operator in order (shapes flow forward). */
static int ctx_prepare(dlk_ctx *c, const dlk_shape *input_shapes, int n_inputs, dlk_err *err)
{
    const dlk_graph *g = &c->m->g;
    if (n_inputs != g->n_inputs)
        return dlk_fail(err, "%s: the model has %d input%s, %d given", g->path, g->n_inputs, g->n_inputs == 1 ? "" : "s",
                        n_inputs);
    for (int v = 0; v < g->n_values; v++) {
        dlk_tensor *t = &c->t[v];
        t->first = t->last = -2; /* not used */
        if (g->values[v].is_const) {
            t->shape = g->values[v].shape;
            t->data = g->values[v].data;
            t->is_const = 1;
            t->bytes = (size_t)dlk_shape_numel(&t->shape) * dlk_dtype_size(t->shape.dtype);
        }
    }
    for (int i = 0; i < n_inputs; i++) {
        if (check_input(g, g->inputs[i], &input_shapes[i], err)) return -1;
        c->t[g->inputs[i]].shape = input_shapes[i];
        c->t[g->inputs[i]].bytes = (size_t)dlk_shape_numel(&input_shapes[i]) * dlk_dtype_size(input_shapes[i].dtype);
        c->t[g->inputs[i]].first = 0;
        c->t[g->inputs[i]].last = 0;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        dlk_op *op = &c->ops[i];
        op->node = n;
        op->packs = c->m->packs;
        op->k = c->k;
        op->path = g->path;
        op->opset = g->opset;
        op->n_in = n->n_in;
        op->n_out = n->n_out;
        for (int s = 0; s < n->n_in; s++) {
            op->in[s] = n->in[s] >= 0 ? &c->t[n->in[s]] : NULL;
            if (op->in[s] && !op->in[s]->is_const && op->in[s]->first == -2)
                return dlk_fail(err, "%s: node '%s' (%s): input '%s' has no value", g->path, n->name, n->op_type,
                                g->values[n->in[s]].name);
        }
        for (int s = 0; s < n->n_out; s++) op->out[s] = n->out[s] >= 0 ? &c->t[n->out[s]] : NULL;
        if (n->op->prepare(op, err)) {
            dlk_err_prefix(err, "%s: node '%s' (%s)", g->path, n->name, n->op_type);
            size_hint(g, input_shapes, n_inputs, err);
            return -1;
        }
        for (int s = 0; s < n->n_out; s++) {
            dlk_tensor *t = op->out[s];
            if (!t) continue;
            if (dlk_dtype_size(t->shape.dtype) == 0) {
                dlk_fail(err, "%s: node '%s' (%s): output has an unsupported type", g->path, n->name, n->op_type);
                return -1;
            }
            for (int d = 0; d < t->shape.ndim; d++)
                if (t->shape.dims[d] < 0 || t->shape.dims[d] > ((int64_t)1 << 40)) {
                    dlk_fail(err, "%s: node '%s' (%s): output dimension %d is %s", g->path, n->name, n->op_type, d,
                             t->shape.dims[d] < 0 ? "negative" : "too large");
                    return -1;
                }
            /* an empty tensor still makes kernels walk its other dimensions: bound them too */
            int64_t nz = 1;
            for (int d = 0; d < t->shape.ndim; d++)
                if (t->shape.dims[d] > 0) nz = nz > ((int64_t)1 << 34) / t->shape.dims[d] ? ((int64_t)1 << 35) : nz * t->shape.dims[d];
            if (nz > ((int64_t)1 << 34) || (dlk_shape_numel(&t->shape) == 0 && nz > ((int64_t)1 << 24))) {
                dlk_fail(err, "%s: node '%s' (%s): output is empty but its other dimensions are too large", g->path, n->name,
                         n->op_type);
                return -1;
            }
            char what[600];
            snprintf(what, sizeof what, "%s: node '%.150s' (%.60s): output '%.150s'", g->path, n->name, n->op_type,
                     g->values[n->out[s]].name);
            if (check_tensor_size(&t->shape, what, err)) return -1;
            t->bytes = (size_t)dlk_shape_numel(&t->shape) * dlk_dtype_size(t->shape.dtype);
            t->first = t->last = i; /* the plan's lifetimes are the liveness module's (c->lv) */
        }
    }
    return 0;
}

/* Step 2: the schedule as the liveness module sees it (plan/liveness.h): one step per node, which
 * reads its activation inputs and writes its outputs; the graph's inputs and outputs outside the
 * arena (the caller's data: the context keeps them after the arena, in the same allocation);
 * each operator's sharing: views and in-place outputs (dlk_opdef.share) where the two values have
 * one layout, Concat parts written in place by their producers (dlk_concat_part_in_place).
 * Observers (runtime/observe.h) and the profiler read a node's outputs right after it and the
 * graph inputs before the first node, so nothing they read is ever written over: a value is
 * only written over once its last reader has run. scratch: bytes per node, or NULL for the
 * operators' own (op->scratch_bytes). */
dlk_liveness *dlk_ctx_liveness(const dlk_ctx *c, const size_t *scratch)
{
    const dlk_graph *g = &c->m->g;
    dlk_liveness *lv = dlk_lv_new(g->n_values, g->n_nodes);
    if (!lv) return NULL;
    int bad = 0;
    for (int v = 0; v < g->n_values; v++)
        if (!c->t[v].is_const) dlk_lv_value(lv, v, c->t[v].bytes, 0);
    for (int i = 0; i < g->n_inputs; i++) dlk_lv_value(lv, g->inputs[i], c->t[g->inputs[i]].bytes, DLK_LV_OUTSIDE);
    for (int i = 0; i < g->n_outputs; i++)
        if (!c->t[g->outputs[i]].is_const) dlk_lv_value(lv, g->outputs[i], c->t[g->outputs[i]].bytes, DLK_LV_OUTSIDE);
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        const dlk_op *op = &c->ops[i];
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] >= 0 && !c->t[n->in[s]].is_const) bad |= dlk_lv_read(lv, i, n->in[s]);
        for (int s = 0; s < n->n_out; s++)
            if (n->out[s] >= 0) bad |= dlk_lv_write(lv, i, n->out[s]);
        dlk_lv_scratch(lv, i, scratch ? scratch[i] : op->scratch_bytes);
        const int y = n->n_out > 0 ? n->out[0] : -1;
        if (y < 0 || c->t[y].is_const) continue;
        uint64_t slots = 0;
        const dlk_share_kind k = n->op->share ? n->op->share(op, &slots) : DLK_SHARE_NONE;
        for (int s = 0; k != DLK_SHARE_NONE && s < n->n_in && s < 64; s++) {
            const int x = n->in[s];
            if (!(slots >> s & 1) || x < 0 || c->t[x].is_const || c->t[x].layout != c->t[y].layout) continue;
            bad |= k == DLK_SHARE_VIEW ? dlk_lv_view(lv, i, y, x) : dlk_lv_in_place(lv, i, y, x);
            if (k == DLK_SHARE_VIEW) break;
        }
        for (int k2 = 0; k2 < dlk_concat_parts(op); k2++) {
            int slot;
            size_t off;
            if (dlk_concat_part_in_place(op, k2, &slot, &off) && n->in[slot] >= 0 && !c->t[n->in[slot]].is_const)
                bad |= dlk_lv_slice(lv, i, y, n->in[slot], off);
        }
    }
    if (bad) {
        dlk_lv_free(lv);
        return NULL;
    }
    return lv;
}

/* The arena's alignment: what the kernel set needs. The reference kernels, which the program of
 * `dlakit compile` runs on a Cortex-M too, need DLK_REF_ARENA_ALIGN; the SIMD kernels take
 * DLK_ARENA_ALIGN (whole cache lines). */
static size_t ctx_align(const dlk_ctx *c) { return c->k->isa == DLK_ISA_REF ? DLK_REF_ARENA_ALIGN : DLK_ARENA_ALIGN; }

/* Step 3: the plan: every activation's and scratch's offset (c->lv); the graph's inputs and
 * outputs after the arena (t->offset from c->arena_bytes on); a Concat whose parts are all in
 * place has nothing left to copy and no threads to wake. */
static int ctx_plan(dlk_ctx *c, dlk_err *err)
{
    const dlk_graph *g = &c->m->g;
    c->lv = dlk_ctx_liveness(c, NULL);
    if (!c->lv || dlk_lv_solve(c->lv, ctx_align(c))) return dlk_fail(err, "%s: out of memory", g->path);
    const dlk_liveness *lv = c->lv;
    c->arena_bytes = lv->arena_bytes;
    size_t io = (c->arena_bytes + DLK_ARENA_ALIGN - 1) / DLK_ARENA_ALIGN * DLK_ARENA_ALIGN;
    for (int v = 0; v < g->n_values; v++) {
        dlk_tensor *t = &c->t[v];
        if (t->is_const) continue;
        t->offset = lv->buf[v] >= 0 ? dlk_lv_arena_offset(lv, v) : 0;
        t->host = lv->host[v] + 1; /* a Concat's part inside its output, at host_offset */
        t->host_offset = t->host ? t->offset - dlk_lv_arena_offset(lv, lv->host[v]) : 0;
        if (!(lv->flags[v] & DLK_LV_OUTSIDE)) continue;
        t->offset = io;
        io += (t->bytes + DLK_ARENA_ALIGN - 1) / DLK_ARENA_ALIGN * DLK_ARENA_ALIGN;
    }
    for (int v = 0; v < g->n_values; v++)
        if (lv->host[v] >= 0) c->t[lv->host[v]].is_host = 1;
    c->io_end = io;
    for (int i = 0; i < g->n_nodes; i++)
        if (dlk_concat_parts(&c->ops[i]) && lv->slices[i] == dlk_concat_parts(&c->ops[i])) c->ops[i].parallel = 0;
    return 0;
}

/* Step 4: allocate the arena (with the inputs and outputs after it) and point every tensor and
 * scratch into it. */
static int ctx_bind(dlk_ctx *c, dlk_err *err)
{
    const dlk_graph *g = &c->m->g;
    size_t total = c->io_end;
    dlk_limits lim;
    dlk_limits_get(&lim);
    if (total > lim.arena_bytes)
        return dlk_fail(err, "%s: the arena would take %zu bytes; the limit is %llu bytes (raise it with "
                             "--max-arena-bytes or DLAKIT_MAX_ARENA_BYTES)", g->path, total,
                        (unsigned long long)lim.arena_bytes);
    c->arena = aligned_alloc(DLK_ARENA_ALIGN, total ? total : DLK_ARENA_ALIGN);
    if (!c->arena) return dlk_fail(err, "%s: out of memory for a %zu-byte arena", g->path, total);
    for (int v = 0; v < g->n_values; v++) {
        dlk_tensor *t = &c->t[v];
        if (!t->is_const && t->first >= -1) t->data = c->arena + t->offset;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (c->lv->scratch_buf[i] >= 0) c->ops[i].scratch = c->arena + c->lv->bufs[c->lv->scratch_buf[i]].offset;
    return 0;
}

/* Step 1c: the operators that wait for the layouts (op->finish: a conv packs its weights for the
 * kernel that takes its layouts) */
static int ctx_finish(dlk_ctx *c, dlk_err *err)
{
    const dlk_graph *g = &c->m->g;
    for (int i = 0; i < g->n_nodes; i++) {
        dlk_op *op = &c->ops[i];
        if (op->finish && op->finish(op, err)) {
            dlk_err_prefix(err, "%s: node '%s' (%s)", g->path, g->nodes[i].name, g->nodes[i].op_type);
            return -1;
        }
        /* the profile's note: the layouts where a value is channel-blocked */
        const dlk_tensor *x = op->n_in > 0 ? op->in[0] : NULL, *y = op->n_out > 0 ? op->out[0] : NULL;
        if ((x && x->layout != DLK_NCHW) || (y && y->layout != DLK_NCHW)) {
            const size_t at = strlen(op->kernel);
            snprintf(op->kernel + at, sizeof op->kernel - at, "%s%s>%s", at ? " " : "",
                     x && x->layout == DLK_NCHW16C ? "16c" : "nchw", y && y->layout == DLK_NCHW16C ? "16c" : "nchw");
        }
    }
    return 0;
}

/* layouts: 1 to let dlk_ctx_layouts choose NCHW16C values, 0 for NCHW everywhere */
static dlk_ctx *ctx_make(const dlk_model *m, const dlk_shape *input_shapes, int n_inputs, int layouts, dlk_err *err)
{
    dlk_err_clear(err);
    const dlk_graph *g = &m->g;
    if (dlk_isa_check_env(err)) return NULL;
    dlk_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        dlk_fail(err, "%s: out of memory", g->path);
        return NULL;
    }
    c->m = m;
    c->k = m->flags & DLK_LOAD_REFERENCE ? dlk_kernels_ref() : dlk_kernels_get();
    c->t = calloc((size_t)g->n_values + 1, sizeof *c->t);
    c->ops = calloc((size_t)g->n_nodes + 1, sizeof *c->ops);
    if (!c->t || !c->ops) {
        dlk_fail(err, "%s: out of memory", g->path);
        dlk_ctx_free(c);
        return NULL;
    }
    if (ctx_prepare(c, input_shapes, n_inputs, err)) {
        dlk_ctx_free(c);
        return NULL;
    }
    if (layouts) dlk_ctx_layouts(c);
    if (ctx_finish(c, err)) {
        dlk_ctx_free(c);
        return NULL;
    }
    if (ctx_plan(c, err)) {
        dlk_ctx_free(c);
        return NULL;
    }
    return c;
}

/* analyze and compile plan NCHW (the code they describe or write runs it) */
dlk_ctx *dlk_ctx_plan_only(const dlk_model *m, const dlk_shape *input_shapes, int n_inputs, dlk_err *err)
{
    return ctx_make(m, input_shapes, n_inputs, 0, err);
}

/* Channel-blocked values where the kernels take them, unless the model was loaded for observers
 * (DLK_LOAD_NCHW, DLK_LOAD_NO_FUSION) or DLAKIT_LAYOUT=nchw asks for NCHW everywhere. */
static int layouts_wanted(const dlk_model *m)
{
    if (m->flags & (DLK_LOAD_NCHW | DLK_LOAD_NO_FUSION)) return 0;
    const char *e = getenv("DLAKIT_LAYOUT");
    return !(e && !strcmp(e, "nchw"));
}

dlk_ctx *dlk_ctx_new(const dlk_model *m, const dlk_shape *input_shapes, int n_inputs, dlk_err *err)
{
    dlk_ctx *c = ctx_make(m, input_shapes, n_inputs, layouts_wanted(m), err);
    if (c && ctx_bind(c, err)) {
        dlk_ctx_free(c);
        return NULL;
    }
    return c;
}

void *dlk_ctx_input(dlk_ctx *c, int i, dlk_shape *shape)
{
    if (i < 0 || i >= c->m->g.n_inputs) return NULL;
    dlk_tensor *t = &c->t[c->m->g.inputs[i]];
    if (shape) *shape = t->shape;
    return t->data;
}

const void *dlk_ctx_output(const dlk_ctx *c, int i, dlk_shape *shape)
{
    if (i < 0 || i >= c->m->g.n_outputs) return NULL;
    const dlk_tensor *t = &c->t[c->m->g.outputs[i]];
    if (shape) *shape = t->shape;
    return t->data;
}

/* Runs node i: split over the context's threads where the operator allows it. dlk_ctx_run and
 * dlk_ctx_run_observe both come through here. */
void dlk_ctx_run_node(dlk_ctx *c, int i, const dlk_kernels *k)
{
    const dlk_op *op = &c->ops[i];
    if (c->pool && op->parallel) {
        dlk_pool_run_op(c->pool, op, k);
    } else {
        dlk_exec ex = {0, 1, op->scratch, k};
        op->node->op->run(op, &ex);
    }
}

int dlk_ctx_run(dlk_ctx *c, dlk_err *err)
{
    dlk_err_clear(err);
    for (int i = 0; i < c->m->g.n_nodes; i++) dlk_ctx_run_node(c, i, c->k);
    return 0;
}

size_t dlk_ctx_arena_bytes(const dlk_ctx *c) { return c->arena_bytes; }
