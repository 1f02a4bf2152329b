#version 450
// im2col transposed: output pixel q (image z, oy, ox) of a chunk gets its
// patch as one row, rows[off_rows + q*row_stride + k] with k = (c, ky, kx),
// zero where the patch reaches into the padding and in the row's tail past
// K (row_stride is K rounded up to 4, so rows start 16-byte aligned). The
// weight gradient multiplies dy by these rows (a plain GEMM; multiplying by
// im2col's columns would need B transposed, which gathers 8 rows per lane).
// One invocation per (pixel, run of RUN vec4s of its row) writes whole
// vec4s, walking (c, ky, kx) incrementally; every division is by a
// specialization constant (a multiply and shift, not a per-lane division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint RUN = 9;    // vec4s per invocation
layout(constant_id = 2) const uint RUNS = 1;   // invocations per row
layout(constant_id = 3) const uint OW = 1;
layout(constant_id = 4) const uint P = 1;      // pixels per image, OH * OW
layout(constant_id = 5) const uint TAPS = 1;   // kh * kw
layout(constant_id = 6) const uint KW = 1;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Rows4 { vec4 rows4[]; };

layout(push_constant) uniform Push {
    int H, W;
    int sh, sw, ph, pw, dh, dw;
    int K;            // C * kh * kw
    int off_x, image_stride, off_rows, row_stride;
    uint n;           // invocations
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint q = i / RUNS, run = i - q * RUNS;
    uint z = q / P, pixel = q - z * P;
    uint oy = pixel / OW, ox = pixel - oy * OW;
    int k = int(run * RUN * 4u);
    uint c = uint(k) / TAPS, t = uint(k) - c * TAPS;
    uint ky = t / KW, kx = t - ky * KW;
    int y0 = int(oy) * p.sh - p.ph, x0 = int(ox) * p.sw - p.pw;
    int image = p.off_x + int(z) * p.image_stride;
    int out4 = (p.off_rows + int(q) * p.row_stride + k) >> 2;
    for (uint v = 0; v < RUN; v++) {
        if (k >= p.row_stride)
            break;
        vec4 val = vec4(0.0);
        for (int j = 0; j < 4; j++, k++) {
            int iy = y0 + int(ky) * p.dh, ix = x0 + int(kx) * p.dw;
            if (k < p.K && iy >= 0 && iy < p.H && ix >= 0 && ix < p.W)
                val[j] = texelFetch(X, image + (int(c) * p.H + iy) * p.W + ix).x;
            // the next k: kx, then ky, then c
            if (++kx == KW) {
                kx = 0;
                if (++ky == TAPS / KW) {
                    ky = 0;
                    c++;
                }
            }
        }
        rows4[out4 + int(v)] = val;
    }
}
