#version 450
// Elementwise ops over 4-D shapes with per-operand strides (0 = broadcast).
// OP (enum hue_eltwise): 0 add, 1 sub, 2 mul, 3 relu, 4 leaky relu,
// 5 sigmoid, 6 tanh, 7 exp, 8 log, 9 scale+bias (a * b + c), 10 div,
// 11 scale (alpha * a), 12 relu', 13 leaky relu', 14 sigmoid', 15 tanh'
// (gradient a, input or output b), 16 equal.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int OP = 0;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer C { float c[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    ivec4 shape;               // output
    ivec4 sa, sb, sc;          // operand strides in elements
    int oa, ob, oc, oy;        // operand offsets in elements
    uint n;
    float alpha;
} p;

const bool BINARY = OP <= 2 || OP == 9 || OP == 10 || OP >= 12;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    int r = int(i);
    ivec4 idx;
    idx.w = r % p.shape.w; r /= p.shape.w;
    idx.z = r % p.shape.z; r /= p.shape.z;
    idx.y = r % p.shape.y; r /= p.shape.y;
    idx.x = r;
    float x = a[p.oa + idx.x * p.sa.x + idx.y * p.sa.y + idx.z * p.sa.z + idx.w * p.sa.w];
    float u = 0.0;
    if (BINARY)
        u = b[p.ob + idx.x * p.sb.x + idx.y * p.sb.y + idx.z * p.sb.z + idx.w * p.sb.w];
    float v;
    if (OP == 0) v = x + u;
    else if (OP == 1) v = x - u;
    else if (OP == 2) v = x * u;
    else if (OP == 3) v = max(x, 0.0);
    else if (OP == 4) v = x >= 0.0 ? x : x * p.alpha;
    else if (OP == 5) v = 1.0 / (1.0 + exp(-x));
    else if (OP == 6) v = tanh(clamp(x, -15.0, 15.0));
    else if (OP == 7) v = exp(x);
    else if (OP == 8) v = log(x);
    else if (OP == 9) v = x * u + c[p.oc + idx.x * p.sc.x + idx.y * p.sc.y + idx.z * p.sc.z + idx.w * p.sc.w];
    else if (OP == 10) v = x / u;
    else if (OP == 11) v = p.alpha * x;
    else if (OP == 12) v = u > 0.0 ? x : 0.0;
    else if (OP == 13) v = u > 0.0 ? x : x * p.alpha;
    else if (OP == 14) v = x * u * (1.0 - u);
    else if (OP == 15) v = x * (1.0 - u * u);
    else v = x == u ? 1.0 : 0.0;
    y[p.oy + int(i)] = v;
}
