/* The clips a command works through, as users give them (--clips): a
 * folder of videos (its video files, in name order), a text file listing
 * one video per line (relative paths are the list's folder's; blank lines
 * and lines starting with '#' are skipped), or a single video. */
#ifndef HUE_CLIP_LIST_H
#define HUE_CLIP_LIST_H
#include <stddef.h>

typedef struct {
    char **paths;
    int n;
} hue_clip_list;

/* 0 or an error naming src (missing, unreadable, no clip in it). */
int hue_clip_list_read(const char *src, hue_clip_list *out);
void hue_clip_list_free(hue_clip_list *l);
/* A clip's name: its file name without folder and extension
 * ("videos/bear.mp4" -> "bear"), what per-clip outputs are named by. */
void hue_clip_name(const char *path, char *name, size_t size);
/* An error naming both clips when two of the list share a name (their
 * outputs would collide). */
int hue_clip_list_check_names(const hue_clip_list *l);

#endif
