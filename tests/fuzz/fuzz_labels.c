/* SPDX-License-Identifier: Apache-2.0 */
/* Label file reader (through a scratch file). */
#include "fuzz_common.h"
#include "lib/labels.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    const char *p = fuzz_file(data, size);
    if (!p) return 0;
    dlk_labels l;
    dlk_err err;
    if (dlk_labels_read(p, &l, &err) == 0) {
        size_t total = 0;
        for (int i = 0; i < l.n; i++) total += strlen(l.names[i]);
        fuzz_sink(total);
        dlk_labels_free(&l);
    } else if (!strstr(err.msg, p)) {
        abort();
    }
    return 0;
}
