/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layouts of a context's values (step 1b of making a context, once every operator is
 * prepared): which float activations go channel-blocked (NCHW16C, kernels.h).
 *
 * A value may be NCHW16C when it is a 4-D float activation of whole blocks of 16 channels, made by
 * an operator, and not a graph output. The rules of the operators around it (dlk_op.layout_rule)
 * then decide by elimination, until nothing changes:
 *  - an operator that takes only NCHW (the default) makes all its values NCHW;
 *  - one that takes either layout while its values agree (MaxPool, Concat) makes them all NCHW as
 *    soon as one is (a constant always is);
 *  - a conv takes either layout for its input, and either for its output as long as a fused Add's
 *    operand agrees.
 * What is left is NCHW16C. Elimination only ever turns values NCHW, so it ends; on the DLA models
 * after two rounds. On dla46c, 58 of its 64 activations: level 1's output to level 5's root (the
 * stem and level 0 have 16 channels, for which the NCHW kernels are faster; the classifier after
 * the GlobalAveragePool has 1000).
 */
#include "runtime.h"

static int eligible(const dlk_ctx *c, int v)
{
    const dlk_graph *g = &c->m->g;
    const dlk_tensor *t = &c->t[v];
    if (t->is_const || t->first < 0 || g->values[v].producer < 0 || t->shape.dtype != DLK_FLOAT || t->shape.ndim != 4 ||
        t->shape.dims[1] <= 0 || t->shape.dims[1] % 16)
        return 0;
    for (int o = 0; o < g->n_outputs; o++)
        if (g->outputs[o] == v) return 0;
    return 1;
}

/* makes the n tensors NCHW if any is (all of them: keep = 0); returns whether one changed */
static int tie(dlk_tensor **t, int n, int keep)
{
    int any_nchw = !keep;
    for (int i = 0; i < n && !any_nchw; i++) any_nchw = t[i]->layout == DLK_NCHW;
    if (!any_nchw) return 0;
    int changed = 0;
    for (int i = 0; i < n; i++)
        if (t[i]->layout != DLK_NCHW) {
            t[i]->layout = DLK_NCHW;
            changed = 1;
        }
    return changed;
}

void dlk_ctx_layouts(dlk_ctx *c)
{
    const dlk_graph *g = &c->m->g;
    for (int v = 0; v < g->n_values; v++) c->t[v].layout = eligible(c, v) ? DLK_NCHW16C : DLK_NCHW;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            const dlk_op *op = &c->ops[i];
            dlk_tensor *set[DLK_OP_MAX_IN + DLK_OP_MAX_OUT];
            int n = 0;
            /* the values of the operator that must agree: for a conv, its output and a fused
             * Add's operand (input 3); else all of them. Constants are NCHW: one among them
             * makes the others NCHW too. */
            for (int s = op->layout_rule == DLK_LAYOUT_FREE ? 3 : 0; s < op->n_in; s++)
                if (op->in[s]) set[n++] = op->in[s];
            for (int s = 0; s < op->n_out; s++)
                if (op->out[s]) set[n++] = op->out[s];
            changed |= tie(set, n, op->layout_rule != DLK_LAYOUT_FIXED);
        }
    }
}
