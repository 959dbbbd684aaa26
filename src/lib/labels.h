/* SPDX-License-Identifier: Apache-2.0 */
/* Class names: the built-in ImageNet list, or a text file with one name per line. */
#ifndef DLK_LABELS_H
#define DLK_LABELS_H

#include "dlakit.h"

#include <stdint.h>

extern const char *const dlk_imagenet_labels[1000];

/* ImageNet-1k's WordNet IDs ("n01440764") in class-index order: class k's ID into out (0, or -1
 * for k outside 0..999); a name's class index, or -1 when it is not of the form nDDDDDDDD, -2 when
 * it is but is no ImageNet-1k class. */
int dlk_imagenet_wnid(int k, char out[10]);
int dlk_imagenet_wnid_index(const char *name);

/* opaque in the public interface (include/dlakit/classify.h), held by value here */
struct dlk_labels {
    int n;
    char **names;   /* malloc'd */
};

/* Reads one name per line (trailing CR/LF stripped, empty lines kept as ""; a final empty line
 * ignored). */
int dlk_labels_read(const char *path, dlk_labels *out, dlk_err *err);
void dlk_labels_free(dlk_labels *l);

#endif
