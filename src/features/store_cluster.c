/* The Redis Cluster backend of the online store.
 *
 * Routing: a key belongs to slot CRC16(key or its hash tag) mod 16384; the slot map
 * (slot -> master) comes from CLUSTER SLOTS, asked of any node that answers (the known
 * masters first, then the configured seeds). Every key of one entity carries the hash tag
 * "{<entity>:<id>}", so all its views sit in one slot and a read of one entity is one
 * round trip to one node.
 *
 * An operation list (the gets of a read, or one put) runs in rounds: the pending
 * operations are grouped by the node their slot maps to, each group is pipelined to its
 * node, and each reply moves its operation on:
 *   success                -> done
 *   -MOVED slot host:port  -> the slot now lives there: update that entry, refresh the
 *                             whole map before the next round (a MOVED usually means a
 *                             resharding or a failover moved more than one slot), retry
 *   -ASK slot host:port    -> the slot is migrating and this key is already there: retry
 *                             at that node only, preceded by ASKING; the map is unchanged
 *   -TRYAGAIN, -CLUSTERDOWN, -LOADING, a broken connection
 *                          -> refresh the map, back off (50 ms doubling to 500 ms) and retry
 *   any other error        -> the operation fails
 * until every operation is done or retry_s has passed. A master that died is replaced
 * once the cluster promotes its replica (cluster-node-timeout later); until then its
 * slots answer with broken connections, and the retries ride that out. Retrying is safe
 * because puts and gets are idempotent (see store_redis.c).
 *
 * State: the slot map and the node table are shared, guarded by `lock`. Nodes are never
 * removed from the table (at most CL_MAX_NODES), so an index stays valid. Connections
 * belong to pool clients (one client per concurrent operation): a client keeps one
 * connection per node it has talked to. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/pool.h"
#include "core/testable.h"
#include "features/store_internal.h"

#define CL_SLOTS     16384
#define CL_MAX_NODES 128
#define CL_NO_NODE   0xFFFF
#define CL_HOST_MAX  64

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the cluster's key hash. */
uint16_t fs_crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int k = 0; k < 8; k++)
            crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* The slot of a key: when the key holds a '{' followed later by a '}' with at least one
 * byte between them, only the bytes between the first '{' and the first '}' after it are
 * hashed (the hash tag). */
unsigned fs_key_slot(const char *key, size_t len)
{
    size_t open = 0;
    while (open < len && key[open] != '{')
        open++;
    if (open < len) {
        size_t close = open + 1;
        while (close < len && key[close] != '}')
            close++;
        if (close < len && close > open + 1)
            return fs_crc16(key + open + 1, close - open - 1) & (CL_SLOTS - 1);
    }
    return fs_crc16(key, len) & (CL_SLOTS - 1);
}

typedef struct cl_node {
    char host[CL_HOST_MAX];
    unsigned port;
} cl_node;

typedef struct cl_client {
    redisContext *conns[CL_MAX_NODES]; /* by node index; NULL: not connected */
} cl_client;

typedef struct cl_store {
    pthread_mutex_t lock; /* guards slots, nodes, nnodes, refreshed_at */
    uint16_t slots[CL_SLOTS];
    cl_node nodes[CL_MAX_NODES];
    size_t nnodes, nseeds; /* nodes[0..nseeds) are the configured seeds */
    double refreshed_at;
    char *password;
    double timeout_s, retry_s;
    atomic_bool down;
    ap_pool *pool;
    cl_client *clients;
    size_t nclients;
} cl_store;

/* The index of host:port in the node table, added when new; CL_NO_NODE when full.
 * Called with the lock held. */
static unsigned node_index(cl_store *s, const char *host, unsigned port)
{
    for (size_t i = 0; i < s->nnodes; i++)
        if (s->nodes[i].port == port && strcmp(s->nodes[i].host, host) == 0) return (unsigned)i;
    if (s->nnodes == CL_MAX_NODES || strlen(host) >= CL_HOST_MAX) return CL_NO_NODE;
    snprintf(s->nodes[s->nnodes].host, CL_HOST_MAX, "%s", host);
    s->nodes[s->nnodes].port = port;
    return (unsigned)s->nnodes++;
}

/* Parses one CLUSTER SLOTS reply into the map. Called with the lock held. */
static bool apply_slots(cl_store *s, const redisReply *r, const char *asked_host)
{
    if (r->type != REDIS_REPLY_ARRAY) return false;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER ||
            e->element[2]->type != REDIS_REPLY_ARRAY || e->element[2]->elements < 2)
            return false;
        long long from = e->element[0]->integer, to = e->element[1]->integer;
        const redisReply *m = e->element[2];
        if (from < 0 || to >= CL_SLOTS || from > to || m->element[0]->type != REDIS_REPLY_STRING ||
            m->element[1]->type != REDIS_REPLY_INTEGER)
            return false;
        /* An empty host means "the node you asked". */
        const char *host = m->element[0]->len ? m->element[0]->str : asked_host;
        unsigned n = node_index(s, host, (unsigned)m->element[1]->integer);
        for (long long k = from; k <= to; k++)
            s->slots[k] = (uint16_t)n;
    }
    return true;
}

/* Reloads the slot map (at most every 100 ms unless forced). */
static ap_status refresh(cl_store *s, bool force, ap_error *err)
{
    pthread_mutex_lock(&s->lock);
    if (!force && fs_monotonic() - s->refreshed_at < 0.1) {
        pthread_mutex_unlock(&s->lock);
        return AP_OK;
    }
    /* Ask the nodes learnt from the map first (they are current), the seeds last. */
    ap_error last = {0};
    ap_fail(&last, AP_ERR_UNAVAILABLE, "no cluster node answered");
    ap_status st = AP_ERR_UNAVAILABLE;
    for (size_t k = 0; k < s->nnodes && st != AP_OK; k++) {
        size_t i = (s->nseeds + k) % s->nnodes;
        cl_node node = s->nodes[i];
        redisContext *c = NULL;
        if (fs_redis_connect(node.host, node.port, s->password, 0,
                             s->timeout_s < 1 ? s->timeout_s : 1, &c, &last) != AP_OK)
            continue;
        redisReply *r = redisCommand(c, "CLUSTER SLOTS");
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
            uint16_t saved[CL_SLOTS];
            memcpy(saved, s->slots, sizeof saved);
            for (size_t j = 0; j < CL_SLOTS; j++)
                s->slots[j] = CL_NO_NODE;
            if (apply_slots(s, r, node.host))
                st = AP_OK;
            else
                memcpy(s->slots, saved, sizeof saved);
        } else {
            ap_fail(&last, AP_ERR_UNAVAILABLE, "%s:%u: CLUSTER SLOTS: %s", node.host, node.port,
                    r && r->type == REDIS_REPLY_ERROR ? r->str : "no slots");
        }
        freeReplyObject(r);
        redisFree(c);
    }
    s->refreshed_at = fs_monotonic();
    pthread_mutex_unlock(&s->lock);
    return st == AP_OK ? AP_OK : ap_fail(err, last.code, "%s", last.msg);
}

static bool slot_known(cl_store *s, unsigned slot, unsigned *node)
{
    pthread_mutex_lock(&s->lock);
    *node = s->slots[slot];
    pthread_mutex_unlock(&s->lock);
    return *node != CL_NO_NODE;
}

/* A connection of client cl to node n, made when missing. */
static redisContext *conn_for(cl_store *s, cl_client *cl, unsigned n, ap_error *err)
{
    if (cl->conns[n] && !cl->conns[n]->err) return cl->conns[n];
    if (cl->conns[n]) redisFree(cl->conns[n]);
    cl->conns[n] = NULL;
    pthread_mutex_lock(&s->lock);
    cl_node node = s->nodes[n];
    pthread_mutex_unlock(&s->lock);
    fs_redis_connect(node.host, node.port, s->password, 0, s->timeout_s, &cl->conns[n], err);
    return cl->conns[n];
}

/* Parses "MOVED 3999 127.0.0.1:6381" / "ASK ..." into a node index. */
static unsigned redirect_node(cl_store *s, const char *msg, unsigned *slot)
{
    const char *sp = strchr(msg, ' ');
    if (!sp) return CL_NO_NODE;
    char *end;
    unsigned long sl = strtoul(sp + 1, &end, 10);
    if (*end != ' ' || sl >= CL_SLOTS) return CL_NO_NODE;
    char host[CL_HOST_MAX];
    unsigned port;
    if (fs_redis_hostport(end + 1, host, sizeof host, &port, NULL) != AP_OK) return CL_NO_NODE;
    *slot = (unsigned)sl;
    pthread_mutex_lock(&s->lock);
    unsigned n = node_index(s, host, port);
    pthread_mutex_unlock(&s->lock);
    return n;
}

typedef enum { CL_PENDING, CL_DONE, CL_FAILED } cl_state;

typedef struct cl_op {
    const fs_put *put; /* one of put and get */
    fs_get *get;
    unsigned slot, node, ask_node;
    bool asking;
    bool sent; /* in this round */
    cl_state state;
} cl_op;

/* Reads the replies of one op from c and moves it on. Returns false when the connection
 * broke (the op stays pending). need_refresh and need_backoff are set as the reply asks. */
static bool take_replies(cl_store *s, redisContext *c, cl_op *op, int nreplies, bool *need_refresh,
                         bool *need_backoff, ap_error *err)
{
    const redisReply *first_err = NULL;
    redisReply *replies[8] = {0};
    bool ok = true;
    for (int i = 0; i < nreplies; i++) {
        if (redisGetReply(c, (void **)&replies[i]) != REDIS_OK || !replies[i]) {
            ap_fail(err, AP_ERR_UNAVAILABLE, "cluster node: %s", c->errstr);
            ok = false;
            break;
        }
        /* The reply to ASKING is +OK; only errors of the real commands count. */
        if (replies[i]->type == REDIS_REPLY_ERROR && !first_err) first_err = replies[i];
    }
    if (!ok) {
        *need_refresh = *need_backoff = true;
    } else if (!first_err) {
        if (op->get && !fs_redis_take_get(replies[op->asking ? 1 : 0], op->get)) {
            ap_fail(err, AP_ERR_PROCESSING, "cluster: unexpected HMGET reply");
            op->state = CL_FAILED;
        } else {
            op->state = CL_DONE;
        }
    } else if (strncmp(first_err->str, "MOVED ", 6) == 0) {
        unsigned slot = 0, n = redirect_node(s, first_err->str, &slot);
        if (n != CL_NO_NODE) {
            pthread_mutex_lock(&s->lock);
            s->slots[slot] = (uint16_t)n;
            pthread_mutex_unlock(&s->lock);
        }
        op->asking = false;
        *need_refresh = true;
    } else if (strncmp(first_err->str, "ASK ", 4) == 0) {
        unsigned slot = 0, n = redirect_node(s, first_err->str, &slot);
        op->asking = n != CL_NO_NODE;
        op->ask_node = n;
        if (n == CL_NO_NODE) *need_refresh = true;
    } else if (strncmp(first_err->str, "TRYAGAIN", 8) == 0 ||
               strncmp(first_err->str, "CLUSTERDOWN", 11) == 0 ||
               strncmp(first_err->str, "LOADING", 7) == 0 ||
               strncmp(first_err->str, "READONLY", 8) == 0 ||
               strncmp(first_err->str, "MASTERDOWN", 10) == 0) {
        ap_fail(err, AP_ERR_UNAVAILABLE, "cluster: %s", first_err->str);
        op->asking = false;
        *need_refresh = *need_backoff = true;
    } else {
        ap_fail(err, AP_ERR_PROCESSING, "cluster: %s", first_err->str);
        op->state = CL_FAILED;
    }
    for (int i = 0; i < nreplies; i++)
        freeReplyObject(replies[i]);
    return ok;
}

/* Runs ops[0..n) to completion (see the top of the file). */
static ap_status run_ops(cl_store *s, cl_op *ops, size_t n, ap_error *err)
{
    void *item = NULL;
    ap_status st = ap_pool_get(s->pool, s->retry_s, &item);
    if (st != AP_OK) return ap_fail(err, st, "no free cluster client");
    cl_client *cl = item;
    double deadline = fs_monotonic() + s->retry_s, backoff = 0.05;
    bool once = atomic_load(&s->down);
    ap_error e = {0};
    ap_fail(&e, AP_ERR_UNAVAILABLE, "cluster unavailable");
    for (;;) {
        bool need_refresh = false, need_backoff = false, pending = false;
        /* Route every pending op. */
        for (size_t i = 0; i < n; i++) {
            ops[i].sent = false;
            if (ops[i].state != CL_PENDING) continue;
            if (ops[i].asking) {
                ops[i].node = ops[i].ask_node;
            } else if (!slot_known(s, ops[i].slot, &ops[i].node)) {
                if (refresh(s, false, &e) != AP_OK || !slot_known(s, ops[i].slot, &ops[i].node)) {
                    need_backoff = true;
                    ops[i].node = CL_NO_NODE;
                }
            }
        }
        /* One pipeline per node. */
        for (size_t i = 0; i < n; i++) {
            if (ops[i].state != CL_PENDING || ops[i].sent || ops[i].node == CL_NO_NODE) continue;
            unsigned node = ops[i].node;
            redisContext *c = conn_for(s, cl, node, &e);
            if (!c) {
                need_refresh = need_backoff = true;
                continue;
            }
            int counts[FS_MAX_READ] = {0};
            size_t k = 0;
            for (size_t j = i; j < n; j++) {
                if (ops[j].state != CL_PENDING || ops[j].sent || ops[j].node != node) continue;
                ops[j].sent = true;
                if (ops[j].put)
                    counts[k] =
                        fs_redis_append_put(c, ops[j].put, ops[j].asking) * (ops[j].asking ? 2 : 1);
                else {
                    fs_redis_append_get(c, ops[j].get, ops[j].asking);
                    counts[k] = ops[j].asking ? 2 : 1;
                }
                k++;
            }
            k = 0;
            for (size_t j = i; j < n; j++) {
                if (!ops[j].sent || ops[j].state != CL_PENDING || ops[j].node != node) continue;
                if (!take_replies(s, c, &ops[j], counts[k++], &need_refresh, &need_backoff, &e)) {
                    redisFree(c);
                    cl->conns[node] = NULL;
                    break;
                }
            }
        }
        for (size_t i = 0; i < n; i++)
            if (ops[i].state == CL_FAILED) {
                st = ap_fail(err, e.code, "%s", e.msg);
                goto out;
            } else if (ops[i].state == CL_PENDING) {
                pending = true;
            }
        if (!pending) {
            if (atomic_exchange(&s->down, false)) log_info("feature store: the cluster is back");
            st = AP_OK;
            goto out;
        }
        if (once || fs_monotonic() + backoff > deadline) {
            if (!atomic_exchange(&s->down, true))
                log_warn("feature store: cluster unavailable: %s", e.msg);
            st = ap_fail(err, AP_ERR_UNAVAILABLE, "%s", e.msg);
            goto out;
        }
        if (need_backoff) {
            fs_sleep(backoff);
            backoff = backoff * 2 > 0.5 ? 0.5 : backoff * 2;
        }
        if (need_refresh) refresh(s, false, &e);
    }
out:
    ap_pool_put(s->pool, cl);
    return st;
}

static ap_status cl_put(void *b, const fs_put *p, ap_error *err)
{
    cl_op op = {.put = p, .slot = fs_key_slot(p->key, strlen(p->key)), .state = CL_PENDING};
    return run_ops(b, &op, 1, err);
}

static ap_status cl_get(void *b, fs_get *gets, size_t n, ap_error *err)
{
    if (n > FS_MAX_READ) return ap_fail(err, AP_ERR_TOO_LARGE, "too many keys");
    cl_op *ops = calloc(n, sizeof *ops);
    if (!ops) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        ops[i] = (cl_op){.get = &gets[i],
                         .slot = fs_key_slot(gets[i].key, strlen(gets[i].key)),
                         .state = CL_PENDING};
    ap_status st = run_ops(b, ops, n, err);
    free(ops);
    return st;
}

/* Healthy: the map covers every slot and every master answers PING. */
static ap_status cl_health(void *b, ap_error *err)
{
    cl_store *s = b;
    ap_status st = refresh(s, true, err);
    if (st != AP_OK) return st;
    bool used[CL_MAX_NODES] = {0};
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < CL_SLOTS; i++) {
        if (s->slots[i] == CL_NO_NODE) {
            pthread_mutex_unlock(&s->lock);
            return ap_fail(err, AP_ERR_UNAVAILABLE, "slot %zu has no master", i);
        }
        used[s->slots[i]] = true;
    }
    cl_node nodes[CL_MAX_NODES];
    size_t nnodes = s->nnodes;
    memcpy(nodes, s->nodes, sizeof nodes);
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < nnodes; i++) {
        if (!used[i]) continue;
        redisContext *c = NULL;
        st = fs_redis_connect(nodes[i].host, nodes[i].port, s->password, 0,
                              s->timeout_s < 1 ? s->timeout_s : 1, &c, err);
        if (st != AP_OK) return st;
        redisReply *r = redisCommand(c, "PING");
        if (!r || r->type == REDIS_REPLY_ERROR)
            st = ap_fail(err, AP_ERR_UNAVAILABLE, "%s:%u: %s", nodes[i].host, nodes[i].port,
                         r ? r->str : c->errstr);
        freeReplyObject(r);
        redisFree(c);
        if (st != AP_OK) return st;
    }
    return AP_OK;
}

static void cl_close(void *b)
{
    cl_store *s = b;
    if (!s) return;
    if (s->pool) {
        void *items[256];
        ap_pool_drain(s->pool, items, 256);
    }
    for (size_t i = 0; i < s->nclients; i++)
        for (size_t n = 0; n < CL_MAX_NODES; n++)
            if (s->clients[i].conns[n]) redisFree(s->clients[i].conns[n]);
    free(s->clients);
    ap_pool_free(s->pool);
    free(s->password);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* A seed node of cluster_nodes; half the node table is kept for nodes learnt later. */
static bool add_seed(void *arg, const char *host, unsigned port)
{
    cl_store *s = arg;
    if (s->nnodes == CL_MAX_NODES / 2) return false;
    node_index(s, host, port);
    return true;
}

static ap_status cl_open(const fs_options *o, void **out, ap_error *err)
{
    cl_store *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    for (size_t i = 0; i < CL_SLOTS; i++)
        s->slots[i] = CL_NO_NODE;
    s->timeout_s = o->timeout_s > 0 ? o->timeout_s : 2;
    s->retry_s = o->retry_s > 0 ? o->retry_s : 10;
    s->password = strdup(o->password ? o->password : "");
    size_t n = o->pool_size ? o->pool_size : 8;
    if (n > 256) n = 256;
    s->clients = calloc(n, sizeof *s->clients);
    s->pool = ap_pool_new(n, 4096);
    ap_status st = AP_OK;
    if (!s->password || !s->clients || !s->pool) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        ap_pool_add(s->pool, &s->clients[i]);
    s->nclients = n;
    st = fs_redis_hostlist(o->cluster_nodes, CL_HOST_MAX, "feature_store.cluster_nodes",
                           "REDIS_CLUSTER_NODES", add_seed, s, err);
    if (st != AP_OK) goto fail;
    if (s->nnodes == 0) {
        st = ap_fail(err, AP_ERR_CONFIG,
                     "feature_store.cluster_nodes (env REDIS_CLUSTER_NODES) is required with the "
                     "cluster store: host:port,host:port,...");
        goto fail;
    }
    s->nseeds = s->nnodes;
    s->refreshed_at = -1;
    *out = s;
    return AP_OK;
fail:
    cl_close(s);
    return st;
}

const fs_backend_ops fs_cluster_ops = {"cluster", cl_open, cl_put, cl_get, cl_health, cl_close};
