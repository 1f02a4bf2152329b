#version 450
// Partial sums of squares of a gradient (and of its parameter, for LARS):
// invocation k sums elements k, k + stride, ... and writes one partial; the
// optim_norms kernel adds the partials up. No shared memory: on lavapipe
// each workgroup row is one SIMD vector, and a few hundred partials per
// tensor are cheap to add.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool HAS_W = false;

layout(std430, binding = 0) readonly buffer G { float g[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) writeonly buffer S { float s[]; };

layout(push_constant) uniform Push {
    int off_g, off_w;
    uint n, stride;
    int out_g, out_w;  // where this dispatch's partials go in S
} p;

void main()
{
    uint k = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    float ag = 0.0, aw = 0.0;
    for (uint i = k; i < p.n; i += p.stride) {
        float x = g[p.off_g + int(i)];
        ag += x * x;
        if (HAS_W) {
            float y = w[p.off_w + int(i)];
            aw += y * y;
        }
    }
    s[p.out_g + int(k)] = ag;
    if (HAS_W)
        s[p.out_w + int(k)] = aw;
}
