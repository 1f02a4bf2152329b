/* sRGB <-> CIE L*a*b* (D65). The exact double version defines the result;
 * the RGB8 path is a fast equivalent used on every decoded frame. */
#include "hue_lab.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* sRGB primaries to XYZ (IEC 61966-2-1), and the D65 white they map 1,1,1 to. */
static const double rgb_to_xyz[3][3] = {
    {0.4124564, 0.3575761, 0.1804375},
    {0.2126729, 0.7151522, 0.0721750},
    {0.0193339, 0.1191920, 0.9503041},
};
/* Its exact inverse, computed once, so that LAB -> RGB undoes RGB -> LAB
 * to double precision (the 7-digit published inverse is off by 1e-6). */
static double xyz_to_rgb[3][3];
static const double white[3] = {0.95047, 1.0, 1.08883};

/* CIE constants: delta = 6/29 splits the cube root from its linear toe. */
#define LAB_DELTA (6.0 / 29.0)

static double srgb_to_linear(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double linear_to_srgb(double c)
{
    return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
}

static double lab_f(double t)
{
    return t > LAB_DELTA * LAB_DELTA * LAB_DELTA ? cbrt(t) : t / (3 * LAB_DELTA * LAB_DELTA) + 4.0 / 29.0;
}

static double lab_finv(double t)
{
    return t > LAB_DELTA ? t * t * t : 3 * LAB_DELTA * LAB_DELTA * (t - 4.0 / 29.0);
}

void hue_lab_from_srgb(double r, double g, double b, double lab[3])
{
    double lin[3] = {srgb_to_linear(r), srgb_to_linear(g), srgb_to_linear(b)};
    double f[3];
    for (int i = 0; i < 3; i++)
        f[i] = lab_f((rgb_to_xyz[i][0] * lin[0] + rgb_to_xyz[i][1] * lin[1] + rgb_to_xyz[i][2] * lin[2]) / white[i]);
    lab[0] = 116 * f[1] - 16;
    lab[1] = 500 * (f[0] - f[1]);
    lab[2] = 200 * (f[1] - f[2]);
}

static void build_tables(void);
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

void hue_lab_to_srgb(double L, double a, double b, double rgb[3])
{
    pthread_once(&tables_once, build_tables);
    double fy = (L + 16) / 116;
    double xyz[3] = {white[0] * lab_finv(fy + a / 500), white[1] * lab_finv(fy), white[2] * lab_finv(fy - b / 200)};
    for (int i = 0; i < 3; i++)
        rgb[i] = linear_to_srgb(xyz_to_rgb[i][0] * xyz[0] + xyz_to_rgb[i][1] * xyz[1] + xyz_to_rgb[i][2] * xyz[2]);
}

/* contrib[i][c][v]: channel c at byte v contributes this much to X/Xn, Y/Yn
 * or Z/Zn (i = 0,1,2). Summing three table entries replaces the transfer
 * curve and the matrix product. */
/* Linear value of each sRGB byte, and the matrix to X/Xn, Y/Yn, Z/Zn. */
static float lin8[256];
static float to_t[3][3];
/* f(t) tabulated on a log-spaced grid: 256 knots per octave over 22
 * octaves below 1, each knot with its value and the slope to the next, so
 * a lookup is one linear step from the knot below t. The knot and its
 * index come straight from the bits of the float: no cube root, no
 * division, no branch. Interpolation on this grid is within 5e-7 of f,
 * which keeps L, a and b within 1e-3 of the exact values.
 * Every t is offset by F_BIAS (added after the matrix, taken off again in
 * the table) so that t >= 2^-22 and no clamp is needed. */
#define F_OCTAVES 22
#define F_SUB_BITS 8
#define F_SIZE (F_OCTAVES << F_SUB_BITS)
#define F_BIAS (1.0 / (1 << F_OCTAVES))
static float f_knots[F_SIZE + 2][2]; /* f at the knot, slope to the next knot */

static void invert3(const double m[3][3], double out[3][3])
{
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            /* cofactor of m[j][i], by cyclic indices */
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            out[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
        }
}

static void build_tables(void)
{
    invert3(rgb_to_xyz, xyz_to_rgb);
    for (int v = 0; v < 256; v++)
        lin8[v] = (float)srgb_to_linear(v / 255.0);
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 3; c++)
            to_t[i][c] = (float)(rgb_to_xyz[i][c] / white[i]);
    for (int k = 0; k < F_SIZE + 2; k++) {
        double t0 = ldexp(1.0 + (k & ((1 << F_SUB_BITS) - 1)) / (double)(1 << F_SUB_BITS), (k >> F_SUB_BITS) - F_OCTAVES);
        double t1 = ldexp(1.0 + ((k + 1) & ((1 << F_SUB_BITS) - 1)) / (double)(1 << F_SUB_BITS),
                          ((k + 1) >> F_SUB_BITS) - F_OCTAVES);
        f_knots[k][0] = (float)lab_f(t0 - F_BIAS);
        f_knots[k][1] = (float)((lab_f(t1 - F_BIAS) - lab_f(t0 - F_BIAS)) / (t1 - t0));
    }
}

static inline float lab_f_lookup(float t)
{
    const int frac_bits = 23 - F_SUB_BITS;
    uint32_t u, knot_bits;
    memcpy(&u, &t, sizeof u);
    uint32_t i = (u >> frac_bits) - ((127 - F_OCTAVES) << F_SUB_BITS);
    knot_bits = u & ~((1u << frac_bits) - 1);
    float knot;
    memcpy(&knot, &knot_bits, sizeof knot);
    return f_knots[i][0] + (t - knot) * f_knots[i][1];
}

/* The SIMD and scalar paths below do the same float operations in the same
 * order, so a pixel converts to the same bits whichever path takes it. */
static inline float to_t_row(int i, float lr, float lg, float lb)
{
    return to_t[i][0] * lr + to_t[i][1] * lg + to_t[i][2] * lb + (float)F_BIAS;
}

static inline void lab_pixel(const uint8_t *p, float *L, float *a, float *b)
{
    float lr = lin8[p[0]], lg = lin8[p[1]], lb = lin8[p[2]];
    float fx = lab_f_lookup(to_t_row(0, lr, lg, lb));
    float fy = lab_f_lookup(to_t_row(1, lr, lg, lb));
    float fz = lab_f_lookup(to_t_row(2, lr, lg, lb));
    *L = 116.0f * fy - 16.0f;
    *a = 500.0f * (fx - fy);
    *b = 200.0f * (fy - fz);
}

#ifdef __SSE2__
#include <emmintrin.h>

static inline __m128 lookup4(__m128 t)
{
    const int frac_bits = 23 - F_SUB_BITS;
    __m128i u = _mm_castps_si128(t);
    __m128i idx = _mm_sub_epi32(_mm_srli_epi32(u, frac_bits), _mm_set1_epi32((127 - F_OCTAVES) << F_SUB_BITS));
    __m128 knot = _mm_castsi128_ps(_mm_and_si128(u, _mm_set1_epi32((int)~((1u << frac_bits) - 1))));
    int32_t i[4];
    _mm_storeu_si128((__m128i *)i, idx);
    /* (value, slope) pairs of four knots, then split into two vectors. */
    __m128 p01 = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)f_knots[i[0]]), (const __m64 *)f_knots[i[1]]);
    __m128 p23 = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)f_knots[i[2]]), (const __m64 *)f_knots[i[3]]);
    __m128 value = _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0));
    __m128 slope = _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1));
    return _mm_add_ps(value, _mm_mul_ps(_mm_sub_ps(t, knot), slope));
}

static inline __m128 to_t4(int i, __m128 lr, __m128 lg, __m128 lb)
{
    __m128 t = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(to_t[i][0]), lr), _mm_mul_ps(_mm_set1_ps(to_t[i][1]), lg));
    t = _mm_add_ps(t, _mm_mul_ps(_mm_set1_ps(to_t[i][2]), lb));
    return _mm_add_ps(t, _mm_set1_ps((float)F_BIAS));
}

/* Four pixels at a time; returns how many were done. */
static size_t lab_sse2(const uint8_t *p, size_t count, float *L, float *a, float *b)
{
    size_t k = 0;
    for (; k + 4 <= count; k += 4, p += 12) {
        __m128 lr = _mm_setr_ps(lin8[p[0]], lin8[p[3]], lin8[p[6]], lin8[p[9]]);
        __m128 lg = _mm_setr_ps(lin8[p[1]], lin8[p[4]], lin8[p[7]], lin8[p[10]]);
        __m128 lb = _mm_setr_ps(lin8[p[2]], lin8[p[5]], lin8[p[8]], lin8[p[11]]);
        __m128 fx = lookup4(to_t4(0, lr, lg, lb)), fy = lookup4(to_t4(1, lr, lg, lb)), fz = lookup4(to_t4(2, lr, lg, lb));
        _mm_storeu_ps(L + k, _mm_sub_ps(_mm_mul_ps(_mm_set1_ps(116.0f), fy), _mm_set1_ps(16.0f)));
        _mm_storeu_ps(a + k, _mm_mul_ps(_mm_set1_ps(500.0f), _mm_sub_ps(fx, fy)));
        _mm_storeu_ps(b + k, _mm_mul_ps(_mm_set1_ps(200.0f), _mm_sub_ps(fy, fz)));
    }
    return k;
}
#endif

void hue_lab_from_rgb8(const uint8_t *rgb, size_t count, float *L, float *a, float *b)
{
    pthread_once(&tables_once, build_tables);
    size_t k = 0;
#ifdef __SSE2__
    k = lab_sse2(rgb, count, L, a, b);
#endif
    for (; k < count; k++)
        lab_pixel(rgb + 3 * k, L + k, a + k, b + k);
}

static uint8_t linear_to_byte(double lin)
{
    double c = 255 * linear_to_srgb(lin);
    return c <= 0 ? 0 : c >= 255 ? 255 : (uint8_t)lrint(c);
}

void hue_lab_to_rgb8(const float *L, const float *a, const float *b, size_t count, uint8_t *rgb)
{
    pthread_once(&tables_once, build_tables);
    for (size_t k = 0; k < count; k++) {
        double fy = (L[k] + 16) / 116.0;
        double xyz[3] = {white[0] * lab_finv(fy + a[k] / 500.0), white[1] * lab_finv(fy),
                         white[2] * lab_finv(fy - b[k] / 200.0)};
        for (int i = 0; i < 3; i++)
            rgb[3 * k + i] = linear_to_byte(xyz_to_rgb[i][0] * xyz[0] + xyz_to_rgb[i][1] * xyz[1] + xyz_to_rgb[i][2] * xyz[2]);
    }
}
