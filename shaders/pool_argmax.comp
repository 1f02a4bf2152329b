#version 450
// The first step of max pooling's gradient: for each window, where its
// maximum sits (ky * kw + kx, the first in scan order on ties, as PyTorch),
// recomputed from the forward's input and written as a float (exact for
// any window size) for shaders/pool_grad.comp to test against. Doing it once
// per window, rather than in every pixel that the window covers, reads the
// input kh*kw times fewer. One invocation per window, flat; the index split
// divides by specialization constants.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OW = 1;
layout(constant_id = 2) const uint OH = 1;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer A { float argmax[]; };

layout(push_constant) uniform Push {
    int H, W;
    int kh, kw, sh, sw, ph, pw;
    int off_x, off_a;
    uint n;   // windows
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / OW, plane = t / OH;
    int ox = int(i - t * OW), oy = int(t - plane * OH);
    int y0 = oy * p.sh - p.ph, x0 = ox * p.sw - p.pw;
    int base = p.off_x + int(plane) * p.H * p.W;
    float best = 0.0;
    int at = -1;
    for (int ky = 0; ky < p.kh; ky++) {
        int yy = y0 + ky;
        if (yy < 0 || yy >= p.H)
            continue;
        for (int kx = 0; kx < p.kw; kx++) {
            int xx = x0 + kx;
            if (xx < 0 || xx >= p.W)
                continue;
            float v = texelFetch(X, base + yy * p.W + xx).x;
            if (at < 0 || v > best) {
                best = v;
                at = ky * p.kw + kx;
            }
        }
    }
    argmax[p.off_a + int(i)] = float(at);
}
