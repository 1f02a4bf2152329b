#version 450
// Copies a strided view into a contiguous tensor: output element (a,b,c,d)
// reads input at a*s.x + b*s.y + c*s.z + d*s.w (strides already permuted).
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    ivec4 shape;
    ivec4 stride;
    int off_x, off_y;
    uint n;
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    int r = int(i);
    ivec4 o;
    o.w = r % p.shape.w; r /= p.shape.w;
    o.z = r % p.shape.z; r /= p.shape.z;
    o.y = r % p.shape.y; r /= p.shape.y;
    o.x = r;
    y[p.off_y + int(i)] = x[p.off_x + o.x * p.stride.x + o.y * p.stride.y + o.z * p.stride.z + o.w * p.stride.w];
}
