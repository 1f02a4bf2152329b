#version 450
// Bilinear resize with half-pixel centres (align_corners = false): source
// coordinate (dst + 0.5) * in / out - 0.5, clamped at 0, neighbours clamped
// at the last row and column.
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int H, W, OH, OW;
    float scale_h, scale_w;   // in / out
    int off_x, off_y;
    uint n;
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    int ox = int(i) % p.OW, oy = (int(i) / p.OW) % p.OH, plane = int(i) / (p.OW * p.OH);
    float sy = max((float(oy) + 0.5) * p.scale_h - 0.5, 0.0);
    float sx = max((float(ox) + 0.5) * p.scale_w - 0.5, 0.0);
    int y0 = min(int(sy), p.H - 1), x0 = min(int(sx), p.W - 1);
    int y1 = min(y0 + 1, p.H - 1), x1 = min(x0 + 1, p.W - 1);
    float ly = sy - float(y0), lx = sx - float(x0);
    int base = p.off_x + plane * p.H * p.W;
    float top = mix(x[base + y0 * p.W + x0], x[base + y0 * p.W + x1], lx);
    float bottom = mix(x[base + y1 * p.W + x0], x[base + y1 * p.W + x1], lx);
    y[p.off_y + int(i)] = mix(top, bottom, ly);
}
