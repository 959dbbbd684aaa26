/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_report: per-layer SNR of an int8 model against its float model. */
#include "report.h"
#include "ops/quant.h"
#include "runtime/observe.h"
#include "util/err.h"
#include "util/outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n), d[n] = 0;
    return d;
}

static int ends_with(const char *s, const char *suf, size_t *stem)
{
    size_t a = strlen(s), b = strlen(suf);
    if (a <= b || strcmp(s + a - b, suf)) return 0;
    *stem = a - b;
    return 1;
}

int dlk_report_init(dlk_report *r, const dlk_model *fm, const dlk_model *qm, dlk_err *err)
{
    memset(r, 0, sizeof *r);
    r->fm = fm, r->qm = qm;
    const dlk_graph *q = &qm->g, *f = &fm->g;
    r->e = calloc((size_t)q->n_nodes + 1, sizeof *r->e);
    r->by_fv = malloc(sizeof(int) * (size_t)(f->n_values + 1));
    r->by_qv = malloc(sizeof(int) * (size_t)(q->n_values + 1));
    if (!r->e || !r->by_fv || !r->by_qv) return dlk_fail(err, "%s: out of memory", f->path);
    for (int v = 0; v < f->n_values; v++) r->by_fv[v] = -1;
    for (int v = 0; v < q->n_values; v++) r->by_qv[v] = -1;
    for (int i = 0; i < q->n_nodes; i++) {
        const dlk_node *n = &q->nodes[i];
        int s, z; /* the slots of the output's scale and zero point */
        if (!dlk_op_out_qparams(n, &s, &z)) continue;
        if (n->n_in <= z || n->in[s] < 0 || n->in[z] < 0 || !q->values[n->in[s]].is_const || !q->values[n->in[z]].is_const)
            continue;
        int qv = n->out[0];
        const char *qn = q->values[qv].name;
        size_t stem;
        if (!ends_with(qn, "_QuantizeLinear_Output", &stem) && !ends_with(qn, "_quantized", &stem)) continue;
        char *name = dupn(qn, stem);
        if (!name) return dlk_fail(err, "%s: out of memory", f->path);
        size_t st2;
        if (ends_with(name, "_QuantizeLinear_Input", &st2)) name[st2] = 0;
        int fv = dlk_graph_find(f, name);
        if (fv < 0 || (f->values[fv].producer < 0 && !f->values[fv].is_input) || r->by_fv[fv] >= 0) {
            free(name);
            continue;
        }
        int first, slot; /* a Relu folded into the node: compare with the Relu's output */
        if (dlk_graph_consumers(f, fv, &first, &slot) == 1 && f->nodes[first].op == &dlk_op_Relu)
            fv = f->nodes[first].out[0];
        dlk_report_entry *e = &r->e[r->n];
        e->name = name;
        e->fv = fv, e->qv = qv;
        e->node = f->values[fv].producer >= 0 ? f->nodes[f->values[fv].producer].name : "(graph input)";
        e->scale = *(const float *)q->values[n->in[s]].data;
        const dlk_value *zv = &q->values[n->in[z]];
        e->zp = zv->shape.dtype == DLK_UINT8 ? *(const uint8_t *)zv->data : *(const int8_t *)zv->data;
        r->by_fv[fv] = r->n;
        r->by_qv[qv] = r->n;
        r->n++;
    }
    return 0;
}

static void on_float(void *user, int node, const dlk_ctx *c)
{
    dlk_report *r = user;
    const dlk_graph *g = &r->fm->g;
    const dlk_node *n = node >= 0 ? &g->nodes[node] : NULL;
    int nv = n ? n->n_out : g->n_inputs;
    for (int s = 0; s < nv; s++) {
        int v = n ? n->out[s] : g->inputs[s];
        if (v < 0 || r->by_fv[v] < 0) continue;
        dlk_report_entry *e = &r->e[r->by_fv[v]];
        const dlk_tensor *t = dlk_ctx_tensor(c, v);
        size_t cnt = (size_t)dlk_shape_numel(&t->shape);
        if (t->shape.dtype != DLK_FLOAT) continue;
        if (cnt != e->n) {
            free(e->ref);
            e->ref = malloc(sizeof(float) * (cnt + 1));
            e->n = e->ref ? cnt : 0;
        }
        if (e->ref) memcpy(e->ref, t->data, sizeof(float) * cnt);
    }
}

static void on_quant(void *user, int node, const dlk_ctx *c)
{
    dlk_report *r = user;
    if (node < 0) return; /* the int8 model's input is float: its quantized values come from a node */
    const dlk_node *n = &r->qm->g.nodes[node];
    for (int s = 0; s < n->n_out; s++) {
        int v = n->out[s];
        if (v < 0 || r->by_qv[v] < 0) continue;
        dlk_report_entry *e = &r->e[r->by_qv[v]];
        const dlk_tensor *t = dlk_ctx_tensor(c, v);
        size_t cnt = (size_t)dlk_shape_numel(&t->shape);
        if (!e->ref || cnt != e->n) continue;
        for (size_t i = 0; i < cnt; i++) {
            int qv = t->shape.dtype == DLK_UINT8 ? ((const uint8_t *)t->data)[i] : ((const int8_t *)t->data)[i];
            double x = (double)e->scale * (qv - e->zp), ref = e->ref[i];
            e->sig += ref * ref;
            e->noise += (ref - x) * (ref - x);
        }
    }
}

int dlk_report_add(dlk_report *r, dlk_ctx *fc, dlk_ctx *qc, dlk_err *err)
{
    if (dlk_ctx_run_observe(fc, on_float, r, err) || dlk_ctx_run_observe(qc, on_quant, r, err)) return -1;
    return 0;
}

static double snr(const dlk_report_entry *e)
{
    if (e->noise <= 0) return INFINITY;
    return 10.0 * log10(e->sig / e->noise);
}

static const dlk_report *sort_ctx;
static int by_snr(const void *a, const void *b)
{
    double x = snr(&sort_ctx->e[*(const int *)a]), y = snr(&sort_ctx->e[*(const int *)b]);
    return x < y ? -1 : x > y ? 1 : *(const int *)a - *(const int *)b;
}


int dlk_report_write(const dlk_report *r, const char *path, int json, dlk_err *err)
{
    int *order = malloc(sizeof(int) * (size_t)(r->n + 1));
    if (!order) return dlk_fail(err, "%s: out of memory", path);
    for (int i = 0; i < r->n; i++) order[i] = i;
    sort_ctx = r;
    qsort(order, (size_t)r->n, sizeof(int), by_snr);
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) {
        free(order);
        return -1;
    }
    FILE *f = o.f;
    if (json) fprintf(f, "[");
    else fprintf(f, "node\ttensor\tsnr_db\tscale\tzero_point\n");
    for (int k = 0; k < r->n; k++) {
        const dlk_report_entry *e = &r->e[order[k]];
        double s = snr(e);
        if (json) {
            fprintf(f, "%s\n  {\"node\": ", k ? "," : "");
            dlk_json_str(f, e->node);
            fprintf(f, ", \"tensor\": ");
            dlk_json_str(f, e->name);
            if (isinf(s)) fprintf(f, ", \"snr_db\": null");
            else fprintf(f, ", \"snr_db\": %.3f", s);
            fprintf(f, ", \"scale\": %.9g, \"zero_point\": %d}", e->scale, e->zp);
        } else {
            char b1[256], b2[256]; /* names from the file: no raw tabs, newlines or control bytes */
            fprintf(f, "%s\t%s\t%.3f\t%.9g\t%d\n", dlk_esc(e->node, b1, sizeof b1), dlk_esc(e->name, b2, sizeof b2), s,
                    e->scale, e->zp);
        }
    }
    if (json) fprintf(f, "\n]\n");
    free(order);
    return dlk_outfile_close(&o, 1, err) ? -1 : 0;
}

void dlk_report_free(dlk_report *r)
{
    for (int i = 0; i < r->n; i++) free(r->e[i].name), free(r->e[i].ref);
    free(r->e), free(r->by_fv), free(r->by_qv);
    memset(r, 0, sizeof *r);
}
