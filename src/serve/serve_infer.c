/* The inference routes: reading an image from any accepted request shape, and /infer/ocr. */
#include <string.h>
#include <strings.h>

#include "core/upload.h"
#include "serve/serve_internal.h"
#include "vision/image.h"

void serve_input_free(serve_input *in)
{
    free(in->data);
    json_decref(in->json);
    *in = (serve_input){0};
}

static ap_status read_multipart(serve_ctx *sc, const http_request *req, const char *ctype,
                                http_response *resp, serve_input *in)
{
    (void)sc;
    ap_error err = {0};
    upload_part part;
    ap_status st = upload_multipart_find(ctype, req->body, req->body_len, "file", &part, &err);
    if (st != AP_OK) return http_error(resp, st, NULL, "%s", err.msg);
    if (part.len == 0) return http_error(resp, AP_ERR_INVALID, NULL, "the uploaded file is empty");
    in->data = malloc(part.len);
    if (!in->data) return http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
    memcpy(in->data, part.data, part.len);
    in->len = part.len;
    snprintf(in->filename, sizeof in->filename, "%s", part.filename);
    upload_part mv;
    if (upload_multipart_find(ctype, req->body, req->body_len, "model_version", &mv, NULL) ==
        AP_OK) {
        if (mv.len >= sizeof in->model_version)
            return http_error(resp, AP_ERR_INVALID, NULL, "model_version is too long");
        memcpy(in->model_version, mv.data, mv.len);
        in->model_version[mv.len] = '\0';
    }
    return AP_OK;
}

static ap_status read_json(serve_ctx *sc, const http_request *req, http_response *resp,
                           serve_input *in)
{
    json_error_t jerr;
    in->json = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!in->json)
        return http_error(resp, AP_ERR_INVALID,
                          json_pack("{s:i,s:i}", "line", jerr.line, "column", jerr.column),
                          "invalid JSON: %s", jerr.text);
    if (!json_is_object(in->json))
        return http_error(resp, AP_ERR_INVALID, NULL, "the JSON body must be an object");
    json_t *mv = json_object_get(in->json, "model_version");
    if (mv && !json_is_null(mv)) {
        if (!json_is_string(mv) || json_string_length(mv) >= sizeof in->model_version)
            return http_error(resp, AP_ERR_INVALID, NULL, "model_version must be a short string");
        snprintf(in->model_version, sizeof in->model_version, "%s", json_string_value(mv));
    }
    json_t *b64 = json_object_get(in->json, "image_base64");
    json_t *path = json_object_get(in->json, "image_path");
    if ((b64 != NULL) == (path != NULL))
        return http_error(resp, AP_ERR_INVALID, NULL,
                          "give exactly one of image_base64 and image_path");
    ap_error err = {0};
    ap_status st;
    if (b64) {
        if (!json_is_string(b64))
            return http_error(resp, AP_ERR_INVALID, NULL, "image_base64 must be a string");
        st = upload_base64_decode(json_string_value(b64), json_string_length(b64), sc->max_body,
                                  &in->data, &in->len, &err);
        if (st == AP_OK && in->len == 0)
            return http_error(resp, AP_ERR_INVALID, NULL, "image_base64 is empty");
    } else {
        if (!json_is_string(path))
            return http_error(resp, AP_ERR_INVALID, NULL, "image_path must be a string");
        char *real = NULL;
        st = upload_resolve_path(json_string_value(path), sc->allowed_dirs, sc->nallowed, &real,
                                 &err);
        if (st == AP_OK) st = upload_read_file(real, sc->max_body, &in->data, &in->len, &err);
        const char *base = strrchr(json_string_value(path), '/');
        snprintf(in->filename, sizeof in->filename, "%s",
                 base ? base + 1 : json_string_value(path));
        free(real);
    }
    return st == AP_OK ? AP_OK : http_error(resp, st, NULL, "%s", err.msg);
}

ap_status serve_input_read(serve_ctx *sc, const http_request *req, http_response *resp,
                           serve_input *in)
{
    *in = (serve_input){0};
    const char *ctype = http_req_header(req, "Content-Type");
    if (req->body_len == 0)
        return http_error(resp, AP_ERR_INVALID, NULL, "the request body is empty");
    if (!ctype)
        return http_error(resp, AP_ERR_UNSUPPORTED, NULL,
                          "Content-Type is missing: send multipart/form-data or application/json");
    if (strncasecmp(ctype, "multipart/form-data", 19) == 0)
        return read_multipart(sc, req, ctype, resp, in);
    if (strncasecmp(ctype, "application/json", 16) == 0) return read_json(sc, req, resp, in);
    return http_error(resp, AP_ERR_UNSUPPORTED, json_pack("{s:s}", "content_type", ctype),
                      "unsupported Content-Type: send multipart/form-data or application/json");
}

/* A requested model_version must name the loaded model: its version ("NAME/3"), its
 * registry version ("3") or its engine. */
ap_status serve_check_model(const serve_model *m, const char *requested, http_response *resp)
{
    if (!*requested || strcmp(requested, m->version) == 0 ||
        strcmp(requested, m->engine_name) == 0 ||
        (*m->registry_version && strcmp(requested, m->registry_version) == 0))
        return AP_OK;
    return http_error(resp, AP_ERR_MODEL_NOT_FOUND, json_pack("{s:[s]}", "available", m->version),
                      "model version '%s' is not available", requested);
}

const char *serve_features_wanted(const http_request *req, const serve_input *in, const char *flag)
{
    const char *q = http_req_query(req, flag);
    bool use = in->json ? json_is_true(json_object_get(in->json, flag)) : false;
    if (q) use = strcmp(q, "true") == 0 || strcmp(q, "1") == 0;
    if (!use) return NULL;
    const char *id = in->json ? json_string_value(json_object_get(in->json, "document_id")) : NULL;
    if (!id) id = http_req_query(req, "document_id");
    return id ? id : req->request_id;
}

/* With use_feature_store, stores the document's OCR features (see serve_features_wanted). */
static void record_features(serve_ctx *sc, const http_request *req, const serve_input *in,
                            const serve_model *m, const ocr_result *r, const img_info *info,
                            json_t *body)
{
    const char *id = serve_features_wanted(req, in, "use_feature_store");
    if (!id) return;
    json_t *features =
        json_pack("{s:f,s:I,s:f,s:i,s:i,s:i,s:s,s:s}", "ocr_confidence", r->confidence / 100.0,
                  "word_count", (json_int_t)r->nwords, "processing_time",
                  json_real_value(json_object_get(body, "processing_time")), "image_width",
                  info->width, "image_height", info->height, "image_dpi", info->dpi, "image_format",
                  info->format, "model_version", m->version);
    if (features) serve_features_record(sc, id, features, body);
    json_decref(features);
}

ap_status serve_take_engines(serve_ctx *sc, serve_model *m, ocr_engine **engines, size_t max,
                             size_t *n, http_response *resp)
{
    void *e;
    *n = 0;
    ap_status st = ap_pool_get(m->pool, sc->request_timeout_s, &e);
    if (st == AP_ERR_BUSY) {
        resp->retry_after = 1;
        return http_error(resp, st, NULL, "all OCR workers are busy and the queue is full");
    }
    if (st != AP_OK)
        return http_error(resp, st, NULL, "no OCR worker became free within %.0f s",
                          sc->request_timeout_s);
    engines[(*n)++] = e;
    while (*n < max && ap_pool_get(m->pool, 0, &e) == AP_OK)
        engines[(*n)++] = e;
    return AP_OK;
}

ap_status serve_handle_ocr(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    double started = http_now();
    serve_input in;
    PIX *pix = NULL;
    ocr_engine *engine = NULL;
    ocr_result result = {0};
    ap_error err = {0};
    /* The model is held for the whole request: a swap meanwhile does not free it. */
    serve_model *model = serve_model_acquire(sc);
    ap_status st = serve_input_read(sc, req, resp, &in);
    if (st != AP_OK) goto out;
    if (!model) {
        st = http_error(resp, AP_ERR_UNAVAILABLE, NULL, "no model is loaded");
        goto out;
    }
    st = serve_check_model(model, in.model_version, resp);
    if (st != AP_OK) goto out;
    img_info info;
    st = img_decode(in.data, in.len, sc->max_pixels, &pix, &info, &err);
    if (st != AP_OK) {
        http_error(resp, st, NULL, "%s", err.msg);
        goto out;
    }
    size_t nengines;
    st = serve_take_engines(sc, model, &engine, 1, &nengines, resp);
    if (st != AP_OK) goto out;
    double left_ms = (sc->request_timeout_s - (http_now() - started)) * 1e3;
    ocr_params params = {.layout = OCR_LAYOUT_PAGE, .timeout_ms = left_ms < 1 ? 1 : (int)left_ms};
    st = ocr_recognize(engine, pix, &params, &result, &err);
    ap_pool_put(model->pool, engine);
    if (st != AP_OK) {
        http_error(resp, st, NULL, "%s", err.msg);
        goto out;
    }
    metric_set(sc->model_confidence, (const char *const[]){model->version},
               result.confidence / 100.0);
    json_t *body = ocr_result_json(&result);
    json_object_set_new(body, "engine", json_string(model->engine_name));
    json_object_set_new(body, "model_version", json_string(model->version));
    json_object_set_new(body, "processing_time", json_real(http_now() - started));
    json_object_set_new(body, "image",
                        json_pack("{s:s,s:i,s:i}", "format", info.format, "width", info.width,
                                  "height", info.height));
    record_features(sc, req, &in, model, &result, &info, body);
    http_reply_json(resp, 200, body);
out:
    ocr_result_free(&result);
    pixDestroy(&pix);
    serve_input_free(&in);
    serve_model_release(model);
    return st;
}
