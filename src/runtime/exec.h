/* SPDX-License-Identifier: Apache-2.0 */
/* Threads inside one run: a pool made once per context (dlk_ctx_set_threads). */
#ifndef DLK_EXEC_H
#define DLK_EXEC_H

#include "ops/ops.h"

typedef struct dlk_pool dlk_pool;

/* n threads in all: the caller of dlk_pool_run is thread 0 and n - 1 workers wait for work; each
 * worker owns scratch_bytes of 64-byte aligned scratch (thread 0 uses the operator's arena
 * scratch). NULL on failure. */
dlk_pool *dlk_pool_new(int n, size_t scratch_bytes);
void dlk_pool_free(dlk_pool *p);
int dlk_pool_threads(const dlk_pool *p);
/* Runs op->run on every thread (ex->ith = 0..n-1) and returns when all are done. */
void dlk_pool_run_op(dlk_pool *p, const dlk_op *op, const dlk_kernels *k);

#endif
