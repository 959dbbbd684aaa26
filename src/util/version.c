// SPDX-License-Identifier: Apache-2.0
/* The library's version (include/dlakit.h's DLK_VERSION when it was built). */
#include "dlakit.h"

const char *dlk_version(void) { return DLK_VERSION; }
