/* hue colorize --image: colours a still image with a model trained by
 * `hue pretrain --method colorize` (see ssl/hue_colorize_image.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "json_out.h"
#include "hue_colorize_image.h"
#include "hue_error.h"
#include "hue_file.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue colorize --image IN --model CKPT -o OUT [--anneal T] [--json] [--force]\n\n"
            "Colours the still image IN with a model of 'hue pretrain --method colorize' (or splitbrain's L to\n"
            "ab half): the network sees IN's lightness only, each pixel gets the annealed mean of its colour\n"
            "classes (softmax(logits / T), then the expected class centre; Zhang et al. 2016), and OUT keeps\n"
            "IN's lightness. Prints the mean ab error against IN's own colours, next to a gray image's.\n\n"
            "  --image IN          the image to colour (PNG, JPEG, anything FFmpeg reads)\n"
            "  --model CKPT        the colorize (or splitbrain) checkpoint\n"
            "  -o, --out OUT       the coloured image (.png, .jpg)\n"
            "  --anneal T          temperature of the annealed mean, (0, 100] (default 0.38; 1 = the plain mean,\n"
            "                      towards 0 = the most likely class)\n"
            "  --json              print the figures as JSON\n"
            "  --force             replace an existing OUT\n"
            "  --backend NAME      auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N          the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
}

typedef struct {
    const char *in, *model, *out;
    double anneal;
    int json, force;
} image_args;

static int parse_args(int argc, char **argv, image_args *a)
{
    static const struct option opts[] = {{"image", required_argument, 0, 'i'}, {"model", required_argument, 0, 'm'},
                                         {"out", required_argument, 0, 'o'},   {"anneal", required_argument, 0, 'T'},
                                         {"json", no_argument, 0, 'j'},        {"force", no_argument, 0, 'f'},
                                         {"quiet", no_argument, 0, 'q'},       {"help", no_argument, 0, 'h'},
                                         {0}};
    *a = (image_args){.anneal = 0.38};
    int c;
    /* `--image --help` asks for this help: getopt would take --help as IN */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    hue_flags_begin();
    while ((c = hue_flags_next("colorize", argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': a->in = optarg; break;
        case 'm': a->model = optarg; break;
        case 'o': a->out = optarg; break;
        case 'T':
            if (hue_flag_number("colorize", "anneal", optarg, 0, 100, 1, &a->anneal))
                return 2;
            break;
        case 'j': a->json = 1; break;
        case 'f': a->force = 1; break;
        case 'q': break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue colorize: --image takes no VIDEO ('%s'): colour a clip without --image\n", argv[optind]);
        return 2;
    }
    if (!a->in || !a->model || !a->out) {
        fprintf(stderr, "hue colorize: --image, --model and -o are required (see --help)\n");
        return 2;
    }
    return -1;
}

int cmd_colorize_image_parse(int argc, char **argv)
{
    image_args a;
    return parse_args(argc, argv, &a);
}

int cmd_colorize_image(int argc, char **argv)
{
    image_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    hue_file_use uses[] = {{"-o", a.out, 1}, {"--image", a.in, 0}, {"--model", a.model, 0}};
    hue_colorize_image_report r;
    if (hue_file_check_uses(uses, 3) || hue_colorize_image(a.model, a.in, a.out, a.anneal, a.force, &r)) {
        fprintf(stderr, "hue colorize: %s\n", hue_error_message());
        return 1;
    }
    if (a.json) {
        printf("{\"out\": ");
        hue_json_print_string(a.out);
        printf(", \"width\": %d, \"height\": %d, \"net_width\": %d, \"net_height\": %d, "
               "\"ab_error\": %.4f, \"gray_ab_error\": %.4f, \"anneal\": %g}\n",
               r.width, r.height, r.net_width, r.net_height, r.ab_error, r.gray_ab_error, a.anneal);
    } else
        printf("coloured %s (%dx%d, the network at %dx%d): mean ab error %.2f against its own colours, %.2f for "
               "gray\n",
               a.out, r.width, r.height, r.net_width, r.net_height, r.ab_error, r.gray_ab_error);
    return 0;
}
