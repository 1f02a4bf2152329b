/* Files as a user names them on a command line: an input that must be a
 * regular file (a FIFO or a device would block or never end), and whether
 * two names are the same file (an output must never be one of the inputs,
 * or another output). libc only: every layer may use it. */
#ifndef HUE_FILE_H
#define HUE_FILE_H
#include <stdio.h>

/* Opens path for reading and checks it is a regular file (following
 * symbolic links), without waiting on a FIFO. HUE_EIO naming the file and
 * what it is otherwise. */
int hue_file_open_regular(const char *path, FILE **out);

/* 1 when a and b name the same file: the same device and inode where both
 * exist, else the same resolved path (folder resolved, then the name), so a
 * file not created yet compares too. Different spellings (./x, a hard link,
 * a symbolic link to it) are the same file. */
int hue_file_same(const char *a, const char *b);

/* One file a command reads or writes, named as the user gave it. */
typedef struct {
    const char *flag;  /* "--log", "VIDEO", ... */
    const char *path;  /* NULL: not given, skipped */
    int output;        /* 1 when the command writes it */
} hue_file_use;

/* Fails (HUE_EINVAL, a message naming the file and both flags) when an
 * output is the same file as an input or as another output. */
int hue_file_check_uses(const hue_file_use *uses, int n);

/* The folder path names a file in ("." for a bare name, "/" at the root)
 * into dir; -1 when it does not fit in size. */
int hue_file_folder(const char *path, char *dir, size_t size);

/* Fails (HUE_EIO, naming the flag, the file and the folder) when the folder
 * path would be created in does not exist, is not a folder, or cannot be
 * written; 0 for a NULL or empty path. */
int hue_file_check_output_folder(const char *flag, const char *path);

#endif
