/* Reading video: any file libavformat/libavcodec can open, a frame folder
 * (DAVIS JPEGImages/480p/<seq>/), a printf pattern (dir/%05d.jpg), a glob
 * pattern (dir/frame_??.jpg, or a star for any name; the matches in
 * natural order: frame_2 before frame_10)
 * or "-", standard input (read whole into memory first, so any container
 * works, an MP4 with its index at the end too). Every frame of a sequence
 * must have the first frame's size.
 * Frames come out in order as packed RGB8 or planar LAB at the native or a
 * requested size; hue_video_seek goes to any frame index exactly. */
#ifndef HUE_VIDEO_H
#define HUE_VIDEO_H
#include <stddef.h>
#include <stdint.h>

typedef struct hue_video hue_video;

enum hue_scale_filter {
    HUE_SCALE_BILINEAR = 0,
    HUE_SCALE_AREA = 1,
};

typedef struct hue_video_options {
    int width, height;  /* output size in display orientation; 0,0 = native */
    int filter;         /* enum hue_scale_filter, used when resizing */
    int threads;        /* decoder threads; 0 = one per core */
    double folder_fps;  /* frame rate given to frame folders; 0 = 24 */
} hue_video_options;

/* Frame sizes above this many pixels (or a side above 32768) are refused
 * when the file is opened, before any frame buffer is allocated. */
#define HUE_VIDEO_MAX_PIXELS (8192LL * 8192LL)

typedef struct hue_video_info {
    int width, height;          /* native size as displayed (after rotation) */
    int out_width, out_height;  /* size of the frames hue_video_read_* gives */
    double fps;                 /* average frame rate */
    int64_t frames;             /* exact number of frames that can be read */
    int64_t header_frames;      /* what the container claims; 0 if it does not say */
    double duration;            /* seconds */
    int rotation;               /* clockwise degrees applied for display: 0/90/180/270 */
    int variable_fps;           /* frame durations differ */
    int is_folder;              /* frame folder or pattern */
    int bit_depth;              /* bits per colour sample of the source */
    char codec[32];
    char pix_fmt[32];
    char color_matrix[32];      /* as libavutil names it; "unknown" when unset */
    char color_range[16];       /* "tv" (limited) or "pc" (full) */
    char container[32];
} hue_video_info;

/* Opens path; opt may be NULL for defaults. Counts the frames (reading the
 * packets, not decoding them) so that info->frames is exact. */
int hue_video_open(hue_video **out, const char *path, const hue_video_options *opt);
/* The same for a video file held in memory (size bytes at data, which must
 * stay valid until hue_video_close); name stands for it in messages.
 * Whatever the bytes name (a playlist's segments, say) is not opened. */
int hue_video_open_memory(hue_video **out, const void *data, size_t size, const char *name,
                          const hue_video_options *opt);
void hue_video_close(hue_video *v);
const hue_video_info *hue_video_get_info(const hue_video *v);

/* Decodes the next frame into rgb (out_width*out_height*3 bytes). Returns 1
 * when a frame was read, 0 after the last one, negative on error. A file
 * that is cut short or has corrupt data gives every frame that could be
 * decoded, then an error (HUE_EFORMAT) saying what was wrong. */
int hue_video_read_rgb(hue_video *v, uint8_t *rgb);
/* Same, as L, a, b planes of out_width*out_height floats each. */
int hue_video_read_lab(hue_video *v, float *L, float *a, float *b);
/* 0, or the problem noticed so far (a file cut short is seen when it is
 * opened; corrupt data when it is decoded), with its message set. */
int hue_video_problem(const hue_video *v);
/* Index of the frame the next read returns. */
int64_t hue_video_position(const hue_video *v);
/* Makes the next read return frame `index` (0-based): seeks to the keyframe
 * before it and decodes forward. */
int hue_video_seek(hue_video *v, int64_t index);

/* Frame folders: turns a folder of numbered images or a printf pattern into
 * a libavformat image2 pattern and its first number, checking that the
 * numbering has no gap. Exposed for the tests and `hue probe`. */
int hue_frame_folder_resolve(const char *path, char *pattern, int pattern_size, int64_t *first, int64_t *count);
/* The file or folder that path reads: path itself, or the folder of a
 * frame pattern (dir/%05d.jpg, written into buf). Tells an output that
 * would land on a command's input. */
const char *hue_video_source(const char *path, char *buf, size_t size);
/* File name of frame `index` under a pattern with one %d or %0Nd (and %%
 * for a literal '%'); anything else in the pattern is refused. */
int hue_pattern_format(const char *pattern, int64_t index, char *out, size_t size);

#endif
