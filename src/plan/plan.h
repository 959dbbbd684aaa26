/* SPDX-License-Identifier: Apache-2.0 */
/* Memory planning: place buffers with known sizes and live ranges [first, last] (in node order)
 * in one arena so that buffers alive at the same time never overlap. Greedy first fit by address
 * in several orders (largest first as TensorFlow Lite Micro's greedy planner, by first use,
 * longest lifetime first, largest size x lifetime first); the smallest arena wins. */
#ifndef DLK_PLAN_H
#define DLK_PLAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t size;
    int first, last;
    size_t offset;   /* output */
} dlk_plan_buf;

#define DLK_ARENA_ALIGN 64     /* the SIMD kernels' arena: whole cache lines */
#define DLK_REF_ARENA_ALIGN 16 /* the reference kernels' (int32 scratch, 128-bit loads on Cortex-M) */

typedef enum {
    DLK_PLAN_BY_SIZE = 0,     /* largest first (TFLM) */
    DLK_PLAN_BY_START,        /* first use first */
    DLK_PLAN_BY_LIFETIME,     /* longest live range first */
    DLK_PLAN_BY_AREA,         /* largest size x live range first */
    DLK_PLAN_ORDERS
} dlk_plan_order;

/* Assigns offsets (multiples of DLK_ARENA_ALIGN); returns the arena size, or (size_t)-1 when out
 * of memory. */
size_t dlk_plan(dlk_plan_buf *bufs, int n);
/* The same with offsets and sizes rounded up to align bytes: the best of every order. */
size_t dlk_plan_aligned(dlk_plan_buf *bufs, int n, size_t align);
/* One order only. */
size_t dlk_plan_order_with(dlk_plan_buf *bufs, int n, size_t align, dlk_plan_order order);
/* The largest sum of sizes of buffers alive at one step: no plan can do better. 0 on OOM. */
size_t dlk_plan_lower_bound(const dlk_plan_buf *bufs, int n);
/* 0 when offsets are aligned, inside [0, arena) and no two buffers alive together overlap. */
int dlk_plan_check(const dlk_plan_buf *bufs, int n, size_t align, size_t arena);

#endif
