/* The loader on real photos of many kinds (python3-skimage's sample
 * images, when that package is installed; skipped otherwise): 8-bit,
 * 1-bit and palette PNGs, RGBA and 16-bit PNGs, JPEGs with Exif, and one
 * JPEG that is really cut short. Each image, resized to 48x48, against the
 * ffmpeg command line's area-resized RGB24 of the same file; grayscale
 * images come out gray; the cut JPEG is skipped with a warning. */
#include "dataset_test_util.h"
#include "hue_dataset.h"
#include "test_util.h"

#include <unistd.h>

#define SKIP 77
enum { S = 48 };

static const struct {
    const char *cls, *file;
} photos[] = {
    {"gray", "camera.png"},       {"gray", "coins.png"},          {"gray", "checker_bilevel.png"},
    {"jpeg", "hubble_deep_field.jpg"}, {"jpeg", "retina.jpg"},    {"jpeg", "rocket.jpg"},
    {"jpeg", "truncated.jpg"},
    {"palette", "foo3x5x4indexed.png"}, {"palette", "green_palette.png"}, {"palette", "palette_color.png"},
    {"rgb", "astronaut.png"},      {"rgb", "chessboard_RGB.png"}, /* 16 bits per sample */
    {"rgba", "horse.png"},         {"rgba", "logo.png"},
};
enum { N = sizeof photos / sizeof photos[0] };

int main(void)
{
    const char *src = getenv("HUE_SKIMAGE_DATA");
    if (!src || !*src)
        src = "/usr/lib/python3/dist-packages/skimage/data";
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/truncated.jpg", src);
    if (access(probe, R_OK) != 0) {
        printf("skipped: no sample photos in %s (Debian package python3-skimage)\n", src);
        return SKIP;
    }
    if (test_tmp_make() < 0)
        return 1;
    make_dir(tp("photos"));
    int present = 0, classes = 0;
    for (int i = 0; i < N; i++) {
        char from[1200];
        snprintf(from, sizeof from, "%s/%s", src, photos[i].file);
        if (access(from, R_OK) != 0) {
            printf("not in this version of the package: %s\n", photos[i].file);
            continue;
        }
        classes += access(tp("photos/%s", photos[i].cls), F_OK) != 0;
        make_dir(tp("photos/%s", photos[i].cls));
        if (symlink(from, tp("photos/%s/%s", photos[i].cls, photos[i].file)) != 0)
            perror(photos[i].file);
        present++;
    }
    hue_dataset *ds = NULL;
    int r = hue_dataset_open(&ds, tp("photos"), NULL, NULL);
    CHECKF(r == 0, "%s", hue_error_message());
    if (r == 0) {
        CHECK(hue_dataset_size(ds) == present && hue_dataset_num_classes(ds) == classes);
        hue_loader_options o = hue_loader_defaults();
        warn_log w = {0};
        o.batch = present, o.size = S, o.layout = HUE_BATCH_U8_NHWC, o.shuffle = 0, o.epochs = 1;
        o.warn = collect_warning, o.warn_user = &w;
        hue_loader *l = NULL;
        hue_batch b;
        CHECKF(hue_loader_create(&l, ds, &o) == 0, "%s", hue_error_message());
        if (l && hue_loader_next(l, &b) == 1) {
            CHECK(hue_loader_skipped(l) == 1);
            CHECK(w.n == 1 && warnings_with(&w, "truncated.jpg") == 1);
            printf("warning: %s\n", w.n ? w.msg[0] : "(none)");
            for (int j = 0; j < b.count; j++) {
                const char *path = hue_dataset_path(ds, b.items[j]);
                const uint8_t *px = b.pixels + (size_t)j * S * S * 3;
                CHECKF(!strstr(path, "truncated"), "%s delivered", path);
                char cmd[1400];
                snprintf(cmd, sizeof cmd,
                         "ffmpeg -v error -i '%s' -vf scale=%d:%d:flags=area -f rawvideo -pix_fmt rgb24 -", path, S,
                         S);
                static uint8_t want[S * S * 3];
                FILE *p = popen(cmd, "r");
                size_t n = p ? fread(want, 1, sizeof want, p) : 0;
                if (p)
                    pclose(p);
                CHECKF(n == sizeof want, "ffmpeg gave %zu bytes for %s", n, path);
                double diff = 0;
                int worst = 0, gray = 1;
                for (size_t i = 0; i < n; i++) {
                    int d = abs(px[i] - want[i]);
                    diff += d, worst = d > worst ? d : worst;
                }
                for (int i = 0; i < S * S; i++)
                    gray &= px[3 * i] == px[3 * i + 1] && px[3 * i] == px[3 * i + 2];
                diff /= n ? (double)n : 1;
                printf("%-24s mean |hue - ffmpeg| %.3f, largest %d%s\n", strrchr(path, '/') + 1, diff, worst,
                       gray ? ", gray" : "");
                CHECKF(diff < 1.0, "%s: mean difference %.3f from ffmpeg", path, diff);
                if (!strcmp(hue_dataset_class_name(ds, b.labels[j]), "gray"))
                    CHECKF(gray, "%s: a grayscale image with colour", path);
            }
        } else {
            CHECKF(0, "%s", hue_error_message());
        }
        hue_loader_destroy(l);
        hue_dataset_close(ds);
    }
    test_tmp_remove();
    return test_finish();
}
