#version 450
// Batch norm's per-channel affine maps: y = A[c] u (+ B[c] v) + D[c], with
// A, B, D rows of a coefficient tensor: the forward (u = x, A = scale,
// D = shift) and the input gradient (u = G, v = x, dx = k1 G + k2 x + k3).
// A unit is a vec4 of 4 values when VEC (plane size % 4 == 0), else 1.
// Every lane loops over many units, since a workgroup costs more than a
// few units on lavapipe. Grid mode: y = channel, z = a block of images,
// x strides through the plane: coefficients are workgroup-uniform loads
// and no lane divides. FLAT mode (planes smaller than a workgroup, e.g.
// [N, C]): a grid-stride loop over all units, tracking (unit in plane,
// channel) by additions.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool VEC = false;
layout(constant_id = 2) const bool HAS_V = false;
layout(constant_id = 3) const bool FLAT = false;

layout(binding = 0) uniform samplerBuffer U;
layout(binding = 1) uniform samplerBuffer V;
layout(std430, binding = 2) readonly buffer Coef { float coef[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int N, C, HWu;
    int units;                // N C HWu
    int off_u, off_v;         // in units
    int off_y;                // in values
    int off_a, off_b, off_d;  // coefficient rows, in values
    int images;               // grid mode: images per workgroup
    int step_h, step_c;       // FLAT: the grid's size as (units, channels)
} p;

void store(int unit, float a, float b, float d)
{
    if (VEC) {
        vec4 r = a * texelFetch(U, p.off_u + unit) + d;
        if (HAS_V)
            r += b * texelFetch(V, p.off_v + unit);
        int e = p.off_y + 4 * unit;
        y[e] = r.x;
        y[e + 1] = r.y;
        y[e + 2] = r.z;
        y[e + 3] = r.w;
    } else {
        float r = a * texelFetch(U, p.off_u + unit).x + d;
        if (HAS_V)
            r += b * texelFetch(V, p.off_v + unit).x;
        y[p.off_y + unit] = r;
    }
}

void main()
{
    if (FLAT) {
        int i = int(gl_GlobalInvocationID.x), stride = int(gl_NumWorkGroups.x * gl_WorkGroupSize.x);
        int q = i / p.HWu, h = i - q * p.HWu, c = q % p.C;
        for (; i < p.units; i += stride) {
            store(i, coef[p.off_a + c], HAS_V ? coef[p.off_b + c] : 0.0, coef[p.off_d + c]);
            h += p.step_h;
            c += p.step_c;
            if (h >= p.HWu) {
                h -= p.HWu;
                c++;
            }
            if (c >= p.C)
                c -= p.C;
        }
        return;
    }
    int c = int(gl_WorkGroupID.y), n0 = int(gl_WorkGroupID.z) * p.images;
    int n1 = min(n0 + p.images, p.N), stride = int(gl_NumWorkGroups.x * gl_WorkGroupSize.x);
    float a = coef[p.off_a + c], d = coef[p.off_d + c], b = HAS_V ? coef[p.off_b + c] : 0.0;
    for (int n = n0; n < n1; n++)
        for (int h = int(gl_GlobalInvocationID.x); h < p.HWu; h += stride)
            store((n * p.C + c) * p.HWu + h, a, b, d);
}
