#version 450
#extension GL_GOOGLE_include_directive : require
// Elementwise ops over 4-D shapes with per-operand strides (0 = broadcast).
// OP (enum hue_eltwise): 0 add, 1 sub, 2 mul, 3 relu, 4 leaky relu,
// 5 sigmoid, 6 tanh, 7 exp, 8 log, 9 scale+bias (a * b + c), 10 div,
// 11 scale (alpha * a), 12 relu', 13 leaky relu', 14 sigmoid', 15 tanh'
// (gradient a, input or output b), 16 equal.
// CONTIG: every operand has the output's shape and is contiguous, so the
// element index is the offset; VEC4 additionally handles 4 elements per
// invocation. Otherwise the index is split into 4-D coordinates with
// fastdiv (no per-lane integer division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;
layout(constant_id = 2) const bool CONTIG = false;
layout(constant_id = 3) const bool VEC4 = false;

#include "fastdiv.glsl"

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer C { float c[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer B4 { vec4 b4[]; };
layout(std430, binding = 3) writeonly buffer Y4 { vec4 y4[]; };

layout(push_constant) uniform Push {
    ivec4 shape;               // output
    ivec4 sa, sb;              // operand strides in elements (c shares b's)
    int oa, ob, oc, oy;        // operand offsets in elements (VEC4: multiples of 4)
    uint n;                    // output elements (VEC4: vec4s)
    float alpha;
    uint mw, mw1, mw2, mz, mz1, mz2, my, my1, my2;  // fastdiv magics of shape.w, .z, .y
} p;

const bool BINARY = OP <= 2 || OP == 9 || OP == 10 || OP >= 12;

vec4 apply(vec4 x, vec4 u, vec4 v)
{
    if (OP == 0) return x + u;
    if (OP == 1) return x - u;
    if (OP == 2) return x * u;
    if (OP == 3) return max(x, vec4(0.0));
    if (OP == 4) return mix(x * p.alpha, x, greaterThanEqual(x, vec4(0.0)));
    if (OP == 5) return 1.0 / (1.0 + exp(-x));
    if (OP == 6) return tanh(clamp(x, -15.0, 15.0));
    if (OP == 7) return exp(x);
    if (OP == 8) return log(x);
    if (OP == 9) return x * u + v;
    if (OP == 10) return x / u;
    if (OP == 11) return p.alpha * x;
    if (OP == 12) return mix(vec4(0.0), x, greaterThan(u, vec4(0.0)));
    if (OP == 13) return mix(x * p.alpha, x, greaterThan(u, vec4(0.0)));
    if (OP == 14) return x * u * (1.0 - u);
    if (OP == 15) return x * (1.0 - u * u);
    return vec4(equal(x, u));
}

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    if (CONTIG && VEC4) {
        vec4 x = a4[p.oa / 4 + int(i)];
        vec4 u = BINARY ? b4[p.ob / 4 + int(i)] : vec4(0.0);
        y4[p.oy / 4 + int(i)] = apply(x, u, vec4(0.0));
        return;
    }
    int ia, ib, ic;
    if (CONTIG) {
        ia = p.oa + int(i), ib = p.ob + int(i), ic = p.oc + int(i);
    } else {
        uint r = i;
        uint q = fastdiv(r, uvec3(p.mw, p.mw1, p.mw2));
        int w = int(r - q * uint(p.shape.w));
        r = q;
        q = fastdiv(r, uvec3(p.mz, p.mz1, p.mz2));
        int z = int(r - q * uint(p.shape.z));
        r = q;
        q = fastdiv(r, uvec3(p.my, p.my1, p.my2));
        int yy = int(r - q * uint(p.shape.y));
        int x_ = int(q);
        ia = p.oa + x_ * p.sa.x + yy * p.sa.y + z * p.sa.z + w * p.sa.w;
        ib = p.ob + x_ * p.sb.x + yy * p.sb.y + z * p.sb.z + w * p.sb.w;
        ic = p.oc + x_ * p.sb.x + yy * p.sb.y + z * p.sb.z + w * p.sb.w;
    }
    float u = BINARY ? b[ib] : 0.0;
    float v = OP == 9 ? c[ic] : 0.0;
    y[p.oy + int(i)] = apply(vec4(a[ia]), vec4(u), vec4(v)).x;
}
