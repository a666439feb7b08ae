/* Internal to src/serve: the service's state, shared by its handlers. */
#ifndef AP_SERVE_INTERNAL_H
#define AP_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/http.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "ocr/ocr.h"

/* A loaded model: a pool of engines and what they are (serve_models.c). Requests hold a
 * reference (serve_model_acquire/release) while they use it; a swap never waits for them,
 * and the last release of a replaced model closes its engines. */
typedef struct serve_model {
    atomic_uint refs;
    ap_pool *pool; /* idle engines; its queue bound gives the 503s */
    ocr_engine **engines;
    size_t nengines;
    char engine_name[32];
    char version[300];         /* reported as model_version: "NAME/3" or the engine version */
    char name[256];            /* registry model name; "" for the configured engine */
    char registry_version[32]; /* "3"; "" for the configured engine */
    char stage[32];
    char dir[1024]; /* the cached model directory */
    int64_t created_ms;
    bool from_cache; /* loaded from the cache because the registry was unreachable */
} serve_model;

typedef struct serve_models serve_models;

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
    serve_model *model; /* the current model; read through serve_model_acquire */
    pthread_mutex_t model_lock;
    serve_models *loader;            /* registry polling and deploys (serve_models.c) */
    char loaded_version[300];        /* model_version points here: the current model's version */
    struct serve_features *features; /* the feature store and its metrics (serve_features.c) */
} serve_ctx;

/* The image bytes and options of an inference request, from whichever body shape it came:
 * multipart (field "file"), JSON with image_base64, or JSON with image_path. */
typedef struct serve_input {
    unsigned char *data; /* owned */
    size_t len;
    char model_version[96];
    char filename[256]; /* the upload's file name or image_path's base name; may be "" */
    json_t *json;       /* the parsed JSON body, or NULL for multipart */
} serve_input;

/* Fills in from req. On failure the error is recorded in resp and returned. */
ap_status serve_input_read(serve_ctx *sc, const http_request *req, http_response *resp,
                           serve_input *in);
void serve_input_free(serve_input *in);

/* AP_OK when requested ("" or absent) names model m; else MODEL_NOT_FOUND in resp. */
ap_status serve_check_model(const serve_model *m, const char *requested, http_response *resp);
/* The document id under which a request asked its features to be stored (the boolean
 * `flag` in the JSON body or the query), or NULL when it did not ask. The id is the body's
 * or query's document_id, else the request id; borrowed from req or in. */
const char *serve_features_wanted(const http_request *req, const serve_input *in, const char *flag);

/* Borrows one engine of model m (waiting up to the request timeout; busy -> 503 with
 * Retry-After, timeout -> 504, both recorded in resp), then whatever more are idle at
 * once, up to max. The caller returns each of engines[0..*n) to m->pool. */
ap_status serve_take_engines(serve_ctx *sc, serve_model *m, ocr_engine **engines, size_t max,
                             size_t *n, http_response *resp);

ap_status serve_handle_ocr(void *ctx, const http_request *req, http_response *resp);
ap_status serve_handle_document(void *ctx, const http_request *req, http_response *resp);

/* The model loader (serve_models.c). start: loads the configured model (registry, else
 * cache, else the ocr.* engine) with slots engines and starts the registry poll; stop:
 * ends the poll and releases the model. */
ap_status serve_models_start(serve_ctx *sc, size_t slots, size_t queue, ap_error *err);
void serve_models_stop(serve_ctx *sc);
/* The current model (a reference the caller releases), or NULL before start. */
serve_model *serve_model_acquire(serve_ctx *sc);
void serve_model_release(serve_model *m); /* accepts NULL */
/* "disabled" (no registry model configured), "up" or "unreachable", copied into buf. */
const char *serve_models_registry_state(serve_ctx *sc, char *buf, size_t size);
/* The loaded model as JSON (name, version, type, stage, created_at, from_cache). */
json_t *serve_models_health(serve_ctx *sc);
ap_status serve_handle_models(void *ctx, const http_request *req, http_response *resp);
ap_status serve_handle_model(void *ctx, const http_request *req, http_response *resp);

/* The feature store (serve_features.c). open: from the feature_store.* settings; an
 * unreachable Redis is not an error (reported by state), bad definitions are. state:
 * "up" or "down", checked at most once a second. */
ap_status serve_features_open(serve_ctx *sc, ap_error *err);
void serve_features_close(serve_ctx *sc);
const char *serve_features_state(serve_ctx *sc);
/* Stores a document's features (a JSON object of feature names of the document views,
 * borrowed) for document_id, and notes the outcome in response: "document_id",
 * "features_stored", and on failure a line in "warnings". Never fails the request; returns
 * whether the features were stored. For /infer/ocr and /infer/document. */
bool serve_features_record(serve_ctx *sc, const char *document_id, const json_t *features,
                           json_t *response);
ap_status serve_handle_features_get(void *ctx, const http_request *req, http_response *resp);
ap_status serve_handle_features_post(void *ctx, const http_request *req, http_response *resp);
ap_status serve_handle_online_features(void *ctx, const http_request *req, http_response *resp);
ap_status serve_handle_push(void *ctx, const http_request *req, http_response *resp);

#endif
