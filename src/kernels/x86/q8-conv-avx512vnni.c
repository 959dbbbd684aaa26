/* SPDX-License-Identifier: Apache-2.0 */
/* int8 convolution with avx512vnni: the driver q8-conv-vnni.inc, built with this ISA's flags. */
#include "kernels/x86/q8-conv-vnni.inc"
