/* hue's version and the commit it was built from (cmake/version.cmake
 * writes them at every build), for `hue --version` and every checkpoint's
 * metadata. */
#ifndef HUE_VERSION_H
#define HUE_VERSION_H

const char *hue_version(void);  /* "0.1.0" */
const char *hue_commit(void);   /* git describe of the source tree: "a1b2c3d4e5f6", "...+dirty" or "unknown" */

#endif
