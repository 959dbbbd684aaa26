#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes dlakit(1) from the tool's own help texts, so that the manual page can never disagree
# with --help: `dlakit --help` gives the synopsis, the command list and the limits, and each
# `dlakit COMMAND --help` a subsection. Option lines ("  --opt ARG   text", continued by deeper
# indented lines) become tagged paragraphs; other text stays as it is.
#   scripts/gen_man.sh DLAKIT [OUT]     (OUT: written whole or not at all; default stdout)
set -euo pipefail
DLAKIT=${1:?usage: gen_man.sh DLAKIT [OUT]}
if [ $# -ge 2 ]; then
  "$0" "$DLAKIT" >"$2.tmp" && mv "$2.tmp" "$2" || { rm -f "$2.tmp"; exit 1; }
  exit 0
fi
ver=$("$DLAKIT" --version | sed 's/^dlakit //')
# roff-escape: backslashes, then a leading . or ' (control characters in roff)
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }
# body TEXT: help text (after its usage line) as man source
body() {
  esc | awk '
    function flush() { if (tag != "") { print ".TP"; print "\\fB" tag "\\fR"; if (desc != "") print desc } tag = ""; desc = "" }
    /^$/ { flush(); print ".PP"; next }
    /^  [^ ]/ {
      line = substr($0, 3)
      n = match(line, /  +/)
      if (n > 0) { flush(); tag = substr(line, 1, n - 1); desc = substr(line, n); sub(/^ +/, "", desc); next }
      if (substr(line, 1, 2) == "\\-" || line ~ /^[A-Z]+[A-Z.]* /) { flush(); tag = line; next }
      flush(); print ".nf"; print "  " line; print ".fi"; next
    }
    /^   +/ { if (tag != "") { l = $0; sub(/^ +/, "", l); desc = desc (desc == "" ? "" : "\n") l; next } print ".nf"; print; print ".fi"; next }
    { flush(); print }
    END { flush() }'
}
main_help=$("$DLAKIT" --help)
cmds=$(awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}' <<<"$main_help")
cat <<HEAD
.TH DLAKIT 1 "" "dlakit $ver" "User Commands"
.SH NAME
dlakit \\- DLA image classifiers in C: run, evaluate, quantize and compile ONNX models
.SH SYNOPSIS
.B dlakit
.I COMMAND
.RI [ options ]
.br
.B dlakit \\-\\-help
|
.B \\-\\-version
.SH DESCRIPTION
HEAD
sed -n '3p' <<<"$main_help" | esc
echo ".SS Commands"
awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {c = $1; $1 = ""; sub(/^ +/, ""); print ".TP\n\\fB" c "\\fR\n" $0} on && /^$/ {exit}' <<<"$main_help" | sed 's/-/\\-/g'
echo ".SS Limits"
awk '/^Limits/ {on = 1} on' <<<"$main_help" | body
echo ".SH COMMANDS"
for c in $cmds; do
  h=$("$DLAKIT" "$c" --help)
  echo ".SS dlakit $c"
  sed -n '1s/^usage: //p' <<<"$h" | esc | sed 's/^/.B /'
  tail -n +2 <<<"$h" | body
done
cat <<'TAIL'
.SH EXIT STATUS
0 on success; non-zero on any error, with a message on standard error that names the file and
the problem. No output file is left half-written.
.SH ENVIRONMENT
.TP
.B DLAKIT_ISA
ref, avx2, avx2vnni or avx512: the kernel set to use (default: the best this CPU runs).
.TP
.B DLAKIT_MAX_IMAGE_PIXELS\fR, \fBDLAKIT_MAX_TENSOR_BYTES\fR, \fBDLAKIT_MAX_ARENA_BYTES
limits, as the \-\-max\-* options.
.SH SEE ALSO
The README of the dlakit sources.
TAIL
