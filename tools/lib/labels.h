/* Class names: the built-in ImageNet list, or a text file with one name per line. */
#ifndef DLK_LABELS_H
#define DLK_LABELS_H

#include "dlakit.h"

extern const char *const dlk_imagenet_labels[1000];

typedef struct {
    int n;
    char **names;   /* malloc'd */
} dlk_labels;

/* Reads one name per line (trailing CR/LF stripped, empty lines kept as ""; a final empty line
 * ignored). */
int dlk_labels_read(const char *path, dlk_labels *out, dlk_err *err);
void dlk_labels_free(dlk_labels *l);

#endif
