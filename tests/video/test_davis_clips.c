/* Every DAVIS clip decodes to exactly as many frames as its mask folder
 * has files, and the packet count (what `hue probe` reports) agrees. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_video.h"
#include "test_util.h"

static int count_pngs(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        n += l > 4 && !strcmp(e->d_name + l - 4, ".png");
    }
    closedir(d);
    return n;
}

int main(void)
{
    char videos[1024], ann[1024];
    snprintf(videos, sizeof videos, "%s", test_data("davis2016/videos"));
    snprintf(ann, sizeof ann, "%s", test_data("davis2016/Annotations/480p"));
    DIR *d = opendir(videos);
    CHECKF(d != NULL, "cannot list %s", videos);
    struct dirent *e;
    int clips = 0;
    long long total = 0;
    /* A small output size: decoding is the same, converting is cheaper. */
    hue_video_options opt = {.width = 214, .height = 120};
    uint8_t *rgb = malloc(214 * 120 * 3);
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".mp4"))
            continue;
        char path[2048], masks[2048];
        snprintf(path, sizeof path, "%s/%s", videos, e->d_name);
        snprintf(masks, sizeof masks, "%s/%.*s", ann, (int)(l - 4), e->d_name);
        int want = count_pngs(masks);
        CHECKF(want > 0, "no masks in %s", masks);
        hue_video *v;
        int r = hue_video_open(&v, path, &opt);
        CHECKF(r == 0, "%s: %s", path, hue_error_message());
        if (r)
            continue;
        int64_t counted = hue_video_get_info(v)->frames, n = 0;
        while ((r = hue_video_read_rgb(v, rgb)) == 1)
            n++;
        CHECKF(r == 0, "%s: %s", path, hue_error_message());
        CHECKF(n == want && counted == want, "%s: decoded %lld frames, counted %lld, mask folder has %d", e->d_name,
               (long long)n, (long long)counted, want);
        hue_video_close(v);
        clips++;
        total += n;
    }
    if (d)
        closedir(d);
    free(rgb);
    printf("%d clips, %lld frames, each count equal to its mask folder\n", clips, total);
    CHECK(clips >= 40);
    return test_finish();
}
