#version 450
// Inverted dropout: element i is kept when hash(seed, i) >= threshold
// (= p * 2^32) and scaled by 1 / (1 - p), else zeroed; i counts from p.first. The backward runs the
// same kernel on the gradient, so the same elements are kept. The hash is
// mirrored by the plain-C reference in compute/ops/dropout.c.
layout(local_size_x_id = 0) in;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) readonly buffer S { float seed[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int off_x, off_s, off_y;
    uint n, threshold;
    float scale;
    uint chunk;             // elements per workgroup
    uint first;             // the index of element 0 in the tensor the mask is drawn for
} p;

uint mix32(uint h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

// Each workgroup walks one contiguous chunk, lanes striding through it.
void main()
{
    uint first = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * p.chunk;
    uint end = min(first + p.chunk, p.n);
    uint key = mix32(floatBitsToUint(seed[p.off_s]));
    for (uint i = first + gl_LocalInvocationID.x; i < end; i += gl_WorkGroupSize.x) {
        bool keep = mix32((p.first + i) * 0x9e3779b9u + key) >= p.threshold;
        y[p.off_y + int(i)] = keep ? texelFetch(X, p.off_x + int(i)).x * p.scale : 0.0;
    }
}
