/* reg_store_driver: what a backend store driver implements (internal to reg_store*.c).
 * A driver's connection is opaque; reg_store.c pools them and runs transactions and
 * migrations through these operations. */
#ifndef AP_REG_STORE_DRIVER_H
#define AP_REG_STORE_DRIVER_H

#include "registry/reg_store.h"

typedef struct reg_store_driver {
    const char *name;   /* "sqlite", "postgresql" */
    const char *scheme; /* URI prefix that selects it */
    /* SQL that takes the schema-migration lock inside a transaction, or NULL when
     * BEGIN for a write already excludes other writers (SQLite). */
    const char *migrate_lock_sql;
    const char *begin_write_sql; /* "BEGIN IMMEDIATE" / "BEGIN" */
    /* Opens one connection; on failure err holds why and *out is NULL. */
    ap_status (*connect)(const reg_store_options *opts, void **out, ap_error *err);
    void (*disconnect)(void *conn);
    /* true when the connection is usable (a driver may reconnect here). */
    bool (*alive)(void *conn);
    /* Runs one statement; see reg_exec_v. Errors are recorded in err. */
    ap_status (*exec)(void *conn, const char *sql, const reg_param *params, size_t nparams,
                      reg_rows **rows, int64_t *changes, ap_error *err);
} reg_store_driver;

extern const reg_store_driver reg_sqlite_driver;
extern const reg_store_driver reg_pg_driver;

/* Allocates an empty result with ncols columns (NULL when out of memory) and appends a
 * row of cells (copied; NULL cells stay NULL). */
reg_rows *reg_rows_new(size_t ncols);
ap_status reg_rows_append(reg_rows *r, const char *const *cells, const size_t *lens);

#endif
