# SPDX-License-Identifier: Apache-2.0
# Sourced by tests/scripts/robust*_cli.sh (after engine_lib.sh).
n=0
# check NAME WANT_RC WANT_STDERR_LINE -- ARGS...: exact status and one exact stderr line
check() {
  local name=$1 want_rc=$2 want=$3; shift 4
  n=$((n + 1))
  local rc=0
  timeout 120 "$DLAKIT" "$@" >"$TMP/o$n" 2>"$TMP/e$n" || rc=$?
  if [ "$rc" != "$want_rc" ]; then
    echo "FAIL $name: exit status $rc, want $want_rc"; sed 's/^/     /' "$TMP/e$n" | head -5; FAILS=$((FAILS + 1)); return
  fi
  if [ -n "$want" ] && ! grep -qxF -- "$want" "$TMP/e$n"; then
    echo "FAIL $name: stderr lacks the line: $want"; sed 's/^/     /' "$TMP/e$n" | head -5; FAILS=$((FAILS + 1)); return
  fi
  if grep -qE 'Sanitizer|runtime error:' "$TMP/e$n"; then echo "FAIL $name: sanitizer report"; FAILS=$((FAILS + 1)); return; fi
  echo "ok   $name"
}
