/* artifact_sync: make one artifact store hold what another holds, copying only the
 * objects that differ (`aipipe artifacts sync`, like `aws s3 sync`).
 *
 * An object is copied when the destination lacks it or holds a different one: sizes
 * differ, or, with equal sizes, the contents' fingerprints differ. The fingerprint is the
 * S3 ETag on an S3 side and the MD5 of the file on a local side, computed in S3's
 * multipart form (art_file_etag) when the S3 side's ETag is a multipart one. When the
 * fingerprints cannot be compared (a multipart ETag made with another part size), the
 * modification times decide: the destination is kept when it is not older. */
#ifndef AP_ARTIFACT_SYNC_H
#define AP_ARTIFACT_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "registry/artifact.h"

typedef struct art_sync_options {
    bool delete_extra; /* remove destination objects the source does not have */
    bool dry_run;      /* report what would happen, change nothing */
    FILE *progress;    /* one line per action, or NULL */
    size_t part_size;  /* the multipart part size uploads use (for ETag comparison); 0: 8 MiB */
} art_sync_options;

typedef struct art_sync_stats {
    size_t copied, unchanged, deleted, failed;
    uint64_t bytes_copied;
} art_sync_stats;

/* Syncs every object of src into dst (same keys). On AP_OK every object was handled
 * (stats say how). When some copies fail the others still run; the first failure's
 * status is returned and err names it. A listing failure stops before any change. */
ap_status art_sync(art_store *src, art_store *dst, const art_sync_options *opts,
                   art_sync_stats *stats, ap_error *err);

#endif
