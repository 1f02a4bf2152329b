#version 450
#extension GL_GOOGLE_include_directive : require
// InfoNCE's forward (compute/graph/ops/info_nce.c); the logits
// l_ij = q_i . k_j / tau are never stored.
// STAGE 0: one workgroup per (query row i, block b of keys): the lanes walk
//   the block's keys (strided), each keeping a running max and sum of
//   exp(l_ij); lane 0 merges them into part[i][b] = (max, sum).
// STAGE 1: one invocation per row: merges the blocks and writes the row's
//   loss lse_i - l_i,pos.
// STAGE 2 (for the backward): lse_i = rows_i + l_i,pos.
// A positive that is not a key gives NaN. Blocks keep every loop nest
// short (compute/graph/ops/info_nce_internal.h).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int STAGE = 0;

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer P { float pos[]; };
layout(std430, binding = 3) buffer S { float part[]; };  // stages 0-1: partials; stage 2: the rows' losses
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int N, K, D, self, block, blocks;
    int off_q, off_k, off_p, off_s, off_y;
    float inv_tau;
} p;

shared float sh_max[gl_WorkGroupSize.x], sh_sum[gl_WorkGroupSize.x];

#include "info_nce.glsl"

void main()
{
    const float nan = uintBitsToFloat(0x7fc00000u);
    int w = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
    if (STAGE != 0) {
        int i = w * int(gl_WorkGroupSize.x) + int(gl_LocalInvocationID.x);
        if (i >= p.N)
            return;
        int t = positive(i);
        if (STAGE == 2) {
            y[p.off_y + i] = t < 0 ? nan : part[p.off_s + i] + logit(i, t);
            return;
        }
        int at = p.off_s + i * p.blocks * 2;
        float M = -1.0 / 0.0, S = 0.0;
        for (int b = 0; b < p.blocks; b++)
            M = max(M, part[at + 2 * b]);
        for (int b = 0; b < p.blocks; b++)
            S += part[at + 2 * b + 1] == 0.0 ? 0.0 : part[at + 2 * b + 1] * exp(part[at + 2 * b] - M);
        y[p.off_y + i] = t < 0 || !(S > 0.0) ? nan : M + log(S) - logit(i, t);
        return;
    }
    int i = w / p.blocks, b = w % p.blocks;
    if (i >= p.N)
        return;  // the whole workgroup
    uint l = gl_LocalInvocationID.x;
    int end = min(p.K, (b + 1) * p.block);
    float m = -1.0 / 0.0, s = 0.0;
    for (int j = b * p.block + int(l); j < end; j += int(gl_WorkGroupSize.x)) {
        if (p.self != 0 && j == i)
            continue;
        float v = logit(i, j);
        if (v > m) {
            s = s * exp(m - v) + 1.0;
            m = v;
        } else {
            s += exp(v - m);
        }
    }
    sh_max[l] = m;
    sh_sum[l] = s;
    barrier();
    if (l != 0)
        return;
    float M = sh_max[0];
    for (uint u = 1; u < gl_WorkGroupSize.x; u++)
        M = max(M, sh_max[u]);
    float S = 0.0;
    for (uint u = 0; u < gl_WorkGroupSize.x; u++)
        S += sh_sum[u] == 0.0 ? 0.0 : sh_sum[u] * exp(sh_max[u] - M);
    part[p.off_s + (i * p.blocks + b) * 2] = M;
    part[p.off_s + (i * p.blocks + b) * 2 + 1] = S;
}
