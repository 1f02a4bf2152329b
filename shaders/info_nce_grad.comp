#version 450
#extension GL_GOOGLE_include_directive : require
// InfoNCE's gradients (compute/graph/ops/info_nce.c). KEYS = false: output
// row r is a query i and the other side is the keys j, dq_i = sum_j w_ij
// k_j; KEYS = true: r is a key j, the other side the queries i, dk_j =
// sum_i w_ij q_i; with w_ij = G_i / tau (p_ij - [j is pos_i]) and
// p_ij = exp(q_i . k_j / tau - lse_i).
// STAGE 0: one workgroup per (output row r, block b of the other side):
//   the lanes compute a row of weights (one other row each) into shared
//   memory, then each lane adds them into the output values it owns
//   (d = lane + c * lanes, CH per lane, several passes for a wider row),
//   and writes part[b][r][:] (y itself when there is one block).
// STAGE 1: one invocation per output value: the sum of its blocks.
// Blocks keep every loop nest short (compute/graph/ops/info_nce_internal.h).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool KEYS = false;
layout(constant_id = 2) const int STAGE = 0;
#define CH 8

layout(std430, binding = 0) readonly buffer G_ { float G[]; };
layout(std430, binding = 1) readonly buffer Q { float q[]; };
layout(std430, binding = 2) readonly buffer K { float k[]; };
layout(std430, binding = 3) readonly buffer P { float pos[]; };
layout(std430, binding = 4) readonly buffer L { float lse[]; };
layout(std430, binding = 5) buffer Y { float y[]; };      // stage 0: the partials (or y)
layout(std430, binding = 6) writeonly buffer Z { float z[]; };  // stage 1: y

layout(push_constant) uniform Push {
    int N, K, D, self, block, blocks;
    int off_g, off_q, off_k, off_p, off_l, off_y, off_z;
    float inv_tau;
} p;

shared float sh_w[gl_WorkGroupSize.x];

#include "info_nce.glsl"

void main()
{
    int w = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
    int lanes = int(gl_WorkGroupSize.x), l = int(gl_LocalInvocationID.x);
    int rows = KEYS ? p.K : p.N, others = KEYS ? p.N : p.K;
    if (STAGE == 1) {
        int e = w * lanes + l;
        if (e >= rows * p.D)
            return;
        float s = 0.0;
        for (int b = 0; b < p.blocks; b++)
            s += y[p.off_y + b * rows * p.D + e];
        z[p.off_z + e] = s;
        return;
    }
    int r = w / p.blocks, b = w % p.blocks;
    if (r >= rows)
        return;  // the whole workgroup
    int first = b * p.block, end = min(others, first + p.block);
    int dst = p.off_y + (b * rows + r) * p.D;
    for (int d0 = 0; d0 < p.D; d0 += lanes * CH) {
        float acc[CH];
        for (int c = 0; c < CH; c++)
            acc[c] = 0.0;
        for (int o0 = first; o0 < end; o0 += lanes) {
            int o = o0 + l;
            float wt = 0.0;
            if (o < end) {
                int i = KEYS ? o : r, j = KEYS ? r : o;
                if (!(p.self != 0 && i == j))
                    wt = (exp(logit(i, j) - lse[p.off_l + i]) - (positive(i) == j ? 1.0 : 0.0)) * G[p.off_g + i] *
                         p.inv_tau;
            }
            sh_w[l] = wt;
            barrier();
            int n = min(lanes, end - o0);
            for (int u = 0; u < n; u++) {
                float wu = sh_w[u];
                int base = (o0 + u) * p.D;
                for (int c = 0; c < CH; c++) {
                    int d = d0 + l + c * lanes;
                    if (d < p.D)
                        acc[c] += wu * (KEYS ? q[p.off_q + base + d] : k[p.off_k + base + d]);
                }
            }
            barrier();
        }
        for (int c = 0; c < CH; c++) {
            int d = d0 + l + c * lanes;
            if (d < p.D)
                y[dst + d] = acc[c];
        }
    }
}
