/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_ctx_run_observe: dlk_ctx_run with a callback after every node. */
#include "observe.h"
#include "util/err.h"


int dlk_ctx_run_observe(dlk_ctx *c, dlk_observe_fn cb, void *user, dlk_err *err)
{
    dlk_err_clear(err);
    const dlk_kernels *k = c->k;
    if (cb) cb(user, -1, c);
    for (int i = 0; i < c->m->g.n_nodes; i++) {
        dlk_ctx_run_node(c, i, k);
        if (cb) cb(user, i, c);
    }
    return 0;
}
