# SPDX-License-Identifier: Apache-2.0
# Cross-compiling for 64-bit Arm Linux with Debian's gcc-aarch64-linux-gnu and the :arm64 -dev
# packages (multiarch); tests run under qemu-user (scripts/arm64.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# the :arm64 libraries live in /usr/lib/aarch64-linux-gnu (searched first for this architecture)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_LIBRARY_PATH /usr/lib/aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static;-L;/usr/aarch64-linux-gnu)
