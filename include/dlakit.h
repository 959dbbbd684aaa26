/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dlakit — DLA image classifiers in C.
 *
 * The public interface of the library: load an ONNX model (float, QDQ int8 or QOperator int8),
 * prepare a context for one input shape (this plans the single arena every run uses), fill the
 * input, run, read the output. Nothing here aborts or exits: every call that can fail takes a
 * dlk_err and returns NULL or a non-zero status with a message that names the file and the
 * problem.
 */
#ifndef DLAKIT_H
#define DLAKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; dlk_version() gives the library's ("0.1.0"). The shared library's
 * SONAME follows the major version (libdlakit.so.0). */
#define DLK_VERSION_MAJOR 0
#define DLK_VERSION_MINOR 1
#define DLK_VERSION_PATCH 0
#define DLK_VERSION "0.1.0"

/* Symbols of the public interface; the shared library exports these alone. */
#if defined(DLK_BUILDING_LIBRARY) && defined(__GNUC__)
#define DLK_API __attribute__((visibility("default")))
#else
#define DLK_API
#endif
#define DLK_MAX_DIMS 8
#define DLK_ERR_LEN 512

/* An error message; msg is "" when there is no error. */
typedef struct {
    char msg[DLK_ERR_LEN];
} dlk_err;

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum {
    DLK_UNDEFINED = 0,
    DLK_FLOAT = 1,
    DLK_UINT8 = 2,
    DLK_INT8 = 3,
    DLK_INT32 = 6,
    DLK_INT64 = 7,
} dlk_dtype;

/* A tensor's element type and shape. In a model's declared inputs and outputs a dimension may be
 * unknown: dims[i] < 0, with its symbolic name (if any) from dlk_model_input_dim_param. */
typedef struct {
    dlk_dtype dtype;
    int ndim;
    int64_t dims[DLK_MAX_DIMS];
} dlk_shape;

typedef struct dlk_model dlk_model; /* a loaded, optimized graph and its weights; read-only */
typedef struct dlk_ctx dlk_ctx;     /* a model prepared for one set of input shapes */

/* The library's version, "MAJOR.MINOR.PATCH". */
DLK_API const char *dlk_version(void);

/* --- models ------------------------------------------------------------------------------ */
DLK_API dlk_model *dlk_model_load(const char *path, dlk_err *err);
DLK_API dlk_model *dlk_model_load_buffer(const void *data, size_t size, const char *name, dlk_err *err);
/* Load flags. DLK_LOAD_NO_FUSION keeps the float operators as the file has them (no Conv/Add +
 * Relu fusion for speed): what quantize calibrates, so every tensor of the file is observed. */
#define DLK_LOAD_NO_FUSION 1u
/* DLK_LOAD_NCHW keeps every activation in NCHW (no channel-blocked layout between the float
 * convolutions): for code that reads a context's inner values (as quantize's per-layer report does). NO_FUSION
 * implies it. */
#define DLK_LOAD_NCHW 2u
/* DLK_LOAD_REFERENCE: contexts of the model run the portable reference kernels, whatever the CPU
 * and DLAKIT_ISA, so float results are the same bits on every machine (and thread count): what
 * quantize calibrates with, so that it writes the same file everywhere. Slower (about 10x for
 * float convolutions). */
#define DLK_LOAD_REFERENCE 4u
DLK_API dlk_model *dlk_model_load_ex(const char *path, unsigned flags, dlk_err *err);
DLK_API dlk_model *dlk_model_load_buffer_ex(const void *data, size_t size, const char *name, unsigned flags, dlk_err *err);
DLK_API void dlk_model_free(dlk_model *m);

DLK_API int dlk_model_num_inputs(const dlk_model *m);
DLK_API int dlk_model_num_outputs(const dlk_model *m);
DLK_API const char *dlk_model_input_name(const dlk_model *m, int i);
DLK_API const char *dlk_model_output_name(const dlk_model *m, int i);
/* Declared shapes; unknown dims are -1 and their names are returned by dlk_model_*_dim_param. */
DLK_API dlk_shape dlk_model_input_shape(const dlk_model *m, int i);
DLK_API dlk_shape dlk_model_output_shape(const dlk_model *m, int i);
DLK_API const char *dlk_model_input_dim_param(const dlk_model *m, int i, int dim);

/* Whether input i determines shapes or is folded into prepared parameters (a Reshape's shape,
 * a Clip bound, a quantization scale): such an input must be bound with dlk_model_bind_input
 * before contexts are made. */
DLK_API int dlk_model_input_is_static(const dlk_model *m, int i);
/* Turns input i into a constant with the given value (the data is copied). */
DLK_API int dlk_model_bind_input(dlk_model *m, int i, const dlk_shape *shape, const void *data, dlk_err *err);

/* --- contexts ----------------------------------------------------------------------------- */
/* Prepares the model for the given input shapes (one per remaining input, in order): resolves
 * symbolic dimensions, infers every shape, plans one arena. Runs then allocate nothing. */
DLK_API dlk_ctx *dlk_ctx_new(const dlk_model *m, const dlk_shape *input_shapes, int n_inputs, dlk_err *err);
DLK_API void dlk_ctx_free(dlk_ctx *c);
/* The context's input and output buffers (allocated with its arena, after it): write inputs
 * before dlk_ctx_run, read outputs after. */
DLK_API void *dlk_ctx_input(dlk_ctx *c, int i, dlk_shape *shape);
DLK_API const void *dlk_ctx_output(const dlk_ctx *c, int i, dlk_shape *shape);
DLK_API int dlk_ctx_run(dlk_ctx *c, dlk_err *err);
/* Threads inside each run of this context (default 1: no threads, no synchronisation). Starts a
 * pool of n - 1 workers once; runs then still allocate nothing. */
DLK_API int dlk_ctx_set_threads(dlk_ctx *c, int n, dlk_err *err);
DLK_API int dlk_ctx_threads(const dlk_ctx *c);
/* The kernel set this machine runs: "avx512", "avx2" or "ref" (DLAKIT_ISA forces one; another
 * value is refused by dlk_ctx_new). */
DLK_API const char *dlk_isa_in_use(void);
/* Profiling: the graph's nodes in run order, their multiply-accumulates (convolutions and matrix
 * products; 0 for other nodes), and a run that adds each node's milliseconds to ms_per_node[i]
 * (with one thread, the thread's CPU time; with a pool, wall-clock time). */
DLK_API int dlk_ctx_num_nodes(const dlk_ctx *c);
DLK_API const char *dlk_ctx_node_name(const dlk_ctx *c, int i);
DLK_API const char *dlk_ctx_node_op(const dlk_ctx *c, int i);
DLK_API int64_t dlk_ctx_node_macs(const dlk_ctx *c, int i);
/* What runs node i: a convolution's kernel ("avx512-bcast"; "" for the reference and for other
 * operators), then its layouts where a value is channel-blocked ("nchw>16c", "16c>16c") */
DLK_API const char *dlk_ctx_node_kernel(const dlk_ctx *c, int i);
DLK_API int dlk_ctx_run_profiled(dlk_ctx *c, double *ms_per_node, dlk_err *err);
/* Bytes of the one arena this context plans (activations and scratch; the graph's inputs and
 * outputs are not counted, as `dlakit compile`'s image and scores are not in its arena). */
DLK_API size_t dlk_ctx_arena_bytes(const dlk_ctx *c);

/* --- helpers ------------------------------------------------------------------------------- */
DLK_API size_t dlk_dtype_size(dlk_dtype t);
DLK_API const char *dlk_dtype_name(dlk_dtype t);
/* Element count (unknown dims count as 0); -1 when it would overflow int64. */
DLK_API int64_t dlk_shape_numel(const dlk_shape *s);
/* Bytes of a tensor of that shape; non-zero when the count overflows. */
DLK_API int dlk_shape_bytes(const dlk_shape *s, size_t *bytes);

/* --- limits against hostile inputs ----------------------------------------------------------- */
/* Defaults: Pillow's MAX_IMAGE_PIXELS for decoded images, 1 GiB per tensor, 2 GiB per arena. The
 * environment variables DLAKIT_MAX_IMAGE_PIXELS, DLAKIT_MAX_TENSOR_BYTES, DLAKIT_MAX_ARENA_BYTES
 * (a number, optionally followed by K, M, G or T, powers of 1024) replace a default at the first use;
 * dlk_limits_set replaces them (0 leaves a field as it is). */
#define DLK_DEFAULT_MAX_IMAGE_PIXELS 89478485ULL
#define DLK_DEFAULT_MAX_TENSOR_BYTES (1ULL << 30)
#define DLK_DEFAULT_MAX_ARENA_BYTES (2ULL << 30)
typedef struct {
    uint64_t image_pixels, tensor_bytes, arena_bytes;
} dlk_limits;
DLK_API void dlk_limits_get(dlk_limits *l);
DLK_API void dlk_limits_set(const dlk_limits *l);
/* Fails with a message naming the variable when one of the variables above, or DLAKIT_ISA, is set
 * but invalid (dlk_ctx_new refuses an unknown DLAKIT_ISA too, listing the valid values). */
DLK_API int dlk_limits_check_env(dlk_err *err);
/* Parses "123", "64K", "2G" (powers of 1024); non-zero when invalid. */
DLK_API int dlk_parse_size(const char *s, uint64_t *out);

#ifdef __cplusplus
}
#endif

/* The rest of the interface: images and preprocessing, classification and evaluation,
 * quantization, analysis and compilation. */
#include "dlakit/image.h"
#include "dlakit/classify.h"
#include "dlakit/quantize.h"
#include "dlakit/analyze.h"
#endif
