/* SPDX-License-Identifier: Apache-2.0 */
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
    free(g->hash);
    free(g->path);
    for (int i = 0; i < g->n_values; i++) {
        free(g->values[i].name);
        free(g->values[i].data);
        for (int d = 0; d < DLK_MAX_DIMS; d++) free(g->values[i].dim_param[d]);
    }
    free(g->values);
    for (int i = 0; i < g->n_nodes; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].op_type);
        free(g->nodes[i].in);
        free(g->nodes[i].out);
        free_attrs(&g->nodes[i]);
    }
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
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

/* arr (n of *cap elements used) with room for one more: the capacity doubles, from 64; NULL when
 * out of memory (arr unchanged) */
static void *grow(void *arr, int n, int *cap, size_t elem)
{
    if (n < *cap) return arr;
    int c = *cap ? *cap * 2 : 64;
    void *p = realloc(arr, elem * (size_t)c);
    if (p) *cap = c;
    return p;
}

int dlk_graph_value(dlk_graph *g, const char *name)
{
    int v = dlk_graph_find(g, name);
    if (v >= 0) return v;
    dlk_value *nv = grow(g->values, g->n_values, &g->cap_values, sizeof *nv);
    if (!nv) return -1;
    g->values = nv;
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
    for (;; g->const_seq++) {
        snprintf(name, sizeof name, "%.200s__dlk%d", hint, g->const_seq);
        if (dlk_graph_find(g, name) < 0) break;
    }
    g->const_seq++;
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
    dlk_node *nn = grow(g->nodes, g->n_nodes, &g->cap_nodes, sizeof *nn);
    if (!nn) return -1;
    g->nodes = nn;
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

/* room for one more attribute of node, zeroed and named (not yet counted); NULL when out of memory */
static dlk_attr *attr_slot(dlk_graph *g, int node, const char *name)
{
    dlk_node *n = &g->nodes[node];
    dlk_attr *a = realloc(n->attrs, sizeof *a * (n->n_attrs + 1));
    if (!a) return NULL;
    n->attrs = a;
    a = &n->attrs[n->n_attrs];
    memset(a, 0, sizeof *a);
    a->name = xstrdup(name);
    return a->name ? a : NULL;
}

int dlk_node_add_attr_int(dlk_graph *g, int node, const char *name, int64_t v)
{
    dlk_attr *a = attr_slot(g, node, name);
    if (!a) return -1;
    a->type = DLK_ATTR_INT;
    a->i = v;
    g->nodes[node].n_attrs++;
    return 0;
}

int dlk_node_add_attr_float(dlk_graph *g, int node, const char *name, float v)
{
    dlk_attr *a = attr_slot(g, node, name);
    if (!a) return -1;
    a->type = DLK_ATTR_FLOAT;
    a->f = v;
    g->nodes[node].n_attrs++;
    return 0;
}

int dlk_node_add_attr_ints(dlk_graph *g, int node, const char *name, const int64_t *v, int n)
{
    dlk_attr *a = attr_slot(g, node, name);
    if (!a) return -1;
    a->ints = malloc(sizeof(int64_t) * (n ? n : 1));
    if (!a->ints) {
        free(a->name);
        return -1;
    }
    memcpy(a->ints, v, sizeof(int64_t) * n);
    a->n = n;
    a->type = DLK_ATTR_INTS;
    g->nodes[node].n_attrs++;
    return 0;
}

int dlk_node_add_attr_str(dlk_graph *g, int node, const char *name, const char *v)
{
    dlk_attr *a = attr_slot(g, node, name);
    if (!a) return -1;
    a->s = xstrdup(v);
    if (!a->s) {
        free(a->name);
        return -1;
    }
    a->type = DLK_ATTR_STRING;
    g->nodes[node].n_attrs++;
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

/* Kahn's algorithm in linear time, keeping the order the former repeated file-order sweeps gave:
 * a node goes in sweep max over its producers p of sweep(p) + (p after it in the file), and nodes
 * are placed by (sweep, file position). A file already in topological order keeps its order. */
/* The uses of activations (not constants, not graph inputs) by live nodes: counted (pending per
 * node, ustart[v + 1] per value, *nuse in all) when users is NULL, else each recorded in users at
 * fill[v]++. */
static void walk_uses(const dlk_graph *g, int *pending, int *ustart, int *nuse, int *users, int *fill)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *nd = &g->nodes[i];
        if (nd->dead) continue;
        for (int s = 0; s < nd->n_in; s++) {
            int v = nd->in[s];
            if (v < 0 || g->values[v].is_const || g->values[v].is_input) continue;
            if (users) {
                users[fill[v]++] = i;
            } else {
                pending[i]++;
                ustart[v + 1]++;
                (*nuse)++;
            }
        }
    }
}

int dlk_graph_finalize(dlk_graph *g, dlk_err *err)
{
    int n = g->n_nodes, nv = g->n_values, live = 0;
    for (int i = 0; i < n; i++) live += !g->nodes[i].dead;
    int *prod = malloc(sizeof(int) * (nv ? nv : 1));      /* value -> producing node (file index) */
    int *pending = calloc(n ? n : 1, sizeof(int));        /* inputs not yet produced */
    int *sweep = calloc(n ? n : 1, sizeof(int));
    int *queue = malloc(sizeof(int) * (n ? n : 1));
    int *ustart = calloc((size_t)nv + 1, sizeof(int));    /* CSR: value -> consuming nodes */
    int *users = NULL;
    int *bucket = NULL, *bstart = NULL;
    dlk_node *sorted = malloc(sizeof *sorted * (live ? live : 1));
    int rc = -1, nuse = 0;
    if (!prod || !pending || !sweep || !queue || !ustart || !sorted) { dlk_fail(err, "%s: out of memory", g->path); goto done; }
    for (int v = 0; v < nv; v++) {
        prod[v] = -1;
        g->values[v].producer = -1;
    }
    for (int i = 0; i < n; i++) {
        dlk_node *nd = &g->nodes[i];
        if (nd->dead) continue;
        for (int s = 0; s < nd->n_out; s++) {
            int v = nd->out[s];
            if (v < 0) continue;
            if (prod[v] >= 0 || g->values[v].is_const || g->values[v].is_input) {
                dlk_fail(err, "%s: node '%s' (%s): output '%s' is produced twice", g->path, nd->name, nd->op_type,
                         g->values[v].name);
                goto done;
            }
            prod[v] = i;
        }
    }
    walk_uses(g, pending, ustart, &nuse, NULL, NULL);
    for (int v = 0; v < nv; v++) ustart[v + 1] += ustart[v];
    users = malloc(sizeof(int) * (nuse ? nuse : 1));
    int *fill = malloc(sizeof(int) * (nv ? nv : 1));
    if (!users || !fill) { free(fill); dlk_fail(err, "%s: out of memory", g->path); goto done; }
    memcpy(fill, ustart, sizeof(int) * (nv ? nv : 0));
    walk_uses(g, NULL, NULL, NULL, users, fill);
    free(fill);
    int head = 0, tail = 0, maxsweep = 0;
    for (int i = 0; i < n; i++)
        if (!g->nodes[i].dead && !pending[i]) queue[tail++] = i;
    while (head < tail) {
        int i = queue[head++];
        dlk_node *nd = &g->nodes[i];
        if (sweep[i] > maxsweep) maxsweep = sweep[i];
        for (int s = 0; s < nd->n_out; s++) {
            int v = nd->out[s];
            if (v < 0) continue;
            for (int u = ustart[v]; u < ustart[v + 1]; u++) {
                int j = users[u];
                int sw = sweep[i] + (i > j);
                if (sw > sweep[j]) sweep[j] = sw;
                if (--pending[j] == 0) queue[tail++] = j;
            }
        }
    }
    if (tail < live) {
        for (int i = 0; i < n; i++) {
            dlk_node *nd = &g->nodes[i];
            if (nd->dead || !pending[i]) continue;
            for (int s = 0; s < nd->n_in; s++) {
                int v = nd->in[s];
                if (v >= 0 && !g->values[v].is_const && !g->values[v].is_input && prod[v] < 0) {
                    dlk_fail(err, "%s: node '%s' (%s): input '%s' is never produced", g->path, nd->name, nd->op_type,
                             g->values[v].name);
                    goto done;
                }
            }
        }
        for (int i = 0; i < n; i++)
            if (!g->nodes[i].dead && pending[i]) {
                dlk_fail(err, "%s: the graph has a cycle (through node '%s' (%s))", g->path, g->nodes[i].name,
                         g->nodes[i].op_type);
                goto done;
            }
        dlk_fail(err, "%s: the graph has a cycle", g->path);
        goto done;
    }
    for (int o = 0; o < g->n_outputs; o++) {
        int v = g->outputs[o];
        if (prod[v] < 0 && !g->values[v].is_const && !g->values[v].is_input) {
            dlk_fail(err, "%s: graph output '%s' is never produced", g->path, g->values[v].name);
            goto done;
        }
    }
    /* bucket by sweep, file order within a sweep */
    bstart = calloc((size_t)maxsweep + 2, sizeof(int));
    bucket = malloc(sizeof(int) * (live ? live : 1));
    if (!bstart || !bucket) { dlk_fail(err, "%s: out of memory", g->path); goto done; }
    for (int i = 0; i < n; i++)
        if (!g->nodes[i].dead) bstart[sweep[i] + 1]++;
    for (int k = 0; k <= maxsweep; k++) bstart[k + 1] += bstart[k];
    for (int i = 0; i < n; i++)
        if (!g->nodes[i].dead) bucket[bstart[sweep[i]]++] = i;
    for (int k = 0; k < live; k++) {
        sorted[k] = g->nodes[bucket[k]];
        for (int s = 0; s < sorted[k].n_out; s++)
            if (sorted[k].out[s] >= 0) g->values[sorted[k].out[s]].producer = k;
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
    g->n_nodes = g->cap_nodes = live;
    rc = 0;
done:
    free(prod);
    free(pending);
    free(sweep);
    free(queue);
    free(ustart);
    free(users);
    free(bucket);
    free(bstart);
    free(sorted);
    return rc;
}
