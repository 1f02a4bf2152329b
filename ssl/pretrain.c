/* hue_pretrain: the method by its name. */
#include <string.h>

#include "hue_error.h"
#include "hue_train.h"
#include "pretrain_methods.h"

const char *const hue_pretrain_methods[] = {"supervised", "rotation", NULL};

int hue_pretrain(const hue_pretrain_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    const char *m = o->method ? o->method : "";
    if (strcmp(m, "supervised") == 0)
        return hue_pretrain_supervised(o, r);
    if (strcmp(m, "rotation") == 0)
        return hue_pretrain_rotation(o, r);
    return hue_fail(HUE_EINVAL, "--method %s: unknown (supervised, rotation)", m);
}
