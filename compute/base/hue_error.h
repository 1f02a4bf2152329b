/* Error codes and the per-thread message that goes with the last failure.
 * Functions that can fail return int: 0 ok, a negative HUE_E* code on error,
 * with hue_error_message() saying what went wrong (naming the file, flag or
 * shape at fault). Used by every layer; it knows nothing of Vulkan. */
#ifndef HUE_ERROR_H
#define HUE_ERROR_H

enum {
    HUE_OK = 0,
    HUE_EINVAL = -1,   /* bad argument, shape or flag */
    HUE_ENOMEM = -2,   /* host or device memory exhausted */
    HUE_EIO = -3,      /* file could not be read or written */
    HUE_ENODEV = -4,   /* no Vulkan driver or device */
    HUE_EVULKAN = -5,  /* a Vulkan call failed */
    HUE_ELIMIT = -6,   /* exceeds a device limit */
    HUE_EFORMAT = -7,  /* malformed file contents */
    HUE_EEXIST = -8,   /* output exists and --force was not given */
    HUE_ENOTSUP = -9,  /* valid but not supported */
    HUE_EINTR = -10,   /* stopped by the user (Ctrl-C) or the system (SIGTERM) */
};

/* Records the message (printf-style) for this thread and returns code. */
int hue_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *hue_error_message(void);
const char *hue_error_name(int code);
void hue_error_clear(void);

#endif
