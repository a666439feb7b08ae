/* Internal to src/features: the table of operations every online-store backend provides,
 * and helpers the Redis backends share. The generic layer (store.c) turns definitions,
 * entity ids and typed values into keys, fields and encoded strings; a backend only
 * stores hashes of strings. */
#ifndef AP_FS_STORE_INTERNAL_H
#define AP_FS_STORE_INTERNAL_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#include "features/store.h"

/* One hash to read: fields of key. The backend fills values[0..nfields): a malloc'd
 * string, or NULL when the key or the field is absent. */
typedef struct fs_get {
    const char *key;
    size_t nfields;
    const char *const *fields;
    char **values;
} fs_get;

/* One hash to write: set fields to values; the backend may forget the whole hash gc_ms
 * after this write (0: never). Writing the same put twice has the effect of once, so a
 * backend may retry a put whose outcome it does not know. */
typedef struct fs_put {
    const char *key;
    size_t nfields;
    const char *const *fields;
    const char *const *values;
    int64_t gc_ms;
} fs_put;

typedef struct fs_backend_ops {
    const char *name;
    ap_status (*open)(const fs_options *o, void **out, ap_error *err);
    ap_status (*put)(void *b, const fs_put *p, ap_error *err);
    /* Fills every gets[i].values; on failure the caller frees what was filled. */
    ap_status (*get)(void *b, fs_get *gets, size_t n, ap_error *err);
    ap_status (*health)(void *b, ap_error *err);
    void (*close)(void *b);
} fs_backend_ops;

extern const fs_backend_ops fs_embedded_ops, fs_redis_ops, fs_sentinel_ops, fs_cluster_ops;

/* Redis helpers (store_redis.c). */

#define FS_HOST_MAX 256 /* a host name, with its NUL */

/* Splits "host:port" (IPv4, a name, or [IPv6]:port). */
ap_status fs_redis_hostport(const char *s, char *host, size_t hostsize, unsigned *port,
                            ap_error *err);
/* Calls add for each host:port of a comma-separated list (empty items skipped), hosts
 * shorter than host_max (at most FS_HOST_MAX); add returns false when no more fit. The
 * setting (and its environment variable) name the list in the AP_ERR_CONFIG message of an
 * item that is not host:port or one too many. */
ap_status fs_redis_hostlist(const char *list, size_t host_max, const char *setting, const char *env,
                            bool (*add)(void *arg, const char *host, unsigned port), void *arg,
                            ap_error *err);
/* Connects with timeout_s for connect and commands, then AUTH and SELECT when asked (db < 0:
 * no SELECT). On AP_OK *out is the connection; AP_ERR_UNAVAILABLE otherwise. */
ap_status fs_redis_connect(const char *host, unsigned port, const char *password, int db,
                           double timeout_s, redisContext **out, ap_error *err);
/* Appends the commands of a put (HSET, then PEXPIRE when gc_ms > 0) to c's pipeline;
 * returns how many it appended. When asking, each is preceded by ASKING. */
int fs_redis_append_put(redisContext *c, const fs_put *p, bool asking);
/* Appends HMGET key fields (preceded by ASKING when asking). */
void fs_redis_append_get(redisContext *c, const fs_get *g, bool asking);
/* Copies an HMGET reply into g->values. false when the reply is not a fitting array. */
bool fs_redis_take_get(const redisReply *r, fs_get *g);
/* Seconds since an unspecified start, monotonic. */
double fs_monotonic(void);
void fs_sleep(double seconds);

/* Cluster helpers, visible to the unit tests (store_cluster.c). */
uint16_t fs_crc16(const char *buf, size_t len);
unsigned fs_key_slot(const char *key, size_t len);

#endif
