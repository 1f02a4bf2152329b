#version 450
// The transpose of im2col, as a gather: image pixel (c, iy, ix) of image z
// sums the column entries (c, ky, kx; oy, ox) that im2col copied it to, so
// each output element has one writer and no atomics are needed. Columns are
// laid out as im2col writes them: col[off_col + z*col_image + k*col_row + p].
// One invocation per (z, c, iy, 4 neighbouring ix), flat, so small images
// still fill every lane; the flat index and the stride tests divide by
// specialization constants (a multiply and shift, not a per-lane division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint SH = 1;            // strides
layout(constant_id = 2) const uint SW = 1;
layout(constant_id = 3) const bool VEC_OUT = false;   // rows start 16-byte aligned
layout(constant_id = 4) const bool BIAS = false;      // add bias[c]
layout(constant_id = 5) const uint WQ = 1;            // ceil(W / 4)
layout(constant_id = 6) const uint H = 1;
layout(constant_id = 7) const uint C = 1;

layout(binding = 0) uniform samplerBuffer Col;
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Y4 { vec4 y4[]; };

layout(push_constant) uniform Push {
    int W, OH, OW;
    int kh, kw, ph, pw, dh, dw;
    int off_col, col_image, col_row, off_y, off_bias;
    uint n;   // invocations
} p;

// The column entry of horizontal tap kx for pixel ix, or 0.
float tap(int row, int ix, int kx)
{
    int t = ix + p.pw - kx * p.dw;
    if (t < 0)
        return 0.0;
    uint ox = uint(t) / SW;
    return uint(t) == ox * SW && int(ox) < p.OW ? texelFetch(Col, row + int(ox)).x : 0.0;
}

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / WQ;
    int ix = int(i - t * WQ) * 4;
    uint u = t / H;
    int iy = int(t - u * H);
    uint z = u / C, c = u - z * C;
    vec4 acc = vec4(BIAS ? bias[p.off_bias + int(c)] : 0.0);
    int base = p.off_col + int(z) * p.col_image + int(c) * p.kh * p.kw * p.col_row;
    for (int ky = 0; ky < p.kh; ky++) {
        int ty = iy + p.ph - ky * p.dh;
        if (ty < 0)
            break;  // ty only falls as ky grows
        uint oy = uint(ty) / SH;
        if (uint(ty) != oy * SH || int(oy) >= p.OH)
            continue;
        int row = base + ky * p.kw * p.col_row + int(oy) * p.OW;
        for (int kx = 0; kx < p.kw; kx++, row += p.col_row) {
            acc.x += tap(row, ix, kx);
            acc.y += tap(row, ix + 1, kx);
            acc.z += tap(row, ix + 2, kx);
            acc.w += tap(row, ix + 3, kx);
        }
    }
    int e = p.off_y + int(u) * int(H) * p.W + iy * p.W + ix;
    if (VEC_OUT && ix + 3 < p.W) {
        y4[e >> 2] = acc;
    } else {
        for (int j = 0; j < 4; j++)
            if (ix + j < p.W)
                y[e + j] = acc[j];
    }
}
