#version 450
// Unfolds image patches into columns: row k = (c, ky, kx) and column
// p = (oy, ox) of image z go to col[off_col + z*col_image + k*col_row + p],
// zero where the patch reaches into the padding. Per image ([z][K][P]:
// col_image = K*P, col_row = P) or images side by side ([K][z][P]:
// col_image = P, col_row = count*P).
// One invocation per (z, c, oy, 4 neighbouring ox) writes all kh*kw rows of
// its channel, so small images still fill every lane and a workgroup does
// enough work to pay for itself on lavapipe. The flat index is split by
// specialization constants (a multiply and shift, not a per-lane division),
// and the image is read through a texel buffer (cheaper per-lane loads than
// a storage buffer on lavapipe).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool VEC_OUT = false;  // rows start 16-byte aligned
layout(constant_id = 2) const uint OWQ = 1;          // ceil(OW / 4)
layout(constant_id = 3) const uint OH = 1;
layout(constant_id = 4) const uint C = 1;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Col { float col[]; };
layout(std430, binding = 1) writeonly buffer Col4 { vec4 col4[]; };

layout(push_constant) uniform Push {
    int H, W, OW;
    int kh, kw, sh, sw, ph, pw, dh, dw;
    int off_x, image_stride, off_col, col_image, col_row;
    uint n;   // invocations
} p;

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
    int e = p.off_col + z * p.col_image + c * p.kh * p.kw * p.col_row + oy * p.OW + ox;
    for (int ky = 0; ky < p.kh; ky++) {
        int iy = oy * p.sh - p.ph + ky * p.dh;
        bool y_in = iy >= 0 && iy < p.H;
        int row = plane + iy * p.W;
        for (int kx = 0; kx < p.kw; kx++, e += p.col_row) {
            vec4 v;
            for (int j = 0; j < 4; j++) {
                int ix = (ox + j) * p.sw - p.pw + kx * p.dw;
                v[j] = y_in && ix >= 0 && ix < p.W ? texelFetch(X, row + ix).x : 0.0;
            }
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
