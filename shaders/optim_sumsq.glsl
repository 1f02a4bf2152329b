// Body of the partial sums of squares of a gradient (and of its parameter,
// for LARS): invocation k sums units k, k + stride, ... and writes one
// partial; optim_norms adds the partials up. No shared memory: on lavapipe
// each workgroup row is one SIMD vector, and a few hundred partials per
// tensor are cheap to add. T is float (optim_sumsq.comp) or vec4
// (optim_sumsq4.comp, offsets multiples of 4); the last vec4 may run past
// the tensor into its slot's padding, which is masked out.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool HAS_W = false;

layout(std430, binding = 0) readonly buffer G { T g[]; };
layout(std430, binding = 1) readonly buffer W { T w[]; };
layout(std430, binding = 2) writeonly buffer S { float s[]; };

layout(push_constant) uniform Push {
    int off_g, off_w;
    uint n, stride;    // T units
    int out_g, out_w;  // where this dispatch's partials go in S
    uint n_floats;
} p;

T square(uint i)
{
    T x = g[p.off_g + int(i)];
    return x * x;
}

T square_w(uint i)
{
    T y = w[p.off_w + int(i)];
    return y * y;
}

void main()
{
    uint k = gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    T ag = T(0), ag2 = T(0), aw = T(0), aw2 = T(0);
    // Whole rounds, the same count for every lane: no per-lane loop exit.
    uint rounds = p.n / p.stride, r = 0;
    for (; r + 2 <= rounds; r += 2) {
        uint i = k + r * p.stride;
        ag += square(i);
        ag2 += square(i + p.stride);
        if (HAS_W) {
            aw += square_w(i);
            aw2 += square_w(i + p.stride);
        }
    }
    for (uint i = k + r * p.stride; i < p.n; i += p.stride) {
        T x = g[p.off_g + int(i)], y = T(0);
        if (HAS_W)
            y = w[p.off_w + int(i)];
#if VEC == 4
        if (4 * i + 4 > p.n_floats) {
            bvec4 past = greaterThanEqual(uvec4(0, 1, 2, 3), uvec4(p.n_floats - 4 * i));
            x = mix(x, vec4(0), past);
            y = mix(y, vec4(0), past);
        }
#endif
        ag += x * x;
        aw += y * y;
    }
    ag += ag2;
    aw += aw2;
#if VEC == 4
    s[p.out_g + int(k)] = (ag.x + ag.y) + (ag.z + ag.w);
    if (HAS_W)
        s[p.out_w + int(k)] = (aw.x + aw.y) + (aw.z + aw.w);
#else
    s[p.out_g + int(k)] = ag;
    if (HAS_W)
        s[p.out_w + int(k)] = aw;
#endif
}
