/* Training runs: image pretraining (`hue pretrain`: the supervised
 * baseline and the pretext methods) with its options and report, and what
 * every run shares: the step callback, the JSON-lines log and the message
 * of a run that stopped. Each run is one static graph (forward, loss,
 * backward, updates) driven by the trainer (hue_trainer.h); checkpoints
 * every epoch (and every save_every steps) hold everything needed to
 * continue the same run exactly. */
#ifndef HUE_TRAIN_H
#define HUE_TRAIN_H
#include <stdint.h>
#include <stdio.h>

#include "hue_resnet.h"

typedef struct {
    int64_t step, steps_total;  /* step just done (from 1) and the run's total */
    int64_t epoch, epochs;      /* epoch of that step (from 0) */
    int64_t batch, batches;     /* batch within the epoch (from 0), batches per epoch */
    float loss, lr;
    double images_per_s;        /* over the last steps */
    double elapsed_s;
} hue_step_info;

typedef void (*hue_step_fn)(void *user, const hue_step_info *info);

/* After each checkpoint a run writes (and the kNN monitor of that step):
 * the checkpoint now holding the model of `step`, and the run's log (f
 * NULL when there is none) for a line of the hook's own
 * (hue_train_log_printf). Called by the writing rank only; an error stops
 * the run. */
typedef struct {
    int64_t step;
    const char *checkpoint;
    FILE *log;
    const char *log_path;
} hue_save_info;
typedef int (*hue_save_fn)(void *user, const hue_save_info *info);

/* A pretraining run on an image folder: the flags every method shares,
 * then each method's own. */
typedef struct {
    const char *method;         /* supervised, rotation, ... (hue_pretrain_methods) */
    const char *data;           /* root: with train/ (and test/) splits, or class folders */
    const char *out;            /* checkpoint written every epoch */
    const char *resume;         /* NULL, or a checkpoint to continue */
    const char *log;            /* NULL, or a JSON-lines metrics file */
    int force;                  /* replace an existing out / log */
    hue_resnet_config arch;     /* num_classes comes from the data */
    int64_t epochs;
    int batch, size;            /* images per step, side in pixels */
    double lr, momentum, weight_decay;
    int nesterov;
    double warmup_epochs;       /* linear warm-up, then cosine to 0 */
    uint64_t seed;
    int threads;                /* decoding threads */
    int64_t save_every;         /* also save every this many steps (0: epochs only) */
    int keep_checkpoints;       /* keep every checkpoint as OUT.step<N> (hue_trainer_kept_path) */
    int64_t max_steps;          /* stop after this many steps in total (0: no limit) */
    int augment;                /* pad-4 random crop and flip (supervised, rotation) */
    /* patch and jigsaw: the image (size x size) is cut into a 3 x 3 grid of
     * cells, a tile x tile tile at a random place in each (0: three
     * quarters of a cell), and each tile's colour treated against the
     * chromatic-aberration shortcut */
    int tile;
    int tile_colour;            /* enum hue_tile_colour */
    int tile_norm;              /* enum hue_tile_norm */
    /* Before the tiles are cut, a random region of tile_crop to 1 of the
     * image's area (aspect 3/4 to 4/3) resized back to size x size, so the
     * grid meets the image's pixel grid (JPEG's 8 x 8 blocks, the resize's
     * interpolation) at another phase each time and a tile's phase cannot
     * tell its cell; 1: no crop; 0: the method's default (jigsaw 0.5, patch 1). */
    double tile_crop;
    int permutations;           /* jigsaw: permutations in the set (2 .. 1000) */
    int inpaint_blocks;         /* inpaint: random blocks blanked instead of the centre */
    /* contrastive methods */
    double tau;                 /* InfoNCE temperature (0: the method's default: simclr 0.5, moco 0.07, mocov2 0.2, cmc 0.07, cpc 0.1) */
    int optimizer;              /* enum hue_pretrain_optimizer */
    int queue;                  /* moco: keys in the queue, a multiple of batch */
    double key_momentum;        /* moco: the key encoder's moving-average momentum, [0, 1) */
    int bn_groups;              /* moco: batch-norm statistics per group of the batch (shuffled for the keys) */
    int clip_loss;              /* cmc: CLIP's symmetric cross-entropy with a learned temperature */
    int cpc_grid;               /* cpc: patches per side of the grid (overlapping by half) */
    int cpc_steps;              /* cpc: rows ahead the context predicts, 1 .. grid - 1 */
    int64_t knn_every;          /* > 0: kNN monitor on data's test split every this many epochs */
    /* Under mpirun (compute/dist): batch norm over the whole group's batch
     * instead of each rank's part (--sync-bn). */
    int sync_bn;
    /* The command's flags as a JSON object, kept in every checkpoint as
     * metadata "flags" for --resume to restore (NULL: none). */
    const char *flags;
    /* Set by hue_pretrain, not by callers: the whole batch of the group
     * (the --batch given); `batch` is then this rank's part of it, at
     * places batch_first .. batch_first + batch - 1. One process: the same
     * as batch, and 0. */
    int global_batch, batch_first;
    hue_step_fn on_step;
    hue_save_fn on_save;
    void *user;
} hue_pretrain_options;

enum hue_tile_colour {
    HUE_TILE_COLOUR_DROP,       /* keep one random channel, noise in the others */
    HUE_TILE_COLOUR_JITTER,     /* shift red and blue by up to 2 pixels against green */
    HUE_TILE_COLOUR_NONE,
};

/* What a tile's floats are normalised by. Noroozi and Favaro normalise
 * each tile by its own statistics, so that no tile's brightness or
 * contrast tells where it came from. */
enum hue_tile_norm {
    HUE_TILE_NORM_DATASET,      /* the dataset's mean and standard deviation per channel */
    HUE_TILE_NORM_TILE,         /* the tile's own mean per channel and standard deviation */
};

enum hue_pretrain_optimizer {
    HUE_PRETRAIN_DEFAULT_OPTIMIZER, /* the method's own: LARS for simclr, else SGD or Adam */
    HUE_PRETRAIN_SGD,               /* SGD with momentum (Nesterov unless the method says otherwise) */
    HUE_PRETRAIN_LARS,              /* SimCLR's LARS */
};

/* The defaults of every flag (method supervised). size 0, lr < 0,
 * weight_decay < 0, tau 0 and the default optimizer take the method's own
 * (hue_pretrain resolves them): size 32, or 64 for patch and jigsaw; lr 0.1
 * for SGD, 2e-4 for inpaint's Adam, 1e-3 for colorize's, 0.5 x batch / 256
 * for simclr's LARS, 0.03 x batch / 256 for SGD on simclr, moco and
 * mocov2 (MoCo's CIFAR-10 rate, 0.06 at batch 512); weight decay 5e-4,
 * 1e-6 with LARS. */
hue_pretrain_options hue_pretrain_defaults(void);
/* o with the method's defaults in place of the flags left to it (what
 * hue_pretrain trains with; the same when applied twice). */
hue_pretrain_options hue_pretrain_resolve(const hue_pretrain_options *o);
/* The methods hue_pretrain knows, as a NULL-terminated list. */
extern const char *const hue_pretrain_methods[];

typedef struct {
    int64_t steps;              /* steps done in all, from the run's start */
    int64_t first_step;         /* of which done before this process (0, or the checkpoint resumed) */
    float last_loss;
    double test_accuracy;       /* < 0 when the data has no test split */
    int64_t test_images;
    double seconds;             /* this process's seconds */
    double elapsed_s;           /* the run's, from its start: those of the checkpoint resumed added */
    int64_t skipped_images;
    int64_t skipped_clips;      /* hue train-video: clips shorter than a sample */
    double knn_top1;            /* the last kNN monitor's top-1, < 0 when none ran */
} hue_train_report;

/* Trains o->method on o->data (see the methods' files for each). */
int hue_pretrain(const hue_pretrain_options *o, hue_train_report *report);

/* Opens a run's JSON-lines log (path NULL: none, *out NULL). A fresh run
 * (resume_step 0) creates it, refusing an existing file unless force; a
 * resumed run appends to it after dropping the lines of steps past
 * resume_step, the step of the checkpoint it resumes. */
int hue_train_log_open(const char *path, int64_t resume_step, int force, FILE **out);
/* Writes a line to the log (nothing when f is NULL) and flushes it; a
 * failed write (a full disk) is HUE_EIO naming path. */
int hue_train_log_printf(FILE *f, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The message of a run that stops on an error after its last good step:
 * the error, then what the checkpoint at out holds (the step saved, or
 * nothing written yet). Returns rc. */
int hue_train_stopped(int rc, const char *out, int64_t saved_step);

/* Top-1 accuracy of the model in checkpoint `ckpt` on an image folder. */
int hue_eval_accuracy(const char *ckpt, const char *data, int batch, int size, int threads, double *accuracy,
                      int64_t *images);

#endif
