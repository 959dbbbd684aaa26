/* SPDX-License-Identifier: Apache-2.0 */
/* Running a context node by node with a callback after each node (calibration, per-layer
 * comparisons). The arena reuses buffers: a value's data is only valid inside the callback of the
 * node that produced it (and of the nodes up to its last use). */
#ifndef DLK_OBSERVE_H
#define DLK_OBSERVE_H

#include "runtime.h"

typedef void (*dlk_observe_fn)(void *user, int node, const dlk_ctx *c);

/* Runs every node of c in order; after node i has run, calls cb(user, i, c). Before the first
 * node it calls cb(user, -1, c) so the graph inputs can be read. */
int dlk_ctx_run_observe(dlk_ctx *c, dlk_observe_fn cb, void *user, dlk_err *err);

/* The tensor (shape, data) of graph value v in c. */
static inline const dlk_tensor *dlk_ctx_tensor(const dlk_ctx *c, int v) { return &c->t[v]; }

#endif
