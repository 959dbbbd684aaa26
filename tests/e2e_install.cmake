# SPDX-License-Identifier: Apache-2.0
# Install rules, the shared library's exports, pkg-config and the CMake package, checked by
# building tests/install/consumer.c against an installed prefix (tests/scripts/install.sh).
# Not in sanitizer builds: a program built without -fsanitize cannot load an instrumented library.
if(NOT DLK_SANITIZE AND NOT DLK_FUZZ)
  add_test(NAME e2e.install COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/install.sh)
  set_tests_properties(e2e.install PROPERTIES
    ENVIRONMENT "${E2E_ENV};BUILD=${CMAKE_BINARY_DIR};CC=${CMAKE_C_COMPILER}" LABELS "install" TIMEOUT 300)
endif()
