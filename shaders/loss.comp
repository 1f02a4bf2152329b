#version 450
// Losses, first stage: each workgroup sums the per-unit terms of one
// contiguous chunk of units (lanes striding through it: sequential reads
// on a CPU), then its lanes' sums, into one partial sum of the loss
// (part[g]) and one of the weights (part[groups + g]);
// shaders/loss_sum.comp adds the partials. Units are elements (MSE, BCE)
// or positions, i.e. (n, h, w) of logits [N, C, HW] with classes HW apart
// (cross-entropy). KIND: 0 MSE (a - b)^2; 1 BCE with logits (stable form);
// 2 cross-entropy with class ids: w[t] (logsumexp - x_t), weight w[t];
// 3 soft cross-entropy: sum_c t_c (logsumexp - x_c); 4 the weights of
// kind 2 as the loss too (its backward needs their total).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int KIND = 0;
layout(constant_id = 2) const bool HAS_WEIGHT = false;
layout(constant_id = 3) const bool VEC = false;  // MSE, BCE: a unit is a vec4 (A and B viewed as RGBA32F)

layout(binding = 0) uniform samplerBuffer A;    // a, logits
layout(binding = 1) uniform samplerBuffer B;    // b, targets, class ids
layout(std430, binding = 2) readonly buffer W { float weight[]; };
layout(std430, binding = 3) writeonly buffer P { float part[]; };

layout(push_constant) uniform Push {
    int n, chunk;           // units; units per workgroup
    int C, HW;              // classes and their distance (cross-entropy)
    int off_a, off_b, off_w, off_part;
    int ignore_index;
} p;

shared float sh_loss[gl_WorkGroupSize.x], sh_weight[gl_WorkGroupSize.x];

float not_a_number() { return uintBitsToFloat(0x7fc00000u); }

float logsumexp(int base)
{
    float m = -3.402823466e38;
    for (int c = 0; c < p.C; c++)
        m = max(m, texelFetch(A, base + c * p.HW).x);
    float s = 0.0;
    for (int c = 0; c < p.C; c++)
        s += exp(texelFetch(A, base + c * p.HW).x - m);
    return m + log(s);
}

void main()
{
    int first = int(gl_WorkGroupID.x) * p.chunk, end = min(first + p.chunk, p.n);
    float loss = 0.0, wsum = 0.0;
    for (int u = first + int(gl_LocalInvocationID.x); u < end; u += int(gl_WorkGroupSize.x)) {
        if (KIND <= 1) {
            vec4 x = texelFetch(A, p.off_a + u), t = texelFetch(B, p.off_b + u);
            vec4 v = KIND == 0 ? (x - t) * (x - t) : max(x, 0.0) - x * t + log(1.0 + exp(-abs(x)));
            loss += VEC ? v.x + v.y + v.z + v.w : v.x;
        } else {
            int n = u / p.HW, hw = u - n * p.HW;
            int base = p.off_a + n * p.C * p.HW + hw;
            if (KIND == 3) {
                float lse = logsumexp(base), s = 0.0;
                int tb = p.off_b + n * p.C * p.HW + hw;
                for (int c = 0; c < p.C; c++)
                    s += texelFetch(B, tb + c * p.HW).x * (lse - texelFetch(A, base + c * p.HW).x);
                loss += s;
                continue;
            }
            int t = int(floor(texelFetch(B, p.off_b + u).x + 0.5));
            if (t == p.ignore_index)
                continue;
            if (t < 0 || t >= p.C) {  // not a class: the loss says so
                loss += not_a_number();
                wsum += not_a_number();
                continue;
            }
            float w = HAS_WEIGHT ? weight[p.off_w + t] : 1.0;
            loss += KIND == 2 ? w * (logsumexp(base) - texelFetch(A, base + t * p.HW).x) : w;
            wsum += w;
        }
    }
    uint l = gl_LocalInvocationID.x;
    sh_loss[l] = loss;
    sh_weight[l] = wsum;
    barrier();
    // one lane adds the lanes' sums: a workgroup is at most 64 lanes
    if (l == 0)
        for (uint k = 1; k < gl_WorkGroupSize.x; k++) {
            sh_loss[0] += sh_loss[k];
            sh_weight[0] += sh_weight[k];
        }
    if (l == 0) {
        part[p.off_part + gl_WorkGroupID.x] = sh_loss[0];
        part[p.off_part + gl_NumWorkGroups.x + gl_WorkGroupID.x] = sh_weight[0];
    }
}
