/* reg_store_sqlite: the embedded backend store driver (SQLite, WAL journal).
 *
 * URI: sqlite:///relative/path or sqlite:////absolute/path (three slashes, then the path,
 * as SQLAlchemy and MLflow write it). The directory is created when missing.
 *
 * Durability: WAL with synchronous=NORMAL already survives kill -9 of the process (the
 * WAL is in the OS cache when COMMIT returns); synchronous=FULL, the default, also
 * survives a power cut. Writers queue on busy_timeout_ms; readers never block writers. */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/reg_store_driver.h"

static int mkdir_parents(const char *path)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return 0;
    *slash = '\0';
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
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
    if (strcmp(path, ":memory:") != 0 && mkdir_parents(path) != 0)
        return ap_fail(err, AP_ERR_IO, "sqlite: cannot create the directory of '%s': %s", path,
                       strerror(errno));
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
             opts->sqlite_sync_full ? "FULL" : "NORMAL");
    char *msg = NULL;
    rc = sqlite3_exec(db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        ap_status st = ap_fail(err, AP_ERR_IO, "sqlite: '%s': %s", path, msg ? msg : "pragma");
        sqlite3_free(msg);
        sqlite3_close(db);
        return st;
    }
    *out = db;
    return AP_OK;
}

static void sqlite_disconnect(void *conn)
{
    if (conn) sqlite3_close(conn);
}

static bool sqlite_alive(void *conn)
{
    return conn != NULL;
}

static ap_status sqlite_exec(void *conn, const char *sql, const reg_param *params, size_t nparams,
                             reg_rows **rows, int64_t *changes, ap_error *err)
{
    sqlite3 *db = conn;
    sqlite3_stmt *stmt = NULL;
    reg_rows *out = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
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
out:
    sqlite3_finalize(stmt);
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
