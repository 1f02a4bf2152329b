#version 450
// L2 normalisation along one axis, y = x / max(||x||, eps): one invocation
// per row (every position of the other axes), as softmax. BWD: the gradient
// dx = (G - u (u . G)) / n with u = x / n from x and G (n = ||x|| > eps),
// else G / eps.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool BWD = false;

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer G;   // BWD only (else bound to X)
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int len, inner;   // axis length; product of the axes after it (= axis stride)
    int off_x, off_g, off_y;
    uint rows;
    float eps;
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.rows)
        return;
    int outer = int(i) / p.inner, in_ = int(i) % p.inner;
    int base = outer * p.len * p.inner + in_;
    float ss = 0.0;
    for (int k = 0; k < p.len; k++) {
        float v = texelFetch(X, p.off_x + base + k * p.inner).x;
        ss += v * v;
    }
    float n = sqrt(ss);
    if (!BWD) {
        float inv = 1.0 / max(n, p.eps);
        for (int k = 0; k < p.len; k++)
            y[p.off_y + base + k * p.inner] = texelFetch(X, p.off_x + base + k * p.inner).x * inv;
        return;
    }
    if (!(n > p.eps)) {  // clamped: y = x / eps
        for (int k = 0; k < p.len; k++)
            y[p.off_y + base + k * p.inner] = texelFetch(G, p.off_g + base + k * p.inner).x / p.eps;
        return;
    }
    // dx = (G - u (u . G)) / n with u = x / n, not the expanded G / n -
    // x (x . G) / n^3: that subtracts two terms of size G / n, which for a
    // tiny row leaves float rounding ~1e-3 of G where the answer is ~0 (a
    // length-1 axis: u = +-1 exactly and dx = 0 exactly)
    float ug = 0.0;
    for (int k = 0; k < p.len; k++) {
        int e = base + k * p.inner;
        ug += texelFetch(X, p.off_x + e).x / n * texelFetch(G, p.off_g + e).x;
    }
    for (int k = 0; k < p.len; k++) {
        int e = base + k * p.inner;
        float u = texelFetch(X, p.off_x + e).x / n;
        y[p.off_y + e] = (texelFetch(G, p.off_g + e).x - u * ug) / n;
    }
}
