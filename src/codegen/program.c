/* The compiled program as data: steps, buffers, plan and costs (see program.h). */
#include "codegen/program.h"
#include "image/image.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int is_op(const dlk_node *n, const char *t)
{
    const char *s = n->op_type;
    const char *colon = strchr(s, ':');
    return !strcmp(colon ? colon + 1 : s, t) || !strcmp(s, t);
}

static int const_float(const dlk_op *op, int slot, float *v)
{
    dlk_err e;
    return dlk_op_scalar_f(op, slot, v, &e);
}

static int const_int(const dlk_op *op, int slot, int *v)
{
    dlk_err e;
    return dlk_op_scalar_i(op, slot, v, &e);
}

/* A C identifier from a node name: "/level2/tree1/conv1/Conv" -> "level2_tree1_conv1_Conv", at
 * most 40 characters (the tail of longer names), made unique with a "_<step>" suffix. */
static void make_cname(const dlk_program *p, int step, const char *name, char *out, size_t n)
{
    char id[48];
    size_t k = 0, len = strlen(name), from = len > 40 ? len - 40 : 0;
    for (const char *s = name + from; *s && k < 40; s++) {
        char ch = isalnum((unsigned char)*s) ? *s : '_';
        if (ch == '_' && (k == 0 || id[k - 1] == '_')) continue;
        id[k++] = ch;
    }
    while (k > 0 && id[k - 1] == '_') k--;
    id[k] = 0;
    char num[16];
    snprintf(num, sizeof num, "%d", step % 1000000);
    if (k == 0 || isdigit((unsigned char)id[0])) {
        out[0] = 'L';
        out[1] = 0;
        strncat(out, num, n - strlen(out) - 1);
        strncat(out, "_", n - strlen(out) - 1);
        strncat(out, id, n - strlen(out) - 1);
    } else {
        out[0] = 0;
        strncat(out, id, n - 1);
    }
    for (int i = 0; i < step; i++)
        if (!strcmp(p->steps[i].cname, out)) {
            strncat(out, "_", n - strlen(out) - 1);
            strncat(out, num, n - strlen(out) - 1);
            break;
        }
}

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

/* Classifies node i; checks the forms the generated code handles. */
static int step_kind(const dlk_program *p, int i, dlk_step_kind *k, dlk_err *err)
{
    const dlk_graph *g = p->g;
    const dlk_node *n = &g->nodes[i];
    const dlk_op *op = &p->ctx->ops[i];
    dlk_q8type t;
    if (is_op(n, "QuantizeLinear")) {
        if (n->in[0] != p->input_value) return dlk_fail(err, "node '%s': QuantizeLinear inside the model is not supported by compile", n->name);
        *k = DLK_STEP_INPUT;
        return 0;
    }
    if (is_op(n, "DequantizeLinear")) {
        if (n->out[0] != p->output_value) return dlk_fail(err, "node '%s': DequantizeLinear inside the model is not supported by compile", n->name);
        float s;
        int z;
        if (const_float(op, 1, &s) || (op->n_in > 2 && op->in[2] && const_int(op, 2, &z)) ||
            dlk_q8type_of(op->in[0]->shape.dtype, &t))
            return dlk_fail(err, "node '%s': the output DequantizeLinear must be per-tensor int8/uint8", n->name);
        *k = DLK_STEP_OUTPUT;
        return 0;
    }
    if (is_op(n, "QLinearConv")) *k = DLK_STEP_CONV;
    else if (is_op(n, "MaxPool")) {
        if (dlk_q8type_of(op->in[0]->shape.dtype, &t)) return dlk_fail(err, "node '%s': float MaxPool in an int8 program", n->name);
        *k = DLK_STEP_MAXPOOL;
    } else if (is_op(n, "QLinearAdd")) {
        const dlk_shape *a = &op->in[0]->shape, *b = &op->in[3]->shape, *y = &op->out[0]->shape;
        if (dlk_shape_numel(a) != dlk_shape_numel(y) || dlk_shape_numel(b) != dlk_shape_numel(y))
            return dlk_fail(err, "node '%s': QLinearAdd with broadcasting is not supported by compile", n->name);
        *k = DLK_STEP_ADD;
    } else if (is_op(n, "QLinearConcat")) {
        int64_t axis = dlk_attr_int(n, "axis", 0);
        const dlk_shape *y = &op->out[0]->shape;
        if (axis < 0) axis += y->ndim;
        for (int d = 0; d < axis; d++)
            if (y->dims[d] != 1) return dlk_fail(err, "node '%s': Concat must join the outermost non-unit axis", n->name);
        *k = DLK_STEP_CONCAT;
    } else if (is_op(n, "QLinearGlobalAveragePool")) *k = DLK_STEP_GAP;
    else if (is_op(n, "Flatten") || is_op(n, "Reshape") || is_op(n, "Identity")) *k = DLK_STEP_ALIAS;
    else return dlk_fail(err, "node '%s': operator %s is not supported by compile (int8 QDQ/QOperator classifiers)", n->name, n->op_type);
    return 0;
}

/* Costs of step s as the MCU program stores and computes it. */
static void step_costs(const dlk_program *p, dlk_step *s)
{
    const dlk_op *op = &p->ctx->ops[s->node];
    switch (s->kind) {
    case DLK_STEP_INPUT: s->weight_bytes = 3 * 256; break;
    case DLK_STEP_CONV: {
        const dlk_qconv_params *q = op->params; /* qconv's parameters begin with the kernel's */
        const dlk_conv_geom *cg = &q->g;
        int64_t wn = dlk_shape_numel(&op->in[3]->shape);
        int has_bias = op->n_in > 8 && op->in[8];
        s->macs = (int64_t)cg->n * cg->c_out * cg->h_out * cg->w_out * (cg->c_in / cg->group) * cg->kh * cg->kw;
        s->params = wn + (has_bias ? cg->c_out : 0);
        s->weight_bytes = (size_t)wn + (has_bias ? 4 * (size_t)cg->c_out : 0) + 4 * (size_t)cg->c_out; /* + scales */
        break;
    }
    case DLK_STEP_CONCAT: {
        float ys, xs;
        int yzp, xzp;
        const_float(op, 0, &ys);
        const_int(op, 1, &yzp);
        for (int k = 2; k + 2 < op->n_in; k += 3) {
            const_float(op, k + 1, &xs);
            const_int(op, k + 2, &xzp);
            if (!(xs == ys && xzp == yzp)) s->weight_bytes += 256;
        }
        break;
    }
    case DLK_STEP_OUTPUT: s->weight_bytes = 8; break;
    default: break;
    }
    if (s->kind != DLK_STEP_ALIAS && s->kind != DLK_STEP_OUTPUT) s->out_bytes = op->out[0]->bytes;
}

int dlk_program_build(const dlk_model *m, int h, int w, dlk_program *p, dlk_err *err)
{
    memset(p, 0, sizeof *p);
    dlk_err_clear(err);
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
    if (uses != 1 || !is_op(&g->nodes[qnode], "QuantizeLinear"))
        return dlk_fail(err, "%s: compile needs an int8 model whose input goes only to a QuantizeLinear", g->path);
    {
        const dlk_op *qop = &c->ops[qnode];
        if (const_float(qop, 1, &p->in_scale) || dlk_shape_numel(&qop->in[1]->shape) != 1 ||
            dlk_q8type_of(qop->out[0]->shape.dtype, &p->in_type))
            return dlk_fail(err, "%s: the input QuantizeLinear must be per-tensor int8/uint8", g->path);
        p->in_zp = 0;
        if (qop->n_in > 2 && qop->in[2] && const_int(qop, 2, &p->in_zp))
            return dlk_fail(err, "%s: the input QuantizeLinear's zero point must be a scalar", g->path);
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
        make_cname(p, i, g->nodes[i].name && *g->nodes[i].name ? g->nodes[i].name : g->nodes[i].op_type, s->cname, sizeof s->cname);
        step_costs(p, s);
        const dlk_op *op = &c->ops[i];
        /* The program runs the reference kernels: a convolution's scratch on this host is that of
         * its SIMD kernel (packing panels), which dlk_conv_q8_ref does not use, so the plan must not
         * depend on the host's ISA. */
        scratch[i] = s->kind == DLK_STEP_CONV ? 0 : op->scratch_bytes;
        if (scratch[i] > p->scratch_bytes) p->scratch_bytes = scratch[i];
        p->macs += s->macs;
        p->params += s->params;
        p->weights_bytes += s->weight_bytes;
        if (s->kind == DLK_STEP_CONV) p->int8_weight_bytes += (size_t)dlk_shape_numel(&op->in[3]->shape);
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
