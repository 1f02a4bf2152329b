#version 450
// Operands of label propagation regrouped for the window pass:
// - the queries (ROWS false): the 8 queries of each block of 4x2 (columns
//   4*bx .. 4*bx+3 of rows 2*by and 2*by+1, row-major) side by side for each
//   channel, [by][bx][C][8], zeros outside the frame, so the window pass
//   reads one channel of a block as two vec4 texels; grid y = by * bxs + bx,
//   x = channel and query;
// - frame 0 (ROWS true): [C][h][w] with rows padded to Wp columns (zeros), so
//   4 columns are one vec4 texel; grid z = channel, y = row, x = column.
// Either way no lane divides.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool ROWS = false;

layout(std430, binding = 0) readonly buffer Q { float q[]; };      // [C][h][w]
layout(std430, binding = 1) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
    int C, h, w, bxs;       // ROWS: bxs is the padded row length Wp
    int off_q, off_out;
} p;

void main()
{
    int i = int(gl_GlobalInvocationID.x), r = int(gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y);
    if (ROWS) {
        if (i < p.bxs)
            outp[p.off_out + r * p.bxs + i] = i < p.w ? q[p.off_q + r * p.w + i] : 0.0;
        return;
    }
    if (i >= p.C * 8)
        return;
    int by = r / p.bxs, x = (r - by * p.bxs) * 4 + (i & 3), y = by * 2 + ((i >> 2) & 1), k = i >> 3;
    outp[p.off_out + r * p.C * 8 + i] = x < p.w && y < p.h ? q[p.off_q + (k * p.h + y) * p.w + x] : 0.0;
}
