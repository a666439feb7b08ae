#include "core/status.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

static const char *const status_names[] = {
    [AP_OK] = "ok",
    [AP_ERR_INVALID] = "invalid",
    [AP_ERR_UNSUPPORTED] = "unsupported",
    [AP_ERR_TOO_LARGE] = "too_large",
    [AP_ERR_NOT_FOUND] = "not_found",
    [AP_ERR_MODEL_NOT_FOUND] = "model_not_found",
    [AP_ERR_RATE_LIMITED] = "rate_limited",
    [AP_ERR_BUSY] = "busy",
    [AP_ERR_TIMEOUT] = "timeout",
    [AP_ERR_FORBIDDEN] = "forbidden",
    [AP_ERR_METHOD] = "method_not_allowed",
    [AP_ERR_NOMEM] = "out_of_memory",
    [AP_ERR_IO] = "io",
    [AP_ERR_CONFIG] = "config",
    [AP_ERR_PROCESSING] = "processing",
    [AP_ERR_INTERNAL] = "internal",
    [AP_ERR_UNAVAILABLE] = "unavailable",
    [AP_ERR_CONFLICT] = "conflict",
};
static_assert(sizeof(status_names) / sizeof(status_names[0]) == AP_STATUS_COUNT,
              "every status has a name");

const char *ap_status_str(ap_status st)
{
    if ((unsigned)st >= AP_STATUS_COUNT) return "unknown";
    return status_names[st];
}

ap_status ap_fail(ap_error *err, ap_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void ap_error_clear(ap_error *err)
{
    if (!err) return;
    err->code = AP_OK;
    err->msg[0] = '\0';
}
