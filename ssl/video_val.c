/* Tracking a validation clip with a checkpoint's encoder, scored by J&F
 * (see hue_video_val.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_davis_eval.h"
#include "hue_error.h"
#include "hue_mask.h"
#include "hue_track.h"
#include "hue_video.h"
#include "hue_video_val.h"

struct hue_video_val {
    int width, height, frames;
    uint8_t *rgb;             /* frames x height x width x 3 */
    uint8_t *truth;           /* frames x height x width ids; truth[0] is the mask tracked */
    uint8_t *pred;            /* the same, predicted */
    int ids_of_label[256], labels;
};

/* The truth of frame i: first_mask with its frame number (the last digits
 * of its file name) plus i, as many digits wide. */
static int truth_path(const char *first_mask, int i, char *out, size_t size)
{
    const char *base = strrchr(first_mask, '/');
    base = base ? base + 1 : first_mask;
    const char *end = base + strlen(base), *digits_end = NULL;
    for (const char *p = end; p > base; p--)
        if (p[-1] >= '0' && p[-1] <= '9') {
            digits_end = p;
            break;
        }
    if (!digits_end)
        return hue_fail(HUE_EINVAL, "%s: no frame number in its name: the truth of later frames is found beside it "
                                    "by number (00000.png, 00001.png, ...)", first_mask);
    const char *digits = digits_end;
    while (digits > base && digits[-1] >= '0' && digits[-1] <= '9')
        digits--;
    int width = (int)(digits_end - digits);
    long long number = strtoll(digits, NULL, 10) + i;
    int n = snprintf(out, size, "%.*s%0*lld%s", (int)(digits - first_mask), first_mask, width, number, digits_end);
    return n < 0 || (size_t)n >= size ? hue_fail(HUE_EINVAL, "%s: path too long", first_mask) : 0;
}

static int read_mask(hue_video_val *v, const char *path, int i)
{
    hue_mask m = {0};
    int rc = hue_mask_read(&m, path);
    if (!rc && (m.width != v->width || m.height != v->height))
        rc = hue_fail(HUE_EINVAL, "%s is %dx%d but the validation clip's frames are %dx%d", path, m.width, m.height,
                      v->width, v->height);
    if (!rc)
        memcpy(v->truth + (size_t)i * v->width * v->height, m.ids, (size_t)v->width * v->height);
    hue_mask_free(&m);
    return rc;
}

int hue_video_val_open(const char *clip, const char *first_mask, int max_frames, hue_video_val **out)
{
    *out = NULL;
    if (max_frames < 3 || max_frames > HUE_VIDEO_VAL_MAX_FRAMES)
        return hue_fail(HUE_EINVAL, "validation of %d frames: 3 to %d", max_frames, HUE_VIDEO_VAL_MAX_FRAMES);
    hue_video_val *v = calloc(1, sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_video *video = NULL;
    int rc = hue_video_open(&video, clip, NULL);
    if (!rc) {
        const hue_video_info *info = hue_video_get_info(video);
        v->width = info->out_width, v->height = info->out_height;
        v->frames = info->frames < max_frames ? (int)info->frames : max_frames;
        if (v->frames < 3)
            rc = hue_fail(HUE_EINVAL, "%s has %lld frames: J&F needs 3 or more", clip, (long long)info->frames);
    }
    size_t plane = (size_t)v->width * v->height;
    if (!rc) {
        v->rgb = malloc(plane * 3 * (size_t)v->frames);
        v->truth = malloc(plane * (size_t)v->frames);
        v->pred = malloc(plane * (size_t)v->frames);
        if (!v->rgb || !v->truth || !v->pred)
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
    }
    for (int i = 0; i < v->frames && !rc; i++) {
        int got = hue_video_read_rgb(video, v->rgb + plane * 3 * (size_t)i);
        if (got < 0)
            rc = got;
        else if (got == 0)
            rc = hue_fail(HUE_EFORMAT, "%s: frame %d could not be read", clip, i);
    }
    hue_video_close(video);
    char path[4096];
    for (int i = 0; i < v->frames && !rc; i++)
        if (!(rc = i ? truth_path(first_mask, i, path, sizeof path) : 0))
            rc = read_mask(v, i ? path : first_mask, i);
    if (!rc) {
        int present[256] = {0};
        for (size_t p = 0; p < plane; p++)
            present[v->truth[p]] = 1;
        for (int id = 0; id < 256; id++)
            if (id == 0 || present[id])
                v->ids_of_label[v->labels++] = id;
        if (v->labels < 2)
            rc = hue_fail(HUE_EINVAL, "%s has no object (every pixel is background)", first_mask);
    }
    if (rc) {
        hue_video_val_close(v);
        return rc;
    }
    *out = v;
    return 0;
}

int hue_video_val_run(hue_video_val *v, const char *checkpoint, hue_video_val_result *r)
{
    memset(r, 0, sizeof *r);
    int W = v->width, H = v->height, gh, gw, rc;
    size_t plane = (size_t)W * H;
    hue_tracker_options to = hue_tracker_defaults();
    to.features = HUE_FEATURES_MODEL;
    to.model = checkpoint;
    to.width = W, to.height = H, to.labels = v->labels, to.argmax = 1;
    if (to.context > v->frames - 1)
        to.context = v->frames - 1;
    hue_tracker_grid(W, H, &gh, &gw);
    float *cells = malloc(sizeof *cells * (size_t)v->labels * gh * gw), *ids = malloc(sizeof *ids * plane);
    hue_tracker *t = NULL;
    if (!cells || !ids) {
        free(cells), free(ids);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    hue_labels_to_cells(v->truth, W, H, v->ids_of_label, v->labels, gh, gw, cells);
    rc = hue_tracker_create(&t, &to);
    if (!rc)
        rc = hue_tracker_start(t, v->rgb, cells);
    memcpy(v->pred, v->truth, plane);
    for (int i = 1; i < v->frames && !rc; i++) {
        rc = hue_tracker_step(t, v->rgb + plane * 3 * (size_t)i, ids);
        for (size_t p = 0; p < plane && !rc; p++)
            v->pred[plane * (size_t)i + p] = (uint8_t)v->ids_of_label[(int)ids[p]];
    }
    hue_tracker_destroy(t);
    free(cells), free(ids);
    if (rc)
        return rc;
    const uint8_t *gt[HUE_VIDEO_VAL_MAX_FRAMES], *pred[HUE_VIDEO_VAL_MAX_FRAMES];
    for (int i = 0; i < v->frames; i++)
        gt[i] = v->truth + plane * (size_t)i, pred[i] = v->pred + plane * (size_t)i;
    hue_davis_object objects[255];
    int n = 0;
    if ((rc = hue_davis_eval_sequence(gt, pred, v->frames, W, H, objects, &n)))
        return rc;
    hue_davis_summary s = hue_davis_summarize(objects, n);
    int mid = v->frames / 2;
    *r = (hue_video_val_result){s.jf_mean, s.j.mean, s.f.mean, v->frames, n, W, H, mid,
                                v->rgb + plane * 3 * (size_t)mid, pred[mid], gt[mid]};
    return 0;
}

void hue_video_val_close(hue_video_val *v)
{
    if (!v)
        return;
    free(v->rgb), free(v->truth), free(v->pred);
    free(v);
}
