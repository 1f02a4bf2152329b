#version 450
// Copies a block of rows between contiguous tensors (concat, slice and the
// zero-padded gradient of slice): dst[row * dst_ld + col] =
// src[row * src_ld + col - shift] where 0 <= col - shift < src_cols, else 0.
// Rows are workgroup-uniform (grid y and z), so no lane divides; grid x
// splits a row into contiguous chunks, lanes striding through each.
layout(local_size_x_id = 0) in;

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int rows, cols;
    int src_off, src_ld, src_cols, shift;
    int dst_off, dst_ld;
    int chunk;              // columns per workgroup
} p;

void main()
{
    int row = int(gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y);
    if (row >= p.rows)
        return;
    int first = int(gl_WorkGroupID.x) * p.chunk, end = min(first + p.chunk, p.cols);
    int src = p.src_off + row * p.src_ld - p.shift, dst = p.dst_off + row * p.dst_ld;
    for (int col = first + int(gl_LocalInvocationID.x); col < end; col += int(gl_WorkGroupSize.x)) {
        int s = col - p.shift;
        float v = 0.0;
        if (s >= 0 && s < p.src_cols)
            v = texelFetch(X, src + col).x;
        y[dst + col] = v;
    }
}
