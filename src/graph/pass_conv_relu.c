/* SPDX-License-Identifier: Apache-2.0 */
/* Float Conv + Relu, Add + Relu and Conv + Add fusion (see passes.h). */
#include "graph/passes.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

int dlk_pass_fuse_conv_relu(dlk_graph *g, dlk_err *err)
{
    int *uses = calloc((size_t)g->n_values + 1, sizeof *uses);
    if (!uses) return dlk_fail(err, "%s: out of memory", g->path);
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] >= 0) uses[n->in[s]]++;
    }
    for (int o = 0; o < g->n_outputs; o++) uses[g->outputs[o]]++; /* a graph output stays as it is */
    for (int i = 0; i < g->n_nodes; i++) {
        dlk_node *r = &g->nodes[i];
        if (r->dead || strcmp(r->op_type, "Relu") || r->n_in != 1 || r->n_out != 1 || r->in[0] < 0 || r->out[0] < 0)
            continue;
        const int v = r->in[0], pi = g->values[v].producer;
        if (pi < 0 || uses[v] != 1) continue;
        dlk_node *c = &g->nodes[pi];
        if (c->dead || (strcmp(c->op_type, "Conv") && strcmp(c->op_type, "Add")) || c->n_out != 1 || c->out[0] != v ||
            dlk_attr_find(c, "dlk_relu"))
            continue;
        if (dlk_node_add_attr_int(g, pi, "dlk_relu", 1)) {
            free(uses);
            return dlk_fail(err, "%s: out of memory", g->path);
        }
        g->nodes[pi].out[0] = r->out[0]; /* (add_attr may have moved nothing but the attributes) */
        r->dead = 1;
    }
    /* Conv -> Add (the Conv's output its only use, the Add's other input anything else): the Conv
     * takes the other input as a fourth input and adds it before its Relu (the Add's, if fused) */
    for (int i = 0; i < g->n_nodes; i++) {
        dlk_node *a = &g->nodes[i];
        if (a->dead || strcmp(a->op_type, "Add") || a->n_in != 2 || a->n_out != 1 || a->out[0] < 0) continue;
        for (int s = 0; s < 2; s++) {
            const int v = a->in[s], other = a->in[1 - s];
            if (v < 0 || other < 0 || other == v || uses[v] != 1) continue;
            const int pi = g->values[v].producer;
            if (pi < 0) continue;
            dlk_node *c = &g->nodes[pi];
            if (c->dead || strcmp(c->op_type, "Conv") || c->n_in < 2 || c->n_in > 3 || c->n_out != 1 || c->out[0] != v ||
                dlk_attr_find(c, "dlk_relu") || dlk_attr_find(c, "dlk_sum"))
                continue;
            int *in = realloc(c->in, sizeof(int) * 4);
            if (!in) {
                free(uses);
                return dlk_fail(err, "%s: out of memory", g->path);
            }
            c->in = in;
            if (c->n_in < 3) c->in[2] = -1; /* no bias */
            c->in[3] = other;
            c->n_in = 4;
            uses[other]++;
            const int relu = (int)dlk_attr_int(a, "dlk_relu", 0);
            if (dlk_node_add_attr_int(g, pi, "dlk_sum", 1) || (relu && dlk_node_add_attr_int(g, pi, "dlk_relu", 1)) ||
                dlk_node_add_attr_str(g, pi, "dlk_sum_node", a->name ? a->name : "")) {
                free(uses);
                return dlk_fail(err, "%s: out of memory", g->path);
            }
            g->nodes[pi].out[0] = a->out[0];
            a->dead = 1;
            break;
        }
    }
    free(uses);
    return 0;
}
