/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Training (src/train): every backward pass against central finite differences of the forward
 * pass. Conv (pointwise, padded 3x3 stride 2, grouped and dilated, 7x7) and MaxPool on their own
 * with L = sum(r * y) (linear in each parameter: the differences are exact up to rounding); a small
 * network of every trained operator (Conv incl. grouped, Relu, MaxPool, Add, Concat,
 * GlobalAveragePool, the classifier, Flatten) with softmax cross-entropy; which parameters each
 * --train mode trains; AdamW and SGD steps against hand-computed values; a batch on 1 and 3
 * threads gives the same loss, and the same thread count the same gradient bits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/run.h"

static float frand(uint64_t *s) { return 2 * dlk_rng_unif(s) - 1; }

typedef struct {
    int cin, h, w, cout, group, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} conv_case;

static double conv_loss(const conv_case *c, const float *x, const float *w, const float *b, const float *r, const dlk_tnode *t,
                        int ho, int wo, float *y, float *col)
{
    dlk_conv_fwd(x, c->cin, c->h, c->w, w, b, c->cout, t, ho, wo, y, col);
    double l = 0;
    for (int i = 0; i < c->cout * ho * wo; i++) l += (double)r[i] * y[i];
    return l;
}

/* analytic vs (L(p + e) - L(p - e)) / 2e for every element of p */
static void check_fd(float *p, int n, const float *ana, double (*L)(void *), void *ctx, float eps, double tol)
{
    for (int i = 0; i < n; i++) {
        float keep = p[i];
        p[i] = keep + eps;
        double lp = L(ctx);
        p[i] = keep - eps;
        double lm = L(ctx);
        p[i] = keep;
        double num = (lp - lm) / (2.0 * eps);
        if (fabs(num - ana[i]) > tol * (1 + fabs(num))) {
            print_error("element %d: analytic %.6g, finite differences %.6g\n", i, ana[i], num);
            fail();
        }
    }
}

typedef struct {
    const conv_case *c;
    float *x, *w, *b, *r, *y, *col;
    dlk_tnode t;
    int ho, wo;
} conv_ctx;

static double conv_L(void *p)
{
    conv_ctx *k = p;
    return conv_loss(k->c, k->x, k->w, k->b, k->r, &k->t, k->ho, k->wo, k->y, k->col);
}

static void test_conv_grad(void **state)
{
    (void)state;
    static const conv_case cases[] = {
        {6, 5, 4, 4, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},   /* pointwise (no im2col) */
        {3, 7, 6, 5, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},   /* 3x3, stride 2, pad 1 */
        {4, 8, 7, 6, 2, 3, 3, 1, 1, 2, 2, 2, 1, 2, 1},   /* 2 groups, dilation 2, uneven pads */
        {3, 9, 9, 2, 1, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3},   /* the stem's 7x7 */
        {4, 5, 5, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* depthwise */
    };
    uint64_t s = 7;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const conv_case *c = &cases[ci];
        conv_ctx k = {c, NULL, NULL, NULL, NULL, NULL, NULL, {0}, 0, 0};
        k.t = (dlk_tnode){.kind = DLK_TN_CONV, .group = c->group, .kh = c->kh, .kw = c->kw, .sh = c->sh, .sw = c->sw,
                          .dh = c->dh, .dw = c->dw, .pt = c->pt, .pl = c->pl};
        k.ho = (c->h + c->pt + c->pb - c->dh * (c->kh - 1) - 1) / c->sh + 1;
        k.wo = (c->w + c->pl + c->pr - c->dw * (c->kw - 1) - 1) / c->sw + 1;
        int nx = c->cin * c->h * c->w, nw = c->cout * c->cin / c->group * c->kh * c->kw, ny = c->cout * k.ho * k.wo;
        int ncol = c->cin / c->group * c->kh * c->kw * k.ho * k.wo;
        k.x = malloc(sizeof(float) * nx), k.w = malloc(sizeof(float) * nw), k.b = malloc(sizeof(float) * c->cout);
        k.r = malloc(sizeof(float) * ny), k.y = malloc(sizeof(float) * ny), k.col = malloc(sizeof(float) * ncol);
        float *dx = calloc(nx, sizeof(float)), *dw = calloc(nw, sizeof(float)), *db = calloc(c->cout, sizeof(float));
        float *dcol = malloc(sizeof(float) * ncol);
        for (int i = 0; i < nx; i++) k.x[i] = frand(&s);
        for (int i = 0; i < nw; i++) k.w[i] = frand(&s);
        for (int i = 0; i < c->cout; i++) k.b[i] = frand(&s);
        for (int i = 0; i < ny; i++) k.r[i] = frand(&s);
        dlk_conv_bwd(k.x, c->cin, c->h, c->w, k.w, c->cout, &k.t, k.ho, k.wo, k.r, dx, dw, db, k.col, dcol);
        check_fd(k.x, nx, dx, conv_L, &k, 0.05f, 1e-3);
        check_fd(k.w, nw, dw, conv_L, &k, 0.05f, 1e-3);
        check_fd(k.b, c->cout, db, conv_L, &k, 0.05f, 1e-3);
        /* the gradient is added to what is there */
        float *dx2 = malloc(sizeof(float) * nx);
        for (int i = 0; i < nx; i++) dx2[i] = 1.0f;
        dlk_conv_bwd(k.x, c->cin, c->h, c->w, k.w, c->cout, &k.t, k.ho, k.wo, k.r, dx2, NULL, NULL, k.col, dcol);
        for (int i = 0; i < nx; i++) assert_float_equal(dx2[i], 1.0f + dx[i], 1e-5);
        free(dx2);
        free(k.x), free(k.w), free(k.b), free(k.r), free(k.y), free(k.col), free(dx), free(dw), free(db), free(dcol);
    }
}

typedef struct {
    float *x, *r, *y;
    dlk_tnode t;
    int c, h, w, ho, wo;
} pool_ctx;

static double pool_L(void *p)
{
    pool_ctx *k = p;
    dlk_maxpool_fwd(k->x, k->c, k->h, k->w, &k->t, k->ho, k->wo, k->y);
    double l = 0;
    for (int i = 0; i < k->c * k->ho * k->wo; i++) l += (double)k->r[i] * k->y[i];
    return l;
}

static void test_maxpool_grad(void **state)
{
    (void)state;
    /* 2x2 stride 2 (DLA's) and 3x3 stride 2 pad 1 (overlapping windows, padding) */
    const dlk_tnode ts[2] = {{.kind = DLK_TN_MAXPOOL, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .dh = 1, .dw = 1},
                             {.kind = DLK_TN_MAXPOOL, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pt = 1, .pl = 1}};
    const int pads[2] = {0, 1};
    uint64_t s = 11;
    for (int ti = 0; ti < 2; ti++) {
        pool_ctx k = {NULL, NULL, NULL, ts[ti], 3, 6, 7, 0, 0};
        k.ho = (k.h + 2 * pads[ti] - k.t.kh) / k.t.sh + 1;
        k.wo = (k.w + 2 * pads[ti] - k.t.kw) / k.t.sw + 1;
        int nx = k.c * k.h * k.w, ny = k.c * k.ho * k.wo;
        k.x = malloc(sizeof(float) * nx), k.r = malloc(sizeof(float) * ny), k.y = malloc(sizeof(float) * ny);
        float *dx = calloc(nx, sizeof(float));
        /* distinct values 0.1 apart: a difference of 0.01 moves no maximum */
        for (int i = 0; i < nx; i++) k.x[i] = 0.1f * (float)((i * 37) % nx);
        for (int i = 0; i < ny; i++) k.r[i] = frand(&s);
        dlk_maxpool_bwd(k.x, k.c, k.h, k.w, &k.t, k.ho, k.wo, k.r, dx);
        check_fd(k.x, nx, dx, pool_L, &k, 0.01f, 1e-3);
        /* ties: the first maximum of the window takes the gradient */
        for (int i = 0; i < nx; i++) k.x[i] = 1.0f, dx[i] = 0;
        dlk_maxpool_bwd(k.x, k.c, k.h, k.w, &k.t, k.ho, k.wo, k.r, dx);
        if (ti == 0) assert_float_equal(dx[0], k.r[0], 0), assert_float_equal(dx[1], 0, 0), assert_float_equal(dx[7], 0, 0);
        free(k.x), free(k.r), free(k.y), free(dx);
    }
}

/* ---- a small network of every trained operator ---------------------------------------------- */

static int act(dlk_graph *g, const char *name) { return dlk_graph_value(g, name); }

static int cst(dlk_graph *g, const char *hint, int ndim, const int64_t *dims, uint64_t *s, float scale)
{
    dlk_shape sh = {DLK_FLOAT, ndim, {0}};
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) sh.dims[i] = dims[i], n *= dims[i];
    float *d = malloc(sizeof(float) * n);
    for (int64_t i = 0; i < n; i++) d[i] = frand(s) * scale;
    int v = dlk_graph_add_const(g, hint, &sh, d);
    free(d);
    return v;
}

static void conv(dlk_graph *g, const char *name, int x, int y, int cout, int cin_g, int k, int stride, int pad, int group, uint64_t *s)
{
    int64_t wd[4] = {cout, cin_g, k, k}, bd[1] = {cout};
    int in[3] = {x, cst(g, "w", 4, wd, s, 0.6f), cst(g, "b", 1, bd, s, 0.2f)};
    int n = dlk_graph_add_node(g, name, "Conv", in, 3, &y, 1);
    int64_t ks[2] = {k, k}, st[2] = {stride, stride}, pads[4] = {pad, pad, pad, pad};
    dlk_node_add_attr_ints(g, n, "kernel_shape", ks, 2);
    dlk_node_add_attr_ints(g, n, "strides", st, 2);
    dlk_node_add_attr_ints(g, n, "pads", pads, 4);
    dlk_node_add_attr_int(g, n, "group", group);
}

static void node1(dlk_graph *g, const char *op, int x, int y) { dlk_graph_add_node(g, op, op, &x, 1, &y, 1); }

/* input 1x3x8x8 -> conv3x3 (4) -> relu a; a -> maxpool 2x2 -> p; a -> conv3x3 s2 2 groups -> q; p + q
 * -> relu r; concat(r, p) -> conv1x1 (6) -> relu -> GAP -> conv1x1 (3 classes) -> flatten */
static void build_graph(dlk_graph *g, uint64_t seed)
{
    uint64_t s = seed;
    dlk_graph_init(g, "test.onnx");
    int x = act(g, "x");
    g->values[x].shape = (dlk_shape){DLK_FLOAT, 4, {1, 3, 8, 8}};
    g->values[x].is_input = 1;
    g->inputs = malloc(sizeof(int)), g->inputs[0] = x, g->n_inputs = 1;
    int c0 = act(g, "c0"), a = act(g, "a"), p = act(g, "p"), q = act(g, "q"), sm = act(g, "sum"), r = act(g, "r");
    int cat = act(g, "cat"), c1 = act(g, "c1"), r1 = act(g, "r1"), gp = act(g, "gap"), fc = act(g, "fc"), y = act(g, "y");
    conv(g, "conv0", x, c0, 4, 3, 3, 1, 1, 1, &s);
    node1(g, "Relu", c0, a);
    int mp = dlk_graph_add_node(g, "pool", "MaxPool", &a, 1, &p, 1);
    int64_t k2[2] = {2, 2};
    dlk_node_add_attr_ints(g, mp, "kernel_shape", k2, 2);
    dlk_node_add_attr_ints(g, mp, "strides", k2, 2);
    conv(g, "conv_g", a, q, 4, 2, 3, 2, 1, 2, &s);
    int ab[2] = {p, q};
    dlk_graph_add_node(g, "add", "Add", ab, 2, &sm, 1);
    node1(g, "Relu", sm, r);
    int cc[2] = {r, p};
    int cn = dlk_graph_add_node(g, "cat", "Concat", cc, 2, &cat, 1);
    dlk_node_add_attr_int(g, cn, "axis", 1);
    conv(g, "conv1", cat, c1, 6, 8, 1, 1, 0, 1, &s);
    node1(g, "Relu", c1, r1);
    node1(g, "GlobalAveragePool", r1, gp);
    conv(g, "fc", gp, fc, 3, 6, 1, 1, 0, 1, &s);
    node1(g, "Flatten", fc, y);
    g->values[y].is_output = 1;
    g->values[y].shape = (dlk_shape){DLK_FLOAT, 2, {1, 3}};
    g->outputs = malloc(sizeof(int)), g->outputs[0] = y, g->n_outputs = 1;
    dlk_err err;
    assert_int_equal(dlk_graph_finalize(g, &err), 0);
}

typedef struct {
    dlk_tnet *n;
    dlk_twork *wk;
    const float *x;
    int label;
} net_ctx;

static double net_L(void *p)
{
    net_ctx *k = p;
    memcpy(k->wk->act[k->n->input], k->x, sizeof(float) * dlk_tval_size(k->n, k->n->input));
    dlk_tnet_forward(k->n, k->wk, 0, k->n->n_nodes);
    return dlk_tnet_loss(k->n, k->wk, k->label);
}

static void test_network_grad(void **state)
{
    (void)state;
    dlk_graph g;
    dlk_tnet n;
    dlk_twork wk;
    dlk_err err;
    build_graph(&g, 3);
    assert_int_equal(dlk_tnet_build(&n, &g, 8, 8, &err), 0);
    assert_int_equal(n.n_nodes, 12);
    assert_int_equal(n.n_params, 4);
    assert_int_equal(dlk_tnet_setup(&n, DLK_TRAIN_ALL, 3, 5, &err), 0);
    assert_int_equal(n.start, 0);
    assert_int_equal(dlk_twork_init(&wk, &n, &err), 0);
    uint64_t s = 99;
    float x[3 * 64];
    for (int i = 0; i < 3 * 64; i++) x[i] = frand(&s) * 2;
    net_ctx k = {&n, &wk, x, 2};
    dlk_twork_zero_grads(&wk, &n);
    double l0 = net_L(&k);
    assert_true(l0 > 0);
    dlk_tnet_backward(&n, &wk);
    /* copies: the finite differences run the same work buffers */
    for (int p = 0; p < n.n_params; p++) {
        float *gw = malloc(sizeof(float) * n.params[p].nw), *gb = malloc(sizeof(float) * n.params[p].nb);
        memcpy(gw, wk.gw[p], sizeof(float) * n.params[p].nw);
        memcpy(gb, wk.gb[p], sizeof(float) * n.params[p].nb);
        /* eps 1e-3: small enough that no Relu or maximum switches for these values */
        check_fd(n.params[p].w, (int)n.params[p].nw, gw, net_L, &k, 1e-3f, 2e-2);
        check_fd(n.params[p].b, (int)n.params[p].nb, gb, net_L, &k, 1e-3f, 2e-2);
        free(gw), free(gb);
    }
    dlk_twork_free(&wk, &n);
    dlk_tnet_free(&n);
    dlk_graph_free(&g);
}

static void test_modes(void **state)
{
    (void)state;
    dlk_graph g;
    dlk_tnet n;
    dlk_err err;
    build_graph(&g, 4);
    /* head: the classifier only, after GAP's output */
    assert_int_equal(dlk_tnet_build(&n, &g, 8, 8, &err), 0);
    assert_int_equal(dlk_tnet_setup(&n, DLK_TRAIN_HEAD, 7, 1, &err), 0);
    assert_int_equal(n.classes, 7);
    assert_int_equal(n.start, 10);
    assert_int_equal(n.params[3].nb, 7);
    assert_int_equal(n.params[3].nw, 7 * 6);
    for (int p = 0; p < 4; p++) assert_int_equal(n.params[p].trainable, p == 3);
    dlk_tnet_free(&n);
    /* last: after the last separating value of another size than the last spatial one (a, 8x8:
     * the 4x4 stage and on trains) */
    assert_int_equal(dlk_tnet_build(&n, &g, 8, 8, &err), 0);
    assert_int_equal(dlk_tnet_setup(&n, DLK_TRAIN_LAST, 3, 1, &err), 0);
    assert_int_equal(n.start, 2);
    for (int p = 0; p < 4; p++) assert_int_equal(n.params[p].trainable, p > 0);
    /* the classifier written back: shapes and the graph's output */
    assert_int_equal(dlk_tnet_store(&n, &g, &err), 0);
    dlk_tnet_free(&n);
    /* an operator with no backward pass is refused by name */
    g.nodes[1].op_type[0] = 'S'; /* "Selu" */
    assert_int_equal(dlk_tnet_build(&n, &g, 8, 8, &err), -1);
    assert_non_null(strstr(err.msg, "Selu has no backward pass"));
    dlk_tnet_free(&n);
    dlk_graph_free(&g);
}

static void test_optim(void **state)
{
    (void)state;
    dlk_tparam p = {0};
    float w = 1.0f, b = 0.0f, mw = 0, vw = 0, mb = 0, vb = 0, g = 0.5f, gz = 0;
    p.w = &w, p.b = &b, p.nw = 1, p.nb = 1, p.trainable = 1, p.mw = &mw, p.vw = &vw, p.mb = &mb, p.vb = &vb;
    dlk_tnet n = {0};
    n.params = &p, n.n_params = 1;
    float *gw[1] = {&g}, *gb[1] = {&gz};
    dlk_err err;
    dlk_optim o = {DLK_OPT_ADAMW, 0.1, 0.01, 0.9, 0.999, 1e-8, 0.9, 0};
    assert_int_equal(dlk_optim_step(&o, &n, gw, gb, &err), 0);
    assert_float_equal(w, 0.999 - 0.1, 1e-6); /* decay, then lr * mhat / sqrt(vhat) = 0.1 */
    w = 1.0f, mw = vw = 0;
    dlk_optim o2 = {DLK_OPT_SGD, 0.1, 0.01, 0.9, 0.999, 1e-8, 0.9, 0};
    assert_int_equal(dlk_optim_step(&o2, &n, gw, gb, &err), 0);
    assert_float_equal(w, 0.949, 1e-6);
    assert_int_equal(dlk_optim_step(&o2, &n, gw, gb, &err), 0);
    assert_float_equal(w, 0.949 - 0.1 * (0.9 * 0.51 + 0.5 + 0.01 * 0.949), 1e-6);
    o2.lr = 0;
    assert_int_equal(dlk_optim_step(&o2, &n, gw, gb, &err), -1);
}

static void test_threads(void **state)
{
    (void)state;
    dlk_graph g;
    dlk_tnet n;
    dlk_err err;
    build_graph(&g, 5);
    assert_int_equal(dlk_tnet_build(&n, &g, 8, 8, &err), 0);
    assert_int_equal(dlk_tnet_setup(&n, DLK_TRAIN_ALL, 3, 2, &err), 0);
    enum { B = 7 };
    float xs[B][3 * 64];
    const float *px[B];
    int labels[B], pred[B];
    uint64_t s = 5;
    for (int i = 0; i < B; i++) {
        for (int k = 0; k < 3 * 64; k++) xs[i][k] = frand(&s);
        px[i] = xs[i], labels[i] = i % 3;
    }
    dlk_twork wk[3];
    for (int t = 0; t < 3; t++) assert_int_equal(dlk_twork_init(&wk[t], &n, &err), 0);
    double l1, l3, l3b;
    int c1, c3;
    dlk_tbatch b = {DLK_TJOB_TRAIN, px, 1, labels, B, NULL, pred};
    assert_int_equal(dlk_tbatch_run(&n, wk, 1, &b, &l1, &c1, &err), 0);
    float g1 = wk[0].gw[0][0];
    assert_int_equal(dlk_tbatch_run(&n, wk, 3, &b, &l3, &c3, &err), 0);
    float g3 = wk[0].gw[0][0];
    assert_int_equal(dlk_tbatch_run(&n, wk, 3, &b, &l3b, &c3, &err), 0);
    assert_true(l3 == l3b && g3 == wk[0].gw[0][0]);
    assert_true(fabs(l1 - l3) < 1e-9 * (1 + fabs(l1)));
    assert_float_equal(g1, g3, 1e-5 * (1 + fabsf(g1)));
    assert_int_equal(c1, c3);
    for (int t = 0; t < 3; t++) dlk_twork_free(&wk[t], &n);
    dlk_tnet_free(&n);
    dlk_graph_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_grad), cmocka_unit_test(test_maxpool_grad), cmocka_unit_test(test_network_grad),
        cmocka_unit_test(test_modes),     cmocka_unit_test(test_optim),        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
