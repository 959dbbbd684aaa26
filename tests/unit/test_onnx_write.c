/* SPDX-License-Identifier: Apache-2.0 */
/* The ONNX writer: a model dlakit writes and reads back runs bit for bit like the original; opset
 * imports, producer and metadata are carried over; dlakit's internal markers never reach a file;
 * a failed write leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlakit.h"
#include "onnx.pb-c.h"
#include "onnx/onnx.h"
#include "onnx/onnx_write.h"
#include "runtime/runtime.h"
#include "util/file.h"

#define FLOAT_MODEL "fixtures/engine/mnist_sym.onnx"
#define QDQ_MODEL "fixtures/engine/mnist_sym_qdq_int8.onnx"

/* Runs m on a fixed pseudo-random 1x3x32x32 input; returns the malloc'd output and its count. */
static float *run_once(const dlk_model *m, size_t *n)
{
    dlk_err err;
    dlk_shape s = {DLK_FLOAT, 4, {1, 3, 32, 32}};
    dlk_ctx *c = dlk_ctx_new(m, &s, 1, &err);
    if (!c) fail_msg("%s", err.msg);
    float *in = dlk_ctx_input(c, 0, NULL);
    uint32_t r = 12345;
    for (int i = 0; i < 3 * 32 * 32; i++) {
        r = r * 1664525u + 1013904223u;
        in[i] = (float)(r >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
    }
    assert_int_equal(dlk_ctx_run(c, &err), 0);
    dlk_shape os;
    const float *o = dlk_ctx_output(c, 0, &os);
    *n = (size_t)dlk_shape_numel(&os);
    float *copy = malloc(*n * sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, o, *n * sizeof *copy);
    dlk_ctx_free(c);
    return copy;
}

static const char *nz(const char *s) { return s ? s : ""; }

static void roundtrip(const char *path)
{
    dlk_err err;
    void *buf, *out;
    size_t len, out_len;
    assert_int_equal(dlk_read_file(path, DLK_MAX_MODEL_BYTES, &buf, &len, &err), 0);
    dlk_graph g;
    if (dlk_onnx_parse(buf, len, path, &g, &err)) fail_msg("%s", err.msg);
    dlk_onnx_write_opts o = {.src = buf, .src_len = len};
    if (dlk_onnx_pack(&g, &o, &out, &out_len, &err)) fail_msg("%s", err.msg);
    dlk_graph_free(&g);

    dlk_model *a = dlk_model_load_buffer(buf, len, path, &err);
    assert_non_null(a);
    dlk_model *b = dlk_model_load_buffer(out, out_len, "written", &err);
    if (!b) fail_msg("%s", err.msg);
    size_t na, nb;
    float *ya = run_once(a, &na), *yb = run_once(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(ya, yb, na * sizeof *ya);

    /* model-level fields carried over */
    Onnx__ModelProto *ma = onnx__model_proto__unpack(NULL, len, buf);
    Onnx__ModelProto *mb = onnx__model_proto__unpack(NULL, out_len, out);
    assert_non_null(ma);
    assert_non_null(mb);
    assert_int_equal(ma->ir_version, mb->ir_version);
    assert_string_equal(nz(ma->producer_name), nz(mb->producer_name));
    assert_string_equal(nz(ma->producer_version), nz(mb->producer_version));
    assert_int_equal(ma->n_opset_import, mb->n_opset_import);
    for (size_t i = 0; i < ma->n_opset_import; i++) {
        assert_string_equal(nz(ma->opset_import[i]->domain), nz(mb->opset_import[i]->domain));
        assert_int_equal(ma->opset_import[i]->version, mb->opset_import[i]->version);
    }
    assert_int_equal(ma->n_metadata_props, mb->n_metadata_props);
    assert_int_equal(ma->graph->n_value_info, mb->graph->n_value_info);
    assert_int_equal(ma->graph->n_initializer, mb->graph->n_initializer);
    assert_string_equal(ma->graph->input[0]->name, mb->graph->input[0]->name);
    onnx__model_proto__free_unpacked(ma, NULL);
    onnx__model_proto__free_unpacked(mb, NULL);
    free(ya);
    free(yb);
    dlk_model_free(a);
    dlk_model_free(b);
    free(out);
    free(buf);
}

static void test_float_roundtrip(void **state) { (void)state; roundtrip(FLOAT_MODEL); }
static void test_qdq_roundtrip(void **state) { (void)state; roundtrip(QDQ_MODEL); }

/* The QDQ pass marks fused Relus with a dlk_relu attribute: writing the fused graph drops it. */
static void test_no_internal_attrs(void **state)
{
    (void)state;
    dlk_err err;
    dlk_model *m = dlk_model_load(QDQ_MODEL, &err);
    assert_non_null(m);
    int marked = 0;
    for (int i = 0; i < m->g.n_nodes; i++) {
        if (strcmp(m->g.nodes[i].op_type, "QLinearConv")) continue;
        if (!dlk_attr_find(&m->g.nodes[i], "dlk_relu")) assert_int_equal(dlk_node_add_attr_int(&m->g, i, "dlk_relu", 1), 0);
        marked++;
    }
    assert_true(marked > 0);
    void *out;
    size_t len;
    if (dlk_onnx_pack(&m->g, NULL, &out, &len, &err)) fail_msg("%s", err.msg);
    const char key[] = "dlk_";
    int found = 0;
    for (size_t i = 0; i + 4 <= len; i++) found |= !memcmp((char *)out + i, key, 4);
    assert_false(found);
    free(out);
    dlk_model_free(m);
}

static void test_write_file(void **state)
{
    (void)state;
    dlk_err err;
    /* a fused graph (Conv + Add) is dlakit's own: refused, naming the node */
    dlk_model *f = dlk_model_load(FLOAT_MODEL, &err);
    assert_non_null(f);
    void *buf;
    size_t blen;
    assert_int_not_equal(dlk_onnx_pack(&f->g, NULL, &buf, &blen, &err), 0);
    assert_non_null(strstr(err.msg, "fused Add"));
    dlk_model_free(f);
    /* as quantize loads it: the file's own operators */
    dlk_model *m = dlk_model_load_ex(FLOAT_MODEL, DLK_LOAD_NO_FUSION, &err);
    assert_non_null(m);
    char dir[] = "/tmp/dlk_write_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/out.onnx", dir);
    assert_int_equal(dlk_onnx_write(&m->g, path, NULL, &err), 0);
    dlk_model *b = dlk_model_load(path, &err);
    if (!b) fail_msg("%s", err.msg);
    dlk_model_free(b);
    unlink(path);
    /* a folder that does not exist: an error naming the path, nothing written */
    snprintf(path, sizeof path, "%s/missing/out.onnx", dir);
    assert_int_not_equal(dlk_onnx_write(&m->g, path, NULL, &err), 0);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(rmdir(dir), 0); /* empty: no temporary file left */
    dlk_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_roundtrip),
        cmocka_unit_test(test_qdq_roundtrip),
        cmocka_unit_test(test_no_internal_attrs),
        cmocka_unit_test(test_write_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
