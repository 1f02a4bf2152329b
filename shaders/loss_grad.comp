#version 450
// Gradients of the losses of shaders/loss.comp, times the incoming gradient
// g[0] and a scale from the host (the mean's 1/count, a sign). KIND:
// 0 MSE: s (a - b); 1 BCE, logits: s (sigmoid(x) - t); 2 BCE, targets:
// s x; 3 cross-entropy with class ids, one invocation per position:
// s w[t] / total (softmax_c - [c == t]), total = the counted weights
// (total[0]); 4 soft cross-entropy, logits: s (softmax_c sum(t) - t_c);
// 5 soft cross-entropy, targets: s (logsumexp - x_c).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int KIND = 0;
layout(constant_id = 2) const bool HAS_WEIGHT = false;
layout(constant_id = 3) const bool VEC = false;  // kinds 0 to 2: a unit is a vec4 (A and B viewed as RGBA32F)

layout(binding = 0) uniform samplerBuffer A;    // a, logits
layout(binding = 1) uniform samplerBuffer B;    // b, targets, class ids
layout(std430, binding = 2) readonly buffer W { float weight[]; };
layout(std430, binding = 3) readonly buffer G { float g[]; };
layout(std430, binding = 4) readonly buffer T { float total[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int n, chunk;           // elements, or positions (kinds 3 to 5); units per workgroup
    int C, HW;
    int off_a, off_b, off_w, off_g, off_t, off_y;
    int ignore_index;
    float scale;
} p;

void unit(int u)
{
    float s = p.scale * g[p.off_g];
    if (KIND <= 2) {
        vec4 a = texelFetch(A, p.off_a + u), b = texelFetch(B, p.off_b + u);
        vec4 v = KIND == 0 ? s * (a - b) : KIND == 1 ? s * (1.0 / (1.0 + exp(-a)) - b) : s * a;
        if (!VEC) {
            y[p.off_y + u] = v.x;
            return;
        }
        int e = p.off_y + 4 * u;
        y[e] = v.x;
        y[e + 1] = v.y;
        y[e + 2] = v.z;
        y[e + 3] = v.w;
        return;
    }
    int n = u / p.HW, hw = u - n * p.HW;
    int row = n * p.C * p.HW + hw;
    int base = p.off_a + row, dst = p.off_y + row;
    int t = 0;
    if (KIND == 3) {
        t = int(floor(texelFetch(B, p.off_b + u).x + 0.5));
        if (t == p.ignore_index) {
            for (int c = 0; c < p.C; c++)
                y[dst + c * p.HW] = 0.0;
            return;
        }
        if (t < 0 || t >= p.C) {
            for (int c = 0; c < p.C; c++)
                y[dst + c * p.HW] = uintBitsToFloat(0x7fc00000u);
            return;
        }
        s *= (HAS_WEIGHT ? weight[p.off_w + t] : 1.0) / total[p.off_t];
    }
    float m = -3.402823466e38, tsum = 0.0;
    for (int c = 0; c < p.C; c++) {
        m = max(m, texelFetch(A, base + c * p.HW).x);
        if (KIND == 4)
            tsum += texelFetch(B, p.off_b + row + c * p.HW).x;
    }
    float e = 0.0;
    for (int c = 0; c < p.C; c++)
        e += exp(texelFetch(A, base + c * p.HW).x - m);
    float inv = 1.0 / e, lse = m + log(e);
    for (int c = 0; c < p.C; c++) {
        float x = texelFetch(A, base + c * p.HW).x;
        float v;
        if (KIND == 3)
            v = s * (exp(x - m) * inv - (c == t ? 1.0 : 0.0));
        else if (KIND == 4)
            v = s * (exp(x - m) * inv * tsum - texelFetch(B, p.off_b + row + c * p.HW).x);
        else
            v = s * (lse - x);
        y[dst + c * p.HW] = v;
    }
}

// Each workgroup walks one contiguous chunk of units, lanes striding
// through it (few workgroups and sequential access suit a CPU).
void main()
{
    int first = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * p.chunk;
    int end = min(first + p.chunk, p.n);
    for (int u = first + int(gl_LocalInvocationID.x); u < end; u += int(gl_WorkGroupSize.x))
        unit(u);
}
