/* The inference service: configuration, start-up, the health and metrics routes, and the
 * SIGTERM drain. The inference routes live in serve_infer.c.
 *
 * States: starting (config, engines) -> serving -> draining (SIGTERM/SIGINT: the listen
 * socket is closed, /health/ready answers 503, in-flight requests finish within
 * shutdown_timeout_s) -> stopped (engines closed, exit 0). */
#include "serve/serve.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"
#include "core/signals.h"
#include "document/extract.h"
#include "serve/serve_internal.h"
#include "vision/image.h"

#define RATE_INFERENCE 0
#define RATE_FEATURES  1
#define RATE_MODELS    2

static const cfg_key serve_keys[] = {
    {"server.host", "HOST", "host", CFG_STRING, "127.0.0.1", 0, 0, NULL,
     "IPv4 address to listen on (0.0.0.0 inside a container)"},
    {"server.port", "PORT", "port", CFG_INT, "8000", 0, 65535, NULL,
     "TCP port; 0 picks a free one (logged at start-up)"},
    {"server.threads", "HTTP_THREADS", "threads", CFG_INT, "0", 0, 1024, NULL,
     "HTTP worker threads; 0: enough for every inference slot and queued request, plus 4"},
    {"server.request_timeout_s", "REQUEST_TIMEOUT", "request-timeout", CFG_INT, "60", 1, 3600, NULL,
     "seconds a request may wait for a worker and run"},
    {"server.shutdown_timeout_s", "SHUTDOWN_TIMEOUT", "shutdown-timeout", CFG_INT, "30", 0, 3600,
     NULL, "seconds to let in-flight requests finish after SIGTERM"},
    {"limits.max_body_bytes", "MAX_BODY_BYTES", "max-body-bytes", CFG_INT, "20971520", 1024,
     1073741824, NULL, "largest request body in bytes"},
    {"limits.max_image_pixels", "MAX_IMAGE_PIXELS", "max-image-pixels", CFG_INT, "50000000", 1,
     1000000000, NULL, "largest image in pixels (width x height)"},
    {"limits.max_concurrent_inferences", "MAX_CONCURRENT_INFERENCES", "max-concurrent", CFG_INT,
     "0", 0, 256, NULL, "inferences running at once (one OCR engine each); 0: one per core"},
    {"limits.max_queued_inferences", "MAX_QUEUED_INFERENCES", "max-queued", CFG_INT, "16", 0, 4096,
     NULL, "inferences waiting for an engine; past it, 503 with Retry-After"},
    {"rate_limits.inference_per_minute", "RATE_LIMIT_INFERENCE", "rate-limit-inference", CFG_INT,
     "100", 0, 1000000, NULL, "inference requests per client IP per minute; 0: off"},
    {"rate_limits.features_per_minute", "RATE_LIMIT_FEATURES", "rate-limit-features", CFG_INT,
     "1000", 0, 1000000, NULL, "feature requests per client IP per minute; 0: off"},
    {"rate_limits.models_per_minute", "RATE_LIMIT_MODELS", "rate-limit-models", CFG_INT, "10", 0,
     1000000, NULL, "model-management requests per client IP per minute; 0: off"},
    {"paths.allowed_dirs", "ALLOWED_IMAGE_DIRS", "allowed-dirs", CFG_LIST, "", 0, 0, NULL,
     "directories image_path may read from (':'-separated); empty: image_path refused"},
    {"ocr.engine", "OCR_ENGINE", "ocr-engine", CFG_ENUM, "tesseract", 0, 0, "tesseract",
     "OCR engine"},
    {"ocr.language", "OCR_LANGUAGE", "ocr-language", CFG_STRING, "eng", 0, 0, NULL,
     "OCR language model"},
    {"ocr.tessdata_dir", "TESSDATA_DIR", "tessdata-dir", CFG_STRING, "", 0, 0, NULL,
     "Tesseract model directory; empty: the system's"},
    {"extract.ocr_engine", "EXTRACT_OCR_ENGINE", "extract-ocr-engine", CFG_ENUM, "auto", 0, 0,
     "tesseract|fine_tuned_ocr|auto",
     "what reads the cells of /infer/document: the model's engine, aipipe's CRNN, or the CRNN "
     "with the model's engine for cells it reads doubtfully"},
    {"extract.ocr_model", "EXTRACT_OCR_MODEL", "extract-ocr-model", CFG_STRING,
     TT_OCR_MODEL_DEFAULT, 0, 0, NULL,
     "the CRNN's model directory; without a model the model's engine reads cells"},
    {"models.cache_dir", "MODEL_CACHE_DIR", "model-cache-dir", CFG_STRING, "./var/models", 0, 0,
     NULL, "local model cache directory (created at start-up)"},
    {"models.storage_type", "MODEL_STORAGE_TYPE", "model-storage-type", CFG_ENUM, "local", 0, 0,
     "local|s3", "where model artifacts are stored"},
    {"models.s3_bucket", "MODEL_S3_BUCKET", "model-s3-bucket", CFG_STRING, "", 0, 0, NULL,
     "S3 bucket of model artifacts (required with storage type s3)"},
    {"models.s3_prefix", "MODEL_S3_PREFIX", "model-s3-prefix", CFG_STRING, "models/", 0, 0, NULL,
     "key prefix of model artifacts in the bucket"},
    {"models.name", "MODEL_NAME", "model-name", CFG_STRING, "", 0, 0, NULL,
     "registered model to serve (its Production version); empty: the ocr.* engine"},
    {"models.uri", "MODEL_URI", "model-uri", CFG_STRING, "", 0, 0, NULL,
     "model URI to serve instead (models:/NAME/3, models:/NAME/Staging, models:/NAME@alias)"},
    {"models.poll_s", "MODEL_POLL_SECONDS", "model-poll-seconds", CFG_INT, "30", 0, 86400, NULL,
     "seconds between registry checks for a newly promoted version; 0: no polling"},
    {"models.validation_dir", "MODEL_VALIDATION_DIR", "model-validation-dir", CFG_STRING, "", 0, 0,
     NULL, "validation set of deploy with validate: *.png images, each with a .txt of its text"},
    {"registry.tracking_uri", "MLFLOW_TRACKING_URI", "tracking-uri", CFG_STRING, "", 0, 0, NULL,
     "model registry URL (http://host:port); empty: no registry, reported as disabled"},
    {"feature_store.type", "FEATURE_STORE", "feature-store", CFG_ENUM, "embedded", 0, 0,
     "embedded|redis|sentinel|cluster", "online feature store"},
    {"feature_store.redis_host", "REDIS_HOST", "redis-host", CFG_STRING, "127.0.0.1", 0, 0, NULL,
     "Redis host for the redis feature store"},
    {"feature_store.redis_port", "REDIS_PORT", "redis-port", CFG_INT, "6379", 1, 65535, NULL,
     "Redis port"},
    {"feature_store.redis_password", "REDIS_PASSWORD", "redis-password", CFG_STRING, "", 0, 0, NULL,
     "Redis password (AUTH; also of the cluster nodes and the master behind Sentinel)"},
    {"feature_store.redis_db", "REDIS_DB", "redis-db", CFG_INT, "0", 0, 1000, NULL,
     "Redis database number (redis, sentinel; a cluster has only 0)"},
    {"feature_store.sentinels", "REDIS_SENTINELS", "redis-sentinels", CFG_STRING, "", 0, 0, NULL,
     "Sentinels of the sentinel store: host:port,host:port,..."},
    {"feature_store.master_name", "REDIS_MASTER_NAME", "redis-master-name", CFG_STRING, "aipipe", 0,
     0, NULL, "the master name the sentinels monitor"},
    {"feature_store.sentinel_password", "REDIS_SENTINEL_PASSWORD", "redis-sentinel-password",
     CFG_STRING, "", 0, 0, NULL, "password of the sentinels themselves, if any"},
    {"feature_store.cluster_nodes", "REDIS_CLUSTER_NODES", "redis-cluster-nodes", CFG_STRING, "", 0,
     0, NULL, "seed nodes of the cluster store: host:port,host:port,..."},
    {"feature_store.wait_replicas", "REDIS_WAIT_REPLICAS", "redis-wait-replicas", CFG_INT, "0", 0,
     16, NULL, "redis/sentinel: writes wait for this many replicas to acknowledge (WAIT); 0: off"},
    {"feature_store.wait_timeout_ms", "REDIS_WAIT_TIMEOUT_MS", "redis-wait-timeout-ms", CFG_INT,
     "1000", 1, 60000, NULL, "how long WAIT waits"},
    {"feature_store.pool_size", "REDIS_POOL_SIZE", "redis-pool-size", CFG_INT, "8", 1, 256, NULL,
     "Redis connections (cluster: clients, one connection per node each)"},
    {"feature_store.timeout_ms", "REDIS_TIMEOUT_MS", "redis-timeout-ms", CFG_INT, "2000", 10, 60000,
     NULL, "Redis connect and command timeout"},
    {"feature_store.retry_ms", "FEATURE_STORE_RETRY_MS", "feature-store-retry-ms", CFG_INT, "0", 0,
     600000, NULL,
     "how long an operation retries through a failover; 0: 1000 (redis), 10000 (sentinel, "
     "cluster)"},
    {"feature_store.path", "FEATURE_STORE_PATH", "feature-store-path", CFG_STRING,
     "./var/features.aof", 0, 0, NULL, "append-only file of the embedded store"},
    {"feature_store.fsync", "FEATURE_STORE_FSYNC", "feature-store-fsync", CFG_BOOL, "false", 0, 0,
     NULL, "embedded: fsync every write (survives power loss, not only a crash)"},
    {"feature_store.definitions", "FEATURE_STORE_DEFINITIONS", "feature-store-definitions",
     CFG_STRING, "", 0, 0, NULL,
     "feature definitions file; empty: configs/feature_store.yaml when present, else built-in"},
    {"log.level", "LOG_LEVEL", "log-level", CFG_ENUM, "info", 0, 0, "debug|info|warn|error",
     "lowest level logged"},
    {"log.format", "LOG_FORMAT", "log-format", CFG_ENUM, "json", 0, 0, "json|text",
     "log line format"},
};
#define NKEYS (sizeof serve_keys / sizeof serve_keys[0])

static void iso_time(char *out, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The registry's state: "disabled" without a tracking URI, else whether its /health
 * answers 2xx within 2 s. Checked at most every 10 s; the registry is not required, so
 * "down" degrades the service instead of failing it. */
static const char *registry_state(serve_ctx *sc)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static double checked_at = -1e9;
    static const char *state = "down";
    const char *uri = cfg_str(sc->cfg, "registry.tracking_uri");
    if (!*uri) return "disabled";
    pthread_mutex_lock(&lock);
    if (http_now() - checked_at >= 10) {
        char url[1024];
        snprintf(url, sizeof url, "%s%shealth", uri, uri[strlen(uri) - 1] == '/' ? "" : "/");
        CURL *c = curl_easy_init();
        long code = 0;
        if (c) {
            curl_easy_setopt(c, CURLOPT_URL, url);
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
            curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
            curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
            if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
            curl_easy_cleanup(c);
        }
        state = code >= 200 && code < 300 ? "up" : "down";
        checked_at = http_now();
    }
    const char *s = state;
    pthread_mutex_unlock(&lock);
    return s;
}

static ap_status handle_health(void *ctx, const http_request *req, http_response *resp)
{
    (void)req;
    serve_ctx *sc = ctx;
    char when[32];
    iso_time(when, sizeof when);
    bool inference_up = sc->nengines > 0 && !atomic_load(&sc->draining);
    /* A served registry model reports what its loader saw; else the plain /health probe. */
    char loader_state[16];
    const char *registry = serve_models_registry_state(sc, loader_state, sizeof loader_state);
    if (strcmp(registry, "disabled") == 0)
        registry = registry_state(sc);
    else if (strcmp(registry, "unreachable") == 0)
        registry = "down"; /* serving the cached model meanwhile */
    const char *features = serve_features_state(sc);
    const char *status = !inference_up                   ? "unhealthy"
                         : strcmp(registry, "down") == 0 ? "degraded"
                         : strcmp(features, "down") == 0 ? "degraded"
                                                         : "healthy";
    json_t *body = json_pack("{s:s,s:{s:s,s:s,s:s},s:s,s:s,s:f}", "status", status, "services",
                             "inference", inference_up ? "up" : "down", "feature_store", features,
                             "model_registry", registry, "timestamp", when, "version",
                             AIPIPE_VERSION, "uptime_seconds", http_now() - sc->started_monotonic);
    json_object_set_new(body, "model", serve_models_health(sc));
    http_reply_json(resp, inference_up ? 200 : 503, body);
    return AP_OK;
}

static ap_status handle_live(void *ctx, const http_request *req, http_response *resp)
{
    (void)ctx;
    (void)req;
    http_reply_json(resp, 200, json_pack("{s:s}", "status", "alive"));
    return AP_OK;
}

static ap_status handle_ready(void *ctx, const http_request *req, http_response *resp)
{
    (void)req;
    serve_ctx *sc = ctx;
    bool ready = sc->nengines > 0 && !atomic_load(&sc->draining);
    http_reply_json(resp, ready ? 200 : 503,
                    json_pack("{s:s}", "status", ready ? "ready" : "not_ready"));
    return AP_OK;
}

static ap_status handle_metrics(void *ctx, const http_request *req, http_response *resp)
{
    (void)req;
    return http_reply_metrics(resp, ((serve_ctx *)ctx)->metrics);
}

static const http_route serve_routes[] = {
    {"GET", "/health", handle_health, "health", -1},
    {"GET", "/health/live", handle_live, "health_live", -1},
    {"GET", "/health/ready", handle_ready, "health_ready", -1},
    {"GET", "/metrics", handle_metrics, "metrics", -1},
    {"POST", "/infer/ocr", serve_handle_ocr, "infer_ocr", RATE_INFERENCE},
    {"POST", "/infer/document", serve_handle_document, "infer_document", RATE_INFERENCE},
    {"GET", "/features/*", serve_handle_features_get, "features_get", RATE_FEATURES},
    {"POST", "/features", serve_handle_features_post, "features_post", RATE_FEATURES},
    {"POST", "/get-online-features", serve_handle_online_features, "get_online_features",
     RATE_FEATURES},
    {"POST", "/push", serve_handle_push, "push", RATE_FEATURES},
    {"GET", "/models", serve_handle_models, "models", RATE_MODELS},
    {"GET", "/models/*", serve_handle_model, "model_get", RATE_MODELS},
    {"POST", "/models/*", serve_handle_model, "model_deploy", RATE_MODELS},
};

static void print_help(FILE *out)
{
    fprintf(out, "usage: aipipe serve [--config FILE] [flags]\n\n"
                 "Runs the inference service: POST /infer/ocr and /infer/document, GET /health,\n"
                 "/health/live, /health/ready and /metrics, features and models, also under\n"
                 "/api/v1. Settings come from configs/inference.yaml (or --config FILE, or\n"
                 "AIPIPE_CONFIG), then the environment, then these flags. SIGTERM drains\n"
                 "in-flight requests and exits 0.\n\n"
                 "flags:\n"
                 "  --config FILE                YAML settings file\n");
    cfg_print_help(serve_keys, NKEYS, out);
}

/* Checks what no single key can: combinations and the file system. */
static ap_status validate(const cfg *c, ap_error *err)
{
    if (strcmp(cfg_str(c, "models.storage_type"), "s3") == 0 && !*cfg_str(c, "models.s3_bucket"))
        return ap_fail(err, AP_ERR_CONFIG,
                       "models.s3_bucket (env MODEL_S3_BUCKET) is required when "
                       "models.storage_type is s3");
    const char *uri = cfg_str(c, "registry.tracking_uri");
    if (*uri && strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)
        return ap_fail(err, AP_ERR_CONFIG,
                       "registry.tracking_uri (env MLFLOW_TRACKING_URI): '%s' must start with "
                       "http:// or https://",
                       uri);
    for (size_t i = 0; i < cfg_list_len(c, "paths.allowed_dirs"); i++) {
        struct stat sb;
        const char *d = cfg_list_item(c, "paths.allowed_dirs", i);
        if (stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return ap_fail(err, AP_ERR_CONFIG,
                           "paths.allowed_dirs (env ALLOWED_IMAGE_DIRS): '%s' is not a directory",
                           d);
    }
    return AP_OK;
}

/* Loads the model (serve_models.c: registry, cache or the ocr.* engine), one engine per
 * inference slot. The engines live in the model, which can be swapped while serving. */
static ap_status open_engines(serve_ctx *sc, size_t count, size_t queue, ap_error *err)
{
    ap_status st = serve_models_start(sc, count, queue, err);
    if (st != AP_OK) return st;
    sc->nengines = count;
    sc->engine_name = cfg_str(sc->cfg, "ocr.engine");
    sc->model_version = sc->loaded_version;
    return AP_OK;
}

static void serve_cleanup(serve_ctx *sc)
{
    serve_models_stop(sc);
    free(sc->allowed_dirs);
    serve_features_close(sc);
    metrics_free(sc->metrics);
    cfg_free(sc->cfg);
}

int serve_main(int argc, char **argv)
{
    serve_ctx sc = {.started_monotonic = http_now()};
    ap_error err = {0};
    bool help = false;
    const char *file = getenv("AIPIPE_CONFIG");
    if (!file && access("configs/inference.yaml", R_OK) == 0) file = "configs/inference.yaml";
    if (cfg_load(serve_keys, NKEYS, file, argc, argv, &help, &sc.cfg, &err) != AP_OK ||
        (!help && validate(sc.cfg, &err) != AP_OK)) {
        fprintf(stderr, "aipipe serve: %s\n", err.msg);
        cfg_free(sc.cfg);
        return 2;
    }
    if (help) {
        print_help(stdout);
        cfg_free(sc.cfg);
        return 0;
    }
    log_setup(strcmp(cfg_str(sc.cfg, "log.format"), "json") == 0 ? LOG_FORMAT_JSON
                                                                 : LOG_FORMAT_TEXT,
              (log_level)log_level_parse(cfg_str(sc.cfg, "log.level")));
    img_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    int rc = 1;
    http_server *server = NULL;
    if (signals_install(&err) != AP_OK) { /* before any thread starts */
        log_error("%s", err.msg);
        goto out;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t slots = (size_t)cfg_int(sc.cfg, "limits.max_concurrent_inferences");
    if (slots == 0) slots = cores > 0 ? (size_t)cores : 1;
    size_t queue = (size_t)cfg_int(sc.cfg, "limits.max_queued_inferences");
    sc.max_body = (size_t)cfg_int(sc.cfg, "limits.max_body_bytes");
    sc.max_pixels = (size_t)cfg_int(sc.cfg, "limits.max_image_pixels");
    sc.request_timeout_s = (double)cfg_int(sc.cfg, "server.request_timeout_s");
    sc.nallowed = cfg_list_len(sc.cfg, "paths.allowed_dirs");
    sc.allowed_dirs = calloc(sc.nallowed + 1, sizeof *sc.allowed_dirs);
    sc.metrics = metrics_new(true);
    if (!sc.allowed_dirs || !sc.metrics) {
        log_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < sc.nallowed; i++)
        sc.allowed_dirs[i] = cfg_list_item(sc.cfg, "paths.allowed_dirs", i);

    const char *cache = cfg_str(sc.cfg, "models.cache_dir");
    if (files_mkdir_p(cache, &err) != AP_OK) {
        log_error("models.cache_dir (env MODEL_CACHE_DIR): %s", err.msg);
        goto out;
    }
    if (open_engines(&sc, slots, queue, &err) != AP_OK) {
        log_error("%s", err.msg);
        goto out;
    }
    if (serve_features_open(&sc, &err) != AP_OK) {
        log_error("%s", err.msg);
        if (err.code == AP_ERR_CONFIG) rc = 2;
        goto out;
    }
    sc.model_confidence =
        metrics_gauge(sc.metrics, "model_confidence",
                      "Mean word confidence (0..1) of the last inference, by model.", "model");
    metric *build =
        metrics_gauge(sc.metrics, "aipipe_build_info", "Build information; the value is always 1.",
                      "version,ocr_engine");
    metric_set(build, (const char *const[]){AIPIPE_VERSION, sc.model_version}, 1);

    unsigned threads = (unsigned)cfg_int(sc.cfg, "server.threads");
    if (threads == 0) threads = (unsigned)(slots + queue + 4);
    http_options opts = {
        .host = cfg_str(sc.cfg, "server.host"),
        .port = (unsigned)cfg_int(sc.cfg, "server.port"),
        .threads = threads,
        .max_body = sc.max_body,
        .connection_timeout_s = (unsigned)sc.request_timeout_s + 5,
        .base_prefix = "/api/v1",
        .metric_prefix = "inference",
        .routes = serve_routes,
        .nroutes = sizeof serve_routes / sizeof serve_routes[0],
        .rate_per_minute =
            {[RATE_INFERENCE] = (unsigned)cfg_int(sc.cfg, "rate_limits.inference_per_minute"),
             [RATE_FEATURES] = (unsigned)cfg_int(sc.cfg, "rate_limits.features_per_minute"),
             [RATE_MODELS] = (unsigned)cfg_int(sc.cfg, "rate_limits.models_per_minute")},
        .metrics = sc.metrics,
        .ctx = &sc,
    };
    if (http_server_start(&opts, &server, &err) != AP_OK) {
        log_error("%s", err.msg);
        goto out;
    }
    log_emit(LOG_INFO, NULL,
             json_pack("{s:s,s:i,s:i,s:i,s:i,s:s}", "host", opts.host, "port",
                       (int)http_server_port(server), "threads", (int)threads, "engines",
                       (int)slots, "queue", (int)queue, "model_version", sc.model_version),
             "listening");

    int sig = signals_wait();
    atomic_store(&sc.draining, true);
    http_server_quiesce(server);
    double grace = (double)cfg_int(sc.cfg, "server.shutdown_timeout_s");
    log_emit(LOG_INFO, NULL,
             json_pack("{s:s,s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "in_flight",
                       (int)http_server_in_flight(server)),
             "draining");
    bool drained = http_server_drain(server, grace);
    if (!drained)
        log_warn("shutdown timeout: closing %u unfinished requests", http_server_in_flight(server));
    http_server_stop(server);
    server = NULL;
    log_info("stopped");
    rc = 0;
out:
    http_server_stop(server);
    serve_cleanup(&sc);
    curl_global_cleanup();
    return rc;
}
