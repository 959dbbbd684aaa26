#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `dlakit bench --profile`: see engine_bench.py.
set -euo pipefail
exec "${PY:-/usr/bin/python3}" "$(dirname "$0")/engine_bench.py"
