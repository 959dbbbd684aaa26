/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Arena planning. Buffers are placed one at a time, in some order, each at the lowest offset
 * where it overlaps no already placed buffer that is alive at the same time (first fit by address,
 * the idea of TensorFlow Lite Micro's greedy planner). Placed buffers are kept sorted by offset, so
 * placing one is a single walk over them: O(n) per buffer, O(n^2) for the whole plan in the worst
 * case and far less in practice (the old version was cubic: 13 s for 2000 buffers).
 *
 * No single order is best for every graph, so dlk_plan_aligned tries several (largest first as
 * TFLM does, by first use, longest lifetime first, largest size x lifetime first) and keeps the
 * smallest arena.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

static size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

typedef struct {
    int64_t k1, k2; /* sort keys, ascending */
    int idx;
} order_key;

static int cmp_key(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->k1 != y->k1) return x->k1 < y->k1 ? -1 : 1;
    if (x->k2 != y->k2) return x->k2 < y->k2 ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static void make_order(const dlk_plan_buf *bufs, int n, dlk_plan_order order, order_key *keys)
{
    for (int i = 0; i < n; i++) {
        const dlk_plan_buf *b = &bufs[i];
        int64_t size = (int64_t)b->size, len = (int64_t)b->last - b->first + 1;
        keys[i].idx = i;
        switch (order) {
        case DLK_PLAN_BY_SIZE: keys[i].k1 = -size, keys[i].k2 = b->first; break;
        case DLK_PLAN_BY_START: keys[i].k1 = b->first, keys[i].k2 = -size; break;
        case DLK_PLAN_BY_LIFETIME: keys[i].k1 = -len, keys[i].k2 = -size; break;
        default: keys[i].k1 = -(size * len), keys[i].k2 = b->first; break;
        }
    }
    qsort(keys, (size_t)n, sizeof *keys, cmp_key);
}

/* Places every buffer in the given order; offsets into off[]. Returns the arena size. */
static size_t place_all(const dlk_plan_buf *bufs, int n, size_t align, const order_key *keys, size_t *off, int *placed)
{
    int np = 0;
    size_t total = 0;
    for (int k = 0; k < n; k++) {
        int i = keys[k].idx;
        const dlk_plan_buf *b = &bufs[i];
        size_t need = align_up(b->size, align);
        if (need == 0) {
            off[i] = 0;
            continue;
        }
        size_t cand = 0;
        int pos = np; /* where i goes in the offset-sorted list */
        for (int j = 0; j < np; j++) {
            const dlk_plan_buf *o = &bufs[placed[j]];
            size_t oo = off[placed[j]];
            if (o->last < b->first || o->first > b->last) continue; /* not alive together */
            if (oo >= cand + need) break;                           /* the gap below o fits */
            size_t end = oo + align_up(o->size, align);
            if (end > cand) cand = end;
        }
        off[i] = cand;
        /* keep placed sorted by offset */
        pos = np;
        while (pos > 0 && off[placed[pos - 1]] > cand) pos--;
        memmove(placed + pos + 1, placed + pos, sizeof *placed * (size_t)(np - pos));
        placed[pos] = i;
        np++;
        if (cand + need > total) total = cand + need;
    }
    return total;
}

size_t dlk_plan_order_with(dlk_plan_buf *bufs, int n, size_t align, dlk_plan_order order)
{
    if (align == 0) align = 1;
    if (n <= 0) return 0;
    order_key *keys = malloc(sizeof *keys * (size_t)n);
    size_t *off = malloc(sizeof *off * (size_t)n);
    int *placed = malloc(sizeof *placed * (size_t)n);
    size_t total = (size_t)-1;
    if (keys && off && placed) {
        make_order(bufs, n, order, keys);
        total = place_all(bufs, n, align, keys, off, placed);
        for (int i = 0; i < n; i++) bufs[i].offset = off[i];
    }
    free(keys);
    free(off);
    free(placed);
    return total;
}

size_t dlk_plan_aligned(dlk_plan_buf *bufs, int n, size_t align)
{
    if (align == 0) align = 1;
    if (n <= 0) return 0;
    order_key *keys = malloc(sizeof *keys * (size_t)n);
    size_t *off = malloc(sizeof *off * (size_t)n), *best_off = malloc(sizeof *best_off * (size_t)n);
    int *placed = malloc(sizeof *placed * (size_t)n);
    size_t best = (size_t)-1;
    if (keys && off && best_off && placed) {
        for (int o = 0; o < DLK_PLAN_ORDERS; o++) {
            make_order(bufs, n, (dlk_plan_order)o, keys);
            size_t total = place_all(bufs, n, align, keys, off, placed);
            if (total < best) {
                best = total;
                memcpy(best_off, off, sizeof *off * (size_t)n);
            }
        }
        for (int i = 0; i < n; i++) bufs[i].offset = best_off[i];
    }
    free(keys);
    free(off);
    free(best_off);
    free(placed);
    return best;
}

size_t dlk_plan(dlk_plan_buf *bufs, int n) { return dlk_plan_aligned(bufs, n, DLK_ARENA_ALIGN); }

size_t dlk_plan_lower_bound(const dlk_plan_buf *bufs, int n)
{
    if (n <= 0) return 0;
    int t_max = 0, t_min = 0;
    for (int i = 0; i < n; i++) {
        if (bufs[i].last > t_max) t_max = bufs[i].last;
        if (bufs[i].first < t_min) t_min = bufs[i].first;
    }
    /* difference array over time steps */
    size_t span = (size_t)(t_max - t_min) + 2;
    int64_t *d = calloc(span, sizeof *d);
    if (!d) return 0;
    for (int i = 0; i < n; i++) {
        if (bufs[i].last < bufs[i].first) continue;
        d[bufs[i].first - t_min] += (int64_t)bufs[i].size;
        d[bufs[i].last - t_min + 1] -= (int64_t)bufs[i].size;
    }
    int64_t live = 0, best = 0;
    for (size_t t = 0; t < span; t++) {
        live += d[t];
        if (live > best) best = live;
    }
    free(d);
    return (size_t)best;
}

int dlk_plan_check(const dlk_plan_buf *bufs, int n, size_t align, size_t arena)
{
    if (align == 0) align = 1;
    for (int i = 0; i < n; i++) {
        if (bufs[i].size == 0) continue;
        if (bufs[i].offset % align || bufs[i].offset + bufs[i].size > arena) return -1;
        for (int j = i + 1; j < n; j++) {
            if (bufs[j].size == 0 || bufs[i].last < bufs[j].first || bufs[j].last < bufs[i].first) continue;
            if (bufs[i].offset < bufs[j].offset + bufs[j].size && bufs[j].offset < bufs[i].offset + bufs[i].size) return -1;
        }
    }
    return 0;
}
