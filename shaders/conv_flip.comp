#version 450
// A convolution's weights [O][C][T] (T = kh*kw taps) as [C][O][T] with the
// taps reversed: y[c][o][t] = x[o][c][T-1-t]. A stride-1 convolution's
// input gradient is the convolution of dy by these weights. One invocation
// per (c, o) copies its T taps; O and T are specialization constants, so
// the flat index splits by a multiply and shift.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint O = 1;
layout(constant_id = 2) const int T = 1;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int C;
    int off_x, off_y;
    uint n;   // C * O
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint c = i / O, o = i - c * O;
    int from = p.off_x + (int(o) * p.C + int(c)) * T, to = p.off_y + int(i) * T;
    for (int t = 0; t < T; t++)
        y[to + t] = texelFetch(X, from + T - 1 - t).x;
}
