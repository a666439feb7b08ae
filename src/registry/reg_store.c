/* reg_store: driver selection, the connection pool, transactions and schema migrations.
 * See reg_store.h for the contract. */
#include "registry/reg_store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "registry/reg_store_driver.h"

#define MAX_POOL 256

struct reg_conn {
    const reg_store_driver *drv;
    void *db;
    bool in_tx;
    bool broken;
    ap_error err;
};

struct reg_store {
    const reg_store_driver *drv;
    reg_store_options opts;
    char *uri;
    char display_uri[512];
    pthread_mutex_t lock;
    pthread_cond_t freed;
    reg_conn *conns;
    reg_conn **idle; /* stack of free connections */
    size_t nconns, nidle;
};

static const reg_store_driver *const drivers[] = {&reg_sqlite_driver, &reg_pg_driver};

/* Schema migrations, applied in order; migrations[i] brings the schema to version i+1.
 * Append only: a released migration is never edited. Types are the portable subset:
 * BIGINT, DOUBLE PRECISION and TEXT mean the same in SQLite and PostgreSQL. The
 * counters table hands out experiment ids (UPDATE ... RETURNING inside the writing
 * transaction); registered_models.next_version does the same for a model's versions, so
 * numbers are distinct and gapless under concurrent creation on either database. */
static const char *const migrations[] = {
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);"
    "INSERT INTO counters (name, value) VALUES ('experiment', 0);"
    "CREATE TABLE experiments (experiment_id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " artifact_location TEXT NOT NULL, lifecycle_stage TEXT NOT NULL,"
    " creation_time BIGINT NOT NULL, last_update_time BIGINT NOT NULL);"
    "CREATE TABLE experiment_tags (experiment_id BIGINT NOT NULL, key TEXT NOT NULL,"
    " value TEXT NOT NULL, PRIMARY KEY (experiment_id, key));"
    "CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL,"
    " name TEXT NOT NULL, user_id TEXT NOT NULL, status TEXT NOT NULL, start_time BIGINT,"
    " end_time BIGINT, artifact_uri TEXT NOT NULL, lifecycle_stage TEXT NOT NULL,"
    " deleted_time BIGINT);"
    "CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time);"
    "CREATE TABLE metrics (run_uuid TEXT NOT NULL, key TEXT NOT NULL,"
    " value DOUBLE PRECISION NOT NULL, is_nan BIGINT NOT NULL, timestamp BIGINT NOT NULL,"
    " step BIGINT NOT NULL, PRIMARY KEY (run_uuid, key, timestamp, step, value, is_nan));"
    "CREATE TABLE latest_metrics (run_uuid TEXT NOT NULL, key TEXT NOT NULL,"
    " value DOUBLE PRECISION NOT NULL, is_nan BIGINT NOT NULL, timestamp BIGINT NOT NULL,"
    " step BIGINT NOT NULL, PRIMARY KEY (run_uuid, key));"
    "CREATE TABLE params (run_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (run_uuid, key));"
    "CREATE TABLE tags (run_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (run_uuid, key));"
    "CREATE TABLE registered_models (name TEXT PRIMARY KEY, creation_time BIGINT NOT NULL,"
    " last_updated_time BIGINT NOT NULL, description TEXT NOT NULL,"
    " next_version BIGINT NOT NULL);"
    "CREATE TABLE registered_model_tags (name TEXT NOT NULL, key TEXT NOT NULL,"
    " value TEXT NOT NULL, PRIMARY KEY (name, key));"
    "CREATE TABLE registered_model_aliases (name TEXT NOT NULL, alias TEXT NOT NULL,"
    " version BIGINT NOT NULL, PRIMARY KEY (name, alias));"
    "CREATE TABLE model_versions (name TEXT NOT NULL, version BIGINT NOT NULL,"
    " creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL,"
    " description TEXT NOT NULL, user_id TEXT NOT NULL, current_stage TEXT NOT NULL,"
    " source TEXT NOT NULL, run_id TEXT NOT NULL, run_link TEXT NOT NULL,"
    " status TEXT NOT NULL, status_message TEXT NOT NULL, PRIMARY KEY (name, version));"
    "CREATE INDEX model_versions_by_stage ON model_versions (name, current_stage);"
    "CREATE TABLE model_version_tags (name TEXT NOT NULL, version BIGINT NOT NULL,"
    " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key));",
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

reg_rows *reg_rows_new(size_t ncols)
{
    reg_rows *r = calloc(1, sizeof *r);
    if (r) r->ncols = ncols;
    return r;
}

ap_status reg_rows_append(reg_rows *r, const char *const *cells, const size_t *lens)
{
    if (r->ncols && r->nrows + 1 > SIZE_MAX / r->ncols / sizeof(char *)) return AP_ERR_NOMEM;
    char **grown = realloc(r->cells, (r->nrows + 1) * r->ncols * sizeof(char *) + 1);
    if (!grown) return AP_ERR_NOMEM;
    r->cells = grown;
    char **row = r->cells + r->nrows * r->ncols;
    for (size_t i = 0; i < r->ncols; i++) {
        row[i] = NULL;
        if (!cells[i]) continue;
        row[i] = malloc(lens[i] + 1);
        if (!row[i]) {
            for (size_t j = 0; j < i; j++)
                free(row[j]);
            return AP_ERR_NOMEM;
        }
        memcpy(row[i], cells[i], lens[i]);
        row[i][lens[i]] = '\0';
    }
    r->nrows++;
    return AP_OK;
}

void reg_rows_free(reg_rows *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    free(r);
}

const char *reg_cell(const reg_rows *r, size_t row, size_t col)
{
    if (!r || row >= r->nrows || col >= r->ncols) return NULL;
    return r->cells[row * r->ncols + col];
}

int64_t reg_cell_int(const reg_rows *r, size_t row, size_t col)
{
    const char *s = reg_cell(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

double reg_cell_real(const reg_rows *r, size_t row, size_t col)
{
    const char *s = reg_cell(r, row, col);
    return s ? strtod(s, NULL) : 0.0;
}

const ap_error *reg_conn_error(const reg_conn *c)
{
    return &c->err;
}

ap_status reg_exec_v(reg_conn *c, const char *sql, const reg_param *params, size_t nparams,
                     reg_rows **rows, int64_t *changes)
{
    if (rows) *rows = NULL;
    if (changes) *changes = 0;
    ap_status st = c->drv->exec(c->db, sql, params, nparams, rows, changes, &c->err);
    if (st == AP_ERR_UNAVAILABLE) c->broken = true;
    return st;
}

ap_status reg_exec(reg_conn *c, reg_rows **rows, int64_t *changes, const char *sql,
                   const char *types, ...)
{
    reg_param params[32];
    size_t n = strlen(types);
    if (n > sizeof params / sizeof params[0])
        return ap_fail(&c->err, AP_ERR_INTERNAL, "store: too many parameters");
    va_list ap;
    va_start(ap, types);
    for (size_t i = 0; i < n; i++) {
        switch (types[i]) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            params[i] = (reg_param){.type = s ? REG_TEXT : REG_NULL, .s = s};
            break;
        }
        case 'i':
            params[i] = (reg_param){.type = REG_INT, .i = va_arg(ap, int64_t)};
            break;
        case 'd':
            params[i] = (reg_param){.type = REG_REAL, .d = va_arg(ap, double)};
            break;
        default:
            params[i] = (reg_param){.type = REG_NULL};
            break;
        }
    }
    va_end(ap);
    return reg_exec_v(c, sql, params, n, rows, changes);
}

ap_status reg_tx_begin(reg_conn *c, bool write)
{
    ap_status st = reg_exec(c, NULL, NULL, write ? c->drv->begin_write_sql : "BEGIN", "");
    if (st == AP_OK) c->in_tx = true;
    return st;
}

ap_status reg_tx_commit(reg_conn *c)
{
    ap_status st = reg_exec(c, NULL, NULL, "COMMIT", "");
    if (st != AP_OK) {
        ap_error keep = c->err;
        reg_tx_rollback(c);
        c->err = keep;
        return st;
    }
    c->in_tx = false;
    return AP_OK;
}

void reg_tx_rollback(reg_conn *c)
{
    if (!c->in_tx) return;
    ap_error keep = c->err;
    if (reg_exec(c, NULL, NULL, "ROLLBACK", "") != AP_OK) c->broken = true;
    c->err = keep;
    c->in_tx = false;
}

const char *reg_store_kind(const reg_store *s)
{
    return s->drv->name;
}

const char *reg_store_display_uri(const reg_store *s)
{
    return s->display_uri;
}

ap_status reg_conn_acquire(reg_store *s, reg_conn **out, ap_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&s->lock);
    while (s->nidle == 0)
        pthread_cond_wait(&s->freed, &s->lock);
    reg_conn *c = s->idle[--s->nidle];
    pthread_mutex_unlock(&s->lock);

    ap_error_clear(&c->err);
    if (c->broken || !c->db || !s->drv->alive(c->db)) {
        s->drv->disconnect(c->db);
        c->db = NULL;
        ap_status st = s->drv->connect(&s->opts, &c->db, &c->err);
        if (st != AP_OK) {
            if (err) *err = c->err;
            reg_conn_release(s, c);
            return st;
        }
        c->broken = false;
    }
    *out = c;
    return AP_OK;
}

void reg_conn_release(reg_store *s, reg_conn *c)
{
    if (!c) return;
    if (c->in_tx) reg_tx_rollback(c);
    pthread_mutex_lock(&s->lock);
    s->idle[s->nidle++] = c;
    pthread_cond_signal(&s->freed);
    pthread_mutex_unlock(&s->lock);
}

/* Splits a migration into statements at ';' (no migration has a ';' inside a literal). */
static ap_status run_script(reg_conn *c, const char *script)
{
    char stmt[4096];
    const char *p = script;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n >= sizeof stmt) return ap_fail(&c->err, AP_ERR_INTERNAL, "migration too long");
        memcpy(stmt, p, n);
        stmt[n] = '\0';
        if (strspn(stmt, " \n\t") != n) {
            ap_status st = reg_exec(c, NULL, NULL, stmt, "");
            if (st != AP_OK) return st;
        }
        p += n + (end ? 1 : 0);
    }
    return AP_OK;
}

/* Brings the schema to the newest version, in one transaction. */
static ap_status migrate(reg_store *s, ap_error *err)
{
    reg_conn *c;
    ap_status st = reg_conn_acquire(s, &c, err);
    if (st != AP_OK) return st;
    reg_rows *rows = NULL;
    int64_t version = 0;
    st = reg_tx_begin(c, true);
    if (st == AP_OK && s->drv->migrate_lock_sql)
        st = reg_exec(c, NULL, NULL, s->drv->migrate_lock_sql, "");
    if (st == AP_OK)
        st = reg_exec(c, NULL, NULL,
                      "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", "");
    if (st == AP_OK) st = reg_exec(c, &rows, NULL, "SELECT max(version) FROM schema_version", "");
    if (st == AP_OK) version = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    if (st == AP_OK && version > (int64_t)NMIGRATIONS)
        st = ap_fail(&c->err, AP_ERR_CONFIG,
                     "schema version %lld is newer than this binary's %zu; upgrade aipipe",
                     (long long)version, NMIGRATIONS);
    for (size_t v = (size_t)(version > 0 ? version : 0); st == AP_OK && v < NMIGRATIONS; v++) {
        st = run_script(c, migrations[v]);
        if (st == AP_OK)
            st = reg_exec(c, NULL, NULL, "INSERT INTO schema_version (version) VALUES (?)", "i",
                          (int64_t)(v + 1));
        if (st == AP_OK) log_info("store: schema migrated to version %zu", v + 1);
    }
    if (st == AP_OK) st = reg_tx_commit(c);
    if (st != AP_OK && err) {
        *err = c->err;
        err->code = st;
    }
    reg_conn_release(s, c);
    return st;
}

/* Hides the password of a postgresql:// URI. */
static void display_uri(const char *uri, char *out, size_t size)
{
    const char *at = strchr(uri, '@');
    const char *scheme_end = strstr(uri, "://");
    const char *colon = scheme_end ? strchr(scheme_end + 3, ':') : NULL;
    if (at && colon && colon < at)
        snprintf(out, size, "%.*s:***%s", (int)(colon - uri), uri, at);
    else
        snprintf(out, size, "%s", uri);
}

ap_status reg_store_open(const reg_store_options *opts, reg_store **out, ap_error *err)
{
    *out = NULL;
    const reg_store_driver *drv = NULL;
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
        if (strncmp(opts->uri, drivers[i]->scheme, strlen(drivers[i]->scheme)) == 0)
            drv = drivers[i];
    if (!drv && strncmp(opts->uri, "postgres://", 11) == 0) drv = &reg_pg_driver;
    if (!drv)
        return ap_fail(err, AP_ERR_CONFIG,
                       "backend store URI '%s': expected sqlite:///PATH or postgresql://...",
                       opts->uri);
    reg_store *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    s->drv = drv;
    s->opts = *opts;
    s->uri = strdup(opts->uri);
    s->opts.uri = s->uri;
    display_uri(opts->uri, s->display_uri, sizeof s->display_uri);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->freed, NULL);
    size_t n = opts->pool_size ? opts->pool_size : 1;
    if (n > MAX_POOL) n = MAX_POOL;
    s->conns = calloc(n, sizeof *s->conns);
    s->idle = calloc(n, sizeof *s->idle);
    ap_status st = AP_OK;
    if (!s->uri || !s->conns || !s->idle) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    s->nconns = n;
    /* The first connection is opened now so that a wrong URI fails at start-up; the others
     * open on first use. */
    st = drv->connect(&s->opts, &s->conns[0].db, err);
    if (st != AP_OK) goto fail;
    for (size_t i = n; i-- > 0;) {
        s->conns[i].drv = drv;
        s->idle[s->nidle++] = &s->conns[i];
    }
    st = migrate(s, err);
    if (st != AP_OK) goto fail;
    *out = s;
    return AP_OK;
fail:
    reg_store_close(s);
    return st;
}

void reg_store_close(reg_store *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i].db) s->drv->disconnect(s->conns[i].db);
    free(s->conns);
    free(s->idle);
    free(s->uri);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->freed);
    free(s);
}

ap_status reg_store_ping(reg_store *s, ap_error *err)
{
    reg_conn *c;
    ap_status st = reg_conn_acquire(s, &c, err);
    if (st != AP_OK) return st;
    st = reg_exec(c, NULL, NULL, "SELECT 1", "");
    if (st != AP_OK && err) *err = c->err;
    reg_conn_release(s, c);
    return st;
}
