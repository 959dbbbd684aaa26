# SPDX-License-Identifier: Apache-2.0
# Issue #9: eval's worker threads share the decode budget of image/decode.c (peak RSS at 4 threads).
add_test(NAME e2e.robust.eval_memory COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_eval_memory.sh)
set_tests_properties(e2e.robust.eval_memory PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 300)
# A bias shared by a float (--exclude) and a quantized Conv (quantize fuzz finding).
add_test(NAME e2e.robust.quantize_exclude COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_quantize_exclude.sh)
set_tests_properties(e2e.robust.quantize_exclude PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 120)
# Issue #24, the second hostile round (outputs, stdout, limits, names; tests/robust "Round 2").
add_test(NAME e2e.robust.cli2 COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust2_cli.sh)
set_tests_properties(e2e.robust.cli2 PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 300)
# quantize writes the same bytes on every ISA and thread count
add_test(NAME e2e.robust.quantize_isa COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_quantize_isa.sh)
set_tests_properties(e2e.robust.quantize_isa PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 300)
