/* CIE L*a*b* from and to sRGB (IEC 61966-2-1 primaries and transfer curve,
 * D65 white). L is in [0,100], a and b in about [-110,110]. This is hue's
 * reference conversion: the device op is checked against it. Planes are
 * separate float arrays of `count` values; RGB8 is packed r,g,b bytes. */
#ifndef HUE_LAB_H
#define HUE_LAB_H
#include <stddef.h>
#include <stdint.h>

/* Exact conversion of one colour in double precision; r,g,b in [0,1]. */
void hue_lab_from_srgb(double r, double g, double b, double lab[3]);
/* Inverse of hue_lab_from_srgb; rgb is in [0,1] but not clamped. */
void hue_lab_to_srgb(double L, double a, double b, double rgb[3]);

/* Fast planar conversion of packed RGB8, within 0.001 of the exact one
 * (tables for the transfer curve and the cube root, four pixels at a time
 * with SSE2 where available, bit-identical to the one-pixel path).
 * Thread-safe. */
void hue_lab_from_rgb8(const uint8_t *rgb, size_t count, float *L, float *a, float *b);
/* Planar LAB back to packed RGB8, rounded to nearest and clamped. */
void hue_lab_to_rgb8(const float *L, const float *a, const float *b, size_t count, uint8_t *rgb);

#endif
