/* SPDX-License-Identifier: Apache-2.0 */
/* int8 QuantizeLinear and QLinearAdd for avx2: the kernels of q8-vquantize-vadd.inc, built with this ISA's flags (f32-v16.h). */
#include "kernels/x86/q8-vquantize-vadd.inc"
