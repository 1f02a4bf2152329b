/* The loader's sample hook on 80 CIFAR-10 JPEGs (cat and ship 0000-0039 of
 * the test split): the hook gets each image and the documented seed
 * (hue_loader_sample_seed of the loader's seed, the epoch and the place);
 * the SimCLR two-view hook gives byte-identical batches with 1 and 3
 * threads and when a run is resumed at first_batch, and its floats equal
 * hue_augment_views_sample called by hand; with size 0, images of their own
 * sizes (DAVIS frames among CIFAR's) reach the hook whole; a failing hook
 * stops the loader with a message naming the file; bad options are errors
 * naming them. Skipped (77) without CIFAR-10. */
#include "dataset_test_util.h"
#include "hue_augment.h"
#include "hue_dataset.h"
#include "hue_video.h"
#include "test_util.h"

#include <stdatomic.h>
#include <unistd.h>

#define SKIP 77
enum { N = 80, B = 16, S = 32, PROBE = 7 };

static uint8_t ref[N][S * S * 3]; /* each image as the plain loader gives it, in dataset order */

static hue_loader *make(const hue_dataset *ds, const hue_loader_options *o)
{
    hue_loader *l = NULL;
    int r = hue_loader_create(&l, ds, o);
    CHECKF(r == 0, "%s", hue_error_message());
    return l;
}

/* Writes what it was given: width, height, the sum of the bytes, and the
 * seed in four 16-bit pieces (each exact in a float). */
typedef struct {
    atomic_int calls;
    int fail;
} probe_state;

static int probe(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    probe_state *p = user;
    atomic_fetch_add(&p->calls, 1);
    if (p->fail)
        return hue_fail(HUE_EINVAL, "probe refused a %dx%d image", width, height);
    double sum = 0;
    for (size_t i = 0; i < (size_t)width * height * 3; i++)
        sum += rgb[i];
    out[0] = (float)width, out[1] = (float)height, out[2] = (float)sum;
    for (int k = 0; k < 4; k++)
        out[3 + k] = (float)((seed >> (16 * k)) & 0xffff);
    return 0;
}

static uint64_t probe_seed(const float *out)
{
    uint64_t s = 0;
    for (int k = 0; k < 4; k++)
        s |= (uint64_t)out[3 + k] << (16 * k);
    return s;
}

static double ref_sum(int64_t item)
{
    double s = 0;
    for (int i = 0; i < S * S * 3; i++)
        s += ref[item][i];
    return s;
}

static void test_probe(const hue_dataset *ds, int size)
{
    probe_state st = {0};
    hue_loader_options o = hue_loader_defaults();
    o.batch = B, o.size = size, o.seed = 99, o.epochs = 2, o.threads = 2;
    o.sample = probe, o.sample_user = &st, o.sample_floats = PROBE;
    hue_loader *l = make(ds, &o);
    if (!l)
        return;
    hue_batch b;
    int batches = 0, bad_seed = 0, bad_size = 0, bad_sum = 0, bad_shape = 0;
    while (hue_loader_next(l, &b) == 1) {
        batches++;
        bad_shape += b.count != B || b.sample_floats != PROBE || !b.images || b.pixels || b.size != size;
        for (int j = 0; j < b.count; j++) {
            const float *out = b.images + (size_t)j * PROBE;
            bad_seed += probe_seed(out) != hue_loader_sample_seed(99, b.epoch, b.index * B + j);
            bad_size += out[0] != S || out[1] != S;
            /* Native CIFAR images are 32x32 already: the same bytes either way. */
            bad_sum += out[2] != ref_sum(b.items[j]);
        }
    }
    CHECK(batches == 2 * N / B && bad_shape == 0);
    CHECKF(bad_seed == 0 && bad_size == 0 && bad_sum == 0, "size %d: %d seeds, %d sizes, %d images wrong", size,
           bad_seed, bad_size, bad_sum);
    CHECK(atomic_load(&st.calls) == 2 * N);
    /* The seed depends on each of its three inputs, and never changes
     * from one version of hue to the next: a run resumed by a newer build
     * must see the views an older one would have made. */
    CHECK(hue_loader_sample_seed(99, 0, 0) == 0xc17885f7700c61b0ull);
    CHECK(hue_loader_sample_seed(2024, 1, 37) == 0xebfa3a791860dab5ull);
    CHECK(hue_loader_sample_seed(0, 0, 0) == 0x9ce9bdd29da042daull);
    uint64_t s = hue_loader_sample_seed(99, 0, 0);
    CHECK(s != hue_loader_sample_seed(98, 0, 0) && s != hue_loader_sample_seed(99, 1, 0) &&
          s != hue_loader_sample_seed(99, 0, 1) && s == hue_loader_sample_seed(99, 0, 0));
    printf("ok   probe hook (size %d): %d calls, each with its image and the documented seed\n", size,
           atomic_load(&st.calls));
    hue_loader_destroy(l);
}

/* The SimCLR pair with 1 and 3 threads, and resumed. */
static void test_views(const hue_dataset *ds)
{
    hue_augment_views v = {.count = 2, .mean = {0.4914f, 0.4822f, 0.4465f}, .std = {0.2470f, 0.2435f, 0.2616f}};
    v.view[0] = v.view[1] = hue_augment_simclr(S);
    int64_t floats = hue_augment_views_floats(&v);
    CHECK(floats == 2 * 3 * S * S);
    hue_loader_options o = hue_loader_defaults();
    o.batch = B, o.size = S, o.seed = 2024, o.epochs = 2;
    o.sample = hue_augment_views_sample, o.sample_user = &v, o.sample_floats = floats;
    o.threads = 1, o.ring = 2;
    hue_loader *l1 = make(ds, &o);
    o.threads = 3, o.ring = 4;
    hue_loader *l3 = make(ds, &o);
    o.first_epoch = 1, o.first_batch = 2, o.epochs = 1;
    hue_loader *lr = make(ds, &o);
    if (!l1 || !l3 || !lr) {
        hue_loader_destroy(l1), hue_loader_destroy(l3), hue_loader_destroy(lr);
        return;
    }
    size_t per_batch = (size_t)B * floats;
    float *first = malloc(per_batch * sizeof(float)), *mine = malloc((size_t)floats * sizeof(float));
    static float epoch0[N][2 * 3 * S * S];
    int batches = 0, differ = 0, resumed = 0, resume_differ = 0, hand_differ = 0, same_in_epochs = 0, items0 = 0;
    hue_batch a, b, c;
    while (hue_loader_next(l1, &a) == 1) {
        CHECK(hue_loader_next(l3, &b) == 1);
        batches++;
        differ += a.count != b.count || memcmp(a.images, b.images, per_batch * sizeof(float)) != 0 ||
                  memcmp(a.items, b.items, B * sizeof *a.items) != 0 || memcmp(a.labels, b.labels, B * 4) != 0;
        if (a.epoch == 1 && a.index >= 2) {
            CHECK(hue_loader_next(lr, &c) == 1);
            resumed++;
            resume_differ += c.epoch != a.epoch || c.index != a.index ||
                             memcmp(c.images, a.images, per_batch * sizeof(float)) != 0 ||
                             memcmp(c.items, a.items, B * sizeof *a.items) != 0;
        }
        for (int j = 0; j < a.count; j++) {
            const float *got = a.images + (size_t)j * floats;
            int64_t item = a.items[j];
            if (a.epoch == 0) {
                memcpy(epoch0[item], got, (size_t)floats * sizeof(float));
                items0++;
            } else {
                /* Another epoch, another seed, other views. */
                same_in_epochs += memcmp(epoch0[item], got, (size_t)floats * sizeof(float)) == 0;
            }
            /* The hook's floats are the views of that image from that seed. */
            uint64_t seed = hue_loader_sample_seed(2024, a.epoch, a.index * B + j);
            CHECK(hue_augment_views_sample(&v, ref[item], S, S, seed, mine) == 0);
            hand_differ += memcmp(mine, got, (size_t)floats * sizeof(float)) != 0;
            if (a.epoch == 0 && a.index == 0 && j == 0)
                memcpy(first, got, (size_t)floats * sizeof(float));
        }
    }
    CHECK(hue_loader_next(l3, &b) == 0 && hue_loader_next(lr, &c) == 0);
    CHECK(batches == 2 * N / B && resumed == N / B - 2 && items0 == N);
    CHECKF(differ == 0, "%d batches differ between 1 and 3 threads", differ);
    CHECKF(resume_differ == 0, "%d of %d resumed batches differ", resume_differ, resumed);
    CHECKF(hand_differ == 0, "%d images differ from hue_augment_views_sample by hand", hand_differ);
    CHECKF(same_in_epochs == 0, "%d images got the same views in both epochs", same_in_epochs);
    /* The two views of an image differ, and stay in the normalised range. */
    CHECK(memcmp(first, first + 3 * S * S, 3 * S * S * sizeof(float)) != 0);
    int out_of_range = 0;
    for (int i = 0; i < 2 * 3 * S * S; i++) {
        int ch = (i / (S * S)) % 3;
        double u = first[i] * v.std[ch] + v.mean[ch];
        out_of_range += u < -1e-5 || u > 1 + 1e-5;
    }
    CHECK(out_of_range == 0);
    printf("ok   SimCLR pair hook: %d batches identical with 1 and 3 threads, %d resumed at batch 2 identical, "
           "equal to the hook called by hand\n",
           batches, resumed);
    free(first), free(mine);
    hue_loader_destroy(l1), hue_loader_destroy(l3), hue_loader_destroy(lr);
}

/* Native sizes that differ from image to image (DAVIS frames of 854x480
 * between CIFAR's 32x32): each hook call gets its own image's size, and
 * its bytes as a native decode by hand gives them. */
static void test_native_sizes(void)
{
    const char *frames[2] = {test_data("davis2016/JPEGImages/480p/blackswan/00000.jpg"),
                             test_data("davis2016/JPEGImages/480p/blackswan/00001.jpg")};
    if (access(frames[0], R_OK) != 0 || access(frames[1], R_OK) != 0) {
        printf("not run: native sizes (no DAVIS frames under HUE_DATA)\n");
        return;
    }
    make_dir(tp("mixed"));
    make_dir(tp("mixed/all"));
    /* Names sort as: small, large, small, large, small. */
    const char *names[5] = {"a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"};
    const char *from[5] = {tp("test/cat/0000.jpg"), frames[0], tp("test/cat/0001.jpg"), frames[1],
                           tp("test/ship/0000.jpg")};
    for (int i = 0; i < 5; i++)
        if (symlink(from[i], tp("mixed/all/%s", names[i])) != 0)
            perror(names[i]);
    hue_dataset *ds = NULL;
    CHECKF(hue_dataset_open(&ds, tp("mixed"), NULL, NULL) == 0, "%s", hue_error_message());
    if (!ds)
        return;
    double want[5];
    int want_w[5];
    for (int i = 0; i < 5; i++) {
        hue_video *vid;
        hue_video_options vo = {.threads = 1};
        want[i] = -1, want_w[i] = 0;
        if (hue_video_open(&vid, hue_dataset_path(ds, i), &vo) == 0) {
            const hue_video_info *info = hue_video_get_info(vid);
            size_t n = (size_t)info->out_width * info->out_height * 3;
            uint8_t *rgb = malloc(n);
            if (hue_video_read_rgb(vid, rgb) == 1) {
                want[i] = 0, want_w[i] = info->out_width;
                for (size_t k = 0; k < n; k++)
                    want[i] += rgb[k];
            }
            free(rgb);
            hue_video_close(vid);
        }
    }
    probe_state st = {0};
    hue_loader_options o = hue_loader_defaults();
    o.batch = 5, o.size = 0, o.shuffle = 0, o.epochs = 1, o.threads = 1;
    o.sample = probe, o.sample_user = &st, o.sample_floats = PROBE;
    hue_loader *l = make(ds, &o);
    hue_batch b;
    if (l && hue_loader_next(l, &b) == 1) {
        int bad = 0;
        for (int j = 0; j < 5; j++) {
            const float *out = b.images + (size_t)j * PROBE;
            int large = j == 1 || j == 3;
            bad += out[0] != (large ? 854 : 32) || out[1] != (large ? 480 : 32) || out[0] != want_w[j] ||
                   out[2] != (float)want[j];
        }
        CHECKF(bad == 0, "%d of 5 images reached the hook at the wrong size or with other bytes", bad);
        CHECK(b.size == 0);
        printf("ok   native sizes: 32x32 and 854x480 images alternate, each reaches the hook whole\n");
    } else {
        CHECKF(0, "%s", hue_error_message());
    }
    hue_loader_destroy(l);
    hue_dataset_close(ds);
}

static void test_failing_hook(const hue_dataset *ds)
{
    probe_state st = {.fail = 1};
    hue_loader_options o = hue_loader_defaults();
    o.batch = B, o.size = 0, o.epochs = 1, o.threads = 2;
    o.sample = probe, o.sample_user = &st, o.sample_floats = PROBE;
    hue_loader *l = make(ds, &o);
    if (!l)
        return;
    hue_batch b;
    int r = hue_loader_next(l, &b);
    const char *m = hue_error_message();
    CHECKF(r == HUE_EINVAL && strstr(m, ".jpg: sample hook: probe refused a 32x32 image") && strstr(m, test_tmp),
           "got %d: %s", r, m);
    printf("ok   failing hook: %s\n", m);
    hue_loader_destroy(l);
}

static void expect_bad(const hue_dataset *ds, const hue_loader_options *o, const char *what)
{
    hue_loader *l = NULL;
    int r = hue_loader_create(&l, ds, o);
    CHECKF(r == HUE_EINVAL && !l && strstr(hue_error_message(), what), "got %d: %s", r, hue_error_message());
    printf("ok   %s\n", hue_error_message());
    hue_loader_destroy(l);
}

static void test_bad_options(const hue_dataset *ds)
{
    probe_state st = {0};
    hue_loader_options good = hue_loader_defaults(), o;
    good.batch = B, good.size = S, good.sample = probe, good.sample_user = &st, good.sample_floats = PROBE;
    o = good, o.pad_crop = 4;
    expect_bad(ds, &o, "pad_crop and flip are the loader's own augmentation");
    o = good, o.flip = 1;
    expect_bad(ds, &o, "pad_crop and flip");
    o = good, o.sample_floats = 0;
    expect_bad(ds, &o, "sample_floats 0");
    o = good, o.sample_floats = (1LL << 30) + 1;
    expect_bad(ds, &o, "sample_floats 1073741825");
    o = good, o.layout = HUE_BATCH_U8_NHWC;
    expect_bad(ds, &o, "layout must be HUE_BATCH_F32_NCHW");
    o = good, o.size = -1;
    expect_bad(ds, &o, "image size -1");
    o = good, o.sample = NULL;
    expect_bad(ds, &o, "sample_floats 7 without a sample hook");
    o = good, o.sample = NULL, o.sample_floats = 0, o.size = 0;
    expect_bad(ds, &o, "image size 0: must be 1 to 4096");
    /* Without a hook, sample_floats in the batch says what images holds. */
    o = good, o.sample = NULL, o.sample_floats = 0, o.epochs = 1;
    hue_loader *l = make(ds, &o);
    hue_batch b;
    CHECK(l && hue_loader_next(l, &b) == 1 && b.sample_floats == 3 * S * S && b.images);
    hue_loader_destroy(l);
    o.layout = HUE_BATCH_U8_NHWC;
    l = make(ds, &o);
    CHECK(l && hue_loader_next(l, &b) == 1 && b.sample_floats == 0 && b.pixels && !b.images);
    hue_loader_destroy(l);
    CHECK(atomic_load(&st.calls) == 0);
}

int main(void)
{
    const char *tarball = test_data("cifar10/cifar10_jpg.tar.gz");
    if (access(tarball, R_OK) != 0) {
        printf("skipped: %s is absent\n", tarball);
        return SKIP;
    }
    if (test_tmp_make() < 0)
        return 1;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' --wildcards 'test/cat/00[0-3]?.jpg' 'test/ship/00[0-3]?.jpg'",
             tarball, test_tmp);
    CHECKF(system(cmd) == 0, "%s failed", cmd);
    hue_dataset *ds = NULL;
    int r = hue_dataset_open(&ds, tp("test"), NULL, NULL);
    CHECKF(r == 0 && hue_dataset_size(ds) == N, "%s", hue_error_message());
    if (r == 0 && hue_dataset_size(ds) == N) {
        /* The plain loader's images, unshuffled, as the reference. */
        hue_loader_options o = hue_loader_defaults();
        o.batch = N, o.size = S, o.layout = HUE_BATCH_U8_NHWC, o.shuffle = 0, o.epochs = 1;
        hue_loader *l = make(ds, &o);
        hue_batch b;
        if (l && hue_loader_next(l, &b) == 1) {
            memcpy(ref, b.pixels, sizeof ref);
            test_probe(ds, S);
            test_probe(ds, 0);
            test_views(ds);
            test_native_sizes();
            test_failing_hook(ds);
            test_bad_options(ds);
        } else {
            CHECKF(0, "%s", hue_error_message());
        }
        hue_loader_destroy(l);
    }
    hue_dataset_close(ds);
    test_tmp_remove();
    return test_finish();
}
