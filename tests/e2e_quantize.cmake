# SPDX-License-Identifier: Apache-2.0
# dlakit quantize (tests/scripts/quantize_*.sh). Label `full`: the shared MNIST model against
# ORT's quantize_static file and its 2004 test digits (optimized build only).
add_test(NAME e2e.quantize.cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/quantize_cli.sh)
set_tests_properties(e2e.quantize.cli PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "quantize" TIMEOUT 600)
add_test(NAME e2e.quantize.mnist_full COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/quantize_mnist_full.sh)
set_tests_properties(e2e.quantize.mnist_full PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "quantize;full" TIMEOUT 900 SKIP_RETURN_CODE 77)
