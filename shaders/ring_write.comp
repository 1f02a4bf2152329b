#version 450
// Writes a frame [C][h][w] into ring slot slot[0] of [S][C][h][W], its
// columns starting at P, zeros in the padding. The ring is written through a
// storage texel buffer: it may exceed maxStorageBufferRange (20 frames of
// 256 channels at 480p do).
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Slot { float slot[]; };
layout(binding = 2, r32f) uniform writeonly imageBuffer ring;

layout(push_constant) uniform Push {
    int C, h, w, W, P, S;
    int off_x, off_slot, off_ring;
    uint n;   // C * h * W
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    int s = clamp(int(slot[p.off_slot]), 0, p.S - 1);
    int col = int(i) % p.W, row = int(i) / p.W;   // row = k * h + y
    int x_ = col - p.P;
    float v = x_ >= 0 && x_ < p.w ? x[p.off_x + row * p.w + x_] : 0.0;
    imageStore(ring, p.off_ring + s * p.C * p.h * p.W + int(i), vec4(v));
}
