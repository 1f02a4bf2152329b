#version 450
// target = m target + (1 - m) source, in place (hue_ema_update): MoCo's
// momentum encoder following the trained one.
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer S { float s[]; };
layout(std430, binding = 1) buffer T { float t[]; };

layout(push_constant) uniform Push {
    int off_s, off_t;
    uint n;
    float m;
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    t[p.off_t + i] = p.m * t[p.off_t + i] + (1.0 - p.m) * s[p.off_s + i];
}
