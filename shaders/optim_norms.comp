#version 450
// Adds up the partial sums of squares of optim_sumsq: row r of S (PARTIALS
// values) gives norms[1 + r]; even rows are gradients, odd rows weights, and
// norms[0] is the sum of all gradient rows (the squared global norm for
// clipping). One workgroup.
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer S { float s[]; };
layout(std430, binding = 1) writeonly buffer N { float norms[]; };

layout(push_constant) uniform Push {
    uint rows, partials;
} p;

shared float part[gl_WorkGroupSize.x];

void main()
{
    uint lid = gl_LocalInvocationID.x;
    float acc = 0.0;
    for (uint r = lid; r < p.rows; r += gl_WorkGroupSize.x) {
        float sum = 0.0;
        for (uint k = 0; k < p.partials; k++)
            sum += s[r * p.partials + k];
        norms[1 + r] = sum;
        if ((r & 1u) == 0u)
            acc += sum;
    }
    part[lid] = acc;
    barrier();
    if (lid == 0u) {
        float total = 0.0;
        for (uint k = 0; k < gl_WorkGroupSize.x; k++)
            total += part[k];
        norms[0] = total;
    }
}
