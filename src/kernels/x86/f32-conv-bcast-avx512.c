/* SPDX-License-Identifier: Apache-2.0 */
/* f32-conv-bcast for avx512: the driver f32-conv-bcast.inc, built with this ISA's flags (f32-v16.h). */
#include "kernels/x86/f32-conv-bcast.inc"
