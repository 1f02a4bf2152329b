/* Checkpoints as safetensors files, so PyTorch can read them: an 8-byte
 * little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"key": "value", ...},
 *    "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
 * then the raw little-endian tensor data (offsets relative to its start).
 *
 * One handle serves both ways: create an empty one, add tensors and metadata,
 * save; or open a file and look tensors up. Tensors are F32 (weights,
 * statistics, optimizer state) or I64 (counters such as batch norm's
 * num_batches_tracked, which torchvision's state dicts carry). Reading also
 * accepts F64, F16 and BF16 and converts them to F32; other safetensors
 * dtypes are HUE_ENOTSUP.
 *
 * Saving is atomic: a temporary file in the same folder, fsync, rename,
 * fsync of the folder, so a crash leaves either the old file or the new one.
 * Opening validates the whole header (length, JSON, fields, dtypes, shapes,
 * offsets, overlaps, holes) before any data is read: a truncated or crafted
 * file is HUE_EFORMAT with a message naming the file and the problem.
 * Unknown fields inside a tensor's entry are ignored, as other readers do. */
#ifndef HUE_CHECKPOINT_H
#define HUE_CHECKPOINT_H

#include <stdint.h>

#define HUE_CKPT_MAX_DIMS 8
/* Larger headers are refused as crafted (the safetensors library does too). */
#define HUE_CKPT_MAX_HEADER 100000000u
/* So are headers with more JSON values (about 14 per tensor: ~70k tensors,
 * far beyond real checkpoints), which bounds the parser's memory (~100 MB). */
#define HUE_CKPT_MAX_VALUES 1000000u

typedef enum {
    HUE_CKPT_F32,
    HUE_CKPT_I64,
} hue_ckpt_dtype;

typedef struct hue_checkpoint hue_checkpoint;

/* An empty checkpoint, to fill and save. */
int hue_checkpoint_create(hue_checkpoint **out);
/* Reads and validates a safetensors file; all data is loaded into memory. */
int hue_checkpoint_open(const char *path, hue_checkpoint **out);
void hue_checkpoint_destroy(hue_checkpoint *ck);

/* Adds a tensor, copying the data (numel = product of shape; ndim 0 is a
 * scalar). Names are non-empty UTF-8, unique, and not "__metadata__";
 * dims are >= 0. HUE_EINVAL otherwise. */
int hue_checkpoint_add(hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                       const float *data);
int hue_checkpoint_add_i64(hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                           const int64_t *data);
/* Sets (or replaces) a metadata entry; both strings are UTF-8. Structured
 * values are stored as JSON text inside the string. */
int hue_checkpoint_set_meta(hue_checkpoint *ck, const char *key, const char *value);

/* Writes the file atomically. Tensors and metadata are written sorted by
 * name, so the same content gives the same bytes. Without force, an existing
 * path is HUE_EEXIST and stays untouched; I/O failures are HUE_EIO and leave
 * no temporary file behind. */
int hue_checkpoint_save(const hue_checkpoint *ck, const char *path, int force);

/* Tensors, by index in [0, count): opened files list them in data order. */
int hue_checkpoint_count(const hue_checkpoint *ck);
/* Index of the named tensor, or -1. */
int hue_checkpoint_find(const hue_checkpoint *ck, const char *name);
const char *hue_checkpoint_name(const hue_checkpoint *ck, int i);
hue_ckpt_dtype hue_checkpoint_dtype(const hue_checkpoint *ck, int i);
/* Number of dims; shape (may be NULL) gets HUE_CKPT_MAX_DIMS entries at most. */
int hue_checkpoint_shape(const hue_checkpoint *ck, int i, int64_t *shape);
int64_t hue_checkpoint_numel(const hue_checkpoint *ck, int i);
/* The tensor's data, or NULL when its dtype is the other one. */
const float *hue_checkpoint_data(const hue_checkpoint *ck, int i);
const int64_t *hue_checkpoint_data_i64(const hue_checkpoint *ck, int i);

/* Copies the named F32 tensor into dst after checking it exists and has
 * exactly this shape: HUE_EFORMAT otherwise, naming tensor and both shapes
 * (the file is at fault when a model asks for what it needs). */
int hue_checkpoint_read(const hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                        float *dst);
/* The same for an I64 tensor. */
int hue_checkpoint_read_i64(const hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                            int64_t *dst);

/* Metadata value by key, or NULL. */
const char *hue_checkpoint_meta(const hue_checkpoint *ck, const char *key);
int hue_checkpoint_meta_count(const hue_checkpoint *ck);
/* Key and value of entry i (sorted by key); NULL when out of range. */
const char *hue_checkpoint_meta_key(const hue_checkpoint *ck, int i);
const char *hue_checkpoint_meta_value(const hue_checkpoint *ck, int i);

#endif
