#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages that dlakit's build and tests need, only those missing.
#   scripts/deps.sh            build + test packages
#   scripts/deps.sh --build    build packages only (what scripts/demo.sh needs)
#   scripts/deps.sh --ort      also npm, to install the ONNX Runtime reference (shared/tools/ort) for
#                              regenerating test fixtures; the tests themselves use committed fixtures
# Idempotent: when everything is installed it only runs dpkg-query and exits.
set -euo pipefail

BUILD_PKGS=(build-essential cmake pkg-config protobuf-c-compiler libprotobuf-c-dev libonnx-dev
            libpng-dev libjpeg62-turbo-dev zlib1g-dev libcmocka-dev libyaml-dev)
# libclang-rt-14-dev: libFuzzer for tests/fuzz (scripts/fuzz.sh); valgrind: scripts/valgrind.sh;
# gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm: the Cortex-M55 tests of `compile`;
# xz-utils: tests/fixtures/family/size224.tar.xz (the 224x224 family fixtures)
TEST_PKGS=(clang libclang-rt-14-dev valgrind python3 python3-numpy python3-onnx python3-pil libonnx-testdata nodejs
           gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm xz-utils)
ORT_PKGS=(npm)

pkgs=("${BUILD_PKGS[@]}")
case "${1:-}" in
  --build) ;;
  "" | --all) pkgs+=("${TEST_PKGS[@]}") ;;
  --ort) pkgs+=("${TEST_PKGS[@]}" "${ORT_PKGS[@]}") ;;
  *) echo "usage: $0 [--build|--all|--ort]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
