#include "hue_op_table.h"

#include <stdlib.h>

#include "hue_error.h"

extern const hue_op_entry hue_op_add, hue_op_sub, hue_op_mul, hue_op_div, hue_op_scale, hue_op_scale_bias, hue_op_relu, hue_op_leaky_relu,
    hue_op_sigmoid, hue_op_tanh, hue_op_exp, hue_op_log, hue_op_reduce_sum, hue_op_reduce_mean, hue_op_reduce_max,
    hue_op_softmax, hue_op_log_softmax, hue_op_permute, hue_op_matmul, hue_op_conv2d, hue_op_max_pool,
    hue_op_avg_pool, hue_op_resize_bilinear, hue_op_rgb8_to_lab, hue_op_lab_to_rgb;

const hue_op_entry *const hue_op_table[] = {
    &hue_op_add, &hue_op_sub, &hue_op_mul, &hue_op_div, &hue_op_scale, &hue_op_scale_bias,
    &hue_op_relu, &hue_op_leaky_relu, &hue_op_sigmoid, &hue_op_tanh, &hue_op_exp, &hue_op_log,
    &hue_op_reduce_sum, &hue_op_reduce_mean, &hue_op_reduce_max,
    &hue_op_softmax, &hue_op_log_softmax,
    &hue_op_permute,
    &hue_op_matmul,
    &hue_op_conv2d,
    &hue_op_max_pool, &hue_op_avg_pool,
    &hue_op_resize_bilinear,
    &hue_op_rgb8_to_lab, &hue_op_lab_to_rgb,
};
const int hue_op_table_size = (int)(sizeof hue_op_table / sizeof hue_op_table[0]);

int64_t hue_host_numel(const hue_host_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

int hue_host_alloc(hue_host_tensor *t, int ndim, const int64_t *shape)
{
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = malloc(sizeof(double) * (size_t)hue_host_numel(t));
    return t->data ? 0 : hue_fail(HUE_ENOMEM, "out of host memory");
}
