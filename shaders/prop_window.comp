#version 450
// Window scores for label propagation: dot products of the 8 queries of a
// strip (row qy, columns qx0 = 8*strip .. qx0+7) with the ring positions
// within the radius of any of them, for each slot of a group. Each ring row
// dy = -R1..R1 away needs columns qx0 - hw(dy) .. qx0 + 7 + hw(dy), hw(dy) the
// disk's half width there; that range, started on a texel boundary, is cut
// into units of 4 columns, and the units of all rows are packed into the
// lanes (8 units per round), so no lane computes a row's unused columns.
// Per channel a lane fetches its unit's 4 ring columns (one vec4 texel) and
// the strip's 8 query values (two vec4 texels of the regrouped queries,
// shaders/prop_qt.comp), then does 32 FMAs. Pairs outside the frame or the
// radius are written as -FLT_MAX, so the top-k pass only compares.
// FULL: frame 0 instead (rows padded to W, P = 0, no radius): every row, all
// W/4 units of it; grid y = the query rows of a chunk from row0.
// Output per slot, qy, strip, unit: [8 queries] x vec4 (4 columns), so the
// top-k pass, one lane per query, reads 4 candidates per texel.
layout(local_size_x_id = 0) in;   // 8
layout(constant_id = 1) const bool FULL = false;

layout(binding = 0) uniform samplerBuffer QT;    // [h][strips][C][8], RGBA32F
layout(binding = 1) uniform samplerBuffer RING;  // [S][C][h][W], RGBA32F
layout(std430, binding = 2) writeonly buffer Scores { vec4 scores[]; };

layout(push_constant) uniform Push {
    int C, h, w, W;         // W: padded ring row length
    int strips, U, R, P;    // units per strip, radius, ring padding (columns before the frame)
    int slot0;              // first ring slot of this group (grid z: slots of the group); FULL: row0
    int off_qt, off_ring, off_scores;  // texel (vec4) offsets
} p;

const float NONE = -3.402823466e38;

// Largest d with d*d + dy*dy < R*R, or -1.
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

int units(int hw) { return FULL ? p.W >> 2 : hw < 0 ? 0 : (((hw + 3) & ~3) + 8 + hw + 3) >> 2; }

vec4 masked(vec4 a, int cs, int qx, int hw)
{
    vec4 x = vec4(cs) + vec4(0.0, 1.0, 2.0, 3.0);
    bvec4 ok = bvec4(uvec4(greaterThanEqual(x, vec4(0.0))) & uvec4(lessThan(x, vec4(float(p.w)))) &
                     uvec4(lessThanEqual(abs(x - vec4(float(qx))), vec4(float(hw)))));
    return mix(vec4(NONE), a, ok);
}

void main()
{
    int strip = int(gl_WorkGroupID.x), qy = int(gl_WorkGroupID.y), sl = int(gl_WorkGroupID.z);
    int lane = int(gl_LocalInvocationID.x);
    int qx0 = strip * 8, R1 = p.R - 1;
    int out_base = p.off_scores + ((sl * p.h + qy) * p.strips + strip) * p.U * 8;
    if (FULL)
        qy += p.slot0;
    int qt = p.off_qt + (qy * p.strips + strip) * p.C * 2;
    int t_step = (p.h * p.W) >> 2;
    // this lane's unit: row dy (FULL: frame row - qy), unit within the row
    int last = FULL ? p.h - 1 - qy : R1;
    int dy = FULL ? -qy : -R1, unit = lane, hw = FULL ? p.w : half_width(dy), n = units(hw);
    for (int u = lane; u - lane < p.U; u += 8) {  // the same rounds for every lane
        while (dy <= last && unit >= n) {
            unit -= n;
            dy++;
            hw = FULL ? p.w : half_width(dy);
            n = units(hw);
        }
        int y = qy + dy;
        int cs = (FULL ? 0 : qx0 - ((hw + 3) & ~3)) + 4 * unit;  // frame column of the unit's first lane
        bool live = u < p.U && y >= 0 && y < p.h && cs + 3 >= 0 && cs < p.w;
        vec4 a0 = vec4(0.0), a1 = vec4(0.0), a2 = vec4(0.0), a3 = vec4(0.0);
        vec4 a4 = vec4(0.0), a5 = vec4(0.0), a6 = vec4(0.0), a7 = vec4(0.0);
        if (live) {
            int t = (p.off_ring + (((FULL ? 0 : p.slot0 + sl) * p.C) * p.h + y) * p.W + p.P + cs) >> 2;
            for (int k = 0; k < p.C; k++, t += t_step) {
                vec4 r = texelFetch(RING, t);
                vec4 lo = texelFetch(QT, qt + 2 * k), hi = texelFetch(QT, qt + 2 * k + 1);
                a0 = fma(vec4(lo.x), r, a0);
                a1 = fma(vec4(lo.y), r, a1);
                a2 = fma(vec4(lo.z), r, a2);
                a3 = fma(vec4(lo.w), r, a3);
                a4 = fma(vec4(hi.x), r, a4);
                a5 = fma(vec4(hi.y), r, a5);
                a6 = fma(vec4(hi.z), r, a6);
                a7 = fma(vec4(hi.w), r, a7);
            }
        }
        int keep = live ? hw : -1;  // -1: every pair masked
        if (u < p.U) {
            int o = out_base + u * 8;
            scores[o] = masked(a0, cs, qx0, keep);
            scores[o + 1] = masked(a1, cs, qx0 + 1, keep);
            scores[o + 2] = masked(a2, cs, qx0 + 2, keep);
            scores[o + 3] = masked(a3, cs, qx0 + 3, keep);
            scores[o + 4] = masked(a4, cs, qx0 + 4, keep);
            scores[o + 5] = masked(a5, cs, qx0 + 5, keep);
            scores[o + 6] = masked(a6, cs, qx0 + 6, keep);
            scores[o + 7] = masked(a7, cs, qx0 + 7, keep);
        }
        unit += 8;
    }
}
