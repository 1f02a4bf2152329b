/* A convolution's weight gradient: dW [O, K] (+)= dy [O, N*P] x rows, with
 * rows [N*P, K] the patch of every output pixel (shaders/patch_rows.comp),
 * a chunk of images at a time so the scratch stays bounded. One long
 * reduction over images and pixels together; dy comes wide (images side by
 * side, conv_internal.h). Rows rather than im2col's columns keep the GEMM
 * plain: columns would be B transposed, which gathers 8 rows per lane. */
#include "conv_internal.h"
#include "op_common.h"

/* Output pixels a chunk covers, at most: the chunk's rows are written and at
 * once read back from cache, and the GEMM's strips of them stay cached
 * (2048 took conv2d_dw from ~1000 to ~880 ms per step of hue bench train
 * against whole-batch chunks; single images are far slower). */
#define CHUNK_PIXELS 2048

static const hue_op_impl impl = {"conv2d_dw", NULL};

hue_tensor hue_conv2d_weight_grad(hue_graph *g, hue_tensor x, hue_tensor dy_wide, const int64_t *shape,
                                  const hue_op_params *p)
{
    int64_t w_shape[4];  /* a copy: shape may point into g->t, which new tensors move */
    memcpy(w_shape, shape, sizeof w_shape);
    hue_tensor in[2] = {x, dy_wide};
    if (hue_graph_check_inputs(g, "conv2d_dw", 2, in))
        return g->error;
    int64_t N = g->t[x].shape[0], C = g->t[x].shape[1], P = (int64_t)p->out_size[0] * p->out_size[1];
    if (hue_tensor_numel(g, dy_wide) != w_shape[0] * N * P || w_shape[1] != C)
        return hue_graph_fail(g, HUE_EINVAL, "conv2d_dw: gradient %s does not match %s", g->t[dy_wide].name,
                              g->t[x].name);
    hue_tensor dw = hue_graph_new_tensor(g, 4, w_shape, "conv2d_dw");
    if (dw < 0)
        return dw;
    hue_graph_add_node(g, &impl, 2, in, dw, p);
    int64_t per_image = P * hue_conv_row_stride(C * p->kernel[0] * p->kernel[1]);
    int64_t chunk = hue_conv_chunk(g, "conv2d_dw", x, per_image, 0);
    if (chunk > 1 && chunk * P > CHUNK_PIXELS)
        chunk = CHUNK_PIXELS / P > 1 ? CHUNK_PIXELS / P : 1;
    if (chunk < 0 || hue_graph_scratch(g, chunk * per_image) < 0)
        return g->error;
    return dw;
}
