/* --resume without repeating flags. A training command keeps its flags in
 * every checkpoint (metadata "flags": a JSON object from each flag's name,
 * without "--", to its value as text, or true for a switch; the values the
 * run used, its method's defaults resolved; paths relative to the
 * checkpoint's folder; and "command", the command's name). --resume CKPT
 * gives the command those flags first,
 * then the user's: a flag given again with the same value is fine, one with
 * another value is a usage error naming both, unless it is one of the
 * command's flags that may change on resume. */
#ifndef HUE_RESUME_FLAGS_H
#define HUE_RESUME_FLAGS_H
#include <stddef.h>

#include "hue_json_writer.h"

typedef struct {
    const char *cmd;          /* "pretrain": messages start "hue pretrain: " */
    const char *may_change;   /* flags that may take another value, " epochs data log " */
    const char *paths;        /* flags that name files or folders, stored relative to the checkpoint */
    const char *inputs;       /* of those, the ones the run reads: they must exist unless given again */
    const char *own_outputs;  /* what the run writes beside its checkpoint (its log): restored only when
                               * the run goes on in the checkpoint it resumes, never into another --out */
    const char *older;        /* flags added since checkpoints first kept flags, each with the value that
                               * was the behaviour before it: " crop-jitter=0 ", or for one method's
                               * checkpoints only " jigsaw:tile-crop=1 " (NULL: none). A checkpoint
                               * whose flags lack one resumes with that value */
    const char *switches;     /* the command's flags that take no value, " hflip sync-bn ": kept as true,
                               * every other flag as text */
} resume_rules;

/* A number as the shortest text that reads back as the same double (or float). */
void resume_format_double(double v, char *buf, size_t size);
void resume_format_float(float v, char *buf, size_t size);

/* The first member of the flags object: the command's name. */
void resume_jw_command(hue_json_writer *w, const resume_rules *r);
/* Members of the flags object: a value, a number, a switch that is on, a
 * path (relative to the folder of ckpt, the checkpoint being written). */
void resume_jw_flag(hue_json_writer *w, const char *flag, const char *value);
void resume_jw_int(hue_json_writer *w, const char *flag, long long v);
void resume_jw_double(hue_json_writer *w, const char *flag, double v);
void resume_jw_float(hue_json_writer *w, const char *flag, float v);
void resume_jw_switch(hue_json_writer *w, const char *flag, int on);
int resume_jw_path(hue_json_writer *w, const char *flag, const char *path, const char *ckpt);

/* The flags the checkpoint ckpt keeps, as a command line: argv[0] the
 * command, then "--flag" and its value (a switch alone), paths resolved
 * from the checkpoint's folder. *argv is NULL when the checkpoint keeps
 * none (an older hue wrote it). Returns -1, or an exit status after saying
 * why (1: the file cannot be read, its flags are not an object of flags,
 * or an input it names is not there and the user's command line, user_argv,
 * does not give it again; 2: another command wrote them). into_ckpt: the
 * run goes on in ckpt (else r->own_outputs are left out). Free with
 * resume_argv_free. */
int resume_flags_read(const resume_rules *r, const char *ckpt, int into_ckpt, int user_argc, char **user_argv,
                      char ***argv, int *argc);

/* argv a then b's arguments after its command name, copied: the user's
 * flags after the checkpoint's, so that the user's win. */
int resume_argv_join(char **a, int na, char **b, int nb, char ***out, int *nout);
void resume_argv_free(char **argv, int argc);

/* The flags objects of the checkpoint's run (recorded) and of this one
 * (wanted), both as the command writes them: the first flag that differs
 * and may not change is a usage error naming both values (2). -1 when
 * they agree. */
int resume_flags_compare(const resume_rules *r, const char *ckpt, const char *recorded, const char *wanted);

/* Says which of the n required flags (names, "--clips"; given[i] nonzero
 * where the run has it, zero for at least one) are missing, "hue CMD: --a and --b are required",
 * adding that ckpt does not keep them either when ckpt is not NULL.
 * Returns 2, the usage error. */
int resume_say_missing(const char *cmd, const char *ckpt, const char *const *names, const int *given, int n);

/* What resume_restore needs of a command. */
typedef struct {
    const resume_rules *rules;
    size_t args_size;                                   /* the size of the command's parsed arguments */
    int (*parse)(int argc, char **argv, void *args);    /* -1 to run, else an exit status (said) */
    char *(*flags)(const void *args);                   /* the flags object (malloc'd); NULL after saying why */
    const char *(*method)(const void *args);            /* --method as given, or NULL */
    const char *(*resume)(const void *args);            /* --resume, or NULL */
    const char **(*out)(void *args);                    /* where --out is kept */
    /* -1, or 2 after saying which required flag is missing (and, when
     * ckpt is not NULL, that ckpt does not keep it either) */
    int (*complete)(const void *args, const char *ckpt);
} resume_command;

/* The run a command line gives (argv, parsed as args already): with
 * --resume, the checkpoint's flags then the user's, checked (see
 * resume_flags_compare), --out the checkpoint itself unless given. args
 * becomes that run; its strings live in *keep (free with resume_argv_free
 * after the run). *flags gets the run's flags object to keep in its
 * checkpoints (free()). Returns -1 to run, else an exit status (said). */
int resume_restore(const resume_command *c, int argc, char **argv, void *args, char ***keep, int *nkeep,
                   char **flags);

/* resume_restore alone, its results freed: -1 when the run would start,
 * else the exit status (said). */
int resume_check(const resume_command *c, int argc, char **argv, void *args);

/* A training command after its parse said -1: the run resume_restore gives,
 * then run(args, flags, argc, argv); returns the exit status. */
int resume_run(const resume_command *c, int argc, char **argv, void *args,
               int (*run)(const void *args, const char *flags, int argc, char **argv));

#endif
