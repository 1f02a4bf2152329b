/* Fuzz target: every command's flag parsing (apps/, getopt_long). The
 * input is a command line, one argument per line, the first naming the
 * command ("track", "bench", ...). Only the parsing runs (commands.h's
 * cmd_<name>_parse), so a valid command line does no work; it must answer
 * -1 (would run) or an exit status of 0, 1 or 2, and answer the same when
 * run again. */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const struct {
    const char *name;
    int (*parse)(int argc, char **argv);
} commands[] = {
    {"devices", cmd_devices_parse},   {"probe", cmd_probe_parse},       {"overlay", cmd_overlay_parse},
    {"train-video", cmd_train_video_parse}, {"colorize", cmd_colorize_parse}, {"track", cmd_track_parse},
    {"pretrain", cmd_pretrain_parse}, {"bench", cmd_bench_parse},       {"eval", cmd_eval_parse},
    {"attention", cmd_attention_parse},
    {"plot", cmd_plot_parse},
};

enum { MAX_ARGS = 64 };

/* Splits the input into argv, each argument in its own allocation (so a
 * read past one, or into an earlier input's, is caught); returns argc. */
static int split(const uint8_t *data, size_t size, char **argv)
{
    int argc = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p <= end && argc < MAX_ARGS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (!(argv[argc] = malloc(n + 1)))
            break;
        memcpy(argv[argc], p, n);
        argv[argc++][n] = 0;
        p += n + 1;
    }
    argv[argc] = NULL;
    return argc;
}

static int parse(int argc, char **argv)
{
    for (size_t i = 0; argc > 0 && i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[0], commands[i].name)) {
            opterr = 1; /* as in a fresh process (hue eval davis clears it) */
            return commands[i].parse(argc, argv);
        }
    return -2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Twice, on two copies (getopt reorders argv): a parse depends on its
     * command line alone, not on where the one before it stopped. */
    char *first[MAX_ARGS + 1], *second[MAX_ARGS + 1];
    int argc = split(data, size, first), argc2 = split(data, size, second);
    int rc = parse(argc, first);
    if (rc != -2 && (rc < -1 || rc > 2 || argc2 != argc || parse(argc2, second) != rc))
        abort();
    for (int i = 0; i < argc; i++)
        free(first[i]);
    for (int i = 0; i < argc2; i++)
        free(second[i]);
    return 0;
}
