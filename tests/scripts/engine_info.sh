#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `dlakit info`: see engine_info.py.
set -euo pipefail
exec "${PY:-/usr/bin/python3}" "$(dirname "$0")/engine_info.py"
