/* Bad input to the dataset and its loader: each case an error (or a
 * warning) whose message names the folder or file and the problem. */
#include "dataset_test_util.h"
#include "hue_dataset.h"
#include "test_util.h"

#include <math.h>
#include <unistd.h>

/* open must fail with `code` and a message containing both strings. */
static void expect_open_error(const char *what, const char *root, int code, const char *s1, const char *s2)
{
    hue_dataset *ds = NULL;
    warn_log w = {0};
    int r = hue_dataset_open(&ds, root, collect_warning, &w);
    const char *m = hue_error_message();
    CHECKF(r == code && !ds, "%s: got %d (%s)", what, r, m);
    CHECKF(strstr(m, s1) && strstr(m, s2), "%s: message '%s' lacks '%s' or '%s'", what, m, s1, s2);
    printf("ok   %s: %s\n", what, m);
    hue_dataset_close(ds);
}

static void test_folders(void)
{
    expect_open_error("missing root", tp("nothing"), HUE_EIO, tp("nothing"), "no such folder");
    write_bytes(tp("file"), "x", 1);
    expect_open_error("root is a file", tp("file"), HUE_EINVAL, tp("file"), "not a folder");
    make_dir(tp("empty"));
    expect_open_error("empty root", tp("empty"), HUE_EFORMAT, tp("empty"), "no class folders");
    make_dir(tp("loose"));
    write_pattern(tp("loose/a.png"), 1, 4, 4);
    write_pattern(tp("loose/b.png"), 2, 4, 4);
    expect_open_error("images without class folders", tp("loose"), HUE_EFORMAT, tp("loose"),
                      "no class folders (2 images");
    make_dir(tp("hollow"));
    make_dir(tp("hollow/cat"));
    make_dir(tp("hollow/dog"));
    write_bytes(tp("hollow/dog/readme.txt"), "x", 1);
    expect_open_error("every class folder empty", tp("hollow"), HUE_EFORMAT, tp("hollow"),
                      "no images (.jpg, .jpeg, .png) in any of its 2 class folders");
    /* A split dataset opened at its top. */
    make_dir(tp("split"));
    make_dir(tp("split/train"));
    make_dir(tp("split/test"));
    make_dir(tp("split/train/cat"));
    make_dir(tp("split/test/cat"));
    write_pattern(tp("split/train/cat/0.png"), 1, 4, 4);
    write_pattern(tp("split/test/cat/0.png"), 1, 4, 4);
    expect_open_error("dataset with splits", tp("split"), HUE_EFORMAT, tp("split"), "ROOT/train");

    /* One empty class: a warning naming it, and the class gets no label. */
    make_dir(tp("gap"));
    const char *cls[] = {"ant", "bee", "cow"};
    for (int c = 0; c < 3; c++)
        make_dir(tp("gap/%s", cls[c]));
    write_pattern(tp("gap/ant/0.png"), 1, 4, 4);
    write_pattern(tp("gap/cow/0.png"), 2, 4, 4);
    write_bytes(tp("gap/bee/notes.txt"), "x", 1);
    hue_dataset *ds = NULL;
    warn_log w = {0};
    int r = hue_dataset_open(&ds, tp("gap"), collect_warning, &w);
    CHECKF(r == 0, "%s", hue_error_message());
    CHECK(w.n == 1 && warnings_with(&w, tp("gap/bee")) == 1 && warnings_with(&w, "no images") == 1);
    printf("ok   empty class folder: warning: %s\n", w.n ? w.msg[0] : "(none)");
    if (ds) {
        CHECK(hue_dataset_num_classes(ds) == 2 && hue_dataset_size(ds) == 2);
        CHECK(!strcmp(hue_dataset_class_name(ds, 1), "cow") && hue_dataset_label(ds, 1) == 1);
        /* Splits that do not label alike. */
        hue_dataset *train = NULL;
        CHECK(hue_dataset_open(&train, tp("split/train"), NULL, NULL) == 0);
        if (train) {
            CHECK(hue_dataset_check_classes(train, ds) == HUE_EINVAL);
            const char *m = hue_error_message();
            CHECKF(strstr(m, "label 0") && strstr(m, "'cat'") && strstr(m, "'ant'"), "%s", m);
            printf("ok   classes differ: %s\n", m);
            hue_dataset_close(train);
        }
        hue_dataset_close(ds);
    }
}

/* A JPEG to corrupt: real entropy-coded data, not a flat colour. */
static size_t make_jpeg(uint8_t *buf, size_t cap)
{
    uint8_t rgb[32 * 32 * 3];
    for (int i = 0; i < 32 * 32 * 3; i++)
        rgb[i] = (uint8_t)((i * 37) ^ (i >> 5) * 11);
    hue_image_write_rgb(tp("source.jpg"), rgb, 32, 32, 90, 1);
    FILE *f = fopen(tp("source.jpg"), "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (f)
        fclose(f);
    return n;
}

/* Writes the bad files into dir; returns how many. */
static int write_bad_files(const char *dir, int copies)
{
    static uint8_t jpg[65536];
    size_t n = make_jpeg(jpg, sizeof jpg);
    CHECK(n > 500);
    uint8_t noise[2000];
    for (int i = 0; i < 2000; i++)
        noise[i] = (uint8_t)(i * 7919 >> 3);
    char path[1200];
    int count = 0;
    for (int k = 0; k < copies; k++) {
#define BAD(name) (snprintf(path, sizeof path, "%s/%s%d%s", dir, "bad_", k, name), count++, path)
        write_bytes(BAD("_empty.png"), "", 0);
        write_bytes(BAD("_text.png"), "not an image\n", 13);
        write_bytes(BAD("_noise.jpg"), noise, sizeof noise);
        write_bytes(BAD("_cut_header.jpg"), jpg, 100);
        write_bytes(BAD("_cut_data.jpg"), jpg, n / 2);
        write_bytes(BAD("_cut_tail.jpg"), jpg, n - 40); /* FFmpeg decodes it without a word */
        write_bytes(BAD("_jpeg_named.png"), jpg, n);
        if (symlink("nowhere.png", BAD("_dangling.png")) != 0)
            perror(path);
#undef BAD
    }
    return count;
}

static hue_loader *loader(const hue_dataset *ds, int threads, int batch, warn_log *w)
{
    hue_loader_options o = hue_loader_defaults();
    o.batch = batch, o.size = 6, o.keep_last = 1, o.epochs = 2, o.threads = threads, o.seed = 5, o.flip = 1;
    o.warn = collect_warning, o.warn_user = w;
    hue_loader *l = NULL;
    CHECKF(hue_loader_create(&l, ds, &o) == 0, "%s", hue_error_message());
    return l;
}

static void test_corrupt_images(void)
{
    make_dir(tp("corrupt"));
    make_dir(tp("corrupt/a"));
    make_dir(tp("corrupt/b"));
    for (int i = 0; i < 4; i++)
        write_pattern(tp("corrupt/%s/good%d.png", i % 2 ? "b" : "a", i), i, 6, 6);
    int bad = write_bad_files(tp("corrupt/a"), 1);
    hue_dataset *ds = NULL;
    CHECK(hue_dataset_open(&ds, tp("corrupt"), NULL, NULL) == 0);
    if (!ds)
        return;
    CHECK(hue_dataset_size(ds) == 4 + bad);
    /* Two epochs with 1 and with 3 threads: same batches, full batches of
     * good images only, each bad file named once. */
    warn_log w[2] = {{0}};
    hue_loader *l1 = loader(ds, 1, 3, &w[0]), *l3 = loader(ds, 3, 3, &w[1]);
    if (l1 && l3) {
        hue_batch b1, b3;
        int batches = 0, r1, r3;
        while ((r1 = hue_loader_next(l1, &b1)) == 1 && (r3 = hue_loader_next(l3, &b3)) == 1) {
            batches++;
            int64_t n = hue_dataset_size(ds), last = (n + 2) / 3 - 1;
            CHECK(b1.count == b3.count && b1.count == (b1.index == last ? n - 3 * last : 3));
            CHECK(!memcmp(b1.items, b3.items, (size_t)b1.count * sizeof *b1.items));
            CHECK(!memcmp(b1.images, b3.images, (size_t)b1.count * 3 * 36 * sizeof(float)));
            for (int j = 0; j < b1.count; j++)
                CHECKF(strstr(hue_dataset_path(ds, b1.items[j]), "good"), "%s", hue_dataset_path(ds, b1.items[j]));
        }
        CHECK(r1 == 0 && batches == 2 * ((hue_dataset_size(ds) + 2) / 3));
        for (int k = 0; k < 2; k++) {
            CHECK(hue_loader_skipped(k ? l3 : l1) == bad);
            CHECK(w[k].n == bad);
            CHECK(warnings_with(&w[k], "image skipped") == bad);
            const char *kinds[] = {"_empty.png",     "_text.png",     "_noise.jpg",      "_cut_header.jpg",
                                   "_cut_data.jpg", "_cut_tail.jpg", "_jpeg_named.png", "_dangling.png"};
            for (int i = 0; i < 8; i++)
                CHECKF(warnings_with(&w[k], kinds[i]) == 1, "no single warning naming %s", kinds[i]);
        }
        for (int i = 0; i < w[0].n; i++)
            printf("ok   warning: %s\n", w[0].msg[i]);
    }
    hue_loader_destroy(l1);
    hue_loader_destroy(l3);
    hue_dataset_close(ds);

    /* Many bad files: ten warnings, then one saying the rest are counted. */
    make_dir(tp("many"));
    make_dir(tp("many/a"));
    write_pattern(tp("many/a/good.png"), 1, 6, 6);
    bad = write_bad_files(tp("many/a"), 3);
    if (hue_dataset_open(&ds, tp("many"), NULL, NULL) == 0) {
        warn_log wm = {0};
        hue_loader *l = loader(ds, 2, 4, &wm);
        hue_batch b;
        int r;
        while (l && (r = hue_loader_next(l, &b)) == 1)
            for (int j = 0; j < b.count; j++)
                CHECK(strstr(hue_dataset_path(ds, b.items[j]), "good"));
        CHECK(l && hue_loader_skipped(l) == bad);
        CHECKF(wm.n == 11 && warnings_with(&wm, "counted without a warning") == 1, "%d warnings", wm.n);
        printf("ok   %d bad files: %d warnings, the last: %s\n", bad, wm.n, wm.n ? wm.msg[wm.n - 1] : "");
        hue_loader_destroy(l);
        hue_dataset_close(ds);
    }

    /* Nothing decodes: an error naming the folder, and it stays. */
    make_dir(tp("rotten"));
    make_dir(tp("rotten/a"));
    bad = write_bad_files(tp("rotten/a"), 1);
    if (hue_dataset_open(&ds, tp("rotten"), NULL, NULL) == 0) {
        warn_log wr = {0};
        hue_loader *l = loader(ds, 2, 2, &wr);
        hue_batch b;
        int r = l ? hue_loader_next(l, &b) : 0;
        const char *m = hue_error_message();
        CHECKF(r == HUE_EFORMAT && strstr(m, tp("rotten")) && strstr(m, "none of its 8 images could be decoded"),
               "%d: %s", r, m);
        printf("ok   every image bad: %s\n", m);
        CHECK(l && hue_loader_next(l, &b) == HUE_EFORMAT);
        CHECK(wr.n == bad);
        hue_loader_destroy(l);
        hue_dataset_close(ds);
    }
}

/* Each bad option: HUE_EINVAL, a message with the folder and a keyword. */
static void test_options(void)
{
    make_dir(tp("ok"));
    make_dir(tp("ok/a"));
    for (int i = 0; i < 5; i++)
        write_pattern(tp("ok/a/%d.png", i), i, 6, 6);
    hue_dataset *ds = NULL;
    if (hue_dataset_open(&ds, tp("ok"), NULL, NULL) < 0)
        return;
    struct option_case {
        const char *what, *keyword;
        hue_loader_options o;
    } cases[20];
    int n = 0;
    hue_loader_options d = hue_loader_defaults();
    d.batch = 2, d.size = 8;
#define CASE(w, k, field, value) (cases[n] = (struct option_case){w, k, d}, cases[n].o.field = value, n++)
    CASE("batch 0", "batch size 0", batch, 0);
    CASE("batch larger than the dataset", "larger than the dataset (5 images)", batch, 6);
    CASE("batch negative", "batch size -3", batch, -3);
    CASE("size 0", "image size 0", size, 0);
    CASE("size too large", "image size 5000", size, 5000);
    CASE("std 0", "std[1]", std[1], 0.0f);
    CASE("std NaN", "std[2]", std[2], NAN);
    CASE("mean infinite", "mean[0]", mean[0], INFINITY);
    CASE("no threads", "0 decoding threads", threads, 0);
    CASE("too many threads", "65 decoding threads", threads, 65);
    CASE("ring 0", "ring of 0", ring, 0);
    CASE("padding larger than the image", "crop padding 9", pad_crop, 9);
    CASE("padding negative", "crop padding -1", pad_crop, -1);
    CASE("unknown layout", "layout 7", layout, 7);
    CASE("shuffle 2", "must be 0 or 1", shuffle, 2);
    CASE("first batch past the epoch", "first batch 2", first_batch, 2);
    CASE("first epoch negative", "first epoch -1", first_epoch, -1);
    CASE("epochs negative", "epoch count -2", epochs, -2);
    CASE("ring too large", "ring of 65 batches", ring, 65);
#undef CASE
    for (int i = 0; i < n; i++) {
        hue_loader *l = (hue_loader *)&cases; /* must come back NULL */
        int r = hue_loader_create(&l, ds, &cases[i].o);
        const char *m = hue_error_message();
        CHECKF(r == HUE_EINVAL && !l, "%s: %d", cases[i].what, r);
        CHECKF(strstr(m, tp("ok")) && strstr(m, cases[i].keyword), "%s: '%s' lacks '%s'", cases[i].what, m,
               cases[i].keyword);
        printf("ok   %s: %s\n", cases[i].what, m);
    }
    /* The boundaries themselves are fine: batch = dataset, padding = size. */
    hue_loader_options o = d;
    o.batch = 5, o.pad_crop = 8, o.epochs = 1;
    hue_loader *l = NULL;
    CHECK(hue_loader_create(&l, ds, &o) == 0);
    hue_batch b;
    CHECK(l && hue_loader_next(l, &b) == 1 && b.count == 5 && hue_loader_next(l, &b) == 0);
    hue_loader_destroy(l);
    hue_dataset_close(ds);
}

int main(void)
{
    if (test_tmp_make() < 0)
        return 1;
    test_folders();
    test_corrupt_images();
    test_options();
    test_tmp_remove();
    return test_finish();
}
