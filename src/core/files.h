/* files: directory creation shared by every module that writes under a configured path
 * (model cache, stores, pipeline work directories). */
#ifndef AP_FILES_H
#define AP_FILES_H

#include "core/status.h"

/* Creates dir and every missing parent (mode 0755); existing ones are fine.
 * AP_ERR_INVALID when the path is too long, AP_ERR_IO naming the directory that failed. */
ap_status files_mkdir_p(const char *dir, ap_error *err);

/* The same for the directory that holds file (nothing to do for a bare file name). */
ap_status files_mkdir_parents(const char *file, ap_error *err);

#endif
