/* store: the online feature store, one interface over four backends.
 *
 *   embedded  in-process hash map persisted to an append-only file (the default)
 *   redis     one Redis server (hiredis, a connection pool, pipelined multi-entity reads)
 *   sentinel  a Redis master found through Redis Sentinel, followed across failovers
 *   cluster   Redis Cluster: CRC16 slot routing, MOVED/ASK, slot-map refresh
 *
 * fs_store_open() picks the backend named in fs_options.type. What is stored: for each
 * (entity, feature view, entity id) one record holding, per feature, the value and its
 * event timestamp. A value whose event timestamp is older than the view's TTL reads as
 * FS_EXPIRED (the backend forgets the record some time later); a feature never written
 * reads as FS_NOT_FOUND. Writes are last-writer-wins per feature.
 *
 * In Redis the record is a hash at key "fs:{<entity>:<id>}:<view>": the braces are a
 * cluster hash tag, so every view of one entity lives in one hash slot (one node, one
 * round trip). Each field holds "<event ms> <JSON value>".
 *
 * Thread safety: every function may be called from any number of threads at once. */
#ifndef AP_FS_STORE_H
#define AP_FS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "features/defs.h"

#define FS_MAX_ENTITY_ID 128  /* bytes of an entity id: printable ASCII, no space */
#define FS_MAX_READ      1000 /* entity ids x features of one read */

typedef struct fs_options {
    const char *type;    /* "embedded" (NULL too), "redis", "sentinel", "cluster" */
    const fs_defs *defs; /* borrowed; must outlive the store */
    /* embedded */
    const char *path; /* the append-only file; created with its directory */
    bool fsync;       /* fsync each acknowledged write (power loss, not only kill -9) */
    /* redis, sentinel (the master's password and db), cluster (password) */
    const char *host;
    unsigned port;
    const char *password; /* NULL or "": none */
    int db;
    const char *sentinels;   /* "host:port,host:port,..." */
    const char *master_name; /* the name the sentinels monitor */
    const char *sentinel_password;
    const char *cluster_nodes; /* "host:port,..." seeds */
    unsigned pool_size;        /* connections (0: 8) */
    double timeout_s;          /* connect and command timeout (0: 2 s) */
    double retry_s;            /* how long an operation keeps retrying through failover (0: 10 s) */
    int wait_replicas;         /* > 0: writes wait for this many replicas (WAIT) */
    int wait_timeout_ms;       /* for WAIT (0: 1000) */
} fs_options;

typedef struct fs_store fs_store;

typedef enum fs_value_status { FS_NOT_FOUND = 0, FS_PRESENT, FS_EXPIRED } fs_value_status;

/* "PRESENT", "NOT_FOUND", "EXPIRED". */
const char *fs_value_status_str(fs_value_status s);

/* One cell of a read: what the store holds for one (entity id, feature). */
typedef struct fs_value {
    fs_value_status status;
    json_t *value;    /* owned; NULL unless PRESENT or EXPIRED */
    int64_t event_ms; /* event timestamp (ms since the epoch); 0 when NOT_FOUND */
} fs_value;

/* A feature of a read request: indexes into the definitions. */
typedef struct fs_ref {
    size_t view, feature;
} fs_ref;

/* Opens the backend. Redis backends connect lazily: an unreachable server is not an error
 * here (health and each operation report it). On AP_OK *out is the store (caller closes).
 * AP_ERR_CONFIG: options that cannot work (unknown type, empty node list, bad host:port);
 * AP_ERR_IO: the embedded file cannot be opened, locked or read. */
ap_status fs_store_open(const fs_options *opts, fs_store **out, ap_error *err);
void fs_store_close(fs_store *s);
const char *fs_store_type(const fs_store *s);

/* Checks an entity id (1..FS_MAX_ENTITY_ID printable ASCII bytes, no space). */
bool fs_entity_id_valid(const char *id);

/* Writes features (a JSON object feature name -> value; borrowed) of one entity id into
 * view, with the event timestamp event_ms. Every name must be a feature of the view and
 * every value of its type (AP_ERR_INVALID / AP_ERR_NOT_FOUND, nothing written). A write
 * that returned AP_OK is durable as the backend promises (see each backend);
 * AP_ERR_UNAVAILABLE: the backend could not be reached within retry_s, or WAIT was not
 * acknowledged by enough replicas (the write may still have reached the master). */
ap_status fs_write(fs_store *s, size_t view, const char *entity_id, const json_t *features,
                   int64_t event_ms, ap_error *err);

/* Reads refs[0..nrefs) for ids[0..nids) (all of one entity, checked): out[i * nrefs + j]
 * is feature j of id i; out must hold nids * nrefs cells, each filled (free them with
 * fs_values_free). nids * nrefs <= FS_MAX_READ. On failure every cell is NOT_FOUND. */
ap_status fs_read(fs_store *s, size_t nids, const char *const *ids, size_t nrefs,
                  const fs_ref *refs, fs_value *out, ap_error *err);
void fs_values_free(fs_value *v, size_t n);

/* AP_OK when the backend answers now (a PING to the master or every cluster master). */
ap_status fs_health(fs_store *s, ap_error *err);

/* Current time in ms since the epoch. */
int64_t fs_now_ms(void);

#endif
