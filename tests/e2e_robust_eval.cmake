# Issue #9: eval's worker threads share the decode budget of image/decode.c (peak RSS at 4 threads).
add_test(NAME e2e.robust.eval_memory COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_eval_memory.sh)
set_tests_properties(e2e.robust.eval_memory PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 300)
# A bias shared by a float (--exclude) and a quantized Conv (quantize fuzz finding).
add_test(NAME e2e.robust.quantize_exclude COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_quantize_exclude.sh)
set_tests_properties(e2e.robust.quantize_exclude PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 120)
