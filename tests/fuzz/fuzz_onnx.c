/* SPDX-License-Identifier: Apache-2.0 */
/* ONNX loader + context preparation: whatever loads must also prepare for its declared input (unknown
 * dims: batch 1, spatial 64, others 3; dims above 256 capped) or fail with a message, and a context
 * that prepares must run. Nothing may crash, leak or read out of bounds. */
#include "fuzz_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer(data, size, "fuzz.onnx", &err);
    if (!m) {
        if (!strstr(err.msg, "fuzz.onnx")) abort(); /* every load error names the file */
        return 0;
    }
    int n = dlk_model_num_inputs(m);
    if (n > 8) n = 8;
    dlk_shape s[8];
    for (int i = 0; i < n; i++) {
        s[i] = dlk_model_input_shape(m, i);
        if (s[i].ndim < 0) s[i].ndim = 4;
        for (int d = 0; d < s[i].ndim; d++) {
            int64_t *v = &s[i].dims[d];
            if (*v < 0) *v = d == 0 ? 1 : d >= 2 ? 64 : 3;
            if (*v > 256) *v = 256;
        }
    }
    dlk_ctx *c = dlk_ctx_new(m, s, dlk_model_num_inputs(m) == n ? n : -1, &err);
    if (c) {
        for (int i = 0; i < n; i++) {
            dlk_shape is;
            void *p = dlk_ctx_input(c, i, &is);
            size_t b;
            if (p && !dlk_shape_bytes(&is, &b)) memset(p, (int)(size & 0x7f), b);
        }
        /* running is cheap only for small arenas; larger ones were prepared, which is the point */
        if (dlk_ctx_arena_bytes(c) <= (8u << 20) && dlk_ctx_run(c, &err)) abort();
        dlk_ctx_free(c);
    } else if (!err.msg[0]) {
        abort(); /* a failure without a message */
    }
    dlk_model_free(m);
    return 0;
}
