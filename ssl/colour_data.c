/* Colourisation inputs and targets (colour_data.h). */
#include <stdlib.h>
#include <string.h>

#include "colour_data.h"
#include "hue_augment.h"
#include "hue_error.h"
#include "hue_lab.h"
#include "hue_rng.h"

int64_t colour_sampler_floats(const colour_sampler *cs) { return (int64_t)COLOUR_PLANES * cs->size * cs->size; }

int colour_sampler_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    const colour_sampler *cs = user;
    size_t n = (size_t)width * height;
    uint8_t *img = malloc(n * 3);
    if (!img)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    memcpy(img, rgb, n * 3);
    hue_rng r;
    hue_rng_seed(&r, seed);
    int rc = hue_augment_flip(&r, cs->flip ? 0.5f : 0.0f, img, width, height);
    float *L = out + n * COLOUR_L, *a = out + n * COLOUR_A, *b = out + n * COLOUR_B;
    hue_lab_from_rgb8(img, n, L, a, b);
    for (size_t i = 0; i < n; i++) {
        out[n * COLOUR_AB_CLASS + i] = (float)cs->bins->cell_class[colour_cell(a[i], b[i])];
        out[n * COLOUR_L_CLASS + i] = (float)colour_l_class(L[i]);
        L[i] = L[i] / 50.0f - 1.0f;
        a[i] /= 110.0f;
        b[i] /= 110.0f;
    }
    free(img);
    return rc < 0 ? rc : 0;
}

static int histogram_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    (void)user, (void)seed;
    size_t n = (size_t)width * height;
    float *lab = malloc(sizeof *lab * n * 3);
    if (!lab)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_lab_from_rgb8(rgb, n, lab, lab + n, lab + 2 * n);
    memset(out, 0, sizeof *out * AB_CELLS);
    for (size_t i = 0; i < n; i++)
        out[colour_cell(lab[n + i], lab[2 * n + i])] += 1;
    free(lab);
    return 0;
}

/* A pixel is coloured when its chroma sqrt(a^2 + b^2) exceeds this: JPEG
 * noise in a gray image stays far below, the faintest tint above. */
#define CHROMA_COLOURED 2.0f

static int chroma_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    (void)user, (void)seed;
    size_t n = (size_t)width * height;
    float *lab = malloc(sizeof *lab * n * 3);
    if (!lab)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_lab_from_rgb8(rgb, n, lab, lab + n, lab + 2 * n);
    out[0] = 0, out[1] = (float)n;
    for (size_t i = 0; i < n; i++)
        out[0] += lab[n + i] * lab[n + i] + lab[2 * n + i] * lab[2 * n + i] > CHROMA_COLOURED * CHROMA_COLOURED;
    free(lab);
    return 0;
}

int colour_share_coloured(const hue_dataset *ds, int size, int threads, int64_t max_images, double *share)
{
    hue_loader_options lo = hue_loader_defaults();
    int64_t n = hue_dataset_size(ds);
    lo.batch = n < 256 ? (int)n : 256;
    lo.size = size;
    lo.seed = 1;
    lo.keep_last = 1;
    lo.epochs = 1;
    lo.threads = threads;
    lo.sample = chroma_sample;
    lo.sample_floats = 2;
    hue_loader *l;
    int rc = hue_loader_create(&l, ds, &lo);
    if (rc)
        return rc;
    double coloured = 0, total = 0;
    int64_t seen = 0;
    hue_batch b;
    while (seen < max_images && (rc = hue_loader_next(l, &b)) == 1) {
        for (int i = 0; i < b.count; i++)
            coloured += b.images[2 * i], total += b.images[2 * i + 1];
        seen += b.count;
    }
    hue_loader_destroy(l);
    *share = total > 0 ? coloured / total : 0;
    return rc < 0 ? rc : 0;
}

int colour_histogram(const hue_dataset *ds, int size, int threads, double *cells)
{
    hue_loader_options lo = hue_loader_defaults();
    int64_t n = hue_dataset_size(ds);
    lo.batch = n < 256 ? (int)n : 256;
    lo.size = size;
    lo.shuffle = 0;
    lo.keep_last = 1;
    lo.epochs = 1;
    lo.threads = threads;
    lo.sample = histogram_sample;
    lo.sample_floats = AB_CELLS;
    hue_loader *l;
    int rc = hue_loader_create(&l, ds, &lo);
    if (rc)
        return rc;
    memset(cells, 0, sizeof *cells * AB_CELLS);
    hue_batch b;
    while ((rc = hue_loader_next(l, &b)) == 1)
        for (int i = 0; i < b.count; i++)
            for (int c = 0; c < AB_CELLS; c++)
                cells[c] += b.images[(size_t)i * AB_CELLS + c];
    hue_loader_destroy(l);
    return rc < 0 ? rc : 0;
}
