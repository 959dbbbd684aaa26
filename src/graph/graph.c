#include "graph.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void dlk_graph_init(dlk_graph *g, const char *path)
{
    memset(g, 0, sizeof *g);
    g->path = xstrdup(path ? path : "<memory>");
}

static void free_attrs(dlk_node *n)
{
    for (int i = 0; i < n->n_attrs; i++) {
        free(n->attrs[i].name);
        free(n->attrs[i].s);
        free(n->attrs[i].ints);
        free(n->attrs[i].floats);
    }
    free(n->attrs);
}

void dlk_graph_free(dlk_graph *g)
{
    for (int i = 0; i < g->n_values; i++) {
        free(g->values[i].name);
        free(g->values[i].data);
        for (int d = 0; d < DLK_MAX_DIMS; d++) free(g->values[i].dim_param[d]);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].op_type);
        free(g->nodes[i].in);
        free(g->nodes[i].out);
        free_attrs(&g->nodes[i]);
    }
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->hash);
    free(g->path);
    memset(g, 0, sizeof *g);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int rehash(dlk_graph *g, int cap)
{
    int *h = malloc(sizeof(int) * cap);
    if (!h) return -1;
    for (int i = 0; i < cap; i++) h[i] = -1;
    for (int v = 0; v < g->n_values; v++) {
        uint32_t k = hash_str(g->values[v].name) & (cap - 1);
        while (h[k] >= 0) k = (k + 1) & (cap - 1);
        h[k] = v;
    }
    free(g->hash);
    g->hash = h;
    g->hash_cap = cap;
    return 0;
}

int dlk_graph_find(const dlk_graph *g, const char *name)
{
    if (!g->hash_cap) return -1;
    uint32_t k = hash_str(name) & (g->hash_cap - 1);
    while (g->hash[k] >= 0) {
        if (!strcmp(g->values[g->hash[k]].name, name)) return g->hash[k];
        k = (k + 1) & (g->hash_cap - 1);
    }
    return -1;
}

int dlk_graph_value(dlk_graph *g, const char *name)
{
    int v = dlk_graph_find(g, name);
    if (v >= 0) return v;
    if (g->n_values == g->cap_values) {
        int cap = g->cap_values ? g->cap_values * 2 : 64;
        dlk_value *nv = realloc(g->values, sizeof *nv * cap);
        if (!nv) return -1;
        g->values = nv;
        g->cap_values = cap;
    }
    if ((g->n_values + 1) * 2 > g->hash_cap && rehash(g, g->hash_cap ? g->hash_cap * 2 : 128)) return -1;
    dlk_value *val = &g->values[g->n_values];
    memset(val, 0, sizeof *val);
    val->name = xstrdup(name);
    if (!val->name) return -1;
    val->producer = -1;
    for (int d = 0; d < DLK_MAX_DIMS; d++) val->shape.dims[d] = -1;
    v = g->n_values++;
    uint32_t k = hash_str(name) & (g->hash_cap - 1);
    while (g->hash[k] >= 0) k = (k + 1) & (g->hash_cap - 1);
    g->hash[k] = v;
    return v;
}

int dlk_graph_add_const(dlk_graph *g, const char *hint, const dlk_shape *shape, const void *data)
{
    char name[256];
    int v;
    for (int i = 0;; i++) {
        snprintf(name, sizeof name, "%.200s__dlk%d", hint, i);
        if (dlk_graph_find(g, name) < 0) break;
    }
    v = dlk_graph_value(g, name);
    if (v < 0) return -1;
    size_t bytes = (size_t)dlk_shape_numel(shape) * dlk_dtype_size(shape->dtype);
    void *d = malloc(bytes ? bytes : 1);
    if (!d) return -1;
    if (bytes) memcpy(d, data, bytes);
    g->values[v].shape = *shape;
    g->values[v].data = d;
    g->values[v].is_const = 1;
    return v;
}

int dlk_graph_add_node(dlk_graph *g, const char *name, const char *op_type, const int *in, int n_in,
                       const int *out, int n_out)
{
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
        dlk_node *nn = realloc(g->nodes, sizeof *nn * cap);
        if (!nn) return -1;
        g->nodes = nn;
        g->cap_nodes = cap;
    }
    dlk_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = xstrdup(name ? name : "");
    n->op_type = xstrdup(op_type);
    n->in = malloc(sizeof(int) * (n_in ? n_in : 1));
    n->out = malloc(sizeof(int) * (n_out ? n_out : 1));
    if (!n->name || !n->op_type || !n->in || !n->out) {
        free(n->name); free(n->op_type); free(n->in); free(n->out);
        return -1;
    }
    if (n_in) memcpy(n->in, in, sizeof(int) * n_in);
    if (n_out) memcpy(n->out, out, sizeof(int) * n_out);
    n->n_in = n_in;
    n->n_out = n_out;
    return g->n_nodes++;
}

int dlk_node_add_attr_int(dlk_graph *g, int node, const char *name, int64_t v)
{
    dlk_node *n = &g->nodes[node];
    dlk_attr *a = realloc(n->attrs, sizeof *a * (n->n_attrs + 1));
    if (!a) return -1;
    n->attrs = a;
    a = &n->attrs[n->n_attrs];
    memset(a, 0, sizeof *a);
    a->name = xstrdup(name);
    if (!a->name) return -1;
    a->type = DLK_ATTR_INT;
    a->i = v;
    n->n_attrs++;
    return 0;
}

const dlk_attr *dlk_attr_find(const dlk_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name)) return &n->attrs[i];
    return NULL;
}

int64_t dlk_attr_int(const dlk_node *n, const char *name, int64_t def)
{
    const dlk_attr *a = dlk_attr_find(n, name);
    return a && a->type == DLK_ATTR_INT ? a->i : def;
}

float dlk_attr_float(const dlk_node *n, const char *name, float def)
{
    const dlk_attr *a = dlk_attr_find(n, name);
    return a && a->type == DLK_ATTR_FLOAT ? a->f : def;
}

const char *dlk_attr_str(const dlk_node *n, const char *name, const char *def)
{
    const dlk_attr *a = dlk_attr_find(n, name);
    return a && a->type == DLK_ATTR_STRING ? a->s : def;
}

int dlk_attr_ints(const dlk_node *n, const char *name, const int64_t **v)
{
    const dlk_attr *a = dlk_attr_find(n, name);
    if (!a || a->type != DLK_ATTR_INTS) return -1;
    *v = a->ints;
    return a->n;
}

int dlk_graph_consumers(const dlk_graph *g, int value, int *first_node, int *first_slot)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] == value) {
                if (!count) {
                    if (first_node) *first_node = i;
                    if (first_slot) *first_slot = s;
                }
                count++;
            }
    }
    return count;
}

int dlk_graph_finalize(dlk_graph *g, dlk_err *err)
{
    int n = g->n_nodes, live = 0;
    for (int i = 0; i < n; i++) live += !g->nodes[i].dead;
    char *ready = calloc(g->n_values ? g->n_values : 1, 1);
    char *placed = calloc(n ? n : 1, 1);
    dlk_node *sorted = malloc(sizeof *sorted * (live ? live : 1));
    int rc = -1;
    if (!ready || !placed || !sorted) { dlk_fail(err, "%s: out of memory", g->path); goto done; }
    for (int v = 0; v < g->n_values; v++) {
        ready[v] = g->values[v].is_const || g->values[v].is_input;
        g->values[v].producer = -1;
    }
    int count = 0;
    /* Kahn-style passes in file order: repeatedly place every node whose inputs are ready. */
    for (int progress = 1; progress && count < live;) {
        progress = 0;
        for (int i = 0; i < n; i++) {
            dlk_node *nd = &g->nodes[i];
            if (nd->dead || placed[i]) continue;
            int ok = 1;
            for (int s = 0; s < nd->n_in && ok; s++) ok = nd->in[s] < 0 || ready[nd->in[s]];
            if (!ok) continue;
            for (int s = 0; s < nd->n_out; s++) {
                if (nd->out[s] < 0) continue;
                if (ready[nd->out[s]]) {
                    dlk_fail(err, "%s: node '%s' (%s): output '%s' is produced twice", g->path, nd->name,
                             nd->op_type, g->values[nd->out[s]].name);
                    goto done;
                }
                ready[nd->out[s]] = 1;
                g->values[nd->out[s]].producer = count;
            }
            placed[i] = 1;
            sorted[count++] = *nd;
            progress = 1;
        }
    }
    if (count < live) {
        for (int i = 0; i < n; i++) {
            dlk_node *nd = &g->nodes[i];
            if (nd->dead || placed[i]) continue;
            for (int s = 0; s < nd->n_in; s++)
                if (nd->in[s] >= 0 && !ready[nd->in[s]]) {
                    dlk_fail(err, "%s: node '%s' (%s): input '%s' is never produced (or the graph has a cycle)",
                             g->path, nd->name, nd->op_type, g->values[nd->in[s]].name);
                    goto done;
                }
        }
        dlk_fail(err, "%s: the graph has a cycle", g->path);
        goto done;
    }
    for (int o = 0; o < g->n_outputs; o++)
        if (!ready[g->outputs[o]]) {
            dlk_fail(err, "%s: graph output '%s' is never produced", g->path, g->values[g->outputs[o]].name);
            goto done;
        }
    for (int i = 0; i < n; i++)
        if (g->nodes[i].dead) {
            dlk_node *nd = &g->nodes[i];
            free(nd->name); free(nd->op_type); free(nd->in); free(nd->out);
            free_attrs(nd);
        }
    free(g->nodes);
    g->nodes = sorted;
    sorted = NULL;
    g->n_nodes = g->cap_nodes = count;
    rc = 0;
done:
    free(ready);
    free(placed);
    free(sorted);
    return rc;
}
