/* One flag parser for every command: getopt_long with hue's messages, and
 * the parsers of flag values. Every complaint is one line that starts with
 * "hue CMD:" and names the flag and the value given; it is a usage error, so
 * each function returns 2 (the exit status) on one and 0 when the value is
 * good. CMD is the command as typed: "track", "bench gemm", "eval knn". */
#ifndef HUE_FLAGS_H
#define HUE_FLAGS_H
#include <getopt.h>
#include <stdint.h>

/* Resets getopt for a new parse (commands parse more than once: the fuzzer,
 * --image dispatch). */
void hue_flags_begin(void);

/* The next option, as getopt_long returns it; an unknown option or one
 * without its value is reported ("hue CMD: unknown option '--x'; see 'hue
 * CMD --help'") and returned as '?'. *index is the long option's index, -1
 * for a short one; pass NULL when not needed. */
int hue_flags_next(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts,
                   int *index);

/* The long name of the option whose value is c (for messages about a
 * short option's value); "?" when none is. */
const char *hue_flags_name(const struct option *longopts, int c);

/* A whole decimal integer in [lo, hi]. */
int hue_flag_int64(const char *cmd, const char *flag, const char *text, int64_t lo, int64_t hi, int64_t *out);
int hue_flag_int(const char *cmd, const char *flag, const char *text, int lo, int hi, int *out);
/* A finite number in [lo, hi], or in (lo, hi] when lo_open (tau, lr, width:
 * positive numbers). */
int hue_flag_number(const char *cmd, const char *flag, const char *text, double lo, double hi, int lo_open,
                    double *out);
/* One of the NULL-terminated `choices`; *out is its index. */
int hue_flag_choice(const char *cmd, const char *flag, const char *text, const char *const *choices, int *out);

#endif
