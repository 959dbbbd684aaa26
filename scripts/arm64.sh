#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds dlakit for 64-bit Arm Linux (aarch64) with Debian's cross compiler and runs its test suite
# under qemu-user, on an x86-64 Debian 12 machine:
#   scripts/arm64.sh            install what is missing, build build/arm64, ctest -LE full there
#   scripts/arm64.sh -R REGEX   only the tests matching REGEX (ctest -R)
# Installs (root or sudo): the arm64 architecture (dpkg --add-architecture), gcc-aarch64-linux-gnu,
# qemu-user-static and the :arm64 -dev packages dlakit links. The tests that run the dlakit tool
# from CMake scripts need the kernel to start aarch64 programs through qemu (binfmt_misc): the
# script registers qemu-aarch64 if it is not (as installing qemu-user-static does on a machine
# with systemd running). Under qemu the suite takes long (each 224x224 model test several minutes):
# the NEON kernels are checked against the reference by the kernel tester and every exactness test.
# Env: JOBS (default nproc), CTEST_J (default 2), BUILD (default build/arm64).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
CTEST_J=${CTEST_J:-2}
BUILD=${BUILD:-build/arm64}
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)

bash scripts/deps.sh --build
PKGS=(gcc-aarch64-linux-gnu qemu-user-static libc6-dev:arm64 libprotobuf-c-dev:arm64 libpng-dev:arm64
      libjpeg62-turbo-dev:arm64 zlib1g-dev:arm64 libcmocka-dev:arm64)
missing=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "arm64: installing ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || "${SUDO[@]}" dpkg --add-architecture arm64
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"
fi

# aarch64 programs started by the kernel (the e2e tests run the tool from CMake scripts)
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] ||
    "${SUDO[@]}" mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  if [ -x /lib/systemd/systemd-binfmt ] && [ -e /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
    "${SUDO[@]}" /lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf || true
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    echo "arm64: cannot register qemu-aarch64 with binfmt_misc here (a container without it?)" >&2
    exit 1
  fi
fi

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDLK_WERROR=ON \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
cmake --build "$BUILD" -j "$JOBS"
file "$BUILD/dlakit"
"$BUILD/dlakit" --version
ctest --test-dir "$BUILD" -LE full -j "$CTEST_J" --timeout 1800 --output-on-failure "$@"
