/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The thread pool of a context. Workers spin briefly on a generation counter (operators follow
 * each other within microseconds), then sleep on a condition variable; thread 0 (the caller) does
 * its own share and spins until the workers are done. With one thread there is no pool and no
 * synchronisation at all (dlk_ctx_run calls the operators directly).
 */
#include "runtime/exec.h"
#include "runtime.h"
#include "util/err.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

#define SPIN_NS 5000000     /* a worker spins this long (5 ms) without work before it sleeps */
#define DLK_MAX_THREADS 256
/* Parts per thread. More parts than threads would let a thread the system delays leave its parts
 * to the others, but every part of a conv packs its own input (a small conv cut in 8 re-packed its
 * input 8 times): one part per thread, and the kernels balance their blocks (qc_fit_block). */
#define PARTS_PER_THREAD 1

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

typedef struct {
    dlk_pool *p;
    int ith;
    void *scratch;
    pthread_t th;
    int started;
} worker;

struct dlk_pool {
    int n;
    worker *w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_uint gen;
    atomic_int pending;
    atomic_int next;    /* the next part of the job to claim */
    int parts;          /* the job's parts: each thread claims parts until none is left */
    int sleepers;       /* guarded by mu */
    int quit;           /* guarded by mu, published with gen */
    const dlk_op *op;   /* the job, published with gen */
    const dlk_kernels *k;
};

/* Claims parts of the job until none is left (PARTS_PER_THREAD). */
static void run_parts(dlk_pool *p, const dlk_op *op, void *scratch)
{
    int j;
    while ((j = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed)) < p->parts) {
        dlk_exec ex = {j, p->parts, scratch, p->k};
        op->node->op->run(op, &ex);
    }
}

static void *worker_main(void *arg)
{
    worker *me = arg;
    dlk_pool *p = me->p;
    unsigned seen = 0;
    for (;;) {
        unsigned spins = 0;
        int64_t t0 = now_ns();
        while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen) {
            /* pause a little, then yield (a thread of ours, or another process, may be waiting
             * for this core), and after SPIN_NS without work sleep until woken */
            if (++spins < 256) {
                cpu_relax();
                continue;
            }
            if ((spins & 63) || now_ns() - t0 < SPIN_NS) {
                sched_yield();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            p->sleepers++;
            while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen) pthread_cond_wait(&p->cv, &p->mu);
            p->sleepers--;
            pthread_mutex_unlock(&p->mu);
        }
        seen = atomic_load_explicit(&p->gen, memory_order_acquire);
        pthread_mutex_lock(&p->mu);
        int quit = p->quit;
        const dlk_op *op = p->op;
        pthread_mutex_unlock(&p->mu);
        if (quit) return NULL;
        run_parts(p, op, me->scratch);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

static void publish(dlk_pool *p, const dlk_op *op, const dlk_kernels *k, int quit)
{
    pthread_mutex_lock(&p->mu);
    p->op = op;
    p->k = k;
    p->quit = quit;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->parts = p->n * PARTS_PER_THREAD;
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    if (p->sleepers) pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void dlk_pool_free(dlk_pool *p)
{
    if (!p) return;
    publish(p, NULL, NULL, 1);
    for (int i = 1; i < p->n; i++) {
        if (p->w[i].started) pthread_join(p->w[i].th, NULL);
        free(p->w[i].scratch);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->w);
    free(p);
}

dlk_pool *dlk_pool_new(int n, size_t scratch_bytes)
{
    if (n < 1 || n > DLK_MAX_THREADS) return NULL;
    dlk_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->w = calloc((size_t)n, sizeof *p->w);
    if (!p->w || pthread_mutex_init(&p->mu, NULL)) {
        free(p->w);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        free(p->w);
        free(p);
        return NULL;
    }
    atomic_init(&p->gen, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->next, 0);
    p->n = 1; /* grows as workers start, so that a failure frees only what exists */
    size_t sb = (scratch_bytes + 63) / 64 * 64;
    for (int i = 1; i < n; i++) {
        worker *w = &p->w[i];
        w->p = p;
        w->ith = i;
        w->scratch = sb ? aligned_alloc(64, sb) : NULL;
        if ((sb && !w->scratch) || pthread_create(&w->th, NULL, worker_main, w)) {
            free(w->scratch);
            w->scratch = NULL;
            dlk_pool_free(p);
            return NULL;
        }
        w->started = 1;
        p->n = i + 1;
    }
    return p;
}

int dlk_pool_threads(const dlk_pool *p) { return p ? p->n : 1; }

void dlk_pool_run_op(dlk_pool *p, const dlk_op *op, const dlk_kernels *k)
{
    publish(p, op, k, 0);
    run_parts(p, op, op->scratch);
    long spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0)
        if (++spins < 256) cpu_relax();
        else sched_yield();
}

/* ---- the context's side ---------------------------------------------------------------------- */

int dlk_ctx_set_threads(dlk_ctx *c, int n, dlk_err *err)
{
    dlk_err_clear(err);
    if (n < 1 || n > DLK_MAX_THREADS) return dlk_fail(err, "thread count must be 1..%d, is %d", DLK_MAX_THREADS, n);
    if (dlk_pool_threads(c->pool) == n) return 0;
    dlk_pool_free(c->pool);
    c->pool = NULL;
    if (n == 1) return 0;
    size_t sb = 0;
    for (int i = 0; i < c->m->g.n_nodes; i++)
        if (c->ops[i].parallel && c->ops[i].scratch_bytes > sb) sb = c->ops[i].scratch_bytes;
    c->pool = dlk_pool_new(n, sb);
    if (!c->pool) return dlk_fail(err, "%s: cannot start %d threads", c->m->g.path, n);
    return 0;
}

int dlk_ctx_threads(const dlk_ctx *c) { return dlk_pool_threads(c->pool); }

const char *dlk_isa_in_use(void) { return dlk_kernels_get()->name; }

/* ---- profiling -------------------------------------------------------------------------------- */
#include <time.h>

int dlk_ctx_num_nodes(const dlk_ctx *c) { return c->m->g.n_nodes; }
const char *dlk_ctx_node_name(const dlk_ctx *c, int i) { return c->m->g.nodes[i].name; }
const char *dlk_ctx_node_op(const dlk_ctx *c, int i) { return c->m->g.nodes[i].op_type; }
const char *dlk_ctx_node_kernel(const dlk_ctx *c, int i) { return c->ops[i].kernel; }

int64_t dlk_ctx_node_macs(const dlk_ctx *c, int i)
{
    const dlk_op *op = &c->ops[i];
    return op->node->op->macs ? op->node->op->macs(op) : 0; /* the operator's own count */
}

int dlk_ctx_run_profiled(dlk_ctx *c, double *ms_per_node, dlk_err *err)
{
    dlk_err_clear(err);
    const dlk_kernels *k = c->k;
    /* one thread: its CPU time, which other processes sharing the core do not inflate */
    const clockid_t clk = c->pool ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
    for (int i = 0; i < c->m->g.n_nodes; i++) {
        const dlk_op *op = &c->ops[i];
        struct timespec a, b;
        clock_gettime(clk, &a);
        if (c->pool && op->parallel) {
            dlk_pool_run_op(c->pool, op, k);
        } else {
            dlk_exec ex = {0, 1, op->scratch, k};
            op->node->op->run(op, &ex);
        }
        clock_gettime(clk, &b);
        ms_per_node[i] += (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    }
    return 0;
}
