/* SPDX-License-Identifier: Apache-2.0 */
/* Resource limits against hostile inputs: decoded image pixels, bytes of one tensor, bytes of one
 * context's arena. Defaults below; the environment (DLAKIT_MAX_IMAGE_PIXELS, DLAKIT_MAX_TENSOR_BYTES,
 * DLAKIT_MAX_ARENA_BYTES) is read once, at the first use; dlk_limits_set overrides both. */
#include "dlakit.h"
#include "util/err.h"
#include "kernels/config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static dlk_limits cur;
static pthread_once_t once = PTHREAD_ONCE_INIT;

int dlk_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: break;
    }
    if (*end) return -1;
    if (shift && v > (UINT64_MAX >> shift)) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static void env_one(const char *name, uint64_t *v)
{
    uint64_t x;
    const char *s = getenv(name);
    if (s && !dlk_parse_size(s, &x) && x > 0) *v = x;
}

static void init_limits(void)
{
    cur.image_pixels = DLK_DEFAULT_MAX_IMAGE_PIXELS;
    cur.tensor_bytes = DLK_DEFAULT_MAX_TENSOR_BYTES;
    cur.arena_bytes = DLK_DEFAULT_MAX_ARENA_BYTES;
    env_one("DLAKIT_MAX_IMAGE_PIXELS", &cur.image_pixels);
    env_one("DLAKIT_MAX_TENSOR_BYTES", &cur.tensor_bytes);
    env_one("DLAKIT_MAX_ARENA_BYTES", &cur.arena_bytes);
}

void dlk_limits_get(dlk_limits *l)
{
    pthread_once(&once, init_limits);
    *l = cur;
}

void dlk_limits_set(const dlk_limits *l)
{
    pthread_once(&once, init_limits);
    if (l->image_pixels) cur.image_pixels = l->image_pixels;
    if (l->tensor_bytes) cur.tensor_bytes = l->tensor_bytes;
    if (l->arena_bytes) cur.arena_bytes = l->arena_bytes;
}

int dlk_limits_check_env(dlk_err *err)
{
    static const char *names[] = {"DLAKIT_MAX_IMAGE_PIXELS", "DLAKIT_MAX_TENSOR_BYTES", "DLAKIT_MAX_ARENA_BYTES"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *s = getenv(names[i]);
        uint64_t x;
        if (s && (dlk_parse_size(s, &x) || x == 0))
            return dlk_fail(err, "%s='%.40s' is not a positive size (a number, optionally followed by K, M, G or T)",
                            names[i], s);
    }
    return dlk_isa_check_env(err);
}
