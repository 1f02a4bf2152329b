/* track_clip: a small program on libhue. It carries the objects of a
 * first-frame mask through every frame of a clip, as `hue track` does,
 * prints each frame's object area in pixels and, given the ground truth,
 * the clip's DAVIS J&F, as `hue eval davis` scores it.
 *
 *   track_clip VIDEO FIRST.png [--model CKPT] [--truth DIR] [--out DIR] [--frames N]
 *
 *   VIDEO         any video FFmpeg reads, or a frame folder
 *   FIRST.png     the objects in frame 0 (a DAVIS palette PNG, or 0/255)
 *   --model CKPT  features from a `hue train-video` checkpoint (default:
 *                 LAB pixels average-pooled to stride 8, `--features lab`)
 *   --truth DIR   ground truth, DIR/00000.png ...: print the J&F
 *   --out DIR     write the masks, DIR/00000.png ... (existing ones are kept:
 *                 the program stops instead)
 *   --frames N    stop after the first N frames (at least 3)
 *
 * The backend is HUE_BACKEND's (auto, vulkan or cpu). Build it against an
 * installed hue with CMake (this folder's CMakeLists.txt) or with
 *   cc track_clip.c $(pkg-config --cflags --libs libhue) -o track_clip
 *
 * Every libhue call that can fail returns 0 or a negative HUE_E* code, and
 * hue_error_message() says what went wrong. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hue/hue.h>

typedef struct {
    const char *video, *first, *model, *truth, *out;
    long frames;  /* 0: all */
} args;

static int usage_error(const char *what)
{
    fprintf(stderr, "track_clip: %s\nusage: track_clip VIDEO FIRST.png [--model CKPT] [--truth DIR] [--out DIR] "
            "[--frames N]\n", what);
    return 2;
}

static int parse(int argc, char **argv, args *a)
{
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (flag[0] != '-') {
            if (positional == 0)
                a->video = flag;
            else if (positional == 1)
                a->first = flag;
            else
                return usage_error("one VIDEO and one FIRST.png only");
            positional++;
            continue;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "track_clip: %s needs a value\n", flag);
            return 2;
        }
        const char *value = argv[++i];
        if (!strcmp(flag, "--model")) {
            a->model = value;
        } else if (!strcmp(flag, "--truth")) {
            a->truth = value;
        } else if (!strcmp(flag, "--out")) {
            a->out = value;
        } else if (!strcmp(flag, "--frames")) {
            char *end;
            a->frames = strtol(value, &end, 10);
            if (*end || a->frames < 3) {
                fprintf(stderr, "track_clip: --frames %s: expected a whole number, 3 or more\n", value);
                return 2;
            }
        } else {
            fprintf(stderr, "track_clip: unknown flag %s\n", flag);
            return 2;
        }
    }
    return positional == 2 ? 0 : usage_error("give VIDEO and FIRST.png");
}

/* Reads DIR/NNNNN.png, which must be width x height. */
static int read_frame_mask(hue_mask *m, const char *dir, long frame, int width, int height)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%05ld.png", dir, frame);
    int rc = hue_mask_read(m, path);
    if (rc == 0 && (m->width != width || m->height != height)) {
        hue_mask_free(m);
        return hue_fail(HUE_EINVAL, "%s is %dx%d, not the frames' %dx%d", path, m->width, m->height, width, height);
    }
    return rc;
}

static int write_frame_mask(const hue_mask *m, const char *dir, long frame)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%05ld.png", dir, frame);
    return hue_mask_write(m, path, 0);  /* 0: an existing file is refused */
}

static long count_pixels(const uint8_t *ids, size_t n)
{
    long area = 0;
    for (size_t i = 0; i < n; i++)
        area += ids[i] != 0;
    return area;
}

int main(int argc, char **argv)
{
    args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    printf("libhue %s (headers %s)\n", hue_version(), HUE_VERSION_STRING);

    hue_video *video = NULL;
    hue_tracker *tracker = NULL;
    hue_davis_seq *score = NULL;
    int n_objects = 0;
    hue_mask mask = {0}, truth = {0};
    uint8_t *rgb = NULL;
    float *cells = NULL, *labels = NULL;

    if ((rc = hue_video_open(&video, a.video, NULL)))
        goto fail;
    const hue_video_info *info = hue_video_get_info(video);
    int width = info->out_width, height = info->out_height;
    long frames = (long)info->frames;
    if (a.frames && a.frames < frames)
        frames = a.frames;
    if (frames < 3) {
        rc = hue_fail(HUE_EINVAL, "%s has %ld frames: J&F leaves out the first and last, so 3 or more", a.video, frames);
        goto fail;
    }
    if ((rc = hue_mask_read(&mask, a.first)))
        goto fail;
    if (mask.width != width || mask.height != height) {
        rc = hue_fail(HUE_EINVAL, "%s is %dx%d, not the frames' %dx%d", a.first, mask.width, mask.height, width,
                      height);
        goto fail;
    }

    /* The tracker's labels are the background and each object present in
     * frame 0, in id order: label l stands for mask id id_of_label[l]. */
    int id_of_label[256], n_labels = 0, present[256] = {0};
    size_t pixels = (size_t)width * height;
    for (size_t i = 0; i < pixels; i++)
        present[mask.ids[i]] = 1;
    for (int id = 0; id < 256; id++)
        if (id == 0 || present[id])
            id_of_label[n_labels++] = id;
    if (n_labels < 2) {
        rc = hue_fail(HUE_EINVAL, "%s has no object", a.first);
        goto fail;
    }

    /* CRW's settings (context 20, top-k 10, radius 12, T 0.05), as hue track. */
    hue_tracker_options opt = hue_tracker_defaults();
    opt.features = a.model ? HUE_FEATURES_MODEL : HUE_FEATURES_LAB;
    opt.model = a.model;
    opt.width = width, opt.height = height;
    opt.labels = n_labels;
    opt.argmax = 1;  /* each step gives a label per pixel */
    if (info->frames <= opt.context)
        opt.context = (int)info->frames - 1;  /* no frame has more earlier frames than that */

    /* Frame 0 and its labels as area fractions over the feature grid. */
    int grid_h, grid_w;
    hue_tracker_grid(width, height, &grid_h, &grid_w);
    rgb = malloc(pixels * 3);
    labels = malloc(pixels * sizeof *labels);
    cells = malloc((size_t)n_labels * grid_h * grid_w * sizeof *cells);
    if (!rgb || !labels || !cells) {
        rc = hue_fail(HUE_ENOMEM, "out of memory");
        goto fail;
    }
    hue_labels_to_cells(mask.ids, width, height, id_of_label, n_labels, grid_h, grid_w, cells);
    if ((rc = hue_tracker_create(&tracker, &opt)))
        goto fail;
    if ((rc = hue_video_read_rgb(video, rgb)) != 1) {
        if (rc == 0)
            rc = hue_fail(HUE_EFORMAT, "%s: no frame could be read", a.video);
        goto fail;
    }
    if ((rc = hue_tracker_start(tracker, rgb, cells)))
        goto fail;
    printf("%d object%s, %ld frames of %dx%d, %d-channel features\n", n_labels - 1, n_labels == 2 ? "" : "s", frames,
           width, height, hue_tracker_channels(tracker));

    if (a.truth) {
        /* the number of objects is the ground truth's, from its frame 0 */
        if ((rc = read_frame_mask(&truth, a.truth, 0, width, height)))
            goto fail;
        n_objects = hue_davis_count_objects(truth.ids, width, height);
        if ((rc = hue_davis_seq_create(width, height, n_objects, &score)))
            goto fail;
        hue_mask_free(&truth);
    }
    if (a.out) {
        if (mkdir(a.out, 0777) != 0 && errno != EEXIST) {
            rc = hue_fail(HUE_EIO, "%s: cannot create the folder: %s", a.out, strerror(errno));
            goto fail;
        }
        if ((rc = write_frame_mask(&mask, a.out, 0)))
            goto fail;
    }
    printf("frame 0: %ld pixels (the given mask)\n", count_pixels(mask.ids, pixels));

    for (long frame = 1; frame < frames; frame++) {
        if ((rc = hue_video_read_rgb(video, rgb)) != 1) {
            if (rc == 0)
                rc = hue_fail(HUE_EFORMAT, "%s ended at frame %ld", a.video, frame);
            goto fail;
        }
        if ((rc = hue_tracker_step(tracker, rgb, labels)))
            goto fail;
        for (size_t i = 0; i < pixels; i++)
            mask.ids[i] = (uint8_t)id_of_label[(int)labels[i]];
        printf("frame %ld: %ld pixels\n", frame, count_pixels(mask.ids, pixels));
        if (a.out && (rc = write_frame_mask(&mask, a.out, frame)))
            goto fail;
        /* J&F leaves out the first and the last frame */
        if (score && frame < frames - 1) {
            if ((rc = read_frame_mask(&truth, a.truth, frame, width, height)) ||
                (rc = hue_davis_seq_add(score, truth.ids, mask.ids)))
                goto fail;
            hue_mask_free(&truth);
        }
    }

    if (score) {
        hue_davis_object objects[256];
        if ((rc = hue_davis_seq_result(score, objects)))
            goto fail;
        hue_davis_summary s = hue_davis_summarize(objects, n_objects);
        printf("J&F %.6f (J %.6f, F %.6f) over %d frames, %d object%s\n", s.jf_mean, s.j.mean, s.f.mean,
               hue_davis_seq_frames(score), s.n_objects, s.n_objects == 1 ? "" : "s");
    }
    /* with HUE_VALIDATE=1, the Vulkan validation layer's errors */
    if (hue_validation_error_total()) {
        rc = hue_fail(HUE_EVULKAN, "%d Vulkan validation errors", hue_validation_error_total());
        goto fail;
    }
    rc = 0;
fail:
    if (rc)
        fprintf(stderr, "track_clip: %s\n", hue_error_message());
    hue_davis_seq_destroy(score);
    hue_tracker_destroy(tracker);
    hue_mask_free(&mask);
    hue_mask_free(&truth);
    hue_video_close(video);
    free(rgb), free(labels), free(cells);
    return rc ? 1 : 0;
}
