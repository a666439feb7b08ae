/* Internal to src/serve: the service's state, shared by its handlers. */
#ifndef AP_SERVE_INTERNAL_H
#define AP_SERVE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/http.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "ocr/ocr.h"

typedef struct serve_ctx {
    cfg *cfg;
    metrics *metrics;
    metric *model_confidence; /* {model}: mean word confidence of the last OCR, 0..1 */
    ap_pool *engines;         /* idle OCR engines; its queue bound gives the 503s */
    ocr_engine **engine_list;
    size_t nengines;
    const char *engine_name, *model_version; /* of engine_list[0]; all are alike */
    size_t max_body, max_pixels;
    double request_timeout_s;
    const char **allowed_dirs;
    size_t nallowed;
    double started_monotonic;
    atomic_bool draining;
} serve_ctx;

/* The image bytes and options of an inference request, from whichever body shape it came:
 * multipart (field "file"), JSON with image_base64, or JSON with image_path. */
typedef struct serve_input {
    unsigned char *data; /* owned */
    size_t len;
    char model_version[96];
    json_t *json; /* the parsed JSON body, or NULL for multipart */
} serve_input;

/* Fills in from req. On failure the error is recorded in resp and returned. */
ap_status serve_input_read(serve_ctx *sc, const http_request *req, http_response *resp,
                           serve_input *in);
void serve_input_free(serve_input *in);

ap_status serve_handle_ocr(void *ctx, const http_request *req, http_response *resp);

#endif
