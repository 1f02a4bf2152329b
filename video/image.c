/* Single RGB8 images: PNG through libpng, JPEG through libavcodec's MJPEG
 * encoder. Same overwrite rules as every hue output. */
#include "hue_error.h"
#include "hue_output.h"
#include "hue_writer.h"
#include "video_internal.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void on_png_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

/* channels: 3 (RGB) or 1 (grayscale) */
static int write_png(FILE *f, const char *path, const uint8_t *pixels, int width, int height, int channels)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_png_error, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return hue_fail(HUE_EIO, "%s: cannot write the PNG", path);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++)
        png_write_row(png, pixels + (size_t)y * width * channels);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static int write_jpeg(FILE *f, const char *path, const uint8_t *rgb, int width, int height, int quality)
{
    hue_av_log_init();
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!codec)
        return hue_fail(HUE_ENOTSUP, "%s: this FFmpeg has no JPEG encoder", path);
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    AVFrame *frame = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    struct SwsContext *sws = NULL;
    uint8_t *padded = NULL;
    int r = HUE_ENOMEM;
    if (!enc || !frame || !pkt)
        goto done;
    enc->width = width, enc->height = height;
    enc->pix_fmt = AV_PIX_FMT_YUVJ444P;
    enc->color_range = AVCOL_RANGE_JPEG;
    enc->time_base = (AVRational){1, 25};
    /* libavcodec's scale: q 2 (best) .. 31; map quality 100 -> 2, 1 -> 31. */
    int q = quality > 0 ? quality : 90;
    int qscale = 2 + (100 - q) * 29 / 99;
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = FF_QP2LAMBDA * qscale;
    if (avcodec_open2(enc, codec, NULL) < 0) {
        r = hue_fail(HUE_ENOTSUP, "%s: cannot open the JPEG encoder", path);
        goto done;
    }
    frame->format = enc->pix_fmt, frame->width = width, frame->height = height;
    frame->quality = enc->global_quality;
    sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV444P,
                         SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (!sws || av_frame_get_buffer(frame, 0) < 0)
        goto done;
    /* Full-range BT.601 as JPEG (JFIF) expects. */
    sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0,
                             1 << 16, 1 << 16);
    /* libswscale's SIMD loads read a little past the last input row. */
    size_t bytes = (size_t)width * height * 3;
    if (!(padded = calloc(bytes + 64, 1)))
        goto done;
    memcpy(padded, rgb, bytes);
    const uint8_t *src[4] = {padded};
    int stride[4] = {width * 3};
    sws_scale(sws, src, stride, 0, height, frame->data, frame->linesize);
    if (avcodec_send_frame(enc, frame) < 0 || avcodec_send_frame(enc, NULL) < 0 ||
        avcodec_receive_packet(enc, pkt) < 0) {
        r = hue_fail(HUE_EIO, "%s: JPEG encoding failed", path);
        goto done;
    }
    r = fwrite(pkt->data, 1, (size_t)pkt->size, f) == (size_t)pkt->size ? 0
                                                                          : hue_fail(HUE_EIO, "%s: cannot write (%s)", path, strerror(errno));
done:
    if (r == HUE_ENOMEM)
        hue_fail(r, "%s: out of memory", path);
    sws_freeContext(sws);
    free(padded);
    av_packet_free(&pkt);
    av_frame_free(&frame);
    avcodec_free_context(&enc);
    return r;
}

/* channels 1: a grayscale PNG only */
static int write_image(const char *path, const uint8_t *pixels, int width, int height, int channels, int quality,
                       int force)
{
    const char *dot = strrchr(path, '.');
    int png = dot && !strcasecmp(dot, ".png");
    int jpg = channels == 3 && dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
    if (!png && !jpg)
        return hue_fail(HUE_EINVAL, "%s: unknown image extension (use %s)", path,
                        channels == 3 ? ".png, .jpg or .jpeg" : ".png");
    if (width <= 0 || height <= 0)
        return hue_fail(HUE_EINVAL, "%s: cannot write an image of %dx%d", path, width, height);
    int r = hue_output_check(path, force);
    if (r < 0)
        return r;
    char tmp[4600];
    FILE *f;
    if ((r = hue_output_temp_file(path, tmp, sizeof tmp, &f)) < 0)
        return r;
    r = png ? write_png(f, path, pixels, width, height, channels) : write_jpeg(f, path, pixels, width, height, quality);
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    if (r == 0 && bad)
        r = hue_fail(HUE_EIO, "%s: cannot write (%s)", path, strerror(errno));
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    return hue_output_commit(tmp, path, force);
}

int hue_image_write_rgb(const char *path, const uint8_t *rgb, int width, int height, int quality, int force)
{
    return write_image(path, rgb, width, height, 3, quality, force);
}

int hue_image_write_gray(const char *path, const uint8_t *gray, int width, int height, int force)
{
    return write_image(path, gray, width, height, 1, 0, force);
}
