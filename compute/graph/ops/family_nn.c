/* Network layers and losses: batch norm, linear, cross-entropy, BCE, MSE,
 * L2 normalisation, dropout, concat and slice, InfoNCE. */
#include "hue_op_table.h"

extern const hue_op_entry hue_op_batch_norm, hue_op_batch_norm_eval, hue_op_batch_norm_relu, hue_op_linear, hue_op_mse, hue_op_bce_with_logits, hue_op_cross_entropy,
    hue_op_cross_entropy_soft, hue_op_l2_normalize, hue_op_dropout, hue_op_concat, hue_op_slice,
    hue_op_info_nce;

const hue_op_entry *const hue_family_nn[] = {
    &hue_op_batch_norm, &hue_op_batch_norm_eval, &hue_op_batch_norm_relu,
    &hue_op_linear,
    &hue_op_mse, &hue_op_bce_with_logits, &hue_op_cross_entropy, &hue_op_cross_entropy_soft,
    &hue_op_l2_normalize, &hue_op_dropout,
    &hue_op_concat, &hue_op_slice,
    &hue_op_info_nce,
    NULL,
};
