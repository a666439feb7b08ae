/* reg_store_pg: the PostgreSQL backend store driver (libpq).
 *
 * URI: postgresql://user:password@host:port/dbname?param=value (libpq's own URI form, so
 * every libpq parameter works, host=/socket/dir included). Parameters travel as text with
 * unspecified types, so the server infers each from its use, the same as a literal.
 *
 * Transactions run at READ COMMITTED: the counters that hand out ids are single rows
 * updated with UPDATE ... RETURNING, which takes the row lock and serialises creators,
 * so no retry loop is needed. A unique violation (23505) is AP_ERR_CONFLICT; a
 * serialization failure or deadlock (40001, 40P01) AP_ERR_BUSY; a lost connection
 * AP_ERR_UNAVAILABLE (the pool reconnects it on next acquire).
 *
 * Each connection keeps up to STMT_CACHE server-side prepared statements (PQprepare, named
 * s1, s2, ...) for its SELECT/INSERT/UPDATE/DELETE texts, least recently used evicted with
 * DEALLOCATE, so a repeated statement skips parsing and planning on the server. A new
 * connection starts with an empty cache (a reconnect loses the server's statements too). */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/reg_store_driver.h"

#define MAX_PARAMS 4096
#define STMT_CACHE 48

typedef struct pg_cached {
    char *sql; /* NULL: free slot */
    char name[16];
    uint64_t used;
} pg_cached;

typedef struct pg_conn {
    PGconn *pg;
    uint64_t clock;
    unsigned next_id;
    pg_cached cache[STMT_CACHE];
} pg_conn;

static ap_status pg_connect(const reg_store_options *opts, void **out, ap_error *err)
{
    *out = NULL;
    PGconn *pg = PQconnectdb(opts->uri);
    if (!pg) return ap_fail(err, AP_ERR_NOMEM, "postgresql: out of memory");
    if (PQstatus(pg) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(pg);
        return ap_fail(err, AP_ERR_UNAVAILABLE, "postgresql: cannot connect: %s", msg);
    }
    PGresult *r = PQexec(pg, "SET client_min_messages = warning; SET extra_float_digits = 3");
    PQclear(r);
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        PQfinish(pg);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    c->pg = pg;
    *out = c;
    return AP_OK;
}

static void pg_disconnect(void *conn)
{
    pg_conn *c = conn;
    if (!c) return;
    for (size_t i = 0; i < STMT_CACHE; i++)
        free(c->cache[i].sql);
    PQfinish(c->pg);
    free(c);
}

static bool pg_alive(void *conn)
{
    pg_conn *c = conn;
    return c && PQstatus(c->pg) == CONNECTION_OK;
}

/* Statements worth preparing: the data statements (DDL changes what plans depend on). */
static bool cacheable(const char *sql)
{
    static const char *const kinds[] = {"SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH "};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strncmp(sql, kinds[i], strlen(kinds[i])) == 0) return true;
    return false;
}

/* The prepared statement's name for sql, preparing it (text has $n placeholders) when it is
 * not cached. NULL with *res set to the failed PQprepare result, or NULL with *res NULL
 * when sql is not cacheable or memory ran out (the caller runs it unprepared). */
static const char *prepared(pg_conn *c, const char *sql, const char *text, int nparams,
                            PGresult **res)
{
    *res = NULL;
    if (!cacheable(sql)) return NULL;
    size_t victim = 0;
    c->clock++;
    for (size_t i = 0; i < STMT_CACHE; i++) {
        if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].used = c->clock;
            return c->cache[i].name;
        }
        if (c->cache[i].used < c->cache[victim].used) victim = i;
    }
    pg_cached *slot = &c->cache[victim];
    char *copy = strdup(sql);
    if (!copy) return NULL;
    if (slot->sql) {
        char dealloc[40];
        snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", slot->name);
        PQclear(PQexec(c->pg, dealloc)); /* fails only in an aborted transaction: a leak
                                             on the server until the connection closes */
        free(slot->sql);
        slot->sql = NULL;
        slot->used = 0;
    }
    snprintf(slot->name, sizeof slot->name, "s%u", ++c->next_id);
    PGresult *r = PQprepare(c->pg, slot->name, text, nparams, NULL);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        free(copy);
        *res = r;
        return NULL;
    }
    PQclear(r);
    slot->sql = copy;
    slot->used = c->clock;
    return slot->name;
}

/* Rewrites '?' placeholders to $1, $2, ... outside quoted text; caller frees. */
static char *rewrite_placeholders(const char *sql)
{
    size_t n = strlen(sql), q = 0;
    for (size_t i = 0; i < n; i++)
        q += sql[i] == '?';
    char *out = malloc(n + q * 6 + 1);
    if (!out) return NULL;
    size_t o = 0, idx = 0;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = sql[i];
        if (quote) {
            if (ch == quote) quote = 0;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '?') {
            o += (size_t)snprintf(out + o, 8, "$%zu", ++idx); /* at most 6 bytes per ? */
            continue;
        }
        out[o++] = ch;
    }
    out[o] = '\0';
    return out;
}

static ap_status pg_exec(void *conn, const char *sql, const reg_param *params, size_t nparams,
                         reg_rows **rows, int64_t *changes, ap_error *err)
{
    pg_conn *c = conn;
    PGconn *pg = c->pg;
    if (nparams > MAX_PARAMS) return ap_fail(err, AP_ERR_INTERNAL, "postgresql: too many params");
    char *text = rewrite_placeholders(sql);
    const char **values = calloc(nparams + 1, sizeof *values);
    char(*bufs)[40] = calloc(nparams + 1, sizeof *bufs);
    reg_rows *out = NULL;
    PGresult *res = NULL;
    ap_status st = AP_OK;
    if (!text || !values || !bufs) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case REG_TEXT:
            values[i] = params[i].s;
            break;
        case REG_INT:
            snprintf(bufs[i], sizeof bufs[i], "%lld", (long long)params[i].i);
            values[i] = bufs[i];
            break;
        case REG_REAL:
            if (isnan(params[i].d))
                snprintf(bufs[i], sizeof bufs[i], "NaN");
            else if (isinf(params[i].d))
                snprintf(bufs[i], sizeof bufs[i], "%s", params[i].d > 0 ? "Infinity" : "-Infinity");
            else
                snprintf(bufs[i], sizeof bufs[i], "%.17g", params[i].d);
            values[i] = bufs[i];
            break;
        default:
            values[i] = NULL;
            break;
        }
    }
    const char *name = prepared(c, sql, text, (int)nparams, &res);
    if (name)
        res = PQexecPrepared(pg, name, (int)nparams, values, NULL, NULL, 0);
    else if (!res)
        res = PQexecParams(pg, text, (int)nparams, NULL, values, NULL, NULL, 0);
    ExecStatusType rs = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        char msg[200];
        snprintf(msg, sizeof msg, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
        msg[strcspn(msg, "\n")] = '\0';
        st = AP_ERR_IO;
        if (PQstatus(pg) != CONNECTION_OK)
            st = AP_ERR_UNAVAILABLE;
        else if (state && strcmp(state, "23505") == 0)
            st = AP_ERR_CONFLICT;
        else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
            st = AP_ERR_BUSY;
        ap_fail(err, st, "postgresql: %s", msg);
        goto out;
    }
    if (changes) {
        const char *ct = PQcmdTuples(res);
        *changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
    }
    if (rows) {
        size_t ncols = (size_t)PQnfields(res), nrows = (size_t)PQntuples(res);
        out = reg_rows_new(ncols);
        if (!out || ncols > 64) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t r = 0; r < nrows; r++) {
            const char *cells[64];
            size_t lens[64];
            for (size_t col = 0; col < ncols; col++) {
                bool null = PQgetisnull(res, (int)r, (int)col);
                cells[col] = null ? NULL : PQgetvalue(res, (int)r, (int)col);
                lens[col] = null ? 0 : (size_t)PQgetlength(res, (int)r, (int)col);
            }
            if (reg_rows_append(out, cells, lens) != AP_OK) {
                st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
                goto out;
            }
        }
        *rows = out;
        out = NULL;
    }
out:
    PQclear(res);
    reg_rows_free(out);
    free(text);
    free(values);
    free(bufs);
    return st;
}

const reg_store_driver reg_pg_driver = {
    .name = "postgresql",
    .scheme = "postgresql://",
    /* One key for aipipe's schema: replicas starting together migrate one after another. */
    .migrate_lock_sql = "SELECT pg_advisory_xact_lock(7193)",
    .begin_write_sql = "BEGIN",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .alive = pg_alive,
    .exec = pg_exec,
};
