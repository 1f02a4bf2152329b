#version 450
// Window scores for label propagation: dot products of the 8 queries of a
// block (columns qx0 = 4*bx .. qx0+3 of rows qy0 = 2*by and qy0+1) with the
// ring positions within the radius of any of them, for each slot of a group.
// Ring row qy0 + e is dy = e from the block's first row and e - 1 from its
// second; it is needed in columns qx0 - hm .. qx0 + 3 + hm, hm the larger of
// the two disk half widths there. That range, started on a texel boundary,
// is cut into units of 4 columns, and the units of all rows are packed into
// the lanes (8 units per round), so no lane computes a row's unused columns.
// Per channel a lane fetches its unit's 4 ring columns (one vec4 texel) and
// the block's 8 query values (two vec4 texels of the regrouped queries,
// shaders/prop_qt.comp), then does 32 FMAs. Pairs outside the frame or the
// radius are written as -FLT_MAX, so the top-k pass only compares.
// FULL: frame 0 instead (rows padded to W, P = 0, no radius): every row, all
// W/4 units of it; grid y = the block rows of a chunk from block row row0.
// Output per slot, block, unit: [8 queries] x vec4 (4 columns), so the top-k
// pass, one lane per query, reads 4 candidates per texel.
layout(local_size_x_id = 0) in;   // 8
layout(constant_id = 1) const bool FULL = false;

layout(binding = 0) uniform samplerBuffer QT;    // [block rows][blocks][C][8], RGBA32F
layout(binding = 1) uniform samplerBuffer RING;  // [S][C][h][W], RGBA32F
layout(std430, binding = 2) writeonly buffer Scores { vec4 scores[]; };

layout(push_constant) uniform Push {
    int C, h, w, W;         // W: padded ring row length
    int bxs, U, R, P;       // blocks per block row, units per block, radius, ring padding (columns before the frame)
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

int lead(int hm) { return FULL ? 0 : (hm + 3) & ~3; }  // columns before qx0, whole texels

int units(int hm) { return FULL ? p.W >> 2 : hm < 0 ? 0 : (lead(hm) + 4 + hm + 3) >> 2; }

vec4 masked(vec4 a, int cs, int qx, int hw)
{
    vec4 x = vec4(cs) + vec4(0.0, 1.0, 2.0, 3.0);
    bvec4 ok = bvec4(uvec4(greaterThanEqual(x, vec4(0.0))) & uvec4(lessThan(x, vec4(float(p.w)))) &
                     uvec4(lessThanEqual(abs(x - vec4(float(qx))), vec4(float(hw)))));
    return mix(vec4(NONE), a, ok);
}

void main()
{
    int bx = int(gl_WorkGroupID.x), by = int(gl_WorkGroupID.y), sl = int(gl_WorkGroupID.z);
    int lane = int(gl_LocalInvocationID.x);
    int out_base = p.off_scores + ((sl * int(gl_NumWorkGroups.y) + by) * p.bxs + bx) * p.U * 8;
    if (FULL)
        by += p.slot0;
    int qx0 = bx * 4, qy0 = by * 2, R1 = p.R - 1;
    int qt = p.off_qt + (by * p.bxs + bx) * p.C * 2;
    int t_step = (p.h * p.W) >> 2;
    // this lane's unit: ring row qy0 + e, unit within the row
    int last = FULL ? p.h - 1 - qy0 : R1 + 1;
    int e = FULL ? -qy0 : -R1, unit = lane;
    int hw0 = FULL ? p.w : half_width(e), hw1 = FULL ? p.w : half_width(e - 1), n = units(max(hw0, hw1));
    for (int u = lane; u - lane < p.U; u += 8) {  // the same rounds for every lane
        while (e <= last && unit >= n) {
            unit -= n;
            e++;
            hw0 = FULL ? p.w : half_width(e);
            hw1 = FULL ? p.w : half_width(e - 1);
            n = units(max(hw0, hw1));
        }
        int y = qy0 + e;
        int cs = (FULL ? 0 : qx0 - lead(max(hw0, hw1))) + 4 * unit;  // frame column of the unit's first lane
        bool live = u < p.U && y >= 0 && y < p.h && cs + 3 >= 0 && cs < p.w;
        vec4 a0 = vec4(0.0), a1 = vec4(0.0), a2 = vec4(0.0), a3 = vec4(0.0);
        vec4 a4 = vec4(0.0), a5 = vec4(0.0), a6 = vec4(0.0), a7 = vec4(0.0);
        if (live) {
            int t = (p.off_ring + (((FULL ? 0 : p.slot0 + sl) * p.C) * p.h + y) * p.W + p.P + cs) >> 2;
            // two channels per iteration: about 10% faster on lavapipe than one
            // (and than four, which spills)
            int k = 0;
            for (; k + 1 < p.C; k += 2, t += 2 * t_step) {
                vec4 r = texelFetch(RING, t), r1 = texelFetch(RING, t + t_step);
                vec4 lo = texelFetch(QT, qt + 2 * k), hi = texelFetch(QT, qt + 2 * k + 1);
                vec4 lo1 = texelFetch(QT, qt + 2 * k + 2), hi1 = texelFetch(QT, qt + 2 * k + 3);
                a0 = fma(vec4(lo.x), r, a0);
                a1 = fma(vec4(lo.y), r, a1);
                a2 = fma(vec4(lo.z), r, a2);
                a3 = fma(vec4(lo.w), r, a3);
                a4 = fma(vec4(hi.x), r, a4);
                a5 = fma(vec4(hi.y), r, a5);
                a6 = fma(vec4(hi.z), r, a6);
                a7 = fma(vec4(hi.w), r, a7);
                a0 = fma(vec4(lo1.x), r1, a0);
                a1 = fma(vec4(lo1.y), r1, a1);
                a2 = fma(vec4(lo1.z), r1, a2);
                a3 = fma(vec4(lo1.w), r1, a3);
                a4 = fma(vec4(hi1.x), r1, a4);
                a5 = fma(vec4(hi1.y), r1, a5);
                a6 = fma(vec4(hi1.z), r1, a6);
                a7 = fma(vec4(hi1.w), r1, a7);
            }
            for (; k < p.C; k++, t += t_step) {
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
        int k0 = live ? hw0 : -1, k1 = live ? hw1 : -1;  // -1: every pair masked
        if (u < p.U) {
            int o = out_base + u * 8;
            scores[o] = masked(a0, cs, qx0, k0);
            scores[o + 1] = masked(a1, cs, qx0 + 1, k0);
            scores[o + 2] = masked(a2, cs, qx0 + 2, k0);
            scores[o + 3] = masked(a3, cs, qx0 + 3, k0);
            scores[o + 4] = masked(a4, cs, qx0, k1);
            scores[o + 5] = masked(a5, cs, qx0 + 1, k1);
            scores[o + 6] = masked(a6, cs, qx0 + 2, k1);
            scores[o + 7] = masked(a7, cs, qx0 + 3, k1);
        }
        unit += 8;
    }
}
