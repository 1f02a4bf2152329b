/* The Vulkan device hue computes on: listing devices, picking one, and the
 * context (instance, device, queue, memory, pipelines) every graph runs in. */
#ifndef HUE_CTX_H
#define HUE_CTX_H
#include <stdint.h>

typedef struct hue_ctx hue_ctx;

enum hue_device_type { HUE_DEVICE_OTHER, HUE_DEVICE_INTEGRATED, HUE_DEVICE_DISCRETE,
                       HUE_DEVICE_VIRTUAL, HUE_DEVICE_CPU };

typedef struct {
    uint64_t size;
    int device_local;
} hue_heap_info;

typedef struct {
    int index;
    char name[256];
    int type;                       /* enum hue_device_type */
    char driver_name[256];
    char driver_info[256];
    uint32_t api_version, driver_version, vendor_id, device_id;
    int heap_count;
    hue_heap_info heaps[16];
    int host_visible_device_local;  /* inputs are mapped directly, no staging */
    uint32_t subgroup_size;
    uint32_t max_storage_buffer_range;
    uint64_t max_memory_allocation;
    uint32_t max_texel_buffer_elements;
    uint32_t max_push_constants;
    uint32_t max_shared_memory;
    uint32_t max_workgroup_count[3];
    uint32_t max_workgroup_invocations;
    float timestamp_period_ns;
    int timestamps;                 /* compute queue has timestamps */
} hue_device_info;

/* Fills *infos (malloc'd, caller frees) with every Vulkan device and *picked
 * with the index hue would use (HUE_DEVICE honoured when override < 0). */
int hue_devices_list(hue_device_info **infos, int *count, int *picked);
const char *hue_device_type_name(int type);

/* Where a context computes: Vulkan on a device, or the CPU backend
 * (oneDNN and threaded C on the host). */
enum hue_backend { HUE_BACKEND_AUTO, HUE_BACKEND_VULKAN, HUE_BACKEND_CPU };
const char *hue_backend_name(int backend);
/* Parses a backend's name as hue_backend_name gives it (a flag's or
 * HUE_BACKEND's value); HUE_EINVAL with a message naming `what` and the
 * value otherwise. */
int hue_backend_parse(const char *value, const char *what, int *backend);

/* The backend hue_ctx_create uses from now on in this process (the CLI's
 * --backend): it wins over HUE_BACKEND. HUE_BACKEND_AUTO restores the default. */
void hue_backend_set_default(int backend);

/* device < 0: the HUE_DEVICE variable if set, else the best device
 * (discrete GPU, then integrated, then anything, CPU last).
 * HUE_VALIDATE=1 turns on the Khronos validation layer.
 * The backend is HUE_BACKEND's (default auto). */
int hue_ctx_create(hue_ctx **ctx, int device);
/* The same with a backend chosen by the caller (HUE_BACKEND_AUTO: the
 * HUE_BACKEND variable, else auto). auto: Vulkan on a GPU (discrete, then
 * integrated) or on a device named by `device` / HUE_DEVICE; the CPU
 * backend where the device Vulkan would pick is a CPU driver (lavapipe) or
 * there is no Vulkan driver at all. */
int hue_ctx_create_backend(hue_ctx **ctx, int device, int backend);
int hue_ctx_backend(const hue_ctx *ctx);
/* One line saying which backend runs and why (for hue devices and logs). */
const char *hue_ctx_backend_reason(const hue_ctx *ctx);
void hue_ctx_destroy(hue_ctx *ctx);
const hue_device_info *hue_ctx_device(const hue_ctx *ctx);

/* Errors and warnings reported by the validation layer so far. */
int hue_ctx_validation_errors(const hue_ctx *ctx);
int hue_ctx_validation_enabled(const hue_ctx *ctx);
/* Validation errors of every context this process created. */
int hue_validation_error_total(void);

/* Pipelines created during this context's life, and how many came from the
 * on-disk cache without compiling. */
void hue_ctx_pipeline_stats(const hue_ctx *ctx, int *created, int *cache_hits);

#endif
