/* client: the registry client used by the inference service, training and the CLI. It
 * speaks MLflow's REST API 2.0 (so it works against `aipipe registry` and against MLflow
 * itself) over libcurl: JSON requests with timeouts, retries with backoff after
 * connection errors and 5xx, bounded responses, MLflow error bodies turned into statuses.
 *
 * Model URIs: "models:/NAME/VERSION" (a number), "models:/NAME/STAGE" (Production,
 * Staging, Archived, None: the latest version in that stage), "models:/NAME@ALIAS", and
 * "models:/NAME" (the latest version of any stage).
 *
 * Artifacts of a version are fetched from its download URI (model-versions/
 * get-download-uri, else its source): "mlflow-artifacts:/path" through the server's proxy
 * (/api/2.0/mlflow-artifacts/artifacts/...), anything else (s3://, file://, a directory)
 * straight from that artifact store (registry/artifact.h).
 *
 * A client handle is used by one thread at a time. */
#ifndef AP_REGISTRY_CLIENT_H
#define AP_REGISTRY_CLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "core/status.h"

typedef struct regc_client regc_client;

typedef struct regc_options {
    const char *tracking_uri; /* http(s)://host:port; NULL or "": MLFLOW_TRACKING_URI */
    unsigned timeout_s;       /* per request; 0: 10 (artifact downloads: 30 x this) */
    unsigned retries;         /* after connection errors and 5xx; 0: 2 */
} regc_options;

/* One model version, as MLflow describes it. */
typedef struct regc_version {
    char name[256];
    char version[32];
    char stage[32];  /* current_stage: None, Staging, Production, Archived */
    char status[32]; /* READY, PENDING_REGISTRATION, FAILED_REGISTRATION */
    char source[2048];
    char run_id[64];
    int64_t created_ms; /* creation_timestamp */
    json_t *tags;       /* {key: value}, owned; never NULL after a successful call */
} regc_version;

/* A parsed model URI. Exactly one of version, stage, alias is set, or none ("latest"). */
typedef struct regc_model_ref {
    char name[256];
    char version[32];
    char stage[32];
    char alias[128];
} regc_model_ref;

/* On AP_OK *out is a client. AP_ERR_CONFIG when no tracking URI is set or it is not
 * http(s). */
ap_status regc_open(const regc_options *opts, regc_client **out, ap_error *err);
void regc_close(regc_client *c); /* accepts NULL */
const char *regc_tracking_uri(const regc_client *c);

/* Calls the MLflow endpoint (e.g. "registered-models/get"). GET sends query (already
 * encoded "a=b&c=d", may be NULL); other methods send body (borrowed, may be NULL: {}).
 * On AP_OK *out is the response object (caller decrefs). An MLflow error gives
 * AP_ERR_NOT_FOUND (RESOURCE_DOES_NOT_EXIST), AP_ERR_CONFLICT (RESOURCE_ALREADY_EXISTS),
 * AP_ERR_INVALID (INVALID_PARAMETER_VALUE and other 4xx), with its message in err;
 * AP_ERR_UNAVAILABLE when the server cannot be reached or keeps failing. */
ap_status regc_call(regc_client *c, const char *method, const char *endpoint, const char *query,
                    json_t *body, json_t **out, ap_error *err);

/* Parses a model URI; AP_ERR_INVALID with the reason when malformed. */
ap_status regc_parse_model_uri(const char *uri, regc_model_ref *out, ap_error *err);

/* Resolves a model URI to one version. AP_ERR_NOT_FOUND when the model, the version,
 * the alias, or any version in the stage does not exist. On AP_OK free with
 * regc_version_free. */
ap_status regc_resolve(regc_client *c, const char *model_uri, regc_version *out, ap_error *err);
ap_status regc_get_version(regc_client *c, const char *name, const char *version, regc_version *out,
                           ap_error *err);
/* Every version of a model, newest first (model-versions/search). *out is a JSON array
 * of MLflow model_version objects (caller decrefs). */
ap_status regc_list_versions(regc_client *c, const char *name, json_t **out, ap_error *err);
/* Fills v from an MLflow model_version object; AP_ERR_INVALID when fields are missing. */
ap_status regc_version_from_json(const json_t *mv, regc_version *v, ap_error *err);
void regc_version_free(regc_version *v);

/* Downloads every artifact of v into dir, which must not exist yet: the files are
 * written to a temporary sibling directory, checked (sizes against the listing; the
 * SHA-256 of each file against a "checksums.sha256" artifact when there is one), and the
 * directory is renamed to dir only when all are whole. AP_ERR_IO when a check fails. */
ap_status regc_download_version(regc_client *c, const regc_version *v, const char *dir,
                                ap_error *err);

/* Uploads the local file to the server's proxied artifact store at path
 * (PUT /api/2.0/mlflow-artifacts/artifacts/PATH) with its SHA-256 in a Content-Digest
 * header (RFC 9530), which `aipipe registry` checks before storing. AP_ERR_NOT_FOUND when
 * the server does not proxy artifacts; AP_ERR_INVALID when the server received other
 * bytes than were sent. */
ap_status regc_upload_artifact(regc_client *c, const char *path, const char *file, ap_error *err);

/* Sends a JSON request to any URL (the inference service's /models routes): body
 * (borrowed) may be NULL. On AP_OK *out is the parsed 2xx response; on an error answer
 * err holds its {"error": {"message"}} text. */
ap_status regc_http_json(regc_client *c, const char *method, const char *url, json_t *body,
                         json_t **out, ap_error *err);

/* Writes "checksums.sha256" (sha256sum format) for every regular file below dir, so a
 * later download can verify them. */
ap_status regc_write_checksums(const char *dir, ap_error *err);
/* Verifies the files below dir against its checksums.sha256; AP_OK when it is absent.
 * AP_ERR_IO names the first file that differs or is missing. */
ap_status regc_verify_checksums(const char *dir, ap_error *err);

#define REGC_CHECKSUMS "checksums.sha256"

#endif
