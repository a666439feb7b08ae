/* reg_store_sqlite: the embedded backend store driver (SQLite, WAL journal).
 *
 * URI: sqlite:///relative/path or sqlite:////absolute/path (three slashes, then the path,
 * as SQLAlchemy and MLflow write it). The directory is created when missing.
 *
 * Durability (store.sqlite_synchronous), in WAL mode:
 *   full    synchronous=FULL: every COMMIT fsyncs the WAL before it returns; survives a
 *           power cut. One fsync per write transaction, taken while holding the write lock.
 *   group   (the default) synchronous=NORMAL, then, before the write is acknowledged, one
 *           fdatasync of the WAL file shared by every commit that finished meanwhile
 *           (group commit: a leader syncs, the others wait for it). Acknowledged writes
 *           survive a power cut, as with full, but the fsync happens after the write lock
 *           is released, so the next writer proceeds while it runs. A concurrent reader
 *           can see a committed write a few milliseconds before it is durable (a power cut
 *           in that window loses it, and its writer was never answered).
 *   normal  synchronous=NORMAL and nothing more: survives kill -9 of the process (the WAL
 *           is in the OS cache when COMMIT returns) but a power cut can lose the last
 *           acknowledged transactions.
 * Checkpoints sync the WAL before copying it and the database after, in every mode.
 * Writers queue on busy_timeout_ms; readers never block writers.
 *
 * Each connection caches up to STMT_CACHE prepared statements by SQL text (least recently
 * used evicted), so the registry's fixed statements are parsed once per connection. A
 * cached statement is reset right after use, so it never holds a read transaction open. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/files.h"
#include "registry/reg_store_driver.h"

#define STMT_CACHE 48

/* Group commit of one database file's WAL, shared by the pool's connections to it.
 * committed counts write transactions that returned from COMMIT; synced is the highest
 * count known to be on disk. Invariant: synced <= committed; a sync that starts when
 * committed == n covers every commit counted up to n (their frames were written before). */
typedef struct wal_group {
    struct wal_group *next;
    char wal[1100]; /* the WAL file's path */
    unsigned refs;
    pthread_mutex_t lock;
    pthread_cond_t done;
    uint64_t committed, synced;
    bool syncing;
} wal_group;

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static wal_group *groups; /* every open group, by WAL path */

typedef struct cached_stmt {
    char *sql;
    sqlite3_stmt *stmt;
    uint64_t used;
} cached_stmt;

typedef struct sq_conn {
    sqlite3 *db;
    wal_group *group; /* NULL unless group commit */
    bool dirty;       /* a write ran since the last sync point */
    uint64_t clock;
    cached_stmt cache[STMT_CACHE];
} sq_conn;

static wal_group *group_ref(const char *db_path)
{
    char wal[1100];
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", db_path) >= sizeof wal) return NULL;
    pthread_mutex_lock(&groups_lock);
    wal_group *g = groups;
    while (g && strcmp(g->wal, wal) != 0)
        g = g->next;
    if (!g && (g = calloc(1, sizeof *g))) {
        snprintf(g->wal, sizeof g->wal, "%s", wal);
        pthread_mutex_init(&g->lock, NULL);
        pthread_cond_init(&g->done, NULL);
        g->next = groups;
        groups = g;
    }
    if (g) g->refs++;
    pthread_mutex_unlock(&groups_lock);
    return g;
}

static void group_unref(wal_group *g)
{
    if (!g) return;
    pthread_mutex_lock(&groups_lock);
    if (--g->refs == 0) {
        for (wal_group **p = &groups; *p; p = &(*p)->next)
            if (*p == g) {
                *p = g->next;
                break;
            }
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->done);
        free(g);
    }
    pthread_mutex_unlock(&groups_lock);
}

/* Returns once every commit counted so far (this caller's included) is on disk: the first
 * caller to find no sync running becomes the leader and fdatasyncs the WAL (opened by
 * path each time, so a WAL deleted and recreated is never synced through a stale fd);
 * the others wait for it and leave when it covered them. */
static ap_status group_sync(wal_group *g, ap_error *err)
{
    ap_status st = AP_OK;
    pthread_mutex_lock(&g->lock);
    uint64_t mine = ++g->committed;
    while (st == AP_OK && g->synced < mine) {
        if (g->syncing) {
            pthread_cond_wait(&g->done, &g->lock);
            continue;
        }
        g->syncing = true;
        uint64_t target = g->committed;
        pthread_mutex_unlock(&g->lock);
        int fd = open(g->wal, O_RDONLY | O_CLOEXEC);
        int rc = fd < 0 ? -1 : fdatasync(fd);
        int e = errno;
        if (fd >= 0) close(fd);
        pthread_mutex_lock(&g->lock);
        g->syncing = false;
        if (rc == 0 && target > g->synced) g->synced = target;
        pthread_cond_broadcast(&g->done);
        if (rc != 0) st = ap_fail(err, AP_ERR_IO, "sqlite: syncing '%s': %s", g->wal, strerror(e));
    }
    pthread_mutex_unlock(&g->lock);
    return st;
}

static ap_status map_error(sqlite3 *db, int rc, ap_error *err, const char *what)
{
    int ext = db ? sqlite3_extended_errcode(db) : rc;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    ap_status st = AP_ERR_IO;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        st = AP_ERR_CONFLICT;
    else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        st = AP_ERR_BUSY;
    else if ((rc & 0xff) == SQLITE_NOMEM)
        st = AP_ERR_NOMEM;
    return ap_fail(err, st, "sqlite: %s: %s", what, msg);
}

static ap_status sqlite_connect(const reg_store_options *opts, void **out, ap_error *err)
{
    *out = NULL;
    const char *path = opts->uri + strlen("sqlite:///");
    if (!*path) return ap_fail(err, AP_ERR_CONFIG, "sqlite URI '%s' names no file", opts->uri);
    if (strcmp(path, ":memory:") != 0) {
        ap_status made = files_mkdir_parents(path, err);
        if (made != AP_OK) return made;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ap_status st = ap_fail(err, AP_ERR_UNAVAILABLE, "sqlite: cannot open '%s': %s", path,
                               db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, (int)(opts->busy_timeout_ms ? opts->busy_timeout_ms : 10000));
    sqlite3_extended_result_codes(db, 1);
    /* case_sensitive_like: LIKE means the same as in PostgreSQL (ILIKE is written as
     * lower(x) LIKE lower(y) by the callers). */
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA case_sensitive_like=ON;"
             "PRAGMA foreign_keys=OFF;",
             opts->sqlite_sync_full && !opts->sqlite_group_commit ? "FULL" : "NORMAL");
    char *msg = NULL;
    rc = sqlite3_exec(db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        ap_status st = ap_fail(err, AP_ERR_IO, "sqlite: '%s': %s", path, msg ? msg : "pragma");
        sqlite3_free(msg);
        sqlite3_close(db);
        return st;
    }
    sq_conn *c = calloc(1, sizeof *c);
    const char *file = sqlite3_db_filename(db, "main");
    if (c && opts->sqlite_group_commit && file && *file && !(c->group = group_ref(file))) {
        free(c);
        c = NULL;
    }
    if (!c) {
        sqlite3_close(db);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    c->db = db;
    *out = c;
    return AP_OK;
}

static void sqlite_disconnect(void *conn)
{
    sq_conn *c = conn;
    if (!c) return;
    for (size_t i = 0; i < STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    group_unref(c->group);
    free(c);
}

static bool sqlite_alive(void *conn)
{
    return conn != NULL;
}

/* The cached statement for sql, prepared (and cached, evicting the least recently used)
 * when missing. SQLITE_OK or the prepare error. */
static int stmt_get(sq_conn *c, const char *sql, sqlite3_stmt **out)
{
    size_t victim = 0;
    c->clock++;
    for (size_t i = 0; i < STMT_CACHE; i++) {
        if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].used = c->clock;
            *out = c->cache[i].stmt;
            return SQLITE_OK;
        }
        if (c->cache[i].used < c->cache[victim].used) victim = i;
    }
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (rc != SQLITE_OK || !*out) return rc; /* (an empty statement has none to cache) */
    char *copy = strdup(sql);
    if (!copy) return SQLITE_OK; /* runs uncached: the caller finalizes what is not cached */
    cached_stmt *slot = &c->cache[victim];
    sqlite3_finalize(slot->stmt);
    free(slot->sql);
    *slot = (cached_stmt){.sql = copy, .stmt = *out, .used = c->clock};
    return SQLITE_OK;
}

static bool stmt_cached(const sq_conn *c, const sqlite3_stmt *stmt)
{
    for (size_t i = 0; i < STMT_CACHE; i++)
        if (c->cache[i].stmt == stmt) return true;
    return false;
}

static ap_status sqlite_exec(void *conn, const char *sql, const reg_param *params, size_t nparams,
                             reg_rows **rows, int64_t *changes, ap_error *err)
{
    sq_conn *c = conn;
    sqlite3 *db = c->db;
    sqlite3_stmt *stmt = NULL;
    reg_rows *out = NULL;
    int rc = stmt_get(c, sql, &stmt);
    if (rc != SQLITE_OK) return map_error(db, rc, err, "prepare");
    ap_status st = AP_OK;
    for (size_t i = 0; i < nparams && rc == SQLITE_OK; i++) {
        int idx = (int)i + 1;
        switch (params[i].type) {
        case REG_TEXT:
            rc = sqlite3_bind_text(stmt, idx, params[i].s, -1, SQLITE_STATIC);
            break;
        case REG_INT:
            rc = sqlite3_bind_int64(stmt, idx, params[i].i);
            break;
        case REG_REAL:
            rc = sqlite3_bind_double(stmt, idx, params[i].d);
            break;
        default:
            rc = sqlite3_bind_null(stmt, idx);
            break;
        }
    }
    if (rc != SQLITE_OK) {
        st = map_error(db, rc, err, "bind");
        goto out;
    }
    size_t ncols = (size_t)sqlite3_column_count(stmt);
    if (rows) {
        out = reg_rows_new(ncols);
        if (!out) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!out) continue;
        const char *cells[64];
        size_t lens[64];
        char reals[64][32];
        if (ncols > 64) {
            st = ap_fail(err, AP_ERR_INTERNAL, "sqlite: too many columns");
            goto out;
        }
        for (size_t i = 0; i < ncols; i++) {
            int t = sqlite3_column_type(stmt, (int)i);
            if (t == SQLITE_NULL) {
                cells[i] = NULL;
                lens[i] = 0;
            } else if (t == SQLITE_FLOAT) {
                /* %.17g round-trips every double; SQLite's own text form keeps 15 digits */
                double d = sqlite3_column_double(stmt, (int)i);
                if (isinf(d))
                    snprintf(reals[i], sizeof reals[i], "%s", d > 0 ? "Infinity" : "-Infinity");
                else
                    snprintf(reals[i], sizeof reals[i], "%.17g", d);
                cells[i] = reals[i];
                lens[i] = strlen(reals[i]);
            } else {
                cells[i] = (const char *)sqlite3_column_text(stmt, (int)i);
                lens[i] = (size_t)sqlite3_column_bytes(stmt, (int)i);
                if (!cells[i]) cells[i] = "";
            }
        }
        if (reg_rows_append(out, cells, lens) != AP_OK) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        st = map_error(db, rc, err, "step");
        goto out;
    }
    if (changes) *changes = sqlite3_changes64(db);
    /* a write that is now committed (COMMIT, or a statement outside a transaction) is
     * acknowledged only once its group's sync covers it */
    if (!sqlite3_stmt_readonly(stmt)) c->dirty = true;
    if (strcmp(sql, "ROLLBACK") == 0) c->dirty = false;
    if (c->dirty && sqlite3_get_autocommit(db)) {
        c->dirty = false;
        if (c->group) st = group_sync(c->group, err);
    }
out:
    if (stmt_cached(c, stmt)) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    } else {
        sqlite3_finalize(stmt);
    }
    if (st == AP_OK && rows) {
        *rows = out;
        out = NULL;
    }
    reg_rows_free(out);
    return st;
}

const reg_store_driver reg_sqlite_driver = {
    .name = "sqlite",
    .scheme = "sqlite:///",
    .migrate_lock_sql = NULL,
    .begin_write_sql = "BEGIN IMMEDIATE",
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .alive = sqlite_alive,
    .exec = sqlite_exec,
};
