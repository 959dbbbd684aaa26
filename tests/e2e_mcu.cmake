# analyze / compile: the numbers of issue #10 and the generated C, on the host and on a Cortex-M55
# under QEMU (scripts/mcu_*.sh). `full` (run in the -O2 build): the three zoo replicas on the host
# and dla46c under QEMU (one photo, ~10 s of QEMU). The QEMU tests exit 77 (skipped, with the reason)
# only when the cross compiler, newlib or qemu-system-arm is missing.
set(_mcu ${CMAKE_CURRENT_SOURCE_DIR}/scripts)
add_test(NAME e2e.mcu.analyze COMMAND bash ${_mcu}/mcu_analyze.sh)
set_tests_properties(e2e.mcu.analyze PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 300)
add_test(NAME e2e.mcu.host.mnist64 COMMAND bash ${_mcu}/mcu_host.sh mnist 32)
set_tests_properties(e2e.mcu.host.mnist64 PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 300 SKIP_RETURN_CODE 77)
foreach(m dla46c_pt_224 dla46xc_pt_224 dla60xc_pt_224)
  add_test(NAME e2e.mcu.host.${m} COMMAND bash ${_mcu}/mcu_host.sh zoo ${m})
  set_tests_properties(e2e.mcu.host.${m} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu;full" TIMEOUT 600 SKIP_RETURN_CODE 77)
endforeach()
add_test(NAME e2e.mcu.m55.mnist64 COMMAND bash ${_mcu}/mcu_qemu.sh mnist 4)
set_tests_properties(e2e.mcu.m55.mnist64 PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 300 SKIP_RETURN_CODE 77)
add_test(NAME e2e.mcu.m55.dla46c_pt_224 COMMAND bash ${_mcu}/mcu_qemu.sh zoo dla46c_pt_224 1)
set_tests_properties(e2e.mcu.m55.dla46c_pt_224 PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu;full" TIMEOUT 600 SKIP_RETURN_CODE 77)
# finetune -> quantize -> compile (issue 23): tests/scripts/finetune_e2e.sh
add_test(NAME e2e.finetune.head COMMAND bash ${_mcu}/finetune_e2e.sh)
set_tests_properties(e2e.finetune.head PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 600 SKIP_RETURN_CODE 77)
