/* The structures behind dlk_model and dlk_ctx. */
#ifndef DLK_RUNTIME_H
#define DLK_RUNTIME_H

#include "graph/graph.h"
#include "ops/ops.h"

struct dlk_model {
    dlk_graph g;
    /* what the file held before passes, for `info` */
    int file_nodes;
    int n_file_ops;
    char **file_op_names;
    int *file_op_counts;
};

struct dlk_ctx {
    const dlk_model *m;
    dlk_tensor *t;        /* one per graph value */
    dlk_op *ops;          /* one per node */
    uint8_t *arena;
    size_t arena_bytes;
};

#endif
