#version 450
// Operands of label propagation regrouped for the window pass:
// - the queries (ROWS false): the 8 queries of each strip (row qy, columns
//   8*strip .. 8*strip+7) side by side for each channel, [h][strips][C][8],
//   zeros past the frame's last column, so the window pass reads one channel
//   of a strip as two vec4 texels; grid y = qy * strips + strip, x = channel
//   and query;
// - frame 0 (ROWS true): [C][h][w] with rows padded to Wp columns (zeros), so
//   4 columns are one vec4 texel; grid y = channel * h + row, x = column.
// Either way no lane divides.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool ROWS = false;

layout(std430, binding = 0) readonly buffer Q { float q[]; };      // [C][h][w]
layout(std430, binding = 1) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
    int C, h, w, strips;    // ROWS: strips is the padded row length Wp
    int off_q, off_out;
} p;

void main()
{
    int i = int(gl_GlobalInvocationID.x), r = int(gl_WorkGroupID.y);
    if (ROWS) {
        if (i < p.strips)
            outp[p.off_out + r * p.strips + i] = i < p.w ? q[p.off_q + r * p.w + i] : 0.0;
        return;
    }
    if (i >= p.C * 8)
        return;
    int qy = r / p.strips, x = (r - qy * p.strips) * 8 + (i & 7), k = i >> 3;
    outp[p.off_out + r * p.C * 8 + i] = x < p.w ? q[p.off_q + (k * p.h + qy) * p.w + x] : 0.0;
}
