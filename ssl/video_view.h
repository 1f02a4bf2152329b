/* How a training sample of hue train-video sees its clip: at a scale and
 * mirrored or not, the same for all of its frames.
 *
 * hue track and hue colorize run the encoder on frames as they are (DAVIS:
 * 480 pixels high), while training crops come from frames scaled to the
 * crop's height plus jitter (272 for 256-pixel crops): without --zoom the
 * encoder learns at one scale and is used at another. With --zoom Z the
 * clips are decoded Z times that high and each sample picks its scale,
 * log-uniform from 1 (the decoded frames' own pixels) to Z (the whole
 * height, as without zoom); its window of side size * scale is cut with
 * area averaging down to size. --hflip mirrors half of the samples. */
#ifndef HUE_VIDEO_VIEW_H
#define HUE_VIDEO_VIEW_H
#include <stddef.h>
#include <stdint.h>

#include "hue_json_writer.h"
#include "hue_rng.h"
#include "hue_video_train.h"
#include "video_clips.h"

typedef struct {
    double scale;   /* decoded frame pixels per crop pixel, >= 1 */
    int mirror;     /* crops mirrored left to right */
} video_view;

/* The height clips are decoded at: zoom * (size + 2 * crop_jitter), rounded. */
int video_frame_height(const hue_video_train_options *o);

/* The hyper-parameters of checkpoint metadata: "zoom" when above 1,
 * "hflip" when on (members of the object being written). */
void video_view_hyperparameters(hue_json_writer *w, const hue_video_train_options *o);

/* A sample's view of clip c. Draws nothing from r when the clip leaves no
 * room to zoom and o->hflip is off, so runs without either draw the
 * samples they drew before these options existed. */
void video_view_draw(const hue_video_train_options *o, const video_clip *c, hue_rng *r, video_view *v);

/* A window's room to move: frame pixels left over on an axis of `extent`
 * pixels by a window of side size * scale with jitter * scale on each side
 * (at least 0, whole pixels). */
int video_view_room(const video_view *v, int extent, int size, int jitter);

/* Scratch space of video_view_crop, sized for the clips of o. */
typedef struct {
    float *rows;              /* the window's frame rows, filtered across */
    float *weights;           /* each crop column's frame pixels' weights */
    int *first, *count;       /* each crop column's frame pixels */
} video_view_work;

int video_view_work_alloc(const hue_video_train_options *o, video_view_work *w);
void video_view_work_free(video_view_work *w);

/* Frame f of c cut to size x size RGB8: the window's top-left corner at
 * (x0, y0) frame pixels, side size * v->scale, each crop pixel the area
 * average of the frame pixels it covers, mirrored when v->mirror. At scale
 * 1 and whole-pixel corners, the frame's pixels exactly. */
void video_view_crop(const video_clip *c, int64_t f, double x0, double y0, const video_view *v, int size,
                     uint8_t *out, video_view_work *work);

#endif
