#version 450
// Running top-k per query over the candidates of one pass: the frame-0
// scores (FRAME0, laid out [candidate][query]) or a group of ring slots'
// window scores (laid out [..][candidate][8 queries of a strip]), so the
// lanes of a workgroup, neighbouring queries, load neighbouring scores. The
// k best of each query live unsorted in TOPV/TOPI; the invocation keeps the
// smallest of them in registers, so most candidates cost one compare.
// Candidate ids: frame 0 position y*w+x, ring slot s position
// h*w + (s*h + y)*w + x.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool FRAME0 = false;
layout(constant_id = 2) const bool RESET = false;   // first pass of a frame

layout(std430, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, binding = 1) buffer TopV { float topv[]; };
layout(std430, binding = 2) buffer TopI { float topi[]; };

layout(push_constant) uniform Push {
    int h, w, K;
    int q0, nq;             // FRAME0: the queries of this chunk
    int strips, RW, R1, P;  // window layout
    int slot0, slots;
    int off_scores, off_v, off_i;
    float r2;               // radius squared: dx^2 + dy^2 < r2
} p;

float minv;
int minpos;

void find_min(int base)
{
    minv = topv[base];
    minpos = 0;
    for (int j = 1; j < p.K; j++)
        if (topv[base + j] < minv) {
            minv = topv[base + j];
            minpos = j;
        }
}

void main()
{
    uint gid = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    int hw = p.h * p.w;
    // window passes run one invocation per (row, strip, i): queries past w idle
    int qy = 0, strip = 0, i = 0, qx;
    if (FRAME0) {
        if (int(gid) >= p.nq)
            return;
    } else {
        i = int(gid) % 8;
        strip = (int(gid) / 8) % p.strips;
        qy = int(gid) / (8 * p.strips);
        if (qy >= p.h || strip * 8 + i >= p.w)
            return;
    }
    qx = strip * 8 + i;
    int q = FRAME0 ? p.q0 + int(gid) : qy * p.w + qx;
    int base = p.off_v + q * p.K, base_i = p.off_i + q * p.K;
    if (RESET)
        for (int j = 0; j < p.K; j++) {
            topv[base + j] = -3.402823466e38;
            topi[base_i + j] = -1.0;
        }
    find_min(base);
    // topv and topi share the index layout: base_i - base is constant
    int di = base_i - base;
    if (FRAME0) {
        int col = p.off_scores + int(gid);
        for (int j = 0; j < hw; j++) {
            float v = scores[col + j * p.nq];
            if (v > minv) {
                topv[base + minpos] = v;
                topi[base + minpos + di] = float(j);
                find_min(base);
            }
        }
        return;
    }
    int qx0 = strip * 8;
    int rows = 2 * p.R1 + 1;
    for (int sl = 0; sl < p.slots; sl++) {
        int row0 = p.off_scores + ((sl * p.h + qy) * p.strips + strip) * rows * p.RW * 8 + i;
        for (int dy = 0; dy < rows; dy++) {
            int y = qy + dy - p.R1;
            if (y < 0 || y >= p.h)
                continue;
            float ddy = float(dy - p.R1);
            // columns whose logical x is in the frame and within the radius of qx
            for (int c = 0; c < p.RW; c++) {
                int x = qx0 - p.P + c;
                float ddx = float(x - qx);
                if (x < 0 || x >= p.w || ddx * ddx + ddy * ddy >= p.r2)
                    continue;
                float v = scores[row0 + (dy * p.RW + c) * 8];
                if (v > minv) {
                    topv[base + minpos] = v;
                    topi[base + minpos + di] = float(hw + ((p.slot0 + sl) * p.h + y) * p.w + x);
                    find_min(base);
                }
            }
        }
    }
}
