/* SPDX-License-Identifier: Apache-2.0 */
/* realpath and mkstemp are XSI */
#define _XOPEN_SOURCE 700
#include "util/outfile.h"
#include "util/err.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    char eb[256];
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return dlk_fail(err, "%s: is a directory", dlk_esc(path, eb, sizeof eb));
        if (!S_ISREG(st.st_mode)) {
            /* a device, pipe or socket: written in place, never replaced */
            o->f = fopen(path, "wb");
            if (!o->f) return dlk_fail(err, "%s: cannot write: %s", dlk_esc(path, eb, sizeof eb), strerror(errno));
            return 0;
        }
    }
    struct stat lst;
    char *target = NULL;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        target = realpath(path, NULL); /* replace the link's target, keep the link */
        if (!target)
            return dlk_fail(err, "%s: cannot resolve the symbolic link: %s", dlk_esc(path, eb, sizeof eb), strerror(errno));
    } else {
        target = xstrdup(path);
    }
    size_t n = target ? strlen(target) + 12 : 0;
    o->tmp = target ? malloc(n) : NULL;
    if (!target || !o->tmp) {
        free(target);
        free(o->tmp);
        o->tmp = NULL;
        return dlk_fail(err, "%s: out of memory", dlk_esc(path, eb, sizeof eb));
    }
    snprintf(o->tmp, n, "%s.tmp-XXXXXX", target);
    o->final = target;
    int fd = mkstemp(o->tmp);
    int e = errno;
    if (fd >= 0) {
        mode_t mask = umask(0); /* mkstemp made it 0600: give it the mode a plain create would */
        umask(mask);
        if (fchmod(fd, 0666 & ~mask) == 0) o->f = fdopen(fd, "wb");
        e = errno;
        if (!o->f) {
            close(fd);
            unlink(o->tmp);
        }
    }
    if (!o->f) {
        free(o->tmp);
        free(o->final);
        o->tmp = o->final = NULL;
        return dlk_fail(err, "%s: cannot write: %s", dlk_esc(path, eb, sizeof eb), strerror(e));
    }
    return 0;
}

static int write_failed(const dlk_outfile *o, int e, dlk_err *err)
{
    char eb[256];
    return dlk_fail(err, "%s: write failed%s%s", dlk_esc(o->path, eb, sizeof eb), e ? ": " : "", e ? strerror(e) : "");
}

int dlk_outfile_flush(dlk_outfile *o, dlk_err *err)
{
    if (!o->f) return write_failed(o, 0, err);
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) return write_failed(o, errno, err);
    return 0;
}

int dlk_outfile_close(dlk_outfile *o, int ok, dlk_err *err)
{
    if (!o->f) return -1;
    int e = 0;
    errno = 0;
    if (ok && (fflush(o->f) != 0 || ferror(o->f))) {
        e = errno;
        ok = 0;
    }
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
    return ok ? 0 : write_failed(o, e, err);
}

int dlk_outfile_write(const char *path, const void *buf, size_t len, dlk_err *err)
{
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    errno = 0;
    if (fwrite(buf, 1, len, o.f) == len) return dlk_outfile_close(&o, 1, err);
    int e = errno;
    dlk_outfile_close(&o, 0, err);
    return write_failed(&o, e, err);
}

int dlk_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    if (!S_ISREG(sa.st_mode) && !S_ISDIR(sa.st_mode)) return 0; /* /dev/stdin and /dev/stdout may share a tty */
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int dlk_mkdir_p(const char *dir, dlk_err *err)
{
    if (!dir || !dir[0]) return dlk_fail(err, "an output folder name is empty");
    char *d = xstrdup(dir);
    if (!d) return dlk_fail(err, "out of memory");
    int rc = 0;
    /* each prefix ending before a '/', then the whole path */
    for (char *p = d + 1;; p++) {
        const int end = *p == 0;
        if (*p != '/' && !end) continue;
        *p = 0;
        struct stat st;
        if (mkdir(d, 0777) != 0 && errno != EEXIST) {
            rc = dlk_fail(err, "%s: cannot create the folder: %s", d, strerror(errno));
            break;
        }
        if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = dlk_fail(err, "%s: is not a folder", d);
            break;
        }
        if (end) break;
        *p = '/';
    }
    free(d);
    return rc;
}
