/* The pieces of a convolution's gradient, shared by conv2d.c (its backward)
 * and conv_transpose.c (whose forward is conv2d's input gradient).
 *
 * All take the conv2d geometry in p: kernel, stride, pad, dilation (h, w)
 * and out_size = the conv2d output's (OH, OW). "Wide" dy is the output
 * gradient laid out [O, N * OH * OW] (images side by side), which lets one
 * GEMM reduce over images and pixels together: deep layers have few pixels
 * per image, and a GEMM per image would leave most SIMD lanes idle. */
#ifndef HUE_CONV_INTERNAL_H
#define HUE_CONV_INTERNAL_H
#include "graph_internal.h"

/* Columns a chunk of images may take (floats): bounds every conv scratch. */
#define HUE_CONV_SCRATCH_FLOATS (16ll << 20)

/* conv2d of x [N, C, H, W] by w [O, C, kh, kw] (no bias) into an output of
 * spatial size p->out_size, which may be smaller than the natural one (the
 * extra rows and columns are not computed). */
hue_tensor hue_conv2d_sized(hue_graph *g, hue_tensor x, hue_tensor w, const hue_op_params *p);

/* w [O, C, kh, kw] as [C, O, kh, kw] with the taps reversed (conv_flip.c). */
hue_tensor hue_conv_weight_flip(hue_graph *g, hue_tensor w);

/* dy [N, O, OH, OW] as wide [O, N * OH * OW]. */
hue_tensor hue_conv_widen(hue_graph *g, hue_tensor dy);

/* d(loss)/dw [O, C, kh, kw] (w_shape) of a conv2d of x, given wide dy. */
hue_tensor hue_conv2d_weight_grad(hue_graph *g, hue_tensor x, hue_tensor dy_wide, const int64_t *w_shape,
                                  const hue_op_params *p);

/* d(loss)/dx [N, C, H, W] (x_shape) of a conv2d with weight w, given dy
 * (wide or [N, O, OH, OW]); bias >= 0 adds bias[c], as the transposed
 * convolution does. name names the result. */
hue_tensor hue_conv2d_input_grad(hue_graph *g, hue_tensor dy, int wide, hue_tensor w, hue_tensor bias,
                                 const int64_t *x_shape, const hue_op_params *p, const char *name);

/* How many images of per_image floats of scratch one chunk may hold: the
 * scratch is bounded, and so are the GEMM's grid: cols_per_image columns
 * per image side by side (wide), or one batch item per image (0). At least
 * 1, or a graph error (< 0) when one image does not fit. */
int64_t hue_conv_chunk(hue_graph *g, const char *op, hue_tensor x, int64_t per_image, int64_t cols_per_image);

/* Whether a GEMM over P columns per image fills its workgroups well
 * enough; if not, images go side by side (wide). */
int hue_conv_per_image_ok(const hue_graph *g, int64_t P);

/* How a conv2d node x -> y multiplies: x itself (a 1x1, stride-1, unpadded
 * conv: one GEMM per image straight from x), per image from im2col columns,
 * or side by side (wide); the builder sizes the scratch by it. */
enum { HUE_CONV_PER_IMAGE, HUE_CONV_WIDE, HUE_CONV_DIRECT };
int hue_conv_forward_mode(const hue_graph *g, hue_tensor x, hue_tensor y, const hue_op_params *p);

/* Whether a conv2d_dx node is a 1x1, stride-1, unpadded conv whose output
 * is the image's size: the GEMM writes the image directly, no scratch. */
int hue_conv_dx_direct(const hue_graph *g, const hue_node *n);

/* A conv2d_dw patch row's length: K rounded up to whole vec4s. */
static inline int64_t hue_conv_row_stride(int64_t K) { return (K + 3) & ~(int64_t)3; }

#endif
