/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packed weights, once per model (ops/packs.c): a convolution's SIMD kernel packs its constant
 * weights for one geometry, and every context of the model made for that geometry shares the
 * block, read-only. The store belongs to the model (dlk_model.packs); each dlk_op points to it.
 */
#ifndef DLK_OPS_PACKS_H
#define DLK_OPS_PACKS_H

#include "ops/ops.h"

/* The block that impl packed for this node and geometry, filled now by fill(dst, arg) (bytes,
 * 64-aligned) if no context made it before. Freed with the store. NULL on failure (err set). */
const void *dlk_op_packed(const dlk_op *op, const void *impl, const dlk_conv_geom *g, size_t bytes,
                          void (*fill)(void *dst, const void *arg), const void *arg, dlk_err *err);
dlk_pack_cache *dlk_pack_cache_new(void);
void dlk_pack_cache_free(dlk_pack_cache *pc);
/* how many packed blocks the store holds and their bytes */
void dlk_pack_cache_stats(dlk_pack_cache *pc, int *entries, size_t *bytes);

#endif
