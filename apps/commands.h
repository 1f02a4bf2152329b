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
int cmd_attention(int argc, char **argv);
int cmd_plot(int argc, char **argv);
/* `hue bench decode`, called by cmd_bench (apps/bench_decode.c). */
int hue_bench_decode(int argc, char **argv);
/* `hue bench track` (apps/bench_track.c). */
int hue_bench_track(int argc, char **argv);
/* `hue bench train` (apps/bench_train.c). */
int hue_bench_train(int argc, char **argv);
/* `hue eval knn` and `hue eval linear`, called by cmd_eval (apps/cmd_eval_knn.c, cmd_eval_linear.c). */
int hue_eval_knn(int argc, char **argv);
int hue_eval_linear(int argc, char **argv);

/* Each command parses all its flags before it does anything else. Here is
 * that parsing alone (for the flag fuzzer, tests/fuzz/fuzz_args.c): -1
 * when the command would go on and run, else the exit status it returns
 * without running: 0 after --help, 2 on a usage error, 1 when a file a
 * flag names is unreadable (--features random --model CKPT). */
int cmd_devices_parse(int argc, char **argv);
int cmd_bench_parse(int argc, char **argv);
int cmd_pretrain_parse(int argc, char **argv);
int cmd_track_parse(int argc, char **argv);
int cmd_colorize_parse(int argc, char **argv);
int cmd_colorize_image(int argc, char **argv);
int cmd_colorize_image_parse(int argc, char **argv);
int cmd_train_video_parse(int argc, char **argv);
int cmd_probe_parse(int argc, char **argv);
int cmd_overlay_parse(int argc, char **argv);
int cmd_eval_parse(int argc, char **argv);
int cmd_attention_parse(int argc, char **argv);
int cmd_plot_parse(int argc, char **argv);
int hue_bench_decode_parse(int argc, char **argv);
int hue_bench_track_parse(int argc, char **argv);
int hue_bench_train_parse(int argc, char **argv);
int hue_eval_knn_parse(int argc, char **argv);
int hue_eval_linear_parse(int argc, char **argv);
/* With --resume, also the run the checkpoint's flags and the user's give,
 * checked as the command checks it (resume_flags.h), for the fuzzer of
 * checkpoints' flags (tests/fuzz/fuzz_resume.c): -1 or an exit status, as above. */
int cmd_pretrain_resume_parse(int argc, char **argv);
int cmd_train_video_resume_parse(int argc, char **argv);

#endif
