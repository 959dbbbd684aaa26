#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds dlakit's Debian packages (libdlakit0, libdlakit-dev, dlakit, python3-dlakit) from the working tree with
# dpkg-buildpackage -b in a scratch copy, checks them with lintian (no error or warning), installs
# them, and checks the installed result: dlakit --version, the manual page, pkg-config, and
# tests/install/consumer.c built against /usr and run on the bundled MNIST model, import dlakit
# with /usr/bin/python3 and a run; then removes
# them again. Installs debhelper and lintian when missing (as root or through sudo).
#   scripts/deb.sh [OUTDIR]     (the .deb files are copied to OUTDIR when given)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
need=()
for p in debhelper lintian fakeroot dpkg-dev; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "deb: installing ${need[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null ||
    { "${SUDO[@]}" apt-get update >/dev/null && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/dlakit-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir "$T/dlakit"
git ls-files -co --exclude-standard | grep -v '^build/' | tar -T - -cf - | tar -xf - -C "$T/dlakit"
t0=$SECONDS
(cd "$T/dlakit" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -us -uc >"$T/build.log" 2>&1) ||
  { tail -40 "$T/build.log"; echo "deb: dpkg-buildpackage failed"; exit 1; }
echo "deb: built $(cd "$T" && ls ./*.deb | tr '\n' ' ')($((SECONDS - t0)) s)"
changes=$(ls "$T"/*.changes)
if ! lintian --fail-on error,warning "$changes" >"$T/lintian.txt" 2>&1; then
  cat "$T/lintian.txt"; echo "deb: lintian reports errors or warnings"; exit 1
fi
echo "deb: lintian: no errors or warnings$( [ -s "$T/lintian.txt" ] && echo "; $(wc -l <"$T/lintian.txt") notes:" )"
sed 's/^/     /' "$T/lintian.txt"
[ $# -ge 1 ] && mkdir -p "$1" && cp "$T"/*.deb "$1"/
cleanup() { "${SUDO[@]}" dpkg -r python3-dlakit dlakit-dbgsym libdlakit0-dbgsym dlakit libdlakit-dev libdlakit0 >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
"${SUDO[@]}" dpkg -i $(ls "$T"/*.deb | grep -v dbgsym) >/dev/null
fails=0
check() { if "$@"; then :; else echo "deb: FAIL: $*"; fails=$((fails + 1)); fi; }
v=$(sed -n 's/^#define DLK_VERSION "\(.*\)"/\1/p' include/dlakit.h)
check test "$(/usr/bin/dlakit --version)" = "dlakit $v"
check man -w dlakit >/dev/null
check test "$(pkg-config --modversion dlakit)" = "$v"
check test -f /usr/share/bash-completion/completions/dlakit
cc -std=c11 -Wall -Wextra -Werror tests/install/consumer.c -o "$T/consumer" $(pkg-config --cflags --libs dlakit)
check "$T/consumer" models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx 64 64 "$T/in.f32" "$T/out.f32"
check test "$(cd / && /usr/bin/python3 -c 'import dlakit; print(dlakit.__file__, dlakit.__version__)')" = \
  "/usr/lib/python3/dist-packages/dlakit/__init__.py $v"
check /usr/bin/python3 - "$T/out.f32" <<'PYEOF'
import sys, numpy as np, dlakit
m = dlakit.Model("models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx")
x = np.zeros((1, 64, 64, 3), np.uint8)
assert m.run(x).shape == (1, 10)
PYEOF
[ $fails -eq 0 ] || exit 1
echo "deb: installed and checked: dlakit --version, man dlakit, pkg-config, the consumer against /usr, import dlakit"
