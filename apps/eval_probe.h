/* What 'hue eval knn' and 'hue eval linear' share: the flags that name the
 * model and the data, opening them, and the frozen features of both
 * splits (apps/eval_probe.c). */
#ifndef HUE_EVAL_PROBE_H
#define HUE_EVAL_PROBE_H
#include <stdint.h>

#include "hue_checkpoint.h"
#include "hue_ctx.h"
#include "hue_dataset.h"
#include "hue_features.h"
#include "hue_representation.h"

typedef struct {
    const char *cmd;            /* "knn", "linear": messages start "hue eval <cmd>: " */
    const char *model, *data;
    int size;                   /* 0: the checkpoint's training size, else 32 */
    int batch;                  /* images per feature batch */
    int threads;                /* decoding (and kNN) threads */
    int backend;                /* enum hue_backend */
    int device;                 /* the Vulkan device, -1: HUE_DEVICE's, else the best */
    int json, quiet;
} hue_probe_args;

/* Defaults: feature batch 256, 2 threads, backend auto, device -1. */
void hue_probe_args_init(hue_probe_args *a, const char *cmd);

/* The getopt codes of the shared flags, for the commands' option tables. */
enum {
    HUE_PROBE_OPT_MODEL = 1000, HUE_PROBE_OPT_DATA, HUE_PROBE_OPT_SIZE, HUE_PROBE_OPT_FEATURE_BATCH,
    HUE_PROBE_OPT_THREADS, HUE_PROBE_OPT_JSON, HUE_PROBE_OPT_QUIET, HUE_PROBE_OPT_BACKEND, HUE_PROBE_OPT_DEVICE,
};
/* Takes one shared flag: 0 when taken, 2 (after saying why) for a bad
 * value, -1 when c is not one of them. */
int hue_probe_take(hue_probe_args *a, int c, const char *value);
/* 2 (after saying so) when --model or --data is missing, else -1. */
int hue_probe_check_required(const hue_probe_args *a);

/* Integer and number flag values in [lo, hi]: 0, or 2 after a message. */
int hue_probe_parse_int(const char *cmd, const char *flag, const char *s, long long lo, long long hi,
                        long long *out);
int hue_probe_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi, int open_lo,
                           double *out);

typedef struct {
    hue_checkpoint *ck;         /* open until the weights are loaded */
    hue_representation rep;
    int size;
    hue_dataset *train, *test;
    hue_ctx *ctx;
    hue_feature_set ftrain, ftest;
    int dim;
    double features_s;
} hue_probe_run;

/* Opens the checkpoint (its representation and training size) and DIR's
 * train/ and test/ splits: at least 2 classes, the same in both, and no
 * class folder without images. */
int hue_probe_open(const hue_probe_args *a, hue_probe_run *r);
/* The context, the trunks with the checkpoint's weights, and both splits'
 * pooled features (progress on a terminal unless quiet). */
int hue_probe_features(const hue_probe_args *a, hue_probe_run *r);
void hue_probe_close(hue_probe_run *r);

/* ', "inputs": ["rgb", ...]' (each trunk's input, in order) for --json. */
void hue_probe_print_inputs(const hue_representation *r);

#endif
