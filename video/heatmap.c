/* Heat maps over frames, a marked point, tiled frames. */
#include "hue_heatmap.h"

#include <string.h>

static uint8_t clamp_byte(double v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5); }

void hue_heat_colour(double v, uint8_t rgb[3])
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    /* red rises over the first third, green over the second, blue over the last */
    rgb[0] = clamp_byte(255 * 3 * v);
    rgb[1] = clamp_byte(255 * (3 * v - 1));
    rgb[2] = clamp_byte(255 * (3 * v - 2));
}

void hue_heatmap_draw(uint8_t *rgb, int width, int height, const float *cells, int gh, int gw)
{
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint8_t *p = rgb + ((size_t)y * width + x) * 3;
            /* dim gray, so that every colour on the frame is the heat's */
            double gray = 0.4 * (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
            float v = cells[(size_t)((int64_t)y * gh / height) * gw + (int64_t)x * gw / width];
            if (!(v > 0)) {
                p[0] = p[1] = p[2] = clamp_byte(gray);
                continue;
            }
            /* the ramp starts at v = 0.25 so that the faintest weight still shows red */
            uint8_t heat[3];
            hue_heat_colour(0.25 + 0.75 * v, heat);
            double a = 0.5 + 0.5 * v;
            for (int c = 0; c < 3; c++)
                p[c] = clamp_byte((1 - a) * gray + a * heat[c]);
        }
}

static void put(uint8_t *rgb, int width, int height, int x, int y, const uint8_t colour[3])
{
    if (x >= 0 && x < width && y >= 0 && y < height)
        memcpy(rgb + ((size_t)y * width + x) * 3, colour, 3);
}

void hue_mark_circle(uint8_t *rgb, int width, int height, int x, int y, int radius, const uint8_t colour[3])
{
    for (int dy = -radius - 1; dy <= radius + 1; dy++)
        for (int dx = -radius - 1; dx <= radius + 1; dx++) {
            int r2 = dx * dx + dy * dy;
            if (r2 >= (radius - 1) * (radius - 1) && r2 <= (radius + 1) * (radius + 1))
                put(rgb, width, height, x + dx, y + dy, colour);
        }
}

void hue_mark_point(uint8_t *rgb, int width, int height, int x, int y, const uint8_t colour[3])
{
    const int arm = 14;
    for (int d = -arm; d <= arm; d++)
        for (int t = -1; t <= 1; t++) {
            if (d > -4 && d < 4)
                continue; /* leave the point itself visible */
            put(rgb, width, height, x + d, y + t, colour);
            put(rgb, width, height, x + t, y + d, colour);
        }
    hue_mark_circle(rgb, width, height, x, y, 9, colour);
}

void hue_tile_size(int n, int width, int height, int cols, int gap, int *out_width, int *out_height)
{
    if (cols > n)
        cols = n;
    int rows = (n + cols - 1) / cols;
    *out_width = cols * width + (cols - 1) * gap;
    *out_height = rows * height + (rows - 1) * gap;
}

void hue_tile_frames(const uint8_t *const *frames, int n, int width, int height, int cols, int gap, uint8_t *out)
{
    int W, H;
    hue_tile_size(n, width, height, cols, gap, &W, &H);
    if (cols > n)
        cols = n;
    memset(out, 40, (size_t)W * H * 3);
    for (int i = 0; i < n; i++) {
        int x0 = i % cols * (width + gap), y0 = i / cols * (height + gap);
        for (int y = 0; y < height; y++)
            memcpy(out + ((size_t)(y0 + y) * W + x0) * 3, frames[i] + (size_t)y * width * 3, (size_t)width * 3);
    }
}
