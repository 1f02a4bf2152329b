/* The propagation flags hue track, hue colorize and hue attention share. */
#ifndef HUE_TRACK_OPTIONS_H
#define HUE_TRACK_OPTIONS_H
#include "hue_track.h"

#define TRACK_OPTIONS_HELP                                                                     \
    "  --context N          context frames besides frame 0 (default 20; a shorter clip uses the\n"  \
    "                       frames it has, and says so)\n"                                          \
    "  --topk K             affinities kept per position (default 10)\n"                        \
    "  --radius R           window radius in feature cells for the context frames (default 12)\n" \
    "  --temperature T      softmax temperature (default 0.05)\n"

enum { TRACK_OPT_CONTEXT = 1000, TRACK_OPT_TOPK, TRACK_OPT_RADIUS, TRACK_OPT_TEMPERATURE };

#define TRACK_OPTIONS_LONG                                                                       \
    {"context", required_argument, 0, TRACK_OPT_CONTEXT}, {"topk", required_argument, 0, TRACK_OPT_TOPK}, \
        {"radius", required_argument, 0, TRACK_OPT_RADIUS},                                      \
        {"temperature", required_argument, 0, TRACK_OPT_TEMPERATURE}

/* Applies one of the shared flags: 0 done, 2 a bad value or not a shared
 * flag (the message printed: an unknown option was reported by
 * hue_flags_next). */
int hue_track_option(int c, const char *arg, const char *cmd, hue_tracker_options *o);
/* --model / --features: 0, or 2 with a usage message. */
int hue_track_features(const char *features, const char *model, const char *cmd, hue_tracker_options *o);

#endif
