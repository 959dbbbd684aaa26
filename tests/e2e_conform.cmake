# SPDX-License-Identifier: Apache-2.0
# ONNX backend node tests (Debian libonnx-testdata), one ctest entry each: `dlakit conform DIR`.
# The list is the one issue 3 names (100 tests, _expanded variants excluded) and Split's 7 (issue 20).
set(ONNX_NODE_DIR /usr/share/libonnx-testdata/data/node CACHE PATH "ONNX backend node tests")
set(DLK_CONFORM_TESTS
  test_add
  test_add_bcast
  test_averagepool_2d_ceil
  test_averagepool_2d_default
  test_averagepool_2d_pads
  test_averagepool_2d_pads_count_include_pad
  test_averagepool_2d_precomputed_pads
  test_averagepool_2d_precomputed_pads_count_include_pad
  test_averagepool_2d_precomputed_same_upper
  test_averagepool_2d_precomputed_strides
  test_averagepool_2d_same_lower
  test_averagepool_2d_same_upper
  test_averagepool_2d_strides
  test_clip
  test_clip_default_inbounds
  test_clip_default_int8_inbounds
  test_clip_default_int8_max
  test_clip_default_int8_min
  test_clip_default_max
  test_clip_default_min
  test_clip_example
  test_clip_inbounds
  test_clip_outbounds
  test_clip_splitbounds
  test_concat_1d_axis_0
  test_concat_1d_axis_negative_1
  test_concat_2d_axis_0
  test_concat_2d_axis_1
  test_concat_2d_axis_negative_1
  test_concat_2d_axis_negative_2
  test_concat_3d_axis_0
  test_concat_3d_axis_1
  test_concat_3d_axis_2
  test_concat_3d_axis_negative_1
  test_concat_3d_axis_negative_2
  test_concat_3d_axis_negative_3
  test_conv_with_autopad_same
  test_conv_with_strides_and_asymmetric_padding
  test_conv_with_strides_no_padding
  test_conv_with_strides_padding
  test_dequantizelinear
  test_dequantizelinear_axis
  test_flatten_axis0
  test_flatten_axis1
  test_flatten_axis2
  test_flatten_axis3
  test_flatten_default_axis
  test_flatten_negative_axis1
  test_flatten_negative_axis2
  test_flatten_negative_axis3
  test_flatten_negative_axis4
  test_gemm_all_attributes
  test_gemm_alpha
  test_gemm_beta
  test_gemm_default_matrix_bias
  test_gemm_default_no_bias
  test_gemm_default_scalar_bias
  test_gemm_default_single_elem_vector_bias
  test_gemm_default_vector_bias
  test_gemm_default_zero_bias
  test_gemm_transposeA
  test_gemm_transposeB
  test_globalaveragepool
  test_globalaveragepool_precomputed
  test_matmul_2d
  test_maxpool_2d_ceil
  test_maxpool_2d_default
  test_maxpool_2d_dilations
  test_maxpool_2d_pads
  test_maxpool_2d_precomputed_pads
  test_maxpool_2d_precomputed_same_upper
  test_maxpool_2d_precomputed_strides
  test_maxpool_2d_same_lower
  test_maxpool_2d_same_upper
  test_maxpool_2d_strides
  test_maxpool_2d_uint8
  test_qlinearconv
  test_qlinearmatmul_2D
  test_quantizelinear
  test_quantizelinear_axis
  test_relu
  test_reshape_allowzero_reordered
  test_reshape_extended_dims
  test_reshape_negative_dim
  test_reshape_negative_extended_dims
  test_reshape_one_dim
  test_reshape_reduced_dims
  test_reshape_reordered_all_dims
  test_reshape_reordered_last_dims
  test_reshape_zero_and_negative_dim
  test_reshape_zero_dim
  test_sigmoid
  test_sigmoid_example
  test_softmax_axis_0
  test_softmax_axis_1
  test_softmax_axis_2
  test_softmax_default_axis
  test_softmax_example
  test_softmax_large_number
  test_softmax_negative_axis
  test_split_equal_parts_1d
  test_split_equal_parts_2d
  test_split_equal_parts_default_axis
  test_split_variable_parts_1d
  test_split_variable_parts_2d
  test_split_variable_parts_default_axis
  test_split_zero_size_splits
)
foreach(t ${DLK_CONFORM_TESTS})
  add_test(NAME conform.${t} COMMAND dlakit_cli conform --verbose ${ONNX_NODE_DIR}/${t})
  set_tests_properties(conform.${t} PROPERTIES LABELS "conform" TIMEOUT 60)
endforeach()

# Split's opset forms (11: attribute, 13: input, 18: num_outputs), float / int8 / uint8, against
# numpy (scripts/split_forms.py), and a bad split refused
add_test(NAME conform.split_forms COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/split_forms.sh)
set_tests_properties(conform.split_forms PROPERTIES ENVIRONMENT "${E2E_ENV}" LABELS "conform" TIMEOUT 120)
