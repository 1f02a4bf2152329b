/* Augmentation throughput: images/s of the loader running the SimCLR
 * two-view hook (two random resized crops with flip, colour jitter and
 * grayscale, as normalised floats) on an image folder, for each decoding
 * thread count, against the plain loader (pad-crop and flip) on the same
 * images in the same run as the peer; then the views alone on images
 * already decoded in memory (one thread), which is what the hook adds.
 * A program that prints figures (run by tests/bench/augment_throughput.sh),
 * not a timed test.
 *
 * usage: bench_augment ROOT [SIZE [BATCH [MAX_THREADS [BATCHES]]]]   (32, 128, 2, 39) */
#include "hue_augment.h"
#include "hue_dataset.h"
#include "hue_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* images/s over `batches` batches, or -1 on error; the CPU time per image
 * (all threads) in *cpu_us. */
static double run(const hue_dataset *ds, const hue_loader_options *o, int batches, double *cpu_us)
{
    hue_loader *l;
    if (hue_loader_create(&l, ds, o) < 0)
        return -1;
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    long long images = 0;
    hue_batch b;
    int r = 1;
    for (int k = 0; k < batches && (r = hue_loader_next(l, &b)) == 1; k++)
        images += b.count;
    double dt = clock_s(CLOCK_MONOTONIC) - t0;
    *cpu_us = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / (images ? images : 1) * 1e6;
    hue_loader_destroy(l);
    return r < 0 ? -1 : images / dt;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_augment ROOT [SIZE [BATCH [MAX_THREADS [BATCHES]]]]\n");
        return 2;
    }
    int size = argc > 2 ? atoi(argv[2]) : 32, batch = argc > 3 ? atoi(argv[3]) : 128;
    int max_threads = argc > 4 ? atoi(argv[4]) : 2, batches = argc > 5 ? atoi(argv[5]) : 39;
    hue_dataset *ds;
    if (hue_dataset_open(&ds, argv[1], NULL, NULL) < 0) {
        fprintf(stderr, "bench_augment: %s\n", hue_error_message());
        return 1;
    }
    hue_augment_views views = {.count = 2, .mean = {0.4914f, 0.4822f, 0.4465f}, .std = {0.2470f, 0.2435f, 0.2616f}};
    views.view[0] = views.view[1] = hue_augment_simclr(size);
    int64_t floats = hue_augment_views_floats(&views);
    if (floats < 0) {
        fprintf(stderr, "bench_augment: %s\n", hue_error_message());
        return 1;
    }
    printf("%s: %lld images; size %d, batch %d, %d batches per figure\n", argv[1], (long long)hue_dataset_size(ds),
           size, batch, batches);
    printf("%-26s %8s %10s %13s %16s\n", "pipeline", "threads", "images/s", "CPU us/image", "vs plain loader");
    for (int threads = 1; threads <= max_threads; threads++) {
        hue_loader_options o = hue_loader_defaults();
        o.batch = batch, o.size = size, o.threads = threads;
        o.pad_crop = size / 8, o.flip = 1;
        double cpu_plain, cpu_views;
        double plain = run(ds, &o, batches, &cpu_plain);
        o.pad_crop = 0, o.flip = 0;
        o.sample = hue_augment_views_sample, o.sample_user = &views, o.sample_floats = floats;
        double two = plain < 0 ? -1 : run(ds, &o, batches, &cpu_views);
        if (two < 0) {
            fprintf(stderr, "bench_augment: %s\n", hue_error_message());
            return 1;
        }
        printf("%-26s %8d %10.0f %13.1f %16s\n", "plain (pad-crop, flip)", threads, plain, cpu_plain, "1.00x");
        printf("%-26s %8d %10.0f %13.1f %15.2fx\n", "SimCLR two views (hook)", threads, two, cpu_views, two / plain);
    }
    /* The views alone, on decoded images in memory. */
    hue_loader_options o = hue_loader_defaults();
    o.batch = batch, o.size = size, o.layout = HUE_BATCH_U8_NHWC, o.shuffle = 0, o.epochs = 1, o.threads = 1;
    hue_loader *l;
    hue_batch b;
    if (hue_loader_create(&l, ds, &o) < 0 || hue_loader_next(l, &b) != 1) {
        fprintf(stderr, "bench_augment: %s\n", hue_error_message());
        return 1;
    }
    /* Timed by this thread's CPU clock: a busy machine slows the wall
     * clock, not the work. */
    float *out = malloc((size_t)floats * sizeof(float));
    double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    long long done = 0;
    while (clock_s(CLOCK_THREAD_CPUTIME_ID) - t0 < 1.0)
        for (int j = 0; j < b.count; j++, done++)
            if (hue_augment_views_sample(&views, b.pixels + (size_t)j * size * size * 3, size, size, (uint64_t)done,
                                         out) < 0) {
                fprintf(stderr, "bench_augment: %s\n", hue_error_message());
                return 1;
            }
    double dt = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
    printf("%-26s %8d %10.0f %13.1f   (per CPU second)\n", "two views, no decoding", 1, done / dt, dt / done * 1e6);
    free(out);
    hue_loader_destroy(l);
    hue_dataset_close(ds);
    return 0;
}
