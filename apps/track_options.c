#include "track_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "hue_error.h"
#include "hue_model_io.h"
#include "hue_video_train.h"


int hue_track_option(int c, const char *arg, const char *cmd, hue_tracker_options *o)
{
    double t;
    switch (c) {
    case TRACK_OPT_CONTEXT: return hue_flag_int(cmd, "context", arg, 1, 100, &o->context);
    case TRACK_OPT_TOPK: return hue_flag_int(cmd, "topk", arg, 1, 64, &o->topk);
    case TRACK_OPT_RADIUS: return hue_flag_int(cmd, "radius", arg, 1, 64, &o->radius);
    case TRACK_OPT_TEMPERATURE:
        if (hue_flag_number(cmd, "temperature", arg, 0, 100, 1, &t))
            return 2;
        if (hue_temperature_check(t, "--temperature")) {
            fprintf(stderr, "hue %s: %s\n", cmd, hue_error_message());
            return 2;
        }
        o->temperature = (float)t;
        return 0;
    default: return 2;
    }
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
