#version 450
// Sum, mean, max or argmax over a set of axes (argmax: one axis, the index
// of the first largest value, as a float): one invocation per output element
// walks the reduced sub-space (count[i] = input size on reduced axes, else 1).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int KIND = 0;  // 0 sum, 1 mean, 2 max, 3 argmax

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    ivec4 out_shape;
    ivec4 stride;     // input strides
    ivec4 count;      // reduced extent per axis (1 where kept)
    int off_x, off_y;
    uint n;
    float scale;      // 1 / reduced count, for the mean
} p;

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    int r = int(i);
    ivec4 o;
    o.w = r % p.out_shape.w; r /= p.out_shape.w;
    o.z = r % p.out_shape.z; r /= p.out_shape.z;
    o.y = r % p.out_shape.y; r /= p.out_shape.y;
    o.x = r;
    int base = p.off_x + o.x * p.stride.x + o.y * p.stride.y + o.z * p.stride.z + o.w * p.stride.w;
    float acc = KIND >= 2 ? -3.402823466e38 : 0.0;
    int best = 0, k = 0;
    for (int a = 0; a < p.count.x; a++)
        for (int b = 0; b < p.count.y; b++)
            for (int c = 0; c < p.count.z; c++)
                for (int d = 0; d < p.count.w; d++, k++) {
                    float v = x[base + a * p.stride.x + b * p.stride.y + c * p.stride.z + d * p.stride.w];
                    if (KIND == 3) {
                        if (v > acc || k == 0) {
                            acc = v;
                            best = k;
                        }
                    } else {
                        acc = KIND == 2 ? max(acc, v) : acc + v;
                    }
                }
    y[p.off_y + int(i)] = KIND == 3 ? float(best) : KIND == 1 ? acc * p.scale : acc;
}
