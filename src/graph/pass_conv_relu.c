/* Float Conv + Relu and Add + Relu fusion (see passes.h). */
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
    free(uses);
    return 0;
}
