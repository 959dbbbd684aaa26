/* SPDX-License-Identifier: Apache-2.0 */
/* Gemm and MatMul (float). */
#include "ops/gemm.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static int gemm_prepare(dlk_op *op, dlk_err *err)
{
    for (int i = 0; i < op->n_in; i++)
        if (dlk_op_need_dtype(op, i, DLK_FLOAT, err)) return -1;
    dlk_gemm_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_shape *a = &op->in[DLK_GEMM_A]->shape, *b = &op->in[DLK_GEMM_B]->shape;
    if (a->ndim != 2 || b->ndim != 2) return dlk_fail(err, "A and B must be 2-D");
    p->transA = (int)dlk_attr_int(op->node, "transA", 0);
    p->transB = (int)dlk_attr_int(op->node, "transB", 0);
    p->alpha = dlk_attr_float(op->node, "alpha", 1.0f);
    p->beta = dlk_attr_float(op->node, "beta", 1.0f);
    p->M = (int)(p->transA ? a->dims[1] : a->dims[0]);
    p->K = (int)(p->transA ? a->dims[0] : a->dims[1]);
    int kb = (int)(p->transB ? b->dims[1] : b->dims[0]);
    p->N = (int)(p->transB ? b->dims[0] : b->dims[1]);
    if (kb != p->K) return dlk_fail(err, "inner dimensions differ (%d vs %d)", p->K, kb);
    if (dlk_op_input(op, DLK_GEMM_C)) {
        const dlk_shape *c = &op->in[DLK_GEMM_C]->shape;
        int64_t cr = c->ndim >= 2 ? c->dims[c->ndim - 2] : 1, cc = c->ndim >= 1 ? c->dims[c->ndim - 1] : 1;
        if (c->ndim > 2 || (cr != 1 && cr != p->M) || (cc != 1 && cc != p->N)) return dlk_fail(err, "C cannot be broadcast to %dx%d", p->M, p->N);
        p->c_cs = cc == 1 ? 0 : 1;
        p->c_rs = cr == 1 ? 0 : (int)cc;
    }
    int64_t d[2] = {p->M, p->N};
    dlk_shape_set(&op->out[0]->shape, DLK_FLOAT, 2, d);
    return 0;
}

static void gemm_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_gemm_data *p = op->params;
    const dlk_tensor *c = dlk_op_input(op, DLK_GEMM_C);
    dlk_gemm_f32_ref(p->M, p->N, p->K, p->alpha, op->in[DLK_GEMM_A]->data, p->transA, op->in[DLK_GEMM_B]->data, p->transB, p->beta,
                     c ? c->data : NULL, p->c_rs, p->c_cs, op->out[0]->data);
}

/* both: every output value sums K products */
static int64_t gemm_macs(const dlk_op *op) { return dlk_shape_numel(&op->out[0]->shape) * ((const dlk_gemm_data *)op->params)->K; }

const dlk_opdef dlk_op_Gemm = {.name = "Gemm", .prepare = gemm_prepare, .run = gemm_run, .id = DLK_OP_Gemm, .min_in = 2,
                               .max_in = 3, .max_out = 1, .macs = gemm_macs};

/* MatMul: 2-D, or N-D where one side's leading dimensions are all 1 or equal to the other's. */
static int matmul_prepare(dlk_op *op, dlk_err *err)
{
    if (dlk_op_need_dtype(op, DLK_GEMM_A, DLK_FLOAT, err) || dlk_op_need_dtype(op, DLK_GEMM_B, DLK_FLOAT, err)) return -1;
    dlk_gemm_data *p = calloc(1, sizeof *p);
    if (!p) return dlk_fail(err, "out of memory");
    op->params = p;
    const dlk_shape *a = &op->in[DLK_GEMM_A]->shape, *b = &op->in[DLK_GEMM_B]->shape;
    if (a->ndim < 2 || b->ndim < 2) return dlk_fail(err, "1-D MatMul operands are not supported");
    p->M = (int)a->dims[a->ndim - 2];
    p->K = (int)a->dims[a->ndim - 1];
    p->N = (int)b->dims[b->ndim - 1];
    if (b->dims[b->ndim - 2] != p->K) return dlk_fail(err, "inner dimensions differ");
    p->alpha = 1.0f;
    int64_t ba = 1, bb = 1;
    for (int i = 0; i < a->ndim - 2; i++) ba *= a->dims[i];
    for (int i = 0; i < b->ndim - 2; i++) bb *= b->dims[i];
    if (ba != bb && ba != 1 && bb != 1) return dlk_fail(err, "batch dimensions cannot be broadcast");
    if (ba != 1 && bb != 1 && a->ndim != b->ndim) return dlk_fail(err, "batch dimensions cannot be broadcast");
    /* the output takes the batch dims of the side that is not broadcast; an empty batch (a 0 dim)
     * wins over a broadcast 1, so nothing is read from an empty operand */
    const dlk_shape *big = bb == 1 ? a : ba == 1 ? b : a;
    if (ba == 0 || bb == 0) big = ba == 0 ? a : b;
    p->batch = (int)(ba == 0 || bb == 0 ? 0 : ba > bb ? ba : bb);
    p->a_bstride = ba == 1 ? 0 : (int64_t)p->M * p->K;
    p->b_bstride = bb == 1 ? 0 : (int64_t)p->K * p->N;
    int64_t d[DLK_MAX_DIMS];
    int nd = big->ndim;
    for (int i = 0; i < nd - 2; i++) d[i] = big->dims[i];
    d[nd - 2] = p->M;
    d[nd - 1] = p->N;
    dlk_shape_set(&op->out[0]->shape, DLK_FLOAT, nd, d);
    return 0;
}

static void matmul_run(const dlk_op *op, const dlk_exec *ex)
{
    (void)ex;
    const dlk_gemm_data *p = op->params;
    const float *a = op->in[DLK_GEMM_A]->data, *b = op->in[DLK_GEMM_B]->data;
    float *y = op->out[0]->data;
    for (int i = 0; i < p->batch; i++)
        dlk_gemm_f32_ref(p->M, p->N, p->K, 1.0f, a + i * p->a_bstride, 0, b + i * p->b_bstride, 0, 0.0f, NULL, 0, 0,
                         y + (int64_t)i * p->M * p->N);
}

const dlk_opdef dlk_op_MatMul = {.name = "MatMul", .prepare = matmul_prepare, .run = matmul_run, .id = DLK_OP_MatMul,
                                 .min_in = 2, .max_in = 2, .max_out = 1, .macs = gemm_macs};
