#include "plan.h"

#include <stdlib.h>

static size_t align_up_to(size_t v, size_t a) { return (v + a - 1) / a * a; }
#define align_up(v) align_up_to((v), align)

static int by_size_desc(const void *a, const void *b, void *bufs_v)
{
    const dlk_plan_buf *bufs = bufs_v;
    int i = *(const int *)a, j = *(const int *)b;
    if (bufs[i].size != bufs[j].size) return bufs[i].size < bufs[j].size ? 1 : -1;
    if (bufs[i].first != bufs[j].first) return bufs[i].first < bufs[j].first ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* qsort has no context argument in C11: a small insertion sort on indices (n is a few hundred). */
static void sort_indices(int *idx, int n, dlk_plan_buf *bufs)
{
    for (int i = 1; i < n; i++) {
        int v = idx[i], j = i - 1;
        while (j >= 0 && by_size_desc(&idx[j], &v, bufs) > 0) {
            idx[j + 1] = idx[j];
            j--;
        }
        idx[j + 1] = v;
    }
}

size_t dlk_plan(dlk_plan_buf *bufs, int n) { return dlk_plan_aligned(bufs, n, DLK_ARENA_ALIGN); }

size_t dlk_plan_aligned(dlk_plan_buf *bufs, int n, size_t align)
{
    if (align == 0) align = 1;
    int *idx = malloc(sizeof(int) * (n ? n : 1));
    int *placed = malloc(sizeof(int) * (n ? n : 1));
    if (!idx || !placed) {
        free(idx);
        free(placed);
        return (size_t)-1;
    }
    for (int i = 0; i < n; i++) idx[i] = i;
    sort_indices(idx, n, bufs);
    size_t total = 0;
    int np = 0;
    for (int k = 0; k < n; k++) {
        dlk_plan_buf *b = &bufs[idx[k]];
        size_t need = align_up(b->size), off = 0;
        if (need == 0) {
            b->offset = 0;
            continue;
        }
        /* Try candidate offsets: 0 and the end of every placed buffer that overlaps in time. */
        size_t best = (size_t)-1;
        for (int c = -1; c < np; c++) {
            const dlk_plan_buf *cb = c < 0 ? NULL : &bufs[placed[c]];
            if (cb && (cb->last < b->first || cb->first > b->last)) continue;
            off = cb ? cb->offset + align_up(cb->size) : 0;
            if (off >= best) continue;
            int ok = 1;
            for (int o = 0; o < np && ok; o++) {
                const dlk_plan_buf *ob = &bufs[placed[o]];
                if (ob->last < b->first || ob->first > b->last) continue;
                size_t os = align_up(ob->size);
                if (off < ob->offset + os && ob->offset < off + need) ok = 0;
            }
            if (ok) best = off;
        }
        b->offset = best;
        placed[np++] = idx[k];
        if (best + need > total) total = best + need;
    }
    free(idx);
    free(placed);
    return total;
}
