/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packed weights, once per model: a convolution's SIMD kernel packs its constant weights for one
 * geometry (the input size decides some layouts, the batch none), and every context of the model
 * made for that geometry shares the result (read-only while running). Entries live until the model is freed;
 * contexts may be made from several threads at once (one lock per model).
 */
#include "ops/packs.h"
#include "util/err.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct pack_entry {
    const dlk_node *node;
    const void *impl;
    dlk_conv_geom g;
    void *data;
    size_t bytes;
    struct pack_entry *next;
} pack_entry;

struct dlk_pack_cache {
    pthread_mutex_t mu;
    pack_entry *head;
};

dlk_pack_cache *dlk_pack_cache_new(void)
{
    dlk_pack_cache *pc = calloc(1, sizeof *pc);
    if (pc && pthread_mutex_init(&pc->mu, NULL)) {
        free(pc);
        return NULL;
    }
    return pc;
}

void dlk_pack_cache_free(dlk_pack_cache *pc)
{
    if (!pc) return;
    for (pack_entry *e = pc->head, *n; e; e = n) {
        n = e->next;
        free(e->data);
        free(e);
    }
    pthread_mutex_destroy(&pc->mu);
    free(pc);
}

/* the key's geometry: the batch is left out (no kernel's packing depends on it) */
static dlk_conv_geom key_geom(const dlk_conv_geom *g)
{
    dlk_conv_geom k = *g;
    k.n = 0;
    return k;
}

const void *dlk_op_packed(const dlk_op *op, const void *impl, const dlk_conv_geom *g, size_t bytes,
                          void (*fill)(void *dst, const void *arg), const void *arg, dlk_err *err)
{
    dlk_pack_cache *pc = op->packs;
    if (!pc) {
        dlk_fail(err, "no packed-weight cache");
        return NULL;
    }
    const dlk_conv_geom key = key_geom(g); /* a struct of ints: memcmp compares every field */
    pthread_mutex_lock(&pc->mu);
    pack_entry *e = pc->head;
    while (e && !(e->node == op->node && e->impl == impl && !memcmp(&e->g, &key, sizeof key))) e = e->next;
    if (!e) {
        e = calloc(1, sizeof *e);
        void *data = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
        if (!e || !data) {
            free(e);
            free(data);
            pthread_mutex_unlock(&pc->mu);
            dlk_fail(err, "out of memory (%zu bytes of packed weights)", bytes);
            return NULL;
        }
        e->node = op->node;
        e->impl = impl;
        e->g = key;
        e->data = data;
        e->bytes = bytes;
        fill(data, arg);
        e->next = pc->head;
        pc->head = e;
    }
    pthread_mutex_unlock(&pc->mu);
    return e->data;
}

void dlk_pack_cache_stats(dlk_pack_cache *pc, int *entries, size_t *bytes)
{
    *entries = 0;
    *bytes = 0;
    if (!pc) return;
    pthread_mutex_lock(&pc->mu);
    for (const pack_entry *e = pc->head; e; e = e->next) {
        (*entries)++;
        *bytes += e->bytes;
    }
    pthread_mutex_unlock(&pc->mu);
}
