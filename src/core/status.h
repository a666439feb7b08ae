/* status: the one error type of aipipe.
 *
 * Every fallible function returns an ap_status; results travel in out-parameters.
 * AP_OK is 0. Codes are only ever appended, never renumbered, because they reach logs
 * and tests. ap_status_str() names a code; the HTTP layer (core/http) is the only place
 * that maps a code to an HTTP status and a public error code string. */
#ifndef AP_STATUS_H
#define AP_STATUS_H

typedef enum ap_status {
    AP_OK = 0,
    AP_ERR_INVALID,     /* malformed input or argument */
    AP_ERR_UNSUPPORTED, /* a type or format we do not read */
    AP_ERR_TOO_LARGE,   /* input over a configured bound */
    AP_ERR_NOT_FOUND,   /* no such route, file or entity */
    AP_ERR_MODEL_NOT_FOUND,
    AP_ERR_RATE_LIMITED,
    AP_ERR_BUSY, /* capacity exhausted, retry later */
    AP_ERR_TIMEOUT,
    AP_ERR_FORBIDDEN, /* refused by policy (paths outside the allowed directories) */
    AP_ERR_METHOD,    /* route exists, method does not */
    AP_ERR_NOMEM,
    AP_ERR_IO,
    AP_ERR_CONFIG,
    AP_ERR_PROCESSING,  /* an engine or library failed on valid input */
    AP_ERR_INTERNAL,    /* a bug: an invariant did not hold */
    AP_ERR_UNAVAILABLE, /* a dependency (server, store) cannot be reached */
    AP_ERR_CONFLICT,    /* the entity already exists, or a write raced another */
    AP_STATUS_COUNT
} ap_status;

/* Stable lower-case name of a status ("ok", "invalid", ...). Never NULL. */
const char *ap_status_str(ap_status st);

/* The detail that goes with a status: contexts that talk to the outside keep one, and
 * functions that can say more than their code take one (it may be NULL). */
typedef struct ap_error {
    ap_status code;
    char msg[256];
} ap_error;

/* Records code and the formatted message in err (when err is not NULL); returns code,
 * so that `return ap_fail(err, AP_ERR_INVALID, "...")` is the one way to fail. */
ap_status ap_fail(ap_error *err, ap_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to AP_OK with an empty message. */
void ap_error_clear(ap_error *err);

#endif
