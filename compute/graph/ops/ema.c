/* The exponential moving average of one persistent tensor towards another,
 * in place: MoCo's momentum encoder (and BYOL's target) follows the
 * trained encoder this way. The node writes its target, so it runs where it
 * sits in the graph: after the optimizer's updates when appended after
 * them, which gives target_t = m target_{t-1} + (1 - m) source_t with
 * source_t the weights the step just produced. */
#include <math.h>

#include "graph_internal.h"
#include "hue_error.h"
#include "hue_ops_nn.h"

static const hue_op_impl ema_impl = {"ema_update", NULL};

int hue_ema_update(hue_graph *g, hue_tensor target, hue_tensor source, float momentum)
{
    hue_tensor in[2] = {source, target};
    if (hue_graph_check_inputs(g, "ema_update", 2, in))
        return g->error;
    const hue_tensor_desc *t = &g->t[target], *s = &g->t[source];
    if (!hue_role_persistent(t->role) || t->role == HUE_ROLE_CONSTANT || (t->role == HUE_ROLE_PARAM && !t->frozen))
        return hue_graph_fail(g, HUE_EINVAL, "ema_update: target %s must be a frozen parameter or a state tensor "
                              "(a trained parameter would be moved by its optimizer too)", t->name);
    if (hue_tensor_numel(g, target) != hue_tensor_numel(g, source) || t->dtype != HUE_F32 || s->dtype != HUE_F32)
        return hue_graph_fail(g, HUE_EINVAL, "ema_update: %s (%lld values) and %s (%lld values) differ", t->name,
                              (long long)hue_tensor_numel(g, target), s->name, (long long)hue_tensor_numel(g, source));
    if (!(momentum >= 0 && momentum <= 1))
        return hue_graph_fail(g, HUE_EINVAL, "ema_update: momentum %g is not in [0, 1]", momentum);
    hue_op_params p = {.momentum = momentum};
    hue_tensor r = hue_graph_add_node(g, &ema_impl, 1, in, target, &p);
    return r < 0 ? r : 0;
}

void hue_ema_reference(double *target, const double *source, int64_t n, double momentum)
{
    for (int64_t i = 0; i < n; i++)
        target[i] = momentum * target[i] + (1 - momentum) * source[i];
}
