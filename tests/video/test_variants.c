/* Decoding breadth: blackswan.mp4 transcoded here with the ffmpeg tool into
 * other containers, codecs, sizes, bit depths and frame rates. Each must
 * give ffprobe's frame count, the expected size and rate, the same pixels
 * as the ffmpeg tool's own RGB decoding, and exact seeks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_lab.h"
#include "hue_video.h"
#include "test_util.h"

static char tmpdir[256];

typedef struct {
    const char *name;     /* output file name, its extension picks the container */
    const char *args;     /* ffmpeg output options */
    int width, height;
    double fps;
    const char *codec;
    int bit_depth, rotation, vfr;
    double max_vs_source; /* mean abs difference to the source frame allowed */
} variant;

static const variant variants[] = {
    {"vp9.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -crf 30 -b:v 0", 854, 480, 24, "vp9", 8, 0, 0, 4},
    {"mpeg4.avi", "-c:v mpeg4 -q:v 2", 854, 480, 24, "mpeg4", 8, 0, 0, 4},
    {"ffv1.mkv", "-c:v ffv1", 854, 480, 24, "ffv1", 8, 0, 0, 0.01},
    {"odd.mp4", "-vf scale=853:479 -c:v libx264 -preset ultrafast -pix_fmt yuv444p", 853, 479, 24, "h264", 8, 0, 0, -1},
    {"10bit.mp4", "-c:v libx264 -preset ultrafast -pix_fmt yuv420p10le", 854, 480, 24, "h264", 10, 0, 0, 5},
    {"fps12.5.mp4", "-r 12.5 -c:v libx264 -preset ultrafast", 854, 480, 12.5, "h264", 8, 0, 0, -1},
    {"rot.mp4", "-c copy -metadata:s:v rotate=90", 480, 854, 24, "h264", 8, 270, 0, -1},
    {"vfr.mkv", "-vf select='not(eq(mod(n\\,5)\\,2))' -fps_mode vfr -c:v libx264 -preset ultrafast", 854, 480, -1,
     "h264", 8, 0, 1, -1},
    {"bt709full.mp4",
     "-vf scale=out_color_matrix=bt709:out_range=full,format=yuv420p -colorspace bt709 -color_range pc "
     "-c:v libx264 -preset ultrafast -qp 0",
     854, 480, 24, "h264", 8, 0, 0, 1.5},
};

static uint64_t hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static long long ffprobe_frames(const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 '%s'",
             path);
    FILE *p = popen(cmd, "r");
    long long n = -1;
    if (p) {
        if (fscanf(p, "%lld", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static double mad(const uint8_t *a, const uint8_t *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += abs(a[i] - b[i]);
    return s / n;
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hue-test-variants-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    const char *src = test_data("davis2016/videos/blackswan.mp4");
    /* Source frames for content checks. */
    hue_video *v;
    CHECK(hue_video_open(&v, src, NULL) == 0);
    size_t sbytes = 854 * 480 * 3;
    uint8_t *source = malloc(50 * sbytes);
    int ns = 0;
    while (ns < 50 && hue_video_read_rgb(v, source + ns * sbytes) == 1)
        ns++;
    CHECK(ns == 50);
    hue_video_close(v);

    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        const variant *t = &variants[k];
        char path[512], raw[512], cmd[4096];
        snprintf(path, sizeof path, "%s/%s", tmpdir, t->name);
        snprintf(raw, sizeof raw, "%s/ref.rgb", tmpdir);
        snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -i '%s' %s '%s' && ffmpeg -v error -y -i '%s' -fps_mode passthrough -f rawvideo -pix_fmt rgb24 '%s'",
                 src, t->args, path, path, raw);
        if (system(cmd) != 0) {
            CHECKF(0, "%s: ffmpeg failed: %s", t->name, cmd);
            continue;
        }
        long long want = ffprobe_frames(path);
        int r = hue_video_open(&v, path, NULL);
        CHECKF(r == 0, "%s: %s", t->name, hue_error_message());
        if (r)
            continue;
        const hue_video_info *in = hue_video_get_info(v);
        CHECKF(in->frames == want && want > 10, "%s: %lld frames counted, ffprobe decodes %lld", t->name,
               (long long)in->frames, want);
        CHECKF(in->width == t->width && in->height == t->height, "%s: size %dx%d", t->name, in->width, in->height);
        CHECKF(t->fps < 0 || fabs(in->fps - t->fps) < 1e-6, "%s: fps %g", t->name, in->fps);
        CHECKF(!strcmp(in->codec, t->codec) && in->bit_depth == t->bit_depth && in->rotation == t->rotation,
               "%s: codec %s, %d-bit, rotation %d", t->name, in->codec, in->bit_depth, in->rotation);
        CHECKF(in->variable_fps == t->vfr, "%s: variable_fps %d", t->name, in->variable_fps);
        size_t bytes = (size_t)in->width * in->height * 3;
        uint8_t *rgb = malloc(bytes), *ref = malloc(bytes);
        uint64_t *hashes = calloc((size_t)in->frames + 1, sizeof *hashes);
        FILE *f = fopen(raw, "rb");
        int64_t n = 0;
        double worst_ff = 0, worst_src = 0;
        while ((r = hue_video_read_rgb(v, rgb)) == 1) {
            if (n <= in->frames)
                hashes[n] = hash(rgb, bytes);
            if (f && fread(ref, 1, bytes, f) == bytes)
                worst_ff = fmax(worst_ff, mad(rgb, ref, bytes));
            else
                worst_ff = 1e9;
            if (t->max_vs_source >= 0 && n < ns)
                worst_src = fmax(worst_src, mad(rgb, source + n * sbytes, sbytes));
            n++;
        }
        if (f)
            fclose(f);
        CHECKF(r == 0 && n == want, "%s: read %lld frames, ended with %d (%s)", t->name, (long long)n, r,
               r ? hue_error_message() : "");
        /* Same pixels as the ffmpeg tool (up to rounding in 10-bit and 4:4:4 paths). */
        CHECKF(worst_ff < 0.6, "%s: frames differ from ffmpeg's rgb24 by %.3f", t->name, worst_ff);
        CHECKF(t->max_vs_source < 0 || worst_src < t->max_vs_source, "%s: frames differ from the source by %.3f",
               t->name, worst_src);
        printf("%-14s %3lld frames %4dx%-4d %5.2f fps %-6s %2d-bit: vs ffmpeg %.3f, vs source %.3f\n", t->name,
               (long long)n, in->width, in->height, in->fps, in->codec, in->bit_depth, worst_ff, worst_src);
        /* Exact seeks. */
        int64_t targets[] = {n - 1, n / 2, 3, 0, n / 3};
        for (size_t i = 0; i < 5 && n > 5; i++) {
            r = hue_video_seek(v, targets[i]);
            CHECKF(r == 0 && hue_video_read_rgb(v, rgb) == 1 && hash(rgb, bytes) == hashes[targets[i]],
                   "%s: seek to %lld gave another frame (%s)", t->name, (long long)targets[i],
                   r ? hue_error_message() : "");
        }
        /* LAB frames are the reference conversion of the RGB frames (rotation and padding included). */
        size_t px = (size_t)in->width * in->height;
        float *lab = malloc(px * 6 * sizeof(float));
        CHECK(hue_video_seek(v, 0) == 0 && hue_video_read_rgb(v, rgb) == 1);
        CHECK(hue_video_seek(v, 0) == 0 && hue_video_read_lab(v, lab, lab + px, lab + 2 * px) == 1);
        hue_lab_from_rgb8(rgb, px, lab + 3 * px, lab + 4 * px, lab + 5 * px);
        CHECKF(!memcmp(lab, lab + 3 * px, px * 3 * sizeof(float)), "%s: LAB frame differs from LAB of the RGB frame",
               t->name);
        free(lab);
        free(rgb), free(ref), free(hashes);
        hue_video_close(v);
    }
    free(source);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
    return test_finish();
}
