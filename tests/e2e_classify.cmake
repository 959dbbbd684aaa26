# SPDX-License-Identifier: Apache-2.0
# classify and eval end-to-end tests (issue: images in, answers out). `full` = all 2004 MNIST
# digits, run in the optimized build only.
set(_cls ${CMAKE_CURRENT_SOURCE_DIR}/scripts)
foreach(t eval_idx eval_folder)
  add_test(NAME e2e.classify.${t} COMMAND bash ${_cls}/classify_${t}.sh)
  set_tests_properties(e2e.classify.${t} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "classify;full" TIMEOUT 900 SKIP_RETURN_CODE 77)
endforeach()
foreach(t photos unreadable)
  add_test(NAME e2e.classify.${t} COMMAND bash ${_cls}/classify_${t}.sh)
  set_tests_properties(e2e.classify.${t} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "classify" TIMEOUT 600 SKIP_RETURN_CODE 77)
endforeach()
