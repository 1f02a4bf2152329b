/* hue: self-supervised learning on video and images, on any Vulkan device. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hue_ctx.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"devices", cmd_devices, "list Vulkan devices and the one hue uses"},
    {"probe", cmd_probe, "what hue sees in a video, image or frame folder"},
    {"overlay", cmd_overlay, "draw segmentation masks over a video's frames"},
    {"train-video", cmd_train_video, "learn a video encoder by colourising frames from reference frames"},
    {"colorize", cmd_colorize, "colour a clip from one coloured reference frame"},
    {"track", cmd_track, "propagate a first-frame segmentation mask through a clip"},
    {"pretrain", cmd_pretrain, "train an image encoder on an image folder (supervised baseline)"},
    {"bench", cmd_bench, "measure speed: gemm, conv, decode, track"},
    {"eval", cmd_eval, "evaluate results: DAVIS J&F of predicted masks"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hue <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'hue <command> --help' describes each command.\n"
               "Environment: HUE_DEVICE=N picks a device, HUE_VALIDATE=1 turns on the Vulkan validation layer,\n"
               "HUE_PROFILE=1 prints per-op device time; HUE_PROFILE=nodes adds every node.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            int rc = commands[i].run(argc - 1, argv + 1);
            /* with HUE_VALIDATE=1, any validation error fails the command */
            int errors = hue_validation_error_total();
            if (errors) {
                fprintf(stderr, "hue %s: %d Vulkan validation error%s (see above)\n", argv[1], errors,
                        errors == 1 ? "" : "s");
                if (rc == 0)
                    rc = 1;
            }
            return rc;
        }
    fprintf(stderr, "hue: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
