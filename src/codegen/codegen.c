/*
 * `dlakit compile`: writes a program (program.h) as NAME.c + NAME.h, plain C99 with no malloc and
 * no stdio. The kernels in NAME.c are the text of the library's own reference kernels
 * (src/kernels/kernels.h, bcast.h, ref_q8.c), embedded at build time by cmake/embed_text.cmake, so
 * the generated program computes exactly what `dlakit run` computes.
 */
#include "codegen/program.h"
#include "lib/outfile.h"
#include "ops/conv.h"
#include "ops/elem.h"
#include "ops/pool.h"
#include "ops/quant.h"
#include "ops/shape.h"
#include "util/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char dlk_text_kernels_h[], dlk_text_bcast_h[], dlk_text_ref_q8_c[];

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
static void emit_renames(FILE *f, const char *name)
{
    const char *s = dlk_text_ref_q8_c;
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

static size_t buf_off(const dlk_program *p, int value) { return p->bufs[p->buf_of_value[value]].offset + p->value_off[value]; }

/* Constant data and parameters of one step, written before the run function. */
static void emit_step_data(FILE *f, const dlk_program *p, const dlk_step *s, dlk_q8type at)
{
    const dlk_op *op = &p->ctx->ops[s->node];
    const dlk_node *n = &p->g->nodes[s->node];
    const char *c = s->cname;
    char decl[160], fb[48];
    switch (s->kind) {
    case DLK_STEP_CONV: {
        const dlk_qconv_data *qd = dlk_qconv_data_of(op);
        const dlk_qconv_params *q = &qd->p;
        const dlk_conv_geom *g = &q->g;
        const dlk_tensor *w = op->in[DLK_QCONV_W], *b = dlk_op_input(op, DLK_QCONV_B);
        fprintf(f, "/* %s: QLinearConv %d -> %d, %dx%d, stride %d, group %d */\n", n->name, g->c_in, g->c_out, g->kh, g->kw, g->sh,
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
    case DLK_STEP_MAXPOOL: {
        const dlk_pool_geom *g = dlk_pool_geom_of(op);
        fprintf(f,
                "/* %s: MaxPool %dx%d, stride %d */\n"
                "static const dlk_pool_geom %s = {.n = %d, .c = %d, .h_in = %d, .w_in = %d, .h_out = %d, .w_out = %d,\n"
                "    .kh = %d, .kw = %d, .sh = %d, .sw = %d, .dh = %d, .dw = %d, .pad_t = %d, .pad_l = %d, .pad_b = %d, .pad_r = %d};\n\n",
                n->name, g->kh, g->kw, g->sh, c, g->n, g->c, g->h_in, g->w_in, g->h_out, g->w_out, g->kh, g->kw, g->sh, g->sw,
                g->dh, g->dw, g->pad_t, g->pad_l, g->pad_b, g->pad_r);
        break;
    }
    case DLK_STEP_CONCAT: {
        const dlk_concat_data *cd = dlk_concat_data_of(op);
        for (int part = 0; part < cd->n; part++) {
            if (!cd->use_lut[part]) continue;
            uint8_t lut[256];
            dlk_requant_lut_q8(at, cd->x_scale[part], cd->x_zp[part], cd->y_scale, cd->y_zp, lut);
            fprintf(f, "/* %s, input %d: requantized through a table (scale %s, zero point %d) */\n", n->name, part,
                    flit(cd->x_scale[part], fb, sizeof fb), cd->x_zp[part]);
            snprintf(decl, sizeof decl, "static const uint8_t %s_lut%d", c, part);
            emit_i8(f, decl, lut, 256, 1);
            fprintf(f, "\n");
        }
        break;
    }
    default: break;
    }
}

static void emit_step_call(FILE *f, const dlk_program *p, const dlk_step *s, dlk_q8type at)
{
    const dlk_op *op = &p->ctx->ops[s->node];
    const dlk_node *n = &p->g->nodes[s->node];
    const char *c = s->cname;
    char b1[48], b2[48], b3[48];
    int out = n->out[0];
    switch (s->kind) {
    case DLK_STEP_INPUT:
        fprintf(f, "    /* %s: normalization and QuantizeLinear, one table per channel */\n", n->name);
        fprintf(f, "    quantize_input(image, arena + %zu);\n", buf_off(p, out));
        break;
    case DLK_STEP_CONV: {
        const dlk_conv_geom *g = &dlk_qconv_data_of(op)->p.g;
        const int has_b = dlk_op_input(op, DLK_QCONV_B) != NULL;
        fprintf(f, "    /* %s: %dx%d/%d, %d -> %d channels, %dx%d out */\n", n->name, g->kh, g->kw, g->sh, g->c_in, g->c_out, g->h_out,
                g->w_out);
        fprintf(f, "    dlk_conv_q8_ref(&%s, arena + %zu, %s_w, %s%s,\n                    arena + %zu, (int32_t *)(arena + %zu));\n", c,
                buf_off(p, n->in[DLK_QCONV_X]), c, has_b ? c : "NULL", has_b ? "_b" : "",
                buf_off(p, out), p->scratch_buf[s->node] >= 0 ? p->bufs[p->scratch_buf[s->node]].offset : 0);
        break;
    }
    case DLK_STEP_MAXPOOL:
        fprintf(f, "    /* %s */\n", n->name);
        fprintf(f, "    dlk_maxpool_q8_ref(&%s, %s, arena + %zu, arena + %zu);\n", c, qtype(at), buf_off(p, n->in[DLK_POOL_X]),
                buf_off(p, out));
        break;
    case DLK_STEP_ADD: {
        const dlk_qadd_data *q = dlk_qadd_data_of(op);
        int64_t cnt = dlk_shape_numel(&op->out[0]->shape);
        fprintf(f, "    { /* %s: QLinearAdd%s of %lld values */\n", n->name, q->relu ? " + Relu" : "", (long long)cnt);
        fprintf(f, "        static const int64_t len[1] = {%lld}, step[1] = {1};\n", (long long)cnt);
        fprintf(f, "        dlk_qadd_q8_ref(1, len, step, step, %s, arena + %zu, %s, %d, arena + %zu, %s, %d, %s, %d, arena + %zu);\n",
                qtype(at), buf_off(p, n->in[DLK_QADD_A]), flit(q->as, b1, sizeof b1), q->azp, buf_off(p, n->in[DLK_QADD_B]),
                flit(q->bs, b2, sizeof b2), q->bzp, flit(q->cs, b3, sizeof b3), q->czp, buf_off(p, out));
        if (q->relu)
            fprintf(f, "        dlk_clip_q8_ref(%lld, %s, arena + %zu, %d, %d, arena + %zu);\n", (long long)cnt, qtype(at),
                    buf_off(p, out), q->czp, dlk_q8_hi(at), buf_off(p, out));
        fprintf(f, "    }\n");
        break;
    }
    case DLK_STEP_CONCAT: {
        const dlk_concat_data *cd = dlk_concat_data_of(op);
        fprintf(f, "    /* %s: QLinearConcat */\n", n->name);
        size_t at_b = 0, o = buf_off(p, out);
        for (int part = 0; part < cd->n; part++) {
            const int k = cd->slot[part];
            size_t bytes = op->in[k]->bytes;
            if (buf_off(p, n->in[k]) == o + at_b && p->buf_of_value[n->in[k]] == p->buf_of_value[out])
                fprintf(f, "    /* input %d (%zu bytes at %zu): written there by %s */\n", part, bytes, o + at_b,
                        p->g->nodes[p->g->values[n->in[k]].producer].name);
            else if (!cd->use_lut[part])
                fprintf(f, "    memcpy(arena + %zu, arena + %zu, %zu);\n", o + at_b, buf_off(p, n->in[k]), bytes);
            else
                fprintf(f, "    dlk_apply_lut_q8(%zu, %s, %s_lut%d, arena + %zu, arena + %zu);\n", bytes, qtype(at), c, part,
                        buf_off(p, n->in[k]), o + at_b);
            at_b += bytes;
        }
        break;
    }
    case DLK_STEP_GAP: {
        const dlk_gap_data *q = dlk_gap_data_of(op);
        fprintf(f, "    /* %s: QLinearGlobalAveragePool */\n", n->name);
        fprintf(f, "    dlk_qgavgpool_q8_ref(%d, %d, %s, arena + %zu, %s, %d, %s, %d, arena + %zu);\n", (int)q->nc, (int)q->hw,
                qtype(at), buf_off(p, n->in[DLK_QGAP_X]), flit(q->xs, b1, sizeof b1), q->xzp, flit(q->ys, b2, sizeof b2), q->yzp,
                buf_off(p, out));
        break;
    }
    case DLK_STEP_ALIAS:
        fprintf(f, "    /* %s: %s, the same bytes */\n", n->name, n->op_type);
        break;
    case DLK_STEP_OUTPUT: {
        const dlk_qdq_data *d = dlk_qdq_data_of(op); /* per tensor (step_kind) */
        const float sc = d->scale[0];
        const int zp = d->zp[0];
        const dlk_q8type t = d->t;
        fprintf(f, "    { /* %s: DequantizeLinear into the scores */\n", n->name);
        fprintf(f, "        static const float scale[1] = {%s};\n        static const int32_t zero_point[1] = {%d};\n",
                flit(sc, b1, sizeof b1), zp);
        fprintf(f, "        dlk_dequantize_ref(1, 1, %lld, arena + %zu, %s, 0, scale, zero_point, scores);\n    }\n",
                (long long)dlk_shape_numel(&op->in[DLK_QDQ_X]->shape), buf_off(p, n->in[DLK_QDQ_X]), qtype(t));
        break;
    }
    }
}

#define NAME_STACK_BYTES 8192 /* the kernels' deepest frame (conv: 4 KiB of accumulators) with margin */

/* NAME.h */
static void emit_header(FILE *f, const dlk_program *p, const char *name, const char *base)
{
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
            "/* Classifies one image; scores receives %s_NUM_CLASSES floats. Returns 0. Not reentrant. */\n"
            "int %s_run(const uint8_t *image, float *scores);\n\n#endif\n",
            name, base, DLK_VERSION, name, name, name, p->in_h, name, p->in_w, name, p->num_classes, name, p->arena_bytes, name,
            p->scratch_bytes, name, p->weights_bytes, name, NAME_STACK_BYTES, name, name, (long long)p->macs, name, name);
}

/* NAME.c */
static void emit_source(FILE *f, const dlk_program *p, const char *name, const char *base)
{
    const dlk_q8type at = p->in_type;
    fprintf(f,
            "/*\n * %s.c: %s compiled by dlakit %s for a %dx%d uint8 RGB image.\n"
            " * %lld MACs, %zu bytes of constants, a %zu-byte arena. No malloc, no stdio.\n"
            " * Build as C99 or later with -ffp-contract=off (the default of -std=c99): requantization is\n"
            " * ONNX Runtime's float formula and must round each operation on its own.\n */\n"
            "#include \"%s.h\"\n\n#include <stddef.h>\n#include <string.h>\n\n"
            "/* ---- kernels: dlakit's reference int8 kernels (src/kernels), verbatim ---- */\n",
            name, base, DLK_VERSION, p->in_h, p->in_w, (long long)p->macs, p->weights_bytes, p->arena_bytes, name);
    emit_renames(f, name);
    emit_kernel_text(f, dlk_text_kernels_h);
    emit_kernel_text(f, dlk_text_bcast_h);
    emit_kernel_text(f, dlk_text_ref_q8_c);
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
    for (int i = 0; i < p->n_steps; i++) emit_step_data(f, p, &p->steps[i], at);
    fprintf(f,
            "/* ---- activations: one arena, offsets planned by dlakit ---- */\n"
            "static int32_t arena_words[(%s_ARENA_BYTES + 3) / 4];\n"
            "static uint8_t *const arena = (uint8_t *)arena_words;\n\n"
            "static void quantize_input(const uint8_t *image, uint8_t *x)\n{\n"
            "    const long plane = (long)%s_IN_H * %s_IN_W;\n"
            "    for (int c = 0; c < 3; c++)\n"
            "        for (long i = 0; i < plane; i++) x[c * plane + i] = input_table[c][image[3 * i + c]];\n}\n\n"
            "int %s_run(const uint8_t *image, float *scores)\n{\n",
            name, name, name, name);
    for (int i = 0; i < p->n_steps; i++) emit_step_call(f, p, &p->steps[i], at);
    fprintf(f, "    return 0;\n}\n");
}

/* Writes dir/NAME.ext with emit; fails if it cannot be written whole. */
static int write_file(const char *dir, const char *name, const char *ext, const dlk_program *p, const char *base,
                      void (*emit)(FILE *f, const dlk_program *p, const char *name, const char *base), dlk_err *err)
{
    size_t dl = strlen(dir) + strlen(name) + 8;
    char *path = malloc(dl);
    if (!path) return dlk_fail(err, "out of memory");
    snprintf(path, dl, "%s/%s.%s", dir, name, ext);
    dlk_outfile o;
    int bad = dlk_outfile_open(&o, path, err) != 0;
    if (!bad) {
        emit(o.f, p, name, base);
        bad = dlk_outfile_close(&o, 1, err) != 0;
    }
    free(path);
    return bad ? -1 : 0;
}

int dlk_codegen_write(const dlk_program *p, const char *name, const char *dir, const char *model_path, dlk_err *err)
{
    size_t nl = strlen(name);
    if (nl == 0 || nl > 40) return dlk_fail(err, "the name must have 1 to 40 characters");
    for (size_t i = 0; i < nl; i++)
        if (!(name[i] == '_' || (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
              (i > 0 && name[i] >= '0' && name[i] <= '9')))
            return dlk_fail(err, "the name '%s' is not a C identifier", name);
    const char *base = strrchr(model_path, '/');
    base = base ? base + 1 : model_path;
    if (write_file(dir, name, "h", p, base, emit_header, err)) return -1;
    return write_file(dir, name, "c", p, base, emit_source, err);
}
