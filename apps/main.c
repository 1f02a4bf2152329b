/* hue: self-supervised learning on video and images, on any Vulkan device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "hue_ctx.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_version.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int computes;  /* takes --backend */
    int groups;    /* runs as a data-parallel group under mpirun (compute/dist) */
} command;

static const command commands[] = {
    {"devices", cmd_devices, "list the backends and Vulkan devices, and the one hue uses", 1, 0},
    {"probe", cmd_probe, "what hue sees in a video, image or frame folder", 0, 0},
    {"overlay", cmd_overlay, "draw segmentation masks over a video's frames", 0, 0},
    {"train-video", cmd_train_video, "learn a video encoder from unlabeled clips: colourisation, a random walk, or both", 1, 1},
    {"colorize", cmd_colorize, "colour a clip from one coloured reference frame", 1, 1},
    {"track", cmd_track, "propagate a first-frame segmentation mask through a clip", 1, 1},
    {"attention", cmd_attention, "show where a point of a frame attends in its context (track's affinity)", 1, 0},
    {"pretrain", cmd_pretrain, "train an image encoder on an image folder: supervised, pretext or contrastive", 1, 1},
    {"bench", cmd_bench, "measure speed: gemm, conv, decode, track, train", 1, 0},
    {"eval", cmd_eval, "evaluate: DAVIS J&F of predicted masks; kNN and linear probes of a checkpoint", 0, 0},
    {"plot", cmd_plot, "draw training curves from JSON-lines logs, as SVG or PNG", 0, 0},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hue <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'hue <command> --help' (or 'hue help <command>') describes each command; 'hue --version'\n"
               "says which hue this is.\n"
               "Commands that compute take --backend auto|vulkan|cpu (default auto, or HUE_BACKEND): Vulkan on a\n"
               "device, or the CPU backend (oneDNN and threaded C, HUE_THREADS threads); and --device N, the\n"
               "Vulkan device to use (as HUE_DEVICE=N; 'hue devices' lists them).\n"
               "Environment: HUE_DEVICE=N picks a device, HUE_VALIDATE=1 turns on the Vulkan validation layer,\n"
               "HUE_PROFILE=1 prints per-op time; HUE_PROFILE=nodes adds every node.\n"
               "Under mpirun -np N (hue built with Open MPI), pretrain and train-video train data-parallel,\n"
               "one rank per process, and track and colorize share out the clips of --clips (see their --help).\n");
}

/* Takes `--FLAG VALUE` (or --FLAG=VALUE) out of argv: 1 with *value set,
 * 0 when absent, 2 when it has no value (after saying so). */
static int take_flag(const char *cmd, const char *flag, int *argc, char **argv, const char **value)
{
    size_t n = strlen(flag);
    for (int i = 1; i < *argc; i++) {
        int used = 0;
        if (!strcmp(argv[i], "--"))
            break;
        if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, flag)) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "hue %s: --%s needs a value; see 'hue %s --help'\n", cmd, flag, cmd);
                return 2;
            }
            *value = argv[i + 1], used = 2;
        } else if (!strncmp(argv[i], "--", 2) && !strncmp(argv[i] + 2, flag, n) && argv[i][2 + n] == '=') {
            *value = argv[i] + 3 + n, used = 1;
        }
        if (!used)
            continue;
        memmove(argv + i, argv + i + used, sizeof *argv * (size_t)(*argc - i - used + 1));
        *argc -= used;
        return 1;
    }
    return 0;
}

/* `--backend NAME` makes NAME the process's backend and `--device N` picks
 * the Vulkan device (as HUE_DEVICE=N), on every command that computes; 2 on
 * a bad value, after saying so. `hue devices` reads its own --device (the
 * device to describe). */
static int take_compute_flags(const char *cmd, int *argc, char **argv)
{
    const char *value;
    int rc;
    while ((rc = take_flag(cmd, "backend", argc, argv, &value)) == 1) {
        int backend;
        if (hue_backend_parse(value, "--backend", &backend)) {
            fprintf(stderr, "hue %s: %s\n", cmd, hue_error_message());
            return 2;
        }
        hue_backend_set_default(backend);
    }
    if (rc || !strcmp(cmd, "devices"))
        return rc;
    while ((rc = take_flag(cmd, "device", argc, argv, &value)) == 1) {
        int device;
        if (hue_flag_int(cmd, "device", value, 0, 1000, &device))
            return 2;
        char text[16];
        snprintf(text, sizeof text, "%d", device);
        setenv("HUE_DEVICE", text, 1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("hue %s (commit %s)\n", hue_version(), hue_commit());
        return 0;
    }
    /* hue help CMD = hue CMD --help */
    char *help_argv[] = {argv[0], argc > 2 ? argv[2] : NULL, "--help", NULL};
    if (!strcmp(argv[1], "help") && argc == 3) {
        argv = help_argv;
        argc = 3;
    } else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            if (commands[i].computes && take_compute_flags(argv[1], &argc, argv))
                return 2;
            /* under mpirun: one rank of a data-parallel group (compute/dist) */
            if (hue_dist_init(&argc, &argv)) {
                fprintf(stderr, "hue %s: %s\n", argv[1], hue_error_message());
                return 1;
            }
            /* every rank would do the same work and write the same files */
            if (hue_dist_size() > 1 && !commands[i].groups) {
                if (hue_dist_rank() == 0)
                    fprintf(stderr, "hue %s: runs in one process: under mpirun only pretrain, train-video, "
                            "and track and colorize with --clips run as a group\n", argv[1]);
                hue_dist_finish();
                return 2;
            }
            int rc = commands[i].run(argc - 1, argv + 1);
            /* with HUE_VALIDATE=1, any validation error fails the command */
            int errors = hue_validation_error_total();
            if (errors) {
                fprintf(stderr, "hue %s: %d Vulkan validation error%s (see above)\n", argv[1], errors,
                        errors == 1 ? "" : "s");
                if (rc == 0)
                    rc = 1;
            }
            /* a rank that failed (its message is out) stops the whole group
             * rather than leave the others waiting in a collective; a usage
             * error (2) is every rank's, from the same command line */
            if (rc && rc != 2 && hue_dist_size() > 1)
                hue_dist_abort(rc);
            hue_dist_finish();
            return rc;
        }
    fprintf(stderr, "hue: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
