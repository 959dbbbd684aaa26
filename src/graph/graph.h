/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The intermediate representation: a graph of nodes over values, independent of ONNX's protobuf
 * encoding. A value is a tensor name with a declared type and shape; a constant value carries its
 * data. Passes (passes.c) rewrite the graph in place; contexts (runtime/) give every value a
 * concrete shape and a place in the arena.
 */
#ifndef DLK_GRAPH_H
#define DLK_GRAPH_H

#include "dlakit.h"

struct dlk_opdef;

/* The most inputs and outputs of a node that dlakit runs (dlk_ops_resolve refuses more) */
#define DLK_NODE_MAX_IN 64
#define DLK_NODE_MAX_OUT 16

typedef struct {
    char *name;
    dlk_shape shape;            /* declared (graph inputs/outputs, constants); dims < 0 unknown */
    char *dim_param[DLK_MAX_DIMS];
    void *data;                 /* constant data, owned; NULL for activations */
    int is_const;
    int is_input, is_output;    /* graph input / output */
    int producer;               /* node index or -1 */
} dlk_value;

typedef enum { DLK_ATTR_INT, DLK_ATTR_FLOAT, DLK_ATTR_STRING, DLK_ATTR_INTS, DLK_ATTR_FLOATS } dlk_attr_type;

typedef struct {
    char *name;
    dlk_attr_type type;
    int64_t i;
    float f;
    char *s;
    int n;                      /* element count of ints / floats */
    int64_t *ints;
    float *floats;
} dlk_attr;

typedef struct {
    const struct dlk_opdef *op; /* its operator (ops/ops.h: dlk_ops_resolve), opaque here */
    char *name;
    char *op_type;              /* as in the file */
    int n_in, n_out;
    int *in;                    /* value indices; -1 for an absent optional input */
    int *out;
    int n_attrs;
    dlk_attr *attrs;
    int dead;                   /* removed by a pass */
} dlk_node;

typedef struct {
    dlk_value *values;
    int n_values, cap_values;
    dlk_node *nodes;
    int n_nodes, cap_nodes;
    int *inputs, n_inputs;      /* graph inputs that are not constants, in file order */
    int *outputs, n_outputs;
    int opset;                  /* default-domain opset */
    int ms_opset;               /* com.microsoft opset, 0 if not imported */
    char *path;                 /* file name for messages */
    /* name -> value index hash */
    int *hash;
    int hash_cap;
    int const_seq;              /* next suffix for dlk_graph_add_const's names (linear, not rescanned) */
} dlk_graph;

void dlk_graph_init(dlk_graph *g, const char *path);
void dlk_graph_free(dlk_graph *g);
/* Returns the value index for name, creating an empty activation value if absent; -1 on OOM. */
int dlk_graph_value(dlk_graph *g, const char *name);
int dlk_graph_find(const dlk_graph *g, const char *name);
/* Adds a constant value (data copied) with a fresh unique name derived from hint. */
int dlk_graph_add_const(dlk_graph *g, const char *hint, const dlk_shape *shape, const void *data);
/* Appends a node; in/out arrays copied. Returns its index or -1. */
int dlk_graph_add_node(dlk_graph *g, const char *name, const char *op_type, const int *in, int n_in,
                       const int *out, int n_out);
int dlk_node_add_attr_int(dlk_graph *g, int node, const char *name, int64_t v);
int dlk_node_add_attr_float(dlk_graph *g, int node, const char *name, float v);
int dlk_node_add_attr_str(dlk_graph *g, int node, const char *name, const char *v);
int dlk_node_add_attr_ints(dlk_graph *g, int node, const char *name, const int64_t *v, int n);

/* Attribute lookup */
const dlk_attr *dlk_attr_find(const dlk_node *n, const char *name);
int64_t dlk_attr_int(const dlk_node *n, const char *name, int64_t def);
float dlk_attr_float(const dlk_node *n, const char *name, float def);
const char *dlk_attr_str(const dlk_node *n, const char *name, const char *def);
/* ints attribute: returns count (-1 if absent) and the pointer */
int dlk_attr_ints(const dlk_node *n, const char *name, const int64_t **v);

/* Consumers of a value among live nodes: count, and the first consumer (node index, slot). */
int dlk_graph_consumers(const dlk_graph *g, int value, int *first_node, int *first_slot);
/* Recomputes producers and sorts live nodes topologically (dropping dead ones). Fails on a cycle
 * or a value used before any producer. */
int dlk_graph_finalize(dlk_graph *g, dlk_err *err);

#endif
