/* registry: configuration, start-up, routes, /health and /metrics of `aipipe registry`.
 * The MLflow API lives in reg_api.c (plumbing), reg_tracking.c (experiments, runs) and
 * reg_models.c (registered models, model versions); the backend store in reg_store*.c.
 *
 * States: starting (config, store opened and migrated) -> serving -> draining
 * (SIGTERM/SIGINT: listen socket closed, in-flight requests finish within
 * shutdown_timeout_s) -> stopped (store closed, exit 0). */
#include "registry/registry.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/signals.h"
#include "registry/artifact.h"
#include "registry/reg_internal.h"

static const cfg_key reg_keys[] = {
    {"server.host", "MLFLOW_HOST", "host", CFG_STRING, "127.0.0.1", 0, 0, NULL,
     "IPv4 address to listen on (0.0.0.0 inside a container)"},
    {"server.port", "MLFLOW_PORT", "port", CFG_INT, "5000", 0, 65535, NULL,
     "TCP port; 0 picks a free one (logged at start-up)"},
    {"server.threads", "REGISTRY_THREADS", "threads", CFG_INT, "16", 1, 1024, NULL,
     "HTTP worker threads"},
    {"server.request_timeout_s", "REQUEST_TIMEOUT", "request-timeout", CFG_INT, "60", 1, 3600, NULL,
     "seconds an idle connection is kept"},
    {"server.shutdown_timeout_s", "SHUTDOWN_TIMEOUT", "shutdown-timeout", CFG_INT, "30", 0, 3600,
     NULL, "seconds to let in-flight requests finish after SIGTERM"},
    {"store.backend_uri", "MLFLOW_BACKEND_STORE_URI", "backend-store-uri", CFG_STRING,
     "sqlite:///./var/registry.db", 0, 0, NULL,
     "backend store: sqlite:///PATH or postgresql://user:pass@host:port/db"},
    {"store.pool_size", "REGISTRY_DB_POOL_SIZE", "db-pool-size", CFG_INT, "0", 0, 256, NULL,
     "database connections; 0: one per HTTP thread"},
    {"store.busy_timeout_ms", "REGISTRY_DB_BUSY_TIMEOUT_MS", "db-busy-timeout-ms", CFG_INT, "10000",
     0, 600000, NULL, "SQLite: how long a writer waits for the write lock"},
    {"store.sqlite_synchronous", "REGISTRY_SQLITE_SYNCHRONOUS", "sqlite-synchronous", CFG_ENUM,
     "group", 0, 0, "full|group|normal",
     "SQLite: full and group (one shared WAL sync per group of concurrent commits) survive "
     "power loss; normal survives a crash of the process only"},
    {"artifacts.default_root", "MLFLOW_DEFAULT_ARTIFACT_ROOT", "default-artifact-root", CFG_STRING,
     "mlflow-artifacts:/", 0, 0, NULL,
     "artifact location of new experiments (mlflow-artifacts:/ proxies through this server)"},
    {"artifacts.destination", "MLFLOW_ARTIFACTS_DESTINATION", "artifacts-destination", CFG_STRING,
     "./var/artifacts", 0, 0, NULL,
     "where proxied artifacts are stored: a local directory or s3://bucket/prefix"},
    {"artifacts.serve", "MLFLOW_SERVE_ARTIFACTS", "serve-artifacts", CFG_BOOL, "true", 0, 0, NULL,
     "serve /api/2.0/mlflow-artifacts/ (proxied artifact upload, download, list)"},
    {"limits.max_body_bytes", "REGISTRY_MAX_BODY_BYTES", "max-body-bytes", CFG_INT, "67108864",
     1024, 4294967296, NULL, "largest request body in bytes (artifact uploads included)"},
    {"limits.rate_per_minute", "REGISTRY_RATE_LIMIT", "rate-limit", CFG_INT, "0", 0, 100000000,
     NULL, "API requests per client IP per minute; 0: off"},
    {"log.level", "LOG_LEVEL", "log-level", CFG_ENUM, "info", 0, 0, "debug|info|warn|error",
     "lowest level logged"},
    {"log.format", "LOG_FORMAT", "log-format", CFG_ENUM, "json", 0, 0, "json|text",
     "log line format"},
};
#define NKEYS (sizeof reg_keys / sizeof reg_keys[0])

#define RATE_API 0

static void iso_time(char *out, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* 200 while the backend store answers; 503 when it does not or while draining. */
static ap_status handle_health(void *vctx, const http_request *req, http_response *resp)
{
    (void)req;
    reg_ctx *ctx = vctx;
    ap_error err = {0};
    bool store_up = reg_store_ping(ctx->store, &err) == AP_OK;
    bool up = store_up && !atomic_load(&ctx->draining);
    char when[32];
    iso_time(when, sizeof when);
    json_t *body = json_pack(
        "{s:s,s:{s:s,s:s},s:s,s:s,s:s,s:f}", "status", up ? "healthy" : "unhealthy", "services",
        "backend_store", store_up ? "up" : "down", "artifact_store",
        ctx->artifacts ? "up" : "disabled", "backend_store_type", reg_store_kind(ctx->store),
        "timestamp", when, "version", AIPIPE_VERSION, "uptime_seconds", http_now() - ctx->started);
    if (body && !store_up) json_object_set_new(body, "error", json_string(err.msg));
    http_reply_json(resp, up ? 200 : 503, body);
    return AP_OK;
}

static ap_status handle_version(void *vctx, const http_request *req, http_response *resp)
{
    (void)vctx;
    (void)req;
    char *text = strdup(AIPIPE_VERSION);
    if (!text) return http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
    http_reply_take(resp, 200, "text/plain; charset=utf-8", text, strlen(text));
    return AP_OK;
}

static ap_status handle_metrics(void *vctx, const http_request *req, http_response *resp)
{
    (void)req;
    return http_reply_metrics(resp, ((reg_ctx *)vctx)->metrics);
}

static const http_route fixed_routes[] = {
    {"GET", "/health", handle_health, "health", -1},
    {"HEAD", "/health", handle_health, "health", -1},
    {"GET", "/version", handle_version, "version", -1},
    {"GET", "/metrics", handle_metrics, "metrics", -1},
    {"GET", "/api/2.0/mlflow-artifacts/artifacts", reg_artifacts_handle, "artifacts_list",
     RATE_API},
    {"GET", "/api/2.0/mlflow-artifacts/artifacts/*", reg_artifacts_handle, "artifacts_download",
     RATE_API},
    {"PUT", "/api/2.0/mlflow-artifacts/artifacts/*", reg_artifacts_handle, "artifacts_upload",
     RATE_API},
    {"DELETE", "/api/2.0/mlflow-artifacts/artifacts/*", reg_artifacts_handle, "artifacts_delete",
     RATE_API},
};

/* The route table: the fixed routes, then every MLflow endpoint under both prefixes.
 * Paths and the table are allocated once and freed at exit. */
static http_route *build_routes(size_t *nroutes, char ***paths, size_t *npaths)
{
    const struct {
        const reg_endpoint *eps;
        size_t n;
    } tables[] = {{reg_tracking_endpoints, reg_tracking_nendpoints},
                  {reg_model_endpoints, reg_model_nendpoints}};
    static const char *const prefixes[] = {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"};
    size_t nfixed = sizeof fixed_routes / sizeof fixed_routes[0], napi = 0;
    for (size_t t = 0; t < 2; t++)
        napi += tables[t].n;
    http_route *routes = calloc(nfixed + 2 * napi, sizeof *routes);
    char **owned = calloc(2 * napi, sizeof *owned);
    if (!routes || !owned) goto fail;
    memcpy(routes, fixed_routes, sizeof fixed_routes);
    size_t n = nfixed, np = 0;
    for (size_t p = 0; p < 2; p++)
        for (size_t t = 0; t < 2; t++)
            for (size_t i = 0; i < tables[t].n; i++) {
                const reg_endpoint *ep = &tables[t].eps[i];
                size_t len = strlen(prefixes[p]) + strlen(ep->path) + 1;
                char *path = malloc(len);
                if (!path) goto fail;
                snprintf(path, len, "%s%s", prefixes[p], ep->path);
                owned[np++] = path;
                routes[n++] = (http_route){ep->method, path, reg_api_dispatch, ep->path, RATE_API};
            }
    *nroutes = n;
    *paths = owned;
    *npaths = np;
    return routes;
fail:
    for (size_t i = 0; owned && i < 2 * napi; i++)
        free(owned[i]);
    free(owned);
    free(routes);
    return NULL;
}

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: aipipe registry [--config FILE] [flags]\n\n"
            "Runs the model registry and experiment tracking server, compatible with MLflow's\n"
            "REST API 2.0 (/api/2.0/mlflow/... and /ajax-api/2.0/mlflow/...), plus GET /health,\n"
            "/version and /metrics. Settings come from configs/registry.yaml (or --config\n"
            "FILE, or AIPIPE_REGISTRY_CONFIG), then the environment, then these flags.\n"
            "The backend store's schema is created and migrated at start-up. SIGTERM drains\n"
            "in-flight requests and exits 0.\n\n"
            "flags:\n"
            "  --config FILE                YAML settings file\n");
    cfg_print_help(reg_keys, NKEYS, out);
}

int reg_main(int argc, char **argv)
{
    reg_ctx ctx = {.started = http_now()};
    ap_error err = {0};
    bool help = false;
    const char *file = getenv("AIPIPE_REGISTRY_CONFIG");
    if (!file && access("configs/registry.yaml", R_OK) == 0) file = "configs/registry.yaml";
    if (cfg_load(reg_keys, NKEYS, file, argc, argv, &help, &ctx.cfg, &err) != AP_OK) {
        fprintf(stderr, "aipipe registry: %s\n", err.msg);
        return 2;
    }
    if (help) {
        print_help(stdout);
        cfg_free(ctx.cfg);
        return 0;
    }
    log_setup(strcmp(cfg_str(ctx.cfg, "log.format"), "json") == 0 ? LOG_FORMAT_JSON
                                                                  : LOG_FORMAT_TEXT,
              (log_level)log_level_parse(cfg_str(ctx.cfg, "log.level")));

    int rc = 1;
    http_server *server = NULL;
    http_route *routes = NULL;
    char **paths = NULL;
    size_t nroutes = 0, npaths = 0;
    if (signals_install(&err) != AP_OK) { /* before any thread starts */
        log_error("%s", err.msg);
        goto out;
    }
    unsigned threads = (unsigned)cfg_int(ctx.cfg, "server.threads");
    ctx.artifact_root = cfg_str(ctx.cfg, "artifacts.default_root");
    ctx.metrics = metrics_new(true);
    routes = build_routes(&nroutes, &paths, &npaths);
    if (!ctx.metrics || !routes) {
        log_error("out of memory");
        goto out;
    }
    ctx.store_errors = metrics_counter(ctx.metrics, "registry_store_errors_total",
                                       "Backend store failures, by kind.", "kind");
    ctx.tx_retries = metrics_counter(ctx.metrics, "registry_store_retries_total",
                                     "Write transactions retried because the store was busy.", "");
    metric *build = metrics_gauge(ctx.metrics, "registry_build_info",
                                  "Build information; the value is always 1.", "version,store");

    reg_store_options so = {
        .uri = cfg_str(ctx.cfg, "store.backend_uri"),
        .pool_size = cfg_int(ctx.cfg, "store.pool_size")
                         ? (unsigned)cfg_int(ctx.cfg, "store.pool_size")
                         : threads,
        .busy_timeout_ms = (unsigned)cfg_int(ctx.cfg, "store.busy_timeout_ms"),
        .sqlite_sync_full = strcmp(cfg_str(ctx.cfg, "store.sqlite_synchronous"), "full") == 0,
        .sqlite_group_commit = strcmp(cfg_str(ctx.cfg, "store.sqlite_synchronous"), "group") == 0,
    };
    if (reg_store_open(&so, &ctx.store, &err) != AP_OK) {
        log_error("store.backend_uri (env MLFLOW_BACKEND_STORE_URI): %s", err.msg);
        rc = err.code == AP_ERR_CONFIG ? 2 : 1;
        goto out;
    }
    /* The default experiment, as MLflow has it: id 0, named "Default". */
    {
        reg_conn *c;
        if (reg_conn_acquire(ctx.store, &c, &err) != AP_OK) {
            log_error("store: %s", err.msg);
            goto out;
        }
        char loc[2048];
        size_t n = strlen(ctx.artifact_root);
        snprintf(loc, sizeof loc, "%s%s0", ctx.artifact_root,
                 n && ctx.artifact_root[n - 1] == '/' ? "" : "/");
        int64_t now = reg_now_ms();
        ap_status st = reg_exec(c, NULL, NULL,
                                "INSERT INTO experiments (experiment_id, name, artifact_location, "
                                "lifecycle_stage, creation_time, last_update_time) VALUES (0, "
                                "'Default', ?, 'active', ?, ?) ON CONFLICT DO NOTHING",
                                "sii", loc, now, now);
        if (st != AP_OK)
            log_error("store: cannot create the default experiment: %s", reg_conn_error(c)->msg);
        reg_conn_release(ctx.store, c);
        if (st != AP_OK) goto out;
    }
    metric_set(build, (const char *const[]){AIPIPE_VERSION, reg_store_kind(ctx.store)}, 1);
    ctx.max_artifact_bytes = (size_t)cfg_int(ctx.cfg, "limits.max_body_bytes");
    if (cfg_bool(ctx.cfg, "artifacts.serve")) {
        art_options ao = {.create = true};
        const char *dest = cfg_str(ctx.cfg, "artifacts.destination");
        if (art_open(dest, &ao, &ctx.artifacts, &err) != AP_OK) {
            log_error("artifacts.destination (env MLFLOW_ARTIFACTS_DESTINATION): %s", err.msg);
            rc = 2;
            goto out;
        }
    }

    http_options opts = {
        .host = cfg_str(ctx.cfg, "server.host"),
        .port = (unsigned)cfg_int(ctx.cfg, "server.port"),
        .threads = threads,
        .max_body = (size_t)cfg_int(ctx.cfg, "limits.max_body_bytes"),
        .connection_timeout_s = (unsigned)cfg_int(ctx.cfg, "server.request_timeout_s"),
        .metric_prefix = "registry",
        .routes = routes,
        .nroutes = nroutes,
        .rate_per_minute = {[RATE_API] = (unsigned)cfg_int(ctx.cfg, "limits.rate_per_minute")},
        .metrics = ctx.metrics,
        .ctx = &ctx,
        .error_body = reg_api_error_body,
    };
    if (http_server_start(&opts, &server, &err) != AP_OK) {
        log_error("%s", err.msg);
        goto out;
    }
    log_emit(LOG_INFO, NULL,
             json_pack("{s:s,s:i,s:i,s:s,s:s,s:s}", "host", opts.host, "port",
                       (int)http_server_port(server), "threads", (int)threads, "backend_store",
                       reg_store_display_uri(ctx.store), "store_type", reg_store_kind(ctx.store),
                       "default_artifact_root", ctx.artifact_root),
             "listening");
    if (ctx.artifacts) log_info("serving artifacts from %s", art_uri(ctx.artifacts));

    int sig = signals_wait();
    atomic_store(&ctx.draining, true);
    http_server_quiesce(server);
    log_emit(LOG_INFO, NULL,
             json_pack("{s:s,s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "in_flight",
                       (int)http_server_in_flight(server)),
             "draining");
    if (!http_server_drain(server, (double)cfg_int(ctx.cfg, "server.shutdown_timeout_s")))
        log_warn("shutdown timeout: closing %u unfinished requests", http_server_in_flight(server));
    http_server_stop(server);
    server = NULL;
    log_info("stopped");
    rc = 0;
out:
    http_server_stop(server);
    reg_store_close(ctx.store);
    art_close(ctx.artifacts);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    free(routes);
    metrics_free(ctx.metrics);
    cfg_free(ctx.cfg);
    return rc;
}
