/* SPDX-License-Identifier: Apache-2.0 */
/* QLinearAdd's float constants (kernels.h, dlk_qadd_q8_ref), for its SIMD kernels: computed once
 * per call with the reference's operations, in its order. */
#ifndef DLK_X86_Q8_QADD_H
#define DLK_X86_Q8_QADD_H

#include <math.h>

typedef struct {
    float rA, rB, fixed; /* c = rne(a * rA + (b * rB + fixed)), two fmaf */
} q8_qadd_k;

static inline q8_qadd_k q8_qadd_consts(float a_scale, int a_zp, float b_scale, int b_zp, float c_scale, int c_zp)
{
    q8_qadd_k k;
    k.rA = a_scale / c_scale;
    k.rB = b_scale / c_scale;
    const float zb_term = k.rB * (float)b_zp;
    k.fixed = (float)c_zp - fmaf(k.rA, (float)a_zp, zb_term);
    return k;
}

#endif
