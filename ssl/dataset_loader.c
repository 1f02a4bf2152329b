/* The batch loader: background threads decode images into a ring of
 * batches. Batches are numbered globally (epoch * batches_per_epoch +
 * index); batch t lives in ring slot t % ring. Threads take images a few at
 * a time from the oldest batch not yet handed out, so every thread helps
 * with the batch the caller will want next; what goes into an image's place
 * depends only on the seed, the epoch and the place, never on the thread.
 * A sample hook, when set, turns each decoded image into the batch's floats
 * in the same threads. */
#include "dataset_internal.h"
#include "hue_clock.h"
#include "hue_dataset.h"
#include "hue_error.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WARNINGS 10 /* undecodable images named one by one; the rest only counted */
#define CLAIM 4         /* images a thread takes at a time */
#define MAX_SAMPLE_FLOATS (1LL << 30)

typedef struct {
    int64_t t;       /* global batch number held; -1 none */
    int64_t epoch, index;
    int count;       /* images in it */
    int done;        /* images finished */
    int64_t *items;  /* dataset index of each image */
    int32_t *labels;
    float *images;
    uint8_t *pixels;
} slot;

struct hue_loader {
    const hue_dataset *ds;
    hue_loader_options o;
    int64_t n, per_epoch;
    int64_t t_first, t_end;   /* batches [t_first, t_end) are delivered */
    slot *ring;
    float lut[3][256];        /* byte value -> normalised float, per channel */

    pthread_mutex_t m;
    pthread_cond_t work;      /* threads wait here for a free slot */
    pthread_cond_t ready;     /* the caller waits here for its batch */
    pthread_t *threads;
    int started;

    int64_t fill_t;           /* batch whose images are being handed out */
    int fill_j;               /* its next image */
    int64_t next_t;           /* next batch to set up */
    int64_t released;         /* batches below this one are given back */
    int64_t deliver_t;        /* next batch for the caller */
    int holding;              /* the caller holds batch deliver_t - 1 */
    int stop;
    int error;                /* first error of a thread, with its message */
    char error_msg[1024];

    int64_t *order[2];        /* epoch orders, computed when a batch needs one */
    int64_t order_epoch[2];
    int order_next;

    atomic_uchar *bad;        /* image found undecodable */
    atomic_llong skipped;
    char warnings[MAX_WARNINGS + 1][1100]; /* waiting for the caller's thread */
    int warnings_queued, warnings_made;
    char first_bad[1024];     /* why the first undecodable image failed */
    double wait_s;
};

hue_loader_options hue_loader_defaults(void)
{
    hue_loader_options o = {0};
    o.std[0] = o.std[1] = o.std[2] = 1.0f;
    o.shuffle = 1;
    o.threads = 2;
    o.ring = 4;
    return o;
}

static int check_options(const hue_dataset *ds, const hue_loader_options *o)
{
    int64_t n = hue_dataset_size(ds);
    const char *root = hue_dataset_root(ds);
    if (o->batch <= 0)
        return hue_fail(HUE_EINVAL, "%s: batch size %d: must be at least 1", root, o->batch);
    if (o->batch > n)
        return hue_fail(HUE_EINVAL, "%s: batch size %d is larger than the dataset (%lld images)", root, o->batch,
                        (long long)n);
    if (o->part_count < 0 || o->part_first < 0 || (int64_t)o->part_first + o->part_count > o->batch ||
        (o->part_count > 0 && o->keep_last))
        return hue_fail(HUE_EINVAL, "%s: batch part %d + %d does not fit a batch of %d (or keep_last is set)", root,
                        o->part_first, o->part_count, o->batch);
    if (o->sample) {
        if (o->size < 0 || o->size > 4096)
            return hue_fail(HUE_EINVAL, "%s: image size %d: must be 1 to 4096, or 0 for each image's own size",
                            root, o->size);
        if (o->sample_floats < 1 || o->sample_floats > MAX_SAMPLE_FLOATS)
            return hue_fail(HUE_EINVAL, "%s: sample_floats %lld: a sample hook writes 1 to %lld floats per image",
                            root, (long long)o->sample_floats, MAX_SAMPLE_FLOATS);
        if (o->layout != HUE_BATCH_F32_NCHW)
            return hue_fail(HUE_EINVAL, "%s: a sample hook writes floats: the layout must be HUE_BATCH_F32_NCHW", root);
        if (o->pad_crop != 0 || o->flip != 0)
            return hue_fail(HUE_EINVAL,
                            "%s: pad_crop and flip are the loader's own augmentation: with a sample hook they must be "
                            "0 (the hook augments)",
                            root);
    } else {
        if (o->size <= 0 || o->size > 4096)
            return hue_fail(HUE_EINVAL, "%s: image size %d: must be 1 to 4096", root, o->size);
        if (o->sample_floats != 0)
            return hue_fail(HUE_EINVAL, "%s: sample_floats %lld without a sample hook", root,
                            (long long)o->sample_floats);
    }
    if (o->layout != HUE_BATCH_F32_NCHW && o->layout != HUE_BATCH_U8_NHWC)
        return hue_fail(HUE_EINVAL, "%s: unknown batch layout %d", root, o->layout);
    for (int c = 0; c < 3; c++) {
        if (!isfinite(o->mean[c]))
            return hue_fail(HUE_EINVAL, "%s: mean[%d] is not a finite number", root, c);
        if (!(o->std[c] > 0) || !isfinite(o->std[c]))
            return hue_fail(HUE_EINVAL, "%s: std[%d] = %g: must be a positive number", root, c, o->std[c]);
    }
    if (o->pad_crop < 0 || o->pad_crop > o->size)
        return hue_fail(HUE_EINVAL, "%s: crop padding %d: must be 0 to the image size (%d)", root, o->pad_crop,
                        o->size);
    if ((o->shuffle != 0 && o->shuffle != 1) || (o->flip != 0 && o->flip != 1) ||
        (o->keep_last != 0 && o->keep_last != 1))
        return hue_fail(HUE_EINVAL, "%s: shuffle, flip and keep_last must be 0 or 1", root);
    if (o->threads < 1 || o->threads > 64)
        return hue_fail(HUE_EINVAL, "%s: %d decoding threads: must be 1 to 64", root, o->threads);
    if (o->ring < 1 || o->ring > 64)
        return hue_fail(HUE_EINVAL, "%s: a ring of %d batches: must be 1 to 64", root, o->ring);
    int64_t per_epoch = o->keep_last ? (n + o->batch - 1) / o->batch : n / o->batch;
    if (o->first_epoch < 0 || o->epochs < 0 || o->first_epoch > INT64_MAX / per_epoch - o->epochs - 1)
        return hue_fail(HUE_EINVAL, "%s: first epoch %lld and epoch count %lld are out of range", root,
                        (long long)o->first_epoch, (long long)o->epochs);
    if (o->first_batch < 0 || o->first_batch >= per_epoch)
        return hue_fail(HUE_EINVAL, "%s: first batch %lld: an epoch has batches 0 to %lld", root,
                        (long long)o->first_batch, (long long)per_epoch - 1);
    return 0;
}

/* The dataset index at place k of epoch e (caller holds the lock). */
static const int64_t *epoch_order(hue_loader *l, int64_t epoch)
{
    for (int i = 0; i < 2; i++)
        if (l->order_epoch[i] == epoch)
            return l->order[i];
    int i = l->order_next;
    l->order_next ^= 1;
    hue_dataset_epoch_order(l->n, l->o.seed, epoch, l->order[i]);
    l->order_epoch[i] = epoch;
    return l->order[i];
}

static void set_up(hue_loader *l, int64_t t)
{
    slot *s = &l->ring[t % l->o.ring];
    s->t = t;
    s->epoch = t / l->per_epoch;
    s->index = t % l->per_epoch;
    int64_t first = s->index * l->o.batch + l->o.part_first;
    int take = l->o.part_count ? l->o.part_count : l->o.batch;
    s->count = (int)(l->n - first < take ? l->n - first : take);
    s->done = 0;
    const int64_t *order = l->o.shuffle ? epoch_order(l, s->epoch) : NULL;
    for (int j = 0; j < s->count; j++)
        s->items[j] = order ? order[first + j] : first + j;
}

/* Records a thread's error once; the caller gets it from hue_loader_next. */
static void fail_locked(hue_loader *l, int code, const char *msg)
{
    if (!l->error) {
        l->error = code;
        snprintf(l->error_msg, sizeof l->error_msg, "%s", msg);
    }
    l->stop = 1;
    pthread_cond_broadcast(&l->ready);
    pthread_cond_broadcast(&l->work);
}

static void note_bad(hue_loader *l, int64_t item, const char *why)
{
    unsigned char expected = 0;
    if (!atomic_compare_exchange_strong(&l->bad[item], &expected, 1))
        return; /* another thread saw it first */
    atomic_fetch_add(&l->skipped, 1);
    pthread_mutex_lock(&l->m);
    if (!l->first_bad[0])
        snprintf(l->first_bad, sizeof l->first_bad, "%s", why);
    if (l->warnings_made < MAX_WARNINGS)
        snprintf(l->warnings[l->warnings_queued++], sizeof l->warnings[0], "%s; image skipped", why);
    else if (l->warnings_made == MAX_WARNINGS)
        snprintf(l->warnings[l->warnings_queued++], sizeof l->warnings[0],
                 "%s: more undecodable images; they are skipped and counted without a warning",
                 hue_dataset_root(l->ds));
    l->warnings_made++;
    pthread_mutex_unlock(&l->m);
}

/* Fills place j of slot s. An image that does not decode gives its place to
 * the next one in dataset order that does. */
static int load_one(hue_loader *l, slot *s, int j, uint8_t **rgb, size_t *capacity)
{
    int64_t item = s->items[j];
    int size = l->o.size, width = 0, height = 0, r;
    for (int64_t tries = 0;; tries++) {
        if (tries == l->n) {
            pthread_mutex_lock(&l->m);
            r = hue_fail(HUE_EFORMAT, "%s: none of its %lld images could be decoded (first: %s)",
                         hue_dataset_root(l->ds), (long long)l->n, l->first_bad);
            pthread_mutex_unlock(&l->m);
            return r;
        }
        if (!atomic_load(&l->bad[item])) {
            r = hue_data_decode_any(hue_dataset_path(l->ds, item), size, rgb, capacity, &width, &height);
            if (r == 0)
                break;
            if (r == HUE_ENOMEM)
                return r;
            note_bad(l, item, hue_error_message());
        }
        item = item + 1 == l->n ? 0 : item + 1;
    }
    s->items[j] = item;
    s->labels[j] = hue_dataset_label(l->ds, item);
    int64_t position = s->index * l->o.batch + l->o.part_first + j;
    if (l->o.sample) {
        uint64_t seed = hue_loader_sample_seed(l->o.seed, s->epoch, position);
        r = l->o.sample(l->o.sample_user, *rgb, width, height, seed, s->images + (size_t)l->o.sample_floats * j);
        if (r < 0)
            return hue_fail(r, "%s: sample hook: %s", hue_dataset_path(l->ds, item), hue_error_message());
        return 0;
    }
    hue_data_view v = hue_data_view_draw(l->o.seed, s->epoch, position, l->o.pad_crop, l->o.flip);
    size_t pixels = (size_t)size * size * 3;
    if (l->o.layout == HUE_BATCH_U8_NHWC)
        hue_data_view_u8(*rgb, size, v, s->pixels + pixels * j);
    else
        hue_data_view_f32(*rgb, size, v, (const float(*)[256])l->lut, s->images + pixels * j);
    return 0;
}

static void *worker(void *arg)
{
    hue_loader *l = arg;
    /* Native sizes (size 0) grow the buffer as images need. */
    size_t capacity = (size_t)l->o.size * l->o.size * 3;
    uint8_t *rgb = capacity ? malloc(capacity) : NULL;
    pthread_mutex_lock(&l->m);
    if (capacity && !rgb)
        fail_locked(l, HUE_ENOMEM, "out of memory for a decoding buffer");
    while (!l->stop) {
        slot *s = l->fill_t >= 0 ? &l->ring[l->fill_t % l->o.ring] : NULL;
        if (s && l->fill_j < s->count) {
            int j0 = l->fill_j, j1 = j0 + CLAIM < s->count ? j0 + CLAIM : s->count;
            l->fill_j = j1;
            pthread_mutex_unlock(&l->m);
            int r = 0;
            for (int j = j0; j < j1 && r == 0; j++)
                r = load_one(l, s, j, &rgb, &capacity);
            pthread_mutex_lock(&l->m);
            if (r < 0) {
                fail_locked(l, r, hue_error_message());
                break;
            }
            s->done += j1 - j0;
            if (s->done == s->count)
                pthread_cond_broadcast(&l->ready);
        } else if (l->next_t < l->t_end && l->next_t < l->released + l->o.ring) {
            set_up(l, l->next_t);
            l->fill_t = l->next_t++;
            l->fill_j = 0;
        } else {
            pthread_cond_wait(&l->work, &l->m);
        }
    }
    pthread_mutex_unlock(&l->m);
    free(rgb);
    return NULL;
}

void hue_loader_destroy(hue_loader *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->m);
    l->stop = 1;
    pthread_cond_broadcast(&l->work);
    pthread_mutex_unlock(&l->m);
    for (int i = 0; i < l->started; i++)
        pthread_join(l->threads[i], NULL);
    for (int i = 0; l->ring && i < l->o.ring; i++) {
        free(l->ring[i].items);
        free(l->ring[i].labels);
        free(l->ring[i].images);
        free(l->ring[i].pixels);
    }
    free(l->ring);
    free(l->threads);
    free(l->order[0]);
    free(l->order[1]);
    free(l->bad);
    pthread_cond_destroy(&l->work);
    pthread_cond_destroy(&l->ready);
    pthread_mutex_destroy(&l->m);
    free(l);
}

int hue_loader_create(hue_loader **out, const hue_dataset *ds, const hue_loader_options *opt)
{
    *out = NULL;
    int r = check_options(ds, opt);
    if (r < 0)
        return r;
    hue_loader *l = calloc(1, sizeof *l);
    if (!l)
        return hue_fail(HUE_ENOMEM, "%s: out of memory", hue_dataset_root(ds));
    l->ds = ds;
    l->o = *opt;
    l->n = hue_dataset_size(ds);
    l->per_epoch = opt->keep_last ? (l->n + opt->batch - 1) / opt->batch : l->n / opt->batch;
    l->t_first = opt->first_epoch * l->per_epoch + opt->first_batch;
    l->t_end = opt->epochs ? (opt->first_epoch + opt->epochs) * l->per_epoch : INT64_MAX;
    l->fill_t = -1;
    l->next_t = l->released = l->deliver_t = l->t_first;
    l->order_epoch[0] = l->order_epoch[1] = -1;
    atomic_init(&l->skipped, 0);
    pthread_mutex_init(&l->m, NULL);
    pthread_cond_init(&l->work, NULL);
    pthread_cond_init(&l->ready, NULL);
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 256; v++)
            l->lut[c][v] = (float)((v / 255.0 - opt->mean[c]) / opt->std[c]);

    size_t per_image = opt->sample ? (size_t)opt->sample_floats : (size_t)opt->size * opt->size * 3;
    int ok = (l->ring = calloc((size_t)opt->ring, sizeof *l->ring)) &&
             (l->threads = calloc((size_t)opt->threads, sizeof *l->threads)) &&
             (l->bad = calloc((size_t)l->n, sizeof *l->bad));
    if (ok && opt->shuffle)
        ok = (l->order[0] = malloc((size_t)l->n * sizeof(int64_t))) &&
             (l->order[1] = malloc((size_t)l->n * sizeof(int64_t)));
    for (int i = 0; ok && i < opt->ring; i++) {
        slot *s = &l->ring[i];
        s->t = -1;
        ok = (s->items = malloc((size_t)opt->batch * sizeof *s->items)) &&
             (s->labels = malloc((size_t)opt->batch * sizeof *s->labels)) &&
             (opt->layout == HUE_BATCH_F32_NCHW ? (s->images = malloc(per_image * opt->batch * sizeof(float))) != NULL
                                                : (s->pixels = malloc(per_image * opt->batch)) != NULL);
    }
    if (!ok) {
        hue_loader_destroy(l);
        return hue_fail(HUE_ENOMEM, "%s: out of memory for a ring of %d batches", hue_dataset_root(ds), opt->ring);
    }
    for (; l->started < opt->threads; l->started++) {
        if (pthread_create(&l->threads[l->started], NULL, worker, l) != 0) {
            hue_loader_destroy(l);
            return hue_fail(HUE_ENOMEM, "%s: cannot start decoding thread %d", hue_dataset_root(ds), l->started + 1);
        }
    }
    *out = l;
    return 0;
}

/* Hands queued warnings to the callback on the caller's thread. */
static void flush_warnings(hue_loader *l)
{
    char msgs[MAX_WARNINGS + 1][1100];
    pthread_mutex_lock(&l->m);
    int n = l->warnings_queued;
    memcpy(msgs, l->warnings, (size_t)n * sizeof msgs[0]);
    l->warnings_queued = 0;
    pthread_mutex_unlock(&l->m);
    for (int i = 0; i < n; i++) {
        if (l->o.warn)
            l->o.warn(l->o.warn_user, msgs[i]);
        else
            fprintf(stderr, "hue: warning: %s\n", msgs[i]);
    }
}

int hue_loader_next(hue_loader *l, hue_batch *b)
{
    memset(b, 0, sizeof *b);
    double t0 = hue_now_s();
    pthread_mutex_lock(&l->m);
    if (l->holding) {
        l->holding = 0;
        l->released++;
        pthread_cond_broadcast(&l->work);
    }
    int r = 0;
    slot *s = NULL;
    if (l->deliver_t < l->t_end) {
        s = &l->ring[l->deliver_t % l->o.ring];
        int ready;
        while (!(ready = s->t == l->deliver_t && s->done == s->count) && !l->error)
            pthread_cond_wait(&l->ready, &l->m);
        if (ready) {
            l->holding = 1;
            l->deliver_t++;
            r = 1;
        } else {
            r = hue_fail(l->error, "%s", l->error_msg);
        }
    }
    l->wait_s += hue_now_s() - t0;
    pthread_mutex_unlock(&l->m);
    flush_warnings(l);
    if (r == 1) {
        b->count = s->count;
        b->size = l->o.size;
        b->epoch = s->epoch;
        b->index = s->index;
        b->images = s->images;
        b->pixels = s->pixels;
        b->labels = s->labels;
        b->items = s->items;
        b->sample_floats = l->o.sample ? l->o.sample_floats
                           : l->o.layout == HUE_BATCH_F32_NCHW ? 3 * (int64_t)l->o.size * l->o.size
                                                               : 0;
    }
    return r;
}

int64_t hue_loader_batches_per_epoch(const hue_loader *l) { return l->per_epoch; }
int64_t hue_loader_skipped(const hue_loader *l) { return atomic_load(&((hue_loader *)l)->skipped); }

double hue_loader_wait_seconds(const hue_loader *l)
{
    pthread_mutex_lock(&((hue_loader *)l)->m);
    double w = l->wait_s;
    pthread_mutex_unlock(&((hue_loader *)l)->m);
    return w;
}
