/* A training command's flags in its checkpoints, and --resume's use of
 * them (resume_flags.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_json.h"
#include "hue_run_path.h"
#include "resume_flags.h"

void resume_format_double(double v, char *buf, size_t size)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void resume_format_float(float v, char *buf, size_t size)
{
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, size, "%.*g", digits, (double)v);
        if ((float)strtod(buf, NULL) == v)
            return;
    }
}

void resume_jw_command(hue_json_writer *w, const resume_rules *r)
{
    hue_jw_key(w, "command");
    hue_jw_string(w, r->cmd);
}

void resume_jw_flag(hue_json_writer *w, const char *flag, const char *value)
{
    hue_jw_key(w, flag);
    hue_jw_string(w, value);
}

void resume_jw_int(hue_json_writer *w, const char *flag, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    resume_jw_flag(w, flag, buf);
}

void resume_jw_double(hue_json_writer *w, const char *flag, double v)
{
    char buf[40];
    resume_format_double(v, buf, sizeof buf);
    resume_jw_flag(w, flag, buf);
}

void resume_jw_float(hue_json_writer *w, const char *flag, float v)
{
    char buf[40];
    resume_format_float(v, buf, sizeof buf);
    resume_jw_flag(w, flag, buf);
}

void resume_jw_switch(hue_json_writer *w, const char *flag, int on)
{
    if (!on)
        return;
    hue_jw_key(w, flag);
    hue_jw_bool(w, 1);
}

int resume_jw_path(hue_json_writer *w, const char *flag, const char *path, const char *ckpt)
{
    char stored[4096];
    int rc = hue_run_path_store(path, ckpt, stored, sizeof stored);
    if (!rc)
        resume_jw_flag(w, flag, stored);
    return rc;
}

/* Whether " name " is in the list. */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    if (!n)
        return 0;
    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
        if (p > list && p[-1] == ' ' && p[n] == ' ')
            return 1;
    return 0;
}

void resume_argv_free(char **argv, int argc)
{
    if (!argv)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

static int push(char ***argv, int *argc, const char *s)
{
    char **v = realloc(*argv, sizeof *v * (size_t)(*argc + 2));
    if (!v)
        return -1;
    *argv = v;
    if (!(v[*argc] = strdup(s)))
        return -1;
    v[++*argc] = NULL;
    return 0;
}

/* The checkpoint's flags object, parsed; NULL with *status set when it has
 * none (-1) or it is not one (1, said). */
static hue_json *read_flags(const resume_rules *r, const char *ckpt, int *status)
{
    hue_checkpoint *ck;
    *status = -1;
    if (hue_checkpoint_open(ckpt, &ck)) {
        fprintf(stderr, "hue %s: --resume: %s\n", r->cmd, hue_error_message());
        *status = 1;
        return NULL;
    }
    const char *text = hue_checkpoint_meta(ck, "flags");
    hue_json *flags = NULL;
    if (text && (hue_json_parse(text, strlen(text), &flags) || hue_json_type_of(flags) != HUE_JSON_OBJECT)) {
        fprintf(stderr, "hue %s: %s: its 'flags' metadata is not an object of flags\n", r->cmd, ckpt);
        hue_json_destroy(flags);
        flags = NULL;
        *status = 1;
    }
    hue_checkpoint_destroy(ck);
    return flags;
}

/* Whether the command line gives --flag (as --flag V or --flag=V). */
static int given(int argc, char **argv, const char *flag)
{
    size_t n = strlen(flag);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], flag, n) && (!argv[i][n] || argv[i][n] == '='))
            return 1;
    return 0;
}

int resume_flags_read(const resume_rules *r, const char *ckpt, int into_ckpt, int user_argc, char **user_argv,
                      char ***argv, int *argc)
{
    *argv = NULL;
    *argc = 0;
    int status;
    hue_json *flags = read_flags(r, ckpt, &status);
    if (!flags)
        return status;
    int bad = push(argv, argc, r->cmd);
    for (size_t i = 0; i < hue_json_count(flags) && !bad; i++) {
        const char *key = hue_json_key(flags, i, NULL);
        const hue_json *v = hue_json_at(flags, i);
        char flag[128], path[4096];
        snprintf(flag, sizeof flag, "--%s", key);
        if (!strcmp(key, "command")) {
            const char *cmd = hue_json_type_of(v) == HUE_JSON_STRING ? hue_json_string(v, NULL) : "";
            if (strcmp(cmd, r->cmd) != 0) {
                fprintf(stderr, "hue %s: %s is a checkpoint of hue %s: resume it with that command\n", r->cmd, ckpt,
                        cmd);
                bad = 3;
            }
            continue;
        }
        /* a name getopt reads as one long option: "" would be "--", the end of the options */
        if (!key[0] || key[0] == '-' || strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(key)) {
            fprintf(stderr, "hue %s: %s: '%s' in its metadata's flags is not a flag's name\n", r->cmd, ckpt, key);
            hue_json_destroy(flags);
            resume_argv_free(*argv, *argc);
            *argv = NULL;
            return 1;
        }
        if (!into_ckpt && listed(r->own_outputs, key))
            continue;
        /* a switch kept as text or a value kept as true would read the next flag as its value */
        int is_switch = listed(r->switches, key), type = hue_json_type_of(v);
        int wrong = 1;
        if (type == HUE_JSON_BOOL && !is_switch)
            fprintf(stderr, "hue %s: %s: flag '%s' in its metadata is a switch, and the switches its checkpoints "
                    "keep are only%.*s\n", r->cmd, ckpt, key, (int)strlen(r->switches) - 1, r->switches);
        else if (type == HUE_JSON_STRING && is_switch)
            fprintf(stderr, "hue %s: %s: flag '%s' in its metadata has a value, but %s is a switch\n", r->cmd, ckpt,
                    key, flag);
        else if (type != HUE_JSON_BOOL && type != HUE_JSON_STRING)
            fprintf(stderr, "hue %s: %s: flag '%s' in its metadata is neither text nor a switch\n", r->cmd, ckpt, key);
        else
            wrong = 0;
        if (wrong) {
            hue_json_destroy(flags);
            resume_argv_free(*argv, *argc);
            *argv = NULL;
            return 1;
        }
        if (type == HUE_JSON_BOOL) {
            if (hue_json_bool(v))
                bad = push(argv, argc, flag);
            continue;
        }
        const char *value = hue_json_string(v, NULL);
        if (listed(r->paths, key) && !hue_run_path_resolve(value, ckpt, path, sizeof path)) {
            if (listed(r->inputs, key) && access(path, F_OK) != 0 && !given(user_argc, user_argv, flag)) {
                fprintf(stderr, "hue %s: %s %s: not there (%s keeps it as %s, from its own folder): give %s with its "
                        "place now\n", r->cmd, flag, path, ckpt, value, flag);
                bad = 2;
                break;
            }
            value = path;
        }
        bad = push(argv, argc, flag) || push(argv, argc, value);
    }
    /* a flag the checkpoint predates: the behaviour it was written with */
    for (const char *p = r->older ? r->older : ""; *p && !bad; p += strcspn(p, " ")) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " "), eq = strcspn(p, "="), colon = strcspn(p, ":");
        if (!n || eq >= n)
            continue;
        const char *entry = p;
        if (colon < eq) {  /* "method:flag=value": only for that method's checkpoints */
            const hue_json *m = hue_json_get(flags, "method");
            const char *method = m ? hue_json_string(m, NULL) : NULL;
            if (!method || strlen(method) != colon || strncmp(method, p, colon) != 0)
                continue;
            entry += colon + 1, n -= colon + 1, eq -= colon + 1;
        }
        char key[64], flag[80];
        snprintf(key, sizeof key, "%.*s", (int)eq, entry);
        snprintf(flag, sizeof flag, "--%s", key);
        char value[64];
        snprintf(value, sizeof value, "%.*s", (int)(n - eq - 1), entry + eq + 1);
        if (!hue_json_get(flags, key))
            bad = push(argv, argc, flag) || push(argv, argc, value);
    }
    hue_json_destroy(flags);
    if (bad) {  /* 1: out of memory; 2: an input not there; 3: another command's */
        if (bad == 1)
            fprintf(stderr, "hue %s: out of host memory\n", r->cmd);
        resume_argv_free(*argv, *argc);
        *argv = NULL;
        return bad == 3 ? 2 : 1;
    }
    return -1;
}

int resume_argv_join(char **a, int na, char **b, int nb, char ***out, int *nout)
{
    *out = NULL;
    *nout = 0;
    int bad = 0;
    for (int i = 0; i < na && !bad; i++)
        bad = push(out, nout, a[i]);
    for (int i = 1; i < nb && !bad; i++)
        bad = push(out, nout, b[i]);
    if (bad) {
        resume_argv_free(*out, *nout);
        *out = NULL;
    }
    return bad ? -1 : 0;
}

/* A flag's value for a message: its text, "on" for a switch, "not given". */
static const char *shown(const hue_json *v)
{
    if (!v)
        return NULL;
    if (hue_json_type_of(v) == HUE_JSON_STRING)
        return hue_json_string(v, NULL);
    return hue_json_type_of(v) == HUE_JSON_BOOL && hue_json_bool(v) ? "" : NULL;
}

static int differs(const char *a, const char *b) { return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0); }

/* "--lr 0.1 differs from the checkpoint's 0.05" and its kin. */
static int refuse(const resume_rules *r, const char *ckpt, const char *key, const char *have, const char *want)
{
    char why[512];
    if (have && want && *have && *want)
        snprintf(why, sizeof why, "--%s %s differs from the checkpoint's %s", key, want, have);
    else if (want && *want)
        snprintf(why, sizeof why, "--%s %s: the checkpoint's run had no --%s", key, want, key);
    else if (want)
        snprintf(why, sizeof why, "--%s: the checkpoint's run was without it", key);
    else if (have && *have)
        snprintf(why, sizeof why, "no --%s differs from the checkpoint's %s", key, have);
    else
        snprintf(why, sizeof why, "the checkpoint's run had --%s", key);
    /* " data epochs " -> "--data, --epochs" */
    char may[512] = "";
    size_t n = 0;
    for (const char *p = r->may_change; *p && n < sizeof may;) {
        size_t len = strcspn(p, " ");
        if (len)
            n += (size_t)snprintf(may + n, sizeof may - n, "%s--%.*s", n ? ", " : "", (int)len, p);
        p += len + (p[len] == ' ');
    }
    fprintf(stderr, "hue %s: %s (%s); a resumed run keeps its flags but for %s\n", r->cmd, why, ckpt, may);
    return 2;
}

int resume_flags_compare(const resume_rules *r, const char *ckpt, const char *recorded, const char *wanted)
{
    hue_json *have = NULL, *want = NULL;
    int status = -1;
    if (hue_json_parse(recorded, strlen(recorded), &have) || hue_json_parse(wanted, strlen(wanted), &want)) {
        fprintf(stderr, "hue %s: out of host memory\n", r->cmd);
        status = 1;
    }
    /* every flag of either, in the order they are written */
    for (int side = 0; side < 2 && status < 0; side++) {
        const hue_json *o = side ? have : want;
        for (size_t i = 0; i < hue_json_count(o) && status < 0; i++) {
            const char *key = hue_json_key(o, i, NULL);
            const char *h = shown(hue_json_get(have, key)), *w = shown(hue_json_get(want, key));
            if (!listed(r->may_change, key) && differs(h, w))
                status = refuse(r, ckpt, key, h, w);
        }
    }
    hue_json_destroy(have);
    hue_json_destroy(want);
    return status;
}

int resume_say_missing(const char *cmd, const char *ckpt, const char *const *names, const int *given, int n)
{
    int missing = 0, said = 0;
    for (int i = 0; i < n; i++)
        missing += !given[i];
    fprintf(stderr, "hue %s: ", cmd);
    for (int i = 0; i < n; i++)
        if (!given[i]) {
            said++;
            fprintf(stderr, "%s%s", said == 1 ? "" : said == missing ? " and " : ", ", names[i]);
        }
    if (ckpt)
        fprintf(stderr, " %s required, and %s does not keep %s (an older hue wrote that file, or its flags were "
                "edited)\n", missing > 1 ? "are" : "is", ckpt, missing > 1 ? "them" : "it");
    else
        fprintf(stderr, " %s required (see --help)\n", missing > 1 ? "are" : "is");
    return 2;
}

/* The flags the checkpoint holds, as this hue writes them (so that a
 * value written another way by an older hue still compares equal). */
static char *recorded_flags(const resume_command *c, char **rargv, int rargc, const char *ckpt, void *scratch)
{
    char **v = NULL;
    int n = 0;
    char *flags = NULL;
    char *extra[] = {"", "--resume", (char *)ckpt, "--out", (char *)ckpt};
    if (resume_argv_join(rargv, rargc, extra, 5, &v, &n)) {
        fprintf(stderr, "hue %s: out of host memory\n", c->rules->cmd);
        return NULL;
    }
    /* flags that parse but lack a required one (an edited checkpoint) cannot be written back */
    if (c->parse(n, v, scratch) >= 0 || c->complete(scratch, ckpt) >= 0)
        fprintf(stderr, "hue %s: %s: the flags it keeps are refused (above): give the run's flags instead\n",
                c->rules->cmd, ckpt);
    else
        flags = c->flags(scratch);
    resume_argv_free(v, n);
    return flags;
}

int resume_restore(const resume_command *c, int argc, char **argv, void *args, char ***keep, int *nkeep,
                   char **flags)
{
    *keep = NULL, *nkeep = 0, *flags = NULL;
    const char *ckpt = c->resume(args);
    int given_out = *c->out(args) != NULL;
    int into = !given_out || (ckpt && hue_file_same(*c->out(args), ckpt));
    char **rargv = NULL;
    int rargc = 0, status = ckpt ? resume_flags_read(c->rules, ckpt, into, argc, argv, &rargv, &rargc) : -1;
    if (status >= 0)
        return status;
    if (rargv) {
        /* the method first: the other flags of another method would not apply */
        const char *method = c->method(args), *had = NULL;
        for (int i = 1; i + 1 < rargc; i++)
            if (!strcmp(rargv[i], "--method"))
                had = rargv[i + 1];
        if (method && had && strcmp(method, had) != 0) {
            fprintf(stderr, "hue %s: --method %s differs from the checkpoint's %s (%s): resume a run with its own "
                    "method\n", c->rules->cmd, method, had, ckpt);
            resume_argv_free(rargv, rargc);
            return 2;
        }
        void *scratch = malloc(c->args_size);
        char *recorded = scratch ? recorded_flags(c, rargv, rargc, ckpt, scratch) : NULL;
        free(scratch);
        status = recorded ? -1 : 1;
        if (recorded && resume_argv_join(rargv, rargc, argv, argc, keep, nkeep)) {
            fprintf(stderr, "hue %s: out of host memory\n", c->rules->cmd);
            status = 1;
        }
        resume_argv_free(rargv, rargc);
        if (status < 0)
            status = c->parse(*nkeep, *keep, args);
        if (status < 0 && !given_out)
            *c->out(args) = ckpt;
        char *wanted = status < 0 ? c->flags(args) : NULL;
        if (status < 0 && !wanted)
            status = 1;
        if (status < 0)
            status = resume_flags_compare(c->rules, ckpt, recorded, wanted);
        free(recorded);
        if (status >= 0) {
            free(wanted);
            resume_argv_free(*keep, *nkeep);
            *keep = NULL, *nkeep = 0;
            return status;
        }
        *flags = wanted;
        return -1;
    }
    /* a fresh run, or a checkpoint that keeps no flags: the user's are the run's */
    if (ckpt && !given_out)
        *c->out(args) = ckpt;
    if ((status = c->complete(args, ckpt)) >= 0)
        return status;
    return (*flags = c->flags(args)) ? -1 : 1;
}

int resume_check(const resume_command *c, int argc, char **argv, void *args)
{
    char **keep, *flags;
    int nkeep, rc = resume_restore(c, argc, argv, args, &keep, &nkeep, &flags);
    if (rc < 0) {
        free(flags);
        resume_argv_free(keep, nkeep);
    }
    return rc;
}

int resume_run(const resume_command *c, int argc, char **argv, void *args,
               int (*run)(const void *args, const char *flags, int argc, char **argv))
{
    char **keep, *flags;
    int nkeep, rc = resume_restore(c, argc, argv, args, &keep, &nkeep, &flags);
    if (rc >= 0)
        return rc;
    rc = run(args, flags, argc, argv);
    free(flags);
    resume_argv_free(keep, nkeep);
    return rc;
}
