/* Core ops: elementwise, reductions, softmax, permute, matmul, colour. */
#include "hue_op_table.h"

extern const hue_op_entry hue_op_add, hue_op_sub, hue_op_mul, hue_op_div, hue_op_scale, hue_op_scale_bias,
    hue_op_relu, hue_op_leaky_relu, hue_op_sigmoid, hue_op_tanh, hue_op_exp, hue_op_log, hue_op_reduce_sum,
    hue_op_reduce_mean, hue_op_reduce_max, hue_op_argmax, hue_op_softmax, hue_op_log_softmax, hue_op_permute, hue_op_matmul,
    hue_op_rgb8_to_lab, hue_op_lab_to_rgb;

const hue_op_entry *const hue_family_core[] = {
    &hue_op_add, &hue_op_sub, &hue_op_mul, &hue_op_div, &hue_op_scale, &hue_op_scale_bias,
    &hue_op_relu, &hue_op_leaky_relu, &hue_op_sigmoid, &hue_op_tanh, &hue_op_exp, &hue_op_log,
    &hue_op_reduce_sum, &hue_op_reduce_mean, &hue_op_reduce_max, &hue_op_argmax,
    &hue_op_softmax, &hue_op_log_softmax,
    &hue_op_permute,
    &hue_op_matmul,
    &hue_op_rgb8_to_lab, &hue_op_lab_to_rgb,
    NULL,
};
