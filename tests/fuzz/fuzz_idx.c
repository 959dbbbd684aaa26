/* SPDX-License-Identifier: Apache-2.0 */
/* MNIST IDX reader (through a scratch file), and the gray-to-RGB image of the first item. */
#include "fuzz_common.h"
#include "image/image.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    const char *p = fuzz_file(data, size);
    if (!p) return 0;
    dlk_idx x;
    dlk_err err;
    if (dlk_idx_read(p, &x, &err) == 0) {
        size_t n = 1;
        for (int i = 0; i < x.ndim; i++) n *= (size_t)x.dims[i];
        uint8_t sum = 0;
        for (size_t i = 0; i < n; i++) sum += x.data[i];
        fuzz_sink(sum);
        if (x.ndim == 3) {
            dlk_image im;
            if (!dlk_image_from_gray(x.data, x.dims[2], x.dims[1], &im, &err)) dlk_image_free(&im);
        }
        dlk_idx_free(&x);
    } else if (!strstr(err.msg, p)) {
        abort();
    }
    return 0;
}
