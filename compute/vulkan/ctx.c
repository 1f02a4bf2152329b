/* The backend a context computes on (--backend, HUE_BACKEND), and the
 * Vulkan instance, device choice and the hue_ctx that owns them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "pipeline.h"
#include "vk_graph.h"

#define NO_DRIVER_HINT \
    "install a Vulkan driver: on Debian, 'apt-get install mesa-vulkan-drivers' (runs on the CPU) or your GPU vendor's driver"

int hue_vk_fail(VkResult r, const char *what)
{
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
        return hue_fail(HUE_ENOMEM, "%s: out of %s memory", what,
                        r == VK_ERROR_OUT_OF_DEVICE_MEMORY ? "device" : "host");
    return hue_fail(HUE_EVULKAN, "%s failed (VkResult %d)", what, (int)r);
}

const char *hue_device_type_name(int type)
{
    switch (type) {
    case HUE_DEVICE_DISCRETE: return "discrete GPU";
    case HUE_DEVICE_INTEGRATED: return "integrated GPU";
    case HUE_DEVICE_VIRTUAL: return "virtual GPU";
    case HUE_DEVICE_CPU: return "CPU";
    default: return "other";
    }
}

static int type_from_vk(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return HUE_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return HUE_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return HUE_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return HUE_DEVICE_CPU;
    default: return HUE_DEVICE_OTHER;
    }
}

/* Lower is better: discrete, integrated, virtual, other, CPU. */
static int type_rank(int type)
{
    switch (type) {
    case HUE_DEVICE_DISCRETE: return 0;
    case HUE_DEVICE_INTEGRATED: return 1;
    case HUE_DEVICE_VIRTUAL: return 2;
    case HUE_DEVICE_OTHER: return 3;
    default: return 4;
    }
}

static int compute_queue_family(VkPhysicalDevice phys, uint32_t *family, uint32_t *ts_bits)
{
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, NULL);
    VkQueueFamilyProperties props[32];
    if (n > 32)
        n = 32;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, props);
    for (uint32_t i = 0; i < n; i++)
        if (props[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
            *family = i;
            *ts_bits = props[i].timestampValidBits;
            return 0;
        }
    return -1;
}

static void describe(VkPhysicalDevice phys, int index, hue_device_info *d)
{
    VkPhysicalDeviceSubgroupProperties sub = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceDriverProperties drv = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES, .pNext = &sub};
    VkPhysicalDeviceMaintenance3Properties m3 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, .pNext = &drv};
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &m3};
    vkGetPhysicalDeviceProperties2(phys, &p2);
    const VkPhysicalDeviceProperties *p = &p2.properties;
    const VkPhysicalDeviceLimits *l = &p->limits;

    memset(d, 0, sizeof *d);
    d->index = index;
    snprintf(d->name, sizeof d->name, "%s", p->deviceName);
    d->type = type_from_vk(p->deviceType);
    snprintf(d->driver_name, sizeof d->driver_name, "%s", drv.driverName);
    snprintf(d->driver_info, sizeof d->driver_info, "%s", drv.driverInfo);
    d->api_version = p->apiVersion;
    d->driver_version = p->driverVersion;
    d->vendor_id = p->vendorID;
    d->device_id = p->deviceID;
    d->subgroup_size = sub.subgroupSize;
    d->max_storage_buffer_range = l->maxStorageBufferRange;
    d->max_memory_allocation = m3.maxMemoryAllocationSize;
    d->max_texel_buffer_elements = l->maxTexelBufferElements;
    d->max_push_constants = l->maxPushConstantsSize;
    d->max_shared_memory = l->maxComputeSharedMemorySize;
    for (int i = 0; i < 3; i++)
        d->max_workgroup_count[i] = l->maxComputeWorkGroupCount[i];
    d->max_workgroup_invocations = l->maxComputeWorkGroupInvocations;
    d->timestamp_period_ns = l->timestampPeriod;

    uint32_t family, ts_bits = 0;
    if (compute_queue_family(phys, &family, &ts_bits) == 0)
        d->timestamps = ts_bits > 0 && l->timestampComputeAndGraphics;

    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(phys, &mp);
    d->heap_count = mp.memoryHeapCount < 16 ? (int)mp.memoryHeapCount : 16;
    for (int i = 0; i < d->heap_count; i++) {
        d->heaps[i].size = mp.memoryHeaps[i].size;
        d->heaps[i].device_local = !!(mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT);
    }
    const VkMemoryPropertyFlags direct = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                         VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                         VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t i = 0; i < mp.memoryTypeCount; i++)
        if ((mp.memoryTypes[i].propertyFlags & direct) == direct)
            d->host_visible_device_local = 1;
}

/* Every context's validation errors, for a process-wide verdict. */
static _Atomic int validation_error_total;

int hue_validation_error_total(void) { return validation_error_total; }

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                    VkDebugUtilsMessageTypeFlagsEXT type,
                                                    const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                    void *user)
{
    (void)type;
    hue_vk_ctx *vc = user;
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        vc->validation_errors++;
        validation_error_total++;
        fprintf(stderr, "hue: validation error: %s\n", data->pMessage);
    } else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        fprintf(stderr, "hue: validation warning: %s\n", data->pMessage);
    }
    return VK_FALSE;
}

static int layer_available(const char *name)
{
    uint32_t n = 0;
    vkEnumerateInstanceLayerProperties(&n, NULL);
    VkLayerProperties *props = calloc(n ? n : 1, sizeof *props);
    if (!props)
        return 0;
    vkEnumerateInstanceLayerProperties(&n, props);
    int found = 0;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(props[i].layerName, name) == 0)
            found = 1;
    free(props);
    return found;
}

static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static int create_instance(VkInstance *instance, int validation, VkDebugUtilsMessengerCreateInfoEXT *messenger)
{
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "hue",
        .apiVersion = VK_API_VERSION_1_2,
    };
    const char *layers[] = {"VK_LAYER_KHRONOS_validation"};
    const char *exts[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkInstanceCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pNext = validation ? messenger : NULL,
        .pApplicationInfo = &app,
        .enabledLayerCount = validation ? 1 : 0,
        .ppEnabledLayerNames = layers,
        .enabledExtensionCount = validation ? 1 : 0,
        .ppEnabledExtensionNames = exts,
    };
    VkResult r = vkCreateInstance(&ci, NULL, instance);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        return hue_fail(HUE_ENODEV, "no Vulkan driver found: " NO_DRIVER_HINT);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateInstance");
    return 0;
}

static int physical_devices(VkInstance instance, VkPhysicalDevice **out, uint32_t *count)
{
    uint32_t n = 0;
    VkResult r = vkEnumeratePhysicalDevices(instance, &n, NULL);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE)
        return hue_vk_fail(r, "vkEnumeratePhysicalDevices");
    if (n == 0)
        return hue_fail(HUE_ENODEV, "no Vulkan device found: " NO_DRIVER_HINT);
    *out = calloc(n, sizeof **out);
    if (!*out)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    vkEnumeratePhysicalDevices(instance, &n, *out);
    *count = n;
    return 0;
}

/* HUE_DEVICE (when set and override < 0), else the best type. */
static int pick_device(const hue_device_info *infos, int n, int override, int *picked)
{
    int want = override;
    const char *env = getenv("HUE_DEVICE");
    if (want < 0 && env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end || v < 0)
            return hue_fail(HUE_EINVAL, "HUE_DEVICE=%s: expected a device index (see 'hue devices')", env);
        want = (int)v;
    }
    if (want >= 0) {
        if (want >= n)
            return hue_fail(HUE_EINVAL, "device %d does not exist: %d Vulkan device%s found (see 'hue devices')",
                            want, n, n == 1 ? "" : "s");
        *picked = want;
        return 0;
    }
    int best = 0;
    for (int i = 1; i < n; i++)
        if (type_rank(infos[i].type) < type_rank(infos[best].type))
            best = i;
    *picked = best;
    return 0;
}

int hue_devices_list(hue_device_info **infos, int *count, int *picked)
{
    VkInstance instance;
    int rc = create_instance(&instance, 0, NULL);
    if (rc)
        return rc;
    VkPhysicalDevice *phys = NULL;
    uint32_t n = 0;
    rc = physical_devices(instance, &phys, &n);
    if (rc == 0) {
        *infos = calloc(n, sizeof **infos);
        if (!*infos)
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
    }
    if (rc == 0) {
        for (uint32_t i = 0; i < n; i++)
            describe(phys[i], (int)i, &(*infos)[i]);
        *count = (int)n;
        rc = pick_device(*infos, (int)n, -1, picked);
        if (rc)
            *picked = -1, rc = 0; /* listing still useful with a bad HUE_DEVICE */
    }
    free(phys);
    vkDestroyInstance(instance, NULL);
    return rc;
}

static int create_device(hue_ctx *ctx)
{
    hue_vk_ctx *vc = ctx->vk;
    uint32_t ts_bits = 0;
    if (compute_queue_family(vc->phys, &vc->queue_family, &ts_bits))
        return hue_fail(HUE_ENODEV, "device %s has no compute queue", ctx->info.name);

    /* Pipeline creation feedback (core in 1.3) lets hue report cache hits. */
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(vc->phys, NULL, &n, NULL);
    VkExtensionProperties *ext = calloc(n ? n : 1, sizeof *ext);
    if (!ext)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    vkEnumerateDeviceExtensionProperties(vc->phys, NULL, &n, ext);
    const char *enabled[4];
    uint32_t n_enabled = 0;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(ext[i].extensionName, VK_EXT_PIPELINE_CREATION_FEEDBACK_EXTENSION_NAME) == 0) {
            enabled[n_enabled++] = VK_EXT_PIPELINE_CREATION_FEEDBACK_EXTENSION_NAME;
            vc->creation_feedback = 1;
        }
    free(ext);

    float priority = 1.0f;
    VkDeviceQueueCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = vc->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    VkDeviceCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qci,
        .enabledExtensionCount = n_enabled,
        .ppEnabledExtensionNames = enabled,
    };
    VkResult r = vkCreateDevice(vc->phys, &dci, NULL, &vc->device);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateDevice");
    vkGetDeviceQueue(vc->device, vc->queue_family, 0, &vc->queue);

    VkCommandPoolCreateInfo pci = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = vc->queue_family,
    };
    r = vkCreateCommandPool(vc->device, &pci, NULL, &vc->cmd_pool);
    if (r != VK_SUCCESS)
        return hue_vk_fail(r, "vkCreateCommandPool");
    return 0;
}

const char *hue_backend_name(int backend)
{
    return backend == HUE_BACKEND_CPU ? "cpu" : backend == HUE_BACKEND_VULKAN ? "vulkan" : "auto";
}

int hue_backend_parse(const char *value, const char *what, int *backend)
{
    static const char *const names[] = {"auto", "vulkan", "cpu"};
    for (int i = 0; i < 3; i++)
        if (value && !strcmp(value, names[i])) {
            *backend = i;
            return 0;
        }
    return hue_fail(HUE_EINVAL, "%s '%s': expected auto, vulkan or cpu", what, value ? value : "");
}

static int default_backend = HUE_BACKEND_AUTO;
void hue_backend_set_default(int backend) { default_backend = backend; }

int hue_ctx_create(hue_ctx **out, int device) { return hue_ctx_create_backend(out, device, default_backend); }

int hue_ctx_backend(const hue_ctx *ctx) { return ctx->backend; }
const char *hue_ctx_backend_reason(const hue_ctx *ctx) { return ctx->backend_reason; }

static int create_vulkan(hue_ctx **out, int device);

/* auto: the CPU backend where Vulkan would run on a CPU driver (lavapipe)
 * or finds no device; Vulkan on a GPU, or on any device named by --device
 * or HUE_DEVICE. Fills `why` with the reason. */
static int auto_backend(int device, char *why, size_t n)
{
    if (device >= 0 || (getenv("HUE_DEVICE") && *getenv("HUE_DEVICE"))) {
        snprintf(why, n, "auto (a Vulkan device was named)");
        return HUE_BACKEND_VULKAN;
    }
    hue_device_info *infos = NULL;
    int count = 0, picked = -1;
    if (hue_devices_list(&infos, &count, &picked) || count == 0 || picked < 0) {
        snprintf(why, n, "auto (no Vulkan device: %.250s)", count == 0 ? hue_error_message() : "none usable");
        free(infos);
        return HUE_BACKEND_CPU;
    }
    int type = infos[picked].type;
    snprintf(why, n, "auto (%.200s is %s)", infos[picked].name,
             type == HUE_DEVICE_CPU ? "a CPU driver: the CPU backend runs the same graph several times faster"
                                    : "a GPU");
    free(infos);
    return type == HUE_DEVICE_CPU ? HUE_BACKEND_CPU : HUE_BACKEND_VULKAN;
}

int hue_ctx_create_backend(hue_ctx **out, int device, int backend)
{
    *out = NULL;
    const char *env = getenv("HUE_BACKEND");
    int from_flag = backend != HUE_BACKEND_AUTO;
    if (!from_flag && env && *env && hue_backend_parse(env, "HUE_BACKEND", &backend))
        return HUE_EINVAL;
    char why[400];
    if (backend == HUE_BACKEND_AUTO)
        backend = auto_backend(device, why, sizeof why);
    else
        snprintf(why, sizeof why, "asked for (%s%s)", from_flag ? "--backend " : "HUE_BACKEND=",
                 hue_backend_name(backend));
    hue_ctx *ctx = NULL;
    int rc;
    if (backend == HUE_BACKEND_CPU) {
        if (!(ctx = calloc(1, sizeof *ctx)))
            return hue_fail(HUE_ENOMEM, "out of host memory");
        if ((rc = hue_cpu_ctx_init(ctx))) {
            free(ctx);
            return rc;
        }
    } else if ((rc = create_vulkan(&ctx, device))) {
        return rc;
    }
    snprintf(ctx->backend_reason, sizeof ctx->backend_reason, "%s backend: %s", hue_backend_name(backend), why);
    *out = ctx;
    return 0;
}

static int create_vulkan(hue_ctx **out, int device)
{
    *out = NULL;
    hue_ctx *ctx = calloc(1, sizeof *ctx);
    hue_vk_ctx *vc = calloc(1, sizeof *vc);
    if (!ctx || !vc) {
        free(ctx), free(vc);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    ctx->backend = HUE_BACKEND_VULKAN;
    ctx->ops = &hue_vk_backend_ops;
    ctx->vk = vc;

    vc->validation = env_flag("HUE_VALIDATE");
    if (vc->validation && !layer_available("VK_LAYER_KHRONOS_validation")) {
        free(ctx), free(vc);
        return hue_fail(HUE_ENODEV, "HUE_VALIDATE is set but the Khronos validation layer is missing: "
                                    "install it with 'apt-get install vulkan-validationlayers'");
    }
    VkDebugUtilsMessengerCreateInfoEXT mci = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_validation,
        .pUserData = vc,
    };
    int rc = create_instance(&vc->instance, vc->validation, &mci);
    if (rc) {
        free(ctx), free(vc);
        return rc;
    }
    if (vc->validation) {
        PFN_vkCreateDebugUtilsMessengerEXT create_messenger =
            (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(vc->instance, "vkCreateDebugUtilsMessengerEXT");
        if (create_messenger)
            create_messenger(vc->instance, &mci, NULL, &vc->messenger);
    }

    VkPhysicalDevice *phys = NULL;
    uint32_t n = 0;
    rc = physical_devices(vc->instance, &phys, &n);
    hue_device_info *infos = NULL;
    if (rc == 0 && !(infos = calloc(n, sizeof *infos)))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    int picked = 0;
    if (rc == 0) {
        for (uint32_t i = 0; i < n; i++)
            describe(phys[i], (int)i, &infos[i]);
        rc = pick_device(infos, (int)n, device, &picked);
    }
    if (rc == 0) {
        vc->phys = phys[picked];
        ctx->info = infos[picked];
        vkGetPhysicalDeviceMemoryProperties(vc->phys, &vc->mem_props);
        rc = create_device(ctx);
    }
    free(phys);
    free(infos);
    if (rc == 0)
        rc = hue_memory_init(&vc->memory, ctx);
    if (rc == 0)
        rc = hue_pipelines_init(ctx);
    if (rc) {
        hue_ctx_destroy(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

void hue_ctx_destroy(hue_ctx *ctx)
{
    if (!ctx)
        return;
    hue_vk_ctx *vc = ctx->vk;
    if (!vc) {  /* the CPU backend holds nothing else */
        free(ctx);
        return;
    }
    if (vc->device) {
        vkDeviceWaitIdle(vc->device);
        hue_pipelines_shutdown(ctx);
        hue_memory_shutdown(&vc->memory);
        if (vc->cmd_pool)
            vkDestroyCommandPool(vc->device, vc->cmd_pool, NULL);
        vkDestroyDevice(vc->device, NULL);
    }
    if (vc->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger =
            (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(vc->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy_messenger)
            destroy_messenger(vc->instance, vc->messenger, NULL);
    }
    if (vc->instance)
        vkDestroyInstance(vc->instance, NULL);
    free(vc);
    free(ctx);
}

const hue_device_info *hue_ctx_device(const hue_ctx *ctx) { return &ctx->info; }
int hue_ctx_validation_errors(const hue_ctx *ctx) { return ctx->vk ? ctx->vk->validation_errors : 0; }
int hue_ctx_validation_enabled(const hue_ctx *ctx) { return ctx->vk ? ctx->vk->validation : 0; }

void hue_ctx_pipeline_stats(const hue_ctx *ctx, int *created, int *cache_hits)
{
    *created = ctx->vk ? ctx->vk->pipelines_created : 0;
    *cache_hits = ctx->vk ? ctx->vk->pipeline_cache_hits : 0;
}
