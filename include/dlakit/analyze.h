/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dlakit analysis and compilation: the costs of a model layer by layer (for an int8 model, of the
 * program `dlakit compile` writes: MACs, parameters, weight bytes as stored for an MCU, the planned
 * activation arena and its lower bound), and that program as standalone C99.
 */
#ifndef DLAKIT_ANALYZE_H
#define DLAKIT_ANALYZE_H

#include "../dlakit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dlk_analysis dlk_analysis;

typedef struct {
    int int8;                 /* 1: the MCU program of an int8 model; 0: a float model (no program) */
    int in_h, in_w, classes, layers;
    int64_t macs, params;
    size_t weights_bytes;     /* int8: as stored for the MCU; float: float32 parameters */
    size_t int8_weight_bytes; /* int8 weights alone (0 for a float model) */
    size_t peak_ram_bytes;    /* the planned arena */
    size_t lower_bound_bytes; /* int8: the most bytes that must be alive together (0 for float) */
    size_t scratch_bytes;     /* int8: the largest scratch */
} dlk_analysis_totals;

typedef struct {
    const char *name, *op;    /* valid while the analysis lives */
    dlk_shape shape;          /* of its (first) output */
    int64_t macs, params;
    size_t weights_bytes, activation_bytes, live_bytes; /* the last two: int8 only */
    int in_place, concat_slices;
} dlk_analysis_layer;

/* Analyzes the model at path for an h x w input (h, w <= 0: its declared size). */
DLK_API dlk_analysis *dlk_analyze(const char *path, int h, int w, dlk_err *err);
/* The same for the kernels of a microcontroller target: "generic" (portable C; NULL is the same),
 * "cortex-m55" (Helium), "cortex-m7" or "cortex-m4" (DSP); the weights are laid out as its kernels
 * read them, so the weight bytes and scratch may differ from generic's. */
DLK_API dlk_analysis *dlk_analyze_target(const char *path, int h, int w, const char *target, dlk_err *err);
DLK_API void dlk_analysis_get_totals(const dlk_analysis *a, dlk_analysis_totals *t);
DLK_API int dlk_analysis_get_layer(const dlk_analysis *a, int i, dlk_analysis_layer *l);
/* The memory plan as SVG: each buffer a rectangle, layers (time) x address (int8 only). */
DLK_API int dlk_analysis_write_svg(const dlk_analysis *a, const char *path, dlk_err *err);
DLK_API void dlk_analysis_free(dlk_analysis *a);

/* Writes dir/name.c and dir/name.h: the analyzed int8 model as C99 (int name_run(const uint8_t
 * *image, float *scores)), bit-identical to `dlakit run --images-npy`. dir is created with its
 * parents when missing. An arena or constants over 2 GiB (more than a 32-bit target addresses) are
 * refused, unless allow_64bit (dlk_compile_ex). name: a letter, then letters, digits and single
 * underscores (at most 40, no C keyword or standard name). */
DLK_API int dlk_compile(const dlk_analysis *a, const char *dir, const char *name, dlk_err *err);
DLK_API int dlk_compile_ex(const dlk_analysis *a, const char *dir, const char *name, int allow_64bit, dlk_err *err);

#ifdef __cplusplus
}
#endif
#endif
