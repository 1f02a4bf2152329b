#version 450
// sRGB <-> CIE L*a*b* (D65) on the device, as video/lab.c defines it.
// Forward: packed RGB8 frames [N, H, W, 3] -> normalised planes
// [N, 3, OH, OW] (L/50 - 1, a/110, b/110), bilinear in RGB when resizing.
// Inverse: normalised planes -> RGB planes in [0, 1], clamped.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool INVERSE = false;

layout(std430, binding = 0) readonly buffer Bytes { uint bytes[]; };  // forward input
layout(std430, binding = 1) readonly buffer X { float x[]; };         // inverse input
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
    int H, W, OH, OW;
    float scale_h, scale_w;
    int off_in, off_y;
    uint n;   // output pixels
} p;

const mat3 RGB_TO_XYZ = mat3(0.4124564, 0.2126729, 0.0193339,   // columns
                             0.3575761, 0.7151522, 0.1191920,
                             0.1804375, 0.0721750, 0.9503041);
// The exact inverse of RGB_TO_XYZ (as video/lab.c computes it), columns.
const mat3 XYZ_TO_RGB = mat3(3.240454836, -0.969266390, 0.055643420,
                             -1.537138850, 1.876010929, -0.204025854,
                             -0.498531547, 0.041556082, 1.057225162);
const vec3 WHITE = vec3(0.95047, 1.0, 1.08883);
const float DELTA = 6.0 / 29.0;

float byte_at(int i)
{
    return float((bytes[i >> 2] >> ((i & 3) * 8)) & 0xffu);
}

vec3 rgb_at(int plane_base, int yy, int xx)
{
    int i = plane_base + (yy * p.W + xx) * 3;
    return vec3(byte_at(i), byte_at(i + 1), byte_at(i + 2)) / 255.0;
}

vec3 to_linear(vec3 c)
{
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), greaterThan(c, vec3(0.04045)));
}

vec3 from_linear(vec3 c)
{
    return mix(12.92 * c, 1.055 * pow(max(c, vec3(0.0)), vec3(1.0 / 2.4)) - 0.055, greaterThan(c, vec3(0.0031308)));
}

vec3 lab_f(vec3 t)
{
    return mix(t / (3.0 * DELTA * DELTA) + 4.0 / 29.0, pow(max(t, vec3(0.0)), vec3(1.0 / 3.0)),
               greaterThan(t, vec3(DELTA * DELTA * DELTA)));
}

vec3 lab_finv(vec3 t)
{
    return mix(3.0 * DELTA * DELTA * (t - 4.0 / 29.0), t * t * t, greaterThan(t, vec3(DELTA)));
}

void main()
{
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    int plane = p.OH * p.OW;
    int img = int(i) / plane, pix = int(i) % plane;
    int oy = pix / p.OW, ox = pix % p.OW;
    int out_base = p.off_y + img * 3 * plane + pix;
    if (!INVERSE) {
        vec3 rgb;
        int base = p.off_in + img * p.H * p.W * 3;
        if (p.H == p.OH && p.W == p.OW) {
            rgb = rgb_at(base, oy, ox);
        } else {
            float sy = max((float(oy) + 0.5) * p.scale_h - 0.5, 0.0);
            float sx = max((float(ox) + 0.5) * p.scale_w - 0.5, 0.0);
            int y0 = min(int(sy), p.H - 1), x0 = min(int(sx), p.W - 1);
            int y1 = min(y0 + 1, p.H - 1), x1 = min(x0 + 1, p.W - 1);
            float ly = sy - float(y0), lx = sx - float(x0);
            rgb = mix(mix(rgb_at(base, y0, x0), rgb_at(base, y0, x1), lx),
                      mix(rgb_at(base, y1, x0), rgb_at(base, y1, x1), lx), ly);
        }
        vec3 f = lab_f(RGB_TO_XYZ * to_linear(rgb) / WHITE);
        y[out_base] = (116.0 * f.y - 16.0) / 50.0 - 1.0;
        y[out_base + plane] = 500.0 * (f.x - f.y) / 110.0;
        y[out_base + 2 * plane] = 200.0 * (f.y - f.z) / 110.0;
    } else {
        int in_base = p.off_in + img * 3 * plane + pix;
        float L = (x[in_base] + 1.0) * 50.0, a = x[in_base + plane] * 110.0, b = x[in_base + 2 * plane] * 110.0;
        float fy = (L + 16.0) / 116.0;
        vec3 xyz = WHITE * lab_finv(vec3(fy + a / 500.0, fy, fy - b / 200.0));
        vec3 rgb = clamp(from_linear(XYZ_TO_RGB * xyz), 0.0, 1.0);
        y[out_base] = rgb.r;
        y[out_base + plane] = rgb.g;
        y[out_base + 2 * plane] = rgb.b;
    }
}
