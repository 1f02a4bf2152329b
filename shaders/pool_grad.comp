#version 450
// Pooling's input gradient, as a gather: each input pixel sums the output
// gradients of the windows that contain it. Average: each window gives
// dy / (kh*kw) (padding counted, as the forward). Max: a window gives its dy
// only if this pixel is its maximum, the first one in scan order on ties
// (as PyTorch); the argmax is recomputed here rather than stored. One
// invocation per input pixel, flat; the index split and the stride tests
// divide by specialization constants (a multiply and shift, not a per-lane
// division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool AVG = false;
layout(constant_id = 2) const uint SH = 1;  // strides
layout(constant_id = 3) const uint SW = 1;
layout(constant_id = 4) const uint W = 1;   // input size
layout(constant_id = 5) const uint H = 1;

layout(binding = 0) uniform samplerBuffer X;   // the forward's input (max only)
layout(binding = 1) uniform samplerBuffer G;   // d(loss)/d(output)
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push {
    int OH, OW;
    int kh, kw, ph, pw;
    int off_x, off_g, off_dx;
    uint n;   // input pixels
} p;

// Whether (iy, ix) is the first maximum of window (oy, ox) of this plane.
bool is_argmax(int xbase, int oy, int ox, int iy, int ix)
{
    int y0 = oy * int(SH) - p.ph, x0 = ox * int(SW) - p.pw;
    float best = 0.0;
    int by = -1, bx = -1;
    for (int ky = 0; ky < p.kh; ky++) {
        int yy = y0 + ky;
        if (yy < 0 || yy >= int(H))
            continue;
        for (int kx = 0; kx < p.kw; kx++) {
            int xx = x0 + kx;
            if (xx < 0 || xx >= int(W))
                continue;
            float v = texelFetch(X, xbase + yy * int(W) + xx).x;
            if (by < 0 || v > best) {
                best = v;
                by = yy;
                bx = xx;
            }
        }
    }
    return by == iy && bx == ix;
}

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / W, plane = t / H;
    int ix = int(i - t * W), iy = int(t - plane * H);
    int xbase = p.off_x + int(plane * H * W), gbase = p.off_g + int(plane) * p.OH * p.OW;
    float acc = 0.0;
    for (int ky = 0; ky < p.kh; ky++) {
        int ty = iy + p.ph - ky;
        if (ty < 0)
            break;  // ty only falls as ky grows
        uint oy = uint(ty) / SH;
        if (uint(ty) != oy * SH || int(oy) >= p.OH)
            continue;
        for (int kx = 0; kx < p.kw; kx++) {
            int tx = ix + p.pw - kx;
            if (tx < 0)
                break;
            uint ox = uint(tx) / SW;
            if (uint(tx) != ox * SW || int(ox) >= p.OW)
                continue;
            if (AVG || is_argmax(xbase, int(oy), int(ox), iy, ix))
                acc += texelFetch(G, gbase + int(oy) * p.OW + int(ox)).x;
        }
    }
    dx[p.off_dx + int(i)] = AVG ? acc / float(p.kh * p.kw) : acc;
}
