/* Loader throughput: images/s of one epoch of an image-folder dataset for
 * each decoding thread count, as float NCHW and as RGB8 NHWC (augmented:
 * pad-crop and flip). Then the same epoch with a consumer that needs 1/0.7
 * of the loader's time per batch (sleeping, as while a device computes):
 * the share of the epoch it spent waiting for batches shows whether the
 * ring keeps it fed. CPU time per image (all threads) says what a machine
 * shared with other work would see. A program that prints figures (run by
 * tests/bench/dataset_throughput.sh), not a timed test.
 *
 * usage: bench_dataset ROOT [SIZE [BATCH [MAX_THREADS]]]   (32, 128, 2) */
#include "hue_dataset.h"
#include "hue_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }

/* One epoch; returns images/s, or -1 on error. A consumer pause of
 * `busy` seconds follows each batch. */
static double epoch(const hue_dataset *ds, int size, int batch, int layout, int threads, double busy,
                    double *waited, double *cpu_us)
{
    hue_loader_options o = hue_loader_defaults();
    o.batch = batch, o.size = size, o.layout = layout, o.threads = threads, o.epochs = 1;
    o.pad_crop = size / 8, o.flip = 1;
    hue_loader *l;
    if (hue_loader_create(&l, ds, &o) < 0)
        return -1;
    double t0 = now_s(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    long long images = 0;
    hue_batch b;
    int r;
    while ((r = hue_loader_next(l, &b)) == 1) {
        images += b.count;
        if (busy > 0) {
            struct timespec ts = {(time_t)busy, (long)((busy - (time_t)busy) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    double dt = now_s() - t0;
    *cpu_us = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / (images ? images : 1) * 1e6;
    *waited = hue_loader_wait_seconds(l) / dt;
    hue_loader_destroy(l);
    return r < 0 ? -1 : images / dt;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_dataset ROOT [SIZE [BATCH [MAX_THREADS]]]\n");
        return 2;
    }
    int size = argc > 2 ? atoi(argv[2]) : 32, batch = argc > 3 ? atoi(argv[3]) : 128;
    int max_threads = argc > 4 ? atoi(argv[4]) : 2;
    hue_dataset *ds;
    if (hue_dataset_open(&ds, argv[1], NULL, NULL) < 0) {
        fprintf(stderr, "bench_dataset: %s\n", hue_error_message());
        return 1;
    }
    printf("%s: %lld images, %d classes; size %d, batch %d\n", argv[1], (long long)hue_dataset_size(ds),
           hue_dataset_num_classes(ds), size, batch);
    printf("%-10s %8s %10s %12s %24s\n", "layout", "threads", "images/s", "CPU us/image", "consumer at 70%: waited");
    for (int layout = 0; layout < 2; layout++)
        for (int threads = 1; threads <= max_threads; threads++) {
            double waited, cpu, cpu_busy, rate = epoch(ds, size, batch, layout, threads, 0, &waited, &cpu);
            double busy = rate > 0 ? batch / (0.7 * rate) : 0, waited_busy = 0;
            if (rate < 0 || epoch(ds, size, batch, layout, threads, busy, &waited_busy, &cpu_busy) < 0) {
                fprintf(stderr, "bench_dataset: %s\n", hue_error_message());
                return 1;
            }
            printf("%-10s %8d %10.0f %12.1f %23.1f%%\n", layout ? "u8 NHWC" : "f32 NCHW", threads, rate, cpu,
                   100 * waited_busy);
        }
    hue_dataset_close(ds);
    return 0;
}
