#include "core/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/ratelimit.h"

/* Past max_body a chunked upload is read and thrown away up to this many times the limit
 * (so the client gets its 413), then the connection is dropped. */
#define DISCARD_FACTOR 4

struct http_server {
    struct MHD_Daemon *daemon;
    const http_options *opts;
    ratelimit *limiter;
    atomic_uint in_flight;
    unsigned port;
    metric *requests, *latency, *inflight_gauge, *req_size, *resp_size;
};

/* Per-request state, from the first header callback to the completion callback. */
typedef struct request_ctx {
    http_request req;
    const http_route *route;
    char path[1024];
    char client_ip[INET6_ADDRSTRLEN];
    char request_id[40];
    unsigned char *body;
    size_t body_len, body_cap, discarded;
    bool too_large;
    double started;
    int status;
    size_t resp_len;
} request_ctx;

double http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int http_status_code(ap_status st, const char **public_code)
{
    static const struct {
        ap_status st;
        int http;
        const char *code;
    } map[] = {
        {AP_ERR_INVALID, 400, "INVALID_REQUEST"},
        {AP_ERR_FORBIDDEN, 403, "FORBIDDEN"},
        {AP_ERR_NOT_FOUND, 404, "NOT_FOUND"},
        {AP_ERR_MODEL_NOT_FOUND, 404, "MODEL_NOT_FOUND"},
        {AP_ERR_METHOD, 405, "METHOD_NOT_ALLOWED"},
        {AP_ERR_CONFLICT, 409, "CONFLICT"},
        {AP_ERR_TOO_LARGE, 413, "PAYLOAD_TOO_LARGE"},
        {AP_ERR_UNSUPPORTED, 415, "UNSUPPORTED_MEDIA_TYPE"},
        {AP_ERR_RATE_LIMITED, 429, "RATE_LIMIT_EXCEEDED"},
        {AP_ERR_BUSY, 503, "SERVICE_UNAVAILABLE"},
        {AP_ERR_UNAVAILABLE, 503, "SERVICE_UNAVAILABLE"},
        {AP_ERR_TIMEOUT, 504, "TIMEOUT"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].st == st) {
            if (public_code) *public_code = map[i].code;
            return map[i].http;
        }
    if (public_code) *public_code = "PROCESSING_ERROR";
    return 500;
}

void http_reply_take(http_response *resp, int status, const char *content_type, char *body,
                     size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->len = len;
}

void http_reply_json(http_response *resp, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text) {
        http_reply_take(resp, 500, "application/json", NULL, 0);
        return;
    }
    http_reply_take(resp, status, "application/json", text, strlen(text));
}

ap_status http_reply_metrics(http_response *resp, metrics *m)
{
    size_t len = 0;
    char *text = metrics_render(m, &len);
    if (!text) return http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
    http_reply_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    return AP_OK;
}

ap_status http_error(http_response *resp, ap_status st, json_t *details, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->error_msg, sizeof resp->error_msg, fmt, ap);
    va_end(ap);
    json_decref(resp->error_details);
    resp->error_details = details;
    return st;
}

/* Turns a failed status into the error body; the message defaults to the status name.
 * The service's formatter, when it has one, has the first say. */
static void reply_error(const http_options *o, http_response *resp, ap_status st)
{
    const char *code;
    int http = http_status_code(st, &code);
    const char *msg = resp->error_msg[0] ? resp->error_msg : ap_status_str(st);
    if (o->error_body) {
        json_t *custom = o->error_body(o->ctx, st, msg, resp->error_details, &http);
        if (custom) {
            json_decref(resp->error_details);
            resp->error_details = NULL;
            http_reply_json(resp, http, custom);
            return;
        }
    }
    json_t *details = resp->error_details ? resp->error_details : json_object();
    resp->error_details = NULL;
    json_t *body =
        json_pack("{s:{s:s,s:s,s:o}}", "error", "code", code, "message", msg, "details", details);
    http_reply_json(resp, http, body);
}

const char *http_req_header(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct query_each_ctx {
    void (*fn)(void *cls, const char *key, const char *value);
    void *cls;
} query_each_ctx;

static enum MHD_Result query_each_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    query_each_ctx *q = cls;
    q->fn(q->cls, key, value);
    return MHD_YES;
}

size_t http_req_query_each(const http_request *req,
                           void (*fn)(void *cls, const char *key, const char *value), void *cls)
{
    query_each_ctx q = {fn, cls};
    int n = MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_each_one, &q);
    return n > 0 ? (size_t)n : 0;
}

static bool route_matches(const http_route *r, const char *path, const char **wildcard)
{
    size_t n = strlen(r->path);
    if (n >= 2 && r->path[n - 1] == '*' && r->path[n - 2] == '/') {
        if (strncmp(path, r->path, n - 1) != 0 || !path[n - 1]) return false;
        *wildcard = path + n - 1;
        return true;
    }
    *wildcard = "";
    return strcmp(path, r->path) == 0;
}

/* Finds the route; AP_ERR_NOT_FOUND when no path matches, AP_ERR_METHOD when only the
 * method differs. */
static ap_status route_find(const http_options *o, const char *method, const char *path,
                            const http_route **route, const char **wildcard)
{
    bool path_seen = false;
    for (size_t i = 0; i < o->nroutes; i++) {
        const char *wc;
        if (!route_matches(&o->routes[i], path, &wc)) continue;
        path_seen = true;
        if (strcmp(o->routes[i].method, method) == 0) {
            *route = &o->routes[i];
            *wildcard = wc;
            return AP_OK;
        }
    }
    return path_seen ? AP_ERR_METHOD : AP_ERR_NOT_FOUND;
}

static void make_request_id(struct MHD_Connection *conn, char *out, size_t size)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-ID");
    if (given && strlen(given) < size && strlen(given) <= 36 &&
        strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
            strlen(given) &&
        *given) {
        memcpy(out, given, strlen(given) + 1);
        return;
    }
    unsigned char rnd[8] = {0};
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        uint64_t t = (uint64_t)(http_now() * 1e9);
        memcpy(rnd, &t, sizeof rnd);
    }
    for (size_t i = 0; i < sizeof rnd && 2 * i + 2 < size; i++)
        snprintf(out + 2 * i, 3, "%02x", rnd[i]);
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "unknown");
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, request_ctx *rc,
                                     http_response *resp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
        resp->len, resp->body ? resp->body : (void *)"", resp->body ? free : NULL);
    if (!r) {
        free(resp->body);
        json_decref(resp->error_details);
        return MHD_NO;
    }
    resp->body = NULL;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type : "application/json");
    MHD_add_response_header(r, "X-Request-ID", rc->request_id);
    if (resp->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", resp->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    rc->status = resp->status;
    rc->resp_len = resp->len;
    json_decref(resp->error_details);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_error(const http_options *o, struct MHD_Connection *conn,
                                  request_ctx *rc, ap_status st, unsigned retry_after,
                                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static enum MHD_Result send_error(const http_options *o, struct MHD_Connection *conn,
                                  request_ctx *rc, ap_status st, unsigned retry_after,
                                  const char *fmt, ...)
{
    http_response resp = {.retry_after = retry_after};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp.error_msg, sizeof resp.error_msg, fmt, ap);
    va_end(ap);
    reply_error(o, &resp, st);
    return send_response(conn, rc, &resp);
}

/* First callback of a request: headers are in. Decides everything that does not need the
 * body, so that a refused upload is never read. Returns MHD_YES with *answered set when a
 * response was queued. */
static enum MHD_Result on_headers(http_server *s, struct MHD_Connection *conn, request_ctx *rc,
                                  const char *method, bool *answered)
{
    const http_options *o = s->opts;
    *answered = true;
    ap_status st = route_find(o, method, rc->path, &rc->route, &rc->req.wildcard);
    if (st == AP_ERR_NOT_FOUND)
        return send_error(o, conn, rc, st, 0, "no route for %s %s", method, rc->path);
    if (st == AP_ERR_METHOD)
        return send_error(o, conn, rc, st, 0, "method %s not allowed on %s", method, rc->path);

    int cls = rc->route->rate_class;
    if (cls >= 0 && cls < HTTP_MAX_RATE_CLASSES && o->rate_per_minute[cls]) {
        char key[INET6_ADDRSTRLEN + 8];
        snprintf(key, sizeof key, "%d:%s", cls, rc->client_ip);
        unsigned retry = 1;
        if (!ratelimit_take(s->limiter, key, o->rate_per_minute[cls], http_now(), &retry))
            return send_error(o, conn, rc, AP_ERR_RATE_LIMITED, retry,
                              "rate limit of %u requests per minute exceeded",
                              o->rate_per_minute[cls]);
    }

    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || n > o->max_body)
            return send_error(o, conn, rc, AP_ERR_TOO_LARGE, 0,
                              "request body larger than the limit of %zu bytes", o->max_body);
    }
    *answered = false;
    return MHD_YES;
}

static bool body_append(request_ctx *rc, const char *data, size_t len, size_t max)
{
    if (rc->too_large || len > max - rc->body_len) {
        rc->too_large = true;
        rc->discarded += len;
        return rc->discarded <= DISCARD_FACTOR * max;
    }
    if (rc->body_len + len + 1 > rc->body_cap) {
        size_t cap = rc->body_cap ? rc->body_cap : 64 * 1024;
        while (cap < rc->body_len + len + 1)
            cap *= 2;
        if (cap > max + 1) cap = max + 1;
        unsigned char *grown = realloc(rc->body, cap);
        if (!grown) return false;
        rc->body = grown;
        rc->body_cap = cap;
    }
    memcpy(rc->body + rc->body_len, data, len);
    rc->body_len += len;
    rc->body[rc->body_len] = '\0';
    return true;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    http_server *s = cls;
    const http_options *o = s->opts;
    request_ctx *rc = *con_cls;

    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc) return MHD_NO;
        *con_cls = rc;
        rc->started = http_now();
        rc->status = 500;
        atomic_fetch_add(&s->in_flight, 1);
        metric_add(s->inflight_gauge, NULL, 1);
        size_t plen = o->base_prefix ? strlen(o->base_prefix) : 0;
        if (plen && strncmp(url, o->base_prefix, plen) == 0 &&
            (url[plen] == '/' || url[plen] == '\0'))
            url += plen;
        snprintf(rc->path, sizeof rc->path, "%s", *url ? url : "/");
        client_address(conn, rc->client_ip, sizeof rc->client_ip);
        make_request_id(conn, rc->request_id, sizeof rc->request_id);
        rc->req = (http_request){.method = method,
                                 .path = rc->path,
                                 .wildcard = "",
                                 .client_ip = rc->client_ip,
                                 .request_id = rc->request_id,
                                 .conn = conn};
        bool answered;
        enum MHD_Result r = on_headers(s, conn, rc, method, &answered);
        if (answered) rc->route = NULL;
        if (answered || r != MHD_YES) {
            rc->too_large = true; /* nothing more of this request is kept */
            return r;
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        if (!rc->route) { /* already answered: drop what still comes */
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (!body_append(rc, upload_data, *upload_data_size, o->max_body)) return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!rc->route) return MHD_YES; /* the early answer is on its way */

    if (rc->too_large)
        return send_error(o, conn, rc, AP_ERR_TOO_LARGE, 0,
                          "request body larger than the limit of %zu bytes", o->max_body);

    rc->req.body = rc->body ? rc->body : (const unsigned char *)"";
    rc->req.body_len = rc->body_len;
    http_response resp = {.status = 200};
    ap_status st = rc->route->handler(o->ctx, &rc->req, &resp);
    if (st != AP_OK) {
        free(resp.body);
        resp.body = NULL;
        resp.len = 0;
        if (st == AP_ERR_BUSY && !resp.retry_after) resp.retry_after = 1;
        reply_error(o, &resp, st);
    }
    return send_response(conn, rc, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    http_server *s = cls;
    request_ctx *rc = *con_cls;
    if (!rc) return;
    *con_cls = NULL;
    double elapsed = http_now() - rc->started;
    const char *endpoint = rc->route ? rc->route->endpoint : "other";
    char status[8];
    snprintf(status, sizeof status, "%d", rc->status);
    metric_add(s->requests, (const char *const[]){endpoint, status}, 1);
    metric_observe(s->latency, (const char *const[]){endpoint}, elapsed);
    metric_observe(s->req_size, (const char *const[]){endpoint},
                   (double)(rc->body_len + rc->discarded));
    metric_observe(s->resp_size, (const char *const[]){endpoint}, (double)rc->resp_len);
    metric_add(s->inflight_gauge, NULL, -1);

    json_t *fields =
        json_pack("{s:s,s:s,s:i,s:f,s:s,s:I}", "method", rc->req.method, "path", rc->path, "status",
                  rc->status, "duration_ms", elapsed * 1e3, "client", rc->client_ip, "bytes_in",
                  (json_int_t)(rc->body_len + rc->discarded));
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && fields)
        json_object_set_new(fields, "aborted", json_true());
    log_emit(rc->status >= 500 ? LOG_WARN : LOG_INFO, rc->request_id, fields, "request");
    free(rc->body);
    free(rc);
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_emit(LOG_WARN, NULL, json_pack("{s:s}", "component", "microhttpd"), "%s", msg);
}

static ap_status declare_metrics(http_server *s, ap_error *err)
{
    const char *p = s->opts->metric_prefix;
    metrics *m = s->opts->metrics;
    static const double latency_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};
    static const double size_buckets[] = {256,    1024,    4096,    16384,    65536,
                                          262144, 1048576, 4194304, 16777216, 67108864};
    char name[5][128];
    snprintf(name[0], sizeof name[0], "%s_requests_total", p);
    snprintf(name[1], sizeof name[1], "%s_latency_seconds", p);
    snprintf(name[2], sizeof name[2], "%s_requests_in_flight", p);
    snprintf(name[3], sizeof name[3], "%s_request_size_bytes", p);
    snprintf(name[4], sizeof name[4], "%s_response_size_bytes", p);
    s->requests = metrics_counter(m, name[0], "HTTP requests by endpoint and status code.",
                                  "endpoint,status");
    s->latency =
        metrics_histogram(m, name[1], "Request latency in seconds, by endpoint.", "endpoint",
                          latency_buckets, sizeof latency_buckets / sizeof latency_buckets[0]);
    s->inflight_gauge = metrics_gauge(m, name[2], "Requests being served now.", "");
    s->req_size =
        metrics_histogram(m, name[3], "Request body size in bytes, by endpoint.", "endpoint",
                          size_buckets, sizeof size_buckets / sizeof size_buckets[0]);
    s->resp_size =
        metrics_histogram(m, name[4], "Response body size in bytes, by endpoint.", "endpoint",
                          size_buckets, sizeof size_buckets / sizeof size_buckets[0]);
    if (!s->requests || !s->latency || !s->inflight_gauge || !s->req_size || !s->resp_size)
        return ap_fail(err, AP_ERR_NOMEM, "http: cannot declare request metrics");
    metric_set(s->inflight_gauge, NULL, 0);
    return AP_OK;
}

ap_status http_server_start(const http_options *opts, http_server **out, ap_error *err)
{
    *out = NULL;
    http_server *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "http: out of memory");
    s->opts = opts;
    ap_status st = AP_OK;
    s->limiter = ratelimit_new();
    if (!s->limiter) {
        st = ap_fail(err, AP_ERR_NOMEM, "http: out of memory");
        goto fail;
    }
    st = declare_metrics(s, err);
    if (st != AP_OK) goto fail;

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opts->port)};
    if (inet_pton(AF_INET, opts->host, &addr.sin_addr) != 1) {
        st = ap_fail(err, AP_ERR_CONFIG, "http: host '%s' is not an IPv4 address", opts->host);
        goto fail;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
        (uint16_t)opts->port, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        opts->threads, MHD_OPTION_CONNECTION_TIMEOUT, opts->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!s->daemon) {
        st = ap_fail(err, AP_ERR_IO, "http: cannot listen on %s:%u", opts->host, opts->port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opts->port;
    *out = s;
    return AP_OK;
fail:
    http_server_stop(s);
    return st;
}

unsigned http_server_port(const http_server *s)
{
    return s->port;
}

unsigned http_server_in_flight(const http_server *s)
{
    return atomic_load(&((http_server *)s)->in_flight);
}

void http_server_quiesce(http_server *s)
{
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
}

bool http_server_drain(http_server *s, double timeout_s)
{
    double until = http_now() + timeout_s;
    while (atomic_load(&s->in_flight) > 0) {
        if (http_now() >= until) return false;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return true;
}

void http_server_stop(http_server *s)
{
    if (!s) return;
    if (s->daemon) MHD_stop_daemon(s->daemon);
    ratelimit_free(s->limiter);
    free(s);
}
