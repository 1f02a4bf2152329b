/* Mask PNGs through libpng: indexed (object ids + palette), grayscale and
 * colour (mask_values.c turns their pixels into ids). */
#include "hue_error.h"
#include "hue_file.h"
#include "hue_mask.h"
#include "hue_output.h"
#include "mask_internal.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MASK_MAX_SIDE 32768
#define MASK_MAX_PIXELS (16384LL * 16384LL)

void hue_mask_davis_palette(uint8_t palette[256][3])
{
    for (int i = 0; i < 256; i++) {
        int r = 0, g = 0, b = 0, c = i;
        for (int j = 0; j < 8; j++, c >>= 3) {
            r |= (c & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
        }
        palette[i][0] = (uint8_t)r, palette[i][1] = (uint8_t)g, palette[i][2] = (uint8_t)b;
    }
}

/* libpng reports errors through a callback that must not return. */
typedef struct {
    char message[200];
    int write_errno;  /* errno of a failed write (a full disk), or 0 */
} png_err_ctx;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_err_ctx *ctx = png_get_error_ptr(png);
    ctx->write_errno = errno;
    snprintf(ctx->message, sizeof ctx->message, "%s", msg);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg; /* benign (e.g. a known but odd chunk): not an error */
}

int hue_mask_create(hue_mask *m, int width, int height)
{
    memset(m, 0, sizeof *m);
    if (width <= 0 || height <= 0 || width > MASK_MAX_SIDE || height > MASK_MAX_SIDE)
        return hue_fail(HUE_EINVAL, "mask size %dx%d is not valid", width, height);
    if (!(m->ids = calloc((size_t)width * height, 1)))
        return hue_fail(HUE_ENOMEM, "out of memory for a %dx%d mask", width, height);
    m->width = width, m->height = height, m->palette_size = 256;
    hue_mask_davis_palette(m->palette);
    return 0;
}

void hue_mask_free(hue_mask *m)
{
    if (m) {
        free(m->ids);
        m->ids = NULL;
    }
}

int hue_mask_read(hue_mask *m, const char *path)
{
    memset(m, 0, sizeof *m);
    FILE *f;
    int rc = hue_file_open_regular(path, &f);
    if (rc)
        return rc;
    uint8_t sig[8];
    if (fread(sig, 1, 8, f) != 8 || png_sig_cmp(sig, 0, 8)) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: not a PNG file (masks are PNG images)", path);
    }
    png_err_ctx err = {"", 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        fclose(f);
        return hue_fail(HUE_ENOMEM, "%s: out of memory", path);
    }
    uint8_t *volatile ids = NULL;
    png_bytep *volatile rows = NULL;
    volatile int code = 0;
    if (setjmp(png_jmpbuf(png))) {
        if (!code && feof(f))
            code = hue_fail(HUE_EFORMAT, "%s: damaged PNG: the file is cut short", path);
        else if (!code)
            code = hue_fail(HUE_EFORMAT, "%s: damaged PNG (%s)", path, err.message);
        free(ids);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(f);
        memset(m, 0, sizeof *m);
        return code;
    }
    png_init_io(png, f);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, MASK_MAX_SIDE, MASK_MAX_SIDE);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    if (depth == 16) {
        code = hue_fail(HUE_EFORMAT, "%s: 16-bit PNG; a mask must be 8-bit (indexed, grayscale or colour)", path);
        png_longjmp(png, 1);
    }
    int colour = ctype == PNG_COLOR_TYPE_RGB || ctype == PNG_COLOR_TYPE_RGB_ALPHA;
    if (ctype & PNG_COLOR_MASK_ALPHA)
        png_set_strip_alpha(png);  /* gray+alpha reads as gray, RGBA as RGB */
    if ((long long)w * h > MASK_MAX_PIXELS) {
        code = hue_fail(HUE_ELIMIT, "%s: mask of %ux%u pixels is larger than hue accepts", path, (unsigned)w,
                        (unsigned)h);
        png_longjmp(png, 1);
    }
    m->width = (int)w, m->height = (int)h;
    hue_mask_davis_palette(m->palette);
    m->palette_size = 256;
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_colorp plte;
        int n = 0;
        if (png_get_PLTE(png, info, &plte, &n) && n > 0) {
            for (int i = 0; i < n && i < 256; i++)
                m->palette[i][0] = plte[i].red, m->palette[i][1] = plte[i].green, m->palette[i][2] = plte[i].blue;
            m->palette_size = n > 256 ? 256 : n;
            m->has_palette = 1;
        }
    }
    if (depth < 8)
        png_set_packing(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    ids = malloc((size_t)w * h * (colour ? 4 : 1));  /* colour: the ids, then the RGB pixels */
    rows = malloc(h * sizeof *rows);
    if (!ids || !rows) {
        code = hue_fail(HUE_ENOMEM, "%s: out of memory for a %ux%u mask", path, (unsigned)w, (unsigned)h);
        png_longjmp(png, 1);
    }
    uint8_t *pixels = colour ? ids + (size_t)w * h : ids;
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = pixels + (size_t)y * w * (colour ? 3 : 1);
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    m->ids = ids;
    int r = colour ? mask_ids_from_rgb(m, path, pixels)
                   : ctype == PNG_COLOR_TYPE_PALETTE ? 0 : mask_ids_from_gray(m, path, depth);
    if (r < 0) {
        hue_mask_free(m);
        return r;
    }
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++)
        if (m->ids[i] > m->max_id)
            m->max_id = m->ids[i];
    return 0;
}

int hue_mask_write(const hue_mask *m, const char *path, int force)
{
    int r = hue_output_check(path, force);
    if (r < 0)
        return r;
    char tmp[4600];
    FILE *f;
    if ((r = hue_output_temp_file(path, tmp, sizeof tmp, &f)) < 0)
        return r;
    png_err_ctx err = {"", 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        const char *why = ferror(f) && err.write_errno ? strerror(err.write_errno) : err.message;
        int rc = hue_fail(HUE_EIO, "%s: cannot write the PNG (%s)", path, why[0] ? why : "out of memory");
        png_destroy_write_struct(&png, &info);
        fclose(f);
        unlink(tmp);
        return rc;
    }
    /* Enough palette entries for every id present; DAVIS colours fill in. */
    uint8_t davis[256][3];
    hue_mask_davis_palette(davis);
    int entries = m->palette_size > m->max_id ? m->palette_size : m->max_id + 1;
    if (entries < 1)
        entries = 1;
    png_color plte[256];
    for (int i = 0; i < entries; i++) {
        const uint8_t *c = i < m->palette_size ? m->palette[i] : davis[i];
        plte[i].red = c[0], plte[i].green = c[1], plte[i].blue = c[2];
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)m->width, (png_uint_32)m->height, 8, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_PLTE(png, info, plte, entries);
    png_write_info(png, info);
    for (int y = 0; y < m->height; y++)
        png_write_row(png, m->ids + (size_t)y * m->width);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        unlink(tmp);
        return hue_fail(HUE_EIO, "%s: cannot write (%s)", path, strerror(errno));
    }
    return hue_output_commit(tmp, path, force);
}
