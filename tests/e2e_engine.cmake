# SPDX-License-Identifier: Apache-2.0
# Engine end-to-end tests: `dlakit run` / `dlakit info` against ONNX Runtime references
# (../shared and tests/fixtures/engine). Scripts in scripts/engine_*.sh; each prints what it
# compared. Label `full` = slow (all 2004 MNIST digits): run only in the optimized build
# (ctest -L full); everything else runs in the sanitizer build (ctest -LE full).
# Exit status 77 = skipped (../shared absent).
set(_eng ${CMAKE_CURRENT_SOURCE_DIR}/scripts)

# a. float / QDQ int8 / QOperator int8 files of each model vs ORT (float: 1e-4 of max|ref|, int8: bits)
foreach(m dla46c_pt_224 dla46xc_pt_224 dla60xc_pt_224)
  add_test(NAME e2e.engine.model.${m} COMMAND bash ${_eng}/engine_model.sh zoo ${m})
  set_tests_properties(e2e.engine.model.${m} PROPERTIES
    ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 600 SKIP_RETURN_CODE 77)
endforeach()
add_test(NAME e2e.engine.model.mnist64 COMMAND bash ${_eng}/engine_model.sh mnist 64)
set_tests_properties(e2e.engine.model.mnist64 PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 600 SKIP_RETURN_CODE 77)

# b. all 2004 MNIST test digits: 1954 / 1949 / 1949 correct, int8 bit-identical
add_test(NAME e2e.engine.mnist_full COMMAND bash ${_eng}/engine_mnist_full.sh)
set_tests_properties(e2e.engine.mnist_full PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine;full" TIMEOUT 900 SKIP_RETURN_CODE 77)

# c. --batch 4 / 3 / 16 and --threads 2 give the --batch 1 bits
add_test(NAME e2e.engine.batch COMMAND bash ${_eng}/engine_batch.sh)
set_tests_properties(e2e.engine.batch PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 600 SKIP_RETURN_CODE 77)

# d. symbolic [batch_size,3,height,width] models at 96x32 and 160x192
add_test(NAME e2e.engine.symbolic COMMAND bash ${_eng}/engine_symbolic.sh)
set_tests_properties(e2e.engine.symbolic PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 600)

# e. bad models and inputs: clean non-zero exit, file named on stderr, no output written
add_test(NAME e2e.engine.errors COMMAND bash ${_eng}/engine_errors.sh)
set_tests_properties(e2e.engine.errors PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 300)

# f. dlakit info --json: parameters, op counts, inputs/outputs
add_test(NAME e2e.engine.info COMMAND bash ${_eng}/engine_info.sh)
set_tests_properties(e2e.engine.info PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 300)

# dlakit bench --profile [--json]: one entry per node, MACs against an independent count, the
# kernel (and layouts) of each node under AVX-512, DLAKIT_LAYOUT=nchw and DLAKIT_ISA=ref
add_test(NAME e2e.engine.bench COMMAND bash ${_eng}/engine_bench.sh)
set_tests_properties(e2e.engine.bench PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 300)

# --input-npy and --mean/--std give the same bits as --images-npy with the same preprocessing
add_test(NAME e2e.engine.input COMMAND bash ${_eng}/engine_input.sh)
set_tests_properties(e2e.engine.input PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 300 SKIP_RETURN_CODE 77)

# g. the same exactness checks under other kernel sets (DLAKIT_ISA): the portable reference and
# AVX2 (what a CPU without AVX-512 runs); the tests above run the best this machine has. Small
# inputs keep the sanitizer build's time low: 16 MNIST digits (the same DLA-46-C graph), and the
# 224x224 zoo model under AVX2 only.
foreach(isa ref avx2)
  add_test(NAME e2e.engine.model.mnist64.${isa} COMMAND bash ${_eng}/engine_model.sh mnist 16)
  set_tests_properties(e2e.engine.model.mnist64.${isa} PROPERTIES
    ENVIRONMENT "${E2E_ENV};DLAKIT_ISA=${isa}" LABELS "engine" TIMEOUT 600 SKIP_RETURN_CODE 77)
endforeach()
add_test(NAME e2e.engine.model.dla46c_pt_224.avx2 COMMAND bash ${_eng}/engine_model.sh zoo dla46c_pt_224)
set_tests_properties(e2e.engine.model.dla46c_pt_224.avx2 PROPERTIES
  ENVIRONMENT "${E2E_ENV};DLAKIT_ISA=avx2" LABELS "engine" TIMEOUT 600 SKIP_RETURN_CODE 77)

# p. one liveness module: bench's arena (DLAKIT_ISA=ref) = analyze's planned peak for every shared
# int8 model; the liveness unit test again under the reference kernels, where the runtime's plan
# and the program's must be the same buffers at the same offsets
add_test(NAME e2e.engine.plan COMMAND bash ${_eng}/engine_plan.sh)
set_tests_properties(e2e.engine.plan PROPERTIES
  ENVIRONMENT "${E2E_ENV}" LABELS "engine" TIMEOUT 600 SKIP_RETURN_CODE 77)
add_test(NAME e2e.engine.plan_ref COMMAND test_liveness WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
set_tests_properties(e2e.engine.plan_ref PROPERTIES ENVIRONMENT "DLAKIT_ISA=ref" LABELS "engine" TIMEOUT 600)
