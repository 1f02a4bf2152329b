#version 450
// Max or average pooling over kh x kw windows; average divides by the whole
// window, padding included (count_include_pad, as PyTorch's default). Each
// invocation computes 4 neighbouring outputs of a row. The window and stride
// are specialization constants, so the window loops unroll into straight
// code (lavapipe runs a loop with per-lane bounds one lane at a time), and
// the flat index splits by a multiply and shift, not a per-lane division.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool AVG = false;
layout(constant_id = 2) const uint OWQ = 1;  // ceil(OW / 4)
layout(constant_id = 3) const uint OH = 1;
layout(constant_id = 4) const int KH = 1;
layout(constant_id = 5) const int KW = 1;
layout(constant_id = 6) const int SH = 1;
layout(constant_id = 7) const int SW = 1;
layout(constant_id = 8) const bool VEC_OUT = false;  // OW % 4 == 0 and y starts 16-byte aligned

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) writeonly buffer Y4 { vec4 y4[]; };

layout(push_constant) uniform Push {
    int H, W, OW;
    int ph, pw;
    int off_x, off_y;
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
    vec4 acc = vec4(AVG ? 0.0 : -3.402823466e38);
    for (int ky = 0; ky < KH; ky++) {
        int iy = oy * SH - p.ph + ky;
        bool row_in = iy >= 0 && iy < p.H;
        for (int j = 0; j < 4; j++)
            for (int kx = 0; kx < KW; kx++) {
                int ix = (ox0 + j) * SW - p.pw + kx;
                if (row_in && ix >= 0 && ix < p.W) {
                    float v = texelFetch(X, base + iy * p.W + ix).x;
                    acc[j] = AVG ? acc[j] + v : max(acc[j], v);
                }
            }
    }
    if (AVG)
        acc /= float(KH * KW);
    int e = p.off_y + int(t) * p.OW + ox0;
    if (VEC_OUT) {
        y4[e >> 2] = acc;
        return;
    }
    for (int j = 0; j < 4; j++)
        if (ox0 + j < p.OW)
            y[e + j] = acc[j];
}
