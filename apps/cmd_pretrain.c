/* hue pretrain: train an encoder on an image folder, with the supervised
 * baseline or a self-supervised method. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_train.h"
#include "progress.h"
#include "train_report.h"
#include "resume_flags.h"
#include "train_summary.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue pretrain --method NAME --data DIR --out CKPT [options]\n"
            "       hue pretrain --resume CKPT [options that may change]\n\n"
            "Trains a ResNet on an image folder: DIR/<class>/*.jpg|png, or DIR/train/<class>/ with an\n"
            "optional DIR/test/<class>/. Writes CKPT (safetensors; the trunk under torchvision's names, heads\n"
            "under heads.<name>.) after every epoch. `hue eval knn|linear --model CKPT` measures the trunk.\n\n"
            "  --method NAME       supervised: cross-entropy on the folder's classes (its top-1 on DIR/test\n"
            "                        is measured at the end)\n"
            "                      rotation: each image in 4 rotations (0, 90, 180, 270 degrees) in the same\n"
            "                        batch, a linear head classifies the rotation (Gidaris et al. 2018);\n"
            "                        the labels of the folder are not used\n"
            "                      patch: the centre tile of a 3x3 grid and one of its 8 neighbours through\n"
            "                        the trunk; an MLP head tells which neighbour (Doersch et al. 2015)\n"
            "                      jigsaw: the 9 tiles shuffled by one of a set of permutations chosen for\n"
            "                        their Hamming distance; an MLP head tells which (Noroozi and Favaro 2016)\n"
            "                      inpaint: a region blanked, the trunk encodes the rest, a decoder paints it\n"
            "                        back; 0.999 x L2 + 0.001 x adversarial, the discriminator trained in the\n"
            "                        same step by its own Adam (Pathak et al. 2016)\n"
            "                      colorize: the trunk sees L only; a decoder classifies each pixel's ab into\n"
            "                        the classes (grid 10) the training images use, cross-entropy rebalanced\n"
            "                        towards rare colours (lambda 0.5) (Zhang et al. 2016)\n"
            "                      splitbrain: two trunks of half the width, L to ab classes and ab to L\n"
            "                        classes; the representation is both (Zhang et al. 2017)\n"
            "                      simclr: two views of each image (SimCLR's crops, flips, colour jitter and\n"
            "                        grayscale; blur above 32 pixels), trunk, 2-layer MLP projection to 128\n"
            "                        with batch norm, NT-Xent over the other 2B-2 views (Chen et al. 2020)\n"
            "                      moco: a query and a key view of each image; the key encoder is a moving\n"
            "                        average of the query encoder (--key-momentum); InfoNCE of each query\n"
            "                        against its key and a queue of the last --queue keys; linear projection\n"
            "                        to 128 (He et al. 2020)\n"
            "                      mocov2: moco with a 2-layer MLP projection (no batch norm), blur in the\n"
            "                        views and tau 0.2 (Chen et al. 2020)\n"
            "                      cmc: one crop of each image as two views, its L plane and its ab planes,\n"
            "                        through two trunks of half the width; symmetric InfoNCE between their\n"
            "                        linear projections with in-batch negatives; the representation is both\n"
            "                        (Tian et al. 2019). Needs colour images\n"
            "                      cpc: each image cut into --grid x --grid patches overlapping by half; the\n"
            "                        trunk encodes each; a causal context network runs down the rows; a\n"
            "                        linear map per step predicts the patch --cpc-steps rows below at most;\n"
            "                        InfoNCE against every patch of the batch (Henaff et al. 2019, CPC v2)\n"
            "  --data DIR          the image folder\n"
            "  -o, --out CKPT      checkpoint to write (refused if it exists, unless --force; with --resume, the\n"
            "                      checkpoint resumed by default)\n"
            "  --arch NAME         resnet18 (default) or resnet34\n"
            "  --width W           width multiplier of the ResNet's channels (default 1)\n"
            "  --imagenet-stem     7x7 stride-2 conv and max-pool (default: the CIFAR stem, 3x3 stride 1)\n"
            "  --size S            image side in pixels (default 32; patch, jigsaw and cpc 64)\n"
            "  --epochs E          (default 1)\n"
            "  --batch B           images per step (default 128; rotation runs 4 B through the trunk)\n"
            "  --lr LR             peak learning rate, warm-up then cosine: SGD with Nesterov momentum 0.9\n"
            "                      (default 0.1); inpaint: Adam, beta1 0.5 (default 2e-4); colorize,\n"
            "                      splitbrain, cpc: Adam (default 1e-3); simclr: LARS 0.5 x B/256, SGD 0.03 x B/256;\n"
            "                      moco, mocov2, cmc: SGD with momentum 0.9 (no Nesterov), 0.03 x B/256\n"
            "  --weight-decay WD   (default 5e-4; 1e-6 with LARS)\n"
            "  --optimizer NAME    simclr: lars (the default: SimCLR's, momentum 0.9, trust 0.001, no decay or\n"
            "                      adaptation on batch norm and biases) or sgd (momentum 0.9, Nesterov)\n"
            "  --tau T             simclr, moco, mocov2, cmc: the temperature of InfoNCE (defaults 0.5, 0.07,\n"
            "                      0.2, 0.07); cpc: on L2-normalised vectors (default 0.1)\n"
            "  --grid G            cpc: patches per side, 2 to 16; the patch side 2 x size / (G + 1) must be\n"
            "                      whole, even and 8 or more (default 7: 16-pixel patches at --size 64)\n"
            "  --cpc-steps K       cpc: rows ahead the context predicts, 1 to G - 1 (default 3)\n"
            "  --loss L            cmc: infonce (the default) or clip: CLIP's symmetric cross-entropy, the\n"
            "                      cosine similarities times a learned scale exp(s), s from log(1/0.07)\n"
            "  --queue K           moco, mocov2: keys in the queue of negatives, a multiple of --batch, at most\n"
            "                      65536 (default 4096)\n"
            "  --key-momentum M    moco, mocov2: key encoder = M x itself + (1 - M) x the query encoder after\n"
            "                      every step, M in [0, 1) (default 0.999)\n"
            "  --bn-groups G       moco, mocov2: batch norm takes its statistics over G equal groups of the\n"
            "                      batch, and the keys are shuffled before grouping, so a key is normalised\n"
            "                      among other images than its query: a single-device equivalent of MoCo's\n"
            "                      shuffled batch norm across GPUs, which keeps the network from finding its\n"
            "                      positive key through batch statistics. G divides --batch (default 8)\n"
            "  --warmup-epochs E   linear warm-up of the learning rate, in epochs (default 0.2)\n"
            "  --no-augment        no random crop and flip (colorize, splitbrain: no flip)\n"
            "  --tile T            patch, jigsaw: tile side; tiles sit at random places in the cells of a\n"
            "                      3x3 grid over the image (default 3/4 of a cell: 16 at --size 64)\n"
            "  --tile-colour C     patch, jigsaw: drop (keep one random channel, faint noise in the others;\n"
            "                      the default), jitter (shift red and blue by up to 2 pixels) or none:\n"
            "                      against the chromatic-aberration shortcut\n"
            "  --tile-norm N       patch, jigsaw: dataset (the dataset's mean and standard deviation per\n"
            "                      channel, as the probes see images; the default) or tile (each tile less its\n"
            "                      own mean per channel, over its own standard deviation, as Noroozi and\n"
            "                      Favaro: no tile's brightness or contrast tells where it was; on CIFAR-10\n"
            "                      it lowered jigsaw's kNN, see the README)\n"
            "  --tile-crop S       patch, jigsaw: before the tiles are cut, a random region of S to 1 of the\n"
            "                      image's area (aspect 3/4 to 4/3) resized back to --size, so the grid meets\n"
            "                      the image's pixel grid (JPEG's 8x8 blocks, the resize's interpolation) at\n"
            "                      another phase each time: without it a tile's phase tells its cell. S in\n"
            "                      [0.1, 1], 1: no crop (default: jigsaw 0.5, patch 1)\n"
            "  --permutations P    jigsaw: permutations in the set, 2 to 1000 (default 100)\n"
            "  --mask M            inpaint: centre (the middle quarter of the area, the default) or blocks\n"
            "                      (random squares of 1/4 the side until a quarter is covered)\n"
            "  --knn-every N       every N epochs, log the trunk's kNN top-1 (k 200, T 0.1) on DIR/test with\n"
            "                      DIR/train as memory: the monitor hue eval knn computes\n"
            "  --seed N            initialisation, data order and augmentation (default 0)\n"
            "  --threads N         decoding threads (default 2)\n"
            "  --resume CKPT       continue the run saved in CKPT, with the flags it was started with (see below)\n"
            "  --save-every N      also checkpoint every N steps\n"
            "  --keep-checkpoints  keep every checkpoint, not only the last: OUT's name + .stepN (r18.ckpt ->\n"
            "                      r18.step000975.ckpt; a file of the same step is replaced)\n"
            "  --max-steps N       stop after N steps in total\n"
            "  --log FILE          JSON lines of metrics, one per step, and the test accuracy\n"
            "  --report DIR        also write DIR/index.html (needs --log), rewritten after every checkpoint:\n"
            "                      the log's curves (inline SVG), the last value of each logged quantity\n"
            "                      (the kNN monitor's among them), this command line and the checkpoint's\n"
            "                      metadata; an existing DIR/index.html is refused unless --force or --resume\n"
            "  --force             replace an existing --out, --log or --report page\n"
            "  --json              print the summary as one JSON object (steps and seconds of the whole run,\n"
            "                      run_steps and run_seconds of this one, last_loss (null when no step ran),\n"
            "                      checkpoint, knn_top1 and test_accuracy when measured)\n"
            "  -q, --quiet         no progress (else a bar on a terminal, a line every 10 s elsewhere)\n"
            "  --sync-bn           under mpirun: batch norm over the whole group's batch, as one process\n"
            "                      computes it, up to float rounding (default: each rank's part; slower)\n"
            "  --backend NAME      auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N          the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n"
            "\n"
            "Under mpirun -np N (hue built with Open MPI): one process per rank, each on its own backend;\n"
            "--batch is split into N equal parts (the images and augmentations the whole batch has in one\n"
            "process), gradients are averaged over the ranks every step, and rank 0 alone writes the\n"
            "checkpoint and log, which --resume continues with any number of ranks. Contrastive methods\n"
            "gather their embeddings from every rank, so the negatives are the whole batch's; moco's\n"
            "--bn-groups are shared out among the ranks (each the size it has in one process), and moco\n"
            "refuses --sync-bn (whole-batch statistics are the leak its groups avoid).\n"
            "\n"
            "Ctrl-C or SIGTERM: the step in progress finishes, a checkpoint of it is written (--resume\n"
            "continues it), and hue exits 1; a second one stops at once.\n"
            "\n"
            "--resume CKPT: every checkpoint keeps the run's flags (its method's defaults resolved), so --resume\n"
            "CKPT alone continues the run exactly. A flag given again with the same value is fine; with another\n"
            "value it is refused (exit 2, naming both values), but for these, which may change: --epochs (a\n"
            "longer run: the cosine schedule stretches to the new end; fewer epochs than done are refused),\n"
            "--data (the folder moved; hue does not check it holds the same images), --threads, --sync-bn (a\n"
            "resumed run may have another number of ranks), --save-every, --keep-checkpoints, --knn-every and\n"
            "--log. The log is restored only when the run goes on in CKPT itself (else give --log). --max-steps,\n"
            "--force, --json, --quiet and --backend are never kept. Paths are kept relative to the checkpoint's\n"
            "folder, never as absolute paths; a folder that shares no parent with it but / is kept by its name\n"
            "only, and --resume then asks for it. The elapsed time in the log and the summary goes on from the\n"
            "checkpoint's. A checkpoint from an older hue keeps no flags: give them all, as then.\n");
}

typedef struct {
    hue_progress bar;
    train_report report;
} progress_state;

static void on_step(void *user, const hue_step_info *s)
{
    progress_state *p = user;
    char label[48], fields[128];
    snprintf(label, sizeof label, "epoch %lld/%lld", (long long)s->epoch + 1, (long long)s->epochs);
    snprintf(fields, sizeof fields, "loss %.4f lr %.4f %.0f img/s", s->loss, s->lr, s->images_per_s);
    hue_progress_update(&p->bar, label, s->step, s->steps_total, fields);
}

static int on_save(void *user, const hue_save_info *s)
{
    progress_state *p = user;
    return train_report_write(&p->report, s->checkpoint, s->step, NULL, 0);
}

/* A flag's value out of range (--batch 0, say) exits 1 as issue 4 asks;
 * unknown flags and missing ones stay usage errors (2). */
typedef struct {
    hue_pretrain_options o;
    int quiet, json;
    const char *report;
} pretrain_args;

static int parse_tile_colour(const char *s)
{
    return !strcmp(s, "drop") ? HUE_TILE_COLOUR_DROP : !strcmp(s, "jitter") ? HUE_TILE_COLOUR_JITTER
                                                     : !strcmp(s, "none")   ? HUE_TILE_COLOUR_NONE : -1;
}

/* The flags that only some methods take (by their getopt code), and which. */
static const struct {
    int code;
    const char *flag, *methods;
} method_flags[] = {
    {'A', "--no-augment", " supervised rotation inpaint colorize splitbrain "},
    {'T', "--tile", " patch jigsaw "},
    {'C', "--tile-colour", " patch jigsaw "},
    {'n', "--tile-norm", " patch jigsaw "},
    {'c', "--tile-crop", " patch jigsaw "},
    {'P', "--permutations", " jigsaw "},
    {'K', "--mask", " inpaint "},
    {'U', "--tau", " simclr moco mocov2 cmc cpc "},
    {'R', "--grid", " cpc "},
    {'Z', "--cpc-steps", " cpc "},
    {'X', "--loss", " cmc "},
    {'Q', "--queue", " moco mocov2 "},
    {'G', "--key-momentum", " moco mocov2 "},
    {'B', "--bn-groups", " moco mocov2 "},
    {'O', "--optimizer", " simclr "},
};

static void note_flag(unsigned char *given, int code)
{
    if (code > 0 && code < 256)
        given[code] = 1;
}

/* A flag the method does not take would silently do nothing: a usage error. */
static int check_flags_apply(const unsigned char *given, const char *method)
{
    char key[64];
    snprintf(key, sizeof key, " %s ", method);
    for (size_t i = 0; i < sizeof method_flags / sizeof method_flags[0]; i++)
        if (given[method_flags[i].code] && !strstr(method_flags[i].methods, key)) {
            fprintf(stderr, "hue pretrain: %s does not apply to --method %s (only to:%s)\n", method_flags[i].flag,
                    method, method_flags[i].methods);
            return 2;
        }
    return 0;
}

/* The flags a run needs: from the user, or from the checkpoint resumed. */
static int complete_args(const void *args, const char *ckpt)
{
    const pretrain_args *a = args;
    const hue_pretrain_options *o = &a->o;
    if (o->method && o->data && o->out) {
        if (a->report && !o->log) {
            fprintf(stderr, "hue pretrain: --report needs --log (the report draws its curves)\n");
            return 2;
        }
        return -1;
    }
    static const char *const names[] = {"--method", "--data", "--out"};
    const int given[] = {o->method != NULL, o->data != NULL, o->out != NULL};
    return resume_say_missing("pretrain", ckpt, names, given, 3);
}

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, pretrain_args *a)
{
    static const struct option opts[] = {
        {"method", required_argument, 0, 'M'}, {"data", required_argument, 0, 'd'},
        {"out", required_argument, 0, 'o'},    {"arch", required_argument, 0, 'a'},
        {"width", required_argument, 0, 'w'},  {"imagenet-stem", no_argument, 0, 'I'},
        {"size", required_argument, 0, 's'},   {"epochs", required_argument, 0, 'e'},
        {"batch", required_argument, 0, 'b'},  {"lr", required_argument, 0, 'l'},
        {"weight-decay", required_argument, 0, 'W'}, {"no-augment", no_argument, 0, 'A'},
        {"seed", required_argument, 0, 'S'},   {"threads", required_argument, 0, 't'},
        {"resume", required_argument, 0, 'r'}, {"save-every", required_argument, 0, 'E'},
        {"keep-checkpoints", no_argument, 0, 'k'}, {"json", no_argument, 0, 'j'},
        {"max-steps", required_argument, 0, 'm'}, {"log", required_argument, 0, 'L'},
        {"force", no_argument, 0, 'f'},        {"quiet", no_argument, 0, 'q'},
        {"tile", required_argument, 0, 'T'},   {"tile-colour", required_argument, 0, 'C'},
        {"tile-norm", required_argument, 0, 'n'},   {"tile-crop", required_argument, 0, 'c'},
        {"permutations", required_argument, 0, 'P'}, {"mask", required_argument, 0, 'K'},
        {"knn-every", required_argument, 0, 'N'}, {"tau", required_argument, 0, 'U'},
        {"optimizer", required_argument, 0, 'O'}, {"warmup-epochs", required_argument, 0, 'H'},
        {"queue", required_argument, 0, 'Q'},  {"key-momentum", required_argument, 0, 'G'},
        {"bn-groups", required_argument, 0, 'B'}, {"loss", required_argument, 0, 'X'},
        {"grid", required_argument, 0, 'R'},   {"cpc-steps", required_argument, 0, 'Z'},
        {"sync-bn", no_argument, 0, 'Y'},      {"report", required_argument, 0, 'z'},
        {"help", no_argument, 0, 'h'},         {0}};
    hue_pretrain_options o = hue_pretrain_defaults();
    const char *method = NULL;
    unsigned char given[256] = {0};
    int c, rc;
    a->quiet = 0, a->json = 0, a->report = NULL;
    int64_t v;
    double d;
    hue_flags_begin();
    while ((c = hue_flags_next("pretrain", argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'M': method = optarg; break;
        case 'd': o.data = optarg; break;
        case 'o': o.out = optarg; break;
        case 'a':
            if (hue_resnet_parse_arch(optarg, &o.arch)) {
                fprintf(stderr, "hue pretrain: --arch: %s\n", hue_error_message());
                return 2;
            }
            break;
        case 'w': if ((rc = hue_flag_number("pretrain", "width", optarg, 0.01, 16, 0, &d))) return rc; o.arch.width = (float)d; break;
        case 'I': o.arch.cifar_stem = 0; break;
        case 's': if ((rc = hue_flag_int64("pretrain", "size", optarg, 8, 1024, &v))) return rc; o.size = (int)v; break;
        case 'e': if ((rc = hue_flag_int64("pretrain", "epochs", optarg, 1, 100000, &v))) return rc; o.epochs = v; break;
        case 'b': if ((rc = hue_flag_int64("pretrain", "batch", optarg, 1, 65536, &v))) return rc; o.batch = (int)v; break;
        case 'l': if ((rc = hue_flag_number("pretrain", "lr", optarg, 0, 1e30, 0, &o.lr))) return rc; break;
        case 'W': if ((rc = hue_flag_number("pretrain", "weight-decay", optarg, 0, 1, 0, &o.weight_decay))) return rc; break;
        case 'A': o.augment = 0; break;
        case 'S': if ((rc = hue_flag_int64("pretrain", "seed", optarg, 0, (long long)1 << 62, &v))) return rc; o.seed = (uint64_t)v; break;
        case 't': if ((rc = hue_flag_int64("pretrain", "threads", optarg, 1, 64, &v))) return rc; o.threads = (int)v; break;
        case 'r': o.resume = optarg; break;
        case 'E': if ((rc = hue_flag_int64("pretrain", "save-every", optarg, 1, (long long)1 << 40, &v))) return rc; o.save_every = v; break;
        case 'm': if ((rc = hue_flag_int64("pretrain", "max-steps", optarg, 1, (long long)1 << 40, &v))) return rc; o.max_steps = v; break;
        case 'k': o.keep_checkpoints = 1; break;
        case 'j': a->json = 1; break;
        case 'L': o.log = optarg; break;
        case 'f': o.force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'T': if ((rc = hue_flag_int64("pretrain", "tile", optarg, 4, 1024, &v))) return rc; o.tile = (int)v; break;
        case 'C':
            if ((o.tile_colour = parse_tile_colour(optarg)) < 0) {
                fprintf(stderr, "hue pretrain: --tile-colour %s: expected drop, jitter or none\n", optarg);
                return 2;
            }
            break;
        case 'c': if ((rc = hue_flag_number("pretrain", "tile-crop", optarg, 0.1, 1, 0, &o.tile_crop))) return rc; break;
        case 'n': {
            static const char *const norms[] = {"tile", "dataset", NULL};
            int which;
            if ((rc = hue_flag_choice("pretrain", "tile-norm", optarg, norms, &which)))
                return rc;
            o.tile_norm = which == 0 ? HUE_TILE_NORM_TILE : HUE_TILE_NORM_DATASET;
            break;
        }
        case 'P': if ((rc = hue_flag_int64("pretrain", "permutations", optarg, 2, 1000, &v))) return rc; o.permutations = (int)v; break;
        case 'K':
            if (strcmp(optarg, "centre") != 0 && strcmp(optarg, "blocks") != 0) {
                fprintf(stderr, "hue pretrain: --mask %s: expected centre or blocks\n", optarg);
                return 2;
            }
            o.inpaint_blocks = strcmp(optarg, "blocks") == 0;
            break;
        case 'N': if ((rc = hue_flag_int64("pretrain", "knn-every", optarg, 1, 100000, &v))) return rc; o.knn_every = v; break;
        case 'U': if ((rc = hue_flag_number("pretrain", "tau", optarg, 1e-4, 100, 0, &o.tau))) return rc; break;
        case 'O':
            if (strcmp(optarg, "lars") != 0 && strcmp(optarg, "sgd") != 0) {
                fprintf(stderr, "hue pretrain: --optimizer %s: expected lars or sgd\n", optarg);
                return 2;
            }
            o.optimizer = strcmp(optarg, "lars") == 0 ? HUE_PRETRAIN_LARS : HUE_PRETRAIN_SGD;
            break;
        case 'Q': if ((rc = hue_flag_int64("pretrain", "queue", optarg, 1, 65536, &v))) return rc; o.queue = (int)v; break;
        case 'G':
            if ((rc = hue_flag_number("pretrain", "key-momentum", optarg, 0, 1, 0, &o.key_momentum))) return rc;
            if (o.key_momentum >= 1) {
                fprintf(stderr, "hue pretrain: --key-momentum %s: must be below 1 (1 would never move the key "
                        "encoder)\n", optarg);
                return 2;
            }
            break;
        case 'B': if ((rc = hue_flag_int64("pretrain", "bn-groups", optarg, 1, 64, &v))) return rc; o.bn_groups = (int)v; break;
        case 'R': if ((rc = hue_flag_int64("pretrain", "grid", optarg, 2, 16, &v))) return rc; o.cpc_grid = (int)v; break;
        case 'Z': if ((rc = hue_flag_int64("pretrain", "cpc-steps", optarg, 1, 15, &v))) return rc; o.cpc_steps = (int)v; break;
        case 'X':
            if (strcmp(optarg, "infonce") != 0 && strcmp(optarg, "clip") != 0) {
                fprintf(stderr, "hue pretrain: --loss %s: expected infonce or clip\n", optarg);
                return 2;
            }
            o.clip_loss = strcmp(optarg, "clip") == 0;
            break;
        case 'H': if ((rc = hue_flag_number("pretrain", "warmup-epochs", optarg, 0, 1000, 0, &o.warmup_epochs))) return rc; break;
        case 'Y': o.sync_bn = 1; break;
        case 'z': a->report = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
        note_flag(given, c);
    }
    if (optind < argc) {
        fprintf(stderr, "hue pretrain: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    o.method = method;
    a->o = o;
    if (!o.resume && (rc = complete_args(a, NULL)) >= 0)
        return rc;
    if (!method)  /* resuming: the checkpoint's */
        return -1;
    int known = 0;
    for (int i = 0; hue_pretrain_methods[i]; i++)
        known |= strcmp(method, hue_pretrain_methods[i]) == 0;
    if (!known) {
        fprintf(stderr, "hue pretrain: --method %s: unknown (supervised, rotation, patch, jigsaw, inpaint, colorize, splitbrain, simclr, moco, mocov2, cmc, cpc)\n", method);
        return 2;
    }
    if ((rc = check_flags_apply(given, method)))
        return rc;
    if (o.clip_loss && given['U']) {
        fprintf(stderr, "hue pretrain: --tau does not apply to --loss clip (its temperature is learned)\n");
        return 2;
    }
    return -1;
}

/* Whether the method takes the flag of this getopt code. */
static int applies(const char *method, int code)
{
    char key[64];
    snprintf(key, sizeof key, " %s ", method);
    for (size_t i = 0; i < sizeof method_flags / sizeof method_flags[0]; i++)
        if (method_flags[i].code == code)
            return strstr(method_flags[i].methods, key) != NULL;
    return 1;
}

/* What --resume restores, and which flags may change: the data (moved),
 * the run's length, and what only says how it runs or what it writes. */
static const resume_rules pretrain_rules = {
    "pretrain",
    " data epochs threads sync-bn save-every keep-checkpoints knn-every log ",
    " data log ", " data ", " log ", " jigsaw:tile-crop=1 ",
    " imagenet-stem no-augment sync-bn keep-checkpoints "};

/* The run's flags, its method's defaults resolved, as its checkpoints keep
 * them (resume_flags.h); only the flags the method takes. */
static char *flags_json(const void *args)
{
    hue_pretrain_options o = hue_pretrain_resolve(&((const pretrain_args *)args)->o);
    static const char *const tile_colours[] = {"drop", "jitter", "none"};
    const char *m = o.method;
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    resume_jw_command(&w, &pretrain_rules);
    resume_jw_flag(&w, "method", m);
    int rc = resume_jw_path(&w, "data", o.data, o.out);
    resume_jw_flag(&w, "arch", o.arch.depth == 34 ? "resnet34" : "resnet18");
    resume_jw_float(&w, "width", o.arch.width);
    resume_jw_switch(&w, "imagenet-stem", !o.arch.cifar_stem);
    resume_jw_int(&w, "size", o.size);
    resume_jw_int(&w, "epochs", o.epochs);
    resume_jw_int(&w, "batch", o.batch);
    resume_jw_double(&w, "lr", o.lr);
    resume_jw_double(&w, "weight-decay", o.weight_decay);
    resume_jw_double(&w, "warmup-epochs", o.warmup_epochs);
    if (applies(m, 'O'))
        resume_jw_flag(&w, "optimizer", o.optimizer == HUE_PRETRAIN_LARS ? "lars" : "sgd");
    if (applies(m, 'U') && !o.clip_loss)
        resume_jw_double(&w, "tau", o.tau);
    if (applies(m, 'X'))
        resume_jw_flag(&w, "loss", o.clip_loss ? "clip" : "infonce");
    if (applies(m, 'R'))
        resume_jw_int(&w, "grid", o.cpc_grid);
    if (applies(m, 'Z'))
        resume_jw_int(&w, "cpc-steps", o.cpc_steps);
    if (applies(m, 'Q'))
        resume_jw_int(&w, "queue", o.queue);
    if (applies(m, 'G'))
        resume_jw_double(&w, "key-momentum", o.key_momentum);
    if (applies(m, 'B'))
        resume_jw_int(&w, "bn-groups", o.bn_groups);
    if (applies(m, 'A'))
        resume_jw_switch(&w, "no-augment", !o.augment);
    if (applies(m, 'T') && o.tile > 0)  /* 0: the method's own, from --size */
        resume_jw_int(&w, "tile", o.tile);
    if (applies(m, 'C') && o.tile_colour >= 0 && o.tile_colour < 3)
        resume_jw_flag(&w, "tile-colour", tile_colours[o.tile_colour]);
    if (applies(m, 'c'))
        resume_jw_double(&w, "tile-crop", o.tile_crop);
    if (applies(m, 'n'))
        resume_jw_flag(&w, "tile-norm", o.tile_norm == HUE_TILE_NORM_TILE ? "tile" : "dataset");
    if (applies(m, 'P'))
        resume_jw_int(&w, "permutations", o.permutations);
    if (applies(m, 'K'))
        resume_jw_flag(&w, "mask", o.inpaint_blocks ? "blocks" : "centre");
    resume_jw_switch(&w, "sync-bn", o.sync_bn);
    resume_jw_int(&w, "seed", (long long)o.seed);
    resume_jw_int(&w, "threads", o.threads);
    if (o.knn_every > 0)
        resume_jw_int(&w, "knn-every", o.knn_every);
    if (o.save_every > 0)
        resume_jw_int(&w, "save-every", o.save_every);
    resume_jw_switch(&w, "keep-checkpoints", o.keep_checkpoints);
    if (!rc && o.log)
        rc = resume_jw_path(&w, "log", o.log, o.out);
    hue_jw_end(&w);
    char *text = !rc && hue_json_writer_text(&w) ? strdup(hue_json_writer_text(&w)) : NULL;
    hue_json_writer_free(&w);
    if (!text)
        fprintf(stderr, "hue pretrain: %s\n", rc ? hue_error_message() : "out of host memory");
    return text;
}

static int parse_any(int argc, char **argv, void *args) { return parse_args(argc, argv, args); }
static const char *method_of(const void *args) { return ((const pretrain_args *)args)->o.method; }
static const char *resume_of(const void *args) { return ((const pretrain_args *)args)->o.resume; }
static const char **out_of(void *args) { return &((pretrain_args *)args)->o.out; }


static const resume_command resume_pretrain = {&pretrain_rules, sizeof(pretrain_args), parse_any, flags_json,
    method_of, resume_of, out_of, complete_args};

int cmd_pretrain_parse(int argc, char **argv)
{
    pretrain_args args;
    return parse_args(argc, argv, &args);
}

int cmd_pretrain_resume_parse(int argc, char **argv)
{
    pretrain_args args;
    int rc = parse_args(argc, argv, &args);
    return rc >= 0 ? rc : resume_check(&resume_pretrain, argc, argv, &args);
}

static int run(const void *parsed, const char *flags, int argc, char **argv)
{
    const pretrain_args *args = parsed;
    hue_pretrain_options o = args->o;
    o.flags = flags;
    int rc;
    /* in a group, rank 0 speaks for it */
    int speaks = hue_dist_rank() == 0;
    int quiet = args->quiet || !speaks;
    progress_state p;
    if (args->report && speaks &&
        train_report_begin(&p.report, args->report, "hue pretrain", o.log, argc, argv, NULL, o.force || o.resume)) {
        fprintf(stderr, "hue pretrain: --report %s: %s\n", args->report, hue_error_message());
        return 1;
    }
    hue_progress_start(&p.bar, quiet);
    o.on_step = on_step;
    o.on_save = args->report && speaks ? on_save : NULL;
    o.user = &p;
    hue_train_report r;
    rc = hue_pretrain(&o, &r);
    hue_progress_finish(&p.bar);
    if (rc) {
        fprintf(stderr, "hue pretrain: %s\n", hue_error_message());
        return 1;
    }
    if (!speaks)
        return 0;
    if (r.skipped_images)
        fprintf(stderr, "hue pretrain: %lld images could not be decoded and were skipped\n",
                (long long)r.skipped_images);
    hue_train_summary_print(&r, o.out, args->json);
    return 0;
}

int cmd_pretrain(int argc, char **argv)
{
    pretrain_args args;
    int rc = parse_args(argc, argv, &args);
    return rc >= 0 ? rc : resume_run(&resume_pretrain, argc, argv, &args, run);
}
