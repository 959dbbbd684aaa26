/* float MaxPool for AVX2: the kernels of f32-maxpool.inc, built with this ISA's flags (f32-v16.h). */
#include "kernels/x86/f32-maxpool.inc"
