/* Output files: written through PATH.tmp + rename only when PATH is (or will be) a regular file, so
 * a failure never leaves half a file; character devices (/dev/null, /dev/stdout), pipes and sockets
 * are written directly; a symlink is followed (its target is replaced, the link is kept). */
#ifndef DLK_OUTFILE_H
#define DLK_OUTFILE_H

#include "dlakit.h"
#include <stdio.h>

typedef struct {
    FILE *f;
    char *final;   /* the file renamed onto (NULL when written directly) */
    char *tmp;     /* the temporary file (NULL when written directly) */
    const char *path;
} dlk_outfile;

int dlk_outfile_open(dlk_outfile *o, const char *path, dlk_err *err);
/* Closes; ok = 0 discards a temporary file. Non-zero when writing, closing or renaming failed. */
int dlk_outfile_close(dlk_outfile *o, int ok, dlk_err *err);
/* Whether a and b name the same existing file (same device and inode). */
int dlk_same_file(const char *a, const char *b);

#endif
