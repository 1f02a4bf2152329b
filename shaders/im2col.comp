#version 450
// Unfolds image patches into columns: row k = (c, ky, kx) and column
// p = (oy, ox) of image z go to col[off_col + z*col_image + k*col_row + p],
// zero where the patch reaches into the padding. Per image ([z][K][P]:
// col_image = K*P, col_row = P) or images side by side ([K][z][P]:
// col_image = P, col_row = count*P). The grid is (ox / 4, oy,
// z*C*kh + c*kh + ky) so every division is uniform across a workgroup; each
// invocation writes 4 neighbouring columns of the kw rows kx = 0..kw-1, and
// reads the image through a texel buffer (cheaper per-lane loads than a
// storage buffer on lavapipe).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool VEC_OUT = false;  // rows start 16-byte aligned

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Col { float col[]; };
layout(std430, binding = 1) writeonly buffer Col4 { vec4 col4[]; };

layout(push_constant) uniform Push {
    int H, W, OW, C;
    int kh, kw, sh, sw, ph, pw, dh, dw;
    int off_x, image_stride, off_col, col_image, col_row;
} p;

void main()
{
    int ox = int(gl_GlobalInvocationID.x) * 4;
    int oy = int(gl_WorkGroupID.y);
    int zcy = int(gl_WorkGroupID.z);
    if (ox >= p.OW)
        return;
    int rows = p.C * p.kh;
    int z = zcy / rows, cy = zcy - z * rows;
    int c = cy / p.kh, ky = cy - c * p.kh;
    int iy = oy * p.sh - p.ph + ky * p.dh;
    int row = p.off_x + z * p.image_stride + (c * p.H + iy) * p.W;
    bool y_in = iy >= 0 && iy < p.H;
    int e = p.off_col + z * p.col_image + cy * p.kw * p.col_row + oy * p.OW + ox;
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
