/* Writer: FFV1/MKV round trips exactly, H.264/MP4 keeps frame count, rate
 * and timestamps, odd sizes kept in every format (WebM, GIF, Y4M too),
 * images round trip, overwrite rules, overlays. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_error.h"
#include "hue_mask.h"
#include "hue_overlay.h"
#include "hue_video.h"
#include "hue_writer.h"
#include "test_util.h"

enum { W = 854, H = 480, N = 30 };
static char tmpdir[256];

static double mad(const uint8_t *a, const uint8_t *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += abs(a[i] - b[i]);
    return s / n;
}

/* Reads back path; checks count, size, fps; returns worst MAD against frames. */
static double read_back(const char *path, const uint8_t *frames, int n, int w, int h, double fps, const char *codec)
{
    hue_video *v;
    int r = hue_video_open(&v, path, NULL);
    CHECKF(r == 0, "%s: %s", path, hue_error_message());
    if (r)
        return 1e9;
    const hue_video_info *in = hue_video_get_info(v);
    CHECKF(in->frames == n && in->width == w && in->height == h, "%s: %lld frames %dx%d", path, (long long)in->frames,
           in->width, in->height);
    CHECKF(fabs(in->fps - fps) < 1e-6 && !in->variable_fps, "%s: fps %g variable %d", path, in->fps, in->variable_fps);
    CHECKF(fabs(in->duration - n / fps) < 1e-6, "%s: duration %g", path, in->duration);
    CHECKF(!strcmp(in->codec, codec), "%s: codec %s", path, in->codec);
    uint8_t *rgb = malloc((size_t)w * h * 3), *crop = malloc((size_t)w * h * 3);
    double worst = 0;
    int k = 0;
    while (k < n && hue_video_read_rgb(v, rgb) == 1) {
        for (int y = 0; y < h; y++) /* the source may be wider (crop to even sizes) */
            memcpy(crop + (size_t)y * w * 3, frames + ((size_t)k * W * H + (size_t)y * W) * 3, (size_t)w * 3);
        worst = fmax(worst, mad(rgb, crop, (size_t)w * h * 3));
        k++;
    }
    CHECK(k == n && hue_video_read_rgb(v, rgb) == 0);
    free(rgb), free(crop);
    hue_video_close(v);
    return worst;
}

static int leftovers(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".hue-") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void write_all(hue_writer *w, const uint8_t *frames, int n)
{
    for (int i = 0; i < n; i++)
        CHECKF(hue_writer_write_rgb(w, frames + (size_t)i * W * H * 3) == 0, "write frame %d: %s", i, hue_error_message());
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hue-test-writer-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    uint8_t *frames = malloc((size_t)N * W * H * 3);
    hue_video *v;
    CHECK(hue_video_open(&v, test_data("davis2016/videos/blackswan.mp4"), NULL) == 0);
    for (int i = 0; i < N; i++)
        CHECK(hue_video_read_rgb(v, frames + (size_t)i * W * H * 3) == 1);
    hue_video_close(v);

    char path[512];
    hue_writer *w;
    /* FFV1 in MKV, as when libx264 is missing: exact. */
    hue_writer_options lossless = {.fps = 24, .no_x264 = 1};
    CHECK(!strcmp(hue_writer_default_extension(&lossless), "mkv"));
    CHECK(!strcmp(hue_writer_default_extension(NULL), "mp4")); /* this FFmpeg has libx264 */
    snprintf(path, sizeof path, "%s/lossless.mp4", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, &lossless) == HUE_ENOTSUP && strstr(hue_error_message(), ".mkv"));
    snprintf(path, sizeof path, "%s/lossless.mkv", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, &lossless) == 0 && !strcmp(hue_writer_codec(w), "ffv1"));
    write_all(w, frames, N);
    CHECK(hue_writer_close(w) == 0);
    double e = read_back(path, frames, N, W, H, 24, "ffv1");
    printf("FFV1/MKV round trip: mean abs difference %.4f\n", e);
    CHECK(e == 0);

    /* H.264 in MP4 at 12.5 fps: count, rate, duration, timestamps. */
    hue_writer_options h264 = {.fps = 12.5};
    snprintf(path, sizeof path, "%s/h264.mp4", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, &h264) == 0 && !strcmp(hue_writer_codec(w), "h264"));
    write_all(w, frames, N);
    CHECK(hue_writer_close(w) == 0);
    e = read_back(path, frames, N, W, H, 12.5, "h264");
    printf("H.264/MP4 (CRF 18, 4:2:0) round trip: mean abs difference %.3f\n", e);
    CHECK(e < 3.5);
    /* Odd sizes keep every row and column: H.264 in 4:4:4, with a note; and
     * the other formats at the same odd size. */
    snprintf(path, sizeof path, "%s/odd.mp4", tmpdir);
    uint8_t *odd = malloc((size_t)N * 853 * 479 * 3);
    for (int i = 0; i < 5; i++)
        for (int y = 0; y < 479; y++)
            memcpy(odd + ((size_t)i * 853 * 479 + (size_t)y * 853) * 3, frames + ((size_t)i * W * H + (size_t)y * W) * 3,
                   853 * 3);
    CHECK(hue_writer_open(&w, path, 853, 479, NULL) == 0);
    CHECK(hue_writer_note(w) && strstr(hue_writer_note(w), "4:4:4"));
    for (int i = 0; i < 5; i++)
        CHECK(hue_writer_write_rgb(w, odd + (size_t)i * 853 * 479 * 3) == 0);
    CHECK(hue_writer_close(w) == 0);
    CHECK(read_back(path, frames, 5, 853, 479, 24, "h264") < 3.5);
    static const struct {
        const char *ext, *codec;
        double tolerance;
    } kinds[] = {{"webm", "vp9", 8}, {"gif", "gif", 40}, {"y4m", "rawvideo", 1.5}};
    hue_writer_options at25 = {.fps = 25}; /* GIF's delays are in 1/100 s: 24 fps would not come back exactly */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        snprintf(path, sizeof path, "%s/odd.%s", tmpdir, kinds[k].ext);
        CHECKF(hue_writer_open(&w, path, 853, 479, &at25) == 0, "%s: %s", path, hue_error_message());
        CHECK(!strcmp(hue_writer_codec(w), kinds[k].codec) && !hue_writer_note(w));
        for (int i = 0; i < 5; i++)
            CHECK(hue_writer_write_rgb(w, odd + (size_t)i * 853 * 479 * 3) == 0);
        CHECK(hue_writer_close(w) == 0);
        e = read_back(path, frames, 5, 853, 479, 25, kinds[k].codec);
        printf(".%s (%s) at 853x479: mean abs difference %.3f\n", kinds[k].ext, kinds[k].codec, e);
        CHECK(e < kinds[k].tolerance);
    }
    free(odd);
    /* "-" needs a format; a format is only for "-" */
    hue_writer_options piped = {.format = "avi"};
    CHECK(hue_writer_open(&w, "-", W, H, NULL) == HUE_EINVAL && strstr(hue_error_message(), "--format"));
    CHECK(hue_writer_open(&w, "-", W, H, &piped) == HUE_EINVAL && strstr(hue_error_message(), "pipe"));
    snprintf(path, sizeof path, "%s/formatted.mp4", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, &piped) == HUE_EINVAL && strstr(hue_error_message(), "--format"));

    /* Overwrite rules; an aborted file leaves nothing behind. */
    snprintf(path, sizeof path, "%s/h264.mp4", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, NULL) == HUE_EEXIST && strstr(hue_error_message(), "--force"));
    hue_writer_options force = {.force = 1, .fps = 24};
    CHECK(hue_writer_open(&w, path, W, H, &force) == 0);
    write_all(w, frames, 3);
    hue_writer_abort(w);
    CHECK(read_back(path, frames, N, W, H, 12.5, "h264") < 3.5); /* the old file is intact */
    snprintf(path, sizeof path, "%s/aborted.mkv", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, NULL) == 0);
    write_all(w, frames, 2);
    hue_writer_abort(w);
    CHECK(access(path, F_OK) != 0 && leftovers() == 0);
    snprintf(path, sizeof path, "%s/none/x.mp4", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, NULL) == HUE_EIO && strstr(hue_error_message(), "does not exist"));
    snprintf(path, sizeof path, "%s/x.ogv", tmpdir);
    CHECK(hue_writer_open(&w, path, W, H, NULL) == HUE_EINVAL && strstr(hue_error_message(), ".ogv"));

    /* Images. */
    snprintf(path, sizeof path, "%s/frame.png", tmpdir);
    CHECK(hue_image_write_rgb(path, frames, W, H, 0, 0) == 0);
    CHECK(read_back(path, frames, 1, W, H, 24, "png") == 0);
    CHECK(hue_image_write_rgb(path, frames, W, H, 0, 0) == HUE_EEXIST);
    snprintf(path, sizeof path, "%s/frame.jpg", tmpdir);
    CHECK(hue_image_write_rgb(path, frames, W, H, 95, 0) == 0);
    e = read_back(path, frames, 1, W, H, 24, "mjpeg");
    printf("JPEG (quality 95) round trip: mean abs difference %.3f\n", e);
    CHECK(e < 2.5);
    CHECK(leftovers() == 0);

    /* Overlay: blend inside, palette colour on the outline, nothing outside. */
    uint8_t img[8 * 6 * 3];
    memset(img, 100, sizeof img);
    hue_mask m;
    CHECK(hue_mask_create(&m, 8, 6) == 0);
    for (int y = 1; y < 5; y++)
        for (int x = 2; x < 6; x++)
            m.ids[y * 8 + x] = 1;
    m.max_id = 1;
    CHECK(hue_overlay_draw(img, 8, 6, &m, 0.5f) == 0);
    const uint8_t *inside = img + 3 * (2 * 8 + 3), *edge = img + 3 * (1 * 8 + 2), *out = img;
    CHECKF(inside[0] == 114 && inside[1] == 50 && inside[2] == 50, "inside %d %d %d", inside[0], inside[1], inside[2]);
    CHECK(edge[0] == 128 && edge[1] == 0 && edge[2] == 0);
    CHECK(out[0] == 100 && out[1] == 100 && out[2] == 100);
    CHECK(hue_overlay_draw(img, 7, 6, &m, 0.5f) == HUE_EINVAL && strstr(hue_error_message(), "8x6"));
    hue_mask_free(&m);

    free(frames);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
    return test_finish();
}
