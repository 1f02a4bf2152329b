/* Blended masks with outlines, in the mask's own palette. */
#include "hue_error.h"
#include "hue_overlay.h"

#include <stddef.h>

int hue_overlay_draw(uint8_t *rgb, int width, int height, const hue_mask *m, float alpha)
{
    if (m->width != width || m->height != height)
        return hue_fail(HUE_EINVAL, "mask is %dx%d but the frame is %dx%d", m->width, m->height, width, height);
    if (!(alpha >= 0 && alpha <= 1))
        return hue_fail(HUE_EINVAL, "overlay alpha %g is outside [0,1]", alpha);
    int a = (int)(alpha * 256 + 0.5f);
    for (int y = 0; y < height; y++) {
        const uint8_t *row = m->ids + (size_t)y * width;
        for (int x = 0; x < width; x++) {
            int id = row[x];
            if (!id)
                continue;
            /* Outline: an object pixel with a 4-neighbour of another id. */
            int edge = (x > 0 && row[x - 1] != id) || (x + 1 < width && row[x + 1] != id) ||
                       (y > 0 && row[x - width] != id) || (y + 1 < height && row[x + width] != id);
            const uint8_t *c = m->palette[id]; /* entries past the file's palette are DAVIS colours */
            uint8_t *p = rgb + 3 * ((size_t)y * width + x);
            for (int k = 0; k < 3; k++)
                p[k] = edge ? c[k] : (uint8_t)((p[k] * (256 - a) + c[k] * a + 128) >> 8);
        }
    }
    return 0;
}
