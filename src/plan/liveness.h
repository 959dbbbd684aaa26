/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Liveness: from a schedule to a planned arena. The one place where lifetimes, views, in-place
 * outputs and slices are decided, for the runtime context (runtime/ctx.c) and for the program
 * that `dlakit compile` writes and `dlakit analyze` prints (codegen/program.c), so both plan the
 * same buffers the same way.
 *
 * The description knows nothing of ONNX or operators:
 *  - values 0..n_values-1, each with a size in bytes and flags: DLK_LV_OUTSIDE (not in the arena:
 *    the caller's input or output buffer; never merged with anything), DLK_LV_KEEP (alive past
 *    the last step and never written over: an output kept in the arena);
 *  - steps 0..n_steps-1, run in that order; per step the values it reads and writes (any number,
 *    any order, a value may be written at several steps) and its scratch bytes;
 *  - sharing requests, each a permission the module may take or leave:
 *      view     (step, out, in):  out is in's bytes (a Reshape/Flatten output);
 *      in place (step, out, in):  the step may write out over in when in dies at that step and
 *                                 both are the same size (element-wise: each element of in is
 *                                 read before the same element of out is written);
 *      slice    (step, host, part, offset): part may live inside host at that byte offset, its
 *                                 writers writing it there (a Concat's input written in place by
 *                                 its producer).
 *
 * Lifetimes: a value lives from the first step that writes it (step 0 if none does: it is in the
 * arena before the first step) to the last step that reads or writes it (n_steps with
 * DLK_LV_KEEP). Values are merged into groups that share one buffer: views first (a view is free),
 * then slices (each saves a copy), then in-place outputs (each saves memory only), each kind in
 * the order requested. A group lives over the union of its members' lifetimes. Rules: no merge
 * with an outside value; a slice's part must fill its own group at offset 0, be written by a step,
 * and neither hold slices nor already be a slice (hosts are never slices); an in-place output and
 * its input must each fill their groups (same size, offset 0) and the input's whole group must
 * die at that step. Then every group of non-zero size and every step's scratch is one planned
 * buffer (dlk_plan_aligned), numbered in schedule order (per step: its written values' groups in
 * the order given, then its scratch), and the lower bound is the largest sum of buffer sizes
 * alive at one step.
 *
 * What the runtime context and the program both count (runtime/ctx.c dlk_ctx_liveness builds
 * the one schedule; codegen/program.c solves it again with the reference kernels' scratch):
 *  - the graph's inputs and outputs are outside (the program's uint8 image and float scores are
 *    the caller's buffers; the context keeps its float input and outputs after its arena, in the
 *    same allocation, so dlk_ctx_arena_bytes leaves them out too);
 *  - every other activation and every operator's scratch is inside; the program takes the
 *    reference kernels' scratch (its conv needs none), the context its kernels' own;
 *  - offsets are aligned to DLK_REF_ARENA_ALIGN (16) for the reference kernels, which the
 *    program runs on a Cortex-M, and to DLK_ARENA_ALIGN (64) for the SIMD kernels.
 * So under DLAKIT_ISA=ref `dlakit bench`'s arena_bytes is `dlakit analyze`'s peak_ram_bytes, buffer
 * for buffer (tests: unit test_liveness under e2e.engine.plan_ref, e2e.engine.plan).
 *
 * Streamed schedules (issue 17) feed the same module: a step is then one (layer, row range) pair,
 * and a ring buffer of a few rows is one value written at each step that produces a row and read
 * at each step that consumes one; it lives from its first write to its last read like any value,
 * so rings, the tensors cut at the split and the layer-by-layer rest share one arena and one
 * check. (Which rows of a ring are alive inside its buffer is the schedule's business: the
 * module sees a ring as one value.)
 */
#ifndef DLK_LIVENESS_H
#define DLK_LIVENESS_H

#include "plan/plan.h"

#include <stddef.h>
#include <stdint.h>

enum { DLK_LV_OUTSIDE = 1, DLK_LV_KEEP = 2 };

typedef struct {
    int step, value, write;
} dlk_lv_access;

typedef enum { DLK_LV_VIEW, DLK_LV_SLICE, DLK_LV_IN_PLACE } dlk_lv_share_kind;

typedef struct {
    dlk_lv_share_kind kind;
    int step;
    int out;        /* view / in place: the output; slice: the host */
    int in;         /* view / in place: the input; slice: the part */
    size_t offset;  /* slice: the part's byte offset in the host */
    int taken;      /* set by dlk_lv_solve */
} dlk_lv_share;

typedef struct dlk_liveness_s {
    /* description (dlk_lv_new, then the adders) */
    int n_values, n_steps;
    size_t *size;          /* per value */
    unsigned *flags;       /* per value: DLK_LV_* */
    size_t *scratch;       /* per step */
    int n_acc, cap_acc;
    dlk_lv_access *acc;
    int n_share, cap_share;
    dlk_lv_share *share;
    /* result (dlk_lv_solve) */
    int *first, *last;     /* per value: lifetime (-1, -1: never used or outside) */
    int *buf;              /* per value: its buffer, -1 outside the arena, unused or of size 0 */
    size_t *offset;        /* per value: byte offset inside its buffer */
    int *host;             /* per value: the value it was made a slice of, or -1 */
    int *scratch_buf;      /* per step: its scratch's buffer or -1 */
    int *in_place;         /* per step: in-place requests taken */
    int *slices;           /* per step: slice requests taken */
    size_t *live;          /* per step: bytes of buffers alive then (the lower bound's term) */
    int n_bufs;
    dlk_plan_buf *bufs;    /* sizes, lifetimes and offsets of the planned buffers */
    size_t align, arena_bytes, lower_bound;
    /* work */
    int *parent;
    size_t *rel;           /* offset of a value inside its parent */
    int *link;             /* how it joined its parent: 0 (a root), DLK_LV_VIEW/SLICE/IN_PLACE + 1 */
    int *gfirst, *glast;   /* a root's group span */
} dlk_liveness;

/* An empty description of n_values values (size 0, no flags) and n_steps steps. NULL on OOM. */
dlk_liveness *dlk_lv_new(int n_values, int n_steps);
void dlk_lv_free(dlk_liveness *lv);
void dlk_lv_value(dlk_liveness *lv, int v, size_t size, unsigned flags);
void dlk_lv_scratch(dlk_liveness *lv, int step, size_t bytes);
/* Each returns 0, or -1 on OOM or an index out of range. */
int dlk_lv_read(dlk_liveness *lv, int step, int v);
int dlk_lv_write(dlk_liveness *lv, int step, int v);
int dlk_lv_view(dlk_liveness *lv, int step, int out, int in);
int dlk_lv_in_place(dlk_liveness *lv, int step, int out, int in);
int dlk_lv_slice(dlk_liveness *lv, int step, int host, int part, size_t offset);

/* Lifetimes, merges, plan (offsets aligned to align) and lower bound. 0, or -1 on OOM. */
int dlk_lv_solve(dlk_liveness *lv, size_t align);
/* Value v's byte offset in the arena; (size_t)-1 when it has no buffer. */
size_t dlk_lv_arena_offset(const dlk_liveness *lv, int v);
/* 0 when the solved plan holds: no two buffers alive together overlap, every offset is aligned
 * and inside the arena, every value read or written at a step lies inside its buffer and that
 * buffer is alive then, every scratch too. */
int dlk_lv_check(const dlk_liveness *lv);

#endif
