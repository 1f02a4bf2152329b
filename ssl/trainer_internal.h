/* The trainer's state, shared by its loop (trainer.c) and its checkpoints
 * (trainer_checkpoint.c). */
#ifndef HUE_TRAINER_INTERNAL_H
#define HUE_TRAINER_INTERNAL_H
#include <signal.h>
#include <stdio.h>

#include "hue_dataset.h"
#include "hue_trainer.h"

#define TRAINER_MAX_PARTS 16
#define TRAINER_MAX_OPTIMIZERS 4
#define TRAINER_MAX_METRICS 40  /* crw logs each walk length (up to 31) */
#define TRAINER_MAX_META 16
#define TRAINER_MAX_STATES 32  /* cpc: 4 context tensors and a prediction per step (up to 15) */

/* One network of the model: a trunk (its names get the prefix) or a head
 * (its names carry their prefix already). */
typedef struct {
    hue_resnet *resnet;
    hue_head *head;
    char prefix[48];
    int in_representation;
    hue_trunk_ref ref;
} trainer_part;

struct hue_trainer {
    const hue_trainer_options *o;
    hue_method *method;
    hue_ctx *ctx;
    hue_graph *g;
    trainer_part parts[TRAINER_MAX_PARTS];
    int n_parts;
    hue_optim *opt[TRAINER_MAX_OPTIMIZERS];
    hue_schedule sched[TRAINER_MAX_OPTIMIZERS];
    int n_opt;
    hue_tensor loss;
    char metric_name[TRAINER_MAX_METRICS][32];
    hue_tensor metric[TRAINER_MAX_METRICS];
    int n_metrics;
    char state_name[TRAINER_MAX_STATES][64];
    hue_tensor state[TRAINER_MAX_STATES];
    int n_states;
    int64_t first_step;
    /* the run's clock: seconds before this process (from the checkpoint
     * resumed) and when this process started */
    double elapsed0, t0;
    /* in a data-parallel group: the step's seconds and megabytes in sums over the group */
    double group_s, group_mb;
    FILE *log;
    /* metadata the method adds while a checkpoint is written */
    hue_checkpoint *saving;
    /* the kNN monitor (trainer_knn.c) */
    struct hue_features *knn;
    hue_dataset *knn_train, *knn_test;
    double knn_top1;
};

/* Writes every network and optimizer state, the run's metadata and the
 * method's, atomically to o->out. */
int trainer_save(hue_trainer *t, int64_t step, int64_t epoch);
/* Loads every network and optimizer state from o->resume, checks that the
 * checkpoint continues this run, and sets t->first_step and t->elapsed0. */
int trainer_resume(hue_trainer *t);
/* The kNN monitor: opened before the first step (its data checked), run
 * at the end of every knn_every-th epoch (a line in the log), closed. */
int trainer_knn_open(hue_trainer *t);
int trainer_knn_run(hue_trainer *t, int64_t step, int64_t epoch);
void trainer_knn_close(hue_trainer *t);
/* The "networks" metadata: every part's prefix and configuration. */
int trainer_networks_json(const hue_trainer *t, hue_json_writer *w);

/* SIGINT and SIGTERM while steps run (train_interrupt.c): caught from
 * catch to release, so the loop can save and stop after the step. */
typedef struct {
    struct sigaction sigint, sigterm;
} trainer_signals;
void trainer_interrupt_catch(trainer_signals *saved);
void trainer_interrupt_release(const trainer_signals *saved);
/* The signal that arrived since catch, or 0. */
int trainer_interrupted(void);

#endif
