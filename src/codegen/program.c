/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled program as data: steps, buffers, plan and costs (see program.h). */
#include "codegen/program.h"
#include "ops/conv.h"
#include "ops/elem.h"
#include "ops/pool.h"
#include "ops/quant.h"
#include "ops/shape.h"
#include "image/image.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void dlk_program_free(dlk_program *p)
{
    if (!p) return;
    dlk_ctx_free(p->ctx);
    free(p->steps);
    dlk_lv_free(p->lv);
    memset(p, 0, sizeof *p);
}

void dlk_program_input_tables(const dlk_program *p, uint8_t lut[3][256])
{
    uint8_t img[256 * 3];
    float x[3 * 256];
    for (int v = 0; v < 256; v++) img[3 * v] = img[3 * v + 1] = img[3 * v + 2] = (uint8_t)v;
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, 1, 256);
    dlk_normalize_nchw(img, 1, 256, &o, x);
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 256; v++) {
            int q = dlk_quantize1(x[c * 256 + v], p->in_scale, p->in_zp, dlk_q8_lo(p->in_type), dlk_q8_hi(p->in_type));
            lut[c][v] = (uint8_t)q; /* the type's byte */
        }
}

/* A float layer inside the int8 program: its float input and output NCHW (the layouts pass may
 * have chosen NCHW16C, which the program does not have); a DequantizeLinear's input and a
 * QuantizeLinear's output are the quantized ones. */
static int float_step(const dlk_op *op, dlk_step_kind kind, dlk_step_kind *k, dlk_err *err)
{
    const dlk_tensor *x = op->in[0], *y = op->out[0];
    const int x_float = kind != DLK_STEP_DEQUANT, y_float = kind != DLK_STEP_QUANT;
    if ((x_float && (x->shape.dtype != DLK_FLOAT || x->layout != DLK_NCHW)) ||
        (y_float && (y->shape.dtype != DLK_FLOAT || y->layout != DLK_NCHW)))
        return dlk_fail(err, "node '%s': %s must be float NCHW here", op->node->name, op->node->op_type);
    *k = kind;
    return 0;
}

/* Classifies node i; checks the forms the generated code handles. */
static int step_kind(const dlk_program *p, int i, dlk_step_kind *k, dlk_err *err)
{
    const dlk_graph *g = p->g;
    const dlk_node *n = &g->nodes[i];
    const dlk_op *op = &p->ctx->ops[i];
    dlk_q8type t;
    switch (n->op->id) {
    case DLK_OP_QuantizeLinear: {
        const dlk_qdq_data *d = dlk_qdq_data_of(op);
        if (d->axis_len != 1) return dlk_fail(err, "node '%s': a QuantizeLinear must be per-tensor", n->name);
        if (n->in[DLK_QDQ_X] == p->input_value) {
            *k = DLK_STEP_INPUT;
            return 0;
        }
        return float_step(op, DLK_STEP_QUANT, k, err);
    }
    case DLK_OP_DequantizeLinear: {
        const dlk_qdq_data *d = dlk_qdq_data_of(op);
        if (d->axis_len != 1 || dlk_q8type_of(op->in[DLK_QDQ_X]->shape.dtype, &t))
            return dlk_fail(err, "node '%s': a DequantizeLinear must be per-tensor int8/uint8", n->name);
        if (n->out[0] == p->output_value) {
            *k = DLK_STEP_OUTPUT;
            return 0;
        }
        return float_step(op, DLK_STEP_DEQUANT, k, err);
    }
    case DLK_OP_Relu: return float_step(op, DLK_STEP_FRELU, k, err);
    case DLK_OP_GlobalAveragePool: return float_step(op, DLK_STEP_FGAP, k, err);
    case DLK_OP_QLinearConv: *k = DLK_STEP_CONV; return 0;
    case DLK_OP_MaxPool:
        if (dlk_q8type_of(op->in[DLK_POOL_X]->shape.dtype, &t)) return float_step(op, DLK_STEP_FMAXPOOL, k, err);
        *k = DLK_STEP_MAXPOOL;
        return 0;
    case DLK_OP_QLinearAdd: {
        const dlk_shape *a = &op->in[DLK_QADD_A]->shape, *b = &op->in[DLK_QADD_B]->shape, *y = &op->out[0]->shape;
        if (dlk_shape_numel(a) != dlk_shape_numel(y) || dlk_shape_numel(b) != dlk_shape_numel(y))
            return dlk_fail(err, "node '%s': QLinearAdd with broadcasting is not supported by compile", n->name);
        *k = DLK_STEP_ADD;
        return 0;
    }
    case DLK_OP_QLinearConcat:
        /* every dimension before the axis 1: each part is one range of the output */
        if (dlk_concat_data_of(op)->outer != 1) return dlk_fail(err, "node '%s': Concat must join the outermost non-unit axis", n->name);
        *k = DLK_STEP_CONCAT;
        return 0;
    case DLK_OP_QLinearGlobalAveragePool: *k = DLK_STEP_GAP; return 0;
    case DLK_OP_Flatten: case DLK_OP_Reshape: case DLK_OP_Identity: *k = DLK_STEP_ALIAS; return 0;
    case DLK_OP_Split:
        if (dlk_q8type_of(op->in[DLK_SPLIT_X]->shape.dtype, &t)) return dlk_fail(err, "node '%s': float Split in an int8 program", n->name);
        *k = DLK_STEP_SPLIT;
        return 0;
    case DLK_OP_QLinearAveragePool: *k = DLK_STEP_AVGPOOL; return 0;
    case DLK_OP_QLinearLeakyRelu: *k = DLK_STEP_LUT; return 0;
    default:
        return dlk_fail(err, "node '%s': operator %s is not supported by compile (int8 QDQ/QOperator classifiers)", n->name, n->op_type);
    }
}

/* Costs of step s as the MCU program stores and computes it. */
static void step_costs(const dlk_program *p, dlk_step *s)
{
    const dlk_op *op = &p->ctx->ops[s->node];
    switch (s->kind) {
    case DLK_STEP_INPUT: s->weight_bytes = 3 * 256; break;
    case DLK_STEP_CONV: {
        const dlk_conv_geom *cg = &dlk_qconv_data_of(op)->p.g;
        int64_t wn = dlk_shape_numel(&op->in[DLK_QCONV_W]->shape);
        int has_bias = dlk_op_input(op, DLK_QCONV_B) != NULL;
        s->params = wn + (has_bias ? cg->c_out : 0);
        s->weight_bytes = (size_t)wn + (has_bias ? 4 * (size_t)cg->c_out : 0) + 4 * (size_t)cg->c_out; /* + scales */
        break;
    }
    case DLK_STEP_CONCAT: {
        const dlk_concat_data *c = dlk_concat_data_of(op);
        for (int k = 0; k < c->n; k++)
            if (c->use_lut[k]) s->weight_bytes += 256; /* its requantization table */
        break;
    }
    case DLK_STEP_OUTPUT: s->weight_bytes = 8; break;
    case DLK_STEP_LUT: s->weight_bytes = 256; break;
    default: break;
    }
    s->macs = op->node->op->macs ? op->node->op->macs(op) : 0;
    if (s->kind != DLK_STEP_ALIAS && s->kind != DLK_STEP_OUTPUT)
        for (int k = 0; k < op->n_out; k++) s->out_bytes += op->out[k] ? op->out[k]->bytes : 0;
}

int dlk_program_build(const dlk_model *m, int h, int w, dlk_program *p, dlk_err *err)
{
    return dlk_program_build_for(m, h, w, DLK_TARGET_GENERIC, p, err);
}

int dlk_program_build_for(const dlk_model *m, int h, int w, dlk_target target, dlk_program *p, dlk_err *err)
{
    memset(p, 0, sizeof *p);
    dlk_err_clear(err);
    p->target = target;
    const dlk_graph *g = &m->g;
    p->g = g;
    p->align = DLK_REF_ARENA_ALIGN; /* the reference kernels: int32 scratch, 128-bit loads on Cortex-M */
    if (g->n_inputs != 1 || g->n_outputs != 1) return dlk_fail(err, "%s: compile needs one input and one output", g->path);
    dlk_shape in = g->values[g->inputs[0]].shape;
    if (in.dtype != DLK_FLOAT || in.ndim != 4 || (in.dims[1] >= 0 && in.dims[1] != 3))
        return dlk_fail(err, "%s: compile needs a float N x 3 x H x W input", g->path);
    in.dims[0] = 1;
    in.dims[1] = 3;
    if (h > 0) in.dims[2] = h;
    if (w > 0) in.dims[3] = w;
    if (in.dims[2] <= 0 || in.dims[3] <= 0) return dlk_fail(err, "%s: the input size is not fixed: give --size", g->path);
    p->in_h = (int)in.dims[2];
    p->in_w = (int)in.dims[3];
    p->input_value = g->inputs[0];
    p->output_value = g->outputs[0];
    p->ctx = dlk_ctx_plan_only(m, &in, 1, err);
    if (!p->ctx) return -1;
    const dlk_ctx *c = p->ctx;
    const dlk_shape *os = &c->t[p->output_value].shape;
    if (os->dtype != DLK_FLOAT) return dlk_fail(err, "%s: compile needs a float output", g->path);
    p->num_classes = (int)dlk_shape_numel(os);
    /* the input must feed exactly one QuantizeLinear, the output come from a DequantizeLinear */
    int qnode = -1, uses = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int s = 0; s < g->nodes[i].n_in; s++)
            if (g->nodes[i].in[s] == p->input_value) {
                uses++;
                qnode = i;
            }
    if (uses != 1 || g->nodes[qnode].op != &dlk_op_QuantizeLinear)
        return dlk_fail(err, "%s: compile needs an int8 model whose input goes only to a QuantizeLinear", g->path);
    {
        const dlk_op *qop = &c->ops[qnode];
        const dlk_qdq_data *d = dlk_qdq_data_of(qop); /* a zero point has as many values as the scale */
        if (d->axis_len != 1 || dlk_q8type_of(qop->out[0]->shape.dtype, &p->in_type))
            return dlk_fail(err, "%s: the input QuantizeLinear must be per-tensor int8/uint8", g->path);
        p->in_scale = d->scale[0];
        p->in_zp = d->zp[0];
    }
    p->n_steps = g->n_nodes;
    p->steps = calloc((size_t)g->n_nodes + 1, sizeof *p->steps);
    size_t *scratch = calloc((size_t)g->n_nodes + 1, sizeof *scratch);
    if (!p->steps || !scratch) {
        free(scratch);
        return dlk_fail(err, "%s: out of memory", g->path);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        dlk_step *s = &p->steps[i];
        s->node = i;
        if (step_kind(p, i, &s->kind, err)) {
            dlk_err_prefix(err, "%s", g->path);
            free(scratch);
            return -1;
        }
        step_costs(p, s);
        p->has_float |= s->kind >= DLK_STEP_DEQUANT;
        const dlk_op *op = &c->ops[i];
        /* The program runs the reference kernels or the target's: a convolution's scratch on this
         * host is that of its SIMD kernel (packing panels), which dlk_conv_q8_ref does not use, so
         * the plan must not depend on the host's ISA; a target kernel's is its padded input copy. */
        if (s->kind == DLK_STEP_CONV)
            scratch[i] = dlk_mcu_conv_ok(target, op) ? dlk_mcu_conv_scratch(target, op) : 0;
        else
            scratch[i] = op->scratch_bytes;
        if (scratch[i] > p->scratch_bytes) p->scratch_bytes = scratch[i];
        p->macs += s->macs;
        p->params += s->params;
        p->weights_bytes += s->weight_bytes;
        if (s->kind == DLK_STEP_CONV) p->int8_weight_bytes += (size_t)dlk_shape_numel(&op->in[DLK_QCONV_W]->shape);
    }
    if (p->steps[g->n_nodes - 1].kind != DLK_STEP_OUTPUT && c->t[p->output_value].is_const == 0) {
        int prod = g->values[p->output_value].producer;
        if (prod < 0 || p->steps[prod].kind != DLK_STEP_OUTPUT) {
            free(scratch);
            return dlk_fail(err, "%s: compile needs the output to come from a DequantizeLinear", g->path);
        }
    }
    /* The plan: the runtime context's schedule (runtime/ctx.c: the image and the scores outside the
     * arena, Flatten/Reshape views, Concat parts written in place by their producers, in-place
     * Adds) with the reference kernels' scratch, solved by the one liveness module; `dlakit bench`
     * under DLAKIT_ISA=ref plans the same arena. */
    p->lv = dlk_ctx_liveness(c, scratch);
    free(scratch);
    if (!p->lv || dlk_lv_solve(p->lv, p->align)) return dlk_fail(err, "%s: out of memory", g->path);
    const dlk_liveness *lv = p->lv;
    p->n_bufs = lv->n_bufs;
    p->bufs = lv->bufs;
    p->buf_of_value = lv->buf;
    p->value_off = lv->offset;
    p->scratch_buf = lv->scratch_buf;
    for (int i = 0; i < p->n_steps; i++) {
        p->steps[i].in_place = lv->in_place[i];
        p->steps[i].slices = lv->slices[i];
        p->steps[i].live_bytes = lv->live[i];
    }
    p->lower_bound = lv->lower_bound;
    p->arena_bytes = lv->arena_bytes;
    return 0;
}
