#version 450
// Batched C = op(A) * op(B) (+ bias, ReLU, += C), the CPU-friendly way
// (PERF-NOTES): operands come through uniform texel buffers, each invocation
// owns an 8-row x 8-column block held in registers, fully unrolled, with no
// shared memory. Rows are uniform across a workgroup, so A's fetches are
// the same for every lane; B's differ per lane. On lavapipe the fetches,
// not the multiplies, bound the kernel: 8 columns per lane share each A
// fetch twice as widely as 4 did (1.4-2x the GFLOP/s in hue bench gemm).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool TRANS_A = false;  // A stored [K, M]
layout(constant_id = 2) const bool TRANS_B = false;  // B stored [N, K]
layout(constant_id = 3) const bool VEC_A = false;    // A's view is RGBA32F
layout(constant_id = 4) const bool VEC_B = false;
layout(constant_id = 5) const int BIAS = 0;          // 1 per row (M), 2 per column (N)
layout(constant_id = 6) const bool RELU = false;
layout(constant_id = 7) const bool ACCUMULATE = false;
layout(constant_id = 8) const bool VEC_C = false;    // C's rows start 16-byte aligned and N % 4 == 0
layout(constant_id = 9) const bool ROWS_FIRST = false; // the grid's x walks row blocks (see matmul.c)

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

// Columns n0..n0+3 (lo) and n0+4..n0+7 (hi) of the block's 8 rows.
vec4 lo0, lo1, lo2, lo3, lo4, lo5, lo6, lo7;
vec4 hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7;

// One k step: with a the 8 rows' values and b the 8 columns' values at this
// k, row i += a[i] * b.
void step1(vec4 a03, vec4 a47, vec4 b03, vec4 b47)
{
    lo0 = fma(vec4(a03.x), b03, lo0);
    hi0 = fma(vec4(a03.x), b47, hi0);
    lo1 = fma(vec4(a03.y), b03, lo1);
    hi1 = fma(vec4(a03.y), b47, hi1);
    lo2 = fma(vec4(a03.z), b03, lo2);
    hi2 = fma(vec4(a03.z), b47, hi2);
    lo3 = fma(vec4(a03.w), b03, lo3);
    hi3 = fma(vec4(a03.w), b47, hi3);
    lo4 = fma(vec4(a47.x), b03, lo4);
    hi4 = fma(vec4(a47.x), b47, hi4);
    lo5 = fma(vec4(a47.y), b03, lo5);
    hi5 = fma(vec4(a47.y), b47, hi5);
    lo6 = fma(vec4(a47.z), b03, lo6);
    hi6 = fma(vec4(a47.z), b47, hi6);
    lo7 = fma(vec4(a47.w), b03, lo7);
    hi7 = fma(vec4(a47.w), b47, hi7);
}

void store(int m, vec4 v, int n0, int base_c)
{
    if (m >= p.M || n0 >= p.N)
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

void store_row(int m, vec4 l, vec4 h, int n0, int base_c)
{
    store(m, l, n0, base_c);
    store(m, h, n0 + 4, base_c);
}

void main()
{
    // Row blocks first, where matmul.c asks for it, lets consecutive
    // workgroups share one strip of B instead of one block of A.
    uint lane = ROWS_FIRST ? gl_WorkGroupID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x
                           : gl_GlobalInvocationID.x;
    int n0 = int(lane) * 8;
    int m0 = int(ROWS_FIRST ? gl_WorkGroupID.x : gl_WorkGroupID.y) * 8;
    int z = int(gl_WorkGroupID.z);
    if (n0 >= p.N)
        return;
    int base_a = p.off_a + z * p.batch_a, base_b = p.off_b + z * p.batch_b;
    lo0 = lo1 = lo2 = lo3 = lo4 = lo5 = lo6 = lo7 = vec4(0.0);
    hi0 = hi1 = hi2 = hi3 = hi4 = hi5 = hi6 = hi7 = vec4(0.0);
    // Rows past M are clamped to M-1 (their results are never stored);
    // columns past N likewise.
    int r0 = min(m0, p.M - 1), r1 = min(m0 + 1, p.M - 1), r2 = min(m0 + 2, p.M - 1), r3 = min(m0 + 3, p.M - 1);
    int r4 = min(m0 + 4, p.M - 1), r5 = min(m0 + 5, p.M - 1), r6 = min(m0 + 6, p.M - 1), r7 = min(m0 + 7, p.M - 1);
    int col0 = min(n0, p.N - 1), col1 = min(n0 + 1, p.N - 1), col2 = min(n0 + 2, p.N - 1);
    int col3 = min(n0 + 3, p.N - 1), col4 = min(n0 + 4, p.N - 1), col5 = min(n0 + 5, p.N - 1);
    int col6 = min(n0 + 6, p.N - 1), col7 = min(n0 + 7, p.N - 1);

    int K4 = p.K & ~3;
    for (int k = 0; k < K4; k += 4) {
        // b03[j] / b47[j]: the block's 8 columns at k + j
        vec4 b03_0, b03_1, b03_2, b03_3, b47_0, b47_1, b47_2, b47_3;
        if (!TRANS_B) {
            int e = base_b + k * p.ldb + n0;
            b03_0 = fetch4(B, VEC_B, e, p.texels_b);
            b47_0 = fetch4(B, VEC_B, e + 4, p.texels_b);
            e += p.ldb;
            b03_1 = fetch4(B, VEC_B, e, p.texels_b);
            b47_1 = fetch4(B, VEC_B, e + 4, p.texels_b);
            e += p.ldb;
            b03_2 = fetch4(B, VEC_B, e, p.texels_b);
            b47_2 = fetch4(B, VEC_B, e + 4, p.texels_b);
            e += p.ldb;
            b03_3 = fetch4(B, VEC_B, e, p.texels_b);
            b47_3 = fetch4(B, VEC_B, e + 4, p.texels_b);
        } else {
            vec4 t0 = fetch4(B, VEC_B, base_b + col0 * p.ldb + k, p.texels_b);
            vec4 t1 = fetch4(B, VEC_B, base_b + col1 * p.ldb + k, p.texels_b);
            vec4 t2 = fetch4(B, VEC_B, base_b + col2 * p.ldb + k, p.texels_b);
            vec4 t3 = fetch4(B, VEC_B, base_b + col3 * p.ldb + k, p.texels_b);
            vec4 t4 = fetch4(B, VEC_B, base_b + col4 * p.ldb + k, p.texels_b);
            vec4 t5 = fetch4(B, VEC_B, base_b + col5 * p.ldb + k, p.texels_b);
            vec4 t6 = fetch4(B, VEC_B, base_b + col6 * p.ldb + k, p.texels_b);
            vec4 t7 = fetch4(B, VEC_B, base_b + col7 * p.ldb + k, p.texels_b);
            b03_0 = vec4(t0.x, t1.x, t2.x, t3.x);
            b47_0 = vec4(t4.x, t5.x, t6.x, t7.x);
            b03_1 = vec4(t0.y, t1.y, t2.y, t3.y);
            b47_1 = vec4(t4.y, t5.y, t6.y, t7.y);
            b03_2 = vec4(t0.z, t1.z, t2.z, t3.z);
            b47_2 = vec4(t4.z, t5.z, t6.z, t7.z);
            b03_3 = vec4(t0.w, t1.w, t2.w, t3.w);
            b47_3 = vec4(t4.w, t5.w, t6.w, t7.w);
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
            step1(vec4(a0.x, a1.x, a2.x, a3.x), vec4(a4.x, a5.x, a6.x, a7.x), b03_0, b47_0);
            step1(vec4(a0.y, a1.y, a2.y, a3.y), vec4(a4.y, a5.y, a6.y, a7.y), b03_1, b47_1);
            step1(vec4(a0.z, a1.z, a2.z, a3.z), vec4(a4.z, a5.z, a6.z, a7.z), b03_2, b47_2);
            step1(vec4(a0.w, a1.w, a2.w, a3.w), vec4(a4.w, a5.w, a6.w, a7.w), b03_3, b47_3);
        } else {
            int e = base_a + k * p.lda + m0;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b03_0, b47_0);
            e += p.lda;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b03_1, b47_1);
            e += p.lda;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b03_2, b47_2);
            e += p.lda;
            step1(fetch4(A, VEC_A, e, p.texels_a), fetch4(A, VEC_A, e + 4, p.texels_a), b03_3, b47_3);
        }
    }
    // The last K % 4 steps, one at a time.
    for (int k = K4; k < p.K; k++) {
        vec4 b03, b47;
        if (!TRANS_B) {
            int e = base_b + k * p.ldb + n0;
            b03 = fetch4(B, VEC_B, e, p.texels_b);
            b47 = fetch4(B, VEC_B, e + 4, p.texels_b);
        } else {
            b03 = vec4(fetch1(B, VEC_B, base_b + col0 * p.ldb + k, p.texels_b),
                       fetch1(B, VEC_B, base_b + col1 * p.ldb + k, p.texels_b),
                       fetch1(B, VEC_B, base_b + col2 * p.ldb + k, p.texels_b),
                       fetch1(B, VEC_B, base_b + col3 * p.ldb + k, p.texels_b));
            b47 = vec4(fetch1(B, VEC_B, base_b + col4 * p.ldb + k, p.texels_b),
                       fetch1(B, VEC_B, base_b + col5 * p.ldb + k, p.texels_b),
                       fetch1(B, VEC_B, base_b + col6 * p.ldb + k, p.texels_b),
                       fetch1(B, VEC_B, base_b + col7 * p.ldb + k, p.texels_b));
        }
        vec4 a03, a47;
        if (!TRANS_A) {
            a03 = vec4(fetch1(A, VEC_A, base_a + r0 * p.lda + k, p.texels_a),
                       fetch1(A, VEC_A, base_a + r1 * p.lda + k, p.texels_a),
                       fetch1(A, VEC_A, base_a + r2 * p.lda + k, p.texels_a),
                       fetch1(A, VEC_A, base_a + r3 * p.lda + k, p.texels_a));
            a47 = vec4(fetch1(A, VEC_A, base_a + r4 * p.lda + k, p.texels_a),
                       fetch1(A, VEC_A, base_a + r5 * p.lda + k, p.texels_a),
                       fetch1(A, VEC_A, base_a + r6 * p.lda + k, p.texels_a),
                       fetch1(A, VEC_A, base_a + r7 * p.lda + k, p.texels_a));
        } else {
            int e = base_a + k * p.lda + m0;
            a03 = fetch4(A, VEC_A, e, p.texels_a);
            a47 = fetch4(A, VEC_A, e + 4, p.texels_a);
        }
        step1(a03, a47, b03, b47);
    }
    int base_c = p.off_c + z * p.batch_c;
    store_row(m0, lo0, hi0, n0, base_c);
    store_row(m0 + 1, lo1, hi1, n0, base_c);
    store_row(m0 + 2, lo2, hi2, n0, base_c);
    store_row(m0 + 3, lo3, hi3, n0, base_c);
    store_row(m0 + 4, lo4, hi4, n0, base_c);
    store_row(m0 + 5, lo5, hi5, n0, base_c);
    store_row(m0 + 6, lo6, hi6, n0, base_c);
    store_row(m0 + 7, lo7, hi7, n0, base_c);
}
