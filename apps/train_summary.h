/* What pretrain and train-video print when a run ends: a line per fact, or
 * with --json one object (steps and seconds of the whole run, resumed runs
 * included; run_steps and run_seconds of this process; last_loss,
 * checkpoint, and the figures the run measured). */
#ifndef HUE_TRAIN_SUMMARY_H
#define HUE_TRAIN_SUMMARY_H
#include "hue_train.h"

void hue_train_summary_print(const hue_train_report *r, const char *checkpoint, int json);

#endif
