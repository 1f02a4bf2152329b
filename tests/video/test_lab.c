/* LAB reference conversion: against values from the CIE formulas written
 * out here independently (CIE 1976 with the kappa/epsilon constants), and
 * against published values for the primaries; fast path vs exact path;
 * round trips. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hue_lab.h"
#include "test_util.h"

/* Independent CIE L*a*b* of an sRGB byte triple. */
static void cie_lab(int R, int G, int B, double out[3])
{
    double c[3] = {R / 255.0, G / 255.0, B / 255.0};
    for (int i = 0; i < 3; i++)
        c[i] = c[i] > 0.04045 ? pow((c[i] + 0.055) / 1.055, 2.4) : c[i] / 12.92;
    /* XYZ of sRGB with the D65 white (0.95047, 1, 1.08883). */
    double X = (0.4124564 * c[0] + 0.3575761 * c[1] + 0.1804375 * c[2]) / 0.95047;
    double Y = 0.2126729 * c[0] + 0.7151522 * c[1] + 0.0721750 * c[2];
    double Z = (0.0193339 * c[0] + 0.1191920 * c[1] + 0.9503041 * c[2]) / 1.08883;
    const double eps = 216.0 / 24389.0, kappa = 24389.0 / 27.0;
    double t[3] = {X, Y, Z}, f[3];
    for (int i = 0; i < 3; i++)
        f[i] = t[i] > eps ? cbrt(t[i]) : (kappa * t[i] + 16) / 116;
    out[0] = 116 * f[1] - 16;
    out[1] = 500 * (f[0] - f[1]);
    out[2] = 200 * (f[1] - f[2]);
}

static void check_known(int r, int g, int b, double L, double A, double B, double tol)
{
    uint8_t rgb[3] = {(uint8_t)r, (uint8_t)g, (uint8_t)b};
    float l, a, bb;
    hue_lab_from_rgb8(rgb, 1, &l, &a, &bb);
    double exact[3];
    hue_lab_from_srgb(r / 255.0, g / 255.0, b / 255.0, exact);
    CHECKF(fabs(l - L) < tol && fabs(a - A) < tol && fabs(bb - B) < tol, "rgb %d,%d,%d: fast %.4f %.4f %.4f want %.4f %.4f %.4f",
           r, g, b, l, a, bb, L, A, B);
    CHECKF(fabs(exact[0] - L) < tol && fabs(exact[1] - A) < tol && fabs(exact[2] - B) < tol,
           "rgb %d,%d,%d: exact %.4f %.4f %.4f want %.4f %.4f %.4f", r, g, b, exact[0], exact[1], exact[2], L, A, B);
}

int main(void)
{
    /* White, black, the primaries and secondaries: published CIE values
     * for sRGB/D65 (e.g. Lindbloom's calculator). */
    check_known(255, 255, 255, 100, 0, 0, 0.01);
    check_known(0, 0, 0, 0, 0, 0, 0.01);
    check_known(255, 0, 0, 53.2408, 80.0925, 67.2032, 0.01);
    check_known(0, 255, 0, 87.7347, -86.1827, 83.1793, 0.01);
    check_known(0, 0, 255, 32.2970, 79.1875, -107.8602, 0.01);
    /* Mid grey: Y = ((128/255 + 0.055)/1.055)^2.4 = 0.2158605, L = 116 Y^(1/3) - 16. */
    check_known(128, 128, 128, 53.5850, 0, 0, 0.01);

    /* Dense sample of the RGB cube (every 3rd level, plus 255): both paths
     * against the independent formulas. */
    double max_fast = 0, max_exact = 0, max_rt = 0;
    int rt_exact = 0, n = 0;
    int levels[87], nl = 0;
    for (int v = 0; v < 255; v += 3)
        levels[nl++] = v;
    levels[nl++] = 255;
    uint8_t *rgb = malloc((size_t)nl * nl * nl * 3), *back = malloc((size_t)nl * nl * nl * 3);
    float *L = malloc(sizeof(float) * nl * nl * nl), *A = malloc(sizeof(float) * nl * nl * nl),
          *B = malloc(sizeof(float) * nl * nl * nl);
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < nl; j++)
            for (int k = 0; k < nl; k++, n++) {
                rgb[3 * n] = (uint8_t)levels[i];
                rgb[3 * n + 1] = (uint8_t)levels[j];
                rgb[3 * n + 2] = (uint8_t)levels[k];
            }
    hue_lab_from_rgb8(rgb, (size_t)n, L, A, B);
    hue_lab_to_rgb8(L, A, B, (size_t)n, back);
    for (int p = 0; p < n; p++) {
        double ref[3], ex[3], s[3];
        cie_lab(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], ref);
        hue_lab_from_srgb(rgb[3 * p] / 255.0, rgb[3 * p + 1] / 255.0, rgb[3 * p + 2] / 255.0, ex);
        double f[3] = {L[p], A[p], B[p]};
        for (int c = 0; c < 3; c++) {
            max_fast = fmax(max_fast, fabs(f[c] - ref[c]));
            max_exact = fmax(max_exact, fabs(ex[c] - ref[c]));
        }
        hue_lab_to_srgb(ex[0], ex[1], ex[2], s);
        int same = 1;
        for (int c = 0; c < 3; c++) {
            max_rt = fmax(max_rt, fabs(s[c] - rgb[3 * p + c] / 255.0));
            same &= back[3 * p + c] == rgb[3 * p + c];
            CHECKF(abs(back[3 * p + c] - rgb[3 * p + c]) <= 1, "rgb8 round trip of %d,%d,%d gave %d,%d,%d",
                   rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], back[3 * p], back[3 * p + 1], back[3 * p + 2]);
        }
        rt_exact += same;
    }
    printf("%d colours: fast path max error %.2e, exact path %.2e, double round trip %.2e, rgb8 round trip exact for %d\n",
           n, max_fast, max_exact, max_rt, rt_exact);
    CHECKF(max_exact < 1e-3, "exact path differs from the CIE formulas by %g", max_exact);
    CHECKF(max_fast < 2e-3, "fast path differs from the CIE formulas by %g", max_fast);
    CHECKF(max_rt < 1e-9, "double LAB round trip error %g", max_rt);
    CHECKF(rt_exact == n, "%d of %d colours did not round-trip exactly through LAB", n - rt_exact, n);

    /* The vector path (whole runs) and the one-pixel path give the same bits. */
    int same_bits = 1;
    for (int p = 0; p < n; p += 97) {
        float l1, a1, b1;
        hue_lab_from_rgb8(rgb + 3 * p, 1, &l1, &a1, &b1);
        same_bits &= !memcmp(&l1, L + p, 4) && !memcmp(&a1, A + p, 4) && !memcmp(&b1, B + p, 4);
    }
    CHECK(same_bits);

    /* Ranges the design promises: L in [0,100], a and b within about 110. */
    float lo[3] = {1e9f, 1e9f, 1e9f}, hi[3] = {-1e9f, -1e9f, -1e9f};
    for (int p = 0; p < n; p++) {
        float f[3] = {L[p], A[p], B[p]};
        for (int c = 0; c < 3; c++)
            lo[c] = fminf(lo[c], f[c]), hi[c] = fmaxf(hi[c], f[c]);
    }
    CHECK(lo[0] > -0.01f && hi[0] < 100.01f);
    CHECK(lo[1] > -110 && hi[1] < 110 && lo[2] > -110 && hi[2] < 110);
    free(rgb), free(back), free(L), free(A), free(B);
    return test_finish();
}
