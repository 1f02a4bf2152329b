/* Mask overlays for looking at results: each object's palette colour
 * blended over the frame, and its outline drawn in full colour. */
#ifndef HUE_OVERLAY_H
#define HUE_OVERLAY_H
#include <stdint.h>

#include "hue_mask.h"

/* Draws m over the packed RGB8 frame (width x height) in place. alpha in
 * [0,1] is the weight of the object colour inside objects. Fails
 * (HUE_EINVAL) when the mask and frame sizes differ. */
int hue_overlay_draw(uint8_t *rgb, int width, int height, const hue_mask *m, float alpha);

#endif
