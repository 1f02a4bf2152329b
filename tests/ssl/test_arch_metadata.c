/* A checkpoint whose 'architecture' metadata lacks a field, or holds one of
 * the wrong type, is refused with a message naming the file and the field
 * (it used to crash every command that loads a model), and the message
 * names the file once. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_model_io.h"
#include "test_util.h"

static const char *const fields[] = {"arch", "width", "cifar_stem", "dense", "in_channels", "num_classes",
                                     "last_layer"};
static const char *const values[] = {"\"resnet18\"", "0.25", "false", "true", "1", "0", "3"};
enum { N_FIELDS = sizeof fields / sizeof *fields };

/* The architecture JSON with field `skip` left out (-1: none) and field
 * `wrong` given a string of the wrong type (-1: none). */
static void arch_json(int skip, int wrong, char *out, size_t n)
{
    size_t used = (size_t)snprintf(out, n, "{");
    for (int i = 0; i < N_FIELDS; i++) {
        if (i == skip)
            continue;
        const char *v = i == wrong ? (i == 0 ? "18" : "\"x\"") : values[i];
        used += (size_t)snprintf(out + used, n - used, "%s\"%s\": %s", used > 1 ? ", " : "", fields[i], v);
    }
    snprintf(out + used, n - used, "}");
}

static int save_with_arch(const char *path, const char *arch)
{
    hue_checkpoint *ck;
    int64_t shape[1] = {1};
    float v = 0;
    int rc = hue_checkpoint_create(&ck);
    if (!rc)
        rc = hue_checkpoint_add(ck, "conv1.weight", 1, shape, &v);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "architecture", arch);
    if (!rc)
        rc = hue_checkpoint_save(ck, path, 1);
    hue_checkpoint_destroy(ck);
    return rc;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

int main(void)
{
    char dir[] = "/tmp/hue-arch-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256], json[512], needle[64];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    hue_resnet_config cfg;

    arch_json(-1, -1, json, sizeof json);
    CHECK(save_with_arch(path, json) == 0);
    CHECKF(hue_resnet_arch_read(path, &cfg) == 0, "complete architecture: %s", hue_error_message());
    CHECK(cfg.in_channels == 1 && cfg.last_layer == 3 && cfg.dense && cfg.width == 0.25f);

    for (int i = 0; i < N_FIELDS; i++)
        for (int wrong = 0; wrong < 2; wrong++) {
            arch_json(wrong ? -1 : i, wrong ? i : -1, json, sizeof json);
            CHECK(save_with_arch(path, json) == 0);
            int rc = hue_resnet_arch_read(path, &cfg);
            const char *msg = hue_error_message();
            snprintf(needle, sizeof needle, "'%s'", fields[i]);
            CHECKF(rc == HUE_EFORMAT, "%s %s: rc %d", wrong ? "wrong type of" : "without", fields[i], rc);
            CHECKF(strstr(msg, needle) != NULL, "message '%s' does not name %s", msg, needle);
            CHECKF(count(msg, path) == 1, "message '%s' names the file %d times", msg, count(msg, path));
        }

    /* an architecture hue does not build: the message names the file once */
    CHECK(save_with_arch(path, "{\"arch\": \"resnet99\", \"width\": 1, \"cifar_stem\": false, \"dense\": false, "
                               "\"in_channels\": 3, \"num_classes\": 10, \"last_layer\": 4}") == 0);
    CHECK(hue_resnet_arch_read(path, &cfg) == HUE_EFORMAT);
    CHECKF(count(hue_error_message(), path) == 1 && strstr(hue_error_message(), "resnet99"), "message '%s'",
           hue_error_message());

    /* a width hue cannot build, or that is 0 or infinite as a float
     * (found by tests/fuzz/fuzz_arch: 6E97 became inf and was accepted) */
    static const char *const widths[] = {"6E97", "1e39", "1e-50", "0", "-0.5", "16.5"};
    for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
        const char *w = widths[i];
        snprintf(json, sizeof json,
                 "{\"arch\": \"resnet18\", \"width\": %s, \"cifar_stem\": false, \"dense\": false, "
                 "\"in_channels\": 3, \"num_classes\": 10, \"last_layer\": 4}", w);
        CHECK(save_with_arch(path, json) == 0);
        int rc = hue_resnet_arch_read(path, &cfg);
        CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), "'width'"), "width %s: rc %d, '%s'", w, rc,
               rc ? hue_error_message() : "");
    }

    unlink(path);
    rmdir(dir);
    return test_finish();
}
