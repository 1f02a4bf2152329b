// Body of the fused optimizer update (optim_update.comp: one float per
// invocation; optim_update4.comp: one vec4, for tensors whose offsets are
// multiples of 4). T is float or vec4; offsets and n count T units, and
// N_FLOATS is the real element count (the last vec4 may run past it into
// the slot's padding, which is read but never changed).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int KIND = 0;   // 0 SGD, 1 AdamW, 2 LARS
layout(constant_id = 2) const int FLAGS = 0;  // bits below

const int MOMENTUM = 1, NESTEROV = 2, DECAY = 4, CLIP = 8, ADAPT = 16, GUARD = 32;
const int H_LR = 0, H_MOMENTUM = 1, H_MOM_A = 2, H_MOM_B = 3, H_WD = 4, H_BETA1 = 5, H_BETA2 = 6, H_EPS = 7,
          H_STEP_SIZE = 8, H_INV_SQRT_BC2 = 9, H_DECAY = 10, H_ETA = 11, H_MAX_NORM = 12, H_SET = 13;

layout(std430, binding = 0) buffer W { T w[]; };
layout(std430, binding = 1) readonly buffer G { T g[]; };
layout(std430, binding = 2) readonly buffer H { float h[]; };
layout(std430, binding = 3) buffer M { T m[]; };
layout(std430, binding = 4) buffer V { T v[]; };
layout(std430, binding = 5) readonly buffer N { float norms[]; };  // [0] sum of all g^2, [1 + r] row sums
layout(std430, binding = 6) readonly buffer L { float loss[]; };

layout(push_constant) uniform Push {
    int off_w, off_g, off_m, off_v, off_loss;
    uint n;        // T units
    int row;       // this parameter's sum of g^2 is norms[1 + row], of w^2 norms[2 + row]
    uint n_floats;
} p;

// By the bits: compilers may assume no NaN in isnan/isinf.
bool finite(float x) { return (floatBitsToUint(x) & 0x7f800000u) != 0x7f800000u; }

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    // Nothing before the host has set the step's values (the bytes are not
    // initialised); a non-finite loss or gradient norm leaves the step
    // without effect.
    if (h[H_SET] != 1.0)
        return;
    if ((FLAGS & GUARD) != 0 && !finite(loss[p.off_loss]))
        return;
    float scale = 1.0;
    if ((FLAGS & CLIP) != 0) {
        float total = norms[0];
        if ((FLAGS & GUARD) != 0 && !finite(total))
            return;
        scale = min(1.0, h[H_MAX_NORM] / (sqrt(total) + 1e-6));
    }
    int iw = p.off_w + int(i), ig = p.off_g + int(i), im = p.off_m + int(i), iv = p.off_v + int(i);
    T x0 = w[iw];
    T x = x0;
    T d = g[ig] * scale;
    float lr = h[H_LR];
    T m1 = T(0), v1 = T(0);
    if (KIND == 0) {
        if ((FLAGS & DECAY) != 0)
            d += h[H_WD] * x;
        if ((FLAGS & MOMENTUM) != 0) {
            m1 = h[H_MOM_A] * m[im] + h[H_MOM_B] * d;  // first step: m1 = d
            d = (FLAGS & NESTEROV) != 0 ? d + h[H_MOMENTUM] * m1 : m1;
        }
        x -= lr * d;
    } else if (KIND == 1) {
        if ((FLAGS & DECAY) != 0)
            x *= h[H_DECAY];
        float b1 = h[H_BETA1], b2 = h[H_BETA2];
        m1 = b1 * m[im] + (1.0 - b1) * d;
        v1 = b2 * v[iv] + (1.0 - b2) * d * d;
        x -= h[H_STEP_SIZE] * m1 / (sqrt(v1) * h[H_INV_SQRT_BC2] + h[H_EPS]);
    } else {
        float wd = h[H_WD], trust = 1.0;
        if ((FLAGS & ADAPT) != 0) {
            float wn = sqrt(norms[2 + p.row]), gn = sqrt(norms[1 + p.row]) * scale;
            if (wn > 0.0 && gn > 0.0)
                trust = h[H_ETA] * wn / (gn + wd * wn);
        }
        if ((FLAGS & DECAY) != 0)
            d += wd * x;
        T s = lr * trust * d;
        m1 = h[H_MOMENTUM] * m[im] + s;
        x -= (FLAGS & NESTEROV) != 0 ? h[H_MOMENTUM] * m1 + s : m1;
    }
    bool has_m = KIND != 0 || (FLAGS & MOMENTUM) != 0;
#if VEC == 4
    // Past the end, keep what was there (the components are selected, not computed).
    if (4 * i + 4 > p.n_floats) {
        uint k = p.n_floats - 4 * i;
        bvec4 keep = greaterThanEqual(uvec4(0, 1, 2, 3), uvec4(k));
        x = mix(x, x0, keep);
        if (has_m)
            m1 = mix(m1, m[im], keep);
        if (KIND == 1)
            v1 = mix(v1, v[iv], keep);
    }
#endif
    w[iw] = x;
    if (has_m)
        m[im] = m1;
    if (KIND == 1)
        v[iv] = v1;
}
