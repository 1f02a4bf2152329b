/* Display rotation of decoded frames (phone videos carry it as metadata). */
#include "video_internal.h"

#include <string.h>

void hue_rotate_rgb8(const uint8_t *src, int stride, int w, int h, int degrees, uint8_t *dst)
{
    /* dst is w x h for 180, h x w for 90 and 270; (dx, dy) indexes dst. */
    int dw = degrees == 180 ? w : h, dh = degrees == 180 ? h : w;
    for (int dy = 0; dy < dh; dy++)
        for (int dx = 0; dx < dw; dx++) {
            int sx, sy;
            if (degrees == 90)
                sx = dy, sy = h - 1 - dx;
            else if (degrees == 270)
                sx = w - 1 - dy, sy = dx;
            else
                sx = w - 1 - dx, sy = h - 1 - dy;
            memcpy(dst + 3 * ((size_t)dy * dw + dx), src + (size_t)sy * stride + 3 * sx, 3);
        }
}
