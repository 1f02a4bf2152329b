/* The image pretraining methods behind hue_pretrain, one file each. */
#ifndef HUE_PRETRAIN_METHODS_H
#define HUE_PRETRAIN_METHODS_H
#include "hue_train.h"

int hue_pretrain_supervised(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_rotation(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_patch(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_jigsaw(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_inpaint(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_colorize(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_splitbrain(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_simclr(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_moco(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_mocov2(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_cmc(const hue_pretrain_options *o, hue_train_report *r);
int hue_pretrain_cpc(const hue_pretrain_options *o, hue_train_report *r);

#endif
