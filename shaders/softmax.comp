#version 450
// Softmax or log-softmax along one axis: one invocation per row (every
// position of the other axes), max-subtracted for stability.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool LOG = false;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int len, inner;   // axis length; product of the axes after it (= axis stride)
    int off_x, off_y;
    uint rows;
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.rows)
        return;
    int outer = int(i) / p.inner, in_ = int(i) % p.inner;
    int base = outer * p.len * p.inner + in_;
    float m = -3.402823466e38;
    for (int k = 0; k < p.len; k++)
        m = max(m, x[p.off_x + base + k * p.inner]);
    float s = 0.0;
    for (int k = 0; k < p.len; k++)
        s += exp(x[p.off_x + base + k * p.inner] - m);
    float ls = log(s), inv = 1.0 / s;
    for (int k = 0; k < p.len; k++) {
        float v = x[p.off_x + base + k * p.inner] - m;
        y[p.off_y + base + k * p.inner] = LOG ? v - ls : exp(v) * inv;
    }
}
