/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the libFuzzer targets: small limits (so that a run stays fast and within the fuzzer's
 * memory limit) and a scratch file for the readers that take a path. */
#ifndef DLK_FUZZ_COMMON_H
#define DLK_FUZZ_COMMON_H

#include "dlakit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void fuzz_limits(void)
{
    static int done;
    if (done) return;
    done = 1;
    dlk_limits l = {1u << 22, 64u << 20, 256u << 20}; /* 4 M pixels, 64 MiB tensors, 256 MiB arenas */
    dlk_limits_set(&l);
}

/* Keeps a computed value alive, so that reading every byte is not optimized away. */
static volatile size_t fuzz_sunk;
static inline void fuzz_sink(size_t v) { fuzz_sunk = fuzz_sunk + v; }

static char fuzz_path[64];
static void fuzz_file_remove(void) { remove(fuzz_path); }

/* Writes data to a per-process scratch file (removed at exit); returns its path, or NULL. */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    char *path = fuzz_path;
    if (!path[0]) {
        snprintf(fuzz_path, sizeof fuzz_path, "%s/dlk-fuzz-%d.bin", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
        atexit(fuzz_file_remove);
    }
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    int ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) || !ok) return NULL;
    return path;
}

#endif
