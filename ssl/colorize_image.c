/* hue colorize --image (hue_colorize_image.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colour_bins.h"
#include "hue_checkpoint.h"
#include "hue_colorize_image.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_heads.h"
#include "hue_json.h"
#include "hue_lab.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_output.h"
#include "hue_video.h"
#include "hue_writer.h"

#define NET_SIDE 256

typedef struct {
    hue_resnet_config arch;
    hue_head_config head;
    char head_prefix[48];
    colour_bins bins;
} colour_model;

/* The L-to-ab network of a colorize or splitbrain checkpoint. */
static int read_model(const hue_checkpoint *ck, const char *path, colour_model *m)
{
    const char *method = hue_checkpoint_meta(ck, "method");
    if (!method || (strcmp(method, "colorize") != 0 && strcmp(method, "splitbrain") != 0))
        return hue_fail(HUE_EINVAL, "%s is a checkpoint of method %s: colouring an image needs one of "
                        "'hue pretrain --method colorize' (or splitbrain)", path, method ? method : "unknown");
    snprintf(m->head_prefix, sizeof m->head_prefix, "%s", strcmp(method, "colorize") == 0 ? "heads.decoder." : "heads.l_to_ab.");
    int rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), path, &m->arch);
    if (!rc)
        rc = colour_bins_parse(hue_checkpoint_meta(ck, "colour_classes"), path, &m->bins);
    if (rc)
        return rc;
    const char *nets = hue_checkpoint_meta(ck, "networks");
    hue_json *root = NULL;
    if (!nets || hue_json_parse(nets, strlen(nets), &root))
        return hue_fail(HUE_EFORMAT, "%s: no readable 'networks' in its metadata", path);
    rc = hue_fail(HUE_EFORMAT, "%s: its 'networks' have no head '%s'", path, m->head_prefix);
    for (size_t i = 0; i < hue_json_count(root); i++) {
        const hue_json *n = hue_json_at(root, i);
        const char *prefix = hue_json_string(hue_json_get(n, "prefix"), NULL);
        if (prefix && strcmp(prefix, m->head_prefix) == 0) {
            const hue_json *h = hue_json_get(n, "head");
            int64_t v[4];
            const char *fields[4] = {"in", "hidden", "out", "layers"};
            rc = hue_head_kind_parse(hue_json_string(hue_json_get(h, "kind"), NULL) ? hue_json_string(hue_json_get(h, "kind"), NULL) : "");
            for (int f = 0; f < 4 && rc >= 0; f++)
                if (hue_json_int64(hue_json_get(h, fields[f]), &v[f]) || v[f] < 0 || v[f] > 1 << 20)
                    rc = -1;
            if (rc < 0) {
                rc = hue_fail(HUE_EFORMAT, "%s: head '%s' in its 'networks' is not one hue wrote", path, m->head_prefix);
                break;
            }
            m->head = (hue_head_config){(hue_head_kind)rc, (int)v[0], (int)v[1], (int)v[2], (int)v[3]};
            rc = hue_head_config_check(&m->head);
            if (!rc && (m->head.kind != HUE_HEAD_DECODER || m->head.out != m->bins.count))
                rc = hue_fail(HUE_EFORMAT, "%s: head '%s' is not a decoder to its %d colour classes", path,
                              m->head_prefix, m->bins.count);
            break;
        }
    }
    hue_json_destroy(root);
    return rc;
}

/* Bilinear resampling of one plane (pixel centres at half-integers). */
static void resample(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
    for (int y = 0; y < dh; y++) {
        float fy = ((float)y + 0.5f) * (float)sh / (float)dh - 0.5f;
        int y0 = (int)floorf(fy);
        float ly = fy - (float)y0;
        int ya = y0 < 0 ? 0 : y0 >= sh ? sh - 1 : y0, yb = y0 + 1 >= sh ? sh - 1 : y0 + 1 < 0 ? 0 : y0 + 1;
        for (int x = 0; x < dw; x++) {
            float fx = ((float)x + 0.5f) * (float)sw / (float)dw - 0.5f;
            int x0 = (int)floorf(fx);
            float lx = fx - (float)x0;
            int xa = x0 < 0 ? 0 : x0 >= sw ? sw - 1 : x0, xb = x0 + 1 >= sw ? sw - 1 : x0 + 1 < 0 ? 0 : x0 + 1;
            float top = src[ya * sw + xa] * (1 - lx) + src[ya * sw + xb] * lx;
            float bot = src[yb * sw + xa] * (1 - lx) + src[yb * sw + xb] * lx;
            dst[(size_t)y * dw + x] = top * (1 - ly) + bot * ly;
        }
    }
}

static int read_image(const char *path, int width, int height, uint8_t **rgb, int *w, int *h)
{
    hue_video_options vo = {.width = width, .height = height, .filter = HUE_SCALE_AREA, .threads = 1};
    hue_video *v;
    int rc = hue_video_open(&v, path, width ? &vo : NULL);
    if (rc)
        return rc;
    const hue_video_info *info = hue_video_get_info(v);
    *w = info->out_width, *h = info->out_height;
    *rgb = malloc((size_t)*w * *h * 3);
    rc = *rgb ? hue_video_read_rgb(v, *rgb) : hue_fail(HUE_ENOMEM, "out of host memory");
    hue_video_close(v);
    if (rc == 0)
        rc = hue_fail(HUE_EFORMAT, "%s: no image could be read", path);
    return rc < 0 ? rc : 0;
}

/* The predicted ab of an L plane (nw x nh, L/50 - 1), 2 planes. */
static int predict(const hue_checkpoint *ck, const char *path, const colour_model *m, const float *L, int nw, int nh,
                   double temperature, float *ab)
{
    hue_ctx *ctx = NULL;
    hue_graph *g = NULL;
    hue_resnet trunk = {0};
    hue_head head = {0};
    int rc = hue_ctx_create(&ctx, -1);
    if (!rc)
        rc = hue_graph_create(ctx, &g);
    if (rc) {
        hue_ctx_destroy(ctx);
        return rc;
    }
    int64_t xs[4] = {1, 1, nh, nw}, cs[3] = {1, 2, m->bins.count}, flat[3] = {1, m->bins.count, (int64_t)nw * nh};
    float *centres = malloc(sizeof *centres * 2 * (size_t)m->bins.count);
    if (!centres)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    for (int q = 0; !rc && q < m->bins.count; q++)
        centres[q] = m->bins.a[q], centres[m->bins.count + q] = m->bins.b[q];
    hue_tensor x = hue_graph_input(g, "lightness", 4, xs), out = -1;
    if (!rc)
        rc = hue_resnet_build(g, &m->arch, x, 0, &trunk);
    if (!rc)
        rc = hue_head_build(g, &m->head, m->head_prefix, trunk.features, 0, &head);
    if (!rc) {
        hue_tensor p = hue_softmax(g, hue_scale(g, head.out, (float)(1.0 / temperature), -1), 1);
        out = hue_matmul(g, hue_graph_constant(g, "centres", 3, cs, centres), hue_reshape(g, p, 3, flat), 0, 0);
        hue_graph_output(g, out);
        rc = hue_graph_compile(g);
    }
    for (int i = 0; !rc && i < trunk.n_tensors; i++)
        rc = hue_model_load_tensor(ck, g, trunk.tensors[i].name, trunk.tensors[i].tensor, path);
    for (int i = 0; !rc && i < head.n_tensors; i++)
        rc = hue_model_load_tensor(ck, g, head.tensors[i].name, head.tensors[i].tensor, path);
    if (!rc)
        rc = hue_graph_set_input(g, x, L, (size_t)nw * nh);
    if (!rc)
        rc = hue_graph_run(g);
    if (!rc)
        rc = hue_graph_read(g, out, ab, 2 * (size_t)nw * nh);
    free(centres);
    hue_head_free(&head);
    hue_resnet_free(&trunk);
    hue_graph_destroy(g);
    hue_ctx_destroy(ctx);
    return rc;
}

int hue_colorize_image(const char *model, const char *in, const char *out, double temperature, int force,
                       hue_colorize_image_report *r)
{
    memset(r, 0, sizeof *r);
    if (!(temperature > 0) || !(temperature <= 100))
        return hue_fail(HUE_EINVAL, "--anneal %g: must be above 0 and at most 100", temperature);
    int rc = hue_output_check(out, force);
    hue_checkpoint *ck = NULL;
    colour_model m;
    if (!rc)
        rc = hue_checkpoint_open(model, &ck);
    if (!rc)
        rc = read_model(ck, model, &m);
    uint8_t *rgb = NULL, *net_rgb = NULL;
    float *buf = NULL;
    int W = 0, H = 0, stride = m.arch.cifar_stem ? 8 : 32;
    if (!rc)
        rc = read_image(in, 0, 0, &rgb, &W, &H);
    /* the network sees the image at most NET_SIDE on its longer side (ab is
     * smooth: the colours are upsampled onto the full-size lightness), at
     * multiples of its stride */
    double scale = W > H ? (W > NET_SIDE ? (double)NET_SIDE / W : 1) : (H > NET_SIDE ? (double)NET_SIDE / H : 1);
    int nw = (int)(W * scale + stride / 2) / stride * stride, nh = (int)(H * scale + stride / 2) / stride * stride;
    nw = nw < stride ? stride : nw, nh = nh < stride ? stride : nh;
    if (!rc)
        rc = read_image(in, nw, nh, &net_rgb, &nw, &nh);
    size_t n = (size_t)W * H, nn = (size_t)nw * nh;
    if (!rc && !(buf = malloc(sizeof *buf * (5 * n + 3 * nn))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc) {
        float *L = buf, *a = L + n, *b = a + n, *oa = b + n, *ob = oa + n, *nL = ob + n, *nab = nL + nn;
        hue_lab_from_rgb8(net_rgb, nn, nL, nab, nab + nn);
        for (size_t i = 0; i < nn; i++)
            nL[i] = nL[i] / 50.0f - 1.0f;
        rc = predict(ck, model, &m, nL, nw, nh, temperature, nab);
        if (!rc) {
            hue_lab_from_rgb8(rgb, n, L, a, b);
            resample(nab, nw, nh, oa, W, H);
            resample(nab + nn, nw, nh, ob, W, H);
            double err = 0, gray = 0;
            for (size_t i = 0; i < n; i++) {
                err += (fabs(a[i] - oa[i]) + fabs(b[i] - ob[i])) / 2;
                gray += (fabs(a[i]) + fabs(b[i])) / 2;
            }
            *r = (hue_colorize_image_report){W, H, nw, nh, err / (double)n, gray / (double)n};
            hue_lab_to_rgb8(L, oa, ob, n, rgb);
            rc = hue_image_write_rgb(out, rgb, W, H, 95, force);
        }
    }
    free(buf), free(rgb), free(net_rgb);
    hue_checkpoint_destroy(ck);
    return rc;
}
