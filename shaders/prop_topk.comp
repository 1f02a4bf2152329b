#version 450
// Running top-k per query over the scores of one window pass
// (shaders/prop_window.comp: per slot, block and unit, [8 queries] x 4
// columns): one workgroup of 8 per block of 4x2 queries, one lane per query,
// 4 candidates per texel (a vectorised gather on lavapipe). FULL: frame 0's
// pass (every row, W/4 units each; grid y = the block rows of a chunk from
// row0), which also starts each query's list. The k best of each query live
// unsorted in TOPV/TOPI; the invocation keeps the smallest of them in
// registers, so most candidates cost one compare. Candidate ids: frame 0
// position y*w+x, ring slot s position h*w + (s*h + y)*w + x.
layout(local_size_x_id = 0) in;   // 8
layout(constant_id = 1) const bool FULL = false;

layout(binding = 0) uniform samplerBuffer S4;       // scores, RGBA32F
layout(std430, binding = 1) buffer TopV { float topv[]; };
layout(std430, binding = 2) buffer TopI { float topi[]; };

layout(push_constant) uniform Push {
    int h, w, K;
    int bxs, U, R, W;       // window layout; W: frame 0's padded row length
    int slot0, slots;       // FULL: slot0 is row0 (block rows)
    int off_scores;         // texels
    int off_v, off_i;
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

// As in prop_window.comp.
int half_width(int dy)
{
    int r = p.R * p.R - dy * dy;
    if (r <= 0)
        return -1;
    int d = int(sqrt(float(r - 1)));
    if (d * d >= r)
        d--;
    if ((d + 1) * (d + 1) < r)
        d++;
    return d;
}

int lead(int hm) { return FULL ? 0 : (hm + 3) & ~3; }

int units(int hm) { return FULL ? p.W >> 2 : hm < 0 ? 0 : (lead(hm) + 4 + hm + 3) >> 2; }

void main()
{
    int hw = p.h * p.w, bx = int(gl_WorkGroupID.x), row = int(gl_WorkGroupID.y), lane = int(gl_LocalInvocationID.x);
    int by = FULL ? p.slot0 + row : row, qx0 = bx * 4, qy0 = by * 2;
    int qx = qx0 + (lane & 3), qy = qy0 + (lane >> 2);
    if (qx >= p.w || qy >= p.h)
        return;
    int base = p.off_v + (qy * p.w + qx) * p.K, di = p.off_i - p.off_v;  // topv and topi share the index layout
    if (FULL)
        for (int j = 0; j < p.K; j++) {
            topv[base + j] = -3.402823466e38;
            topi[base + j + di] = -1.0;
        }
    find_min(base);
    int R1 = p.R - 1;
    for (int sl = 0; sl < (FULL ? 1 : p.slots); sl++) {
        int t = p.off_scores + ((sl * int(gl_NumWorkGroups.y) + row) * p.bxs + bx) * p.U * 8 + lane;
        int id0 = FULL ? 0 : hw + (p.slot0 + sl) * hw;
        for (int e = FULL ? -qy0 : -R1; e <= (FULL ? p.h - 1 - qy0 : R1 + 1); e++) {
            int hm = FULL ? p.w : max(half_width(e), half_width(e - 1)), n = units(hm), y = qy0 + e;
            if (y < 0 || y >= p.h) {  // the whole row is masked
                t += n * 8;
                continue;
            }
            int x0 = FULL ? 0 : qx0 - lead(hm);
            for (int un = 0; un < n; un++, t += 8) {
                vec4 v = texelFetch(S4, t);
                if (!any(greaterThan(v, vec4(minv))))
                    continue;
                for (int c = 0; c < 4; c++)
                    if (v[c] > minv) {
                        topv[base + minpos] = v[c];
                        topi[base + minpos + di] = float(id0 + y * p.w + x0 + 4 * un + c);
                        find_min(base);
                    }
            }
        }
    }
}
