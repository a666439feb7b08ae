/* The Redis backends of the online store: standalone ("redis") and Sentinel ("sentinel"),
 * plus the helpers the cluster backend shares.
 *
 * Both keep a pool of connections (core/pool) to the one server that takes writes: the
 * configured host (redis) or the master the sentinels name (sentinel). A connection is
 * made lazily, authenticated (AUTH) and moved to the database (SELECT) when it is first
 * used, so a server that is down at start-up is reported by health, not fatal.
 *
 * Following a failover (sentinel). The master address is `master` and its generation
 * `gen`; each pooled connection remembers the generation it was made for and reconnects
 * when it differs. An operation that fails in a way a failover explains (the connection
 * breaks or times out; READONLY: the server was demoted to a replica; LOADING,
 * MASTERDOWN, TRYAGAIN) asks the sentinels again (discover(): SENTINEL
 * get-master-addr-by-name, trying each sentinel, the last good one first) and retries
 * with backoff until retry_s has passed. A freshly made connection is checked with ROLE:
 * a sentinel's answer may lag, and writing to a demoted master would be lost.
 *
 * Safe retries: every put is an HSET of absolute values plus a PEXPIRE (idempotent) and
 * every get is an HMGET, so running an operation twice, when the first outcome is
 * unknown, has the effect of running it once.
 *
 * WAIT: with wait_replicas > 0 a put is followed by WAIT n timeout in the same pipeline;
 * fewer acknowledgements fail the put with AP_ERR_UNAVAILABLE (the master has it; its
 * survival of a failover is not promised). An acknowledged put survives the failover of
 * its master because Sentinel promotes the replica with the largest replication offset.
 *
 * Down fast: after an operation has used up its retries, the store is marked down and
 * later operations try once, without the retry loop, until one succeeds; so a service
 * whose Redis is gone answers at once (features skipped) instead of stalling every
 * request for retry_s. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/pool.h"
#include "features/store_internal.h"

#define FS_MAX_SENTINELS 16

double fs_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fs_sleep(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

ap_status fs_redis_hostport(const char *s, char *host, size_t hostsize, unsigned *port,
                            ap_error *err)
{
    const char *colon = strrchr(s, ':');
    const char *h = s;
    size_t hl = colon ? (size_t)(colon - s) : 0;
    if (hl > 1 && s[0] == '[' && s[hl - 1] == ']') {
        h = s + 1;
        hl -= 2;
    }
    char *end = NULL;
    long p = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || hl == 0 || hl >= hostsize || !end || *end || end == colon + 1 || p < 1 ||
        p > 65535)
        return ap_fail(err, AP_ERR_CONFIG, "'%.100s' is not host:port", s);
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return AP_OK;
}

ap_status fs_redis_hostlist(const char *list, size_t host_max, const char *setting, const char *env,
                            bool (*add)(void *arg, const char *host, unsigned port), void *arg,
                            ap_error *err)
{
    assert(host_max <= FS_HOST_MAX);
    for (const char *p = list ? list : ""; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[FS_HOST_MAX + 8], host[FS_HOST_MAX];
        unsigned port;
        if (len > 0) {
            if (len >= host_max + 8)
                return ap_fail(err, AP_ERR_CONFIG, "%s: too long a list", setting);
            memcpy(item, p, len);
            item[len] = '\0';
            if (fs_redis_hostport(item, host, host_max, &port, NULL) != AP_OK)
                return ap_fail(err, AP_ERR_CONFIG, "%s (env %s): '%s' is not host:port", setting,
                               env, item);
            if (!add(arg, host, port))
                return ap_fail(err, AP_ERR_CONFIG, "%s: too long a list", setting);
        }
        p += len + (comma != NULL);
    }
    return AP_OK;
}

static struct timeval tv_of(double s)
{
    return (struct timeval){(time_t)s, (suseconds_t)((s - (double)(time_t)s) * 1e6)};
}

ap_status fs_redis_connect(const char *host, unsigned port, const char *password, int db,
                           double timeout_s, redisContext **out, ap_error *err)
{
    *out = NULL;
    struct timeval tv = tv_of(timeout_s);
    redisContext *c = redisConnectWithTimeout(host, (int)port, tv);
    if (!c) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    if (c->err) {
        ap_status st = ap_fail(err, AP_ERR_UNAVAILABLE, "redis %s:%u: %s", host, port, c->errstr);
        redisFree(c);
        return st;
    }
    redisSetTimeout(c, tv);
    redisReply *r = NULL;
    if (password && *password) {
        r = redisCommand(c, "AUTH %s", password);
        if (!r || r->type == REDIS_REPLY_ERROR) goto refused;
        freeReplyObject(r);
    }
    if (db > 0) {
        r = redisCommand(c, "SELECT %d", db);
        if (!r || r->type == REDIS_REPLY_ERROR) goto refused;
        freeReplyObject(r);
    }
    *out = c;
    return AP_OK;
refused:;
    ap_status st =
        ap_fail(err, AP_ERR_UNAVAILABLE, "redis %s:%u: %s", host, port, r ? r->str : c->errstr);
    freeReplyObject(r);
    redisFree(c);
    return st;
}

int fs_redis_append_put(redisContext *c, const fs_put *p, bool asking)
{
    size_t argc = 2 + 2 * p->nfields;
    const char *argv[2 + 2 * FS_MAX_FEATURES];
    size_t lens[2 + 2 * FS_MAX_FEATURES];
    argv[0] = "HSET";
    argv[1] = p->key;
    for (size_t i = 0; i < p->nfields; i++) {
        argv[2 + 2 * i] = p->fields[i];
        argv[3 + 2 * i] = p->values[i];
    }
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    if (asking) redisAppendCommand(c, "ASKING");
    redisAppendCommandArgv(c, (int)argc, argv, lens);
    if (p->gc_ms <= 0) return 1;
    if (asking) redisAppendCommand(c, "ASKING");
    redisAppendCommand(c, "PEXPIRE %s %lld", p->key, (long long)p->gc_ms);
    return 2;
}

void fs_redis_append_get(redisContext *c, const fs_get *g, bool asking)
{
    size_t argc = 2 + g->nfields;
    const char *argv[2 + FS_MAX_READ];
    size_t lens[2 + FS_MAX_READ];
    argv[0] = "HMGET";
    argv[1] = g->key;
    for (size_t i = 0; i < g->nfields; i++)
        argv[2 + i] = g->fields[i];
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    if (asking) redisAppendCommand(c, "ASKING");
    redisAppendCommandArgv(c, (int)argc, argv, lens);
}

bool fs_redis_take_get(const redisReply *r, fs_get *g)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != g->nfields) return false;
    for (size_t i = 0; i < g->nfields; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_STRING) continue;
        free(g->values[i]);
        g->values[i] = strndup(e->str, e->len);
        if (!g->values[i]) return false;
    }
    return true;
}

/* ---- standalone and sentinel ---- */

typedef struct rconn {
    redisContext *c;
    unsigned gen;
} rconn;

typedef struct rstore {
    bool sentinel;
    pthread_mutex_t lock; /* guards master, gen, discovery */
    char master[FS_HOST_MAX];
    unsigned master_port, gen;
    bool known; /* sentinel: master discovered at least once */
    double discovered_at;
    char *password, *master_name, *sentinel_password;
    int db, wait_replicas, wait_timeout_ms;
    double timeout_s, retry_s;
    struct {
        char host[FS_HOST_MAX];
        unsigned port;
    } sentinels[FS_MAX_SENTINELS];
    size_t nsentinels, good_sentinel;
    atomic_bool down;
    ap_pool *pool;
    rconn *conns;
    size_t nconns;
} rstore;

/* What an operation's outcome asks of the retry loop. */
typedef enum { OP_OK, OP_RETRY, OP_FAIL } op_result;

/* Error replies a failover explains. */
static bool transient_error(const char *msg)
{
    static const char *const prefixes[] = {"READONLY", "LOADING",     "MASTERDOWN",
                                           "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(msg, prefixes[i], strlen(prefixes[i])) == 0) return true;
    return false;
}

/* Asks the sentinels for the master. Called with s->lock held. */
static ap_status discover(rstore *s, ap_error *err)
{
    ap_error last = {0};
    ap_fail(&last, AP_ERR_UNAVAILABLE, "no sentinel answered");
    for (size_t k = 0; k < s->nsentinels; k++) {
        size_t i = (s->good_sentinel + k) % s->nsentinels;
        redisContext *c = NULL;
        if (fs_redis_connect(s->sentinels[i].host, s->sentinels[i].port, s->sentinel_password, 0,
                             s->timeout_s, &c, &last) != AP_OK)
            continue;
        redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", s->master_name);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
            r->element[0]->type == REDIS_REPLY_STRING &&
            r->element[1]->type == REDIS_REPLY_STRING) {
            unsigned port = (unsigned)strtoul(r->element[1]->str, NULL, 10);
            if (!s->known || strcmp(s->master, r->element[0]->str) != 0 || s->master_port != port) {
                if (s->known)
                    log_warn("feature store: master '%s' moved from %s:%u to %s:%u", s->master_name,
                             s->master, s->master_port, r->element[0]->str, port);
                snprintf(s->master, sizeof s->master, "%s", r->element[0]->str);
                s->master_port = port;
                s->gen++;
                s->known = true;
            }
            s->good_sentinel = i;
            s->discovered_at = fs_monotonic();
            freeReplyObject(r);
            redisFree(c);
            return AP_OK;
        }
        ap_fail(&last, AP_ERR_UNAVAILABLE, "sentinel %s:%u does not know master '%s'",
                s->sentinels[i].host, s->sentinels[i].port, s->master_name);
        freeReplyObject(r);
        redisFree(c);
    }
    return ap_fail(err, last.code, "%s", last.msg);
}

/* Makes conn usable: connected to the current master of the current generation. */
static ap_status ensure_conn(rstore *s, rconn *conn, ap_error *err)
{
    pthread_mutex_lock(&s->lock);
    ap_status st = AP_OK;
    if (s->sentinel && !s->known) st = discover(s, err);
    char host[FS_HOST_MAX];
    snprintf(host, sizeof host, "%s", s->master);
    unsigned port = s->master_port, gen = s->gen;
    pthread_mutex_unlock(&s->lock);
    if (st != AP_OK) return st;
    if (conn->c && conn->gen == gen && !conn->c->err) return AP_OK;
    if (conn->c) redisFree(conn->c);
    conn->c = NULL;
    st = fs_redis_connect(host, port, s->password, s->db, s->timeout_s, &conn->c, err);
    if (st != AP_OK) return st;
    conn->gen = gen;
    if (s->sentinel) {
        redisReply *r = redisCommand(conn->c, "ROLE");
        bool master = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                      r->element[0]->type == REDIS_REPLY_STRING &&
                      strcmp(r->element[0]->str, "master") == 0;
        freeReplyObject(r);
        if (!master) {
            redisFree(conn->c);
            conn->c = NULL;
            return ap_fail(err, AP_ERR_UNAVAILABLE, "%s:%u is not a master (yet)", host, port);
        }
    }
    return AP_OK;
}

/* After a failure a failover explains: forget the connection and, for sentinel, ask where
 * the master is now (at most every 100 ms across all threads). */
static void suspect(rstore *s, rconn *conn)
{
    if (conn->c) redisFree(conn->c);
    conn->c = NULL;
    if (!s->sentinel) return;
    pthread_mutex_lock(&s->lock);
    if (fs_monotonic() - s->discovered_at > 0.1) {
        ap_error ignored;
        if (discover(s, &ignored) != AP_OK) s->discovered_at = fs_monotonic();
    }
    pthread_mutex_unlock(&s->lock);
}

typedef op_result (*rop_fn)(rstore *s, redisContext *c, void *arg, ap_error *err);

/* Runs fn on a pooled master connection, retrying what a failover explains; once: a
 * single attempt (health checks, and every operation while the store is down). */
static ap_status run_op(rstore *s, rop_fn fn, void *arg, bool once, ap_error *err)
{
    double deadline = fs_monotonic() + s->retry_s;
    double backoff = 0.05;
    ap_error e = {0};
    once = once || atomic_load(&s->down);
    for (;;) {
        void *item = NULL;
        ap_status st = ap_pool_get(s->pool, s->retry_s, &item);
        if (st != AP_OK) return ap_fail(err, st, "no free Redis connection");
        rconn *conn = item;
        op_result r = OP_RETRY;
        ap_error_clear(&e);
        st = ensure_conn(s, conn, &e);
        if (st == AP_OK) {
            r = fn(s, conn->c, arg, &e);
            if (r == OP_RETRY) suspect(s, conn);
        } else if (st == AP_ERR_UNAVAILABLE) {
            suspect(s, conn);
        } else {
            r = OP_FAIL;
        }
        ap_pool_put(s->pool, conn);
        if (r == OP_OK) {
            if (atomic_exchange(&s->down, false)) log_info("feature store: Redis is back");
            return AP_OK;
        }
        if (r == OP_FAIL)
            return ap_fail(err, e.code != AP_OK ? e.code : AP_ERR_PROCESSING, "%s", e.msg);
        if (once || fs_monotonic() + backoff > deadline) {
            if (!atomic_exchange(&s->down, true))
                log_warn("feature store: Redis unavailable: %s", e.msg);
            return ap_fail(err, AP_ERR_UNAVAILABLE, "%s", e.msg);
        }
        fs_sleep(backoff);
        backoff = backoff * 2 > 0.5 ? 0.5 : backoff * 2;
    }
}

/* Reads one reply; classifies failures. */
static op_result read_reply(redisContext *c, redisReply **out, ap_error *err)
{
    *out = NULL;
    if (redisGetReply(c, (void **)out) != REDIS_OK || !*out) {
        ap_fail(err, AP_ERR_UNAVAILABLE, "redis: %s", c->err ? c->errstr : "no reply");
        return OP_RETRY;
    }
    if ((*out)->type == REDIS_REPLY_ERROR) {
        ap_fail(err, AP_ERR_UNAVAILABLE, "redis: %s", (*out)->str);
        op_result r = transient_error((*out)->str) ? OP_RETRY : OP_FAIL;
        if (r == OP_FAIL) err->code = AP_ERR_PROCESSING;
        freeReplyObject(*out);
        *out = NULL;
        return r;
    }
    return OP_OK;
}

/* Reads the next reply of a pipeline into *r (NULL when it failed; the first failure is
 * kept in *res). false when the connection broke: the rest cannot be read. Every reply is
 * read even after a failure, to keep the connection in step. */
static bool pipeline_reply(redisContext *c, redisReply **r, op_result *res, ap_error *err)
{
    op_result one = read_reply(c, r, err);
    if (one == OP_RETRY && c->err) return false;
    if (one != OP_OK && *res == OP_OK) *res = one;
    return true;
}

static op_result put_fn(rstore *s, redisContext *c, void *arg, ap_error *err)
{
    const fs_put *p = arg;
    int n = fs_redis_append_put(c, p, false);
    if (s->wait_replicas > 0)
        redisAppendCommand(c, "WAIT %d %d", s->wait_replicas, s->wait_timeout_ms);
    op_result res = OP_OK;
    for (int i = 0; i < n + (s->wait_replicas > 0); i++) {
        redisReply *r;
        if (!pipeline_reply(c, &r, &res, err)) return OP_RETRY;
        if (!r) continue;
        if (i == n && res == OP_OK && r->type == REDIS_REPLY_INTEGER &&
            r->integer < s->wait_replicas) {
            ap_fail(err, AP_ERR_UNAVAILABLE,
                    "write acknowledged by %lld of %d replicas within %d ms", r->integer,
                    s->wait_replicas, s->wait_timeout_ms);
            res = OP_FAIL;
        }
        freeReplyObject(r);
    }
    return res;
}

typedef struct get_arg {
    fs_get *gets;
    size_t n;
} get_arg;

static op_result get_fn(rstore *s, redisContext *c, void *arg, ap_error *err)
{
    (void)s;
    get_arg *a = arg;
    for (size_t i = 0; i < a->n; i++)
        fs_redis_append_get(c, &a->gets[i], false);
    op_result res = OP_OK;
    for (size_t i = 0; i < a->n; i++) {
        redisReply *r;
        if (!pipeline_reply(c, &r, &res, err)) return OP_RETRY;
        if (!r) continue;
        if (res == OP_OK && !fs_redis_take_get(r, &a->gets[i])) {
            ap_fail(err, AP_ERR_PROCESSING, "redis: unexpected HMGET reply");
            res = OP_FAIL;
        }
        freeReplyObject(r);
    }
    return res;
}

static op_result ping_fn(rstore *s, redisContext *c, void *arg, ap_error *err)
{
    (void)s;
    (void)arg;
    redisReply *r = redisCommand(c, "PING");
    if (!r) {
        ap_fail(err, AP_ERR_UNAVAILABLE, "redis: %s", c->errstr);
        return OP_RETRY;
    }
    freeReplyObject(r);
    return OP_OK;
}

static void rs_close(void *b)
{
    rstore *s = b;
    if (!s) return;
    if (s->pool) {
        void *items[256];
        ap_pool_drain(s->pool, items, 256);
    }
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i].c) redisFree(s->conns[i].c);
    free(s->conns);
    ap_pool_free(s->pool);
    free(s->password);
    free(s->master_name);
    free(s->sentinel_password);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static bool add_sentinel(void *arg, const char *host, unsigned port)
{
    rstore *s = arg;
    if (s->nsentinels == FS_MAX_SENTINELS) return false;
    snprintf(s->sentinels[s->nsentinels].host, FS_HOST_MAX, "%s", host);
    s->sentinels[s->nsentinels++].port = port;
    return true;
}

static ap_status rs_open_generic(const fs_options *o, bool sentinel, void **out, ap_error *err)
{
    rstore *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    s->sentinel = sentinel;
    s->db = o->db;
    s->timeout_s = o->timeout_s > 0 ? o->timeout_s : 2;
    s->retry_s = o->retry_s > 0 ? o->retry_s : sentinel ? 10 : 1;
    s->wait_replicas = o->wait_replicas;
    s->wait_timeout_ms = o->wait_timeout_ms > 0 ? o->wait_timeout_ms : 1000;
    s->password = dup_or_empty(o->password);
    s->master_name = dup_or_empty(o->master_name);
    s->sentinel_password = dup_or_empty(o->sentinel_password);
    size_t n = o->pool_size ? o->pool_size : 8;
    if (n > 256) n = 256;
    s->conns = calloc(n, sizeof *s->conns);
    s->pool = ap_pool_new(n, 4096);
    ap_status st = AP_OK;
    if (!s->password || !s->master_name || !s->sentinel_password || !s->conns || !s->pool) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        ap_pool_add(s->pool, &s->conns[i]);
    s->nconns = n;
    if (!sentinel) {
        snprintf(s->master, sizeof s->master, "%s", o->host && *o->host ? o->host : "127.0.0.1");
        s->master_port = o->port ? o->port : 6379;
        s->known = true;
    } else {
        if (!*s->master_name) {
            st = ap_fail(err, AP_ERR_CONFIG,
                         "feature_store.master_name (env REDIS_MASTER_NAME) is required with "
                         "the sentinel store");
            goto fail;
        }
        st = fs_redis_hostlist(o->sentinels, FS_HOST_MAX, "feature_store.sentinels",
                               "REDIS_SENTINELS", add_sentinel, s, err);
        if (st != AP_OK) goto fail;
        if (s->nsentinels == 0) {
            st = ap_fail(err, AP_ERR_CONFIG,
                         "feature_store.sentinels (env REDIS_SENTINELS) is required with the "
                         "sentinel store: host:port,host:port,...");
            goto fail;
        }
    }
    *out = s;
    return AP_OK;
fail:
    rs_close(s);
    return st;
}

static ap_status redis_open(const fs_options *o, void **out, ap_error *err)
{
    return rs_open_generic(o, false, out, err);
}

static ap_status sentinel_open(const fs_options *o, void **out, ap_error *err)
{
    return rs_open_generic(o, true, out, err);
}

static ap_status rs_put(void *b, const fs_put *p, ap_error *err)
{
    return run_op(b, put_fn, (void *)p, false, err);
}

static ap_status rs_get(void *b, fs_get *gets, size_t n, ap_error *err)
{
    get_arg a = {gets, n};
    return run_op(b, get_fn, &a, false, err);
}

static ap_status rs_health(void *b, ap_error *err)
{
    /* One attempt: health must answer quickly. It does not mark the store down (that
     * would cut the retries of operations riding out a failover), but success marks it
     * up. */
    rstore *s = b;
    bool was_down = atomic_load(&s->down);
    ap_status st = run_op(s, ping_fn, NULL, true, err);
    if (st != AP_OK && !was_down) atomic_store(&s->down, false);
    return st;
}

const fs_backend_ops fs_redis_ops = {"redis", redis_open, rs_put, rs_get, rs_health, rs_close};
const fs_backend_ops fs_sentinel_ops = {"sentinel", sentinel_open, rs_put,
                                        rs_get,     rs_health,     rs_close};
