/* An AVIOContext over bytes in memory, so libavformat can demux a video
 * that is not a file (hue_video_open_memory). Seekable; each context has
 * its own position, so the reader's two passes over one buffer (counting
 * packets, then decoding) do not disturb each other. */
#include "video_internal.h"

#include <libavformat/avio.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size, pos;
} memory_source;

static int read_bytes(void *opaque, uint8_t *buf, int n)
{
    memory_source *m = opaque;
    size_t left = m->size - m->pos, k = (size_t)n < left ? (size_t)n : left;
    if (!k)
        return AVERROR_EOF;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (int)k;
}

static int64_t seek_bytes(void *opaque, int64_t offset, int whence)
{
    memory_source *m = opaque;
    int64_t base, size = (int64_t)m->size;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return size;
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)m->pos; break;
    case SEEK_END: base = size; break;
    default: return AVERROR(EINVAL);
    }
    if (offset < -base || offset > size - base)
        return AVERROR(EINVAL);
    m->pos = (size_t)(base + offset);
    return (int64_t)m->pos;
}

AVIOContext *hue_avio_memory(const uint8_t *data, size_t size)
{
    enum { BUFFER = 32768 };
    memory_source *m = av_mallocz(sizeof *m);
    uint8_t *buf = av_malloc(BUFFER);
    AVIOContext *pb = m && buf ? avio_alloc_context(buf, BUFFER, 0, m, read_bytes, NULL, seek_bytes) : NULL;
    if (!pb) {
        av_free(m);
        av_free(buf);
        return NULL;
    }
    m->data = data, m->size = size;
    return pb;
}

void hue_avio_memory_free(AVIOContext **pb)
{
    if (!*pb)
        return;
    av_freep(&(*pb)->opaque);
    av_freep(&(*pb)->buffer); /* libavformat may have replaced the one given */
    avio_context_free(pb);
}
