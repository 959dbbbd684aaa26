/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_model: load, optimize and describe a model. */
#include "runtime.h"
#include "graph/passes.h"
#include "onnx/onnx.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

dlk_model *dlk_model_load_buffer(const void *data, size_t size, const char *name, dlk_err *err)
{
    return dlk_model_load_buffer_ex(data, size, name, 0, err);
}

dlk_model *dlk_model_load_buffer_ex(const void *data, size_t size, const char *name, unsigned flags, dlk_err *err)
{
    dlk_err_clear(err);
    dlk_model *m = calloc(1, sizeof *m);
    if (!m) {
        dlk_fail(err, "%s: out of memory", name);
        return NULL;
    }
    if (dlk_onnx_parse(data, size, name, &m->g, err) || dlk_ops_resolve(&m->g, err) ||
        dlk_graph_finalize(&m->g, err) || dlk_pass_fuse_qdq(&m->g, err) ||
        (!(flags & DLK_LOAD_NO_FUSION) && dlk_pass_fuse_conv_relu(&m->g, err)) || dlk_graph_finalize(&m->g, err) ||
        dlk_ops_resolve(&m->g, err)) {
        dlk_model_free(m);
        return NULL;
    }
    m->flags = flags;
    m->packs = dlk_pack_cache_new();
    if (!m->packs) {
        dlk_fail(err, "%s: out of memory", name);
        dlk_model_free(m);
        return NULL;
    }
    if (m->g.n_inputs < 1) {
        dlk_fail(err, "%s: the model has no inputs", name);
        dlk_model_free(m);
        return NULL;
    }
    return m;
}

dlk_model *dlk_model_load(const char *path, dlk_err *err) { return dlk_model_load_ex(path, 0, err); }

dlk_model *dlk_model_load_ex(const char *path, unsigned flags, dlk_err *err)
{
    void *buf;
    size_t len;
    dlk_err_clear(err);
    if (dlk_read_file_checked(path, DLK_MAX_MODEL_BYTES, dlk_onnx_head_check, &buf, &len, err)) return NULL;
    dlk_model *m = dlk_model_load_buffer_ex(buf, len, path, flags, err);
    free(buf);
    return m;
}

void dlk_model_free(dlk_model *m)
{
    if (!m) return;
    dlk_graph_free(&m->g);
    dlk_pack_cache_free(m->packs);
    free(m);
}

int dlk_model_num_inputs(const dlk_model *m) { return m->g.n_inputs; }
int dlk_model_num_outputs(const dlk_model *m) { return m->g.n_outputs; }

const char *dlk_model_input_name(const dlk_model *m, int i)
{
    return i >= 0 && i < m->g.n_inputs ? m->g.values[m->g.inputs[i]].name : NULL;
}

const char *dlk_model_output_name(const dlk_model *m, int i)
{
    return i >= 0 && i < m->g.n_outputs ? m->g.values[m->g.outputs[i]].name : NULL;
}

dlk_shape dlk_model_input_shape(const dlk_model *m, int i)
{
    dlk_shape s = {0};
    if (i >= 0 && i < m->g.n_inputs) s = m->g.values[m->g.inputs[i]].shape;
    return s;
}

dlk_shape dlk_model_output_shape(const dlk_model *m, int i)
{
    dlk_shape s = {0};
    if (i >= 0 && i < m->g.n_outputs) s = m->g.values[m->g.outputs[i]].shape;
    return s;
}

const char *dlk_model_input_dim_param(const dlk_model *m, int i, int dim)
{
    if (i < 0 || i >= m->g.n_inputs || dim < 0 || dim >= DLK_MAX_DIMS) return NULL;
    return m->g.values[m->g.inputs[i]].dim_param[dim];
}

int dlk_model_input_is_static(const dlk_model *m, int i)
{
    if (i < 0 || i >= m->g.n_inputs) return 0;
    int v = m->g.inputs[i];
    for (int k = 0; k < m->g.n_nodes; k++) {
        const dlk_node *n = &m->g.nodes[k];
        for (int s = 0; s < n->n_in && s < 64; s++)
            if (n->in[s] == v && (n->op->static_inputs >> s & 1)) return 1;
    }
    return 0;
}

int dlk_model_bind_input(dlk_model *m, int i, const dlk_shape *shape, const void *data, dlk_err *err)
{
    if (i < 0 || i >= m->g.n_inputs) return dlk_fail(err, "%s: no input %d", m->g.path, i);
    dlk_value *v = &m->g.values[m->g.inputs[i]];
    if (shape->dtype != v->shape.dtype)
        return dlk_fail(err, "%s: input '%s' is %s, the value bound is %s", m->g.path, v->name,
                        dlk_dtype_name(v->shape.dtype), dlk_dtype_name(shape->dtype));
    size_t bytes = (size_t)dlk_shape_numel(shape) * dlk_dtype_size(shape->dtype);
    void *d = malloc(bytes ? bytes : 1);
    if (!d) return dlk_fail(err, "%s: out of memory", m->g.path);
    if (bytes) memcpy(d, data, bytes);
    v->data = d;
    v->shape = *shape;
    v->is_const = 1;
    v->is_input = 0;
    memmove(&m->g.inputs[i], &m->g.inputs[i + 1], sizeof(int) * (m->g.n_inputs - i - 1));
    m->g.n_inputs--;
    return 0;
}
