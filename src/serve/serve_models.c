/* serve_models: the inference service's model: which one is loaded, fetching another from
 * the registry, swapping it in without dropping requests, and the /models routes.
 *
 * A loaded model (serve_model) is a pool of engines plus what it is (registry name,
 * version, stage, engine). It is reference-counted: a request acquires the current model
 * (serve_model_acquire, under model_lock), borrows an engine from its pool, and releases
 * the model when done. A swap builds the new model completely beside the old one, then
 * replaces sc->model under the lock and drops the service's reference to the old one;
 * the old model's engines are closed by whichever request releases it last. So no
 * request ever waits for a swap, and none sees a half-built model.
 *
 * Where the model comes from (models.uri, else models:/NAME/Production from models.name):
 *   start-up: resolve in the registry, download into models.cache_dir/NAME/VERSION
 *     (download.c: temporary directory, size and SHA-256 checks, rename) and load; when
 *     the registry cannot be reached, load the version recorded in NAME/current of the
 *     cache; with neither (or no model configured), the engine of the ocr.* settings.
 *   poll (every models.poll_s): resolve again; a version other than the last one
 *     resolved is loaded and swapped in. A manual deploy pins its version until the
 *     registry's resolution changes again, so a rollback is not undone by the next poll.
 *   deploy (POST /models/NAME/deploy): load the given version; with validate, score
 *     candidate and current on the validation set (models.validation_dir: images with
 *     a .txt of their text beside each) and refuse the candidate when it scores lower.
 *
 * Engines: the version's tag "engine" (default: ocr.engine) names the backend; its
 * model directory is the engine's datapath, and a "*.traineddata" file in it names the
 * language (tag "language" overrides). Another engine (the CRNN of issue 6) plugs in by
 * name through ocr_engine_open. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"
#include "core/upload.h"
#include "registry/artifact.h"
#include "registry/client.h"
#include "serve/serve_internal.h"
#include "vision/image.h"

#define VALIDATION_MAX_IMAGES 64

struct serve_models {
    pthread_mutex_t op_lock; /* one load/deploy at a time */
    pthread_mutex_t state_lock;
    pthread_cond_t wake;
    pthread_t poller;
    bool poller_running, stop;
    char uri[600];  /* models:/... or "" (no registry model) */
    char name[256]; /* registry model name, or "" */
    char cache[PATH_MAX];
    char tracking_uri[1024];
    unsigned poll_s;
    size_t slots, queue;
    /* under state_lock */
    char last_resolved[32];  /* the version the registry resolution gave last */
    char previous[32];       /* the registry version loaded before the current one */
    char registry_state[16]; /* "disabled", "up", "unreachable" */
    char last_error[256];
    double last_poll;
};

/* ---- the loaded model ---- */

serve_model *serve_model_acquire(serve_ctx *sc)
{
    pthread_mutex_lock(&sc->model_lock);
    serve_model *m = sc->model;
    if (m) atomic_fetch_add(&m->refs, 1);
    pthread_mutex_unlock(&sc->model_lock);
    return m;
}

static void model_free(serve_model *m)
{
    if (!m) return;
    if (m->pool) {
        void *items[256];
        ap_pool_drain(m->pool, items, sizeof items / sizeof items[0]);
    }
    for (size_t i = 0; i < m->nengines; i++)
        ocr_engine_close(m->engines[i]);
    free(m->engines);
    ap_pool_free(m->pool);
    free(m);
}

void serve_model_release(serve_model *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) model_free(m);
}

/* Replaces the current model with m (which carries one reference for the service). */
static void model_swap(serve_ctx *sc, serve_model *m)
{
    pthread_mutex_lock(&sc->model_lock);
    serve_model *old = sc->model;
    sc->model = m;
    /* Kept for code that reads the version without acquiring the model (logs, features):
     * a fixed buffer, so it is never freed under a reader. */
    snprintf(sc->loaded_version, sizeof sc->loaded_version, "%s", m->version);
    pthread_mutex_unlock(&sc->model_lock);
    if (old)
        log_emit(LOG_INFO, NULL,
                 json_pack("{s:s,s:s}", "old_version", old->version, "new_version", m->version),
                 "model swapped; the old one is freed when its last request ends");
    serve_model_release(old);
}

/* The language of a Tesseract model directory: the name of its one *.traineddata. */
static void find_language(const char *dir, char *out, size_t size)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 12 && strcmp(de->d_name + n - 12, ".traineddata") == 0 && n - 12 < size) {
            memcpy(out, de->d_name, n - 12);
            out[n - 12] = '\0';
            break;
        }
    }
    closedir(d);
}

/* Opens slots engines for a model directory (NULL: the ocr.* settings). */
static ap_status model_open(serve_ctx *sc, const regc_version *v, const char *dir,
                            serve_model **out, ap_error *err)
{
    *out = NULL;
    serve_models *ld = sc->loader;
    serve_model *m = calloc(1, sizeof *m);
    if (!m) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    atomic_init(&m->refs, 1);
    char language[64] = "";
    const char *engine = cfg_str(sc->cfg, "ocr.engine");
    ocr_options opts = {.engine = engine,
                        .language = cfg_str(sc->cfg, "ocr.language"),
                        .datapath = cfg_str(sc->cfg, "ocr.tessdata_dir")};
    if (v) {
        const char *tag_engine = json_string_value(json_object_get(v->tags, "engine"));
        const char *tag_lang = json_string_value(json_object_get(v->tags, "language"));
        if (tag_engine) opts.engine = tag_engine;
        if (tag_lang)
            snprintf(language, sizeof language, "%s", tag_lang);
        else
            find_language(dir, language, sizeof language);
        if (*language) opts.language = language;
        opts.datapath = dir;
        snprintf(m->name, sizeof m->name, "%s", v->name);
        snprintf(m->registry_version, sizeof m->registry_version, "%s", v->version);
        snprintf(m->stage, sizeof m->stage, "%s", v->stage);
        snprintf(m->dir, sizeof m->dir, "%.1000s", dir);
        m->created_ms = v->created_ms;
    }
    ap_status st = AP_OK;
    m->pool = ap_pool_new(ld->slots, ld->queue);
    m->engines = calloc(ld->slots, sizeof *m->engines);
    if (!m->pool || !m->engines) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < ld->slots; i++) {
        st = ocr_engine_open(&opts, &m->engines[i], err);
        if (st != AP_OK) goto out;
        m->nengines++;
        ap_pool_add(m->pool, m->engines[i]);
    }
    snprintf(m->engine_name, sizeof m->engine_name, "%s", ocr_engine_name(m->engines[0]));
    if (v)
        snprintf(m->version, sizeof m->version, "%s/%s", v->name, v->version);
    else
        snprintf(m->version, sizeof m->version, "%s", ocr_engine_version(m->engines[0]));
out:
    if (st != AP_OK) {
        model_free(m);
        return st;
    }
    *out = m;
    return AP_OK;
}

/* ---- the cache ---- */

/* A version's metadata, kept beside its directory so a registry-less start knows it. */
static void cache_write_meta(serve_models *ld, const regc_version *v)
{
    char path[PATH_MAX + 512];
    snprintf(path, sizeof path, "%s/%s/%s.json", ld->cache, v->name, v->version);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I,s:O}", "name", v->name, "version", v->version,
                          "current_stage", v->stage, "source", v->source, "creation_timestamp",
                          (json_int_t)v->created_ms, "tags", v->tags);
    if (j) json_dump_file(j, path, JSON_COMPACT);
    json_decref(j);
}

/* Records the loaded version as NAME/current (written whole, then renamed). */
static void cache_set_current(serve_models *ld, const char *name, const char *version)
{
    char path[PATH_MAX + 512], tmp[PATH_MAX + 560];
    snprintf(path, sizeof path, "%s/%s/current", ld->cache, name);
    int fd = -1;
    if (art_tmp_create(path, tmp, sizeof tmp, &fd, NULL) != AP_OK) return;
    size_t n = strlen(version);
    if (write(fd, version, n) != (ssize_t)n) {
        art_tmp_abort(fd, tmp);
        return;
    }
    art_tmp_commit(fd, tmp, path, NULL);
}

/* The cached version recorded as current, with its metadata. */
static ap_status cache_current(serve_models *ld, regc_version *v, char *dir, size_t dsize,
                               ap_error *err)
{
    char path[PATH_MAX + 512], version[32] = "";
    snprintf(path, sizeof path, "%s/%s/current", ld->cache, ld->name);
    FILE *f = fopen(path, "r");
    if (!f) return ap_fail(err, AP_ERR_NOT_FOUND, "no cached version of '%s'", ld->name);
    if (!fgets(version, sizeof version, f)) version[0] = '\0';
    fclose(f);
    version[strcspn(version, "\r\n")] = '\0';
    snprintf(path, sizeof path, "%s/%s/%s.json", ld->cache, ld->name, version);
    json_t *j = json_load_file(path, 0, NULL);
    ap_status st = j ? AP_OK : ap_fail(err, AP_ERR_NOT_FOUND, "cache metadata %s is missing", path);
    if (st == AP_OK) {
        /* the metadata keeps tags as an object; rebuild the MLflow list form */
        json_t *tags = json_array();
        const char *k;
        json_t *val;
        json_object_foreach(json_object_get(j, "tags"), k, val)
            json_array_append_new(tags, json_pack("{s:s,s:O}", "key", k, "value", val));
        json_object_set_new(j, "tags", tags);
        st = regc_version_from_json(j, v, err);
    }
    json_decref(j);
    snprintf(dir, dsize, "%s/%s/%s", ld->cache, ld->name, version);
    return st;
}

/* Makes sure version v is in the cache (downloading it when not); dir gets its path. */
static ap_status cache_fetch(serve_models *ld, regc_client *rc, const regc_version *v, char *dir,
                             size_t dsize, ap_error *err)
{
    char parent[PATH_MAX + 512];
    if (strchr(v->name, '/') || strstr(v->name, "..") || strchr(v->version, '/'))
        return ap_fail(err, AP_ERR_INVALID, "model name '%s' cannot name a cache directory",
                       v->name);
    if ((size_t)snprintf(parent, sizeof parent, "%s/%s", ld->cache, v->name) >= sizeof parent ||
        (size_t)snprintf(dir, dsize, "%s/%s", parent, v->version) >= dsize)
        return ap_fail(err, AP_ERR_INVALID, "model cache path too long for '%s'", v->name);
    ap_status made = files_mkdir_p(parent, err);
    if (made != AP_OK) return made;
    struct stat sb;
    ap_status st = AP_OK;
    if (stat(dir, &sb) != 0) {
        double t0 = http_now();
        st = regc_download_version(rc, v, dir, err);
        if (st == AP_ERR_CONFLICT) st = AP_OK; /* another process put it there first */
        if (st == AP_OK)
            log_emit(LOG_INFO, NULL,
                     json_pack("{s:s,s:s,s:s,s:f}", "model", v->name, "version", v->version, "dir",
                               dir, "seconds", http_now() - t0),
                     "model downloaded");
    } else {
        /* cached: the directory was renamed into place whole; re-check its files */
        st = regc_verify_checksums(dir, err);
    }
    if (st == AP_OK) cache_write_meta(ld, v);
    return st;
}

/* ---- loading ---- */

static void set_registry_state(serve_models *ld, const char *state, const char *error)
{
    pthread_mutex_lock(&ld->state_lock);
    snprintf(ld->registry_state, sizeof ld->registry_state, "%s", state);
    snprintf(ld->last_error, sizeof ld->last_error, "%s", error ? error : "");
    ld->last_poll = http_now();
    pthread_mutex_unlock(&ld->state_lock);
}

/* Fetches and opens version v; on AP_OK *out is ready to swap in. */
static ap_status load_version(serve_ctx *sc, regc_client *rc, const regc_version *v,
                              serve_model **out, ap_error *err)
{
    char dir[PATH_MAX + 512];
    ap_status st = cache_fetch(sc->loader, rc, v, dir, sizeof dir, err);
    return st == AP_OK ? model_open(sc, v, dir, out, err) : st;
}

static void remember_loaded(serve_ctx *sc, const serve_model *m)
{
    serve_models *ld = sc->loader;
    serve_model *cur = serve_model_acquire(sc);
    pthread_mutex_lock(&ld->state_lock);
    if (cur && *cur->registry_version && strcmp(cur->registry_version, m->registry_version))
        snprintf(ld->previous, sizeof ld->previous, "%s", cur->registry_version);
    pthread_mutex_unlock(&ld->state_lock);
    serve_model_release(cur);
    if (*m->name) cache_set_current(ld, m->name, m->registry_version);
}

/* One poll: resolve, and load when the resolution moved. */
static void poll_once(serve_ctx *sc, bool initial)
{
    serve_models *ld = sc->loader;
    regc_client *rc = NULL;
    regc_version v = {0};
    serve_model *m = NULL;
    ap_error err = {0};
    regc_options ropts = {.tracking_uri = ld->tracking_uri};
    ap_status st = regc_open(&ropts, &rc, &err);
    if (st == AP_OK) st = regc_resolve(rc, ld->uri, &v, &err);
    if (st != AP_OK) {
        set_registry_state(ld, st == AP_ERR_UNAVAILABLE ? "unreachable" : "up", err.msg);
        if (initial || st != AP_ERR_UNAVAILABLE)
            log_warn("model registry: %s: %s", ld->uri, err.msg);
        goto out;
    }
    set_registry_state(ld, "up", NULL);
    pthread_mutex_lock(&ld->op_lock);
    pthread_mutex_lock(&ld->state_lock);
    bool moved = strcmp(ld->last_resolved, v.version) != 0;
    pthread_mutex_unlock(&ld->state_lock);
    if (moved) {
        st = load_version(sc, rc, &v, &m, &err);
        if (st == AP_OK) {
            remember_loaded(sc, m);
            model_swap(sc, m);
            pthread_mutex_lock(&ld->state_lock);
            snprintf(ld->last_resolved, sizeof ld->last_resolved, "%s", v.version);
            pthread_mutex_unlock(&ld->state_lock);
        } else {
            log_error("model %s version %s: %s", v.name, v.version, err.msg);
            set_registry_state(ld, "up", err.msg);
        }
    }
    pthread_mutex_unlock(&ld->op_lock);
out:
    regc_version_free(&v);
    regc_close(rc);
}

static void *poller(void *arg)
{
    serve_ctx *sc = arg;
    serve_models *ld = sc->loader;
    pthread_mutex_lock(&ld->state_lock);
    while (!ld->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ld->poll_s;
        while (!ld->stop && pthread_cond_timedwait(&ld->wake, &ld->state_lock, &until) == 0)
            ;
        if (ld->stop) break;
        pthread_mutex_unlock(&ld->state_lock);
        poll_once(sc, false);
        pthread_mutex_lock(&ld->state_lock);
    }
    pthread_mutex_unlock(&ld->state_lock);
    return NULL;
}

ap_status serve_models_start(serve_ctx *sc, size_t slots, size_t queue, ap_error *err)
{
    serve_models *ld = calloc(1, sizeof *ld);
    if (!ld) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&ld->op_lock, NULL);
    pthread_mutex_init(&ld->state_lock, NULL);
    pthread_cond_init(&ld->wake, NULL);
    pthread_mutex_init(&sc->model_lock, NULL);
    sc->loader = ld;
    ld->slots = slots;
    ld->queue = queue;
    ld->poll_s = (unsigned)cfg_int(sc->cfg, "models.poll_s");
    snprintf(ld->cache, sizeof ld->cache, "%s", cfg_str(sc->cfg, "models.cache_dir"));
    snprintf(ld->tracking_uri, sizeof ld->tracking_uri, "%s",
             cfg_str(sc->cfg, "registry.tracking_uri"));
    const char *uri = cfg_str(sc->cfg, "models.uri"), *name = cfg_str(sc->cfg, "models.name");
    if (*uri)
        snprintf(ld->uri, sizeof ld->uri, "%s", uri);
    else if (*name)
        snprintf(ld->uri, sizeof ld->uri, "models:/%s/Production", name);
    snprintf(ld->registry_state, sizeof ld->registry_state, "disabled");
    if (*ld->uri) {
        regc_model_ref ref;
        ap_status st = regc_parse_model_uri(ld->uri, &ref, err);
        if (st != AP_OK) return st;
        snprintf(ld->name, sizeof ld->name, "%s", ref.name);
        if (!*ld->tracking_uri)
            return ap_fail(err, AP_ERR_CONFIG,
                           "models.uri/models.name need "
                           "registry.tracking_uri (env MLFLOW_TRACKING_URI)");
        poll_once(sc, true);
        if (!sc->model) {
            /* The registry did not give us a model: serve the cached one. */
            regc_version v = {0};
            char dir[PATH_MAX + 512];
            serve_model *m = NULL;
            ap_error cerr = {0};
            if (cache_current(ld, &v, dir, sizeof dir, &cerr) == AP_OK &&
                regc_verify_checksums(dir, &cerr) == AP_OK &&
                model_open(sc, &v, dir, &m, &cerr) == AP_OK) {
                log_warn("model registry unavailable: serving cached %s version %s", v.name,
                         v.version);
                m->from_cache = true;
                model_swap(sc, m);
            } else {
                log_warn("no cached model: %s", cerr.msg);
            }
            regc_version_free(&v);
        }
    }
    if (!sc->model) {
        serve_model *m = NULL;
        ap_status st = model_open(sc, NULL, NULL, &m, err);
        if (st != AP_OK) return st;
        model_swap(sc, m);
    }
    if (*ld->uri && ld->poll_s > 0) {
        if (pthread_create(&ld->poller, NULL, poller, sc) != 0)
            return ap_fail(err, AP_ERR_INTERNAL, "cannot start the model poller");
        ld->poller_running = true;
    }
    return AP_OK;
}

void serve_models_stop(serve_ctx *sc)
{
    serve_models *ld = sc->loader;
    if (!ld) return;
    if (ld->poller_running) {
        pthread_mutex_lock(&ld->state_lock);
        ld->stop = true;
        pthread_cond_broadcast(&ld->wake);
        pthread_mutex_unlock(&ld->state_lock);
        pthread_join(ld->poller, NULL);
    }
    pthread_mutex_lock(&sc->model_lock);
    serve_model *m = sc->model;
    sc->model = NULL;
    pthread_mutex_unlock(&sc->model_lock);
    serve_model_release(m);
    pthread_mutex_destroy(&ld->op_lock);
    pthread_mutex_destroy(&ld->state_lock);
    pthread_cond_destroy(&ld->wake);
    free(ld);
    sc->loader = NULL;
}

const char *serve_models_registry_state(serve_ctx *sc, char *buf, size_t size)
{
    serve_models *ld = sc->loader;
    if (!ld) return "disabled";
    pthread_mutex_lock(&ld->state_lock);
    snprintf(buf, size, "%s", ld->registry_state);
    pthread_mutex_unlock(&ld->state_lock);
    return buf;
}

static json_t *model_json(const serve_model *m)
{
    char created[32] = "";
    if (m->created_ms > 0) {
        time_t t = (time_t)(m->created_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:b}", "name", *m->name ? m->name : m->engine_name,
                     "version", *m->registry_version ? m->registry_version : m->version, "type",
                     m->engine_name, "stage", *m->stage ? m->stage : "None", "model_version",
                     m->version, "created_at", *created ? created : NULL, "from_cache",
                     m->from_cache);
}

json_t *serve_models_health(serve_ctx *sc)
{
    serve_model *m = serve_model_acquire(sc);
    json_t *j = m ? model_json(m) : json_null();
    serve_model_release(m);
    return j;
}

/* ---- validation ---- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), mlen = strlen(b);
    size_t *row = malloc((mlen + 1) * sizeof *row);
    if (!row) return n > mlen ? n : mlen;
    for (size_t j = 0; j <= mlen; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= mlen; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[mlen];
    free(row);
    return d;
}

/* Collapses whitespace runs to one space and trims, so layout differences do not count. */
static void normalise(char *s)
{
    char *o = s;
    bool space = true;
    for (char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            if (!space) *o++ = ' ';
            space = true;
        } else {
            *o++ = *p;
            space = false;
        }
    }
    if (o > s && o[-1] == ' ') o--;
    *o = '\0';
}

/* Character accuracy (1 - CER, floored at 0) of model m over the validation set. */
static ap_status validate_model(serve_ctx *sc, serve_model *m, double *score, size_t *count,
                                ap_error *err)
{
    const char *vdir = cfg_str(sc->cfg, "models.validation_dir");
    *score = 0;
    *count = 0;
    if (!*vdir) return ap_fail(err, AP_ERR_CONFIG, "validate needs models.validation_dir");
    DIR *d = opendir(vdir);
    if (!d)
        return ap_fail(err, AP_ERR_CONFIG, "models.validation_dir %s: %s", vdir, strerror(errno));
    double total = 0;
    ap_status st = AP_OK;
    struct dirent *de;
    while (st == AP_OK && *count < VALIDATION_MAX_IMAGES && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcasecmp(de->d_name + n - 4, ".png") != 0) continue;
        char img[PATH_MAX + 512], gold_path[PATH_MAX + 512];
        snprintf(img, sizeof img, "%s/%s", vdir, de->d_name);
        snprintf(gold_path, sizeof gold_path, "%s/%.*s.txt", vdir, (int)(n - 4), de->d_name);
        unsigned char *data = NULL, *gold = NULL;
        size_t len = 0, glen = 0;
        PIX *pix = NULL;
        img_info info;
        void *engine = NULL;
        ocr_result r = {0};
        if (upload_read_file(gold_path, 1 << 20, &gold, &glen, NULL) != AP_OK) goto next;
        st = upload_read_file(img, sc->max_body, &data, &len, err);
        if (st == AP_OK) st = img_decode(data, len, sc->max_pixels, &pix, &info, err);
        if (st == AP_OK) st = ap_pool_get(m->pool, sc->request_timeout_s, &engine);
        if (st == AP_OK) {
            ocr_params params = {.layout = OCR_LAYOUT_PAGE};
            st = ocr_recognize(engine, pix, &params, &r, err);
            ap_pool_put(m->pool, engine);
        }
        if (st == AP_OK) {
            char *g = strndup((const char *)gold, glen);
            char *t = strdup(r.text ? r.text : "");
            if (g && t) {
                normalise(g);
                normalise(t);
                size_t glen2 = strlen(g);
                double cer = glen2 ? (double)edit_distance(t, g) / (double)glen2 : 0;
                total += cer < 1 ? 1 - cer : 0;
                (*count)++;
            }
            free(g);
            free(t);
        }
    next:
        ocr_result_free(&r);
        pixDestroy(&pix);
        free(data);
        free(gold);
    }
    closedir(d);
    if (st == AP_OK && *count == 0)
        st = ap_fail(err, AP_ERR_CONFIG, "models.validation_dir %s holds no image with a .txt",
                     vdir);
    if (st == AP_OK) *score = total / (double)*count;
    return st;
}

/* ---- routes ---- */

/* The run's metrics of a version ({key: value}), best effort. */
static json_t *run_metrics(regc_client *rc, const char *run_id)
{
    json_t *out = json_object(), *r = NULL;
    if (!run_id || !*run_id || strlen(run_id) > 64) return out;
    char query[128];
    snprintf(query, sizeof query, "run_id=%s", run_id);
    if (regc_call(rc, "GET", "runs/get", query, NULL, &r, NULL) == AP_OK) {
        size_t i;
        json_t *mt;
        json_array_foreach(
            json_object_get(json_object_get(json_object_get(r, "run"), "data"), "metrics"), i, mt)
        {
            const char *k = json_string_value(json_object_get(mt, "key"));
            json_t *v = json_object_get(mt, "value");
            if (k && v) json_object_set(out, k, v);
        }
    }
    json_decref(r);
    return out;
}

static json_t *version_json(regc_client *rc, const json_t *mv, const serve_model *loaded)
{
    regc_version v;
    if (regc_version_from_json(mv, &v, NULL) != AP_OK) return NULL;
    char created[32] = "";
    if (v.created_ms > 0) {
        time_t t = (time_t)(v.created_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    const char *engine = json_string_value(json_object_get(v.tags, "engine"));
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:b}", "name", v.name, "version", v.version,
                          "type", engine ? engine : "tesseract", "stage", v.stage, "metrics",
                          run_metrics(rc, v.run_id), "created_at", created, "loaded",
                          loaded && strcmp(loaded->name, v.name) == 0 &&
                              strcmp(loaded->registry_version, v.version) == 0);
    regc_version_free(&v);
    return j;
}

static ap_status open_client(serve_ctx *sc, regc_client **rc, http_response *resp)
{
    ap_error err = {0};
    regc_options o = {.tracking_uri = sc->loader->tracking_uri};
    if (regc_open(&o, rc, &err) != AP_OK)
        return http_error(resp, AP_ERR_UNAVAILABLE, NULL, "no model registry: %s", err.msg);
    return AP_OK;
}

ap_status serve_handle_models(void *ctx, const http_request *req, http_response *resp)
{
    (void)req;
    serve_ctx *sc = ctx;
    serve_models *ld = sc->loader;
    serve_model *m = serve_model_acquire(sc);
    json_t *models = json_array();
    regc_client *rc = NULL;
    ap_error err = {0};
    const char *warning = NULL;
    if (*ld->name && *ld->tracking_uri) {
        json_t *versions = NULL;
        regc_options o = {.tracking_uri = ld->tracking_uri};
        if (regc_open(&o, &rc, &err) == AP_OK &&
            regc_list_versions(rc, ld->name, &versions, &err) == AP_OK) {
            size_t i;
            json_t *mv;
            json_array_foreach(versions, i, mv)
            {
                json_t *j = version_json(rc, mv, m);
                if (j) json_array_append_new(models, j);
            }
        } else {
            warning = err.msg;
        }
        json_decref(versions);
    }
    if (json_array_size(models) == 0 && m) {
        json_t *j = model_json(m);
        json_object_set_new(j, "metrics", json_object());
        json_object_set_new(j, "loaded", json_true());
        json_array_append_new(models, j);
    }
    json_t *body =
        json_pack("{s:o,s:o}", "models", models, "loaded", m ? model_json(m) : json_null());
    if (warning) json_object_set_new(body, "warning", json_string(warning));
    regc_close(rc);
    serve_model_release(m);
    http_reply_json(resp, 200, body);
    return AP_OK;
}

static ap_status handle_model_get(serve_ctx *sc, const char *name, http_response *resp)
{
    regc_client *rc = NULL;
    json_t *versions = NULL;
    ap_error err = {0};
    ap_status st = open_client(sc, &rc, resp);
    if (st != AP_OK) return st;
    serve_model *m = serve_model_acquire(sc);
    st = regc_list_versions(rc, name, &versions, &err);
    if (st == AP_OK && json_array_size(versions) == 0)
        st = ap_fail(&err, AP_ERR_MODEL_NOT_FOUND, "model '%s' has no versions", name);
    if (st == AP_OK) {
        json_t *arr = json_array();
        size_t i;
        json_t *mv;
        json_array_foreach(versions, i, mv)
        {
            json_t *j = version_json(rc, mv, m);
            if (j) json_array_append_new(arr, j);
        }
        pthread_mutex_lock(&sc->loader->state_lock);
        json_t *body =
            json_pack("{s:s,s:o,s:o,s:s?}", "name", name, "versions", arr, "loaded",
                      m && strcmp(m->name, name) == 0 ? model_json(m) : json_null(),
                      "previous_version", *sc->loader->previous ? sc->loader->previous : NULL);
        pthread_mutex_unlock(&sc->loader->state_lock);
        http_reply_json(resp, 200, body);
    } else {
        st = http_error(resp, st == AP_ERR_NOT_FOUND ? AP_ERR_MODEL_NOT_FOUND : st, NULL, "%s",
                        err.msg);
    }
    json_decref(versions);
    serve_model_release(m);
    regc_close(rc);
    return st;
}

static ap_status handle_deploy(serve_ctx *sc, const char *name, const http_request *req,
                               http_response *resp)
{
    serve_models *ld = sc->loader;
    json_error_t jerr;
    json_t *body = json_loadb((const char *)req->body, req->body_len, 0, &jerr);
    regc_client *rc = NULL;
    regc_version v = {0};
    serve_model *cand = NULL, *cur = NULL;
    ap_error err = {0};
    ap_status st = AP_OK;
    bool locked = false;
    if (!json_is_object(body)) {
        st = http_error(resp, AP_ERR_INVALID, NULL,
                        "the body must be a JSON object "
                        "{\"version\": \"3\", \"validate\": false}");
        goto out;
    }
    json_t *jv = json_object_get(body, "version");
    char version[32];
    if (json_is_integer(jv))
        snprintf(version, sizeof version, "%lld", (long long)json_integer_value(jv));
    else if (json_is_string(jv) && json_string_length(jv) < sizeof version &&
             strspn(json_string_value(jv), "0123456789") == json_string_length(jv) &&
             json_string_length(jv) > 0)
        snprintf(version, sizeof version, "%s", json_string_value(jv));
    else {
        st = http_error(resp, AP_ERR_INVALID, NULL, "version must be a version number");
        goto out;
    }
    bool validate = json_is_true(json_object_get(body, "validate"));
    if ((st = open_client(sc, &rc, resp)) != AP_OK) goto out;
    pthread_mutex_lock(&ld->op_lock);
    locked = true;
    st = regc_get_version(rc, name, version, &v, &err);
    if (st == AP_OK) st = load_version(sc, rc, &v, &cand, &err);
    if (st != AP_OK) {
        st = http_error(resp, st == AP_ERR_NOT_FOUND ? AP_ERR_MODEL_NOT_FOUND : st, NULL, "%s",
                        err.msg);
        goto out;
    }
    json_t *validation = json_null();
    if (validate) {
        cur = serve_model_acquire(sc);
        double cand_score = 0, cur_score = 0;
        size_t n1 = 0, n2 = 0;
        st = validate_model(sc, cand, &cand_score, &n1, &err);
        if (st == AP_OK) st = validate_model(sc, cur, &cur_score, &n2, &err);
        if (st != AP_OK) {
            st = http_error(resp, st, NULL, "validation failed: %s", err.msg);
            goto out;
        }
        validation = json_pack("{s:f,s:f,s:i,s:s}", "candidate_score", cand_score, "current_score",
                               cur_score, "images", (int)n1, "metric", "character_accuracy");
        if (cand_score + 1e-9 < cur_score) {
            st = http_error(resp, AP_ERR_CONFLICT, validation,
                            "version %s scores %.4f on the validation set, below the current "
                            "%.4f: not deployed",
                            version, cand_score, cur_score);
            goto out;
        }
    }
    char previous[160] = "";
    serve_model *old = serve_model_acquire(sc);
    if (old) snprintf(previous, sizeof previous, "%s", old->registry_version);
    serve_model_release(old);
    remember_loaded(sc, cand);
    model_swap(sc, cand);
    log_emit(LOG_INFO, req->request_id,
             json_pack("{s:s,s:s,s:s}", "model", name, "version", version, "previous", previous),
             "model deployed");
    json_t *loaded = serve_models_health(sc);
    cand = NULL;
    http_reply_json(resp, 200,
                    json_pack("{s:s,s:o,s:s,s:o}", "status", "deployed", "model", loaded,
                              "previous_version", previous, "validation", validation));
out:
    if (locked) pthread_mutex_unlock(&ld->op_lock);
    if (cand) model_free(cand);
    serve_model_release(cur);
    regc_version_free(&v);
    regc_close(rc);
    json_decref(body);
    return st;
}

/* GET /models/{name} and POST /models/{name}/deploy. */
ap_status serve_handle_model(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    char name[256];
    const char *w = req->wildcard;
    size_t n = strcspn(w, "/");
    if (n == 0 || n >= sizeof name)
        return http_error(resp, AP_ERR_NOT_FOUND, NULL, "no such model route");
    memcpy(name, w, n);
    name[n] = '\0';
    const char *rest = w + n;
    if (strcmp(req->method, "GET") == 0 && *rest == '\0') return handle_model_get(sc, name, resp);
    if (strcmp(req->method, "POST") == 0 && strcmp(rest, "/deploy") == 0)
        return handle_deploy(sc, name, req, resp);
    return http_error(resp, AP_ERR_NOT_FOUND, NULL, "no such model route: %s %s", req->method,
                      req->path);
}
