/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_graph -> ONNX file (protobuf-c packs the same onnx.proto messages the loader parses). */
#ifndef DLK_ONNX_WRITE_H
#define DLK_ONNX_WRITE_H

#include "graph/graph.h"

typedef struct {
    /* The file the graph came from (its bytes): ir_version, opset imports, producer, domain,
     * model_version, doc strings, metadata_props and the value_info of values the written graph
     * still has are carried over from it. NULL: a bare model (ir_version 9, opsets from g). */
    const void *src;
    size_t src_len;
    const char *producer_name;     /* NULL: the source's */
    const char *producer_version;
    int ms_opset;                  /* > 0: make sure com.microsoft is imported at this version */
    int min_opset;                 /* > 0: raise an older default-domain import to this version */
    /* metadata_props added (or replacing a key the source has); pairs key, value */
    const char *const *meta;
    int n_meta;
} dlk_onnx_write_opts;

/* Serializes the live nodes of g (in their order), its graph inputs and outputs and every constant
 * a live node or an output uses (as initializers, raw little-endian data). Attributes named
 * "dlk_*" are dlakit's own markers and are never written. Writes PATH.tmp-XXXXXX in the same
 * folder and renames it over path, so a failure leaves no half-written model (a path that exists
 * and is not a regular file, such as /dev/null, is written in place). */
int dlk_onnx_write(const dlk_graph *g, const char *path, const dlk_onnx_write_opts *opts, dlk_err *err);
/* The same serialization into a malloc'd buffer. */
int dlk_onnx_pack(const dlk_graph *g, const dlk_onnx_write_opts *opts, void **buf, size_t *len, dlk_err *err);

#endif
