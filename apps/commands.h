/* The hue subcommands: one file each, apps/cmd_<name>.c. Each returns the
 * exit status: 0 ok, 1 runtime error, 2 usage error. */
#ifndef HUE_COMMANDS_H
#define HUE_COMMANDS_H

int cmd_devices(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_pretrain(int argc, char **argv);
int cmd_track(int argc, char **argv);
int cmd_colorize(int argc, char **argv);
int cmd_train_video(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_overlay(int argc, char **argv);
int cmd_eval(int argc, char **argv);
/* `hue bench decode`, called by cmd_bench (apps/bench_decode.c). */
int hue_bench_decode(int argc, char **argv);
/* `hue bench track` (apps/bench_track.c). */
int hue_bench_track(int argc, char **argv);
/* `hue bench train` (apps/bench_train.c). */
int hue_bench_train(int argc, char **argv);

#endif
