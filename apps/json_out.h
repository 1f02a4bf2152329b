/* Writing JSON on stdout for the commands' --json output. Strings go
 * through the project's JSON writer (compute/base/hue_json_writer.h), so
 * --json output, metadata and logs escape them the same way. */
#ifndef HUE_JSON_OUT_H
#define HUE_JSON_OUT_H
#include <stdio.h>

/* s as a quoted JSON string, on f or on stdout. */
void hue_json_fprint_string(FILE *f, const char *s);
void hue_json_print_string(const char *s);

#endif
