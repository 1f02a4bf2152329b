#version 450
// Losses, second stage: one workgroup adds the partial sums of
// shaders/loss.comp and writes the loss: sum * scale, or (DIVIDE) the loss
// sum over the weight sum (0 when no unit counted).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool DIVIDE = false;

layout(std430, binding = 0) readonly buffer P { float part[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int groups, off_part, off_y;
    float scale;
} p;

shared float sh_loss[gl_WorkGroupSize.x], sh_weight[gl_WorkGroupSize.x];

void main()
{
    uint l = gl_LocalInvocationID.x;
    float loss = 0.0, wsum = 0.0;
    for (int g = int(l); g < p.groups; g += int(gl_WorkGroupSize.x)) {
        loss += part[p.off_part + g];
        wsum += part[p.off_part + p.groups + g];
    }
    sh_loss[l] = loss;
    sh_weight[l] = wsum;
    barrier();
    // one lane adds the lanes' sums: a workgroup is at most 64 lanes
    if (l == 0)
        for (uint k = 1; k < gl_WorkGroupSize.x; k++) {
            sh_loss[0] += sh_loss[k];
            sh_weight[0] += sh_weight[k];
        }
    if (l == 0)
        y[p.off_y] = DIVIDE ? (sh_weight[0] == 0.0 ? 0.0 : sh_loss[0] / sh_weight[0]) : sh_loss[0] * p.scale;
}
