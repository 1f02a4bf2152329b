#version 450
// Batch norm's per-channel affine maps: y = A[c] u (+ B[c] v) + D[c], with
// A, B, D rows of a coefficient tensor: the forward (u = x, A = scale,
// D = shift) and the input gradient (u = G, v = x, dx = k1 G + k2 x + k3).
// Grid mode: x = units of one channel plane, y = channel, z = image, so
// coefficients are workgroup-uniform loads and no lane divides; FLAT mode
// (small planes, e.g. [N, C]) walks all units and divides per lane.
// A unit is a vec4 of 4 values when VEC (plane size % 4 == 0), else 1.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool VEC = false;
layout(constant_id = 2) const bool HAS_V = false;
layout(constant_id = 3) const bool FLAT = false;

layout(binding = 0) uniform samplerBuffer U;
layout(binding = 1) uniform samplerBuffer V;
layout(std430, binding = 2) readonly buffer Coef { float coef[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int C, HWu;
    uint units;               // all units (FLAT)
    int off_u, off_v;         // in units
    int off_y;                // in values
    int off_a, off_b, off_d;  // coefficient rows, in values
} p;

void main()
{
    int unit, c;
    if (FLAT) {
        uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
                 gl_LocalInvocationID.x;
        if (i >= p.units)
            return;
        unit = int(i);
        c = (unit / p.HWu) % p.C;
    } else {
        int h = int(gl_GlobalInvocationID.x);
        if (h >= p.HWu)
            return;
        c = int(gl_WorkGroupID.y);
        unit = (int(gl_WorkGroupID.z) * p.C + c) * p.HWu + h;
    }
    float a = coef[p.off_a + c], d = coef[p.off_d + c], b = HAS_V ? coef[p.off_b + c] : 0.0;
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
