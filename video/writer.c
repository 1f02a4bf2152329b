/* Video output through libavformat/libavcodec: RGB8 -> libswscale ->
 * H.264 (yuv420p, or yuv444p at odd sizes), VP9/VP8 (yuv420p), GIF (rgb8),
 * raw yuv444p or FFV1 (8-bit RGB, exact) -> MP4/MKV/WebM/GIF/Y4M/AVI, in a
 * file or on standard output. */
#include "hue_error.h"
#include "hue_output.h"
#include "hue_writer.h"
#include "video_internal.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct hue_writer {
    char *path;
    char tmp[4600];
    int force, width, height, enc_w, enc_h;
    AVFormatContext *oc;
    AVStream *st;
    AVCodecContext *enc;
    AVFrame *frame;
    AVPacket *pkt;
    struct SwsContext *sws;
    uint8_t *padded;        /* copy of the input: libswscale reads past its end */
    int64_t next_pts;
    int to_pipe;            /* "-": standard output, no temporary file */
    char note[300];         /* what the user should know about the file, or "" */
};

static int av_fail(int code, const char *path, const char *what, int averr)
{
    char buf[256];
    av_strerror(averr, buf, sizeof buf);
    return hue_fail(code, "%s: %s (%s)", path, what, hue_av_last_log[0] ? hue_av_last_log : buf);
}

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

const char *hue_writer_default_extension(const hue_writer_options *opt)
{
    return (!opt || !opt->no_x264) && avcodec_find_encoder_by_name("libx264") ? "mp4" : "mkv";
}

const char *hue_writer_codec(const hue_writer *w)
{
    switch (w->enc->codec_id) {
    case AV_CODEC_ID_H264: return "h264";
    case AV_CODEC_ID_VP9: return "vp9";
    case AV_CODEC_ID_VP8: return "vp8";
    case AV_CODEC_ID_GIF: return "gif";
    case AV_CODEC_ID_WRAPPED_AVFRAME: return "rawvideo";
    default: return "ffv1";
    }
}

const char *hue_writer_note(const hue_writer *w) { return w->note[0] ? w->note : NULL; }

static void writer_free(hue_writer *w)
{
    avcodec_free_context(&w->enc);
    if (w->oc) {
        avio_closep(&w->oc->pb);
        avformat_free_context(w->oc);
    }
    av_frame_free(&w->frame);
    av_packet_free(&w->pkt);
    sws_freeContext(w->sws);
    free(w->padded);
    free(w->path);
    free(w);
}

void hue_writer_abort(hue_writer *w)
{
    if (!w)
        return;
    if (w->tmp[0])
        unlink(w->tmp);
    writer_free(w);
}

/* The containers hue writes: file extensions (or --format names) and the
 * libavformat muxer. */
static const struct container {
    const char *names, *muxer;
    int pipe_ok; /* can be written without seeking back */
} containers[] = {
    {"mp4,mov,m4v", "mp4", 1}, {"mkv", "matroska", 1}, {"avi", "avi", 0},
    {"webm", "webm", 1},       {"gif", "gif", 1},      {"y4m", "yuv4mpegpipe", 1},
};

static const struct container *find_container(const char *name)
{
    for (size_t i = 0; i < sizeof containers / sizeof containers[0]; i++)
        if (*name && av_match_name(name, containers[i].names))
            return &containers[i];
    return NULL;
}

int hue_writer_format_known(const char *name) { return find_container(name) != NULL; }

/* The encoder for a container, or NULL with the message set. */
static const AVCodec *pick_codec(const char *path, const struct container *c, const hue_writer_options *opt)
{
    const AVCodec *codec = NULL;
    const char *m = c->muxer;
    if (!strcmp(m, "webm")) {
        if (!(codec = avcodec_find_encoder_by_name("libvpx-vp9")) && !(codec = avcodec_find_encoder_by_name("libvpx")))
            hue_fail(HUE_ENOTSUP, "%s: WebM needs the libvpx-vp9 or libvpx (VP8) encoder, and this FFmpeg has neither; "
                     "write .mp4 or .mkv instead", path);
        return codec;
    }
    if (!strcmp(m, "gif")) {
        if (!(codec = avcodec_find_encoder(AV_CODEC_ID_GIF)))
            hue_fail(HUE_ENOTSUP, "%s: this FFmpeg has no GIF encoder", path);
        return codec;
    }
    if (!strcmp(m, "yuv4mpegpipe")) {
        if (!(codec = avcodec_find_encoder(AV_CODEC_ID_WRAPPED_AVFRAME)))
            hue_fail(HUE_ENOTSUP, "%s: this FFmpeg cannot write YUV4MPEG", path);
        return codec;
    }
    if (!opt->no_x264 && strcmp(m, "avi"))
        codec = avcodec_find_encoder_by_name("libx264");
    if (!codec && !strcmp(m, "mp4")) {
        hue_fail(HUE_ENOTSUP, "%s: libx264 is not available to write H.264; write a .mkv file (FFV1) instead", path);
        return NULL;
    }
    if (!codec && !(codec = avcodec_find_encoder(AV_CODEC_ID_FFV1)))
        hue_fail(HUE_ENOTSUP, "%s: neither libx264 nor the FFV1 encoder is available in this FFmpeg", path);
    return codec;
}

/* Pixel format and quality settings of each encoder. H.264 in 4:2:0 needs
 * even sizes: an odd one is written in 4:4:4 instead, at its own size. */
static void configure(hue_writer *w, const hue_writer_options *opt)
{
    AVCodecContext *e = w->enc;
    char crf[16];
    /* What libswscale's RGB -> YUV uses by default: BT.601, limited range. */
    e->colorspace = AVCOL_SPC_BT470BG;
    e->color_range = AVCOL_RANGE_MPEG;
    e->color_primaries = AVCOL_PRI_BT709;
    e->color_trc = AVCOL_TRC_IEC61966_2_1;
    switch (e->codec_id) {
    case AV_CODEC_ID_H264:
        e->pix_fmt = (w->width | w->height) & 1 ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
        if (e->pix_fmt == AV_PIX_FMT_YUV444P)
            snprintf(w->note, sizeof w->note,
                     "%s: frames of %dx%d (odd) written as H.264 4:4:4 to keep their size; some players only play "
                     "4:2:0 (write .webm for that)", w->path, w->width, w->height);
        snprintf(crf, sizeof crf, "%d", opt->crf > 0 ? opt->crf : 18);
        av_opt_set(e->priv_data, "crf", crf, 0);
        av_opt_set(e->priv_data, "preset", "veryfast", 0);
        break;
    case AV_CODEC_ID_VP9:
    case AV_CODEC_ID_VP8:
        e->pix_fmt = AV_PIX_FMT_YUV420P; /* libvpx takes odd sizes in 4:2:0 */
        snprintf(crf, sizeof crf, "%d", opt->crf > 0 ? opt->crf : e->codec_id == AV_CODEC_ID_VP9 ? 32 : 10);
        av_opt_set(e->priv_data, "crf", crf, 0);
        av_opt_set(e->priv_data, "deadline", "realtime", 0);
        av_opt_set(e->priv_data, "cpu-used", "8", 0);
        e->bit_rate = e->codec_id == AV_CODEC_ID_VP9 ? 0 : 4000000; /* VP8's crf is capped by a bit rate */
        break;
    case AV_CODEC_ID_GIF:
        e->pix_fmt = AV_PIX_FMT_RGB8; /* 3-3-2 bits per pixel, dithered by libswscale */
        e->color_range = AVCOL_RANGE_JPEG;
        e->colorspace = AVCOL_SPC_RGB;
        break;
    case AV_CODEC_ID_WRAPPED_AVFRAME:
        e->pix_fmt = AV_PIX_FMT_YUV444P; /* any size, no colour subsampling */
        break;
    default: /* FFV1's 8-bit RGB: exact */
        e->pix_fmt = AV_PIX_FMT_0RGB32;
        e->color_range = AVCOL_RANGE_JPEG;
        e->colorspace = AVCOL_SPC_RGB;
    }
}

static int setup(hue_writer *w, const char *path, const hue_writer_options *opt)
{
    const char *ext = w->to_pipe ? opt->format : extension(path);
    const struct container *c = find_container(ext);
    if (!c && w->to_pipe)
        return hue_fail(HUE_EINVAL, "--format %s: unknown video format (use mp4, mkv, webm, gif or y4m)", ext);
    if (!c)
        return hue_fail(HUE_EINVAL, "%s: unknown video extension '.%s' (use .mp4, .mkv, .webm, .gif, .y4m or .avi)",
                        path, ext);
    if (w->to_pipe && !c->pipe_ok)
        return hue_fail(HUE_EINVAL, "--format %s: cannot be written to a pipe (use mp4, mkv, webm, gif or y4m)", ext);
    const AVCodec *codec = pick_codec(path, c, opt);
    if (!codec)
        return HUE_ENOTSUP;
    int r = avformat_alloc_output_context2(&w->oc, NULL, c->muxer, NULL);
    if (r < 0)
        return av_fail(HUE_ENOTSUP, path, "cannot set up the container", r);
    w->enc = avcodec_alloc_context3(codec);
    w->st = avformat_new_stream(w->oc, NULL);
    w->frame = av_frame_alloc();
    w->pkt = av_packet_alloc();
    if (!w->enc || !w->st || !w->frame || !w->pkt)
        return hue_fail(HUE_ENOMEM, "%s: out of memory", path);
    w->enc_w = w->width, w->enc_h = w->height;
    if (w->enc_w < 2 || w->enc_h < 2)
        return hue_fail(HUE_EINVAL, "%s: frames of %dx%d are too small to encode", path, w->width, w->height);
    double fps = opt->fps > 0 ? opt->fps : 24.0;
    AVRational rate = av_d2q(fps, 100000);
    w->enc->width = w->enc_w;
    w->enc->height = w->enc_h;
    w->enc->time_base = av_inv_q(rate);
    w->enc->framerate = rate;
    w->enc->thread_count = 0;
    configure(w, opt);
    if (w->oc->oformat->flags & AVFMT_GLOBALHEADER)
        w->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((r = avcodec_open2(w->enc, codec, NULL)) < 0)
        return av_fail(HUE_ENOTSUP, path, "cannot open the encoder", r);
    if ((r = avcodec_parameters_from_context(w->st->codecpar, w->enc)) < 0)
        return av_fail(HUE_ENOTSUP, path, "bad encoder parameters", r);
    w->st->time_base = w->enc->time_base;
    w->st->avg_frame_rate = rate;
    w->frame->format = w->enc->pix_fmt;
    w->frame->width = w->enc_w;
    w->frame->height = w->enc_h;
    if ((r = av_frame_get_buffer(w->frame, 0)) < 0)
        return av_fail(HUE_ENOMEM, path, "cannot allocate a frame", r);
    w->sws = sws_getContext(w->enc_w, w->enc_h, AV_PIX_FMT_RGB24, w->enc_w, w->enc_h, w->enc->pix_fmt,
                            SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    if (!w->sws)
        return hue_fail(HUE_ENOTSUP, "%s: cannot convert RGB for the encoder", path);
    if (!(w->padded = calloc((size_t)w->width * w->height * 3 + 64, 1)))
        return hue_fail(HUE_ENOMEM, "%s: out of memory", path);
    if (w->to_pipe) {
        /* a pipe cannot seek back to finish an MP4 index: fragments instead */
        AVDictionary *mux = NULL;
        if (!strcmp(c->muxer, "mp4"))
            av_dict_set(&mux, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
        char url[32];
        snprintf(url, sizeof url, "pipe:%d", opt->stdout_fd > 0 ? opt->stdout_fd : 1);
        if ((r = avio_open(&w->oc->pb, url, AVIO_FLAG_WRITE)) < 0) {
            av_dict_free(&mux);
            return av_fail(HUE_EIO, path, "cannot write to standard output", r);
        }
        r = avformat_write_header(w->oc, &mux);
        av_dict_free(&mux);
        if (r < 0)
            return av_fail(HUE_EIO, path, "cannot write the header", r);
        return 0;
    }
    /* Temporary file next to the target, opened by libavformat. */
    int fd = hue_output_temp(path, w->tmp, sizeof w->tmp);
    if (fd < 0) {
        w->tmp[0] = 0;
        return fd;
    }
    close(fd);
    if ((r = avio_open(&w->oc->pb, w->tmp, AVIO_FLAG_WRITE)) < 0)
        return av_fail(HUE_EIO, path, "cannot write", r);
    if ((r = avformat_write_header(w->oc, NULL)) < 0)
        return av_fail(HUE_EIO, path, "cannot write the header", r);
    return 0;
}

int hue_writer_open(hue_writer **out, const char *path, int width, int height, const hue_writer_options *opt)
{
    hue_writer_options defaults = {0};
    *out = NULL;
    hue_av_log_init();
    hue_av_last_log[0] = 0;
    if (!opt)
        opt = &defaults;
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return hue_fail(HUE_EINVAL, "%s: cannot write frames of %dx%d", path, width, height);
    int to_pipe = !strcmp(path, "-"), r;
    if (to_pipe) {
        int fd = opt->stdout_fd > 0 ? opt->stdout_fd : 1;
        if (!opt->format || !*opt->format)
            return hue_fail(HUE_EINVAL, "-: a video on standard output needs --format (mp4, mkv, webm, gif or y4m)");
        if (isatty(fd))
            return hue_fail(HUE_EINVAL, "-: standard output is a terminal; redirect it to a file or a pipe");
    } else {
        if (opt->format && *opt->format)
            return hue_fail(HUE_EINVAL, "%s: --format is for standard output (-o -); a file's extension says its format",
                            path);
        if ((r = hue_output_check(path, opt->force)) < 0)
            return r;
        char dir[4096];
        hue_output_folder(path, dir, sizeof dir);
        hue_output_remove_stale(dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
    }
    hue_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return hue_fail(HUE_ENOMEM, "%s: out of memory", path);
    }
    w->width = width, w->height = height, w->force = opt->force, w->to_pipe = to_pipe;
    if ((r = setup(w, path, opt)) < 0) {
        hue_writer_abort(w);
        return r;
    }
    *out = w;
    return 0;
}

/* Sends frame (NULL = flush) and writes every packet that comes out. */
static int encode(hue_writer *w, AVFrame *frame)
{
    int r = avcodec_send_frame(w->enc, frame);
    if (r < 0)
        return av_fail(HUE_EIO, w->path, "encoder failed", r);
    for (;;) {
        r = avcodec_receive_packet(w->enc, w->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return av_fail(HUE_EIO, w->path, "encoder failed", r);
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->st->time_base);
        w->pkt->stream_index = w->st->index;
        r = av_interleaved_write_frame(w->oc, w->pkt);
        if (r < 0)
            return av_fail(HUE_EIO, w->path, "cannot write (disk full?)", r);
    }
}

int hue_writer_write_rgb(hue_writer *w, const uint8_t *rgb)
{
    int r = av_frame_make_writable(w->frame);
    if (r < 0)
        return av_fail(HUE_ENOMEM, w->path, "cannot allocate a frame", r);
    memcpy(w->padded, rgb, (size_t)w->width * w->height * 3);
    const uint8_t *src[4] = {w->padded};
    int stride[4] = {w->width * 3};
    sws_scale(w->sws, src, stride, 0, w->enc_h, w->frame->data, w->frame->linesize);
    w->frame->pts = w->next_pts++;
    return encode(w, w->frame);
}

int hue_writer_close(hue_writer *w)
{
    if (!w)
        return 0;
    int r = encode(w, NULL);
    if (r == 0) {
        int e = av_write_trailer(w->oc);
        if (e < 0)
            r = av_fail(HUE_EIO, w->path, "cannot finish the file", e);
    }
    if (r == 0) {
        int e = avio_closep(&w->oc->pb);
        if (e < 0)
            r = av_fail(HUE_EIO, w->path, "cannot finish the file", e);
    }
    if (r == 0 && !w->to_pipe) {
        r = hue_output_commit(w->tmp, w->path, w->force);
        w->tmp[0] = 0;
    }
    if (r < 0)
        hue_writer_abort(w);
    else
        writer_free(w);
    return r;
}
