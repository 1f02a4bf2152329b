#version 450
// Batch norm's gradient sums: one workgroup per channel c of x [N, C, HW]
// adds G and G (x - mean) over the channel, then writes coef = [k1, k2, k3,
// dgamma, dbeta] with dx = k1 G + k2 x + k3: in training (TRAIN) the batch
// statistics' own dependence on x included, in eval k2 = k3 = 0. With
// MASK (batch norm fused with ReLU), G counts only where the output y > 0.
// Lanes walk units (vec4s when VEC) as in shaders/batch_norm_stats.comp.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool TRAIN = true;
layout(constant_id = 2) const bool VEC = false;
layout(constant_id = 3) const bool MASK = false;

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer G;
layout(binding = 2) uniform samplerBuffer Y;   // the output, for MASK (else bound to X)
layout(std430, binding = 3) readonly buffer Stats { float stats[]; };  // [mean, 1/std, scale, shift]
layout(std430, binding = 4) writeonly buffer Coef { float coef[]; };

layout(push_constant) uniform Push {
    int N, C, HWu;           // images, channels, units per channel plane
    int off_x, off_g, off_y; // in units
    int off_stats, off_coef;
    int step_n, step_h;      // the workgroup size as (images, units)
    float count;             // N HW values per channel
} p;

shared vec4 sh_a[gl_WorkGroupSize.x], sh_b[gl_WorkGroupSize.x];

vec4 fetch(samplerBuffer t, int unit)
{
    return VEC ? texelFetch(t, unit) : vec4(texelFetch(t, unit).x, 0.0, 0.0, 0.0);
}

void main()
{
    int c = int(gl_WorkGroupID.x), lane = int(gl_LocalInvocationID.x);
    int plane = c * p.HWu, image = p.C * p.HWu;
    float mean = stats[p.off_stats + c];
    vec4 a = vec4(0.0), b = vec4(0.0), block_a = vec4(0.0), block_b = vec4(0.0);
    int n = lane / p.HWu, h = lane - n * p.HWu, k = 0;
    while (n < p.N) {
        int unit = n * image + plane + h;
        vec4 g = fetch(G, p.off_g + unit);  // zeros beyond .x when !VEC
        if (MASK)
            g *= vec4(greaterThan(fetch(Y, p.off_y + unit), vec4(0.0)));
        block_a += g;
        block_b += g * (fetch(X, p.off_x + unit) - mean);
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
    float s1 = sa.x + sa.y + sa.z + sa.w, s2 = sb.x + sb.y + sb.z + sb.w;  // sum G, sum G (x - mean)
    float inv = stats[p.off_stats + p.C + c], scale = stats[p.off_stats + 2 * p.C + c];
    float k2 = TRAIN ? -scale * inv * inv * s2 / p.count : 0.0;
    coef[p.off_coef + c] = scale;
    coef[p.off_coef + p.C + c] = k2;
    coef[p.off_coef + 2 * p.C + c] = TRAIN ? -scale * s1 / p.count - k2 * mean : 0.0;
    coef[p.off_coef + 3 * p.C + c] = s2 * inv;
    coef[p.off_coef + 4 * p.C + c] = s1;
}
