/* reg_api: the MLflow REST API's plumbing. One generic handler serves every MLflow route:
 * it finds the endpoint (method + path under /api/2.0/mlflow/ or /ajax-api/2.0/mlflow/),
 * validates the arguments against the endpoint's fields (query string for GET, JSON body
 * otherwise; unknown fields, wrong types and missing required ones are
 * INVALID_PARAMETER_VALUE), runs the endpoint on a pooled connection (a write inside one
 * transaction, retried up to REG_RETRIES times when the store was busy) and answers its
 * result object. Errors leave as MLflow's {"error_code", "message"} through
 * reg_api_error_body, which core/http calls for every failed request. */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "core/upload.h"
#include "registry/reg_internal.h"

#define REG_RETRIES     4
#define MAX_QUERY_PAIRS 256

int64_t reg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void reg_new_uuid(char out[33])
{
    unsigned char rnd[16] = {0};
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        /* No entropy source: time and address still make the id unique enough in-process. */
        int64_t t = reg_now_ms() ^ (int64_t)(uintptr_t)out;
        memcpy(rnd, &t, sizeof t);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        memcpy(rnd + 8, &ts.tv_nsec, sizeof ts.tv_nsec);
    }
    rnd[6] = (unsigned char)((rnd[6] & 0x0f) | 0x40); /* version 4 */
    rnd[8] = (unsigned char)((rnd[8] & 0x3f) | 0x80);
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(out + 2 * i, 3, "%02x", rnd[i]);
}

/* --- errors ----------------------------------------------------------------------------- */

static const struct {
    const char *code;
    int http;
} error_codes[] = {
    {"RESOURCE_DOES_NOT_EXIST", 404},
    {"RESOURCE_ALREADY_EXISTS", 400},
    {"INVALID_PARAMETER_VALUE", 400},
    {"INVALID_STATE", 400},
    {"BAD_REQUEST", 400},
    {"ENDPOINT_NOT_FOUND", 404},
    {"REQUEST_LIMIT_EXCEEDED", 429},
    {"TEMPORARILY_UNAVAILABLE", 503},
    {"INTERNAL_ERROR", 500},
    {"PERMISSION_DENIED", 403},
};

ap_status reg_fail(reg_call *c, ap_status st, const char *error_code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[sizeof c->resp->error_msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->error_code = error_code;
    return http_error(c->resp, st, error_code ? json_pack("{s:s}", "error_code", error_code) : NULL,
                      "%s", msg);
}

ap_status reg_fail_db(reg_call *c, ap_status st)
{
    const ap_error *e = reg_conn_error(c->conn);
    if (st == AP_ERR_CONFLICT) return reg_fail(c, st, "RESOURCE_ALREADY_EXISTS", "%s", e->msg);
    if (st == AP_ERR_BUSY || st == AP_ERR_UNAVAILABLE)
        return reg_fail(c, st, "TEMPORARILY_UNAVAILABLE", "backend store: %s", e->msg);
    return reg_fail(c, st == AP_OK ? AP_ERR_IO : st, "INTERNAL_ERROR", "backend store: %s", e->msg);
}

json_t *reg_api_error_body(void *ctx, ap_status st, const char *message, const json_t *details,
                           int *http_code)
{
    (void)ctx;
    const char *code = NULL;
    json_t *given = details ? json_object_get(details, "error_code") : NULL;
    if (json_is_string(given)) {
        code = json_string_value(given);
        for (size_t i = 0; i < sizeof error_codes / sizeof error_codes[0]; i++)
            if (strcmp(code, error_codes[i].code) == 0 && st != AP_ERR_IO && st != AP_ERR_BUSY &&
                st != AP_ERR_UNAVAILABLE)
                *http_code = error_codes[i].http;
    } else {
        switch (st) {
        case AP_ERR_INVALID:
            code = "INVALID_PARAMETER_VALUE";
            break;
        case AP_ERR_NOT_FOUND:
            code = "ENDPOINT_NOT_FOUND";
            break;
        case AP_ERR_CONFLICT:
            code = "RESOURCE_ALREADY_EXISTS";
            *http_code = 400;
            break;
        case AP_ERR_METHOD:
            code = "ENDPOINT_NOT_FOUND";
            break;
        case AP_ERR_TOO_LARGE:
            code = "INVALID_PARAMETER_VALUE";
            break;
        case AP_ERR_RATE_LIMITED:
            code = "REQUEST_LIMIT_EXCEEDED";
            break;
        case AP_ERR_BUSY:
        case AP_ERR_UNAVAILABLE:
        case AP_ERR_TIMEOUT:
            code = "TEMPORARILY_UNAVAILABLE";
            break;
        default:
            code = "INTERNAL_ERROR";
            break;
        }
    }
    return json_pack("{s:s,s:s}", "error_code", code, "message", message);
}

/* --- arguments -------------------------------------------------------------------------- */

json_t *reg_arg(const reg_call *c, const char *name)
{
    json_t *v = json_object_get(c->args, name);
    return json_is_null(v) ? NULL : v;
}

const char *reg_arg_str(const reg_call *c, const char *name)
{
    return json_string_value(reg_arg(c, name));
}

bool reg_arg_int(const reg_call *c, const char *name, int64_t *out)
{
    json_t *v = reg_arg(c, name);
    if (!json_is_integer(v)) return false;
    *out = json_integer_value(v);
    return true;
}

bool reg_arg_bool(const reg_call *c, const char *name, bool def)
{
    json_t *v = reg_arg(c, name);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

static bool parse_int(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end) return false;
    *out = v;
    return true;
}

/* Converts v (from JSON or a query string) to the field's type; NULL when it does not fit. */
static json_t *coerce(const reg_field *f, json_t *v, bool from_query)
{
    switch (f->type) {
    case RF_STRING:
        if (json_is_string(v)) return json_incref(v);
        if (json_is_integer(v)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            return json_string(buf);
        }
        return NULL;
    case RF_INT: {
        int64_t i;
        if (json_is_integer(v)) return json_incref(v);
        if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
            fabs(json_real_value(v)) < 9.2e18)
            return json_integer((json_int_t)json_real_value(v));
        if (json_is_string(v) && parse_int(json_string_value(v), &i)) return json_integer(i);
        return NULL;
    }
    case RF_DOUBLE:
        if (json_is_number(v)) return json_incref(v);
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            char *end;
            strtod(s, &end);
            if (*s && !*end) return json_incref(v); /* kept as text: NaN has no JSON form */
        }
        return NULL;
    case RF_BOOL:
        if (json_is_boolean(v)) return json_incref(v);
        if (json_is_string(v)) {
            if (strcasecmp(json_string_value(v), "true") == 0) return json_true();
            if (strcasecmp(json_string_value(v), "false") == 0) return json_false();
        }
        return NULL;
    case RF_STRINGS:
        if (from_query && json_is_string(v)) return json_pack("[O]", v);
        if (!json_is_array(v)) return NULL;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i))) return NULL;
        return json_incref(v);
    case RF_OBJECTS:
        if (!json_is_array(v)) return NULL;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!json_is_object(json_array_get(v, i))) return NULL;
        return json_incref(v);
    }
    return NULL;
}

static const reg_field *find_field(const reg_endpoint *ep, const char *name)
{
    for (size_t i = 0; i < REG_MAX_FIELDS && ep->fields[i].name; i++)
        if (strcmp(ep->fields[i].name, name) == 0) return &ep->fields[i];
    return NULL;
}

typedef struct query_pairs {
    const char *key[MAX_QUERY_PAIRS];
    const char *value[MAX_QUERY_PAIRS];
    size_t n;
    bool overflow;
} query_pairs;

static void collect_pair(void *cls, const char *key, const char *value)
{
    query_pairs *q = cls;
    if (q->n >= MAX_QUERY_PAIRS) {
        q->overflow = true;
        return;
    }
    q->key[q->n] = key;
    q->value[q->n] = value ? value : "";
    q->n++;
}

static ap_status bad_value(reg_call *c, const char *name, json_t *v)
{
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    ap_status st =
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid value %s for parameter '%s' supplied.", text ? text : "?", name);
    free(text);
    return st;
}

/* Builds c->args from the query string and the JSON body. */
static ap_status parse_args(reg_call *c, const reg_endpoint *ep)
{
    json_t *args = json_object();
    if (!args) return reg_fail(c, AP_ERR_NOMEM, "INTERNAL_ERROR", "out of memory");
    c->args = args;

    query_pairs q = {.n = 0};
    http_req_query_each(c->req, collect_pair, &q);
    if (q.overflow)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "too many query arguments");
    for (size_t i = 0; i < q.n; i++) {
        const reg_field *f = find_field(ep, q.key[i]);
        if (!f)
            return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                            "Invalid request: unknown parameter '%s'.", q.key[i]);
        json_t *raw = json_string(q.value[i]);
        json_t *v = raw ? coerce(f, raw, true) : NULL;
        if (!v) {
            ap_status st = bad_value(c, f->name, raw);
            json_decref(raw);
            return st;
        }
        json_decref(raw);
        json_t *prev = json_object_get(args, f->name);
        if (f->type == RF_STRINGS && json_is_array(prev))
            json_array_extend(prev, v), json_decref(v);
        else
            json_object_set_new(args, f->name, v);
    }

    const char *body = (const char *)c->req->body;
    size_t skip = 0;
    while (skip < c->req->body_len && isspace((unsigned char)body[skip]))
        skip++;
    if (skip < c->req->body_len && strcmp(c->req->method, "GET") != 0) {
        json_error_t jerr;
        json_t *in = json_loadb(body, c->req->body_len, 0, &jerr);
        if (!in)
            return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                            "Malformed JSON in request body: %s (line %d, column %d)", jerr.text,
                            jerr.line, jerr.column);
        if (!json_is_object(in)) {
            json_decref(in);
            return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                            "Malformed request: the body must be a JSON object");
        }
        const char *key;
        json_t *raw;
        json_object_foreach(in, key, raw)
        {
            const reg_field *f = find_field(ep, key);
            if (!f) {
                ap_status st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                                        "Invalid request: unknown field '%s' for %s %s.", key,
                                        ep->method, ep->path);
                json_decref(in);
                return st;
            }
            if (json_is_null(raw)) continue;
            json_t *v = coerce(f, raw, false);
            if (!v) {
                ap_status st = bad_value(c, key, raw);
                json_decref(in);
                return st;
            }
            json_object_set_new(args, key, v);
        }
        json_decref(in);
    }
    for (size_t i = 0; i < REG_MAX_FIELDS && ep->fields[i].name; i++) {
        const reg_field *f = &ep->fields[i];
        json_t *v = json_object_get(args, f->name);
        /* As MLflow: an empty string is a missing value, except for values proper. */
        if (f->required &&
            (!v || (json_is_string(v) && !*json_string_value(v) && strcmp(f->name, "value") != 0)))
            return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                            "Missing value for required parameter '%s'. See the API docs for "
                            "more information about request parameters.",
                            f->name);
    }
    return AP_OK;
}

/* --- paging ----------------------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *reg_page_token_encode(int64_t offset)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"offset\": %lld}", (long long)offset);
    char *out = malloc((size_t)(n + 2) / 3 * 4 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (int i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)json[i] << 16;
        if (i + 1 < n) v |= (unsigned char)json[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)json[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

bool reg_page_token_decode(const char *token, int64_t *offset)
{
    *offset = 0;
    if (!token || !*token) return true;
    unsigned char *raw = NULL;
    size_t len = 0;
    if (upload_base64_decode(token, strlen(token), 256, &raw, &len, NULL) != AP_OK) return false;
    json_t *j = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    json_t *o = json_object_get(j, "offset");
    bool ok = json_is_integer(o) && json_integer_value(o) >= 0;
    if (ok) *offset = json_integer_value(o);
    json_decref(j);
    return ok;
}

bool reg_max_results(reg_call *c, int64_t def, int64_t cap, int64_t *out)
{
    int64_t v = def;
    if (reg_arg_int(c, "max_results", &v) && (v < 1 || v > cap)) {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid value %lld for parameter 'max_results' supplied. It must be at most "
                 "%lld and at least 1.",
                 (long long)v, (long long)cap);
        return false;
    }
    *out = v;
    return true;
}

bool reg_page_args(reg_call *c, int64_t def, int64_t cap, int64_t *max, int64_t *offset)
{
    if (!reg_max_results(c, def, cap, max)) return false;
    if (reg_page_token_decode(reg_arg_str(c, "page_token"), offset)) return true;
    reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "Invalid page token");
    return false;
}

void reg_set_next_page(reg_call *c, size_t nrows, int64_t max, int64_t offset)
{
    if ((int64_t)nrows <= max) return;
    char *tok = reg_page_token_encode(offset + max);
    if (tok) json_object_set_new(c->result, "next_page_token", json_string(tok));
    free(tok);
}

ap_status reg_need_row(reg_call *c, reg_rows **rows, const char *fmt, ...)
{
    if ((*rows)->nrows > 0) return AP_OK;
    reg_rows_free(*rows);
    *rows = NULL;
    char msg[sizeof c->resp->error_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", "%s", msg);
}

/* --- SQL building ----------------------------------------------------------------------- */

void reg_sql_add(reg_sql *q, const char *text)
{
    size_t n = strlen(text);
    if (q->oom) return;
    if (q->len + n + 1 > q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 512;
        while (cap < q->len + n + 1)
            cap *= 2;
        char *grown = realloc(q->text, cap);
        if (!grown) {
            q->oom = true;
            return;
        }
        q->text = grown;
        q->cap = cap;
    }
    memcpy(q->text + q->len, text, n + 1);
    q->len += n;
}

static void add_param(reg_sql *q, reg_param p)
{
    if (q->oom) return;
    if (q->nparams == q->pcap) {
        size_t cap = q->pcap ? q->pcap * 2 : 16;
        reg_param *grown = realloc(q->params, cap * sizeof *grown);
        if (!grown) {
            q->oom = true;
            return;
        }
        q->params = grown;
        q->pcap = cap;
    }
    q->params[q->nparams++] = p;
}

void reg_sql_text(reg_sql *q, const char *s)
{
    add_param(q, (reg_param){.type = REG_TEXT, .s = s});
}

void reg_sql_int(reg_sql *q, int64_t v)
{
    add_param(q, (reg_param){.type = REG_INT, .i = v});
}

void reg_sql_real(reg_sql *q, double v)
{
    add_param(q, (reg_param){.type = REG_REAL, .d = v});
}

void reg_sql_free(reg_sql *q)
{
    free(q->text);
    free(q->params);
    reg_filter_free(&q->filter);
    memset(q, 0, sizeof *q);
}

void reg_sql_page(reg_sql *q, int64_t max, int64_t offset)
{
    reg_sql_add(q, " LIMIT ? OFFSET ?");
    reg_sql_int(q, max + 1);
    reg_sql_int(q, offset);
}

ap_status reg_sql_run(reg_call *c, const reg_sql *q, reg_rows **rows, int64_t *changes)
{
    if (q->oom) return reg_fail(c, AP_ERR_NOMEM, "INTERNAL_ERROR", "out of memory");
    ap_status st = reg_exec_v(c->conn, q->text, q->params, q->nparams, rows, changes);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

bool reg_sql_compare(reg_sql *q, const char *lhs, const reg_clause *cl, bool numeric, char *err,
                     size_t errsize)
{
    const char *op = cl->op;
    bool list = strcmp(op, "IN") == 0 || strcmp(op, "NOT IN") == 0;
    bool like = strcmp(op, "LIKE") == 0 || strcmp(op, "ILIKE") == 0;
    if (numeric && (like || list)) {
        snprintf(err, errsize, "Invalid comparator '%s' for a numeric key '%s'", op, cl->key);
        return false;
    }
    if (numeric && !cl->is_number) {
        snprintf(err, errsize, "Expected a numeric value for '%s', got '%s'", cl->key, cl->str);
        return false;
    }
    if (!numeric && !list && cl->is_number && cl->kind != REG_ATTR) {
        snprintf(err, errsize, "Expected a quoted string value for '%s', got '%s'", cl->key,
                 cl->str);
        return false;
    }
    if (!numeric && !like && !list && strcmp(op, "=") != 0 && strcmp(op, "!=") != 0) {
        snprintf(err, errsize, "Invalid comparator '%s' for a string key '%s'", op, cl->key);
        return false;
    }
    if (list) {
        reg_sql_add(q, lhs);
        reg_sql_add(q, strcmp(op, "IN") == 0 ? " IN (" : " NOT IN (");
        for (size_t i = 0; i < cl->nlist; i++) {
            reg_sql_add(q, i ? ", ?" : "?");
            reg_sql_text(q, cl->list[i]);
        }
        reg_sql_add(q, ")");
        return true;
    }
    if (strcmp(op, "ILIKE") == 0) {
        reg_sql_add(q, "lower(");
        reg_sql_add(q, lhs);
        reg_sql_add(q, ") LIKE lower(?)");
        reg_sql_text(q, cl->str);
        return true;
    }
    reg_sql_add(q, lhs);
    reg_sql_add(q, " ");
    reg_sql_add(q, strcmp(op, "!=") == 0 ? "<>" : op);
    reg_sql_add(q, " ?");
    if (numeric)
        reg_sql_real(q, cl->num);
    else
        reg_sql_text(q, cl->str);
    return true;
}

const reg_column *reg_column_find(const reg_column *cols, const char *key)
{
    for (; cols->key; cols++)
        if (strcmp(cols->key, key) == 0) return cols;
    return NULL;
}

bool reg_sql_filter(reg_call *c, reg_sql *q, const reg_search_keys *keys)
{
    const reg_filter *f = &q->filter;
    char err[512];
    const char *bad_key = NULL;
    assert(f->n == 0); /* one filter a statement */
    bool ok = reg_filter_parse(reg_arg_str(c, "filter"), &q->filter, err, sizeof err);
    for (size_t i = 0; ok && i < f->n; i++) {
        const reg_clause *cl = &f->clauses[i];
        reg_sql_add(q, " AND ");
        if (cl->kind == REG_ATTR) {
            const reg_column *col = reg_column_find(keys->attrs, cl->key);
            if (!col) {
                bad_key = cl->key;
                ok = false;
            } else {
                ok = reg_sql_compare(q, col->col, cl, col->numeric, err, sizeof err);
            }
        } else if (!keys->sub[cl->kind].exists) {
            bad_key = cl->key;
            ok = false;
        } else {
            reg_sql_add(q, keys->sub[cl->kind].exists);
            reg_sql_text(q, cl->key);
            ok = reg_sql_compare(q, keys->sub[cl->kind].value, cl, cl->kind == REG_METRIC, err,
                                 sizeof err);
            reg_sql_add(q, ")");
        }
    }
    if (bad_key)
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "%s%s%s", keys->unknown[0], bad_key,
                 keys->unknown[1]);
    else if (!ok)
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "%s", err);
    return ok;
}

/* Appends "col ASC|DESC, " for every order_by argument, each an attribute of cols. */
static bool sql_order_by(reg_call *c, reg_sql *q, const reg_column *cols, const char *expected)
{
    size_t i;
    json_t *o;
    json_array_foreach(reg_arg(c, "order_by"), i, o)
    {
        reg_key_kind kind;
        char key[256], err[512];
        bool asc;
        if (!reg_order_parse(json_string_value(o), &kind, key, sizeof key, &asc, err, sizeof err)) {
            reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "%s", err);
            return false;
        }
        const reg_column *col = kind == REG_ATTR ? reg_column_find(cols, key) : NULL;
        if (!col) {
            reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "Invalid order_by key '%s'%s",
                     key, expected);
            return false;
        }
        reg_sql_add(q, col->col);
        reg_sql_add(q, asc ? " ASC, " : " DESC, ");
    }
    return true;
}

ap_status reg_search_run(reg_call *c, reg_sql *q, const reg_search *s, int64_t max, int64_t offset)
{
    if (s->filter && !reg_sql_filter(c, q, s->filter)) return AP_ERR_INVALID;
    reg_sql_add(q, " ORDER BY ");
    if (!sql_order_by(c, q, s->order, s->order_expected)) return AP_ERR_INVALID;
    reg_sql_add(q, s->order_last);
    reg_sql_page(q, max, offset);
    reg_rows *rows = NULL;
    ap_status st = reg_sql_run(c, q, &rows, NULL);
    if (st != AP_OK) return st;
    json_t *list = json_array();
    for (size_t r = 0; r < rows->nrows && (int64_t)r < max; r++)
        json_array_append_new(list, s->item(c, rows, r));
    json_object_set_new(c->result, s->member, list);
    reg_set_next_page(c, rows->nrows, max, offset);
    reg_rows_free(rows);
    return AP_OK;
}

json_t *reg_kv_list(const reg_rows *rows, size_t key_col, size_t value_col)
{
    json_t *out = json_array();
    for (size_t i = 0; rows && out && i < rows->nrows; i++)
        json_array_append_new(out, json_pack("{s:s,s:s}", "key", reg_cell(rows, i, key_col),
                                             "value", reg_cell(rows, i, value_col) ?: ""));
    return out;
}

bool reg_check_tags(reg_call *c, json_t *tags, const char *what)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        json_t *k = json_object_get(t, "key"), *v = json_object_get(t, "value");
        if (!json_is_string(k) || !*json_string_value(k) || strlen(json_string_value(k)) > 250) {
            reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                     "Invalid %s tag: 'key' must be a non-empty string of at most 250 characters",
                     what);
            return false;
        }
        if (v && !json_is_null(v) && !json_is_string(v)) {
            reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                     "Invalid %s tag '%s': 'value' must be a string", what, json_string_value(k));
            return false;
        }
    }
    return true;
}

/* --- dispatch --------------------------------------------------------------------------- */

static const reg_endpoint *find_endpoint(const char *method, const char *path, bool *path_seen)
{
    const struct {
        const reg_endpoint *eps;
        size_t n;
    } tables[] = {{reg_tracking_endpoints, reg_tracking_nendpoints},
                  {reg_model_endpoints, reg_model_nendpoints}};
    *path_seen = false;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (size_t i = 0; i < tables[t].n; i++) {
            const reg_endpoint *ep = &tables[t].eps[i];
            if (strcmp(ep->path, path) != 0) continue;
            *path_seen = true;
            if (strcmp(ep->method, method) == 0) return ep;
        }
    return NULL;
}

ap_status reg_api_dispatch(void *vctx, const http_request *req, http_response *resp)
{
    reg_ctx *ctx = vctx;
    const char *path = req->path;
    static const char *const prefixes[] = {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"};
    for (size_t i = 0; i < 2; i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0) path += strlen(prefixes[i]);
    bool seen;
    const reg_endpoint *ep = find_endpoint(req->method, path, &seen);
    reg_call call = {.ctx = ctx, .req = req, .resp = resp};
    if (!ep)
        return reg_fail(&call, seen ? AP_ERR_METHOD : AP_ERR_NOT_FOUND, "ENDPOINT_NOT_FOUND",
                        "%s %s is not an MLflow endpoint of this server", req->method, req->path);

    ap_status st = parse_args(&call, ep);
    if (st != AP_OK) goto out;
    ap_error err = {0};
    st = reg_conn_acquire(ctx->store, &call.conn, &err);
    if (st != AP_OK) {
        metric_add(ctx->store_errors, (const char *const[]){"connect"}, 1);
        st = reg_fail(&call, AP_ERR_UNAVAILABLE, "TEMPORARILY_UNAVAILABLE", "backend store: %s",
                      err.msg);
        goto out;
    }
    for (int attempt = 0;; attempt++) {
        call.result = json_object();
        call.error_code = NULL;
        resp->error_msg[0] = '\0';
        if (!call.result) {
            st = reg_fail(&call, AP_ERR_NOMEM, "INTERNAL_ERROR", "out of memory");
            break;
        }
        st = ep->write ? reg_tx_begin(call.conn, true) : AP_OK;
        if (st != AP_OK)
            reg_fail_db(&call, st);
        else {
            st = ep->fn(&call);
            if (st == AP_OK && ep->write) {
                st = reg_tx_commit(call.conn);
                if (st != AP_OK) reg_fail_db(&call, st);
            } else if (ep->write) {
                reg_tx_rollback(call.conn);
            }
        }
        /* Retry only what the store itself refused as busy (lock timeout, deadlock). */
        if (st != AP_ERR_BUSY || attempt + 1 >= REG_RETRIES) break;
        metric_add(ctx->tx_retries, NULL, 1);
        json_decref(call.result);
        call.result = NULL;
        nanosleep(&(struct timespec){.tv_nsec = (long)(attempt + 1) * 5 * 1000 * 1000}, NULL);
    }
    if (st != AP_OK && st != AP_ERR_INVALID && st != AP_ERR_NOT_FOUND && st != AP_ERR_CONFLICT)
        metric_add(ctx->store_errors, (const char *const[]){ap_status_str(st)}, 1);
    reg_conn_release(ctx->store, call.conn);
    if (st == AP_OK) {
        http_reply_json(resp, 200, call.result);
        call.result = NULL;
    }
out:
    json_decref(call.result);
    json_decref(call.args);
    return st;
}
