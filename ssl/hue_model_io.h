/* A model's checkpoint: its named tensors as torchvision names them, each
 * batch norm's num_batches_tracked, the optimizer's state under
 * "optimizer.<parameter>.<buffer>", and metadata (architecture, method,
 * hyper-parameters, step, epoch, seed). torchvision loads the model part
 * with load_state_dict(strict=True) once the "optimizer." entries are split
 * off. */
#ifndef HUE_MODEL_IO_H
#define HUE_MODEL_IO_H
#include <stdint.h>

#include "hue_checkpoint.h"
#include "hue_graph.h"
#include "hue_json.h"
#include "hue_optim.h"
#include "hue_resnet.h"

typedef struct {
    const char *key, *value;  /* value: a string, or JSON text */
} hue_meta;

/* The architecture as the JSON the checkpoint stores. */
void hue_resnet_arch_json(const hue_resnet_config *cfg, char *out, size_t n);
/* Parses it back; HUE_EFORMAT naming path when it is not one hue wrote. */
int hue_resnet_arch_parse(const char *json, const char *path, hue_resnet_config *cfg);
/* The same from a parsed JSON object; `what` names it in messages
 * ("'architecture'", or where a representation keeps a trunk's). */
int hue_resnet_arch_from_json(const hue_json *v, const char *path, const char *what, hue_resnet_config *cfg);
/* The architecture of the checkpoint at path (opened, read, closed). */
int hue_resnet_arch_read(const char *path, hue_resnet_config *cfg);

/* Writes the checkpoint atomically (force: replace an existing file). A
 * tensor holding a NaN or inf is refused (HUE_EINVAL naming it) and nothing
 * is written: the file at path keeps what it had. */
int hue_model_save(hue_graph *g, const hue_resnet *m, const hue_optim *opt, int64_t batches_tracked,
                   const hue_meta *meta, int n_meta, const char *path, int force);

/* Loads every model tensor (and, when opt is not NULL, the optimizer state)
 * from path into the compiled graph. The file's architecture must equal
 * m's: else HUE_EINVAL naming both; a tensor holding a NaN or inf is
 * HUE_EFORMAT naming it. *ck_out (when not NULL) keeps the open
 * checkpoint for its metadata; the caller destroys it. */
int hue_model_load(hue_graph *g, const hue_resnet *m, hue_optim *opt, const char *path, hue_checkpoint **ck_out);

/* One tensor of a compiled graph into a checkpoint being built, refused
 * (HUE_EINVAL naming it and path) when it holds a NaN or inf. */
int hue_model_add_tensor(hue_checkpoint *ck, hue_graph *g, const char *name, hue_tensor t, const char *path);
/* One tensor from a checkpoint into a compiled graph: HUE_EFORMAT naming
 * path and name when it is missing, shaped otherwise, or not finite. */
int hue_model_load_tensor(const hue_checkpoint *ck, hue_graph *g, const char *name, hue_tensor t, const char *path);
/* Loads every tensor of m (a trunk inside a larger model) from the open
 * checkpoint ck, each named prefix + its torchvision name there; the
 * file's other tensors (heads, an fc layer, optimizer state, other trunks)
 * are ignored, and so is its architecture: a missing tensor or another
 * shape is HUE_EFORMAT naming path and the tensor, a NaN or inf too. */
int hue_model_load_prefixed(hue_graph *g, const hue_resnet *m, const char *prefix, const hue_checkpoint *ck,
                            const char *path);

/* Copies every model tensor from one compiled graph to another (a training
 * graph's weights into an evaluation graph of the same model). */
int hue_model_copy(hue_graph *from, const hue_resnet *mf, hue_graph *to, const hue_resnet *mt);

#endif
