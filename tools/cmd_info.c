/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit info: what a model file holds. */
#include "cli.h"
#include "onnx/onnx.h"
#include "ops/conv.h"
#include "runtime/runtime.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static const char HEAD[] =
    "usage: dlakit info MODEL.onnx [--json]\n"
    "\n"
    "Describes a model: inputs and outputs with their shapes, the opset, how many of each operator\n"
    "the file holds and how many remain after dlakit's passes (QDQ units become integer operators),\n"
    "the parameter count (elements of the weight and bias initializers; scales, zero points and\n"
    "shapes excluded), the bytes of all initializers, and the quantization scheme.\n"
    "\n";
static const char TAIL[] =
    "\n"
    "Example:\n"
    "  dlakit info models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx\n";

typedef struct {
    const char *name;
    int count;
} opcount;

static int count_ops(const dlk_graph *g, opcount *oc, int cap)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const char *t = g->nodes[i].op_type;
        int k = 0;
        while (k < n && strcmp(oc[k].name, t)) k++;
        if (k == n) {
            if (n == cap) continue;
            oc[n].name = t;
            oc[n++].count = 0;
        }
        oc[k].count++;
    }
    return n;
}

typedef struct {
    int64_t params, weight_bytes, scale_values;
    int per_channel, per_tensor;     /* weight scales seen */
    dlk_dtype wtype, atype;          /* weight / activation quantized types */
    const char *format;
} summary;

static void summarize(const dlk_graph *g, summary *s)
{
    memset(s, 0, sizeof *s);
    char *is_static = calloc(g->n_values + 1, 1);
    int qdq = 0, qop = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        const char *t = n->op_type;
        if (!strcmp(t, "DequantizeLinear") || !strcmp(t, "QuantizeLinear")) qdq++;
        if (!strncmp(t, "QLinear", 7) || strstr(t, ":QLinear")) qop++;
        for (int k = 0; k < n->n_in && k < 64; k++)
            if (n->in[k] >= 0 && n->op && (n->op->static_inputs >> k & 1) && is_static) is_static[n->in[k]] = 1;
        /* the weights of a QLinearConv and of a DequantizeLinear of a constant */
        int wslot = -1, sslot = -1;
        if (!strcmp(t, "QLinearConv")) wslot = DLK_QCONV_W, sslot = DLK_QCONV_W_SCALE;
        else if (!strcmp(t, "DequantizeLinear") && n->n_in >= 2 && g->values[n->in[0]].is_const &&
                 g->values[n->in[0]].shape.dtype != DLK_INT32)
            wslot = 0, sslot = 1;
        if (wslot >= 0 && n->n_in > sslot) {
            s->wtype = g->values[n->in[wslot]].shape.dtype;
            if (dlk_shape_numel(&g->values[n->in[sslot]].shape) > 1) s->per_channel++;
            else s->per_tensor++;
        }
        if (!strcmp(t, "QuantizeLinear") && n->n_in > 2 && n->in[2] >= 0) s->atype = g->values[n->in[2]].shape.dtype;
        if (!strcmp(t, "QuantizeLinear") && n->n_in <= 2) s->atype = DLK_UINT8;
    }
    for (int v = 0; v < g->n_values; v++) {
        const dlk_value *val = &g->values[v];
        if (!val->is_const) continue;
        int64_t ne = dlk_shape_numel(&val->shape);
        s->weight_bytes += ne * (int64_t)dlk_dtype_size(val->shape.dtype);
        if (is_static && is_static[v]) s->scale_values += ne;
        else s->params += ne;
    }
    free(is_static);
    s->format = qop ? "qoperator" : qdq ? "qdq" : "float";
}

static void print_shape_json(FILE *f, const dlk_value *v)
{
    fputc('[', f);
    for (int d = 0; d < v->shape.ndim; d++) {
        if (d) fputc(',', f);
        if (v->shape.dims[d] >= 0) fprintf(f, "%lld", (long long)v->shape.dims[d]);
        else cli_json_str(f, v->dim_param[d] ? v->dim_param[d] : "?");
    }
    fputc(']', f);
}

/* [{"name","dtype","shape"}...] of the given values */
static void print_values_json(FILE *f, const dlk_graph *g, const int *vals, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        const dlk_value *v = &g->values[vals[i]];
        fprintf(f, "%s{\"name\":", i ? "," : "");
        cli_json_str(f, v->name);
        fprintf(f, ",\"dtype\":\"%s\",\"shape\":", dlk_dtype_name(v->shape.dtype));
        print_shape_json(f, v);
        fputc('}', f);
    }
    fputc(']', f);
}

static void print_shape_text(FILE *f, const dlk_value *v)
{
    fputc('[', f);
    for (int d = 0; d < v->shape.ndim; d++)
        if (v->shape.dims[d] >= 0) fprintf(f, "%s%lld", d ? ", " : "", (long long)v->shape.dims[d]);
        else {
            char eb[256];
            fprintf(f, "%s%s", d ? ", " : "", v->dim_param[d] ? dlk_esc(v->dim_param[d], eb, sizeof eb) : "?");
        }
    fputc(']', f);
}

int cmd_info(int argc, char **argv)
{
    int json = 0, npos;
    const cli_opt opts[] = {CLI_OPT_JSON(&json, "machine-readable output")};
    const cli_cmd cmd = {.name = "info", .head = HEAD, .tail = TAIL, .width = 9, .min_args = 1,
                         .max_args = 1, .missing = "no model given", .opts = opts, .n_opts = CLI_NOPTS(opts)};
    int r = cli_parse(&cmd, argc, argv, &npos);
    if (r != CLI_GO) return r;
    const char *path = argv[1];
    dlk_err err;
    /* the file as written (for operator counts and parameters) ... */
    void *buf;
    size_t len;
    if (dlk_read_file_checked(path, DLK_MAX_MODEL_BYTES, dlk_onnx_head_check, &buf, &len, &err)) return cli_error("info", "%s", err.msg);
    dlk_graph raw;
    int bad = dlk_onnx_parse(buf, len, path, &raw, &err);
    free(buf);
    if (bad) {
        dlk_graph_free(&raw);
        return cli_error("info", "%s", err.msg);
    }
    for (int i = 0; i < raw.n_nodes; i++) raw.nodes[i].op = dlk_op_lookup(raw.nodes[i].op_type);
    /* ... and as dlakit runs it */
    dlk_model *m = dlk_model_load(path, &err);
    if (!m) {
        dlk_graph_free(&raw);
        return cli_error("info", "%s", err.msg);
    }
    opcount fo[128], ro[128];
    int nfo = count_ops(&raw, fo, 128), nro = count_ops(&m->g, ro, 128);
    summary s;
    summarize(&raw, &s);
    FILE *f = stdout;
    if (json) {
        fprintf(f, "{\"file\":");
        cli_json_str(f, path);
        fprintf(f, ",\"opset\":%d,\"inputs\":", raw.opset);
        print_values_json(f, &m->g, m->g.inputs, m->g.n_inputs);
        fprintf(f, ",\"outputs\":");
        print_values_json(f, &m->g, m->g.outputs, m->g.n_outputs);
        fprintf(f, ",\"nodes\":%d,\"ops\":{", raw.n_nodes);
        for (int i = 0; i < nfo; i++) {
            if (i) fputc(',', f);
            cli_json_str(f, fo[i].name);
            fprintf(f, ":%d", fo[i].count);
        }
        fprintf(f, "},\"runtime_nodes\":%d,\"runtime_ops\":{", m->g.n_nodes);
        for (int i = 0; i < nro; i++) {
            if (i) fputc(',', f);
            cli_json_str(f, ro[i].name);
            fprintf(f, ":%d", ro[i].count);
        }
        fprintf(f, "},\"parameters\":%lld,\"weight_bytes\":%lld,\"quantization\":{\"format\":\"%s\"", (long long)s.params,
                (long long)s.weight_bytes, s.format);
        if (strcmp(s.format, "float")) {
            fprintf(f, ",\"weights\":\"%s\",\"weight_scales\":\"%s\",\"activations\":\"%s\",\"activation_scales\":\"per-tensor\"",
                    dlk_dtype_name(s.wtype), s.per_channel ? "per-channel" : "per-tensor", dlk_dtype_name(s.atype));
        }
        fprintf(f, "}}\n");
    } else {
        char eb[1024];
        fprintf(f, "%s\n  opset %d, %d nodes (%d after dlakit's passes)\n", dlk_esc(path, eb, sizeof eb), raw.opset, raw.n_nodes,
                m->g.n_nodes);
        for (int i = 0; i < m->g.n_inputs; i++) {
            const dlk_value *v = &m->g.values[m->g.inputs[i]];
            fprintf(f, "  input  %s: %s ", dlk_esc(v->name, eb, sizeof eb), dlk_dtype_name(v->shape.dtype));
            print_shape_text(f, v);
            fputc('\n', f);
        }
        for (int i = 0; i < m->g.n_outputs; i++) {
            const dlk_value *v = &m->g.values[m->g.outputs[i]];
            fprintf(f, "  output %s: %s ", dlk_esc(v->name, eb, sizeof eb), dlk_dtype_name(v->shape.dtype));
            print_shape_text(f, v);
            fputc('\n', f);
        }
        fprintf(f, "  operators in the file:");
        for (int i = 0; i < nfo; i++) fprintf(f, " %s %d%s", fo[i].name, fo[i].count, i + 1 < nfo ? "," : "");
        fprintf(f, "\n  operators run:");
        for (int i = 0; i < nro; i++) fprintf(f, " %s %d%s", ro[i].name, ro[i].count, i + 1 < nro ? "," : "");
        fprintf(f, "\n  parameters %lld, initializer bytes %lld\n", (long long)s.params, (long long)s.weight_bytes);
        if (!strcmp(s.format, "float")) fprintf(f, "  quantization: none (float)\n");
        else
            fprintf(f, "  quantization: %s, weights %s %s, activations %s per-tensor\n", s.format, dlk_dtype_name(s.wtype),
                    s.per_channel ? "per-channel" : "per-tensor", dlk_dtype_name(s.atype));
    }
    dlk_model_free(m);
    dlk_graph_free(&raw);
    return 0;
}
