/* SPDX-License-Identifier: Apache-2.0 */
/* Output files, one module for every writer of the library and the tools.
 * - A regular file (or a name that does not exist yet) is written to a fresh temporary file in the
 *   same folder (PATH.tmp-XXXXXX, mkstemp) and renamed onto PATH only when every write, the flush
 *   and the close succeeded: a failure never leaves half a file, and the old file stays.
 * - A character device (/dev/null, /dev/stdout, /dev/full), pipe or socket is written in place:
 *   it is never replaced, and its write errors (ENOSPC of /dev/full) are reported.
 * - A symbolic link is followed: its target is replaced, the link is kept.
 * - A folder, or an empty name, is refused. */
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
/* Flushes and checks every write so far; non-zero (with a message) when one failed. */
int dlk_outfile_flush(dlk_outfile *o, dlk_err *err);
/* Closes; ok = 0 discards a temporary file. Non-zero when writing, closing or renaming failed. */
int dlk_outfile_close(dlk_outfile *o, int ok, dlk_err *err);
/* Writes len bytes as the whole of path (the same rules). */
int dlk_outfile_write(const char *path, const void *buf, size_t len, dlk_err *err);
/* Creates folder dir and its missing parents (as mkdir -p); an existing folder is fine. */
int dlk_mkdir_p(const char *dir, dlk_err *err);
/* Whether a and b name the same existing file (same device and inode). */
int dlk_same_file(const char *a, const char *b);

#endif
