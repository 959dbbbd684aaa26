/* dlk_ctx_run_observe: dlk_ctx_run with a callback after every node. */
#include "observe.h"
#include "util/err.h"

/* The one place this file calls an operator: keep it in step with dlk_ctx_run (ctx.c). */
static void run_node(dlk_ctx *c, int i) { c->m->g.nodes[i].op->run(&c->ops[i]); }

int dlk_ctx_run_observe(dlk_ctx *c, dlk_observe_fn cb, void *user, dlk_err *err)
{
    dlk_err_clear(err);
    if (cb) cb(user, -1, c);
    for (int i = 0; i < c->m->g.n_nodes; i++) {
        run_node(c, i);
        if (cb) cb(user, i, c);
    }
    return 0;
}
