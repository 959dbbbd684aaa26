/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_analysis and dlk_compile (include/dlakit/analyze.h): for an int8 model, the program of
 * program.h (what `dlakit compile` writes); for a float model, the costs of its nodes in a
 * plan-only context (MACs, parameters, float32 weight bytes, the planned arena). */
#include "codegen/program.h"
#include "util/err.h"
#include "util/outfile.h"

#include <stdlib.h>
#include <string.h>

struct dlk_analysis {
    dlk_model *m;
    int int8;
    dlk_program p;        /* int8 */
    dlk_ctx *ctx;         /* float: plan-only */
    int in_h, in_w, classes;
    int64_t macs, params; /* float */
    char *path;
};

/* Whether the model holds quantized operators (it is then analyzed as compile's program). */
static int has_int8(const dlk_model *m)
{
    for (int i = 0; i < m->g.n_nodes; i++) {
        const char *t = m->g.nodes[i].op_type;
        if (!strncmp(t, "QLinear", 7) || !strcmp(t, "QuantizeLinear") || !strcmp(t, "DequantizeLinear")) return 1;
    }
    return 0;
}

/* The parameters of node i: elements of its constant inputs. */
static int64_t node_params(const dlk_graph *g, int i)
{
    int64_t n = 0;
    const dlk_node *nd = &g->nodes[i];
    for (int k = 0; k < nd->n_in; k++)
        if (nd->in[k] >= 0 && g->values[nd->in[k]].is_const && g->values[nd->in[k]].shape.dtype == DLK_FLOAT)
            n += dlk_shape_numel(&g->values[nd->in[k]].shape);
    return n;
}

static int float_analysis(dlk_analysis *a, int h, int w, dlk_err *err)
{
    const dlk_graph *g = &a->m->g;
    if (g->n_inputs != 1) return dlk_fail(err, "%s: analyze needs a model with one input", g->path);
    dlk_shape in = dlk_model_input_shape(a->m, 0);
    if (in.ndim != 4) return dlk_fail(err, "%s: analyze needs an N x C x H x W input", g->path);
    if (in.dims[0] < 0) in.dims[0] = 1;
    if (h > 0) in.dims[2] = h, in.dims[3] = w;
    if (in.dims[1] < 0 || in.dims[2] < 0 || in.dims[3] < 0)
        return dlk_fail(err, "%s: the input size is not fixed: give --size", g->path);
    if (!(a->ctx = dlk_ctx_plan_only(a->m, &in, 1, err))) return -1;
    a->in_h = (int)in.dims[2], a->in_w = (int)in.dims[3];
    dlk_shape os;
    dlk_ctx_output(a->ctx, 0, &os);
    a->classes = (int)dlk_shape_numel(&os);
    for (int i = 0; i < dlk_ctx_num_nodes(a->ctx); i++) {
        a->macs += dlk_ctx_node_macs(a->ctx, i);
        a->params += node_params(g, i);
    }
    return 0;
}

dlk_analysis *dlk_analyze(const char *path, int h, int w, dlk_err *err)
{
    return dlk_analyze_target(path, h, w, NULL, err);
}

dlk_analysis *dlk_analyze_target(const char *path, int h, int w, const char *target, dlk_err *err)
{
    dlk_target tg = DLK_TARGET_GENERIC;
    if (target && dlk_target_parse(target, &tg))
        return dlk_fail(err, "unknown target '%s' (one of %s)", target, dlk_target_names()), NULL;
    dlk_analysis *a = calloc(1, sizeof *a);
    if (!a || !(a->path = malloc(strlen(path) + 1))) {
        free(a);
        return dlk_fail(err, "%s: out of memory", path), NULL;
    }
    strcpy(a->path, path);
    a->m = dlk_model_load(path, err);
    int rc = -1;
    if (a->m) {
        a->int8 = has_int8(a->m);
        rc = a->int8 ? dlk_program_build_for(a->m, h, w, tg, &a->p, err) : float_analysis(a, h, w, err);
    }
    if (rc) {
        dlk_analysis_free(a);
        return NULL;
    }
    return a;
}

void dlk_analysis_get_totals(const dlk_analysis *a, dlk_analysis_totals *t)
{
    memset(t, 0, sizeof *t);
    t->int8 = a->int8;
    if (a->int8) {
        const dlk_program *p = &a->p;
        t->in_h = p->in_h, t->in_w = p->in_w, t->classes = p->num_classes, t->layers = p->n_steps;
        t->macs = p->macs, t->params = p->params;
        t->weights_bytes = p->weights_bytes, t->int8_weight_bytes = p->int8_weight_bytes;
        t->peak_ram_bytes = p->arena_bytes, t->lower_bound_bytes = p->lower_bound, t->scratch_bytes = p->scratch_bytes;
    } else {
        t->in_h = a->in_h, t->in_w = a->in_w, t->classes = a->classes, t->layers = dlk_ctx_num_nodes(a->ctx);
        t->macs = a->macs, t->params = a->params;
        t->weights_bytes = (size_t)a->params * sizeof(float);
        t->peak_ram_bytes = dlk_ctx_arena_bytes(a->ctx);
    }
}

int dlk_analysis_get_layer(const dlk_analysis *a, int i, dlk_analysis_layer *l)
{
    memset(l, 0, sizeof *l);
    dlk_analysis_totals t;
    dlk_analysis_get_totals(a, &t);
    if (i < 0 || i >= t.layers) return -1;
    if (!a->int8) {
        const dlk_op *op = &a->ctx->ops[i];
        l->name = dlk_ctx_node_name(a->ctx, i);
        l->op = dlk_ctx_node_op(a->ctx, i);
        if (op->n_out && op->out[0]) l->shape = op->out[0]->shape;
        l->macs = dlk_ctx_node_macs(a->ctx, i);
        l->params = node_params(&a->m->g, i);
        l->weights_bytes = (size_t)l->params * sizeof(float);
        return 0;
    }
    const dlk_program *p = &a->p;
    const dlk_step *s = &p->steps[i];
    l->name = p->g->nodes[s->node].name;
    l->op = s->kind == DLK_STEP_INPUT ? "Input (table)" : s->kind == DLK_STEP_OUTPUT ? "Output (dequantize)" : p->g->nodes[s->node].op_type;
    l->shape = p->ctx->ops[s->node].out[0]->shape;
    l->macs = s->macs, l->params = s->params;
    l->weights_bytes = s->weight_bytes, l->activation_bytes = s->out_bytes, l->live_bytes = s->live_bytes;
    l->in_place = s->in_place, l->concat_slices = s->slices;
    return 0;
}

int dlk_analysis_write_svg(const dlk_analysis *a, const char *path, dlk_err *err)
{
    if (!a->int8) return dlk_fail(err, "%s: the memory plan is drawn for int8 models (what compile writes)", a->path);
    const dlk_program *p = &a->p;
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    FILE *f = o.f;
    double W = 1000, H = 600, L = 60, T = 30;
    double xs = W / (p->n_steps ? p->n_steps : 1), ys = H / (double)(p->arena_bytes ? p->arena_bytes : 1);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
            W + L + 20, H + T + 40);
    fprintf(f, "<text x=\"%.0f\" y=\"18\">memory plan: %zu-byte arena (lower bound %zu), %d layers</text>\n", L, p->arena_bytes,
            p->lower_bound, p->n_steps);
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#444\"/>\n", L, T, W, H);
    for (int b = 0; b < p->n_bufs; b++) {
        const dlk_plan_buf *pb = &p->bufs[b];
        if (pb->size == 0) continue; /* merged into another (in place) */
        int is_scratch = 0;
        for (int i = 0; i < p->n_steps; i++) is_scratch |= p->scratch_buf[i] == b;
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.3\"><title>%zu bytes at %zu, layers %d-%d</title></rect>\n",
                L + pb->first * xs, T + pb->offset * ys, (pb->last - pb->first + 1) * xs, pb->size * ys > 0.5 ? pb->size * ys : 0.5,
                is_scratch ? "#e8a33d" : "#5b8fd1", pb->size, pb->offset, pb->first, pb->last);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">layer (time) &#8594;</text>\n", L, T + H + 16);
    fprintf(f, "<text x=\"4\" y=\"%.0f\">address &#8595;</text>\n</svg>\n", T + 12);
    return dlk_outfile_close(&o, 1, err) ? -1 : 0;
}

void dlk_analysis_free(dlk_analysis *a)
{
    if (!a) return;
    if (a->int8) dlk_program_free(&a->p);
    dlk_ctx_free(a->ctx);
    dlk_model_free(a->m);
    free(a->path);
    free(a);
}

int dlk_compile(const dlk_analysis *a, const char *dir, const char *name, dlk_err *err)
{
    return dlk_compile_ex(a, dir, name, 0, err);
}

int dlk_compile_ex(const dlk_analysis *a, const char *dir, const char *name, int allow_64bit, dlk_err *err)
{
    if (!a->int8)
        return dlk_fail(err, "%s: compile needs an int8 model (quantize it first: dlakit quantize)", a->path);
    if (!dir[0]) return dlk_fail(err, "compile needs a folder name (it is empty)");
    if ((!allow_64bit && dlk_program_check_32bit(&a->p, err)) || dlk_mkdir_p(dir, err)) return -1;
    return dlk_codegen_write(&a->p, name, dir, a->path, err);
}
