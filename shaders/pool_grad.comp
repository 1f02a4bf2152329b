#version 450
// Pooling's input gradient, as a gather: each input pixel sums the output
// gradients of the windows that contain it. Average: each window gives
// dy / (kh*kw) (padding counted, as the forward). Max: a window gives its dy
// only if this pixel is its maximum, as shaders/pool_argmax.comp found it
// (recomputed from the input, not kept from the forward). Each invocation
// takes 4 neighbouring pixels of a row, which lie in at most ceil(kh / sh)
// rows of windows and ceil((kw + 3) / sw) windows of each row: each of those
// is fetched once for the 4 pixels. With window and stride as specialization
// constants the candidates unroll into straight code.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool AVG = false;
layout(constant_id = 2) const int SH = 1;     // strides
layout(constant_id = 3) const int SW = 1;
layout(constant_id = 4) const uint WQ = 1;    // ceil(W / 4), W the input width
layout(constant_id = 5) const uint H = 1;     // input height
layout(constant_id = 6) const int KH = 1;
layout(constant_id = 7) const int KW = 1;
layout(constant_id = 8) const bool VEC_OUT = false;  // W % 4 == 0 and dx starts 16-byte aligned

layout(binding = 0) uniform samplerBuffer A;   // each window's argmax, ky * kw + kx (max only)
layout(binding = 1) uniform samplerBuffer G;   // d(loss)/d(output)
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(std430, binding = 2) writeonly buffer DX4 { vec4 dx4[]; };

layout(push_constant) uniform Push {
    int W, OH, OW;
    int ph, pw;
    int off_a, off_g, off_dx;
    uint n;   // invocations
} p;

const int NY = (KH + SH - 1) / SH, NX = (KW + 3 + SW - 1) / SW;  // candidate windows per axis

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / WQ, plane = t / H;
    int ix0 = int(i - t * WQ) * 4, iy = int(t - plane * H);
    int windows = int(plane) * p.OH * p.OW;
    // window o covers pixel i iff o * stride <= i + pad <= o * stride + k - 1:
    // the last candidate is (i + pad) / stride (of the last pixel, across a
    // row), the others step back from it
    int ty = iy + p.ph, oy_last = min(ty / SH, p.OH - 1);
    int tx0 = ix0 + p.pw, ox_last = min((tx0 + 3) / SW, p.OW - 1);
    vec4 acc = vec4(0.0);
    for (int a = 0; a < NY; a++) {
        int oy = oy_last - a, ky = ty - oy * SH;
        for (int b = 0; b < NX; b++) {
            int ox = ox_last - b;
            if (oy < 0 || ky >= KH || ox < 0)
                continue;
            int o = windows + oy * p.OW + ox;
            float g = texelFetch(G, p.off_g + o).x;
            float at = AVG ? 0.0 : texelFetch(A, p.off_a + o).x;
            for (int j = 0; j < 4; j++) {
                int kx = tx0 + j - ox * SW;
                if (kx >= 0 && kx < KW && (AVG || at == float(ky * KW + kx)))
                    acc[j] += g;
            }
        }
    }
    if (AVG)
        acc /= float(KH * KW);
    int e = p.off_dx + int(t) * p.W + ix0;
    if (VEC_OUT) {
        dx4[e >> 2] = acc;
        return;
    }
    for (int j = 0; j < 4; j++)
        if (ix0 + j < p.W)
            dx[e + j] = acc[j];
}
