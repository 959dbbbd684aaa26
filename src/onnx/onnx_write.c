/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_graph -> ONNX ModelProto, packed by protobuf-c. Every message is built in a pool of
 * allocations that is freed once the bytes are packed; strings and tensor data point into the
 * graph (protobuf-c only reads them while packing). */
#include "onnx_write.h"
#include "onnx.pb-c.h"
#include "util/err.h"
#include "util/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    void **p;
    size_t n, cap;
    int oom;
} pool;

static void *palloc(pool *P, size_t bytes)
{
    if (P->oom) return NULL;
    if (P->n == P->cap) {
        size_t cap = P->cap ? P->cap * 2 : 256;
        void **np = realloc(P->p, cap * sizeof *np);
        if (!np) { P->oom = 1; return NULL; }
        P->p = np;
        P->cap = cap;
    }
    void *q = calloc(1, bytes ? bytes : 1);
    if (!q) { P->oom = 1; return NULL; }
    P->p[P->n++] = q;
    return q;
}

static void pool_free(pool *P)
{
    for (size_t i = 0; i < P->n; i++) free(P->p[i]);
    free(P->p);
}

static int32_t onnx_dtype(dlk_dtype t)
{
    switch (t) {
    case DLK_FLOAT: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    case DLK_UINT8: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
    case DLK_INT8: return ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
    case DLK_INT32: return ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    case DLK_INT64: return ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    default: return ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED;
    }
}

static Onnx__ValueInfoProto *value_info(pool *P, const dlk_value *v)
{
    Onnx__ValueInfoProto *vi = palloc(P, sizeof *vi);
    Onnx__TypeProto *tp = palloc(P, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = palloc(P, sizeof *tt);
    if (!vi || !tp || !tt) return NULL;
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    vi->name = v->name;
    vi->type = tp;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = onnx_dtype(v->shape.dtype);
    if (v->shape.ndim < 0) return vi;
    Onnx__TensorShapeProto *sp = palloc(P, sizeof *sp);
    Onnx__TensorShapeProto__Dimension **dims = palloc(P, sizeof *dims * (v->shape.ndim + 1));
    if (!sp || !dims) return NULL;
    onnx__tensor_shape_proto__init(sp);
    sp->n_dim = (size_t)v->shape.ndim;
    sp->dim = dims;
    for (int d = 0; d < v->shape.ndim; d++) {
        Onnx__TensorShapeProto__Dimension *dm = palloc(P, sizeof *dm);
        if (!dm) return NULL;
        onnx__tensor_shape_proto__dimension__init(dm);
        if (v->shape.dims[d] >= 0) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dm->dim_value = v->shape.dims[d];
        } else if (v->dim_param[d]) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dm->dim_param = v->dim_param[d];
        }
        dims[d] = dm;
    }
    tt->shape = sp;
    return vi;
}

static Onnx__TensorProto *tensor(pool *P, const dlk_value *v)
{
    Onnx__TensorProto *t = palloc(P, sizeof *t);
    int64_t *dims = palloc(P, sizeof *dims * (v->shape.ndim + 1));
    if (!t || !dims) return NULL;
    onnx__tensor_proto__init(t);
    t->name = v->name;
    t->n_dims = (size_t)(v->shape.ndim > 0 ? v->shape.ndim : 0);
    for (int d = 0; d < v->shape.ndim; d++) dims[d] = v->shape.dims[d];
    t->dims = dims;
    t->has_data_type = 1;
    t->data_type = onnx_dtype(v->shape.dtype);
    t->has_raw_data = 1;
    t->raw_data.len = (size_t)dlk_shape_numel(&v->shape) * dlk_dtype_size(v->shape.dtype);
    t->raw_data.data = v->data; /* little-endian host, as the loader assumes */
    return t;
}

static Onnx__AttributeProto *attribute(pool *P, const dlk_attr *a)
{
    Onnx__AttributeProto *ap = palloc(P, sizeof *ap);
    if (!ap) return NULL;
    onnx__attribute_proto__init(ap);
    ap->name = a->name;
    ap->has_type = 1;
    switch (a->type) {
    case DLK_ATTR_INT: ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT; ap->has_i = 1; ap->i = a->i; break;
    case DLK_ATTR_FLOAT: ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT; ap->has_f = 1; ap->f = a->f; break;
    case DLK_ATTR_STRING:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        ap->has_s = 1;
        ap->s.data = (uint8_t *)a->s;
        ap->s.len = a->s ? strlen(a->s) : 0;
        break;
    case DLK_ATTR_INTS:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        ap->n_ints = (size_t)a->n;
        ap->ints = a->ints;
        break;
    case DLK_ATTR_FLOATS:
        ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        ap->n_floats = (size_t)a->n;
        ap->floats = a->floats;
        break;
    }
    return ap;
}

static char *pstrdup(pool *P, const char *s, size_t n)
{
    char *d = palloc(P, n + 1);
    if (d) memcpy(d, s, n);
    return d;
}

/* The loader names an unnamed node "#<index>": such a name is not written back. */
static int placeholder_name(const char *s)
{
    if (s[0] != '#' || !s[1]) return 0;
    for (s++; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static Onnx__NodeProto *node(pool *P, const dlk_graph *g, const dlk_node *n)
{
    Onnx__NodeProto *np = palloc(P, sizeof *np);
    char **in = palloc(P, sizeof(char *) * (n->n_in + 1));
    char **out = palloc(P, sizeof(char *) * (n->n_out + 1));
    Onnx__AttributeProto **at = palloc(P, sizeof *at * (n->n_attrs + 1));
    if (!np || !in || !out || !at) return NULL;
    onnx__node_proto__init(np);
    np->name = placeholder_name(n->name) ? "" : n->name;
    const char *colon = strrchr(n->op_type, ':');
    if (colon) {
        np->domain = pstrdup(P, n->op_type, (size_t)(colon - n->op_type));
        np->op_type = (char *)colon + 1;
        if (!np->domain) return NULL;
    } else {
        np->op_type = n->op_type;
    }
    for (int s = 0; s < n->n_in; s++) in[s] = n->in[s] >= 0 ? g->values[n->in[s]].name : "";
    for (int s = 0; s < n->n_out; s++) out[s] = n->out[s] >= 0 ? g->values[n->out[s]].name : "";
    np->n_input = (size_t)n->n_in;
    np->input = in;
    np->n_output = (size_t)n->n_out;
    np->output = out;
    size_t na = 0;
    for (int a = 0; a < n->n_attrs; a++) {
        if (!strncmp(n->attrs[a].name, "dlk_", 4)) continue; /* dlakit's own markers stay inside */
        if (!(at[na++] = attribute(P, &n->attrs[a]))) return NULL;
    }
    np->n_attribute = na;
    np->attribute = at;
    return np;
}

static Onnx__OperatorSetIdProto *opset(pool *P, const char *domain, int64_t version)
{
    Onnx__OperatorSetIdProto *o = palloc(P, sizeof *o);
    if (!o) return NULL;
    onnx__operator_set_id_proto__init(o);
    o->domain = (char *)domain;
    o->has_version = 1;
    o->version = version;
    return o;
}

static int build(const dlk_graph *g, const dlk_onnx_write_opts *o, const Onnx__ModelProto *src, pool *P,
                 Onnx__ModelProto *m, Onnx__GraphProto *gp, dlk_err *err)
{
    onnx__model_proto__init(m);
    onnx__graph_proto__init(gp);
    m->graph = gp;
    m->has_ir_version = 1;
    m->ir_version = src && src->has_ir_version ? src->ir_version : 9;
    m->producer_name = o && o->producer_name ? (char *)o->producer_name : src ? src->producer_name : "dlakit";
    m->producer_version = o && o->producer_version ? (char *)o->producer_version : src ? src->producer_version : DLK_VERSION;
    if (src) {
        m->domain = src->domain;
        m->has_model_version = src->has_model_version;
        m->model_version = src->model_version;
        m->doc_string = src->doc_string;
        gp->name = src->graph ? src->graph->name : NULL;
        gp->doc_string = src->graph ? src->graph->doc_string : NULL;
    }
    if (!gp->name) gp->name = "main_graph";
    /* opset imports: the source's, then com.microsoft if asked for and missing */
    size_t nsrc_op = src ? src->n_opset_import : 0;
    m->opset_import = palloc(P, sizeof(Onnx__OperatorSetIdProto *) * (nsrc_op + 2));
    if (!m->opset_import) goto oom;
    int have_ms = 0;
    for (size_t i = 0; i < nsrc_op; i++) {
        Onnx__OperatorSetIdProto *op = src->opset_import[i];
        const char *d = op->domain ? op->domain : "";
        if (!strcmp(d, "com.microsoft")) have_ms = 1;
        if ((!d[0] || !strcmp(d, "ai.onnx")) && o && o->min_opset > 0 && op->version < o->min_opset)
            if (!(op = opset(P, d, o->min_opset))) goto oom;
        m->opset_import[m->n_opset_import++] = op;
    }
    if (!src) {
        if (!(m->opset_import[m->n_opset_import++] = opset(P, "", g->opset > 0 ? g->opset : 13))) goto oom;
        if (g->ms_opset > 0 && !(o && o->ms_opset > 0) && !(m->opset_import[m->n_opset_import++] = opset(P, "com.microsoft", g->ms_opset)))
            goto oom;
    }
    if (o && o->ms_opset > 0 && !have_ms && !(m->opset_import[m->n_opset_import++] = opset(P, "com.microsoft", o->ms_opset)))
        goto oom;
    /* metadata: the source's, with o->meta's keys replaced or added */
    size_t nsrc_meta = src ? src->n_metadata_props : 0, nmeta = o ? (size_t)o->n_meta : 0;
    m->metadata_props = palloc(P, sizeof(Onnx__StringStringEntryProto *) * (nsrc_meta + nmeta + 1));
    if (!m->metadata_props) goto oom;
    for (size_t i = 0; i < nsrc_meta; i++) {
        int replaced = 0;
        for (size_t k = 0; k < nmeta; k++)
            if (src->metadata_props[i]->key && !strcmp(src->metadata_props[i]->key, o->meta[2 * k])) replaced = 1;
        if (!replaced) m->metadata_props[m->n_metadata_props++] = src->metadata_props[i];
    }
    for (size_t k = 0; k < nmeta; k++) {
        Onnx__StringStringEntryProto *e = palloc(P, sizeof *e);
        if (!e) goto oom;
        onnx__string_string_entry_proto__init(e);
        e->key = (char *)o->meta[2 * k];
        e->value = (char *)o->meta[2 * k + 1];
        m->metadata_props[m->n_metadata_props++] = e;
    }
    /* nodes, and which values they use */
    char *used = palloc(P, (size_t)g->n_values + 1);
    char *made = palloc(P, (size_t)g->n_values + 1);
    gp->node = palloc(P, sizeof(Onnx__NodeProto *) * (g->n_nodes + 1));
    if (!used || !made || !gp->node) goto oom;
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        if (!(gp->node[gp->n_node++] = node(P, g, n))) goto oom;
        for (int s = 0; s < n->n_in; s++) if (n->in[s] >= 0) used[n->in[s]] = 1;
        for (int s = 0; s < n->n_out; s++) if (n->out[s] >= 0) made[n->out[s]] = 1;
    }
    for (int i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = 1;
    /* initializers: constants in use, in value order */
    gp->initializer = palloc(P, sizeof(Onnx__TensorProto *) * (g->n_values + 1));
    if (!gp->initializer) goto oom;
    for (int v = 0; v < g->n_values; v++) {
        const dlk_value *val = &g->values[v];
        if (!val->is_const || !used[v]) continue;
        if (!val->data || onnx_dtype(val->shape.dtype) == ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED)
            return dlk_fail(err, "%s: constant '%s' has no data or an unsupported type", g->path, val->name);
        if (!(gp->initializer[gp->n_initializer++] = tensor(P, val))) goto oom;
    }
    gp->input = palloc(P, sizeof(Onnx__ValueInfoProto *) * (g->n_inputs + 1));
    gp->output = palloc(P, sizeof(Onnx__ValueInfoProto *) * (g->n_outputs + 1));
    if (!gp->input || !gp->output) goto oom;
    for (int i = 0; i < g->n_inputs; i++)
        if (!(gp->input[gp->n_input++] = value_info(P, &g->values[g->inputs[i]]))) goto oom;
    for (int i = 0; i < g->n_outputs; i++) {
        const dlk_value *val = &g->values[g->outputs[i]];
        if (!val->is_const && !val->is_input && !made[g->outputs[i]])
            return dlk_fail(err, "%s: graph output '%s' is produced by no node", g->path, val->name);
        if (!(gp->output[gp->n_output++] = value_info(P, val))) goto oom;
    }
    /* value_info of the source for intermediate values the graph still has */
    if (src && src->graph && src->graph->n_value_info) {
        gp->value_info = palloc(P, sizeof(Onnx__ValueInfoProto *) * src->graph->n_value_info);
        if (!gp->value_info) goto oom;
        for (size_t i = 0; i < src->graph->n_value_info; i++) {
            const Onnx__ValueInfoProto *vi = src->graph->value_info[i];
            int v = vi->name ? dlk_graph_find(g, vi->name) : -1;
            if (v < 0 || !made[v] || g->values[v].is_output) continue;
            gp->value_info[gp->n_value_info++] = (Onnx__ValueInfoProto *)vi;
        }
    }
    return 0;
oom:
    return dlk_fail(err, "%s: out of memory while serializing the model", g->path);
}

int dlk_onnx_pack(const dlk_graph *g, const dlk_onnx_write_opts *opts, void **buf, size_t *len, dlk_err *err)
{
    *buf = NULL;
    *len = 0;
    /* a Conv with a fused Add has an input ONNX's Conv does not: such a graph is dlakit's own */
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].dead && dlk_attr_find(&g->nodes[i], "dlk_sum"))
            return dlk_fail(err, "%s: node '%s' has a fused Add; write a graph loaded without fusion", g->path,
                            g->nodes[i].name ? g->nodes[i].name : "");
    Onnx__ModelProto *src = NULL;
    if (opts && opts->src) {
        src = onnx__model_proto__unpack(NULL, opts->src_len, opts->src);
        if (!src) return dlk_fail(err, "%s: the source model cannot be parsed again", g->path);
    }
    pool P = {0};
    Onnx__ModelProto m;
    Onnx__GraphProto gp;
    int rc = build(g, opts, src, &P, &m, &gp, err);
    if (!rc) {
        size_t n = onnx__model_proto__get_packed_size(&m);
        uint8_t *b = malloc(n ? n : 1);
        if (!b) rc = dlk_fail(err, "%s: out of memory (%zu bytes)", g->path, n);
        else {
            *len = onnx__model_proto__pack(&m, b);
            *buf = b;
        }
    }
    pool_free(&P);
    if (src) onnx__model_proto__free_unpacked(src, NULL);
    return rc;
}

int dlk_onnx_write(const dlk_graph *g, const char *path, const dlk_onnx_write_opts *opts, dlk_err *err)
{
    void *buf;
    size_t len;
    if (dlk_onnx_pack(g, opts, &buf, &len, err)) return -1;
    int rc = dlk_outfile_write(path, buf, len, err);
    free(buf);
    return rc;
}
