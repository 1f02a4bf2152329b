#version 450
// The queries of label propagation regrouped for the window pass: the 8
// queries of each strip (row qy, columns 8*strip .. 8*strip+7) side by side
// for each channel, [h][strips][C][8], zeros past the frame's last column, so
// the window pass reads one channel of a strip as two vec4 texels. The grid's
// y is the strip (qy * strips + strip), x runs over channel and query: no
// per-lane division.
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Q { float q[]; };     // [C][h][w]
layout(std430, binding = 1) writeonly buffer QT { float qt[]; };  // [h][strips][C][8]

layout(push_constant) uniform Push {
    int C, h, w, strips;
    int off_q, off_qt;
} p;

void main()
{
    int i = int(gl_GlobalInvocationID.x);
    if (i >= p.C * 8)
        return;
    int rs = int(gl_WorkGroupID.y), qy = rs / p.strips, x = (rs - qy * p.strips) * 8 + (i & 7), k = i >> 3;
    qt[p.off_qt + rs * p.C * 8 + i] = x < p.w ? q[p.off_q + (k * p.h + qy) * p.w + x] : 0.0;
}
