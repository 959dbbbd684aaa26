/* SPDX-License-Identifier: Apache-2.0 */
/* The model zoo config reader (dlakit zoo): YAML -> tree, an override taken from the input's first
 * line, interpolations, the checked settings. Any input: an error message or a config, never a
 * crash, a hang or a leak. */
#include "fuzz_common.h"
#include "lib/zooconf.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* first line: a Hydra override ("key.path=value"); the rest: the YAML file */
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    size_t ol = nl ? (size_t)(nl - data) : 0;
    char ov[257];
    memcpy(ov, data, ol);
    ov[ol] = 0;
    const char *yaml = nl ? (const char *)nl + 1 : (const char *)data;
    size_t yl = nl ? size - ol - 1 : size;
    zc_node root;
    dlk_err err;
    if (zc_parse(yaml, yl, "fuzz.yaml", &root, &err)) {
        if (!strstr(err.msg, "fuzz.yaml") && !strstr(err.msg, "memory")) abort();
        return 0;
    }
    if (strlen(ov) == ol && ol) zc_override(&root, ov, &err);
    if (!zc_resolve(&root, &err)) {
        zoo_cfg c;
        if (!zoo_cfg_read(&root, "fuzz.yaml", &c, NULL, NULL, &err)) fuzz_sink(c.warnings + (c.mode ? strlen(c.mode) : 0));
    }
    zc_free(&root);
    return 0;
}
