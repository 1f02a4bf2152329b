/* Helper for test_ckpt_python.sh:
 *   ckpt_tool write PATH   writes a small ResNet-like checkpoint with known values
 *   ckpt_tool dump PATH    prints a checkpoint: one line per metadata entry
 *                          and per tensor, values as exact bit patterns
 * The value formula is mirrored in ckpt_python.py. */
#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exactly representable, so Python computes the same floats. */
static float value(int tensor, int64_t i) { return (float)((i * 37 % 101) - 50) / 8.0f + (float)tensor * 0.25f; }

static int write_ckpt(const char *path)
{
    static const struct {
        const char *name;
        int ndim;
        int64_t shape[4];
    } ts[] = {
        {"conv1.weight", 4, {4, 3, 3, 3}}, {"bn1.weight", 1, {4}}, {"bn1.bias", 1, {4}},
        {"bn1.running_mean", 1, {4}},      {"bn1.running_var", 1, {4}}, {"fc.weight", 2, {10, 4}},
        {"fc.bias", 1, {10}},
    };
    hue_checkpoint *ck = NULL;
    int rc = hue_checkpoint_create(&ck);
    for (int t = 0; !rc && t < (int)(sizeof ts / sizeof ts[0]); t++) {
        int64_t n = 1;
        for (int d = 0; d < ts[t].ndim; d++)
            n *= ts[t].shape[d];
        float *v = malloc((size_t)n * sizeof *v);
        for (int64_t i = 0; i < n; i++)
            v[i] = value(t, i);
        rc = hue_checkpoint_add(ck, ts[t].name, ts[t].ndim, ts[t].shape, v);
        free(v);
    }
    const int64_t tracked = 1200;
    if (!rc)
        rc = hue_checkpoint_add_i64(ck, "bn1.num_batches_tracked", 0, NULL, &tracked);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "arch", "tiny");
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "step", "1200");
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "hparams", "{\"lr\": 0.1, \"momentum\": 0.9, \"tag\": \"a \\\"q\\\"\"}");
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "note", "caf\xc3\xa9 \xe2\x98\x95\nline2");
    if (!rc)
        rc = hue_checkpoint_save(ck, path, 1);
    hue_checkpoint_destroy(ck);
    return rc;
}

static void print_quoted(const char *s)
{
    char *q = hue_json_quote(s, strlen(s));
    fputs(q ? q : "\"?\"", stdout);
    free(q);
}

static int dump_ckpt(const char *path)
{
    hue_checkpoint *ck = NULL;
    int rc = hue_checkpoint_open(path, &ck);
    if (rc)
        return rc;
    for (int i = 0; i < hue_checkpoint_meta_count(ck); i++) {
        fputs("meta ", stdout);
        print_quoted(hue_checkpoint_meta_key(ck, i));
        fputc(' ', stdout);
        print_quoted(hue_checkpoint_meta_value(ck, i));
        fputc('\n', stdout);
    }
    for (int i = 0; i < hue_checkpoint_count(ck); i++) {
        int64_t shape[HUE_CKPT_MAX_DIMS];
        int nd = hue_checkpoint_shape(ck, i, shape);
        fputs("tensor ", stdout);
        print_quoted(hue_checkpoint_name(ck, i));
        printf(" %s %d", hue_checkpoint_dtype(ck, i) == HUE_CKPT_I64 ? "I64" : "F32", nd);
        for (int d = 0; d < nd; d++)
            printf(" %" PRId64, shape[d]);
        const float *f = hue_checkpoint_data(ck, i);
        const int64_t *q = hue_checkpoint_data_i64(ck, i);
        for (int64_t k = 0; k < hue_checkpoint_numel(ck, i); k++) {
            uint32_t bits;
            if (f) {
                memcpy(&bits, &f[k], 4);
                printf(" %08" PRIx32, bits);
            } else {
                printf(" %" PRId64, q[k]);
            }
        }
        fputc('\n', stdout);
    }
    hue_checkpoint_destroy(ck);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "write") && strcmp(argv[1], "dump"))) {
        fprintf(stderr, "usage: ckpt_tool write|dump PATH\n");
        return 2;
    }
    int rc = !strcmp(argv[1], "write") ? write_ckpt(argv[2]) : dump_ckpt(argv[2]);
    if (rc) {
        fprintf(stderr, "ckpt_tool: %s\n", hue_error_message());
        return 1;
    }
    return 0;
}
