/* upload: getting a request's payload bytes: multipart/form-data parts, base64 text and
 * files on the server's disk inside allowed directories.
 *
 * Every function bounds what it reads (part counts, header sizes, decoded sizes, file
 * sizes) and fails with a status and a message fit to show the client. */
#ifndef AP_UPLOAD_H
#define AP_UPLOAD_H

#include <stddef.h>

#include "core/status.h"

#define UPLOAD_MAX_PARTS       64
#define UPLOAD_MAX_PART_HEADER 8192

typedef struct upload_part {
    const unsigned char *data; /* borrowed from the body */
    size_t len;
    char name[128];
    char filename[256];
    char content_type[128];
} upload_part;

/* Finds the part named field in a multipart/form-data body. content_type is the request's
 * Content-Type header (it carries the boundary). On AP_OK *part points into body.
 * AP_ERR_INVALID for a malformed body or a missing field. */
ap_status upload_multipart_find(const char *content_type, const unsigned char *body, size_t len,
                                const char *field, upload_part *part, ap_error *err);

/* Decodes standard base64 (padding optional, whitespace ignored, an optional
 * "data:...;base64," prefix skipped). On AP_OK *out (caller frees) holds *out_len bytes.
 * AP_ERR_INVALID for a bad character or length; AP_ERR_TOO_LARGE past max_out bytes. */
ap_status upload_base64_decode(const char *in, size_t len, size_t max_out, unsigned char **out,
                               size_t *out_len, ap_error *err);

/* Resolves path (following symlinks) and checks that it lies inside one of the allowed
 * directories (also resolved). On AP_OK *resolved (caller frees) is the real path.
 * AP_ERR_FORBIDDEN when outside or when no directory is allowed; AP_ERR_NOT_FOUND when
 * an allowed path does not exist. */
ap_status upload_resolve_path(const char *path, const char *const *allowed, size_t nallowed,
                              char **resolved, ap_error *err);

/* Reads a regular file of at most max bytes. On AP_OK *data (caller frees) holds *len
 * bytes. AP_ERR_TOO_LARGE when bigger, AP_ERR_INVALID when not a regular file. */
ap_status upload_read_file(const char *path, size_t max, unsigned char **data, size_t *len,
                           ap_error *err);

#endif
