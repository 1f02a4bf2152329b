/* Helpers shared by the files of video/; not part of its public API. */
#ifndef HUE_VIDEO_INTERNAL_H
#define HUE_VIDEO_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

/* Rotates packed RGB8 (w x h, rows `stride` bytes apart) clockwise by 90,
 * 180 or 270 degrees into dst (packed). */
void hue_rotate_rgb8(const uint8_t *src, int stride, int w, int h, int degrees, uint8_t *dst);

/* A helper thread that runs part 1 of fn while the caller runs part 0. */
typedef struct hue_split hue_split;
hue_split *hue_split_create(void); /* NULL when no thread could be started */
void hue_split_run(hue_split *s, void (*fn)(void *arg, int part), void *arg);
void hue_split_destroy(hue_split *s);

/* Routes FFmpeg's log (once per process); hue_av_last_log holds this
 * thread's last FFmpeg error line, cleared by the caller before a call. */
void hue_av_log_init(void);
extern _Thread_local char hue_av_last_log[256];

/* Counts a decoder's logged errors (it reports concealed damage only in
 * its log): set the watch as the codec context's opaque pointer. */
typedef struct hue_av_watch hue_av_watch;
hue_av_watch *hue_av_watch_create(void);
void hue_av_watch_destroy(hue_av_watch *w);
/* Messages so far; the first one is copied into message. */
int hue_av_watch_errors(hue_av_watch *w, char *message, size_t size);

/* A seekable AVIOContext reading size bytes at data (which must outlive
 * it); NULL when out of memory. Freed, with its buffer, by
 * hue_avio_memory_free (NULL is fine). */
struct AVIOContext;
struct AVIOContext *hue_avio_memory(const uint8_t *data, size_t size);
void hue_avio_memory_free(struct AVIOContext **pb);

/* A glob pattern's matches (dir/frame_??.png), naturally sorted, one extension
 * and (for PNG and JPEG, read from their headers) one size, linked as
 * 000000.EXT, 000001.EXT, ... in a private temporary folder that image2
 * reads through `pattern`. */
typedef struct hue_frame_glob {
    char **paths;     /* absolute paths of the matches, in order */
    size_t n;
    char ext[16];
    char dir[4096];   /* the temporary folder; "" when none */
    char pattern[4200];
} hue_frame_glob;
/* Whether path holds glob characters (*, ?, [). */
int hue_is_glob(const char *path);
int hue_natural_cmp(const char *a, const char *b);
/* An error naming the pattern when nothing matches, or the first file of
 * another extension or size. */
int hue_frame_glob_open(const char *pattern, hue_frame_glob *g);
/* Removes the links and the folder; g may be zeroed. */
void hue_frame_glob_free(hue_frame_glob *g);

/* Everything standard input holds, read once per process and kept (every
 * opening of "-" reads the same bytes); an error when it is a terminal,
 * empty, or larger than HUE_STDIN_MAX. */
#define HUE_STDIN_MAX (2LL << 30)
int hue_stdin_bytes(const uint8_t **data, size_t *size);

#endif
