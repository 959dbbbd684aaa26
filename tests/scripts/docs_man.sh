#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dlakit(1) (made at build time by scripts/gen_man.sh) renders with man -l without a groff
# warning, has a section for every command of `dlakit --help`, and names in that section every
# option that the command's --help names; the bash completion (tools/completion/dlakit.bash)
# completes commands, options and option values from the same help texts.
. "$(dirname "$0")/engine_lib.sh"
: "${MAN_PAGE:?MAN_PAGE not set (run through ctest)}"
[ -s "$MAN_PAGE" ] || { echo "FAIL no manual page at $MAN_PAGE"; exit 1; }
MANWIDTH=100 man --warnings -l "$MAN_PAGE" >"$TMP/man.txt" 2>"$TMP/man.err" || fail "man -l exited $?"
[ -s "$TMP/man.err" ] && { fail "man -l warned:"; sed 's/^/     /' "$TMP/man.err" | head; }
grep -q '^DLAKIT(1)' "$TMP/man.txt" && echo "ok man -l renders dlakit(1) ($(wc -l <"$TMP/man.txt") lines)" || fail "no DLAKIT(1) header"
cmds=$("$DLAKIT" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ "$(wc -w <<<"$cmds")" -ge 10 ] || fail "only $(wc -w <<<"$cmds") commands in dlakit --help"
for c in $cmds; do
  # the command's section of the rendered page: from "   dlakit C" to the next section
  awk -v c="   dlakit $c" '$0 == c {on = 1; next} on && /^   dlakit [a-z]+$/ {exit} on && /^[A-Z]/ {exit} on' "$TMP/man.txt" >"$TMP/sec.txt"
  [ -s "$TMP/sec.txt" ] || { fail "no section for '$c'"; continue; }
  n=0 miss=0
  for o in $("$DLAKIT" "$c" --help | grep -oE '(^|[ [(|])--[a-z][a-z0-9-]*' | sed 's/^[ [(|]//' | sort -u); do
    n=$((n + 1))
    grep -qe "$o" "$TMP/sec.txt" || { fail "dlakit $c: $o is in --help but not in the manual page"; miss=$((miss + 1)); }
  done
  [ $miss -eq 0 ] && echo "ok dlakit $c: all $n options of --help in the manual page"
done
# completion
comp() { (PATH=$(dirname "$DLAKIT"):$PATH; . "$SRC/tools/completion/dlakit.bash"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dlakit; echo "${COMPREPLY[*]}"); }
[ "$(comp dlakit clas)" = classify ] && echo "ok completion: clas -> classify" || fail "completion of 'clas': '$(comp dlakit clas)'"
[ "$(comp dlakit eval --conf)" = --confusion ] && echo "ok completion: eval --conf -> --confusion" || fail "completion of 'eval --conf': '$(comp dlakit eval --conf)'"
[ "$(comp dlakit quantize --method p)" = percentile ] && echo "ok completion: --method p -> percentile" || fail "completion of '--method p': '$(comp dlakit quantize --method p)'"
finish
