/* The image-folder dataset and its loader on small generated folders:
 * listing and labels, batch contents to the pixel, epochs, the seeded
 * order, augmentation, normalisation, resuming, and identical batches for
 * any number of threads and ring size. */
#include "dataset_test_util.h"
#include "hue_dataset.h"
#include "test_util.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Dataset order of the generated folder: class, file, and whether the file
 * is a lossless pattern PNG (else a uniform JPEG of colour uniform_rgb). */
static const struct {
    const char *cls, *file;
    int png;
} files[] = {
    {"a_cls", "Y.PNG", 1}, {"a_cls", "x.png", 1},                                      /* upper case sorts first */
    {"b_cls", "1.png", 1}, {"b_cls", "10.png", 1}, {"b_cls", "2.png", 1},              /* names, not numbers */
    {"c", "c0.png", 1},    {"c", "c1.png", 1},     {"c", "c2.png", 1}, {"c", "c3.png", 1}, {"c", "c4.png", 1},
    {"d", "j0.jpg", 0},    {"d", "j1.jpeg", 0},
};
enum { N = 12, S = 5 };

static void uniform_rgb(int id, uint8_t *p)
{
    p[0] = (uint8_t)(10 + 20 * id), p[1] = 100, p[2] = 200;
}

static int make_folder(void)
{
    const char *cls[] = {"c", "b_cls", "d", "a_cls"};
    for (int c = 0; c < 4; c++)
        make_dir(tp("ds/%s", cls[c]));
    int r = 0;
    for (int i = N - 1; i >= 0; i--) {
        uint8_t col[3];
        uniform_rgb(i, col);
        const char *path = tp("ds/%s/%s", files[i].cls, files[i].file);
        r |= files[i].png ? write_pattern(path, i, S, S) : write_uniform(path, col[0], col[1], col[2], 8, 6);
    }
    /* Ignored: hidden files, other extensions, folders inside a class. */
    r |= write_pattern(tp("ds/a_cls/.hidden.png"), 15, S, S);
    write_bytes(tp("ds/a_cls/notes.txt"), "hello", 5);
    make_dir(tp("ds/a_cls/sub"));
    r |= write_pattern(tp("ds/a_cls/sub/z.png"), 15, S, S);
    return r;
}

static void test_listing(const hue_dataset *ds)
{
    CHECK(hue_dataset_size(ds) == N);
    CHECK(hue_dataset_num_classes(ds) == 4);
    const char *names[] = {"a_cls", "b_cls", "c", "d"};
    int64_t sizes[] = {2, 3, 5, 2};
    for (int c = 0; c < 4; c++) {
        CHECK(hue_dataset_class_name(ds, c) && !strcmp(hue_dataset_class_name(ds, c), names[c]));
        CHECK(hue_dataset_class_size(ds, c) == sizes[c]);
    }
    CHECK(hue_dataset_class_name(ds, 4) == NULL && hue_dataset_class_name(ds, -1) == NULL);
    for (int i = 0; i < N; i++) {
        const char *want = tp("ds/%s/%s", files[i].cls, files[i].file);
        CHECKF(hue_dataset_path(ds, i) && !strcmp(hue_dataset_path(ds, i), want), "%d: %s, want %s", i,
               hue_dataset_path(ds, i), want);
        int label = files[i].cls[0] - 'a';
        CHECK(hue_dataset_label(ds, i) == label);
    }
    CHECK(hue_dataset_path(ds, N) == NULL && hue_dataset_label(ds, N) == -1);
}

/* Image j of a u8 batch holds dataset image `item`, unaugmented. */
static int holds_exactly(const hue_batch *b, int j, int64_t item)
{
    const uint8_t *px = b->pixels + (size_t)j * b->size * b->size * 3;
    for (int y = 0; y < b->size; y++)
        for (int x = 0; x < b->size; x++) {
            uint8_t want[3];
            if (files[item].png)
                pattern_pixel((int)item, x, y, want);
            else
                uniform_rgb((int)item, want);
            const uint8_t *got = px + ((size_t)y * b->size + x) * 3;
            for (int c = 0; c < 3; c++)
                if (abs(got[c] - want[c]) > (files[item].png ? 0 : 3))
                    return 0;
        }
    return 1;
}

static hue_loader *make_loader(const hue_dataset *ds, const hue_loader_options *o)
{
    hue_loader *l = NULL;
    int r = hue_loader_create(&l, ds, o);
    CHECKF(r == 0, "%s", hue_error_message());
    return l;
}

/* Dataset order, exact pixels, drop or keep the last batch, end of epochs. */
static void test_plain(const hue_dataset *ds)
{
    for (int keep = 0; keep < 2; keep++) {
        hue_loader_options o = hue_loader_defaults();
        o.batch = 5, o.size = S, o.layout = HUE_BATCH_U8_NHWC, o.shuffle = 0, o.keep_last = keep, o.epochs = 2;
        hue_loader *l = make_loader(ds, &o);
        if (!l)
            return;
        int per_epoch = keep ? 3 : 2;
        CHECK(hue_loader_batches_per_epoch(l) == per_epoch);
        hue_batch b;
        for (int t = 0; t < 2 * per_epoch; t++) {
            CHECK(hue_loader_next(l, &b) == 1);
            CHECK(b.epoch == t / per_epoch && b.index == t % per_epoch);
            CHECK(b.count == (b.index == 2 ? 2 : 5));
            CHECK(b.size == S && b.pixels && !b.images);
            for (int j = 0; j < b.count; j++) {
                int64_t item = b.index * 5 + j;
                CHECK(b.items[j] == item);
                CHECK(b.labels[j] == hue_dataset_label(ds, item));
                CHECKF(holds_exactly(&b, j, item), "batch %d image %d", t, j);
            }
        }
        CHECK(hue_loader_next(l, &b) == 0);
        CHECK(hue_loader_next(l, &b) == 0);
        CHECK(hue_loader_skipped(l) == 0);
        hue_loader_destroy(l);
    }
}

/* Each epoch is the seeded permutation; epochs and seeds differ. */
static void test_order(const hue_dataset *ds)
{
    int64_t got[3][N], want[N];
    for (int run = 0; run < 3; run++) {
        hue_loader_options o = hue_loader_defaults();
        o.batch = 4, o.size = S, o.layout = HUE_BATCH_U8_NHWC, o.seed = run == 2 ? 8 : 7;
        o.first_epoch = run == 1 ? 1 : 0, o.epochs = 1;
        hue_loader *l = make_loader(ds, &o);
        if (!l)
            return;
        hue_batch b;
        int k = 0;
        while (hue_loader_next(l, &b) == 1)
            for (int j = 0; j < b.count; j++) {
                CHECK(holds_exactly(&b, j, b.items[j]));
                CHECK(b.labels[j] == hue_dataset_label(ds, b.items[j]));
                got[run][k++] = b.items[j];
            }
        CHECK(k == N);
        hue_dataset_epoch_order(N, o.seed, o.first_epoch, want);
        CHECK(!memcmp(got[run], want, sizeof want));
        int seen[N] = {0};
        for (int i = 0; i < N; i++)
            seen[want[i]]++;
        for (int i = 0; i < N; i++)
            CHECK(seen[i] == 1);
        hue_loader_destroy(l);
    }
    CHECK(memcmp(got[0], got[1], sizeof got[0]) != 0);
    CHECK(memcmp(got[0], got[2], sizeof got[0]) != 0);
    /* The order is a pure function of (n, seed, epoch). */
    hue_dataset_epoch_order(N, 7, 0, want);
    CHECK(!memcmp(got[0], want, sizeof want));
    /* Every place of a large shuffle is reached: no gross bias. */
    enum { M = 1000 };
    static int64_t big[M];
    int moved = 0;
    hue_dataset_epoch_order(M, 1, 0, big);
    for (int i = 0; i < M; i++)
        moved += big[i] != i;
    CHECK(moved > M * 9 / 10);
}

/* Augmentation: every image is a pad-and-crop window, maybe flipped, of its
 * source; zero padding shows; both flips occur. */
static void test_augment(const hue_dataset *ds)
{
    enum { PAD = 2 };
    hue_loader_options o = hue_loader_defaults();
    o.batch = 6, o.size = S, o.layout = HUE_BATCH_U8_NHWC, o.pad_crop = PAD, o.flip = 1, o.epochs = 4, o.seed = 3;
    hue_loader *l = make_loader(ds, &o);
    if (!l)
        return;
    hue_batch b;
    int flips = 0, plain = 0, padded = 0, images = 0, offsets[2 * PAD + 1][2 * PAD + 1] = {{0}};
    while (hue_loader_next(l, &b) == 1)
        for (int j = 0; j < b.count; j++) {
            int64_t item = b.items[j];
            if (!files[item].png)
                continue;
            const uint8_t *px = b.pixels + (size_t)j * S * S * 3;
            int matches = 0;
            for (int f = 0; f < 2; f++)
                for (int dy = 0; dy <= 2 * PAD; dy++)
                    for (int dx = 0; dx <= 2 * PAD; dx++) {
                        int same = 1;
                        for (int y = 0; y < S && same; y++)
                            for (int x = 0; x < S && same; x++) {
                                int sx = (f ? S - 1 - x : x) + dx - PAD, sy = y + dy - PAD;
                                uint8_t want[3] = {0, 0, 0};
                                if (sx >= 0 && sy >= 0 && sx < S && sy < S)
                                    pattern_pixel((int)item, sx, sy, want);
                                same = !memcmp(px + ((size_t)y * S + x) * 3, want, 3);
                            }
                        if (same) {
                            matches++;
                            flips += f, plain += !f;
                            padded += dx != PAD || dy != PAD;
                            offsets[dy][dx]++;
                        }
                    }
            CHECKF(matches == 1, "image %lld of batch %lld matches %d views", (long long)item, (long long)b.index,
                   matches);
            images++;
        }
    CHECK(images > 20);
    CHECK(flips > 0 && plain > 0 && padded > 0);
    int used = 0;
    for (int dy = 0; dy <= 2 * PAD; dy++)
        for (int dx = 0; dx <= 2 * PAD; dx++)
            used += offsets[dy][dx] > 0;
    CHECK(used >= 10); /* of 25 offsets, over ~30 images */
    hue_loader_destroy(l);
}

/* Float batches are the byte batches through (v/255 - mean) / std, planar. */
static void test_float(const hue_dataset *ds)
{
    const float mean[3] = {0.5f, 0.25f, 0.1f}, std[3] = {0.2f, 0.5f, 2.0f};
    hue_loader_options o = hue_loader_defaults();
    o.batch = 4, o.size = S, o.pad_crop = 1, o.flip = 1, o.epochs = 2, o.seed = 11;
    memcpy(o.mean, mean, sizeof mean);
    memcpy(o.std, std, sizeof std);
    hue_loader *lf = make_loader(ds, &o);
    o.layout = HUE_BATCH_U8_NHWC;
    hue_loader *lu = make_loader(ds, &o);
    if (!lf || !lu)
        return;
    hue_batch bf, bu;
    int batches = 0, bad = 0;
    while (hue_loader_next(lf, &bf) == 1) {
        CHECK(hue_loader_next(lu, &bu) == 1);
        CHECK(bf.images && !bf.pixels && bf.count == bu.count);
        CHECK(!memcmp(bf.items, bu.items, (size_t)bf.count * sizeof *bf.items));
        for (int j = 0; j < bf.count; j++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < S * S; i++) {
                    float want = (float)((bu.pixels[((size_t)j * S * S + i) * 3 + c] / 255.0 - mean[c]) / std[c]);
                    bad += bf.images[((size_t)j * 3 + c) * S * S + i] != want;
                }
        batches++;
    }
    CHECK(hue_loader_next(lu, &bu) == 0);
    CHECK(batches == 6);
    CHECKF(bad == 0, "%d values differ", bad);
    hue_loader_destroy(lf);
    hue_loader_destroy(lu);
}

/* Resizing: 5x5 patterns and 8x6 JPEGs to 3x3 and 9x9. */
static void test_resize(const hue_dataset *ds)
{
    for (int size = 3; size <= 9; size += 6) {
        hue_loader_options o = hue_loader_defaults();
        o.batch = N, o.size = size, o.layout = HUE_BATCH_U8_NHWC, o.shuffle = 0, o.epochs = 1;
        hue_loader *l = make_loader(ds, &o);
        if (!l)
            return;
        hue_batch b;
        CHECK(hue_loader_next(l, &b) == 1);
        CHECK(b.count == N && b.size == size);
        for (int j = 0; j < N; j++) {
            const uint8_t *px = b.pixels + (size_t)j * size * size * 3;
            uint8_t want[3];
            uniform_rgb(j, want);
            int far = 0;
            for (int i = 0; i < size * size; i++) {
                far += abs(px[3 * i] - want[0]) > (files[j].png ? 1 : 3); /* red is uniform in both kinds */
                if (!files[j].png)
                    far += abs(px[3 * i + 1] - want[1]) > 3 || abs(px[3 * i + 2] - want[2]) > 3;
            }
            CHECKF(far == 0, "size %d image %d: %d pixels off", size, j, far);
            /* Green grows left to right in the patterns. */
            if (files[j].png)
                CHECK(px[1] < px[(size - 1) * 3 + 1]);
        }
        CHECK(hue_loader_next(l, &b) == 0);
        hue_loader_destroy(l);
    }
}

/* Copies of every batch a loader delivers. */
typedef struct {
    int n;
    hue_batch b[64];
    size_t bytes[64];
} batch_log;

static void record(hue_loader *l, batch_log *log)
{
    hue_batch b;
    while (log->n < 64 && hue_loader_next(l, &b) == 1) {
        size_t bytes = (size_t)b.count * b.size * b.size * 3 * (b.images ? sizeof(float) : 1);
        hue_batch *c = &log->b[log->n];
        *c = b;
        void *px = malloc(bytes);
        memcpy(px, b.images ? (const void *)b.images : (const void *)b.pixels, bytes);
        if (b.images)
            c->images = px;
        else
            c->pixels = px;
        int32_t *labels = malloc((size_t)b.count * sizeof *labels);
        int64_t *items = malloc((size_t)b.count * sizeof *items);
        memcpy(labels, b.labels, (size_t)b.count * sizeof *labels);
        memcpy(items, b.items, (size_t)b.count * sizeof *items);
        c->labels = labels, c->items = items;
        log->bytes[log->n++] = bytes;
    }
}

static void log_free(batch_log *log)
{
    for (int i = 0; i < log->n; i++) {
        free((void *)log->b[i].images);
        free((void *)log->b[i].pixels);
        free((void *)log->b[i].labels);
        free((void *)log->b[i].items);
    }
    log->n = 0;
}

static int same_batch(const batch_log *a, int i, const batch_log *b, int k)
{
    const hue_batch *x = &a->b[i], *y = &b->b[k];
    return x->count == y->count && x->epoch == y->epoch && x->index == y->index && a->bytes[i] == b->bytes[k] &&
           !memcmp(x->images ? (const void *)x->images : (const void *)x->pixels,
                   y->images ? (const void *)y->images : (const void *)y->pixels, a->bytes[i]) &&
           !memcmp(x->labels, y->labels, (size_t)x->count * sizeof *x->labels) &&
           !memcmp(x->items, y->items, (size_t)x->count * sizeof *x->items);
}

/* 1 thread with a ring of 1, 3 threads with a ring of 4, 2 with 2: the same
 * bytes; a resumed loader continues with the same batches. */
static void test_threads_and_resume(const hue_dataset *ds)
{
    static batch_log logs[4];
    const int threads[3] = {1, 3, 2}, ring[3] = {1, 4, 2};
    for (int k = 0; k < 3; k++) {
        hue_loader_options o = hue_loader_defaults();
        o.batch = 5, o.size = 7, o.keep_last = 1, o.pad_crop = 2, o.flip = 1, o.epochs = 3, o.seed = 99;
        o.threads = threads[k], o.ring = ring[k];
        hue_loader *l = make_loader(ds, &o);
        if (!l)
            return;
        record(l, &logs[k]);
        hue_loader_destroy(l);
        CHECK(logs[k].n == 9);
    }
    for (int k = 1; k < 3; k++)
        for (int i = 0; i < logs[0].n && i < logs[k].n; i++)
            CHECKF(same_batch(&logs[0], i, &logs[k], i), "batch %d with %d threads", i, threads[k]);
    /* Resume at epoch 1, batch 1: the continuous run's batches 4 to 8. */
    hue_loader_options o = hue_loader_defaults();
    o.batch = 5, o.size = 7, o.keep_last = 1, o.pad_crop = 2, o.flip = 1, o.seed = 99;
    o.first_epoch = 1, o.first_batch = 1, o.epochs = 2;
    hue_loader *l = make_loader(ds, &o);
    if (l) {
        record(l, &logs[3]);
        hue_loader_destroy(l);
        CHECK(logs[3].n == 5);
        for (int i = 0; i < logs[3].n; i++)
            CHECKF(same_batch(&logs[0], i + 4, &logs[3], i), "resumed batch %d", i);
    }
    /* Abandoning a loader mid-epoch, with every slot full, is clean. */
    o.first_batch = 0, o.epochs = 0, o.threads = 3;
    if ((l = make_loader(ds, &o))) {
        hue_batch b;
        CHECK(hue_loader_next(l, &b) == 1);
        usleep(20000);
        hue_loader_destroy(l);
    }
    for (int k = 0; k < 4; k++)
        log_free(&logs[k]);
}

int main(void)
{
    if (test_tmp_make() < 0)
        return 1;
    make_dir(tp("ds"));
    CHECK(make_folder() == 0);
    hue_dataset *ds = NULL;
    warn_log w = {0};
    /* A trailing slash names the same folder. */
    int r = hue_dataset_open(&ds, tp("ds/"), collect_warning, &w);
    CHECKF(r == 0, "%s", hue_error_message());
    if (r == 0) {
        CHECK(w.n == 0);
        CHECK(!strcmp(hue_dataset_root(ds), tp("ds")));
        test_listing(ds);
        test_plain(ds);
        test_order(ds);
        test_augment(ds);
        test_float(ds);
        test_resize(ds);
        test_threads_and_resume(ds);
        CHECK(hue_dataset_check_classes(ds, ds) == 0);
        hue_dataset_close(ds);
    }
    test_tmp_remove();
    return test_finish();
}
