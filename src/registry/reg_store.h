/* reg_store: the registry's backend store, a SQL database chosen by URI.
 *
 *   sqlite:///relative/path.db, sqlite:////absolute/path.db   embedded (the default)
 *   postgresql://user:pass@host:port/db?sslmode=...          PostgreSQL through libpq
 *
 * What it owns: a pool of connections to one database, and that database's schema, which
 * reg_store_open() creates and migrates (table schema_version holds the applied version;
 * migrations run in one transaction under a lock, so two replicas starting together
 * migrate once). Callers write portable SQL once: '?' placeholders (rewritten to $n for
 * PostgreSQL), INSERT ... ON CONFLICT, UPDATE ... RETURNING, no dialect-only functions.
 *
 * A driver is a struct of operations (reg_store_driver, in reg_store.c's drivers list)
 * over one connection: connect, exec (with typed parameters, materialising rows), close.
 * Everything else (pool, transactions, migrations, error mapping) is shared here.
 *
 * Invariants: a connection is used by one thread between acquire and release; a write is
 * one transaction begun with reg_tx_begin(c, true) (SQLite: BEGIN IMMEDIATE, so writers
 * queue on the busy timeout instead of failing on lock upgrade) and ended by commit or
 * rollback before release (release rolls back whatever was left open).
 *
 * Errors: AP_ERR_CONFLICT for a unique-key violation, AP_ERR_BUSY when the database stayed
 * locked past the busy timeout or a serialization failure, AP_ERR_UNAVAILABLE when the
 * server cannot be reached, AP_ERR_IO for everything else; the connection's err holds the
 * database's own message. */
#ifndef AP_REG_STORE_H
#define AP_REG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct reg_store reg_store;
typedef struct reg_conn reg_conn;

typedef enum reg_param_type { REG_NULL, REG_TEXT, REG_INT, REG_REAL } reg_param_type;

typedef struct reg_param {
    reg_param_type type;
    const char *s; /* REG_TEXT; borrowed; NULL is sent as SQL NULL */
    int64_t i;
    double d;
} reg_param;

/* A materialised result: nrows x ncols cells, each NUL-terminated text or NULL. */
typedef struct reg_rows {
    size_t nrows, ncols;
    char **cells; /* row-major; owned */
} reg_rows;

typedef struct reg_store_options {
    const char *uri;
    unsigned pool_size;       /* connections; at least 1 */
    unsigned busy_timeout_ms; /* SQLite: wait for the write lock this long */
    bool sqlite_sync_full;    /* SQLite: synchronous=FULL (else NORMAL; both survive kill -9) */
    bool sqlite_group_commit; /* SQLite: NORMAL plus a shared WAL fdatasync before a write
                                 returns (survives a power cut; see reg_store_sqlite.c) */
} reg_store_options;

/* Opens the pool and migrates the schema. On AP_OK *out is the store (reg_store_close
 * frees it); on failure *out is NULL and err says why (AP_ERR_CONFIG for a URI that names
 * no driver, AP_ERR_UNAVAILABLE / AP_ERR_IO from the database). */
ap_status reg_store_open(const reg_store_options *opts, reg_store **out, ap_error *err);
void reg_store_close(reg_store *s);
/* "sqlite" or "postgresql". */
const char *reg_store_kind(const reg_store *s);
/* The URI without its password (for logs and /health). Borrowed. */
const char *reg_store_display_uri(const reg_store *s);

/* Takes a connection, waiting for one to be free; reconnects a broken one first.
 * AP_ERR_UNAVAILABLE when it cannot (err says why). */
ap_status reg_conn_acquire(reg_store *s, reg_conn **out, ap_error *err);
/* Gives it back; rolls back an open transaction. Accepts NULL. */
void reg_conn_release(reg_store *s, reg_conn *c);
/* The last error of c (code and the database's message). */
const ap_error *reg_conn_error(const reg_conn *c);

ap_status reg_tx_begin(reg_conn *c, bool write);
ap_status reg_tx_commit(reg_conn *c);
void reg_tx_rollback(reg_conn *c);

/* Runs sql with params. When rows is not NULL, *rows receives the result (caller frees
 * with reg_rows_free; zero rows for a statement that returns none). *changes (may be NULL)
 * receives the rows changed by an INSERT/UPDATE/DELETE. */
ap_status reg_exec_v(reg_conn *c, const char *sql, const reg_param *params, size_t nparams,
                     reg_rows **rows, int64_t *changes);
/* The same with the parameters given by a type string, one letter each:
 * 's' const char * (NULL: SQL NULL), 'i' int64_t, 'd' double, 'n' none (SQL NULL). */
ap_status reg_exec(reg_conn *c, reg_rows **rows, int64_t *changes, const char *sql,
                   const char *types, ...);

void reg_rows_free(reg_rows *r);
/* Cell accessors: NULL / 0 for an SQL NULL. */
const char *reg_cell(const reg_rows *r, size_t row, size_t col);
int64_t reg_cell_int(const reg_rows *r, size_t row, size_t col);
double reg_cell_real(const reg_rows *r, size_t row, size_t col);

/* Runs "SELECT 1" on a pooled connection; AP_OK when the database answers. */
ap_status reg_store_ping(reg_store *s, ap_error *err);

#endif
