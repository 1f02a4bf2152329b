/* The video reader: libavformat demuxing, threaded libavcodec decoding,
 * libswscale to RGB8, with exact frame counts and exact seeking. */
#include "hue_error.h"
#include "hue_lab.h"
#include "hue_video.h"
#include "video_internal.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hue_video {
    char *path;
    const uint8_t *mem;     /* hue_video_open_memory's bytes, or NULL for a path */
    size_t mem_size;
    hue_video_options opt;
    hue_video_info info;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    int pending;            /* frame holds a decoded frame not yet returned */
    int eof_sent, finished;
    int64_t *pts;           /* presentation time of each frame index, sorted */
    int64_t next;           /* index of the next frame to return */
    /* First problem met while reading; reported after the last good frame. */
    int problem;
    char problem_msg[512];
    struct SwsContext *sws;
    uint8_t *scaled;        /* padded sws output, before rotation or copy */
    uint8_t *rgb_tmp;       /* RGB frame on its way to LAB */
    int sws_cs, sws_full;   /* colour details set on sws (cs -1 = none yet) */
    hue_split *split;       /* second thread for the LAB conversion */
    hue_av_watch *watch;    /* errors the decoder logs (concealed damage) */
    int split_tried;
    hue_frame_glob glob;    /* a glob pattern's frames, linked in a temporary folder */
    char frame_pattern[8192]; /* a frame folder's image2 pattern, for naming a frame's file */
    int64_t first_number;   /* its first frame's number */
};

/* Error from a libav* call: FFmpeg's own last log line if it left one. */
static int av_fail(int code, const char *path, const char *what, int averr)
{
    char buf[256];
    av_strerror(averr, buf, sizeof buf);
    return hue_fail(code, "%s: %s (%s)", path, what, hue_av_last_log[0] ? hue_av_last_log : buf);
}

/* Remembers the first problem; reading goes on with what can be decoded. */
static void note_problem(hue_video *v, const char *fmt, const char *detail)
{
    if (v->problem)
        return;
    v->problem = HUE_EFORMAT;
    snprintf(v->problem_msg, sizeof v->problem_msg, fmt, (long long)v->next, detail);
}

/* Opens a demuxer on url, or on v's bytes through an AVIOContext of its own.
 * Bytes from memory may name other files (a concat list, a playlist): an
 * empty protocol whitelist, which nested demuxers inherit, keeps those
 * closed, so a buffer never makes hue read files or the network. */
static int open_format(hue_video *v, AVFormatContext **fmt, const char *url, const AVInputFormat *ifmt,
                       AVDictionary **opts)
{
    if (!v->mem)
        return avformat_open_input(fmt, url, ifmt, opts);
    AVIOContext *pb = hue_avio_memory(v->mem, v->mem_size);
    *fmt = pb ? avformat_alloc_context() : NULL;
    if (*fmt)
        (*fmt)->protocol_whitelist = av_strdup("");
    if (!*fmt || !(*fmt)->protocol_whitelist) {
        avformat_free_context(*fmt);
        *fmt = NULL;
        hue_avio_memory_free(&pb);
        return AVERROR(ENOMEM);
    }
    (*fmt)->pb = pb;
    int r = avformat_open_input(fmt, "", ifmt, opts); /* frees *fmt on failure, not pb */
    if (r < 0)
        hue_avio_memory_free(&pb);
    return r;
}

static void close_format(AVFormatContext **fmt)
{
    AVIOContext *pb = *fmt && ((*fmt)->flags & AVFMT_FLAG_CUSTOM_IO) ? (*fmt)->pb : NULL;
    avformat_close_input(fmt);
    hue_avio_memory_free(&pb);
}

static int pick_video_stream(AVFormatContext *fmt)
{
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            return (int)i;
    }
    return -1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Whether the file holds what it says it holds. The frame count in its
 * header is no evidence: an AVI counts dropped frames that have no packet.
 * What counts is bytes against sizes (an index placing video data past the
 * end of the file) and timestamps against duration (packets that end more
 * than two frames before it: containers round durations, and a capture may
 * end on dropped frames). video_end is the latest end of a video packet in
 * the stream's time base, any_end_us that of any packet in microseconds;
 * v->pts is sorted. */
static void check_whole(hue_video *v, size_t n, int64_t video_end, int64_t any_end_us)
{
    AVStream *st = v->fmt->streams[v->stream];
    int64_t size = avio_size(v->fmt->pb), data_end = 0;
    char why[256] = "";
    for (int i = 0; size > 0 && i < avformat_index_get_entries_count(st); i++) {
        const AVIndexEntry *e = avformat_index_get_entry(st, i);
        if (e->pos + e->size > data_end)
            data_end = e->pos + e->size;
    }
    /* the nominal frame interval: the smallest step between timestamps */
    int64_t frame = 0;
    for (size_t i = 1; v->pts && i < n; i++) {
        int64_t d = v->pts[i] - v->pts[i - 1];
        if (d > 0 && (!frame || d < frame))
            frame = d;
    }
    AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    if (!frame && fr.num > 0 && fr.den > 0)
        frame = av_rescale_q(1, av_inv_q(fr), st->time_base);
    int known = v->fmt->duration_estimation_method != AVFMT_DURATION_FROM_BITRATE;
    if (size > 0 && data_end > size) {
        snprintf(why, sizeof why, "its index places video data up to byte %lld, the file has %lld bytes",
                 (long long)data_end, (long long)size);
    } else if (known && st->duration > 0 && st->duration != AV_NOPTS_VALUE && video_end != AV_NOPTS_VALUE) {
        int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
        if (start + st->duration - video_end > 2 * frame)
            snprintf(why, sizeof why, "its frames end at %.3f s of its %.3f s", av_q2d(st->time_base) * (video_end - start),
                     av_q2d(st->time_base) * st->duration);
    } else if (known && v->fmt->duration > 0 && v->fmt->duration != AV_NOPTS_VALUE && any_end_us != AV_NOPTS_VALUE) {
        int64_t start = v->fmt->start_time != AV_NOPTS_VALUE ? v->fmt->start_time : 0;
        if (start + v->fmt->duration - any_end_us > 2 * av_rescale_q(frame, st->time_base, AV_TIME_BASE_Q))
            snprintf(why, sizeof why, "its data ends at %.3f s of its %.3f s", (any_end_us - start) / 1e6,
                     v->fmt->duration / 1e6);
    }
    if (!why[0])
        return;
    v->problem = HUE_EFORMAT;
    int k = snprintf(v->problem_msg, sizeof v->problem_msg, "file is cut short: %s", why);
    if (v->info.header_frames > (int64_t)n && k > 0 && (size_t)k < sizeof v->problem_msg)
        snprintf(v->problem_msg + k, sizeof v->problem_msg - (size_t)k, " (its header says %lld frames, %zu are present)",
                 (long long)v->info.header_frames, n);
}

/* Counts the video packets of a second demuxer pass (no decoding) and keeps
 * their timestamps: the exact frame count, and the index -> time map that
 * exact seeking needs. Also notices a file cut short. */
static int scan_packets(hue_video *v, const char *url, const AVInputFormat *ifmt, AVDictionary *opts)
{
    AVFormatContext *fmt = NULL;
    AVDictionary *o = NULL;
    av_dict_copy(&o, opts, 0);
    int r = open_format(v, &fmt, url, ifmt, &o);
    av_dict_free(&o);
    if (r < 0)
        return av_fail(HUE_EFORMAT, v->path, "cannot reopen to count frames", r);
    AVPacket *pkt = av_packet_alloc();
    size_t n = 0, cap = 1024;
    int64_t *pts = malloc(cap * sizeof *pts);
    int64_t video_end = AV_NOPTS_VALUE, any_end_us = AV_NOPTS_VALUE;
    int read_err = 0;
    while (pkt && pts) {
        r = av_read_frame(fmt, pkt);
        if (r < 0) {
            if (r != AVERROR_EOF)
                read_err = r;
            break;
        }
        int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
        if (t != AV_NOPTS_VALUE && !(pkt->flags & (AV_PKT_FLAG_DISCARD | AV_PKT_FLAG_CORRUPT))) {
            int64_t end = t + (pkt->duration > 0 ? pkt->duration : 0);
            int64_t us = av_rescale_q(end, fmt->streams[pkt->stream_index]->time_base, AV_TIME_BASE_Q);
            any_end_us = any_end_us == AV_NOPTS_VALUE || us > any_end_us ? us : any_end_us;
            if (pkt->stream_index == v->stream)
                video_end = video_end == AV_NOPTS_VALUE || end > video_end ? end : video_end;
        }
        if (pkt->stream_index == v->stream && !(pkt->flags & AV_PKT_FLAG_DISCARD)) {
            if (n == cap) {
                int64_t *g = realloc(pts, 2 * cap * sizeof *pts);
                if (!g) {
                    free(pts);
                    pts = NULL;
                    break;
                }
                pts = g;
                cap *= 2;
            }
            pts[n++] = t;
            if (pkt->flags & AV_PKT_FLAG_CORRUPT)
                read_err = read_err ? read_err : AVERROR_INVALIDDATA;
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    close_format(&fmt);
    /* A read that fails (rather than ends) follows a packet cut short by
     * the end of the file: it cannot be decoded, so it is not a frame. */
    if (read_err && n > 0)
        n--;
    if (!pts)
        return hue_fail(HUE_ENOMEM, "%s: out of memory counting frames", v->path);
    v->pts = pts;
    v->info.frames = (int64_t)n;
    int have_pts = 1;
    for (size_t i = 0; i < n; i++)
        have_pts &= pts[i] != AV_NOPTS_VALUE;
    if (have_pts)
        qsort(pts, n, sizeof *pts, cmp_i64);
    else {
        free(v->pts);
        v->pts = NULL;
    }
    check_whole(v, n, video_end, any_end_us);
    if (!v->problem && read_err)
        v->problem = HUE_EFORMAT, snprintf(v->problem_msg, sizeof v->problem_msg,
                                            "file is damaged or cut short after %zu frames", n);
    return 0;
}

/* Clockwise rotation that the display matrix asks for, in 0/90/180/270. */
static int stream_rotation(const AVStream *st)
{
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!m)
        return 0;
    double ccw = av_display_rotation_get((const int32_t *)m);
    if (isnan(ccw))
        return 0;
    int cw = (int)lrint(-ccw / 90.0) * 90;
    return ((cw % 360) + 360) % 360;
}

static void fill_info(hue_video *v, const AVStream *st)
{
    hue_video_info *in = &v->info;
    const AVCodecParameters *par = st->codecpar;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get((enum AVPixelFormat)par->format);
    snprintf(in->codec, sizeof in->codec, "%s", avcodec_get_name(par->codec_id));
    snprintf(in->pix_fmt, sizeof in->pix_fmt, "%s", desc ? desc->name : "unknown");
    const char *cs = av_color_space_name(par->color_space);
    snprintf(in->color_matrix, sizeof in->color_matrix, "%s", cs ? cs : "unknown");
    int full = par->color_range == AVCOL_RANGE_JPEG || (desc && (desc->flags & AV_PIX_FMT_FLAG_RGB)) ||
               (desc && !strncmp(desc->name, "yuvj", 4));
    snprintf(in->color_range, sizeof in->color_range, "%s", full ? "pc" : "tv");
    snprintf(in->container, sizeof in->container, "%s", v->fmt->iformat->name);
    char *comma = strchr(in->container, ',');
    if (comma)
        *comma = 0;
    in->bit_depth = desc ? desc->comp[0].depth : 8;
    in->rotation = stream_rotation(st);
    int swap = in->rotation == 90 || in->rotation == 270;
    in->width = swap ? par->height : par->width;
    in->height = swap ? par->width : par->height;

    AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    double tb = av_q2d(st->time_base);
    int64_t n = in->frames;
    if (v->pts && n > 2 && !in->is_folder && !v->problem) { /* a cut file has holes, not variable rate */
        int64_t lo = INT64_MAX, hi = 0;
        for (int64_t i = 1; i < n; i++) {
            int64_t d = v->pts[i] - v->pts[i - 1];
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        in->variable_fps = hi > lo + 1 && hi > lo + lo / 100;
    }
    /* The container's rate, unless the timestamps say otherwise (a varying
     * rate, or frames dropped at a steady rate: an AVI counts them at the
     * nominal rate): then the average over the frames actually there. */
    double pts_fps = v->pts && n > 1 && v->pts[n - 1] > v->pts[0] ? (n - 1) / ((v->pts[n - 1] - v->pts[0]) * tb) : 0;
    int off = fr.num > 0 && fr.den > 0 && fabs(pts_fps - av_q2d(fr)) > 0.01 * av_q2d(fr);
    if (in->is_folder)
        in->fps = v->opt.folder_fps > 0 ? v->opt.folder_fps : 24.0;
    else if (fr.num > 0 && fr.den > 0 && !(pts_fps > 0 && (in->variable_fps || off)))
        in->fps = av_q2d(fr);
    else if (pts_fps > 0)
        in->fps = pts_fps;
    in->duration = in->fps > 0 ? n / in->fps : 0;
}

/* Size in a PNG's header, for a clear message when FFmpeg refuses it. */
static int png_header_size(const char *path, int *w, int *h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t b[24];
    FILE *f = fopen(path, "rb");
    int ok = f && fread(b, 1, sizeof b, f) == sizeof b && !memcmp(b, sig, 8) && !memcmp(b + 12, "IHDR", 4);
    if (f)
        fclose(f);
    if (!ok)
        return 0;
    uint32_t bw = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    uint32_t bh = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    *w = bw > INT32_MAX ? INT32_MAX : (int)bw;
    *h = bh > INT32_MAX ? INT32_MAX : (int)bh;
    return 1;
}

static int open_input(hue_video *v, const char *path)
{
    char pattern[8192];
    const AVInputFormat *ifmt = NULL;
    AVDictionary *opts = NULL;
    struct stat st;
    int r;
    int exists = stat(path, &st) == 0;
    const char *url = path;
    int64_t first = 0, count = 0;
    if (v->mem) {
        if (!v->mem_size)
            return hue_fail(HUE_EFORMAT, "%s: file is empty", path);
    } else if ((exists && S_ISDIR(st.st_mode)) || (!exists && (strchr(path, '%') || hue_is_glob(path)))) {
        /* A folder, a glob or a name with '%' that is not itself a file: frames. */
        if (!exists && hue_is_glob(path)) {
            if ((r = hue_frame_glob_open(path, &v->glob)) < 0)
                return r;
            snprintf(pattern, sizeof pattern, "%s", v->glob.pattern);
            first = 0, count = (int64_t)v->glob.n;
        } else if ((r = hue_frame_folder_resolve(path, pattern, sizeof pattern, &first, &count)) < 0) {
            return r;
        }
        snprintf(v->frame_pattern, sizeof v->frame_pattern, "%s", pattern);
        v->first_number = first;
        ifmt = av_find_input_format("image2");
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)first);
        av_dict_set(&opts, "start_number", num, 0);
        av_dict_set(&opts, "pattern_type", "sequence", 0);
        snprintf(num, sizeof num, "%g", v->opt.folder_fps > 0 ? v->opt.folder_fps : 24.0);
        av_dict_set(&opts, "framerate", num, 0);
        url = pattern;
        v->info.is_folder = 1;
    } else if (!exists) {
        return hue_fail(HUE_EIO, "%s: no such file", path);
    } else if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        return hue_fail(HUE_EIO, "%s: not a regular file", path);
    } else if (st.st_size == 0) {
        return hue_fail(HUE_EFORMAT, "%s: file is empty", path);
    } else if (av_match_ext(path, "jpg,jpeg,png,bmp,tif,tiff,webp,ppm,pgm")) {
        /* A single image: image2 without a pattern, so a '%' stays literal. */
        ifmt = av_find_input_format("image2");
        av_dict_set(&opts, "pattern_type", "none", 0);
        v->info.is_folder = 1;
        count = 1;
    }
    AVDictionary *o = NULL;
    av_dict_copy(&o, opts, 0);
    hue_av_last_log[0] = 0;
    r = open_format(v, &v->fmt, url, ifmt, &o);
    av_dict_free(&o);
    if (r < 0) {
        av_dict_free(&opts);
        if (r == AVERROR_EOF)
            return hue_fail(HUE_EFORMAT, "%s: file ends before any video data (no frames, or cut short)", path);
        if (r == AVERROR_INVALIDDATA)
            return hue_fail(HUE_EFORMAT, "%s: not a video or image file FFmpeg can read%s%s%s", path,
                            hue_av_last_log[0] ? " (" : "", hue_av_last_log, hue_av_last_log[0] ? ")" : "");
        return av_fail(HUE_EFORMAT, path, "cannot open", r);
    }
    if ((r = avformat_find_stream_info(v->fmt, NULL)) < 0) {
        av_dict_free(&opts);
        return av_fail(HUE_EFORMAT, path, "cannot read the stream parameters", r);
    }
    v->stream = pick_video_stream(v->fmt);
    if (v->stream < 0) {
        av_dict_free(&opts);
        int audio = 0;
        for (unsigned i = 0; i < v->fmt->nb_streams; i++)
            audio |= v->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
        return hue_fail(HUE_EFORMAT, "%s: no video stream%s", path, audio ? " (the file has audio only)" : "");
    }
    AVStream *vs = v->fmt->streams[v->stream];
    const AVCodecParameters *par = vs->codecpar;
    if (par->width <= 0 || par->height <= 0) {
        av_dict_free(&opts);
        int pw, ph;
        if (!v->mem && png_header_size(path, &pw, &ph) && (long long)pw * ph > HUE_VIDEO_MAX_PIXELS)
            return hue_fail(HUE_ELIMIT, "%s: frame size %dx%d is larger than hue accepts (%lld pixels at most)", path,
                            pw, ph, HUE_VIDEO_MAX_PIXELS);
        return hue_fail(HUE_EFORMAT, "%s: video stream has no valid frame size%s%s%s", path,
                        hue_av_last_log[0] ? " (" : "", hue_av_last_log, hue_av_last_log[0] ? ")" : "");
    }
    if (par->width > 32768 || par->height > 32768 || (long long)par->width * par->height > HUE_VIDEO_MAX_PIXELS) {
        av_dict_free(&opts);
        return hue_fail(HUE_ELIMIT, "%s: frame size %dx%d is larger than hue accepts (%lld pixels at most)", path,
                        par->width, par->height, HUE_VIDEO_MAX_PIXELS);
    }
    v->info.header_frames = vs->nb_frames > 0 ? vs->nb_frames : 0;
    if (v->info.is_folder) {
        v->pts = malloc((size_t)count * sizeof *v->pts);
        if (!v->pts) {
            av_dict_free(&opts);
            return hue_fail(HUE_ENOMEM, "%s: out of memory", path);
        }
        for (int64_t i = 0; i < count; i++)
            v->pts[i] = i;
        v->info.frames = count;
    } else if ((r = scan_packets(v, url, ifmt, opts)) < 0) {
        av_dict_free(&opts);
        return r;
    }
    av_dict_free(&opts);
    if (v->info.frames == 0)
        return hue_fail(HUE_EFORMAT, "%s: video stream has no frames", path);
    fill_info(v, vs);
    return 0;
}

static int open_decoder(hue_video *v)
{
    const AVCodecParameters *par = v->fmt->streams[v->stream]->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec)
        return hue_fail(HUE_ENOTSUP, "%s: no decoder for codec %s", v->path, avcodec_get_name(par->codec_id));
    v->dec = avcodec_alloc_context3(codec);
    if (!v->dec)
        return hue_fail(HUE_ENOMEM, "%s: out of memory", v->path);
    int r = avcodec_parameters_to_context(v->dec, par);
    if (r < 0)
        return av_fail(HUE_EFORMAT, v->path, "bad codec parameters", r);
    v->dec->thread_count = v->opt.threads > 0 ? v->opt.threads : 0;
    v->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    v->dec->pkt_timebase = v->fmt->streams[v->stream]->time_base;
    if (!(v->watch = hue_av_watch_create()))
        return hue_fail(HUE_ENOMEM, "%s: out of memory", v->path);
    v->dec->opaque = v->watch;
    if ((r = avcodec_open2(v->dec, codec, NULL)) < 0)
        return av_fail(HUE_EFORMAT, v->path, "cannot open the decoder", r);
    v->pkt = av_packet_alloc();
    v->frame = av_frame_alloc();
    if (!v->pkt || !v->frame)
        return hue_fail(HUE_ENOMEM, "%s: out of memory", v->path);
    return 0;
}

static int open_video(hue_video **out, const char *path, const uint8_t *mem, size_t mem_size,
                      const hue_video_options *opt)
{
    hue_av_log_init();
    *out = NULL;
    if (!mem && !strcmp(path, "-")) {
        int r = hue_stdin_bytes(&mem, &mem_size);
        if (r < 0)
            return r;
        path = "standard input";
    }
    hue_video *v = calloc(1, sizeof *v);
    if (!v || !(v->path = strdup(path))) {
        free(v);
        return hue_fail(HUE_ENOMEM, "%s: out of memory", path);
    }
    if (opt)
        v->opt = *opt;
    v->mem = mem, v->mem_size = mem_size;
    v->sws_cs = -1;
    int r = open_input(v, path);
    if (r == 0)
        r = open_decoder(v);
    if (r == 0) {
        hue_video_info *in = &v->info;
        int w = v->opt.width, h = v->opt.height;
        if (w < 0 || h < 0 || w > 32768 || h > 32768 || (long long)w * h > HUE_VIDEO_MAX_PIXELS)
            r = hue_fail(HUE_EINVAL, "%s: requested size %dx%d is not valid", path, w, h);
        if (w == 0 && h == 0)
            w = in->width, h = in->height;
        else if (w == 0)
            w = (int)fmax(1, lrint((double)h * in->width / in->height));
        else if (h == 0)
            h = (int)fmax(1, lrint((double)w * in->height / in->width));
        in->out_width = w;
        in->out_height = h;
    }
    if (r < 0) {
        hue_video_close(v);
        return r;
    }
    *out = v;
    return 0;
}

int hue_video_open(hue_video **out, const char *path, const hue_video_options *opt)
{
    return open_video(out, path, NULL, 0, opt);
}

int hue_video_open_memory(hue_video **out, const void *data, size_t size, const char *name,
                          const hue_video_options *opt)
{
    return open_video(out, name, data, size, opt);
}

void hue_video_close(hue_video *v)
{
    if (!v)
        return;
    avcodec_free_context(&v->dec);
    hue_av_watch_destroy(v->watch);
    close_format(&v->fmt);
    av_packet_free(&v->pkt);
    av_frame_free(&v->frame);
    sws_freeContext(v->sws);
    free(v->pts);
    free(v->scaled);
    free(v->rgb_tmp);
    hue_split_destroy(v->split);
    hue_frame_glob_free(&v->glob);
    free(v->path);
    free(v);
}

const hue_video_info *hue_video_get_info(const hue_video *v) { return &v->info; }

int64_t hue_video_position(const hue_video *v) { return v->next; }

int hue_video_problem(const hue_video *v)
{
    return v->problem ? hue_fail(v->problem, "%s: %s", v->path, v->problem_msg) : 0;
}

/* Decodes the next frame into v->frame: 1 = got one, 0 = end of stream. */
static int decode_frame(hue_video *v)
{
    char buf[128];
    for (int errors = 0; errors < 10000;) {
        int r = avcodec_receive_frame(v->dec, v->frame);
        if (r == 0) {
            char msg[200];
            if (v->frame->decode_error_flags || (v->frame->flags & AV_FRAME_FLAG_CORRUPT))
                note_problem(v, "corrupt data in frame %lld%s", " (concealed by the decoder)");
            else if (hue_av_watch_errors(v->watch, msg, sizeof msg)) {
                char detail[220];
                snprintf(detail, sizeof detail, " (decoder: %s)", msg);
                note_problem(v, "corrupt data near frame %lld%s", detail);
            }
            return 1;
        }
        if (r == AVERROR_EOF)
            return 0;
        if (r != AVERROR(EAGAIN)) {
            av_strerror(r, buf, sizeof buf);
            note_problem(v, "corrupt data near frame %lld (%s)", buf);
            errors++;
            continue;
        }
        if (v->eof_sent)
            return 0;
        r = av_read_frame(v->fmt, v->pkt);
        if (r < 0) {
            if (r != AVERROR_EOF) {
                av_strerror(r, buf, sizeof buf);
                note_problem(v, "read error after frame %lld (%s)", buf);
            }
            v->eof_sent = 1;
            avcodec_send_packet(v->dec, NULL);
            continue;
        }
        if (v->pkt->stream_index != v->stream) {
            av_packet_unref(v->pkt);
            continue;
        }
        r = avcodec_send_packet(v->dec, v->pkt);
        av_packet_unref(v->pkt);
        if (r < 0 && r != AVERROR(EAGAIN)) {
            av_strerror(r, buf, sizeof buf);
            note_problem(v, "corrupt data near frame %lld (%s)", buf);
            errors++;
        }
    }
    return hue_fail(HUE_EFORMAT, "%s: the decoder keeps failing near frame %lld", v->path, (long long)v->next);
}

static enum AVPixelFormat unjpeg(enum AVPixelFormat f, int *full)
{
    switch (f) {
    case AV_PIX_FMT_YUVJ420P: *full = 1; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full = 1; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full = 1; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full = 1; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full = 1; return AV_PIX_FMT_YUV411P;
    default: return f;
    }
}

/* A frame of a sequence whose size is not the first frame's: scaling it
 * would hide that it belongs to another sequence, so it is refused. */
static int odd_frame(hue_video *v, int w, int h)
{
    char name[8192];
    const char *file = name;
    if (v->glob.n)
        file = v->glob.paths[v->next];
    else if (hue_pattern_format(v->frame_pattern, v->first_number + v->next, name, sizeof name) < 0)
        file = v->path;
    return hue_fail(HUE_EFORMAT, "%s: %s is %dx%d, the first frame is %dx%d: every frame must have one size", v->path,
                    file, w, h, v->info.width, v->info.height);
}

/* Converts v->frame to RGB8 at the output size, honouring the stream's
 * colour matrix and range, then applies the display rotation. With rgb
 * NULL the frame stays in an internal buffer: *out and *out_stride say
 * where (rows of out_width pixels). */
static int convert_frame(hue_video *v, uint8_t *rgb, const uint8_t **out, int *out_stride)
{
    AVFrame *f = v->frame;
    if ((long long)f->width * f->height > HUE_VIDEO_MAX_PIXELS || f->width > 32768 || f->height > 32768)
        return hue_fail(HUE_ELIMIT, "%s: frame %lld is %dx%d, larger than hue accepts", v->path, (long long)v->next,
                        f->width, f->height);
    if (v->frame_pattern[0] && (f->width != v->info.width || f->height != v->info.height))
        return odd_frame(v, f->width, f->height);
    int rot = v->info.rotation, swap = rot == 90 || rot == 270;
    int ow = v->info.out_width, oh = v->info.out_height;
    int sw = swap ? oh : ow, sh = swap ? ow : oh;
    int full = f->color_range == AVCOL_RANGE_JPEG;
    enum AVPixelFormat src = unjpeg((enum AVPixelFormat)f->format, &full);
    int flags = v->opt.filter == HUE_SCALE_AREA ? SWS_AREA : SWS_BILINEAR;
    struct SwsContext *before = v->sws;
    v->sws = sws_getCachedContext(v->sws, f->width, f->height, src, sw, sh, AV_PIX_FMT_RGB24, flags, NULL, NULL, NULL);
    if (!v->sws)
        return hue_fail(HUE_ENOTSUP, "%s: cannot convert pixel format %s to RGB", v->path,
                        av_get_pix_fmt_name((enum AVPixelFormat)f->format));
    int cs = f->colorspace != AVCOL_SPC_UNSPECIFIED ? (int)f->colorspace : SWS_CS_DEFAULT;
    if (cs == AVCOL_SPC_RGB || cs >= AVCOL_SPC_NB)
        cs = SWS_CS_DEFAULT;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(src);
    /* Setting the details rebuilds tables: only when something changed. */
    if (v->sws != before || cs != v->sws_cs || full != v->sws_full) {
        if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3)
            sws_setColorspaceDetails(v->sws, sws_getCoefficients(cs), full, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                                     1 << 16, 1 << 16);
        v->sws_cs = cs, v->sws_full = full;
    }
    /* libswscale's SIMD RGB writers round the width up to 8 pixels (and skip
     * the last columns when the row stride has no room for that), and may
     * store a few bytes past the last row: scale into a padded buffer with
     * a spare row, never straight into the caller's. */
    int stride = ((sw + 7) / 8 * 8 * 3 + 63) & ~63;
    if (!v->scaled && !(v->scaled = malloc((size_t)stride * (sh + 1))))
        return hue_fail(HUE_ENOMEM, "%s: out of memory", v->path);
    uint8_t *planes[4] = {v->scaled};
    int strides[4] = {stride};
    sws_scale(v->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, planes, strides);
    if (!rgb && !rot) {
        *out = v->scaled, *out_stride = stride;
        return 0;
    }
    if (!rgb) {
        if (!v->rgb_tmp && !(v->rgb_tmp = malloc((size_t)ow * oh * 3)))
            return hue_fail(HUE_ENOMEM, "%s: out of memory", v->path);
        rgb = v->rgb_tmp;
        *out = rgb, *out_stride = ow * 3;
    }
    if (rot)
        hue_rotate_rgb8(v->scaled, stride, sw, sh, rot, rgb);
    else
        for (int y = 0; y < sh; y++)
            memcpy(rgb + (size_t)y * sw * 3, v->scaled + (size_t)y * stride, (size_t)sw * 3);
    return 0;
}

/* Index of the first frame whose time is >= t. */
static int64_t index_of_pts(const hue_video *v, int64_t t)
{
    int64_t lo = 0, hi = v->info.frames;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (v->pts[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Makes v->frame the next frame: 1, or 0 at a clean end, or an error. */
static int next_frame(hue_video *v)
{
    if (v->pending) {
        v->pending = 0;
        return 1;
    }
    if (v->finished)
        return 0;
    int r = decode_frame(v);
    if (r != 0)
        return r;
    v->finished = 1;
    if (v->problem)
        return hue_fail(v->problem, "%s: %s", v->path, v->problem_msg);
    if (v->next < v->info.frames)
        return hue_fail(HUE_EFORMAT, "%s: only %lld of %lld frames could be decoded", v->path, (long long)v->next,
                        (long long)v->info.frames);
    return 0;
}

int hue_video_read_rgb(hue_video *v, uint8_t *rgb)
{
    int r = next_frame(v);
    if (r != 1)
        return r;
    r = convert_frame(v, rgb, NULL, NULL);
    av_frame_unref(v->frame);
    if (r < 0)
        return r;
    v->next++;
    return 1;
}

typedef struct {
    const uint8_t *rgb;
    int width, height, stride;
    float *L, *a, *b;
} lab_job;

static void lab_rows(void *p, int part)
{
    const lab_job *j = p;
    int mid = j->height / 2, y0 = part ? mid : 0, y1 = part ? j->height : mid;
    for (int y = y0; y < y1; y++) {
        size_t o = (size_t)y * j->width;
        hue_lab_from_rgb8(j->rgb + (size_t)y * j->stride, (size_t)j->width, j->L + o, j->a + o, j->b + o);
    }
}

int hue_video_read_lab(hue_video *v, float *L, float *a, float *b)
{
    int r = next_frame(v);
    if (r != 1)
        return r;
    lab_job job = {NULL, v->info.out_width, v->info.out_height, 0, L, a, b};
    r = convert_frame(v, NULL, &job.rgb, &job.stride);
    av_frame_unref(v->frame);
    if (r < 0)
        return r;
    v->next++;
    if (!v->split_tried) {
        v->split_tried = 1;
        if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && (size_t)job.width * job.height >= 65536)
            v->split = hue_split_create();
    }
    if (v->split)
        hue_split_run(v->split, lab_rows, &job);
    else
        lab_rows(&job, 0), lab_rows(&job, 1);
    return 1;
}

/* Goes back to the very start by reopening: works for any input. */
static int rewind_input(hue_video *v)
{
    int r = av_seek_frame(v->fmt, v->stream, v->pts ? v->pts[0] : 0, AVSEEK_FLAG_BACKWARD);
    if (r < 0)
        r = avformat_seek_file(v->fmt, -1, INT64_MIN, 0, 0, 0);
    if (r < 0)
        return av_fail(HUE_ENOTSUP, v->path, "cannot seek", r);
    return 0;
}

/* Positions the demuxer (by timestamp, or at the very start when
 * from_start) and decodes forward to frame index; 1 if it overshot. */
static int seek_and_decode(hue_video *v, int64_t index, int from_start)
{
    int r = -1;
    if (v->pts && !from_start)
        r = av_seek_frame(v->fmt, v->stream, v->pts[index], AVSEEK_FLAG_BACKWARD) < 0 ? -1 : 0;
    if (r < 0 && (r = rewind_input(v)) < 0)
        return r;
    from_start |= !v->pts;
    avcodec_flush_buffers(v->dec);
    av_frame_unref(v->frame);
    v->pending = v->eof_sent = v->finished = 0;
    int64_t pos = -1;
    for (;;) {
        r = decode_frame(v);
        if (r < 0)
            return r;
        if (r == 0)
            return hue_fail(HUE_EFORMAT, "%s: frame %lld could not be decoded after seeking", v->path,
                            (long long)index);
        int64_t t = v->frame->best_effort_timestamp;
        if (v->pts && t != AV_NOPTS_VALUE)
            pos = index_of_pts(v, t);
        else if (pos >= 0 || from_start)
            pos++;
        else
            return 1; /* no way to tell where we are: start over from the beginning */
        if (pos > index)
            return 1;
        if (pos == index)
            break;
        av_frame_unref(v->frame);
    }
    v->pending = 1;
    v->next = pos;
    return 0;
}

int hue_video_seek(hue_video *v, int64_t index)
{
    if (index < 0 || index >= v->info.frames)
        return hue_fail(HUE_EINVAL, "%s: frame %lld is out of range (the video has %lld frames)", v->path,
                        (long long)index, (long long)v->info.frames);
    int r = seek_and_decode(v, index, 0);
    if (r == 1)
        r = seek_and_decode(v, index, 1);
    if (r == 1)
        r = hue_fail(HUE_EFORMAT, "%s: frame %lld cannot be found by decoding from the start", v->path,
                     (long long)index);
    return r;
}
