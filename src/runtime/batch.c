/* SPDX-License-Identifier: Apache-2.0 */
/* The batch runner (batch.h): a shared counter hands out runs in order; each thread owns its
 * contexts (one of `batch` items, and one for a shorter last run). */
#include "runtime/batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const dlk_model *m;
    const dlk_batch_job *job;
    pthread_mutex_t lock;
    int64_t next, done; /* the first item of the next run; items consumed */
    int stop;
    dlk_err err;        /* the first stopping error */
} runner;

typedef struct {
    runner *r;
    int thread;
} worker;

int dlk_batch_threads(const dlk_batch_job *job)
{
    int64_t runs = job->batch > 0 ? (job->n + job->batch - 1) / job->batch : 0;
    int t = job->threads;
    if (t > runs) t = (int)runs;
    return t < 1 ? 1 : t;
}

static void stop_with(runner *r, const dlk_err *err)
{
    pthread_mutex_lock(&r->lock);
    if (!r->stop) r->err = *err;
    r->stop = 1;
    pthread_mutex_unlock(&r->lock);
}

static void *work(void *arg)
{
    const worker *w = arg;
    runner *r = w->r;
    const dlk_batch_job *job = r->job;
    dlk_ctx *ctx[2] = {NULL, NULL}; /* full runs, and the short last one */
    dlk_err err = {{0}};
    for (;;) {
        pthread_mutex_lock(&r->lock);
        int64_t first = r->next;
        int stop = r->stop || first >= job->n;
        if (!stop) r->next += job->batch;
        pthread_mutex_unlock(&r->lock);
        if (stop) break;
        int64_t count = job->n - first < job->batch ? job->n - first : job->batch;
        int which = count != job->batch;
        if (!ctx[which]) {
            dlk_shape s = job->input;
            s.dims[0] = count;
            if (!(ctx[which] = dlk_ctx_new(r->m, &s, 1, &err))) goto fail;
        }
        dlk_err item = {{0}};
        int rc = job->fill(job->user, ctx[which], w->thread, first, count, &item);
        if (rc < 0) {
            err = item;
            goto fail;
        }
        if (rc == 0) {
            rc = job->run ? job->run(job->user, ctx[which], w->thread, &err) : dlk_ctx_run(ctx[which], &item) ? 1 : 0;
            if (rc < 0) goto fail;
        }
        if (!job->consume && rc) {
            err = item;
            goto fail;
        }
        if (job->consume && job->consume(job->user, rc ? NULL : ctx[which], w->thread, first, count, rc ? &item : NULL, &err))
            goto fail;
        pthread_mutex_lock(&r->lock);
        r->done += count;
        if (job->progress) job->progress(job->user, r->done, job->n);
        pthread_mutex_unlock(&r->lock);
    }
    dlk_ctx_free(ctx[0]);
    dlk_ctx_free(ctx[1]);
    return NULL;
fail:
    stop_with(r, &err);
    dlk_ctx_free(ctx[0]);
    dlk_ctx_free(ctx[1]);
    return NULL;
}

int dlk_batch_run(const dlk_model *m, const dlk_batch_job *job, dlk_err *err)
{
    if (job->n < 1 || job->batch < 1 || !job->fill) {
        snprintf(err->msg, sizeof err->msg, "dlk_batch_run: no items, or no fill callback");
        return -1;
    }
    runner r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.job = job;
    pthread_mutex_init(&r.lock, NULL);
    int nt = dlk_batch_threads(job);
    pthread_t *tid = malloc(sizeof *tid * (size_t)nt);
    worker *w = malloc(sizeof *w * (size_t)nt);
    if (!tid || !w) {
        free(tid);
        free(w);
        pthread_mutex_destroy(&r.lock);
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    char *started = calloc((size_t)nt, 1);
    for (int t = 0; t < nt; t++) w[t] = (worker){&r, t};
    for (int t = 1; t < nt && started; t++) started[t] = pthread_create(&tid[t], NULL, work, &w[t]) == 0;
    work(&w[0]);
    for (int t = 1; t < nt && started; t++)
        if (started[t]) pthread_join(tid[t], NULL);
    free(started);
    free(tid);
    free(w);
    pthread_mutex_destroy(&r.lock);
    if (r.stop) {
        *err = r.err;
        return -1;
    }
    return 0;
}
