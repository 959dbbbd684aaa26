/* SPDX-License-Identifier: Apache-2.0 */
/* Element types and shapes: leaf helpers below the graph, the runtime and the tools (declared in
 * dlakit.h, which every module already includes; util/dtype.h names them for code below the graph). */
#include "util/dtype.h"

#include <stdint.h>

size_t dlk_dtype_size(dlk_dtype t)
{
    switch (t) {
    case DLK_FLOAT: case DLK_INT32: return 4;
    case DLK_UINT8: case DLK_INT8: return 1;
    case DLK_INT64: return 8;
    default: return 0;
    }
}

const char *dlk_dtype_name(dlk_dtype t)
{
    switch (t) {
    case DLK_FLOAT: return "float32";
    case DLK_UINT8: return "uint8";
    case DLK_INT8: return "int8";
    case DLK_INT32: return "int32";
    case DLK_INT64: return "int64";
    default: return "undefined";
    }
}

/* -1 when the count overflows int64 (see dlk_shape_bytes for a byte count that fits size_t). */
int64_t dlk_shape_numel(const dlk_shape *s)
{
    int64_t n = 1;
    int nd = s->ndim < 0 ? 0 : s->ndim > DLK_MAX_DIMS ? DLK_MAX_DIMS : s->ndim;
    for (int i = 0; i < nd; i++) {
        int64_t d = s->dims[i] < 0 ? 0 : s->dims[i];
        if (d && n > INT64_MAX / d) return -1;
        n *= d;
    }
    return n;
}

int dlk_shape_bytes(const dlk_shape *s, size_t *bytes)
{
    int64_t n = dlk_shape_numel(s);
    size_t es = dlk_dtype_size(s->dtype);
    if (n < 0 || (es && (uint64_t)n > (uint64_t)SIZE_MAX / es)) return -1;
    *bytes = (size_t)n * es;
    return 0;
}
