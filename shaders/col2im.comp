#version 450
// The transpose of im2col, as a gather: image pixel (c, iy, ix) of image z
// sums the column entries (c, ky, kx; oy, ox) that im2col copied it to, so
// each output element has one writer and no atomics are needed. Columns are
// laid out as im2col writes them: col[off_col + z*col_image + k*col_row + p].
// The grid is (ix / 4, iy, z*C + c): the vertical tap test and every integer
// division are uniform across a workgroup; the horizontal stride is a
// constant, so the per-lane divisibility test is cheap. Each invocation
// writes 4 neighbouring pixels.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int SW = 1;             // horizontal stride
layout(constant_id = 2) const bool VEC_OUT = false;   // rows start 16-byte aligned
layout(constant_id = 3) const bool BIAS = false;      // add bias[c]

layout(binding = 0) uniform samplerBuffer Col;
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Y4 { vec4 y4[]; };

layout(push_constant) uniform Push {
    int H, W, OH, OW, C;
    int kh, kw, sh, ph, pw, dh, dw;
    int off_col, col_image, col_row, off_y, off_bias;
} p;

// The column entry of horizontal tap kx for pixel ix, or 0.
float tap(int row, int ix, int kx)
{
    int t = ix + p.pw - kx * p.dw;
    if (t < 0)
        return 0.0;
    uint ut = uint(t);
    if (ut % uint(SW) != 0u)
        return 0.0;
    int ox = int(ut / uint(SW));
    return ox < p.OW ? texelFetch(Col, row + ox).x : 0.0;
}

void main()
{
    int ix = int(gl_GlobalInvocationID.x) * 4;
    int iy = int(gl_WorkGroupID.y);
    int zc = int(gl_WorkGroupID.z);
    if (ix >= p.W)
        return;
    int z = zc / p.C, c = zc - z * p.C;
    vec4 acc = vec4(BIAS ? bias[p.off_bias + c] : 0.0);
    int base = p.off_col + z * p.col_image;
    for (int ky = 0; ky < p.kh; ky++) {
        int t = iy + p.ph - ky * p.dh;
        if (t < 0)
            break;  // t only falls as ky grows
        if (t % p.sh != 0 || t / p.sh >= p.OH)
            continue;
        int row = base + (c * p.kh + ky) * p.kw * p.col_row + (t / p.sh) * p.OW;
        for (int kx = 0; kx < p.kw; kx++, row += p.col_row) {
            acc.x += tap(row, ix, kx);
            acc.y += tap(row, ix + 1, kx);
            acc.z += tap(row, ix + 2, kx);
            acc.w += tap(row, ix + 3, kx);
        }
    }
    int e = p.off_y + (zc * p.H + iy) * p.W + ix;
    if (VEC_OUT && ix + 3 < p.W) {
        y4[e >> 2] = acc;
    } else {
        for (int j = 0; j < 4; j++)
            if (ix + j < p.W)
                y[e + j] = acc[j];
    }
}
