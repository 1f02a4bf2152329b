#version 450
// Max or average pooling over kh x kw windows; average divides by the whole
// window, padding included (count_include_pad, as PyTorch's default). The
// output size is a specialization constant, so splitting the flat index is a
// multiply and shift rather than a per-lane division (which lavapipe runs one
// lane at a time).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool AVG = false;
layout(constant_id = 2) const uint OW = 1;  // output size
layout(constant_id = 3) const uint OH = 1;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int H, W;
    int kh, kw, sh, sw, ph, pw;
    int off_x, off_y;
    uint n;
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / OW, plane_u = t / OH;
    int ox = int(i - t * OW), oy = int(t - plane_u * OH), plane = int(plane_u);
    int base = p.off_x + plane * p.H * p.W;
    float acc = AVG ? 0.0 : -3.402823466e38;
    for (int ky = 0; ky < p.kh; ky++) {
        int iy = oy * p.sh - p.ph + ky;
        if (iy < 0 || iy >= p.H)
            continue;
        for (int kx = 0; kx < p.kw; kx++) {
            int ix = ox * p.sw - p.pw + kx;
            if (ix < 0 || ix >= p.W)
                continue;
            float v = x[base + iy * p.W + ix];
            acc = AVG ? acc + v : max(acc, v);
        }
    }
    y[p.off_y + int(i)] = AVG ? acc / float(p.kh * p.kw) : acc;
}
