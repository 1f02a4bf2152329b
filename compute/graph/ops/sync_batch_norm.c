/* Batch normalisation whose statistics are the whole group's batch: what
 * one process would compute over the batch the ranks share. Built from
 * ordinary ops and hue_all_reduce_sum, so autograd gives the backward
 * (whose two sums over the group the sum's own backward adds), at the cost
 * of a few more passes than the fused batch_norm kernels:
 *   mean = sum_group(sum x) / M,  d = x - mean,
 *   var = sum_group(sum d^2) / M,  y = d / sqrt(var + eps) * gamma + beta,
 * with M the group's count per channel. The running statistics move as
 * PyTorch's (unbiased variance), by the moving-average op. */
#include "hue_ops_nn.h"
#include "op_common.h"

/* Per-channel sums of x [N, C, ...]: over the spatial axes first, then
 * over the batch. One float sum over N x H x W values loses enough (an
 * error growing with the count, amplified by 1/std where a channel's mean
 * is large against its spread) to move gradients by a percent in a
 * ResNet; two shorter sums keep it at the fused kernel's level. */
static hue_tensor channel_sums(hue_graph *g, hue_tensor x)
{
    unsigned spatial = 0;
    for (int a = 2; a < hue_tensor_ndim(g, x); a++)
        spatial |= 1u << a;
    hue_tensor per_image = spatial ? hue_reduce(g, HUE_REDUCE_SUM, x, spatial) : x;
    return hue_reduce(g, HUE_REDUCE_SUM, per_image, 1u);
}

hue_tensor hue_batch_norm_group(hue_graph *g, hue_tensor x, hue_tensor gamma, hue_tensor beta,
                                hue_tensor running_mean, hue_tensor running_var, float momentum, float eps, int relu)
{
    /* running statistics are optional (a second use of shared layers moves none) */
    int moves = running_mean >= 0 || running_var >= 0;
    hue_tensor in[5] = {x, gamma, beta, running_mean, running_var};
    if (hue_graph_check_inputs(g, "batch_norm_group", moves ? 5 : 3, in))
        return g->error;
    if (hue_tensor_ndim(g, x) < 2)
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm_group: %s needs a channel axis", g->t[x].name);
    int64_t C = hue_tensor_dim(g, x, 1);
    double M = (double)(hue_tensor_numel(g, x) / C) * hue_graph_ranks(g);
    if (M < 2)
        return hue_graph_fail(g, HUE_EINVAL, "batch_norm_group: one value per channel in the group's batch");
    hue_tensor mean = hue_scale(g, hue_all_reduce_sum(g, channel_sums(g, x)), (float)(1 / M), -1);
    hue_tensor d = hue_sub(g, x, mean);
    hue_tensor var = hue_scale(g, hue_all_reduce_sum(g, channel_sums(g, hue_mul(g, d, d))), (float)(1 / M), -1);
    int64_t one = 1;
    hue_tensor eps_t = hue_graph_constant(g, "batch_norm_eps", 1, &one, &eps);
    /* 1 / sqrt(var + eps) as exp(-log(var + eps) / 2): no square-root op is needed */
    hue_tensor inv_std = hue_exp(g, hue_scale(g, hue_log(g, hue_add(g, var, eps_t)), -0.5f, -1));
    hue_tensor y = hue_scale_bias(g, hue_mul(g, d, inv_std), gamma, beta);
    if (relu)
        y = hue_relu(g, y);
    if (g->error || !moves)
        return g->error ? g->error : y;
    int rc = hue_ema_update(g, running_mean, hue_stop_gradient(g, mean), 1.0f - momentum);
    if (!rc)
        rc = hue_ema_update(g, running_var, hue_stop_gradient(g, hue_scale(g, var, (float)(M / (M - 1)), -1)),
                            1.0f - momentum);
    return rc ? rc : y;
}
