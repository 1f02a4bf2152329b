/* Heat maps for looking at attention: values on a grid of cells drawn over
 * a frame, a point marked, frames tiled into one picture. */
#ifndef HUE_HEATMAP_H
#define HUE_HEATMAP_H
#include <stdint.h>

/* The "hot" ramp: v in [0, 1] from black through red and yellow to white. */
void hue_heat_colour(double v, uint8_t rgb[3]);
/* Draws cells [gh x gw] of values in [0, 1] over the packed RGB8 frame
 * (width x height) in place: the frame turns to dim gray, and each cell
 * with a value above 0 (the pixels (x, y) with x * gw / width, y * gh /
 * height on it) takes its heat colour, more opaque the hotter. */
void hue_heatmap_draw(uint8_t *rgb, int width, int height, const float *cells, int gh, int gw);
/* Draws a circle of the radius around pixel (x, y), 3 pixels wide. */
void hue_mark_circle(uint8_t *rgb, int width, int height, int x, int y, int radius, const uint8_t colour[3]);
/* Marks pixel (x, y) of the frame with a crosshair in a ring, in colour. */
void hue_mark_point(uint8_t *rgb, int width, int height, int x, int y, const uint8_t colour[3]);
/* The size of n frames of width x height tiled in a grid of cols columns
 * with gap pixels between them. */
void hue_tile_size(int n, int width, int height, int cols, int gap, int *out_width, int *out_height);
/* Tiles the frames row by row into out (hue_tile_size's size); the gaps,
 * and the rest of an unfilled last row, are dark gray. */
void hue_tile_frames(const uint8_t *const *frames, int n, int width, int height, int cols, int gap, uint8_t *out);

#endif
