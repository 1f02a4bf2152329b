/* Output files that never clobber what a user had: an existing file is
 * refused unless `force`, and a file is written under a temporary name in
 * the same folder, then renamed into place once complete. */
#ifndef HUE_OUTPUT_H
#define HUE_OUTPUT_H
#include <stddef.h>
#include <stdio.h>

/* Checks that path can be created: its folder exists and is writable, and
 * the file does not exist (unless force). Fails with a one-line message. */
int hue_output_check(const char *path, int force);
/* Makes a temporary name next to path (same folder, same extension) in tmp
 * and creates it exclusively; returns the open fd or a negative HUE_E*. */
int hue_output_temp(const char *path, char *tmp, size_t tmp_size);
/* hue_output_temp as a stdio stream opened for writing in *out; on error
 * a negative HUE_E* (with its message) and no temporary file left. */
int hue_output_temp_file(const char *path, char *tmp, size_t tmp_size, FILE **out);
/* Moves the finished temporary file onto path, refusing (HUE_EEXIST) if
 * path appeared meanwhile and force is off; removes tmp on failure. */
int hue_output_commit(const char *tmp, const char *path, int force);

#endif
