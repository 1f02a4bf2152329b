/* The one training loop every method runs on. A method supplies its
 * networks, its loss and how each step's inputs are filled; the trainer
 * does everything else: the backend context, the graph, optimizers and
 * their schedules, the step loop, progress, the JSON-lines log, atomic
 * checkpoints holding every network and optimizer, exact --resume, the
 * non-finite-loss guard, and the kNN monitor.
 *
 * A run, in order:
 *   1. prepare: the method checks its flags and opens its data (nothing is
 *      written yet, so a bad flag costs the user nothing);
 *   2. the trainer checks the output files, creates the context, calls
 *      build (networks, loss, optimizers), compiles;
 *   3. resume: every network and optimizer state is loaded, the
 *      checkpoint's method, hyper-parameters and seed must equal this
 *      run's (its length, epochs or steps, may grow), the run's elapsed
 *      time goes on from the checkpoint's, and load_meta restores the
 *      method's own state; or a fresh
 *      run: every network is initialised from the seed, then init (colour
 *      clusters, say);
 *   4. for each step: fill sets the inputs, each optimizer gets its
 *      learning rate, the graph runs, the loss is checked, a line is logged,
 *      and a checkpoint is written at each epoch's end, every save_every
 *      steps and at the last step; every knn_every epochs the kNN monitor
 *      logs the representation's kNN top-1 on knn_data;
 *   5. finish (a test accuracy, say) after a complete run. */
#ifndef HUE_TRAINER_H
#define HUE_TRAINER_H
#include <stdint.h>

#include "hue_checkpoint.h"
#include "hue_file.h"
#include "hue_graph.h"
#include "hue_heads.h"
#include "hue_json_writer.h"
#include "hue_optim.h"
#include "hue_representation.h"
#include "hue_resnet.h"
#include "hue_train.h"

typedef struct hue_trainer hue_trainer;

/* What fill says about the step it prepared. */
typedef struct {
    int64_t images;       /* images (or samples) in the step, for the throughput */
    int64_t epoch;        /* epoch of the step, from 0 (0 when the method has no epochs) */
    int64_t batch;        /* batch within that epoch */
} hue_fill_info;

typedef struct {
    const char *name;     /* the checkpoint's "method" */
    void *self;
    /* Adds the inputs, networks (hue_trainer_add_*), loss and optimizers. */
    int (*build)(void *self, hue_trainer *t, hue_graph *g);
    /* Fresh runs, after the networks are initialised: state computed from
     * the data before step 0. NULL: none. */
    int (*init)(void *self, hue_trainer *t);
    /* The method's own metadata: written with every checkpoint (through
     * hue_trainer_set_meta) and read back on --resume. NULL: none. */
    int (*save_meta)(void *self, hue_trainer *t);
    int (*load_meta)(void *self, const hue_checkpoint *ck, const char *path);
    /* Sets the graph inputs of step `step` (from 0). The first call of a
     * run is at its first step, which a resumed run takes from its
     * checkpoint. Returns 0, or an error. */
    int (*fill)(void *self, hue_trainer *t, int64_t step, hue_fill_info *info);
    /* After the last step of a complete run. NULL: nothing. */
    int (*finish)(void *self, hue_trainer *t, hue_train_report *r);
    /* Frees what prepare and build made. */
    void (*destroy)(void *self);
} hue_method;

typedef struct {
    const char *out, *resume, *log;
    int force;
    uint64_t seed;
    int64_t steps;               /* the run's steps (all epochs) */
    int64_t steps_per_epoch;     /* 0: the method counts steps, not epochs */
    int64_t save_every;          /* also checkpoint every this many steps (0: epochs and the end only) */
    int keep_checkpoints;        /* each checkpoint also stays as OUT's name + ".step<N>" (hue_trainer_kept_path) */
    int64_t max_steps;           /* stop after this many steps in total (0: no limit) */
    const char *hyperparameters; /* JSON object a resumed run must match (but for "epochs" and "steps") */
    const char *flags;           /* the command's flags as a JSON object (metadata "flags": what --resume
                                  * restores); NULL: none */
    const char *rate_name;       /* the log's throughput key: "images_per_s" (default) or "samples_per_s" */
    int64_t knn_every;           /* > 0: the kNN monitor every this many epochs (needs steps_per_epoch) */
    const char *knn_data;        /* its image folder, with train/ and test/ splits */
    int knn_size, knn_threads;   /* its image side, decoding threads */
    const hue_file_use *inputs;  /* files the run reads, none of which may be an output */
    int n_inputs;
    hue_step_fn on_step;
    hue_save_fn on_save;         /* after each checkpoint (and the kNN monitor of its step) */
    void *user;
} hue_trainer_options;

/* Where --keep-checkpoints keeps the checkpoint of step `step` (the steps
 * done): out with ".step<N>" before its extension ("r18.ckpt" ->
 * "r18.step000975.ckpt"). */
void hue_trainer_kept_path(const char *out, int64_t step, char *path, size_t size);

/* Runs the method from prepare's result to the end (see above). The
 * method is destroyed before returning. */
int hue_trainer_run(const hue_trainer_options *o, hue_method *m, hue_train_report *r);

/* ---- for a method's build ---- */

/* Registers a trunk: its tensors go into checkpoints as prefix + their
 * torchvision names (prefix "" for the first trunk, so torchvision loads
 * it). in_representation: its pooled features are part of what probes
 * measure (the kNN monitor too), with that input. */
int hue_trainer_add_resnet(hue_trainer *t, hue_resnet *m, const char *prefix, int in_representation,
                           const hue_trunk_ref *input);
/* Registers a head (its tensor names carry its own prefix). */
int hue_trainer_add_head(hue_trainer *t, hue_head *h);
/* An optimizer and its schedule: the trainer sets its step and rate
 * before every run, saves its state and loads it on --resume. */
int hue_trainer_add_optimizer(hue_trainer *t, hue_optim *opt, const hue_schedule *sched);
/* A persistent tensor of the method's own (MoCo's queue of keys, a learned
 * temperature, CPC's context network): saved under name with every checkpoint and loaded on
 * --resume, with its optimizer state when it is trained. */
int hue_trainer_add_state(hue_trainer *t, const char *name, hue_tensor tensor);
/* The loss checked every step and logged as "loss". */
void hue_trainer_set_loss(hue_trainer *t, hue_tensor loss);
/* Another scalar ([1]) logged every step under name. */
int hue_trainer_add_metric(hue_trainer *t, const char *name, hue_tensor scalar);

/* ---- for any callback ---- */

hue_ctx *hue_trainer_ctx(const hue_trainer *t);
hue_graph *hue_trainer_graph(const hue_trainer *t);
const hue_trainer_options *hue_trainer_options_of(const hue_trainer *t);
/* The step the run starts at (0, or the resumed checkpoint's). */
int64_t hue_trainer_first_step(const hue_trainer *t);
/* Metadata for the checkpoint being written (from save_meta only). */
int hue_trainer_set_meta(hue_trainer *t, const char *key, const char *value);
/* The same for a file or folder the run read: stored relative to the
 * checkpoint's folder, never as an absolute path (hue_run_path.h). */
int hue_trainer_set_meta_path(hue_trainer *t, const char *key, const char *path);
/* Logs one JSON line built by the caller (an object, e.g. a test accuracy). */
int hue_trainer_log_line(hue_trainer *t, const char *json);

#endif
