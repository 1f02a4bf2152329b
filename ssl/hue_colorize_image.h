/* Colouring a still image with a model of `hue pretrain --method colorize`
 * (or splitbrain's L-to-ab half): the image's lightness goes through the
 * trunk and its decoder, each pixel's ab is the annealed mean of its class
 * distribution (Zhang et al. 2016: softmax(logits / T), T = 0.38, then the
 * expected class centre), and the image keeps its own lightness. The
 * network sees the image at most 256 pixels on its longer side; the
 * colours are upsampled onto the full-size lightness. */
#ifndef HUE_COLORIZE_IMAGE_H
#define HUE_COLORIZE_IMAGE_H

typedef struct {
    int width, height;          /* of the image written */
    int net_width, net_height;  /* the side the network saw (multiples of its stride) */
    double ab_error;            /* mean |a - a'| + |b - b'| over 2, against the input's own colours */
    double gray_ab_error;       /* the same for a gray image (a = b = 0) */
} hue_colorize_image_report;

/* Writes `out` (PNG or JPEG; an existing file needs force). temperature > 0. */
int hue_colorize_image(const char *model, const char *in, const char *out, double temperature, int force,
                       hue_colorize_image_report *report);

#endif
