/* Element types and shapes: leaf helpers below the graph, the runtime and the tools (declared in
 * dlakit.h, which every module already includes; util/dtype.h names them for code below the graph). */
#include "util/dtype.h"

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

int64_t dlk_shape_numel(const dlk_shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->ndim; i++) n *= s->dims[i] < 0 ? 0 : s->dims[i];
    return n;
}
