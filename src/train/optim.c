/* SPDX-License-Identifier: Apache-2.0 */
/* AdamW and SGD with momentum, as PyTorch's torch.optim steps them. */
#include "train/train.h"
#include "util/err.h"

#include <math.h>

static void adamw(const dlk_optim *o, float *p, float *m, float *v, const float *g, int64_t n)
{
    double bc1 = 1 - pow(o->beta1, (double)o->step), bc2 = 1 - pow(o->beta2, (double)o->step);
    double step = o->lr / bc1, sq = sqrt(bc2);
    for (int64_t i = 0; i < n; i++) {
        double w = p[i] * (1 - o->lr * o->weight_decay);
        m[i] = (float)(o->beta1 * m[i] + (1 - o->beta1) * g[i]);
        v[i] = (float)(o->beta2 * v[i] + (1 - o->beta2) * (double)g[i] * g[i]);
        p[i] = (float)(w - step * m[i] / (sqrt(v[i]) / sq + o->eps));
    }
}

static void sgd(const dlk_optim *o, float *p, float *m, const float *g, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double d = g[i] + o->weight_decay * p[i];
        m[i] = o->step == 1 ? (float)d : (float)(o->momentum * m[i] + d);
        p[i] = (float)(p[i] - o->lr * m[i]);
    }
}

int dlk_optim_step(dlk_optim *o, dlk_tnet *n, float *const *gw, float *const *gb, dlk_err *err)
{
    if (!(o->lr > 0) || o->weight_decay < 0) return dlk_fail(err, "bad learning rate or weight decay");
    o->step++;
    for (int i = 0; i < n->n_params; i++) {
        dlk_tparam *p = &n->params[i];
        if (!p->trainable) continue;
        if (o->kind == DLK_OPT_ADAMW) {
            adamw(o, p->w, p->mw, p->vw, gw[i], p->nw);
            if (p->bval >= 0) adamw(o, p->b, p->mb, p->vb, gb[i], p->nb);
        } else {
            sgd(o, p->w, p->mw, gw[i], p->nw);
            if (p->bval >= 0) sgd(o, p->b, p->mb, gb[i], p->nb);
        }
    }
    return 0;
}
