/* SPDX-License-Identifier: Apache-2.0 */
/* Element-type and shape helpers (dlk_dtype_size, dlk_dtype_name, dlk_shape_numel): defined in
 * util/dtype.c, declared in the public header. Graph code includes this rather than the runtime. */
#ifndef DLK_UTIL_DTYPE_H
#define DLK_UTIL_DTYPE_H

#include "dlakit.h"

#endif
