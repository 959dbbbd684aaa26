/* SPDX-License-Identifier: Apache-2.0 */
/* Target choice and the target kernels' data (see target.h). */
#include "codegen/mcu/target.h"
#include "ops/conv.h"
#include "ops/elem.h"
#include "ops/pool.h"

#include <stdlib.h>
#include <string.h>

extern const char dlk_text_kern_common[], dlk_text_kern_mve[], dlk_text_kern_mve_body[], dlk_text_kern_dsp[],
    dlk_text_kern_dsp_body[];

static const char *const NAMES[] = {"generic", "cortex-m55", "cortex-m7", "cortex-m4"};

int dlk_target_parse(const char *name, dlk_target *t)
{
    for (int i = 0; i < (int)(sizeof NAMES / sizeof NAMES[0]); i++)
        if (!strcmp(name, NAMES[i])) {
            *t = (dlk_target)i;
            return 0;
        }
    return -1;
}

const char *dlk_target_name(dlk_target t) { return NAMES[t]; }
const char *dlk_target_names(void) { return "generic|cortex-m55|cortex-m7|cortex-m4"; }

static int is_mve(dlk_target t) { return t == DLK_TARGET_M55; }
static size_t elt_bytes(dlk_target t) { return is_mve(t) ? 1 : 2; } /* slab and weights: int8 / int16 */

/* Helium: windows of int8 padded to 16; DSP: int16, slab columns of an even count, windows to 4 */
static int col_align(dlk_target t) { return is_mve(t) ? 1 : 2; }
static int k_align(dlk_target t) { return is_mve(t) ? 16 : 4; }
static int pix_blk(dlk_target t) { return is_mve(t) ? 3 : 2; }

/* The kernel's geometry of a conv (the fields of mcu_conv, kern_common.inc): a pointwise conv's
 * planes are rows of the largest width <= 256 that divides the plane (fewer block tails, a small
 * slab). */
typedef struct {
    int cin_g, cout_g, group, h_in, w_in, h_out, w_out, kh, kw, sh, sw, pad_t, pad_l, wp, col, kp;
} mcu_geom;

static void geom_of(dlk_target t, const dlk_conv_geom *g, mcu_geom *m)
{
    m->group = g->group;
    m->cin_g = g->c_in / g->group;
    m->cout_g = g->c_out / g->group;
    m->h_in = g->h_in, m->w_in = g->w_in, m->h_out = g->h_out, m->w_out = g->w_out;
    m->kh = g->kh, m->kw = g->kw, m->sh = g->sh, m->sw = g->sw, m->pad_t = g->pad_t, m->pad_l = g->pad_l;
    if (g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_t == 0 && g->pad_l == 0 && g->h_in == g->h_out &&
        g->w_in == g->w_out) {
        const int plane = g->h_out * g->w_out;
        int wd = plane < 256 ? plane : 256;
        while (plane % wd) wd--;
        m->w_in = m->w_out = wd;
        m->h_in = m->h_out = plane / wd;
    }
    m->wp = (m->w_out - 1) * m->sw + m->kw;
    const int ca = col_align(t), ka = k_align(t);
    m->col = (m->kh * m->cin_g + ca - 1) / ca * ca;
    m->kp = (m->kw * m->col + ka - 1) / ka * ka;
}

int dlk_mcu_conv_ok(dlk_target t, const dlk_op *op)
{
    if (t == DLK_TARGET_GENERIC) return 0;
    const dlk_qconv_params *q = &dlk_qconv_data_of(op)->p;
    const dlk_conv_geom *g = &q->g;
    return q->x_type == DLK_Q_I8 && q->w_type == DLK_Q_I8 && q->y_type == DLK_Q_I8 && q->w_zp == NULL && g->n == 1 &&
           g->dh == 1 && g->dw == 1 && g->group > 0 && g->h_out > 0 && g->w_out > 0 &&
           (int64_t)g->h_out * g->w_out <= 0x7fffffff && (int64_t)g->kh * (g->c_in / g->group) < 8000;
}

size_t dlk_mcu_conv_scratch(dlk_target t, const dlk_op *op)
{
    mcu_geom m;
    geom_of(t, &dlk_qconv_data_of(op)->p.g, &m);
    /* MCU_SLAB_BYTES and MCU_ACC_W of kern_common.inc */
    const size_t e = elt_bytes(t), blk = (size_t)pix_blk(t);
    const size_t slab = ((size_t)m.wp * m.col * e + ((blk - 1) * m.sw * m.col + m.kp) * e + 32 + 15) & ~(size_t)15;
    const size_t wa = ((size_t)m.w_out + blk - 1) / blk * blk;
    return slab + (size_t)m.cout_g * wa * 4;
}

void dlk_mcu_emit_kernels(FILE *f, dlk_target t)
{
    fprintf(f, "\n/* ---- %s kernels (src/codegen/mcu), verbatim ---- */\n", NAMES[t]);
    fputs(is_mve(t) ? dlk_text_kern_mve : dlk_text_kern_dsp, f);
    fputs(dlk_text_kern_common, f);
    fputs(is_mve(t) ? dlk_text_kern_mve_body : dlk_text_kern_dsp_body, f);
}

/* Where weight k of output channel co (of its group: groups are whole pairs or end on an odd
 * channel) lies: [co][kp]; for whole pairs of channels, Helium over 64 [co / 2][kp / 16][2][16], DSP
 * [co / 2][kp / 4][2][4] (kern_*_body.inc). */
static long wpos(dlk_target t, const mcu_geom *m, int co, long k)
{
    const int g = co / m->cout_g, c = co % m->cout_g;
    const long base = ((long)g * m->cout_g + c) * m->kp;
    const int il = is_mve(t) ? 16 : 4; /* interleave */
    if ((is_mve(t) && m->kp <= 64) || (c % 2 == 0 && c + 1 == m->cout_g)) return base + k;
    return ((long)g * m->cout_g + (c & ~1)) * m->kp + (k / il) * 2 * il + (c & 1) * il + k % il;
}

static void emit_ints(FILE *f, const char *type, const char *cname, const char *suffix, const int32_t *v, long n)
{
    fprintf(f, "static const %s %s%s[%ld] = {", type, cname, suffix, n);
    for (long i = 0; i < n; i++) fprintf(f, "%s%ld%s", i % 20 == 0 ? "\n    " : "", (long)v[i], i + 1 < n ? "," : "");
    fprintf(f, "\n};\n");
}

void dlk_mcu_emit_conv_data(FILE *f, dlk_target t, const dlk_op *op, const char *cname, const char *node_name)
{
    const dlk_qconv_params *q = &dlk_qconv_data_of(op)->p;
    const dlk_conv_geom *g = &q->g;
    const int8_t *w = op->in[DLK_QCONV_W]->data;
    const dlk_tensor *bt = dlk_op_input(op, DLK_QCONV_B);
    const int32_t *b = bt ? bt->data : NULL;
    mcu_geom m;
    geom_of(t, g, &m);
    const long nw = (long)m.kp * g->c_out;
    int32_t *pw = calloc((size_t)nw + (size_t)g->c_out, sizeof *pw);
    if (!pw) return; /* the caller's ferror check sees the short file through fprintf's failure */
    int32_t *pb = pw + nw;
    const int ksz = g->kh * g->kw;
    for (int co = 0; co < g->c_out; co++) {
        int64_t sum = 0;
        for (int ci = 0; ci < m.cin_g; ci++)
            for (int ky = 0; ky < g->kh; ky++)
                for (int kx = 0; kx < g->kw; kx++) {
                    const int v = w[((long)co * m.cin_g + ci) * ksz + ky * g->kw + kx];
                    pw[wpos(t, &m, co, (long)kx * m.col + ky * m.cin_g + ci)] = v;
                    sum += v;
                }
        /* Helium: raw x with x_zp in the padding, so the bias carries - x_zp * sum(w); DSP: x - x_zp */
        pb[co] = (int32_t)((b ? b[co] : 0) - (is_mve(t) ? (int64_t)q->x_zp * sum : 0));
    }
    fprintf(f, "/* %s: QLinearConv %d -> %d, %dx%d, stride %d, group %d; %s kernel, weights [co][kx][ky][ci], %d per channel */\n",
            node_name, g->c_in, g->c_out, g->kh, g->kw, g->sh, g->group, NAMES[t], m.kp);
    /* the DSP kernel reads int16 pairs as words */
    emit_ints(f, is_mve(t) ? "int8_t" : "int16_t __attribute__((aligned(4)))", cname, "_w", pw, nw);
    emit_ints(f, "int32_t", cname, "_b", pb, g->c_out);
    fprintf(f, "static const float %s_scale[%d] = {", cname, g->c_out);
    for (int co = 0; co < g->c_out; co++) fprintf(f, "%s%af%s", co % 6 == 0 ? "\n    " : "", (double)q->scale[co], co + 1 < g->c_out ? "," : "");
    fprintf(f, "\n};\n");
    fprintf(f,
            "static const mcu_conv %s = {%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d,\n"
            "    %d, %d, %d, %d, %s_w, %s_b, %s_scale};\n\n",
            cname, m.cin_g, m.cout_g, m.group, m.h_in, m.w_in, m.h_out, m.w_out, m.kh, m.kw, m.sh, m.sw, m.pad_t, m.pad_l,
            m.wp, m.col, m.kp, q->x_zp, q->y_zp, q->y_lo, q->y_hi, cname, cname, cname);
    free(pw);
}

void dlk_mcu_emit_conv_call(FILE *f, const char *cname, size_t x_off, size_t y_off, size_t scratch_off)
{
    fprintf(f, "    mcu_conv_q8(&%s, arena + %zu, arena + %zu, arena + %zu);\n", cname, x_off, y_off, scratch_off);
}

int dlk_mcu_emit_maxpool_call(FILE *f, dlk_target t, const dlk_op *op, const char *cname, size_t x_off, size_t y_off)
{
    const dlk_pool_geom *g = dlk_pool_geom_of(op);
    if (t == DLK_TARGET_GENERIC || op->in[DLK_POOL_X]->shape.dtype != DLK_INT8 || g->kh != 2 || g->kw != 2 || g->sh != 2 || g->sw != 2 ||
        g->dh != 1 || g->dw != 1 || g->pad_t || g->pad_l || g->pad_b || g->pad_r || g->h_out != g->h_in / 2 || g->w_out != g->w_in / 2)
        return 0;
    fprintf(f, "    mcu_maxpool2_s8(&%s, (const int8_t *)(arena + %zu), (int8_t *)(arena + %zu));\n", cname, x_off, y_off);
    return 1;
}

int dlk_mcu_emit_qadd_call(FILE *f, dlk_target t, const dlk_op *op, size_t a_off, size_t b_off, size_t y_off)
{
    const dlk_qadd_data *q = dlk_qadd_data_of(op);
    if (t == DLK_TARGET_GENERIC || op->out[0]->shape.dtype != DLK_INT8) return 0;
    fprintf(f,
            "    mcu_qadd_s8(%lld, (const int8_t *)(arena + %zu), %af, %d, (const int8_t *)(arena + %zu), %af, %d, %af, %d, %d, 127,\n"
            "                (int8_t *)(arena + %zu));\n",
            (long long)dlk_shape_numel(&op->out[0]->shape), a_off, (double)q->as, q->azp, b_off, (double)q->bs, q->bzp, (double)q->cs,
            q->czp, q->relu ? q->czp : -128, y_off);
    return 1;
}
