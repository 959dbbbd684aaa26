# SPDX-License-Identifier: Apache-2.0
# Issue #9 (robustness). The command line against hostile or wrong arguments (output paths, ranges,
# limits, messages), and the deterministic mutation test (label `full`: the optimized build).
add_test(NAME e2e.robust.cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_cli.sh)
set_tests_properties(e2e.robust.cli PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust" TIMEOUT 300)

add_executable(test_mutate ${CMAKE_CURRENT_SOURCE_DIR}/robust/test_mutate.c)
target_include_directories(test_mutate PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(test_mutate PRIVATE dlakit m)
add_test(NAME robust.mutate COMMAND test_mutate models/dla46c_mnist_64/dla46c_mnist_64.onnx
         tests/fixtures/images/jpeg_progressive.jpg tests/fixtures/images/rgba16_interlaced.png
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(robust.mutate PROPERTIES LABELS "robust;full" TIMEOUT 120)

# scripts/mutate.sh's in-process driver (not a test by itself)
add_executable(dlk_mutate ${CMAKE_CURRENT_SOURCE_DIR}/robust/mutate_driver.c)
target_include_directories(dlk_mutate PRIVATE ${PROJECT_SOURCE_DIR}/src ${GEN})
target_link_libraries(dlk_mutate PRIVATE dlakit m)

# Issue 24: the generated C against hostile node names and names, typed per value, the 2 GiB arena.
add_test(NAME e2e.robust.compile COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/robust_compile.sh 8)
set_tests_properties(e2e.robust.compile PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "robust;mcu" TIMEOUT 300)
