/* SPDX-License-Identifier: Apache-2.0 */
/* ImageFolder data sets (DIR/CLASS/IMAGE.png, .jpg or .jpeg): what eval and finetune read. */
#ifndef DLK_IMAGEFOLDER_H
#define DLK_IMAGEFOLDER_H

#include "lib/labels.h"

typedef struct {
    char *path;     /* NULL for IDX items */
    int idx;        /* IDX item index */
    int label;
} dlk_item;

/* The items of root in order (classes in natural folder-name order as eval has them, files sorted in each), labels
 * their class positions; class names into *classes (owned) unless labels (non-empty) fix the
 * order, when a folder not in labels is an error. Errors name root. */
int dlk_folder_items(const char *root, const dlk_labels *labels, dlk_item **items, int *n, dlk_labels *classes, dlk_err *err);
void dlk_free_names(char **v, int n);

#endif
