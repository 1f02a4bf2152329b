#version 450
// The first step of max pooling's gradient: for each window, where its
// maximum sits (ky * kw + kx, the first in scan order on ties, as PyTorch),
// recomputed from the forward's input and written as a float (exact for
// any window size) for shaders/pool_grad.comp to test against. Doing it once
// per window, rather than in every pixel that the window covers, reads the
// input kh*kw times fewer. Each invocation takes 4 neighbouring windows of a
// row; window, stride and output size are specialization constants, with
// the ids of pool.comp's (which also has id 1, AVG).
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint OWQ = 1;  // ceil(OW / 4)
layout(constant_id = 3) const uint OH = 1;
layout(constant_id = 4) const int KH = 1;
layout(constant_id = 5) const int KW = 1;
layout(constant_id = 6) const int SH = 1;
layout(constant_id = 7) const int SW = 1;
layout(constant_id = 8) const bool VEC_OUT = false;  // OW % 4 == 0 and the output starts 16-byte aligned

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer A { float argmax[]; };
layout(std430, binding = 1) writeonly buffer A4 { vec4 argmax4[]; };

layout(push_constant) uniform Push {
    int H, W, OW;
    int ph, pw;
    int off_x, off_a;
    uint n;   // invocations
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / OWQ, plane = t / OH;
    int ox0 = int(i - t * OWQ) * 4, oy = int(t - plane * OH);
    int base = p.off_x + int(plane) * p.H * p.W;
    vec4 best = vec4(0.0), at = vec4(-1.0);
    for (int ky = 0; ky < KH; ky++) {
        int iy = oy * SH - p.ph + ky;
        bool row_in = iy >= 0 && iy < p.H;
        for (int j = 0; j < 4; j++)
            for (int kx = 0; kx < KW; kx++) {
                int ix = (ox0 + j) * SW - p.pw + kx;
                if (row_in && ix >= 0 && ix < p.W) {
                    float v = texelFetch(X, base + iy * p.W + ix).x;
                    if (at[j] < 0.0 || v > best[j]) {
                        best[j] = v;
                        at[j] = float(ky * KW + kx);
                    }
                }
            }
    }
    int e = p.off_a + int(t) * p.OW + ox0;
    if (VEC_OUT) {
        argmax4[e >> 2] = at;
        return;
    }
    for (int j = 0; j < 4; j++)
        if (ox0 + j < p.OW)
            argmax[e + j] = at[j];
}
