/* SPDX-License-Identifier: Apache-2.0 */
/* int8 convolution with AVX2 alone: the VNNI driver q8-conv-vnni.inc, vpdpbusd emulated exactly. */
#include "kernels/x86/q8-conv-vnni.inc"
