#version 450
// Running top-k per query over the candidates of one pass: the frame-0
// scores (FRAME0, laid out [candidate][query of the chunk], one lane per
// query) or a group of ring slots' window scores (shaders/prop_window.comp:
// per slot, row, strip and unit, [8 queries] x 4 columns; one workgroup of 8
// per strip, one lane per query, 4 candidates per texel). Scores come through
// texel buffers (vectorised gathers on lavapipe). The k best of each query
// live unsorted in TOPV/TOPI; the invocation keeps the smallest of them in
// registers, so most candidates cost one compare. Candidate ids: frame 0
// position y*w+x, ring slot s position h*w + (s*h + y)*w + x.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool FRAME0 = false;
layout(constant_id = 2) const bool RESET = false;   // first pass of a frame

layout(binding = 0) uniform samplerBuffer S1;       // frame-0 scores, R32F
layout(binding = 1) uniform samplerBuffer S4;       // window scores, RGBA32F
layout(std430, binding = 2) buffer TopV { float topv[]; };
layout(std430, binding = 3) buffer TopI { float topi[]; };

layout(push_constant) uniform Push {
    int h, w, K;
    int q0, nq;             // FRAME0: the queries of this chunk
    int strips, U, R;       // window layout
    int slot0, slots;
    int off_scores;         // elements (FRAME0) or texels
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

// Largest d with d*d + dy*dy < R*R, or -1 (as in prop_window.comp).
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

int units(int hw) { return hw < 0 ? 0 : (((hw + 3) & ~3) + 8 + hw + 3) >> 2; }

void main()
{
    int hw = p.h * p.w, q, qx = 0, qy = 0, strip = 0;
    if (FRAME0) {
        int gid = int((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
                      gl_LocalInvocationID.x);
        if (gid >= p.nq)
            return;
        q = p.q0 + gid;
    } else {
        strip = int(gl_WorkGroupID.x);
        qy = int(gl_WorkGroupID.y);
        qx = strip * 8 + int(gl_LocalInvocationID.x);
        if (qx >= p.w)
            return;
        q = qy * p.w + qx;
    }
    int base = p.off_v + q * p.K, di = p.off_i - p.off_v;  // topv and topi share the index layout
    if (RESET)
        for (int j = 0; j < p.K; j++) {
            topv[base + j] = -3.402823466e38;
            topi[base + j + di] = -1.0;
        }
    find_min(base);
    if (FRAME0) {
        int col = p.off_scores + q - p.q0;
        for (int j = 0; j < hw; j++) {
            float v = texelFetch(S1, col + j * p.nq).x;
            if (v > minv) {
                topv[base + minpos] = v;
                topi[base + minpos + di] = float(j);
                find_min(base);
            }
        }
        return;
    }
    int lane = int(gl_LocalInvocationID.x), qx0 = strip * 8, R1 = p.R - 1;
    for (int sl = 0; sl < p.slots; sl++) {
        int t = p.off_scores + ((sl * p.h + qy) * p.strips + strip) * p.U * 8 + lane;
        int id0 = hw + (p.slot0 + sl) * hw;
        for (int dy = -R1; dy <= R1; dy++) {
            int hwd = half_width(dy), n = units(hwd), y = qy + dy;
            if (y < 0 || y >= p.h) {  // the whole row is masked
                t += n * 8;
                continue;
            }
            int x0 = qx0 - ((hwd + 3) & ~3);
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
