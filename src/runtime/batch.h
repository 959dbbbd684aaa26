/* SPDX-License-Identifier: Apache-2.0 */
/* The batch runner: N items over T contexts of one shared model, one context (and one thread) each.
 * What `run`, `eval` and `quantize` (calibration) fan out with, and what a public eval/quantize API
 * can call: it uses only the public API of include/dlakit.h.
 *
 * Items go in runs of `batch` (the last run may be shorter: it gets a context of its own shape),
 * handed out in order to whichever thread is free. Each run: fill (the inputs of items
 * [first, first + count)), run (dlk_ctx_run unless replaced), consume (the outputs). A callback
 * writes its results at the items' indices, so nothing depends on T. A fill or run that fails an
 * item (return value > 0 from fill, any failure of dlk_ctx_run) reaches consume with that item's
 * message instead of outputs; a callback returning < 0 stops the whole run (the first such error is
 * the runner's). Threads that cannot be started leave their share to the others. */
#ifndef DLK_BATCH_H
#define DLK_BATCH_H

#include "dlakit.h"

typedef struct {
    int64_t n;              /* items */
    int batch;              /* items per run (>= 1); the model input's dims[0] */
    int threads;            /* contexts (threads) wanted; dlk_batch_threads() says how many run */
    dlk_shape input;        /* the model's input 0 for one run of `batch` items (dims[0] is set here) */
    void *user;
    /* Items [first, first + count) into ctx's inputs: 0, > 0 the items failed (message in err), < 0
     * stop. thread is 0 .. dlk_batch_threads() - 1 (one context each; 0 is the calling thread). */
    int (*fill)(void *user, dlk_ctx *ctx, int thread, int64_t first, int64_t count, dlk_err *err);
    /* Runs ctx: 0, or < 0 with err. NULL: dlk_ctx_run (whose failure fails the items only). */
    int (*run)(void *user, dlk_ctx *ctx, int thread, dlk_err *err);
    /* The outputs of items [first, first + count) (item_err NULL), or why they failed (ctx NULL):
     * 0, or < 0 with err to stop. Called outside the runner's lock. NULL: a failed item stops the
     * run with its message. */
    int (*consume)(void *user, const dlk_ctx *ctx, int thread, int64_t first, int64_t count, const dlk_err *item_err,
                   dlk_err *err);
    /* Optional, under the runner's lock after each consume: done items of n. */
    void (*progress)(void *user, int64_t done, int64_t n);
} dlk_batch_job;

/* The number of contexts a job runs on: min(threads, runs), at least 1. */
int dlk_batch_threads(const dlk_batch_job *job);
/* Runs the job over m (shared read-only). 0, or -1 with the first stopping error (also when a
 * context cannot be made, with dlk_ctx_new's message). */
int dlk_batch_run(const dlk_model *m, const dlk_batch_job *job, dlk_err *err);

#endif
