#version 450
// Swaps the two leading axes of a [A][B][P] tensor: out[b][a][p] =
// in[a][b][p] (+ bias[a]). Convolutions move between per-image [N][O][P]
// and images side by side [O][N][P] with it. One invocation per 4
// consecutive p; the flat index is split by specialization constants (a
// multiply and shift, not a per-lane division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint A = 1;
layout(constant_id = 2) const uint PQ = 1;       // ceil(P / 4)
layout(constant_id = 3) const bool VEC = false;  // P % 4 == 0, offsets 16-byte aligned; X is an RGBA32F view
layout(constant_id = 4) const bool BIAS = false;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Y4 { vec4 y4[]; };

layout(push_constant) uniform Push {
    int B, P;
    int off_x, off_y, off_bias;
    uint n;   // invocations: B * A * PQ
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / PQ;
    int p0 = int(i - t * PQ) * 4;
    uint b = t / A, a = t - b * A;
    int src = p.off_x + (int(a) * p.B + int(b)) * p.P + p0;
    int dst = p.off_y + (int(b * A + a)) * p.P + p0;
    float add = BIAS ? bias[p.off_bias + int(a)] : 0.0;
    if (VEC) {
        y4[dst >> 2] = texelFetch(X, src >> 2) + vec4(add);
    } else {
        for (int j = 0; j < 4; j++)
            if (p0 + j < p.P)
                y[dst + j] = texelFetch(X, src + j).x + add;
    }
}
