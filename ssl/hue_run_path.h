/* Paths a checkpoint keeps for the run that made it (its data, its log):
 * never an absolute path of the machine, but the path as seen from the
 * checkpoint's own folder, so --resume finds the file from any working
 * directory, and still finds it when the folders move together. */
#ifndef HUE_RUN_PATH_H
#define HUE_RUN_PATH_H
#include <stddef.h>

/* path (as the user gave it) relative to the folder of checkpoint ckpt,
 * both resolved first (symbolic links too): "../cifar/train". When the two
 * share no folder but the root ("/mnt/cifar" for "/home/u/run.ckpt"), or
 * either cannot be resolved, only the path's last component is kept
 * ("cifar"; a relative path that cannot be resolved is kept as given), so
 * no absolute path of the machine is ever stored: --resume then needs the
 * path again. HUE_ELIMIT when out is too small. */
int hue_run_path_store(const char *path, const char *ckpt, char *out, size_t size);

/* The path a checkpoint stored (hue_run_path_store) as seen from here:
 * ckpt's folder joined with it ("runs/../cifar/train"); an absolute path
 * (from an older checkpoint) is returned unchanged. */
int hue_run_path_resolve(const char *stored, const char *ckpt, char *out, size_t size);

#endif
