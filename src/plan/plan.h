/* Memory planning: place buffers with known sizes and live ranges [first, last] (in node order)
 * in one arena so that buffers alive at the same time never overlap. Greedy by size, largest
 * first, each at the lowest offset that fits (the approach of TFLite Micro's greedy planner). */
#ifndef DLK_PLAN_H
#define DLK_PLAN_H

#include <stddef.h>

typedef struct {
    size_t size;
    int first, last;
    size_t offset;   /* output */
} dlk_plan_buf;

#define DLK_ARENA_ALIGN 64

/* Assigns offsets; returns the arena size, or (size_t)-1 when out of memory. */
size_t dlk_plan(dlk_plan_buf *bufs, int n);
/* The same with offsets and sizes rounded up to align bytes (DLK_ARENA_ALIGN above). */
size_t dlk_plan_aligned(dlk_plan_buf *bufs, int n, size_t align);

#endif
