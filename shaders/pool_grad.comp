#version 450
// Pooling's input gradient, as a gather: each input pixel sums the output
// gradients of the windows that contain it. Average: each window gives
// dy / (kh*kw) (padding counted, as the forward). Max: a window gives its dy
// only if this pixel is its maximum, as shaders/pool_argmax.comp found it
// (recomputed from the input, not kept from the forward). One invocation
// per input pixel, flat; the index split and the stride tests divide by
// specialization constants (a multiply and shift, not a per-lane division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool AVG = false;
layout(constant_id = 2) const uint SH = 1;  // strides
layout(constant_id = 3) const uint SW = 1;
layout(constant_id = 4) const uint W = 1;   // input size
layout(constant_id = 5) const uint H = 1;

layout(binding = 0) uniform samplerBuffer A;   // each window's argmax, ky * kw + kx (max only)
layout(binding = 1) uniform samplerBuffer G;   // d(loss)/d(output)
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push {
    int OH, OW;
    int kh, kw, ph, pw;
    int off_a, off_g, off_dx;
    uint n;   // input pixels
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / W, plane = t / H;
    int ix = int(i - t * W), iy = int(t - plane * H);
    int window = int(plane) * p.OH * p.OW;
    // window o covers pixel i iff o * stride <= i + pad <= o * stride + k - 1
    int ty = iy + p.ph, tx = ix + p.pw;
    int oy0 = ty < p.kh ? 0 : int((uint(ty - p.kh) + SH) / SH), oy1 = min(int(uint(ty) / SH), p.OH - 1);
    int ox0 = tx < p.kw ? 0 : int((uint(tx - p.kw) + SW) / SW), ox1 = min(int(uint(tx) / SW), p.OW - 1);
    float acc = 0.0;
    for (int oy = oy0; oy <= oy1; oy++) {
        int row = window + oy * p.OW, ky = ty - oy * int(SH);
        for (int ox = ox0; ox <= ox1; ox++) {
            int o = row + ox;
            if (AVG || texelFetch(A, p.off_a + o).x == float(ky * p.kw + tx - ox * int(SW)))
                acc += texelFetch(G, p.off_g + o).x;
        }
    }
    dx[p.off_dx + int(i)] = AVG ? acc / float(p.kh * p.kw) : acc;
}
