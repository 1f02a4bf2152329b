/* Float functions for the CPU kernels' vector loops. libm's expf is a call
 * the compiler cannot vectorise (glibc offers vector variants only under
 * -ffast-math); this one is plain arithmetic that `#pragma omp simd` turns
 * into vector code, within ~2 ulp of expf. */
#ifndef HUE_KERNELS_MATH_H
#define HUE_KERNELS_MATH_H
#include <stdint.h>
#include <string.h>

/* x where `take` is 0, else y, through the bits: written as a conditional,
 * GCC threads the branch on a constant and the loop no longer vectorises. */
static inline float hue_cpu_select(int take, float y, float x)
{
    uint32_t xb, yb, m = (uint32_t)0 - (uint32_t)(take != 0);
    memcpy(&xb, &x, sizeof xb);
    memcpy(&yb, &y, sizeof yb);
    xb = (xb & ~m) | (yb & m);
    memcpy(&x, &xb, sizeof x);
    return x;
}

/* e^x = 2^k e^r with k = round(x / ln 2), |r| <= ln 2 / 2, e^r by its
 * Taylor polynomial to degree 6 (relative error < 1.3e-7 there). x is
 * clamped to [-87.3, 89] first: below, the result is 0 (flushed, as it
 * would be a denormal); above, 2^k is two factors whose product overflows
 * to infinity as e^x does. NaN stays NaN. */
static inline float hue_cpu_expf(float x)
{
    int tiny = x < -87.3f;
    x = hue_cpu_select(tiny, -87.3f, x);
    x = hue_cpu_select(x > 89.0f, 89.0f, x);
    /* round to nearest by the 1.5 * 2^23 trick (SSE2 has no round) */
    float k = x * 1.44269504f + 12582912.0f;
    k -= 12582912.0f;
    float r = x - k * 0.693145752f;  /* ln 2 in two parts: an exact product, then the rest */
    r -= k * 1.42860677e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t ki = (int32_t)k;           /* NaN converts to INT_MIN: keep the exponents in range */
    ki = ki < -126 ? -126 : ki;
    int32_t half = ki / 2;
    uint32_t b1 = (uint32_t)(half + 127) << 23, b2 = (uint32_t)(ki - half + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return hue_cpu_select(tiny, 0.0f, p * s1 * s2);
}

#endif
