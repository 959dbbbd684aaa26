/* SPDX-License-Identifier: Apache-2.0 */
#include "onnx.h"
#include "onnx.pb-c.h"
#include "util/err.h"
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static dlk_dtype map_dtype(int32_t t)
{
    switch (t) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return DLK_FLOAT;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return DLK_UINT8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return DLK_INT8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return DLK_INT32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return DLK_INT64;
    default: return DLK_UNDEFINED;
    }
}

static const char *onnx_type_name(int32_t t)
{
    static const char *names[] = {"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                  "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
                                  "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
                                  "float8e5m2fnuz", "uint4", "int4"};
    return t >= 0 && t < (int32_t)(sizeof names / sizeof names[0]) ? names[t] : "unknown";
}

/* Converts a TensorProto to a shape and malloc'd little-endian data. `what` names it in errors. */
static int tensor_from_proto(const Onnx__TensorProto *t, const char *path, const char *what, dlk_shape *shape,
                             void **data, dlk_err *err)
{
    *data = NULL;
    memset(shape, 0, sizeof *shape);
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return dlk_fail(err, "%s: %s uses external data, which dlakit does not load (save the model with its "
                             "weights inside the file)", path, what);
    if (t->segment) return dlk_fail(err, "%s: %s is a segmented tensor (not supported)", path, what);
    dlk_dtype dt = map_dtype(t->data_type);
    if (dt == DLK_UNDEFINED)
        return dlk_fail(err, "%s: %s has element type %s, which dlakit does not support", path, what,
                        onnx_type_name(t->data_type));
    if (t->n_dims > DLK_MAX_DIMS) return dlk_fail(err, "%s: %s has %zu dimensions (at most %d)", path, what, t->n_dims, DLK_MAX_DIMS);
    shape->dtype = dt;
    shape->ndim = (int)t->n_dims;
    int64_t n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0) return dlk_fail(err, "%s: %s has a negative dimension", path, what);
        /* each one bounded, also next to a 0: sums and products of dims stay far from overflow */
        if (t->dims[i] > ((int64_t)1 << 40)) return dlk_fail(err, "%s: %s: dimension %zu is too large", path, what, i);
        shape->dims[i] = t->dims[i];
        if (t->dims[i] && n > ((int64_t)1 << 40) / t->dims[i]) return dlk_fail(err, "%s: %s is too large", path, what);
        n *= t->dims[i];
    }
    size_t es = dlk_dtype_size(dt), bytes = (size_t)n * es;
    /* the data must be there before anything is allocated: a few bytes must not claim gigabytes */
    if (t->has_raw_data) {
        if (t->raw_data.len != bytes)
            return dlk_fail(err, "%s: %s holds %zu bytes of data, its shape needs %zu", path, what, t->raw_data.len, bytes);
    } else {
        size_t have;
        switch (dt) {
        case DLK_FLOAT: have = t->n_float_data; break;
        case DLK_INT64: have = t->n_int64_data; break;
        default: have = t->n_int32_data; break;
        }
        if (have != (size_t)n)
            return dlk_fail(err, "%s: %s holds %zu values, its shape needs %lld", path, what, have, (long long)n);
        if (dt == DLK_UINT8 || dt == DLK_INT8) {
            /* int8/uint8 values stored as int32: out of range is an error, not a silent truncation */
            int lo = dt == DLK_UINT8 ? 0 : -128, hi = dt == DLK_UINT8 ? 255 : 127;
            for (size_t i = 0; i < have; i++)
                if (t->int32_data[i] < lo || t->int32_data[i] > hi)
                    return dlk_fail(err, "%s: %s: value %d at index %zu is out of the %s range [%d, %d]", path, what,
                                    (int)t->int32_data[i], i, dlk_dtype_name(dt), lo, hi);
        }
    }
    dlk_limits lim;
    dlk_limits_get(&lim);
    if (bytes > lim.tensor_bytes)
        return dlk_fail(err, "%s: %s would take %zu bytes; the limit is %llu bytes (raise it with --max-tensor-bytes "
                             "or DLAKIT_MAX_TENSOR_BYTES)", path, what, bytes, (unsigned long long)lim.tensor_bytes);
    void *d = malloc(bytes ? bytes : 1);
    if (!d) return dlk_fail(err, "%s: %s: out of memory (%zu bytes)", path, what, bytes);
    if (t->has_raw_data) {
        if (bytes) memcpy(d, t->raw_data.data, bytes); /* little-endian host assumed (x86, Arm) */
    } else {
        for (int64_t i = 0; i < n; i++) {
            switch (dt) {
            case DLK_FLOAT: ((float *)d)[i] = t->float_data[i]; break;
            case DLK_INT64: ((int64_t *)d)[i] = t->int64_data[i]; break;
            case DLK_INT32: ((int32_t *)d)[i] = t->int32_data[i]; break;
            case DLK_UINT8: ((uint8_t *)d)[i] = (uint8_t)t->int32_data[i]; break;
            case DLK_INT8: ((int8_t *)d)[i] = (int8_t)t->int32_data[i]; break;
            default: break;
            }
        }
    }
    *data = d;
    return 0;
}

int dlk_onnx_read_tensor_file(const char *path, dlk_shape *shape, void **data, char *name, size_t name_len,
                              dlk_err *err)
{
    void *buf;
    size_t len;
    if (dlk_read_file_checked(path, DLK_MAX_MODEL_BYTES, dlk_onnx_head_check, &buf, &len, err)) return -1;
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, len, buf);
    free(buf);
    if (!t) return dlk_fail(err, "%s: not a valid ONNX TensorProto", path);
    int rc = tensor_from_proto(t, path, "tensor", shape, data, err);
    if (name && name_len) snprintf(name, name_len, "%s", t->name ? t->name : "");
    onnx__tensor_proto__free_unpacked(t, NULL);
    return rc;
}

static int set_value_info(dlk_graph *g, int v, const Onnx__ValueInfoProto *vi, dlk_err *err)
{
    dlk_value *val = &g->values[v];
    if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        return dlk_fail(err, "%s: graph input/output '%s' is not a tensor", g->path, vi->name);
    const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    dlk_dtype dt = map_dtype(tt->elem_type);
    if (dt == DLK_UNDEFINED)
        return dlk_fail(err, "%s: graph input/output '%s' has element type %s, which dlakit does not support",
                        g->path, vi->name, onnx_type_name(tt->elem_type));
    val->shape.dtype = dt;
    if (!tt->shape) {
        val->shape.ndim = -1; /* unknown rank */
        return 0;
    }
    if (tt->shape->n_dim > DLK_MAX_DIMS)
        return dlk_fail(err, "%s: '%s' has %zu dimensions (at most %d)", g->path, vi->name, tt->shape->n_dim, DLK_MAX_DIMS);
    val->shape.ndim = (int)tt->shape->n_dim;
    for (size_t i = 0; i < tt->shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        val->shape.dims[i] = -1;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value > ((int64_t)1 << 40))
            return dlk_fail(err, "%s: '%s': dimension %zu is too large", g->path, vi->name, i);
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0)
            val->shape.dims[i] = d->dim_value;
        else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param) {
            free(val->dim_param[i]);
            size_t n = strlen(d->dim_param) + 1;
            val->dim_param[i] = malloc(n);
            if (!val->dim_param[i]) return dlk_fail(err, "%s: out of memory", g->path);
            memcpy(val->dim_param[i], d->dim_param, n);
        }
    }
    return 0;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* a malloc'd copy of n elements (room for one when n is 0) */
static void *dup_array(const void *src, size_t n, size_t elem)
{
    void *d = malloc(elem * (n ? n : 1));
    if (d && n) memcpy(d, src, elem * n);
    return d;
}

static int copy_attr(dlk_graph *g, dlk_node *n, const Onnx__AttributeProto *a, dlk_attr *out, dlk_err *err)
{
    memset(out, 0, sizeof *out);
    out->name = dupstr(a->name ? a->name : "");
    if (!out->name) return dlk_fail(err, "%s: out of memory", g->path);
    /* dlk_relu, dlk_sum, ...: the markers of dlakit's own passes, which no file may set */
    if (!strncmp(out->name, "dlk_", 4))
        return dlk_fail(err, "%s: node '%s' (%s): attribute '%s': names starting with 'dlk_' are dlakit's internal markers "
                             "and are not accepted from a file", g->path, n->name, n->op_type, out->name);
    switch (a->type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: out->type = DLK_ATTR_INT; out->i = a->i; break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: out->type = DLK_ATTR_FLOAT; out->f = a->f; break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        out->type = DLK_ATTR_STRING;
        out->s = malloc(a->s.len + 1);
        if (!out->s) return dlk_fail(err, "%s: out of memory", g->path);
        if (a->s.len) memcpy(out->s, a->s.data, a->s.len);
        out->s[a->s.len] = 0;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        out->type = DLK_ATTR_INTS;
        out->n = (int)a->n_ints;
        if (!(out->ints = dup_array(a->ints, a->n_ints, sizeof *out->ints))) return dlk_fail(err, "%s: out of memory", g->path);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        out->type = DLK_ATTR_FLOATS;
        out->n = (int)a->n_floats;
        if (!(out->floats = dup_array(a->floats, a->n_floats, sizeof *out->floats)))
            return dlk_fail(err, "%s: out of memory", g->path);
        break;
    default:
        return dlk_fail(err, "%s: node '%s' (%s): attribute '%s' has a type dlakit does not support (%d)", g->path,
                        n->name, n->op_type, out->name, (int)a->type);
    }
    return 0;
}

/* A Constant node becomes a constant value. */
static int constant_node(dlk_graph *g, const Onnx__NodeProto *np, dlk_err *err)
{
    if (np->n_output != 1 || !np->output[0][0])
        return dlk_fail(err, "%s: Constant node '%s' must have one output", g->path, np->name ? np->name : "");
    dlk_shape shape = {0};
    void *data = NULL;
    char what[300];
    snprintf(what, sizeof what, "Constant node '%.200s'", np->name ? np->name : "");
    if (np->n_attribute != 1) return dlk_fail(err, "%s: %s must have exactly one attribute", g->path, what);
    const Onnx__AttributeProto *a = np->attribute[0];
    const char *an = a->name ? a->name : "";
    if (!strcmp(an, "value") && a->t) {
        if (tensor_from_proto(a->t, g->path, what, &shape, &data, err)) return -1;
    } else if (!strcmp(an, "value_float")) {
        shape.dtype = DLK_FLOAT;
        data = malloc(sizeof(float));
        if (data) *(float *)data = a->f;
    } else if (!strcmp(an, "value_int")) {
        shape.dtype = DLK_INT64;
        data = malloc(sizeof(int64_t));
        if (data) *(int64_t *)data = a->i;
    } else if (!strcmp(an, "value_floats")) {
        shape.dtype = DLK_FLOAT;
        shape.ndim = 1;
        shape.dims[0] = (int64_t)a->n_floats;
        data = dup_array(a->floats, a->n_floats, sizeof *a->floats);
    } else if (!strcmp(an, "value_ints")) {
        shape.dtype = DLK_INT64;
        shape.ndim = 1;
        shape.dims[0] = (int64_t)a->n_ints;
        data = dup_array(a->ints, a->n_ints, sizeof *a->ints);
    } else {
        return dlk_fail(err, "%s: %s: attribute '%s' is not supported", g->path, what, an);
    }
    if (!data) return dlk_fail(err, "%s: out of memory", g->path);
    int v = dlk_graph_value(g, np->output[0]);
    if (v < 0) { free(data); return dlk_fail(err, "%s: out of memory", g->path); }
    if (g->values[v].is_const) { free(data); return dlk_fail(err, "%s: value '%s' is defined twice", g->path, np->output[0]); }
    g->values[v].shape = shape;
    g->values[v].data = data;
    g->values[v].is_const = 1;
    return 0;
}

int dlk_onnx_parse(const void *buf, size_t len, const char *path, dlk_graph *g, dlk_err *err)
{
    dlk_graph_init(g, path);
    if (!g->path) return dlk_fail(err, "%s: out of memory", path);
    if (len == 0) return dlk_fail(err, "%s: empty file, not an ONNX model", path);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m) return dlk_fail(err, "%s: not a valid ONNX model (the protobuf data is corrupt or truncated)", path);
    int rc = -1;
    if (!m->graph) { dlk_fail(err, "%s: not an ONNX model (no graph)", path); goto done; }
    if (!m->has_ir_version || m->ir_version < 3)
        { dlk_fail(err, "%s: not an ONNX model, or IR version too old (ir_version %lld)", path, (long long)m->ir_version); goto done; }
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        const char *dom = o->domain ? o->domain : "";
        if (!dom[0] || !strcmp(dom, "ai.onnx")) g->opset = (int)o->version;
        else if (!strcmp(dom, "com.microsoft")) g->ms_opset = (int)o->version;
    }
    if (g->opset < 1 || g->opset > 21) {
        dlk_fail(err, "%s: default-domain opset %d is not supported (dlakit reads opsets 1 to 21)", path, g->opset);
        goto done;
    }
    const Onnx__GraphProto *gp = m->graph;
    if (gp->n_sparse_initializer) { dlk_fail(err, "%s: sparse initializers are not supported", path); goto done; }
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *t = gp->initializer[i];
        char what[300];
        snprintf(what, sizeof what, "initializer '%.200s'", t->name ? t->name : "");
        if (!t->name || !t->name[0]) { dlk_fail(err, "%s: an initializer has no name", path); goto done; }
        int v = dlk_graph_value(g, t->name);
        if (v < 0) { dlk_fail(err, "%s: out of memory", path); goto done; }
        if (g->values[v].is_const) { dlk_fail(err, "%s: %s is defined twice", path, what); goto done; }
        if (tensor_from_proto(t, path, what, &g->values[v].shape, &g->values[v].data, err)) goto done;
        g->values[v].is_const = 1;
    }
    g->inputs = malloc(sizeof(int) * (gp->n_input + 1));
    g->outputs = malloc(sizeof(int) * (gp->n_output + 1));
    if (!g->inputs || !g->outputs) { dlk_fail(err, "%s: out of memory", path); goto done; }
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !vi->name[0]) { dlk_fail(err, "%s: a graph input has no name", path); goto done; }
        int v = dlk_graph_value(g, vi->name);
        if (v < 0) { dlk_fail(err, "%s: out of memory", path); goto done; }
        if (g->values[v].is_const) continue; /* an initializer also listed as input (IR < 4 style) */
        if (set_value_info(g, v, vi, err)) goto done;
        g->values[v].is_input = 1;
        g->inputs[g->n_inputs++] = v;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        if (!vi->name || !vi->name[0]) { dlk_fail(err, "%s: a graph output has no name", path); goto done; }
        int v = dlk_graph_value(g, vi->name);
        if (v < 0) { dlk_fail(err, "%s: out of memory", path); goto done; }
        if (!g->values[v].is_const && !g->values[v].is_input && set_value_info(g, v, vi, err)) goto done;
        g->values[v].is_output = 1;
        g->outputs[g->n_outputs++] = v;
    }
    if (!g->n_outputs) { dlk_fail(err, "%s: the graph has no outputs", path); goto done; }
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        const char *op = np->op_type ? np->op_type : "";
        const char *dom = np->domain ? np->domain : "";
        if (!strcmp(op, "Constant") && (!dom[0] || !strcmp(dom, "ai.onnx"))) {
            if (constant_node(g, np, err)) goto done;
            continue;
        }
        int in[64], out[16];
        if (np->n_input > 64 || np->n_output > 16) {
            dlk_fail(err, "%s: node '%s' (%s) has too many inputs or outputs", path, np->name ? np->name : "", op);
            goto done;
        }
        for (size_t s = 0; s < np->n_input; s++) {
            in[s] = -1;
            if (np->input[s][0] && (in[s] = dlk_graph_value(g, np->input[s])) < 0) { dlk_fail(err, "%s: out of memory", path); goto done; }
        }
        for (size_t s = 0; s < np->n_output; s++) {
            out[s] = -1;
            if (np->output[s][0] && (out[s] = dlk_graph_value(g, np->output[s])) < 0) { dlk_fail(err, "%s: out of memory", path); goto done; }
        }
        char opname[300];
        if (dom[0] && strcmp(dom, "ai.onnx")) snprintf(opname, sizeof opname, "%s:%s", dom, op);
        else snprintf(opname, sizeof opname, "%s", op);
        char nname[64];
        const char *name = np->name && np->name[0] ? np->name : (snprintf(nname, sizeof nname, "#%zu", i), nname);
        int ni = dlk_graph_add_node(g, name, opname, in, (int)np->n_input, out, (int)np->n_output);
        if (ni < 0) { dlk_fail(err, "%s: out of memory", path); goto done; }
        dlk_node *n = &g->nodes[ni];
        n->attrs = calloc(np->n_attribute + 1, sizeof *n->attrs);
        if (!n->attrs) { dlk_fail(err, "%s: out of memory", path); goto done; }
        for (size_t a = 0; a < np->n_attribute; a++) {
            if (copy_attr(g, n, np->attribute[a], &n->attrs[a], err)) { n->n_attrs = (int)a + 1; goto done; }
            n->n_attrs = (int)a + 1;
        }
    }
    rc = 0;
done:
    onnx__model_proto__free_unpacked(m, NULL);
    return rc;
}
