/* ONNX files (protobuf, parsed with protobuf-c from onnx.proto) -> dlk_graph. */
#ifndef DLK_ONNX_H
#define DLK_ONNX_H

#include "graph/graph.h"

/* Parses an ONNX ModelProto into g (initialized here). Errors name `path`. Constant nodes become
 * constant values; nothing is resolved against the operator registry yet. */
int dlk_onnx_parse(const void *buf, size_t len, const char *path, dlk_graph *g, dlk_err *err);
/* Reads a whole file into memory (malloc'd). */
int dlk_read_file(const char *path, void **buf, size_t *len, dlk_err *err);
/* Reads a serialized TensorProto (.pb as in ONNX's backend test data): shape and malloc'd data. */
int dlk_onnx_read_tensor_file(const char *path, dlk_shape *shape, void **data, char *name,
                              size_t name_len, dlk_err *err);

#endif
