/* artifact: the artifact stores behind the model registry, the model loader and
 * `aipipe artifacts sync`: a flat namespace of keys ("run-id/model/model.traineddata")
 * holding byte blobs.
 *
 * Backends, chosen by the URI given to art_open():
 *   - local directory: "file:///abs/dir", "file:relative/dir" or a plain path;
 *   - S3: "s3://bucket" or "s3://bucket/prefix", through libcurl with its AWS SigV4
 *     signing, credentials and endpoint from art_options or the environment
 *     (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 *     AWS_ENDPOINT_URL; an endpoint means an S3-compatible server, addressed path-style).
 *
 * Keys: 1..1024 bytes, '/'-separated segments, no empty segment, no "." or "..", no
 * leading '/', no backslash or control byte. Every call validates its key before any I/O
 * (AP_ERR_FORBIDDEN), so no key names a file outside a local store, whatever the backend.
 * A local store also refuses to follow a symbolic link anywhere below its root.
 *
 * Threads: a store handle may be used by many threads at once (the registry server proxies
 * uploads and downloads concurrently); every call keeps its state on its own stack.
 * Errors: every call takes an ap_error (may be NULL) for the detail, because a shared
 * handle cannot hold a per-call message.
 *
 * Writes are atomic for readers: a put or a get to a file never exposes a partial object
 * (a local put writes a temporary file and renames it; S3 publishes an object whole). */
#ifndef AP_ARTIFACT_H
#define AP_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define ART_KEY_MAX 1024

typedef struct art_store art_store;

typedef struct art_options {
    /* S3 only; NULL or "" means the environment variable, then the default noted. */
    const char *region;         /* AWS_REGION, then "us-east-1" */
    const char *endpoint_url;   /* AWS_ENDPOINT_URL, then https://s3.REGION.amazonaws.com */
    const char *access_key;     /* AWS_ACCESS_KEY_ID (required for S3) */
    const char *secret_key;     /* AWS_SECRET_ACCESS_KEY (required for S3) */
    const char *session_token;  /* AWS_SESSION_TOKEN, optional */
    size_t multipart_threshold; /* bytes; larger puts use multipart upload; 0: 8 MiB */
    size_t part_size;           /* bytes per part, at least 5 MiB on AWS; 0: 8 MiB */
    unsigned max_retries;       /* retries of a request after 5xx/connection errors; 0: 4 */
    unsigned timeout_s;         /* per request; 0: 300 */
    bool unsigned_payload;      /* send UNSIGNED-PAYLOAD instead of hashing the body */
    /* Both backends. */
    size_t max_list; /* most entries one art_list returns (AP_ERR_TOO_LARGE past it); 0: 1e6 */
    bool create;     /* local: create the root directory when missing */
} art_options;

/* One object (or, in a one-level listing, one common prefix: a "directory"). */
typedef struct art_entry {
    char *key;     /* full key from the store's root; directories without a trailing '/' */
    bool is_dir;   /* a common prefix of a one-level listing */
    uint64_t size; /* bytes; 0 for directories */
    int64_t mtime; /* seconds since the epoch; 0 when unknown */
    char etag[80]; /* S3: the ETag without quotes ("hex" or "hex-parts"); local: "" */
} art_entry;

typedef struct art_list {
    art_entry *items; /* sorted by key (bytewise) */
    size_t n;
} art_list;

/* Opens the store that uri names. opts may be NULL (all defaults). On AP_OK *out is the
 * store (close with art_close). AP_ERR_INVALID for a malformed or unknown URI;
 * AP_ERR_CONFIG when S3 credentials are missing; AP_ERR_NOT_FOUND when a local root does
 * not exist and opts->create is false; AP_ERR_IO when it cannot be created. */
ap_status art_open(const char *uri, const art_options *opts, art_store **out, ap_error *err);
void art_close(art_store *s); /* accepts NULL */

/* The URI the store was opened with, normalised ("file:///abs/dir", "s3://bucket/prefix"). */
const char *art_uri(const art_store *s);
/* True for a local directory store. */
bool art_is_local(const art_store *s);

/* Checks a key against the rules above: AP_OK or AP_ERR_FORBIDDEN with the reason. */
ap_status art_key_check(const char *key, ap_error *err);

/* Stores the file at path (or len bytes of data) under key, replacing any object there.
 * AP_ERR_NOT_FOUND / AP_ERR_IO when path cannot be read; AP_ERR_IO / AP_ERR_UNAVAILABLE
 * when the store fails (after retries for S3). */
ap_status art_put_file(art_store *s, const char *key, const char *path, ap_error *err);
ap_status art_put_buffer(art_store *s, const char *key, const void *data, size_t len,
                         ap_error *err);

/* Writes the object under key to path: a temporary file beside path, then rename, so path
 * is either untouched or whole. The parent directory of path must exist. AP_ERR_NOT_FOUND
 * when there is no such object. */
ap_status art_get_file(art_store *s, const char *key, const char *path, ap_error *err);
/* Reads the object into memory. On AP_OK *data (caller frees; NUL-terminated, the NUL not
 * counted) and *len. AP_ERR_TOO_LARGE when it is longer than max bytes. */
ap_status art_get_buffer(art_store *s, const char *key, size_t max, unsigned char **data,
                         size_t *len, ap_error *err);

/* Lists the objects under the directory prefix ("" for the whole store; "a/b" lists
 * "a/b/..."). recursive: every object below, else one level with subdirectories as
 * is_dir entries. A prefix that holds nothing gives an empty list, not an error. On AP_OK
 * *out holds the entries (free with art_list_free); on failure it is empty. */
ap_status art_list_dir(art_store *s, const char *prefix, bool recursive, art_list *out,
                       ap_error *err);
void art_list_free(art_list *l);

/* Removes the object under key; AP_OK also when there was none (as S3 does). */
ap_status art_delete(art_store *s, const char *key, ap_error *err);

/* On AP_OK the object exists and *out (may be NULL) describes it (out->key is NULL: the
 * caller knows it). AP_ERR_NOT_FOUND when it does not exist. */
ap_status art_stat(art_store *s, const char *key, art_entry *out, ap_error *err);

/* MD5 of a local file, lower-case hex (33 bytes with the NUL). With part_size > 0 and a
 * file longer than part_size, the S3 multipart form instead: MD5 of the parts' MD5s,
 * then "-" and the part count, which is what S3 reports as the ETag of such an upload. */
ap_status art_file_etag(const char *path, size_t part_size, char out[80], ap_error *err);

/* ---- backends (internal to src/registry) ---- */

typedef struct art_ops {
    const char *scheme;
    ap_status (*put_file)(void *impl, const char *key, const char *path, ap_error *err);
    ap_status (*put_buffer)(void *impl, const char *key, const void *data, size_t len,
                            ap_error *err);
    ap_status (*get_file)(void *impl, const char *key, const char *path, ap_error *err);
    ap_status (*get_buffer)(void *impl, const char *key, size_t max, unsigned char **data,
                            size_t *len, ap_error *err);
    ap_status (*list)(void *impl, const char *prefix, bool recursive, size_t max, art_list *out,
                      ap_error *err);
    ap_status (*del)(void *impl, const char *key, ap_error *err);
    ap_status (*stat)(void *impl, const char *key, art_entry *out, ap_error *err);
    void (*close)(void *impl);
} art_ops;

/* Each backend's open: location is the URI without its scheme. On AP_OK *impl and the
 * normalised URI in uri_out. */
ap_status art_local_open(const char *location, const art_options *opts, void **impl, char *uri_out,
                         size_t uri_size, ap_error *err);
ap_status art_s3_open(const char *location, const art_options *opts, void **impl, char *uri_out,
                      size_t uri_size, ap_error *err);
extern const art_ops art_local_ops;
extern const art_ops art_s3_ops;

/* Shared by the backends: appends an entry (key copied) to l; sorts a finished list. */
ap_status art_list_push(art_list *l, size_t max, const char *key, bool is_dir, uint64_t size,
                        int64_t mtime, const char *etag, ap_error *err);
void art_list_sort(art_list *l);
/* Writes the n bytes of d as 2n lowercase hex digits and a NUL to out (2n + 1 bytes). */
void art_hex(const unsigned char *d, size_t n, char *out);
/* Opens a new temporary file beside path (same directory, so a rename publishes it);
 * its name goes to tmp. art_tmp_commit() syncs, closes and renames it over path;
 * art_tmp_abort() closes and removes it. Both accept fd < 0. */
ap_status art_tmp_create(const char *path, char *tmp, size_t tmp_size, int *fd, ap_error *err);
ap_status art_tmp_commit(int fd, const char *tmp, const char *path, ap_error *err);
void art_tmp_abort(int fd, const char *tmp);

#endif
