/* The loader on real data: CIFAR-10's test split (10 classes of 1,000
 * 32x32 JPEGs) extracted from HUE_DATA's tarball. Counts, labels, shapes,
 * value ranges, pixels against the ffmpeg command line, byte-identical
 * batches for 1 and 3 threads, and images/s (printed, not asserted). */
#include "dataset_test_util.h"
#include "hue_dataset.h"
#include "test_util.h"

#include <math.h>
#include <time.h>

static const char *classes[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                  "dog", "frog", "horse", "ship", "truck"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static hue_loader *make(const hue_dataset *ds, const hue_loader_options *o)
{
    hue_loader *l = NULL;
    int r = hue_loader_create(&l, ds, o);
    CHECKF(r == 0, "%s", hue_error_message());
    return l;
}

/* One epoch with 1 and with 3 threads side by side: identical bytes; every
 * image once; labels, ranges and the normalised statistics. */
static void test_epoch(const hue_dataset *ds)
{
    /* CIFAR-10's usual per-channel statistics. */
    const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std[3] = {0.2470f, 0.2435f, 0.2616f};
    hue_loader_options o = hue_loader_defaults();
    o.batch = 128, o.size = 32, o.pad_crop = 4, o.flip = 1, o.seed = 2024, o.epochs = 1;
    memcpy(o.mean, mean, sizeof mean);
    memcpy(o.std, std, sizeof std);
    o.threads = 1, o.ring = 2;
    hue_loader *l1 = make(ds, &o);
    o.threads = 3, o.ring = 4;
    hue_loader *l3 = make(ds, &o);
    if (!l1 || !l3)
        return;
    CHECK(hue_loader_batches_per_epoch(l1) == 78); /* 10000 / 128, the last 16 dropped */
    static unsigned char seen[10000];
    int per_class[10] = {0}, batches = 0, differ = 0, bad_shape = 0, bad_label = 0, repeats = 0;
    double lo = INFINITY, hi = -INFINITY;
    hue_batch a, b;
    while (hue_loader_next(l1, &a) == 1) {
        CHECK(hue_loader_next(l3, &b) == 1);
        batches++;
        bad_shape += a.count != 128 || a.size != 32 || !a.images || a.pixels || b.count != a.count;
        size_t plane = 32 * 32;
        differ += memcmp(a.images, b.images, (size_t)a.count * 3 * plane * sizeof(float)) != 0 ||
                  memcmp(a.labels, b.labels, (size_t)a.count * sizeof *a.labels) != 0 ||
                  memcmp(a.items, b.items, (size_t)a.count * sizeof *a.items) != 0;
        for (int j = 0; j < a.count; j++) {
            int64_t item = a.items[j];
            bad_label += item < 0 || item >= 10000 || a.labels[j] != hue_dataset_label(ds, item) ||
                         a.labels[j] < 0 || a.labels[j] > 9;
            if (item < 0 || item >= 10000)
                continue;
            repeats += seen[item]++ != 0;
            per_class[a.labels[j]]++;
            for (int c = 0; c < 3; c++)
                for (size_t i = 0; i < plane; i++) {
                    /* back to [0,1] to check the range */
                    double u = a.images[((size_t)j * 3 + c) * plane + i] * std[c] + mean[c];
                    lo = fmin(lo, u), hi = fmax(hi, u);
                }
        }
    }
    CHECK(hue_loader_next(l3, &b) == 0);
    CHECK(batches == 78 && bad_shape == 0 && bad_label == 0 && repeats == 0);
    CHECKF(differ == 0, "%d batches differ between 1 and 3 threads", differ);
    for (int c = 0; c < 10; c++)
        CHECKF(per_class[c] >= 984 && per_class[c] <= 1000, "class %d: %d images", c, per_class[c]);
    CHECK(lo >= -1e-6 && hi <= 1 + 1e-6 && lo < 0.01 && hi > 0.99);
    printf("epoch of %d batches: 1 and 3 threads %s; values in [%.4f, %.4f] before normalising\n", batches,
           differ ? "differ" : "identical", lo, hi);
    CHECK(hue_loader_skipped(l1) == 0 && hue_loader_skipped(l3) == 0);
    hue_loader_destroy(l1);
    hue_loader_destroy(l3);
}

/* Pixels of a few files, unshuffled and unaugmented, against the ffmpeg
 * command line's RGB24 decode of the same files; each channel's mean and
 * standard deviation over the split against CIFAR-10's published ones. */
static void test_pixels(const hue_dataset *ds)
{
    hue_loader_options o = hue_loader_defaults();
    o.batch = 1000, o.size = 32, o.layout = HUE_BATCH_U8_NHWC, o.shuffle = 0, o.epochs = 1;
    hue_loader *l = make(ds, &o);
    hue_batch b;
    if (!l || hue_loader_next(l, &b) != 1) {
        CHECK(0);
        hue_loader_destroy(l);
        return;
    }
    for (int j = 0; j < 1000; j += 333) {
        char cmd[1400];
        snprintf(cmd, sizeof cmd, "ffmpeg -v error -i '%s' -f rawvideo -pix_fmt rgb24 -", hue_dataset_path(ds, j));
        FILE *p = popen(cmd, "r");
        static uint8_t want[32 * 32 * 3];
        size_t n = p ? fread(want, 1, sizeof want, p) : 0;
        if (p)
            pclose(p);
        CHECKF(n == sizeof want, "ffmpeg gave %zu bytes for %s", n, hue_dataset_path(ds, j));
        int worst = 0;
        for (size_t i = 0; i < n; i++)
            worst = abs(b.pixels[(size_t)j * 3072 + i] - want[i]) > worst ? abs(b.pixels[(size_t)j * 3072 + i] - want[i])
                                                                           : worst;
        CHECKF(worst <= 2, "%s: off by up to %d from ffmpeg", hue_dataset_path(ds, j), worst);
        printf("%s: largest difference from ffmpeg %d\n", hue_dataset_path(ds, j), worst);
    }
    CHECK(b.labels[0] == 0 && b.items[999] == 999);
    double sum[3] = {0}, sum2[3] = {0};
    int batches = 0;
    do {
        batches++;
        for (size_t i = 0; i < (size_t)b.count * 1024; i++)
            for (int c = 0; c < 3; c++) {
                double v = b.pixels[i * 3 + c] / 255.0;
                sum[c] += v, sum2[c] += v * v;
            }
    } while (hue_loader_next(l, &b) == 1);
    CHECK(batches == 10);
    /* The test split's statistics of the original (PNG) CIFAR-10; the
     * JPEG re-encoding moves them by less than 0.01. */
    const double mean[3] = {0.4942, 0.4851, 0.4504}, std[3] = {0.2467, 0.2429, 0.2616};
    printf("test split per channel:");
    for (int c = 0; c < 3; c++) {
        double m = sum[c] / (10000.0 * 1024), s = sqrt(sum2[c] / (10000.0 * 1024) - m * m);
        printf(" mean %.4f std %.4f;", m, s);
        CHECKF(fabs(m - mean[c]) < 0.01 && fabs(s - std[c]) < 0.01, "channel %d: mean %.4f std %.4f", c, m, s);
    }
    printf("\n");
    hue_loader_destroy(l);
}

static void throughput(const hue_dataset *ds)
{
    for (int threads = 1; threads <= 2; threads++) {
        hue_loader_options o = hue_loader_defaults();
        o.batch = 128, o.size = 32, o.pad_crop = 4, o.flip = 1, o.epochs = 1, o.threads = threads;
        hue_loader *l = make(ds, &o);
        if (!l)
            return;
        double t0 = now_s();
        hue_batch b;
        long long images = 0;
        /* Half an epoch is enough for a figure. */
        for (int k = 0; k < 39 && hue_loader_next(l, &b) == 1; k++)
            images += b.count;
        double dt = now_s() - t0;
        CHECK(images == 39 * 128);
        printf("throughput: %d thread%s: %.0f images/s (float NCHW, crop and flip)\n", threads,
               threads > 1 ? "s" : "", images / dt);
        hue_loader_destroy(l);
    }
}

int main(void)
{
    if (test_tmp_make() < 0)
        return 1;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' --wildcards 'test/*'", test_data("cifar10/cifar10_jpg.tar.gz"),
             test_tmp);
    int rc = system(cmd);
    CHECKF(rc == 0, "%s failed", cmd);
    /* The top of the extracted tree holds splits, not classes. */
    hue_dataset *ds = NULL;
    CHECK(hue_dataset_open(&ds, test_tmp, NULL, NULL) == HUE_EFORMAT);
    CHECKF(strstr(hue_error_message(), "ROOT/train"), "%s", hue_error_message());
    CHECK(hue_dataset_has_split(test_tmp, "test") == 1 && hue_dataset_has_split(test_tmp, "train") == 0);
    CHECK(hue_dataset_has_split(test_tmp, "README.md") == 0);
    if (rc == 0 && hue_dataset_open(&ds, tp("test"), NULL, NULL) == 0) {
        CHECK(hue_dataset_size(ds) == 10000 && hue_dataset_num_classes(ds) == 10);
        for (int c = 0; c < 10; c++) {
            CHECK(!strcmp(hue_dataset_class_name(ds, c), classes[c]));
            CHECK(hue_dataset_class_size(ds, c) == 1000);
        }
        CHECK(strstr(hue_dataset_path(ds, 1000), "/test/automobile/0000.jpg") != NULL);
        test_epoch(ds);
        test_pixels(ds);
        throughput(ds);
        hue_dataset_close(ds);
    } else {
        CHECKF(0, "%s", hue_error_message());
    }
    test_tmp_remove();
    return test_finish();
}
