/* Colour conversion on the device: packed RGB8 frames to the network's
 * normalised LAB planes (L/50 - 1, a/110, b/110), with an optional bilinear
 * resize, and normalised LAB planes back to RGB planes in [0, 1]. video/lab.c
 * holds hue's reference conversion; the plain-C reference here repeats its
 * formulas (compute/ cannot call video/), and tests/compute/test_lab_device.c
 * checks the device against video/'s conversion as well. */
#include "op_common.h"

static const hue_op_impl impls[] = {{"rgb8_to_lab", NULL}, {"lab_to_rgb", NULL}};

hue_tensor hue_rgb8_to_lab(hue_graph *g, hue_tensor rgb, int64_t out_h, int64_t out_w)
{
    if (rgb < 0 || rgb >= g->n_t)
        return hue_graph_check_inputs(g, "rgb8_to_lab", 1, &rgb);
    if (g->error)
        return g->error;
    const hue_tensor_desc *d = &g->t[rgb];
    if (d->dtype != HUE_U8 || d->ndim != 4 || d->shape[3] != 3)
        return hue_graph_fail(g, HUE_EINVAL, "rgb8_to_lab: %s must be packed RGB bytes [N, H, W, 3]", d->name);
    if (d->offset % 4 != 0)
        return hue_graph_fail(g, HUE_EINVAL, "rgb8_to_lab: %s must start on a 4-byte boundary", d->name);
    if (out_h <= 0 || out_w <= 0)
        out_h = d->shape[1], out_w = d->shape[2];
    int64_t shape[4] = {d->shape[0], 3, out_h, out_w};
    hue_tensor y = hue_graph_new_tensor(g, 4, shape, "lab");
    if (y < 0 || check_int32(g, "rgb8_to_lab", y) || check_int32(g, "rgb8_to_lab", rgb))
        return g->error;
    hue_op_params p = {.kind = 0};
    return hue_graph_add_node(g, &impls[0], 1, &rgb, y, &p);
}

hue_tensor hue_lab_to_rgb(hue_graph *g, hue_tensor lab)
{
    if (hue_graph_check_inputs(g, "lab_to_rgb", 1, &lab))
        return g->error;
    const hue_tensor_desc *d = &g->t[lab];
    if (d->ndim != 4 || d->shape[1] != 3 || !hue_tensor_is_contiguous(g, lab))
        return hue_graph_fail(g, HUE_EINVAL, "lab_to_rgb: %s must be contiguous LAB planes [N, 3, H, W]", d->name);
    hue_tensor y = hue_graph_new_tensor(g, 4, d->shape, "rgb");
    if (y < 0 || check_int32(g, "lab_to_rgb", y))
        return g->error;
    hue_op_params p = {.kind = 1};
    return hue_graph_add_node(g, &impls[1], 1, &lab, y, &p);
}

/* ---- plain-C reference (the formulas of video/lab.c, in double) ---- */

static const double rgb_to_xyz[3][3] = {
    {0.4124564, 0.3575761, 0.1804375}, {0.2126729, 0.7151522, 0.0721750}, {0.0193339, 0.1191920, 0.9503041}};
static const double xyz_to_rgb[3][3] = {
    {3.240454836, -1.537138850, -0.498531547}, {-0.969266390, 1.876010929, 0.041556082},
    {0.055643420, -0.204025854, 1.057225162}};
static const double white[3] = {0.95047, 1.0, 1.08883};
#define DELTA (6.0 / 29.0)

static double f(double t) { return t > DELTA * DELTA * DELTA ? cbrt(t) : t / (3 * DELTA * DELTA) + 4.0 / 29.0; }
static double finv(double t) { return t > DELTA ? t * t * t : 3 * DELTA * DELTA * (t - 4.0 / 29.0); }
static double lin(double c) { return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4); }
static double gam(double c) { return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1.0 / 2.4) - 0.055; }

static int reference_forward(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0];
    int64_t N = x->shape[0], H = x->shape[1], W = x->shape[2], OH = p->out_size[0], OW = p->out_size[1];
    if (OH <= 0 || OW <= 0)
        OH = H, OW = W;
    int64_t shape[4] = {N, 3, OH, OW};
    if (hue_host_alloc(out, 4, shape))
        return HUE_ENOMEM;
    for (int64_t n = 0; n < N; n++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double sy = fmax(((double)oy + 0.5) * H / OH - 0.5, 0), sx = fmax(((double)ox + 0.5) * W / OW - 0.5, 0);
                int64_t y0 = (int64_t)sy < H - 1 ? (int64_t)sy : H - 1, x0 = (int64_t)sx < W - 1 ? (int64_t)sx : W - 1;
                int64_t y1 = y0 + 1 < H ? y0 + 1 : H - 1, x1 = x0 + 1 < W ? x0 + 1 : W - 1;
                double ly = OH == H ? 0 : sy - y0, lx = OW == W ? 0 : sx - x0;
                double rgb[3], xyz[3] = {0, 0, 0};
                for (int c = 0; c < 3; c++) {
                    const double *v = x->data + n * H * W * 3 + c;
                    double top = v[(y0 * W + x0) * 3] * (1 - lx) + v[(y0 * W + x1) * 3] * lx;
                    double bottom = v[(y1 * W + x0) * 3] * (1 - lx) + v[(y1 * W + x1) * 3] * lx;
                    rgb[c] = lin((top * (1 - ly) + bottom * ly) / 255.0);
                }
                for (int i = 0; i < 3; i++)
                    xyz[i] = f((rgb_to_xyz[i][0] * rgb[0] + rgb_to_xyz[i][1] * rgb[1] + rgb_to_xyz[i][2] * rgb[2]) /
                               white[i]);
                int64_t o = (n * 3 * OH + oy) * OW + ox, plane = OH * OW;
                out->data[o] = (116 * xyz[1] - 16) / 50 - 1;
                out->data[o + plane] = 500 * (xyz[0] - xyz[1]) / 110;
                out->data[o + 2 * plane] = 200 * (xyz[1] - xyz[2]) / 110;
            }
    return 0;
}

static int reference_inverse(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    (void)p;
    const hue_host_tensor *x = &in[0];
    if (hue_host_alloc(out, 4, x->shape))
        return HUE_ENOMEM;
    int64_t plane = x->shape[2] * x->shape[3];
    for (int64_t n = 0; n < x->shape[0]; n++)
        for (int64_t k = 0; k < plane; k++) {
            const double *v = x->data + n * 3 * plane + k;
            double L = (v[0] + 1) * 50, fy = (L + 16) / 116;
            double xyz[3] = {white[0] * finv(fy + v[plane] * 110 / 500), white[1] * finv(fy),
                             white[2] * finv(fy - v[2 * plane] * 110 / 200)};
            for (int c = 0; c < 3; c++) {
                double r = gam(xyz_to_rgb[c][0] * xyz[0] + xyz_to_rgb[c][1] * xyz[1] + xyz_to_rgb[c][2] * xyz[2]);
                out->data[n * 3 * plane + c * plane + k] = r < 0 ? 0 : r > 1 ? 1 : r;
            }
        }
    return 0;
}

static void forward_case(int i, hue_op_case *c)
{
    static const int64_t cases[][5] = {
        /* N, H, W, out_h, out_w (0 = same size) */
        {1, 1, 1, 0, 0}, {2, 7, 9, 0, 0}, {1, 48, 64, 0, 0}, {2, 13, 11, 26, 5}, {1, 120, 214, 60, 107},
    };
    const int64_t *k = cases[i];
    int64_t dims[4] = {k[0], k[1], k[2], 3};
    set_case_shape(c, 0, 4, dims);
    c->p.out_size[0] = k[3];
    c->p.out_size[1] = k[4];
}

/* Inputs: normalised LAB drawn in a box around the sRGB gamut. */
static void inverse_case(int i, hue_op_case *c)
{
    static const int64_t cases[][4] = {{1, 3, 1, 1}, {2, 3, 5, 7}, {1, 3, 64, 65}};
    set_case_shape(c, 0, 4, cases[i]);
    c->p.kind = 1;
}

static hue_tensor build_forward(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_rgb8_to_lab(g, in[0], p->out_size[0], p->out_size[1]);
}

static hue_tensor build_inverse(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    (void)p;
    return hue_lab_to_rgb(g, in[0]);
}

/* fp32 on the device against double here: 1e-5 of the largest value. */
const hue_op_entry hue_op_rgb8_to_lab = {.name = "rgb8_to_lab", .n_in = 1, .n_cases = 5, .make_case = forward_case, .build = build_forward, .reference = reference_forward, .input_lo = 0, .input_hi = 255, .tolerance = 2e-5, .input_u8 = 1};
const hue_op_entry hue_op_lab_to_rgb = {.name = "lab_to_rgb", .n_in = 1, .n_cases = 3, .make_case = inverse_case, .build = build_inverse, .reference = reference_inverse, .input_lo = -1, .input_hi = 1, .tolerance = 2e-5};
