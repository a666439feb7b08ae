/* reg_artifacts: the proxied artifact routes of `aipipe registry`, as MLflow's
 * --serve-artifacts has them, over the artifact store (artifact.h) opened from
 * artifacts.destination:
 *
 *   PUT    /api/2.0/mlflow-artifacts/artifacts/<path>   upload (the body is the file)
 *   GET    /api/2.0/mlflow-artifacts/artifacts/<path>   download
 *   DELETE /api/2.0/mlflow-artifacts/artifacts/<path>   delete
 *   GET    /api/2.0/mlflow-artifacts/artifacts?path=P   one level of P: {"files": [...]}
 *   GET    /api/2.0/mlflow/artifacts/list?run_id=&path= a run's artifacts (root_uri, files)
 *
 * A path is a store key; the artifact store refuses keys that could escape its root
 * ("..", absolute, control bytes), which become INVALID_PARAMETER_VALUE here. A run whose
 * artifact_uri is mlflow-artifacts:/X lists the keys under X; other URIs (s3:// written
 * by clients directly) are listed as empty, as the server cannot read them.
 *
 * Integrity on upload: a PUT may carry RFC 9530's "Content-Digest: sha-256=:BASE64:"
 * (regc_upload_artifact always sends it); the body is hashed before it is stored and a
 * mismatch is refused with 400, so a body damaged on the way never becomes an artifact.
 * Other digest algorithms in the header are ignored, as the RFC allows. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/artifact.h"
#include "registry/reg_internal.h"

static ap_status art_failure(reg_call *c, ap_status st, const ap_error *err, const char *path)
{
    if (st == AP_ERR_NOT_FOUND)
        return reg_fail(c, st, "RESOURCE_DOES_NOT_EXIST", "Artifact '%s' not found", path);
    if (st == AP_ERR_FORBIDDEN || st == AP_ERR_INVALID)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Invalid artifact path '%s': %s", path, err->msg);
    if (st == AP_ERR_TOO_LARGE)
        return reg_fail(c, st, "INVALID_PARAMETER_VALUE", "Artifact '%s': %s", path, err->msg);
    return reg_fail(c, st, "INTERNAL_ERROR", "artifact store: %s", err->msg);
}

/* {"path", "is_dir", "file_size"} entries of one level under prefix, paths relative to
 * strip (a prefix of every key). */
static ap_status list_level(reg_call *c, const char *prefix, size_t strip, json_t **out)
{
    art_list l = {0};
    ap_error err = {0};
    *out = NULL;
    ap_status st = art_list_dir(c->ctx->artifacts, prefix, false, &l, &err);
    if (st != AP_OK) return art_failure(c, st, &err, prefix);
    json_t *files = json_array();
    for (size_t i = 0; i < l.n; i++) {
        const char *rel = strlen(l.items[i].key) > strip ? l.items[i].key + strip : l.items[i].key;
        json_t *f = json_pack("{s:s,s:b}", "path", rel, "is_dir", l.items[i].is_dir);
        if (f && !l.items[i].is_dir)
            json_object_set_new(f, "file_size", json_integer((json_int_t)l.items[i].size));
        json_array_append_new(files, f);
    }
    art_list_free(&l);
    *out = files;
    return AP_OK;
}

/* Checks the body of a PUT against its Content-Digest sha-256 member, when there is one.
 * AP_OK when it matches or there is none; otherwise the call has failed with 400. */
static ap_status check_digest(reg_call *c, const char *key)
{
    const char *h = http_req_header(c->req, "Content-Digest");
    const char *m = h ? strstr(h, "sha-256=:") : NULL;
    if (!m) return AP_OK;
    m += strlen("sha-256=:");
    const char *end = strchr(m, ':');
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    char want[4 * EVP_MAX_MD_SIZE / 3 + 8];
    if (!end || (size_t)(end - m) >= sizeof want)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Artifact '%s': malformed Content-Digest", key);
    const unsigned char *body = c->req->body ? c->req->body : (const unsigned char *)"";
    if (!EVP_Digest(body, c->req->body_len, d, &dn, EVP_sha256(), NULL))
        return reg_fail(c, AP_ERR_NOMEM, "INTERNAL_ERROR", "sha-256 failed");
    EVP_EncodeBlock((unsigned char *)want, d, (int)dn);
    if (strlen(want) != (size_t)(end - m) || memcmp(want, m, (size_t)(end - m)) != 0)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Artifact '%s': the body does not match its Content-Digest (sha-256 "
                        "%s)",
                        key, want);
    return AP_OK;
}

static ap_status no_store(reg_call *c)
{
    return reg_fail(c, AP_ERR_NOT_FOUND, "ENDPOINT_NOT_FOUND",
                    "artifact serving is disabled (artifacts.serve: false)");
}

/* GET artifacts/list: run_id, path, page_token (everything fits one page). */
ap_status reg_artifacts_list(reg_call *c)
{
    const char *id = reg_arg_str(c, "run_id");
    if (!id || !*id) id = reg_arg_str(c, "run_uuid");
    if (!id || !*id)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Missing value for required parameter 'run_id'. See the API docs for "
                        "more information about request parameters.");
    reg_rows *rows = NULL;
    ap_status st =
        reg_exec(c->conn, &rows, NULL, "SELECT artifact_uri FROM runs WHERE run_uuid = ?", "s", id);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (rows->nrows == 0) {
        reg_rows_free(rows);
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", "Run with id=%s not found",
                        id);
    }
    char uri[2048];
    snprintf(uri, sizeof uri, "%s", reg_cell(rows, 0, 0));
    reg_rows_free(rows);
    json_object_set_new(c->result, "root_uri", json_string(uri));
    const char *scheme = "mlflow-artifacts:";
    if (strncmp(uri, scheme, strlen(scheme)) != 0 || !c->ctx->artifacts) {
        json_object_set_new(c->result, "files", json_array());
        return AP_OK;
    }
    const char *root = uri + strlen(scheme);
    while (*root == '/')
        root++;
    const char *path = reg_arg_str(c, "path");
    char prefix[4096];
    snprintf(prefix, sizeof prefix, "%s%s%s", root, path && *path ? "/" : "", path ? path : "");
    json_t *files;
    st = list_level(c, prefix, strlen(root) + 1, &files);
    if (st != AP_OK) return st;
    json_object_set_new(c->result, "files", files);
    return AP_OK;
}

/* The artifact routes share this call setup: no arguments, no store connection. */
static ap_status artifact_route(void *vctx, const http_request *req, http_response *resp)
{
    reg_ctx *ctx = vctx;
    reg_call call = {.ctx = ctx, .req = req, .resp = resp};
    if (!ctx->artifacts) return no_store(&call);
    const char *key = req->wildcard;
    ap_error err = {0};
    ap_status st;
    if (!*key || strcmp(req->path, "/api/2.0/mlflow-artifacts/artifacts") == 0) {
        /* listing */
        if (strcmp(req->method, "GET") != 0)
            return reg_fail(&call, AP_ERR_METHOD, "ENDPOINT_NOT_FOUND", "method not allowed");
        const char *path = http_req_query(req, "path");
        json_t *files;
        st = list_level(&call, path ? path : "", path && *path ? strlen(path) + 1 : 0, &files);
        if (st != AP_OK) return st;
        http_reply_json(resp, 200, json_pack("{s:o}", "files", files));
        return AP_OK;
    }
    if (strcmp(req->method, "PUT") == 0) {
        st = check_digest(&call, key);
        if (st != AP_OK) return st;
        st = art_put_buffer(ctx->artifacts, key, req->body, req->body_len, &err);
        if (st != AP_OK) return art_failure(&call, st, &err, key);
        http_reply_json(resp, 200, json_object());
        return AP_OK;
    }
    if (strcmp(req->method, "DELETE") == 0) {
        st = art_delete(ctx->artifacts, key, &err);
        if (st != AP_OK) return art_failure(&call, st, &err, key);
        http_reply_json(resp, 200, json_object());
        return AP_OK;
    }
    unsigned char *data = NULL;
    size_t len = 0;
    st = art_get_buffer(ctx->artifacts, key, ctx->max_artifact_bytes, &data, &len, &err);
    if (st != AP_OK) return art_failure(&call, st, &err, key);
    http_reply_take(resp, 200, "application/octet-stream", (char *)data, len);
    return AP_OK;
}

ap_status reg_artifacts_handle(void *vctx, const http_request *req, http_response *resp)
{
    return artifact_route(vctx, req, resp);
}
