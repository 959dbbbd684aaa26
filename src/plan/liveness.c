/* SPDX-License-Identifier: Apache-2.0 */
/* Liveness: lifetimes, views, slices and in-place outputs merged into buffers, then planned
 * (see liveness.h for the rules). */
#include "liveness.h"

#include <stdlib.h>
#include <string.h>

dlk_liveness *dlk_lv_new(int n_values, int n_steps)
{
    if (n_values < 0 || n_steps < 0) return NULL;
    dlk_liveness *lv = calloc(1, sizeof *lv);
    if (!lv) return NULL;
    size_t nv = (size_t)n_values + 1, ns = (size_t)n_steps + 1;
    lv->n_values = n_values;
    lv->n_steps = n_steps;
    lv->size = calloc(nv, sizeof *lv->size);
    lv->flags = calloc(nv, sizeof *lv->flags);
    lv->scratch = calloc(ns, sizeof *lv->scratch);
    lv->first = calloc(nv, sizeof *lv->first);
    lv->last = calloc(nv, sizeof *lv->last);
    lv->buf = calloc(nv, sizeof *lv->buf);
    lv->offset = calloc(nv, sizeof *lv->offset);
    lv->host = calloc(nv, sizeof *lv->host);
    lv->parent = calloc(nv, sizeof *lv->parent);
    lv->rel = calloc(nv, sizeof *lv->rel);
    lv->link = calloc(nv, sizeof *lv->link);
    lv->gfirst = calloc(nv, sizeof *lv->gfirst);
    lv->glast = calloc(nv, sizeof *lv->glast);
    lv->scratch_buf = calloc(ns, sizeof *lv->scratch_buf);
    lv->in_place = calloc(ns, sizeof *lv->in_place);
    lv->slices = calloc(ns, sizeof *lv->slices);
    lv->live = calloc(ns + 1, sizeof *lv->live);
    lv->bufs = calloc(nv + ns, sizeof *lv->bufs);
    if (!lv->size || !lv->flags || !lv->scratch || !lv->first || !lv->last || !lv->buf || !lv->offset || !lv->host ||
        !lv->parent || !lv->rel || !lv->link || !lv->gfirst || !lv->glast || !lv->scratch_buf || !lv->in_place || !lv->slices || !lv->live || !lv->bufs) {
        dlk_lv_free(lv);
        return NULL;
    }
    return lv;
}

void dlk_lv_free(dlk_liveness *lv)
{
    if (!lv) return;
    free(lv->size);
    free(lv->flags);
    free(lv->scratch);
    free(lv->acc);
    free(lv->share);
    free(lv->first);
    free(lv->last);
    free(lv->buf);
    free(lv->offset);
    free(lv->host);
    free(lv->parent);
    free(lv->rel);
    free(lv->link);
    free(lv->gfirst);
    free(lv->glast);
    free(lv->scratch_buf);
    free(lv->in_place);
    free(lv->slices);
    free(lv->live);
    free(lv->bufs);
    free(lv);
}

void dlk_lv_value(dlk_liveness *lv, int v, size_t size, unsigned flags)
{
    if (v < 0 || v >= lv->n_values) return;
    lv->size[v] = size;
    lv->flags[v] = flags;
}

void dlk_lv_scratch(dlk_liveness *lv, int step, size_t bytes)
{
    if (step >= 0 && step < lv->n_steps) lv->scratch[step] = bytes;
}

static int bad_step(const dlk_liveness *lv, int step) { return step < 0 || step >= lv->n_steps; }
static int bad_value(const dlk_liveness *lv, int v) { return v < 0 || v >= lv->n_values; }

/* room for one more element in a growing array of n elements */
static int room(void **arr, int n, int *cap, size_t elem)
{
    if (n < *cap) return 0;
    int c = *cap ? 2 * *cap : 64;
    void *a = realloc(*arr, elem * (size_t)c);
    if (!a) return -1;
    *arr = a;
    *cap = c;
    return 0;
}

static int add_access(dlk_liveness *lv, int step, int v, int write)
{
    void *arr = lv->acc;
    if (bad_step(lv, step) || bad_value(lv, v)) return -1;
    int bad = room(&arr, lv->n_acc, &lv->cap_acc, sizeof *lv->acc);
    lv->acc = arr;
    if (bad) return -1;
    lv->acc[lv->n_acc++] = (dlk_lv_access){step, v, write};
    return 0;
}

int dlk_lv_read(dlk_liveness *lv, int step, int v) { return add_access(lv, step, v, 0); }
int dlk_lv_write(dlk_liveness *lv, int step, int v) { return add_access(lv, step, v, 1); }

static int add_share(dlk_liveness *lv, dlk_lv_share_kind kind, int step, int out, int in, size_t offset)
{
    void *arr = lv->share;
    if (bad_step(lv, step) || bad_value(lv, out) || bad_value(lv, in)) return -1;
    int bad = room(&arr, lv->n_share, &lv->cap_share, sizeof *lv->share);
    lv->share = arr;
    if (bad) return -1;
    lv->share[lv->n_share++] = (dlk_lv_share){kind, step, out, in, offset, 0};
    return 0;
}

int dlk_lv_view(dlk_liveness *lv, int step, int out, int in) { return add_share(lv, DLK_LV_VIEW, step, out, in, 0); }
int dlk_lv_in_place(dlk_liveness *lv, int step, int out, int in) { return add_share(lv, DLK_LV_IN_PLACE, step, out, in, 0); }
int dlk_lv_slice(dlk_liveness *lv, int step, int host, int part, size_t offset)
{
    return add_share(lv, DLK_LV_SLICE, step, host, part, offset);
}

/* The group's root and v's byte offset inside it. */
static int root_of(const dlk_liveness *lv, int v, size_t *off)
{
    size_t o = 0;
    while (lv->parent[v] != v) {
        o += lv->rel[v];
        v = lv->parent[v];
    }
    if (off) *off = o;
    return v;
}

/* first / last over the used members of root r's group (kept up to date as groups merge) */
static void group_span(const dlk_liveness *lv, int r, int *first, int *last)
{
    *first = lv->gfirst[r];
    *last = lv->glast[r];
}

/* root a's group joins root b's */
static void join(dlk_liveness *lv, int a, int b, size_t rel, int link)
{
    lv->parent[a] = b;
    lv->rel[a] = rel;
    lv->link[a] = link;
    if (lv->gfirst[a] >= 0 && (lv->gfirst[b] < 0 || lv->gfirst[a] < lv->gfirst[b])) lv->gfirst[b] = lv->gfirst[a];
    if (lv->glast[a] > lv->glast[b]) lv->glast[b] = lv->glast[a];
}

static void lifetimes(dlk_liveness *lv, int *written)
{
    for (int v = 0; v < lv->n_values; v++) lv->first[v] = lv->last[v] = -1;
    for (int a = 0; a < lv->n_acc; a++) {
        const dlk_lv_access *x = &lv->acc[a];
        if (x->write && (!written[x->value] || x->step < lv->first[x->value])) lv->first[x->value] = x->step;
        if (x->write) written[x->value] = 1;
        if (x->step > lv->last[x->value]) lv->last[x->value] = x->step;
    }
    for (int v = 0; v < lv->n_values; v++) {
        if (lv->flags[v] & DLK_LV_OUTSIDE) {
            lv->first[v] = lv->last[v] = -1;
            continue;
        }
        if (lv->last[v] >= 0 && !written[v]) lv->first[v] = 0; /* in the arena before the first step */
        if (lv->flags[v] & DLK_LV_KEEP) {
            if (lv->first[v] < 0) lv->first[v] = 0;
            lv->last[v] = lv->n_steps;
        }
    }
}

static int outside(const dlk_liveness *lv, int v) { return (lv->flags[v] & DLK_LV_OUTSIDE) != 0; }

/* whether v fills its group: the group's root is v's size and v sits at offset 0 */
static int fills(const dlk_liveness *lv, int v, int *root)
{
    size_t off;
    *root = root_of(lv, v, &off);
    return off == 0 && lv->size[*root] == lv->size[v];
}

static void try_view(dlk_liveness *lv, dlk_lv_share *s, const int *members)
{
    size_t offi;
    int ri = root_of(lv, s->in, &offi);
    if (outside(lv, s->in) || outside(lv, s->out) || lv->parent[s->out] != s->out || members[s->out] != 1 ||
        ri == s->out || offi + lv->size[s->out] > lv->size[ri])
        return;
    join(lv, s->out, ri, offi, DLK_LV_VIEW + 1);
    s->taken = 1;
}

static void try_slice(dlk_liveness *lv, dlk_lv_share *s, const int *written, int *holds)
{
    int rv, rh;
    size_t offh;
    if (outside(lv, s->in) || outside(lv, s->out) || !written[s->in] || !fills(lv, s->in, &rv)) return;
    rh = root_of(lv, s->out, &offh);
    if (rv == rh || holds[rv] || offh + s->offset + lv->size[s->in] > lv->size[rh]) return;
    join(lv, rv, rh, offh + s->offset, DLK_LV_SLICE + 1);
    holds[rh] = 1;
    lv->host[s->in] = s->out;
    s->taken = 1;
    lv->slices[s->step]++;
}

static void try_in_place(dlk_liveness *lv, dlk_lv_share *s, int *holds)
{
    int ro, rx, f, l;
    if (outside(lv, s->in) || outside(lv, s->out) || lv->size[s->in] != lv->size[s->out] || !fills(lv, s->in, &rx) ||
        !fills(lv, s->out, &ro) || ro == rx)
        return;
    group_span(lv, rx, &f, &l);
    if (l != s->step) return; /* the input's whole group must die here */
    group_span(lv, ro, &f, &l);
    if (f != s->step) return; /* and the output's start here */
    join(lv, ro, rx, 0, DLK_LV_IN_PLACE + 1);
    holds[rx] |= holds[ro];
    s->taken = 1;
    lv->in_place[s->step]++;
}

/* Buffers in schedule order: groups whose root is never written first (in value order), then per
 * step the groups whose root it writes (in the order written), then its scratch. */
static int number_buffers(dlk_liveness *lv, const int *written)
{
    lv->n_bufs = 0;
    int *order = malloc(sizeof *order * ((size_t)lv->n_acc + 1)), *end = calloc((size_t)lv->n_steps + 2, sizeof *end);
    if (!order || !end) {
        free(order);
        free(end);
        return -1;
    }
    for (int a = 0; a < lv->n_acc; a++) end[lv->acc[a].step + 1]++;
    for (int s = 0; s < lv->n_steps; s++) end[s + 1] += end[s];
    for (int a = 0; a < lv->n_acc; a++) order[end[lv->acc[a].step]++] = a; /* stable by step; end[s]: past step s */
    for (int v = 0; v < lv->n_values; v++)
        lv->buf[v] = lv->parent[v] == v && !outside(lv, v) && lv->size[v] && lv->gfirst[v] >= 0 ? -2 : -1;
    for (int v = 0; v < lv->n_values; v++)
        if (lv->buf[v] == -2 && !written[v]) lv->buf[v] = lv->n_bufs++;
    for (int s = 0, at = 0; s < lv->n_steps; s++) {
        for (; at < end[s]; at++) {
            const dlk_lv_access *x = &lv->acc[order[at]];
            if (x->write && lv->buf[x->value] == -2) lv->buf[x->value] = lv->n_bufs++;
        }
        lv->scratch_buf[s] = lv->scratch[s] ? lv->n_bufs++ : -1;
    }
    free(order);
    free(end);
    return 0;
}

int dlk_lv_solve(dlk_liveness *lv, size_t align)
{
    const int nv = lv->n_values;
    int *written = calloc((size_t)nv + 1, sizeof *written), *holds = calloc((size_t)nv + 1, sizeof *holds);
    int *members = calloc((size_t)nv + 1, sizeof *members);
    int rc = -1;
    if (!written || !holds || !members) goto done;
    lv->align = align ? align : 1;
    lifetimes(lv, written);
    for (int v = 0; v < nv; v++) {
        lv->parent[v] = v;
        lv->rel[v] = 0;
        lv->link[v] = 0;
        lv->gfirst[v] = lv->first[v];
        lv->glast[v] = lv->last[v];
        lv->host[v] = -1;
        members[v] = 1;
    }
    for (int s = 0; s < lv->n_steps; s++) lv->in_place[s] = lv->slices[s] = 0;
    for (int i = 0; i < lv->n_share; i++) {
        dlk_lv_share *s = &lv->share[i];
        s->taken = 0;
        if (s->kind == DLK_LV_VIEW) {
            try_view(lv, s, members);
            if (s->taken) members[root_of(lv, s->out, NULL)]++;
        }
    }
    for (int i = 0; i < lv->n_share; i++)
        if (lv->share[i].kind == DLK_LV_SLICE) try_slice(lv, &lv->share[i], written, holds);
    for (int i = 0; i < lv->n_share; i++)
        if (lv->share[i].kind == DLK_LV_IN_PLACE) try_in_place(lv, &lv->share[i], holds);

    for (int v = 0; v < nv; v++) root_of(lv, v, &lv->offset[v]);
    if (number_buffers(lv, written)) goto done;
    for (int v = 0; v < nv; v++)
        if (lv->parent[v] == v && lv->buf[v] >= 0)
            lv->bufs[lv->buf[v]] = (dlk_plan_buf){lv->size[v], lv->gfirst[v], lv->glast[v], 0};
    for (int s = 0; s < lv->n_steps; s++)
        if (lv->scratch_buf[s] >= 0) lv->bufs[lv->scratch_buf[s]] = (dlk_plan_buf){lv->scratch[s], s, s, 0};
    for (int v = 0; v < nv; v++) lv->buf[v] = lv->buf[root_of(lv, v, NULL)];
    /* per step live bytes (a difference array) and the lower bound */
    for (int s = 0; s <= lv->n_steps; s++) lv->live[s] = 0;
    for (int b = 0; b < lv->n_bufs; b++) {
        lv->live[lv->bufs[b].first] += lv->bufs[b].size;
        if (lv->bufs[b].last < lv->n_steps) lv->live[lv->bufs[b].last + 1] -= lv->bufs[b].size;
    }
    for (int s = 1; s <= lv->n_steps; s++) lv->live[s] += lv->live[s - 1];
    lv->lower_bound = dlk_plan_lower_bound(lv->bufs, lv->n_bufs);
    lv->arena_bytes = dlk_plan_aligned(lv->bufs, lv->n_bufs, lv->align);
    rc = lv->arena_bytes == (size_t)-1 ? -1 : 0;
done:
    free(written);
    free(holds);
    free(members);
    return rc;
}

size_t dlk_lv_arena_offset(const dlk_liveness *lv, int v)
{
    if (bad_value(lv, v) || lv->buf[v] < 0) return (size_t)-1;
    return lv->bufs[lv->buf[v]].offset + lv->offset[v];
}

/* Two members of one buffer alive together must be meant to share bytes: 1 when one sees the
 * other through views and slices (their paths to the common ancestor hold no in-place link, and
 * not both a slice: two parts of one host never overlap), 2 when an in-place link joins them (they
 * may only meet at that step), 0 otherwise. */
static int related(const dlk_liveness *lv, int v, int w)
{
    int up[64], mask[64], n = 0, m = 0;
    for (int a = v;; a = lv->parent[a]) {
        if (n == 64) return 0;
        up[n] = a, mask[n++] = m;
        if (lv->parent[a] == a) break;
        m |= 1 << lv->link[a];
    }
    m = 0;
    for (int b = w;; b = lv->parent[b]) {
        for (int i = 0; i < n; i++) {
            if (up[i] != b) continue;
            const int ip = 1 << (DLK_LV_IN_PLACE + 1), sl = 1 << (DLK_LV_SLICE + 1);
            if ((mask[i] | m) & ip) return 2;
            return (mask[i] & sl) && (m & sl) ? 0 : 1;
        }
        if (lv->parent[b] == b) return 0;
        m |= 1 << lv->link[b];
    }
}

int dlk_lv_check(const dlk_liveness *lv)
{
    if (dlk_plan_check(lv->bufs, lv->n_bufs, lv->align, lv->arena_bytes)) return -1;
    for (int a = 0; a < lv->n_acc; a++) {
        const dlk_lv_access *x = &lv->acc[a];
        int b = lv->buf[x->value];
        if (outside(lv, x->value) && b >= 0) return -1;
        if (b < 0) {
            if (!outside(lv, x->value) && lv->size[x->value]) return -1;
            continue;
        }
        const dlk_plan_buf *pb = &lv->bufs[b];
        if (lv->offset[x->value] > pb->size || lv->size[x->value] > pb->size - lv->offset[x->value]) return -1;
        if (x->step < pb->first || x->step > pb->last) return -1;
    }
    for (int s = 0; s < lv->n_steps; s++) {
        int b = lv->scratch_buf[s];
        if (!lv->scratch[s]) continue;
        if (b < 0 || lv->bufs[b].size < lv->scratch[s] || lv->bufs[b].first > s || lv->bufs[b].last < s) return -1;
    }
    /* members of each buffer, by buffer (a counting sort), checked pairwise */
    int *at = calloc((size_t)lv->n_bufs + 2, sizeof *at), *mem = malloc(sizeof *mem * ((size_t)lv->n_values + 1));
    int bad = !at || !mem;
    for (int v = 0; !bad && v < lv->n_values; v++)
        if (lv->buf[v] >= 0 && lv->first[v] >= 0 && lv->size[v]) at[lv->buf[v] + 1]++;
    for (int b = 0; !bad && b < lv->n_bufs; b++) at[b + 1] += at[b];
    for (int v = 0; !bad && v < lv->n_values; v++)
        if (lv->buf[v] >= 0 && lv->first[v] >= 0 && lv->size[v]) mem[at[lv->buf[v]]++] = v;
    for (int b = 0, from = 0; !bad && b < lv->n_bufs; from = at[b++]) /* at[b] is now the end of buffer b's */
        for (int i = from; !bad && i < at[b]; i++)
            for (int j = i + 1; !bad && j < at[b]; j++) {
                const int v = mem[i], w = mem[j];
                if (lv->offset[v] >= lv->offset[w] + lv->size[w] || lv->offset[w] >= lv->offset[v] + lv->size[v]) continue;
                int f = lv->first[v] > lv->first[w] ? lv->first[v] : lv->first[w];
                int l = lv->last[v] < lv->last[w] ? lv->last[v] : lv->last[w];
                const int rel = f > l ? 1 : related(lv, v, w);
                bad = !(rel == 1 || (rel == 2 && f == l && f < lv->n_steps && lv->in_place[f]));
            }
    free(at);
    free(mem);
    return bad ? -1 : 0;
}
