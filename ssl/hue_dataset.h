/* Image-folder datasets and their batch loader.
 *
 * A dataset is a folder of class folders, root/<class>/<image>.jpg|jpeg|png:
 * classes sorted by name (byte order) give the label indices, and the images
 * of each class are sorted by name. A dataset with splits (CIFAR-10 as
 * extracted: root/train/<class>/, root/test/<class>/) is opened one split at
 * a time; hue_dataset_check_classes says whether two splits label alike.
 *
 * A loader delivers the dataset as batches: each epoch in a seeded order
 * (the same seed and epoch always give the same order), each image decoded
 * through video/'s reader, resized to size x size, optionally padded and
 * randomly cropped back to size x size and randomly flipped (CIFAR-style
 * augmentation; the random choices come from the seed, the epoch and the
 * image's place in the epoch), then written as normalised float NCHW RGB or
 * as packed RGB8 (NHWC) with int32 labels. Background threads decode into a
 * ring of batches; what a batch holds does not depend on the number of
 * threads or on their timing.
 *
 * Images that cannot be decoded are found while loading: each is reported
 * once (a warning naming the file, and hue_loader_skipped counts them) and
 * its place in the batch goes to the next image of the dataset (in file
 * order) that decodes, so batches keep their size and stay reproducible.
 * When no image of the dataset decodes, the loader fails.
 *
 * A method that makes its own inputs from each image (several augmented
 * views, tiles, rotations) sets a sample hook instead: the decode threads
 * call it once per image, and the batch carries the floats it wrote. */
#ifndef HUE_DATASET_H
#define HUE_DATASET_H
#include <stdint.h>

/* Receives one warning (a complete line without newline). NULL in the
 * options below prints "hue: warning: <message>" on stderr. */
typedef void (*hue_warn_fn)(void *user, const char *message);

typedef struct hue_dataset hue_dataset;

/* Lists root's class folders and their images (files ending in .jpg, .jpeg
 * or .png, any case; names starting with '.' and anything else are ignored;
 * class folders are not searched recursively). A class folder with no image
 * is skipped with a warning (it gets no label); no class folder, or no image
 * in any of them, is an error naming root. Nothing is decoded here. */
int hue_dataset_open(hue_dataset **out, const char *root, hue_warn_fn warn, void *warn_user);
void hue_dataset_close(hue_dataset *ds);

int64_t hue_dataset_size(const hue_dataset *ds);
int hue_dataset_num_classes(const hue_dataset *ds);
const char *hue_dataset_class_name(const hue_dataset *ds, int label);
int64_t hue_dataset_class_size(const hue_dataset *ds, int label);
/* Image i (0 <= i < size) in dataset order: classes by label, then names. */
const char *hue_dataset_path(const hue_dataset *ds, int64_t i);
int hue_dataset_label(const hue_dataset *ds, int64_t i);
const char *hue_dataset_root(const hue_dataset *ds);
/* 1 when root/split (e.g. "train", "test") is a folder, else 0: how a
 * command tells a dataset with splits from a plain image folder. */
int hue_dataset_has_split(const char *root, const char *split);
/* 0 when both have the same class names in the same order; otherwise an
 * error naming the first difference (e.g. a test split missing a class). */
int hue_dataset_check_classes(const hue_dataset *a, const hue_dataset *b);

/* Order of the images in an epoch: order[k] = dataset index of the k-th
 * image. A seeded Fisher-Yates shuffle; the same (n, seed, epoch) always
 * gives the same order. */
void hue_dataset_epoch_order(int64_t n, uint64_t seed, int64_t epoch, int64_t *order);

enum hue_batch_layout {
    HUE_BATCH_F32_NCHW = 0, /* float [B,3,S,S]: (value/255 - mean[c]) / std[c] */
    HUE_BATCH_U8_NHWC = 1,  /* uint8 [B,S,S,3]: packed RGB8, as hue_graph_input_u8 takes */
};

/* A per-image hook, called in a decode thread with the image as packed
 * RGB8 (width x height: size x size when the options' size > 0, else the
 * file's own size) and a seed that depends only on the loader's seed, the
 * epoch and the image's place in the epoch (hue_loader_sample_seed), so a
 * batch's contents do not depend on the number of threads, and a run
 * resumed at first_batch makes the same samples. It writes exactly
 * sample_floats floats at out and returns 0, or a negative HUE_E* code with
 * hue_fail's message, which stops the loader (hue_loader_next returns it,
 * naming the file). Several threads call it at once: it must only read
 * what user points to, or lock. */
typedef int (*hue_sample_fn)(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out);

typedef struct hue_loader_options {
    int batch;            /* images per batch: 1 .. dataset size */
    int size;             /* every image becomes size x size (1 .. 4096); 0 with a sample hook: native size */
    int layout;           /* enum hue_batch_layout */
    float mean[3], std[3];/* per channel, for HUE_BATCH_F32_NCHW; std > 0 */
    int shuffle;          /* 1: seeded order per epoch; 0: dataset order */
    uint64_t seed;        /* shuffle and augmentation */
    int pad_crop;         /* > 0: pad by this many zero pixels per side, then a random size x size crop */
    int flip;             /* 1: horizontal flip with probability 1/2 */
    int keep_last;        /* 1: deliver an epoch's last partial batch; 0: drop it */
    int threads;          /* decoding threads (1 .. 64) */
    int ring;             /* batches decoded ahead, including the one the caller holds (1 .. 64) */
    int64_t first_epoch;  /* epoch of the first batch (to resume a run) */
    int64_t first_batch;  /* batch index within first_epoch to start at */
    int64_t epochs;       /* epochs to deliver counting first_epoch; 0 = no end */
    hue_warn_fn warn;     /* skipped images; see hue_warn_fn */
    void *warn_user;
    /* With a sample hook the batch holds its floats instead of the layout
     * above: layout must be HUE_BATCH_F32_NCHW, and pad_crop and flip 0
     * (the hook does its own augmentation); mean and std are not used. */
    /* A data-parallel rank's part of every batch: its places part_first to
     * part_first + part_count - 1 of the whole batch, with the images,
     * seeds and augmentations they have in the whole batch (so a group
     * splits one process's batches exactly). part_count 0: the whole
     * batch. Needs keep_last 0. */
    int part_first, part_count;
    hue_sample_fn sample;   /* NULL: no hook */
    void *sample_user;      /* the hook's first argument */
    int64_t sample_floats;  /* floats the hook writes per image: 1 .. 2^30 (0 without a hook) */
} hue_loader_options;

/* batch 0 (must be set), size 0 (must be set), float NCHW with mean 0 and
 * std 1 (values in [0,1]), shuffle on, seed 0, no augmentation, last
 * partial batch dropped, 2 threads, a ring of 4, epoch 0 on, no end, no
 * sample hook. */
hue_loader_options hue_loader_defaults(void);

/* The seed a sample hook gets for the image at `position` (batch index x
 * batch size + place in the batch) of `epoch`: a hash of the three. */
uint64_t hue_loader_sample_seed(uint64_t seed, int64_t epoch, int64_t position);

typedef struct hue_batch {
    int count;             /* images in this batch (batch, or fewer for a kept last batch) */
    int size;              /* side of each image (0: a sample hook got native sizes) */
    int64_t epoch;         /* epoch it belongs to */
    int64_t index;         /* batch index within that epoch */
    const float *images;   /* count*sample_floats floats (HUE_BATCH_F32_NCHW or a hook), else NULL */
    const uint8_t *pixels; /* HUE_BATCH_U8_NHWC: count*size*size*3 bytes, else NULL */
    const int32_t *labels; /* count labels */
    const int64_t *items;  /* count dataset indices (after skipping undecodable images) */
    int64_t sample_floats; /* floats per image in images: 3*size*size, or the hook's; 0 for RGB8 */
} hue_batch;

typedef struct hue_loader hue_loader;

/* Checks the options (each bad one an error naming it) and starts the
 * decoding threads. ds must outlive the loader. */
int hue_loader_create(hue_loader **out, const hue_dataset *ds, const hue_loader_options *opt);
/* Stops the threads and frees the ring. */
void hue_loader_destroy(hue_loader *l);
/* Gives back the batch returned by the previous call and waits for the next
 * one: 1 with *b filled (valid until the next call or destroy), 0 when the
 * requested epochs are done, negative on error (with its message). */
int hue_loader_next(hue_loader *l, hue_batch *b);
/* Batches per epoch (dataset size / batch, rounded up when keep_last). */
int64_t hue_loader_batches_per_epoch(const hue_loader *l);
/* Distinct images found undecodable so far. */
int64_t hue_loader_skipped(const hue_loader *l);
/* Seconds the caller spent waiting inside hue_loader_next so far. */
double hue_loader_wait_seconds(const hue_loader *l);

#endif
