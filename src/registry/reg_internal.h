/* reg_internal: what the registry's source files share (server context, the call of one
 * API request, argument and error helpers). Not a public surface. */
#ifndef AP_REG_INTERNAL_H
#define AP_REG_INTERNAL_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/http.h"
#include "core/metrics.h"
#include "registry/reg_filter.h"
#include "registry/reg_store.h"

typedef struct reg_ctx {
    cfg *cfg;
    reg_store *store;
    metrics *metrics;
    const char *artifact_root;   /* default artifact root of new experiments */
    struct art_store *artifacts; /* the proxied artifact store, or NULL (reg_artifacts.c) */
    size_t max_artifact_bytes;   /* largest artifact a download reads into memory */
    size_t max_results;          /* cap of max_results in searches */
    double started;
    atomic_bool draining;
    metric *store_errors; /* registry_store_errors_total{kind} */
    metric *tx_retries;   /* registry_store_retries_total */
} reg_ctx;

/* One API request in flight: its arguments (validated against the endpoint's fields), the
 * connection it runs on (inside a transaction for writes) and the result object. */
typedef struct reg_call {
    reg_ctx *ctx;
    reg_conn *conn;
    const http_request *req;
    json_t *args;   /* borrowed; every member has the type its field declared */
    json_t *result; /* owned by the dispatcher; handlers add members */
    http_response *resp;
    const char *error_code; /* MLflow error code of a failure; NULL: from the status */
} reg_call;

typedef enum reg_field_type {
    RF_STRING,
    RF_INT,    /* int64; JSON number or decimal string */
    RF_DOUBLE, /* number, or "NaN", "Infinity", "-Infinity" */
    RF_BOOL,
    RF_STRINGS, /* array of strings (repeated query argument) */
    RF_OBJECTS, /* array of objects */
} reg_field_type;

typedef struct reg_field {
    const char *name;
    reg_field_type type;
    bool required;
} reg_field;

#define REG_MAX_FIELDS 12

typedef ap_status (*reg_api_fn)(reg_call *call);

typedef struct reg_endpoint {
    const char *method;
    const char *path; /* after /api/2.0/mlflow/ */
    reg_api_fn fn;
    bool write; /* runs in one write transaction, retried when the store was busy */
    reg_field fields[REG_MAX_FIELDS];
} reg_endpoint;

extern const reg_endpoint reg_tracking_endpoints[];
extern const size_t reg_tracking_nendpoints;
extern const reg_endpoint reg_model_endpoints[];
extern const size_t reg_model_nendpoints;

/* The proxied artifact routes (/api/2.0/mlflow-artifacts/artifacts[/...]) and the
 * artifacts/list endpoint (reg_artifacts.c). */
ap_status reg_artifacts_handle(void *ctx, const http_request *req, http_response *resp);
ap_status reg_artifacts_list(reg_call *call);

/* The generic handler of every MLflow route (reg_api.c). */
ap_status reg_api_dispatch(void *ctx, const http_request *req, http_response *resp);
/* The MLflow error body formatter (http_options.error_body). */
json_t *reg_api_error_body(void *ctx, ap_status st, const char *message, const json_t *details,
                           int *http_code);

/* Fails the call: st picks the HTTP code, error_code MLflow's code (NULL: derived). */
ap_status reg_fail(reg_call *c, ap_status st, const char *error_code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fails the call with the store's last error. */
ap_status reg_fail_db(reg_call *c, ap_status st);

/* Arguments: NULL / false when absent. */
const char *reg_arg_str(const reg_call *c, const char *name);
bool reg_arg_int(const reg_call *c, const char *name, int64_t *out);
bool reg_arg_bool(const reg_call *c, const char *name, bool def);
json_t *reg_arg(const reg_call *c, const char *name);

int64_t reg_now_ms(void);
/* A 32-hex-digit random id (run ids). out holds 33 bytes. */
void reg_new_uuid(char out[33]);

/* Paging: MLflow's page tokens are base64 of {"offset": N}. */
bool reg_page_token_decode(const char *token, int64_t *offset);
char *reg_page_token_encode(int64_t offset); /* caller frees */
/* max_results of a search: default def, capped by ctx->max_results; false when invalid. */
bool reg_max_results(reg_call *c, int64_t def, int64_t cap, int64_t *out);
/* A search's page: max_results (as reg_max_results) and the offset its page_token holds.
 * false (error set on c) when either is invalid. */
bool reg_page_args(reg_call *c, int64_t def, int64_t cap, int64_t *max, int64_t *offset);
/* Sets next_page_token on the result when a page of max fetched nrows (max + 1: more). */
void reg_set_next_page(reg_call *c, size_t nrows, int64_t max, int64_t offset);

/* After a lookup of one object: AP_OK when *rows holds a row; otherwise frees *rows (NULL
 * after) and fails the call with RESOURCE_DOES_NOT_EXIST and the message. */
ap_status reg_need_row(reg_call *c, reg_rows **rows, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Growable SQL text with its parameters, for searches built from filters. */
typedef struct reg_sql {
    char *text;
    size_t len, cap;
    reg_param *params;
    size_t nparams, pcap;
    bool oom;
    reg_filter filter; /* reg_sql_filter's clauses: params point into them until the free */
} reg_sql;

void reg_sql_add(reg_sql *q, const char *text);
void reg_sql_text(reg_sql *q, const char *s);
void reg_sql_int(reg_sql *q, int64_t v);
void reg_sql_real(reg_sql *q, double v);
void reg_sql_free(reg_sql *q);
/* Appends " LIMIT ? OFFSET ?" fetching one row more than a page of max, so that
 * reg_set_next_page can see whether another page follows. */
void reg_sql_page(reg_sql *q, int64_t max, int64_t offset);
/* Runs the statement built in q (q is kept); out of memory while building it or a store
 * error fails the call. rows and changes as reg_exec_v. */
ap_status reg_sql_run(reg_call *c, const reg_sql *q, reg_rows **rows, int64_t *changes);
/* Appends "lhs OP ?" for one clause's value against a text or numeric column, with LIKE,
 * ILIKE, IN and NOT IN; false (err set) when the operator does not fit the column. */
bool reg_sql_compare(reg_sql *q, const char *lhs, const reg_clause *cl, bool numeric, char *err,
                     size_t errsize);

/* A searchable attribute: its name in filters and order_by, its SQL column, and whether it
 * compares as a number. Tables of them end with {NULL}. */
typedef struct reg_column {
    const char *key, *col;
    bool numeric;
} reg_column;
const reg_column *reg_column_find(const reg_column *cols, const char *key);

/* How a search's filter clauses become SQL: an attribute compares its column (attrs); a
 * metric, param or tag clause is an EXISTS over that kind's key/value table: sub[kind].exists
 * is the subquery's text up to "key = ? AND " and value the column compared (numeric for
 * metrics). NULL exists: the search has no such keys. A key it does not know is refused
 * as unknown[0] key unknown[1]. */
typedef struct reg_search_keys {
    const reg_column *attrs;
    struct {
        const char *exists, *value;
    } sub[REG_TAG + 1];
    const char *unknown[2];
} reg_search_keys;
/* Appends " AND <condition>" for every clause of the filter argument. false (error set on
 * c) when it does not parse or does not fit keys. */
bool reg_sql_filter(reg_call *c, reg_sql *q, const reg_search_keys *keys);

/* A search answered as a page of rows: experiments, registered models, model versions. */
typedef struct reg_search {
    const reg_search_keys *filter; /* NULL: the search takes no filter */
    const reg_column *order;       /* attributes order_by may name */
    const char *order_expected;    /* after "Invalid order_by key 'k'" */
    const char *order_last;        /* the ORDER BY terms after the requested ones */
    const char *member;            /* the result's list */
    json_t *(*item)(reg_call *c, const reg_rows *r, size_t i); /* new reference */
} reg_search;
/* Completes the SELECT ... WHERE <conditions> in q (kept) with the filter, the order and
 * the page of max rows at offset, runs it and answers its rows as s->member, with
 * next_page_token when more follow. */
ap_status reg_search_run(reg_call *c, reg_sql *q, const reg_search *s, int64_t max, int64_t offset);

/* Tags as MLflow's [{"key","value"}] list from rows (key, value) (new reference). */
json_t *reg_kv_list(const reg_rows *rows, size_t key_col, size_t value_col);
/* Validates a tags argument ([{"key","value"}]); false (error set on c) when malformed. */
bool reg_check_tags(reg_call *c, json_t *tags, const char *what);

#endif
