#include "flags.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hue_flags_begin(void)
{
    optind = 0; /* not 1: 0 also forgets where an earlier parse stopped (glibc) */
    opterr = 0; /* hue says it itself, naming the command */
}

int hue_flags_next(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts,
                   int *index)
{
    /* a leading ':' tells a missing value (':') from an unknown option ('?') */
    char spec[128];
    snprintf(spec, sizeof spec, ":%s", shortopts[0] == ':' ? shortopts + 1 : shortopts);
    int at = -1;
    opterr = 0;
    int c = getopt_long(argc, argv, spec, longopts, &at);
    if (index)
        *index = at;
    if (c != ':' && c != '?')
        return c;
    const char *given = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (c == ':')
        fprintf(stderr, "hue %s: %s needs a value; see 'hue %s --help'\n", cmd, given, cmd);
    else if (optopt && !(given[0] == '-' && given[1] == '-'))
        fprintf(stderr, "hue %s: unknown option '-%c'; see 'hue %s --help'\n", cmd, optopt, cmd);
    else
        fprintf(stderr, "hue %s: unknown option '%s'; see 'hue %s --help'\n", cmd, given, cmd);
    return '?';
}

const char *hue_flags_name(const struct option *longopts, int c)
{
    for (; longopts->name; longopts++)
        if (longopts->val == c)
            return longopts->name;
    return "?";
}

int hue_flag_int64(const char *cmd, const char *flag, const char *text, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "hue %s: --%s %s: expected an integer from %lld to %lld\n", cmd, flag, text,
                (long long)lo, (long long)hi);
        return 2;
    }
    *out = v;
    return 0;
}

int hue_flag_int(const char *cmd, const char *flag, const char *text, int lo, int hi, int *out)
{
    int64_t v;
    if (hue_flag_int64(cmd, flag, text, lo, hi, &v))
        return 2;
    *out = (int)v;
    return 0;
}

int hue_flag_number(const char *cmd, const char *flag, const char *text, double lo, double hi, int lo_open,
                    double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (!*text || *end || !isfinite(v) || v > hi || v < lo || (lo_open && v == lo)) {
        if (lo_open)
            fprintf(stderr, "hue %s: --%s %s: expected a number above %g, at most %g\n", cmd, flag, text, lo, hi);
        else
            fprintf(stderr, "hue %s: --%s %s: expected a number from %g to %g\n", cmd, flag, text, lo, hi);
        return 2;
    }
    *out = v;
    return 0;
}

int hue_flag_choice(const char *cmd, const char *flag, const char *text, const char *const *choices, int *out)
{
    for (int i = 0; choices[i]; i++)
        if (!strcmp(text, choices[i])) {
            *out = i;
            return 0;
        }
    char list[512] = "";
    for (int i = 0; choices[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? (choices[i + 1] ? ", " : " or ") : "",
                 choices[i]);
    fprintf(stderr, "hue %s: --%s %s: expected %s\n", cmd, flag, text, list);
    return 2;
}
