# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of the image module (dlakit preprocess). Scripts exit 77 to be skipped when
# ../shared is absent (CI always has it).
foreach(t zoo mnist jpeg random float cli)
  add_test(NAME e2e.image.${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/image_${t}.sh)
  set_tests_properties(e2e.image.${t} PROPERTIES ENVIRONMENT "${E2E_ENV}" SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
