#version 450
// Batch norm, per-channel statistics of x [N, C, HW] (HW = the product of
// the axes after C). MODE 0 (training): one workgroup per channel sums the
// channel's values (shifted by its first value, against cancellation) and
// squares, then writes stats = [mean, 1/std, scale, shift] (scale = gamma/std,
// shift = beta - mean scale, so y = x scale + shift) and, with UPDATE,
// moves the running statistics as PyTorch does (unbiased variance).
// MODE 1 (eval): one invocation per channel, stats from the running ones.
// (The gradient's sums are shaders/batch_norm_grad.comp.)
// Each lane walks units (a vec4 of 4 values when VEC, else 1) n = image,
// h = unit in the image's channel plane, stepping by the workgroup size
// without dividing; sums go through a per-lane block before the total.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int MODE = 0;
layout(constant_id = 2) const bool VEC = false;
layout(constant_id = 3) const bool AFFINE = true;
layout(constant_id = 4) const bool UPDATE = true;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(std430, binding = 2) readonly buffer Beta { float beta[]; };
layout(std430, binding = 3) buffer RunMean { float run_mean[]; };
layout(std430, binding = 4) buffer RunVar { float run_var[]; };
layout(std430, binding = 5) writeonly buffer Stats { float stats[]; };

layout(push_constant) uniform Push {
    int N, C, HWu;           // images, channels, units per channel plane
    int off_x;               // in units
    int off_gamma, off_beta, off_rm, off_rv, off_stats;
    int step_n, step_h;      // the workgroup size as (images, units)
    float eps, momentum, count;  // count = N HW values per channel
} p;

shared vec4 sh_a[gl_WorkGroupSize.x], sh_b[gl_WorkGroupSize.x];

vec4 fetch(samplerBuffer t, int unit)
{
    return VEC ? texelFetch(t, unit) : vec4(texelFetch(t, unit).x, 0.0, 0.0, 0.0);
}

void write_stats(int c, float mean, float inv)
{
    float scale = AFFINE ? gamma[p.off_gamma + c] * inv : inv;
    stats[p.off_stats + c] = mean;
    stats[p.off_stats + p.C + c] = inv;
    stats[p.off_stats + 2 * p.C + c] = scale;
    stats[p.off_stats + 3 * p.C + c] = (AFFINE ? beta[p.off_beta + c] : 0.0) - mean * scale;
}

void main()
{
    if (MODE == 1) {
        int c = int(gl_GlobalInvocationID.x);
        if (c < p.C)
            write_stats(c, run_mean[p.off_rm + c], inversesqrt(run_var[p.off_rv + c] + p.eps));
        return;
    }
    int c = int(gl_WorkGroupID.x), lane = int(gl_LocalInvocationID.x);
    int plane = c * p.HWu, image = p.C * p.HWu;
    // the channel's first value: a shift against cancellation
    float shift = texelFetch(X, p.off_x + plane).x;
    vec4 a = vec4(0.0), b = vec4(0.0), block_a = vec4(0.0), block_b = vec4(0.0);
    int n = lane / p.HWu, h = lane - n * p.HWu, k = 0;
    while (n < p.N) {
        int unit = n * image + plane + h;
        vec4 v = fetch(X, p.off_x + unit) - shift;
        if (!VEC)
            v.yzw = vec3(0.0);
        block_a += v;
        block_b += v * v;
        h += p.step_h;
        n += p.step_n;
        if (h >= p.HWu) {
            h -= p.HWu;
            n++;
        }
        if (++k == 64) {
            a += block_a;
            b += block_b;
            block_a = block_b = vec4(0.0);
            k = 0;
        }
    }
    sh_a[lane] = a + block_a;
    sh_b[lane] = b + block_b;
    barrier();
    if (lane != 0)
        return;
    vec4 sa = vec4(0.0), sb = vec4(0.0);
    for (int l = 0; l < int(gl_WorkGroupSize.x); l++) {
        sa += sh_a[l];
        sb += sh_b[l];
    }
    float s1 = sa.x + sa.y + sa.z + sa.w, s2 = sb.x + sb.y + sb.z + sb.w;
    float d = s1 / p.count, mean = shift + d;
    float var = max(s2 / p.count - d * d, 0.0);
    write_stats(c, mean, inversesqrt(var + p.eps));
    if (UPDATE) {
        run_mean[p.off_rm + c] = (1.0 - p.momentum) * run_mean[p.off_rm + c] + p.momentum * mean;
        run_var[p.off_rv + c] = (1.0 - p.momentum) * run_var[p.off_rv + c] + p.momentum * var * p.count / (p.count - 1.0);
    }
}
