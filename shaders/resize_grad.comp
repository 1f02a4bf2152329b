#version 450
// Bilinear resize's input gradient, as a gather: input pixel (iy, ix) sums
// dy[oy][ox] * wy(oy) * wx(ox) over the outputs whose taps reach it, with
// the weights recomputed exactly as shaders/resize.comp computes them (same
// fp32 expressions), so this is the forward's transpose for up- and
// down-sampling alike. Candidate outputs come from inverting the coordinate
// map with a margin; the exact test discards the extra ones. One invocation
// per input pixel, flat; the index is split by specialization constants (a
// multiply and shift, not a per-lane division).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint W = 1;   // input size
layout(constant_id = 2) const uint H = 1;

layout(binding = 0) uniform samplerBuffer G;   // d(loss)/d(output)
layout(std430, binding = 1) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push {
    int OH, OW;
    float scale_h, scale_w;   // in / out, as the forward
    int off_g, off_dx;
    uint n;   // input pixels
} p;

// The weight of input index i in output index o along an axis of n inputs.
float weight(int o, int i, float scale, int n)
{
    float s = max((float(o) + 0.5) * scale - 0.5, 0.0);
    int i0 = min(int(s), n - 1), i1 = min(i0 + 1, n - 1);
    float l = s - float(i0);
    return (i0 == i ? 1.0 - l : 0.0) + (i1 == i ? l : 0.0);
}

// Outputs whose taps may reach input i: those with source coordinate in
// [i - 1, i + 1), widened by one on each side; the last input also takes
// every output mapped past it.
ivec2 candidates(int i, float scale, int n, int out_n)
{
    int lo = int(floor((float(i) - 0.5) / scale - 0.5)) - 1;
    int hi = i == n - 1 ? out_n - 1 : int(ceil((float(i) + 1.5) / scale - 0.5)) + 1;
    return ivec2(max(lo, 0), min(hi, out_n - 1));
}

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint t = i / W, plane = t / H;
    int ix = int(i - t * W), iy = int(t - plane * H);
    ivec2 ry = candidates(iy, p.scale_h, int(H), p.OH), rx = candidates(ix, p.scale_w, int(W), p.OW);
    int gbase = p.off_g + int(plane) * p.OH * p.OW;
    float acc = 0.0;
    for (int oy = ry.x; oy <= ry.y; oy++) {
        float wy = weight(oy, iy, p.scale_h, int(H));
        if (wy == 0.0)
            continue;
        float row = 0.0;
        for (int ox = rx.x; ox <= rx.y; ox++) {
            float wx = weight(ox, ix, p.scale_w, int(W));
            if (wx != 0.0)
                row += wx * texelFetch(G, gbase + oy * p.OW + ox).x;
        }
        acc += wy * row;
    }
    dx[p.off_dx + int(i)] = acc;
}
