#version 450
// Unfolds image patches into columns: row k = (c, ky, kx) and column
// p = (oy, ox) of image z go to col[off_col + z*col_image + k*col_row + p],
// zero where the patch reaches into the padding. Per image ([z][K][P]:
// col_image = K*P, col_row = P) or images side by side ([K][z][P]:
// col_image = P, col_row = count*P).
// One invocation per (z, c, oy, 4 neighbouring ox) writes all kh*kw rows of
// its channel, so small images still fill every lane and a workgroup does
// enough work to pay for itself on lavapipe. Per kernel row it fetches the
// input segment its 4 outputs' taps span once (6 values for a 3x3 kernel at
// stride 1, rather than 12 fetches). The kernel width, stride and dilation
// are specialization constants, so the segment is a fixed-size array that
// unrolls into registers; the flat index is split by specialization
// constants too (a multiply and shift, not a per-lane division), and the
// image is read through a texel buffer (cheaper per-lane loads than a
// storage buffer on lavapipe).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool VEC_OUT = false;  // rows start 16-byte aligned
layout(constant_id = 2) const uint OWQ = 1;          // ceil(OW / 4)
layout(constant_id = 3) const uint OH = 1;
layout(constant_id = 4) const uint C = 1;
layout(constant_id = 5) const int KW = 1;            // kernel width, stride and dilation along x
layout(constant_id = 6) const int SW = 1;
layout(constant_id = 7) const int DW = 1;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Col { float col[]; };
layout(std430, binding = 1) writeonly buffer Col4 { vec4 col4[]; };

layout(push_constant) uniform Push {
    int H, W, OW;
    int kh, sh, ph, pw, dh;
    int off_x, image_stride, off_col, col_image, col_row;
    uint n;   // invocations
} p;

const int SEG = 3 * SW + (KW - 1) * DW + 1;  // input columns the 4 outputs' taps span

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / OWQ;
    int ox = int(i - t * OWQ) * 4;
    uint u = t / OH;
    int oy = int(t - u * OH);
    int z = int(u / C), c = int(u - uint(z) * C);
    int plane = p.off_x + z * p.image_stride + c * p.H * p.W;
    int e = p.off_col + z * p.col_image + c * p.kh * KW * p.col_row + oy * p.OW + ox;
    int x0 = ox * SW - p.pw;
    for (int ky = 0; ky < p.kh; ky++) {
        int iy = oy * p.sh - p.ph + ky * p.dh;
        bool y_in = iy >= 0 && iy < p.H;
        int row = plane + iy * p.W;
        float seg[SEG];
        for (int s = 0; s < SEG; s++) {
            int ix = x0 + s;
            seg[s] = y_in && ix >= 0 && ix < p.W ? texelFetch(X, row + ix).x : 0.0;
        }
        for (int kx = 0; kx < KW; kx++, e += p.col_row) {
            vec4 v = vec4(seg[kx * DW], seg[kx * DW + SW], seg[kx * DW + 2 * SW], seg[kx * DW + 3 * SW]);
            if (VEC_OUT && ox + 3 < p.OW) {
                col4[e >> 2] = v;
            } else {
                for (int j = 0; j < 4; j++)
                    if (ox + j < p.OW)
                        col[e + j] = v[j];
            }
        }
    }
}
