/* client: see client.h. Requests are plain libcurl easy transfers on one handle per
 * client (reset between requests, so connections are reused). Retries: up to
 * opts.retries more attempts after a connection error or a 5xx, 200 ms, 400 ms, ...
 * apart; 4xx answers are final. Responses are bounded (MAX_JSON_RESPONSE). */
#include "registry/client.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sbuf.h"
#include "registry/artifact.h"

#define MAX_JSON_RESPONSE (16u * 1024u * 1024u)
#define MAX_FILES         10000 /* artifacts of one model version */
#define MAX_DEPTH         16

struct regc_client {
    char base[1024]; /* tracking URI without a trailing '/' */
    unsigned timeout_s, retries;
    CURL *curl;
};

ap_status regc_open(const regc_options *opts, regc_client **out, ap_error *err)
{
    *out = NULL;
    regc_options none = {0};
    if (!opts) opts = &none;
    const char *uri = opts->tracking_uri && *opts->tracking_uri ? opts->tracking_uri
                                                                : getenv("MLFLOW_TRACKING_URI");
    if (!uri || !*uri) return ap_fail(err, AP_ERR_CONFIG, "no registry: set MLFLOW_TRACKING_URI");
    if (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)
        return ap_fail(err, AP_ERR_CONFIG, "tracking URI '%s' must start with http(s)://", uri);
    regc_client *c = calloc(1, sizeof *c);
    if (!c) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    snprintf(c->base, sizeof c->base, "%s", uri);
    size_t n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    c->timeout_s = opts->timeout_s ? opts->timeout_s : 10;
    c->retries = opts->retries ? opts->retries : 2;
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return ap_fail(err, AP_ERR_NOMEM, "curl_easy_init failed");
    }
    *out = c;
    return AP_OK;
}

void regc_close(regc_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    free(c);
}

const char *regc_tracking_uri(const regc_client *c)
{
    return c->base;
}

typedef struct sink {
    sbuf buf;
    size_t max;
    FILE *file; /* when set, 2xx bodies go here */
    CURL *curl;
    bool too_large;
} sink;

static size_t sink_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (s->file && code >= 200 && code < 300) return fwrite(data, 1, n, s->file);
    if (s->buf.len + n > s->max) {
        s->too_large = true;
        return 0;
    }
    sbuf_append(&s->buf, data, n);
    return s->buf.oom ? 0 : n;
}

static ap_status mlflow_error(long code, const sbuf *body, const char *what, ap_error *err)
{
    json_t *j = body->data ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    const char *ecode = j ? json_string_value(json_object_get(j, "error_code")) : NULL;
    const char *msg = j ? json_string_value(json_object_get(j, "message")) : NULL;
    json_t *aip = j ? json_object_get(j, "error") : NULL; /* aipipe services' error body */
    if (!msg && json_is_object(aip)) {
        msg = json_string_value(json_object_get(aip, "message"));
        ecode = json_string_value(json_object_get(aip, "code"));
    }
    ap_status st = code == 404 || (ecode && strcmp(ecode, "RESOURCE_DOES_NOT_EXIST") == 0)
                       ? AP_ERR_NOT_FOUND
                   : ecode && strcmp(ecode, "RESOURCE_ALREADY_EXISTS") == 0 ? AP_ERR_CONFLICT
                   : code == 403 || code == 401                             ? AP_ERR_FORBIDDEN
                   : code == 409                                            ? AP_ERR_CONFLICT
                   : code == 429                                            ? AP_ERR_RATE_LIMITED
                   : code >= 500                                            ? AP_ERR_UNAVAILABLE
                                                                            : AP_ERR_INVALID;
    ap_fail(err, st, "registry %s: HTTP %ld %s: %s", what, code, ecode ? ecode : "",
            msg ? msg : "(no message)");
    json_decref(j);
    return st;
}

/* One HTTP exchange with retries. body may be NULL; extra, when set, is one more request
 * header line ("Name: value"); file, when set, receives a 2xx body (rewound before each
 * attempt). On AP_OK the 2xx body (unless file) is in *resp. */
static ap_status http_exchange(regc_client *c, const char *method, const char *url,
                               const char *ctype, const char *extra, const void *body,
                               size_t body_len, FILE *file, unsigned timeout_s, sbuf *resp,
                               ap_error *err)
{
    sink s = {.max = MAX_JSON_RESPONSE, .file = file, .curl = c->curl};
    ap_status st = AP_OK;
    struct curl_slist *headers = NULL;
    if (ctype) {
        char h[128];
        snprintf(h, sizeof h, "Content-Type: %s", ctype);
        headers = curl_slist_append(headers, h);
        if (!headers) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    if (extra) {
        struct curl_slist *more = curl_slist_append(headers, extra);
        if (!more) {
            curl_slist_free_all(headers);
            return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        }
        headers = more;
    }
    for (unsigned attempt = 0;; attempt++) {
        sbuf_free(&s.buf);
        s.buf = (sbuf){0};
        s.too_large = false;
        if (file && (fflush(file) != 0 || ftruncate(fileno(file), 0) != 0 ||
                     fseek(file, 0, SEEK_SET) != 0)) {
            st = ap_fail(err, AP_ERR_IO, "rewinding a download: %s", strerror(errno));
            break;
        }
        curl_easy_reset(c->curl);
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 5L);
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)timeout_s);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink_write);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
        if (strcmp(method, "GET") != 0) {
            curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
            curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : "");
            curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        }
        CURLcode cc = curl_easy_perform(c->curl);
        long code = 0;
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
        bool retry = (cc != CURLE_OK && !s.too_large && code == 0) || code >= 500;
        if (retry && attempt < c->retries) {
            unsigned ms = 200u << attempt;
            struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        if (s.too_large)
            st = ap_fail(err, AP_ERR_TOO_LARGE, "registry %s %s: response over %zu bytes", method,
                         url, s.max);
        else if (cc != CURLE_OK && code == 0)
            st = ap_fail(err, AP_ERR_UNAVAILABLE, "registry %s: %s", url, curl_easy_strerror(cc));
        else if (code < 200 || code >= 300)
            st = mlflow_error(code, &s.buf, url, err);
        else if (cc != CURLE_OK)
            st = ap_fail(err, AP_ERR_IO, "registry %s: %s", url, curl_easy_strerror(cc));
        break;
    }
    curl_slist_free_all(headers);
    if (st == AP_OK && resp) {
        *resp = s.buf;
        s.buf = (sbuf){0};
    }
    sbuf_free(&s.buf);
    return st;
}

ap_status regc_call(regc_client *c, const char *method, const char *endpoint, const char *query,
                    json_t *body, json_t **out, ap_error *err)
{
    *out = NULL;
    char url[4096];
    int n = snprintf(url, sizeof url, "%s/api/2.0/mlflow/%s%s%s", c->base, endpoint,
                     query && *query ? "?" : "", query ? query : "");
    if (n < 0 || (size_t)n >= sizeof url) return ap_fail(err, AP_ERR_INVALID, "URL too long");
    char *text = NULL;
    if (strcmp(method, "GET") != 0) {
        text = body ? json_dumps(body, JSON_COMPACT) : strdup("{}");
        if (!text) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    sbuf resp = {0};
    ap_status st = http_exchange(c, method, url, text ? "application/json" : NULL, NULL, text,
                                 text ? strlen(text) : 0, NULL, c->timeout_s, &resp, err);
    free(text);
    if (st == AP_OK) {
        json_error_t jerr;
        *out = resp.len ? json_loadb(resp.data, resp.len, 0, &jerr) : json_object();
        if (!*out || !json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            st =
                ap_fail(err, AP_ERR_IO, "registry %s: the response is not a JSON object", endpoint);
        }
    }
    sbuf_free(&resp);
    return st;
}

/* URL-encodes s (RFC 3986 unreserved kept; '/' kept when keep_slash) into out. */
static bool url_encode(const char *s, bool keep_slash, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-_.~", *p) || (keep_slash && *p == '/');
        if (o + 4 >= size) return false;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return true;
}

ap_status regc_parse_model_uri(const char *uri, regc_model_ref *out, ap_error *err)
{
    *out = (regc_model_ref){0};
    if (!uri || strncmp(uri, "models:/", 8) != 0)
        return ap_fail(err, AP_ERR_INVALID, "model URI '%s' must start with models:/",
                       uri ? uri : "");
    const char *rest = uri + 8;
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    size_t name_len = at ? (size_t)(at - rest) : slash ? (size_t)(slash - rest) : strlen(rest);
    if (name_len == 0 || name_len >= sizeof out->name || (at && slash && slash < at))
        return ap_fail(err, AP_ERR_INVALID, "model URI '%s': bad model name", uri);
    memcpy(out->name, rest, name_len);
    if (at) {
        if (!at[1] || strlen(at + 1) >= sizeof out->alias || strchr(at + 1, '/'))
            return ap_fail(err, AP_ERR_INVALID, "model URI '%s': bad alias", uri);
        snprintf(out->alias, sizeof out->alias, "%s", at + 1);
        return AP_OK;
    }
    if (!slash) return AP_OK; /* latest */
    const char *which = slash + 1;
    if (!*which || strchr(which, '/') || strlen(which) >= sizeof out->stage)
        return ap_fail(err, AP_ERR_INVALID,
                       "model URI '%s': expected models:/NAME/VERSION, "
                       "models:/NAME/STAGE or models:/NAME@ALIAS",
                       uri);
    if (strspn(which, "0123456789") == strlen(which))
        snprintf(out->version, sizeof out->version, "%s", which);
    else
        snprintf(out->stage, sizeof out->stage, "%s", which);
    return AP_OK;
}

static void copy_str(char *dst, size_t size, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(dst, size, "%s", s ? s : "");
}

ap_status regc_version_from_json(const json_t *mv, regc_version *v, ap_error *err)
{
    *v = (regc_version){0};
    if (!json_is_object(mv)) return ap_fail(err, AP_ERR_INVALID, "model_version is missing");
    copy_str(v->name, sizeof v->name, json_object_get(mv, "name"));
    const json_t *ver = json_object_get(mv, "version");
    if (json_is_integer(ver))
        snprintf(v->version, sizeof v->version, "%lld", (long long)json_integer_value(ver));
    else
        copy_str(v->version, sizeof v->version, ver);
    copy_str(v->stage, sizeof v->stage, json_object_get(mv, "current_stage"));
    copy_str(v->status, sizeof v->status, json_object_get(mv, "status"));
    copy_str(v->source, sizeof v->source, json_object_get(mv, "source"));
    copy_str(v->run_id, sizeof v->run_id, json_object_get(mv, "run_id"));
    const json_t *ct = json_object_get(mv, "creation_timestamp");
    v->created_ms = json_is_integer(ct)  ? (int64_t)json_integer_value(ct)
                    : json_is_string(ct) ? strtoll(json_string_value(ct), NULL, 10)
                                         : 0;
    if (!*v->stage) snprintf(v->stage, sizeof v->stage, "None");
    v->tags = json_object();
    if (!v->tags) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    const json_t *tags = json_object_get(mv, "tags");
    size_t i;
    const json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        const char *val = json_string_value(json_object_get(t, "value"));
        if (k && val) json_object_set_new(v->tags, k, json_string(val));
    }
    if (!*v->name || !*v->version) {
        regc_version_free(v);
        return ap_fail(err, AP_ERR_INVALID, "model_version lacks a name or a version");
    }
    return AP_OK;
}

void regc_version_free(regc_version *v)
{
    if (!v) return;
    json_decref(v->tags);
    v->tags = NULL;
}

ap_status regc_get_version(regc_client *c, const char *name, const char *version, regc_version *out,
                           ap_error *err)
{
    char ename[800], query[1000];
    *out = (regc_version){0};
    if (!url_encode(name, false, ename, sizeof ename))
        return ap_fail(err, AP_ERR_INVALID, "model name too long");
    snprintf(query, sizeof query, "name=%s&version=%s", ename, version);
    json_t *r = NULL;
    ap_status st = regc_call(c, "GET", "model-versions/get", query, NULL, &r, err);
    if (st == AP_OK) st = regc_version_from_json(json_object_get(r, "model_version"), out, err);
    json_decref(r);
    return st;
}

ap_status regc_resolve(regc_client *c, const char *model_uri, regc_version *out, ap_error *err)
{
    regc_model_ref ref;
    *out = (regc_version){0};
    ap_status st = regc_parse_model_uri(model_uri, &ref, err);
    if (st != AP_OK) return st;
    if (*ref.version) return regc_get_version(c, ref.name, ref.version, out, err);
    json_t *r = NULL;
    if (*ref.alias) {
        char ename[800], ealias[400], query[1300];
        if (!url_encode(ref.name, false, ename, sizeof ename) ||
            !url_encode(ref.alias, false, ealias, sizeof ealias))
            return ap_fail(err, AP_ERR_INVALID, "model URI too long");
        snprintf(query, sizeof query, "name=%s&alias=%s", ename, ealias);
        st = regc_call(c, "GET", "registered-models/alias", query, NULL, &r, err);
        if (st == AP_OK) st = regc_version_from_json(json_object_get(r, "model_version"), out, err);
        json_decref(r);
        return st;
    }
    /* A stage, or the latest of all stages: get-latest-versions gives the newest version
     * per stage; the newest of those is "latest". */
    json_t *body = json_pack("{s:s}", "name", ref.name);
    if (body && *ref.stage) json_object_set_new(body, "stages", json_pack("[s]", ref.stage));
    if (!body) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    st = regc_call(c, "POST", "registered-models/get-latest-versions", NULL, body, &r, err);
    json_decref(body);
    if (st != AP_OK) return st;
    const json_t *best = NULL;
    long long best_v = -1;
    size_t i;
    const json_t *mv;
    json_array_foreach(json_object_get(r, "model_versions"), i, mv)
    {
        regc_version tmp;
        if (regc_version_from_json(mv, &tmp, NULL) != AP_OK) continue;
        long long v = strtoll(tmp.version, NULL, 10);
        bool stage_ok = !*ref.stage || strcasecmp(tmp.stage, ref.stage) == 0;
        regc_version_free(&tmp);
        if (stage_ok && v > best_v) {
            best_v = v;
            best = mv;
        }
    }
    st = best ? regc_version_from_json(best, out, err)
              : ap_fail(err, AP_ERR_NOT_FOUND, "model '%s' has no version%s%s", ref.name,
                        *ref.stage ? " in stage " : "", ref.stage);
    json_decref(r);
    return st;
}

ap_status regc_list_versions(regc_client *c, const char *name, json_t **out, ap_error *err)
{
    *out = NULL;
    char filter[700], efilter[2200], query[2400];
    snprintf(filter, sizeof filter, "name='%s'", name);
    if (strchr(name, '\'')) return ap_fail(err, AP_ERR_INVALID, "model name holds a quote");
    if (!url_encode(filter, false, efilter, sizeof efilter))
        return ap_fail(err, AP_ERR_INVALID, "model name too long");
    snprintf(query, sizeof query, "filter=%s&max_results=1000", efilter);
    json_t *r = NULL;
    ap_status st = regc_call(c, "GET", "model-versions/search", query, NULL, &r, err);
    if (st != AP_OK) return st;
    json_t *arr = json_object_get(r, "model_versions");
    *out = json_is_array(arr) ? json_incref(arr) : json_array();
    json_decref(r);
    /* newest first, whatever order the server used */
    size_t n = json_array_size(*out);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(*out, j - 1), *b = json_array_get(*out, j);
            regc_version va, vb;
            long long x =
                regc_version_from_json(a, &va, NULL) == AP_OK ? strtoll(va.version, NULL, 10) : -1;
            long long y =
                regc_version_from_json(b, &vb, NULL) == AP_OK ? strtoll(vb.version, NULL, 10) : -1;
            regc_version_free(&va);
            regc_version_free(&vb);
            if (x >= y) break;
            json_incref(a);
            json_array_set(*out, j - 1, b);
            json_array_set_new(*out, j, a);
        }
    return AP_OK;
}

/* ---- checksums ---- */

static ap_status sha256_file(const char *path, char out[65], ap_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ap_status st = AP_OK;
    if (!ctx) {
        fclose(f);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[1 << 15];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    if (ferror(f)) st = ap_fail(err, AP_ERR_IO, "%s: read error", path);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    EVP_DigestFinal_ex(ctx, d, &dn);
    for (unsigned i = 0; i < dn; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return st;
}

static ap_status checksum_walk(const char *root, const char *rel, FILE *out, int depth,
                               ap_error *err)
{
    if (depth > MAX_DEPTH) return ap_fail(err, AP_ERR_TOO_LARGE, "%s: too deep", root);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
    ap_status st = AP_OK;
    struct dirent *de;
    while (st == AP_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || strcmp(de->d_name, "..") == 0)) continue;
        char sub[PATH_MAX], full[PATH_MAX * 2];
        int n1 = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        if (n1 < 0 || (size_t)n1 >= sizeof sub) continue; /* unaddressable name */
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat sb;
        if (lstat(full, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            st = checksum_walk(root, sub, out, depth + 1, err);
        } else if (S_ISREG(sb.st_mode) &&
                   strncmp(sub, REGC_CHECKSUMS, strlen(REGC_CHECKSUMS)) != 0) {
            /* (the list itself, and its temporary file being written meanwhile) */
            char hex[65];
            st = sha256_file(full, hex, err);
            if (st == AP_OK) fprintf(out, "%s  %s\n", hex, sub);
        }
    }
    closedir(d);
    return st;
}

ap_status regc_write_checksums(const char *dir, ap_error *err)
{
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", dir, REGC_CHECKSUMS);
    int fd = -1;
    ap_status st = art_tmp_create(path, tmp, sizeof tmp, &fd, err);
    if (st != AP_OK) return st;
    FILE *f = fdopen(dup(fd), "w");
    if (!f) {
        art_tmp_abort(fd, tmp);
        return ap_fail(err, AP_ERR_IO, "%s: %s", tmp, strerror(errno));
    }
    st = checksum_walk(dir, "", f, 0, err);
    if (fclose(f) != 0 && st == AP_OK) st = ap_fail(err, AP_ERR_IO, "%s: write error", tmp);
    if (st != AP_OK) {
        art_tmp_abort(fd, tmp);
        return st;
    }
    return art_tmp_commit(fd, tmp, path, err);
}

ap_status regc_verify_checksums(const char *dir, ap_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, REGC_CHECKSUMS);
    FILE *f = fopen(path, "r");
    if (!f) return AP_OK; /* none published with this version */
    ap_status st = AP_OK;
    char line[PATH_MAX + 80];
    while (st == AP_OK && fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (n < 67 || line[64] != ' ' || line[65] != ' ') continue;
        const char *rel = line + 66;
        if (art_key_check(rel, NULL) != AP_OK) {
            st = ap_fail(err, AP_ERR_IO, "%s: bad file name '%s'", REGC_CHECKSUMS, rel);
            break;
        }
        char file[PATH_MAX], hex[65];
        if ((size_t)snprintf(file, sizeof file, "%s/%s", dir, rel) >= sizeof file) {
            st = ap_fail(err, AP_ERR_IO, "%s: path too long", rel);
            break;
        }
        st = sha256_file(file, hex, err);
        if (st == AP_OK && strncmp(hex, line, 64) != 0)
            st = ap_fail(err, AP_ERR_IO, "checksum mismatch: %s", rel);
    }
    fclose(f);
    return st;
}

/* ---- downloads ---- */

static int mkdir_parents(const char *root, const char *rel)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path) return -1;
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

/* Lists the proxied artifacts under path (recursively) into keys/sizes. */
static ap_status proxy_list(regc_client *c, const char *path, int depth, art_list *out,
                            ap_error *err)
{
    if (depth > MAX_DEPTH) return ap_fail(err, AP_ERR_TOO_LARGE, "artifacts nest too deep");
    char epath[3 * 1024 + 8], url[8192];
    if (!url_encode(path, false, epath, sizeof epath))
        return ap_fail(err, AP_ERR_INVALID, "artifact path too long");
    snprintf(url, sizeof url, "%s/api/2.0/mlflow-artifacts/artifacts?path=%s", c->base, epath);
    sbuf resp = {0};
    ap_status st =
        http_exchange(c, "GET", url, NULL, NULL, NULL, 0, NULL, c->timeout_s, &resp, err);
    if (st != AP_OK) return st;
    json_t *j = resp.len ? json_loadb(resp.data, resp.len, 0, NULL) : json_object();
    sbuf_free(&resp);
    if (!j) return ap_fail(err, AP_ERR_IO, "artifacts list: not JSON");
    size_t i;
    const json_t *f;
    size_t plen = strlen(path);
    json_array_foreach(json_object_get(j, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        if (!p) continue;
        /* MLflow answers base names; accept paths that already carry the prefix too */
        char key[1100];
        if (plen && strncmp(p, path, plen) == 0 && p[plen] == '/')
            snprintf(key, sizeof key, "%s", p);
        else
            snprintf(key, sizeof key, "%s%s%s", path, plen ? "/" : "", p);
        if (art_key_check(key, err) != AP_OK) {
            st = AP_ERR_IO;
            break;
        }
        if (json_is_true(json_object_get(f, "is_dir")))
            st = proxy_list(c, key, depth + 1, out, err);
        else
            st = art_list_push(out, MAX_FILES, key, false,
                               (uint64_t)json_integer_value(json_object_get(f, "file_size")), 0,
                               NULL, err);
        if (st != AP_OK) break;
    }
    json_decref(j);
    return st;
}

static ap_status proxy_get(regc_client *c, const char *key, const char *dest, ap_error *err)
{
    char ekey[3 * 1100], url[8192], tmp[PATH_MAX + 16];
    if (!url_encode(key, true, ekey, sizeof ekey))
        return ap_fail(err, AP_ERR_INVALID, "artifact path too long");
    snprintf(url, sizeof url, "%s/api/2.0/mlflow-artifacts/artifacts/%s", c->base, ekey);
    int fd = -1;
    ap_status st = art_tmp_create(dest, tmp, sizeof tmp, &fd, err);
    if (st != AP_OK) return st;
    FILE *f = fdopen(dup(fd), "w");
    if (!f) {
        art_tmp_abort(fd, tmp);
        return ap_fail(err, AP_ERR_IO, "%s: %s", tmp, strerror(errno));
    }
    st = http_exchange(c, "GET", url, NULL, NULL, NULL, 0, f, c->timeout_s * 30, NULL, err);
    if (fclose(f) != 0 && st == AP_OK) st = ap_fail(err, AP_ERR_IO, "%s: write error", tmp);
    if (st != AP_OK) {
        art_tmp_abort(fd, tmp);
        return st;
    }
    return art_tmp_commit(fd, tmp, dest, err);
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            struct stat sb;
            if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
                remove_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

ap_status regc_download_version(regc_client *c, const regc_version *v, const char *dir,
                                ap_error *err)
{
    char uri[2048], tmpdir[PATH_MAX];
    art_store *store = NULL;
    art_list files = {0};
    bool proxied = false;
    /* Prefer the server's resolved download URI; fall back to the source. */
    snprintf(uri, sizeof uri, "%s", v->source);
    {
        char ename[800], query[1000];
        json_t *r = NULL;
        if (url_encode(v->name, false, ename, sizeof ename)) {
            snprintf(query, sizeof query, "name=%s&version=%s", ename, v->version);
            if (regc_call(c, "GET", "model-versions/get-download-uri", query, NULL, &r, NULL) ==
                    AP_OK &&
                json_string_value(json_object_get(r, "artifact_uri")))
                snprintf(uri, sizeof uri, "%s",
                         json_string_value(json_object_get(r, "artifact_uri")));
            json_decref(r);
        }
    }
    int n = snprintf(tmpdir, sizeof tmpdir, "%s.tmp-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof tmpdir || !mkdtemp(tmpdir))
        return ap_fail(err, AP_ERR_IO, "cannot create a directory beside '%s': %s", dir,
                       strerror(errno));
    ap_status st;
    const char *prefix = "";
    if (strncmp(uri, "mlflow-artifacts:", 17) == 0) {
        proxied = true;
        prefix = uri + 17;
        while (*prefix == '/')
            prefix++;
        st = proxy_list(c, prefix, 0, &files, err);
    } else {
        if (strncmp(uri, "runs:/", 6) == 0) {
            st = ap_fail(err, AP_ERR_UNSUPPORTED,
                         "model source '%s': runs:/ URIs are not "
                         "resolved; register with the artifact URI",
                         uri);
            goto out;
        }
        art_options aopts = {.max_list = MAX_FILES};
        st = art_open(uri, &aopts, &store, err);
        if (st == AP_OK) st = art_list_dir(store, "", true, &files, err);
    }
    if (st != AP_OK) goto out;
    if (files.n == 0) {
        st = ap_fail(err, AP_ERR_NOT_FOUND, "model %s/%s: no artifacts at '%s'", v->name,
                     v->version, uri);
        goto out;
    }
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < files.n && st == AP_OK; i++) {
        const char *key = files.items[i].key;
        const char *rel = proxied && plen ? key + plen + 1 : key;
        char dest[PATH_MAX * 2];
        snprintf(dest, sizeof dest, "%s/%s", tmpdir, rel);
        if (mkdir_parents(tmpdir, rel) != 0) {
            st = ap_fail(err, AP_ERR_IO, "%s: %s", dest, strerror(errno));
            break;
        }
        st = proxied ? proxy_get(c, key, dest, err) : art_get_file(store, key, dest, err);
        struct stat sb;
        if (st == AP_OK && (stat(dest, &sb) != 0 || (uint64_t)sb.st_size != files.items[i].size))
            st = ap_fail(err, AP_ERR_IO, "%s arrived with %lld bytes, the store lists %llu", rel,
                         (long long)sb.st_size, (unsigned long long)files.items[i].size);
        /* a single-part S3 ETag is the MD5 of the object: check it too */
        if (st == AP_OK && files.items[i].etag[0] && !strchr(files.items[i].etag, '-')) {
            char md5[80];
            if (art_file_etag(dest, 0, md5, err) == AP_OK && strcmp(md5, files.items[i].etag))
                st = ap_fail(err, AP_ERR_IO, "%s: MD5 differs from its ETag", rel);
        }
    }
    if (st == AP_OK) st = regc_verify_checksums(tmpdir, err);
    if (st == AP_OK && rename(tmpdir, dir) != 0)
        st = ap_fail(err, errno == ENOTEMPTY || errno == EEXIST ? AP_ERR_CONFLICT : AP_ERR_IO,
                     "renaming to '%s': %s", dir, strerror(errno));
out:
    if (st != AP_OK) remove_tree(tmpdir);
    art_list_free(&files);
    art_close(store);
    return st;
}

ap_status regc_upload_artifact(regc_client *c, const char *path, const char *file, ap_error *err)
{
    char epath[3 * 1100], url[8192];
    if (art_key_check(path, err) != AP_OK) return AP_ERR_INVALID;
    if (!url_encode(path, true, epath, sizeof epath))
        return ap_fail(err, AP_ERR_INVALID, "artifact path too long");
    snprintf(url, sizeof url, "%s/api/2.0/mlflow-artifacts/artifacts/%s", c->base, epath);
    unsigned char *data = NULL;
    size_t len = 0;
    FILE *f = fopen(file, "rb");
    if (!f) return ap_fail(err, AP_ERR_IO, "%s: %s", file, strerror(errno));
    ap_status st = AP_OK;
    if (fseek(f, 0, SEEK_END) != 0 || (len = (size_t)ftell(f), fseek(f, 0, SEEK_SET)) != 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: %s", file, strerror(errno));
    } else if (!(data = malloc(len ? len : 1))) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
    } else if (len && fread(data, 1, len, f) != len) {
        st = ap_fail(err, AP_ERR_IO, "%s: short read", file);
    }
    fclose(f);
    /* RFC 9530: the server hashes what it received and refuses a body that differs */
    char digest[128];
    if (st == AP_OK) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned dn = 0;
        char b64[4 * EVP_MAX_MD_SIZE / 3 + 8];
        if (!EVP_Digest(data, len, d, &dn, EVP_sha256(), NULL))
            st = ap_fail(err, AP_ERR_NOMEM, "sha-256 failed");
        EVP_EncodeBlock((unsigned char *)b64, d, (int)dn);
        snprintf(digest, sizeof digest, "Content-Digest: sha-256=:%s:", b64);
    }
    if (st == AP_OK)
        st = http_exchange(c, "PUT", url, "application/octet-stream", digest, data, len, NULL,
                           c->timeout_s * 30, NULL, err);
    free(data);
    return st;
}

ap_status regc_http_json(regc_client *c, const char *method, const char *url, json_t *body,
                         json_t **out, ap_error *err)
{
    *out = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    sbuf resp = {0};
    ap_status st = http_exchange(c, method, url, text ? "application/json" : NULL, NULL, text,
                                 text ? strlen(text) : 0, NULL, c->timeout_s * 30, &resp, err);
    free(text);
    if (st == AP_OK) {
        *out = resp.len ? json_loadb(resp.data, resp.len, 0, NULL) : json_object();
        if (!*out) st = ap_fail(err, AP_ERR_IO, "%s: the response is not JSON", url);
    }
    sbuf_free(&resp);
    return st;
}
