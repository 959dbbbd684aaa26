/* SPDX-License-Identifier: Apache-2.0 */
/* The model zoo services' user_config.yaml (Hydra/OmegaConf): read with libyaml into a tree,
 * command-line overrides (key=value, +key=value, ~key), ${...} interpolations (other keys,
 * ${now:FORMAT}, ${oc.env:NAME}, ${hydra:runtime.cwd}), Python-literal values ('1/255.0',
 * '(224, 224, 3)', True, None), and the checked settings dlakit zoo uses (zoo_cfg). Hostile input
 * is bounded: file size, nesting depth, node count, scalar length; aliases are refused. */
#ifndef DLK_ZOOCONF_H
#define DLK_ZOOCONF_H

#include "dlakit.h"

#include <stddef.h>

#define ZC_MAX_BYTES (1u << 20)  /* a config file */
#define ZC_MAX_DEPTH 32          /* nested mappings and sequences */
#define ZC_MAX_NODES 20000
#define ZC_MAX_SCALAR 4096       /* bytes of one value, after interpolation */

typedef enum { ZC_SCALAR, ZC_MAP, ZC_SEQ } zc_kind;

typedef struct zc_node {
    zc_kind kind;
    char *key;         /* in a mapping: the key; else NULL */
    char *str;         /* ZC_SCALAR: the text */
    int quoted;        /* ZC_SCALAR: was quoted in the YAML (a string, never null/bool/number) */
    int line;          /* 1-based line in the file (0 for overrides) */
    struct zc_node *kids;
    int n, cap;
} zc_node;

/* Parses YAML text into *root (a mapping). name is used in messages. */
int zc_parse(const char *text, size_t len, const char *name, zc_node *root, dlk_err *err);
int zc_load(const char *path, zc_node *root, dlk_err *err);
void zc_free(zc_node *root);
/* One Hydra-style override: "a.b=v" (a.b must exist), "+a.b=v" (must not), "++a.b=v" (either),
 * "~a.b" (delete). v is parsed as a YAML flow value. */
int zc_override(zc_node *root, const char *arg, dlk_err *err);
/* Replaces every ${...} in the scalars (nested and chained interpolations, at most 16 deep). */
int zc_resolve(zc_node *root, dlk_err *err);
/* The node at a dotted path ("dataset.test_path"), or NULL. */
const zc_node *zc_get(const zc_node *root, const char *path);

/* Python literals of the services' strings. A null is YAML's null/~/empty or Python's None. */
int zc_is_null(const zc_node *v);
/* A number: int/float literals with + - * / and parentheses ("1/255.0", "-127.5"). */
int zc_eval_number(const char *s, double *out);

/* What dlakit zoo reads, checked; strings point into the tree. */
typedef struct {
    const char *mode;
    /* model */
    const char *framework, *model_path, *model_name;
    int input_h, input_w;                 /* from model.input_shape (0: the model's) */
    /* dataset */
    const char *dataset_name, *classes_file, *training_path, *validation_path, *test_path, *quantization_path,
        *prediction_path, *data_dir, *train_split, *val_split;
    const zc_node *class_names;           /* a sequence or a Python list string, or NULL */
    double quantization_split;            /* 0: all */
    long num_classes, seed;
    /* preprocessing (not for framework torch: timm's eval transform) */
    double scale, offset;
    int have_rescaling, interpolation, aspect; /* interpolation: 0 nearest 1 bilinear 2 bicubic, -1 unset; aspect: 0 crop 1 fit 2 pad, -1 */
    int bgr;
    float mean[3], std[3];
    int have_mean, have_std;
    /* quantization */
    const char *export_dir;
    int per_tensor, qop, method, symmetric_act, uint8_act; /* method: 0 minmax 1 percentile 2 entropy */
    /* evaluation / prediction / benchmarking / deployment */
    const char *eval_target, *board, *deploy_dir;
    const char *run_dir;                  /* hydra.run.dir */
    int warnings;                         /* unknown keys reported */
} zoo_cfg;

/* Fills c from the resolved tree. Unknown keys are reported to warn (one line each, may be NULL)
 * and counted; a bad value is an error naming its key path. */
int zoo_cfg_read(const zc_node *root, const char *name, zoo_cfg *c, void (*warn)(void *, const char *), void *user,
                 dlk_err *err);

#endif
