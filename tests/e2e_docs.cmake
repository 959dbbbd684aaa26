# SPDX-License-Identifier: Apache-2.0
# The manual page and the bash completion against the tool's --help (tests/scripts/docs_man.sh).
if(NOT DLK_FUZZ)
  add_test(NAME e2e.docs.man COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/docs_man.sh)
  set_tests_properties(e2e.docs.man PROPERTIES
    ENVIRONMENT "${E2E_ENV};MAN_PAGE=${CMAKE_BINARY_DIR}/dlakit.1" LABELS "docs" TIMEOUT 120)
endif()
# Every command README.md and the --help examples show, run from the state README describes
# (tests/scripts/readme_commands.sh). Not in sanitizer builds: the Python and cc examples load the
# installed library without the sanitizer runtime.
if(NOT DLK_FUZZ AND NOT DLK_SANITIZE)
  add_test(NAME e2e.docs.readme COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/readme_commands.sh)
  set_tests_properties(e2e.docs.readme PROPERTIES
    ENVIRONMENT "${E2E_ENV};BUILD=${CMAKE_BINARY_DIR}" LABELS "docs" TIMEOUT 300)
endif()
