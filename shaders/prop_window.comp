#version 450
// Window scores for label propagation: dot products of 8 neighbouring query
// positions (a strip qx0..qx0+7 of row qy) with every position of the ring
// frame's region rows qy-R1..qy+R1 and columns qx0-P..qx0-P+RW-1. The
// ring's rows are padded (P zero columns before the frame) so each lane's 4
// columns are one aligned vec4 texel; the queries are the same for all
// lanes of a workgroup. Positions outside the frame or the radius are kept
// here and skipped by the top-k pass.
layout(local_size_x_id = 0) in;

layout(binding = 0) uniform samplerBuffer Q;     // [C][h][w], R32F
layout(binding = 1) uniform samplerBuffer RING;  // [S][C][h][W], RGBA32F
layout(std430, binding = 2) writeonly buffer Scores { vec4 scores[]; };

layout(push_constant) uniform Push {
    int C, h, w, W;         // W: padded ring row length
    int strips, RW, R1;     // query strips per row, region width, radius - 1
    int slot0, slots;       // first ring slot of this group, slots in the group
    int off_q, off_ring;    // element offsets (off_ring a multiple of 4)
    int off_scores;         // vec4 offset
} p;

void main()
{
    int groups = p.RW / 32;                       // workgroups across a region row
    int strip = int(gl_WorkGroupID.x) / groups;
    int c = (int(gl_WorkGroupID.x) % groups) * 32 + int(gl_LocalInvocationID.x) * 4;
    int rows = 2 * p.R1 + 1;
    int qy = int(gl_WorkGroupID.y) / rows, dy = int(gl_WorkGroupID.y) % rows;
    int sl = int(gl_WorkGroupID.z);
    int qx0 = strip * 8;
    int y = clamp(qy + dy - p.R1, 0, p.h - 1);    // rows outside the frame: any values
    int plane_q = p.h * p.w;
    int qrow = p.off_q + qy * p.w;
    int q0 = qrow + min(qx0, p.w - 1), q1 = qrow + min(qx0 + 1, p.w - 1), q2 = qrow + min(qx0 + 2, p.w - 1);
    int q3 = qrow + min(qx0 + 3, p.w - 1), q4 = qrow + min(qx0 + 4, p.w - 1), q5 = qrow + min(qx0 + 5, p.w - 1);
    int q6 = qrow + min(qx0 + 6, p.w - 1), q7 = qrow + min(qx0 + 7, p.w - 1);
    // texel of (slot, k = 0, y, qx0 + c); physical column qx0 + c is logical qx0 - P + c
    int t = (p.off_ring + (((p.slot0 + sl) * p.C) * p.h + y) * p.W + qx0 + c) >> 2;
    int t_step = (p.h * p.W) >> 2;
    vec4 a0 = vec4(0.0), a1 = vec4(0.0), a2 = vec4(0.0), a3 = vec4(0.0);
    vec4 a4 = vec4(0.0), a5 = vec4(0.0), a6 = vec4(0.0), a7 = vec4(0.0);
    for (int k = 0; k < p.C; k++, t += t_step) {
        vec4 r = texelFetch(RING, t);
        int e = k * plane_q;
        a0 = fma(vec4(texelFetch(Q, q0 + e).x), r, a0);
        a1 = fma(vec4(texelFetch(Q, q1 + e).x), r, a1);
        a2 = fma(vec4(texelFetch(Q, q2 + e).x), r, a2);
        a3 = fma(vec4(texelFetch(Q, q3 + e).x), r, a3);
        a4 = fma(vec4(texelFetch(Q, q4 + e).x), r, a4);
        a5 = fma(vec4(texelFetch(Q, q5 + e).x), r, a5);
        a6 = fma(vec4(texelFetch(Q, q6 + e).x), r, a6);
        a7 = fma(vec4(texelFetch(Q, q7 + e).x), r, a7);
    }
    // layout [slot][qy][strip][dy][RW][8 queries]: the top-k pass reads the
    // 8 queries of a strip as 8 neighbouring lanes, one contiguous load
    int base = p.off_scores + ((((sl * p.h + qy) * p.strips + strip) * rows + dy) * p.RW + c) * 2;
    scores[base] = vec4(a0.x, a1.x, a2.x, a3.x);
    scores[base + 1] = vec4(a4.x, a5.x, a6.x, a7.x);
    scores[base + 2] = vec4(a0.y, a1.y, a2.y, a3.y);
    scores[base + 3] = vec4(a4.y, a5.y, a6.y, a7.y);
    scores[base + 4] = vec4(a0.z, a1.z, a2.z, a3.z);
    scores[base + 5] = vec4(a4.z, a5.z, a6.z, a7.z);
    scores[base + 6] = vec4(a0.w, a1.w, a2.w, a3.w);
    scores[base + 7] = vec4(a4.w, a5.w, a6.w, a7.w);
}
