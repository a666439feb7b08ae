/* http: the HTTP server every aipipe service runs on (libmicrohttpd, internal thread pool
 * with epoll), with routing, bounded request bodies, per-client rate limits, request ids,
 * JSON access logs, Prometheus request metrics and graceful draining.
 *
 * Lifecycle: http_server_start() -> serving -> http_server_quiesce() (stop accepting)
 * -> http_server_drain() (wait for in-flight requests, bounded) -> http_server_stop().
 *
 * A request reaches its handler only when it is complete: the route exists, the method
 * matches, the client is within its rate limit and the body is within max_body. Everything
 * else is answered by this module. Handlers fill an http_response; when a handler returns
 * a status other than AP_OK, this module (the only place that does) maps it to an HTTP
 * code and a body {"error": {"code", "message", "details"}}. */
#ifndef AP_HTTP_H
#define AP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/metrics.h"
#include "core/status.h"

#define HTTP_MAX_RATE_CLASSES 4

typedef struct http_server http_server;

typedef struct http_request {
    const char *method;
    const char *path;     /* without the base prefix and the query string */
    const char *wildcard; /* for wildcard routes: the rest of the path, else "" */
    const char *client_ip;
    const char *request_id;
    const unsigned char *body; /* NUL-terminated (not counted in body_len) */
    size_t body_len;
    void *conn; /* the connection, for http_req_header / http_req_query */
} http_request;

typedef struct http_response {
    int status;
    char *body; /* owned; freed by the server */
    size_t len;
    const char *content_type;
    unsigned retry_after; /* seconds; sent as Retry-After when non-zero */
    char error_msg[512];
    json_t *error_details; /* owned */
} http_response;

typedef ap_status (*http_handler)(void *ctx, const http_request *req, http_response *resp);

typedef struct http_route {
    const char *method;
    const char *path; /* exact, or a prefix ending in "/" followed by "*" */
    http_handler handler;
    const char *endpoint; /* metric and log label */
    int rate_class;       /* index into http_options.rate_per_minute, or -1 */
} http_route;

/* Optional error-body formatter (http_options.error_body): given a failed status, the
 * handler's message (never NULL) and details (borrowed, may be NULL), returns the body
 * (owned by the caller) and may change *http_code, which holds the default mapping on entry.
 * Returning NULL keeps the default body. Services that speak another API's error format
 * (the registry speaks MLflow's) set it; every error answer goes through it, including
 * the ones this module makes itself (no route, method, body too large, rate limit). */
typedef json_t *(*http_error_formatter)(void *ctx, ap_status st, const char *message,
                                        const json_t *details, int *http_code);

typedef struct http_options {
    const char *host;
    unsigned port; /* 0: any free port, see http_server_port */
    unsigned threads;
    size_t max_body;
    unsigned connection_timeout_s;
    const char *base_prefix;   /* routes also answer under it, e.g. "/api/v1" */
    const char *metric_prefix; /* e.g. "inference" -> inference_requests_total */
    const http_route *routes;
    size_t nroutes;
    unsigned rate_per_minute[HTTP_MAX_RATE_CLASSES]; /* 0: unlimited */
    metrics *metrics;                /* borrowed; request metrics are declared in it */
    void *ctx;                       /* passed to handlers */
    http_error_formatter error_body; /* NULL: {"error": {"code", "message", "details"}} */
} http_options;

/* Starts serving. On AP_OK *out is the running server. AP_ERR_IO when the address cannot
 * be bound; AP_ERR_NOMEM. opts (and the route table) must outlive the server. */
ap_status http_server_start(const http_options *opts, http_server **out, ap_error *err);
unsigned http_server_port(const http_server *s);
unsigned http_server_in_flight(const http_server *s);
/* Stops accepting connections; requests already read keep being served. */
void http_server_quiesce(http_server *s);
/* Waits until no request is in flight or timeout_s passed; true when none is left. */
bool http_server_drain(http_server *s, double timeout_s);
/* Closes every connection and frees the server. Accepts NULL. */
void http_server_stop(http_server *s);

/* A request header or query argument (borrowed), or NULL. */
const char *http_req_header(const http_request *req, const char *name);
const char *http_req_query(const http_request *req, const char *name);

/* Calls fn(cls, key, value) for every query argument in order, repeated keys included
 * (value may be NULL for "?flag"); returns how many there were. */
size_t http_req_query_each(const http_request *req,
                           void (*fn)(void *cls, const char *key, const char *value), void *cls);

/* Sets a JSON reply; takes ownership of body. */
void http_reply_json(http_response *resp, int status, json_t *body);
/* Sets a reply; takes ownership of body (malloc'd, len bytes). */
void http_reply_take(http_response *resp, int status, const char *content_type, char *body,
                     size_t len);
/* Replies with the registry's Prometheus text exposition. */
ap_status http_reply_metrics(http_response *resp, metrics *m);
/* Records the error message and details (owned) and returns st, for handlers to
 * `return http_error(resp, AP_ERR_INVALID, NULL, "...")`. */
ap_status http_error(http_response *resp, ap_status st, json_t *details, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Maps a status to its HTTP code and public error code ("INVALID_REQUEST", ...). */
int http_status_code(ap_status st, const char **public_code);

/* Seconds from a monotonic clock. */
double http_now(void);

#endif
