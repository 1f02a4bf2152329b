/* Writing JSON on stdout for the commands' --json output. */
#ifndef HUE_JSON_OUT_H
#define HUE_JSON_OUT_H

/* s as a quoted JSON string (quotes, backslashes, control characters escaped). */
void hue_json_print_string(const char *s);

#endif
