#include "hue_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];

int hue_fail(int code, const char *fmt, ...)
{
    /* Format into a copy first: callers may pass hue_error_message() itself
     * as an argument ("%s: %s", path, hue_error_message()). */
    char message[sizeof last_message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    memcpy(last_message, message, sizeof message);
    return code;
}

const char *hue_error_message(void)
{
    return last_message[0] ? last_message : "no error";
}

void hue_error_clear(void) { last_message[0] = 0; }

const char *hue_error_name(int code)
{
    switch (code) {
    case HUE_OK: return "HUE_OK";
    case HUE_EINVAL: return "HUE_EINVAL";
    case HUE_ENOMEM: return "HUE_ENOMEM";
    case HUE_EIO: return "HUE_EIO";
    case HUE_ENODEV: return "HUE_ENODEV";
    case HUE_EVULKAN: return "HUE_EVULKAN";
    case HUE_ELIMIT: return "HUE_ELIMIT";
    case HUE_EFORMAT: return "HUE_EFORMAT";
    case HUE_EEXIST: return "HUE_EEXIST";
    case HUE_ENOTSUP: return "HUE_ENOTSUP";
    case HUE_EINTR: return "HUE_EINTR";
    default: return "HUE_E?";
    }
}
