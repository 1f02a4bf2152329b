/* Fuzz target: --resume reading the flags a checkpoint keeps
 * (apps/resume_flags.c) for train-video and pretrain, up to the run they
 * would start (commands.h's cmd_<name>_resume_parse: nothing runs). A
 * checkpoint is untrusted input; its metadata "flags" is the fuzzed part.
 *
 * Input: byte 0 picks the command (bit 0: train-video or pretrain) and
 * whether the user gives the input folder again (bit 1, so the run gets
 * past "not there" to the parse and the comparison of flags); the rest is
 * the flags text, stored in a checkpoint without tensors. The answer must
 * be -1 (would run) or an exit status 0, 1 or 2, and the same when asked
 * again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fuzz_file.h"
#include "hue_json_writer.h"

/* The checkpoint's bytes: the header's length, then the header. */
static uint8_t *checkpoint(const char *flags, size_t *size)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "__metadata__");
    hue_jw_object(&w);
    hue_jw_key(&w, "flags");
    hue_jw_string(&w, flags);
    hue_jw_end(&w);
    hue_jw_end(&w);
    const char *text = hue_json_writer_text(&w);
    uint8_t *bytes = NULL;
    if (text) {
        uint64_t n = strlen(text);
        if ((bytes = malloc(8 + n))) {
            for (int i = 0; i < 8; i++)
                bytes[i] = (uint8_t)(n >> (8 * i));
            memcpy(bytes + 8, text, n);
            *size = 8 + n;
        }
    }
    hue_json_writer_free(&w);
    return bytes;
}

static int ask(int video, int again, const char *path)
{
    char *argv[8];
    int argc = 0;
    argv[argc++] = strdup(video ? "train-video" : "pretrain");
    argv[argc++] = strdup("--resume");
    argv[argc++] = strdup(path);
    if (again) {
        argv[argc++] = strdup(video ? "--clips" : "--data");
        argv[argc++] = strdup("/nonexistent/hue-fuzz-input");
    }
    argv[argc] = NULL;
    for (int i = 0; i < argc; i++)
        if (!argv[i])
            abort();
    int rc = video ? cmd_train_video_resume_parse(argc, argv) : cmd_pretrain_resume_parse(argc, argv);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *flags = malloc(size);
    if (!flags)
        return 0;
    memcpy(flags, data + 1, size - 1);
    flags[size - 1] = 0;
    size_t n;
    uint8_t *bytes = checkpoint(flags, &n);
    free(flags);
    if (!bytes)
        return 0;
    char path[64];
    int fd = fuzz_file(bytes, n, path, sizeof path);
    free(bytes);
    if (fd < 0)
        return 0;
    int video = data[0] & 1, again = (data[0] >> 1) & 1;
    int rc = ask(video, again, path);
    if (rc < -1 || rc > 2 || ask(video, again, path) != rc)
        abort();
    close(fd);
    return 0;
}
