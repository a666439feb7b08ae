/* The feature routes of the inference service, and the hook the inference routes use to
 * record a document's features.
 *
 *   GET  /features/{entity_id}?features=a,b     one entity's features (bare names or view:feature)
 *   POST /features {"entity_id", "features"}    write features of one entity
 *   POST /get-online-features                   Feast-style read: features x entity ids
 *   POST /push                                  Feast-style columnar write into one view
 *
 * The store (features/store.h) is opened at start-up from the feature_store.* settings; a
 * Redis that cannot be reached does not stop the service: /health reports the store
 * "down" (the service "degraded"), the feature routes answer 503, and inference answers
 * with a warning instead of storing features. The store's state is checked at most once
 * a second. Every store call is timed into feature_store_latency_seconds{operation}. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "features/defs.h"
#include "features/store.h"
#include "serve/serve_internal.h"

#define FEATURES_MAX_ROWS 1000

typedef struct serve_features {
    fs_defs *defs;
    fs_store *store;
    metric *latency, *errors;
    pthread_mutex_t lock; /* guards state and checked_at */
    const char *state;
    double checked_at;
} serve_features;

static void observe(serve_features *f, const char *op, double started, ap_status st)
{
    metric_observe(f->latency, (const char *const[]){op}, http_now() - started);
    if (st != AP_OK) metric_add(f->errors, (const char *const[]){op}, 1);
}

/* fs_read and fs_write, timed into the store metrics. */
static ap_status timed_read(serve_features *f, size_t nids, const char *const *ids, size_t nrefs,
                            const fs_ref *refs, fs_value *vals, ap_error *err)
{
    double t = http_now();
    ap_status st = fs_read(f->store, nids, ids, nrefs, refs, vals, err);
    observe(f, "read", t, st);
    return st;
}

static ap_status timed_write(serve_features *f, size_t view, const char *id, const json_t *row,
                             int64_t event_ms, ap_error *err)
{
    double t = http_now();
    ap_status st = fs_write(f->store, view, id, row, event_ms, err);
    observe(f, "write", t, st);
    return st;
}

ap_status serve_features_open(serve_ctx *sc, ap_error *err)
{
    const cfg *c = sc->cfg;
    serve_features *f = calloc(1, sizeof *f);
    if (!f) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&f->lock, NULL);
    f->state = "down";
    f->checked_at = -1e9;
    sc->features = f;
    const char *defs = cfg_str(c, "feature_store.definitions");
    ap_status st;
    if (*defs) {
        st = fs_defs_load(defs, &f->defs, err);
    } else if (access("configs/feature_store.yaml", R_OK) == 0) {
        st = fs_defs_load("configs/feature_store.yaml", &f->defs, err);
    } else {
        st = fs_defs_parse(fs_builtin_defs, strlen(fs_builtin_defs), "(built-in definitions)",
                           &f->defs, err);
    }
    if (st != AP_OK) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return ap_fail(err, AP_ERR_CONFIG, "feature_store.definitions: %s", why);
    }
    static const double buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                     0.025,  0.05,    0.1,    0.25,  1,      5};
    f->latency = metrics_histogram(sc->metrics, "feature_store_latency_seconds",
                                   "Latency of online feature store operations.", "operation",
                                   buckets, sizeof buckets / sizeof buckets[0]);
    f->errors = metrics_counter(sc->metrics, "feature_store_errors_total",
                                "Online feature store operations that failed.", "operation");
    if (!f->latency || !f->errors) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    fs_options o = {
        .type = cfg_str(c, "feature_store.type"),
        .defs = f->defs,
        .path = cfg_str(c, "feature_store.path"),
        .fsync = cfg_bool(c, "feature_store.fsync"),
        .host = cfg_str(c, "feature_store.redis_host"),
        .port = (unsigned)cfg_int(c, "feature_store.redis_port"),
        .password = cfg_str(c, "feature_store.redis_password"),
        .db = (int)cfg_int(c, "feature_store.redis_db"),
        .sentinels = cfg_str(c, "feature_store.sentinels"),
        .master_name = cfg_str(c, "feature_store.master_name"),
        .sentinel_password = cfg_str(c, "feature_store.sentinel_password"),
        .cluster_nodes = cfg_str(c, "feature_store.cluster_nodes"),
        .pool_size = (unsigned)cfg_int(c, "feature_store.pool_size"),
        .timeout_s = (double)cfg_int(c, "feature_store.timeout_ms") / 1e3,
        .retry_s = (double)cfg_int(c, "feature_store.retry_ms") / 1e3,
        .wait_replicas = (int)cfg_int(c, "feature_store.wait_replicas"),
        .wait_timeout_ms = (int)cfg_int(c, "feature_store.wait_timeout_ms"),
    };
    st = fs_store_open(&o, &f->store, err);
    if (st != AP_OK) return st;
    log_emit(LOG_INFO, NULL,
             json_pack("{s:s,s:i,s:i}", "store", fs_store_type(f->store), "entities",
                       (int)f->defs->nentities, "feature_views", (int)f->defs->nviews),
             "feature store opened");
    return AP_OK;
}

void serve_features_close(serve_ctx *sc)
{
    serve_features *f = sc->features;
    if (!f) return;
    fs_store_close(f->store);
    fs_defs_free(f->defs);
    pthread_mutex_destroy(&f->lock);
    free(f);
    sc->features = NULL;
}

const char *serve_features_state(serve_ctx *sc)
{
    serve_features *f = sc->features;
    if (!f || !f->store) return "down";
    pthread_mutex_lock(&f->lock);
    if (http_now() - f->checked_at >= 1) {
        ap_error err = {0};
        double t = http_now();
        ap_status st = fs_health(f->store, &err);
        observe(f, "health", t, st);
        if (st != AP_OK && strcmp(f->state, "up") == 0) log_warn("feature store down: %s", err.msg);
        f->state = st == AP_OK ? "up" : "down";
        f->checked_at = http_now();
    }
    const char *s = f->state;
    pthread_mutex_unlock(&f->lock);
    return s;
}

/* ISO 8601 UTC with milliseconds. */
static void iso_ms(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", base, (int)(ms % 1000));
}

/* An event timestamp: epoch seconds (a number) or ISO 8601 text in UTC ("...Z", "+00:00"
 * or no zone). NULL or JSON null: now. */
static bool parse_time(const json_t *v, int64_t *ms)
{
    if (!v || json_is_null(v)) {
        *ms = fs_now_ms();
        return true;
    }
    if (json_is_number(v)) {
        double s = json_number_value(v);
        if (!(s >= 0 && s < 1e11)) return false;
        *ms = (int64_t)(s * 1000);
        return true;
    }
    if (!json_is_string(v)) return false;
    const char *s = json_string_value(v);
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p) p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!p) return false;
    int frac_ms = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3) frac_ms = frac_ms * 10 + (*p - '0');
        for (; digits < 3; digits++)
            frac_ms *= 10;
    }
    if (*p && strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0) return false;
    time_t t = timegm(&tm);
    if (t < 0) return false;
    *ms = (int64_t)t * 1000 + frac_ms;
    return true;
}

static ap_status store_error(http_response *resp, ap_status st, const ap_error *err)
{
    return http_error(resp, st, NULL, "feature store: %s", err->msg);
}

static ap_status need_store(serve_ctx *sc, http_response *resp)
{
    if (sc->features && sc->features->store) return AP_OK;
    return http_error(resp, AP_ERR_UNAVAILABLE, NULL, "the feature store is not open");
}

/* GET /features/{entity_id}?features=a,b */
ap_status serve_handle_features_get(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    ap_status st = need_store(sc, resp);
    if (st != AP_OK) return st;
    serve_features *f = sc->features;
    const fs_defs *d = f->defs;
    const char *id = req->wildcard;
    if (!fs_entity_id_valid(id))
        return http_error(resp, AP_ERR_INVALID, NULL,
                          "the entity id must be 1..%d printable ASCII characters without spaces",
                          FS_MAX_ENTITY_ID);
    fs_ref refs[FS_MAX_READ];
    char names[FS_MAX_READ][2 * FS_MAX_NAME + 2];
    size_t nrefs = 0;
    const char *list = http_req_query(req, "features");
    ap_error err = {0};
    if (list && *list) {
        for (const char *p = list; *p;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (len == 0 || len >= sizeof names[0])
                return http_error(resp, AP_ERR_INVALID, NULL, "features: bad name in '%.200s'",
                                  list);
            if (nrefs == FS_MAX_READ)
                return http_error(resp, AP_ERR_TOO_LARGE, NULL, "at most %d features", FS_MAX_READ);
            memcpy(names[nrefs], p, len);
            names[nrefs][len] = '\0';
            st = fs_defs_resolve(d, names[nrefs], &refs[nrefs].view, &refs[nrefs].feature, &err);
            if (st != AP_OK) return http_error(resp, st, NULL, "%s", err.msg);
            nrefs++;
            p += len + (comma != NULL);
        }
    } else {
        /* Every feature of the views of the first entity. */
        for (size_t v = 0; v < d->nviews; v++) {
            if (d->views[v].entity != 0) continue;
            for (size_t k = 0; k < d->views[v].nfeatures && nrefs < FS_MAX_READ; k++) {
                size_t rv, rf;
                const char *fname = d->views[v].features[k].name;
                if (fs_defs_resolve(d, fname, &rv, &rf, NULL) == AP_OK)
                    snprintf(names[nrefs], sizeof names[0], "%s", fname);
                else
                    snprintf(names[nrefs], sizeof names[0], "%s:%s", d->views[v].name, fname);
                refs[nrefs++] = (fs_ref){v, k};
            }
        }
    }
    fs_value *vals = calloc(nrefs, sizeof *vals);
    if (!vals) return http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
    st = timed_read(f, 1, &id, nrefs, refs, vals, &err);
    if (st != AP_OK) {
        free(vals);
        return store_error(resp, st, &err);
    }
    json_t *features = json_object(), *statuses = json_object();
    int64_t latest = 0;
    size_t present = 0;
    for (size_t j = 0; j < nrefs; j++) {
        json_object_set_new(features, names[j],
                            vals[j].value ? json_incref(vals[j].value) : json_null());
        json_object_set_new(statuses, names[j], json_string(fs_value_status_str(vals[j].status)));
        if (vals[j].status == FS_PRESENT) {
            present++;
            if (vals[j].event_ms > latest) latest = vals[j].event_ms;
        }
    }
    fs_values_free(vals, nrefs);
    free(vals);
    if (present == 0) {
        json_decref(features);
        return http_error(resp, AP_ERR_NOT_FOUND,
                          json_pack("{s:s,s:o}", "entity_id", id, "statuses", statuses),
                          "no features stored for entity '%s'", id);
    }
    char when[40];
    iso_ms(latest, when, sizeof when);
    http_reply_json(resp, 200,
                    json_pack("{s:s,s:o,s:s,s:o}", "entity_id", id, "features", features,
                              "timestamp", when, "statuses", statuses));
    return AP_OK;
}

/* Writes an object of features (bare names or view:feature) of one entity id, grouped by
 * view. On failure err says why; nothing is written when a name or a type is wrong. */
static ap_status write_features(serve_features *f, const char *id, const json_t *features,
                                int64_t event_ms, ap_error *err)
{
    const fs_defs *d = f->defs;
    if (!json_is_object(features) || json_object_size(features) == 0)
        return ap_fail(err, AP_ERR_INVALID, "features must be a non-empty object");
    json_t **by_view = calloc(d->nviews, sizeof *by_view);
    if (!by_view) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    ap_status st = AP_OK;
    const char *name;
    json_t *value;
    long entity = -1;
    json_object_foreach((json_t *)features, name, value)
    {
        size_t v, k;
        st = fs_defs_resolve(d, name, &v, &k, err);
        if (st != AP_OK) goto out;
        if (entity >= 0 && (size_t)entity != d->views[v].entity) {
            st = ap_fail(err, AP_ERR_INVALID, "features of one request must describe one entity");
            goto out;
        }
        entity = (long)d->views[v].entity;
        if (!fs_type_accepts(d->views[v].features[k].type, value)) {
            st = ap_fail(err, AP_ERR_INVALID, "feature '%s' must be of type %s", name,
                         fs_type_str(d->views[v].features[k].type));
            goto out;
        }
        if (!by_view[v] && !(by_view[v] = json_object())) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        json_object_set(by_view[v], d->views[v].features[k].name, value);
    }
    for (size_t v = 0; v < d->nviews && st == AP_OK; v++) {
        if (by_view[v]) st = timed_write(f, v, id, by_view[v], event_ms, err);
    }
out:
    for (size_t v = 0; v < d->nviews; v++)
        json_decref(by_view[v]);
    free(by_view);
    return st;
}

/* The JSON object body of a feature route, once the store is known to be open; NULL with
 * the reply set (and *st its status) otherwise. */
static json_t *store_body(serve_ctx *sc, const http_request *req, http_response *resp,
                          ap_status *st)
{
    if ((*st = need_store(sc, resp)) != AP_OK) return NULL;
    json_error_t jerr;
    json_t *body =
        json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body) {
        *st = http_error(resp, AP_ERR_INVALID,
                         json_pack("{s:i,s:i}", "line", jerr.line, "column", jerr.column),
                         "invalid JSON: %s", jerr.text);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        *st = http_error(resp, AP_ERR_INVALID, NULL, "the JSON body must be an object");
        return NULL;
    }
    *st = AP_OK;
    return body;
}

/* POST /features {"entity_id", "features": {...}, "event_timestamp"?} */
ap_status serve_handle_features_post(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    ap_status st;
    json_t *body = store_body(sc, req, resp, &st);
    if (!body) return st;
    const char *id = json_string_value(json_object_get(body, "entity_id"));
    int64_t event_ms;
    ap_error err = {0};
    if (!id || !fs_entity_id_valid(id)) {
        st = http_error(resp, AP_ERR_INVALID, NULL,
                        "entity_id must be a string of 1..%d printable ASCII characters without "
                        "spaces",
                        FS_MAX_ENTITY_ID);
    } else if (!parse_time(json_object_get(body, "event_timestamp"), &event_ms)) {
        st = http_error(resp, AP_ERR_INVALID, NULL,
                        "event_timestamp must be epoch seconds or ISO 8601 UTC text");
    } else if ((st = write_features(sc->features, id, json_object_get(body, "features"), event_ms,
                                    &err)) != AP_OK) {
        st = err.code == AP_ERR_UNAVAILABLE ? store_error(resp, st, &err)
                                            : http_error(resp, st, NULL, "%s", err.msg);
    } else {
        http_reply_json(resp, 200, json_pack("{s:s,s:s}", "status", "success", "entity_id", id));
    }
    json_decref(body);
    return st;
}

/* POST /get-online-features {"features": ["view:feature", ...], "entities": {"<join key>":
 * [ids...]}, "full_feature_names"?} -> Feast's column layout: results[0] is the entity
 * key column, then one column per feature, each with values, statuses, event_timestamps
 * over the ids. */
ap_status serve_handle_online_features(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    ap_status st;
    json_t *body = store_body(sc, req, resp, &st);
    if (!body) return st;
    serve_features *f = sc->features;
    const fs_defs *d = f->defs;
    json_t *features = json_object_get(body, "features");
    json_t *entities = json_object_get(body, "entities");
    bool full = json_is_true(json_object_get(body, "full_feature_names"));
    fs_ref *refs = NULL;
    const char **ids = NULL;
    fs_value *vals = NULL;
    size_t nrefs = 0, nids = 0;
    ap_error err = {0};
    if (!json_is_array(features) || json_array_size(features) == 0) {
        st = http_error(resp, AP_ERR_INVALID, NULL,
                        "features must be a non-empty list of \"view:feature\"");
        goto out;
    }
    if (!json_is_object(entities) || json_object_size(entities) != 1) {
        st = http_error(resp, AP_ERR_INVALID, NULL,
                        "entities must hold exactly one entity key with a list of ids");
        goto out;
    }
    const char *join_key = json_object_iter_key(json_object_iter(entities));
    json_t *idlist = json_object_iter_value(json_object_iter(entities));
    long entity = fs_defs_entity_by_key(d, join_key);
    if (entity < 0) {
        st = http_error(resp, AP_ERR_NOT_FOUND, NULL, "unknown entity key '%.80s'", join_key);
        goto out;
    }
    nrefs = json_array_size(features);
    nids = json_is_array(idlist) ? json_array_size(idlist) : 0;
    if (nids == 0) {
        st = http_error(resp, AP_ERR_INVALID, NULL, "entities.%s must be a non-empty list",
                        join_key);
        goto out;
    }
    if (nrefs > FS_MAX_READ || nids > FS_MAX_READ || nrefs * nids > FS_MAX_READ) {
        st = http_error(resp, AP_ERR_TOO_LARGE, NULL, "at most %d entity ids x features",
                        FS_MAX_READ);
        goto out;
    }
    refs = calloc(nrefs, sizeof *refs);
    ids = calloc(nids, sizeof *ids);
    vals = calloc(nrefs * nids, sizeof *vals);
    if (!refs || !ids || !vals) {
        st = http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nrefs; j++) {
        const char *ref = json_string_value(json_array_get(features, j));
        if (!ref) {
            st = http_error(resp, AP_ERR_INVALID, NULL, "features[%zu] must be a string", j);
            goto out;
        }
        if ((st = fs_defs_resolve(d, ref, &refs[j].view, &refs[j].feature, &err)) != AP_OK) {
            st = http_error(resp, st, NULL, "%s", err.msg);
            goto out;
        }
        if (d->views[refs[j].view].entity != (size_t)entity) {
            st = http_error(
                resp, AP_ERR_INVALID, NULL, "feature '%s' describes entity '%s', not '%s'", ref,
                d->entities[d->views[refs[j].view].entity].name, d->entities[entity].name);
            goto out;
        }
    }
    for (size_t i = 0; i < nids; i++) {
        json_t *v = json_array_get(idlist, i);
        ids[i] = json_string_value(v);
        if (!ids[i] || !fs_entity_id_valid(ids[i])) {
            st = http_error(resp, AP_ERR_INVALID, NULL,
                            "entities.%s[%zu] must be a string of 1..%d printable characters",
                            join_key, i, FS_MAX_ENTITY_ID);
            goto out;
        }
    }
    st = timed_read(f, nids, ids, nrefs, refs, vals, &err);
    if (st != AP_OK) {
        st = store_error(resp, st, &err);
        goto out;
    }
    json_t *names = json_array(), *results = json_array();
    json_array_append_new(names, json_string(join_key));
    json_t *keycol = json_pack("{s:o,s:o,s:o}", "values", json_array(), "statuses", json_array(),
                               "event_timestamps", json_array());
    for (size_t i = 0; i < nids; i++) {
        json_array_append_new(json_object_get(keycol, "values"), json_string(ids[i]));
        json_array_append_new(json_object_get(keycol, "statuses"), json_string("PRESENT"));
        json_array_append_new(json_object_get(keycol, "event_timestamps"),
                              json_string("1970-01-01T00:00:00.000Z"));
    }
    json_array_append_new(results, keycol);
    for (size_t j = 0; j < nrefs; j++) {
        const fs_view *v = &d->views[refs[j].view];
        char name[2 * FS_MAX_NAME + 3];
        if (full)
            snprintf(name, sizeof name, "%s__%s", v->name, v->features[refs[j].feature].name);
        else
            snprintf(name, sizeof name, "%s", v->features[refs[j].feature].name);
        json_array_append_new(names, json_string(name));
        json_t *values = json_array(), *statuses = json_array(), *times = json_array();
        for (size_t i = 0; i < nids; i++) {
            fs_value *c = &vals[i * nrefs + j];
            char when[40];
            iso_ms(c->event_ms, when, sizeof when);
            json_array_append_new(values, c->value ? json_incref(c->value) : json_null());
            json_array_append_new(statuses, json_string(fs_value_status_str(c->status)));
            json_array_append_new(times, json_string(when));
        }
        json_array_append_new(results, json_pack("{s:o,s:o,s:o}", "values", values, "statuses",
                                                 statuses, "event_timestamps", times));
    }
    http_reply_json(
        resp, 200,
        json_pack("{s:{s:o},s:o}", "metadata", "feature_names", names, "results", results));
out:
    if (vals) fs_values_free(vals, nrefs * nids);
    free(vals);
    free(ids);
    free(refs);
    json_decref(body);
    return st;
}

/* POST /push {"push_source_name": "<view>", "df": {"<join key>": [...], "<feature>": [...],
 * "event_timestamp"?: [...]}, "to"?: "online"}: one row per index of the columns. */
ap_status serve_handle_push(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    ap_status st;
    json_t *body = store_body(sc, req, resp, &st);
    if (!body) return st;
    serve_features *f = sc->features;
    const fs_defs *d = f->defs;
    ap_error err = {0};
    const char *source = json_string_value(json_object_get(body, "push_source_name"));
    json_t *df = json_object_get(body, "df");
    const char *to = json_string_value(json_object_get(body, "to"));
    long v = source ? fs_defs_view(d, source) : -1;
    size_t rows = 0, done = 0;
    if (!source) {
        st =
            http_error(resp, AP_ERR_INVALID, NULL, "push_source_name (a feature view) is required");
        goto out;
    }
    if (v < 0) {
        st = http_error(resp, AP_ERR_NOT_FOUND, NULL, "unknown feature view '%.80s'", source);
        goto out;
    }
    if (to && strcmp(to, "online") != 0 && strcmp(to, "online_and_offline") != 0) {
        st = http_error(resp, AP_ERR_UNSUPPORTED, NULL, "to: only \"online\" is stored here");
        goto out;
    }
    const char *join_key = d->entities[d->views[v].entity].join_key;
    json_t *idcol = json_object_get(df, "entity_id");
    if (!idcol) idcol = json_object_get(df, join_key);
    if (!json_is_object(df) || !json_is_array(idcol) || json_array_size(idcol) == 0) {
        st = http_error(resp, AP_ERR_INVALID, NULL,
                        "df must be an object of columns with a '%s' column", join_key);
        goto out;
    }
    rows = json_array_size(idcol);
    if (rows > FEATURES_MAX_ROWS) {
        st =
            http_error(resp, AP_ERR_TOO_LARGE, NULL, "at most %d rows per push", FEATURES_MAX_ROWS);
        goto out;
    }
    const char *col;
    json_t *values;
    json_object_foreach(df, col, values)
    {
        if (!json_is_array(values) || json_array_size(values) != rows) {
            st = http_error(resp, AP_ERR_INVALID, NULL,
                            "df column '%.80s' must be a list of %zu values", col, rows);
            goto out;
        }
    }
    for (size_t r = 0; r < rows; r++) {
        const char *id = json_string_value(json_array_get(idcol, r));
        json_t *row = json_object();
        int64_t event_ms = fs_now_ms();
        json_t *ts = json_object_get(df, "event_timestamp");
        if (!row) {
            st = http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
            goto out;
        }
        if (ts && !parse_time(json_array_get(ts, r), &event_ms)) {
            json_decref(row);
            st = http_error(resp, AP_ERR_INVALID, NULL, "df.event_timestamp[%zu] is not a time", r);
            goto out;
        }
        json_object_foreach(df, col, values)
        {
            if (json_array_get(values, r) == NULL || values == idcol || values == ts ||
                strcmp(col, "created") == 0)
                continue;
            json_object_set(row, col, json_array_get(values, r));
        }
        if (!id) {
            st = http_error(resp, AP_ERR_INVALID, NULL, "df.%s[%zu] must be a string", join_key, r);
        } else {
            st = timed_write(f, (size_t)v, id, row, event_ms, &err);
            if (st != AP_OK)
                st = st == AP_ERR_UNAVAILABLE
                         ? store_error(resp, st, &err)
                         : http_error(resp, st, json_pack("{s:i}", "row", (int)r), "row %zu: %s", r,
                                      err.msg);
        }
        json_decref(row);
        if (st != AP_OK) goto out;
        done++;
    }
    http_reply_json(resp, 200, json_pack("{s:s,s:i}", "status", "success", "rows", (int)done));
out:
    json_decref(body);
    return st;
}

bool serve_features_record(serve_ctx *sc, const char *document_id, const json_t *features,
                           json_t *response)
{
    serve_features *f = sc->features;
    ap_error err = {0};
    ap_status st;
    if (!f || !f->store)
        st = ap_fail(&err, AP_ERR_UNAVAILABLE, "the feature store is not open");
    else if (strcmp(serve_features_state(sc), "down") == 0)
        st = ap_fail(&err, AP_ERR_UNAVAILABLE, "the feature store is down");
    else
        st = write_features(f, document_id, features, fs_now_ms(), &err);
    json_object_set_new(response, "document_id", json_string(document_id));
    json_object_set_new(response, "features_stored", json_boolean(st == AP_OK));
    if (st == AP_OK) return true;
    json_t *warnings = json_object_get(response, "warnings");
    if (!json_is_array(warnings)) {
        warnings = json_array();
        json_object_set_new(response, "warnings", warnings);
    }
    json_array_append_new(warnings, json_sprintf("features not stored: %s", err.msg));
    log_warn("features of document %s not stored: %s", document_id, err.msg);
    return false;
}
