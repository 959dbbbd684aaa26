/* SPDX-License-Identifier: Apache-2.0 */
/* ONNX files (protobuf, parsed with protobuf-c from onnx.proto) -> dlk_graph. */
#ifndef DLK_ONNX_H
#define DLK_ONNX_H

#include "graph/graph.h"
#include "util/file.h"

/* Parses an ONNX ModelProto into g (initialized here). Errors name `path`. Constant nodes become
 * constant values; nothing is resolved against the operator registry yet. */
int dlk_onnx_parse(const void *buf, size_t len, const char *path, dlk_graph *g, dlk_err *err);
/* Largest model file read (protobuf messages are limited to 2 GiB). */
#define DLK_MAX_MODEL_BYTES ((size_t)1 << 31)
/* Reads a serialized TensorProto (.pb as in ONNX's backend test data): shape and malloc'd data. */
int dlk_onnx_read_tensor_file(const char *path, dlk_shape *shape, void **data, char *name,
                              size_t name_len, dlk_err *err);

#endif
