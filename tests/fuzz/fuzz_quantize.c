/* SPDX-License-Identifier: Apache-2.0 */
/* `dlakit quantize` on a fuzzed float model: load (no fusion, as quantize does) -> calibrate on two
 * small synthetic inputs -> QDQ or QOperator rewrite -> ONNX bytes. Options come from a hash of
 * the input (method, format, per-tensor, symmetric, uint8, --exclude of the operators quantize
 * cannot handle and of one more node), so that the model bytes stay the
 * protobuf the mutator works on. Whatever dlakit writes must load again and prepare for the same
 * input: a quantized model that dlakit itself cannot read is a bug (abort). Nothing may crash,
 * leak or read out of bounds; every failure carries a message. */
#include "fuzz_common.h"
#include "onnx/onnx_write.h"
#include "quant/quant.h"

#include <string.h>

/* --exclude as a user would give it: every node of an operator quantize cannot handle (quant/qdq.c's
 * list), and node `also` whatever it is (-1: none). Returns the count, or -1. */
static int float_names(const dlk_model *m, int also, const char ***names)
{
    static const char *const ok[] = {"Conv", "Add", "Concat", "MaxPool", "GlobalAveragePool", "Flatten", "Reshape", "Relu"};
    const dlk_graph *g = &m->g;
    *names = malloc(sizeof(char *) * ((size_t)g->n_nodes + 1));
    if (!*names) return -1;
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        int known = 0;
        for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) known |= !strcmp(g->nodes[i].op_type, ok[k]);
        if ((!known || i == also) && g->nodes[i].name) (*names)[n++] = g->nodes[i].name;
    }
    return n;
}

static uint32_t hash(const uint8_t *d, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 16777619u;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer_ex(data, size, "fuzz.onnx", DLK_LOAD_NO_FUSION, &err);
    if (!m) {
        if (!err.msg[0]) abort();
        return 0;
    }
    const uint32_t h = hash(data, size);
    dlk_quant_opts qo;
    dlk_quant_opts_default(&qo);
    qo.method = (dlk_calib_method)(h % 3);
    qo.qop = (h >> 2) & 1;
    qo.per_tensor = (h >> 3) & 1;
    qo.symmetric_act = (h >> 4) & 1;
    qo.uint8_act = (h >> 5) & 1;
    qo.num_bins = qo.method == DLK_CALIB_MINMAX ? 0 : 64 + (int)((h >> 6) & 255); /* small histograms: fast */
    qo.num_quantized_bins = 16 + (int)((h >> 14) & 31);
    if (qo.num_quantized_bins > qo.num_bins) qo.num_quantized_bins = qo.num_bins;
    dlk_calib cal;
    memset(&cal, 0, sizeof cal);
    dlk_graph qg;
    memset(&qg, 0, sizeof qg);
    dlk_ctx *c = NULL;
    void *packed = NULL;
    size_t packed_len = 0;
    const char **excl = NULL;
    if ((h >> 19) & 1) { /* leave what quantize cannot handle in float, and maybe one node more */
        int n = float_names(m, (h >> 20) & 1 ? (int)((h >> 21) % 8) : -1, &excl);
        if (n < 0) goto out;
        qo.exclude = excl;
        qo.n_exclude = n;
    }
    if (dlk_quant_check(m, &qo, &err)) goto out;
    /* one 4-D input of at most 3 x 16 x 16: calibration runs the float model 2-4 times */
    if (dlk_model_num_inputs(m) != 1) goto out;
    dlk_shape s = dlk_model_input_shape(m, 0);
    if (s.ndim != 4) goto out;
    for (int d = 0; d < 4; d++) {
        int64_t *v = &s.dims[d];
        const int64_t cap = d == 0 ? 1 : d == 1 ? 8 : 16;
        if (*v < 1 || *v > cap) *v = cap;
    }
    c = dlk_ctx_new(m, &s, 1, &err);
    if (!c) {
        if (!err.msg[0]) abort();
        goto out;
    }
    if (dlk_calib_init(&cal, m, &qo, &err)) goto out;
    const int passes = dlk_calib_needs_pass2(&cal) ? 2 : 1;
    for (int pass = 1; pass <= passes; pass++) {
        if (pass == 2 && dlk_calib_begin_pass2(&cal, &err)) goto out;
        for (int k = 0; k < 2; k++) {
            dlk_shape is;
            float *x = dlk_ctx_input(c, 0, &is);
            size_t b;
            if (!x || is.dtype != DLK_FLOAT || dlk_shape_bytes(&is, &b)) goto out;
            uint32_t r = h ^ (uint32_t)(k * 0x9e3779b9u);
            for (size_t i = 0; i < b / 4; i++) {
                r = r * 1664525u + 1013904223u;
                x[i] = (float)((int32_t)(r >> 8) - (1 << 23)) / (float)(1 << 21); /* [-4, 4) */
            }
            if (dlk_calib_run(&cal, c, &err)) goto out;
        }
    }
    if (dlk_quantize_graph(&cal, &qg, &err)) goto out;
    dlk_onnx_write_opts wo = {.src = data, .src_len = size, .producer_name = "dlakit", .producer_version = "fuzz",
                              .ms_opset = qo.qop ? 1 : 0, .min_opset = 13};
    if (dlk_onnx_pack(&qg, &wo, &packed, &packed_len, &err)) goto out;
    {
        dlk_model *qm = dlk_model_load_buffer(packed, packed_len, "quantized.onnx", &err);
        if (!qm) {
            fprintf(stderr, "the quantized model does not load: %s\n", err.msg);
            abort();
        }
        dlk_shape is;
        dlk_ctx_input(c, 0, &is);
        dlk_ctx *qc = dlk_ctx_new(qm, &is, 1, &err);
        if (!qc) {
            fprintf(stderr, "the quantized model does not prepare: %s\n", err.msg);
            abort();
        }
        if (dlk_ctx_arena_bytes(qc) <= (8u << 20) && dlk_ctx_run(qc, &err)) abort();
        dlk_ctx_free(qc);
        dlk_model_free(qm);
    }
out:
    free(excl);
    free(packed);
    dlk_graph_free(&qg);
    if (cal.st) dlk_calib_free(&cal);
    dlk_ctx_free(c);
    dlk_model_free(m);
    return 0;
}
