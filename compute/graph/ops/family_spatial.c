/* Spatial ops: convolution, transposed convolution, pooling, resizing. */
#include "hue_op_table.h"

extern const hue_op_entry hue_op_conv2d, hue_op_conv_transpose2d, hue_op_conv_weight_flip, hue_op_max_pool, hue_op_avg_pool,
    hue_op_global_avg_pool, hue_op_resize_bilinear;

const hue_op_entry *const hue_family_spatial[] = {
    &hue_op_conv2d, &hue_op_conv_transpose2d, &hue_op_conv_weight_flip,
    &hue_op_max_pool, &hue_op_avg_pool, &hue_op_global_avg_pool,
    &hue_op_resize_bilinear,
    NULL,
};
