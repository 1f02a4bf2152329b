/* The CPU backend's context: OpenMP threads (HUE_THREADS, default one per
 * core), oneDNN's instruction set, and device limits that never bind. */
#include <dnnl.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_graph.h"
#include "ctx_internal.h"
#include "hue_error.h"

static const char *isa_name(dnnl_cpu_isa_t isa)
{
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "SSE4.1";
    case dnnl_cpu_isa_avx: return "AVX";
    case dnnl_cpu_isa_avx2: return "AVX2";
    case dnnl_cpu_isa_avx512_mic: case dnnl_cpu_isa_avx512_mic_4ops: return "AVX-512 (MIC)";
    case dnnl_cpu_isa_avx512_core: return "AVX-512";
    case dnnl_cpu_isa_avx512_core_vnni: return "AVX-512 VNNI";
    case dnnl_cpu_isa_avx512_core_bf16: return "AVX-512 BF16";
    case dnnl_cpu_isa_avx512_core_amx: return "AVX-512 AMX";
    case dnnl_cpu_isa_avx2_vnni: return "AVX2 VNNI";
    default: return "no vector ISA";
    }
}

/* HUE_THREADS: a whole number from 1 to 1024, or unset (one per core). */
static int threads_from_env(int *threads)
{
    const char *env = getenv("HUE_THREADS");
    *threads = omp_get_num_procs();
    if (!env)
        return 0;
    char *end;
    long v = strtol(env, &end, 10);
    if (!*env || *end || v < 1 || v > 1024)
        return hue_fail(HUE_EINVAL, "HUE_THREADS='%s': expected a whole number of threads from 1 to 1024", env);
    *threads = (int)v;
    return 0;
}

int hue_cpu_ctx_init(hue_ctx *ctx)
{
    int rc = threads_from_env(&ctx->threads);
    if (rc)
        return rc;
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    /* oneDNN's fp32 convolutions need SSE4.1 at least; below it they fall
     * back to reference code hundreds of times slower. */
    if (isa == dnnl_cpu_isa_all || isa < dnnl_cpu_isa_sse41)
        return hue_fail(HUE_ENOTSUP, "the CPU backend needs SSE4.1 or newer, which this processor lacks "
                                     "(oneDNN found none); use --backend vulkan");
    omp_set_num_threads(ctx->threads);
    const dnnl_version_t *v = dnnl_version();
    ctx->backend = HUE_BACKEND_CPU;
    hue_device_info *info = &ctx->info;
    info->index = -1;
    snprintf(info->name, sizeof info->name, "CPU (%d thread%s, %s)", ctx->threads, ctx->threads == 1 ? "" : "s",
             isa_name(isa));
    info->type = HUE_DEVICE_CPU;
    snprintf(info->driver_name, sizeof info->driver_name, "oneDNN");
    snprintf(info->driver_info, sizeof info->driver_info, "%d.%d.%d", v->major, v->minor, v->patch);
    info->host_visible_device_local = 1;
    info->subgroup_size = 8;
    info->max_storage_buffer_range = UINT32_MAX;
    info->max_memory_allocation = (uint64_t)1 << 40;
    info->max_texel_buffer_elements = UINT32_MAX;
    info->max_push_constants = 128;
    info->max_shared_memory = 32768;
    for (int i = 0; i < 3; i++)
        info->max_workgroup_count[i] = INT32_MAX;
    info->max_workgroup_invocations = 1024;
    info->timestamp_period_ns = 1;
    info->timestamps = 1;  /* HUE_PROFILE times nodes with the wall clock */
    ctx->ops = &hue_cpu_backend_ops;
    return 0;
}
