/* SPDX-License-Identifier: Apache-2.0 */
/* float Add for avx2: the kernel of f32-vadd.inc, built with this ISA's flags (f32-v16.h). */
#include "kernels/x86/f32-vadd.inc"
