/* hue_pretrain: the method by its name, and the image size it defaults to. */
#include <string.h>

#include "hue_error.h"
#include "hue_train.h"
#include "pretrain_methods.h"

typedef struct {
    const char *name;
    int (*run)(const hue_pretrain_options *o, hue_train_report *r);
    int size;                   /* default image side */
    double lr;                  /* default peak learning rate */
} method_entry;

/* patch and jigsaw cut the image into 3 x 3 tiles: at CIFAR's 32 pixels
 * a tile would be 8 pixels, so they see the image at 64. */
static const method_entry methods[] = {
    {"supervised", hue_pretrain_supervised, 32, 0.1},
    {"rotation", hue_pretrain_rotation, 32, 0.1},
    {"patch", hue_pretrain_patch, 64, 0.1},
    {"jigsaw", hue_pretrain_jigsaw, 64, 0.1},
    {"inpaint", hue_pretrain_inpaint, 32, 2e-4},
    {"colorize", hue_pretrain_colorize, 32, 1e-3},
    {"splitbrain", hue_pretrain_splitbrain, 32, 1e-3},
};

const char *const hue_pretrain_methods[] = {"supervised", "rotation", "patch", "jigsaw", "inpaint", "colorize", "splitbrain", NULL};

int hue_pretrain(const hue_pretrain_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    const char *name = o->method ? o->method : "";
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(name, methods[i].name) == 0) {
            hue_pretrain_options resolved = *o;
            if (resolved.size <= 0)
                resolved.size = methods[i].size;
            if (resolved.lr < 0)
                resolved.lr = methods[i].lr;
            return methods[i].run(&resolved, r);
        }
    return hue_fail(HUE_EINVAL, "--method %s: unknown (supervised, rotation, patch, jigsaw, inpaint, colorize, splitbrain)", name);
}
