#version 450
// Batched C = op(A) * op(B) (+ bias, ReLU, += C), the CPU-friendly way
// (PERF-NOTES): operands come through uniform texel buffers, each invocation
// owns an 8-row x 4-column block held in registers, fully unrolled, with no
// shared memory. Rows are uniform across a workgroup, so A's fetches are
// the same for every lane; B's differ per lane.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool TRANS_A = false;  // A stored [K, M]
layout(constant_id = 2) const bool TRANS_B = false;  // B stored [N, K]
layout(constant_id = 3) const bool VEC_A = false;    // A's view is RGBA32F
layout(constant_id = 4) const bool VEC_B = false;
layout(constant_id = 5) const int BIAS = 0;          // 1 per row (M), 2 per column (N)
layout(constant_id = 6) const bool RELU = false;
layout(constant_id = 7) const bool ACCUMULATE = false;
layout(constant_id = 8) const bool VEC_C = false;    // C's rows start 16-byte aligned and N % 4 == 0

layout(binding = 0) uniform samplerBuffer A;
layout(binding = 1) uniform samplerBuffer B;
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) buffer C { float c[]; };
layout(std430, binding = 3) buffer C4 { vec4 c4[]; };

layout(push_constant) uniform Push {
    int M, N, K;
    int lda, ldb, ldc;          // row strides in elements
    int off_a, off_b, off_c, off_bias;
    int batch_a, batch_b, batch_c;
    int texels_a, texels_b;     // fetches are clamped inside the views
} p;

// Four consecutive elements of a row-major matrix at element index e.
vec4 fetch4(samplerBuffer t, bool vec, int e, int texels)
{
    if (vec)
        return texelFetch(t, min(e >> 2, texels - 1));
    return vec4(texelFetch(t, min(e, texels - 1)).x, texelFetch(t, min(e + 1, texels - 1)).x,
                texelFetch(t, min(e + 2, texels - 1)).x, texelFetch(t, min(e + 3, texels - 1)).x);
}

float fetch1(samplerBuffer t, bool vec, int e, int texels)
{
    if (vec)
        return texelFetch(t, min(e >> 2, texels - 1))[e & 3];
    return texelFetch(t, min(e, texels - 1)).x;
}

vec4 acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7;

// One k step: acc[i] += a[i] * b, with a the 8 rows' values at this k.
void step1(vec4 a_lo, vec4 a_hi, vec4 b)
{
    acc0 = fma(vec4(a_lo.x), b, acc0);
    acc1 = fma(vec4(a_lo.y), b, acc1);
    acc2 = fma(vec4(a_lo.z), b, acc2);
    acc3 = fma(vec4(a_lo.w), b, acc3);
    acc4 = fma(vec4(a_hi.x), b, acc4);
    acc5 = fma(vec4(a_hi.y), b, acc5);
    acc6 = fma(vec4(a_hi.z), b, acc6);
    acc7 = fma(vec4(a_hi.w), b, acc7);
}

void store(int m, vec4 v, int n0, int base_c)
{
    if (m >= p.M)
        return;
    if (BIAS == 1)
        v += vec4(bias[p.off_bias + m]);
    else if (BIAS == 2)
        v += vec4(bias[p.off_bias + min(n0, p.N - 1)], bias[p.off_bias + min(n0 + 1, p.N - 1)],
                  bias[p.off_bias + min(n0 + 2, p.N - 1)], bias[p.off_bias + min(n0 + 3, p.N - 1)]);
    if (RELU)
        v = max(v, vec4(0.0));
    int e = base_c + m * p.ldc + n0;
    if (VEC_C) {  // one 16-byte store instead of four
        c4[e >> 2] = ACCUMULATE ? c4[e >> 2] + v : v;
        return;
    }
    for (int j = 0; j < 4; j++)
        if (n0 + j < p.N)
            c[e + j] = ACCUMULATE ? c[e + j] + v[j] : v[j];
}

void main()
{
    int n0 = int(gl_GlobalInvocationID.x) * 4;
    int m0 = int(gl_WorkGroupID.y) * 8;
    int z = int(gl_WorkGroupID.z);
    if (n0 >= p.N)
        return;
    int base_a = p.off_a + z * p.batch_a, base_b = p.off_b + z * p.batch_b;
    acc0 = acc1 = acc2 = acc3 = acc4 = acc5 = acc6 = acc7 = vec4(0.0);
    // Rows past M are clamped to M-1 (their results are never stored);
    // columns past N likewise.
    int r0 = min(m0, p.M - 1), r1 = min(m0 + 1, p.M - 1), r2 = min(m0 + 2, p.M - 1), r3 = min(m0 + 3, p.M - 1);
    int r4 = min(m0 + 4, p.M - 1), r5 = min(m0 + 5, p.M - 1), r6 = min(m0 + 6, p.M - 1), r7 = min(m0 + 7, p.M - 1);
    int c0 = min(n0, p.N - 1), c1 = min(n0 + 1, p.N - 1), c2 = min(n0 + 2, p.N - 1), c3 = min(n0 + 3, p.N - 1);

    int K4 = p.K & ~3;
    for (int k = 0; k < K4; k += 4) {
        vec4 b0, b1, b2, b3;
        if (!TRANS_B) {
            int e = base_b + k * p.ldb + n0;
            b0 = fetch4(B, VEC_B, e, p.texels_b);
            b1 = fetch4(B, VEC_B, e + p.ldb, p.texels_b);
            b2 = fetch4(B, VEC_B, e + 2 * p.ldb, p.texels_b);
            b3 = fetch4(B, VEC_B, e + 3 * p.ldb, p.texels_b);
        } else {
            vec4 t0 = fetch4(B, VEC_B, base_b + c0 * p.ldb + k, p.texels_b);
            vec4 t1 = fetch4(B, VEC_B, base_b + c1 * p.ldb + k, p.texels_b);
            vec4 t2 = fetch4(B, VEC_B, base_b + c2 * p.ldb + k, p.texels_b);
            vec4 t3 = fetch4(B, VEC_B, base_b + c3 * p.ldb + k, p.texels_b);
            b0 = vec4(t0.x, t1.x, t2.x, t3.x);
            b1 = vec4(t0.y, t1.y, t2.y, t3.y);
            b2 = vec4(t0.z, t1.z, t2.z, t3.z);
            b3 = vec4(t0.w, t1.w, t2.w, t3.w);
        }
        if (!TRANS_A) {
            vec4 a0 = fetch4(A, VEC_A, base_a + r0 * p.lda + k, p.texels_a);
            vec4 a1 = fetch4(A, VEC_A, base_a + r1 * p.lda + k, p.texels_a);
            vec4 a2 = fetch4(A, VEC_A, base_a + r2 * p.lda + k, p.texels_a);
            vec4 a3 = fetch4(A, VEC_A, base_a + r3 * p.lda + k, p.texels_a);
            vec4 a4 = fetch4(A, VEC_A, base_a + r4 * p.lda + k, p.texels_a);
            vec4 a5 = fetch4(A, VEC_A, base_a + r5 * p.lda + k, p.texels_a);
            vec4 a6 = fetch4(A, VEC_A, base_a + r6 * p.lda + k, p.texels_a);
            vec4 a7 = fetch4(A, VEC_A, base_a + r7 * p.lda + k, p.texels_a);
            step1(vec4(a0.x, a1.x, a2.x, a3.x), vec4(a4.x, a5.x, a6.x, a7.x), b0);
            step1(vec4(a0.y, a1.y, a2.y, a3.y), vec4(a4.y, a5.y, a6.y, a7.y), b1);
            step1(vec4(a0.z, a1.z, a2.z, a3.z), vec4(a4.z, a5.z, a6.z, a7.z), b2);
            step1(vec4(a0.w, a1.w, a2.w, a3.w), vec4(a4.w, a5.w, a6.w, a7.w), b3);
        } else {
            int e = base_a + k * p.lda + m0;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b0);
            e += p.lda;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b1);
            e += p.lda;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b2);
            e += p.lda;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b3);
        }
    }
    // The last K % 4 steps, one at a time.
    for (int k = K4; k < p.K; k++) {
        vec4 b;
        if (!TRANS_B)
            b = fetch4(B, VEC_B, base_b + k * p.ldb + n0, p.texels_b);
        else
            b = vec4(fetch1(B, VEC_B, base_b + c0 * p.ldb + k, p.texels_b),
                     fetch1(B, VEC_B, base_b + c1 * p.ldb + k, p.texels_b),
                     fetch1(B, VEC_B, base_b + c2 * p.ldb + k, p.texels_b),
                     fetch1(B, VEC_B, base_b + c3 * p.ldb + k, p.texels_b));
        vec4 lo, hi;
        if (!TRANS_A) {
            lo = vec4(fetch1(A, VEC_A, base_a + r0 * p.lda + k, p.texels_a),
                      fetch1(A, VEC_A, base_a + r1 * p.lda + k, p.texels_a),
                      fetch1(A, VEC_A, base_a + r2 * p.lda + k, p.texels_a),
                      fetch1(A, VEC_A, base_a + r3 * p.lda + k, p.texels_a));
            hi = vec4(fetch1(A, VEC_A, base_a + r4 * p.lda + k, p.texels_a),
                      fetch1(A, VEC_A, base_a + r5 * p.lda + k, p.texels_a),
                      fetch1(A, VEC_A, base_a + r6 * p.lda + k, p.texels_a),
                      fetch1(A, VEC_A, base_a + r7 * p.lda + k, p.texels_a));
        } else {
            int e = base_a + k * p.lda + m0;
            lo = fetch4(A, VEC_A, e, p.texels_a);
            hi = fetch4(A, VEC_A, e + 4, p.texels_a);
        }
        step1(lo, hi, b);
    }
    int base_c = p.off_c + z * p.batch_c;
    store(m0, acc0, n0, base_c);
    store(m0 + 1, acc1, n0, base_c);
    store(m0 + 2, acc2, n0, base_c);
    store(m0 + 3, acc3, n0, base_c);
    store(m0 + 4, acc4, n0, base_c);
    store(m0 + 5, acc5, n0, base_c);
    store(m0 + 6, acc6, n0, base_c);
    store(m0 + 7, acc7, n0, base_c);
}
