# SPDX-License-Identifier: Apache-2.0
# Sourced by tests/scripts/engine_*.sh. Environment (from tests/CMakeLists.txt's E2E_ENV):
#   DLAKIT  the dlakit tool   SHARED  ../shared reference material   PY  Debian python3   SRC  repo root
# Exit status 77 = skipped (SKIP_RETURN_CODE in tests/e2e_engine.cmake).
set -euo pipefail

: "${DLAKIT:?DLAKIT not set (run through ctest)}" "${SRC:?SRC not set}"
PY=${PY:-/usr/bin/python3}
SHARED=${SHARED:-$SRC/../shared}
COMMON="$PY $SRC/tests/scripts/common.py"
FIX="$SRC/tests/fixtures/engine"
MNIST_MODELS="$SRC/models/dla46c_mnist_64"
ZOO="$SHARED/models/zoo"
MNIST="$SHARED/models/mnist/dla46c_mnist_64"

FAILS=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dlakit-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

need_shared() {
  if [ ! -d "$SHARED/models" ]; then
    echo "SKIP: reference material not found at $SHARED"
    exit 77
  fi
}

if [ ! -x "$DLAKIT" ]; then
  echo "FAIL: dlakit tool not found at $DLAKIT"
  exit 1
fi

# run_ok OUT ARGS...: runs "dlakit ARGS...", which must exit 0 and write OUT. Returns 1 otherwise
# (after printing the command, its status and its stderr) so that callers can go on and count.
run_ok() {
  local out=$1; shift
  rm -f "$out"
  local t0=$SECONDS rc=0
  "$DLAKIT" "$@" >"$TMP/last.stdout" 2>"$TMP/last.stderr" || rc=$?
  if [ $rc -ne 0 ] || [ ! -s "$out" ]; then
    echo "FAIL dlakit $* -> exit status $rc$([ -s "$out" ] || echo ', no output file')"
    sed 's/^/     stderr: /' "$TMP/last.stderr" | head -20
    return 1
  fi
  echo "ran dlakit $* ($((SECONDS - t0)) s)"
}

# check CMD ARGS...: runs a common.py check; counts a failure instead of exiting.
check() {
  $COMMON "$@" || FAILS=$((FAILS + 1))
}

fail() {
  echo "FAIL $*"
  FAILS=$((FAILS + 1))
}

finish() {
  if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
