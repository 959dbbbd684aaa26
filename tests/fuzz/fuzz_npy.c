/* SPDX-License-Identifier: Apache-2.0 */
/* .npy reader (through a scratch file: the reader takes a path). */
#include "fuzz_common.h"
#include "lib/npy.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    const char *p = fuzz_file(data, size);
    if (!p) return 0;
    dlk_npy a;
    dlk_err err;
    if (dlk_npy_read(p, &a, &err) == 0) {
        size_t b;
        if (dlk_shape_bytes(&a.shape, &b)) abort();
        uint8_t sum = 0; /* touch every byte: the buffer must hold the whole shape */
        for (size_t i = 0; i < b; i++) sum += ((const uint8_t *)a.data)[i];
        fuzz_sink(sum);
        dlk_npy_free(&a);
    } else if (!strstr(err.msg, p)) {
        abort();
    }
    return 0;
}
