/* Validation of a video encoder while it trains: a clip with its DAVIS
 * masks is tracked with the encoder of a checkpoint (hue track's
 * propagation at its default settings) and scored by J&F. The clip's
 * first frames and their masks are read once, when the validation is
 * opened; the truth of frame i sits beside the first-frame mask, under
 * the same name with the frame number plus i (DAVIS's Annotations layout:
 * 00000.png, 00001.png, ...). */
#ifndef HUE_VIDEO_VAL_H
#define HUE_VIDEO_VAL_H
#include <stdint.h>

#define HUE_VIDEO_VAL_MAX_FRAMES 1000

typedef struct hue_video_val hue_video_val;

typedef struct {
    double jf, j, f;          /* J&F mean, J mean and F mean over the objects */
    int frames;               /* frames tracked, the first included (J&F leaves out the first and last) */
    int objects;
    /* one frame for a report: frame `sample` of the clip (packed RGB8),
     * its predicted and true object ids; valid until the next run */
    int width, height, sample;
    const uint8_t *rgb, *pred, *truth;
} hue_video_val_result;

/* Reads the first max_frames frames of clip (all of them when it has
 * fewer; max_frames 3 to HUE_VIDEO_VAL_MAX_FRAMES, the clip 3 or more) and their masks: first_mask, the objects to
 * track, then the truth of each later frame. Fails with a message naming
 * the file when one is unreadable, a mask's size is not the clip's, the
 * first mask has no object or its name has no frame number. */
int hue_video_val_open(const char *clip, const char *first_mask, int max_frames, hue_video_val **out);
/* Tracks the clip with the encoder in checkpoint and scores it. */
int hue_video_val_run(hue_video_val *v, const char *checkpoint, hue_video_val_result *r);
void hue_video_val_close(hue_video_val *v);

#endif
