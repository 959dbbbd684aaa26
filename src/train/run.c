/* SPDX-License-Identifier: Apache-2.0 */
/* A batch on several threads: thread t takes images t, t + nth, ...; its loss and gradients are
 * added to thread 0's in thread order. */
#include "train/run.h"
#include "util/err.h"

#include <pthread.h>
#include <string.h>

typedef struct {
    const dlk_tnet *n;
    dlk_twork *wk;
    const dlk_tbatch *b;
    int ith, nth;
    double loss;
    int correct;
} share;

static int argmax(const float *z, int k)
{
    int a = 0;
    for (int i = 1; i < k; i++)
        if (z[i] > z[a]) a = i;
    return a;
}

static void *run_share(void *arg)
{
    share *s = arg;
    const dlk_tnet *n = s->n;
    const dlk_tbatch *b = s->b;
    int from = b->from_input ? 0 : n->start, in = b->from_input ? n->input : n->cut;
    if (b->job == DLK_TJOB_TRAIN) dlk_twork_zero_grads(s->wk, n);
    for (int i = s->ith; i < b->count; i += s->nth) {
        memcpy(s->wk->act[in], b->x[i], sizeof(float) * dlk_tval_size(n, in));
        if (b->job == DLK_TJOB_FEATURES) {
            dlk_tnet_forward(n, s->wk, from, n->start);
            memcpy(b->feat[i], s->wk->act[n->cut], sizeof(float) * dlk_tval_size(n, n->cut));
            continue;
        }
        dlk_tnet_forward(n, s->wk, from, n->n_nodes);
        int p = argmax(s->wk->act[n->output], n->classes);
        if (b->pred) b->pred[i] = p;
        if (b->labels) s->correct += p == b->labels[i];
        if (b->job == DLK_TJOB_TRAIN) {
            s->loss += dlk_tnet_loss(n, s->wk, b->labels[i]);
            dlk_tnet_backward(n, s->wk);
        }
    }
    return NULL;
}

int dlk_tbatch_run(const dlk_tnet *n, dlk_twork *wk, int nth, const dlk_tbatch *b, double *loss, int *correct, dlk_err *err)
{
    enum { MAXT = 64 };
    if (nth > b->count) nth = b->count;
    if (nth < 1) nth = 1;
    if (nth > MAXT) nth = MAXT;
    share s[MAXT];
    pthread_t th[MAXT];
    int started = 0, rc = 0;
    for (int t = 0; t < nth; t++) s[t] = (share){n, &wk[t], b, t, nth, 0, 0};
    for (int t = 1; t < nth; t++) {
        if (pthread_create(&th[t], NULL, run_share, &s[t])) {
            rc = dlk_fail(err, "cannot start a training thread");
            break;
        }
        started = t;
    }
    if (!rc) run_share(&s[0]);
    for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
    if (rc) return rc;
    double l = 0;
    int c = 0;
    for (int t = 0; t < nth; t++) l += s[t].loss, c += s[t].correct;
    if (loss) *loss = l;
    if (correct) *correct = c;
    if (b->job == DLK_TJOB_TRAIN)
        for (int t = 1; t < nth; t++)
            for (int i = 0; i < n->n_params; i++) {
                const dlk_tparam *p = &n->params[i];
                if (!p->trainable) continue;
                for (int64_t k = 0; k < p->nw; k++) wk[0].gw[i][k] += wk[t].gw[i][k];
                for (int64_t k = 0; k < p->nb; k++) wk[0].gb[i][k] += wk[t].gb[i][k];
            }
    return 0;
}
