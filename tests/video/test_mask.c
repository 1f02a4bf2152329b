/* Masks: DAVIS palette PNGs (osvos2017) and 0/255 ground truth, checked
 * against ffmpeg's own decoding of the same files; palette round trips;
 * refusal of existing outputs; bad masks. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hue_error.h"
#include "hue_mask.h"
#include "test_util.h"

static char tmpdir[256];

static int run(const char *cmd)
{
    int r = system(cmd);
    CHECKF(r == 0, "command failed: %s", cmd);
    return r;
}

/* First w*h bytes that ffmpeg decodes from png as pix_fmt (gray or pal8). */
static uint8_t *ffmpeg_plane(const char *png, const char *pix_fmt, size_t n)
{
    char cmd[2048], out[512];
    snprintf(out, sizeof out, "%s/plane.raw", tmpdir);
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -i '%s' -f rawvideo -pix_fmt %s '%s'", png, pix_fmt, out);
    if (run(cmd))
        return NULL;
    FILE *f = fopen(out, "rb");
    uint8_t *buf = malloc(n);
    size_t got = f ? fread(buf, 1, n, f) : 0;
    if (f)
        fclose(f);
    CHECK(got == n);
    return buf;
}

static void expect_error(const char *path, int code, const char *words)
{
    hue_mask m;
    int r = hue_mask_read(&m, path);
    CHECKF(r == code, "%s: got %d (%s), want %d", path, r, hue_error_message(), code);
    CHECKF(strstr(hue_error_message(), path) && strstr(hue_error_message(), words), "%s: message '%s' lacks '%s'", path,
           hue_error_message(), words);
    CHECK(m.ids == NULL);
    printf("refused as expected: %s\n", hue_error_message());
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hue-test-mask-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    uint8_t davis[256][3];
    hue_mask_davis_palette(davis);
    const uint8_t first[6][3] = {{0, 0, 0}, {128, 0, 0}, {0, 128, 0}, {128, 128, 0}, {0, 0, 128}, {128, 0, 128}};
    CHECK(!memcmp(davis, first, sizeof first));
    CHECK(davis[255][0] == 224 && davis[255][1] == 224 && davis[255][2] == 192);

    /* Every osvos2017 first-frame mask: palette kept, ids as ffmpeg sees them. */
    const char *osvos = test_data("davis2016/osvos2017");
    DIR *d = opendir(osvos);
    CHECKF(d != NULL, "cannot list %s", osvos);
    struct dirent *e;
    int seqs = 0, multi = 0;
    char path[1024], out[1024];
    hue_mask kept = {0};
    while (d && (e = readdir(d))) {
        snprintf(path, sizeof path, "%s/%s/00000.png", osvos, e->d_name);
        if (e->d_name[0] == '.' || access(path, R_OK))
            continue;
        hue_mask m;
        int r = hue_mask_read(&m, path);
        CHECKF(r == 0, "%s: %s", path, hue_error_message());
        if (r)
            continue;
        seqs++;
        multi += m.max_id > 1;
        CHECK(m.width == 854 && m.height == 480 && m.has_palette && m.max_id >= 1 && m.max_id <= 5);
        CHECKF(!memcmp(m.palette, davis, (size_t)m.palette_size * 3), "%s: palette is not the DAVIS palette", path);
        size_t n = (size_t)m.width * m.height;
        uint8_t *ref = ffmpeg_plane(path, "pal8", n);
        CHECKF(ref && !memcmp(ref, m.ids, n), "%s: ids differ from ffmpeg's pal8 indices", path);
        free(ref);
        if (!kept.ids)
            kept = m;
        else
            hue_mask_free(&m);
    }
    if (d)
        closedir(d);
    printf("%d osvos2017 masks read, %d with several objects\n", seqs, multi);
    CHECK(seqs >= 10 && multi >= 1);

    /* Ground truth 0/255: one object, where ffmpeg's gray plane is 255. */
    const char *gt = test_data("davis2016/Annotations/480p/bear/00000.png");
    hue_mask g;
    CHECK(hue_mask_read(&g, gt) == 0);
    CHECK(g.width == 854 && g.height == 480 && !g.has_palette && g.max_id == 1);
    size_t n = 854 * 480, fg = 0, agree = 0;
    uint8_t *gray = ffmpeg_plane(gt, "gray", n);
    for (size_t i = 0; gray && g.ids && i < n; i++) {
        fg += g.ids[i] == 1;
        agree += (g.ids[i] == 1) == (gray[i] == 255) && (gray[i] == 0 || gray[i] == 255);
    }
    CHECK(agree == n && fg > 1000);
    free(gray);

    /* Masks as users draw them, made from the truth by ffmpeg: the same ids. */
    static const struct {
        const char *name, *ffmpeg;  /* output options */
        int scale, colours;         /* the ids are the truth's times scale; read as a colour mask */
    } drawn[] = {
        {"rgb", "-pix_fmt rgb24", 1, 1},  /* white on black: one object */
        {"rgba", "-pix_fmt rgba", 1, 1},
        {"ids01", "-vf \"format=gray,lut=c0='gte(val,128)'\" -pix_fmt gray", 1, 0},
        {"ids02", "-vf \"format=gray,lut=c0='gte(val,128)*2'\" -pix_fmt gray", 2, 0},
    };
    for (size_t k = 0; k < sizeof drawn / sizeof drawn[0]; k++) {
        char png[1024], make[2400];
        snprintf(png, sizeof png, "%s/%s.png", tmpdir, drawn[k].name);
        snprintf(make, sizeof make, "ffmpeg -v error -y -i '%s' %s '%s'", gt, drawn[k].ffmpeg, png);
        run(make);
        hue_mask d;
        CHECKF(hue_mask_read(&d, png) == 0, "%s: %s", drawn[k].name, hue_error_message());
        size_t same = 0;
        for (size_t i = 0; d.ids && g.ids && i < n; i++)
            same += d.ids[i] == g.ids[i] * drawn[k].scale;
        CHECKF(same == n && d.max_id == drawn[k].scale &&
                   d.from_colours == (drawn[k].colours ? HUE_MASK_COLOURS_ORDERED : 0),
               "%s: %zu of %zu ids as the truth's, max id %d", drawn[k].name, same, n, d.max_id);
        if (drawn[k].colours)
            CHECK(d.palette[1][0] == 255 && d.palette[1][1] == 255 && d.palette[1][2] == 255);
        hue_mask_free(&d);
    }

    /* Round trips: the read palette is written back; a gray mask gets the DAVIS palette. */
    if (kept.ids) {
        snprintf(out, sizeof out, "%s/kept.png", tmpdir);
        CHECK(hue_mask_write(&kept, out, 0) == 0);
        hue_mask back;
        CHECK(hue_mask_read(&back, out) == 0);
        CHECK(back.width == kept.width && back.height == kept.height && back.has_palette);
        CHECK(back.ids && !memcmp(back.ids, kept.ids, (size_t)kept.width * kept.height));
        CHECK(back.palette_size == kept.palette_size && !memcmp(back.palette, kept.palette, (size_t)kept.palette_size * 3));
        hue_mask_free(&back);

        /* An existing file is refused without force and stays as it was. */
        struct stat before, after;
        stat(out, &before);
        hue_mask blank;
        CHECK(hue_mask_create(&blank, 4, 3) == 0);
        CHECK(hue_mask_write(&blank, out, 0) == HUE_EEXIST);
        CHECK(strstr(hue_error_message(), out) && strstr(hue_error_message(), "--force"));
        stat(out, &after);
        CHECK(before.st_size == after.st_size && before.st_ino == after.st_ino);
        CHECK(hue_mask_read(&back, out) == 0 && back.width == kept.width);
        hue_mask_free(&back);
        CHECK(hue_mask_write(&blank, out, 1) == 0);
        CHECK(hue_mask_read(&back, out) == 0 && back.width == 4 && back.height == 3 && back.max_id == 0);
        hue_mask_free(&back);
        /* No folder: refused, nothing created. */
        snprintf(out, sizeof out, "%s/no/such/dir/m.png", tmpdir);
        CHECK(hue_mask_write(&blank, out, 0) == HUE_EIO && strstr(hue_error_message(), "does not exist"));
        hue_mask_free(&blank);
    }
    snprintf(out, sizeof out, "%s/gt.png", tmpdir);
    CHECK(hue_mask_write(&g, out, 0) == 0);
    hue_mask gb;
    CHECK(hue_mask_read(&gb, out) == 0 && gb.has_palette && gb.max_id == 1);
    CHECK(gb.ids && g.ids && !memcmp(gb.ids, g.ids, n) && !memcmp(gb.palette[1], davis[1], 3));
    hue_mask_free(&gb);
    hue_mask_free(&g);
    hue_mask_free(&kept);

    /* Bad masks, each refused with the file and the problem named. */
    char cmd[2048], bad[1024];
    snprintf(bad, sizeof bad, "%s/gray16.png", tmpdir);
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -i '%s' -pix_fmt gray16be '%s'", gt, bad);
    run(cmd);
    expect_error(bad, HUE_EFORMAT, "16-bit");
    snprintf(bad, sizeof bad, "%s/photo_rgb.png", tmpdir);
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -i '%s' -pix_fmt rgb24 '%s'",
             test_data("davis2016/JPEGImages/480p/blackswan/00000.jpg"), bad);
    run(cmd);
    expect_error(bad, HUE_EFORMAT, "more than 64 colours");
    snprintf(bad, sizeof bad, "%s/photo_gray.png", tmpdir);
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -i '%s' -pix_fmt gray '%s'",
             test_data("davis2016/JPEGImages/480p/blackswan/00000.jpg"), bad);
    run(cmd);
    expect_error(bad, HUE_EFORMAT, "beside 255");
    snprintf(bad, sizeof bad, "%s/text.png", tmpdir);
    FILE *f = fopen(bad, "w");
    fputs("not a png\n", f);
    fclose(f);
    expect_error(bad, HUE_EFORMAT, "not a PNG");
    snprintf(bad, sizeof bad, "%s/cut.png", tmpdir);
    snprintf(cmd, sizeof cmd, "head -c 3000 '%s/davis2016/osvos2017/blackswan/00000.png' > '%s'", test_data(""), bad);
    run(cmd);
    expect_error(bad, HUE_EFORMAT, "cut short");
    snprintf(bad, sizeof bad, "%s/missing.png", tmpdir);
    expect_error(bad, HUE_EIO, "no such file");

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    run(cmd);
    return test_finish();
}
