#version 450
// Batch norm's per-channel affine maps: y = A[c] u (+ B[c] v) + D[c], with
// A, B, D rows of a coefficient tensor: the forward (u = x, A = scale,
// D = shift; RELU: then max(y, 0)) and the input gradient (u = G, v = x,
// dx = k1 G + k2 x + k3; MASK: G only where the fused ReLU's output m > 0).
// A unit is a vec4 of 4 values when VEC (plane size % 4 == 0), else 1.
// Each workgroup streams one contiguous chunk of units (a workgroup costs
// about as much as a few units on lavapipe, and contiguous chunks keep the
// reads and writes sequential); a lane divides once to find its (unit in
// plane, channel), then follows them by additions, and reloads the
// coefficients only when its channel changes.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool VEC = false;
layout(constant_id = 2) const bool HAS_V = false;
layout(constant_id = 3) const bool RELU = false;
layout(constant_id = 4) const bool MASK = false;

layout(binding = 0) uniform samplerBuffer U;
layout(binding = 1) uniform samplerBuffer V;
layout(binding = 2) uniform samplerBuffer M;
layout(std430, binding = 3) readonly buffer Coef { float coef[]; };
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int C, HWu;
    int units, chunk;         // N C HWu; units per workgroup
    int off_u, off_v, off_m;  // in units
    int off_y;                // in values
    int off_a, off_b, off_d;  // coefficient rows, in values
    int step_h, step_c;       // the workgroup size as (units in a plane, channels)
} p;

void main()
{
    int group = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
    int u = group * p.chunk + int(gl_LocalInvocationID.x), end = min(group * p.chunk + p.chunk, p.units);
    if (u >= end)
        return;
    int q = u / p.HWu, h = u - q * p.HWu, c = q % p.C, loaded = -1;
    float a = 0.0, b = 0.0, d = 0.0;
    for (; u < end; u += int(gl_WorkGroupSize.x)) {
        if (c != loaded) {
            a = coef[p.off_a + c];
            d = coef[p.off_d + c];
            if (HAS_V)
                b = coef[p.off_b + c];
            loaded = c;
        }
        if (VEC) {
            vec4 x = texelFetch(U, p.off_u + u);
            if (MASK)
                x *= vec4(greaterThan(texelFetch(M, p.off_m + u), vec4(0.0)));
            vec4 r = a * x + d;
            if (HAS_V)
                r += b * texelFetch(V, p.off_v + u);
            if (RELU)
                r = max(r, vec4(0.0));
            int e = p.off_y + 4 * u;
            y[e] = r.x;
            y[e + 1] = r.y;
            y[e + 2] = r.z;
            y[e + 3] = r.w;
        } else {
            float x = texelFetch(U, p.off_u + u).x;
            if (MASK && !(texelFetch(M, p.off_m + u).x > 0.0))
                x = 0.0;
            float r = a * x + d;
            if (HAS_V)
                r += b * texelFetch(V, p.off_v + u).x;
            if (RELU)
                r = max(r, 0.0);
            y[p.off_y + u] = r;
        }
        h += p.step_h;
        c += p.step_c;
        if (h >= p.HWu) {
            h -= p.HWu;
            c++;
        }
        if (c >= p.C)
            c -= p.C;
    }
}
