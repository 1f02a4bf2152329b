/* hue devices: every Vulkan device, its limits, and the one hue picks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "flags.h"
#include "json_out.h"
#include "hue_ctx.h"
#include "hue_error.h"

static void version(uint32_t v, char *out, size_t n)
{
    snprintf(out, n, "%u.%u.%u", v >> 22, (v >> 12) & 0x3ff, v & 0xfff);
}

static void print_text(const hue_device_info *d, int n, int picked)
{
    for (int i = 0; i < n; i++, d++) {
        char api[32];
        version(d->api_version, api, sizeof api);
        printf("%s device %d: %s\n", i == picked ? "*" : " ", d->index, d->name);
        printf("    type:            %s\n", hue_device_type_name(d->type));
        printf("    driver:          %s (%s), Vulkan %s, driver version 0x%x\n", d->driver_name, d->driver_info, api,
               d->driver_version);
        for (int h = 0; h < d->heap_count; h++)
            printf("    memory heap %d:   %.1f GiB%s\n", h, d->heaps[h].size / 1073741824.0,
                   d->heaps[h].device_local ? " (device local)" : "");
        printf("    host-mapped:     %s\n", d->host_visible_device_local ? "yes (no staging copies)" : "no (staging)");
        printf("    subgroup size:   %u\n", d->subgroup_size);
        printf("    limits:          storage buffer range %u MiB, allocation %llu MiB, texel buffer %u elements,\n"
               "                     push constants %u B, shared memory %u KiB, workgroups %ux%ux%u, %u invocations\n",
               d->max_storage_buffer_range >> 20, (unsigned long long)(d->max_memory_allocation >> 20),
               d->max_texel_buffer_elements, d->max_push_constants, d->max_shared_memory >> 10,
               d->max_workgroup_count[0], d->max_workgroup_count[1], d->max_workgroup_count[2],
               d->max_workgroup_invocations);
        printf("    timestamps:      %s\n", d->timestamps ? "yes" : "no (HUE_PROFILE unavailable)");
    }
    if (picked >= 0)
        printf("* = the device hue uses (override with --device N or HUE_DEVICE=N)\n");
}

static void print_json(const hue_device_info *d, int n, int picked)
{
    printf("{\"picked\": %d, \"devices\": [", picked);
    for (int i = 0; i < n; i++, d++) {
        char api[32];
        version(d->api_version, api, sizeof api);
        printf("%s\n  {\"index\": %d, \"name\": ", i ? "," : "", d->index);
        hue_json_print_string(d->name);
        printf(", \"type\": \"%s\", \"driver\": ", hue_device_type_name(d->type));
        hue_json_print_string(d->driver_name);
        printf(", \"driver_info\": ");
        hue_json_print_string(d->driver_info);
        printf(", \"api_version\": \"%s\", \"driver_version\": %u, \"vendor_id\": %u, \"device_id\": %u, ", api,
               d->driver_version, d->vendor_id, d->device_id);
        printf("\"heaps\": [");
        for (int h = 0; h < d->heap_count; h++)
            printf("%s{\"bytes\": %llu, \"device_local\": %s}", h ? ", " : "", (unsigned long long)d->heaps[h].size,
                   d->heaps[h].device_local ? "true" : "false");
        printf("], \"host_mapped\": %s, \"subgroup_size\": %u, \"max_storage_buffer_range\": %u, "
               "\"max_memory_allocation\": %llu, \"max_texel_buffer_elements\": %u, \"max_push_constants\": %u, "
               "\"max_shared_memory\": %u, \"max_workgroup_count\": [%u, %u, %u], \"max_workgroup_invocations\": %u, "
               "\"timestamps\": %s, \"picked\": %s}",
               d->host_visible_device_local ? "true" : "false", d->subgroup_size, d->max_storage_buffer_range,
               (unsigned long long)d->max_memory_allocation, d->max_texel_buffer_elements, d->max_push_constants,
               d->max_shared_memory, d->max_workgroup_count[0], d->max_workgroup_count[1], d->max_workgroup_count[2],
               d->max_workgroup_invocations, d->timestamps ? "true" : "false", i == picked ? "true" : "false");
    }
    printf("\n]");  /* the caller adds the backends and closes the object */
}

typedef struct {
    int json, device;
} devices_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, devices_args *a)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"device", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0}};
    int c;
    *a = (devices_args){.device = -1};
    hue_flags_begin();
    while ((c = hue_flags_next("devices", argc, argv, "jd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'd':
            if (hue_flag_int("devices", "device", optarg, 0, 1000, &a->device))
                return 2;
            break;
        case 'h':
            printf("usage: hue devices [--json] [--device N] [--backend auto|vulkan|cpu]\n\n"
                   "Lists every Vulkan device: name, type, driver, memory heaps, subgroup size and the limits\n"
                   "hue relies on, and marks with * the one the Vulkan backend uses: a discrete GPU, else an\n"
                   "integrated one, else the CPU (lavapipe). --device N or HUE_DEVICE=N picks another. Then the\n"
                   "CPU backend (oneDNN, threads, instruction set), and the backend a command would use, and why.\n"
                   "  --json       print the same as one JSON object\n"
                   "  --device N   mark device N as the one in use\n"
                   "  --backend B  say what a command given --backend B would use\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue devices: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return -1;
}

int cmd_devices_parse(int argc, char **argv)
{
    devices_args args;
    return parse_args(argc, argv, &args);
}

int cmd_devices(int argc, char **argv)
{
    devices_args args;
    int status = parse_args(argc, argv, &args);
    if (status >= 0)
        return status;
    int json = args.json, device = args.device;
    hue_device_info *infos = NULL;
    int n = 0, picked = -1;
    char vulkan_error[512] = "";
    if (hue_devices_list(&infos, &n, &picked)) {
        snprintf(vulkan_error, sizeof vulkan_error, "%s", hue_error_message());
        n = 0, picked = -1;
    }
    if (device >= 0) {
        if (device >= n) {
            fprintf(stderr, "hue devices: --device %d: only %d Vulkan device%s found\n", device, n, n == 1 ? "" : "s");
            free(infos);
            return 1;
        }
        picked = device;
    }
    /* the CPU backend, and what a command would use now, with the reason */
    hue_ctx *cpu = NULL, *used = NULL;
    char cpu_error[512] = "", used_error[512] = "";
    if (hue_ctx_create_backend(&cpu, -1, HUE_BACKEND_CPU))
        snprintf(cpu_error, sizeof cpu_error, "%s", hue_error_message());
    if (hue_ctx_create(&used, device))
        snprintf(used_error, sizeof used_error, "%s", hue_error_message());
    if (json) {
        print_json(infos, n, picked);
        printf(", \"cpu\": ");
        if (cpu) {
            const hue_device_info *d = hue_ctx_device(cpu);
            printf("{\"name\": ");
            hue_json_print_string(d->name);
            printf(", \"onednn\": ");
            hue_json_print_string(d->driver_info);
            printf("}");
        } else {
            printf("{\"error\": ");
            hue_json_print_string(cpu_error);
            printf("}");
        }
        printf(", \"vulkan_error\": ");
        hue_json_print_string(vulkan_error);
        printf(", \"used\": ");
        if (used) {
            printf("{\"backend\": \"%s\", \"device\": ", hue_backend_name(hue_ctx_backend(used)));
            hue_json_print_string(hue_ctx_device(used)->name);
            printf(", \"reason\": ");
            hue_json_print_string(hue_ctx_backend_reason(used));
            printf("}}\n");
        } else {
            printf("{\"error\": ");
            hue_json_print_string(used_error);
            printf("}}\n");
        }
    } else {
        if (n)
            print_text(infos, n, picked);
        else
            printf("  no Vulkan device: %s\n", vulkan_error);
        if (cpu)
            printf("  cpu backend: %s, oneDNN %s\n", hue_ctx_device(cpu)->name, hue_ctx_device(cpu)->driver_info);
        else
            printf("  no cpu backend: %s\n", cpu_error);
        if (used)
            printf("hue uses the %s on %s\n", hue_ctx_backend_reason(used), hue_ctx_device(used)->name);
        else
            fprintf(stderr, "hue devices: hue cannot compute here: %s\n", used_error);
    }
    hue_ctx_destroy(cpu);
    hue_ctx_destroy(used);
    free(infos);
    return used ? 0 : 1;
}
