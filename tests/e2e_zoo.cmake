# SPDX-License-Identifier: Apache-2.0
# dlakit zoo (issue 22): the model zoo services' user_config.yaml. chain_eqe on the 2004 MNIST test
# digits is `full` (the optimized build only); the modes on the bundled digits run everywhere.
set(_zoo ${CMAKE_CURRENT_SOURCE_DIR}/scripts)
add_test(NAME e2e.zoo.chain_eqe COMMAND bash ${_zoo}/zoo_chain_eqe.sh)
set_tests_properties(e2e.zoo.chain_eqe PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "zoo;full" TIMEOUT 600 SKIP_RETURN_CODE 77)
add_test(NAME e2e.zoo.modes COMMAND bash ${_zoo}/zoo_modes.sh)
set_tests_properties(e2e.zoo.modes PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "zoo" TIMEOUT 600 SKIP_RETURN_CODE 77)
