/* SPDX-License-Identifier: Apache-2.0 */
/* The quantized graph: ORT quantize_static's rules for the DLA classifiers' operators, in QDQ or
 * QOperator form, with ORT's tensor and node names. */
#include "quant.h"
#include "ops/conv.h"
#include "ops/elem.h"
#include "ops/pool.h"
#include "ops/quant.h"
#include "ops/shape.h"
#include "util/err.h"

#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 1024

/* numpy.round: half to even (the default rounding mode of nearbyint). */
static double round_even(double x) { return nearbyint(x); }

void dlk_quant_scale_zp(float rmin, float rmax, int qmin, int qmax, int symmetric, float *scale, int *zp)
{
    if (rmin > 0) rmin = 0; /* numpy.minimum(rmin, 0) */
    if (rmax < 0) rmax = 0;
    if (symmetric) {
        float a = fmaxf(fabsf(rmin), fabsf(rmax));
        rmin = -a;
        rmax = a;
    }
    double dr = (double)(float)(rmax - rmin); /* float32 subtraction, then float64 */
    double s = dr / ((double)qmax - (double)qmin);
    if (s < 1.17549435e-38) { /* numpy.finfo(float32).tiny */
        *scale = 1.0f;
        *zp = 0;
        return;
    }
    if (symmetric) *zp = (int)round_even((qmin + qmax) / 2.0);
    else *zp = (int)round_even((double)qmin - (double)rmin / s);
    *scale = (float)s;
}

typedef enum { K_NONE, K_CONV, K_ADD, K_CONCAT, K_MAXPOOL, K_GAP, K_FLATTEN, K_RESHAPE, K_RELU } kind;

typedef struct {
    const dlk_calib *c;
    const dlk_graph *g;
    dlk_graph *o;
    const dlk_quant_opts *op;
    dlk_dtype at;        /* activation type */
    int qmin, qmax;
    int *alias;          /* canonical value of each value */
    int *range_of;       /* value whose statistics give a canonical value's range */
    char *quant;         /* canonical value is quantized */
    int *share;          /* canonical value takes another's scale and zero point (-1: its own) */
    kind *nk;            /* per node: its kind if quantized, K_NONE if left in float */
    char *folded;        /* Relu nodes folded into the node before */
    int *ps, *pz;        /* out-graph scale / zero point values of quantized canonical values */
    float *scale;
    int *zp;
    char *emitted;       /* Q (QOp: Q or DQ) already emitted for a value */
    int *wq, *wsv, *wzv; /* per weight value: out-graph quantized data, scale, zero point */
    float **wscale;      /* per weight value: its per-channel scales */
    int *nws;
} qb;

/* the float model's nodes are resolved: their operators say what they are */
static kind kind_of(const dlk_node *n)
{
    switch (n->op->id) {
    case DLK_OP_Conv: return K_CONV;
    case DLK_OP_Add: return K_ADD;
    case DLK_OP_Concat: return K_CONCAT;
    case DLK_OP_MaxPool: return K_MAXPOOL;
    case DLK_OP_GlobalAveragePool: return K_GAP;
    case DLK_OP_Flatten: return K_FLATTEN;
    case DLK_OP_Reshape: return K_RESHAPE;
    case DLK_OP_Relu: return K_RELU;
    default: return K_NONE;
    }
}

/* ops whose output takes the input's scale and zero point (ORT's QDQDirect8BitOp) */
static int is_direct(kind k) { return k == K_MAXPOOL || k == K_FLATTEN || k == K_RESHAPE; }

static const char *vname(const qb *b, int v) { return b->g->values[v].name; }

static int is_excluded(const dlk_quant_opts *o, const char *name)
{
    for (int i = 0; i < o->n_exclude; i++)
        if (!strcmp(o->exclude[i], name)) return 1;
    return 0;
}

static int excluded(const qb *b, const char *name) { return is_excluded(b->op, name); }

static int unsupported(const dlk_graph *g, const dlk_node *n, dlk_err *err)
{
    return dlk_fail(err, "%s: node '%s' (%s): dlakit cannot quantize this operator (leave it in float with "
                         "--exclude '%s')", g->path, n->name, n->op_type, n->name);
}

int dlk_quant_check(const dlk_model *m, const dlk_quant_opts *o, dlk_err *err)
{
    for (int i = 0; i < m->g.n_nodes; i++) {
        const dlk_node *n = &m->g.nodes[i];
        if (kind_of(n) == K_NONE && !is_excluded(o, n->name)) return unsupported(&m->g, n, err);
    }
    return 0;
}

/* Whether a node other than a quantized Conv's bias slot reads value v (a node left in float). */
static int float_use(const qb *b, int v)
{
    for (int i = 0; i < b->g->n_nodes; i++) {
        const dlk_node *n = &b->g->nodes[i];
        for (int s = 0; s < n->n_in; s++)
            if (n->in[s] >= 0 && b->alias[n->in[s]] == v && !(b->nk[i] == K_CONV && s == DLK_CONV_B)) return 1;
    }
    return 0;
}

static int consumers(const dlk_graph *g, int v)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int s = 0; s < g->nodes[i].n_in; s++) n += g->nodes[i].in[s] == v;
    return n;
}

/* --- building the out graph ------------------------------------------------------------------ */
static int oom(const qb *b, dlk_err *err) { return dlk_fail(err, "%s: out of memory", b->g->path); }

static int oval(qb *b, const char *name) { return dlk_graph_value(b->o, name); }

/* A constant with exactly this name (data copied). */
static int oconst(qb *b, const char *name, dlk_dtype t, int ndim, const int64_t *dims, const void *data)
{
    int v = dlk_graph_find(b->o, name);
    if (v >= 0 && b->o->values[v].is_const) return v;
    v = oval(b, name);
    if (v < 0) return -1;
    dlk_shape s = {t, ndim, {0}};
    for (int d = 0; d < ndim; d++) s.dims[d] = dims[d];
    size_t bytes = (size_t)dlk_shape_numel(&s) * dlk_dtype_size(t);
    void *p = malloc(bytes ? bytes : 1);
    if (!p) return -1;
    if (bytes) memcpy(p, data, bytes);
    b->o->values[v].shape = s;
    b->o->values[v].data = p;
    b->o->values[v].is_const = 1;
    return v;
}

static int fmtv(qb *b, const char *fmt, const char *a)
{
    char n[NAME_MAX_LEN];
    snprintf(n, sizeof n, fmt, a);
    return oval(b, n);
}

static int copy_attrs(dlk_graph *o, int ni, const dlk_node *src)
{
    dlk_node *n = &o->nodes[ni];
    n->attrs = calloc((size_t)src->n_attrs + 1, sizeof *n->attrs);
    if (!n->attrs) return -1;
    for (int a = 0; a < src->n_attrs; a++) {
        const dlk_attr *s = &src->attrs[a];
        dlk_attr *d = &n->attrs[a];
        *d = *s;
        d->name = NULL, d->s = NULL, d->ints = NULL, d->floats = NULL;
        n->n_attrs = a + 1;
        size_t ln = strlen(s->name) + 1;
        if (!(d->name = malloc(ln))) return -1;
        memcpy(d->name, s->name, ln);
        if (s->s) {
            ln = strlen(s->s) + 1;
            if (!(d->s = malloc(ln))) return -1;
            memcpy(d->s, s->s, ln);
        }
        if (s->ints) {
            if (!(d->ints = malloc(sizeof(int64_t) * (size_t)(s->n + 1)))) return -1;
            memcpy(d->ints, s->ints, sizeof(int64_t) * (size_t)s->n);
        }
        if (s->floats) {
            if (!(d->floats = malloc(sizeof(float) * (size_t)(s->n + 1)))) return -1;
            memcpy(d->floats, s->floats, sizeof(float) * (size_t)s->n);
        }
    }
    return 0;
}

static int onode(qb *b, const char *name, const char *op, const int *in, int nin, const int *out, int nout)
{
    return dlk_graph_add_node(b->o, name, op, in, nin, out, nout);
}

/* A node named "<value>_<Q or DQ op>" as ORT names them. */
static int qdq_node(qb *b, const char *value, const char *op, int x, int s, int z, int y, int axis)
{
    char n[NAME_MAX_LEN];
    snprintf(n, sizeof n, "%s_%s", value, op);
    int in[3], out[1] = {y};
    in[DLK_QDQ_X] = x, in[DLK_QDQ_SCALE] = s, in[DLK_QDQ_ZP] = z;
    int ni = onode(b, n, op, in, 3, out, 1);
    if (ni < 0) return -1;
    if (axis >= 0 && dlk_node_add_attr_int(b->o, ni, "axis", axis)) return -1;
    return ni;
}

/* Scale and zero point of every quantized canonical value (sharing ones point at their source). */
static int make_params(qb *b, int v, dlk_err *err)
{
    if (b->ps[v] >= 0) return 0;
    if (b->share[v] >= 0) {
        int s = b->share[v];
        if (make_params(b, s, err)) return -1;
        b->ps[v] = b->ps[s], b->pz[v] = b->pz[s], b->scale[v] = b->scale[s], b->zp[v] = b->zp[s];
        return 0;
    }
    float rmin, rmax;
    if (dlk_calib_range(b->c, b->range_of[v], &rmin, &rmax))
        return dlk_fail(err, "%s: value '%s' was not seen during calibration", b->g->path, vname(b, v));
    if (!isfinite(rmin) || !isfinite(rmax))
        return dlk_fail(err, "%s: value '%s' has non-finite values on the calibration data", b->g->path, vname(b, v));
    dlk_quant_scale_zp(rmin, rmax, b->qmin, b->qmax, b->op->symmetric_act, &b->scale[v], &b->zp[v]);
    if (!(isfinite(b->scale[v]) && b->scale[v] > 0))
        return dlk_fail(err, "%s: value '%s' has the range [%g, %g]: its scale %g is not a valid scale", b->g->path,
                        vname(b, v), (double)rmin, (double)rmax, (double)b->scale[v]);
    char n[NAME_MAX_LEN];
    snprintf(n, sizeof n, "%s_scale", vname(b, v));
    b->ps[v] = oconst(b, n, DLK_FLOAT, 0, NULL, &b->scale[v]);
    snprintf(n, sizeof n, "%s_zero_point", vname(b, v));
    int8_t z8 = (int8_t)b->zp[v];
    uint8_t zu = (uint8_t)b->zp[v];
    b->pz[v] = oconst(b, n, b->at, 0, NULL, b->at == DLK_INT8 ? (const void *)&z8 : (const void *)&zu);
    if (b->ps[v] < 0 || b->pz[v] < 0) return oom(b, err);
    return 0;
}

/* Room the int32 bias of a conv with `taps` products per output leaves for them: the loader (and
 * the integer kernels) need |bias| + taps * 255 * 255 <= 2^31 - 1. */
static double bias_room(int64_t taps) { return 2147483647.0 - (double)taps * 65025.0; }

/* The weight scale ws, widened where the bias would not fit: a channel whose weights are all tiny
 * but whose bias is not (a dead filter) gets round(bias / (x_scale * ws)) beyond int32, and the
 * model would not load. ORT's newer quantizer widens the weight scale the same way. */
static float fit_bias(float ws, float xs, double bmax, int64_t taps)
{
    const double room = bias_room(taps);
    if (!(room >= 1) || !(bmax > 0) || !(xs > 0)) return ws;
    const float need = (float)(bmax / ((double)xs * room));
    if (need > ws) ws = need;
    for (int it = 0; it < 64 && isfinite(ws) && round_even(bmax / (double)(xs * ws)) > room; it++)
        ws = nextafterf(ws, INFINITY);
    return ws;
}

/* ORT's per-channel (axis 0) symmetric int8 weight: scale = max|w| * 2 / 254 (float64 -> float32),
 * q = round(w / scale) in float32. bias >= 0 (a float 1-D constant) and xin (the conv's input, its
 * scale known) widen the scale of a channel whose int32 bias would not fit (fit_bias). */
static int quant_weight(qb *b, int w, int bias, int xin, dlk_err *err)
{
    if (b->wq[w] >= 0) return 0;
    const dlk_value *val = &b->g->values[w];
    if (val->shape.dtype != DLK_FLOAT || val->shape.ndim < 1)
        return dlk_fail(err, "%s: weight '%s' is not a float tensor", b->g->path, val->name);
    int64_t n = dlk_shape_numel(&val->shape);
    int ch = b->op->per_tensor ? 1 : (int)val->shape.dims[0];
    int64_t per = ch ? n / ch : 0;
    int8_t *q = malloc((size_t)n + 1);
    float *sc = malloc(sizeof(float) * (size_t)(ch + 1));
    int8_t *zp = calloc((size_t)ch + 1, 1);
    if (!q || !sc || !zp) {
        free(q), free(sc), free(zp);
        return oom(b, err);
    }
    const float *x = val->data;
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            free(q), free(sc), free(zp);
            return dlk_fail(err, "%s: weight '%s' has a non-finite value at index %lld", b->g->path, val->name, (long long)i);
        }
    for (int c = 0; c < ch; c++) {
        float mn = 0, mx = 0;
        if (per) mn = mx = x[c * per];
        for (int64_t i = 0; i < per; i++) {
            float a = x[c * per + i];
            if (a < mn) mn = a;
            if (a > mx) mx = a;
        }
        int z;
        dlk_quant_scale_zp(mn, mx, -127, 127, 1, &sc[c], &z);
        if (bias >= 0 && xin >= 0 && b->g->values[bias].shape.dtype == DLK_FLOAT && b->g->values[bias].shape.ndim == 1) {
            const dlk_value *bv = &b->g->values[bias];
            const int64_t nb = bv->shape.dims[0];
            double bmax = 0;
            const float *bd = bv->data;
            if (ch == 1) /* per tensor: the largest bias of all channels */
                for (int64_t i = 0; i < nb; i++) { /* NaNs skipped, as fmax does (gcc 12 for aarch64 fails
                                                      to vectorize an fmax reduction here: an ICE) */
                    const double a = fabs((double)bd[i]);
                    if (a > bmax) bmax = a;
                }
            else if (c < nb)
                bmax = fabs((double)bd[c]);
            if (isfinite(bmax)) sc[c] = fit_bias(sc[c], b->scale[xin], bmax, per); /* else quant_bias refuses it */
        }
        if (!(isfinite(sc[c]) && sc[c] > 0)) {
            free(q), free(sc), free(zp);
            return dlk_fail(err, "%s: weight '%s' channel %d: its scale is not a valid scale", b->g->path, val->name, c);
        }
        zp[c] = (int8_t)z;
        for (int64_t i = 0; i < per; i++) {
            float r = (float)round_even(x[c * per + i] / sc[c]) + (float)z;
            if (r < -128) r = -128;
            if (r > 127) r = 127;
            q[c * per + i] = (int8_t)r;
        }
    }
    char nm[NAME_MAX_LEN];
    int64_t cdim = ch;
    snprintf(nm, sizeof nm, "%s_quantized", val->name);
    b->wq[w] = oconst(b, nm, DLK_INT8, val->shape.ndim, val->shape.dims, q);
    snprintf(nm, sizeof nm, "%s_scale", val->name);
    b->wsv[w] = oconst(b, nm, DLK_FLOAT, b->op->per_tensor ? 0 : 1, &cdim, sc);
    snprintf(nm, sizeof nm, "%s_zero_point", val->name);
    b->wzv[w] = oconst(b, nm, DLK_INT8, b->op->per_tensor ? 0 : 1, &cdim, zp);
    free(q);
    free(zp);
    b->wscale[w] = sc;
    b->nws[w] = ch;
    if (b->wq[w] < 0 || b->wsv[w] < 0 || b->wzv[w] < 0) return oom(b, err);
    return 0;
}

/* int32 bias with scale x_scale * w_scale (float32), q = round(b / scale) in float64. */
static int quant_bias(qb *b, int bias, int w, int x, int *bq, int *bs, int *bz, dlk_err *err)
{
    const dlk_value *val = &b->g->values[bias];
    if (val->shape.dtype != DLK_FLOAT || val->shape.ndim != 1)
        return dlk_fail(err, "%s: bias '%s' is not a 1-D float tensor", b->g->path, val->name);
    int n = (int)val->shape.dims[0];
    const dlk_value *wv = &b->g->values[w];
    const int64_t taps = wv->shape.ndim >= 1 && wv->shape.dims[0] > 0 ? dlk_shape_numel(&wv->shape) / wv->shape.dims[0] : 0;
    int32_t *q = malloc(sizeof(int32_t) * (size_t)(n + 1));
    int32_t *z = calloc((size_t)n + 1, sizeof(int32_t));
    float *s = malloc(sizeof(float) * (size_t)(n + 1));
    if (!q || !z || !s) {
        free(q), free(z), free(s);
        return oom(b, err);
    }
    const float *d = val->data;
    for (int i = 0; i < n; i++) {
        float ws = b->wscale[w][b->nws[w] == 1 ? 0 : (i < b->nws[w] ? i : 0)];
        s[i] = b->scale[x] * ws;
        if (!(isfinite(s[i]) && s[i] > 0)) {
            free(q), free(z), free(s);
            return dlk_fail(err, "%s: bias '%s'[%d]: its scale x_scale * w_scale = %g * %g is not a valid scale", b->g->path,
                            val->name, i, (double)b->scale[x], (double)ws);
        }
        double r = round_even((double)d[i] / (double)s[i]);
        if (!(fabs(r) <= bias_room(taps))) {
            free(q), free(z), free(s);
            return dlk_fail(err, "%s: bias '%s'[%d] = %g does not fit in int32 with scale %g (x_scale * w_scale) and %lld taps",
                            b->g->path, val->name, i, (double)d[i], (double)(b->scale[x] * ws), (long long)taps);
        }
        q[i] = (int32_t)r;
    }
    char nm[NAME_MAX_LEN];
    int64_t dim = n;
    snprintf(nm, sizeof nm, "%s_quantized", val->name);
    *bq = oconst(b, nm, DLK_INT32, 1, &dim, q);
    snprintf(nm, sizeof nm, "%s_quantized_scale", val->name);
    *bs = oconst(b, nm, DLK_FLOAT, 1, &dim, s);
    snprintf(nm, sizeof nm, "%s_quantized_zero_point", val->name);
    *bz = oconst(b, nm, DLK_INT32, 1, &dim, z);
    free(q), free(z), free(s);
    if (*bq < 0 || *bs < 0 || *bz < 0) return oom(b, err);
    return 0;
}

/* A float constant of the source graph, copied under its name. */
static int copy_const(qb *b, int v)
{
    const dlk_value *val = &b->g->values[v];
    return oconst(b, val->name, val->shape.dtype, val->shape.ndim, val->shape.dims, val->data);
}

/* --- analysis ------------------------------------------------------------------------------- */
static int analyze(qb *b, dlk_err *err)
{
    const dlk_graph *g = b->g;
    for (int v = 0; v < g->n_values; v++) b->alias[v] = b->range_of[v] = v, b->share[v] = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        kind k = kind_of(n);
        if (excluded(b, n->name)) { b->nk[i] = K_NONE; continue; }
        if (k == K_NONE) return unsupported(g, n, err);
        b->nk[i] = k;
    }
    /* Relu after a quantized node whose output only it reads: folded (QDQRemovableActivation) */
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (b->nk[i] != K_RELU || b->op->symmetric_act || n->n_in < 1 || n->n_out < 1) continue;
        int x = n->in[0], y = n->out[0];
        if (x < 0 || y < 0) continue;
        int p = g->values[x].producer;
        if (p < 0 || b->nk[p] == K_NONE || b->nk[p] == K_RELU || consumers(g, x) != 1 || g->values[x].is_output ||
            g->values[y].is_output)
            continue;
        b->folded[i] = 1;
        if (b->op->qop) b->alias[y] = x, b->range_of[x] = y; /* QOperator: the node keeps its output name */
        else b->alias[x] = y;                                /* QDQ: the node writes the Relu's output */
    }
    /* tensors to quantize: inputs and outputs of quantized nodes */
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        kind k = b->nk[i];
        if (k == K_NONE || b->folded[i]) continue;
        int nin = k == K_ADD || k == K_CONCAT ? n->n_in : 1;
        if (n->n_in < 1 || n->n_out < 1 || n->out[0] < 0)
            return dlk_fail(err, "%s: node '%s' (%s) has no input or output", g->path, n->name, n->op_type);
        for (int s = 0; s < nin; s++)
            if (n->in[s] < 0)
                return dlk_fail(err, "%s: node '%s' (%s): input %d is missing", g->path, n->name, n->op_type, s);
        int x0 = b->alias[n->in[0]];
        if (k == K_RELU) { /* not folded: stays in float, reading its (quantized) input */
            b->nk[i] = K_NONE;
            continue;
        }
        for (int s = 0; s < nin; s++) {
            int v = b->alias[n->in[s]];
            if (v >= 0 && !g->values[v].is_const) b->quant[v] = 1;
            else if (v >= 0) return dlk_fail(err, "%s: node '%s' (%s): constant activation inputs are not supported "
                                                  "(leave it in float with --exclude)", g->path, n->name, n->op_type);
        }
        if (k == K_CONV && (n->n_in < 2 || n->in[DLK_CONV_W] < 0 || !g->values[n->in[DLK_CONV_W]].is_const))
            return dlk_fail(err, "%s: node '%s' (Conv): the weight is not a constant", g->path, n->name);
        if (k == K_CONV && n->n_in > 2 && n->in[DLK_CONV_B] >= 0 && !g->values[n->in[DLK_CONV_B]].is_const)
            return dlk_fail(err, "%s: node '%s' (Conv): the bias is not a constant", g->path, n->name);
        int y = b->alias[n->out[0]];
        b->quant[y] = 1;
        if (is_direct(k)) b->share[y] = x0;
    }
    return 0;
}

/* --- QDQ ------------------------------------------------------------------------------------ */
/* The name consumers read for canonical value v. */
static int qdq_use(qb *b, int v)
{
    const char *nm = vname(b, v);
    if (!b->quant[v] || b->g->values[v].is_output) return oval(b, nm);
    return fmtv(b, "%s_DequantizeLinear_Output", nm);
}

/* The value a producer writes for canonical value v. */
static int qdq_def(qb *b, int v)
{
    const char *nm = vname(b, v);
    if (b->quant[v] && b->g->values[v].is_output) return fmtv(b, "%s_QuantizeLinear_Input", nm);
    return oval(b, nm);
}

static int qdq_emit_pair(qb *b, int v, dlk_err *err)
{
    if (!b->quant[v] || b->emitted[v]) return 0;
    b->emitted[v] = 1;
    if (make_params(b, v, err)) return -1;
    const char *nm = vname(b, v);
    int x = qdq_def(b, v), q = fmtv(b, "%s_QuantizeLinear_Output", nm), y = qdq_use(b, v);
    if (b->g->values[v].is_output) y = oval(b, nm);
    if (x < 0 || q < 0 || y < 0) return oom(b, err);
    if (qdq_node(b, nm, "QuantizeLinear", x, b->ps[v], b->pz[v], q, -1) < 0 ||
        qdq_node(b, nm, "DequantizeLinear", q, b->ps[v], b->pz[v], y, -1) < 0)
        return oom(b, err);
    return 0;
}

static int build_qdq(qb *b, dlk_err *err)
{
    const dlk_graph *g = b->g;
    for (int i = 0; i < g->n_inputs; i++)
        if (qdq_emit_pair(b, b->alias[g->inputs[i]], err)) return -1;
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (b->folded[i]) continue;
        int in[DLK_OP_MAX_IN], out[DLK_OP_MAX_OUT];
        for (int s = 0; s < n->n_in; s++) {
            int v = n->in[s] >= 0 ? b->alias[n->in[s]] : -1;
            if (v < 0) { in[s] = -1; continue; }
            if (!g->values[v].is_const) {
                if (b->quant[v] && make_params(b, v, err)) return -1;
                in[s] = qdq_use(b, v);
            } else if (b->nk[i] == K_CONV && s == DLK_CONV_W) {
                if (quant_weight(b, v, n->n_in > DLK_CONV_B && n->in[DLK_CONV_B] >= 0 ? b->alias[n->in[DLK_CONV_B]] : -1, b->alias[n->in[DLK_CONV_X]], err)) return -1;
                int dq = fmtv(b, "%s_DequantizeLinear_Output", vname(b, v));
                if (dq < 0) return oom(b, err);
                if (!b->emitted[v]) {
                    b->emitted[v] = 1;
                    if (qdq_node(b, vname(b, v), "DequantizeLinear", b->wq[v], b->wsv[v], b->wzv[v], dq,
                                 b->op->per_tensor ? -1 : 0) < 0)
                        return oom(b, err);
                }
                in[s] = dq;
            } else if (b->nk[i] == K_CONV && s == DLK_CONV_B) {
                int w = b->alias[n->in[DLK_CONV_W]], x = b->alias[n->in[DLK_CONV_X]], bq, bs, bz;
                /* the DequantizeLinear's output takes the bias's name (as ORT writes it) unless a node
                 * left in float still reads the float bias under that name */
                int keep = float_use(b, v);
                int y = keep ? fmtv(b, "%s_DequantizeLinear_Output", vname(b, v)) : oval(b, vname(b, v));
                if (y < 0) return oom(b, err);
                if (!b->emitted[v]) {
                    b->emitted[v] = 1;
                    if (quant_bias(b, v, w, x, &bq, &bs, &bz, err)) return -1;
                    if (qdq_node(b, vname(b, v), "DequantizeLinear", bq, bs, bz, y, 0) < 0) return oom(b, err);
                }
                in[s] = y;
            } else {
                in[s] = copy_const(b, v);
            }
            if (in[s] < 0) return oom(b, err);
        }
        for (int s = 0; s < n->n_out; s++) {
            out[s] = n->out[s] >= 0 ? qdq_def(b, b->alias[n->out[s]]) : -1;
            if (n->out[s] >= 0 && out[s] < 0) return oom(b, err);
        }
        int ni = onode(b, n->name, n->op_type, in, n->n_in, out, n->n_out);
        if (ni < 0 || copy_attrs(b->o, ni, n)) return oom(b, err);
        for (int s = 0; s < n->n_out; s++)
            if (n->out[s] >= 0 && qdq_emit_pair(b, b->alias[n->out[s]], err)) return -1;
    }
    return 0;
}

/* --- QOperator ------------------------------------------------------------------------------ */
static int qop_qname(qb *b, int v) { return fmtv(b, "%s_quantized", vname(b, v)); }

/* After v's producer: Q when it was produced in float, DQ when float nodes or the graph read it. */
static int qop_after(qb *b, int v, int produced_quantized, dlk_err *err)
{
    if (!b->quant[v] || b->emitted[v]) return 0;
    b->emitted[v] = 1;
    if (make_params(b, v, err)) return -1;
    const dlk_graph *g = b->g;
    const char *nm = vname(b, v);
    if (!produced_quantized) {
        int x = oval(b, nm), q = qop_qname(b, v);
        if (x < 0 || q < 0 || qdq_node(b, nm, "QuantizeLinear", x, b->ps[v], b->pz[v], q, -1) < 0) return oom(b, err);
        return 0;
    }
    int float_use = g->values[v].is_output;
    for (int i = 0; i < g->n_nodes && !float_use; i++) {
        if (b->folded[i]) continue;
        for (int s = 0; s < g->nodes[i].n_in; s++)
            if (g->nodes[i].in[s] >= 0 && b->alias[g->nodes[i].in[s]] == v && b->nk[i] == K_NONE) float_use = 1;
    }
    if (float_use) {
        int q = qop_qname(b, v), y = oval(b, nm);
        if (q < 0 || y < 0 || qdq_node(b, nm, "DequantizeLinear", q, b->ps[v], b->pz[v], y, -1) < 0) return oom(b, err);
    }
    return 0;
}

static int build_qop(qb *b, dlk_err *err)
{
    const dlk_graph *g = b->g;
    for (int i = 0; i < g->n_inputs; i++)
        if (qop_after(b, b->alias[g->inputs[i]], 0, err)) return -1;
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        if (b->folded[i]) continue;
        kind k = b->nk[i];
        int in[DLK_OP_MAX_IN], out[DLK_OP_MAX_OUT], ni = -1;
        char nm[NAME_MAX_LEN];
        if (k == K_NONE) { /* float node: float inputs */
            for (int s = 0; s < n->n_in; s++) {
                int v = n->in[s] >= 0 ? b->alias[n->in[s]] : -1;
                in[s] = v < 0 ? -1 : g->values[v].is_const ? copy_const(b, v) : oval(b, vname(b, v));
                if (v >= 0 && in[s] < 0) return oom(b, err);
            }
            for (int s = 0; s < n->n_out; s++) out[s] = n->out[s] >= 0 ? oval(b, vname(b, b->alias[n->out[s]])) : -1;
            ni = onode(b, n->name, n->op_type, in, n->n_in, out, n->n_out);
            if (ni < 0 || copy_attrs(b->o, ni, n)) return oom(b, err);
            for (int s = 0; s < n->n_out; s++)
                if (n->out[s] >= 0 && qop_after(b, b->alias[n->out[s]], 0, err)) return -1;
            continue;
        }
        int y = b->alias[n->out[0]];
        if (make_params(b, y, err)) return -1;
        int k_in = 0;
        int nx = k == K_ADD || k == K_CONCAT ? n->n_in : 1;
        for (int s = 0; s < nx; s++)
            if (make_params(b, b->alias[n->in[s]], err)) return -1;
        if (n->name[0] == '#') nm[0] = 0; /* an unnamed node (the loader's "#N"): ORT leaves it unnamed */
        else snprintf(nm, sizeof nm, "%s_quant", n->name);
        out[0] = qop_qname(b, y);
        if (k == K_CONV) {
            int x = b->alias[n->in[DLK_CONV_X]], w = b->alias[n->in[DLK_CONV_W]];
            if (quant_weight(b, w, n->n_in > DLK_CONV_B && n->in[DLK_CONV_B] >= 0 ? b->alias[n->in[DLK_CONV_B]] : -1, x, err)) return -1;
            in[DLK_QCONV_X] = qop_qname(b, x), in[DLK_QCONV_X_SCALE] = b->ps[x], in[DLK_QCONV_X_ZP] = b->pz[x];
            in[DLK_QCONV_W] = b->wq[w], in[DLK_QCONV_W_SCALE] = b->wsv[w], in[DLK_QCONV_W_ZP] = b->wzv[w];
            in[DLK_QCONV_Y_SCALE] = b->ps[y], in[DLK_QCONV_Y_ZP] = b->pz[y];
            k_in = DLK_QCONV_Y_ZP + 1;
            if (n->n_in > DLK_CONV_B && n->in[DLK_CONV_B] >= 0) {
                int bq, bs, bz;
                if (quant_bias(b, b->alias[n->in[DLK_CONV_B]], w, x, &bq, &bs, &bz, err)) return -1;
                in[DLK_QCONV_B] = bq;
                k_in = DLK_QCONV_B + 1;
            }
            ni = onode(b, nm, "QLinearConv", in, k_in, out, 1);
            if (ni < 0 || copy_attrs(b->o, ni, n)) return oom(b, err);
        } else if (k == K_ADD) {
            int a = b->alias[n->in[DLK_BINARY_A]], x = b->alias[n->in[DLK_BINARY_B]];
            in[DLK_QADD_A] = qop_qname(b, a), in[DLK_QADD_A_SCALE] = b->ps[a], in[DLK_QADD_A_ZP] = b->pz[a];
            in[DLK_QADD_B] = qop_qname(b, x), in[DLK_QADD_B_SCALE] = b->ps[x], in[DLK_QADD_B_ZP] = b->pz[x];
            in[DLK_QADD_C_SCALE] = b->ps[y], in[DLK_QADD_C_ZP] = b->pz[y];
            k_in = DLK_QADD_C_ZP + 1;
            ni = onode(b, nm, "com.microsoft:QLinearAdd", in, k_in, out, 1);
        } else if (k == K_CONCAT) {
            in[DLK_QCONCAT_Y_SCALE] = b->ps[y], in[DLK_QCONCAT_Y_ZP] = b->pz[y];
            k_in = DLK_QCONCAT_X(0);
            for (int s = 0; s < n->n_in && DLK_QCONCAT_X_ZP(s) < DLK_OP_MAX_IN; s++) {
                int x = b->alias[n->in[s]];
                in[DLK_QCONCAT_X(s)] = qop_qname(b, x), in[DLK_QCONCAT_X_SCALE(s)] = b->ps[x], in[DLK_QCONCAT_X_ZP(s)] = b->pz[x];
                k_in = DLK_QCONCAT_X_ZP(s) + 1;
            }
            ni = onode(b, nm, "com.microsoft:QLinearConcat", in, k_in, out, 1);
            if (ni < 0 || copy_attrs(b->o, ni, n)) return oom(b, err);
        } else if (k == K_GAP) {
            int x = b->alias[n->in[0]];
            in[DLK_QGAP_X] = qop_qname(b, x), in[DLK_QGAP_X_SCALE] = b->ps[x], in[DLK_QGAP_X_ZP] = b->pz[x];
            in[DLK_QGAP_Y_SCALE] = b->ps[y], in[DLK_QGAP_Y_ZP] = b->pz[y];
            k_in = DLK_QGAP_Y_ZP + 1;
            ni = onode(b, nm, "com.microsoft:QLinearGlobalAveragePool", in, k_in, out, 1);
            if (ni < 0 || dlk_node_add_attr_int(b->o, ni, "channels_last", 0)) return oom(b, err);
        } else { /* MaxPool, Flatten, Reshape on the int8 values, under the node's own name */
            for (int s = 0; s < n->n_in; s++) {
                int v = n->in[s] >= 0 ? b->alias[n->in[s]] : -1;
                in[s] = v < 0 ? -1 : s == 0 ? qop_qname(b, v) : copy_const(b, v);
                if (v >= 0 && in[s] < 0) return oom(b, err);
            }
            ni = onode(b, n->name, n->op_type, in, n->n_in, out, 1);
            if (ni < 0 || copy_attrs(b->o, ni, n)) return oom(b, err);
        }
        if (ni < 0) return oom(b, err);
        for (int s = 0; s < k_in; s++)
            if (in[s] < 0) return oom(b, err);
        if (qop_after(b, y, 1, err)) return -1;
    }
    return 0;
}

int dlk_quantize_graph(const dlk_calib *c, dlk_graph *out, dlk_err *err)
{
    const dlk_graph *g = &c->m->g;
    dlk_graph_init(out, g->path);
    qb b;
    memset(&b, 0, sizeof b);
    b.c = c, b.g = g, b.o = out, b.op = &c->opts, b.at = DLK_INT8, b.qmin = -128, b.qmax = 127;
    if (c->opts.uint8_act) b.at = DLK_UINT8, b.qmin = 0, b.qmax = 255;
    else if (c->opts.symmetric_act) b.qmin = -127;
    size_t nv = (size_t)g->n_values + 1, nn = (size_t)g->n_nodes + 1;
    b.alias = malloc(sizeof(int) * nv);
    b.range_of = malloc(sizeof(int) * nv);
    b.share = malloc(sizeof(int) * nv);
    b.ps = malloc(sizeof(int) * nv);
    b.pz = malloc(sizeof(int) * nv);
    b.wq = malloc(sizeof(int) * nv);
    b.wsv = malloc(sizeof(int) * nv);
    b.wzv = malloc(sizeof(int) * nv);
    b.zp = calloc(nv, sizeof(int));
    b.nws = calloc(nv, sizeof(int));
    b.scale = calloc(nv, sizeof(float));
    b.wscale = calloc(nv, sizeof(float *));
    b.quant = calloc(nv, 1);
    b.emitted = calloc(nv, 1);
    b.folded = calloc(nn, 1);
    b.nk = calloc(nn, sizeof(kind));
    int rc = -1;
    if (!out->path || !b.alias || !b.range_of || !b.share || !b.ps || !b.pz || !b.wq || !b.wsv || !b.wzv || !b.zp ||
        !b.nws || !b.scale || !b.wscale || !b.quant || !b.emitted || !b.folded || !b.nk) {
        oom(&b, err);
        goto done;
    }
    for (size_t v = 0; v < nv; v++) b.ps[v] = b.pz[v] = b.wq[v] = b.wsv[v] = b.wzv[v] = -1;
    out->opset = g->opset < 13 ? 13 : g->opset;
    out->ms_opset = c->opts.qop ? 1 : g->ms_opset;
    if (analyze(&b, err)) goto done;
    /* graph inputs, as declared */
    out->inputs = malloc(sizeof(int) * (size_t)(g->n_inputs + 1));
    out->outputs = malloc(sizeof(int) * (size_t)(g->n_outputs + 1));
    if (!out->inputs || !out->outputs) { oom(&b, err); goto done; }
    for (int i = 0; i < g->n_inputs + g->n_outputs; i++) {
        int is_in = i < g->n_inputs;
        const dlk_value *src = &g->values[is_in ? g->inputs[i] : g->outputs[i - g->n_inputs]];
        int v = oval(&b, src->name);
        if (v < 0) { oom(&b, err); goto done; }
        dlk_value *d = &out->values[v];
        d->shape = src->shape;
        for (int k = 0; k < DLK_MAX_DIMS; k++)
            if (src->dim_param[k] && !d->dim_param[k]) {
                size_t l = strlen(src->dim_param[k]) + 1;
                if (!(d->dim_param[k] = malloc(l))) { oom(&b, err); goto done; }
                memcpy(d->dim_param[k], src->dim_param[k], l);
            }
        if (is_in) d->is_input = 1, out->inputs[out->n_inputs++] = v;
        else d->is_output = 1, out->outputs[out->n_outputs++] = v;
    }
    int saved = fegetround();
    fesetround(FE_TONEAREST);
    rc = c->opts.qop ? build_qop(&b, err) : build_qdq(&b, err);
    fesetround(saved);
done:
    for (size_t v = 0; v < nv && b.wscale; v++) free(b.wscale[v]);
    free(b.alias), free(b.range_of), free(b.share), free(b.ps), free(b.pz), free(b.wq), free(b.wsv), free(b.wzv);
    free(b.zp), free(b.nws), free(b.scale), free(b.wscale), free(b.quant), free(b.emitted), free(b.folded), free(b.nk);
    if (rc) dlk_graph_free(out);
    return rc;
}
