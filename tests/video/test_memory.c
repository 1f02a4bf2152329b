/* hue_video_open_memory against hue_video_open on the same real file: the
 * same information, frames and seeks, at the native size and resized; an
 * empty buffer is an error, half a file fails the same way from memory as
 * from disk; a list of files in memory cannot make hue open
 * a file it names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_error.h"
#include "hue_video.h"
#include "test_util.h"

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *data = malloc((size_t)n);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* Frame by frame, then at a few seek targets, the two readers agree. */
static void compare(const char *path, const uint8_t *data, size_t size, const hue_video_options *opt)
{
    hue_video *a, *b;
    int ra = hue_video_open(&a, path, opt);
    CHECKF(ra == 0, "open %s: %s", path, hue_error_message());
    int rb = hue_video_open_memory(&b, data, size, path, opt);
    CHECKF(rb == 0, "open %s from memory: %s", path, hue_error_message());
    if (ra || rb) {
        hue_video_close(a), hue_video_close(b);
        return;
    }
    const hue_video_info *ia = hue_video_get_info(a), *ib = hue_video_get_info(b);
    CHECKF(ia->frames == ib->frames && ia->out_width == ib->out_width && ia->out_height == ib->out_height &&
               ia->fps == ib->fps && !strcmp(ia->codec, ib->codec) && !strcmp(ia->container, ib->container),
           "%s: %lld frames %dx%d %g fps %s/%s from the file, %lld frames %dx%d %g fps %s/%s from memory", path,
           (long long)ia->frames, ia->out_width, ia->out_height, ia->fps, ia->codec, ia->container,
           (long long)ib->frames, ib->out_width, ib->out_height, ib->fps, ib->codec, ib->container);
    size_t bytes = (size_t)ia->out_width * ia->out_height * 3;
    uint8_t *fa = malloc(bytes), *fb = malloc(bytes);
    int64_t n = 0, differ = 0;
    for (;;) {
        ra = hue_video_read_rgb(a, fa);
        rb = hue_video_read_rgb(b, fb);
        if (ra != 1 || rb != 1)
            break;
        differ += memcmp(fa, fb, bytes) != 0;
        n++;
    }
    CHECKF(ra == 0 && rb == 0 && n == ia->frames && differ == 0, "%s: %lld frames read, %lld differ, ends %d/%d",
           path, (long long)n, (long long)differ, ra, rb);
    int64_t targets[] = {ia->frames / 2, 0, ia->frames - 1, 3};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        int sa = hue_video_seek(a, targets[i]), sb = hue_video_seek(b, targets[i]);
        CHECKF(sa == 0 && sb == 0, "%s: seek to %lld: %d/%d", path, (long long)targets[i], sa, sb);
        CHECKF(hue_video_read_rgb(a, fa) == 1 && hue_video_read_rgb(b, fb) == 1 && !memcmp(fa, fb, bytes),
               "%s: frame %lld after seeking differs", path, (long long)targets[i]);
    }
    free(fa), free(fb);
    hue_video_close(a);
    hue_video_close(b);
}

/* Opens a video and reads it to its end: the frames read before the end
 * and how it ended (0: the end, < 0: an error; an open that fails counts
 * no frames). */
typedef struct {
    int open, end;
    int64_t frames;
} read_outcome;

static read_outcome read_through(hue_video *v, int open)
{
    read_outcome o = {.open = open};
    if (open)
        return o;
    const hue_video_info *info = hue_video_get_info(v);
    uint8_t *frame = malloc((size_t)info->out_width * info->out_height * 3);
    while ((o.end = hue_video_read_rgb(v, frame)) == 1)
        o.frames++;
    free(frame);
    hue_video_close(v);
    return o;
}

/* The first half of a file, on disk and in memory: the same frames, then
 * the same error (or the same refusal to open). */
static void same_damage(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/hue-test-memory-XXXXXX";
    int fd = mkstemp(path);
    CHECKF(fd >= 0, "cannot make a temporary file");
    if (fd < 0)
        return;
    CHECK(write(fd, data, size) == (ssize_t)size);
    close(fd);
    hue_video *v;
    int r = hue_video_open(&v, path, NULL);
    read_outcome from_file = read_through(v, r);
    r = hue_video_open_memory(&v, data, size, path, NULL);
    read_outcome from_memory = read_through(v, r);
    unlink(path);
    CHECKF(from_file.open == from_memory.open && from_file.end == from_memory.end &&
               from_file.frames == from_memory.frames,
           "half a file: open %d, %lld frames, end %d from the file; open %d, %lld frames, end %d from memory",
           from_file.open, (long long)from_file.frames, from_file.end, from_memory.open,
           (long long)from_memory.frames, from_memory.end);
    CHECKF(from_file.open < 0 || from_file.end < 0, "half a file read to its end without an error");
}

int main(void)
{
    const char *path = test_data("davis2016/videos/car-shadow.mp4");
    size_t size;
    uint8_t *data = read_file(path, &size);
    CHECKF(data, "cannot read %s", path);
    if (!data)
        return test_finish();
    compare(path, data, size, NULL);
    hue_video_options small = {.width = 214, .height = 120, .threads = 1};
    compare(path, data, size, &small);

    /* Cut short: the memory reader sees the same damage as the file reader. */
    same_damage(data, size / 2);
    hue_video *v;
    int r = hue_video_open_memory(&v, data, 0, "empty.mp4", NULL);
    CHECKF(r == HUE_EFORMAT && strstr(hue_error_message(), "empty.mp4"), "empty buffer: %d %s", r,
           hue_error_message());
    free(data);

    /* A concat list naming a real file: from memory that file must not be
     * opened (FFmpeg's concat demuxer would open it, relative to the
     * working folder). */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    CHECK(chdir(dir) == 0);
    const char *list = "ffconcat version 1.0\nfile car-shadow.mp4\n";
    r = hue_video_open_memory(&v, list, strlen(list), "list.ffconcat", NULL);
    CHECKF(r < 0, "a concat list in memory opened the file it names");
    if (r == 0)
        hue_video_close(v);
    return test_finish();
}
