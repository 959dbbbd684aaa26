/* realpath is XSI */
#define _XOPEN_SOURCE 700
#include "outfile.h"
#include "util/err.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int dlk_outfile_open(dlk_outfile *o, const char *path, dlk_err *err)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    if (!path || !path[0]) return dlk_fail(err, "an output file name is empty");
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return dlk_fail(err, "%s: is a directory", path);
        if (!S_ISREG(st.st_mode)) {
            /* a device, pipe or socket: write in place ("w" truncates nothing there) */
            o->f = fopen(path, "wb");
            if (!o->f) return dlk_fail(err, "%s: cannot write: %s", path, strerror(errno));
            return 0;
        }
    }
    struct stat lst;
    char *target = NULL;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        target = realpath(path, NULL); /* replace the link's target, keep the link */
        if (!target) return dlk_fail(err, "%s: cannot resolve the symbolic link: %s", path, strerror(errno));
    } else {
        target = xstrdup(path);
    }
    size_t n = target ? strlen(target) + 5 : 0;
    o->tmp = target ? malloc(n) : NULL;
    if (!target || !o->tmp) {
        free(target);
        free(o->tmp);
        o->tmp = NULL;
        return dlk_fail(err, "%s: out of memory", path);
    }
    snprintf(o->tmp, n, "%s.tmp", target);
    o->final = target;
    o->f = fopen(o->tmp, "wb");
    if (!o->f) {
        int e = errno;
        free(o->tmp);
        free(o->final);
        o->tmp = o->final = NULL;
        return dlk_fail(err, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int dlk_outfile_close(dlk_outfile *o, int ok, dlk_err *err)
{
    int rc = 0;
    if (!o->f) return -1;
    if (ferror(o->f)) ok = 0;
    int e = 0;
    if (fclose(o->f) != 0 && ok) {
        e = errno;
        ok = 0;
    }
    o->f = NULL;
    if (o->tmp) {
        if (ok && rename(o->tmp, o->final) != 0) {
            e = errno;
            ok = 0;
        }
        if (!ok) remove(o->tmp);
        free(o->tmp);
        free(o->final);
        o->tmp = o->final = NULL;
    }
    if (!ok) rc = dlk_fail(err, "%s: write failed%s%s", o->path, e ? ": " : "", e ? strerror(e) : "");
    return rc;
}

int dlk_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    if (!S_ISREG(sa.st_mode) && !S_ISDIR(sa.st_mode)) return 0; /* /dev/stdin and /dev/stdout may share a tty */
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
