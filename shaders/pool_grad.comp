#version 450
// Pooling's input gradient, as a gather: each input pixel sums the output
// gradients of the windows that contain it. Average: each window gives
// dy / (kh*kw) (padding counted, as the forward). Max: a window gives its dy
// only if this pixel is its maximum, the first one in scan order on ties
// (as PyTorch); the argmax is recomputed here rather than stored. The grid
// is (ix, iy, plane), so the vertical tests are uniform in a workgroup and
// the horizontal stride is a constant.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool AVG = false;
layout(constant_id = 2) const int SW = 1;  // horizontal stride

layout(binding = 0) uniform samplerBuffer X;   // the forward's input (max only)
layout(binding = 1) uniform samplerBuffer G;   // d(loss)/d(output)
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push {
    int H, W, OH, OW;
    int kh, kw, sh, ph, pw;
    int off_x, off_g, off_dx;
} p;

// Whether (iy, ix) is the first maximum of window (oy, ox) of this plane.
bool is_argmax(int xbase, int oy, int ox, int iy, int ix)
{
    int y0 = oy * p.sh - p.ph, x0 = ox * SW - p.pw;
    float best = 0.0;
    int by = -1, bx = -1;
    for (int ky = 0; ky < p.kh; ky++) {
        int yy = y0 + ky;
        if (yy < 0 || yy >= p.H)
            continue;
        for (int kx = 0; kx < p.kw; kx++) {
            int xx = x0 + kx;
            if (xx < 0 || xx >= p.W)
                continue;
            float v = texelFetch(X, xbase + yy * p.W + xx).x;
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
    int ix = int(gl_GlobalInvocationID.x);
    int iy = int(gl_WorkGroupID.y);
    int plane = int(gl_WorkGroupID.z);
    if (ix >= p.W)
        return;
    int xbase = p.off_x + plane * p.H * p.W, gbase = p.off_g + plane * p.OH * p.OW;
    float acc = 0.0;
    for (int ky = 0; ky < p.kh; ky++) {
        int ty = iy + p.ph - ky;
        if (ty < 0)
            break;  // ty only falls as ky grows
        if (ty % p.sh != 0 || ty / p.sh >= p.OH)
            continue;
        int oy = ty / p.sh;
        for (int kx = 0; kx < p.kw; kx++) {
            int tx = ix + p.pw - kx;
            if (tx < 0)
                break;
            uint ut = uint(tx);
            if (ut % uint(SW) != 0u || int(ut / uint(SW)) >= p.OW)
                continue;
            int ox = int(ut / uint(SW));
            if (AVG || is_argmax(xbase, oy, ox, iy, ix))
                acc += texelFetch(G, gbase + oy * p.OW + ox).x;
        }
    }
    dx[p.off_dx + (plane * p.H + iy) * p.W + ix] = AVG ? acc / float(p.kh * p.kw) : acc;
}
