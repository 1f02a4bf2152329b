/* The SPIR-V of every shaders/<name>.comp, embedded at build time. */
#ifndef HUE_SHADERS_H
#define HUE_SHADERS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;       /* file name without .comp */
    const uint32_t *code;
    const size_t *size;     /* bytes */
} hue_shader_blob;

/* NULL when no shader of that name was built into libhue. */
const hue_shader_blob *hue_shader_find(const char *name);

#endif
