/* The reader on real data: the blackswan frame folder against its MP4,
 * exact seeking, LAB frames, resizing, and the reader's bad-argument paths. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_lab.h"
#include "hue_video.h"
#include "test_util.h"

static uint64_t hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Reads every frame of path (native size); returns count, hashes in out. */
static int64_t read_all(const char *path, uint64_t *hashes, int64_t cap, uint8_t **first_frames, int keep)
{
    hue_video *v;
    int r = hue_video_open(&v, path, NULL);
    CHECKF(r == 0, "open %s: %s", path, hue_error_message());
    if (r)
        return -1;
    const hue_video_info *in = hue_video_get_info(v);
    size_t bytes = (size_t)in->out_width * in->out_height * 3;
    uint8_t *rgb = malloc(bytes);
    int64_t n = 0;
    while ((r = hue_video_read_rgb(v, rgb)) == 1) {
        if (n < cap)
            hashes[n] = hash(rgb, bytes);
        if (n < keep) {
            first_frames[n] = malloc(bytes);
            memcpy(first_frames[n], rgb, bytes);
        }
        n++;
    }
    CHECKF(r == 0, "reading %s ended with %d: %s", path, r, hue_error_message());
    CHECKF(n == in->frames, "%s: read %lld frames, info says %lld", path, (long long)n, (long long)in->frames);
    CHECK(hue_video_read_rgb(v, rgb) == 0); /* stays at the end */
    free(rgb);
    hue_video_close(v);
    return n;
}

static void check_seek(const char *path, const uint64_t *hashes, int64_t n)
{
    hue_video *v;
    if (hue_video_open(&v, path, NULL)) {
        CHECKF(0, "open %s: %s", path, hue_error_message());
        return;
    }
    const hue_video_info *in = hue_video_get_info(v);
    size_t bytes = (size_t)in->out_width * in->out_height * 3;
    uint8_t *rgb = malloc(bytes);
    int64_t targets[] = {n - 1, 0, n / 2, 13, n - 2, 1, 1, 37 % n};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        int64_t t = targets[i];
        int r = hue_video_seek(v, t);
        CHECKF(r == 0, "%s: seek %lld: %s", path, (long long)t, hue_error_message());
        CHECK(hue_video_position(v) == t);
        r = hue_video_read_rgb(v, rgb);
        CHECKF(r == 1 && hash(rgb, bytes) == hashes[t], "%s: frame after seeking to %lld differs from sequential read",
               path, (long long)t);
        /* and reading on continues in order */
        if (t + 1 < n) {
            r = hue_video_read_rgb(v, rgb);
            CHECKF(r == 1 && hash(rgb, bytes) == hashes[t + 1], "%s: frame after %lld (post-seek) differs", path,
                   (long long)t);
        }
    }
    CHECK(hue_video_seek(v, n) == HUE_EINVAL);
    CHECK(hue_video_seek(v, -1) == HUE_EINVAL);
    CHECK(strstr(hue_error_message(), "out of range") != NULL);
    free(rgb);
    hue_video_close(v);
}

int main(void)
{
    const char *mp4 = test_data("davis2016/videos/blackswan.mp4");
    const char *folder = test_data("davis2016/JPEGImages/480p/blackswan");
    const char *bear = test_data("davis2016/videos/bear.mp4");

    /* Info. */
    hue_video *v;
    CHECK(hue_video_open(&v, mp4, NULL) == 0);
    const hue_video_info *in = hue_video_get_info(v);
    CHECK(in->width == 854 && in->height == 480 && in->frames == 50 && fabs(in->fps - 24) < 1e-9);
    CHECK(!strcmp(in->codec, "h264") && !strcmp(in->pix_fmt, "yuv420p") && in->bit_depth == 8);
    CHECK(in->rotation == 0 && !in->variable_fps && !in->is_folder && fabs(in->duration - 50 / 24.0) < 1e-6);
    hue_video_close(v);

    /* The folder and the MP4 show the same frames (the MP4 is a CRF 18
     * re-encoding of those JPEGs). */
    enum { MAXF = 128 };
    static uint64_t h_mp4[MAXF], h_dir[MAXF];
    uint8_t *f_mp4[50] = {0}, *f_dir[50] = {0};
    int64_t n_mp4 = read_all(mp4, h_mp4, MAXF, f_mp4, 50);
    int64_t n_dir = read_all(folder, h_dir, MAXF, f_dir, 50);
    CHECK(n_mp4 == 50 && n_dir == 50);
    double worst = 0, total = 0;
    for (int i = 0; i < 50 && f_mp4[i] && f_dir[i]; i++) {
        double s = 0;
        for (size_t k = 0; k < 854 * 480 * 3; k++)
            s += abs(f_mp4[i][k] - f_dir[i][k]);
        s /= 854 * 480 * 3;
        worst = fmax(worst, s);
        total += s;
        /* Frames are matched by index, not merely similar: a neighbour differs more. */
        if (i > 0) {
            double off = 0;
            for (size_t k = 0; k < 854 * 480 * 3; k++)
                off += abs(f_mp4[i][k] - f_dir[i - 1][k]);
            CHECKF(off / (854 * 480 * 3) > s, "frame %d of the MP4 is closer to folder frame %d", i, i - 1);
        }
    }
    printf("blackswan folder vs mp4: mean absolute difference %.3f per 8-bit sample (worst frame %.3f)\n", total / 50,
           worst);
    CHECKF(worst < 3.0, "blackswan folder and mp4 differ by %.3f per sample", worst);

    /* A printf pattern reads the same frames as the folder. */
    char pattern[2048];
    snprintf(pattern, sizeof pattern, "%s/%%05d.jpg", folder);
    static uint64_t h_pat[MAXF];
    CHECK(read_all(pattern, h_pat, MAXF, NULL, 0) == 50);
    CHECK(!memcmp(h_pat, h_dir, sizeof h_dir));

    /* Exact seeking: H.264 with B-frames, and a frame folder. */
    static uint64_t h_bear[MAXF];
    int64_t n_bear = read_all(bear, h_bear, MAXF, NULL, 0);
    CHECK(n_bear == 82);
    check_seek(bear, h_bear, n_bear);
    check_seek(folder, h_dir, n_dir);

    /* LAB frames are the reference conversion of the RGB frames. */
    CHECK(hue_video_open(&v, mp4, NULL) == 0);
    size_t px = 854 * 480;
    float *L = malloc(px * sizeof(float)), *A = malloc(px * sizeof(float)), *B = malloc(px * sizeof(float));
    float *L2 = malloc(px * sizeof(float)), *A2 = malloc(px * sizeof(float)), *B2 = malloc(px * sizeof(float));
    CHECK(hue_video_read_lab(v, L, A, B) == 1);
    hue_lab_from_rgb8(f_mp4[0], px, L2, A2, B2);
    CHECK(!memcmp(L, L2, px * sizeof(float)) && !memcmp(A, A2, px * sizeof(float)) && !memcmp(B, B2, px * sizeof(float)));
    float lmin = 1e9f, lmax = -1e9f;
    for (size_t i = 0; i < px; i++)
        lmin = fminf(lmin, L[i]), lmax = fmaxf(lmax, L[i]);
    CHECK(lmin >= 0 && lmax <= 100.001f && lmax > lmin);
    hue_video_close(v);

    /* Requested sizes, both filters: the mean colour stays that of the frame. */
    for (int filter = 0; filter < 2; filter++) {
        hue_video_options opt = {.width = 214, .height = 120, .filter = filter};
        CHECK(hue_video_open(&v, mp4, &opt) == 0);
        in = hue_video_get_info(v);
        CHECK(in->out_width == 214 && in->out_height == 120 && in->width == 854);
        uint8_t *small = malloc(214 * 120 * 3);
        CHECK(hue_video_read_rgb(v, small) == 1);
        double m_small[3] = {0}, m_full[3] = {0};
        for (size_t i = 0; i < 214 * 120; i++)
            for (int c = 0; c < 3; c++)
                m_small[c] += small[3 * i + c] / (214.0 * 120);
        for (size_t i = 0; i < px; i++)
            for (int c = 0; c < 3; c++)
                m_full[c] += f_mp4[0][3 * i + c] / (double)px;
        for (int c = 0; c < 3; c++)
            CHECKF(fabs(m_small[c] - m_full[c]) < 1.5, "filter %d channel %d: mean %.2f resized vs %.2f native", filter,
                   c, m_small[c], m_full[c]);
        free(small);
        hue_video_close(v);
    }
    /* One side given: the other keeps the aspect ratio. */
    hue_video_options half = {.width = 427};
    CHECK(hue_video_open(&v, mp4, &half) == 0);
    CHECK(hue_video_get_info(v)->out_height == 240);
    hue_video_close(v);
    hue_video_options bad = {.width = -4};
    CHECK(hue_video_open(&v, mp4, &bad) == HUE_EINVAL && v == NULL);

    for (int i = 0; i < 50; i++)
        free(f_mp4[i]), free(f_dir[i]);
    free(L), free(A), free(B), free(L2), free(A2), free(B2);
    return test_finish();
}
