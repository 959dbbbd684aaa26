# SPDX-License-Identifier: Apache-2.0
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
# issue 20: a float layer inside an int8 model (dla46_c ActivationSymmetric, QOperator: Relu ->
# GlobalAveragePool in float) and a Res2Net (Split, QLinearAveragePool) on the Cortex-M55, 3 images
foreach(t "dla46_c;qdq_actsym_qop" "dla60_res2net;qop")
  list(GET t 0 _a)
  list(GET t 1 _q)
  add_test(NAME e2e.mcu.m55.${_a}_${_q} COMMAND bash ${_mcu}/mcu_qemu.sh family ${_a} ${_q})
  set_tests_properties(e2e.mcu.m55.${_a}_${_q} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()
# compile --target: the Helium (cortex-m55) and DSP (cortex-m7, cortex-m4) kernels on their QEMU
# boards (mps3-an547, mps2-an500, mps2-an386), scores bit-identical to the generic C on the host
# and to ort_int8_qop.npy; MNIST in the default set, every zoo model at 224 in `full`.
foreach(t cortex-m55 cortex-m7 cortex-m4)
  add_test(NAME e2e.mcu.${t}.mnist64 COMMAND bash ${_mcu}/mcu_qemu.sh --target ${t} mnist 2)
  set_tests_properties(e2e.mcu.${t}.mnist64 PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 300 SKIP_RETURN_CODE 77)
  foreach(m dla46c_pt_224 dla46xc_pt_224 dla60xc_pt_224)
    add_test(NAME e2e.mcu.${t}.${m} COMMAND bash ${_mcu}/mcu_qemu.sh --target ${t} zoo ${m} 1)
    set_tests_properties(e2e.mcu.${t}.${m} PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu;full" TIMEOUT 900 SKIP_RETURN_CODE 77)
  endforeach()
endforeach()
# finetune -> quantize -> compile (issue 23): tests/scripts/finetune_e2e.sh
add_test(NAME e2e.finetune.head COMMAND bash ${_mcu}/finetune_e2e.sh)
set_tests_properties(e2e.finetune.head PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "mcu" TIMEOUT 600 SKIP_RETURN_CODE 77)
