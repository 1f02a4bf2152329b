#version 450
// The propagated labels of each query: softmax of its top-k scores divided
// by the temperature, and the weighted sum of the chosen positions' labels
// (frame 0's or a ring slot's).
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer TopV { float topv[]; };
layout(std430, binding = 1) readonly buffer TopI { float topi[]; };
layout(std430, binding = 2) readonly buffer Lab0 { float lab0[]; };     // [L][h][w]
layout(std430, binding = 3) readonly buffer LabR { float labr[]; };     // [S][L][h][w]
layout(std430, binding = 4) writeonly buffer Out { float outp[]; };     // [L][h][w]

layout(push_constant) uniform Push {
    int h, w, K, L;
    int off_v, off_i, off_l0, off_lr, off_out;
    float inv_t;
} p;

void main()
{
    uint q = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    int hw = p.h * p.w;
    if (int(q) >= hw)
        return;
    int bv = p.off_v + int(q) * p.K, bi = p.off_i + int(q) * p.K;
    float m = topv[bv];
    for (int j = 1; j < p.K; j++)
        m = max(m, topv[bv + j]);
    float total = 0.0;
    for (int j = 0; j < p.K; j++)
        total += exp((topv[bv + j] - m) * p.inv_t);
    for (int l = 0; l < p.L; l++)
        outp[p.off_out + l * hw + int(q)] = 0.0;
    for (int j = 0; j < p.K; j++) {
        float wgt = exp((topv[bv + j] - m) * p.inv_t) / total;
        int id = int(topi[bi + j]);
        if (id < hw) {
            for (int l = 0; l < p.L; l++)
                outp[p.off_out + l * hw + int(q)] += wgt * lab0[p.off_l0 + l * hw + id];
        } else {
            int r = id - hw, s = r / hw, pos = r % hw;
            for (int l = 0; l < p.L; l++)
                outp[p.off_out + l * hw + int(q)] += wgt * labr[p.off_lr + (s * p.L + l) * hw + pos];
        }
    }
}
