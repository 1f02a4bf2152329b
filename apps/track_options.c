#include "track_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_model_io.h"
#include "hue_video_train.h"


int hue_track_option(int c, const char *arg, const char *cmd, hue_tracker_options *o)
{
    char *end;
    if (c == TRACK_OPT_TEMPERATURE) {
        double t = strtod(arg, &end);
        if (!*arg || *end || hue_temperature_check(t, "--temperature")) {
            fprintf(stderr, "hue %s: %s\n", cmd,
                    !*arg || *end ? "--temperature: expected a number in (0, 100]" : hue_error_message());
            return 1;
        }
        o->temperature = (float)t;
        return 0;
    }
    static const struct {
        int c;
        const char *flag;
        long lo, hi;
    } ints[] = {{TRACK_OPT_CONTEXT, "context", 1, 100}, {TRACK_OPT_TOPK, "topk", 1, 64},
                {TRACK_OPT_RADIUS, "radius", 1, 64}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (ints[i].c != c)
            continue;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < ints[i].lo || v > ints[i].hi) {
            fprintf(stderr, "hue %s: --%s %s: expected an integer from %ld to %ld\n", cmd, ints[i].flag, arg,
                    ints[i].lo, ints[i].hi);
            return 1;
        }
        if (c == TRACK_OPT_CONTEXT)
            o->context = (int)v;
        else if (c == TRACK_OPT_TOPK)
            o->topk = (int)v;
        else
            o->radius = (int)v;
        return 0;
    }
    return -1;
}

int hue_track_features(const char *features, const char *model, const char *cmd, hue_tracker_options *o)
{
    if (!features && !model) {
        fprintf(stderr, "hue %s: give --model CKPT or --features lab|random\n", cmd);
        return 2;
    }
    if (!features) {
        o->features = HUE_FEATURES_MODEL;
        o->model = model;
        return 0;
    }
    if (strcmp(features, "lab") == 0) {
        if (model) {
            fprintf(stderr, "hue %s: --features lab takes no --model\n", cmd);
            return 2;
        }
        o->features = HUE_FEATURES_LAB;
        return 0;
    }
    if (strcmp(features, "random") == 0) {
        o->features = HUE_FEATURES_RANDOM;
        o->arch = hue_video_train_defaults().arch;
        if (model) {
            /* the model's own architecture, untrained */
            if (hue_resnet_arch_read(model, &o->arch)) {
                fprintf(stderr, "hue %s: %s\n", cmd, hue_error_message());
                return 1;
            }
        }
        return 0;
    }
    fprintf(stderr, "hue %s: --features %s: expected lab or random\n", cmd, features);
    return 2;
}
