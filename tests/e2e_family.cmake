# SPDX-License-Identifier: Apache-2.0
# The twelve timm DLA architectures (issue 20): tests/fixtures/family (narrow, untrained, 3 random
# images each, ORT 1.30's outputs; README.md there). scripts/family.sh says what each asserts:
# float vs ORT, QOperator and QDQ int8 bits vs ORT's integer kernels, top-1 vs ORT's QDQ run, and
# with "compile" analyze + compile + the generated C on the host giving `dlakit run`'s bits.
# 64x64 for every architecture (compile for dla46_c with its three other quantizations and the
# two Res2Net ones); 224x224 (size224.tar.xz, the same script's --size 224) with compile for all,
# labelled `full`.
set(_fam ${CMAKE_CURRENT_SOURCE_DIR}/scripts/family.sh)
foreach(a dla34 dla46_c dla46x_c dla60x_c dla60 dla60x dla102 dla102x dla102x2 dla169 dla60_res2net dla60_res2next)
  set(_c "")
  if(a MATCHES "^(dla46_c|dla60_res2net|dla60_res2next)$")
    set(_c compile)
  endif()
  add_test(NAME e2e.family.64.${a} COMMAND bash ${_fam} 64 ${a} ${_c})
  set_tests_properties(e2e.family.64.${a} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "family" TIMEOUT 600)
  add_test(NAME e2e.family.224.${a} COMMAND bash ${_fam} 224 ${a} compile)
  set_tests_properties(e2e.family.224.${a} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "family;full" TIMEOUT 900)
endforeach()
