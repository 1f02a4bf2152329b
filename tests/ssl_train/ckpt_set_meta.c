/* Sets metadata entries of a checkpoint, its tensors left as they are (hue's
 * own reader and writer: the same bytes for the same tensors). Used once to
 * take the absolute path out of samples/model/hue-video.ckpt (see its
 * README); kept for checkpoints written before hue stored paths relative to
 * the checkpoint.
 *   ckpt_set_meta IN OUT KEY VALUE [KEY VALUE ...]
 * OUT may be IN: the file is replaced atomically. */
#include <stdio.h>
#include <string.h>

#include "hue_checkpoint.h"
#include "hue_error.h"

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 3) % 2 != 0) {
        fprintf(stderr, "usage: ckpt_set_meta IN OUT KEY VALUE [KEY VALUE ...]\n");
        return 2;
    }
    hue_checkpoint *ck = NULL;
    int rc = hue_checkpoint_open(argv[1], &ck);
    for (int i = 3; !rc && i + 1 < argc; i += 2)
        rc = hue_checkpoint_set_meta(ck, argv[i], argv[i + 1]);
    /* replacing an existing OUT is what this tool is for: it names it */
    if (!rc)
        rc = hue_checkpoint_save(ck, argv[2], 1);
    if (rc)
        fprintf(stderr, "ckpt_set_meta: %s\n", hue_error_message());
    hue_checkpoint_destroy(ck);
    return rc ? 1 : 0;
}
