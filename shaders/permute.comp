#version 450
#extension GL_GOOGLE_include_directive : require
// Copies a strided view into a contiguous tensor: output element (a,b,c,d)
// reads input at a*s.x + b*s.y + c*s.z + d*s.w (strides already permuted).
layout(local_size_x_id = 0) in;

#include "fastdiv.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    ivec4 shape;
    ivec4 stride;
    int off_x, off_y;
    uint n;
    uint mw, mw1, mw2, mz, mz1, mz2, my, my1, my2;  // fastdiv magics of shape.w, .z, .y
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint r = i, q = fastdiv(r, uvec3(p.mw, p.mw1, p.mw2));
    int w = int(r - q * uint(p.shape.w));
    r = q;
    q = fastdiv(r, uvec3(p.mz, p.mz1, p.mz2));
    int z = int(r - q * uint(p.shape.z));
    r = q;
    q = fastdiv(r, uvec3(p.my, p.my1, p.my2));
    int yy = int(r - q * uint(p.shape.y));
    y[p.off_y + int(i)] = x[p.off_x + int(q) * p.stride.x + yy * p.stride.y + z * p.stride.z + w * p.stride.w];
}
