/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `dlakit compile`: writes a program (program.h) as NAME.c + NAME.h, plain C99 with no malloc and
 * no stdio. The kernels in NAME.c are the text of the library's own reference kernels
 * (src/kernels/kernels.h, bcast.h, ref_q8.c), embedded at build time by cmake/embed_text.cmake, so
 * the generated program computes exactly what `dlakit run` computes.
 */
#include "codegen/program.h"
#include "codegen/cident.h"
#include "ops/conv.h"
#include "ops/elem.h"
#include "ops/pool.h"
#include "ops/quant.h"
#include "ops/shape.h"
#include "util/err.h"
#include "util/outfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char dlk_text_kernels_h[], dlk_text_bcast_h[], dlk_text_ref_q8_c[], dlk_text_ref_f32_c[];

/* A float literal that reads back as the same float: 9 significant digits, always with a point. */
static const char *flit(float v, char *buf, size_t n)
{
    snprintf(buf, n, "%.9g", (double)v);
    if (!strpbrk(buf, ".e")) strncat(buf, ".0", n - strlen(buf) - 1);
    strncat(buf, "f", n - strlen(buf) - 1);
    return buf;
}

static const char *qtype(dlk_q8type t) { return t == DLK_Q_U8 ? "DLK_Q_U8" : "DLK_Q_I8"; }

static void emit_i8(FILE *f, const char *decl, const void *data, int64_t n, int is_u8)
{
    fprintf(f, "%s[%lld] = {", decl, (long long)n);
    for (int64_t i = 0; i < n; i++) {
        int v = is_u8 ? ((const uint8_t *)data)[i] : ((const int8_t *)data)[i];
        fprintf(f, "%s%d%s", i % 24 == 0 ? "\n    " : "", v, i + 1 < n ? "," : "");
    }
    fprintf(f, "\n};\n");
}

static void emit_i32(FILE *f, const char *decl, const int32_t *data, int64_t n)
{
    fprintf(f, "%s[%lld] = {", decl, (long long)n);
    for (int64_t i = 0; i < n; i++) fprintf(f, "%s%ld%s", i % 10 == 0 ? "\n    " : "", (long)data[i], i + 1 < n ? "," : "");
    fprintf(f, "\n};\n");
}

static void emit_f32(FILE *f, const char *decl, const float *data, int64_t n)
{
    char b[48];
    fprintf(f, "%s[%lld] = {", decl, (long long)n);
    for (int64_t i = 0; i < n; i++) fprintf(f, "%s%s%s", i % 6 == 0 ? "\n    " : "", flit(data[i], b, sizeof b), i + 1 < n ? "," : "");
    fprintf(f, "\n};\n");
}

/* Kernel text with the library's own include lines dropped (their text comes first in NAME.c). */
static void emit_kernel_text(FILE *f, const char *text)
{
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) + 1 : strlen(s);
        if (strncmp(s, "#include \"kernels/", 18) != 0) fwrite(s, 1, len, f);
        s += len;
    }
}

/* #define dlk_xxx NAME_dlk_xxx for every function the kernel file defines with external linkage,
 * so that two compiled models link into one program. */
static void emit_renames(FILE *f, const char *name, const char *text)
{
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) + 1 : strlen(s);
        const char *id = NULL;
        if (!strncmp(s, "void dlk_", 9)) id = s + 5;
        else if (!strncmp(s, "int dlk_", 8)) id = s + 4;
        if (id) {
            size_t k = 0;
            while (id + k < s + len && (id[k] == '_' || (id[k] >= 'a' && id[k] <= 'z') || (id[k] >= '0' && id[k] <= '9'))) k++;
            if (id[k] == '(') fprintf(f, "#define %.*s %s_%.*s\n", (int)k, id, name, (int)k, id);
        }
        s += len;
    }
}

/* What the emitters share: the program, its name, the model file's name as comment text and one
 * identifier per step (cident.h). */
typedef struct {
    const dlk_program *p;
    const char *name, *base;
    char (*cn)[80];
} cg_ctx;

static size_t buf_off(const dlk_program *p, int value) { return p->bufs[p->buf_of_value[value]].offset + p->value_off[value]; }

/* Constant data and parameters of one step, written before the run function. */
static void emit_step_data(FILE *f, const cg_ctx *cg, const dlk_step *s)
{
    const dlk_program *p = cg->p;
    const dlk_op *op = &p->ctx->ops[s->node];
    const dlk_node *n = &p->g->nodes[s->node];
    const char *c = cg->cn[s->node];
    char decl[160], fb[48], nb[DLK_C_COMMENT_BUF];
    switch (s->kind) {
    case DLK_STEP_CONV: {
        if (dlk_mcu_conv_ok(p->target, op)) {
            dlk_mcu_emit_conv_data(f, p->target, op, c, dlk_c_comment(n->name, nb));
            break;
        }
        const dlk_qconv_data *qd = dlk_qconv_data_of(op);
        const dlk_qconv_params *q = &qd->p;
        const dlk_conv_geom *g = &q->g;
        const dlk_tensor *w = op->in[DLK_QCONV_W], *b = dlk_op_input(op, DLK_QCONV_B);
        fprintf(f, "/* %s: QLinearConv %d -> %d, %dx%d, stride %d, group %d */\n", dlk_c_comment(n->name, nb), g->c_in, g->c_out, g->kh, g->kw, g->sh,
                g->group);
        snprintf(decl, sizeof decl, "static const %s %s_w", q->w_type == DLK_Q_U8 ? "uint8_t" : "int8_t", c);
        emit_i8(f, decl, w->data, dlk_shape_numel(&w->shape), q->w_type == DLK_Q_U8);
        if (b) {
            snprintf(decl, sizeof decl, "static const int32_t %s_b", c);
            emit_i32(f, decl, b->data, g->c_out);
        }
        snprintf(decl, sizeof decl, "static const float %s_scale", c);
        emit_f32(f, decl, q->scale, g->c_out);
        if (q->w_zp) {
            snprintf(decl, sizeof decl, "static const int32_t %s_wzp", c);
            emit_i32(f, decl, q->w_zp, g->c_out);
        }
        fprintf(f,
                "static const dlk_qconv_params %s = {\n"
                "    .g = {.n = %d, .c_in = %d, .h_in = %d, .w_in = %d, .c_out = %d, .h_out = %d, .w_out = %d,\n"
                "          .kh = %d, .kw = %d, .sh = %d, .sw = %d, .dh = %d, .dw = %d, .pad_t = %d, .pad_l = %d, .group = %d},\n"
                "    .x_type = %s, .w_type = %s, .y_type = %s, .x_zp = %d, .y_zp = %d, .y_lo = %d, .y_hi = %d,\n"
                "    .w_zp = %s%s, .scale = %s_scale};\n\n",
                c, g->n, g->c_in, g->h_in, g->w_in, g->c_out, g->h_out, g->w_out, g->kh, g->kw, g->sh, g->sw, g->dh, g->dw,
                g->pad_t, g->pad_l, g->group, qtype(q->x_type), qtype(q->w_type), qtype(q->y_type), q->x_zp, q->y_zp, q->y_lo,
                q->y_hi, q->w_zp ? c : "NULL", q->w_zp ? "_wzp" : "", c);
        break;
    }
    case DLK_STEP_MAXPOOL:
    case DLK_STEP_FMAXPOOL:
    case DLK_STEP_AVGPOOL: {
        const dlk_pool_geom *g = dlk_pool_geom_of(op);
        fprintf(f,
                "/* %s: %s %dx%d, stride %d */\n"
                "static const dlk_pool_geom %s = {.n = %d, .c = %d, .h_in = %d, .w_in = %d, .h_out = %d, .w_out = %d,\n"
                "    .kh = %d, .kw = %d, .sh = %d, .sw = %d, .dh = %d, .dw = %d, .pad_t = %d, .pad_l = %d, .pad_b = %d, .pad_r = %d,\n"
                "    .count_include_pad = %d};\n\n",
                dlk_c_comment(n->name, nb), s->kind == DLK_STEP_AVGPOOL ? "QLinearAveragePool" : s->kind == DLK_STEP_MAXPOOL ? "MaxPool" : "float MaxPool", g->kh, g->kw, g->sh, c, g->n, g->c,
                g->h_in, g->w_in, g->h_out, g->w_out, g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pad_t, g->pad_l, g->pad_b,
                g->pad_r, g->count_include_pad);
        break;
    }
    case DLK_STEP_LUT: {
        const dlk_qlut_data *q = dlk_qlut_data_of(op);
        fprintf(f, "/* %s: QLinearLeakyRelu (alpha %s) as a table */\n", dlk_c_comment(n->name, nb), flit(q->alpha, fb, sizeof fb));
        snprintf(decl, sizeof decl, "static const uint8_t %s_lut", c);
        emit_i8(f, decl, q->lut, 256, 1);
        fprintf(f, "\n");
        break;
    }
    case DLK_STEP_CONCAT: {
        const dlk_concat_data *cd = dlk_concat_data_of(op);
        for (int part = 0; part < cd->n; part++) {
            if (!cd->use_lut[part]) continue;
            fprintf(f, "/* %s, input %d: requantized through a table (scale %s, zero point %d) */\n", dlk_c_comment(n->name, nb), part,
                    flit(cd->x_scale[part], fb, sizeof fb), cd->x_zp[part]);
            snprintf(decl, sizeof decl, "static const uint8_t %s_lut%d", c, part);
            emit_i8(f, decl, cd->lut[part], 256, 1); /* the table `run` applies */
            fprintf(f, "\n");
        }
        break;
    }
    default: break;
    }
}

/* A per-tensor DequantizeLinear (src: an arena offset) or QuantizeLinear, into dst (a C expression) */
static void emit_qdq(FILE *f, const dlk_op *op, int dequant, size_t src, const char *dst)
{
    const dlk_qdq_data *d = dlk_qdq_data_of(op); /* per tensor (step_kind) */
    char b1[48], nb[DLK_C_COMMENT_BUF], ob[DLK_C_COMMENT_BUF];
    fprintf(f, "    { /* %s: %s */\n", dlk_c_comment(op->node->name, nb), dlk_c_comment(op->node->op_type, ob));
    fprintf(f, "        static const float scale[1] = {%s};\n        static const int32_t zero_point[1] = {%d};\n",
            flit(d->scale[0], b1, sizeof b1), (int)d->zp[0]);
    const long long n = (long long)dlk_shape_numel(&op->in[DLK_QDQ_X]->shape);
    if (dequant)
        fprintf(f, "        dlk_dequantize_ref(1, 1, %lld, arena + %zu, %s, 0, scale, zero_point, %s);\n    }\n", n, src,
                qtype(d->t), dst);
    else
        fprintf(f, "        dlk_quantize_ref(1, 1, %lld, (const float *)(arena + %zu), scale, zero_point, %s, %s);\n    }\n", n, src,
                qtype(d->t), dst);
}

/* Each step runs on the types of its own values (an int8 model may quantize its input as uint8). */
static void emit_step_call(FILE *f, const cg_ctx *cg, const dlk_step *s)
{
    const dlk_program *p = cg->p;
    const dlk_op *op = &p->ctx->ops[s->node];
    const dlk_node *n = &p->g->nodes[s->node];
    const char *c = cg->cn[s->node];
    char b1[48], b2[48], b3[48], nb[DLK_C_COMMENT_BUF];
    int out = n->out[0];
    switch (s->kind) {
    case DLK_STEP_INPUT:
        fprintf(f, "    /* %s: normalization and QuantizeLinear, one table per channel */\n", dlk_c_comment(n->name, nb));
        fprintf(f, "    quantize_input(image, arena + %zu);\n", buf_off(p, out));
        break;
    case DLK_STEP_CONV: {
        const dlk_conv_geom *g = &dlk_qconv_data_of(op)->p.g;
        const int has_b = dlk_op_input(op, DLK_QCONV_B) != NULL;
        fprintf(f, "    /* %s: %dx%d/%d, %d -> %d channels, %dx%d out */\n", dlk_c_comment(n->name, nb), g->kh, g->kw, g->sh, g->c_in, g->c_out, g->h_out,
                g->w_out);
        if (dlk_mcu_conv_ok(p->target, op)) {
            dlk_mcu_emit_conv_call(f, c, buf_off(p, n->in[DLK_QCONV_X]), buf_off(p, out), p->bufs[p->scratch_buf[s->node]].offset);
            break;
        }
        fprintf(f, "    dlk_conv_q8_ref(&%s, arena + %zu, %s_w, %s%s,\n                    arena + %zu, (int32_t *)(arena + %zu));\n", c,
                buf_off(p, n->in[DLK_QCONV_X]), c, has_b ? c : "NULL", has_b ? "_b" : "",
                buf_off(p, out), p->scratch_buf[s->node] >= 0 ? p->bufs[p->scratch_buf[s->node]].offset : 0);
        break;
    }
    case DLK_STEP_MAXPOOL: {
        dlk_q8type t = DLK_Q_I8;
        dlk_q8type_of(op->in[DLK_POOL_X]->shape.dtype, &t); /* int8 or uint8 (step_kind) */
        fprintf(f, "    /* %s */\n", dlk_c_comment(n->name, nb));
        if (dlk_mcu_emit_maxpool_call(f, p->target, op, c, buf_off(p, n->in[DLK_POOL_X]), buf_off(p, out))) break;
        fprintf(f, "    dlk_maxpool_q8_ref(&%s, %s, arena + %zu, arena + %zu);\n", c, qtype(t), buf_off(p, n->in[DLK_POOL_X]),
                buf_off(p, out));
        break;
    }
    case DLK_STEP_ADD: {
        const dlk_qadd_data *q = dlk_qadd_data_of(op);
        int64_t cnt = dlk_shape_numel(&op->out[0]->shape);
        fprintf(f, "    { /* %s: QLinearAdd%s of %lld values */\n", dlk_c_comment(n->name, nb), q->relu ? " + Relu" : "", (long long)cnt);
        if (dlk_mcu_emit_qadd_call(f, p->target, op, buf_off(p, n->in[DLK_QADD_A]), buf_off(p, n->in[DLK_QADD_B]), buf_off(p, out))) {
            fprintf(f, "    }\n");
            break;
        }
        fprintf(f, "        static const int64_t len[1] = {%lld}, step[1] = {1};\n", (long long)cnt);
        fprintf(f, "        dlk_qadd_q8_ref(1, len, step, step, %s, arena + %zu, %s, %d, arena + %zu, %s, %d, %s, %d, arena + %zu);\n",
                qtype(q->t), buf_off(p, n->in[DLK_QADD_A]), flit(q->as, b1, sizeof b1), q->azp, buf_off(p, n->in[DLK_QADD_B]),
                flit(q->bs, b2, sizeof b2), q->bzp, flit(q->cs, b3, sizeof b3), q->czp, buf_off(p, out));
        if (q->relu)
            fprintf(f, "        dlk_clip_q8_ref(%lld, %s, arena + %zu, %d, %d, arena + %zu);\n", (long long)cnt, qtype(q->t),
                    buf_off(p, out), q->czp, dlk_q8_hi(q->t), buf_off(p, out));
        fprintf(f, "    }\n");
        break;
    }
    case DLK_STEP_CONCAT: {
        const dlk_concat_data *cd = dlk_concat_data_of(op);
        fprintf(f, "    /* %s: QLinearConcat */\n", dlk_c_comment(n->name, nb));
        size_t at_b = 0, o = buf_off(p, out);
        for (int part = 0; part < cd->n; part++) {
            const int k = cd->slot[part];
            size_t bytes = op->in[k]->bytes;
            if (buf_off(p, n->in[k]) == o + at_b && p->buf_of_value[n->in[k]] == p->buf_of_value[out])
                fprintf(f, "    /* input %d (%zu bytes at %zu): written there by %s */\n", part, bytes, o + at_b,
                        dlk_c_comment(p->g->nodes[p->g->values[n->in[k]].producer].name, nb));
            else if (!cd->use_lut[part])
                fprintf(f, "    memcpy(arena + %zu, arena + %zu, %zu);\n", o + at_b, buf_off(p, n->in[k]), bytes);
            else
                fprintf(f, "    dlk_apply_lut_q8(%zu, %s, %s_lut%d, arena + %zu, arena + %zu);\n", bytes, qtype(cd->qt), c, part,
                        buf_off(p, n->in[k]), o + at_b);
            at_b += bytes;
        }
        break;
    }
    case DLK_STEP_GAP: {
        const dlk_gap_data *q = dlk_gap_data_of(op);
        fprintf(f, "    /* %s: QLinearGlobalAveragePool */\n", dlk_c_comment(n->name, nb));
        fprintf(f, "    dlk_qgavgpool_q8_ref(%d, %d, %s, arena + %zu, %s, %d, %s, %d, arena + %zu);\n", (int)q->nc, (int)q->hw,
                qtype(q->t), buf_off(p, n->in[DLK_QGAP_X]), flit(q->xs, b1, sizeof b1), q->xzp, flit(q->ys, b2, sizeof b2), q->yzp,
                buf_off(p, out));
        break;
    }
    case DLK_STEP_ALIAS: {
        char ob[DLK_C_COMMENT_BUF];
        fprintf(f, "    /* %s: %s, the same bytes */\n", dlk_c_comment(n->name, nb), dlk_c_comment(n->op_type, ob));
        break;
    }
    case DLK_STEP_SPLIT: {
        const dlk_split_data *sd = dlk_split_data_of(op);
        const size_t row = (size_t)(sd->in_axis * sd->inner) * sd->esize, x = buf_off(p, n->in[DLK_SPLIT_X]);
        fprintf(f, "    /* %s: Split into %d */\n", dlk_c_comment(n->name, nb), sd->n);
        for (int k = 0; k < sd->n; k++) {
            const size_t chunk = (size_t)(sd->axis_len[k] * sd->inner) * sd->esize, off = (size_t)(sd->off[k] * sd->inner) * sd->esize;
            if (n->out[k] < 0 || !chunk) continue;
            for (int64_t o = 0; o < sd->outer; o++)
                fprintf(f, "    memcpy(arena + %zu, arena + %zu, %zu);\n", buf_off(p, n->out[k]) + (size_t)o * chunk,
                        x + (size_t)o * row + off, chunk);
        }
        break;
    }
    case DLK_STEP_AVGPOOL: {
        const dlk_qavgpool_data *q = dlk_qavgpool_data_of(op);
        fprintf(f, "    /* %s: QLinearAveragePool */\n", dlk_c_comment(n->name, nb));
        fprintf(f, "    dlk_qavgpool_q8_ref(&%s, %s, arena + %zu, %s, %d, %s, %d, arena + %zu, 0, %lld);\n", c, qtype(q->t),
                buf_off(p, n->in[DLK_QAVGPOOL_X]), flit(q->xs, b1, sizeof b1), q->xzp, flit(q->ys, b2, sizeof b2), q->yzp,
                buf_off(p, out), (long long)q->g.n * q->g.c);
        break;
    }
    case DLK_STEP_LUT:
        fprintf(f, "    /* %s: QLinearLeakyRelu */\n", dlk_c_comment(n->name, nb));
        fprintf(f, "    dlk_apply_lut_q8(%lld, %s, %s_lut, arena + %zu, arena + %zu);\n", (long long)dlk_qlut_data_of(op)->n,
                qtype(dlk_qlut_data_of(op)->t), c, buf_off(p, n->in[DLK_QLUT_X]), buf_off(p, out));
        break;
    case DLK_STEP_OUTPUT: emit_qdq(f, op, 1, buf_off(p, n->in[DLK_QDQ_X]), "scores"); break;
    case DLK_STEP_DEQUANT:
    case DLK_STEP_QUANT: {
        char dst[64];
        snprintf(dst, sizeof dst, s->kind == DLK_STEP_DEQUANT ? "(float *)(arena + %zu)" : "arena + %zu", buf_off(p, out));
        emit_qdq(f, op, s->kind == DLK_STEP_DEQUANT, buf_off(p, n->in[DLK_QDQ_X]), dst);
        break;
    }
    case DLK_STEP_FRELU:
        fprintf(f, "    /* %s: float Relu */\n    dlk_relu_f32_ref(%lld, (const float *)(arena + %zu), (float *)(arena + %zu));\n",
                dlk_c_comment(n->name, nb), (long long)dlk_shape_numel(&op->out[0]->shape), buf_off(p, n->in[0]), buf_off(p, out));
        break;
    case DLK_STEP_FMAXPOOL:
        fprintf(f, "    /* %s: float MaxPool */\n    dlk_maxpool_f32_ref(&%s, (const float *)(arena + %zu), (float *)(arena + %zu));\n",
                dlk_c_comment(n->name, nb), c, buf_off(p, n->in[0]), buf_off(p, out));
        break;
    case DLK_STEP_FGAP: {
        const dlk_gap_data *q = dlk_gap_data_of(op);
        fprintf(f, "    /* %s: float GlobalAveragePool */\n", dlk_c_comment(n->name, nb));
        fprintf(f, "    dlk_gavgpool_f32_ref(%d, %d, (const float *)(arena + %zu), (float *)(arena + %zu));\n", (int)q->nc,
                (int)q->hw, buf_off(p, n->in[0]), buf_off(p, out));
        break;
    }
    }
}

#define NAME_STACK_BYTES 8192 /* the kernels' deepest frame (conv: 4 KiB of accumulators) with margin */

/* NAME.h */
static void emit_header(FILE *f, const cg_ctx *cg)
{
    const dlk_program *p = cg->p;
    const char *name = cg->name;
    fprintf(f,
            "/* %s.h: %s compiled by dlakit %s. */\n"
            "#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n\n"
            "#define %s_IN_H %d               /* input: uint8 H x W x 3 (RGB, after resize and crop) */\n"
            "#define %s_IN_W %d\n"
            "#define %s_NUM_CLASSES %d      /* output: float scores */\n"
            "#define %s_ARENA_BYTES %zu    /* activations and scratch, one static array */\n"
            "#define %s_SCRATCH_BYTES %zu   /* the largest operator scratch (inside the arena) */\n"
            "#define %s_WEIGHT_BYTES %zu  /* const data: weights, biases, scales, tables */\n"
            "#define %s_STACK_BYTES %d     /* stack needed by %s_run */\n"
            "#define %s_MACS %lld\n\n"
            "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
            "/* Classifies one image; scores receives %s_NUM_CLASSES floats. Returns 0. Not reentrant. */\n"
            "int %s_run(const uint8_t *image, float *scores);\n\n"
            "#ifdef __cplusplus\n}\n#endif\n\n#endif\n",
            name, cg->base, DLK_VERSION, name, name, name, p->in_h, name, p->in_w, name, p->num_classes, name, p->arena_bytes,
            name, p->scratch_bytes, name, p->weights_bytes, name, NAME_STACK_BYTES, name, name, (long long)p->macs, name, name);
}

/* NAME.c */
static void emit_source(FILE *f, const cg_ctx *cg)
{
    const dlk_program *p = cg->p;
    const char *name = cg->name;
    const dlk_q8type at = p->in_type;
    fprintf(f,
            "/*\n * %s.c: %s compiled by dlakit %s for a %dx%d uint8 RGB image.\n"
            " * %lld MACs, %zu bytes of constants, a %zu-byte arena. No malloc, no stdio.\n"
            " * Build as C99 or later with -ffp-contract=off (the default of -std=c99): requantization is\n"
            " * ONNX Runtime's float formula and must round each operation on its own.\n */\n"
            "#include \"%s.h\"\n\n#include <stddef.h>\n#include <string.h>\n\n"
            "/* ---- kernels: dlakit's reference int8 kernels (src/kernels), verbatim ---- */\n",
            name, cg->base, DLK_VERSION, p->in_h, p->in_w, (long long)p->macs, p->weights_bytes, p->arena_bytes, name);
    emit_renames(f, name, dlk_text_ref_q8_c);
    if (p->has_float) emit_renames(f, name, dlk_text_ref_f32_c);
    emit_kernel_text(f, dlk_text_kernels_h);
    emit_kernel_text(f, dlk_text_bcast_h);
    emit_kernel_text(f, dlk_text_ref_q8_c);
    if (p->has_float) {
        /* float layers inside the model: the float reference kernels, whose file-local helpers
         * ref_q8.c's text also has (renamed here) */
        fprintf(f, "\n/* ---- float kernels (src/kernels/ref_f32.c), verbatim ---- */\n#undef CO_BLK\n#undef TILE\n"
                   "#define ceil_div f32_ceil_div\n#define valid_range f32_valid_range\n");
        emit_kernel_text(f, dlk_text_ref_f32_c);
        fprintf(f, "#undef ceil_div\n#undef valid_range\n");
    }
    int fast = 0;
    for (int i = 0; i < p->n_steps; i++) fast += p->steps[i].kind == DLK_STEP_CONV && dlk_mcu_conv_ok(p->target, &p->ctx->ops[p->steps[i].node]);
    if (fast) dlk_mcu_emit_kernels(f, p->target);
    fprintf(f, "\n/* ---- constants, layer by layer ---- */\n\n");
    uint8_t lut[3][256];
    dlk_program_input_tables(p, lut);
    fprintf(f, "/* input: x = QuantizeLinear((u8 / 255 - mean[c]) / std[c], %s, %d) for every u8, per channel */\n",
            qtype(at), p->in_zp);
    fprintf(f, "static const uint8_t input_table[3][256] = {\n");
    for (int c = 0; c < 3; c++) {
        fprintf(f, "    {");
        for (int v = 0; v < 256; v++) fprintf(f, "%s%d%s", v % 24 == 0 ? "\n     " : "", lut[c][v], v < 255 ? "," : "");
        fprintf(f, "}%s\n", c < 2 ? "," : "");
    }
    fprintf(f, "};\n\n");
    for (int i = 0; i < p->n_steps; i++) emit_step_data(f, cg, &p->steps[i]);
    fprintf(f,
            "/* ---- activations: one arena, offsets planned by dlakit ---- */\n"
            "/* Define %s_ARENA_SECTION to place the arena, e.g. -D'%s_ARENA_SECTION=__attribute__((section(\".sram1\")))' */\n"
            "#ifndef %s_ARENA_SECTION\n#define %s_ARENA_SECTION\n#endif\n"
            "static int32_t arena_words[(%s_ARENA_BYTES + 3) / 4] %s_ARENA_SECTION;\n"
            "static uint8_t *const arena = (uint8_t *)arena_words;\n\n"
            "static void quantize_input(const uint8_t *image, uint8_t *x)\n{\n"
            "    const long plane = (long)%s_IN_H * %s_IN_W;\n"
            "    for (int c = 0; c < 3; c++)\n"
            "        for (long i = 0; i < plane; i++) x[c * plane + i] = input_table[c][image[3 * i + c]];\n}\n\n"
            "/* Building with -D%s_PROFILE: %s_run calls %s_profile (defined by the caller) before the\n"
            " * first layer (step -1) and after each, with the step's index, name and MACs. */\n"
            "#ifdef %s_PROFILE\nvoid %s_profile(int step, const char *layer, long long macs);\n"
            "#define PROFILE_STEP(i, layer, macs) %s_profile(i, layer, macs)\n"
            "#else\n#define PROFILE_STEP(i, layer, macs) ((void)0)\n#endif\n\n"
            "int %s_run(const uint8_t *image, float *scores)\n{\n    PROFILE_STEP(-1, \"start\", 0);\n",
            name, name, name, name, name, name, name, name, name, name, name, name, name, name, name);
    for (int i = 0; i < p->n_steps; i++) {
        emit_step_call(f, cg, &p->steps[i]);
        if (p->steps[i].kind != DLK_STEP_ALIAS)
            fprintf(f, "    PROFILE_STEP(%d, \"%s\", %lld);\n", i, cg->cn[p->steps[i].node], (long long)p->steps[i].macs);
    }
    fprintf(f, "    return 0;\n}\n");
}

/* Opens dir/NAME.ext (a temporary file until dlk_outfile_close). */
static int open_out(dlk_outfile *o, const char *dir, const char *name, const char *ext, char **path, dlk_err *err)
{
    size_t dl = strlen(dir) + strlen(name) + 8;
    *path = malloc(dl);
    if (!*path) return dlk_fail(err, "out of memory");
    snprintf(*path, dl, "%s%s%s.%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name, ext);
    return dlk_outfile_open(o, *path, err);
}

/* One identifier per step, with the names its data takes (emit_step_data): unique, no keyword,
 * no standard name and none of the file's own (cident.h). */
static int step_names(const dlk_program *p, const char *name, char (*cn)[80], dlk_err *err)
{
    dlk_cnames *r = dlk_cnames_new(name);
    if (!r) return dlk_fail(err, "out of memory");
    /* the names the file defines from NAME must not be the kernels' (or a standard name) */
    static const char *const own[] = {"_H", "_IN_H", "_IN_W", "_NUM_CLASSES", "_ARENA_BYTES", "_SCRATCH_BYTES",
                                      "_WEIGHT_BYTES", "_STACK_BYTES", "_MACS", "_run", "_PROFILE", "_profile", "_ARENA_SECTION"};
    for (size_t k = 0; k < sizeof own / sizeof *own; k++) {
        char b[96];
        snprintf(b, sizeof b, "%s%s", name, own[k]);
        if (dlk_cnames_has(r, b)) {
            dlk_cnames_free(r);
            return dlk_fail(err, "the name '%s' makes %s, a name the generated file already uses: choose another", name, b);
        }
    }
    static const char *const conv_sfx[] = {"", "_w", "_b", "_scale", "_wzp"};
    char lut_names[DLK_OP_MAX_IN][16];
    const char *sfx[DLK_OP_MAX_IN + 1];
    int rc = 0;
    for (int i = 0; rc == 0 && i < p->n_steps; i++) {
        const dlk_node *n = &p->g->nodes[p->steps[i].node];
        const char *text = n->name && *n->name ? n->name : n->op_type;
        int ns = 1;
        sfx[0] = "";
        if (p->steps[i].kind == DLK_STEP_CONV) {
            ns = 5;
            memcpy(sfx, conv_sfx, sizeof conv_sfx);
        } else if (p->steps[i].kind == DLK_STEP_LUT) {
            sfx[ns++] = "_lut";
        } else if (p->steps[i].kind == DLK_STEP_CONCAT) {
            const dlk_concat_data *cd = dlk_concat_data_of(&p->ctx->ops[p->steps[i].node]);
            for (int k = 0; k < cd->n && k < DLK_OP_MAX_IN; k++) {
                snprintf(lut_names[k], sizeof lut_names[k], "_lut%d", k);
                sfx[ns++] = lut_names[k];
            }
        }
        rc = dlk_cnames_take(r, text, i, sfx, ns, cn[i], sizeof cn[i]);
    }
    dlk_cnames_free(r);
    return rc ? dlk_fail(err, "out of memory") : 0;
}

int dlk_program_check_32bit(const dlk_program *p, dlk_err *err)
{
    const size_t lim = ((size_t)1 << 31) - 1; /* PTRDIFF_MAX of a 32-bit target: its largest object */
    if (p->arena_bytes <= lim && p->weights_bytes <= lim) return 0;
    const int arena = p->arena_bytes > lim;
    return dlk_fail(err,
                    "%s: the %s (%zu bytes, %.2f GiB) is more than a 32-bit microcontroller can address (2 GiB); give a smaller "
                    "--size, or --allow-64bit to write C for a 64-bit target (x86-64: build it with -mcmodel=medium)",
                    p->g->path, arena ? "arena" : "constant data", arena ? p->arena_bytes : p->weights_bytes,
                    (double)(arena ? p->arena_bytes : p->weights_bytes) / (1 << 30));
}

int dlk_codegen_write(const dlk_program *p, const char *name, const char *dir, const char *model_path, dlk_err *err)
{
    if (dlk_c_check_name(name, err)) return -1;
    const char *base = strrchr(model_path, '/');
    char bb[DLK_C_COMMENT_BUF];
    if (!dir[0]) return dlk_fail(err, "the output folder name is empty");
    cg_ctx cg = {.p = p, .name = name, .base = dlk_c_comment(base ? base + 1 : model_path, bb)};
    cg.cn = calloc((size_t)p->n_steps + 1, sizeof *cg.cn);
    if (!cg.cn) return dlk_fail(err, "out of memory");
    int rc = step_names(p, name, cg.cn, err);
    /* both files are written whole to temporary files, then renamed: a failure leaves neither */
    dlk_outfile oh, oc;
    char *ph = NULL, *pc = NULL;
    if (rc == 0) {
        rc = -1;
        if (open_out(&oh, dir, name, "h", &ph, err) == 0) {
            if (open_out(&oc, dir, name, "c", &pc, err) == 0) {
                emit_header(oh.f, &cg);
                emit_source(oc.f, &cg);
                int ok = dlk_outfile_flush(&oh, err) == 0 && dlk_outfile_flush(&oc, err) == 0;
                dlk_err e2;
                ok = dlk_outfile_close(&oh, ok, ok ? err : &e2) == 0 && ok;
                rc = dlk_outfile_close(&oc, ok, ok ? err : &e2) == 0 && ok ? 0 : -1;
            } else {
                dlk_err e2;
                dlk_outfile_close(&oh, 0, &e2);
            }
        }
    }
    free(ph);
    free(pc);
    free(cg.cn);
    return rc;
}
