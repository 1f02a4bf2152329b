/* Output files that never clobber what a user had: an existing file is
 * refused unless `force`, and a file is written under a temporary name in
 * the same folder, then renamed into place once complete. */
#ifndef HUE_OUTPUT_H
#define HUE_OUTPUT_H
#include <stddef.h>
#include <stdio.h>

/* The folder of path ("." when it names none). */
void hue_output_folder(const char *path, char *dir, size_t size);
/* Checks that path can be created: its folder exists and is writable, and
 * the file does not exist (unless force; a FIFO, device or folder there is
 * refused even then). Fails with a one-line message. */
int hue_output_check(const char *path, int force);
/* Makes a temporary name next to path (same folder, same extension) in tmp
 * and creates it exclusively; returns the open fd or a negative HUE_E*. */
int hue_output_temp(const char *path, char *tmp, size_t tmp_size);
/* hue_output_temp as a stdio stream opened for writing in *out; on error
 * a negative HUE_E* (with its message) and no temporary file left. */
int hue_output_temp_file(const char *path, char *tmp, size_t tmp_size, FILE **out);
/* Removes the temporaries that dead processes left in dir (killed before
 * their rename): those of the file named target there, or of any file when
 * target is NULL. A PID that is alive, or may be, is left alone. Returns how
 * many were removed. */
int hue_output_remove_stale(const char *dir, const char *target);
/* Moves the finished temporary file onto path, refusing (HUE_EEXIST) if
 * path appeared meanwhile and force is off; removes tmp on failure. */
int hue_output_commit(const char *tmp, const char *path, int force);

/* Output folders filled file by file: a marker with the writer's PID says
 * a run is (or was, when it died) writing there. */
#define HUE_OUTDIR_MARKER ".hue-unfinished"
/* Readies dir for a run writing files ending in ext: creates it (and its
 * parents) when missing. An existing folder that holds such files is
 * refused (HUE_EEXIST) unless force, or unless a dead run left them
 * unfinished (*replacing is then 1: the new run replaces them); one that a
 * live process is writing is refused. Removes stale temporaries of dead
 * processes, then puts this run's marker in place. */
int hue_outdir_begin(const char *dir, const char *ext, int force, int *replacing);
/* Creates dir and its missing parents (a folder of per-clip outputs); 0 or
 * an error naming dir. */
int hue_outdir_make(const char *dir);
/* Removes the marker: everything is written. */
int hue_outdir_finish(const char *dir);
/* The PID in dir's marker: 0 when there is none (a finished folder), -1
 * when it names none. */
long hue_outdir_unfinished(const char *dir);

#endif
