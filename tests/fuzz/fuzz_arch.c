/* Fuzz target: the architecture a checkpoint's metadata names
 * (hue_resnet_arch_parse, ssl/model_io.c). What it accepts must be one hue
 * can write: written back by hue_resnet_arch_json, it parses to the same
 * configuration. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hue_model_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    hue_resnet_config cfg, back;
    if (hue_resnet_arch_parse(text, "fuzz.ckpt", &cfg) == 0) {
        char json[512];
        hue_resnet_arch_json(&cfg, json, sizeof json);
        if (hue_resnet_arch_parse(json, "fuzz.ckpt", &back) || back.depth != cfg.depth || back.width != cfg.width ||
            back.cifar_stem != cfg.cifar_stem || back.dense != cfg.dense || back.in_channels != cfg.in_channels ||
            back.num_classes != cfg.num_classes || back.last_layer != cfg.last_layer || back.embed != cfg.embed)
            abort();
    }
    free(text);
    return 0;
}
