/* SPDX-License-Identifier: Apache-2.0 */
/* The structures behind dlk_model and dlk_ctx. */
#ifndef DLK_RUNTIME_H
#define DLK_RUNTIME_H

#include "graph/graph.h"
#include "ops/ops.h"
#include "ops/packs.h"

struct dlk_model {
    dlk_graph g;   /* after passes; `info` re-reads the file for what it held before them */
    dlk_pack_cache *packs; /* packed conv weights, shared by the model's contexts */
    unsigned flags;        /* DLK_LOAD_* it was loaded with */
};

struct dlk_ctx {
    const dlk_model *m;
    const dlk_kernels *k; /* its kernel table, chosen when it is made (DLAKIT_ISA: dlk_kernels_get) */
    dlk_tensor *t;        /* one per graph value */
    dlk_op *ops;          /* one per node */
    uint8_t *arena;       /* NULL for a context made by dlk_ctx_plan_only */
    size_t arena_bytes;
    struct dlk_pool *pool;  /* threads inside a run (runtime/exec.c); NULL: one thread */
    struct dlk_liveness_s *lv; /* the plan (plan/liveness.h): buffers, offsets, scratch */
    size_t io_end;          /* the arena, then the graph's inputs and outputs: bytes allocated */
};

/* Step 1b of making a context (runtime/layout.c): the layout of every activation. A float
 * activation of whole blocks of 16 channels between operators that take NCHW16C (their
 * op->layout_rule) becomes NCHW16C; every other value stays NCHW. */
void dlk_ctx_layouts(dlk_ctx *c);

/* Runs node i of the context (split over its threads where the operator allows it). */
void dlk_ctx_run_node(dlk_ctx *c, int i, const dlk_kernels *k);

/* Prepares every operator and plans the arena (offsets kept in the tensors and c->lv)
 * without allocating it: what analyze and compile need. Free with dlk_ctx_free; never run it. */
/* The context's schedule for the liveness module (runtime/ctx.c says what it holds), not yet
 * solved; scratch: per node, or NULL for the operators' own. NULL on OOM. */
struct dlk_liveness_s *dlk_ctx_liveness(const dlk_ctx *c, const size_t *scratch);

dlk_ctx *dlk_ctx_plan_only(const dlk_model *m, const dlk_shape *input_shapes, int n_inputs, dlk_err *err);

#endif
